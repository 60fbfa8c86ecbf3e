/* budget.h — the accounting of decoded memory against budget_bytes.
 *
 * held_bytes is every decoded byte the streamer owns: the mesh staging of the jobs,
 * published blocks, blocks pinned after being replaced (retired), blocks handed to
 * workers, and pooled blocks and meshes kept for reuse.
 * Nothing is allocated unless held_bytes plus the new allocation fits (eviction.c makes
 * room first), so the budget holds by construction, not by a cleanup pass that might
 * come too late. The pools (block_pool.c, mesh_pool.c) are the only writers. */
#ifndef TP_RUNTIME_BUDGET_H
#define TP_RUNTIME_BUDGET_H

#include <stdint.h>

typedef struct tp__budget {
    uint64_t limit_bytes;       /* budget_bytes, resolved */
    uint64_t held_bytes;        /* everything counted against the budget */
    uint64_t resident_bytes;    /* published + retired */
    uint64_t mesh_bytes;        /* of resident_bytes: the meshes of published blocks */
} tp__budget;

/* At open: the limit, and what is held from the start (the jobs' staging; nothing is
 * resident yet). */
static inline void tp__budget_init(tp__budget *b, uint64_t limit_bytes, uint64_t staging_bytes)
{
    b->limit_bytes = limit_bytes;
    b->held_bytes = staging_bytes;
    b->resident_bytes = 0;
    b->mesh_bytes = 0;
}

/* The options changed the limit. A lower one may be below what is held for a while:
 * nothing new fits until room is made (streamer.c makes it in the next update). */
static inline void tp__budget_set_limit(tp__budget *b, uint64_t limit_bytes)
{
    b->limit_bytes = limit_bytes;
}

/* 1 when `bytes` more can be held within the budget. */
static inline int tp__budget_fits(const tp__budget *b, uint64_t bytes)
{
    return b->held_bytes + bytes <= b->limit_bytes;
}

/* The held_bytes that leaves room for `bytes` more (what the pools trim down to). */
static inline uint64_t tp__budget_room_for(const tp__budget *b, uint64_t bytes)
{
    return b->limit_bytes > bytes ? b->limit_bytes - bytes : 0;
}

static inline void tp__budget_allocated(tp__budget *b, uint64_t bytes)
{
    b->held_bytes += bytes;
}

static inline void tp__budget_freed(tp__budget *b, uint64_t bytes)
{
    b->held_bytes -= bytes;
}

/* A block (total: grid and mesh bytes; mesh: its mesh's) became visible, or stopped being. */
static inline void tp__budget_published(tp__budget *b, uint64_t total, uint64_t mesh)
{
    b->resident_bytes += total;
    b->mesh_bytes += mesh;
}

static inline void tp__budget_unpublished(tp__budget *b, uint64_t total, uint64_t mesh)
{
    b->resident_bytes -= total;
    b->mesh_bytes -= mesh;
}

#endif /* TP_RUNTIME_BUDGET_H */
