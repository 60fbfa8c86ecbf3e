/* codec.c — blob encodings: raw, LZ4, and the two predictor filters for 16-bit grids.
 *
 * Everything here is a pure function of its arguments: no globals, no locks, so OpenMP
 * bake threads encode and runtime workers decode concurrently. The decoder allocates
 * nothing and never writes outside the caller's `raw_bytes`. */
#include <assert.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <lz4.h>
#include <lz4hc.h>

#include "pagefile_internal.h"
#include "terrapage/pagefile.h"

/* Both shuffles work on runs of this many samples rather than on the whole grid, and a
 * run's shuffled form is exactly as long as the run. A decoder can then undo them in
 * place with a stack buffer of 2·RUN bytes, which keeps tp_blob_decode() allocation-free
 * for any grid size; the cost is a few LZ4 matches per run, well under 0.1% of a blob. */
#define SHUFFLE_RUN 4096u

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
#define TP__BIG_ENDIAN 1
#else
#define TP__BIG_ENDIAN 0
#endif

/* ---- helpers ---------------------------------------------------------------------- */

/* Stored 16-bit grids are little-endian; callers hold native values. */
static void swap16_if_big_endian(void *data, size_t count)
{
#if TP__BIG_ENDIAN
    uint8_t *p = data;
    for (size_t i = 0; i < count; i++) {
        uint8_t t = p[2 * i];
        p[2 * i] = p[2 * i + 1];
        p[2 * i + 1] = t;
    }
#else
    (void)data;
    (void)count;
#endif
}

/* Checks the size/shape agreement every entry point relies on. */
static tp_result check_shape(uint32_t elem_type, uint32_t edge, size_t raw_bytes)
{
    if (elem_type == TP_ELEM_BYTES)
        return raw_bytes <= UINT32_MAX ? TP_OK : TP_ERR_INVALID_ARGUMENT;
    if (!tp__is_grid(elem_type))
        return TP_ERR_UNSUPPORTED;
    if (edge == 0 || edge > TP_MAX_EDGE)
        return TP_ERR_INVALID_ARGUMENT;
    /* edge ≤ 2^14 + 1, so this product cannot overflow. */
    size_t want = (size_t)edge * edge * tp_elem_size(elem_type);
    return raw_bytes == want ? TP_OK : TP_ERR_INVALID_ARGUMENT;
}

/* ---- 16-bit grid filters -----------------------------------------------------------
 * Two predictors, both modulo 2^16 so the filters are lossless for any bit pattern (u16
 * and i16 alike), and both equal to `left` along row 0 and `up` down column 0 (0 for the
 * first sample):
 *
 *   planar (encoding 2): left + up − upleft.
 *   slope  (encoding 3): left + ⌊(upright − upleft + 1) / 2⌋, the central difference of
 *                        the row above (planar in the last column, which has no upright).
 *
 * The slope predictor's estimate of the x-gradient averages two rounding errors instead
 * of adding them, so on quantised smooth terrain nearly all residuals are −1, 0 or +1.
 * Both give `left` a weight of exactly 1 and otherwise read only the finished row above,
 * so decoding a row is a running sum: one add in the loop-carried chain and no branch
 * per sample in the interior. */

typedef enum predictor { PRED_PLANAR, PRED_SLOPE } predictor;

/* ⌊t / 2⌋ of a 16-bit two's-complement value held in a uint16_t. */
static inline uint16_t half16(uint16_t t)
{
    return (uint16_t)((t >> 1) | (t & 0x8000u));
}

static uint16_t predict(const uint16_t *v, uint32_t edge, size_t s, predictor p)
{
    size_t y = s / edge, x = s - y * edge;
    if (y == 0)
        return x ? v[s - 1] : 0;
    if (x == 0)
        return v[s - edge];
    if (p == PRED_SLOPE && x + 1 < edge)
        return (uint16_t)(v[s - 1] + half16((uint16_t)(v[s - edge + 1] - v[s - edge - 1] + 1u)));
    return (uint16_t)(v[s - 1] + v[s - edge] - v[s - edge - 1]);
}

/* Byte shuffle of one run: its m low bytes, then its m high bytes. */
static void shuffle_bytes(const uint16_t *z, size_t m, uint8_t *out)
{
    for (size_t i = 0; i < m; i++) {
        out[i] = (uint8_t)z[i];
        out[m + i] = (uint8_t)(z[i] >> 8);
    }
}

static void unshuffle_bytes(const uint8_t *in, size_t m, uint16_t *dst)
{
    const uint8_t *lo = in, *hi = in + m;
    for (size_t i = 0; i < m; i++)
        dst[i] = tp__unzigzag16((uint16_t)(lo[i] | (hi[i] << 8)));
}

/* Bit-plane shuffle of one run: with g = ⌊m / 8⌋, plane b (0 … 15) is g bytes whose byte j
 * holds bit b of samples 8j … 8j+7 (sample 8j+k in bit k); the m − 8g samples left over
 * follow byte-shuffled. Small residuals leave the upper planes all zero, which LZ4 then
 * stores almost for free, and the run stays exactly 2m bytes so decoding works in place. */
static void shuffle_bits(const uint16_t *z, size_t m, uint8_t *out)
{
    size_t groups = m / 8;
    for (uint32_t b = 0; b < 16; b++)
        for (size_t j = 0; j < groups; j++) {
            unsigned byte = 0;
            for (uint32_t k = 0; k < 8; k++)
                byte |= ((z[8 * j + k] >> b) & 1u) << k;
            out[b * groups + j] = (uint8_t)byte;
        }
    shuffle_bytes(z + 8 * groups, m - 8 * groups, out + 16 * groups);
}

/* k_bit_lanes[byte][k] = bit k of byte: one table row turns a plane byte into the bits
 * of eight samples, so un-shuffling is a load, a shift and an OR per active plane for
 * eight samples at a time, in loops of fixed length 8 that compilers turn into SIMD. */
#define TP__LANES(b)                                                                       \
    {(b) & 1, ((b) >> 1) & 1, ((b) >> 2) & 1, ((b) >> 3) & 1,                             \
     ((b) >> 4) & 1, ((b) >> 5) & 1, ((b) >> 6) & 1, ((b) >> 7) & 1}
#define TP__LANES4(b) TP__LANES(b), TP__LANES((b) + 1), TP__LANES((b) + 2), TP__LANES((b) + 3)
#define TP__LANES16(b) TP__LANES4(b), TP__LANES4((b) + 4), TP__LANES4((b) + 8), TP__LANES4((b) + 12)
#define TP__LANES64(b) TP__LANES16(b), TP__LANES16((b) + 16), TP__LANES16((b) + 32), TP__LANES16((b) + 48)
/* GCC and Clang lower vector types to SSE2, NEON or plain code as the target allows, so
 * this is one portable source; other compilers (or TP_CODEC_PORTABLE, which the tests use
 * to check the fallback) take the scalar loop. */
#if (defined(__GNUC__) || defined(__clang__)) && !defined(TP_CODEC_PORTABLE)
#define TP__VECTOR_EXTENSIONS 1
typedef uint16_t tp__u16x8 __attribute__((vector_size(16)));
static const tp__u16x8 k_bit_vectors[256] = {TP__LANES64(0), TP__LANES64(64),
                                             TP__LANES64(128), TP__LANES64(192)};
#else
#define TP__VECTOR_EXTENSIONS 0
static const uint16_t k_bit_lanes[256][8] = {TP__LANES64(0), TP__LANES64(64), TP__LANES64(128),
                                             TP__LANES64(192)};
#endif

static void unshuffle_bits(const uint8_t *in, size_t m, uint16_t *dst)
{
    size_t groups = m / 8;
    /* Only planes with a set bit cost anything: on terrain about five of the 16 per run
     * (two dense, the rest lit by a few larger residuals along row and column 0). */
    const uint8_t *active[16];
    uint32_t shift[16], n_active = 0;
    for (uint32_t b = 0; b < 16; b++) {
        const uint8_t *plane = in + b * groups;
        uint8_t any = 0;
        for (size_t j = 0; j < groups; j++)
            any |= plane[j];
        if (any) {
            active[n_active] = plane;
            shift[n_active++] = b;
        }
    }
#if TP__VECTOR_EXTENSIONS
    for (size_t j = 0; j < groups; j++) {
        tp__u16x8 z = {0};
        for (uint32_t i = 0; i < n_active; i++)
            z |= k_bit_vectors[active[i][j]] << shift[i];
        z = (z >> 1) ^ -(z & 1);
        memcpy(dst + 8 * j, &z, sizeof z);
    }
#else
    for (size_t j = 0; j < groups; j++) {
        uint16_t z[8] = {0};
        for (uint32_t i = 0; i < n_active; i++) {
            const uint16_t *bits = k_bit_lanes[active[i][j]];
            for (uint32_t k = 0; k < 8; k++)
                z[k] = (uint16_t)(z[k] | (bits[k] << shift[i]));
        }
        uint16_t *d = dst + 8 * j;
        for (uint32_t k = 0; k < 8; k++)
            d[k] = tp__unzigzag16(z[k]);
    }
#endif
    unshuffle_bytes(in + 16 * groups, m - 8 * groups, dst + 8 * groups);
}

static void filter16(const uint16_t *v, uint32_t edge, uint32_t encoding, uint8_t *out)
{
    size_t n = (size_t)edge * edge;
    predictor p = encoding == TP_ENCODING_SLOPE_BITPLANE_LZ4 ? PRED_SLOPE : PRED_PLANAR;
    uint16_t z[SHUFFLE_RUN];
    for (size_t start = 0; start < n; start += SHUFFLE_RUN) {
        size_t m = n - start < SHUFFLE_RUN ? n - start : SHUFFLE_RUN;
        for (size_t i = 0; i < m; i++)
            z[i] = tp__zigzag16((uint16_t)(v[start + i] - predict(v, edge, start + i, p)));
        if (p == PRED_SLOPE)
            shuffle_bits(z, m, out + 2 * start);
        else
            shuffle_bytes(z, m, out + 2 * start);
    }
}

/* v[i] = acc + v[0] + … + v[i] (mod 2^16), in place; returns the last sum. The serial
 * chain would cost a cycle per sample, so with vector extensions eight lanes are summed
 * in three shift-and-add steps and the carry is broadcast to the next eight. */
static uint16_t running_sum(uint16_t *v, size_t n, uint16_t acc)
{
    size_t i = 0;
#if TP__VECTOR_EXTENSIONS
    tp__u16x8 carry = (tp__u16x8){0} + acc, zero = {0};
    for (; i + 8 <= n; i += 8) {
        tp__u16x8 x;
        memcpy(&x, v + i, sizeof x);
#if defined(__clang__)
        x += __builtin_shufflevector(x, zero, 8, 0, 1, 2, 3, 4, 5, 6);
        x += __builtin_shufflevector(x, zero, 8, 8, 0, 1, 2, 3, 4, 5);
        x += __builtin_shufflevector(x, zero, 8, 8, 8, 8, 0, 1, 2, 3);
        x += carry;
        carry = __builtin_shufflevector(x, x, 7, 7, 7, 7, 7, 7, 7, 7);
#else
        x += __builtin_shuffle(x, zero, (tp__u16x8){8, 0, 1, 2, 3, 4, 5, 6});
        x += __builtin_shuffle(x, zero, (tp__u16x8){8, 8, 0, 1, 2, 3, 4, 5});
        x += __builtin_shuffle(x, zero, (tp__u16x8){8, 8, 8, 8, 0, 1, 2, 3});
        x += carry;
        carry = __builtin_shuffle(x, (tp__u16x8){7, 7, 7, 7, 7, 7, 7, 7});
#endif
        memcpy(v + i, &x, sizeof x);
    }
    acc = carry[0];
#endif
    for (; i < n; i++) {
        acc = (uint16_t)(acc + v[i]);
        v[i] = acc;
    }
    return acc;
}

/* Integrates finished rows [row_begin, row_end) of `o`, which hold residuals, into
 * values. Planar: with d = row − up, each residual is d[x] − d[x−1], so a row is a
 * running sum added to the row above. Slope: a running sum of residual plus half the
 * central difference above, which depends only on the finished row. Either way the
 * per-sample work outside running_sum() has no dependency between samples. */
static void integrate_rows(uint16_t *o, uint32_t edge, size_t row_begin, size_t row_end,
                           predictor p)
{
    size_t y = row_begin;
    if (y == 0 && y < row_end) {
        running_sum(o, edge, 0);
        y = 1;
    }
    for (; y < row_end; y++) {
        uint16_t *row = o + y * edge;
        const uint16_t *up = row - edge;
        if (p == PRED_PLANAR) {
            running_sum(row, edge, 0);
            for (uint32_t x = 0; x < edge; x++)
                row[x] = (uint16_t)(row[x] + up[x]);
            continue;
        }
        /* The last column has no upright neighbour and predicts planar. */
        uint32_t last = edge - 1;
        for (uint32_t x = 1; x < last; x++)
            row[x] = (uint16_t)(row[x] + half16((uint16_t)(up[x + 1] - up[x - 1] + 1u)));
        if (last > 0)
            row[last] = (uint16_t)(row[last] + up[last] - up[last - 1]);
        running_sum(row, edge, up[0]);
    }
}

/* In place: `o` holds the shuffled residual bytes exactly as LZ4 produced them. Each run
 * occupies the same bytes before and after unshuffling, so copying one run aside is all
 * the extra memory needed; rows are integrated as soon as they are complete, while
 * they are still in cache. */
static void unfilter16(uint16_t *o, uint32_t edge, uint32_t encoding)
{
    size_t n = (size_t)edge * edge;
    predictor p = encoding == TP_ENCODING_SLOPE_BITPLANE_LZ4 ? PRED_SLOPE : PRED_PLANAR;
    uint8_t run[2 * SHUFFLE_RUN];
    size_t rows_done = 0;
    for (size_t start = 0; start < n; start += SHUFFLE_RUN) {
        size_t m = n - start < SHUFFLE_RUN ? n - start : SHUFFLE_RUN;
        memcpy(run, (uint8_t *)o + 2 * start, 2 * m);
        if (p == PRED_SLOPE)
            unshuffle_bits(run, m, o + start);
        else
            unshuffle_bytes(run, m, o + start);
        size_t rows = (start + m) / edge;
        integrate_rows(o, edge, rows_done, rows, p);
        rows_done = rows;
    }
}

/* ---- LZ4 -------------------------------------------------------------------------- */

/* Returns the compressed size, or 0 if it would not fit in `capacity`. */
static size_t lz4_compress(const void *src, size_t size, void *dst, size_t capacity, int level)
{
    if (size > LZ4_MAX_INPUT_SIZE || capacity == 0)
        return 0;
    int cap = capacity > (size_t)INT_MAX ? INT_MAX : (int)capacity;
    int n = level < 0 ? LZ4_compress_fast(src, dst, (int)size, cap, -level)
                      : LZ4_compress_HC(src, dst, (int)size, cap, level);
    return n > 0 ? (size_t)n : 0;
}

static tp_result lz4_decode_exact(const void *stored, size_t stored_size, void *out,
                                  size_t raw_bytes)
{
    if (stored_size == 0 || stored_size > (size_t)INT_MAX || raw_bytes > (size_t)INT_MAX)
        return TP_ERR_CORRUPT;
    int n = LZ4_decompress_safe(stored, out, (int)stored_size, (int)raw_bytes);
    return n >= 0 && (size_t)n == raw_bytes ? TP_OK : TP_ERR_CORRUPT;
}

/* ---- public entry points ---------------------------------------------------------- */

size_t tp_blob_encode_bound(size_t raw_bytes)
{
    /* Compression targets raw_bytes − 1 bytes and falls back to raw, so nothing grows. */
    return raw_bytes;
}

tp_result tp_blob_encode_as(uint32_t encoding, uint32_t elem_type, uint32_t edge,
                            const void *raw, size_t raw_bytes, int level, void *out,
                            size_t out_capacity, size_t *out_size, uint32_t *out_encoding)
{
    assert(out_size && out_encoding);
    assert(raw || raw_bytes == 0);
    tp_result r = check_shape(elem_type, edge, raw_bytes);
    if (r != TP_OK)
        return r == TP_ERR_UNSUPPORTED ? TP_ERR_INVALID_ARGUMENT : r;
    int wide = tp_elem_size(elem_type) == 2;
    int filtered = encoding == TP_ENCODING_PRED2D_LZ4 || encoding == TP_ENCODING_SLOPE_BITPLANE_LZ4;
    if ((filtered && !wide) || (!filtered && encoding != TP_ENCODING_LZ4 &&
                                encoding != TP_ENCODING_RAW))
        return TP_ERR_INVALID_ARGUMENT;
    if (level > LZ4HC_CLEVEL_MAX)
        return TP_ERR_INVALID_ARGUMENT;
    if (level == 0)
        level = TP_DEFAULT_COMPRESSION_LEVEL;
    if (out_capacity < tp_blob_encode_bound(raw_bytes))
        return TP_ERR_BUFFER_TOO_SMALL;
    assert(out || raw_bytes == 0);

    uint8_t *scratch = NULL;
    const void *src = raw;
    if (filtered) {
        assert(((uintptr_t)raw & 1u) == 0 && "16-bit grids must be 2-byte aligned");
        scratch = malloc(raw_bytes ? raw_bytes : 1);
        if (!scratch)
            return TP_ERR_OUT_OF_MEMORY;
        filter16(raw, edge, encoding, scratch);
        src = scratch;
    } else if (wide && encoding == TP_ENCODING_LZ4 && TP__BIG_ENDIAN) {
        scratch = malloc(raw_bytes ? raw_bytes : 1);
        if (!scratch)
            return TP_ERR_OUT_OF_MEMORY;
        memcpy(scratch, raw, raw_bytes);
        swap16_if_big_endian(scratch, raw_bytes / 2);
        src = scratch;
    }
    /* A fixed target of raw_bytes − 1 (not out_capacity) keeps the choice between
     * compressed and raw independent of the caller's buffer size: same input, same bytes. */
    size_t n = encoding != TP_ENCODING_RAW && raw_bytes > 1
                   ? lz4_compress(src, raw_bytes, out, raw_bytes - 1, level)
                   : 0;
    free(scratch);
    if (n == 0) {
        if (raw_bytes)
            memcpy(out, raw, raw_bytes);
        if (wide)
            swap16_if_big_endian(out, raw_bytes / 2);
        n = raw_bytes;
        encoding = TP_ENCODING_RAW;
    }
    *out_size = n;
    *out_encoding = encoding;
    return TP_OK;
}

tp_result tp_blob_encode(uint32_t elem_type, uint32_t edge, const void *raw, size_t raw_bytes,
                         int level, void *out, size_t out_capacity, size_t *out_size,
                         uint32_t *out_encoding)
{
    uint32_t encoding = tp_elem_size(elem_type) == 2 ? TP_ENCODING_SLOPE_BITPLANE_LZ4
                                                      : TP_ENCODING_LZ4;
    return tp_blob_encode_as(encoding, elem_type, edge, raw, raw_bytes, level, out,
                             out_capacity, out_size, out_encoding);
}

tp_result tp_blob_decode(uint32_t encoding, uint32_t elem_type, uint32_t edge, const void *stored,
                         size_t stored_size, void *out, size_t raw_bytes)
{
    assert(stored || stored_size == 0);
    assert(out || raw_bytes == 0);
    tp_result r = check_shape(elem_type, edge, raw_bytes);
    if (r != TP_OK)
        return r;
    int wide = tp_elem_size(elem_type) == 2;
    assert(!wide || ((uintptr_t)out & 1u) == 0);

    switch (encoding) {
    case TP_ENCODING_RAW:
        if (stored_size != raw_bytes)
            return TP_ERR_CORRUPT;
        if (raw_bytes)
            memcpy(out, stored, raw_bytes);
        break;
    case TP_ENCODING_LZ4:
        r = lz4_decode_exact(stored, stored_size, out, raw_bytes);
        if (r != TP_OK)
            return r;
        break;
    case TP_ENCODING_PRED2D_LZ4:
    case TP_ENCODING_SLOPE_BITPLANE_LZ4:
        if (!wide)
            return TP_ERR_CORRUPT;
        r = lz4_decode_exact(stored, stored_size, out, raw_bytes);
        if (r != TP_OK)
            return r;
        unfilter16(out, edge, encoding);
        return TP_OK; /* the unfilter already produced native values */
    default:
        return TP_ERR_UNSUPPORTED;
    }
    if (wide)
        swap16_if_big_endian(out, raw_bytes / 2);
    return TP_OK;
}

tp_result tp_blob_decode_prefix(uint32_t encoding, const void *stored, size_t stored_size,
                                size_t raw_bytes, void *out, size_t prefix_bytes)
{
    assert(stored || stored_size == 0);
    assert(out || prefix_bytes == 0);
    if (prefix_bytes > raw_bytes)
        return TP_ERR_INVALID_ARGUMENT;
    switch (encoding) {
    case TP_ENCODING_RAW:
        if (stored_size != raw_bytes)
            return TP_ERR_CORRUPT;
        if (prefix_bytes)
            memcpy(out, stored, prefix_bytes);
        return TP_OK;
    case TP_ENCODING_LZ4: {
        if (stored_size > (size_t)LZ4_MAX_INPUT_SIZE || raw_bytes > (size_t)LZ4_MAX_INPUT_SIZE)
            return TP_ERR_CORRUPT;
        /* LZ4 stops once the prefix is out: a header costs a few bytes of work, not the
         * whole blob. Whether the rest decodes is tp_blob_decode()'s to say. */
        int n = LZ4_decompress_safe_partial(stored, out, (int)stored_size, (int)prefix_bytes,
                                            (int)prefix_bytes);
        return n == (int)prefix_bytes ? TP_OK : TP_ERR_CORRUPT;
    }
    default:
        return TP_ERR_UNSUPPORTED; /* the filtered encodings are for grids, not bytes */
    }
}
