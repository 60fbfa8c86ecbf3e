/* main.c — `terrapage <command> [options]`: finds the command and runs it.
 *
 * The one place that knows every product: the user commands (commands.h), the soak
 * harness (soak.h) and the benchmarks (bench.h). */
#include <stdio.h>
#include <string.h>

#include "bench.h"
#include "cli_options.h"
#include "commands.h"
#include "soak.h"
#include "terrapage/version.h"

/* `soak --compare` ends with the page-in benchmark on the same file, per chunk and LOD. */
static int pagein_after_compare(const char *file)
{
    char *argv[] = {"pagein", (char *)file, "--chunks", "24", "--runs", "3", NULL};
    return tpt_bench_pagein(6, argv);
}

static int cmd_soak(int argc, char **argv)
{
    return tpt_soak_command(argc, argv, pagein_after_compare);
}

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} command;

/* In the order a newcomer meets them: describe a world, look at it, bake it, inspect the
 * file. */
static const command commands[] = {
    {"init", "write a documented world file (world.yaml) to edit and bake", tpt_cmd_init},
    {"preview", "render PNG maps of a region straight from the generator", tpt_cmd_preview},
    {"bake", "bake a region of the world into a page file (world.tpk)", tpt_cmd_bake},
    {"merge", "assemble the shard files of a sharded bake into one page file", tpt_cmd_merge},
    {"info", "describe a page file: parameters, region, layers, sizes", tpt_cmd_info},
    {"verify", "check every checksum and decode every blob of a page file", tpt_cmd_verify},
    {"export", "render PNG maps of a region from a page file", tpt_cmd_export},
    {"mesh", "write one chunk's baked triangle mesh as an OBJ file", tpt_cmd_mesh},
    {"soak", "stream a page file around a moving camera and measure it", cmd_soak},
    {"bench", "benchmarks: generator, bake, decode, meshes, page-ins", tpt_cmd_bench},
};
#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fprintf(out, "usage: terrapage <command> [options]\n"
                 "\n"
                 "terrapage bakes procedural terrain into one compressed, memory-mappable\n"
                 "page file (world.tpk) that games stream at run time.\n"
                 "\n"
                 "commands:\n");
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
    fprintf(out, "\n"
                 "Run 'terrapage <command> --help' for a command's options.\n"
                 "  terrapage --version   print the version\n");
}

int main(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        /* `terrapage help preview` is the same as `terrapage preview --help`. */
        if (argc >= 3 && strcmp(argv[1], "help") == 0) {
            for (size_t i = 0; i < COMMAND_COUNT; i++) {
                if (strcmp(argv[2], commands[i].name) == 0) {
                    char *help_argv[] = {argv[2], "--help", NULL};
                    return commands[i].run(2, help_argv);
                }
            }
            fprintf(stderr, "terrapage: unknown command '%s'\n", argv[2]);
            usage(stderr);
            return TPT_EXIT_USAGE;
        }
        /* No arguments at all is a usage error; asking for help is not. */
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? TPT_EXIT_USAGE : TPT_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("terrapage %s\n", tp_version_string());
        return TPT_EXIT_OK;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);

    fprintf(stderr, "terrapage: unknown command '%s'\n"
                    "Run 'terrapage --help' for the list of commands.\n",
            argv[1]);
    return TPT_EXIT_USAGE;
}
