/* mesh_build.c — the mesh of one chunk at one LOD: the seam rule, the triangulation
 * (mesh_tin.c), the order of the output, normals, and the error against full
 * resolution. (Skirts come from tp_mesh_add_skirts in formats/, which the decoder also
 * uses, so they never need storing.)
 *
 * Seams. Which border samples become vertices must follow from the border samples
 * alone: the neighbour sees the same border but not this interior. So the border is
 * decided first, by a rule that reads only it, and the interior adapts:
 *   the seam rule is 1-D bisection along each side: a side is split from the chunk
 *   corners; a segment's midpoint is a vertex when any border sample strictly inside
 *   the segment leaves the chord of its ends by more than the build error, and then
 *   both halves are decided alike. A flat side costs its two corners; the same test, on
 *   the same samples, gives the neighbour the same vertices.
 * Every segment between two border vertices is then within the build error of its
 * chord, so the triangulation never needs a border sample as a vertex: it takes the
 * border polygon as given and never changes it (border edges do not flip).
 *
 * The interior: greedy insertion (mesh_tin.c). Starting from the border polygon, the
 * sample that misses the surface most becomes a vertex, the triangulation is made
 * Delaunay again, and so on until every sample is within the build error — checked
 * exactly, in integers, against every sample under every triangle. Greedy insertion
 * puts vertices where the surface needs them at any angle, where the right-triangle
 * hierarchy used before could only halve hypotenuses: on the default world it needs
 * 0.53× the triangles at LOD 0 (mesh_tin.c).
 *
 * Order. Triangles follow a Hilbert curve through their centroids and vertices come in
 * first-use order: neighbouring triangles are close in the index buffer, which is what
 * a vertex cache and the delta codec want. Every key is an integer and unique, so the
 * order is the same on every machine.
 */
#include "terrapage/mesh.h"

#include <stdlib.h>
#include <string.h>

#include "mesh_order.h"
#include "mesh_tin.h"

typedef struct pt {
    int32_t x, z;
} pt;

typedef struct builder {
    const uint16_t *h;
    uint32_t e;       /* samples per edge */
    int32_t n;        /* e − 1, a power of two */
    int64_t lim16;    /* build error in 1/16 height codes (1/256 m), rounded down */
    uint32_t *border; /* the border vertices the seam rule chose, corners excluded */
    uint32_t border_count;
} builder;

static inline uint32_t at(const builder *b, pt p)
{
    return (uint32_t)p.z * b->e + (uint32_t)p.x;
}

static inline pt P(int32_t x, int32_t z)
{
    pt p = {x, z};
    return p;
}

static int64_t cross2(int64_t ax, int64_t az, int64_t bx, int64_t bz)
{
    return ax * bz - az * bx;
}

/* Floor and ceiling of a / d for d > 0 (C's '/' truncates towards zero). */
static inline int64_t floor_div(int64_t a, int64_t d)
{
    return a >= 0 ? a / d : -((-a + d - 1) / d);
}

static inline int64_t ceil_div(int64_t a, int64_t d)
{
    return -floor_div(-a, d);
}

/* The samples of one row under a triangle: the dx in [0, width] at which all three
 * barycentric numerators w[k] + slope[k] · dx are ≥ 0, as [*out_lo, *out_hi] (empty when
 * *out_lo > *out_hi). */
static inline void row_span(const int64_t w[3], const int64_t slope[3], int64_t width,
                            int64_t *out_lo, int64_t *out_hi)
{
    int64_t lo = 0, hi = width;
    for (int k = 0; k < 3; k++) {
        if (slope[k] > 0)
            lo = ceil_div(-w[k], slope[k]) > lo ? ceil_div(-w[k], slope[k]) : lo;
        else if (slope[k] < 0)
            hi = floor_div(w[k], -slope[k]) < hi ? floor_div(w[k], -slope[k]) : hi;
        else if (w[k] < 0)
            hi = -1;
    }
    *out_lo = lo;
    *out_hi = hi;
}

/* The seam rule on one side (see the top). The segment lo … hi (positions along the
 * side from `origin` in steps of `t`) splits at its midpoint when any sample strictly
 * inside leaves the chord by more than the build error; then both halves are decided
 * the same way. Only border samples are read, so both chunks of a seam decide alike. */
static void seam_side(builder *b, pt origin, pt t, int32_t lo, int32_t hi)
{
    while (hi - lo >= 2) {
        const int64_t len = hi - lo;
        const int64_t ha = b->h[at(b, P(origin.x + lo * t.x, origin.z + lo * t.z))];
        const int64_t hb = b->h[at(b, P(origin.x + hi * t.x, origin.z + hi * t.z))];
        int need = 0;
        for (int32_t k = lo + 1; k < hi && !need; k++) {
            int64_t dev = len * b->h[at(b, P(origin.x + k * t.x, origin.z + k * t.z))] -
                          ((hi - k) * ha + (k - lo) * hb);
            if (dev < 0)
                dev = -dev;
            need = 16 * dev > b->lim16 * len;
        }
        if (!need)
            return;
        const int32_t mid = lo + (hi - lo) / 2;
        b->border[b->border_count++] = at(b, P(origin.x + mid * t.x, origin.z + mid * t.z));
        seam_side(b, origin, t, lo, mid);
        lo = mid;
    }
}

static void seams(builder *b)
{
    const int32_t n = b->n;
    b->border_count = 0;
    seam_side(b, P(0, 0), P(1, 0), 0, n);
    seam_side(b, P(0, n), P(1, 0), 0, n);
    seam_side(b, P(0, 0), P(0, 1), 0, n);
    seam_side(b, P(n, 0), P(0, 1), 0, n);
}

/* ---- output ---------------------------------------------------------------------- */

typedef struct emitter {
    const builder *b;
    const uint16_t *apron;
    double slope_scale;  /* 32 · metres per sample: a height-code difference over two
                            samples against this gives the slope */
    unsigned shift;      /* grid index → chunk-local position */
    tp_mesh_vertex *v;
    uint32_t vcap, vcount;
    uint16_t *idx;
    uint32_t icap, icount;
    tp_result status;
} emitter;

static int8_t snorm8(double u)
{
    double s = u * 127.0;
    int32_t q = s >= 0 ? (int32_t)(s + 0.5) : -(int32_t)(-s + 0.5);
    return (int8_t)(q > 127 ? 127 : q < -127 ? -127 : q);
}

/* Central differences of the grid (the apron past the border, or one-sided differences
 * scaled to the same baseline without it), in hemi-octahedral form. The unnormalised
 * normal is (−gx, k, −gz) and the octahedral map divides by its L1 norm, so no square
 * root is needed: two correctly rounded IEEE divisions and a multiplication, the same on
 * every machine that evaluates doubles as doubles (FLT_EVAL_METHOD 0, as the generator
 * also assumes). */
static void vertex_normal(const emitter *em, pt p, tp_mesh_vertex *out)
{
    const builder *b = em->b;
    const uint16_t *h = b->h;
    const int32_t n = b->n;
    const uint32_t e = b->e;
    const uint16_t *apron = em->apron;
    const int32_t here = h[at(b, p)];
    int32_t gx, gz;
    if (p.x > 0 && p.x < n)
        gx = (int32_t)h[at(b, P(p.x + 1, p.z))] - h[at(b, P(p.x - 1, p.z))];
    else if (p.x == 0)
        gx = apron ? (int32_t)h[at(b, P(1, p.z))] - apron[TP_MESH_APRON_X_MINUS * e + (uint32_t)p.z]
                   : 2 * ((int32_t)h[at(b, P(1, p.z))] - here);
    else
        gx = apron ? (int32_t)apron[TP_MESH_APRON_X_PLUS * e + (uint32_t)p.z] - h[at(b, P(n - 1, p.z))]
                   : 2 * (here - h[at(b, P(n - 1, p.z))]);
    if (p.z > 0 && p.z < n)
        gz = (int32_t)h[at(b, P(p.x, p.z + 1))] - h[at(b, P(p.x, p.z - 1))];
    else if (p.z == 0)
        gz = apron ? (int32_t)h[at(b, P(p.x, 1))] - apron[TP_MESH_APRON_Z_MINUS * e + (uint32_t)p.x]
                   : 2 * ((int32_t)h[at(b, P(p.x, 1))] - here);
    else
        gz = apron ? (int32_t)apron[TP_MESH_APRON_Z_PLUS * e + (uint32_t)p.x] - h[at(b, P(p.x, n - 1))]
                   : 2 * (here - h[at(b, P(p.x, n - 1))]);
    double l1 = (double)(gx < 0 ? -gx : gx) + (double)(gz < 0 ? -gz : gz) + em->slope_scale;
    out->n_u = snorm8((double)(-gx - gz) / l1);
    out->n_v = snorm8((double)(gz - gx) / l1);
}

/* Appends the vertex at grid point p. @return its number. */
static uint32_t add_vertex(emitter *em, pt p)
{
    if (em->vcount >= TP_MESH_MAX_VERTICES) {
        em->status = TP_ERR_OUT_OF_RANGE;
        return 0;
    }
    if (em->vcount >= em->vcap) {
        em->status = TP_ERR_BUFFER_TOO_SMALL;
        return 0;
    }
    tp_mesh_vertex *v = &em->v[em->vcount];
    v->x = (uint16_t)((uint32_t)p.x << em->shift);
    v->z = (uint16_t)((uint32_t)p.z << em->shift);
    v->h = em->b->h[at(em->b, p)];
    vertex_normal(em, p, v);
    return em->vcount++;
}

/* One triangle as given: callers wind it to face up, clockwise in (x, z). */
static void triangle(emitter *em, uint32_t i0, uint32_t i1, uint32_t i2)
{
    if (em->status != TP_OK)
        return;
    if (em->icap - em->icount < 3) {
        em->status = TP_ERR_BUFFER_TOO_SMALL;
        return;
    }
    em->idx[em->icount++] = (uint16_t)i0;
    em->idx[em->icount++] = (uint16_t)i1;
    em->idx[em->icount++] = (uint16_t)i2;
}

/* The regular grid (TP_MESH_BUILD_REGULAR_GRID): every sample, vertices row by row, and
 * each cell split along the diagonal through its corner with both coordinates odd — the
 * fully refined right-triangle hierarchy, so its errors compare with earlier figures. */
static void emit_regular_grid(emitter *em)
{
    const builder *b = em->b;
    const int32_t n = b->n;
    if ((uint64_t)b->e * b->e > TP_MESH_MAX_VERTICES) {
        em->status = TP_ERR_OUT_OF_RANGE;
        return;
    }
    for (int32_t z = 0; z <= n; z++)
        for (int32_t x = 0; x <= n; x++)
            add_vertex(em, P(x, z));
    for (int32_t z = 0; z < n; z++)
        for (int32_t x = 0; x < n; x++) {
            const uint32_t v00 = at(b, P(x, z)), v10 = v00 + 1, v01 = v00 + b->e, v11 = v01 + 1;
            if ((x & 1) == (z & 1)) { /* odd corner (x + 1, z + 1) or (x, z): diagonal 00–11 */
                triangle(em, v00, v11, v10);
                triangle(em, v00, v01, v11);
            } else {                  /* diagonal 10–01 */
                triangle(em, v00, v01, v10);
                triangle(em, v10, v01, v11);
            }
        }
}

/* The triangulation's triangles in vertex-cache order (mesh_order.c), tuned for a
 * 24-entry FIFO: on the default world's LOD-0 meshes that gives 0.83 cache misses per
 * triangle with a 16-entry FIFO and 0.74 with a 32-entry one, where the fewest possible
 * (one per vertex) is 0.71 — these meshes are small, so their border vertices weigh;
 * tuned for 16 it gives 0.79 and 0.76. Vertices in first-use order. */
static void emit_tin(emitter *em, const tp__tin *tin)
{
    uint32_t *order = tin->spare;
    uint32_t *remap = order + tin->triangle_count; /* vertex + 1, 0: none yet */
    uint32_t *work = remap + tin->vertex_count;
    work += (uintptr_t)work & 4u ? 1 : 0; /* 8-byte aligned for the order's keys */
    tp__mesh_order(tin, 24, work, order);
    memset(remap, 0, sizeof *remap * tin->vertex_count);
    for (uint32_t i = 0; i < tin->triangle_count && em->status == TP_OK; i++) {
        const int32_t *v = tin->tri + 3 * (size_t)order[i];
        uint32_t out[3];
        for (int k = 0; k < 3; k++) {
            if (!remap[v[k]])
                remap[v[k]] = add_vertex(em, P(tin->px[v[k]], tin->pz[v[k]])) + 1;
            out[k] = remap[v[k]] - 1;
        }
        /* The triangulation winds counter-clockwise in (x, z); the mesh faces up. */
        triangle(em, out[0], out[2], out[1]);
    }
}

/* ---- defaults -------------------------------------------------------------------- */

/* The error budget. A LOD-k mesh can only be as close to the full-resolution heights as
 * the LOD-k grid itself: between its samples, 2^k − 1 of every 2^k full-resolution
 * samples are simply not there. Its distance to the full grid is at most the build
 * error (mesh against its own grid, guaranteed by construction) plus the sampling error
 * (the LOD-k grid's own triangles against the full grid), so the target must cover both.
 *
 * Sampling error of the regular LOD-k grid against LOD 0, every chunk of the default
 * world (64 × 64 chunks around the origin, generator version 1):
 *              median    99th pct   worst
 *      LOD 1   0.25 m     5.0 m      8.7 m
 *      LOD 2   0.44 m     9.9 m     15.3 m
 *      LOD 3   0.76 m    19.8 m     34.7 m
 *      LOD 4   1.25 m    37.0 m     55.6 m
 * The worst chunks are sharp ridge crests, a sample or two wide, that a coarser grid
 * steps over; no mesh built from the coarse grid can do better there. The worst case
 * stays under 9 m · 2^(k−1), doubling per level as it should where slope, not
 * curvature, limits the error.
 *
 * So the target is 6 m · 2^k for k ≥ 1: 9 m · 2^(k−1) for sampling plus the build error
 * plus a margin. LOD 0 has no sampling error: its target is its build error, 0.5 m.
 *
 * The build error of the coarser LODs is 0.75 m · 2^k (1.5, 3, 6, 12 m): an eighth of
 * the target, doubling per level like the distance at which a runtime switches LODs,
 * and together with the worst sampling error still 1/8 under the target. It was
 * 0.5 m · 2^k; over every chunk of the default world (generator version 2, `terrapage
 * bench mesh`) 0.75 m · 2^k costs 37 % fewer triangles at LODs 1–4 for a mean recorded
 * error of 1.5, 2.8, 5.2, 9.4 m instead of 1.0, 2.0, 3.7, 6.9 m, and the same maxima
 * (2.9, 5.7, 12.9, 34.3 m: those are sampling error). Against the regular grid at equal
 * error the ratio hardly moves (LOD 4: 3.04× against 2.94×) — the LOD's grid limits
 * what any mesh built from it can reach — so the choice is only where on the
 * triangles-for-error curve each LOD sits, and one a screen-space-error runtime
 * reaches a little later for a coarse LOD is the cheaper place. */
double tp_mesh_lod_target_error_m(uint32_t lod)
{
    double t = 6.0;
    if (lod == 0)
        return tp_mesh_lod_build_error_m(0);
    for (uint32_t k = 0; k < lod && k < 60; k++)
        t *= 2.0;
    return t;
}

double tp_mesh_lod_build_error_m(uint32_t lod)
{
    double e = lod ? 0.75 : 0.5;
    for (uint32_t k = 0; k < lod && k < 60; k++)
        e *= 2.0;
    return e;
}

double tp_mesh_lod_skirt_depth_m(uint32_t lod, uint32_t lod_count)
{
    uint32_t coarsest = lod_count ? lod_count - 1 : lod;
    if (coarsest < lod)
        coarsest = lod;
    return tp_mesh_lod_target_error_m(lod) + tp_mesh_lod_target_error_m(coarsest);
}

/* ---- public ---------------------------------------------------------------------- */

static int log2_exact(uint32_t v) /* −1 unless v is a power of two */
{
    if (!v || (v & (v - 1)))
        return -1;
    int l = 0;
    while (v > 1) {
        v >>= 1;
        l++;
    }
    return l;
}

static int finite_in(double v, double lo, double hi)
{
    return v == v && v >= lo && v <= hi; /* NaN fails the first test */
}

void tp_mesh_build_bound(uint32_t edge, uint32_t *out_max_vertices, uint32_t *out_max_indices)
{
    /* The regular grid and its skirts — but never more than a 16-bit mesh can hold: a
     * triangulated square has fewer than 2 triangles per vertex and the skirts 2 per
     * border vertex, so at most 2 · 65535 triangles in all. */
    uint64_t n = edge > 1 ? edge - 1u : 0;
    uint64_t v = (uint64_t)edge * edge + 4 * n, i = 6 * n * n + 24 * n;
    if (out_max_vertices)
        *out_max_vertices = (uint32_t)(v < TP_MESH_MAX_VERTICES ? v : TP_MESH_MAX_VERTICES);
    if (out_max_indices)
        *out_max_indices = (uint32_t)(i < 6u * TP_MESH_MAX_VERTICES ? i : 6u * TP_MESH_MAX_VERTICES);
}

/* The most vertices a triangulation of the edge² grid may take: all of them, or what a
 * 16-bit mesh can hold. */
static uint32_t tin_max_vertices(uint32_t edge)
{
    const uint64_t all = (uint64_t)edge * edge;
    return all < TP_MESH_MAX_VERTICES ? (uint32_t)all : TP_MESH_MAX_VERTICES;
}

/* Scratch: the border list (at most 4 · (edge − 1) points), then the triangulation's. */
static size_t border_list_bytes(uint32_t edge)
{
    return ((size_t)4 * (edge - 1) * sizeof(uint32_t) + 7u) & ~(size_t)7u;
}

size_t tp_mesh_build_scratch_size(uint32_t edge)
{
    int l = edge >= 3 ? log2_exact(edge - 1) : -1;
    if (l < 1 || l > 14)
        return 0;
    /* + 3: the border list needs 4-byte alignment; the caller's pointer may have any. */
    return border_list_bytes(edge) + 3u + tp__tin_scratch_size(tin_max_vertices(edge));
}

tp_result tp_mesh_build(const uint16_t *heights, uint32_t edge, const tp_mesh_build_options *options,
                        void *scratch, size_t scratch_size, tp_mesh_vertex *out_vertices,
                        uint32_t vertex_capacity, uint16_t *out_indices, uint32_t index_capacity,
                        tp_mesh *out_mesh)
{
    if (!out_mesh)
        return TP_ERR_INVALID_ARGUMENT;
    memset(out_mesh, 0, sizeof *out_mesh);
    static const tp_mesh_build_options defaults = {0};
    const tp_mesh_build_options *o = options ? options : &defaults;
    size_t need = tp_mesh_build_scratch_size(edge);
    if (!heights || !scratch || !out_vertices || !out_indices || !need)
        return TP_ERR_INVALID_ARGUMENT;
    if (o->reserved0 || o->reserved[0] || o->reserved[1] || o->reserved[2] || o->reserved[3] ||
        (o->flags & ~(TP_MESH_BUILD_NO_SKIRTS | TP_MESH_BUILD_REGULAR_GRID)) ||
        !finite_in(o->chunk_size_m, 0.0, 1e9) || !finite_in(o->max_error_m, 0.0, 65536.0) ||
        !finite_in(o->skirt_depth_m, 0.0, 65536.0) || o->lod > 31 || o->lod_count > 32)
        return TP_ERR_INVALID_ARGUMENT;
    if (scratch_size < need)
        return TP_ERR_BUFFER_TOO_SMALL;

    const int log_n = log2_exact(edge - 1);
    const double chunk_m = o->chunk_size_m > 0 ? o->chunk_size_m : 256.0;
    const double error_m = o->max_error_m > 0 ? o->max_error_m : tp_mesh_lod_build_error_m(o->lod);
    uint32_t lod_count = o->lod_count;
    if (!lod_count) {
        int log_n0 = log_n + (int)o->lod; /* down to 9 samples (n = 8) */
        lod_count = log_n0 > 3 ? (uint32_t)(log_n0 - 2) : o->lod + 1;
    }
    const double skirt_m = o->skirt_depth_m > 0 ? o->skirt_depth_m
                                                : tp_mesh_lod_skirt_depth_m(o->lod, lod_count);

    builder b;
    b.h = heights;
    b.e = edge;
    b.n = (int32_t)(edge - 1);
    b.border = (uint32_t *)(((uintptr_t)scratch + 3u) & ~(uintptr_t)3u);
    b.border_count = 0;
    b.lim16 = (int64_t)(error_m * 256.0);

    emitter em;
    em.b = &b;
    em.apron = o->apron;
    em.slope_scale = 32.0 * (chunk_m / (double)b.n);
    em.shift = 15u - (unsigned)log_n;
    em.v = out_vertices;
    em.vcap = vertex_capacity;
    em.vcount = 0;
    em.idx = out_indices;
    em.icap = index_capacity;
    em.icount = 0;
    em.status = TP_OK;

    if (o->flags & TP_MESH_BUILD_REGULAR_GRID) {
        emit_regular_grid(&em);
    } else {
        seams(&b);
        tp__tin tin;
        tp_result r = tp__tin_build(heights, edge, b.border, b.border_count, b.lim16,
                                    tin_max_vertices(edge),
                                    (uint8_t *)b.border + border_list_bytes(edge), &tin);
        if (r != TP_OK)
            return r;
        emit_tin(&em, &tin);
    }
    if (em.status != TP_OK)
        return em.status;

    tp_mesh mesh = {out_vertices, out_indices, em.vcount, em.icount, em.vcount, em.icount, 0};
    if (!(o->flags & TP_MESH_BUILD_NO_SKIRTS)) {
        /* The codec rebuilds skirts with the same function, so they need not be stored. */
        double codes = skirt_m * 16.0;
        uint32_t depth = (uint32_t)codes;
        depth += (double)depth < codes; /* round up: never shallower than asked */
        tp_result r = tp_mesh_add_skirts(&mesh, vertex_capacity, index_capacity,
                                         depth > 65535 ? 65535 : depth);
        if (r != TP_OK)
            return r;
    }
    *out_mesh = mesh;
    return TP_OK;
}

/* ---- error against the full grid ------------------------------------------------- */

/* The smallest float ≥ num / den / 16 (metres from height codes), num ≤ 2^37 and
 * den ≤ 2^21: f · 16 · den then has at most 45 significant bits, so the comparison with
 * num is exact in double and the result never understates. */
static float metres_rounded_up(int64_t num, int64_t den)
{
    float f = (float)((double)num / (double)den * 0.0625);
    while ((double)f * 16.0 * (double)den < (double)num) {
        uint32_t bits;
        memcpy(&bits, &f, sizeof bits);
        bits++;
        memcpy(&f, &bits, sizeof f);
    }
    return f;
}

tp_result tp_mesh_max_error(const tp_mesh *mesh, const uint16_t *full, uint32_t full_edge,
                            float *out_error_m)
{
    if (!mesh || !full || !out_error_m || (mesh->skirt_index_start && (!mesh->vertices || !mesh->indices)))
        return TP_ERR_INVALID_ARGUMENT;
    int log_n = log2_exact(full_edge - 1);
    if (full_edge < 3 || log_n < 1 || log_n > 10 || mesh->skirt_index_start > mesh->index_count ||
        mesh->skirt_index_start % 3)
        return TP_ERR_INVALID_ARGUMENT;
    const unsigned shift = 15u - (unsigned)log_n;
    /* Largest |deviation| so far as the fraction num / den (in height codes). */
    int64_t best_num = 0, best_den = 1;
    for (uint32_t t = 0; t < mesh->skirt_index_start; t += 3) {
        int64_t x[3], z[3], h[3];
        for (int k = 0; k < 3; k++) {
            uint32_t i = mesh->indices[t + (uint32_t)k];
            if (i >= mesh->vertex_count)
                return TP_ERR_CORRUPT;
            const tp_mesh_vertex *v = &mesh->vertices[i];
            if ((v->x & ((1u << shift) - 1)) || (v->z & ((1u << shift) - 1)) ||
                v->x > TP_MESH_XZ_EXTENT || v->z > TP_MESH_XZ_EXTENT)
                return TP_ERR_INVALID_ARGUMENT;
            x[k] = v->x >> shift, z[k] = v->z >> shift, h[k] = v->h;
        }
        int64_t det = cross2(x[1] - x[0], z[1] - z[0], x[2] - x[0], z[2] - z[0]);
        if (det == 0)
            continue; /* covers no area */
        if (det < 0) { /* wind it the other way: the weights below are then ≥ 0 inside */
            int64_t swap;
            swap = x[1], x[1] = x[2], x[2] = swap;
            swap = z[1], z[1] = z[2], z[2] = swap;
            swap = h[1], h[1] = h[2], h[2] = swap;
            det = -det;
        }
        int64_t x0 = x[0], x1 = x[0], z0 = z[0], z1 = z[0];
        for (int k = 1; k < 3; k++) {
            x0 = x[k] < x0 ? x[k] : x0, x1 = x[k] > x1 ? x[k] : x1;
            z0 = z[k] < z0 ? z[k] : z0, z1 = z[k] > z1 ? z[k] : z1;
        }
        /* Barycentric numerators along a row, as in exceeds_any(): each row's span comes
         * from the edge functions, so only samples under the triangle are visited. */
        const int64_t a1 = z[2] - z[0], a2 = -(z[1] - z[0]), a0 = -a1 - a2;
        const int64_t step = h[0] * a0 + h[1] * a1 + h[2] * a2;
        for (int64_t pz = z0; pz <= z1; pz++) {
            const int64_t w1 = cross2(x0 - x[0], pz - z[0], x[2] - x[0], z[2] - z[0]);
            const int64_t w2 = cross2(x[1] - x[0], z[1] - z[0], x0 - x[0], pz - z[0]);
            const int64_t w[3] = {det - w1 - w2, w1, w2}, slope[3] = {a0, a1, a2};
            int64_t lo, hi;
            row_span(w, slope, x1 - x0, &lo, &hi);
            int64_t plane = h[0] * (w[0] + a0 * lo) + h[1] * (w[1] + a1 * lo) + h[2] * (w[2] + a2 * lo);
            const uint16_t *row = full + (size_t)pz * full_edge + x0;
            for (int64_t dx = lo; dx <= hi; dx++) {
                int64_t dev = (int64_t)row[dx] * det - plane;
                if (dev < 0)
                    dev = -dev;
                if (dev * best_den > best_num * det)
                    best_num = dev, best_den = det;
                plane += step;
            }
        }
    }
    *out_error_m = metres_rounded_up(best_num, best_den);
    return TP_OK;
}

/* ---- aprons ---------------------------------------------------------------------- */

tp_result tp_mesh_apron_generate(const tp_world_params *world, int32_t cx, int32_t cz,
                                 uint32_t lod, uint16_t *out_apron)
{
    if (!world || !out_apron || lod >= tp_world_lod_count(world))
        return TP_ERR_INVALID_ARGUMENT;
    const uint32_t e = tp_world_lod_edge(world, lod);
    const int64_t n0 = (int64_t)world->samples_per_edge - 1, step = (int64_t)1 << lod;
    const int64_t gx0 = (int64_t)cx * n0, gz0 = (int64_t)cz * n0;
    /* Four strips one sample wide. The generator evaluates each lattice point once per
     * strip, where a point query evaluates 16 per sample: all LODs' aprons of a default
     * chunk cost about 0.5 ms instead of 3.1 ms (a sixth of generating the chunk). */
    tp_result r = tp_generate_heights(world, gx0 - step, gz0, 1, e, lod,
                                      out_apron + TP_MESH_APRON_X_MINUS * e);
    if (r == TP_OK)
        r = tp_generate_heights(world, gx0 + n0 + step, gz0, 1, e, lod,
                                out_apron + TP_MESH_APRON_X_PLUS * e);
    if (r == TP_OK)
        r = tp_generate_heights(world, gx0, gz0 - step, e, 1, lod,
                                out_apron + TP_MESH_APRON_Z_MINUS * e);
    if (r == TP_OK)
        r = tp_generate_heights(world, gx0, gz0 + n0 + step, e, 1, lod,
                                out_apron + TP_MESH_APRON_Z_PLUS * e);
    return r;
}

tp_result tp_mesh_apron_from_neighbours(const uint16_t *x_minus, const uint16_t *x_plus,
                                        const uint16_t *z_minus, const uint16_t *z_plus,
                                        uint32_t edge, uint16_t *out_apron)
{
    if (!x_minus || !x_plus || !z_minus || !z_plus || !out_apron || edge < 3)
        return TP_ERR_INVALID_ARGUMENT;
    const size_t e = edge;
    for (size_t k = 0; k < e; k++) {
        out_apron[TP_MESH_APRON_X_MINUS * e + k] = x_minus[k * e + (e - 2)];
        out_apron[TP_MESH_APRON_X_PLUS * e + k] = x_plus[k * e + 1];
        out_apron[TP_MESH_APRON_Z_MINUS * e + k] = z_minus[(e - 2) * e + k];
        out_apron[TP_MESH_APRON_Z_PLUS * e + k] = z_plus[1 * e + k];
    }
    return TP_OK;
}

/* ---- one chunk's blob ------------------------------------------------------------- */

/* Scratch of tp_mesh_generate_chunk_blob, in this order, each part 8-byte aligned from
 * the (8-aligned) start: builder scratch, vertices, indices, apron, heights. */
typedef struct blob_scratch_layout {
    size_t builder, vertices, indices, apron, heights, total;
    uint32_t edge, max_vertices, max_indices;
} blob_scratch_layout;

static size_t align8(size_t v)
{
    return (v + 7u) & ~(size_t)7u;
}

static int blob_layout(const tp_world_params *world, uint32_t lod, blob_scratch_layout *l)
{
    if (!world || lod >= tp_world_lod_count(world))
        return 0;
    l->edge = tp_world_lod_edge(world, lod);
    tp_mesh_build_bound(l->edge, &l->max_vertices, &l->max_indices);
    size_t builder = tp_mesh_build_scratch_size(l->edge);
    if (!builder)
        return 0;
    l->builder = 0;
    l->vertices = align8(builder);
    l->indices = align8(l->vertices + (size_t)l->max_vertices * sizeof(tp_mesh_vertex));
    l->apron = align8(l->indices + (size_t)l->max_indices * sizeof(uint16_t));
    l->heights = align8(l->apron + 4u * (size_t)l->edge * sizeof(uint16_t));
    /* + 7: the caller's pointer may have any alignment. */
    l->total = l->heights + (size_t)l->edge * l->edge * sizeof(uint16_t) + 7u;
    return 1;
}

size_t tp_mesh_chunk_blob_bound(const tp_world_params *world, uint32_t lod)
{
    blob_scratch_layout l;
    if (!blob_layout(world, lod, &l))
        return 0;
    return tp_mesh_encode_bound(l.max_vertices, l.max_indices);
}

size_t tp_mesh_chunk_blob_scratch_size(const tp_world_params *world, uint32_t lod)
{
    blob_scratch_layout l;
    return blob_layout(world, lod, &l) ? l.total : 0;
}

tp_result tp_mesh_generate_chunk_blob(const tp_world_params *world, int32_t cx, int32_t cz,
                                      uint32_t lod, const uint16_t *lod_heights,
                                      const uint16_t *lod0_heights, void *scratch,
                                      size_t scratch_size, void *out, size_t out_capacity,
                                      size_t *out_size, float *out_max_error_m)
{
    blob_scratch_layout l;
    if (!out || !out_size || !blob_layout(world, lod, &l))
        return TP_ERR_INVALID_ARGUMENT;
    if (out_capacity < tp_mesh_encode_bound(l.max_vertices, l.max_indices))
        return TP_ERR_BUFFER_TOO_SMALL;
    void *owned = NULL;
    if (!scratch) {
        owned = malloc(l.total);
        if (!owned)
            return TP_ERR_OUT_OF_MEMORY;
        scratch = owned;
        scratch_size = l.total;
    } else if (scratch_size < l.total) {
        return TP_ERR_BUFFER_TOO_SMALL;
    }
    uint8_t *base = (uint8_t *)(((uintptr_t)scratch + 7u) & ~(uintptr_t)7u);
    tp_mesh_vertex *vertices = (tp_mesh_vertex *)(base + l.vertices);
    uint16_t *indices = (uint16_t *)(base + l.indices);
    uint16_t *apron = (uint16_t *)(base + l.apron);

    tp_result r = TP_OK;
    if (!lod_heights) {
        uint16_t *generated = (uint16_t *)(base + l.heights);
        tp_chunk_fields fields = {0};
        fields.height_codes = generated;
        r = tp_generate_chunk(world, cx, cz, lod, &fields);
        lod_heights = generated;
    }
    if (r == TP_OK)
        r = tp_mesh_apron_generate(world, cx, cz, lod, apron);
    tp_mesh mesh;
    if (r == TP_OK) {
        tp_mesh_build_options o = {0};
        o.lod = lod;
        o.chunk_size_m = world->chunk_size_m;
        o.lod_count = tp_world_lod_count(world);
        o.apron = apron;
        r = tp_mesh_build(lod_heights, l.edge, &o, base + l.builder,
                          tp_mesh_build_scratch_size(l.edge), vertices, l.max_vertices, indices,
                          l.max_indices, &mesh);
    }
    if (r == TP_OK)
        r = tp_mesh_encode(&mesh, out, out_capacity, out_size);
    if (r == TP_OK && out_max_error_m) {
        *out_max_error_m = -1.0f;
        if (lod0_heights)
            r = tp_mesh_max_error(&mesh, lod0_heights, tp_world_lod_edge(world, 0), out_max_error_m);
    }
    free(owned);
    return r;
}
