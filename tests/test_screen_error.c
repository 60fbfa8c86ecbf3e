/* test_screen_error.c — the screen-space error LOD selector: the LOD the formula gives
 * for known bounds and errors, the tolerance kept by every chunk drawn once settled, a
 * nearer or lower camera asking for finer LODs, and the selector's options changed
 * between updates. Deterministic mode throughout: every assertion is about what update()
 * decided, never about what threads managed. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <string.h>

#include "terrapage/mesh.h"
#include "test_main.h"
#include "test_small_world.h"

static char g_world[512];

#define DT (1.0 / 60.0)
#define COARSEST 2u /* the small world's three LODs */
#define CX 8
#define CZ 8

static tp_streamer *open_sse(uint32_t viewport_px, double fov_rad, double tolerance_px)
{
    tp_streamer_options o = {0};
    o.flags = TP_STREAMER_DETERMINISTIC;
    o.view_distance_chunks = 4;
    o.lod_selector = TP_STREAMER_LOD_SCREEN_ERROR;
    o.viewport_height_px = viewport_px;
    o.vertical_fov_rad = fov_rad;
    o.screen_error_px = tolerance_px;
    return small_world_open(g_world, &o);
}

static tp_streamer_stats update3(tp_streamer *s, double x, double y, double z)
{
    ck_assert_int_eq(tp_streamer_update_3d(s, x, y, z, DT), TP_OK);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    return st;
}

/* Updates until nothing in view is missing or coarser than wanted and no work is left. */
static void settle(tp_streamer *s, double x, double y, double z)
{
    tp_streamer_stats st;
    for (int i = 0; i < 2000; i++) {
        st = update3(s, x, y, z);
        if (st.in_view_coarser == 0 && st.in_view_missing == 0 && st.queue_depth == 0 &&
            st.in_flight == 0)
            return;
    }
    ck_abort_msg("no settling in 2000 deterministic updates: %u coarser, %u missing",
                 st.in_view_coarser, st.in_view_missing);
}

static tp_chunk_view view_of(tp_streamer *s, int32_t cx, int32_t cz)
{
    tp_chunk_view v;
    ck_assert_int_eq(tp_streamer_acquire(s, cx, cz, 0, &v), TP_OK);
    tp_chunk_view copy = v;
    tp_streamer_release(s, &v);
    copy.pin = NULL;
    return copy;
}

static double top_m(tp_streamer *s, int32_t cx, int32_t cz)
{
    tp_chunk_bounds b;
    ck_assert_int_eq(tp_streamer_chunk_bounds(s, cx, cz, &b), TP_OK);
    return tp_height_code_to_m(b.height_max_code);
}

/* The test's own formula: distance from an eye to the nearest point of a chunk's box. */
static double eye_dist(tp_streamer *s, int32_t cx, int32_t cz, double x, double y, double z)
{
    tp_chunk_bounds b;
    ck_assert_int_eq(tp_streamer_chunk_bounds(s, cx, cz, &b), TP_OK);
    double lo[3] = {cx * SMALL_WORLD_CHUNK_M, tp_height_code_to_m(b.height_min_code),
                    cz * SMALL_WORLD_CHUNK_M};
    double hi[3] = {lo[0] + SMALL_WORLD_CHUNK_M, tp_height_code_to_m(b.height_max_code),
                    lo[2] + SMALL_WORLD_CHUNK_M};
    double p[3] = {x, y, z}, sum = 0.0;
    for (int i = 0; i < 3; i++) {
        double g = p[i] < lo[i] ? lo[i] - p[i] : p[i] > hi[i] ? p[i] - hi[i] : 0.0;
        sum += g * g;
    }
    return sqrt(sum);
}

/* The maximum error the file's directory records for the chunk's mesh at `lod`. */
static double recorded_error_m(tp_streamer *s, int32_t cx, int32_t cz, uint32_t lod)
{
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(tp_streamer_reader(s), cx, cz, TP_LAYER_MESH, lod, &ref),
                     TP_OK);
    float e;
    memcpy(&e, &ref.aux, sizeof e);
    return e;
}

/* ---- The formula, by hand ------------------------------------------------------------ */

START_TEST(test_the_coarsest_lod_within_the_tolerance_is_wanted_by_hand_computed_cases)
{
    /* A 2-pixel viewport behind a 90° field of view: 1 px per metre of error at 1 m, so
     * with a tolerance of 1 px a LOD is wanted from as far as its error in metres. */
    tp_streamer *s = open_sse(2, 2.0 * atan(1.0), 1.0);
    const double x = small_world_centre_m(CX), z = small_world_centre_m(CZ);
    settle(s, x, 1e5, z); /* far above: everything at the coarsest */
    tp_chunk_view v = view_of(s, CX, CZ);
    ck_assert_uint_eq(v.lod, COARSEST);
    ck_assert_uint_eq(v.wanted_lod, COARSEST);
    ck_assert_ptr_nonnull(v.mesh);
    const double e2 = v.mesh->max_error_m, top = top_m(s, CX, CZ);
    ck_assert_msg(e2 > 0.0, "the coarsest mesh records an error of %g m", e2);

    /* Straight above the chunk the nearest point of its box is its top: d = y − top. */
    update3(s, x, top + e2 * 1.01, z);
    ck_assert_uint_eq(view_of(s, CX, CZ).wanted_lod, COARSEST);
    double px;
    ck_assert_int_eq(tp_streamer_chunk_error_px(s, CX, CZ, &px), TP_OK);
    ck_assert_msg(fabs(px - 1.0 / 1.01) < 1e-6, "projected %g px, formula %g", px, 1.0 / 1.01);

    /* Just too near for the recorded error: LOD 1 if its error fits (not resident: the
     * error the file's directory records for its mesh), else LOD 0. */
    ck_assert_msg(fabs(recorded_error_m(s, CX, CZ, COARSEST) - e2) < 1e-6,
                  "the directory and the resident mesh disagree");
    const double e1 = recorded_error_m(s, CX, CZ, 1);
    const double d = e2 * 0.99;
    update3(s, x, top + d, z);
    uint32_t expect = e1 <= d ? 1u : 0u;
    tp_chunk_view near = view_of(s, CX, CZ);
    ck_assert_uint_eq(near.wanted_lod, expect);
    ck_assert_msg(near.flags & TP_CHUNK_VIEW_COARSER, "coarser than wanted is not flagged");

    /* Exactly between the two recorded errors (when LOD 1's is the smaller): LOD 1. */
    if (e1 < e2 * 0.98) {
        update3(s, x, top + (e1 + e2) / 2.0, z);
        ck_assert_uint_eq(view_of(s, CX, CZ).wanted_lod, 1u);
    }
    /* Just too near for LOD 1's error: LOD 0. */
    update3(s, x, top + e1 * 0.99, z);
    ck_assert_uint_eq(view_of(s, CX, CZ).wanted_lod, 0u);

    /* Inside the box (below its top, over it): no LOD fits, LOD 0. */
    update3(s, x, top - 0.5, z);
    ck_assert_uint_eq(view_of(s, CX, CZ).wanted_lod, 0u);
    tp_streamer_close(s);
}
END_TEST

/* ---- Settled views ------------------------------------------------------------------- */

START_TEST(test_every_chunk_drawn_once_settled_keeps_the_tolerance)
{
    tp_streamer *s = open_sse(0, 0.0, 0.0); /* the defaults: 1080 px, 60°, 2 px */
    tp_streamer_options o;
    tp_streamer_get_options(s, &o);
    ck_assert_uint_eq(o.viewport_height_px, 1080u);
    ck_assert_msg(o.screen_error_px == 2.0, "default tolerance %g", o.screen_error_px);
    const double scale = 1080.0 / (2.0 * tan(o.vertical_fov_rad / 2.0));
    const double heights[] = {150.0, 600.0, 3000.0};
    uint32_t used_middle = 0;
    for (int h = 0; h < 3; h++) {
        const double x = small_world_centre_m(CX) + 40.0, z = small_world_centre_m(CZ) - 70.0;
        const double y = top_m(s, CX, CZ) + heights[h];
        settle(s, x, y, z);
        uint32_t finer = 0, middle = 0;
        for (int32_t cz = CZ - 4; cz <= CZ + 4; cz++)
            for (int32_t cx = CX - 4; cx <= CX + 4; cx++) {
                tp_chunk_view v = view_of(s, cx, cz);
                ck_assert_ptr_nonnull(v.mesh);
                ck_assert_uint_le(v.lod, v.wanted_lod);
                double px, mine = v.mesh->max_error_m * scale / eye_dist(s, cx, cz, x, y, z);
                ck_assert_int_eq(tp_streamer_chunk_error_px(s, cx, cz, &px), TP_OK);
                ck_assert_msg(fabs(px - mine) <= 1e-9 * mine,
                              "chunk (%d, %d): %g px reported, %g by the formula", cx, cz,
                              px, mine);
                ck_assert_msg(px <= 2.0 || v.lod == 0,
                              "chunk (%d, %d) at %g m: LOD %u drawn at %g px", cx, cz,
                              heights[h], v.lod, px);
                finer += v.lod < COARSEST;
                middle += v.lod == 1;
            }
        if (h == 0)
            ck_assert_msg(finer > 0, "150 m above the ground nothing is finer than coarsest");
        used_middle += middle;
        /* The statistics' quantiles of the same errors (to their 0.05 px bins). */
        tp_streamer_stats st;
        tp_streamer_get_stats(s, &st);
        ck_assert_msg(st.drawn_error_px_p50 > 0.0 && st.drawn_error_px_p50 <= 2.05 &&
                          st.drawn_error_px_p99 >= st.drawn_error_px_p50,
                      "drawn error p50 %g, p99 %g px", st.drawn_error_px_p50,
                      st.drawn_error_px_p99);
    }
    ck_assert_msg(used_middle > 0, "LOD 1 was never drawn: not every LOD is used");
    tp_streamer_close(s);
}
END_TEST

/* Wanted LODs of the view square around (CX, CZ) after one update at (x, y, z). */
static void wanted_at(tp_streamer *s, double x, double y, double z, uint32_t out[9][9])
{
    update3(s, x, y, z);
    for (int dz = -4; dz <= 4; dz++)
        for (int dx = -4; dx <= 4; dx++)
            out[dz + 4][dx + 4] = view_of(s, CX + dx, CZ + dz).wanted_lod;
}

START_TEST(test_a_nearer_or_lower_camera_wants_finer_lods)
{
    tp_streamer *s = open_sse(0, 0.0, 20.0);
    const double x = small_world_centre_m(CX), z = small_world_centre_m(CZ);
    const double top = top_m(s, CX, CZ);
    settle(s, x, top + 2000.0, z);
    uint32_t high[9][9], low[9][9];
    wanted_at(s, x, top + 2000.0, z, high);
    settle(s, x, top + 100.0, z);
    wanted_at(s, x, top + 100.0, z, low);
    uint32_t sum_high = 0, sum_low = 0;
    for (int i = 0; i < 9; i++)
        for (int j = 0; j < 9; j++) {
            ck_assert_msg(low[i][j] <= high[i][j], "chunk (%d, %d): LOD %u low, %u high",
                          CX + j - 4, CZ + i - 4, low[i][j], high[i][j]);
            sum_high += high[i][j], sum_low += low[i][j];
        }
    ck_assert_msg(sum_low < sum_high, "lowering the camera changed nothing (%u)", sum_low);

    /* Nearer at the same height: the chunk under the camera, then 4 chunks away. 5 m
     * over its top it wants LOD 0 unless LOD 1's recorded error covers under 20 px. */
    const double y = top + 5.0;
    update3(s, x, y, z);
    uint32_t under = view_of(s, CX, CZ).wanted_lod;
    const double scale = 1080.0 / (2.0 * tan(3.14159265358979323846 / 6.0));
    ck_assert_uint_eq(under, recorded_error_m(s, CX, CZ, 1) * scale / 5.0 <= 20.0 ? 1u : 0u);
    update3(s, x + 4.0 * SMALL_WORLD_CHUNK_M, y, z);
    uint32_t away = view_of(s, CX, CZ).wanted_lod;
    ck_assert_msg(under < away, "chunk wants LOD %u under the camera, %u 1 km away", under, away);
    tp_streamer_close(s);
}
END_TEST

/* ---- Options ------------------------------------------------------------------------- */

static uint32_t count_flag(tp_streamer *s, uint32_t flag)
{
    uint32_t n = 0;
    for (int32_t cz = CZ - 4; cz <= CZ + 4; cz++)
        for (int32_t cx = CX - 4; cx <= CX + 4; cx++)
            n += (view_of(s, cx, cz).flags & flag) != 0;
    return n;
}

START_TEST(test_the_selector_and_its_tolerance_change_between_updates)
{
    tp_streamer_options o = {0};
    o.flags = TP_STREAMER_DETERMINISTIC;
    o.view_distance_chunks = 4;
    tp_streamer *s = small_world_open(g_world, &o); /* the bands */
    const double x = small_world_centre_m(CX), z = small_world_centre_m(CZ);
    const double y = top_m(s, CX, CZ) + 150.0;
    settle(s, x, y, z);
    /* Bands: the chunk 4 away (768 m < 1024 m) wants LOD 2 — the bands skip nothing
     * here, but the camera's height plays no part. */
    uint32_t band_far = view_of(s, CX + 4, CZ).wanted_lod;

    tp_streamer_get_options(s, &o);
    o.lod_selector = TP_STREAMER_LOD_SCREEN_ERROR;
    o.screen_error_px = 1000.0; /* loose: everything coarsest from 150 m up */
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_OK);
    ck_assert_uint_eq(view_of(s, CX + 4, CZ).wanted_lod, band_far); /* not yet */
    update3(s, x, y, z);
    for (int32_t cz = CZ - 4; cz <= CZ + 4; cz++)
        for (int32_t cx = CX - 4; cx <= CX + 4; cx++)
            ck_assert_uint_eq(view_of(s, cx, cz).wanted_lod, COARSEST);
    ck_assert_uint_eq(count_flag(s, TP_CHUNK_VIEW_COARSER), 0u);

    /* Tight: a tenth of a pixel. Coarser than wanted now follows the selector, in the
     * flags and the statistics alike. */
    o.screen_error_px = 0.1;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_OK);
    tp_streamer_stats st = update3(s, x, y, z);
    uint32_t flagged = count_flag(s, TP_CHUNK_VIEW_COARSER);
    ck_assert_msg(flagged > 0, "a 0.1 px tolerance leaves nothing coarser than wanted");
    ck_assert_uint_eq(st.in_view_coarser, flagged);
    settle(s, x, y, z);
    ck_assert_uint_eq(count_flag(s, TP_CHUNK_VIEW_COARSER), 0u);

    /* The 2-D call keeps the height of the last 3-D one. */
    uint32_t before = view_of(s, CX + 4, CZ).wanted_lod;
    ck_assert_int_eq(tp_streamer_update(s, x, z, DT), TP_OK);
    ck_assert_uint_eq(view_of(s, CX + 4, CZ).wanted_lod, before);

    /* Bad values are refused, naming the field, and nothing changes. */
    o.vertical_fov_rad = 4.0;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_ERR_INVALID_ARGUMENT);
    o.vertical_fov_rad = 0.0, o.screen_error_px = -1.0;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_ERR_INVALID_ARGUMENT);
    o.screen_error_px = 0.0, o.lod_selector = 7;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_streamer_update_3d(s, x, NAN, z, DT), TP_ERR_INVALID_ARGUMENT);
    tp_streamer_options now;
    tp_streamer_get_options(s, &now);
    ck_assert_msg(now.screen_error_px == 0.1, "tolerance changed to %g", now.screen_error_px);
    tp_streamer_close(s);
}
END_TEST

/* ---- Suite ------------------------------------------------------------------------------ */

static void setup_world(void)
{
    small_world_path(g_world, sizeof g_world, "screen_error");
    small_world_bake(g_world);
}

static void remove_world(void)
{
    remove(g_world);
}

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("screen_error");
    TCase *tc = tcase_create("screen_error");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, setup_world, remove_world);
    tcase_add_test(tc, test_the_coarsest_lod_within_the_tolerance_is_wanted_by_hand_computed_cases);
    tcase_add_test(tc, test_every_chunk_drawn_once_settled_keeps_the_tolerance);
    tcase_add_test(tc, test_a_nearer_or_lower_camera_wants_finer_lods);
    tcase_add_test(tc, test_the_selector_and_its_tolerance_change_between_updates);
    suite_add_tcase(s, tc);
    return s;
}
