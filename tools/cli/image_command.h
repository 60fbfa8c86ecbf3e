/* image_command.h — what `terrapage preview` and `terrapage export` share: the image options,
 * their help text, and render → write → report. Keeping this in one place is what makes
 * a preview and an export of the same data byte-identical. */
#ifndef TPT_IMAGE_COMMAND_H
#define TPT_IMAGE_COMMAND_H

#include <stdbool.h>
#include <stdio.h>

#include "cli_options.h"
#include "render.h"

/* Auto LOD: the finest level whose picture fits in this many pixels a side (the default
 * 64 × 64-chunk world at LOD 2 is 2049 × 2049). */
#define TPT_IMAGE_AUTO_MAX_SIDE 2049u

/* Option ids shared by both commands (command-specific ids start at TPT_IMAGE_OPT_USER). */
enum {
    TPT_IMAGE_OPT_HELP = 1,
    TPT_IMAGE_OPT_LAYER,
    TPT_IMAGE_OPT_REGION,
    TPT_IMAGE_OPT_LOD,
    TPT_IMAGE_OPT_OUTPUT,
    TPT_IMAGE_OPT_GRAY,
    TPT_IMAGE_OPT_THREADS,
    TPT_IMAGE_OPT_QUIET,
    TPT_IMAGE_OPT_USER = 100,
};

#define TPT_IMAGE_OPTIONS                                                                      \
    {"help", 'h', false, TPT_IMAGE_OPT_HELP}, {"layer", 'l', true, TPT_IMAGE_OPT_LAYER},       \
        {"region", 'r', true, TPT_IMAGE_OPT_REGION}, {"lod", 0, true, TPT_IMAGE_OPT_LOD},      \
        {"output", 'o', true, TPT_IMAGE_OPT_OUTPUT}, {"gray", 0, false, TPT_IMAGE_OPT_GRAY},   \
        {"threads", 'j', true, TPT_IMAGE_OPT_THREADS},                                         \
        {"quiet", 'q', false, TPT_IMAGE_OPT_QUIET}

typedef struct tpt_image_args {
    tpt_render_layer layer;  /* default: hillshade */
    bool have_region;
    tpt_region region;
    int64_t lod;            /* −1: auto */
    const char *output;     /* NULL: a default name per layer */
    bool gray;
    int64_t threads;        /* 0: all cores */
    bool quiet;
    bool help;
} tpt_image_args;

/* Defaults for every field. */
void tpt_image_args_init(tpt_image_args *args);

/*! tpt_image_option() :
 *  Handles one of the shared options. @return 1 if handled, 0 if `id` is not a shared
 *  option, −1 on a bad value (already reported). */
int tpt_image_option(tpt_cli *cli, tpt_image_args *args, int id, const char *value);

/* Prints the help lines of the shared options, the layer list and the biome legend. */
void tpt_image_print_option_help(FILE *out, const char *default_output,
                                const char *default_region);

/*! tpt_image_run() :
 *  Resolves the LOD (auto or checked against the world), renders from `source`, writes
 *  `output` and prints what it wrote. Errors are printed as "<command>: <prefix><problem>"
 *  (prefix: e.g. "world.tpk: ", may be ""). @return the exit status. */
int tpt_image_run(const char *command, const char *prefix, const tpt_field_source *source,
                 const tpt_image_args *args, const tpt_region *region, const char *output);

#endif /* TPT_IMAGE_COMMAND_H */
