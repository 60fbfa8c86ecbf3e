/* cmd_mesh.c — `terrapage mesh`: one chunk's baked mesh as an OBJ file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunk_mesh.h"
#include "cli_options.h"
#include "commands.h"
#include "obj_write.h"
#include "pagefile_open.h"
#include "terrapage/output_file.h"

enum { OPT_HELP = 1, OPT_CHUNK, OPT_LOD, OPT_OUTPUT, OPT_SKIRTS, OPT_WORLD, OPT_FALLBACK };

#define COMMAND "terrapage mesh"

static void print_help(void)
{
    printf("usage: terrapage mesh FILE.tpk --chunk X,Z [--lod K] [-o OUT.obj] [options]\n"
           "\n"
           "Writes the triangle mesh of one chunk at one level of detail, as stored in the\n"
           "page file's mesh layer, as a Wavefront OBJ file: positions in metres (y up,\n"
           "x east, z along the grid rows), one normal per vertex, counter-clockwise\n"
           "faces. Blender: File > Import > Wavefront (.obj) with its default axes.\n"
           "\n"
           "Options:\n"
           "      --chunk X,Z       the chunk (required), e.g. --chunk -3,7\n"
           "      --lod K           level of detail, 0 (finest) to the file's LOD count - 1;\n"
           "                        default 0\n"
           "  -o, --output FILE     default: chunk_X_Z_lodK.obj in the current directory\n"
           "      --skirts          also write the skirts (a separate object, 'skirts')\n"
           "      --world-coords    place the chunk at its world position instead of with\n"
           "                        its corner at the origin\n"
           "      --fallback        build the mesh with the generator, as the runtime's\n"
           "                        fallback would, when the file does not hold it (a chunk\n"
           "                        outside the baked region, or a file without meshes);\n"
           "                        damaged data is always an error\n"
           "  -h, --help            show this help\n"
           "\n"
           "Examples:\n"
           "  terrapage mesh world.tpk --chunk 0,0 --lod 2 -o chunk.obj\n"
           "  terrapage mesh world.tpk --chunk -5,3 --skirts --world-coords\n");
}

static bool parse_chunk(tpt_cli *cli, const char *value, int32_t out[2])
{
    const char *comma = strchr(value, ',');
    char part[2][64], err[128];
    if (!comma || (size_t)(comma - value) >= sizeof part[0] || strlen(comma + 1) >= sizeof part[1]) {
        tpt_cli_error(cli, "%s: expected X,Z in chunks, got \"%s\"", cli->option, value);
        return false;
    }
    memcpy(part[0], value, (size_t)(comma - value));
    part[0][comma - value] = '\0';
    strcpy(part[1], comma + 1);
    for (int k = 0; k < 2; k++) {
        int64_t v;
        if (!tpt_parse_int64(part[k], INT32_MIN, INT32_MAX, &v, err, sizeof err)) {
            tpt_cli_error(cli, "%s: %s", cli->option, err);
            return false;
        }
        out[k] = (int32_t)v;
    }
    return true;
}

/* ---- the command ------------------------------------------------------------------- */

typedef struct mesh_args {
    const char *path, *output; /* output NULL: chunk_X_Z_lodK.obj */
    int32_t chunk[2];
    int64_t lod;
    bool skirts, world_coords, fallback;
} mesh_args;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, mesh_args *a)
{
    static const tpt_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},       {"chunk", 0, true, OPT_CHUNK},
        {"lod", 0, true, OPT_LOD},            {"output", 'o', true, OPT_OUTPUT},
        {"skirts", 0, false, OPT_SKIRTS},     {"world-coords", 0, false, OPT_WORLD},
        {"fallback", 0, false, OPT_FALLBACK}, {0},
    };
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *a = (mesh_args){0};
    bool have_chunk = false, help = false;
    const char *value;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case TPT_CLI_ERROR: return TPT_EXIT_USAGE;
        case OPT_HELP: help = true; break;
        case OPT_CHUNK:
            if (!parse_chunk(&cli, value, a->chunk))
                return TPT_EXIT_USAGE;
            have_chunk = true;
            break;
        case OPT_LOD:
            if (!tpt_cli_int(&cli, value, 0, TP_MAX_LODS - 1, &a->lod))
                return TPT_EXIT_USAGE;
            break;
        case OPT_OUTPUT: a->output = value; break;
        case OPT_SKIRTS: a->skirts = true; break;
        case OPT_WORLD: a->world_coords = true; break;
        case OPT_FALLBACK: a->fallback = true; break;
        case TPT_CLI_POSITIONAL:
            if (a->path)
                return tpt_cli_error(&cli, "one page file at a time (got '%s' and '%s')",
                                     a->path, value);
            a->path = value;
            break;
        }
    }
    if (help) {
        print_help();
        return TPT_EXIT_OK;
    }
    if (!a->path)
        return tpt_cli_error(&cli, "which page file? (e.g. terrapage mesh world.tpk --chunk 0,0)");
    if (!have_chunk)
        return tpt_cli_error(&cli, "which chunk? (--chunk X,Z, e.g. --chunk 0,0)");
    return TPT_CLI_PROCEED;
}

/* The file must hold meshes at the LOD, or --fallback must build them (which needs the
 * file's own generator: tpt_pagefile_layout checks that). @return false after printing
 * the problem. */
static bool check_lod(const mesh_args *a, const tp_file_desc *desc)
{
    if ((uint64_t)a->lod >= desc->lod_count) {
        fprintf(stderr, "%s: %s: --lod %" PRId64 " is out of range: the file has LODs 0 to %" PRIu32
                        "\n", COMMAND, a->path, a->lod, desc->lod_count - 1);
        return false;
    }
    if (!a->fallback && !tpt_chunk_mesh_has_layer(desc, (uint32_t)a->lod)) {
        fprintf(stderr, "%s: %s: the file has no meshes at LOD %" PRId64
                        " (baked without the mesh layer); --fallback builds them with the "
                        "generator\n", COMMAND, a->path, a->lod);
        return false;
    }
    return true;
}

/* Writes the OBJ through a temporary file renamed into place (terrapage/output_file.h):
 * a failed write leaves no file and any older one as it was. @return false after
 * printing why. */
static bool write_obj(const mesh_args *a, const tp_file_desc *desc, const tpt_chunk_mesh *m,
                      const char *output)
{
    tp_output_file file;
    if (tp_output_open(output, &file) != TP_OK) {
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
        return false;
    }
    FILE *out = tp_output_stream(&file);
    if (!out) {
        fprintf(stderr, "%s: %s: %s\n", COMMAND, output, strerror(errno));
        tp_output_discard(&file);
        return false;
    }
    char comment[256];
    snprintf(comment, sizeof comment,
             "terrapage mesh of chunk (%" PRId32 ", %" PRId32 ") LOD %" PRId64 " of %s%s",
             a->chunk[0], a->chunk[1], a->lod, a->path,
             m->generated ? " (generated: not in the file)" : "");
    tpt_obj_options o = {
        .chunk_size_m = desc->chunk_size_m,
        .height_min_m = desc->height_min_m,
        .height_step_m = desc->height_step_m,
        .origin_x_m = a->world_coords ? a->chunk[0] * desc->chunk_size_m : 0.0,
        .origin_z_m = a->world_coords ? a->chunk[1] * desc->chunk_size_m : 0.0,
        .skirts = a->skirts,
        .comment = comment,
    };
    if (!tpt_obj_write(out, &m->mesh, &o)) {
        fprintf(stderr, "%s: %s: %s\n", COMMAND, output, strerror(errno));
        tp_output_discard(&file);
        return false;
    }
    if (tp_output_commit(&file) != TP_OK) {
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
        return false;
    }
    return true;
}

static void report(const mesh_args *a, const tpt_chunk_mesh *m, const char *output)
{
    printf("wrote %s: chunk (%" PRId32 ", %" PRId32 ") LOD %" PRId64 ", %" PRIu32 " vertices, %" PRIu32
           " triangles (+%" PRIu32 " skirt)",
           output, a->chunk[0], a->chunk[1], a->lod, m->mesh.skirt_vertex_start,
           m->mesh.skirt_index_start / 3, (m->mesh.index_count - m->mesh.skirt_index_start) / 3);
    if (m->generated)
        printf(", generated (not in the file)\n");
    else
        printf(", max error %.2f m, %" PRIu32 " bytes stored\n", m->max_error_m, m->stored_bytes);
}

/* Loads the chunk's mesh. @return false after printing why it is not there. */
static bool load_mesh(const mesh_args *a, const tp_reader *reader,
                      const tp_page_layout *layout, tpt_chunk_mesh *m)
{
    tpt_pagefile_clear_detail();
    tp_result r = tpt_chunk_mesh_load(reader, layout, a->chunk[0], a->chunk[1], (uint32_t)a->lod,
                                      a->fallback, m);
    if (r == TP_OK)
        return true;
    char problem[640];
    if (r == TP_ERR_NOT_FOUND)
        snprintf(problem, sizeof problem, "not in the file (outside the baked region or "
                                          "absent); --fallback builds it with the generator");
    else
        tpt_pagefile_problem(r, a->path, problem, sizeof problem);
    fprintf(stderr, "%s: %s: chunk (%" PRId32 ", %" PRId32 ") LOD %" PRId64 ": %s\n", COMMAND,
            a->path, a->chunk[0], a->chunk[1], a->lod, problem);
    return false;
}

int tpt_cmd_mesh(int argc, char **argv)
{
    mesh_args a;
    int status = parse_options(argc, argv, &a);
    if (status != TPT_CLI_PROCEED)
        return status;
    char default_name[96];
    snprintf(default_name, sizeof default_name,
             "chunk_%" PRId32 "_%" PRId32 "_lod%" PRId64 ".obj", a.chunk[0], a.chunk[1], a.lod);
    const char *output = a.output ? a.output : default_name;
    /* Before any work: a path that cannot take the file (a device, FIFO, directory). */
    if (tp_output_check(output, NULL) != TP_OK) {
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
        return TPT_EXIT_FAILURE;
    }
    tp_reader *reader;
    if (!tpt_pagefile_open(COMMAND, a.path, &reader))
        return TPT_EXIT_FAILURE;
    const tp_file_desc *desc = tp_reader_desc(reader);
    tpt_chunk_mesh m = {0};
    tp_page_layout layout;
    status = TPT_EXIT_FAILURE;
    if (tpt_pagefile_layout(COMMAND, a.path, reader, a.fallback ? "--fallback" : NULL, &layout) &&
        check_lod(&a, desc) && load_mesh(&a, reader, &layout, &m)) {
        if (write_obj(&a, desc, &m, output)) {
            report(&a, &m, output);
            status = TPT_EXIT_OK;
        }
    }
    tpt_chunk_mesh_free(&m);
    tp_reader_close(reader);
    return status;
}
