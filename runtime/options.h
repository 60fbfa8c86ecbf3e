/* options.h — the streamer's options: resolving what the caller gave (defaults, checks),
 * and changing them between updates (tp_streamer_set_options()), which takes effect at
 * the start of the next update(). streamer.c resolves at open and applies a pending
 * change at the start of update(); options.c owns both. Game thread only. */
#ifndef TP_RUNTIME_OPTIONS_H
#define TP_RUNTIME_OPTIONS_H

#include <stdint.h>

#include "terrapage/runtime.h"

struct tp__chunk;

/* A change asked for by tp_streamer_set_options(), checked and waiting for the next
 * update(). The array of the new view size is allocated when the change is asked for,
 * so applying it cannot fail. */
typedef struct tp__options_change {
    int pending;
    tp_streamer_options opt;        /* resolved */
    struct tp__chunk **missing;     /* for a new view size, or NULL */
    uint32_t missing_count;         /* its size in entries */
} tp__options_change;

/* Defaults and checks of tp_streamer_open()'s options into *out. `generated`: for
 * tp_streamer_open_generated() (another default for sync_generate_budget_ms).
 * TP_ERR_INVALID_ARGUMENT with a detail naming the field. */
tp_result tp__options_resolve(const tp_streamer_options *in, int generated,
                              tp_streamer_options *out);

/* The least budget_bytes a streamer can run with for a view of view_count chunks: one
 * view of coarsest LODs (update() reads or makes them for a camera that lands anywhere),
 * the page of every full job and the staging of every job (a coarse job's tiny
 * page needs no such guarantee: without room it waits). Needs the planned pools and
 * jobs. */
uint64_t tp__options_budget_need(const tp_streamer *s, uint32_t view_count);

/* Resolves o->budget_bytes (0 → the default) against the need of a view of view_count
 * chunks; TP_ERR_OUT_OF_RANGE naming `what` when it is too small. */
tp_result tp__options_fit_budget(const tp_streamer *s, tp_streamer_options *o,
                                 uint32_t view_count, const char *what);

/* At the start of update(): puts a pending change in force. Returns 1 when the budget
 * was lowered (the caller makes room once it knows what is wanted). */
int tp__options_apply(tp_streamer *s);

/* At close: frees what a change still pending holds. */
void tp__options_change_free(tp_streamer *s);

#endif /* TP_RUNTIME_OPTIONS_H */
