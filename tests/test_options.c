/* test_options.c — the streamer's options: read back, changed between updates (in force
 * from the next update), refused with a reason when they cannot change; and the throttle,
 * which follows only the frame work the game reports. Deterministic mode throughout, so
 * every assertion is about what update() decided, never about what threads managed. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <string.h>

#include "test_main.h"
#include "test_small_world.h"

static char g_world[512];

#define DT (1.0 / 60.0)

static tp_streamer *open_deterministic(void)
{
    tp_streamer_options o = {0};
    o.flags = TP_STREAMER_DETERMINISTIC;
    return small_world_open(g_world, &o);
}

static tp_streamer_stats update_ok(tp_streamer *s, double x, double z)
{
    ck_assert_int_eq(tp_streamer_update(s, x, z, DT), TP_OK);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    return st;
}

/* Updates at (x, z) until nothing is coarser than wanted, queued or in flight. */
static tp_streamer_stats settle(tp_streamer *s, double x, double z)
{
    tp_streamer_stats st;
    for (int i = 0; i < 2000; i++) {
        st = update_ok(s, x, z);
        if (st.in_view_coarser == 0 && st.in_view_missing == 0 && st.queue_depth == 0 &&
            st.in_flight == 0)
            return st;
    }
    ck_abort_msg("no settling in 2000 deterministic updates: %u coarser, %u queued",
                 st.in_view_coarser, st.queue_depth);
    return st;
}

static int count_visit(void *user, const tp_chunk_view *v)
{
    (void)v;
    ++*(uint32_t *)user;
    return 0;
}

static uint32_t in_view_visits(tp_streamer *s)
{
    uint32_t n = 0;
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, count_visit, &n);
    return n;
}

/* ---- Throttle ------------------------------------------------------------------------- */

START_TEST(test_a_60hz_game_that_never_reports_its_work_streams_at_full_rate)
{
    /* The README's loop: update() with the frame's duration, nothing else. A 60 Hz (or
     * even a 30 Hz) frame lasts longer than the 10 ms threshold, which must not matter. */
    tp_streamer *s = open_deterministic();
    tp_streamer_options o;
    tp_streamer_get_options(s, &o);
    uint32_t most_in_flight = 0;
    for (int i = 0; i < 200; i++) {
        double x = 200.0 + 12.0 * i, dt = i % 2 ? DT : 1.0 / 30.0;
        ck_assert_int_eq(tp_streamer_update(s, x, 2048.0, dt), TP_OK);
        tp_streamer_stats st;
        tp_streamer_get_stats(s, &st);
        ck_assert_msg(st.in_flight_limit == o.max_in_flight,
                      "update %d: in-flight limit %u, not max_in_flight %u", i,
                      st.in_flight_limit, o.max_in_flight);
        if (st.in_flight > most_in_flight)
            most_in_flight = st.in_flight;
    }
    ck_assert_msg(most_in_flight > o.throttled_in_flight,
                  "never more than %u pages in flight: throttled", most_in_flight);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_reported_slow_work_throttles_and_fast_work_lifts_it)
{
    tp_streamer *s = open_deterministic();
    tp_streamer_options o;
    tp_streamer_get_options(s, &o);
    tp_streamer_set_frame_time(s, 0.020); /* above the 10 ms threshold */
    tp_streamer_stats st = update_ok(s, 2048.0, 2048.0);
    ck_assert_uint_eq(st.in_flight_limit, o.throttled_in_flight);
    ck_assert_uint_le(st.in_flight, o.throttled_in_flight);
    ck_assert_uint_gt(st.queue_depth, 0); /* there was more to hand out */
    tp_streamer_set_frame_time(s, 0.004);
    st = update_ok(s, 2048.0, 2048.0);
    ck_assert_uint_eq(st.in_flight_limit, o.max_in_flight);
    ck_assert_uint_gt(st.in_flight, o.throttled_in_flight);
    tp_streamer_set_frame_time(s, -1.0); /* ignored: the last valid report stands */
    st = update_ok(s, 2048.0, 2048.0);
    ck_assert_uint_eq(st.in_flight_limit, o.max_in_flight);
    tp_streamer_close(s);
}
END_TEST

/* ---- Reading and changing options ------------------------------------------------------ */

START_TEST(test_options_read_back_with_their_defaults_resolved)
{
    tp_streamer *s = small_world_open(g_world, NULL);
    tp_streamer_options o;
    tp_streamer_get_options(s, &o);
    ck_assert_uint_eq(o.view_distance_chunks, 8);
    ck_assert(o.lod_band_m[0] == 256.0 && o.lod_band_m[1] == 512.0 && o.lod_band_m[2] == 1024.0);
    ck_assert(o.lod_band_m[3] == 0.0);
    ck_assert_uint_eq(o.max_in_flight, 8);
    ck_assert_uint_eq(o.throttled_in_flight, 2);
    ck_assert(o.throttle_frame_ms == 10.0 && o.prediction_horizon_s == 2.0);
    ck_assert(o.teleport_distance_m == 8 * SMALL_WORLD_CHUNK_M * 0.5);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(o.budget_bytes, st.budget_bytes);
    /* Passing them back unchanged is accepted and changes nothing. */
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_OK);
    tp_streamer_options again;
    tp_streamer_get_options(s, &again);
    ck_assert(memcmp(&o, &again, sizeof o) == 0);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_a_new_view_distance_is_in_force_from_the_next_update)
{
    tp_streamer *s = open_deterministic();
    const double x = small_world_centre_m(8), z = small_world_centre_m(8);
    tp_streamer_stats st = settle(s, x, z);
    ck_assert_uint_eq(st.in_view_chunks, 17 * 17);
    tp_streamer_options o;
    tp_streamer_get_options(s, &o);
    o.view_distance_chunks = 3;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_OK);
    tp_streamer_get_options(s, &o);
    ck_assert_uint_eq(o.view_distance_chunks, 3); /* what the next update puts in force */
    ck_assert_uint_eq(in_view_visits(s), 17 * 17); /* not yet */
    st = update_ok(s, x, z);
    ck_assert_uint_eq(st.in_view_chunks, 7 * 7);
    ck_assert_uint_eq(in_view_visits(s), 7 * 7);
    /* Wider than at open: a bigger view, none of it missing, every chunk of it at the
     * LOD it wants once settled (outside the region too: 25 × 25 around (8, 8)). */
    o.view_distance_chunks = 12;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_OK);
    st = update_ok(s, x, z);
    ck_assert_uint_eq(st.in_view_chunks, 25 * 25);
    ck_assert_uint_eq(st.in_view_missing, 0);
    st = settle(s, x, z);
    ck_assert_uint_eq(in_view_visits(s), 25 * 25);
    tp_streamer_close(s);
}
END_TEST

typedef struct lod_check {
    double x, z, band_m;
    uint32_t too_coarse;
} lod_check;

/* Chunks of the view nearer than the band that are not at LOD 0. */
static int check_lod0_within(void *user, const tp_chunk_view *v)
{
    lod_check *c = user;
    double x0 = v->cx * SMALL_WORLD_CHUNK_M, z0 = v->cz * SMALL_WORLD_CHUNK_M;
    double dx = c->x < x0 ? x0 - c->x : c->x > x0 + SMALL_WORLD_CHUNK_M ? c->x - x0 - SMALL_WORLD_CHUNK_M : 0;
    double dz = c->z < z0 ? z0 - c->z : c->z > z0 + SMALL_WORLD_CHUNK_M ? c->z - z0 - SMALL_WORLD_CHUNK_M : 0;
    if (dx * dx + dz * dz < c->band_m * c->band_m && v->lod != 0)
        c->too_coarse++;
    return 0;
}

START_TEST(test_new_lod_bands_change_what_is_wanted_at_the_next_update)
{
    tp_streamer *s = open_deterministic();
    const double x = small_world_centre_m(8), z = small_world_centre_m(8);
    settle(s, x, z);
    lod_check c = {x, z, 1000.0, 0};
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_lod0_within, &c);
    ck_assert_uint_gt(c.too_coarse, 0); /* the default bands give LOD 0 only to 256 m */
    tp_streamer_options o;
    tp_streamer_get_options(s, &o);
    memset(o.lod_band_m, 0, sizeof o.lod_band_m);
    o.lod_band_m[0] = 1000.0, o.lod_band_m[1] = 1500.0;
    o.flags |= TP_STREAMER_NO_PREDICTION;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_OK);
    settle(s, x, z);
    c.too_coarse = 0;
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_lod0_within, &c);
    ck_assert_uint_eq(c.too_coarse, 0);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_options_fixed_at_open_are_refused_with_a_reason_and_nothing_changes)
{
    tp_streamer *s = open_deterministic();
    tp_streamer_options before, o;
    tp_streamer_get_options(s, &before);
    static const struct {
        const char *field;
    } cases[] = {{"max_in_flight"}, {"flags"}, {"worker_threads"}, {"read"}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        o = before;
        o.view_distance_chunks = 4; /* a change that alone would be fine */
        if (i == 0)
            o.max_in_flight = 16;
        else if (i == 1)
            o.flags &= ~TP_STREAMER_DETERMINISTIC;
        else if (i == 2)
            o.worker_threads = 3;
        else
            o.read_user = &o;
        ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_ERR_INVALID_ARGUMENT);
        ck_assert_msg(strstr(tp_error_detail(), cases[i].field) != NULL &&
                          strstr(tp_error_detail(), "cannot change") != NULL,
                      "detail: %s", tp_error_detail());
        tp_streamer_get_options(s, &o);
        ck_assert(memcmp(&o, &before, sizeof o) == 0);
    }
    /* Values open would refuse are refused here too. */
    o = before;
    o.view_distance_chunks = 5000;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_ERR_INVALID_ARGUMENT);
    o = before;
    o.prediction_horizon_s = -1.0;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_ERR_INVALID_ARGUMENT);
    o = before;
    o.budget_bytes = 1;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_ERR_OUT_OF_RANGE);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "too small"));
    ck_assert_int_eq(tp_streamer_set_options(s, NULL), TP_ERR_INVALID_ARGUMENT);
    tp_streamer_get_options(s, &o);
    ck_assert(memcmp(&o, &before, sizeof o) == 0);
    tp_streamer_stats st = update_ok(s, 2048.0, 2048.0);
    ck_assert_uint_eq(st.in_view_chunks, 17 * 17);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_a_lower_budget_holds_from_the_next_update_on)
{
    tp_streamer *s = open_deterministic();
    const double x = small_world_centre_m(8), z = small_world_centre_m(8);
    tp_streamer_options o;
    tp_streamer_get_options(s, &o);
    memset(o.lod_band_m, 0, sizeof o.lod_band_m);
    o.lod_band_m[0] = 1500.0, o.lod_band_m[1] = 2500.0; /* much at LOD 0: much held */
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_OK);
    tp_streamer_stats st = settle(s, x, z);
    const uint64_t held = st.held_bytes;
    /* The lowest budget accepted below what is held now. */
    uint64_t lowest = 0;
    for (uint64_t b = held - 1; b > 0; b = b * 9 / 10) {
        o.budget_bytes = b;
        if (tp_streamer_set_options(s, &o) != TP_OK)
            break;
        lowest = b;
    }
    ck_assert_msg(lowest > 0 && lowest < held, "no budget below %llu accepted",
                  (unsigned long long)held);
    o.budget_bytes = lowest;
    ck_assert_int_eq(tp_streamer_set_options(s, &o), TP_OK);
    for (int i = 0; i < 50; i++) {
        st = update_ok(s, x + 40.0 * i, z);
        ck_assert_uint_eq(st.budget_bytes, lowest);
        ck_assert_msg(st.held_bytes <= lowest, "update %d: %llu held over a budget of %llu",
                      i, (unsigned long long)st.held_bytes, (unsigned long long)lowest);
        ck_assert_uint_eq(st.in_view_missing, 0);
    }
    tp_streamer_close(s);
}
END_TEST

/* ---- Suite ------------------------------------------------------------------------------ */

static void setup_world(void)
{
    small_world_path(g_world, sizeof g_world, "options");
    small_world_bake(g_world);
}

static void remove_world(void)
{
    remove(g_world);
}

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("options");
    TCase *tc = tcase_create("options");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, setup_world, remove_world);
    tcase_add_test(tc, test_a_60hz_game_that_never_reports_its_work_streams_at_full_rate);
    tcase_add_test(tc, test_reported_slow_work_throttles_and_fast_work_lifts_it);
    tcase_add_test(tc, test_options_read_back_with_their_defaults_resolved);
    tcase_add_test(tc, test_a_new_view_distance_is_in_force_from_the_next_update);
    tcase_add_test(tc, test_new_lod_bands_change_what_is_wanted_at_the_next_update);
    tcase_add_test(tc, test_options_fixed_at_open_are_refused_with_a_reason_and_nothing_changes);
    tcase_add_test(tc, test_a_lower_budget_holds_from_the_next_update_on);
    suite_add_tcase(s, tc);
    return s;
}
