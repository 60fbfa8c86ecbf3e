/* bench_decode.c — `terrapage bench decode`: how fast baked blobs decode, against plain
 * LZ4 decompression of the same height grids, in one run on one core. */
#include <lz4.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "cli.h"
#include "progress.h"
#include "worldfile.h"

enum { OPT_HELP = 1, OPT_JSON, OPT_RUNS, OPT_LOD };

typedef struct blob_set {
    tp_blob_ref *refs;
    size_t count;
    size_t raw_total, stored_total, max_raw;
} blob_set;

/* Every blob of one layer at one LOD, found through the directory. */
static int collect(const tp_reader *r, uint32_t layer, uint32_t lod, blob_set *out)
{
    const tp_file_desc *d = tp_reader_desc(r);
    size_t cap = (size_t)d->region_width * d->region_height;
    memset(out, 0, sizeof *out);
    out->refs = malloc(cap * sizeof *out->refs);
    if (!out->refs)
        return 0;
    for (uint32_t z = 0; z < d->region_height; z++) {
        for (uint32_t x = 0; x < d->region_width; x++) {
            tp_blob_ref ref;
            if (tp_reader_find(r, d->region_x0 + (int32_t)x, d->region_z0 + (int32_t)z, layer,
                               lod, &ref) != TP_OK)
                continue;
            out->refs[out->count++] = ref;
            out->raw_total += ref.raw_size;
            out->stored_total += ref.stored_size;
            out->max_raw = ref.raw_size > out->max_raw ? ref.raw_size : out->max_raw;
        }
    }
    return 1;
}

/* MB/s of output for decoding every blob of the set once, without checksums. */
static double decode_rate(const tp_reader *r, const blob_set *set, void *out, int verify)
{
    double t0 = tp_progress_seconds();
    for (size_t i = 0; i < set->count; i++) {
        const tp_blob_ref *ref = &set->refs[i];
        tp_result res = verify ? tp_reader_decode(r, ref, out, set->max_raw)
                               : tp_blob_decode(ref->encoding, ref->elem_type, ref->edge,
                                                tp_reader_blob_bytes(r, ref), ref->stored_size,
                                                out, ref->raw_size);
        if (res != TP_OK)
            return -1.0;
        tp_bench_sink += ((const uint8_t *)out)[i % ref->raw_size];
    }
    return (double)set->raw_total / (tp_progress_seconds() - t0) / 1e6;
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

int tp_bench_decode(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP}, {"json", 0, false, OPT_JSON},
        {"runs", 0, true, OPT_RUNS},    {"lod", 0, true, OPT_LOD},
        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage bench decode", argc, argv);
    int64_t runs = 15, lod = 0;
    bool json = false;
    const char *path = NULL, *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR: return TP_EXIT_USAGE;
        case TP_CLI_POSITIONAL:
            if (path)
                return tp_cli_error(&cli, "unexpected argument '%s'", value);
            path = value;
            break;
        case OPT_HELP: print_help(); return TP_EXIT_OK;
        case OPT_JSON: json = true; break;
        case OPT_RUNS:
            if (!tp_cli_int(&cli, value, 1, 1000, &runs))
                return TP_EXIT_USAGE;
            break;
        case OPT_LOD:
            if (!tp_cli_int(&cli, value, 0, TP_MAX_LODS - 1, &lod))
                return TP_EXIT_USAGE;
            break;
        }
    }

    tp_reader *r;
    if (!tp_bench_open_world("terrapage bench decode", path, &r))
        return TP_EXIT_FAILURE;

    blob_set heights = {0}, biomes = {0};
    int status = TP_EXIT_FAILURE;
    uint8_t *out = NULL, **lz4_blobs = NULL;
    int *lz4_sizes = NULL;
    if (!collect(r, TP_LAYER_HEIGHT, (uint32_t)lod, &heights) ||
        !collect(r, TP_LAYER_BIOME, (uint32_t)lod, &biomes)) {
        fprintf(stderr, "terrapage bench decode: out of memory\n");
        goto done;
    }
    if (heights.count == 0) {
        fprintf(stderr, "terrapage bench decode: %s: no height blobs at LOD %d\n", path,
                (int)lod);
        goto done;
    }
    out = malloc(heights.max_raw > biomes.max_raw ? heights.max_raw : biomes.max_raw);
    lz4_blobs = calloc(heights.count, sizeof *lz4_blobs);
    lz4_sizes = calloc(heights.count, sizeof *lz4_sizes);
    if (!out || !lz4_blobs || !lz4_sizes)
        goto done;

    /* The plain-LZ4 reference: the same grids, decoded once, compressed by LZ4. */
    size_t lz4_total = 0;
    for (size_t i = 0; i < heights.count; i++) {
        const tp_blob_ref *ref = &heights.refs[i];
        if (tp_reader_decode(r, ref, out, heights.max_raw) != TP_OK) {
            fprintf(stderr, "terrapage bench decode: %s: blob of chunk (%d, %d) does not "
                            "decode; run 'terrapage verify'\n",
                    path, ref->cx, ref->cz);
            goto done;
        }
        int bound = LZ4_compressBound((int)ref->raw_size);
        lz4_blobs[i] = malloc((size_t)bound);
        if (!lz4_blobs[i])
            goto done;
        lz4_sizes[i] = LZ4_compress_default((const char *)out, (char *)lz4_blobs[i],
                                            (int)ref->raw_size, bound);
        lz4_total += (size_t)lz4_sizes[i];
    }

    double ours[1000], checked[1000], plain[1000], biome[1000];
    for (int run = 0; run < runs; run++) {
        ours[run] = decode_rate(r, &heights, out, 0);
        checked[run] = decode_rate(r, &heights, out, 1);
        biome[run] = biomes.count ? decode_rate(r, &biomes, out, 0) : 0.0;
        double t0 = tp_progress_seconds();
        for (size_t i = 0; i < heights.count; i++) {
            int n = LZ4_decompress_safe((const char *)lz4_blobs[i], (char *)out, lz4_sizes[i],
                                        (int)heights.max_raw);
            tp_bench_sink += (uint64_t)n;
        }
        plain[run] = (double)heights.raw_total / (tp_progress_seconds() - t0) / 1e6;
        if (ours[run] < 0 || checked[run] < 0 || biome[run] < 0) {
            fprintf(stderr, "terrapage bench decode: %s: a blob does not decode; run "
                            "'terrapage verify'\n", path);
            goto done;
        }
    }
    const double m_ours = tp_bench_median(ours, (int)runs);
    const double m_checked = tp_bench_median(checked, (int)runs);
    const double m_plain = tp_bench_median(plain, (int)runs);
    const double m_biome = tp_bench_median(biome, (int)runs);
    if (json) {
        printf("{\"benchmark\": \"decode\", \"lod\": %d, \"height_blobs\": %zu, "
               "\"raw_bytes\": %zu, \"stored_bytes\": %zu, \"plain_lz4_bytes\": %zu,\n"
               " \"mb_per_s\": {\"ours\": %.1f, \"ours_with_checksum\": %.1f, "
               "\"plain_lz4\": %.1f, \"biome_lz4\": %.1f}, \"ours_vs_plain_lz4\": %.3f}\n",
               (int)lod, heights.count, heights.raw_total, heights.stored_total, lz4_total,
               m_ours, m_checked, m_plain, m_biome, m_ours / m_plain);
    } else {
        printf("bench decode: %zu height grids at LOD %d (%.1f MiB decoded), one core, "
               "median of %d passes\n",
               heights.count, (int)lod, heights.raw_total / 1048576.0, (int)runs);
        printf("  terrapage heights (LZ4 + unfilter)    %8.1f MB/s  from %5.2fx compressed\n",
               m_ours, (double)heights.raw_total / heights.stored_total);
        printf("  ... with the reader's XXH3 check      %8.1f MB/s\n", m_checked);
        printf("  plain LZ4 of the same heights         %8.1f MB/s  from %5.2fx compressed\n",
               m_plain, (double)heights.raw_total / lz4_total);
        printf("  terrapage vs plain LZ4                %8.2fx the speed\n", m_ours / m_plain);
        printf("  biomes (LZ4)                          %8.1f MB/s\n", m_biome);
    }
    status = TP_EXIT_OK;
done:
    for (size_t i = 0; lz4_blobs && i < heights.count; i++)
        free(lz4_blobs[i]);
    free(lz4_blobs), free(lz4_sizes), free(out);
    free(heights.refs), free(biomes.refs);
    tp_reader_close(r);
    return status;
}
