/* terrain.c — heights: continents and oceans, domain-warped ridged ranges and eroded
 * hills, quantised to the page file's height codes. */
#include <stddef.h>

#include "generator_internal.h"
#include "noise.h"

/* Wavelengths of the landforms in metres at feature_scale 1. */
#define CONTINENT_WAVELENGTH_M 12000.0
#define WARP_WAVELENGTH_M 4500.0
#define WARP_AMPLITUDE_M 700.0
#define MOUNTAIN_MASK_WAVELENGTH_M 16000.0
#define RIDGE_WAVELENGTH_M 3600.0
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

    /* Ranges follow the zero lines of the mask noise: long, winding belts a few km wide
     * (like real chains) instead of round massifs, and only away from the coast. */
    double m = tp__fbm2(tp__noise_stream(seed, TP__STREAM_MOUNTAIN_MASK),
                        x / MOUNTAIN_MASK_WAVELENGTH_M, z / MOUNTAIN_MASK_WAVELENGTH_M, 3);
    double belt = 1.0 - 3.0 * (m < 0.0 ? -m : m);
    out->mountain_mask = tp__smoothstep(0.1, 0.8, belt + 0.1 * out->continent) *
                         tp__smoothstep(0.03, 0.3, out->continent);
}

void tp__sample_terrain(const tp_world_params *w, int64_t gx, int64_t gz, const tp__lattice *slow,
                        tp__sample *out)
{
    double spacing = tp__sample_spacing_m(w);
    double c = slow->continent;
    double mask = slow->mountain_mask;
    /* Per-sample divisions are slow; constant reciprocals fold at compile time. */
    double inv_scale = 1.0 / w->feature_scale;
    double px = ((double)gx * spacing + slow->warp_x_m) * inv_scale;
    double pz = ((double)gz * spacing + slow->warp_z_m) * inv_scale;
    uint64_t seed = w->seed;

    /* Land and sea blend across the coast; each side costs noise only where it shows. */
    double coast = tp__smoothstep(-0.03, 0.06, c);
    double land = 0.0, sea = 0.0, ruggedness = 0.0;
    if (coast > 0.0) {
        /* Lowlands rise gently inland; eroded hills roll over them, smoothed on their
         * flanks by the derivative damping. */
        double inland = tp__smoothstep(0.0, 0.8, c);
        double hills = tp__eroded_fbm2(tp__noise_stream(seed, TP__STREAM_HILLS),
                                       px * (1.0 / HILL_WAVELENGTH_M), pz * (1.0 / HILL_WAVELENGTH_M), 5);
        double lowland = 4.0 + 160.0 * inland + (35.0 + 150.0 * inland) * (hills + 0.35);
        double range = 0.0;
        if (mask > 0.0) {
            /* Ridged crests over broad valleys: the ridged sum mostly lies in 0.1 … 0.45;
             * mapping its low part to 0 keeps valley floors low between narrow crests,
             * and the mask lifts the whole chain so foothills lead up to it. */
            double r = tp__ridged2(tp__noise_stream(seed, TP__STREAM_RIDGES),
                                   px * (1.0 / RIDGE_WAVELENGTH_M), pz * (1.0 / RIDGE_WAVELENGTH_M), 5);
            double crest = tp__smoothstep(0.08, 0.5, r);
            ruggedness = mask * crest;
            range = w->relief_m * mask * (0.1 * mask + 0.9 * crest);
        }
        land = lowland * (1.0 - 0.5 * mask) + range;
    }
    if (coast < 1.0) {
        /* A continental shelf that falls to the abyssal floor, with gentle relief. */
        double floor_relief = tp__fbm2(tp__noise_stream(seed, TP__STREAM_SEAFLOOR),
                                       px * (1.0 / SEAFLOOR_WAVELENGTH_M), pz * (1.0 / SEAFLOOR_WAVELENGTH_M), 3);
        sea = -4.0 - w->ocean_depth_m * tp__smoothstep(0.0, 0.45, -c) + 30.0 * floor_relief;
    }
    double height = w->sea_level_m + tp__lerp(sea, land, coast);

    double code = (height - TP_HEIGHT_MIN_M) / TP_HEIGHT_STEP_M + 0.5;
    code = tp__clamp(code, 0.0, 65535.0);
    out->height_code = (uint16_t)code; /* truncation of a non-negative value is floor */
    out->height_m = TP_HEIGHT_MIN_M + (double)out->height_code * TP_HEIGHT_STEP_M;
    out->temperature_sea_c = slow->temperature_sea_c;
    out->precipitation_mm = slow->precipitation_mm;
    out->ruggedness = ruggedness;
}
