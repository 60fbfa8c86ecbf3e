/* jobs.h — the page-ins that can be in flight at once, each with its mesh staging,
 * allocated at open: max_in_flight full jobs, whose staging holds the worst mesh of LOD 0,
 * and TP__COARSE_JOBS small ones for the coarsest LOD of chunks that have no LOD at all
 * (outside the baked region), whose staging holds only the worst coarsest mesh. A job is the unit the scheduler hands out,
 * the workers queue, page_in.c carries out and publish.c takes back.
 *
 * Who writes what: the game thread fills the request part and owns `chunk`; the worker
 * that takes the job writes the destination block and the results; `cancelled` is the
 * only field both touch at once. */
#ifndef TP_RUNTIME_JOBS_H
#define TP_RUNTIME_JOBS_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "block_pool.h"
#include "chunk_table.h"
#include "layout.h"
#include "terrapage/runtime.h"

typedef struct tp__job tp__job;

/* Small jobs for the coarsest LOD of chunks with none. A chunk in view without any LOD
 * is a hole, and after a jump beyond the baked region a whole view of them (289 chunks by
 * default) waits. Their pages are tiny (about 160 µs of generation on the default world),
 * so the in-flight limit of full jobs, sized for LOD-0 pages, would hold the workers to
 * eight a frame; this many more let a worker fill its frame, for a few KiB of staging. */
#define TP__COARSE_JOBS 64u

struct tp__job {
    tp__job *next;          /* free list, or queue links (under the queue lock) */
    /* The request (game thread). */
    tp__chunk *chunk;       /* game thread only */
    int32_t cx, cz;
    uint32_t lod, slot;     /* slot: TP__SLOT_* */
    tp__block *block;       /* destination, taken from the pool by the game thread */
    atomic_int cancelled;   /* set by the game thread; the worker stops at its next check */
    double dispatched_s;    /* streamer clock */
    /* Mesh staging (meshes on): the worker decodes the mesh here, sized for the worst
     * mesh of LOD 0; publish copies it into an allocation of its exact size class. */
    tp_mesh_vertex *stage_vertices;
    uint16_t *stage_indices;
    uint32_t stage_vertex_cap, stage_index_cap;
    /* Results, written by the worker before the job is handed back. */
    uint32_t source;        /* tp_streamer_source */
    uint64_t bytes_read;
    tp_result cause;        /* why the page was generated (tp__stats_fallback()), or
                               TP_OK when it was read */
    uint8_t mesh_ok;        /* the staging holds the page's mesh */
    uint8_t coarse_only;    /* one of the small jobs: staging for the coarsest LOD only */
    tp_mesh mesh;           /* counts of the staged mesh */
    float mesh_error_m;
    uint32_t mesh_flags;    /* TP_CHUNK_MESH_* */
};

typedef struct tp__jobs {
    tp__job *all;           /* `count` jobs: the full ones, then the coarse ones */
    uint32_t count, full_count;
    tp__job *free;          /* the full jobs not in flight */
    tp__job *free_coarse;   /* the coarse jobs not in flight */
    uint32_t in_flight, in_flight_full;
    void *stage;            /* the staging of every job, one allocation */
    size_t stage_bytes;     /* per full job */
    uint32_t stage_vertices, stage_indices; /* per full job (the worst LOD-0 mesh) */
    size_t coarse_stage_bytes; /* per coarse job */
    uint32_t coarse_vertices, coarse_indices; /* per coarse job (the worst coarsest mesh) */
    const tp_streamer_allocator *mem;
} tp__jobs;

void tp__jobs_init(tp__jobs *jobs, const tp_streamer_allocator *mem);

/* Sizes `full_count` full jobs, the coarse ones and their staging for the layout (no
 * allocation yet). */
void tp__jobs_plan(tp__jobs *jobs, uint32_t full_count, const tp__layout *l);

/* Decoded bytes held by the staging of every job (counted against the budget). */
static inline uint64_t tp__jobs_staging_bytes(const tp__jobs *jobs)
{
    return (uint64_t)jobs->full_count * jobs->stage_bytes +
           (uint64_t)(jobs->count - jobs->full_count) * jobs->coarse_stage_bytes;
}

/* Allocates the planned jobs. TP_ERR_OUT_OF_MEMORY (with a detail) when it fails. */
tp_result tp__jobs_alloc(tp__jobs *jobs);

/* A free job, now in flight: a coarse one when `coarse` (a page of the coarsest LOD) and
 * one is free, else a full one; NULL when none is free. */
tp__job *tp__jobs_take(tp__jobs *jobs, int coarse);

/* A finished or cancelled job, no longer in flight. */
void tp__jobs_give_back(tp__jobs *jobs, tp__job *job);

/* At close: every job cancelled, so a worker in the middle of one stops at its next
 * check (between blobs, before a mesh build) instead of finishing the page. */
void tp__jobs_cancel_all(tp__jobs *jobs);

/* At close, after the workers stopped: the blocks of the jobs in flight go back to the
 * pool, then the jobs are freed. */
void tp__jobs_free(tp__jobs *jobs, tp__block_pool *blocks);

#endif /* TP_RUNTIME_JOBS_H */
