/* cmd_soak.c — `terrapage soak`: drives the runtime streamer with a seeded camera, tick
 * by tick in real time, and measures what a game would see: the cost of the per-frame
 * call, holes and coarse chunks in the view, memory against the budget.
 *
 * The timed region of a tick is everything the game thread does for streaming:
 * tp_streamer_update() plus a scan of the view square asking tp_streamer_best_lod() of
 * each chunk. Recording, statistics, the map and the pacing sleep lie outside it.
 * `--source generate` drives the same camera against a streamer without a page file,
 * every chunk generated on the workers (the on-demand design terrapage replaces);
 * `--compare` runs both with the same seed and puts them side by side.
 */
#define _GNU_SOURCE /* RUSAGE_THREAD; also clock_nanosleep, CLOCK_*_CPUTIME_ID */

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "commands.h"
#include "soak_camera.h"
#include "soak_metrics.h"
#include "soak_plot.h"
#include "worldfile.h"
#include "terrapage/runtime.h"

enum {
    OPT_HELP = 1,
    OPT_PROFILE,
    OPT_PATH,
    OPT_TICKS,
    OPT_SEED,
    OPT_VIEW,
    OPT_BUDGET,
    OPT_THREADS,
    OPT_SOURCE,
    OPT_COMPARE,
    OPT_JSON,
    OPT_PLOT,
    OPT_MAP,
    OPT_NO_PACE,
    OPT_HZ,
    OPT_HITCH,
    OPT_QUIET,
    OPT_CSV,
    OPT_PIN,
};

enum { SOURCE_FILE = 0, SOURCE_GENERATE = 1 };
static const char *const source_names[] = {"file", "generate", NULL};

#define COMMAND "terrapage soak"
#define DEFAULT_TICKS 1024u

/* The LOD bands the streamer is opened with, and against which a chunk's LOD is judged:
 * the runtime's documented defaults, set explicitly so the two cannot drift apart. */
static const double lod_band_m[] = {256.0, 512.0, 1024.0};
#define BAND_COUNT (sizeof lod_band_m / sizeof lod_band_m[0])

typedef struct soak_config {
    const char *file;
    int source;
    bool compare;
    tp_soak_profile profile;
    const char *profile_label;
    tp_soak_path path;
    uint64_t ticks;
    uint64_t seed;
    uint32_t view;
    uint64_t budget_bytes; /* 0: the streamer's default */
    uint32_t threads;      /* 0: the streamer's default */
    double hz, hitch_ms;
    bool pace, quiet, pin;
    const char *json, *plot, *map, *csv;
} soak_config;

typedef struct soak_run {
    tp_soak_report report;
    tp_soak_recorder rec;
    tp_soak_map map;
    bool have_map;
    char label[64];
} soak_run;

/* ---- clocks ------------------------------------------------------------------------- */

static double clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double now_s(void) { return clock_s(CLOCK_MONOTONIC); }

/* What the OS counts for the calling thread: context switches, voluntary (it waited)
 * and involuntary (preempted), and page faults. Zeros where it does not count per
 * thread. (Its kernel time is left out: Linux samples it too coarsely for one tick.) */
typedef struct thread_counts {
    uint64_t waits, preemptions, faults;
} thread_counts;

static void thread_counts_now(thread_counts *c)
{
    memset(c, 0, sizeof *c);
#ifdef RUSAGE_THREAD
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        c->waits = (uint64_t)ru.ru_nvcsw;
        c->preemptions = (uint64_t)ru.ru_nivcsw;
        c->faults = (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
    }
#endif
}

static uint16_t clamp16(uint64_t v) { return (uint16_t)(v < 65535 ? v : 65535); }

/* CPU pinning for --pin. Threads inherit the creating thread's affinity, so the game
 * thread first moves off CPU 0, opens the streamer (its workers start there and stay),
 * then moves onto CPU 0 alone. */
typedef struct pinning {
    bool active;
#ifdef __linux__
    cpu_set_t saved;
#endif
} pinning;

static bool pin_before_open(pinning *p)
{
    memset(p, 0, sizeof *p);
#ifdef __linux__
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 2 || pthread_getaffinity_np(pthread_self(), sizeof p->saved, &p->saved) != 0 ||
        !CPU_ISSET(0, &p->saved))
        return false;
    cpu_set_t others = p->saved;
    CPU_CLR(0, &others);
    if (CPU_COUNT(&others) == 0 ||
        pthread_setaffinity_np(pthread_self(), sizeof others, &others) != 0)
        return false;
    p->active = true;
    return true;
#else
    return false;
#endif
}

static bool pin_after_open(pinning *p)
{
#ifdef __linux__
    cpu_set_t zero;
    CPU_ZERO(&zero);
    CPU_SET(0, &zero);
    return p->active && pthread_setaffinity_np(pthread_self(), sizeof zero, &zero) == 0;
#else
    (void)p;
    return false;
#endif
}

static void unpin(pinning *p)
{
#ifdef __linux__
    if (p->active)
        pthread_setaffinity_np(pthread_self(), sizeof p->saved, &p->saved);
#endif
    p->active = false;
}

/* The process's resident set now, from /proc (0 where there is none). Read outside the
 * timed region: it costs a few microseconds. */
static uint64_t rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, resident = 0;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? (uint64_t)resident * (uint64_t)page : 0;
}

static void sleep_until(double t_s)
{
    struct timespec ts;
    ts.tv_sec = (time_t)t_s;
    ts.tv_nsec = (long)((t_s - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}

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

/* ---- opening ------------------------------------------------------------------------ */

static void fill_options(const soak_config *cfg, tp_streamer_options *o)
{
    memset(o, 0, sizeof *o);
    o->view_distance_chunks = cfg->view;
    for (size_t k = 0; k < BAND_COUNT; k++)
        o->lod_band_m[k] = lod_band_m[k];
    o->budget_bytes = cfg->budget_bytes;
    o->worker_threads = cfg->threads;
    /* Unpaced, ticks come faster than real time: the streamer's clock must then be the
     * ticks' own, or the predictor would see the camera move at absurd speeds. */
    if (!cfg->pace)
        o->flags |= TP_STREAMER_VIRTUAL_CLOCK;
}

static bool open_streamer(const soak_config *cfg, int source, tp_streamer **out)
{
    tp_streamer_options o;
    fill_options(cfg, &o);
    tp_worldfile_clear_detail();
    if (source == SOURCE_FILE) {
        tp_result r = tp_streamer_open(cfg->file, &o, out);
        if (r != TP_OK) {
            char problem[768];
            tp_worldfile_problem(r, cfg->file, problem, sizeof problem);
            fprintf(stderr, "%s: %s: %s\n", COMMAND, cfg->file, problem);
            return false;
        }
        return true;
    }
    /* Generate: the world of the file when one is named (so --compare meets the same
     * terrain), else the default world. */
    tp_world_params world = {0};
    if (cfg->file) {
        tp_reader *reader;
        if (!tp_worldfile_open(COMMAND, cfg->file, &reader))
            return false;
        bool ok = tp_worldfile_world(COMMAND, cfg->file, tp_reader_desc(reader), &world);
        tp_reader_close(reader);
        if (!ok)
            return false;
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

/* ---- the run ------------------------------------------------------------------------ */

/* The map covers every chunk the view can reach: the camera's path, known in advance
 * because the camera is deterministic, plus the view distance around it. */
static bool init_map(const soak_config *cfg, double chunk_m, uint32_t lod_count,
                     const tp_reader *reader, tp_soak_map *map)
{
    tp_soak_camera cam;
    tp_soak_camera_init(&cam, cfg->profile, cfg->seed, 1.0 / cfg->hz, &cfg->path);
    double x0 = cam.x, x1 = cam.x, z0 = cam.z, z1 = cam.z;
    for (uint64_t i = 1; i < cfg->ticks; i++) {
        tp_soak_camera_advance(&cam);
        x0 = fmin(x0, cam.x), x1 = fmax(x1, cam.x);
        z0 = fmin(z0, cam.z), z1 = fmax(z1, cam.z);
    }
    int64_t v = cfg->view;
    int64_t cx0 = chunk_of(x0, chunk_m) - v, cx1 = chunk_of(x1, chunk_m) + v + 1;
    int64_t cz0 = chunk_of(z0, chunk_m) - v, cz1 = chunk_of(z1, chunk_m) + v + 1;
    if (!tp_soak_map_init(map, (int32_t)cx0, (int32_t)cz0, (uint32_t)(cx1 - cx0),
                          (uint32_t)(cz1 - cz0), chunk_m, lod_count))
        return false;
    if (reader) {
        const tp_file_desc *d = tp_reader_desc(reader);
        map->has_region = true;
        map->region = tp_worldfile_region(d);
    }
    return true;
}

/* Frees what a run holds; safe on a zeroed or half-built run. */
static void free_run(soak_run *run)
{
    tp_soak_summary_free(&run->report.summary);
    tp_soak_recorder_free(&run->rec);
    if (run->have_map)
        tp_soak_map_free(&run->map);
}

static int run_soak(const soak_config *cfg, int source, soak_run *run)
{
    memset(run, 0, sizeof *run);
    tp_soak_report *rep = &run->report;
    rep->source = source_names[source];
    rep->file = source == SOURCE_FILE ? cfg->file : NULL;
    rep->profile = cfg->profile_label;
    rep->seed = cfg->seed;
    rep->hz = cfg->hz;
    rep->paced = cfg->pace;
    rep->view_distance = cfg->view;
    const uint32_t side = 2 * cfg->view + 1;
    rep->view_chunks = side * side;
    snprintf(run->label, sizeof run->label, "%s, %s", cfg->profile_label, rep->source);

    tp_streamer *s;
    pinning pin = {0};
    if (cfg->pin && !pin_before_open(&pin)) {
        fprintf(stderr,
                "%s: --pin: cannot pin threads (needs Linux and CPU 0 plus another "
                "CPU in this process's affinity)\n",
                COMMAND);
        return TP_EXIT_FAILURE;
    }
    bool opened = open_streamer(cfg, source, &s);
    if (opened && cfg->pin && !pin_after_open(&pin)) {
        fprintf(stderr, "%s: --pin: cannot move the game thread to CPU 0\n", COMMAND);
        tp_streamer_close(s);
        opened = false;
    }
    if (!opened) {
        unpin(&pin);
        return TP_EXIT_FAILURE;
    }
    rep->pinned = pin.active;
    const tp_world_params *world = tp_streamer_world(s);
    const double chunk_m = world->chunk_size_m;
    const uint32_t lod_count = tp_world_lod_count(world);
    const uint32_t coarsest = lod_count - 1;
    const double dt = 1.0 / cfg->hz;

    int8_t *scan = malloc(rep->view_chunks);
    if (!scan || !tp_soak_recorder_init(&run->rec, cfg->ticks)) {
        free(scan);
        tp_streamer_close(s);
        unpin(&pin);
        free_run(run);
        fprintf(stderr, "%s: out of memory for %" PRIu64 " ticks\n", COMMAND, cfg->ticks);
        return TP_EXIT_FAILURE;
    }
    if (cfg->map) {
        if (!init_map(cfg, chunk_m, lod_count,
                      source == SOURCE_FILE ? tp_streamer_reader(s) : NULL, &run->map)) {
            free(scan);
            tp_streamer_close(s);
            unpin(&pin);
            free_run(run);
            fprintf(stderr, "%s: %s: the camera's area is too large to map\n", COMMAND,
                    cfg->map);
            return TP_EXIT_FAILURE;
        }
        run->have_map = true;
    }

    tp_soak_camera cam;
    tp_soak_camera_init(&cam, cfg->profile, cfg->seed, dt, &cfg->path);
    tp_streamer_stats st;
    struct rusage ru0, ru;
    getrusage(RUSAGE_SELF, &ru0);
    thread_counts game_start, game_end;
    thread_counts_now(&game_start);
    const double cpu0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    const double game0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    double start = now_s(), prev = start;
    double work_s = 0.0; /* the previous tick's work: timed region plus bookkeeping */
    uint64_t oom_updates = 0;
    for (uint64_t tick = 0; tick < cfg->ticks; tick++) {
        if (cfg->pace && tick > 0) {
            /* Sleep to the tick's slot; after a stall longer than a tick, start counting
             * again from now rather than firing a burst of late ticks. */
            double slot = start + (double)tick * dt, t = now_s();
            if (t > slot + dt)
                start += t - slot, slot = t;
            sleep_until(slot);
        }
        if (tick > 0)
            tp_soak_camera_advance(&cam);

        /* ---- timed region: what a game's frame spends on streaming ---- */
        thread_counts k0, k1;
        thread_counts_now(&k0);
        const double c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        const double t0 = now_s();
        const double frame_dt = cfg->pace && tick > 0 ? t0 - prev : dt;
        /* As a game locked to 60 Hz does: report the frame's work, not its 16.7 ms slot
         * (the throttle is for frames that are slow to compute, not for vsync waits). */
        tp_streamer_set_frame_time(s, work_s);
        tp_result r = tp_streamer_update(s, cam.x, cam.z, frame_dt);
        const double t_call = now_s();
        const int32_t ccx = chunk_of(cam.x, chunk_m), ccz = chunk_of(cam.z, chunk_m);
        const int32_t v = (int32_t)cfg->view;
        uint32_t missing = 0, deficit = 0, k = 0;
        for (int32_t cz = ccz - v; cz <= ccz + v; cz++) {
            const double gz = axis_gap(cam.z, cz * chunk_m, (cz + 1) * chunk_m);
            for (int32_t cx = ccx - v; cx <= ccx + v; cx++) {
                const double gx = axis_gap(cam.x, cx * chunk_m, (cx + 1) * chunk_m);
                const int best = tp_streamer_best_lod(s, cx, cz);
                scan[k++] = (int8_t)best;
                if (best < 0)
                    missing++;
                else if (best > wanted_lod(gx * gx + gz * gz, coarsest))
                    deficit++;
            }
        }
        const double t1 = now_s();
        /* ---- end of the timed region ---- */
        const double c1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
        thread_counts_now(&k1);
        prev = t0;

        if (r == TP_ERR_OUT_OF_MEMORY) {
            oom_updates++; /* the streamer retries next frame; counted, reported */
        } else if (r != TP_OK) {
            fprintf(stderr, "%s: update at tick %" PRIu64 " (camera %.1f, %.1f) failed: %s\n",
                    COMMAND, tick, cam.x, cam.z, tp_result_string(r));
            free(scan);
            tp_streamer_close(s);
            unpin(&pin);
            free_run(run);
            return TP_EXIT_FAILURE;
        }
        tp_streamer_get_stats(s, &st);
        tp_soak_tick *rec = tp_soak_recorder_push(&run->rec);
        rec->update_ms = (t1 - t0) * 1e3;
        rec->update_cpu_ms = (c1 - c0) * 1e3;
        rec->call_ms = (t_call - t0) * 1e3;
        rec->waits = clamp16(k1.waits - k0.waits);
        rec->preemptions = clamp16(k1.preemptions - k0.preemptions);
        rec->page_faults = (uint32_t)(k1.faults - k0.faults);
        rec->view_chunks = k;
        rec->missing = missing;
        rec->deficit = deficit;
        rec->move = tick ? cam.last_move : TP_SOAK_MOVE_NONE;
        rec->resident_bytes = st.resident_bytes;
        rec->held_bytes = st.held_bytes;
        rec->rss_bytes = rss_bytes();
        rec->x_m = cam.x;
        rec->z_m = cam.z;
        if (run->have_map) {
            k = 0;
            for (int32_t cz = ccz - v; cz <= ccz + v; cz++)
                for (int32_t cx = ccx - v; cx <= ccx + v; cx++)
                    tp_soak_map_record(&run->map, cx, cz, scan[k++]);
        }
        work_s = now_s() - t0;
    }
    const double cpu1 = clock_s(CLOCK_PROCESS_CPUTIME_ID);
    const double game1 = clock_s(CLOCK_THREAD_CPUTIME_ID);
    thread_counts_now(&game_end);
    const int have_ru = getrusage(RUSAGE_SELF, &ru) == 0; /* before close: the run only */
    rep->wall_s = now_s() - start;
    tp_streamer_get_stats(s, &rep->stats);
    tp_streamer_close(s);
    unpin(&pin);
    free(scan);

    rep->process_cpu_s = cpu1 - cpu0;
    rep->game_cpu_s = game1 - game0;
    rep->worker_cpu_s = fmax(0.0, rep->process_cpu_s - rep->game_cpu_s);
    rep->worker_cpu_us_per_page_in =
        rep->stats.page_ins ? rep->worker_cpu_s * 1e6 / (double)rep->stats.page_ins : 0.0;
    if (have_ru) {
        uint64_t all = (uint64_t)(ru.ru_minflt - ru0.ru_minflt) +
                       (uint64_t)(ru.ru_majflt - ru0.ru_majflt);
        uint64_t game = game_end.faults - game_start.faults;
        rep->worker_page_faults = all > game ? all - game : 0;
        rep->peak_rss_kib = (uint64_t)ru.ru_maxrss;
        rep->voluntary_switches = (uint64_t)(ru.ru_nvcsw - ru0.ru_nvcsw);
        rep->involuntary_switches = (uint64_t)(ru.ru_nivcsw - ru0.ru_nivcsw);
    }
    if (!tp_soak_summarize(run->rec.ticks, run->rec.count, cfg->hitch_ms,
                           rep->stats.budget_bytes, &rep->summary)) {
        free_run(run);
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        return TP_EXIT_FAILURE;
    }
    if (oom_updates)
        fprintf(stderr, "%s: %" PRIu64 " updates ran out of memory (retried)\n", COMMAND,
                oom_updates);
    return TP_EXIT_OK;
}

/* ---- output ------------------------------------------------------------------------- */

static bool write_json(const char *path, const soak_run *runs, int count)
{
    FILE *out = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
    if (!out) {
        fprintf(stderr, "%s: %s: %s\n", COMMAND, path, strerror(errno));
        return false;
    }
    if (count == 1)
        tp_soak_json_object(out, &runs[0].report);
    else
        tp_soak_json_compare(out, &runs[0].report, &runs[1].report);
    fprintf(out, "\n");
    bool ok = !ferror(out);
    if (out != stdout)
        ok = (fclose(out) == 0) && ok;
    else
        fflush(out);
    if (!ok)
        fprintf(stderr, "%s: %s: could not write the JSON report\n", COMMAND, path);
    return ok;
}

/* "soak.png" → "soak-generate.png" for the second run of --compare. */
static void suffixed(const char *path, const char *suffix, char *buf, size_t size)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        dot = path + strlen(path);
    snprintf(buf, size, "%.*s-%s%s", (int)(dot - path), path, suffix, dot);
}

static bool write_outputs(const soak_config *cfg, const soak_run *run, const char *suffix)
{
    char err[768], path[4096];
    bool ok = true;
    if (cfg->csv) {
        if (suffix)
            suffixed(cfg->csv, suffix, path, sizeof path);
        else
            snprintf(path, sizeof path, "%s", cfg->csv);
        FILE *f = fopen(path, "w");
        bool written = f && tp_soak_write_ticks_csv(f, run->rec.ticks, run->rec.count);
        int saved = errno;
        if (f && fclose(f) != 0 && written)
            written = false, saved = errno;
        if (!written) {
            fprintf(stderr, "%s: %s: %s\n", COMMAND, path, strerror(saved));
            ok = false;
        }
    }
    if (cfg->plot) {
        if (suffix)
            suffixed(cfg->plot, suffix, path, sizeof path);
        else
            snprintf(path, sizeof path, "%s", cfg->plot);
        if (tp_soak_plot_write(path, run->rec.ticks, run->rec.count, &run->report.summary,
                               run->label, err, sizeof err) != TP_OK) {
            fprintf(stderr, "%s: %s\n", COMMAND, err);
            ok = false;
        } else if (!cfg->quiet && strcmp(cfg->json ? cfg->json : "", "-") != 0) {
            printf("  timeline: %s\n", path);
        }
    }
    if (cfg->map && run->have_map) {
        if (suffix)
            suffixed(cfg->map, suffix, path, sizeof path);
        else
            snprintf(path, sizeof path, "%s", cfg->map);
        if (tp_soak_map_write(path, &run->map, run->rec.ticks, run->rec.count, err,
                              sizeof err) != TP_OK) {
            fprintf(stderr, "%s: %s\n", COMMAND, err);
            ok = false;
        } else if (!cfg->quiet && strcmp(cfg->json ? cfg->json : "", "-") != 0) {
            printf("  map: %s\n", path);
        }
    }
    return ok;
}

/* ---- command line -------------------------------------------------------------------- */

static void print_help(void)
{
    printf("usage: terrapage soak [WORLD.tpk] [options]\n"
           "\n"
           "Streams a page file around a seeded moving camera, one tick at a time in real\n"
           "time, and measures what a game would see: the cost of the per-frame update\n"
           "(the update call plus a scan of the view square), chunks of the view with no\n"
           "LOD at all (missing) or coarser than their distance asks for (LOD deficit),\n"
           "recovery after teleports, and memory against the streamer's budget.\n"
           "\n"
           "Camera:\n"
           "  -p, --profile NAME    reference (default), walk, sprint, vehicle, flight or\n"
           "                        teleport:\n"
           "                          reference  the original soak test: each tick walks at\n"
           "                                     5 m/s (70%%), sprints at 15 m/s (25%%) or\n"
           "                                     jumps by up to 500 m on x and z (5%%); the\n"
           "                                     heading turns at random on 10%% of ticks\n"
           "                          walk, sprint  5 or 15 m/s, occasional turns\n"
           "                          vehicle    60 m/s towards random waypoints\n"
           "                          flight     300 m/s, long straight legs\n"
           "                          teleport   walks, and jumps every 64 ticks\n"
           "                        every camera starts at (128, 128) m; all but reference\n"
           "                        stay within %.0f km of it\n"
           "      --path FILE.csv   replay a recorded path instead: a header line, then\n"
           "                        t_s,x,z rows (seconds, metres), linearly interpolated\n"
           "  -t, --ticks N         ticks to run (default: %u, or the path's duration)\n"
           "  -s, --seed N          camera seed (default: 1)\n"
           "      --hz N            ticks per second (default: 60)\n"
           "      --no-pace         run ticks back to back instead of in real time (the\n"
           "                        workers then get almost no time: for tests)\n"
           "\n"
           "Streamer:\n"
           "      --view N          view distance in chunks: the (2N+1)^2 square (default: 8)\n"
           "      --budget-mb N     decoded-memory budget in MiB (default: the streamer's,\n"
           "                        the permanent coarsest LOD + 64 MiB)\n"
           "  -j, --threads N       worker threads (default: the streamer's, cores - 1)\n"
           "      --source S        file (default) or generate: no page file, every chunk\n"
           "                        generated on demand by the workers, as the engine\n"
           "                        terrapage replaces did (uses WORLD.tpk's world if given)\n"
           "      --compare         run file, then generate, same camera; side by side,\n"
           "                        then the page-in benchmark on the same file\n"
           "      --hitch-ms N      a tick slower than this is a hitch (default: 2)\n"
           "      --pin             keep the game thread on CPU 0 and the streamer's\n"
           "                        workers off it (Linux; needs 2 CPUs), as games pin\n"
           "                        their main thread: shows what the workers' wake-ups\n"
           "                        cost the game thread when they share a CPU\n"
           "\n"
           "Output:\n"
           "      --json FILE       write the figures as JSON (- for stdout, no table)\n"
           "      --plot FILE.png   timeline: update cost, missing and deficit checks,\n"
           "                        resident MiB per tick\n"
           "      --map FILE.png    top-down map: chunks coloured by the LOD they last had\n"
           "                        in view, camera path over them\n"
           "      --csv FILE        one row per tick: camera, costs, context switches,\n"
           "                        missing and deficit checks, memory\n"
           "                        (with --compare the generate run's pictures and CSV\n"
           "                        get a '-generate' suffix)\n"
           "  -q, --quiet           no table\n"
           "  -h, --help            show this help\n"
           "\n"
           "Aims on a 2-core machine (reference profile): update p99 <= 0.25 ms, max <= 1 ms,\n"
           "no hitches, no missing chunk-checks, resident within budget on every tick.\n"
           "\n"
           "Examples:\n"
           "  terrapage soak world.tpk\n"
           "  terrapage soak world.tpk --profile flight --json flight.json\n"
           "  terrapage soak world.tpk --plot soak.png --map soak-map.png\n"
           "  terrapage soak world.tpk --compare\n",
           TP_SOAK_AREA_M / 1000.0, DEFAULT_TICKS);
}

static int parse_args(int argc, char **argv, soak_config *cfg, bool *help)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"profile", 'p', true, OPT_PROFILE},
        {"path", 0, true, OPT_PATH},
        {"ticks", 't', true, OPT_TICKS},
        {"seed", 's', true, OPT_SEED},
        {"view", 0, true, OPT_VIEW},
        {"budget-mb", 0, true, OPT_BUDGET},
        {"threads", 'j', true, OPT_THREADS},
        {"source", 0, true, OPT_SOURCE},
        {"compare", 0, false, OPT_COMPARE},
        {"json", 0, true, OPT_JSON},
        {"plot", 0, true, OPT_PLOT},
        {"map", 0, true, OPT_MAP},
        {"no-pace", 0, false, OPT_NO_PACE},
        {"hz", 0, true, OPT_HZ},
        {"hitch-ms", 0, true, OPT_HITCH},
        {"quiet", 'q', false, OPT_QUIET},
        {"csv", 0, true, OPT_CSV},
        {"pin", 0, false, OPT_PIN},
        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, COMMAND, argc, argv);
    const char *value, *path_file = NULL;
    bool profile_given = false, ticks_given = false, source_given = false;
    int64_t n;
    double d;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR: return TP_EXIT_USAGE;
        case TP_CLI_POSITIONAL:
            if (cfg->file)
                return tp_cli_error(&cli, "unexpected argument '%s' (one page file only)",
                                    value);
            cfg->file = value;
            break;
        case OPT_HELP: *help = true; break;
        case OPT_PROFILE: {
            int p;
            if (!tp_cli_choice(&cli, value, tp_soak_profile_names, &p))
                return TP_EXIT_USAGE;
            cfg->profile = (tp_soak_profile)p;
            profile_given = true;
            break;
        }
        case OPT_PATH: path_file = value; break;
        case OPT_TICKS:
            if (!tp_cli_int(&cli, value, 1, 100000000, &n))
                return TP_EXIT_USAGE;
            cfg->ticks = (uint64_t)n;
            ticks_given = true;
            break;
        case OPT_SEED:
            if (!tp_cli_seed(&cli, value, &cfg->seed))
                return TP_EXIT_USAGE;
            break;
        case OPT_VIEW:
            if (!tp_cli_int(&cli, value, 1, 64, &n))
                return TP_EXIT_USAGE;
            cfg->view = (uint32_t)n;
            break;
        case OPT_BUDGET:
            if (!tp_cli_double(&cli, value, 0.001, 1048576.0, &d))
                return TP_EXIT_USAGE;
            cfg->budget_bytes = (uint64_t)(d * 1048576.0);
            break;
        case OPT_THREADS:
            if (!tp_cli_int(&cli, value, 1, 256, &n))
                return TP_EXIT_USAGE;
            cfg->threads = (uint32_t)n;
            break;
        case OPT_SOURCE:
            if (!tp_cli_choice(&cli, value, source_names, &cfg->source))
                return TP_EXIT_USAGE;
            source_given = true;
            break;
        case OPT_COMPARE: cfg->compare = true; break;
        case OPT_JSON: cfg->json = value; break;
        case OPT_PLOT: cfg->plot = value; break;
        case OPT_MAP: cfg->map = value; break;
        case OPT_CSV: cfg->csv = value; break;
        case OPT_PIN: cfg->pin = true; break;
        case OPT_NO_PACE: cfg->pace = false; break;
        case OPT_HZ:
            if (!tp_cli_double(&cli, value, 1.0, 1000.0, &cfg->hz))
                return TP_EXIT_USAGE;
            break;
        case OPT_HITCH:
            if (!tp_cli_double(&cli, value, 0.001, 10000.0, &cfg->hitch_ms))
                return TP_EXIT_USAGE;
            break;
        case OPT_QUIET: cfg->quiet = true; break;
        }
    }
    if (*help)
        return TP_EXIT_OK;
    if (path_file && profile_given)
        return tp_cli_error(&cli, "--path and --profile exclude each other (a path is "
                                  "its own camera)");
    if (cfg->compare && source_given)
        return tp_cli_error(&cli, "--compare runs both sources; drop --source");
    if ((cfg->compare || cfg->source == SOURCE_FILE) && !cfg->file)
        return tp_cli_error(&cli,
                            "no page file given (terrapage soak WORLD.tpk; bake one "
                            "with 'terrapage bake'%s)",
                            cfg->compare ? "" : ", or use --source generate");
    const char *outputs[] = {cfg->json, cfg->plot, cfg->map, cfg->csv};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        if (outputs[i] && !*outputs[i])
            return tp_cli_error(&cli, "an output file name is empty");
    if (path_file) {
        char err[512];
        if (!tp_soak_path_load(path_file, &cfg->path, err, sizeof err)) {
            fprintf(stderr, "%s: --path: %s\n", COMMAND, err);
            fprintf(stderr, "Run '%s --help' for usage.\n", COMMAND);
            return TP_EXIT_USAGE;
        }
        cfg->profile = TP_SOAK_PATH;
        cfg->profile_label = path_file;
        if (!ticks_given) {
            const double duration = tp_soak_path_duration(&cfg->path);
            const double t = floor(duration * cfg->hz) + 1.0;
            if (t > 100000000.0) {
                tp_soak_path_free(&cfg->path);
                return tp_cli_error(&cli,
                                    "--path: %s lasts %g s, over 10^8 ticks at %g Hz; "
                                    "give --ticks",
                                    path_file, duration, cfg->hz);
            }
            cfg->ticks = t < 1.0 ? 1u : (uint64_t)t;
        }
    } else {
        cfg->profile_label = tp_soak_profile_names[cfg->profile];
    }
    return TP_EXIT_OK;
}

int tp_cmd_soak(int argc, char **argv)
{
    soak_config cfg = {0};
    cfg.profile = TP_SOAK_REFERENCE;
    cfg.ticks = DEFAULT_TICKS;
    cfg.seed = 1;
    cfg.view = 8;
    cfg.hz = 60.0;
    cfg.hitch_ms = 2.0;
    cfg.pace = true;
    bool help = false;
    int status = parse_args(argc, argv, &cfg, &help);
    if (status != TP_EXIT_OK || help) {
        if (help && status == TP_EXIT_OK)
            print_help();
        tp_soak_path_free(&cfg.path);
        return status;
    }

    const bool table = !cfg.quiet && !(cfg.json && strcmp(cfg.json, "-") == 0);
    soak_run runs[2];
    int count = cfg.compare ? 2 : 1;
    int sources[2] = {cfg.compare ? SOURCE_FILE : cfg.source, SOURCE_GENERATE};
    int done = 0;
    for (int i = 0; i < count; i++) {
        status = run_soak(&cfg, sources[i], &runs[i]);
        if (status != TP_EXIT_OK)
            break;
        done++;
        if (table) {
            tp_soak_print_report(stdout, &runs[i].report);
            if (sources[i] == SOURCE_FILE)
                tp_soak_print_aims(stdout, cfg.profile, &runs[i].report);
        }
        if (!write_outputs(&cfg, &runs[i], cfg.compare && i == 1 ? "generate" : NULL))
            status = TP_EXIT_FAILURE;
        if (table && i + 1 < count)
            printf("\n");
        fflush(stdout);
    }
    if (done == 2 && table) {
        printf("\ncompare, same camera and seed:\n");
        tp_soak_print_compare(stdout, &runs[0].report, &runs[1].report);
        /* Per chunk and LOD, on the same chunks: the page-in benchmark on this file. */
        printf("\n");
        fflush(stdout);
        char *bench_argv[] = {"pagein", (char *)cfg.file, "--chunks", "24", "--runs", "3",
                              NULL};
        if (tp_bench_pagein(6, bench_argv) != TP_EXIT_OK)
            status = TP_EXIT_FAILURE;
    }
    if (done == count && cfg.json && !write_json(cfg.json, runs, count))
        status = TP_EXIT_FAILURE;
    for (int i = 0; i < done; i++)
        free_run(&runs[i]);
    tp_soak_path_free(&cfg.path);
    return status;
}
