/* options.c — the streamer's options: defaults and checks at open, and changes between
 * updates.
 *
 * A change (tp_streamer_set_options()) is checked completely when it is asked for — the
 * fields that cannot change, the budget against the new view — and what it needs is
 * allocated then, so that putting it in force at the start of the next update() cannot
 * fail and an update never sees half of it. Until then the streamer runs on the old
 * values, and tp_streamer_get_options() reports the new ones. */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "internal.h"

#define DEFAULT_BUDGET (64ull << 20)

/* ---- Resolving ---------------------------------------------------------------------------- */

tp_result tp__options_resolve(const tp_streamer_options *in, int generated,
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
    for (int i = 0; i < 1; i++)
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
    if (o->lod_selector > TP_STREAMER_LOD_SCREEN_ERROR)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: unknown LOD selector %u", o->lod_selector);
    if (o->viewport_height_px == 0)
        o->viewport_height_px = 1080;
    if (o->vertical_fov_rad == 0.0)
        o->vertical_fov_rad = 3.14159265358979323846 / 3.0;
    if (o->screen_error_px == 0.0)
        o->screen_error_px = 2.0;
    if (!(o->vertical_fov_rad > 0.0 && o->vertical_fov_rad < 3.14159265358979323846))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: vertical field of view %g rad is not in (0, pi)",
                             o->vertical_fov_rad);
    if (!(o->screen_error_px > 0.0) || !isfinite(o->screen_error_px))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: screen error tolerance %g px is not positive",
                             o->screen_error_px);
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

uint64_t tp__options_budget_need(const tp_streamer *s, uint32_t view_count)
{
    const uint32_t coarsest = s->layout.coarsest;
    return (uint64_t)view_count *
               (tp__block_bytes(&s->blocks, coarsest) + s->meshes.coarsest_max) +
           (uint64_t)s->jobs.full_count * tp__block_bytes(&s->blocks, 0) +
           tp__jobs_staging_bytes(&s->jobs);
}

tp_result tp__options_fit_budget(const tp_streamer *s, tp_streamer_options *o,
                                 uint32_t view_count, const char *what)
{
    const uint64_t need = tp__options_budget_need(s, view_count);
    if (o->budget_bytes == 0)
        o->budget_bytes = DEFAULT_BUDGET > need ? DEFAULT_BUDGET : need;
    if (o->budget_bytes < need)
        return tp__error_set(TP_ERR_OUT_OF_RANGE,
                             "%s: a budget of %llu bytes is too small; this world and view "
                             "need at least %llu",
                             what, (unsigned long long)o->budget_bytes,
                             (unsigned long long)need);
    return TP_OK;
}

/* ---- Changing them between updates -------------------------------------------------------- */

/* Flags a running streamer can change: the others choose how the file is read, how
 * threads and time work and whether meshes exist, all fixed by open. */
#define CHANGEABLE_FLAGS TP_STREAMER_NO_PREDICTION

static int is_generated(const tp_streamer *s)
{
    return s->source.reader == NULL;
}

static uint32_t view_count_of(uint32_t view_distance_chunks)
{
    uint32_t side = 2u * view_distance_chunks + 1u;
    return side * side;
}

/* The first field of `want` that differs from `now` and cannot change after open, or
 * NULL. */
static const char *fixed_field_changed(const tp_streamer_options *now,
                                       const tp_streamer_options *want)
{
    if ((now->flags ^ want->flags) & ~CHANGEABLE_FLAGS)
        return "flags other than TP_STREAMER_NO_PREDICTION";
    if (now->max_in_flight != want->max_in_flight)
        return "max_in_flight (the job table and its staging are sized at open)";
    if (now->worker_threads != want->worker_threads)
        return "worker_threads";
    if (now->allocator.alloc != want->allocator.alloc ||
        now->allocator.free != want->allocator.free ||
        now->allocator.user != want->allocator.user)
        return "allocator";
    if (now->read != want->read || now->read_user != want->read_user)
        return "read, read_user";
    return NULL;
}

void tp_streamer_get_options(const tp_streamer *s, tp_streamer_options *out_options)
{
    assert(s && out_options);
    *out_options = s->change.pending ? s->change.opt : s->opt;
}

tp_result tp_streamer_set_options(tp_streamer *s, const tp_streamer_options *options)
{
    assert(s);
    if (!options)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer options: NULL options");
    const int generated = is_generated(s);
    tp_streamer_options o;
    tp_result r = tp__options_resolve(options, generated, &o);
    if (r != TP_OK)
        return r;
    if (generated) { /* as open_generated() left them: nothing is read */
        o.flags &= ~(TP_STREAMER_PREAD | TP_STREAMER_MMAP);
        o.read = NULL;
    }
    const char *fixed = fixed_field_changed(&s->opt, &o);
    if (fixed)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: %s cannot change after open", fixed);
    if (o.teleport_distance_m == 0.0)
        o.teleport_distance_m = o.view_distance_chunks * s->layout.chunk_m * 0.5;
    const uint32_t view_count = view_count_of(o.view_distance_chunks);
    if ((r = tp__options_fit_budget(s, &o, view_count, "streamer options")) != TP_OK)
        return r;

    /* The array of missing chunks follows the view's size: allocated now, so that the
     * update that puts the change in force cannot fail. */
    tp__chunk **missing = NULL;
    if (view_count != s->schedule.view_count) {
        missing = tp__alloc(&s->opt.allocator, view_count * sizeof *missing);
        if (!missing)
            return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer options: out of memory");
    }
    tp__options_change_free(s); /* an earlier change not yet in force */
    s->change.opt = o;
    s->change.missing = missing;
    s->change.missing_count = missing ? view_count : 0;
    s->change.pending = 1;
    return TP_OK;
}

int tp__options_apply(tp_streamer *s)
{
    tp__options_change *ch = &s->change;
    if (!ch->pending)
        return 0;
    const int lowered = ch->opt.budget_bytes < s->opt.budget_bytes;
    s->opt = ch->opt;
    if (ch->missing)
        tp__schedule_resize(&s->schedule, &s->opt, ch->missing, &s->opt.allocator);
    else
        tp__schedule_plan(&s->schedule, &s->opt);
    tp__predictor_set_limits(&s->predictor, s->opt.teleport_distance_m,
                             s->opt.teleport_speed_m_s);
    tp__events_set_callback(&s->events, s->opt.on_event, s->opt.event_user);
    tp__budget_set_limit(&s->budget, s->opt.budget_bytes);
    memset(ch, 0, sizeof *ch);
    return lowered;
}

void tp__options_change_free(tp_streamer *s)
{
    tp__options_change *ch = &s->change;
    tp__free(&s->opt.allocator, ch->missing, ch->missing_count * sizeof *ch->missing);
    memset(ch, 0, sizeof *ch);
}
