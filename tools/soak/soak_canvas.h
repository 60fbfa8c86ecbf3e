/* soak_canvas.h — what the soak pictures share: a cairo drawing on a white RGB image,
 * text in DejaVu Sans (fonts-dejavu-core; fontconfig picks another sans face if it is
 * missing), a small palette, and the PNG written through tpt_png_write(), so a failed
 * write leaves nothing behind and the same run gives the same bytes.
 *
 *   tpt_soak_canvas c;
 *   if (!tpt_soak_canvas_open(&c, 800, 600)) ...out of memory...
 *   tpt_soak_canvas_text(&c, 10, 20, 12, TPT_SOAK_INK, TPT_SOAK_ALIGN_LEFT, "label");
 *   tp_result r = tpt_soak_canvas_write(&c, "out.png", "soak map", err, sizeof err);
 *   tpt_soak_canvas_close(&c);
 *
 * Coordinates are pixels, y down, (0, 0) the top-left corner of the top-left pixel; a
 * 1-pixel line along a row or column goes through pixel centres (x + 0.5) to stay sharp.
 * Thread rules: a canvas belongs to one thread.
 */
#ifndef TPT_SOAK_CANVAS_H
#define TPT_SOAK_CANVAS_H

#include <cairo.h>
#include <stdbool.h>
#include <stddef.h>

#include "terrapage/result.h"

typedef struct tpt_soak_canvas {
    cairo_surface_t *surface;
    cairo_t *cr;
    int width, height;
} tpt_soak_canvas;

/* A colour, each channel 0 … 1. */
typedef struct tpt_soak_rgb {
    double r, g, b;
} tpt_soak_rgb;

#define TPT_SOAK_RGB(r, g, b) ((tpt_soak_rgb){(r) / 255.0, (g) / 255.0, (b) / 255.0})
#define TPT_SOAK_WHITE TPT_SOAK_RGB(255, 255, 255)
#define TPT_SOAK_BLACK TPT_SOAK_RGB(0, 0, 0)
#define TPT_SOAK_INK TPT_SOAK_RGB(40, 40, 48)      /* text, frames, axes */
#define TPT_SOAK_GRID TPT_SOAK_RGB(215, 215, 222)
#define TPT_SOAK_PANEL TPT_SOAK_RGB(246, 246, 250) /* behind plotted data */
#define TPT_SOAK_RED TPT_SOAK_RGB(214, 39, 40)
#define TPT_SOAK_GREEN TPT_SOAK_RGB(44, 160, 44)
#define TPT_SOAK_BLUE TPT_SOAK_RGB(31, 119, 180)
#define TPT_SOAK_LIGHT_BLUE TPT_SOAK_RGB(140, 190, 230)
#define TPT_SOAK_ORANGE TPT_SOAK_RGB(255, 127, 14)
#define TPT_SOAK_PURPLE TPT_SOAK_RGB(148, 103, 189)
#define TPT_SOAK_MAGENTA TPT_SOAK_RGB(230, 0, 230)
#define TPT_SOAK_JUMP TPT_SOAK_RGB(200, 215, 240)  /* teleports, behind the data */

typedef enum tpt_soak_align {
    TPT_SOAK_ALIGN_LEFT = 0, /* x is where the text starts */
    TPT_SOAK_ALIGN_CENTRE,
    TPT_SOAK_ALIGN_RIGHT,    /* x is where it ends */
} tpt_soak_align;

/*! tpt_soak_canvas_open() : a white width × height picture. @return false when out of
 *  memory (nothing to close). */
bool tpt_soak_canvas_open(tpt_soak_canvas *c, int width, int height);

/*! tpt_soak_canvas_close() : frees the drawing; accepts a zeroed canvas. */
void tpt_soak_canvas_close(tpt_soak_canvas *c);

/*! tpt_soak_canvas_release_caches() :
 *  Drops the font caches cairo and fontconfig keep for the life of the process, so a
 *  process that drew pictures ends with none of their memory held (leak checkers report
 *  fontconfig's otherwise). Call it when no canvas is open and no other cairo drawing is
 *  under way; drawing afterwards loads the fonts again. */
void tpt_soak_canvas_release_caches(void);

/*! tpt_soak_canvas_write() :
 *  Writes the picture as an 8-bit RGB PNG with a "terrapage:picture" text of `kind`.
 *  @return as tpt_png_write(); `err` names the file on failure. */
tp_result tpt_soak_canvas_write(const tpt_soak_canvas *c, const char *path, const char *kind,
                                char *err, size_t err_size);

/*! tpt_soak_canvas_text() :
 *  Draws `text` (UTF-8) `size_px` high with its baseline at y, aligned on x.
 *  @return its advance width in pixels. */
double tpt_soak_canvas_text(tpt_soak_canvas *c, double x, double y, double size_px,
                            tpt_soak_rgb colour, tpt_soak_align align, const char *text);

/*! tpt_soak_canvas_bold_text() : as tpt_soak_canvas_text(), in the bold face. */
double tpt_soak_canvas_bold_text(tpt_soak_canvas *c, double x, double y, double size_px,
                                 tpt_soak_rgb colour, tpt_soak_align align, const char *text);

/*! tpt_soak_canvas_fill() : fills the rectangle (x, y, w, h). */
void tpt_soak_canvas_fill(tpt_soak_canvas *c, double x, double y, double w, double h,
                          tpt_soak_rgb colour);

/*! tpt_soak_canvas_line() : a line `width_px` wide from (x0, y0) to (x1, y1); `dash_px`
 *  > 0 draws it dashed (dash and gap that long). */
void tpt_soak_canvas_line(tpt_soak_canvas *c, double x0, double y0, double x1, double y1,
                          double width_px, tpt_soak_rgb colour, double dash_px);

/*! tpt_soak_canvas_frame() : a 1-pixel outline just inside the rectangle (x, y, w, h). */
void tpt_soak_canvas_frame(tpt_soak_canvas *c, double x, double y, double w, double h,
                           tpt_soak_rgb colour);

/*! tpt_soak_canvas_swatch() : a legend entry: a w × h box of `colour` framed in ink, its
 *  `label` after it, centred on the row whose middle is y. @return the x after it. */
double tpt_soak_canvas_swatch(tpt_soak_canvas *c, double x, double y, double w, double h,
                              tpt_soak_rgb colour, const char *label);

#endif /* TPT_SOAK_CANVAS_H */
