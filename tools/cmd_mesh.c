/* cmd_mesh.c — `terrapage mesh`: one chunk's baked mesh as an OBJ file. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "mesh_fetch.h"
#include "obj_write.h"
#include "worldfile.h"

enum { OPT_HELP = 1, OPT_CHUNK, OPT_LOD, OPT_OUTPUT, OPT_SKIRTS, OPT_WORLD, OPT_FALLBACK };

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

static bool parse_chunk(tp_cli *cli, const char *value, int32_t out[2])
{
    const char *comma = strchr(value, ',');
    char part[2][64], err[128];
    if (!comma || (size_t)(comma - value) >= sizeof part[0] || strlen(comma + 1) >= sizeof part[1]) {
        tp_cli_error(cli, "%s: expected X,Z in chunks, got \"%s\"", cli->option, value);
        return false;
    }
    memcpy(part[0], value, (size_t)(comma - value));
    part[0][comma - value] = '\0';
    strcpy(part[1], comma + 1);
    for (int k = 0; k < 2; k++) {
        int64_t v;
        if (!tp_parse_int64(part[k], INT32_MIN, INT32_MAX, &v, err, sizeof err)) {
            tp_cli_error(cli, "%s: %s", cli->option, err);
            return false;
        }
        out[k] = (int32_t)v;
    }
    return true;
}

int tp_cmd_mesh(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},       {"chunk", 0, true, OPT_CHUNK},
        {"lod", 0, true, OPT_LOD},            {"output", 'o', true, OPT_OUTPUT},
        {"skirts", 0, false, OPT_SKIRTS},     {"world-coords", 0, false, OPT_WORLD},
        {"fallback", 0, false, OPT_FALLBACK}, {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage mesh", argc, argv);
    const char *path = NULL, *output = NULL, *value;
    int32_t chunk[2] = {0, 0};
    bool have_chunk = false, help = false, skirts = false, world_coords = false, fallback = false;
    int64_t lod = 0;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        switch (id) {
        case TP_CLI_ERROR: return TP_EXIT_USAGE;
        case OPT_HELP: help = true; break;
        case OPT_CHUNK:
            if (!parse_chunk(&cli, value, chunk))
                return TP_EXIT_USAGE;
            have_chunk = true;
            break;
        case OPT_LOD:
            if (!tp_cli_int(&cli, value, 0, TP_MAX_LODS - 1, &lod))
                return TP_EXIT_USAGE;
            break;
        case OPT_OUTPUT: output = value; break;
        case OPT_SKIRTS: skirts = true; break;
        case OPT_WORLD: world_coords = true; break;
        case OPT_FALLBACK: fallback = true; break;
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
        return tp_cli_error(&cli, "which page file? (e.g. terrapage mesh world.tpk --chunk 0,0)");
    if (!have_chunk)
        return tp_cli_error(&cli, "which chunk? (--chunk X,Z, e.g. --chunk 0,0)");

    tp_reader *reader;
    if (!tp_worldfile_open(cli.command, path, &reader))
        return TP_EXIT_FAILURE;
    const tp_file_desc *desc = tp_reader_desc(reader);
    int status = TP_EXIT_FAILURE;
    tp_tool_mesh m = {0};
    tp_world_params world;
    if (!tp_worldfile_world(cli.command, path, desc, &world))
        goto done;
    if ((uint64_t)lod >= desc->lod_count) {
        fprintf(stderr, "%s: %s: --lod %" PRId64 " is out of range: the file has LODs 0 to %" PRIu32
                        "\n", cli.command, path, lod, desc->lod_count - 1);
        goto done;
    }
    if (!fallback && !tp_tool_mesh_has_layer(desc, (uint32_t)lod)) {
        fprintf(stderr, "%s: %s: the file has no meshes at LOD %" PRId64
                        " (baked without the mesh layer); --fallback builds them with the "
                        "generator\n", cli.command, path, lod);
        goto done;
    }
    if (fallback && desc->generator_version != TP_GENERATOR_VERSION) {
        fprintf(stderr, "%s: %s: --fallback needs the generator the file was baked with "
                        "(version %" PRIu32 ", this build has %u)\n",
                cli.command, path, desc->generator_version, (unsigned)TP_GENERATOR_VERSION);
        goto done;
    }
    tp_worldfile_clear_detail();
    tp_result r = tp_tool_mesh_load(reader, &world, chunk[0], chunk[1], (uint32_t)lod, fallback, &m);
    if (r != TP_OK) {
        char problem[640];
        if (r == TP_ERR_NOT_FOUND)
            snprintf(problem, sizeof problem, "not in the file (outside the baked region or "
                                              "absent); --fallback builds it with the generator");
        else
            tp_worldfile_problem(r, path, problem, sizeof problem);
        fprintf(stderr, "%s: %s: chunk (%" PRId32 ", %" PRId32 ") LOD %" PRId64 ": %s\n",
                cli.command, path, chunk[0], chunk[1], lod, problem);
        goto done;
    }

    char default_name[96];
    snprintf(default_name, sizeof default_name, "chunk_%" PRId32 "_%" PRId32 "_lod%" PRId64 ".obj",
             chunk[0], chunk[1], lod);
    if (!output)
        output = default_name;
    FILE *out = fopen(output, "w");
    if (!out) {
        fprintf(stderr, "%s: %s: %s\n", cli.command, output, strerror(errno));
        goto done;
    }
    char comment[256];
    snprintf(comment, sizeof comment,
             "terrapage mesh of chunk (%" PRId32 ", %" PRId32 ") LOD %" PRId64 " of %s%s", chunk[0],
             chunk[1], lod, path, m.generated ? " (generated: not in the file)" : "");
    tp_obj_options o = {
        .chunk_size_m = desc->chunk_size_m,
        .height_min_m = desc->height_min_m,
        .height_step_m = desc->height_step_m,
        .origin_x_m = world_coords ? chunk[0] * desc->chunk_size_m : 0.0,
        .origin_z_m = world_coords ? chunk[1] * desc->chunk_size_m : 0.0,
        .skirts = skirts,
        .comment = comment,
    };
    bool ok = tp_obj_write(out, &m.mesh, &o);
    int saved = errno;
    if (fclose(out) != 0 && ok) {
        ok = false;
        saved = errno;
    }
    if (!ok) {
        fprintf(stderr, "%s: %s: %s\n", cli.command, output, strerror(saved));
        remove(output);
        goto done;
    }
    printf("wrote %s: chunk (%" PRId32 ", %" PRId32 ") LOD %" PRId64 ", %" PRIu32 " vertices, %" PRIu32
           " triangles (+%" PRIu32 " skirt)",
           output, chunk[0], chunk[1], lod, m.mesh.skirt_vertex_start, m.mesh.skirt_index_start / 3,
           (m.mesh.index_count - m.mesh.skirt_index_start) / 3);
    if (m.generated)
        printf(", generated (not in the file)\n");
    else
        printf(", max error %.2f m, %" PRIu32 " bytes stored\n", m.max_error_m, m.stored_bytes);
    status = TP_EXIT_OK;
done:
    tp_tool_mesh_free(&m);
    tp_reader_close(reader);
    return status;
}
