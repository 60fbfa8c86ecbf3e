/* test_runtime.c — the streamer: coverage, budget, fallback, cancellation, determinism.
 *
 * The worlds are baked once, by the test case's unchecked fixture (small: 33 samples per
 * edge, three LODs of 33, 17 and 9 samples), and shared by the tests, which Check runs in
 * forked processes. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "test_main.h"

#include "terrapage/baker.h"
#include "terrapage/mesh.h"
#include "terrapage/runtime.h"
#include "test_vast_region.h"

#define SAMPLES 33u
#define CHUNK_M 256.0

static char g_world[512];     /* 16 × 16 chunks at (0, 0) */
static char g_corrupt[512];   /* the same with four damaged pages */
static tp_world_params g_params;
static tp_reader *g_reader;   /* g_world, for the meshes the baker stored */
static int g_no_meshes;       /* set by tests that open with TP_STREAMER_NO_MESHES */

/* ---- Helpers ------------------------------------------------------------------------- */

static void bake_world(const char *path)
{
    tp_bake_options o = {0};
    o.world.samples_per_edge = SAMPLES;
    o.world.seed = 7;
    o.region_x0 = 0, o.region_z0 = 0;
    o.region_width = 16, o.region_height = 16;
    o.threads = 1; /* no OpenMP pool left running into the forked tests */
    o.compression_level = -1; /* fast: the tests read, they do not measure ratios */
    if (tp_bake(path, &o, NULL) != TP_OK) { /* in the fixture, outside any test */
        fprintf(stderr, "bake %s: %s\n", path, tp_error_detail());
        exit(EXIT_FAILURE);
    }
    tp_world_params_resolve(&o.world, &g_params);
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* How long a test waits for worker threads to bring something about. What threads
 * manage in a given time depends on the CPU they get (CI runs the suite beside busy
 * processes), so a test waits for the condition itself, up to a deadline that only a
 * broken streamer reaches; it never asserts on what happened within some time. */
#define WORKER_DEADLINE_S 60.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static tp_streamer *open_ok(const char *path, const tp_streamer_options *o)
{
    tp_streamer *s = NULL;
    tp_result r = tp_streamer_open(path, o, &s);
    ck_assert_msg(r == TP_OK, "open: %s: %s", tp_result_string(r), tp_error_detail());
    return s;
}

static double centre_m(int32_t c)
{
    return ((double)c + 0.5) * CHUNK_M;
}

/* The mesh encoding the baker made for (cx, cz, lod): the file's blob inside the baked
 * region, tp_mesh_generate_chunk_blob() outside it. Returns the size; *out to free. */
static size_t baked_mesh(int32_t cx, int32_t cz, uint32_t lod, void **out, float *out_error)
{
    tp_blob_ref ref;
    if (tp_reader_find(g_reader, cx, cz, TP_LAYER_MESH, lod, &ref) == TP_OK) {
        *out = malloc(ref.raw_size);
        ck_assert_int_eq(tp_reader_decode(g_reader, &ref, *out, ref.raw_size), TP_OK);
        memcpy(out_error, &ref.aux, sizeof *out_error);
        return ref.raw_size;
    }
    size_t cap = tp_mesh_chunk_blob_bound(&g_params, lod), size = 0;
    *out = malloc(cap);
    ck_assert_int_eq(tp_mesh_generate_chunk_blob(&g_params, cx, cz, lod, NULL, NULL, NULL, 0,
                                                 *out, cap, &size, out_error),
                     TP_OK);
    return size;
}

/* The view's mesh is the baker's mesh of its chunk and LOD, decoded. */
static void assert_mesh_equals_baked(const tp_chunk_view *v)
{
    ck_assert_msg(v->mesh != NULL, "(%d, %d) LOD %u (%s) has no mesh", v->cx, v->cz, v->lod,
                  tp_streamer_source_name(v->source));
    void *raw;
    float error_m;
    size_t size = baked_mesh(v->cx, v->cz, v->lod, &raw, &error_m);
    tp_mesh info, want;
    ck_assert_int_eq(tp_mesh_decode_header(raw, size, &info), TP_OK);
    tp_mesh_vertex *vs = malloc(info.vertex_count * sizeof *vs + 1);
    uint16_t *is = malloc(info.index_count * sizeof *is + 1);
    ck_assert_int_eq(tp_mesh_decode(raw, size, vs, info.vertex_count, is, info.index_count, &want),
                     TP_OK);
    const tp_mesh *got = &v->mesh->geometry;
    ck_assert_msg(got->vertex_count == want.vertex_count && got->index_count == want.index_count,
                  "(%d, %d) LOD %u (%s): mesh of %u/%u vertices/indices, baked %u/%u", v->cx,
                  v->cz, v->lod, tp_streamer_source_name(v->source), got->vertex_count,
                  got->index_count, want.vertex_count, want.index_count);
    ck_assert_uint_eq(got->skirt_vertex_start, want.skirt_vertex_start);
    ck_assert_uint_eq(got->skirt_index_start, want.skirt_index_start);
    ck_assert_uint_eq(got->skirt_depth, want.skirt_depth);
    ck_assert(memcmp(got->vertices, vs, want.vertex_count * sizeof *vs) == 0);
    ck_assert(memcmp(got->indices, is, want.index_count * sizeof *is) == 0);
    int in_region = v->cx >= 0 && v->cz >= 0 && v->cx < 16 && v->cz < 16;
    if (v->mesh->flags & TP_CHUNK_MESH_ERROR_ESTIMATED) {
        ck_assert_uint_ne(v->lod, 0);
        ck_assert(v->mesh->max_error_m == (float)tp_mesh_lod_target_error_m(v->lod));
    } else if (in_region) {
        ck_assert_msg(v->mesh->max_error_m == error_m, "(%d, %d) LOD %u: error %g, baked %g",
                      v->cx, v->cz, v->lod, v->mesh->max_error_m, error_m);
    }
    free(vs), free(is), free(raw);
}

/* Compares a view with a fresh generation of the same chunk and LOD. */
static void assert_view_equals_generation(const tp_chunk_view *v)
{
    uint32_t e = tp_world_lod_edge(&g_params, v->lod), ce = tp_world_climate_edge(&g_params);
    ck_assert_uint_eq(v->edge, e);
    uint16_t *h = malloc((size_t)e * e * 2);
    uint8_t *b = malloc((size_t)e * e);
    int16_t *t = malloc((size_t)ce * ce * 2);
    uint16_t *p = malloc((size_t)ce * ce * 2);
    tp_chunk_fields f = {h, b, t, p};
    ck_assert_int_eq(tp_generate_chunk(&g_params, v->cx, v->cz, v->lod, &f), TP_OK);
    ck_assert_msg(memcmp(h, v->height_codes, (size_t)e * e * 2) == 0,
                  "heights of (%d, %d) LOD %u (%s) differ from generation", v->cx, v->cz,
                  v->lod, tp_streamer_source_name(v->source));
    ck_assert(memcmp(b, v->biomes, (size_t)e * e) == 0);
    if (v->climate_edge) {
        ck_assert_uint_eq(v->climate_edge, ce);
        ck_assert(memcmp(t, v->temperature_cc, (size_t)ce * ce * 2) == 0);
        ck_assert(memcmp(p, v->precipitation_mm, (size_t)ce * ce * 2) == 0);
    }
    free(h), free(b), free(t), free(p);
    if (g_no_meshes)
        ck_assert_ptr_null(v->mesh);
    else
        assert_mesh_equals_baked(v);
}

/* Updates at a fixed spot until every in-view chunk has its wanted LOD. */
static void settle(tp_streamer *s, double x, double z)
{
    tp_streamer_stats st;
    const double deadline = now_s() + WORKER_DEADLINE_S;
    do {
        ck_assert_int_eq(tp_streamer_update(s, x, z, 1.0 / 60.0), TP_OK);
        tp_streamer_get_stats(s, &st);
        if (st.in_view_coarser == 0 && st.in_view_missing == 0 && st.in_flight == 0 &&
            st.queue_depth == 0)
            return;
        sleep_ms(1);
    } while (now_s() < deadline);
    ck_abort_msg("the streamer did not settle in %.0f s: %u coarser, %u missing, %u queued",
                 WORKER_DEADLINE_S, st.in_view_coarser, st.in_view_missing, st.queue_depth);
}

/* Event log for the golden and cancellation tests. */
typedef struct event_log {
    tp_streamer_event *e;
    size_t count, cap;
} event_log;

static void log_event(void *user, const tp_streamer_event *e)
{
    event_log *log = user;
    if (log->count == log->cap) {
        log->cap = log->cap ? log->cap * 2 : 1024;
        log->e = realloc(log->e, log->cap * sizeof *log->e);
    }
    log->e[log->count++] = *e;
}

/* ---- Open and queries ----------------------------------------------------------------- */

/* Open decodes nothing; the first update reads the coarsest LOD of the view itself. */
START_TEST(test_open_decodes_nothing_and_the_first_update_reads_the_view)
{
    tp_streamer *s = open_ok(g_world, NULL);
    const tp_world_params *w = tp_streamer_world(s);
    ck_assert_uint_eq(w->samples_per_edge, SAMPLES);
    for (int32_t cz = -1; cz <= 16; cz++)
        for (int32_t cx = -1; cx <= 16; cx++)
            ck_assert_int_eq(tp_streamer_best_lod(s, cx, cz), -1);
    tp_chunk_view v;
    ck_assert_int_eq(tp_streamer_acquire(s, 3, 5, 0, &v), TP_ERR_NOT_FOUND);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.page_ins, 0);
    ck_assert_uint_eq(st.bytes_read, 0);
    ck_assert_uint_eq(st.bytes_decoded, 0);
    ck_assert_uint_eq(st.resident_bytes, 0);
    ck_assert_uint_eq(st.permanent_bytes, 0);
    ck_assert_uint_gt(st.scratch_bytes, 0);
    ck_assert_uint_ge(st.worker_threads, 1);
    ck_assert_uint_le(st.held_bytes, st.budget_bytes);
    /* The file's bounds records answer before anything is resident. */
    tp_chunk_bounds b;
    ck_assert_int_eq(tp_streamer_chunk_bounds(s, 3, 5, &b), TP_OK);
    ck_assert(b.flags & TP_CHUNK_PRESENT);
    ck_assert_uint_le(b.height_min_code, b.height_max_code);
    ck_assert_int_eq(tp_streamer_chunk_bounds(s, 40, 5, &b), TP_ERR_NOT_FOUND);

    /* One update: every baked chunk of the view has its coarsest LOD, read by update()
     * (what the workers make is published only by the next one). */
    ck_assert_int_eq(tp_streamer_update(s, centre_m(3), centre_m(5), 1.0 / 60), TP_OK);
    for (int32_t cz = 0; cz <= 13; cz++)
        for (int32_t cx = 0; cx <= 11; cx++)
            ck_assert_int_eq(tp_streamer_best_lod(s, cx, cz), 2);
    ck_assert_int_eq(tp_streamer_acquire(s, 3, 5, 0, &v), TP_OK);
    ck_assert_uint_eq(v.lod, 2);
    ck_assert(!(v.flags & TP_CHUNK_VIEW_PERMANENT));
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_FILE);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.page_ins_by_lod[2], 12u * 14u + st.sync_generations);
    ck_assert_uint_gt(st.bytes_read, 0);
    ck_assert_uint_gt(st.mesh_bytes, 12u * 14u * 100u);
    ck_assert_uint_eq(st.fallbacks, st.fallbacks_outside); /* only chunks outside */
    ck_assert_uint_eq(st.permanent_bytes, 0);
    ck_assert_uint_le(st.held_bytes, st.budget_bytes);
    tp_streamer_close(s);
    tp_streamer_close(NULL);
}
END_TEST

START_TEST(test_open_rejects_bad_options_with_a_reason)
{
    tp_streamer *s = NULL;
    tp_streamer_options o = {0};
    o.flags = 0x80000000u;
    ck_assert_int_eq(tp_streamer_open(g_world, &o, &s), TP_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(s);
    memset(&o, 0, sizeof o);
    o.lod_band_m[0] = 500, o.lod_band_m[1] = 100;
    ck_assert_int_eq(tp_streamer_open(g_world, &o, &s), TP_ERR_INVALID_ARGUMENT);
    memset(&o, 0, sizeof o);
    o.budget_bytes = 1000;
    ck_assert_int_eq(tp_streamer_open(g_world, &o, &s), TP_ERR_OUT_OF_RANGE);
    ck_assert(strstr(tp_error_detail(), "too small") != NULL);
    ck_assert_int_ne(tp_streamer_open("/nonexistent/world.tpk", NULL, &s), TP_OK);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_lod_follows_the_bands_nearest_first)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 4;
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    tp_streamer *s = open_ok(g_world, &o);
    double x = centre_m(8), z = centre_m(8);
    settle(s, x, z);
    ck_assert_int_eq(tp_streamer_best_lod(s, 8, 8), 0);  /* under the camera */
    ck_assert_int_eq(tp_streamer_best_lod(s, 9, 8), 0);  /* 128 m away: band 0 */
    ck_assert_int_eq(tp_streamer_best_lod(s, 10, 8), 1); /* 384 m: band 1 */
    ck_assert_int_eq(tp_streamer_best_lod(s, 12, 8), 2); /* 896 m: beyond the last fine band */
    ck_assert_int_eq(tp_streamer_best_lod(s, 8, 14), 2);  /* out of view, read ahead */
    ck_assert_int_eq(tp_streamer_best_lod(s, 8, 15), -1); /* beyond the margin: not read */

    /* Hysteresis: 20 m past band 0 the chunk keeps LOD 0. Chunk 9 is at 128 m from the
     * camera's chunk centre; moving the camera 150 m towards −x puts it at 278 m. */
    settle(s, x - 150.0, z);
    ck_assert_int_eq(tp_streamer_best_lod(s, 9, 8), 0);
    settle(s, x - 250.0, z);                              /* 378 m: LOD 1 now */
    ck_assert_int_eq(tp_streamer_best_lod(s, 9, 8), 1);

    tp_chunk_view v;
    ck_assert_int_eq(tp_streamer_acquire(s, 8, 8, 0, &v), TP_OK);
    ck_assert_uint_eq(v.lod, 0);
    ck_assert(v.flags & TP_CHUNK_VIEW_IN_VIEW);
    ck_assert_uint_eq(v.climate_edge, 5);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    ck_assert_ptr_null(v.pin);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.pinned_views, 0);
    ck_assert_uint_gt(st.page_ins, 0);
    ck_assert_uint_gt(st.bytes_read, 0);
    ck_assert_uint_eq(st.fallbacks, 0);
    tp_streamer_close(s);
}
END_TEST

static int count_visit(void *user, const tp_chunk_view *v)
{
    uint64_t *n = user;
    ck_assert_ptr_nonnull(v->height_codes);
    ck_assert_uint_ge(v->edge, 9);
    (*n)++;
    return 0;
}

START_TEST(test_for_each_visits_the_view_and_everything_resident)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 2;
    o.flags = TP_STREAMER_DETERMINISTIC;
    tp_streamer *s = open_ok(g_world, &o);
    ck_assert_int_eq(tp_streamer_update(s, centre_m(0), centre_m(0), 1.0 / 60), TP_OK);
    uint64_t n = 0;
    /* At the corner of the region, a 5 × 5 view: 9 chunks read, 16 generated at once. */
    ck_assert_uint_eq(tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, count_visit, &n), 25);
    n = 0;
    ck_assert_uint_eq(tp_streamer_for_each(s, 0, count_visit, &n), 9 + 16);
    tp_streamer_close(s);
}
END_TEST

/* ---- Coverage ----------------------------------------------------------------------------- */

START_TEST(test_every_chunk_of_the_view_has_a_lod_on_the_update_after_a_teleport)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    tp_streamer *s = open_ok(g_world, &o);
    ck_assert_int_eq(tp_streamer_update(s, centre_m(3), centre_m(3), 1.0 / 60), TP_OK);
    ck_assert_int_eq(tp_streamer_update(s, centre_m(12), centre_m(11), 1.0 / 60), TP_OK);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.teleports, 1);
    ck_assert_uint_eq(st.in_view_chunks, 49);
    ck_assert_uint_eq(st.in_view_missing, 0);
    for (int32_t dz = -3; dz <= 3; dz++)
        for (int32_t dx = -3; dx <= 3; dx++)
            ck_assert_int_ge(tp_streamer_best_lod(s, 12 + dx, 11 + dz), 0);
    tp_streamer_close(s);
}
END_TEST

/* The reference soak's jumps (up to 500 m on each axis in one frame) are shorter than
 * the teleport distance, but no camera moves at 30 km/s: they must reset the predictor,
 * not fling the prefetch kilometres ahead. Fast real motion stays motion. */
START_TEST(test_a_short_jump_in_one_frame_is_a_teleport_not_a_velocity)
{
    event_log log = {0};
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.flags = TP_STREAMER_DETERMINISTIC;
    o.on_event = log_event, o.event_user = &log;
    tp_streamer *s = open_ok(g_world, &o);
    double x = centre_m(6), z = centre_m(6);
    for (int i = 0; i < 30; i++, x += 300.0 / 60) /* a fast plane: 300 m/s */
        ck_assert_int_eq(tp_streamer_update(s, x, z, 1.0 / 60), TP_OK);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.teleports, 0);
    ck_assert(st.velocity_x_m_s > 200.0);
    ck_assert_int_eq(tp_streamer_update(s, x + 400.0, z + 300.0, 1.0 / 60), TP_OK);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.teleports, 1);
    ck_assert(st.velocity_x_m_s == 0.0 && st.velocity_z_m_s == 0.0);
    size_t teleports = 0;
    for (size_t i = 0; i < log.count; i++)
        teleports += log.e[i].type == TP_STREAMER_EVENT_TELEPORT;
    ck_assert_uint_eq(teleports, 1);
    tp_streamer_close(s);
    free(log.e);
}
END_TEST

START_TEST(test_a_teleport_outside_the_region_is_covered_or_reported)
{
    /* Deterministic: every missing coarsest LOD is generated inside the update. */
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.flags = TP_STREAMER_DETERMINISTIC;
    tp_streamer *s = open_ok(g_world, &o);
    ck_assert_int_eq(tp_streamer_update(s, centre_m(3), centre_m(3), 1.0 / 60), TP_OK);
    ck_assert_int_eq(tp_streamer_update(s, centre_m(-40), centre_m(25), 1.0 / 60), TP_OK);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.in_view_missing, 0);
    ck_assert_uint_eq(st.sync_generations, 49);
    tp_streamer_close(s);

    /* Threaded with no time for it in update(): the workers fill the view, and until
     * they have, the statistics say what is missing. */
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    o.sync_generate_budget_ms = -1;
    s = open_ok(g_world, &o);
    ck_assert_int_eq(tp_streamer_update(s, centre_m(-40), centre_m(25), 1.0 / 60), TP_OK);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.in_view_missing, 49);
    ck_assert_uint_eq(st.sync_generations, 0);
    settle(s, centre_m(-40), centre_m(25));
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.in_view_missing, 0);
    ck_assert_uint_ge(st.fallbacks_outside, 49);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_a_walking_camera_never_misses_a_chunk_of_a_baked_world)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    tp_streamer *s = open_ok(g_world, &o);
    /* 3000 frames of 1/60 s at a brisk 6 m/s, zig-zagging, the view inside the region. */
    double x = centre_m(4), z = centre_m(4);
    tp_streamer_stats st;
    for (int i = 0; i < 3000; i++) {
        x += 6.0 / 60.0;
        z += ((i / 600) % 2 ? -6.0 : 6.0) / 60.0;
        ck_assert_int_eq(tp_streamer_update(s, x, z, 1.0 / 60), TP_OK);
        tp_streamer_get_stats(s, &st);
        ck_assert_msg(st.in_view_missing == 0, "frame %d: %u chunks missing", i,
                      st.in_view_missing);
        if (i % 64 == 0)
            sleep_ms(1); /* let the workers run as they would between frames */
    }
    ck_assert_uint_eq(st.in_view_missing_total, 0);
    ck_assert_uint_gt(st.page_ins, 0);
    tp_streamer_close(s);
}
END_TEST

/* ---- Budget ------------------------------------------------------------------------------- */

static uint64_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 33;
}

/* Opens on the shared world, or with no file at all when `generated`. */
static tp_result open_either(int generated, const tp_streamer_options *o, tp_streamer **s)
{
    return generated ? tp_streamer_open_generated(&g_params, o, s)
                     : tp_streamer_open(g_world, o, s);
}

static void random_path_within_budget(uint32_t flags, int generated)
{
    /* The smallest budget open accepts for a 7 × 7 view and 4 pages in flight, plus room
     * for about four LOD-0 pages: constant pressure. */
    const uint64_t block0 = 33u * 33u * 3u + 25u * 4u + 128u;
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.max_in_flight = 4;
    o.flags = flags;
    o.budget_bytes = 1;
    tp_streamer *s = NULL;
    ck_assert_int_eq(open_either(generated, &o, &s), TP_ERR_OUT_OF_RANGE);
    unsigned long long need = 0;
    const char *d = strstr(tp_error_detail(), "at least ");
    ck_assert_ptr_nonnull(d);
    need = strtoull(d + 9, NULL, 10);
    o.budget_bytes = need + 4 * block0;
    tp_result opened = open_either(generated, &o, &s);
    ck_assert_msg(opened == TP_OK, "open: %s", tp_error_detail());

    uint64_t rng = 12345;
    double x = centre_m(8), z = centre_m(8);
    tp_streamer_stats st;
    tp_chunk_view held = {0};
    for (int i = 0; i < 3000; i++) {
        uint64_t r = lcg(&rng);
        if (r % 97 == 0) { /* a jump, sometimes out of the region */
            x = ((double)(lcg(&rng) % 6000) - 1500.0);
            z = ((double)(lcg(&rng) % 6000) - 1500.0);
        } else {
            x += ((double)(r % 2001) - 1000.0) / 1000.0 * 30.0;
            z += ((double)((r >> 12) % 2001) - 1000.0) / 1000.0 * 30.0;
        }
        ck_assert_int_eq(tp_streamer_update(s, x, z, (r % 13 == 0) ? 0.02 : 1.0 / 60), TP_OK);
        /* Let the workers (which run below this thread's priority) finish pages now and
         * then even on a loaded machine, so the budget is really under pressure. */
        if (i % 8 == 0)
            sleep_ms(1);
        tp_streamer_get_stats(s, &st);
        ck_assert_msg(st.held_bytes <= st.budget_bytes, "update %d: %llu held > %llu", i,
                      (unsigned long long)st.held_bytes, (unsigned long long)st.budget_bytes);
        ck_assert_uint_le(st.resident_bytes, st.budget_bytes);
        /* A pin across updates: the data must stay intact while the streamer evicts. */
        if (i % 50 == 10) {
            int32_t cx = (int32_t)(x / CHUNK_M) - (x < 0), cz = (int32_t)(z / CHUNK_M) - (z < 0);
            if (tp_streamer_acquire(s, cx, cz, 0, &held) != TP_OK)
                memset(&held, 0, sizeof held);
        } else if (i % 50 == 30 && held.height_codes) {
            assert_view_equals_generation(&held);
            tp_streamer_release(s, &held);
        }
    }
    if (held.pin)
        tp_streamer_release(s, &held);
    /* Pressure is certain only where pages complete inside update() (the deterministic
     * mode); with worker threads it depends on the CPU they got, which no test may
     * assert. The budget checks above hold in both modes. */
    if (flags & TP_STREAMER_DETERMINISTIC)
        ck_assert_uint_gt(st.evictions + st.downgrades, 0);
    ck_assert_uint_le(st.resident_bytes_peak, st.budget_bytes);
    tp_streamer_close(s);
}

START_TEST(test_a_small_budget_holds_on_every_update_of_a_long_random_path)
{
    random_path_within_budget(TP_STREAMER_VIRTUAL_CLOCK, 0);
    random_path_within_budget(TP_STREAMER_DETERMINISTIC, 0);
}
END_TEST

static int check_visit(void *user, const tp_chunk_view *v)
{
    (void)user;
    assert_view_equals_generation(v);
    return 0;
}

/* Without meshes a downgrade subsamples the finer grid (source DERIVED); with them it
 * falls to the coarsest LOD and pages the one in between in again. Either way every
 * view holds exactly the page (and mesh) of its LOD. */
START_TEST(test_downgraded_chunks_hold_exactly_the_coarser_page)
{
    g_no_meshes = _i;
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.max_in_flight = 4;
    o.flags = TP_STREAMER_DETERMINISTIC | (g_no_meshes ? TP_STREAMER_NO_MESHES : 0);
    o.budget_bytes = 1;
    tp_streamer *s = NULL;
    ck_assert_int_eq(tp_streamer_open(g_world, &o, &s), TP_ERR_OUT_OF_RANGE);
    o.budget_bytes = strtoull(strstr(tp_error_detail(), "at least ") + 9, NULL, 10) + 8000;
    s = open_ok(g_world, &o);
    tp_streamer_stats st;
    for (int i = 0; i < 400; i++) {
        ck_assert_int_eq(tp_streamer_update(s, centre_m(2) + i * 8.0, centre_m(8), 1.0 / 60),
                         TP_OK);
        if (i % 40 == 0)
            tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    }
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_gt(st.evictions + st.downgrades, 0);
    ck_assert_uint_le(st.held_bytes, st.budget_bytes);
    if (g_no_meshes)
        ck_assert_uint_eq(st.mesh_bytes, 0);
    else
        ck_assert_uint_lt(st.mesh_bytes, st.resident_bytes);
    tp_streamer_for_each(s, 0, check_visit, NULL);
    tp_streamer_close(s);
}
END_TEST

/* The fallback's mesh function gives the very bytes the baker stored, at every LOD,
 * whether it is handed the grid or generates it. */
START_TEST(test_generated_mesh_encodings_equal_the_baked_blobs)
{
    const int32_t chunks[3][2] = {{0, 0}, {7, 3}, {15, 15}};
    for (int k = 0; k < 3; k++)
        for (uint32_t lod = 0; lod < 3; lod++) {
            tp_blob_ref ref;
            ck_assert_int_eq(tp_reader_find(g_reader, chunks[k][0], chunks[k][1], TP_LAYER_MESH,
                                            lod, &ref), TP_OK);
            uint8_t *baked = malloc(ref.raw_size);
            ck_assert_int_eq(tp_reader_decode(g_reader, &ref, baked, ref.raw_size), TP_OK);
            size_t cap = tp_mesh_chunk_blob_bound(&g_params, lod), size = 0;
            uint8_t *made = malloc(cap);
            ck_assert_int_eq(tp_mesh_generate_chunk_blob(&g_params, chunks[k][0], chunks[k][1],
                                                         lod, NULL, NULL, NULL, 0, made, cap,
                                                         &size, NULL), TP_OK);
            ck_assert_uint_eq(size, ref.raw_size);
            ck_assert(memcmp(made, baked, size) == 0);
            free(made), free(baked);
        }
}
END_TEST

/* ---- Fallback ----------------------------------------------------------------------------- */

START_TEST(test_fallback_outside_the_region_equals_fresh_generation_and_is_counted)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 2;
    o.flags = TP_STREAMER_DETERMINISTIC;
    tp_streamer *s = open_ok(g_world, &o);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    uint64_t read_at_open = st.bytes_read;
    for (int i = 0; i < 60; i++)
        ck_assert_int_eq(tp_streamer_update(s, centre_m(-20), centre_m(-3), 1.0 / 60), TP_OK);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.in_view_missing, 0);
    ck_assert_uint_eq(st.in_view_coarser, 0);
    ck_assert_uint_ge(st.fallbacks, 25);
    ck_assert_uint_eq(st.fallbacks, st.fallbacks_outside);
    ck_assert_uint_eq(st.checksum_failures, 0);
    ck_assert_uint_eq(st.bytes_read, read_at_open);
    tp_chunk_view v;
    ck_assert_int_eq(tp_streamer_acquire(s, -20, -3, 0, &v), TP_OK);
    ck_assert_uint_eq(v.lod, 0);
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_GENERATED);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    tp_chunk_bounds b;
    ck_assert_int_eq(tp_streamer_chunk_bounds(s, -20, -3, &b), TP_OK);
    ck_assert(b.flags & TP_CHUNK_BOUNDS_ESTIMATED);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_a_corrupted_page_is_regenerated_never_trusted_and_counted)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 2;
    o.flags = TP_STREAMER_DETERMINISTIC;
    tp_streamer *s = open_ok(g_corrupt, &o);
    tp_streamer_stats st;
    /* The damaged coarsest pages of (9, 9) and (11, 11) are regenerated by the update
     * whose view first holds them, the mesh with them (it must equal the one the damaged
     * blob held). */
    ck_assert_int_eq(tp_streamer_update(s, centre_m(10), centre_m(10), 1.0 / 60), TP_OK);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.checksum_failures, 2);
    tp_chunk_view v;
    ck_assert_int_eq(tp_streamer_acquire(s, 9, 9, 0, &v), TP_OK);
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_REPAIRED);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    ck_assert_int_eq(tp_streamer_acquire(s, 11, 11, 0, &v), TP_OK);
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_REPAIRED);
    ck_assert_uint_eq(v.lod, 2);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);

    /* The damaged LOD-0 page of (5, 6) is regenerated when the camera comes near. */
    for (int i = 0; i < 30; i++)
        ck_assert_int_eq(tp_streamer_update(s, centre_m(5), centre_m(6), 1.0 / 60), TP_OK);
    ck_assert_int_eq(tp_streamer_acquire(s, 5, 6, 0, &v), TP_OK);
    ck_assert_uint_eq(v.lod, 0);
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_REPAIRED);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    ck_assert_int_eq(tp_streamer_acquire(s, 6, 6, 0, &v), TP_OK);
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_FILE);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    /* A damaged LOD-0 mesh: the whole page is regenerated, and its measured error is
     * the one the file records. */
    ck_assert_int_eq(tp_streamer_acquire(s, 5, 7, 0, &v), TP_OK);
    ck_assert_uint_eq(v.lod, 0);
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_REPAIRED);
    ck_assert_uint_eq(v.mesh->flags, 0);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.checksum_failures, 4);
    ck_assert_uint_eq(st.fallbacks, 4);
    ck_assert_uint_eq(st.fallbacks_outside, 0);
    tp_streamer_close(s);
}
END_TEST

/* ---- No file: every page generated on demand ------------------------------------------- */

START_TEST(test_a_generated_streamer_pages_in_fresh_generations_without_blocking_update)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    tp_streamer *s = NULL;
    tp_result r = tp_streamer_open_generated(&g_params, &o, &s);
    ck_assert_msg(r == TP_OK, "open: %s", tp_error_detail());
    ck_assert_ptr_null(tp_streamer_reader(s));
    ck_assert_uint_eq(tp_streamer_world(s)->samples_per_edge, SAMPLES);
    ck_assert_int_eq(tp_streamer_best_lod(s, 3, 5), -1); /* nothing before an update */

    /* The first update hands everything to the workers and generates nothing itself. */
    double x = centre_m(3), z = centre_m(5);
    ck_assert_int_eq(tp_streamer_update(s, x, z, 1.0 / 60), TP_OK);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.permanent_bytes, 0);
    ck_assert_uint_eq(st.sync_generations, 0);
    ck_assert_uint_eq(st.in_view_missing, 49 - (uint32_t)st.page_ins);
    ck_assert_uint_le(st.held_bytes, st.budget_bytes);

    settle(s, x, z);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.sync_generations, 0);
    ck_assert_uint_eq(st.bytes_read, 0);
    ck_assert_uint_gt(st.page_ins, 49);           /* every coarsest LOD, then finer ones */
    ck_assert_uint_eq(st.fallbacks, st.page_ins); /* every page is generated */
    ck_assert_uint_eq(st.fallbacks_outside, st.fallbacks);
    ck_assert_uint_gt(st.in_view_missing_total, 0);
    ck_assert_uint_le(st.held_bytes, st.budget_bytes);
    ck_assert_int_eq(tp_streamer_best_lod(s, 3, 5), 0);
    ck_assert_int_eq(tp_streamer_best_lod(s, 5, 5), 1);
    ck_assert_int_eq(tp_streamer_best_lod(s, 6, 5), 2);
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    tp_chunk_view v;
    ck_assert_int_eq(tp_streamer_acquire(s, 3, 5, 0, &v), TP_OK);
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_GENERATED);
    ck_assert_uint_eq(v.climate_edge, 5);
    ck_assert(!(v.flags & TP_CHUNK_VIEW_PERMANENT));
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    tp_chunk_bounds b;
    ck_assert_int_eq(tp_streamer_chunk_bounds(s, 3, 5, &b), TP_OK);
    ck_assert(b.flags & TP_CHUNK_BOUNDS_ESTIMATED);
    tp_streamer_close(s);

    /* Asked to, update() makes the coarsest LODs itself: all of them in the
     * deterministic mode, which runs every job inside update(). */
    o.flags = TP_STREAMER_DETERMINISTIC;
    ck_assert_int_eq(tp_streamer_open_generated(&g_params, &o, &s), TP_OK);
    ck_assert_int_eq(tp_streamer_update(s, x, z, 1.0 / 60), TP_OK);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.in_view_missing, 0);
    ck_assert_uint_eq(st.sync_generations, 49);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_a_generated_streamer_rejects_bad_parameters)
{
    tp_streamer *s = NULL;
    tp_world_params w = g_params;
    w.samples_per_edge = 30; /* not 2^n + 1 */
    ck_assert_int_eq(tp_streamer_open_generated(&w, NULL, &s), TP_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(s);
    tp_streamer_options o = {0};
    o.budget_bytes = 1000;
    ck_assert_int_eq(tp_streamer_open_generated(&g_params, &o, &s), TP_ERR_OUT_OF_RANGE);
    ck_assert(strstr(tp_error_detail(), "too small") != NULL);
    ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_a_generated_streamer_holds_a_small_budget_on_every_update)
{
    random_path_within_budget(TP_STREAMER_VIRTUAL_CLOCK, 1);
    random_path_within_budget(TP_STREAMER_DETERMINISTIC, 1);
}
END_TEST

/* ---- File access paths -------------------------------------------------------------------- */

typedef struct file_reader {
    FILE *f;
    int calls;
} file_reader;

static int read_with_stdio(void *user, uint64_t offset, void *dst, size_t size)
{
    file_reader *r = user;
    __atomic_add_fetch(&r->calls, 1, __ATOMIC_RELAXED);
    /* Workers call this concurrently: pread semantics through a private descriptor. */
    return pread(fileno(r->f), dst, size, (off_t)offset) == (ssize_t)size ? 0 : 1;
}

/* pread is the default; TP_STREAMER_PREAD says the same; TP_STREAMER_MMAP maps the file;
 * a callback reads everything. Every way gives the file's bytes. */
START_TEST(test_pread_mmap_and_read_callback_paths_give_the_same_bytes)
{
    file_reader fr = {fopen(g_world, "rb"), 0};
    ck_assert_ptr_nonnull(fr.f);
    const uint32_t flags[4] = {0, TP_STREAMER_PREAD, TP_STREAMER_MMAP, 0};
    for (int mode = 0; mode < 4; mode++) {
        tp_streamer_options o = {0};
        o.view_distance_chunks = 2;
        o.flags = TP_STREAMER_VIRTUAL_CLOCK | flags[mode];
        if (mode == 3)
            o.read = read_with_stdio, o.read_user = &fr;
        tp_streamer *s = open_ok(g_world, &o);
        ck_assert_int_eq(tp_reader_is_mapped(tp_streamer_reader(s)), (mode == 2));
        settle(s, centre_m(7), centre_m(7));
        tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
        tp_streamer_stats st;
        tp_streamer_get_stats(s, &st);
        ck_assert_uint_gt(st.bytes_read, 0);
        ck_assert_uint_eq(st.fallbacks, 0);
        tp_streamer_close(s);
    }
    ck_assert_int_gt(fr.calls, 0);
    fclose(fr.f);

    /* The mapping goes with neither of the other ways. */
    tp_streamer *s = NULL;
    tp_streamer_options o = {0};
    o.flags = TP_STREAMER_MMAP | TP_STREAMER_PREAD;
    ck_assert_int_eq(tp_streamer_open(g_world, &o, &s), TP_ERR_INVALID_ARGUMENT);
    o.flags = TP_STREAMER_MMAP;
    o.read = read_with_stdio, o.read_user = &fr;
    ck_assert_int_eq(tp_streamer_open(g_world, &o, &s), TP_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_null(s);
}
END_TEST

/* A page-in reads its LOD's blobs with one call of the read callback, and the climate
 * grids, stored with LOD 0, with at most one more (none at LOD 0, where they lie among
 * the page's other blobs); add at most one call per directory block (one per tile, on
 * first use). Read one blob at a time, a page of the default layout took five calls. */
START_TEST(test_each_page_in_is_one_call_of_the_read_callback)
{
    file_reader fr = {fopen(g_world, "rb"), 0};
    ck_assert_ptr_nonnull(fr.f);
    tp_streamer_options o = {0};
    o.view_distance_chunks = 2;
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    o.read = read_with_stdio, o.read_user = &fr;
    tp_streamer *s = open_ok(g_world, &o);
    int after_open = __atomic_load_n(&fr.calls, __ATOMIC_RELAXED);
    settle(s, centre_m(7), centre_m(7));
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    tp_tile_grid grid;
    tp_reader_tile_grid(tp_streamer_reader(s), &grid);
    tp_streamer_close(s);
    ck_assert_uint_eq(st.fallbacks, 0);
    ck_assert_uint_gt(st.page_ins, grid.tile_count);
    uint64_t calls = (uint64_t)(__atomic_load_n(&fr.calls, __ATOMIC_RELAXED) - after_open);
    ck_assert_uint_ge(calls, st.page_ins);
    ck_assert_uint_le(calls, 2 * (st.page_ins + st.cancellations) + grid.tile_count);
    fclose(fr.f);
}
END_TEST

/* ---- The file changing under the streamer ------------------------------------------------- */

/* A private copy of the shared world, which a test may damage. */
static void copy_world(const char *to)
{
    FILE *in = fopen(g_world, "rb"), *out = fopen(to, "wb");
    ck_assert(in && out);
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
    fclose(in);
    ck_assert_int_eq(fclose(out), 0);
}

/* Writes `size` bytes of `byte` at `offset` of the file, in place. */
static void overwrite_in_place(const char *path, uint64_t offset, uint64_t size, int byte)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(fseek(f, (long)offset, SEEK_SET), 0);
    for (uint64_t i = 0; i < size; i++)
        ck_assert_int_ne(fputc(byte, f), EOF);
    ck_assert_int_eq(fclose(f), 0);
}

static void truncate_in_place(const char *path, uint64_t size)
{
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), (off_t)size), 0);
    ck_assert_int_eq(fclose(f), 0);
}

/* A header whose region origin was moved (its checksum recomputed) passes every check of
 * the header; the streamer must still refuse to stream the wrong world. */
START_TEST(test_open_refuses_a_file_whose_region_origin_was_moved)
{
    char path[600];
    snprintf(path, sizeof path, "%s.moved-%ld", g_world, (long)getpid());
    copy_world(path);
    FILE *f = fopen(path, "r+b");
    ck_assert_ptr_nonnull(f);
    uint8_t header[4096];
    ck_assert_uint_eq(fread(header, 1, sizeof header, f), sizeof header);
    uint32_t x0, size;
    memcpy(&x0, header + 64, 4); /* FORMAT.md 5.1, little-endian as the suite's host */
    memcpy(&size, header + 12, 4);
    ck_assert_uint_le(size, sizeof header);
    x0 += 262144u;
    memcpy(header + 64, &x0, 4);
    const uint64_t sum = XXH3_64bits(header, size - 8);
    memcpy(header + size - 8, &sum, 8);
    rewind(f);
    ck_assert_uint_eq(fwrite(header, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);

    tp_streamer *s = NULL;
    ck_assert_int_eq(tp_streamer_open(path, NULL, &s), TP_ERR_WORLD_MISMATCH);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(tp_error_detail(), path) &&
                      strstr(tp_error_detail(), "chunk (262144, 0) height LOD 2: differs from "
                                                "the page generated for this chunk"),
                  "%s", tp_error_detail());
    remove(path);
}
END_TEST

/* Deterministic updates at the centre of chunk (cx, cz): the pages handed out by one
 * update are paged in at the next, so a few updates bring the view's fine LODs in. */
static void stay_at(tp_streamer *s, int32_t cx, int32_t cz, int updates)
{
    for (int i = 0; i < updates; i++)
        ck_assert_int_eq(tp_streamer_update(s, centre_m(cx), centre_m(cz), 1.0 / 60), TP_OK);
}

/* A game whose file is patched in place while it streams: with the default I/O (pread)
 * the streamer keeps running. Pages whose bytes changed fail their checksum, pages the
 * file no longer has fail their read; both are generated instead and counted, and every
 * view still holds exactly the baked page. (With the mapping, the truncation would kill
 * this process with SIGBUS, and Check would report the test as failed by the signal.) */
START_TEST(test_a_file_rewritten_and_truncated_under_a_running_streamer_is_regenerated)
{
    char path[512];
    snprintf(path, sizeof path, "%s/runtime-shrinking-%ld.tpk", TP_TEST_TMP_DIR, (long)getpid());
    copy_world(path);
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.flags = TP_STREAMER_DETERMINISTIC;
    tp_streamer *s = open_ok(path, &o);
    uint64_t lod0_at, lod0_size, lod1_at, lod1_size;
    ck_assert_int_eq(tp_reader_lod_section(tp_streamer_reader(s), 0, &lod0_at, &lod0_size), TP_OK);
    ck_assert_int_eq(tp_reader_lod_section(tp_streamer_reader(s), 1, &lod1_at, &lod1_size), TP_OK);
    ck_assert_uint_lt(lod1_at, lod0_at); /* coarse sections first */

    tp_streamer_stats st;
    stay_at(s, 3, 3, 8);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.fallbacks, 0);
    ck_assert_uint_gt(st.page_ins_by_lod[0], 0);

    /* Rewritten in place: every LOD-0 blob now holds other bytes. */
    overwrite_in_place(path, lod0_at, lod0_size, 0xa5);
    stay_at(s, 12, 12, 8);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_gt(st.checksum_failures, 0);
    ck_assert_uint_eq(st.decode_failures, 0);
    ck_assert_uint_eq(st.in_view_missing, 0);
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);

    /* Truncated in place to its coarsest section: the finer LODs are gone. */
    truncate_in_place(path, lod1_at);
    stay_at(s, 3, 12, 8);
    tp_streamer_stats after;
    tp_streamer_get_stats(s, &after);
    ck_assert_uint_gt(after.decode_failures, 0);
    ck_assert_uint_eq(after.fallbacks, after.fallbacks_outside + after.checksum_failures +
                                           after.decode_failures);
    ck_assert_uint_eq(after.fallbacks_outside, 0);
    ck_assert_uint_eq(after.in_view_missing_total, 0);
    ck_assert_uint_gt(after.page_ins_by_lod[0], st.page_ins_by_lod[0]);
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);

    /* Even a file cut to nothing: what was read stays, and what no longer can be read,
     * the coarsest LOD of a view included, is generated in the same update. */
    truncate_in_place(path, 0);
    stay_at(s, 8, 8, 8);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_gt(st.decode_failures, after.decode_failures);
    ck_assert_uint_eq(st.in_view_missing, 0);
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    tp_streamer_for_each(s, 0, check_visit, NULL);
    tp_streamer_close(s);
    remove(path);
}
END_TEST

/* The same with worker threads: a truncation while pages are in flight. Waits on the
 * statistics with a generous bound on updates, never on wall time. */
START_TEST(test_a_file_truncated_under_streaming_workers_is_regenerated)
{
    char path[512];
    snprintf(path, sizeof path, "%s/runtime-cut-%ld.tpk", TP_TEST_TMP_DIR, (long)getpid());
    copy_world(path);
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.worker_threads = 2;
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    tp_streamer *s = open_ok(path, &o);
    uint64_t lod1_at, lod1_size;
    ck_assert_int_eq(tp_reader_lod_section(tp_streamer_reader(s), 1, &lod1_at, &lod1_size), TP_OK);
    ck_assert_int_eq(tp_streamer_update(s, centre_m(3), centre_m(3), 1.0 / 60), TP_OK);
    truncate_in_place(path, lod1_at);
    settle(s, centre_m(3), centre_m(3));
    settle(s, centre_m(12), centre_m(12));
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_gt(st.decode_failures, 0);
    ck_assert_uint_eq(st.in_view_missing, 0);
    tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    tp_streamer_close(s);
    remove(path);
}
END_TEST

/* Inside the region the first update after a teleport reads the coarsest LOD of the
 * whole new view itself, even with no time allowed for generating anything and with
 * worker threads that would bring it a frame later: no hole, not for one frame. */
START_TEST(test_a_teleport_into_the_region_reads_its_view_in_the_same_update)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    o.sync_generate_budget_ms = -1; /* update() generates nothing */
    tp_streamer *s = open_ok(g_world, &o);
    const int32_t spots[][2] = {{3, 3}, {12, 11}, {5, 12}, {12, 3}, {8, 8}, {3, 3}};
    tp_streamer_stats st;
    uint64_t read_before = 0;
    for (size_t i = 0; i < sizeof spots / sizeof *spots; i++) {
        const int32_t cx = spots[i][0], cz = spots[i][1];
        ck_assert_int_eq(tp_streamer_update(s, centre_m(cx), centre_m(cz), 1.0 / 60), TP_OK);
        tp_streamer_get_stats(s, &st);
        ck_assert_uint_eq(st.teleports, i);
        ck_assert_uint_eq(st.in_view_chunks, 49);
        ck_assert_msg(st.in_view_missing == 0, "jump %zu to (%d, %d): %u chunks missing", i,
                      cx, cz, st.in_view_missing);
        for (int32_t dz = -3; dz <= 3; dz++)
            for (int32_t dx = -3; dx <= 3; dx++)
                ck_assert_int_ge(tp_streamer_best_lod(s, cx + dx, cz + dz), 0);
        ck_assert_uint_eq(st.sync_generations, 0);
        ck_assert_uint_gt(st.bytes_read, read_before);
        read_before = st.bytes_read;
        tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    }
    ck_assert_uint_eq(st.fallbacks, 0);
    tp_streamer_close(s);
}
END_TEST

static uint64_t lod_page_ins(const tp_streamer *s, uint32_t lod)
{
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    return st.page_ins_by_lod[lod];
}

/* The coarsest LOD is a page like the others: counted in the budget, evicted once the
 * camera is far away (more than two view distances), and read again, the same bytes,
 * when it comes back. */
START_TEST(test_coarse_pages_are_evicted_far_away_and_read_again_on_return)
{
    event_log log = {0};
    tp_streamer_options o = {0};
    o.view_distance_chunks = 2;
    o.flags = TP_STREAMER_DETERMINISTIC | TP_STREAMER_NO_PREDICTION;
    o.on_event = log_event, o.event_user = &log;
    tp_streamer *s = open_ok(g_world, &o);
    stay_at(s, 3, 3, 1);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.page_ins_by_lod[2], 25);
    /* Counted like any page: at least the 25 grids of 9 × 9 heights and biomes. */
    ck_assert_uint_ge(st.resident_bytes, 25u * 9u * 9u * 3u);
    ck_assert_uint_ge(st.held_bytes, st.resident_bytes);
    stay_at(s, 3, 3, 8); /* finer LODs come and settle */

    /* Five chunks east: (1, 3) is 7 chunks behind, more than two view distances, and
     * (4, 3) is 4. */
    stay_at(s, 8, 3, 2);
    ck_assert_int_eq(tp_streamer_best_lod(s, 1, 3), -1);
    ck_assert_int_ge(tp_streamer_best_lod(s, 4, 3), 0); /* within reach: kept */
    size_t evicted_coarse = 0;
    for (size_t i = 0; i < log.count; i++)
        evicted_coarse += log.e[i].type == TP_STREAMER_EVENT_EVICT && log.e[i].lod == 2 &&
                          log.e[i].cx == 1 && log.e[i].cz >= 1 && log.e[i].cz <= 5;
    ck_assert_uint_eq(evicted_coarse, 5); /* column 1 of the first view, rows 1 to 5 */
    /* Far away, nothing of the first view is left, and the memory went with it. */
    stay_at(s, 13, 13, 4);
    for (int32_t cz = 1; cz <= 5; cz++)
        for (int32_t cx = 1; cx <= 5; cx++)
            ck_assert_int_eq(tp_streamer_best_lod(s, cx, cz), -1);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_le(st.held_bytes, st.budget_bytes);
    /* What is held is the view (11 … 15) and the 2-chunk margin read ahead around it,
     * clipped to the 16 × 16 world: chunks 9 … 15, 7 × 7 of them. */
    ck_assert_uint_eq(st.resident_chunks, 49);

    /* Back: the first update reads the view again, from the file. */
    const uint64_t before = lod_page_ins(s, 2);
    ck_assert_int_eq(tp_streamer_update(s, centre_m(3), centre_m(3), 1.0 / 60), TP_OK);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.in_view_missing, 0);
    ck_assert_uint_eq(st.page_ins_by_lod[2], before + 25);
    ck_assert_uint_eq(st.fallbacks, 0);
    tp_chunk_view v;
    ck_assert_int_eq(tp_streamer_acquire(s, 1, 3, 0, &v), TP_OK);
    ck_assert_uint_eq(v.lod, 2);
    ck_assert_uint_eq(v.source, TP_STREAMER_SOURCE_FILE);
    assert_view_equals_generation(&v);
    tp_streamer_release(s, &v);
    tp_streamer_close(s);
    free(log.e);
}
END_TEST

/* ---- A vast declared region over a small file --------------------------------------------- */

/* Counts what the streamer holds through its allocator, and refuses to go past a cap so
 * that a streamer sizing arrays by the declared region fails at once instead of
 * exhausting the machine. */
typedef struct capped_allocator {
    size_t outstanding, peak, cap;
} capped_allocator;

static void *capped_alloc(void *user, size_t size)
{
    capped_allocator *a = user;
    if (size > a->cap - a->outstanding)
        return NULL;
    void *p = malloc(size);
    if (p) {
        a->outstanding += size;
        a->peak = a->outstanding > a->peak ? a->outstanding : a->peak;
    }
    return p;
}

static void capped_free(void *user, void *p, size_t size)
{
    capped_allocator *a = user;
    if (p)
        a->outstanding -= size;
    free(p);
}

/* Opens `path` with the capped allocator `a`. @return the bytes the streamer holds. */
static size_t bytes_after_open(const char *path, capped_allocator *a, tp_streamer **out)
{
    *a = (capped_allocator){0, 0, (size_t)256 << 20};
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.flags = TP_STREAMER_DETERMINISTIC;
    o.allocator = (tp_streamer_allocator){capped_alloc, capped_free, a};
    *out = open_ok(path, &o);
    return a->outstanding;
}

/* Counts the visited chunks of the baked 16 × 16 region. */
static int count_baked_visit(void *user, const tp_chunk_view *v)
{
    uint64_t *n = user;
    *n += v->cx >= 0 && v->cz >= 0 && v->cx < 16 && v->cz < 16;
    return 0;
}

/* Bakes the 32 × 32 chunks at (0, 0) of the shared world's parameters into `path`. */
static void bake_larger_world(const char *path)
{
    tp_bake_options o = {0};
    o.world = g_params;
    o.region_x0 = 0, o.region_z0 = 0;
    o.region_width = 32, o.region_height = 32;
    o.threads = 1;
    o.compression_level = -1;
    ck_assert_msg(tp_bake(path, &o, NULL) == TP_OK, "bake: %s", tp_error_detail());
}

/* Open reads the header and the block table and decodes no page, so what the streamer
 * allocates at open is the same for 16 × 16 chunks (one tile), 32 × 32 (four tiles) and
 * 8192 × 8192 declared (2^26 chunks, 2^18 tiles) around the 16 × 16 baked ones; the
 * vast one then streams as the baked world. Sizing anything by the declared chunks
 * would need at least 64 MiB per byte per chunk, far past the allocator's cap. */
START_TEST(test_open_costs_the_same_whatever_the_size_of_the_region)
{
    char path[512], larger[512];
    snprintf(path, sizeof path, "%s/runtime-vast-%ld.tpk", TP_TEST_TMP_DIR, (long)getpid());
    snprintf(larger, sizeof larger, "%s/runtime-32-%ld.tpk", TP_TEST_TMP_DIR, (long)getpid());
    write_vast_copy(g_world, path, 0, 0, 8192, 8192);
    bake_larger_world(larger);
    capped_allocator baked_mem, larger_mem, vast_mem;
    tp_streamer *baked, *big, *vast;
    const size_t baked_bytes = bytes_after_open(g_world, &baked_mem, &baked);
    const size_t larger_bytes = bytes_after_open(larger, &larger_mem, &big);
    const size_t vast_bytes = bytes_after_open(path, &vast_mem, &vast);
    ck_assert_msg(larger_bytes == baked_bytes && vast_bytes == baked_bytes,
                  "open allocated %zu bytes for 16 x 16 chunks, %zu for 32 x 32, %zu for "
                  "8192 x 8192 declared", baked_bytes, larger_bytes, vast_bytes);
    ck_assert_uint_eq(larger_mem.peak, baked_mem.peak);
    ck_assert_uint_eq(vast_mem.peak, baked_mem.peak);
    tp_streamer *opened[3] = {baked, big, vast};
    tp_streamer_stats b;
    for (int i = 0; i < 3; i++) {
        tp_streamer_get_stats(opened[i], &b);
        ck_assert_uint_eq(b.page_ins, 0);
        ck_assert_uint_eq(b.bytes_read, 0);
        ck_assert_uint_eq(b.bytes_decoded, 0);
        ck_assert_uint_eq(b.resident_bytes, 0);
        ck_assert_uint_eq(b.permanent_bytes, 0);
    }
    tp_streamer_close(big);
    remove(larger);

    /* Inside the baked tile it streams as the baked world; far out in the declared
     * region every chunk is absent and generated. */
    stay_at(vast, 8, 8, 6);
    tp_streamer_for_each(vast, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    ck_assert_int_eq(tp_streamer_best_lod(vast, 5000, 5000), -1);
    stay_at(vast, 5000, 5000, 6);
    tp_streamer_get_stats(vast, &b);
    ck_assert_uint_eq(b.in_view_missing, 0);
    ck_assert_uint_ge(b.sync_generations, 49);
    ck_assert_uint_gt(b.fallbacks_outside, 0);
    ck_assert_uint_eq(b.checksum_failures + b.decode_failures, 0);
    tp_streamer_for_each(vast, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    /* Back in the baked tile: its view is read again at once. */
    ck_assert_int_eq(tp_streamer_update(vast, centre_m(8), centre_m(8), 1.0 / 60), TP_OK);
    tp_streamer_get_stats(vast, &b);
    ck_assert_uint_eq(b.in_view_missing, 0);
    uint64_t n = 0;
    tp_streamer_for_each(vast, TP_STREAMER_VISIT_IN_VIEW, count_baked_visit, &n);
    ck_assert_uint_eq(n, 49);
    tp_streamer_for_each(vast, TP_STREAMER_VISIT_IN_VIEW, check_visit, NULL);
    tp_streamer_close(vast);
    tp_streamer_close(baked);
    remove(path);
}
END_TEST

/* ---- Cancellation, close ------------------------------------------------------------------ */

/* A disk the test stops for the workers: once the gate is shut, every read of a worker
 * waits until it opens again, so work dispatched meanwhile is certainly still in flight
 * (no timing involved). The game thread's own reads (update() reads the coarsest LOD of
 * a view that has none) pass. */
typedef struct gated_reader {
    file_reader file;
    pthread_mutex_t lock;
    pthread_cond_t opened;
    int shut;
    pthread_t game_thread; /* set by gate_set() */
} gated_reader;

static int read_through_gate(void *user, uint64_t offset, void *dst, size_t size)
{
    gated_reader *g = user;
    pthread_mutex_lock(&g->lock);
    while (g->shut && !pthread_equal(pthread_self(), g->game_thread))
        pthread_cond_wait(&g->opened, &g->lock);
    pthread_mutex_unlock(&g->lock);
    return read_with_stdio(&g->file, offset, dst, size);
}

static void gate_set(gated_reader *g, int shut)
{
    pthread_mutex_lock(&g->lock);
    g->game_thread = pthread_self();
    g->shut = shut;
    pthread_cond_broadcast(&g->opened);
    pthread_mutex_unlock(&g->lock);
}

START_TEST(test_a_camera_that_reverses_cancels_stale_work)
{
    gated_reader g = {{fopen(g_world, "rb"), 0}, PTHREAD_MUTEX_INITIALIZER,
                      PTHREAD_COND_INITIALIZER, 0, pthread_self()};
    event_log log = {0};
    tp_streamer_options o = {0};
    o.view_distance_chunks = 2;
    o.max_in_flight = 4;
    o.worker_threads = 1;
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    o.read = read_through_gate, o.read_user = &g;
    o.on_event = log_event, o.event_user = &log;
    tp_streamer *s = open_ok(g_world, &o); /* the gate is open while the file opens */
    /* Shut the disk, then stand just east of a chunk's west edge: the first pages asked
     * for are the nearest, this chunk's first, whose centre lies east of the camera, and
     * they cannot finish. */
    gate_set(&g, 1);
    const double turn_x = centre_m(8) - 0.45 * CHUNK_M, z = centre_m(8);
    ck_assert_int_eq(tp_streamer_update(s, turn_x, z, 1.0 / 60), TP_OK);
    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_gt(st.in_flight, 0);
    ck_assert_uint_eq(st.cancellations, 0);
    /* Then go west, fast, far past the view distance: that work is stale. */
    double x = turn_x;
    for (int i = 0; i < 300; i++) {
        x -= 200.0 / 60;
        ck_assert_int_eq(tp_streamer_update(s, x, z, 1.0 / 60), TP_OK);
    }
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_gt(st.cancellations, 0);
    int ahead = 0;
    for (size_t i = 0; i < log.count; i++)
        if (log.e[i].type == TP_STREAMER_EVENT_CANCEL && centre_m(log.e[i].cx) > turn_x)
            ahead++;
    ck_assert_msg(ahead > 0, "no work ahead of the turning point was cancelled");
    gate_set(&g, 0); /* let the worker finish before close */
    tp_streamer_close(s);
    free(log.e);
    fclose(g.file.f);
}
END_TEST

START_TEST(test_close_with_work_in_flight_is_safe)
{
    for (int round = 0; round < 20; round++) {
        tp_streamer_options o = {0};
        o.view_distance_chunks = 4;
        o.worker_threads = 3;
        tp_streamer *s = NULL;
        /* Every other round without a file: every page is generated, mesh included, so
         * the workers are mid-page when close comes. */
        ck_assert_int_eq(open_either(round % 2, &o, &s), TP_OK);
        for (int i = 0; i < round % 4; i++)
            tp_streamer_update(s, centre_m(-3) + i * 400.0, centre_m(8), 1.0 / 60);
        tp_streamer_close(s);
    }
}
END_TEST

/* Views handed to another thread, read there and released there, while the game thread
 * streams on under a small budget (the renderer thread of a game). */
typedef struct handoff {
    pthread_mutex_t lock;
    pthread_cond_t ready;
    tp_chunk_view views[8];
    uint64_t sums[8];
    int count, done;
    tp_streamer *s;
    int mismatches;
} handoff;

static uint64_t view_sum(const tp_chunk_view *v)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < (size_t)v->edge * v->edge; i++)
        sum = sum * 31 + v->height_codes[i] + v->biomes[i];
    if (v->mesh)
        for (uint32_t i = 0; i < v->mesh->geometry.index_count; i++)
            sum = sum * 31 + v->mesh->geometry.vertices[v->mesh->geometry.indices[i]].h;
    return sum;
}

static void *render_thread(void *arg)
{
    handoff *h = arg;
    pthread_mutex_lock(&h->lock);
    for (;;) {
        while (h->count == 0 && !h->done)
            pthread_cond_wait(&h->ready, &h->lock);
        if (h->count == 0 && h->done)
            break;
        tp_chunk_view v = h->views[--h->count];
        uint64_t want = h->sums[h->count];
        pthread_mutex_unlock(&h->lock);
        sleep_ms(1); /* hold it across a few updates */
        if (view_sum(&v) != want)
            h->mismatches++;
        tp_streamer_release(h->s, &v);
        pthread_mutex_lock(&h->lock);
    }
    pthread_mutex_unlock(&h->lock);
    return NULL;
}

START_TEST(test_views_released_on_another_thread_stay_intact_under_pressure)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.max_in_flight = 4;
    o.worker_threads = 2;
    o.flags = TP_STREAMER_VIRTUAL_CLOCK;
    o.budget_bytes = 1;
    tp_streamer *s = NULL;
    ck_assert_int_eq(tp_streamer_open(g_world, &o, &s), TP_ERR_OUT_OF_RANGE);
    o.budget_bytes = strtoull(strstr(tp_error_detail(), "at least ") + 9, NULL, 10) + 30000;
    s = open_ok(g_world, &o);
    handoff h = {.s = s};
    pthread_mutex_init(&h.lock, NULL);
    pthread_cond_init(&h.ready, NULL);
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, render_thread, &h), 0);
    uint64_t rng = 777;
    double x = centre_m(8), z = centre_m(8);
    tp_streamer_stats st = {0};
    /* 1500 updates, and on until the budget has forced an eviction or a downgrade: only
     * pages the workers finish fill the budget, and how many they finish per update
     * depends on the CPU they get. */
    const double deadline = now_s() + WORKER_DEADLINE_S;
    for (int i = 0; i < 1500 || (st.evictions + st.downgrades == 0 && now_s() < deadline);
         i++) {
        uint64_t r = lcg(&rng);
        x += ((double)(r % 2001) - 1000.0) / 1000.0 * 40.0;
        z += ((double)((r >> 12) % 2001) - 1000.0) / 1000.0 * 40.0;
        ck_assert_int_eq(tp_streamer_update(s, x, z, 1.0 / 60), TP_OK);
        if (i % 8 == 0)
            sleep_ms(1); /* the workers run below this thread: give them time now and then */
        tp_streamer_get_stats(s, &st);
        ck_assert_uint_le(st.held_bytes, st.budget_bytes);
        int32_t cx = (int32_t)(x / CHUNK_M) - (x < 0), cz = (int32_t)(z / CHUNK_M) - (z < 0);
        tp_chunk_view v;
        if (tp_streamer_acquire(s, cx + (int32_t)(r % 3) - 1, cz, 0, &v) == TP_OK) {
            pthread_mutex_lock(&h.lock);
            if (h.count < 8) {
                h.sums[h.count] = view_sum(&v);
                h.views[h.count++] = v;
                pthread_cond_signal(&h.ready);
            } else {
                tp_streamer_release(s, &v);
            }
            pthread_mutex_unlock(&h.lock);
        }
    }
    pthread_mutex_lock(&h.lock);
    h.done = 1;
    pthread_cond_signal(&h.ready);
    pthread_mutex_unlock(&h.lock);
    pthread_join(t, NULL);
    ck_assert_int_eq(h.mismatches, 0);
    tp_streamer_get_stats(s, &st);
    ck_assert_uint_eq(st.pinned_views, 0);
    ck_assert_uint_gt(st.evictions + st.downgrades, 0);
    tp_streamer_close(s);
    pthread_mutex_destroy(&h.lock);
    pthread_cond_destroy(&h.ready);
}
END_TEST

/* ---- Allocation ---------------------------------------------------------------------------- */

typedef struct counting_allocator {
    long long calls, outstanding_bytes;
} counting_allocator;

static void *count_alloc(void *user, size_t size)
{
    counting_allocator *a = user;
    a->calls++;
    a->outstanding_bytes += (long long)size;
    return malloc(size);
}

static void count_free(void *user, void *p, size_t size)
{
    counting_allocator *a = user;
    a->outstanding_bytes -= (long long)size;
    free(p);
}

START_TEST(test_steady_state_allocates_nothing_and_close_frees_everything)
{
    counting_allocator a = {0, 0};
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.flags = TP_STREAMER_DETERMINISTIC;
    o.allocator = (tp_streamer_allocator){count_alloc, count_free, &a};
    tp_streamer *s = open_ok(g_world, &o);
    /* Back and forth along a line: once the pools have met the mix of LODs and mesh
     * sizes of both directions (four laps), every page is a reuse. */
    long long after_warmup = 0;
    for (int lap = 0; lap < 10; lap++) {
        for (int i = 0; i < 200; i++) {
            double t = lap % 2 ? 200 - i : i;
            ck_assert_int_eq(tp_streamer_update(s, centre_m(4) + t * 5.0, centre_m(8), 1.0 / 60),
                             TP_OK);
        }
        if (lap == 4)
            after_warmup = a.calls;
    }
    ck_assert_int_eq(a.calls, after_warmup);
    tp_streamer_close(s);
    ck_assert_int_eq(a.outstanding_bytes, 0);
}
END_TEST

/* ---- Determinism ---------------------------------------------------------------------------- */

static void run_trace(event_log *log, tp_streamer_stats *st)
{
    tp_streamer_options o = {0};
    o.view_distance_chunks = 3;
    o.max_in_flight = 3;
    o.flags = TP_STREAMER_DETERMINISTIC;
    o.on_event = log_event, o.event_user = log;
    o.budget_bytes = 1;
    tp_streamer *s = NULL;
    ck_assert_int_eq(tp_streamer_open(g_world, &o, &s), TP_ERR_OUT_OF_RANGE);
    o.budget_bytes = strtoull(strstr(tp_error_detail(), "at least ") + 9, NULL, 10) + 20000;
    s = open_ok(g_world, &o);
    uint64_t rng = 99;
    double x = centre_m(5), z = centre_m(5);
    for (int i = 0; i < 1500; i++) {
        uint64_t r = lcg(&rng);
        if (r % 211 == 0) {
            x = (double)(lcg(&rng) % 7000) - 2000.0;
            z = (double)(lcg(&rng) % 7000) - 2000.0;
        } else {
            x += (double)(r % 41) - 12.0;
            z += (double)((r >> 8) % 41) - 20.0;
        }
        double dt = (r >> 20) % 17 == 0 ? 0.025 : 1.0 / 60;
        ck_assert_int_eq(tp_streamer_update(s, x, z, dt), TP_OK);
    }
    tp_streamer_get_stats(s, st);
    tp_streamer_close(s);
}

START_TEST(test_deterministic_mode_repeats_the_same_page_ins_for_the_same_trace)
{
    event_log a = {0}, b = {0};
    tp_streamer_stats sa, sb;
    run_trace(&a, &sa);
    run_trace(&b, &sb);
    ck_assert_uint_gt(a.count, 1000);
    ck_assert_uint_eq(a.count, b.count);
    ck_assert(memcmp(a.e, b.e, a.count * sizeof *a.e) == 0);
    size_t page_ins = 0, kinds[6] = {0};
    for (size_t i = 0; i < a.count; i++) {
        page_ins += a.e[i].type == TP_STREAMER_EVENT_PAGE_IN;
        kinds[a.e[i].type < 6 ? a.e[i].type : 0]++;
    }
    ck_assert_uint_eq(page_ins, sa.page_ins);
    ck_assert_uint_eq(sa.page_ins, sb.page_ins);
    ck_assert_uint_eq(sa.evictions, sb.evictions);
    ck_assert_uint_eq(sa.cancellations, sb.cancellations);
    ck_assert_uint_eq(sa.in_view_coarser_total, sb.in_view_coarser_total);
    ck_assert(memcmp(sa.latency_histogram, sb.latency_histogram, sizeof sa.latency_histogram) == 0);
    /* The trace exercises every kind of event. */
    ck_assert_uint_gt(kinds[TP_STREAMER_EVENT_EVICT] + kinds[TP_STREAMER_EVENT_DOWNGRADE], 0);
    ck_assert_uint_gt(kinds[TP_STREAMER_EVENT_TELEPORT], 0);
    free(a.e), free(b.e);
}
END_TEST

/* ---- Suite ---------------------------------------------------------------------------------- */

/* The fixture runs outside any test, where Check's asserts cannot report. */
static void require(int ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "test_runtime setup: %s failed\n", what);
        exit(EXIT_FAILURE);
    }
}

static void make_corrupt_copy(void)
{
    /* Copy the world, then flip one byte inside the LOD-0 heights of (5, 6), the
     * coarsest heights of (9, 9), the LOD-0 mesh of (5, 7) and the coarsest mesh of
     * (11, 11). */
    FILE *in = fopen(g_world, "rb"), *out = fopen(g_corrupt, "wb");
    require(in && out, "copy the world");
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        require(fwrite(buf, 1, n, out) == n, "write the copy");
    fclose(in);
    fclose(out);
    tp_reader *r;
    require(tp_reader_open(g_world, NULL, &r) == TP_OK, tp_error_detail());
    tp_blob_ref a, b, c, d;
    require(tp_reader_find(r, 5, 6, TP_LAYER_HEIGHT, 0, &a) == TP_OK, "find (5, 6)");
    require(tp_reader_find(r, 9, 9, TP_LAYER_HEIGHT, 2, &b) == TP_OK, "find (9, 9)");
    require(tp_reader_find(r, 5, 7, TP_LAYER_MESH, 0, &c) == TP_OK, "find (5, 7) mesh");
    require(tp_reader_find(r, 11, 11, TP_LAYER_MESH, 2, &d) == TP_OK, "find (11, 11) mesh");
    tp_reader_close(r);
    FILE *f = fopen(g_corrupt, "r+b");
    const tp_blob_ref *refs[4] = {&a, &b, &c, &d};
    for (int i = 0; i < 4; i++) {
        uint64_t at = refs[i]->offset + refs[i]->stored_size / 2;
        fseek(f, (long)at, SEEK_SET);
        int c = fgetc(f);
        fseek(f, (long)at, SEEK_SET);
        fputc(c ^ 0x5a, f);
    }
    fclose(f);
}

/* Bakes the shared worlds and opens the reader of g_world, once for the test case. */
static void setup_worlds(void)
{
    snprintf(g_world, sizeof g_world, "%s/runtime-world-%ld.tpk", TP_TEST_TMP_DIR, (long)getpid());
    snprintf(g_corrupt, sizeof g_corrupt, "%s/runtime-corrupt-%ld.tpk", TP_TEST_TMP_DIR,
             (long)getpid());
    bake_world(g_world);
    make_corrupt_copy();
    require(tp_reader_open(g_world, NULL, &g_reader) == TP_OK, tp_error_detail());
}

static void remove_worlds(void)
{
    tp_reader_close(g_reader);
    remove(g_world);
    remove(g_corrupt);
}

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("runtime");
    TCase *tc = tcase_create("streamer");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, setup_worlds, remove_worlds);
    tcase_add_test(tc, test_open_decodes_nothing_and_the_first_update_reads_the_view);
    tcase_add_test(tc, test_open_rejects_bad_options_with_a_reason);
    tcase_add_test(tc, test_open_refuses_a_file_whose_region_origin_was_moved);
    tcase_add_test(tc, test_lod_follows_the_bands_nearest_first);
    tcase_add_test(tc, test_for_each_visits_the_view_and_everything_resident);
    tcase_add_test(tc, test_every_chunk_of_the_view_has_a_lod_on_the_update_after_a_teleport);
    tcase_add_test(tc, test_a_short_jump_in_one_frame_is_a_teleport_not_a_velocity);
    tcase_add_test(tc, test_a_teleport_outside_the_region_is_covered_or_reported);
    tcase_add_test(tc, test_a_teleport_into_the_region_reads_its_view_in_the_same_update);
    tcase_add_test(tc, test_coarse_pages_are_evicted_far_away_and_read_again_on_return);
    tcase_add_test(tc, test_a_walking_camera_never_misses_a_chunk_of_a_baked_world);
    tcase_add_test(tc, test_a_small_budget_holds_on_every_update_of_a_long_random_path);
    tcase_add_loop_test(tc, test_downgraded_chunks_hold_exactly_the_coarser_page, 0, 2);
    tcase_add_test(tc, test_generated_mesh_encodings_equal_the_baked_blobs);
    tcase_add_test(tc, test_fallback_outside_the_region_equals_fresh_generation_and_is_counted);
    tcase_add_test(tc, test_a_corrupted_page_is_regenerated_never_trusted_and_counted);
    tcase_add_test(tc, test_a_generated_streamer_pages_in_fresh_generations_without_blocking_update);
    tcase_add_test(tc, test_a_generated_streamer_rejects_bad_parameters);
    tcase_add_test(tc, test_a_generated_streamer_holds_a_small_budget_on_every_update);
    tcase_add_test(tc, test_pread_mmap_and_read_callback_paths_give_the_same_bytes);
    tcase_add_test(tc, test_each_page_in_is_one_call_of_the_read_callback);
    tcase_add_test(tc, test_a_file_rewritten_and_truncated_under_a_running_streamer_is_regenerated);
    tcase_add_test(tc, test_a_file_truncated_under_streaming_workers_is_regenerated);
    tcase_add_test(tc, test_open_costs_the_same_whatever_the_size_of_the_region);
    tcase_add_test(tc, test_a_camera_that_reverses_cancels_stale_work);
    tcase_add_test(tc, test_close_with_work_in_flight_is_safe);
    tcase_add_test(tc, test_views_released_on_another_thread_stay_intact_under_pressure);
    tcase_add_test(tc, test_steady_state_allocates_nothing_and_close_frees_everything);
    tcase_add_test(tc, test_deterministic_mode_repeats_the_same_page_ins_for_the_same_trace);
    suite_add_tcase(s, tc);
    return s;
}
