/* test_codec.c — blob encodings: exact round trips for every element type and shape,
 * raw fallback for incompressible data, and clean failure on damaged input. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "test_main.h"

#include "terrapage/pagefile.h"

/* Deterministic test data: a xorshift generator, never the C library's rand(). */
static uint64_t rng_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    return *state = x;
}

typedef enum pattern { PAT_RANDOM, PAT_SMOOTH, PAT_CONSTANT, PAT_EXTREME, PAT_RAMP } pattern;

/* Fills edge² elements of `elem_type` with a pattern; returns the byte count. */
static size_t fill_grid(void *dst, uint32_t elem_type, uint32_t edge, pattern p, uint64_t seed)
{
    size_t n = (size_t)edge * edge;
    uint64_t rng = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        uint32_t x = (uint32_t)(i % edge), z = (uint32_t)(i / edge);
        uint32_t v;
        switch (p) {
        case PAT_RANDOM: v = (uint32_t)rng_next(&rng); break;
        /* Gentle slopes plus a little noise, like quantised terrain. */
        case PAT_SMOOTH: v = 20000u + x * 7u + z * 3u + (x * z) / 16u + (uint32_t)(rng_next(&rng) % 5u); break;
        case PAT_CONSTANT: v = 0x1234u; break;
        case PAT_EXTREME: v = ((x + z) & 1u) ? 0xFFFFFFFFu : 0u; break; /* 0/max or MIN/MAX */
        default: v = (uint32_t)i; break;
        }
        switch (elem_type) {
        case TP_ELEM_U8: ((uint8_t *)dst)[i] = (uint8_t)(p == PAT_SMOOTH ? v / 4096u : v); break;
        case TP_ELEM_U16: ((uint16_t *)dst)[i] = (uint16_t)v; break;
        case TP_ELEM_I16:
            ((int16_t *)dst)[i] = p == PAT_EXTREME ? (((x + z) & 1u) ? INT16_MAX : INT16_MIN)
                                                   : (int16_t)(uint16_t)(v - 20000u);
            break;
        }
    }
    return n * tp_elem_size(elem_type);
}

#define ANY_ENCODING 0xFFFFFFFFu /* let tp_blob_encode() choose */

/* Encodes and decodes into an exactly sized heap buffer (so the sanitizer catches any
 * write past the end) and returns the stored size. */
static size_t round_trip_as(uint32_t want, uint32_t elem_type, uint32_t edge, const void *raw,
                            size_t raw_bytes, int level, uint32_t *out_encoding)
{
    size_t cap = tp_blob_encode_bound(raw_bytes);
    ck_assert_uint_ge(cap, raw_bytes);
    uint8_t *stored = malloc(cap ? cap : 1);
    uint8_t *back = malloc(raw_bytes);
    size_t size = 0;
    uint32_t encoding = 99;
    if (want == ANY_ENCODING)
        ck_assert_int_eq(tp_blob_encode(elem_type, edge, raw, raw_bytes, level, stored, cap,
                                        &size, &encoding), TP_OK);
    else
        ck_assert_int_eq(tp_blob_encode_as(want, elem_type, edge, raw, raw_bytes, level, stored,
                                           cap, &size, &encoding), TP_OK);
    ck_assert(encoding == want || encoding == TP_ENCODING_RAW || want == ANY_ENCODING);
    ck_assert_uint_le(size, raw_bytes);
    ck_assert_int_eq(tp_blob_decode(encoding, elem_type, edge, stored, size, back, raw_bytes),
                     TP_OK);
    ck_assert_int_eq(memcmp(back, raw, raw_bytes), 0);
    free(back);
    free(stored);
    if (out_encoding)
        *out_encoding = encoding;
    return size;
}

static size_t round_trip(uint32_t elem_type, uint32_t edge, const void *raw, size_t raw_bytes,
                         int level, uint32_t *out_encoding)
{
    return round_trip_as(ANY_ENCODING, elem_type, edge, raw, raw_bytes, level, out_encoding);
}

static const uint32_t k_edges[] = {1, 2, 3, 4, 5, 7, 9, 17, 33, 64, 65, 100, 129, 257};
static const uint32_t k_types[] = {TP_ELEM_U8, TP_ELEM_U16, TP_ELEM_I16};

START_TEST(test_every_type_and_shape_round_trips_exactly)
{
    void *grid = malloc(257 * 257 * 2);
    for (size_t t = 0; t < sizeof k_types / sizeof k_types[0]; t++)
        for (size_t e = 0; e < sizeof k_edges / sizeof k_edges[0]; e++)
            for (int p = PAT_RANDOM; p <= PAT_RAMP; p++) {
                size_t bytes = fill_grid(grid, k_types[t], k_edges[e], (pattern)p, e * 7 + t);
                round_trip(k_types[t], k_edges[e], grid, bytes, 0, NULL);
            }
    free(grid);
}
END_TEST

/* Every encoding that fits a 16-bit grid, on every shape: runs of 4096 samples split
 * rows anywhere, and the last run leaves 0 … 7 samples outside the bit planes. */
START_TEST(test_each_16_bit_encoding_round_trips_every_shape)
{
    static const uint32_t encodings[] = {TP_ENCODING_RAW, TP_ENCODING_LZ4, TP_ENCODING_PRED2D_LZ4,
                                         TP_ENCODING_SLOPE_BITPLANE_LZ4};
    void *grid = malloc(300 * 300 * 2);
    for (size_t c = 0; c < sizeof encodings / sizeof encodings[0]; c++)
        for (uint32_t edge = 1; edge <= 300; edge += edge < 70 ? 1 : 23)
            for (int p = PAT_RANDOM; p <= PAT_RAMP; p++)
                for (uint32_t type = TP_ELEM_U16; type <= TP_ELEM_I16; type++) {
                    size_t bytes = fill_grid(grid, type, edge, (pattern)p, edge + (uint64_t)p);
                    round_trip_as(encodings[c], type, edge, grid, bytes, 9, NULL);
                }
    free(grid);
}
END_TEST

START_TEST(test_filtered_encodings_are_refused_for_byte_data)
{
    uint8_t grid[9 * 9] = {0}, out[81];
    size_t n;
    uint32_t e;
    ck_assert_int_eq(tp_blob_encode_as(TP_ENCODING_PRED2D_LZ4, TP_ELEM_U8, 9, grid, 81, 9, out,
                                       sizeof out, &n, &e), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_blob_encode_as(TP_ENCODING_SLOPE_BITPLANE_LZ4, TP_ELEM_BYTES, 0, grid, 81,
                                       9, out, sizeof out, &n, &e), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_blob_encode_as(42, TP_ELEM_U8, 9, grid, 81, 9, out, sizeof out, &n, &e),
                     TP_ERR_INVALID_ARGUMENT);
}
END_TEST

START_TEST(test_every_compression_level_round_trips)
{
    uint16_t grid[65 * 65];
    size_t bytes = fill_grid(grid, TP_ELEM_U16, 65, PAT_SMOOTH, 3);
    for (int level = -8; level <= 12; level++) {
        uint32_t encoding;
        round_trip(TP_ELEM_U16, 65, grid, bytes, level, &encoding);
        ck_assert_uint_eq(encoding, TP_ENCODING_SLOPE_BITPLANE_LZ4);
        round_trip_as(TP_ENCODING_PRED2D_LZ4, TP_ELEM_U16, 65, grid, bytes, level, &encoding);
        ck_assert_uint_eq(encoding, TP_ENCODING_PRED2D_LZ4);
    }
}
END_TEST

START_TEST(test_smooth_heights_use_the_slope_predictor_and_shrink)
{
    uint16_t *grid = malloc(257 * 257 * 2);
    size_t bytes = fill_grid(grid, TP_ELEM_U16, 257, PAT_SMOOTH, 1);
    uint32_t encoding;
    size_t slope = round_trip(TP_ELEM_U16, 257, grid, bytes, 9, &encoding);
    ck_assert_uint_eq(encoding, TP_ENCODING_SLOPE_BITPLANE_LZ4);
    ck_assert_uint_lt(slope * 2, bytes); /* residuals of a few codes: well under half */
    size_t planar = round_trip_as(TP_ENCODING_PRED2D_LZ4, TP_ELEM_U16, 257, grid, bytes, 9, &encoding);
    ck_assert_uint_eq(encoding, TP_ENCODING_PRED2D_LZ4);
    ck_assert_uint_lt(slope, planar); /* why it is the default */
    free(grid);
}
END_TEST

START_TEST(test_categorical_grids_use_plain_lz4)
{
    uint8_t grid[129 * 129];
    size_t bytes = fill_grid(grid, TP_ELEM_U8, 129, PAT_SMOOTH, 2);
    uint32_t encoding;
    size_t size = round_trip(TP_ELEM_U8, 129, grid, bytes, 9, &encoding);
    ck_assert_uint_eq(encoding, TP_ENCODING_LZ4);
    ck_assert_uint_lt(size, bytes / 4);
}
END_TEST

START_TEST(test_incompressible_data_is_stored_raw)
{
    uint16_t grid[129 * 129];
    for (size_t t = 0; t < sizeof k_types / sizeof k_types[0]; t++) {
        size_t bytes = fill_grid(grid, k_types[t], 129, PAT_RANDOM, 5);
        uint32_t encoding;
        size_t size = round_trip(k_types[t], 129, grid, bytes, 9, &encoding);
        ck_assert_uint_eq(encoding, TP_ENCODING_RAW);
        ck_assert_uint_eq(size, bytes);
    }
    /* One byte can never get smaller. */
    uint8_t one = 7;
    uint32_t encoding;
    ck_assert_uint_eq(round_trip(TP_ELEM_U8, 1, &one, 1, 9, &encoding), 1);
    ck_assert_uint_eq(encoding, TP_ENCODING_RAW);
}
END_TEST

START_TEST(test_bytes_blobs_of_any_length_round_trip)
{
    uint8_t data[5000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i / 100);
    for (size_t n = 0; n <= sizeof data; n += n < 64 ? 1 : 997)
        round_trip(TP_ELEM_BYTES, 0, data, n, 0, NULL);
}
END_TEST

START_TEST(test_encoding_is_deterministic_and_independent_of_capacity)
{
    uint16_t grid[65 * 65];
    size_t bytes = fill_grid(grid, TP_ELEM_U16, 65, PAT_SMOOTH, 9);
    uint8_t a[65 * 65 * 2], b[65 * 65 * 2 + 4096];
    size_t na, nb;
    uint32_t ea, eb;
    ck_assert_int_eq(tp_blob_encode(TP_ELEM_U16, 65, grid, bytes, 9, a, sizeof a, &na, &ea), TP_OK);
    ck_assert_int_eq(tp_blob_encode(TP_ELEM_U16, 65, grid, bytes, 9, b, sizeof b, &nb, &eb), TP_OK);
    ck_assert_uint_eq(na, nb);
    ck_assert_uint_eq(ea, eb);
    ck_assert_int_eq(memcmp(a, b, na), 0);
}
END_TEST

START_TEST(test_encode_rejects_bad_arguments)
{
    uint16_t grid[9 * 9] = {0};
    uint8_t out[512];
    size_t n;
    uint32_t e;
    /* raw size not edge² · elem size */
    ck_assert_int_eq(tp_blob_encode(TP_ELEM_U16, 9, grid, 80, 9, out, sizeof out, &n, &e),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_blob_encode(TP_ELEM_U16, 0, grid, 0, 9, out, sizeof out, &n, &e),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_blob_encode(77, 9, grid, 162, 9, out, sizeof out, &n, &e),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_blob_encode(TP_ELEM_U16, 9, grid, 162, 13, out, sizeof out, &n, &e),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_blob_encode(TP_ELEM_U16, 9, grid, 162, 9, out, 161, &n, &e),
                     TP_ERR_BUFFER_TOO_SMALL);
}
END_TEST

/* An encoded smooth u16 grid, for the damage tests. */
static uint8_t *encoded_smooth(uint32_t encoding, uint32_t edge, size_t *out_size,
                               uint32_t *out_encoding)
{
    uint16_t *grid = malloc((size_t)edge * edge * 2);
    size_t bytes = fill_grid(grid, TP_ELEM_U16, edge, PAT_SMOOTH, 11);
    uint8_t *stored = malloc(tp_blob_encode_bound(bytes));
    ck_assert_int_eq(tp_blob_encode_as(encoding, TP_ELEM_U16, edge, grid, bytes, 9, stored,
                                       tp_blob_encode_bound(bytes), out_size, out_encoding),
                     TP_OK);
    ck_assert_uint_eq(*out_encoding, encoding);
    free(grid);
    return stored;
}

static const uint32_t k_filtered[] = {TP_ENCODING_PRED2D_LZ4, TP_ENCODING_SLOPE_BITPLANE_LZ4};

START_TEST(test_decode_of_truncated_bytes_fails_cleanly)
{
    size_t size;
    uint32_t encoding;
    uint8_t *stored = encoded_smooth(k_filtered[_i], 65, &size, &encoding);
    size_t raw = 65 * 65 * 2;
    for (size_t n = 0; n < size; n++) {
        uint8_t *cut = malloc(n ? n : 1); /* exact size: reading past it is caught */
        memcpy(cut, stored, n);
        uint16_t *out = malloc(raw);
        ck_assert_int_eq(tp_blob_decode(encoding, TP_ELEM_U16, 65, cut, n, out, raw),
                         TP_ERR_CORRUPT);
        free(out);
        free(cut);
    }
    free(stored);
}
END_TEST

START_TEST(test_decode_of_corrupted_bytes_never_writes_past_the_output)
{
    size_t size;
    uint32_t encoding;
    uint8_t *stored = encoded_smooth(k_filtered[_i], 65, &size, &encoding);
    size_t raw = 65 * 65 * 2;
    uint8_t *bad = malloc(size);
    int failures = 0;
    for (size_t bit = 0; bit < size * 8; bit++) {
        memcpy(bad, stored, size);
        bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
        uint16_t *out = malloc(raw); /* exact size */
        tp_result r = tp_blob_decode(encoding, TP_ELEM_U16, 65, bad, size, out, raw);
        /* A flipped literal decodes to other values (the checksum catches that in a
         * file); a flipped length or offset must be refused, never followed. */
        ck_assert(r == TP_OK || r == TP_ERR_CORRUPT);
        failures += r != TP_OK;
        free(out);
    }
    ck_assert_int_gt(failures, 0);
    /* Random garbage of every small length. */
    uint64_t rng = 99;
    for (size_t n = 1; n < 600; n++) {
        uint8_t *junk = malloc(n);
        for (size_t i = 0; i < n; i++)
            junk[i] = (uint8_t)rng_next(&rng);
        uint16_t *out = malloc(raw);
        tp_result r = tp_blob_decode(k_filtered[_i], TP_ELEM_U16, 65, junk, n, out, raw);
        ck_assert(r == TP_OK || r == TP_ERR_CORRUPT);
        r = tp_blob_decode(TP_ENCODING_LZ4, TP_ELEM_BYTES, 0, junk, n, out, raw);
        ck_assert(r == TP_OK || r == TP_ERR_CORRUPT);
        free(out);
        free(junk);
    }
    free(bad);
    free(stored);
}
END_TEST

START_TEST(test_decode_rejects_a_wrong_raw_size)
{
    size_t size;
    uint32_t encoding;
    uint8_t *stored = encoded_smooth(TP_ENCODING_SLOPE_BITPLANE_LZ4, 33, &size, &encoding);
    uint8_t out[40 * 40 * 2];
    size_t raw = 33 * 33 * 2;
    /* Sizes that disagree with the grid shape. */
    ck_assert_int_eq(tp_blob_decode(encoding, TP_ELEM_U16, 33, stored, size, out, raw - 2),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_blob_decode(encoding, TP_ELEM_U16, 33, stored, size, out, raw + 2),
                     TP_ERR_INVALID_ARGUMENT);
    /* A consistent shape that the stream does not produce exactly. */
    ck_assert_int_eq(tp_blob_decode(encoding, TP_ELEM_U16, 34, stored, size, out, 34 * 34 * 2),
                     TP_ERR_CORRUPT);
    ck_assert_int_eq(tp_blob_decode(encoding, TP_ELEM_U16, 32, stored, size, out, 32 * 32 * 2),
                     TP_ERR_CORRUPT);
    ck_assert_int_eq(tp_blob_decode(TP_ENCODING_LZ4, TP_ELEM_BYTES, 0, stored, size, out, raw - 1),
                     TP_ERR_CORRUPT);
    ck_assert_int_eq(tp_blob_decode(TP_ENCODING_LZ4, TP_ELEM_BYTES, 0, stored, size, out, raw + 1),
                     TP_ERR_CORRUPT);
    /* Raw blobs must be stored at their raw size. */
    ck_assert_int_eq(tp_blob_decode(TP_ENCODING_RAW, TP_ELEM_U8, 3, out, 8, out + 100, 9),
                     TP_ERR_CORRUPT);
    free(stored);
}
END_TEST

START_TEST(test_decode_rejects_unknown_or_mismatched_encodings)
{
    uint8_t in[16] = {0}, out[16];
    ck_assert_int_eq(tp_blob_decode(7, TP_ELEM_U8, 4, in, 16, out, 16), TP_ERR_UNSUPPORTED);
    ck_assert_int_eq(tp_blob_decode(TP_ENCODING_RAW, 9, 4, in, 16, out, 16), TP_ERR_UNSUPPORTED);
    /* The 16-bit predictor on a byte grid cannot come from a correct writer. */
    ck_assert_int_eq(tp_blob_decode(TP_ENCODING_PRED2D_LZ4, TP_ELEM_U8, 4, in, 16, out, 16),
                     TP_ERR_CORRUPT);
    ck_assert_int_eq(tp_blob_decode(TP_ENCODING_SLOPE_BITPLANE_LZ4, TP_ELEM_BYTES, 0, in, 16, out,
                                    16), TP_ERR_CORRUPT);
}
END_TEST

/* A prefix of a bytes blob (a mesh header) decodes without the rest, and equals the first
 * bytes of the full decode; damage inside the prefix is caught. */
START_TEST(test_a_bytes_prefix_decodes_alone)
{
    enum { N = 20000, PREFIX = 32 };
    uint8_t *raw = malloc(N), *full = malloc(N), prefix[PREFIX];
    ck_assert(raw && full);
    uint64_t st = 7;
    for (size_t k = 0; k < N; k++)
        raw[k] = (uint8_t)(k < 4000 ? k / 64 : rng_next(&st) & 3); /* compressible */
    size_t cap = tp_blob_encode_bound(N), size;
    uint8_t *enc = malloc(cap);
    uint32_t encoding;
    ck_assert_int_eq(tp_blob_encode(TP_ELEM_BYTES, 0, raw, N, 9, enc, cap, &size, &encoding),
                     TP_OK);
    ck_assert_uint_eq(encoding, TP_ENCODING_LZ4);
    ck_assert_int_eq(tp_blob_decode(encoding, TP_ELEM_BYTES, 0, enc, size, full, N), TP_OK);
    ck_assert_int_eq(tp_blob_decode_prefix(encoding, enc, size, N, prefix, PREFIX), TP_OK);
    ck_assert_mem_eq(prefix, full, PREFIX);
    ck_assert_mem_eq(prefix, raw, PREFIX);
    /* The same through RAW; a RAW blob whose size disagrees is corrupt. */
    ck_assert_int_eq(tp_blob_decode_prefix(TP_ENCODING_RAW, raw, N, N, prefix, PREFIX), TP_OK);
    ck_assert_mem_eq(prefix, raw, PREFIX);
    ck_assert_int_eq(tp_blob_decode_prefix(TP_ENCODING_RAW, raw, N - 1, N, prefix, PREFIX),
                     TP_ERR_CORRUPT);
    /* Cut the LZ4 stream short of the prefix: corrupt, never a read past the end. */
    ck_assert_int_eq(tp_blob_decode_prefix(encoding, enc, 3, N, prefix, PREFIX), TP_ERR_CORRUPT);
    ck_assert_int_eq(tp_blob_decode_prefix(encoding, enc, size, N, prefix, N + 1),
                     TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_blob_decode_prefix(TP_ENCODING_SLOPE_BITPLANE_LZ4, enc, size, N, prefix,
                                           PREFIX),
                     TP_ERR_UNSUPPORTED);
    free(raw), free(full), free(enc);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("codec");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_every_type_and_shape_round_trips_exactly);
    tcase_add_test(tc, test_every_compression_level_round_trips);
    tcase_add_test(tc, test_smooth_heights_use_the_slope_predictor_and_shrink);
    tcase_add_test(tc, test_each_16_bit_encoding_round_trips_every_shape);
    tcase_add_test(tc, test_filtered_encodings_are_refused_for_byte_data);
    tcase_add_test(tc, test_categorical_grids_use_plain_lz4);
    tcase_add_test(tc, test_incompressible_data_is_stored_raw);
    tcase_add_test(tc, test_bytes_blobs_of_any_length_round_trip);
    tcase_add_test(tc, test_encoding_is_deterministic_and_independent_of_capacity);
    tcase_add_test(tc, test_encode_rejects_bad_arguments);
    tcase_add_loop_test(tc, test_decode_of_truncated_bytes_fails_cleanly, 0, 2);
    tcase_add_loop_test(tc, test_decode_of_corrupted_bytes_never_writes_past_the_output, 0, 2);
    tcase_add_test(tc, test_decode_rejects_a_wrong_raw_size);
    tcase_add_test(tc, test_decode_rejects_unknown_or_mismatched_encodings);
    tcase_add_test(tc, test_a_bytes_prefix_decodes_alone);
    suite_add_tcase(s, tc);
    return s;
}
