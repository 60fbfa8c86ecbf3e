/* commands.h — the terrapage subcommands.
 *
 * Each command is `int tp_cmd_<name>(int argc, char **argv)` with argv[0] the command's
 * name ("preview") and the options after it, and returns the process exit status:
 * TP_EXIT_OK, TP_EXIT_FAILURE when the work failed, TP_EXIT_USAGE for a bad command line
 * (see cli.h). Commands print results to stdout and diagnostics to stderr, keep no
 * global state, and can be called in-process (the tests do).
 */
#ifndef TP_TOOLS_COMMANDS_H
#define TP_TOOLS_COMMANDS_H

int tp_cmd_preview(int argc, char **argv);
int tp_cmd_bake(int argc, char **argv);
int tp_cmd_info(int argc, char **argv);
int tp_cmd_verify(int argc, char **argv);
int tp_cmd_export(int argc, char **argv);
int tp_cmd_mesh(int argc, char **argv);
int tp_cmd_soak(int argc, char **argv);
int tp_cmd_bench(int argc, char **argv);

#endif /* TP_TOOLS_COMMANDS_H */
