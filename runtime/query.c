/* query.c — heights, normals and ray hits of the surface actually drawn.
 *
 * "Drawn" means the surface triangles of each chunk's mesh at its best resident LOD (the
 * view for_each() gives), skirts excluded: a height is interpolated barycentrically on
 * the triangle under the point, so a character placed with it stands on the very
 * triangles the renderer shows, not on the finer grid, which differs from them by up to
 * the mesh's error.
 *
 * Finding the triangle. Scanning a LOD-0 mesh (about 1,500 triangles on the default
 * world) would cost microseconds per point; a grid of cells over the chunk, each listing
 * the triangles that overlap its square, brings a point query down to a handful of
 * triangle tests. A ray walks the chunks it crosses (2-D DDA over the chunk grid), skips
 * a chunk whose height range it passes above or below, then walks the cells it crosses
 * in the same way, skipping cells by their height range, and stops at the first cell
 * that ends beyond the nearest hit found so far. The grids are built on first use and
 * cached (query.h says why an entry never goes stale). */
#include <assert.h>
#include <math.h>
#include <string.h>

#include "internal.h"

#define CELL_TARGET_TRIANGLES 2u   /* grid side: about this many triangles per cell */
#define MAX_GRID_SIDE 64u
/* Barycentric slack: a point on an edge shared by two triangles (or a ray through it)
 * must belong to at least one of them despite rounding. */
#define EDGE_EPS 1e-9

/* ---- The cache ---------------------------------------------------------------------------- */

void tp__query_cache_init(tp__query_cache *q, const tp_streamer_allocator *mem)
{
    memset(q, 0, sizeof *q);
    q->mem = mem;
}

static void grid_free(tp__query_cache *q, tp__query_grid *g)
{
    tp__free(q->mem, g->start, g->start_cap * sizeof *g->start);
    tp__free(q->mem, g->tri, g->tri_cap * sizeof *g->tri);
    tp__free(q->mem, g->cell_min_h, g->min_cap * sizeof *g->cell_min_h);
    tp__free(q->mem, g->cell_max_h, g->max_cap * sizeof *g->cell_max_h);
    q->bytes -= g->start_cap * sizeof *g->start + g->tri_cap * sizeof *g->tri +
                (g->min_cap + g->max_cap) * sizeof *g->cell_min_h;
    memset(g, 0, sizeof *g);
}

void tp__query_cache_free(tp__query_cache *q)
{
    for (uint32_t i = 0; i < TP__QUERY_CACHE_ENTRIES; i++)
        grid_free(q, &q->grid[i]);
}

/* Grows an array to hold `need` entries (contents not kept). 0 when the allocator fails
 * (the array is then freed and empty). */
static int reserve(tp__query_cache *q, void **array, size_t *cap, size_t need, size_t elem)
{
    if (*cap >= need)
        return 1;
    tp__free(q->mem, *array, *cap * elem);
    q->bytes -= *cap * elem;
    *cap = 0;
    *array = tp__alloc(q->mem, need * elem);
    if (!*array)
        return 0;
    *cap = need;
    q->bytes += need * elem;
    return 1;
}

static inline uint32_t cell_of(uint32_t coord, uint32_t side)
{
    uint32_t c = (uint32_t)(((uint64_t)coord * side) / TP_MESH_XZ_EXTENT);
    return c < side ? c : side - 1;
}

/* Lists every surface triangle in the cells its bounding square overlaps: counted per
 * cell in a first pass, placed in a second. */
static void triangle_box(const tp_mesh *m, uint32_t t, uint32_t box[4], uint16_t h[2])
{
    const tp_mesh_vertex *a = &m->vertices[m->indices[3 * t]],
                         *b = &m->vertices[m->indices[3 * t + 1]],
                         *c = &m->vertices[m->indices[3 * t + 2]];
    uint32_t x0 = a->x < b->x ? a->x : b->x, x1 = a->x > b->x ? a->x : b->x;
    uint32_t z0 = a->z < b->z ? a->z : b->z, z1 = a->z > b->z ? a->z : b->z;
    uint16_t h0 = a->h < b->h ? a->h : b->h, h1 = a->h > b->h ? a->h : b->h;
    box[0] = c->x < x0 ? c->x : x0, box[1] = c->x > x1 ? c->x : x1;
    box[2] = c->z < z0 ? c->z : z0, box[3] = c->z > z1 ? c->z : z1;
    h[0] = c->h < h0 ? c->h : h0, h[1] = c->h > h1 ? c->h : h1;
}

static int grid_build(tp__query_cache *q, tp__query_grid *g, const tp_mesh *m)
{
    const uint32_t tris = m->skirt_index_start / 3;
    uint32_t side = 1;
    while (side < MAX_GRID_SIDE && (uint64_t)side * side * CELL_TARGET_TRIANGLES < tris)
        side *= 2;
    const uint32_t cells = side * side;
    g->valid = 0;
    if (!reserve(q, (void **)&g->start, &g->start_cap, cells + 1, sizeof *g->start) ||
        !reserve(q, (void **)&g->cell_min_h, &g->min_cap, cells, sizeof *g->cell_min_h) ||
        !reserve(q, (void **)&g->cell_max_h, &g->max_cap, cells, sizeof *g->cell_max_h))
        return 0;
    memset(g->start, 0, (cells + 1) * sizeof *g->start);
    for (uint32_t k = 0; k < cells; k++)
        g->cell_min_h[k] = UINT16_MAX, g->cell_max_h[k] = 0;
    g->min_h = UINT16_MAX, g->max_h = 0;
    uint32_t box[4];
    uint16_t h[2];
    size_t total = 0;
    for (uint32_t t = 0; t < tris; t++) {
        triangle_box(m, t, box, h);
        for (uint32_t j = cell_of(box[2], side); j <= cell_of(box[3], side); j++)
            for (uint32_t i = cell_of(box[0], side); i <= cell_of(box[1], side); i++) {
                uint32_t k = j * side + i;
                g->start[k + 1]++;
                total++;
                g->cell_min_h[k] = h[0] < g->cell_min_h[k] ? h[0] : g->cell_min_h[k];
                g->cell_max_h[k] = h[1] > g->cell_max_h[k] ? h[1] : g->cell_max_h[k];
            }
        g->min_h = h[0] < g->min_h ? h[0] : g->min_h;
        g->max_h = h[1] > g->max_h ? h[1] : g->max_h;
    }
    if (!reserve(q, (void **)&g->tri, &g->tri_cap, total ? total : 1, sizeof *g->tri))
        return 0;
    /* start[k + 1] held cell k's count; make it where cell k begins, then use it as the
     * cursor that places cell k's triangles, which leaves it where cell k ends. */
    uint32_t run = 0;
    for (uint32_t k = 0; k < cells; k++) {
        uint32_t n = g->start[k + 1];
        g->start[k + 1] = run;
        run += n;
    }
    for (uint32_t t = 0; t < tris; t++) {
        triangle_box(m, t, box, h);
        for (uint32_t j = cell_of(box[2], side); j <= cell_of(box[3], side); j++)
            for (uint32_t i = cell_of(box[0], side); i <= cell_of(box[1], side); i++)
                g->tri[g->start[j * side + i + 1]++] = t;
    }
    g->side = side;
    g->vertex_count = m->vertex_count;
    g->surface_index_count = m->skirt_index_start;
    g->valid = 1;
    return 1;
}

/* The grid of (cx, cz, lod), built from `m` if the cache does not hold it; NULL when
 * the allocator fails. */
static const tp__query_grid *grid_for(tp__query_cache *q, int32_t cx, int32_t cz,
                                      uint32_t lod, const tp_mesh *m)
{
    for (uint32_t i = 0; i < TP__QUERY_CACHE_ENTRIES; i++) {
        tp__query_grid *g = &q->grid[i];
        if (g->valid && g->cx == cx && g->cz == cz && g->lod == lod) {
            if (g->vertex_count == m->vertex_count &&
                g->surface_index_count == m->skirt_index_start) {
                g->used = 1;
                return g;
            }
            g->valid = 0; /* not the mesh it was built from: rebuild in place */
            return grid_build(q, g, m) ? g : NULL;
        }
    }
    /* Clock replacement: the first entry not used since the hand last passed it. */
    tp__query_grid *g;
    for (;;) {
        g = &q->grid[q->hand];
        q->hand = (q->hand + 1) % TP__QUERY_CACHE_ENTRIES;
        if (!g->valid || !g->used)
            break;
        g->used = 0;
    }
    g->cx = cx, g->cz = cz, g->lod = lod, g->used = 1;
    return grid_build(q, g, m) ? g : NULL;
}

/* ---- Geometry ---------------------------------------------------------------------------- */

static inline double height_m(uint16_t code)
{
    return TP_HEIGHT_MIN_M + (double)code * TP_HEIGHT_STEP_M;
}

/* A vertex in chunk-local metres: (east, up, north) from the chunk's corner. */
static inline void vertex_m(const tp_mesh_vertex *v, double scale, double out[3])
{
    out[0] = (double)v->x * scale;
    out[1] = height_m(v->h);
    out[2] = (double)v->z * scale;
}

static inline void cross(const double a[3], const double b[3], double out[3])
{
    out[0] = a[1] * b[2] - a[2] * b[1];
    out[1] = a[2] * b[0] - a[0] * b[2];
    out[2] = a[0] * b[1] - a[1] * b[0];
}

static inline double dot(const double a[3], const double b[3])
{
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

/* The unit normal of triangle t, pointing up. */
static void face_normal(const tp_mesh *m, uint32_t t, double scale, double out[3])
{
    double a[3], b[3], c[3], e1[3], e2[3];
    vertex_m(&m->vertices[m->indices[3 * t]], scale, a);
    vertex_m(&m->vertices[m->indices[3 * t + 1]], scale, b);
    vertex_m(&m->vertices[m->indices[3 * t + 2]], scale, c);
    for (int k = 0; k < 3; k++)
        e1[k] = b[k] - a[k], e2[k] = c[k] - a[k];
    cross(e1, e2, out);
    double len = sqrt(dot(out, out));
    if (out[1] < 0.0) /* not for the builder's triangles (they face up); for safety */
        len = -len;
    for (int k = 0; k < 3; k++)
        out[k] /= len;
}

/* Barycentric weights of (u, v) (mesh units) in triangle t; returns the smallest (≥ 0
 * inside or on an edge), or −INFINITY for a degenerate triangle. */
static double barycentric(const tp_mesh *m, uint32_t t, double u, double v, double w[3])
{
    const tp_mesh_vertex *a = &m->vertices[m->indices[3 * t]],
                         *b = &m->vertices[m->indices[3 * t + 1]],
                         *c = &m->vertices[m->indices[3 * t + 2]];
    double xa = a->x, za = a->z, xb = b->x, zb = b->z, xc = c->x, zc = c->z;
    double d = (zb - zc) * (xa - xc) + (xc - xb) * (za - zc);
    if (d == 0.0)
        return -INFINITY;
    w[0] = ((zb - zc) * (u - xc) + (xc - xb) * (v - zc)) / d;
    w[1] = ((zc - za) * (u - xc) + (xa - xc) * (v - zc)) / d;
    w[2] = 1.0 - w[0] - w[1];
    double lo = w[0] < w[1] ? w[0] : w[1];
    return w[2] < lo ? w[2] : lo;
}

/* ---- Heights ----------------------------------------------------------------------------- */

tp_result tp_streamer_height_at(tp_streamer *s, double x_m, double z_m, tp_surface_hit *out_hit)
{
    assert(s && out_hit);
    memset(out_hit, 0, sizeof *out_hit);
    const double size = s->layout.chunk_m;
    const double limit_m = (double)TP_STREAMER_MAX_CHUNK_INDEX * size;
    if (!isfinite(x_m) || !isfinite(z_m) || fabs(x_m) > limit_m || fabs(z_m) > limit_m)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "height query: position (%g, %g) is not finite or too far out",
                             x_m, z_m);
    const int32_t cx = (int32_t)floor(x_m / size), cz = (int32_t)floor(z_m / size);
    uint32_t lod;
    const tp_chunk_mesh *cm = tp__view_mesh(s, cx, cz, &lod);
    if (!cm || cm->geometry.skirt_index_start == 0)
        return TP_ERR_NOT_FOUND;
    const tp_mesh *m = &cm->geometry;
    const tp__query_grid *g = grid_for(&s->queries, cx, cz, lod, m);
    if (!g)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "height query: out of memory");
    /* Mesh units; a point on the chunk's far edge belongs to the next chunk, but
     * rounding can still put it there: clamp. */
    const double per_m = TP_MESH_XZ_EXTENT / size;
    double u = (x_m - (double)cx * size) * per_m, v = (z_m - (double)cz * size) * per_m;
    u = u < 0.0 ? 0.0 : u > TP_MESH_XZ_EXTENT ? TP_MESH_XZ_EXTENT : u;
    v = v < 0.0 ? 0.0 : v > TP_MESH_XZ_EXTENT ? TP_MESH_XZ_EXTENT : v;
    uint32_t i = (uint32_t)(u * g->side / TP_MESH_XZ_EXTENT), j = (uint32_t)(v * g->side / TP_MESH_XZ_EXTENT);
    i = i < g->side ? i : g->side - 1, j = j < g->side ? j : g->side - 1;
    const uint32_t k = j * g->side + i;
    /* The triangle that contains the point; by rounding, perhaps none quite does: then
     * the one it is nearest to being inside. */
    double best = -INFINITY, w[3], bw[3] = {0};
    uint32_t best_t = UINT32_MAX;
    for (uint32_t n = g->start[k]; n < g->start[k + 1]; n++) {
        uint32_t t = g->tri[n];
        double lo = barycentric(m, t, u, v, w);
        if (lo > best) {
            best = lo, best_t = t;
            memcpy(bw, w, sizeof w);
            if (lo >= 0.0)
                break;
        }
    }
    if (best_t == UINT32_MAX)
        return TP_ERR_NOT_FOUND; /* no surface triangle over this cell: not a builder mesh */
    const uint16_t *idx = &m->indices[3 * best_t];
    out_hit->position_m[0] = x_m;
    out_hit->position_m[1] = bw[0] * height_m(m->vertices[idx[0]].h) +
                             bw[1] * height_m(m->vertices[idx[1]].h) +
                             bw[2] * height_m(m->vertices[idx[2]].h);
    out_hit->position_m[2] = z_m;
    face_normal(m, best_t, size / TP_MESH_XZ_EXTENT, out_hit->normal);
    out_hit->cx = cx, out_hit->cz = cz;
    out_hit->lod = lod;
    out_hit->triangle = best_t;
    return TP_OK;
}

/* ---- Rays -------------------------------------------------------------------------------- */

/* A 2-D walk over square cells of side `cell` along o + t·d (Amanatides and Woo). */
typedef struct walk {
    int64_t ix, iz;
    int sx, sz;
    double next_x, next_z;   /* t at which the ray crosses into the next column / row */
    double step_x, step_z;   /* t between two crossings */
} walk;

static void walk_start(walk *w, double ox, double oz, double dx, double dz, double cell,
                       double t)
{
    w->ix = (int64_t)floor((ox + dx * t) / cell);
    w->iz = (int64_t)floor((oz + dz * t) / cell);
    w->sx = dx > 0.0 ? 1 : dx < 0.0 ? -1 : 0;
    w->sz = dz > 0.0 ? 1 : dz < 0.0 ? -1 : 0;
    w->next_x = w->sx ? ((double)(w->ix + (w->sx > 0)) * cell - ox) / dx : INFINITY;
    w->next_z = w->sz ? ((double)(w->iz + (w->sz > 0)) * cell - oz) / dz : INFINITY;
    w->step_x = w->sx ? cell / fabs(dx) : INFINITY;
    w->step_z = w->sz ? cell / fabs(dz) : INFINITY;
}

static inline double walk_exit(const walk *w)
{
    return w->next_x < w->next_z ? w->next_x : w->next_z;
}

static inline void walk_next(walk *w)
{
    if (w->next_x < w->next_z)
        w->ix += w->sx, w->next_x += w->step_x;
    else
        w->iz += w->sz, w->next_z += w->step_z;
}

/* 1 when the ray's height over [t0, t1] meets [lo_m, hi_m]. */
static inline int spans(double oy, double dy, double t0, double t1, double lo_m, double hi_m)
{
    double y0 = oy + dy * t0, y1 = oy + dy * t1;
    double a = y0 < y1 ? y0 : y1, b = y0 < y1 ? y1 : y0;
    return b >= lo_m - 1e-6 && a <= hi_m + 1e-6;
}

/* Möller–Trumbore against triangle t in chunk-local metres; the distance, or INFINITY. */
static double ray_triangle(const tp_mesh *m, uint32_t t, double scale, const double o[3],
                           const double d[3])
{
    double a[3], b[3], c[3], e1[3], e2[3], p[3], q[3], r[3];
    vertex_m(&m->vertices[m->indices[3 * t]], scale, a);
    vertex_m(&m->vertices[m->indices[3 * t + 1]], scale, b);
    vertex_m(&m->vertices[m->indices[3 * t + 2]], scale, c);
    for (int k = 0; k < 3; k++)
        e1[k] = b[k] - a[k], e2[k] = c[k] - a[k], r[k] = o[k] - a[k];
    cross(d, e2, p);
    double det = dot(e1, p);
    if (det == 0.0)
        return INFINITY; /* parallel to the triangle's plane */
    double inv = 1.0 / det;
    double u = dot(r, p) * inv;
    if (u < -EDGE_EPS || u > 1.0 + EDGE_EPS)
        return INFINITY;
    cross(r, e1, q);
    double v = dot(d, q) * inv;
    if (v < -EDGE_EPS || u + v > 1.0 + EDGE_EPS)
        return INFINITY;
    double dist = dot(e2, q) * inv;
    return dist >= 0.0 ? dist : INFINITY;
}

typedef struct ray_best {
    double t;
    int32_t cx, cz;
    uint32_t lod, triangle;
    const tp_mesh *mesh;
} ray_best;

/* The nearest hit within one chunk, over [t0, t1] of the ray (world o, unit d). */
static int ray_chunk(tp_streamer *s, int32_t cx, int32_t cz, const double o[3],
                     const double d[3], double t0, double t1, ray_best *best)
{
    uint32_t lod;
    const tp_chunk_mesh *cm = tp__view_mesh(s, cx, cz, &lod);
    if (!cm || cm->geometry.skirt_index_start == 0)
        return 1; /* nothing drawn here: the ray goes on */
    const tp_mesh *m = &cm->geometry;
    const tp__query_grid *g = grid_for(&s->queries, cx, cz, lod, m);
    if (!g)
        return 0;
    if (!spans(o[1], d[1], t0, t1, height_m(g->min_h), height_m(g->max_h)))
        return 1;
    const double size = s->layout.chunk_m, scale = size / TP_MESH_XZ_EXTENT;
    const double local[3] = {o[0] - (double)cx * size, o[1], o[2] - (double)cz * size};
    const double cell = size / g->side;
    walk w;
    walk_start(&w, local[0], local[2], d[0], d[2], cell, t0);
    for (double enter = t0; enter <= t1 && enter <= best->t;) {
        double exit = walk_exit(&w);
        exit = exit < t1 ? exit : t1;
        int64_t i = w.ix < 0 ? 0 : w.ix >= g->side ? g->side - 1 : w.ix;
        int64_t j = w.iz < 0 ? 0 : w.iz >= g->side ? g->side - 1 : w.iz;
        uint32_t k = (uint32_t)(j * g->side + i);
        if (spans(o[1], d[1], enter, exit, height_m(g->cell_min_h[k]),
                  height_m(g->cell_max_h[k])))
            for (uint32_t n = g->start[k]; n < g->start[k + 1]; n++) {
                uint32_t t = g->tri[n];
                double dist = ray_triangle(m, t, scale, local, d);
                if (dist < best->t) {
                    *best = (ray_best){dist, cx, cz, lod, t, m};
                }
            }
        if (exit >= t1 || (w.sx == 0 && w.sz == 0))
            break; /* the chunk's part of the ray ends here (vertical: one cell) */
        if ((w.sx > 0 && w.ix >= (int64_t)g->side - 1 && w.next_x <= w.next_z) ||
            (w.sx < 0 && w.ix <= 0 && w.next_x <= w.next_z) ||
            (w.sz > 0 && w.iz >= (int64_t)g->side - 1 && w.next_z < w.next_x) ||
            (w.sz < 0 && w.iz <= 0 && w.next_z < w.next_x))
            break; /* the next cell is outside the chunk */
        walk_next(&w);
        enter = exit;
    }
    return 1;
}

tp_result tp_streamer_raycast(tp_streamer *s, const double origin_m[3],
                              const double direction[3], double max_distance_m,
                              tp_surface_hit *out_hit)
{
    assert(s && origin_m && direction && out_hit);
    memset(out_hit, 0, sizeof *out_hit);
    const double size = s->layout.chunk_m;
    const double limit_m = (double)TP_STREAMER_MAX_CHUNK_INDEX * size;
    double len = sqrt(dot(direction, direction));
    int ok = isfinite(len) && len > 0.0 && isfinite(max_distance_m) && max_distance_m >= 0.0 &&
             max_distance_m <= TP_STREAMER_MAX_RAY_CHUNKS * size;
    for (int k = 0; k < 3; k++)
        ok = ok && isfinite(origin_m[k]) && fabs(origin_m[k]) <= limit_m;
    if (!ok)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "ray cast: origin, direction (zero?) or distance %g m is invalid "
                             "(at most %u chunk lengths)",
                             max_distance_m, TP_STREAMER_MAX_RAY_CHUNKS);
    const double d[3] = {direction[0] / len, direction[1] / len, direction[2] / len};
    ray_best best = {INFINITY, 0, 0, 0, 0, NULL};
    walk w;
    walk_start(&w, origin_m[0], origin_m[2], d[0], d[2], size, 0.0);
    for (double enter = 0.0; enter <= max_distance_m && enter <= best.t;) {
        double exit = walk_exit(&w);
        exit = exit < max_distance_m ? exit : max_distance_m;
        if (w.ix >= -(int64_t)TP_STREAMER_MAX_CHUNK_INDEX - 1 &&
            w.ix <= TP_STREAMER_MAX_CHUNK_INDEX && w.iz >= -(int64_t)TP_STREAMER_MAX_CHUNK_INDEX - 1 &&
            w.iz <= TP_STREAMER_MAX_CHUNK_INDEX &&
            !ray_chunk(s, (int32_t)w.ix, (int32_t)w.iz, origin_m, d, enter, exit, &best))
            return tp__error_set(TP_ERR_OUT_OF_MEMORY, "ray cast: out of memory");
        if (exit >= max_distance_m || (w.sx == 0 && w.sz == 0))
            break;
        walk_next(&w);
        enter = exit;
    }
    if (!best.mesh || best.t > max_distance_m)
        return TP_ERR_NOT_FOUND;
    for (int k = 0; k < 3; k++)
        out_hit->position_m[k] = origin_m[k] + d[k] * best.t;
    face_normal(best.mesh, best.triangle, size / TP_MESH_XZ_EXTENT, out_hit->normal);
    out_hit->distance_m = best.t;
    out_hit->cx = best.cx, out_hit->cz = best.cz;
    out_hit->lod = best.lod;
    out_hit->triangle = best.triangle;
    return TP_OK;
}
