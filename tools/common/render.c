/* render.c — region rasters from a field source, then colours, in two parallel passes.
 *
 * Pass 1 fetches every chunk (in parallel, any order) and copies its samples into
 * region-wide rasters. Neighbouring chunks share edge samples, so each chunk copies only
 * the samples it owns: all but its east column and north row, which belong to the next
 * chunk, except on the region's east and north borders. No pixel is written twice, so
 * the result cannot depend on which thread finished first.
 *
 * Pass 2 turns the rasters into pixels row by row (in parallel). Hillshade needs each
 * sample's neighbours, which is why the heights are gathered first rather than shaded
 * per chunk. All arithmetic is plain IEEE double without contraction and sqrt() (which
 * IEEE-754 requires to be correctly rounded), so pixels are identical on every run.
 */
#include "render.h"

#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "terrapage/version.h"

const char *const tpt_render_layer_names[TPT_RENDER_LAYER_COUNT + 1] = {
    "height", "biome", "temperature", "precipitation", "hillshade", NULL,
};

/* ---- the biome legend ------------------------------------------------------------- */

void tpt_render_print_legend(FILE *stream, int indent, const uint64_t *counts)
{
    uint64_t total = 0;
    if (counts)
        for (unsigned b = 0; b < TP_BIOME_COUNT; b++)
            total += counts[b];
    for (unsigned b = 0; b < TP_BIOME_COUNT; b++) {
        if (counts && counts[b] == 0)
            continue;
        uint8_t c[3];
        tp_biome_rgb(b, c);
        fprintf(stream, "%*s#%02x%02x%02x  ", indent, "", c[0], c[1], c[2]);
        if (counts && total)
            fprintf(stream, "%-17s %5.1f%%", tp_biome_name(b),
                    100.0 * (double)counts[b] / (double)total);
        else
            fputs(tp_biome_name(b), stream);
        fputc('\n', stream);
    }
}

typedef struct ramp_stop {
    double value;
    uint8_t rgb[3];
} ramp_stop;

/* Cold violet and blue, pale around freezing, yellow and orange through the temperate
 * range, dark red for the hottest. */
static const ramp_stop temperature_ramp[] = {
    {-30.0, {0x3c, 0x14, 0x78}}, {-15.0, {0x28, 0x5a, 0xc8}}, {0.0, {0x96, 0xd2, 0xf0}},
    {8.0, {0xf0, 0xf0, 0xc8}},   {15.0, {0xfa, 0xdc, 0x6e}},  {25.0, {0xf0, 0x82, 0x32}},
    {40.0, {0xaa, 0x14, 0x1e}},
};

/* Dry browns through tan and greens to the deep blue of the wettest coasts. */
static const ramp_stop precipitation_ramp[] = {
    {0.0, {0x96, 0x5a, 0x28}},    {300.0, {0xd7, 0xb4, 0x6e}},  {800.0, {0xc8, 0xe1, 0x8c}},
    {1500.0, {0x5a, 0xb4, 0x78}}, {2500.0, {0x1e, 0x78, 0xa0}}, {4000.0, {0x14, 0x28, 0x78}},
};

static uint8_t to_u8(double v)
{
    return v <= 0.0 ? 0 : v >= 255.0 ? 255 : (uint8_t)(v + 0.5);
}

static void ramp_color(const ramp_stop *stops, size_t count, double value, uint8_t *out)
{
    if (!(value > stops[0].value)) { /* also catches NaN */
        memcpy(out, stops[0].rgb, 3);
        return;
    }
    for (size_t i = 1; i < count; i++) {
        if (value <= stops[i].value) {
            double t = (value - stops[i - 1].value) / (stops[i].value - stops[i - 1].value);
            for (int c = 0; c < 3; c++) {
                double a = stops[i - 1].rgb[c], b = stops[i].rgb[c];
                out[c] = to_u8(a + (b - a) * t);
            }
            return;
        }
    }
    memcpy(out, stops[count - 1].rgb, 3);
}

/* ---- geometry ---------------------------------------------------------------------- */

tp_result tpt_render_size(const tp_world_params *world, const tpt_region *region, uint32_t lod,
                         uint32_t *out_width, uint32_t *out_height)
{
    if (!tpt_region_valid(region) || lod >= tp_world_lod_count(world))
        return TP_ERR_INVALID_ARGUMENT;
    int64_t step = (int64_t)tp_world_lod_edge(world, lod) - 1;
    /* Widths are < 2^32 chunks and steps ≤ 1024: the products fit easily in 64 bits. */
    int64_t w = tpt_region_width(region) * step + 1;
    int64_t h = tpt_region_height(region) * step + 1;
    if (w > (int64_t)TPT_RENDER_MAX_SIDE || h > (int64_t)TPT_RENDER_MAX_SIDE)
        return TP_ERR_OUT_OF_RANGE;
    *out_width = (uint32_t)w;
    *out_height = (uint32_t)h;
    return TP_OK;
}

uint32_t tpt_render_auto_lod(const tp_world_params *world, const tpt_region *region,
                            uint32_t max_side)
{
    uint32_t count = tp_world_lod_count(world);
    for (uint32_t lod = 0; lod + 1 < count; lod++) {
        uint32_t w, h;
        if (tpt_render_size(world, region, lod, &w, &h) == TP_OK && w <= max_side && h <= max_side)
            return lod;
    }
    return count - 1;
}

/* ---- pass 1: gather ---------------------------------------------------------------- */

typedef struct rasters {
    uint32_t width, height;         /* pixels */
    uint32_t clim_width, clim_height;
    uint16_t *heights;              /* image order: row 0 north */
    uint8_t *biomes;                /* image order */
    double *temperature_cc;         /* world order: row 0 south */
    double *precipitation_mm;       /* world order */
} rasters;

typedef struct scratch {
    tp_chunk_fields fields;
} scratch;

static bool scratch_alloc(scratch *s, const rasters *r, uint32_t edge, uint32_t clim_edge)
{
    size_t n = (size_t)edge * edge, nc = (size_t)clim_edge * clim_edge;
    memset(s, 0, sizeof *s);
    bool ok = true;
    if (r->heights)
        ok &= (s->fields.height_codes = malloc(n * sizeof(uint16_t))) != NULL;
    if (r->biomes)
        ok &= (s->fields.biomes = malloc(n)) != NULL;
    if (r->temperature_cc)
        ok &= (s->fields.temperature_cc = malloc(nc * sizeof(int16_t))) != NULL;
    if (r->precipitation_mm)
        ok &= (s->fields.precipitation_mm = malloc(nc * sizeof(uint16_t))) != NULL;
    return ok;
}

static void scratch_free(scratch *s)
{
    free(s->fields.height_codes);
    free(s->fields.biomes);
    free(s->fields.temperature_cc);
    free(s->fields.precipitation_mm);
}

/* Copies the samples chunk (ix, iz) of the region owns (see the file comment). */
static void copy_chunk(rasters *r, const tp_chunk_fields *f, int64_t ix, int64_t iz,
                       int64_t chunks_x, int64_t chunks_z, uint32_t edge, uint32_t clim_edge)
{
    if (f->height_codes || f->biomes) {
        size_t step = edge - 1;
        size_t cols = step + (ix == chunks_x - 1), rows = step + (iz == chunks_z - 1);
        size_t col0 = (size_t)ix * step, south_row = (size_t)iz * step;
        for (size_t j = 0; j < rows; j++) {
            size_t y = r->height - 1 - (south_row + j); /* +z is up the picture */
            size_t dst = y * r->width + col0;
            if (f->height_codes)
                memcpy(r->heights + dst, f->height_codes + j * edge, cols * sizeof(uint16_t));
            if (f->biomes)
                memcpy(r->biomes + dst, f->biomes + j * edge, cols);
        }
    }
    if (f->temperature_cc || f->precipitation_mm) {
        size_t step = clim_edge - 1;
        size_t cols = step + (ix == chunks_x - 1), rows = step + (iz == chunks_z - 1);
        size_t col0 = (size_t)ix * step, row0 = (size_t)iz * step;
        for (size_t j = 0; j < rows; j++) {
            size_t dst = (row0 + j) * r->clim_width + col0;
            for (size_t i = 0; i < cols; i++) {
                if (f->temperature_cc)
                    r->temperature_cc[dst + i] = f->temperature_cc[j * clim_edge + i];
                if (f->precipitation_mm)
                    r->precipitation_mm[dst + i] = f->precipitation_mm[j * clim_edge + i];
            }
        }
    }
}

static tp_result gather(const tpt_field_source *src, const tpt_render_options *opt, rasters *r,
                        int threads, char *err, size_t err_size)
{
    const tp_world_params *w = src->world;
    const uint32_t edge = tp_world_lod_edge(w, opt->lod);
    const uint32_t clim_edge = tp_world_climate_edge(w);
    const int64_t chunks_x = tpt_region_width(&opt->region);
    const int64_t chunks_z = tpt_region_height(&opt->region);
    const int64_t chunk_count = chunks_x * chunks_z;

    /* The lowest failing index wins, so the message names the same chunk every run. */
    int64_t first_bad = INT64_MAX;
    tp_result bad_result = TP_OK;
    char bad_detail[512] = "";
    bool out_of_memory = false;

#pragma omp parallel num_threads(threads)
    {
        scratch s;
        bool have_scratch = scratch_alloc(&s, r, edge, clim_edge);
        if (!have_scratch) {
#pragma omp atomic write
            out_of_memory = true;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t k = 0; k < chunk_count; k++) {
            if (!have_scratch)
                continue;
            int64_t ix = k % chunks_x, iz = k / chunks_x;
            int32_t cx = (int32_t)(opt->region.x0 + ix), cz = (int32_t)(opt->region.z0 + iz);
            /* The failure detail is per thread and survives successes: clear it so a
             * failure reports only what this fetch said. */
            tp__error_set(TP_OK, "%s", "");
            tp_result res = src->fetch(src->user, cx, cz, opt->lod, &s.fields);
            if (res != TP_OK) {
#pragma omp critical(tpt_render_first_error)
                {
                    if (k < first_bad) {
                        first_bad = k;
                        bad_result = res;
                        snprintf(bad_detail, sizeof bad_detail, "%s", tp_error_detail());
                    }
                }
                continue;
            }
            copy_chunk(r, &s.fields, ix, iz, chunks_x, chunks_z, edge, clim_edge);
        }
        scratch_free(&s);
    }

    if (out_of_memory) {
        snprintf(err, err_size, "out of memory for chunk buffers");
        return TP_ERR_OUT_OF_MEMORY;
    }
    if (first_bad != INT64_MAX) {
        snprintf(err, err_size, "chunk (%" PRId64 ", %" PRId64 ") at LOD %" PRIu32 ": %s%s%s%s",
                 opt->region.x0 + first_bad % chunks_x, opt->region.z0 + first_bad / chunks_x,
                 opt->lod, tp_result_string(bad_result), *bad_detail ? " (" : "", bad_detail,
                 *bad_detail ? ")" : "");
        return bad_result;
    }
    return TP_OK;
}

/* ---- pass 2: colours --------------------------------------------------------------- */

/* Bilinear value of a world-order climate raster at an offset in LOD-0 samples from the
 * region's south-west corner. Climate samples sit every TP_CLIMATE_STRIDE LOD-0 samples,
 * so the weights are exact eighths. */
static double climate_at(const double *g, uint32_t cw, uint32_t ch, uint64_t ox, uint64_t oz)
{
    uint64_t ax = ox / TP_CLIMATE_STRIDE, az = oz / TP_CLIMATE_STRIDE;
    double fx = (double)(ox % TP_CLIMATE_STRIDE) / TP_CLIMATE_STRIDE;
    double fz = (double)(oz % TP_CLIMATE_STRIDE) / TP_CLIMATE_STRIDE;
    uint64_t ax1 = ax + 1 < cw ? ax + 1 : ax, az1 = az + 1 < ch ? az + 1 : az;
    double v00 = g[az * cw + ax], v10 = g[az * cw + ax1];
    double v01 = g[az1 * cw + ax], v11 = g[az1 * cw + ax1];
    double south = v00 + (v10 - v00) * fx, north = v01 + (v11 - v01) * fx;
    return south + (north - south) * fz;
}

/* The light: azimuth 315° (from the north-west), altitude 45°, as a unit vector in
 * (east, north, up). The components are exact: cos 45° · sin 315° = −1/2, etc. */
#define LIGHT_EAST (-0.5)
#define LIGHT_NORTH 0.5
#define LIGHT_UP 0.70710678118654752440

/* Lambertian shade (0 … 1) of pixel (x, y) from Horn's 3×3 gradient, with the image
 * border clamped. */
static double shade_at(const rasters *r, uint32_t x, uint32_t y, double step_m,
                       double pixel_m)
{
    uint32_t xl = x ? x - 1 : x, xr = x + 1 < r->width ? x + 1 : x;
    uint32_t yn = y ? y - 1 : y, ys = y + 1 < r->height ? y + 1 : y;
    const uint16_t *n = r->heights + (size_t)yn * r->width;
    const uint16_t *c = r->heights + (size_t)y * r->width;
    const uint16_t *s = r->heights + (size_t)ys * r->width;
    /* Integer sums of codes are exact; scale to metres once. */
    double east = (double)((int32_t)n[xr] + 2 * (int32_t)c[xr] + (int32_t)s[xr]) -
                  (double)((int32_t)n[xl] + 2 * (int32_t)c[xl] + (int32_t)s[xl]);
    double north = (double)((int32_t)n[xl] + 2 * (int32_t)n[x] + (int32_t)n[xr]) -
                   (double)((int32_t)s[xl] + 2 * (int32_t)s[x] + (int32_t)s[xr]);
    /* Horn divides by 8 cells; at a clamped border the stencil spans fewer, but the
     * difference is only at the outermost pixel and keeps the border from looking flat. */
    double dzdx = east * step_m / (8.0 * pixel_m);
    double dzdn = north * step_m / (8.0 * pixel_m);
    /* Normal (−dz/dx, −dz/dn, 1), normalised, dotted with the light. */
    double dot = -dzdx * LIGHT_EAST - dzdn * LIGHT_NORTH + LIGHT_UP;
    double shade = dot / sqrt(dzdx * dzdx + dzdn * dzdn + 1.0);
    return shade > 0.0 ? shade : 0.0;
}

/* Shallow water is light, the deep floor dark: depth reads without relief shading. */
static const uint8_t water_shallow[3] = {0x5c, 0x96, 0xc8};
static const uint8_t water_deep[3] = {0x14, 0x32, 0x6e};

static void colour_row(const rasters *r, const tpt_render_options *opt,
                       const tp_world_params *w, uint8_t *out, uint32_t y)
{
    const uint32_t width = r->width;
    const uint64_t oz = (uint64_t)(r->height - 1 - y) << opt->lod;
    const double pixel_m =
        w->chunk_size_m / (double)(tp_world_lod_edge(w, opt->lod) - 1);

    switch (opt->layer) {
    case TPT_RENDER_BIOME:
        for (uint32_t x = 0; x < width; x++)
            tp_biome_rgb(r->biomes[(size_t)y * width + x], out + 3 * (size_t)x);
        break;
    case TPT_RENDER_TEMPERATURE:
        for (uint32_t x = 0; x < width; x++) {
            double cc = climate_at(r->temperature_cc, r->clim_width, r->clim_height,
                                   (uint64_t)x << opt->lod, oz);
            ramp_color(temperature_ramp, sizeof temperature_ramp / sizeof *temperature_ramp,
                       cc / 100.0, out + 3 * (size_t)x);
        }
        break;
    case TPT_RENDER_PRECIPITATION:
        for (uint32_t x = 0; x < width; x++) {
            double mm = climate_at(r->precipitation_mm, r->clim_width, r->clim_height,
                                   (uint64_t)x << opt->lod, oz);
            ramp_color(precipitation_ramp,
                       sizeof precipitation_ramp / sizeof *precipitation_ramp, mm,
                       out + 3 * (size_t)x);
        }
        break;
    case TPT_RENDER_HILLSHADE:
        for (uint32_t x = 0; x < width; x++) {
            double shade = shade_at(r, x, y, TP_HEIGHT_STEP_M, pixel_m);
            if (opt->hillshade_gray) {
                out[x] = to_u8(255.0 * shade);
                continue;
            }
            uint8_t *px = out + 3 * (size_t)x;
            size_t k = (size_t)y * width + x;
            if (r->biomes[k] == TP_BIOME_OCEAN) {
                double depth = w->sea_level_m - tp_height_code_to_m(r->heights[k]);
                double t = depth / w->ocean_depth_m;
                t = t < 0.0 ? 0.0 : t > 1.0 ? 1.0 : t;
                for (int c = 0; c < 3; c++)
                    px[c] = to_u8(water_shallow[c] + (water_deep[c] - water_shallow[c]) * t);
                continue;
            }
            /* Flat ground shows the biome's own colour; slopes facing the light get up
             * to ~27% brighter, slopes facing away down to 35%. */
            double factor = 0.35 + 0.65 * (shade / LIGHT_UP);
            uint8_t base[3];
            tp_biome_rgb(r->biomes[k], base);
            for (int c = 0; c < 3; c++)
                px[c] = to_u8(base[c] * factor);
        }
        break;
    case TPT_RENDER_HEIGHT:
    case TPT_RENDER_LAYER_COUNT:
        break;
    }
}

/* ---- text chunks ------------------------------------------------------------------- */

static void add_text(tpt_render_image *img, const char *key, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void add_text(tpt_render_image *img, const char *key, const char *format, ...)
{
    size_t i = img->png.text_count;
    if (i >= TPT_RENDER_MAX_TEXT)
        return;
    va_list ap;
    va_start(ap, format);
    vsnprintf(img->text_value[i], TPT_RENDER_TEXT_SIZE, format, ap);
    va_end(ap);
    img->text[i].key = key;
    img->text[i].value = img->text_value[i];
    img->png.text_count = i + 1;
}

static void add_legend(tpt_render_image *img)
{
    char legend[TPT_RENDER_TEXT_SIZE];
    size_t n = 0;
    legend[0] = '\0';
    for (unsigned b = 0; b < TP_BIOME_COUNT && n < sizeof legend; b++) {
        uint8_t c[3];
        tp_biome_rgb(b, c);
        n += (size_t)snprintf(legend + n, sizeof legend - n, "%s%u %s #%02x%02x%02x",
                              b ? "; " : "", b, tp_biome_name(b), c[0], c[1], c[2]);
    }
    add_text(img, "terrapage:legend", "%s", legend);
}

/* Everything recorded here comes from the data and the request, never from where the
 * data came from, so a preview and an export of the same region carry the same text. */
static void describe(tpt_render_image *img, const tp_world_params *w,
                     const tpt_render_options *opt)
{
    char region[96];
    tpt_region_format(&opt->region, region, sizeof region);
    uint32_t edge = tp_world_lod_edge(w, opt->lod);

    add_text(img, "Software", "terrapage %s", TP_VERSION_STRING);
    add_text(img, "terrapage:layer", "%s", tpt_render_layer_names[opt->layer]);
    add_text(img, "terrapage:region", "%s", region);
    add_text(img, "terrapage:region_note",
             "chunks X0,Z0,X1,Z1, half-open: X0 <= x < X1, Z0 <= z < Z1");
    add_text(img, "terrapage:lod", "%" PRIu32, opt->lod);
    add_text(img, "terrapage:orientation",
             "row 0 is the north edge (largest z), column 0 the west edge (smallest x)");
    add_text(img, "terrapage:origin_m", "x=%.17g z=%.17g (north-west corner pixel)",
             (double)opt->region.x0 * w->chunk_size_m, (double)opt->region.z1 * w->chunk_size_m);
    add_text(img, "terrapage:pixel_size_m", "%.17g", w->chunk_size_m / (double)(edge - 1));
    add_text(img, "terrapage:seed", "%" PRIu64, w->seed);
    add_text(img, "terrapage:params_hash", "0x%016" PRIx64, tp_world_params_hash(w));
    add_text(img, "terrapage:generator_version", "%u", (unsigned)TP_GENERATOR_VERSION);
    add_text(img, "terrapage:chunk_size_m", "%.17g", w->chunk_size_m);
    add_text(img, "terrapage:samples_per_edge", "%" PRIu32, w->samples_per_edge);
    add_text(img, "terrapage:sea_level_m", "%.17g", w->sea_level_m);

    switch (opt->layer) {
    case TPT_RENDER_HEIGHT:
        add_text(img, "terrapage:height_min_m", "%.17g", TP_HEIGHT_MIN_M);
        add_text(img, "terrapage:height_step_m", "%.17g", TP_HEIGHT_STEP_M);
        add_text(img, "terrapage:height_formula",
                 "metres = height_min_m + value * height_step_m");
        add_text(img, "terrapage:data_min_m", "%.4f", img->value_min);
        add_text(img, "terrapage:data_max_m", "%.4f", img->value_max);
        break;
    case TPT_RENDER_HILLSHADE:
        add_text(img, "terrapage:light", "azimuth 315 deg (north-west), altitude 45 deg");
        add_text(img, "terrapage:data_min_m", "%.4f", img->value_min);
        add_text(img, "terrapage:data_max_m", "%.4f", img->value_max);
        if (!opt->hillshade_gray)
            add_legend(img); /* the tint uses the biome palette */
        break;
    case TPT_RENDER_BIOME:
        add_legend(img);
        break;
    case TPT_RENDER_TEMPERATURE:
        add_text(img, "terrapage:ramp_c", "%g %g (mean annual temperature, clamped)",
                 TPT_RENDER_TEMPERATURE_MIN_C, TPT_RENDER_TEMPERATURE_MAX_C);
        add_text(img, "terrapage:data_min_c", "%.2f", img->value_min);
        add_text(img, "terrapage:data_max_c", "%.2f", img->value_max);
        break;
    case TPT_RENDER_PRECIPITATION:
        add_text(img, "terrapage:ramp_mm", "0 %g (annual precipitation, clamped)",
                 TPT_RENDER_PRECIPITATION_MAX_MM);
        add_text(img, "terrapage:data_min_mm", "%.0f", img->value_min);
        add_text(img, "terrapage:data_max_mm", "%.0f", img->value_max);
        break;
    case TPT_RENDER_LAYER_COUNT:
        break;
    }
}

/* ---- entry points ------------------------------------------------------------------ */

void tpt_render_image_free(tpt_render_image *image)
{
    if (!image)
        return;
    free(image->pixels);
    image->pixels = NULL;
    image->png.pixels = NULL;
}

static void rasters_free(rasters *r)
{
    free(r->heights);
    free(r->biomes);
    free(r->temperature_cc);
    free(r->precipitation_mm);
}

/* Checks the request and sizes the image. @return TP_OK, or the error with `err` set. */
static tp_result check_request(const tpt_field_source *source, const tpt_render_options *options,
                               uint32_t *width, uint32_t *height, char *err, size_t err_size)
{
    const tp_world_params *w = source ? source->world : NULL;
    if (!w || !source->fetch || !options || (int)options->layer < 0 ||
        (int)options->layer >= TPT_RENDER_LAYER_COUNT) {
        snprintf(err, err_size, "invalid render request");
        return TP_ERR_INVALID_ARGUMENT;
    }
    tp_result res = tpt_render_size(w, &options->region, options->lod, width, height);
    if (res == TP_ERR_OUT_OF_RANGE)
        snprintf(err, err_size,
                 "the image would be larger than %u pixels on a side at LOD %" PRIu32
                 "; use a coarser --lod or a smaller --region",
                 TPT_RENDER_MAX_SIDE, options->lod);
    else if (res != TP_OK)
        snprintf(err, err_size, "empty region or LOD %" PRIu32 " out of range (0 to %" PRIu32 ")",
                 options->lod, tp_world_lod_count(w) - 1);
    return res;
}

static bool needs_heights(const tpt_render_options *o)
{
    return o->layer == TPT_RENDER_HEIGHT || o->layer == TPT_RENDER_HILLSHADE;
}

static bool needs_biomes(const tpt_render_options *o)
{
    return o->layer == TPT_RENDER_BIOME ||
           (o->layer == TPT_RENDER_HILLSHADE && !o->hillshade_gray);
}

static uint32_t channels_of(const tpt_render_options *o)
{
    return o->layer == TPT_RENDER_HEIGHT                          ? 1
           : o->layer == TPT_RENDER_HILLSHADE && o->hillshade_gray ? 1
                                                                   : 3;
}

/* The region-wide rasters the layer needs. @return false when out of memory (free with
 * rasters_free() either way). */
static bool rasters_alloc(rasters *r, const tp_world_params *w, const tpt_render_options *o,
                          uint32_t width, uint32_t height)
{
    const uint32_t clim_step = tp_world_climate_edge(w) - 1;
    *r = (rasters){
        .width = width,
        .height = height,
        .clim_width = (uint32_t)(tpt_region_width(&o->region) * clim_step + 1),
        .clim_height = (uint32_t)(tpt_region_height(&o->region) * clim_step + 1),
    };
    const size_t pixels = (size_t)width * height;
    const size_t clim_pixels = (size_t)r->clim_width * r->clim_height;
    bool ok = true;
    if (needs_heights(o))
        ok &= (r->heights = malloc(pixels * sizeof *r->heights)) != NULL;
    if (needs_biomes(o))
        ok &= (r->biomes = malloc(pixels)) != NULL;
    if (o->layer == TPT_RENDER_TEMPERATURE)
        ok &= (r->temperature_cc = malloc(clim_pixels * sizeof(double))) != NULL;
    if (o->layer == TPT_RENDER_PRECIPITATION)
        ok &= (r->precipitation_mm = malloc(clim_pixels * sizeof(double))) != NULL;
    return ok;
}

/* Value ranges and biome shares: exact min/max and integer counts, so serial and
 * order-free. */
static void measure_values(const rasters *r, tpt_render_image *out)
{
    const size_t pixels = (size_t)r->width * r->height;
    const size_t clim_pixels = (size_t)r->clim_width * r->clim_height;
    if (r->heights) {
        uint16_t lo = UINT16_MAX, hi = 0;
        for (size_t i = 0; i < pixels; i++) {
            lo = r->heights[i] < lo ? r->heights[i] : lo;
            hi = r->heights[i] > hi ? r->heights[i] : hi;
        }
        out->value_min = tp_height_code_to_m(lo);
        out->value_max = tp_height_code_to_m(hi);
        out->value_unit = "m";
    } else if (r->temperature_cc || r->precipitation_mm) {
        const double *g = r->temperature_cc ? r->temperature_cc : r->precipitation_mm;
        double lo = g[0], hi = g[0];
        for (size_t i = 1; i < clim_pixels; i++) {
            lo = g[i] < lo ? g[i] : lo;
            hi = g[i] > hi ? g[i] : hi;
        }
        double scale = r->temperature_cc ? 0.01 : 1.0;
        out->value_min = lo * scale;
        out->value_max = hi * scale;
        out->value_unit = r->temperature_cc ? "degC" : "mm";
    } else {
        out->value_unit = "";
    }
    if (r->biomes)
        for (size_t i = 0; i < pixels; i++)
            if (r->biomes[i] < TP_BIOME_COUNT)
                out->biome_pixels[r->biomes[i]]++;
}

tp_result tpt_render(const tpt_field_source *source, const tpt_render_options *options,
                     tpt_render_image *out, char *err, size_t err_size)
{
    memset(out, 0, sizeof *out);
    if (err && err_size)
        err[0] = '\0';
    uint32_t width, height;
    tp_result res = check_request(source, options, &width, &height, err, err_size);
    if (res != TP_OK)
        return res;
    const tp_world_params *w = source->world;
    const tpt_render_layer layer = options->layer;
    const uint32_t channels = channels_of(options);
    rasters r;
    bool ok = rasters_alloc(&r, w, options, width, height);
    uint8_t *pix8 = NULL;
    if (ok && layer != TPT_RENDER_HEIGHT)
        ok = (pix8 = malloc((size_t)width * height * channels)) != NULL;
    if (!ok) {
        rasters_free(&r);
        snprintf(err, err_size, "out of memory for a %" PRIu32 "x%" PRIu32 " image", width,
                 height);
        return TP_ERR_OUT_OF_MEMORY;
    }

    int threads = options->threads > 0 ? options->threads : omp_get_max_threads();
    res = gather(source, options, &r, threads, err, err_size);
    if (res != TP_OK) {
        rasters_free(&r);
        free(pix8);
        return res;
    }
    measure_values(&r, out);
    if (layer == TPT_RENDER_HEIGHT) {
        out->pixels = r.heights;
        r.heights = NULL; /* ownership moves to the image */
    } else {
        const int64_t rows = height;
#pragma omp parallel for schedule(static) num_threads(threads)
        for (int64_t y = 0; y < rows; y++)
            colour_row(&r, options, w, pix8 + (size_t)y * width * channels, (uint32_t)y);
        out->pixels = pix8;
    }
    rasters_free(&r);

    out->png.width = width;
    out->png.height = height;
    out->png.channels = channels;
    out->png.bit_depth = layer == TPT_RENDER_HEIGHT ? 16 : 8;
    out->png.pixels = out->pixels;
    out->png.row_bytes = (size_t)width * channels * (out->png.bit_depth / 8);
    out->png.text = out->text;
    out->png.text_count = 0;
    describe(out, w, options);
    return TP_OK;
}
