/* cmd_bake.c — `terrapage bake`: bakes a region of the world into a page file.
 *
 * Ctrl-C (SIGINT) and SIGTERM do not kill the process mid-write: they set a flag that the
 * baker's progress callback reports, the baker stops at the next batch and removes its
 * temporary files, and any previous file at the output path stays as it was. A signal
 * that arrives while the finished file is being renamed into place is honoured after
 * the rename (the bake is complete by then).
 */
#define _POSIX_C_SOURCE 200809L /* sigaction */
#include <errno.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <string.h>

#include "cli_options.h"
#include "commands.h"
#include "json_out.h"
#include "pagefile_names.h"
#include "pagefile_open.h"
#include "progress.h"
#include "units.h"
#include "world_file.h"
#include "terrapage/baker.h"
#include "terrapage/output_file.h"
#include "terrapage/writer.h"

enum {
    OPT_HELP = 1,
    OPT_OUTPUT,
    OPT_SEED,
    OPT_REGION,
    OPT_SAMPLES,
    OPT_THREADS,
    OPT_LEVEL,
    OPT_QUIET,
    OPT_JSON,
    OPT_NO_MESHES,
    OPT_WORLD,
    OPT_SHARD,
    OPT_REUSE,
    OPT_DEPFILE,
};

#define COMMAND "terrapage bake"

static volatile sig_atomic_t g_interrupted;

static void on_signal(int signo)
{
    (void)signo;
    g_interrupted = 1;
}

typedef struct bake_progress {
    tpt_progress bar;
} bake_progress;

static int report_progress(void *user, uint64_t done, uint64_t total)
{
    (void)total;
    bake_progress *p = user;
    tpt_progress_update(&p->bar, done);
    return g_interrupted != 0;
}

static void print_help(void)
{
    printf("usage: terrapage bake [-o FILE.tpk] [options]\n"
           "\n"
           "Generates every chunk of a region - heights, biomes and a triangle mesh at\n"
           "every level of detail, temperature and precipitation - and writes them,\n"
           "compressed and checksummed, into one page file that the runtime streams.\n"
           "The file is byte-identical for any number of threads. It is written to a\n"
           "temporary file and renamed into place at the end, so an interrupted or\n"
           "failed bake leaves any previous file untouched.\n"
           "\n"
           "The output must be a regular file or a new name. A symbolic link is followed\n"
           "and the file it leads to replaced, keeping that file's permissions (and, as\n"
           "root, its owner). A directory, device, FIFO or socket is refused, as are a\n"
           "directory without write permission and a name too long for the temporary\n"
           "file, before anything is baked. The temporary is FILE.tmp-PID-XXXXXXXX beside\n"
           "the output; one that a killed bake left behind is removed by the next bake\n"
           "of the same output once process PID no longer exists.\n"
           "\n"
           "Options:\n"
           "  -o, --output FILE     the page file to write (default: world.tpk)\n"
           "  -w, --world FILE      the world file to bake (YAML: 'terrapage init' writes\n"
           "                        a documented one): every world parameter, the region,\n"
           "                        meshes and compression level. The options below,\n"
           "                        given beside it, override the file's values; without\n"
           "                        it every value takes its default\n"
           "  -s, --seed N          world seed, decimal or 0x hex; 0 selects the default\n"
           "                        (default: 42)\n"
           "      --region X0,Z0,X1,Z1\n"
           "                        chunks to bake, half-open (default: -32,-32,32,32,\n"
           "                        the 64 x 64 chunks around the origin)\n"
           "      --samples N       height samples per chunk edge, 2^n + 1 from 9 to 1025\n"
           "                        (default: 129)\n"
           "  -j, --threads N       worker threads (default: 0, every core)\n"
           "      --level N         compression: 1-12 LZ4HC levels (smaller, slower bake),\n"
           "                        -1 to -64 fast LZ4 (default: %d); decoding speed is\n"
           "                        about the same for every level\n"
           "      --no-meshes       leave out the mesh layer (a smaller file, a faster bake;\n"
           "                        the runtime then hands out height grids without meshes)\n"
           "      --shard I/N       bake only shard I (0 … N-1) of N: a balanced share of\n"
           "                        the region's 16x16-chunk tiles, into a shard file that\n"
           "                        'terrapage merge' assembles with the others into the\n"
           "                        very file one bake of the region writes (N <= %u)\n"
           "      --reuse OLD.tpk   an earlier bake: copy every chunk whose inputs are\n"
           "                        unchanged (same generator version, world parameters,\n"
           "                        layers and compression level; the region may differ)\n"
           "                        after checking each blob's checksum, and generate the\n"
           "                        rest. The file is byte-identical to a full bake. OLD\n"
           "                        may be the output itself; a missing OLD means a full\n"
           "                        bake, one that is not a page file is an error, and\n"
           "                        one of another generator version, world or level is\n"
           "                        not used (the summary says why)\n"
           "      --depfile FILE    write a Make/Ninja depfile: the output depends on the\n"
           "                        world file (--world), so a build re-bakes when it\n"
           "                        changes\n"
           "  -q, --quiet           no progress and no summary\n"
           "      --json            print the summary as one JSON object on stdout\n"
           "  -h, --help            show this help\n"
           "\n"
           "Progress goes to stderr: a bar on a terminal, a line every few seconds\n"
           "otherwise.\n"
           "\n"
           "Limits: any region a page file can describe (up to 2^32 - 1 chunks along\n"
           "each axis, chunk coordinates within 32-bit integers). Memory does not grow\n"
           "with the region, except 16 bytes per 16x16-chunk tile for the block table\n"
           "(64 KiB for a million chunks, 64 MiB for 2^30); the disk needs about twice\n"
           "the file's size while it is assembled. Time grows with the chunks: spread\n"
           "a large bake over machines with --shard and 'terrapage merge'.\n"
           "\n"
           "Examples:\n"
           "  terrapage bake -o world.tpk\n"
           "  terrapage bake --world world.yaml -o world.tpk\n"
           "  terrapage bake --world world.yaml --region 0,0,4,4 -o test.tpk\n"
           "  terrapage bake --seed 7 --region 0,0,16,16 -o small.tpk\n"
           "  terrapage bake --threads 1 --level 12 -o world.tpk\n"
           "  terrapage bake --world world.yaml --reuse world.tpk -o world.tpk \\\n"
           "      --depfile world.tpk.d\n"
           "  terrapage bake --shard 3/8 -o world.3.tpk   (then: terrapage merge\n"
           "                                              world.*.tpk -o world.tpk)\n",
           TP_DEFAULT_COMPRESSION_LEVEL, TP_SHARD_MAX_COUNT);
}

/* Reports a failed bake (or check of its output) as "<command>: <path>: <problem>". */
static void print_failure(tp_result res, const char *path)
{
    /* The detail is at most 511 bytes (a long path loses its middle, never the cause),
     * and the problem adds the result's text to it. */
    char problem[768];
    tpt_pagefile_problem(res, path, problem, sizeof problem);
    fprintf(stderr, "%s: %s: %s\n", COMMAND, path, problem);
}

static void print_summary(const char *path, const tp_bake_stats *s, bool shard, bool reuse)
{
    char size[32];
    tpt_format_bytes(s->file_bytes, size, sizeof size);
    printf("baked %s: %llu chunks%s, %s in %.1f s (%.0f chunks/s on %u threads)\n", path,
           (unsigned long long)s->chunks, shard ? " (a shard)" : "", size, s->seconds,
           s->seconds > 0 ? (double)s->chunks / s->seconds : 0.0, s->threads);
    if (reuse) {
        printf("  reused %llu chunks, generated %llu", (unsigned long long)s->chunks_reused,
               (unsigned long long)(s->chunks - s->chunks_reused));
        if (s->chunks_rejected)
            printf(" (%llu of them failed their check in the old file)",
                   (unsigned long long)s->chunks_rejected);
        printf("\n");
        if (s->reuse_note[0])
            printf("  %s\n", s->reuse_note);
    }
    printf("  %-14s %5s %12s %12s %7s\n", "layer", "LODs", "stored", "raw", "ratio");
    for (uint32_t layer = 0; layer < TP_MAX_LAYERS; layer++) {
        uint64_t stored, raw;
        uint32_t lods = tp_bake_stats_layer_total(s, layer, &stored, &raw);
        if (!lods)
            continue;
        char a[32], b[32], name[32];
        tpt_format_bytes(stored, a, sizeof a);
        tpt_format_bytes(raw, b, sizeof b);
        printf("  %-14s %5u %12s %12s %6.2fx\n",
               tpt_layer_name(layer, name, sizeof name), lods, a, b,
               stored ? (double)raw / (double)stored : 0.0);
    }
}

static json_t *bake_json(const char *path, const tp_bake_options *o, const tp_bake_stats *s)
{
    json_t *layers = json_array();
    for (uint32_t layer = 0; layer < TP_MAX_LAYERS; layer++) {
        for (uint32_t lod = 0; lod < TP_MAX_LODS; lod++) {
            const tp_bake_layer_stats *ls = &s->layers[layer][lod];
            if (!ls->blobs)
                continue;
            char name[32];
            json_array_append_new(layers,
                                  json_pack("{s:s, s:i, s:o, s:o, s:o}",
                                            "layer", tpt_layer_name(layer, name, sizeof name),
                                            "lod", (int)lod,
                                            "blobs", tpt_json_u64(ls->blobs),
                                            "stored_bytes", tpt_json_u64(ls->stored_bytes),
                                            "raw_bytes", tpt_json_u64(ls->raw_bytes)));
        }
    }
    json_t *shard = o->shard_count ? json_pack("{s:i, s:i}", "index", (int)o->shard_index,
                                               "count", (int)o->shard_count)
                                   : json_null();
    json_t *reuse = json_null();
    if (o->reuse_path)
        reuse = json_pack("{s:o, s:o, s:o, s:o, s:o}", "file", tpt_json_text(o->reuse_path),
                          "chunks_reused", tpt_json_u64(s->chunks_reused),
                          "chunks_generated", tpt_json_u64(s->chunks - s->chunks_reused),
                          "chunks_rejected", tpt_json_u64(s->chunks_rejected),
                          "note", s->reuse_note[0] ? tpt_json_text(s->reuse_note)
                                                   : json_null());
    return json_pack("{s:o, s:o, s:o, s:o, s:o, s:i, s:o, s:o, s:o, s:o, s:o}",
                     "file", tpt_json_text(path),
                     "shard", shard,
                     "reuse", reuse,
                     "chunks", tpt_json_u64(s->chunks),
                     "file_bytes", tpt_json_u64(s->file_bytes),
                     "threads", (int)s->threads,
                     "seconds", tpt_json_real(s->seconds, 3),
                     "generate_seconds", tpt_json_real(s->generate_seconds, 3),
                     "mesh_seconds", tpt_json_real(s->mesh_seconds, 3),
                     "encode_seconds", tpt_json_real(s->encode_seconds, 3),
                     "layers", layers);
}

/* ---- the command ------------------------------------------------------------------- */

typedef struct bake_args {
    tp_bake_options options; /* the world, threads, level, flags (region and progress
                                are filled in before the bake) */
    tpt_region region;
    const char *path;
    const char *world_path; /* --world, or NULL */
    const char *depfile;    /* --depfile, or NULL */
    bool quiet, json;
} bake_args;

/* Handles one option. @return false when its value was wrong (already reported). */
static bool take_option(tpt_cli *cli, int id, const char *value, bake_args *a)
{
    int64_t number;
    tp_bake_options *o = &a->options;
    switch (id) {
    case OPT_OUTPUT: a->path = value; return true;
    case OPT_SEED: return tpt_cli_seed(cli, value, &o->world.seed);
    case OPT_REGION: return tpt_cli_region(cli, value, &a->region);
    case OPT_SAMPLES:
        if (!tpt_cli_int(cli, value, TP_WORLD_MIN_SAMPLES_PER_EDGE,
                         TP_WORLD_MAX_SAMPLES_PER_EDGE, &number))
            return false;
        if (((number - 1) & (number - 2)) != 0) {
            tpt_cli_error(cli, "--samples: %lld is not 2^n + 1 (9, 17, 33, 65, 129, 257, 513 "
                               "or 1025)", (long long)number);
            return false;
        }
        o->world.samples_per_edge = (uint32_t)number;
        return true;
    case OPT_THREADS:
        if (!tpt_cli_int(cli, value, 0, 1024, &number))
            return false;
        o->threads = (uint32_t)number;
        return true;
    case OPT_LEVEL:
        if (!tpt_cli_int(cli, value, TPT_MIN_COMPRESSION_LEVEL, TP_MAX_COMPRESSION_LEVEL,
                         &number))
            return false;
        o->compression_level = (int)number;
        return true;
    case OPT_QUIET: a->quiet = true; return true;
    case OPT_JSON: a->json = true; return true;
    case OPT_NO_MESHES: o->flags |= TP_BAKE_NO_MESHES; return true;
    case OPT_REUSE:
        if (!*value) {
            tpt_cli_error(cli, "--reuse: empty file name");
            return false;
        }
        o->reuse_path = value;
        return true;
    case OPT_DEPFILE:
        if (!*value) {
            tpt_cli_error(cli, "--depfile: empty file name");
            return false;
        }
        a->depfile = value;
        return true;
    case OPT_SHARD: {
        unsigned index, count;
        char end;
        if (sscanf(value, "%u/%u%c", &index, &count, &end) != 2 || count == 0 ||
            count > TP_SHARD_MAX_COUNT || index >= count) {
            tpt_cli_error(cli, "--shard: '%s' is not I/N with 0 <= I < N <= %u", value,
                          TP_SHARD_MAX_COUNT);
            return false;
        }
        o->shard_index = index;
        o->shard_count = count;
        return true;
    }
    default: return true; /* --world was taken first (parse_options) */
    }
}

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, bake_args *a)
{
    static const tpt_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"output", 'o', true, OPT_OUTPUT},
        {"seed", 's', true, OPT_SEED},
        {"region", 0, true, OPT_REGION},
        {"samples", 0, true, OPT_SAMPLES},
        {"threads", 'j', true, OPT_THREADS},
        {"level", 0, true, OPT_LEVEL},
        {"quiet", 'q', false, OPT_QUIET},
        {"json", 0, false, OPT_JSON},
        {"no-meshes", 0, false, OPT_NO_MESHES},
        {"world", 'w', true, OPT_WORLD},
        {"shard", 0, true, OPT_SHARD},
        {"reuse", 0, true, OPT_REUSE},
        {"depfile", 0, true, OPT_DEPFILE},
        {0},
    };
    /* The world file first: the other options override what it says. */
    const char *world_path;
    bool help;
    if (!tpt_cli_prescan(COMMAND, argc, argv, options, OPT_WORLD, OPT_HELP, &world_path,
                         &help))
        return TPT_EXIT_USAGE;
    tpt_world_file wf;
    tpt_world_file_defaults(&wf);
    if (world_path && !help && !tpt_world_file_load_or_report(COMMAND, world_path, &wf))
        return TPT_EXIT_FAILURE;
    *a = (bake_args){.region = wf.region, .path = "world.tpk", .world_path = world_path};
    a->options.world = wf.world;
    a->options.compression_level = wf.compression_level;
    a->options.flags = wf.meshes ? 0u : TP_BAKE_NO_MESHES;
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    const char *value;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        if (id == TPT_CLI_ERROR)
            return TPT_EXIT_USAGE;
        if (id == TPT_CLI_POSITIONAL)
            return tpt_cli_error(&cli, "unexpected argument '%s' (the output is -o FILE)",
                                 value);
        if (id == OPT_HELP)
            help = true;
        else if (!take_option(&cli, id, value, a))
            return TPT_EXIT_USAGE;
    }
    if (help) {
        print_help();
        return TPT_EXIT_OK;
    }
    if (!*a->path)
        return tpt_cli_error(&cli, "--output: empty file name");
    return TPT_CLI_PROCEED;
}

/* Writes `name` into a depfile, escaped as Make and Ninja read it: a space, '#' and
 * '\\' before them take a backslash, '$' is doubled. */
static void depfile_name(FILE *out, const char *name)
{
    for (const char *c = name; *c; c++) {
        if (*c == ' ' || *c == '#' || *c == '\\')
            fputc('\\', out);
        else if (*c == '$')
            fputc('$', out);
        fputc(*c, out);
    }
}

/* Writes the depfile of a finished bake: "OUTPUT: WORLD_FILE" (no prerequisite without a
 * world file), through a temporary renamed into place, only over a regular file.
 * @return true, or false after reporting why. */
static bool write_depfile(const bake_args *a)
{
    tp_output_file file;
    FILE *out = NULL;
    if (tp_output_open(a->depfile, &file) != TP_OK ||
        !(out = tp_output_stream(&file))) {
        if (!out)
            tp_output_discard(&file);
        fprintf(stderr, "%s: --depfile: %s\n", COMMAND, tp_error_detail());
        return false;
    }
    depfile_name(out, a->path);
    fputc(':', out);
    if (a->world_path) {
        fputc(' ', out);
        depfile_name(out, a->world_path);
    }
    fputc('\n', out);
    if (ferror(out)) {
        tp_output_discard(&file);
        fprintf(stderr, "%s: --depfile %s: write failed\n", COMMAND, a->depfile);
        return false;
    }
    if (tp_output_commit(&file) != TP_OK) {
        fprintf(stderr, "%s: --depfile: %s\n", COMMAND, tp_error_detail());
        return false;
    }
    return true;
}

int tpt_cmd_bake_read(int argc, char **argv, tpt_bake_line *out)
{
    bake_args a;
    int status = parse_options(argc, argv, &a);
    if (status == TPT_CLI_PROCEED)
        *out = (tpt_bake_line){.path = a.path, .quiet = a.quiet, .json = a.json,
                               .sharded = a.options.shard_count != 0};
    return status;
}

/* The bake, with SIGINT and SIGTERM turned into a request to stop (see the top). */
static tp_result bake_interruptibly(bake_args *a, tp_bake_stats *stats)
{
    tp_bake_options *o = &a->options;
    o->region_x0 = a->region.x0;
    o->region_z0 = a->region.z0;
    o->region_width = (uint32_t)tpt_region_width(&a->region);
    o->region_height = (uint32_t)tpt_region_height(&a->region);
    bake_progress progress;
    uint64_t chunks = (uint64_t)o->region_width * o->region_height;
    tp_shard_range share;
    if (o->shard_count && tp_shard_range_of(o->region_width, o->region_height, o->shard_index,
                                            o->shard_count, &share) == TP_OK)
        chunks = share.chunk_count;
    tpt_progress_begin(&progress.bar, "baking", "chunks", chunks,
                       a->quiet ? TPT_PROGRESS_QUIET : TPT_PROGRESS_AUTO, stderr);
    o->progress = report_progress;
    o->progress_user = &progress;

    struct sigaction action, old_int, old_term;
    memset(&action, 0, sizeof action);
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    g_interrupted = 0;
    sigaction(SIGINT, &action, &old_int);
    sigaction(SIGTERM, &action, &old_term);
    tpt_pagefile_clear_detail();
    tp_result res = tp_bake(a->path, o, stats);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    tpt_progress_abandon(&progress.bar);
    o->progress = NULL;
    o->progress_user = NULL;
    return res;
}

int tpt_cmd_bake(int argc, char **argv)
{
    bake_args a;
    int status = parse_options(argc, argv, &a);
    if (status != TPT_CLI_PROCEED)
        return status;
    /* Before the progress bar and the first chunk: a path that cannot take the file. */
    tpt_pagefile_clear_detail();
    tp_result res = tp_writer_check_output(a.path);
    if (res != TP_OK) {
        print_failure(res, a.path);
        return TPT_EXIT_FAILURE;
    }
    /* An earlier bake that is there but unreadable fails now, naming it (the baker
     * checks again: the file may change in between). A missing one is a full bake. */
    struct stat old_stat;
    if (a.options.reuse_path && !(stat(a.options.reuse_path, &old_stat) != 0 &&
                                  errno == ENOENT)) {
        tp_reader *old = NULL;
        tpt_pagefile_clear_detail();
        res = tp_reader_open(a.options.reuse_path, NULL, &old);
        tp_reader_close(old);
        if (res != TP_OK) {
            print_failure(res, a.options.reuse_path);
            return TPT_EXIT_FAILURE;
        }
    }
    if (a.depfile && tp_output_check(a.depfile, NULL) != TP_OK) {
        fprintf(stderr, "%s: --depfile: %s\n", COMMAND, tp_error_detail());
        return TPT_EXIT_FAILURE;
    }
    tp_bake_stats stats;
    res = bake_interruptibly(&a, &stats);
    if (res == TP_ERR_CANCELLED) {
        fprintf(stderr, "%s: interrupted; %s was not written (any previous file is "
                        "unchanged)\n", COMMAND, a.path);
        return TPT_EXIT_FAILURE;
    }
    if (res != TP_OK) {
        print_failure(res, a.path);
        return TPT_EXIT_FAILURE;
    }
    status = TPT_EXIT_OK;
    if (a.json && !tpt_json_write(stdout, bake_json(a.path, &a.options, &stats), TPT_JSON_LINES)) {
        fprintf(stderr, "%s: could not write the JSON report\n", COMMAND);
        status = TPT_EXIT_FAILURE;
    } else if (!a.json && !a.quiet) {
        print_summary(a.path, &stats, a.options.shard_count != 0,
                      a.options.reuse_path != NULL);
    }
    if (a.depfile && !write_depfile(&a))
        status = TPT_EXIT_FAILURE;
    if (g_interrupted) {
        fprintf(stderr, "%s: interrupted after the file was complete; %s is whole\n", COMMAND,
                a.path);
        return TPT_EXIT_FAILURE;
    }
    return status;
}
