/* generator_internal.h — the generator's stages and the data passed between them.
 *
 * The world is evaluated on two grids, both indexed by 64-bit global sample indices so
 * that every value is a pure function of position:
 *  - the lattice: every TP_CLIMATE_STRIDE-th sample. Slowly varying fields (continents,
 *    domain warp, mountain mask, sea-level climate) are evaluated there and brought to
 *    every sample by a cubic B-spline over the 4 × 4 lattice points around it (chunk.c).
 *    That is ~20× cheaper than evaluating them per sample and visually identical: their
 *    wavelengths are kilometres, the lattice spacing is metres. The spline is C2, so
 *    the fields have no slope discontinuity at lattice lines for a hillshade to show.
 *  - the samples: heights and biomes, with the high-frequency ridges and eroded hills.
 * A chunk and a single-point query run the same functions on the same inputs, so chunk
 * edges, coarse LODs and point queries agree bit for bit.
 */
#ifndef TP_GENERATOR_INTERNAL_H
#define TP_GENERATOR_INTERNAL_H

#include <float.h>
#include <stdint.h>

#include "terrapage/world.h"

/* Bit-identical output on every machine needs plain IEEE-754 double arithmetic: each
 * operation rounded to double (no x87 extended precision) and no value-changing
 * optimisation. Refuse to build otherwise rather than bake bytes the runtime's fallback
 * on another machine would not reproduce. */
#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
#error "the generator needs FLT_EVAL_METHOD == 0 (double arithmetic evaluated as double)"
#endif
#if defined(__FAST_MATH__)
#error "the generator must not be built with value-changing floating-point optimisations"
#endif

/* Slowly varying fields at one lattice point. */
typedef struct tp__lattice {
    double continent;         /* < 0 ocean, > 0 land; about [−1, 1] */
    double warp_x_m, warp_z_m; /* domain-warp offset in metres */
    double mountain_mask;     /* 0 … 1: where ranges rise */
    double temperature_sea_c; /* mean annual temperature at sea level */
    double precipitation_mm;  /* annual precipitation */
} tp__lattice;

/* What one sample needs from the terrain stage to classify its biome. */
typedef struct tp__sample {
    uint16_t height_code;
    double height_m;          /* the quantised height in metres */
    double temperature_sea_c; /* interpolated */
    double precipitation_mm;  /* interpolated */
    double ruggedness;        /* 0 … 1: share of sharp ridged relief */
} tp__sample;

/* Stream tags: one independent noise stream per field (never reuse a tag). */
enum {
    TP__STREAM_CONTINENT = 1,
    TP__STREAM_WARP_X,
    TP__STREAM_WARP_Z,
    TP__STREAM_MOUNTAIN_MASK,
    TP__STREAM_RIDGES,
    TP__STREAM_HILLS,
    TP__STREAM_SEAFLOOR,
    TP__STREAM_TEMPERATURE,
    TP__STREAM_PRECIPITATION,
};

/* Metres between neighbouring LOD-0 samples. */
static inline double tp__sample_spacing_m(const tp_world_params *w)
{
    return w->chunk_size_m / (double)(w->samples_per_edge - 1);
}

/* terrain.c */
void tp__lattice_terrain(const tp_world_params *w, int64_t lx, int64_t lz, tp__lattice *out);
/* Height and biome inputs of sample (gx, gz); `slow` holds the lattice fields already
 * interpolated to the sample. */
void tp__sample_terrain(const tp_world_params *w, int64_t gx, int64_t gz, const tp__lattice *slow,
                        tp__sample *out);

/* climate.c */
void tp__lattice_climate(const tp_world_params *w, int64_t lx, int64_t lz, tp__lattice *inout);
double tp__temperature_at_c(const tp_world_params *w, double temperature_sea_c, double height_m);
int16_t tp__temperature_to_cc(double temperature_c);
uint16_t tp__precipitation_to_mm(double precipitation_mm);

/* biome.c */
uint8_t tp__biome_classify(const tp_world_params *w, const tp__sample *s);

#endif /* TP_GENERATOR_INTERNAL_H */
