/* bench_bake.c — `terrapage bench bake`: bake speed on one and on every thread, bytes per
 * chunk per layer, and the height layer's size against 16-bit PNGs of the same heights
 * (libpng with its default settings) and against plain LZ4. */
#define _POSIX_C_SOURCE 200809L /* getpid */

#include <lz4.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "bench.h"
#include "cli.h"
#include "progress.h"
#include "worldfile.h"
#include "terrapage/baker.h"

enum { OPT_HELP = 1, OPT_JSON, OPT_RUNS, OPT_REGION, OPT_THREADS, OPT_NO_FULL, OPT_DIR };

/* ---- 16-bit PNG size with libpng's defaults ------------------------------------------ */

typedef struct png_counter {
    size_t bytes;
} png_counter;

static void count_png_bytes(png_structp png, png_bytep data, size_t length)
{
    (void)data;
    ((png_counter *)png_get_io_ptr(png))->bytes += length;
}

static void no_flush(png_structp png) { (void)png; }

/* Bytes of a 16-bit grayscale PNG of an edge × edge grid (0 on a libpng failure). */
static size_t png16_size(const uint16_t *grid, uint32_t edge)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
    png_infop info = png ? png_create_info_struct(png) : NULL;
    png_counter counter = {0};
    png_bytep *rows = malloc(edge * sizeof *rows);
    if (!png || !info || !rows || setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        free(rows);
        return 0;
    }
    png_set_write_fn(png, &counter, count_png_bytes, no_flush);
    png_set_IHDR(png, info, edge, edge, 16, PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE,
                 PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    const uint16_t probe = 1;
    if (*(const uint8_t *)&probe == 1)
        png_set_swap(png); /* PNG samples are big-endian */
    for (uint32_t r = 0; r < edge; r++)
        rows[r] = (png_bytep)(grid + (size_t)r * edge);
    png_write_image(png, rows);
    png_write_end(png, NULL);
    png_destroy_write_struct(&png, &info);
    free(rows);
    return counter.bytes;
}

/* ---- height sizes ------------------------------------------------------------------- */

typedef struct height_sizes {
    uint64_t chunks, raw, ours, pred2d, plain_lz4, png;
} height_sizes;

/* Encodes every LOD-0 height grid of the region four ways. */
static int measure_height_sizes(const tp_world_params *w, const tp_region *region,
                                height_sizes *out)
{
    const uint32_t e = w->samples_per_edge;
    const size_t raw = (size_t)e * e * sizeof(uint16_t);
    const size_t cap = tp_blob_encode_bound(raw) > (size_t)LZ4_compressBound((int)raw)
                           ? tp_blob_encode_bound(raw)
                           : (size_t)LZ4_compressBound((int)raw);
    uint16_t *h = malloc(raw);
    uint8_t *buf = malloc(cap);
    if (!h || !buf) {
        free(h), free(buf);
        return 0;
    }
    memset(out, 0, sizeof *out);
    for (int32_t cz = region->z0; cz < region->z1; cz++) {
        for (int32_t cx = region->x0; cx < region->x1; cx++) {
            tp_chunk_fields f = {h, NULL, NULL, NULL};
            tp_generate_chunk(w, cx, cz, 0, &f);
            size_t size;
            uint32_t enc;
            tp_blob_encode(TP_ELEM_U16, e, h, raw, 0, buf, cap, &size, &enc);
            out->ours += size;
            tp_blob_encode_as(TP_ENCODING_PRED2D_LZ4, TP_ELEM_U16, e, h, raw, 0, buf, cap,
                              &size, &enc);
            out->pred2d += size;
            out->plain_lz4 += (uint64_t)LZ4_compress_default((const char *)h, (char *)buf,
                                                             (int)raw, (int)cap);
            out->png += png16_size(h, e);
            out->raw += raw;
            out->chunks++;
        }
    }
    free(h), free(buf);
    return 1;
}

/* ---- bake timing -------------------------------------------------------------------- */

static int timed_bake(const char *path, const tp_region *region, uint32_t threads,
                      tp_bake_stats *stats)
{
    tp_bake_options o = {0};
    o.region_x0 = region->x0;
    o.region_z0 = region->z0;
    o.region_width = (uint32_t)tp_region_width(region);
    o.region_height = (uint32_t)tp_region_height(region);
    o.threads = threads;
    tp_result r = tp_bake(path, &o, stats);
    if (r != TP_OK) {
        char problem[768];
        tp_worldfile_problem(r, path, problem, sizeof problem);
        fprintf(stderr, "terrapage bench bake: %s: %s\n", path, problem);
        return 0;
    }
    return 1;
}

static void print_help(void)
{
    printf("usage: terrapage bench bake [options]\n"
           "\n"
           "Bakes a region of the default world with 1 thread and with every thread\n"
           "(median seconds over --runs bakes each), then the whole default world once;\n"
           "reports chunks/s, the speed-up, stored bytes per chunk per layer, and the\n"
           "LOD-0 height layer's size against 16-bit PNGs of the same heights (libpng\n"
           "defaults), the planar-predictor encoding and plain LZ4.\n"
           "\n"
           "Options:\n"
           "  --region X0,Z0,X1,Z1  chunks for the timed bakes (default: -8,-8,8,8)\n"
           "  --runs N              bakes per thread count (default: 3)\n"
           "  -j, --threads N       the 'all threads' count (default: every core)\n"
           "      --no-full         skip the bake of the whole default world\n"
           "      --dir DIR         where the temporary page files go (default: /tmp)\n"
           "      --json            print one JSON object instead of the table\n"
           "  -h, --help            show this help\n");
}

int tp_bench_bake(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},   {"json", 0, false, OPT_JSON},
        {"runs", 0, true, OPT_RUNS},      {"region", 0, true, OPT_REGION},
        {"threads", 'j', true, OPT_THREADS}, {"no-full", 0, false, OPT_NO_FULL},
        {"dir", 0, true, OPT_DIR},        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage bench bake", argc, argv);
    int64_t runs = 3, threads = 0;
    tp_region region = {-8, -8, 8, 8};
    bool json = false, full = true;
    const char *dir = "/tmp", *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR: return TP_EXIT_USAGE;
        case TP_CLI_POSITIONAL: return tp_cli_error(&cli, "unexpected argument '%s'", value);
        case OPT_HELP: print_help(); return TP_EXIT_OK;
        case OPT_JSON: json = true; break;
        case OPT_NO_FULL: full = false; break;
        case OPT_DIR: dir = value; break;
        case OPT_RUNS:
            if (!tp_cli_int(&cli, value, 1, 100, &runs))
                return TP_EXIT_USAGE;
            break;
        case OPT_THREADS:
            if (!tp_cli_int(&cli, value, 1, 1024, &threads))
                return TP_EXIT_USAGE;
            break;
        case OPT_REGION:
            if (!tp_cli_region(&cli, value, &region))
                return TP_EXIT_USAGE;
            break;
        }
    }
    const uint32_t all = threads ? (uint32_t)threads : (uint32_t)omp_get_max_threads();
    char path[4096];
    snprintf(path, sizeof path, "%s/terrapage-bench-%ld.tpk", dir, (long)getpid());

    const uint64_t chunks = (uint64_t)tp_region_width(&region) * tp_region_height(&region);
    double seconds[2][100];
    tp_bake_stats stats;
    const uint32_t counts[2] = {1, all};
    for (int t = 0; t < 2; t++) {
        for (int r = 0; r < runs; r++) {
            if (!timed_bake(path, &region, counts[t], &stats)) {
                unlink(path);
                return TP_EXIT_FAILURE;
            }
            seconds[t][r] = stats.seconds;
        }
    }
    const double s1 = tp_bench_median(seconds[0], (int)runs);
    const double sn = tp_bench_median(seconds[1], (int)runs);

    tp_bake_stats full_stats = {0};
    const tp_region default_region = TP_DEFAULT_REGION;
    if (full && !timed_bake(path, &default_region, all, &full_stats)) {
        unlink(path);
        return TP_EXIT_FAILURE;
    }
    unlink(path);

    tp_world_params world = {0};
    tp_world_params_resolve(&world, &world);
    height_sizes hs;
    if (!measure_height_sizes(&world, &region, &hs)) {
        fprintf(stderr, "terrapage bench bake: out of memory\n");
        return TP_EXIT_FAILURE;
    }

    const uint32_t layers = TP_LAYER_MESH + 1; /* every layer the baker writes */
    char name[32];
    if (json) {
        printf("{\"benchmark\": \"bake\", \"chunks\": %llu, \"runs\": %d,\n"
               " \"chunks_per_s\": {\"threads_1\": %.1f, \"threads_all\": %.1f, "
               "\"threads\": %u, \"speedup\": %.3f},\n",
               (unsigned long long)chunks, (int)runs, chunks / s1, chunks / sn, all, s1 / sn);
        if (full)
            printf(" \"default_world\": {\"chunks\": %llu, \"seconds\": %.2f, "
                   "\"file_bytes\": %llu},\n",
                   (unsigned long long)full_stats.chunks, full_stats.seconds,
                   (unsigned long long)full_stats.file_bytes);
        printf(" \"cpu_seconds\": {\"generate\": %.3f, \"mesh\": %.3f, \"encode\": %.3f},\n",
               stats.generate_seconds, stats.mesh_seconds, stats.encode_seconds);
        printf(" \"bytes_per_chunk\": {");
        for (uint32_t layer = 0; layer < layers; layer++) {
            uint64_t stored, raw;
            tp_bake_stats_layer_total(&stats, layer, &stored, &raw);
            printf("%s\"%s\": {\"stored\": %.1f, \"raw\": %.1f}", layer ? ", " : "",
                   tp_worldfile_layer_name(layer, name, sizeof name), (double)stored / chunks,
                   (double)raw / chunks);
        }
        printf("},\n \"lod0_heights\": {\"raw\": %llu, \"ours\": %llu, \"pred2d_lz4\": %llu, "
               "\"plain_lz4\": %llu, \"png16\": %llu, \"ours_vs_png\": %.4f}}\n",
               (unsigned long long)hs.raw, (unsigned long long)hs.ours,
               (unsigned long long)hs.pred2d, (unsigned long long)hs.plain_lz4,
               (unsigned long long)hs.png, (double)hs.ours / (double)hs.png);
        return TP_EXIT_OK;
    }

    printf("bench bake: %llu chunks of the default world, median of %d bakes each\n",
           (unsigned long long)chunks, (int)runs);
    printf("   1 thread         %8.1f chunks/s  (%.2f s)\n", chunks / s1, s1);
    printf("  %2u threads        %8.1f chunks/s  (%.2f s)   speed-up %.2fx\n", all,
           chunks / sn, sn, s1 / sn);
    if (full)
        printf("  default world, %llu chunks on %u threads: %.1f s, %.1f MiB\n",
               (unsigned long long)full_stats.chunks, all, full_stats.seconds,
               (double)full_stats.file_bytes / 1048576.0);
    printf("  CPU time per chunk (all-thread bake): generate %.2f ms, meshes (every LOD) "
           "%.2f ms, compress %.2f ms\n",
           stats.generate_seconds * 1e3 / chunks, stats.mesh_seconds * 1e3 / chunks,
           stats.encode_seconds * 1e3 / chunks);
    printf("  stored bytes per chunk (every LOD):\n");
    for (uint32_t layer = 0; layer < layers; layer++) {
        uint64_t stored, raw;
        tp_bake_stats_layer_total(&stats, layer, &stored, &raw);
        printf("    %-14s %9.0f B of %9.0f raw (%.2fx)\n",
               tp_worldfile_layer_name(layer, name, sizeof name),
               (double)stored / chunks, (double)raw / chunks,
               stored ? (double)raw / (double)stored : 0.0);
    }
    printf("  LOD-0 heights, %llu grids of %ux%u, compression ratio (raw / stored):\n",
           (unsigned long long)hs.chunks, world.samples_per_edge, world.samples_per_edge);
    printf("    terrapage (slope + bit planes + LZ4HC) %6.2fx  %.3fx the PNG size\n",
           (double)hs.raw / hs.ours, (double)hs.ours / hs.png);
    printf("    planar predictor + bytes + LZ4HC       %6.2fx  %.3fx the PNG size\n",
           (double)hs.raw / hs.pred2d, (double)hs.pred2d / hs.png);
    printf("    16-bit PNG (libpng defaults)           %6.2fx\n", (double)hs.raw / hs.png);
    printf("    plain LZ4                              %6.2fx\n",
           (double)hs.raw / hs.plain_lz4);
    return TP_EXIT_OK;
}
