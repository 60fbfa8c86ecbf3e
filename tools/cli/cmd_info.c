/* cmd_info.c — `terrapage info`: what a page file holds and how well it compressed. */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "commands.h"
#include "json_out.h"
#include "pagefile_names.h"
#include "pagefile_open.h"
#include "terrapage/mesh_codec.h"
#include "units.h"
#include "world_file.h"

enum { OPT_HELP = 1, OPT_JSON, OPT_WORLD };

#define COMMAND "terrapage info"

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
    uint64_t chunks_visited;  /* records looked up: the chunks of the tiles stored */
    uint64_t directory_errors;
    uint8_t *scratch;         /* stored bytes of a mesh blob (the reader's pread mode) */
    size_t scratch_size;
    char first_error[768];
    char world_problem[768]; /* the world checks' complaint, "" when the file is its world */
    lod_stats lods[TP_MAX_LAYERS][TP_MAX_LODS];
} info;

static void print_help(void)
{
    printf("usage: terrapage info FILE.tpk [--json | --world]\n"
           "\n"
           "Describes a page file: the world parameters it was baked from (seed, parameter\n"
           "hash, generator version, chunk size, samples per edge, height quantisation),\n"
           "the baked region, and for every layer and LOD the number of blobs, stored and\n"
           "raw bytes and the compression ratio (raw / stored); for the mesh layer also the\n"
           "surface triangles per chunk, the bytes stored per triangle and the mean and\n"
           "largest max-error the directory records. Reads the directory (and the 32-byte\n"
           "header of each mesh) of the tiles the file stores, so the work follows the\n"
           "file, not the region its header declares. Like every command that reads a page\n"
           "file, it first checks that the file is the world its header describes (the\n"
           "header against its parameters, the first few coarsest pages against the\n"
           "generator), and exits with status 1 after the description if not;\n"
           "'terrapage verify' checks the data itself.\n"
           "\n"
           "Options:\n"
           "      --json      print one JSON object instead of text (stable keys: file,\n"
           "                  file_size, format_version, seed, params_hash,\n"
           "                  generator_version, chunk_size_m, samples_per_edge,\n"
           "                  height_min_m, height_step_m, region, chunks_present,\n"
           "                  chunks_visited, lod_count, lod_sections, layers, totals,\n"
           "                  directory_errors, shard (null, or index, count and\n"
           "                  compression_level of a shard file);\n"
           "                  mesh LODs add triangles, vertices, mean_error_m,\n"
           "                  max_error_m, bytes_per_triangle)\n"
           "      --world     print instead the world file (YAML) that reproduces the page\n"
           "                  file: 'terrapage bake --world' on it writes the same file\n"
           "                  byte for byte when it was baked at the default compression\n"
           "                  level (page files do not record the level)\n"
           "  -h, --help      show this help\n"
           "\n"
           "Regions are printed as X0,Z0,X1,Z1 in chunks, half-open (X0 <= x < X1).\n"
           "\n"
           "Examples:\n"
           "  terrapage info world.tpk\n"
           "  terrapage info world.tpk --json | python3 -m json.tool\n"
           "  terrapage info world.tpk --world > world.yaml\n");
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
        tpt_pagefile_problem(res, in->path, problem, sizeof problem);
        snprintf(in->first_error, sizeof in->first_error, "chunk (%" PRId64 ", %" PRId64 "): %s",
                 cx, cz, problem);
    }
}

/* Room for `size` stored bytes in in->scratch; false when out of memory. */
static bool scratch_for(info *in, size_t size)
{
    if (size <= in->scratch_size)
        return true;
    uint8_t *p = realloc(in->scratch, size);
    if (!p)
        return false;
    in->scratch = p;
    in->scratch_size = size;
    return true;
}

/* A mesh blob's counts from its header alone (the first 32 bytes of the encoding, so an
 * LZ4 blob is only partly decompressed), and its recorded error. */
static void add_mesh(const tp_reader *reader, info *in, const tp_blob_ref *ref, lod_stats *s)
{
    uint8_t header[TP_MESH_BLOB_HEADER_SIZE];
    /* Unmapped, the stored bytes are read (and checked) in a scratch buffer. */
    const bool mapped = tp_reader_is_mapped(reader);
    bool got = ref->raw_size >= sizeof header && (mapped || scratch_for(in, ref->stored_size)) &&
               tp_reader_load_prefix(reader, ref, header, sizeof header,
                                     mapped ? NULL : in->scratch,
                                     mapped ? 0 : in->scratch_size) == TP_OK;
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

/* One chunk's record: its blobs counted by layer and LOD. */
static void gather_chunk(const tp_reader *reader, info *in, int32_t cx, int32_t cz)
{
    const tp_file_desc *d = in->desc;
    tp_chunk_bounds bounds;
    in->chunks_visited++;
    tpt_pagefile_clear_detail();
    tp_result res = tp_reader_chunk_bounds(reader, cx, cz, &bounds);
    if (res == TP_ERR_NOT_FOUND)
        return;
    if (res != TP_OK) {
        note_directory_error(in, res, cx, cz);
        return;
    }
    in->chunks_present++;
    for (uint32_t l = 0; l < d->layer_count; l++) {
        for (uint32_t lod = 0; lod < d->layers[l].lod_count && lod < TP_MAX_LODS; lod++) {
            tp_blob_ref ref;
            tpt_pagefile_clear_detail();
            res = tp_reader_find(reader, cx, cz, d->layers[l].layer_id, lod, &ref);
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
                add_mesh(reader, in, &ref, s);
        }
    }
}

/* Walks the directory: every chunk of the tiles the file stores, every layer and LOD.
 * A tile without a directory block holds no chunk, so it costs one block-table entry. */
static void gather(const tp_reader *reader, info *in)
{
    tp_tile_grid grid;
    tp_reader_tile_grid(reader, &grid);
    for (uint64_t t = 0; t < grid.tile_count; t++) {
        tp_tile_info tile;
        if (tp_reader_tile(reader, t, &tile) != TP_OK)
            continue;
        for (uint32_t z = 0; z < tile.height; z++)
            for (uint32_t x = 0; x < tile.width; x++)
                gather_chunk(reader, in, tile.cx0 + (int32_t)x, tile.cz0 + (int32_t)z);
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

/* Adds layer l's blobs and bytes to the file's totals. */
static void add_totals(const info *in, uint32_t l, lod_stats *total)
{
    lod_stats sum;
    sum_layer(in, l, &sum);
    total->blobs += sum.blobs;
    total->stored += sum.stored;
    total->raw += sum.raw;
}

static const tp_layer_desc *mesh_layer(const info *in, uint32_t *out_index)
{
    const tp_layer_desc *ld = tp_file_desc_layer(in->desc, TP_LAYER_MESH);
    if (ld)
        *out_index = (uint32_t)(ld - in->desc->layers);
    return ld;
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
    tpt_format_bytes(in->file_size, size, sizeof size);
    tpt_region region = tpt_pagefile_region(d);
    tpt_region_format(&region, region_text, sizeof region_text);
    uint64_t chunk_count = (uint64_t)d->region_width * d->region_height;

    printf("%s: terrapage page file, format %" PRIu32 ".%" PRIu32 ", %s (%" PRIu64 " bytes)\n",
           in->path, d->version_major, d->version_minor, size, in->file_size);
    if (d->shard_count)
        printf("  shard              %" PRIu32 " of %" PRIu32 " of a sharded bake (compression "
               "level %d): only its share of the region is stored; 'terrapage merge' "
               "assembles the shards\n", d->shard_index, d->shard_count, (int)d->shard_level);
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
            tpt_format_bytes(len, a, sizeof a);
            printf("LOD %" PRIu32 " %s%s", lod, a, lod ? ", " : "");
        }
    }
    printf(" (coarsest first in the file)\n\n");

    printf("  %-14s %3s %5s %9s %12s %12s %7s  %s\n", "layer", "LOD", "edge", "blobs", "stored",
           "raw", "ratio", "encodings");
    lod_stats total = {0};
    for (uint32_t l = 0; l < d->layer_count; l++) {
        const tp_layer_desc *ld = &d->layers[l];
        tpt_layer_name(ld->layer_id, name, sizeof name);
        for (uint32_t lod = 0; lod < ld->lod_count && lod < TP_MAX_LODS; lod++) {
            const lod_stats *s = &in->lods[l][lod];
            tpt_format_bytes(s->stored, a, sizeof a);
            tpt_format_bytes(s->raw, b, sizeof b);
            printf("  %-14s %3" PRIu32 " %5" PRIu32 " %9" PRIu64 " %12s %12s %6.2fx ", name, lod,
                   tp_lod_edge(ld->edge_lod0, lod), s->blobs, a, b, ratio(s->raw, s->stored));
            const char *sep = " ";
            for (int e = 0; e < ENCODING_SLOTS; e++) {
                if (s->encodings[e]) {
                    const char *enc = e < ENCODING_SLOTS - 1 ? tp_encoding_name((uint32_t)e) : NULL;
                    printf("%s%s %" PRIu64, sep, enc ? enc : "other", s->encodings[e]);
                    sep = ", ";
                }
            }
            printf("\n");
        }
        add_totals(in, l, &total);
    }
    tpt_format_bytes(total.stored, a, sizeof a);
    tpt_format_bytes(total.raw, b, sizeof b);
    printf("  %-14s %3s %5s %9" PRIu64 " %12s %12s %6.2fx\n", "total", "", "", total.blobs, a, b,
           ratio(total.raw, total.stored));
    print_mesh_text(in);
    if (in->directory_errors)
        printf("\n  directory errors   %" PRIu64 " (first: %s); run 'terrapage verify'\n",
               in->directory_errors, in->first_error);
}

/* ---- JSON ---------------------------------------------------------------------------- */

static json_t *encodings_json(const lod_stats *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o}",
                     "raw", tpt_json_u64(s->encodings[0]),
                     "lz4", tpt_json_u64(s->encodings[1]),
                     "pred2d_lz4", tpt_json_u64(s->encodings[2]),
                     "slope_bitplane_lz4", tpt_json_u64(s->encodings[3]),
                     "other", tpt_json_u64(s->encodings[4]));
}

static json_t *mesh_json(const lod_stats *s)
{
    uint64_t readable = s->blobs - s->unreadable_meshes;
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "triangles", tpt_json_u64(s->triangles),
                     "vertices", tpt_json_u64(s->vertices),
                     "triangles_per_chunk", tpt_json_real(per((double)s->triangles, readable), 2),
                     "bytes_per_triangle", tpt_json_real(per((double)s->stored, s->triangles), 4),
                     "mean_error_m", tpt_json_real(per(s->error_sum_m, readable), 4),
                     "max_error_m", tpt_json_real(s->error_max_m, 4),
                     "unreadable", tpt_json_u64(s->unreadable_meshes));
}

static json_t *lod_json(const tp_layer_desc *ld, uint32_t lod, const lod_stats *s)
{
    json_t *o = json_pack("{s:i, s:i, s:o, s:o, s:o, s:o, s:o}",
                          "lod", (int)lod,
                          "edge", (int)tp_lod_edge(ld->edge_lod0, lod),
                          "blobs", tpt_json_u64(s->blobs),
                          "stored_bytes", tpt_json_u64(s->stored),
                          "raw_bytes", tpt_json_u64(s->raw),
                          "ratio", tpt_json_real(ratio(s->raw, s->stored), 4),
                          "encodings", encodings_json(s));
    if (o && ld->layer_id == TP_LAYER_MESH)
        json_object_set_new(o, "mesh", mesh_json(s));
    return o;
}

static json_t *layer_json(const info *in, uint32_t l)
{
    const tp_layer_desc *ld = &in->desc->layers[l];
    lod_stats sum;
    sum_layer(in, l, &sum);
    json_t *lods = json_array();
    for (uint32_t lod = 0; lod < ld->lod_count && lod < TP_MAX_LODS; lod++)
        json_array_append_new(lods, lod_json(ld, lod, &in->lods[l][lod]));
    char name[32];
    return json_pack("{s:i, s:s, s:s, s:i, s:i, s:o, s:o, s:o, s:o, s:o}",
                     "id", (int)ld->layer_id,
                     "name", tpt_layer_name(ld->layer_id, name, sizeof name),
                     "elem_type", tpt_elem_name(ld->elem_type),
                     "edge_lod0", (int)ld->edge_lod0,
                     "lod_count", (int)ld->lod_count,
                     "blobs", tpt_json_u64(sum.blobs),
                     "stored_bytes", tpt_json_u64(sum.stored),
                     "raw_bytes", tpt_json_u64(sum.raw),
                     "ratio", tpt_json_real(ratio(sum.raw, sum.stored), 4),
                     "lods", lods);
}

/* The file's header: where it comes from and what world it holds. */
static json_t *header_json(const info *in)
{
    const tp_file_desc *d = in->desc;
    char version[32], hash[32];
    snprintf(version, sizeof version, "%" PRIu32 ".%" PRIu32, d->version_major,
             d->version_minor);
    snprintf(hash, sizeof hash, "0x%016" PRIx64, d->params_hash);
    return json_pack("{s:o, s:o, s:s, s:o, s:s, s:o, s:o, s:o, s:o, s:o}",
                     "file", tpt_json_text(in->path),
                     "file_size", tpt_json_u64(in->file_size),
                     "format_version", version,
                     "seed", tpt_json_u64(d->seed),
                     "params_hash", hash,
                     "generator_version", tpt_json_u64(d->generator_version),
                     "chunk_size_m", tpt_json_number(d->chunk_size_m),
                     "samples_per_edge", tpt_json_u64(d->samples_per_edge),
                     "height_min_m", tpt_json_number(d->height_min_m),
                     "height_step_m", tpt_json_number(d->height_step_m));
}

static json_t *info_json(const tp_reader *reader, const info *in)
{
    const tp_file_desc *d = in->desc;
    json_t *o = header_json(in);
    if (!o)
        return NULL;
    json_object_set_new(o, "shard",
                        d->shard_count ? json_pack("{s:i, s:i, s:i}", "index",
                                                   (int)d->shard_index, "count",
                                                   (int)d->shard_count, "compression_level",
                                                   (int)d->shard_level)
                                       : json_null());
    tpt_region region = tpt_pagefile_region(d);
    json_object_set_new(o, "region",
                        json_pack("{s:i, s:i, s:I, s:I, s:o, s:o}",
                                  "x0", (int)region.x0, "z0", (int)region.z0,
                                  "x1", (json_int_t)region.x1, "z1", (json_int_t)region.z1,
                                  "width", tpt_json_u64(d->region_width),
                                  "height", tpt_json_u64(d->region_height)));
    json_object_set_new(o, "chunks_present", tpt_json_u64(in->chunks_present));
    json_object_set_new(o, "chunks_visited", tpt_json_u64(in->chunks_visited));
    json_object_set_new(o, "lod_count", tpt_json_u64(d->lod_count));
    json_t *sections = json_array();
    for (uint32_t lod = 0; lod < d->lod_count; lod++) {
        uint64_t off = 0, len = 0;
        tp_reader_lod_section(reader, lod, &off, &len);
        json_array_append_new(sections, json_pack("{s:i, s:o, s:o}", "lod", (int)lod,
                                                  "offset", tpt_json_u64(off),
                                                  "size", tpt_json_u64(len)));
    }
    json_object_set_new(o, "lod_sections", sections);
    json_t *layers = json_array();
    lod_stats total = {0};
    for (uint32_t l = 0; l < d->layer_count; l++) {
        json_array_append_new(layers, layer_json(in, l));
        add_totals(in, l, &total);
    }
    json_object_set_new(o, "layers", layers);
    json_object_set_new(o, "totals",
                        json_pack("{s:o, s:o, s:o, s:o}",
                                  "blobs", tpt_json_u64(total.blobs),
                                  "stored_bytes", tpt_json_u64(total.stored),
                                  "raw_bytes", tpt_json_u64(total.raw),
                                  "ratio", tpt_json_real(ratio(total.raw, total.stored), 4)));
    json_object_set_new(o, "directory_errors", tpt_json_u64(in->directory_errors));
    json_object_set_new(o, "world_problem",
                        in->world_problem[0] ? tpt_json_text(in->world_problem) : json_null());
    return o;
}

/* ---- the command ------------------------------------------------------------------- */

/* @return TPT_CLI_PROCEED with *out_path set, or the status to exit with. */
static int parse_options(int argc, char **argv, const char **out_path, bool *out_json,
                         bool *out_world)
{
    static const tpt_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"json", 0, false, OPT_JSON},
        {"world", 0, false, OPT_WORLD},
        {0},
    };
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    const char *path = NULL, *value;
    bool help = false;
    *out_json = *out_world = false;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case TPT_CLI_ERROR: return TPT_EXIT_USAGE;
        case OPT_HELP: help = true; break;
        case OPT_JSON: *out_json = true; break;
        case OPT_WORLD: *out_world = true; break;
        case TPT_CLI_POSITIONAL:
            if (path)
                return tpt_cli_error(&cli, "one page file at a time (got '%s' and '%s')", path,
                                     value);
            path = value;
            break;
        }
    }
    if (help) {
        print_help();
        return TPT_EXIT_OK;
    }
    if (!path)
        return tpt_cli_error(&cli, "which page file? (e.g. terrapage info world.tpk)");
    if (*out_json && *out_world)
        return tpt_cli_error(&cli, "--json and --world exclude each other");
    *out_path = path;
    return TPT_CLI_PROCEED;
}

/* `info --world`: the world file whose bake gives this page file. A file of another
 * generator version is refused: this generator would bake other terrain from it. */
static int print_world_file(const char *path, const tp_reader *reader)
{
    const tp_file_desc *desc = tp_reader_desc(reader);
    tp_page_layout layout;
    if (!tpt_pagefile_layout(COMMAND, path, reader, "--world", &layout))
        return TPT_EXIT_FAILURE;
    tpt_world_file wf;
    tpt_world_file_defaults(&wf);
    wf.world = layout.world;
    wf.region = tpt_pagefile_region(desc);
    wf.meshes = tp_file_desc_layer(desc, TP_LAYER_MESH) != NULL;
    if (!tpt_world_file_write(stdout, &wf, path)) {
        fprintf(stderr, "%s: could not write the world file to the standard output\n",
                COMMAND);
        return TPT_EXIT_FAILURE;
    }
    return TPT_EXIT_OK;
}

int tpt_cmd_info(int argc, char **argv)
{
    const char *path = NULL;
    bool json = false, world_file = false;
    int status = parse_options(argc, argv, &path, &json, &world_file);
    if (status != TPT_CLI_PROCEED)
        return status;
    tp_reader *reader;
    if (!tpt_pagefile_open(COMMAND, path, &reader))
        return TPT_EXIT_FAILURE;
    if (world_file) {
        status = print_world_file(path, reader);
        tp_reader_close(reader);
        return status;
    }
    info *in = calloc(1, sizeof *in);
    if (!in) {
        tp_reader_close(reader);
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        return TPT_EXIT_FAILURE;
    }
    in->path = path;
    in->desc = tp_reader_desc(reader);
    in->file_size = tp_reader_file_size(reader);
    /* The checks that the file stores the world its header describes (the header against
     * its parameters, a few coarsest pages against generation); another generator
     * version is no contradiction (the text says so beside the version). */
    tp_page_layout layout;
    tpt_pagefile_clear_detail();
    tp_result world = tpt_pagefile_world(reader, &layout);
    if (world != TP_OK && world != TP_ERR_UNSUPPORTED_VERSION)
        tpt_pagefile_world_problem(world, in->world_problem, sizeof in->world_problem);
    gather(reader, in);
    status = TPT_EXIT_OK;
    if (json && !tpt_json_write(stdout, info_json(reader, in), TPT_JSON_LINES)) {
        fprintf(stderr, "%s: %s: could not write the JSON report\n", COMMAND, path);
        status = TPT_EXIT_FAILURE;
    } else if (!json) {
        print_text(reader, in);
    }
    if (in->directory_errors) {
        fprintf(stderr, "%s: %s: %" PRIu64 " directory errors, first: %s\n", COMMAND, path,
                in->directory_errors, in->first_error);
        status = TPT_EXIT_FAILURE;
    }
    if (in->world_problem[0]) {
        fprintf(stderr, "%s: %s: %s\n", COMMAND, path, in->world_problem);
        status = TPT_EXIT_FAILURE;
    }
    free(in->scratch);
    free(in);
    tp_reader_close(reader);
    return status;
}
