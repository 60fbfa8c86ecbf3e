/* test_warm.c — destinations warmed ahead of a teleport, and the readiness a loading
 * screen waits on. Deterministic mode: every page handed out by one update arrives at
 * the next, so "ready after N updates" is a fact about the scheduler, not about threads. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <string.h>

#include "test_main.h"
#include "test_small_world.h"

static char g_world[512];

#define DT (1.0 / 60.0)
#define HOME_X (small_world_centre_m(8))
#define HOME_Z (small_world_centre_m(8))
/* Far outside the 16 × 16 region: every chunk of its view is generated. */
#define AWAY_X (small_world_centre_m(60))
#define AWAY_Z (small_world_centre_m(-40))

static tp_streamer *open_settled_at_home(void)
{
    tp_streamer_options o = {0};
    o.flags = TP_STREAMER_DETERMINISTIC;
    tp_streamer *s = small_world_open(g_world, &o);
    tp_streamer_stats st;
    for (int i = 0; i < 2000; i++) {
        ck_assert_int_eq(tp_streamer_update(s, HOME_X, HOME_Z, DT), TP_OK);
        tp_streamer_get_stats(s, &st);
        if (st.in_view_coarser == 0 && st.in_view_missing == 0 && st.queue_depth == 0 &&
            st.in_flight == 0)
            return s;
    }
    ck_abort_msg("no settling");
    return s;
}

static tp_streamer_stats update_ok(tp_streamer *s, double x, double z)
{
    ck_assert_int_eq(tp_streamer_update(s, x, z, DT), TP_OK);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    return st;
}

START_TEST(test_a_warmed_destination_outside_the_region_shows_no_hole_and_no_deficit_on_arrival)
{
    tp_streamer *s = open_settled_at_home();
    tp_streamer_ready r;
    ck_assert_int_eq(tp_streamer_readiness(s, AWAY_X, AWAY_Z, &r), TP_OK);
    ck_assert_uint_eq(r.chunks, 17 * 17);
    ck_assert_uint_eq(r.missing, 17 * 17); /* nothing there yet */
    ck_assert(!r.ready);
    ck_assert_int_eq(tp_streamer_warm(s, AWAY_X, AWAY_Z), TP_OK);
    /* The loading screen: the camera stays home, its view intact, until ready. */
    int waited = 0;
    for (;;) {
        tp_streamer_stats st = update_ok(s, HOME_X, HOME_Z);
        ck_assert_uint_eq(st.in_view_missing, 0);
        ck_assert_uint_eq(st.in_view_coarser, 0);
        ck_assert_int_eq(tp_streamer_readiness(s, AWAY_X, AWAY_Z, &r), TP_OK);
        if (r.ready)
            break;
        ck_assert_msg(++waited < 2000, "not ready after 2000 updates: %u missing, %u coarser",
                      r.missing, r.coarser);
    }
    ck_assert_uint_eq(r.missing, 0);
    ck_assert_uint_eq(r.coarser, 0);
    tp_streamer_stats before;
    tp_streamer_get_stats(s, &before);
    tp_streamer_stats st = update_ok(s, AWAY_X, AWAY_Z); /* the jump */
    ck_assert_uint_eq(st.teleports, before.teleports + 1);
    ck_assert_uint_eq(st.in_view_missing, 0);
    ck_assert_uint_eq(st.in_view_coarser, 0);
    ck_assert_uint_eq(st.sync_generations, before.sync_generations); /* nothing left to do */
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_an_unwarmed_jump_outside_the_region_arrives_coarser_than_wanted)
{
    /* The comparison the test above stands against: the same jump, cold. */
    tp_streamer *s = open_settled_at_home();
    tp_streamer_stats before;
    tp_streamer_get_stats(s, &before);
    tp_streamer_stats st = update_ok(s, AWAY_X, AWAY_Z);
    ck_assert_uint_gt(st.in_view_coarser, 0);
    ck_assert_uint_gt(st.sync_generations, before.sync_generations);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_the_coarsest_lods_of_a_destination_go_out_many_at_a_time_beyond_the_full_jobs)
{
    /* The 289 coarsest LODs of a view beyond the region are tiny pages: they must not
     * wait for the 8 full jobs (36 updates); the small coarse jobs take them in a few. */
    tp_streamer *s = open_settled_at_home();
    tp_streamer_options o;
    tp_streamer_get_options(s, &o);
    ck_assert_int_eq(tp_streamer_warm(s, AWAY_X, AWAY_Z), TP_OK);
    tp_streamer_ready r = {0};
    int updates = 0;
    uint32_t most_in_flight = 0;
    do {
        tp_streamer_stats st = update_ok(s, HOME_X, HOME_Z);
        most_in_flight = st.in_flight > most_in_flight ? st.in_flight : most_in_flight;
        ck_assert_int_eq(tp_streamer_readiness(s, AWAY_X, AWAY_Z, &r), TP_OK);
        updates++;
    } while (r.missing > 0 && updates < 100);
    ck_assert_msg(updates <= 6, "%d updates until no hole at the destination", updates);
    ck_assert_uint_gt(most_in_flight, o.max_in_flight);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_warm_destinations_are_limited_moved_cancelled_and_dropped_on_arrival)
{
    tp_streamer *s = open_settled_at_home();
    for (int i = 0; i < (int)TP_STREAMER_MAX_WARM; i++)
        ck_assert_int_eq(tp_streamer_warm(s, small_world_centre_m(40 + 20 * i), HOME_Z), TP_OK);
    ck_assert_int_eq(tp_streamer_warm(s, small_world_centre_m(200), HOME_Z), TP_ERR_OUT_OF_RANGE);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "cancel"));
    /* Within the chunk of one already warm: that one moves, no new one. */
    ck_assert_int_eq(tp_streamer_warm(s, small_world_centre_m(40) + 10.0, HOME_Z), TP_OK);
    tp_streamer_warm_cancel(s, small_world_centre_m(60), HOME_Z);
    ck_assert_int_eq(tp_streamer_warm(s, small_world_centre_m(200), HOME_Z), TP_OK);
    ck_assert_int_eq(tp_streamer_warm(s, small_world_centre_m(220), HOME_Z), TP_ERR_OUT_OF_RANGE);
    /* Arriving at one drops it (its view is the camera's now): room for another. */
    update_ok(s, small_world_centre_m(80), HOME_Z);
    ck_assert_int_eq(tp_streamer_warm(s, small_world_centre_m(220), HOME_Z), TP_OK);
    ck_assert_int_eq(tp_streamer_warm(s, NAN, 0.0), TP_ERR_INVALID_ARGUMENT);
    tp_streamer_ready r;
    ck_assert_int_eq(tp_streamer_readiness(s, 0.0, INFINITY, &r), TP_ERR_INVALID_ARGUMENT);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_readiness_of_the_camera_spot_agrees_with_the_statistics_once_settled)
{
    tp_streamer *s = open_settled_at_home();
    tp_streamer_ready r;
    ck_assert_int_eq(tp_streamer_readiness(s, HOME_X, HOME_Z, &r), TP_OK);
    ck_assert(r.ready);
    ck_assert_uint_eq(r.chunks, 17 * 17);
    /* Two chunks east: its square reaches chunk columns 17 and 18, outside both the
     * region (16 wide) and the camera's view (columns 0 … 16), so 2 · 17 holes; and
     * the chunks around the spot want LOD 0, which only the chunks around home have. */
    ck_assert_int_eq(tp_streamer_readiness(s, HOME_X + 512.0, HOME_Z, &r), TP_OK);
    ck_assert_uint_eq(r.missing, 2 * 17);
    ck_assert_uint_gt(r.coarser, 0);
    ck_assert(!r.ready);
    tp_streamer_close(s);
}
END_TEST

static void setup_world(void)
{
    small_world_path(g_world, sizeof g_world, "warm");
    small_world_bake(g_world);
}

static void remove_world(void)
{
    remove(g_world);
}

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("warm");
    TCase *tc = tcase_create("warm");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, setup_world, remove_world);
    tcase_add_test(tc, test_a_warmed_destination_outside_the_region_shows_no_hole_and_no_deficit_on_arrival);
    tcase_add_test(tc, test_an_unwarmed_jump_outside_the_region_arrives_coarser_than_wanted);
    tcase_add_test(tc, test_the_coarsest_lods_of_a_destination_go_out_many_at_a_time_beyond_the_full_jobs);
    tcase_add_test(tc, test_warm_destinations_are_limited_moved_cancelled_and_dropped_on_arrival);
    tcase_add_test(tc, test_readiness_of_the_camera_spot_agrees_with_the_statistics_once_settled);
    suite_add_tcase(s, tc);
    return s;
}
