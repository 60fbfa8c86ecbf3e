/* soak_run.c — one soak run: open the streamer, drive it tick by tick, summarise.
 *
 * `--source generate` drives the same camera against a streamer without a page file,
 * every chunk generated on the workers (the on-demand design terrapage replaces), so the
 * two sources meet exactly the same camera and view.
 */
#include "soak_run.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cli_options.h"
#include "pagefile_open.h"
#include "process_memory.h"
#include "soak_os.h"
#include "terrapage/runtime.h"

#define COMMAND "terrapage soak"

const char *const tpt_soak_source_names[] = {"file", "generate", NULL};
const char *const tpt_soak_lod_names[] = {"bands", "sse", NULL};

/* Projected errors of drawn chunks are counted in bins this wide up to the last bin,
 * which takes everything beyond (a camera inside a chunk's bounds sees an infinite one). */
#define ERROR_BIN_PX 0.01
#define ERROR_BINS 10001u

/* The LOD bands the streamer is opened with, and against which a chunk's LOD is judged:
 * the runtime's documented defaults, set explicitly so the two cannot drift apart. */
static const double lod_band_m[] = {256.0, 512.0, 1024.0};
#define BAND_COUNT (sizeof lod_band_m / sizeof lod_band_m[0])

/* ---- the band rule ------------------------------------------------------------------- */

/* The LOD a chunk at distance² `dist2_m2` (camera to the chunk's nearest point) asks
 * for, by the rule runtime.h states: LOD k inside band k, the coarsest beyond the last
 * band (and for bands past the world's LOD count). Hysteresis only lets a chunk keep a
 * finer LOD, so it never changes what is asked for. */
static int wanted_lod(double dist2_m2, uint32_t coarsest)
{
    for (uint32_t k = 0; k < BAND_COUNT && k < coarsest; k++)
        if (dist2_m2 < lod_band_m[k] * lod_band_m[k])
            return (int)k;
    return (int)coarsest;
}

static double axis_gap(double v, double lo, double hi)
{
    return v < lo ? lo - v : v > hi ? v - hi : 0.0;
}

static int32_t chunk_of(double m, double chunk_m) { return (int32_t)floor(m / chunk_m); }

static uint16_t clamp16(uint64_t v) { return (uint16_t)(v < 65535 ? v : 65535); }

/* ---- opening ------------------------------------------------------------------------ */

static void fill_options(const tpt_soak_config *cfg, tp_streamer_options *o)
{
    memset(o, 0, sizeof *o);
    o->view_distance_chunks = cfg->view;
    o->lod_selector = (uint32_t)cfg->lod_selector;
    o->vertical_fov_rad = cfg->fov_deg * (3.14159265358979323846 / 180.0);
    o->screen_error_px = cfg->sse_px;
    for (size_t k = 0; k < BAND_COUNT; k++)
        o->lod_band_m[k] = lod_band_m[k];
    o->budget_bytes = cfg->budget_bytes;
    o->worker_threads = cfg->threads;
    /* Unpaced, ticks come faster than real time: the streamer's clock must then be the
     * ticks' own, or the predictor would see the camera move at absurd speeds. */
    if (!cfg->pace)
        o->flags |= TP_STREAMER_VIRTUAL_CLOCK;
    if (cfg->mapped)
        o->flags |= TP_STREAMER_MMAP;
}

static bool open_streamer(const tpt_soak_config *cfg, int source, tp_streamer **out)
{
    tp_streamer_options o;
    fill_options(cfg, &o);
    tpt_pagefile_clear_detail();
    if (source == TPT_SOAK_SOURCE_FILE) {
        tp_result r = tp_streamer_open(cfg->file, &o, out);
        if (r != TP_OK) {
            char problem[768];
            tpt_pagefile_problem(r, cfg->file, problem, sizeof problem);
            fprintf(stderr, "%s: %s: %s\n", COMMAND, cfg->file, problem);
            return false;
        }
        return true;
    }
    /* Generate: the world of the file when one is named (so --compare meets the same
     * terrain), else the world file's (--world), else the default world. */
    tp_world_params world = {0};
    if (cfg->world_file) {
        world = cfg->world;
    } else if (cfg->file) {
        tp_reader *reader;
        if (!tpt_pagefile_open(COMMAND, cfg->file, &reader))
            return false;
        tp_page_layout layout;
        bool ok = tpt_pagefile_layout(COMMAND, cfg->file, reader,
                                      "--source generate", &layout);
        tp_reader_close(reader);
        if (!ok)
            return false;
        world = layout.world;
    } else {
        tp_world_params_resolve(&world, &world);
    }
    tp_result r = tp_streamer_open_generated(&world, &o, out);
    if (r != TP_OK) {
        fprintf(stderr, "%s: cannot start a generating streamer: %s%s%s\n", COMMAND,
                tp_result_string(r), *tp_error_detail() ? ": " : "", tp_error_detail());
        return false;
    }
    return true;
}

/* The map covers every chunk the view can reach: the camera's path, known in advance
 * because the camera is deterministic, plus the view distance around it. */
static bool init_map(const tpt_soak_config *cfg, double chunk_m, uint32_t lod_count,
                     const tp_reader *reader, tpt_soak_map *map)
{
    tpt_soak_camera cam;
    tpt_soak_camera_init(&cam, cfg->profile, cfg->seed, 1.0 / cfg->hz, &cfg->path);
    double x0 = cam.x, x1 = cam.x, z0 = cam.z, z1 = cam.z;
    for (uint64_t i = 1; i < cfg->ticks; i++) {
        tpt_soak_camera_advance(&cam);
        x0 = fmin(x0, cam.x), x1 = fmax(x1, cam.x);
        z0 = fmin(z0, cam.z), z1 = fmax(z1, cam.z);
    }
    int64_t v = cfg->view;
    int64_t cx0 = chunk_of(x0, chunk_m) - v, cx1 = chunk_of(x1, chunk_m) + v + 1;
    int64_t cz0 = chunk_of(z0, chunk_m) - v, cz1 = chunk_of(z1, chunk_m) + v + 1;
    if (!tpt_soak_map_init(map, (int32_t)cx0, (int32_t)cz0, (uint32_t)(cx1 - cx0),
                           (uint32_t)(cz1 - cz0), chunk_m, lod_count))
        return false;
    if (reader) {
        map->has_region = true;
        map->region = tpt_pagefile_region(tp_reader_desc(reader));
    }
    return true;
}

void tpt_soak_run_free(tpt_soak_run *run)
{
    tpt_soak_summary_free(&run->report.summary);
    tpt_soak_recorder_free(&run->rec);
    if (run->have_map)
        tpt_soak_map_free(&run->map);
    run->have_map = false;
}

/* ---- the run ------------------------------------------------------------------------ */

/* What a run holds while it ticks. */
typedef struct ticker {
    const tpt_soak_config *cfg;
    tpt_soak_run *run;
    tp_streamer *streamer;
    tpt_soak_pinning pin;
    int8_t *scan;          /* the best LOD of each view chunk, this tick */
    tpt_soak_camera cam;
    double chunk_m, dt, start_s, prev_s;
    double work_s;         /* the previous tick's work: timed region plus bookkeeping */
    uint32_t coarsest;
    uint64_t oom_updates;
    double ground_m;       /* the drawn ground under the camera, last known */
    uint64_t *error_bins;  /* ERROR_BINS counts of drawn chunks' projected errors */
} ticker;

static void ticker_close(ticker *t)
{
    tp_streamer_close(t->streamer);
    t->streamer = NULL;
    tpt_soak_unpin(&t->pin);
    free(t->scan);
    t->scan = NULL;
    free(t->error_bins);
    t->error_bins = NULL;
}

/* Pins (with --pin), opens the streamer, allocates the per-tick records and the map.
 * @return false after printing the problem, with nothing left open. */
static bool ticker_open(ticker *t, const tpt_soak_config *cfg, int source, tpt_soak_run *run)
{
    memset(t, 0, sizeof *t);
    t->cfg = cfg;
    t->run = run;
    if (cfg->pin && !tpt_soak_pin_before_open(&t->pin)) {
        fprintf(stderr,
                "%s: --pin: cannot pin threads (needs Linux and CPU 0 plus another "
                "CPU in this process's affinity)\n",
                COMMAND);
        return false;
    }
    if (!open_streamer(cfg, source, &t->streamer)) {
        ticker_close(t);
        return false;
    }
    if (cfg->pin && !tpt_soak_pin_after_open(&t->pin)) {
        fprintf(stderr, "%s: --pin: cannot move the game thread to CPU 0\n", COMMAND);
        ticker_close(t);
        return false;
    }
    run->report.pinned = t->pin.active;
    const tp_world_params *world = tp_streamer_world(t->streamer);
    const uint32_t lod_count = tp_world_lod_count(world);
    t->chunk_m = world->chunk_size_m;
    t->coarsest = lod_count - 1;
    t->dt = 1.0 / cfg->hz;
    t->scan = malloc(run->report.view_chunks);
    t->error_bins = calloc(ERROR_BINS, sizeof *t->error_bins);
    if (!t->scan || !t->error_bins || !tpt_soak_recorder_init(&run->rec, cfg->ticks)) {
        ticker_close(t);
        fprintf(stderr, "%s: out of memory for %" PRIu64 " ticks\n", COMMAND, cfg->ticks);
        return false;
    }
    if (cfg->map) {
        const tp_reader *reader =
            source == TPT_SOAK_SOURCE_FILE ? tp_streamer_reader(t->streamer) : NULL;
        if (!init_map(cfg, t->chunk_m, lod_count, reader, &run->map)) {
            ticker_close(t);
            fprintf(stderr, "%s: %s: the camera's area is too large to map\n", COMMAND,
                    cfg->map);
            return false;
        }
        run->have_map = true;
    }
    tpt_soak_camera_init(&t->cam, cfg->profile, cfg->seed, t->dt, &cfg->path);
    return true;
}

/* Sleeps to the tick's slot; after a stall longer than a tick, starts counting again from
 * now rather than firing a burst of late ticks. */
static void pace(ticker *t, uint64_t tick)
{
    double slot = t->start_s + (double)tick * t->dt, now = tpt_soak_now_s();
    if (now > slot + t->dt)
        t->start_s += now - slot, slot = now;
    tpt_soak_sleep_until(slot);
}

/* Asks the best LOD of every chunk of the view square, as a game's frame does, and
 * counts the missing ones and the ones coarser than their distance asks for. */
static uint32_t scan_view(ticker *t, uint32_t *out_missing, uint32_t *out_deficit)
{
    const double x = t->cam.x, z = t->cam.z, chunk_m = t->chunk_m;
    const int32_t ccx = chunk_of(x, chunk_m), ccz = chunk_of(z, chunk_m);
    const int32_t v = (int32_t)t->cfg->view;
    uint32_t missing = 0, deficit = 0, k = 0;
    for (int32_t cz = ccz - v; cz <= ccz + v; cz++) {
        const double gz = axis_gap(z, cz * chunk_m, (cz + 1) * chunk_m);
        for (int32_t cx = ccx - v; cx <= ccx + v; cx++) {
            const double gx = axis_gap(x, cx * chunk_m, (cx + 1) * chunk_m);
            const int best = tp_streamer_best_lod(t->streamer, cx, cz);
            t->scan[k++] = (int8_t)best;
            if (best < 0)
                missing++;
            else if (t->cfg->lod_selector == TP_STREAMER_LOD_BANDS &&
                     best > wanted_lod(gx * gx + gz * gz, t->coarsest))
                deficit++;
        }
    }
    *out_missing = missing;
    *out_deficit = deficit;
    return k;
}

/* Counts the projected error of every chunk drawn in this tick's view (outside the
 * timed region: a game's renderer does not need it). */
static void record_errors(ticker *t)
{
    const int32_t ccx = chunk_of(t->cam.x, t->chunk_m), ccz = chunk_of(t->cam.z, t->chunk_m);
    const int32_t v = (int32_t)t->cfg->view;
    for (int32_t cz = ccz - v; cz <= ccz + v; cz++)
        for (int32_t cx = ccx - v; cx <= ccx + v; cx++) {
            double px;
            if (tp_streamer_chunk_error_px(t->streamer, cx, cz, &px) != TP_OK)
                continue;
            double bin = px / ERROR_BIN_PX;
            t->error_bins[bin < (double)(ERROR_BINS - 1) ? (uint32_t)bin : ERROR_BINS - 1]++;
        }
}

/* The q-quantile of the counted errors (the upper edge of its bin; INFINITY in the last). */
static double error_quantile(const uint64_t *bins, double q)
{
    uint64_t total = 0;
    for (uint32_t i = 0; i < ERROR_BINS; i++)
        total += bins[i];
    if (total == 0)
        return 0.0;
    uint64_t need = (uint64_t)ceil(q * (double)total), seen = 0;
    for (uint32_t i = 0; i < ERROR_BINS - 1; i++)
        if ((seen += bins[i]) >= need)
            return (i + 1) * ERROR_BIN_PX;
    return INFINITY;
}

/* Notes what the map shows of this tick's view. */
static void record_map(ticker *t)
{
    const int32_t ccx = chunk_of(t->cam.x, t->chunk_m), ccz = chunk_of(t->cam.z, t->chunk_m);
    const int32_t v = (int32_t)t->cfg->view;
    uint32_t k = 0;
    for (int32_t cz = ccz - v; cz <= ccz + v; cz++)
        for (int32_t cx = ccx - v; cx <= ccx + v; cx++)
            tpt_soak_map_record(&t->run->map, cx, cz, t->scan[k++]);
}

/* One tick: pacing, the camera's move, the timed region, then its record.
 * @return false after printing the problem when the update failed. */
static bool tick_once(ticker *t, uint64_t tick)
{
    if (t->cfg->pace && tick > 0)
        pace(t, tick);
    if (tick > 0)
        tpt_soak_camera_advance(&t->cam);

    /* ---- timed region: what a game's frame spends on streaming ---- */
    tpt_soak_thread_counts k0, k1;
    tpt_soak_thread_counts_now(&k0);
    const double c0 = tpt_soak_clock_s(CLOCK_THREAD_CPUTIME_ID);
    const double t0 = tpt_soak_now_s();
    const double frame_dt = t->cfg->pace && tick > 0 ? t0 - t->prev_s : t->dt;
    /* As a game locked to 60 Hz does: report the frame's work, not its 16.7 ms slot
     * (the throttle is for frames that are slow to compute, not for vsync waits). */
    tp_streamer_set_frame_time(t->streamer, t->work_s);
    tp_result r = tp_streamer_update_3d(t->streamer, t->cam.x,
                                        t->ground_m + t->cfg->camera_height_m, t->cam.z,
                                        frame_dt);
    const double t_call = tpt_soak_now_s();
    uint32_t missing, deficit;
    const uint32_t checks = scan_view(t, &missing, &deficit);
    const double t1 = tpt_soak_now_s();
    /* ---- end of the timed region ---- */
    const double c1 = tpt_soak_clock_s(CLOCK_THREAD_CPUTIME_ID);
    tpt_soak_thread_counts_now(&k1);
    t->prev_s = t0;

    if (r == TP_ERR_OUT_OF_MEMORY) {
        t->oom_updates++; /* the streamer retries next frame; counted, reported */
    } else if (r != TP_OK) {
        fprintf(stderr, "%s: update at tick %" PRIu64 " (camera %.1f, %.1f) failed: %s\n",
                COMMAND, tick, t->cam.x, t->cam.z, tp_result_string(r));
        return false;
    }
    tp_streamer_stats st;
    tp_streamer_get_stats(t->streamer, &st);
    tpt_soak_tick *rec = tpt_soak_recorder_push(&t->run->rec);
    rec->update_ms = (t1 - t0) * 1e3;
    rec->update_cpu_ms = (c1 - c0) * 1e3;
    rec->call_ms = (t_call - t0) * 1e3;
    rec->waits = clamp16(k1.waits - k0.waits);
    rec->preemptions = clamp16(k1.preemptions - k0.preemptions);
    rec->page_faults = (uint32_t)(k1.faults - k0.faults);
    rec->view_chunks = checks;
    rec->missing = missing;
    /* With the screen-space error the wanted LOD is the streamer's: its own count of
     * chunks coarser than wanted (the definition of its view flag). */
    rec->deficit = t->cfg->lod_selector == TP_STREAMER_LOD_BANDS ? deficit : st.in_view_coarser;
    record_errors(t);
    /* The camera flies at its height above what is drawn under it (kept when nothing is). */
    tp_surface_hit ground;
    if (tp_streamer_height_at(t->streamer, t->cam.x, t->cam.z, &ground) == TP_OK)
        t->ground_m = ground.position_m[1];
    rec->move = tick ? t->cam.last_move : TPT_SOAK_MOVE_NONE;
    rec->resident_bytes = st.resident_bytes;
    rec->held_bytes = st.held_bytes;
    rec->rss_bytes = tpt_process_rss_bytes();
    rec->x_m = t->cam.x;
    rec->z_m = t->cam.z;
    if (t->run->have_map)
        record_map(t);
    t->work_s = tpt_soak_now_s() - t0;
    return true;
}

/* What the process and the game thread spent over the run. */
typedef struct process_use {
    double cpu_s, game_cpu_s;
    tpt_soak_thread_counts game;
    struct rusage ru;
    bool have_ru;
} process_use;

static void process_use_now(process_use *u)
{
    u->cpu_s = tpt_soak_clock_s(CLOCK_PROCESS_CPUTIME_ID);
    u->game_cpu_s = tpt_soak_clock_s(CLOCK_THREAD_CPUTIME_ID);
    tpt_soak_thread_counts_now(&u->game);
    u->have_ru = getrusage(RUSAGE_SELF, &u->ru) == 0;
}

/* The workers' share: the process's CPU and page faults less the game thread's. */
static void report_process_use(tpt_soak_report *rep, const process_use *a, const process_use *b)
{
    rep->process_cpu_s = b->cpu_s - a->cpu_s;
    rep->game_cpu_s = b->game_cpu_s - a->game_cpu_s;
    rep->worker_cpu_s = fmax(0.0, rep->process_cpu_s - rep->game_cpu_s);
    rep->worker_cpu_us_per_page_in =
        rep->stats.page_ins ? rep->worker_cpu_s * 1e6 / (double)rep->stats.page_ins : 0.0;
    if (a->have_ru && b->have_ru) {
        uint64_t all = (uint64_t)(b->ru.ru_minflt - a->ru.ru_minflt) +
                       (uint64_t)(b->ru.ru_majflt - a->ru.ru_majflt);
        uint64_t game = b->game.faults - a->game.faults;
        rep->worker_page_faults = all > game ? all - game : 0;
        rep->peak_rss_kib = (uint64_t)b->ru.ru_maxrss;
        rep->voluntary_switches = (uint64_t)(b->ru.ru_nvcsw - a->ru.ru_nvcsw);
        rep->involuntary_switches = (uint64_t)(b->ru.ru_nivcsw - a->ru.ru_nivcsw);
    }
}

/* The report's description of the run, before it starts. */
static void describe_run(const tpt_soak_config *cfg, int source, tpt_soak_run *run)
{
    tpt_soak_report *rep = &run->report;
    rep->source = tpt_soak_source_names[source];
    rep->file = source == TPT_SOAK_SOURCE_FILE ? cfg->file : NULL;
    rep->io = rep->file ? (cfg->mapped ? "mmap" : "pread") : NULL;
    rep->world_file = source == TPT_SOAK_SOURCE_GENERATE ? cfg->world_file : NULL;
    rep->profile = cfg->profile_label;
    rep->seed = cfg->seed;
    rep->hz = cfg->hz;
    rep->paced = cfg->pace;
    rep->view_distance = cfg->view;
    rep->lod_selector = tpt_soak_lod_names[cfg->lod_selector];
    rep->camera_height_m = cfg->camera_height_m;
    rep->sse_px = cfg->sse_px;
    const uint32_t side = 2 * cfg->view + 1;
    rep->view_chunks = side * side;
    snprintf(run->label, sizeof run->label, "%s, %s", cfg->profile_label, rep->source);
}

int tpt_soak_run_measure(const tpt_soak_config *cfg, int source, tpt_soak_run *run)
{
    memset(run, 0, sizeof *run);
    describe_run(cfg, source, run);
    ticker t;
    if (!ticker_open(&t, cfg, source, run)) {
        tpt_soak_run_free(run);
        return TPT_EXIT_FAILURE;
    }
    process_use before, after;
    process_use_now(&before);
    t.start_s = t.prev_s = tpt_soak_now_s();
    for (uint64_t tick = 0; tick < cfg->ticks; tick++) {
        if (!tick_once(&t, tick)) {
            ticker_close(&t);
            tpt_soak_run_free(run);
            return TPT_EXIT_FAILURE;
        }
    }
    process_use_now(&after); /* before the close: the run only */
    tpt_soak_report *rep = &run->report;
    rep->wall_s = tpt_soak_now_s() - t.start_s;
    tp_streamer_get_stats(t.streamer, &rep->stats);
    rep->error_px_p50 = error_quantile(t.error_bins, 0.50);
    rep->error_px_p99 = error_quantile(t.error_bins, 0.99);
    ticker_close(&t);
    report_process_use(rep, &before, &after);
    if (!tpt_soak_summarize(run->rec.ticks, run->rec.count, cfg->hitch_ms,
                            rep->stats.budget_bytes, &rep->summary)) {
        tpt_soak_run_free(run);
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        return TPT_EXIT_FAILURE;
    }
    if (t.oom_updates)
        fprintf(stderr, "%s: %" PRIu64 " updates ran out of memory (retried)\n", COMMAND,
                t.oom_updates);
    return TPT_EXIT_OK;
}
