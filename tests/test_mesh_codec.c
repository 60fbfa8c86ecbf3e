/* test_mesh_codec.c — the mesh codec (formats/mesh_codec.c, terrapage/mesh_codec.h):
 * bit-exact round trips, skirts rebuilt rather than stored, the layout FORMAT.md
 * documents, and clean failure on truncated or corrupted encodings.
 *
 * The codec stores any valid mesh and knows nothing of terrain or of the builder (bake/,
 * test_mesh_build.c), so this suite makes its meshes itself, from the synthetic terrain
 * of test_mesh_support.h: the regular-grid triangulation of a height grid, each cell
 * split along a diagonal picked by a hash so that the index stream is not periodic, the
 * vertices numbered in first-use order (as the builder emits them, the order the index
 * coding is made for), normals from central differences, and skirts added by
 * tp_mesh_add_skirts(). A grid keeps every sample, so the tests that decode once per byte
 * or bit of an encoding use 17-sample grids, which encode to about the size of a built
 * 33-sample mesh. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "test_main.h"
#include "test_mesh_support.h"

#include "terrapage/mesh_codec.h"

/* ---- meshes to encode --------------------------------------------------------------- */

/* Height code at sample (i, j) of an edge × edge grid, or one sample beyond its border:
 * from the apron (sides ordered as in terrapage/mesh.h: x−, x+, z−, z+) when there is
 * one, else the border sample repeated. */
static int32_t sample_at(const uint16_t *g, uint32_t edge, const uint16_t *apron, int64_t i,
                         int64_t j)
{
    const int64_t last = (int64_t)edge - 1;
    if (i < 0 || i > last)
        return apron ? apron[(i < 0 ? 0 : 1) * edge + (uint32_t)j]
                     : g[(uint32_t)j * edge + (i < 0 ? 0 : (uint32_t)last)];
    if (j < 0 || j > last)
        return apron ? apron[(j < 0 ? 2 : 3) * edge + (uint32_t)i]
                     : g[(j < 0 ? 0 : (uint32_t)last) * edge + (uint32_t)i];
    return g[(uint32_t)j * edge + (uint32_t)i];
}

/* Vertex at sample (i, j): its position, height and the hemi-octahedral normal of the
 * central-difference slope (terrapage/mesh_codec.h), for a 256 m chunk. */
static tp_mesh_vertex grid_vertex(const uint16_t *g, uint32_t edge, const uint16_t *apron,
                                  uint32_t i, uint32_t j)
{
    const double step_codes = 4096.0 / (edge - 1); /* 256 m / (edge − 1) in 1/16 m codes */
    double nx = -(sample_at(g, edge, apron, (int64_t)i + 1, j) -
                  sample_at(g, edge, apron, (int64_t)i - 1, j)) / 2.0;
    double nz = -(sample_at(g, edge, apron, i, (int64_t)j + 1) -
                  sample_at(g, edge, apron, i, (int64_t)j - 1)) / 2.0;
    double l1 = (nx < 0 ? -nx : nx) + step_codes + (nz < 0 ? -nz : nz);
    double u = (nx + nz) / l1, v = (nx - nz) / l1; /* px = (u + v) / 2, pz = (u − v) / 2 */
    tp_mesh_vertex vx;
    vx.x = (uint16_t)(i * EXTENT / (edge - 1));
    vx.z = (uint16_t)(j * EXTENT / (edge - 1));
    vx.h = g[j * edge + i];
    vx.n_u = (int8_t)(u * 127 + (u < 0 ? -0.5 : 0.5));
    vx.n_v = (int8_t)(v * 127 + (v < 0 ? -0.5 : 0.5));
    return vx;
}

/* The mesh of an edge × edge grid (edge − 1 a power of two), skirts skirt_depth codes
 * deep. */
static owned_mesh grid_mesh(const uint16_t *g, uint32_t edge, const uint16_t *apron,
                            uint32_t skirt_depth)
{
    const uint32_t cells = edge - 1, border = 4 * cells;
    const uint32_t vcap = edge * edge + border, icap = 6 * cells * cells + 6 * border;
    owned_mesh om;
    om.v = malloc(sizeof *om.v * vcap);
    om.i = malloc(sizeof *om.i * icap);
    om.edge = edge;
    uint16_t *number = malloc(sizeof *number * edge * edge); /* sample → vertex, or 0xFFFF */
    ck_assert(om.v && om.i && number);
    memset(number, 0xFF, sizeof *number * edge * edge);
    uint32_t vertices = 0, indices = 0;
    for (uint32_t j = 0; j < cells; j++)
        for (uint32_t i = 0; i < cells; i++) {
            /* Corners a (i, j), b (i + 1, j), c (i, j + 1), d (i + 1, j + 1); both
             * splits wind counter-clockwise seen from above. */
            const uint32_t a = j * edge + i, b = a + 1, c = a + edge, d = c + 1;
            const uint32_t split[2][6] = {{a, c, b, b, c, d}, {a, d, b, a, c, d}};
            const uint32_t *tri = split[hash3(i, j, 9) & 1];
            for (int k = 0; k < 6; k++) {
                if (number[tri[k]] == 0xFFFF) {
                    number[tri[k]] = (uint16_t)vertices;
                    om.v[vertices++] = grid_vertex(g, edge, apron, tri[k] % edge, tri[k] / edge);
                }
                om.i[indices++] = number[tri[k]];
            }
        }
    free(number);
    om.m = (tp_mesh){om.v, om.i, vertices, indices, vertices, indices, 0};
    ck_assert_int_eq(tp_mesh_add_skirts(&om.m, vcap, icap, skirt_depth), TP_OK);
    ck_assert_int_eq(tp_mesh_validate(&om.m), TP_OK);
    return om;
}

static void *encode(const tp_mesh *m, size_t *size)
{
    size_t cap = tp_mesh_encode_bound(m->vertex_count, m->index_count);
    ck_assert_uint_gt(cap, 0);
    void *blob = malloc(cap);
    ck_assert_ptr_nonnull(blob);
    ck_assert_int_eq(tp_mesh_encode(m, blob, cap, size), TP_OK);
    ck_assert_uint_le(*size, cap);
    return blob;
}

/* ---- tests -------------------------------------------------------------------------- */

START_TEST(test_codec_round_trips_bit_for_bit)
{
    for (uint32_t lod = 0; lod <= 4; lod++) {
            uint16_t *g = synth_grid(SYNTH, 128, 4, -2, lod);
            uint16_t *apron = synth_apron(SYNTH, 128, 4, -2, lod);
            owned_mesh om = grid_mesh(g, (128 >> lod) + 1, apron, 160 * (lod + 1));
            size_t size;
            void *blob = encode(&om.m, &size);
            tp_mesh info, out;
            ck_assert_int_eq(tp_mesh_decode_header(blob, size, &info), TP_OK);
            ck_assert_uint_eq(info.vertex_count, om.m.vertex_count);
            ck_assert_uint_eq(info.index_count, om.m.index_count);
            tp_mesh_vertex *v = malloc(sizeof *v * info.vertex_count);
            uint16_t *ix = malloc(sizeof *ix * info.index_count);
            ck_assert_int_eq(tp_mesh_decode(blob, size, v, info.vertex_count, ix, info.index_count, &out),
                             TP_OK);
            assert_meshes_equal(&om.m, &out);
            /* Too small an array is refused before anything is written. */
            ck_assert_int_eq(
                tp_mesh_decode(blob, size, v, info.vertex_count - 1, ix, info.index_count, &out),
                TP_ERR_BUFFER_TOO_SMALL);
            ck_assert_uint_eq(out.vertex_count, 0);
            free(v);
            free(ix);
            free(blob);
            owned_free(&om);
            free(g);
            free(apron);
    }
}
END_TEST

START_TEST(test_codec_handles_any_valid_mesh)
{
    /* Not in first-use order, positions without a common power of two, an empty mesh. */
    tp_mesh_vertex v[5] = {{1, 2, 3, -4, 5}, {65535, 0, 65535, 127, -128}, {7, 9, 11, 0, 0},
                           {300, 30000, 0, -1, 1}, {0, 65535, 1, 2, 3}};
    uint16_t ix[9] = {4, 0, 2, 2, 1, 3, 3, 3, 4};
    tp_mesh m = {v, ix, 5, 9, 3, 6, 0}, out;
    size_t size;
    void *blob = encode(&m, &size);
    tp_mesh_vertex dv[5];
    uint16_t di[9];
    ck_assert_int_eq(tp_mesh_decode(blob, size, dv, 5, di, 9, &out), TP_OK);
    assert_meshes_equal(&m, &out);
    free(blob);

    tp_mesh empty = {NULL, NULL, 0, 0, 0, 0, 0};
    blob = encode(&empty, &size);
    ck_assert_uint_eq(size, TP_MESH_BLOB_HEADER_SIZE);
    ck_assert_int_eq(tp_mesh_decode(blob, size, NULL, 0, NULL, 0, &out), TP_OK);
    ck_assert_uint_eq(out.vertex_count + out.index_count, 0);
    free(blob);

    /* Invalid meshes are not encoded. */
    uint16_t bad[3] = {0, 1, 5};
    tp_mesh m2 = {v, bad, 5, 3, 5, 3, 0};
    uint8_t buf[256];
    ck_assert_int_eq(tp_mesh_encode(&m2, buf, sizeof buf, &size), TP_ERR_CORRUPT);
    tp_mesh m3 = {v, ix, 5, 8, 5, 6, 0};
    ck_assert_int_eq(tp_mesh_encode(&m3, buf, sizeof buf, &size), TP_ERR_CORRUPT);
    ck_assert_int_eq(tp_mesh_encode(&m, buf, 10, &size), TP_ERR_BUFFER_TOO_SMALL);
}
END_TEST

START_TEST(test_skirts_are_rebuilt_not_stored_unless_they_differ)
{
    uint16_t *g = synth_grid(SYNTH, 64, 3, 3, 2);
    owned_mesh om = grid_mesh(g, 17, NULL, 160);
    ck_assert_uint_gt(om.m.skirt_depth, 0);
    size_t with_rule, tampered_size;
    void *blob = encode(&om.m, &with_rule);
    /* The same mesh whose skirt bottoms are a code lower than the rule makes: still
     * valid, stored whole, and it round-trips all the same. */
    for (uint32_t k = om.m.skirt_vertex_start; k < om.m.vertex_count; k++)
        om.v[k].h = (uint16_t)(om.v[k].h ? om.v[k].h - 1 : 0);
    void *tampered = encode(&om.m, &tampered_size);
    ck_assert_uint_gt(tampered_size, with_rule + 100);
    tp_mesh_vertex *v = malloc(sizeof *v * om.m.vertex_count);
    uint16_t *ix = malloc(sizeof *ix * om.m.index_count);
    tp_mesh out;
    ck_assert_int_eq(
        tp_mesh_decode(tampered, tampered_size, v, om.m.vertex_count, ix, om.m.index_count, &out), TP_OK);
    assert_meshes_equal(&om.m, &out);
    free(v);
    free(ix);
    free(blob);
    free(tampered);
    owned_free(&om);
    free(g);
}
END_TEST

START_TEST(test_add_skirts_checks_its_arguments_and_leaves_failures_unchanged)
{
    /* A square of two triangles: four border vertices, so 4 skirt vertices, 8 triangles. */
    tp_mesh_vertex v[8] = {{0, 0, 100, 0, 0}, {EXTENT, 0, 5, 0, 0}, {EXTENT, EXTENT, 300, 0, 0},
                           {0, EXTENT, 400, 0, 0}};
    uint16_t ix[30] = {0, 2, 1, 0, 3, 2};
    tp_mesh m = {v, ix, 4, 6, 4, 6, 0};
    ck_assert_int_eq(tp_mesh_add_skirts(&m, 7, 30, 10), TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_int_eq(tp_mesh_add_skirts(&m, 8, 29, 10), TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_int_eq(tp_mesh_add_skirts(&m, 8, 30, 70000), TP_ERR_INVALID_ARGUMENT);
    ck_assert_uint_eq(m.vertex_count, 4);
    ck_assert_uint_eq(m.index_count, 6);
    ck_assert_int_eq(tp_mesh_add_skirts(&m, 8, 30, 10), TP_OK);
    ck_assert_uint_eq(m.vertex_count, 8);
    ck_assert_uint_eq(m.index_count, 30);
    ck_assert_uint_eq(m.skirt_vertex_start, 4);
    ck_assert_uint_eq(m.skirt_index_start, 6);
    ck_assert_uint_eq(m.skirt_depth, 10);
    /* Loop order from (0, 0) along +x; heights lowered, clamped at zero. */
    ck_assert_uint_eq(v[4].h, 90);
    ck_assert_uint_eq(v[5].h, 0);
    ck_assert_uint_eq(v[6].h, 290);
    ck_assert_uint_eq(v[7].h, 390);
    const uint16_t first_quad[6] = {0, 1, 5, 0, 5, 4}, last_quad[6] = {3, 0, 4, 3, 4, 7};
    ck_assert_mem_eq(ix + 6, first_quad, sizeof first_quad);
    ck_assert_mem_eq(ix + 24, last_quad, sizeof last_quad);
    ck_assert_int_eq(tp_mesh_validate(&m), TP_OK);
    ck_assert_int_eq(tp_mesh_add_skirts(&m, 16, 60, 10), TP_ERR_INVALID_ARGUMENT); /* has skirts */
}
END_TEST

START_TEST(test_decode_rejects_every_truncation)
{
    uint16_t *g = synth_grid(SYNTH, 32, 1, 2, 1);
    owned_mesh om = grid_mesh(g, 17, NULL, 160);
    size_t size;
    uint8_t *blob = encode(&om.m, &size);
    for (size_t len = 0; len < size; len++) {
        /* A copy of exactly len bytes, so reading past it is caught. */
        uint8_t *cut = malloc(len ? len : 1);
        memcpy(cut, blob, len);
        ck_assert_msg(!decode_outcome(cut, len, om.m.vertex_count, om.m.index_count, NULL),
                      "a blob cut to %zu of %zu bytes decoded", len, size);
        free(cut);
    }
    ck_assert(decode_outcome(blob, size, om.m.vertex_count, om.m.index_count, &om.m));
    free(blob);
    owned_free(&om);
    free(g);
}
END_TEST

START_TEST(test_decode_survives_bit_flips_and_garbage)
{
    uint16_t *g = synth_grid(SYNTH, 32, -1, 0, 1);
    owned_mesh om = grid_mesh(g, 17, NULL, 160);
    size_t size;
    uint8_t *blob = encode(&om.m, &size);
    uint8_t *copy = malloc(size);
    int decoded = 0;
    /* Every bit of the encoding, one at a time: the checksum covers every byte, so
     * every flip fails. */
    for (size_t bit = 0; bit < 8 * size; bit++) {
        memcpy(copy, blob, size);
        copy[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        decoded += decode_outcome(copy, size, TP_MESH_MAX_VERTICES, 3u << 17, &om.m);
    }
    ck_assert_int_eq(decoded, 0);
    /* Many random multi-byte corruptions, and headers claiming huge counts. */
    uint32_t seed = 99;
    for (int round = 0; round < 2000; round++) {
        memcpy(copy, blob, size);
        for (int k = 0; k < 1 + round % 8; k++) {
            seed = seed * 1664525u + 1013904223u;
            copy[(seed >> 8) % size] = (uint8_t)(seed >> 24);
        }
        decode_outcome(copy, size, om.m.vertex_count, om.m.index_count, &om.m);
    }
    memcpy(copy, blob, size);
    copy[8] = copy[9] = copy[10] = 0xFF; /* vertex count 16.7 M */
    ck_assert(!decode_outcome(copy, size, TP_MESH_MAX_VERTICES, 3u << 17, NULL));
    free(copy);
    free(blob);
    owned_free(&om);
    free(g);
}
END_TEST

static void put32(uint8_t *p, uint32_t v)
{
    for (int k = 0; k < 4; k++)
        p[k] = (uint8_t)(v >> (8 * k));
}

/* An encoding assembled by hand from filtered bytes, following the layout documented in
 * formats/FORMAT.md ("Mesh blobs") rather than the encoder: a check of the spec as much
 * as of the decoder. */
static size_t hand_made_blob(const uint8_t *vbytes, uint32_t vcount, const uint8_t *ibytes,
                             uint32_t icount, uint8_t *out, size_t cap)
{
    size_t size = 32 + 8 * (size_t)vcount + 2 * (size_t)icount;
    ck_assert_uint_le(size, cap);
    uint8_t *h = out;
    memcpy(h, "TPMS", 4);
    h[4] = 2, h[5] = 0, h[6] = 0, h[7] = 0;
    put32(h + 8, vcount);
    put32(h + 12, icount);
    put32(h + 16, vcount);
    put32(h + 20, icount);
    put32(h + 24, 0);
    memcpy(out + 32, vbytes, 8 * (size_t)vcount);
    memcpy(out + 32 + 8 * (size_t)vcount, ibytes, 2 * (size_t)icount);
    uint64_t sum = XXH3_64bits_withSeed(h, 28, 0x7470u);
    put32(h + 28, (uint32_t)XXH3_64bits_withSeed(out + 32, size - 32, sum));
    return size;
}

START_TEST(test_decode_follows_the_documented_layout_and_rejects_bad_indices)
{
    /* Three vertices (0,0,h=16) (8,0,16) (0,8,17), normals zero: deltas x 0 8 −8 → zigzag
     * 0 16 15; z 0 0 8 → 0 0 16; h 16 0 1 → 32 0 2. */
    const uint8_t vbytes[24] = {0, 16, 15, 0, 0, 0, 0, 0, 16, 0, 0, 0, 32, 0, 2, 0, 0, 0,
                                0, 0, 0, 0, 0, 0};
    /* Indices 0 1 2: each a first use, code 0. Then 0 1 3: next = 3, so 3 − 0 = 3 → 6,
     * 3 − 1 = 2 → 4, 3 − 3 = 0 → 0 — a fourth vertex that does not exist. */
    const uint8_t good[6] = {0, 0, 0, 0, 0, 0}, bad[12] = {0, 0, 0, 6, 4, 0, 0, 0, 0, 0, 0, 0};
    uint8_t blob[256];
    tp_mesh_vertex v[4];
    uint16_t ix[6];
    tp_mesh out;
    size_t size = hand_made_blob(vbytes, 3, good, 3, blob, sizeof blob);
    ck_assert_int_eq(tp_mesh_decode(blob, size, v, 4, ix, 6, &out), TP_OK);
    ck_assert_uint_eq(out.vertex_count, 3);
    ck_assert_uint_eq(v[1].x, 8);
    ck_assert_uint_eq(v[2].x, 0);
    ck_assert_uint_eq(v[2].z, 8);
    ck_assert_uint_eq(v[0].h, 16);
    ck_assert_uint_eq(v[2].h, 17);
    ck_assert_uint_eq(ix[2], 2);
    size = hand_made_blob(vbytes, 3, bad, 6, blob, sizeof blob);
    ck_assert_int_eq(tp_mesh_decode(blob, size, v, 4, ix, 6, &out), TP_ERR_CORRUPT);
    ck_assert_uint_eq(out.index_count, 0);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("mesh_codec");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_codec_round_trips_bit_for_bit);
    tcase_add_test(tc, test_codec_handles_any_valid_mesh);
    tcase_add_test(tc, test_skirts_are_rebuilt_not_stored_unless_they_differ);
    tcase_add_test(tc, test_add_skirts_checks_its_arguments_and_leaves_failures_unchanged);
    tcase_add_test(tc, test_decode_rejects_every_truncation);
    tcase_add_test(tc, test_decode_survives_bit_flips_and_garbage);
    tcase_add_test(tc, test_decode_follows_the_documented_layout_and_rejects_bad_indices);
    suite_add_tcase(s, tc);
    return s;
}
