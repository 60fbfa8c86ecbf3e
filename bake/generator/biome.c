/* biome.c — a Whittaker-style biome table: mean annual temperature against annual
 * precipitation, after height rules for the sea, the shore and exposed rock. */
#include "generator_internal.h"

#define BEACH_HEIGHT_M 2.5     /* above sea level */
#define ROCK_RUGGEDNESS 0.5    /* share of sharp ridged relief that leaves rock bare */
#define ROCK_MIN_HEIGHT_M 700.0

uint8_t tp__biome_classify(const tp_world_params *w, const tp__sample *s)
{
    double above_sea = s->height_m - w->sea_level_m;
    if (above_sea < 0.0)
        return TP_BIOME_OCEAN;
    double t = tp__temperature_at_c(w, s->temperature_sea_c, s->height_m);
    double p = s->precipitation_mm;
    if (t < -5.0)
        return TP_BIOME_SNOW;
    if (above_sea < BEACH_HEIGHT_M)
        return TP_BIOME_BEACH;
    if (s->ruggedness > ROCK_RUGGEDNESS && above_sea > ROCK_MIN_HEIGHT_M)
        return TP_BIOME_BARE_ROCK;
    if (t < -1.0)
        return TP_BIOME_TUNDRA;
    if (t < 4.0)
        return p < 300.0 ? TP_BIOME_TUNDRA : TP_BIOME_TAIGA;
    if (t < 18.0)
        return p < 300.0 ? TP_BIOME_DESERT : (p < 800.0 ? TP_BIOME_GRASSLAND : TP_BIOME_TEMPERATE_FOREST);
    return p < 450.0 ? TP_BIOME_DESERT : (p < 1500.0 ? TP_BIOME_SAVANNA : TP_BIOME_RAINFOREST);
}
