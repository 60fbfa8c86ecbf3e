/* bench_pagein.c — `terrapage bench pagein`: the CPU cost of bringing one chunk into
 * memory from the page file against generating it, for the same chunks in the same run.
 * This is the ratio the whole project rests on: a baked page-in must be far cheaper than
 * the on-demand generation it replaces. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"
#include "pagefile_open.h"
#include "terrapage/mesh.h"
#include "terrapage/page.h"

enum { OPT_CHUNKS = TPT_BENCH_OPT_PART, OPT_LOD, OPT_NO_MESH, OPT_MMAP };

#define COMMAND "terrapage bench pagein"

static uint64_t gcd(uint64_t a, uint64_t b)
{
    while (b) {
        uint64_t t = a % b;
        a = b, b = t;
    }
    return a;
}

typedef struct chunk_buffers {
    uint16_t *heights;
    uint8_t *biomes;
    int16_t *temperature;
    uint16_t *precipitation;
    uint16_t *heights_ref; /* the file's data, to check generation gives the same bytes */
    uint8_t *biomes_ref;
    /* Meshes (files with the mesh layer). */
    uint8_t *mesh_raw, *mesh_raw_ref;
    size_t mesh_raw_cap;
    void *page_scratch; /* tp_page_scratch_size() at LOD 0 */
    size_t page_scratch_size;
    tp_mesh_vertex *vertices;
    uint16_t *indices;
    uint32_t max_vertices, max_indices;
} chunk_buffers;

typedef struct lod_figures {
    uint32_t lod, edge;
    bool mesh;
    /* Medians over runs of CPU µs per chunk. */
    double file_grids_us, generate_grids_us, file_mesh_us, generate_mesh_us;
    double file_us, generate_us; /* all layers */
} lod_figures;

/* The grids a page-in of `lod` decodes: heights and biomes of that LOD, and the climate
 * grids (stored at LOD 0 only) with LOD 0. */
static tp_page grid_page(const chunk_buffers *b, uint32_t lod)
{
    return (tp_page){.heights = b->heights, .biomes = b->biomes,
                     .temperature_cc = lod == 0 ? b->temperature : NULL,
                     .precipitation_mm = lod == 0 ? b->precipitation : NULL};
}

static tp_result page_in_grids(const tp_page_layout *L, const tp_reader *r, int32_t cx,
                               int32_t cz, uint32_t lod, const chunk_buffers *b)
{
    tp_page page = grid_page(b, lod);
    return tp_page_read(L, r, cx, cz, lod, b->page_scratch, b->page_scratch_size, &page);
}

/* The mesh of a page-in: the blob's LZ4 and checksum, then the mesh decoder, ready to
 * upload, as the runtime's workers do. */
static tp_result page_in_mesh(const tp_page_layout *L, const tp_reader *r, int32_t cx,
                              int32_t cz, uint32_t lod, const chunk_buffers *b, size_t *out_raw)
{
    tp_page page = {.mesh = b->mesh_raw};
    tp_mesh mesh;
    tp_result res;
    if ((res = tp_page_read(L, r, cx, cz, lod, b->page_scratch, b->page_scratch_size,
                            &page)) != TP_OK ||
        (res = tp_mesh_decode(b->mesh_raw, page.mesh_size, b->vertices, b->max_vertices,
                              b->indices, b->max_indices, &mesh)) != TP_OK)
        return res;
    *out_raw = page.mesh_size;
    return TP_OK;
}

static void generate_grids(const tp_page_layout *L, int32_t cx, int32_t cz, uint32_t lod,
                           const chunk_buffers *b)
{
    tp_page page = grid_page(b, lod);
    tp_page_generate(L, cx, cz, lod, NULL, NULL, 0, &page);
}

/* The fallback's mesh from the LOD's grid in b->heights, then decoded like a file's. */
static tp_result generate_mesh(const tp_page_layout *L, int32_t cx, int32_t cz, uint32_t lod,
                               const chunk_buffers *b, size_t *out_raw)
{
    tp_page page = {.heights = b->heights, .mesh = b->mesh_raw};
    tp_mesh mesh;
    tp_result res = tp_page_generate_mesh(L, cx, cz, lod, NULL, b->page_scratch,
                                          b->page_scratch_size, &page);
    if (res == TP_OK)
        res = tp_mesh_decode(b->mesh_raw, page.mesh_size, b->vertices, b->max_vertices,
                             b->indices, b->max_indices, &mesh);
    *out_raw = page.mesh_size;
    return res;
}

static void report_failure(const char *path, int32_t cx, int32_t cz, uint32_t lod,
                           const char *what, tp_result res)
{
    char problem[768];
    tpt_pagefile_problem(res, path, problem, sizeof problem);
    fprintf(stderr, "%s: %s: chunk (%d, %d) LOD %u, %s: %s\n", COMMAND, path, cx, cz, lod, what,
            problem);
}

static int measure_lod(const char *path, const tp_reader *r, const tp_page_layout *L,
                       const int32_t *cxs, const int32_t *czs, int chunks, int runs,
                       uint32_t lod, bool mesh, const chunk_buffers *b, lod_figures *out)
{
    const uint32_t edge = L->edge[lod];
    const size_t grid = (size_t)edge * edge;
    double file_g[100], gen_g[100], file_m[100], gen_m[100], file_t[100], gen_t[100];
    size_t raw = 0, raw_ref = 0;

    /* Warm-up and check: every page is touched once (mapped, in the page cache), and the
     * file's bytes must equal a fresh generation, or the comparison would be unfair. */
    for (int i = 0; i < chunks; i++) {
        tp_result res = page_in_grids(L, r, cxs[i], czs[i], lod, b);
        if (res != TP_OK) {
            report_failure(path, cxs[i], czs[i], lod, "grids", res);
            return 0;
        }
        memcpy(b->heights_ref, b->heights, grid * sizeof *b->heights);
        memcpy(b->biomes_ref, b->biomes, grid);
        if (mesh) {
            if ((res = page_in_mesh(L, r, cxs[i], czs[i], lod, b, &raw_ref)) != TP_OK) {
                report_failure(path, cxs[i], czs[i], lod, "mesh", res);
                return 0;
            }
            memcpy(b->mesh_raw_ref, b->mesh_raw, raw_ref);
        }
        generate_grids(L, cxs[i], czs[i], lod, b);
        bool same = memcmp(b->heights_ref, b->heights, grid * sizeof *b->heights) == 0 &&
                    memcmp(b->biomes_ref, b->biomes, grid) == 0;
        if (same && mesh) {
            tp_result gr = generate_mesh(L, cxs[i], czs[i], lod, b, &raw);
            if (gr != TP_OK) {
                report_failure(path, cxs[i], czs[i], lod, "generated mesh", gr);
                return 0;
            }
            same = raw == raw_ref && memcmp(b->mesh_raw, b->mesh_raw_ref, raw) == 0;
        }
        if (!same) {
            fprintf(stderr,
                    "%s: %s: chunk (%d, %d) LOD %u differs from a fresh generation "
                    "(baked by another generator?)\n",
                    COMMAND, path, cxs[i], czs[i], lod);
            return 0;
        }
    }
    /* Alternate file and generation in every run, so drifting machine load hits both
     * alike. File pages are timed over the whole set (a single decode is near the
     * clock's own cost); generation, hundreds of times slower, per chunk, since its mesh
     * needs that chunk's grid. */
    for (int run = 0; run < runs; run++) {
        double t0 = tpt_bench_thread_cpu_s();
        for (int i = 0; i < chunks; i++)
            page_in_grids(L, r, cxs[i], czs[i], lod, b);
        double t1 = tpt_bench_thread_cpu_s();
        if (mesh)
            for (int i = 0; i < chunks; i++)
                page_in_mesh(L, r, cxs[i], czs[i], lod, b, &raw);
        double t2 = tpt_bench_thread_cpu_s();
        tpt_bench_sink += b->heights[run % grid];
        double g = 0.0, m = 0.0;
        for (int i = 0; i < chunks; i++) {
            double a = tpt_bench_thread_cpu_s();
            generate_grids(L, cxs[i], czs[i], lod, b);
            double c = tpt_bench_thread_cpu_s();
            if (mesh)
                generate_mesh(L, cxs[i], czs[i], lod, b, &raw);
            g += c - a;
            m += tpt_bench_thread_cpu_s() - c;
        }
        tpt_bench_sink += b->heights[run % grid];
        file_g[run] = (t1 - t0) * 1e6 / chunks;
        file_m[run] = (t2 - t1) * 1e6 / chunks;
        gen_g[run] = g * 1e6 / chunks;
        gen_m[run] = m * 1e6 / chunks;
        file_t[run] = file_g[run] + file_m[run];
        gen_t[run] = gen_g[run] + gen_m[run];
    }
    out->lod = lod;
    out->edge = edge;
    out->mesh = mesh;
    out->file_grids_us = tpt_bench_median(file_g, runs);
    out->generate_grids_us = tpt_bench_median(gen_g, runs);
    out->file_mesh_us = tpt_bench_median(file_m, runs);
    out->generate_mesh_us = tpt_bench_median(gen_m, runs);
    out->file_us = tpt_bench_median(file_t, runs);
    out->generate_us = tpt_bench_median(gen_t, runs);
    return 1;
}

static double ratio(double generate, double file) { return file > 0.0 ? generate / file : 0.0; }

static void print_help(void)
{
    printf("usage: terrapage bench pagein [FILE.tpk] [options]\n"
           "\n"
           "CPU time per chunk to page one LOD in from a page file against generating it,\n"
           "for the same chunks in the same run, on one core, with the data in the page\n"
           "cache. A page-in is what the runtime's workers do: directory lookup, XXH3\n"
           "check and decode of every layer stored at that LOD - heights, biomes, the\n"
           "climate grids with LOD 0, and the mesh (LZ4, then the mesh decoder) when the\n"
           "file has one. Generating is the runtime's fallback for the same page:\n"
           "tp_generate_chunk() of the same fields, and the mesh built from them and\n"
           "decoded. Checks first that both give the same bytes. Reports medians over\n"
           "--runs passes and the ratio generate / file, in total and for the grids\n"
           "alone. Without FILE, a 16 x 16-chunk bake of the default world is made in /tmp.\n"
           "\n"
           "Options:\n"
           "      --chunks N   chunks, spread over the baked region (default: 48)\n"
           "      --runs N     passes over the chunks (default: 5)\n"
           "      --lod K      only this LOD (default: every LOD)\n"
           "      --no-mesh    leave the mesh layer out on both sides\n"
           "      --mmap       read the file through a mapping instead of with pread (the\n"
           "                   runtime's default); after the warm-up pass every page is\n"
           "                   already mapped, so this leaves out the first-touch cost\n"
           "                   a streaming runtime pays (the soak measures that)\n"
           "      --json       print one JSON object instead of the table\n"
           "  -h, --help       show this help\n");
}

typedef struct pagein_options {
    tpt_bench_options shared; /* path NULL: a bake of the default world */
    int64_t chunks, only_lod; /* only_lod −1: every LOD */
    bool mesh, mapped;
} pagein_options;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, pagein_options *o)
{
    static const tpt_cli_option options[] = {
        TPT_BENCH_OPTIONS,
        {"chunks", 0, true, OPT_CHUNKS},
        {"lod", 0, true, OPT_LOD},
        {"no-mesh", 0, false, OPT_NO_MESH},
        {"mmap", 0, false, OPT_MMAP},
        {0},
    };
    static const tpt_bench_usage usage = {
        .max_runs = 100, .takes_file = true, .print_help = print_help};
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *o = (pagein_options){.shared.runs = 5, .chunks = 48, .only_lod = -1, .mesh = true};
    const char *value;
    for (int id, status; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case OPT_NO_MESH: o->mesh = false; break;
        case OPT_MMAP: o->mapped = true; break;
        case OPT_CHUNKS:
            if (!tpt_cli_int(&cli, value, 1, 100000, &o->chunks))
                return TPT_EXIT_USAGE;
            break;
        case OPT_LOD:
            if (!tpt_cli_int(&cli, value, 0, TP_MAX_LODS - 1, &o->only_lod))
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

static void buffers_free(chunk_buffers *b)
{
    free(b->heights), free(b->biomes), free(b->temperature), free(b->precipitation);
    free(b->heights_ref), free(b->biomes_ref);
    free(b->mesh_raw), free(b->mesh_raw_ref), free(b->page_scratch);
    free(b->vertices), free(b->indices);
    memset(b, 0, sizeof *b);
}

/* Buffers for the largest LOD (LOD 0 needs the most of everything; the same buffers serve
 * every LOD); mesh buffers only with `mesh`. @return false when out of memory. */
static bool buffers_init(chunk_buffers *b, const tp_page_layout *L, bool mesh)
{
    const uint32_t e0 = L->edge[0], ce = L->climate_edge;
    *b = (chunk_buffers){
        .heights = malloc(sizeof *b->heights * e0 * e0),
        .biomes = malloc((size_t)e0 * e0),
        .temperature = malloc(sizeof *b->temperature * ce * ce),
        .precipitation = malloc(sizeof *b->precipitation * ce * ce),
        .heights_ref = malloc(sizeof *b->heights_ref * e0 * e0),
        .biomes_ref = malloc((size_t)e0 * e0),
        .page_scratch_size = tp_page_scratch_size(L, 0),
    };
    b->page_scratch = malloc(b->page_scratch_size);
    bool ok = b->heights && b->biomes && b->temperature && b->precipitation &&
              b->heights_ref && b->biomes_ref && b->page_scratch;
    if (mesh) {
        b->mesh_raw_cap = tp_page_mesh_capacity(L, 0);
        tp_mesh_build_bound(e0, &b->max_vertices, &b->max_indices);
        b->mesh_raw = malloc(b->mesh_raw_cap);
        b->mesh_raw_ref = malloc(b->mesh_raw_cap);
        b->vertices = malloc(sizeof *b->vertices * b->max_vertices);
        b->indices = malloc(sizeof *b->indices * b->max_indices);
        ok = ok && b->mesh_raw && b->mesh_raw_ref && b->vertices && b->indices;
    }
    return ok;
}

/* `count` chunks spread over the region by a stride coprime with its size, so they cover
 * land, coast and sea rather than one corner. */
static void spread_chunks(const tp_file_desc *d, int64_t count, int32_t *cxs, int32_t *czs)
{
    const uint64_t region = (uint64_t)d->region_width * d->region_height;
    uint64_t stride = region / (uint64_t)count;
    stride = stride ? stride : 1;
    while (stride > 1 && (gcd(stride, region) != 1 || stride % d->region_width == 0))
        stride--; /* distinct chunks (coprime), across rows rather than down one column */
    for (int64_t i = 0; i < count; i++) {
        uint64_t k = ((uint64_t)i * stride + region / 3) % region;
        cxs[i] = d->region_x0 + (int32_t)(k % d->region_width);
        czs[i] = d->region_z0 + (int32_t)(k / d->region_width);
    }
}

typedef struct pagein_figures {
    int64_t chunks;      /* as measured: at most the region's */
    bool mesh;           /* the mesh layer was part of the page-ins */
    int lods;
    lod_figures lod[TP_MAX_LODS];
} pagein_figures;

/* Every LOD asked for, on the same chunks. @return an exit status. */
static int measure(const pagein_options *o, const tp_reader *r, const tp_page_layout *L,
                   pagein_figures *f)
{
    const tp_file_desc *d = tp_reader_desc(r);
    const uint32_t lod_count = L->lod_count;
    const uint64_t region = (uint64_t)d->region_width * d->region_height;
    f->chunks = (uint64_t)o->chunks > region ? (int64_t)region : o->chunks;
    f->mesh = o->mesh && (L->flags & TP_PAGE_MESHES);
    int32_t *cxs = malloc(sizeof *cxs * (size_t)f->chunks);
    int32_t *czs = malloc(sizeof *czs * (size_t)f->chunks);
    chunk_buffers b;
    bool buffers = buffers_init(&b, L, f->mesh);
    int status = TPT_EXIT_FAILURE;
    if (!cxs || !czs || !buffers) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        goto done;
    }
    spread_chunks(d, f->chunks, cxs, czs);
    for (uint32_t lod = 0; lod < lod_count; lod++) {
        if (o->only_lod >= 0 && lod != (uint32_t)o->only_lod)
            continue;
        bool mesh = f->mesh; /* the file check saw meshes at every LOD */
        if (!measure_lod(o->shared.path, r, L, cxs, czs, (int)f->chunks, (int)o->shared.runs,
                         lod, mesh, &b, &f->lod[f->lods]))
            goto done;
        f->lods++;
    }
    status = TPT_EXIT_OK;
done:
    free(cxs), free(czs);
    buffers_free(&b);
    return status;
}

static const char *source_name(const pagein_options *o)
{
    return o->shared.path ? o->shared.path : "a 16x16-chunk bake of the default world";
}

static json_t *report_json(const pagein_options *o, const pagein_figures *f)
{
    json_t *lods = json_array();
    for (int i = 0; i < f->lods; i++) {
        const lod_figures *l = &f->lod[i];
        json_array_append_new(
            lods, json_pack("{s:i, s:i, s:b, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                            "lod", (int)l->lod,
                            "edge", (int)l->edge,
                            "mesh", l->mesh,
                            "file_us", tpt_json_real(l->file_us, 3),
                            "generate_us", tpt_json_real(l->generate_us, 3),
                            "ratio", tpt_json_real(ratio(l->generate_us, l->file_us), 2),
                            "file_grids_us", tpt_json_real(l->file_grids_us, 3),
                            "generate_grids_us", tpt_json_real(l->generate_grids_us, 3),
                            "ratio_grids",
                            tpt_json_real(ratio(l->generate_grids_us, l->file_grids_us), 2),
                            "file_mesh_us", tpt_json_real(l->file_mesh_us, 3),
                            "generate_mesh_us", tpt_json_real(l->generate_mesh_us, 3)));
    }
    return json_pack("{s:s, s:o, s:s, s:i, s:i, s:s, s:o}",
                     "benchmark", "pagein",
                     "file", tpt_json_text(source_name(o)),
                     "io", o->mapped ? "mmap" : "pread",
                     "chunks", (int)f->chunks,
                     "runs", (int)o->shared.runs,
                     "unit", "cpu_us_per_chunk",
                     "lods", lods);
}

static void report_text(const pagein_options *o, const pagein_figures *f)
{
    printf("bench pagein: %d chunks of %s, read with %s, CPU us per chunk on one core, "
           "median of %d runs (data in the page cache)\n",
           (int)f->chunks, source_name(o), o->mapped ? "mmap" : "pread", (int)o->shared.runs);
    printf("  %4s %5s %10s %10s %9s   %23s   %21s\n", "", "", "all layers", "", "",
           "grids only", "of it the mesh");
    printf("  %4s %5s %10s %10s %9s   %10s %12s   %10s %10s\n", "LOD", "edge", "file",
           "generate", "gen/file", "file", "generate", "file", "generate");
    for (int i = 0; i < f->lods; i++) {
        const lod_figures *l = &f->lod[i];
        char mf[16] = "-", mg[16] = "-";
        if (l->mesh) {
            snprintf(mf, sizeof mf, "%.2f", l->file_mesh_us);
            snprintf(mg, sizeof mg, "%.1f", l->generate_mesh_us);
        }
        printf("  %4u %5u %10.2f %10.1f %8.0fx   %10.2f %8.1f %3.0fx   %10s %10s\n", l->lod,
               l->edge, l->file_us, l->generate_us, ratio(l->generate_us, l->file_us),
               l->file_grids_us, l->generate_grids_us,
               ratio(l->generate_grids_us, l->file_grids_us), mf, mg);
    }
    printf("  file: find + XXH3 check + decode of heights, biomes, climate at LOD 0%s;\n"
           "  generate: tp_generate_chunk() of the same fields%s\n",
           f->mesh ? ", the mesh (LZ4 + mesh decoder)" : "",
           f->mesh ? ", the mesh built from them and decoded" : "");
}

int tpt_bench_part_pagein(int argc, char **argv, json_t **out_json)
{
    pagein_options o;
    int status = parse_options(argc, argv, &o);
    if (status != TPT_CLI_PROCEED)
        return status;
    tp_reader *r;
    if (!tpt_bench_open_world(COMMAND, o.shared.path, o.mapped, &r))
        return TPT_EXIT_FAILURE;
    tp_page_layout layout;
    if (!tpt_pagefile_layout(COMMAND, o.shared.path, r,
                             "the comparison with generation", &layout)) {
        tp_reader_close(r);
        return TPT_EXIT_FAILURE;
    }
    const uint32_t lod_count = layout.lod_count;
    if (o.only_lod >= (int64_t)lod_count) {
        tp_reader_close(r);
        const tpt_cli cli = {.command = COMMAND};
        return tpt_cli_error(&cli, "--lod: %s has LODs 0 to %u", o.shared.path,
                             lod_count - 1);
    }
    pagein_figures f = {0};
    status = measure(&o, r, &layout, &f);
    tp_reader_close(r);
    if (status != TPT_EXIT_OK)
        return status;
    if (o.shared.json)
        return tpt_bench_emit(report_json(&o, &f), out_json);
    report_text(&o, &f);
    return TPT_EXIT_OK;
}
