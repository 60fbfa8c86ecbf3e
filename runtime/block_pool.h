/* block_pool.h — grid blocks: one LOD of one chunk (heights, biomes, climate, and the
 * mesh it owns) in one allocation, pooled by LOD for reuse.
 *
 * A block's life: taken from the pool (or allocated) by the game thread, filled by a
 * worker or the game thread, published in a chunk, and given back when it leaves the
 * chunk — to the pool at once, or, while a caller still has it pinned, to the retired
 * list until the pins drop. Everything here is game-thread state except a block's pin
 * count, which views release from any thread. */
#ifndef TP_RUNTIME_BLOCK_POOL_H
#define TP_RUNTIME_BLOCK_POOL_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "layout.h"
#include "mesh_pool.h"

typedef struct tp__block {
    struct tp__block *next;  /* pool free list or retired list */
    size_t bytes;            /* allocation size, counted against the budget */
    uint32_t lod;            /* also the pool class */
    uint32_t source;         /* tp_streamer_source */
    uint32_t has_climate;    /* the climate arrays hold data */
    int32_t cx, cz;
    atomic_uint pins;        /* views acquired and not released */
    uint16_t *heights;       /* edge² */
    uint8_t *biomes;         /* edge² */
    int16_t *temperature;    /* climate_edge² */
    uint16_t *precipitation; /* climate_edge² */
    tp__mesh *mesh;          /* this LOD's mesh (meshes on), owned by the block */
} tp__block;

typedef struct tp__block_pool {
    tp__block *free[TP_MAX_LODS];
    tp__block *retired;          /* replaced while pinned */
    size_t block_bytes[TP_MAX_LODS];
    const tp__layout *layout;
    const tp_streamer_allocator *mem;
    tp__budget *budget;
    tp__mesh_pool *meshes;       /* where a block's mesh goes when the block does */
} tp__block_pool;

void tp__block_pool_init(tp__block_pool *bp, const tp_streamer_allocator *mem,
                         tp__budget *budget, tp__mesh_pool *meshes, const tp__layout *layout);

/* Block sizes for the layout (once it is known). */
void tp__block_pool_plan(tp__block_pool *bp);

/* The allocation size of a block at `lod`. */
static inline size_t tp__block_bytes(const tp__block_pool *bp, uint32_t lod)
{
    return bp->block_bytes[lod];
}

/* Grid and mesh bytes of a block. */
static inline size_t tp__block_total(const tp__block *b)
{
    return b->bytes + (b->mesh ? b->mesh->bytes : 0);
}

/* 1 when a block of `lod` waits in the pool (taking it needs no room). */
int tp__block_pooled(const tp__block_pool *bp, uint32_t lod);

/* A block of `lod`, pooled or allocated (the caller has made room for
 * tp__block_bytes() when the pool is empty); unpinned, without a mesh. NULL when the
 * allocator fails. */
tp__block *tp__block_get(tp__block_pool *bp, uint32_t lod);

/* A block that was never published (cancelled or failed work): to the pool. */
void tp__block_unused(tp__block_pool *bp, tp__block *b);

/* A block and its mesh become resident (in flight → published). */
void tp__block_publish(tp__block_pool *bp, tp__block *b);

/* A published block leaves its chunk: to the pool, or retired while pinned. */
void tp__block_put(tp__block_pool *bp, tp__block *b);

/* Retired blocks whose pins have dropped go to the pool. */
void tp__block_retired_collect(tp__block_pool *bp);

/* Frees pooled blocks, largest (finest LOD) first, then pooled meshes, until
 * held_bytes ≤ target_held. */
void tp__block_pool_trim(tp__block_pool *bp, uint64_t target_held);

/* At close: retired blocks to the pool whatever their pins, then every pooled block and
 * mesh freed. */
void tp__block_pool_free(tp__block_pool *bp);

#endif /* TP_RUNTIME_BLOCK_POOL_H */
