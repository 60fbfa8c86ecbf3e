/* commands.h — the user commands of terrapage (`soak` is soak.h's, `bench` bench.h's).
 *
 * Each command is `int tpt_cmd_<name>(int argc, char **argv)` with argv[0] the command's
 * name ("preview") and the options after it, and returns the process exit status:
 * TPT_EXIT_OK, TPT_EXIT_FAILURE when the work failed, TPT_EXIT_USAGE for a bad command line
 * (see cli_options.h). Commands print results to stdout and diagnostics to stderr, keep no
 * global state, and can be called in-process (the tests do).
 */
#ifndef TPT_COMMANDS_H
#define TPT_COMMANDS_H

#include <stdbool.h>

int tpt_cmd_init(int argc, char **argv);
int tpt_cmd_preview(int argc, char **argv);
int tpt_cmd_bake(int argc, char **argv);
int tpt_cmd_merge(int argc, char **argv);
int tpt_cmd_info(int argc, char **argv);
int tpt_cmd_verify(int argc, char **argv);
int tpt_cmd_export(int argc, char **argv);
int tpt_cmd_mesh(int argc, char **argv);

/* What a `terrapage bake` command line asks for, for programs that run the bake in
 * parts (terrapage-mpi). */
typedef struct tpt_bake_line {
    const char *path; /* the output (an argv string or the default) */
    bool quiet, json;
    bool sharded;     /* --shard was given */
} tpt_bake_line;

/* Reads a bake's command line (argv[0] "bake") exactly as tpt_cmd_bake() does, world
 * file included, without baking. @return TPT_CLI_PROCEED with *out filled in, or the
 * status to exit with (the help was printed, or the problem reported). */
int tpt_cmd_bake_read(int argc, char **argv, tpt_bake_line *out);

#endif /* TPT_COMMANDS_H */
