/* bench_mesh.c — `terrapage bench mesh`: the chunk meshes of the default world, per LOD.
 *
 * What it measures: every chunk of the default bake region (the 64 × 64 chunks around
 * the origin), or, with --stride S, the uniform sample of every S-th chunk in x and z.
 * Each chunk is generated once, and its meshes are built exactly as the baker builds
 * them (tp_mesh_generate_chunk_blob from the LOD's grid, with the LOD-0 grid for the
 * recorded error).
 *
 * The comparison rule (one rule, used for every figure):
 *   for each chunk and LOD k, let E be the mesh's exact max vertical error against the
 *   chunk's LOD-0 heights (what the baker records). The regular grid at equal error is
 *   the coarsest power-of-two grid — the LOD-0 grid at stride 2^j, 2 · ((E0−1) >> j)²
 *   triangles, j ≥ k, down to 3 samples per edge — whose own exact max error against
 *   the LOD-0 heights is ≤ E.
 * Only power-of-two strides share the chunk's border samples, so the grid's count moves
 * in steps of 4×. The grid is never finer than the LOD's own (j ≥ k): a LOD-k mesh is
 * built from those samples only, so a finer grid would credit it with detail it cannot
 * have; this can only lower the ratio (how often it binds is printed: rarely). Reported per
 * LOD: Σ grid triangles / Σ mesh triangles over the chunks (what a whole world costs),
 * and the median of the per-chunk ratios (what a typical chunk gains), overall and for
 * three classes of chunk by LOD-0 relief (highest minus lowest sample), since flat and
 * rough chunks behave differently: on a flat chunk both sides reach the coarsest grid
 * and the ratio is bounded by how few triangles the mesh can have; on a rough one the
 * grid must be fine and the mesh's adaptivity pays. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "progress.h"
#include "terrapage/mesh.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

enum { OPT_HELP = 1, OPT_JSON, OPT_STRIDE, OPT_RUNS };

/* Chunk classes by LOD-0 relief, in metres: [0, 16), [16, 128), [128, ∞). */
#define CLASS_COUNT 3
static const double k_class_relief_m[CLASS_COUNT] = {0.0, 16.0, 128.0};
static const char *const k_class_name[CLASS_COUNT] = {"flat", "rolling", "rough"};

/* The default bake region (cmd_bake.c's default): chunks −32 … 31 in x and z. */
#define REGION_FIRST (-32)
#define REGION_CHUNKS 64

typedef struct lod_figures {
    double mesh_triangles, grid_triangles, lod_grid_triangles;
    double class_mesh[CLASS_COUNT], class_grid[CLASS_COUNT];
    double raw_bytes, stored_bytes;
    double max_error_m, error_sum_m;
    uint32_t clamped;        /* chunks whose mesh beat the LOD's own grid on error */
    double *ratio;           /* per chunk */
    uint8_t *ratio_class;    /* per chunk */
    double *build_ms, *decode_us; /* per run */
} lod_figures;

static void print_help(void)
{
    printf("usage: terrapage bench mesh [--stride S] [--runs N] [--json]\n"
           "\n"
           "Builds the meshes of every chunk of the default world's 64 x 64 region (or every\n"
           "S-th chunk in x and z) at every LOD, as the baker does, and reports per LOD:\n"
           "triangles per chunk; the regular grid at equal error - for each chunk, the\n"
           "coarsest power-of-two grid (never finer than the LOD's own) whose exact max\n"
           "error against the LOD-0 heights is at most the mesh's - as the ratio of sums\n"
           "and the median per-chunk ratio, overall and for flat (relief < 16 m), rolling\n"
           "(< 128 m) and rough chunks; the mean and max error; bytes stored (LZ4HC 9, as\n"
           "baked) per surface triangle; build ms per chunk (apron, mesh, encoding and the\n"
           "error against LOD 0) and decode us per mesh (LZ4 + mesh decoding), medians over\n"
           "the runs; and the ms to generate a chunk's fields, for comparison with building\n"
           "all its meshes. One core; the whole region takes about 40 s per run.\n"
           "\n"
           "Options:\n"
           "      --stride S   measure every S-th chunk in x and z, 1 to 64; default 1\n"
           "                   (all 4096 chunks); 4 gives a uniform sample of 256\n"
           "      --runs N     timing runs, 1 to 100; default 1 (triangles, bytes and\n"
           "                   errors come from the first run)\n"
           "      --json       one JSON object\n"
           "  -h, --help       show this help\n");
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Median of the per-chunk ratios of class `cls` (or of all, cls < 0); 0 when empty.
 * Sorts a copy into `tmp`. */
static double ratio_median(const lod_figures *f, uint32_t count, int cls, double *tmp)
{
    uint32_t n = 0;
    for (uint32_t c = 0; c < count; c++)
        if (cls < 0 || f->ratio_class[c] == (uint8_t)cls)
            tmp[n++] = f->ratio[c];
    if (!n)
        return 0.0;
    qsort(tmp, n, sizeof *tmp, compare_double);
    return n % 2 ? tmp[n / 2] : 0.5 * (tmp[n / 2 - 1] + tmp[n / 2]);
}

/* Max error of the regular grid at stride 2^j against the LOD-0 grid. */
static float grid_error(const uint16_t *full, uint32_t e0, uint32_t j, uint16_t *sub, void *scratch,
                        tp_mesh_vertex *v, uint32_t mv, uint16_t *ix, uint32_t mi)
{
    uint32_t e = ((e0 - 1) >> j) + 1;
    for (uint32_t r = 0; r < e; r++)
        for (uint32_t c = 0; c < e; c++)
            sub[r * e + c] = full[(size_t)(r << j) * e0 + (c << j)];
    tp_mesh_build_options o = {0};
    o.lod = j;
    o.flags = TP_MESH_BUILD_REGULAR_GRID | TP_MESH_BUILD_NO_SKIRTS;
    tp_mesh m;
    float err = -1.0f;
    if (tp_mesh_build(sub, e, &o, scratch, tp_mesh_build_scratch_size(e), v, mv, ix, mi, &m) == TP_OK)
        tp_mesh_max_error(&m, full, e0, &err);
    return err;
}

int tp_bench_mesh(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP}, {"json", 0, false, OPT_JSON},
        {"stride", 0, true, OPT_STRIDE}, {"runs", 0, true, OPT_RUNS}, {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage bench mesh", argc, argv);
    bool json = false, help = false;
    int64_t stride = 1, runs = 1;
    const char *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR: return TP_EXIT_USAGE;
        case OPT_HELP: help = true; break;
        case OPT_JSON: json = true; break;
        case OPT_STRIDE:
            if (!tp_cli_int(&cli, value, 1, REGION_CHUNKS, &stride))
                return TP_EXIT_USAGE;
            break;
        case OPT_RUNS:
            if (!tp_cli_int(&cli, value, 1, 100, &runs))
                return TP_EXIT_USAGE;
            break;
        case TP_CLI_POSITIONAL: return tp_cli_error(&cli, "unexpected argument '%s'", value);
        }
    }
    if (help) {
        print_help();
        return TP_EXIT_OK;
    }

    tp_world_params world = {0};
    tp_world_params_resolve(&world, &world);
    const uint32_t lods = tp_world_lod_count(&world), e0 = tp_world_lod_edge(&world, 0);
    uint32_t strides = 0; /* grids of ≥ 3 samples per edge: strides 2^0 … 2^(strides−1) */
    while (((e0 - 1) >> strides) >= 2)
        strides++;
    const uint32_t per_axis = (uint32_t)((REGION_CHUNKS + stride - 1) / stride);
    const uint32_t chunks = per_axis * per_axis;
    const uint32_t ce = tp_world_climate_edge(&world);
    uint32_t mv, mi;
    tp_mesh_build_bound(e0, &mv, &mi);
    size_t scratch_size = tp_mesh_chunk_blob_scratch_size(&world, 0);
    size_t raw_cap = tp_mesh_chunk_blob_bound(&world, 0), stored_cap = tp_blob_encode_bound(raw_cap);
    uint16_t *full = malloc(sizeof *full * e0 * e0), *lod_grid = malloc(sizeof *full * e0 * e0);
    uint16_t *sub = malloc(sizeof *sub * e0 * e0), *ix = malloc(sizeof *ix * mi);
    uint8_t *biomes = malloc((size_t)e0 * e0);
    int16_t *temperature = malloc(sizeof *temperature * ce * ce);
    uint16_t *precipitation = malloc(sizeof *precipitation * ce * ce);
    tp_mesh_vertex *v = malloc(sizeof *v * mv);
    void *scratch = malloc(scratch_size), *build_scratch = malloc(tp_mesh_build_scratch_size(e0));
    uint8_t *raw = malloc(raw_cap), *stored = malloc(stored_cap), *decoded = malloc(raw_cap);
    double *gen_ms = calloc((size_t)runs, sizeof *gen_ms), *tmp = malloc(sizeof *tmp * chunks);
    uint32_t class_chunks[CLASS_COUNT] = {0};
    lod_figures fig[TP_MAX_LODS];
    memset(fig, 0, sizeof fig);
    bool ok = full && lod_grid && sub && ix && biomes && temperature && precipitation && v &&
              scratch && build_scratch && raw && stored && decoded && gen_ms && tmp;
    for (uint32_t k = 0; k < lods && ok; k++) {
        fig[k].build_ms = calloc((size_t)runs, sizeof(double));
        fig[k].decode_us = calloc((size_t)runs, sizeof(double));
        fig[k].ratio = calloc(chunks, sizeof(double));
        fig[k].ratio_class = calloc(chunks, 1);
        ok = fig[k].build_ms && fig[k].decode_us && fig[k].ratio && fig[k].ratio_class;
    }
    int status = TP_EXIT_OK;
    if (!ok) {
        fprintf(stderr, "%s: out of memory\n", cli.command);
        status = TP_EXIT_FAILURE;
    }

    tp_progress progress;
    tp_progress_begin(&progress, "bench mesh", "chunks", (uint64_t)chunks * (uint64_t)runs,
                      TP_PROGRESS_AUTO, stderr);
    for (int64_t run = 0; run < runs && status == TP_EXIT_OK; run++) {
        for (uint32_t c = 0; c < chunks && status == TP_EXIT_OK; c++) {
            int32_t cx = REGION_FIRST + (int32_t)((c % per_axis) * (uint32_t)stride);
            int32_t cz = REGION_FIRST + (int32_t)((c / per_axis) * (uint32_t)stride);
            tp_chunk_fields fields = {full, biomes, temperature, precipitation};
            double t0 = tp_progress_seconds();
            tp_generate_chunk(&world, cx, cz, 0, &fields);
            gen_ms[run] += (tp_progress_seconds() - t0) * 1e3;
            float grid_err[16];
            uint8_t cls = 0;
            if (run == 0) {
                for (uint32_t j = 0; j < strides && j < 16; j++)
                    grid_err[j] = grid_error(full, e0, j, sub, build_scratch, v, mv, ix, mi);
                uint16_t lo = UINT16_MAX, hi = 0;
                for (size_t s = 0; s < (size_t)e0 * e0; s++) {
                    lo = full[s] < lo ? full[s] : lo;
                    hi = full[s] > hi ? full[s] : hi;
                }
                double relief_m = (double)(hi - lo) * TP_HEIGHT_STEP_M;
                while (cls + 1 < CLASS_COUNT && relief_m >= k_class_relief_m[cls + 1])
                    cls++;
                class_chunks[cls]++;
            }
            for (uint32_t k = 0; k < lods; k++) {
                uint32_t e = tp_world_lod_edge(&world, k);
                for (uint32_t r = 0; r < e; r++)
                    for (uint32_t q = 0; q < e; q++)
                        lod_grid[r * e + q] = full[(size_t)(r << k) * e0 + (q << k)];
                size_t size, stored_size;
                float err;
                t0 = tp_progress_seconds();
                tp_result res = tp_mesh_generate_chunk_blob(&world, cx, cz, k, lod_grid, full, scratch,
                                                            scratch_size, raw, raw_cap, &size, &err);
                fig[k].build_ms[run] += (tp_progress_seconds() - t0) * 1e3;
                uint32_t encoding;
                if (res == TP_OK)
                    res = tp_blob_encode(TP_ELEM_BYTES, 0, raw, size, 9, stored, stored_cap,
                                         &stored_size, &encoding);
                tp_mesh m;
                t0 = tp_progress_seconds();
                if (res == TP_OK)
                    res = tp_blob_decode(encoding, TP_ELEM_BYTES, 0, stored, stored_size, decoded, size);
                if (res == TP_OK)
                    res = tp_mesh_decode(decoded, size, v, mv, ix, mi, &m);
                fig[k].decode_us[run] += (tp_progress_seconds() - t0) * 1e6;
                if (res != TP_OK) {
                    fprintf(stderr, "%s: chunk (%d, %d) LOD %u: %s\n", cli.command, cx, cz, k,
                            tp_result_string(res));
                    status = TP_EXIT_FAILURE;
                    break;
                }
                tp_bench_sink += m.index_count;
                if (run > 0)
                    continue;
                /* The rule at the top: the coarsest grid within the mesh's error, never
                 * finer than the LOD's own. */
                uint32_t j = k;
                while (j + 1 < strides && grid_err[j + 1] <= err)
                    j++;
                if (grid_err[k] > err)
                    fig[k].clamped++;
                double n = (double)((e0 - 1) >> j), nk = (double)(e - 1);
                double mesh_tris = (double)(m.skirt_index_start / 3);
                fig[k].grid_triangles += 2.0 * n * n;
                fig[k].lod_grid_triangles += 2.0 * nk * nk;
                fig[k].mesh_triangles += mesh_tris;
                fig[k].class_grid[cls] += 2.0 * n * n;
                fig[k].class_mesh[cls] += mesh_tris;
                fig[k].ratio[c] = mesh_tris > 0 ? 2.0 * n * n / mesh_tris : 0.0;
                fig[k].ratio_class[c] = cls;
                fig[k].raw_bytes += (double)size;
                fig[k].stored_bytes += (double)stored_size;
                fig[k].error_sum_m += err;
                fig[k].max_error_m = err > fig[k].max_error_m ? err : fig[k].max_error_m;
            }
            tp_progress_update(&progress, (uint64_t)run * chunks + c + 1);
        }
    }
    tp_progress_end(&progress);

    if (status == TP_EXIT_OK) {
        const double n = (double)chunks;
        double all_build = 0.0;
        for (uint32_t k = 0; k < lods; k++) {
            for (int64_t r = 0; r < runs; r++) {
                fig[k].build_ms[r] /= n;
                fig[k].decode_us[r] /= n;
            }
        }
        for (int64_t r = 0; r < runs; r++)
            gen_ms[r] /= n;
        double gen = tp_bench_median(gen_ms, (int)runs);
        if (json)
            printf("{\"chunks\": %u, \"stride\": %lld, \"runs\": %lld, "
                   "\"class_chunks\": {\"flat\": %u, \"rolling\": %u, \"rough\": %u}, "
                   "\"generate_fields_ms\": %.4f, \"lods\": [",
                   chunks, (long long)stride, (long long)runs, class_chunks[0], class_chunks[1],
                   class_chunks[2], gen);
        else
            printf("mesh: %u chunks of the default world (%s%lld in x and z of -32,-32,32,32), "
                   "%lld run%s, one core\n"
                   "  ratio = regular-grid triangles at equal max error / mesh triangles\n"
                   "  %3s %9s %9s %7s %7s %9s %9s %8s %6s %9s %9s\n",
                   chunks, stride == 1 ? "all: stride " : "a uniform sample: stride ", (long long)stride,
                   (long long)runs, runs == 1 ? "" : "s", "LOD", "triangles", "grid@err",
                   "ratio", "median", "mean err", "max err", "bytes", "B/tri", "build ms",
                   "decode us");
        for (uint32_t k = 0; k < lods; k++) {
            lod_figures *f = &fig[k];
            double build = tp_bench_median(f->build_ms, (int)runs);
            double decode = tp_bench_median(f->decode_us, (int)runs);
            all_build += build;
            double ratio = f->mesh_triangles > 0 ? f->grid_triangles / f->mesh_triangles : 0.0;
            double median = ratio_median(f, chunks, -1, tmp);
            double per_tri = f->mesh_triangles > 0 ? f->stored_bytes / f->mesh_triangles : 0.0;
            if (json) {
                printf("%s\n  {\"lod\": %u, \"triangles_per_chunk\": %.2f, "
                       "\"grid_triangles_at_equal_error\": %.2f, \"ratio\": %.4f, "
                       "\"median_chunk_ratio\": %.4f, \"clamped_chunks\": %u, \"classes\": {",
                       k ? "," : "", k, f->mesh_triangles / n, f->grid_triangles / n, ratio, median,
                       f->clamped);
                for (int cls = 0; cls < CLASS_COUNT; cls++)
                    printf("%s\"%s\": {\"triangles_per_chunk\": %.2f, \"ratio\": %.4f, "
                           "\"median_chunk_ratio\": %.4f}",
                           cls ? ", " : "", k_class_name[cls],
                           class_chunks[cls] ? f->class_mesh[cls] / class_chunks[cls] : 0.0,
                           f->class_mesh[cls] > 0 ? f->class_grid[cls] / f->class_mesh[cls] : 0.0,
                           ratio_median(f, chunks, cls, tmp));
                printf("}, \"lod_grid_triangles\": %.0f, \"mean_error_m\": %.4f, "
                       "\"max_error_m\": %.4f, \"stored_bytes_per_chunk\": %.1f, "
                       "\"raw_bytes_per_chunk\": %.1f, \"stored_bytes_per_triangle\": %.4f, "
                       "\"build_ms_per_chunk\": %.4f, \"decode_us_per_mesh\": %.3f}",
                       f->lod_grid_triangles / n, f->error_sum_m / n, f->max_error_m,
                       f->stored_bytes / n, f->raw_bytes / n, per_tri, build, decode);
            } else {
                printf("  %3u %9.1f %9.1f %6.2fx %6.2fx %7.2f m %7.2f m %8.0f %6.2f %9.3f %9.2f\n",
                       k, f->mesh_triangles / n, f->grid_triangles / n, ratio, median,
                       f->error_sum_m / n, f->max_error_m, f->stored_bytes / n, per_tri, build,
                       decode);
            }
        }
        if (json) {
            printf("\n], \"build_all_lods_ms\": %.4f}\n", all_build);
        } else {
            printf("  all LODs: build %.3f ms per chunk; generating the chunk's fields: %.3f ms\n",
                   all_build, gen);
            printf("  by LOD-0 relief: ratio (median per chunk), triangles per chunk\n"
                   "  %3s", "LOD");
            for (int cls = 0; cls < CLASS_COUNT; cls++) {
                char head[48];
                snprintf(head, sizeof head, "%s, %u chunks", k_class_name[cls], class_chunks[cls]);
                printf(" %26s", head);
            }
            printf("\n");
            for (uint32_t k = 0; k < lods; k++) {
                printf("  %3u", k);
                for (int cls = 0; cls < CLASS_COUNT; cls++) {
                    const lod_figures *f = &fig[k];
                    printf("    %6.2fx (%6.2fx) %7.1f",
                           f->class_mesh[cls] > 0 ? f->class_grid[cls] / f->class_mesh[cls] : 0.0,
                           ratio_median(f, chunks, cls, tmp),
                           class_chunks[cls] ? f->class_mesh[cls] / class_chunks[cls] : 0.0);
                }
                printf("\n");
            }
            printf("  chunks whose mesh beat the LOD's own grid (counted as that grid) at LODs 1-%u:",
                   lods - 1);
            for (uint32_t k = 1; k < lods; k++)
                printf(" %u%s", fig[k].clamped, k + 1 < lods ? "," : "\n");
        }
    }
    for (uint32_t k = 0; k < TP_MAX_LODS; k++) {
        free(fig[k].build_ms);
        free(fig[k].decode_us);
        free(fig[k].ratio);
        free(fig[k].ratio_class);
    }
    free(full), free(lod_grid), free(sub), free(ix), free(biomes), free(temperature);
    free(precipitation), free(v), free(scratch), free(build_scratch), free(raw), free(stored);
    free(decoded), free(gen_ms), free(tmp);
    return status;
}
