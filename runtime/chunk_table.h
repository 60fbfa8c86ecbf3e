/* chunk_table.h — the chunks the streamer tracks: an open-addressing table from (cx, cz)
 * to an entry, a dense list of the live entries for the per-update passes, and the
 * slabs the entries come from.
 *
 * A chunk gets an entry while it is wanted or holds data.
 * chunk_table.c owns the entries' existence (add, find, remove); their fields belong to
 * the files named beside them. Game thread only. */
#ifndef TP_RUNTIME_CHUNK_TABLE_H
#define TP_RUNTIME_CHUNK_TABLE_H

#include <stdint.h>

#include "terrapage/runtime.h"

struct tp__block;
struct tp__job;

/* A chunk's two kinds of data, and of work: its coarsest LOD and the best LOD finer
 * than that. A chunk has at most one job per slot in flight. */
enum { TP__SLOT_COARSE = 0, TP__SLOT_FINE = 1, TP__SLOT_COUNT = 2 };

typedef struct tp__chunk {
    /* Identity (chunk_table.c). */
    int32_t cx, cz;
    uint32_t live_index;         /* position in the live list */
    /* What it holds (publish.c installs, eviction.c lowers and evicts). */
    struct tp__block *coarse;    /* the coarsest LOD, read or generated */
    struct tp__block *fine;      /* the best LOD finer than the coarsest, if any */
    uint32_t fine_lod;           /* fine->lod, kept here because following the pointer to a
                                    block costs a cache and TLB miss per chunk per frame */
    /* Work in flight per slot (schedule.c hands out, publish.c takes back). */
    struct tp__job *job[TP__SLOT_COUNT];
    /* What it wants this update (schedule.c). */
    uint64_t stamp;              /* update that last wanted the chunk */
    uint32_t view_lod;           /* wanted by the view (coarsest when not in view) */
    uint32_t pred_lod;           /* wanted by the prediction (coarsest when none) */
    uint32_t cls;                /* TP__CLASS_* (schedule.h) of the chunk this update */
    uint8_t in_view;
    uint8_t tier;                /* eviction tier while the victim list is built (eviction.c) */
    double view_dist_m;          /* camera to nearest point of the chunk */
    double pred_dist_m;          /* predicted position to the chunk centre (eviction order) */
    double key;                  /* urgency of what it wants (tp__request.key); eviction
                                    only takes from chunks less urgent than the request */
    /* What the page file's directory says of it, for the screen-space error
     * (screen_error.c fills it the first time it asks, for a chunk the file has). */
    uint8_t file_known;
    float file_bottom_m, file_top_m;    /* its LOD-0 height range */
    float file_error_m[TP_MAX_LODS];    /* each LOD's recorded mesh error; < 0: none */
} tp__chunk;

typedef struct tp__chunk_table {
    tp__chunk **slots;           /* open addressing over entry pointers */
    uint32_t slot_count;         /* power of two */
    tp__chunk **live;            /* every entry, densely */
    uint32_t live_count, live_cap;
    tp__chunk *free;             /* recycled entries (linked through .fine) */
    void **slabs;                /* entry slabs, freed at close */
    uint32_t slab_count, slab_cap;
    const tp_streamer_allocator *mem;
} tp__chunk_table;

void tp__chunk_table_init(tp__chunk_table *t, const tp_streamer_allocator *mem);

/* The entry of (cx, cz), or NULL. */
tp__chunk *tp__chunk_find(const tp__chunk_table *t, int32_t cx, int32_t cz);

/* A new, zeroed entry for (cx, cz), which must not have one; NULL when the allocator
 * fails (nothing changed). */
tp__chunk *tp__chunk_add(tp__chunk_table *t, int32_t cx, int32_t cz);

/* Forgets an entry (it must hold nothing and have no work in flight). */
void tp__chunk_remove(tp__chunk_table *t, tp__chunk *c);

void tp__chunk_table_free(tp__chunk_table *t);

/* Orders two chunks by position (cx, then cz): the tie-break that makes every sort of
 * chunks a total order, so the deterministic mode does not depend on qsort's choices. */
static inline int tp__chunk_order(const tp__chunk *a, const tp__chunk *b)
{
    if (a->cx != b->cx)
        return a->cx < b->cx ? -1 : 1;
    return (a->cz > b->cz) - (a->cz < b->cz);
}

/* The LOD the chunk aims for: the finer of what the view and the prediction want. */
static inline uint32_t tp__chunk_target_lod(const tp__chunk *c)
{
    return c->view_lod < c->pred_lod ? c->view_lod : c->pred_lod;
}

/* The block of the chunk's best resident LOD; NULL when it holds none. */
static inline struct tp__block *tp__chunk_resident(const tp__chunk *c)
{
    return c->fine ? c->fine : c->coarse;
}

/* 1 when the chunk has its coarsest LOD. */
static inline int tp__chunk_has_coarsest(const tp__chunk *c)
{
    return c->coarse != NULL;
}

/* The best LOD the chunk has resident, or −1. */
static inline int tp__chunk_best_lod(const tp__chunk *c, uint32_t coarsest)
{
    if (c->fine)
        return (int)c->fine_lod;
    return tp__chunk_has_coarsest(c) ? (int)coarsest : -1;
}

#endif /* TP_RUNTIME_CHUNK_TABLE_H */
