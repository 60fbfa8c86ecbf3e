/* events.h — what update() reports: every event is counted in the statistics and, when
 * the caller gave on_event, passed to it on the game thread, in the order it happens. */
#ifndef TP_RUNTIME_EVENTS_H
#define TP_RUNTIME_EVENTS_H

#include <stdint.h>

#include "stats.h"
#include "terrapage/runtime.h"

typedef struct tp__events {
    tp_streamer_event_fn fn;  /* NULL: counted only */
    void *user;
    uint64_t update;          /* the update() under way, stamped on each event */
    tp__stats *stats;         /* where events are counted */
} tp__events;

void tp__events_init(tp__events *ev, tp_streamer_event_fn fn, void *user, tp__stats *stats);

/* The options changed the callback. */
void tp__events_set_callback(tp__events *ev, tp_streamer_event_fn fn, void *user);

/* The events that follow belong to update number `update`. */
void tp__events_begin_update(tp__events *ev, uint64_t update);

/* Counts one event (tp__stats_count_event()) and reports it. */
void tp__emit(tp__events *ev, uint32_t type, int32_t cx, int32_t cz, uint32_t lod,
              uint32_t new_lod, uint32_t source, uint64_t bytes);

#endif /* TP_RUNTIME_EVENTS_H */
