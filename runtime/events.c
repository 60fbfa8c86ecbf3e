/* events.c — event emission: counted, then handed to the caller's callback. */
#include "events.h"

void tp__events_init(tp__events *ev, tp_streamer_event_fn fn, void *user, tp__stats *stats)
{
    ev->fn = fn;
    ev->user = user;
    ev->update = 0;
    ev->stats = stats;
}

void tp__events_set_callback(tp__events *ev, tp_streamer_event_fn fn, void *user)
{
    ev->fn = fn;
    ev->user = user;
}

void tp__events_begin_update(tp__events *ev, uint64_t update)
{
    ev->update = update;
}

void tp__emit(tp__events *ev, uint32_t type, int32_t cx, int32_t cz, uint32_t lod,
              uint32_t new_lod, uint32_t source, uint64_t bytes)
{
    tp_streamer_event e = {type, cx, cz, lod, new_lod, source, bytes, ev->update};
    tp__stats_count_event(ev->stats, &e);
    if (ev->fn)
        ev->fn(ev->user, &e);
}
