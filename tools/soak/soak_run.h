/* soak_run.h — one measured soak run: a streamer (over the page file, or generating every
 * chunk) driven tick by tick by the seeded camera, and what a game would have seen.
 *
 *   tpt_soak_run run;
 *   if (tpt_soak_run_measure(&config, TPT_SOAK_SOURCE_FILE, &run) == TPT_EXIT_OK) {
 *       tpt_soak_print_report(stdout, &run.report);
 *       tpt_soak_run_free(&run);
 *   }
 *
 * The timed region of a tick is everything the game thread does for streaming:
 * tp_streamer_update() plus a scan of the view square asking tp_streamer_best_lod() of
 * each chunk. Recording, statistics, the map and the pacing sleep lie outside it.
 *
 * Thread rules: the calling thread drives the streamer (and, with `pin`, is pinned to
 * CPU 0 for the run); one run at a time per thread.
 */
#ifndef TPT_SOAK_RUN_H
#define TPT_SOAK_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "soak_camera.h"
#include "soak_map.h"
#include "soak_metrics.h"
#include "soak_report.h"
#include "terrapage/world.h"

/* Where the streamer's chunks come from. */
enum { TPT_SOAK_SOURCE_FILE = 0, TPT_SOAK_SOURCE_GENERATE = 1 };

/* "file", "generate", then NULL: indexed by the sources, usable with tpt_cli_choice(). */
extern const char *const tpt_soak_source_names[];

/* "bands", "sse", then NULL: indexed by tp_streamer_options.lod_selector. */
extern const char *const tpt_soak_lod_names[];

/* What `terrapage soak` was asked for (see its --help). */
typedef struct tpt_soak_config {
    const char *file;          /* the page file; NULL with --source generate alone */
    const char *world_file;    /* --world: the world file of --source generate, or NULL */
    tp_world_params world;     /* with world_file: its world */
    int source;                /* TPT_SOAK_SOURCE_*; --compare runs both */
    bool compare;
    tpt_soak_profile profile;
    const char *profile_label; /* the profile's name, or the path file's */
    tpt_soak_path path;        /* with TPT_SOAK_PATH */
    uint64_t ticks;
    uint64_t seed;
    uint32_t view;             /* view distance in chunks */
    uint64_t budget_bytes;     /* 0: the streamer's default */
    uint32_t threads;          /* 0: the streamer's default */
    double hz, hitch_ms;
    bool pace, quiet, pin;
    bool mapped;               /* --mmap: the streamer maps the file (TP_STREAMER_MMAP) */
    int lod_selector;          /* --lod: TP_STREAMER_LOD_BANDS or _SCREEN_ERROR */
    double camera_height_m;    /* --camera-height: above the drawn ground under the camera */
    double fov_deg;            /* --fov: vertical field of view */
    double sse_px;             /* --sse-px: the screen-space error tolerance */
    const char *json, *plot, *map, *csv; /* outputs, NULL when not asked for */
} tpt_soak_config;

/* One run's results. */
typedef struct tpt_soak_run {
    tpt_soak_report report;
    tpt_soak_recorder rec; /* every tick */
    tpt_soak_map map;      /* with config.map */
    bool have_map;
    char label[64];        /* "reference, file": the pictures' title */
} tpt_soak_run;

/*! tpt_soak_run_measure() :
 *  Runs the soak of `config` against `source` and summarises it into *out. Problems are
 *  printed ("terrapage soak: …"). @return TPT_EXIT_OK with *out to free with
 *  tpt_soak_run_free(), or TPT_EXIT_FAILURE with nothing to free. */
int tpt_soak_run_measure(const tpt_soak_config *config, int source, tpt_soak_run *out);

/*! tpt_soak_run_free() : frees what a run holds; accepts a zeroed run. */
void tpt_soak_run_free(tpt_soak_run *run);

#endif /* TPT_SOAK_RUN_H */
