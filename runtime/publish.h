/* publish.h — pages becoming resident: a finished job's block (with its mesh moved out
 * of the staging) or a coarsest LOD update() read or generated is installed in its chunk,
 * counted and reported. Game thread only; works on the whole streamer (internal.h). */
#ifndef TP_RUNTIME_PUBLISH_H
#define TP_RUNTIME_PUBLISH_H

#include "block_pool.h"
#include "chunk_table.h"
#include "jobs.h"
#include "page_in.h"
#include "terrapage/runtime.h"

/* Publishes the finished jobs of `list` (linked through next) in order and gives each
 * job back; cancelled work (or a page whose mesh finds no room) goes back to the pool. */
void tp__publish_finished(tp_streamer *s, tp__job *list);

/* Publishes block b, the coarsest LOD of chunk c that update() read (source FILE, with
 * `bytes_read` stored bytes) or generated (GENERATED or REPAIRED, `cause` the reason,
 * as tp__stats_fallback() takes it), with the mesh encoding `mesh` decoded into it
 * (NULL: none; one that does not decode is left out).
 * @return TP_OK; TP_ERR_OUT_OF_MEMORY when the mesh allocation fails (b went back to
 * the pool, the chunk is unchanged). */
tp_result tp__publish_coarsest(tp_streamer *s, tp__chunk *c, tp__block *b,
                               const tp__mesh_raw *mesh, uint32_t source, tp_result cause,
                               uint64_t bytes_read);

#endif /* TP_RUNTIME_PUBLISH_H */
