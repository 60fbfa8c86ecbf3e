/* cmd_bench.c — `terrapage bench [PART]`: finds the benchmark part and runs it, or runs
 * every part in turn. The parts live in bench_<part>.c. */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"

typedef struct bench_part {
    const char *name;
    const char *summary;
    tpt_bench_part run;
} bench_part;

static const bench_part parts[] = {
    {"gen", "the world generator: ms per chunk, fBm M samples/s (one core)", tpt_bench_part_gen},
    {"bake", "bake chunks/s on 1 and all threads, bytes per chunk per layer, heights vs "
             "16-bit PNG", tpt_bench_part_bake},
    {"decode", "blob decode MB/s against plain LZ4 on the same heights", tpt_bench_part_decode},
    {"pagein", "CPU us per chunk: paged in from the file vs generated, same chunks",
     tpt_bench_part_pagein},
    {"mesh", "triangles vs the regular grid, bytes per triangle, build and decode time",
     tpt_bench_part_mesh},
    {"query", "height queries and ray casts on the streamed meshes: CPU us each",
     tpt_bench_part_query},
    {"scale", "runtime open time and memory, and the teleport tick, for each FILE",
     tpt_bench_part_scale},
    {"teleport", "frames with holes after a jump outside the region, cold and warmed",
     tpt_bench_part_teleport},
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

int tpt_bench_pagein(int argc, char **argv)
{
    return tpt_bench_part_pagein(argc, argv, NULL);
}

/* Every part with its defaults: tables one after another, or one JSON object with a key
 * per part (null for a part that failed). */
static int run_every_part(bool json)
{
    json_t *all = json ? json_object() : NULL;
    int status = TPT_EXIT_OK;
    for (size_t i = 0; i < PART_COUNT; i++) {
        char *part_argv[] = {(char *)parts[i].name, json ? "--json" : NULL, NULL};
        json_t *figures = NULL;
        int s = parts[i].run(json ? 2 : 1, part_argv, json ? &figures : NULL);
        if (s != TPT_EXIT_OK)
            status = s;
        if (json)
            json_object_set_new(all, parts[i].name, figures ? figures : json_null());
        else
            printf("\n");
        fflush(stdout);
    }
    if (json && !tpt_json_write(stdout, all, TPT_JSON_LINES)) {
        fprintf(stderr, "terrapage bench: could not write the JSON report\n");
        status = TPT_EXIT_FAILURE;
    }
    return status;
}

int tpt_cmd_bench(int argc, char **argv)
{
    if (argc >= 2 && argv[1][0] != '-') {
        for (size_t i = 0; i < PART_COUNT; i++)
            if (strcmp(argv[1], parts[i].name) == 0)
                return parts[i].run(argc - 1, argv + 1, NULL);
        fprintf(stderr, "terrapage bench: unknown benchmark '%s' (available: gen, bake, "
                        "decode, pagein, mesh, scale)\n"
                        "Run 'terrapage bench --help' for usage.\n",
                argv[1]);
        return TPT_EXIT_USAGE;
    }
    bool json = false;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            print_help();
            return TPT_EXIT_OK;
        }
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else {
            fprintf(stderr, "terrapage bench: %s: only --json and --help apply to every "
                            "part; name a part for its options\n"
                            "Run 'terrapage bench --help' for usage.\n",
                    argv[i]);
            return TPT_EXIT_USAGE;
        }
    }
    return run_every_part(json);
}
