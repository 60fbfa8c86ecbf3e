/* workers.h — the worker threads and their queue: jobs go in as a batch, come back as
 * a list, and in between a worker runs tp__page_in() on each with its own scratch.
 *
 * The queue is one mutex, one condition variable and two lists. The game thread appends
 * a whole batch under one lock and wakes once (a wake costs it 5–10 µs, so never one per
 * page), and takes every finished job back under one lock. Workers allocate nothing:
 * the destination block and the read scratch exist before the job starts, and a worker
 * sees nothing of the streamer but the page source, its job and its scratch. */
#ifndef TP_RUNTIME_WORKERS_H
#define TP_RUNTIME_WORKERS_H

#include <pthread.h>
#include <stdint.h>

#include "jobs.h"
#include "page_in.h"

typedef struct tp__workers {
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
    int lower_priority;                   /* each worker lowers its own priority */
    const tp__page_source *src;
    const tp_streamer_allocator *mem;
} tp__workers;

/*! tp__workers_start() :
 *  Creates the queue and starts `threads` workers (0: cores − 1, at least one), each
 *  with its scratch; none when `deterministic` (the game thread then runs the queue
 *  with tp__workers_run_pending_sync()).
 *  @return TP_OK; TP_ERR_OUT_OF_MEMORY; TP_ERR_IO (a mutex, condition variable or
 *  thread could not be made). Whatever started is stopped by tp__workers_stop(). */
tp_result tp__workers_start(tp__workers *w, const tp_streamer_allocator *mem,
                            const tp__page_source *src, uint32_t threads, int deterministic,
                            int lower_priority);

/* Stops the workers (each finishes at most the page it is on; pending jobs are
 * cancelled and stay in the queue) and frees their memory. */
void tp__workers_stop(tp__workers *w);

/* Appends the batch head … tail (linked through next) and wakes the workers once. */
void tp__workers_submit(tp__workers *w, tp__job *head, tp__job *tail);

/* Every finished job, in finishing order, linked through next. */
tp__job *tp__workers_take_done(tp__workers *w);

/* Deterministic mode: runs every pending job on the calling thread with `sc`. */
void tp__workers_run_pending_sync(tp__workers *w, const tp__scratch *sc);

/* Scratch bytes of the workers (outside the budget). */
uint64_t tp__workers_scratch_bytes(const tp__workers *w);

#endif /* TP_RUNTIME_WORKERS_H */
