/* mesh_build.c — RTIN meshes of one chunk at one LOD: refinement, seams, normals, and
 * the error against full resolution. (Skirts come from tp_mesh_add_skirts in formats/,
 * which the decoder also uses, so they never need storing.)
 *
 * The hierarchy. A (2^n + 1)² grid is split along its diagonal into two right isosceles
 * triangles; a triangle splits at the midpoint of its hypotenuse into two halves, and so
 * on down to triangles with unit legs. Every grid point except the four corners is the
 * midpoint of exactly one hypotenuse, shared by at most two triangles (a "diamond"), and
 * splitting one of them without the other would leave a T-junction — so the state of a
 * mesh is one bit per grid point: is its diamond split (is it a vertex)? A mesh is
 * conforming when, with every split diamond, the diamonds that create its triangles
 * (the triangles' right-angle vertices, its "parents") are split too.
 *
 * Refinement. Starting from the forced vertices, every triangle that exists is checked
 * once against every grid sample it covers; a triangle off by more than the build error
 * splits its diamond, which splits the parents first. The result is the smallest
 * conforming mesh in which every triangle is within the error of every sample it covers
 * — a fixed point, so it does not depend on the order the work list is processed in.
 * (The usual bottom-up pass that propagates each midpoint's error to its parents is
 * simpler but keeps splitting triangles whose own error is small because a descendant
 * that will never exist has a large one; and its per-midpoint error measures a sample
 * against its parent's hypotenuse, not against the final triangle, so it is no bound.)
 *
 * Checking is exact: with the right-angle vertex c and legs u = a − c, w = b − c of equal
 * squared length D, D · plane(p) = D·h(c) + ((p − c)·u)(h(a) − h(c)) + ((p − c)·w)(h(b) − h(c)),
 * all in int64, walked along rows with a constant step. A triangle exits at its first
 * offending sample, so most of the work is on triangles that end up in the mesh: about
 * one pass over the grid per level of refinement.
 *
 * Seams. Which border samples become vertices must follow from the border samples
 * alone (the neighbour sees the same border but not this interior), yet a border
 * triangle — hypotenuse on the border — can only be refined by splitting it at a border
 * point. So the border is decided first and the interior adapts:
 *   - the seam rule is RTIN restricted to the edge: each side is bisected from the chunk
 *     corners; a segment's midpoint is a vertex (SPLIT) when any border sample strictly
 *     inside the segment leaves the chord of its ends by more than the build error, and
 *     then both halves are decided alike; every sample of a segment that does not split
 *     is FROZEN. A flat side costs its two corners; the same test, on the same samples,
 *     gives the neighbour the same vertices. The refinement then splits whatever the
 *     border vertices need (their parents), as for any vertex.
 *   - the interior may still need a FROZEN point: a border triangle whose border samples
 *     are on its chord can miss an interior sample. Then the point is LIFTED: the
 *     hierarchy splits there as usual, but the vertex is the sample one step inward (a
 *     grid point that is never a vertex otherwise, see below), and the thin strip
 *     between the border and the lifted vertices is fanned from the last true border
 *     vertex (emit_strip). Triangles touching a lifted vertex are checked with their
 *     real (no longer right isosceles) shape, exactly (exceeds_any); the strip's own
 *     triangles need no check: the one that carries a border edge is on its chord
 *     there and has no other sample, and the others cover row 1 only along edges of
 *     checked triangles. So the bound holds everywhere and the border stays whole.
 * Why lifting is safe: only border points at even positions are ever lifted (an odd one
 * is decided by its chord alone, exactly as the seam rule decides it), so the lifted
 * vertex sits at a grid point whose diamond contains the lifted border point itself:
 * such a diamond has no sample of its own left once lifted, is never split, and is
 * nobody's parent. Moving a vertex one sample towards the far edge of each of its
 * triangles never turns one over; a leaf with both hypotenuse ends lifted onto its
 * apex's row loses its area and is dropped, and the strip goes through the apex.
 * A fixed rule instead (every 4th border sample a vertex) would cost a flat LOD-0 chunk
 * about 430 triangles and a flat LOD-4 chunk 8; this one costs both 2.
 *
 * Refinement marks a point's parents as soon as the point itself (push), so a triangle
 * is only ever checked once all its vertices are decided — whether a vertex is lifted
 * changes the check.
 */
#include "terrapage/mesh.h"

#include <stdlib.h>
#include <string.h>

typedef struct pt {
    int32_t x, z;
} pt;

typedef struct builder {
    const uint16_t *h;
    uint32_t e;       /* samples per edge */
    int32_t n;        /* e − 1, a power of two */
    uint8_t *split;   /* e² states (OPEN, SPLIT = the point is a vertex, FROZEN) */
    uint32_t *stack;  /* e² entries: work list, each point pushed at most once */
    uint32_t sp;
    int64_t lim16;    /* build error in 1/16 height codes (1/256 m), rounded down */
} builder;

static inline uint32_t at(const builder *b, pt p)
{
    return (uint32_t)p.z * b->e + (uint32_t)p.x;
}

static inline int is_corner(int32_t n, pt p)
{
    return (p.x == 0 || p.x == n) && (p.z == 0 || p.z == n);
}

static inline pt P(int32_t x, int32_t z)
{
    pt p = {x, z};
    return p;
}

static inline int inside(int32_t n, pt p)
{
    return p.x >= 0 && p.z >= 0 && p.x <= n && p.z <= n;
}

/* The diamond of non-corner grid point m: the ends a, b of its hypotenuse and the
 * right-angle vertices of its one or two triangles. Returns how many of those lie in the
 * grid. With s the largest power of two dividing both coordinates, m/s is (odd, odd) for
 * a diamond whose hypotenuse is a diagonal of the 2s-square around m, (odd, even) for a
 * horizontal one and (even, odd) for a vertical one. A diagonal hypotenuse joins the two
 * corners of the square whose coordinates, in units of 2s, have equal parity: those are
 * where the coarser level's vertices are, which is what makes the levels nest. */
static int diamond(int32_t n, pt m, pt *a, pt *b, pt apex[2])
{
    uint32_t bits = (uint32_t)m.x | (uint32_t)m.z;
    int32_t s = (int32_t)(bits & (0u - bits));
    int odd_x = (m.x / s) & 1, odd_z = (m.z / s) & 1;
    pt c[2];
    if (odd_x && odd_z) {
        int px = ((m.x - s) / (2 * s)) & 1, pz = ((m.z - s) / (2 * s)) & 1;
        if (px == pz) {
            *a = P(m.x - s, m.z - s), *b = P(m.x + s, m.z + s);
            c[0] = P(m.x + s, m.z - s), c[1] = P(m.x - s, m.z + s);
        } else {
            *a = P(m.x + s, m.z - s), *b = P(m.x - s, m.z + s);
            c[0] = P(m.x - s, m.z - s), c[1] = P(m.x + s, m.z + s);
        }
    } else if (odd_x) {
        *a = P(m.x - s, m.z), *b = P(m.x + s, m.z);
        c[0] = P(m.x, m.z - s), c[1] = P(m.x, m.z + s);
    } else {
        *a = P(m.x, m.z - s), *b = P(m.x, m.z + s);
        c[0] = P(m.x - s, m.z), c[1] = P(m.x + s, m.z);
    }
    int count = 0;
    for (int k = 0; k < 2; k++)
        if (inside(n, c[k]))
            apex[count++] = c[k];
    return count;
}

/* One row of a triangle's span: does any of the count + 1 samples from row[0] on differ
 * from the plane by more than the limit? The plane's height, scaled by `scale`, is `pred`
 * at row[0] and grows by `step` per sample; the comparison 16 · |scale · h − pred| > lim
 * is exact in integers (heights are in 1/16 m). */
static int row_deviates(const uint16_t *row, int64_t count, int64_t scale, int64_t pred,
                        int64_t step, int64_t lim)
{
    for (int64_t i = 0; i <= count; i++) {
        int64_t dev = scale * row[i] - pred;
        if (dev < 0)
            dev = -dev;
        if (16 * dev > lim)
            return 1;
        pred += step;
    }
    return 0;
}

/* Does the triangle with hypotenuse a–b and right angle at c miss any grid sample it
 * covers (edges included) by more than the build error? Its edges are axis-aligned or
 * diagonal, so the span of each row has integer ends. */
static int exceeds(const builder *b, pt a, pt bb, pt c)
{
    const uint16_t *h = b->h;
    const int64_t ux = a.x - c.x, uz = a.z - c.z, wx = bb.x - c.x, wz = bb.z - c.z;
    const int64_t d = ux * ux + uz * uz;
    const int64_t hc = h[at(b, c)];
    const int64_t dha = (int64_t)h[at(b, a)] - hc, dhb = (int64_t)h[at(b, bb)] - hc;
    const int64_t lim = b->lim16 * d;
    const int64_t step = ux * dha + wx * dhb;
    const pt v[3] = {a, bb, c};
    int32_t zmin = a.z, zmax = a.z;
    for (int k = 1; k < 3; k++) {
        zmin = v[k].z < zmin ? v[k].z : zmin;
        zmax = v[k].z > zmax ? v[k].z : zmax;
    }
    for (int32_t z = zmin; z <= zmax; z++) {
        int32_t x0 = INT32_MAX, x1 = INT32_MIN;
        for (int k = 0; k < 3; k++) {
            pt p = v[k], q = v[(k + 1) % 3];
            if (p.z == q.z) {
                if (z == p.z) {
                    x0 = p.x < x0 ? p.x : x0, x1 = p.x > x1 ? p.x : x1;
                    x0 = q.x < x0 ? q.x : x0, x1 = q.x > x1 ? q.x : x1;
                }
            } else if ((z - p.z) * (z - q.z) <= 0) {
                int32_t x = p.x + (z - p.z) * (q.x - p.x) / (q.z - p.z);
                x0 = x < x0 ? x : x0, x1 = x > x1 ? x : x1;
            }
        }
        int64_t rx = x0 - c.x, rz = z - c.z;
        int64_t pred = d * hc + (rx * ux + rz * uz) * dha + (rx * wx + rz * wz) * dhb;
        if (row_deviates(h + (size_t)z * b->e + x0, (int64_t)x1 - x0, d, pred, step, lim))
            return 1;
    }
    return 0;
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

/* Does triangle (p0, p1, p2) — any shape, either winding — miss any grid sample it
 * covers (edges included) by more than the build error? Exact like exceeds(), for the
 * triangles near the border that a lifted point (below) bends out of right isosceles
 * shape. Each row's span comes from the three edge functions, so no sample outside the
 * triangle is ever tested. A triangle of zero area covers nothing of its own. */
static int exceeds_any(const builder *b, pt p0, pt p1, pt p2)
{
    int64_t det = cross2(p1.x - p0.x, p1.z - p0.z, p2.x - p0.x, p2.z - p0.z);
    if (det == 0)
        return 0;
    if (det < 0) {
        pt t = p1;
        p1 = p2, p2 = t;
        det = -det;
    }
    const int64_t h0 = b->h[at(b, p0)], h1 = b->h[at(b, p1)], h2 = b->h[at(b, p2)];
    /* Barycentric numerators (weights times det), each linear in x along a row:
     * w1 = cross(p − p0, p2 − p0), w2 = cross(p1 − p0, p − p0), w0 = det − w1 − w2. */
    const int64_t a1 = p2.z - p0.z, a2 = -(int64_t)(p1.z - p0.z), a0 = -a1 - a2;
    const int64_t lim = b->lim16 * det;
    int32_t xmin = p0.x, xmax = p0.x, zmin = p0.z, zmax = p0.z;
    const pt v[2] = {p1, p2};
    for (int k = 0; k < 2; k++) {
        xmin = v[k].x < xmin ? v[k].x : xmin, xmax = v[k].x > xmax ? v[k].x : xmax;
        zmin = v[k].z < zmin ? v[k].z : zmin, zmax = v[k].z > zmax ? v[k].z : zmax;
    }
    for (int32_t z = zmin; z <= zmax; z++) {
        const int64_t w1 = cross2(xmin - p0.x, z - p0.z, p2.x - p0.x, p2.z - p0.z);
        const int64_t w2 = cross2(p1.x - p0.x, p1.z - p0.z, xmin - p0.x, z - p0.z);
        const int64_t w[3] = {det - w1 - w2, w1, w2}, slope[3] = {a0, a1, a2};
        int64_t lo, hi;
        row_span(w, slope, xmax - xmin, &lo, &hi);
        if (lo > hi)
            continue;
        int64_t pred = h0 * (w[0] + a0 * lo) + h1 * (w[1] + a1 * lo) + h2 * (w[2] + a2 * lo);
        const int64_t step = h0 * a0 + h1 * a1 + h2 * a2;
        if (row_deviates(b->h + (size_t)z * b->e + xmin + lo, hi - lo, det, pred, step, lim))
            return 1;
    }
    return 0;
}

/* The state of a grid point. OPEN points may still split. A border point is decided by
 * the seam rule before refinement: SPLIT (a vertex) or FROZEN (not on the border
 * polyline). A FROZEN point that the refinement still needs becomes LIFTED: the
 * hierarchy splits there as usual, but the vertex sits one sample inward (see the top). */
enum { OPEN = 0, SPLIT = 1, FROZEN = 2, LIFTED = 3, SEAM = 4 /* a vertex, not yet pushed */ };

/* Where grid point p is in the mesh: itself, or one sample inward if it is LIFTED. */
static inline pt place(const builder *b, pt p)
{
    if (b->split[at(b, p)] != LIFTED)
        return p;
    if (p.z == 0)
        p.z = 1;
    else if (p.z == b->n)
        p.z = b->n - 1;
    else if (p.x == 0)
        p.x = 1;
    else
        p.x = b->n - 1;
    return p;
}

static inline int is_lifted(const builder *b, pt p)
{
    return b->split[at(b, p)] == LIFTED;
}

/* Splits p's diamond: marks p, and at once the parents it needs, all the way up, so
 * that every vertex of every triangle that exists is decided — a check may depend on
 * whether a vertex is lifted. The work list then checks p's children. */
static void push(builder *b, pt p)
{
    if (is_corner(b->n, p))
        return;
    uint32_t k = at(b, p);
    if (b->split[k] == SPLIT || b->split[k] == LIFTED)
        return; /* and so are its parents */
    b->split[k] = b->split[k] == FROZEN ? LIFTED : SPLIT;
    b->stack[b->sp++] = k;
    pt a, bb, apex[2];
    int count = diamond(b->n, p, &a, &bb, apex);
    for (int t = 0; t < count; t++)
        push(b, apex[t]); /* depth ≤ 2 · log2(n) */
}

/* A child triangle (hypotenuse p–q, right angle at c) exists once its parent is split:
 * check it unless its hypotenuse is a unit diagonal (it covers no sample but its
 * corners, also when lifted: it keeps its area of half a cell) or its diamond is
 * already decided. Its vertices are all decided by now, so `place` is final. */
static void check_child(builder *b, pt p, pt q, pt c)
{
    if (((p.x + q.x) | (p.z + q.z)) & 1)
        return;
    pt m = P((p.x + q.x) / 2, (p.z + q.z) / 2);
    int state = b->split[at(b, m)];
    if (state != OPEN && state != FROZEN)
        return;
    int over = is_lifted(b, p) || is_lifted(b, q) || is_lifted(b, c)
                   ? exceeds_any(b, place(b, p), place(b, q), place(b, c))
                   : exceeds(b, p, q, c);
    if (over)
        push(b, m);
}

/* The seam rule on one side: 1-D RTIN restricted to the border. The segment lo … hi
 * (positions along the side from `origin` in steps of `t`) splits at its midpoint when
 * any sample strictly inside leaves the chord by more than the build error; then both
 * halves are decided the same way. The samples of a segment that does not split are
 * all FROZEN. Only border samples are read, so both chunks of a seam decide alike. */
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
        if (!need) {
            for (int32_t k = lo + 1; k < hi; k++)
                b->split[at(b, P(origin.x + k * t.x, origin.z + k * t.z))] = FROZEN;
            return;
        }
        int32_t mid = lo + (hi - lo) / 2;
        b->split[at(b, P(origin.x + mid * t.x, origin.z + mid * t.z))] = SEAM;
        seam_side(b, origin, t, lo, mid);
        lo = mid;
    }
}

static void refine(builder *b, int regular)
{
    const int32_t n = b->n;
    memset(b->split, OPEN, (size_t)b->e * b->e);
    b->sp = 0;
    if (regular) {
        memset(b->split, SPLIT, (size_t)b->e * b->e);
        return;
    }
    /* Seams first (see the top), from the border samples alone. */
    seam_side(b, P(0, 0), P(1, 0), 0, n);
    seam_side(b, P(0, n), P(1, 0), 0, n);
    seam_side(b, P(0, 0), P(0, 1), 0, n);
    seam_side(b, P(n, 0), P(0, 1), 0, n);
    /* Only now split them: their parents may lie on another side, decided by then. */
    for (int32_t i = 1; i < n; i++) {
        const pt side[4] = {P(i, 0), P(i, n), P(0, i), P(n, i)};
        for (int k = 0; k < 4; k++)
            if (b->split[at(b, side[k])] == SEAM)
                push(b, side[k]);
    }
    pt centre = P(n / 2, n / 2);
    if (exceeds(b, P(0, 0), P(n, n), P(n, 0)) || exceeds(b, P(n, n), P(0, 0), P(0, n)))
        push(b, centre);
    while (b->sp) {
        uint32_t k = b->stack[--b->sp];
        pt m = P((int32_t)(k % b->e), (int32_t)(k / b->e));
        pt a, bb, apex[2];
        int count = diamond(n, m, &a, &bb, apex);
        /* Triangle (a, bb, c) splits into (c, a, m) and (bb, c, m). */
        for (int t = 0; t < count; t++) {
            check_child(b, apex[t], a, m);
            check_child(b, bb, apex[t], m);
        }
    }
}

/* ---- output ---------------------------------------------------------------------- */

typedef struct emitter {
    const builder *b;
    const uint16_t *apron;
    double slope_scale;  /* 32 · metres per sample: a height-code difference over two
                            samples against this gives the slope */
    unsigned shift;      /* grid index → chunk-local position */
    uint32_t *remap;     /* e²: vertex index + 1, 0 = not yet emitted */
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

static uint32_t vertex_of(emitter *em, pt p)
{
    uint32_t k = at(em->b, p);
    if (em->remap[k])
        return em->remap[k] - 1;
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
    v->h = em->b->h[k];
    vertex_normal(em, p, v);
    em->remap[k] = ++em->vcount;
    return em->vcount - 1;
}

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

static inline pt mid(pt a, pt b)
{
    return P((a.x + b.x) / 2, (a.z + b.z) / 2);
}

/* One triangle, wound to face up (clockwise in (x, z), as emit() winds them); none if
 * the three points are collinear. */
static void triangle_up(emitter *em, pt p0, pt p1, pt p2)
{
    int64_t c = cross2(p1.x - p0.x, p1.z - p0.z, p2.x - p0.x, p2.z - p0.z);
    if (c == 0)
        return;
    uint32_t i0 = vertex_of(em, p0), i1 = vertex_of(em, p1), i2 = vertex_of(em, p2);
    if (c < 0)
        triangle(em, i0, i1, i2);
    else
        triangle(em, i0, i2, i1);
}

/* The strip under a leaf's border edge a–bb (c the leaf's third vertex) with a LIFTED
 * end: between the border and the lifted points of one run of FROZEN samples
 * (from true vertex v0 to the next) lies a strip one sample deep, fanned from v0: for
 * each piece p–q of its upper edge that does not start at v0, the triangle (v0, p, q).
 * The last piece ends at the next true vertex, so that triangle carries the border edge
 * v0 … v1 — within the error of its chord, which is why the samples between are FROZEN.
 * The others cover row 1 only along p–q, an edge of a checked leaf. */
static void emit_strip(emitter *em, pt a, pt bb, pt c)
{
    const builder *b = em->b;
    const pt t = a.z == bb.z ? P(1, 0) : P(0, 1); /* the side's direction */
    pt lo = a, hi = bb;
    if (a.x + a.z > bb.x + bb.z)
        lo = bb, hi = a;
    if (!is_lifted(b, lo))
        return; /* the piece starts at the fan's own vertex */
    pt v0 = lo;
    do {
        v0 = P(v0.x - t.x, v0.z - t.z);
    } while (!is_corner(b->n, v0) && b->split[at(b, v0)] != SPLIT);
    pt pl = place(b, lo), ph = place(b, hi), pc = place(b, c);
    /* Both ends lifted to the apex's row: the leaf has no area and c is on the edge. */
    if (cross2(ph.x - pl.x, ph.z - pl.z, pc.x - pl.x, pc.z - pl.z) == 0) {
        triangle_up(em, v0, pl, pc);
        triangle_up(em, v0, pc, ph);
    } else {
        triangle_up(em, v0, pl, ph);
    }
}

/* Leaves of triangle (a, bb, c) in Sierpinski order: `forward` walks from a to bb.
 * The children (c, a, m) and (bb, c, m) keep the parent's winding. Depth ≤ 2·15 + 1. */
static void emit(emitter *em, pt a, pt bb, pt c, int forward)
{
    if (em->status != TP_OK)
        return;
    const builder *b = em->b;
    if (!(((a.x + bb.x) | (a.z + bb.z)) & 1)) {
        pt m = mid(a, bb);
        int state = b->split[at(b, m)];
        if (state == SPLIT || state == LIFTED) {
            if (forward) {
                emit(em, c, a, m, 0);
                emit(em, bb, c, m, 0);
            } else {
                emit(em, bb, c, m, 1);
                emit(em, c, a, m, 1);
            }
            return;
        }
    }
    const int lifted = is_lifted(b, a) || is_lifted(b, bb) || is_lifted(b, c);
    if (!lifted) {
        uint32_t i0 = vertex_of(em, a), i1 = vertex_of(em, bb), i2 = vertex_of(em, c);
        triangle(em, i0, i1, i2);
        return;
    }
    /* Lifting never turns a leaf over (it moves one vertex by one sample towards a far
     * edge), but a leaf with both ends of its hypotenuse lifted to the apex's row has no
     * area left and is dropped. */
    pt pa = place(b, a), pb = place(b, bb), pc = place(b, c);
    if (cross2(pb.x - pa.x, pb.z - pa.z, pc.x - pa.x, pc.z - pa.z) != 0) {
        uint32_t i0 = vertex_of(em, pa), i1 = vertex_of(em, pb), i2 = vertex_of(em, pc);
        triangle(em, i0, i1, i2);
    }
    /* Any edge of the leaf on the border (its hypotenuse, or a leg when the right angle
     * is on the border) with a lifted end has a piece of strip below it. */
    const int32_t n = b->n;
    const pt corner[3] = {a, bb, c};
    for (int k = 0; k < 3; k++) {
        pt p = corner[k], q = corner[(k + 1) % 3], r = corner[(k + 2) % 3];
        int on_side = (p.z == q.z && (p.z == 0 || p.z == n)) || (p.x == q.x && (p.x == 0 || p.x == n));
        if (on_side && (is_lifted(b, p) || is_lifted(b, q)))
            emit_strip(em, p, q, r);
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

size_t tp_mesh_build_scratch_size(uint32_t edge)
{
    int l = edge >= 3 ? log2_exact(edge - 1) : -1;
    if (l < 1 || l > 14)
        return 0;
    return (size_t)edge * edge * (1 + sizeof(uint32_t)) + sizeof(uint32_t);
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

    /* Scratch: the split flags, then the work list (reused as the vertex remap). The
     * remap needs 4-byte alignment; the caller's pointer may have any. */
    uint8_t *base = scratch;
    builder b;
    b.h = heights;
    b.e = edge;
    b.n = (int32_t)(edge - 1);
    b.split = base;
    uintptr_t list = (uintptr_t)(base + (size_t)edge * edge);
    list = (list + 3u) & ~(uintptr_t)3u;
    b.stack = (uint32_t *)list;
    b.lim16 = (int64_t)(error_m * 256.0);

    refine(&b, (o->flags & TP_MESH_BUILD_REGULAR_GRID) != 0);

    emitter em;
    em.b = &b;
    em.apron = o->apron;
    em.slope_scale = 32.0 * (chunk_m / (double)b.n);
    em.shift = 15u - (unsigned)log_n;
    em.remap = b.stack;
    memset(em.remap, 0, (size_t)edge * edge * sizeof *em.remap);
    em.v = out_vertices;
    em.vcap = vertex_capacity;
    em.vcount = 0;
    em.idx = out_indices;
    em.icap = index_capacity;
    em.icount = 0;
    em.status = TP_OK;

    const int32_t n = b.n;
    emit(&em, P(0, 0), P(n, n), P(n, 0), 1);
    emit(&em, P(n, n), P(0, 0), P(0, n), 1);
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
