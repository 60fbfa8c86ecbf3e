/* permanent.h — the permanent coarsest LOD: at open, the coarsest LOD of every chunk the
 * file bakes (heights, biomes and mesh) is decoded into arrays over the region's
 * rectangle and stays resident for the streamer's life, so a baked chunk in view always
 * has some LOD. A page that fails is regenerated at open; a chunk absent from the file
 * has none (it is generated on demand like a chunk outside the region). Read-only after
 * open; game thread only. */
#ifndef TP_RUNTIME_PERMANENT_H
#define TP_RUNTIME_PERMANENT_H

#include <stddef.h>
#include <stdint.h>

#include "layout.h"
#include "mesh_pool.h"
#include "page_in.h"
#include "stats.h"

/* What the permanent coarsest LOD holds for a chunk of the region. */
typedef enum tp__permanent_state {
    TP__PERMANENT_NONE = 0,     /* absent from the file: generated on demand */
    TP__PERMANENT_FILE = 1,     /* decoded from the file */
    TP__PERMANENT_REPAIRED = 2  /* the file's page failed; regenerated at open */
} tp__permanent_state;

typedef struct tp__permanent {
    uint8_t *state;             /* tp__permanent_state of each chunk of the region */
    uint16_t *heights;          /* edge² codes per chunk, in region order */
    uint8_t *biomes;            /* edge² ids per chunk */
    tp__mesh **mesh;            /* each chunk's mesh (meshes on); NULL if none was built */
    size_t array_bytes;         /* the four arrays */
    void **arena;               /* slabs holding the meshes */
    uint32_t arena_count, arena_cap;
    size_t arena_used, arena_slab_bytes, arena_bytes;
    uint64_t bytes;             /* all of it, held against the budget for good */
    const tp__layout *layout;
    const tp_streamer_allocator *mem;
} tp__permanent;

void tp__permanent_init(tp__permanent *p, const tp_streamer_allocator *mem,
                        const tp__layout *layout);

/*! tp__permanent_load() :
 *  Decodes the coarsest LOD of every baked chunk from `src` (with the game thread's
 *  scratch `sc`), regenerating each page that fails, and counts the work in `stats`.
 *  @return TP_OK; TP_ERR_OUT_OF_MEMORY (with a detail). */
tp_result tp__permanent_load(tp__permanent *p, const tp__page_source *src,
                             const tp__scratch *sc, tp__stats *stats);

/* The index of (cx, cz) in the permanent arrays, or −1 when it has no permanent LOD. */
static inline int64_t tp__permanent_index(const tp__permanent *p, int32_t cx, int32_t cz)
{
    int64_t i = tp__region_index(&p->layout->region, cx, cz);
    return i >= 0 && p->state[i] != TP__PERMANENT_NONE ? i : -1;
}

/* 1 when (cx, cz) has a permanent coarsest LOD. */
static inline int tp__permanent_has(const tp__permanent *p, int32_t cx, int32_t cz)
{
    return tp__permanent_index(p, cx, cz) >= 0;
}

/* The state of index i of the region. */
static inline tp__permanent_state tp__permanent_state_at(const tp__permanent *p, uint64_t i)
{
    return (tp__permanent_state)p->state[i];
}

/* The arrays of index i (which has a permanent LOD). */
static inline const uint16_t *tp__permanent_heights(const tp__permanent *p, uint64_t i)
{
    return p->heights + i * tp__lod_samples(p->layout, p->layout->coarsest);
}

static inline const uint8_t *tp__permanent_biomes(const tp__permanent *p, uint64_t i)
{
    return p->biomes + i * tp__lod_samples(p->layout, p->layout->coarsest);
}

/* The mesh of index i, or NULL (meshes off, or none could be built). */
static inline const tp_chunk_mesh *tp__permanent_mesh(const tp__permanent *p, uint64_t i)
{
    return p->mesh && p->mesh[i] ? &p->mesh[i]->pub : NULL;
}

void tp__permanent_free(tp__permanent *p);

#endif /* TP_RUNTIME_PERMANENT_H */
