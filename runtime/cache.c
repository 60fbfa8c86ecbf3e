/* cache.c — what is resident: the chunk table, the pooled blocks, and the budget.
 *
 * Accounting. held_bytes is every decoded byte the streamer owns: the permanent coarsest
 * LOD, published blocks, blocks pinned after being replaced (retired), blocks handed to
 * workers, and pooled blocks kept for reuse. Nothing is allocated unless held_bytes plus
 * the new block fits the budget, so the budget holds by construction, not by a cleanup
 * pass that might come too late. */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- Region: the permanent coarsest LOD ------------------------------------------------ */

int tp__has_permanent(const tp_streamer *s, int32_t cx, int32_t cz)
{
    int64_t i = tp__region_index(&s->layout.region, cx, cz);
    return i >= 0 && s->region_present[i] != TP__PERMANENT_NONE;
}

int tp__best_lod(const tp_streamer *s, const tp__chunk *c, int32_t cx, int32_t cz)
{
    if (c && c->fine)
        return (int)c->fine_lod;
    if ((c && c->coarse) || tp__has_permanent(s, cx, cz))
        return (int)s->layout.coarsest;
    return -1;
}

/* ---- Chunk table ---------------------------------------------------------------------- */

static uint32_t chunk_hash(int32_t cx, int32_t cz)
{
    uint64_t k = ((uint64_t)(uint32_t)cx << 32) | (uint32_t)cz;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return (uint32_t)k;
}

tp__chunk *tp__chunk_find(const tp_streamer *s, int32_t cx, int32_t cz)
{
    if (!s->table)
        return NULL;
    uint32_t mask = s->table_cap - 1;
    for (uint32_t i = chunk_hash(cx, cz) & mask;; i = (i + 1) & mask) {
        tp__chunk *c = s->table[i];
        if (!c)
            return NULL;
        if (c->cx == cx && c->cz == cz)
            return c;
    }
}

static void table_insert(tp__chunk **table, uint32_t cap, tp__chunk *c)
{
    uint32_t mask = cap - 1;
    uint32_t i = chunk_hash(c->cx, c->cz) & mask;
    while (table[i])
        i = (i + 1) & mask;
    table[i] = c;
}

/* Growth is rare (the table settles at about twice the chunks of a view and its
 * prediction), so steady-state updates allocate nothing here. */
static int table_grow(tp_streamer *s)
{
    uint32_t cap = s->table_cap ? s->table_cap * 2 : 1024;
    tp__chunk **t = tp__alloc(&s->opt.allocator, cap * sizeof *t);
    if (!t)
        return 0;
    memset(t, 0, cap * sizeof *t);
    for (uint32_t i = 0; i < s->table_cap; i++)
        if (s->table[i])
            table_insert(t, cap, s->table[i]);
    tp__free(&s->opt.allocator, s->table, s->table_cap * sizeof *s->table);
    s->table = t;
    s->table_cap = cap;
    return 1;
}

static void table_remove(tp_streamer *s, tp__chunk *c)
{
    uint32_t mask = s->table_cap - 1;
    uint32_t i = chunk_hash(c->cx, c->cz) & mask;
    while (s->table[i] != c)
        i = (i + 1) & mask;
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    for (uint32_t j = (i + 1) & mask; s->table[j]; j = (j + 1) & mask) {
        uint32_t home = chunk_hash(s->table[j]->cx, s->table[j]->cz) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            s->table[i] = s->table[j];
            i = j;
        }
    }
    s->table[i] = NULL;
}

#define TP__SLAB_CHUNKS 256u

static tp__chunk *chunk_alloc(tp_streamer *s)
{
    if (!s->chunk_free) {
        void **slabs = tp__grow_array(&s->opt.allocator, s->slabs, sizeof *slabs, s->slab_count,
                                      s->slab_count + 1, 16, &s->slab_cap);
        if (!slabs)
            return NULL;
        s->slabs = slabs;
        tp__chunk *slab = tp__alloc(&s->opt.allocator, TP__SLAB_CHUNKS * sizeof *slab);
        if (!slab)
            return NULL;
        s->slabs[s->slab_count++] = slab;
        for (uint32_t i = 0; i < TP__SLAB_CHUNKS; i++) {
            slab[i].fine = (tp__block *)s->chunk_free; /* free-list link */
            s->chunk_free = &slab[i];
        }
    }
    tp__chunk *c = s->chunk_free;
    s->chunk_free = (tp__chunk *)c->fine;
    return c;
}

tp__chunk *tp__chunk_get(tp_streamer *s, int32_t cx, int32_t cz)
{
    tp__chunk *c = tp__chunk_find(s, cx, cz);
    if (c)
        return c;
    if ((uint64_t)(s->live_count + 1) * 2 > s->table_cap && !table_grow(s))
        return NULL;
    tp__chunk **live = tp__grow_array(&s->opt.allocator, s->live, sizeof *live, s->live_count,
                                      s->live_count + 1, 512, &s->live_cap);
    if (!live)
        return NULL;
    s->live = live;
    c = chunk_alloc(s);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->cx = cx, c->cz = cz;
    c->region_index =
        tp__has_permanent(s, cx, cz) ? tp__region_index(&s->layout.region, cx, cz) : -1;
    c->view_lod = c->pred_lod = s->layout.coarsest;
    c->cls = TP__CLASS_NONE;
    c->live_index = s->live_count;
    s->live[s->live_count++] = c;
    table_insert(s->table, s->table_cap, c);
    return c;
}

void tp__chunk_drop_if_idle(tp_streamer *s, tp__chunk *c)
{
    if (c->coarse || c->fine || c->job[0] || c->job[1] || c->stamp == s->update_index)
        return;
    table_remove(s, c);
    tp__chunk *last = s->live[--s->live_count];
    last->live_index = c->live_index;
    s->live[c->live_index] = last;
    c->fine = (tp__block *)s->chunk_free;
    s->chunk_free = c;
}

void tp__chunks_free_all(tp_streamer *s)
{
    for (uint32_t i = 0; i < s->slab_count; i++)
        tp__free(&s->opt.allocator, s->slabs[i], TP__SLAB_CHUNKS * sizeof(tp__chunk));
    tp__free(&s->opt.allocator, s->slabs, s->slab_cap * sizeof *s->slabs);
    tp__free(&s->opt.allocator, s->table, s->table_cap * sizeof *s->table);
    tp__free(&s->opt.allocator, s->live, s->live_cap * sizeof *s->live);
    s->slabs = NULL, s->table = NULL, s->live = NULL;
    s->slab_count = s->slab_cap = s->table_cap = s->live_count = s->live_cap = 0;
    s->chunk_free = NULL;
}

/* ---- Blocks --------------------------------------------------------------------------- */

/* A block is one allocation: the header, then heights, biomes (padded to an even size:
 * the climate arrays need 2-byte alignment), temperature and precipitation. */
#define BLOCK_HEADER ((sizeof(tp__block) + 15u) & ~(size_t)15u)

static size_t padded_biome_bytes(const tp__layout *l, uint32_t lod)
{
    return (tp__biome_bytes(l, lod) + 1u) & ~(size_t)1u;
}

static void block_layout(tp_streamer *s, tp__block *b, uint32_t lod)
{
    const tp__layout *l = &s->layout;
    uint8_t *p = (uint8_t *)b + BLOCK_HEADER;
    b->heights = (uint16_t *)p;
    p += tp__height_bytes(l, lod);
    b->biomes = p;
    p += padded_biome_bytes(l, lod);
    b->temperature = (int16_t *)p;
    p += tp__climate_layer_bytes(l);
    b->precipitation = (uint16_t *)p;
}

size_t tp__block_bytes_for(const tp_streamer *s, uint32_t lod)
{
    const tp__layout *l = &s->layout;
    return BLOCK_HEADER + tp__height_bytes(l, lod) + padded_biome_bytes(l, lod) +
           tp__climate_bytes(l);
}

/* ---- Meshes --------------------------------------------------------------------------- */

#define MESH_HEADER (((sizeof(tp__mesh) + 15u) & ~(size_t)15u))

/* Size classes: 512 bytes, then four per octave (1.25, 1.5, 1.75 and 2 times a power of
 * two), so a mesh wastes at most a fifth of its allocation and a few dozen classes
 * cover every size, which keeps the pools small and reuse likely. */
size_t tp__mesh_bytes_for(uint32_t vertex_count, uint32_t index_count, uint32_t *out_cls)
{
    size_t n = MESH_HEADER + (size_t)vertex_count * sizeof(tp_mesh_vertex) +
               (size_t)index_count * sizeof(uint16_t);
    if (n <= 512u) {
        *out_cls = 0;
        return 512u;
    }
    uint32_t b = 9;
    while (((size_t)1 << (b + 1)) < n)
        b++;
    size_t step = (size_t)1 << (b - 2);
    size_t q = (n + step - 1) / step; /* 5 … 8 */
    *out_cls = 1u + (b - 9u) * 4u + (uint32_t)(q - 5u);
    return q * step;
}

size_t tp__mesh_record_bytes(uint32_t vertex_count, uint32_t index_count)
{
    return MESH_HEADER + (size_t)vertex_count * sizeof(tp_mesh_vertex) +
           (size_t)index_count * sizeof(uint16_t);
}

void tp__mesh_layout(tp__mesh *m, uint32_t vertex_count, uint32_t index_count)
{
    uint8_t *p = (uint8_t *)m + MESH_HEADER;
    memset(&m->pub, 0, sizeof m->pub);
    m->pub.geometry.vertices = (tp_mesh_vertex *)p;
    m->pub.geometry.indices = (uint16_t *)(p + (size_t)vertex_count * sizeof(tp_mesh_vertex));
    m->pub.geometry.vertex_count = vertex_count;
    m->pub.geometry.index_count = index_count;
}

tp_result tp__mesh_decode_into(tp__mesh *m, const void *raw, size_t size, float error_m,
                               uint32_t flags)
{
    tp_mesh *g = &m->pub.geometry;
    if (tp_mesh_decode(raw, size, g->vertices, g->vertex_count, g->indices, g->index_count,
                       g) != TP_OK)
        return TP_ERR_CORRUPT;
    m->pub.max_error_m = error_m;
    m->pub.flags = flags;
    return TP_OK;
}

/* A mesh allocation of the class that holds these counts: pooled, or allocated (the
 * caller has made room for tp__mesh_bytes_for() when the pool is empty). */
tp__mesh *tp__mesh_get(tp_streamer *s, uint32_t vertex_count, uint32_t index_count)
{
    uint32_t cls;
    size_t bytes = tp__mesh_bytes_for(vertex_count, index_count, &cls);
    if (cls >= TP__MESH_CLASSES)
        return NULL;
    tp__mesh *m = s->mesh_pool[cls];
    if (m) {
        s->mesh_pool[cls] = m->next;
        s->pool_bytes -= m->bytes;
    } else {
        if (!(m = tp__alloc(&s->opt.allocator, bytes)))
            return NULL;
        m->bytes = bytes;
        m->cls = cls;
        s->held_bytes += bytes;
    }
    m->next = NULL;
    tp__mesh_layout(m, vertex_count, index_count);
    return m;
}

void tp__mesh_put(tp_streamer *s, tp__mesh *m)
{
    if (!m || m->cls == TP__MESH_PERMANENT)
        return;
    m->next = s->mesh_pool[m->cls];
    s->mesh_pool[m->cls] = m;
    s->pool_bytes += m->bytes;
}

size_t tp__block_total(const tp__block *b)
{
    return b->bytes + (b->mesh ? b->mesh->bytes : 0);
}

tp__block *tp__block_get(tp_streamer *s, uint32_t lod)
{
    tp__block *b = s->pool[lod];
    if (b) {
        s->pool[lod] = b->next;
        s->pool_bytes -= b->bytes;
    } else {
        size_t bytes = s->block_bytes[lod];
        b = tp__alloc(&s->opt.allocator, bytes);
        if (!b)
            return NULL;
        memset(b, 0, sizeof *b);
        b->bytes = bytes;
        b->lod = lod;
        block_layout(s, b, lod);
        s->held_bytes += bytes;
    }
    b->next = NULL;
    b->mesh = NULL;
    atomic_store_explicit(&b->pins, 0u, memory_order_relaxed);
    return b;
}

/* To the pools: the block by LOD, its mesh by size class. */
static void pool_push(tp_streamer *s, tp__block *b)
{
    tp__mesh_put(s, b->mesh);
    b->mesh = NULL;
    b->next = s->pool[b->lod];
    s->pool[b->lod] = b;
    s->pool_bytes += b->bytes;
}

void tp__block_publish(tp_streamer *s, tp__block *b)
{
    s->resident_bytes += tp__block_total(b);
    if (b->mesh)
        s->mesh_bytes += b->mesh->bytes;
}

static void unpublish(tp_streamer *s, tp__block *b)
{
    s->resident_bytes -= tp__block_total(b);
    if (b->mesh)
        s->mesh_bytes -= b->mesh->bytes;
    pool_push(s, b);
}

/* A published block leaves its chunk: reuse it, or keep it for a caller who pinned it. */
void tp__block_put(tp_streamer *s, tp__block *b)
{
    if (atomic_load_explicit(&b->pins, memory_order_acquire) != 0) {
        b->next = s->retired;
        s->retired = b;
        return;
    }
    unpublish(s, b);
}

/* A block that was never published (cancelled or failed work). */
void tp__block_unused(tp_streamer *s, tp__block *b)
{
    pool_push(s, b);
}

void tp__retired_collect(tp_streamer *s)
{
    tp__block **link = &s->retired;
    while (*link) {
        tp__block *b = *link;
        if (atomic_load_explicit(&b->pins, memory_order_acquire) == 0) {
            *link = b->next;
            unpublish(s, b);
        } else {
            link = &b->next;
        }
    }
}

/* Frees pooled blocks, largest classes first, then pooled meshes, until held_bytes ≤
 * target_held. */
void tp__pool_trim(tp_streamer *s, uint64_t target_held)
{
    for (uint32_t lod = 0; lod < s->layout.lod_count && s->held_bytes > target_held; lod++) {
        while (s->pool[lod] && s->held_bytes > target_held) {
            tp__block *b = s->pool[lod];
            s->pool[lod] = b->next;
            s->pool_bytes -= b->bytes;
            s->held_bytes -= b->bytes;
            tp__free(&s->opt.allocator, b, b->bytes);
        }
    }
    for (uint32_t k = TP__MESH_CLASSES; k-- > 0 && s->held_bytes > target_held;) {
        while (s->mesh_pool[k] && s->held_bytes > target_held) {
            tp__mesh *m = s->mesh_pool[k];
            s->mesh_pool[k] = m->next;
            s->pool_bytes -= m->bytes;
            s->held_bytes -= m->bytes;
            tp__free(&s->opt.allocator, m, m->bytes);
        }
    }
}

void tp__pool_free_all(tp_streamer *s)
{
    tp__pool_trim(s, 0);
}

/* ---- Eviction ------------------------------------------------------------------------- */

/* Tier 0: not wanted at all. Tier 1: holds a finer LOD than it wants. Tier 2: wanted. */
static int victim_tier(const tp_streamer *s, const tp__chunk *c)
{
    if (c->stamp != s->update_index)
        return 0;
    uint32_t target = c->view_lod < c->pred_lod ? c->view_lod : c->pred_lod;
    if (c->fine && c->fine_lod < target)
        return 1;
    return 2;
}

static int compare_victims(const void *pa, const void *pb)
{
    const tp__chunk *a = *(tp__chunk *const *)pa, *b = *(tp__chunk *const *)pb;
    if (a->tier != b->tier)
        return (int)a->tier - (int)b->tier;
    /* Farthest from where the camera is going first. */
    if (a->pred_dist_m != b->pred_dist_m)
        return a->pred_dist_m < b->pred_dist_m ? 1 : -1;
    /* A total order, so the deterministic mode does not depend on qsort's choices. */
    if (a->cx != b->cx)
        return a->cx < b->cx ? -1 : 1;
    return (a->cz > b->cz) - (a->cz < b->cz);
}

static int build_victims(tp_streamer *s)
{
    tp__chunk **v = tp__grow_array(&s->opt.allocator, s->victims, sizeof *v, 0, s->live_count,
                                   512, &s->victim_cap);
    if (!v)
        return 0;
    s->victims = v;
    s->victim_count = 0;
    for (uint32_t i = 0; i < s->live_count; i++) {
        tp__chunk *c = s->live[i];
        if (c->fine || (c->coarse && !c->in_view)) {
            c->tier = (uint8_t)victim_tier(s, c);
            s->victims[s->victim_count++] = c;
        }
    }
    qsort(s->victims, s->victim_count, sizeof *s->victims, compare_victims);
    s->victim_next = 0;
    s->victims_built = 1;
    return 1;
}

static int has_coarse(const tp__chunk *c)
{
    return c->coarse != NULL || c->region_index >= 0;
}

void tp__evict_fine(tp_streamer *s, tp__chunk *c)
{
    tp__block *b = c->fine;
    c->fine = NULL;
    tp__emit(&s->events, TP_STREAMER_EVENT_EVICT, c->cx, c->cz, b->lod, 0, b->source,
             tp__block_total(b));
    tp__block_put(s, b);
}

/* With meshes a coarser LOD cannot be derived (its mesh is not a subsample of the finer
 * one), so a downgrade falls to the coarsest LOD, which is always there with its mesh;
 * the LOD in between comes back as an ordinary page when there is room for it. */
static void drop_to_coarsest(tp_streamer *s, tp__chunk *c)
{
    tp__block *b = c->fine;
    c->fine = NULL;
    tp__emit(&s->events, TP_STREAMER_EVENT_DOWNGRADE, c->cx, c->cz, b->lod, s->layout.coarsest, b->source,
             tp__block_total(b));
    tp__block_put(s, b);
}

/* Replaces the chunk's fine block by `lod` subsampled from it: by the stride property of
 * the generator (a coarser LOD is the finer grid at stride 2^k) this is exactly the page
 * the file holds for that LOD, without reading it. */
static int fits(const tp_streamer *s, uint64_t bytes)
{
    return s->held_bytes + bytes <= s->opt.budget_bytes;
}

static int downgrade(tp_streamer *s, tp__chunk *c, uint32_t lod)
{
    tp__block *old = c->fine;
    /* The new block exists before the old one goes; where that would pass the budget
     * even for a moment, drop to the coarsest LOD instead (always there: a chunk gets
     * a fine LOD only after its coarsest). */
    if (!s->pool[lod] && !fits(s, s->block_bytes[lod]))
        return 0;
    tp__block *b = tp__block_get(s, lod);
    if (!b)
        return 0;
    uint32_t step = 1u << (lod - old->lod), e = s->layout.edge[lod], eo = s->layout.edge[old->lod];
    for (uint32_t j = 0; j < e; j++)
        for (uint32_t i = 0; i < e; i++) {
            size_t from = (size_t)j * step * eo + (size_t)i * step;
            b->heights[(size_t)j * e + i] = old->heights[from];
            b->biomes[(size_t)j * e + i] = old->biomes[from];
        }
    memcpy(b->temperature, old->temperature, tp__climate_layer_bytes(&s->layout));
    memcpy(b->precipitation, old->precipitation, tp__climate_layer_bytes(&s->layout));
    b->has_climate = old->has_climate;
    b->cx = c->cx, b->cz = c->cz;
    b->source = TP_STREAMER_SOURCE_DERIVED;
    tp__block_publish(s, b);
    tp__emit(&s->events, TP_STREAMER_EVENT_DOWNGRADE, c->cx, c->cz, old->lod, lod, old->source,
             tp__block_total(old) - b->bytes);
    if (lod == s->layout.coarsest) {
        c->coarse = b; /* the chunk's only LOD: keep it as its coarse block */
        c->fine = NULL;
    } else {
        c->fine = b;
        c->fine_lod = lod;
    }
    tp__block_put(s, old);
    return 1;
}

/* Lowers the chunk to `lod` (coarser than its fine block): drop the fine block when a
 * coarsest LOD is there anyway, otherwise subsample. */
void tp__chunk_lower(tp_streamer *s, tp__chunk *c, uint32_t lod)
{
    if (lod >= s->layout.coarsest && has_coarse(c))
        tp__evict_fine(s, c);
    else if (s->layout.meshes) {
        if (has_coarse(c))
            drop_to_coarsest(s, c);
    } else if (!downgrade(s, c, lod < s->layout.coarsest ? lod : s->layout.coarsest) && has_coarse(c))
        tp__evict_fine(s, c);
}

int tp__make_room(tp_streamer *s, uint64_t bytes, double request_key)
{
    if (fits(s, bytes))
        return 1;
    /* Pooled blocks first: they hold nothing anyone sees. */
    tp__pool_trim(s, s->opt.budget_bytes > bytes ? s->opt.budget_bytes - bytes : 0);
    if (fits(s, bytes))
        return 1;
    if (!s->victims_built && !build_victims(s))
        return 0;
    while (s->victim_next < s->victim_count && !fits(s, bytes)) {
        tp__chunk *c = s->victims[s->victim_next];
        int tier = victim_tier(s, c);
        if (tier == 2 && c->key <= request_key) {
            /* As urgent as the request or more: never taken for it, nor for the later,
             * less urgent requests of this update (they come in key order). */
            s->victim_next++;
            continue;
        }
        tp__block *b = c->fine ? c->fine : c->coarse;
        if (!b || atomic_load_explicit(&b->pins, memory_order_acquire) != 0) {
            s->victim_next++; /* pinned: freeing it would free nothing */
            continue;
        }
        if (tier == 0) {
            if (c->fine)
                tp__evict_fine(s, c);
            else if (c->coarse && !c->in_view) {
                tp__block *cb = c->coarse;
                c->coarse = NULL;
                tp__emit(&s->events, TP_STREAMER_EVENT_EVICT, c->cx, c->cz, cb->lod, 0, cb->source,
                         tp__block_total(cb));
                tp__block_put(s, cb);
            }
            if (!c->fine && !(c->coarse && !c->in_view))
                s->victim_next++;
        } else if (tier == 1) {
            uint32_t target = c->view_lod < c->pred_lod ? c->view_lod : c->pred_lod;
            tp__chunk_lower(s, c, target);
            s->victim_next++;
        } else {
            if (!c->fine) {
                s->victim_next++;
                continue;
            }
            tp__chunk_lower(s, c, c->fine_lod + 1);
            s->victim_next++;
        }
        tp__pool_trim(s, s->opt.budget_bytes > bytes ? s->opt.budget_bytes - bytes : 0);
    }
    return fits(s, bytes);
}
