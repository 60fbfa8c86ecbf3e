/* render.h — pictures of a region of chunks, from any source of chunk fields.
 *
 *   tp_world_params world;
 *   tp_world_params_resolve(&(tp_world_params){0}, &world);
 *   tp_field_source src = tp_field_source_generator(&world);
 *   tp_render_options opt = {.layer = TP_RENDER_HILLSHADE, .region = {-8, -8, 8, 8}, .lod = 1};
 *   tp_render_image img;
 *   char err[256];
 *   if (tp_render(&src, &opt, &img, err, sizeof err) == TP_OK)
 *       tp_png_write("relief.png", &img.png, err, sizeof err);
 *   tp_render_image_free(&img);
 *
 * `terrapage preview` renders from the generator and `terrapage export` from a page
 * file; both go through tp_render() and tp_png_write(), so the same data gives the same
 * PNG bytes. A source only has to fill chunk fields (tp_chunk_fields of world.h).
 *
 * Geometry. Chunks share their edge samples, so W × H chunks at LOD k make an image of
 * W·(e−1)+1 × H·(e−1)+1 pixels, e = ((E−1) >> k) + 1 samples per chunk edge. One pixel is
 * one sample. Row 0 is the north edge (the largest z), column 0 the west edge (the
 * smallest x): the picture reads like a map with +x east to the right and +z north up.
 *
 * Layers:
 *  - height: 16-bit grayscale of the raw height codes (lossless). Metres are
 *    height_min_m + value · height_step_m, recorded in tEXt chunks with the data range.
 *  - biome: 8-bit RGB from a fixed palette (tp_render_biome_color()); the legend is in
 *    a tEXt chunk.
 *  - temperature, precipitation: 8-bit RGB colour ramps over fixed ranges, bilinearly
 *    upsampled from the coarse climate grid.
 *  - hillshade: Lambertian relief lit from azimuth 315° (north-west), altitude 45°,
 *    tinted with the biome colours, water coloured by depth; or 8-bit gray.
 * Every step is deterministic: the same data gives the same pixels for any thread count.
 *
 * Thread rules: tp_render() runs chunk fetches and pixel work on OpenMP threads, so the
 * source's fetch function must be safe to call from several threads at once.
 */
#ifndef TP_TOOLS_RENDER_H
#define TP_TOOLS_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "png_write.h"
#include "region.h"
#include "terrapage/result.h"
#include "terrapage/world.h"

typedef enum tp_render_layer {
    TP_RENDER_HEIGHT = 0,
    TP_RENDER_BIOME,
    TP_RENDER_TEMPERATURE,
    TP_RENDER_PRECIPITATION,
    TP_RENDER_HILLSHADE,
    TP_RENDER_LAYER_COUNT
} tp_render_layer;

/* "height", "biome", "temperature", "precipitation", "hillshade", then NULL: indexed by
 * tp_render_layer, and usable with tp_cli_choice(). */
extern const char *const tp_render_layer_names[TP_RENDER_LAYER_COUNT + 1];

/* Fills the non-NULL buffers of `out` for chunk (cx, cz) at LOD `lod`: height codes and
 * biomes with edge² values of that LOD, temperature and precipitation with climate_edge²
 * values. Called concurrently from several threads. A failure (TP_ERR_NOT_FOUND for a
 * chunk the source lacks, a decode error, ...) fails the render and names the chunk. */
typedef tp_result (*tp_field_fetch)(void *user, int32_t cx, int32_t cz, uint32_t lod,
                                    const tp_chunk_fields *out);

typedef struct tp_field_source {
    const tp_world_params *world; /* resolved parameters that describe the data */
    tp_field_fetch fetch;
    void *user;
} tp_field_source;

/*! tp_field_source_generator() : a source that calls tp_generate_chunk() on `world`,
 *  which must stay alive while the source is in use. */
tp_field_source tp_field_source_generator(const tp_world_params *world);

/* Upper bound on either side of an image, far above any useful picture; it keeps every
 * size computation comfortably inside 64 bits. */
#define TP_RENDER_MAX_SIDE 65536u

typedef struct tp_render_options {
    tp_render_layer layer;
    tp_region region;    /* chunks, half-open; must be non-empty */
    uint32_t lod;        /* < tp_world_lod_count() */
    bool hillshade_gray; /* hillshade as plain 8-bit gray instead of tinted RGB */
    int threads;         /* OpenMP threads; 0 → the OpenMP default */
} tp_render_options;

#define TP_RENDER_MAX_TEXT 24
#define TP_RENDER_TEXT_SIZE 512

typedef struct tp_render_image {
    tp_png_image png;        /* ready for tp_png_write(); points into this struct */
    void *pixels;            /* owned; freed by tp_render_image_free() */
    tp_png_text text[TP_RENDER_MAX_TEXT];
    char text_value[TP_RENDER_MAX_TEXT][TP_RENDER_TEXT_SIZE];
    /* The range of the rendered quantity over the image: metres for height and
     * hillshade, °C for temperature, mm for precipitation; 0 for biome. */
    double value_min, value_max;
    const char *value_unit;  /* "m", "degC", "mm" or "" */
    /* Pixels per biome, for the biome and tinted hillshade layers (else zero). */
    uint64_t biome_pixels[TP_BIOME_COUNT];
} tp_render_image;

/*! tp_render_size() :
 *  The image size of `region` at LOD `lod`. @return TP_OK, TP_ERR_INVALID_ARGUMENT for an
 *  empty region or a LOD out of range, or TP_ERR_OUT_OF_RANGE when a side would exceed
 *  TP_RENDER_MAX_SIDE. */
tp_result tp_render_size(const tp_world_params *world, const tp_region *region, uint32_t lod,
                         uint32_t *out_width, uint32_t *out_height);

/*! tp_render_auto_lod() :
 *  @return the finest LOD at which both sides of the image are at most `max_side`
 *  pixels, or the coarsest LOD if none is small enough. */
uint32_t tp_render_auto_lod(const tp_world_params *world, const tp_region *region,
                            uint32_t max_side);

/*! tp_render() :
 *  Renders one layer of a region. On success the caller owns `out` and frees it with
 *  tp_render_image_free(). On failure `out` holds nothing to free (freeing is harmless)
 *  and `err` says what went wrong, naming the first failing chunk in row-major order
 *  ("chunk (40, -3) at LOD 0: not found"), the same chunk for any thread count. */
tp_result tp_render(const tp_field_source *source, const tp_render_options *options,
                    tp_render_image *out, char *err, size_t err_size);

/*! tp_render_image_free() : frees the pixels; accepts a zeroed or failed image. */
void tp_render_image_free(tp_render_image *image);

/*! tp_render_biome_color() : the palette colour of a biome (grey for unknown ids). */
void tp_render_biome_color(unsigned biome, uint8_t out_rgb[3]);

/*! tp_render_print_legend() : prints one line per biome, "  #2b5d9b  ocean", indented by
 *  `indent` spaces; with `counts` (TP_BIOME_COUNT entries, may be NULL), also each
 *  biome's share of the pixels, skipping absent ones. */
void tp_render_print_legend(FILE *stream, int indent, const uint64_t *counts);

/* Colour-ramp ranges, fixed so pictures of different worlds compare directly. */
#define TP_RENDER_TEMPERATURE_MIN_C (-30.0)
#define TP_RENDER_TEMPERATURE_MAX_C 40.0
#define TP_RENDER_PRECIPITATION_MAX_MM 4000.0

#endif /* TP_TOOLS_RENDER_H */
