/* render.h — pictures of a region of chunks, from any source of chunk fields.
 *
 *   tp_world_params world;
 *   tp_world_params_resolve(&(tp_world_params){0}, &world);
 *   tpt_field_source src = tpt_field_source_generator(&world);
 *   tpt_render_options opt = {.layer = TPT_RENDER_HILLSHADE, .region = {-8, -8, 8, 8}, .lod = 1};
 *   tpt_render_image img;
 *   char err[256];
 *   if (tpt_render(&src, &opt, &img, err, sizeof err) == TP_OK)
 *       tpt_png_write("relief.png", &img.png, err, sizeof err);
 *   tpt_render_image_free(&img);
 *
 * `terrapage preview` renders from the generator and `terrapage export` from a page
 * file; both go through tpt_render() and tpt_png_write(), so the same data gives the same
 * PNG bytes. Sources are in field_source.h.
 *
 * Geometry. Chunks share their edge samples, so W × H chunks at LOD k make an image of
 * W·(e−1)+1 × H·(e−1)+1 pixels, e = ((E−1) >> k) + 1 samples per chunk edge. One pixel is
 * one sample. Row 0 is the north edge (the largest z), column 0 the west edge (the
 * smallest x): the picture reads like a map with +x east to the right and +z north up.
 *
 * Layers:
 *  - height: 16-bit grayscale of the raw height codes (lossless). Metres are
 *    height_min_m + value · height_step_m, recorded in tEXt chunks with the data range.
 *  - biome: 8-bit RGB from the library's palette (tp_biome_rgb()); the legend is in
 *    a tEXt chunk.
 *  - temperature, precipitation: 8-bit RGB colour ramps over fixed ranges, bilinearly
 *    upsampled from the coarse climate grid.
 *  - hillshade: Lambertian relief lit from azimuth 315° (north-west), altitude 45°,
 *    tinted with the biome colours, water coloured by depth; or 8-bit gray.
 * Every step is deterministic: the same data gives the same pixels for any thread count.
 *
 * Thread rules: tpt_render() runs chunk fetches and pixel work on OpenMP threads, so the
 * source's fetch function must be safe to call from several threads at once.
 */
#ifndef TPT_RENDER_H
#define TPT_RENDER_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "field_source.h"
#include "png_write.h"
#include "region.h"
#include "terrapage/result.h"
#include "terrapage/world.h"

typedef enum tpt_render_layer {
    TPT_RENDER_HEIGHT = 0,
    TPT_RENDER_BIOME,
    TPT_RENDER_TEMPERATURE,
    TPT_RENDER_PRECIPITATION,
    TPT_RENDER_HILLSHADE,
    TPT_RENDER_LAYER_COUNT
} tpt_render_layer;

/* "height", "biome", "temperature", "precipitation", "hillshade", then NULL: indexed by
 * tpt_render_layer, and usable with tpt_cli_choice(). */
extern const char *const tpt_render_layer_names[TPT_RENDER_LAYER_COUNT + 1];

/* Upper bound on either side of an image, far above any useful picture; it keeps every
 * size computation comfortably inside 64 bits. */
#define TPT_RENDER_MAX_SIDE 65536u

typedef struct tpt_render_options {
    tpt_render_layer layer;
    tpt_region region;    /* chunks, half-open; must be non-empty */
    uint32_t lod;        /* < tp_world_lod_count() */
    bool hillshade_gray; /* hillshade as plain 8-bit gray instead of tinted RGB */
    int threads;         /* OpenMP threads; 0 → the OpenMP default */
} tpt_render_options;

#define TPT_RENDER_MAX_TEXT 24
#define TPT_RENDER_TEXT_SIZE 512

typedef struct tpt_render_image {
    tpt_png_image png;        /* ready for tpt_png_write(); points into this struct */
    void *pixels;            /* owned; freed by tpt_render_image_free() */
    tpt_png_text text[TPT_RENDER_MAX_TEXT];
    char text_value[TPT_RENDER_MAX_TEXT][TPT_RENDER_TEXT_SIZE];
    /* The range of the rendered quantity over the image: metres for height and
     * hillshade, °C for temperature, mm for precipitation; 0 for biome. */
    double value_min, value_max;
    const char *value_unit;  /* "m", "degC", "mm" or "" */
    /* Pixels per biome, for the biome and tinted hillshade layers (else zero). */
    uint64_t biome_pixels[TP_BIOME_COUNT];
} tpt_render_image;

/*! tpt_render_size() :
 *  The image size of `region` at LOD `lod`. @return TP_OK, TP_ERR_INVALID_ARGUMENT for an
 *  empty region or a LOD out of range, or TP_ERR_OUT_OF_RANGE when a side would exceed
 *  TPT_RENDER_MAX_SIDE. */
tp_result tpt_render_size(const tp_world_params *world, const tpt_region *region, uint32_t lod,
                         uint32_t *out_width, uint32_t *out_height);

/*! tpt_render_auto_lod() :
 *  @return the finest LOD at which both sides of the image are at most `max_side`
 *  pixels, or the coarsest LOD if none is small enough. */
uint32_t tpt_render_auto_lod(const tp_world_params *world, const tpt_region *region,
                            uint32_t max_side);

/*! tpt_render() :
 *  Renders one layer of a region. On success the caller owns `out` and frees it with
 *  tpt_render_image_free(). On failure `out` holds nothing to free (freeing is harmless)
 *  and `err` says what went wrong, naming the first failing chunk in row-major order
 *  ("chunk (40, -3) at LOD 0: not found"), the same chunk for any thread count. */
tp_result tpt_render(const tpt_field_source *source, const tpt_render_options *options,
                    tpt_render_image *out, char *err, size_t err_size);

/*! tpt_render_image_free() : frees the pixels; accepts a zeroed or failed image. */
void tpt_render_image_free(tpt_render_image *image);


/*! tpt_render_print_legend() : prints one line per biome, "  #2b5d9b  ocean", indented by
 *  `indent` spaces; with `counts` (TP_BIOME_COUNT entries, may be NULL), also each
 *  biome's share of the pixels, skipping absent ones. */
void tpt_render_print_legend(FILE *stream, int indent, const uint64_t *counts);

/* Colour-ramp ranges, fixed so pictures of different worlds compare directly. */
#define TPT_RENDER_TEMPERATURE_MIN_C (-30.0)
#define TPT_RENDER_TEMPERATURE_MAX_C 40.0
#define TPT_RENDER_PRECIPITATION_MAX_MM 4000.0

#endif /* TPT_RENDER_H */
