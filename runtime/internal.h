/* internal.h — the streamer, assembled from one part per concern. Seen by the files that
 * work on the whole streamer (streamer.c, schedule.c, publish.c, eviction.c, view.c);
 * the parts below them (the pools, the table, the page source, the workers …) never see
 * it and get what they use at init.
 *
 * Each part is declared in its own header with the functions that own it, and only its
 * own file writes it; every other file reads it or calls those functions:
 *
 *   part        header          owner          what it holds
 *   opt         runtime.h       options.c      the resolved options (changed only at the
 *                                              start of an update, by a pending change)
 *   change      options.h       options.c      a change of options waiting for the update
 *   layout      layout.h        layout.c       sizes by LOD, the baked rectangle, meshes on
 *   source      page_in.h       page_in.c      the page file and the world pages come from
 *   scratch     page_in.h       page_in.c      the game thread's page-in working memory
 *   budget      budget.h        budget.h       held and resident bytes against the limit
 *                                              (the pools account through it)
 *   meshes      mesh_pool.h     mesh_pool.c    pooled meshes by size class
 *   blocks      block_pool.h    block_pool.c   pooled grid blocks by LOD, retired blocks
 *   chunks      chunk_table.h   chunk_table.c  the tracked chunks (entry fields: see there)
 *   eviction    eviction.h      eviction.c     the victim list of this update
 *   jobs        jobs.h          jobs.c         the page-in jobs and their mesh staging
 *   workers     workers.h       workers.c      threads and queue
 *   schedule    schedule.h      schedule.c     requests, missing chunks, the predicted end
 *   predictor   predictor.h     predictor.c    camera velocity
 *   frame       frame.h         frame.c        update index, clock, camera
 *   views       view.h          view.c         views acquired and not released
 *   queries     query.h         query.c        the triangle grids of height and ray queries
 *   warm        warm.h          warm.c         destinations warmed ahead of the camera
 *   events      events.h        events.c       the event callback
 *   stats       stats.h         stats.c        the counters
 *
 * Layers, top down; a file calls only files below it, never back up:
 *   streamer.c                         open, close, the order of an update
 *   schedule.c, view.c, query.c,       what is wanted and handed out; what is seen;
 *   warm.c                             destinations wanted ahead of the camera
 *   publish.c                          what arrives
 *   eviction.c                         what leaves
 *   workers.c, jobs.c                  the threads, the jobs
 *   page_in.c                          reading or generating one page
 *   block_pool.c                       grid blocks (their meshes go back to mesh_pool)
 *   mesh_pool.c, chunk_table.c, events.c, predictor.c, frame.c
 *   layout.c, stats.c, alloc.c, budget.h
 *
 * Threads: everything is the game thread's except the queue inside `workers`, the jobs
 * it carries, the pin counts of blocks and `views` (tp_streamer_release() may run on any
 * thread). Workers read `source` and `layout`, which do not change after open. */
#ifndef TP_RUNTIME_INTERNAL_H
#define TP_RUNTIME_INTERNAL_H

#include "alloc.h"
#include "block_pool.h"
#include "budget.h"
#include "chunk_table.h"
#include "events.h"
#include "eviction.h"
#include "frame.h"
#include "jobs.h"
#include "layout.h"
#include "mesh_pool.h"
#include "options.h"
#include "page_in.h"
#include "predictor.h"
#include "publish.h"
#include "query.h"
#include "schedule.h"
#include "screen_error.h"
#include "stats.h"
#include "terrapage/runtime.h"
#include "view.h"
#include "warm.h"
#include "workers.h"

struct tp_streamer {
    tp_streamer_options opt;
    tp__options_change change;
    tp__layout layout;
    tp__page_source source;
    tp__scratch scratch;
    tp__budget budget;
    tp__mesh_pool meshes;
    tp__block_pool blocks;
    tp__chunk_table chunks;
    tp__eviction eviction;
    tp__jobs jobs;
    tp__workers workers;
    tp__schedule schedule;
    tp__predictor predictor;
    tp__frame frame;
    tp__views views;
    tp__query_cache queries;
    tp__warm warm;
    tp__events events;
    tp__stats stats;
};

#endif /* TP_RUNTIME_INTERNAL_H */
