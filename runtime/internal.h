/* internal.h — the streamer's shared state, seen by every file of runtime/ and nothing
 * else. Ownership: everything here belongs to the game thread except what the worker
 * queue (workers.c) says it shares, and the atomic pin count of a block. */
#ifndef TP_RUNTIME_INTERNAL_H
#define TP_RUNTIME_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc.h"
#include "block_pool.h"
#include "budget.h"
#include "chunk_table.h"
#include "events.h"
#include "eviction.h"
#include "layout.h"
#include "mesh_pool.h"
#include "stats.h"
#include "terrapage/runtime.h"

#define TP__MAX_PREDICTED 16u  /* points sampled along the predicted path */

/* What the permanent coarsest LOD holds for a chunk of the region. */
typedef enum tp__permanent_state {
    TP__PERMANENT_NONE = 0,     /* absent from the file: generated on demand */
    TP__PERMANENT_FILE = 1,     /* decoded from the file */
    TP__PERMANENT_REPAIRED = 2  /* the file's page failed; regenerated at open */
} tp__permanent_state;

/* Request classes, most urgent first. */
enum { TP__CLASS_MISSING = 0, TP__CLASS_VIEW = 1, TP__CLASS_PREDICTED = 2, TP__CLASS_NONE = 3 };

typedef struct tp__job tp__job;

/* ---- Work handed to workers (workers.c) ---------------------------------------------- */
struct tp__job {
    tp__job *next;          /* queue links (under the queue lock) */
    tp__chunk *chunk;       /* game thread only */
    int32_t cx, cz;
    uint32_t lod, slot;
    tp__block *block;       /* destination, allocated by the game thread */
    atomic_int cancelled;
    double dispatched_s;    /* streamer clock */
    /* Mesh staging (meshes on): the worker decodes the mesh here, sized for the worst
     * mesh of LOD 0; publish copies it into an allocation of its exact size class. */
    tp_mesh_vertex *stage_vertices;
    uint16_t *stage_indices;
    /* Results, written by the worker before the job is handed back. */
    uint32_t source;
    uint64_t bytes_read;
    tp_result cause;        /* why the page was generated (tp__stats_fallback()), or
                               TP_OK when it was read */
    uint8_t mesh_ok;        /* the staging holds the page's mesh */
    tp_mesh mesh;           /* counts of the staged mesh */
    float mesh_error_m;
    uint32_t mesh_flags;    /* TP_CHUNK_MESH_* */
};

/* Working memory of one thread that turns jobs into pages (a worker, or the game
 * thread at open, in the deterministic mode and for update()'s coarsest LODs). Fixed
 * size, allocated once; not decoded data, so outside the budget (stats scratch_bytes). */
typedef struct tp__scratch {
    void *read;             /* stored bytes of one blob (pread and callback paths) */
    void *mesh_raw;         /* one mesh encoding: LZ4-decoded, or freshly built */
    void *mesh_build;       /* tp_mesh_generate_chunk_blob()'s scratch */
    size_t read_bytes, mesh_raw_bytes, mesh_build_bytes;
} tp__scratch;

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
    tp__scratch *scratch;                 /* one per worker */
    uint32_t scratch_count;
} tp__queue;

/* ---- Predictor (predictor.c) --------------------------------------------------------- */
typedef struct tp__predictor {
    int valid;
    double x, z, t;
    double vx, vz;          /* m/s, smoothed */
    double teleport_m;
    double teleport_speed_m_s;
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

/* ---- The streamer --------------------------------------------------------------------- */
struct tp_streamer {
    tp_streamer_options opt;    /* resolved */
    tp_reader *reader;
    const tp_file_desc *desc;
    tp_world_params world;
    int fd;                     /* for the pread path, else −1 */
    tp__layout layout;
    uint32_t band_count;
    size_t max_stored;          /* largest stored blob: the read scratch size */
    uint32_t stage_vertices, stage_indices; /* job staging capacity (worst LOD-0 mesh) */
    size_t stage_bytes;         /* per job */
    size_t mesh_raw_cap;        /* largest mesh encoding (LOD 0 bound) */

    /* The region's permanent coarsest LOD. */
    uint8_t *region_present;    /* tp__permanent_state of each chunk of the region */
    uint16_t *region_heights;
    uint8_t *region_biomes;
    size_t region_alloc_bytes;
    tp__mesh **region_mesh;     /* the coarsest mesh of each present chunk (meshes on) */
    void **arena;               /* slabs holding those meshes */
    uint32_t arena_count, arena_cap;
    size_t arena_used, arena_slab_bytes, arena_bytes;
    uint64_t permanent_bytes;

    /* Memory. */
    tp__budget budget;
    tp__mesh_pool meshes;
    tp__block_pool blocks;
    tp__chunk_table chunks;
    tp__eviction eviction;
    atomic_ullong pinned_views;

    /* Work. */
    tp__queue q;
    tp__job *jobs;              /* job_count jobs, the free ones linked */
    tp__job *job_free;
    uint32_t job_count, in_flight;
    tp__scratch sync_scratch;   /* the game thread's (open, deterministic mode, update) */
    uint64_t scratch_bytes;     /* every tp__scratch and job staging, outside the budget */
    void *stage;                /* job staging, one allocation */
    tp__request *req;
    uint32_t req_count, req_cap;
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

    tp__events events;
    tp__stats stats;
};

/* streamer.c: the permanent coarsest LOD */
int tp__has_permanent(const tp_streamer *s, int32_t cx, int32_t cz);

/* workers.c */
tp_result tp__workers_start(tp_streamer *s);
void tp__workers_stop(tp_streamer *s);
void tp__workers_submit(tp_streamer *s, tp__job *head, tp__job *tail);
tp__job *tp__workers_take_done(tp_streamer *s);
void tp__workers_run_pending_sync(tp_streamer *s);
void tp__job_execute(const tp_streamer *s, tp__job *job, const tp__scratch *scratch);
tp_result tp__load_blob(const tp_streamer *s, int32_t cx, int32_t cz, uint32_t layer,
                        uint32_t lod, void *dst, size_t raw_bytes, void *scratch,
                        uint64_t *bytes_read);
tp_result tp__load_mesh_raw(const tp_streamer *s, int32_t cx, int32_t cz, uint32_t lod,
                            const tp__scratch *scratch, size_t *out_size, float *out_error_m,
                            uint64_t *bytes_read);
tp_result tp__build_mesh_raw(const tp_streamer *s, int32_t cx, int32_t cz, uint32_t lod,
                             const uint16_t *heights, const tp__scratch *scratch,
                             size_t *out_size, float *out_error_m, uint32_t *out_flags);
tp_result tp__scratch_alloc(tp_streamer *s, tp__scratch *sc, int for_jobs);
void tp__scratch_free(tp_streamer *s, tp__scratch *sc);

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
