/* permanent.c — the permanent coarsest LOD of the baked region: its arrays, the arena
 * its meshes live in, and loading it at open. */
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

/* The arrays of index i, to fill. */
static uint16_t *heights_at(tp__permanent *p, uint64_t i)
{
    return p->heights + i * tp__lod_samples(p->layout, p->layout->coarsest);
}

static uint8_t *biomes_at(tp__permanent *p, uint64_t i)
{
    return p->biomes + i * tp__lod_samples(p->layout, p->layout->coarsest);
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
                            int32_t cx, int32_t cz, uint64_t i, tp__stats *stats)
{
    uint64_t read = 0;
    tp__mesh_raw raw;
    tp_result r = tp__page_read_coarsest(src, cx, cz, heights_at(p, i), biomes_at(p, i), sc,
                                         p->layout->meshes ? &raw : NULL, &read);
    if (r == TP_OK && p->layout->meshes)
        r = arena_decode(p, &raw, &p->mesh[i]);
    tp__stats_page(stats, read, 0);
    return r;
}

/* Regenerates one chunk's coarsest LOD (grids and mesh), as the baker made it. */
static tp_result generate_chunk(tp__permanent *p, const tp__page_source *src,
                                const tp__scratch *sc, int32_t cx, int32_t cz, uint64_t i)
{
    tp__mesh_raw raw;
    const int meshes = p->layout->meshes;
    tp_result r = tp__page_generate_coarsest(src, cx, cz, heights_at(p, i), biomes_at(p, i), sc,
                                             meshes ? &raw : NULL);
    if (!meshes)
        return TP_OK;
    p->mesh[i] = NULL;
    if (r == TP_OK)
        r = arena_decode(p, &raw, &p->mesh[i]);
    return r == TP_ERR_OUT_OF_MEMORY ? r : TP_OK; /* a mesh that cannot be built: none */
}

tp_result tp__permanent_load(tp__permanent *p, const tp__page_source *src,
                             const tp__scratch *sc, tp__stats *stats)
{
    const tp__layout *l = p->layout;
    uint64_t count = tp__region_count(&l->region);
    size_t grid_bytes = tp__grid_bytes(l, l->coarsest);
    size_t per_chunk = grid_bytes + sizeof *p->state + (l->meshes ? sizeof *p->mesh : 0);
    if (count > (SIZE_MAX / 4) / per_chunk)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: the region is too large");
    p->array_bytes = (size_t)count * per_chunk;
    p->state = tp__alloc(p->mem, (size_t)count * sizeof *p->state);
    p->heights = tp__alloc(p->mem, (size_t)count * tp__height_bytes(l, l->coarsest));
    p->biomes = tp__alloc(p->mem, (size_t)count * tp__biome_bytes(l, l->coarsest));
    if (l->meshes && (p->mesh = tp__alloc(p->mem, (size_t)count * sizeof *p->mesh)))
        memset(p->mesh, 0, (size_t)count * sizeof *p->mesh);
    if (!p->state || !p->heights || !p->biomes || (l->meshes && !p->mesh))
        return tp__error_set(TP_ERR_OUT_OF_MEMORY,
                             "streamer: out of memory for the coarsest LOD of %llu chunks",
                             (unsigned long long)count);
    for (uint64_t i = 0; i < count; i++) {
        int32_t cx, cz;
        tp__region_chunk(&l->region, i, &cx, &cz);
        tp_result r = read_chunk(p, src, sc, cx, cz, i, stats);
        if (r == TP_ERR_OUT_OF_MEMORY)
            return tp__error_set(r, "streamer: out of memory for the coarsest meshes");
        p->state[i] = TP__PERMANENT_FILE;
        if (r == TP_OK) {
            tp__stats_page(stats, 0, grid_bytes + (l->meshes ? p->mesh[i]->bytes : 0));
            continue;
        }
        tp_chunk_bounds bounds;
        if (r == TP_ERR_NOT_FOUND && tp__page_source_bounds(src, cx, cz, &bounds) != TP_OK) {
            p->state[i] = TP__PERMANENT_NONE; /* absent from the file */
            continue;
        }
        /* Present but unreadable (or a layer missing): never trust it, regenerate. */
        if (generate_chunk(p, src, sc, cx, cz, i) != TP_OK)
            return tp__error_set(TP_ERR_OUT_OF_MEMORY,
                                 "streamer: out of memory for the coarsest meshes");
        p->state[i] = TP__PERMANENT_REPAIRED;
        tp__stats_fallback(stats, r);
        tp__stats_page(stats, 0, grid_bytes);
    }
    p->bytes = p->array_bytes + p->arena_bytes + p->arena_cap * sizeof(void *);
    return TP_OK;
}

void tp__permanent_free(tp__permanent *p)
{
    const tp__layout *l = p->layout;
    size_t count = (size_t)tp__region_count(&l->region);
    tp__free(p->mem, p->state, count * sizeof *p->state);
    tp__free(p->mem, p->heights, count * tp__height_bytes(l, l->coarsest));
    tp__free(p->mem, p->biomes, count * tp__biome_bytes(l, l->coarsest));
    tp__free(p->mem, p->mesh, count * sizeof *p->mesh);
    for (uint32_t i = 0; i < p->arena_count; i++) {
        size_t slab;
        memcpy(&slab, p->arena[i], sizeof slab);
        tp__free(p->mem, p->arena[i], slab);
    }
    tp__free(p->mem, p->arena, p->arena_cap * sizeof *p->arena);
    const tp_streamer_allocator *mem = p->mem;
    tp__permanent_init(p, mem, l);
}
