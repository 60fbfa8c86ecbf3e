/* bench_query.c — `terrapage bench query`: what a game pays to ask the streamer about its
 * ground each frame — a height (and normal) under a point, and a ray cast — on the
 * meshes a settled 17 × 17-chunk view holds (every LOD of the file, from LOD 0 around
 * the camera to the coarsest at the edge of the view). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"
#include "pagefile_open.h"
#include "terrapage/runtime.h"

enum { OPT_POINTS = TPT_BENCH_OPT_PART };

#define COMMAND "terrapage bench query"
#define EYE_ABOVE_GROUND_M 50.0 /* the rays start this far above the ground */
#define RAY_REACH_M 1000.0      /* … towards a point of the ground at most this far off */
#define SETTLE_UPDATES 100000

static void print_help(void)
{
    printf("usage: terrapage bench query [FILE.tpk] [options]\n"
           "\n"
           "CPU time of the streamer's surface queries, on one core: tp_streamer_height_at()\n"
           "(height and normal of the drawn mesh under a point) at random points of the\n"
           "view, and tp_streamer_raycast() from 50 m above the ground at a random point\n"
           "towards another point of the ground within 1 km (ray length 2 km). The camera\n"
           "stands at the centre of the file's region, the streamer settled (deterministic\n"
           "mode: every chunk of the 17 x 17 view at the LOD its distance asks for). The\n"
           "first pass also builds the triangle grids the queries keep (reported apart);\n"
           "then medians over --runs passes. Without FILE, a 16 x 16-chunk bake of the\n"
           "default world is made in /tmp.\n"
           "\n"
           "Options:\n"
           "      --points N   queries of each kind per pass (default: 2000)\n"
           "      --runs N     passes (default: 5)\n"
           "      --json       print one JSON object instead of the table\n"
           "  -h, --help       show this help\n");
}

typedef struct query_options {
    tpt_bench_options shared; /* path NULL: a bake of the default world */
    int64_t points;
} query_options;

static int parse_options(int argc, char **argv, query_options *o)
{
    static const tpt_cli_option options[] = {
        TPT_BENCH_OPTIONS,
        {"points", 0, true, OPT_POINTS},
        {0},
    };
    static const tpt_bench_usage usage = {
        .max_runs = 100, .takes_file = true, .print_help = print_help};
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *o = (query_options){.shared.runs = 5, .points = 2000};
    const char *value;
    for (int id, status; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case OPT_POINTS:
            if (!tpt_cli_int(&cli, value, 1, 10000000, &o->points))
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

typedef struct query_figures {
    uint32_t view_chunks, lods_in_view;
    double height_us, ray_us;             /* medians, CPU µs per query */
    double height_first_us, ray_first_us; /* the first pass, grids built on the way */
    double ray_hit_fraction;
    uint64_t grid_bytes;                  /* the grids' share of scratch_bytes */
} query_figures;

static uint64_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 11;
}

static double uniform(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * ((double)lcg(state) / 9007199254740992.0);
}

static bool open_settled(const char *path, double x, double z, tp_streamer **out)
{
    tp_streamer_options o = {0};
    o.flags = TP_STREAMER_DETERMINISTIC;
    tpt_pagefile_clear_detail();
    tp_result r = tp_streamer_open(path, &o, out);
    if (r != TP_OK) {
        char problem[768];
        tpt_pagefile_problem(r, path, problem, sizeof problem);
        fprintf(stderr, "%s: %s: %s\n", COMMAND, path, problem);
        return false;
    }
    tp_streamer_stats st;
    for (int i = 0; i < SETTLE_UPDATES; i++) {
        if ((r = tp_streamer_update(*out, x, z, 1.0 / 60.0)) != TP_OK) {
            fprintf(stderr, "%s: %s: update: %s\n", COMMAND, path, tp_error_detail());
            return false;
        }
        tp_streamer_get_stats(*out, &st);
        if (st.in_view_coarser == 0 && st.in_view_missing == 0 && st.queue_depth == 0 &&
            st.in_flight == 0)
            return true;
    }
    fprintf(stderr, "%s: %s: the view did not settle\n", COMMAND, path);
    return false;
}

typedef struct ray {
    double o[3], d[3];
} ray;

static int count_lods(void *user, const tp_chunk_view *v)
{
    ((uint32_t *)user)[v->lod]++;
    return 0;
}

static int measure(const query_options *o, const char *path, query_figures *f)
{
    tp_reader *reader;
    if (!tpt_pagefile_open(COMMAND, path, &reader))
        return TPT_EXIT_FAILURE;
    const tp_file_desc *desc = tp_reader_desc(reader);
    const double x = (desc->region_x0 + desc->region_width / 2.0) * desc->chunk_size_m;
    const double z = (desc->region_z0 + desc->region_height / 2.0) * desc->chunk_size_m;
    tp_reader_close(reader);
    tp_streamer *s;
    if (!open_settled(path, x, z, &s))
        return TPT_EXIT_FAILURE;
    tp_streamer_options opt;
    tp_streamer_get_options(s, &opt);
    const tp_world_params *w = tp_streamer_world(s);
    const double reach = (opt.view_distance_chunks + 0.5) * w->chunk_size_m;
    uint32_t lods[TP_MAX_LODS] = {0};
    f->view_chunks = (uint32_t)tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, count_lods, lods);
    for (uint32_t k = 0; k < TP_MAX_LODS; k++)
        f->lods_in_view += lods[k] > 0;

    const size_t n = (size_t)o->points;
    double *px = malloc(n * sizeof *px), *pz = malloc(n * sizeof *pz);
    ray *rays = malloc(n * sizeof *rays);
    double *h_us = malloc((size_t)o->shared.runs * sizeof *h_us);
    double *r_us = malloc((size_t)o->shared.runs * sizeof *r_us);
    int status = TPT_EXIT_FAILURE;
    if (!px || !pz || !rays || !h_us || !r_us) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        goto done;
    }
    uint64_t rng = 2024;
    for (size_t i = 0; i < n; i++)
        px[i] = uniform(&rng, x - reach, x + reach), pz[i] = uniform(&rng, z - reach, z + reach);

    /* First pass: heights at the random points, building grids on the way. */
    tp_surface_hit hit;
    double t0 = tpt_bench_thread_cpu_s();
    for (size_t i = 0; i < n; i++)
        if (tp_streamer_height_at(s, px[i], pz[i], &hit) == TP_OK)
            tpt_bench_sink += (uint64_t)hit.position_m[1];
    f->height_first_us = (tpt_bench_thread_cpu_s() - t0) * 1e6 / (double)n;

    /* Rays from above the ground at one point towards the ground at another. */
    for (size_t i = 0; i < n; i++) {
        double ax = px[i], az = pz[i];
        double bx = ax + uniform(&rng, -RAY_REACH_M, RAY_REACH_M);
        double bz = az + uniform(&rng, -RAY_REACH_M, RAY_REACH_M);
        tp_surface_hit a, b;
        if (tp_streamer_height_at(s, ax, az, &a) != TP_OK ||
            tp_streamer_height_at(s, bx, bz, &b) != TP_OK) {
            ax = x, az = z, bx = x + 1.0, bz = z;
            tp_streamer_height_at(s, ax, az, &a);
            tp_streamer_height_at(s, bx, bz, &b);
        }
        ray *r = &rays[i];
        r->o[0] = ax, r->o[1] = a.position_m[1] + EYE_ABOVE_GROUND_M, r->o[2] = az;
        r->d[0] = bx - ax, r->d[1] = b.position_m[1] - r->o[1], r->d[2] = bz - az;
    }
    uint64_t hits = 0;
    t0 = tpt_bench_thread_cpu_s();
    for (size_t i = 0; i < n; i++)
        hits += tp_streamer_raycast(s, rays[i].o, rays[i].d, 2.0 * RAY_REACH_M, &hit) == TP_OK;
    f->ray_first_us = (tpt_bench_thread_cpu_s() - t0) * 1e6 / (double)n;
    f->ray_hit_fraction = (double)hits / (double)n;

    for (int run = 0; run < (int)o->shared.runs; run++) {
        t0 = tpt_bench_thread_cpu_s();
        for (size_t i = 0; i < n; i++)
            if (tp_streamer_height_at(s, px[i], pz[i], &hit) == TP_OK)
                tpt_bench_sink += (uint64_t)hit.position_m[1];
        double t1 = tpt_bench_thread_cpu_s();
        for (size_t i = 0; i < n; i++)
            if (tp_streamer_raycast(s, rays[i].o, rays[i].d, 2.0 * RAY_REACH_M, &hit) == TP_OK)
                tpt_bench_sink += (uint64_t)hit.distance_m;
        double t2 = tpt_bench_thread_cpu_s();
        h_us[run] = (t1 - t0) * 1e6 / (double)n;
        r_us[run] = (t2 - t1) * 1e6 / (double)n;
    }
    f->height_us = tpt_bench_median(h_us, (int)o->shared.runs);
    f->ray_us = tpt_bench_median(r_us, (int)o->shared.runs);
    tp_streamer_stats st, base;
    tp_streamer_get_stats(s, &st);
    tp_streamer_close(s);
    /* The grids' memory: scratch now against a streamer that has answered nothing. */
    if (!open_settled(path, x, z, &s))
        goto done;
    tp_streamer_get_stats(s, &base);
    tp_streamer_close(s);
    f->grid_bytes = st.scratch_bytes - base.scratch_bytes;
    status = TPT_EXIT_OK;
done:
    free(px), free(pz), free(rays), free(h_us), free(r_us);
    return status;
}

static const char *source_name(const query_options *o)
{
    return o->shared.path ? o->shared.path : "a 16x16-chunk bake of the default world";
}

static json_t *report_json(const query_options *o, const query_figures *f)
{
    return json_pack("{s:s, s:o, s:i, s:i, s:i, s:s, s:o, s:o, s:o, s:o, s:o, s:I, s:i}",
                     "benchmark", "query",
                     "file", tpt_json_text(source_name(o)),
                     "points", (int)o->points,
                     "runs", (int)o->shared.runs,
                     "view_chunks", (int)f->view_chunks,
                     "unit", "cpu_us_per_query",
                     "height_us", tpt_json_real(f->height_us, 3),
                     "ray_us", tpt_json_real(f->ray_us, 3),
                     "height_first_pass_us", tpt_json_real(f->height_first_us, 3),
                     "ray_first_pass_us", tpt_json_real(f->ray_first_us, 3),
                     "ray_hit_fraction", tpt_json_real(f->ray_hit_fraction, 3),
                     "grid_bytes", (json_int_t)f->grid_bytes,
                     "lods_in_view", (int)f->lods_in_view);
}

static void report_text(const query_options *o, const query_figures *f)
{
    printf("bench query: %s, a settled view of %u chunks (%u LODs), %d queries of each kind "
           "per pass, CPU us per query on one core, median of %d passes\n",
           source_name(o), f->view_chunks, f->lods_in_view, (int)o->points,
           (int)o->shared.runs);
    printf("  %-34s %10s %14s\n", "", "per query", "first pass");
    printf("  %-34s %10.3f %14.3f\n", "height and normal (height_at)", f->height_us,
           f->height_first_us);
    printf("  %-34s %10.3f %14.3f\n", "ray cast, 2 km (raycast)", f->ray_us, f->ray_first_us);
    printf("  rays that hit: %.1f%%; triangle grids kept: %.1f KiB (the first pass builds "
           "them)\n",
           100.0 * f->ray_hit_fraction, (double)f->grid_bytes / 1024.0);
}

int tpt_bench_part_query(int argc, char **argv, json_t **out_json)
{
    query_options o;
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
    query_figures f = {0};
    status = measure(&o, path, &f);
    if (made[0])
        unlink(made);
    if (status != TPT_EXIT_OK)
        return status;
    if (o.shared.json)
        return tpt_bench_emit(report_json(&o, &f), out_json);
    report_text(&o, &f);
    return TPT_EXIT_OK;
}
