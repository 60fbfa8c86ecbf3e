/* progress.h — progress reports for long work (bakes, verification, big renders).
 *
 *   tp_progress p;
 *   tp_progress_begin(&p, "baking", "chunks", total, TP_PROGRESS_AUTO, stderr);
 *   for (...) { ...; tp_progress_update(&p, done); }
 *   tp_progress_end(&p);        // final summary: "baking: 4096 chunks in 41.2 s (99.4/s)"
 *
 * Modes:
 *  - TP_PROGRESS_AUTO: a bar when `stream` is a terminal (and TERM is not "dumb"),
 *    plain lines otherwise;
 *  - TP_PROGRESS_BAR: one line redrawn in place, at most ten times a second:
 *      baking [##########..........]  2048/4096 chunks  98.6/s  ETA 0:21
 *  - TP_PROGRESS_LINES: a plain line every few seconds, for logs and CI;
 *  - TP_PROGRESS_QUIET: nothing at all, not even the summary.
 *
 * Thread rules: tp_progress_update() and tp_progress_add() may be called from any thread,
 * at any rate; they are a few atomic operations unless it is time to redraw, and only
 * one thread draws at a time (the others skip that redraw). tp_progress_begin() and
 * tp_progress_end() belong to the owning thread, before and after the work.
 */
#ifndef TP_TOOLS_PROGRESS_H
#define TP_TOOLS_PROGRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum tp_progress_mode {
    TP_PROGRESS_AUTO = 0,
    TP_PROGRESS_BAR,
    TP_PROGRESS_LINES,
    TP_PROGRESS_QUIET,
} tp_progress_mode;

typedef struct tp_progress {
    /* Fields are private; read them through the functions below. */
    tp_progress_mode mode;   /* resolved: never AUTO after begin */
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
} tp_progress;

/*! tp_progress_begin() : starts the clock. `stream` is usually stderr. */
void tp_progress_begin(tp_progress *p, const char *label, const char *unit, uint64_t total,
                       tp_progress_mode mode, FILE *stream);

/*! tp_progress_update() : records that `done` items (absolute, not an increment) are
 *  finished, and redraws if it is time. A smaller `done` than before is ignored. */
void tp_progress_update(tp_progress *p, uint64_t done);

/*! tp_progress_add() : adds `count` finished items, for workers that each finish some. */
void tp_progress_add(tp_progress *p, uint64_t count);

/*! tp_progress_end() : clears the bar and prints the summary (unless quiet).
 *  @return the elapsed time in seconds. */
double tp_progress_end(tp_progress *p);

/*! tp_progress_abandon() : clears the bar without a summary, for callers that print
 *  their own or that failed. */
void tp_progress_abandon(tp_progress *p);

/*! tp_progress_seconds() : a monotonic clock in seconds, for callers' own timings. */
double tp_progress_seconds(void);

#endif /* TP_TOOLS_PROGRESS_H */
