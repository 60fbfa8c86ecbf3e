/* workers.c — the threads that turn a (chunk, LOD) into decoded data: read the blobs
 * (mapping, pread or the caller's callback), check them, decode them into a block the
 * game thread handed over, or generate the page when the file cannot give it.
 *
 * The queue is one mutex, one condition variable and two lists. The game thread appends
 * a whole batch under one lock and wakes once (a wake costs it 5–10 µs, so never one per
 * page), and takes every finished job back under one lock. Workers allocate nothing:
 * the destination block and the read scratch exist before the job starts. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pread, O_CLOEXEC under -std=c11 */

#include <errno.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <xxhash.h>

#include "internal.h"
#include "terrapage/mesh.h"

/* ---- One page -------------------------------------------------------------------------- */

static tp_result read_bytes(const tp_streamer *s, const tp_blob_ref *ref, void *scratch,
                            const void **out)
{
    if (s->opt.read) {
        if (s->opt.read(s->opt.read_user, ref->offset, scratch, ref->stored_size) != 0)
            return TP_ERR_IO;
    } else if (s->fd >= 0) {
        uint8_t *dst = scratch;
        size_t left = ref->stored_size;
        uint64_t at = ref->offset;
        while (left > 0) {
            ssize_t n = pread(s->fd, dst, left, (off_t)at);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return TP_ERR_IO;
            dst += n, left -= (size_t)n, at += (uint64_t)n;
        }
    } else {
        *out = tp_reader_blob_bytes(s->reader, ref);
        return *out ? TP_OK : TP_ERR_CORRUPT;
    }
    *out = scratch;
    return TP_OK;
}

tp_result tp__load_blob(const tp_streamer *s, int32_t cx, int32_t cz, uint32_t layer,
                        uint32_t lod, void *dst, size_t raw_bytes, void *scratch,
                        uint64_t *bytes_read)
{
    tp_blob_ref ref;
    tp_result r = tp_reader_find(s->reader, cx, cz, layer, lod, &ref);
    if (r == TP_ERR_NOT_FOUND || r == TP_ERR_CHECKSUM)
        return r;
    if (r != TP_OK || ref.raw_size != raw_bytes || ref.stored_size > s->max_stored)
        return TP_ERR_CORRUPT; /* not the grid this world's layer must hold */
    const void *bytes = NULL;
    r = read_bytes(s, &ref, scratch, &bytes);
    if (r != TP_OK)
        return r;
    *bytes_read += ref.stored_size;
    /* Verified on the bytes actually decoded (the scratch copy on the read path), so a
     * page that changed between check and use cannot slip through. */
    if (XXH3_64bits(bytes, ref.stored_size) != ref.checksum)
        return TP_ERR_CHECKSUM;
    if (tp_blob_decode(ref.encoding, ref.elem_type, ref.edge, bytes, ref.stored_size, dst,
                       raw_bytes) != TP_OK)
        return TP_ERR_CORRUPT;
    return TP_OK;
}

/* The mesh blob of (chunk, LOD) decoded from LZ4 into scratch->mesh_raw: the mesh
 * encoding, whose own checksum tp_mesh_decode() checks again. */
tp_result tp__load_mesh_raw(const tp_streamer *s, int32_t cx, int32_t cz, uint32_t lod,
                            const tp__scratch *scratch, size_t *out_size, float *out_error_m,
                            uint64_t *bytes_read)
{
    tp_blob_ref ref;
    tp_result r = tp_reader_find(s->reader, cx, cz, TP_LAYER_MESH, lod, &ref);
    if (r == TP_ERR_NOT_FOUND || r == TP_ERR_CHECKSUM)
        return r;
    if (r != TP_OK || ref.raw_size > scratch->mesh_raw_bytes || ref.stored_size > s->max_stored)
        return TP_ERR_CORRUPT; /* larger than any mesh this world's builder makes */
    const void *bytes = NULL;
    r = read_bytes(s, &ref, scratch->read, &bytes);
    if (r != TP_OK)
        return r;
    *bytes_read += ref.stored_size;
    if (XXH3_64bits(bytes, ref.stored_size) != ref.checksum)
        return TP_ERR_CHECKSUM;
    if (tp_blob_decode(ref.encoding, ref.elem_type, ref.edge, bytes, ref.stored_size,
                       scratch->mesh_raw, ref.raw_size) != TP_OK)
        return TP_ERR_CORRUPT;
    *out_size = ref.raw_size;
    memcpy(out_error_m, &ref.aux, sizeof *out_error_m);
    return TP_OK;
}

/* The fallback's mesh: the baker's own function on the LOD's grid, so the encoding is
 * the one the file holds (or would hold) for (chunk, LOD). Its error against LOD 0 is
 * measured when the grid is LOD 0; at coarser LODs that would need the LOD-0 grid (four
 * times the generation per LOD), so the LOD's promise stands in, flagged. */
tp_result tp__build_mesh_raw(const tp_streamer *s, int32_t cx, int32_t cz, uint32_t lod,
                             const uint16_t *heights, const tp__scratch *scratch,
                             size_t *out_size, float *out_error_m, uint32_t *out_flags)
{
    float error_m = -1.0f;
    tp_result r = tp_mesh_generate_chunk_blob(&s->world, cx, cz, lod, heights,
                                              lod == 0 ? heights : NULL, scratch->mesh_build,
                                              scratch->mesh_build_bytes, scratch->mesh_raw,
                                              scratch->mesh_raw_bytes, out_size, &error_m);
    *out_flags = 0;
    if (r == TP_OK && lod != 0) {
        error_m = (float)tp_mesh_lod_target_error_m(lod);
        *out_flags = TP_CHUNK_MESH_ERROR_ESTIMATED;
    }
    *out_error_m = error_m;
    return r;
}

/* Decodes scratch->mesh_raw into the job's staging. */
static tp_result stage_mesh(const tp_streamer *s, tp__job *job, const tp__scratch *scratch,
                            size_t size)
{
    return tp_mesh_decode(scratch->mesh_raw, size, job->stage_vertices, s->stage_vertices,
                          job->stage_indices, s->stage_indices, &job->mesh);
}

void tp__job_execute(const tp_streamer *s, tp__job *job, const tp__scratch *scratch)
{
    tp__block *b = job->block;
    const uint32_t lod = job->lod;
    const tp__layout *l = &s->layout;
    job->bytes_read = 0;
    job->cause = TP_OK;
    job->mesh_ok = 0;
    job->mesh_flags = 0;
    b->cx = job->cx, b->cz = job->cz, b->lod = lod;

    tp_result r = TP_ERR_NOT_FOUND;
    if (job->slot == TP__SLOT_FINE && tp__region_index(&l->region, job->cx, job->cz) >= 0) {
        struct { uint32_t layer, lod; void *dst; size_t bytes; } parts[4] = {
            {TP_LAYER_HEIGHT, lod, b->heights, tp__height_bytes(l, lod)},
            {TP_LAYER_BIOME, lod, b->biomes, tp__biome_bytes(l, lod)},
            {TP_LAYER_TEMPERATURE, 0, b->temperature, tp__climate_layer_bytes(l)},
            {TP_LAYER_PRECIPITATION, 0, b->precipitation, tp__climate_layer_bytes(l)},
        };
        for (int i = 0; i < 4; i++) {
            if (atomic_load_explicit(&job->cancelled, memory_order_relaxed))
                return; /* the result will be thrown away: stop early */
            r = tp__load_blob(s, job->cx, job->cz, parts[i].layer, parts[i].lod, parts[i].dst,
                              parts[i].bytes, scratch->read, &job->bytes_read);
            if (r != TP_OK)
                break;
        }
        if (r == TP_OK && s->layout.meshes) {
            size_t size = 0;
            r = tp__load_mesh_raw(s, job->cx, job->cz, lod, scratch, &size, &job->mesh_error_m,
                                  &job->bytes_read);
            if (r == TP_OK && stage_mesh(s, job, scratch, size) != TP_OK)
                r = TP_ERR_CORRUPT; /* the whole page is regenerated, mesh included */
            job->mesh_ok = r == TP_OK;
        }
    }
    b->has_climate = 1;
    if (r == TP_OK) {
        job->source = TP_STREAMER_SOURCE_FILE;
        return;
    }
    /* The fallback: the same pure function the baker ran, so the same bytes. A page
     * that failed its checksum is regenerated whole, never partly trusted. */
    job->cause = r;
    job->source = r == TP_ERR_NOT_FOUND ? TP_STREAMER_SOURCE_GENERATED : TP_STREAMER_SOURCE_REPAIRED;
    tp_chunk_fields f = {b->heights, b->biomes, b->temperature, b->precipitation};
    tp_generate_chunk(&s->world, job->cx, job->cz, lod, &f);
    if (s->layout.meshes && !atomic_load_explicit(&job->cancelled, memory_order_relaxed)) {
        size_t size = 0;
        job->mesh_ok = tp__build_mesh_raw(s, job->cx, job->cz, lod, b->heights, scratch, &size,
                                          &job->mesh_error_m, &job->mesh_flags) == TP_OK &&
                       stage_mesh(s, job, scratch, size) == TP_OK;
    }
}

/* ---- Working memory ----------------------------------------------------------------------- */

/* for_jobs: sized for any page (a worker, or the game thread in the deterministic
 * mode); otherwise for the coarsest LOD only (open and update()'s own generation). */
tp_result tp__scratch_alloc(tp_streamer *s, tp__scratch *sc, int for_jobs)
{
    memset(sc, 0, sizeof *sc);
    uint32_t lod = for_jobs ? 0 : s->layout.coarsest;
    if (s->fd >= 0 || s->opt.read)
        sc->read_bytes = s->max_stored;
    if (s->layout.meshes) {
        sc->mesh_raw_bytes = tp_mesh_chunk_blob_bound(&s->world, lod);
        sc->mesh_build_bytes = tp_mesh_chunk_blob_scratch_size(&s->world, lod);
    }
    if ((sc->read_bytes && !(sc->read = tp__alloc(&s->opt.allocator, sc->read_bytes))) ||
        (sc->mesh_raw_bytes && !(sc->mesh_raw = tp__alloc(&s->opt.allocator, sc->mesh_raw_bytes))) ||
        (sc->mesh_build_bytes && !(sc->mesh_build = tp__alloc(&s->opt.allocator, sc->mesh_build_bytes))))
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory for scratch");
    s->scratch_bytes += sc->read_bytes + sc->mesh_raw_bytes + sc->mesh_build_bytes;
    return TP_OK;
}

void tp__scratch_free(tp_streamer *s, tp__scratch *sc)
{
    tp__free(&s->opt.allocator, sc->read, sc->read_bytes);
    tp__free(&s->opt.allocator, sc->mesh_raw, sc->mesh_raw_bytes);
    tp__free(&s->opt.allocator, sc->mesh_build, sc->mesh_build_bytes);
    memset(sc, 0, sizeof *sc);
}

/* ---- Threads ----------------------------------------------------------------------------- */

typedef struct worker_arg {
    tp_streamer *s;
    uint32_t index;
} worker_arg;

static void done_push(tp__queue *q, tp__job *job)
{
    job->next = NULL;
    if (q->done_tail)
        q->done_tail->next = job;
    else
        q->done = job;
    q->done_tail = job;
}

static tp__job *pending_pop(tp__queue *q)
{
    tp__job *job = q->pending_head;
    if (job) {
        q->pending_head = job->next;
        if (!q->pending_head)
            q->pending_tail = NULL;
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
    tp_streamer *s = a->s;
    tp__queue *q = &s->q;
    const tp__scratch *scratch = &q->scratch[a->index];
    if (!(s->opt.flags & TP_STREAMER_NORMAL_PRIORITY))
        lower_own_priority();
    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->pending_head && !q->stop)
            pthread_cond_wait(&q->wake, &q->lock);
        if (q->stop)
            break; /* close reclaims whatever is still pending */
        tp__job *job = pending_pop(q);
        pthread_mutex_unlock(&q->lock);
        if (!atomic_load_explicit(&job->cancelled, memory_order_relaxed))
            tp__job_execute(s, job, scratch);
        pthread_mutex_lock(&q->lock);
        done_push(q, job);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

static long online_cores(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? n : 1;
}

tp_result tp__workers_start(tp_streamer *s)
{
    tp__queue *q = &s->q;
    if (pthread_mutex_init(&q->lock, NULL) != 0)
        return tp__error_set(TP_ERR_IO, "streamer: cannot create a mutex");
    if (pthread_cond_init(&q->wake, NULL) != 0) {
        pthread_mutex_destroy(&q->lock);
        return tp__error_set(TP_ERR_IO, "streamer: cannot create a condition variable");
    }
    q->initialised = 1;
    if (s->opt.flags & TP_STREAMER_DETERMINISTIC)
        return TP_OK;

    uint32_t n = s->opt.worker_threads;
    if (n == 0) {
        long cores = online_cores();
        n = cores > 1 ? (uint32_t)(cores - 1) : 1u;
    }
    q->thread_alloc = n;
    q->threads = tp__alloc(&s->opt.allocator, n * sizeof *q->threads);
    q->args = tp__alloc(&s->opt.allocator, n * sizeof(worker_arg));
    if (!q->threads || !q->args)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory for threads");
    q->scratch = tp__alloc(&s->opt.allocator, n * sizeof *q->scratch);
    if (!q->scratch)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory");
    memset(q->scratch, 0, n * sizeof *q->scratch);
    q->scratch_count = n;
    for (uint32_t i = 0; i < n; i++) {
        tp_result r = tp__scratch_alloc(s, &q->scratch[i], 1);
        if (r != TP_OK)
            return r;
    }
    worker_arg *args = q->args;
    for (uint32_t i = 0; i < n; i++) {
        args[i].s = s;
        args[i].index = i;
        if (pthread_create(&q->threads[i], NULL, worker_main, &args[i]) != 0)
            return tp__error_set(TP_ERR_IO, "streamer: cannot start worker thread %u of %u",
                                 i + 1, n);
        q->thread_count = i + 1;
    }
    return TP_OK;
}

void tp__workers_stop(tp_streamer *s)
{
    tp__queue *q = &s->q;
    if (!q->initialised)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = 1;
    for (tp__job *j = q->pending_head; j; j = j->next)
        atomic_store_explicit(&j->cancelled, 1, memory_order_relaxed);
    pthread_cond_broadcast(&q->wake);
    pthread_mutex_unlock(&q->lock);
    /* Each worker finishes at most the page it is on. */
    for (uint32_t i = 0; i < q->thread_count; i++)
        pthread_join(q->threads[i], NULL);
    tp__free(&s->opt.allocator, q->threads, q->thread_alloc * sizeof *q->threads);
    q->threads = NULL;
    if (q->scratch) {
        for (uint32_t i = 0; i < q->scratch_count; i++)
            tp__scratch_free(s, &q->scratch[i]);
        tp__free(&s->opt.allocator, q->scratch, q->scratch_count * sizeof *q->scratch);
        q->scratch = NULL;
    }
    tp__free(&s->opt.allocator, q->args, q->thread_alloc * sizeof(worker_arg));
    q->args = NULL;
    pthread_cond_destroy(&q->wake);
    pthread_mutex_destroy(&q->lock);
    q->initialised = 0;
}

void tp__workers_submit(tp_streamer *s, tp__job *head, tp__job *tail)
{
    tp__queue *q = &s->q;
    pthread_mutex_lock(&q->lock);
    if (q->pending_tail)
        q->pending_tail->next = head;
    else
        q->pending_head = head;
    q->pending_tail = tail;
    tail->next = NULL;
    pthread_mutex_unlock(&q->lock);
    /* One wake per batch. In the deterministic mode nobody waits: the next update()
     * runs the batch itself. */
    if (q->thread_count > 0)
        pthread_cond_broadcast(&q->wake);
}

tp__job *tp__workers_take_done(tp_streamer *s)
{
    tp__queue *q = &s->q;
    pthread_mutex_lock(&q->lock);
    tp__job *list = q->done;
    q->done = q->done_tail = NULL;
    pthread_mutex_unlock(&q->lock);
    return list;
}

void tp__workers_run_pending_sync(tp_streamer *s)
{
    tp__queue *q = &s->q;
    tp__job *job;
    while ((job = pending_pop(q)) != NULL) {
        if (!atomic_load_explicit(&job->cancelled, memory_order_relaxed))
            tp__job_execute(s, job, &s->sync_scratch);
        done_push(q, job);
    }
}
