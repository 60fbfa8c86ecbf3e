/* terrain.c — heights: continents and oceans, domain-warped ridged ranges and eroded
 * hills, quantised to the page file's height codes. */
#include <stddef.h>

#include "generator_internal.h"
#include "noise.h"

/* Wavelengths of the landforms in metres at feature_scale 1. */
#define CONTINENT_WAVELENGTH_M 12000.0
#define WARP_WAVELENGTH_M 4500.0
#define WARP_AMPLITUDE_M 700.0
#define MOUNTAIN_MASK_WAVELENGTH_M 9000.0
#define RIDGE_WAVELENGTH_M 4200.0
#define HILL_WAVELENGTH_M 1900.0
#define SEAFLOOR_WAVELENGTH_M 3000.0

void tp__lattice_terrain(const tp_world_params *w, int64_t lx, int64_t lz, tp__lattice *out)
{
    double step_m = tp__sample_spacing_m(w) * (double)TP_CLIMATE_STRIDE;
    double x = (double)lx * step_m / w->feature_scale;
    double z = (double)lz * step_m / w->feature_scale;
    uint64_t seed = w->seed;

    /* A slight positive bias gives a little more land than sea. */
    double c = tp__fbm2(tp__noise_stream(seed, TP__STREAM_CONTINENT), x / CONTINENT_WAVELENGTH_M,
                        z / CONTINENT_WAVELENGTH_M, 5);
    out->continent = c * 1.8 + 0.12;

    double wx = tp__fbm2(tp__noise_stream(seed, TP__STREAM_WARP_X), x / WARP_WAVELENGTH_M,
                         z / WARP_WAVELENGTH_M, 3);
    double wz = tp__fbm2(tp__noise_stream(seed, TP__STREAM_WARP_Z), x / WARP_WAVELENGTH_M,
                         z / WARP_WAVELENGTH_M, 3);
    out->warp_x_m = wx * WARP_AMPLITUDE_M * w->feature_scale;
    out->warp_z_m = wz * WARP_AMPLITUDE_M * w->feature_scale;

    /* Ranges rise away from the coast, in belts that the mask noise lays out. */
    double m = tp__fbm2(tp__noise_stream(seed, TP__STREAM_MOUNTAIN_MASK),
                        x / MOUNTAIN_MASK_WAVELENGTH_M, z / MOUNTAIN_MASK_WAVELENGTH_M, 3);
    out->mountain_mask = tp__smoothstep(0.05, 0.5, m * 1.8 + 0.25 * out->continent) *
                         tp__smoothstep(0.02, 0.25, out->continent);
}

static double interpolate(const tp__cell *cell, size_t field_offset)
{
#define FIELD(p) (*(const double *)((const char *)(p) + field_offset))
    double top = tp__lerp(FIELD(cell->c00), FIELD(cell->c10), cell->fx);
    double bottom = tp__lerp(FIELD(cell->c01), FIELD(cell->c11), cell->fx);
#undef FIELD
    return tp__lerp(top, bottom, cell->fz);
}

#define LATTICE_FIELD(cell, name) interpolate((cell), offsetof(tp__lattice, name))

void tp__sample_terrain(const tp_world_params *w, int64_t gx, int64_t gz, const tp__cell *cell,
                        tp__sample *out)
{
    double spacing = tp__sample_spacing_m(w);
    double c = LATTICE_FIELD(cell, continent);
    double mask = LATTICE_FIELD(cell, mountain_mask);
    double px = ((double)gx * spacing + LATTICE_FIELD(cell, warp_x_m)) / w->feature_scale;
    double pz = ((double)gz * spacing + LATTICE_FIELD(cell, warp_z_m)) / w->feature_scale;
    uint64_t seed = w->seed;

    /* Land and sea blend across the coast; each side costs noise only where it shows. */
    double coast = tp__smoothstep(-0.03, 0.06, c);
    double land = 0.0, sea = 0.0, ruggedness = 0.0;
    if (coast > 0.0) {
        /* A plain rising inland, eroded hills, and ridged ranges under the mask. */
        double hills = tp__eroded_fbm2(tp__noise_stream(seed, TP__STREAM_HILLS),
                                       px / HILL_WAVELENGTH_M, pz / HILL_WAVELENGTH_M, 7);
        double ridges = 0.0;
        if (mask > 0.0)
            ridges = tp__ridged2(tp__noise_stream(seed, TP__STREAM_RIDGES),
                                 px / RIDGE_WAVELENGTH_M, pz / RIDGE_WAVELENGTH_M, 6);
        double inland = tp__smoothstep(0.0, 0.7, c);
        double ridge_shape = ridges * ridges * (3.0 - 2.0 * ridges); /* sharpen crests */
        ruggedness = mask * ridge_shape;
        land = 6.0 + 220.0 * inland + (110.0 + 260.0 * inland) * hills * (1.0 - 0.6 * mask) +
               w->relief_m * ruggedness;
    }
    if (coast < 1.0) {
        /* A continental shelf that falls to the abyssal floor, with gentle relief. */
        double floor_relief = tp__fbm2(tp__noise_stream(seed, TP__STREAM_SEAFLOOR),
                                       px / SEAFLOOR_WAVELENGTH_M, pz / SEAFLOOR_WAVELENGTH_M, 3);
        sea = -4.0 - w->ocean_depth_m * tp__smoothstep(0.0, 0.45, -c) + 30.0 * floor_relief;
    }
    double height = w->sea_level_m + tp__lerp(sea, land, coast);

    double code = (height - TP_HEIGHT_MIN_M) / TP_HEIGHT_STEP_M + 0.5;
    code = tp__clamp(code, 0.0, 65535.0);
    out->height_code = (uint16_t)code; /* truncation of a non-negative value is floor */
    out->height_m = TP_HEIGHT_MIN_M + (double)out->height_code * TP_HEIGHT_STEP_M;
    out->temperature_sea_c = LATTICE_FIELD(cell, temperature_sea_c);
    out->precipitation_mm = LATTICE_FIELD(cell, precipitation_mm);
    out->ruggedness = ruggedness;
}
