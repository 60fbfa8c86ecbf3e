/* permanent.h — the permanent coarsest LOD: at open, the coarsest LOD of every chunk the
 * file bakes (heights, biomes and mesh) is decoded and stays resident for the streamer's
 * life, so a baked chunk in view always has some LOD. A page that fails is regenerated
 * at open; a chunk absent from the file has none (it is generated on demand like a chunk
 * outside the region). Read-only after open; game thread only.
 *
 * Memory follows the file, not the declared region: a table of one pointer per tile of
 * the region (the file's block table stores 16 bytes per tile), and arrays only for the
 * tiles that have a directory block, one allocation per tile. A header that declares a
 * vast region over a small file thus costs the pointer table, never arrays per declared
 * chunk.
 *
 * A chunk with a permanent LOD is named by its index: (tile << TP__PERMANENT_SLOT_BITS)
 * | its place in the tile, row-major. Looking one up costs the region check, one tile
 * pointer and one state byte. */
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

/* Bits of an index that name the chunk inside its tile: tiles have at most 256 × 256
 * chunks (the format's largest tile_shift, 8). */
#define TP__PERMANENT_SLOT_BITS 16u
#define TP__PERMANENT_SLOT_MASK ((1u << TP__PERMANENT_SLOT_BITS) - 1u)

/* The permanent LOD of one tile the file has a directory block for: its chunks' arrays,
 * row-major over the tile, in one allocation that starts with this record. */
typedef struct tp__permanent_tile {
    size_t bytes;               /* the allocation, this record included */
    int32_t cx0, cz0;           /* the tile's first chunk */
    uint32_t width, height;     /* its chunks along +x and +z */
    uint8_t *state;             /* tp__permanent_state of each chunk */
    uint16_t *heights;          /* edge² codes per chunk */
    uint8_t *biomes;            /* edge² ids per chunk */
    tp__mesh **mesh;            /* each chunk's mesh (meshes on, else NULL); NULL if none
                                   was built */
} tp__permanent_tile;

typedef struct tp__permanent {
    tp__permanent_tile **tiles; /* per tile of the region, row-major; NULL where the file
                                   stores no chunk of the tile */
    uint64_t tile_count;
    uint32_t tiles_x, tile_shift; /* the file's tiling (tile edge 2^tile_shift chunks) */
    size_t array_bytes;         /* the tile table and every tile's allocation */
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
 *  scratch `sc`), tile by tile over the tiles the file has a directory block for,
 *  regenerating each page that fails, and counts the work in `stats`.
 *  @return TP_OK; TP_ERR_OUT_OF_MEMORY (with a detail). */
tp_result tp__permanent_load(tp__permanent *p, const tp__page_source *src,
                             const tp__scratch *sc, tp__stats *stats);

/* The index of (cx, cz), or −1 when it has no permanent coarsest LOD. */
static inline int64_t tp__permanent_index(const tp__permanent *p, int32_t cx, int32_t cz)
{
    const tp__region *r = &p->layout->region;
    int64_t dx = (int64_t)cx - r->x0, dz = (int64_t)cz - r->z0;
    if (dx < 0 || dz < 0 || dx >= (int64_t)r->width || dz >= (int64_t)r->height)
        return -1;
    uint64_t t = ((uint64_t)dz >> p->tile_shift) * p->tiles_x + ((uint64_t)dx >> p->tile_shift);
    const tp__permanent_tile *tile = p->tiles[t];
    if (!tile)
        return -1;
    uint32_t mask = (1u << p->tile_shift) - 1u;
    uint32_t k = ((uint32_t)dz & mask) * tile->width + ((uint32_t)dx & mask);
    return tile->state[k] != TP__PERMANENT_NONE ? (int64_t)(t << TP__PERMANENT_SLOT_BITS | k)
                                                : -1;
}

/* 1 when (cx, cz) has a permanent coarsest LOD. */
static inline int tp__permanent_has(const tp__permanent *p, int32_t cx, int32_t cz)
{
    return tp__permanent_index(p, cx, cz) >= 0;
}

/* The tile of index i, and i's place in it. */
static inline const tp__permanent_tile *tp__permanent_tile_of(const tp__permanent *p, int64_t i)
{
    return p->tiles[(uint64_t)i >> TP__PERMANENT_SLOT_BITS];
}

static inline uint32_t tp__permanent_slot(int64_t i)
{
    return (uint32_t)i & TP__PERMANENT_SLOT_MASK;
}

/* The state of index i. */
static inline tp__permanent_state tp__permanent_state_at(const tp__permanent *p, int64_t i)
{
    return (tp__permanent_state)tp__permanent_tile_of(p, i)->state[tp__permanent_slot(i)];
}

/* The arrays of index i (which has a permanent LOD). */
static inline const uint16_t *tp__permanent_heights(const tp__permanent *p, int64_t i)
{
    return tp__permanent_tile_of(p, i)->heights +
           tp__permanent_slot(i) * tp__lod_samples(p->layout, p->layout->coarsest);
}

static inline const uint8_t *tp__permanent_biomes(const tp__permanent *p, int64_t i)
{
    return tp__permanent_tile_of(p, i)->biomes +
           tp__permanent_slot(i) * tp__lod_samples(p->layout, p->layout->coarsest);
}

/* The mesh of index i, or NULL (meshes off, or none could be built). */
static inline const tp_chunk_mesh *tp__permanent_mesh(const tp__permanent *p, int64_t i)
{
    const tp__permanent_tile *tile = tp__permanent_tile_of(p, i);
    const tp__mesh *m = tile->mesh ? tile->mesh[tp__permanent_slot(i)] : NULL;
    return m ? &m->pub : NULL;
}

/*! tp__permanent_next() :
 *  The walk over every chunk with a permanent LOD, tile by tile: start with after = −1,
 *  then pass the index returned. Costs one step per tile of the region plus one per
 *  chunk of the tiles the file stores.
 *  @return the next index after `after`, with its chunk in *out_cx, *out_cz; −1 at the
 *  end. */
int64_t tp__permanent_next(const tp__permanent *p, int64_t after, int32_t *out_cx,
                           int32_t *out_cz);

void tp__permanent_free(tp__permanent *p);

#endif /* TP_RUNTIME_PERMANENT_H */
