/* permanent.c — the permanent coarsest LOD of the baked region: its tile table and the
 * arrays of the tiles the file stores, the arena its meshes live in, and loading it at
 * open. */
#include <string.h>

#include "alloc.h"
#include "permanent.h"
#include "terrapage/mesh.h"

/* Meshes of the permanent LOD sit back to back in slabs: they are never freed one by
 * one, and a slab costs one allocation for a few hundred of them. */
#define ARENA_SLAB_BYTES (16u << 10)
#define ARENA_SLAB_HEADER 16u /* the slab's size, in its first word */

void tp__permanent_init(tp__permanent *p, const tp_streamer_allocator *mem,
                        const tp__layout *layout)
{
    memset(p, 0, sizeof *p);
    p->mem = mem;
    p->layout = layout;
}

/* The arrays of chunk k of a tile, to fill. */
static uint16_t *heights_at(const tp__permanent *p, tp__permanent_tile *tile, uint32_t k)
{
    return tile->heights + k * tp__lod_samples(p->layout, p->layout->coarsest);
}

static uint8_t *biomes_at(const tp__permanent *p, tp__permanent_tile *tile, uint32_t k)
{
    return tile->biomes + k * tp__lod_samples(p->layout, p->layout->coarsest);
}

static tp__mesh *arena_mesh(tp__permanent *p, uint32_t vertex_count, uint32_t index_count)
{
    size_t bytes = (tp__mesh_record_bytes(vertex_count, index_count) + 15u) & ~(size_t)15u;
    if (p->arena_count == 0 || p->arena_used + bytes > p->arena_slab_bytes) {
        void **slabs = tp__grow_array(p->mem, p->arena, sizeof *slabs, p->arena_count,
                                      p->arena_count + 1, 16, &p->arena_cap);
        if (!slabs)
            return NULL;
        p->arena = slabs;
        size_t slab = bytes + ARENA_SLAB_HEADER > ARENA_SLAB_BYTES ? bytes + ARENA_SLAB_HEADER
                                                                   : ARENA_SLAB_BYTES;
        uint8_t *mem = tp__alloc(p->mem, slab);
        if (!mem)
            return NULL;
        memcpy(mem, &slab, sizeof slab);
        p->arena[p->arena_count++] = mem;
        p->arena_used = ARENA_SLAB_HEADER;
        p->arena_slab_bytes = slab;
        p->arena_bytes += slab;
    }
    tp__mesh *m = (tp__mesh *)((uint8_t *)p->arena[p->arena_count - 1] + p->arena_used);
    p->arena_used += bytes;
    m->next = NULL;
    m->bytes = bytes;
    m->cls = TP__MESH_PERMANENT;
    tp__mesh_layout(m, vertex_count, index_count);
    return m;
}

/* Decodes a mesh encoding into a new arena record, or fails without using it. */
static tp_result arena_decode(tp__permanent *p, const tp__mesh_raw *raw, tp__mesh **out)
{
    tp_mesh info;
    tp_result r = tp_mesh_decode_header(raw->bytes, raw->size, &info);
    if (r != TP_OK)
        return TP_ERR_CORRUPT;
    tp__mesh *m = arena_mesh(p, info.vertex_count, info.index_count);
    if (!m)
        return TP_ERR_OUT_OF_MEMORY;
    if (tp__mesh_decode_into(m, raw->bytes, raw->size, raw->error_m, raw->flags) != TP_OK) {
        p->arena_used -= m->bytes; /* the record was the last one: give it back */
        return TP_ERR_CORRUPT;
    }
    *out = m;
    return TP_OK;
}

/* Reads one chunk's coarsest LOD (grids and mesh) from the file. */
static tp_result read_chunk(tp__permanent *p, const tp__page_source *src, const tp__scratch *sc,
                            int32_t cx, int32_t cz, tp__permanent_tile *tile, uint32_t k,
                            tp__stats *stats)
{
    uint64_t read = 0;
    tp__mesh_raw raw;
    tp_result r = tp__page_read_coarsest(src, cx, cz, heights_at(p, tile, k),
                                         biomes_at(p, tile, k), sc,
                                         p->layout->meshes ? &raw : NULL, &read);
    if (r == TP_OK && p->layout->meshes)
        r = arena_decode(p, &raw, &tile->mesh[k]);
    tp__stats_page(stats, read, 0);
    return r;
}

/* Regenerates one chunk's coarsest LOD (grids and mesh), as the baker made it. */
static tp_result generate_chunk(tp__permanent *p, const tp__page_source *src,
                                const tp__scratch *sc, int32_t cx, int32_t cz,
                                tp__permanent_tile *tile, uint32_t k)
{
    tp__mesh_raw raw;
    const int meshes = p->layout->meshes;
    tp_result r = tp__page_generate_coarsest(src, cx, cz, heights_at(p, tile, k),
                                             biomes_at(p, tile, k), sc, meshes ? &raw : NULL);
    if (!meshes)
        return TP_OK;
    tile->mesh[k] = NULL;
    if (r == TP_OK)
        r = arena_decode(p, &raw, &tile->mesh[k]);
    return r == TP_ERR_OUT_OF_MEMORY ? r : TP_OK; /* a mesh that cannot be built: none */
}

static size_t align_up(size_t n, size_t a)
{
    return (n + a - 1) / a * a;
}

/* The arrays of one tile in one allocation: the record, the mesh pointers, heights,
 * biomes, states. Every chunk starts absent, without a mesh. NULL when out of memory. */
static tp__permanent_tile *tile_alloc(tp__permanent *p, const tp_tile_info *info)
{
    const tp__layout *l = p->layout;
    const size_t n = (size_t)info->width * info->height;
    const size_t mesh_off = align_up(sizeof(tp__permanent_tile), sizeof(void *));
    const size_t heights_off = mesh_off + (l->meshes ? n * sizeof(tp__mesh *) : 0);
    const size_t biomes_off = heights_off + n * tp__height_bytes(l, l->coarsest);
    const size_t state_off = biomes_off + n * tp__biome_bytes(l, l->coarsest);
    const size_t bytes = state_off + n;
    uint8_t *mem = tp__alloc(p->mem, bytes);
    if (!mem)
        return NULL;
    tp__permanent_tile *tile = (tp__permanent_tile *)(void *)mem;
    *tile = (tp__permanent_tile){
        .bytes = bytes,
        .cx0 = info->cx0,
        .cz0 = info->cz0,
        .width = info->width,
        .height = info->height,
        .state = mem + state_off,
        .heights = (uint16_t *)(void *)(mem + heights_off),
        .biomes = mem + biomes_off,
        .mesh = l->meshes ? (tp__mesh **)(void *)(mem + mesh_off) : NULL,
    };
    memset(tile->state, TP__PERMANENT_NONE, n);
    for (size_t k = 0; l->meshes && k < n; k++)
        tile->mesh[k] = NULL;
    p->array_bytes += bytes;
    return tile;
}

/* Fills one tile: each chunk read from the file, regenerated when its page fails, or
 * left absent when the file lacks it. */
static tp_result load_tile(tp__permanent *p, const tp__page_source *src, const tp__scratch *sc,
                           tp__permanent_tile *tile, tp__stats *stats)
{
    const tp__layout *l = p->layout;
    const size_t grid_bytes = tp__grid_bytes(l, l->coarsest);
    for (uint32_t k = 0; k < tile->width * tile->height; k++) {
        const int32_t cx = tile->cx0 + (int32_t)(k % tile->width);
        const int32_t cz = tile->cz0 + (int32_t)(k / tile->width);
        tp_result r = read_chunk(p, src, sc, cx, cz, tile, k, stats);
        if (r == TP_ERR_OUT_OF_MEMORY)
            return tp__error_set(r, "streamer: out of memory for the coarsest meshes");
        if (r == TP_OK) {
            tile->state[k] = TP__PERMANENT_FILE;
            tp__stats_page(stats, 0, grid_bytes + (l->meshes ? tile->mesh[k]->bytes : 0));
            continue;
        }
        tp_chunk_bounds bounds;
        if (r == TP_ERR_NOT_FOUND && tp__page_source_bounds(src, cx, cz, &bounds) != TP_OK)
            continue; /* absent from the file */
        /* Present but unreadable (or a layer missing): never trust it, regenerate. */
        if (generate_chunk(p, src, sc, cx, cz, tile, k) != TP_OK)
            return tp__error_set(TP_ERR_OUT_OF_MEMORY,
                                 "streamer: out of memory for the coarsest meshes");
        tile->state[k] = TP__PERMANENT_REPAIRED;
        tp__stats_fallback(stats, r);
        tp__stats_page(stats, 0, grid_bytes);
    }
    return TP_OK;
}

tp_result tp__permanent_load(tp__permanent *p, const tp__page_source *src,
                             const tp__scratch *sc, tp__stats *stats)
{
    tp_tile_grid grid;
    tp__page_source_tile_grid(src, &grid);
    while ((1u << p->tile_shift) < grid.tile_edge)
        p->tile_shift++;
    p->tiles_x = grid.tiles_x;
    if (grid.tile_count > (SIZE_MAX / 4) / sizeof *p->tiles)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: the region is too large");
    const size_t table_bytes = (size_t)grid.tile_count * sizeof *p->tiles;
    if (grid.tile_count && !(p->tiles = tp__alloc(p->mem, table_bytes)))
        return tp__error_set(TP_ERR_OUT_OF_MEMORY,
                             "streamer: out of memory for the tile table of %llu tiles",
                             (unsigned long long)grid.tile_count);
    p->tile_count = grid.tile_count;
    p->array_bytes = table_bytes;
    for (uint64_t t = 0; t < p->tile_count; t++)
        p->tiles[t] = NULL;
    for (uint64_t t = 0; t < p->tile_count; t++) {
        tp_tile_info info;
        if (tp__page_source_tile(src, t, &info) != TP_OK)
            continue; /* the file stores no chunk of this tile */
        if (!(p->tiles[t] = tile_alloc(p, &info)))
            return tp__error_set(TP_ERR_OUT_OF_MEMORY,
                                 "streamer: out of memory for the coarsest LOD of a tile of "
                                 "%u x %u chunks", info.width, info.height);
        tp_result r = load_tile(p, src, sc, p->tiles[t], stats);
        if (r != TP_OK)
            return r;
    }
    p->bytes = p->array_bytes + p->arena_bytes + p->arena_cap * sizeof(void *);
    return TP_OK;
}

int64_t tp__permanent_next(const tp__permanent *p, int64_t after, int32_t *out_cx,
                           int32_t *out_cz)
{
    uint64_t t = after < 0 ? 0 : (uint64_t)after >> TP__PERMANENT_SLOT_BITS;
    uint32_t k = after < 0 ? 0 : tp__permanent_slot(after) + 1u;
    for (; t < p->tile_count; t++, k = 0) {
        const tp__permanent_tile *tile = p->tiles[t];
        if (!tile)
            continue;
        for (; k < tile->width * tile->height; k++)
            if (tile->state[k] != TP__PERMANENT_NONE) {
                *out_cx = tile->cx0 + (int32_t)(k % tile->width);
                *out_cz = tile->cz0 + (int32_t)(k / tile->width);
                return (int64_t)(t << TP__PERMANENT_SLOT_BITS | k);
            }
    }
    return -1;
}

void tp__permanent_free(tp__permanent *p)
{
    for (uint64_t t = 0; p->tiles && t < p->tile_count; t++)
        if (p->tiles[t])
            tp__free(p->mem, p->tiles[t], p->tiles[t]->bytes);
    tp__free(p->mem, p->tiles, (size_t)p->tile_count * sizeof *p->tiles);
    for (uint32_t i = 0; i < p->arena_count; i++) {
        size_t slab;
        memcpy(&slab, p->arena[i], sizeof slab);
        tp__free(p->mem, p->arena[i], slab);
    }
    tp__free(p->mem, p->arena, p->arena_cap * sizeof *p->arena);
    const tp_streamer_allocator *mem = p->mem;
    const tp__layout *l = p->layout;
    tp__permanent_init(p, mem, l);
}
