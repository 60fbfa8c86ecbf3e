/* cmd_bake.c — `terrapage bake`: bakes a region of the world into a page file.
 *
 * Ctrl-C (SIGINT) and SIGTERM do not kill the process mid-write: they set a flag that the
 * baker's progress callback reports, the baker stops at the next batch and removes its
 * temporary files, and any previous file at the output path stays as it was. A signal
 * that arrives while the finished file is being renamed into place is honoured after
 * the rename (the bake is complete by then).
 */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "progress.h"
#include "worldfile.h"
#include "terrapage/baker.h"

enum {
    OPT_HELP = 1,
    OPT_OUTPUT,
    OPT_SEED,
    OPT_REGION,
    OPT_SAMPLES,
    OPT_THREADS,
    OPT_LEVEL,
    OPT_QUIET,
    OPT_JSON,
    OPT_NO_MESHES,
};

static volatile sig_atomic_t g_interrupted;

static void on_signal(int signo)
{
    (void)signo;
    g_interrupted = 1;
}

typedef struct bake_progress {
    tp_progress bar;
} bake_progress;

static int report_progress(void *user, uint64_t done, uint64_t total)
{
    (void)total;
    bake_progress *p = user;
    tp_progress_update(&p->bar, done);
    return g_interrupted != 0;
}

static void print_help(void)
{
    printf("usage: terrapage bake [-o FILE.tpk] [options]\n"
           "\n"
           "Generates every chunk of a region - heights, biomes and a triangle mesh at\n"
           "every level of detail, temperature and precipitation - and writes them,\n"
           "compressed and checksummed, into one page file that the runtime streams.\n"
           "The file is byte-identical for any number of threads. It is written to a\n"
           "temporary file and renamed into place at the end, so an interrupted or\n"
           "failed bake leaves any previous file untouched.\n"
           "\n"
           "Options:\n"
           "  -o, --output FILE     the page file to write (default: world.tpk)\n"
           "  -s, --seed N          world seed, decimal or 0x hex; 0 selects the default\n"
           "                        (default: 42)\n"
           "      --region X0,Z0,X1,Z1\n"
           "                        chunks to bake, half-open (default: -32,-32,32,32,\n"
           "                        the 64 x 64 chunks around the origin)\n"
           "      --samples N       height samples per chunk edge, 2^n + 1 from 9 to 1025\n"
           "                        (default: 129)\n"
           "  -j, --threads N       worker threads (default: 0, every core)\n"
           "      --level N         compression: 1-12 LZ4HC levels (smaller, slower bake),\n"
           "                        -1 to -64 fast LZ4 (default: %d); decoding speed is\n"
           "                        about the same for every level\n"
           "      --no-meshes       leave out the mesh layer (a smaller file, a faster bake;\n"
           "                        the runtime then hands out height grids without meshes)\n"
           "  -q, --quiet           no progress and no summary\n"
           "      --json            print the summary as one JSON object on stdout\n"
           "  -h, --help            show this help\n"
           "\n"
           "Progress goes to stderr: a bar on a terminal, a line every few seconds\n"
           "otherwise.\n"
           "\n"
           "Examples:\n"
           "  terrapage bake -o world.tpk\n"
           "  terrapage bake --seed 7 --region 0,0,16,16 -o small.tpk\n"
           "  terrapage bake --threads 1 --level 12 -o world.tpk\n",
           TP_DEFAULT_COMPRESSION_LEVEL);
}

static void print_summary(const char *path, const tp_bake_stats *s)
{
    char size[32];
    tp_format_bytes(s->file_bytes, size, sizeof size);
    printf("baked %s: %llu chunks, %s in %.1f s (%.0f chunks/s on %u threads)\n", path,
           (unsigned long long)s->chunks, size, s->seconds,
           s->seconds > 0 ? (double)s->chunks / s->seconds : 0.0, s->threads);
    printf("  %-14s %5s %12s %12s %7s\n", "layer", "LODs", "stored", "raw", "ratio");
    for (uint32_t layer = 0; layer < TP_MAX_LAYERS; layer++) {
        uint64_t stored, raw;
        uint32_t lods = tp_bake_stats_layer_total(s, layer, &stored, &raw);
        if (!lods)
            continue;
        char a[32], b[32], name[32];
        tp_format_bytes(stored, a, sizeof a);
        tp_format_bytes(raw, b, sizeof b);
        printf("  %-14s %5u %12s %12s %6.2fx\n",
               tp_worldfile_layer_name(layer, name, sizeof name), lods, a, b,
               stored ? (double)raw / (double)stored : 0.0);
    }
}

static void print_json(const char *path, const tp_bake_stats *s)
{
    printf("{\"file\": ");
    tp_json_string(stdout, path);
    printf(", \"chunks\": %llu, \"file_bytes\": %llu, \"threads\": %u, \"seconds\": %.3f, "
           "\"generate_seconds\": %.3f, \"mesh_seconds\": %.3f, \"encode_seconds\": %.3f, "
           "\"layers\": [",
           (unsigned long long)s->chunks, (unsigned long long)s->file_bytes, s->threads,
           s->seconds, s->generate_seconds, s->mesh_seconds, s->encode_seconds);
    const char *sep = "";
    for (uint32_t layer = 0; layer < TP_MAX_LAYERS; layer++) {
        for (uint32_t lod = 0; lod < TP_MAX_LODS; lod++) {
            const tp_bake_layer_stats *ls = &s->layers[layer][lod];
            if (!ls->blobs)
                continue;
            char name[32];
            printf("%s{\"layer\": \"%s\", \"lod\": %u, \"blobs\": %llu, \"stored_bytes\": %llu, "
                   "\"raw_bytes\": %llu}",
                   sep, tp_worldfile_layer_name(layer, name, sizeof name), lod,
                   (unsigned long long)ls->blobs,
                   (unsigned long long)ls->stored_bytes, (unsigned long long)ls->raw_bytes);
            sep = ", ";
        }
    }
    printf("]}\n");
}

int tp_cmd_bake(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"output", 'o', true, OPT_OUTPUT},
        {"seed", 's', true, OPT_SEED},
        {"region", 0, true, OPT_REGION},
        {"samples", 0, true, OPT_SAMPLES},
        {"threads", 'j', true, OPT_THREADS},
        {"level", 0, true, OPT_LEVEL},
        {"quiet", 'q', false, OPT_QUIET},
        {"json", 0, false, OPT_JSON},
        {"no-meshes", 0, false, OPT_NO_MESHES},
        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage bake", argc, argv);
    tp_bake_options o = {0};
    tp_region region = TP_DEFAULT_REGION;
    const char *path = "world.tpk";
    bool help = false, quiet = false, json = false;
    int64_t number;

    const char *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR: return TP_EXIT_USAGE;
        case TP_CLI_POSITIONAL:
            return tp_cli_error(&cli, "unexpected argument '%s' (the output is -o FILE)",
                                value);
        case OPT_HELP: help = true; break;
        case OPT_OUTPUT: path = value; break;
        case OPT_SEED:
            if (!tp_cli_seed(&cli, value, &o.world.seed))
                return TP_EXIT_USAGE;
            break;
        case OPT_REGION:
            if (!tp_cli_region(&cli, value, &region))
                return TP_EXIT_USAGE;
            break;
        case OPT_SAMPLES:
            if (!tp_cli_int(&cli, value, 9, 1025, &number))
                return TP_EXIT_USAGE;
            if (((number - 1) & (number - 2)) != 0)
                return tp_cli_error(&cli, "--samples: %lld is not 2^n + 1 (9, 17, 33, 65, "
                                          "129, 257, 513 or 1025)", (long long)number);
            o.world.samples_per_edge = (uint32_t)number;
            break;
        case OPT_THREADS:
            if (!tp_cli_int(&cli, value, 0, 1024, &number))
                return TP_EXIT_USAGE;
            o.threads = (uint32_t)number;
            break;
        case OPT_LEVEL:
            if (!tp_cli_int(&cli, value, -64, 12, &number))
                return TP_EXIT_USAGE;
            o.compression_level = (int)number;
            break;
        case OPT_QUIET: quiet = true; break;
        case OPT_JSON: json = true; break;
        case OPT_NO_MESHES: o.flags |= TP_BAKE_NO_MESHES; break;
        }
    }
    if (help) {
        print_help();
        return TP_EXIT_OK;
    }
    if (!*path)
        return tp_cli_error(&cli, "--output: empty file name");
    o.region_x0 = region.x0;
    o.region_z0 = region.z0;
    o.region_width = (uint32_t)tp_region_width(&region);
    o.region_height = (uint32_t)tp_region_height(&region);

    bake_progress progress;
    tp_progress_begin(&progress.bar, "baking", "chunks",
                      (uint64_t)o.region_width * o.region_height,
                      quiet ? TP_PROGRESS_QUIET : TP_PROGRESS_AUTO, stderr);
    o.progress = report_progress;
    o.progress_user = &progress;

    struct sigaction action, old_int, old_term;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    g_interrupted = 0;
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);

    tp_worldfile_clear_detail();
    tp_bake_stats stats;
    tp_result res = tp_bake(path, &o, &stats);

    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);

    if (res != TP_OK) {
        tp_progress_abandon(&progress.bar);
        if (res == TP_ERR_CANCELLED) {
            fprintf(stderr, "terrapage bake: interrupted; %s was not written (any previous "
                            "file is unchanged)\n", path);
        } else {
            char problem[768];
            tp_worldfile_problem(res, path, problem, sizeof problem);
            fprintf(stderr, "terrapage bake: %s: %s\n", path, problem);
        }
        return TP_EXIT_FAILURE;
    }
    tp_progress_abandon(&progress.bar);
    if (json)
        print_json(path, &stats);
    else if (!quiet)
        print_summary(path, &stats);
    if (g_interrupted) {
        fprintf(stderr, "terrapage bake: interrupted after the file was complete; %s is "
                        "whole\n", path);
        return TP_EXIT_FAILURE;
    }
    return TP_EXIT_OK;
}
