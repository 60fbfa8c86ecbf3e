/* main.c — `terrapage <command> [options]`: finds the command and runs it. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "terrapage/version.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} command;

/* In the order a newcomer meets them: look at a world, bake it, inspect the file. */
static const command commands[] = {
    {"preview", "render PNG maps of a region straight from the generator", tp_cmd_preview},
    {"bake", "bake a region of the world into a page file (world.tpk)", tp_cmd_bake},
    {"info", "describe a page file: parameters, region, layers, sizes", tp_cmd_info},
    {"verify", "check every checksum and decode every blob of a page file", tp_cmd_verify},
    {"export", "render PNG maps of a region from a page file", tp_cmd_export},
    {"mesh", "write one chunk's baked triangle mesh as an OBJ file", tp_cmd_mesh},
    {"soak", "stream a page file around a moving camera and measure it", tp_cmd_soak},
    {"bench", "benchmarks: generator, bake, decode, meshes, page-ins", tp_cmd_bench},
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
            return TP_EXIT_USAGE;
        }
        /* No arguments at all is a usage error; asking for help is not. */
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? TP_EXIT_USAGE : TP_EXIT_OK;
    }
    if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
        printf("terrapage %s\n", tp_version_string());
        return TP_EXIT_OK;
    }
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);

    fprintf(stderr, "terrapage: unknown command '%s'\n"
                    "Run 'terrapage --help' for the list of commands.\n",
            argv[1]);
    return TP_EXIT_USAGE;
}
