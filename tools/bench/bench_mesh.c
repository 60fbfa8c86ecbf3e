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
 * grid must be fine and the mesh's adaptivity pays.
 *
 * The second yardstick is the best-known unconstrained mesher: greedy insertion
 * (greedy_mesh.h) on the same LOD-k grid, continued until its own true max error against
 * the LOD-0 heights — measured by the same evaluator, tp_mesh_max_error — is at most E.
 * Reported per LOD: Σ mesh triangles / Σ greedy triangles, and the median and worst of
 * the per-chunk ratios. It runs in the first run only and is not part of the build
 * times. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "greedy_mesh.h"
#include "cli_options.h"
#include "json_out.h"
#include "progress.h"
#include "terrapage/mesh.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

enum { OPT_STRIDE = TPT_BENCH_OPT_PART };

#define COMMAND "terrapage bench mesh"

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
    double build_ms_median, decode_us_median;
    /* greedy insertion at the mesh's true error (first run) */
    double greedy_triangles, greedy_ms, greedy_error_sum_m;
    double *greedy_ratio;    /* per chunk: mesh triangles / greedy triangles */
    uint32_t unreached;      /* chunks where greedy insertion never got down to the error */
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
           "all its meshes. Then the meshes against greedy insertion (Garland-Heckbert, as\n"
           "in Delatin) on the same LOD grid, run until its exact max error against the\n"
           "LOD-0 heights is at most the mesh's: triangles (sum ratio, median and worst\n"
           "chunk), bytes per triangle, build and decode us. One core; the whole region\n"
           "takes about 45 s for the first run and 40 s for each further one.\n"
           "\n"
           "Options:\n"
           "      --stride S   measure every S-th chunk in x and z, 1 to 64; default 1\n"
           "                   (all 4096 chunks); 4 gives a uniform sample of 256\n"
           "      --runs N     timing runs, 1 to 100; default 1 (triangles, bytes and\n"
           "                   errors come from the first run)\n"
           "      --json       one JSON object\n"
           "  -h, --help       show this help\n");
}

/* Median of the per-chunk ratios of class `cls` (or of all, cls < 0); 0 when empty.
 * Sorts a copy into `tmp`. */
static double ratio_median(const lod_figures *f, uint32_t count, int cls, double *tmp)
{
    uint32_t n = 0;
    for (uint32_t c = 0; c < count; c++)
        if (cls < 0 || f->ratio_class[c] == (uint8_t)cls)
            tmp[n++] = f->ratio[c];
    return n ? tpt_bench_median(tmp, (int)n) : 0.0;
}

/* Median and largest of the per-chunk ratios to greedy insertion. Sorts a copy into `tmp`. */
static void greedy_ratio_spread(const lod_figures *f, uint32_t count, double *tmp,
                                double *out_median, double *out_max)
{
    double worst = 0.0;
    for (uint32_t c = 0; c < count; c++) {
        tmp[c] = f->greedy_ratio[c];
        worst = tmp[c] > worst ? tmp[c] : worst;
    }
    *out_median = count ? tpt_bench_median(tmp, (int)count) : 0.0;
    *out_max = worst;
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

typedef struct mesh_bench_options {
    tpt_bench_options shared;
    int64_t stride;
} mesh_bench_options;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, mesh_bench_options *o)
{
    static const tpt_cli_option options[] = {
        TPT_BENCH_OPTIONS,
        {"stride", 0, true, OPT_STRIDE},
        {0},
    };
    static const tpt_bench_usage usage = {.max_runs = 100, .print_help = print_help};
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *o = (mesh_bench_options){.shared.runs = 1, .stride = 1};
    bool help = false;
    const char *value;
    for (int id, status; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case TPT_BENCH_OPT_HELP: help = true; break; /* shown once the whole line is read */
        case OPT_STRIDE:
            if (!tpt_cli_int(&cli, value, 1, REGION_CHUNKS, &o->stride))
                return TPT_EXIT_USAGE;
            break;
        default:
            status = tpt_bench_option(&cli, &usage, id, value, &o->shared);
            if (status != TPT_CLI_PROCEED)
                return status;
        }
    }
    if (help) {
        print_help();
        return TPT_EXIT_OK;
    }
    return TPT_CLI_PROCEED;
}

/* Everything one run over the chunks needs, sized for LOD 0, and what it accumulates. */
typedef struct mesh_bench {
    tp_world_params world;
    uint32_t lods, e0, strides, per_axis, chunks;
    int runs;
    uint32_t max_vertices, max_indices;
    size_t scratch_size, raw_cap, stored_cap;
    uint16_t *full, *lod_grid, *sub, *indices;
    uint8_t *biomes;
    int16_t *temperature;
    uint16_t *precipitation;
    tp_mesh_vertex *vertices;
    void *scratch, *build_scratch;
    uint8_t *raw, *stored, *decoded;
    double *gen_ms;        /* per run */
    double gen_ms_median, build_all_lods_ms;
    double *tmp;           /* per chunk, for medians */
    uint32_t class_chunks[CLASS_COUNT];
    tpt_greedy_mesher *greedy;
    lod_figures fig[TP_MAX_LODS];
} mesh_bench;

static void bench_free(mesh_bench *b)
{
    for (uint32_t k = 0; k < TP_MAX_LODS; k++) {
        free(b->fig[k].build_ms);
        free(b->fig[k].decode_us);
        free(b->fig[k].ratio);
        free(b->fig[k].ratio_class);
        free(b->fig[k].greedy_ratio);
    }
    tpt_greedy_free(b->greedy);
    free(b->full), free(b->lod_grid), free(b->sub), free(b->indices), free(b->biomes);
    free(b->temperature), free(b->precipitation), free(b->vertices), free(b->scratch);
    free(b->build_scratch), free(b->raw), free(b->stored), free(b->decoded);
    free(b->gen_ms), free(b->tmp);
}

/* @return false when out of memory (free with bench_free() either way). */
static bool bench_init(mesh_bench *b, const mesh_bench_options *o)
{
    memset(b, 0, sizeof *b);
    tp_world_params_resolve(&(tp_world_params){0}, &b->world);
    const tp_world_params *w = &b->world;
    b->lods = tp_world_lod_count(w);
    b->e0 = tp_world_lod_edge(w, 0);
    while (((b->e0 - 1) >> b->strides) >= 2)
        b->strides++; /* grids of ≥ 3 samples per edge: strides 2^0 … 2^(strides−1) */
    b->per_axis = (uint32_t)((REGION_CHUNKS + o->stride - 1) / o->stride);
    b->chunks = b->per_axis * b->per_axis;
    b->runs = (int)o->shared.runs;
    const uint32_t e0 = b->e0, ce = tp_world_climate_edge(w);
    const size_t grid = (size_t)e0 * e0;
    tp_mesh_build_bound(e0, &b->max_vertices, &b->max_indices);
    b->scratch_size = tp_mesh_chunk_blob_scratch_size(w, 0);
    b->raw_cap = tp_mesh_chunk_blob_bound(w, 0);
    b->stored_cap = tp_blob_encode_bound(b->raw_cap);
    b->full = malloc(sizeof *b->full * grid);
    b->lod_grid = malloc(sizeof *b->lod_grid * grid);
    b->sub = malloc(sizeof *b->sub * grid);
    b->indices = malloc(sizeof *b->indices * b->max_indices);
    b->biomes = malloc(grid);
    b->temperature = malloc(sizeof *b->temperature * ce * ce);
    b->precipitation = malloc(sizeof *b->precipitation * ce * ce);
    b->vertices = malloc(sizeof *b->vertices * b->max_vertices);
    b->scratch = malloc(b->scratch_size);
    b->build_scratch = malloc(tp_mesh_build_scratch_size(e0));
    b->raw = malloc(b->raw_cap);
    b->stored = malloc(b->stored_cap);
    b->decoded = malloc(b->raw_cap);
    b->gen_ms = calloc((size_t)b->runs, sizeof *b->gen_ms);
    b->tmp = malloc(sizeof *b->tmp * b->chunks);
    b->greedy = tpt_greedy_create(e0);
    bool ok = b->full && b->lod_grid && b->sub && b->indices && b->biomes && b->temperature &&
              b->precipitation && b->vertices && b->scratch && b->build_scratch && b->raw &&
              b->stored && b->decoded && b->gen_ms && b->tmp && b->greedy;
    for (uint32_t k = 0; k < b->lods && ok; k++) {
        lod_figures *f = &b->fig[k];
        f->build_ms = calloc((size_t)b->runs, sizeof(double));
        f->decode_us = calloc((size_t)b->runs, sizeof(double));
        f->ratio = calloc(b->chunks, sizeof(double));
        f->ratio_class = calloc(b->chunks, 1);
        f->greedy_ratio = calloc(b->chunks, sizeof(double));
        ok = f->build_ms && f->decode_us && f->ratio && f->ratio_class && f->greedy_ratio;
    }
    return ok;
}

/* The first run's view of a chunk: the regular grids' errors, and its relief class. */
static uint8_t classify_chunk(mesh_bench *b, float *grid_err)
{
    for (uint32_t j = 0; j < b->strides && j < 16; j++)
        grid_err[j] = grid_error(b->full, b->e0, j, b->sub, b->build_scratch, b->vertices,
                                 b->max_vertices, b->indices, b->max_indices);
    uint16_t lo = UINT16_MAX, hi = 0;
    for (size_t s = 0; s < (size_t)b->e0 * b->e0; s++) {
        lo = b->full[s] < lo ? b->full[s] : lo;
        hi = b->full[s] > hi ? b->full[s] : hi;
    }
    double relief_m = (double)(hi - lo) * TP_HEIGHT_STEP_M;
    uint8_t cls = 0;
    while (cls + 1 < CLASS_COUNT && relief_m >= k_class_relief_m[cls + 1])
        cls++;
    b->class_chunks[cls]++;
    return cls;
}

/* Builds, encodes and decodes the LOD-k mesh of the chunk in b->full, timing the build and
 * the decode into run `run`. @return the result, the mesh in *out_mesh. */
static tp_result build_and_decode(mesh_bench *b, int32_t cx, int32_t cz, uint32_t k, int run,
                                  tp_mesh *out_mesh, size_t *out_raw, size_t *out_stored,
                                  float *out_err)
{
    const uint32_t e = tp_world_lod_edge(&b->world, k), e0 = b->e0;
    for (uint32_t r = 0; r < e; r++)
        for (uint32_t q = 0; q < e; q++)
            b->lod_grid[r * e + q] = b->full[(size_t)(r << k) * e0 + (q << k)];
    double t0 = tpt_progress_seconds();
    tp_result res = tp_mesh_generate_chunk_blob(&b->world, cx, cz, k, b->lod_grid, b->full,
                                                b->scratch, b->scratch_size, b->raw,
                                                b->raw_cap, out_raw, out_err);
    b->fig[k].build_ms[run] += (tpt_progress_seconds() - t0) * 1e3;
    uint32_t encoding;
    if (res == TP_OK)
        res = tp_blob_encode(TP_ELEM_BYTES, 0, b->raw, *out_raw, 9, b->stored, b->stored_cap,
                             out_stored, &encoding);
    t0 = tpt_progress_seconds();
    if (res == TP_OK)
        res = tp_blob_decode(encoding, TP_ELEM_BYTES, 0, b->stored, *out_stored, b->decoded,
                             *out_raw);
    if (res == TP_OK)
        res = tp_mesh_decode(b->decoded, *out_raw, b->vertices, b->max_vertices, b->indices,
                             b->max_indices, out_mesh);
    b->fig[k].decode_us[run] += (tpt_progress_seconds() - t0) * 1e6;
    return res;
}

/* Adds the first run's figures of one chunk's LOD-k mesh (the rule at the top of the
 * file: the coarsest grid within the mesh's error, never finer than the LOD's own). */
static void count_mesh(mesh_bench *b, uint32_t c, uint32_t k, uint8_t cls, const float *grid_err,
                       const tp_mesh *m, size_t raw, size_t stored, float err)
{
    lod_figures *f = &b->fig[k];
    uint32_t j = k;
    while (j + 1 < b->strides && grid_err[j + 1] <= err)
        j++;
    if (grid_err[k] > err)
        f->clamped++;
    double n = (double)((b->e0 - 1) >> j);
    double nk = (double)(tp_world_lod_edge(&b->world, k) - 1);
    double mesh_tris = (double)(m->skirt_index_start / 3);
    f->grid_triangles += 2.0 * n * n;
    f->lod_grid_triangles += 2.0 * nk * nk;
    f->mesh_triangles += mesh_tris;
    f->class_grid[cls] += 2.0 * n * n;
    f->class_mesh[cls] += mesh_tris;
    f->ratio[c] = mesh_tris > 0 ? 2.0 * n * n / mesh_tris : 0.0;
    f->ratio_class[c] = cls;
    f->raw_bytes += (double)raw;
    f->stored_bytes += (double)stored;
    f->error_sum_m += err;
    f->max_error_m = err > f->max_error_m ? err : f->max_error_m;
}

/* Greedy insertion on the chunk's LOD-k grid (still in b->lod_grid) down to the true error
 * of the LOD-k mesh m, measured by the same evaluator (tp_mesh_max_error).
 * @return the result of the reference build. */
static tp_result count_reference(mesh_bench *b, uint32_t c, uint32_t k, const tp_mesh *m,
                                 float err)
{
    lod_figures *f = &b->fig[k];
    tp_mesh ref;
    bool reached;
    float ref_err;
    double t0 = tpt_progress_seconds();
    tp_result res = tpt_greedy_build(b->greedy, b->lod_grid, tp_world_lod_edge(&b->world, k),
                                     b->full, b->e0, err, &ref, &reached);
    f->greedy_ms += (tpt_progress_seconds() - t0) * 1e3;
    if (res == TP_OK)
        res = tp_mesh_max_error(&ref, b->full, b->e0, &ref_err);
    if (res != TP_OK)
        return res;
    const double ref_tris = (double)(ref.index_count / 3);
    f->greedy_triangles += ref_tris;
    f->greedy_error_sum_m += ref_err;
    f->greedy_ratio[c] = (double)(m->skirt_index_start / 3) / ref_tris;
    f->unreached += !reached;
    return TP_OK;
}

/* One chunk in run `run`: its fields, then every LOD's mesh. @return false after printing
 * the problem. */
static bool measure_chunk(mesh_bench *b, int run, uint32_t c, int64_t stride)
{
    int32_t cx = REGION_FIRST + (int32_t)((c % b->per_axis) * (uint32_t)stride);
    int32_t cz = REGION_FIRST + (int32_t)((c / b->per_axis) * (uint32_t)stride);
    tp_chunk_fields fields = {b->full, b->biomes, b->temperature, b->precipitation};
    double t0 = tpt_progress_seconds();
    tp_generate_chunk(&b->world, cx, cz, 0, &fields);
    b->gen_ms[run] += (tpt_progress_seconds() - t0) * 1e3;
    float grid_err[16];
    uint8_t cls = run == 0 ? classify_chunk(b, grid_err) : 0;
    for (uint32_t k = 0; k < b->lods; k++) {
        tp_mesh m;
        size_t raw, stored;
        float err;
        tp_result res = build_and_decode(b, cx, cz, k, run, &m, &raw, &stored, &err);
        if (res != TP_OK) {
            fprintf(stderr, "%s: chunk (%d, %d) LOD %u: %s\n", COMMAND, cx, cz, k,
                    tp_result_string(res));
            return false;
        }
        tpt_bench_sink += m.index_count;
        if (run == 0) {
            count_mesh(b, c, k, cls, grid_err, &m, raw, stored, err);
            res = count_reference(b, c, k, &m, err);
            if (res != TP_OK) {
                fprintf(stderr, "%s: chunk (%d, %d) LOD %u: greedy insertion: %s\n", COMMAND,
                        cx, cz, k, tp_result_string(res));
                return false;
            }
        }
    }
    return true;
}

/* Every run over every chunk, then the per-chunk averages and their medians over the
 * runs. @return an exit status. */
static int measure(mesh_bench *b, const mesh_bench_options *o)
{
    tpt_progress progress;
    tpt_progress_begin(&progress, "bench mesh", "chunks", (uint64_t)b->chunks * b->runs,
                       TPT_PROGRESS_AUTO, stderr);
    bool ok = true;
    for (int run = 0; run < b->runs && ok; run++) {
        for (uint32_t c = 0; c < b->chunks && ok; c++) {
            ok = measure_chunk(b, run, c, o->stride);
            tpt_progress_update(&progress, (uint64_t)run * b->chunks + c + 1);
        }
    }
    tpt_progress_end(&progress);
    if (!ok)
        return TPT_EXIT_FAILURE;
    const double n = (double)b->chunks;
    for (int r = 0; r < b->runs; r++) {
        for (uint32_t k = 0; k < b->lods; k++) {
            b->fig[k].build_ms[r] /= n;
            b->fig[k].decode_us[r] /= n;
        }
        b->gen_ms[r] /= n;
    }
    for (uint32_t k = 0; k < b->lods; k++) {
        lod_figures *f = &b->fig[k];
        f->build_ms_median = tpt_bench_median(f->build_ms, b->runs);
        f->decode_us_median = tpt_bench_median(f->decode_us, b->runs);
        b->build_all_lods_ms += f->build_ms_median;
    }
    b->gen_ms_median = tpt_bench_median(b->gen_ms, b->runs);
    return TPT_EXIT_OK;
}

static double sum_ratio(double grid, double mesh) { return mesh > 0 ? grid / mesh : 0.0; }

static double per_class_chunk(const mesh_bench *b, const lod_figures *f, int cls)
{
    return b->class_chunks[cls] ? f->class_mesh[cls] / b->class_chunks[cls] : 0.0;
}

static json_t *report_lod_json(mesh_bench *b, uint32_t k)
{
    const lod_figures *f = &b->fig[k];
    const double n = (double)b->chunks;
    json_t *classes = json_object();
    for (int cls = 0; cls < CLASS_COUNT; cls++)
        json_object_set_new(
            classes, k_class_name[cls],
            json_pack("{s:o, s:o, s:o}",
                      "triangles_per_chunk", tpt_json_real(per_class_chunk(b, f, cls), 2),
                      "ratio", tpt_json_real(sum_ratio(f->class_grid[cls], f->class_mesh[cls]), 4),
                      "median_chunk_ratio",
                      tpt_json_real(ratio_median(f, b->chunks, cls, b->tmp), 4)));
    double median, worst;
    greedy_ratio_spread(f, b->chunks, b->tmp, &median, &worst);
    json_t *greedy = json_pack(
        "{s:o, s:o, s:o, s:o, s:i, s:o, s:o}",
        "triangles_per_chunk", tpt_json_real(f->greedy_triangles / n, 2),
        "ratio", tpt_json_real(sum_ratio(f->mesh_triangles, f->greedy_triangles), 4),
        "median_chunk_ratio", tpt_json_real(median, 4),
        "max_chunk_ratio", tpt_json_real(worst, 4),
        "unreached_chunks", (int)f->unreached,
        "mean_error_m", tpt_json_real(f->greedy_error_sum_m / n, 4),
        "ms_per_chunk", tpt_json_real(f->greedy_ms / n, 4));
    return json_pack(
        "{s:i, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
        "lod", (int)k,
        "triangles_per_chunk", tpt_json_real(f->mesh_triangles / n, 2),
        "grid_triangles_at_equal_error", tpt_json_real(f->grid_triangles / n, 2),
        "ratio", tpt_json_real(sum_ratio(f->grid_triangles, f->mesh_triangles), 4),
        "median_chunk_ratio", tpt_json_real(ratio_median(f, b->chunks, -1, b->tmp), 4),
        "clamped_chunks", (int)f->clamped,
        "classes", classes,
        "lod_grid_triangles", json_integer((json_int_t)llround(f->lod_grid_triangles / n)),
        "mean_error_m", tpt_json_real(f->error_sum_m / n, 4),
        "max_error_m", tpt_json_real(f->max_error_m, 4),
        "stored_bytes_per_chunk", tpt_json_real(f->stored_bytes / n, 1),
        "raw_bytes_per_chunk", tpt_json_real(f->raw_bytes / n, 1),
        "stored_bytes_per_triangle",
        tpt_json_real(sum_ratio(f->stored_bytes, f->mesh_triangles), 4),
        "build_ms_per_chunk", tpt_json_real(f->build_ms_median, 4),
        "build_us_per_chunk", tpt_json_real(f->build_ms_median * 1e3, 1),
        "decode_us_per_mesh", tpt_json_real(f->decode_us_median, 3),
        "greedy_insertion", greedy);
}

static json_t *report_json(mesh_bench *b, const mesh_bench_options *o)
{
    json_t *lods = json_array();
    for (uint32_t k = 0; k < b->lods; k++)
        json_array_append_new(lods, report_lod_json(b, k));
    return json_pack("{s:i, s:I, s:I, s:{s:i, s:i, s:i}, s:o, s:o, s:o}",
                     "chunks", (int)b->chunks,
                     "stride", (json_int_t)o->stride,
                     "runs", (json_int_t)o->shared.runs,
                     "class_chunks",
                         "flat", (int)b->class_chunks[0],
                         "rolling", (int)b->class_chunks[1],
                         "rough", (int)b->class_chunks[2],
                     "generate_fields_ms", tpt_json_real(b->gen_ms_median, 4),
                     "lods", lods,
                     "build_all_lods_ms", tpt_json_real(b->build_all_lods_ms, 4));
}

/* The relief classes: ratio (median per chunk) and triangles per chunk, per LOD. */
static void report_classes_text(mesh_bench *b)
{
    printf("  by LOD-0 relief: ratio (median per chunk), triangles per chunk\n"
           "  %3s", "LOD");
    for (int cls = 0; cls < CLASS_COUNT; cls++) {
        char head[48];
        snprintf(head, sizeof head, "%s, %u chunks", k_class_name[cls], b->class_chunks[cls]);
        printf(" %26s", head);
    }
    printf("\n");
    for (uint32_t k = 0; k < b->lods; k++) {
        const lod_figures *f = &b->fig[k];
        printf("  %3u", k);
        for (int cls = 0; cls < CLASS_COUNT; cls++)
            printf("    %6.2fx (%6.2fx) %7.1f", sum_ratio(f->class_grid[cls], f->class_mesh[cls]),
                   ratio_median(f, b->chunks, cls, b->tmp), per_class_chunk(b, f, cls));
        printf("\n");
    }
    printf("  chunks whose mesh beat the LOD's own grid (counted as that grid) at LODs 1-%u:",
           b->lods - 1);
    for (uint32_t k = 1; k < b->lods; k++)
        printf(" %u%s", b->fig[k].clamped, k + 1 < b->lods ? "," : "\n");
}

/* The meshes against greedy insertion at equal true max error. */
static void report_greedy_text(mesh_bench *b)
{
    const double n = (double)b->chunks;
    printf("  against greedy insertion on the same LOD grid, run until its true max error is\n"
           "  at most the mesh's (both measured against every LOD-0 sample by one evaluator):\n"
           "  ratio = mesh triangles / greedy triangles\n"
           "  %3s %9s %9s %7s %7s %7s %10s %6s %9s %9s %9s\n",
           "LOD", "triangles", "greedy", "ratio", "median", "worst", "greedy err", "B/tri",
           "build us", "decode us", "greedy ms");
    for (uint32_t k = 0; k < b->lods; k++) {
        const lod_figures *f = &b->fig[k];
        double median, worst;
        greedy_ratio_spread(f, b->chunks, b->tmp, &median, &worst);
        printf("  %3u %9.1f %9.1f %6.3fx %6.3fx %6.2fx %8.3f m %6.2f %9.1f %9.2f %9.3f\n", k,
               f->mesh_triangles / n, f->greedy_triangles / n,
               sum_ratio(f->mesh_triangles, f->greedy_triangles), median, worst,
               f->greedy_error_sum_m / n, sum_ratio(f->stored_bytes, f->mesh_triangles),
               f->build_ms_median * 1e3, f->decode_us_median, f->greedy_ms / n);
    }
    uint32_t unreached = 0;
    for (uint32_t k = 0; k < b->lods; k++)
        unreached += b->fig[k].unreached;
    printf("  (greedy err: its mean true error; chunk-LODs where greedy insertion never got down\n"
           "  to the mesh's error, counted at its last mesh: %u)\n", unreached);
}

static void report_text(mesh_bench *b, const mesh_bench_options *o)
{
    const double n = (double)b->chunks;
    printf("mesh: %u chunks of the default world (%s%lld in x and z of -32,-32,32,32), "
           "%lld run%s, one core\n"
           "  ratio = regular-grid triangles at equal max error / mesh triangles\n"
           "  %3s %9s %9s %7s %7s %9s %9s %8s %6s %9s %9s\n",
           b->chunks, o->stride == 1 ? "all: stride " : "a uniform sample: stride ",
           (long long)o->stride, (long long)o->shared.runs, o->shared.runs == 1 ? "" : "s", "LOD",
           "triangles", "grid@err", "ratio", "median", "mean err", "max err", "bytes", "B/tri",
           "build ms", "decode us");
    for (uint32_t k = 0; k < b->lods; k++) {
        const lod_figures *f = &b->fig[k];
        printf("  %3u %9.1f %9.1f %6.2fx %6.2fx %7.2f m %7.2f m %8.0f %6.2f %9.3f %9.2f\n", k,
               f->mesh_triangles / n, f->grid_triangles / n,
               sum_ratio(f->grid_triangles, f->mesh_triangles),
               ratio_median(f, b->chunks, -1, b->tmp), f->error_sum_m / n, f->max_error_m,
               f->stored_bytes / n, sum_ratio(f->stored_bytes, f->mesh_triangles),
               f->build_ms_median, f->decode_us_median);
    }
    printf("  all LODs: build %.3f ms per chunk; generating the chunk's fields: %.3f ms\n",
           b->build_all_lods_ms, b->gen_ms_median);
    report_classes_text(b);
    report_greedy_text(b);
}

int tpt_bench_part_mesh(int argc, char **argv, json_t **out_json)
{
    mesh_bench_options o;
    int status = parse_options(argc, argv, &o);
    if (status != TPT_CLI_PROCEED)
        return status;
    mesh_bench *b = malloc(sizeof *b);
    if (!b || !bench_init(b, &o)) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        if (b)
            bench_free(b);
        free(b);
        return TPT_EXIT_FAILURE;
    }
    status = measure(b, &o);
    if (status == TPT_EXIT_OK && o.shared.json)
        status = tpt_bench_emit(report_json(b, &o), out_json);
    else if (status == TPT_EXIT_OK)
        report_text(b, &o);
    bench_free(b);
    free(b);
    return status;
}
