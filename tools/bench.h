/* bench.h — the parts of `terrapage bench`. Each takes the options after its own name
 * (argv[0] is "gen", "bake", …), prints a table (or one JSON object with --json) and
 * returns an exit status like a command (cli.h). `terrapage bench` with no part runs
 * them all. Speeds are medians over repeated runs: machines are shared and noisy. */
#ifndef TP_TOOLS_BENCH_H
#define TP_TOOLS_BENCH_H

#include <stdbool.h>
#include <stdint.h>

#include "terrapage/pagefile.h"

int tp_bench_gen(int argc, char **argv);
int tp_bench_bake(int argc, char **argv);
int tp_bench_decode(int argc, char **argv);
int tp_bench_pagein(int argc, char **argv);
int tp_bench_mesh(int argc, char **argv);

/* Opens `path` for a benchmark, or, when path is NULL, bakes a 16 × 16-chunk region of
 * the default world into /tmp first (the file is unlinked at once; the mapping stays).
 * Prints "<command>: <problem>" and returns false on failure. */
bool tp_bench_open_world(const char *command, const char *path, tp_reader **out_reader);

/* Sorts v[0 … n−1] and returns its median. */
double tp_bench_median(double *v, int n);

/* Benchmarks add their results here so the compiler cannot drop the measured work. */
extern volatile uint64_t tp_bench_sink;

#endif /* TP_TOOLS_BENCH_H */
