/* chunk_mesh.c — chunk meshes for the tools, from a page file or the generator. */
#include "chunk_mesh.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool tpt_chunk_mesh_has_layer(const tp_file_desc *desc, uint32_t lod)
{
    const tp_layer_desc *mesh = tp_file_desc_layer(desc, TP_LAYER_MESH);
    return mesh && lod < mesh->lod_count;
}

void tpt_chunk_mesh_free(tpt_chunk_mesh *m)
{
    if (!m)
        return;
    free(m->vertices);
    free(m->indices);
    memset(m, 0, sizeof *m);
}

tp_result tpt_chunk_mesh_decode(const tp_page_layout *layout, uint32_t lod, const void *raw,
                                size_t size, tpt_chunk_mesh *out)
{
    memset(out, 0, sizeof *out);
    if (lod >= layout->lod_count)
        return TP_ERR_INVALID_ARGUMENT;
    tp_mesh info;
    tp_result r = tp_mesh_decode_header(raw, size, &info);
    if (r != TP_OK)
        return r;
    /* The header's counts size the arrays, so they must be ones this world's builder can
     * make at this LOD: a damaged header must not have us allocate what it says. */
    uint32_t max_vertices, max_indices;
    tp_mesh_build_bound(layout->edge[lod], &max_vertices, &max_indices);
    if (info.vertex_count > max_vertices || info.index_count > max_indices)
        return tp__error_set(TP_ERR_CORRUPT,
                             "mesh of %u vertices and %u indices, where this world's LOD %u "
                             "meshes have at most %u and %u",
                             info.vertex_count, info.index_count, lod, max_vertices,
                             max_indices);
    out->vertices = malloc(sizeof *out->vertices * (info.vertex_count ? info.vertex_count : 1));
    out->indices = malloc(sizeof *out->indices * (info.index_count ? info.index_count : 1));
    if (!out->vertices || !out->indices)
        r = TP_ERR_OUT_OF_MEMORY;
    else
        r = tp_mesh_decode(raw, size, out->vertices, info.vertex_count, out->indices,
                           info.index_count, &out->mesh);
    out->raw_bytes = (uint32_t)size;
    if (r != TP_OK)
        tpt_chunk_mesh_free(out);
    return r;
}

tp_result tpt_chunk_mesh_load(const tp_reader *reader, const tp_page_layout *layout,
                              int32_t cx, int32_t cz, uint32_t lod, bool generate,
                              tpt_chunk_mesh *out)
{
    memset(out, 0, sizeof *out);
    /* Generation builds meshes even for a file that stores none (mesh --fallback). */
    tp_page_layout with_meshes = *layout;
    with_meshes.flags |= TP_PAGE_MESHES;
    size_t cap = tp_page_mesh_capacity(&with_meshes, lod);
    size_t scratch_size = tp_page_scratch_size(&with_meshes, lod);
    if (!cap)
        return TP_ERR_INVALID_ARGUMENT;
    void *raw = malloc(cap), *scratch = malloc(scratch_size);
    tp_page page = {.mesh = raw};
    tp_result r = TP_ERR_NOT_FOUND;
    if (!raw || !scratch)
        r = TP_ERR_OUT_OF_MEMORY;
    else if (reader && (layout->flags & TP_PAGE_MESHES))
        r = tp_page_read(layout, reader, cx, cz, lod, scratch, scratch_size, &page);
    if (r == TP_OK) {
        out->max_error_m = page.mesh_error_m;
        out->stored_bytes = (uint32_t)page.bytes_read;
    } else if (r == TP_ERR_NOT_FOUND && generate) {
        r = tp_page_generate_mesh(&with_meshes, cx, cz, lod, NULL, scratch, scratch_size, &page);
        out->max_error_m = -1.0f; /* the tools report it as not measured */
        out->generated = true;
    }
    if (r == TP_OK) {
        tpt_chunk_mesh decoded;
        r = tpt_chunk_mesh_decode(&with_meshes, lod, raw, page.mesh_size, &decoded);
        if (r == TP_OK) {
            out->mesh = decoded.mesh;
            out->vertices = decoded.vertices;
            out->indices = decoded.indices;
            out->raw_bytes = decoded.raw_bytes;
        }
    }
    free(raw);
    free(scratch);
    if (r != TP_OK)
        tpt_chunk_mesh_free(out);
    return r;
}

void tpt_chunk_mesh_normal(const tp_mesh_vertex *v, double out_xyz[3])
{
    double u = v->n_u / 127.0, w = v->n_v / 127.0;
    u = u < -1.0 ? -1.0 : u;
    w = w < -1.0 ? -1.0 : w;
    double px = (u + w) / 2, pz = (u - w) / 2, py = 1.0 - fabs(px) - fabs(pz);
    double len = sqrt(px * px + py * py + pz * pz);
    out_xyz[0] = px / len;
    out_xyz[1] = py / len;
    out_xyz[2] = pz / len;
}
