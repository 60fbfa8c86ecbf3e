/* warm.c — destinations warmed ahead of time, and how ready a destination is.
 *
 * A destination is wanted like the view itself, as if the camera stood there: every
 * chunk of the view square around it at the LOD its distance from the destination asks
 * for (schedule.c adds them to the wanted set each update, after the view, at the
 * urgency of the nearest point of the predicted path). Its chunks get their coarsest LOD
 * first — read inside the baked region, generated outside it — then finer ones.
 * Readiness asks the question a loading screen has — would the camera, arriving there
 * now, see a hole or a LOD coarser than wanted? — with the one definition of "coarser
 * than wanted" the views and statistics use. */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "internal.h"

void tp__warm_arrived(tp__warm *w, int32_t cx, int32_t cz)
{
    for (uint32_t i = 0; i < w->count;) {
        if (w->dest[i].cx == cx && w->dest[i].cz == cz)
            w->dest[i] = w->dest[--w->count];
        else
            i++;
    }
}

static tp_result check_position(const tp_streamer *s, double x_m, double z_m, const char *what)
{
    const double limit_m = (double)TP_STREAMER_MAX_CHUNK_INDEX * s->layout.chunk_m;
    if (!isfinite(x_m) || !isfinite(z_m) || fabs(x_m) > limit_m || fabs(z_m) > limit_m)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: position (%g, %g) is invalid", what,
                             x_m, z_m);
    return TP_OK;
}

tp_result tp_streamer_warm(tp_streamer *s, double x_m, double z_m)
{
    assert(s);
    tp_result r = check_position(s, x_m, z_m, "warm");
    if (r != TP_OK)
        return r;
    tp__warm *w = &s->warm;
    const int32_t cx = (int32_t)floor(x_m / s->layout.chunk_m);
    const int32_t cz = (int32_t)floor(z_m / s->layout.chunk_m);
    for (uint32_t i = 0; i < w->count; i++)
        if (w->dest[i].cx == cx && w->dest[i].cz == cz) {
            w->dest[i].x_m = x_m, w->dest[i].z_m = z_m; /* the same view: moved within it */
            return TP_OK;
        }
    if (w->count == TP_STREAMER_MAX_WARM)
        return tp__error_set(TP_ERR_OUT_OF_RANGE,
                             "warm: %u destinations are warm already; cancel one first",
                             TP_STREAMER_MAX_WARM);
    w->dest[w->count++] = (tp__warm_dest){x_m, z_m, cx, cz};
    return TP_OK;
}

void tp_streamer_warm_cancel(tp_streamer *s, double x_m, double z_m)
{
    assert(s);
    if (check_position(s, x_m, z_m, "warm cancel") != TP_OK)
        return;
    tp__warm_arrived(&s->warm, (int32_t)floor(x_m / s->layout.chunk_m),
                     (int32_t)floor(z_m / s->layout.chunk_m));
}

tp_result tp_streamer_readiness(const tp_streamer *s, double x_m, double z_m,
                                tp_streamer_ready *out_ready)
{
    assert(s && out_ready);
    memset(out_ready, 0, sizeof *out_ready);
    tp_result r = check_position(s, x_m, z_m, "readiness");
    if (r != TP_OK)
        return r;
    const int32_t v = (int32_t)s->opt.view_distance_chunks;
    const int32_t ccx = (int32_t)floor(x_m / s->layout.chunk_m);
    const int32_t ccz = (int32_t)floor(z_m / s->layout.chunk_m);
    for (int32_t dz = -v; dz <= v; dz++)
        for (int32_t dx = -v; dx <= v; dx++) {
            int32_t cx = ccx + dx, cz = ccz + dz;
            tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz); /* its file facts cached */
            int best = tp_streamer_best_lod(s, cx, cz);
            uint32_t wanted = tp__schedule_wanted_lod(
                s, c, cx, cz, x_m, z_m, tp__schedule_chunk_dist(s, cx, cz, x_m, z_m), 0);
            out_ready->chunks++;
            if (best < 0)
                out_ready->missing++;
            else if ((uint32_t)best > wanted)
                out_ready->coarser++;
        }
    out_ready->ready = out_ready->missing == 0 && out_ready->coarser == 0;
    return TP_OK;
}
