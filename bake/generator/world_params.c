/* world_params.c — defaults, validation and the canonical serialisation of a world. */
#include <math.h>
#include <string.h>
#include <xxhash.h>

#include "terrapage/pagefile.h"
#include "terrapage/world.h"
#include "tp_bytes.h"

#define BLOB_VERSION 1u

static const char *const k_biome_names[TP_BIOME_COUNT] = {
#define TP__BIOME_NAME(name, value, text) [value] = text,
    TP_BIOME_MAP(TP__BIOME_NAME)
#undef TP__BIOME_NAME
};

const char *tp_biome_name(unsigned biome)
{
    return biome < TP_BIOME_COUNT ? k_biome_names[biome] : "unknown";
}

/* Chosen to be told apart at a glance and to read as what they are: blues for water,
 * sand and ochre for dry land, greens from light (grass) to dark (rainforest), a
 * blue-grey green for taiga, dun for tundra, white for ice and grey for rock. */
static const uint8_t k_biome_rgb[TP_BIOME_COUNT][3] = {
    [TP_BIOME_OCEAN] = {0x2b, 0x5d, 0x9b},
    [TP_BIOME_BEACH] = {0xf0, 0xe2, 0xb0},
    [TP_BIOME_DESERT] = {0xdb, 0xa8, 0x4f},
    [TP_BIOME_SAVANNA] = {0xb8, 0xb4, 0x3c},
    [TP_BIOME_GRASSLAND] = {0x93, 0xc8, 0x66},
    [TP_BIOME_TEMPERATE_FOREST] = {0x3a, 0x8f, 0x3f},
    [TP_BIOME_RAINFOREST] = {0x0e, 0x5b, 0x2e},
    [TP_BIOME_TAIGA] = {0x4f, 0x7d, 0x6c},
    [TP_BIOME_TUNDRA] = {0xa8, 0x9f, 0x80},
    [TP_BIOME_SNOW] = {0xf5, 0xf8, 0xfc},
    [TP_BIOME_BARE_ROCK] = {0x80, 0x78, 0x74},
};

void tp_biome_rgb(unsigned biome, uint8_t out_rgb[3])
{
    static const uint8_t unknown[3] = {0xff, 0x00, 0xff}; /* loud, so bad data shows */
    memcpy(out_rgb, biome < TP_BIOME_COUNT ? k_biome_rgb[biome] : unknown, 3);
}

static int in_range(double v, double lo, double hi)
{
    return isfinite(v) && v >= lo && v <= hi;
}

static void default_if_zero(double *field, double value)
{
    if (*field == 0.0)
        *field = value;
}

tp_result tp_world_params_resolve(const tp_world_params *in, tp_world_params *out)
{
    if (!in || !out)
        return TP_ERR_INVALID_ARGUMENT;
    tp_world_params p = *in;
    if (p.seed == 0)
        p.seed = TP_WORLD_DEFAULT_SEED;
    if (p.samples_per_edge == 0)
        p.samples_per_edge = TP_WORLD_DEFAULT_SAMPLES_PER_EDGE;
#define TP__DEFAULT_IF_ZERO(field, def, lo, hi) default_if_zero(&p.field, def);
    TP_WORLD_REAL_PARAM_MAP(TP__DEFAULT_IF_ZERO)
#undef TP__DEFAULT_IF_ZERO

    if (p.reserved0 != 0)
        return TP_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < sizeof p.reserved / sizeof p.reserved[0]; i++)
        if (p.reserved[i] != 0)
            return TP_ERR_INVALID_ARGUMENT;
    if (!tp_is_pow2_plus_one(p.samples_per_edge) ||
        p.samples_per_edge < TP_WORLD_MIN_SAMPLES_PER_EDGE ||
        p.samples_per_edge > TP_WORLD_MAX_SAMPLES_PER_EDGE)
        return TP_ERR_INVALID_ARGUMENT;
#define TP__CHECK_RANGE(field, def, lo, hi) \
    if (!in_range(p.field, lo, hi))         \
        return TP_ERR_INVALID_ARGUMENT;
    TP_WORLD_REAL_PARAM_MAP(TP__CHECK_RANGE)
#undef TP__CHECK_RANGE
    *out = p;
    return TP_OK;
}

/* Field offsets of the canonical blob (formats/FORMAT.md, "World parameter blob"). */
enum {
    OFF_BLOB_VERSION = 0,
    OFF_GENERATOR_VERSION = 4,
    OFF_SEED = 8,
    OFF_CHUNK_SIZE = 16,
    OFF_SAMPLES_PER_EDGE = 24,
    OFF_RESERVED0 = 28,
    OFF_SEA_LEVEL = 32,
    OFF_FEATURE_SCALE = 40,
    OFF_RELIEF = 48,
    OFF_OCEAN_DEPTH = 56,
    OFF_TEMPERATURE_ORIGIN = 64,
    OFF_TEMPERATURE_GRADIENT = 72,
    OFF_PRECIPITATION = 80,
    OFF_RESERVED1 = 88,
};

void tp_world_params_serialize(const tp_world_params *w, uint8_t out[TP_WORLD_PARAMS_BLOB_SIZE])
{
    memset(out, 0, TP_WORLD_PARAMS_BLOB_SIZE);
    tp__put32(out + OFF_BLOB_VERSION, BLOB_VERSION);
    tp__put32(out + OFF_GENERATOR_VERSION, TP_GENERATOR_VERSION);
    tp__put64(out + OFF_SEED, w->seed);
    tp__putf64(out + OFF_CHUNK_SIZE, w->chunk_size_m);
    tp__put32(out + OFF_SAMPLES_PER_EDGE, w->samples_per_edge);
    tp__putf64(out + OFF_SEA_LEVEL, w->sea_level_m);
    tp__putf64(out + OFF_FEATURE_SCALE, w->feature_scale);
    tp__putf64(out + OFF_RELIEF, w->relief_m);
    tp__putf64(out + OFF_OCEAN_DEPTH, w->ocean_depth_m);
    tp__putf64(out + OFF_TEMPERATURE_ORIGIN, w->temperature_origin_c);
    tp__putf64(out + OFF_TEMPERATURE_GRADIENT, w->temperature_gradient_c_per_km);
    tp__putf64(out + OFF_PRECIPITATION, w->precipitation_mm);
}

tp_result tp_world_params_deserialize(const uint8_t *blob, size_t blob_size, tp_world_params *out)
{
    if (!blob || !out)
        return TP_ERR_INVALID_ARGUMENT;
    if (blob_size != TP_WORLD_PARAMS_BLOB_SIZE)
        return TP_ERR_CORRUPT;
    if (tp__le32(blob + OFF_BLOB_VERSION) != BLOB_VERSION)
        return TP_ERR_UNSUPPORTED_VERSION;
    if (tp__le32(blob + OFF_RESERVED0) != 0 || tp__le64(blob + OFF_RESERVED1) != 0)
        return TP_ERR_CORRUPT;
    tp_world_params p;
    memset(&p, 0, sizeof p);
    p.seed = tp__le64(blob + OFF_SEED);
    p.chunk_size_m = tp__lef64(blob + OFF_CHUNK_SIZE);
    p.samples_per_edge = tp__le32(blob + OFF_SAMPLES_PER_EDGE);
    p.sea_level_m = tp__lef64(blob + OFF_SEA_LEVEL);
    p.feature_scale = tp__lef64(blob + OFF_FEATURE_SCALE);
    p.relief_m = tp__lef64(blob + OFF_RELIEF);
    p.ocean_depth_m = tp__lef64(blob + OFF_OCEAN_DEPTH);
    p.temperature_origin_c = tp__lef64(blob + OFF_TEMPERATURE_ORIGIN);
    p.temperature_gradient_c_per_km = tp__lef64(blob + OFF_TEMPERATURE_GRADIENT);
    p.precipitation_mm = tp__lef64(blob + OFF_PRECIPITATION);
    /* A canonical blob is already resolved: resolving must change nothing. */
    tp_world_params resolved;
    if (tp_world_params_resolve(&p, &resolved) != TP_OK || memcmp(&resolved, &p, sizeof p) != 0)
        return TP_ERR_CORRUPT;
    *out = resolved;
    return TP_OK;
}

uint64_t tp_world_params_hash(const tp_world_params *w)
{
    uint8_t blob[TP_WORLD_PARAMS_BLOB_SIZE];
    tp_world_params_serialize(w, blob);
    return XXH3_64bits(blob, sizeof blob);
}

uint32_t tp_world_lod_count(const tp_world_params *w)
{
    uint32_t count = 1;
    for (uint32_t e = w->samples_per_edge; e > 9; e = ((e - 1) >> 1) + 1)
        count++;
    return count;
}

uint32_t tp_world_lod_edge(const tp_world_params *w, uint32_t lod)
{
    return ((w->samples_per_edge - 1) >> lod) + 1;
}

uint32_t tp_world_climate_edge(const tp_world_params *w)
{
    return (w->samples_per_edge - 1) / TP_CLIMATE_STRIDE + 1;
}
