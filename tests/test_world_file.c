/* test_world_file.c — world files: `terrapage init`, the parser's answers to good and bad
 * files, --world on bake, preview, export and soak, and the round trip through
 * `terrapage info --world`. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TP_TEST_SUITE "world_file"
#include "test_main.h"
#include "test_support.h"

#include "commands.h"
#include "soak.h"
#include "world_file.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

/* ---- helpers ----------------------------------------------------------------------- */

/* Parses `text`; on failure the message is in err. */
static bool parse(const char *text, tpt_world_file *out, char *err, size_t err_size)
{
    return tpt_world_file_parse(text, strlen(text), "w.yaml", out, err, err_size);
}

/* Asserts that `text` is refused with a message containing every one of `parts`. */
#define EXPECT_REFUSED(text, ...) expect_refused(text, (const char *[]){__VA_ARGS__, NULL})

static void expect_refused(const char *text, const char **parts)
{
    tpt_world_file wf, before;
    tpt_world_file_defaults(&wf);
    wf.world.seed = 12345; /* a sentinel: a refused parse leaves *out alone */
    before = wf;
    char err[1024];
    ck_assert_msg(!parse(text, &wf, err, sizeof err), "accepted:\n%s", text);
    ck_assert(memcmp(&wf, &before, sizeof wf) == 0);
    for (const char **p = parts; *p; p++)
        ck_assert_msg(strstr(err, *p), "\"%s\" not in the message for\n%s\n-> %s", *p, text,
                      err);
}

static void write_text(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

/* ---- the library's limits ---------------------------------------------------------- */

START_TEST(test_resolve_accepts_each_published_limit_and_refuses_just_beyond_it)
{
    /* The limits world.h publishes are the ones resolve applies: the parser quotes them. */
    static const struct {
        size_t offset;
        double min, max;
    } fields[] = {
#define TP__FIELD(field, def, lo, hi) {offsetof(tp_world_params, field), lo, hi},
        TP_WORLD_REAL_PARAM_MAP(TP__FIELD)
#undef TP__FIELD
    };
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++) {
        const double tries[4] = {fields[i].min, fields[i].max,
                                 fields[i].min - fabs(fields[i].min) * 0.01 - 0.01,
                                 fields[i].max + fabs(fields[i].max) * 0.01 + 0.01};
        for (int t = 0; t < 4; t++) {
            tp_world_params w = {0}, out;
            memcpy((char *)&w + fields[i].offset, &tries[t], sizeof(double));
            tp_result res = tp_world_params_resolve(&w, &out);
            /* 0 selects the default, so a limit of exactly 0 is not a test of the range. */
            if (tries[t] == 0.0)
                continue;
            ck_assert_msg((res == TP_OK) == (t < 2), "field %zu value %g: %s", i, tries[t],
                          tp_result_string(res));
        }
    }
    tp_world_params w = {.samples_per_edge = TP_WORLD_MAX_SAMPLES_PER_EDGE}, out;
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_OK);
    w.samples_per_edge = (TP_WORLD_MAX_SAMPLES_PER_EDGE - 1) * 2 + 1;
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_ERR_INVALID_ARGUMENT);
    w.samples_per_edge = (TP_WORLD_MIN_SAMPLES_PER_EDGE - 1) / 2 + 1;
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_ERR_INVALID_ARGUMENT);
}
END_TEST

/* ---- parsing ----------------------------------------------------------------------- */

START_TEST(test_every_key_is_read_into_the_world_and_the_bake)
{
    const char *text = "terrapage_world: 1\n"
                       "world:\n"
                       "  seed: 0x10\n"
                       "  samples_per_edge: 33\n"
                       "  chunk_size_m: 128.5\n"
                       "  sea_level_m: -12.25\n"
                       "  feature_scale: 0.7\n"
                       "  relief_m: 1800\n"
                       "  ocean_depth_m: 400\n"
                       "  temperature_origin_c: -3\n"
                       "  temperature_gradient_c_per_km: 0.25\n"
                       "  precipitation_mm: 900\n"
                       "bake:\n"
                       "  region_chunks: {x0: -3, z0: 2, x1: 1, z1: 5}\n"
                       "  meshes: false\n"
                       "  compression_level: -4\n";
    tpt_world_file wf;
    char err[1024];
    ck_assert_msg(parse(text, &wf, err, sizeof err), "%s", err);
    ck_assert_uint_eq(wf.world.seed, 16);
    ck_assert_uint_eq(wf.world.samples_per_edge, 33);
    ck_assert(wf.world.chunk_size_m == 128.5);
    ck_assert(wf.world.sea_level_m == -12.25);
    ck_assert(wf.world.feature_scale == 0.7);
    ck_assert(wf.world.relief_m == 1800.0);
    ck_assert(wf.world.ocean_depth_m == 400.0);
    ck_assert(wf.world.temperature_origin_c == -3.0);
    ck_assert(wf.world.temperature_gradient_c_per_km == 0.25);
    ck_assert(wf.world.precipitation_mm == 900.0);
    ck_assert_int_eq(wf.region.x0, -3);
    ck_assert_int_eq(wf.region.z0, 2);
    ck_assert_int_eq(wf.region.x1, 1);
    ck_assert_int_eq(wf.region.z1, 5);
    ck_assert(!wf.meshes);
    ck_assert_int_eq(wf.compression_level, -4);

    /* Keys left out take their defaults: a file may hold only what it changes. */
    ck_assert_msg(parse("world:\n  seed: 7\n", &wf, err, sizeof err), "%s", err);
    tpt_world_file defaults;
    tpt_world_file_defaults(&defaults);
    defaults.world.seed = 7;
    ck_assert(memcmp(&wf, &defaults, sizeof wf) == 0);
}
END_TEST

START_TEST(test_written_files_parse_back_to_exactly_the_same_world)
{
    tpt_world_file worlds[2];
    tpt_world_file_defaults(&worlds[0]);
    tpt_world_file_defaults(&worlds[1]);
    /* Values with no short decimal form must come back to the last bit. */
    worlds[1].world.seed = UINT64_MAX;
    worlds[1].world.feature_scale = 1.0 / 3.0;
    worlds[1].world.sea_level_m = -0.1;
    worlds[1].world.relief_m = 2399.9999999999995;
    worlds[1].world.temperature_gradient_c_per_km = -1e-7;
    worlds[1].region = (tpt_region){INT32_MIN, -5, INT32_MIN + 3, 9};
    worlds[1].meshes = false;
    worlds[1].compression_level = -64;
    for (int i = 0; i < 2; i++) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);
        ck_assert(f != NULL);
        ck_assert(tpt_world_file_write(f, &worlds[i], i ? "x.tpk" : NULL));
        fclose(f);
        tpt_world_file back;
        char err[1024];
        ck_assert_msg(tpt_world_file_parse(text, size, "w.yaml", &back, err, sizeof err),
                      "%s\n%s", err, text);
        ck_assert_msg(memcmp(&back, &worlds[i], sizeof back) == 0, "%s", text);
        /* Every key is documented in the file, with its range. */
        ck_assert(strstr(text, "relief_m: ") && strstr(text, "1 to 2400"));
        free(text);
    }
}
END_TEST

START_TEST(test_errors_name_the_file_line_column_and_key)
{
    EXPECT_REFUSED("world:\n  relif_m: 100\n", "w.yaml:2:3: ", "unknown key \"relif_m\"",
                   "did you mean 'relief_m'?");
    EXPECT_REFUSED("world:\n  seed: 1\n  meshes: false\n", "w.yaml:3:3: ",
                   "did you mean 'bake.meshes'");
    EXPECT_REFUSED("seed: 4\n", "w.yaml:1:1: ", "did you mean 'world.seed'");
    EXPECT_REFUSED("wrold:\n  seed: 4\n", "w.yaml:1:1: ", "did you mean 'world'");
    EXPECT_REFUSED("colour: blue\n", "w.yaml:1:1: ", "unknown key \"colour\"",
                   "terrapage_world, world, bake");
    EXPECT_REFUSED("bake:\n  region_chunks: {x0: 0, z0: 0, x1: 2, y1: 2}\n", "w.yaml:2:40: ",
                   "bake.region_chunks", "unknown key \"y1\"");
}
END_TEST

START_TEST(test_values_out_of_range_say_the_allowed_range)
{
    EXPECT_REFUSED("world:\n  relief_m: 3000\n", "w.yaml:2:13: ", "world.relief_m: ",
                   "3000 is out of range (1 to 2400)");
    EXPECT_REFUSED("world:\n  sea_level_m: -501\n", "world.sea_level_m", "(-500 to 500)");
    EXPECT_REFUSED("world:\n  chunk_size_m: 0\n", "world.chunk_size_m", "(1 to 65536)");
    EXPECT_REFUSED("world:\n  samples_per_edge: 2049\n", "world.samples_per_edge",
                   "(9 to 1025)");
    EXPECT_REFUSED("world:\n  samples_per_edge: 100\n", "w.yaml:2:21: ", "not 2^n + 1");
    EXPECT_REFUSED("bake:\n  compression_level: 13\n", "bake.compression_level",
                   "(-64 to 12)");
    EXPECT_REFUSED("bake:\n  region_chunks: {x0: 4, z0: 0, x1: 4, z1: 1}\n", "w.yaml:2:18: ",
                   "empty region");
    EXPECT_REFUSED("bake:\n  region_chunks: {x0: 0, z0: 0, x1: 2}\n", "missing z1");
    EXPECT_REFUSED("bake:\n  region_chunks: {x0: 0, z0: 0, x1: 2147483649, z1: 1}\n",
                   "bake.region_chunks.x1", "out of range");
    /* A 0 that the parameters would read as "the default" is refused, not changed. */
    EXPECT_REFUSED("world:\n  temperature_origin_c: 0\n", "world.temperature_origin_c",
                   "default (14)");
    EXPECT_REFUSED("world:\n  seed: 0\n", "world.seed", "default (42)");
    EXPECT_REFUSED("terrapage_world: 2\n", "w.yaml:1:18: ", "newer than this terrapage");
}
END_TEST

START_TEST(test_wrong_types_say_the_expected_type)
{
    EXPECT_REFUSED("world:\n  seed: \"42\"\n", "w.yaml:2:9: ", "world.seed: ",
                   "the quoted string \"42\"");
    EXPECT_REFUSED("world:\n  relief_m: [1, 2]\n", "world.relief_m", "expected a number",
                   "got a list");
    EXPECT_REFUSED("world:\n  relief_m: high\n", "expected a number from 1 to 2400",
                   "\"high\"");
    EXPECT_REFUSED("world:\n  relief_m: .nan\n", "expected a number");
    EXPECT_REFUSED("world:\n  relief_m:\n", "world.relief_m", "has no value");
    EXPECT_REFUSED("world: 5\n", "w.yaml:1:8: ", "world: ", "expected a mapping");
    EXPECT_REFUSED("bake:\n  meshes: yes\n", "bake.meshes", "expected true or false");
    EXPECT_REFUSED("bake:\n  region_chunks: 0,0,4,4\n", "bake.region_chunks",
                   "expected a mapping");
    EXPECT_REFUSED("- 1\n- 2\n", "w.yaml:1:1: ", "expected a mapping", "got a list");
}
END_TEST

START_TEST(test_malformed_yaml_and_odd_shapes_are_refused_with_a_place)
{
    EXPECT_REFUSED("world: {seed: 1\n", "w.yaml:2:1: ", "not valid YAML");
    EXPECT_REFUSED("world:\n  seed: 1\n  seed: 2\n", "w.yaml:3:3: ", "world.seed",
                   "given twice (first on line 2)");
    EXPECT_REFUSED("", "w.yaml: ", "empty");
    EXPECT_REFUSED("# only a comment\n", "empty");
    EXPECT_REFUSED("world:\n  seed: 1\n---\nworld:\n  seed: 2\n", "a second YAML document");
    EXPECT_REFUSED("world: &w\n  seed: 1\nbake: *w\n", "bake", "unknown key \"seed\"");
    /* libyaml slows down with the depth on every token: deep nesting is refused early,
     * so a megabyte of brackets costs milliseconds (the check holds under a timeout). */
    size_t n = 1u << 20;
    char *deep = malloc(n + 1);
    ck_assert(deep != NULL);
    memset(deep, '[', n);
    deep[n] = '\0';
    EXPECT_REFUSED(deep, "w.yaml:1:17: ", "nested more than 16 levels");
    free(deep);
}
END_TEST

START_TEST(test_load_refuses_what_is_not_a_small_regular_file)
{
    char dir[512], path[600], err[1024];
    make_tmp_dir(dir, sizeof dir, "load");
    tpt_world_file wf;
    snprintf(path, sizeof path, "%s/missing.yaml", dir);
    ck_assert(!tpt_world_file_load(path, &wf, err, sizeof err));
    ck_assert_msg(strstr(err, path) && strstr(err, "No such file"), "%s", err);
    ck_assert(!tpt_world_file_load(dir, &wf, err, sizeof err));
    ck_assert_msg(strstr(err, "is a directory"), "%s", err);
    snprintf(path, sizeof path, "%s/fifo.yaml", dir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert(!tpt_world_file_load(path, &wf, err, sizeof err)); /* at once, no block */
    ck_assert_msg(strstr(err, "FIFO"), "%s", err);
    snprintf(path, sizeof path, "%s/huge.yaml", dir);
    char *big = malloc(TPT_WORLD_FILE_MAX_BYTES + 2);
    ck_assert(big != NULL);
    memset(big, '#', TPT_WORLD_FILE_MAX_BYTES + 1);
    big[TPT_WORLD_FILE_MAX_BYTES + 1] = '\n';
    write_file(path, big, TPT_WORLD_FILE_MAX_BYTES + 2);
    free(big);
    ck_assert(!tpt_world_file_load(path, &wf, err, sizeof err));
    ck_assert_msg(strstr(err, "larger than"), "%s", err);
    remove_tmp_dir(dir);
}
END_TEST

/* ---- terrapage init ---------------------------------------------------------------- */

START_TEST(test_init_writes_the_documented_default_and_never_replaces_without_force)
{
    static char out[8192];
    char dir[512], path[600], fifo[600];
    make_tmp_dir(dir, sizeof dir, "init");
    snprintf(path, sizeof path, "%s/world.yaml", dir);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_init, "init", path), 0);
    ck_assert_msg(strstr(out, "wrote ") && strstr(out, path), "%s", out);
    tpt_world_file wf, defaults;
    char err[1024];
    ck_assert_msg(tpt_world_file_load(path, &wf, err, sizeof err), "%s", err);
    tpt_world_file_defaults(&defaults);
    ck_assert(memcmp(&wf, &defaults, sizeof wf) == 0);
    size_t size;
    char *text = (char *)read_file(path, &size);
    ck_assert(strstr(text, "# ") && strstr(text, "seed: 42") &&
              strstr(text, "precipitation_mm: 1400"));
    free(text);

    /* An existing file stays as it was, unless --force. */
    write_text(path, "world:\n  seed: 5\n");
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_init, "init", path), 1);
    ck_assert_msg(strstr(out, path) && strstr(out, "--force"), "%s", out);
    ck_assert(file_equals(path, "world:\n  seed: 5\n", 17));
    ck_assert_int_eq(RUN(tpt_cmd_init, "init", "-q", "--force", path), 0);
    ck_assert_msg(tpt_world_file_load(path, &wf, err, sizeof err), "%s", err);
    ck_assert_uint_eq(wf.world.seed, 42);

    /* --force replaces only a regular file: a FIFO is refused, without blocking. */
    snprintf(fifo, sizeof fifo, "%s/fifo.yaml", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_init, "init", "--force", fifo), 1);
    ck_assert_msg(strstr(out, "FIFO"), "%s", out);
    struct stat st;
    ck_assert(lstat(fifo, &st) == 0 && S_ISFIFO(st.st_mode));
    ck_assert_int_eq(count_entries(dir, "fifo.yaml.tmp"), 0);

    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_init, "init", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage init") == out);
    ck_assert_int_eq(RUN(tpt_cmd_init, "init", "a.yaml", "b.yaml"), 2);
    remove_tmp_dir(dir);
}
END_TEST

/* ---- --world on the commands ------------------------------------------------------- */

START_TEST(test_round_trip_init_bake_info_world_bake_gives_byte_identical_files)
{
    static char out[16384];
    char dir[512], yaml[600], a[600], b[600], again[600];
    make_tmp_dir(dir, sizeof dir, "roundtrip");
    snprintf(yaml, sizeof yaml, "%s/world.yaml", dir);
    snprintf(a, sizeof a, "%s/a.tpk", dir);
    snprintf(b, sizeof b, "%s/b.tpk", dir);
    snprintf(again, sizeof again, "%s/again.yaml", dir);

    /* The default world as init writes it, a small region of it (the command line
     * overrides the file's 64 x 64 chunks), then a world with every key changed. */
    ck_assert_int_eq(RUN(tpt_cmd_init, "init", "-q", yaml), 0);
    for (int round = 0; round < 2; round++) {
        if (round == 0) {
            ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--world", yaml, "--region", "-1,0,1,2",
                                 "--samples", "33", "-q", "-o", a),
                             0);
        } else {
            write_text(yaml, "world:\n  seed: 77\n  samples_per_edge: 17\n"
                             "  chunk_size_m: 100\n  sea_level_m: 30.5\n"
                             "  feature_scale: 0.3\n  relief_m: 1234.5\n"
                             "  ocean_depth_m: 321\n  temperature_origin_c: -4.5\n"
                             "  temperature_gradient_c_per_km: -2\n"
                             "  precipitation_mm: 345\n"
                             "bake:\n  region_chunks: {x0: 5, z0: -7, x1: 8, z1: -5}\n"
                             "  meshes: false\n");
            ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--world", yaml, "-q", "-o", a), 0);
        }
        ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", "--world", a), 0);
        write_text(again, out);
        ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--world", again, "-q", "-o", b), 0);
        ck_assert_msg(files_identical(a, b), "round %d: the re-bake differs\n%s", round, out);
    }
    /* The last world is the one the file says, not the default. */
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", a, "--json"), 0);
    ck_assert_msg(strstr(out, "\"seed\": 77") && strstr(out, "\"samples_per_edge\": 17"), "%s",
                  out);
    ck_assert_msg(!strstr(out, "\"mesh\""), "%s", out);
    ck_assert_int_eq(RUN(tpt_cmd_info, "info", a, "--world", "--json"), 2);
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_bake_world_file_equals_its_command_line_and_options_override_it)
{
    char dir[512], yaml[600], a[600], b[600];
    make_tmp_dir(dir, sizeof dir, "override");
    snprintf(yaml, sizeof yaml, "%s/w.yaml", dir);
    snprintf(a, sizeof a, "%s/a.tpk", dir);
    snprintf(b, sizeof b, "%s/b.tpk", dir);
    write_text(yaml, "world:\n  seed: 9\n  samples_per_edge: 33\n"
                     "bake:\n  region_chunks: {x0: 0, z0: 0, x1: 2, z1: 1}\n"
                     "  compression_level: 3\n");
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--world", yaml, "-q", "-o", a), 0);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--seed", "9", "--samples", "33", "--region",
                         "0,0,2,1", "--level", "3", "-q", "-o", b),
                     0);
    ck_assert(files_identical(a, b));

    /* Options beside --world win, whichever side of it they are on. */
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--seed", "4", "--world", yaml, "--no-meshes",
                         "--level", "9", "-q", "-o", a),
                     0);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--seed", "4", "--samples", "33", "--region",
                         "0,0,2,1", "--no-meshes", "-q", "-o", b),
                     0);
    ck_assert(files_identical(a, b));
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_a_bad_world_file_fails_every_command_and_leaves_the_page_file_untouched)
{
    static char out[16384];
    char dir[512], yaml[600], tpk[600], png[600];
    make_tmp_dir(dir, sizeof dir, "bad");
    snprintf(yaml, sizeof yaml, "%s/w.yaml", dir);
    snprintf(tpk, sizeof tpk, "%s/w.tpk", dir);
    snprintf(png, sizeof png, "%s/w.png", dir);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--region", "0,0,1,1", "--samples", "9", "-q",
                         "-o", tpk),
                     0);
    size_t size;
    uint8_t *before = read_file(tpk, &size);
    static const char *const bad[] = {
        "world:\n  relif_m: 100\n",           /* unknown key */
        "world:\n  relief_m: 9000\n",         /* out of range */
        "world:\n  relief_m: \"900\"\n",      /* wrong type */
        "world: {seed: 1\n",                  /* not YAML */
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(yaml, bad[i]);
        ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_bake, "bake", "--world", yaml, "-q",
                                      "-o", tpk),
                         1);
        ck_assert_msg(strstr(out, "terrapage bake: ") && strstr(out, yaml), "%s", out);
        ck_assert(file_equals(tpk, before, size));
        ck_assert_int_eq(count_entries(dir, "w.tpk.tmp"), 0);
        ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_preview, "preview", "--world", yaml,
                                      "-q", "-o", png),
                         1);
        ck_assert_msg(strstr(out, yaml), "%s", out);
        ck_assert_int_eq(RUN(tpt_cmd_export, "export", tpk, "--world", yaml, "-q", "-o", png),
                         1);
        ck_assert_int_eq(RUN(tpt_cmd_soak, "soak", "--source", "generate", "--world", yaml,
                             "--no-pace", "--ticks", "2", "--quiet"),
                         1);
        ck_assert(access(png, F_OK) != 0);
    }
    free(before);
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_preview_and_export_draw_the_world_file_and_its_region)
{
    static char out[16384];
    char dir[512], yaml[600], other[600], part[600], p1[600], p2[600], p3[600];
    make_tmp_dir(dir, sizeof dir, "images");
    snprintf(yaml, sizeof yaml, "%s/w.yaml", dir);
    snprintf(other, sizeof other, "%s/other.yaml", dir);
    snprintf(part, sizeof part, "%s/part.tpk", dir);
    snprintf(p1, sizeof p1, "%s/1.png", dir);
    snprintf(p2, sizeof p2, "%s/2.png", dir);
    snprintf(p3, sizeof p3, "%s/3.png", dir);
    write_text(yaml, "world:\n  seed: 11\n  samples_per_edge: 17\n  relief_m: 900\n"
                     "bake:\n  region_chunks: {x0: -2, z0: -1, x1: 1, z1: 1}\n");
    write_text(other, "world:\n  seed: 11\n  samples_per_edge: 17\n  relief_m: 901\n");

    /* preview --world: the file's world and region, as a bake of it exported. */
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--world", yaml, "--layer", "height",
                         "--lod", "0", "-q", "-o", p1),
                     0);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--world", yaml, "-q", "-o", part), 0);
    ck_assert_int_eq(RUN(tpt_cmd_export, "export", part, "--layer", "height", "--lod", "0",
                         "-q", "-o", p2),
                     0);
    ck_assert(files_identical(p1, p2));

    /* export --fallback --world: a page file holding part of the world draws all of the
     * world file's region, the missing chunks generated, as the preview does. */
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--world", yaml, "--region", "-1,0,0,1", "-q",
                         "-o", part),
                     0);
    ck_assert_int_eq(RUN(tpt_cmd_export, "export", part, "--world", yaml, "--fallback",
                         "--layer", "height", "--lod", "0", "-q", "-o", p3),
                     0);
    ck_assert(files_identical(p1, p3));

    /* --seed and --region beside --world override the file's. */
    write_text(other, "world:\n  seed: 12\n  samples_per_edge: 17\n  relief_m: 900\n"
                      "bake:\n  region_chunks: {x0: 0, z0: 0, x1: 2, z1: 1}\n");
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--world", other, "--layer", "height",
                         "--lod", "0", "-q", "-o", p2),
                     0);
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--seed", "12", "--region", "0,0,2,1",
                         "--world", yaml, "--layer", "height", "--lod", "0", "-q", "-o", p3),
                     0);
    ck_assert(files_identical(p2, p3));
    ck_assert(!files_identical(p1, p3));

    /* A world file of another world is refused, naming the key that differs. */
    write_text(other, "world:\n  seed: 11\n  samples_per_edge: 17\n  relief_m: 901\n");
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_export, "export", part, "--world", other,
                                  "--fallback", "-q", "-o", p3),
                     1);
    ck_assert_msg(strstr(out, "world.relief_m is 901") && strstr(out, "900"), "%s", out);
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_soak_generates_the_world_file_world_and_refuses_it_beside_a_page_file)
{
    static char out[65536];
    char dir[512], yaml[600];
    make_tmp_dir(dir, sizeof dir, "soak");
    snprintf(yaml, sizeof yaml, "%s/w.yaml", dir);
    write_text(yaml, "world:\n  seed: 3\n  samples_per_edge: 17\n");
    int status = RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", "--source", "generate", "--world",
                              yaml, "--no-pace", "--ticks", "10", "--view", "1", "--json",
                              "-");
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "\"world_file\": \"") && strstr(out, "w.yaml\""), "%s", out);
    ck_assert_int_eq(RUN(tpt_cmd_soak, "soak", "--world", yaml, "--ticks", "2"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_soak, "soak", "x.tpk", "--source", "generate", "--world",
                         yaml, "--ticks", "2"),
                     2);
    remove_tmp_dir(dir);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("world_file");
    TCase *tc = tcase_create("world_file");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_resolve_accepts_each_published_limit_and_refuses_just_beyond_it);
    tcase_add_test(tc, test_every_key_is_read_into_the_world_and_the_bake);
    tcase_add_test(tc, test_written_files_parse_back_to_exactly_the_same_world);
    tcase_add_test(tc, test_errors_name_the_file_line_column_and_key);
    tcase_add_test(tc, test_values_out_of_range_say_the_allowed_range);
    tcase_add_test(tc, test_wrong_types_say_the_expected_type);
    tcase_add_test(tc, test_malformed_yaml_and_odd_shapes_are_refused_with_a_place);
    tcase_add_test(tc, test_load_refuses_what_is_not_a_small_regular_file);
    tcase_add_test(tc, test_init_writes_the_documented_default_and_never_replaces_without_force);
    tcase_add_test(tc, test_round_trip_init_bake_info_world_bake_gives_byte_identical_files);
    tcase_add_test(tc, test_bake_world_file_equals_its_command_line_and_options_override_it);
    tcase_add_test(tc, test_a_bad_world_file_fails_every_command_and_leaves_the_page_file_untouched);
    tcase_add_test(tc, test_preview_and_export_draw_the_world_file_and_its_region);
    tcase_add_test(tc, test_soak_generates_the_world_file_world_and_refuses_it_beside_a_page_file);
    suite_add_tcase(s, tc);
    return s;
}
