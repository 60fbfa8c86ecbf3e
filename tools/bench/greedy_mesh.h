/* greedy_mesh.h — the yardstick of `terrapage bench mesh`: greedy insertion (Garland and
 * Heckbert, "Fast Polygonal Approximation of Terrains and Height Fields", 1995, the
 * algorithm of Delatin), on a chunk's LOD grid.
 *
 *   tpt_greedy_mesher *g = tpt_greedy_create(129);
 *   tp_mesh m;
 *   bool reached;
 *   tpt_greedy_build(g, lod_grid, lod_edge, lod0_grid, 129, error_m, &m, &reached);
 *   // m.index_count / 3 triangles; m stays valid until the next call or tpt_greedy_free
 *
 * It is only a measuring stick: the best-known way to spend few triangles on a height
 * field with no constraint at all (no seams shared with neighbours, no skirts, nothing a
 * runtime must rebuild bit for bit), against which the chunk meshes are counted. Nothing
 * in the page file or the runtime uses it.
 *
 * Thread rules: a mesher belongs to one thread at a time.
 */
#ifndef TPT_GREEDY_MESH_H
#define TPT_GREEDY_MESH_H

#include <stdbool.h>
#include <stdint.h>

#include "terrapage/mesh_codec.h"
#include "terrapage/result.h"

typedef struct tpt_greedy_mesher tpt_greedy_mesher;

/*! tpt_greedy_create() : a mesher for grids of up to max_edge² samples (max_edge = 2^n + 1,
 *  3 … 129, so that 16-bit indices always suffice).
 *  @return it, or NULL when out of memory or max_edge is out of range. */
tpt_greedy_mesher *tpt_greedy_create(uint32_t max_edge);

/*! tpt_greedy_free() : accepts NULL. */
void tpt_greedy_free(tpt_greedy_mesher *g);

/*! tpt_greedy_build() :
 *  Greedy insertion on the edge² grid `heights` (a chunk's LOD-k grid: the full grid at
 *  stride (full_edge − 1) / (edge − 1)), starting from the two triangles of the square:
 *  every triangle knows the grid sample it misses most; the worst of all is inserted as a
 *  vertex (splitting its triangle, or the edge it lies on), the triangulation is made
 *  Delaunay again by edge flips (exact integer predicates; cocircular points do not
 *  flip), and the changed triangles find their worst samples again. It stops at the
 *  first mesh of this sequence whose TRUE max vertical error — against every sample of
 *  the full grid `full` (full_edge²), as measured by tp_mesh_max_error — is at most
 *  error_m. At LOD 0 that is exactly Garland and Heckbert's stopping rule; above, the
 *  LOD grid cannot see everything the full grid holds, so the sequence may have to go on
 *  past the point where it fits its own grid.
 *  *out_mesh gets the surface (no skirts: skirt_index_start = index_count), vertices on
 *  the full grid's coordinates as a chunk mesh has them, heights from `heights`, normals
 *  0; its arrays belong to the mesher. *out_reached is false when even inserting every
 *  sample that is off the surface never brings the true error down to error_m (the
 *  LOD grid's triangulation is then worse than the chunk mesh it is compared with); the
 *  mesh is then the last of the sequence.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for NULL pointers, an edge that is not
 *  2^n + 1 within the mesher's size, or a full grid that is not a finer power-of-two
 *  grid of it. */
tp_result tpt_greedy_build(tpt_greedy_mesher *g, const uint16_t *heights, uint32_t edge,
                           const uint16_t *full, uint32_t full_edge, double error_m,
                           tp_mesh *out_mesh, bool *out_reached);

#endif
