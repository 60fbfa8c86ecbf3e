/* greedy_mesh.c — greedy insertion, the yardstick of `terrapage bench mesh` (see
 * greedy_mesh.h for what it is and why it is here).
 *
 * The triangulation is a half-edge structure: triangle t owns half-edges 3t, 3t + 1 and
 * 3t + 2, half-edge e runs from vertex tri[e] to tri[next(e)], and opp[e] is the twin
 * half-edge in the neighbouring triangle (−1 on the border of the square). Every
 * triangle winds so that orient() > 0. Triangles are only ever rewritten in place or
 * appended, never removed, so their ids are stable and the count only grows.
 *
 * Every predicate is exact in int64 (grid coordinates ≤ 128): orientation, in-circle
 * and the plane through a triangle's three samples, evaluated with barycentric
 * numerators along each row as tp_mesh_max_error does. The priority of a triangle is its
 * worst sample's deviation as a double: only the order of insertion depends on it, never
 * whether the stopping rule holds (tp_mesh_max_error decides that).
 *
 * Above LOD 0 each triangle also keeps its worst deviation from the FULL grid (its
 * vertices scaled to full-grid coordinates), so the stopping rule can be checked after
 * every insertion without a pass over the whole grid; the final mesh is measured by
 * tp_mesh_max_error all the same. */
#include "greedy_mesh.h"

#include <stdlib.h>
#include <string.h>

#include "terrapage/mesh.h"

struct tpt_greedy_mesher {
    uint32_t max_edge;
    /* the current build */
    const uint16_t *h, *full;
    uint32_t e, full_edge, scale; /* scale: full-grid samples per LOD-grid sample */
    int32_t *px, *pz;             /* vertices, grid coordinates */
    uint32_t vcount;
    int32_t *tri, *opp;           /* 3 per triangle */
    uint32_t tcount;
    double *err;                  /* per triangle: worst deviation from its own grid, codes */
    int32_t *cand;                /* per triangle: that sample (z · e + x), or −1 */
    double *true_err;             /* per triangle: worst deviation from the full grid */
    uint32_t *heap, *heap_pos;    /* max-heap of triangles by err; pos + 1, 0 = absent */
    uint32_t heap_size;
    uint32_t *dirty, dirty_count, *dirty_stamp, stamp;
    /* the output */
    tp_mesh_vertex *vertices;
    uint16_t *indices;
};

static inline uint32_t next_half(uint32_t e)
{
    return e % 3 == 2 ? e - 2 : e + 1;
}

static inline int64_t orient(const tpt_greedy_mesher *g, int32_t a, int32_t b, int32_t c)
{
    return (int64_t)(g->px[b] - g->px[a]) * (g->pz[c] - g->pz[a]) -
           (int64_t)(g->pz[b] - g->pz[a]) * (g->px[c] - g->px[a]);
}

/* > 0 when d lies strictly inside the circle through a, b, c (orient(a, b, c) > 0). */
static int64_t in_circle(const tpt_greedy_mesher *g, int32_t a, int32_t b, int32_t c, int32_t d)
{
    const int64_t adx = g->px[a] - g->px[d], adz = g->pz[a] - g->pz[d];
    const int64_t bdx = g->px[b] - g->px[d], bdz = g->pz[b] - g->pz[d];
    const int64_t cdx = g->px[c] - g->px[d], cdz = g->pz[c] - g->pz[d];
    const int64_t ad = adx * adx + adz * adz, bd = bdx * bdx + bdz * bdz, cd = cdx * cdx + cdz * cdz;
    return ad * (bdx * cdz - cdx * bdz) - bd * (adx * cdz - cdx * adz) + cd * (adx * bdz - bdx * adz);
}

static inline int64_t floor_div(int64_t a, int64_t d)
{
    return a >= 0 ? a / d : -((-a + d - 1) / d);
}

/* The worst sample of grid `grid` (edge `ge`) under the triangle with vertices (x[k], z[k])
 * in that grid's coordinates and heights hk[k] (codes), orient > 0: *out_dev / det is its
 * deviation, *out_at where it is (−1 when every sample is on the plane). */
static void worst_sample(const uint16_t *grid, uint32_t ge, const int64_t x[3], const int64_t z[3],
                         const int64_t hk[3], int64_t *out_dev, int64_t *out_det, int32_t *out_at)
{
    const int64_t det = (x[1] - x[0]) * (z[2] - z[0]) - (z[1] - z[0]) * (x[2] - x[0]);
    int64_t x0 = x[0], x1 = x[0], z0 = z[0], z1 = z[0];
    for (int k = 1; k < 3; k++) {
        x0 = x[k] < x0 ? x[k] : x0, x1 = x[k] > x1 ? x[k] : x1;
        z0 = z[k] < z0 ? z[k] : z0, z1 = z[k] > z1 ? z[k] : z1;
    }
    /* Barycentric numerators w[k] (weights times det), each linear in x along a row. */
    const int64_t slope[3] = {-(z[2] - z[0]) + (z[1] - z[0]), z[2] - z[0], -(z[1] - z[0])};
    const int64_t step = hk[0] * slope[0] + hk[1] * slope[1] + hk[2] * slope[2];
    int64_t best = 0;
    int32_t at = -1;
    for (int64_t r = z0; r <= z1; r++) {
        const int64_t w1 = (x0 - x[0]) * (z[2] - z[0]) - (r - z[0]) * (x[2] - x[0]);
        const int64_t w2 = (x[1] - x[0]) * (r - z[0]) - (z[1] - z[0]) * (x0 - x[0]);
        const int64_t w[3] = {det - w1 - w2, w1, w2};
        int64_t lo = 0, hi = x1 - x0;
        for (int k = 0; k < 3; k++) {
            if (slope[k] > 0) {
                int64_t v = -floor_div(w[k], slope[k]); /* ceil(−w / slope) */
                lo = v > lo ? v : lo;
            } else if (slope[k] < 0) {
                int64_t v = floor_div(w[k], -slope[k]);
                hi = v < hi ? v : hi;
            } else if (w[k] < 0) {
                hi = -1;
            }
        }
        if (lo > hi)
            continue;
        int64_t plane = hk[0] * (w[0] + slope[0] * lo) + hk[1] * (w[1] + slope[1] * lo) +
                        hk[2] * (w[2] + slope[2] * lo);
        const uint16_t *row = grid + (size_t)r * ge + x0;
        for (int64_t dx = lo; dx <= hi; dx++, plane += step) {
            int64_t dev = (int64_t)row[dx] * det - plane;
            dev = dev < 0 ? -dev : dev;
            if (dev > best) {
                best = dev;
                at = (int32_t)(r * ge + x0 + dx);
            }
        }
    }
    *out_dev = best;
    *out_det = det;
    *out_at = at;
}

/* ---- the priority queue: triangles by their worst sample, largest first ------------- */

static int heap_above(const tpt_greedy_mesher *g, uint32_t a, uint32_t b)
{
    /* Ties go to the older triangle, so the order never depends on the heap's history. */
    return g->err[a] > g->err[b] || (g->err[a] == g->err[b] && a < b);
}

static void heap_swap(tpt_greedy_mesher *g, uint32_t i, uint32_t j)
{
    uint32_t t = g->heap[i];
    g->heap[i] = g->heap[j], g->heap[j] = t;
    g->heap_pos[g->heap[i]] = i + 1, g->heap_pos[g->heap[j]] = j + 1;
}

static void heap_fix(tpt_greedy_mesher *g, uint32_t i)
{
    while (i > 0 && heap_above(g, g->heap[i], g->heap[(i - 1) / 2])) {
        heap_swap(g, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, top = i;
        if (l < g->heap_size && heap_above(g, g->heap[l], g->heap[top]))
            top = l;
        if (r < g->heap_size && heap_above(g, g->heap[r], g->heap[top]))
            top = r;
        if (top == i)
            return;
        heap_swap(g, i, top);
        i = top;
    }
}

/* Puts triangle t where its (new) err belongs; a triangle with nothing to insert leaves. */
static void heap_update(tpt_greedy_mesher *g, uint32_t t)
{
    uint32_t pos = g->heap_pos[t];
    if (g->cand[t] < 0) {
        if (pos) {
            uint32_t i = pos - 1;
            heap_swap(g, i, g->heap_size - 1);
            g->heap_size--;
            g->heap_pos[t] = 0;
            if (i < g->heap_size)
                heap_fix(g, i);
        }
        return;
    }
    if (!pos) {
        g->heap[g->heap_size] = t;
        g->heap_pos[t] = ++g->heap_size;
        pos = g->heap_size;
    }
    heap_fix(g, pos - 1);
}

/* ---- the triangulation ------------------------------------------------------------ */

static void mark_dirty(tpt_greedy_mesher *g, uint32_t t)
{
    if (g->dirty_stamp[t] != g->stamp) {
        g->dirty_stamp[t] = g->stamp;
        g->dirty[g->dirty_count++] = t;
    }
}

/* Sets triangle t to (a, b, c) with twins o0, o1, o2 (−1: none) of its three half-edges,
 * and points the twins back. */
static void set_tri(tpt_greedy_mesher *g, uint32_t t, int32_t a, int32_t b, int32_t c, int32_t o0,
                    int32_t o1, int32_t o2)
{
    const int32_t v[3] = {a, b, c}, o[3] = {o0, o1, o2};
    for (int k = 0; k < 3; k++) {
        g->tri[3 * t + k] = v[k];
        g->opp[3 * t + k] = o[k];
        if (o[k] >= 0)
            g->opp[o[k]] = (int32_t)(3 * t + (uint32_t)k);
    }
    mark_dirty(g, t);
}

static uint32_t new_tri(tpt_greedy_mesher *g)
{
    uint32_t t = g->tcount++;
    g->heap_pos[t] = 0;
    g->dirty_stamp[t] = 0;
    return t;
}

/* Restores the Delaunay property across half-edge e (a → b, its triangle's third vertex
 * being the new point p) by flipping it when the far vertex q is inside the circle. */
static void legalize(tpt_greedy_mesher *g, uint32_t e)
{
    const int32_t o = g->opp[e];
    if (o < 0)
        return;
    const uint32_t e1 = next_half(e), e2 = next_half(e1);
    const uint32_t o1 = next_half((uint32_t)o), o2 = next_half(o1);
    const int32_t a = g->tri[e], b = g->tri[e1], p = g->tri[e2], q = g->tri[o2];
    if (in_circle(g, a, b, p, q) <= 0)
        return;
    const int32_t A1 = g->opp[e1], A2 = g->opp[e2], B1 = g->opp[o1], B2 = g->opp[o2];
    const uint32_t t1 = e / 3, t2 = (uint32_t)o / 3;
    set_tri(g, t1, p, a, q, A2, B1, (int32_t)(3 * t2 + 2));
    set_tri(g, t2, q, b, p, B2, A1, (int32_t)(3 * t1 + 2));
    legalize(g, 3 * t1 + 1);
    legalize(g, 3 * t2 + 0);
}

/* Inserts vertex p (inside triangle t or on one of its edges). */
static void insert(tpt_greedy_mesher *g, uint32_t t, int32_t p)
{
    const uint32_t e0 = 3 * t;
    for (uint32_t k = 0; k < 3; k++) {
        const uint32_t e = e0 + k, e1 = next_half(e), e2 = next_half(e1);
        if (orient(g, g->tri[e], g->tri[e1], p) != 0)
            continue;
        /* On edge a → b of (a, b, c), whose twin b → a is in (b, a, d) if any: both
         * triangles split in two at p. */
        const int32_t a = g->tri[e], b = g->tri[e1], c = g->tri[e2];
        const int32_t o = g->opp[e], Bc = g->opp[e1], Ca = g->opp[e2];
        const uint32_t t2 = new_tri(g);
        if (o < 0) {
            set_tri(g, t, a, p, c, -1, (int32_t)(3 * t2 + 2), Ca);
            set_tri(g, t2, p, b, c, -1, Bc, (int32_t)(3 * t + 1));
            legalize(g, 3 * t + 2);
            legalize(g, 3 * t2 + 1);
            return;
        }
        const uint32_t u = (uint32_t)o / 3, o1 = next_half((uint32_t)o), o2 = next_half(o1);
        const int32_t d = g->tri[o2], Ad = g->opp[o1], Db = g->opp[o2];
        const uint32_t u2 = new_tri(g);
        set_tri(g, t, a, p, c, (int32_t)(3 * u2), (int32_t)(3 * t2 + 2), Ca);
        set_tri(g, t2, p, b, c, (int32_t)(3 * u), Bc, (int32_t)(3 * t + 1));
        set_tri(g, u, b, p, d, (int32_t)(3 * t2), (int32_t)(3 * u2 + 2), Db);
        set_tri(g, u2, p, a, d, (int32_t)(3 * t), Ad, (int32_t)(3 * u + 1));
        legalize(g, 3 * t + 2);
        legalize(g, 3 * t2 + 1);
        legalize(g, 3 * u + 2);
        legalize(g, 3 * u2 + 1);
        return;
    }
    const int32_t a = g->tri[e0], b = g->tri[e0 + 1], c = g->tri[e0 + 2];
    const int32_t A = g->opp[e0], B = g->opp[e0 + 1], C = g->opp[e0 + 2];
    const uint32_t t1 = new_tri(g), t2 = new_tri(g);
    set_tri(g, t, a, b, p, A, (int32_t)(3 * t1 + 2), (int32_t)(3 * t2 + 1));
    set_tri(g, t1, b, c, p, B, (int32_t)(3 * t2 + 2), (int32_t)(3 * t + 1));
    set_tri(g, t2, c, a, p, C, (int32_t)(3 * t + 2), (int32_t)(3 * t1 + 1));
    legalize(g, 3 * t);
    legalize(g, 3 * t1);
    legalize(g, 3 * t2);
}

/* Finds triangle t's worst samples again (own grid, and full grid above LOD 0). */
static void measure_tri(tpt_greedy_mesher *g, uint32_t t)
{
    int64_t x[3], z[3], hk[3], dev, det;
    int32_t at;
    for (int k = 0; k < 3; k++) {
        int32_t v = g->tri[3 * t + (uint32_t)k];
        x[k] = g->px[v], z[k] = g->pz[v];
        hk[k] = g->h[(size_t)z[k] * g->e + (size_t)x[k]];
    }
    worst_sample(g->h, g->e, x, z, hk, &dev, &det, &at);
    g->err[t] = (double)dev / (double)det;
    g->cand[t] = at;
    if (g->scale == 1) {
        g->true_err[t] = g->err[t];
        return;
    }
    for (int k = 0; k < 3; k++)
        x[k] *= g->scale, z[k] *= g->scale;
    worst_sample(g->full, g->full_edge, x, z, hk, &dev, &det, &at);
    g->true_err[t] = (double)dev / (double)det;
}

static void flush_dirty(tpt_greedy_mesher *g)
{
    for (uint32_t i = 0; i < g->dirty_count; i++) {
        measure_tri(g, g->dirty[i]);
        heap_update(g, g->dirty[i]);
    }
    g->dirty_count = 0;
    g->stamp++;
}

static int32_t add_vertex(tpt_greedy_mesher *g, int32_t x, int32_t z)
{
    g->px[g->vcount] = x, g->pz[g->vcount] = z;
    return (int32_t)g->vcount++;
}

static tp_mesh output(tpt_greedy_mesher *g, unsigned shift)
{
    for (uint32_t v = 0; v < g->vcount; v++) {
        tp_mesh_vertex *o = &g->vertices[v];
        memset(o, 0, sizeof *o);
        o->x = (uint16_t)(((uint32_t)g->px[v] * g->scale) << shift);
        o->z = (uint16_t)(((uint32_t)g->pz[v] * g->scale) << shift);
        o->h = g->h[(size_t)g->pz[v] * g->e + (size_t)g->px[v]];
    }
    for (uint32_t i = 0; i < 3 * g->tcount; i++)
        g->indices[i] = (uint16_t)g->tri[i];
    tp_mesh m = {g->vertices, g->indices, g->vcount, 3 * g->tcount, g->vcount, 3 * g->tcount, 0};
    return m;
}

static double worst_true_error(const tpt_greedy_mesher *g)
{
    double worst = 0.0;
    for (uint32_t t = 0; t < g->tcount; t++)
        worst = g->true_err[t] > worst ? g->true_err[t] : worst;
    return worst;
}

static int log2_exact(uint32_t v)
{
    if (!v || (v & (v - 1)))
        return -1;
    int l = 0;
    while (v >>= 1)
        l++;
    return l;
}

tp_result tpt_greedy_build(tpt_greedy_mesher *g, const uint16_t *heights, uint32_t edge,
                           const uint16_t *full, uint32_t full_edge, double error_m,
                           tp_mesh *out_mesh, bool *out_reached)
{
    if (!g || !heights || !full || !out_mesh || !out_reached || edge < 3 || edge > g->max_edge ||
        full_edge < edge || log2_exact(edge - 1) < 0 || log2_exact(full_edge - 1) < 0 ||
        log2_exact(full_edge - 1) > 15 || !(error_m >= 0.0))
        return TP_ERR_INVALID_ARGUMENT;
    g->h = heights, g->full = full, g->e = edge, g->full_edge = full_edge;
    g->scale = (full_edge - 1) / (edge - 1);
    const int32_t n = (int32_t)edge - 1;
    const unsigned shift = 15u - (unsigned)log2_exact(full_edge - 1);
    const double lim = error_m * 16.0; /* in height codes */
    g->vcount = g->tcount = g->heap_size = g->dirty_count = 0;
    g->stamp = 1;
    const int32_t c00 = add_vertex(g, 0, 0), cn0 = add_vertex(g, n, 0);
    const int32_t cnn = add_vertex(g, n, n), c0n = add_vertex(g, 0, n);
    const uint32_t t0 = new_tri(g), t1 = new_tri(g);
    set_tri(g, t0, c00, cn0, cnn, -1, -1, -1);
    set_tri(g, t1, c00, cnn, c0n, (int32_t)(3 * t0 + 2), -1, -1);
    flush_dirty(g);
    for (;;) {
        const double top = g->heap_size ? g->err[g->heap[0]] : 0.0;
        if (top <= lim && worst_true_error(g) <= lim) {
            float measured;
            *out_mesh = output(g, shift);
            tp_result r = tp_mesh_max_error(out_mesh, full, full_edge, &measured);
            if (r != TP_OK)
                return r;
            if (measured <= error_m) {
                *out_reached = true;
                return TP_OK;
            }
        }
        if (!g->heap_size)
            break;
        const uint32_t t = g->heap[0];
        const int32_t at = g->cand[t];
        insert(g, t, add_vertex(g, at % (int32_t)edge, at / (int32_t)edge));
        flush_dirty(g);
    }
    *out_mesh = output(g, shift);
    *out_reached = false;
    return TP_OK;
}

tpt_greedy_mesher *tpt_greedy_create(uint32_t max_edge)
{
    if (max_edge < 3 || max_edge > 129 || log2_exact(max_edge - 1) < 0)
        return NULL;
    tpt_greedy_mesher *g = calloc(1, sizeof *g);
    if (!g)
        return NULL;
    const size_t v = (size_t)max_edge * max_edge, t = 2 * v; /* a triangulation of v points */
    g->max_edge = max_edge;
    g->px = malloc(v * sizeof *g->px);
    g->pz = malloc(v * sizeof *g->pz);
    g->tri = malloc(3 * t * sizeof *g->tri);
    g->opp = malloc(3 * t * sizeof *g->opp);
    g->err = malloc(t * sizeof *g->err);
    g->cand = malloc(t * sizeof *g->cand);
    g->true_err = malloc(t * sizeof *g->true_err);
    g->heap = malloc(t * sizeof *g->heap);
    g->heap_pos = malloc(t * sizeof *g->heap_pos);
    g->dirty = malloc(t * sizeof *g->dirty);
    g->dirty_stamp = malloc(t * sizeof *g->dirty_stamp);
    g->vertices = malloc(v * sizeof *g->vertices);
    g->indices = malloc(3 * t * sizeof *g->indices);
    if (!g->px || !g->pz || !g->tri || !g->opp || !g->err || !g->cand || !g->true_err ||
        !g->heap || !g->heap_pos || !g->dirty || !g->dirty_stamp || !g->vertices || !g->indices) {
        tpt_greedy_free(g);
        return NULL;
    }
    return g;
}

void tpt_greedy_free(tpt_greedy_mesher *g)
{
    if (!g)
        return;
    free(g->px), free(g->pz), free(g->tri), free(g->opp), free(g->err), free(g->cand);
    free(g->true_err), free(g->heap), free(g->heap_pos), free(g->dirty), free(g->dirty_stamp);
    free(g->vertices), free(g->indices);
    free(g);
}
