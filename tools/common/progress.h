/* progress.h — progress reports for long work (bakes, verification, big renders).
 *
 *   tpt_progress p;
 *   tpt_progress_begin(&p, "baking", "chunks", total, TPT_PROGRESS_AUTO, stderr);
 *   for (...) { ...; tpt_progress_update(&p, done); }
 *   tpt_progress_end(&p);        // final summary: "baking: 4096 chunks in 41.2 s (99.4/s)"
 *
 * Modes:
 *  - TPT_PROGRESS_AUTO: a bar when `stream` is a terminal (and TERM is not "dumb"),
 *    plain lines otherwise;
 *  - TPT_PROGRESS_BAR: one line redrawn in place, at most ten times a second:
 *      baking [##########..........]  2048/4096 chunks  98.6/s  ETA 0:21
 *  - TPT_PROGRESS_LINES: a plain line every few seconds, for logs and CI;
 *  - TPT_PROGRESS_QUIET: nothing at all, not even the summary.
 *
 * Thread rules: tpt_progress_update() and tpt_progress_add() may be called from any thread,
 * at any rate; they are a few atomic operations unless it is time to redraw, and only
 * one thread draws at a time (the others skip that redraw). tpt_progress_begin() and
 * tpt_progress_end() belong to the owning thread, before and after the work.
 */
#ifndef TPT_PROGRESS_H
#define TPT_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum tpt_progress_mode {
    TPT_PROGRESS_AUTO = 0,
    TPT_PROGRESS_BAR,
    TPT_PROGRESS_LINES,
    TPT_PROGRESS_QUIET,
} tpt_progress_mode;

typedef struct tpt_progress {
    /* Fields are private; read them through the functions below. */
    tpt_progress_mode mode;   /* resolved: never AUTO after begin */
    FILE *stream;
    const char *label;       /* "baking"; borrowed, must outlive the progress */
    const char *unit;        /* "chunks"; borrowed */
    uint64_t total;
    double start_s;
    double interval_s;       /* time between redraws */
    _Atomic uint64_t done;
    _Atomic double next_draw_s;
    atomic_flag drawing;
    bool drew;               /* a bar is on screen and needs a newline at the end */
} tpt_progress;

/*! tpt_progress_begin() : starts the clock. `stream` is usually stderr. */
void tpt_progress_begin(tpt_progress *p, const char *label, const char *unit, uint64_t total,
                       tpt_progress_mode mode, FILE *stream);

/*! tpt_progress_update() : records that `done` items (absolute, not an increment) are
 *  finished, and redraws if it is time. A smaller `done` than before is ignored. */
void tpt_progress_update(tpt_progress *p, uint64_t done);

/*! tpt_progress_add() : adds `count` finished items, for workers that each finish some. */
void tpt_progress_add(tpt_progress *p, uint64_t count);

/*! tpt_progress_end() : clears the bar and prints the summary (unless quiet).
 *  @return the elapsed time in seconds. */
double tpt_progress_end(tpt_progress *p);

/*! tpt_progress_abandon() : clears the bar without a summary, for callers that print
 *  their own or that failed. */
void tpt_progress_abandon(tpt_progress *p);

/*! tpt_progress_seconds() : a monotonic clock in seconds, for callers' own timings. */
double tpt_progress_seconds(void);

#endif /* TPT_PROGRESS_H */
