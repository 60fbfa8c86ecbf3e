/* cmd_init.c — `terrapage init`: writes a documented default world file. */
#define _POSIX_C_SOURCE 200809L /* lstat */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli_options.h"
#include "commands.h"
#include "world_file.h"
#include "terrapage/output_file.h"

enum { OPT_HELP = 1, OPT_FORCE, OPT_QUIET };

#define COMMAND "terrapage init"

static void print_help(void)
{
    printf("usage: terrapage init [FILE] [--force]\n"
           "\n"
           "Writes a world file (YAML, default: world.yaml) holding every parameter of the\n"
           "default world and of its bake - seed, chunk size, samples per edge, sea level,\n"
           "feature scale, relief, ocean depth, climate, region, meshes, compression\n"
           "level - each with its unit, range and meaning in a comment. Edit it, keep it\n"
           "in version control, and bake it with 'terrapage bake --world FILE'; preview,\n"
           "export and soak take --world too. An existing file is never replaced unless\n"
           "--force is given, and then only a regular file (or the file a symbolic link\n"
           "leads to).\n"
           "\n"
           "Options:\n"
           "  -f, --force       replace an existing file\n"
           "  -q, --quiet       print nothing on success\n"
           "  -h, --help        show this help\n"
           "\n"
           "Examples:\n"
           "  terrapage init\n"
           "  terrapage init worlds/island.yaml\n"
           "  terrapage init --force && terrapage bake --world world.yaml\n");
}

/* Writes the default world file through a temporary renamed into place. */
static int write_default(const char *path)
{
    tp_output_file file;
    if (tp_output_open(path, &file) != TP_OK) {
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
        return TPT_EXIT_FAILURE;
    }
    FILE *out = tp_output_stream(&file);
    tpt_world_file wf;
    tpt_world_file_defaults(&wf);
    if (!out || !tpt_world_file_write(out, &wf, NULL)) {
        fprintf(stderr, "%s: %s: %s\n", COMMAND, path, strerror(errno ? errno : EIO));
        tp_output_discard(&file);
        return TPT_EXIT_FAILURE;
    }
    if (tp_output_commit(&file) != TP_OK) {
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
        return TPT_EXIT_FAILURE;
    }
    return TPT_EXIT_OK;
}

int tpt_cmd_init(int argc, char **argv)
{
    static const tpt_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"force", 'f', false, OPT_FORCE},
        {"quiet", 'q', false, OPT_QUIET},
        {0},
    };
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    const char *path = NULL, *value;
    bool help = false, force = false, quiet = false;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case TPT_CLI_ERROR: return TPT_EXIT_USAGE;
        case OPT_HELP: help = true; break;
        case OPT_FORCE: force = true; break;
        case OPT_QUIET: quiet = true; break;
        case TPT_CLI_POSITIONAL:
            if (path)
                return tpt_cli_error(&cli, "one world file at a time (got '%s' and '%s')",
                                     path, value);
            path = value;
            break;
        }
    }
    if (help) {
        print_help();
        return TPT_EXIT_OK;
    }
    if (!path)
        path = "world.yaml";
    if (!*path)
        return tpt_cli_error(&cli, "empty file name");

    struct stat st;
    if (!force && lstat(path, &st) == 0) {
        fprintf(stderr, "%s: %s already exists; --force replaces it\n", COMMAND, path);
        return TPT_EXIT_FAILURE;
    }
    int status = write_default(path);
    if (status == TPT_EXIT_OK && !quiet)
        printf("wrote %s: the default world, every key documented; bake it with\n"
               "  terrapage bake --world %s\n", path, path);
    return status;
}
