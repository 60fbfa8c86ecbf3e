/* block_pool.c — grid blocks: layout, pooling by LOD, publication and retirement. */
#include <string.h>

#include "alloc.h"
#include "block_pool.h"

/* A block is one allocation: the header, then heights, biomes (padded to an even size:
 * the climate arrays need 2-byte alignment), temperature and precipitation. */
#define BLOCK_HEADER ((sizeof(tp__block) + 15u) & ~(size_t)15u)

static size_t padded_biome_bytes(const tp__layout *l, uint32_t lod)
{
    return (tp__biome_bytes(l, lod) + 1u) & ~(size_t)1u;
}

static void block_layout(const tp__layout *l, tp__block *b, uint32_t lod)
{
    uint8_t *p = (uint8_t *)b + BLOCK_HEADER;
    b->heights = (uint16_t *)p;
    p += tp__height_bytes(l, lod);
    b->biomes = p;
    p += padded_biome_bytes(l, lod);
    b->temperature = (int16_t *)p;
    p += tp__climate_layer_bytes(l);
    b->precipitation = (uint16_t *)p;
}

void tp__block_pool_init(tp__block_pool *bp, const tp_streamer_allocator *mem,
                         tp__budget *budget, tp__mesh_pool *meshes, const tp__layout *layout)
{
    memset(bp, 0, sizeof *bp);
    bp->mem = mem;
    bp->budget = budget;
    bp->meshes = meshes;
    bp->layout = layout;
}

void tp__block_pool_plan(tp__block_pool *bp)
{
    const tp__layout *l = bp->layout;
    for (uint32_t k = 0; k < l->lod_count; k++)
        bp->block_bytes[k] = BLOCK_HEADER + tp__height_bytes(l, k) + padded_biome_bytes(l, k) +
                             tp__climate_bytes(l);
}

int tp__block_pooled(const tp__block_pool *bp, uint32_t lod)
{
    return bp->free[lod] != NULL;
}

tp__block *tp__block_get(tp__block_pool *bp, uint32_t lod)
{
    tp__block *b = bp->free[lod];
    if (b) {
        bp->free[lod] = b->next;
    } else {
        size_t bytes = bp->block_bytes[lod];
        b = tp__alloc(bp->mem, bytes);
        if (!b)
            return NULL;
        memset(b, 0, sizeof *b);
        b->bytes = bytes;
        b->lod = lod;
        block_layout(bp->layout, b, lod);
        tp__budget_allocated(bp->budget, bytes);
    }
    b->next = NULL;
    b->mesh = NULL;
    atomic_store_explicit(&b->pins, 0u, memory_order_relaxed);
    return b;
}

/* To the pools: the block by LOD, its mesh by size class. */
static void pool_push(tp__block_pool *bp, tp__block *b)
{
    tp__mesh_put(bp->meshes, b->mesh);
    b->mesh = NULL;
    b->next = bp->free[b->lod];
    bp->free[b->lod] = b;
}

void tp__block_unused(tp__block_pool *bp, tp__block *b)
{
    pool_push(bp, b);
}

void tp__block_publish(tp__block_pool *bp, tp__block *b)
{
    tp__budget_published(bp->budget, tp__block_total(b), b->mesh ? b->mesh->bytes : 0);
}

static void unpublish(tp__block_pool *bp, tp__block *b)
{
    tp__budget_unpublished(bp->budget, tp__block_total(b), b->mesh ? b->mesh->bytes : 0);
    pool_push(bp, b);
}

void tp__block_put(tp__block_pool *bp, tp__block *b)
{
    if (atomic_load_explicit(&b->pins, memory_order_acquire) != 0) {
        b->next = bp->retired;
        bp->retired = b;
        return;
    }
    unpublish(bp, b);
}

void tp__block_retired_collect(tp__block_pool *bp)
{
    tp__block **link = &bp->retired;
    while (*link) {
        tp__block *b = *link;
        if (atomic_load_explicit(&b->pins, memory_order_acquire) == 0) {
            *link = b->next;
            unpublish(bp, b);
        } else {
            link = &b->next;
        }
    }
}

void tp__block_pool_trim(tp__block_pool *bp, uint64_t target_held)
{
    tp__budget *budget = bp->budget;
    const uint32_t lod_count = bp->layout->lod_count;
    for (uint32_t lod = 0; lod < lod_count && budget->held_bytes > target_held; lod++) {
        while (bp->free[lod] && budget->held_bytes > target_held) {
            tp__block *b = bp->free[lod];
            bp->free[lod] = b->next;
            tp__budget_freed(budget, b->bytes);
            tp__free(bp->mem, b, b->bytes);
        }
    }
    tp__mesh_pool_trim(bp->meshes, target_held);
}

void tp__block_pool_free(tp__block_pool *bp)
{
    while (bp->retired) {
        tp__block *b = bp->retired;
        bp->retired = b->next;
        pool_push(bp, b);
    }
    tp__block_pool_trim(bp, 0);
}
