/* mpi_bake.c — `mpirun -np N terrapage-mpi bake ...`: one bake spread over N MPI ranks.
 *
 * The design of this version is the simple one: every rank bakes its share of the
 * region's tiles (the shares of a sharded bake, FORMAT.md 13.2) into a shard file beside
 * the output, the ranks agree that every shard is complete, and rank 0 assembles them
 * with tp_merge(), which copies the blobs in bulk and writes the header and the
 * directory. The result is the very file one process would bake. The shard files live
 * beside the output, so with ranks on several machines the output's directory must be
 * on a file system they all share.
 *
 * Failure is collective: after the bakes every rank reports success or failure to all
 * others (MPI_Allreduce), so a rank that fails makes every rank remove its shard and
 * the job exit non-zero, with rank 0 naming the ranks that failed. The output is only
 * written by the merge, which renames it into place when complete, so any previous file
 * stays untouched on every failure.
 *
 * Options are those of `terrapage bake` (this tool calls the same command with
 * --shard and -o of its own), except --shard, which the ranks assign themselves.
 */
#define _POSIX_C_SOURCE 200809L
#include <mpi.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "cli_options.h"
#include "commands.h"
#include "pagefile_open.h"
#include "terrapage/shard.h"
#include "terrapage/writer.h"

#define COMMAND "terrapage-mpi bake"

static void print_help(void)
{
    printf("usage: mpirun -np N terrapage-mpi bake [-o FILE.tpk] [bake options]\n"
           "\n"
           "Bakes a region with N MPI ranks and writes ONE page file, byte-identical to\n"
           "the file 'terrapage bake' writes in one process. Each rank bakes a balanced\n"
           "share of the region's 16x16-chunk tiles (the shares of 'terrapage bake\n"
           "--shard I/N') with its own threads into a shard file beside the output,\n"
           "FILE.mpi-shard-I-of-N; once every rank has succeeded, rank 0 assembles the\n"
           "shards with the merge of 'terrapage merge' (blobs copied in bulk, header and\n"
           "directory written anew) and every rank removes its shard.\n"
           "\n"
           "This version assembles through shard files: the disk needs about twice the\n"
           "file's size while it runs, and the merge is a serial step on rank 0. With\n"
           "ranks on several machines the output's directory must be on a file system\n"
           "they all share.\n"
           "\n"
           "If any rank fails (a bad option, a path that cannot take the file, a full\n"
           "disk, ...), every rank removes its shard, rank 0 names the ranks that failed\n"
           "and the job exits non-zero; the output is renamed into place only when\n"
           "complete, so any previous file stays untouched.\n"
           "\n"
           "Options: every option of 'terrapage bake' (see 'terrapage bake --help')\n"
           "except --shard, which the ranks assign themselves. Threads per rank: -j N,\n"
           "or OMP_NUM_THREADS (the default, 0, takes every core the rank may use; with\n"
           "several ranks on one machine give each its part of the cores). Progress and\n"
           "the shard summary come from rank 0, then the merge's summary (--json: the\n"
           "merge's JSON object only).\n"
           "  -h, --help            show this help\n"
           "\n"
           "Examples:\n"
           "  mpirun -np 4 terrapage-mpi bake --world world.yaml -o world.tpk\n"
           "  OMP_NUM_THREADS=1 mpirun -np 2 terrapage-mpi bake --region 0,0,64,64 -o w.tpk\n"
           "  mpirun -np 64 --map-by ppr:1:node -x OMP_NUM_THREADS=32 \\\n"
           "      terrapage-mpi bake --world planet.yaml -o /shared/planet.tpk\n");
}

/* -h or --help anywhere before "--": this tool's help rather than the bake's. */
static bool wants_help(int argc, char **argv)
{
    for (int i = 1; i < argc && strcmp(argv[i], "--") != 0; i++)
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0)
            return true;
    return false;
}

/* The shard file rank `index` of `count` bakes, beside the output. Caller frees. */
static char *shard_path(const char *output, int index, int count)
{
    size_t size = strlen(output) + 64;
    char *path = malloc(size);
    if (path)
        snprintf(path, size, "%s.mpi-shard-%d-of-%d", output, index, count);
    return path;
}

/* Bakes this rank's share into `shard`: the user's options, then --shard and -o. */
static int bake_share(int argc, char **argv, const tpt_bake_line *a, int rank, int ranks,
                      const char *shard)
{
    char **bake_argv = calloc((size_t)argc + 6, sizeof *bake_argv);
    if (!bake_argv) {
        fprintf(stderr, "%s: rank %d: out of memory\n", COMMAND, rank);
        return TPT_EXIT_FAILURE;
    }
    char share[32];
    snprintf(share, sizeof share, "%d/%d", rank, ranks);
    int n = 0;
    bake_argv[n++] = "bake";
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--json") != 0) /* the merge prints the one JSON object */
            bake_argv[n++] = argv[i];
    if (rank != 0 || a->json)
        bake_argv[n++] = "--quiet";
    bake_argv[n++] = "--shard";
    bake_argv[n++] = share;
    bake_argv[n++] = "-o";
    bake_argv[n++] = (char *)shard;
    bake_argv[n] = NULL;
    int status = tpt_cmd_bake(n, bake_argv);
    free(bake_argv);
    return status;
}

/* Rank 0: assembles the shards into the output. */
static int merge_shards(char **shards, int ranks, const tpt_bake_line *a)
{
    char **merge_argv = calloc((size_t)ranks + 8, sizeof *merge_argv);
    if (!merge_argv) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        return TPT_EXIT_FAILURE;
    }
    int n = 0;
    merge_argv[n++] = "merge";
    for (int i = 0; i < ranks; i++)
        merge_argv[n++] = shards[i];
    /* The shards were written and checked by the bakes a moment ago: the merge checks
     * their directories, not every blob again. */
    merge_argv[n++] = "--no-blob-check";
    if (a->quiet)
        merge_argv[n++] = "--quiet";
    if (a->json)
        merge_argv[n++] = "--json";
    merge_argv[n++] = "-o";
    merge_argv[n++] = (char *)a->path;
    merge_argv[n] = NULL;
    int status = tpt_cmd_merge(n, merge_argv);
    free(merge_argv);
    return status;
}

/* Every rank: did every rank succeed? Rank 0 names those that did not. */
static bool all_succeeded(int ok, int rank, int ranks, const char *what)
{
    int *oks = rank == 0 ? calloc((size_t)ranks, sizeof *oks) : NULL;
    MPI_Gather(&ok, 1, MPI_INT, oks, 1, MPI_INT, 0, MPI_COMM_WORLD);
    int all = ok;
    MPI_Allreduce(&ok, &all, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (rank == 0 && !all) {
        int failed = 0;
        for (int i = 0; oks && i < ranks; i++)
            failed += !oks[i];
        fprintf(stderr, "%s: %s failed on %d of %d ranks:", COMMAND, what, failed, ranks);
        for (int i = 0, listed = 0; oks && i < ranks; i++)
            if (!oks[i])
                fprintf(stderr, "%s %d", listed++ ? "," : "", i);
        fprintf(stderr, "\n");
    }
    free(oks);
    return all != 0;
}

static int run(int argc, char **argv, int rank, int ranks)
{
    if (wants_help(argc, argv)) {
        if (rank == 0)
            print_help();
        return TPT_EXIT_OK;
    }
    /* Every rank reads the same command line; rank 0 alone reports its problems. */
    tpt_bake_line a;
    int status;
    if (rank == 0) {
        status = tpt_cmd_bake_read(argc, argv, &a);
    } else {
        int saved = dup(STDERR_FILENO), null = open("/dev/null", O_WRONLY);
        if (null >= 0)
            dup2(null, STDERR_FILENO);
        status = tpt_cmd_bake_read(argc, argv, &a);
        if (saved >= 0)
            dup2(saved, STDERR_FILENO);
        if (saved >= 0)
            close(saved);
        if (null >= 0)
            close(null);
    }
    /* A world file one machine cannot read fails there alone: every rank stops. */
    int parsed = status == TPT_CLI_PROCEED, all_parsed = parsed;
    MPI_Allreduce(&parsed, &all_parsed, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (!all_parsed) {
        /* What rank 0 could read and another could not (a world file missing on that
         * machine): that rank says why. */
        int rank0_parsed = parsed;
        MPI_Bcast(&rank0_parsed, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (rank != 0 && !parsed && rank0_parsed) {
            fprintf(stderr, "%s: rank %d:\n", COMMAND, rank);
            status = tpt_cmd_bake_read(argc, argv, &a);
        }
        return parsed ? TPT_EXIT_FAILURE : status;
    }
    if (a.sharded) {
        if (rank == 0)
            fprintf(stderr, "%s: --shard: the ranks take their shares themselves; give the "
                            "number of ranks to mpirun -np\n", COMMAND);
        return TPT_EXIT_USAGE;
    }
    if ((unsigned)ranks > TP_SHARD_MAX_COUNT) {
        if (rank == 0)
            fprintf(stderr, "%s: %d ranks: at most %u can share a bake\n", COMMAND, ranks,
                    TP_SHARD_MAX_COUNT);
        return TPT_EXIT_USAGE;
    }
    /* Before any chunk is baked: an output path that cannot take the file. */
    int ok = 1;
    if (rank == 0) {
        tpt_pagefile_clear_detail();
        tp_result res = tp_writer_check_output(a.path);
        if (res != TP_OK) {
            char problem[768];
            tpt_pagefile_problem(res, a.path, problem, sizeof problem);
            fprintf(stderr, "%s: %s: %s\n", COMMAND, a.path, problem);
            ok = 0;
        }
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (!ok)
        return TPT_EXIT_FAILURE;

    char **shards = calloc((size_t)ranks, sizeof *shards);
    ok = shards != NULL;
    for (int i = 0; ok && i < ranks; i++)
        ok = (shards[i] = shard_path(a.path, i, ranks)) != NULL;
    if (!ok)
        fprintf(stderr, "%s: rank %d: out of memory\n", COMMAND, rank);
    int baked = ok && bake_share(argc, argv, &a, rank, ranks, shards[rank]) == TPT_EXIT_OK;
    status = TPT_EXIT_OK;
    if (!all_succeeded(baked, rank, ranks, "the bake")) {
        if (rank == 0)
            fprintf(stderr, "%s: %s was not written (any previous file is unchanged)\n",
                    COMMAND, a.path);
        status = TPT_EXIT_FAILURE;
    } else {
        int merged = 1;
        if (rank == 0)
            merged = merge_shards(shards, ranks, &a) == TPT_EXIT_OK;
        MPI_Bcast(&merged, 1, MPI_INT, 0, MPI_COMM_WORLD);
        if (!merged)
            status = TPT_EXIT_FAILURE; /* the merge said why */
    }
    /* Only a shard this rank wrote: a failed bake left nothing at its path (and whatever
     * is there, e.g. a directory in the way, is not ours to remove). */
    if (baked && unlink(shards[rank]) != 0)
        fprintf(stderr, "%s: rank %d: could not remove the shard %s\n", COMMAND, rank,
                shards[rank]);
    for (int i = 0; shards && i < ranks; i++)
        free(shards[i]);
    free(shards);
    return status;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, ranks = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &ranks);
    int status;
    if (argc >= 2 && strcmp(argv[1], "bake") == 0) {
        status = run(argc - 1, argv + 1, rank, ranks);
    } else if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
        if (rank == 0)
            print_help();
        status = TPT_EXIT_OK;
    } else {
        if (rank == 0) {
            fprintf(stderr, "terrapage-mpi: %s\n", argc >= 2 ? "unknown command (the one "
                            "command is 'bake')" : "missing command");
            fprintf(stderr, "usage: mpirun -np N terrapage-mpi bake [-o FILE.tpk] "
                            "[bake options]\n");
        }
        status = TPT_EXIT_USAGE;
    }
    MPI_Finalize();
    return status;
}
