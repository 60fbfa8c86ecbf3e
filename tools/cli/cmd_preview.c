/* cmd_preview.c — `terrapage preview`: PNG maps straight from the generator. */
#include <inttypes.h>
#include <stdio.h>

#include "cli_options.h"
#include "commands.h"
#include "image_command.h"
#include "render.h"
#include "world_file.h"
#include "terrapage/world.h"

enum { OPT_SEED = TPT_IMAGE_OPT_USER, OPT_WORLD };

#define COMMAND "terrapage preview"

static void print_help(void)
{
    printf("usage: terrapage preview [options]\n"
           "\n"
           "Renders a map of a region straight from the world generator, without baking:\n"
           "the quickest way to look at a seed. The pictures are identical to those\n"
           "'terrapage export' draws from a baked page file of the same world.\n"
           "\n"
           "Options:\n"
           "  -w, --world FILE      the world file to draw (YAML, see 'terrapage init'): its\n"
           "                        parameters, and its region unless --region is given;\n"
           "                        --seed beside it overrides the file's seed\n"
           "  -s, --seed N          world seed, decimal or 0x hex; 0 selects the default\n"
           "                        (default: 42)\n");
    tpt_image_print_option_help(stdout, "preview-LAYER.png, e.g. preview-hillshade.png",
                               "the world file's region, else -32,-32,32,32");
    printf("\n"
           "Examples:\n"
           "  terrapage preview\n"
           "  terrapage preview --layer biome --seed 7 -o biomes.png\n"
           "  terrapage preview --world world.yaml -o world.png\n"
           "  terrapage preview --layer height --region -4,-4,4,4 --lod 0 -o heights.png\n");
}

int tpt_cmd_preview(int argc, char **argv)
{
    static const tpt_cli_option options[] = {
        TPT_IMAGE_OPTIONS,
        {"seed", 's', true, OPT_SEED},
        {"world", 'w', true, OPT_WORLD},
        {0},
    };
    /* The world file first: the other options override what it says. */
    const char *world_path;
    bool help;
    if (!tpt_cli_prescan(COMMAND, argc, argv, options, OPT_WORLD, TPT_IMAGE_OPT_HELP,
                         &world_path, &help))
        return TPT_EXIT_USAGE;
    tpt_world_file wf;
    tpt_world_file_defaults(&wf);
    if (world_path && !help && !tpt_world_file_load_or_report(COMMAND, world_path, &wf))
        return TPT_EXIT_FAILURE;
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    tpt_image_args args;
    tpt_image_args_init(&args);
    tp_world_params params = wf.world;

    const char *value;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        if (id == TPT_CLI_ERROR)
            return TPT_EXIT_USAGE;
        if (id == TPT_CLI_POSITIONAL)
            return tpt_cli_error(&cli, "unexpected argument '%s'", value);
        if (id == OPT_SEED) {
            if (!tpt_cli_seed(&cli, value, &params.seed))
                return TPT_EXIT_USAGE;
            continue;
        }
        if (id == OPT_WORLD)
            continue; /* taken first, above */
        if (tpt_image_option(&cli, &args, id, value) < 0)
            return TPT_EXIT_USAGE;
    }
    if (args.help) {
        print_help();
        return TPT_EXIT_OK;
    }

    tp_world_params world;
    tp_result res = tp_world_params_resolve(&params, &world);
    if (res != TP_OK) {
        fprintf(stderr, COMMAND ": world parameters: %s\n", tp_result_string(res));
        return TPT_EXIT_FAILURE;
    }
    tpt_region region = args.have_region ? args.region : wf.region;
    char output[64];
    if (!args.output)
        snprintf(output, sizeof output, "preview-%s.png", tpt_render_layer_names[args.layer]);
    tpt_field_source source = tpt_field_source_generator(&world);
    return tpt_image_run(COMMAND, "", &source, &args, &region,
                        args.output ? args.output : output);
}
