/* terrapage/mesh.h — error-bounded, crack-free triangle meshes of one chunk at one LOD.
 *
 *   uint32_t lod = 2, edge = tp_world_lod_edge(&world, lod);            // 33
 *   uint16_t *heights = ...;            // that LOD's grid, from tp_generate_chunk()
 *   uint16_t apron[4 * 33];             // the samples just outside the chunk, for normals
 *   tp_mesh_apron_generate(&world, cx, cz, lod, apron);
 *
 *   uint32_t max_v, max_i;
 *   tp_mesh_build_bound(edge, &max_v, &max_i);
 *   tp_mesh_vertex *v = malloc(max_v * sizeof *v);
 *   uint16_t *i = malloc(max_i * sizeof *i);
 *   void *scratch = malloc(tp_mesh_build_scratch_size(edge));
 *   tp_mesh_build_options o = {0};      // zero means default: the LOD's error and skirts
 *   o.lod = lod;
 *   o.apron = apron;
 *   tp_mesh mesh;
 *   tp_mesh_build(heights, edge, &o, scratch, tp_mesh_build_scratch_size(edge),
 *                 v, max_v, i, max_i, &mesh);
 *   float err;                          // what the baker records for (chunk, LOD)
 *   tp_mesh_max_error(&mesh, lod0_heights, lod0_edge, &err);
 *
 * What a mesh is. A triangulated irregular network built by greedy insertion (Garland
 * and Heckbert): from the chunk's border, the sample that misses the surface most becomes
 * a vertex and the triangulation is made Delaunay again, until every triangle is within
 * the build error of every grid sample it covers — exactly, checked in integer
 * arithmetic over all samples, not estimated. It uses only the LOD's own grid (and, for
 * normals only, the optional apron), so the runtime fallback rebuilds any single LOD
 * bit for bit: every decision is an integer comparison with fixed tie-breaking, and the
 * normals are IEEE-exact double operations (no libm), the same on every machine and
 * thread.
 *
 * Seams. Which border samples become vertices is decided first, from the border samples
 * alone, which two neighbouring chunks share: each side is bisected from the chunk
 * corners, and a midpoint is a vertex when any border sample of its segment is off the
 * segment's chord by more than the build error (so a flat side costs just its two
 * corners). Every segment between two border vertices is then within the error of its
 * chord, so the interior never needs another border vertex: greedy insertion starts
 * from that border polygon and never changes it. So at the same LOD both sides have
 * identical border vertices (position and height; normals too when both pass an apron)
 * and no T-junctions, while the interior simplifies freely and the error bound holds
 * everywhere. Between different LODs, skirts hang from the border (see
 * tp_mesh_lod_skirt_depth_m and tp_mesh_add_skirts).
 *
 * Thread rules: every function here is pure and may be called from any thread at once;
 * inputs are only read, and outputs and scratch belong to the caller of that call.
 */
#ifndef TERRAPAGE_MESH_H
#define TERRAPAGE_MESH_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/mesh_codec.h"
#include "terrapage/result.h"
#include "terrapage/world.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Option flags. */
#define TP_MESH_BUILD_NO_SKIRTS 0x1u     /* surface only: skirt_index_start = index_count */
#define TP_MESH_BUILD_REGULAR_GRID 0x2u  /* keep every sample: the plain grid, for
                                            comparisons and debugging */

/* Apron: 4 · edge height codes just outside the chunk at the same LOD, in this order:
 *   [0 · edge + j]  column x = −1 (the −x neighbour's column edge − 2), row j
 *   [1 · edge + j]  column x = edge (the +x neighbour's column 1), row j
 *   [2 · edge + i]  row z = −1 (the −z neighbour's row edge − 2), column i
 *   [3 · edge + i]  row z = edge (the +z neighbour's row 1), column i
 * With it, border normals use the same central differences as the neighbour's, so they
 * match exactly across the seam. */
#define TP_MESH_APRON_X_MINUS 0u
#define TP_MESH_APRON_X_PLUS 1u
#define TP_MESH_APRON_Z_MINUS 2u
#define TP_MESH_APRON_Z_PLUS 3u

/* Options of tp_mesh_build(). Zero-initialise: every 0 field takes its default. */
typedef struct tp_mesh_build_options {
    uint32_t lod;            /* LOD of the grid (0 = full resolution); picks the defaults */
    uint32_t flags;          /* TP_MESH_BUILD_* */
    double chunk_size_m;     /* chunk edge length; sets the slope of the normals; 0 → 256 m */
    double max_error_m;      /* build error: the largest vertical distance allowed between the
                                mesh and any sample of THIS grid, ≥ 0, ≤ 65536;
                                0 → tp_mesh_lod_build_error_m(lod). To keep every non-planar
                                detail pass a tiny positive value (1e−9). */
    double skirt_depth_m;    /* how far skirts hang below the border, ≥ 0;
                                0 → tp_mesh_lod_skirt_depth_m(lod, lod_count) */
    uint32_t lod_count;      /* LODs of the world, for the default skirt depth; 0 → the count
                                implied by edge and lod, down to 9 samples per edge */
    uint32_t reserved0;      /* must be 0 */
    const uint16_t *apron;   /* NULL, or 4 · edge codes (see above). NULL → border normals
                                use one-sided differences, so they differ slightly from the
                                neighbour's (positions and heights still match) */
    uint32_t reserved[4];    /* must be 0 */
} tp_mesh_build_options;

/*! tp_mesh_lod_target_error_m() :
 *  @return the default promise for LOD `lod`, in metres: a mesh built with the default
 *  options from the default world's grid is within this distance of every FULL-resolution
 *  sample of its chunk (what the baker records must not exceed it): 0.5 m at LOD 0, then
 *  6 m · 2^lod (12, 24, 48, 96 m …). Above LOD 0 it is dominated by what the coarser grid
 *  cannot see at all (sharp crests between its samples); the recorded per-chunk errors
 *  are usually far smaller. The measurements behind it are in mesh_build.c. */
TP_API double tp_mesh_lod_target_error_m(uint32_t lod);

/*! tp_mesh_lod_build_error_m() :
 *  @return the default build error for LOD `lod` (the simplification threshold against
 *  that LOD's own grid), in metres: 0.5 m at LOD 0, then 0.75 m · 2^lod (1.5, 3, 6,
 *  12 m …), an eighth of the target. The target covers this plus the worst sampling
 *  error of the default world, with a margin (see mesh_build.c). */
TP_API double tp_mesh_lod_build_error_m(uint32_t lod);

/*! tp_mesh_lod_skirt_depth_m() :
 *  @return the default skirt depth for LOD `lod` of a world with `lod_count` LODs:
 *  target(lod) + target(lod_count − 1). Along a shared border each side is within its
 *  target of the true heights, so two sides at any LODs are at most the sum of their
 *  targets apart, and each side's skirt reaches below the other's surface. */
TP_API double tp_mesh_lod_skirt_depth_m(uint32_t lod, uint32_t lod_count);

/*! tp_mesh_build_bound() :
 *  Worst-case sizes of a mesh built from an edge × edge grid (the regular grid plus
 *  skirts, capped at what a mesh of TP_MESH_MAX_VERTICES vertices can hold), for sizing
 *  the output arrays. Either output pointer may be NULL. Grids beyond 255 samples per
 *  edge build only when simplification keeps the mesh under the vertex limit. */
TP_API void tp_mesh_build_bound(uint32_t edge, uint32_t *out_max_vertices,
                                uint32_t *out_max_indices);

/*! tp_mesh_build_scratch_size() :
 *  @return bytes of scratch tp_mesh_build() needs for an edge × edge grid (about 144 bytes
 *  per sample, for the case where every sample becomes a vertex: 2.3 MiB for 129, and
 *  never more than for TP_MESH_MAX_VERTICES vertices, 9 MiB), or 0 if edge is not
 *  2^n + 1 with 1 ≤ n ≤ 14. */
TP_API size_t tp_mesh_build_scratch_size(uint32_t edge);

/*! tp_mesh_build() :
 *  Builds the mesh of one chunk at one LOD from that LOD's height grid: `heights` holds
 *  edge × edge codes, row-major, rows along +z (as tp_generate_chunk() writes them).
 *  Writes up to vertex_capacity vertices and index_capacity indices into the caller's
 *  arrays and fills *out_mesh pointing at them: vertices in first-use order, surface
 *  triangles in vertex-cache order (Tipsify), then the skirts. `scratch` (any alignment) holds tp_mesh_build_scratch_size()
 *  bytes; nothing is allocated. `options` may be NULL for all defaults at LOD 0.
 *  Deterministic: the same inputs give the same bytes on every machine.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for a NULL pointer, an edge that is not 2^n + 1
 *  (3 … 16385), a negative or non-finite option, or non-zero reserved fields;
 *  TP_ERR_BUFFER_TOO_SMALL if scratch or an output array is too small (the bounds always
 *  suffice); TP_ERR_OUT_OF_RANGE if the mesh would need more than TP_MESH_MAX_VERTICES
 *  vertices. On failure *out_mesh has zero counts. */
TP_API tp_result tp_mesh_build(const uint16_t *heights, uint32_t edge,
                               const tp_mesh_build_options *options, void *scratch,
                               size_t scratch_size, tp_mesh_vertex *out_vertices,
                               uint32_t vertex_capacity, uint16_t *out_indices,
                               uint32_t index_capacity, tp_mesh *out_mesh);

/*! tp_mesh_max_error() :
 *  Measures a mesh against the chunk's FULL-resolution grid (full_edge² codes): the
 *  largest vertical distance, in metres, between the mesh surface and any sample, found
 *  exactly in integer arithmetic over every sample under every surface triangle (skirts
 *  are ignored). The result is rounded up to the next float, so it never understates.
 *  Costs about one pass over the full grid per call (~0.05 ms for 129²).
 *  @return TP_OK with *out_error_m set; TP_ERR_INVALID_ARGUMENT for NULL pointers, a
 *  full_edge that is not 2^n + 1 (3 … 1025), or a mesh whose vertices are not on that grid;
 *  TP_ERR_CORRUPT if an index is out of range. */
TP_API tp_result tp_mesh_max_error(const tp_mesh *mesh, const uint16_t *full_heights,
                                   uint32_t full_edge, float *out_error_m);

/* ---- One chunk's mesh blob: what the baker stores and the fallback rebuilds ----------
 *
 *   size_t cap = tp_mesh_chunk_blob_bound(&world, lod), size;
 *   size_t scratch_size = tp_mesh_chunk_blob_scratch_size(&world, lod);   // per thread
 *   float error_m;
 *   tp_mesh_generate_chunk_blob(&world, cx, cz, lod, lod_heights, lod0_heights,
 *                               scratch, scratch_size, raw, cap, &size, &error_m);
 *   // baker: tp_blob_encode(TP_ELEM_BYTES, 0, raw, size, level, …, &stored, &enc);
 *   //        aux = the bits of error_m (memcpy into a uint32_t);
 *   //        tp_writer_add_blob(w, cx, cz, TP_LAYER_MESH, lod, enc, buf, stored, size, aux);
 *   // runtime: tp_mesh_decode(raw, size, …) — the same bytes the baker stored, decoded.
 */

/*! tp_mesh_chunk_blob_bound() :
 *  @return the out_capacity that always suffices for tp_mesh_generate_chunk_blob() at
 *  LOD `lod` of `world` (a resolved world), or 0 if lod ≥ tp_world_lod_count(world).
 *  About 330 KiB at LOD 0 of the default world; real blobs are a few KiB. */
TP_API size_t tp_mesh_chunk_blob_bound(const tp_world_params *world, uint32_t lod);

/*! tp_mesh_chunk_blob_scratch_size() :
 *  @return the bytes of scratch tp_mesh_generate_chunk_blob() needs at LOD `lod` (the
 *  largest is at LOD 0, about 2.6 MiB for 129 samples per edge, and serves every LOD),
 *  or 0 if lod is out of range. */
TP_API size_t tp_mesh_chunk_blob_scratch_size(const tp_world_params *world, uint32_t lod);

/*! tp_mesh_generate_chunk_blob() :
 *  The mesh of chunk (cx, cz) at LOD `lod`, encoded (tp_mesh_encode) — the raw bytes of
 *  the page file's TP_LAYER_MESH blob. One pure function for the baker and the runtime's
 *  fallback, so both produce the same bytes: the mesh is built with the default options
 *  for `lod` (build error tp_mesh_lod_build_error_m, skirts of
 *  tp_mesh_lod_skirt_depth_m(lod, tp_world_lod_count(world)), the world's chunk size) and
 *  an apron from tp_mesh_apron_generate, so border normals match the neighbours'.
 *
 *    world         resolved parameters (tp_world_params_resolve)
 *    lod_heights   that LOD's grid (tp_world_lod_edge(world, lod)² codes, as
 *                  tp_generate_chunk writes them), or NULL to generate it here
 *    lod0_heights  the chunk's LOD-0 grid, or NULL: with it, *out_max_error_m receives
 *                  the mesh's exact max vertical error against it (tp_mesh_max_error,
 *                  rounded up; about one pass over the LOD-0 grid); without it, −1
 *    scratch       scratch_size ≥ tp_mesh_chunk_blob_scratch_size(world, lod) bytes of
 *                  any alignment, reused across calls by one thread; or NULL, and then
 *                  the function allocates that much itself and frees it before returning
 *    out           out_capacity ≥ tp_mesh_chunk_blob_bound(world, lod) bytes
 *    out_max_error_m  may be NULL
 *
 *  Deterministic: the same world, chunk and LOD give the same bytes on every machine,
 *  thread and run, whether the heights are passed or generated. Any thread.
 *  @return TP_OK with *out_size set; TP_ERR_INVALID_ARGUMENT for NULL world/out/out_size
 *  or lod out of range; TP_ERR_BUFFER_TOO_SMALL for too small a scratch or out;
 *  TP_ERR_OUT_OF_MEMORY when scratch is NULL and the allocation fails; the errors of
 *  tp_mesh_build (only for worlds whose meshes would exceed 16-bit indices). */
TP_API tp_result tp_mesh_generate_chunk_blob(const tp_world_params *world, int32_t cx,
                                             int32_t cz, uint32_t lod,
                                             const uint16_t *lod_heights,
                                             const uint16_t *lod0_heights, void *scratch,
                                             size_t scratch_size, void *out,
                                             size_t out_capacity, size_t *out_size,
                                             float *out_max_error_m);

/*! tp_mesh_apron_generate() :
 *  Fills `out_apron` (4 · tp_world_lod_edge(world, lod) codes, layout above) with the
 *  heights just outside chunk (cx, cz) at LOD `lod`, from the generator
 *  (tp_generate_heights, four strips one sample wide).
 *  The same values the neighbours' grids hold, so a baker that has them may copy them
 *  instead (tp_mesh_apron_from_neighbours).
 *  @return TP_OK, or TP_ERR_INVALID_ARGUMENT for NULL pointers or lod out of range. */
TP_API tp_result tp_mesh_apron_generate(const tp_world_params *world, int32_t cx, int32_t cz,
                                        uint32_t lod, uint16_t *out_apron);

/*! tp_mesh_apron_from_neighbours() :
 *  Fills `out_apron` from the four neighbours' grids at the same LOD (edge² codes each,
 *  the −x, +x, −z and +z neighbours). Pure copying.
 *  @return TP_OK, or TP_ERR_INVALID_ARGUMENT for NULL pointers or edge < 3. */
TP_API tp_result tp_mesh_apron_from_neighbours(const uint16_t *x_minus, const uint16_t *x_plus,
                                               const uint16_t *z_minus, const uint16_t *z_plus,
                                               uint32_t edge, uint16_t *out_apron);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_MESH_H */
