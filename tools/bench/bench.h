/* bench.h — `terrapage bench` and its parts.
 *
 * Each part takes the options after its own name (argv[0] is "gen", "bake", …), measures,
 * and prints a table, or with --json one JSON object; it returns an exit status like a
 * command (cli_options.h). With --json and `out_json` non-NULL, the part hands its object
 * back in *out_json instead of printing it: that is how `terrapage bench --json` puts
 * every part into one object. `terrapage bench` with no part runs them all. Speeds are
 * medians over repeated runs: machines are shared and noisy.
 *
 * Thread rules: one thread; parts keep no state between calls.
 */
#ifndef TPT_BENCH_H
#define TPT_BENCH_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cli_options.h"
#include "terrapage/pagefile.h"

/*! tpt_cmd_bench() : `terrapage bench [PART] [options]`; argv[0] is "bench". */
int tpt_cmd_bench(int argc, char **argv);

typedef int (*tpt_bench_part)(int argc, char **argv, json_t **out_json);

int tpt_bench_part_gen(int argc, char **argv, json_t **out_json);
int tpt_bench_part_bake(int argc, char **argv, json_t **out_json);
int tpt_bench_part_decode(int argc, char **argv, json_t **out_json);
int tpt_bench_part_pagein(int argc, char **argv, json_t **out_json);
int tpt_bench_part_mesh(int argc, char **argv, json_t **out_json);
int tpt_bench_part_query(int argc, char **argv, json_t **out_json);
int tpt_bench_part_scale(int argc, char **argv, json_t **out_json);
int tpt_bench_part_teleport(int argc, char **argv, json_t **out_json);

/*! tpt_bench_pagein() : the page-in part as a command of its own (argv[0] "pagein"), as
 *  `terrapage soak --compare` ends with it. */
int tpt_bench_pagein(int argc, char **argv);

/* ---- what the parts share -------------------------------------------------------------- */

/* The options every part takes: -h/--help, --json and --runs N, and, for the parts that
 * measure a page file, one FILE.tpk argument. A part's option table starts with
 * TPT_BENCH_OPTIONS and numbers its own options from TPT_BENCH_OPT_PART; its parser
 * handles its own ids and passes every other value of tpt_cli_next() to
 * tpt_bench_option():
 *
 *   case OPT_LOD: ...; break;
 *   default:
 *       status = tpt_bench_option(&cli, &usage, id, value, &o->shared);
 *       if (status != TPT_CLI_PROCEED)
 *           return status;
 */
enum { TPT_BENCH_OPT_HELP = 1, TPT_BENCH_OPT_JSON, TPT_BENCH_OPT_RUNS, TPT_BENCH_OPT_PART };

#define TPT_BENCH_OPTIONS                                                                  \
    {"help", 'h', false, TPT_BENCH_OPT_HELP}, {"json", 0, false, TPT_BENCH_OPT_JSON},      \
        {"runs", 0, true, TPT_BENCH_OPT_RUNS}

/* What a part allows of the shared options. */
typedef struct tpt_bench_usage {
    int64_t max_runs;         /* --runs takes 1 … max_runs */
    bool takes_file;          /* one FILE.tpk argument; otherwise no argument at all */
    void (*print_help)(void); /* the part's --help */
} tpt_bench_usage;

/* The shared options' values. The part sets `runs` to its default before parsing. */
typedef struct tpt_bench_options {
    const char *path; /* the FILE.tpk argument; NULL when none was given */
    int64_t runs;
    bool json;
} tpt_bench_options;

/*! tpt_bench_option() :
 *  Handles `id`, a value of tpt_cli_next() that is none of the part's own options:
 *  TPT_CLI_ERROR (already reported), an argument, --help, --json or --runs.
 *  @return TPT_CLI_PROCEED to go on parsing, or the status to exit with: TPT_EXIT_OK after
 *  printing the help, TPT_EXIT_USAGE after reporting what was wrong. */
int tpt_bench_option(tpt_cli *cli, const tpt_bench_usage *usage, int id, const char *value,
                     tpt_bench_options *o);

/*! tpt_bench_bake_small_world() :
 *  Bakes a 16 × 16-chunk region of the default world into a file of /tmp named after the
 *  process, its name in path[0 … path_cap − 1] (the caller removes it). Prints
 *  "<command>: <problem>" and returns false on failure. */
bool tpt_bench_bake_small_world(const char *command, char *path, size_t path_cap);

/*! tpt_bench_open_world() :
 *  Opens `path` for a benchmark, or, when path is NULL, bakes a 16 × 16-chunk region of
 *  the default world into /tmp first (the file is unlinked at once; the open reader keeps
 *  it). `mapped` chooses the reader's mode: mmap (blob bytes in place, what
 *  tp_reader_blob_bytes() needs) or pread (tpt_pagefile_open()).
 *  Prints "<command>: <problem>" and returns false on failure. */
bool tpt_bench_open_world(const char *command, const char *path, bool mapped,
                          tp_reader **out_reader);

/*! tpt_bench_thread_cpu_s() : CPU time of the calling thread, seconds: what measured
 *  work costs, whatever else the machine is doing. */
double tpt_bench_thread_cpu_s(void);

/*! tpt_bench_median() : sorts v[0 … n−1] (n ≥ 1) and @return its median. */
double tpt_bench_median(double *v, int n);

/*! tpt_bench_emit() :
 *  Finishes a part's --json report: hands `figures` to the caller through `out_json`
 *  when it is non-NULL, else writes it to stdout and releases it. @return TPT_EXIT_OK,
 *  or TPT_EXIT_FAILURE when the object could not be built or written. */
int tpt_bench_emit(json_t *figures, json_t **out_json);

/* Benchmarks add their results here so the compiler cannot drop the measured work. */
extern volatile uint64_t tpt_bench_sink;

#endif /* TPT_BENCH_H */
