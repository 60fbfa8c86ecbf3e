/* noise.c — 2-D gradient noise (Perlin-style, quintic fade) and fractal sums. */
#include "noise.h"

/* 16 unit gradients at 22.5° steps, as literals: no trigonometry at run time. */
static const double k_grad[16][2] = {
    {1.0, 0.0},
    {0.9238795325112867, 0.3826834323650898},
    {0.7071067811865476, 0.7071067811865476},
    {0.3826834323650898, 0.9238795325112867},
    {0.0, 1.0},
    {-0.3826834323650898, 0.9238795325112867},
    {-0.7071067811865476, 0.7071067811865476},
    {-0.9238795325112867, 0.3826834323650898},
    {-1.0, 0.0},
    {-0.9238795325112867, -0.3826834323650898},
    {-0.7071067811865476, -0.7071067811865476},
    {-0.3826834323650898, -0.9238795325112867},
    {0.0, -1.0},
    {0.3826834323650898, -0.9238795325112867},
    {0.7071067811865476, -0.7071067811865476},
    {0.9238795325112867, -0.3826834323650898},
};

/* With unit gradients 2-D gradient noise stays within ±√2/2; scale to about ±1. */
#define NOISE_SCALE 1.4142135623730951

static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

/* The two corners of a cell row share the row hash; the corner hash adds the column. */
static inline const double *corner_gradient(uint64_t row_hash, int64_t ix)
{
    uint64_t h = mix64(row_hash ^ ((uint64_t)ix * 0x9E3779B97F4A7C15ULL));
    return k_grad[h >> 60];
}

static inline uint64_t row_hash(uint64_t seed, int64_t iz)
{
    return seed ^ ((uint64_t)iz * 0xC2B2AE3D27D4EB4FULL);
}

/* floor() for the range noise positions live in (|x| < 2^62), without a libm call. */
static inline int64_t floor_to_i64(double x)
{
    int64_t i = (int64_t)x;
    return i - (x < (double)i);
}

uint64_t tp__noise_stream(uint64_t world_seed, uint64_t tag)
{
    return mix64(world_seed * 0x9E3779B97F4A7C15ULL + tag * 0xBF58476D1CE4E5B9ULL + 1);
}

/* Value only, for the octaves that need no slope: about half the work of tp__noise2_d.
 * (The two round differently in the last bit; each field always uses the same one.) */
double tp__noise2(uint64_t seed, double x, double z)
{
    int64_t ix = floor_to_i64(x), iz = floor_to_i64(z);
    double fx = x - (double)ix, fz = z - (double)iz;
    uint64_t r0 = row_hash(seed, iz), r1 = row_hash(seed, iz + 1);
    const double *g00 = corner_gradient(r0, ix), *g10 = corner_gradient(r0, ix + 1);
    const double *g01 = corner_gradient(r1, ix), *g11 = corner_gradient(r1, ix + 1);
    double v00 = g00[0] * fx + g00[1] * fz;
    double v10 = g10[0] * (fx - 1.0) + g10[1] * fz;
    double v01 = g01[0] * fx + g01[1] * (fz - 1.0);
    double v11 = g11[0] * (fx - 1.0) + g11[1] * (fz - 1.0);
    double u = fx * fx * fx * (fx * (fx * 6.0 - 15.0) + 10.0);
    double v = fz * fz * fz * (fz * (fz * 6.0 - 15.0) + 10.0);
    double a = v00 + u * (v10 - v00);
    double b = v01 + u * (v11 - v01);
    return (a + v * (b - a)) * NOISE_SCALE;
}

tp__noise_d tp__noise2_d(uint64_t seed, double x, double z)
{
    int64_t ix = floor_to_i64(x), iz = floor_to_i64(z);
    double fx = x - (double)ix, fz = z - (double)iz;
    uint64_t r0 = row_hash(seed, iz), r1 = row_hash(seed, iz + 1);
    const double *ga = corner_gradient(r0, ix), *gb = corner_gradient(r0, ix + 1);
    const double *gc = corner_gradient(r1, ix), *gd = corner_gradient(r1, ix + 1);
    double va = ga[0] * fx + ga[1] * fz;
    double vb = gb[0] * (fx - 1.0) + gb[1] * fz;
    double vc = gc[0] * fx + gc[1] * (fz - 1.0);
    double vd = gd[0] * (fx - 1.0) + gd[1] * (fz - 1.0);
    double u = fx * fx * fx * (fx * (fx * 6.0 - 15.0) + 10.0);
    double v = fz * fz * fz * (fz * (fz * 6.0 - 15.0) + 10.0);
    double du = 30.0 * fx * fx * (fx - 1.0) * (fx - 1.0);
    double dv = 30.0 * fz * fz * (fz - 1.0) * (fz - 1.0);
    double k = va - vb - vc + vd;
    tp__noise_d n;
    n.value = (va + u * (vb - va) + v * (vc - va) + u * v * k) * NOISE_SCALE;
    n.dx = (ga[0] + u * (gb[0] - ga[0]) + v * (gc[0] - ga[0]) +
            u * v * (ga[0] - gb[0] - gc[0] + gd[0]) + du * (vb - va + v * k)) * NOISE_SCALE;
    n.dz = (ga[1] + u * (gb[1] - ga[1]) + v * (gc[1] - ga[1]) +
            u * v * (ga[1] - gb[1] - gc[1] + gd[1]) + dv * (vc - va + u * k)) * NOISE_SCALE;
    return n;
}

/* Octave step: scale by 2 and rotate by atan(3/4) ≈ 36.87° (exact rational matrix), so
 * successive octaves' lattices never align and no grid pattern shows. */
static inline void next_octave(double *x, double *z)
{
    double nx = 1.6 * *x - 1.2 * *z;
    double nz = 1.2 * *x + 1.6 * *z;
    *x = nx;
    *z = nz;
}

static inline uint64_t octave_seed(uint64_t seed, int octave)
{
    return seed + (uint64_t)octave * 0x632BE59BD9B4E019ULL;
}

double tp__fbm2(uint64_t seed, double x, double z, int octaves)
{
    double sum = 0.0, amp = 1.0, norm = 0.0;
    for (int o = 0; o < octaves; o++) {
        sum += amp * tp__noise2(octave_seed(seed, o), x, z);
        norm += amp;
        amp *= 0.5;
        next_octave(&x, &z);
    }
    return sum / norm;
}

double tp__ridged2(uint64_t seed, double x, double z, int octaves)
{
    double sum = 0.0, amp = 1.0, norm = 0.0, weight = 1.0;
    for (int o = 0; o < octaves; o++) {
        double n = tp__noise2(octave_seed(seed, o), x, z);
        double r = 1.0 - (n < 0.0 ? -n : n);
        r = r * r * weight;
        weight = tp__clamp(r * 2.0, 0.0, 1.0);
        sum += r * amp;
        norm += amp;
        amp *= 0.5;
        next_octave(&x, &z);
    }
    return sum / norm;
}

double tp__eroded_fbm2(uint64_t seed, double x, double z, int octaves)
{
    double sum = 0.0, amp = 1.0, norm = 0.0, ddx = 0.0, ddz = 0.0;
    for (int o = 0; o < octaves; o++) {
        tp__noise_d n = tp__noise2_d(octave_seed(seed, o), x, z);
        ddx += n.dx; /* octave o's slope in base units is amp·2^o·dx = dx */
        ddz += n.dz;
        sum += amp * n.value / (1.0 + ddx * ddx + ddz * ddz);
        norm += amp;
        amp *= 0.5;
        next_octave(&x, &z);
    }
    return sum / norm;
}

double tp_noise_fbm2(uint64_t seed, double x, double z, int octaves)
{
    return tp__fbm2(seed, x, z, octaves);
}
