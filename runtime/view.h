/* view.h — queries over what is resident: views of chunks (for_each, acquire and
 * release), the best LOD of a chunk, bounds, and the view's coverage each update. The
 * only state is the count of views acquired and not released, which
 * tp_streamer_release() lowers from any thread. */
#ifndef TP_RUNTIME_VIEW_H
#define TP_RUNTIME_VIEW_H

#include <stdatomic.h>
#include <stdint.h>

#include "terrapage/runtime.h"

typedef struct tp__views {
    atomic_ullong pinned;     /* views acquired and not released */
} tp__views;

void tp__views_init(tp__views *v);

/* Views acquired and not released now. */
uint64_t tp__views_pinned(const tp__views *v);

/* The mesh of (cx, cz) at its best resident LOD — the one for_each() shows — and that
 * LOD; NULL when the chunk has none resident or its LOD has no mesh. No pin: valid until
 * the next update(). */
const tp_chunk_mesh *tp__view_mesh(const tp_streamer *s, int32_t cx, int32_t cz,
                                   uint32_t *out_lod);

/* Counts, in the statistics, the chunks of the view square with no LOD and those
 * coarser than wanted. */
void tp__view_coverage(tp_streamer *s);

/* The p50 and p99 of tp_streamer_chunk_error_px() over the chunks of the view square
 * that have a LOD (0 when none has; see tp_streamer_stats.drawn_error_px_p50). */
void tp__view_error_quantiles(const tp_streamer *s, double *out_p50, double *out_p99);

#endif /* TP_RUNTIME_VIEW_H */
