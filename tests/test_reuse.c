/* test_reuse.c — incremental bakes: a bake that copies the unchanged chunks of an earlier
 * one writes the very file a full bake writes (grown, shrunk and shifted regions, the
 * output path itself as the earlier bake), regenerates a chunk whose blob fails its
 * checksum, reuses nothing from a file of another world or compression level, refuses a
 * file that is not a page file; `terrapage bake --depfile` names the world file. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TP_TEST_SUITE "reuse"
#include "test_main.h"
#include "test_support.h"

#include "commands.h"
#include "terrapage/baker.h"
#include "terrapage/pagefile.h"

/* The earlier bake every test starts from: 20 × 18 chunks off the origin, with meshes. */
#define X0 (-6)
#define Z0 3
#define WIDTH 20u
#define HEIGHT 18u

static tp_bake_options world_bake(int32_t x0, int32_t z0, uint32_t width, uint32_t height)
{
    tp_bake_options o = {0};
    o.world.seed = 11;
    o.world.samples_per_edge = 17;
    o.region_x0 = x0;
    o.region_z0 = z0;
    o.region_width = width;
    o.region_height = height;
    o.threads = 1; /* no OpenMP pool left running into the forked tests */
    return o;
}

static char g_old[512];

static void bake_or_fail(const char *path, const tp_bake_options *o, tp_bake_stats *stats)
{
    ck_assert_msg(tp_bake(path, o, stats) == TP_OK, "%s: %s", path, tp_error_detail());
}

static void setup(void)
{
    tmp_path(g_old, sizeof g_old, "old.tpk");
    tp_bake_options o = world_bake(X0, Z0, WIDTH, HEIGHT);
    bake_or_fail(g_old, &o, NULL);
}

static void teardown(void)
{
    unlink(g_old);
}

/* Bakes `o` in full and with reuse of `old`; checks the two files are identical and
 * returns the incremental bake's stats. */
static tp_bake_stats bake_both(tp_bake_options o, const char *old)
{
    char full[512], inc[512];
    tmp_path(full, sizeof full, "full.tpk");
    tmp_path(inc, sizeof inc, "inc.tpk");
    tp_bake_stats stats;
    bake_or_fail(full, &o, &stats);
    ck_assert_uint_eq(stats.chunks_reused, 0);
    o.reuse_path = old;
    bake_or_fail(inc, &o, &stats);
    ck_assert_msg(files_identical(full, inc), "the incremental bake differs from the full one");
    unlink(full);
    unlink(inc);
    return stats;
}

/* Chunks both half-open regions hold. */
static uint64_t overlap(int32_t ax, int32_t az, uint32_t aw, uint32_t ah, int32_t bx, int32_t bz,
                        uint32_t bw, uint32_t bh)
{
    int64_t x0 = ax > bx ? ax : bx, z0 = az > bz ? az : bz;
    int64_t x1 = (int64_t)ax + aw < (int64_t)bx + bw ? (int64_t)ax + aw : (int64_t)bx + bw;
    int64_t z1 = (int64_t)az + ah < (int64_t)bz + bh ? (int64_t)az + ah : (int64_t)bz + bh;
    return x1 > x0 && z1 > z0 ? (uint64_t)((x1 - x0) * (z1 - z0)) : 0;
}

START_TEST(test_same_region_reuses_every_chunk)
{
    tp_bake_stats s = bake_both(world_bake(X0, Z0, WIDTH, HEIGHT), g_old);
    ck_assert_uint_eq(s.chunks_reused, (uint64_t)WIDTH * HEIGHT);
    ck_assert_uint_eq(s.chunks_rejected, 0);
    ck_assert_str_eq(s.reuse_note, "");
}
END_TEST

START_TEST(test_grown_shrunk_and_shifted_regions_reuse_the_overlap_byte_identically)
{
    static const int32_t regions[][4] = {
        {X0, Z0, WIDTH, HEIGHT + 1},          /* grown by one row */
        {X0 - 3, Z0 - 2, WIDTH + 7, HEIGHT + 5}, /* grown on every side */
        {X0 + 2, Z0 + 5, 9, 7},               /* shrunk inside */
        {X0 + 13, Z0 - 4, 16, 12},            /* shifted: part overlaps */
    };
    for (size_t i = 0; i < sizeof regions / sizeof regions[0]; i++) {
        const int32_t *r = regions[i];
        tp_bake_stats s = bake_both(world_bake(r[0], r[1], (uint32_t)r[2], (uint32_t)r[3]), g_old);
        uint64_t shared = overlap(r[0], r[1], (uint32_t)r[2], (uint32_t)r[3], X0, Z0, WIDTH, HEIGHT);
        ck_assert_uint_eq(s.chunks, (uint64_t)r[2] * (uint64_t)r[3]);
        ck_assert_msg(s.chunks_reused == shared, "region %zu: reused %llu of %llu shared", i,
                      (unsigned long long)s.chunks_reused, (unsigned long long)shared);
        ck_assert_uint_eq(s.chunks_rejected, 0);
    }
}
END_TEST

START_TEST(test_a_region_without_overlap_generates_everything)
{
    tp_bake_stats s = bake_both(world_bake(X0 + 100, Z0, 4, 4), g_old);
    ck_assert_uint_eq(s.chunks_reused, 0);
    ck_assert_ptr_nonnull(strstr(s.reuse_note, "does not overlap"));
}
END_TEST

START_TEST(test_another_world_level_or_layers_reuses_nothing)
{
    tp_bake_options seed = world_bake(X0, Z0, WIDTH, HEIGHT);
    seed.world.seed = 12;
    tp_bake_stats s = bake_both(seed, g_old);
    ck_assert_uint_eq(s.chunks_reused, 0);
    ck_assert_ptr_nonnull(strstr(s.reuse_note, "world parameters differ"));

    tp_bake_options level = world_bake(X0, Z0, WIDTH, HEIGHT);
    level.compression_level = 2;
    s = bake_both(level, g_old);
    ck_assert_uint_eq(s.chunks_reused, 0);
    ck_assert_ptr_nonnull(strstr(s.reuse_note, "compression level"));

    tp_bake_options meshes = world_bake(X0, Z0, WIDTH, HEIGHT);
    meshes.flags = TP_BAKE_NO_MESHES;
    s = bake_both(meshes, g_old);
    ck_assert_uint_eq(s.chunks_reused, 0);
    ck_assert_ptr_nonnull(strstr(s.reuse_note, "layers differ"));
}
END_TEST

START_TEST(test_a_corrupt_blob_is_regenerated_and_counted)
{
    /* Flip one byte inside the LOD-0 mesh blob of chunk (X0 + 5, Z0 + 7): a chunk none of
     * the level checks (corners and middle of the overlap) touches. */
    char bad[512];
    tmp_path(bad, sizeof bad, "bad.tpk");
    size_t size = 0;
    uint8_t *bytes = read_file(g_old, &size);
    ck_assert_ptr_nonnull(bytes);
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open_memory(bytes, size, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, X0 + 5, Z0 + 7, TP_LAYER_MESH, 0, &ref), TP_OK);
    tp_reader_close(r);
    bytes[ref.offset + ref.stored_size / 2] ^= 0x40;
    write_file(bad, bytes, size);
    free(bytes);

    tp_bake_stats s = bake_both(world_bake(X0, Z0, WIDTH, HEIGHT), bad);
    ck_assert_uint_eq(s.chunks_rejected, 1);
    ck_assert_uint_eq(s.chunks_reused, (uint64_t)WIDTH * HEIGHT - 1);
    unlink(bad);
}
END_TEST

START_TEST(test_a_corrupt_directory_block_regenerates_its_tile)
{
    /* The block table (its offset a u64 at byte 152) starts with tile 0's block_offset:
     * a byte flipped early in that block spoils tile 0, 16 × 16 chunks. */
    char bad[512];
    tmp_path(bad, sizeof bad, "baddir.tpk");
    size_t size = 0;
    uint8_t *bytes = read_file(g_old, &size);
    ck_assert_ptr_nonnull(bytes);
    uint64_t table = 0, directory = 0;
    for (int i = 7; i >= 0; i--)
        table = table << 8 | bytes[152 + i];
    ck_assert_uint_lt(table + 8, size);
    for (int i = 7; i >= 0; i--)
        directory = directory << 8 | bytes[table + (size_t)i];
    ck_assert_uint_lt(directory + 8, size);
    bytes[directory + 8] ^= 0x01;
    write_file(bad, bytes, size);
    free(bytes);

    tp_bake_stats s = bake_both(world_bake(X0, Z0, WIDTH, HEIGHT), bad);
    ck_assert_msg(s.chunks_rejected == 16u * 16u, "rejected %llu reused %llu: %s",
                  (unsigned long long)s.chunks_rejected, (unsigned long long)s.chunks_reused,
                  s.reuse_note);
    ck_assert_uint_eq(s.chunks_reused, (uint64_t)WIDTH * HEIGHT - 16u * 16u);
    unlink(bad);
}
END_TEST

START_TEST(test_the_output_itself_can_be_the_earlier_bake)
{
    char full[512], out[512];
    tmp_path(full, sizeof full, "grown.tpk");
    tmp_path(out, sizeof out, "inplace.tpk");
    tp_bake_options o = world_bake(X0, Z0, WIDTH, HEIGHT + 2);
    bake_or_fail(full, &o, NULL);
    size_t size = 0;
    uint8_t *bytes = read_file(g_old, &size);
    write_file(out, bytes, size);
    free(bytes);
    o.reuse_path = out;
    tp_bake_stats s;
    bake_or_fail(out, &o, &s);
    ck_assert_uint_eq(s.chunks_reused, (uint64_t)WIDTH * HEIGHT);
    ck_assert(files_identical(full, out));
    unlink(full);
    unlink(out);
}
END_TEST

START_TEST(test_a_missing_earlier_bake_is_a_full_bake_and_a_non_page_file_an_error)
{
    char missing[512], junk[512], out[512];
    tmp_path(missing, sizeof missing, "missing.tpk");
    tmp_path(junk, sizeof junk, "junk.tpk");
    tmp_path(out, sizeof out, "never.tpk");
    unlink(missing);
    tp_bake_stats s = bake_both(world_bake(X0, Z0, 4, 4), missing);
    ck_assert_uint_eq(s.chunks_reused, 0);
    ck_assert_ptr_nonnull(strstr(s.reuse_note, "does not exist"));

    write_file(junk, "not a page file\n", 16);
    tp_bake_options o = world_bake(X0, Z0, 4, 4);
    o.reuse_path = junk;
    unlink(out);
    ck_assert_int_eq(tp_bake(out, &o, NULL), TP_ERR_BAD_MAGIC);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "junk.tpk"));
    ck_assert_int_eq(access(out, F_OK), -1); /* nothing written */
    unlink(junk);
}
END_TEST

START_TEST(test_bake_command_reports_reuse_and_writes_a_depfile)
{
    char world[512], out[512], dep[512], old_copy[512];
    tmp_path(world, sizeof world, "dep world.yaml");
    tmp_path(out, sizeof out, "dep.tpk");
    tmp_path(dep, sizeof dep, "dep.tpk.d");
    tmp_path(old_copy, sizeof old_copy, "dep-old.tpk");
    ck_assert_int_eq(RUN(tpt_cmd_init, "init", world), 0);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "-q", "--world", world, "--region", "0,0,3,3",
                         "--samples", "17", "-o", out, "--depfile", dep),
                     0);
    /* "OUTPUT: WORLD", the space in the world file's name escaped for Make and Ninja. */
    char expect[1200];
    snprintf(expect, sizeof expect, "%s: %s\n", out, world);
    char *space = strstr(expect + strlen(out) + 2, "dep world");
    ck_assert_ptr_nonnull(space);
    memmove(space + 4, space + 3, strlen(space + 3) + 1);
    space[3] = '\\';
    space[4] = ' ';
    ck_assert_msg(file_equals(dep, expect, strlen(expect)), "depfile differs from: %s", expect);

    /* The same bake again, reusing the output: every chunk copied, and the JSON says so. */
    char json[4096];
    ck_assert_int_eq(RUN_CAPTURED(1, json, tpt_cmd_bake, "bake", "--json", "--world", world,
                                  "--region", "0,0,3,4", "--samples", "17", "-o", out,
                                  "--reuse", out),
                     0);
    ck_assert_msg(strstr(json, "\"chunks_reused\": 9") || strstr(json, "\"chunks_reused\":9"),
                  "%s", json);
    ck_assert_msg(strstr(json, "\"chunks_generated\": 3") ||
                      strstr(json, "\"chunks_generated\":3"), "%s", json);

    /* A depfile path that is a directory is refused before anything is baked. */
    char dir[512];
    make_tmp_dir(dir, sizeof dir, "depdir");
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "-q", "--region", "0,0,1,1", "--samples", "17",
                         "-o", old_copy, "--depfile", dir),
                     1);
    ck_assert_int_eq(access(old_copy, F_OK), -1);
    remove_tmp_dir(dir);
    unlink(world);
    unlink(out);
    unlink(dep);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("reuse");
    TCase *tc = tcase_create("reuse");
    tcase_set_timeout(tc, 600);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_same_region_reuses_every_chunk);
    tcase_add_test(tc, test_grown_shrunk_and_shifted_regions_reuse_the_overlap_byte_identically);
    tcase_add_test(tc, test_a_region_without_overlap_generates_everything);
    tcase_add_test(tc, test_another_world_level_or_layers_reuses_nothing);
    tcase_add_test(tc, test_a_corrupt_blob_is_regenerated_and_counted);
    tcase_add_test(tc, test_a_corrupt_directory_block_regenerates_its_tile);
    tcase_add_test(tc, test_the_output_itself_can_be_the_earlier_bake);
    tcase_add_test(tc, test_a_missing_earlier_bake_is_a_full_bake_and_a_non_page_file_an_error);
    tcase_add_test(tc, test_bake_command_reports_reuse_and_writes_a_depfile);
    suite_add_tcase(s, tc);
    return s;
}
