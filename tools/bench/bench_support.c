/* bench_support.c — what every benchmark part uses: the options they all take, a world to
 * measure, medians, and the end of a JSON report. */
#define _POSIX_C_SOURCE 200809L /* getpid, CLOCK_THREAD_CPUTIME_ID */

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"
#include "pagefile_open.h"
#include "terrapage/baker.h"

volatile uint64_t tpt_bench_sink;

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tpt_bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

double tpt_bench_thread_cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

bool tpt_bench_bake_small_world(const char *command, char *path, size_t path_cap)
{
    snprintf(path, path_cap, "/tmp/terrapage-bench-%ld.tpk", (long)getpid());
    tp_bake_options o = {0};
    o.region_x0 = o.region_z0 = -8;
    o.region_width = o.region_height = 16;
    if (tp_bake(path, &o, NULL) != TP_OK) {
        fprintf(stderr, "%s: baking %s: %s\n", command, path, tp_error_detail());
        return false;
    }
    return true;
}

bool tpt_bench_open_world(const char *command, const char *path, bool mapped,
                          tp_reader **out_reader)
{
    char made[256] = "";
    if (!path) {
        if (!tpt_bench_bake_small_world(command, made, sizeof made))
            return false;
        path = made;
    }
    bool opened = mapped ? tpt_pagefile_open_mapped(command, path, out_reader)
                         : tpt_pagefile_open(command, path, out_reader);
    if (made[0])
        unlink(made); /* the mapping, or the reader's descriptor, keeps the file */
    return opened;
}

int tpt_bench_emit(json_t *figures, json_t **out_json)
{
    if (out_json) {
        *out_json = figures;
        return figures ? TPT_EXIT_OK : TPT_EXIT_FAILURE;
    }
    if (!tpt_json_write(stdout, figures, TPT_JSON_LINES)) {
        fprintf(stderr, "terrapage bench: could not write the JSON report\n");
        return TPT_EXIT_FAILURE;
    }
    return TPT_EXIT_OK;
}

int tpt_bench_option(tpt_cli *cli, const tpt_bench_usage *usage, int id, const char *value,
                     tpt_bench_options *o)
{
    switch (id) {
    case TPT_CLI_ERROR: return TPT_EXIT_USAGE;
    case TPT_CLI_POSITIONAL:
        if (!usage->takes_file || o->path)
            return tpt_cli_error(cli, "unexpected argument '%s'", value);
        o->path = value;
        return TPT_CLI_PROCEED;
    case TPT_BENCH_OPT_HELP: usage->print_help(); return TPT_EXIT_OK;
    case TPT_BENCH_OPT_JSON: o->json = true; return TPT_CLI_PROCEED;
    case TPT_BENCH_OPT_RUNS:
        return tpt_cli_int(cli, value, 1, usage->max_runs, &o->runs) ? TPT_CLI_PROCEED
                                                                     : TPT_EXIT_USAGE;
    }
    assert(!"an option of the part that its parser does not handle");
    return TPT_CLI_PROCEED;
}
