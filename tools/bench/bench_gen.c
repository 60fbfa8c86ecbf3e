/* bench_gen.c — `terrapage bench gen`: the world generator on one core. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"
#include "progress.h"
#include "terrapage/world.h"

enum { OPT_CHUNKS = TPT_BENCH_OPT_PART };

typedef struct gen_figures {
    double chunk_ms_median, chunk_ms_min;
    double fbm_msamples_median, fbm_msamples_max;
    double reference_msamples_median; /* the textbook float Perlin fBm, same grid, same run */
    double ratio_median;              /* ours / reference, per run (back to back), median */
    uint64_t checksum; /* folded into bench_sink */
} gen_figures;

/* ---- the reference: textbook 2-D Perlin gradient noise in float ---------------------
 * What common game noise libraries run: a seeded permutation table, eight gradient
 * directions, the quintic fade, float arithmetic. It is here only to be timed against
 * terrapage's fBm in the same run, on the same grid, so the comparison is not hostage
 * to a figure measured on another day under another load. */

typedef struct reference_noise {
    uint8_t perm[512];
} reference_noise;

static void reference_init(reference_noise *n, uint64_t seed)
{
    for (int i = 0; i < 256; i++)
        n->perm[i] = (uint8_t)i;
    uint64_t state = seed * 0x9E3779B97F4A7C15ull + 1;
    for (int i = 255; i > 0; i--) { /* Fisher-Yates with a 64-bit LCG */
        state = state * 6364136223846793005ull + 1442695040888963407ull;
        int j = (int)((state >> 33) % (uint64_t)(i + 1));
        uint8_t t = n->perm[i];
        n->perm[i] = n->perm[j];
        n->perm[j] = t;
    }
    for (int i = 0; i < 256; i++)
        n->perm[256 + i] = n->perm[i];
}

/* Eight gradient directions, looked up rather than switched on (no branches). */
static const float reference_gx[8] = {1, 1, -1, -1, 1, -1, 0, 0};
static const float reference_gz[8] = {1, -1, 1, -1, 0, 0, 1, -1};

static inline float reference_grad(int hash, float x, float z)
{
    return reference_gx[hash & 7] * x + reference_gz[hash & 7] * z;
}

static inline float reference_fade(float t) { return t * t * t * (t * (t * 6.0f - 15.0f) + 10.0f); }

static float reference_perlin(const reference_noise *n, float x, float z)
{
    int xi = (int)x - (x < (float)(int)x), zi = (int)z - (z < (float)(int)z);
    float xf = x - (float)xi, zf = z - (float)zi;
    int X = xi & 255, Z = zi & 255;
    int aa = n->perm[n->perm[X] + Z], ab = n->perm[n->perm[X] + Z + 1];
    int ba = n->perm[n->perm[X + 1] + Z], bb = n->perm[n->perm[X + 1] + Z + 1];
    float u = reference_fade(xf), v = reference_fade(zf);
    float x0 = reference_grad(aa, xf, zf) + u * (reference_grad(ba, xf - 1, zf) -
                                                 reference_grad(aa, xf, zf));
    float x1 = reference_grad(ab, xf, zf - 1) + u * (reference_grad(bb, xf - 1, zf - 1) -
                                                     reference_grad(ab, xf, zf - 1));
    return x0 + v * (x1 - x0);
}

static float reference_fbm(const reference_noise *n, float x, float z, int octaves)
{
    float sum = 0.0f, amplitude = 1.0f, norm = 0.0f;
    for (int o = 0; o < octaves; o++) {
        sum += amplitude * reference_perlin(n, x, z);
        norm += amplitude;
        amplitude *= 0.5f;
        x *= 2.0f;
        z *= 2.0f;
    }
    return sum / norm;
}

static int bench_gen(const tp_world_params *world, int runs, int chunks, gen_figures *out)
{
    uint32_t edge = tp_world_lod_edge(world, 0), ce = tp_world_climate_edge(world);
    uint16_t *heights = malloc(sizeof *heights * edge * edge);
    uint8_t *biomes = malloc((size_t)edge * edge);
    int16_t *temperature = malloc(sizeof *temperature * ce * ce);
    uint16_t *precipitation = malloc(sizeof *precipitation * ce * ce);
    double *chunk_ms = malloc(sizeof *chunk_ms * (size_t)runs);
    double *fbm_rate = malloc(sizeof *fbm_rate * (size_t)runs);
    double *reference_rate = malloc(sizeof *reference_rate * (size_t)runs);
    double *fbm_rate_unsorted = malloc(sizeof *fbm_rate_unsorted * (size_t)runs);
    reference_noise reference;
    reference_init(&reference, world->seed);
    if (!heights || !biomes || !temperature || !precipitation || !chunk_ms || !fbm_rate ||
        !reference_rate || !fbm_rate_unsorted) {
        fprintf(stderr, "terrapage bench gen: out of memory\n");
        free(heights), free(biomes), free(temperature), free(precipitation);
        free(chunk_ms), free(fbm_rate), free(reference_rate),
            free(fbm_rate_unsorted);
        return TPT_EXIT_FAILURE;
    }
    tp_chunk_fields fields = {heights, biomes, temperature, precipitation};
    out->checksum = 0;
    for (int r = 0; r < runs; r++) {
        /* Chunks along a diagonal through the default region: land, coast and sea. */
        double t0 = tpt_progress_seconds();
        for (int i = 0; i < chunks; i++) {
            int32_t c = (int32_t)((i * 7 + r * 3) % 64) - 32;
            tp_generate_chunk(world, c, -c / 2, 0, &fields);
            out->checksum += heights[(size_t)i % ((size_t)edge * edge)];
        }
        chunk_ms[r] = (tpt_progress_seconds() - t0) * 1e3 / chunks;

        /* Plain 5-octave fBm over a 257 × 257 grid. */
        enum { FBM_EDGE = 257 };
        double sum = 0.0;
        t0 = tpt_progress_seconds();
        for (int z = 0; z < FBM_EDGE; z++)
            for (int x = 0; x < FBM_EDGE; x++)
                sum += tp_noise_fbm2(world->seed, (x + r * FBM_EDGE) * 0.015625, z * 0.015625, 5);
        fbm_rate[r] = (double)FBM_EDGE * FBM_EDGE / (tpt_progress_seconds() - t0) / 1e6;
        fbm_rate_unsorted[r] = fbm_rate[r];
        out->checksum += (uint64_t)(sum > 0.0);

        /* The reference on the same grid, right after. */
        float fsum = 0.0f;
        t0 = tpt_progress_seconds();
        for (int z = 0; z < FBM_EDGE; z++)
            for (int x = 0; x < FBM_EDGE; x++)
                fsum += reference_fbm(&reference, (float)((x + r * FBM_EDGE) * 0.015625),
                                      (float)(z * 0.015625), 5);
        reference_rate[r] = (double)FBM_EDGE * FBM_EDGE / (tpt_progress_seconds() - t0) / 1e6;
        out->checksum += (uint64_t)(fsum > 0.0f);
    }
    out->chunk_ms_median = tpt_bench_median(chunk_ms, runs);
    out->chunk_ms_min = chunk_ms[0];
    out->fbm_msamples_median = tpt_bench_median(fbm_rate, runs);
    out->fbm_msamples_max = fbm_rate[runs - 1];
    /* The ratio of each run's back-to-back pair, so load that comes and goes between
     * runs cancels out, then the median of those. */
    for (int r = 0; r < runs; r++)
        chunk_ms[r] = fbm_rate_unsorted[r] / reference_rate[r];
    out->ratio_median = tpt_bench_median(chunk_ms, runs);
    out->reference_msamples_median = tpt_bench_median(reference_rate, runs);
    free(heights), free(biomes), free(temperature), free(precipitation);
    free(chunk_ms), free(fbm_rate), free(reference_rate),
            free(fbm_rate_unsorted);
    return TPT_EXIT_OK;
}

static void print_help(void)
{
    printf("usage: terrapage bench gen [options]\n"
           "\n"
           "The world generator on one core, medians over repeated runs: ms per chunk for\n"
           "all fields of a default-world chunk at full resolution (129 x 129 heights and\n"
           "biomes, 17 x 17 climate), and M samples/s of a plain 5-octave 2-D\n"
           "gradient-noise fBm over a 257 x 257 grid, timed against a textbook float\n"
           "Perlin fBm (5 octaves, the same grid) in the same runs.\n"
           "\n"
           "Options:\n"
           "  --runs N     repetitions; the median is reported (default: 9)\n"
           "  --chunks N   chunks per run (default: 32)\n"
           "  --json       print one JSON object instead of the table\n"
           "  -h, --help   show this help\n");
}

typedef struct gen_options {
    tpt_bench_options shared;
    int64_t chunks;
} gen_options;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, gen_options *o)
{
    static const tpt_cli_option options[] = {
        TPT_BENCH_OPTIONS,
        {"chunks", 0, true, OPT_CHUNKS},
        {0},
    };
    static const tpt_bench_usage usage = {.max_runs = 1000, .print_help = print_help};
    tpt_cli cli;
    tpt_cli_init(&cli, "terrapage bench gen", argc, argv);
    *o = (gen_options){.shared.runs = 9, .chunks = 32};
    const char *value;
    for (int id, status; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case OPT_CHUNKS:
            if (!tpt_cli_int(&cli, value, 1, 100000, &o->chunks))
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

static json_t *report_json(const gen_options *o, const gen_figures *g)
{
    return json_pack("{s:s, s:i, s:i, s:{s:o, s:o}, s:{s:o, s:o}, s:{s:o}, s:o}",
                     "benchmark", "gen",
                     "runs", (int)o->shared.runs,
                     "chunks_per_run", (int)o->chunks,
                     "chunk_fields_ms",
                         "median", tpt_json_real(g->chunk_ms_median, 4),
                         "min", tpt_json_real(g->chunk_ms_min, 4),
                     "fbm5_257_msamples_per_s",
                         "median", tpt_json_real(g->fbm_msamples_median, 2),
                         "max", tpt_json_real(g->fbm_msamples_max, 2),
                     "reference_perlin_fbm5_msamples_per_s",
                         "median", tpt_json_real(g->reference_msamples_median, 2),
                     "fbm_vs_reference", tpt_json_real(g->ratio_median, 3));
}

static void report_text(const gen_options *o, const gen_figures *g)
{
    printf("bench gen: the generator on one core, median of %d runs\n", (int)o->shared.runs);
    printf("  full chunk fields, 129x129 (heights, biomes, climate) %8.3f ms/chunk  (best %.3f)\n",
           g->chunk_ms_median, g->chunk_ms_min);
    printf("  plain fBm, 5 octaves, 257x257                         %8.2f M samples/s (best %.2f)\n",
           g->fbm_msamples_median, g->fbm_msamples_max);
    printf("  reference: textbook float Perlin fBm, same grid       %8.2f M samples/s\n",
           g->reference_msamples_median);
    printf("  terrapage fBm vs the reference (median of per-run ratios) %4.2fx\n",
           g->ratio_median);
}

int tpt_bench_part_gen(int argc, char **argv, json_t **out_json)
{
    gen_options o;
    int status = parse_options(argc, argv, &o);
    if (status != TPT_CLI_PROCEED)
        return status;
    tp_world_params world = {0};
    tp_world_params_resolve(&world, &world);
    gen_figures g;
    status = bench_gen(&world, (int)o.shared.runs, (int)o.chunks, &g);
    if (status != TPT_EXIT_OK)
        return status;
    tpt_bench_sink += g.checksum;
    if (o.shared.json)
        return tpt_bench_emit(report_json(&o, &g), out_json);
    report_text(&o, &g);
    return TPT_EXIT_OK;
}
