/* bench_decode.c — `terrapage bench decode`: how fast baked blobs decode, against plain
 * LZ4 decompression of the same height grids, in one run on one core. */
#include <lz4.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli_options.h"
#include "json_out.h"
#include "progress.h"

enum { OPT_LOD = TPT_BENCH_OPT_PART };

#define COMMAND "terrapage bench decode"

typedef struct blob_set {
    tp_blob_ref *refs;
    size_t count;
    size_t raw_total, stored_total, max_raw;
} blob_set;

/* Appends one found blob. @return 0 when out of memory. */
static int add_ref(blob_set *set, size_t *cap, const tp_blob_ref *ref)
{
    if (set->count == *cap) {
        size_t n = *cap ? *cap * 2 : 256;
        tp_blob_ref *refs = realloc(set->refs, n * sizeof *refs);
        if (!refs)
            return 0;
        set->refs = refs, *cap = n;
    }
    set->refs[set->count++] = *ref;
    set->raw_total += ref->raw_size;
    set->stored_total += ref->stored_size;
    set->max_raw = ref->raw_size > set->max_raw ? ref->raw_size : set->max_raw;
    return 1;
}

/* Every blob of one layer at one LOD, found through the directory of the tiles the file
 * stores (so the work follows the file, not the region its header declares). */
static int collect(const tp_reader *r, uint32_t layer, uint32_t lod, blob_set *out)
{
    memset(out, 0, sizeof *out);
    size_t cap = 0;
    tp_tile_grid grid;
    tp_reader_tile_grid(r, &grid);
    for (uint64_t t = 0; t < grid.tile_count; t++) {
        tp_tile_info tile;
        if (tp_reader_tile(r, t, &tile) != TP_OK)
            continue;
        for (uint32_t z = 0; z < tile.height; z++)
            for (uint32_t x = 0; x < tile.width; x++) {
                tp_blob_ref ref;
                if (tp_reader_find(r, tile.cx0 + (int32_t)x, tile.cz0 + (int32_t)z, layer, lod,
                                   &ref) == TP_OK &&
                    !add_ref(out, &cap, &ref))
                    return 0;
            }
    }
    return 1;
}

/* MB/s of output for decoding every blob of the set once, without checksums. */
static double decode_rate(const tp_reader *r, const blob_set *set, void *out, int verify)
{
    double t0 = tpt_progress_seconds();
    for (size_t i = 0; i < set->count; i++) {
        const tp_blob_ref *ref = &set->refs[i];
        tp_result res = verify ? tp_reader_decode(r, ref, out, set->max_raw)
                               : tp_blob_decode(ref->encoding, ref->elem_type, ref->edge,
                                                tp_reader_blob_bytes(r, ref), ref->stored_size,
                                                out, ref->raw_size);
        if (res != TP_OK)
            return -1.0;
        tpt_bench_sink += ((const uint8_t *)out)[i % ref->raw_size];
    }
    return (double)set->raw_total / (tpt_progress_seconds() - t0) / 1e6;
}

static void print_help(void)
{
    printf("usage: terrapage bench decode [FILE.tpk] [options]\n"
           "\n"
           "Decodes every height blob of one LOD of a page file (default: a 16 x 16-chunk\n"
           "bake of the default world, made first in /tmp) on one core, and compresses the\n"
           "same decoded grids with plain LZ4 to time its decompression in the same run.\n"
           "Reports MB/s of decoded output (medians over --runs passes, data in memory):\n"
           "terrapage's decode alone, with the XXH3 check the reader does, plain LZ4, and\n"
           "the biome layer (LZ4 only).\n"
           "\n"
           "Options:\n"
           "  --lod K      the LOD to decode (default: 0, the largest grids)\n"
           "  --runs N     passes over all blobs (default: 15)\n"
           "  --json       print one JSON object instead of the table\n"
           "  -h, --help   show this help\n");
}

typedef struct decode_options {
    tpt_bench_options shared; /* path NULL: a bake of the default world */
    int64_t lod;
} decode_options;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, decode_options *o)
{
    static const tpt_cli_option options[] = {
        TPT_BENCH_OPTIONS,
        {"lod", 0, true, OPT_LOD},
        {0},
    };
    static const tpt_bench_usage usage = {
        .max_runs = 1000, .takes_file = true, .print_help = print_help};
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *o = (decode_options){.shared.runs = 15, .lod = 0};
    const char *value;
    for (int id, status; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case OPT_LOD:
            if (!tpt_cli_int(&cli, value, 0, TP_MAX_LODS - 1, &o->lod))
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

typedef struct decode_figures {
    size_t height_blobs, raw_bytes, stored_bytes, plain_lz4_bytes;
    double ours, checked, plain, biome; /* MB/s, medians */
} decode_figures;

/* The plain-LZ4 reference: the height grids decoded once, then compressed by LZ4.
 * @return false after printing the problem. */
static bool compress_reference(const decode_options *o, const tp_reader *r,
                               const blob_set *heights, uint8_t *out, uint8_t **lz4_blobs,
                               int *lz4_sizes, size_t *out_total)
{
    *out_total = 0;
    for (size_t i = 0; i < heights->count; i++) {
        const tp_blob_ref *ref = &heights->refs[i];
        if (tp_reader_decode(r, ref, out, heights->max_raw) != TP_OK) {
            fprintf(stderr, "%s: %s: blob of chunk (%d, %d) does not decode; run "
                            "'terrapage verify'\n",
                    COMMAND, o->shared.path, ref->cx, ref->cz);
            return false;
        }
        int bound = LZ4_compressBound((int)ref->raw_size);
        lz4_blobs[i] = malloc((size_t)bound);
        if (!lz4_blobs[i]) {
            fprintf(stderr, "%s: out of memory\n", COMMAND);
            return false;
        }
        lz4_sizes[i] = LZ4_compress_default((const char *)out, (char *)lz4_blobs[i],
                                            (int)ref->raw_size, bound);
        *out_total += (size_t)lz4_sizes[i];
    }
    return true;
}

/* The timed passes over both blob sets and the LZ4 reference. @return false after
 * printing the problem. */
static bool time_decodes(const decode_options *o, const tp_reader *r, const blob_set *heights,
                         const blob_set *biomes, uint8_t *out, uint8_t *const *lz4_blobs,
                         const int *lz4_sizes, decode_figures *f)
{
    double ours[1000], checked[1000], plain[1000], biome[1000];
    for (int run = 0; run < o->shared.runs; run++) {
        ours[run] = decode_rate(r, heights, out, 0);
        checked[run] = decode_rate(r, heights, out, 1);
        biome[run] = biomes->count ? decode_rate(r, biomes, out, 0) : 0.0;
        double t0 = tpt_progress_seconds();
        for (size_t i = 0; i < heights->count; i++) {
            int n = LZ4_decompress_safe((const char *)lz4_blobs[i], (char *)out, lz4_sizes[i],
                                        (int)heights->max_raw);
            tpt_bench_sink += (uint64_t)n;
        }
        plain[run] = (double)heights->raw_total / (tpt_progress_seconds() - t0) / 1e6;
        if (ours[run] < 0 || checked[run] < 0 || biome[run] < 0) {
            fprintf(stderr, "%s: %s: a blob does not decode; run 'terrapage verify'\n",
                    COMMAND, o->shared.path);
            return false;
        }
    }
    f->ours = tpt_bench_median(ours, (int)o->shared.runs);
    f->checked = tpt_bench_median(checked, (int)o->shared.runs);
    f->plain = tpt_bench_median(plain, (int)o->shared.runs);
    f->biome = tpt_bench_median(biome, (int)o->shared.runs);
    return true;
}

/* Collects the blobs of the LOD, then times them. @return an exit status. */
static int measure(const decode_options *o, const tp_reader *r, decode_figures *f)
{
    blob_set heights = {0}, biomes = {0};
    int status = TPT_EXIT_FAILURE;
    uint8_t *out = NULL, **lz4_blobs = NULL;
    int *lz4_sizes = NULL;
    if (!collect(r, TP_LAYER_HEIGHT, (uint32_t)o->lod, &heights) ||
        !collect(r, TP_LAYER_BIOME, (uint32_t)o->lod, &biomes)) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        goto done;
    }
    if (heights.count == 0) {
        fprintf(stderr, "%s: %s: no height blobs at LOD %d\n", COMMAND, o->shared.path,
                (int)o->lod);
        goto done;
    }
    out = malloc(heights.max_raw > biomes.max_raw ? heights.max_raw : biomes.max_raw);
    lz4_blobs = calloc(heights.count, sizeof *lz4_blobs);
    lz4_sizes = calloc(heights.count, sizeof *lz4_sizes);
    if (!out || !lz4_blobs || !lz4_sizes) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        goto done;
    }
    if (!compress_reference(o, r, &heights, out, lz4_blobs, lz4_sizes, &f->plain_lz4_bytes) ||
        !time_decodes(o, r, &heights, &biomes, out, lz4_blobs, lz4_sizes, f))
        goto done;
    f->height_blobs = heights.count;
    f->raw_bytes = heights.raw_total;
    f->stored_bytes = heights.stored_total;
    status = TPT_EXIT_OK;
done:
    for (size_t i = 0; lz4_blobs && i < heights.count; i++)
        free(lz4_blobs[i]);
    free(lz4_blobs), free(lz4_sizes), free(out);
    free(heights.refs), free(biomes.refs);
    return status;
}

static json_t *report_json(const decode_options *o, const decode_figures *f)
{
    return json_pack("{s:s, s:i, s:o, s:o, s:o, s:o, s:{s:o, s:o, s:o, s:o}, s:o}",
                     "benchmark", "decode",
                     "lod", (int)o->lod,
                     "height_blobs", tpt_json_u64(f->height_blobs),
                     "raw_bytes", tpt_json_u64(f->raw_bytes),
                     "stored_bytes", tpt_json_u64(f->stored_bytes),
                     "plain_lz4_bytes", tpt_json_u64(f->plain_lz4_bytes),
                     "mb_per_s",
                         "ours", tpt_json_real(f->ours, 1),
                         "ours_with_checksum", tpt_json_real(f->checked, 1),
                         "plain_lz4", tpt_json_real(f->plain, 1),
                         "biome_lz4", tpt_json_real(f->biome, 1),
                     "ours_vs_plain_lz4", tpt_json_real(f->ours / f->plain, 3));
}

static void report_text(const decode_options *o, const decode_figures *f)
{
    printf("bench decode: %zu height grids at LOD %d (%.1f MiB decoded), one core, "
           "median of %d passes\n",
           f->height_blobs, (int)o->lod, f->raw_bytes / 1048576.0, (int)o->shared.runs);
    printf("  terrapage heights (LZ4 + unfilter)    %8.1f MB/s  from %5.2fx compressed\n",
           f->ours, (double)f->raw_bytes / f->stored_bytes);
    printf("  ... with the reader's XXH3 check      %8.1f MB/s\n", f->checked);
    printf("  plain LZ4 of the same heights         %8.1f MB/s  from %5.2fx compressed\n",
           f->plain, (double)f->raw_bytes / f->plain_lz4_bytes);
    printf("  terrapage vs plain LZ4                %8.2fx the speed\n", f->ours / f->plain);
    printf("  biomes (LZ4)                          %8.1f MB/s\n", f->biome);
}

int tpt_bench_part_decode(int argc, char **argv, json_t **out_json)
{
    decode_options o;
    int status = parse_options(argc, argv, &o);
    if (status != TPT_CLI_PROCEED)
        return status;
    tp_reader *r;
    /* Mapped: the plain decode times tp_blob_decode() on the bytes in place
     * (tp_reader_blob_bytes(), which only the mmap mode gives). */
    if (!tpt_bench_open_world(COMMAND, o.shared.path, true, &r))
        return TPT_EXIT_FAILURE;
    decode_figures f = {0};
    status = measure(&o, r, &f);
    tp_reader_close(r);
    if (status != TPT_EXIT_OK)
        return status;
    if (o.shared.json)
        return tpt_bench_emit(report_json(&o, &f), out_json);
    report_text(&o, &f);
    return TPT_EXIT_OK;
}
