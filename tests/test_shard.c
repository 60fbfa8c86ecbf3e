/* test_shard.c — sharded bakes: the Morton walk and the shards' shares; shard files
 * merged in any order give the very file one bake writes; a merge refuses missing,
 * duplicated, mismatched and corrupt shards, naming the shard, with no output left; the
 * writer's streamed directory survives a caller that leaves a tile and comes back. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <xxhash.h>

#define TP_TEST_SUITE "shard"
#include "test_main.h"
#include "test_support.h"

#include "terrapage/baker.h"
#include "terrapage/merge.h"
#include "terrapage/pagefile.h"
#include "terrapage/shard.h"
#include "terrapage/writer.h"

/* The world every merge test bakes: 37 × 35 chunks (3 × 3 tiles, clipped on two sides),
 * off the origin, with meshes, so blobs of many sizes meet the page rule. */
#define X0 (-21)
#define Z0 7
#define WIDTH 37u
#define HEIGHT 35u
#define TILES 9u

static tp_bake_options world_bake(void)
{
    tp_bake_options o = {0};
    o.world.seed = 5;
    o.world.samples_per_edge = 17;
    o.region_x0 = X0;
    o.region_z0 = Z0;
    o.region_width = WIDTH;
    o.region_height = HEIGHT;
    o.threads = 1; /* no OpenMP pool left running into the forked tests */
    return o;
}

static char g_whole[512];    /* the region baked by one process */
static char g_shards[4][512]; /* the region baked as shards 0 … 3 of 4 */

static void bake_or_fail(const char *path, const tp_bake_options *o)
{
    ck_assert_msg(tp_bake(path, o, NULL) == TP_OK, "%s: %s", path, tp_error_detail());
}

static void bake_shard(const char *path, tp_bake_options o, uint32_t index, uint32_t count)
{
    o.shard_index = index;
    o.shard_count = count;
    bake_or_fail(path, &o);
}

static void setup(void)
{
    tp_bake_options o = world_bake();
    tmp_path(g_whole, sizeof g_whole, "whole.tpk");
    bake_or_fail(g_whole, &o);
    for (uint32_t i = 0; i < 4; i++) {
        char name[32];
        snprintf(name, sizeof name, "four.%u.tpk", i);
        tmp_path(g_shards[i], sizeof g_shards[i], name);
        bake_shard(g_shards[i], o, i, 4);
    }
}

static void teardown(void)
{
    unlink(g_whole);
    for (uint32_t i = 0; i < 4; i++)
        unlink(g_shards[i]);
}

/* Merges `n` paths into `out` and expects `expected`; on a failure, the detail must name
 * `culprit` and `problem`, and no file may be at `out`. */
static void merge_expect(const char *const *paths, size_t n, const char *out, tp_result expected,
                         const char *culprit, const char *problem)
{
    unlink(out);
    tp_result r = tp_merge(paths, n, out, NULL, NULL);
    ck_assert_msg(r == expected, "got %d (%s), wanted %d", r, tp_error_detail(), expected);
    if (expected == TP_OK)
        return;
    ck_assert_msg(!culprit || strstr(tp_error_detail(), culprit), "%s", tp_error_detail());
    ck_assert_msg(!problem || strstr(tp_error_detail(), problem), "%s", tp_error_detail());
    ck_assert_int_eq(access(out, F_OK), -1);
    char prefix[600];
    snprintf(prefix, sizeof prefix, "%s.", strrchr(out, '/') + 1);
    ck_assert_int_eq(count_entries(TP_TEST_TMP_DIR, prefix), 0); /* no temporary left */
}

/* A copy of shard `i` at a new path, for damaging. */
static void copy_shard(uint32_t i, const char *name, char *out, size_t out_size)
{
    size_t size;
    uint8_t *data = read_file(g_shards[i], &size);
    tmp_path(out, out_size, name);
    write_file(out, data, size);
    free(data);
}

/* ---- the order and the shares ------------------------------------------------------- */

START_TEST(test_morton_walk_visits_every_cell_once_in_ascending_key_order)
{
    static const uint32_t sizes[][2] = {{1, 1}, {3, 5}, {17, 2}, {1, 300}, {300, 1},
                                        {64, 64}, {100, 37}, {37, 35}};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        uint32_t w = sizes[s][0], h = sizes[s][1], x, z;
        tp_morton_walk walk;
        tp_morton_walk_init(&walk, w, h, 0, TP_MORTON_KEY_END);
        uint64_t count = 0, last = 0;
        while (tp_morton_walk_next(&walk, &x, &z)) {
            ck_assert(x < w && z < h);
            uint64_t key = tp_morton_key(x, z);
            ck_assert_msg(count == 0 || key > last, "%ux%u: key %llu after %llu", w, h,
                          (unsigned long long)key, (unsigned long long)last);
            last = key;
            count++;
        }
        /* Strictly rising keys inside the rectangle, as many as it has cells: each once. */
        ck_assert_uint_eq(count, (uint64_t)w * h);
    }
    ck_assert_uint_eq(tp_morton_key(5, 3), 27); /* FORMAT.md 5.5's example */
    /* A key range walks the cells whose keys lie in it, and only those. */
    tp_morton_walk walk;
    tp_morton_walk_init(&walk, 100, 37, 256, 1024);
    uint32_t x, z, count = 0;
    while (tp_morton_walk_next(&walk, &x, &z)) {
        uint64_t key = tp_morton_key(x, z);
        ck_assert(key >= 256 && key < 1024);
        count++;
    }
    ck_assert_uint_eq(count, 768); /* keys 256 … 1023 are cells (0 … 31, 16 … 31) etc. */
}
END_TEST

START_TEST(test_shard_shares_are_contiguous_whole_tiles_balanced_by_chunks)
{
    static const uint32_t cases[][3] = {{37, 35, 1}, {37, 35, 4}, {37, 35, 9}, {37, 35, 13},
                                        {1000, 3, 7}, {64, 64, 16}, {100, 37, 5}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        uint32_t w = cases[c][0], h = cases[c][1], n = cases[c][2];
        tp_shard_range *all = calloc(n, sizeof *all);
        ck_assert_int_eq(tp_shard_ranges(w, h, n, all), TP_OK);
        uint64_t chunks = 0, next_tile = 0, least = UINT64_MAX, most = 0, last_end = 0;
        for (uint32_t i = 0; i < n; i++) {
            tp_shard_range one;
            ck_assert_int_eq(tp_shard_range_of(w, h, i, n, &one), TP_OK);
            ck_assert(memcmp(&one, &all[i], sizeof one) == 0);
            chunks += all[i].chunk_count;
            least = all[i].chunk_count < least ? all[i].chunk_count : least;
            most = all[i].chunk_count > most ? all[i].chunk_count : most;
            if (all[i].tile_count == 0)
                continue;
            ck_assert_uint_eq(all[i].tile_begin, next_tile); /* contiguous, in order */
            ck_assert(all[i].key_begin >= last_end && all[i].key_end > all[i].key_begin);
            next_tile += all[i].tile_count;
            last_end = all[i].key_end;
            /* Its key range walks exactly its chunks. */
            tp_morton_walk walk;
            tp_morton_walk_init(&walk, w, h, all[i].key_begin, all[i].key_end);
            uint64_t walked = 0;
            uint32_t x, z;
            while (tp_morton_walk_next(&walk, &x, &z))
                walked++;
            ck_assert_uint_eq(walked, all[i].chunk_count);
        }
        ck_assert_uint_eq(chunks, (uint64_t)w * h);
        uint64_t tiles = (uint64_t)((w + 15) / 16) * ((h + 15) / 16);
        ck_assert_uint_eq(next_tile, tiles);
        /* Each share is within one tile (256 chunks) of C / n. */
        if (n <= tiles)
            ck_assert_msg(most - least < 512, "%ux%u / %u: %llu … %llu chunks", w, h, n,
                          (unsigned long long)least, (unsigned long long)most);
        free(all);
    }
    tp_shard_range r;
    ck_assert_int_eq(tp_shard_range_of(10, 10, 3, 3, &r), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_shard_range_of(10, 10, 0, 0, &r), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_shard_range_of(10, 10, 0, TP_SHARD_MAX_COUNT + 1, &r),
                     TP_ERR_INVALID_ARGUMENT);
}
END_TEST

/* ---- merging ------------------------------------------------------------------------- */

START_TEST(test_merged_shards_are_byte_identical_to_one_bake_for_any_count_and_order)
{
    static const uint32_t counts[] = {1, 2, 9, 13}; /* 13 > 9 tiles: some shards empty */
    tp_bake_options o = world_bake();
    o.threads = 2; /* in the test's own process: the whole bake used one */
    char out[512];
    tmp_path(out, sizeof out, "merged.tpk");
    for (size_t c = 0; c < sizeof counts / sizeof counts[0]; c++) {
        uint32_t n = counts[c];
        char (*paths)[512] = calloc(n, sizeof *paths);
        const char **given = calloc(n, sizeof *given);
        for (uint32_t i = 0; i < n; i++) {
            char name[32];
            snprintf(name, sizeof name, "n%u.%u.tpk", n, i);
            tmp_path(paths[i], sizeof paths[i], name);
            bake_shard(paths[i], o, i, n);
            given[(i * 7 + 3) % n] = paths[i]; /* a scrambled order (7 is prime to n) */
        }
        tp_merge_stats stats;
        ck_assert_msg(tp_merge(given, n, out, NULL, &stats) == TP_OK, "%s", tp_error_detail());
        ck_assert_msg(files_identical(out, g_whole), "%u shards", n);
        ck_assert_uint_eq(stats.shards, n);
        ck_assert_uint_eq(stats.chunks, WIDTH * HEIGHT);
        for (uint32_t i = 0; i < n; i++)
            unlink(paths[i]);
        free(given);
        free(paths);
    }
    /* The four shards of the fixture, given backwards, without reading every blob. */
    const char *backwards[] = {g_shards[3], g_shards[2], g_shards[1], g_shards[0]};
    tp_merge_options fast = {.flags = TP_MERGE_NO_BLOB_CHECK};
    ck_assert_int_eq(tp_merge(backwards, 4, out, &fast, NULL), TP_OK);
    ck_assert(files_identical(out, g_whole));
    unlink(out);
}
END_TEST

START_TEST(test_a_shard_file_is_a_readable_page_file_of_its_share)
{
    tp_reader *r;
    ck_assert_int_eq(tp_reader_open(g_shards[1], NULL, &r), TP_OK);
    const tp_file_desc *d = tp_reader_desc(r);
    ck_assert_uint_eq(d->shard_count, 4);
    ck_assert_uint_eq(d->shard_index, 1);
    ck_assert_int_eq(d->shard_level, TP_DEFAULT_COMPRESSION_LEVEL);
    ck_assert_uint_eq(d->version_minor, 2);
    ck_assert_uint_eq(d->region_width, WIDTH); /* it declares the whole region */
    tp_shard_range share;
    ck_assert_int_eq(tp_shard_range_of(WIDTH, HEIGHT, 1, 4, &share), TP_OK);
    tp_tile_grid grid;
    tp_reader_tile_grid(r, &grid);
    ck_assert_uint_eq(grid.present_count, share.tile_count);
    tp_reader_close(r);
    /* The whole bake is no shard, and stays a 1.1 file (meshes). */
    ck_assert_int_eq(tp_reader_open(g_whole, NULL, &r), TP_OK);
    ck_assert_uint_eq(tp_reader_desc(r)->shard_count, 0);
    ck_assert_uint_eq(tp_reader_desc(r)->version_minor, 1);
    tp_reader_close(r);
}
END_TEST

START_TEST(test_merge_refuses_a_missing_or_duplicated_shard)
{
    char out[512];
    tmp_path(out, sizeof out, "refused.tpk");
    const char *three[] = {g_shards[0], g_shards[1], g_shards[3]};
    merge_expect(three, 3, out, TP_ERR_INVALID_ARGUMENT, "shard 2 of 4", "missing");
    const char *twice[] = {g_shards[0], g_shards[1], g_shards[2], g_shards[3], g_shards[1]};
    merge_expect(twice, 5, out, TP_ERR_INVALID_ARGUMENT, g_shards[1], "given twice");
    /* A shard given twice instead of another: still one missing, one twice. */
    const char *swap[] = {g_shards[0], g_shards[1], g_shards[1], g_shards[3]};
    merge_expect(swap, 4, out, TP_ERR_INVALID_ARGUMENT, "shard 1 of 4", "given twice");
    /* A whole page file is no shard. */
    const char *whole[] = {g_shards[0], g_whole};
    merge_expect(whole, 2, out, TP_ERR_INVALID_ARGUMENT, g_whole, "not a shard");
}
END_TEST

/* Shard 2 of 4 of another bake, in place of the fixture's shard 2. */
static void expect_mismatch(tp_bake_options o, const char *name, const char *problem)
{
    char odd[512], out[512];
    tmp_path(odd, sizeof odd, name);
    tmp_path(out, sizeof out, "mismatch.tpk");
    bake_shard(odd, o, 2, 4);
    const char *paths[] = {g_shards[0], g_shards[1], odd, g_shards[3]};
    merge_expect(paths, 4, out, TP_ERR_INVALID_ARGUMENT, odd, problem);
    unlink(odd);
}

START_TEST(test_merge_refuses_shards_of_another_bake)
{
    tp_bake_options o = world_bake();
    o.world.seed = 6;
    expect_mismatch(o, "seed.tpk", "seed");
    o = world_bake();
    o.world.relief_m = 1000.0; /* the same seed, another world */
    expect_mismatch(o, "params.tpk", "parameter");
    o = world_bake();
    o.world.samples_per_edge = 9;
    expect_mismatch(o, "samples.tpk", "does not belong");
    o = world_bake();
    o.region_x0 += 1;
    expect_mismatch(o, "region.tpk", "region starts at");
    o = world_bake();
    o.region_width += 16;
    expect_mismatch(o, "width.tpk", "region width");
    o = world_bake();
    o.compression_level = 3;
    expect_mismatch(o, "level.tpk", "compressed at level 3");
    o = world_bake();
    o.flags = TP_BAKE_NO_MESHES;
    expect_mismatch(o, "nomesh.tpk", "does not belong");

    /* Another format minor (the header resealed, so only the version differs). */
    char odd[512], out[512];
    copy_shard(2, "minor.tpk", odd, sizeof odd);
    size_t size;
    uint8_t *data = read_file(odd, &size);
    data[10] = 3;
    uint32_t header_size = (uint32_t)data[12] | (uint32_t)data[13] << 8 |
                           (uint32_t)data[14] << 16 | (uint32_t)data[15] << 24;
    uint64_t sum = XXH3_64bits(data, header_size - 8);
    for (int b = 0; b < 8; b++)
        data[header_size - 8 + b] = (uint8_t)(sum >> (8 * b));
    write_file(odd, data, size);
    free(data);
    tmp_path(out, sizeof out, "mismatch.tpk");
    const char *paths[] = {g_shards[0], g_shards[1], odd, g_shards[3]};
    merge_expect(paths, 4, out, TP_ERR_INVALID_ARGUMENT, odd, "format minor version");
    unlink(odd);
}
END_TEST

/* A damaged copy of shard 1 in place of it: the merge fails with `expected`, naming it;
 * a file already at the output stays as it was. */
static void expect_corrupt(const char *name, long at, int truncate_instead, tp_result expected)
{
    char bad[512], out[512];
    copy_shard(1, name, bad, sizeof bad);
    size_t size;
    uint8_t *data = read_file(bad, &size);
    size_t where = at < 0 ? size + (size_t)at : (size_t)at;
    if (truncate_instead)
        size = where;
    else
        data[where] ^= 0x40;
    write_file(bad, data, size);
    free(data);
    tmp_path(out, sizeof out, "kept.tpk");
    write_file(out, "previous", 8);
    const char *paths[] = {g_shards[0], bad, g_shards[2], g_shards[3]};
    tp_result r = tp_merge(paths, 4, out, NULL, NULL);
    ck_assert_msg(r == expected, "%s: got %d (%s)", name, r, tp_error_detail());
    ck_assert_msg(strstr(tp_error_detail(), bad), "%s", tp_error_detail());
    ck_assert(file_equals(out, "previous", 8));
    unlink(out);
    unlink(bad);
}

START_TEST(test_merge_refuses_a_corrupt_shard_naming_it_and_writes_nothing)
{
    tp_reader *r;
    ck_assert_int_eq(tp_reader_open(g_shards[1], NULL, &r), TP_OK);
    uint64_t lod0, lod0_size, header = 0;
    ck_assert_int_eq(tp_reader_lod_section(r, 0, &lod0, &lod0_size), TP_OK);
    tp_tile_grid grid;
    tp_reader_tile_grid(r, &grid);
    tp_tile_info tile;
    uint64_t first_tile = 0;
    while (tp_reader_tile(r, first_tile, &tile) != TP_OK)
        first_tile++;
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, tile.cx0, tile.cz0, TP_LAYER_HEIGHT, 0, &ref), TP_OK);
    tp_reader_close(r);
    (void)header;
    expect_corrupt("blob.tpk", (long)(ref.offset + ref.stored_size / 2), 0, TP_ERR_CHECKSUM);
    expect_corrupt("header.tpk", 40, 0, TP_ERR_CHECKSUM);
    expect_corrupt("truncated.tpk", -100, 1, TP_ERR_TRUNCATED);
    /* A byte inside the first directory block (the block table is at the header's end;
     * its first non-zero offset is a block's). */
    size_t size;
    uint8_t *data = read_file(g_shards[1], &size);
    uint64_t table = (uint64_t)data[12] | (uint64_t)data[13] << 8, block = 0;
    for (uint64_t t = 0; t < grid.tile_count && block == 0; t++)
        for (int b = 7; b >= 0; b--)
            block = block << 8 | data[table + 16 * t + (uint64_t)b];
    free(data);
    ck_assert(block > table);
    expect_corrupt("directory.tpk", (long)block + 100, 0, TP_ERR_CHECKSUM);
}
END_TEST

/* ---- the writer ------------------------------------------------------------------- */

static tp_file_desc tiny_desc(uint32_t width, uint32_t height)
{
    tp_file_desc d = {0};
    d.seed = 1;
    d.region_width = width;
    d.region_height = height;
    d.chunk_size_m = 1.0;
    d.samples_per_edge = 2;
    d.lod_count = 1;
    d.height_step_m = 1.0;
    d.layer_count = 1;
    d.layers[0] = (tp_layer_desc){TP_LAYER_HEIGHT, TP_ELEM_U16, 1, 2, TP_ENCODING_RAW, {0}};
    return d;
}

START_TEST(test_writer_keeps_a_tile_it_leaves_and_comes_back_to)
{
    char path[512];
    tmp_path(path, sizeof path, "revisit.tpk");
    tp_file_desc d = tiny_desc(40, 20); /* 3 × 2 tiles */
    tp_writer *w;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    /* Chunks in an order that leaves every tile and returns to it. */
    static const int32_t order[][2] = {{0, 0}, {39, 19}, {17, 0}, {1, 0}, {39, 0}, {0, 19},
                                       {16, 16}, {2, 3}, {38, 19}};
    size_t n = sizeof order / sizeof order[0];
    for (size_t i = 0; i < n; i++) {
        uint16_t grid[4] = {(uint16_t)i, (uint16_t)(i + 1), (uint16_t)(i + 2), 7};
        ck_assert_int_eq(tp_writer_add_blob(w, order[i][0], order[i][1], TP_LAYER_HEIGHT, 0,
                                            TP_ENCODING_RAW, grid, sizeof grid, sizeof grid, 0),
                         TP_OK);
        tp_chunk_bounds b = {(uint16_t)i, 7, 0};
        ck_assert_int_eq(tp_writer_set_chunk_bounds(w, order[i][0], order[i][1], &b), TP_OK);
    }
    /* A slot added twice is still seen after its tile was left. */
    uint16_t again[4] = {0};
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 0, TP_LAYER_HEIGHT, 0, TP_ENCODING_RAW, again,
                                        sizeof again, sizeof again, 0),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_msg(tp_writer_finish(w) == TP_OK, "%s", tp_error_detail());

    tp_reader *r;
    tp_reader_options verify = {.flags = TP_READER_VERIFY_DIRECTORY};
    ck_assert_msg(tp_reader_open(path, &verify, &r) == TP_OK, "%s", tp_error_detail());
    for (size_t i = 0; i < n; i++) {
        tp_blob_ref ref;
        ck_assert_int_eq(tp_reader_find(r, order[i][0], order[i][1], TP_LAYER_HEIGHT, 0, &ref),
                         TP_OK);
        uint16_t grid[4];
        ck_assert_int_eq(tp_reader_decode(r, &ref, grid, sizeof grid), TP_OK);
        ck_assert_uint_eq(grid[0], i);
        tp_chunk_bounds b;
        ck_assert_int_eq(tp_reader_chunk_bounds(r, order[i][0], order[i][1], &b), TP_OK);
        ck_assert_uint_eq(b.height_min_code, i);
    }
    tp_tile_grid grid;
    tp_reader_tile_grid(r, &grid);
    ck_assert_uint_eq(grid.present_count, 6);
    tp_blob_ref none;
    ck_assert_int_eq(tp_reader_find(r, 20, 19, TP_LAYER_HEIGHT, 0, &none), TP_ERR_NOT_FOUND);
    tp_reader_close(r);
    unlink(path);
}
END_TEST

START_TEST(test_shard_writer_refuses_chunks_outside_its_share)
{
    char path[512];
    tmp_path(path, sizeof path, "share.tpk");
    tp_file_desc d = tiny_desc(40, 20);
    d.shard_count = 2;
    d.shard_index = 1;
    tp_shard_range share;
    ck_assert_int_eq(tp_shard_range_of(40, 20, 1, 2, &share), TP_OK);
    tp_writer *w;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_OK);
    uint16_t grid[4] = {1, 2, 3, 4};
    /* (0, 0) has key 0: always shard 0's. */
    ck_assert_int_eq(tp_writer_add_blob(w, 0, 0, TP_LAYER_HEIGHT, 0, TP_ENCODING_RAW, grid,
                                        sizeof grid, sizeof grid, 0),
                     TP_ERR_OUT_OF_RANGE);
    ck_assert_msg(strstr(tp_error_detail(), "not in shard 1 of 2"), "%s", tp_error_detail());
    tp_writer_abort(w);
    d.shard_index = 2;
    ck_assert_int_eq(tp_writer_create(path, &d, &w), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("shard");
    TCase *tc = tcase_create("shard");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_morton_walk_visits_every_cell_once_in_ascending_key_order);
    tcase_add_test(tc, test_shard_shares_are_contiguous_whole_tiles_balanced_by_chunks);
    tcase_add_test(tc, test_merged_shards_are_byte_identical_to_one_bake_for_any_count_and_order);
    tcase_add_test(tc, test_a_shard_file_is_a_readable_page_file_of_its_share);
    tcase_add_test(tc, test_merge_refuses_a_missing_or_duplicated_shard);
    tcase_add_test(tc, test_merge_refuses_shards_of_another_bake);
    tcase_add_test(tc, test_merge_refuses_a_corrupt_shard_naming_it_and_writes_nothing);
    tcase_add_test(tc, test_writer_keeps_a_tile_it_leaves_and_comes_back_to);
    tcase_add_test(tc, test_shard_writer_refuses_chunks_outside_its_share);
    suite_add_tcase(s, tc);
    return s;
}
