/* test_generator.c — the world generator: purity, determinism, seams, the stride
 * property, parameters, and a world that has the features it promises. */
#include <check.h>
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "test_main.h"

#include "terrapage/world.h"

static tp_world_params default_world(void)
{
    tp_world_params w = {0};
    ck_assert_int_eq(tp_world_params_resolve(&w, &w), TP_OK);
    return w;
}

/* All four fields of one chunk at one LOD, owned together. */
typedef struct chunk_data {
    uint32_t edge, climate_edge;
    uint16_t *heights;
    uint8_t *biomes;
    int16_t *temperature;
    uint16_t *precipitation;
} chunk_data;

static chunk_data chunk_generate(const tp_world_params *w, int32_t cx, int32_t cz, uint32_t lod)
{
    chunk_data c;
    c.edge = tp_world_lod_edge(w, lod);
    c.climate_edge = tp_world_climate_edge(w);
    c.heights = malloc(sizeof *c.heights * c.edge * c.edge);
    c.biomes = malloc(c.edge * c.edge);
    c.temperature = malloc(sizeof *c.temperature * c.climate_edge * c.climate_edge);
    c.precipitation = malloc(sizeof *c.precipitation * c.climate_edge * c.climate_edge);
    ck_assert(c.heights && c.biomes && c.temperature && c.precipitation);
    tp_chunk_fields f = {c.heights, c.biomes, c.temperature, c.precipitation};
    ck_assert_int_eq(tp_generate_chunk(w, cx, cz, lod, &f), TP_OK);
    return c;
}

static void chunk_free(chunk_data *c)
{
    free(c->heights);
    free(c->biomes);
    free(c->temperature);
    free(c->precipitation);
}

static uint64_t chunk_hash(const chunk_data *c)
{
    XXH3_state_t *s = XXH3_createState();
    XXH3_64bits_reset(s);
    XXH3_64bits_update(s, c->heights, sizeof *c->heights * c->edge * c->edge);
    XXH3_64bits_update(s, c->biomes, c->edge * c->edge);
    XXH3_64bits_update(s, c->temperature, sizeof *c->temperature * c->climate_edge * c->climate_edge);
    XXH3_64bits_update(s, c->precipitation, sizeof *c->precipitation * c->climate_edge * c->climate_edge);
    uint64_t h = XXH3_64bits_digest(s);
    XXH3_freeState(s);
    return h;
}

/* Chunk coordinates that cover the origin, negatives and the far edges of the world. */
static const int32_t k_coords[][2] = {
    {0, 0},       {-1, -1},          {3, -7},         {-12, 5},        {31, 31},
    {-32, 17},    {1000000, 3},      {-1000000, -2},  {7, 1000000},    {999999, -999999},
    {-999999, 999998}, {123456, -654321},
};
#define COORD_COUNT (sizeof k_coords / sizeof k_coords[0])

/* xorshift for test-chosen coordinates; fixed seed so failures reproduce. */
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;
static int32_t random_coord(int32_t limit)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (int32_t)(rng_state % (uint64_t)(2 * limit + 1)) - limit;
}

START_TEST(test_generation_is_repeatable)
{
    tp_world_params w = default_world();
    for (size_t i = 0; i < COORD_COUNT; i++) {
        chunk_data a = chunk_generate(&w, k_coords[i][0], k_coords[i][1], 0);
        chunk_data b = chunk_generate(&w, k_coords[i][0], k_coords[i][1], 0);
        ck_assert_uint_eq(chunk_hash(&a), chunk_hash(&b));
        chunk_free(&a);
        chunk_free(&b);
    }
}
END_TEST

static uint64_t region_hash_with_threads(const tp_world_params *w, int threads)
{
    enum { N = 24 };
    uint64_t hashes[N];
    omp_set_num_threads(threads);
#pragma omp parallel for schedule(dynamic, 1)
    for (int i = 0; i < N; i++) {
        chunk_data c = chunk_generate(w, i % 6 - 3, i / 6 - 2, (uint32_t)(i % 3));
        hashes[i] = chunk_hash(&c);
        chunk_free(&c);
    }
    return XXH3_64bits(hashes, sizeof hashes);
}

START_TEST(test_generation_is_identical_for_one_and_two_threads)
{
    tp_world_params w = default_world();
    uint64_t one = region_hash_with_threads(&w, 1);
    uint64_t two = region_hash_with_threads(&w, 2);
    ck_assert_uint_eq(one, two);
}
END_TEST

START_TEST(test_neighbouring_chunks_share_edge_samples_exactly)
{
    tp_world_params w = default_world();
    for (int trial = 0; trial < 24; trial++) {
        int32_t cx, cz;
        if (trial < (int)COORD_COUNT) {
            cx = k_coords[trial][0];
            cz = k_coords[trial][1];
        } else {
            cx = random_coord(1000000);
            cz = random_coord(1000000);
        }
        for (uint32_t lod = 0; lod < tp_world_lod_count(&w); lod += 2) {
            chunk_data c = chunk_generate(&w, cx, cz, lod);
            chunk_data east = chunk_generate(&w, cx + 1, cz, lod);
            chunk_data north = chunk_generate(&w, cx, cz + 1, lod);
            uint32_t e = c.edge;
            for (uint32_t k = 0; k < e; k++) {
                /* east edge (i = e−1) of c is the west edge (i = 0) of its east neighbour */
                ck_assert_uint_eq(c.heights[k * e + (e - 1)], east.heights[k * e]);
                ck_assert_uint_eq(c.biomes[k * e + (e - 1)], east.biomes[k * e]);
                /* north edge (j = e−1) of c is the south edge (j = 0) of its north neighbour */
                ck_assert_uint_eq(c.heights[(e - 1) * e + k], north.heights[k]);
                ck_assert_uint_eq(c.biomes[(e - 1) * e + k], north.biomes[k]);
            }
            uint32_t ce = c.climate_edge;
            for (uint32_t k = 0; k < ce; k++) {
                ck_assert_int_eq(c.temperature[k * ce + ce - 1], east.temperature[k * ce]);
                ck_assert_uint_eq(c.precipitation[(ce - 1) * ce + k], north.precipitation[k]);
            }
            chunk_free(&c);
            chunk_free(&east);
            chunk_free(&north);
        }
    }
}
END_TEST

START_TEST(test_coarse_lod_equals_full_grid_at_stride)
{
    tp_world_params w = default_world();
    for (size_t i = 0; i < COORD_COUNT; i += 2) {
        chunk_data full = chunk_generate(&w, k_coords[i][0], k_coords[i][1], 0);
        for (uint32_t lod = 1; lod < tp_world_lod_count(&w); lod++) {
            chunk_data coarse = chunk_generate(&w, k_coords[i][0], k_coords[i][1], lod);
            uint32_t stride = 1u << lod;
            for (uint32_t j = 0; j < coarse.edge; j++)
                for (uint32_t k = 0; k < coarse.edge; k++) {
                    size_t fi = (size_t)j * stride * full.edge + (size_t)k * stride;
                    ck_assert_uint_eq(coarse.heights[j * coarse.edge + k], full.heights[fi]);
                    ck_assert_uint_eq(coarse.biomes[j * coarse.edge + k], full.biomes[fi]);
                }
            /* the climate grid does not depend on the LOD */
            ck_assert_mem_eq(coarse.temperature, full.temperature,
                             sizeof *full.temperature * full.climate_edge * full.climate_edge);
            chunk_free(&coarse);
        }
        chunk_free(&full);
    }
}
END_TEST

START_TEST(test_point_query_matches_chunk)
{
    tp_world_params w = default_world();
    const int64_t n = w.samples_per_edge - 1;
    for (size_t i = 0; i < COORD_COUNT; i++) {
        chunk_data c = chunk_generate(&w, k_coords[i][0], k_coords[i][1], 0);
        for (uint32_t s = 0; s < 40; s++) {
            uint32_t a = (s * 37u) % c.edge, b = (s * 91u + 5u) % c.edge;
            int64_t gx = (int64_t)k_coords[i][0] * n + a, gz = (int64_t)k_coords[i][1] * n + b;
            ck_assert_uint_eq(tp_generate_height_at(&w, gx, gz), c.heights[b * c.edge + a]);
        }
        chunk_free(&c);
    }
}
END_TEST

START_TEST(test_height_strips_match_point_queries_and_chunks)
{
    tp_world_params w = default_world();
    const int64_t n = w.samples_per_edge - 1;
    /* Rectangles of every shape at many strides, near the origin and far out, including
     * rows wide enough to need several tiles of the lattice ring (stride 8: 128 samples
     * a tile; stride 2^12: one). */
    const struct { uint32_t width, height, stride_log2; } shapes[] = {
        {1, 1, 0}, {1, 129, 0}, {129, 1, 0}, {1, 9, 4}, {17, 1, 3}, {5, 7, 1},
        {300, 2, 3}, {3, 40, 2}, {40, 3, 5}, {6, 6, 12}, {2, 3, 16},
    };
    uint16_t *got = malloc(sizeof *got * 600);
    ck_assert_ptr_nonnull(got);
    for (size_t i = 0; i < COORD_COUNT; i++)
        for (size_t k = 0; k < sizeof shapes / sizeof shapes[0]; k++) {
            int64_t gx0 = (int64_t)k_coords[i][0] * n + random_coord(200);
            int64_t gz0 = (int64_t)k_coords[i][1] * n + random_coord(200);
            ck_assert_int_eq(tp_generate_heights(&w, gx0, gz0, shapes[k].width, shapes[k].height,
                                                 shapes[k].stride_log2, got),
                             TP_OK);
            const int64_t step = (int64_t)1 << shapes[k].stride_log2;
            for (uint32_t b = 0; b < shapes[k].height; b++)
                for (uint32_t a = 0; a < shapes[k].width; a++)
                    if ((a * 7u + b * 3u) % 5u == 0 || shapes[k].width * shapes[k].height < 200)
                        ck_assert_uint_eq(got[b * shapes[k].width + a],
                                          tp_generate_height_at(&w, gx0 + a * step, gz0 + b * step));
        }
    /* A chunk's LOD-2 grid, row by row and column by column. */
    chunk_data c = chunk_generate(&w, -5, 9, 2);
    for (uint32_t r = 0; r < c.edge; r++) {
        ck_assert_int_eq(tp_generate_heights(&w, -5 * n, 9 * n + 4 * (int64_t)r, c.edge, 1, 2, got), TP_OK);
        ck_assert_mem_eq(got, c.heights + r * c.edge, sizeof *got * c.edge);
        ck_assert_int_eq(tp_generate_heights(&w, -5 * n + 4 * (int64_t)r, 9 * n, 1, c.edge, 2, got), TP_OK);
        for (uint32_t j = 0; j < c.edge; j++)
            ck_assert_uint_eq(got[j], c.heights[j * c.edge + r]);
    }
    chunk_free(&c);
    ck_assert_int_eq(tp_generate_heights(NULL, 0, 0, 1, 1, 0, got), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_generate_heights(&w, 0, 0, 1, 1, 0, NULL), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_generate_heights(&w, 0, 0, 0, 1, 0, got), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_generate_heights(&w, 0, 0, 1, 0, 0, got), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_generate_heights(&w, 0, 0, 1, 1, TP_GENERATE_MAX_STRIDE_LOG2 + 1, got),
                     TP_ERR_INVALID_ARGUMENT);
    free(got);
}
END_TEST

START_TEST(test_params_resolve_fills_defaults)
{
    tp_world_params w = default_world();
    ck_assert_uint_eq(w.seed, 42);
    ck_assert(w.chunk_size_m == 256.0);
    ck_assert_uint_eq(w.samples_per_edge, 129);
    ck_assert_uint_eq(tp_world_lod_count(&w), 5);
    ck_assert_uint_eq(tp_world_lod_edge(&w, 4), 9);
    ck_assert_uint_eq(tp_world_climate_edge(&w), 17);
}
END_TEST

START_TEST(test_params_resolve_rejects_bad_values)
{
    tp_world_params w = {0}, out;
    w.samples_per_edge = 100;
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_ERR_INVALID_ARGUMENT);
    w.samples_per_edge = 5; /* below the climate stride */
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_ERR_INVALID_ARGUMENT);
    w = (tp_world_params){0};
    w.chunk_size_m = -1.0;
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_ERR_INVALID_ARGUMENT);
    w = (tp_world_params){0};
    w.relief_m = 1e300 * 1e300; /* infinity */
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_ERR_INVALID_ARGUMENT);
    w = (tp_world_params){0};
    w.reserved[3] = 1;
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_ERR_INVALID_ARGUMENT);
    w = (tp_world_params){0};
    ck_assert_int_eq(tp_world_params_resolve(&w, &out), TP_OK);
    ck_assert_int_eq(tp_generate_chunk(&out, 0, 0, 99, &(tp_chunk_fields){0}), TP_ERR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_params_serialization_round_trips_and_hash_tracks_content)
{
    tp_world_params w = {0};
    w.seed = 7;
    w.sea_level_m = 12.5;
    ck_assert_int_eq(tp_world_params_resolve(&w, &w), TP_OK);
    uint8_t blob[TP_WORLD_PARAMS_BLOB_SIZE];
    tp_world_params_serialize(&w, blob);
    tp_world_params back;
    ck_assert_int_eq(tp_world_params_deserialize(blob, sizeof blob, &back), TP_OK);
    ck_assert_mem_eq(&back, &w, sizeof w);
    ck_assert_uint_eq(tp_world_params_hash(&back), tp_world_params_hash(&w));

    tp_world_params other = w;
    other.seed = 8;
    ck_assert_uint_ne(tp_world_params_hash(&other), tp_world_params_hash(&w));

    /* Blobs that are not canonical are refused. */
    ck_assert_int_eq(tp_world_params_deserialize(blob, sizeof blob - 1, &back), TP_ERR_CORRUPT);
    uint8_t bad[TP_WORLD_PARAMS_BLOB_SIZE];
    memcpy(bad, blob, sizeof bad);
    bad[24] = 100; /* samples per edge 100 */
    ck_assert_int_eq(tp_world_params_deserialize(bad, sizeof bad, &back), TP_ERR_CORRUPT);
    memcpy(bad, blob, sizeof bad);
    bad[0] = 9; /* unknown blob version */
    ck_assert_int_eq(tp_world_params_deserialize(bad, sizeof bad, &back), TP_ERR_UNSUPPORTED_VERSION);
}
END_TEST

/* A large region sampled sparsely at the coarsest LOD: what the world contains. */
START_TEST(test_world_has_ocean_mountains_and_every_biome)
{
    tp_world_params w = default_world();
    uint32_t lod = tp_world_lod_count(&w) - 1;
    long biome_count[TP_BIOME_COUNT] = {0};
    double lowest = 1e9, highest = -1e9;
    for (int32_t cz = -160; cz < 160; cz += 4)
        for (int32_t cx = -160; cx < 160; cx += 4) {
            chunk_data c = chunk_generate(&w, cx, cz, lod);
            for (uint32_t k = 0; k < c.edge * c.edge; k++) {
                ck_assert_uint_lt(c.biomes[k], TP_BIOME_COUNT);
                biome_count[c.biomes[k]]++;
                double m = tp_height_code_to_m(c.heights[k]);
                lowest = m < lowest ? m : lowest;
                highest = m > highest ? m : highest;
            }
            chunk_free(&c);
        }
    ck_assert_msg(lowest < -500.0, "no deep ocean: lowest %.1f m", lowest);
    ck_assert_msg(highest > 1500.0, "no mountains: highest %.1f m", highest);
    for (int b = 0; b < TP_BIOME_COUNT; b++)
        ck_assert_msg(biome_count[b] > 0, "biome '%s' never appears", tp_biome_name((unsigned)b));
}
END_TEST

START_TEST(test_temperature_falls_with_altitude_and_latitude)
{
    tp_world_params w = default_world();
    /* Neighbouring climate samples are 16 m apart: over that distance the sea-level
     * climate changes by under 0.1 °C, so the difference between two neighbours is the
     * lapse rate (6.5 °C per km) times their height difference, within a few centi-
     * degrees. Check every sloping land pair of a band of chunks, and fit the rate. */
    int checked = 0;
    double drop_dh = 0.0, dh_dh = 0.0;
    for (int32_t cz = -20; cz < 20; cz += 2)
        for (int32_t cx = -20; cx < 20; cx += 2) {
            chunk_data c = chunk_generate(&w, cx, cz, 0);
            uint32_t ce = c.climate_edge, stride = TP_CLIMATE_STRIDE;
            for (uint32_t b = 0; b < ce; b++)
                for (uint32_t a = 0; a + 1 < ce; a++) {
                    double h0 = tp_height_code_to_m(c.heights[b * stride * c.edge + a * stride]);
                    double h1 = tp_height_code_to_m(c.heights[b * stride * c.edge + (a + 1) * stride]);
                    if (h0 < 0.0 || h1 < 0.0 || h1 - h0 < 10.0)
                        continue;
                    double expected_cc = 0.65 * (h1 - h0); /* 6.5 °C/km = 0.65 cc/m */
                    double drop_cc = (double)c.temperature[b * ce + a] - (double)c.temperature[b * ce + a + 1];
                    ck_assert_msg(drop_cc > expected_cc - 12.0 && drop_cc < expected_cc + 12.0,
                                  "chunk %d,%d: %.1f m higher is %.0f cc colder, expected %.0f",
                                  cx, cz, h1 - h0, drop_cc, expected_cc);
                    drop_dh += drop_cc * (h1 - h0);
                    dh_dh += (h1 - h0) * (h1 - h0);
                    checked++;
                }
            chunk_free(&c);
        }
    double rate = drop_dh / dh_dh; /* least-squares cc per metre */
    ck_assert_msg(rate > 0.6 && rate < 0.7, "lapse rate %.3f cc/m over %d pairs", rate, checked);
    ck_assert_int_gt(checked, 10);

    /* Latitude: over 20 km the sea-level gradient (1.5 °C/km towards +z) outweighs the
     * climate noise and the altitude term: compare averages over rows far south and far
     * north. */
    double south = 0.0, north = 0.0;
    int ns = 0, nn = 0;
    for (int32_t cx = -40; cx < 40; cx += 2) {
        chunk_data s = chunk_generate(&w, cx, -40, 4);
        chunk_data n = chunk_generate(&w, cx, 40, 4);
        south += s.temperature[0];
        north += n.temperature[0];
        ns++;
        nn++;
        chunk_free(&s);
        chunk_free(&n);
    }
    ck_assert_msg(south / ns > north / nn + 1500.0, "south %.0f cc, north %.0f cc", south / ns,
                  north / nn);
}
END_TEST

/* The slow fields (continents, domain warp, mountain mask) come from a coarse lattice
 * every TP_CLIMATE_STRIDE samples. If their interpolation had a slope discontinuity
 * there, heights would kink along every lattice line and hillshades would show
 * stripes: the second differences of heights would be larger on lattice lines than
 * between them. With a smooth interpolation they are statistically the same. */
START_TEST(test_heights_do_not_kink_along_lattice_lines)
{
    tp_world_params w = default_world();
    double on_sum = 0.0, off_sum = 0.0;
    long on_count = 0, off_count = 0;
    for (int32_t cz = -24; cz < 24; cz += 4)
        for (int32_t cx = -24; cx < 24; cx += 4) {
            chunk_data c = chunk_generate(&w, cx, cz, 0);
            uint32_t e = c.edge;
            for (uint32_t j = 1; j + 1 < e; j++)
                for (uint32_t i = 1; i + 1 < e; i++) {
                    if (tp_height_code_to_m(c.heights[j * e + i]) <= 0.0)
                        continue; /* the sea floor is nearly flat and says nothing */
                    /* Along x and along z; chunk edges sit on lattice lines. */
                    const int32_t steps[2] = {1, (int32_t)e};
                    const uint32_t offsets[2] = {i, j};
                    for (int d = 0; d < 2; d++) {
                        size_t k = (size_t)j * e + i;
                        double d2 = (double)c.heights[k - steps[d]] - 2.0 * c.heights[k] +
                                    (double)c.heights[k + steps[d]];
                        d2 = d2 < 0.0 ? -d2 : d2;
                        if (offsets[d] % TP_CLIMATE_STRIDE == 0) {
                            on_sum += d2;
                            on_count++;
                        } else {
                            off_sum += d2;
                            off_count++;
                        }
                    }
                }
            chunk_free(&c);
        }
    ck_assert_int_gt(on_count, 10000);
    double on = on_sum / on_count, off = off_sum / off_count;
    ck_assert_msg(on < 1.06 * off, "mean |second difference| %.3f on lattice lines, %.3f between",
                  on, off);
}
END_TEST

START_TEST(test_plain_fbm_is_bounded_and_deterministic)
{
    double lo = 1e9, hi = -1e9;
    for (int i = 0; i < 20000; i++) {
        double x = (i % 200) * 0.173 - 17.0, z = (i / 200) * 0.219 + 1e6;
        double v = tp_noise_fbm2(42, x, z, 5);
        ck_assert(v == tp_noise_fbm2(42, x, z, 5));
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    ck_assert(lo >= -1.0 && hi <= 1.0);
    ck_assert(hi - lo > 0.5); /* it actually varies */
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("generator");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_generation_is_repeatable);
    tcase_add_test(tc, test_generation_is_identical_for_one_and_two_threads);
    tcase_add_test(tc, test_neighbouring_chunks_share_edge_samples_exactly);
    tcase_add_test(tc, test_coarse_lod_equals_full_grid_at_stride);
    tcase_add_test(tc, test_point_query_matches_chunk);
    tcase_add_test(tc, test_height_strips_match_point_queries_and_chunks);
    tcase_add_test(tc, test_params_resolve_fills_defaults);
    tcase_add_test(tc, test_params_resolve_rejects_bad_values);
    tcase_add_test(tc, test_params_serialization_round_trips_and_hash_tracks_content);
    tcase_add_test(tc, test_world_has_ocean_mountains_and_every_biome);
    tcase_add_test(tc, test_temperature_falls_with_altitude_and_latitude);
    tcase_add_test(tc, test_heights_do_not_kink_along_lattice_lines);
    tcase_add_test(tc, test_plain_fbm_is_bounded_and_deterministic);
    suite_add_tcase(s, tc);
    return s;
}
