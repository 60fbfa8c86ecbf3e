/* climate.c — mean annual temperature and precipitation in physical units.
 *
 * Temperature falls towards +z (north) by a configurable gradient, as it falls with
 * latitude, and with altitude at the standard atmosphere's lapse rate of 6.5 °C per km.
 * Precipitation is highest on coasts and falls inland; the continent field stands in
 * for the distance from the sea, which keeps every value local to its position.
 */
#include "generator_internal.h"
#include "noise.h"

#define LAPSE_RATE_C_PER_M 0.0065
#define TEMPERATURE_WAVELENGTH_M 7000.0
#define TEMPERATURE_NOISE_C 3.0
#define PRECIPITATION_WAVELENGTH_M 6000.0

void tp__lattice_climate(const tp_world_params *w, int64_t lx, int64_t lz, tp__lattice *inout)
{
    double step_m = tp__sample_spacing_m(w) * (double)TP_CLIMATE_STRIDE;
    double x_m = (double)lx * step_m, z_m = (double)lz * step_m;
    double x = x_m / w->feature_scale, z = z_m / w->feature_scale;
    uint64_t seed = w->seed;

    double t_noise = tp__fbm2(tp__noise_stream(seed, TP__STREAM_TEMPERATURE),
                              x / TEMPERATURE_WAVELENGTH_M, z / TEMPERATURE_WAVELENGTH_M, 2);
    double t = w->temperature_origin_c - w->temperature_gradient_c_per_km * (z_m / 1000.0) +
               TEMPERATURE_NOISE_C * 1.5 * t_noise;
    inout->temperature_sea_c = tp__clamp(t, -45.0, 40.0);

    double p_noise = tp__fbm2(tp__noise_stream(seed, TP__STREAM_PRECIPITATION),
                              x / PRECIPITATION_WAVELENGTH_M, z / PRECIPITATION_WAVELENGTH_M, 3);
    double coastal = 1.25 - 1.0 * tp__smoothstep(0.0, 0.6, inout->continent);
    double p = w->precipitation_mm * coastal * tp__clamp(1.0 + 2.0 * p_noise, 0.15, 2.5);
    inout->precipitation_mm = tp__clamp(p, 10.0, 8000.0);
}

double tp__temperature_at_c(const tp_world_params *w, double temperature_sea_c, double height_m)
{
    double above_sea = height_m - w->sea_level_m;
    return temperature_sea_c - LAPSE_RATE_C_PER_M * (above_sea > 0.0 ? above_sea : 0.0);
}

int16_t tp__temperature_to_cc(double temperature_c)
{
    /* Round half up on centi-degrees; the range is clamped well inside int16. */
    double cc = tp__clamp(temperature_c * 100.0, -30000.0, 30000.0) + 30000.5;
    return (int16_t)((int32_t)cc - 30000);
}

uint16_t tp__precipitation_to_mm(double precipitation_mm)
{
    return (uint16_t)(tp__clamp(precipitation_mm, 0.0, 65534.0) + 0.5);
}
