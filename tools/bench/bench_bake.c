/* bench_bake.c — `terrapage bench bake`: bake speed on one and on every thread, bytes per
 * chunk per layer, and the height layer's size against 16-bit PNGs of the same heights
 * (libpng with its default settings) and against plain LZ4. */
#define _POSIX_C_SOURCE 200809L /* getpid */

#include <lz4.h>
#include <png.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <omp.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"
#include "pagefile_names.h"
#include "pagefile_open.h"
#include "terrapage/baker.h"

enum { OPT_REGION = TPT_BENCH_OPT_PART, OPT_THREADS, OPT_NO_FULL, OPT_DIR };

#define COMMAND "terrapage bench bake"
#define BAKED_LAYERS (TP_LAYER_MESH + 1) /* every layer the baker writes */

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
static int measure_height_sizes(const tp_world_params *w, const tpt_region *region,
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
    for (int64_t cz = region->z0; cz < region->z1; cz++) {
        for (int64_t cx = region->x0; cx < region->x1; cx++) {
            tp_chunk_fields f = {h, NULL, NULL, NULL};
            tp_generate_chunk(w, (int32_t)cx, (int32_t)cz, 0, &f);
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

static int timed_bake(const char *path, const tpt_region *region, uint32_t threads,
                      tp_bake_stats *stats)
{
    tp_bake_options o = {0};
    o.region_x0 = region->x0;
    o.region_z0 = region->z0;
    o.region_width = (uint32_t)tpt_region_width(region);
    o.region_height = (uint32_t)tpt_region_height(region);
    o.threads = threads;
    tp_result r = tp_bake(path, &o, stats);
    if (r != TP_OK) {
        char problem[768];
        tpt_pagefile_problem(r, path, problem, sizeof problem);
        fprintf(stderr, "%s: %s: %s\n", COMMAND, path, problem);
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

typedef struct bake_bench_options {
    tpt_bench_options shared;
    int64_t threads;
    tpt_region region;
    bool full;
    const char *dir;
} bake_bench_options;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, bake_bench_options *o)
{
    static const tpt_cli_option options[] = {
        TPT_BENCH_OPTIONS,
        {"region", 0, true, OPT_REGION},
        {"threads", 'j', true, OPT_THREADS},
        {"no-full", 0, false, OPT_NO_FULL},
        {"dir", 0, true, OPT_DIR},
        {0},
    };
    static const tpt_bench_usage usage = {.max_runs = 100, .print_help = print_help};
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *o = (bake_bench_options){.shared.runs = 3, .region = {-8, -8, 8, 8}, .full = true,
                              .dir = "/tmp"};
    const char *value;
    for (int id, status; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case OPT_NO_FULL: o->full = false; break;
        case OPT_DIR: o->dir = value; break;
        case OPT_THREADS:
            if (!tpt_cli_int(&cli, value, 1, 1024, &o->threads))
                return TPT_EXIT_USAGE;
            break;
        case OPT_REGION:
            if (!tpt_cli_region(&cli, value, &o->region))
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

typedef struct bake_figures {
    uint64_t chunks;
    uint32_t all_threads;
    double seconds_1, seconds_all; /* medians */
    tp_bake_stats stats;           /* of the last all-thread bake */
    tp_bake_stats full;            /* the whole default world (--no-full: zero) */
    tp_world_params world;
    height_sizes heights;
} bake_figures;

/* The timed bakes on 1 and on every thread, then the whole default world once.
 * @return false after printing the problem. */
static bool time_bakes(const bake_bench_options *o, const char *path, bake_figures *f)
{
    double seconds[2][100];
    const uint32_t counts[2] = {1, f->all_threads};
    for (int t = 0; t < 2; t++) {
        for (int r = 0; r < o->shared.runs; r++) {
            if (!timed_bake(path, &o->region, counts[t], &f->stats))
                return false;
            seconds[t][r] = f->stats.seconds;
        }
    }
    f->seconds_1 = tpt_bench_median(seconds[0], (int)o->shared.runs);
    f->seconds_all = tpt_bench_median(seconds[1], (int)o->shared.runs);
    const tpt_region default_region = TPT_DEFAULT_REGION;
    return !o->full || timed_bake(path, &default_region, f->all_threads, &f->full);
}

static int measure(const bake_bench_options *o, bake_figures *f)
{
    f->all_threads = o->threads ? (uint32_t)o->threads : (uint32_t)omp_get_max_threads();
    f->chunks = (uint64_t)tpt_region_width(&o->region) * tpt_region_height(&o->region);
    char path[4096];
    snprintf(path, sizeof path, "%s/terrapage-bench-%ld.tpk", o->dir, (long)getpid());
    bool baked = time_bakes(o, path, f);
    unlink(path);
    if (!baked)
        return TPT_EXIT_FAILURE;
    tp_world_params_resolve(&(tp_world_params){0}, &f->world);
    if (!measure_height_sizes(&f->world, &o->region, &f->heights)) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        return TPT_EXIT_FAILURE;
    }
    return TPT_EXIT_OK;
}

static json_t *report_json(const bake_bench_options *o, const bake_figures *f)
{
    const double chunks = (double)f->chunks;
    const height_sizes *hs = &f->heights;
    json_t *per_layer = json_object();
    for (uint32_t layer = 0; layer < BAKED_LAYERS; layer++) {
        uint64_t stored, raw;
        char name[32];
        tp_bake_stats_layer_total(&f->stats, layer, &stored, &raw);
        json_object_set_new(per_layer, tpt_layer_name(layer, name, sizeof name),
                            json_pack("{s:o, s:o}", "stored", tpt_json_real(stored / chunks, 1),
                                      "raw", tpt_json_real(raw / chunks, 1)));
    }
    json_t *report = json_pack(
        "{s:s, s:o, s:i, s:{s:o, s:o, s:i, s:o}}",
        "benchmark", "bake",
        "chunks", tpt_json_u64(f->chunks),
        "runs", (int)o->shared.runs,
        "chunks_per_s",
            "threads_1", tpt_json_real(chunks / f->seconds_1, 1),
            "threads_all", tpt_json_real(chunks / f->seconds_all, 1),
            "threads", (int)f->all_threads,
            "speedup", tpt_json_real(f->seconds_1 / f->seconds_all, 3));
    if (o->full)
        json_object_set_new(report, "default_world",
                            json_pack("{s:o, s:o, s:o}",
                                      "chunks", tpt_json_u64(f->full.chunks),
                                      "seconds", tpt_json_real(f->full.seconds, 2),
                                      "file_bytes", tpt_json_u64(f->full.file_bytes)));
    json_object_set_new(report, "cpu_seconds",
                        json_pack("{s:o, s:o, s:o}",
                                  "generate", tpt_json_real(f->stats.generate_seconds, 3),
                                  "mesh", tpt_json_real(f->stats.mesh_seconds, 3),
                                  "encode", tpt_json_real(f->stats.encode_seconds, 3)));
    json_object_set_new(report, "bytes_per_chunk", per_layer);
    json_object_set_new(report, "lod0_heights",
                        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
                                  "raw", tpt_json_u64(hs->raw),
                                  "ours", tpt_json_u64(hs->ours),
                                  "pred2d_lz4", tpt_json_u64(hs->pred2d),
                                  "plain_lz4", tpt_json_u64(hs->plain_lz4),
                                  "png16", tpt_json_u64(hs->png),
                                  "ours_vs_png",
                                  tpt_json_real((double)hs->ours / (double)hs->png, 4)));
    return report;
}

static void report_text(const bake_bench_options *o, const bake_figures *f)
{
    const double chunks = (double)f->chunks, s1 = f->seconds_1, sn = f->seconds_all;
    const height_sizes *hs = &f->heights;
    const tp_bake_stats *st = &f->stats;
    printf("bench bake: %llu chunks of the default world, median of %d bakes each\n",
           (unsigned long long)f->chunks, (int)o->shared.runs);
    printf("   1 thread         %8.1f chunks/s  (%.2f s)\n", chunks / s1, s1);
    printf("  %2u threads        %8.1f chunks/s  (%.2f s)   speed-up %.2fx\n", f->all_threads,
           chunks / sn, sn, s1 / sn);
    if (o->full)
        printf("  default world, %llu chunks on %u threads: %.1f s, %.1f MiB\n",
               (unsigned long long)f->full.chunks, f->all_threads, f->full.seconds,
               (double)f->full.file_bytes / 1048576.0);
    printf("  CPU time per chunk (all-thread bake): generate %.2f ms, meshes (every LOD) "
           "%.2f ms, compress %.2f ms\n",
           st->generate_seconds * 1e3 / chunks, st->mesh_seconds * 1e3 / chunks,
           st->encode_seconds * 1e3 / chunks);
    printf("  stored bytes per chunk (every LOD):\n");
    for (uint32_t layer = 0; layer < BAKED_LAYERS; layer++) {
        uint64_t stored, raw;
        char name[32];
        tp_bake_stats_layer_total(st, layer, &stored, &raw);
        printf("    %-14s %9.0f B of %9.0f raw (%.2fx)\n",
               tpt_layer_name(layer, name, sizeof name), (double)stored / chunks,
               (double)raw / chunks, stored ? (double)raw / (double)stored : 0.0);
    }
    printf("  LOD-0 heights, %llu grids of %ux%u, compression ratio (raw / stored):\n",
           (unsigned long long)hs->chunks, f->world.samples_per_edge,
           f->world.samples_per_edge);
    printf("    terrapage (slope + bit planes + LZ4HC) %6.2fx  %.3fx the PNG size\n",
           (double)hs->raw / hs->ours, (double)hs->ours / hs->png);
    printf("    planar predictor + bytes + LZ4HC       %6.2fx  %.3fx the PNG size\n",
           (double)hs->raw / hs->pred2d, (double)hs->pred2d / hs->png);
    printf("    16-bit PNG (libpng defaults)           %6.2fx\n", (double)hs->raw / hs->png);
    printf("    plain LZ4                              %6.2fx\n",
           (double)hs->raw / hs->plain_lz4);
}

int tpt_bench_part_bake(int argc, char **argv, json_t **out_json)
{
    bake_bench_options o;
    int status = parse_options(argc, argv, &o);
    if (status != TPT_CLI_PROCEED)
        return status;
    bake_figures f = {0};
    status = measure(&o, &f);
    if (status != TPT_EXIT_OK)
        return status;
    if (o.shared.json)
        return tpt_bench_emit(report_json(&o, &f), out_json);
    report_text(&o, &f);
    return TPT_EXIT_OK;
}
