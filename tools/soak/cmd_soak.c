/* cmd_soak.c — `terrapage soak`: drives the runtime streamer with a seeded camera, tick
 * by tick in real time, and measures what a game would see: the cost of the per-frame
 * call, holes and coarse chunks in the view, memory against the budget.
 *
 * This file reads the command line, runs one source or both (--compare, same seed, side
 * by side) through soak_run.c, and writes what was asked for: the table, JSON, CSV and
 * the pictures (soak_plot.c, soak_map.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_options.h"
#include "json_out.h"
#include "soak.h"
#include "soak_camera.h"
#include "soak_canvas.h"
#include "soak_map.h"
#include "soak_plot.h"
#include "soak_report.h"
#include "soak_run.h"
#include "world_file.h"
#include "terrapage/output_file.h"

enum {
    OPT_HELP = 1,
    OPT_PROFILE,
    OPT_PATH,
    OPT_TICKS,
    OPT_SEED,
    OPT_VIEW,
    OPT_BUDGET,
    OPT_THREADS,
    OPT_SOURCE,
    OPT_COMPARE,
    OPT_JSON,
    OPT_PLOT,
    OPT_MAP,
    OPT_NO_PACE,
    OPT_HZ,
    OPT_HITCH,
    OPT_QUIET,
    OPT_CSV,
    OPT_PIN,
    OPT_MMAP,
    OPT_WORLD,
    OPT_LOD,
    OPT_HEIGHT,
    OPT_FOV,
    OPT_SSE_PX,
};

#define COMMAND "terrapage soak"
#define DEFAULT_TICKS 1024u
#define MAX_TICKS 100000000

/* ---- command line -------------------------------------------------------------------- */

static void print_help(void)
{
    printf("usage: terrapage soak [WORLD.tpk] [options]\n"
           "\n"
           "Streams a page file around a seeded moving camera, one tick at a time in real\n"
           "time, and measures what a game would see: the cost of the per-frame update\n"
           "(the update call plus a scan of the view square), chunks of the view with no\n"
           "LOD at all (missing) or coarser than wanted (LOD deficit: by the distance\n"
           "bands, or with --lod sse by the streamer's own screen-space error rule), the\n"
           "projected error of what is drawn (p50/p99 px),\n"
           "recovery after teleports, and memory against the streamer's budget.\n"
           "\n"
           "Camera:\n"
           "  -p, --profile NAME    reference (default), walk, sprint, vehicle, flight or\n"
           "                        teleport:\n"
           "                          reference  the original soak test: each tick walks at\n"
           "                                     5 m/s (70%%), sprints at 15 m/s (25%%) or\n"
           "                                     jumps by up to 500 m on x and z (5%%); the\n"
           "                                     heading turns at random on 10%% of ticks\n"
           "                          walk, sprint  5 or 15 m/s, occasional turns\n"
           "                          vehicle    60 m/s towards random waypoints\n"
           "                          flight     300 m/s, long straight legs\n"
           "                          teleport   walks, and jumps every 64 ticks\n"
           "                        every camera starts at (128, 128) m; all but reference\n"
           "                        stay within %.0f km of it\n"
           "      --path FILE.csv   replay a recorded path instead: a header line, then\n"
           "                        t_s,x,z rows (seconds, metres), linearly interpolated\n"
           "  -t, --ticks N         ticks to run (default: %u, or the path's duration)\n"
           "  -s, --seed N          camera seed (default: 1)\n"
           "      --hz N            ticks per second (default: 60)\n"
           "      --no-pace         run ticks back to back instead of in real time (the\n"
           "                        workers then get almost no time: for tests)\n"
           "\n"
           "Streamer:\n"
           "      --view N          view distance in chunks: the (2N+1)^2 square (default: 8)\n"
           "      --budget-mb N     decoded-memory budget in MiB (default: the streamer's,\n"
           "                        64 MiB)\n"
           "  -j, --threads N       worker threads (default: the streamer's, cores - 1)\n"
           "      --source S        file (default) or generate: no page file, every chunk\n"
           "                        generated on demand by the workers, as the engine\n"
           "                        terrapage replaces did (uses WORLD.tpk's world if given)\n"
           "  -w, --world FILE      with --source generate: the world file's world (YAML, see\n"
           "                        'terrapage init') instead of the default one\n"
           "      --compare         run file, then generate, same camera; side by side,\n"
           "                        then the page-in benchmark on the same file\n"
           "      --lod S           how the streamer picks LODs: bands (default: distance\n"
           "                        bands 256/512/1024 m) or sse (screen-space error: the\n"
           "                        coarsest LOD whose recorded error, seen from the 3-D\n"
           "                        camera on a 1080-pixel-high viewport, is within\n"
           "                        --sse-px)\n"
           "      --sse-px N        screen-space error tolerance in pixels (default: 2)\n"
           "      --fov DEG         vertical field of view in degrees (default: 60)\n"
           "      --camera-height M the camera's height above the drawn ground under it,\n"
           "                        in metres (default: 2; 150 for a flight)\n"
           "      --hitch-ms N      a tick slower than this is a hitch (default: 2)\n"
           "      --pin             keep the game thread on CPU 0 and the streamer's\n"
           "                        workers off it (Linux; needs 2 CPUs), as games pin\n"
           "                        their main thread: shows what the workers' wake-ups\n"
           "                        cost the game thread when they share a CPU\n"
           "      --mmap            the streamer maps the file (TP_STREAMER_MMAP) instead of\n"
           "                        reading it with pread, its default: to compare the two;\n"
           "                        the file must then not shrink while the soak runs\n"
           "\n"
           "Output:\n"
           "      --json FILE       write the figures as JSON (- for stdout, no table)\n"
           "      --plot FILE.png   timeline: update cost, missing and deficit checks,\n"
           "                        resident MiB per tick\n"
           "      --map FILE.png    top-down map: chunks coloured by the LOD they last had\n"
           "                        in view, camera path over them\n"
           "      --csv FILE        one row per tick: camera, costs, context switches,\n"
           "                        missing and deficit checks, memory\n"
           "                        (with --compare the generate run's pictures and CSV\n"
           "                        get a '-generate' suffix)\n"
           "  -q, --quiet           no table\n"
           "  -h, --help            show this help\n"
           "\n"
           "Aims on a 2-core machine (reference profile): update p99 <= 0.25 ms, max <= 1 ms,\n"
           "no hitches, no missing chunk-checks, resident within budget on every tick.\n"
           "\n"
           "Examples:\n"
           "  terrapage soak world.tpk\n"
           "  terrapage soak world.tpk --profile flight --json flight.json\n"
           "  terrapage soak world.tpk --plot soak.png --map soak-map.png\n"
           "  terrapage soak world.tpk --compare\n"
           "  terrapage soak world.tpk --profile flight --lod sse --camera-height 150\n",
           TPT_SOAK_AREA_M / 1000.0, DEFAULT_TICKS);
}

/* What the option walk saw, beyond the configuration itself. */
typedef struct seen {
    const char *path_file;
    const char *world_file;
    bool profile, ticks, source, help;
} seen;

/* Handles one option. @return false when its value was wrong (already reported). */
static bool take_option(tpt_cli *cli, int id, const char *value, tpt_soak_config *cfg,
                        seen *saw)
{
    int64_t n;
    double d;
    int choice;
    switch (id) {
    case OPT_HELP: saw->help = true; return true;
    case OPT_PROFILE:
        if (!tpt_cli_choice(cli, value, tpt_soak_profile_names, &choice))
            return false;
        cfg->profile = (tpt_soak_profile)choice;
        saw->profile = true;
        return true;
    case OPT_PATH: saw->path_file = value; return true;
    case OPT_WORLD: saw->world_file = value; return true;
    case OPT_TICKS:
        if (!tpt_cli_int(cli, value, 1, MAX_TICKS, &n))
            return false;
        cfg->ticks = (uint64_t)n;
        saw->ticks = true;
        return true;
    case OPT_SEED: return tpt_cli_seed(cli, value, &cfg->seed);
    case OPT_VIEW:
        if (!tpt_cli_int(cli, value, 1, 64, &n))
            return false;
        cfg->view = (uint32_t)n;
        return true;
    case OPT_BUDGET:
        if (!tpt_cli_double(cli, value, 0.001, 1048576.0, &d))
            return false;
        cfg->budget_bytes = (uint64_t)(d * 1048576.0);
        return true;
    case OPT_THREADS:
        if (!tpt_cli_int(cli, value, 1, 256, &n))
            return false;
        cfg->threads = (uint32_t)n;
        return true;
    case OPT_SOURCE:
        saw->source = true;
        return tpt_cli_choice(cli, value, tpt_soak_source_names, &cfg->source);
    case OPT_COMPARE: cfg->compare = true; return true;
    case OPT_JSON: cfg->json = value; return true;
    case OPT_PLOT: cfg->plot = value; return true;
    case OPT_MAP: cfg->map = value; return true;
    case OPT_CSV: cfg->csv = value; return true;
    case OPT_PIN: cfg->pin = true; return true;
    case OPT_MMAP: cfg->mapped = true; return true;
    case OPT_NO_PACE: cfg->pace = false; return true;
    case OPT_HZ: return tpt_cli_double(cli, value, 1.0, 1000.0, &cfg->hz);
    case OPT_HITCH: return tpt_cli_double(cli, value, 0.001, 10000.0, &cfg->hitch_ms);
    case OPT_QUIET: cfg->quiet = true; return true;
    case OPT_LOD: return tpt_cli_choice(cli, value, tpt_soak_lod_names, &cfg->lod_selector);
    case OPT_HEIGHT: return tpt_cli_double(cli, value, 0.0, 100000.0, &cfg->camera_height_m);
    case OPT_FOV: return tpt_cli_double(cli, value, 1.0, 179.0, &cfg->fov_deg);
    case OPT_SSE_PX: return tpt_cli_double(cli, value, 0.01, 10000.0, &cfg->sse_px);
    default: return true;
    }
}

/* Options that exclude or need each other, and empty output names. @return
 * TPT_CLI_PROCEED or TPT_EXIT_USAGE (reported). */
static int check_combination(const tpt_cli *cli, const tpt_soak_config *cfg, const seen *saw)
{
    if (saw->path_file && saw->profile)
        return tpt_cli_error(cli, "--path and --profile exclude each other (a path is "
                                  "its own camera)");
    if (cfg->compare && saw->source)
        return tpt_cli_error(cli, "--compare runs both sources; drop --source");
    if (saw->world_file && (cfg->compare || cfg->source != TPT_SOAK_SOURCE_GENERATE))
        return tpt_cli_error(cli, "--world is the world of --source generate (a page file "
                                  "holds its own world)");
    if (saw->world_file && cfg->file)
        return tpt_cli_error(cli, "give a page file or --world, not both (the page file "
                                  "holds its own world)");
    if ((cfg->compare || cfg->source == TPT_SOAK_SOURCE_FILE) && !cfg->file)
        return tpt_cli_error(cli,
                             "no page file given (terrapage soak WORLD.tpk; bake one "
                             "with 'terrapage bake'%s)",
                             cfg->compare ? "" : ", or use --source generate");
    const char *outputs[] = {cfg->json, cfg->plot, cfg->map, cfg->csv};
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++)
        if (outputs[i] && !*outputs[i])
            return tpt_cli_error(cli, "an output file name is empty");
    return TPT_CLI_PROCEED;
}

/* Loads --path as the camera; without --ticks the run lasts as long as the path.
 * @return TPT_CLI_PROCEED or TPT_EXIT_USAGE (reported). */
static int load_path(const tpt_cli *cli, const char *path_file, bool ticks_given,
                     tpt_soak_config *cfg)
{
    char err[512];
    if (!tpt_soak_path_load(path_file, &cfg->path, err, sizeof err)) {
        fprintf(stderr, "%s: --path: %s\n", COMMAND, err);
        fprintf(stderr, "Run '%s --help' for usage.\n", COMMAND);
        return TPT_EXIT_USAGE;
    }
    cfg->profile = TPT_SOAK_PATH;
    cfg->profile_label = path_file;
    if (ticks_given)
        return TPT_CLI_PROCEED;
    const double duration = tpt_soak_path_duration(&cfg->path);
    const double t = floor(duration * cfg->hz) + 1.0;
    if (t > (double)MAX_TICKS)
        return tpt_cli_error(cli, "--path: %s lasts %g s, over 10^8 ticks at %g Hz; give --ticks",
                             path_file, duration, cfg->hz);
    cfg->ticks = t < 1.0 ? 1u : (uint64_t)t;
    return TPT_CLI_PROCEED;
}

/* @return TPT_CLI_PROCEED with *cfg filled (its path freed by the caller either way), or
 * the status to exit with. */
static int parse_options(int argc, char **argv, tpt_soak_config *cfg)
{
    static const tpt_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},       {"profile", 'p', true, OPT_PROFILE},
        {"path", 0, true, OPT_PATH},          {"ticks", 't', true, OPT_TICKS},
        {"seed", 's', true, OPT_SEED},        {"view", 0, true, OPT_VIEW},
        {"budget-mb", 0, true, OPT_BUDGET},   {"threads", 'j', true, OPT_THREADS},
        {"source", 0, true, OPT_SOURCE},      {"compare", 0, false, OPT_COMPARE},
        {"json", 0, true, OPT_JSON},          {"plot", 0, true, OPT_PLOT},
        {"map", 0, true, OPT_MAP},            {"no-pace", 0, false, OPT_NO_PACE},
        {"hz", 0, true, OPT_HZ},              {"hitch-ms", 0, true, OPT_HITCH},
        {"quiet", 'q', false, OPT_QUIET},     {"csv", 0, true, OPT_CSV},
        {"pin", 0, false, OPT_PIN},           {"mmap", 0, false, OPT_MMAP},
        {"world", 'w', true, OPT_WORLD},      {"lod", 0, true, OPT_LOD},
        {"camera-height", 0, true, OPT_HEIGHT}, {"fov", 0, true, OPT_FOV},
        {"sse-px", 0, true, OPT_SSE_PX},
        {0},
    };
    *cfg = (tpt_soak_config){.profile = TPT_SOAK_REFERENCE, .ticks = DEFAULT_TICKS, .seed = 1,
                             .view = 8, .hz = 60.0, .hitch_ms = 2.0, .pace = true,
                             .camera_height_m = 2.0, .fov_deg = 60.0, .sse_px = 2.0};
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    seen saw = {0};
    const char *value;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        if (id == TPT_CLI_ERROR)
            return TPT_EXIT_USAGE;
        if (id == TPT_CLI_POSITIONAL) {
            if (cfg->file)
                return tpt_cli_error(&cli, "unexpected argument '%s' (one page file only)",
                                     value);
            cfg->file = value;
        } else if (!take_option(&cli, id, value, cfg, &saw)) {
            return TPT_EXIT_USAGE;
        }
    }
    if (saw.help) {
        print_help();
        return TPT_EXIT_OK;
    }
    int status = check_combination(&cli, cfg, &saw);
    if (status != TPT_CLI_PROCEED)
        return status;
    if (saw.world_file) {
        tpt_world_file wf;
        if (!tpt_world_file_load_or_report(COMMAND, saw.world_file, &wf))
            return TPT_EXIT_FAILURE;
        cfg->world = wf.world;
        cfg->world_file = saw.world_file;
    }
    if (saw.path_file)
        return load_path(&cli, saw.path_file, saw.ticks, cfg);
    cfg->profile_label = tpt_soak_profile_names[cfg->profile];
    return TPT_CLI_PROCEED;
}

/* ---- output ------------------------------------------------------------------------- */

/* Files are written as every terrapage output is (terrapage/output_file.h): through a
 * temporary file renamed into place, only over a regular file. */
static FILE *open_output(const char *path, tp_output_file *file)
{
    FILE *out = NULL;
    if (tp_output_open(path, file) != TP_OK)
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
    else if (!(out = tp_output_stream(file))) {
        fprintf(stderr, "%s: %s: %s\n", COMMAND, path, strerror(errno));
        tp_output_discard(file);
    }
    return out;
}

/* Commits what open_output() opened if `written` (else removes it, saying that `what`
 * could not be written). @return success. */
static bool close_output(const char *path, tp_output_file *file, bool written,
                         const char *what)
{
    if (!written) {
        if (errno)
            fprintf(stderr, "%s: %s: could not write the %s: %s\n", COMMAND, path, what,
                    strerror(errno));
        else
            fprintf(stderr, "%s: %s: could not write the %s\n", COMMAND, path, what);
        tp_output_discard(file);
        return false;
    }
    if (tp_output_commit(file) != TP_OK) {
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
        return false;
    }
    return true;
}

static bool write_json(const char *path, const tpt_soak_run *runs, int count)
{
    json_t *report = count == 1 ? tpt_soak_report_json(&runs[0].report)
                                : tpt_soak_compare_json(&runs[0].report, &runs[1].report);
    if (strcmp(path, "-") == 0) {
        bool ok = tpt_json_write(stdout, report, TPT_JSON_ONE_LINE);
        fflush(stdout);
        if (!ok)
            fprintf(stderr, "%s: %s: could not write the JSON report\n", COMMAND, path);
        return ok;
    }
    tp_output_file file;
    FILE *out = open_output(path, &file);
    if (!out) {
        json_decref(report);
        return false;
    }
    errno = 0;
    return close_output(path, &file, tpt_json_write(out, report, TPT_JSON_ONE_LINE),
                        "JSON report");
}

/* "soak.png" → "soak-generate.png" for the second run of --compare. */
static void suffixed(const char *path, const char *suffix, char *buf, size_t size)
{
    const char *dot = strrchr(path, '.');
    const char *slash = strrchr(path, '/');
    if (!dot || (slash && dot < slash))
        dot = path + strlen(path);
    snprintf(buf, size, "%.*s-%s%s", (int)(dot - path), path, suffix, dot);
}


/* The path of an output: as given, or with the second --compare run's suffix. */
static const char *output_path(const char *path, const char *suffix, char *buf, size_t size)
{
    if (!suffix)
        return path;
    suffixed(path, suffix, buf, size);
    return buf;
}

static bool write_csv(const char *path, const tpt_soak_run *run)
{
    tp_output_file file;
    FILE *f = open_output(path, &file);
    if (!f)
        return false;
    errno = 0;
    bool written = tpt_soak_write_ticks_csv(f, run->rec.ticks, run->rec.count);
    return close_output(path, &file, written, "CSV table");
}

/* Before the soak runs: every output path must be able to take its file (a regular file
 * or a new name, in a writable directory). @return false after printing the problem. */
static bool check_outputs(const tpt_soak_config *cfg)
{
    const char *paths[] = {cfg->csv, cfg->plot, cfg->map};
    char buf[4096];
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        for (int run = 0; paths[i] && run < (cfg->compare ? 2 : 1); run++)
            if (tp_output_check(output_path(paths[i], run ? "generate" : NULL, buf,
                                            sizeof buf), NULL) != TP_OK) {
                fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
                return false;
            }
    if (cfg->json && strcmp(cfg->json, "-") != 0 && tp_output_check(cfg->json, NULL) != TP_OK) {
        fprintf(stderr, "%s: %s\n", COMMAND, tp_error_detail());
        return false;
    }
    return true;
}

/* Writes the CSV and the pictures asked for; `suffix` names the second --compare run.
 * @return false when one could not be written (each failure reported). */
static bool write_outputs(const tpt_soak_config *cfg, const tpt_soak_run *run,
                          const char *suffix)
{
    char err[768], buf[4096];
    bool ok = true;
    /* Where the pictures went, unless the table is off or stdout carries the JSON. */
    const bool tell = !cfg->quiet && strcmp(cfg->json ? cfg->json : "", "-") != 0;
    if (cfg->csv)
        ok = write_csv(output_path(cfg->csv, suffix, buf, sizeof buf), run) && ok;
    if (cfg->plot) {
        const char *path = output_path(cfg->plot, suffix, buf, sizeof buf);
        if (tpt_soak_plot_write(path, run->rec.ticks, run->rec.count, &run->report.summary,
                                run->label, err, sizeof err) != TP_OK) {
            fprintf(stderr, "%s: %s\n", COMMAND, err);
            ok = false;
        } else if (tell) {
            printf("  timeline: %s\n", path);
        }
    }
    if (cfg->map && run->have_map) {
        const char *path = output_path(cfg->map, suffix, buf, sizeof buf);
        if (tpt_soak_map_write(path, &run->map, run->rec.ticks, run->rec.count, err,
                               sizeof err) != TP_OK) {
            fprintf(stderr, "%s: %s\n", COMMAND, err);
            ok = false;
        } else if (tell) {
            printf("  map: %s\n", path);
        }
    }
    return ok;
}

/* ---- the command ------------------------------------------------------------------- */

/* Runs each source in turn, printing its table and writing its outputs as it ends.
 * @return the exit status; *out_done counts the runs that finished (to free). */
static int run_sources(const tpt_soak_config *cfg, bool table, tpt_soak_run *runs,
                       int *out_done)
{
    const int count = cfg->compare ? 2 : 1;
    const int sources[2] = {cfg->compare ? TPT_SOAK_SOURCE_FILE : cfg->source,
                            TPT_SOAK_SOURCE_GENERATE};
    int status = TPT_EXIT_OK;
    *out_done = 0;
    for (int i = 0; i < count; i++) {
        status = tpt_soak_run_measure(cfg, sources[i], &runs[i]);
        if (status != TPT_EXIT_OK)
            break;
        ++*out_done;
        if (table) {
            tpt_soak_print_report(stdout, &runs[i].report);
            if (sources[i] == TPT_SOAK_SOURCE_FILE)
                tpt_soak_print_aims(stdout, cfg->profile, &runs[i].report);
        }
        if (!write_outputs(cfg, &runs[i], cfg->compare && i == 1 ? "generate" : NULL))
            status = TPT_EXIT_FAILURE;
        if (table && i + 1 < count)
            printf("\n");
        fflush(stdout);
    }
    return status;
}

int tpt_soak_command(int argc, char **argv, tpt_soak_followup after_compare)
{
    tpt_soak_config cfg;
    int status = parse_options(argc, argv, &cfg);
    if (status != TPT_CLI_PROCEED) {
        tpt_soak_path_free(&cfg.path);
        return status;
    }
    if (!check_outputs(&cfg)) {
        tpt_soak_path_free(&cfg.path);
        return TPT_EXIT_FAILURE;
    }
    const bool table = !cfg.quiet && !(cfg.json && strcmp(cfg.json, "-") == 0);
    const int count = cfg.compare ? 2 : 1;
    tpt_soak_run runs[2];
    int done;
    status = run_sources(&cfg, table, runs, &done);
    if (done == 2 && table) {
        printf("\ncompare, same camera and seed:\n");
        tpt_soak_print_compare(stdout, &runs[0].report, &runs[1].report);
        if (after_compare) {
            /* Per chunk and LOD, on the same chunks: what the caller runs on this file. */
            printf("\n");
            fflush(stdout);
            if (after_compare(cfg.file) != TPT_EXIT_OK)
                status = TPT_EXIT_FAILURE;
        }
    }
    if (done == count && cfg.json && !write_json(cfg.json, runs, count))
        status = TPT_EXIT_FAILURE;
    for (int i = 0; i < done; i++)
        tpt_soak_run_free(&runs[i]);
    tpt_soak_path_free(&cfg.path);
    if (cfg.plot || cfg.map)
        tpt_soak_canvas_release_caches();
    return status;
}

int tpt_cmd_soak(int argc, char **argv)
{
    return tpt_soak_command(argc, argv, NULL);
}
