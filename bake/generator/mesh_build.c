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
 * point. So:
 *   - every 4th border sample is forced: no border triangle has a hypotenuse over 4;
 *   - the sample halfway between two forced ones is a vertex iff one of the three
 *     samples between them is off their chord by more than the error (border only);
 *   - if it is a vertex, the border triangle splits as usual and the two odd samples
 *     below it follow: each sits on the hypotenuse of a hypotenuse-2 border triangle
 *     whose only sample is itself, so it splits exactly when it is off its chord;
 *   - if not, the point is FROZEN: its border triangle is never split; its leg midpoints
 *     are still refined from the triangles on their other side (a "half diamond"), and
 *     emit_frozen triangulates it exactly, keeping the border edge whole.
 * Forcing every 2nd sample instead would need no special case but cost half as many
 * triangles again (measured: 1400 against 928 per LOD-0 chunk of the default world).
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
        const uint16_t *row = h + (size_t)z * b->e;
        for (int32_t x = x0; x <= x1; x++) {
            int64_t dev = d * row[x] - pred;
            if (dev < 0)
                dev = -dev;
            if (16 * dev > lim)
                return 1;
            pred += step;
        }
    }
    return 0;
}

/* The state of a grid point. OPEN points may still split; FROZEN ones are border points
 * the seam rule keeps out of the mesh (their border triangle gets a local triangulation
 * instead, see emit_frozen). */
enum { OPEN = 0, SPLIT = 1, FROZEN = 2 };

static void push(builder *b, pt p)
{
    if (is_corner(b->n, p))
        return;
    uint32_t k = at(b, p);
    if (b->split[k] == OPEN) {
        b->split[k] = SPLIT;
        b->stack[b->sp++] = k;
    }
}

/* A child triangle (hypotenuse p–q, right angle at c) exists once its parent is split:
 * check it unless its hypotenuse is a unit diagonal (it covers no sample but its
 * corners) or its diamond is already decided. */
static void check_child(builder *b, pt p, pt q, pt c)
{
    if (((p.x + q.x) | (p.z + q.z)) & 1)
        return;
    pt m = P((p.x + q.x) / 2, (p.z + q.z) / 2);
    if (b->split[at(b, m)] == OPEN && exceeds(b, p, q, c))
        push(b, m);
}

static int64_t cross2(int64_t ax, int64_t az, int64_t bx, int64_t bz)
{
    return ax * bz - az * bx;
}

/* Is sample s off the plane through u, v, w (any non-degenerate triangle) by more than
 * the build error? Exact, like exceeds(). */
static int sample_exceeds(const builder *b, pt s, pt u, pt v, pt w)
{
    int64_t det = cross2(v.x - u.x, v.z - u.z, w.x - u.x, w.z - u.z);
    int64_t lv = cross2(s.x - u.x, s.z - u.z, w.x - u.x, w.z - u.z);
    int64_t lw = cross2(v.x - u.x, v.z - u.z, s.x - u.x, s.z - u.z);
    int64_t plane = (int64_t)b->h[at(b, u)] * (det - lv - lw) + (int64_t)b->h[at(b, v)] * lv +
                    (int64_t)b->h[at(b, w)] * lw;
    int64_t dev = (int64_t)b->h[at(b, s)] * det - plane;
    if (dev < 0)
        dev = -dev;
    if (det < 0)
        det = -det;
    return 16 * dev > b->lim16 * det;
}

/* Seam rule for a border point m ≡ 2 (mod 4) along its border, with unit tangent t: does
 * any of the three samples between m − 2t and m + 2t leave their chord by more than the
 * build error? Border samples only, so both chunks of a seam agree. */
static int seam_needs_point(const builder *b, pt m, pt t)
{
    const int64_t ha = b->h[at(b, P(m.x - 2 * t.x, m.z - 2 * t.z))];
    const int64_t hb = b->h[at(b, P(m.x + 2 * t.x, m.z + 2 * t.z))];
    for (int32_t k = -1; k <= 1; k++) {
        int64_t dev = 4 * (int64_t)b->h[at(b, P(m.x + k * t.x, m.z + k * t.z))] -
                      ((2 - k) * ha + (2 + k) * hb);
        if (dev < 0)
            dev = -dev;
        if (16 * dev > b->lim16 * 4)
            return 1;
    }
    return 0;
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
    /* Seams (see the top): every fourth border sample is a vertex; one halfway between
     * two of those is a vertex exactly when the border needs it, and otherwise FROZEN. */
    for (int32_t i = 2; i < n; i += 2) {
        const pt side[4] = {P(i, 0), P(i, n), P(0, i), P(n, i)};
        const pt tangent[4] = {P(1, 0), P(1, 0), P(0, 1), P(0, 1)};
        for (int s = 0; s < 4; s++) {
            if (i % 4 == 0 || seam_needs_point(b, side[s], tangent[s]))
                push(b, side[s]);
            else
                b->split[at(b, side[s])] = FROZEN;
        }
    }
    pt centre = P(n / 2, n / 2);
    if (exceeds(b, P(0, 0), P(n, n), P(n, 0)) || exceeds(b, P(n, n), P(0, 0), P(0, n)))
        push(b, centre);
    while (b->sp) {
        uint32_t k = b->stack[--b->sp];
        pt m = P((int32_t)(k % b->e), (int32_t)(k / b->e));
        pt a, bb, apex[2];
        int count = diamond(n, m, &a, &bb, apex);
        /* A FROZEN apex means this triangle lies inside a frozen border triangle, which is
         * triangulated locally: it neither needs that parent nor has children here. */
        for (int t = 0; t < count; t++)
            if (b->split[at(b, apex[t])] != FROZEN)
                push(b, apex[t]);
        /* Triangle (a, bb, c) splits into (c, a, m) and (bb, c, m). */
        for (int t = 0; t < count; t++) {
            if (b->split[at(b, apex[t])] == FROZEN)
                continue;
            check_child(b, apex[t], a, m);
            check_child(b, bb, apex[t], m);
        }
    }
    /* At a chunk corner two frozen border triangles can share a leg, from the corner to
     * the centre of the corner's 4 × 4 square; no triangle outside them covers its
     * midpoint, so decide it here: a vertex when it leaves the leg's chord. */
    const pt corner[4] = {P(0, 0), P(n, 0), P(0, n), P(n, n)};
    const pt inward[4] = {P(1, 1), P(-1, 1), P(1, -1), P(-1, -1)};
    for (int c = 0; c < 4 && n >= 4; c++) {
        pt o = corner[c], d = inward[c];
        pt along_x = P(o.x + 2 * d.x, o.z), along_z = P(o.x, o.z + 2 * d.z);
        pt half = P(o.x + d.x, o.z + d.z), far = P(o.x + 2 * d.x, o.z + 2 * d.z);
        if (b->split[at(b, along_x)] == FROZEN && b->split[at(b, along_z)] == FROZEN &&
            sample_exceeds(b, half, o, far, along_x) /* any third point: half is on o–far */)
            b->split[at(b, half)] = SPLIT;
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

/* A border triangle of hypotenuse 4 whose border midpoint m the seam rule froze: a–bb on
 * the border, right angle at c. Its border samples are within the error of the chord
 * a–bb (that is why m is frozen); the leg midpoints p, q are vertices exactly when the
 * triangles across the legs (or, at a corner, the corner rule) made them so, and when
 * they are not, those triangles have checked them against the leg; the one sample left
 * is r, one step in from m. So: keep a–bb whole, use p and q as given, and add r only
 * when it is too far from the surface without it. Every case keeps the winding. */
static void emit_frozen(emitter *em, pt a, pt bb, pt c, pt m)
{
    const builder *b = em->b;
    const pt p = mid(a, c), q = mid(bb, c), r = mid(m, c);
    const int hp = b->split[at(b, p)] == SPLIT, hq = b->split[at(b, q)] == SPLIT;
    /* Without r, r lies in (a, bb, c), (p, bb, c), (a, q, c), or on the edge p–q. */
    int need_r;
    if (hp && hq)
        need_r = sample_exceeds(b, r, p, q, c);
    else if (hp)
        need_r = sample_exceeds(b, r, p, bb, c);
    else if (hq)
        need_r = sample_exceeds(b, r, a, q, c);
    else
        need_r = sample_exceeds(b, r, a, bb, c);
    uint32_t ia = vertex_of(em, a), ib = vertex_of(em, bb), ic = vertex_of(em, c);
    uint32_t ip = hp ? vertex_of(em, p) : 0, iq = hq ? vertex_of(em, q) : 0;
    if (need_r) {
        uint32_t ir = vertex_of(em, r);
        if (hp) {
            triangle(em, ia, ir, ip);
            triangle(em, ip, ir, ic);
        } else {
            triangle(em, ia, ir, ic);
        }
        triangle(em, ia, ib, ir);
        if (hq) {
            triangle(em, ir, ib, iq);
            triangle(em, ir, iq, ic);
        } else {
            triangle(em, ir, ib, ic);
        }
    } else if (hp && hq) {
        triangle(em, ip, iq, ic);
        triangle(em, ia, iq, ip);
        triangle(em, ia, ib, iq);
    } else if (hp) {
        triangle(em, ia, ib, ip);
        triangle(em, ip, ib, ic);
    } else if (hq) {
        triangle(em, ia, iq, ic);
        triangle(em, ia, ib, iq);
    } else {
        triangle(em, ia, ib, ic);
    }
}

/* Leaves of triangle (a, bb, c) in Sierpinski order: `forward` walks from a to bb.
 * The children (c, a, m) and (bb, c, m) keep the parent's winding. Depth ≤ 2·15 + 1. */
static void emit(emitter *em, pt a, pt bb, pt c, int forward)
{
    if (em->status != TP_OK)
        return;
    if (!(((a.x + bb.x) | (a.z + bb.z)) & 1)) {
        pt m = mid(a, bb);
        int state = em->b->split[at(em->b, m)];
        if (state == SPLIT) {
            if (forward) {
                emit(em, c, a, m, 0);
                emit(em, bb, c, m, 0);
            } else {
                emit(em, bb, c, m, 1);
                emit(em, c, a, m, 1);
            }
            return;
        }
        if (state == FROZEN) {
            emit_frozen(em, a, bb, c, m);
            return;
        }
    }
    uint32_t i0 = vertex_of(em, a), i1 = vertex_of(em, bb), i2 = vertex_of(em, c);
    triangle(em, i0, i1, i2);
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
 * So: build error 0.5 m · 2^k (where the terrain allows, a LOD-k mesh is as good as its
 * grid to half a metre, doubling per level like the distance a runtime switches LODs
 * at), and target 6 m · 2^k for k ≥ 1, which is 9 m · 2^(k−1) for sampling plus the build
 * error plus a margin of a quarter or more on every level. LOD 0 has no sampling error:
 * its target is its build error. */
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
    double e = 0.5;
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
        int64_t sign = det < 0 ? -1 : 1, adet = det * sign;
        int64_t x0 = x[0], x1 = x[0], z0 = z[0], z1 = z[0];
        for (int k = 1; k < 3; k++) {
            x0 = x[k] < x0 ? x[k] : x0, x1 = x[k] > x1 ? x[k] : x1;
            z0 = z[k] < z0 ? z[k] : z0, z1 = z[k] > z1 ? z[k] : z1;
        }
        for (int64_t pz = z0; pz <= z1; pz++) {
            const uint16_t *row = full + (size_t)pz * full_edge;
            for (int64_t px = x0; px <= x1; px++) {
                /* Barycentric numerators, all ≥ 0 (times sign) inside or on the edges. */
                int64_t wb = cross2(px - x[0], pz - z[0], x[2] - x[0], z[2] - z[0]) * sign;
                int64_t wc = cross2(x[1] - x[0], z[1] - z[0], px - x[0], pz - z[0]) * sign;
                int64_t wa = adet - wb - wc;
                if (wa < 0 || wb < 0 || wc < 0)
                    continue;
                int64_t dev = (int64_t)row[px] * adet - (h[0] * wa + h[1] * wb + h[2] * wc);
                if (dev < 0)
                    dev = -dev;
                if (dev * best_den > best_num * adet)
                    best_num = dev, best_den = adet;
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
    for (uint32_t k = 0; k < e; k++) {
        int64_t along = (int64_t)k * step;
        out_apron[TP_MESH_APRON_X_MINUS * e + k] = tp_generate_height_at(world, gx0 - step, gz0 + along);
        out_apron[TP_MESH_APRON_X_PLUS * e + k] = tp_generate_height_at(world, gx0 + n0 + step, gz0 + along);
        out_apron[TP_MESH_APRON_Z_MINUS * e + k] = tp_generate_height_at(world, gx0 + along, gz0 - step);
        out_apron[TP_MESH_APRON_Z_PLUS * e + k] = tp_generate_height_at(world, gx0 + along, gz0 + n0 + step);
    }
    return TP_OK;
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
