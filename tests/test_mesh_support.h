/* test_mesh_support.h — what the two mesh suites share: a synthetic terrain, meshes
 * with the arrays they own, and the comparisons and decoding checks both make.
 * test_mesh_build.c tests the builder (bake/, terrapage/mesh.h), test_mesh_codec.c the
 * codec (formats/, terrapage/mesh_codec.h); everything here uses the codec's layer only.
 *
 * The synthetic terrain is integer value noise with ridges, cliffs and spikes, continuous
 * across chunks so neighbours share their border samples: it does not depend on the
 * generator. Everything is static inline, like test_support.h. */
#ifndef TP_TEST_MESH_SUPPORT_H
#define TP_TEST_MESH_SUPPORT_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "terrapage/mesh_codec.h"

#define EXTENT TP_MESH_XZ_EXTENT

/* ---- synthetic terrain ------------------------------------------------------------ */

static inline uint32_t hash3(int64_t x, int64_t z, uint32_t seed)
{
    uint64_t h = (uint64_t)x * 0x9E3779B97F4A7C15ull ^ (uint64_t)z * 0xC2B2AE3D27D4EB4Full ^ seed;
    h ^= h >> 31;
    h *= 0xBF58476D1CE4E5B9ull;
    h ^= h >> 29;
    return (uint32_t)h;
}

/* floor(v / 2^s) without shifting negatives */
static inline int64_t floor_shift(int64_t v, int s)
{
    return v >= 0 ? v >> s : -((-v + ((int64_t)1 << s) - 1) >> s);
}

/* Bilinear value noise on a 2^s lattice, 0 … 1023, integer arithmetic only. */
static inline int64_t vnoise(int64_t gx, int64_t gz, int s, uint32_t seed)
{
    int64_t lx = floor_shift(gx, s), lz = floor_shift(gz, s), size = (int64_t)1 << s;
    int64_t fx = gx - lx * size, fz = gz - lz * size;
    int64_t v00 = hash3(lx, lz, seed) & 1023, v10 = hash3(lx + 1, lz, seed) & 1023;
    int64_t v01 = hash3(lx, lz + 1, seed) & 1023, v11 = hash3(lx + 1, lz + 1, seed) & 1023;
    int64_t a = v00 * (size - fx) + v10 * fx, b = v01 * (size - fx) + v11 * fx;
    return (a * (size - fz) + b * fz) >> (2 * s);
}

/* Height code at global LOD-0 sample (gx, gz): rolling hills, a ridged range with sharp
 * creases, 40 m cliffs and single-sample spikes — what stresses a simplifier. */
static inline uint16_t synth_height(int64_t gx, int64_t gz)
{
    int64_t h = 20000;
    h += 12 * vnoise(gx, gz, 8, 1);
    h += 3 * vnoise(gx, gz, 5, 2);
    int64_t r = vnoise(gx + 77, gz - 31, 6, 3) - 512;
    h += 1200 - 4 * (r < 0 ? -r : r);
    if (vnoise(gx, gz, 6, 4) > 640)
        h += 640;
    h += vnoise(gx, gz, 2, 5) / 64;
    if ((hash3(gx, gz, 6) & 4095) == 0)
        h += 200;
    return (uint16_t)(h < 0 ? 0 : h > 65535 ? 65535 : h);
}

/* A flat region, a plane and the synthetic terrain, selectable per test. */
typedef enum terrain { SYNTH, FLAT, PLANE } terrain;

static inline uint16_t height_of(terrain t, int64_t gx, int64_t gz)
{
    switch (t) {
    case FLAT: return 16384;
    case PLANE: return (uint16_t)(16384 + gx * 3 - gz * 2);
    default: return synth_height(gx, gz);
    }
}

/* Grid of chunk (cx, cz) at `lod` of a world with n0 + 1 samples per edge. */
static inline uint16_t *synth_grid(terrain t, uint32_t n0, int32_t cx, int32_t cz, uint32_t lod)
{
    uint32_t e = (n0 >> lod) + 1;
    uint16_t *g = malloc(sizeof *g * e * e);
    ck_assert_ptr_nonnull(g);
    for (uint32_t j = 0; j < e; j++)
        for (uint32_t i = 0; i < e; i++)
            g[j * e + i] = height_of(t, (int64_t)cx * n0 + ((int64_t)i << lod),
                                     (int64_t)cz * n0 + ((int64_t)j << lod));
    return g;
}

static inline uint16_t *synth_apron(terrain t, uint32_t n0, int32_t cx, int32_t cz, uint32_t lod)
{
    uint32_t e = (n0 >> lod) + 1;
    int64_t step = (int64_t)1 << lod, gx0 = (int64_t)cx * n0, gz0 = (int64_t)cz * n0;
    uint16_t *a = malloc(sizeof *a * 4 * e);
    ck_assert_ptr_nonnull(a);
    for (uint32_t k = 0; k < e; k++) {
        int64_t along = (int64_t)k * step;
        a[0 * e + k] = height_of(t, gx0 - step, gz0 + along);
        a[1 * e + k] = height_of(t, gx0 + n0 + step, gz0 + along);
        a[2 * e + k] = height_of(t, gx0 + along, gz0 - step);
        a[3 * e + k] = height_of(t, gx0 + along, gz0 + n0 + step);
    }
    return a;
}

/* ---- meshes, owned ------------------------------------------------------------------ */

typedef struct owned_mesh {
    tp_mesh m;
    tp_mesh_vertex *v;
    uint16_t *i;
    uint32_t edge;
} owned_mesh;

static inline void owned_free(owned_mesh *om)
{
    free(om->v);
    free(om->i);
}

static inline void assert_meshes_equal(const tp_mesh *a, const tp_mesh *b)
{
    ck_assert_uint_eq(a->vertex_count, b->vertex_count);
    ck_assert_uint_eq(a->index_count, b->index_count);
    ck_assert_uint_eq(a->skirt_vertex_start, b->skirt_vertex_start);
    ck_assert_uint_eq(a->skirt_index_start, b->skirt_index_start);
    ck_assert_mem_eq(a->vertices, b->vertices, sizeof *a->vertices * a->vertex_count);
    ck_assert_mem_eq(a->indices, b->indices, sizeof *a->indices * a->index_count);
}

/* ---- triangulations ----------------------------------------------------------------- */

/* Vertex v of m in units of its grid (positions divided by `step`). */
static inline void grid_xz(const tp_mesh *m, uint32_t v, uint32_t step, int64_t *x, int64_t *z)
{
    *x = m->vertices[v].x / step;
    *z = m->vertices[v].z / step;
}

/* The surface triangles of m tile the chunk's square: all wound alike (clockwise in
 * (x, z) when `clockwise`, as the builder winds them to face up), none flat, their
 * areas summing to the square's, and every edge either on the square's border or
 * shared, the other way round, by exactly one other triangle; and across every shared
 * edge the far vertex is not strictly inside the circle through the triangle (Delaunay).
 * Brute force: for meshes of a few thousand triangles. */
static inline void assert_delaunay_tiling(const tp_mesh *m, int clockwise)
{
    ck_assert_int_eq(tp_mesh_validate(m), TP_OK);
    uint32_t bits = 0;
    for (uint32_t v = 0; v < m->skirt_vertex_start; v++)
        bits |= m->vertices[v].x | m->vertices[v].z;
    const uint32_t step = bits ? bits & (0u - bits) : EXTENT; /* the grid's spacing */
    const int64_t n = EXTENT / step;
    const uint32_t tris = m->skirt_index_start / 3;
    const uint16_t *ix = m->indices;
    int64_t area2 = 0;
    for (uint32_t t = 0; t < tris; t++) {
        int64_t x[3], z[3];
        for (int k = 0; k < 3; k++)
            grid_xz(m, ix[3 * t + (uint32_t)k], step, &x[k], &z[k]);
        int64_t det = (x[1] - x[0]) * (z[2] - z[0]) - (z[1] - z[0]) * (x[2] - x[0]);
        det = clockwise ? -det : det;
        ck_assert_msg(det > 0, "triangle %u is flat or wound the other way", t);
        area2 += det;
        for (int k = 0; k < 3; k++) {
            const uint16_t a = ix[3 * t + (uint32_t)k], b = ix[3 * t + (uint32_t)(k + 1) % 3];
            const uint16_t c = ix[3 * t + (uint32_t)(k + 2) % 3];
            int64_t ax, az, bx, bz, cx, cz;
            grid_xz(m, a, step, &ax, &az);
            grid_xz(m, b, step, &bx, &bz);
            grid_xz(m, c, step, &cx, &cz);
            int twins = 0;
            for (uint32_t u = 0; u < tris; u++)
                for (int j = 0; j < 3; j++) {
                    if (ix[3 * u + (uint32_t)j] != b || ix[3 * u + (uint32_t)(j + 1) % 3] != a)
                        continue;
                    twins++;
                    /* d, the far vertex, against the circle through a, b, c */
                    int64_t dx, dz;
                    grid_xz(m, ix[3 * u + (uint32_t)(j + 2) % 3], step, &dx, &dz);
                    const int64_t adx = ax - dx, adz = az - dz, bdx = bx - dx, bdz = bz - dz;
                    const int64_t cdx = cx - dx, cdz = cz - dz;
                    int64_t incircle = (adx * adx + adz * adz) * (bdx * cdz - cdx * bdz) -
                                       (bdx * bdx + bdz * bdz) * (adx * cdz - cdx * adz) +
                                       (cdx * cdx + cdz * cdz) * (adx * bdz - bdx * adz);
                    incircle = clockwise ? -incircle : incircle;
                    ck_assert_msg(incircle <= 0, "edge %u-%u is not Delaunay", a, b);
                }
            const int on_border = (ax == bx && (ax == 0 || ax == n)) || (az == bz && (az == 0 || az == n));
            ck_assert_int_eq(twins, on_border ? 0 : 1);
        }
    }
    ck_assert_int_eq(area2, 2 * n * n);
}

/* Decoding damaged bytes either fails with a result code or yields a mesh that passes
 * validation — and, when `expect` is given, equals it (the checksum lets nothing else
 * through). It never reads or writes out of bounds (the sanitizer build checks that). */
static inline int decode_outcome(const void *blob, size_t size, uint32_t vcap,
                                 uint32_t icap, const tp_mesh *expect)
{
    tp_mesh_vertex *v = malloc(sizeof *v * (vcap ? vcap : 1));
    uint16_t *ix = malloc(sizeof *ix * (icap ? icap : 1));
    tp_mesh out;
    tp_result r = tp_mesh_decode(blob, size, v, vcap, ix, icap, &out);
    if (r == TP_OK) {
        ck_assert_int_eq(tp_mesh_validate(&out), TP_OK);
        if (expect)
            assert_meshes_equal(expect, &out);
    } else {
        ck_assert_uint_eq(out.vertex_count + out.index_count, 0);
    }
    free(v);
    free(ix);
    return r == TP_OK;
}

#endif /* TP_TEST_MESH_SUPPORT_H */
