/* test_mesh_build.c — the chunk mesh builder (bake/generator/mesh_build.c,
 * terrapage/mesh.h): a conforming, up-facing triangulation; the error bound against the
 * LOD's own grid and against full resolution; identical borders between same-LOD
 * neighbours; skirts deep enough between LODs; determinism; and the chunk blob the baker
 * stores and the runtime's fallback rebuilds. The codec has its own suite
 * (test_mesh_codec.c).
 *
 * Most tests run on a synthetic terrain (test_mesh_support.h), so they do not depend on
 * the generator; the rest run on the default world. Figures (triangles against the
 * regular grid, bytes per triangle, vertex-cache misses) are printed, not timed. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "test_main.h"
#include "test_mesh_support.h"

#include "terrapage/mesh.h"
#include "terrapage/mesh_codec.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

/* ---- built meshes ------------------------------------------------------------------ */

static tp_result build_with(const uint16_t *g, uint32_t edge, const tp_mesh_build_options *o,
                            owned_mesh *out)
{
    uint32_t mv, mi;
    tp_mesh_build_bound(edge, &mv, &mi);
    size_t scratch_size = tp_mesh_build_scratch_size(edge);
    void *scratch = malloc(scratch_size);
    out->v = malloc(sizeof *out->v * mv);
    out->i = malloc(sizeof *out->i * mi);
    out->edge = edge;
    ck_assert(scratch && out->v && out->i);
    tp_result r = tp_mesh_build(g, edge, o, scratch, scratch_size, out->v, mv, out->i, mi, &out->m);
    free(scratch);
    return r;
}

static owned_mesh build(const uint16_t *g, uint32_t edge, uint32_t lod, const uint16_t *apron,
                        uint32_t flags)
{
    tp_mesh_build_options o = {0};
    o.lod = lod;
    o.apron = apron;
    o.flags = flags;
    owned_mesh om;
    ck_assert_int_eq(build_with(g, edge, &o, &om), TP_OK);
    ck_assert_int_eq(tp_mesh_validate(&om.m), TP_OK);
    return om;
}


static uint32_t surface_triangles(const tp_mesh *m)
{
    return m->skirt_index_start / 3;
}

/* ---- default world ------------------------------------------------------------------ */

static tp_world_params default_world(void)
{
    tp_world_params w = {0};
    ck_assert_int_eq(tp_world_params_resolve(&w, &w), TP_OK);
    return w;
}

static uint16_t *world_grid(const tp_world_params *w, int32_t cx, int32_t cz, uint32_t lod)
{
    uint32_t e = tp_world_lod_edge(w, lod);
    uint16_t *g = malloc(sizeof *g * e * e);
    ck_assert_ptr_nonnull(g);
    tp_chunk_fields f = {.height_codes = g};
    ck_assert_int_eq(tp_generate_chunk(w, cx, cz, lod, &f), TP_OK);
    return g;
}

static uint16_t *world_apron(const tp_world_params *w, int32_t cx, int32_t cz, uint32_t lod)
{
    uint16_t *a = malloc(sizeof *a * 4 * tp_world_lod_edge(w, lod));
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(tp_mesh_apron_generate(w, cx, cz, lod, a), TP_OK);
    return a;
}

/* ---- structural checks -------------------------------------------------------------- */

static int64_t cross_xz(const tp_mesh_vertex *a, const tp_mesh_vertex *b, const tp_mesh_vertex *c)
{
    return ((int64_t)b->x - a->x) * ((int64_t)c->z - a->z) - ((int64_t)b->z - a->z) * ((int64_t)c->x - a->x);
}

typedef struct edge_key {
    uint32_t a, b;
} edge_key;

static int edge_cmp(const void *p, const void *q)
{
    const edge_key *x = p, *y = q;
    uint32_t x0 = x->a < x->b ? x->a : x->b, x1 = x->a < x->b ? x->b : x->a;
    uint32_t y0 = y->a < y->b ? y->a : y->b, y1 = y->a < y->b ? y->b : y->a;
    if (x0 != y0)
        return x0 < y0 ? -1 : 1;
    if (x1 != y1)
        return x1 < y1 ? -1 : 1;
    return 0;
}

static int u32_cmp(const void *p, const void *q)
{
    uint32_t a = *(const uint32_t *)p, b = *(const uint32_t *)q;
    return (a > b) - (a < b);
}

static int on_border(const tp_mesh_vertex *a, const tp_mesh_vertex *b)
{
    return (a->x == b->x && (a->x == 0 || a->x == EXTENT)) ||
           (a->z == b->z && (a->z == 0 || a->z == EXTENT));
}

/* The surface is a triangulation of the chunk square: every triangle faces up (counter-
 * clockwise seen from +y, which is clockwise in (x, z)), the areas add up to the square,
 * and every edge not on the border is shared by exactly two triangles in opposite
 * directions — so there is no overlap, no hole and no T-junction. Vertices are unique. */
static void assert_conforming(const tp_mesh *m)
{
    const uint32_t tris = surface_triangles(m);
    int64_t area2 = 0;
    edge_key *edges = malloc(sizeof *edges * 3 * (tris ? tris : 1));
    ck_assert_ptr_nonnull(edges);
    for (uint32_t t = 0; t < tris; t++) {
        const uint16_t *tri = &m->indices[3 * t];
        for (int k = 0; k < 3; k++)
            ck_assert_uint_lt(tri[k], m->skirt_vertex_start);
        int64_t c = cross_xz(&m->vertices[tri[0]], &m->vertices[tri[1]], &m->vertices[tri[2]]);
        ck_assert_msg(c < 0, "triangle %u is degenerate or faces down (cross %lld)", t, (long long)c);
        area2 -= c;
        for (int k = 0; k < 3; k++)
            edges[3 * t + (uint32_t)k] = (edge_key){tri[k], tri[(k + 1) % 3]};
    }
    ck_assert_int_eq(area2, 2 * (int64_t)EXTENT * EXTENT);
    qsort(edges, 3 * (size_t)tris, sizeof *edges, edge_cmp);
    for (size_t k = 0; k < 3 * (size_t)tris;) {
        size_t run = 1;
        while (k + run < 3 * (size_t)tris && edge_cmp(&edges[k], &edges[k + run]) == 0)
            run++;
        const tp_mesh_vertex *a = &m->vertices[edges[k].a], *b = &m->vertices[edges[k].b];
        if (run == 1)
            ck_assert_msg(on_border(a, b), "edge (%u,%u)-(%u,%u) has one triangle but is not on the border",
                          a->x, a->z, b->x, b->z);
        else
            ck_assert_msg(run == 2 && edges[k].a == edges[k + 1].b,
                          "edge (%u,%u)-(%u,%u) is used %zu times or twice in one direction",
                          a->x, a->z, b->x, b->z, run);
        k += run;
    }
    free(edges);
    /* Surface vertices are distinct points. */
    uint32_t *where = malloc(sizeof *where * (m->skirt_vertex_start + 1));
    ck_assert_ptr_nonnull(where);
    for (uint32_t k = 0; k < m->skirt_vertex_start; k++)
        where[k] = (uint32_t)m->vertices[k].x << 16 | m->vertices[k].z;
    qsort(where, m->skirt_vertex_start, sizeof *where, u32_cmp);
    for (uint32_t k = 1; k < m->skirt_vertex_start; k++)
        ck_assert_uint_ne(where[k - 1], where[k]);
    free(where);
}

/* Independent of tp_mesh_max_error(): the largest |sample − surface| in metres over the
 * samples of a grid of `edge` samples per chunk edge, in double precision, with a small
 * tolerance for samples on edges. */
static double brute_error_m(const tp_mesh *m, const uint16_t *grid, uint32_t edge)
{
    const double scale = (double)(edge - 1) / EXTENT;
    double worst = 0;
    for (uint32_t t = 0; t < surface_triangles(m); t++) {
        const tp_mesh_vertex *v[3];
        double x[3], z[3];
        for (int k = 0; k < 3; k++) {
            v[k] = &m->vertices[m->indices[3 * t + (uint32_t)k]];
            x[k] = v[k]->x * scale, z[k] = v[k]->z * scale;
        }
        double det = (x[1] - x[0]) * (z[2] - z[0]) - (z[1] - z[0]) * (x[2] - x[0]);
        int x0 = (int)x[0], x1 = (int)x[0], z0 = (int)z[0], z1 = (int)z[0];
        for (int k = 1; k < 3; k++) {
            x0 = (int)x[k] < x0 ? (int)x[k] : x0, x1 = (int)x[k] > x1 ? (int)x[k] : x1;
            z0 = (int)z[k] < z0 ? (int)z[k] : z0, z1 = (int)z[k] > z1 ? (int)z[k] : z1;
        }
        for (int pz = z0; pz <= z1; pz++)
            for (int px = x0; px <= x1; px++) {
                double lb = ((px - x[0]) * (z[2] - z[0]) - (pz - z[0]) * (x[2] - x[0])) / det;
                double lc = ((x[1] - x[0]) * (pz - z[0]) - (z[1] - z[0]) * (px - x[0])) / det;
                double la = 1 - lb - lc;
                if (la < -1e-9 || lb < -1e-9 || lc < -1e-9)
                    continue;
                double plane = la * v[0]->h + lb * v[1]->h + lc * v[2]->h;
                double d = grid[(size_t)pz * edge + (size_t)px] - plane;
                d = d < 0 ? -d : d;
                worst = d > worst ? d : worst;
            }
    }
    return worst * TP_HEIGHT_STEP_M;
}

static float measured_error_m(const tp_mesh *m, const uint16_t *grid, uint32_t edge)
{
    float e;
    ck_assert_int_eq(tp_mesh_max_error(m, grid, edge, &e), TP_OK);
    return e;
}

/* Surface vertices on a border, sorted along it: side 0 x = 0, 1 x = extent, 2 z = 0,
 * 3 z = extent. Returns how many. */
static int vertex_along(const void *p, const void *q)
{
    const tp_mesh_vertex *a = p, *b = q;
    int ka = a->x + a->z, kb = b->x + b->z; /* one coordinate is fixed along a side */
    return (ka > kb) - (ka < kb);
}

static uint32_t border_vertices(const tp_mesh *m, int side, int skirt, tp_mesh_vertex *out)
{
    uint32_t count = 0, first = skirt ? m->skirt_vertex_start : 0;
    uint32_t last = skirt ? m->vertex_count : m->skirt_vertex_start;
    for (uint32_t k = first; k < last; k++) {
        const tp_mesh_vertex *v = &m->vertices[k];
        int on = side == 0 ? v->x == 0 : side == 1 ? v->x == EXTENT : side == 2 ? v->z == 0 : v->z == EXTENT;
        if (on)
            out[count++] = *v;
    }
    qsort(out, count, sizeof *out, vertex_along);
    return count;
}

/* The two meshes of neighbouring chunks a (at −x or −z) and b have the same vertices on
 * their shared border: same positions along it, same heights, and same normals if
 * `normals`. */
static void assert_same_border(const tp_mesh *a, const tp_mesh *b, int along_x_axis, int normals)
{
    tp_mesh_vertex *va = malloc(sizeof *va * a->vertex_count), *vb = malloc(sizeof *vb * b->vertex_count);
    ck_assert(va && vb);
    uint32_t na = border_vertices(a, along_x_axis ? 1 : 3, 0, va);
    uint32_t nb = border_vertices(b, along_x_axis ? 0 : 2, 0, vb);
    ck_assert_uint_eq(na, nb);
    ck_assert_uint_ge(na, 2);
    for (uint32_t k = 0; k < na; k++) {
        if (along_x_axis)
            ck_assert_uint_eq(va[k].z, vb[k].z);
        else
            ck_assert_uint_eq(va[k].x, vb[k].x);
        ck_assert_uint_eq(va[k].h, vb[k].h);
        if (normals) {
            ck_assert_int_eq(va[k].n_u, vb[k].n_u);
            ck_assert_int_eq(va[k].n_v, vb[k].n_v);
        }
    }
    free(va);
    free(vb);
}

/* Builds the meshes of neighbouring chunks a and b from their grids and aprons (NULL for
 * none) and checks their shared border with assert_same_border(): normals too when both
 * have aprons. */
static void assert_neighbours_share_border(const uint16_t *ga, const uint16_t *pa,
                                           const uint16_t *gb, const uint16_t *pb, uint32_t e,
                                           uint32_t lod, int along_x_axis)
{
    owned_mesh ma = build(ga, e, lod, pa, 0), mb = build(gb, e, lod, pb, 0);
    assert_same_border(&ma.m, &mb.m, along_x_axis, pa && pb);
    owned_free(&ma);
    owned_free(&mb);
}

/* Height along a sorted border polyline at position `at` (0 … extent along the side). */
static double polyline_at(const tp_mesh_vertex *v, uint32_t count, double at)
{
    for (uint32_t k = 0; k + 1 < count; k++) {
        double p0 = v[k].x + v[k].z, p1 = v[k + 1].x + v[k + 1].z;
        if (at >= p0 && at <= p1)
            return v[k].h + (v[k + 1].h - (double)v[k].h) * (at - p0) / (p1 - p0);
    }
    ck_abort_msg("position %.1f is not on the border", at);
    return 0;
}

/* ---- tests: structure --------------------------------------------------------------- */

START_TEST(test_mesh_is_a_conforming_up_facing_triangulation_at_every_lod)
{
    const uint32_t n0 = 128;
    for (int t = 0; t < 3; t++)
        for (uint32_t lod = 0; lod <= 5; lod++)
            for (int32_t c = -2; c <= 2; c++) {
                uint32_t e = (n0 >> lod) + 1;
                uint16_t *g = synth_grid((terrain)t, n0, c, 3 - c, lod);
                owned_mesh om = build(g, e, lod, NULL, 0);
                assert_conforming(&om.m);
                owned_free(&om);
                free(g);
            }
}
END_TEST

START_TEST(test_mesh_is_a_delaunay_tiling_at_every_lod)
{
    /* Greedy insertion keeps the triangulation Delaunay (border edges aside, which
     * never flip and have no far side): across every interior edge, the far vertex is
     * not inside the circle through the triangle. */
    const uint32_t n0 = 64;
    for (int t = 0; t < 3; t++)
        for (uint32_t lod = 0; lod <= 3; lod++)
            for (int32_t c = -1; c <= 1; c++) {
                uint32_t e = (n0 >> lod) + 1;
                uint16_t *g = synth_grid((terrain)t, n0, c, 2 - c, lod);
                owned_mesh om = build(g, e, lod, NULL, 0);
                assert_delaunay_tiling(&om.m, 1);
                owned_free(&om);
                free(g);
            }
}
END_TEST

START_TEST(test_flat_and_planar_chunks_need_few_triangles)
{
    for (int t = FLAT; t <= PLANE; t++)
        for (uint32_t lod = 0; lod <= 4; lod++) {
            uint32_t e = (128u >> lod) + 1;
            uint16_t *g = synth_grid((terrain)t, 128, 5, -7, lod);
            owned_mesh om = build(g, e, lod, NULL, 0);
            /* Straight borders keep only the corners, and nothing else needs a vertex. */
            ck_assert_uint_eq(surface_triangles(&om.m), 2);
            ck_assert_uint_eq(om.m.skirt_vertex_start, 4);
            ck_assert_float_eq(measured_error_m(&om.m, g, e), 0.0f);
            owned_free(&om);
            free(g);
        }
}
END_TEST

/* The synthetic terrain with its border rows and columns replaced: flat (a constant), or
 * a plane, so the seam rule keeps only the corners while the interior next to the border
 * is as rough as anywhere. */
static uint16_t *flat_bordered_grid(uint32_t e, int32_t c, int plane_border)
{
    uint16_t *g = synth_grid(SYNTH, e - 1, c, 2 * c - 1, 0);
    for (uint32_t k = 0; k < e; k++) {
        uint32_t on[4] = {k, (e - 1) * e + k, k * e, k * e + e - 1};
        for (int side = 0; side < 4; side++) {
            uint32_t i = on[side] % e, j = on[side] / e;
            g[on[side]] = (uint16_t)(plane_border ? 20000 + 3 * i + 2 * j : 20000);
        }
    }
    return g;
}

START_TEST(test_straight_borders_keep_only_corners_over_a_rough_interior)
{
    /* The interior needs vertices next to every side, which the border rule leaves
     * out: the interior triangulation must reach the straight border with vertices one
     * sample inside or further. The mesh must still tile the square without
     * T-junctions, keep the build error everywhere, and have nothing on the border
     * but the corners. */
    const double errors[] = {0.0625, 0.5, 3.0};
    for (uint32_t n = 8; n <= 128; n *= 4)
        for (int32_t c = -2; c <= 2; c++)
            for (int plane = 0; plane < 2; plane++)
                for (size_t k = 0; k < sizeof errors / sizeof errors[0]; k++) {
                    uint16_t *g = flat_bordered_grid(n + 1, c, plane);
                    tp_mesh_build_options o = {0};
                    o.max_error_m = errors[k];
                    owned_mesh om;
                    ck_assert_int_eq(build_with(g, n + 1, &o, &om), TP_OK);
                    assert_conforming(&om.m);
                    ck_assert(measured_error_m(&om.m, g, n + 1) <= errors[k]);
                    ck_assert(brute_error_m(&om.m, g, n + 1) <= errors[k] + 1e-9);
                    tp_mesh_vertex *bv = malloc(sizeof *bv * om.m.vertex_count);
                    ck_assert_ptr_nonnull(bv);
                    for (int side = 0; side < 4; side++)
                        ck_assert_uint_eq(border_vertices(&om.m, side, 0, bv), 2);
                    free(bv);
                    ck_assert_uint_gt(surface_triangles(&om.m), 2);
                    owned_free(&om);
                    free(g);
                }
}
END_TEST

START_TEST(test_regular_grid_flag_keeps_every_sample)
{
    uint16_t *g = synth_grid(FLAT, 32, 0, 0, 0);
    owned_mesh om = build(g, 33, 0, NULL, TP_MESH_BUILD_REGULAR_GRID | TP_MESH_BUILD_NO_SKIRTS);
    ck_assert_uint_eq(om.m.vertex_count, 33 * 33);
    ck_assert_uint_eq(surface_triangles(&om.m), 2 * 32 * 32);
    ck_assert_uint_eq(om.m.index_count, om.m.skirt_index_start);
    ck_assert_uint_eq(om.m.vertex_count, om.m.skirt_vertex_start);
    assert_conforming(&om.m);
    owned_free(&om);
    free(g);
}
END_TEST

START_TEST(test_skirts_hang_outward_from_the_whole_border)
{
    uint16_t *g = synth_grid(SYNTH, 64, 1, 1, 0);
    owned_mesh om = build(g, 65, 0, NULL, 0);
    const tp_mesh *m = &om.m;
    uint32_t border = 0;
    for (uint32_t k = 0; k < m->skirt_vertex_start; k++)
        border += m->vertices[k].x % EXTENT == 0 || m->vertices[k].z % EXTENT == 0;
    /* One bottom vertex per border vertex, two triangles per border segment. */
    ck_assert_uint_eq(m->vertex_count - m->skirt_vertex_start, border);
    ck_assert_uint_eq((m->index_count - m->skirt_index_start) / 3, 2 * border);
    /* 65 samples: LODs down to 9 samples, so 4 of them; depth in whole codes, rounded up. */
    double depth_codes = ceil(tp_mesh_lod_skirt_depth_m(0, 4) * 16.0);
    for (uint32_t t = m->skirt_index_start; t < m->index_count; t += 3) {
        const tp_mesh_vertex *a = &m->vertices[m->indices[t]], *b = &m->vertices[m->indices[t + 1]],
                             *c = &m->vertices[m->indices[t + 2]];
        /* Vertical and facing out: the horizontal normal points away from the chunk. */
        double ex = (double)b->x - a->x, ey = (double)b->h - a->h, ez = (double)b->z - a->z;
        double fx = (double)c->x - a->x, fy = (double)c->h - a->h, fz = (double)c->z - a->z;
        double nx = ey * fz - ez * fy, ny = ez * fx - ex * fz, nz = ex * fy - ey * fx;
        ck_assert(ny == 0.0);
        double cx = (a->x + b->x + c->x) / 3.0 - EXTENT / 2.0, cz = (a->z + b->z + c->z) / 3.0 - EXTENT / 2.0;
        ck_assert_msg(nx * cx + nz * cz > 0, "skirt triangle at %u faces into the chunk", t);
    }
    for (uint32_t k = m->skirt_vertex_start; k < m->vertex_count; k++) {
        const tp_mesh_vertex *v = &m->vertices[k];
        ck_assert(v->x % EXTENT == 0 || v->z % EXTENT == 0);
        uint32_t top = 0;
        while (top < m->skirt_vertex_start && (m->vertices[top].x != v->x || m->vertices[top].z != v->z))
            top++;
        ck_assert_uint_lt(top, m->skirt_vertex_start);
        ck_assert_int_eq(v->h, (int)m->vertices[top].h - (int)depth_codes);
        ck_assert_int_eq(v->n_u, m->vertices[top].n_u);
        ck_assert_int_eq(v->n_v, m->vertices[top].n_v);
    }
    owned_free(&om);
    free(g);
}
END_TEST

START_TEST(test_normals_of_planes_are_exact_and_face_up)
{
    /* Flat: straight up. A plane rising 3 codes per sample along +x and falling 2 along
     * +z, at 2 m per sample: slope (3/16)/2 and −(2/16)/2, so the normal is
     * (−0.09375, 1, 0.0625) and its hemi-octahedral code follows from the L1 norm. */
    uint16_t *flat = synth_grid(FLAT, 32, 0, 0, 0), *plane = synth_grid(PLANE, 32, 0, 0, 0);
    uint16_t *apron = synth_apron(PLANE, 32, 0, 0, 0);
    tp_mesh_build_options o = {0};
    o.chunk_size_m = 64.0;
    owned_mesh f, p, q;
    ck_assert_int_eq(build_with(flat, 33, &o, &f), TP_OK);
    o.apron = apron;
    ck_assert_int_eq(build_with(plane, 33, &o, &p), TP_OK);
    o.apron = NULL;
    ck_assert_int_eq(build_with(plane, 33, &o, &q), TP_OK);
    double l1 = 0.09375 + 1.0 + 0.0625;
    int u = (int)((-0.09375 + 0.0625) / l1 * 127.0 - 0.5), v = (int)((-0.09375 - 0.0625) / l1 * 127.0 - 0.5);
    for (uint32_t k = 0; k < f.m.vertex_count; k++) {
        ck_assert_int_eq(f.v[k].n_u, 0);
        ck_assert_int_eq(f.v[k].n_v, 0);
    }
    /* A plane's one-sided differences equal its central ones, so with or without apron. */
    for (uint32_t k = 0; k < p.m.vertex_count; k++) {
        ck_assert_int_eq(p.v[k].n_u, u);
        ck_assert_int_eq(p.v[k].n_v, v);
    }
    for (uint32_t k = 0; k < q.m.vertex_count; k++) {
        ck_assert_int_eq(q.v[k].n_u, u);
        ck_assert_int_eq(q.v[k].n_v, v);
    }
    owned_free(&f);
    owned_free(&p);
    owned_free(&q);
    free(flat);
    free(plane);
    free(apron);
}
END_TEST

/* ---- tests: error ------------------------------------------------------------------- */

START_TEST(test_mesh_is_within_build_error_of_its_own_grid)
{
    const uint32_t n0 = 128;
    const double errors[] = {0.0625, 0.5, 2.0, 7.5};
    for (uint32_t lod = 0; lod <= 4; lod++)
        for (int32_t c = 0; c < 3; c++)
            for (size_t k = 0; k < sizeof errors / sizeof errors[0]; k++) {
                uint32_t e = (n0 >> lod) + 1;
                uint16_t *g = synth_grid(SYNTH, n0, 7 * c - 4, c, lod);
                tp_mesh_build_options o = {0};
                o.lod = lod;
                o.max_error_m = errors[k];
                owned_mesh om;
                ck_assert_int_eq(build_with(g, e, &o, &om), TP_OK);
                float measured = measured_error_m(&om.m, g, e);
                double brute = brute_error_m(&om.m, g, e);
                ck_assert_msg(measured <= errors[k], "lod %u: %.4f m above build error %.4f m", lod,
                              measured, errors[k]);
                ck_assert(brute <= measured + 1e-9 && measured <= brute + 1e-4);
                owned_free(&om);
                free(g);
            }
}
END_TEST

START_TEST(test_tiny_build_error_keeps_every_non_planar_detail)
{
    uint16_t *g = synth_grid(SYNTH, 64, 2, 2, 0);
    tp_mesh_build_options o = {0};
    o.max_error_m = 1e-9;
    owned_mesh om;
    ck_assert_int_eq(build_with(g, 65, &o, &om), TP_OK);
    ck_assert_float_eq(measured_error_m(&om.m, g, 65), 0.0f);
    owned_free(&om);
    free(g);
}
END_TEST

START_TEST(test_max_error_counts_full_resolution_samples_between_lod_samples)
{
    /* A LOD-1 mesh of a grid with one spike between its samples: the spike is invisible
     * to the LOD-1 grid, so the mesh is flat, and the error is the spike's height. */
    uint16_t *full = synth_grid(FLAT, 16, 0, 0, 0);
    full[5 * 17 + 7] += 40; /* 2.5 m at an odd sample */
    uint16_t lod1[9 * 9];
    for (uint32_t j = 0; j < 9; j++)
        for (uint32_t i = 0; i < 9; i++)
            lod1[j * 9 + i] = full[(2 * j) * 17 + 2 * i];
    owned_mesh om = build(lod1, 9, 1, NULL, 0);
    ck_assert_float_eq(measured_error_m(&om.m, full, 17), 2.5f);
    ck_assert_float_eq(measured_error_m(&om.m, lod1, 9), 0.0f);
    owned_free(&om);
    free(full);
}
END_TEST

START_TEST(test_recorded_error_is_within_target_on_the_default_world)
{
    /* Every 4th chunk of the default world's 64 × 64 in each direction, plus the chunks
     * whose LOD grids sample worst (steep ridges): actual ≤ recorded ≤ target. */
    tp_world_params w = default_world();
    const uint32_t lods = tp_world_lod_count(&w), e0 = tp_world_lod_edge(&w, 0);
    const int32_t extra[][2] = {{-11, 5}, {-8, 4}, {-4, 4}};
    double worst[16] = {0};
    uint64_t tris[16] = {0}, regular[16] = {0};
    for (int k = 0; k < 256 + 3; k++) {
        int32_t cx = k < 256 ? -32 + 4 * (k % 16) + 1 : extra[k - 256][0];
        int32_t cz = k < 256 ? -32 + 4 * (k / 16) + 2 : extra[k - 256][1];
        uint16_t *full = world_grid(&w, cx, cz, 0);
        for (uint32_t lod = 0; lod < lods; lod++) {
            uint32_t e = tp_world_lod_edge(&w, lod);
            uint16_t *g = world_grid(&w, cx, cz, lod);
            owned_mesh om = build(g, e, lod, NULL, 0);
            float recorded = measured_error_m(&om.m, full, e0);
            if (k % 37 == 0) {
                double actual = brute_error_m(&om.m, full, e0);
                ck_assert(actual <= recorded + 1e-9 && recorded <= actual + 1e-4);
            }
            ck_assert_msg(recorded <= tp_mesh_lod_target_error_m(lod),
                          "chunk (%d,%d) lod %u: %.3f m over the %.3f m target", cx, cz, lod,
                          recorded, tp_mesh_lod_target_error_m(lod));
            worst[lod] = recorded > worst[lod] ? recorded : worst[lod];
            tris[lod] += surface_triangles(&om.m);
            regular[lod] += 2u * (e - 1) * (e - 1);
            owned_free(&om);
            free(g);
        }
        free(full);
    }
    for (uint32_t lod = 0; lod < lods; lod++)
        printf("mesh lod %u: worst error %6.2f m (target %5.1f m), %6.0f triangles per chunk, "
               "%.1fx fewer than the LOD's grid\n",
               lod, worst[lod], tp_mesh_lod_target_error_m(lod), tris[lod] / 259.0,
               (double)regular[lod] / (double)tris[lod]);
}
END_TEST

/* ---- tests: seams ------------------------------------------------------------------- */

START_TEST(test_same_lod_neighbours_share_border_vertices_on_synthetic_terrain)
{
    const uint32_t n0 = 64;
    for (uint32_t lod = 0; lod <= 4; lod++)
        for (int32_t c = -3; c <= 3; c++)
            for (int axis = 0; axis < 2; axis++) {
                uint32_t e = (n0 >> lod) + 1;
                int32_t ax = c, az = 2 * c + 1, bx = ax + (axis == 0), bz = az + (axis == 1);
                uint16_t *ga = synth_grid(SYNTH, n0, ax, az, lod), *gb = synth_grid(SYNTH, n0, bx, bz, lod);
                uint16_t *pa = synth_apron(SYNTH, n0, ax, az, lod), *pb = synth_apron(SYNTH, n0, bx, bz, lod);
                assert_neighbours_share_border(ga, pa, gb, pb, e, lod, axis == 0);
                /* Without aprons positions and heights still match. */
                assert_neighbours_share_border(ga, NULL, gb, NULL, e, lod, axis == 0);
                free(ga);
                free(gb);
                free(pa);
                free(pb);
            }
}
END_TEST

START_TEST(test_same_lod_neighbours_share_border_vertices_on_the_default_world)
{
    tp_world_params w = default_world();
    uint32_t seed = 12345;
    for (int pair = 0; pair < 40; pair++) {
        seed = seed * 1664525u + 1013904223u;
        int32_t ax = (int32_t)(seed >> 8) % 64 - 32, az = (int32_t)(seed >> 16) % 64 - 32;
        int axis = (seed >> 4) & 1;
        uint32_t lod = (seed >> 24) % tp_world_lod_count(&w), e = tp_world_lod_edge(&w, lod);
        int32_t bx = ax + (axis == 0), bz = az + (axis == 1);
        uint16_t *ga = world_grid(&w, ax, az, lod), *gb = world_grid(&w, bx, bz, lod);
        uint16_t *pa = world_apron(&w, ax, az, lod), *pb = world_apron(&w, bx, bz, lod);
        assert_neighbours_share_border(ga, pa, gb, pb, e, lod, axis == 0);
        free(ga);
        free(gb);
        free(pa);
        free(pb);
    }
}
END_TEST

START_TEST(test_apron_from_neighbours_matches_the_generator)
{
    tp_world_params w = default_world();
    for (uint32_t lod = 0; lod < tp_world_lod_count(&w); lod += 2) {
        uint32_t e = tp_world_lod_edge(&w, lod);
        uint16_t *xm = world_grid(&w, 2, 3, lod), *xp = world_grid(&w, 4, 3, lod);
        uint16_t *zm = world_grid(&w, 3, 2, lod), *zp = world_grid(&w, 3, 4, lod);
        uint16_t *a = world_apron(&w, 3, 3, lod), *b = malloc(sizeof *b * 4 * e);
        ck_assert_int_eq(tp_mesh_apron_from_neighbours(xm, xp, zm, zp, e, b), TP_OK);
        ck_assert_mem_eq(a, b, sizeof *a * 4 * e);
        free(xm);
        free(xp);
        free(zm);
        free(zp);
        free(a);
        free(b);
    }
}
END_TEST

/* Chunk a (LOD la) and its +x or +z neighbour b (LOD lb): along the shared border, each
 * side's skirt bottom is at or below the other side's surface at every LOD-0 sample (the
 * polylines bend only at those samples, so that covers every point in between). */
static void assert_skirts_cover(const tp_mesh *a, const tp_mesh *b, int along_x_axis, uint32_t n0)
{
    tp_mesh_vertex *sa = malloc(sizeof *sa * a->vertex_count), *ba = malloc(sizeof *ba * a->vertex_count);
    tp_mesh_vertex *sb = malloc(sizeof *sb * b->vertex_count), *bb = malloc(sizeof *bb * b->vertex_count);
    ck_assert(sa && ba && sb && bb);
    int side_a = along_x_axis ? 1 : 3, side_b = along_x_axis ? 0 : 2;
    uint32_t nsa = border_vertices(a, side_a, 0, sa), nba = border_vertices(a, side_a, 1, ba);
    uint32_t nsb = border_vertices(b, side_b, 0, sb), nbb = border_vertices(b, side_b, 1, bb);
    ck_assert_uint_eq(nsa, nba);
    ck_assert_uint_eq(nsb, nbb);
    /* Positions along the side: the fixed coordinate is the extent for a, 0 for b. */
    double offset = EXTENT;
    for (uint32_t t = 0; t <= n0; t++) {
        double at = (double)t * EXTENT / n0;
        double top_a = polyline_at(sa, nsa, at + offset), bottom_a = polyline_at(ba, nba, at + offset);
        double top_b = polyline_at(sb, nsb, at), bottom_b = polyline_at(bb, nbb, at);
        ck_assert_msg(bottom_a <= top_b && bottom_b <= top_a,
                      "gap not covered at %u: a %.1f..%.1f, b %.1f..%.1f", t, bottom_a, top_a,
                      bottom_b, top_b);
    }
    free(sa);
    free(ba);
    free(sb);
    free(bb);
}

START_TEST(test_skirts_reach_below_neighbours_at_other_lods)
{
    tp_world_params w = default_world();
    const uint32_t lods = tp_world_lod_count(&w), n0 = tp_world_lod_edge(&w, 0) - 1;
    const int32_t places[][2] = {{-11, 5}, {-8, 4}, {-4, 4}, {0, 0}, {10, -20}, {-30, 17}};
    for (size_t p = 0; p < sizeof places / sizeof places[0]; p++)
        for (uint32_t la = 0; la < lods; la++)
            for (uint32_t lb = 0; lb < lods; lb++) {
                if (la == lb && p > 0)
                    continue;
                int axis = (int)((p + la + lb) & 1);
                int32_t ax = places[p][0], az = places[p][1];
                uint16_t *ga = world_grid(&w, ax, az, la);
                uint16_t *gb = world_grid(&w, ax + (axis == 0), az + (axis == 1), lb);
                owned_mesh ma = build(ga, tp_world_lod_edge(&w, la), la, NULL, 0);
                owned_mesh mb = build(gb, tp_world_lod_edge(&w, lb), lb, NULL, 0);
                assert_skirts_cover(&ma.m, &mb.m, axis == 0, n0);
                owned_free(&ma);
                owned_free(&mb);
                free(ga);
                free(gb);
            }
}
END_TEST

/* ---- tests: determinism, arguments -------------------------------------------------- */

START_TEST(test_build_is_deterministic_whatever_the_scratch_held)
{
    uint16_t *g = synth_grid(SYNTH, 128, -3, 9, 0);
    uint16_t *apron = synth_apron(SYNTH, 128, -3, 9, 0);
    uint32_t mv, mi;
    tp_mesh_build_bound(129, &mv, &mi);
    size_t ss = tp_mesh_build_scratch_size(129);
    tp_mesh_vertex *v[2];
    uint16_t *ix[2];
    tp_mesh m[2];
    tp_mesh_build_options o = {0};
    o.apron = apron;
    for (int k = 0; k < 2; k++) {
        uint8_t *scratch = malloc(ss + 1);
        v[k] = malloc(sizeof *v[k] * mv);
        ix[k] = malloc(sizeof *ix[k] * mi);
        memset(scratch, k ? 0xA5 : 0x00, ss + 1);
        /* An odd address the second time: the scratch may have any alignment. */
        ck_assert_int_eq(tp_mesh_build(g, 129, &o, scratch + k, ss, v[k], mv, ix[k], mi, &m[k]), TP_OK);
        free(scratch);
    }
    ck_assert_uint_eq(m[0].vertex_count, m[1].vertex_count);
    ck_assert_uint_eq(m[0].index_count, m[1].index_count);
    ck_assert_uint_eq(m[0].skirt_vertex_start, m[1].skirt_vertex_start);
    ck_assert_uint_eq(m[0].skirt_index_start, m[1].skirt_index_start);
    ck_assert_mem_eq(v[0], v[1], sizeof *v[0] * m[0].vertex_count);
    ck_assert_mem_eq(ix[0], ix[1], sizeof *ix[0] * m[0].index_count);
    for (int k = 0; k < 2; k++) {
        free(v[k]);
        free(ix[k]);
    }
    free(g);
    free(apron);
}
END_TEST

START_TEST(test_build_rejects_bad_arguments_and_small_buffers)
{
    uint16_t g[17 * 17] = {0};
    uint32_t mv, mi;
    tp_mesh_build_bound(17, &mv, &mi);
    tp_mesh_vertex *v = malloc(sizeof *v * mv);
    uint16_t *ix = malloc(sizeof *ix * mi);
    size_t ss = tp_mesh_build_scratch_size(17);
    void *scratch = malloc(ss);
    tp_mesh m;
    tp_mesh_build_options o = {0};
    ck_assert_uint_eq(tp_mesh_build_scratch_size(16), 0);
    ck_assert_uint_eq(tp_mesh_build_scratch_size(2), 0);
    ck_assert_int_eq(tp_mesh_build(g, 16, &o, scratch, ss, v, mv, ix, mi, &m), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_mesh_build(NULL, 17, &o, scratch, ss, v, mv, ix, mi, &m), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_mesh_build(g, 17, &o, scratch, ss - 1, v, mv, ix, mi, &m), TP_ERR_BUFFER_TOO_SMALL);
    o.reserved[2] = 1;
    ck_assert_int_eq(tp_mesh_build(g, 17, &o, scratch, ss, v, mv, ix, mi, &m), TP_ERR_INVALID_ARGUMENT);
    o.reserved[2] = 0;
    o.max_error_m = -1.0;
    ck_assert_int_eq(tp_mesh_build(g, 17, &o, scratch, ss, v, mv, ix, mi, &m), TP_ERR_INVALID_ARGUMENT);
    o.max_error_m = NAN;
    ck_assert_int_eq(tp_mesh_build(g, 17, &o, scratch, ss, v, mv, ix, mi, &m), TP_ERR_INVALID_ARGUMENT);
    o.max_error_m = 0;
    o.flags = TP_MESH_BUILD_REGULAR_GRID;
    ck_assert_int_eq(tp_mesh_build(g, 17, &o, scratch, ss, v, 17 * 17 - 1, ix, mi, &m),
                     TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_uint_eq(m.vertex_count, 0);
    ck_assert_int_eq(tp_mesh_build(g, 17, &o, scratch, ss, v, mv, ix, 3 * 2 * 16 * 16 - 1, &m),
                     TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_int_eq(tp_mesh_build(g, 17, &o, scratch, ss, v, mv, ix, mi, &m), TP_OK);
    ck_assert_uint_eq(m.vertex_count, mv);
    ck_assert_uint_eq(m.index_count, mi);
    free(v);
    free(ix);
    free(scratch);
}
END_TEST

START_TEST(test_build_refuses_meshes_beyond_16_bit_indices)
{
    const uint32_t e = 257;
    uint16_t *g = synth_grid(FLAT, 256, 0, 0, 0);
    tp_mesh_build_options o = {0};
    o.flags = TP_MESH_BUILD_REGULAR_GRID;
    owned_mesh om;
    ck_assert_int_eq(build_with(g, e, &o, &om), TP_ERR_OUT_OF_RANGE);
    ck_assert_uint_eq(om.m.vertex_count, 0);
    owned_free(&om);
    o.flags = 0; /* simplified, the same grid fits */
    ck_assert_int_eq(build_with(g, e, &o, &om), TP_OK);
    owned_free(&om);
    free(g);
}
END_TEST

START_TEST(test_max_error_rejects_meshes_off_the_grid)
{
    uint16_t *g = synth_grid(SYNTH, 16, 0, 0, 0);
    owned_mesh om = build(g, 17, 0, NULL, 0);
    float e;
    ck_assert_int_eq(tp_mesh_max_error(&om.m, g, 16, &e), TP_ERR_INVALID_ARGUMENT);
    om.v[om.i[0]].x += 1;
    ck_assert_int_eq(tp_mesh_max_error(&om.m, g, 17, &e), TP_ERR_INVALID_ARGUMENT);
    om.v[om.i[0]].x -= 1;
    om.i[4] = (uint16_t)om.m.vertex_count;
    ck_assert_int_eq(tp_mesh_max_error(&om.m, g, 17, &e), TP_ERR_CORRUPT);
    owned_free(&om);
    free(g);
}
END_TEST

/* ---- tests: figures ------------------------------------------------------------------ */

/* Vertex-cache misses per triangle of a FIFO cache of `size` entries (1.0 = one new
 * vertex per triangle; the ideal for a grid is about 0.5). */
static double fifo_acmr(const uint16_t *idx, uint32_t count, int size)
{
    int fifo[64], used = 0, head = 0;
    long misses = 0;
    for (uint32_t k = 0; k < count; k++) {
        int hit = 0;
        for (int q = 0; q < used && !hit; q++)
            hit = fifo[q] == idx[k];
        if (!hit) {
            misses++;
            if (used < size)
                fifo[used++] = idx[k];
            else
                fifo[head] = idx[k], head = (head + 1) % size;
        }
    }
    return count ? (double)misses / (count / 3) : 0;
}

/* Bytes the page file stores for a mesh: its encoding, compressed by the page file's
 * own blob codec (LZ4HC level 9, the bake default). */
static size_t stored_size(const tp_mesh *m)
{
    size_t cap = tp_mesh_encode_bound(m->vertex_count, m->index_count), size, stored;
    uint8_t *raw = malloc(cap), *blob = malloc(tp_blob_encode_bound(cap));
    uint32_t encoding;
    ck_assert(raw && blob);
    ck_assert_int_eq(tp_mesh_encode(m, raw, cap, &size), TP_OK);
    ck_assert_int_eq(tp_blob_encode(TP_ELEM_BYTES, 0, raw, size, 9, blob,
                                    tp_blob_encode_bound(cap), &stored, &encoding), TP_OK);
    free(raw);
    free(blob);
    return stored;
}

START_TEST(test_meshes_beat_the_regular_grid_at_equal_error)
{
    /* The comparison rule of `terrapage bench mesh` (see bench_mesh.c), which measures
     * every chunk of the default world; here a sample of 36, every 12th chunk in x and z:
     * per chunk and LOD, the coarsest regular grid (the full grid at stride 2^j, j ≥ the
     * LOD, down to 3 samples per edge) whose error against full resolution is no larger
     * than the mesh's, against the mesh. Summed over the chunks. */
    tp_world_params w = default_world();
    const uint32_t lods = tp_world_lod_count(&w), e0 = tp_world_lod_edge(&w, 0), n0 = e0 - 1;
    uint32_t strides = 0;
    while ((n0 >> strides) >= 2)
        strides++;
    double mesh_tris[16] = {0}, reg_tris[16] = {0}, lod_grid_tris[16] = {0}, bytes[16] = {0};
    double acmr16 = 0, acmr32 = 0;
    int chunks = 0;
    uint16_t *sub = malloc(sizeof *sub * e0 * e0);
    for (int32_t cz = -30; cz < 32; cz += 12)
        for (int32_t cx = -31; cx < 32; cx += 12) {
            uint16_t *full = world_grid(&w, cx, cz, 0);
            float grid_error[16];
            for (uint32_t j = 0; j < strides; j++) {
                uint32_t e = (n0 >> j) + 1;
                for (uint32_t r = 0; r < e; r++)
                    for (uint32_t c = 0; c < e; c++)
                        sub[r * e + c] = full[(size_t)(r << j) * e0 + (c << j)];
                owned_mesh om = build(sub, e, j, NULL, TP_MESH_BUILD_REGULAR_GRID | TP_MESH_BUILD_NO_SKIRTS);
                grid_error[j] = measured_error_m(&om.m, full, e0);
                owned_free(&om);
            }
            for (uint32_t lod = 0; lod < lods; lod++) {
                uint16_t *g = world_grid(&w, cx, cz, lod);
                owned_mesh om = build(g, tp_world_lod_edge(&w, lod), lod, NULL, 0);
                float err = measured_error_m(&om.m, full, e0);
                /* Never finer than the LOD's own grid (same samples; see bench_mesh.c). */
                uint32_t j = lod;
                while (j + 1 < strides && grid_error[j + 1] <= err)
                    j++;
                reg_tris[lod] += 2.0 * (n0 >> j) * (n0 >> j);
                lod_grid_tris[lod] += 2.0 * (n0 >> lod) * (n0 >> lod);
                mesh_tris[lod] += surface_triangles(&om.m);
                bytes[lod] += (double)stored_size(&om.m);
                if (lod == 0) {
                    acmr16 += fifo_acmr(om.i, om.m.skirt_index_start, 16);
                    acmr32 += fifo_acmr(om.i, om.m.skirt_index_start, 32);
                }
                owned_free(&om);
                free(g);
            }
            free(full);
            chunks++;
        }
    free(sub);
    for (uint32_t lod = 0; lod < lods; lod++)
        printf("mesh lod %u: %5.0f triangles per chunk; %5.2fx fewer than the regular grid at "
               "equal error (%5.0f), %5.2fx fewer than the LOD's grid; %5.0f bytes per blob, "
               "%5.2f per surface triangle\n",
               lod, mesh_tris[lod] / chunks, reg_tris[lod] / mesh_tris[lod], reg_tris[lod] / chunks,
               lod_grid_tris[lod] / mesh_tris[lod], bytes[lod] / chunks, bytes[lod] / mesh_tris[lod]);
    printf("mesh lod 0: vertex-cache misses per triangle, FIFO 16: %.3f, FIFO 32: %.3f\n",
           acmr16 / chunks, acmr32 / chunks);
    ck_assert_msg(reg_tris[0] >= 3.0 * mesh_tris[0], "LOD 0 is not 3x below the regular grid");
    ck_assert(acmr32 / chunks < 0.75);
}
END_TEST


/* ---- tests: the chunk blob (what the baker stores and the fallback rebuilds) -------- */

/* Decodes a chunk blob into an owned mesh. */
static owned_mesh decode_blob(const void *raw, size_t size)
{
    owned_mesh om;
    tp_mesh info;
    ck_assert_int_eq(tp_mesh_decode_header(raw, size, &info), TP_OK);
    om.v = malloc(sizeof *om.v * (info.vertex_count + 1));
    om.i = malloc(sizeof *om.i * (info.index_count + 1));
    om.edge = 0;
    ck_assert(om.v && om.i);
    ck_assert_int_eq(tp_mesh_decode(raw, size, om.v, info.vertex_count, om.i, info.index_count, &om.m),
                     TP_OK);
    return om;
}

static void *chunk_blob(const tp_world_params *w, int32_t cx, int32_t cz, uint32_t lod,
                        const uint16_t *heights, const uint16_t *full, size_t *size, float *err)
{
    size_t cap = tp_mesh_chunk_blob_bound(w, lod);
    ck_assert_uint_gt(cap, 0);
    void *raw = malloc(cap);
    ck_assert_ptr_nonnull(raw);
    ck_assert_int_eq(tp_mesh_generate_chunk_blob(w, cx, cz, lod, heights, full, NULL, 0, raw, cap,
                                                 size, err),
                     TP_OK);
    return raw;
}

START_TEST(test_chunk_blob_is_deterministic_whatever_the_inputs_and_scratch)
{
    /* Heights passed or generated, scratch given (odd address, garbage) or allocated:
     * the same bytes, and the same as building the mesh by hand with the defaults. */
    tp_world_params w = default_world();
    const int32_t places[][2] = {{-11, 5}, {3, -7}, {30, 31}};
    for (size_t p = 0; p < 3; p++)
        for (uint32_t lod = 0; lod < tp_world_lod_count(&w); lod++) {
            int32_t cx = places[p][0], cz = places[p][1];
            uint16_t *g = world_grid(&w, cx, cz, lod), *full = world_grid(&w, cx, cz, 0);
            size_t a_size, b_size, c_size;
            float a_err, b_err, c_err;
            void *a = chunk_blob(&w, cx, cz, lod, g, full, &a_size, &a_err);
            void *b = chunk_blob(&w, cx, cz, lod, NULL, NULL, &b_size, &b_err);
            size_t ss = tp_mesh_chunk_blob_scratch_size(&w, lod), cap = tp_mesh_chunk_blob_bound(&w, lod);
            ck_assert_uint_le(ss, tp_mesh_chunk_blob_scratch_size(&w, 0));
            uint8_t *scratch = malloc(ss + 1);
            void *c = malloc(cap);
            memset(scratch, 0xA5, ss + 1);
            ck_assert_int_eq(tp_mesh_generate_chunk_blob(&w, cx, cz, lod, g, full, scratch + 1, ss, c,
                                                         cap, &c_size, &c_err),
                             TP_OK);
            ck_assert_uint_eq(a_size, b_size);
            ck_assert_uint_eq(a_size, c_size);
            ck_assert_mem_eq(a, b, a_size);
            ck_assert_mem_eq(a, c, a_size);
            ck_assert_float_eq(a_err, c_err);
            ck_assert_float_eq(b_err, -1.0f);
            /* By hand: tp_mesh_build with the defaults and the generated apron. */
            uint16_t *apron = world_apron(&w, cx, cz, lod);
            tp_mesh_build_options o = {0};
            o.lod = lod;
            o.apron = apron;
            o.lod_count = tp_world_lod_count(&w);
            owned_mesh om;
            ck_assert_int_eq(build_with(g, tp_world_lod_edge(&w, lod), &o, &om), TP_OK);
            owned_mesh dm = decode_blob(a, a_size);
            assert_meshes_equal(&om.m, &dm.m);
            ck_assert_float_eq(a_err, measured_error_m(&om.m, full, tp_world_lod_edge(&w, 0)));
            /* Too small a scratch or output is refused. */
            ck_assert_int_eq(tp_mesh_generate_chunk_blob(&w, cx, cz, lod, g, full, scratch, ss - 8, c,
                                                         cap, &c_size, NULL),
                             TP_ERR_BUFFER_TOO_SMALL);
            ck_assert_int_eq(tp_mesh_generate_chunk_blob(&w, cx, cz, lod, g, full, NULL, 0, c, cap - 1,
                                                         &c_size, NULL),
                             TP_ERR_BUFFER_TOO_SMALL);
            owned_free(&om);
            owned_free(&dm);
            free(apron);
            free(scratch);
            free(a);
            free(b);
            free(c);
            free(g);
            free(full);
        }
    size_t size;
    uint8_t out[64];
    ck_assert_int_eq(tp_mesh_generate_chunk_blob(&w, 0, 0, tp_world_lod_count(&w), NULL, NULL, NULL,
                                                 0, out, sizeof out, &size, NULL),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_uint_eq(tp_mesh_chunk_blob_bound(&w, tp_world_lod_count(&w)), 0);
}
END_TEST

START_TEST(test_chunk_blobs_of_neighbours_share_borders_at_every_lod)
{
    /* Many random neighbour pairs at every LOD, through the blob and the decoder:
     * identical border vertices, normals included (the blob always uses an apron). */
    tp_world_params w = default_world();
    uint32_t seed = 2024;
    for (uint32_t lod = 0; lod < tp_world_lod_count(&w); lod++)
        for (int pair = 0; pair < 12; pair++) {
            seed = seed * 1664525u + 1013904223u;
            int32_t ax = (int32_t)((seed >> 8) % 96) - 48, az = (int32_t)((seed >> 16) % 96) - 48;
            int axis = (seed >> 4) & 1;
            size_t sa, sb;
            void *a = chunk_blob(&w, ax, az, lod, NULL, NULL, &sa, NULL);
            void *b = chunk_blob(&w, ax + (axis == 0), az + (axis == 1), lod, NULL, NULL, &sb, NULL);
            owned_mesh ma = decode_blob(a, sa), mb = decode_blob(b, sb);
            assert_same_border(&ma.m, &mb.m, axis == 0, 1);
            owned_free(&ma);
            owned_free(&mb);
            free(a);
            free(b);
        }
}
END_TEST

START_TEST(test_corrupted_chunk_blobs_fail_and_never_yield_bad_indices)
{
    tp_world_params w = default_world();
    size_t size;
    uint8_t *raw = chunk_blob(&w, -3, 4, 2, NULL, NULL, &size, NULL);
    uint8_t *copy = malloc(size);
    owned_mesh good = decode_blob(raw, size);
    uint32_t seed = 7;
    int decoded = 0;
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, raw, size);
        for (int k = 0; k < 1 + round % 5; k++) {
            seed = seed * 1664525u + 1013904223u;
            copy[(seed >> 8) % size] ^= (uint8_t)(1u + (seed >> 24) % 255u);
        }
        decoded += decode_outcome(copy, size, TP_MESH_MAX_VERTICES, 3u << 17, &good.m);
    }
    ck_assert_int_eq(decoded, 0);
    owned_free(&good);
    free(copy);
    free(raw);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("mesh_build");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_mesh_is_a_conforming_up_facing_triangulation_at_every_lod);
    tcase_add_test(tc, test_mesh_is_a_delaunay_tiling_at_every_lod);
    tcase_add_test(tc, test_flat_and_planar_chunks_need_few_triangles);
    tcase_add_test(tc, test_straight_borders_keep_only_corners_over_a_rough_interior);
    tcase_add_test(tc, test_regular_grid_flag_keeps_every_sample);
    tcase_add_test(tc, test_skirts_hang_outward_from_the_whole_border);
    tcase_add_test(tc, test_normals_of_planes_are_exact_and_face_up);
    tcase_add_test(tc, test_mesh_is_within_build_error_of_its_own_grid);
    tcase_add_test(tc, test_tiny_build_error_keeps_every_non_planar_detail);
    tcase_add_test(tc, test_max_error_counts_full_resolution_samples_between_lod_samples);
    tcase_add_test(tc, test_recorded_error_is_within_target_on_the_default_world);
    tcase_add_test(tc, test_same_lod_neighbours_share_border_vertices_on_synthetic_terrain);
    tcase_add_test(tc, test_same_lod_neighbours_share_border_vertices_on_the_default_world);
    tcase_add_test(tc, test_apron_from_neighbours_matches_the_generator);
    tcase_add_test(tc, test_skirts_reach_below_neighbours_at_other_lods);
    tcase_add_test(tc, test_build_is_deterministic_whatever_the_scratch_held);
    tcase_add_test(tc, test_build_rejects_bad_arguments_and_small_buffers);
    tcase_add_test(tc, test_build_refuses_meshes_beyond_16_bit_indices);
    tcase_add_test(tc, test_max_error_rejects_meshes_off_the_grid);
    tcase_add_test(tc, test_meshes_beat_the_regular_grid_at_equal_error);
    tcase_add_test(tc, test_chunk_blob_is_deterministic_whatever_the_inputs_and_scratch);
    tcase_add_test(tc, test_chunk_blobs_of_neighbours_share_borders_at_every_lod);
    tcase_add_test(tc, test_corrupted_chunk_blobs_fail_and_never_yield_bad_indices);
    suite_add_tcase(s, tc);
    return s;
}
