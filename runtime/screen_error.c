/* screen_error.c — the screen-space error selector (runtime.h, "Screen-space error").
 * The runtime is no part of the deterministic generator: tan() here is fine. The choice
 * is still a pure function of its inputs, so the deterministic mode stays repeatable. */
#include <math.h>
#include <string.h>

#include "internal.h"
#include "terrapage/mesh.h"

double tp__screen_error_scale(const tp_streamer_options *o)
{
    return (double)o->viewport_height_px / (2.0 * tan(o->vertical_fov_rad * 0.5));
}

double tp__screen_error_px(double scale, double error_m, double dist_m)
{
    if (error_m <= 0.0)
        return 0.0;
    return dist_m > 0.0 ? error_m * scale / dist_m : INFINITY;
}

static double axis_gap(double v, double lo, double hi)
{
    return v < lo ? lo - v : (v > hi ? v - hi : 0.0);
}

/* The chunk's facts from the file's directory (FORMAT.md 12.1: the bounds record and each
 * mesh's recorded error, O(1) lookups, no page read), looked up once per entry: they
 * never change while the file is open. Without a directory record (outside the baked
 * region, no file) nothing is kept and the callers fall back. */
static int file_facts(const tp_streamer *s, tp__chunk *c, int32_t cx, int32_t cz)
{
    if (c && c->file_known)
        return 1;
    if (!c || !s->source.reader)
        return 0;
    tp_chunk_bounds b;
    if (tp__page_source_bounds(&s->source, cx, cz, &b) != TP_OK)
        return 0;
    c->file_bottom_m = tp_height_code_to_m(b.height_min_code);
    c->file_top_m = tp_height_code_to_m(b.height_max_code);
    for (uint32_t lod = 0; lod < s->layout.lod_count; lod++) {
        c->file_error_m[lod] = -1.0f;
        tp_blob_ref ref;
        if (s->layout.meshes &&
            tp_reader_find(s->source.reader, cx, cz, TP_LAYER_MESH, lod, &ref) == TP_OK) {
            float e;
            memcpy(&e, &ref.aux, sizeof e);
            if (isfinite(e) && e >= 0.0f) /* a damaged file's value is not believed */
                c->file_error_m[lod] = e;
        }
    }
    c->file_known = 1;
    return 1;
}

/* Distance from (x, y, z) to the chunk's box: its square, and the height range of the
 * directory (or tp_streamer_chunk_bounds()' estimate; open when there is none). */
static double box_dist(const tp_streamer *s, tp__chunk *c, int32_t cx, int32_t cz, double x,
                       double y, double z)
{
    const double size = s->layout.chunk_m;
    double x0 = (double)cx * size, z0 = (double)cz * size;
    double dx = axis_gap(x, x0, x0 + size), dz = axis_gap(z, z0, z0 + size), dy = 0.0;
    tp_chunk_bounds b;
    if (file_facts(s, c, cx, cz))
        dy = axis_gap(y, c->file_bottom_m, c->file_top_m);
    else if (tp_streamer_chunk_bounds(s, cx, cz, &b) == TP_OK)
        dy = axis_gap(y, tp_height_code_to_m(b.height_min_code),
                      tp_height_code_to_m(b.height_max_code));
    return sqrt(dx * dx + dy * dy + dz * dz);
}

/* The directory's recorded error, else the resident mesh's, else the promise. The
 * directory comes first: a resident mesh of a chunk the file has is that very mesh (a
 * fallback is bit-identical), and its error is on the entry already, where the block
 * would cost a cache and TLB miss per chunk per update. */
static double lod_error_m(const tp_streamer *s, tp__chunk *c, int32_t cx, int32_t cz,
                          uint32_t lod)
{
    if (file_facts(s, c, cx, cz) && c->file_error_m[lod] >= 0.0f)
        return c->file_error_m[lod];
    const tp__block *b = NULL;
    if (c && c->fine && c->fine_lod == lod)
        b = c->fine;
    else if (c && lod == s->layout.coarsest)
        b = c->coarse;
    if (b && b->mesh)
        return b->mesh->pub.max_error_m;
    return tp_mesh_lod_target_error_m(lod);
}

uint32_t tp__screen_error_lod(const tp_streamer *s, tp__chunk *e, int32_t cx, int32_t cz,
                              double x, double y, double z)
{
    const double dist = box_dist(s, e, cx, cz, x, y, z);
    const double scale = s->schedule.screen_error_scale;
    for (uint32_t lod = s->layout.coarsest; lod > 0; lod--)
        if (tp__screen_error_px(scale, lod_error_m(s, e, cx, cz, lod), dist) <=
            s->opt.screen_error_px)
            return lod;
    return 0;
}

tp_result tp_streamer_chunk_error_px(const tp_streamer *s, int32_t cx, int32_t cz,
                                     double *out_px)
{
    tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
    int best = c ? tp__chunk_best_lod(c, s->layout.coarsest) : -1;
    if (best < 0)
        return TP_ERR_NOT_FOUND;
    double d = box_dist(s, c, cx, cz, s->frame.cam_x, s->frame.cam_y, s->frame.cam_z);
    *out_px = tp__screen_error_px(s->schedule.screen_error_scale,
                                  lod_error_m(s, c, cx, cz, (uint32_t)best), d);
    return TP_OK;
}
