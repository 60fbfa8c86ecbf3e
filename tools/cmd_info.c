/* cmd_info.c — `terrapage info`: what a page file holds and how well it compressed. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "terrapage/mesh_codec.h"
#include "worldfile.h"

enum { OPT_HELP = 1, OPT_JSON };

#define ENCODING_SLOTS 5 /* raw, lz4, pred2d+lz4, slope+bitplane+lz4, other */

typedef struct lod_stats {
    uint64_t blobs, stored, raw;
    uint64_t encodings[ENCODING_SLOTS];
    /* Mesh layer only: surface triangles and vertices (from each blob's header), and
     * the max errors the directory records. */
    uint64_t triangles, vertices, unreadable_meshes;
    double error_sum_m, error_max_m;
} lod_stats;

typedef struct info {
    const char *path;
    const tp_file_desc *desc;
    uint64_t file_size;
    uint64_t chunks_present;
    uint64_t directory_errors;
    char first_error[768];
    lod_stats lods[TP_MAX_LAYERS][TP_MAX_LODS];
} info;

static void print_help(void)
{
    printf("usage: terrapage info FILE.tpk [--json]\n"
           "\n"
           "Describes a page file: the world parameters it was baked from (seed, parameter\n"
           "hash, generator version, chunk size, samples per edge, height quantisation),\n"
           "the baked region, and for every layer and LOD the number of blobs, stored and\n"
           "raw bytes and the compression ratio (raw / stored); for the mesh layer also the\n"
           "surface triangles per chunk, the bytes stored per triangle and the mean and\n"
           "largest max-error the directory records. Reads the directory (and the 32-byte\n"
           "header of each mesh); 'terrapage verify' checks the data itself.\n"
           "\n"
           "Options:\n"
           "      --json      print one JSON object instead of text (stable keys: file,\n"
           "                  file_size, format_version, seed, params_hash,\n"
           "                  generator_version, chunk_size_m, samples_per_edge,\n"
           "                  height_min_m, height_step_m, region, chunks_present,\n"
           "                  lod_count, lod_sections, layers, totals, directory_errors;\n"
           "                  mesh LODs add triangles, vertices, mean_error_m,\n"
           "                  max_error_m, bytes_per_triangle)\n"
           "  -h, --help      show this help\n"
           "\n"
           "Regions are printed as X0,Z0,X1,Z1 in chunks, half-open (X0 <= x < X1).\n"
           "\n"
           "Examples:\n"
           "  terrapage info world.tpk\n"
           "  terrapage info world.tpk --json | python3 -m json.tool\n");
}

static unsigned encoding_slot(uint32_t encoding)
{
    return encoding < ENCODING_SLOTS - 1 ? encoding : ENCODING_SLOTS - 1;
}

/* Counts a directory problem; the first one is kept to be shown. */
static void note_directory_error(info *in, tp_result res, int64_t cx, int64_t cz)
{
    if (in->directory_errors++ == 0) {
        char problem[640];
        tp_worldfile_problem(res, in->path, problem, sizeof problem);
        snprintf(in->first_error, sizeof in->first_error, "chunk (%" PRId64 ", %" PRId64 "): %s",
                 cx, cz, problem);
    }
}

/* A mesh blob's counts from its header alone (the first 32 bytes of the encoding, so an
 * LZ4 blob is only partly decompressed), and its recorded error. */
static void add_mesh(const tp_reader *reader, const tp_blob_ref *ref, lod_stats *s)
{
    uint8_t header[TP_MESH_BLOB_HEADER_SIZE];
    const void *stored = tp_reader_blob_bytes(reader, ref);
    bool got = stored && ref->raw_size >= sizeof header &&
               tp_blob_decode_prefix(ref->encoding, stored, ref->stored_size, ref->raw_size,
                                     header, sizeof header) == TP_OK;
    /* Only the header is read, so its size check is against the recorded raw size. A
     * recorded error that is not a finite, non-negative number is damage too (and would
     * not print as JSON). */
    tp_mesh m;
    float error_m;
    memcpy(&error_m, &ref->aux, sizeof error_m);
    if (!got || tp_mesh_decode_header(header, ref->raw_size, &m) != TP_OK ||
        !isfinite(error_m) || error_m < 0.0f) {
        s->unreadable_meshes++;
        return;
    }
    s->triangles += m.skirt_index_start / 3;
    s->vertices += m.skirt_vertex_start;
    s->error_sum_m += error_m;
    s->error_max_m = error_m > s->error_max_m ? error_m : s->error_max_m;
}

/* Walks the whole directory: every chunk of the region, every layer and LOD. */
static void gather(const tp_reader *reader, info *in)
{
    const tp_file_desc *d = in->desc;
    tp_region region = tp_worldfile_region(d);
    for (int64_t cz = region.z0; cz < region.z1; cz++) {
        for (int64_t cx = region.x0; cx < region.x1; cx++) {
            tp_chunk_bounds bounds;
            tp_worldfile_clear_detail();
            tp_result res = tp_reader_chunk_bounds(reader, (int32_t)cx, (int32_t)cz, &bounds);
            if (res == TP_ERR_NOT_FOUND)
                continue;
            if (res != TP_OK) {
                note_directory_error(in, res, cx, cz);
                continue;
            }
            in->chunks_present++;
            for (uint32_t l = 0; l < d->layer_count; l++) {
                for (uint32_t lod = 0; lod < d->layers[l].lod_count && lod < TP_MAX_LODS; lod++) {
                    tp_blob_ref ref;
                    tp_worldfile_clear_detail();
                    res = tp_reader_find(reader, (int32_t)cx, (int32_t)cz, d->layers[l].layer_id,
                                         lod, &ref);
                    if (res == TP_ERR_NOT_FOUND)
                        continue;
                    if (res != TP_OK) {
                        note_directory_error(in, res, cx, cz);
                        continue;
                    }
                    lod_stats *s = &in->lods[l][lod];
                    s->blobs++;
                    s->stored += ref.stored_size;
                    s->raw += ref.raw_size;
                    s->encodings[encoding_slot(ref.encoding)]++;
                    if (ref.layer_id == TP_LAYER_MESH)
                        add_mesh(reader, &ref, s);
                }
            }
        }
    }
}

static double ratio(uint64_t raw, uint64_t stored)
{
    return stored ? (double)raw / (double)stored : 0.0;
}

static void sum_layer(const info *in, uint32_t l, lod_stats *out)
{
    memset(out, 0, sizeof *out);
    for (uint32_t lod = 0; lod < TP_MAX_LODS; lod++) {
        const lod_stats *s = &in->lods[l][lod];
        out->blobs += s->blobs;
        out->stored += s->stored;
        out->raw += s->raw;
        for (int e = 0; e < ENCODING_SLOTS; e++)
            out->encodings[e] += s->encodings[e];
    }
}

static const tp_layer_desc *mesh_layer(const info *in, uint32_t *out_index)
{
    for (uint32_t l = 0; l < in->desc->layer_count; l++)
        if (in->desc->layers[l].layer_id == TP_LAYER_MESH) {
            *out_index = l;
            return &in->desc->layers[l];
        }
    return NULL;
}

static double per(double total, uint64_t count)
{
    return count ? total / (double)count : 0.0;
}

static void print_mesh_text(const info *in)
{
    uint32_t l;
    const tp_layer_desc *ld = mesh_layer(in, &l);
    if (!ld)
        return;
    printf("\n  meshes %3s %15s %14s %14s %12s %12s\n", "LOD", "triangles/chunk",
           "vertices/chunk", "bytes/triangle", "mean error", "max error");
    uint64_t unreadable = 0;
    for (uint32_t lod = 0; lod < ld->lod_count && lod < TP_MAX_LODS; lod++) {
        const lod_stats *s = &in->lods[l][lod];
        uint64_t readable = s->blobs - s->unreadable_meshes;
        unreadable += s->unreadable_meshes;
        printf("         %3" PRIu32 " %15.1f %14.1f %14.2f %10.2f m %10.2f m\n", lod,
               per((double)s->triangles, readable), per((double)s->vertices, readable),
               per((double)s->stored, s->triangles), per(s->error_sum_m, readable), s->error_max_m);
    }
    printf("  (max error: the largest vertical distance of a chunk's mesh from its full-\n"
           "  resolution heights, as the directory records it; skirts not included)\n");
    if (unreadable)
        printf("  %" PRIu64 " mesh blobs have unreadable headers; run 'terrapage verify'\n",
               unreadable);
}

static void print_text(const tp_reader *reader, const info *in)
{
    const tp_file_desc *d = in->desc;
    char size[32], region_text[96], name[32], a[32], b[32];
    tp_format_bytes(in->file_size, size, sizeof size);
    tp_region region = tp_worldfile_region(d);
    tp_region_format(&region, region_text, sizeof region_text);
    uint64_t chunk_count = (uint64_t)d->region_width * d->region_height;

    printf("%s: terrapage page file, format %" PRIu32 ".%" PRIu32 ", %s (%" PRIu64 " bytes)\n",
           in->path, d->version_major, d->version_minor, size, in->file_size);
    printf("  seed               %" PRIu64 "\n", d->seed);
    printf("  params hash        0x%016" PRIx64 "\n", d->params_hash);
    printf("  generator version  %" PRIu32 "%s\n", d->generator_version,
           d->generator_version == TP_GENERATOR_VERSION
               ? " (same as this build)"
               : " (differs from this build: runtime fallback would not match)");
    printf("  chunks             %g m, %" PRIu32 " samples per edge (%g m per sample)\n",
           d->chunk_size_m, d->samples_per_edge,
           d->chunk_size_m / (double)(d->samples_per_edge - 1));
    printf("  heights            u16 codes: metres = %g + code * %g\n", d->height_min_m,
           d->height_step_m);
    printf("  region             %s: %" PRIu32 " x %" PRIu32 " chunks (%.1f x %.1f km), "
           "%" PRIu64 " of %" PRIu64 " present\n",
           region_text, d->region_width, d->region_height,
           d->region_width * d->chunk_size_m / 1000.0, d->region_height * d->chunk_size_m / 1000.0,
           in->chunks_present, chunk_count);
    printf("  LODs               %" PRIu32 ":", d->lod_count);
    for (uint32_t lod = 0; lod < d->lod_count; lod++)
        printf("%s %" PRIu32, lod ? "," : "", tp_lod_edge(d->samples_per_edge, lod));
    printf(" samples per edge\n");
    printf("  LOD sections       ");
    for (uint32_t lod = d->lod_count; lod-- > 0;) {
        uint64_t off, len;
        if (tp_reader_lod_section(reader, lod, &off, &len) == TP_OK) {
            tp_format_bytes(len, a, sizeof a);
            printf("LOD %" PRIu32 " %s%s", lod, a, lod ? ", " : "");
        }
    }
    printf(" (coarsest first in the file)\n\n");

    printf("  %-14s %3s %5s %9s %12s %12s %7s  %s\n", "layer", "LOD", "edge", "blobs", "stored",
           "raw", "ratio", "encodings");
    lod_stats total = {0};
    for (uint32_t l = 0; l < d->layer_count; l++) {
        const tp_layer_desc *ld = &d->layers[l];
        tp_worldfile_layer_name(ld->layer_id, name, sizeof name);
        for (uint32_t lod = 0; lod < ld->lod_count && lod < TP_MAX_LODS; lod++) {
            const lod_stats *s = &in->lods[l][lod];
            tp_format_bytes(s->stored, a, sizeof a);
            tp_format_bytes(s->raw, b, sizeof b);
            printf("  %-14s %3" PRIu32 " %5" PRIu32 " %9" PRIu64 " %12s %12s %6.2fx ", name, lod,
                   tp_lod_edge(ld->edge_lod0, lod), s->blobs, a, b, ratio(s->raw, s->stored));
            static const char *const enc[ENCODING_SLOTS] = {"raw", "lz4", "pred2d+lz4",
                                                             "slope+bitplane+lz4", "other"};
            const char *sep = " ";
            for (int e = 0; e < ENCODING_SLOTS; e++) {
                if (s->encodings[e]) {
                    printf("%s%s %" PRIu64, sep, enc[e], s->encodings[e]);
                    sep = ", ";
                }
            }
            printf("\n");
        }
        lod_stats sum;
        sum_layer(in, l, &sum);
        total.blobs += sum.blobs;
        total.stored += sum.stored;
        total.raw += sum.raw;
    }
    tp_format_bytes(total.stored, a, sizeof a);
    tp_format_bytes(total.raw, b, sizeof b);
    printf("  %-14s %3s %5s %9" PRIu64 " %12s %12s %6.2fx\n", "total", "", "", total.blobs, a, b,
           ratio(total.raw, total.stored));
    print_mesh_text(in);
    if (in->directory_errors)
        printf("\n  directory errors   %" PRIu64 " (first: %s); run 'terrapage verify'\n",
               in->directory_errors, in->first_error);
}

static void print_json(const tp_reader *reader, const info *in)
{
    const tp_file_desc *d = in->desc;
    tp_region region = tp_worldfile_region(d);
    char name[32];
    printf("{\n  \"file\": ");
    tp_json_string(stdout, in->path);
    printf(",\n  \"file_size\": %" PRIu64 ",\n", in->file_size);
    printf("  \"format_version\": \"%" PRIu32 ".%" PRIu32 "\",\n", d->version_major,
           d->version_minor);
    printf("  \"seed\": %" PRIu64 ",\n", d->seed);
    printf("  \"params_hash\": \"0x%016" PRIx64 "\",\n", d->params_hash);
    printf("  \"generator_version\": %" PRIu32 ",\n", d->generator_version);
    printf("  \"chunk_size_m\": %.17g,\n", d->chunk_size_m);
    printf("  \"samples_per_edge\": %" PRIu32 ",\n", d->samples_per_edge);
    printf("  \"height_min_m\": %.17g,\n", d->height_min_m);
    printf("  \"height_step_m\": %.17g,\n", d->height_step_m);
    printf("  \"region\": {\"x0\": %" PRId32 ", \"z0\": %" PRId32 ", \"x1\": %" PRId32
           ", \"z1\": %" PRId32 ", \"width\": %" PRIu32 ", \"height\": %" PRIu32 "},\n",
           region.x0, region.z0, region.x1, region.z1, d->region_width, d->region_height);
    printf("  \"chunks_present\": %" PRIu64 ",\n", in->chunks_present);
    printf("  \"lod_count\": %" PRIu32 ",\n", d->lod_count);
    printf("  \"lod_sections\": [");
    for (uint32_t lod = 0; lod < d->lod_count; lod++) {
        uint64_t off = 0, len = 0;
        tp_reader_lod_section(reader, lod, &off, &len);
        printf("%s{\"lod\": %" PRIu32 ", \"offset\": %" PRIu64 ", \"size\": %" PRIu64 "}",
               lod ? ", " : "", lod, off, len);
    }
    printf("],\n  \"layers\": [\n");
    lod_stats total = {0};
    for (uint32_t l = 0; l < d->layer_count; l++) {
        const tp_layer_desc *ld = &d->layers[l];
        lod_stats sum;
        sum_layer(in, l, &sum);
        total.blobs += sum.blobs;
        total.stored += sum.stored;
        total.raw += sum.raw;
        printf("    {\"id\": %" PRIu32 ", \"name\": \"%s\", \"elem_type\": \"%s\", "
               "\"edge_lod0\": %" PRIu32 ", \"lod_count\": %" PRIu32 ", \"blobs\": %" PRIu64
               ", \"stored_bytes\": %" PRIu64 ", \"raw_bytes\": %" PRIu64 ", \"ratio\": %.4f,\n"
               "     \"lods\": [",
               ld->layer_id, tp_worldfile_layer_name(ld->layer_id, name, sizeof name),
               tp_worldfile_elem_name(ld->elem_type), ld->edge_lod0, ld->lod_count, sum.blobs,
               sum.stored, sum.raw, ratio(sum.raw, sum.stored));
        for (uint32_t lod = 0; lod < ld->lod_count && lod < TP_MAX_LODS; lod++) {
            const lod_stats *s = &in->lods[l][lod];
            printf("%s\n       {\"lod\": %" PRIu32 ", \"edge\": %" PRIu32 ", \"blobs\": %" PRIu64
                   ", \"stored_bytes\": %" PRIu64 ", \"raw_bytes\": %" PRIu64
                   ", \"ratio\": %.4f, \"encodings\": {\"raw\": %" PRIu64 ", \"lz4\": %" PRIu64
                   ", \"pred2d_lz4\": %" PRIu64 ", \"slope_bitplane_lz4\": %" PRIu64
                   ", \"other\": %" PRIu64 "}",
                   lod ? "," : "", lod, tp_lod_edge(ld->edge_lod0, lod), s->blobs, s->stored,
                   s->raw, ratio(s->raw, s->stored), s->encodings[0], s->encodings[1],
                   s->encodings[2], s->encodings[3], s->encodings[4]);
            if (ld->layer_id == TP_LAYER_MESH) {
                uint64_t readable = s->blobs - s->unreadable_meshes;
                printf(", \"mesh\": {\"triangles\": %" PRIu64 ", \"vertices\": %" PRIu64
                       ", \"triangles_per_chunk\": %.2f, \"bytes_per_triangle\": %.4f, "
                       "\"mean_error_m\": %.4f, \"max_error_m\": %.4f, \"unreadable\": %" PRIu64 "}}",
                       s->triangles, s->vertices, per((double)s->triangles, readable),
                       per((double)s->stored, s->triangles), per(s->error_sum_m, readable),
                       s->error_max_m, s->unreadable_meshes);
            } else {
                printf("}");
            }
        }
        printf("]}%s\n", l + 1 < d->layer_count ? "," : "");
    }
    printf("  ],\n");
    printf("  \"totals\": {\"blobs\": %" PRIu64 ", \"stored_bytes\": %" PRIu64
           ", \"raw_bytes\": %" PRIu64 ", \"ratio\": %.4f},\n",
           total.blobs, total.stored, total.raw, ratio(total.raw, total.stored));
    printf("  \"directory_errors\": %" PRIu64 "\n}\n", in->directory_errors);
}

int tp_cmd_info(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"json", 0, false, OPT_JSON},
        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage info", argc, argv);
    const char *path = NULL;
    bool json = false, help = false;
    const char *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR: return TP_EXIT_USAGE;
        case OPT_HELP: help = true; break;
        case OPT_JSON: json = true; break;
        case TP_CLI_POSITIONAL:
            if (path)
                return tp_cli_error(&cli, "one page file at a time (got '%s' and '%s')", path,
                                    value);
            path = value;
            break;
        }
    }
    if (help) {
        print_help();
        return TP_EXIT_OK;
    }
    if (!path)
        return tp_cli_error(&cli, "which page file? (e.g. terrapage info world.tpk)");

    tp_reader *reader;
    if (!tp_worldfile_open(cli.command, path, &reader))
        return TP_EXIT_FAILURE;
    info *in = calloc(1, sizeof *in);
    if (!in) {
        tp_reader_close(reader);
        fprintf(stderr, "%s: out of memory\n", cli.command);
        return TP_EXIT_FAILURE;
    }
    in->path = path;
    in->desc = tp_reader_desc(reader);
    in->file_size = tp_reader_file_size(reader);
    gather(reader, in);
    if (json)
        print_json(reader, in);
    else
        print_text(reader, in);
    int status = TP_EXIT_OK;
    if (in->directory_errors) {
        fprintf(stderr, "%s: %s: %" PRIu64 " directory errors, first: %s\n", cli.command, path,
                in->directory_errors, in->first_error);
        status = TP_EXIT_FAILURE;
    }
    free(in);
    tp_reader_close(reader);
    return status;
}
