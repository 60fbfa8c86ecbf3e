/* soak_report.h — a soak run as reported: the figures beside the summary (the streamer's
 * statistics, CPU, context switches), written as the readable table, the aims, the
 * side-by-side comparison, JSON and a per-tick CSV.
 *
 *   tpt_soak_print_report(stdout, &report);
 *   tpt_json_write(stdout, tpt_soak_report_json(&report), TPT_JSON_ONE_LINE);
 *
 * Thread rules: plain data, one thread.
 */
#ifndef TPT_SOAK_REPORT_H
#define TPT_SOAK_REPORT_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "soak_camera.h"
#include "soak_metrics.h"
#include "terrapage/runtime.h"

/* One soak run, as reported. */
typedef struct tpt_soak_report {
    const char *source;        /* "file" or "generate" */
    const char *file;          /* the page file, or NULL */
    const char *world_file;    /* the world file of a generate run (--world), or NULL */
    const char *profile;       /* a profile name, or the CSV path */
    uint64_t seed;
    double hz;
    uint32_t view_distance;
    uint32_t view_chunks;
    bool paced;
    bool pinned;               /* --pin: game thread on CPU 0, workers elsewhere */
    const char *io;            /* how the file was read: "pread" or "mmap" (NULL without
                                  a file) */
    const char *lod_selector;  /* "bands" or "sse" */
    double camera_height_m;    /* above the drawn ground */
    double sse_px;             /* the tolerance (with "sse") */
    double error_px_p50;       /* projected error of the chunks drawn in view, over every */
    double error_px_p99;       /*   tick's checks, to 0.01 px; INFINITY: camera inside */
    tpt_soak_summary summary;
    tp_streamer_stats stats;   /* the streamer's own statistics at the end */
    double wall_s;             /* the whole run, pacing included */
    double process_cpu_s;      /* user + system CPU of the process during the run */
    double game_cpu_s;         /* … of the thread driving the streamer */
    double worker_cpu_s;       /* the difference: the streamer's worker threads */
    double worker_cpu_us_per_page_in;
    uint64_t peak_rss_kib;     /* getrusage() ru_maxrss of the whole process so far */
    uint64_t worker_page_faults;   /* page faults of the process during the run, less the
                                      game thread's: the workers' (first touch of fresh
                                      memory and of the mapping) */
    uint64_t voluntary_switches;   /* context switches of the process during the run: */
    uint64_t involuntary_switches; /*   waits (wake-ups) and preemptions */
} tpt_soak_report;

/*! tpt_soak_report_json() :
 *  One report as a new JSON object. Keys include ticks, update_ms {avg, p50, p99, max},
 *  hitches, missing_chunk_checks, lod_deficit_checks, budget_bytes, resident_bytes_peak,
 *  ticks_over_budget, memory_delta_pct, page_ins, fallbacks, checksum_failures, the
 *  last-100 variants, teleport recovery, RSS, CPU. @return NULL when out of memory. */
json_t *tpt_soak_report_json(const tpt_soak_report *r);

/*! tpt_soak_compare_json() :
 *  {"file": …, "generate": …, "ratios": {…}} for a --compare run: two reports of the
 *  same camera, the baked file's first. @return a new object, NULL when out of memory. */
json_t *tpt_soak_compare_json(const tpt_soak_report *file, const tpt_soak_report *gen);

/*! tpt_soak_print_report() : the readable table of one run (what `terrapage soak` prints). */
void tpt_soak_print_report(FILE *out, const tpt_soak_report *r);

/*! tpt_soak_print_aims() : for the profiles that have aims (reference; vehicle and flight),
 *  one line per aim, met or MISSED; nothing for the others. */
void tpt_soak_print_aims(FILE *out, tpt_soak_profile profile, const tpt_soak_report *r);

/*! tpt_soak_print_compare() : the two runs of --compare side by side, with ratios. */
void tpt_soak_print_compare(FILE *out, const tpt_soak_report *file, const tpt_soak_report *gen);

/*! tpt_soak_write_ticks_csv() :
 *  Writes one CSV row per tick (header first): tick, camera, move, the timed region and
 *  its parts in ms, context switches, missing and deficit checks, memory. For analysis
 *  beyond the summary. @return false on a write error (errno set). */
bool tpt_soak_write_ticks_csv(FILE *out, const tpt_soak_tick *ticks, size_t n);

#endif /* TPT_SOAK_REPORT_H */
