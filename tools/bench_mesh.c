/* bench_mesh.c — `terrapage bench mesh`: the chunk meshes of the default world, per LOD.
 *
 * Triangles are compared with the regular grid at equal error, measured honestly: for
 * each chunk, the mesh's exact max error against the LOD-0 heights, and the coarsest
 * regular grid (the LOD-0 grid at stride 2^j, any j, down to 3 samples per edge) whose
 * own max error is no larger, but never finer than the LOD's own grid (built from the
 * same samples, it differs from the mesh's error only by the choice of diagonals).
 * Strides are powers of two because only those grids share the chunk's border samples;
 * so the grid's count moves in steps of 4×, and the ratio is of sums over all chunks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "progress.h"
#include "terrapage/mesh.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

enum { OPT_HELP = 1, OPT_JSON, OPT_CHUNKS, OPT_RUNS };

typedef struct lod_figures {
    double mesh_triangles, grid_triangles, lod_grid_triangles;
    double raw_bytes, stored_bytes;
    double max_error_m, error_sum_m;
    double *build_ms, *decode_us; /* per run */
} lod_figures;

static void print_help(void)
{
    printf("usage: terrapage bench mesh [--chunks N] [--runs N] [--json]\n"
           "\n"
           "Builds the meshes of N chunks spread over the default world at every LOD, as the\n"
           "baker does (tp_mesh_generate_chunk_blob with the LOD's grid and the LOD-0 grid\n"
           "for the error), and reports per LOD: triangles per chunk against the coarsest\n"
           "regular grid whose max error is no larger (per chunk, summed), the max error,\n"
           "bytes stored (LZ4HC 9, as baked) per surface triangle, build ms per chunk and\n"
           "decode us per mesh (LZ4 + mesh decoding), medians over the runs; and the ms to\n"
           "generate a chunk's fields, for comparison with building all its meshes.\n"
           "\n"
           "Options:\n"
           "      --chunks N   chunks to measure, 1 to 4096; default 100\n"
           "      --runs N     timing runs, 1 to 100; default 3\n"
           "      --json       one JSON object\n"
           "  -h, --help       show this help\n");
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
        {"chunks", 0, true, OPT_CHUNKS}, {"runs", 0, true, OPT_RUNS}, {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage bench mesh", argc, argv);
    bool json = false, help = false;
    int64_t chunks = 100, runs = 3;
    const char *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR: return TP_EXIT_USAGE;
        case OPT_HELP: help = true; break;
        case OPT_JSON: json = true; break;
        case OPT_CHUNKS:
            if (!tp_cli_int(&cli, value, 1, 4096, &chunks))
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
    uint32_t strides = 0;
    while (((e0 - 1) >> strides) >= 2)
        strides++;
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
    double *gen_ms = calloc((size_t)runs, sizeof *gen_ms);
    lod_figures fig[TP_MAX_LODS];
    memset(fig, 0, sizeof fig);
    bool ok = full && lod_grid && sub && ix && biomes && temperature && precipitation && v &&
              scratch && build_scratch && raw && stored && decoded && gen_ms;
    for (uint32_t k = 0; k < lods && ok; k++) {
        fig[k].build_ms = calloc((size_t)runs, sizeof(double));
        fig[k].decode_us = calloc((size_t)runs, sizeof(double));
        ok = fig[k].build_ms && fig[k].decode_us;
    }
    if (!ok) {
        fprintf(stderr, "%s: out of memory\n", cli.command);
        return TP_EXIT_FAILURE;
    }

    int status = TP_EXIT_OK;
    for (int64_t run = 0; run < runs && status == TP_EXIT_OK; run++) {
        for (int64_t c = 0; c < chunks && status == TP_EXIT_OK; c++) {
            /* A spread over the default 64 × 64 region: land, coast, sea and mountains. */
            int32_t cx = (int32_t)((c * 37) % 64) - 32, cz = (int32_t)((c * 23 + c / 64) % 64) - 32;
            tp_chunk_fields fields = {full, biomes, temperature, precipitation};
            double t0 = tp_progress_seconds();
            tp_generate_chunk(&world, cx, cz, 0, &fields);
            gen_ms[run] += (tp_progress_seconds() - t0) * 1e3;
            float grid_err[16];
            if (run == 0)
                for (uint32_t j = 0; j < strides && j < 16; j++)
                    grid_err[j] = grid_error(full, e0, j, sub, build_scratch, v, mv, ix, mi);
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
                /* The coarsest grid within the mesh's error, but never finer than the
                 * LOD's own grid: that one is built from the same samples, and the mesh can
                 * beat it on error only by the luck of its diagonals. */
                uint32_t j = k;
                while (j + 1 < strides && grid_err[j + 1] <= err)
                    j++;
                double n = (double)((e0 - 1) >> j), nk = (double)(e - 1);
                fig[k].grid_triangles += 2.0 * n * n;
                fig[k].lod_grid_triangles += 2.0 * nk * nk;
                fig[k].mesh_triangles += m.skirt_index_start / 3;
                fig[k].raw_bytes += (double)size;
                fig[k].stored_bytes += (double)stored_size;
                fig[k].error_sum_m += err;
                fig[k].max_error_m = err > fig[k].max_error_m ? err : fig[k].max_error_m;
            }
        }
    }

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
            printf("{\"chunks\": %lld, \"runs\": %lld, \"generate_fields_ms\": %.4f, \"lods\": [",
                   (long long)chunks, (long long)runs, gen);
        else
            printf("mesh: %lld chunks of the default world, median of %lld runs, one core\n"
                   "  %3s %9s %9s %7s %9s %9s %8s %8s %9s %9s\n",
                   (long long)chunks, (long long)runs, "LOD", "triangles", "grid@err", "ratio",
                   "mean err", "max err", "bytes", "B/tri", "build ms", "decode us");
        for (uint32_t k = 0; k < lods; k++) {
            lod_figures *f = &fig[k];
            double build = tp_bench_median(f->build_ms, (int)runs);
            double decode = tp_bench_median(f->decode_us, (int)runs);
            all_build += build;
            double ratio = f->mesh_triangles > 0 ? f->grid_triangles / f->mesh_triangles : 0.0;
            double per_tri = f->mesh_triangles > 0 ? f->stored_bytes / f->mesh_triangles : 0.0;
            if (json)
                printf("%s\n  {\"lod\": %u, \"triangles_per_chunk\": %.2f, "
                       "\"grid_triangles_at_equal_error\": %.2f, \"ratio\": %.4f, "
                       "\"lod_grid_triangles\": %.0f, \"mean_error_m\": %.4f, \"max_error_m\": %.4f, "
                       "\"stored_bytes_per_chunk\": %.1f, \"raw_bytes_per_chunk\": %.1f, "
                       "\"stored_bytes_per_triangle\": %.4f, \"build_ms_per_chunk\": %.4f, "
                       "\"decode_us_per_mesh\": %.3f}",
                       k ? "," : "", k, f->mesh_triangles / n, f->grid_triangles / n, ratio,
                       f->lod_grid_triangles / n, f->error_sum_m / n, f->max_error_m,
                       f->stored_bytes / n, f->raw_bytes / n, per_tri, build, decode);
            else
                printf("  %3u %9.1f %9.1f %6.2fx %7.2f m %7.2f m %8.0f %8.2f %9.3f %9.2f\n", k,
                       f->mesh_triangles / n, f->grid_triangles / n, ratio, f->error_sum_m / n,
                       f->max_error_m, f->stored_bytes / n, per_tri, build, decode);
        }
        if (json)
            printf("\n], \"build_all_lods_ms\": %.4f}\n", all_build);
        else
            printf("  all LODs: build %.3f ms per chunk; generating the chunk's fields: %.3f ms\n",
                   all_build, gen);
    }
    for (uint32_t k = 0; k < lods; k++) {
        free(fig[k].build_ms);
        free(fig[k].decode_us);
    }
    free(full), free(lod_grid), free(sub), free(ix), free(biomes), free(temperature);
    free(precipitation), free(v), free(scratch), free(build_scratch), free(raw), free(stored);
    free(decoded), free(gen_ms);
    return status;
}
