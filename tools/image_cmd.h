/* image_cmd.h — what `terrapage preview` and `terrapage export` share: the image options,
 * their help text, and render → write → report. Keeping this in one place is what makes
 * a preview and an export of the same data byte-identical. */
#ifndef TP_TOOLS_IMAGE_CMD_H
#define TP_TOOLS_IMAGE_CMD_H

#include <stdbool.h>
#include <stdio.h>

#include "cli.h"
#include "render.h"

/* Auto LOD: the finest level whose picture fits in this many pixels a side (the default
 * 64 × 64-chunk world at LOD 2 is 2049 × 2049). */
#define TP_IMAGE_AUTO_MAX_SIDE 2049u

/* Option ids shared by both commands (command-specific ids start at IMAGE_OPT_USER). */
enum {
    IMAGE_OPT_HELP = 1,
    IMAGE_OPT_LAYER,
    IMAGE_OPT_REGION,
    IMAGE_OPT_LOD,
    IMAGE_OPT_OUTPUT,
    IMAGE_OPT_GRAY,
    IMAGE_OPT_THREADS,
    IMAGE_OPT_QUIET,
    IMAGE_OPT_USER = 100,
};

#define TP_IMAGE_OPTIONS                                                                   \
    {"help", 'h', false, IMAGE_OPT_HELP}, {"layer", 'l', true, IMAGE_OPT_LAYER},          \
        {"region", 'r', true, IMAGE_OPT_REGION}, {"lod", 0, true, IMAGE_OPT_LOD},        \
        {"output", 'o', true, IMAGE_OPT_OUTPUT}, {"gray", 0, false, IMAGE_OPT_GRAY},     \
        {"threads", 'j', true, IMAGE_OPT_THREADS}, {"quiet", 'q', false, IMAGE_OPT_QUIET}

typedef struct tp_image_args {
    tp_render_layer layer;  /* default: hillshade */
    bool have_region;
    tp_region region;
    int64_t lod;            /* −1: auto */
    const char *output;     /* NULL: a default name per layer */
    bool gray;
    int64_t threads;        /* 0: all cores */
    bool quiet;
    bool help;
} tp_image_args;

/* Defaults for every field. */
void tp_image_args_init(tp_image_args *args);

/*! tp_image_option() :
 *  Handles one of the shared options. @return 1 if handled, 0 if `id` is not a shared
 *  option, −1 on a bad value (already reported). */
int tp_image_option(tp_cli *cli, tp_image_args *args, int id, const char *value);

/* Prints the help lines of the shared options, the layer list and the biome legend. */
void tp_image_print_option_help(FILE *out, const char *default_output,
                                const char *default_region);

/*! tp_image_run() :
 *  Resolves the LOD (auto or checked against the world), renders from `source`, writes
 *  `output` and prints what it wrote. Errors are printed as "<command>: <prefix><problem>"
 *  (prefix: e.g. "world.tpk: ", may be ""). @return the exit status. */
int tp_image_run(const char *command, const char *prefix, const tp_field_source *source,
                 const tp_image_args *args, const tp_region *region, const char *output);

#endif /* TP_TOOLS_IMAGE_CMD_H */
