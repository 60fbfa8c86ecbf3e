/* make_seeds.c — writes a small seed corpus for fuzz_reader into the directory given:
 * page files that between them use every element type, every encoding, absent blobs,
 * absent chunks and absent tiles, and more than one tile. Kept small (tens of KiB) so
 * that mutations stay cheap. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terrapage/pagefile.h"
#include "terrapage/writer.h"

static uint32_t g_state = 12345;
static uint32_t next_random(void)
{
    g_state = g_state * 1664525u + 1013904223u;
    return g_state >> 8;
}

static void check(tp_result r, const char *what)
{
    if (r != TP_OK) {
        fprintf(stderr, "make_seeds: %s: %s (%s)\n", what, tp_result_string(r), tp_error_detail());
        exit(1);
    }
}

/* One blob of a layer: smooth ramps with a little noise, encoded as asked. */
static void add(tp_writer *w, const tp_layer_desc *l, int32_t cx, int32_t cz, uint32_t lod,
                uint32_t encoding)
{
    uint32_t edge = tp_lod_edge(l->edge_lod0, lod);
    size_t raw_size = l->elem_type == TP_ELEM_BYTES ? 40 + next_random() % 200
                                                    : (size_t)edge * edge * tp_elem_size(l->elem_type);
    uint8_t *raw = malloc(raw_size), *stored = malloc(tp_blob_encode_bound(raw_size));
    for (size_t i = 0; i < raw_size / 2; i++) {
        uint16_t v = (uint16_t)(1000 + i * 3 + (uint32_t)cx * 50 + next_random() % 3);
        memcpy(raw + 2 * i, &v, 2);
    }
    if (raw_size % 2)
        raw[raw_size - 1] = 7;
    if (l->elem_type == TP_ELEM_U8 || l->elem_type == TP_ELEM_BYTES)
        for (size_t i = 0; i < raw_size; i++)
            raw[i] = (uint8_t)(i / 7 % 5);
    size_t size;
    uint32_t used;
    check(tp_blob_encode_as(encoding, l->elem_type, edge, raw, raw_size, 9, stored,
                            tp_blob_encode_bound(raw_size), &size, &used), "encode");
    check(tp_writer_add_blob(w, cx, cz, l->layer_id, lod, used, stored, size, raw_size,
                             (uint32_t)lod), "add blob");
    free(raw);
    free(stored);
}

static void world(const char *dir, const char *name, uint32_t width, uint32_t height,
                  int sparse)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    static const uint8_t params[8] = {'s', 'e', 'e', 'd', 1, 2, 3, 4};
    tp_file_desc d;
    memset(&d, 0, sizeof d);
    d.seed = 7;
    d.params_blob = params;
    d.params_blob_size = sizeof params;
    d.region_x0 = -3;
    d.region_z0 = 5;
    d.region_width = width;
    d.region_height = height;
    d.chunk_size_m = 64.0;
    d.samples_per_edge = 9;
    d.lod_count = 3;
    d.height_min_m = -100.0;
    d.height_step_m = 0.25;
    d.layer_count = 5;
    d.layers[0] = (tp_layer_desc){TP_LAYER_HEIGHT, TP_ELEM_U16, 3, 9, TP_ENCODING_SLOPE_BITPLANE_LZ4, {0}};
    d.layers[1] = (tp_layer_desc){TP_LAYER_TEMPERATURE, TP_ELEM_I16, 1, 3, TP_ENCODING_PRED2D_LZ4, {0}};
    d.layers[2] = (tp_layer_desc){TP_LAYER_PRECIPITATION, TP_ELEM_U16, 1, 3, TP_ENCODING_LZ4, {0}};
    d.layers[3] = (tp_layer_desc){TP_LAYER_BIOME, TP_ELEM_U8, 2, 9, TP_ENCODING_LZ4, {0}};
    d.layers[4] = (tp_layer_desc){100, TP_ELEM_BYTES, 1, 0, TP_ENCODING_LZ4, {0}};
    tp_writer *w;
    check(tp_writer_create(path, &d, &w), "create");
    for (uint32_t z = 0; z < height; z++)
        for (uint32_t x = 0; x < width; x++) {
            if (sparse && x >= 2 && x + 2 < width)
                continue; /* whole tiles stay empty */
            if ((x + z) % 5 == 4)
                continue; /* an absent chunk */
            int32_t cx = d.region_x0 + (int32_t)x, cz = d.region_z0 + (int32_t)z;
            for (uint32_t lod = 0; lod < 3; lod++)
                add(w, &d.layers[0], cx, cz, lod,
                    lod == 2 ? TP_ENCODING_PRED2D_LZ4 : TP_ENCODING_SLOPE_BITPLANE_LZ4);
            add(w, &d.layers[1], cx, cz, 0, TP_ENCODING_PRED2D_LZ4);
            add(w, &d.layers[2], cx, cz, 0, (x & 1) ? TP_ENCODING_RAW : TP_ENCODING_LZ4);
            add(w, &d.layers[3], cx, cz, 0, TP_ENCODING_LZ4);
            if (x != 1)
                add(w, &d.layers[3], cx, cz, 1, TP_ENCODING_RAW);
            add(w, &d.layers[4], cx, cz, 0, TP_ENCODING_LZ4);
            tp_chunk_bounds b = {1000, (uint16_t)(1200 + x), (x + z) % 3 ? 0 : TP_CHUNK_ALL_OCEAN};
            check(tp_writer_set_chunk_bounds(w, cx, cz, &b), "bounds");
        }
    check(tp_writer_finish(w), "finish");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_seeds OUTPUT_DIR\n");
        return 2;
    }
    world(argv[1], "dense-2x2.tpk", 2, 2, 0);
    world(argv[1], "sparse-36x2.tpk", 36, 2, 1);
    world(argv[1], "single-1x1.tpk", 1, 1, 0);
    return 0;
}
