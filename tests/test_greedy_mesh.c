/* test_greedy_mesh.c — the greedy-insertion yardstick of `terrapage bench mesh`: it
 * triangulates the square properly (no gaps, no overlaps, Delaunay), stops exactly at
 * the error it is given as the one evaluator measures it, spends nothing on a plane,
 * inserts the worst sample first, and says when a coarse grid cannot reach the error;
 * and the chunk meshes of the default world come within 1.15x of it.
 * Built only with the tools (tests/CMakeLists.txt). */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "terrapage/mesh.h"
#include "terrapage/world.h"

#define TP_TEST_SUITE "greedy-mesh"
#include "test_main.h"

#include "greedy_mesh.h"
#include "test_mesh_support.h"

/* Rough, reproducible heights: a hash of (x, z) plus a slope, in 0 … 4095 codes. */
static uint16_t *rough_grid(uint32_t e, uint32_t seed)
{
    uint16_t *h = malloc(sizeof *h * e * e);
    ck_assert(h);
    for (uint32_t z = 0; z < e; z++)
        for (uint32_t x = 0; x < e; x++) {
            uint32_t v = (x * 73856093u) ^ (z * 19349663u) ^ (seed * 83492791u);
            v ^= v >> 13, v *= 0x5bd1e995u, v ^= v >> 15;
            h[z * e + x] = (uint16_t)(1000 + 7 * x + 3 * z + (v & 511u));
        }
    return h;
}

/* The full grid at stride 2^k. */
static uint16_t *coarse_grid(const uint16_t *full, uint32_t e0, uint32_t k)
{
    const uint32_t e = ((e0 - 1) >> k) + 1;
    uint16_t *h = malloc(sizeof *h * e * e);
    ck_assert(h);
    for (uint32_t z = 0; z < e; z++)
        for (uint32_t x = 0; x < e; x++)
            h[z * e + x] = full[(size_t)(z << k) * e0 + (x << k)];
    return h;
}

static float measured_m(const tp_mesh *m, const uint16_t *full, uint32_t e0)
{
    float err = -1.0f;
    ck_assert_int_eq(tp_mesh_max_error(m, full, e0, &err), TP_OK);
    return err;
}

START_TEST(test_greedy_spends_two_triangles_on_a_plane)
{
    const uint32_t e = 33;
    uint16_t *h = malloc(sizeof *h * e * e);
    ck_assert(h);
    for (uint32_t z = 0; z < e; z++)
        for (uint32_t x = 0; x < e; x++)
            h[z * e + x] = (uint16_t)(500 + 9 * x + 4 * z);
    tpt_greedy_mesher *g = tpt_greedy_create(e);
    ck_assert(g);
    tp_mesh m;
    bool reached = false;
    ck_assert_int_eq(tpt_greedy_build(g, h, e, h, e, 0.0, &m, &reached), TP_OK);
    ck_assert(reached);
    ck_assert_uint_eq(m.vertex_count, 4);
    ck_assert_uint_eq(m.index_count, 6);
    ck_assert_float_eq(measured_m(&m, h, e), 0.0f);
    assert_delaunay_tiling(&m, 0);
    tpt_greedy_free(g);
    free(h);
}
END_TEST

START_TEST(test_greedy_stops_at_the_first_mesh_within_the_error)
{
    const uint32_t e = 33;
    uint16_t *h = rough_grid(e, 1);
    tpt_greedy_mesher *g = tpt_greedy_create(65);
    ck_assert(g);
    tp_mesh m;
    bool reached = false;
    /* The two triangles of the square miss the rough grid by some error E: asked for E,
     * nothing is inserted; asked for a little less, the worst sample goes in first. */
    ck_assert_int_eq(tpt_greedy_build(g, h, e, h, e, 1e9, &m, &reached), TP_OK);
    ck_assert(reached);
    ck_assert_uint_eq(m.index_count, 6);
    const float two_triangles_m = measured_m(&m, h, e);
    ck_assert_float_gt(two_triangles_m, 1.0f);
    ck_assert_int_eq(tpt_greedy_build(g, h, e, h, e, two_triangles_m, &m, &reached), TP_OK);
    ck_assert(reached);
    ck_assert_uint_eq(m.vertex_count, 4);
    ck_assert_int_eq(tpt_greedy_build(g, h, e, h, e, two_triangles_m * 0.999, &m, &reached), TP_OK);
    ck_assert(reached);
    ck_assert_uint_gt(m.vertex_count, 4);
    ck_assert_float_le(measured_m(&m, h, e), (float)(two_triangles_m * 0.999));

    /* Every error on the way: within it, and a prefix of the same sequence, so a
     * larger error never costs more triangles. */
    uint32_t last_tris = 0;
    for (double err_m = 40.0; err_m >= 0.0; err_m = err_m > 0.1 ? err_m * 0.7 : -1.0) {
        err_m = err_m > 0.1 ? err_m : 0.0;
        ck_assert_int_eq(tpt_greedy_build(g, h, e, h, e, err_m, &m, &reached), TP_OK);
        ck_assert(reached);
        ck_assert_float_le(measured_m(&m, h, e), (float)err_m);
        ck_assert_uint_ge(m.index_count / 3, last_tris);
        last_tris = m.index_count / 3;
        assert_delaunay_tiling(&m, 0);
    }
    /* At 0 every sample off a plane is a vertex: the surface is the grid's. */
    ck_assert_float_eq(measured_m(&m, h, e), 0.0f);
    tpt_greedy_free(g);
    free(h);
}
END_TEST

START_TEST(test_greedy_on_a_coarse_grid_is_held_to_the_full_grid)
{
    const uint32_t e0 = 33, k = 2, e = ((e0 - 1) >> k) + 1;
    uint16_t *full = rough_grid(e0, 2);
    uint16_t *lod = coarse_grid(full, e0, k);
    tpt_greedy_mesher *g = tpt_greedy_create(e0);
    ck_assert(g);
    tp_mesh m;
    bool reached = false;
    /* The whole LOD grid as a mesh: greedy insertion down to 0 on its own grid. Its
     * error against the full grid is what no mesh of these samples can beat by much. */
    ck_assert_int_eq(tpt_greedy_build(g, lod, e, lod, e, 0.0, &m, &reached), TP_OK);
    ck_assert(reached);
    /* Held to the full grid, a generous error is reached, measured on the full grid and
     * with vertices in its coordinates... */
    ck_assert_int_eq(tpt_greedy_build(g, lod, e, full, e0, 40.0, &m, &reached), TP_OK);
    ck_assert(reached);
    ck_assert_float_le(measured_m(&m, full, e0), 40.0f);
    assert_delaunay_tiling(&m, 0);
    for (uint32_t v = 0; v < m.vertex_count; v++) {
        ck_assert_uint_eq(m.vertices[v].x % (1024u << k), 0);
        const uint32_t x = m.vertices[v].x / 1024u, z = m.vertices[v].z / 1024u;
        ck_assert_uint_eq(m.vertices[v].h, full[z * e0 + x]);
    }
    /* ...while an error below what the coarse samples can see is not, and says so. */
    ck_assert_int_eq(tpt_greedy_build(g, lod, e, full, e0, 0.0, &m, &reached), TP_OK);
    ck_assert(!reached);
    ck_assert_float_gt(measured_m(&m, full, e0), 0.0f);
    assert_delaunay_tiling(&m, 0);
    tpt_greedy_free(g);
    free(lod);
    free(full);
}
END_TEST

START_TEST(test_chunk_meshes_are_within_1_15x_of_greedy_insertion_at_equal_error)
{
    /* The rule of `terrapage bench mesh` on a sample of the default world (36 chunks,
     * every 12th in x and z): per chunk and LOD, the chunk mesh as the baker builds it
     * (default options), its exact max error E against the LOD-0 heights, and greedy
     * insertion on the same LOD grid run down to E by the same evaluator. Summed over the
     * chunks, the chunk meshes — with their seams fixed by the border samples alone —
     * need at most 1.15x the unconstrained reference's triangles at every LOD. */
    tp_world_params w = {0};
    ck_assert_int_eq(tp_world_params_resolve(&w, &w), TP_OK);
    const uint32_t lods = tp_world_lod_count(&w), e0 = tp_world_lod_edge(&w, 0);
    uint32_t max_v, max_i;
    tp_mesh_build_bound(e0, &max_v, &max_i);
    uint16_t *full = malloc(sizeof *full * e0 * e0);
    tp_mesh_vertex *v = malloc(sizeof *v * max_v);
    uint16_t *ix = malloc(sizeof *ix * max_i);
    void *scratch = malloc(tp_mesh_build_scratch_size(e0));
    tpt_greedy_mesher *g = tpt_greedy_create(e0);
    ck_assert(full && v && ix && scratch && g);
    double mesh_tris[16] = {0}, greedy_tris[16] = {0};
    for (int32_t cz = -30; cz < 32; cz += 12)
        for (int32_t cx = -31; cx < 32; cx += 12) {
            tp_chunk_fields fields = {0};
            fields.height_codes = full;
            ck_assert_int_eq(tp_generate_chunk(&w, cx, cz, 0, &fields), TP_OK);
            for (uint32_t lod = 0; lod < lods; lod++) {
                const uint32_t e = tp_world_lod_edge(&w, lod);
                uint16_t *grid = coarse_grid(full, e0, lod);
                tp_mesh_build_options o = {0};
                o.lod = lod;
                o.lod_count = lods;
                o.chunk_size_m = w.chunk_size_m;
                o.flags = TP_MESH_BUILD_NO_SKIRTS;
                tp_mesh m, ref;
                ck_assert_int_eq(tp_mesh_build(grid, e, &o, scratch, tp_mesh_build_scratch_size(e),
                                               v, max_v, ix, max_i, &m), TP_OK);
                const float err = measured_m(&m, full, e0);
                mesh_tris[lod] += m.index_count / 3;
                bool reached;
                ck_assert_int_eq(tpt_greedy_build(g, grid, e, full, e0, err, &ref, &reached), TP_OK);
                greedy_tris[lod] += ref.index_count / 3;
                free(grid);
            }
        }
    for (uint32_t lod = 0; lod < lods; lod++) {
        printf("greedy lod %u: chunk meshes %.0f triangles, greedy insertion %.0f: %.3fx\n", lod,
               mesh_tris[lod], greedy_tris[lod], mesh_tris[lod] / greedy_tris[lod]);
        ck_assert_msg(mesh_tris[lod] <= 1.15 * greedy_tris[lod], "LOD %u: %.3fx", lod,
                      mesh_tris[lod] / greedy_tris[lod]);
    }
    tpt_greedy_free(g);
    free(scratch), free(ix), free(v), free(full);
}
END_TEST

START_TEST(test_greedy_refuses_bad_arguments)
{
    uint16_t h[9 * 9] = {0};
    tp_mesh m;
    bool reached;
    ck_assert_ptr_null(tpt_greedy_create(2));
    ck_assert_ptr_null(tpt_greedy_create(10));
    ck_assert_ptr_null(tpt_greedy_create(257));
    tpt_greedy_mesher *g = tpt_greedy_create(9);
    ck_assert(g);
    ck_assert_int_eq(tpt_greedy_build(g, h, 17, h, 17, 1.0, &m, &reached), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tpt_greedy_build(g, h, 8, h, 8, 1.0, &m, &reached), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tpt_greedy_build(g, h, 9, h, 5, 1.0, &m, &reached), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tpt_greedy_build(g, h, 9, h, 9, -1.0, &m, &reached), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tpt_greedy_build(g, NULL, 9, h, 9, 1.0, &m, &reached), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tpt_greedy_build(g, h, 9, h, 9, 1.0, &m, &reached), TP_OK);
    tpt_greedy_free(g);
    tpt_greedy_free(NULL);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("greedy_mesh");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300); /* the brute-force tiling checks are slow under sanitizers */
    tcase_add_test(tc, test_greedy_spends_two_triangles_on_a_plane);
    tcase_add_test(tc, test_greedy_stops_at_the_first_mesh_within_the_error);
    tcase_add_test(tc, test_greedy_on_a_coarse_grid_is_held_to_the_full_grid);
    tcase_add_test(tc, test_chunk_meshes_are_within_1_15x_of_greedy_insertion_at_equal_error);
    tcase_add_test(tc, test_greedy_refuses_bad_arguments);
    suite_add_tcase(s, tc);
    return s;
}
