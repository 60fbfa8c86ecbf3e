/* bench_gen.c — `terrapage bench gen`: the world generator on one core. */
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "cli.h"
#include "progress.h"
#include "terrapage/world.h"

enum { OPT_HELP = 1, OPT_JSON, OPT_RUNS, OPT_CHUNKS };

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
        fprintf(stderr, "terrapage bench gen: out of memory\n");
        free(heights), free(biomes), free(temperature), free(precipitation);
        free(chunk_ms), free(fbm_rate);
        return TP_EXIT_FAILURE;
    }
    tp_chunk_fields fields = {heights, biomes, temperature, precipitation};
    out->checksum = 0;
    for (int r = 0; r < runs; r++) {
        /* Chunks along a diagonal through the default region: land, coast and sea. */
        double t0 = tp_progress_seconds();
        for (int i = 0; i < chunks; i++) {
            int32_t c = (int32_t)((i * 7 + r * 3) % 64) - 32;
            tp_generate_chunk(world, c, -c / 2, 0, &fields);
            out->checksum += heights[(size_t)i % ((size_t)edge * edge)];
        }
        chunk_ms[r] = (tp_progress_seconds() - t0) * 1e3 / chunks;

        /* Plain 5-octave fBm over a 257 × 257 grid. */
        enum { FBM_EDGE = 257 };
        double sum = 0.0;
        t0 = tp_progress_seconds();
        for (int z = 0; z < FBM_EDGE; z++)
            for (int x = 0; x < FBM_EDGE; x++)
                sum += tp_noise_fbm2(world->seed, (x + r * FBM_EDGE) * 0.015625, z * 0.015625, 5);
        fbm_rate[r] = (double)FBM_EDGE * FBM_EDGE / (tp_progress_seconds() - t0) / 1e6;
        out->checksum += (uint64_t)(sum > 0.0);
    }
    out->chunk_ms_median = tp_bench_median(chunk_ms, runs);
    out->chunk_ms_min = chunk_ms[0];
    out->fbm_msamples_median = tp_bench_median(fbm_rate, runs);
    out->fbm_msamples_max = fbm_rate[runs - 1];
    free(heights), free(biomes), free(temperature), free(precipitation);
    free(chunk_ms), free(fbm_rate);
    return TP_EXIT_OK;
}

static void print_help(void)
{
    printf("usage: terrapage bench gen [options]\n"
           "\n"
           "The world generator on one core, medians over repeated runs: ms per chunk for\n"
           "all fields of a default-world chunk at full resolution (129 x 129 heights and\n"
           "biomes, 17 x 17 climate), and M samples/s of a plain 5-octave 2-D\n"
           "gradient-noise fBm over a 257 x 257 grid.\n"
           "\n"
           "Options:\n"
           "  --runs N     repetitions; the median is reported (default: 9)\n"
           "  --chunks N   chunks per run (default: 32)\n"
           "  --json       print one JSON object instead of the table\n"
           "  -h, --help   show this help\n");
}

int tp_bench_gen(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"json", 0, false, OPT_JSON},
        {"runs", 0, true, OPT_RUNS},
        {"chunks", 0, true, OPT_CHUNKS},
        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage bench gen", argc, argv);
    int64_t runs = 9, chunks = 32;
    int json = 0;
    const char *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR:
            return TP_EXIT_USAGE;
        case TP_CLI_POSITIONAL:
            return tp_cli_error(&cli, "unexpected argument '%s'", value);
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
        printf("bench gen: the generator on one core, median of %d runs\n", (int)runs);
        printf("  full chunk fields, 129x129 (heights, biomes, climate) %8.3f ms/chunk  (best %.3f)\n",
               g.chunk_ms_median, g.chunk_ms_min);
        printf("  plain fBm, 5 octaves, 257x257                         %8.2f M samples/s (best %.2f)\n",
               g.fbm_msamples_median, g.fbm_msamples_max);
    }
    tp_bench_sink += g.checksum;
    return TP_EXIT_OK;
}
