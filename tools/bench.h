/* bench.h — the parts of `terrapage bench`. Each takes the options after its own name
 * (argv[0] is "gen", "bake", …), prints a table (or one JSON object with --json) and
 * returns an exit status like a command (cli.h). `terrapage bench` with no part runs
 * them all. Speeds are medians over repeated runs: machines are shared and noisy. */
#ifndef TP_TOOLS_BENCH_H
#define TP_TOOLS_BENCH_H

#include <stdint.h>

int tp_bench_gen(int argc, char **argv);
int tp_bench_bake(int argc, char **argv);
int tp_bench_decode(int argc, char **argv);
int tp_bench_pagein(int argc, char **argv);
int tp_bench_mesh(int argc, char **argv);

/* Sorts v[0 … n−1] and returns its median. */
double tp_bench_median(double *v, int n);

/* Benchmarks add their results here so the compiler cannot drop the measured work. */
extern volatile uint64_t tp_bench_sink;

#endif /* TP_TOOLS_BENCH_H */
