/* cmd_export.c — `terrapage export`: PNG maps of baked data, through the same renderer as
 * `terrapage preview`, so the same region gives byte-identical files. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "image_cmd.h"
#include "render.h"
#include "worldfile.h"

enum { OPT_FALLBACK = IMAGE_OPT_USER };

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
           "                        an error.\n");
    tp_image_print_option_help(stdout, "STEM-LAYER.png, e.g. world-hillshade.png",
                               "the whole baked region");
    printf("\n"
           "Examples:\n"
           "  terrapage export world.tpk\n"
           "  terrapage export world.tpk --layer height --lod 0 -o heights.png\n"
           "  terrapage export world.tpk --layer biome --region -8,-8,8,8 -o biomes.png\n");
}

/* Checks that the file stores what the layer needs at the LOD asked for. */
static bool check_layers(const char *command, const char *path, const tp_file_desc *desc,
                         const tp_image_args *args, uint32_t lod)
{
    uint32_t needed[2];
    int n = 0;
    switch (args->layer) {
    case TP_RENDER_HEIGHT: needed[n++] = TP_LAYER_HEIGHT; break;
    case TP_RENDER_BIOME: needed[n++] = TP_LAYER_BIOME; break;
    case TP_RENDER_TEMPERATURE: needed[n++] = TP_LAYER_TEMPERATURE; break;
    case TP_RENDER_PRECIPITATION: needed[n++] = TP_LAYER_PRECIPITATION; break;
    case TP_RENDER_HILLSHADE:
        needed[n++] = TP_LAYER_HEIGHT;
        if (!args->gray)
            needed[n++] = TP_LAYER_BIOME;
        break;
    case TP_RENDER_LAYER_COUNT: break;
    }
    for (int i = 0; i < n; i++) {
        char name[32];
        const tp_layer_desc *ld = tp_worldfile_layer(desc, needed[i]);
        tp_worldfile_layer_name(needed[i], name, sizeof name);
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
static void default_output(const char *path, tp_render_layer layer, char *buf, size_t size)
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
    snprintf(buf, size, "%.*s-%s.png", (int)len, base, tp_render_layer_names[layer]);
}

int tp_cmd_export(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        TP_IMAGE_OPTIONS,
        {"fallback", 0, false, OPT_FALLBACK},
        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage export", argc, argv);
    tp_image_args args;
    tp_image_args_init(&args);
    const char *path = NULL;
    bool fallback = false;
    const char *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        if (id == TP_CLI_ERROR)
            return TP_EXIT_USAGE;
        if (id == TP_CLI_POSITIONAL) {
            if (path)
                return tp_cli_error(&cli, "one page file at a time (got '%s' and '%s')", path,
                                    value);
            path = value;
            continue;
        }
        if (id == OPT_FALLBACK) {
            fallback = true;
            continue;
        }
        if (tp_image_option(&cli, &args, id, value) < 0)
            return TP_EXIT_USAGE;
    }
    if (args.help) {
        print_help();
        return TP_EXIT_OK;
    }
    if (!path)
        return tp_cli_error(&cli, "which page file? (e.g. terrapage export world.tpk)");

    tp_reader *reader;
    if (!tp_worldfile_open(cli.command, path, &reader))
        return TP_EXIT_FAILURE;
    const tp_file_desc *desc = tp_reader_desc(reader);
    int status = TP_EXIT_FAILURE;
    tp_world_params world;
    if (!tp_worldfile_world(cli.command, path, desc, &world))
        goto done;
    if (fallback && desc->generator_version != TP_GENERATOR_VERSION) {
        fprintf(stderr,
                "%s: %s: --fallback needs the generator the file was baked with (version %" PRIu32
                ", this build has %u)\n",
                cli.command, path, desc->generator_version, (unsigned)TP_GENERATOR_VERSION);
        goto done;
    }

    tp_region baked = tp_worldfile_region(desc);
    tp_region region = args.have_region ? args.region : baked;
    if (!fallback && !tp_region_contains(&baked, &region)) {
        char want[96], have[96];
        tp_region_format(&region, want, sizeof want);
        tp_region_format(&baked, have, sizeof have);
        fprintf(stderr,
                "%s: %s: region %s reaches outside the baked region %s; use --fallback to "
                "generate the chunks the file does not hold\n",
                cli.command, path, want, have);
        goto done;
    }
    uint32_t lod = args.lod >= 0 ? (uint32_t)args.lod
                                 : tp_render_auto_lod(&world, &region, TP_IMAGE_AUTO_MAX_SIDE);
    if (args.lod < 0)
        args.lod = lod; /* fix the choice so the checks and the render agree */
    if (lod < tp_world_lod_count(&world) && !check_layers(cli.command, path, desc, &args, lod))
        goto done;

    char output[256];
    if (!args.output)
        default_output(path, args.layer, output, sizeof output);
    tp_reader_source rs;
    tp_reader_source_init(&rs, reader, &world, fallback);
    tp_field_source source = tp_reader_source_fields(&rs);
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    status = tp_image_run(cli.command, prefix, &source, &args, &region,
                          args.output ? args.output : output);
    uint64_t generated = atomic_load(&rs.generated);
    if (status == TP_EXIT_OK && generated && !args.quiet)
        printf("  %" PRIu64 " blobs were not in the file and were generated (--fallback)\n",
               generated);
done:
    tp_reader_close(reader);
    return status;
}
