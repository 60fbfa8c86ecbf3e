/* cmd_export.c — `terrapage export`: PNG maps of baked data, through the same renderer as
 * `terrapage preview`, so the same region gives byte-identical files. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "chunk_mesh.h"
#include "cli_options.h"
#include "commands.h"
#include "export_wireframe.h"
#include "field_source.h"
#include "image_command.h"
#include "pagefile_names.h"
#include "pagefile_open.h"
#include "render.h"
#include "world_file.h"

enum { OPT_FALLBACK = TPT_IMAGE_OPT_USER, OPT_WORLD };

#define COMMAND "terrapage export"

static void print_help(void)
{
    printf("usage: terrapage export FILE.tpk [options]\n"
           "\n"
           "Renders a map of baked data from a page file. The renderer is the one\n"
           "'terrapage preview' uses, so exporting a region of a baked world and previewing\n"
           "the same region of the same world give byte-identical PNG files.\n"
           "\n"
           "Options:\n"
           "      --fallback        generate chunks the file does not hold (outside the\n"
           "                        baked region, or absent from a sparse file) with the\n"
           "                        generator, as the runtime would; without it a missing\n"
           "                        chunk is an error that names it. Corrupt data is always\n"
           "                        an error.\n"
           "  -w, --world FILE      the world file the page file was baked from (YAML, see\n"
           "                        'terrapage init'): its region is drawn unless --region\n"
           "                        is given (with --fallback, the chunks the page file\n"
           "                        lacks are generated), and its world must be the page\n"
           "                        file's, or the export is refused\n"
           "\n"
           "  --layer wireframe     the chunk meshes' triangle edges over the hillshade, one\n"
           "                        colour per LOD (0 red, 1 orange, 2 yellow, 3 white,\n"
           "                        4 cyan, 5 blue, then magenta); with --lod K every chunk\n"
           "                        shows LOD K, otherwise the LOD grows with the distance\n"
           "                        from the region's centre, so seams between LODs show.\n"
           "                        The picture is at the finest LOD that fits 2049 pixels.\n"
           "                        Needs the mesh layer (or --fallback).\n");
    tpt_image_print_option_help(stdout, "STEM-LAYER.png, e.g. world-hillshade.png",
                               "--world's region, else the whole baked one");
    printf("\n"
           "Examples:\n"
           "  terrapage export world.tpk\n"
           "  terrapage export world.tpk --layer height --lod 0 -o heights.png\n"
           "  terrapage export world.tpk --layer biome --region -8,-8,8,8 -o biomes.png\n"
           "  terrapage export world.tpk --layer wireframe --region -4,-4,4,4 -o mesh.png\n"
           "  terrapage export part.tpk --world world.yaml --fallback -o whole.png\n");
}

/* Checks that the file stores what the layer needs at the LOD asked for. */
static bool check_layers(const char *command, const char *path, const tp_file_desc *desc,
                         const tpt_image_args *args, uint32_t lod)
{
    uint32_t needed[2];
    int n = 0;
    switch (args->layer) {
    case TPT_RENDER_HEIGHT: needed[n++] = TP_LAYER_HEIGHT; break;
    case TPT_RENDER_BIOME: needed[n++] = TP_LAYER_BIOME; break;
    case TPT_RENDER_TEMPERATURE: needed[n++] = TP_LAYER_TEMPERATURE; break;
    case TPT_RENDER_PRECIPITATION: needed[n++] = TP_LAYER_PRECIPITATION; break;
    case TPT_RENDER_HILLSHADE:
        needed[n++] = TP_LAYER_HEIGHT;
        if (!args->gray)
            needed[n++] = TP_LAYER_BIOME;
        break;
    case TPT_RENDER_LAYER_COUNT: break;
    }
    for (int i = 0; i < n; i++) {
        char name[32];
        const tp_layer_desc *ld = tp_file_desc_layer(desc, needed[i]);
        tpt_layer_name(needed[i], name, sizeof name);
        if (!ld) {
            fprintf(stderr, "%s: %s: the file has no %s layer\n", command, path, name);
            return false;
        }
        bool per_lod = needed[i] == TP_LAYER_HEIGHT || needed[i] == TP_LAYER_BIOME;
        if (per_lod && lod >= ld->lod_count) {
            fprintf(stderr, "%s: %s: the %s layer stores LODs 0 to %" PRIu32 ", not %" PRIu32 "\n",
                    command, path, name, ld->lod_count - 1, lod);
            return false;
        }
    }
    return true;
}

/* "maps/world.tpk" → "world-hillshade.png", written to the current directory. */
static void default_output(const char *path, tpt_render_layer layer, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".tpk") == 0)
        len -= 4;
    if (len == 0 || len > 200) {
        base = "world";
        len = 5;
    }
    snprintf(buf, size, "%.*s-%s.png", (int)len, base, tpt_render_layer_names[layer]);
}

/* ---- the command ------------------------------------------------------------------- */

typedef struct export_args {
    tpt_image_args image;
    const char *path;
    bool fallback, wireframe;
    const char *world_path; /* --world, or NULL */
    bool have_world;        /* `world` holds the world file */
    tpt_world_file world;
} export_args;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, export_args *a)
{
    static const tpt_cli_option options[] = {
        TPT_IMAGE_OPTIONS,
        {"fallback", 0, false, OPT_FALLBACK},
        {"world", 'w', true, OPT_WORLD},
        {0},
    };
    *a = (export_args){0};
    /* The world file first: --region overrides its region. */
    const char *world_path;
    bool help;
    if (!tpt_cli_prescan(COMMAND, argc, argv, options, OPT_WORLD, TPT_IMAGE_OPT_HELP,
                         &world_path, &help))
        return TPT_EXIT_USAGE;
    if (world_path && !help) {
        if (!tpt_world_file_load_or_report(COMMAND, world_path, &a->world))
            return TPT_EXIT_FAILURE;
        a->have_world = true;
        a->world_path = world_path;
    }
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    tpt_image_args_init(&a->image);
    const char *value;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        if (id == TPT_CLI_ERROR)
            return TPT_EXIT_USAGE;
        if (id == TPT_CLI_POSITIONAL) {
            if (a->path)
                return tpt_cli_error(&cli, "one page file at a time (got '%s' and '%s')",
                                     a->path, value);
            a->path = value;
        } else if (id == OPT_FALLBACK) {
            a->fallback = true;
        } else if (id == OPT_WORLD) {
            continue; /* taken first, above */
        } else if (id == TPT_IMAGE_OPT_LAYER && strcmp(value, "wireframe") == 0) {
            a->wireframe = true;
            a->image.layer = TPT_RENDER_HILLSHADE;
        } else if (tpt_image_option(&cli, &a->image, id, value) < 0) {
            return TPT_EXIT_USAGE;
        }
    }
    if (a->image.help) {
        print_help();
        return TPT_EXIT_OK;
    }
    if (!a->path)
        return tpt_cli_error(&cli, "which page file? (e.g. terrapage export world.tpk)");
    return TPT_CLI_PROCEED;
}

/* Without --fallback the region must lie inside the baked one. @return false after
 * printing the problem. */
static bool check_region(const export_args *a, const tp_file_desc *desc,
                         const tpt_region *region)
{
    tpt_region baked = tpt_pagefile_region(desc);
    if (!a->fallback && !tpt_region_contains(&baked, region)) {
        char want[96], have[96];
        tpt_region_format(region, want, sizeof want);
        tpt_region_format(&baked, have, sizeof have);
        fprintf(stderr,
                "%s: %s: region %s reaches outside the baked region %s; use --fallback to "
                "generate the chunks the file does not hold\n",
                COMMAND, a->path, want, have);
        return false;
    }
    return true;
}

/* With --world, the world file must describe the page file's world: generating a
 * missing chunk of another world would draw a seam. @return false after printing. */
static bool check_world(const export_args *a, const char *world_path,
                        const tp_page_layout *layout)
{
    char what[512];
    if (!a->have_world || tpt_world_params_same(&a->world.world, world_path, &layout->world,
                                                a->path, what, sizeof what))
        return true;
    fprintf(stderr, "%s: %s: the world file describes another world: %s\n", COMMAND,
            world_path, what);
    return false;
}

static int export_wireframe(const export_args *a, const tp_reader *reader,
                            const tp_page_layout *layout, const tpt_region *region)
{
    const tp_file_desc *desc = tp_reader_desc(reader);
    const tp_world_params *world = &layout->world;
    if (a->image.lod >= (int64_t)tp_world_lod_count(world)) {
        fprintf(stderr, "%s: %s: --lod %lld is out of range (0 to %u)\n", COMMAND, a->path,
                (long long)a->image.lod, tp_world_lod_count(world) - 1);
        return TPT_EXIT_FAILURE;
    }
    if (!a->fallback &&
        !tpt_chunk_mesh_has_layer(desc, a->image.lod >= 0 ? (uint32_t)a->image.lod : 0)) {
        fprintf(stderr, "%s: %s: the file has no mesh layer; --fallback builds the meshes "
                        "with the generator\n", COMMAND, a->path);
        return TPT_EXIT_FAILURE;
    }
    const uint32_t image_lod = tpt_render_auto_lod(world, region, TPT_IMAGE_AUTO_MAX_SIDE);
    if (!check_layers(COMMAND, a->path, desc, &a->image, image_lod))
        return TPT_EXIT_FAILURE;
    char name[256];
    if (!a->image.output) {
        default_output(a->path, TPT_RENDER_HILLSHADE, name, sizeof name);
        char *dash = strrchr(name, '-');
        if (dash)
            snprintf(dash, sizeof name - (size_t)(dash - name), "-wireframe.png");
    }
    const tpt_wireframe_request request = {
        .command = COMMAND,
        .path = a->path,
        .reader = reader,
        .layout = layout,
        .region = *region,
        .fixed_lod = a->image.lod,
        .image_lod = image_lod,
        .fallback = a->fallback,
        .quiet = a->image.quiet,
        .output = a->image.output ? a->image.output : name,
    };
    return tpt_export_wireframe(&request);
}

static int export_image(export_args *a, const tp_reader *reader, const tp_page_layout *layout,
                        const tpt_region *region)
{
    const tp_world_params *world = &layout->world;
    const uint32_t lod = a->image.lod >= 0
                             ? (uint32_t)a->image.lod
                             : tpt_render_auto_lod(world, region, TPT_IMAGE_AUTO_MAX_SIDE);
    if (a->image.lod < 0)
        a->image.lod = lod; /* fix the choice so the checks and the render agree */
    if (lod < tp_world_lod_count(world) &&
        !check_layers(COMMAND, a->path, tp_reader_desc(reader), &a->image, lod))
        return TPT_EXIT_FAILURE;
    char output[256], prefix[512];
    if (!a->image.output)
        default_output(a->path, a->image.layer, output, sizeof output);
    tpt_reader_source rs;
    tpt_reader_source_init(&rs, reader, layout, a->fallback);
    tpt_field_source source = tpt_reader_source_fields(&rs);
    snprintf(prefix, sizeof prefix, "%s: ", a->path);
    int status = tpt_image_run(COMMAND, prefix, &source, &a->image, region,
                               a->image.output ? a->image.output : output);
    uint64_t generated = atomic_load(&rs.generated);
    if (status == TPT_EXIT_OK && generated && !a->image.quiet)
        printf("  %" PRIu64 " blobs were not in the file and were generated (--fallback)\n",
               generated);
    return status;
}

int tpt_cmd_export(int argc, char **argv)
{
    export_args a;
    int status = parse_options(argc, argv, &a);
    if (status != TPT_CLI_PROCEED)
        return status;
    tp_reader *reader;
    if (!tpt_pagefile_open(COMMAND, a.path, &reader))
        return TPT_EXIT_FAILURE;
    const tp_file_desc *desc = tp_reader_desc(reader);
    tp_page_layout layout;
    tpt_region region = a.image.have_region ? a.image.region
                        : a.have_world      ? a.world.region
                                            : tpt_pagefile_region(desc);
    status = TPT_EXIT_FAILURE;
    if (tpt_pagefile_layout(COMMAND, a.path, reader, a.fallback ? "--fallback" : NULL, &layout) &&
        check_world(&a, a.world_path, &layout) && check_region(&a, desc, &region))
        status = a.wireframe ? export_wireframe(&a, reader, &layout, &region)
                             : export_image(&a, reader, &layout, &region);
    tp_reader_close(reader);
    return status;
}
