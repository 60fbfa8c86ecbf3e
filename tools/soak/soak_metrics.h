/* soak_metrics.h — what `terrapage soak` records per tick and what it makes of it:
 * percentiles, the summary over all ticks and over the last 100 (the reference test's
 * window), teleport recovery and memory. soak_report.h writes them out.
 *
 *   tpt_soak_recorder rec;
 *   tpt_soak_recorder_init(&rec, ticks);                 // one allocation up front
 *   ... per tick: tpt_soak_tick *t = tpt_soak_recorder_push(&rec); t->update_ms = ...;
 *   tpt_soak_summary sum;
 *   tpt_soak_summarize(rec.ticks, rec.count, 2.0, budget_bytes, &sum);
 *   ... tpt_soak_summary_free(&sum); tpt_soak_recorder_free(&rec);
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
#ifndef TPT_SOAK_METRICS_H
#define TPT_SOAK_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "soak_camera.h"

/* One tick as measured. */
typedef struct tpt_soak_tick {
    double update_ms;        /* the timed region: update() plus the view scan */
    double call_ms;          /* of update_ms: the tp_streamer_update() call alone (the
                                rest is the view scan) */
    double update_cpu_ms;    /* CPU time of the game thread over the timed region (read
                                just outside it): far below update_ms means the thread
                                was descheduled or blocked, not computing */
    uint32_t view_chunks;    /* checks made */
    uint32_t missing;        /* checks with no resident LOD */
    uint32_t deficit;        /* checks coarser than wanted */
    uint32_t move;           /* tpt_soak_move of the camera this tick */
    uint16_t waits;          /* the game thread's voluntary context switches in the timed
                                region (it blocked: a lock, a page fault's I/O) */
    uint16_t preemptions;    /* … involuntary ones (the OS ran something else) */
    uint32_t page_faults;    /* the game thread's page faults in the timed region (fresh
                                memory touched for the first time costs ~12 µs a page) */
    uint64_t resident_bytes; /* tp_streamer_stats.resident_bytes after the tick */
    uint64_t held_bytes;     /* everything counted against the budget */
    uint64_t rss_bytes;      /* the process's resident set after the tick (0: unknown) */
    double x_m, z_m;         /* camera */
} tpt_soak_tick;

typedef struct tpt_soak_recorder {
    tpt_soak_tick *ticks;
    size_t count, capacity;
} tpt_soak_recorder;

/*! tpt_soak_recorder_init() : reserves `capacity` ticks. @return false when out of memory. */
bool tpt_soak_recorder_init(tpt_soak_recorder *r, size_t capacity);
/*! tpt_soak_recorder_push() : @return the next zeroed tick, or NULL when full. */
tpt_soak_tick *tpt_soak_recorder_push(tpt_soak_recorder *r);
/*! tpt_soak_recorder_free() : frees the ticks; accepts a zeroed recorder. */
void tpt_soak_recorder_free(tpt_soak_recorder *r);

/* avg / p50 / p99 / max of a set of costs. */
typedef struct tpt_soak_cost {
    double avg, p50, p99, max;
} tpt_soak_cost;

/*! tpt_soak_percentile() : the p-th percentile (0 … 100) of n ≥ 1 values sorted
 *  ascending, interpolated linearly; 0 for n = 0. */
double tpt_soak_percentile(const double *sorted, size_t n, double p);

/*! tpt_soak_cost_of() : avg, p50, p99 and max of values[0 … n−1] (unsorted; not changed).
 *  All zero for n = 0. @return false when out of memory. */
bool tpt_soak_cost_of(const double *values, size_t n, tpt_soak_cost *out);

/* Figures over a window of ticks. */
typedef struct tpt_soak_window {
    uint64_t ticks, checks;
    tpt_soak_cost update_ms;
    tpt_soak_cost update_cpu_ms;   /* the game thread's CPU time over the same region */
    tpt_soak_cost call_ms;         /* the tp_streamer_update() call alone */
    tpt_soak_cost scan_ms;         /* the view scan alone */
    uint64_t hitches;
    uint64_t hitches_preempted;   /* … of them with the game thread preempted or blocked */
    uint64_t missing_checks, lod_deficit_checks;
    uint64_t ticks_with_missing;
} tpt_soak_window;

#define TPT_SOAK_SLOWEST 8u /* the slowest ticks listed, for finding what made them slow */

typedef struct tpt_soak_summary {
    double hitch_ms;
    tpt_soak_window all, last100;  /* last100: the last min(100, ticks) ticks */
    tpt_soak_cost update_ms_teleport_ticks; /* the timed region on the ticks of a teleport */
    tpt_soak_cost update_ms_other_ticks;    /* … and on every other tick */
    tpt_soak_cost update_ms_undisturbed;    /* on ticks where the game thread was neither
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
    } slowest[TPT_SOAK_SLOWEST];   /* the slowest ticks, slowest first */
    uint32_t slowest_count;
} tpt_soak_summary;

/*! tpt_soak_summarize() :
 *  The summary of n ticks. A tick over `hitch_ms` is a hitch; budget_bytes 0 means no
 *  budget (no tick is over). @return false when out of memory (nothing to free). */
bool tpt_soak_summarize(const tpt_soak_tick *ticks, size_t n, double hitch_ms,
                       uint64_t budget_bytes, tpt_soak_summary *out);

/*! tpt_soak_summary_free() : frees the per-teleport list; accepts a zeroed summary. */
void tpt_soak_summary_free(tpt_soak_summary *s);

#endif /* TPT_SOAK_METRICS_H */
