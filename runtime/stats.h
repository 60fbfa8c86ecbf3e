/* stats.h — the streaming statistics: plain counters kept on the game thread, each
 * recorded through one function here, with the percentiles computed only when someone
 * asks (tp_streamer_get_stats()). */
#ifndef TP_RUNTIME_STATS_H
#define TP_RUNTIME_STATS_H

#include <stdint.h>

#include "terrapage/runtime.h"

#define TP__UPDATE_RING 1024u /* update costs kept for the percentiles */

typedef struct tp__stats {
    tp_streamer_stats s;      /* counters kept in place; percentiles filled on read */
    float update_us[TP__UPDATE_RING];
    uint64_t ring_count;
} tp__stats;

/* An event (events.c counts each one here): page-ins (by LOD), evictions, downgrades,
 * cancellations, teleports. */
void tp__stats_count_event(tp__stats *st, const tp_streamer_event *e);

/* A page decoded or generated: stored bytes read for it, decoded bytes it produced. */
void tp__stats_page(tp__stats *st, uint64_t bytes_read, uint64_t bytes_decoded);

/* A page generated instead of read, and why: TP_ERR_NOT_FOUND (outside the region or
 * absent from the file), TP_ERR_CHECKSUM, anything else a decode or read failure. */
void tp__stats_fallback(tp__stats *st, tp_result cause);

/* A coarsest LOD generated inside update(). */
void tp__stats_sync_generation(tp__stats *st);

/* Page-in latency, handed out → resident. */
void tp__stats_latency(tp__stats *st, double seconds);

/* Coverage of the view square at this update. */
void tp__stats_coverage(tp__stats *st, uint32_t in_view, uint32_t missing, uint32_t coarser);

/* Dispatch at this update: the in-flight limit and the pages left waiting. */
void tp__stats_dispatch(tp__stats *st, uint32_t in_flight_limit, uint32_t queue_depth);

/* Resident bytes as seen between updates (keeps the peak). */
void tp__stats_resident(tp__stats *st, uint64_t resident_bytes);

/* One update() done, at a cost of `us` microseconds. */
void tp__stats_update_done(tp__stats *st, double us);

/* The counters with the percentiles filled in. */
void tp__stats_fill(const tp__stats *st, tp_streamer_stats *out);

#endif /* TP_RUNTIME_STATS_H */
