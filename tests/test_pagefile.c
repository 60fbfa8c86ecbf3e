/* test_pagefile.c — the page file: writer → reader round trips on synthetic worlds,
 * golden bytes, layout rules, the reader's I/O modes (mmap, pread, read callback) and
 * files that change under them, hostile files (truncation at every length, bit flips,
 * crafted headers), and the writer's never-leave-a-mess guarantees.
 *
 * The data is synthetic on purpose: the format must not depend on the generator.
 * To regenerate the golden file tiny-v1.0.tpk after an intended format change, run this
 * suite with TP_UPDATE_GOLDEN=1 and review the diff of tests/data/pagefile/. FORMAT.md's
 * reference file, reference.tpk, is a bake: the bake suite writes it (the same way) and
 * this suite only reads it, as data. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp, pread and friends under -std=c11 */
#define _XOPEN_SOURCE 700       /* mknod */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h> /* makedev */
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include "test_guard.h"
#include "test_main.h"

#include "terrapage/pagefile.h"
#include "terrapage/writer.h"

/* ---- synthetic worlds ------------------------------------------------------------- */

#define REGION_X0 (-1)
#define REGION_Z0 2
#define REGION_W 3u
#define REGION_H 2u
#define UNKNOWN_LAYER 9u

static const uint8_t k_params[] = "synthetic world parameters";

static uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

static tp_file_desc make_desc(uint32_t samples, uint32_t lods)
{
    tp_file_desc d;
    memset(&d, 0, sizeof d);
    d.seed = 1234;
    d.params_hash = 0x0123456789ABCDEFull;
    d.generator_version = 7;
    d.params_blob = k_params;
    d.params_blob_size = sizeof k_params;
    d.region_x0 = REGION_X0;
    d.region_z0 = REGION_Z0;
    d.region_width = REGION_W;
    d.region_height = REGION_H;
    d.chunk_size_m = 256.0;
    d.samples_per_edge = samples;
    d.lod_count = lods;
    d.height_min_m = -1024.0;
    d.height_step_m = 0.0625;
    d.layer_count = 4;
    uint32_t climate = (samples - 1) / 8 + 1;
    d.layers[0] = (tp_layer_desc){TP_LAYER_HEIGHT, TP_ELEM_U16, lods, samples, TP_ENCODING_PRED2D_LZ4, {0}};
    d.layers[1] = (tp_layer_desc){TP_LAYER_TEMPERATURE, TP_ELEM_I16, 1, climate, TP_ENCODING_PRED2D_LZ4, {0}};
    d.layers[2] = (tp_layer_desc){TP_LAYER_PRECIPITATION, TP_ELEM_U16, 1, climate, TP_ENCODING_PRED2D_LZ4, {0}};
    d.layers[3] = (tp_layer_desc){TP_LAYER_BIOME, TP_ELEM_U8, lods, samples, TP_ENCODING_LZ4, {0}};
    return d;
}

static const tp_layer_desc *find_layer(const tp_file_desc *d, uint32_t id)
{
    for (uint32_t i = 0; i < d->layer_count; i++)
        if (d->layers[i].layer_id == id)
            return &d->layers[i];
    return NULL;
}

/* Which blobs the synthetic world leaves out: one whole chunk, and single slots. */
static int chunk_absent(int32_t cx, int32_t cz) { return cx == 1 && cz == 3; }
static int blob_absent(int32_t cx, int32_t cz, uint32_t layer, uint32_t lod)
{
    return chunk_absent(cx, cz) || (cx == 0 && cz == 2 && layer == TP_LAYER_BIOME && lod == 2) ||
           (cx == -1 && cz == 3 && layer == TP_LAYER_TEMPERATURE);
}

/* The content of a blob: smooth on some chunks (it compresses), noise on others (it
 * is stored raw), so both paths are in every file. Returns the byte count. */
static size_t synth(const tp_layer_desc *l, int32_t cx, int32_t cz, uint32_t lod, void *out)
{
    uint32_t edge = tp_lod_edge(l->edge_lod0, lod);
    size_t n = (size_t)edge * edge;
    uint64_t rng = ((uint64_t)(uint32_t)cx * 73856093u) ^ ((uint64_t)(uint32_t)cz * 19349663u) ^
                   ((uint64_t)l->layer_id << 40) ^ ((uint64_t)lod << 50) ^ 0x5DEECE66Dull;
    int rough = ((cx + cz) & 1) != 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)(i % edge), z = (uint32_t)(i / edge);
        uint32_t noise = (uint32_t)rng_next(&rng);
        uint32_t smooth = 30000u + x * 5u + z * 3u + (uint32_t)(cx * 40 + cz * 7) + noise % 3u;
        uint32_t v = rough ? noise : smooth;
        switch (l->elem_type) {
        case TP_ELEM_U8: ((uint8_t *)out)[i] = (uint8_t)(rough ? v : (x / 4 + z / 4) % 11); break;
        case TP_ELEM_U16: ((uint16_t *)out)[i] = (uint16_t)v; break;
        case TP_ELEM_I16: ((int16_t *)out)[i] = (int16_t)((int32_t)(v & 0xFFFF) - 32768); break;
        }
    }
    return n * tp_elem_size(l->elem_type);
}

static uint32_t morton2(uint32_t x, uint32_t z)
{
    uint32_t m = 0;
    for (int b = 0; b < 16; b++)
        m |= ((x >> b) & 1u) << (2 * b) | ((z >> b) & 1u) << (2 * b + 1);
    return m;
}

/* Chunks of the region in Morton order of (cx − x0, cz − z0), as the baker adds them. */
static void region_in_morton_order(int32_t out[REGION_W * REGION_H][2])
{
    uint32_t codes[REGION_W * REGION_H];
    for (uint32_t i = 0; i < REGION_W * REGION_H; i++)
        codes[i] = morton2(i % REGION_W, i / REGION_W) << 8 | i;
    for (uint32_t i = 1; i < REGION_W * REGION_H; i++) /* insertion sort of six */
        for (uint32_t j = i; j > 0 && codes[j - 1] > codes[j]; j--) {
            uint32_t t = codes[j];
            codes[j] = codes[j - 1];
            codes[j - 1] = t;
        }
    for (uint32_t i = 0; i < REGION_W * REGION_H; i++) {
        uint32_t idx = codes[i] & 0xFF;
        out[i][0] = REGION_X0 + (int32_t)(idx % REGION_W);
        out[i][1] = REGION_Z0 + (int32_t)(idx / REGION_W);
    }
}

static tp_chunk_bounds expected_bounds(const tp_file_desc *d, int32_t cx, int32_t cz)
{
    uint16_t *h = malloc((size_t)d->samples_per_edge * d->samples_per_edge * 2);
    size_t n = synth(&d->layers[0], cx, cz, 0, h) / 2;
    tp_chunk_bounds b = {0xFFFF, 0, (cx == 0 && cz == 3) ? TP_CHUNK_ALL_OCEAN : 0};
    for (size_t i = 0; i < n; i++) {
        b.height_min_code = h[i] < b.height_min_code ? h[i] : b.height_min_code;
        b.height_max_code = h[i] > b.height_max_code ? h[i] : b.height_max_code;
    }
    free(h);
    return b;
}

/* Writes the synthetic world through the public writer, exactly as a baker would. */
static void write_world(const char *path, uint32_t samples, uint32_t lods, int level)
{
    tp_file_desc d = make_desc(samples, lods);
    tp_writer *w = NULL;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    size_t max_raw = (size_t)samples * samples * 2;
    uint8_t *raw = malloc(max_raw), *stored = malloc(tp_blob_encode_bound(max_raw));
    int32_t order[REGION_W * REGION_H][2];
    region_in_morton_order(order);
    for (uint32_t c = 0; c < REGION_W * REGION_H; c++) {
        int32_t cx = order[c][0], cz = order[c][1];
        if (chunk_absent(cx, cz))
            continue;
        for (uint32_t li = 0; li < d.layer_count; li++)
            for (uint32_t lod = 0; lod < d.layers[li].lod_count; lod++) {
                const tp_layer_desc *l = &d.layers[li];
                if (blob_absent(cx, cz, l->layer_id, lod))
                    continue;
                size_t bytes = synth(l, cx, cz, lod, raw), size;
                uint32_t encoding;
                ck_assert_int_eq(tp_blob_encode(l->elem_type, tp_lod_edge(l->edge_lod0, lod), raw,
                                                bytes, level, stored,
                                                tp_blob_encode_bound(bytes), &size, &encoding),
                                 TP_OK);
                ck_assert_int_eq(tp_writer_add_blob(w, cx, cz, l->layer_id, lod, encoding, stored,
                                                    size, bytes, l->layer_id * 100 + lod),
                                 TP_OK);
            }
        tp_chunk_bounds b = expected_bounds(&d, cx, cz);
        ck_assert_int_eq(tp_writer_set_chunk_bounds(w, cx, cz, &b), TP_OK);
    }
    free(raw);
    free(stored);
    ck_assert_int_eq(tp_writer_finish(w), TP_OK);
}

/* Reads back every (chunk, layer, LOD), inside the region and in a ring around it, and
 * every bounds record, comparing bit for bit. */
static void verify_world(const tp_reader *r, uint32_t samples, uint32_t lods)
{
    tp_file_desc want = make_desc(samples, lods);
    const tp_file_desc *d = tp_reader_desc(r);
    ck_assert_uint_eq(d->seed, want.seed);
    ck_assert_uint_eq(d->params_hash, want.params_hash);
    ck_assert_uint_eq(d->generator_version, want.generator_version);
    ck_assert_uint_eq(d->params_blob_size, sizeof k_params);
    ck_assert_int_eq(memcmp(d->params_blob, k_params, sizeof k_params), 0);
    ck_assert_int_eq(d->region_x0, REGION_X0);
    ck_assert_int_eq(d->region_z0, REGION_Z0);
    ck_assert_uint_eq(d->region_width, REGION_W);
    ck_assert_uint_eq(d->region_height, REGION_H);
    ck_assert(d->chunk_size_m == 256.0 && d->height_min_m == -1024.0 && d->height_step_m == 0.0625);
    ck_assert_uint_eq(d->samples_per_edge, samples);
    ck_assert_uint_eq(d->lod_count, lods);
    ck_assert_uint_eq(d->version_major, TP_PAGEFILE_VERSION_MAJOR);
    ck_assert_uint_eq(d->layer_count, 4);
    ck_assert_int_eq(memcmp(d->layers, want.layers, sizeof want.layers), 0);

    size_t max_raw = (size_t)samples * samples * 2;
    uint8_t *expect = malloc(max_raw);
    int found = 0;
    for (int32_t cz = REGION_Z0 - 2; cz < REGION_Z0 + (int32_t)REGION_H + 2; cz++)
        for (int32_t cx = REGION_X0 - 2; cx < REGION_X0 + (int32_t)REGION_W + 2; cx++) {
            int inside = cx >= REGION_X0 && cx < REGION_X0 + (int32_t)REGION_W &&
                         cz >= REGION_Z0 && cz < REGION_Z0 + (int32_t)REGION_H;
            tp_chunk_bounds b;
            tp_result br = tp_reader_chunk_bounds(r, cx, cz, &b);
            if (!inside || chunk_absent(cx, cz)) {
                ck_assert_int_eq(br, TP_ERR_NOT_FOUND);
            } else {
                tp_chunk_bounds e = expected_bounds(&want, cx, cz);
                ck_assert_int_eq(br, TP_OK);
                ck_assert_uint_eq(b.height_min_code, e.height_min_code);
                ck_assert_uint_eq(b.height_max_code, e.height_max_code);
                ck_assert_uint_eq(b.flags, e.flags | TP_CHUNK_PRESENT);
            }
            for (uint32_t layer = 0; layer <= UNKNOWN_LAYER; layer++)
                for (uint32_t lod = 0; lod <= lods; lod++) {
                    const tp_layer_desc *l = find_layer(&want, layer);
                    tp_blob_ref ref;
                    tp_result fr = tp_reader_find(r, cx, cz, layer, lod, &ref);
                    if (!inside || !l || lod >= l->lod_count || blob_absent(cx, cz, layer, lod)) {
                        ck_assert_int_eq(fr, TP_ERR_NOT_FOUND);
                        continue;
                    }
                    ck_assert_int_eq(fr, TP_OK);
                    size_t bytes = synth(l, cx, cz, lod, expect);
                    ck_assert_uint_eq(ref.raw_size, bytes);
                    ck_assert_uint_eq(ref.edge, tp_lod_edge(l->edge_lod0, lod));
                    ck_assert_uint_eq(ref.elem_type, l->elem_type);
                    ck_assert_uint_eq(ref.aux, layer * 100 + lod);
                    ck_assert(ref.layer_id == layer && ref.lod == lod && ref.cx == cx && ref.cz == cz);
                    uint8_t *out = malloc(bytes); /* exact: overruns are caught */
                    ck_assert_int_eq(tp_reader_decode(r, &ref, out, bytes), TP_OK);
                    ck_assert_int_eq(memcmp(out, expect, bytes), 0);
                    free(out);
                    found++;
                }
        }
    /* 5 chunks × 8 slots − 2 absent slots */
    ck_assert_int_eq(found, 5 * (2 * (int)lods + 2) - 2);
    free(expect);
}

/* ---- file helpers ----------------------------------------------------------------- */

static char *make_temp_dir(void)
{
    char *dir = malloc(512);
    snprintf(dir, 512, "%s/pagefile-XXXXXX", TP_TEST_TMP_DIR);
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

static char *path_in(const char *dir, const char *name)
{
    char *p = malloc(600);
    snprintf(p, 600, "%s/%s", dir, name);
    return p;
}

static uint8_t *read_all(const char *path, size_t *out_size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc(n > 0 ? (size_t)n : 1);
    ck_assert_uint_eq(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *out_size = (size_t)n;
    return data;
}

static void write_all(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(data, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

/* Number of directory entries other than . and .. */
static int count_entries(const char *dir)
{
    DIR *d = opendir(dir);
    ck_assert_ptr_nonnull(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}

static void remove_tree(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d));) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        char *p = path_in(dir, e->d_name);
        if (unlink(p) != 0)
            remove_tree(p);
        free(p);
    }
    closedir(d);
    rmdir(dir);
}

/* A freshly written small world, in memory. */
static uint8_t *small_world(size_t *out_size)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 17, 3, 9);
    uint8_t *data = read_all(path, out_size);
    remove_tree(dir);
    free(path);
    free(dir);
    return data;
}

static uint16_t le16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const uint8_t *p) { return (uint32_t)le16(p) | (uint32_t)le16(p + 2) << 16; }
static uint64_t le64(const uint8_t *p) { return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32; }
static void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

/* Re-signs a header after a deliberate edit, as a hostile or newer writer would. */
static void reseal_header(uint8_t *file)
{
    uint32_t h = le32(file + 12);
    put64(file + h - 8, XXH3_64bits(file, h - 8));
}

/* Re-signs every directory block and the block table after an edit. */
static void reseal_directory(uint8_t *file)
{
    uint32_t shift = le32(file + 136);
    uint32_t w = le32(file + 72), h = le32(file + 76), slots = le32(file + 148);
    uint32_t tx_n = (w + (1u << shift) - 1) >> shift, tz_n = (h + (1u << shift) - 1) >> shift;
    uint64_t record = le32(file + 140) + (uint64_t)slots * le32(file + 144);
    uint8_t *table = file + le64(file + 152);
    for (uint32_t tz = 0; tz < tz_n; tz++)
        for (uint32_t tx = 0; tx < tx_n; tx++) {
            uint8_t *e = table + ((uint64_t)tz * tx_n + tx) * 16;
            if (!le64(e))
                continue;
            uint32_t tw = w - (tx << shift) < (1u << shift) ? w - (tx << shift) : 1u << shift;
            uint32_t th = h - (tz << shift) < (1u << shift) ? h - (tz << shift) : 1u << shift;
            put64(e + 8, XXH3_64bits(file + le64(e), tw * th * record));
        }
    uint64_t n = (uint64_t)tx_n * tz_n * 16;
    put64(table + n, XXH3_64bits(table, n));
}

/* Walks every (chunk, layer, LOD) of an opened file; returns how many calls failed and
 * checks each failure is one a damaged file may cause. */
static int walk_counting_failures(const tp_reader *r)
{
    const tp_file_desc *d = tp_reader_desc(r);
    int failures = 0;
    for (uint32_t z = 0; z < d->region_height && z < 64; z++)
        for (uint32_t x = 0; x < d->region_width && x < 64; x++) {
            int32_t cx = d->region_x0 + (int32_t)x, cz = d->region_z0 + (int32_t)z;
            tp_chunk_bounds b;
            tp_result br = tp_reader_chunk_bounds(r, cx, cz, &b);
            ck_assert(br == TP_OK || br == TP_ERR_NOT_FOUND || br == TP_ERR_CHECKSUM);
            failures += br == TP_ERR_CHECKSUM;
            for (uint32_t li = 0; li < d->layer_count; li++)
                for (uint32_t lod = 0; lod < d->layers[li].lod_count; lod++) {
                    tp_blob_ref ref;
                    tp_result fr = tp_reader_find(r, cx, cz, d->layers[li].layer_id, lod, &ref);
                    ck_assert(fr == TP_OK || fr == TP_ERR_NOT_FOUND || fr == TP_ERR_CHECKSUM ||
                              fr == TP_ERR_CORRUPT);
                    if (fr != TP_OK) {
                        failures += fr != TP_ERR_NOT_FOUND;
                        continue;
                    }
                    void *out = malloc(ref.raw_size ? ref.raw_size : 1);
                    tp_result dr = tp_reader_decode(r, &ref, out, ref.raw_size);
                    ck_assert(dr == TP_OK || dr == TP_ERR_CHECKSUM || dr == TP_ERR_CORRUPT ||
                              dr == TP_ERR_UNSUPPORTED);
                    failures += dr != TP_OK;
                    free(out);
                }
        }
    return failures;
}

/* ---- round trips ------------------------------------------------------------------ */

START_TEST(test_every_blob_and_bounds_record_reads_back_bit_for_bit)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 17, 3, 9);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    verify_world(r, 17, 3);
    /* Only the layers of format 1.0: the writer records 1.0, not its own 1.1. */
    ck_assert_uint_eq(tp_reader_desc(r)->version_minor, 0);
    tp_reader_close(r);

    /* The same bytes through the memory path, with every block verified at open. */
    size_t size;
    uint8_t *data = read_all(path, &size);
    ck_assert_int_eq(tp_reader_open_memory(data, size, &r), TP_OK);
    ck_assert_uint_eq(tp_reader_file_size(r), size);
    verify_world(r, 17, 3);
    tp_reader_close(r);
    tp_reader_options o = {.flags = TP_READER_VERIFY_DIRECTORY};
    ck_assert_int_eq(tp_reader_open(path, &o, &r), TP_OK);
    verify_world(r, 17, 3);
    tp_reader_close(r);
    free(data);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_fast_and_high_compression_levels_read_back)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    int levels[] = {-4, 1, 12};
    for (size_t i = 0; i < 3; i++) {
        write_world(path, 33, 4, levels[i]);
        tp_reader *r = NULL;
        ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
        verify_world(r, 33, 4);
        tp_reader_close(r);
    }
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_find_outside_the_region_or_for_absent_data_is_not_found)
{
    size_t size;
    uint8_t *data = small_world(&size);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(data, size, &r), TP_OK);
    tp_blob_ref ref;
    const int32_t far[][2] = {{INT32_MIN, INT32_MIN}, {INT32_MAX, INT32_MAX}, {INT32_MIN, 2},
                              {-1, INT32_MAX},       {2, 2},               {-2, 3},
                              {0, 1},                {0, 4}};
    for (size_t i = 0; i < sizeof far / sizeof far[0]; i++)
        ck_assert_int_eq(tp_reader_find(r, far[i][0], far[i][1], TP_LAYER_HEIGHT, 0, &ref),
                         TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_find(r, 1, 3, TP_LAYER_HEIGHT, 0, &ref), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_BIOME, 2, &ref), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_BIOME, 1, &ref), TP_OK);
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_TEMPERATURE, 1, &ref), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_find(r, 0, 2, UNKNOWN_LAYER, 0, &ref), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 99, &ref), TP_ERR_NOT_FOUND);
    tp_reader_close(r);
    free(data);
}
END_TEST

START_TEST(test_decode_into_a_small_buffer_is_refused)
{
    size_t size;
    uint8_t *data = small_world(&size);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(data, size, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    uint8_t *out = malloc(ref.raw_size);
    ck_assert_int_eq(tp_reader_decode(r, &ref, out, ref.raw_size - 1), TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_ptr_nonnull(tp_reader_blob_bytes(r, &ref));
    ck_assert_int_eq(tp_reader_verify_blob(r, &ref), TP_OK);
    free(out);
    tp_reader_close(r);
    free(data);
}
END_TEST

typedef struct walk_job {
    const tp_reader *reader;
    int failures;
} walk_job;

static void *walk_thread(void *arg)
{
    walk_job *job = arg;
    job->failures = walk_counting_failures(job->reader);
    return NULL;
}

/* Four threads walk the whole file at once, touching every directory block first
 * together; none may see a failure. */
static void walk_on_four_threads(tp_reader *r)
{
    pthread_t threads[4];
    walk_job jobs[4];
    for (int i = 0; i < 4; i++) {
        jobs[i] = (walk_job){r, -1};
        ck_assert_int_eq(pthread_create(&threads[i], NULL, walk_thread, &jobs[i]), 0);
    }
    for (int i = 0; i < 4; i++) {
        pthread_join(threads[i], NULL);
        ck_assert_int_eq(jobs[i].failures, 0);
    }
}

START_TEST(test_concurrent_first_touch_of_directory_blocks_is_safe)
{
    size_t size;
    uint8_t *data = small_world(&size);
    for (int round = 0; round < 20; round++) {
        tp_reader *r = NULL;
        ck_assert_int_eq(tp_reader_open_memory(data, size, &r), TP_OK);
        walk_on_four_threads(r);
        tp_reader_close(r);
    }
    free(data);
}
END_TEST

/* ---- layout ----------------------------------------------------------------------- */

START_TEST(test_identical_calls_give_byte_identical_files)
{
    char *dir = make_temp_dir(), *a = path_in(dir, "a.tpk"), *b = path_in(dir, "b.tpk");
    write_world(a, 33, 4, 9);
    write_world(b, 33, 4, 9);
    size_t na, nb;
    uint8_t *da = read_all(a, &na), *db = read_all(b, &nb);
    ck_assert_uint_eq(na, nb);
    ck_assert_int_eq(memcmp(da, db, na), 0);
    free(da);
    free(db);
    remove_tree(dir);
    free(a);
    free(b);
    free(dir);
}
END_TEST

START_TEST(test_blobs_touch_the_fewest_pages_and_coarse_lods_come_first)
{
    /* 65² noisy heights are stored raw at 8450 bytes, so both size classes occur. */
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 65, 4, 9);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    const tp_file_desc *d = tp_reader_desc(r);
    uint64_t prev_end = 0;
    for (uint32_t lod = d->lod_count; lod-- > 0;) {
        uint64_t off, size;
        ck_assert_int_eq(tp_reader_lod_section(r, lod, &off, &size), TP_OK);
        ck_assert_uint_eq(off % TP_PAGE_ALIGN, 0);
        ck_assert_uint_ge(off, prev_end); /* coarser sections end before finer ones begin */
        prev_end = off + size;
    }
    ck_assert_uint_eq(prev_end, tp_reader_file_size(r));
    uint64_t dummy;
    ck_assert_int_eq(tp_reader_lod_section(r, d->lod_count, &dummy, &dummy), TP_ERR_OUT_OF_RANGE);

    int small = 0, large = 0;
    uint64_t last_offset[TP_MAX_LODS] = {0};
    int32_t order[REGION_W * REGION_H][2];
    region_in_morton_order(order);
    for (uint32_t c = 0; c < REGION_W * REGION_H; c++)
        for (uint32_t li = 0; li < d->layer_count; li++)
            for (uint32_t lod = 0; lod < d->layers[li].lod_count; lod++) {
                tp_blob_ref ref;
                if (tp_reader_find(r, order[c][0], order[c][1], d->layers[li].layer_id, lod,
                                   &ref) != TP_OK)
                    continue;
                uint64_t first = ref.offset / TP_PAGE_ALIGN;
                uint64_t last = (ref.offset + ref.stored_size - 1) / TP_PAGE_ALIGN;
                uint64_t need = (ref.stored_size + TP_PAGE_ALIGN - 1) / TP_PAGE_ALIGN;
                ck_assert_uint_eq(last - first + 1, need);
                small += ref.stored_size <= TP_PAGE_ALIGN;
                large += ref.stored_size > TP_PAGE_ALIGN;
                /* In a section, blobs keep the order they were added in. */
                ck_assert_uint_gt(ref.offset + 1, last_offset[lod]);
                last_offset[lod] = ref.offset + 1;
            }
    ck_assert_int_gt(small, 0);
    ck_assert_int_gt(large, 0);
    tp_reader_close(r);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

/* ---- golden bytes ----------------------------------------------------------------- */

/* The smallest interesting file of format 1.0, this suite's own: a 3×1 region at (5, −7)
 * whose last chunk is absent, with two LODs (17×17 and 9×9) of heights and of biomes,
 * every blob stored raw (so the bytes do not depend on the LZ4 version). It is a valid
 * file by every rule of FORMAT.md, and `terrapage verify` accepts it with the world check
 * applied: the parameter blob is terrapage's canonical one (FORMAT.md appendix A) for the
 * default world at 17 samples per edge, the smallest edge with two LODs, and the layers
 * have that world's types, LOD counts and grids. Each present chunk has every blob, its
 * bounds are its LOD-0 heights', and its ALL_OCEAN bit follows from the sea level of the
 * parameter blob. The blob is written here byte by byte rather than by the generator, so
 * the file records the format alone: a new generator version leaves it a valid file of
 * generator version 4. The samples are synthetic, not the generator's terrain, so
 * `terrapage verify`, which compares pages with generation, refuses it (FORMAT.md's own
 * reference file, section 10, is a real bake: tests/data/pagefile/reference.tpk). */
#define TINY_X0 5
#define TINY_Z0 (-7)
#define TINY_EDGE 17                            /* samples per edge at LOD 0 */
#define TINY_SAMPLES (TINY_EDGE * TINY_EDGE)     /* 289 */
#define TINY_EDGE1 9                            /* at LOD 1: every other sample */
#define TINY_SAMPLES1 (TINY_EDGE1 * TINY_EDGE1) /* 81 */
#define TINY_SEA_LEVEL_CODE 16384u /* 0 m: −1024 m + 16384 · 0.0625 m */

/* Height code of LOD-0 sample k = j·17 + i (row-major) of tiny chunk cx: 16096 … 16384
 * for chunk 5, rising one code per sample, so its last sample is exactly at sea level
 * (the chunk is not all ocean), and one code lower for chunk 6, wholly below sea level. */
static uint16_t tiny_height(int32_t cx, int k) { return (uint16_t)(16101 + k - cx); }

/* Ocean (0) below sea level, beach (1) at it, as the generator classifies a temperate
 * shore. */
static uint8_t tiny_biome(uint16_t code) { return code < TINY_SEA_LEVEL_CODE ? 0 : 1; }

/* LOD-0 index of LOD-1 sample k: sample (i, j) of LOD 1 is sample (2i, 2j) of LOD 0. */
static int tiny_lod0_index(int k)
{
    return 2 * (k / TINY_EDGE1) * TINY_EDGE + 2 * (k % TINY_EDGE1);
}

static void putf64(uint8_t *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    put64(p, bits);
}

/* The parameter blob in terrapage's layout (FORMAT.md appendix A), as its generator
 * version 4 serialises the default world at 17 samples per edge: blob version 1, seed 42,
 * 256 m chunks, sea level 0 m and the default climate and relief. */
static void tiny_params(uint8_t blob[96])
{
    memset(blob, 0, 96);
    put32(blob + 0, 1);
    put32(blob + 4, 4);
    put64(blob + 8, 42);
    putf64(blob + 16, 256.0);
    put32(blob + 24, TINY_EDGE);
    putf64(blob + 32, 0.0);
    putf64(blob + 40, 1.0);
    putf64(blob + 48, 2400.0);
    putf64(blob + 56, 900.0);
    putf64(blob + 64, 14.0);
    putf64(blob + 72, 1.5);
    putf64(blob + 80, 1400.0);
}

static void write_tiny(const char *path)
{
    uint8_t params[96];
    tiny_params(params);
    tp_file_desc d;
    memset(&d, 0, sizeof d);
    d.seed = 42;
    d.params_hash = XXH3_64bits(params, sizeof params);
    d.generator_version = 4;
    d.params_blob = params;
    d.params_blob_size = sizeof params;
    d.region_x0 = TINY_X0;
    d.region_z0 = TINY_Z0;
    d.region_width = 3;
    d.region_height = 1;
    d.chunk_size_m = 256.0;
    d.samples_per_edge = TINY_EDGE;
    d.lod_count = 2;
    d.height_min_m = -1024.0;
    d.height_step_m = 0.0625;
    d.layer_count = 2;
    d.layers[0] = (tp_layer_desc){TP_LAYER_HEIGHT, TP_ELEM_U16, 2, TINY_EDGE, TP_ENCODING_SLOPE_BITPLANE_LZ4, {0}};
    d.layers[1] = (tp_layer_desc){TP_LAYER_BIOME, TP_ELEM_U8, 2, TINY_EDGE, TP_ENCODING_LZ4, {0}};
    tp_writer *w = NULL;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    for (int32_t cx = TINY_X0; cx <= TINY_X0 + 1; cx++) { /* chunk 7 is left out */
        uint8_t h0[2 * TINY_SAMPLES], b0[TINY_SAMPLES], h1[2 * TINY_SAMPLES1], b1[TINY_SAMPLES1];
        tp_chunk_bounds b = {0xFFFF, 0, 0};
        for (int k = 0; k < TINY_SAMPLES; k++) { /* little-endian u16 codes */
            uint16_t code = tiny_height(cx, k);
            h0[2 * k] = (uint8_t)(code & 0xFF);
            h0[2 * k + 1] = (uint8_t)(code >> 8);
            b0[k] = tiny_biome(code);
            b.height_min_code = code < b.height_min_code ? code : b.height_min_code;
            b.height_max_code = code > b.height_max_code ? code : b.height_max_code;
        }
        if (b.height_max_code < TINY_SEA_LEVEL_CODE)
            b.flags = TP_CHUNK_ALL_OCEAN;
        for (int k = 0; k < TINY_SAMPLES1; k++) {
            memcpy(h1 + 2 * k, h0 + 2 * tiny_lod0_index(k), 2);
            b1[k] = b0[tiny_lod0_index(k)];
        }
        /* In the baker's order: LOD 0's height and biome, then LOD 1's. */
        ck_assert_int_eq(tp_writer_add_blob(w, cx, TINY_Z0, TP_LAYER_HEIGHT, 0, TP_ENCODING_RAW, h0, sizeof h0, sizeof h0, 0), TP_OK);
        ck_assert_int_eq(tp_writer_add_blob(w, cx, TINY_Z0, TP_LAYER_BIOME, 0, TP_ENCODING_RAW, b0, sizeof b0, sizeof b0, 0), TP_OK);
        ck_assert_int_eq(tp_writer_add_blob(w, cx, TINY_Z0, TP_LAYER_HEIGHT, 1, TP_ENCODING_RAW, h1, sizeof h1, sizeof h1, 0), TP_OK);
        ck_assert_int_eq(tp_writer_add_blob(w, cx, TINY_Z0, TP_LAYER_BIOME, 1, TP_ENCODING_RAW, b1, sizeof b1, sizeof b1, 0), TP_OK);
        ck_assert_int_eq(tp_writer_set_chunk_bounds(w, cx, TINY_Z0, &b), TP_OK);
    }
    ck_assert_int_eq(tp_writer_finish(w), TP_OK);
}

/* The header of that file, byte for byte. */
static const uint8_t k_tiny_header[] = {
#include "data/pagefile/tiny-v1.0-header.inc"
};

START_TEST(test_header_of_a_tiny_file_matches_golden_bytes)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "tiny.tpk");
    write_tiny(path);
    size_t size;
    uint8_t *data = read_all(path, &size);
    char golden[600];
    snprintf(golden, sizeof golden, "%s/pagefile/tiny-v1.0.tpk", TP_TEST_DATA_DIR);
    if (getenv("TP_UPDATE_GOLDEN")) {
        write_all(golden, data, size);
        char inc[600];
        snprintf(inc, sizeof inc, "%s/pagefile/tiny-v1.0-header.inc", TP_TEST_DATA_DIR);
        FILE *f = fopen(inc, "w");
        ck_assert_ptr_nonnull(f);
        for (uint32_t i = 0; i < le32(data + 12); i++)
            fprintf(f, "0x%02x,%s", data[i], i % 16 == 15 ? "\n" : " ");
        fclose(f);
    }
    ck_assert_uint_ge(size, sizeof k_tiny_header);
    ck_assert_uint_eq(le32(data + 12), sizeof k_tiny_header);
    for (size_t i = 0; i < sizeof k_tiny_header; i++)
        ck_assert_msg(data[i] == k_tiny_header[i], "header byte %zu is %02x, golden %02x", i,
                      data[i], k_tiny_header[i]);
    /* And the whole file, padding included. */
    size_t gsize;
    uint8_t *gdata = read_all(golden, &gsize);
    ck_assert_uint_eq(size, gsize);
    ck_assert_int_eq(memcmp(data, gdata, size), 0);
    free(gdata);
    free(data);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

/* What the reference file holds, however it is laid out. */
static void check_tiny_content(const tp_reader *r)
{
    const tp_file_desc *d = tp_reader_desc(r);
    ck_assert_uint_eq(d->seed, 42);
    ck_assert_int_eq(d->region_x0, TINY_X0);
    ck_assert_int_eq(d->region_z0, TINY_Z0);
    ck_assert_uint_eq(d->region_width, 3);
    uint8_t params[96];
    tiny_params(params);
    ck_assert_uint_eq(d->params_blob_size, sizeof params);
    ck_assert_int_eq(memcmp(d->params_blob, params, sizeof params), 0);
    ck_assert_uint_eq(d->params_hash, XXH3_64bits(params, sizeof params));
    ck_assert_uint_eq(d->samples_per_edge, TINY_EDGE);
    ck_assert_uint_eq(d->lod_count, 2);
    ck_assert_uint_eq(d->layer_count, 2);
    ck_assert_uint_eq(d->layers[1].layer_id, TP_LAYER_BIOME);
    ck_assert_uint_eq(d->layers[1].lod_count, 2);
    tp_blob_ref ref;
    uint16_t h[TINY_SAMPLES];
    ck_assert_int_eq(tp_reader_find(r, 6, TINY_Z0, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    ck_assert_int_eq(tp_reader_decode(r, &ref, h, sizeof h), TP_OK);
    for (int k = 0; k < TINY_SAMPLES; k++)
        ck_assert_uint_eq(h[k], tiny_height(6, k));
    ck_assert_int_eq(tp_reader_find(r, 6, TINY_Z0, TP_LAYER_HEIGHT, 1, &ref), TP_OK);
    ck_assert_uint_eq(ref.raw_size, 2 * TINY_SAMPLES1);
    ck_assert_int_eq(tp_reader_decode(r, &ref, h, sizeof h), TP_OK);
    for (int k = 0; k < TINY_SAMPLES1; k++)
        ck_assert_uint_eq(h[k], tiny_height(6, tiny_lod0_index(k)));
    uint8_t biome[TINY_SAMPLES];
    ck_assert_int_eq(tp_reader_find(r, 5, TINY_Z0, TP_LAYER_BIOME, 0, &ref), TP_OK);
    ck_assert_uint_eq(ref.aux, 0);
    ck_assert_int_eq(tp_reader_decode(r, &ref, biome, sizeof biome), TP_OK);
    ck_assert_uint_eq(biome[TINY_SAMPLES - 2], 0);
    ck_assert_uint_eq(biome[TINY_SAMPLES - 1], 1);
    ck_assert_int_eq(tp_reader_find(r, 5, TINY_Z0, TP_LAYER_BIOME, 1, &ref), TP_OK);
    ck_assert_uint_eq(ref.raw_size, TINY_SAMPLES1);
    ck_assert_int_eq(tp_reader_decode(r, &ref, biome, sizeof biome), TP_OK);
    ck_assert_uint_eq(biome[TINY_SAMPLES1 - 2], 0);
    ck_assert_uint_eq(biome[TINY_SAMPLES1 - 1], 1);
    /* The absent chunk: no bounds and no blob. */
    tp_chunk_bounds b;
    ck_assert_int_eq(tp_reader_find(r, 7, TINY_Z0, TP_LAYER_BIOME, 0, &ref), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_find(r, 7, TINY_Z0, TP_LAYER_HEIGHT, 1, &ref), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_chunk_bounds(r, 7, TINY_Z0, &b), TP_ERR_NOT_FOUND);
    /* A sample exactly at sea level: not all ocean. */
    ck_assert_int_eq(tp_reader_chunk_bounds(r, 5, TINY_Z0, &b), TP_OK);
    ck_assert_uint_eq(b.flags, TP_CHUNK_PRESENT);
    ck_assert_uint_eq(b.height_min_code, tiny_height(5, 0));
    ck_assert_uint_eq(b.height_max_code, TINY_SEA_LEVEL_CODE);
    ck_assert_int_eq(tp_reader_chunk_bounds(r, 6, TINY_Z0, &b), TP_OK);
    ck_assert_uint_eq(b.flags, TP_CHUNK_PRESENT | TP_CHUNK_ALL_OCEAN);
    ck_assert_uint_eq(b.height_min_code, tiny_height(6, 0));
    ck_assert_uint_eq(b.height_max_code, TINY_SEA_LEVEL_CODE - 1);
}

START_TEST(test_reader_reads_the_committed_v1_0_file)
{
    char golden[600];
    snprintf(golden, sizeof golden, "%s/pagefile/tiny-v1.0.tpk", TP_TEST_DATA_DIR);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(golden, NULL, &r), TP_OK);
    check_tiny_content(r);
    tp_reader_close(r);
}
END_TEST

/* ---- FORMAT.md's reference file, read as data ---------------------------------------
 *
 * tests/data/pagefile/reference.tpk is a bake of the default world (the bake suite writes
 * and reproduces it); here it is bytes to check by this format's rules alone. */

static const uint8_t k_reference_header[] = {
#include "data/pagefile/reference-header.inc"
};

START_TEST(test_reference_file_header_matches_its_golden_bytes)
{
    char path[600];
    snprintf(path, sizeof path, "%s/pagefile/reference.tpk", TP_TEST_DATA_DIR);
    size_t size;
    uint8_t *f = read_all(path, &size);
    ck_assert_uint_eq(le64(f + 16), size);
    ck_assert_uint_eq(le32(f + 12), sizeof k_reference_header);
    for (size_t i = 0; i < sizeof k_reference_header; i++)
        ck_assert_msg(f[i] == k_reference_header[i], "header byte %zu is %02x, golden %02x", i,
                      f[i], k_reference_header[i]);
    ck_assert_uint_eq(le64(f + sizeof k_reference_header - 8),
                      XXH3_64bits(f, sizeof k_reference_header - 8));
    free(f);
}
END_TEST

/* Every rule a reader can check holds: the directory verifies, every blob of every
 * present chunk is there and decodes (checksum included) to its raw size, the bounds
 * are the LOD-0 heights' extremes, ALL_OCEAN follows from them and the sea level of the
 * parameter blob, and format 1.1 because the file holds meshes. */
START_TEST(test_reference_file_keeps_every_rule_of_the_format)
{
    char path[600];
    snprintf(path, sizeof path, "%s/pagefile/reference.tpk", TP_TEST_DATA_DIR);
    tp_reader_options o = {.flags = TP_READER_VERIFY_DIRECTORY};
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(path, &o, &r), TP_OK);
    const tp_file_desc *d = tp_reader_desc(r);
    ck_assert_uint_eq(d->generator_version, 4);
    ck_assert_uint_eq(d->params_blob_size, 96);
    ck_assert_uint_eq(d->params_hash, XXH3_64bits(d->params_blob, d->params_blob_size));
    double sea_level;
    uint64_t sea_bits = le64(d->params_blob + 32);
    memcpy(&sea_level, &sea_bits, sizeof sea_level);
    bool meshes = false;
    for (uint32_t i = 0; i < d->layer_count; i++)
        meshes |= d->layers[i].layer_id == TP_LAYER_MESH;
    ck_assert(meshes);
    ck_assert_uint_eq(d->layer_count, 5);
    size_t size;
    uint8_t *f = read_all(path, &size);
    ck_assert_uint_eq(le32(f + 8) >> 16, 1); /* version_minor 1: a mesh layer */
    free(f);
    uint64_t chunks = 0;
    for (uint32_t dz = 0; dz < d->region_height; dz++)
        for (uint32_t dx = 0; dx < d->region_width; dx++) {
            const int32_t cx = (int32_t)(d->region_x0 + dx), cz = (int32_t)(d->region_z0 + dz);
            tp_chunk_bounds b;
            ck_assert_int_eq(tp_reader_chunk_bounds(r, cx, cz, &b), TP_OK);
            chunks++;
            for (uint32_t i = 0; i < d->layer_count; i++)
                for (uint32_t lod = 0; lod < d->layers[i].lod_count; lod++) {
                    tp_blob_ref ref;
                    ck_assert_int_eq(tp_reader_find(r, cx, cz, d->layers[i].layer_id, lod, &ref),
                                     TP_OK);
                    uint8_t *raw = malloc(ref.raw_size);
                    ck_assert_int_eq(tp_reader_decode(r, &ref, raw, ref.raw_size), TP_OK);
                    if (d->layers[i].layer_id == TP_LAYER_HEIGHT && lod == 0) {
                        uint16_t lo = 0xFFFF, hi = 0;
                        for (uint32_t k = 0; k < ref.raw_size / 2; k++) {
                            const uint16_t code = (uint16_t)(raw[2 * k] | raw[2 * k + 1] << 8);
                            lo = code < lo ? code : lo;
                            hi = code > hi ? code : hi;
                        }
                        ck_assert_uint_eq(ref.raw_size,
                                          2u * d->samples_per_edge * d->samples_per_edge);
                        ck_assert_uint_eq(b.height_min_code, lo);
                        ck_assert_uint_eq(b.height_max_code, hi);
                        const bool ocean = d->height_min_m + hi * d->height_step_m < sea_level;
                        ck_assert_uint_eq(b.flags,
                                          TP_CHUNK_PRESENT | (ocean ? TP_CHUNK_ALL_OCEAN : 0));
                    }
                    free(raw);
                }
        }
    ck_assert_uint_eq(chunks, (uint64_t)d->region_width * d->region_height);
    tp_reader_close(r);
}
END_TEST

/* The reference file rebuilt the way a later 1.x writer may write it: a longer fixed
 * header, longer layer entries, bounds records and directory entries (with unknown
 * fields in the extra bytes) and an unknown optional flag. A 1.0 reader must read it. */
START_TEST(test_reader_reads_a_newer_minor_with_longer_records)
{
    char golden[600];
    snprintf(golden, sizeof golden, "%s/pagefile/tiny-v1.0.tpk", TP_TEST_DATA_DIR);
    size_t size;
    uint8_t *t = read_all(golden, &size), *f = calloc(1, size);
    /* The reference file's layout, from its own header (one directory tile). */
    const uint32_t lods = le32(t + 92), layers = le32(t + 112), slots = le32(t + 148);
    const uint32_t params_size = le32(t + 52), chunks = le32(t + 72) * le32(t + 76);
    const uint64_t data = le64(t + 176), old_directory = le64(t + 160);
    ck_assert(le32(t + 72) <= 16 && le32(t + 76) <= 16);
    memcpy(f + data, t + data, size - data); /* the data region stays where it was */
    memcpy(f, t, 192);
    memset(f + 192, 0xA5, 16); /* 16 bytes of new fixed-header fields */
    f[10] = 3;                 /* minor 3 */
    put32(f + 28, 0x80000000u);
    const uint64_t sections = 208, layer_table = sections + 16u * lods;
    const uint64_t params = layer_table + 48u * layers;
    const uint64_t header = params + (params_size + 7u) / 8u * 8u + 8u;
    memcpy(f + sections, t + le64(t + 128), 16u * lods);
    put64(f + 128, sections);
    for (uint32_t i = 0; i < layers; i++) {
        memcpy(f + layer_table + 48 * i, t + le64(t + 120) + 32 * i, 32);
        memset(f + layer_table + 48 * i + 32, 0x5A, 16);
    }
    put32(f + 116, 48);
    put64(f + 120, layer_table);
    memcpy(f + params, t + le64(t + 56), params_size);
    put64(f + 56, params);
    put32(f + 12, (uint32_t)header);
    const uint64_t table = header, directory = table + 24, record = 24 + 48u * slots;
    ck_assert_uint_le(directory + chunks * record, data);
    put64(f + 152, table);
    put32(f + 140, 24);
    put32(f + 144, 48);
    put64(f + 160, directory);
    put64(f + 168, chunks * record);
    for (uint32_t c = 0; c < chunks; c++) {
        const uint8_t *old = t + old_directory + (16 + 32 * slots) * c;
        uint8_t *rec = f + directory + record * c;
        memcpy(rec, old, 16);
        memset(rec + 16, 0x33, 8);
        for (uint32_t slot = 0; slot < slots; slot++) {
            memcpy(rec + 24 + 48 * slot, old + 16 + 32 * slot, 32);
            memset(rec + 24 + 48 * slot + 32, 0x77, 16);
        }
    }
    put64(f + table, directory);
    put64(f + table + 8, XXH3_64bits(f + directory, chunks * record));
    put64(f + table + 16, XXH3_64bits(f + table, 16));
    reseal_header(f);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(f, size, &r), TP_OK);
    ck_assert_uint_eq(tp_reader_desc(r)->version_minor, 3);
    check_tiny_content(r);
    tp_reader_close(r);
    free(f);
    free(t);
}
END_TEST

START_TEST(test_a_sparse_huge_region_costs_only_its_block_table)
{
    /* 4096 × 4096 chunks (16.7 million) with two baked: the block table is 1 MiB, the
     * directory holds two tiles, and lookups anywhere stay O(1). */
    char *dir = make_temp_dir(), *path = path_in(dir, "sparse.tpk");
    tp_file_desc d = make_desc(17, 3);
    d.region_x0 = -2048;
    d.region_z0 = -2048;
    d.region_width = 4096;
    d.region_height = 4096;
    tp_writer *w = NULL;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    uint16_t heights[17 * 17];
    for (int i = 0; i < 17 * 17; i++)
        heights[i] = (uint16_t)(i * 3);
    const int32_t at[2][2] = {{-2048, -2048}, {2047, 2047}};
    for (int i = 0; i < 2; i++)
        ck_assert_int_eq(tp_writer_add_blob(w, at[i][0], at[i][1], TP_LAYER_HEIGHT, 0,
                                            TP_ENCODING_RAW, heights, sizeof heights,
                                            sizeof heights, 0), TP_OK);
    ck_assert_int_eq(tp_writer_finish(w), TP_OK);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    uint64_t table = 256u * 256u * 16u + 8u;
    ck_assert_uint_lt((uint64_t)st.st_size, table + 2 * 256 * (16 + 8 * 32) + 3 * 4096 + 4096);

    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    tp_blob_ref ref;
    uint16_t back[17 * 17];
    for (int i = 0; i < 2; i++) {
        ck_assert_int_eq(tp_reader_find(r, at[i][0], at[i][1], TP_LAYER_HEIGHT, 0, &ref), TP_OK);
        ck_assert_int_eq(tp_reader_decode(r, &ref, back, sizeof back), TP_OK);
        ck_assert_int_eq(memcmp(back, heights, sizeof back), 0);
    }
    ck_assert_int_eq(tp_reader_find(r, 0, 0, TP_LAYER_HEIGHT, 0, &ref), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_find(r, -2047, -2048, TP_LAYER_HEIGHT, 0, &ref), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_reader_find(r, 2048, 0, TP_LAYER_HEIGHT, 0, &ref), TP_ERR_NOT_FOUND);
    tp_reader_close(r);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

/* The tiles a sparse file stores are named by the block table, so a walk over them costs
 * one entry per tile and a look only at the chunks of the stored ones; the far-edge
 * tiles are clipped to the region. In every I/O mode. */
START_TEST(test_tile_queries_name_the_stored_tiles_and_their_chunks)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "tiles.tpk");
    tp_file_desc d = make_desc(17, 3);
    d.region_x0 = -2048;
    d.region_z0 = -2048;
    d.region_width = 4100;  /* 257 tiles, the last 4 chunks wide */
    d.region_height = 4097; /* 257 tiles, the last 1 chunk high */
    tp_writer *w = NULL;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    uint16_t heights[17 * 17] = {0};
    const int32_t at[3][2] = {{-2048, -2048}, {-2047, -2040}, {2051, 2048}};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(tp_writer_add_blob(w, at[i][0], at[i][1], TP_LAYER_HEIGHT, 0,
                                            TP_ENCODING_RAW, heights, sizeof heights,
                                            sizeof heights, 0), TP_OK);
    ck_assert_int_eq(tp_writer_finish(w), TP_OK);

    for (int m = 0; m < 2; m++) {
        tp_reader_options o = {.flags = m ? TP_READER_PREAD : 0};
        tp_reader *r = NULL;
        ck_assert_int_eq(tp_reader_open(path, &o, &r), TP_OK);
        tp_tile_grid g;
        tp_reader_tile_grid(r, &g);
        ck_assert_uint_eq(g.tile_edge, 16);
        ck_assert_uint_eq(g.tiles_x, 257);
        ck_assert_uint_eq(g.tiles_z, 257);
        ck_assert_uint_eq(g.tile_count, 257u * 257u);
        ck_assert_uint_eq(g.present_count, 2);
        ck_assert_uint_eq(g.reserved0, 0);

        tp_tile_info t;
        ck_assert_int_eq(tp_reader_tile(r, 0, &t), TP_OK);
        ck_assert(t.cx0 == -2048 && t.cz0 == -2048 && t.width == 16 && t.height == 16);
        ck_assert_int_eq(tp_reader_tile(r, 1, &t), TP_ERR_NOT_FOUND); /* described anyway */
        ck_assert(t.cx0 == -2032 && t.cz0 == -2048 && t.width == 16 && t.height == 16);
        ck_assert_int_eq(tp_reader_tile(r, g.tile_count - 1, &t), TP_OK);
        ck_assert(t.cx0 == 2048 && t.cz0 == 2048 && t.width == 4 && t.height == 1);
        ck_assert_int_eq(tp_reader_tile(r, 256, &t), TP_ERR_NOT_FOUND);
        ck_assert(t.cx0 == 2048 && t.cz0 == -2048 && t.width == 4 && t.height == 16);
        tp_tile_info untouched = {7, 7, 7, 7};
        t = untouched;
        ck_assert_int_eq(tp_reader_tile(r, g.tile_count, &t), TP_ERR_OUT_OF_RANGE);
        ck_assert(t.cx0 == 7 && t.width == 7);

        /* The walk of the header's example: every stored chunk, from 16·16 + 4 looks. */
        uint64_t looked = 0, present = 0;
        for (uint64_t k = 0; k < g.tile_count; k++) {
            if (tp_reader_tile(r, k, &t) != TP_OK)
                continue;
            for (uint32_t z = 0; z < t.height; z++)
                for (uint32_t x = 0; x < t.width; x++) {
                    tp_chunk_bounds b;
                    looked++;
                    present += tp_reader_chunk_bounds(r, t.cx0 + (int32_t)x,
                                                      t.cz0 + (int32_t)z, &b) == TP_OK;
                }
        }
        ck_assert_uint_eq(looked, 16u * 16u + 4u);
        ck_assert_uint_eq(present, 3);
        tp_reader_close(r);
    }
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_reader_finds_blobs_beyond_4_gib)
{
    /* The reference file with its LOD-0 section moved to 4.5 GiB, in a sparse file: the
     * offsets, section table and sizes all need their 64 bits. */
    char golden[600];
    snprintf(golden, sizeof golden, "%s/pagefile/tiny-v1.0.tpk", TP_TEST_DATA_DIR);
    size_t size;
    uint8_t *f = read_all(golden, &size);
    const uint64_t lod0 = le64(f + 128); /* section table entry of LOD 0, the last section */
    const uint64_t old_section = le64(f + lod0), new_section = 9ull << 29; /* 4.5 GiB */
    const uint64_t delta = new_section - old_section, section_size = size - old_section;
    const uint32_t chunks = le32(f + 72) * le32(f + 76), slots = le32(f + 148);
    put64(f + lod0, new_section);
    put64(f + 184, new_section + section_size - le64(f + 176)); /* data_size */
    put64(f + 16, new_section + section_size);                   /* file_size */
    for (uint32_t c = 0; c < chunks; c++)
        for (uint32_t slot = 0; slot < slots; slot++) {
            uint8_t *e = f + le64(f + 160) + (16 + 32 * slots) * c + 16 + 32 * slot;
            if (le32(e + 16) && le64(e) >= old_section)
                put64(e, le64(e) + delta);
        }
    reseal_directory(f);
    reseal_header(f);
    char *dir = make_temp_dir(), *path = path_in(dir, "big.tpk");
    FILE *out = fopen(path, "wb");
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(fwrite(f, 1, old_section, out), old_section);
    ck_assert_int_eq(fseeko(out, (off_t)new_section, SEEK_SET), 0);
    ck_assert_uint_eq(fwrite(f + old_section, 1, section_size, out), section_size);
    ck_assert_int_eq(fclose(out), 0);

    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    ck_assert_uint_eq(tp_reader_file_size(r), new_section + section_size);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, 6, -7, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    ck_assert_uint_gt(ref.offset, 1ull << 32);
    check_tiny_content(r);
    tp_reader_close(r);
    remove_tree(dir);
    free(path);
    free(dir);
    free(f);
}
END_TEST

START_TEST(test_written_file_gets_permissions_from_the_umask)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    umask(027);
    write_world(path, 17, 3, 9);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 0777, 0640);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

/* ---- hostile files ---------------------------------------------------------------- */

START_TEST(test_reader_rejects_the_file_truncated_at_every_length)
{
    size_t size;
    uint8_t *data = small_world(&size);
    for (size_t n = 0; n < size; n++) {
        uint8_t *cut = malloc(n ? n : 1); /* exactly n bytes: any overread is caught */
        memcpy(cut, data, n);
        tp_reader *r = (tp_reader *)&r;
        ck_assert_int_eq(tp_reader_open_memory(cut, n, &r), TP_ERR_TRUNCATED);
        ck_assert_ptr_null(r);
        free(cut);
    }
    free(data);
}
END_TEST

START_TEST(test_reader_rejects_truncated_directory)
{
    size_t size;
    uint8_t *data = small_world(&size);
    char *dir = make_temp_dir(), *path = path_in(dir, "cut.tpk");
    uint64_t directory = le64(data + 160), directory_size = le64(data + 168);
    write_all(path, data, (size_t)(directory + directory_size / 2));
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_ERR_TRUNCATED);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "cut.tpk"));
    write_all(path, data, 0);
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_ERR_TRUNCATED);
    remove_tree(dir);
    free(path);
    free(dir);
    free(data);
}
END_TEST

/* Flips one bit of a private copy and reports where it was caught. */
typedef enum caught { CAUGHT_AT_OPEN, CAUGHT_LATER } caught;

static caught flip_and_check(const uint8_t *data, size_t size, size_t bit)
{
    uint8_t *bad = malloc(size);
    memcpy(bad, data, size);
    bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
    tp_reader *r = NULL;
    tp_result res = tp_reader_open_memory(bad, size, &r);
    caught where = CAUGHT_AT_OPEN;
    if (res == TP_OK) {
        ck_assert_msg(walk_counting_failures(r) > 0, "flip of bit %zu (byte %zu) went unnoticed",
                      bit, bit / 8);
        tp_reader_close(r);
        where = CAUGHT_LATER;
    } else {
        ck_assert_msg(res == TP_ERR_CHECKSUM || res == TP_ERR_CORRUPT ||
                          res == TP_ERR_BAD_MAGIC || res == TP_ERR_UNSUPPORTED_VERSION ||
                          res == TP_ERR_TRUNCATED || res == TP_ERR_UNSUPPORTED,
                      "flip of bit %zu: %s", bit, tp_result_string(res));
    }
    free(bad);
    return where;
}

START_TEST(test_reader_rejects_every_single_bit_flip_of_the_metadata)
{
    size_t size;
    uint8_t *data = small_world(&size);
    uint32_t header = le32(data + 12);
    uint64_t table = le64(data + 152);
    uint64_t directory = le64(data + 160), directory_end = directory + le64(data + 168);
    /* Header and block table: caught at open. */
    for (size_t bit = 0; bit < (size_t)(directory * 8); bit++)
        if (bit < header * 8u || bit >= table * 8)
            ck_assert_int_eq(flip_and_check(data, size, bit), CAUGHT_AT_OPEN);
    /* Directory blocks: caught when first touched. */
    for (size_t bit = (size_t)directory * 8; bit < (size_t)directory_end * 8; bit++)
        ck_assert_int_eq(flip_and_check(data, size, bit), CAUGHT_LATER);
    free(data);
}
END_TEST

START_TEST(test_reader_rejects_bit_flips_in_blob_data)
{
    size_t size;
    uint8_t *data = small_world(&size);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(data, size, &r), TP_OK);
    const tp_file_desc *d = tp_reader_desc(r);
    int flips = 0;
    uint64_t rng = 7;
    for (uint32_t z = 0; z < d->region_height; z++)
        for (uint32_t x = 0; x < d->region_width; x++)
            for (uint32_t li = 0; li < d->layer_count; li++)
                for (uint32_t lod = 0; lod < d->layers[li].lod_count; lod++) {
                    tp_blob_ref ref;
                    if (tp_reader_find(r, d->region_x0 + (int32_t)x, d->region_z0 + (int32_t)z,
                                       d->layers[li].layer_id, lod, &ref) != TP_OK)
                        continue;
                    size_t bits[3] = {ref.offset * 8, (ref.offset + ref.stored_size) * 8 - 1,
                                      ref.offset * 8 + rng_next(&rng) % (ref.stored_size * 8u)};
                    for (int i = 0; i < 3; i++) {
                        ck_assert_int_eq(flip_and_check(data, size, bits[i]), CAUGHT_LATER);
                        flips++;
                    }
                }
    ck_assert_int_gt(flips, 60);
    tp_reader_close(r);
    free(data);
}
END_TEST

START_TEST(test_corrupt_directory_block_is_reported_at_find_or_at_open_when_asked)
{
    size_t size;
    uint8_t *data = small_world(&size);
    data[le64(data + 160) + 5] ^= 0x10; /* a byte of the first chunk's bounds */
    char *dir = make_temp_dir(), *path = path_in(dir, "bad.tpk");
    write_all(path, data, size);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    tp_blob_ref ref;
    for (int i = 0; i < 3; i++) /* and again, from the cached verdict */
        ck_assert_int_eq(tp_reader_find(r, -1, 2, TP_LAYER_HEIGHT, 0, &ref), TP_ERR_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "bad.tpk"));
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "checksum"));
    tp_reader_close(r);
    tp_reader_options o = {.flags = TP_READER_VERIFY_DIRECTORY};
    ck_assert_int_eq(tp_reader_open(path, &o, &r), TP_ERR_CHECKSUM);
    remove_tree(dir);
    free(path);
    free(dir);
    free(data);
}
END_TEST

START_TEST(test_reader_rejects_non_page_files)
{
    tp_reader *r = NULL;
    const char junk[] = "GIF89a and then some more bytes that are not a page file at all";
    ck_assert_int_eq(tp_reader_open_memory(junk, sizeof junk, &r), TP_ERR_BAD_MAGIC);
    ck_assert_int_eq(tp_reader_open_memory(junk, 3, &r), TP_ERR_BAD_MAGIC);
    ck_assert_int_eq(tp_reader_open_memory(NULL, 0, &r), TP_ERR_TRUNCATED);
    ck_assert_int_eq(tp_reader_open("/nonexistent/world.tpk", NULL, &r), TP_ERR_IO);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "No such file"));
    ck_assert_int_eq(tp_reader_open(TP_TEST_TMP_DIR, NULL, &r), TP_ERR_IO); /* a directory */
    tp_reader_options bad = {.reserved = {1}};
    ck_assert_int_eq(tp_reader_open("/nonexistent", &bad, &r), TP_ERR_INVALID_ARGUMENT);
    tp_reader_options unknown = {.flags = 0x80};
    ck_assert_int_eq(tp_reader_open("/nonexistent", &unknown, &r), TP_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(r);
    tp_reader_close(NULL);
}
END_TEST

START_TEST(test_reader_accepts_a_newer_minor_and_ignores_optional_flags)
{
    size_t size;
    uint8_t *data = small_world(&size);
    data[10] = 7;              /* minor 7 */
    put32(data + 28, 0xFFFFFFFFu & ~TP_FILE_SHARD); /* every optional flag it does not know */
    reseal_header(data);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(data, size, &r), TP_OK);
    ck_assert_uint_eq(tp_reader_desc(r)->version_minor, 7);
    verify_world(r, 17, 3);
    tp_reader_close(r);
    free(data);
}
END_TEST

START_TEST(test_reader_rejects_unknown_major_and_required_flags)
{
    size_t size;
    uint8_t *data = small_world(&size);
    uint8_t *copy = malloc(size);
    tp_reader *r = NULL;
    memcpy(copy, data, size);
    copy[8] = 2; /* major 2, correctly sealed */
    reseal_header(copy);
    ck_assert_int_eq(tp_reader_open_memory(copy, size, &r), TP_ERR_UNSUPPORTED_VERSION);
    memcpy(copy, data, size);
    put32(copy + 24, 1u << 5);
    reseal_header(copy);
    ck_assert_int_eq(tp_reader_open_memory(copy, size, &r), TP_ERR_UNSUPPORTED);
    free(copy);
    free(data);
}
END_TEST

START_TEST(test_unknown_element_types_are_found_but_not_decoded)
{
    size_t size;
    uint8_t *data = small_world(&size);
    uint64_t layers = le64(data + 120);
    put32(data + layers + 3 * 32 + 4, 99); /* the biome layer becomes element type 99 */
    reseal_header(data);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(data, size, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_BIOME, 0, &ref), TP_OK);
    uint8_t *out = malloc(ref.raw_size);
    ck_assert_int_eq(tp_reader_decode(r, &ref, out, ref.raw_size), TP_ERR_UNSUPPORTED);
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    free(out);
    tp_reader_close(r);
    free(data);
}
END_TEST

/* Sealed headers that lie: a hostile writer can compute checksums too. */
START_TEST(test_reader_rejects_sealed_but_impossible_headers)
{
    size_t size;
    uint8_t *data = small_world(&size);
    uint8_t *copy = malloc(size);
    struct { size_t offset; int width; uint64_t value; } lies[] = {
        {72, 4, 0xFFFFFFFFu},  /* region width: a block table far beyond the file */
        {76, 4, 0},            /* empty region */
        {64, 4, 0x7FFFFFFFu},  /* x0 so the region passes INT32_MAX */
        {16, 8, 1ull << 62},   /* declared size beyond the file */
        {16, 8, 100},          /* declared size inside the header */
        {52, 4, 1u << 30},     /* parameter blob beyond the header */
        {56, 8, ~0ull - 3},    /* parameter blob offset overflowing */
        {88, 4, 16},           /* samples per edge not 2^n + 1 */
        {92, 4, 40},           /* LOD count */
        {112, 4, 0},           /* no layers */
        {112, 4, 17},          /* more layers than a reader holds */
        {116, 4, 8},           /* layer entries too small */
        {120, 8, 1ull << 40},  /* layer table outside the header */
        {128, 8, 0},           /* section table over the fixed header */
        {136, 4, 31},          /* tile shift */
        {140, 4, 4},           /* bounds record too small */
        {144, 4, 1u << 20},    /* directory entries too large */
        {148, 4, 9},           /* slot count disagrees with the layer table */
        {152, 8, ~0ull - 7},   /* block table offset overflowing */
        {160, 8, 1ull << 50},  /* directory outside the file */
        {168, 8, 0},           /* empty directory but blocks point into it */
        {176, 8, ~0ull},       /* data region overflowing */
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        memcpy(copy, data, size);
        if (lies[i].width == 4)
            put32(copy + lies[i].offset, (uint32_t)lies[i].value);
        else
            put64(copy + lies[i].offset, lies[i].value);
        reseal_header(copy);
        tp_reader *r = NULL;
        tp_result res = tp_reader_open_memory(copy, size, &r);
        ck_assert_msg(res != TP_OK, "lie %zu (offset %zu) was accepted", i, lies[i].offset);
        ck_assert_ptr_null(r);
    }
    /* A layer claiming more LODs than the file has. */
    memcpy(copy, data, size);
    put32(copy + le64(copy + 120) + 8, 200);
    reseal_header(copy);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(copy, size, &r), TP_ERR_CORRUPT);
    free(copy);
    free(data);
}
END_TEST

START_TEST(test_reader_rejects_sealed_directory_entries_that_lie)
{
    size_t size;
    uint8_t *data = small_world(&size);
    uint8_t *copy = malloc(size);
    /* The first chunk record's first slot: height LOD 0 of chunk (-1, 2). */
    uint64_t entry = le64(data + 160) + 16;
    struct { size_t field; int width; uint64_t value; tp_result at_find; } lies[] = {
        {0, 8, 0, TP_ERR_CORRUPT},               /* offset before its section */
        {0, 8, ~0ull - 2, TP_ERR_CORRUPT},       /* offset overflowing */
        {16, 4, 0xFFFFFFFFu, TP_ERR_CORRUPT},    /* stored size beyond the section */
        {20, 4, 12345, TP_ERR_CORRUPT},          /* raw size not the grid's */
    };
    for (size_t i = 0; i < sizeof lies / sizeof lies[0]; i++) {
        memcpy(copy, data, size);
        if (lies[i].width == 4)
            put32(copy + entry + lies[i].field, (uint32_t)lies[i].value);
        else
            put64(copy + entry + lies[i].field, lies[i].value);
        reseal_directory(copy);
        tp_reader *r = NULL;
        ck_assert_int_eq(tp_reader_open_memory(copy, size, &r), TP_OK);
        tp_blob_ref ref;
        ck_assert_int_eq(tp_reader_find(r, -1, 2, TP_LAYER_HEIGHT, 0, &ref), lies[i].at_find);
        tp_reader_close(r);
    }
    /* An unknown encoding is found, then refused at decode. */
    memcpy(copy, data, size);
    put32(copy + entry + 24, 77);
    reseal_directory(copy);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(copy, size, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, -1, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    uint8_t *out = malloc(ref.raw_size);
    ck_assert_int_eq(tp_reader_decode(r, &ref, out, ref.raw_size), TP_ERR_UNSUPPORTED);
    free(out);
    tp_reader_close(r);
    free(copy);
    free(data);
}
END_TEST

/* ---- writer ----------------------------------------------------------------------- */

START_TEST(test_writer_reports_an_unwritable_directory)
{
    tp_file_desc d = make_desc(17, 3);
    tp_writer *w = (tp_writer *)&d;
    ck_assert_int_eq(tp_writer_create("/nonexistent-dir/world.tpk", &d, &w), TP_ERR_IO);
    ck_assert_ptr_null(w);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "No such file or directory"));
    /* A path whose "directory" is a regular file. */
    char *dir = make_temp_dir(), *file = path_in(dir, "plain"), *path = path_in(file, "w.tpk");
    write_all(file, "x", 1);
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_ERR_IO);
    if (geteuid() != 0) { /* root writes anywhere */
        chmod(dir, 0555);
        char *inside = path_in(dir, "world.tpk");
        ck_assert_int_eq(tp_writer_create(inside, &d, &w), TP_ERR_IO);
        ck_assert_ptr_nonnull(strstr(tp_error_detail(), "Permission denied"));
        chmod(dir, 0755);
        free(inside);
    }
    ck_assert_int_eq(count_entries(dir), 1);
    remove_tree(dir);
    free(path);
    free(file);
    free(dir);
}
END_TEST

START_TEST(test_abort_leaves_the_previous_file_untouched_and_no_temporary)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 17, 3, 9);
    size_t before_size;
    uint8_t *before = read_all(path, &before_size);

    tp_file_desc d = make_desc(33, 2);
    tp_writer *w = NULL;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    uint8_t blob[33 * 33 * 2] = {1};
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_HEIGHT, 0, TP_ENCODING_RAW, blob,
                                        sizeof blob, sizeof blob, 0), TP_OK);
    tp_writer_abort(w);
    tp_writer_abort(NULL);

    size_t after_size;
    uint8_t *after = read_all(path, &after_size);
    ck_assert_uint_eq(after_size, before_size);
    ck_assert_int_eq(memcmp(before, after, before_size), 0);
    ck_assert_int_eq(count_entries(dir), 1);
    free(before);
    free(after);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_failed_finish_leaves_the_previous_file_untouched_and_no_temporary)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 17, 3, 9);
    size_t before_size;
    uint8_t *before = read_all(path, &before_size);

    /* A file-size limit stands in for a full disk: writes past it fail with EFBIG. */
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit old, small;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    small = old;
    small.rlim_cur = 3000; /* the header fits; the data section does not */
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
    tp_file_desc d = make_desc(17, 3);
    tp_writer *w = NULL;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    uint8_t blob[17 * 17 * 2] = {1};
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_HEIGHT, 0, TP_ENCODING_RAW, blob,
                                        sizeof blob, sizeof blob, 0), TP_OK);
    tp_result r = tp_writer_finish(w);
    setrlimit(RLIMIT_FSIZE, &old);
    ck_assert_int_eq(r, TP_ERR_IO);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "world.tpk"));
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), strerror(EFBIG)));

    size_t after_size;
    uint8_t *after = read_all(path, &after_size);
    ck_assert_uint_eq(after_size, before_size);
    ck_assert_int_eq(memcmp(before, after, before_size), 0);
    ck_assert_int_eq(count_entries(dir), 1);

    /* A destination that became a directory while the writer worked: finish looks at
     * the path again and refuses it, leaving the directory as it is. */
    char *blocker = path_in(dir, "taken"), *inner = path_in(blocker, "f");
    ck_assert_int_eq(tp_writer_create(blocker, &d, &w), TP_OK);
    ck_assert_int_eq(mkdir(blocker, 0755), 0);
    write_all(inner, "x", 1);
    ck_assert_int_eq(tp_writer_finish(w), TP_ERR_IO);
    ck_assert_msg(strstr(tp_error_detail(), "is a directory"), "%s", tp_error_detail());
    ck_assert_int_eq(count_entries(dir), 2);
    ck_assert_int_eq(count_entries(blocker), 1);
    free(before);
    free(after);
    remove_tree(dir);
    free(inner);
    free(blocker);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_writer_rejects_misuse_without_breaking_the_file)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    tp_file_desc d = make_desc(17, 3);
    tp_writer *w = NULL;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    uint8_t blob[17 * 17 * 2] = {3};
    size_t n = sizeof blob;
    ck_assert_int_eq(tp_writer_add_blob(w, 2, 2, TP_LAYER_HEIGHT, 0, 0, blob, n, n, 0), TP_ERR_OUT_OF_RANGE);
    ck_assert_int_eq(tp_writer_add_blob(w, -1, 1, TP_LAYER_HEIGHT, 0, 0, blob, n, n, 0), TP_ERR_OUT_OF_RANGE);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, UNKNOWN_LAYER, 0, 0, blob, n, n, 0), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_TEMPERATURE, 1, 0, blob, 18, 18, 0), TP_ERR_OUT_OF_RANGE);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_HEIGHT, 0, 0, blob, n - 2, n - 2, 0), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_HEIGHT, 0, 0, blob, n - 2, n, 0), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_HEIGHT, 0, 1, blob, 0, n, 0), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_HEIGHT, 0, 1, blob, 2, n, 0), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_BIOME, 0, TP_ENCODING_PRED2D_LZ4, blob, 20, 289, 0),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_HEIGHT, 0, 0, blob, n, n, 0), TP_OK);
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 2, TP_LAYER_HEIGHT, 0, 0, blob, n, n, 0), TP_ERR_INVALID_ARGUMENT);
    tp_chunk_bounds b = {1, 2, 0};
    ck_assert_int_eq(tp_writer_set_chunk_bounds(w, 5, 5, &b), TP_ERR_OUT_OF_RANGE);
    ck_assert_int_eq(tp_writer_finish(w), TP_OK);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    ck_assert_int_eq(tp_reader_chunk_bounds(r, 0, 2, &b), TP_OK);
    ck_assert_uint_eq(b.flags, TP_CHUNK_PRESENT);
    tp_reader_close(r);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_writer_rejects_invalid_descriptions)
{
    tp_file_desc good = make_desc(17, 3), d;
    tp_writer *w = NULL;
#define EXPECT_BAD(edit)                                                                   \
    do {                                                                                   \
        d = good;                                                                          \
        edit;                                                                              \
        ck_assert_int_eq(tp_writer_create(TP_TEST_TMP_DIR "/never.tpk", &d, &w),           \
                         TP_ERR_INVALID_ARGUMENT);                                         \
        ck_assert_ptr_null(w);                                                             \
    } while (0)
    EXPECT_BAD(d.region_width = 0);
    EXPECT_BAD(d.region_x0 = INT32_MAX);
    EXPECT_BAD(d.samples_per_edge = 16);
    EXPECT_BAD(d.lod_count = 6); /* 17 has five LODs: 17, 9, 5, 3, 2 */
    EXPECT_BAD(d.lod_count = 0);
    EXPECT_BAD(d.chunk_size_m = 0.0);
    EXPECT_BAD(d.height_step_m = -1.0);
    EXPECT_BAD(d.layer_count = 0);
    EXPECT_BAD(d.layer_count = 17);
    EXPECT_BAD(d.layers[1].layer_id = TP_LAYER_HEIGHT);
    EXPECT_BAD(d.layers[0].lod_count = 4);
    EXPECT_BAD(d.layers[0].elem_type = 0);
    EXPECT_BAD(d.layers[0].edge_lod0 = 0);
    EXPECT_BAD(d.params_blob = NULL);
    EXPECT_BAD(d.reserved[0] = 1);
#undef EXPECT_BAD
}
END_TEST

/* ---- the output path ----------------------------------------------------------------- */

/* The writer must refuse `path` up front (check and create), naming it and `what`. */
static void expect_refused(const char *path, const char *what)
{
    tp_file_desc d = make_desc(17, 3);
    ck_assert_int_eq(tp_writer_check_output(path), TP_ERR_IO);
    ck_assert_msg(strstr(tp_error_detail(), path) && strstr(tp_error_detail(), what), "%s",
                  tp_error_detail());
    tp_writer *w = (tp_writer *)&d;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_ERR_IO);
    ck_assert_ptr_null(w);
    ck_assert_msg(strstr(tp_error_detail(), what), "%s", tp_error_detail());
}

/* A character device like /dev/null, made in a temporary directory (never under /dev),
 * so that a writer which renamed over it would harm nothing. */
START_TEST(test_writer_refuses_a_device_node_up_front_and_leaves_it_alone)
{
    if (geteuid() != 0)
        return; /* skipped: only root may create device nodes (mknod) */
    char *dir = make_temp_dir(), *node = path_in(dir, "null");
    ck_assert_int_eq(mknod(node, S_IFCHR | 0666, makedev(1, 3)), 0);
    expect_refused(node, "is a character device");
    struct stat st;
    ck_assert_int_eq(lstat(node, &st), 0);
    ck_assert(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
    ck_assert_int_eq(count_entries(dir), 1);
    remove_tree(dir);
    free(node);
    free(dir);
}
END_TEST

/* Refused without being opened: opening a FIFO for writing would block until a reader
 * came, so a writer that opened it would hang here until the test's timeout. */
START_TEST(test_writer_refuses_a_fifo_without_blocking)
{
    char *dir = make_temp_dir(), *fifo = path_in(dir, "pipe.tpk");
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    expect_refused(fifo, "is a FIFO");
    struct stat st;
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_int_eq(count_entries(dir), 1);
    remove_tree(dir);
    free(fifo);
    free(dir);
}
END_TEST

START_TEST(test_writer_refuses_a_directory_or_a_link_to_one_before_any_blob)
{
    char *dir = make_temp_dir(), *sub = path_in(dir, "world.tpk");
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    expect_refused(sub, "is a directory");
    /* A symbolic link is judged by what it leads to. */
    char *link = path_in(dir, "link.tpk");
    ck_assert_int_eq(symlink(sub, link), 0);
    expect_refused(link, "which is a directory");
    ck_assert_int_eq(count_entries(dir), 2);
    remove_tree(dir);
    free(link);
    free(sub);
    free(dir);
}
END_TEST

START_TEST(test_writer_writes_through_a_symlink_and_keeps_the_link)
{
    char *dir = make_temp_dir(), *other = make_temp_dir();
    char *target = path_in(other, "real.tpk"), *link = path_in(dir, "world.tpk");
    write_all(target, "old", 3);
    ck_assert_int_eq(symlink(target, link), 0);
    write_world(link, 17, 3, 9);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    char to[600];
    ssize_t n = readlink(link, to, sizeof to - 1);
    ck_assert(n > 0);
    to[n] = 0;
    ck_assert_str_eq(to, target);
    /* The target holds the new world; nothing else appeared in either directory. */
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(target, NULL, &r), TP_OK);
    verify_world(r, 17, 3);
    tp_reader_close(r);
    ck_assert_int_eq(count_entries(dir), 1);
    ck_assert_int_eq(count_entries(other), 1);
    /* A relative link whose target does not exist yet: the target is created. */
    char *rel = path_in(dir, "rel.tpk"), *made = path_in(dir, "made.tpk");
    ck_assert_int_eq(symlink("made.tpk", rel), 0);
    write_world(rel, 17, 3, 9);
    ck_assert_int_eq(lstat(rel, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(lstat(made, &st), 0);
    ck_assert(S_ISREG(st.st_mode));
    ck_assert_int_eq(count_entries(dir), 3);
    remove_tree(dir);
    remove_tree(other);
    free(made);
    free(rel);
    free(link);
    free(target);
    free(other);
    free(dir);
}
END_TEST

START_TEST(test_replaced_file_keeps_its_mode_and_as_root_its_owner)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    umask(022);
    write_all(path, "old", 3);
    ck_assert_int_eq(chmod(path, 0600), 0);
    int as_root = geteuid() == 0;
    if (as_root) /* only root may give a file away */
        ck_assert_int_eq(chown(path, 1234, 5678), 0);
    write_world(path, 17, 3, 9);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    if (as_root) {
        ck_assert_uint_eq(st.st_uid, 1234);
        ck_assert_uint_eq(st.st_gid, 5678);
    }
    ck_assert_uint_gt(st.st_size, 3);
    ck_assert_int_eq(count_entries(dir), 1);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_writer_refuses_a_name_too_long_for_its_temporary_up_front)
{
    char *dir = make_temp_dir();
    long name_max = pathconf(dir, _PC_NAME_MAX);
    ck_assert(name_max > 20 && name_max < 1000);
    /* Itself a valid name, but not once ".tmp-<pid>-<8 hex digits>" is added. */
    char name[1024];
    memset(name, 'n', (size_t)name_max - 4);
    name[name_max - 4] = 0;
    char path[1600];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_all(path, "old", 3); /* the name itself is allowed */
    expect_refused(path, strerror(ENAMETOOLONG));
    size_t size;
    uint8_t *data = read_all(path, &size);
    ck_assert(size == 3 && memcmp(data, "old", 3) == 0);
    free(data);
    ck_assert_int_eq(count_entries(dir), 1);
    remove_tree(dir);
    free(dir);
}
END_TEST

START_TEST(test_stale_temporaries_of_dead_processes_go_and_live_ones_stay)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    long dead = (long)dead_pid(), self = (long)getpid(), parent = (long)getppid();
    /* Left alone: temporaries of live processes (this one and its parent), another
     * output's, and names that only resemble the pattern. */
    static const struct {
        const char *output, *nonce;
        int whose; /* 0 this process, 1 its parent, 2 a dead one */
    } stay[] = {{"world.tpk", "0123abcd", 0}, {"world.tpk", "89abcdef", 1},
                {"other.tpk", "0123abcd", 2}, {"world.tpk", "0123abcd.bak", 2},
                {"world.tpk", "0123ABCD", 2}, {"world.tpk", "0123abc", 2}};
    const long pids[] = {self, parent, dead};
    char name[300];
    for (size_t i = 0; i < sizeof stay / sizeof stay[0]; i++) {
        snprintf(name, sizeof name, "%s.tmp-%ld-%s", stay[i].output, pids[stay[i].whose],
                 stay[i].nonce);
        char *p = path_in(dir, name);
        write_all(p, "live", 4);
        free(p);
    }
    /* Of a dead process, but not a regular file: a directory and a FIFO stay too. */
    snprintf(name, sizeof name, "world.tpk.tmp-%ld-00000001", dead);
    char *subdir = path_in(dir, name);
    ck_assert_int_eq(mkdir(subdir, 0755), 0);
    snprintf(name, sizeof name, "world.tpk.tmp-%ld-00000002", dead);
    char *fifo = path_in(dir, name);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    /* What a bake killed while writing leaves: goes. */
    snprintf(name, sizeof name, "world.tpk.tmp-%ld-0badf00d", dead);
    char *stale = path_in(dir, name);
    write_all(stale, "a partial page file", 19);

    int before = count_entries(dir);
    write_world(path, 17, 3, 9);
    ck_assert_int_eq(access(stale, F_OK), -1);
    ck_assert_int_eq(count_entries(dir), before); /* the stale one went, world.tpk came */
    for (size_t i = 0; i < sizeof stay / sizeof stay[0]; i++) {
        snprintf(name, sizeof name, "%s.tmp-%ld-%s", stay[i].output, pids[stay[i].whose],
                 stay[i].nonce);
        char *p = path_in(dir, name);
        ck_assert_msg(access(p, F_OK) == 0, "%s was removed", name);
        free(p);
    }
    ck_assert_int_eq(access(subdir, F_OK), 0);
    ck_assert_int_eq(access(fifo, F_OK), 0);
    remove_tree(dir);
    free(stale);
    free(fifo);
    free(subdir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_a_long_path_in_an_error_keeps_its_cause)
{
    char path[2048] = "/nonexistent-dir";
    while (strlen(path) < 1500)
        strcat(path, "/a-directory-that-is-not-there");
    strcat(path, "/world.tpk");
    tp_file_desc d = make_desc(17, 3);
    tp_writer *w = NULL;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_ERR_IO);
    const char *detail = tp_error_detail(), *cause = strerror(ENOENT);
    size_t n = strlen(detail);
    ck_assert_uint_lt(n, 512);
    ck_assert_msg(strncmp(detail, "/nonexistent-dir/a-directory", 28) == 0, "%s", detail);
    ck_assert_msg(n > strlen(cause) && strcmp(detail + n - strlen(cause), cause) == 0, "%s",
                  detail);
    ck_assert_ptr_nonnull(strstr(detail, "..."));
}
END_TEST

/* ---- I/O modes ---------------------------------------------------------------------- */

/* The read callback of these tests: pread on a descriptor of the file, failing on a
 * short read or once told to fail. Thread-safe, as the reader needs. */
typedef struct file_source {
    int fd;
    atomic_int fail;  /* non-zero: every read fails */
    atomic_long calls;
} file_source;

static int source_read(void *user, uint64_t offset, void *dst, size_t size)
{
    file_source *src = user;
    atomic_fetch_add(&src->calls, 1);
    if (atomic_load(&src->fail))
        return -1;
    uint8_t *p = dst;
    while (size > 0) {
        ssize_t n = pread(src->fd, p, size, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        p += n, size -= (size_t)n, offset += (uint64_t)n;
    }
    return 0;
}

typedef enum io_mode { MODE_MMAP, MODE_PREAD, MODE_CALLBACK, MODE_COUNT } io_mode;

/* Opens `path` in one of the reader's modes; for the callback mode `src` is set up over
 * the file (the caller closes src->fd after the reader). */
static tp_result open_in_mode(const char *path, io_mode mode, file_source *src,
                              tp_reader **out)
{
    tp_reader_options o = {0};
    if (mode == MODE_PREAD)
        o.flags = TP_READER_PREAD;
    if (mode == MODE_CALLBACK) {
        src->fd = open(path, O_RDONLY);
        ck_assert_int_ge(src->fd, 0);
        atomic_init(&src->fail, 0);
        atomic_init(&src->calls, 0);
        o.read = source_read;
        o.read_user = src;
    }
    return tp_reader_open(path, &o, out);
}

static void close_in_mode(tp_reader *r, io_mode mode, file_source *src)
{
    tp_reader_close(r);
    if (mode == MODE_CALLBACK)
        close(src->fd);
}

/* Writes `data` over the file at `offset` in place (same inode, as a careless tool would). */
static void overwrite_in_place(const char *path, uint64_t offset, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(pwrite(fd, data, size, (off_t)offset), (ssize_t)size);
    ck_assert_int_eq(close(fd), 0);
}

static void truncate_in_place(const char *path, uint64_t size)
{
    int fd = open(path, O_WRONLY);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
    ck_assert_int_eq(close(fd), 0);
}

START_TEST(test_pread_and_callback_modes_read_every_blob_as_mmap_does)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 33, 4, 9);
    tp_reader *r[MODE_COUNT];
    file_source src;
    for (int m = 0; m < MODE_COUNT; m++) {
        ck_assert_int_eq(open_in_mode(path, (io_mode)m, &src, &r[m]), TP_OK);
        verify_world(r[m], 33, 4); /* every blob and bounds record through decode */
    }
    ck_assert_int_eq(tp_reader_is_mapped(r[MODE_MMAP]), 1);
    ck_assert_int_eq(tp_reader_is_mapped(r[MODE_PREAD]), 0);
    ck_assert_int_eq(tp_reader_is_mapped(r[MODE_CALLBACK]), 0);
    ck_assert_int_gt(atomic_load(&src.calls), 0);

    /* And through load, with one scratch buffer sized for the largest stored blob. */
    const tp_file_desc *d = tp_reader_desc(r[MODE_PREAD]);
    ck_assert_int_eq(memcmp(d, tp_reader_desc(r[MODE_MMAP]), offsetof(tp_file_desc, params_blob)), 0);
    ck_assert_int_eq(memcmp(d->params_blob, k_params, sizeof k_params), 0);
    size_t max_raw = 33u * 33u * 2u;
    uint8_t *scratch = malloc(max_raw), *want = malloc(max_raw), *got = malloc(max_raw);
    int loaded = 0;
    for (uint32_t z = 0; z < REGION_H; z++)
        for (uint32_t x = 0; x < REGION_W; x++)
            for (uint32_t li = 0; li < d->layer_count; li++)
                for (uint32_t lod = 0; lod < d->layers[li].lod_count; lod++) {
                    int32_t cx = REGION_X0 + (int32_t)x, cz = REGION_Z0 + (int32_t)z;
                    tp_blob_ref ref[MODE_COUNT];
                    tp_result fr = tp_reader_find(r[MODE_MMAP], cx, cz, d->layers[li].layer_id,
                                                  lod, &ref[MODE_MMAP]);
                    for (int m = 1; m < MODE_COUNT; m++) {
                        ck_assert_int_eq(tp_reader_find(r[m], cx, cz, d->layers[li].layer_id,
                                                        lod, &ref[m]), fr);
                        if (fr == TP_OK)
                            ck_assert_int_eq(memcmp(&ref[m], &ref[MODE_MMAP], sizeof ref[m]), 0);
                    }
                    if (fr != TP_OK)
                        continue;
                    ck_assert_uint_le(ref[MODE_MMAP].stored_size, max_raw);
                    ck_assert_ptr_nonnull(tp_reader_blob_bytes(r[MODE_MMAP], &ref[MODE_MMAP]));
                    ck_assert_int_eq(tp_reader_load(r[MODE_MMAP], &ref[MODE_MMAP], want, max_raw,
                                                    NULL, 0), TP_OK);
                    for (int m = 1; m < MODE_COUNT; m++) {
                        ck_assert_ptr_null(tp_reader_blob_bytes(r[m], &ref[m]));
                        memset(got, 0xEE, max_raw);
                        ck_assert_int_eq(tp_reader_load(r[m], &ref[m], got, max_raw, scratch,
                                                        max_raw), TP_OK);
                        ck_assert_int_eq(memcmp(got, want, ref[m].raw_size), 0);
                        ck_assert_int_eq(tp_reader_verify_blob(r[m], &ref[m]), TP_OK);
                    }
                    loaded++;
                }
    ck_assert_int_eq(loaded, 5 * (2 * 4 + 2) - 2);
    for (int m = 0; m < MODE_COUNT; m++)
        close_in_mode(r[m], (io_mode)m, &src);

    /* Every directory block read at open, and the reference file, in both modes. */
    char golden[600];
    snprintf(golden, sizeof golden, "%s/pagefile/tiny-v1.0.tpk", TP_TEST_DATA_DIR);
    for (int m = MODE_PREAD; m < MODE_COUNT; m++) {
        tp_reader_options o = {.flags = TP_READER_VERIFY_DIRECTORY | TP_READER_PREAD};
        tp_reader *v = NULL;
        ck_assert_int_eq(tp_reader_open(path, &o, &v), TP_OK);
        verify_world(v, 33, 4);
        tp_reader_close(v);
        ck_assert_int_eq(open_in_mode(golden, (io_mode)m, &src, &v), TP_OK);
        check_tiny_content(v);
        close_in_mode(v, (io_mode)m, &src);
    }
    free(scratch);
    free(want);
    free(got);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_concurrent_first_touch_in_pread_mode_keeps_one_copy_of_each_block)
{
    /* Four threads race to read and publish the same directory blocks; the losers' copies
     * are freed (the sanitizer build checks for leaks) and every answer is right. */
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 17, 3, 9);
    for (int round = 0; round < 20; round++) {
        tp_reader *r = NULL;
        tp_reader_options o = {.flags = TP_READER_PREAD};
        ck_assert_int_eq(tp_reader_open(path, &o, &r), TP_OK);
        walk_on_four_threads(r);
        tp_reader_close(r);
    }
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_a_file_truncated_under_a_pread_reader_fails_with_errors_not_signals)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    for (int m = MODE_PREAD; m < MODE_COUNT; m++) {
        file_source src;
        tp_blob_ref ref;
        uint8_t out[17 * 17 * 2], scratch[17 * 17 * 2];

        /* Cut before any directory block was touched: lookups fail. */
        write_world(path, 17, 3, 9);
        tp_reader *r = NULL;
        ck_assert_int_eq(open_in_mode(path, (io_mode)m, &src, &r), TP_OK);
        truncate_in_place(path, 0);
        tp_result fr = tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref);
        ck_assert_int_eq(fr, m == MODE_PREAD ? TP_ERR_TRUNCATED : TP_ERR_IO);
        ck_assert_ptr_nonnull(strstr(tp_error_detail(), "world.tpk"));
        tp_chunk_bounds b;
        ck_assert_int_eq(tp_reader_chunk_bounds(r, 0, 2, &b), fr);
        const tp_file_desc *d = tp_reader_desc(r);
        for (uint32_t i = 0; i < REGION_W * REGION_H; i++) /* and again, for every slot */
            for (uint32_t li = 0; li < d->layer_count; li++)
                for (uint32_t lod = 0; lod < d->layers[li].lod_count; lod++)
                    ck_assert_int_eq(tp_reader_find(r, REGION_X0 + (int32_t)(i % REGION_W),
                                                    REGION_Z0 + (int32_t)(i / REGION_W),
                                                    d->layers[li].layer_id, lod, &ref),
                                     fr);
        close_in_mode(r, (io_mode)m, &src);

        /* Cut after the lookups: the directory answers from memory, the loads fail. */
        write_world(path, 17, 3, 9);
        ck_assert_int_eq(open_in_mode(path, (io_mode)m, &src, &r), TP_OK);
        ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
        ck_assert_int_eq(tp_reader_load(r, &ref, out, sizeof out, scratch, sizeof scratch), TP_OK);
        truncate_in_place(path, ref.offset + ref.stored_size / 2);
        ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
        tp_result lr = tp_reader_load(r, &ref, out, sizeof out, scratch, sizeof scratch);
        ck_assert_int_eq(lr, m == MODE_PREAD ? TP_ERR_TRUNCATED : TP_ERR_IO);
        ck_assert_int_eq(tp_reader_decode(r, &ref, out, sizeof out), lr);
        ck_assert_int_eq(tp_reader_verify_blob(r, &ref), lr);
        /* The file growing back with other bytes is caught by the checksum. */
        truncate_in_place(path, ref.offset + ref.stored_size);
        ck_assert_int_eq(tp_reader_load(r, &ref, out, sizeof out, scratch, sizeof scratch),
                         TP_ERR_CHECKSUM);
        close_in_mode(r, (io_mode)m, &src);
    }
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_a_failing_read_callback_gives_io_errors)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 17, 3, 9);
    file_source src;
    tp_reader *r = NULL;
    uint8_t out[17 * 17 * 2], scratch[17 * 17 * 2];
    tp_blob_ref ref;

    /* At open. */
    src.fd = open(path, O_RDONLY);
    atomic_init(&src.fail, 1);
    atomic_init(&src.calls, 0);
    tp_reader_options o = {.read = source_read, .read_user = &src};
    ck_assert_int_eq(tp_reader_open("callback.tpk", &o, &r), TP_ERR_IO);
    ck_assert_ptr_null(r);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "callback.tpk"));
    close(src.fd);

    /* At the first touch of a directory block (tried again once reads work), and at load. */
    ck_assert_int_eq(open_in_mode(path, MODE_CALLBACK, &src, &r), TP_OK);
    atomic_store(&src.fail, 1);
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref), TP_ERR_IO);
    atomic_store(&src.fail, 0);
    ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    atomic_store(&src.fail, 1);
    ck_assert_int_eq(tp_reader_load(r, &ref, out, sizeof out, scratch, sizeof scratch), TP_ERR_IO);
    ck_assert_int_eq(tp_reader_load_prefix(r, &ref, out, 4, scratch, sizeof scratch), TP_ERR_IO);
    ck_assert_int_eq(tp_reader_decode(r, &ref, out, sizeof out), TP_ERR_IO);
    ck_assert_int_eq(tp_reader_verify_blob(r, &ref), TP_ERR_IO);
    atomic_store(&src.fail, 0);
    ck_assert_int_eq(tp_reader_load(r, &ref, out, sizeof out, scratch, sizeof scratch), TP_OK);
    tp_reader_close(r);

    /* A file shorter than its header says: caught at open when the caller gives the size,
     * by the callback's failing read otherwise. */
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    truncate_in_place(path, (uint64_t)st.st_size - 1);
    o.file_size = (uint64_t)st.st_size - 1;
    atomic_store(&src.fail, 0);
    ck_assert_int_eq(tp_reader_open(path, &o, &r), TP_ERR_TRUNCATED);
    o.file_size = 0;
    ck_assert_int_eq(tp_reader_open(path, &o, &r), TP_OK);
    const tp_file_desc *d = tp_reader_desc(r);
    int cut = 0;
    for (uint32_t i = 0; i < REGION_W * REGION_H; i++)
        for (uint32_t li = 0; li < d->layer_count; li++)
            for (uint32_t lod = 0; lod < d->layers[li].lod_count; lod++) {
                if (tp_reader_find(r, REGION_X0 + (int32_t)(i % REGION_W),
                                   REGION_Z0 + (int32_t)(i / REGION_W), d->layers[li].layer_id,
                                   lod, &ref) != TP_OK)
                    continue;
                tp_result lr = tp_reader_load(r, &ref, out, sizeof out, scratch, sizeof scratch);
                int beyond = ref.offset + ref.stored_size > (uint64_t)st.st_size - 1;
                ck_assert_int_eq(lr, beyond ? TP_ERR_IO : TP_OK);
                cut += beyond;
            }
    ck_assert_int_eq(cut, 1); /* the last blob of the file */
    tp_reader_close(r);
    close(src.fd);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_load_refuses_a_scratch_or_output_smaller_than_the_blob)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 17, 3, 9);
    tp_reader *r = NULL;
    tp_reader_options o = {.flags = TP_READER_PREAD};
    ck_assert_int_eq(tp_reader_open(path, &o, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, -1, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    uint8_t *out = malloc(ref.raw_size), *scratch = malloc(ref.stored_size);
    ck_assert_int_eq(tp_reader_load(r, &ref, out, ref.raw_size, scratch, ref.stored_size - 1),
                     TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "scratch"));
    ck_assert_int_eq(tp_reader_load(r, &ref, out, ref.raw_size, NULL, 0), TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_int_eq(tp_reader_load(r, &ref, out, ref.raw_size - 1, scratch, ref.stored_size),
                     TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_int_eq(tp_reader_load(r, &ref, out, ref.raw_size, scratch, ref.stored_size), TP_OK);
    tp_reader_close(r);

    /* In place, the scratch is not needed. */
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    ck_assert_int_eq(tp_reader_load(r, &ref, out, ref.raw_size, NULL, 0), TP_OK);
    ck_assert_int_eq(tp_reader_load(r, &ref, out, ref.raw_size - 1, NULL, 0),
                     TP_ERR_BUFFER_TOO_SMALL);
    tp_reader_close(r);
    free(out);
    free(scratch);
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_a_blob_changed_in_the_file_after_find_fails_its_checksum_in_load)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    for (int m = MODE_PREAD; m < MODE_COUNT; m++) {
        write_world(path, 17, 3, 9);
        file_source src;
        tp_reader *r = NULL;
        ck_assert_int_eq(open_in_mode(path, (io_mode)m, &src, &r), TP_OK);
        tp_blob_ref ref;
        ck_assert_int_eq(tp_reader_find(r, 0, 3, TP_LAYER_BIOME, 1, &ref), TP_OK);
        uint8_t *out = malloc(ref.raw_size), *scratch = malloc(ref.stored_size);
        ck_assert_int_eq(tp_reader_load(r, &ref, out, ref.raw_size, scratch, ref.stored_size), TP_OK);
        uint8_t byte = scratch[ref.stored_size / 2] ^ 0x40;
        overwrite_in_place(path, ref.offset + ref.stored_size / 2, &byte, 1);
        ck_assert_int_eq(tp_reader_load(r, &ref, out, ref.raw_size, scratch, ref.stored_size),
                         TP_ERR_CHECKSUM);
        ck_assert_ptr_nonnull(strstr(tp_error_detail(), "checksum"));
        ck_assert_int_eq(tp_reader_load_prefix(r, &ref, out, 1, scratch, ref.stored_size),
                         TP_ERR_CHECKSUM);
        ck_assert_int_eq(tp_reader_decode(r, &ref, out, ref.raw_size), TP_ERR_CHECKSUM);
        ck_assert_int_eq(tp_reader_verify_blob(r, &ref), TP_ERR_CHECKSUM);
        free(out);
        free(scratch);
        close_in_mode(r, (io_mode)m, &src);
    }
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_load_prefix_checks_the_blob_and_decodes_its_first_bytes)
{
    char *dir = make_temp_dir(), *path = path_in(dir, "world.tpk");
    write_world(path, 17, 3, 9);
    for (int m = 0; m < MODE_COUNT; m++) {
        file_source src;
        tp_reader *r = NULL;
        ck_assert_int_eq(open_in_mode(path, (io_mode)m, &src, &r), TP_OK);
        uint8_t full[17 * 17], prefix[17 * 17], scratch[17 * 17 * 2];
        int seen[2] = {0, 0}; /* LZ4 and raw blobs */
        for (int32_t cx = REGION_X0; cx < REGION_X0 + (int32_t)REGION_W; cx++) {
            tp_blob_ref ref;
            if (tp_reader_find(r, cx, 3, TP_LAYER_BIOME, 0, &ref) != TP_OK)
                continue;
            ck_assert_int_eq(tp_reader_load(r, &ref, full, sizeof full, scratch, sizeof scratch), TP_OK);
            memset(prefix, 0xEE, sizeof prefix);
            ck_assert_int_eq(tp_reader_load_prefix(r, &ref, prefix, 32, scratch, sizeof scratch), TP_OK);
            ck_assert_int_eq(memcmp(prefix, full, 32), 0);
            ck_assert_uint_eq(prefix[32], 0xEE);
            ck_assert_int_eq(tp_reader_load_prefix(r, &ref, prefix, ref.raw_size + 1, scratch,
                                                   sizeof scratch), TP_ERR_INVALID_ARGUMENT);
            seen[ref.encoding == TP_ENCODING_RAW] = 1;
        }
        ck_assert(seen[0] && seen[1]);
        tp_blob_ref ref;
        ck_assert_int_eq(tp_reader_find(r, 0, 2, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
        ck_assert(ref.encoding == TP_ENCODING_PRED2D_LZ4 ||
                  ref.encoding == TP_ENCODING_SLOPE_BITPLANE_LZ4); /* smooth: filtered */
        ck_assert_int_eq(tp_reader_load_prefix(r, &ref, prefix, 4, scratch, sizeof scratch),
                         TP_ERR_UNSUPPORTED);
        close_in_mode(r, (io_mode)m, &src);
    }
    remove_tree(dir);
    free(path);
    free(dir);
}
END_TEST

START_TEST(test_reader_refuses_io_options_that_do_not_go_together)
{
    tp_reader *r = NULL;
    file_source src = {.fd = -1};
    tp_reader_options both = {.flags = TP_READER_PREAD, .read = source_read, .read_user = &src};
    ck_assert_int_eq(tp_reader_open("world.tpk", &both, &r), TP_ERR_INVALID_ARGUMENT);
    tp_reader_options size_alone = {.file_size = 4096};
    ck_assert_int_eq(tp_reader_open("world.tpk", &size_alone, &r), TP_ERR_INVALID_ARGUMENT);
    tp_reader_options reserved = {.reserved0 = 1};
    ck_assert_int_eq(tp_reader_open("world.tpk", &reserved, &r), TP_ERR_INVALID_ARGUMENT);
    tp_reader_options pread_missing = {.flags = TP_READER_PREAD};
    ck_assert_int_eq(tp_reader_open("/nonexistent/world.tpk", &pread_missing, &r), TP_ERR_IO);
    ck_assert_int_eq(tp_reader_open(TP_TEST_TMP_DIR, &pread_missing, &r), TP_ERR_IO);
    ck_assert_ptr_null(r);
}
END_TEST

/* Opens a path in one I/O mode in a guarded child: 0 when refused with TP_ERR_IO and a
 * detail that names what the path is. */
typedef struct refusal {
    const char *path, *kind;
    uint32_t flags;
} refusal;

static int open_is_refused(void *arg)
{
    const refusal *q = arg;
    tp_reader_options o = {.flags = q->flags};
    tp_reader *r = NULL;
    tp_result res = tp_reader_open(q->path, &o, &r);
    fprintf(stderr, "%s: %s\n", tp_result_string(res), tp_error_detail());
    return res == TP_ERR_IO && r == NULL && strstr(tp_error_detail(), q->path) &&
                   strstr(tp_error_detail(), q->kind) &&
                   strstr(tp_error_detail(), "not a regular file")
               ? 0
               : 1;
}

/* A FIFO nobody writes to would block an open() for ever; the reader opens without
 * blocking and refuses it (and directories, and devices) by what fstat() says, in both
 * of its file modes. The child that tries is killed if it blocks, failing the test. */
START_TEST(test_reader_refuses_a_fifo_or_directory_at_once_in_every_mode)
{
    char *dir = make_temp_dir(), *fifo = path_in(dir, "world.tpk");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    const refusal cases[] = {
        {fifo, "a FIFO", 0},
        {fifo, "a FIFO", TP_READER_PREAD},
        {fifo, "a FIFO", TP_READER_PREAD | TP_READER_VERIFY_DIRECTORY},
        {dir, "a directory", 0},
        {"/dev/null", "a character device", TP_READER_PREAD},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[2048];
        int status = guarded_call(open_is_refused, (void *)&cases[i], 30, out, sizeof out);
        ck_assert_msg(status == 0, "case %zu (%s): %s", i, cases[i].path, out);
    }
    remove_tree(dir);
    free(fifo);
    free(dir);
}
END_TEST

/* ---- names and shared rules --------------------------------------------------------- */

START_TEST(test_layers_element_types_and_encodings_have_names_and_unknown_ids_none)
{
    ck_assert_str_eq(tp_layer_name(TP_LAYER_HEIGHT), "height");
    ck_assert_str_eq(tp_layer_name(TP_LAYER_TEMPERATURE), "temperature");
    ck_assert_str_eq(tp_layer_name(TP_LAYER_PRECIPITATION), "precipitation");
    ck_assert_str_eq(tp_layer_name(TP_LAYER_BIOME), "biome");
    ck_assert_str_eq(tp_layer_name(TP_LAYER_MESH), "mesh");
    ck_assert_ptr_null(tp_layer_name(UNKNOWN_LAYER));
    ck_assert_ptr_null(tp_layer_name(UINT32_MAX));
    ck_assert_str_eq(tp_elem_type_name(TP_ELEM_U8), "u8");
    ck_assert_str_eq(tp_elem_type_name(TP_ELEM_U16), "u16");
    ck_assert_str_eq(tp_elem_type_name(TP_ELEM_I16), "i16");
    ck_assert_str_eq(tp_elem_type_name(TP_ELEM_BYTES), "bytes");
    ck_assert_ptr_null(tp_elem_type_name(0));
    ck_assert_ptr_null(tp_elem_type_name(5));
    ck_assert_str_eq(tp_encoding_name(TP_ENCODING_RAW), "raw");
    ck_assert_str_eq(tp_encoding_name(TP_ENCODING_LZ4), "lz4");
    ck_assert_str_eq(tp_encoding_name(TP_ENCODING_PRED2D_LZ4), "pred2d+lz4");
    ck_assert_str_eq(tp_encoding_name(TP_ENCODING_SLOPE_BITPLANE_LZ4), "slope+bitplane+lz4");
    ck_assert_ptr_null(tp_encoding_name(4));
    /* Every entry of each table has a distinct, non-empty name. */
    const char *names[] = {
#define NAME_OF_LAYER(name, value, text, minor) tp_layer_name(name),
        TP_LAYER_MAP(NAME_OF_LAYER)
#undef NAME_OF_LAYER
#define NAME_OF(name, value, text) text,
        TP_ELEM_TYPE_MAP(NAME_OF) TP_ENCODING_MAP(NAME_OF)
#undef NAME_OF
    };
    size_t n = sizeof names / sizeof names[0];
    ck_assert_uint_eq(n, 5 + 4 + 4);
    for (size_t i = 0; i < n; i++) {
        ck_assert(names[i] && names[i][0]);
        for (size_t j = 0; j < i; j++)
            ck_assert_str_ne(names[i], names[j]);
    }
}
END_TEST

START_TEST(test_grid_edges_must_be_a_power_of_two_plus_one)
{
    const uint32_t yes[] = {2, 3, 5, 9, 17, 129, 1025, TP_MAX_EDGE, 0x80000001u};
    const uint32_t no[] = {0, 1, 4, 6, 7, 10, 128, 130, 1024, TP_MAX_EDGE + 1, UINT32_MAX};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        ck_assert_msg(tp_is_pow2_plus_one(yes[i]), "%u", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ck_assert_msg(!tp_is_pow2_plus_one(no[i]), "%u", no[i]);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("pagefile");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_every_blob_and_bounds_record_reads_back_bit_for_bit);
    tcase_add_test(tc, test_fast_and_high_compression_levels_read_back);
    tcase_add_test(tc, test_find_outside_the_region_or_for_absent_data_is_not_found);
    tcase_add_test(tc, test_decode_into_a_small_buffer_is_refused);
    tcase_add_test(tc, test_concurrent_first_touch_of_directory_blocks_is_safe);
    tcase_add_test(tc, test_identical_calls_give_byte_identical_files);
    tcase_add_test(tc, test_blobs_touch_the_fewest_pages_and_coarse_lods_come_first);
    tcase_add_test(tc, test_header_of_a_tiny_file_matches_golden_bytes);
    tcase_add_test(tc, test_reader_reads_the_committed_v1_0_file);
    tcase_add_test(tc, test_reference_file_header_matches_its_golden_bytes);
    tcase_add_test(tc, test_reference_file_keeps_every_rule_of_the_format);
    tcase_add_test(tc, test_reader_reads_a_newer_minor_with_longer_records);
    tcase_add_test(tc, test_a_sparse_huge_region_costs_only_its_block_table);
    tcase_add_test(tc, test_tile_queries_name_the_stored_tiles_and_their_chunks);
    tcase_add_test(tc, test_reader_finds_blobs_beyond_4_gib);
    tcase_add_test(tc, test_written_file_gets_permissions_from_the_umask);
    tcase_add_test(tc, test_reader_rejects_the_file_truncated_at_every_length);
    tcase_add_test(tc, test_reader_rejects_truncated_directory);
    tcase_add_test(tc, test_reader_rejects_every_single_bit_flip_of_the_metadata);
    tcase_add_test(tc, test_reader_rejects_bit_flips_in_blob_data);
    tcase_add_test(tc, test_corrupt_directory_block_is_reported_at_find_or_at_open_when_asked);
    tcase_add_test(tc, test_reader_rejects_non_page_files);
    tcase_add_test(tc, test_reader_accepts_a_newer_minor_and_ignores_optional_flags);
    tcase_add_test(tc, test_reader_rejects_unknown_major_and_required_flags);
    tcase_add_test(tc, test_unknown_element_types_are_found_but_not_decoded);
    tcase_add_test(tc, test_reader_rejects_sealed_but_impossible_headers);
    tcase_add_test(tc, test_reader_rejects_sealed_directory_entries_that_lie);
    tcase_add_test(tc, test_writer_reports_an_unwritable_directory);
    tcase_add_test(tc, test_abort_leaves_the_previous_file_untouched_and_no_temporary);
    tcase_add_test(tc, test_failed_finish_leaves_the_previous_file_untouched_and_no_temporary);
    tcase_add_test(tc, test_writer_rejects_misuse_without_breaking_the_file);
    tcase_add_test(tc, test_writer_rejects_invalid_descriptions);
    tcase_add_test(tc, test_writer_refuses_a_device_node_up_front_and_leaves_it_alone);
    tcase_add_test(tc, test_writer_refuses_a_fifo_without_blocking);
    tcase_add_test(tc, test_writer_refuses_a_directory_or_a_link_to_one_before_any_blob);
    tcase_add_test(tc, test_writer_writes_through_a_symlink_and_keeps_the_link);
    tcase_add_test(tc, test_replaced_file_keeps_its_mode_and_as_root_its_owner);
    tcase_add_test(tc, test_writer_refuses_a_name_too_long_for_its_temporary_up_front);
    tcase_add_test(tc, test_stale_temporaries_of_dead_processes_go_and_live_ones_stay);
    tcase_add_test(tc, test_a_long_path_in_an_error_keeps_its_cause);
    tcase_add_test(tc, test_pread_and_callback_modes_read_every_blob_as_mmap_does);
    tcase_add_test(tc, test_concurrent_first_touch_in_pread_mode_keeps_one_copy_of_each_block);
    tcase_add_test(tc, test_a_file_truncated_under_a_pread_reader_fails_with_errors_not_signals);
    tcase_add_test(tc, test_a_failing_read_callback_gives_io_errors);
    tcase_add_test(tc, test_load_refuses_a_scratch_or_output_smaller_than_the_blob);
    tcase_add_test(tc, test_a_blob_changed_in_the_file_after_find_fails_its_checksum_in_load);
    tcase_add_test(tc, test_load_prefix_checks_the_blob_and_decodes_its_first_bytes);
    tcase_add_test(tc, test_reader_refuses_io_options_that_do_not_go_together);
    tcase_add_test(tc, test_reader_refuses_a_fifo_or_directory_at_once_in_every_mode);
    tcase_add_test(tc, test_layers_element_types_and_encodings_have_names_and_unknown_ids_none);
    tcase_add_test(tc, test_grid_edges_must_be_a_power_of_two_plus_one);
    suite_add_tcase(s, tc);
    return s;
}
