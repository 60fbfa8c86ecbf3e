/* view.c — what callers see of the resident data: a chunk's best resident LOD described
 * as a tp_chunk_view (the block that holds it), pinned or not,
 * and the walks over the view square and over everything resident. */
#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

void tp__views_init(tp__views *v)
{
    atomic_init(&v->pinned, 0);
}

uint64_t tp__views_pinned(const tp__views *v)
{
    return atomic_load_explicit(&v->pinned, memory_order_relaxed);
}

/* The best resident LOD of a chunk (c: its entry, or NULL), or −1. */
static int best_lod(const tp_streamer *s, const tp__chunk *c)
{
    return c ? tp__chunk_best_lod(c, s->layout.coarsest) : -1;
}

static int in_view_square(const tp_streamer *s, int32_t cx, int32_t cz)
{
    int64_t v = s->opt.view_distance_chunks;
    return s->frame.have_view && llabs((long long)cx - s->frame.view_cx) <= v &&
           llabs((long long)cz - s->frame.view_cz) <= v;
}

/* Describes the best resident LOD of a chunk; returns its block (NULL when it has
 * none) and sets *found. */
static tp__block *describe(const tp_streamer *s, const tp__chunk *c, int32_t cx, int32_t cz,
                           tp_chunk_view *v, int *found)
{
    const tp__layout *l = &s->layout;
    memset(v, 0, sizeof *v);
    v->cx = cx, v->cz = cz;
    tp__block *b = c ? tp__chunk_resident(c) : NULL;
    *found = b != NULL;
    if (!*found)
        return NULL;
    /* "Coarser than wanted" has one definition, shared with the statistics
     * (tp__view_coverage) and readiness: coarser than the LOD the view asks for by the
     * selector in use (tp__schedule_wanted_lod: its band, or its screen-space error).
     * What the prediction prefetches is not wanted on screen yet. */
    int fresh = c && c->stamp == s->frame.update;
    uint32_t wanted = fresh ? c->view_lod : l->coarsest;
    v->wanted_lod = wanted;
    if (in_view_square(s, cx, cz))
        v->flags |= TP_CHUNK_VIEW_IN_VIEW;
    v->lod = b->lod;
    v->edge = l->edge[b->lod];
    v->height_codes = b->heights;
    v->biomes = b->biomes;
    if (b->has_climate) {
        v->temperature_cc = b->temperature;
        v->precipitation_mm = b->precipitation;
        v->climate_edge = l->climate_edge;
    }
    v->source = b->source;
    v->mesh = b->mesh ? &b->mesh->pub : NULL;
    if (v->lod > wanted)
        v->flags |= TP_CHUNK_VIEW_COARSER;
    return b;
}

const tp_chunk_mesh *tp__view_mesh(const tp_streamer *s, int32_t cx, int32_t cz,
                                   uint32_t *out_lod)
{
    const tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
    const tp__block *b = c ? tp__chunk_resident(c) : NULL;
    if (!b)
        return NULL;
    *out_lod = b->lod;
    return b->mesh ? &b->mesh->pub : NULL;
}

void tp__view_coverage(tp_streamer *s)
{
    const int32_t v = (int32_t)s->opt.view_distance_chunks;
    uint32_t missing = 0, coarser = 0;
    for (int32_t dz = -v; dz <= v; dz++)
        for (int32_t dx = -v; dx <= v; dx++) {
            int32_t cx = s->frame.view_cx + dx, cz = s->frame.view_cz + dz;
            tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
            int best = best_lod(s, c);
            if (best < 0)
                missing++;
            else if (c && c->stamp == s->frame.update && (uint32_t)best > c->view_lod)
                coarser++; /* the definition of TP_CHUNK_VIEW_COARSER (describe()) */
        }
    tp__stats_coverage(&s->stats, s->schedule.view_count, missing, coarser);
}

#define ERROR_BIN_PX 0.05
#define ERROR_BINS 512u

/* Bin i holds errors in [i, i + 1) · ERROR_BIN_PX; beyond the last, the largest is kept. */
static double quantile(const uint32_t *bins, uint32_t total, uint32_t beyond, double largest,
                       double q)
{
    uint32_t need = (uint32_t)ceil(q * (double)(total + beyond)), seen = 0;
    for (uint32_t i = 0; i < ERROR_BINS; i++)
        if ((seen += bins[i]) >= need && need > 0)
            return (i + 1) * ERROR_BIN_PX;
    return largest;
}

void tp__view_error_quantiles(const tp_streamer *s, double *out_p50, double *out_p99)
{
    *out_p50 = *out_p99 = 0.0;
    if (!s->frame.have_view)
        return;
    uint32_t bins[ERROR_BINS] = {0}, total = 0, beyond = 0;
    double largest = 0.0;
    const int32_t v = (int32_t)s->opt.view_distance_chunks;
    for (int32_t dz = -v; dz <= v; dz++)
        for (int32_t dx = -v; dx <= v; dx++) {
            double px;
            if (tp_streamer_chunk_error_px(s, s->frame.view_cx + dx, s->frame.view_cz + dz,
                                           &px) != TP_OK)
                continue;
            double bin = px / ERROR_BIN_PX;
            if (bin < (double)ERROR_BINS)
                bins[(uint32_t)bin]++, total++;
            else
                beyond++, largest = px > largest ? px : largest;
        }
    if (total + beyond == 0)
        return;
    *out_p50 = quantile(bins, total, beyond, largest, 0.50);
    *out_p99 = quantile(bins, total, beyond, largest, 0.99);
}

tp_result tp_streamer_acquire(tp_streamer *s, int32_t cx, int32_t cz, uint32_t flags,
                              tp_chunk_view *out_view)
{
    assert(s && out_view && flags == 0);
    (void)flags;
    int found;
    tp__block *b = describe(s, tp__chunk_find(&s->chunks, cx, cz), cx, cz, out_view, &found);
    if (!found)
        return TP_ERR_NOT_FOUND;
    if (b) {
        atomic_fetch_add_explicit(&b->pins, 1u, memory_order_relaxed);
        atomic_fetch_add_explicit(&s->views.pinned, 1u, memory_order_relaxed);
        out_view->pin = b;
    }
    return TP_OK;
}

void tp_streamer_release(tp_streamer *s, tp_chunk_view *view)
{
    assert(s && view);
    tp__block *b = view->pin;
    if (b) {
        /* Release ordering: the caller's reads of the arrays happen before the game
         * thread, seeing the count reach zero, reuses the memory. */
        atomic_fetch_sub_explicit(&b->pins, 1u, memory_order_release);
        atomic_fetch_sub_explicit(&s->views.pinned, 1u, memory_order_relaxed);
    }
    memset(view, 0, sizeof *view);
}

int tp_streamer_best_lod(const tp_streamer *s, int32_t cx, int32_t cz)
{
    assert(s);
    return best_lod(s, tp__chunk_find(&s->chunks, cx, cz));
}

uint64_t tp_streamer_for_each(tp_streamer *s, uint32_t flags, tp_streamer_visit_fn fn,
                              void *user)
{
    assert(s && fn);
    uint64_t calls = 0;
    tp_chunk_view v;
    int found;
    if (flags & TP_STREAMER_VISIT_IN_VIEW) {
        if (!s->frame.have_view)
            return 0;
        const int32_t r = (int32_t)s->opt.view_distance_chunks;
        for (int32_t dz = -r; dz <= r; dz++)
            for (int32_t dx = -r; dx <= r; dx++) {
                int32_t cx = s->frame.view_cx + dx, cz = s->frame.view_cz + dz;
                describe(s, tp__chunk_find(&s->chunks, cx, cz), cx, cz, &v, &found);
                if (found) {
                    calls++;
                    if (fn(user, &v))
                        return calls;
                }
            }
        return calls;
    }
    for (uint32_t i = 0; i < s->chunks.live_count; i++) {
        tp__chunk *c = s->chunks.live[i];
        if (!tp__chunk_resident(c))
            continue;
        describe(s, c, c->cx, c->cz, &v, &found);
        calls++;
        if (fn(user, &v))
            return calls;
    }
    return calls;
}

tp_result tp_streamer_chunk_bounds(const tp_streamer *s, int32_t cx, int32_t cz,
                                   tp_chunk_bounds *out_bounds)
{
    assert(s && out_bounds);
    if (tp__page_source_bounds(&s->source, cx, cz, out_bounds) == TP_OK)
        return TP_OK;
    const tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
    const tp__block *b = c ? tp__chunk_resident(c) : NULL;
    if (!b)
        return TP_ERR_NOT_FOUND;
    *out_bounds = tp_page_bounds(&s->source.page, b->lod, b->heights);
    out_bounds->flags = TP_CHUNK_BOUNDS_ESTIMATED; /* from a coarser grid, perhaps */
    return TP_OK;
}
