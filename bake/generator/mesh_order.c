/* mesh_order.c — triangles in vertex-cache order (see mesh_order.h for the method).
 * The start and the fallback after a dead end follow a Hilbert curve through the
 * vertices, so the walk sweeps the chunk instead of jumping across it. */
#include "mesh_order.h"

#include <stdlib.h>
#include <string.h>

/* Index of (x, y) along a Hilbert curve filling the 2^16 × 2^16 square. */
static uint32_t hilbert16(uint32_t x, uint32_t y)
{
    uint32_t d = 0;
    for (uint32_t s = 1u << 15; s > 0; s >>= 1) {
        const uint32_t rx = (x & s) ? 1u : 0u, ry = (y & s) ? 1u : 0u;
        d += s * s * ((3u * rx) ^ ry);
        if (!ry) { /* rotate the quadrant */
            if (rx) {
                x = s - 1u - (x & (s - 1u));
                y = s - 1u - (y & (s - 1u));
            }
            const uint32_t t = x;
            x = y, y = t;
        }
        x &= s - 1u, y &= s - 1u;
    }
    return d;
}

static int compare_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

size_t tp__mesh_order_work_words(uint32_t vertex_count, uint32_t triangle_count)
{
    const size_t v = vertex_count, t = triangle_count;
    /* keys (2v), offsets (v + 1), adjacency (3t), live (v), stamp (v), dead-end stack
     * (3t), fan candidates (3t), emitted (t), and one word to stay even */
    return 2 * v + (v + 1) + 3 * t + v + v + 3 * t + 3 * t + t + 1;
}

void tp__mesh_order(const tp__tin *tin, uint32_t cache_size, uint32_t *work, uint32_t *out_order)
{
    const uint32_t V = tin->vertex_count, T = tin->triangle_count;
    uint64_t *key = (uint64_t *)work;              /* vertices along the Hilbert curve */
    uint32_t *offset = work + 2 * (size_t)V;       /* adjacency: triangles of each vertex */
    uint32_t *adj = offset + V + 1;
    uint32_t *live = adj + 3 * (size_t)T;          /* triangles of each vertex left */
    uint32_t *stamp = live + V;                    /* when it entered the cache */
    uint32_t *dead = stamp + V;                    /* dead-end stack */
    uint32_t *fan = dead + 3 * (size_t)T;          /* vertices of the current fan */
    uint32_t *emitted = fan + 3 * (size_t)T;

    for (uint32_t v = 0; v < V; v++)
        key[v] = (uint64_t)hilbert16((uint32_t)tin->px[v], (uint32_t)tin->pz[v]) << 32 | v;
    qsort(key, V, sizeof *key, compare_u64);

    memset(live, 0, sizeof *live * V);
    for (uint32_t i = 0; i < 3 * T; i++)
        live[tin->tri[i]]++;
    offset[0] = 0;
    for (uint32_t v = 0; v < V; v++)
        offset[v + 1] = offset[v] + live[v];
    memset(stamp, 0, sizeof *stamp * V); /* reused as fill positions */
    for (uint32_t t = 0; t < T; t++)
        for (int k = 0; k < 3; k++) {
            const uint32_t v = (uint32_t)tin->tri[3 * t + (uint32_t)k];
            adj[offset[v] + stamp[v]++] = t;
        }
    memset(stamp, 0, sizeof *stamp * V);
    memset(emitted, 0, sizeof *emitted * T);

    uint32_t out = 0, dead_top = 0, scan = 0;
    uint32_t time = cache_size + 1; /* stamp 0 is long out of the cache */
    int64_t f = V ? (int64_t)(uint32_t)key[0] : -1;
    while (f >= 0) {
        uint32_t fan_count = 0;
        for (uint32_t a = offset[f]; a < offset[f + 1]; a++) {
            const uint32_t t = adj[a];
            if (emitted[t])
                continue;
            emitted[t] = 1;
            out_order[out++] = t;
            for (int k = 0; k < 3; k++) {
                const uint32_t v = (uint32_t)tin->tri[3 * t + (uint32_t)k];
                dead[dead_top++] = v;
                fan[fan_count++] = v;
                live[v]--;
                if (time - stamp[v] > cache_size)
                    stamp[v] = time++;
            }
        }
        /* Next: the fan's vertex with triangles left that will still be in the cache
         * after emitting them, entered earliest (largest age), ties to the first. */
        int64_t next = -1, best = -1;
        for (uint32_t i = 0; i < fan_count; i++) {
            const uint32_t v = fan[i];
            if (!live[v])
                continue;
            int64_t p = 0;
            if ((int64_t)time - stamp[v] + 2 * (int64_t)live[v] <= (int64_t)cache_size)
                p = (int64_t)time - stamp[v];
            if (p > best)
                best = p, next = v;
        }
        if (next < 0) {
            while (dead_top && next < 0) {
                const uint32_t d = dead[--dead_top];
                if (live[d])
                    next = d;
            }
            while (next < 0 && scan < V) {
                const uint32_t v = (uint32_t)key[scan];
                if (live[v])
                    next = v;
                else
                    scan++;
            }
        }
        f = next;
    }
}
