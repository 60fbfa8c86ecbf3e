/* mesh_tin.h — the triangulation behind a chunk mesh (internal to the generator): greedy
 * insertion over a fixed border, on an integer grid, in exact integer arithmetic.
 *
 * tp__tin_build() starts from the two triangles of the square, inserts the border
 * vertices it is given (which the seam rule in mesh_build.c chose from the border
 * samples alone), then inserts, one at a time, the grid sample that misses the surface
 * most, until every sample is within the build error; after each insertion edge flips
 * make the triangulation Delaunay again. Border edges never flip and border samples are
 * never inserted by the greedy step: every segment between two border vertices is,
 * by the seam rule, within the build error of its chord.
 *
 * Every decision is an exact integer comparison (orientation, in-circle, a sample
 * against its triangle's plane, which of two deviations is larger as exact fractions)
 * with ties broken by triangle number, so the same grid gives the same triangulation on
 * every machine, whatever the compiler or the scratch held before.
 *
 * Thread rules: pure over caller-owned scratch; any thread.
 */
#ifndef TP_MESH_TIN_H
#define TP_MESH_TIN_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/result.h"

/* The result: vertices (grid coordinates) and triangles (vertex numbers, wound so that
 * (b − a) × (c − a) > 0 in (x, z)), all inside the scratch. */
typedef struct tp__tin {
    int32_t *px, *pz;       /* vertex_count each */
    int32_t *tri;           /* 3 · triangle_count */
    uint32_t vertex_count, triangle_count;
    /* scratch free after the build (it held the build's own state), for the caller
     * to order and emit triangles with: triangle_count + vertex_count + 2 + tp__mesh_order_work_words() uint32 for
     * the largest mesh the build allows, 8-byte aligned */
    uint32_t *spare;
} tp__tin;

/* Bytes of scratch tp__tin_build() needs for up to max_vertices vertices (any alignment
 * of the scratch is fine: the build aligns it). */
size_t tp__tin_scratch_size(uint32_t max_vertices);

/* Builds the triangulation of the edge² grid `h` (edge = 2^n + 1). `border` lists the
 * grid points (z · edge + x) that are border vertices besides the four corners (each
 * once, any order). lim16: the build error in 1/16 height codes; a sample is off when
 * 16 · |deviation| > lim16 (deviation in codes). max_vertices bounds the vertices
 * (corners included); scratch holds tp__tin_scratch_size(max_vertices) bytes.
 * @return TP_OK with *out filled; TP_ERR_OUT_OF_RANGE when the mesh needs more than
 * max_vertices vertices. */
tp_result tp__tin_build(const uint16_t *h, uint32_t edge, const uint32_t *border,
                        uint32_t border_count, int64_t lim16, uint32_t max_vertices,
                        void *scratch, tp__tin *out);

#endif
