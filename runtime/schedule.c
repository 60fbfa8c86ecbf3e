/* schedule.c — what the camera wants, in what order, and handing it out.
 *
 * Every update recomputes the wanted set from scratch (the view square, then the points
 * of the predicted path and the view square around its end), so re-prioritising is
 * free: nothing queued carries a stale priority. Only a few pages (max_in_flight) are
 * ever handed to workers; the rest is a sorted list rebuilt next frame. Urgency, most
 * urgent first:
 *   1. in view with no LOD at all: update() reads the coarsest LOD of a baked chunk
 *      itself (a few hundred bytes, a few microseconds), so a camera that lands anywhere
 *      in the region sees no hole; it generates the others within its time budget,
 *   2. in view and coarser than its band asks, nearest first,
 *   3. along the predicted path, soonest first, then nearest to the path point; then the
 *      coarsest LOD of the view square around the path's end and of a margin around the
 *      view, so that the view moves (or jumps a little) onto pages the workers already
 *      decoded.
 * Nothing is decoded at open: the coarsest LOD is a page like the others, kept while
 * the camera stays near and evicted when it is far (eviction.c). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define CLASS_KEY 1e12  /* keys: class · CLASS_KEY + metres (or seconds · 1e7 + metres) */

/* Around the view, a margin this many chunks wide has its coarsest LOD read ahead by the
 * workers, so that a jump of up to that many chunks (500 m with 256 m chunks: the
 * reference soak's) lands on a view that is already there instead of one update() must
 * read itself. */
#define MARGIN_CHUNKS 2

void tp__schedule_plan(tp__schedule *sched, const tp_streamer_options *o)
{
    uint32_t side = 2u * o->view_distance_chunks + 1u;
    sched->view_count = side * side;
    sched->band_count = 0;
    while (sched->band_count < TP_STREAMER_MAX_BANDS && o->lod_band_m[sched->band_count] != 0.0)
        sched->band_count++;
    sched->screen_error_scale = tp__screen_error_scale(o);
}

void tp__schedule_resize(tp__schedule *sched, const tp_streamer_options *o,
                         tp__chunk **missing, const tp_streamer_allocator *mem)
{
    tp__free(mem, sched->missing, sched->view_count * sizeof *sched->missing);
    tp__schedule_plan(sched, o);
    sched->missing = missing;
}

tp_result tp__schedule_alloc(tp__schedule *sched, const tp_streamer_allocator *mem)
{
    sched->missing = tp__alloc(mem, sched->view_count * sizeof *sched->missing);
    if (!sched->missing)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory");
    return TP_OK;
}

void tp__schedule_free(tp__schedule *sched, const tp_streamer_allocator *mem)
{
    tp__free(mem, sched->req, sched->req_cap * sizeof *sched->req);
    tp__free(mem, sched->missing, sched->view_count * sizeof *sched->missing);
    sched->req = NULL, sched->missing = NULL;
    sched->req_count = sched->req_cap = 0;
}

/* Distance from (x, z) to the nearest point of chunk (cx, cz). */
double tp__schedule_chunk_dist(const tp_streamer *s, int32_t cx, int32_t cz, double x,
                               double z)
{
    const double size = s->layout.chunk_m;
    double x0 = (double)cx * size, z0 = (double)cz * size;
    double dx = x < x0 ? x0 - x : (x > x0 + size ? x - (x0 + size) : 0.0);
    double dz = z < z0 ? z0 - z : (z > z0 + size ? z - (z0 + size) : 0.0);
    return sqrt(dx * dx + dz * dz);
}

/* LOD k for distances inside band k; the coarsest beyond the last band, and for bands
 * past the file's LOD count. A chunk that already holds a finer LOD keeps it until it is
 * hysteresis metres past that band. */
uint32_t tp__schedule_view_lod(const tp_streamer *s, double dist_m, int finest_held)
{
    uint32_t lod = s->layout.coarsest;
    for (uint32_t k = 0; k < s->schedule.band_count && k < s->layout.coarsest; k++)
        if (dist_m < s->opt.lod_band_m[k]) {
            lod = k;
            break;
        }
    if (finest_held >= 0 && (uint32_t)finest_held < lod && s->opt.lod_hysteresis_m > 0.0 &&
        dist_m < s->opt.lod_band_m[finest_held] + s->opt.lod_hysteresis_m)
        lod = (uint32_t)finest_held;
    return lod;
}

uint32_t tp__schedule_wanted_lod(const tp_streamer *s, tp__chunk *c, int32_t cx,
                                 int32_t cz, double x, double z, double dist_m, int hysteresis)
{
    if (s->opt.lod_selector == TP_STREAMER_LOD_SCREEN_ERROR)
        return tp__screen_error_lod(s, c, cx, cz, x, s->frame.cam_y, z);
    return tp__schedule_view_lod(s, dist_m, hysteresis && c && c->fine ? (int)c->fine_lod : -1);
}

/* Predicted points may run past the camera's limit: clamp before converting to int32
 * (a double beyond int32's range would make the conversion undefined). */
static int32_t chunk_of(const tp_streamer *s, double m)
{
    double c = floor(m / s->layout.chunk_m);
    const double limit = (double)TP_STREAMER_MAX_CHUNK_INDEX;
    return (int32_t)(c < -limit ? -limit : c > limit ? limit : c);
}

/* ---- The wanted set --------------------------------------------------------------------- */

/* A new entry for (cx, cz), which has none: it wants nothing yet. NULL when the
 * allocator fails. */
static tp__chunk *track(tp_streamer *s, int32_t cx, int32_t cz)
{
    tp__chunk *c = tp__chunk_add(&s->chunks, cx, cz);
    if (!c)
        return NULL;
    c->view_lod = c->pred_lod = s->layout.coarsest;
    c->cls = TP__CLASS_NONE;
    return c;
}

static void want(tp_streamer *s, tp__chunk *c, uint32_t cls, double key)
{
    if (c->stamp != s->frame.update) {
        c->stamp = s->frame.update;
        c->cls = cls;
        c->key = key;
    } else if (key < c->key) {
        c->cls = cls;
        c->key = key;
    }
}

static int want_view(tp_streamer *s)
{
    const int32_t v = (int32_t)s->opt.view_distance_chunks;
    for (int32_t dz = -v; dz <= v; dz++)
        for (int32_t dx = -v; dx <= v; dx++) {
            int32_t cx = s->frame.view_cx + dx, cz = s->frame.view_cz + dz;
            double d = tp__schedule_chunk_dist(s, cx, cz, s->frame.cam_x, s->frame.cam_z);
            tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
            if (!c && !(c = track(s, cx, cz)))
                return 0;
            uint32_t lod = tp__schedule_wanted_lod(s, c, cx, cz, s->frame.cam_x,
                                                   s->frame.cam_z, d, 1);
            want(s, c, TP__CLASS_VIEW, TP__CLASS_VIEW * CLASS_KEY + d);
            c->in_view = 1;
            c->view_lod = lod;
            c->view_dist_m = d;
        }
    return 1;
}

/* The margin around the view square (inside the baked region: reads, never
 * generations). Walked when the view has moved or some of it was still missing, so a
 * complete margin costs an update nothing. */
static int want_margin(tp_streamer *s)
{
    tp__schedule *sched = &s->schedule;
    const int32_t vcx = s->frame.view_cx, vcz = s->frame.view_cz;
    if (sched->margin_complete && sched->margin_cx == vcx && sched->margin_cz == vcz)
        return 1;
    const int32_t v = (int32_t)s->opt.view_distance_chunks, r = v + MARGIN_CHUNKS;
    const double key = TP__CLASS_PREDICTED * CLASS_KEY + s->opt.prediction_horizon_s * 1e7;
    int complete = 1;
    for (int32_t dz = -r; dz <= r; dz++)
        for (int32_t dx = -r; dx <= r; dx++) {
            if (dz >= -v && dz <= v && dx == -v)
                dx = v + 1; /* the view square itself: want_view's */
            if (dx > r)
                break;
            int32_t cx = vcx + dx, cz = vcz + dz;
            if (tp__region_index(&s->layout.region, cx, cz) < 0)
                continue;
            tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
            if (c && c->coarse)
                continue;
            complete = 0;
            if (c && c->stamp == s->frame.update)
                continue; /* the prediction asks already */
            if (!c && !(c = track(s, cx, cz)))
                return 0;
            want(s, c, TP__CLASS_PREDICTED,
                 key + tp__schedule_chunk_dist(s, cx, cz, s->frame.cam_x, s->frame.cam_z));
        }
    sched->margin_cx = vcx, sched->margin_cz = vcz;
    sched->margin_complete = complete;
    return 1;
}

static int want_predicted(tp_streamer *s)
{
    if (s->opt.flags & TP_STREAMER_NO_PREDICTION)
        return 1;
    double xs[TP__MAX_PREDICTED], zs[TP__MAX_PREDICTED], ts[TP__MAX_PREDICTED];
    tp__schedule *sched = &s->schedule;
    const tp__layout *l = &s->layout;
    uint32_t n = tp__predictor_path(&s->predictor, s->opt.prediction_horizon_s,
                                    l->chunk_m * 0.5, xs, zs, ts, TP__MAX_PREDICTED);
    if (n == 0)
        return 1;
    sched->pred_x = xs[n - 1], sched->pred_z = zs[n - 1];
    /* Finer than coarsest only within the bands that give one. */
    uint32_t fine_bands = sched->band_count < l->coarsest ? sched->band_count : l->coarsest;
    double reach = fine_bands ? s->opt.lod_band_m[fine_bands - 1] : 0.0;
    /* Never further around a predicted point than the view reaches around the camera:
     * wide bands must not turn one update into a scan of thousands of chunks. */
    double reach_chunks = ceil(reach / l->chunk_m);
    int32_t r = reach_chunks < (double)s->opt.view_distance_chunks
                    ? (int32_t)reach_chunks : (int32_t)s->opt.view_distance_chunks;
    for (uint32_t i = 0; i < n && fine_bands; i++) {
        int32_t pcx = chunk_of(s, xs[i]), pcz = chunk_of(s, zs[i]);
        for (int32_t dz = -r; dz <= r; dz++)
            for (int32_t dx = -r; dx <= r; dx++) {
                int32_t cx = pcx + dx, cz = pcz + dz;
                double d = tp__schedule_chunk_dist(s, cx, cz, xs[i], zs[i]);
                if (d >= reach)
                    continue;
                tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
                uint32_t lod = tp__schedule_wanted_lod(s, c, cx, cz, xs[i], zs[i], d, 0);
                if (c && c->stamp == s->frame.update && c->view_lod <= lod)
                    continue; /* the view already asks for as much */
                if (!c && !(c = track(s, cx, cz)))
                    return 0;
                want(s, c, TP__CLASS_PREDICTED,
                     TP__CLASS_PREDICTED * CLASS_KEY + ts[i] * 1e7 + d);
                if (lod < c->pred_lod)
                    c->pred_lod = lod;
            }
    }
    /* The coarsest LOD of the chunks that will enter the view, before they do: read
     * (or generated) by the workers, so update() seldom has any to make itself. Skipped
     * while the path ends in the camera's own chunk (the view square asks already), and
     * while it ends within the margin of a view inside the region (want_margin() asks). */
    const int32_t v = (int32_t)s->opt.view_distance_chunks;
    int32_t hcx = chunk_of(s, xs[n - 1]), hcz = chunk_of(s, zs[n - 1]);
    const tp__region *rg = &l->region;
    const int inside = hcx - v >= rg->x0 && hcz - v >= rg->z0 &&
                       (int64_t)hcx + v < (int64_t)rg->x0 + rg->width &&
                       (int64_t)hcz + v < (int64_t)rg->z0 + rg->height;
    if ((hcx == s->frame.view_cx && hcz == s->frame.view_cz) ||
        (inside && llabs((long long)hcx - s->frame.view_cx) <= MARGIN_CHUNKS &&
         llabs((long long)hcz - s->frame.view_cz) <= MARGIN_CHUNKS))
        return 1;
    for (int32_t dz = -v; dz <= v; dz++)
        for (int32_t dx = -v; dx <= v; dx++) {
            int32_t cx = hcx + dx, cz = hcz + dz;
            tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
            if (c && c->stamp == s->frame.update)
                continue;
            if (!c && !(c = track(s, cx, cz)))
                return 0;
            double d = tp__schedule_chunk_dist(s, cx, cz, xs[n - 1], zs[n - 1]);
            want(s, c, TP__CLASS_PREDICTED,
                 TP__CLASS_PREDICTED * CLASS_KEY + ts[n - 1] * 1e7 + d);
        }
    return 1;
}

/* Warm destinations (warm.c): each view square as if the camera stood there, at the
 * urgency of the predicted path's first point (after the view, before what the path
 * needs later), nearest to the destination first; chunks without a LOD get their
 * coarsest first, as build_requests() does for any chunk. */
static int want_warm(tp_streamer *s)
{
    const int32_t v = (int32_t)s->opt.view_distance_chunks;
    for (uint32_t i = 0; i < s->warm.count; i++) {
        const tp__warm_dest *w = &s->warm.dest[i];
        for (int32_t dz = -v; dz <= v; dz++)
            for (int32_t dx = -v; dx <= v; dx++) {
                int32_t cx = w->cx + dx, cz = w->cz + dz;
                double d = tp__schedule_chunk_dist(s, cx, cz, w->x_m, w->z_m);
                tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
                if (!c && !(c = track(s, cx, cz)))
                    return 0;
                uint32_t lod = tp__schedule_wanted_lod(s, c, cx, cz, w->x_m, w->z_m, d, 0);
                want(s, c, TP__CLASS_PREDICTED, TP__CLASS_PREDICTED * CLASS_KEY + d);
                if (lod < c->pred_lod)
                    c->pred_lod = lod;
            }
    }
    return 1;
}

int tp__wants(tp_streamer *s)
{
    const tp__chunk_table *t = &s->chunks;
    tp__schedule *sched = &s->schedule;
    for (uint32_t i = 0; i < t->live_count; i++) {
        tp__chunk *c = t->live[i];
        c->in_view = 0;
        c->view_lod = c->pred_lod = s->layout.coarsest;
        c->cls = TP__CLASS_NONE;
        c->key = 4 * CLASS_KEY;
    }
    sched->pred_x = s->frame.cam_x, sched->pred_z = s->frame.cam_z;
    int ok = want_view(s) && want_predicted(s) && want_margin(s) && want_warm(s);
    /* Eviction order: distance from where the camera is going. */
    for (uint32_t i = 0; i < t->live_count; i++) {
        tp__chunk *c = t->live[i];
        double dx = ((double)c->cx + 0.5) * s->layout.chunk_m - sched->pred_x;
        double dz = ((double)c->cz + 0.5) * s->layout.chunk_m - sched->pred_z;
        c->pred_dist_m = sqrt(dx * dx + dz * dz);
    }
    return ok;
}

/* ---- Cancellation ----------------------------------------------------------------------- */

static void cancel(tp_streamer *s, tp__job *job)
{
    atomic_store_explicit(&job->cancelled, 1, memory_order_relaxed);
    tp__emit(&s->events, TP_STREAMER_EVENT_CANCEL, job->cx, job->cz, job->lod, 0, 0, 0);
}

/* With meshes, a chunk in view that holds a finer LOD than its target (the camera moved
 * away) gets the target paged in to replace it: the coarser mesh is its own page, not a
 * subsample. The coarsest LOD needs no page (it is always there). */
static int replacement_wanted(const tp_streamer *s, const tp__chunk *c, uint32_t target,
                              int best)
{
    return s->layout.meshes && c->in_view && c->fine && target < s->layout.coarsest &&
           best >= 0 && (uint32_t)best < target;
}

void tp__cancel_stale(tp_streamer *s)
{
    for (uint32_t i = 0; i < s->chunks.live_count; i++) {
        tp__chunk *c = s->chunks.live[i];
        tp__job *jc = c->job[TP__SLOT_COARSE], *jf = c->job[TP__SLOT_FINE];
        int wanted = c->stamp == s->frame.update;
        if (jc && !atomic_load_explicit(&jc->cancelled, memory_order_relaxed) && !wanted)
            cancel(s, jc);
        if (jf && !atomic_load_explicit(&jf->cancelled, memory_order_relaxed)) {
            uint32_t target = tp__chunk_target_lod(c);
            int best = tp__chunk_best_lod(c, s->layout.coarsest);
            /* Keep work that still moves the chunk towards its target without passing
             * it, or that replaces a finer LOD by exactly the target (with meshes);
             * anything else is stale (the camera turned, or something better came). */
            int replacing = replacement_wanted(s, c, target, best);
            if (!wanted || jf->lod < target ||
                (replacing ? jf->lod != target : (best >= 0 && jf->lod >= (uint32_t)best)))
                cancel(s, jf);
        }
    }
}

/* ---- Coarsest LOD in update() ------------------------------------------------------------ */

static int compare_missing(const void *pa, const void *pb)
{
    const tp__chunk *a = *(tp__chunk *const *)pa, *b = *(tp__chunk *const *)pb;
    if (a->view_dist_m != b->view_dist_m)
        return a->view_dist_m < b->view_dist_m ? -1 : 1;
    return tp__chunk_order(a, b);
}

/* A block for a page at `lod` plus room for `extra` more bytes (its mesh, attached
 * later). A pooled block is taken out first, so that making room — which may free
 * pooled blocks — cannot free the very block counted on. Returns 0 when there is no
 * room (nothing taken); otherwise *out_block is the block, or NULL if the allocator
 * failed. */
static int take_room(tp_streamer *s, uint32_t lod, size_t extra, double key,
                     tp__block **out_block)
{
    *out_block = NULL;
    if (tp__block_pooled(&s->blocks, lod)) {
        tp__block *b = tp__block_get(&s->blocks, lod);
        if (extra && !tp__make_room(s, extra, key)) {
            tp__block_unused(&s->blocks, b);
            return 0;
        }
        *out_block = b;
        return 1;
    }
    if (!tp__make_room(s, tp__block_bytes(&s->blocks, lod) + extra, key))
        return 0;
    *out_block = tp__block_get(&s->blocks, lod);
    return 1;
}

/* Makes the coarsest LOD of in-view chunk c, which has none: read when the file bakes
 * it, whatever the time (a few microseconds: the view must have no hole, and a work in
 * flight for it is overtaken), generated when the file lacks it or its page fails —
 * only if `may_generate`, otherwise the workers do it. Heights and biomes only: the
 * climate grid would more than double the cost of a generation (it is sampled at full
 * resolution), and the finer LODs bring it. A mesh that cannot be built leaves the
 * block without one.
 * @return TP_OK (made, or left to the workers); TP_ERR_OUT_OF_RANGE when the budget has
 * no room (nothing taken); TP_ERR_OUT_OF_MEMORY. */
static tp_result make_coarsest(tp_streamer *s, tp__chunk *c, int may_generate)
{
    const tp__layout *l = &s->layout;
    const int baked = tp__region_index(&l->region, c->cx, c->cz) >= 0;
    tp__job *in_flight = c->job[TP__SLOT_COARSE];
    if (!baked && (!may_generate || in_flight))
        return TP_OK;
    tp__block *b;
    if (!take_room(s, l->coarsest, l->meshes ? s->meshes.coarsest_max : 0, -1.0, &b))
        return TP_ERR_OUT_OF_RANGE;
    if (!b)
        return TP_ERR_OUT_OF_MEMORY;
    tp__mesh_raw raw, *mesh = l->meshes ? &raw : NULL;
    tp_result cause = TP_ERR_NOT_FOUND;
    if (baked) {
        uint64_t bytes_read = 0;
        cause = tp__page_read_coarsest(&s->source, c->cx, c->cz, b->heights, b->biomes,
                                       &s->scratch, mesh, &bytes_read);
        if (cause == TP_OK) {
            if (in_flight && !atomic_load_explicit(&in_flight->cancelled, memory_order_relaxed))
                cancel(s, in_flight);
            return tp__publish_coarsest(s, c, b, mesh, TP_STREAMER_SOURCE_FILE, TP_OK,
                                        bytes_read);
        }
    }
    /* Absent from the file, or its page cannot be trusted: generated, as the baker did,
     * and counted once, when published (a failed read left to the workers is read again
     * there). */
    if (!may_generate || in_flight) {
        tp__block_unused(&s->blocks, b);
        return TP_OK;
    }
    if (tp__page_generate_coarsest(&s->source, c->cx, c->cz, b->heights, b->biomes,
                                   &s->scratch, mesh) != TP_OK)
        mesh = NULL;
    return tp__publish_coarsest(s, c, b, mesh,
                                cause == TP_ERR_NOT_FOUND ? TP_STREAMER_SOURCE_GENERATED
                                                          : TP_STREAMER_SOURCE_REPAIRED,
                                cause, 0);
}

/* In-view chunks without any LOD get their coarsest LOD right here, nearest first: read
 * from the file for every baked chunk, generated for the others (outside the region,
 * absent from the file, or a damaged page) while the time budget lasts; the rest go to
 * the workers at the top of the queue. The deterministic mode has no clock to budget
 * with, so it generates them all. */
tp_result tp__sync_coarse(tp_streamer *s, double update_start_s)
{
    const int det = (s->opt.flags & TP_STREAMER_DETERMINISTIC) != 0;
    const double limit_s = s->opt.sync_generate_budget_ms * 1e-3;
    const uint32_t coarsest = s->layout.coarsest;
    tp__chunk **missing = s->schedule.missing;
    uint32_t n = 0;
    for (uint32_t i = 0; i < s->chunks.live_count; i++) {
        tp__chunk *c = s->chunks.live[i];
        if (c->in_view && tp__chunk_best_lod(c, coarsest) < 0)
            missing[n++] = c; /* only in-view chunks: at most view_count */
    }
    if (n == 0)
        return TP_OK;
    qsort(missing, n, sizeof *missing, compare_missing);
    for (uint32_t i = 0; i < n; i++) {
        int may_generate = det || (limit_s >= 0.0 && tp__now_s() - update_start_s < limit_s);
        tp_result r = make_coarsest(s, missing[i], may_generate);
        if (r == TP_ERR_OUT_OF_RANGE)
            break;
        if (r != TP_OK)
            return r;
    }
    return TP_OK;
}

/* ---- Requests and dispatch ---------------------------------------------------------------- */

static int compare_requests(const void *pa, const void *pb)
{
    const tp__request *a = pa, *b = pb;
    if (a->key != b->key)
        return a->key < b->key ? -1 : 1;
    return tp__chunk_order(a->chunk, b->chunk);
}

static int push_request(tp_streamer *s, tp__chunk *c, uint32_t lod, uint32_t slot, double key)
{
    tp__schedule *sc = &s->schedule;
    tp__request *r = tp__grow_array(&s->opt.allocator, sc->req, sizeof *r, sc->req_count,
                                    sc->req_count + 1, 1024, &sc->req_cap);
    if (!r)
        return 0;
    sc->req = r;
    sc->req[sc->req_count++] = (tp__request){key, c, lod, slot};
    return 1;
}

static int build_requests(tp_streamer *s)
{
    tp__schedule *sched = &s->schedule;
    sched->req_count = 0;
    for (uint32_t i = 0; i < s->chunks.live_count; i++) {
        tp__chunk *c = s->chunks.live[i];
        if (c->stamp != s->frame.update)
            continue;
        int best = tp__chunk_best_lod(c, s->layout.coarsest);
        if (best < 0) {
            /* Coarse first: nothing finer until the chunk has its coarsest LOD. */
            if (!c->job[TP__SLOT_COARSE] &&
                !push_request(s, c, s->layout.coarsest, TP__SLOT_COARSE,
                              c->in_view ? c->view_dist_m : c->key))
                return 0;
            continue;
        }
        if (c->job[TP__SLOT_FINE])
            continue;
        if (c->view_lod < (uint32_t)best) {
            if (!push_request(s, c, c->view_lod, TP__SLOT_FINE,
                              TP__CLASS_VIEW * CLASS_KEY + c->view_dist_m))
                return 0;
        } else if (c->pred_lod < (uint32_t)best) {
            double key = c->cls == TP__CLASS_PREDICTED
                             ? c->key
                             : TP__CLASS_PREDICTED * CLASS_KEY + c->view_dist_m;
            if (!push_request(s, c, c->pred_lod, TP__SLOT_FINE, key))
                return 0;
        } else {
            uint32_t target = tp__chunk_target_lod(c);
            /* Less urgent than anything that adds detail: the finer LOD is on screen. */
            if (replacement_wanted(s, c, target, best) &&
                !push_request(s, c, target, TP__SLOT_FINE,
                              (TP__CLASS_PREDICTED + 1) * CLASS_KEY + c->view_dist_m))
                return 0;
        }
    }
    qsort(sched->req, sched->req_count, sizeof *sched->req, compare_requests);
    return 1;
}

tp_result tp__dispatch(tp_streamer *s)
{
    if (!build_requests(s))
        return TP_ERR_OUT_OF_MEMORY;
    const tp__schedule *sched = &s->schedule;
    /* Only the game's own report of its work says a frame is slow: the time between
     * updates includes the wait for vsync, so a 60 Hz game that reports nothing would
     * look slow (16.7 ms) on every frame and stream throttled for ever. */
    int slow = s->frame.frame_time_s >= 0.0 &&
               s->frame.frame_time_s * 1e3 > s->opt.throttle_frame_ms;
    uint32_t limit = slow ? s->opt.throttled_in_flight : s->opt.max_in_flight;
    tp__job *head = NULL, *tail = NULL;
    uint32_t handed = 0;
    tp_result res = TP_OK;
    for (uint32_t i = 0; i < sched->req_count; i++) {
        const tp__request *r = &sched->req[i];
        /* A page of the coarsest LOD may take one of the small coarse jobs (jobs.h),
         * beyond the limit of full jobs; while throttled, every job counts. */
        const int coarse = !slow && r->lod == s->layout.coarsest && s->jobs.free_coarse;
        const int full = slow ? s->jobs.in_flight < limit : s->jobs.in_flight_full < limit;
        if (!coarse && !full) {
            if (slow || !s->jobs.free_coarse)
                break; /* nothing left to hand out with */
            continue;  /* only coarse jobs left: for a coarsest page further down */
        }
        /* Room for it (and for a mesh as large as the largest seen at its LOD), taking
         * only from less urgent chunks; if there is none, a smaller, less urgent page may
         * still fit in what is free. */
        tp__block *b;
        if (!take_room(s, r->lod, s->layout.meshes ? s->meshes.expect[r->lod] : 0, r->key, &b))
            continue;
        if (!b) {
            res = TP_ERR_OUT_OF_MEMORY;
            break;
        }
        tp__job *job = tp__jobs_take(&s->jobs, coarse);
        job->chunk = r->chunk;
        job->cx = r->chunk->cx, job->cz = r->chunk->cz;
        job->lod = r->lod, job->slot = r->slot;
        job->block = b;
        atomic_store_explicit(&job->cancelled, 0, memory_order_relaxed);
        job->dispatched_s = s->frame.clock_s;
        r->chunk->job[r->slot] = job;
        handed++;
        if (tail)
            tail->next = job;
        else
            head = job;
        tail = job;
    }
    tp__stats_dispatch(&s->stats, limit, sched->req_count - handed);
    if (head)
        tp__workers_submit(&s->workers, head, tail);
    return res;
}

/* Forget chunks that hold nothing and are not wanted, so the table tracks the
 * neighbourhood of the camera, not its whole history. */
void tp__sweep(tp_streamer *s)
{
    for (uint32_t i = s->chunks.live_count; i-- > 0;) {
        tp__chunk *c = s->chunks.live[i];
        if (!c->coarse && !c->fine && !c->job[TP__SLOT_COARSE] && !c->job[TP__SLOT_FINE] &&
            c->stamp != s->frame.update)
            tp__chunk_remove(&s->chunks, c);
    }
}
