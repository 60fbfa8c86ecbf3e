/* soak.h — `terrapage soak`, the streaming soak harness (see its --help).
 *
 * `soak --compare` ends with the page-in benchmark on the same file. The harness does not
 * link the benchmarks: whoever dispatches the command passes that step in as
 * `after_compare` (the terrapage executable passes `terrapage bench pagein`).
 */
#ifndef TPT_SOAK_H
#define TPT_SOAK_H

/* Runs after --compare's side-by-side table, on the page file compared; returns an exit
 * status. */
typedef int (*tpt_soak_followup)(const char *file);

/*! tpt_soak_command() : `terrapage soak [WORLD.tpk] [options]`, argv[0] "soak".
 *  `after_compare` may be NULL (nothing follows the table). @return the exit status. */
int tpt_soak_command(int argc, char **argv, tpt_soak_followup after_compare);

/*! tpt_cmd_soak() : tpt_soak_command() with nothing after --compare's table. */
int tpt_cmd_soak(int argc, char **argv);

#endif /* TPT_SOAK_H */
