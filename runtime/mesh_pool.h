/* mesh_pool.h — decoded meshes, one LOD of one chunk per allocation, pooled by size class.
 *
 * Meshes vary in size (a flat chunk's LOD 0 has a few hundred vertices, a rough one a
 * few thousand), so they live apart from the fixed-size grid blocks, in allocations
 * rounded up to size classes (four per octave: at most 19% slack) and pooled by class.
 * The arrays follow the header in the same allocation. Game thread only. */
#ifndef TP_RUNTIME_MESH_POOL_H
#define TP_RUNTIME_MESH_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "budget.h"
#include "layout.h"
#include "terrapage/runtime.h"

typedef struct tp__mesh {
    tp_chunk_mesh pub;      /* what views point at; its arrays point below */
    struct tp__mesh *next;  /* pool free list */
    size_t bytes;           /* allocation size, counted against the budget */
    uint32_t cls;           /* size class */
} tp__mesh;

#define TP__MESH_CLASSES 96u

typedef struct tp__mesh_pool {
    tp__mesh *free[TP__MESH_CLASSES];
    size_t expect[TP_MAX_LODS]; /* mesh bytes dispatch makes room for: the largest seen
                                   at the LOD so far */
    size_t coarsest_max;        /* size class of the worst coarsest-LOD mesh */
    const tp_streamer_allocator *mem;
    tp__budget *budget;
} tp__mesh_pool;

void tp__mesh_pool_init(tp__mesh_pool *mp, const tp_streamer_allocator *mem,
                        tp__budget *budget);

/* Sizes for the world (meshes on): the worst coarsest mesh, and a first guess of each
 * LOD's mesh from the size of its grid block. */
void tp__mesh_pool_plan(tp__mesh_pool *mp, const tp__layout *l, const size_t *block_bytes);

/* The allocation size (and *out_cls, its class) of a mesh with these counts. */
size_t tp__mesh_bytes_for(uint32_t vertex_count, uint32_t index_count, uint32_t *out_cls);

/* The unrounded size of a mesh record with these counts. */
size_t tp__mesh_record_bytes(uint32_t vertex_count, uint32_t index_count);

/* Points m's arrays at the memory after its header, for these counts. */
void tp__mesh_layout(tp__mesh *m, uint32_t vertex_count, uint32_t index_count);

/* Decodes mesh encoding `raw` into m, laid out for the counts its header gives, and
 * records the error and flags. TP_ERR_CORRUPT if it does not decode (m is untouched
 * otherwise and may be given back). */
tp_result tp__mesh_decode_into(tp__mesh *m, const void *raw, size_t size, float error_m,
                               uint32_t flags);

/* 1 when a mesh of class `cls` waits in the pool (taking it needs no room). */
int tp__mesh_pooled(const tp__mesh_pool *mp, uint32_t cls);

/* A mesh allocation of the class that holds these counts: pooled, or allocated (the
 * caller has made room for tp__mesh_bytes_for() when the pool is empty). NULL when the
 * counts are beyond every class or the allocator fails. */
tp__mesh *tp__mesh_get(tp__mesh_pool *mp, uint32_t vertex_count, uint32_t index_count);

/* Back to the pool (NULL and arena meshes are ignored). */
void tp__mesh_put(tp__mesh_pool *mp, tp__mesh *m);

/* Frees pooled meshes, largest classes first, until held_bytes ≤ target_held. */
void tp__mesh_pool_trim(tp__mesh_pool *mp, uint64_t target_held);

/* A mesh of `bytes` was seen at `lod`: dispatch makes room for at least as much. */
void tp__mesh_pool_seen(tp__mesh_pool *mp, uint32_t lod, size_t bytes);

#endif /* TP_RUNTIME_MESH_POOL_H */
