/* fuzz_mesh.c — libFuzzer target for the mesh decoder: any bytes, as the decoded raw
 * bytes of a page file's mesh blob.
 *
 * Each input is decoded as it is, and as a copy whose mesh checksum has been recomputed
 * (reseal.h): nearly every mutation breaks the checksum, which the decoder checks before
 * anything else, so only the resealed copy takes mutations on to the vertex and index
 * filters and the skirt rebuild. Decoding must fail cleanly or give a mesh that passes
 * tp_mesh_validate; the sanitizers catch any out-of-bounds access. A mesh that decodes
 * must encode again, and that encoding must decode to the same mesh. The seed corpus
 * comes from make_mesh_seeds (real chunk meshes) and tests/fuzz/corpus/mesh. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reseal.h"
#include "terrapage/mesh_codec.h"

static int same_mesh(const tp_mesh *a, const tp_mesh *b)
{
    return a->vertex_count == b->vertex_count && a->index_count == b->index_count &&
           a->skirt_vertex_start == b->skirt_vertex_start &&
           a->skirt_index_start == b->skirt_index_start && a->skirt_depth == b->skirt_depth &&
           memcmp(a->vertices, b->vertices, sizeof *a->vertices * a->vertex_count) == 0 &&
           memcmp(a->indices, b->indices, sizeof *a->indices * a->index_count) == 0;
}

/* Decodes `data` into arrays sized from its header. @return 1 with *out filled (free its
 * arrays), 0 when it does not decode. */
static int decode(const uint8_t *data, size_t size, tp_mesh *out)
{
    tp_mesh info;
    if (tp_mesh_decode_header(data, size, &info) != TP_OK)
        return 0;
    tp_mesh_vertex *v = malloc(sizeof *v * (info.vertex_count + 1u));
    uint16_t *ix = malloc(sizeof *ix * (info.index_count + 1u));
    if (v && ix &&
        tp_mesh_decode(data, size, v, info.vertex_count, ix, info.index_count, out) == TP_OK)
        return 1;
    free(v);
    free(ix);
    return 0;
}

static void exercise(const uint8_t *data, size_t size)
{
    tp_mesh m;
    if (!decode(data, size, &m))
        return;
    if (tp_mesh_validate(&m) != TP_OK)
        abort();
    size_t cap = tp_mesh_encode_bound(m.vertex_count, m.index_count), out_size;
    uint8_t *out = malloc(cap ? cap : 1);
    if (!out || tp_mesh_encode(&m, out, cap, &out_size) != TP_OK)
        abort();
    tp_mesh again;
    if (!decode(out, out_size, &again) || !same_mesh(&m, &again))
        abort();
    free(again.vertices);
    free(again.indices);
    free(out);
    free(m.vertices);
    free(m.indices);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_fuzz_as_is_and_resealed(data, size, exercise, tp_fuzz_reseal_mesh);
    return 0;
}
