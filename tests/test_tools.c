/* test_tools.c — the terrapage command's building blocks: option parsing, the renderer,
 * the PNG writer, progress reports, and the commands run in-process on small worlds. */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* mknod */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/sysmacros.h> /* makedev */
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#define TP_TEST_SUITE "tools"
#include "test_guard.h"
#include "test_main.h"
#include "test_support.h"
#include "test_vast_region.h"

#include "cli_options.h"
#include "commands.h"
#include "json_out.h"
#include "png_write.h"
#include "progress.h"
#include "render.h"
#include "soak.h"
#include "terrapage/baker.h"
#include "terrapage/mesh_codec.h"
#include "terrapage/pagefile.h"
#include "pagefile_open.h"
#include "terrapage/world.h"

/* ---- helpers ----------------------------------------------------------------------- */

static tp_world_params world_with(uint64_t seed, uint32_t samples_per_edge)
{
    tp_world_params w = {0};
    w.seed = seed;
    w.samples_per_edge = samples_per_edge;
    ck_assert_int_eq(tp_world_params_resolve(&w, &w), TP_OK);
    return w;
}

/* A decoded PNG, read back with libpng's plain API. */
typedef struct png_read_result {
    uint32_t width, height;
    int bit_depth, channels;
    uint8_t *pixels; /* rows back to back; 16-bit samples in host order */
    size_t row_bytes;
    int text_count;
    char keys[32][80];
    char values[32][600];
} png_read_result;

static png_read_result *png_read(const char *path)
{
    png_read_result *out = calloc(1, sizeof *out);
    ck_assert(out != NULL);
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png_create_info_struct(png);
    ck_assert(png && info);
    if (setjmp(png_jmpbuf(png)))
        ck_abort_msg("libpng could not read %s", path);
    png_init_io(png, f);
    const uint16_t one = 1;
    int transforms = *(const uint8_t *)&one == 1 ? PNG_TRANSFORM_SWAP_ENDIAN : 0;
    png_read_png(png, info, transforms, NULL);
    out->width = png_get_image_width(png, info);
    out->height = png_get_image_height(png, info);
    out->bit_depth = png_get_bit_depth(png, info);
    out->channels = png_get_channels(png, info);
    out->row_bytes = png_get_rowbytes(png, info);
    out->pixels = malloc(out->row_bytes * out->height);
    ck_assert(out->pixels != NULL);
    png_bytepp rows = png_get_rows(png, info);
    for (uint32_t y = 0; y < out->height; y++)
        memcpy(out->pixels + y * out->row_bytes, rows[y], out->row_bytes);
    png_textp text;
    int n = 0;
    png_get_text(png, info, &text, &n);
    for (int i = 0; i < n && i < 32; i++) {
        snprintf(out->keys[i], sizeof out->keys[i], "%s", text[i].key);
        snprintf(out->values[i], sizeof out->values[i], "%s", text[i].text);
    }
    out->text_count = n < 32 ? n : 32;
    png_destroy_read_struct(&png, &info, NULL);
    fclose(f);
    return out;
}

static const char *text_of(const png_read_result *p, const char *key)
{
    for (int i = 0; i < p->text_count; i++)
        if (strcmp(p->keys[i], key) == 0)
            return p->values[i];
    return NULL;
}

static void png_read_free(png_read_result *p)
{
    if (p)
        free(p->pixels);
    free(p);
}

/* ---- option parsing ---------------------------------------------------------------- */

START_TEST(test_region_parser_accepts_chunk_rectangles)
{
    char err[256];
    tpt_region r;
    ck_assert(tpt_parse_region("-32,-32,32,32", &r, err, sizeof err));
    ck_assert_int_eq(r.x0, -32);
    ck_assert_int_eq(r.z0, -32);
    ck_assert_int_eq(r.x1, 32);
    ck_assert_int_eq(r.z1, 32);
    ck_assert(tpt_parse_region(" 1, 2, 3, 4", &r, err, sizeof err));
    ck_assert(r.x0 == 1 && r.z0 == 2 && r.x1 == 3 && r.z1 == 4);
    ck_assert(tpt_parse_region("-2147483648,0,2147483647,1", &r, err, sizeof err));
    ck_assert_int_eq(tpt_region_width(&r), 4294967295LL);
}
END_TEST

START_TEST(test_region_parser_rejects_malformed_and_empty_regions)
{
    static const char *const bad[] = {
        "abc", "", "1,2,3", "1,2,3,4,5", "1,2,3,4x", "1,,3,4", "1;2;3;4",
        "3,0,1,4" /* x1 < x0 */, "0,0,0,4" /* empty */, "0,0,4,0",
        "99999999999,0,1,1" /* beyond int32 */, "0x10,0,20,20",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char err[256] = "";
        tpt_region r = {7, 7, 8, 8};
        ck_assert_msg(!tpt_parse_region(bad[i], &r, err, sizeof err), "accepted \"%s\"", bad[i]);
        ck_assert_msg(err[0] != '\0', "no message for \"%s\"", bad[i]);
        ck_assert(r.x0 == 7 && r.x1 == 8); /* untouched on failure */
    }
    char err[256];
    tpt_region r;
    tpt_parse_region("abc", &r, err, sizeof err);
    ck_assert_str_eq(err, "expected X0,Z0,X1,Z1 (chunk coordinates), got \"abc\"");
}
END_TEST

START_TEST(test_number_parsers_check_syntax_and_range)
{
    char err[256];
    int64_t i = 0;
    ck_assert(tpt_parse_int64("12", 0, 15, &i, err, sizeof err) && i == 12);
    ck_assert(tpt_parse_int64("-3", -5, 5, &i, err, sizeof err) && i == -3);
    ck_assert(!tpt_parse_int64("16", 0, 15, &i, err, sizeof err));
    ck_assert_str_eq(err, "16 is out of range (0 to 15)");
    ck_assert(!tpt_parse_int64("12abc", 0, 100, &i, err, sizeof err));
    ck_assert(!tpt_parse_int64("", 0, 100, &i, err, sizeof err));
    ck_assert(!tpt_parse_int64(" 5", 0, 100, &i, err, sizeof err));
    ck_assert(!tpt_parse_int64("99999999999999999999", 0, INT64_MAX, &i, err, sizeof err));

    double d = 0;
    ck_assert(tpt_parse_double("0.5", 0, 1, &d, err, sizeof err) && d == 0.5);
    ck_assert(tpt_parse_double("1e2", 0, 1000, &d, err, sizeof err) && d == 100.0);
    ck_assert(!tpt_parse_double("nan", -1e9, 1e9, &d, err, sizeof err));
    ck_assert(!tpt_parse_double("inf", -1e9, 1e9, &d, err, sizeof err));
    ck_assert(!tpt_parse_double("1e400", -1e9, 1e9, &d, err, sizeof err));
    ck_assert(!tpt_parse_double("2", 0, 1, &d, err, sizeof err));

    uint64_t s = 0;
    ck_assert(tpt_parse_seed("42", &s, err, sizeof err) && s == 42);
    ck_assert(tpt_parse_seed("0x2A", &s, err, sizeof err) && s == 42);
    ck_assert(tpt_parse_seed("18446744073709551615", &s, err, sizeof err) && s == UINT64_MAX);
    ck_assert(!tpt_parse_seed("18446744073709551616", &s, err, sizeof err));
    ck_assert(!tpt_parse_seed("-1", &s, err, sizeof err));
    ck_assert(!tpt_parse_seed("0x", &s, err, sizeof err));
    ck_assert(!tpt_parse_seed("seven", &s, err, sizeof err));
}
END_TEST

START_TEST(test_cli_walks_long_short_inline_and_positional_arguments)
{
    enum { O_LOD = 1, O_OUT, O_JSON };
    static const tpt_cli_option opts[] = {
        {"lod", 0, true, O_LOD}, {"output", 'o', true, O_OUT}, {"json", 0, false, O_JSON}, {0}};
    char *argv2[] = {"cmd", "--lod=3", "-o", "a.png", "-ob.png", "file", "--json", "--",
                     "--json", NULL};
    tpt_cli cli;
    tpt_cli_init(&cli, "test", 9, argv2);
    const char *v;
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), O_LOD);
    ck_assert_str_eq(v, "3");
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), O_OUT);
    ck_assert_str_eq(v, "a.png");
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), O_OUT);
    ck_assert_str_eq(v, "b.png");
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), TPT_CLI_POSITIONAL);
    ck_assert_str_eq(v, "file");
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), O_JSON);
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), TPT_CLI_POSITIONAL);
    ck_assert_str_eq(v, "--json");
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), TPT_CLI_END);

    char *bad1[] = {"cmd", "--nope", NULL};
    tpt_cli_init(&cli, "test", 2, bad1);
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), TPT_CLI_ERROR);
    char *bad2[] = {"cmd", "--lod", NULL};
    tpt_cli_init(&cli, "test", 2, bad2);
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), TPT_CLI_ERROR);
    char *bad3[] = {"cmd", "--json=1", NULL};
    tpt_cli_init(&cli, "test", 2, bad3);
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), TPT_CLI_ERROR);
    /* A value that looks like an option is still a value: negative regions work. */
    char *neg[] = {"cmd", "--lod", "-8,-8,8,8", NULL};
    tpt_cli_init(&cli, "test", 3, neg);
    ck_assert_int_eq(tpt_cli_next(&cli, opts, &v), O_LOD);
    ck_assert_str_eq(v, "-8,-8,8,8");
}
END_TEST

START_TEST(test_commands_answer_help_and_reject_bad_arguments_with_status_2)
{
    static char out[16384];
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_preview, "preview", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage preview") == out && strstr(out, "Examples:"));
    ck_assert_msg(strstr(out, "row 0 is the north edge") || strstr(out, "Row 0 is the north"),
                  "orientation not documented");
    ck_assert(strstr(out, "snow and ice")); /* the legend */
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", "-h"), 0);
    ck_assert(strstr(out, "usage: terrapage info") == out && strstr(out, "Examples:"));
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage verify") == out && strstr(out, "Examples:"));
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_export, "export", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage export") == out && strstr(out, "Examples:"));
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_merge, "merge", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage merge") == out && strstr(out, "Examples:"));
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_bake, "bake", "--help"), 0);
    ck_assert(strstr(out, "--shard I/N") && strstr(out, "Limits:"));

    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_preview, "preview", "--region", "abc"), 2);
    ck_assert_str_eq(out, "terrapage preview: --region: expected X0,Z0,X1,Z1 (chunk "
                          "coordinates), got \"abc\"\n"
                          "Run 'terrapage preview --help' for usage.\n");
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--layer", "heights"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--lod", "9", "--region", "0,0,1,1"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--seed", "-4"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--bogus"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "stray"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_info, "info"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_verify, "verify", "a.tpk", "b.tpk"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_export, "export"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_merge, "merge", "a.tpk"), 2);      /* no -o */
    ck_assert_int_eq(RUN(tpt_cmd_merge, "merge", "-o", "w.tpk"), 2); /* no shards */
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--shard", "4/4"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--shard", "1/0"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--shard", "1/2x"), 2);
    /* A region too big for one picture is refused before any work. */
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--lod", "0", "--region",
                         "-1000,-1000,1000,1000"),
                     2);
}
END_TEST

/* ---- the renderer and the PNG writer ----------------------------------------------- */

START_TEST(test_height_png_reads_back_to_the_generator_codes_with_metre_range)
{
    tp_world_params w = world_with(42, 33);
    const tpt_region region = {-2, -1, 1, 1}; /* 3 × 2 chunks */
    const uint32_t lod = 1, edge = tp_world_lod_edge(&w, lod);
    tpt_field_source src = tpt_field_source_generator(&w);
    tpt_render_options opt = {.layer = TPT_RENDER_HEIGHT, .region = region, .lod = lod};
    tpt_render_image img;
    char err[512], path[512];
    ck_assert_int_eq(tpt_render(&src, &opt, &img, err, sizeof err), TP_OK);
    ck_assert_uint_eq(img.png.width, 3 * (edge - 1) + 1);
    ck_assert_uint_eq(img.png.height, 2 * (edge - 1) + 1);
    tmp_path(path, sizeof path, "height.png");
    ck_assert_msg(tpt_png_write(path, &img.png, err, sizeof err) == TP_OK, "%s", err);
    tpt_render_image_free(&img);

    png_read_result *p = png_read(path);
    ck_assert_int_eq(p->bit_depth, 16);
    ck_assert_int_eq(p->channels, 1);
    uint16_t *codes = malloc(sizeof *codes * edge * edge);
    uint16_t lo = UINT16_MAX, hi = 0;
    for (int32_t cz = region.z0; cz < region.z1; cz++) {
        for (int32_t cx = region.x0; cx < region.x1; cx++) {
            tp_chunk_fields f = {.height_codes = codes};
            ck_assert_int_eq(tp_generate_chunk(&w, cx, cz, lod, &f), TP_OK);
            for (uint32_t j = 0; j < edge; j++) {
                for (uint32_t i = 0; i < edge; i++) {
                    /* Column grows with x; row 0 is the north edge (largest z). */
                    uint32_t x = (uint32_t)(cx - region.x0) * (edge - 1) + i;
                    uint32_t y = p->height - 1 - ((uint32_t)(cz - region.z0) * (edge - 1) + j);
                    uint16_t got;
                    memcpy(&got, p->pixels + y * p->row_bytes + 2 * x, 2);
                    uint16_t want = codes[j * edge + i];
                    ck_assert_msg(got == want, "chunk (%d, %d) sample (%u, %u): %u != %u", cx,
                                  cz, i, j, got, want);
                    lo = want < lo ? want : lo;
                    hi = want > hi ? want : hi;
                }
            }
        }
    }
    free(codes);
    ck_assert_str_eq(text_of(p, "terrapage:height_min_m"), "-1024");
    ck_assert_str_eq(text_of(p, "terrapage:height_step_m"), "0.0625");
    ck_assert_str_eq(text_of(p, "terrapage:region"), "-2,-1,1,1");
    ck_assert_str_eq(text_of(p, "terrapage:lod"), "1");
    ck_assert_str_eq(text_of(p, "terrapage:seed"), "42");
    ck_assert_double_eq(strtod(text_of(p, "terrapage:data_min_m"), NULL),
                        TP_HEIGHT_MIN_M + lo * TP_HEIGHT_STEP_M);
    ck_assert_double_eq(strtod(text_of(p, "terrapage:data_max_m"), NULL),
                        TP_HEIGHT_MIN_M + hi * TP_HEIGHT_STEP_M);
    png_read_free(p);
    unlink(path);
}
END_TEST

START_TEST(test_every_layer_renders_identically_twice_and_for_one_or_two_threads)
{
    tp_world_params w = world_with(7, 33);
    tpt_field_source src = tpt_field_source_generator(&w);
    for (int layer = 0; layer < TPT_RENDER_LAYER_COUNT; layer++) {
        tpt_render_options opt = {.layer = (tpt_render_layer)layer, .region = {-3, -2, 2, 2},
                                 .lod = 0, .threads = 1};
        tpt_render_image a, b, c;
        char err[512];
        ck_assert_int_eq(tpt_render(&src, &opt, &a, err, sizeof err), TP_OK);
        ck_assert_int_eq(tpt_render(&src, &opt, &b, err, sizeof err), TP_OK);
        opt.threads = 2;
        ck_assert_int_eq(tpt_render(&src, &opt, &c, err, sizeof err), TP_OK);
        size_t bytes = a.png.row_bytes * a.png.height;
        ck_assert_msg(memcmp(a.pixels, b.pixels, bytes) == 0, "layer %d differs run to run",
                      layer);
        ck_assert_msg(memcmp(a.pixels, c.pixels, bytes) == 0, "layer %d differs 1 vs 2 threads",
                      layer);

        /* And the files are byte-identical too: no time stamps, fixed settings. */
        char pa[512], pc[512];
        tmp_path(pa, sizeof pa, "det-a.png");
        tmp_path(pc, sizeof pc, "det-c.png");
        ck_assert_int_eq(tpt_png_write(pa, &a.png, err, sizeof err), TP_OK);
        ck_assert_int_eq(tpt_png_write(pc, &c.png, err, sizeof err), TP_OK);
        ck_assert_msg(files_identical(pa, pc), "layer %d: PNG files differ", layer);
        png_read_result *p = png_read(pa);
        ck_assert_str_eq(text_of(p, "terrapage:layer"), tpt_render_layer_names[layer]);
        png_read_free(p);
        unlink(pa);
        unlink(pc);
        tpt_render_image_free(&a);
        tpt_render_image_free(&b);
        tpt_render_image_free(&c);
    }
}
END_TEST

START_TEST(test_png_has_no_time_chunk)
{
    uint16_t pixels[4] = {1, 2, 3, 4};
    tpt_png_image img = {.width = 2, .height = 2, .channels = 1, .bit_depth = 16,
                        .pixels = pixels, .row_bytes = 4};
    char path[512], err[512];
    tmp_path(path, sizeof path, "notime.png");
    ck_assert_int_eq(tpt_png_write(path, &img, err, sizeof err), TP_OK);
    size_t n;
    uint8_t *data = read_file(path, &n);
    for (size_t i = 0; i + 4 <= n; i++)
        ck_assert_msg(memcmp(data + i, "tIME", 4) != 0, "tIME chunk at byte %zu", i);
    free(data);
    png_read_result *p = png_read(path);
    uint16_t v;
    memcpy(&v, p->pixels + p->row_bytes + 2, 2);
    ck_assert_uint_eq(v, 4); /* 16-bit samples survive the byte order */
    png_read_free(p);
    unlink(path);
}
END_TEST

START_TEST(test_png_writer_failure_returns_an_error_naming_the_file_and_leaves_nothing)
{
    uint8_t pixels[3 * 4] = {0};
    tpt_png_image img = {.width = 2, .height = 2, .channels = 3, .bit_depth = 8,
                        .pixels = pixels, .row_bytes = 6};
    char dir[512], path[600], err[1024];

    /* A directory that does not exist. */
    tmp_path(dir, sizeof dir, "missing-dir");
    snprintf(path, sizeof path, "%s/out.png", dir);
    ck_assert_int_eq(tpt_png_write(path, &img, err, sizeof err), TP_ERR_IO);
    ck_assert_msg(strstr(err, path) == err, "message does not start with the path: %s", err);
    ck_assert_msg(strstr(err, strerror(ENOENT)) != NULL, "%s", err);
    ck_assert_int_eq(access(path, F_OK), -1);

    /* A "directory" that is a regular file: fails even for root. */
    tmp_path(dir, sizeof dir, "plain-file");
    FILE *f = fopen(dir, "w");
    ck_assert(f != NULL);
    fclose(f);
    snprintf(path, sizeof path, "%s/out.png", dir);
    ck_assert_int_eq(tpt_png_write(path, &img, err, sizeof err), TP_ERR_IO);
    ck_assert_int_eq(access(path, F_OK), -1);
    unlink(dir);

    /* A directory without write permission (root ignores permissions, so only as a user). */
    if (geteuid() != 0) {
        tmp_path(dir, sizeof dir, "read-only");
        ck_assert_int_eq(mkdir(dir, 0555), 0);
        snprintf(path, sizeof path, "%s/out.png", dir);
        ck_assert_int_eq(tpt_png_write(path, &img, err, sizeof err), TP_ERR_IO);
        ck_assert_msg(strstr(err, strerror(EACCES)) != NULL, "%s", err);
        ck_assert_int_eq(count_entries(dir, "out.png"), 0);
        rmdir(dir);
    }

    /* The rename fails (the target is a directory): the temporary must not stay behind,
     * and what was there is untouched. */
    tmp_path(dir, sizeof dir, "target-is-dir");
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    ck_assert_int_ne(tpt_png_write(dir, &img, err, sizeof err), TP_OK);
    char prefix[128];
    const char *base = strrchr(dir, '/') + 1;
    snprintf(prefix, sizeof prefix, "%s.tmp", base);
    ck_assert_int_eq(count_entries(TP_TEST_TMP_DIR, prefix), 0);
    struct stat st;
    ck_assert_int_eq(stat(dir, &st), 0);
    ck_assert(S_ISDIR(st.st_mode));
    rmdir(dir);
}
END_TEST

START_TEST(test_png_writer_rejects_malformed_image_descriptions)
{
    uint8_t px[16] = {0};
    char path[512], err[512];
    tmp_path(path, sizeof path, "bad.png");
    tpt_png_image img = {.width = 2, .height = 2, .channels = 5, .bit_depth = 8, .pixels = px,
                        .row_bytes = 10};
    ck_assert_int_eq(tpt_png_write(path, &img, err, sizeof err), TP_ERR_INVALID_ARGUMENT);
    img.channels = 1;
    img.bit_depth = 4;
    ck_assert_int_eq(tpt_png_write(path, &img, err, sizeof err), TP_ERR_INVALID_ARGUMENT);
    img.bit_depth = 16;
    img.row_bytes = 3; /* < 2 pixels · 2 bytes */
    ck_assert_int_eq(tpt_png_write(path, &img, err, sizeof err), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_render_refuses_empty_regions_and_lods_out_of_range)
{
    tp_world_params w = world_with(42, 33);
    tpt_field_source src = tpt_field_source_generator(&w);
    tpt_render_image img;
    char err[512];
    tpt_render_options opt = {.layer = TPT_RENDER_BIOME, .region = {0, 0, 0, 1}};
    ck_assert_int_eq(tpt_render(&src, &opt, &img, err, sizeof err), TP_ERR_INVALID_ARGUMENT);
    opt.region = (tpt_region){0, 0, 1, 1};
    opt.lod = tp_world_lod_count(&w);
    ck_assert_int_eq(tpt_render(&src, &opt, &img, err, sizeof err), TP_ERR_INVALID_ARGUMENT);
    tpt_render_image_free(&img);
    uint32_t wpx, hpx;
    tpt_region huge = {-100000, 0, 100000, 1};
    ck_assert_int_eq(tpt_render_size(&w, &huge, 0, &wpx, &hpx), TP_ERR_OUT_OF_RANGE);
    /* Auto LOD picks the finest level that fits. */
    tp_world_params d = world_with(42, 0);
    tpt_region def = TPT_DEFAULT_REGION;
    ck_assert_uint_eq(tpt_render_auto_lod(&d, &def, 2049), 2);
    ck_assert_uint_eq(tpt_render_auto_lod(&d, &def, 8193), 0);
}
END_TEST

/* A source that fails on one chunk, to check the error names the right one. */
static tp_result failing_fetch(void *user, int32_t cx, int32_t cz, uint32_t lod,
                               const tp_chunk_fields *out)
{
    if ((cx == 1 && cz == 0) || (cx == 0 && cz == 1))
        return TP_ERR_NOT_FOUND;
    return tp_generate_chunk(user, cx, cz, lod, out);
}

START_TEST(test_render_names_the_first_failing_chunk_for_any_thread_count)
{
    tp_world_params w = world_with(42, 17);
    tpt_field_source src = {&w, failing_fetch, &w};
    for (int threads = 1; threads <= 2; threads++) {
        tpt_render_options opt = {.layer = TPT_RENDER_HEIGHT, .region = {-2, -2, 3, 3},
                                 .threads = threads};
        tpt_render_image img;
        char err[512];
        ck_assert_int_eq(tpt_render(&src, &opt, &img, err, sizeof err), TP_ERR_NOT_FOUND);
        ck_assert_str_eq(err, "chunk (1, 0) at LOD 0: not found");
        ck_assert_ptr_null(img.pixels);
    }
}
END_TEST

START_TEST(test_preview_command_writes_the_requested_png)
{
    char path[512];
    tmp_path(path, sizeof path, "preview-biome.png");
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--layer", "biome", "--region", "-1,-1,1,1",
                         "--lod", "3", "--seed", "0x2a", "-q", "-o", path),
                     0);
    png_read_result *p = png_read(path);
    ck_assert_uint_eq(p->width, 2 * 16 + 1);
    ck_assert_int_eq(p->channels, 3);
    ck_assert_ptr_nonnull(text_of(p, "terrapage:legend"));
    png_read_free(p);
    unlink(path);
}
END_TEST

/* ---- progress ---------------------------------------------------------------------- */

START_TEST(test_progress_prints_plain_lines_and_a_summary_off_a_terminal)
{
    FILE *f = tmpfile();
    ck_assert(f != NULL);
    tpt_progress p;
    tpt_progress_begin(&p, "baking", "chunks", 10, TPT_PROGRESS_AUTO, f);
    for (uint64_t i = 1; i <= 10; i++)
        tpt_progress_update(&p, i);
    tpt_progress_add(&p, 0);
    tpt_progress_end(&p);
    rewind(f);
    char buf[512] = "";
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    ck_assert_msg(strstr(buf, "baking: 10 chunks in ") == buf, "%s", buf);
    ck_assert_ptr_null(strchr(buf, '\r')); /* no bar in a file */

    f = tmpfile();
    tpt_progress_begin(&p, "baking", "chunks", 10, TPT_PROGRESS_BAR, f);
    tpt_progress_update(&p, 5);
    tpt_progress_end(&p);
    rewind(f);
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    ck_assert_msg(strstr(buf, "\rbaking [############............] 5/10 chunks") != NULL, "%s",
                  buf);

    f = tmpfile();
    tpt_progress_begin(&p, "baking", "chunks", 10, TPT_PROGRESS_QUIET, f);
    tpt_progress_update(&p, 10);
    tpt_progress_end(&p);
    ck_assert_int_eq(ftell(f), 0);
    fclose(f);
}
END_TEST

/* ---- page files: info, verify, export ---------------------------------------------- */

/* Bakes a small page file with the real baker (one thread, fast compression). */
static void bake_small(const char *path, const tp_world_params *w, tpt_region region)
{
    tp_bake_options o = {0};
    o.world = *w;
    o.region_x0 = region.x0;
    o.region_z0 = region.z0;
    o.region_width = (uint32_t)tpt_region_width(&region);
    o.region_height = (uint32_t)tpt_region_height(&region);
    o.threads = 1;
    o.compression_level = 1;
    ck_assert_msg(tp_bake(path, &o, NULL) == TP_OK, "%s", tp_error_detail());
}

START_TEST(test_export_matches_preview_byte_for_byte_for_every_layer)
{
    /* The default world (what `terrapage preview` draws), baked for 2 × 2 chunks. */
    tp_world_params w = world_with(0, 0);
    char tpk[512];
    tmp_path(tpk, sizeof tpk, "default.tpk");
    bake_small(tpk, &w, (tpt_region){-1, -1, 1, 1});
    for (int layer = 0; layer < TPT_RENDER_LAYER_COUNT; layer++) {
        for (int lod = 0; lod <= 4; lod += 2) {
            char a[512], b[512], lod_text[8];
            tmp_path(a, sizeof a, "export.png");
            tmp_path(b, sizeof b, "preview.png");
            snprintf(lod_text, sizeof lod_text, "%d", lod);
            char *name = (char *)tpt_render_layer_names[layer];
            ck_assert_int_eq(RUN(tpt_cmd_export, "export", tpk, "--layer", name, "--lod",
                                 lod_text, "-q", "-o", a),
                             0);
            ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--layer", name, "--lod", lod_text,
                                 "--region", "-1,-1,1,1", "-q", "-o", b),
                             0);
            ck_assert_msg(files_identical(a, b), "layer %s LOD %d: export and preview differ",
                          name, lod);
            unlink(a);
            unlink(b);
        }
    }
    unlink(tpk);
}
END_TEST

START_TEST(test_reader_source_renders_the_same_images_as_the_generator_for_any_world)
{
    tp_world_params w = world_with(1234, 33);
    char tpk[512], err[512];
    tmp_path(tpk, sizeof tpk, "small.tpk");
    bake_small(tpk, &w, (tpt_region){-2, -1, 2, 2});
    tp_reader *reader;
    ck_assert_int_eq(tp_reader_open(tpk, NULL, &reader), TP_OK);
    tp_page_layout file_layout;
    ck_assert(tpt_pagefile_layout("test", tpk, reader, NULL, &file_layout));
    tpt_reader_source rs;
    tpt_reader_source_init(&rs, reader, &file_layout, false);
    tpt_field_source from_file = tpt_reader_source_fields(&rs);
    tpt_field_source from_generator = tpt_field_source_generator(&w);
    for (int layer = 0; layer < TPT_RENDER_LAYER_COUNT; layer++) {
        for (uint32_t lod = 0; lod < tp_world_lod_count(&w); lod++) {
            tpt_render_options opt = {.layer = (tpt_render_layer)layer,
                                     .region = {-2, -1, 2, 2}, .lod = lod};
            tpt_render_image a, b;
            ck_assert_msg(tpt_render(&from_file, &opt, &a, err, sizeof err) == TP_OK, "%s", err);
            ck_assert_int_eq(tpt_render(&from_generator, &opt, &b, err, sizeof err), TP_OK);
            ck_assert_int_eq(a.png.text_count, b.png.text_count);
            for (size_t i = 0; i < a.png.text_count; i++)
                ck_assert_str_eq(a.text_value[i], b.text_value[i]);
            ck_assert_msg(memcmp(a.pixels, b.pixels, a.png.row_bytes * a.png.height) == 0,
                          "layer %d LOD %u differs", layer, lod);
            tpt_render_image_free(&a);
            tpt_render_image_free(&b);
        }
    }
    ck_assert_uint_eq(atomic_load(&rs.generated), 0);
    tp_reader_close(reader);
    unlink(tpk);
}
END_TEST

START_TEST(test_export_outside_the_baked_region_fails_unless_fallback_generates_it)
{
    tp_world_params w = world_with(0, 0);
    char tpk[512], a[512], b[512], out[4096];
    tmp_path(tpk, sizeof tpk, "part.tpk");
    tmp_path(a, sizeof a, "fallback.png");
    tmp_path(b, sizeof b, "fallback-preview.png");
    bake_small(tpk, &w, (tpt_region){0, 0, 2, 1});
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_export, "export", tpk, "--region", "0,0,2,2",
                                  "--layer", "height", "-o", a),
                     1);
    ck_assert_msg(strstr(out, "region 0,0,2,2 reaches outside the baked region 0,0,2,1"), "%s",
                  out);
    ck_assert_int_eq(access(a, F_OK), -1);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_export, "export", tpk, "--region", "0,0,2,2",
                                  "--layer", "hillshade", "--lod", "1", "--fallback", "-o", a),
                     0);
    ck_assert_msg(strstr(out, "4 blobs were not in the file and were generated"), "%s", out);
    ck_assert_int_eq(RUN(tpt_cmd_preview, "preview", "--region", "0,0,2,2", "--layer",
                         "hillshade", "--lod", "1", "-q", "-o", b),
                     0);
    ck_assert(files_identical(a, b));
    unlink(a);
    unlink(b);
    unlink(tpk);
}
END_TEST

/* Flips one byte inside the stored blob of (cx, cz, layer, lod). */
static void corrupt_blob(const char *path, int32_t cx, int32_t cz, uint32_t layer, uint32_t lod)
{
    tp_reader *r;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, cx, cz, layer, lod, &ref), TP_OK);
    uint64_t offset = ref.offset + ref.stored_size / 2;
    tp_reader_close(r);
    FILE *f = fopen(path, "r+b");
    ck_assert(f != NULL);
    ck_assert_int_eq(fseek(f, (long)offset, SEEK_SET), 0);
    int c = fgetc(f);
    ck_assert_int_eq(fseek(f, (long)offset, SEEK_SET), 0);
    fputc(c ^ 0x40, f);
    fclose(f);
}

START_TEST(test_verify_passes_a_good_file_and_names_each_corrupt_blob)
{
    tp_world_params w = world_with(5, 33);
    char tpk[512], out[65536], png[512];
    tmp_path(tpk, sizeof tpk, "verify.tpk");
    tmp_path(png, sizeof png, "verify.png");
    bake_small(tpk, &w, (tpt_region){-2, -2, 2, 1});
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk), 0);
    /* 12 chunks · (3 height + 3 biome + 3 mesh + 2 climate) blobs. */
    ck_assert_msg(strstr(out, ": OK: 132 blobs in 12 chunks checked"), "%s", out);

    corrupt_blob(tpk, 1, -1, TP_LAYER_HEIGHT, 1);
    corrupt_blob(tpk, -2, 0, TP_LAYER_BIOME, 0);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_verify, "verify", tpk, "-q"), 1);
    ck_assert_msg(strstr(out, "chunk (-2, 0) biome LOD 0: checksum mismatch"), "%s", out);
    ck_assert_msg(strstr(out, "chunk (1, -1) height LOD 1: checksum mismatch"), "%s", out);
    /* In chunk order: (1, -1) comes before (-2, 0). */
    ck_assert(strstr(out, "chunk (1, -1)") < strstr(out, "chunk (-2, 0)"));
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk, "--json", "-j", "2"), 1);
    ck_assert_msg(strstr(out, "\"bad_count\": 2,"), "%s", out);
    ck_assert_msg(strstr(out, "{\"cx\": 1, \"cz\": -1, \"layer\": \"height\", \"lod\": 1, "
                              "\"reason\": \"checksum mismatch"),
                  "%s", out);

    /* Export refuses the damaged data and names the chunk. */
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_export, "export", tpk, "--layer", "height",
                                  "--lod", "1", "-o", png),
                     1);
    ck_assert_msg(strstr(out, "chunk (1, -1) at LOD 1: checksum mismatch"), "%s", out);
    ck_assert_int_eq(access(png, F_OK), -1);
    unlink(tpk);
}
END_TEST

/* ---- a mesh blob altered inside, its file resealed ----------------------------------
 *
 * The edits a damaged or hostile writer could make: the mesh encoding changed, then every
 * checksum above it recomputed (the mesh's own unless the edit is to it, the blob's in its
 * directory entry, the directory block's in the block table, the block table's), so only
 * a full decode of the mesh finds them. Offsets are FORMAT.md's (5.1, 5.2, 12.2, 12.6). */

static uint32_t get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
    return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

static void put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
    put_le32(p, (uint32_t)v);
    put_le32(p + 4, (uint32_t)(v >> 32));
}

/* 12.6: low 32 bits of the body's XXH3, seeded with the XXH3 of header bytes 0 … 27. */
static void reseal_mesh(uint8_t *mesh, size_t size)
{
    uint64_t seed = XXH3_64bits_withSeed(mesh, 28, 0x7470u);
    put_le32(mesh + 28, (uint32_t)XXH3_64bits_withSeed(mesh + 32, size - 32, seed));
}

/* Every directory block's checksum in the block table, then the table's own. */
static void reseal_directory(uint8_t *file)
{
    uint32_t shift = get_le32(file + 136), tile = 1u << shift;
    uint32_t width = get_le32(file + 72), height = get_le32(file + 76);
    uint64_t record = get_le32(file + 140) + (uint64_t)get_le32(file + 148) * get_le32(file + 144);
    uint32_t tiles_x = (width + tile - 1) >> shift, tiles_z = (height + tile - 1) >> shift;
    uint8_t *table = file + get_le64(file + 152);
    for (uint32_t tz = 0; tz < tiles_z; tz++)
        for (uint32_t tx = 0; tx < tiles_x; tx++) {
            uint8_t *e = table + ((uint64_t)tz * tiles_x + tx) * 16;
            uint64_t tw = width - tx * tile < tile ? width - tx * tile : tile;
            uint64_t th = height - tz * tile < tile ? height - tz * tile : tile;
            if (get_le64(e))
                put_le64(e + 8, XXH3_64bits(file + get_le64(e), tw * th * record));
        }
    uint64_t n = (uint64_t)tiles_x * tiles_z * 16;
    put_le64(table + n, XXH3_64bits(table, n));
}

/* Rewrites the mesh blob of (cx, cz) at `lod`: decoded, changed by `edit`, stored again
 * in its own place (LZ4 at the first level whose output fits there; the edits keep the
 * encoding's length, so one does) and the file resealed. */
static void alter_mesh(const char *path, int32_t cx, int32_t cz, uint32_t lod,
                       void (*edit)(uint8_t *mesh, size_t size))
{
    tp_reader *r;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, cx, cz, TP_LAYER_MESH, lod, &ref), TP_OK);
    uint8_t *mesh = malloc(ref.raw_size);
    ck_assert_int_eq(tp_reader_decode(r, &ref, mesh, ref.raw_size), TP_OK);
    tp_reader_close(r);
    ck_assert_msg(mesh[5] & 1, "the edits expect a mesh with implicit skirts");
    edit(mesh, ref.raw_size);

    size_t cap = tp_blob_encode_bound(ref.raw_size), stored_size = SIZE_MAX;
    uint8_t *stored = malloc(cap);
    uint32_t encoding = 0;
    for (int level = 1; level <= 12 && stored_size > ref.stored_size; level++)
        ck_assert_int_eq(tp_blob_encode(TP_ELEM_BYTES, 0, mesh, ref.raw_size, level, stored, cap,
                                        &stored_size, &encoding),
                         TP_OK);
    ck_assert_msg(stored_size <= ref.stored_size, "the altered mesh no longer fits its place");

    size_t file_size;
    uint8_t *file = read_file(path, &file_size);
    memcpy(file + ref.offset, stored, stored_size);
    /* Its directory entry: the only one with this blob's offset and checksum. */
    uint8_t key[16];
    put_le64(key, ref.offset);
    put_le64(key + 8, ref.checksum);
    uint64_t directory = get_le64(file + 160), directory_size = get_le64(file + 168);
    uint8_t *entry = NULL;
    for (uint64_t at = directory; at + 32 <= directory + directory_size; at += 8)
        if (memcmp(file + at, key, sizeof key) == 0)
            entry = file + at;
    ck_assert_ptr_nonnull(entry);
    put_le64(entry + 8, XXH3_64bits(stored, stored_size));
    put_le32(entry + 16, (uint32_t)stored_size);
    put_le32(entry + 24, encoding);
    reseal_directory(file);
    write_file(path, file, file_size);
    free(file);
    free(stored);
    free(mesh);
}

static void set_xz_shift_beyond_15(uint8_t *mesh, size_t size)
{
    mesh[6] = 16;
    reseal_mesh(mesh, size);
}

static void set_an_unknown_flag(uint8_t *mesh, size_t size)
{
    mesh[5] |= 0x2;
    reseal_mesh(mesh, size);
}

/* With implicit skirts the stored part's size does not depend on the total counts, so
 * the header still describes a mesh of this length. */
static void add_a_triangle_to_the_index_count(uint8_t *mesh, size_t size)
{
    put_le32(mesh + 12, get_le32(mesh + 12) + 3);
    reseal_mesh(mesh, size);
}

static void claim_the_most_vertices_a_mesh_may_have(uint8_t *mesh, size_t size)
{
    put_le32(mesh + 8, TP_MESH_MAX_VERTICES);
    reseal_mesh(mesh, size);
}

static void flip_a_checksum_bit(uint8_t *mesh, size_t size)
{
    (void)size;
    mesh[28] ^= 0x10;
}

START_TEST(test_verify_decodes_every_mesh_and_names_each_corrupt_one_in_a_resealed_file)
{
    tp_world_params w = world_with(5, 33);
    char tpk[512], out[65536], obj[512];
    tmp_path(tpk, sizeof tpk, "mesh-verify.tpk");
    tmp_path(obj, sizeof obj, "mesh-verify.obj");
    bake_small(tpk, &w, (tpt_region){0, 0, 3, 2});
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk), 0);

    alter_mesh(tpk, 0, 0, 0, set_xz_shift_beyond_15);
    alter_mesh(tpk, 1, 0, 1, set_an_unknown_flag);
    alter_mesh(tpk, 2, 0, 2, add_a_triangle_to_the_index_count);
    alter_mesh(tpk, 0, 1, 2, claim_the_most_vertices_a_mesh_may_have);
    alter_mesh(tpk, 1, 1, 1, flip_a_checksum_bit);
    /* Every blob is intact at the page-file level: the reader's checks all pass. */
    tp_reader *r;
    ck_assert_int_eq(tp_reader_open(tpk, NULL, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, 1, 1, TP_LAYER_MESH, 1, &ref), TP_OK);
    ck_assert_int_eq(tp_reader_verify_blob(r, &ref), TP_OK);
    tp_reader_close(r);

    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_verify, "verify", tpk, "-q", "-j", "2"), 1);
    static const char *const expected[] = {
        "chunk (0, 0) mesh LOD 0: corrupt or malformed data (mesh header flags 0x01, xz shift 16",
        "chunk (1, 0) mesh LOD 1: corrupt or malformed data (mesh header flags 0x03,",
        "chunk (2, 0) mesh LOD 2: corrupt or malformed data (mesh skirts rebuild to other counts",
        "chunk (0, 1) mesh LOD 2: corrupt or malformed data (mesh of 65535 vertices",
        "chunk (1, 1) mesh LOD 1: corrupt or malformed data (mesh checksum mismatch",
    };
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        ck_assert_msg(strstr(out, expected[i]), "no \"%s\" in:\n%s", expected[i], out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk, "--json"), 1);
    ck_assert_msg(strstr(out, "\"bad_count\": 5,"), "%s", out);
    ck_assert_msg(strstr(out, "{\"cx\": 1, \"cz\": 1, \"layer\": \"mesh\", \"lod\": 1, "
                              "\"reason\": \"corrupt or malformed data (mesh checksum mismatch"),
                  "%s", out);

    /* `terrapage mesh` refuses the same blob for the same reason. */
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", tpk, "--chunk", "1,1", "--lod",
                                  "1", "-o", obj),
                     1);
    ck_assert_msg(strstr(out, "chunk (1, 1) LOD 1: corrupt or malformed data (mesh checksum "
                              "mismatch"),
                  "%s", out);
    unlink(obj);
    unlink(tpk);
}
END_TEST

START_TEST(test_merge_command_reports_in_json_and_names_a_missing_shard)
{
    static char out[16384];
    char s0[512], s1[512], whole[512], merged[512];
    tmp_path(s0, sizeof s0, "cli-shard0.tpk");
    tmp_path(s1, sizeof s1, "cli-shard1.tpk");
    tmp_path(whole, sizeof whole, "cli-whole.tpk");
    tmp_path(merged, sizeof merged, "cli-merged.tpk");
    char *common[] = {"--samples", "9", "--region", "-20,3,13,20", "-q", "-j", "1"};
#define BAKE(...) RUN(tpt_cmd_bake, "bake", common[0], common[1], common[2], common[3],      \
                      common[4], common[5], common[6], __VA_ARGS__)
    ck_assert_int_eq(BAKE("--shard", "0/2", "-o", s0), 0);
    ck_assert_int_eq(BAKE("--shard", "1/2", "-o", s1), 0);
    ck_assert_int_eq(BAKE("-o", whole), 0);
#undef BAKE
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_merge, "merge", s1, s0, "-o", merged, "-q",
                                  "--json"),
                     0);
    json_error_t error;
    json_t *report = json_loads(out, 0, &error);
    ck_assert_msg(report != NULL, "%s", out);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "shards")), 2);
    ck_assert_int_eq(json_integer_value(json_object_get(report, "chunks")), 33 * 17);
    json_decref(report);
    ck_assert(files_identical(merged, whole));
    unlink(merged);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_merge, "merge", s1, "-o", merged, "-q"), 1);
    ck_assert_msg(strstr(out, "shard 0 of 2 is missing"), "%s", out);
    ck_assert_int_eq(access(merged, F_OK), -1);
    unlink(s0), unlink(s1), unlink(whole);
}
END_TEST

/* FORMAT.md's reference file (section 10) is a real bake of the default world: verify
 * accepts it, its pages compared with generation included. */
START_TEST(test_verify_accepts_the_format_reference_file)
{
    char path[600], out[4096];
    snprintf(path, sizeof path, "%s/pagefile/reference.tpk", TP_TEST_DATA_DIR);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", path), 0);
    ck_assert_msg(strstr(out, ": OK: 16 blobs in 2 chunks checked") &&
                      strstr(out, "0 bad, 2 coarsest pages compared with generation"),
                  "%s", out);
}
END_TEST

/* The page-file suite's synthetic file of format 1.0 follows every rule the spec states,
 * and its header is a world of this generator (the parameters resolve, the header and
 * layers agree with them), but its samples are not that world's terrain: the content
 * check, which compares stored pages with generation, refuses it, naming the first page. */
START_TEST(test_verify_refuses_a_file_whose_samples_are_not_its_world)
{
    char path[600], out[4096];
    snprintf(path, sizeof path, "%s/pagefile/tiny-v1.0.tpk", TP_TEST_DATA_DIR);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_verify, "verify", path), 1);
    ck_assert_msg(strstr(out, "the file's pages are not the world its header describes "
                              "(chunk (5, -7) height LOD 1: differs from the page generated "
                              "for this chunk (sample (0, 0) is 16096 in the file,"),
                  "%s", out);
}
END_TEST

/* ---- files whose pages are not the world their header describes -------------------
 *
 * Edits that keep every checksum valid (each one recomputed, as a hostile writer would):
 * no checksum and no decoder can see them; only the pages, compared with what the
 * generator makes for their chunks, can. */

static long long json_count(const char *json, const char *key);

/* Moves the region's origin by `dx` chunks and re-signs the header (FORMAT.md 5.1). */
static void move_region_origin(const char *path, int32_t dx)
{
    size_t size;
    uint8_t *file = read_file(path, &size);
    put_le32(file + 64, get_le32(file + 64) + (uint32_t)dx);
    uint32_t header = get_le32(file + 12);
    put_le64(file + header - 8, XXH3_64bits(file, header - 8));
    write_file(path, file, size);
    free(file);
}

/* The directory entry of blob (cx, cz, layer, lod) in `file`: the only 32 bytes with its
 * offset and checksum. */
static uint8_t *directory_entry(const char *path, uint8_t *file, int32_t cx, int32_t cz,
                                uint32_t layer, uint32_t lod)
{
    tp_reader *r;
    ck_assert_int_eq(tp_reader_open(path, NULL, &r), TP_OK);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, cx, cz, layer, lod, &ref), TP_OK);
    tp_reader_close(r);
    uint8_t key[16];
    put_le64(key, ref.offset);
    put_le64(key + 8, ref.checksum);
    uint64_t directory = get_le64(file + 160), directory_size = get_le64(file + 168);
    for (uint64_t at = directory; at + 32 <= directory + directory_size; at += 8)
        if (memcmp(file + at, key, sizeof key) == 0)
            return file + at;
    ck_abort_msg("no directory entry for chunk (%d, %d)", (int)cx, (int)cz);
    return NULL;
}

/* Files the blob (from_x, from_z, layer, from_lod) under (to_x, to_z, layer, to_lod) too:
 * its directory entry copied over the other's, the directory re-signed. */
static void splice_entry_between_lods(const char *path, int32_t from_x, int32_t from_z,
                                      uint32_t from_lod, int32_t to_x, int32_t to_z,
                                      uint32_t to_lod, uint32_t layer)
{
    size_t size;
    uint8_t *file = read_file(path, &size);
    const uint8_t *from = directory_entry(path, file, from_x, from_z, layer, from_lod);
    memcpy(directory_entry(path, file, to_x, to_z, layer, to_lod), from, 32);
    reseal_directory(file);
    write_file(path, file, size);
    free(file);
}

/* The same LOD of another chunk. */
static void splice_entry(const char *path, int32_t from_x, int32_t from_z, int32_t to_x,
                         int32_t to_z, uint32_t layer, uint32_t lod)
{
    splice_entry_between_lods(path, from_x, from_z, lod, to_x, to_z, lod, layer);
}

START_TEST(test_every_command_refuses_a_header_whose_region_origin_moved)
{
    tp_world_params w = world_with(5, 33);
    char tpk[512], png[512], obj[512];
    static char out[65536];
    tmp_path(tpk, sizeof tpk, "moved.tpk");
    tmp_path(png, sizeof png, "moved.png");
    tmp_path(obj, sizeof obj, "moved.obj");
    bake_small(tpk, &w, (tpt_region){0, 0, 3, 2});
    move_region_origin(tpk, 262144);
    const char *why = "pages are not the world its header describes";

    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_verify, "verify", tpk), 1);
    ck_assert_msg(strstr(out, why) && strstr(out, "chunk (262144, 0) height LOD 2: differs "
                                                  "from the page generated for this chunk"),
                  "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_info, "info", tpk), 1);
    ck_assert_msg(strstr(out, why), "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_export, "export", tpk, "-o", png), 1);
    ck_assert_msg(strstr(out, why), "%s", out);
    ck_assert_int_eq(access(png, F_OK), -1);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", tpk, "--chunk", "262144,0",
                                  "-o", obj),
                     1);
    ck_assert_msg(strstr(out, why), "%s", out);
    ck_assert_int_eq(access(obj, F_OK), -1);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_soak, "soak", tpk, "--no-pace", "--ticks",
                                  "5"),
                     1);
    ck_assert_msg(strstr(out, why), "%s", out);

    /* Moved back, it is its world again. */
    move_region_origin(tpk, -262144);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk, "-q"), 0);
    unlink(tpk);
}
END_TEST

START_TEST(test_verify_finds_entries_spliced_from_another_chunk)
{
    tp_world_params w = world_with(5, 33); /* LODs 0, 1, 2 */
    char tpk[512];
    static char out[65536];
    tmp_path(tpk, sizeof tpk, "spliced.tpk");
    /* 4 × 2 chunks: the check at open compares (0, 0) … (3, 0); the splices go to row 1. */
    bake_small(tpk, &w, (tpt_region){0, 0, 4, 2});
    splice_entry(tpk, 0, 0, 0, 1, TP_LAYER_TEMPERATURE, 0);
    splice_entry(tpk, 0, 0, 1, 1, TP_LAYER_PRECIPITATION, 0);
    splice_entry(tpk, 0, 0, 2, 1, TP_LAYER_MESH, 2);
    splice_entry(tpk, 2, 0, 3, 1, TP_LAYER_MESH, 0); /* a finer mesh */
    /* A chunk's own coarser mesh filed as its finer one would lie on its heights, but the
     * reader refuses a blob outside its LOD's section. */
    splice_entry_between_lods(tpk, 1, 0, 1, 1, 0, 0, TP_LAYER_MESH);

    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_verify, "verify", tpk, "-q", "-j", "2"), 1);
    static const char *const expected[] = {
        "chunk (0, 1) temperature LOD 0: differs from the page generated for this chunk "
        "(sample (",
        "chunk (1, 1) precipitation LOD 0: differs from the page generated for this chunk",
        "chunk (2, 1) mesh LOD 2: differs from the mesh generated for this chunk",
        /* A mesh is decoded anyway: one off its chunk's heights shows at every LOD. */
        "chunk (2, 1) mesh LOD 2: vertex 0 has height code",
        "chunk (3, 1) mesh LOD 0: vertex 0 has height code",
    };
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        ck_assert_msg(strstr(out, expected[i]), "no \"%s\" in:\n%s", expected[i], out);
    ck_assert_msg(strstr(out, "the mesh is not on this chunk's heights"), "%s", out);
    ck_assert_msg(strstr(out, "chunk (1, 0) mesh LOD 0: corrupt or malformed data (chunk (1, 0) "
                              "layer 4 LOD 0 points outside its section)"),
                  "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk, "--json"), 1);
    ck_assert_int_eq(json_count(out, "bad_count"), 6);
    ck_assert_int_eq(json_count(out, "pages_compared"), 8);

    /* --deep compares every page: the mesh at LOD 0 differs from generation too. */
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_verify, "verify", tpk, "--deep", "-q"), 1);
    for (size_t i = 0; i < sizeof expected / sizeof *expected; i++)
        ck_assert_msg(strstr(out, expected[i]), "no \"%s\" in:\n%s", expected[i], out);
    ck_assert_msg(strstr(out, "chunk (3, 1) mesh LOD 0: differs from the mesh generated for "
                              "this chunk"),
                  "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk, "--deep", "--json"), 1);
    ck_assert_int_eq(json_count(out, "bad_count"), 7);
    unlink(tpk);
}
END_TEST

START_TEST(test_verify_deep_compares_every_page_of_a_sound_file)
{
    tp_world_params w = world_with(5, 33);
    char tpk[512];
    static char out[65536];
    tmp_path(tpk, sizeof tpk, "deep.tpk");
    bake_small(tpk, &w, (tpt_region){-1, 0, 2, 2});
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk, "--deep", "--json"), 0);
    ck_assert_int_eq(json_count(out, "pages_compared"), 6 * 3);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk), 0);
    ck_assert_msg(strstr(out, ", 6 coarsest pages compared with generation"), "%s", out);
    unlink(tpk);
}
END_TEST

/* A region whose last chunk is INT32_MAX ends at 2^31, which int32 cannot hold. */
START_TEST(test_info_and_verify_handle_a_region_ending_at_the_last_chunk_coordinate)
{
    tp_world_params w = world_with(5, 17);
    char tpk[512];
    static char out[65536];
    tmp_path(tpk, sizeof tpk, "edge.tpk");
    tp_bake_options o = {0};
    o.world = w;
    o.region_x0 = INT32_MAX - 2;
    o.region_z0 = INT32_MAX - 1;
    o.region_width = 3;
    o.region_height = 2;
    o.threads = 1;
    o.compression_level = 1;
    ck_assert_msg(tp_bake(tpk, &o, NULL) == TP_OK, "%s", tp_error_detail());

    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", tpk), 0);
    ck_assert_msg(strstr(out, "region             2147483645,2147483646,2147483648,2147483648: "
                              "3 x 2 chunks"),
                  "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", tpk, "--json"), 0);
    ck_assert_int_eq(json_count(out, "x1"), 2147483648LL);
    ck_assert_int_eq(json_count(out, "z1"), 2147483648LL);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", tpk), 0);
    ck_assert_msg(strstr(out, " in 6 chunks checked"), "%s", out);
    /* Damage at the far corner is found and named there. */
    corrupt_blob(tpk, INT32_MAX, INT32_MAX, TP_LAYER_HEIGHT, 0);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_verify, "verify", tpk, "-q"), 1);
    ck_assert_msg(strstr(out, "chunk (2147483647, 2147483647) height LOD 0: checksum mismatch"),
                  "%s", out);
    unlink(tpk);
}
END_TEST

START_TEST(test_info_reports_parameters_and_blob_counts)
{
    tp_world_params w = world_with(99, 33);
    char tpk[512], out[65536];
    tmp_path(tpk, sizeof tpk, "info.tpk");
    bake_small(tpk, &w, (tpt_region){0, 0, 3, 2});
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", tpk, "--json"), 0);
    ck_assert_msg(strstr(out, "\"seed\": 99,"), "%s", out);
    ck_assert_msg(strstr(out, "\"samples_per_edge\": 33,"), "%s", out);
    ck_assert_msg(strstr(out, "\"region\": {\"x0\": 0, \"z0\": 0, \"x1\": 3, \"z1\": 2, "
                              "\"width\": 3, \"height\": 2}"),
                  "%s", out);
    ck_assert_msg(strstr(out, "\"chunks_present\": 6,"), "%s", out);
    /* 6 chunks · (3 height + 3 biome + 3 mesh + 2 climate) blobs. */
    ck_assert_msg(strstr(out, "\"totals\": {\"blobs\": 66,"), "%s", out);
    ck_assert_msg(strstr(out, "\"slope_bitplane_lz4\": "), "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", tpk), 0);
    ck_assert_msg(strstr(out, "seed               99"), "%s", out);
    /* Every encoding the baker uses has a name (heights: the default filter). */
    ck_assert_msg(strstr(out, "slope+bitplane+lz4 "), "%s", out);
    unlink(tpk);
}
END_TEST

START_TEST(test_inspection_commands_name_the_file_and_problem_for_a_non_page_file)
{
    char path[512], out[4096];
    tmp_path(path, sizeof path, "not-a-world.tpk");
    FILE *f = fopen(path, "wb");
    ck_assert(f != NULL);
    for (int i = 0; i < 4096; i++)
        fputc("hello world\n"[i % 12], f);
    fclose(f);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_info, "info", path), 1);
    ck_assert_msg(strstr(out, path) && strstr(out, "bad magic"), "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_verify, "verify", path), 1);
    ck_assert_msg(strstr(out, path) && strstr(out, "bad magic"), "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_export, "export", path), 1);
    ck_assert_msg(strstr(out, path) && strstr(out, "bad magic"), "%s", out);
    unlink(path);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_info, "info", path), 1);
    ck_assert_msg(strstr(out, path), "%s", out);
}
END_TEST

/* A FIFO given as the page file: each command refuses it at once, naming the path and
 * what it is, instead of blocking in open() until a writer appears (here: never). Each
 * runs in a child that alarm() kills should it block. */
START_TEST(test_inspection_commands_refuse_a_fifo_at_once)
{
    char fifo[512], out[8192];
    tmp_path(fifo, sizeof fifo, "fifo.tpk");
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    int status = GUARDED_RUN(out, 30, tpt_cmd_verify, "verify", fifo);
    ck_assert_msg(status == 1 && strstr(out, fifo) && strstr(out, "is a FIFO, not a regular file"),
                  "verify: status %d: %s", status, out);
    status = GUARDED_RUN(out, 30, tpt_cmd_verify, "verify", fifo, "--json");
    ck_assert_msg(status == 1 && strstr(out, "\"ok\": false") && strstr(out, "FIFO"),
                  "verify --json: status %d: %s", status, out);
    status = GUARDED_RUN(out, 30, tpt_cmd_info, "info", fifo);
    ck_assert_msg(status == 1 && strstr(out, fifo) && strstr(out, "is a FIFO"),
                  "info: status %d: %s", status, out);
    status = GUARDED_RUN(out, 30, tpt_cmd_export, "export", fifo, "-q");
    ck_assert_msg(status == 1 && strstr(out, fifo) && strstr(out, "is a FIFO"),
                  "export: status %d: %s", status, out);
    status = GUARDED_RUN(out, 30, tpt_cmd_mesh, "mesh", fifo, "--chunk", "0,0");
    ck_assert_msg(status == 1 && strstr(out, fifo) && strstr(out, "is a FIFO"),
                  "mesh: status %d: %s", status, out);
    unlink(fifo);
}
END_TEST

/* The number after `"key": ` in a JSON text, or −1. */
static long long json_count(const char *json, const char *key)
{
    char pattern[80];
    snprintf(pattern, sizeof pattern, "\"%s\": ", key);
    const char *at = strstr(json, pattern);
    return at ? strtoll(at + strlen(pattern), NULL, 10) : -1;
}

/* A small file declaring 8192 × 8192 chunks (2^26) of which it stores 4 × 4 in one tile:
 * verify and info look at the chunks of the stored tile only (their --json says how many
 * they visited), and report the rest of the region absent without a look. */
START_TEST(test_verify_and_info_walk_only_the_stored_tiles_of_a_vast_region)
{
    tp_world_params w = world_with(3, 17);
    char baked[512], vast[512];
    static char out[65536];
    tmp_path(baked, sizeof baked, "small.tpk");
    tmp_path(vast, sizeof vast, "vast.tpk");
    bake_small(baked, &w, (tpt_region){0, 0, 4, 4});
    write_vast_copy(baked, vast, 0, 0, 8192, 8192);
    const long long declared = 8192LL * 8192LL;

    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", vast, "--json"), 0);
    ck_assert_int_eq(json_count(out, "chunks"), declared);
    ck_assert_int_eq(json_count(out, "chunks_visited"), 16 * 16);
    ck_assert_int_eq(json_count(out, "chunks_present"), 16);
    ck_assert_int_eq(json_count(out, "chunks_absent"), declared - 16);
    /* 17 samples: height, biome and mesh at LODs 0 and 1, and the two climate grids. */
    ck_assert_int_eq(json_count(out, "blobs_checked"), 16 * (3 * 2 + 2));
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_verify, "verify", vast), 0);
    ck_assert_msg(strstr(out, ": OK: ") && strstr(out, ", 67108848 chunks of the region absent"),
                  "%s", out);

    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", vast, "--json"), 0);
    ck_assert_int_eq(json_count(out, "chunks_visited"), 16 * 16);
    ck_assert_int_eq(json_count(out, "chunks_present"), 16);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", vast), 0);
    ck_assert_msg(strstr(out, "8192 x 8192 chunks") && strstr(out, "16 of 67108864 present"),
                  "%s", out);
    unlink(baked);
    unlink(vast);
}
END_TEST

/* ---- terrapage bake --------------------------------------------------------------- */

START_TEST(test_bake_command_writes_a_file_that_info_and_verify_accept)
{
    static char out[16384];
    char tpk[512];
    tmp_path(tpk, sizeof tpk, "cmd-bake.tpk");
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_bake, "bake", "--region", "-1,0,2,2",
                                  "--samples", "33", "--seed", "9", "-q", "--json", "-o", tpk),
                     0);
    ck_assert_msg(strstr(out, "\"chunks\": 6") && strstr(out, "\"layer\": \"height\""), "%s",
                  out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", tpk, "--json"), 0);
    ck_assert_msg(strstr(out, "\"seed\": 9"), "%s", out);
    ck_assert_int_eq(RUN(tpt_cmd_verify, "verify", tpk, "-q"), 0);

    /* The human summary names the file, the chunk count and every layer. */
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_bake, "bake", "--region", "0,0,1,1",
                                  "--samples", "9", "-o", tpk),
                     0);
    ck_assert_msg(strstr(out, "baked ") && strstr(out, "1 chunks") && strstr(out, "biome"),
                  "%s", out);
    unlink(tpk);
}
END_TEST

START_TEST(test_bake_command_answers_help_and_rejects_bad_arguments)
{
    static char out[16384];
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_bake, "bake", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage bake") == out && strstr(out, "Examples:"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_bake, "bake", "--samples", "100"), 2);
    ck_assert_msg(strstr(out, "--samples") && strstr(out, "2^n + 1"), "%s", out);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--level", "13"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--threads", "-1"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--region", "0,0,0,4"), 2);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "world.tpk"), 2); /* the output is -o */
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "-o", ""), 2);
}
END_TEST

START_TEST(test_bake_command_into_a_missing_directory_fails_naming_the_path)
{
    static char out[16384];
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_bake, "bake", "--region", "0,0,1,1",
                                  "--samples", "9", "-q", "-o", "/nonexistent-dir/w.tpk"),
                     1);
    ck_assert_msg(strstr(out, "terrapage bake: /nonexistent-dir/w.tpk: ") == out &&
                      strstr(out, "No such file or directory"),
                  "%s", out);
}
END_TEST

/* Ctrl-C during a bake: the command stops, says so, exits 1, and the previous file at the
 * output path is untouched, with no temporary file left beside it. */
START_TEST(test_interrupted_bake_command_keeps_the_previous_file)
{
    char tpk[512];
    tmp_path(tpk, sizeof tpk, "interrupted.tpk");
    static const char previous[] = "previous world";
    FILE *f = fopen(tpk, "wb");
    ck_assert(f != NULL);
    fwrite(previous, 1, sizeof previous, f);
    fclose(f);

    /* SIGINT is blocked across the fork: the child inherits the test runner's handler
     * (which kills the whole test), so a Ctrl-C must not reach it before it has replaced
     * that handler. */
    sigset_t sigint, before;
    sigemptyset(&sigint);
    sigaddset(&sigint, SIGINT);
    ck_assert_int_eq(sigprocmask(SIG_BLOCK, &sigint, &before), 0);
    pid_t child = fork();
    ck_assert(child >= 0);
    if (child == 0) {
        /* Ignored until the command installs its handler, so a signal that comes before
         * (on a busy machine the child may not have got that far) is lost, not fatal.
         * Big enough to take seconds: the first signal it catches arrives mid-bake. */
        signal(SIGINT, SIG_IGN);
        sigprocmask(SIG_SETMASK, &before, NULL);
        int status = RUN(tpt_cmd_bake, "bake", "--region", "-64,-64,64,64", "--threads", "1",
                         "-q", "-o", tpk);
        _exit(status);
    }
    ck_assert_int_eq(sigprocmask(SIG_SETMASK, &before, NULL), 0);
    /* Ctrl-C every 20 ms until the command stops: one of them comes once its handler is
     * in place, however long the child takes to get there. */
    int status;
    pid_t done = 0;
    for (int i = 0; i < 60 * 50 && done == 0; i++) {
        ck_assert_int_eq(kill(child, SIGINT), 0);
        nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
        done = waitpid(child, &status, WNOHANG);
    }
    if (done == 0) {
        kill(child, SIGKILL);
        ck_assert_int_eq(waitpid(child, &status, 0), child);
        ck_abort_msg("the bake did not stop within a minute of Ctrl-C");
    }
    ck_assert_int_eq(done, child);
    ck_assert_msg(WIFEXITED(status), "the bake died of a signal instead of stopping");
    ck_assert_int_eq(WEXITSTATUS(status), 1);
    ck_assert(file_equals(tpk, previous, sizeof previous));
    char prefix[256];
    snprintf(prefix, sizeof prefix, "tools-%ld-interrupted.tpk.", (long)getpid());
    ck_assert_int_eq(count_entries(TP_TEST_TMP_DIR, prefix), 0);
    unlink(tpk);
}
END_TEST

/* ---- output paths: what the commands write over ------------------------------------ */

/* `terrapage bake` must refuse `path` before it bakes: exit 1, one line naming the path and
 * `what`, and no temporary file beside it. */
static void expect_bake_refused(const char *dir, char *path, const char *what)
{
    static char out[16384];
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_bake, "bake", "--region", "0,0,2,2",
                                  "--samples", "9", "-q", "-o", path),
                     1);
    ck_assert_msg(strstr(out, "terrapage bake: ") == out && strstr(out, path) &&
                      strstr(out, what) && strchr(out, '\n') == out + strlen(out) - 1,
                  "%s", out);
    ck_assert_int_eq(count_entries(dir, strrchr(path, '/') + 1), 1); /* no temporary */
}

/* A character device like /dev/null, made in a temporary directory (never under /dev),
 * so that a command which renamed over it would harm nothing. */
START_TEST(test_bake_command_refuses_a_device_node_and_leaves_it_alone)
{
    if (geteuid() != 0)
        return; /* skipped: only root may create device nodes (mknod) */
    char dir[512], node[600];
    make_tmp_dir(dir, sizeof dir, "device");
    snprintf(node, sizeof node, "%s/null", dir);
    ck_assert_int_eq(mknod(node, S_IFCHR | 0666, makedev(1, 3)), 0);
    expect_bake_refused(dir, node, "is a character device");
    struct stat st;
    ck_assert_int_eq(lstat(node, &st), 0);
    ck_assert(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
    remove_tmp_dir(dir);
}
END_TEST

/* Neither is opened (a FIFO would block the command until a reader came: a regression
 * shows as this test hanging until its timeout), and neither is baked for. */
START_TEST(test_bake_command_refuses_a_fifo_or_a_directory_before_baking)
{
    char dir[512], fifo[600], sub[600];
    make_tmp_dir(dir, sizeof dir, "special");
    snprintf(fifo, sizeof fifo, "%s/pipe.tpk", dir);
    snprintf(sub, sizeof sub, "%s/sub.tpk", dir);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    ck_assert_int_eq(mkdir(sub, 0755), 0);
    expect_bake_refused(dir, fifo, "is a FIFO");
    expect_bake_refused(dir, sub, "is a directory");
    struct stat st;
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    ck_assert_int_eq(rmdir(sub), 0); /* still an empty directory */
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_bake_command_writes_through_a_symlink_and_keeps_the_mode)
{
    char dir[512], target[600], link[600];
    make_tmp_dir(dir, sizeof dir, "symlink");
    snprintf(target, sizeof target, "%s/real.tpk", dir);
    snprintf(link, sizeof link, "%s/world.tpk", dir);
    write_file(target, "old", 3);
    ck_assert_int_eq(chmod(target, 0600), 0);
    ck_assert_int_eq(symlink("real.tpk", link), 0); /* relative, as ln -s makes them */
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--region", "0,0,1,1", "--samples", "9", "-q",
                         "-o", link),
                     0);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode)); /* the link is still a link ... */
    ck_assert_int_eq(lstat(target, &st), 0);
    ck_assert(S_ISREG(st.st_mode)); /* ... to the replaced file, which kept its mode */
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(RUN(tpt_cmd_verify, "verify", target, "-q"), 0);
    ck_assert_int_eq(count_entries(dir, ""), 4); /* ., .., the link and its target */
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_bake_command_refuses_a_name_too_long_for_its_temporary)
{
    char dir[512], path[2048];
    make_tmp_dir(dir, sizeof dir, "long-name");
    long name_max = pathconf(dir, _PC_NAME_MAX);
    ck_assert(name_max > 20 && name_max < 1024);
    /* A valid name, but not once ".tmp-<pid>-<8 hex digits>" is added. */
    int n = snprintf(path, sizeof path, "%s/", dir);
    memset(path + n, 'n', (size_t)name_max - 4);
    path[n + name_max - 4] = 0;
    write_file(path, "old", 3);
    expect_bake_refused(dir, path, strerror(ENAMETOOLONG));
    ck_assert(file_equals(path, "old", 3));
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_bake_command_keeps_the_cause_of_a_failure_with_a_long_path)
{
    static char out[16384];
    char path[2048] = "/nonexistent-dir";
    while (strlen(path) < 1500)
        strcat(path, "/a-directory-that-is-not-there");
    strcat(path, "/w.tpk");
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_bake, "bake", "--region", "0,0,1,1",
                                  "--samples", "9", "-q", "-o", path),
                     1);
    const char *cause = strerror(ENOENT);
    size_t n = strlen(out);
    ck_assert_msg(n > strlen(cause) + 1 && strncmp(out + n - strlen(cause) - 1, cause,
                                                   strlen(cause)) == 0 && out[n - 1] == '\n',
                  "%s", out);
}
END_TEST

START_TEST(test_bake_command_removes_only_the_temporaries_of_dead_processes)
{
    char dir[512], path[600], stale[700], mine[700], parents[700];
    make_tmp_dir(dir, sizeof dir, "stale");
    snprintf(path, sizeof path, "%s/world.tpk", dir);
    /* What a bake killed while writing leaves behind, and two of live processes. */
    snprintf(stale, sizeof stale, "%s.tmp-%ld-0badf00d", path, (long)dead_pid());
    snprintf(mine, sizeof mine, "%s.tmp-%ld-0123abcd", path, (long)getpid());
    snprintf(parents, sizeof parents, "%s.tmp-%ld-89abcdef", path, (long)getppid());
    write_file(stale, "a partial page file", 19);
    write_file(mine, "in progress", 11);
    write_file(parents, "in progress", 11);
    ck_assert_int_eq(RUN(tpt_cmd_bake, "bake", "--region", "0,0,1,1", "--samples", "9", "-q",
                         "-o", path),
                     0);
    ck_assert_int_eq(access(stale, F_OK), -1);
    ck_assert_int_eq(access(mine, F_OK), 0);
    ck_assert_int_eq(access(parents, F_OK), 0);
    ck_assert_int_eq(count_entries(dir, "world.tpk"), 3);
    static char out[16384];
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_bake, "bake", "--help"), 0);
    ck_assert_msg(strstr(out, "FILE.tmp-PID-XXXXXXXX") && strstr(out, "no longer exists"),
                  "%s", out);
    remove_tmp_dir(dir);
}
END_TEST

/* `preview` and `export` must refuse `path` before they draw: exit 1, a message naming it
 * and `what`, nothing else created. */
static void expect_images_refused(char *tpk, const char *dir, char *path, const char *what)
{
    static char out[16384];
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_preview, "preview", "--region", "0,0,1,1",
                                  "--lod", "3", "-q", "-o", path),
                     1);
    ck_assert_msg(strstr(out, path) && strstr(out, what), "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_export, "export", tpk, "--layer", "height",
                                  "--lod", "3", "-q", "-o", path),
                     1);
    ck_assert_msg(strstr(out, path) && strstr(out, what), "%s", out);
    ck_assert_int_eq(count_entries(dir, strrchr(path, '/') + 1), 1);
}

START_TEST(test_export_and_preview_refuse_a_device_node_or_a_fifo)
{
    char dir[512], tpk[600], fifo[600], node[600];
    make_tmp_dir(dir, sizeof dir, "png-out");
    snprintf(tpk, sizeof tpk, "%s/w.tpk", dir);
    snprintf(fifo, sizeof fifo, "%s/pipe.png", dir);
    tp_world_params w = world_with(0, 0);
    bake_small(tpk, &w, (tpt_region){0, 0, 1, 1});
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    expect_images_refused(tpk, dir, fifo, "is a FIFO");
    /* A character device like /dev/null, made here rather than under /dev; only root may
     * (mknod), so as another user this part is skipped. */
    if (geteuid() == 0) {
        snprintf(node, sizeof node, "%s/null.png", dir);
        ck_assert_int_eq(mknod(node, S_IFCHR | 0666, makedev(1, 3)), 0);
        expect_images_refused(tpk, dir, node, "is a character device");
        struct stat st;
        ck_assert_int_eq(lstat(node, &st), 0);
        ck_assert(S_ISCHR(st.st_mode));
    }
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_png_writer_replaces_a_symlinks_target_and_keeps_its_mode)
{
    uint8_t pixels[4] = {1, 2, 3, 4};
    tpt_png_image img = {.width = 2, .height = 2, .channels = 1, .bit_depth = 8,
                        .pixels = pixels, .row_bytes = 2};
    char dir[512], target[600], link[600], err[512];
    make_tmp_dir(dir, sizeof dir, "png-link");
    snprintf(target, sizeof target, "%s/real.png", dir);
    snprintf(link, sizeof link, "%s/out.png", dir);
    write_file(target, "old", 3);
    ck_assert_int_eq(chmod(target, 0640), 0);
    ck_assert_int_eq(symlink(target, link), 0);
    ck_assert_msg(tpt_png_write(link, &img, err, sizeof err) == TP_OK, "%s", err);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(lstat(target, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0640);
    png_read_result *p = png_read(target);
    ck_assert_uint_eq(p->width, 2);
    png_read_free(p);
    ck_assert_int_eq(count_entries(dir, ""), 4); /* ., .., the link and its target */
    remove_tmp_dir(dir);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("tools");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_region_parser_accepts_chunk_rectangles);
    tcase_add_test(tc, test_region_parser_rejects_malformed_and_empty_regions);
    tcase_add_test(tc, test_number_parsers_check_syntax_and_range);
    tcase_add_test(tc, test_cli_walks_long_short_inline_and_positional_arguments);
    tcase_add_test(tc, test_commands_answer_help_and_reject_bad_arguments_with_status_2);
    tcase_add_test(tc, test_height_png_reads_back_to_the_generator_codes_with_metre_range);
    tcase_add_test(tc, test_every_layer_renders_identically_twice_and_for_one_or_two_threads);
    tcase_add_test(tc, test_png_has_no_time_chunk);
    tcase_add_test(tc, test_png_writer_failure_returns_an_error_naming_the_file_and_leaves_nothing);
    tcase_add_test(tc, test_png_writer_rejects_malformed_image_descriptions);
    tcase_add_test(tc, test_render_refuses_empty_regions_and_lods_out_of_range);
    tcase_add_test(tc, test_render_names_the_first_failing_chunk_for_any_thread_count);
    tcase_add_test(tc, test_preview_command_writes_the_requested_png);
    tcase_add_test(tc, test_progress_prints_plain_lines_and_a_summary_off_a_terminal);
    tcase_add_test(tc, test_export_matches_preview_byte_for_byte_for_every_layer);
    tcase_add_test(tc, test_reader_source_renders_the_same_images_as_the_generator_for_any_world);
    tcase_add_test(tc, test_export_outside_the_baked_region_fails_unless_fallback_generates_it);
    tcase_add_test(tc, test_verify_passes_a_good_file_and_names_each_corrupt_blob);
    tcase_add_test(tc, test_verify_decodes_every_mesh_and_names_each_corrupt_one_in_a_resealed_file);
    tcase_add_test(tc, test_verify_refuses_a_file_whose_samples_are_not_its_world);
    tcase_add_test(tc, test_verify_accepts_the_format_reference_file);
    tcase_add_test(tc, test_every_command_refuses_a_header_whose_region_origin_moved);
    tcase_add_test(tc, test_verify_finds_entries_spliced_from_another_chunk);
    tcase_add_test(tc, test_verify_deep_compares_every_page_of_a_sound_file);
    tcase_add_test(tc, test_info_and_verify_handle_a_region_ending_at_the_last_chunk_coordinate);
    tcase_add_test(tc, test_merge_command_reports_in_json_and_names_a_missing_shard);
    tcase_add_test(tc, test_info_reports_parameters_and_blob_counts);
    tcase_add_test(tc, test_inspection_commands_name_the_file_and_problem_for_a_non_page_file);
    tcase_add_test(tc, test_inspection_commands_refuse_a_fifo_at_once);
    tcase_add_test(tc, test_verify_and_info_walk_only_the_stored_tiles_of_a_vast_region);
    tcase_add_test(tc, test_bake_command_writes_a_file_that_info_and_verify_accept);
    tcase_add_test(tc, test_bake_command_answers_help_and_rejects_bad_arguments);
    tcase_add_test(tc, test_bake_command_into_a_missing_directory_fails_naming_the_path);
    tcase_add_test(tc, test_interrupted_bake_command_keeps_the_previous_file);
    tcase_add_test(tc, test_bake_command_refuses_a_device_node_and_leaves_it_alone);
    tcase_add_test(tc, test_bake_command_refuses_a_fifo_or_a_directory_before_baking);
    tcase_add_test(tc, test_bake_command_writes_through_a_symlink_and_keeps_the_mode);
    tcase_add_test(tc, test_bake_command_refuses_a_name_too_long_for_its_temporary);
    tcase_add_test(tc, test_bake_command_keeps_the_cause_of_a_failure_with_a_long_path);
    tcase_add_test(tc, test_bake_command_removes_only_the_temporaries_of_dead_processes);
    tcase_add_test(tc, test_export_and_preview_refuse_a_device_node_or_a_fifo);
    tcase_add_test(tc, test_png_writer_replaces_a_symlinks_target_and_keeps_its_mode);
    suite_add_tcase(s, tc);
    return s;
}
