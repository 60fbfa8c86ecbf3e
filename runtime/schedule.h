/* schedule.h — what the camera wants, in what order, and handing it out: the wanted
 * set of each update, cancellation of stale work, the coarsest LODs update() generates
 * itself, dispatch to the workers and forgetting idle chunks. Game thread only; works on
 * the whole streamer (internal.h). */
#ifndef TP_RUNTIME_SCHEDULE_H
#define TP_RUNTIME_SCHEDULE_H

#include <stdint.h>

#include "chunk_table.h"
#include "terrapage/runtime.h"

#define TP__MAX_PREDICTED 16u  /* points sampled along the predicted path */

/* Request classes, most urgent first (tp__chunk.cls). */
enum { TP__CLASS_MISSING = 0, TP__CLASS_VIEW = 1, TP__CLASS_PREDICTED = 2, TP__CLASS_NONE = 3 };

typedef struct tp__request {
    double key;             /* class · 1e12 + distance: smaller is more urgent */
    tp__chunk *chunk;
    uint32_t lod, slot;
} tp__request;

typedef struct tp__schedule {
    tp__request *req;       /* this update's requests, most urgent first */
    uint32_t req_count, req_cap;
    tp__chunk **missing;    /* in-view chunks without any LOD (one view's worth) */
    uint32_t view_count;    /* (2 · view distance + 1)² */
    uint32_t band_count;    /* LOD bands given in the options */
    double screen_error_scale; /* tp__screen_error_scale() of the options */
    double pred_x, pred_z;  /* where the camera is going (eviction order) */
    int32_t margin_cx, margin_cz; /* the view chunk the margin was last walked around */
    int margin_complete;    /* … and every baked chunk of it had its coarsest LOD */
} tp__schedule;

/* Sizes from the options (view square, LOD bands); no allocation. */
void tp__schedule_plan(tp__schedule *sc, const tp_streamer_options *o);

/* Allocates the planned arrays. TP_ERR_OUT_OF_MEMORY (with a detail) when it fails. */
tp_result tp__schedule_alloc(tp__schedule *sc, const tp_streamer_allocator *mem);

/* The view's size changed (tp_streamer_set_options()): plans anew and takes `missing`,
 * allocated for the new view, in place of the old array (freed). */
void tp__schedule_resize(tp__schedule *sc, const tp_streamer_options *o, tp__chunk **missing,
                         const tp_streamer_allocator *mem);

void tp__schedule_free(tp__schedule *sc, const tp_streamer_allocator *mem);

/* Distance from (x, z) to the nearest point of chunk (cx, cz), metres. */
double tp__schedule_chunk_dist(const tp_streamer *s, int32_t cx, int32_t cz, double x, double z);

/* The LOD the view asks for at dist_m from the camera (LOD bands; a chunk holding
 * finest_held ≥ 0 keeps it within the hysteresis; −1: none held). */
uint32_t tp__schedule_view_lod(const tp_streamer *s, double dist_m, int finest_held);

/* The LOD chunk (cx, cz) (entry c, or NULL) wants seen from a camera at (x, z) (at the
 * frame's camera height): the selector of the options — the bands of
 * tp__schedule_view_lod() at the ground distance dist_m (hysteresis for a finer LOD the
 * chunk holds), or the screen-space error. The one home of "wanted" for the view, the
 * prediction, warm destinations and readiness. */
uint32_t tp__schedule_wanted_lod(const tp_streamer *s, tp__chunk *c, int32_t cx,
                                 int32_t cz, double x, double z, double dist_m, int hysteresis);

/* In the order update() calls them: */
int tp__wants(tp_streamer *s);                              /* 0: out of memory */
void tp__cancel_stale(tp_streamer *s);
tp_result tp__sync_coarse(tp_streamer *s, double update_start_s);
tp_result tp__dispatch(tp_streamer *s);
void tp__sweep(tp_streamer *s);

#endif /* TP_RUNTIME_SCHEDULE_H */
