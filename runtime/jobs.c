/* jobs.c — the fixed set of page-in jobs and their mesh staging. */
#include <string.h>

#include "alloc.h"
#include "jobs.h"
#include "terrapage/mesh.h"

void tp__jobs_init(tp__jobs *jobs, const tp_streamer_allocator *mem)
{
    memset(jobs, 0, sizeof *jobs);
    jobs->mem = mem;
}

static size_t staging_bytes(uint32_t vertices, uint32_t indices)
{
    return ((size_t)vertices * sizeof(tp_mesh_vertex) + (size_t)indices * sizeof(uint16_t) +
            15u) & ~(size_t)15u;
}

void tp__jobs_plan(tp__jobs *jobs, uint32_t full_count, const tp__layout *l)
{
    jobs->full_count = full_count;
    jobs->count = full_count + TP__COARSE_JOBS;
    if (l->meshes) {
        /* Staging for the worst mesh of LOD 0: every page fits; the coarse jobs', for
         * the worst mesh of the coarsest LOD. */
        tp_mesh_build_bound(l->edge[0], &jobs->stage_vertices, &jobs->stage_indices);
        jobs->stage_bytes = staging_bytes(jobs->stage_vertices, jobs->stage_indices);
        tp_mesh_build_bound(l->edge[l->coarsest], &jobs->coarse_vertices,
                            &jobs->coarse_indices);
        jobs->coarse_stage_bytes = staging_bytes(jobs->coarse_vertices, jobs->coarse_indices);
    }
}

tp_result tp__jobs_alloc(tp__jobs *jobs)
{
    uint64_t stage = tp__jobs_staging_bytes(jobs);
    jobs->all = tp__alloc(jobs->mem, jobs->count * sizeof *jobs->all);
    if (!jobs->all || (stage && !(jobs->stage = tp__alloc(jobs->mem, (size_t)stage))))
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory");
    memset(jobs->all, 0, jobs->count * sizeof *jobs->all);
    for (uint32_t i = jobs->count; i-- > 0;) {
        tp__job *job = &jobs->all[i];
        const int coarse = i >= jobs->full_count;
        if (jobs->stage) {
            uint8_t *p = (uint8_t *)jobs->stage +
                         (coarse ? (size_t)jobs->full_count * jobs->stage_bytes +
                                       (size_t)(i - jobs->full_count) * jobs->coarse_stage_bytes
                                 : (size_t)i * jobs->stage_bytes);
            job->stage_vertex_cap = coarse ? jobs->coarse_vertices : jobs->stage_vertices;
            job->stage_index_cap = coarse ? jobs->coarse_indices : jobs->stage_indices;
            job->stage_vertices = (tp_mesh_vertex *)p;
            job->stage_indices =
                (uint16_t *)(p + (size_t)job->stage_vertex_cap * sizeof(tp_mesh_vertex));
        }
        job->coarse_only = (uint8_t)coarse;
        tp__job **list = coarse ? &jobs->free_coarse : &jobs->free;
        job->next = *list;
        *list = job;
    }
    return TP_OK;
}

tp__job *tp__jobs_take(tp__jobs *jobs, int coarse)
{
    tp__job **list = coarse && jobs->free_coarse ? &jobs->free_coarse : &jobs->free;
    tp__job *job = *list;
    if (!job)
        return NULL;
    *list = job->next;
    job->next = NULL;
    jobs->in_flight++;
    jobs->in_flight_full += !job->coarse_only;
    return job;
}

void tp__jobs_give_back(tp__jobs *jobs, tp__job *job)
{
    job->block = NULL;
    job->chunk = NULL;
    tp__job **list = job->coarse_only ? &jobs->free_coarse : &jobs->free;
    job->next = *list;
    *list = job;
    jobs->in_flight--;
    jobs->in_flight_full -= !job->coarse_only;
}

void tp__jobs_cancel_all(tp__jobs *jobs)
{
    for (uint32_t i = 0; jobs->all && i < jobs->count; i++)
        atomic_store_explicit(&jobs->all[i].cancelled, 1, memory_order_relaxed);
}

void tp__jobs_free(tp__jobs *jobs, tp__block_pool *blocks)
{
    for (uint32_t i = 0; jobs->all && i < jobs->count; i++)
        if (jobs->all[i].block)
            tp__block_unused(blocks, jobs->all[i].block);
    tp__free(jobs->mem, jobs->all, jobs->count * sizeof *jobs->all);
    tp__free(jobs->mem, jobs->stage, (size_t)tp__jobs_staging_bytes(jobs));
    const tp_streamer_allocator *mem = jobs->mem;
    tp__jobs_init(jobs, mem);
}
