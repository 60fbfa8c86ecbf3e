/* mesh_pool.c — mesh allocations in size classes, their layout, decoding and pooling. */
#include <string.h>

#include "alloc.h"
#include "mesh_pool.h"
#include "terrapage/mesh.h"

#define MESH_HEADER (((sizeof(tp__mesh) + 15u) & ~(size_t)15u))

void tp__mesh_pool_init(tp__mesh_pool *mp, const tp_streamer_allocator *mem,
                        tp__budget *budget)
{
    memset(mp, 0, sizeof *mp);
    mp->mem = mem;
    mp->budget = budget;
}

void tp__mesh_pool_plan(tp__mesh_pool *mp, const tp__layout *l, const size_t *block_bytes)
{
    uint32_t v, i, cls;
    tp_mesh_build_bound(l->edge[l->coarsest], &v, &i);
    mp->coarsest_max = tp__mesh_bytes_for(v, i, &cls);
    /* Until the first meshes of a LOD are seen, dispatch makes room for a mesh of a
     * quarter of the grid block: about the average of rough terrain's LOD 0. */
    for (uint32_t k = 0; k < l->lod_count; k++)
        mp->expect[k] = block_bytes[k] / 4u;
}

/* Size classes: 512 bytes, then four per octave (1.25, 1.5, 1.75 and 2 times a power of
 * two), so a mesh wastes at most a fifth of its allocation and a few dozen classes
 * cover every size, which keeps the pools small and reuse likely. */
size_t tp__mesh_bytes_for(uint32_t vertex_count, uint32_t index_count, uint32_t *out_cls)
{
    size_t n = tp__mesh_record_bytes(vertex_count, index_count);
    if (n <= 512u) {
        *out_cls = 0;
        return 512u;
    }
    uint32_t b = 9;
    while (((size_t)1 << (b + 1)) < n)
        b++;
    size_t step = (size_t)1 << (b - 2);
    size_t q = (n + step - 1) / step; /* 5 … 8 */
    *out_cls = 1u + (b - 9u) * 4u + (uint32_t)(q - 5u);
    return q * step;
}

size_t tp__mesh_record_bytes(uint32_t vertex_count, uint32_t index_count)
{
    return MESH_HEADER + (size_t)vertex_count * sizeof(tp_mesh_vertex) +
           (size_t)index_count * sizeof(uint16_t);
}

void tp__mesh_layout(tp__mesh *m, uint32_t vertex_count, uint32_t index_count)
{
    uint8_t *p = (uint8_t *)m + MESH_HEADER;
    memset(&m->pub, 0, sizeof m->pub);
    m->pub.geometry.vertices = (tp_mesh_vertex *)p;
    m->pub.geometry.indices = (uint16_t *)(p + (size_t)vertex_count * sizeof(tp_mesh_vertex));
    m->pub.geometry.vertex_count = vertex_count;
    m->pub.geometry.index_count = index_count;
}

tp_result tp__mesh_decode_into(tp__mesh *m, const void *raw, size_t size, float error_m,
                               uint32_t flags)
{
    tp_mesh *g = &m->pub.geometry;
    if (tp_mesh_decode(raw, size, g->vertices, g->vertex_count, g->indices, g->index_count,
                       g) != TP_OK)
        return TP_ERR_CORRUPT;
    m->pub.max_error_m = error_m;
    m->pub.flags = flags;
    return TP_OK;
}

int tp__mesh_pooled(const tp__mesh_pool *mp, uint32_t cls)
{
    return cls < TP__MESH_CLASSES && mp->free[cls] != NULL;
}

tp__mesh *tp__mesh_get(tp__mesh_pool *mp, uint32_t vertex_count, uint32_t index_count)
{
    uint32_t cls;
    size_t bytes = tp__mesh_bytes_for(vertex_count, index_count, &cls);
    if (cls >= TP__MESH_CLASSES)
        return NULL;
    tp__mesh *m = mp->free[cls];
    if (m) {
        mp->free[cls] = m->next;
    } else {
        if (!(m = tp__alloc(mp->mem, bytes)))
            return NULL;
        m->bytes = bytes;
        m->cls = cls;
        tp__budget_allocated(mp->budget, bytes);
    }
    m->next = NULL;
    tp__mesh_layout(m, vertex_count, index_count);
    return m;
}

void tp__mesh_put(tp__mesh_pool *mp, tp__mesh *m)
{
    if (!m)
        return;
    m->next = mp->free[m->cls];
    mp->free[m->cls] = m;
}

void tp__mesh_pool_trim(tp__mesh_pool *mp, uint64_t target_held)
{
    for (uint32_t k = TP__MESH_CLASSES; k-- > 0 && mp->budget->held_bytes > target_held;) {
        while (mp->free[k] && mp->budget->held_bytes > target_held) {
            tp__mesh *m = mp->free[k];
            mp->free[k] = m->next;
            tp__budget_freed(mp->budget, m->bytes);
            tp__free(mp->mem, m, m->bytes);
        }
    }
}

void tp__mesh_pool_seen(tp__mesh_pool *mp, uint32_t lod, size_t bytes)
{
    if (bytes > mp->expect[lod])
        mp->expect[lod] = bytes;
}
