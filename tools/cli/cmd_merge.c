/* cmd_merge.c — `terrapage merge`: assembles the shard files of a sharded bake into the
 * page file one bake of the whole region writes (terrapage/merge.h does the work).
 *
 * Ctrl-C (SIGINT) and SIGTERM stop the merge while it checks the shards, leaving no
 * output; once the data is being copied the merge finishes (the file is renamed into
 * place only when whole either way). */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "commands.h"
#include "json_out.h"
#include "pagefile_open.h"
#include "progress.h"
#include "units.h"
#include "terrapage/merge.h"
#include "terrapage/writer.h"

enum { OPT_HELP = 1, OPT_OUTPUT, OPT_QUIET, OPT_JSON, OPT_NO_BLOB_CHECK };

#define COMMAND "terrapage merge"

static volatile sig_atomic_t g_interrupted;

static void on_signal(int signo)
{
    (void)signo;
    g_interrupted = 1;
}

static void print_help(void)
{
    printf("usage: terrapage merge SHARD.tpk... -o FILE.tpk [options]\n"
           "\n"
           "Assembles the shard files of a sharded bake ('terrapage bake --shard I/N')\n"
           "into one page file, byte-identical to the file a single bake of the whole\n"
           "region writes. The shards may be given in any order. Their blobs are copied\n"
           "in bulk (copy_file_range, which some file systems turn into shared blocks;\n"
           "a read/write loop elsewhere); only the header and the directory are written\n"
           "anew.\n"
           "\n"
           "Every shard is checked first: a shard that cannot be read or is corrupt\n"
           "(any checksum, unless --no-blob-check), a whole page file, a shard of\n"
           "another bake (seed, world parameters, region, samples, layers, format,\n"
           "compression level or shard count), one given twice, a missing one, or one\n"
           "lacking part of its share is refused with a message naming the shard and\n"
           "the problem, and no output file is written. The output follows the rules of\n"
           "'terrapage bake': a regular file or a new name, written to a temporary file\n"
           "and renamed into place when complete.\n"
           "\n"
           "Options:\n"
           "  -o, --output FILE     the page file to write (required)\n"
           "      --no-blob-check   trust the blobs' checksums instead of reading every\n"
           "                        blob to check it (the directory is still checked)\n"
           "  -q, --quiet           no progress and no summary\n"
           "      --json            print the summary as one JSON object on stdout\n"
           "  -h, --help            show this help\n"
           "\n"
           "Progress goes to stderr: a bar on a terminal, a line every few seconds\n"
           "otherwise; first the chunks checked, then the bytes copied.\n"
           "\n"
           "Examples:\n"
           "  for i in 0 1 2 3; do terrapage bake --shard $i/4 -o world.$i.tpk; done\n"
           "  terrapage merge world.*.tpk -o world.tpk\n");
}

typedef struct merge_args {
    const char **shards;
    size_t shard_count;
    const char *path;
    bool quiet, json, no_blob_check;
} merge_args;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, merge_args *a)
{
    static const tpt_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"output", 'o', true, OPT_OUTPUT},
        {"quiet", 'q', false, OPT_QUIET},
        {"json", 0, false, OPT_JSON},
        {"no-blob-check", 0, false, OPT_NO_BLOB_CHECK},
        {0},
    };
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    bool help = false;
    const char *value;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case TPT_CLI_ERROR: return TPT_EXIT_USAGE;
        case TPT_CLI_POSITIONAL: a->shards[a->shard_count++] = value; break;
        case OPT_HELP: help = true; break;
        case OPT_OUTPUT: a->path = value; break;
        case OPT_QUIET: a->quiet = true; break;
        case OPT_JSON: a->json = true; break;
        case OPT_NO_BLOB_CHECK: a->no_blob_check = true; break;
        default: break;
        }
    }
    if (help) {
        print_help();
        return TPT_EXIT_OK;
    }
    if (!a->path || !*a->path)
        return tpt_cli_error(&cli, "the output is missing: -o FILE.tpk");
    if (a->shard_count == 0)
        return tpt_cli_error(&cli, "no shard files given");
    return TPT_CLI_PROCEED;
}

/* One bar per stage, each begun at the stage's first report (which brings its total):
 * chunks checked, then bytes copied. */
typedef struct merge_progress {
    tpt_progress bar;
    tpt_progress_mode mode;
    int stage; /* 0 before the first report, then the tp_merge_stage of `bar` */
} merge_progress;

static int report_progress(void *user, tp_merge_stage stage, uint64_t done, uint64_t total)
{
    merge_progress *p = user;
    if ((int)stage != p->stage) {
        if (p->stage)
            tpt_progress_end(&p->bar);
        int copying = stage == TP_MERGE_COPYING;
        tpt_progress_begin(&p->bar, copying ? "copying" : "checking",
                           copying ? "bytes" : "chunks", total, p->mode, stderr);
        p->stage = (int)stage;
    }
    tpt_progress_update(&p->bar, done);
    return g_interrupted != 0;
}

static json_t *merge_json(const char *path, const tp_merge_stats *s)
{
    double gib = (double)s->data_bytes / (1024.0 * 1024.0 * 1024.0);
    double copy_s = s->seconds - s->check_seconds;
    return json_pack("{s:o, s:i, s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                     "file", tpt_json_text(path),
                     "shards", (int)s->shards,
                     "chunks", tpt_json_u64(s->chunks),
                     "blobs", tpt_json_u64(s->blobs),
                     "data_bytes", tpt_json_u64(s->data_bytes),
                     "file_bytes", tpt_json_u64(s->file_bytes),
                     "check_seconds", tpt_json_real(s->check_seconds, 3),
                     "seconds", tpt_json_real(s->seconds, 3),
                     "copy_seconds_per_gib", tpt_json_real(gib > 0 ? copy_s / gib : 0.0, 3));
}

int tpt_cmd_merge(int argc, char **argv)
{
    merge_args a = {.shards = calloc((size_t)(argc > 0 ? argc : 1), sizeof(char *))};
    if (!a.shards) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        return TPT_EXIT_FAILURE;
    }
    int status = parse_options(argc, argv, &a);
    if (status != TPT_CLI_PROCEED) {
        free(a.shards);
        return status;
    }
    merge_progress progress = {.mode = a.quiet ? TPT_PROGRESS_QUIET : TPT_PROGRESS_AUTO};
    tp_merge_options o = {.progress = report_progress, .progress_user = &progress,
                          .flags = a.no_blob_check ? TP_MERGE_NO_BLOB_CHECK : 0};
    struct sigaction action, old_int, old_term;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    g_interrupted = 0;
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
    tpt_pagefile_clear_detail();
    tp_merge_stats stats;
    tp_result res = tp_merge(a.shards, a.shard_count, a.path, &o, &stats);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    if (progress.stage)
        tpt_progress_end(&progress.bar);
    free(a.shards);

    if (res == TP_ERR_CANCELLED) {
        fprintf(stderr, "%s: interrupted; %s was not written (any previous file is "
                        "unchanged)\n", COMMAND, a.path);
        return TPT_EXIT_FAILURE;
    }
    if (res != TP_OK) {
        /* The detail names the shard (or the output) and the problem. */
        fprintf(stderr, "%s: %s: %s\n", COMMAND, tp_result_string(res), tp_error_detail());
        return TPT_EXIT_FAILURE;
    }
    if (a.json) {
        if (!tpt_json_write(stdout, merge_json(a.path, &stats), TPT_JSON_LINES)) {
            fprintf(stderr, "%s: could not write the JSON report\n", COMMAND);
            return TPT_EXIT_FAILURE;
        }
    } else if (!a.quiet) {
        char size[32];
        tpt_format_bytes(stats.file_bytes, size, sizeof size);
        printf("merged %u shards into %s: %llu chunks, %s in %.1f s (checking %.1f s)\n",
               stats.shards, a.path, (unsigned long long)stats.chunks, size, stats.seconds,
               stats.check_seconds);
    }
    return TPT_EXIT_OK;
}
