/* eviction.h — making room within the budget: pooled memory first, then chunks,
 * least wanted first (the victim list), by evicting their finer LOD or lowering it.
 * Also the passes that lower in-view chunks holding more detail than they want and that
 * evict chunks left far behind.
 * Game thread only; works on the whole streamer (internal.h). */
#ifndef TP_RUNTIME_EVICTION_H
#define TP_RUNTIME_EVICTION_H

#include <stdint.h>

#include "chunk_table.h"
#include "terrapage/runtime.h"

typedef struct tp__eviction {
    tp__chunk **victims;      /* eviction candidates of this update, in eviction order */
    uint32_t victim_count, victim_cap, victim_next;
    int victims_built;        /* the list is valid for the requests still to come */
} tp__eviction;

/*! tp__make_room() :
 *  Makes `bytes` more fit within the budget, for a request of urgency `request_key`:
 *  frees pooled memory, then evicts or lowers chunks less urgent than the request
 *  (never pinned data). Requests must come in key order within one victim list.
 *  @return 1 when the bytes fit, 0 when they cannot (or the victim list could not be
 *  allocated). */
int tp__make_room(tp_streamer *s, uint64_t bytes, double request_key);

/* The victim list is stale (a new update, or room made out of key order): the next
 * tp__make_room() builds it anew. */
void tp__eviction_restart(tp__eviction *ev);

/* Lowers in-view chunks that hold a finer LOD than they want (see eviction.c). */
void tp__lower_overshoot(tp_streamer *s);

/* Evicts what chunks that are not wanted and lie more than two view distances from the
 * camera's chunk hold, coarsest LOD included (see eviction.c). */
void tp__evict_far(tp_streamer *s);

void tp__eviction_free(tp__eviction *ev, const tp_streamer_allocator *mem);

#endif /* TP_RUNTIME_EVICTION_H */
