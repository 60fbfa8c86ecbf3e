/* image_command.c — the shared half of `terrapage preview` and `terrapage export`. */
#include "image_command.h"

#include <inttypes.h>
#include <string.h>

#include "png_write.h"
#include "progress.h"
#include "terrapage/output_file.h"

void tpt_image_args_init(tpt_image_args *args)
{
    memset(args, 0, sizeof *args);
    args->layer = TPT_RENDER_HILLSHADE;
    args->lod = -1;
}

int tpt_image_option(tpt_cli *cli, tpt_image_args *args, int id, const char *value)
{
    int choice;
    switch (id) {
    case TPT_IMAGE_OPT_HELP:
        args->help = true;
        return 1;
    case TPT_IMAGE_OPT_LAYER:
        if (!tpt_cli_choice(cli, value, tpt_render_layer_names, &choice))
            return -1;
        args->layer = (tpt_render_layer)choice;
        return 1;
    case TPT_IMAGE_OPT_REGION:
        if (!tpt_cli_region(cli, value, &args->region))
            return -1;
        args->have_region = true;
        return 1;
    case TPT_IMAGE_OPT_LOD:
        if (strcmp(value, "auto") == 0) {
            args->lod = -1;
            return 1;
        }
        /* The world's own LOD count is checked once the world is known. */
        return tpt_cli_int(cli, value, 0, 15, &args->lod) ? 1 : -1;
    case TPT_IMAGE_OPT_OUTPUT:
        if (!*value) {
            tpt_cli_error(cli, "%s: expected a file name", cli->option);
            return -1;
        }
        args->output = value;
        return 1;
    case TPT_IMAGE_OPT_GRAY:
        args->gray = true;
        return 1;
    case TPT_IMAGE_OPT_THREADS:
        return tpt_cli_int(cli, value, 0, 1024, &args->threads) ? 1 : -1;
    case TPT_IMAGE_OPT_QUIET:
        args->quiet = true;
        return 1;
    default:
        return 0;
    }
}

void tpt_image_print_option_help(FILE *out, const char *default_output,
                                const char *default_region)
{
    fprintf(out,
            "  -l, --layer LAYER     height | biome | temperature | precipitation | hillshade\n"
            "                        (default: hillshade)\n"
            "  -r, --region X0,Z0,X1,Z1\n"
            "                        chunks to draw, half-open: X0 <= x < X1, Z0 <= z < Z1\n"
            "                        (default: %s)\n"
            "      --lod K|auto      level of detail: 0 is full resolution, each level halves\n"
            "                        it; auto picks the finest level whose picture is at most\n"
            "                        %u pixels a side (default: auto)\n"
            "  -o, --output FILE     PNG to write (default: %s)\n"
            "      --gray            hillshade as plain 8-bit gray, without biome colours\n"
            "  -j, --threads N       threads to use, 0 for all cores (default: 0)\n"
            "  -q, --quiet           print nothing but errors\n"
            "  -h, --help            show this help\n"
            "\n"
            "Layers:\n"
            "  height         16-bit grayscale of the raw height codes (lossless): metres =\n"
            "                 height_min_m + value * height_step_m (-1024 + value/16), both\n"
            "                 recorded in the PNG's text chunks with the data range\n"
            "  biome          8-bit RGB, one colour per biome (legend below, and in the PNG)\n"
            "  temperature    mean annual temperature, %g to %g degC, blue to red\n"
            "  precipitation  annual precipitation, 0 to %g mm, brown to blue\n"
            "  hillshade      relief lit from the north-west (azimuth 315, altitude 45),\n"
            "                 tinted with the biome colours, water shaded by depth\n"
            "\n"
            "Pictures: one pixel per height sample; chunks share their edge samples, so\n"
            "W x H chunks at LOD K are W*(e-1)+1 x H*(e-1)+1 pixels, e = 128/2^K + 1 for the\n"
            "default 129 samples per chunk edge. Row 0 is the north edge (largest z) and\n"
            "column 0 the west edge (smallest x): +x points right, +z points up.\n"
            "\n"
            "Biome colours:\n",
            default_region, TPT_IMAGE_AUTO_MAX_SIDE, default_output, TPT_RENDER_TEMPERATURE_MIN_C,
            TPT_RENDER_TEMPERATURE_MAX_C, TPT_RENDER_PRECIPITATION_MAX_MM);
    tpt_render_print_legend(out, 2, NULL);
}

int tpt_image_run(const char *command, const char *prefix, const tpt_field_source *source,
                 const tpt_image_args *args, const tpt_region *region, const char *output)
{
    const tp_world_params *w = source->world;
    uint32_t lod_count = tp_world_lod_count(w);
    uint32_t lod;
    if (args->lod < 0) {
        lod = tpt_render_auto_lod(w, region, TPT_IMAGE_AUTO_MAX_SIDE);
    } else if ((uint64_t)args->lod >= lod_count) {
        fprintf(stderr, "%s: --lod: %" PRId64 " is out of range (0 to %" PRIu32 ")\n", command,
                args->lod, lod_count - 1);
        return TPT_EXIT_USAGE;
    } else {
        lod = (uint32_t)args->lod;
    }

    tpt_render_options opt = {
        .layer = args->layer,
        .region = *region,
        .lod = lod,
        .hillshade_gray = args->gray,
        .threads = (int)args->threads,
    };
    char err[1024];
    uint32_t width, height;
    if (tpt_render_size(w, region, lod, &width, &height) != TP_OK) {
        char text[96];
        tpt_region_format(region, text, sizeof text);
        fprintf(stderr,
                "%s: region %s is too large for one picture at LOD %" PRIu32
                " (over %u pixels a side); use a coarser --lod or a smaller --region\n",
                command, text, lod, TPT_RENDER_MAX_SIDE);
        return TPT_EXIT_USAGE;
    }

    /* A path that cannot take the picture (a directory, device or FIFO, an unwritable
     * directory) fails before the rendering. */
    if (tp_output_check(output, NULL) != TP_OK) {
        fprintf(stderr, "%s: %s\n", command, tp_error_detail());
        return TPT_EXIT_FAILURE;
    }
    double start = tpt_progress_seconds();
    tpt_render_image img;
    tp_result res = tpt_render(source, &opt, &img, err, sizeof err);
    if (res != TP_OK) {
        fprintf(stderr, "%s: %s%s\n", command, prefix, err);
        tpt_render_image_free(&img);
        return TPT_EXIT_FAILURE;
    }
    res = tpt_png_write(output, &img.png, err, sizeof err);
    if (res != TP_OK) {
        fprintf(stderr, "%s: %s\n", command, err);
        tpt_render_image_free(&img);
        return TPT_EXIT_FAILURE;
    }
    double seconds = tpt_progress_seconds() - start;

    if (!args->quiet) {
        char text[96];
        tpt_region_format(region, text, sizeof text);
        double pixel_m = w->chunk_size_m / (double)(tp_world_lod_edge(w, lod) - 1);
        printf("wrote %s: %s, %" PRIu32 "x%" PRIu32 " px, LOD %" PRIu32 " (%g m/px), region %s"
               " (%" PRId64 "x%" PRId64 " chunks), %.1f s\n",
               output, tpt_render_layer_names[args->layer], width, height, lod, pixel_m, text,
               tpt_region_width(region), tpt_region_height(region), seconds);
        switch (args->layer) {
        case TPT_RENDER_HEIGHT:
        case TPT_RENDER_HILLSHADE:
            printf("  heights %.2f to %.2f m (sea level %g m)\n", img.value_min, img.value_max,
                   w->sea_level_m);
            break;
        case TPT_RENDER_TEMPERATURE:
            printf("  mean annual temperature %.2f to %.2f degC\n", img.value_min,
                   img.value_max);
            break;
        case TPT_RENDER_PRECIPITATION:
            printf("  annual precipitation %.0f to %.0f mm\n", img.value_min, img.value_max);
            break;
        case TPT_RENDER_BIOME:
        case TPT_RENDER_LAYER_COUNT:
            break;
        }
        if (args->layer == TPT_RENDER_BIOME ||
            (args->layer == TPT_RENDER_HILLSHADE && !args->gray)) {
            printf("  biomes (share of pixels):\n");
            tpt_render_print_legend(stdout, 4, img.biome_pixels);
        }
    }
    tpt_render_image_free(&img);
    return TPT_EXIT_OK;
}
