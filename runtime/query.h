/* query.h — heights, normals and ray hits of the surface the game draws: the resident
 * mesh of each chunk at its best LOD (tp_streamer_height_at(), tp_streamer_raycast()).
 *
 * A mesh is found in by a grid of cells over the chunk, each listing the surface
 * triangles that overlap it, with the range of heights they span. The grid is built the
 * first time a query touches (chunk, LOD) and kept in a small cache: a page's mesh is
 * the same bytes whatever its source (file or fallback), so an entry stays
 * right for as long as the streamer lives, whatever was evicted and paged in again
 * meanwhile. The cache is fixed working memory outside the budget, like the scratch
 * buffers (counted in scratch_bytes). Game thread only. */
#ifndef TP_RUNTIME_QUERY_H
#define TP_RUNTIME_QUERY_H

#include <stdint.h>

#include "terrapage/runtime.h"

#define TP__QUERY_CACHE_ENTRIES 64u   /* meshes indexed at once (a 17 × 17 view has
                                         about 20 chunks finer than the coarsest) */

typedef struct tp__query_grid {
    int32_t cx, cz;
    uint32_t lod;
    int valid;
    uint32_t used;                    /* clock bit for replacement */
    /* The mesh it was built from (checked on every use). */
    uint32_t vertex_count, surface_index_count;
    /* The grid: side × side cells over the chunk; cell k lists the triangles
     * tri[start[k] .. start[k + 1]) (triangle t = indices 3t … 3t + 2). */
    uint32_t side;
    uint32_t *start;                  /* side² + 1 */
    uint32_t *tri;
    uint16_t *cell_min_h, *cell_max_h; /* height codes spanned by each cell's triangles */
    uint16_t min_h, max_h;            /* … by the whole mesh */
    size_t start_cap, tri_cap, min_cap, max_cap; /* capacities, entries */
} tp__query_grid;

typedef struct tp__query_cache {
    tp__query_grid grid[TP__QUERY_CACHE_ENTRIES];
    uint32_t hand;                    /* clock hand */
    uint64_t bytes;                   /* allocated by the grids */
    const tp_streamer_allocator *mem;
} tp__query_cache;

void tp__query_cache_init(tp__query_cache *q, const tp_streamer_allocator *mem);
void tp__query_cache_free(tp__query_cache *q);

#endif /* TP_RUNTIME_QUERY_H */
