/* test_query.c — heights, normals and ray hits of the drawn surface, each checked
 * against brute force over every surface triangle of the resident meshes; the mesh
 * frame's conventions; one definition of "coarser than wanted". Deterministic mode: the
 * streamer is settled by updates alone, so the LODs resident are the same on every run. */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <string.h>

#include "test_main.h"
#include "test_small_world.h"

static char g_world[512];

#define DT (1.0 / 60.0)
#define S SMALL_WORLD_CHUNK_M
#define HEIGHT_TOLERANCE_M 1e-6

static tp_streamer *open_settled(uint32_t flags, double x, double z)
{
    tp_streamer_options o = {0};
    o.flags = TP_STREAMER_DETERMINISTIC | flags;
    tp_streamer *s = small_world_open(g_world, &o);
    tp_streamer_stats st;
    for (int i = 0; i < 2000; i++) {
        ck_assert_int_eq(tp_streamer_update(s, x, z, DT), TP_OK);
        tp_streamer_get_stats(s, &st);
        if (st.in_view_coarser == 0 && st.in_view_missing == 0 && st.queue_depth == 0 &&
            st.in_flight == 0)
            return s;
    }
    ck_abort_msg("no settling");
    return s;
}

static uint64_t lcg(uint64_t *state)
{
    *state = *state * 6364136223846793005ull + 1442695040888963407ull;
    return *state >> 11;
}

static double uniform(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * ((double)lcg(state) / 9007199254740992.0);
}

/* A vertex of a view's mesh in world metres. */
static void world_vertex(const tp_chunk_view *v, uint32_t index, double out[3])
{
    const tp_mesh_vertex *p = &v->mesh->geometry.vertices[index];
    out[0] = v->cx * S + p->x * (S / TP_MESH_XZ_EXTENT);
    out[1] = TP_HEIGHT_MIN_M + p->h * TP_HEIGHT_STEP_M;
    out[2] = v->cz * S + p->z * (S / TP_MESH_XZ_EXTENT);
}

static void triangle_of(const tp_chunk_view *v, uint32_t t, double a[3], double b[3],
                        double c[3])
{
    const uint16_t *i = &v->mesh->geometry.indices[3 * t];
    world_vertex(v, i[0], a), world_vertex(v, i[1], b), world_vertex(v, i[2], c);
}

static void unit_normal(const double a[3], const double b[3], const double c[3], double n[3])
{
    double e1[3] = {b[0] - a[0], b[1] - a[1], b[2] - a[2]};
    double e2[3] = {c[0] - a[0], c[1] - a[1], c[2] - a[2]};
    n[0] = e1[1] * e2[2] - e1[2] * e2[1];
    n[1] = e1[2] * e2[0] - e1[0] * e2[2];
    n[2] = e1[0] * e2[1] - e1[1] * e2[0];
    double l = sqrt(n[0] * n[0] + n[1] * n[1] + n[2] * n[2]);
    n[0] /= l, n[1] /= l, n[2] /= l;
}

/* ---- Brute force: heights ---------------------------------------------------------------- */

/* Signed area test in (x, z): the triangle's height at (x, z) if it contains the point
 * (within a sliver of rounding), else NAN. */
static double height_in(const double a[3], const double b[3], const double c[3], double x,
                        double z)
{
    double area = (b[0] - a[0]) * (c[2] - a[2]) - (b[2] - a[2]) * (c[0] - a[0]);
    double wa = ((b[0] - x) * (c[2] - z) - (b[2] - z) * (c[0] - x)) / area;
    double wb = ((c[0] - x) * (a[2] - z) - (c[2] - z) * (a[0] - x)) / area;
    double wc = 1.0 - wa - wb;
    const double eps = 1e-9;
    if (wa < -eps || wb < -eps || wc < -eps)
        return NAN;
    return wa * a[1] + wb * b[1] + wc * c[1];
}

/* Checks tp_streamer_height_at(x, z) against every surface triangle of the chunk. */
static void check_height(tp_streamer *s, double x, double z, uint32_t *lods_seen)
{
    tp_surface_hit hit;
    tp_result r = tp_streamer_height_at(s, x, z, &hit);
    int32_t cx = (int32_t)floor(x / S), cz = (int32_t)floor(z / S);
    tp_chunk_view v;
    ck_assert_int_eq(tp_streamer_acquire(s, cx, cz, 0, &v), TP_OK);
    ck_assert_ptr_nonnull(v.mesh);
    ck_assert_msg(r == TP_OK, "(%.9g, %.9g): %s", x, z, tp_result_string(r));
    ck_assert_int_eq(hit.cx, cx);
    ck_assert_int_eq(hit.cz, cz);
    ck_assert_uint_eq(hit.lod, v.lod);
    ck_assert(hit.position_m[0] == x && hit.position_m[2] == z && hit.distance_m == 0.0);
    lods_seen[v.lod]++;
    uint32_t containing = 0, normal_matches = 0;
    for (uint32_t t = 0; t < v.mesh->geometry.skirt_index_start / 3; t++) {
        double a[3], b[3], c[3], n[3];
        triangle_of(&v, t, a, b, c);
        double h = height_in(a, b, c, x, z);
        if (isnan(h))
            continue;
        containing++;
        ck_assert_msg(fabs(h - hit.position_m[1]) <= HEIGHT_TOLERANCE_M,
                      "(%.9g, %.9g) chunk (%d, %d) LOD %u: %.9f m, triangle %u says %.9f m", x,
                      z, cx, cz, v.lod, hit.position_m[1], t, h);
        unit_normal(a, b, c, n);
        if (fabs(n[0] - hit.normal[0]) < 1e-9 && fabs(n[1] - hit.normal[1]) < 1e-9 &&
            fabs(n[2] - hit.normal[2]) < 1e-9)
            normal_matches++;
    }
    ck_assert_msg(containing > 0, "(%.9g, %.9g): no triangle contains it", x, z);
    ck_assert_msg(normal_matches > 0, "(%.9g, %.9g): the normal is no containing triangle's",
                  x, z);
    tp_streamer_release(s, &v);
}

/* The camera near the region's corner: LOD 0 around it, LODs 1 and 2 further out, and a
 * quarter of the view outside the region (generated pages with generated meshes). */
#define CAM_X (1.5 * S)
#define CAM_Z (1.5 * S)
#define VIEW_LO (-7.0 * S)
#define VIEW_HI (10.0 * S)

START_TEST(test_heights_equal_brute_force_over_every_triangle_at_random_points)
{
    tp_streamer *s = open_settled(0, CAM_X, CAM_Z);
    uint64_t rng = 12345;
    uint32_t lods[TP_MAX_LODS] = {0};
    for (int i = 0; i < 3000; i++)
        check_height(s, uniform(&rng, VIEW_LO, VIEW_HI), uniform(&rng, VIEW_LO, VIEW_HI), lods);
    for (uint32_t k = 0; k < 3; k++)
        ck_assert_msg(lods[k] > 0, "no point fell on a LOD-%u chunk", k);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_heights_on_chunk_borders_corners_and_vertices_equal_brute_force)
{
    tp_streamer *s = open_settled(0, CAM_X, CAM_Z);
    uint32_t lods[TP_MAX_LODS] = {0};
    uint64_t rng = 99;
    for (int cz = -6; cz < 10; cz++)
        for (int cx = -6; cx < 10; cx++) {
            double x0 = cx * S, z0 = cz * S;
            check_height(s, x0, z0, lods);                         /* corner */
            check_height(s, x0, z0 + uniform(&rng, 0, S), lods);   /* west border */
            check_height(s, x0 + uniform(&rng, 0, S), z0, lods);   /* south border */
            check_height(s, nextafter(x0 + S, x0), z0 + S / 2, lods); /* just west of east */
            /* On grid lines of LOD 0 (where vertices and edges lie). */
            check_height(s, x0 + S / 32 * (double)(lcg(&rng) % 32),
                         z0 + S / 32 * (double)(lcg(&rng) % 32), lods);
        }
    tp_streamer_close(s);
}
END_TEST

/* ---- Brute force: rays ----------------------------------------------------------------- */

typedef struct ray_case {
    double o[3], d[3]; /* d unit */
    double max_m;
    double best_t;
    int32_t cx, cz;
    double lo_m, hi_m;  /* heights seen, for choosing origins */
} ray_case;

static int ray_visit(void *user, const tp_chunk_view *v)
{
    ray_case *r = user;
    if (!v->mesh)
        return 0;
    for (uint32_t t = 0; t < v->mesh->geometry.skirt_index_start / 3; t++) {
        double a[3], b[3], c[3], n[3];
        triangle_of(v, t, a, b, c);
        r->lo_m = fmin(r->lo_m, fmin(a[1], fmin(b[1], c[1])));
        r->hi_m = fmax(r->hi_m, fmax(a[1], fmax(b[1], c[1])));
        /* Plane, then inside: a method unlike the streamer's Möller–Trumbore. */
        unit_normal(a, b, c, n);
        double den = n[0] * r->d[0] + n[1] * r->d[1] + n[2] * r->d[2];
        if (den == 0.0)
            continue;
        double t_hit = (n[0] * (a[0] - r->o[0]) + n[1] * (a[1] - r->o[1]) +
                        n[2] * (a[2] - r->o[2])) / den;
        if (t_hit < 0.0 || t_hit > r->max_m || t_hit >= r->best_t)
            continue;
        double x = r->o[0] + r->d[0] * t_hit, z = r->o[2] + r->d[2] * t_hit;
        if (isnan(height_in(a, b, c, x, z)))
            continue;
        r->best_t = t_hit, r->cx = v->cx, r->cz = v->cz;
    }
    return 0;
}

static void brute_ray(tp_streamer *s, ray_case *r)
{
    r->best_t = INFINITY;
    r->lo_m = INFINITY, r->hi_m = -INFINITY;
    tp_streamer_for_each(s, 0, ray_visit, r);
}

START_TEST(test_rays_hit_what_brute_force_over_every_triangle_hits)
{
    tp_streamer *s = open_settled(0, CAM_X, CAM_Z);
    ray_case probe = {{0, 0, 0}, {0, -1, 0}, 1.0, 0, 0, 0, 0, 0};
    brute_ray(s, &probe); /* the height range of everything resident */
    const double lo = probe.lo_m, hi = probe.hi_m;
    uint64_t rng = 777;
    uint32_t hits = 0, misses = 0, lods[TP_MAX_LODS] = {0};
    for (int i = 0; i < 400; i++) {
        ray_case r;
        memset(&r, 0, sizeof r);
        r.o[0] = uniform(&rng, VIEW_LO, VIEW_HI);
        r.o[2] = uniform(&rng, VIEW_LO, VIEW_HI);
        r.o[1] = uniform(&rng, lo - 50.0, hi + 300.0);
        double d[3];
        switch (i % 4) {
        case 0: d[0] = 0, d[1] = -1, d[2] = 0; r.o[1] = hi + 10.0; break; /* straight down */
        case 1: d[0] = uniform(&rng, -1, 1), d[1] = uniform(&rng, -0.05, 0.02),
                d[2] = uniform(&rng, -1, 1); break;                       /* grazing */
        case 2: d[0] = uniform(&rng, -1, 1), d[1] = uniform(&rng, -1, 0.3),
                d[2] = uniform(&rng, -1, 1); break;                       /* any way */
        default: d[0] = uniform(&rng, -1, 1), d[1] = uniform(&rng, -1, -0.1),
                 d[2] = uniform(&rng, -1, 1); break;                      /* downwards */
        }
        double len = sqrt(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
        for (int k = 0; k < 3; k++)
            r.d[k] = d[k] / len;
        r.max_m = uniform(&rng, 100.0, 5000.0);
        brute_ray(s, &r);
        tp_surface_hit hit;
        double scaled[3] = {d[0] * 3.0, d[1] * 3.0, d[2] * 3.0}; /* need not be unit */
        tp_result res = tp_streamer_raycast(s, r.o, scaled, r.max_m, &hit);
        if (isinf(r.best_t)) {
            ck_assert_msg(res == TP_ERR_NOT_FOUND, "ray %d: hit at %.6f m, brute force none",
                          i, hit.distance_m);
            misses++;
            continue;
        }
        ck_assert_msg(res == TP_OK, "ray %d: %s, brute force hits at %.6f m in (%d, %d)", i,
                      tp_result_string(res), r.best_t, r.cx, r.cz);
        ck_assert_msg(fabs(hit.distance_m - r.best_t) <= 1e-6 * fmax(1.0, r.best_t),
                      "ray %d: %.9f m, brute force %.9f m", i, hit.distance_m, r.best_t);
        for (int k = 0; k < 3; k++)
            ck_assert(fabs(hit.position_m[k] - (r.o[k] + r.d[k] * hit.distance_m)) < 1e-6);
        ck_assert_int_eq(hit.lod, tp_streamer_best_lod(s, hit.cx, hit.cz));
        /* The chunk: brute force's, unless the hit is on their shared border. */
        if (hit.cx != r.cx || hit.cz != r.cz) {
            double px = hit.position_m[0] / S, pz = hit.position_m[2] / S;
            ck_assert_msg(fabs(px - round(px)) < 1e-9 || fabs(pz - round(pz)) < 1e-9,
                          "ray %d: chunk (%d, %d), brute force (%d, %d)", i, hit.cx, hit.cz,
                          r.cx, r.cz);
        }
        ck_assert(hit.normal[1] > 0.0);
        lods[hit.lod]++;
        hits++;
    }
    ck_assert_uint_gt(hits, 100);
    ck_assert_uint_gt(misses, 10);
    for (uint32_t k = 0; k < 3; k++)
        ck_assert_msg(lods[k] > 0, "no ray hit a LOD-%u mesh", k);
    tp_streamer_close(s);
}
END_TEST

START_TEST(test_queries_refuse_bad_input_and_report_where_nothing_is_drawn)
{
    tp_streamer *s = open_settled(0, CAM_X, CAM_Z);
    tp_surface_hit hit;
    ck_assert_int_eq(tp_streamer_height_at(s, NAN, 0.0, &hit), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_streamer_height_at(s, 0.0, INFINITY, &hit), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_streamer_height_at(s, 1e6, 1e6, &hit), TP_ERR_NOT_FOUND);
    const double o[3] = {CAM_X, 5000.0, CAM_Z}, down[3] = {0, -1, 0}, zero[3] = {0, 0, 0};
    ck_assert_int_eq(tp_streamer_raycast(s, o, zero, 100.0, &hit), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_streamer_raycast(s, o, down, -1.0, &hit), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_streamer_raycast(s, o, down, NAN, &hit), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_streamer_raycast(s, o, down, 1e12, &hit), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_streamer_raycast(s, o, down, 10.0, &hit), TP_ERR_NOT_FOUND); /* short */
    ck_assert_int_eq(tp_streamer_raycast(s, o, down, 20000.0, &hit), TP_OK);
    const double up[3] = {0, 1, 0};
    ck_assert_int_eq(tp_streamer_raycast(s, o, up, 20000.0, &hit), TP_ERR_NOT_FOUND);
    tp_streamer_close(s);
    /* Without meshes there is no drawn surface to ask about. */
    s = open_settled(TP_STREAMER_NO_MESHES, CAM_X, CAM_Z);
    ck_assert_int_eq(tp_streamer_height_at(s, CAM_X, CAM_Z, &hit), TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_streamer_raycast(s, o, down, 20000.0, &hit), TP_ERR_NOT_FOUND);
    tp_streamer_close(s);
}
END_TEST

/* ---- Conventions ------------------------------------------------------------------------- */

static int check_winding(void *user, const tp_chunk_view *v)
{
    uint32_t *checked = user;
    const tp_mesh *m = &v->mesh->geometry;
    for (uint32_t t = 0; t < m->skirt_index_start / 3; t++) {
        const tp_mesh_vertex *a = &m->vertices[m->indices[3 * t]],
                             *b = &m->vertices[m->indices[3 * t + 1]],
                             *c = &m->vertices[m->indices[3 * t + 2]];
        /* Seen from above with x east to the right and z north up the page: a positive
         * cross product is counter-clockwise. */
        int64_t turn = ((int64_t)b->x - a->x) * ((int64_t)c->z - a->z) -
                       ((int64_t)b->z - a->z) * ((int64_t)c->x - a->x);
        ck_assert_msg(turn < 0, "(%d, %d) LOD %u triangle %u runs counter-clockwise", v->cx,
                      v->cz, v->lod, t);
        double pa[3], pb[3], pc[3], n[3];
        triangle_of(v, t, pa, pb, pc);
        unit_normal(pa, pb, pc, n);
        ck_assert(n[1] > 0.0); /* (b − a) × (c − a), component by component, points up */
        ++*checked;
    }
    return 0;
}

START_TEST(test_surface_triangles_face_up_and_run_clockwise_seen_from_above)
{
    tp_streamer *s = open_settled(0, CAM_X, CAM_Z);
    uint32_t checked = 0;
    tp_streamer_for_each(s, 0, check_winding, &checked);
    ck_assert_uint_gt(checked, 1000);
    tp_streamer_close(s);
}
END_TEST

typedef struct coarser_count {
    uint32_t flagged;
} coarser_count;

static int count_coarser(void *user, const tp_chunk_view *v)
{
    coarser_count *c = user;
    int coarser = (v->flags & TP_CHUNK_VIEW_COARSER) != 0;
    ck_assert_int_eq(coarser, v->lod > v->wanted_lod);
    c->flagged += coarser;
    return 0;
}

START_TEST(test_coarser_than_wanted_means_the_same_in_views_and_statistics)
{
    /* A camera that moves fast enough for the prediction to ask for more than the view,
     * with the workers throttled so that deficits last. */
    tp_streamer_options o = {0};
    o.flags = TP_STREAMER_DETERMINISTIC;
    o.max_in_flight = 2;
    tp_streamer *s = small_world_open(g_world, &o);
    uint32_t updates_with_deficit = 0;
    for (int i = 0; i < 300; i++) {
        double x = 200.0 + 10.0 * i, z = 300.0 + 5.0 * i;
        ck_assert_int_eq(tp_streamer_update(s, x, z, DT), TP_OK);
        tp_streamer_stats st;
        tp_streamer_get_stats(s, &st);
        coarser_count c = {0};
        tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, count_coarser, &c);
        ck_assert_msg(c.flagged == st.in_view_coarser, "update %d: %u views flagged, %u counted",
                      i, c.flagged, st.in_view_coarser);
        updates_with_deficit += c.flagged > 0;
    }
    ck_assert_uint_gt(updates_with_deficit, 10);
    tp_streamer_close(s);
}
END_TEST

/* ---- Suite ------------------------------------------------------------------------------ */

static void setup_world(void)
{
    small_world_path(g_world, sizeof g_world, "query");
    small_world_bake(g_world);
}

static void remove_world(void)
{
    remove(g_world);
}

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("query");
    TCase *tc = tcase_create("query");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, setup_world, remove_world);
    tcase_add_test(tc, test_heights_equal_brute_force_over_every_triangle_at_random_points);
    tcase_add_test(tc, test_heights_on_chunk_borders_corners_and_vertices_equal_brute_force);
    tcase_add_test(tc, test_rays_hit_what_brute_force_over_every_triangle_hits);
    tcase_add_test(tc, test_queries_refuse_bad_input_and_report_where_nothing_is_drawn);
    tcase_add_test(tc, test_surface_triangles_face_up_and_run_clockwise_seen_from_above);
    tcase_add_test(tc, test_coarser_than_wanted_means_the_same_in_views_and_statistics);
    suite_add_tcase(s, tc);
    return s;
}
