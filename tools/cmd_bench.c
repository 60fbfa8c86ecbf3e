/* cmd_bench.c — `terrapage bench`: benchmarks, measured on one core and reported as
 * medians over repeated runs (shared machines are noisy; single runs mislead). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "commands.h"
#include "terrapage/world.h"

enum { OPT_HELP = 1, OPT_JSON, OPT_RUNS, OPT_CHUNKS };

/* Results land here so the compiler cannot drop the measured work. */
static volatile uint64_t bench_sink;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, compare_double);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct gen_figures {
    double chunk_ms_median, chunk_ms_min;
    double fbm_msamples_median, fbm_msamples_max;
    uint64_t checksum; /* folded into bench_sink */
} gen_figures;

static int bench_gen(const tp_world_params *world, int runs, int chunks, gen_figures *out)
{
    uint32_t edge = tp_world_lod_edge(world, 0), ce = tp_world_climate_edge(world);
    uint16_t *heights = malloc(sizeof *heights * edge * edge);
    uint8_t *biomes = malloc((size_t)edge * edge);
    int16_t *temperature = malloc(sizeof *temperature * ce * ce);
    uint16_t *precipitation = malloc(sizeof *precipitation * ce * ce);
    double *chunk_ms = malloc(sizeof *chunk_ms * (size_t)runs);
    double *fbm_rate = malloc(sizeof *fbm_rate * (size_t)runs);
    if (!heights || !biomes || !temperature || !precipitation || !chunk_ms || !fbm_rate) {
        fprintf(stderr, "terrapage bench: out of memory\n");
        free(heights), free(biomes), free(temperature), free(precipitation);
        free(chunk_ms), free(fbm_rate);
        return TP_EXIT_FAILURE;
    }
    tp_chunk_fields fields = {heights, biomes, temperature, precipitation};
    out->checksum = 0;
    for (int r = 0; r < runs; r++) {
        /* Chunks along a diagonal through the default region: land, coast and sea. */
        double t0 = now_s();
        for (int i = 0; i < chunks; i++) {
            int32_t c = (int32_t)((i * 7 + r * 3) % 64) - 32;
            tp_generate_chunk(world, c, -c / 2, 0, &fields);
            out->checksum += heights[(size_t)i % ((size_t)edge * edge)];
        }
        chunk_ms[r] = (now_s() - t0) * 1e3 / chunks;

        /* Plain 5-octave fBm over a 257 × 257 grid. */
        enum { FBM_EDGE = 257 };
        double sum = 0.0;
        t0 = now_s();
        for (int z = 0; z < FBM_EDGE; z++)
            for (int x = 0; x < FBM_EDGE; x++)
                sum += tp_noise_fbm2(world->seed, (x + r * FBM_EDGE) * 0.015625, z * 0.015625, 5);
        fbm_rate[r] = (double)FBM_EDGE * FBM_EDGE / (now_s() - t0) / 1e6;
        out->checksum += (uint64_t)(sum > 0.0);
    }
    out->chunk_ms_median = median(chunk_ms, runs);
    out->chunk_ms_min = chunk_ms[0];
    out->fbm_msamples_median = median(fbm_rate, runs);
    out->fbm_msamples_max = fbm_rate[runs - 1];
    free(heights), free(biomes), free(temperature), free(precipitation);
    free(chunk_ms), free(fbm_rate);
    return TP_EXIT_OK;
}

static void print_help(void)
{
    printf("usage: terrapage bench [gen] [options]\n"
           "\n"
           "Benchmarks on one core, reported as medians over repeated runs.\n"
           "\n"
           "Benchmarks:\n"
           "  gen        the world generator: ms per chunk for all fields of a default-world\n"
           "             chunk at full resolution (129 x 129 heights and biomes, 17 x 17\n"
           "             climate), and M samples/s of a plain 5-octave 2-D gradient-noise\n"
           "             fBm over a 257 x 257 grid (default)\n"
           "\n"
           "Options:\n"
           "  --runs N     repetitions; the median is reported (default: 9)\n"
           "  --chunks N   chunks per run for 'gen' (default: 32)\n"
           "  --json       print one JSON object instead of the table\n"
           "  -h, --help   show this help\n"
           "\n"
           "Example:\n"
           "  terrapage bench gen --runs 15\n");
}

int tp_cmd_bench(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"json", 0, false, OPT_JSON},
        {"runs", 0, true, OPT_RUNS},
        {"chunks", 0, true, OPT_CHUNKS},
        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage bench", argc, argv);
    int64_t runs = 9, chunks = 32;
    int json = 0;
    const char *which = "gen", *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR:
            return TP_EXIT_USAGE;
        case TP_CLI_POSITIONAL:
            which = value;
            break;
        case OPT_HELP:
            print_help();
            return TP_EXIT_OK;
        case OPT_JSON:
            json = 1;
            break;
        case OPT_RUNS:
            if (!tp_cli_int(&cli, value, 1, 1000, &runs))
                return TP_EXIT_USAGE;
            break;
        case OPT_CHUNKS:
            if (!tp_cli_int(&cli, value, 1, 100000, &chunks))
                return TP_EXIT_USAGE;
            break;
        }
    }
    if (strcmp(which, "gen") != 0)
        return tp_cli_error(&cli, "unknown benchmark '%s' (available: gen)", which);

    tp_world_params world = {0};
    tp_world_params_resolve(&world, &world);
    gen_figures g;
    int status = bench_gen(&world, (int)runs, (int)chunks, &g);
    if (status != TP_EXIT_OK)
        return status;
    if (json) {
        printf("{\"benchmark\": \"gen\", \"runs\": %d, \"chunks_per_run\": %d,\n"
               " \"chunk_fields_ms\": {\"median\": %.4f, \"min\": %.4f},\n"
               " \"fbm5_257_msamples_per_s\": {\"median\": %.2f, \"max\": %.2f}}\n",
               (int)runs, (int)chunks, g.chunk_ms_median, g.chunk_ms_min,
               g.fbm_msamples_median, g.fbm_msamples_max);
    } else {
        printf("terrapage bench gen — one core, median of %d runs\n", (int)runs);
        printf("  full chunk fields, 129² (heights, biomes, climate)  %8.3f ms/chunk  (best %.3f)\n",
               g.chunk_ms_median, g.chunk_ms_min);
        printf("  plain fBm, 5 octaves, 257²                          %8.2f M samples/s (best %.2f)\n",
               g.fbm_msamples_median, g.fbm_msamples_max);
    }
    bench_sink = g.checksum;
    return TP_EXIT_OK;
}
