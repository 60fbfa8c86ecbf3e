/* bench_teleport.c — `terrapage bench teleport`: frames with holes after the camera
 * jumps outside the baked region, where nothing is permanent and every chunk of the new
 * view must be generated, cold and after warming the destination behind a "loading
 * screen" (tp_streamer_warm() and tp_streamer_readiness()). Real worker threads and real
 * 60 Hz frames, as a game runs them: this is about what a player sees, so it counts
 * frames, and the figures vary with the machine's load. */
#define _POSIX_C_SOURCE 200809L /* nanosleep */

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"
#include "pagefile_open.h"
#include "progress.h"
#include "terrapage/runtime.h"

enum { OPT_TRIALS = TPT_BENCH_OPT_PART };

#define COMMAND "terrapage bench teleport"
#define FRAME_S (1.0 / 60.0)
#define MAX_FRAMES 6000          /* 100 s: any wait longer than this is a failure */
#define JUMP_CHUNKS 64           /* destinations this many chunks beyond the region */
#define MAX_TRIALS 50

static void print_help(void)
{
    printf("usage: terrapage bench teleport [FILE.tpk] [options]\n"
           "\n"
           "Frames with holes (in-view chunks with no LOD at all) after the camera jumps\n"
           "64 chunks beyond the baked region, where every chunk of the new view must be\n"
           "generated: cold (the jump as it comes) and warmed (tp_streamer_warm() on the\n"
           "destination while the camera stays home, updating each frame like a loading\n"
           "screen until tp_streamer_readiness() says ready, then the jump). Also the\n"
           "frames until every chunk has the LOD it wants, and the loading-screen frames.\n"
           "Default options (as the README's loop), real worker threads, frames paced at\n"
           "60 Hz in real time: the figures depend on the machine and its load. Each trial\n"
           "jumps to a different destination and starts from a fresh streamer settled at\n"
           "the region's centre. Without FILE, a 16 x 16-chunk bake of the default world is\n"
           "made in /tmp.\n"
           "\n"
           "Options:\n"
           "      --trials N   destinations, each jumped to cold and warmed (default: 5)\n"
           "      --json       print one JSON object instead of the table\n"
           "  -h, --help       show this help\n");
}

typedef struct teleport_options {
    tpt_bench_options shared;
    int64_t trials;
} teleport_options;

static int parse_options(int argc, char **argv, teleport_options *o)
{
    static const tpt_cli_option options[] = {
        TPT_BENCH_OPTIONS,
        {"trials", 0, true, OPT_TRIALS},
        {0},
    };
    /* --runs is accepted as everywhere, but trials are what repeat here. */
    static const tpt_bench_usage usage = {
        .max_runs = 1, .takes_file = true, .print_help = print_help};
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *o = (teleport_options){.shared.runs = 1, .trials = 5};
    const char *value;
    for (int id, status; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case OPT_TRIALS:
            if (!tpt_cli_int(&cli, value, 1, MAX_TRIALS, &o->trials))
                return TPT_EXIT_USAGE;
            break;
        default:
            status = tpt_bench_option(&cli, &usage, id, value, &o->shared);
            if (status != TPT_CLI_PROCEED)
                return status;
        }
    }
    return TPT_CLI_PROCEED;
}

/* One 60 Hz frame: update, then sleep to the frame's end (the wait for vsync). */
typedef struct pacer {
    double next_s;
} pacer;

static bool frame(tp_streamer *s, pacer *p, double x, double z, tp_streamer_stats *st)
{
    if (tp_streamer_update(s, x, z, FRAME_S) != TP_OK) {
        fprintf(stderr, "%s: update: %s\n", COMMAND, tp_error_detail());
        return false;
    }
    tp_streamer_get_stats(s, st);
    p->next_s += FRAME_S;
    double wait = p->next_s - tpt_progress_seconds();
    if (wait > 0.0) {
        struct timespec ts = {(time_t)wait, (long)((wait - floor(wait)) * 1e9)};
        nanosleep(&ts, NULL);
    } else {
        p->next_s = tpt_progress_seconds(); /* late: no catching up */
    }
    return true;
}

typedef struct trial {
    int hole_frames;      /* frames after the jump with in_view_missing > 0 */
    int deficit_frames;   /* … until no chunk of the view is coarser than wanted */
    int loading_frames;   /* warmed: frames waited before the jump */
    uint64_t missing_checks; /* in-view chunk-frames with no LOD, after the jump */
} trial;

static bool open_settled(const char *path, double x, double z, tp_streamer **s, pacer *p)
{
    tpt_pagefile_clear_detail();
    tp_result r = tp_streamer_open(path, NULL, s);
    if (r != TP_OK) {
        char problem[768];
        tpt_pagefile_problem(r, path, problem, sizeof problem);
        fprintf(stderr, "%s: %s: %s\n", COMMAND, path, problem);
        return false;
    }
    p->next_s = tpt_progress_seconds();
    tp_streamer_stats st;
    for (int i = 0; i < MAX_FRAMES; i++) {
        if (!frame(*s, p, x, z, &st))
            return false;
        if (st.in_view_missing == 0 && st.in_view_coarser == 0 && st.queue_depth == 0 &&
            st.in_flight == 0)
            return true;
    }
    fprintf(stderr, "%s: %s: the view at home did not settle\n", COMMAND, path);
    return false;
}

/* Settles at home, optionally warms (x, z) and waits for it, jumps, and counts. */
static bool run_trial(const char *path, double hx, double hz, double x, double z, bool warm,
                      trial *t)
{
    tp_streamer *s;
    pacer p;
    memset(t, 0, sizeof *t);
    if (!open_settled(path, hx, hz, &s, &p)) {
        tp_streamer_close(s);
        return false;
    }
    tp_streamer_stats st;
    bool ok = true;
    if (warm) {
        tp_streamer_ready ready = {0};
        if (tp_streamer_warm(s, x, z) != TP_OK)
            ok = false;
        while (ok && tp_streamer_readiness(s, x, z, &ready) == TP_OK && !ready.ready) {
            if (++t->loading_frames > MAX_FRAMES || !frame(s, &p, hx, hz, &st))
                ok = false;
        }
    }
    for (int i = 0; ok && i < MAX_FRAMES; i++) {
        ok = frame(s, &p, x, z, &st);
        t->missing_checks += st.in_view_missing;
        if (st.in_view_missing > 0)
            t->hole_frames = i + 1;
        if (st.in_view_coarser > 0 || st.in_view_missing > 0)
            t->deficit_frames = i + 1;
        else if (i >= t->deficit_frames + 30)
            break; /* half a second without a deficit: done */
    }
    tp_streamer_close(s);
    if (!ok)
        fprintf(stderr, "%s: %s: a trial failed\n", COMMAND, path);
    return ok;
}

typedef struct teleport_figures {
    int trials;
    trial cold[MAX_TRIALS], warm[MAX_TRIALS];
} teleport_figures;

static int measure(const teleport_options *o, const char *path, teleport_figures *f)
{
    tp_reader *reader;
    if (!tpt_pagefile_open(COMMAND, path, &reader))
        return TPT_EXIT_FAILURE;
    const tp_file_desc *d = tp_reader_desc(reader);
    const double size = d->chunk_size_m;
    const double hx = (d->region_x0 + d->region_width / 2.0) * size;
    const double hz = (d->region_z0 + d->region_height / 2.0) * size;
    const double east = (d->region_x0 + (double)d->region_width + JUMP_CHUNKS) * size;
    tp_reader_close(reader);
    f->trials = (int)o->trials;
    tpt_progress progress;
    tpt_progress_begin(&progress, "teleport", "jumps", 2 * (uint64_t)f->trials,
                       TPT_PROGRESS_AUTO, stderr);
    for (int i = 0; i < f->trials; i++) {
        /* Destinations in a column beyond the east edge, far apart. */
        double x = east + 0.5 * size, z = hz + (double)(i * 3 * JUMP_CHUNKS) * size;
        if (!run_trial(path, hx, hz, x, z, false, &f->cold[i]) ||
            !run_trial(path, hx, hz, x, z, true, &f->warm[i])) {
            tpt_progress_abandon(&progress);
            return TPT_EXIT_FAILURE;
        }
        tpt_progress_update(&progress, 2 * (uint64_t)(i + 1));
    }
    tpt_progress_end(&progress);
    return TPT_EXIT_OK;
}

static void column(const trial *t, int n, size_t field, double *out_median, int *out_max)
{
    double v[MAX_TRIALS];
    int max = 0;
    for (int i = 0; i < n; i++) {
        int x = *(const int *)((const char *)&t[i] + field);
        v[i] = x;
        max = x > max ? x : max;
    }
    *out_median = tpt_bench_median(v, n);
    *out_max = max;
}

static json_t *trials_json(const trial *t, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, json_pack("{s:i, s:i, s:i, s:I}", "hole_frames",
                                           t[i].hole_frames, "deficit_frames",
                                           t[i].deficit_frames, "loading_frames",
                                           t[i].loading_frames, "missing_checks",
                                           (json_int_t)t[i].missing_checks));
    return a;
}

static const char *source_name(const teleport_options *o)
{
    return o->shared.path ? o->shared.path : "a 16x16-chunk bake of the default world";
}

static void report_text(const teleport_options *o, const teleport_figures *f)
{
    printf("bench teleport: %s, %d jumps 64 chunks beyond the region, default options, "
           "60 Hz real time (machine load matters)\n",
           source_name(o), f->trials);
    printf("  %-8s %24s %26s %22s\n", "", "frames with holes", "frames until no deficit",
           "loading-screen frames");
    printf("  %-8s %12s %11s %14s %11s %11s %10s\n", "", "median", "max", "median", "max",
           "median", "max");
    for (int w = 0; w < 2; w++) {
        const trial *t = w ? f->warm : f->cold;
        double hm, dm, lm;
        int hx, dx, lx;
        column(t, f->trials, offsetof(trial, hole_frames), &hm, &hx);
        column(t, f->trials, offsetof(trial, deficit_frames), &dm, &dx);
        column(t, f->trials, offsetof(trial, loading_frames), &lm, &lx);
        printf("  %-8s %12.1f %11d %14.1f %11d %11.1f %10d\n", w ? "warmed" : "cold", hm, hx,
               dm, dx, lm, lx);
    }
    printf("  per trial, cold / warmed holes:");
    for (int i = 0; i < f->trials; i++)
        printf(" %d/%d", f->cold[i].hole_frames, f->warm[i].hole_frames);
    printf("\n");
}

int tpt_bench_part_teleport(int argc, char **argv, json_t **out_json)
{
    teleport_options o;
    int status = parse_options(argc, argv, &o);
    if (status != TPT_CLI_PROCEED)
        return status;
    char made[256] = "";
    const char *path = o.shared.path;
    if (!path) {
        if (!tpt_bench_bake_small_world(COMMAND, made, sizeof made))
            return TPT_EXIT_FAILURE;
        path = made;
    }
    teleport_figures *f = calloc(1, sizeof *f);
    if (!f) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        status = TPT_EXIT_FAILURE;
    } else {
        status = measure(&o, path, f);
    }
    if (made[0])
        unlink(made);
    if (status == TPT_EXIT_OK) {
        if (o.shared.json)
            status = tpt_bench_emit(
                json_pack("{s:s, s:o, s:i, s:o, s:o}", "benchmark", "teleport", "file",
                          tpt_json_text(source_name(&o)), "trials", f->trials, "cold",
                          trials_json(f->cold, f->trials), "warmed",
                          trials_json(f->warm, f->trials)),
                out_json);
        else
            report_text(&o, f);
    }
    free(f);
    return status;
}
