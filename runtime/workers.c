/* workers.c — the worker threads and the queue between them and the game thread. What
 * a worker does with a job is page_in.c's; the design notes are in workers.h. */
#define _POSIX_C_SOURCE 200809L /* sysconf under -std=c11 */

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "alloc.h"
#include "workers.h"

typedef struct worker_arg {
    tp__workers *w;
    uint32_t index;
} worker_arg;

static void done_push(tp__workers *w, tp__job *job)
{
    job->next = NULL;
    if (w->done_tail)
        w->done_tail->next = job;
    else
        w->done = job;
    w->done_tail = job;
}

static tp__job *pending_pop(tp__workers *w)
{
    tp__job *job = w->pending_head;
    if (job) {
        w->pending_head = job->next;
        if (!w->pending_head)
            w->pending_tail = NULL;
    }
    return job;
}

/* Lowers the calling worker's scheduling priority below the game thread's. A page-in is
 * never urgent to the microsecond, the frame is: when the game thread and a worker want
 * the same core, the game thread should win (measured with the soak test on 2 cores:
 * update p99 0.24–0.32 ms at equal priority, 0.08 ms with the workers at nice + 10).
 * Linux keeps the nice value per thread, so this touches this thread only; elsewhere
 * (where it would be per process) nothing is done. Failure is harmless and ignored. */
static void lower_own_priority(void)
{
#if defined(__linux__)
    errno = 0;
    int nice_now = getpriority(PRIO_PROCESS, 0);
    if (errno == 0)
        (void)setpriority(PRIO_PROCESS, 0, nice_now + 10 > 19 ? 19 : nice_now + 10);
#endif
}

static void *worker_main(void *arg)
{
    worker_arg *a = arg;
    tp__workers *w = a->w;
    const tp__scratch *scratch = &w->scratch[a->index];
    if (w->lower_priority)
        lower_own_priority();
    pthread_mutex_lock(&w->lock);
    for (;;) {
        while (!w->pending_head && !w->stop)
            pthread_cond_wait(&w->wake, &w->lock);
        if (w->stop)
            break; /* close reclaims whatever is still pending */
        tp__job *job = pending_pop(w);
        pthread_mutex_unlock(&w->lock);
        if (!atomic_load_explicit(&job->cancelled, memory_order_relaxed))
            tp__page_in(w->src, job, scratch);
        pthread_mutex_lock(&w->lock);
        done_push(w, job);
    }
    pthread_mutex_unlock(&w->lock);
    return NULL;
}

static long online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

tp_result tp__workers_start(tp__workers *w, const tp_streamer_allocator *mem,
                            const tp__page_source *src, uint32_t threads, int deterministic,
                            int lower_priority)
{
    w->mem = mem;
    w->src = src;
    w->lower_priority = lower_priority;
    if (pthread_mutex_init(&w->lock, NULL) != 0)
        return tp__error_set(TP_ERR_IO, "streamer: cannot create a mutex");
    if (pthread_cond_init(&w->wake, NULL) != 0) {
        pthread_mutex_destroy(&w->lock);
        return tp__error_set(TP_ERR_IO, "streamer: cannot create a condition variable");
    }
    w->initialised = 1;
    if (deterministic)
        return TP_OK;

    uint32_t n = threads;
    if (n == 0) {
        long cores = online_cores();
        n = cores > 1 ? (uint32_t)(cores - 1) : 1u;
    }
    w->thread_alloc = n;
    w->threads = tp__alloc(mem, n * sizeof *w->threads);
    w->args = tp__alloc(mem, n * sizeof(worker_arg));
    if (!w->threads || !w->args)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory for threads");
    w->scratch = tp__alloc(mem, n * sizeof *w->scratch);
    if (!w->scratch)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory");
    memset(w->scratch, 0, n * sizeof *w->scratch);
    w->scratch_count = n;
    for (uint32_t i = 0; i < n; i++) {
        tp_result r = tp__scratch_alloc(src, mem, &w->scratch[i], 1);
        if (r != TP_OK)
            return r;
    }
    worker_arg *args = w->args;
    for (uint32_t i = 0; i < n; i++) {
        args[i].w = w;
        args[i].index = i;
        if (pthread_create(&w->threads[i], NULL, worker_main, &args[i]) != 0)
            return tp__error_set(TP_ERR_IO, "streamer: cannot start worker thread %u of %u",
                                 i + 1, n);
        w->thread_count = i + 1;
    }
    return TP_OK;
}

void tp__workers_stop(tp__workers *w)
{
    if (!w->initialised)
        return;
    pthread_mutex_lock(&w->lock);
    w->stop = 1;
    for (tp__job *j = w->pending_head; j; j = j->next)
        atomic_store_explicit(&j->cancelled, 1, memory_order_relaxed);
    pthread_cond_broadcast(&w->wake);
    pthread_mutex_unlock(&w->lock);
    /* Each worker finishes at most the page it is on. */
    for (uint32_t i = 0; i < w->thread_count; i++)
        pthread_join(w->threads[i], NULL);
    tp__free(w->mem, w->threads, w->thread_alloc * sizeof *w->threads);
    w->threads = NULL;
    if (w->scratch) {
        for (uint32_t i = 0; i < w->scratch_count; i++)
            tp__scratch_free(w->mem, &w->scratch[i]);
        tp__free(w->mem, w->scratch, w->scratch_count * sizeof *w->scratch);
        w->scratch = NULL;
    }
    tp__free(w->mem, w->args, w->thread_alloc * sizeof(worker_arg));
    w->args = NULL;
    pthread_cond_destroy(&w->wake);
    pthread_mutex_destroy(&w->lock);
    w->initialised = 0;
}

void tp__workers_submit(tp__workers *w, tp__job *head, tp__job *tail)
{
    pthread_mutex_lock(&w->lock);
    if (w->pending_tail)
        w->pending_tail->next = head;
    else
        w->pending_head = head;
    w->pending_tail = tail;
    tail->next = NULL;
    pthread_mutex_unlock(&w->lock);
    /* One wake per batch. In the deterministic mode nobody waits: the next update()
     * runs the batch itself. */
    if (w->thread_count > 0)
        pthread_cond_broadcast(&w->wake);
}

tp__job *tp__workers_take_done(tp__workers *w)
{
    pthread_mutex_lock(&w->lock);
    tp__job *list = w->done;
    w->done = w->done_tail = NULL;
    pthread_mutex_unlock(&w->lock);
    return list;
}

void tp__workers_run_pending_sync(tp__workers *w, const tp__scratch *sc)
{
    tp__job *job;
    while ((job = pending_pop(w)) != NULL) {
        if (!atomic_load_explicit(&job->cancelled, memory_order_relaxed))
            tp__page_in(w->src, job, sc);
        done_push(w, job);
    }
}

uint64_t tp__workers_scratch_bytes(const tp__workers *w)
{
    uint64_t bytes = 0;
    for (uint32_t i = 0; w->scratch && i < w->scratch_count; i++)
        bytes += tp__scratch_bytes(&w->scratch[i]);
    return bytes;
}
