/* soak_metrics.h — what `terrapage soak` records per tick and what it makes of it:
 * percentiles, the summary over all ticks and over the last 100 (the reference test's
 * window), teleport recovery, memory, the JSON report and the readable table.
 *
 *   tp_soak_recorder rec;
 *   tp_soak_recorder_init(&rec, ticks);                 // one allocation up front
 *   ... per tick: tp_soak_tick *t = tp_soak_recorder_push(&rec); t->update_ms = ...;
 *   tp_soak_summary sum;
 *   tp_soak_summarize(rec.ticks, rec.count, 2.0, budget_bytes, &sum);
 *   ... tp_soak_summary_free(&sum); tp_soak_recorder_free(&rec);
 *
 * Definitions (the same for every source and profile, so runs compare):
 *  - a check is one chunk of the view square on one tick;
 *  - a missing check: the chunk has no resident LOD at all (a chunk still loading is
 *    missing); a LOD-deficit check: resident, but coarser than its distance asks for;
 *  - a hitch: a tick whose timed region took more than the hitch threshold;
 *  - percentiles interpolate linearly between the two nearest ranks (p over n sorted
 *    values sits at rank p/100 · (n − 1)), so p50 of {1, 2, 3, 4} is 2.5;
 *  - ticks to full detail after a teleport (or after the cold start, tick 0): ticks from
 *    the jump to the first tick with neither missing nor deficit checks, 0 when the jump's
 *    own tick is already complete; −1 when the next jump or the end came first;
 *  - memory delta: 100 · (peak resident bytes over the last quarter of the ticks −
 *    resident bytes at the end) / resident bytes at the end. The reference test used it
 *    to catch memory that grows and is never given back. The same is computed over the
 *    bytes the budget counts (resident, in flight, pooled) and over the process's
 *    resident set (RSS) for comparison.
 */
#ifndef TP_TOOLS_SOAK_METRICS_H
#define TP_TOOLS_SOAK_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "soak_camera.h"
#include "terrapage/runtime.h"

/* One tick as measured. */
typedef struct tp_soak_tick {
    double update_ms;        /* the timed region: update() plus the view scan */
    double call_ms;          /* of update_ms: the tp_streamer_update() call alone (the
                                rest is the view scan) */
    double update_cpu_ms;    /* CPU time of the game thread over the timed region (read
                                just outside it): far below update_ms means the thread
                                was descheduled or blocked, not computing */
    uint32_t view_chunks;    /* checks made */
    uint32_t missing;        /* checks with no resident LOD */
    uint32_t deficit;        /* checks coarser than wanted */
    uint32_t move;           /* tp_soak_move of the camera this tick */
    uint16_t waits;          /* the game thread's voluntary context switches in the timed
                                region (it blocked: a lock, a page fault's I/O) */
    uint16_t preemptions;    /* … involuntary ones (the OS ran something else) */
    uint32_t page_faults;    /* the game thread's page faults in the timed region (fresh
                                memory touched for the first time costs ~12 µs a page) */
    uint64_t resident_bytes; /* tp_streamer_stats.resident_bytes after the tick */
    uint64_t held_bytes;     /* everything counted against the budget */
    uint64_t rss_bytes;      /* the process's resident set after the tick (0: unknown) */
    double x_m, z_m;         /* camera */
} tp_soak_tick;

typedef struct tp_soak_recorder {
    tp_soak_tick *ticks;
    size_t count, capacity;
} tp_soak_recorder;

/*! tp_soak_recorder_init() : reserves `capacity` ticks. @return false when out of memory. */
bool tp_soak_recorder_init(tp_soak_recorder *r, size_t capacity);
/*! tp_soak_recorder_push() : @return the next zeroed tick, or NULL when full. */
tp_soak_tick *tp_soak_recorder_push(tp_soak_recorder *r);
void tp_soak_recorder_free(tp_soak_recorder *r);

/* avg / p50 / p99 / max of a set of costs. */
typedef struct tp_soak_cost {
    double avg, p50, p99, max;
} tp_soak_cost;

/*! tp_soak_percentile() : the p-th percentile (0 … 100) of n ≥ 1 values sorted
 *  ascending, interpolated linearly; 0 for n = 0. */
double tp_soak_percentile(const double *sorted, size_t n, double p);

/*! tp_soak_cost_of() : avg, p50, p99 and max of values[0 … n−1] (unsorted; not changed).
 *  All zero for n = 0. @return false when out of memory. */
bool tp_soak_cost_of(const double *values, size_t n, tp_soak_cost *out);

/* Figures over a window of ticks. */
typedef struct tp_soak_window {
    uint64_t ticks, checks;
    tp_soak_cost update_ms;
    tp_soak_cost update_cpu_ms;   /* the game thread's CPU time over the same region */
    tp_soak_cost call_ms;         /* the tp_streamer_update() call alone */
    tp_soak_cost scan_ms;         /* the view scan alone */
    uint64_t hitches;
    uint64_t hitches_preempted;   /* … of them with the game thread preempted or blocked */
    uint64_t missing_checks, lod_deficit_checks;
    uint64_t ticks_with_missing;
} tp_soak_window;

#define TP_SOAK_SLOWEST 8u /* the slowest ticks listed, for finding what made them slow */

typedef struct tp_soak_summary {
    double hitch_ms;
    tp_soak_window all, last100;  /* last100: the last min(100, ticks) ticks */
    tp_soak_cost update_ms_teleport_ticks; /* the timed region on the ticks of a teleport */
    tp_soak_cost update_ms_other_ticks;    /* … and on every other tick */
    tp_soak_cost update_ms_undisturbed;    /* on ticks where the game thread was neither
                                              preempted nor blocked in the timed region */
    uint64_t ticks_disturbed;
    uint64_t page_faults;                  /* the game thread's, in the timed regions */
    uint64_t ticks_with_page_faults;
    uint64_t cold_start_missing;  /* missing checks of tick 0 */
    int64_t cold_start_ticks_to_full;
    uint64_t teleports;
    uint64_t teleport_missing;    /* missing checks on the ticks of a teleport */
    int64_t *ticks_to_full;       /* per teleport, in order (owned; −1: did not settle) */
    uint64_t teleports_settled;
    double ticks_to_full_avg;     /* over settled teleports */
    double ticks_to_full_p50;
    int64_t ticks_to_full_max;
    uint64_t budget_bytes;
    uint64_t ticks_over_budget;   /* held bytes above the budget after the tick */
    uint64_t resident_bytes_peak, resident_bytes_final, held_bytes_peak;
    uint64_t resident_bytes_last_quarter_peak;
    double resident_delta_pct;    /* last quarter's resident peak over the final value */
    double memory_delta_pct;      /* the headline leak measure: the process's delta (RSS),
                                     as the reference soak test measured memory */
    uint64_t held_bytes_last_quarter_peak, held_bytes_final;
    double held_delta_pct;        /* the same delta over everything the budget counts */
    uint64_t rss_bytes_last_quarter_peak, rss_bytes_final;
    double rss_delta_pct;         /* the same delta over the process's resident set */
    struct {
        uint64_t tick;
        double update_ms, update_cpu_ms;
        uint32_t move, missing;
        uint32_t waits, preemptions, page_faults;
    } slowest[TP_SOAK_SLOWEST];   /* the slowest ticks, slowest first */
    uint32_t slowest_count;
} tp_soak_summary;

/*! tp_soak_summarize() :
 *  The summary of n ticks. A tick over `hitch_ms` is a hitch; budget_bytes 0 means no
 *  budget (no tick is over). @return false when out of memory (nothing to free). */
bool tp_soak_summarize(const tp_soak_tick *ticks, size_t n, double hitch_ms,
                       uint64_t budget_bytes, tp_soak_summary *out);

/*! tp_soak_summary_free() : frees the per-teleport list; accepts a zeroed summary. */
void tp_soak_summary_free(tp_soak_summary *s);

/*! tp_soak_write_ticks_csv() :
 *  Writes one CSV row per tick (header first): tick, camera, move, the timed region and
 *  its parts in ms, context switches, missing and deficit checks, memory. For analysis
 *  beyond the summary. @return false on a write error (errno set). */
bool tp_soak_write_ticks_csv(FILE *out, const tp_soak_tick *ticks, size_t n);

/* One soak run, as reported. */
typedef struct tp_soak_report {
    const char *source;        /* "file" or "generate" */
    const char *file;          /* the page file, or NULL */
    const char *profile;       /* a profile name, or the CSV path */
    uint64_t seed;
    double hz;
    uint32_t view_distance;
    uint32_t view_chunks;
    bool paced;
    bool pinned;               /* --pin: game thread on CPU 0, workers elsewhere */
    tp_soak_summary summary;
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
} tp_soak_report;

/*! tp_soak_json_object() :
 *  Writes one report as a JSON object (no trailing newline). Keys include ticks,
 *  update_ms {avg, p50, p99, max}, hitches, missing_chunk_checks, lod_deficit_checks,
 *  budget_bytes, resident_bytes_peak, ticks_over_budget, memory_delta_pct, page_ins,
 *  fallbacks, checksum_failures, the last-100 variants, teleport recovery, RSS, CPU. */
void tp_soak_json_object(FILE *out, const tp_soak_report *r);

/*! tp_soak_json_compare() :
 *  Writes {"file": …, "generate": …, "ratios": {…}} for a --compare run: two reports of
 *  the same camera, the baked file's first. */
void tp_soak_json_compare(FILE *out, const tp_soak_report *file, const tp_soak_report *gen);

/*! tp_soak_print_report() : the readable table of one run (what `terrapage soak` prints). */
void tp_soak_print_report(FILE *out, const tp_soak_report *r);

/*! tp_soak_print_aims() : for the profiles that have aims (reference; vehicle and flight),
 *  one line per aim, met or MISSED; nothing for the others. */
void tp_soak_print_aims(FILE *out, tp_soak_profile profile, const tp_soak_report *r);

/*! tp_soak_print_compare() : the two runs of --compare side by side, with ratios. */
void tp_soak_print_compare(FILE *out, const tp_soak_report *file, const tp_soak_report *gen);

#endif /* TP_TOOLS_SOAK_METRICS_H */
