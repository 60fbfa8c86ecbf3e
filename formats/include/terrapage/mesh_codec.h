/* terrapage/mesh_codec.h — the chunk mesh as stored in the page file, and its codec.
 *
 * Encoding (the baker, or the runtime's fallback; any thread, allocates nothing):
 *
 *   size_t cap = tp_mesh_encode_bound(mesh.vertex_count, mesh.index_count), size;
 *   if (tp_mesh_encode(&mesh, buf, cap, &size) != TP_OK) ...;
 *   // the baker then compresses buf with tp_blob_encode(TP_ELEM_BYTES, …) (LZ4)
 *
 * Decoding (the runtime's workers; any thread, allocates nothing):
 *
 *   // raw = the decoded page blob (tp_reader_decode of layer TP_LAYER_MESH)
 *   tp_mesh info;
 *   if (tp_mesh_decode_header(raw, raw_size, &info) != TP_OK) ...;   // counts only
 *   tp_mesh_vertex *v = pool_get(info.vertex_count * sizeof *v);
 *   uint16_t *i = pool_get(info.index_count * sizeof *i);
 *   tp_mesh mesh;
 *   if (tp_mesh_decode(raw, raw_size, v, info.vertex_count, i, info.index_count, &mesh)
 *       != TP_OK) ...;   // corrupt: nothing usable was produced
 *
 * A mesh is an indexed triangle list ready for a GPU: 8-byte vertices and 16-bit indices.
 * It covers one chunk. The surface triangles come first, then the skirt triangles; the
 * skirt vertices come last. The builder lives in bake/ (terrapage/mesh.h); this layer
 * only stores and restores meshes and knows nothing of terrain.
 *
 * The encoding is a filter, not a compressor: it rewrites the mesh as small, repetitive
 * bytes (deltas, zig-zag, byte planes) that LZ4 then compresses well, and the page file
 * applies that LZ4 (as it does for every blob). So the encoded bytes do not depend on an
 * LZ4 version, and a runtime that builds a missing mesh itself gets the very bytes the
 * baker stored without compressing anything. The byte layout (encoding version 2) is
 * specified in formats/FORMAT.md, section "Mesh blobs".
 */
#ifndef TERRAPAGE_MESH_CODEC_H
#define TERRAPAGE_MESH_CODEC_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Chunk-local x and z run from 0 to TP_MESH_XZ_EXTENT (inclusive) across the chunk, so a
 * vertex at LOD-0 sample i of an E-sample edge sits at i · 32768 / (E − 1), exactly, for
 * every power-of-two E − 1 up to 32768. Metres: x · chunk_size_m / TP_MESH_XZ_EXTENT. */
#define TP_MESH_XZ_EXTENT 32768u

/* 16-bit indices, and 0xFFFF is kept free because GPUs treat it as the strip-restart
 * index: a mesh has at most this many vertices. */
#define TP_MESH_MAX_VERTICES 65535u

/* Version of the mesh encoding, stored in its header (1 was an earlier, self-compressed
 * form that no page file holds). */
#define TP_MESH_BLOB_VERSION 2u

/* Size of the fixed header of an encoded mesh, in bytes. */
#define TP_MESH_BLOB_HEADER_SIZE 32u

/* One vertex, 8 bytes, no padding (a GPU vertex layout: 3 × u16 + 2 × s8):
 *
 *   x, z  chunk-local position, 0 … TP_MESH_XZ_EXTENT; metres from the chunk's corner =
 *         x · chunk_size_m / TP_MESH_XZ_EXTENT. Rows of the height grid run along +z,
 *         columns along +x.
 *   h     height code of the page file: metres = height_min_m + h · height_step_m
 *         (−1024 m + h / 16 for the default world; see FORMAT.md).
 *   n_u, n_v  the unit normal in hemi-octahedral form, snorm8 (value / 127, clamped to
 *         −1). Terrain normals always point up (y > 0), so the upper hemisphere suffices:
 *             px = (u + v) / 2;  pz = (u − v) / 2;  py = 1 − |px| − |pz|;
 *             normal = normalize(px, py, pz)
 *         with u = max(n_u / 127, −1), v = max(n_v / 127, −1), in a frame with x east,
 *         y up and z north (the grid's rows count along +z).
 *
 * That frame is left-handed. Surface triangles (a, b, c) face up: (b − a) × (c − a),
 * computed component by component, has a positive y, and seen from above with north up
 * they run clockwise. terrapage/runtime.h says how to use them in an engine. */
typedef struct tp_mesh_vertex {
    uint16_t x;
    uint16_t z;
    uint16_t h;
    int8_t n_u;
    int8_t n_v;
} tp_mesh_vertex;

/* An indexed triangle list over caller-owned arrays.
 *
 *   indices [0, skirt_index_start)             surface triangles
 *   indices [skirt_index_start, index_count)   skirts: vertical strips hanging from the
 *                                               border, to hide gaps to coarser or finer
 *                                               neighbours (skip them when neighbours match)
 *   vertices [skirt_vertex_start, vertex_count) the lower ends of the skirts
 *
 * Invariants (the codec checks them and the builder guarantees them): index_count and
 * skirt_index_start are multiples of 3, skirt_index_start ≤ index_count,
 * skirt_vertex_start ≤ vertex_count ≤ TP_MESH_MAX_VERTICES, every index < vertex_count,
 * skirt_depth ≤ 65535. The struct does not own the arrays; whoever allocated them frees
 * them. */
typedef struct tp_mesh {
    tp_mesh_vertex *vertices;
    uint16_t *indices;
    uint32_t vertex_count;
    uint32_t index_count;
    uint32_t skirt_vertex_start;
    uint32_t skirt_index_start;
    uint32_t skirt_depth;   /* height codes the skirts hang below the border (0: no skirts,
                               or not made by tp_mesh_add_skirts) */
} tp_mesh;

/*! tp_mesh_validate() :
 *  Checks the invariants listed at tp_mesh (counts, multiples of 3, every index below
 *  vertex_count). Reads every index once. Any thread.
 *  @return TP_OK, TP_ERR_INVALID_ARGUMENT for a NULL mesh or NULL arrays with non-zero
 *  counts, TP_ERR_CORRUPT if an invariant does not hold. */
TP_API tp_result tp_mesh_validate(const tp_mesh *mesh);

/*! tp_mesh_add_skirts() :
 *  Appends skirts to a mesh that has none yet (skirt_vertex_start == vertex_count and
 *  skirt_index_start == index_count): for every vertex on the chunk border (x or z is 0
 *  or TP_MESH_XZ_EXTENT), in order around the border — the z = 0 side along +x from the
 *  corner (0, 0), then x = extent along +z, z = extent along −x, x = 0 along −z (ties by
 *  vertex index) — a copy `depth` height codes lower (at least 0), and for each pair of
 *  consecutive border vertices (closing the loop) the quad between them and their
 *  copies as two triangles (top P, top Q, bottom Q) and (top P, bottom Q, bottom P),
 *  which face out of the chunk. Needs no memory beyond the arrays, whose capacities are
 *  given: vertex_capacity ≥ vertex_count + border vertices, index_capacity ≥
 *  index_count + 6 · border vertices. The builder and the decoder both use it, so stored
 *  and rebuilt skirts are the same bytes. Any thread.
 *  @return TP_OK (sets skirt_depth = depth, even with fewer than 2 border vertices, when
 *  no skirt is added); TP_ERR_INVALID_ARGUMENT if the mesh already has skirts, is NULL, or
 *  depth > 65535; TP_ERR_BUFFER_TOO_SMALL; TP_ERR_OUT_OF_RANGE beyond
 *  TP_MESH_MAX_VERTICES. On failure the mesh is unchanged. */
TP_API tp_result tp_mesh_add_skirts(tp_mesh *mesh, uint32_t vertex_capacity,
                                    uint32_t index_capacity, uint32_t depth);

/*! tp_mesh_encode_bound() :
 *  @return the exact size of the encoding of a mesh with these counts when its skirts
 *  are stored (an upper bound otherwise): 32 + 8 · vertex_count + 2 · index_count; or 0
 *  if the counts are beyond what an encoding can hold. */
TP_API size_t tp_mesh_encode_bound(uint32_t vertex_count, uint32_t index_count);

/*! tp_mesh_encode() :
 *  Filters one mesh into a self-contained, checksummed encoding: positions, heights and
 *  normals delta-coded in vertex order, zig-zagged and byte-shuffled; each index coded
 *  against the running "next new vertex", so a mesh whose vertices appear in first-use
 *  order (as the builder emits them) codes mostly tiny values. Skirts that
 *  tp_mesh_add_skirts(skirt_depth) would rebuild identically (checked) are not stored,
 *  which saves about a quarter of the bytes; any other mesh is stored whole. Allocates
 *  nothing; any thread. Deterministic: the same mesh gives the same bytes everywhere.
 *  @return TP_OK with *out_size set; TP_ERR_INVALID_ARGUMENT for a NULL argument;
 *  TP_ERR_CORRUPT if the mesh breaks an invariant (see tp_mesh_validate);
 *  TP_ERR_BUFFER_TOO_SMALL if out_capacity < tp_mesh_encode_bound(). */
TP_API tp_result tp_mesh_encode(const tp_mesh *mesh, void *out, size_t out_capacity,
                                size_t *out_size);

/*! tp_mesh_decode_header() :
 *  Reads the counts of an encoding without decoding it: sets the counts and skirt_depth
 *  of *out_info (its array pointers are set to NULL). Checks the magic, version, that the
 *  counts are consistent and that the size is exactly what they imply (the checksum is
 *  left to tp_mesh_decode). Reads only the first TP_MESH_BLOB_HEADER_SIZE bytes, so a
 *  caller that has just the header may pass it with the encoding's full size. Any
 *  thread; allocates nothing.
 *  @return TP_OK; TP_ERR_TRUNCATED if size < TP_MESH_BLOB_HEADER_SIZE; TP_ERR_BAD_MAGIC;
 *  TP_ERR_UNSUPPORTED_VERSION; TP_ERR_CORRUPT; TP_ERR_INVALID_ARGUMENT. For the data's
 *  faults tp_error_detail() names the field, e.g. "mesh header flags 0x02, …". */
TP_API tp_result tp_mesh_decode_header(const void *encoded, size_t size, tp_mesh *out_info);

/*! tp_mesh_decode() :
 *  Decodes an encoding into the caller's arrays, which hold vertex_capacity vertices
 *  and index_capacity indices, and fills *out_mesh (pointing at those arrays). Safe on
 *  hostile input: never reads outside encoded[0, size) nor writes outside the two arrays,
 *  checks the checksum of the header and body before anything else, and verifies every
 *  index is below the vertex count, so a corrupted encoding fails instead of producing
 *  garbage. Skirts that were not stored are rebuilt with tp_mesh_add_skirts(). On failure
 *  *out_mesh has zero counts and the arrays' contents are unspecified. Allocates nothing;
 *  any thread.
 *  @return TP_OK; TP_ERR_BUFFER_TOO_SMALL if a capacity is below the encoding's count;
 *  the errors of tp_mesh_decode_header(); TP_ERR_CORRUPT for anything else that is wrong,
 *  with tp_error_detail() saying what (e.g. "mesh checksum mismatch (…)"). */
TP_API tp_result tp_mesh_decode(const void *encoded, size_t size, tp_mesh_vertex *out_vertices,
                                uint32_t vertex_capacity, uint16_t *out_indices,
                                uint32_t index_capacity, tp_mesh *out_mesh);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_MESH_CODEC_H */
