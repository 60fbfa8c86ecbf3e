/* noise.c — 2-D gradient noise (Perlin-style, quintic fade) and fractal sums.
 *
 * Speed comes from three choices, all of them deterministic and free of shared state:
 *  - the lattice hash is one 32-bit multiply per corner: each axis's lattice
 *    coordinate is multiplied by its own large odd constant once per call, the four
 *    corners differ by one addition, and seed ⊕ x ⊕ z is scrambled by a single multiply
 *    whose top bits pick the gradient;
 *  - floor is an integer conversion and a compare, never a libm call;
 *  - fBm sums are normalised once at the end instead of per octave.
 * Lattice coordinates wrap at 2^32 cells, which is far beyond any world: the finest
 * octave of the terrain at the edge of a million-chunk world is about 10^7 cells out.
 */
#include <string.h>

#include "noise.h"
#include "terrapage/world.h" /* tp_noise_fbm2 is exported only if its definition sees TP_API */

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

/* Per-axis multipliers of the lattice hash (large odd constants with well-spread bits)
 * and the final scrambler. */
#define PRIME_X 0x9E3779B1u
#define PRIME_Z 0x85EBCA77u
#define SCRAMBLE 0x27D4EB2Du

/* How strongly accumulated slope damps the finer octaves of the ridged sum. */
#define RIDGE_DAMPING 0.35

static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

/* (x, z) pairs travel together: the fraction, the fade curve and the gradient dot
 * products of both axes are computed at once, two lanes per instruction. GCC and Clang
 * lower this to SSE2 on x86-64 and NEON on AArch64; each lane is an ordinary IEEE
 * double operation, so results are the same as scalar code on every machine. This uses
 * the GCC/Clang vector extension, so the generator (and libterrapage) needs one of those
 * compilers; a port would write the same lane operations out as scalar code. */
typedef double pair __attribute__((vector_size(16)));

static inline pair load_pair(const double *p)
{
    pair v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* The gradient of the corner whose primed coordinates are xp and zp (seed folded in). */
static inline const double *corner_gradient(uint32_t xp, uint32_t zp)
{
    return k_grad[((xp ^ zp) * SCRAMBLE) >> 28];
}

/* floor() as a truncating conversion and a well-predicted correction: no libm call,
 * exact for |x| < 2^62, the range noise positions live in. The fraction is in [0, 1]:
 * a negative fraction smaller in magnitude than 2^−54 rounds up to exactly 1.0 when 1 is
 * added (deterministic, and harmless: the fade curve and gradients are continuous
 * there). */
static inline int64_t floor_to_i64(double x, double *out_fraction)
{
    int64_t i = (int64_t)x;
    double f = x - (double)i;
    if (f < 0.0) {
        f += 1.0;
        i--;
    }
    *out_fraction = f;
    return i;
}

/* The 32-bit seed one octave hashes with: the stream's 64 bits folded, then offset per
 * octave so that octaves are independent. */
static inline uint32_t octave_seed(uint64_t seed, int octave)
{
    return (uint32_t)(seed ^ (seed >> 32)) + (uint32_t)octave * 0x632BE59Bu;
}

/* Lattice cell around (x, z): the position in the cell and the four corner gradients. */
typedef struct cell_corners {
    pair f;                              /* (fx, fz), each in [0, 1) */
    const double *g00, *g10, *g01, *g11; /* (gx, gz) of corner (x, z), (x+1, z), … */
} cell_corners;

static inline cell_corners find_cell(uint32_t seed, double x, double z)
{
    double fx, fz;
    int64_t ix = floor_to_i64(x, &fx), iz = floor_to_i64(z, &fz);
    cell_corners c;
    c.f = (pair){fx, fz};
    /* Only the low 32 bits of the lattice coordinates enter the hash: unsigned
     * wrap-around is the intended modular arithmetic. */
    uint32_t xp0 = (uint32_t)ix * PRIME_X, zp0 = (uint32_t)iz * PRIME_Z;
    uint32_t xp1 = (xp0 + PRIME_X) ^ seed, zp1 = zp0 + PRIME_Z;
    xp0 ^= seed;
    c.g00 = corner_gradient(xp0, zp0);
    c.g10 = corner_gradient(xp1, zp0);
    c.g01 = corner_gradient(xp0, zp1);
    c.g11 = corner_gradient(xp1, zp1);
    return c;
}

/* Quintic fade 6t^5 − 15t^4 + 10t^3 of both lanes: C2, so the noise has continuous
 * slope and curvature across lattice lines. */
static inline pair fade(pair t)
{
    return t * t * t * (t * (t * 6.0 - 15.0) + 10.0);
}

uint64_t tp__noise_stream(uint64_t world_seed, uint64_t tag)
{
    return mix64(world_seed * 0x9E3779B97F4A7C15ULL + tag * 0xBF58476D1CE4E5B9ULL + 1);
}

/* Unscaled noise (within ±√2/2) so fractal sums apply NOISE_SCALE once. */
static inline double noise_raw(uint32_t seed, double x, double z)
{
    cell_corners c = find_cell(seed, x, z);
    pair f0 = c.f, f1 = c.f - 1.0;
    /* Each product holds (gx·dx, gz·dz) of one corner; lanes are summed below. */
    pair p00 = load_pair(c.g00) * f0;
    pair p10 = load_pair(c.g10) * (pair){f1[0], f0[1]};
    pair p01 = load_pair(c.g01) * (pair){f0[0], f1[1]};
    pair p11 = load_pair(c.g11) * f1;
    pair row0 = (pair){p00[0], p10[0]} + (pair){p00[1], p10[1]}; /* (v00, v10) */
    pair row1 = (pair){p01[0], p11[0]} + (pair){p01[1], p11[1]}; /* (v01, v11) */
    pair w = fade(f0);
    pair along_z = row0 + w[1] * (row1 - row0);
    return along_z[0] + w[0] * (along_z[1] - along_z[0]);
}

double tp__noise2(uint64_t seed, double x, double z)
{
    return noise_raw(octave_seed(seed, 0), x, z) * NOISE_SCALE;
}

/* Noise and its analytic derivatives, unscaled like noise_raw. */
static inline tp__noise_d noise_raw_d(uint32_t seed, double x, double z)
{
    cell_corners c = find_cell(seed, x, z);
    const double *ga = c.g00, *gb = c.g10, *gc = c.g01, *gd = c.g11;
    double fx = c.f[0], fz = c.f[1], fx1 = fx - 1.0, fz1 = fz - 1.0;
    double va = ga[0] * fx + ga[1] * fz;
    double vb = gb[0] * fx1 + gb[1] * fz;
    double vc = gc[0] * fx + gc[1] * fz1;
    double vd = gd[0] * fx1 + gd[1] * fz1;
    pair w = fade(c.f);
    double u = w[0], v = w[1];
    double du = 30.0 * fx * fx * fx1 * fx1;
    double dv = 30.0 * fz * fz * fz1 * fz1;
    double k = va - vb - vc + vd;
    tp__noise_d n;
    n.value = va + u * (vb - va) + v * (vc - va) + u * v * k;
    n.dx = ga[0] + u * (gb[0] - ga[0]) + v * (gc[0] - ga[0]) +
           u * v * (ga[0] - gb[0] - gc[0] + gd[0]) + du * (vb - va + v * k);
    n.dz = ga[1] + u * (gb[1] - ga[1]) + v * (gc[1] - ga[1]) +
           u * v * (ga[1] - gb[1] - gc[1] + gd[1]) + dv * (vc - va + u * k);
    return n;
}

tp__noise_d tp__noise2_d(uint64_t seed, double x, double z)
{
    tp__noise_d n = noise_raw_d(octave_seed(seed, 0), x, z);
    n.value *= NOISE_SCALE;
    n.dx *= NOISE_SCALE;
    n.dz *= NOISE_SCALE;
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

/* Σ 0.5^o for o < octaves, the normaliser of a gain-0.5 sum: 2 − 2^(1−octaves). */
static inline double octave_norm(int octaves)
{
    double norm = 0.0, amp = 1.0;
    for (int o = 0; o < octaves; o++, amp *= 0.5)
        norm += amp;
    return norm;
}

double tp__fbm2(uint64_t seed, double x, double z, int octaves)
{
    double sum = 0.0, amp = 1.0;
    for (int o = 0; o < octaves; o++) {
        sum += amp * noise_raw(octave_seed(seed, o), x, z);
        amp *= 0.5;
        next_octave(&x, &z);
    }
    return sum * (NOISE_SCALE / octave_norm(octaves));
}

/* Carries a slope accumulated in one octave's frame into the next one's: the octave
 * step is 2·R with R the rotation of next_octave, so a gradient per unit of octave o is
 * R·g/2 per unit of octave o + 1. The fractal sums track slope in base units (octave o
 * contributes amp·2^o = 1 times its own gradient), which drops the factor ½ and leaves
 * the rotation; the damping only uses the magnitude, which the rotation preserves. */
static inline void rotate_slope(double *dx, double *dz)
{
    double nx = 0.8 * *dx - 0.6 * *dz;
    double nz = 0.6 * *dx + 0.8 * *dz;
    *dx = nx;
    *dz = nz;
}

double tp__ridged2(uint64_t seed, double x, double z, int octaves)
{
    double sum = 0.0, amp = 1.0, weight = 1.0, steepness = 0.0;
    for (int o = 0; o < octaves; o++) {
        tp__noise_d n = noise_raw_d(octave_seed(seed, o), x, z);
        /* Crest profile (1 − |n|)², weighted by the octave before, so detail gathers on
         * the crests. */
        double crest = 1.0 - NOISE_SCALE * (n.value < 0.0 ? -n.value : n.value);
        double r = crest * crest * weight;
        /* Finer octaves are damped by how steep the coarser ones already are, so steep
         * flanks stay clean like eroded rock. The squared slopes are summed rather than
         * the slope vectors: the crest's slope flips direction across the crest line,
         * and only a sum of squares stays continuous there. */
        double slope = 2.0 * crest * weight * NOISE_SCALE;
        steepness += slope * slope * (n.dx * n.dx + n.dz * n.dz);
        sum += amp * r / (1.0 + RIDGE_DAMPING * steepness);
        weight = tp__clamp(r * 2.0, 0.0, 1.0);
        amp *= 0.5;
        next_octave(&x, &z);
    }
    return sum / octave_norm(octaves);
}

double tp__eroded_fbm2(uint64_t seed, double x, double z, int octaves)
{
    double sum = 0.0, amp = 1.0, sdx = 0.0, sdz = 0.0;
    for (int o = 0; o < octaves; o++) {
        tp__noise_d n = noise_raw_d(octave_seed(seed, o), x, z);
        sdx += n.dx * NOISE_SCALE;
        sdz += n.dz * NOISE_SCALE;
        sum += amp * n.value / (1.0 + sdx * sdx + sdz * sdz);
        amp *= 0.5;
        next_octave(&x, &z);
        rotate_slope(&sdx, &sdz);
    }
    return sum * (NOISE_SCALE / octave_norm(octaves));
}

double tp_noise_fbm2(uint64_t seed, double x, double z, int octaves)
{
    return tp__fbm2(seed, x, z, octaves);
}
