/* chunk.c — assembles a chunk's fields from the lattice and sample stages.
 *
 * Slow fields live on the lattice (every TP_CLIMATE_STRIDE-th sample) and reach the
 * samples through a uniform cubic B-spline: separable, 4 × 4 lattice points per sample,
 * and C2, so slopes and curvature stay continuous across lattice lines (bilinear
 * interpolation left creases there that showed in hillshades as 16 m stripes). The
 * spline is applied along z first, once per sample row for the whole row of lattice
 * columns, and then along x per sample; a single-point query runs the very same two
 * steps on the same values, so chunk, coarse LODs and point queries agree bit for bit.
 *
 * A chunk walks its sample rows in order and keeps a ring of the four lattice rows
 * around the current row, so it evaluates each lattice point once and needs no heap:
 * the runtime fallback calls this on worker threads where allocation is not wanted.
 * tp_generate_heights() does the same for any rectangle at any power-of-two stride —
 * a chunk's one-sample apron in 4 thin strips costs a few dozen lattice points, where
 * point queries would evaluate 16 per sample.
 */
#include <stddef.h>

#include "generator_internal.h"

/* Widest lattice row: (1025 − 1) / 8 + 1 columns, plus one to the west and two to the
 * east for the spline's support. */
#define MAX_LATTICE_COLUMNS 132
#define SPLINE_TAPS 4
#define STRIDE ((int64_t)TP_CLIMATE_STRIDE)

/* B-spline weights of the four lattice points around a sample at fraction t = k/8 of
 * its cell, for k = 0 … 7: (1−t)³/6, (3t³−6t²+4)/6, (−3t³+3t²+3t+1)/6, t³/6. With
 * t = k/8 the numerators are integers over 3072; the literals are exact quotients. */
#define W(k)                                                                                \
    {(double)((8 - (k)) * (8 - (k)) * (8 - (k))) / 3072.0,                                  \
     (double)(3 * (k) * (k) * (k) - 48 * (k) * (k) + 2048) / 3072.0,                        \
     (double)(-3 * (k) * (k) * (k) + 24 * (k) * (k) + 192 * (k) + 512) / 3072.0,            \
     (double)((k) * (k) * (k)) / 3072.0}
static const double k_spline[TP_CLIMATE_STRIDE][SPLINE_TAPS] = {W(0), W(1), W(2), W(3),
                                                                  W(4), W(5), W(6), W(7)};
#undef W

typedef struct lattice_ring {
    int64_t lx0;      /* global lattice column of entry 0 */
    uint32_t columns;
    int64_t lz[SPLINE_TAPS]; /* which global lattice row each slot holds */
    int filled[SPLINE_TAPS];
    tp__lattice row[SPLINE_TAPS][MAX_LATTICE_COLUMNS];
} lattice_ring;

static int64_t floor_div8(int64_t v)
{
    /* Floor division: C's '/' truncates towards zero, and >> of a negative value is
     * implementation-defined. */
    return v >= 0 ? v / STRIDE : -((-v + STRIDE - 1) / STRIDE);
}

static void ring_init(lattice_ring *ring, int64_t lx0, uint32_t columns)
{
    ring->lx0 = lx0;
    ring->columns = columns;
    for (int s = 0; s < SPLINE_TAPS; s++)
        ring->filled[s] = 0;
}

static const tp__lattice *ring_row(const tp_world_params *w, lattice_ring *ring, int64_t lz)
{
    /* Rows are requested in increasing order, so slot lz mod 4 holds a row that is no
     * longer needed by the time it is overwritten. */
    int slot = (int)((uint64_t)lz & (SPLINE_TAPS - 1));
    if (!ring->filled[slot] || ring->lz[slot] != lz) {
        for (uint32_t c = 0; c < ring->columns; c++) {
            tp__lattice *p = &ring->row[slot][c];
            tp__lattice_terrain(w, ring->lx0 + (int64_t)c, lz, p);
            tp__lattice_climate(w, ring->lx0 + (int64_t)c, lz, p);
        }
        ring->lz[slot] = lz;
        ring->filled[slot] = 1;
    }
    return ring->row[slot];
}

/* Σ weight[k] · point[k] over the four taps, field by field, always in tap order. */
static void blend4(const double weight[SPLINE_TAPS], const tp__lattice *const point[SPLINE_TAPS],
                   tp__lattice *out)
{
#define BLEND(f)                                                                          \
    out->f = weight[0] * point[0]->f + weight[1] * point[1]->f + weight[2] * point[2]->f + \
             weight[3] * point[3]->f
    BLEND(continent);
    BLEND(warp_x_m);
    BLEND(warp_z_m);
    BLEND(mountain_mask);
    BLEND(temperature_sea_c);
    BLEND(precipitation_mm);
#undef BLEND
}

/* The lattice rows lz − 1 … lz + 2 blended along z at fraction fz_eighths, for every
 * column of the ring. */
static void blend_rows(const tp_world_params *w, lattice_ring *ring, int64_t lz,
                       int64_t fz_eighths, tp__lattice *out)
{
    const tp__lattice *rows[SPLINE_TAPS];
    for (int r = 0; r < SPLINE_TAPS; r++)
        rows[r] = ring_row(w, ring, lz - 1 + r);
    for (uint32_t c = 0; c < ring->columns; c++) {
        const tp__lattice *point[SPLINE_TAPS] = {&rows[0][c], &rows[1][c], &rows[2][c], &rows[3][c]};
        blend4(k_spline[fz_eighths], point, &out[c]);
    }
}

/* The slow fields at global column gx, from a z-blended row whose entry 0 is lattice
 * column lx0 − 1. */
static void slow_fields_at(const tp__lattice *blended, int64_t lx0, int64_t gx, tp__lattice *out)
{
    int64_t lx = floor_div8(gx);
    size_t c = (size_t)(lx - lx0); /* entry of lattice column lx − 1 */
    const tp__lattice *point[SPLINE_TAPS] = {&blended[c], &blended[c + 1], &blended[c + 2],
                                             &blended[c + 3]};
    blend4(k_spline[gx - lx * STRIDE], point, out);
}

/* The sample at (gx, gz) from a z-blended row (as above): every path — chunk, climate
 * grid, strip and point query — goes through here, so they agree bit for bit. */
static void sample_at(const tp_world_params *w, const tp__lattice *blended, int64_t lx0,
                      int64_t gx, int64_t gz, tp__sample *out)
{
    tp__lattice slow;
    slow_fields_at(blended, lx0, gx, &slow);
    tp__sample_terrain(w, gx, gz, &slow, out);
}

tp_result tp_generate_chunk(const tp_world_params *w, int32_t cx, int32_t cz, uint32_t lod,
                            const tp_chunk_fields *out)
{
    if (!w || !out || lod >= tp_world_lod_count(w))
        return TP_ERR_INVALID_ARGUMENT;
    const int64_t intervals = (int64_t)w->samples_per_edge - 1;
    const int64_t gx0 = (int64_t)cx * intervals, gz0 = (int64_t)cz * intervals;
    const uint32_t edge = tp_world_lod_edge(w, lod);
    const uint32_t climate_edge = tp_world_climate_edge(w);
    const int64_t lx0 = floor_div8(gx0);

    lattice_ring ring;
    tp__lattice blended[MAX_LATTICE_COLUMNS];
    ring_init(&ring, lx0 - 1, climate_edge + 3);

    if (out->height_codes || out->biomes) {
        for (uint32_t j = 0; j < edge; j++) {
            int64_t gz = gz0 + ((int64_t)j << lod);
            int64_t lz = floor_div8(gz);
            blend_rows(w, &ring, lz, gz - lz * STRIDE, blended);
            for (uint32_t i = 0; i < edge; i++) {
                int64_t gx = gx0 + ((int64_t)i << lod);
                tp__sample s;
                sample_at(w, blended, lx0, gx, gz, &s);
                size_t k = (size_t)j * edge + i;
                if (out->height_codes)
                    out->height_codes[k] = s.height_code;
                if (out->biomes)
                    out->biomes[k] = tp__biome_classify(w, &s);
            }
        }
    }

    if (out->temperature_cc || out->precipitation_mm) {
        ring_init(&ring, lx0 - 1, climate_edge + 3);
        for (uint32_t b = 0; b < climate_edge; b++) {
            int64_t gz = gz0 + (int64_t)b * STRIDE;
            int64_t lz = floor_div8(gz);
            blend_rows(w, &ring, lz, gz - lz * STRIDE, blended);
            for (uint32_t a = 0; a < climate_edge; a++) {
                int64_t gx = gx0 + (int64_t)a * STRIDE;
                tp__sample s;
                sample_at(w, blended, lx0, gx, gz, &s);
                size_t k = (size_t)b * climate_edge + a;
                if (out->temperature_cc)
                    out->temperature_cc[k] =
                        tp__temperature_to_cc(tp__temperature_at_c(w, s.temperature_sea_c, s.height_m));
                if (out->precipitation_mm)
                    out->precipitation_mm[k] = tp__precipitation_to_mm(s.precipitation_mm);
            }
        }
    }
    return TP_OK;
}

tp_result tp_generate_heights(const tp_world_params *w, int64_t gx0, int64_t gz0, uint32_t width,
                              uint32_t height, uint32_t stride_log2, uint16_t *out_codes)
{
    if (!w || !out_codes || !width || !height || stride_log2 > TP_GENERATE_MAX_STRIDE_LOG2)
        return TP_ERR_INVALID_ARGUMENT;
    const int64_t step = (int64_t)1 << stride_log2;
    /* Columns in tiles whose lattice span fits the ring: a tile of `tile` samples spans
     * at most (tile − 1) · step / 8 + 2 lattice columns, plus three for the spline. */
    const uint32_t tile = (uint32_t)(((int64_t)(MAX_LATTICE_COLUMNS - 5) * STRIDE) / step) + 1u;
    lattice_ring ring;
    tp__lattice blended[MAX_LATTICE_COLUMNS];
    for (uint32_t i0 = 0; i0 < width; i0 += tile) {
        const uint32_t count = width - i0 < tile ? width - i0 : tile;
        const int64_t first = gx0 + (int64_t)i0 * step, last = first + (int64_t)(count - 1) * step;
        const int64_t lx0 = floor_div8(first);
        /* The same lattice points, blended in the same order, as a chunk or a point query
         * would use for each of these samples: only the ring's first column differs. */
        ring_init(&ring, lx0 - 1, (uint32_t)(floor_div8(last) - lx0) + SPLINE_TAPS);
        for (uint32_t j = 0; j < height; j++) {
            int64_t gz = gz0 + (int64_t)j * step;
            int64_t lz = floor_div8(gz);
            blend_rows(w, &ring, lz, gz - lz * STRIDE, blended);
            for (uint32_t i = 0; i < count; i++) {
                int64_t gx = first + (int64_t)i * step;
                tp__sample s;
                sample_at(w, blended, lx0, gx, gz, &s);
                out_codes[(size_t)j * width + i0 + i] = s.height_code;
            }
        }
    }
    return TP_OK;
}

uint16_t tp_generate_height_at(const tp_world_params *w, int64_t gx, int64_t gz)
{
    /* The chunk path on a 4 × 4 patch of lattice points. */
    const int64_t lx = floor_div8(gx), lz = floor_div8(gz);
    lattice_ring ring;
    tp__lattice blended[SPLINE_TAPS];
    ring_init(&ring, lx - 1, SPLINE_TAPS);
    blend_rows(w, &ring, lz, gz - lz * STRIDE, blended);
    tp__sample s;
    sample_at(w, blended, lx, gx, gz, &s);
    return s.height_code;
}
