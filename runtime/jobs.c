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

void tp__jobs_plan(tp__jobs *jobs, uint32_t count, const tp__layout *l)
{
    jobs->count = count;
    if (l->meshes) {
        /* Staging for the worst mesh of LOD 0: every page fits. */
        tp_mesh_build_bound(l->edge[0], &jobs->stage_vertices, &jobs->stage_indices);
        jobs->stage_bytes = ((size_t)jobs->stage_vertices * sizeof(tp_mesh_vertex) +
                             (size_t)jobs->stage_indices * sizeof(uint16_t) + 15u) &
                            ~(size_t)15u;
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
        if (jobs->stage) {
            uint8_t *p = (uint8_t *)jobs->stage + (size_t)i * jobs->stage_bytes;
            job->stage_vertices = (tp_mesh_vertex *)p;
            job->stage_indices =
                (uint16_t *)(p + (size_t)jobs->stage_vertices * sizeof(tp_mesh_vertex));
            job->stage_vertex_cap = jobs->stage_vertices;
            job->stage_index_cap = jobs->stage_indices;
        }
        job->next = jobs->free;
        jobs->free = job;
    }
    return TP_OK;
}

tp__job *tp__jobs_take(tp__jobs *jobs)
{
    tp__job *job = jobs->free;
    jobs->free = job->next;
    job->next = NULL;
    jobs->in_flight++;
    return job;
}

void tp__jobs_give_back(tp__jobs *jobs, tp__job *job)
{
    job->block = NULL;
    job->chunk = NULL;
    job->next = jobs->free;
    jobs->free = job;
    jobs->in_flight--;
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
