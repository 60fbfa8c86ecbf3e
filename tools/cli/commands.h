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

int tpt_cmd_init(int argc, char **argv);
int tpt_cmd_preview(int argc, char **argv);
int tpt_cmd_bake(int argc, char **argv);
int tpt_cmd_merge(int argc, char **argv);
int tpt_cmd_info(int argc, char **argv);
int tpt_cmd_verify(int argc, char **argv);
int tpt_cmd_export(int argc, char **argv);
int tpt_cmd_mesh(int argc, char **argv);

#endif /* TPT_COMMANDS_H */
