/* soak_canvas.c — cairo drawing and PNG output for the soak pictures. */
#include "soak_canvas.h"

#include <fontconfig/fontconfig.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png_write.h"

#define FONT_FACE "DejaVu Sans"
#define LEGEND_TEXT_PX 12.0

bool tpt_soak_canvas_open(tpt_soak_canvas *c, int width, int height)
{
    memset(c, 0, sizeof *c);
    /* RGB24: no alpha to flatten, every pixel opaque. */
    c->surface = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    if (cairo_surface_status(c->surface) != CAIRO_STATUS_SUCCESS) {
        cairo_surface_destroy(c->surface);
        c->surface = NULL;
        return false;
    }
    c->cr = cairo_create(c->surface);
    if (cairo_status(c->cr) != CAIRO_STATUS_SUCCESS) {
        tpt_soak_canvas_close(c);
        return false;
    }
    c->width = width;
    c->height = height;
    /* Grey-scale anti-aliasing, no hinting of metrics: text looks the same on every
     * machine with the same fonts, and colour fringes do not suit a PNG. */
    cairo_font_options_t *fo = cairo_font_options_create();
    cairo_font_options_set_antialias(fo, CAIRO_ANTIALIAS_GRAY);
    cairo_font_options_set_hint_metrics(fo, CAIRO_HINT_METRICS_OFF);
    cairo_font_options_set_hint_style(fo, CAIRO_HINT_STYLE_SLIGHT);
    cairo_set_font_options(c->cr, fo);
    cairo_font_options_destroy(fo);
    tpt_soak_canvas_fill(c, 0, 0, width, height, TPT_SOAK_WHITE);
    return true;
}

void tpt_soak_canvas_close(tpt_soak_canvas *c)
{
    if (c->cr)
        cairo_destroy(c->cr);
    if (c->surface)
        cairo_surface_destroy(c->surface);
    memset(c, 0, sizeof *c);
}

void tpt_soak_canvas_release_caches(void)
{
    cairo_debug_reset_static_data();
    FcFini();
}

tp_result tpt_soak_canvas_write(const tpt_soak_canvas *c, const char *path, const char *kind,
                                char *err, size_t err_size)
{
    cairo_surface_flush(c->surface);
    const int stride = cairo_image_surface_get_stride(c->surface);
    const uint8_t *data = cairo_image_surface_get_data(c->surface);
    uint8_t *rgb = malloc((size_t)c->width * (size_t)c->height * 3);
    if (!rgb) {
        snprintf(err, err_size, "%s: out of memory", path);
        return TP_ERR_OUT_OF_MEMORY;
    }
    /* Cairo keeps a pixel as one native-endian uint32_t, 0x00RRGGBB. */
    for (int y = 0; y < c->height; y++) {
        const uint8_t *row = data + (size_t)y * (size_t)stride;
        uint8_t *out = rgb + (size_t)y * (size_t)c->width * 3;
        for (int x = 0; x < c->width; x++) {
            uint32_t px;
            memcpy(&px, row + 4 * (size_t)x, sizeof px);
            out[3 * x] = (uint8_t)(px >> 16);
            out[3 * x + 1] = (uint8_t)(px >> 8);
            out[3 * x + 2] = (uint8_t)px;
        }
    }
    tpt_png_text meta[] = {{"terrapage:picture", kind}};
    tpt_png_image img = {
        .width = (uint32_t)c->width,
        .height = (uint32_t)c->height,
        .channels = 3,
        .bit_depth = 8,
        .pixels = rgb,
        .row_bytes = (size_t)c->width * 3,
        .text = meta,
        .text_count = 1,
    };
    tp_result r = tpt_png_write(path, &img, err, err_size);
    free(rgb);
    return r;
}

static void set_colour(tpt_soak_canvas *c, tpt_soak_rgb colour)
{
    cairo_set_source_rgb(c->cr, colour.r, colour.g, colour.b);
}

static double draw_text(tpt_soak_canvas *c, double x, double y, double size_px,
                        tpt_soak_rgb colour, tpt_soak_align align, const char *text,
                        cairo_font_weight_t weight)
{
    cairo_select_font_face(c->cr, FONT_FACE, CAIRO_FONT_SLANT_NORMAL, weight);
    cairo_set_font_size(c->cr, size_px);
    cairo_text_extents_t ext;
    cairo_text_extents(c->cr, text, &ext);
    double start = align == TPT_SOAK_ALIGN_RIGHT    ? x - ext.x_advance
                   : align == TPT_SOAK_ALIGN_CENTRE ? x - ext.x_advance / 2.0
                                                    : x;
    set_colour(c, colour);
    cairo_move_to(c->cr, start, y);
    cairo_show_text(c->cr, text);
    return ext.x_advance;
}

double tpt_soak_canvas_text(tpt_soak_canvas *c, double x, double y, double size_px,
                            tpt_soak_rgb colour, tpt_soak_align align, const char *text)
{
    return draw_text(c, x, y, size_px, colour, align, text, CAIRO_FONT_WEIGHT_NORMAL);
}

double tpt_soak_canvas_bold_text(tpt_soak_canvas *c, double x, double y, double size_px,
                                 tpt_soak_rgb colour, tpt_soak_align align, const char *text)
{
    return draw_text(c, x, y, size_px, colour, align, text, CAIRO_FONT_WEIGHT_BOLD);
}

void tpt_soak_canvas_fill(tpt_soak_canvas *c, double x, double y, double w, double h,
                          tpt_soak_rgb colour)
{
    set_colour(c, colour);
    cairo_rectangle(c->cr, x, y, w, h);
    cairo_fill(c->cr);
}

void tpt_soak_canvas_line(tpt_soak_canvas *c, double x0, double y0, double x1, double y1,
                          double width_px, tpt_soak_rgb colour, double dash_px)
{
    set_colour(c, colour);
    cairo_set_line_width(c->cr, width_px);
    if (dash_px > 0.0)
        cairo_set_dash(c->cr, &dash_px, 1, 0.0);
    cairo_move_to(c->cr, x0, y0);
    cairo_line_to(c->cr, x1, y1);
    cairo_stroke(c->cr);
    cairo_set_dash(c->cr, NULL, 0, 0.0);
}

void tpt_soak_canvas_frame(tpt_soak_canvas *c, double x, double y, double w, double h,
                           tpt_soak_rgb colour)
{
    set_colour(c, colour);
    cairo_set_line_width(c->cr, 1.0);
    cairo_rectangle(c->cr, x + 0.5, y + 0.5, w - 1.0, h - 1.0);
    cairo_stroke(c->cr);
}

double tpt_soak_canvas_swatch(tpt_soak_canvas *c, double x, double y, double w, double h,
                              tpt_soak_rgb colour, const char *label)
{
    tpt_soak_canvas_fill(c, x, y - h / 2.0, w, h, colour);
    tpt_soak_canvas_frame(c, x, y - h / 2.0, w, h, TPT_SOAK_INK);
    double advance = tpt_soak_canvas_text(c, x + w + 5.0, y + LEGEND_TEXT_PX * 0.36,
                                          LEGEND_TEXT_PX, TPT_SOAK_INK, TPT_SOAK_ALIGN_LEFT,
                                          label);
    return x + w + 5.0 + advance + 16.0;
}
