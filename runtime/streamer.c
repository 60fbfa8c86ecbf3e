/* streamer.c — the public entry points: open (the permanent coarsest LOD), the per-frame
 * update that drives predictor, scheduler, workers and cache, the queries and close. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, pread, O_CLOEXEC under -std=c11 */

#include <assert.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "terrapage/mesh.h"

#define DEFAULT_BUDGET_EXTRA (64ull << 20)

/* The view keeps its 0.1.0 size and layout: the mesh took one of its reserved pointers. */
_Static_assert(sizeof(tp_chunk_view) == 8 * sizeof(uint32_t) + 9 * sizeof(void *),
               "tp_chunk_view changed size");

double tp__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- Options ------------------------------------------------------------------------------ */

static tp_result resolve_options(const tp_streamer_options *in, int generated,
                                 tp_streamer_options *o)
{
    static const tp_streamer_options zero;
    *o = in ? *in : zero;
    const uint32_t known = TP_STREAMER_PREAD | TP_STREAMER_DETERMINISTIC |
                           TP_STREAMER_NO_PREDICTION | TP_STREAMER_VIRTUAL_CLOCK |
                           TP_STREAMER_NO_MESHES | TP_STREAMER_NORMAL_PRIORITY;
    if (o->flags & ~known)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer options: unknown flags 0x%x",
                             o->flags & ~known);
    if (o->reserved0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer options: reserved0 is not 0");
    for (int i = 0; i < 7; i++)
        if (o->reserved[i])
            return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                                 "streamer options: reserved[%d] is not 0", i);
    if (!o->allocator.alloc != !o->allocator.free)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: give both allocator callbacks or neither");
    if (o->view_distance_chunks == 0)
        o->view_distance_chunks = 8;
    if (o->view_distance_chunks > 1024)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: view distance %u chunks is over 1024",
                             o->view_distance_chunks);
    if (o->lod_band_m[0] == 0.0) {
        o->lod_band_m[0] = 256.0, o->lod_band_m[1] = 512.0, o->lod_band_m[2] = 1024.0;
    }
    for (uint32_t k = 0; k < TP_STREAMER_MAX_BANDS && o->lod_band_m[k] != 0.0; k++)
        if (!isfinite(o->lod_band_m[k]) || o->lod_band_m[k] < 0.0 ||
            (k > 0 && o->lod_band_m[k] <= o->lod_band_m[k - 1]))
            return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                                 "streamer options: LOD bands must be positive and increasing "
                                 "(band %u is %g m)", k, o->lod_band_m[k]);
    if (o->lod_hysteresis_m == 0.0)
        o->lod_hysteresis_m = 32.0;
    if (o->max_in_flight == 0)
        o->max_in_flight = 8;
    if (o->throttled_in_flight == 0)
        o->throttled_in_flight = 2;
    if (o->throttled_in_flight > o->max_in_flight)
        o->throttled_in_flight = o->max_in_flight;
    if (o->max_in_flight > 4096)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: max_in_flight %u is over 4096", o->max_in_flight);
    if (o->throttle_frame_ms == 0.0)
        o->throttle_frame_ms = 10.0;
    if (o->prediction_horizon_s == 0.0)
        o->prediction_horizon_s = 2.0;
    if (o->teleport_speed_m_s == 0)
        o->teleport_speed_m_s = 1000;
    /* With a file, a chunk that has no coarsest LOD is rare (outside the region), so
     * update() may make one itself; without a file every chunk starts that way, and the
     * on-demand design it stands for leaves all generation to the workers. */
    if (o->sync_generate_budget_ms == 0.0)
        o->sync_generate_budget_ms = generated ? -1.0 : 1.0;
    if (!isfinite(o->lod_hysteresis_m) || !isfinite(o->throttle_frame_ms) ||
        o->throttle_frame_ms < 0.0 || !isfinite(o->prediction_horizon_s) ||
        o->prediction_horizon_s < 0.0 || !isfinite(o->teleport_distance_m) ||
        o->teleport_distance_m < 0.0 || !isfinite(o->sync_generate_budget_ms))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: a time or distance is negative or not finite");
    if (o->worker_threads > 256)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: %u worker threads is over 256", o->worker_threads);
    /* Request keys order predicted work by time ahead within its class; a horizon beyond
     * a minute would also make no sense for a camera. */
    if (o->prediction_horizon_s > 60.0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer options: prediction horizon %g s is over 60 s",
                             o->prediction_horizon_s);
    return TP_OK;
}

/* ---- Open ---------------------------------------------------------------------------------- */

static tp_result check_world(tp_streamer *s, const char *path)
{
    const tp_file_desc *d = s->desc;
    if (d->generator_version != TP_GENERATOR_VERSION)
        return tp__error_set(TP_ERR_UNSUPPORTED_VERSION,
                             "%s: baked by generator version %u, this library generates "
                             "version %u (its fallback pages would differ)",
                             path, d->generator_version, TP_GENERATOR_VERSION);
    if (tp_world_params_deserialize(d->params_blob, d->params_blob_size, &s->world) != TP_OK)
        return tp__error_set(TP_ERR_CORRUPT, "%s: the world parameters do not resolve", path);
    if (tp_world_params_hash(&s->world) != d->params_hash ||
        d->samples_per_edge != s->world.samples_per_edge ||
        d->chunk_size_m != s->world.chunk_size_m)
        return tp__error_set(TP_ERR_CORRUPT,
                             "%s: the header disagrees with its world parameters", path);
    return TP_OK;
}

/* ---- The permanent coarsest LOD --------------------------------------------------------- */

int tp__has_permanent(const tp_streamer *s, int32_t cx, int32_t cz)
{
    int64_t i = tp__region_index(&s->layout.region, cx, cz);
    return i >= 0 && s->region_present[i] != TP__PERMANENT_NONE;
}

/* The best resident LOD of (cx, cz) (c: its entry, or NULL), or −1. */
static int tp__best_lod(const tp_streamer *s, const tp__chunk *c, int32_t cx, int32_t cz)
{
    if (c)
        return tp__chunk_best_lod(c, s->layout.coarsest);
    return tp__has_permanent(s, cx, cz) ? (int)s->layout.coarsest : -1;
}

/* Meshes of the permanent LOD sit back to back in slabs: they are never freed one by
 * one, and a slab costs one allocation for a few hundred of them. */
#define ARENA_SLAB_BYTES (16u << 10)

static tp__mesh *arena_mesh(tp_streamer *s, uint32_t vertex_count, uint32_t index_count)
{
    size_t bytes = (tp__mesh_record_bytes(vertex_count, index_count) + 15u) & ~(size_t)15u;
    if (s->arena_count == 0 || s->arena_used + bytes > s->arena_slab_bytes) {
        void **slabs = tp__grow_array(&s->opt.allocator, s->arena, sizeof *slabs, s->arena_count,
                                      s->arena_count + 1, 16, &s->arena_cap);
        if (!slabs)
            return NULL;
        s->arena = slabs;
        /* A slab is at least ARENA_SLAB_BYTES; sizes are recorded in its first word. */
        size_t slab = bytes + 16u > ARENA_SLAB_BYTES ? bytes + 16u : ARENA_SLAB_BYTES;
        uint8_t *p = tp__alloc(&s->opt.allocator, slab);
        if (!p)
            return NULL;
        memcpy(p, &slab, sizeof slab);
        s->arena[s->arena_count++] = p;
        s->arena_used = 16u;
        s->arena_slab_bytes = slab;
        s->arena_bytes += slab;
    }
    tp__mesh *m = (tp__mesh *)((uint8_t *)s->arena[s->arena_count - 1] + s->arena_used);
    s->arena_used += bytes;
    m->next = NULL;
    m->bytes = bytes;
    m->cls = TP__MESH_PERMANENT;
    tp__mesh_layout(m, vertex_count, index_count);
    return m;
}

/* Decodes mesh encoding `raw` into a new arena record, or fails without using it. */
static tp_result arena_decode(tp_streamer *s, const void *raw, size_t size, float error_m,
                              uint32_t flags, tp__mesh **out)
{
    tp_mesh info;
    tp_result r = tp_mesh_decode_header(raw, size, &info);
    if (r != TP_OK)
        return TP_ERR_CORRUPT;
    tp__mesh *m = arena_mesh(s, info.vertex_count, info.index_count);
    if (!m)
        return TP_ERR_OUT_OF_MEMORY;
    if (tp__mesh_decode_into(m, raw, size, error_m, flags) != TP_OK) {
        s->arena_used -= m->bytes; /* the record was the last one: give it back */
        return TP_ERR_CORRUPT;
    }
    *out = m;
    return TP_OK;
}

/* Reads one chunk's coarsest LOD (grids and mesh) from the file. */
static tp_result load_permanent_chunk(tp_streamer *s, int32_t cx, int32_t cz, uint64_t i)
{
    const tp__layout *l = &s->layout;
    size_t e2 = tp__lod_samples(l, l->coarsest);
    uint16_t *h = s->region_heights + i * e2;
    uint8_t *b = s->region_biomes + i * e2;
    uint64_t read = 0;
    tp__scratch *sc = &s->sync_scratch;
    tp_result r = tp__load_blob(s, cx, cz, TP_LAYER_HEIGHT, l->coarsest, h,
                                tp__height_bytes(l, l->coarsest), sc->read, &read);
    if (r == TP_OK)
        r = tp__load_blob(s, cx, cz, TP_LAYER_BIOME, l->coarsest, b,
                          tp__biome_bytes(l, l->coarsest), sc->read, &read);
    if (r == TP_OK && s->layout.meshes) {
        size_t size = 0;
        float error_m = 0.0f;
        r = tp__load_mesh_raw(s, cx, cz, s->layout.coarsest, sc, &size, &error_m, &read);
        if (r == TP_OK)
            r = arena_decode(s, sc->mesh_raw, size, error_m, 0, &s->region_mesh[i]);
    }
    tp__stats_page(&s->stats, read, 0);
    return r;
}

/* Regenerates one chunk's coarsest LOD (grids and mesh), as the baker made it. */
static tp_result generate_permanent_chunk(tp_streamer *s, int32_t cx, int32_t cz, uint64_t i)
{
    size_t e2 = tp__lod_samples(&s->layout, s->layout.coarsest);
    uint16_t *h = s->region_heights + i * e2;
    tp_chunk_fields f = {h, s->region_biomes + i * e2, NULL, NULL};
    tp_generate_chunk(&s->world, cx, cz, s->layout.coarsest, &f);
    if (!s->layout.meshes)
        return TP_OK;
    size_t size = 0;
    float error_m;
    uint32_t flags;
    s->region_mesh[i] = NULL;
    tp_result r = tp__build_mesh_raw(s, cx, cz, s->layout.coarsest, h, &s->sync_scratch, &size,
                                     &error_m, &flags);
    if (r == TP_OK)
        r = arena_decode(s, s->sync_scratch.mesh_raw, size, error_m, flags, &s->region_mesh[i]);
    return r == TP_ERR_OUT_OF_MEMORY ? r : TP_OK; /* a mesh that cannot be built: none */
}

/* Decodes the coarsest LOD of every baked chunk (and its mesh) into the permanent
 * arrays. A page that fails is generated instead (and counted), so even a damaged file
 * has no hole. */
static tp_result load_permanent(tp_streamer *s)
{
    const tp__layout *l = &s->layout;
    uint64_t count = tp__region_count(&l->region);
    size_t grid_bytes = tp__grid_bytes(l, l->coarsest);
    size_t per_chunk = grid_bytes + sizeof *s->region_present +
                       (l->meshes ? sizeof *s->region_mesh : 0);
    if (count > (SIZE_MAX / 4) / per_chunk)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: the region is too large");
    s->region_alloc_bytes = (size_t)count * per_chunk;
    s->region_present = tp__alloc(&s->opt.allocator, (size_t)count);
    s->region_heights = tp__alloc(&s->opt.allocator, (size_t)count * tp__height_bytes(l, l->coarsest));
    s->region_biomes = tp__alloc(&s->opt.allocator, (size_t)count * tp__biome_bytes(l, l->coarsest));
    if (s->layout.meshes && (s->region_mesh = tp__alloc(&s->opt.allocator, (size_t)count * sizeof *s->region_mesh)))
        memset(s->region_mesh, 0, (size_t)count * sizeof *s->region_mesh);
    if (!s->region_present || !s->region_heights || !s->region_biomes ||
        (s->layout.meshes && !s->region_mesh))
        return tp__error_set(TP_ERR_OUT_OF_MEMORY,
                             "streamer: out of memory for the coarsest LOD of %llu chunks",
                             (unsigned long long)count);
    for (uint64_t i = 0; i < count; i++) {
        int32_t cx, cz;
        tp__region_chunk(&l->region, i, &cx, &cz);
        tp_result r = load_permanent_chunk(s, cx, cz, i);
        if (r == TP_ERR_OUT_OF_MEMORY)
            return tp__error_set(r, "streamer: out of memory for the coarsest meshes");
        s->region_present[i] = TP__PERMANENT_FILE;
        if (r == TP_OK) {
            tp__stats_page(&s->stats, 0, grid_bytes + (l->meshes ? s->region_mesh[i]->bytes : 0));
            continue;
        }
        tp_chunk_bounds bounds;
        if (r == TP_ERR_NOT_FOUND && tp_reader_chunk_bounds(s->reader, cx, cz, &bounds) != TP_OK) {
            s->region_present[i] = TP__PERMANENT_NONE; /* absent from the file */
            continue;
        }
        /* Present but unreadable (or a layer missing): never trust it, regenerate. */
        if (generate_permanent_chunk(s, cx, cz, i) != TP_OK)
            return tp__error_set(TP_ERR_OUT_OF_MEMORY,
                                 "streamer: out of memory for the coarsest meshes");
        s->region_present[i] = TP__PERMANENT_REPAIRED;
        tp__stats_fallback(&s->stats, r);
        tp__stats_page(&s->stats, 0, grid_bytes);
    }
    s->permanent_bytes = s->region_alloc_bytes + s->arena_bytes + s->arena_cap * sizeof(void *);
    return TP_OK;
}

/* Sizes that follow from the world, for both kinds of streamer. */
static void derive_sizes(tp_streamer *s, int meshes, tp__region region)
{
    tp__layout_init(&s->layout, &s->world, meshes, region);
    tp__block_pool_plan(&s->blocks);
    s->max_stored = tp__height_bytes(&s->layout, 0);
    if (s->layout.meshes) {
        /* Staging for the worst mesh of LOD 0 (every page fits), and reads as large as
         * the largest mesh blob can be stored. */
        tp_mesh_build_bound(s->layout.edge[0], &s->stage_vertices, &s->stage_indices);
        s->stage_bytes = ((size_t)s->stage_vertices * sizeof(tp_mesh_vertex) +
                          (size_t)s->stage_indices * sizeof(uint16_t) + 15u) & ~(size_t)15u;
        s->mesh_raw_cap = tp_mesh_chunk_blob_bound(&s->world, 0);
        size_t stored = tp_blob_encode_bound(s->mesh_raw_cap);
        if (stored > s->max_stored)
            s->max_stored = stored;
        tp__mesh_pool_plan(&s->meshes, &s->layout, s->blocks.block_bytes);
    }
    s->band_count = 0;
    while (s->band_count < TP_STREAMER_MAX_BANDS && s->opt.lod_band_m[s->band_count] != 0.0)
        s->band_count++;
    if (s->opt.teleport_distance_m == 0.0)
        s->opt.teleport_distance_m = s->opt.view_distance_chunks * s->layout.chunk_m * 0.5;
}

/* What follows the permanent LOD: the budget check, the job table and the workers.
 * `what` names the file (or the generated world) in errors. */
static tp_result start_streaming(tp_streamer *s, const char *what)
{
    /* The budget must hold the permanent LOD, one view of generated coarsest LODs (a
     * camera entirely outside the region) and every page that can be in flight. */
    uint32_t side = 2u * s->opt.view_distance_chunks + 1u;
    s->view_count = side * side;
    s->job_count = s->opt.max_in_flight;
    uint64_t stage = (uint64_t)s->job_count * s->stage_bytes;
    uint64_t need = s->permanent_bytes +
                    (uint64_t)s->view_count * (tp__block_bytes(&s->blocks, s->layout.coarsest) +
                                               s->meshes.coarsest_max) +
                    (uint64_t)s->job_count * tp__block_bytes(&s->blocks, 0) + stage;
    if (s->opt.budget_bytes == 0)
        s->opt.budget_bytes = s->permanent_bytes + DEFAULT_BUDGET_EXTRA > need
                                  ? s->permanent_bytes + DEFAULT_BUDGET_EXTRA : need;
    if (s->opt.budget_bytes < need)
        return tp__error_set(TP_ERR_OUT_OF_RANGE,
                             "%s: a budget of %llu bytes is too small; this world and view "
                             "need at least %llu (%llu for the coarsest LOD of the region)",
                             what, (unsigned long long)s->opt.budget_bytes,
                             (unsigned long long)need, (unsigned long long)s->permanent_bytes);
    /* The staging of the jobs is decoded data in flight, so it counts from the start. */
    tp__budget_init(&s->budget, s->opt.budget_bytes, s->permanent_bytes, stage);
    tp__stats_resident(&s->stats, s->budget.resident_bytes);

    s->missing = tp__alloc(&s->opt.allocator, s->view_count * sizeof *s->missing);
    s->jobs = tp__alloc(&s->opt.allocator, s->job_count * sizeof *s->jobs);
    if (!s->missing || !s->jobs || (stage && !(s->stage = tp__alloc(&s->opt.allocator, (size_t)stage))))
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory");
    memset(s->jobs, 0, s->job_count * sizeof *s->jobs);
    for (uint32_t i = s->job_count; i-- > 0;) {
        tp__job *job = &s->jobs[i];
        if (s->stage) {
            uint8_t *p = (uint8_t *)s->stage + (size_t)i * s->stage_bytes;
            job->stage_vertices = (tp_mesh_vertex *)p;
            job->stage_indices = (uint16_t *)(p + (size_t)s->stage_vertices * sizeof(tp_mesh_vertex));
        }
        job->next = s->job_free;
        s->job_free = job;
    }
    s->pred.teleport_m = s->opt.teleport_distance_m;
    s->pred.teleport_speed_m_s = s->opt.teleport_speed_m_s;
    s->pred.smoothing_s = 0.25;
    s->real_origin_s = tp__now_s();
    return tp__workers_start(s);
}

static tp_result open_streamer(tp_streamer *s, const char *path)
{
    tp_result r = tp_reader_open(path, NULL, &s->reader);
    if (r != TP_OK)
        return r;
    s->desc = tp_reader_desc(s->reader);
    if ((r = check_world(s, path)) != TP_OK)
        return r;
    int meshes = 0;
    if (!(s->opt.flags & TP_STREAMER_NO_MESHES))
        for (uint32_t i = 0; i < s->desc->layer_count; i++)
            meshes |= s->desc->layers[i].layer_id == TP_LAYER_MESH;
    const tp_file_desc *d = s->desc;
    derive_sizes(s, meshes,
                 (tp__region){d->region_x0, d->region_z0, d->region_width, d->region_height});

    if ((s->opt.flags & TP_STREAMER_PREAD) && !s->opt.read) {
        s->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (s->fd < 0)
            return tp__error_set(TP_ERR_IO, "%s: cannot open for reading", path);
    }
    if ((r = tp__scratch_alloc(s, &s->sync_scratch,
                               (s->opt.flags & TP_STREAMER_DETERMINISTIC) != 0)) != TP_OK)
        return r;
    if ((r = load_permanent(s)) != TP_OK)
        return r;
    return start_streaming(s, path);
}

/* No file: an empty region, so every chunk takes the path a chunk outside the baked
 * region takes (coarsest LOD first, then finer, all generated by the workers). */
static tp_result open_generated(tp_streamer *s, const tp_world_params *world)
{
    tp_result r = tp_world_params_resolve(world, &s->world);
    if (r != TP_OK)
        return r;
    derive_sizes(s, !(s->opt.flags & TP_STREAMER_NO_MESHES), (tp__region){0, 0, 0, 0});
    s->opt.flags &= ~TP_STREAMER_PREAD; /* nothing to read */
    s->opt.read = NULL;
    if ((r = tp__scratch_alloc(s, &s->sync_scratch,
                               (s->opt.flags & TP_STREAMER_DETERMINISTIC) != 0)) != TP_OK)
        return r;
    return start_streaming(s, "generated world");
}

/* Allocates the handle and runs `open` (a file or a generated world) on it. */
static tp_result create_streamer(const tp_streamer_options *options, int generated,
                                 const char *path, const tp_world_params *world,
                                 tp_streamer **out_streamer)
{
    *out_streamer = NULL;
    tp_streamer_options o;
    tp_result r = resolve_options(options, generated, &o);
    if (r != TP_OK)
        return r;
    tp_streamer *s = o.allocator.alloc ? o.allocator.alloc(o.allocator.user, sizeof *s)
                                       : malloc(sizeof *s);
    if (!s)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory");
    memset(s, 0, sizeof *s);
    s->opt = o;
    s->fd = -1;
    s->frame_time_s = -1.0;
    atomic_init(&s->pinned_views, 0);
    tp__mesh_pool_init(&s->meshes, &s->opt.allocator, &s->budget);
    tp__block_pool_init(&s->blocks, &s->opt.allocator, &s->budget, &s->meshes, &s->layout);
    tp__chunk_table_init(&s->chunks, &s->opt.allocator);
    tp__events_init(&s->events, o.on_event, o.event_user, &s->stats);
    r = generated ? open_generated(s, world) : open_streamer(s, path);
    if (r != TP_OK) {
        tp_streamer_close(s);
        return r;
    }
    *out_streamer = s;
    return TP_OK;
}

tp_result tp_streamer_open(const char *path, const tp_streamer_options *options,
                           tp_streamer **out_streamer)
{
    if (!path || !out_streamer)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer: NULL path or output");
    return create_streamer(options, 0, path, NULL, out_streamer);
}

tp_result tp_streamer_open_generated(const tp_world_params *world,
                                     const tp_streamer_options *options,
                                     tp_streamer **out_streamer)
{
    if (!world || !out_streamer)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "streamer: NULL world or output");
    return create_streamer(options, 1, NULL, world, out_streamer);
}

/* ---- Close --------------------------------------------------------------------------------- */

void tp_streamer_close(tp_streamer *s)
{
    if (!s)
        return;
    /* Every job is thrown away, so a worker in the middle of one stops at its next check
     * (between blobs, before a mesh build) instead of finishing the page. */
    for (uint32_t i = 0; s->jobs && i < s->job_count; i++)
        atomic_store_explicit(&s->jobs[i].cancelled, 1, memory_order_relaxed);
    tp__workers_stop(s);
    assert(atomic_load(&s->pinned_views) == 0 && "tp_streamer_close: views still acquired");
    /* Everything back to the pools first (meshes travel with their blocks), then the
     * pools are freed in one place. */
    for (uint32_t i = 0; i < s->chunks.live_count; i++) {
        tp__chunk *c = s->chunks.live[i];
        tp__block *bs[2] = {c->coarse, c->fine};
        for (int k = 0; k < 2; k++)
            if (bs[k])
                tp__block_unused(&s->blocks, bs[k]);
        for (int k = 0; k < 2; k++)
            if (c->job[k])
                tp__block_unused(&s->blocks, c->job[k]->block);
        c->coarse = c->fine = NULL;
    }
    tp__block_pool_free(&s->blocks);
    tp__chunk_table_free(&s->chunks);
    tp__eviction_free(&s->eviction, &s->opt.allocator);
    tp__free(&s->opt.allocator, s->req, s->req_cap * sizeof *s->req);
    tp__free(&s->opt.allocator, s->missing, s->view_count * sizeof *s->missing);
    tp__free(&s->opt.allocator, s->jobs, s->job_count * sizeof *s->jobs);
    const tp__layout *l = &s->layout;
    size_t count = (size_t)tp__region_count(&l->region);
    tp__free(&s->opt.allocator, s->region_present, count * sizeof *s->region_present);
    tp__free(&s->opt.allocator, s->region_heights, count * tp__height_bytes(l, l->coarsest));
    tp__free(&s->opt.allocator, s->region_biomes, count * tp__biome_bytes(l, l->coarsest));
    tp__free(&s->opt.allocator, s->region_mesh, count * sizeof *s->region_mesh);
    for (uint32_t i = 0; i < s->arena_count; i++) {
        size_t slab;
        memcpy(&slab, s->arena[i], sizeof slab);
        tp__free(&s->opt.allocator, s->arena[i], slab);
    }
    tp__free(&s->opt.allocator, s->arena, s->arena_cap * sizeof *s->arena);
    tp__free(&s->opt.allocator, s->stage, (size_t)s->job_count * s->stage_bytes);
    tp__scratch_free(s, &s->sync_scratch);
    if (s->fd >= 0)
        close(s->fd);
    tp_reader_close(s->reader);
    tp_streamer_allocator a = s->opt.allocator;
    if (a.free)
        a.free(a.user, s, sizeof *s);
    else
        free(s);
}

/* ---- Update -------------------------------------------------------------------------------- */

/* Moves a finished job's mesh from its staging into an allocation of its size class,
 * attached to the block. The budget must have room for it: dispatch made room for the
 * largest mesh seen at the LOD, and a larger one may take from less urgent chunks. If
 * even that fails the page is dropped and asked for again (counted as a cancellation). */
static int attach_mesh(tp_streamer *s, tp__chunk *c, tp__job *job, tp__block *b)
{
    uint32_t v = job->mesh.vertex_count, i = job->mesh.index_count, cls;
    size_t bytes = tp__mesh_bytes_for(v, i, &cls);
    tp__mesh_pool_seen(&s->meshes, job->lod, bytes);
    tp__mesh *m = NULL;
    if (cls < TP__MESH_CLASSES && !tp__mesh_pooled(&s->meshes, cls)) {
        if (!tp__make_room(s, bytes, c->key))
            cls = TP__MESH_CLASSES;
        /* Requests come in key order, and make_room() keeps its place in the victim
         * list on that promise; a publish is out of that order, so the list starts anew. */
        tp__eviction_restart(&s->eviction);
    }
    if (cls < TP__MESH_CLASSES)
        m = tp__mesh_get(&s->meshes, v, i);
    if (!m) {
        tp__emit(&s->events, TP_STREAMER_EVENT_CANCEL, c->cx, c->cz, job->lod, 0, 0, 0);
        return 0;
    }
    tp_mesh *g = &m->pub.geometry;
    memcpy(g->vertices, job->stage_vertices, (size_t)v * sizeof *g->vertices);
    memcpy(g->indices, job->stage_indices, (size_t)i * sizeof *g->indices);
    g->skirt_vertex_start = job->mesh.skirt_vertex_start;
    g->skirt_index_start = job->mesh.skirt_index_start;
    g->skirt_depth = job->mesh.skirt_depth;
    m->pub.max_error_m = job->mesh_error_m;
    m->pub.flags = job->mesh_flags;
    b->mesh = m;
    return 1;
}

static void publish(tp_streamer *s, tp__job *list)
{
    tp__stats *st = &s->stats;
    while (list) {
        tp__job *job = list;
        list = job->next;
        tp__chunk *c = job->chunk;
        tp__block *b = job->block;
        c->job[job->slot] = NULL;
        s->in_flight--;
        job->block = NULL;
        job->chunk = NULL;
        job->next = s->job_free;
        s->job_free = job;
        if (atomic_load_explicit(&job->cancelled, memory_order_relaxed) ||
            (s->layout.meshes && job->mesh_ok && !attach_mesh(s, c, job, b))) {
            tp__block_unused(&s->blocks, b);
            continue;
        }
        b->source = job->source;
        tp__block **slot = job->slot == TP__SLOT_COARSE ? &c->coarse : &c->fine;
        if (*slot)
            tp__block_put(&s->blocks, *slot);
        *slot = b;
        if (job->slot == TP__SLOT_FINE)
            c->fine_lod = job->lod;
        tp__block_publish(&s->blocks, b);

        tp__stats_page(st, job->bytes_read,
                       tp__grid_bytes(&s->layout, job->lod) + tp__climate_bytes(&s->layout) +
                           (b->mesh ? b->mesh->bytes : 0));
        if (job->source != TP_STREAMER_SOURCE_FILE)
            tp__stats_fallback(st, job->cause);
        tp__stats_latency(st, s->clock_s - job->dispatched_s);
        tp__emit(&s->events, TP_STREAMER_EVENT_PAGE_IN, c->cx, c->cz, job->lod, 0, job->source,
                 tp__block_total(b));
    }
}

static void coverage(tp_streamer *s)
{
    const int32_t v = (int32_t)s->opt.view_distance_chunks;
    uint32_t missing = 0, coarser = 0;
    for (int32_t dz = -v; dz <= v; dz++)
        for (int32_t dx = -v; dx <= v; dx++) {
            int32_t cx = s->view_cx + dx, cz = s->view_cz + dz;
            tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
            int best = tp__best_lod(s, c, cx, cz);
            if (best < 0)
                missing++;
            else if (c && c->stamp == s->update_index && (uint32_t)best > c->view_lod)
                coarser++;
        }
    tp__stats_coverage(&s->stats, s->view_count, missing, coarser);
}

tp_result tp_streamer_update(tp_streamer *s, double x_m, double z_m, double frame_dt_s)
{
    assert(s);
    double start = tp__now_s();
    /* Chunk indices are int32 and the view and the prediction reach around them: keep
     * the camera within TP_STREAMER_MAX_CHUNK_INDEX chunks of the origin. */
    const double limit_m = (double)TP_STREAMER_MAX_CHUNK_INDEX * s->layout.chunk_m;
    if (!isfinite(x_m) || !isfinite(z_m) || !isfinite(frame_dt_s) || frame_dt_s < 0.0 ||
        fabs(x_m) > limit_m || fabs(z_m) > limit_m)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "streamer update: position (%g, %g) or frame time %g s is invalid",
                             x_m, z_m, frame_dt_s);
    const int det = (s->opt.flags & TP_STREAMER_DETERMINISTIC) != 0;
    tp_result res = TP_OK;
    s->update_index++;
    tp__events_begin_update(&s->events, s->update_index);
    const int virtual_clock = det || (s->opt.flags & TP_STREAMER_VIRTUAL_CLOCK);
    s->clock_s = virtual_clock ? s->clock_s + frame_dt_s : start - s->real_origin_s;
    tp__eviction_restart(&s->eviction);

    tp__block_retired_collect(&s->blocks);
    if (tp__predictor_update(&s->pred, x_m, z_m, s->clock_s))
        tp__emit(&s->events, TP_STREAMER_EVENT_TELEPORT, 0, 0, 0, 0, 0, 0);
    s->cam_x = x_m, s->cam_z = z_m;
    s->view_cx = (int32_t)floor(x_m / s->layout.chunk_m);
    s->view_cz = (int32_t)floor(z_m / s->layout.chunk_m);
    s->have_view = 1;

    if (!tp__wants(s))
        res = TP_ERR_OUT_OF_MEMORY;
    tp__cancel_stale(s);
    if (det)
        tp__workers_run_pending_sync(s); /* last update's batch, after its cancellations */
    publish(s, tp__workers_take_done(s));
    tp__lower_overshoot(s);
    tp_result r = tp__sync_coarse(s, start);
    if (r != TP_OK)
        res = r;
    coverage(s);
    r = tp__dispatch(s, frame_dt_s);
    if (r != TP_OK)
        res = r;
    tp__sweep(s);
    tp__block_pool_trim(&s->blocks, s->budget.limit_bytes);

    tp__stats_resident(&s->stats, s->budget.resident_bytes);
    tp__stats_update_done(&s->stats, (tp__now_s() - start) * 1e6);
    if (res != TP_OK && res != TP_ERR_OUT_OF_MEMORY)
        return res;
    return res == TP_OK ? TP_OK
                        : tp__error_set(res, "streamer update: the allocator failed; "
                                             "retrying next frame");
}

void tp_streamer_set_frame_time(tp_streamer *s, double frame_time_s)
{
    assert(s);
    if (isfinite(frame_time_s) && frame_time_s >= 0.0)
        s->frame_time_s = frame_time_s;
}

/* ---- Queries ------------------------------------------------------------------------------- */

static int in_view_square(const tp_streamer *s, int32_t cx, int32_t cz)
{
    int64_t v = s->opt.view_distance_chunks;
    return s->have_view && llabs((long long)cx - s->view_cx) <= v &&
           llabs((long long)cz - s->view_cz) <= v;
}

/* Describes the best resident LOD of a chunk; returns the block, NULL for the permanent
 * LOD, and sets *found. */
static tp__block *describe(const tp_streamer *s, const tp__chunk *c, int32_t cx, int32_t cz,
                           tp_chunk_view *v, int *found)
{
    memset(v, 0, sizeof *v);
    v->cx = cx, v->cz = cz;
    tp__block *b = c ? (c->fine ? c->fine : c->coarse) : NULL;
    int64_t ri = -1;
    if (!b && (ri = tp__region_index(&s->layout.region, cx, cz)) >= 0 &&
        s->region_present[ri] == TP__PERMANENT_NONE)
        ri = -1;
    *found = b != NULL || ri >= 0;
    if (!*found)
        return NULL;
    int fresh = c && c->stamp == s->update_index;
    uint32_t wanted = s->layout.coarsest;
    if (fresh)
        wanted = c->view_lod < c->pred_lod ? c->view_lod : c->pred_lod;
    v->wanted_lod = wanted;
    if (in_view_square(s, cx, cz))
        v->flags |= TP_CHUNK_VIEW_IN_VIEW;
    if (b) {
        v->lod = b->lod;
        v->edge = s->layout.edge[b->lod];
        v->height_codes = b->heights;
        v->biomes = b->biomes;
        if (b->has_climate) {
            v->temperature_cc = b->temperature;
            v->precipitation_mm = b->precipitation;
            v->climate_edge = s->layout.climate_edge;
        }
        v->source = b->source;
        v->mesh = b->mesh ? &b->mesh->pub : NULL;
    } else {
        size_t e2 = tp__lod_samples(&s->layout, s->layout.coarsest);
        v->lod = s->layout.coarsest;
        v->edge = s->layout.edge[s->layout.coarsest];
        v->height_codes = s->region_heights + (size_t)ri * e2;
        v->biomes = s->region_biomes + (size_t)ri * e2;
        v->source = s->region_present[ri] == TP__PERMANENT_REPAIRED ? TP_STREAMER_SOURCE_REPAIRED
                                               : TP_STREAMER_SOURCE_FILE;
        v->flags |= TP_CHUNK_VIEW_PERMANENT;
        if (s->region_mesh && s->region_mesh[ri])
            v->mesh = &s->region_mesh[ri]->pub;
    }
    if (v->lod > wanted)
        v->flags |= TP_CHUNK_VIEW_COARSER;
    return b;
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
        atomic_fetch_add_explicit(&s->pinned_views, 1u, memory_order_relaxed);
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
        atomic_fetch_sub_explicit(&s->pinned_views, 1u, memory_order_relaxed);
    }
    memset(view, 0, sizeof *view);
}

int tp_streamer_best_lod(const tp_streamer *s, int32_t cx, int32_t cz)
{
    assert(s);
    return tp__best_lod(s, tp__chunk_find(&s->chunks, cx, cz), cx, cz);
}

uint64_t tp_streamer_for_each(tp_streamer *s, uint32_t flags, tp_streamer_visit_fn fn,
                              void *user)
{
    assert(s && fn);
    uint64_t calls = 0;
    tp_chunk_view v;
    int found;
    if (flags & TP_STREAMER_VISIT_IN_VIEW) {
        if (!s->have_view)
            return 0;
        const int32_t r = (int32_t)s->opt.view_distance_chunks;
        for (int32_t dz = -r; dz <= r; dz++)
            for (int32_t dx = -r; dx <= r; dx++) {
                int32_t cx = s->view_cx + dx, cz = s->view_cz + dz;
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
        if (!c->fine && !c->coarse)
            continue;
        describe(s, c, c->cx, c->cz, &v, &found);
        calls++;
        if (fn(user, &v))
            return calls;
    }
    for (uint64_t i = 0; i < tp__region_count(&s->layout.region); i++) {
        if (s->region_present[i] == TP__PERMANENT_NONE)
            continue;
        int32_t cx, cz;
        tp__region_chunk(&s->layout.region, i, &cx, &cz);
        const tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
        if (c && (c->fine || c->coarse))
            continue; /* visited above at its better LOD */
        describe(s, c, cx, cz, &v, &found);
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
    if (tp__has_permanent(s, cx, cz) &&
        tp_reader_chunk_bounds(s->reader, cx, cz, out_bounds) == TP_OK)
        return TP_OK;
    const tp__chunk *c = tp__chunk_find(&s->chunks, cx, cz);
    const tp__block *b = c ? (c->fine ? c->fine : c->coarse) : NULL;
    const uint16_t *h = b ? b->heights : NULL;
    size_t n = b ? tp__lod_samples(&s->layout, b->lod) : 0;
    int64_t ri = tp__region_index(&s->layout.region, cx, cz);
    if (!h && ri >= 0 && s->region_present[ri] != TP__PERMANENT_NONE) {
        n = tp__lod_samples(&s->layout, s->layout.coarsest);
        h = s->region_heights + (size_t)ri * n;
    }
    if (!h)
        return TP_ERR_NOT_FOUND;
    uint16_t lo = UINT16_MAX, hi = 0;
    for (size_t i = 0; i < n; i++) {
        lo = h[i] < lo ? h[i] : lo;
        hi = h[i] > hi ? h[i] : hi;
    }
    out_bounds->height_min_code = lo;
    out_bounds->height_max_code = hi;
    out_bounds->flags = TP_CHUNK_BOUNDS_ESTIMATED;
    return TP_OK;
}

const tp_world_params *tp_streamer_world(const tp_streamer *s)
{
    return &s->world;
}

const tp_reader *tp_streamer_reader(const tp_streamer *s)
{
    return s->reader;
}

void tp_streamer_get_stats(const tp_streamer *s, tp_streamer_stats *out_stats)
{
    assert(s && out_stats);
    tp__stats_fill(&s->stats, out_stats);
    out_stats->budget_bytes = s->budget.limit_bytes;
    out_stats->permanent_bytes = s->permanent_bytes;
    out_stats->held_bytes = s->budget.held_bytes;
    out_stats->resident_bytes = s->budget.resident_bytes;
    out_stats->pinned_views = atomic_load_explicit(&s->pinned_views, memory_order_relaxed);
    uint32_t resident = 0;
    for (uint32_t i = 0; i < s->chunks.live_count; i++)
        resident += s->chunks.live[i]->fine || s->chunks.live[i]->coarse;
    out_stats->resident_chunks = resident;
    out_stats->in_flight = s->in_flight;
    out_stats->worker_threads = s->q.thread_count;
    out_stats->velocity_x_m_s = s->pred.vx;
    out_stats->velocity_z_m_s = s->pred.vz;
    out_stats->mesh_bytes = s->budget.mesh_bytes + s->arena_bytes;
    out_stats->scratch_bytes = s->scratch_bytes;
}
