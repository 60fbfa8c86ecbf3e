/* eviction.c — where data leaves: the victim list, making room for a request, and
 * evicting or lowering a chunk's LOD.
 *
 * Victims are ordered by tier — 0: not wanted at all, 1: holds a finer LOD than it
 * wants, 2: wanted — then farthest from where the camera is going first. A request only
 * takes from chunks less urgent than itself, so work for the view never evicts what the
 * view is showing to prefetch something further out. Apart from the budget, what a chunk
 * the camera has left far behind holds is evicted every update, coarsest LOD included. */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

enum { TIER_UNWANTED = 0, TIER_OVERSHOOT = 1, TIER_WANTED = 2 };

static int victim_tier(const tp_streamer *s, const tp__chunk *c)
{
    if (c->stamp != s->frame.update)
        return TIER_UNWANTED;
    if (c->fine && c->fine_lod < tp__chunk_target_lod(c))
        return TIER_OVERSHOOT;
    return TIER_WANTED;
}

static int compare_victims(const void *pa, const void *pb)
{
    const tp__chunk *a = *(tp__chunk *const *)pa, *b = *(tp__chunk *const *)pb;
    if (a->tier != b->tier)
        return (int)a->tier - (int)b->tier;
    /* Farthest from where the camera is going first. */
    if (a->pred_dist_m != b->pred_dist_m)
        return a->pred_dist_m < b->pred_dist_m ? 1 : -1;
    return tp__chunk_order(a, b);
}

static int build_victims(tp_streamer *s)
{
    tp__eviction *ev = &s->eviction;
    const tp__chunk_table *t = &s->chunks;
    tp__chunk **v = tp__grow_array(&s->opt.allocator, ev->victims, sizeof *v, 0, t->live_count,
                                   512, &ev->victim_cap);
    if (!v)
        return 0;
    ev->victims = v;
    ev->victim_count = 0;
    for (uint32_t i = 0; i < t->live_count; i++) {
        tp__chunk *c = t->live[i];
        if (c->fine || (c->coarse && !c->in_view)) {
            c->tier = (uint8_t)victim_tier(s, c);
            ev->victims[ev->victim_count++] = c;
        }
    }
    qsort(ev->victims, ev->victim_count, sizeof *ev->victims, compare_victims);
    ev->victim_next = 0;
    ev->victims_built = 1;
    return 1;
}

/* ---- Evicting and lowering one chunk ------------------------------------------------ */

/* The block in `slot` (c->fine or c->coarse) leaves chunk c, reported as `event`:
 * an EVICT, or a DOWNGRADE to new_lod. */
static void take_out(tp_streamer *s, tp__chunk *c, tp__block **slot, uint32_t event,
                     uint32_t new_lod)
{
    tp__block *b = *slot;
    *slot = NULL;
    tp__emit(&s->events, event, c->cx, c->cz, b->lod, new_lod, b->source, tp__block_total(b));
    tp__block_put(&s->blocks, b);
}

static void evict_fine(tp_streamer *s, tp__chunk *c)
{
    take_out(s, c, &c->fine, TP_STREAMER_EVENT_EVICT, 0);
}

/* With meshes a coarser LOD cannot be derived (its mesh is not a subsample of the finer
 * one), so a downgrade falls to the coarsest LOD, which is always there with its mesh;
 * the LOD in between comes back as an ordinary page when there is room for it. */
static void drop_to_coarsest(tp_streamer *s, tp__chunk *c)
{
    take_out(s, c, &c->fine, TP_STREAMER_EVENT_DOWNGRADE, s->layout.coarsest);
}

/* Replaces the chunk's fine block by `lod` subsampled from it: by the stride property of
 * the generator (a coarser LOD is the finer grid at stride 2^k) this is exactly the page
 * the file holds for that LOD, without reading it. */
static int downgrade(tp_streamer *s, tp__chunk *c, uint32_t lod)
{
    const tp__layout *l = &s->layout;
    tp__block *old = c->fine;
    /* The new block exists before the old one goes; where that would pass the budget
     * even for a moment, drop to the coarsest LOD instead (always there: a chunk gets
     * a fine LOD only after its coarsest). */
    if (!tp__block_pooled(&s->blocks, lod) &&
        !tp__budget_fits(&s->budget, tp__block_bytes(&s->blocks, lod)))
        return 0;
    tp__block *b = tp__block_get(&s->blocks, lod);
    if (!b)
        return 0;
    const tp_page from = {.heights = old->heights, .biomes = old->biomes,
                          .temperature_cc = old->temperature,
                          .precipitation_mm = old->precipitation};
    tp_page to = {.heights = b->heights, .biomes = b->biomes, .temperature_cc = b->temperature,
                  .precipitation_mm = b->precipitation};
    tp_page_subsample(&s->source.page, old->lod, &from, lod, &to);
    b->has_climate = old->has_climate;
    b->cx = c->cx, b->cz = c->cz;
    b->source = TP_STREAMER_SOURCE_DERIVED;
    tp__block_publish(&s->blocks, b);
    tp__emit(&s->events, TP_STREAMER_EVENT_DOWNGRADE, c->cx, c->cz, old->lod, lod, old->source,
             tp__block_total(old) - b->bytes);
    if (lod == l->coarsest) {
        c->coarse = b; /* the chunk's only LOD: keep it as its coarse block */
        c->fine = NULL;
    } else {
        c->fine = b;
        c->fine_lod = lod;
    }
    tp__block_put(&s->blocks, old);
    return 1;
}

/* Lowers the chunk to `lod` (coarser than its fine block): drop the fine block when a
 * coarsest LOD is there anyway, otherwise subsample. */
static void chunk_lower(tp_streamer *s, tp__chunk *c, uint32_t lod)
{
    uint32_t coarsest = s->layout.coarsest;
    if (lod >= coarsest && tp__chunk_has_coarsest(c))
        evict_fine(s, c);
    else if (s->layout.meshes) {
        if (tp__chunk_has_coarsest(c))
            drop_to_coarsest(s, c);
    } else if (!downgrade(s, c, lod < coarsest ? lod : coarsest) && tp__chunk_has_coarsest(c))
        evict_fine(s, c);
}

/* ---- Making room -------------------------------------------------------------------- */

int tp__make_room(tp_streamer *s, uint64_t bytes, double request_key)
{
    tp__eviction *ev = &s->eviction;
    if (tp__budget_fits(&s->budget, bytes))
        return 1;
    /* Pooled blocks first: they hold nothing anyone sees. */
    tp__block_pool_trim(&s->blocks, tp__budget_room_for(&s->budget, bytes));
    if (tp__budget_fits(&s->budget, bytes))
        return 1;
    if (!ev->victims_built && !build_victims(s))
        return 0;
    while (ev->victim_next < ev->victim_count && !tp__budget_fits(&s->budget, bytes)) {
        tp__chunk *c = ev->victims[ev->victim_next];
        int tier = victim_tier(s, c);
        if (tier == TIER_WANTED && c->key <= request_key) {
            /* As urgent as the request or more: never taken for it, nor for the later,
             * less urgent requests of this update (they come in key order). */
            ev->victim_next++;
            continue;
        }
        tp__block *b = tp__chunk_resident(c);
        if (!b || atomic_load_explicit(&b->pins, memory_order_acquire) != 0) {
            ev->victim_next++; /* pinned: freeing it would free nothing */
            continue;
        }
        if (tier == TIER_UNWANTED) {
            if (c->fine)
                evict_fine(s, c);
            else if (c->coarse && !c->in_view)
                take_out(s, c, &c->coarse, TP_STREAMER_EVENT_EVICT, 0);
            if (!c->fine && !(c->coarse && !c->in_view))
                ev->victim_next++;
        } else if (tier == TIER_OVERSHOOT) {
            chunk_lower(s, c, tp__chunk_target_lod(c));
            ev->victim_next++;
        } else {
            if (!c->fine) {
                ev->victim_next++;
                continue;
            }
            chunk_lower(s, c, c->fine_lod + 1);
            ev->victim_next++;
        }
        tp__block_pool_trim(&s->blocks, tp__budget_room_for(&s->budget, bytes));
    }
    return tp__budget_fits(&s->budget, bytes);
}

void tp__eviction_restart(tp__eviction *ev)
{
    ev->victims_built = 0;
}

/* A chunk in view that holds a finer LOD than its band (and its prediction) asks for is
 * lowered now, by subsampling: the renderer draws each chunk at the LOD its distance
 * asks for, and the memory goes back to the pool. Out of view, finer data stays as a
 * cache until the budget needs it. Pinned blocks wait for their release. */
void tp__lower_overshoot(tp_streamer *s)
{
    const tp__chunk_table *t = &s->chunks;
    for (uint32_t i = 0; i < t->live_count; i++) {
        tp__chunk *c = t->live[i];
        if (!c->in_view || !c->fine)
            continue;
        uint32_t target = tp__chunk_target_lod(c);
        /* With meshes the coarser LOD cannot be derived: unless it is the coarsest
         * (always there), it is paged in (a replacement request, schedule.c) and the
         * finer LOD stays on screen until it arrives. */
        if (s->layout.meshes && target < s->layout.coarsest)
            continue;
        if (c->fine_lod < target &&
            atomic_load_explicit(&c->fine->pins, memory_order_acquire) == 0)
            chunk_lower(s, c, target);
    }
}

/* What a chunk holds is kept within this many view distances of the camera's chunk (a
 * camera that turns back finds it), and evicted beyond, coarsest LOD included: every
 * tracked chunk costs every update a little time, so the table must follow the camera,
 * not its history. */
#define KEEP_VIEWS 2

void tp__evict_far(tp_streamer *s)
{
    const int64_t keep = (int64_t)KEEP_VIEWS * s->opt.view_distance_chunks;
    const tp__chunk_table *t = &s->chunks;
    for (uint32_t i = 0; i < t->live_count; i++) {
        tp__chunk *c = t->live[i];
        if (c->stamp == s->frame.update || (!c->coarse && !c->fine) ||
            (llabs((long long)c->cx - s->frame.view_cx) <= keep &&
             llabs((long long)c->cz - s->frame.view_cz) <= keep))
            continue;
        /* Pinned data stays until its release. */
        if (c->fine && atomic_load_explicit(&c->fine->pins, memory_order_acquire) == 0)
            evict_fine(s, c);
        if (c->coarse && !c->fine &&
            atomic_load_explicit(&c->coarse->pins, memory_order_acquire) == 0)
            take_out(s, c, &c->coarse, TP_STREAMER_EVENT_EVICT, 0);
    }
}

void tp__eviction_free(tp__eviction *ev, const tp_streamer_allocator *mem)
{
    tp__free(mem, ev->victims, ev->victim_cap * sizeof *ev->victims);
    memset(ev, 0, sizeof *ev);
}
