/* layout.h — what follows from the world and the file, fixed at open and read by every
 * part of the runtime (and by the workers): the chunk size, the grid edge of each LOD,
 * whether meshes travel with the pages, and the rectangle of chunks the file bakes.
 * The byte sizes of a page's arrays are named here once. */
#ifndef TP_RUNTIME_LAYOUT_H
#define TP_RUNTIME_LAYOUT_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/page.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

/* Bytes per grid sample of a page: a 16-bit height code and an 8-bit biome id. */
#define TP__HEIGHT_SAMPLE_BYTES 2u
#define TP__BIOME_SAMPLE_BYTES 1u
#define TP__GRID_SAMPLE_BYTES (TP__HEIGHT_SAMPLE_BYTES + TP__BIOME_SAMPLE_BYTES)
/* Bytes per climate sample: a 16-bit temperature and a 16-bit precipitation. */
#define TP__CLIMATE_LAYER_SAMPLE_BYTES 2u
#define TP__CLIMATE_SAMPLE_BYTES (2u * TP__CLIMATE_LAYER_SAMPLE_BYTES)

/* The chunks the file bakes: [x0, x0 + width) × [z0, z0 + height); empty without a file. */
typedef struct tp__region {
    int32_t x0, z0;
    uint32_t width, height;
} tp__region;

typedef struct tp__layout {
    double chunk_m;
    uint32_t lod_count, coarsest;
    uint32_t edge[TP_MAX_LODS];  /* grid samples per edge at each LOD */
    uint32_t climate_edge;       /* climate samples per edge (every LOD) */
    int meshes;                  /* each resident LOD holds its mesh */
    tp__region region;
} tp__layout;

/* From the pages' layout (the one home of the grid sizes), with meshes on or off. */
void tp__layout_init(tp__layout *l, const tp_page_layout *page, int meshes, tp__region region);

/* Grid samples of one page at `lod` (edge²). */
static inline size_t tp__lod_samples(const tp__layout *l, uint32_t lod)
{
    return (size_t)l->edge[lod] * l->edge[lod];
}

/* Bytes of one page's heights at `lod`. */
static inline size_t tp__height_bytes(const tp__layout *l, uint32_t lod)
{
    return tp__lod_samples(l, lod) * TP__HEIGHT_SAMPLE_BYTES;
}

/* Bytes of one page's biomes at `lod`. */
static inline size_t tp__biome_bytes(const tp__layout *l, uint32_t lod)
{
    return tp__lod_samples(l, lod) * TP__BIOME_SAMPLE_BYTES;
}

/* Bytes of one page's grids (heights and biomes) at `lod`. */
static inline size_t tp__grid_bytes(const tp__layout *l, uint32_t lod)
{
    return tp__lod_samples(l, lod) * TP__GRID_SAMPLE_BYTES;
}

/* Climate samples of one page (climate_edge²). */
static inline size_t tp__climate_samples(const tp__layout *l)
{
    return (size_t)l->climate_edge * l->climate_edge;
}

/* Bytes of one climate layer (temperature or precipitation) of a page. */
static inline size_t tp__climate_layer_bytes(const tp__layout *l)
{
    return tp__climate_samples(l) * TP__CLIMATE_LAYER_SAMPLE_BYTES;
}

/* Bytes of one page's climate (both layers). */
static inline size_t tp__climate_bytes(const tp__layout *l)
{
    return tp__climate_samples(l) * TP__CLIMATE_SAMPLE_BYTES;
}

/* Index of (cx, cz) in the region's rectangle, row-major, or −1 outside it. */
static inline int64_t tp__region_index(const tp__region *r, int32_t cx, int32_t cz)
{
    int64_t dx = (int64_t)cx - r->x0, dz = (int64_t)cz - r->z0;
    if (dx < 0 || dz < 0 || dx >= (int64_t)r->width || dz >= (int64_t)r->height)
        return -1;
    return dz * (int64_t)r->width + dx;
}

#endif /* TP_RUNTIME_LAYOUT_H */
