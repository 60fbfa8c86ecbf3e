/* make_mesh_seeds.c — writes a small seed corpus for fuzz_mesh into the directory given:
 * mesh encodings of real chunks of the default world at the coarse LODs (small), one
 * with its skirts stored rather than rebuilt, and an empty mesh. */
#include <stdio.h>
#include <stdlib.h>

#include "terrapage/mesh.h"

static void save(const char *dir, const char *name, const void *bytes, size_t size)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(bytes, 1, size, f) != size || fclose(f) != 0) {
        fprintf(stderr, "make_mesh_seeds: cannot write %s\n", path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_mesh_seeds DIR\n");
        return 2;
    }
    tp_world_params w = {0};
    tp_world_params_resolve(&w, &w);
    const uint32_t lods = tp_world_lod_count(&w);
    const int32_t chunks[][2] = {{0, 0}, {-11, 5}, {20, -3}};
    for (uint32_t lod = lods >= 3 ? lods - 3 : 0; lod < lods; lod++)
        for (int c = 0; c < 3; c++) {
            size_t cap = tp_mesh_chunk_blob_bound(&w, lod), size;
            void *raw = malloc(cap);
            if (!raw || tp_mesh_generate_chunk_blob(&w, chunks[c][0], chunks[c][1], lod, NULL, NULL,
                                                    NULL, 0, raw, cap, &size, NULL) != TP_OK) {
                fprintf(stderr, "make_mesh_seeds: cannot build a mesh\n");
                return 1;
            }
            char name[64];
            snprintf(name, sizeof name, "chunk_%d_lod%u.mesh", c, lod);
            save(argv[1], name, raw, size);
            free(raw);
        }
    /* Stored skirts: a square whose skirt bottoms differ from the rule's. */
    tp_mesh_vertex v[8] = {{0, 0, 100, 0, 0}, {32768, 0, 5, 3, -2}, {32768, 32768, 300, 0, 0},
                           {0, 32768, 400, -1, 1}};
    uint16_t ix[30] = {0, 2, 1, 0, 3, 2};
    tp_mesh m = {v, ix, 4, 6, 4, 6, 0};
    tp_mesh_add_skirts(&m, 8, 30, 10);
    v[5].h = 1;
    uint8_t out[256];
    size_t size;
    if (tp_mesh_encode(&m, out, sizeof out, &size) != TP_OK)
        return 1;
    save(argv[1], "stored_skirts.mesh", out, size);
    tp_mesh empty = {0};
    if (tp_mesh_encode(&empty, out, sizeof out, &size) != TP_OK)
        return 1;
    save(argv[1], "empty.mesh", out, size);
    return 0;
}
