/* publish.c — where a page becomes resident: installed in its chunk (replacing what the
 * slot held), its memory counted as resident, the work counted and a PAGE_IN reported. */
#include <string.h>

#include "internal.h"
#include "terrapage/mesh.h"

/* Puts b in the chunk's slot; the block it replaces leaves (pool, or retired while
 * pinned). */
static void install(tp_streamer *s, tp__chunk *c, uint32_t slot, tp__block *b)
{
    tp__block **held = slot == TP__SLOT_COARSE ? &c->coarse : &c->fine;
    if (*held)
        tp__block_put(&s->blocks, *held);
    *held = b;
    if (slot == TP__SLOT_FINE)
        c->fine_lod = b->lod;
    tp__block_publish(&s->blocks, b);
}

/* Moves a finished job's mesh from its staging into an allocation of its size class,
 * attached to the block. The budget must have room for it: dispatch made room for the
 * largest mesh seen at the LOD, and a larger one may take from less urgent chunks. If
 * even that fails the page is dropped and asked for again (counted as a cancellation). */
static int attach_staged_mesh(tp_streamer *s, tp__chunk *c, const tp__job *job, tp__block *b)
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

static void publish_job(tp_streamer *s, const tp__job *job)
{
    tp__chunk *c = job->chunk;
    tp__block *b = job->block;
    if (atomic_load_explicit(&job->cancelled, memory_order_relaxed) ||
        (s->layout.meshes && job->mesh_ok && !attach_staged_mesh(s, c, job, b))) {
        tp__block_unused(&s->blocks, b);
        return;
    }
    b->source = job->source;
    install(s, c, job->slot, b);
    tp__stats_page(&s->stats, job->bytes_read,
                   tp__grid_bytes(&s->layout, job->lod) + tp__climate_bytes(&s->layout) +
                       (b->mesh ? b->mesh->bytes : 0));
    if (job->source != TP_STREAMER_SOURCE_FILE)
        tp__stats_fallback(&s->stats, job->cause);
    tp__stats_latency(&s->stats, s->frame.clock_s - job->dispatched_s);
    tp__emit(&s->events, TP_STREAMER_EVENT_PAGE_IN, c->cx, c->cz, job->lod, 0, job->source,
             tp__block_total(b));
}

void tp__publish_finished(tp_streamer *s, tp__job *list)
{
    while (list) {
        tp__job *job = list;
        list = job->next;
        job->chunk->job[job->slot] = NULL;
        publish_job(s, job);
        tp__jobs_give_back(&s->jobs, job);
    }
}

/* Decodes a mesh encoding update() read or generated straight into an allocation of its
 * size (room was made for the largest coarsest mesh). Returns 0 only when the allocator fails; an
 * encoding that does not decode leaves the block without a mesh. */
static int attach_generated_mesh(tp_streamer *s, tp__block *b, const tp__mesh_raw *raw)
{
    tp_mesh info;
    if (tp_mesh_decode_header(raw->bytes, raw->size, &info) != TP_OK)
        return 1;
    tp__mesh *m = tp__mesh_get(&s->meshes, info.vertex_count, info.index_count);
    if (!m)
        return 0;
    if (tp__mesh_decode_into(m, raw->bytes, raw->size, raw->error_m, raw->flags) != TP_OK) {
        tp__mesh_put(&s->meshes, m);
        return 1;
    }
    b->mesh = m;
    return 1;
}

tp_result tp__publish_coarsest(tp_streamer *s, tp__chunk *c, tp__block *b,
                               const tp__mesh_raw *mesh, uint32_t source, tp_result cause,
                               uint64_t bytes_read)
{
    const uint32_t coarsest = s->layout.coarsest;
    if (mesh && !attach_generated_mesh(s, b, mesh)) {
        tp__block_unused(&s->blocks, b);
        return TP_ERR_OUT_OF_MEMORY;
    }
    b->has_climate = 0;
    b->cx = c->cx, b->cz = c->cz, b->lod = coarsest;
    b->source = source;
    install(s, c, TP__SLOT_COARSE, b);
    if (source != TP_STREAMER_SOURCE_FILE) {
        tp__stats_sync_generation(&s->stats);
        tp__stats_fallback(&s->stats, cause);
    }
    tp__stats_page(&s->stats, bytes_read,
                   tp__grid_bytes(&s->layout, coarsest) + (b->mesh ? b->mesh->bytes : 0));
    tp__emit(&s->events, TP_STREAMER_EVENT_PAGE_IN, c->cx, c->cz, coarsest, 0, source,
             tp__block_total(b));
    return TP_OK;
}
