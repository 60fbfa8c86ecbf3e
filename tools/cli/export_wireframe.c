/* export_wireframe.c — mesh edges over a hillshade, for `terrapage export`. */
#include "export_wireframe.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "chunk_mesh.h"
#include "cli_options.h"
#include "field_source.h"
#include "pagefile_open.h"
#include "png_write.h"
#include "render.h"
#include "terrapage/mesh.h"
#include "terrapage/output_file.h"

static const uint8_t lod_colours[7][3] = {{230, 40, 40},  {255, 140, 0}, {250, 230, 0},
                                          {255, 255, 255}, {0, 220, 230}, {40, 90, 255},
                                          {230, 40, 230}};

static void plot(tpt_render_image *img, int64_t x, int64_t y, const uint8_t rgb[3])
{
    if (x < 0 || y < 0 || x >= img->png.width || y >= img->png.height)
        return;
    uint8_t *p = (uint8_t *)img->pixels + ((size_t)y * img->png.width + (size_t)x) * 3;
    memcpy(p, rgb, 3);
}

/* Bresenham between two pixel centres. */
static void line(tpt_render_image *img, int64_t x0, int64_t y0, int64_t x1, int64_t y1,
                 const uint8_t rgb[3])
{
    int64_t dx = x1 > x0 ? x1 - x0 : x0 - x1, dy = y1 > y0 ? y0 - y1 : y1 - y0;
    int64_t sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (;;) {
        plot(img, x0, y0, rgb);
        if (x0 == x1 && y0 == y1)
            return;
        int64_t e2 = 2 * e;
        if (e2 >= dy)
            e += dy, x0 += sx;
        if (e2 <= dx)
            e += dx, y0 += sy;
    }
}

/* The edges of a chunk's surface triangles, in the image where chunk (ix, iz) of the
 * region starts at pixel (ix · step, iz · step) counted from the south-west. */
static void draw_chunk_edges(tpt_render_image *img, const tpt_chunk_mesh *m, int64_t ix,
                             int64_t iz, uint32_t step, const uint8_t rgb[3])
{
    /* Chunk-local 0 … 32768 → image pixels; row 0 is the north (largest z). */
    const double scale = (double)step / TP_MESH_XZ_EXTENT;
    const int64_t top = (int64_t)img->png.height - 1;
    const tp_mesh_vertex *v = m->mesh.vertices;
    for (uint32_t t = 0; t < m->mesh.skirt_index_start; t += 3) {
        for (int k = 0; k < 3; k++) {
            const tp_mesh_vertex *a = &v[m->mesh.indices[t + (uint32_t)k]];
            const tp_mesh_vertex *b = &v[m->mesh.indices[t + (uint32_t)(k + 1) % 3]];
            int64_t ax = ix * step + (int64_t)(a->x * scale + 0.5);
            int64_t bx = ix * step + (int64_t)(b->x * scale + 0.5);
            int64_t ay = top - (iz * step + (int64_t)(a->z * scale + 0.5));
            int64_t by = top - (iz * step + (int64_t)(b->z * scale + 0.5));
            line(img, ax, ay, bx, by, rgb);
        }
    }
}

/* The mesh LOD of chunk (ix, iz): fixed, or one more per ring around the centre (rings as
 * wide as the region allows for all LODs to appear). */
static uint32_t chunk_lod(const tpt_wireframe_request *r, int64_t ix, int64_t iz, uint32_t lods)
{
    if (r->fixed_lod >= 0)
        return (uint32_t)r->fixed_lod < lods ? (uint32_t)r->fixed_lod : lods - 1;
    const int64_t w = tpt_region_width(&r->region), h = tpt_region_height(&r->region);
    const double half = (w > h ? w : h) / 2.0;
    const double ring = half / lods > 1.0 ? half / lods : 1.0;
    const double d = fmax(fabs(ix - (w - 1) / 2.0), fabs(iz - (h - 1) / 2.0));
    const uint32_t lod = (uint32_t)(d / ring);
    return lod < lods ? lod : lods - 1;
}

/* Every chunk's edges. @return false after printing the problem with a mesh. */
static bool draw_meshes(const tpt_wireframe_request *r, tpt_render_image *img,
                        uint64_t *triangles, uint64_t *chunks)
{
    const uint32_t lods = r->layout->lod_count;
    const uint32_t step = r->layout->edge[r->image_lod] - 1;
    const int64_t w = tpt_region_width(&r->region), h = tpt_region_height(&r->region);
    for (int64_t iz = 0; iz < h; iz++) {
        for (int64_t ix = 0; ix < w; ix++) {
            const uint32_t lod = chunk_lod(r, ix, iz, lods);
            const int32_t cx = (int32_t)(r->region.x0 + ix), cz = (int32_t)(r->region.z0 + iz);
            tpt_chunk_mesh m;
            tpt_pagefile_clear_detail();
            tp_result res = tpt_chunk_mesh_load(r->reader, r->layout, cx, cz, lod, r->fallback, &m);
            if (res != TP_OK) {
                char problem[640];
                tpt_pagefile_problem(res, r->path, problem, sizeof problem);
                fprintf(stderr, "%s: %s: mesh of chunk (%d, %d) LOD %u: %s%s\n", r->command,
                        r->path, cx, cz, lod, problem,
                        res == TP_ERR_NOT_FOUND ? " (--fallback builds it)" : "");
                return false;
            }
            draw_chunk_edges(img, &m, ix, iz, step, lod_colours[lod < 7 ? lod : 6]);
            triangles[lod] += m.mesh.skirt_index_start / 3;
            chunks[lod]++;
            tpt_chunk_mesh_free(&m);
        }
    }
    return true;
}

int tpt_export_wireframe(const tpt_wireframe_request *r)
{
    tpt_reader_source rs;
    tpt_reader_source_init(&rs, r->reader, r->layout, r->fallback);
    tpt_field_source source = tpt_reader_source_fields(&rs);
    tpt_render_options opt = {
        .layer = TPT_RENDER_HILLSHADE, .region = r->region, .lod = r->image_lod};
    tpt_render_image img;
    char err[512];
    /* A path that cannot take the picture fails before the drawing. */
    if (tp_output_check(r->output, NULL) != TP_OK) {
        fprintf(stderr, "%s: %s\n", r->command, tp_error_detail());
        return TPT_EXIT_FAILURE;
    }
    if (tpt_render(&source, &opt, &img, err, sizeof err) != TP_OK) {
        fprintf(stderr, "%s: %s: %s\n", r->command, r->path, err);
        return TPT_EXIT_FAILURE;
    }
    uint64_t triangles[TP_MAX_LODS] = {0}, chunks[TP_MAX_LODS] = {0};
    int status = draw_meshes(r, &img, triangles, chunks) ? TPT_EXIT_OK : TPT_EXIT_FAILURE;
    if (status == TPT_EXIT_OK && tpt_png_write(r->output, &img.png, err, sizeof err) != TP_OK) {
        fprintf(stderr, "%s: %s\n", r->command, err);
        status = TPT_EXIT_FAILURE;
    }
    if (status == TPT_EXIT_OK && !r->quiet) {
        printf("wrote %s: wireframe, %" PRIu32 " x %" PRIu32 " pixels (image LOD %" PRIu32 ")\n",
               r->output, img.png.width, img.png.height, r->image_lod);
        for (uint32_t lod = 0; lod < r->layout->lod_count; lod++)
            if (chunks[lod])
                printf("  LOD %" PRIu32 ": %" PRIu64 " chunks, %.1f triangles per chunk\n", lod,
                       chunks[lod], (double)triangles[lod] / (double)chunks[lod]);
    }
    tpt_render_image_free(&img);
    return status;
}
