/* cmd_bench.c — `terrapage bench [PART]`: finds the benchmark part and runs it, or runs
 * every part in turn. The parts live in bench_<part>.c. */
#define _POSIX_C_SOURCE 200809L /* getpid */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench.h"
#include "cli.h"
#include "commands.h"
#include "worldfile.h"
#include "terrapage/baker.h"

volatile uint64_t tp_bench_sink;

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tp_bench_median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

bool tp_bench_open_world(const char *command, const char *path, tp_reader **out_reader)
{
    char made[256] = "";
    if (!path) {
        snprintf(made, sizeof made, "/tmp/terrapage-bench-%ld.tpk", (long)getpid());
        tp_bake_options o = {0};
        o.region_x0 = o.region_z0 = -8;
        o.region_width = o.region_height = 16;
        if (tp_bake(made, &o, NULL) != TP_OK) {
            fprintf(stderr, "%s: baking %s: %s\n", command, made, tp_error_detail());
            return false;
        }
        path = made;
    }
    bool opened = tp_worldfile_open(command, path, out_reader);
    if (made[0])
        unlink(made); /* the mapping stays valid */
    return opened;
}

typedef struct bench_part {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} bench_part;

static const bench_part parts[] = {
    {"gen", "the world generator: ms per chunk, fBm M samples/s (one core)", tp_bench_gen},
    {"bake", "bake chunks/s on 1 and all threads, bytes per chunk per layer, heights vs "
             "16-bit PNG", tp_bench_bake},
    {"decode", "blob decode MB/s against plain LZ4 on the same heights", tp_bench_decode},
    {"pagein", "CPU us per chunk: paged in from the file vs generated, same chunks",
     tp_bench_pagein},
    {"mesh", "triangles vs the regular grid, bytes per triangle, build and decode time",
     tp_bench_mesh},
};
#define PART_COUNT (sizeof parts / sizeof parts[0])

static void print_help(void)
{
    printf("usage: terrapage bench [PART] [options]\n"
           "\n"
           "Benchmarks, reported as medians over repeated runs. With no PART every part\n"
           "runs in turn (each with its defaults; --json then prints one object with a\n"
           "key per part).\n"
           "\n"
           "Parts:\n");
    for (size_t i = 0; i < PART_COUNT; i++)
        printf("  %-8s %s\n", parts[i].name, parts[i].summary);
    printf("\n"
           "Run 'terrapage bench PART --help' for a part's options.\n"
           "\n"
           "Examples:\n"
           "  terrapage bench\n"
           "  terrapage bench gen --runs 15\n"
           "  terrapage bench bake --json\n");
}

int tp_cmd_bench(int argc, char **argv)
{
    if (argc >= 2 && argv[1][0] != '-') {
        for (size_t i = 0; i < PART_COUNT; i++)
            if (strcmp(argv[1], parts[i].name) == 0)
                return parts[i].run(argc - 1, argv + 1);
        fprintf(stderr, "terrapage bench: unknown benchmark '%s' (available: gen, bake, "
                        "decode, pagein, mesh)\n"
                        "Run 'terrapage bench --help' for usage.\n",
                argv[1]);
        return TP_EXIT_USAGE;
    }
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_help();
            return TP_EXIT_OK;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else {
            fprintf(stderr, "terrapage bench: %s: only --json and --help apply to every "
                            "part; name a part for its options\n"
                            "Run 'terrapage bench --help' for usage.\n",
                    argv[i]);
            return TP_EXIT_USAGE;
        }
    }
    int status = TP_EXIT_OK;
    if (json)
        printf("{");
    for (size_t i = 0; i < PART_COUNT; i++) {
        char *part_argv[] = {(char *)parts[i].name, json ? "--json" : NULL, NULL};
        if (json)
            printf("%s\"%s\": ", i ? ", " : "", parts[i].name);
        fflush(stdout);
        int s = parts[i].run(json ? 2 : 1, part_argv);
        if (s != TP_EXIT_OK) {
            status = s;
            if (json)
                printf("null");
        }
        if (!json)
            printf("\n");
        fflush(stdout);
    }
    if (json)
        printf("}\n");
    return status;
}
