/* fuzz_mesh.c — libFuzzer target for the mesh decoder: any bytes, as the decoded raw
 * bytes of a page file's mesh blob. Decoding must fail cleanly or give a mesh whose every
 * index is below its vertex count; the sanitizers catch any out-of-bounds access. When
 * the input decodes, re-encoding it must round-trip. The seed corpus comes from
 * make_seeds (real chunk meshes). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "terrapage/mesh_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_mesh info;
    if (tp_mesh_decode_header(data, size, &info) != TP_OK)
        return 0;
    tp_mesh_vertex *v = malloc(sizeof *v * (info.vertex_count + 1u));
    uint16_t *ix = malloc(sizeof *ix * (info.index_count + 1u));
    tp_mesh m;
    if (v && ix && tp_mesh_decode(data, size, v, info.vertex_count, ix, info.index_count, &m) == TP_OK) {
        if (tp_mesh_validate(&m) != TP_OK)
            abort();
        size_t cap = tp_mesh_encode_bound(m.vertex_count, m.index_count), out_size;
        uint8_t *out = malloc(cap ? cap : 1);
        if (out && tp_mesh_encode(&m, out, cap, &out_size) != TP_OK)
            abort();
        free(out);
    }
    free(v);
    free(ix);
    return 0;
}
