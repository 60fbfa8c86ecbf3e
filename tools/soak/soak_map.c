/* soak_map.c — the top-down map PNG of a soak run, drawn with cairo. */
#include "soak_map.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "soak_camera.h"
#include "soak_canvas.h"

/* Layout, in pixels. */
#define MARGIN_X 16.0
#define HEADER_H 34.0   /* the caption above the map */
#define LEGEND_H 54.0   /* the legend below it */
#define MIN_WIDTH 820   /* room for the legend */
#define MAP_SIDE_PX 1024 /* the longer side of the map, before rounding to whole cells */
#define TEXT_PX 12.0

#define REGION_EDGE TPT_SOAK_RGB(0, 190, 255)
#define UNSEEN TPT_SOAK_RGB(60, 60, 66)

bool tpt_soak_map_init(tpt_soak_map *m, int32_t x0, int32_t z0, uint32_t width,
                       uint32_t height, double chunk_m, uint32_t lod_count)
{
    memset(m, 0, sizeof *m);
    if (width == 0 || height == 0 || (uint64_t)width * height > (1u << 26))
        return false;
    m->lod = malloc((size_t)width * height);
    if (!m->lod)
        return false;
    memset(m->lod, TPT_SOAK_MAP_UNSEEN, (size_t)width * height);
    m->x0 = x0, m->z0 = z0, m->width = width, m->height = height;
    m->chunk_m = chunk_m;
    m->lod_count = lod_count;
    return true;
}

void tpt_soak_map_free(tpt_soak_map *m)
{
    free(m->lod);
    memset(m, 0, sizeof *m);
}

/* Green for the finest LOD through yellow to brown for the coarsest. */
static tpt_soak_rgb lod_colour(int lod)
{
    static const uint8_t ramp[8][3] = {{26, 152, 80},  {145, 207, 96}, {217, 239, 139},
                                       {254, 224, 139}, {252, 141, 89}, {215, 110, 60},
                                       {170, 90, 50},   {130, 70, 40}};
    if (lod == TPT_SOAK_MAP_UNSEEN)
        return UNSEEN;
    if (lod < 0)
        return TPT_SOAK_RED;
    const uint8_t *c = ramp[lod < 8 ? lod : 7];
    return TPT_SOAK_RGB(c[0], c[1], c[2]);
}

/* Where the map's chunks land in the picture. */
typedef struct map_frame {
    double x, y;    /* top-left corner of the map */
    double cell;    /* pixels per chunk */
    double w, h;    /* pixels */
} map_frame;

static void chunks(tpt_soak_canvas *c, const tpt_soak_map *m, const map_frame *f)
{
    /* North up: the row of the largest z at the top, as the export maps. */
    for (uint32_t j = 0; j < m->height; j++)
        for (uint32_t i = 0; i < m->width; i++)
            tpt_soak_canvas_fill(c, f->x + i * f->cell, f->y + (m->height - 1 - j) * f->cell,
                                 f->cell, f->cell, lod_colour(m->lod[(size_t)j * m->width + i]));
}

/* The edges of the baked region, clipped to the map. */
static void region_edges(tpt_soak_canvas *c, const tpt_soak_map *m, const map_frame *f)
{
    double x0 = f->x + ((double)m->region.x0 - m->x0) * f->cell;
    double x1 = f->x + ((double)m->region.x1 - m->x0) * f->cell;
    double y0 = f->y + ((double)m->z0 + m->height - m->region.z1) * f->cell;
    double y1 = f->y + ((double)m->z0 + m->height - m->region.z0) * f->cell;
    cairo_save(c->cr);
    cairo_rectangle(c->cr, f->x, f->y, f->w, f->h);
    cairo_clip(c->cr);
    cairo_set_source_rgb(c->cr, REGION_EDGE.r, REGION_EDGE.g, REGION_EDGE.b);
    cairo_set_line_width(c->cr, 2.0);
    cairo_rectangle(c->cr, x0 + 1.0, y0 + 1.0, x1 - x0 - 2.0, y1 - y0 - 2.0);
    cairo_stroke(c->cr);
    cairo_restore(c->cr);
}

/* A square marker of `colour` with a black rim, centred on (x, y). */
static void dot(tpt_soak_canvas *c, double x, double y, double side, tpt_soak_rgb colour)
{
    tpt_soak_canvas_fill(c, x - side / 2.0 - 1.0, y - side / 2.0 - 1.0, side + 2.0, side + 2.0,
                         TPT_SOAK_BLACK);
    tpt_soak_canvas_fill(c, x - side / 2.0, y - side / 2.0, side, side, colour);
}

/* Metres on the ground to pixels of the picture. */
typedef struct ground_to_picture {
    double ox_m, oz_m; /* the map's north-west corner */
    double ppm;        /* pixels per metre */
    double x, y;       /* the map's corner in the picture */
} ground_to_picture;

static double px_of(const ground_to_picture *g, double x_m)
{
    return g->x + (x_m - g->ox_m) * g->ppm;
}

static double py_of(const ground_to_picture *g, double z_m)
{
    return g->y + (g->oz_m - z_m) * g->ppm;
}

/* The camera path in metres over the map: one polyline between teleports. */
static void camera_path(tpt_soak_canvas *c, const tpt_soak_map *m, const map_frame *f,
                        const tpt_soak_tick *ticks, size_t n)
{
    if (n == 0)
        return;
    const ground_to_picture g = {(double)m->x0 * m->chunk_m,
                                 ((double)m->z0 + m->height) * m->chunk_m, f->cell / m->chunk_m,
                                 f->x, f->y};
    cairo_t *cr = c->cr;
    cairo_set_source_rgb(cr, 0, 0, 0);
    cairo_set_line_width(cr, 1.5);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_move_to(cr, px_of(&g, ticks[0].x_m), py_of(&g, ticks[0].z_m));
    for (size_t i = 1; i < n; i++) {
        if (ticks[i].move == TPT_SOAK_MOVE_TELEPORT)
            cairo_move_to(cr, px_of(&g, ticks[i].x_m), py_of(&g, ticks[i].z_m));
        else
            cairo_line_to(cr, px_of(&g, ticks[i].x_m), py_of(&g, ticks[i].z_m));
    }
    cairo_stroke(cr);
    for (size_t i = 1; i < n; i++)
        if (ticks[i].move == TPT_SOAK_MOVE_TELEPORT)
            dot(c, px_of(&g, ticks[i].x_m), py_of(&g, ticks[i].z_m), 4.0, TPT_SOAK_MAGENTA);
    dot(c, px_of(&g, ticks[0].x_m), py_of(&g, ticks[0].z_m), 6.0, TPT_SOAK_GREEN);
    dot(c, px_of(&g, ticks[n - 1].x_m), py_of(&g, ticks[n - 1].z_m), 6.0, TPT_SOAK_RED);
}

static void legend(tpt_soak_canvas *c, const tpt_soak_map *m, double y)
{
    char buf[32];
    double x = MARGIN_X;
    for (int lod = 0; lod < (int)m->lod_count && lod < 8; lod++) {
        snprintf(buf, sizeof buf, "LOD %d", lod);
        x = tpt_soak_canvas_swatch(c, x, y, 12, 12, lod_colour(lod), buf);
    }
    x = tpt_soak_canvas_swatch(c, x, y, 12, 12, lod_colour(TPT_SOAK_MAP_MISSING), "missing");
    x = tpt_soak_canvas_swatch(c, x, y, 12, 12, lod_colour(TPT_SOAK_MAP_UNSEEN), "not in view");
    if (m->has_region) {
        tpt_soak_canvas_line(c, x, y, x + 22.0, y, 2.0, REGION_EDGE, 0.0);
        tpt_soak_canvas_text(c, x + 27.0, y + TEXT_PX * 0.36, TEXT_PX, TPT_SOAK_INK,
                             TPT_SOAK_ALIGN_LEFT, "baked region edge");
    }
    tpt_soak_canvas_text(c, MARGIN_X, y + 24.0, TEXT_PX, TPT_SOAK_INK, TPT_SOAK_ALIGN_LEFT,
                         "Colour: the LOD a chunk had when last in view.  Black: camera "
                         "path (green start, red end, magenta teleport landings).");
}

tp_result tpt_soak_map_write(const char *path, const tpt_soak_map *m, const tpt_soak_tick *ticks,
                             size_t n, char *err, size_t err_size)
{
    const uint32_t longest = m->width > m->height ? m->width : m->height;
    int64_t cell = MAP_SIDE_PX / (int64_t)longest;
    cell = cell < 2 ? 2 : cell > 24 ? 24 : cell;
    map_frame f = {MARGIN_X, HEADER_H, (double)cell, (double)(m->width * cell),
                   (double)(m->height * cell)};
    int width = (int)(f.w + 2 * MARGIN_X);
    width = width < MIN_WIDTH ? MIN_WIDTH : width;
    tpt_soak_canvas c;
    if (!tpt_soak_canvas_open(&c, width, (int)(HEADER_H + f.h + LEGEND_H))) {
        snprintf(err, err_size, "%s: out of memory", path);
        return TP_ERR_OUT_OF_MEMORY;
    }
    char buf[200];
    snprintf(buf, sizeof buf,
             "Chunks %" PRId32 " to %" PRId32 " in x, %" PRId32 " to %" PRId32
             " in z; north up; %g m per chunk",
             m->x0, m->x0 + (int32_t)m->width - 1, m->z0, m->z0 + (int32_t)m->height - 1,
             m->chunk_m);
    tpt_soak_canvas_bold_text(&c, MARGIN_X, 22.0, 13.0, TPT_SOAK_BLACK, TPT_SOAK_ALIGN_LEFT,
                              buf);
    chunks(&c, m, &f);
    if (m->has_region)
        region_edges(&c, m, &f);
    camera_path(&c, m, &f, ticks, n);
    legend(&c, m, f.y + f.h + 16.0);
    tp_result r = tpt_soak_canvas_write(&c, path, "soak map", err, err_size);
    tpt_soak_canvas_close(&c);
    return r;
}
