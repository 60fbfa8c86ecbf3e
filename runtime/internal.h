/* internal.h — the streamer's shared state, seen by every file of runtime/ and nothing
 * else. Ownership: everything here belongs to the game thread except what the worker
 * queue (workers.c) says it shares, and the atomic pin count of a block. */
#ifndef TP_RUNTIME_INTERNAL_H
#define TP_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "terrapage/runtime.h"

#define TP__UPDATE_RING 1024u  /* update costs kept for the percentiles */
#define TP__MAX_PREDICTED 16u  /* points sampled along the predicted path */

/* Request classes, most urgent first. */
enum { TP__CLASS_MISSING = 0, TP__CLASS_VIEW = 1, TP__CLASS_PREDICTED = 2, TP__CLASS_NONE = 3 };

/* Job kinds and slots. A chunk has at most one job per slot in flight. */
enum { TP__SLOT_COARSE = 0, TP__SLOT_FINE = 1 };

/* ---- Blocks: one LOD of one chunk, in one allocation (cache.c) ----------------------- */
typedef struct tp__block {
    struct tp__block *next;  /* pool free list or retired list */
    size_t bytes;            /* allocation size, counted against the budget */
    uint32_t lod;            /* also the pool class */
    uint32_t source;         /* tp_streamer_source */
    uint32_t has_climate;    /* the climate arrays hold data */
    int32_t cx, cz;
    atomic_uint pins;        /* views acquired and not released */
    uint16_t *heights;       /* edge² */
    uint8_t *biomes;         /* edge² */
    int16_t *temperature;    /* climate_edge² */
    uint16_t *precipitation; /* climate_edge² */
} tp__block;

typedef struct tp__job tp__job;

/* ---- Chunks the streamer tracks (cache.c) --------------------------------------------
 * A baked chunk whose coarsest LOD is permanent needs an entry only while it wants or
 * holds something finer; every other chunk gets one while it is wanted or holds data. */
typedef struct tp__chunk {
    int32_t cx, cz;
    int64_t region_index;   /* index into the permanent coarse arrays, or −1 */
    uint32_t live_index;    /* position in tp_streamer.live */
    tp__block *coarse;      /* generated coarsest LOD (chunks without a permanent one) */
    tp__block *fine;        /* the best LOD finer than the coarsest, if any */
    uint32_t fine_lod;      /* fine->lod, kept here because following the pointer to a
                               block costs a cache and TLB miss per chunk per frame */
    tp__job *job[2];        /* work in flight per slot */
    uint64_t stamp;         /* update that last wanted the chunk */
    uint32_t view_lod;      /* wanted by the view (coarsest when not in view) */
    uint32_t pred_lod;      /* wanted by the prediction (coarsest when none) */
    uint32_t cls;           /* TP__CLASS_* of the chunk this update */
    uint8_t in_view;
    uint8_t tier;           /* eviction tier while the victim list is built (cache.c) */
    double view_dist_m;     /* camera to nearest point of the chunk */
    double pred_dist_m;     /* predicted position to the chunk centre (eviction order) */
    double key;             /* urgency of what it wants (tp__request.key); eviction
                               only takes from chunks less urgent than the request */
} tp__chunk;

/* ---- Work handed to workers (workers.c) ---------------------------------------------- */
struct tp__job {
    tp__job *next;          /* queue links (under the queue lock) */
    tp__chunk *chunk;       /* game thread only */
    int32_t cx, cz;
    uint32_t lod, slot;
    tp__block *block;       /* destination, allocated by the game thread */
    atomic_int cancelled;
    double dispatched_s;    /* streamer clock */
    /* Results, written by the worker before the job is handed back. */
    uint32_t source;
    uint64_t bytes_read;
    uint8_t checksum_failed, decode_failed, outside;
};

typedef struct tp__queue {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    tp__job *pending_head, *pending_tail; /* handed out, not started */
    tp__job *done, *done_tail;            /* finished or skipped, in finishing order */
    int stop;
    int initialised;
    uint32_t thread_count;                /* started */
    uint32_t thread_alloc;                /* planned */
    pthread_t *threads;
    void *args;
    void **scratch;                       /* one read buffer per worker (read paths) */
    uint32_t scratch_count;
} tp__queue;

/* ---- Predictor (predictor.c) --------------------------------------------------------- */
typedef struct tp__predictor {
    int valid;
    double x, z, t;
    double vx, vz;          /* m/s, smoothed */
    double teleport_m;
    double smoothing_s;     /* time constant of the velocity filter */
} tp__predictor;

/* Returns 1 when the move was a teleport (and the predictor was reset). */
int tp__predictor_update(tp__predictor *p, double x, double z, double t);
/* Fills up to max points along the predicted path; returns the count. */
uint32_t tp__predictor_path(const tp__predictor *p, double horizon_s, double spacing_m,
                            double *xs, double *zs, double *ts, uint32_t max);

/* ---- Requests (schedule.c) ------------------------------------------------------------ */
typedef struct tp__request {
    double key;             /* class · 1e12 + distance: smaller is more urgent */
    tp__chunk *chunk;
    uint32_t lod, slot;
} tp__request;

/* ---- Statistics (stats.c) ------------------------------------------------------------- */
typedef struct tp__stats {
    tp_streamer_stats s;    /* counters kept in place; percentiles filled on read */
    float update_us[TP__UPDATE_RING];
    uint64_t ring_count;
} tp__stats;

void tp__stats_update_cost(tp__stats *st, double us);
void tp__stats_latency(tp__stats *st, double seconds);
void tp__stats_fill(const tp__stats *st, tp_streamer_stats *out);

/* ---- The streamer --------------------------------------------------------------------- */
struct tp_streamer {
    tp_streamer_options opt;    /* resolved */
    tp_reader *reader;
    const tp_file_desc *desc;
    tp_world_params world;
    int fd;                     /* for the pread path, else −1 */
    double chunk_m;
    uint32_t lod_count, coarsest;
    uint32_t band_count;
    uint32_t edge[TP_MAX_LODS];
    uint32_t climate_edge;
    size_t block_bytes[TP_MAX_LODS];
    size_t max_stored;          /* largest raw blob: the read scratch size */

    /* Region and its permanent coarsest LOD. */
    int32_t rx0, rz0;
    uint32_t rw, rh;
    uint8_t *region_present;    /* 1: permanent coarse available; 2: repaired at open */
    uint16_t *region_heights;
    uint8_t *region_biomes;
    size_t region_alloc_bytes;
    uint64_t permanent_bytes;

    /* Chunk table: open addressing over chunk pointers, plus a dense live list. */
    tp__chunk **table;
    uint32_t table_cap;         /* power of two */
    tp__chunk **live;
    uint32_t live_count, live_cap;
    tp__chunk *chunk_free;      /* recycled entries (linked through .fine) */
    void **slabs;               /* entry slabs, freed at close */
    uint32_t slab_count, slab_cap;

    /* Blocks. */
    tp__block *pool[TP_MAX_LODS];
    tp__block *retired;         /* replaced while pinned */
    uint64_t held_bytes;        /* everything counted against the budget */
    uint64_t resident_bytes;    /* permanent + published + retired */
    uint64_t pool_bytes;
    atomic_ullong pinned_views;

    /* Work. */
    tp__queue q;
    tp__job *jobs;              /* job_count jobs, the free ones linked */
    tp__job *job_free;
    uint32_t job_count, in_flight;
    void *sync_scratch;         /* read buffer of the game thread (open, deterministic) */
    tp__request *req;
    uint32_t req_count, req_cap;
    tp__chunk **victims;        /* eviction candidates of this update */
    uint32_t victim_count, victim_cap, victim_next;
    int victims_built;
    tp__chunk **missing;        /* in-view chunks without any LOD (one view's worth) */
    uint32_t view_count;        /* (2 · view distance + 1)² */

    /* Camera. */
    tp__predictor pred;
    double clock_s;             /* streamer clock: monotonic, or virtual */
    double real_origin_s;
    double cam_x, cam_z, pred_x, pred_z;
    int32_t view_cx, view_cz;
    int have_view;
    double frame_time_s;        /* reported work time; < 0 until reported */
    uint64_t update_index;

    tp__stats stats;
};

/* cache.c */
void *tp__alloc(tp_streamer *s, size_t size);
void tp__free(tp_streamer *s, void *p, size_t size);
tp__chunk *tp__chunk_find(const tp_streamer *s, int32_t cx, int32_t cz);
tp__chunk *tp__chunk_get(tp_streamer *s, int32_t cx, int32_t cz); /* NULL: out of memory */
void tp__chunk_drop_if_idle(tp_streamer *s, tp__chunk *c);
void tp__chunks_free_all(tp_streamer *s);
int64_t tp__region_index(const tp_streamer *s, int32_t cx, int32_t cz);
int tp__has_permanent(const tp_streamer *s, int32_t cx, int32_t cz);
int tp__best_lod(const tp_streamer *s, const tp__chunk *c, int32_t cx, int32_t cz);
tp__block *tp__block_get(tp_streamer *s, uint32_t lod);   /* pooled or allocated */
void tp__block_put(tp_streamer *s, tp__block *b);         /* to the pool, or retired */
void tp__block_unused(tp_streamer *s, tp__block *b);      /* never published: to the pool */
size_t tp__block_bytes_for(const tp_streamer *s, uint32_t lod);
void tp__block_publish(tp_streamer *s, tp__block *b);     /* in flight → resident */
void tp__retired_collect(tp_streamer *s);
void tp__pool_trim(tp_streamer *s, uint64_t target_held);
void tp__pool_free_all(tp_streamer *s);
void tp__chunk_lower(tp_streamer *s, tp__chunk *c, uint32_t lod); /* evict or subsample */
int tp__make_room(tp_streamer *s, uint64_t bytes, double request_key);
void tp__emit(tp_streamer *s, uint32_t type, int32_t cx, int32_t cz, uint32_t lod,
              uint32_t new_lod, uint32_t source, uint64_t bytes);

/* workers.c */
tp_result tp__workers_start(tp_streamer *s);
void tp__workers_stop(tp_streamer *s);
void tp__workers_submit(tp_streamer *s, tp__job *head, tp__job *tail);
tp__job *tp__workers_take_done(tp_streamer *s);
void tp__workers_run_pending_sync(tp_streamer *s);
void tp__job_execute(const tp_streamer *s, tp__job *job, void *scratch);
tp_result tp__load_blob(const tp_streamer *s, int32_t cx, int32_t cz, uint32_t layer,
                        uint32_t lod, void *dst, size_t raw_bytes, void *scratch,
                        uint64_t *bytes_read);

/* schedule.c, in the order update() calls them */
int tp__wants(tp_streamer *s);                     /* 0: out of memory */
void tp__cancel_stale(tp_streamer *s);
tp_result tp__sync_coarse(tp_streamer *s, double update_start_s);
tp_result tp__dispatch(tp_streamer *s, double frame_dt_s);
void tp__sweep(tp_streamer *s);
uint32_t tp__view_lod(const tp_streamer *s, double dist_m, int finest_held);
double tp__chunk_dist(const tp_streamer *s, int32_t cx, int32_t cz, double x, double z);

/* time */
double tp__now_s(void);

#endif /* TP_RUNTIME_INTERNAL_H */
