/* make_tools_seeds.c — writes a small seed corpus for fuzz_tools into the directory
 * given: page files of worlds of this generator (so the world check passes and the
 * tools' paths behind it are reached), a few KiB each:
 *
 *   world-17-2x2.tpk   17 samples per edge (LODs 0 and 1), 2 × 2 chunks, grids
 *                      compressed as the baker does, meshes stored raw, so the fuzzer's
 *                      resealing (reseal.h) keeps mutated meshes' checksums valid
 *   world-9-3x1.tpk    9 samples (one LOD), 3 × 1 chunks with the middle one absent,
 *                      every blob stored raw
 *   baked-17-1x2.tpk   the baker's own file (meshes LZ4-compressed)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terrapage/baker.h"
#include "terrapage/page.h"
#include "terrapage/writer.h"

static void check(tp_result r, const char *what)
{
    if (r != TP_OK) {
        fprintf(stderr, "make_tools_seeds: %s: %s (%s)\n", what, tp_result_string(r),
                tp_error_detail());
        exit(1);
    }
}

/* Every part of page (cx, cz, lod) that is stored at that LOD, encoded (grids by
 * tp_blob_encode unless `all_raw`, meshes raw) and added to the file. */
static void add_page(tp_writer *w, const tp_page_layout *L, int32_t cx, int32_t cz, uint32_t lod,
                     const tp_page *page, int all_raw)
{
    tp_page_part parts[TP_PAGE_MAX_PARTS];
    uint32_t n = tp_page_parts(L, lod, page, parts);
    for (uint32_t i = 0; i < n; i++) {
        const tp_page_part *p = &parts[i];
        if (p->stored_lod != lod)
            continue; /* climate: stored with LOD 0 only */
        int mesh = p->layer_id == TP_LAYER_MESH;
        size_t cap = tp_blob_encode_bound(p->bytes), size;
        void *stored = malloc(cap);
        uint32_t encoding, aux = 0;
        if (!stored)
            check(TP_ERR_OUT_OF_MEMORY, "encode");
        if (all_raw || mesh)
            check(tp_blob_encode_as(TP_ENCODING_RAW, p->elem_type, p->edge, p->data, p->bytes, 0,
                                    stored, cap, &size, &encoding),
                  "encode raw");
        else
            check(tp_blob_encode(p->elem_type, p->edge, p->data, p->bytes, 1, stored, cap, &size,
                                 &encoding),
                  "encode");
        if (mesh)
            memcpy(&aux, &page->mesh_error_m, sizeof aux);
        check(tp_writer_add_blob(w, cx, cz, p->layer_id, lod, encoding, stored, size, p->bytes,
                                 aux),
              "add blob");
        free(stored);
    }
}

static void world(const char *dir, const char *name, uint32_t samples, int32_t x0, int32_t z0,
                  uint32_t width, uint32_t height, int32_t absent_cx, int all_raw)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    tp_world_params params = {0};
    params.seed = 3;
    params.samples_per_edge = samples;
    check(tp_world_params_resolve(&params, &params), "world");
    tp_page_layout L;
    check(tp_page_layout_init(&params, TP_PAGE_MESHES, &L), "layout");
    tp_file_desc desc;
    uint8_t params_blob[TP_WORLD_PARAMS_BLOB_SIZE];
    tp_page_layout_file_desc(&L, x0, z0, width, height, &desc, params_blob);
    tp_writer *w;
    check(tp_writer_create(path, &desc, &w), "create");

    size_t scratch_size = tp_page_scratch_size(&L, 0), mesh_capacity = tp_page_mesh_capacity(&L, 0);
    size_t grid = (size_t)L.edge[0] * L.edge[0], climate = tp_page_climate_samples(&L);
    void *scratch = malloc(scratch_size), *mesh = malloc(mesh_capacity);
    uint16_t *lod0 = malloc(grid * sizeof *lod0), *heights = malloc(grid * sizeof *heights);
    uint8_t *biomes = malloc(grid);
    int16_t *temperature = malloc(climate * sizeof *temperature);
    uint16_t *precipitation = malloc(climate * sizeof *precipitation);
    if (!scratch || !mesh || !lod0 || !heights || !biomes || !temperature || !precipitation)
        check(TP_ERR_OUT_OF_MEMORY, "buffers");
    for (uint32_t z = 0; z < height; z++)
        for (uint32_t x = 0; x < width; x++) {
            int32_t cx = x0 + (int32_t)x, cz = z0 + (int32_t)z;
            if (cx == absent_cx)
                continue;
            for (uint32_t lod = 0; lod < L.lod_count; lod++) {
                tp_page page = {.heights = lod ? heights : lod0, .biomes = biomes,
                                .temperature_cc = temperature, .precipitation_mm = precipitation,
                                .mesh = mesh};
                check(tp_page_generate(&L, cx, cz, lod, lod ? lod0 : NULL, scratch, scratch_size,
                                       &page),
                      "generate");
                add_page(w, &L, cx, cz, lod, &page, all_raw);
            }
            tp_chunk_bounds b = tp_page_bounds(&L, 0, lod0);
            check(tp_writer_set_chunk_bounds(w, cx, cz, &b), "bounds");
        }
    check(tp_writer_finish(w), "finish");
    free(scratch), free(mesh), free(lod0), free(heights), free(biomes);
    free(temperature), free(precipitation);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_tools_seeds OUTPUT_DIR\n");
        return 2;
    }
    world(argv[1], "world-17-2x2.tpk", 17, -1, -1, 2, 2, INT32_MIN, 0);
    world(argv[1], "world-9-3x1.tpk", 9, 0, 0, 3, 1, 1, 1);

    char path[1024];
    snprintf(path, sizeof path, "%s/baked-17-1x2.tpk", argv[1]);
    tp_bake_options o = {0};
    o.world.seed = 3;
    o.world.samples_per_edge = 17;
    o.region_x0 = 4;
    o.region_z0 = -2;
    o.region_width = 1;
    o.region_height = 2;
    o.threads = 1;
    o.compression_level = 1;
    check(tp_bake(path, &o, NULL), "bake");
    return 0;
}
