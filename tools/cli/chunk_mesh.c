/* chunk_mesh.c — chunk meshes for the tools, from a page file or the generator. */
#include "chunk_mesh.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bool tpt_chunk_mesh_has_layer(const tp_file_desc *desc, uint32_t lod)
{
    for (uint32_t l = 0; l < desc->layer_count && l < TP_MAX_LAYERS; l++)
        if (desc->layers[l].layer_id == TP_LAYER_MESH)
            return lod < desc->layers[l].lod_count;
    return false;
}

void tpt_chunk_mesh_free(tpt_chunk_mesh *m)
{
    if (!m)
        return;
    free(m->vertices);
    free(m->indices);
    memset(m, 0, sizeof *m);
}

/* Decodes a mesh encoding into freshly allocated arrays. */
static tp_result decode_into(const void *raw, size_t size, tpt_chunk_mesh *out)
{
    tp_mesh info;
    tp_result r = tp_mesh_decode_header(raw, size, &info);
    if (r != TP_OK)
        return r;
    out->vertices = malloc(sizeof *out->vertices * (info.vertex_count ? info.vertex_count : 1));
    out->indices = malloc(sizeof *out->indices * (info.index_count ? info.index_count : 1));
    if (!out->vertices || !out->indices)
        return TP_ERR_OUT_OF_MEMORY;
    return tp_mesh_decode(raw, size, out->vertices, info.vertex_count, out->indices,
                          info.index_count, &out->mesh);
}

tp_result tpt_chunk_mesh_load(const tp_reader *reader, const tp_world_params *world, int32_t cx,
                            int32_t cz, uint32_t lod, bool generate, tpt_chunk_mesh *out)
{
    memset(out, 0, sizeof *out);
    tp_blob_ref ref;
    tp_result r = reader ? tp_reader_find(reader, cx, cz, TP_LAYER_MESH, lod, &ref)
                         : TP_ERR_NOT_FOUND;
    void *raw = NULL;
    if (r == TP_OK) {
        raw = malloc(ref.raw_size ? ref.raw_size : 1);
        if (!raw)
            return TP_ERR_OUT_OF_MEMORY;
        r = tp_reader_decode(reader, &ref, raw, ref.raw_size);
        if (r == TP_OK)
            r = decode_into(raw, ref.raw_size, out);
        if (r == TP_OK) {
            memcpy(&out->max_error_m, &ref.aux, sizeof out->max_error_m);
            out->stored_bytes = ref.stored_size;
            out->raw_bytes = ref.raw_size;
        }
    } else if (r == TP_ERR_NOT_FOUND && generate) {
        size_t cap = tp_mesh_chunk_blob_bound(world, lod), size = 0;
        raw = cap ? malloc(cap) : NULL;
        if (!raw)
            return cap ? TP_ERR_OUT_OF_MEMORY : TP_ERR_INVALID_ARGUMENT;
        r = tp_mesh_generate_chunk_blob(world, cx, cz, lod, NULL, NULL, NULL, 0, raw, cap, &size,
                                        NULL);
        if (r == TP_OK)
            r = decode_into(raw, size, out);
        out->max_error_m = -1.0f;
        out->raw_bytes = (uint32_t)size;
        out->generated = true;
    }
    free(raw);
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
