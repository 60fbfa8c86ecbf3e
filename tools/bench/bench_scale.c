/* bench_scale.c — `terrapage bench scale`: what opening a page file costs the runtime,
 * and what the first update after a teleport costs, for worlds of any size. Opening
 * must cost the same for a world of 4 K chunks and one of a million (it reads the header
 * and the block table and decodes no page), and the update that lands the camera
 * somewhere new reads the coarsest LOD of its whole view itself, so that the view has
 * no hole: both are measured here, per file, side by side. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, nanosleep, getpid */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"
#include "process_memory.h"
#include "terrapage/runtime.h"

enum { OPT_TELEPORTS = TPT_BENCH_OPT_PART, OPT_VIEW, OPT_MMAP };

#define COMMAND "terrapage bench scale"
#define MAX_FILES 16
#define MAX_TELEPORTS 1000
#define SETTLE_UPDATES 8   /* frames between two teleports, so workers refine the view */
#define SETTLE_SLEEP_MS 2  /* … each followed by a short pause, as between game frames */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of this thread: what the update cost, whatever else the machine is doing. */
static double thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {0, (long)ms * 1000000L};
    nanosleep(&ts, NULL);
}

/* Everything the streamer allocates goes through here: the bytes it holds are exact. */
typedef struct counting_allocator {
    uint64_t outstanding, peak;
} counting_allocator;

static void *count_alloc(void *user, size_t size)
{
    counting_allocator *a = user;
    void *p = malloc(size);
    if (p) {
        a->outstanding += size;
        a->peak = a->outstanding > a->peak ? a->outstanding : a->peak;
    }
    return p;
}

static void count_free(void *user, void *p, size_t size)
{
    counting_allocator *a = user;
    if (p)
        a->outstanding -= size;
    free(p);
}

typedef struct scale_options {
    tpt_bench_options shared;
    const char *paths[MAX_FILES];
    int path_count;
    int64_t teleports, view_distance;
    bool mapped;
} scale_options;

/* The figures of one file: medians (and extremes) over runs and teleports. */
typedef struct file_figures {
    const char *path;
    uint64_t chunks;                       /* the region the header declares */
    double open_ms_median, open_ms_min, open_ms_max;
    uint64_t alloc_bytes;                  /* the streamer's own, after open (every run) */
    uint64_t held_bytes;                   /* decoded bytes counted against the budget */
    uint64_t page_ins_at_open;
    uint64_t rss_delta_median, rss_delta_max; /* the process's resident set, open − before */
    int teleports;
    double tick_ms_median, tick_ms_p90, tick_ms_max;          /* wall */
    double tick_cpu_ms_median, tick_cpu_ms_p90, tick_cpu_ms_max;
    double coarse_reads_median;            /* coarsest LODs the tick read itself */
    uint64_t missing_after_tick;           /* in-view chunks without a LOD, summed */
} file_figures;

static void print_help(void)
{
    printf("usage: terrapage bench scale [FILE.tpk ...] [options]\n"
           "\n"
           "What the runtime pays to open each page file, and for the first update after\n"
           "a teleport. For each FILE, --runs times: the wall time of tp_streamer_open()\n"
           "(pread, the default I/O, unless --mmap), the bytes the streamer allocated for\n"
           "it (exact, through a counting allocator), the decoded bytes it holds against\n"
           "its budget, and the process's resident set after the open minus before (the\n"
           "reader's block table included). Then, on one open streamer, --teleports jumps\n"
           "to spots spread over the region (the view inside it where it fits): the wall\n"
           "and CPU time of the update that lands there, which reads the coarsest LOD of\n"
           "every baked chunk of the new view itself, how many it read, and how many\n"
           "in-view chunks were left without any LOD. Between jumps the streamer runs a\n"
           "few frames. Without FILE, a 16 x 16-chunk bake of the default world is made in\n"
           "/tmp. To compare sizes, bake them first, e.g. (small samples, no meshes,\n"
           "to bake a million chunks in minutes):\n"
           "  terrapage bake --samples 17 --no-meshes --region -128,-128,128,128 -o 65k.tpk\n"
           "  terrapage bake --samples 9 --no-meshes --region -512,-512,512,512 -o 1m.tpk\n"
           "\n"
           "Options:\n"
           "      --teleports N  jumps per file (default: 32)\n"
           "      --view N       view distance in chunks (default: 8, the streamer's)\n"
           "      --mmap         open with TP_STREAMER_MMAP instead of pread (the default)\n"
           "      --runs N       opens per file (default: 5)\n"
           "      --json         print one JSON object instead of the table\n"
           "  -h, --help         show this help\n");
}

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, scale_options *o)
{
    static const tpt_cli_option options[] = {
        TPT_BENCH_OPTIONS,
        {"teleports", 0, true, OPT_TELEPORTS},
        {"view", 0, true, OPT_VIEW},
        {"mmap", 0, false, OPT_MMAP},
        {0},
    };
    static const tpt_bench_usage usage = {
        .max_runs = 100, .takes_file = false, .print_help = print_help};
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *o = (scale_options){.shared.runs = 5, .teleports = 32, .view_distance = 8};
    const char *value;
    for (int id, status; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case TPT_CLI_POSITIONAL:
            if (o->path_count == MAX_FILES)
                return tpt_cli_error(&cli, "at most %d files", MAX_FILES);
            o->paths[o->path_count++] = value;
            break;
        case OPT_MMAP: o->mapped = true; break;
        case OPT_TELEPORTS:
            if (!tpt_cli_int(&cli, value, 1, MAX_TELEPORTS, &o->teleports))
                return TPT_EXIT_USAGE;
            break;
        case OPT_VIEW:
            if (!tpt_cli_int(&cli, value, 1, 64, &o->view_distance))
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

/* Opens `path` with the counting allocator `a`. NULL (reported) on failure. */
static tp_streamer *open_counted(const scale_options *o, const char *path,
                                 counting_allocator *a, double *out_open_ms)
{
    *a = (counting_allocator){0, 0};
    tp_streamer_options so = {0};
    so.view_distance_chunks = (uint32_t)o->view_distance;
    so.allocator = (tp_streamer_allocator){count_alloc, count_free, a};
    so.flags = o->mapped ? TP_STREAMER_MMAP : 0;
    tp_streamer *s = NULL;
    const double t0 = now_s();
    tp_result r = tp_streamer_open(path, &so, &s);
    *out_open_ms = (now_s() - t0) * 1e3;
    if (r != TP_OK) {
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
        return NULL;
    }
    return s;
}

static double chunk_centre_m(int64_t c, double chunk_m)
{
    return ((double)c + 0.5) * chunk_m;
}

/* Spot k of n, spread over the region by a stride coprime with its size (the view
 * inside the region where the region is large enough). */
static void teleport_spot(const tp_file_desc *d, int64_t view, int k, int64_t *cx,
                          int64_t *cz)
{
    int64_t w = d->region_width, h = d->region_height, x0 = d->region_x0, z0 = d->region_z0;
    if (w > 2 * view + 1)
        x0 += view, w -= 2 * view;
    if (h > 2 * view + 1)
        z0 += view, h -= 2 * view;
    const uint64_t cells = (uint64_t)w * (uint64_t)h;
    const uint64_t i = ((uint64_t)k * 7919u * 104729u + cells / 3u) % cells;
    *cx = x0 + (int64_t)(i % (uint64_t)w);
    *cz = z0 + (int64_t)(i / (uint64_t)w);
}

/* The teleports on one open streamer. @return false (reported) on failure. */
static bool measure_teleports(const scale_options *o, tp_streamer *s, file_figures *f)
{
    const tp_file_desc *d = tp_reader_desc(tp_streamer_reader(s));
    const double chunk_m = tp_streamer_world(s)->chunk_size_m;
    const uint32_t coarsest = tp_world_lod_count(tp_streamer_world(s)) - 1;
    double tick_ms[MAX_TELEPORTS], tick_cpu_ms[MAX_TELEPORTS], reads[MAX_TELEPORTS];
    tp_streamer_stats st;
    for (int k = 0; k < (int)o->teleports; k++) {
        int64_t cx, cz;
        teleport_spot(d, o->view_distance, k, &cx, &cz);
        const double x = chunk_centre_m(cx, chunk_m), z = chunk_centre_m(cz, chunk_m);
        tp_streamer_get_stats(s, &st);
        const uint64_t coarse_before = st.page_ins_by_lod[coarsest];
        const double t0 = now_s(), c0 = thread_cpu_s();
        tp_result r = tp_streamer_update(s, x, z, 1.0 / 60.0);
        tick_cpu_ms[k] = (thread_cpu_s() - c0) * 1e3;
        tick_ms[k] = (now_s() - t0) * 1e3;
        if (r != TP_OK) {
            fprintf(stderr, "%s: %s: update: %s\n", COMMAND, f->path, tp_error_detail());
            return false;
        }
        tp_streamer_get_stats(s, &st);
        reads[k] = (double)(st.page_ins_by_lod[coarsest] - coarse_before);
        f->missing_after_tick += st.in_view_missing;
        for (int i = 0; i < SETTLE_UPDATES; i++) {
            sleep_ms(SETTLE_SLEEP_MS);
            if (tp_streamer_update(s, x, z, 1.0 / 60.0) != TP_OK) {
                fprintf(stderr, "%s: %s: update: %s\n", COMMAND, f->path, tp_error_detail());
                return false;
            }
        }
    }
    const int n = (int)o->teleports, p90 = (n * 9) / 10;
    f->teleports = n;
    f->tick_ms_median = tpt_bench_median(tick_ms, n); /* sorts */
    f->tick_ms_p90 = tick_ms[p90];
    f->tick_ms_max = tick_ms[n - 1];
    f->tick_cpu_ms_median = tpt_bench_median(tick_cpu_ms, n);
    f->tick_cpu_ms_p90 = tick_cpu_ms[p90];
    f->tick_cpu_ms_max = tick_cpu_ms[n - 1];
    f->coarse_reads_median = tpt_bench_median(reads, n);
    return true;
}

static uint64_t median_u64(double *v, int n)
{
    return (uint64_t)tpt_bench_median(v, n);
}

/* Opens `path` --runs times, then measures the teleports on one more open. */
static bool measure_file(const scale_options *o, const char *path, file_figures *f)
{
    const int runs = (int)o->shared.runs;
    double open_ms[100], rss[100];
    memset(f, 0, sizeof *f);
    f->path = path;
    counting_allocator a;
    for (int run = 0; run < runs; run++) {
        const uint64_t rss_before = tpt_process_rss_bytes();
        double ms;
        tp_streamer *s = open_counted(o, path, &a, &ms);
        if (!s)
            return false;
        const uint64_t rss_after = tpt_process_rss_bytes();
        tp_streamer_stats st;
        tp_streamer_get_stats(s, &st);
        open_ms[run] = ms;
        rss[run] = rss_after > rss_before ? (double)(rss_after - rss_before) : 0.0;
        f->alloc_bytes = a.outstanding > f->alloc_bytes ? a.outstanding : f->alloc_bytes;
        f->held_bytes = st.held_bytes;
        f->page_ins_at_open = st.page_ins;
        const tp_file_desc *d = tp_reader_desc(tp_streamer_reader(s));
        f->chunks = (uint64_t)d->region_width * d->region_height;
        tp_streamer_close(s);
    }
    f->open_ms_median = tpt_bench_median(open_ms, runs);
    f->open_ms_min = open_ms[0];
    f->open_ms_max = open_ms[runs - 1];
    f->rss_delta_median = median_u64(rss, runs);
    f->rss_delta_max = (uint64_t)rss[runs - 1];

    double ms;
    tp_streamer *s = open_counted(o, path, &a, &ms);
    if (!s)
        return false;
    bool ok = measure_teleports(o, s, f);
    tp_streamer_close(s);
    return ok;
}

static json_t *report_json(const scale_options *o, const file_figures *f, int n)
{
    json_t *files = json_array();
    for (int i = 0; i < n; i++) {
        const file_figures *x = &f[i];
        json_array_append_new(
            files,
            json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, "
                      "s:o, s:o, s:o, s:o, s:o, s:o}",
                      "file", tpt_json_text(x->path),
                      "chunks", tpt_json_u64(x->chunks),
                      "open_ms", tpt_json_real(x->open_ms_median, 3),
                      "open_ms_min", tpt_json_real(x->open_ms_min, 3),
                      "open_ms_max", tpt_json_real(x->open_ms_max, 3),
                      "alloc_bytes", tpt_json_u64(x->alloc_bytes),
                      "held_bytes", tpt_json_u64(x->held_bytes),
                      "page_ins_at_open", tpt_json_u64(x->page_ins_at_open),
                      "rss_delta_bytes", tpt_json_u64(x->rss_delta_median),
                      "rss_delta_bytes_max", tpt_json_u64(x->rss_delta_max),
                      "teleport_tick_ms", tpt_json_real(x->tick_ms_median, 3),
                      "teleports", x->teleports,
                      "teleport_tick_ms_p90", tpt_json_real(x->tick_ms_p90, 3),
                      "teleport_tick_ms_max", tpt_json_real(x->tick_ms_max, 3),
                      "teleport_tick_cpu_ms", tpt_json_real(x->tick_cpu_ms_median, 3),
                      "teleport_tick_cpu_ms_p90", tpt_json_real(x->tick_cpu_ms_p90, 3),
                      "teleport_tick_cpu_ms_max", tpt_json_real(x->tick_cpu_ms_max, 3),
                      "coarse_reads_per_tick", tpt_json_real(x->coarse_reads_median, 1),
                      "missing_after_ticks", tpt_json_u64(x->missing_after_tick),
                      "view_distance", tpt_json_u64((uint64_t)o->view_distance)));
    }
    return json_pack("{s:s, s:s, s:i, s:o}", "benchmark", "scale", "io",
                     o->mapped ? "mmap" : "pread", "runs",
                     (int)o->shared.runs, "files", files);
}

static void report_text(const scale_options *o, const file_figures *f, int n)
{
    printf("bench scale: open (median [min-max] of %d runs, %s, wall time) and the first\n"
           "update after a teleport (%d per file, view distance %d; wall and CPU time)\n",
           (int)o->shared.runs, o->mapped ? "mmap" : "pread", (int)o->teleports,
           (int)o->view_distance);
    printf("  %-12s %9s %22s %10s %9s %9s  %22s %22s %6s %7s\n", "file", "chunks",
           "open ms", "alloc KiB", "held KiB", "RSS+ KiB", "tick ms (med/p90/max)",
           "tick CPU ms", "reads", "missing");
    for (int i = 0; i < n; i++) {
        const file_figures *x = &f[i];
        char open[48], tick[48], cpu[48];
        snprintf(open, sizeof open, "%.3f [%.3f-%.3f]", x->open_ms_median, x->open_ms_min,
                 x->open_ms_max);
        snprintf(tick, sizeof tick, "%.3f/%.3f/%.3f", x->tick_ms_median, x->tick_ms_p90,
                 x->tick_ms_max);
        snprintf(cpu, sizeof cpu, "%.3f/%.3f/%.3f", x->tick_cpu_ms_median, x->tick_cpu_ms_p90,
                 x->tick_cpu_ms_max);
        const char *name = strrchr(x->path, '/') ? strrchr(x->path, '/') + 1 : x->path;
        printf("  %-12s %9llu %22s %10.1f %9.1f %9.1f  %22s %22s %6.0f %7llu\n", name,
               (unsigned long long)x->chunks, open, (double)x->alloc_bytes / 1024.0,
               (double)x->held_bytes / 1024.0, (double)x->rss_delta_median / 1024.0, tick, cpu,
               x->coarse_reads_median, (unsigned long long)x->missing_after_tick);
    }
    printf("  alloc: what the streamer allocated (scratch, pools, job staging); held: of it,\n"
           "  decoded bytes against the budget; RSS+: the process after the open minus\n"
           "  before; reads: coarsest LODs the teleport's update read itself; missing:\n"
           "  in-view chunks left without any LOD by those updates, summed\n");
}

int tpt_bench_part_scale(int argc, char **argv, json_t **out_json)
{
    scale_options o;
    int status = parse_options(argc, argv, &o);
    if (status != TPT_CLI_PROCEED)
        return status;
    char made[256] = "";
    if (o.path_count == 0) {
        if (!tpt_bench_bake_small_world(COMMAND, made, sizeof made))
            return TPT_EXIT_FAILURE;
        o.paths[o.path_count++] = made;
    }
    file_figures f[MAX_FILES];
    status = TPT_EXIT_OK;
    int measured = 0;
    for (; measured < o.path_count; measured++)
        if (!measure_file(&o, o.paths[measured], &f[measured])) {
            status = TPT_EXIT_FAILURE;
            break;
        }
    if (made[0])
        unlink(made);
    if (status != TPT_EXIT_OK)
        return status;
    if (o.shared.json)
        return tpt_bench_emit(report_json(&o, f, measured), out_json);
    report_text(&o, f, measured);
    return TPT_EXIT_OK;
}
