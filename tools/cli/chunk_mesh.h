/* chunk_mesh.h — one chunk's mesh for the tools: from a page file's mesh layer, or built
 * by the generator exactly as the runtime's fallback would (the page functions of
 * terrapage/page.h).
 *
 *   tpt_chunk_mesh m;
 *   if (tpt_chunk_mesh_load(reader, &layout, cx, cz, lod, true, &m) == TP_OK) {
 *       ... m.mesh.vertices, m.mesh.indices ...
 *       tpt_chunk_mesh_free(&m);
 *   }
 */
#ifndef TPT_CHUNK_MESH_H
#define TPT_CHUNK_MESH_H

#include <stdbool.h>
#include <stdint.h>

#include "terrapage/mesh.h"
#include "terrapage/page.h"
#include "terrapage/pagefile.h"

typedef struct tpt_chunk_mesh {
    tp_mesh mesh;          /* points into the two arrays below */
    tp_mesh_vertex *vertices;
    uint16_t *indices;
    float max_error_m;     /* the directory's aux, or −1 when generated (not measured) */
    uint32_t stored_bytes; /* bytes in the file (0 when generated) */
    uint32_t raw_bytes;    /* bytes of the mesh encoding */
    bool generated;        /* built by the generator, not read from the file */
} tpt_chunk_mesh;

/*! tpt_chunk_mesh_has_layer() : @return whether the file stores meshes at `lod`. */
bool tpt_chunk_mesh_has_layer(const tp_file_desc *desc, uint32_t lod);

/*! tpt_chunk_mesh_load() :
 *  The mesh of chunk (cx, cz) at `lod`: read from `reader` (which may be NULL) when the
 *  file holds it; otherwise, with `generate`, built from the layout's world (the file's
 *  own, tpt_pagefile_layout). Thread-safe (the reader allows concurrent finds and loads).
 *  @return TP_OK; TP_ERR_NOT_FOUND when the file lacks it and `generate` is false; the
 *  reader's or decoder's error for a damaged blob (never replaced by a generated one);
 *  TP_ERR_OUT_OF_MEMORY. On failure *out holds nothing to free. */
tp_result tpt_chunk_mesh_load(const tp_reader *reader, const tp_page_layout *layout,
                              int32_t cx, int32_t cz, uint32_t lod, bool generate,
                              tpt_chunk_mesh *out);

/*! tpt_chunk_mesh_decode() :
 *  Decodes the mesh encoding `raw` (`size` bytes; a page file's TP_LAYER_MESH blob of LOD
 *  `lod`, decoded) of a world whose pages `layout` describes into arrays allocated to its
 *  header's counts, after checking those counts against what that world's builder makes
 *  at that LOD (tp_mesh_build_bound of the LOD's edge), so a damaged header never sizes
 *  an allocation. Sets mesh, vertices, indices and raw_bytes of *out (the rest 0).
 *  Thread-safe; tp_error_detail() names what is wrong.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for lod out of the layout's range;
 *  TP_ERR_CORRUPT for counts beyond the builder's; the errors of tp_mesh_decode();
 *  TP_ERR_OUT_OF_MEMORY. On failure *out holds nothing to free. */
tp_result tpt_chunk_mesh_decode(const tp_page_layout *layout, uint32_t lod, const void *raw,
                                size_t size, tpt_chunk_mesh *out);

/*! tpt_chunk_mesh_free() : frees the arrays; accepts a zeroed mesh. */
void tpt_chunk_mesh_free(tpt_chunk_mesh *m);

/*! tpt_chunk_mesh_normal() : the unit normal of a vertex (x east, y up, z along +z). */
void tpt_chunk_mesh_normal(const tp_mesh_vertex *v, double out_xyz[3]);

#endif /* TPT_CHUNK_MESH_H */
