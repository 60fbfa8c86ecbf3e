/* terrapage/world.h — world parameters and the pure, deterministic world generator.
 *
 *   tp_world_params params = {0};              // zero means default: seed 42, 256 m chunks
 *   tp_world_params world;
 *   if (tp_world_params_resolve(&params, &world) != TP_OK) ...;
 *
 *   uint32_t edge = tp_world_lod_edge(&world, 0);             // 129 samples per edge
 *   uint16_t *heights = malloc(edge * edge * sizeof *heights);
 *   uint8_t *biomes = malloc(edge * edge);
 *   tp_chunk_fields fields = { .height_codes = heights, .biomes = biomes };
 *   tp_generate_chunk(&world, -3, 7, 0, &fields);
 *   float metres = tp_height_code_to_m(heights[0]);
 *
 * Every field is a pure function of (resolved parameters, chunk x, chunk z, LOD): no
 * global state, no dependence on call order or thread. The same inputs give the same
 * bytes on every run, every thread count and every machine with IEEE-754 doubles
 * (the generator uses no libm transcendental function and is built without FP
 * contraction). Thread rules: every function here may be called from any thread at
 * once; the parameter struct is only read.
 *
 * Grid conventions: a chunk at LOD 0 is samples_per_edge² samples, row-major, rows run
 * along +z and columns along +x; sample (i, j) of chunk (cx, cz) sits at the global
 * sample index (cx·(E−1) + i, cz·(E−1) + j) where E = samples_per_edge, so neighbouring
 * chunks share their edge samples exactly. LOD k takes every 2^k-th sample: it has
 * ((E−1) >> k) + 1 samples per edge, and equals the LOD-0 grid sampled at stride 2^k.
 */
#ifndef TERRAPAGE_WORLD_H
#define TERRAPAGE_WORLD_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever any generated value changes — fields or meshes (tp_mesh.h builds from
 * them, and the runtime's fallback rebuilds them) — so page files from an older generator
 * are recognised (the page file records it) and never mixed with fresh fallback data.
 * 3: hierarchical mesh borders. 4: greedy-insertion meshes (Delaunay, exact seams). */
#define TP_GENERATOR_VERSION 4u

/* Heights are stored as u16 codes: metres = TP_HEIGHT_MIN_M + code · TP_HEIGHT_STEP_M.
 * The generator clamps to this range and rounds to the step itself, so quantisation is
 * part of the generated field and a baked height decodes to exactly the same value. */
#define TP_HEIGHT_MIN_M (-1024.0)
#define TP_HEIGHT_STEP_M (0.0625) /* 1/16 m: exact in binary, range −1024 … +3071.94 m */

/* Climate lives on a coarser grid: every TP_CLIMATE_STRIDE-th LOD-0 sample. */
#define TP_CLIMATE_STRIDE 8u

/* Biome ids (one byte per height sample). A Whittaker-style table of mean annual
 * temperature and precipitation, plus height rules for ocean, beach and bare rock. */
#define TP_BIOME_MAP(X)                              \
    X(TP_BIOME_OCEAN, 0, "ocean")                    \
    X(TP_BIOME_BEACH, 1, "beach")                    \
    X(TP_BIOME_DESERT, 2, "desert")                  \
    X(TP_BIOME_SAVANNA, 3, "savanna")                \
    X(TP_BIOME_GRASSLAND, 4, "grassland")            \
    X(TP_BIOME_TEMPERATE_FOREST, 5, "temperate forest") \
    X(TP_BIOME_RAINFOREST, 6, "rainforest")          \
    X(TP_BIOME_TAIGA, 7, "taiga")                    \
    X(TP_BIOME_TUNDRA, 8, "tundra")                  \
    X(TP_BIOME_SNOW, 9, "snow and ice")              \
    X(TP_BIOME_BARE_ROCK, 10, "bare rock")

typedef enum tp_biome {
#define TP__BIOME_ENUM(name, value, text) name = value,
    TP_BIOME_MAP(TP__BIOME_ENUM)
#undef TP__BIOME_ENUM
    TP_BIOME_COUNT
} tp_biome;

/*! tp_biome_name() : @return a static lower-case name ("unknown" when out of range). */
TP_API const char *tp_biome_name(unsigned biome);

/*! tp_biome_rgb() : the biome's colour in terrapage's maps and viewer (sRGB, 8 bits per
 *  channel) into out_rgb; magenta when out of range, so bad data shows. */
TP_API void tp_biome_rgb(unsigned biome, uint8_t out_rgb[3]);

/* The defaults and limits of the world parameters: the one home of both.
 * tp_world_params_resolve() applies them, and tools that read world files quote them in
 * their messages. The ranges keep every generated height inside the u16 code range with
 * margin and every world position exactly representable.
 * TP_WORLD_REAL_PARAM_MAP(X) lists the real-valued fields as X(field, default, min, max),
 * in the order of the struct; a 0 in the struct selects the default, so a field whose
 * default is not 0 cannot be set to exactly 0. */
#define TP_WORLD_REAL_PARAM_MAP(X)                         \
    X(chunk_size_m, 256.0, 1.0, 65536.0)                   \
    X(sea_level_m, 0.0, -500.0, 500.0)                     \
    X(feature_scale, 1.0, 0.01, 100.0)                     \
    X(relief_m, 2400.0, 1.0, 2400.0)                       \
    X(ocean_depth_m, 900.0, 1.0, 1000.0)                   \
    X(temperature_origin_c, 14.0, -60.0, 60.0)             \
    X(temperature_gradient_c_per_km, 1.5, -100.0, 100.0)   \
    X(precipitation_mm, 1400.0, 1.0, 20000.0)
#define TP_WORLD_DEFAULT_SEED 42u
#define TP_WORLD_DEFAULT_SAMPLES_PER_EDGE 129u
/* samples_per_edge is 2^n + 1 in this range: the climate grid takes every
 * TP_CLIMATE_STRIDE-th sample, so a chunk needs at least 8 intervals. */
#define TP_WORLD_MIN_SAMPLES_PER_EDGE 9u
#define TP_WORLD_MAX_SAMPLES_PER_EDGE 1025u

/* World parameters. Zero-initialise, set what you need, then resolve: every field that
 * is 0 takes its default (TP_WORLD_REAL_PARAM_MAP). Units are in the names. */
typedef struct tp_world_params {
    uint64_t seed;                        /* 0 → 42 */
    double chunk_size_m;                  /* chunk edge length; 0 → 256 m */
    uint32_t samples_per_edge;            /* 2^n + 1, 9 … 1025; 0 → 129 */
    uint32_t reserved0;                   /* must be 0 */
    double sea_level_m;                   /* 0 → 0 m (the default is zero) */
    double feature_scale;                 /* horizontal size of all landforms; 0 → 1.0 */
    double relief_m;                      /* height of the highest ranges above sea; 0 → 2400 m */
    double ocean_depth_m;                 /* depth of the deep ocean floor; 0 → 900 m */
    double temperature_origin_c;          /* sea-level mean annual temperature at z = 0; 0 → 14 °C */
    double temperature_gradient_c_per_km; /* cooling per km towards +z (north); 0 → 1.5 °C/km */
    double precipitation_mm;              /* mean annual precipitation near coasts; 0 → 1400 mm */
    uint32_t reserved[8];                 /* must be 0 */
} tp_world_params;

/*! tp_world_params_resolve() :
 *  Copies `in` to `out` with every zero field replaced by its default, and validates it.
 *  `in` and `out` may alias. Every other function in this header takes resolved params.
 *  @return TP_OK, or TP_ERR_INVALID_ARGUMENT for a value out of range (samples_per_edge
 *  not 2^n+1, a negative or non-finite size, non-zero reserved fields). */
TP_API tp_result tp_world_params_resolve(const tp_world_params *in, tp_world_params *out);

/* Size in bytes of the canonical serialisation. */
#define TP_WORLD_PARAMS_BLOB_SIZE 96u

/*! tp_world_params_serialize() :
 *  Writes the canonical little-endian serialisation of resolved params (the layout is
 *  given in formats/FORMAT.md) into `out`, which holds TP_WORLD_PARAMS_BLOB_SIZE bytes.
 *  Two param structs describe the same world if and only if their blobs are equal. */
TP_API void tp_world_params_serialize(const tp_world_params *world,
                                      uint8_t out[TP_WORLD_PARAMS_BLOB_SIZE]);

/*! tp_world_params_deserialize() :
 *  Reads a canonical blob back. @return TP_OK, or TP_ERR_CORRUPT if it does not resolve. */
TP_API tp_result tp_world_params_deserialize(const uint8_t *blob, size_t blob_size,
                                             tp_world_params *out);

/*! tp_world_params_hash() : @return XXH3-64 of the canonical serialisation. */
TP_API uint64_t tp_world_params_hash(const tp_world_params *world);

/*! tp_world_lod_count() : @return the number of LODs, down to 9 samples per edge
 *  (5 for the default 129: 129, 65, 33, 17, 9). */
TP_API uint32_t tp_world_lod_count(const tp_world_params *world);

/*! tp_world_lod_edge() : @return samples per edge at LOD `lod`: ((E − 1) >> lod) + 1. */
TP_API uint32_t tp_world_lod_edge(const tp_world_params *world, uint32_t lod);

/*! tp_world_climate_edge() : @return samples per edge of the climate grid:
 *  ((E − 1) / TP_CLIMATE_STRIDE) + 1 (17 for the default 129). */
TP_API uint32_t tp_world_climate_edge(const tp_world_params *world);

/*! tp_height_code_to_m() : @return the height in metres of a height code. Exact. The
 *  quantisation is the generator's, the same for every world (a page file records it and
 *  the file check, tp_page_layout_from_file(), insists on it). */
static inline float tp_height_code_to_m(uint16_t code)
{
    return (float)(TP_HEIGHT_MIN_M + (double)code * TP_HEIGHT_STEP_M);
}

/* Caller-owned output buffers for one chunk. Any pointer may be NULL to skip that field.
 * height_codes and biomes hold edge² values for the requested LOD; temperature and
 * precipitation hold climate_edge² values and do not depend on the LOD. */
typedef struct tp_chunk_fields {
    uint16_t *height_codes;      /* metres = TP_HEIGHT_MIN_M + code · TP_HEIGHT_STEP_M */
    uint8_t *biomes;             /* tp_biome per height sample */
    int16_t *temperature_cc;     /* mean annual temperature in centi-degrees Celsius */
    uint16_t *precipitation_mm;  /* annual precipitation in millimetres */
} tp_chunk_fields;

/*! tp_generate_chunk() :
 *  Generates the requested fields of chunk (cx, cz) at LOD `lod` into the caller's
 *  buffers. Pure and thread-safe; allocates only a small scratch on the stack.
 *  @return TP_OK, or TP_ERR_INVALID_ARGUMENT if lod ≥ tp_world_lod_count(). */
TP_API tp_result tp_generate_chunk(const tp_world_params *world, int32_t cx, int32_t cz,
                                   uint32_t lod, const tp_chunk_fields *out);

/*! tp_generate_height_at() :
 *  The height code of one sample, by global sample index (see the grid conventions
 *  above). tp_generate_chunk() gives exactly these values. */
TP_API uint16_t tp_generate_height_at(const tp_world_params *world, int64_t gx, int64_t gz);

/* Largest stride_log2 of tp_generate_heights(). */
#define TP_GENERATE_MAX_STRIDE_LOG2 16u

/*! tp_generate_heights() :
 *  Height codes of a width × height rectangle of samples at stride 2^stride_log2: entry
 *  (i, j) is the sample at global index (gx0 + i · 2^s, gz0 + j · 2^s), written row-major
 *  (j · width + i) into out_codes. Exactly the values tp_generate_height_at() and
 *  tp_generate_chunk() give for those samples, at a fraction of the cost of point
 *  queries for thin strips (one row or column of a LOD, e.g. the apron of a mesh):
 *  lattice points are evaluated once per strip, not 16 times per sample. Pure and
 *  thread-safe; allocates nothing (about 32 KiB of stack, like tp_generate_chunk).
 *  @return TP_OK, or TP_ERR_INVALID_ARGUMENT for NULL pointers, a zero size or
 *  stride_log2 > TP_GENERATE_MAX_STRIDE_LOG2. */
TP_API tp_result tp_generate_heights(const tp_world_params *world, int64_t gx0, int64_t gz0,
                                     uint32_t width, uint32_t height, uint32_t stride_log2,
                                     uint16_t *out_codes);

/*! tp_noise_fbm2() :
 *  Plain 2-D gradient-noise fBm (`octaves` octaves, lacunarity 2, gain 0.5) at (x, z) in
 *  noise units; the building block of the terrain, exposed for benchmarks and tests.
 *  @return a value in about [−1, 1]. */
TP_API double tp_noise_fbm2(uint64_t seed, double x, double z, int octaves);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_WORLD_H */
