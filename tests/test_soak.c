/* test_soak.c — the soak command and its parts: seeded camera profiles, CSV path replay,
 * percentile and summary arithmetic, the JSON report of a small in-process soak, the
 * pictures, and `bench pagein`. Nothing here asserts a speed: machines are shared. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TP_TEST_SUITE "soak"
#include "test_guard.h"
#include "test_main.h"
#include "test_support.h"

#include "bench.h"
#include "soak.h"
#include "soak_camera.h"
#include "soak_metrics.h"
#include "terrapage/baker.h"
#include "terrapage/world.h"

/* ---- helpers ----------------------------------------------------------------------- */

/* The file as a NUL-terminated string (freed by the caller). */
static char *read_text(const char *path)
{
    size_t n;
    return (char *)read_file(path, &n);
}

static void write_text(const char *path, const char *text)
{
    write_file(path, text, strlen(text));
}

/* A small page file: 8 × 8 chunks of 33 samples around the origin, fast to bake. */
static void bake_small(const char *path)
{
    tp_bake_options o = {0};
    o.world.samples_per_edge = 33;
    o.region_x0 = -4;
    o.region_z0 = -4;
    o.region_width = o.region_height = 8;
    o.threads = 1;
    o.compression_level = 1;
    ck_assert_msg(tp_bake(path, &o, NULL) == TP_OK, "%s", tp_error_detail());
}

static bool file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

/* ---- cameras ----------------------------------------------------------------------- */

START_TEST(test_every_profile_gives_the_same_path_for_a_seed_and_another_for_another_seed)
{
    for (int p = TPT_SOAK_REFERENCE; p <= TPT_SOAK_TELEPORT; p++) {
        tpt_soak_camera a, b, c;
        tpt_soak_camera_init(&a, (tpt_soak_profile)p, 7, 1.0 / 60.0, NULL);
        tpt_soak_camera_init(&b, (tpt_soak_profile)p, 7, 1.0 / 60.0, NULL);
        tpt_soak_camera_init(&c, (tpt_soak_profile)p, 8, 1.0 / 60.0, NULL);
        ck_assert(a.x == TPT_SOAK_START_X_M && a.z == TPT_SOAK_START_Z_M);
        bool differs = false;
        for (int i = 0; i < 3000; i++) {
            ck_assert_int_eq(tpt_soak_camera_advance(&a), tpt_soak_camera_advance(&b));
            tpt_soak_camera_advance(&c);
            ck_assert_msg(a.x == b.x && a.z == b.z, "profile %s tick %d",
                          tpt_soak_profile_names[p], i);
            differs = differs || a.x != c.x || a.z != c.z;
        }
        ck_assert_msg(differs, "profile %s ignores its seed", tpt_soak_profile_names[p]);
    }
}
END_TEST

START_TEST(test_reference_camera_walks_sprints_teleports_and_turns_with_the_stated_odds)
{
    const double dt = 1.0 / 60.0;
    tpt_soak_camera c;
    tpt_soak_camera_init(&c, TPT_SOAK_REFERENCE, 12345, dt, NULL);
    const int ticks = 100000;
    for (int i = 0; i < ticks; i++) {
        double x = c.x, z = c.z;
        tpt_soak_move m = tpt_soak_camera_advance(&c);
        double d = hypot(c.x - x, c.z - z);
        switch (m) {
        case TPT_SOAK_MOVE_WALK: ck_assert(fabs(d - 5.0 * dt) < 1e-9); break;
        case TPT_SOAK_MOVE_SPRINT: ck_assert(fabs(d - 15.0 * dt) < 1e-9); break;
        case TPT_SOAK_MOVE_TELEPORT:
            ck_assert(c.x - x >= -500.0 && c.x - x < 500.0);
            ck_assert(c.z - z >= -500.0 && c.z - z < 500.0);
            break;
        default: ck_abort_msg("unexpected move %d", (int)m);
        }
    }
    /* Wide bounds: the expected counts are 70 000, 25 000, 5 000 and 10 000, with
     * standard deviations of 145, 137, 69 and 95. */
    ck_assert_uint_eq(c.moves[TPT_SOAK_MOVE_WALK] + c.moves[TPT_SOAK_MOVE_SPRINT] +
                          c.moves[TPT_SOAK_MOVE_TELEPORT],
                      (uint64_t)ticks);
    ck_assert(c.moves[TPT_SOAK_MOVE_WALK] > 68500 && c.moves[TPT_SOAK_MOVE_WALK] < 71500);
    ck_assert(c.moves[TPT_SOAK_MOVE_SPRINT] > 23500 && c.moves[TPT_SOAK_MOVE_SPRINT] < 26500);
    ck_assert(c.moves[TPT_SOAK_MOVE_TELEPORT] > 4300 && c.moves[TPT_SOAK_MOVE_TELEPORT] < 5700);
    ck_assert(c.heading_changes > 9000 && c.heading_changes < 11000);
}
END_TEST

START_TEST(test_profiles_move_at_their_speeds_and_teleport_jumps_every_64_ticks)
{
    const double dt = 1.0 / 60.0;
    static const struct {
        tpt_soak_profile profile;
        double speed;
    } cases[] = {{TPT_SOAK_WALK, 5.0},
                 {TPT_SOAK_SPRINT, 15.0},
                 {TPT_SOAK_VEHICLE, 60.0},
                 {TPT_SOAK_FLIGHT, 300.0}};
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        tpt_soak_camera c;
        tpt_soak_camera_init(&c, cases[k].profile, 3, dt, NULL);
        for (int i = 0; i < 20000; i++) {
            double x = c.x, z = c.z;
            tpt_soak_camera_advance(&c);
            ck_assert_msg(fabs(hypot(c.x - x, c.z - z) - cases[k].speed * dt) < 1e-9,
                          "%s tick %d", tpt_soak_profile_names[cases[k].profile], i);
            /* They stay in their area (plus what one can travel while turning back). */
            ck_assert(fabs(c.x - TPT_SOAK_START_X_M) < TPT_SOAK_AREA_M + 1000.0);
            ck_assert(fabs(c.z - TPT_SOAK_START_Z_M) < TPT_SOAK_AREA_M + 1000.0);
        }
    }
    /* Flight flies long straight legs: few heading changes. */
    tpt_soak_camera f;
    tpt_soak_camera_init(&f, TPT_SOAK_FLIGHT, 3, dt, NULL);
    for (int i = 0; i < 6000; i++)
        tpt_soak_camera_advance(&f);
    ck_assert_msg(f.heading_changes <= 6000 * 300.0 * dt / 2000.0 + 1, "%llu legs",
                  (unsigned long long)f.heading_changes);

    tpt_soak_camera t;
    tpt_soak_camera_init(&t, TPT_SOAK_TELEPORT, 3, dt, NULL);
    for (uint64_t i = 1; i <= 640; i++)
        ck_assert_int_eq(tpt_soak_camera_advance(&t) == TPT_SOAK_MOVE_TELEPORT, i % 64 == 0);
}
END_TEST

/* ---- paths ------------------------------------------------------------------------- */

START_TEST(test_path_replay_interpolates_linearly_and_holds_the_ends)
{
    const char *csv = "t_s,x,z\r\n0,0,0\r\n1, 10, -20\r\n\r\n3,10,0\r\n";
    tpt_soak_path p;
    char err[256];
    ck_assert_msg(tpt_soak_path_parse("p.csv", csv, strlen(csv), &p, err, sizeof err), "%s",
                  err);
    ck_assert_uint_eq(p.count, 3);
    ck_assert(tpt_soak_path_duration(&p) == 3.0);
    double x, z;
    tpt_soak_path_position(&p, 0.5, &x, &z);
    ck_assert(fabs(x - 5.0) < 1e-12 && fabs(z + 10.0) < 1e-12);
    tpt_soak_path_position(&p, 2.0, &x, &z);
    ck_assert(fabs(x - 10.0) < 1e-12 && fabs(z + 10.0) < 1e-12);
    tpt_soak_path_position(&p, -1.0, &x, &z);
    ck_assert(x == 0.0 && z == 0.0);
    tpt_soak_path_position(&p, 9.0, &x, &z);
    ck_assert(x == 10.0 && z == 0.0);

    /* The camera replays it tick by tick. */
    tpt_soak_camera c;
    tpt_soak_camera_init(&c, TPT_SOAK_PATH, 0, 0.25, &p);
    ck_assert(c.x == 0.0 && c.z == 0.0);
    tpt_soak_camera_advance(&c); /* t = 0.25 */
    ck_assert(fabs(c.x - 2.5) < 1e-12 && fabs(c.z + 5.0) < 1e-12);
    ck_assert_int_eq(c.last_move, TPT_SOAK_MOVE_REPLAY);
    for (int i = 0; i < 20; i++)
        tpt_soak_camera_advance(&c);
    ck_assert(c.x == 10.0 && c.z == 0.0);
    ck_assert_int_eq(c.last_move, TPT_SOAK_MOVE_NONE);
    tpt_soak_path_free(&p);

    /* A jump farther than a teleport counts as one. */
    const char *jump = "t,x,z\n0,0,0\n0.1,5000,0\n";
    ck_assert(tpt_soak_path_parse("j.csv", jump, strlen(jump), &p, err, sizeof err));
    tpt_soak_camera_init(&c, TPT_SOAK_PATH, 0, 0.1, &p);
    ck_assert_int_eq(tpt_soak_camera_advance(&c), TPT_SOAK_MOVE_TELEPORT);
    tpt_soak_path_free(&p);
}
END_TEST

START_TEST(test_path_loader_rejects_malformed_files_naming_the_file_and_line)
{
    static const struct {
        const char *text;
        const char *expect;
    } cases[] = {
        {"", "bad.csv: no rows after the header"},
        {"t_s,x,z\n", "bad.csv: no rows after the header"},
        {"t_s,x,z\n0,1\n", "bad.csv:2: expected \"t_s,x,z\""},
        {"t_s,x,z\n0,1,2,3\n", "bad.csv:2: expected"},
        {"t_s,x,z\n0,1,2\nabc,1,2\n", "bad.csv:3: expected"},
        {"t_s,x,z\n0,1,nan\n", "bad.csv:2: expected"},
        {"t_s,x,z\n0,1,2\n1,1,2\n1,3,4\n", "bad.csv:4: time 1 s is not after"},
        {"t_s,x,z\n2,1,2\n1,1,2\n", "bad.csv:3: time 1 s is not after the previous row's 2 s"},
        {"0,1,2\n1,2,3\n", "bad.csv:1: the first line must be a header"},
        {"t_s,x,z\n0,1e10,0\n", "bad.csv:2: a value is out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tpt_soak_path p = {0};
        char err[256] = "";
        ck_assert_msg(!tpt_soak_path_parse("bad.csv", cases[i].text, strlen(cases[i].text), &p,
                                          err, sizeof err),
                      "case %zu accepted", i);
        ck_assert_msg(strstr(err, cases[i].expect) != NULL, "case %zu: \"%s\"", i, err);
        ck_assert_uint_eq(p.count, 0);
    }
    char path[512], err[512];
    tmp_path(path, sizeof path, "missing.csv");
    tpt_soak_path p;
    ck_assert(!tpt_soak_path_load(path, &p, err, sizeof err));
    ck_assert_msg(strstr(err, path) && strstr(err, "No such file"), "%s", err);
}
END_TEST

/* ---- metrics ----------------------------------------------------------------------- */

START_TEST(test_percentiles_interpolate_between_ranks)
{
    const double four[] = {1, 2, 3, 4};
    ck_assert(tpt_soak_percentile(four, 4, 50.0) == 2.5);
    ck_assert(tpt_soak_percentile(four, 4, 0.0) == 1.0);
    ck_assert(tpt_soak_percentile(four, 4, 100.0) == 4.0);
    ck_assert(fabs(tpt_soak_percentile(four, 4, 99.0) - 3.97) < 1e-12);
    const double one[] = {7};
    ck_assert(tpt_soak_percentile(one, 1, 99.0) == 7.0);
    ck_assert(tpt_soak_percentile(one, 0, 50.0) == 0.0);

    double hundred[100];
    for (int i = 0; i < 100; i++)
        hundred[i] = 100 - i; /* unsorted: cost_of sorts a copy */
    tpt_soak_cost c;
    ck_assert(tpt_soak_cost_of(hundred, 100, &c));
    ck_assert(c.avg == 50.5 && c.p50 == 50.5 && c.max == 100.0);
    ck_assert(fabs(c.p99 - 99.01) < 1e-9);
    ck_assert(hundred[0] == 100.0); /* the input is left alone */
    ck_assert(tpt_soak_cost_of(hundred, 0, &c));
    ck_assert(c.avg == 0.0 && c.p99 == 0.0 && c.max == 0.0);
}
END_TEST

START_TEST(test_summary_counts_hitches_holes_deficits_teleport_recovery_and_memory)
{
    /* 200 ticks: tick 0 cold with 5 holes, settled at tick 2; a teleport at tick 50
     * settling 3 ticks later; one at 120 that never settles before the one at 121,
     * which settles at once; two hitches; memory ends below its last-quarter peak. */
    enum { N = 200 };
    tpt_soak_tick t[N];
    memset(t, 0, sizeof t);
    for (int i = 0; i < N; i++) {
        t[i].update_ms = 0.1;
        t[i].view_chunks = 9;
        t[i].resident_bytes = 1000;
        t[i].held_bytes = 1000;
    }
    t[0].missing = 5, t[0].deficit = 4;
    t[1].deficit = 2;
    t[50].move = TPT_SOAK_MOVE_TELEPORT, t[50].deficit = 9;
    t[51].deficit = 3, t[52].missing = 1;
    t[120].move = TPT_SOAK_MOVE_TELEPORT, t[120].missing = 2;
    t[121].move = TPT_SOAK_MOVE_TELEPORT;
    t[10].update_ms = 2.5;
    t[190].update_ms = 3.0;
    t[160].resident_bytes = 1100;
    t[170].held_bytes = 5000; /* over a 4000-byte budget once */
    for (int i = 0; i < N; i++)
        t[i].rss_bytes = i == 175 ? 2400 : 2000;
    tpt_soak_summary s;
    ck_assert(tpt_soak_summarize(t, N, 2.0, 4000, &s));
    ck_assert_uint_eq(s.all.ticks, N);
    ck_assert_uint_eq(s.all.checks, 9 * N);
    ck_assert_uint_eq(s.all.hitches, 2);
    ck_assert_uint_eq(s.last100.ticks, 100);
    ck_assert_uint_eq(s.last100.hitches, 1);
    ck_assert_uint_eq(s.all.missing_checks, 8);
    ck_assert_uint_eq(s.last100.missing_checks, 2);
    ck_assert_uint_eq(s.all.ticks_with_missing, 3);
    ck_assert_uint_eq(s.all.lod_deficit_checks, 18);
    ck_assert(s.all.update_ms.max == 3.0);
    ck_assert_uint_eq(s.cold_start_missing, 5);
    ck_assert_int_eq(s.cold_start_ticks_to_full, 2);
    ck_assert_uint_eq(s.teleports, 3);
    ck_assert_int_eq(s.ticks_to_full[0], 3);
    ck_assert_int_eq(s.ticks_to_full[1], -1);
    ck_assert_int_eq(s.ticks_to_full[2], 0);
    ck_assert_uint_eq(s.teleports_settled, 2);
    ck_assert_int_eq(s.ticks_to_full_max, 3);
    ck_assert(s.ticks_to_full_avg == 1.5);
    ck_assert_uint_eq(s.teleport_missing, 2);
    ck_assert_uint_eq(s.ticks_over_budget, 1);
    ck_assert_uint_eq(s.resident_bytes_peak, 1100);
    ck_assert_uint_eq(s.resident_bytes_final, 1000);
    ck_assert(fabs(s.resident_delta_pct - 10.0) < 1e-9);
    ck_assert(fabs(s.rss_delta_pct - 20.0) < 1e-9);
    ck_assert(s.memory_delta_pct == s.rss_delta_pct); /* the headline is the process's */
    ck_assert_uint_eq(s.slowest_count, TPT_SOAK_SLOWEST);
    ck_assert_uint_eq(s.slowest[0].tick, 190);
    ck_assert_uint_eq(s.slowest[1].tick, 10);
    ck_assert(s.slowest[2].update_ms == 0.1);
    tpt_soak_summary_free(&s);

    /* With no budget nothing is over it; with no ticks everything is zero. */
    ck_assert(tpt_soak_summarize(t, N, 2.0, 0, &s));
    ck_assert_uint_eq(s.ticks_over_budget, 0);
    tpt_soak_summary_free(&s);
    ck_assert(tpt_soak_summarize(t, 0, 2.0, 0, &s));
    ck_assert_uint_eq(s.all.ticks, 0);
    tpt_soak_summary_free(&s);
}
END_TEST

/* ---- the command ------------------------------------------------------------------- */

static const char *const required_keys[] = {
    "\"ticks\": ",
    "\"update_ms\": {\"avg\": ",
    "\"p50\": ",
    "\"p99\": ",
    "\"max\": ",
    "\"hitches\": ",
    "\"missing_chunk_checks\": ",
    "\"lod_deficit_checks\": ",
    "\"budget_bytes\": ",
    "\"resident_bytes_peak\": ",
    "\"ticks_over_budget\": ",
    "\"memory_delta_pct\": ",
    "\"page_ins\": ",
    "\"fallbacks\": ",
    "\"checksum_failures\": ",
    "\"last100\": ",
    "\"ticks_to_full_detail\": ",
    "\"process_peak_rss_kib\": ",
    "\"cancellations\": ",
    "\"evictions\": ",
    "\"cold_start\": ",
    "\"slowest_ticks\": ",
    "\"rss_delta_pct\": ",
    NULL,
};

START_TEST(test_soak_writes_json_with_the_required_keys_and_both_pictures)
{
    char world[512], json[512], plot[512], map[512], out[16384];
    tmp_path(world, sizeof world, "world.tpk");
    tmp_path(json, sizeof json, "soak.json");
    tmp_path(plot, sizeof plot, "soak.png");
    tmp_path(map, sizeof map, "soak-map.png");
    bake_small(world);
    char csv_ticks[512];
    tmp_path(csv_ticks, sizeof csv_ticks, "ticks.csv");
    int status = RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", world, "--no-pace", "--ticks", "60",
                              "--profile", "teleport", "--view", "3", "--json", json, "--plot",
                              plot, "--map", map, "--threads", "1", "--csv", csv_ticks);
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "missing chunk-checks") && strstr(out, "update ms"), "%s", out);
    char *text = read_text(json);
    for (const char *const *k = required_keys; *k; k++)
        ck_assert_msg(strstr(text, *k) != NULL, "no %s in %s", *k, text);
    ck_assert(strstr(text, "\"ticks\": 60,") != NULL);
    ck_assert(strstr(text, "\"checks\": 2940,") != NULL); /* 60 · 7² */
    ck_assert(text[0] == '{' && strchr(text, '}') != NULL);
    free(text);
    ck_assert(file_exists(plot) && file_exists(map));
    text = read_text(csv_ticks);
    ck_assert(strncmp(text, "tick,x_m,z_m,move,update_ms,", 28) == 0);
    int lines = 0;
    for (const char *p = text; *p; p++)
        lines += *p == '\n';
    ck_assert_int_eq(lines, 61); /* header + 60 ticks */
    ck_assert(strstr(text, "\n59,") != NULL);
    free(text);
    unlink(csv_ticks);

    /* The same run replaying a recorded path. */
    char csv[512];
    tmp_path(csv, sizeof csv, "path.csv");
    write_text(csv, "t_s,x,z\n0,128,128\n0.5,400,128\n1.0,400,-300\n");
    status = RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", world, "--no-pace", "--path", csv,
                          "--view", "2", "--json", "-");
    ck_assert_msg(status == 0, "status %d", status);
    ck_assert_msg(strstr(out, "\"ticks\": 61,") != NULL, "%s", out); /* 1.0 s at 60 Hz */
    ck_assert(strstr(out, "\"missing_chunk_checks\": ") != NULL);

    ck_assert_msg(strstr(out, "\"lod_selector\": \"bands\""), "%s", out);

    /* The screen-space error selector from a flying camera: its projected error beside
     * the deficit counts, which are then the streamer's own. */
    status = RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", world, "--no-pace", "--ticks", "30",
                          "--profile", "flight", "--view", "2", "--lod", "sse",
                          "--camera-height", "150", "--sse-px", "4", "--json", "-");
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "\"lod_selector\": \"sse\"") && strstr(out, "\"sse_px\": 4") &&
                      strstr(out, "\"camera_height_m\": 150") &&
                      strstr(out, "\"drawn_error_px\": {\"p50\": "),
                  "%s", out);

    /* Without a page file: every chunk generated on demand (the default world). */
    status = RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", "--source", "generate", "--no-pace",
                          "--ticks", "20", "--view", "1", "--json", "-");
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "\"source\": \"generate\"") && strstr(out, "\"file\": null"),
                  "%s", out);
    ck_assert(strstr(out, "\"missing_chunk_checks\": ") != NULL);

    /* Both, side by side, in one JSON object. */
    status = RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", world, "--compare", "--no-pace",
                          "--ticks", "30", "--view", "2", "-q", "--json", json);
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    text = read_text(json);
    ck_assert_msg(strstr(text, "{\"file\": {\"source\": \"file\"") &&
                      strstr(text, "\"generate\": {\"source\": \"generate\"") &&
                      strstr(text, "\"ratios\": {"),
                  "%s", text);
    free(text);

    /* A picture that cannot be written fails the command (1), naming the file. */
    char bad[600], err[8192];
    snprintf(bad, sizeof bad, "%s/no-such-dir/plot.png", TP_TEST_TMP_DIR);
    status = RUN_CAPTURED(2, err, tpt_cmd_soak, "soak", world, "--no-pace", "--ticks", "5",
                          "--view", "1", "-q", "--plot", bad);
    ck_assert_int_eq(status, 1);
    ck_assert_msg(strstr(err, bad) != NULL, "%s", err);
    unlink(world), unlink(json), unlink(plot), unlink(map), unlink(csv);
}
END_TEST

START_TEST(test_soak_answers_help_and_rejects_bad_arguments_with_status_2)
{
    char out[8192], csv[512];
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage soak") && strstr(out, "--profile"));
    static const struct {
        const char *args[4];
        const char *expect;
    } cases[] = {
        {{"w.tpk", "--profile", "bogus"}, "--profile: expected reference|walk"},
        {{"w.tpk", "--ticks", "0"}, "--ticks: 0 is out of range"},
        {{"w.tpk", "--view", "x"}, "--view: expected an integer"},
        {{"w.tpk", "--source", "disk"}, "--source: expected file|generate"},
        {{"--ticks", "5"}, "no page file given"},
        {{"w.tpk", "--compare", "--source"}, "--source needs a value"},
        {{"w.tpk", "--bogus"}, "unknown option \"--bogus\""},
        {{"w.tpk", "x.tpk"}, "unexpected argument 'x.tpk'"},
        {{"w.tpk", "--budget-mb", "-1"}, "--budget-mb: -1 is out of range"},
        {{"w.tpk", "--json", ""}, "an output file name is empty"},
        {{"w.tpk", "--lod", "distance"}, "--lod: expected bands|sse"},
        {{"w.tpk", "--sse-px", "0"}, "--sse-px: 0 is out of range"},
        {{"w.tpk", "--fov", "180"}, "--fov: 180 is out of range"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[6] = {"soak"};
        int argc = 1;
        for (int k = 0; k < 4 && cases[i].args[k]; k++)
            argv[argc++] = (char *)cases[i].args[k];
        argv[argc] = NULL;
        int status = run_captured(2, tpt_cmd_soak, argv, out, sizeof out);
        ck_assert_msg(status == 2, "case %zu: status %d", i, status);
        ck_assert_msg(strstr(out, cases[i].expect) != NULL, "case %zu: %s", i, out);
        ck_assert_msg(strstr(out, "terrapage soak --help") != NULL, "case %zu: %s", i, out);
    }
    tmp_path(csv, sizeof csv, "bad.csv");
    write_text(csv, "t_s,x,z\n0,0,0\n0,1,1\n");
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_soak, "soak", "w.tpk", "--path", csv), 2);
    ck_assert_msg(strstr(out, csv) && strstr(out, ":3: time 0 s is not after"), "%s", out);
    ck_assert_int_eq(
        RUN_CAPTURED(2, out, tpt_cmd_soak, "soak", "w.tpk", "--path", csv, "--profile", "walk"),
        2);
    ck_assert_msg(strstr(out, "--path and --profile exclude each other"), "%s", out);
    unlink(csv);

    /* A file that is not there is a failure of the work (1), naming the file. */
    char missing[512];
    tmp_path(missing, sizeof missing, "absent.tpk");
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_soak, "soak", missing, "--no-pace"), 1);
    ck_assert_msg(strstr(out, missing) != NULL, "%s", out);
}
END_TEST

/* A FIFO as the page file or as the --path camera file is refused at once, naming the
 * path and what it is; each soak runs in a child that alarm() kills should it block. */
START_TEST(test_soak_refuses_a_fifo_as_world_or_camera_path_at_once)
{
    char world[512], fifo[512], out[8192];
    tmp_path(world, sizeof world, "fifo-world.tpk");
    tmp_path(fifo, sizeof fifo, "fifo");
    bake_small(world);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    int status = GUARDED_RUN(out, 30, tpt_cmd_soak, "soak", fifo, "--ticks", "4", "--no-pace",
                             "-q");
    ck_assert_msg(status == 1 && strstr(out, fifo) && strstr(out, "is a FIFO"),
                  "soak FIFO: status %d: %s", status, out);
    status = GUARDED_RUN(out, 30, tpt_cmd_soak, "soak", fifo, "--source", "generate",
                         "--ticks", "4", "--no-pace", "-q");
    ck_assert_msg(status == 1 && strstr(out, fifo) && strstr(out, "is a FIFO"),
                  "soak --source generate FIFO: status %d: %s", status, out);
    status = GUARDED_RUN(out, 30, tpt_cmd_soak, "soak", world, "--path", fifo, "--no-pace",
                         "-q");
    ck_assert_msg(status == 2 && strstr(out, "--path: ") && strstr(out, fifo) &&
                      strstr(out, "is a FIFO, not a regular file"),
                  "soak --path FIFO: status %d: %s", status, out);
    unlink(fifo);
    unlink(world);
}
END_TEST

/* The soak reads the file with pread unless --mmap maps it, and says which. */
START_TEST(test_soak_reads_with_pread_unless_asked_to_map)
{
    char world[512], out[16384];
    tmp_path(world, sizeof world, "io.tpk");
    bake_small(world);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", world, "--ticks", "8",
                                  "--no-pace", "--json", "-"), 0);
    ck_assert_msg(strstr(out, "\"io\": \"pread\""), "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_soak, "soak", world, "--ticks", "8",
                                  "--no-pace", "--mmap", "--json", "-"), 0);
    ck_assert_msg(strstr(out, "\"io\": \"mmap\""), "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_bench_pagein, "pagein", world, "--chunks", "2",
                                  "--runs", "1", "--mmap", "--json"), 0);
    ck_assert_msg(strstr(out, "\"io\": \"mmap\""), "%s", out);
    unlink(world);
}
END_TEST

START_TEST(test_bench_pagein_compares_the_same_chunks_and_answers_help)
{
    char world[512], out[8192];
    tmp_path(world, sizeof world, "pagein.tpk");
    bake_small(world);
    int status = RUN_CAPTURED(1, out, tpt_bench_pagein, "pagein", world, "--chunks", "4",
                              "--runs", "1", "--json");
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "\"benchmark\": \"pagein\"") && strstr(out, "\"lod\": 2") &&
                      strstr(out, "\"generate_us\": ") && strstr(out, "\"ratio\": "),
                  "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_bench_pagein, "pagein", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage bench pagein"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_bench_pagein, "pagein", world, "--lod", "9"), 2);
    ck_assert_msg(strstr(out, "--lod") && strstr(out, "LODs 0 to 2"), "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_bench_pagein, "pagein", "--runs", "0"), 2);
    unlink(world);
}
END_TEST

static int bench_scale(int argc, char **argv)
{
    return tpt_bench_part_scale(argc, argv, NULL);
}

/* bench scale measures each file given: no page decoded at open, and no chunk of the
 * view left without a LOD by the update after a teleport (an 8 × 8-chunk world and a
 * 3-chunk view, so the view lies inside it). */
START_TEST(test_bench_scale_opens_without_decoding_and_teleports_without_holes)
{
    char world[512], out[8192];
    tmp_path(world, sizeof world, "scale.tpk");
    bake_small(world);
    int status = RUN_CAPTURED(1, out, bench_scale, "scale", world, world, "--runs", "2",
                              "--teleports", "3", "--view", "2", "--json");
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "\"benchmark\": \"scale\"") && strstr(out, "\"chunks\": 64") &&
                      strstr(out, "\"open_ms\": ") && strstr(out, "\"alloc_bytes\": ") &&
                      strstr(out, "\"teleport_tick_ms\": ") &&
                      strstr(out, "\"coarse_reads_per_tick\": "),
                  "%s", out);
    ck_assert_msg(!strstr(out, "\"page_ins_at_open\": 1") &&
                      strstr(out, "\"page_ins_at_open\": 0") &&
                      !strstr(out, "\"missing_after_ticks\": 1") &&
                      strstr(out, "\"missing_after_ticks\": 0"),
                  "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, bench_scale, "scale", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage bench scale"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, bench_scale, "scale", "--teleports", "0"), 2);
    ck_assert_int_eq(RUN_CAPTURED(2, out, bench_scale, "scale", "/nonexistent/w.tpk"), 1);
    ck_assert_msg(strstr(out, "/nonexistent/w.tpk"), "%s", out);
    unlink(world);
}
END_TEST

START_TEST(test_bench_query_measures_heights_and_rays_and_answers_help)
{
    char world[512], out[8192];
    tmp_path(world, sizeof world, "query.tpk");
    bake_small(world);
    int status = RUN_CAPTURED(1, out, tpt_cmd_bench, "bench", "query", world, "--points", "50",
                              "--runs", "1", "--json");
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "\"benchmark\": \"query\"") && strstr(out, "\"height_us\": ") &&
                      strstr(out, "\"ray_us\": ") && strstr(out, "\"ray_hit_fraction\": 1"),
                  "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_bench, "bench", "query", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage bench query"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_bench, "bench", "query", "--points", "0"), 2);
    unlink(world);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_bench, "bench", "query", world), 1);
    ck_assert_msg(strstr(out, world) != NULL, "%s", out); /* names the missing file */
}
END_TEST

/* Real frames at 60 Hz: only the report's shape is checked, never a figure. */
START_TEST(test_bench_teleport_reports_cold_and_warmed_jumps_and_answers_help)
{
    char world[512], out[8192];
    tmp_path(world, sizeof world, "teleport.tpk");
    bake_small(world);
    int status = RUN_CAPTURED(1, out, tpt_cmd_bench, "bench", "teleport", world, "--trials",
                              "1", "--json");
    ck_assert_msg(status == 0, "status %d: %s", status, out);
    ck_assert_msg(strstr(out, "\"benchmark\": \"teleport\"") && strstr(out, "\"cold\": [") &&
                      strstr(out, "\"warmed\": [") && strstr(out, "\"loading_frames\": "),
                  "%s", out);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_bench, "bench", "teleport", "--help"), 0);
    ck_assert(strstr(out, "usage: terrapage bench teleport"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_bench, "bench", "teleport", "--trials", "0"),
                     2);
    unlink(world);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("soak");
    TCase *tc = tcase_create("soak");
    tcase_set_timeout(tc, 300);
    tcase_add_test(
        tc, test_every_profile_gives_the_same_path_for_a_seed_and_another_for_another_seed);
    tcase_add_test(
        tc, test_reference_camera_walks_sprints_teleports_and_turns_with_the_stated_odds);
    tcase_add_test(tc, test_profiles_move_at_their_speeds_and_teleport_jumps_every_64_ticks);
    tcase_add_test(tc, test_path_replay_interpolates_linearly_and_holds_the_ends);
    tcase_add_test(tc, test_path_loader_rejects_malformed_files_naming_the_file_and_line);
    tcase_add_test(tc, test_percentiles_interpolate_between_ranks);
    tcase_add_test(tc, test_summary_counts_hitches_holes_deficits_teleport_recovery_and_memory);
    tcase_add_test(tc, test_soak_writes_json_with_the_required_keys_and_both_pictures);
    tcase_add_test(tc, test_soak_answers_help_and_rejects_bad_arguments_with_status_2);
    tcase_add_test(tc, test_soak_refuses_a_fifo_as_world_or_camera_path_at_once);
    tcase_add_test(tc, test_soak_reads_with_pread_unless_asked_to_map);
    tcase_add_test(tc, test_bench_pagein_compares_the_same_chunks_and_answers_help);
    tcase_add_test(tc, test_bench_scale_opens_without_decoding_and_teleports_without_holes);
    tcase_add_test(tc, test_bench_query_measures_heights_and_rays_and_answers_help);
    tcase_add_test(tc, test_bench_teleport_reports_cold_and_warmed_jumps_and_answers_help);
    suite_add_tcase(s, tc);
    return s;
}
