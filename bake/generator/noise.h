/* noise.h — gradient noise and its fractal sums, internal to the generator.
 *
 * Everything here is a pure function of (seed, position). Positions are doubles in
 * noise units (one lattice cell = 1.0); lattice coordinates are 64-bit, so worlds a
 * million chunks wide stay exact. No libm transcendental function is used: gradients
 * come from a table of literal constants, so results are identical on every libm.
 */
#ifndef TP_GENERATOR_NOISE_H
#define TP_GENERATOR_NOISE_H

#include <stdint.h>

/* A noise value with its analytic partial derivatives (per noise unit). */
typedef struct tp__noise_d {
    double value, dx, dz;
} tp__noise_d;

/* 2-D gradient noise, value in about [−1, 1]. */
double tp__noise2(uint64_t seed, double x, double z);

/* 2-D gradient noise with derivatives. */
tp__noise_d tp__noise2_d(uint64_t seed, double x, double z);

/* fBm: `octaves` octaves of tp__noise2, lacunarity 2, gain 0.5, each octave rotated so
 * lattice axes do not line up; normalised to about [−1, 1]. */
double tp__fbm2(uint64_t seed, double x, double z, int octaves);

/* Ridged multifractal (sharp crests, each octave weighted by the one before, so detail
 * gathers on the ridges and valleys stay smooth). Value in [0, 1]. */
double tp__ridged2(uint64_t seed, double x, double z, int octaves);

/* Derivative-damped fBm: each octave is damped by the accumulated slope of the octaves
 * before it, so steep flanks stay smooth and detail collects in flat valleys and on
 * plateaus — the look of eroded terrain without a simulation. Value in about [−1, 1]. */
double tp__eroded_fbm2(uint64_t seed, double x, double z, int octaves);

/* Seed of an independent noise stream, derived from the world seed and a stream tag. */
uint64_t tp__noise_stream(uint64_t world_seed, uint64_t tag);

static inline double tp__clamp(double v, double lo, double hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

/* Cubic smoothstep from 0 at `lo` to 1 at `hi`. */
static inline double tp__smoothstep(double lo, double hi, double v)
{
    double t = tp__clamp((v - lo) / (hi - lo), 0.0, 1.0);
    return t * t * (3.0 - 2.0 * t);
}

static inline double tp__lerp(double a, double b, double t)
{
    return a + (b - a) * t;
}

#endif /* TP_GENERATOR_NOISE_H */
