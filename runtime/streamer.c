/* streamer.c — the streamer's life: options, open (the source, then the workers; no
 * page is decoded at open), the per-frame update that runs every other part in turn,
 * statistics and close. What each step does lives in the file named for it (internal.h
 * has the map). */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_BUDGET (64ull << 20)
#define PREDICTOR_SMOOTHING_S 0.25 /* time constant of the camera's velocity filter */

/* The view keeps its 0.1.0 size and layout: the mesh took one of its reserved pointers. */
_Static_assert(sizeof(tp_chunk_view) == 8 * sizeof(uint32_t) + 9 * sizeof(void *),
               "tp_chunk_view changed size");

/* ---- Options ------------------------------------------------------------------------------ */

static tp_result resolve_options(const tp_streamer_options *in, int generated,
                                 tp_streamer_options *o)
{
    static const tp_streamer_options zero;
    *o = in ? *in : zero;
    const uint32_t known = TP_STREAMER_PREAD | TP_STREAMER_DETERMINISTIC |
                           TP_STREAMER_NO_PREDICTION | TP_STREAMER_VIRTUAL_CLOCK |
                           TP_STREAMER_NO_MESHES | TP_STREAMER_NORMAL_PRIORITY |
                           TP_STREAMER_MMAP;
    if (o->flags & ~known)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer options: unknown flags 0x%x",
                             o->flags & ~known);
    if ((o->flags & TP_STREAMER_MMAP) && ((o->flags & TP_STREAMER_PREAD) || o->read))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: TP_STREAMER_MMAP goes with neither "
                             "TP_STREAMER_PREAD nor a read callback");
    if (o->reserved0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer options: reserved0 is not 0");
    for (int i = 0; i < 7; i++)
        if (o->reserved[i])
            return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                                 "streamer options: reserved[%d] is not 0", i);
    if (!o->allocator.alloc != !o->allocator.free)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: give both allocator callbacks or neither");
    if (o->view_distance_chunks == 0)
        o->view_distance_chunks = 8;
    if (o->view_distance_chunks > 1024)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: view distance %u chunks is over 1024",
                             o->view_distance_chunks);
    if (o->lod_band_m[0] == 0.0) {
        o->lod_band_m[0] = 256.0, o->lod_band_m[1] = 512.0, o->lod_band_m[2] = 1024.0;
    }
    for (uint32_t k = 0; k < TP_STREAMER_MAX_BANDS && o->lod_band_m[k] != 0.0; k++)
        if (!isfinite(o->lod_band_m[k]) || o->lod_band_m[k] < 0.0 ||
            (k > 0 && o->lod_band_m[k] <= o->lod_band_m[k - 1]))
            return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                                 "streamer options: LOD bands must be positive and increasing "
                                 "(band %u is %g m)", k, o->lod_band_m[k]);
    if (o->lod_hysteresis_m == 0.0)
        o->lod_hysteresis_m = 32.0;
    if (o->max_in_flight == 0)
        o->max_in_flight = 8;
    if (o->throttled_in_flight == 0)
        o->throttled_in_flight = 2;
    if (o->throttled_in_flight > o->max_in_flight)
        o->throttled_in_flight = o->max_in_flight;
    if (o->max_in_flight > 4096)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: max_in_flight %u is over 4096", o->max_in_flight);
    if (o->throttle_frame_ms == 0.0)
        o->throttle_frame_ms = 10.0;
    if (o->prediction_horizon_s == 0.0)
        o->prediction_horizon_s = 2.0;
    if (o->teleport_speed_m_s == 0)
        o->teleport_speed_m_s = 1000;
    /* With a file, a chunk that has no coarsest LOD is rare (outside the region), so
     * update() may make one itself; without a file every chunk starts that way, and the
     * on-demand design it stands for leaves all generation to the workers. */
    if (o->sync_generate_budget_ms == 0.0)
        o->sync_generate_budget_ms = generated ? -1.0 : 1.0;
    if (!isfinite(o->lod_hysteresis_m) || !isfinite(o->throttle_frame_ms) ||
        o->throttle_frame_ms < 0.0 || !isfinite(o->prediction_horizon_s) ||
        o->prediction_horizon_s < 0.0 || !isfinite(o->teleport_distance_m) ||
        o->teleport_distance_m < 0.0 || !isfinite(o->sync_generate_budget_ms))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: a time or distance is negative or not finite");
    if (o->worker_threads > 256)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: %u worker threads is over 256", o->worker_threads);
    /* Request keys order predicted work by time ahead within its class; a horizon beyond
     * a minute would also make no sense for a camera. */
    if (o->prediction_horizon_s > 60.0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: prediction horizon %g s is over 60 s",
                             o->prediction_horizon_s);
    return TP_OK;
}

/* ---- Open ---------------------------------------------------------------------------------- */

/* Sizes that follow from the world and the options, for both kinds of streamer. */
static void plan(tp_streamer *s, int meshes, tp__region region)
{
    tp__layout_init(&s->layout, &s->source.page, meshes, region);
    tp__page_source_bind(&s->source, &s->layout);
    tp__block_pool_plan(&s->blocks);
    if (meshes)
        tp__mesh_pool_plan(&s->meshes, &s->layout, s->blocks.block_bytes);
    tp__jobs_plan(&s->jobs, s->opt.max_in_flight, &s->layout);
    tp__schedule_plan(&s->schedule, &s->opt);
    if (s->opt.teleport_distance_m == 0.0)
        s->opt.teleport_distance_m = s->opt.view_distance_chunks * s->layout.chunk_m * 0.5;
}

/* What follows opening the source: the budget check, the job table and the workers.
 * Nothing is decoded here, whatever the size of the world: the coarsest LOD is paged in
 * like any other page, ahead of the camera (schedule.c). `what` names the file (or the
 * generated world) in errors. */
static tp_result start_streaming(tp_streamer *s, const char *what)
{
    /* The budget must hold one view of coarsest LODs (update() makes them for a camera
     * that lands anywhere) and every page that can be in flight. */
    const uint64_t stage = tp__jobs_staging_bytes(&s->jobs);
    const uint32_t coarsest = s->layout.coarsest;
    uint64_t need = (uint64_t)s->schedule.view_count *
                        (tp__block_bytes(&s->blocks, coarsest) + s->meshes.coarsest_max) +
                    (uint64_t)s->jobs.count * tp__block_bytes(&s->blocks, 0) + stage;
    if (s->opt.budget_bytes == 0)
        s->opt.budget_bytes = DEFAULT_BUDGET > need ? DEFAULT_BUDGET : need;
    if (s->opt.budget_bytes < need)
        return tp__error_set(TP_ERR_OUT_OF_RANGE,
                             "%s: a budget of %llu bytes is too small; this world and view "
                             "need at least %llu",
                             what, (unsigned long long)s->opt.budget_bytes,
                             (unsigned long long)need);
    /* The staging of the jobs is decoded data in flight, so it counts from the start. */
    tp__budget_init(&s->budget, s->opt.budget_bytes, stage);
    tp__stats_resident(&s->stats, s->budget.resident_bytes);

    tp_result r = tp__schedule_alloc(&s->schedule, &s->opt.allocator);
    if (r == TP_OK)
        r = tp__jobs_alloc(&s->jobs);
    if (r != TP_OK)
        return r;
    tp__predictor_init(&s->predictor, s->opt.teleport_distance_m, s->opt.teleport_speed_m_s,
                       PREDICTOR_SMOOTHING_S);
    tp__frame_init(&s->frame);
    return tp__workers_start(&s->workers, &s->opt.allocator, &s->source, s->opt.worker_threads,
                             (s->opt.flags & TP_STREAMER_DETERMINISTIC) != 0,
                             !(s->opt.flags & TP_STREAMER_NORMAL_PRIORITY));
}

/* The game thread's scratch: for any page in the deterministic mode (it runs the jobs),
 * otherwise for the coarsest LOD only. */
static tp_result alloc_scratch(tp_streamer *s)
{
    return tp__scratch_alloc(&s->source, &s->opt.allocator, &s->scratch,
                             (s->opt.flags & TP_STREAMER_DETERMINISTIC) != 0);
}

static tp_result open_file(tp_streamer *s, const char *path)
{
    int has_meshes;
    tp__region region;
    tp_result r = tp__page_source_open_file(&s->source, path, &s->opt, &has_meshes, &region);
    if (r != TP_OK)
        return r;
    plan(s, has_meshes && !(s->opt.flags & TP_STREAMER_NO_MESHES), region);
    if ((r = alloc_scratch(s)) != TP_OK)
        return r;
    return start_streaming(s, path);
}

/* No file: an empty region, so every chunk takes the path a chunk outside the baked
 * region takes (coarsest LOD first, then finer, all generated by the workers). */
static tp_result open_generated(tp_streamer *s, const tp_world_params *world)
{
    tp_result r = tp__page_source_open_world(&s->source, world);
    if (r != TP_OK)
        return r;
    s->opt.flags &= ~(TP_STREAMER_PREAD | TP_STREAMER_MMAP); /* nothing to read */
    s->opt.read = NULL;
    plan(s, !(s->opt.flags & TP_STREAMER_NO_MESHES), (tp__region){0, 0, 0, 0});
    if ((r = alloc_scratch(s)) != TP_OK)
        return r;
    return start_streaming(s, "generated world");
}

/* Every part starts empty and is given what it works with; `open` fills them. */
static void init_parts(tp_streamer *s)
{
    const tp_streamer_allocator *mem = &s->opt.allocator;
    tp__page_source_init(&s->source);
    tp__mesh_pool_init(&s->meshes, mem, &s->budget);
    tp__block_pool_init(&s->blocks, mem, &s->budget, &s->meshes, &s->layout);
    tp__chunk_table_init(&s->chunks, mem);
    tp__jobs_init(&s->jobs, mem);
    tp__views_init(&s->views);
    tp__events_init(&s->events, s->opt.on_event, s->opt.event_user, &s->stats);
}

/* Allocates the handle and runs `open` (a file or a generated world) on it. */
static tp_result create_streamer(const tp_streamer_options *options, int generated,
                                 const char *path, const tp_world_params *world,
                                 tp_streamer **out_streamer)
{
    *out_streamer = NULL;
    tp_streamer_options o;
    tp_result r = resolve_options(options, generated, &o);
    if (r != TP_OK)
        return r;
    tp_streamer *s = o.allocator.alloc ? o.allocator.alloc(o.allocator.user, sizeof *s)
                                       : malloc(sizeof *s);
    if (!s)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory");
    memset(s, 0, sizeof *s);
    s->opt = o;
    init_parts(s);
    r = generated ? open_generated(s, world) : open_file(s, path);
    if (r != TP_OK) {
        tp_streamer_close(s);
        return r;
    }
    *out_streamer = s;
    return TP_OK;
}

tp_result tp_streamer_open(const char *path, const tp_streamer_options *options,
                           tp_streamer **out_streamer)
{
    if (!path || !out_streamer)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer: NULL path or output");
    return create_streamer(options, 0, path, NULL, out_streamer);
}

tp_result tp_streamer_open_generated(const tp_world_params *world,
                                     const tp_streamer_options *options,
                                     tp_streamer **out_streamer)
{
    if (!world || !out_streamer)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer: NULL world or output");
    return create_streamer(options, 1, NULL, world, out_streamer);
}

/* ---- Close --------------------------------------------------------------------------------- */

void tp_streamer_close(tp_streamer *s)
{
    if (!s)
        return;
    tp__jobs_cancel_all(&s->jobs);
    tp__workers_stop(&s->workers);
    assert(tp__views_pinned(&s->views) == 0 && "tp_streamer_close: views still acquired");
    /* Everything back to the pools first (meshes travel with their blocks), then the
     * pools are freed in one place. */
    for (uint32_t i = 0; i < s->chunks.live_count; i++) {
        const tp__chunk *c = s->chunks.live[i];
        if (c->coarse)
            tp__block_unused(&s->blocks, c->coarse);
        if (c->fine)
            tp__block_unused(&s->blocks, c->fine);
    }
    const tp_streamer_allocator *mem = &s->opt.allocator;
    tp__jobs_free(&s->jobs, &s->blocks);
    tp__block_pool_free(&s->blocks);
    tp__chunk_table_free(&s->chunks);
    tp__eviction_free(&s->eviction, mem);
    tp__schedule_free(&s->schedule, mem);
    tp__scratch_free(mem, &s->scratch);
    tp__page_source_close(&s->source);
    tp_streamer_allocator a = s->opt.allocator;
    if (a.free)
        a.free(a.user, s, sizeof *s);
    else
        free(s);
}

/* ---- Update -------------------------------------------------------------------------------- */

tp_result tp_streamer_update(tp_streamer *s, double x_m, double z_m, double frame_dt_s)
{
    assert(s);
    double start = tp__now_s();
    /* Chunk indices are int32 and the view and the prediction reach around them: keep
     * the camera within TP_STREAMER_MAX_CHUNK_INDEX chunks of the origin. */
    const double limit_m = (double)TP_STREAMER_MAX_CHUNK_INDEX * s->layout.chunk_m;
    if (!isfinite(x_m) || !isfinite(z_m) || !isfinite(frame_dt_s) || frame_dt_s < 0.0 ||
        fabs(x_m) > limit_m || fabs(z_m) > limit_m)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer update: position (%g, %g) or frame time %g s is invalid",
                             x_m, z_m, frame_dt_s);
    const int det = (s->opt.flags & TP_STREAMER_DETERMINISTIC) != 0;
    const int virtual_clock = det || (s->opt.flags & TP_STREAMER_VIRTUAL_CLOCK);
    tp__frame_begin(&s->frame, start, virtual_clock, frame_dt_s, x_m, z_m, s->layout.chunk_m);
    tp__events_begin_update(&s->events, s->frame.update);
    tp__eviction_restart(&s->eviction);
    tp_result res = TP_OK;

    tp__block_retired_collect(&s->blocks);
    if (tp__predictor_update(&s->predictor, x_m, z_m, s->frame.clock_s))
        tp__emit(&s->events, TP_STREAMER_EVENT_TELEPORT, 0, 0, 0, 0, 0, 0);
    if (!tp__wants(s))
        res = TP_ERR_OUT_OF_MEMORY;
    tp__cancel_stale(s);
    if (det) /* last update's batch, after its cancellations */
        tp__workers_run_pending_sync(&s->workers, &s->scratch);
    tp__publish_finished(s, tp__workers_take_done(&s->workers));
    tp__lower_overshoot(s);
    tp_result r = tp__sync_coarse(s, start);
    if (r != TP_OK)
        res = r;
    tp__view_coverage(s);
    r = tp__dispatch(s, frame_dt_s);
    if (r != TP_OK)
        res = r;
    tp__evict_far(s);
    tp__sweep(s);
    tp__block_pool_trim(&s->blocks, s->budget.limit_bytes);

    tp__stats_resident(&s->stats, s->budget.resident_bytes); /* as seen between updates */
    tp__stats_update_done(&s->stats, (tp__now_s() - start) * 1e6);
    if (res != TP_OK && res != TP_ERR_OUT_OF_MEMORY)
        return res;
    return res == TP_OK ? TP_OK
                        : tp__error_set(res, "streamer update: the allocator failed; "
                                             "retrying next frame");
}

void tp_streamer_set_frame_time(tp_streamer *s, double frame_time_s)
{
    assert(s);
    if (isfinite(frame_time_s) && frame_time_s >= 0.0)
        tp__frame_set_work_time(&s->frame, frame_time_s);
}

/* ---- Queries ------------------------------------------------------------------------------- */

const tp_world_params *tp_streamer_world(const tp_streamer *s)
{
    return &s->source.page.world;
}

const tp_reader *tp_streamer_reader(const tp_streamer *s)
{
    return s->source.reader;
}

void tp_streamer_get_stats(const tp_streamer *s, tp_streamer_stats *out_stats)
{
    assert(s && out_stats);
    tp__stats_fill(&s->stats, out_stats);
    out_stats->budget_bytes = s->budget.limit_bytes;
    out_stats->permanent_bytes = 0; /* nothing is resident for good */
    out_stats->held_bytes = s->budget.held_bytes;
    out_stats->resident_bytes = s->budget.resident_bytes;
    out_stats->pinned_views = tp__views_pinned(&s->views);
    uint32_t resident = 0;
    for (uint32_t i = 0; i < s->chunks.live_count; i++)
        resident += tp__chunk_resident(s->chunks.live[i]) != NULL;
    out_stats->resident_chunks = resident;
    out_stats->in_flight = s->jobs.in_flight;
    out_stats->worker_threads = s->workers.thread_count;
    out_stats->velocity_x_m_s = s->predictor.vx;
    out_stats->velocity_z_m_s = s->predictor.vz;
    out_stats->mesh_bytes = s->budget.mesh_bytes;
    out_stats->scratch_bytes =
        tp__scratch_bytes(&s->scratch) + tp__workers_scratch_bytes(&s->workers);
}
