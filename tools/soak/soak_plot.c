/* soak_plot.c — the timeline and map PNGs of a soak run, drawn into an RGB buffer with
 * a tiny built-in font (libpng writes it; no other graphics library is needed). */
#include "soak_plot.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png_write.h"
#include "soak_camera.h"

/* ---- canvas ------------------------------------------------------------------------ */

typedef struct canvas {
    uint32_t w, h;
    uint8_t *px; /* RGB, row 0 at the top */
} canvas;

typedef struct rgb {
    uint8_t r, g, b;
} rgb;

static const rgb WHITE = {255, 255, 255}, BLACK = {0, 0, 0}, INK = {40, 40, 48},
                 GRID = {215, 215, 222}, PANEL = {246, 246, 250}, RED = {214, 39, 40},
                 GREEN = {44, 160, 44}, BLUE = {31, 119, 180}, ORANGE = {255, 127, 14},
                 PURPLE = {148, 103, 189}, JUMP = {200, 215, 240}, LIGHT_BLUE = {140, 190, 230},
                 MAGENTA = {230, 0, 230};

static bool canvas_init(canvas *c, uint32_t w, uint32_t h, rgb fill)
{
    c->w = w, c->h = h;
    c->px = malloc((size_t)w * h * 3);
    if (!c->px)
        return false;
    for (size_t i = 0; i < (size_t)w * h; i++) {
        c->px[3 * i] = fill.r;
        c->px[3 * i + 1] = fill.g;
        c->px[3 * i + 2] = fill.b;
    }
    return true;
}

static void put(canvas *c, int64_t x, int64_t y, rgb col)
{
    if (x < 0 || y < 0 || x >= (int64_t)c->w || y >= (int64_t)c->h)
        return;
    uint8_t *p = c->px + ((size_t)y * c->w + (size_t)x) * 3;
    p[0] = col.r, p[1] = col.g, p[2] = col.b;
}

static void fill_rect(canvas *c, int64_t x, int64_t y, int64_t w, int64_t h, rgb col)
{
    for (int64_t j = y; j < y + h; j++)
        for (int64_t i = x; i < x + w; i++)
            put(c, i, j, col);
}

static void hline(canvas *c, int64_t x0, int64_t x1, int64_t y, rgb col, int dash)
{
    for (int64_t x = x0; x <= x1; x++)
        if (!dash || (x / dash) % 2 == 0)
            put(c, x, y, col);
}

static void vline(canvas *c, int64_t x, int64_t y0, int64_t y1, rgb col)
{
    for (int64_t y = y0; y <= y1; y++)
        put(c, x, y, col);
}

static void frame(canvas *c, int64_t x, int64_t y, int64_t w, int64_t h, rgb col)
{
    hline(c, x, x + w - 1, y, col, 0);
    hline(c, x, x + w - 1, y + h - 1, col, 0);
    vline(c, x, y, y + h - 1, col);
    vline(c, x + w - 1, y, y + h - 1, col);
}

static void line(canvas *c, double x0, double y0, double x1, double y1, rgb col)
{
    double dx = x1 - x0, dy = y1 - y0;
    double steps = fmax(fabs(dx), fabs(dy));
    if (!(steps < 1e6)) /* a path far outside the picture: skip rather than loop for ever */
        return;
    int n = (int)ceil(steps);
    for (int i = 0; i <= n; i++) {
        double f = n ? (double)i / n : 0.0;
        put(c, (int64_t)floor(x0 + dx * f), (int64_t)floor(y0 + dy * f), col);
    }
}

/* ---- a 5 × 7 font: digits, capitals and a little punctuation (lower case is drawn in
 * capitals). Each glyph is seven rows of five bits, most significant bit on the left. */
static const char font_chars[] = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ.,:%/-()=<>+_#';";
static const uint8_t font_rows[][7] = {
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C},
    {0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11}, {0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E},
    {0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E}, {0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C},
    {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F}, {0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10},
    {0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F}, {0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11},
    {0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E}, {0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C},
    {0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11}, {0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F},
    {0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11}, {0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11},
    {0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10},
    {0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D}, {0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11},
    {0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E}, {0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04},
    {0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E}, {0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04},
    {0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A}, {0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11},
    {0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C}, {0x00, 0x00, 0x00, 0x00, 0x0C, 0x04, 0x08},
    {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x0C, 0x00}, {0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03},
    {0x00, 0x01, 0x02, 0x04, 0x08, 0x10, 0x00}, {0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00},
    {0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02}, {0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08},
    {0x00, 0x00, 0x1F, 0x00, 0x1F, 0x00, 0x00}, {0x02, 0x04, 0x08, 0x10, 0x08, 0x04, 0x02},
    {0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08}, {0x00, 0x04, 0x04, 0x1F, 0x04, 0x04, 0x00},
    {0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x1F}, {0x0A, 0x0A, 0x1F, 0x0A, 0x1F, 0x0A, 0x0A},
    {0x04, 0x04, 0x08, 0x00, 0x00, 0x00, 0x00}, {0x00, 0x0C, 0x0C, 0x00, 0x0C, 0x04, 0x08},
};

_Static_assert(sizeof font_rows / sizeof font_rows[0] == sizeof font_chars - 1,
               "one glyph per character of font_chars");

#define GLYPH_W 6 /* advance: five columns and a gap */
#define GLYPH_H 7

static void text(canvas *c, int64_t x, int64_t y, const char *s, rgb col)
{
    for (; *s; s++, x += GLYPH_W) {
        char ch = *s >= 'a' && *s <= 'z' ? (char)(*s - 'a' + 'A') : *s;
        const char *at = ch == ' ' ? NULL : strchr(font_chars, ch);
        if (!at || !*at)
            continue;
        const uint8_t *rows = font_rows[at - font_chars];
        for (int j = 0; j < GLYPH_H; j++)
            for (int i = 0; i < 5; i++)
                if (rows[j] & (0x10 >> i))
                    put(c, x + i, y + j, col);
    }
}

static int64_t text_width(const char *s) { return (int64_t)strlen(s) * GLYPH_W; }

static tp_result write_canvas(const char *path, const canvas *c, const char *kind, char *err,
                              size_t err_size)
{
    tpt_png_text meta[] = {{"terrapage:picture", kind}};
    tpt_png_image img = {
        .width = c->w,
        .height = c->h,
        .channels = 3,
        .bit_depth = 8,
        .pixels = c->px,
        .row_bytes = (size_t)c->w * 3,
        .text = meta,
        .text_count = 1,
    };
    return tpt_png_write(path, &img, err, err_size);
}

/* ---- timeline ----------------------------------------------------------------------- */

enum { MARGIN_L = 56, MARGIN_R = 16, TITLE_H = 24, PANEL_H = 110, PANEL_GAP = 26, AXIS_H = 26 };

typedef struct panel {
    int64_t x, y, w, h;
} panel;

/* The ticks drawn in pixel column px of a plot `w` pixels wide. */
static void column_ticks(size_t n, int64_t w, int64_t px, size_t *lo, size_t *hi)
{
    *lo = (size_t)((uint64_t)px * n / (uint64_t)w);
    *hi = (size_t)((uint64_t)(px + 1) * n / (uint64_t)w);
    if (*hi <= *lo)
        *hi = *lo + 1;
    if (*hi > n)
        *hi = n;
}

typedef double (*tick_value)(const tpt_soak_tick *t);
static double v_update(const tpt_soak_tick *t) { return t->update_ms; }
static double v_update_cpu(const tpt_soak_tick *t) { return t->update_cpu_ms; }
static double v_missing(const tpt_soak_tick *t) { return t->missing; }
static double v_deficit(const tpt_soak_tick *t) { return t->deficit; }
static double v_resident(const tpt_soak_tick *t)
{
    return (double)t->resident_bytes / 1048576.0;
}

/* Bars of each column's worst value, mapped to [0, 1] by `scale`. */
static void bars(canvas *c, const panel *p, const tpt_soak_tick *ticks, size_t n,
                 tick_value value, double (*scale)(double v, double arg), double arg, rgb col)
{
    for (int64_t px = 0; px < p->w; px++) {
        size_t lo, hi;
        column_ticks(n, p->w, px, &lo, &hi);
        double v = -INFINITY;
        for (size_t i = lo; i < hi; i++)
            v = fmax(v, value(&ticks[i]));
        double f = scale(v, arg);
        if (!(f > 0.0))
            continue;
        int64_t top = p->y + p->h - 1 - (int64_t)llround(fmin(f, 1.0) * (double)(p->h - 1));
        vline(c, p->x + px, top, p->y + p->h - 1, col);
    }
}

static double scale_linear(double v, double max) { return v / max; }

/* Log scale over 10^-3 … 10^1 ms; a value at the floor still shows one pixel. */
static double scale_log_ms(double v, double unused)
{
    (void)unused;
    if (!(v > 0.0))
        return 0.0;
    double f = (log10(v) + 3.0) / 4.0;
    return f < 0.01 ? 0.01 : f;
}

static void panel_frame(canvas *c, const panel *p, const char *title)
{
    fill_rect(c, p->x, p->y, p->w, p->h, PANEL);
    text(c, p->x, p->y - GLYPH_H - 6, title, INK);
}

static void y_label(canvas *c, const panel *p, double f, const char *label, bool grid)
{
    int64_t y = p->y + p->h - 1 - (int64_t)llround(f * (double)(p->h - 1));
    if (grid)
        hline(c, p->x, p->x + p->w - 1, y, GRID, 0);
    text(c, p->x - 6 - text_width(label), y - GLYPH_H / 2, label, INK);
}

static double nice_max(double v)
{
    if (!(v > 0.0))
        return 1.0;
    double m = pow(10.0, floor(log10(v)));
    for (double k = 1.0; k <= 10.0; k *= 2.0)
        if (k * m >= v)
            return k * m;
    return 10.0 * m;
}

static void linear_axis(canvas *c, const panel *p, double max)
{
    char buf[32];
    for (int i = 0; i <= 2; i++) {
        double v = max * i / 2.0;
        snprintf(buf, sizeof buf, "%g", v);
        y_label(c, p, (double)i / 2.0, buf, i > 0);
    }
}

tp_result tpt_soak_plot_write(const char *path, const tpt_soak_tick *ticks, size_t n,
                             const tpt_soak_summary *sum, const char *title, char *err,
                             size_t err_size)
{
    if (n == 0) {
        snprintf(err, err_size, "%s: no ticks to plot", path);
        return TP_ERR_INVALID_ARGUMENT;
    }
    const int64_t plot_w =
        n < 1024 ? 1024
                 : (n > TPT_SOAK_PLOT_MAX_COLUMNS ? TPT_SOAK_PLOT_MAX_COLUMNS : (int64_t)n);
    const int64_t w = MARGIN_L + plot_w + MARGIN_R;
    const int64_t h = TITLE_H + 4 * (PANEL_H + PANEL_GAP) + AXIS_H;
    canvas c;
    if (!canvas_init(&c, (uint32_t)w, (uint32_t)h, WHITE)) {
        snprintf(err, err_size, "%s: out of memory", path);
        return TP_ERR_OUT_OF_MEMORY;
    }
    char buf[256];
    snprintf(buf, sizeof buf, "TERRAPAGE SOAK: %.120s, %zu TICKS", title, n);
    text(&c, MARGIN_L, 8, buf, BLACK);

    panel p[4];
    for (int i = 0; i < 4; i++)
        p[i] =
            (panel){MARGIN_L, TITLE_H + PANEL_GAP + i * (PANEL_H + PANEL_GAP), plot_w, PANEL_H};

    /* Update cost. */
    snprintf(buf, sizeof buf,
             "UPDATE + VIEW SCAN, MS (LOG; LIGHT: WALL, DARK: CPU)   P50 %.4f  "
             "P99 %.4f  MAX %.4f  HITCHES (> %g MS) %" PRIu64,
             sum->all.update_ms.p50, sum->all.update_ms.p99, sum->all.update_ms.max,
             sum->hitch_ms, sum->all.hitches);
    panel_frame(&c, &p[0], buf);
    static const char *const decades[] = {"0.001", "0.01", "0.1", "1", "10"};
    for (int i = 0; i <= 4; i++)
        y_label(&c, &p[0], i / 4.0, decades[i], i > 0 && i < 4);

    /* Missing and deficit. */
    double max_missing = 0.0, max_deficit = 0.0, max_mib = 0.0;
    for (size_t i = 0; i < n; i++) {
        max_missing = fmax(max_missing, ticks[i].missing);
        max_deficit = fmax(max_deficit, ticks[i].deficit);
        max_mib = fmax(max_mib, v_resident(&ticks[i]));
    }
    snprintf(buf, sizeof buf, "MISSING CHUNK-CHECKS PER TICK   TOTAL %" PRIu64 " OF %" PRIu64,
             sum->all.missing_checks, sum->all.checks);
    panel_frame(&c, &p[1], buf);
    snprintf(buf, sizeof buf, "LOD-DEFICIT CHECKS PER TICK   TOTAL %" PRIu64 " (%.3f%%)",
             sum->all.lod_deficit_checks,
             sum->all.checks ? 100.0 * sum->all.lod_deficit_checks / sum->all.checks : 0.0);
    panel_frame(&c, &p[2], buf);
    const double mib_budget = (double)sum->budget_bytes / 1048576.0;
    snprintf(buf, sizeof buf,
             "RESIDENT MIB   PEAK %.2f  BUDGET %.2f  TICKS OVER BUDGET %" PRIu64,
             (double)sum->resident_bytes_peak / 1048576.0, mib_budget, sum->ticks_over_budget);
    panel_frame(&c, &p[3], buf);
    const double m_max = nice_max(max_missing), d_max = nice_max(max_deficit);
    double r_max = nice_max(max_mib * 1.1);
    if (mib_budget > 0.0 && mib_budget <= r_max * 1.5)
        r_max = nice_max(fmax(r_max, mib_budget * 1.05));
    linear_axis(&c, &p[1], m_max);
    linear_axis(&c, &p[2], d_max);
    linear_axis(&c, &p[3], r_max);

    /* Teleports behind the data. */
    for (int64_t px = 0; px < plot_w; px++) {
        size_t lo, hi;
        column_ticks(n, plot_w, px, &lo, &hi);
        bool jump = false;
        for (size_t i = lo; i < hi; i++)
            jump = jump || ticks[i].move == TPT_SOAK_MOVE_TELEPORT;
        if (jump)
            for (int k = 0; k < 4; k++)
                vline(&c, p[k].x + px, p[k].y, p[k].y + p[k].h - 1, JUMP);
    }
    bars(&c, &p[0], ticks, n, v_update, scale_log_ms, 0.0, LIGHT_BLUE);
    bars(&c, &p[0], ticks, n, v_update_cpu, scale_log_ms, 0.0, BLUE);
    bars(&c, &p[1], ticks, n, v_missing, scale_linear, m_max, RED);
    bars(&c, &p[2], ticks, n, v_deficit, scale_linear, d_max, ORANGE);
    bars(&c, &p[3], ticks, n, v_resident, scale_linear, r_max, PURPLE);

    /* Reference lines over the data: the 0.25 ms aim and the hitch threshold. */
    int64_t y_aim = p[0].y + p[0].h - 1 - llround(scale_log_ms(0.25, 0) * (p[0].h - 1));
    int64_t y_hitch =
        p[0].y + p[0].h - 1 - llround(scale_log_ms(sum->hitch_ms, 0) * (p[0].h - 1));
    hline(&c, p[0].x, p[0].x + p[0].w - 1, y_aim, GREEN, 4);
    hline(&c, p[0].x, p[0].x + p[0].w - 1, y_hitch, RED, 4);
    text(&c, p[0].x + p[0].w - 80, y_aim - GLYPH_H - 2, "AIM 0.25", GREEN);
    text(&c, p[0].x + p[0].w - 80, y_hitch - GLYPH_H - 2, "HITCH", RED);
    if (mib_budget > 0.0 && mib_budget <= r_max) {
        int64_t yb = p[3].y + p[3].h - 1 - llround(mib_budget / r_max * (p[3].h - 1));
        hline(&c, p[3].x, p[3].x + p[3].w - 1, yb, RED, 4);
    }
    for (int k = 0; k < 4; k++)
        frame(&c, p[k].x - 1, p[k].y - 1, p[k].w + 2, p[k].h + 2, INK);

    /* Time axis, in ticks, about eight labels. */
    double step = nice_max((double)n / 8.0);
    const int64_t axis_y = p[3].y + p[3].h + 6;
    for (double t = 0.0; t <= (double)n; t += step) {
        int64_t x = p[3].x + (int64_t)llround(t / (double)n * (double)(plot_w - 1));
        vline(&c, x, p[3].y + p[3].h, p[3].y + p[3].h + 3, INK);
        snprintf(buf, sizeof buf, "%.0f", t);
        text(&c, x - text_width(buf) / 2, axis_y, buf, INK);
    }
    text(&c, MARGIN_L, axis_y + 11, "TICK (TELEPORTS: LIGHT BLUE)", INK);

    tp_result r = write_canvas(path, &c, "soak timeline", err, err_size);
    free(c.px);
    return r;
}

/* ---- map ----------------------------------------------------------------------------- */

bool tpt_soak_map_init(tpt_soak_map *m, int32_t x0, int32_t z0, uint32_t width, uint32_t height,
                      double chunk_m, uint32_t lod_count)
{
    memset(m, 0, sizeof *m);
    if (width == 0 || height == 0 || (uint64_t)width * height > (1u << 26))
        return false;
    m->lod = malloc((size_t)width * height);
    if (!m->lod)
        return false;
    memset(m->lod, TPT_SOAK_MAP_UNSEEN, (size_t)width * height);
    m->x0 = x0, m->z0 = z0, m->width = width, m->height = height;
    m->chunk_m = chunk_m;
    m->lod_count = lod_count;
    return true;
}

void tpt_soak_map_free(tpt_soak_map *m)
{
    free(m->lod);
    memset(m, 0, sizeof *m);
}

static rgb lod_colour(int lod)
{
    static const rgb ramp[] = {{26, 152, 80},  {145, 207, 96}, {217, 239, 139}, {254, 224, 139},
                               {252, 141, 89}, {215, 110, 60}, {170, 90, 50},   {130, 70, 40}};
    if (lod == TPT_SOAK_MAP_UNSEEN)
        return (rgb){60, 60, 66};
    if (lod < 0)
        return RED;
    return ramp[lod < 8 ? lod : 7];
}

tp_result tpt_soak_map_write(const char *path, const tpt_soak_map *m, const tpt_soak_tick *ticks,
                            size_t n, char *err, size_t err_size)
{
    const uint32_t longest = m->width > m->height ? m->width : m->height;
    int64_t cell = 1024 / (int64_t)longest;
    cell = cell < 2 ? 2 : cell > 24 ? 24 : cell;
    const int64_t mx = 16, my = 30, legend_h = 44;
    const int64_t map_w = (int64_t)m->width * cell, map_h = (int64_t)m->height * cell;
    int64_t w = map_w + 2 * mx;
    if (w < 800)
        w = 800; /* room for the legend */
    const int64_t h = my + map_h + legend_h;
    canvas c;
    if (!canvas_init(&c, (uint32_t)w, (uint32_t)h, WHITE)) {
        snprintf(err, err_size, "%s: out of memory", path);
        return TP_ERR_OUT_OF_MEMORY;
    }
    /* North up: the row of the largest z at the top, as the export maps. */
    for (uint32_t j = 0; j < m->height; j++)
        for (uint32_t i = 0; i < m->width; i++)
            fill_rect(&c, mx + (int64_t)i * cell, my + (int64_t)(m->height - 1 - j) * cell,
                      cell, cell, lod_colour(m->lod[(size_t)j * m->width + i]));
    if (m->has_region) {
        /* Only the sides of the baked region that cross the mapped area. */
        const rgb edge = {0, 190, 255};
        const int64_t left = mx, right = mx + map_w - 1, top = my, bottom = my + map_h - 1;
        int64_t rx0 = mx + ((int64_t)m->region.x0 - m->x0) * cell;
        int64_t rx1 = mx + ((int64_t)m->region.x1 - m->x0) * cell - 1;
        int64_t ry0 = my + ((int64_t)m->z0 + m->height - m->region.z1) * cell;
        int64_t ry1 = my + ((int64_t)m->z0 + m->height - m->region.z0) * cell - 1;
        int64_t cx0 = rx0 < left ? left : rx0, cx1 = rx1 > right ? right : rx1;
        int64_t cy0 = ry0 < top ? top : ry0, cy1 = ry1 > bottom ? bottom : ry1;
        if (cx0 <= cx1 && cy0 <= cy1) {
            for (int k = 0; k < 2; k++) { /* two pixels wide */
                if (ry0 + k >= top && ry0 + k <= bottom)
                    hline(&c, cx0, cx1, ry0 + k, edge, 0);
                if (ry1 - k >= top && ry1 - k <= bottom)
                    hline(&c, cx0, cx1, ry1 - k, edge, 0);
                if (rx0 + k >= left && rx0 + k <= right)
                    vline(&c, rx0 + k, cy0, cy1, edge);
                if (rx1 - k >= left && rx1 - k <= right)
                    vline(&c, rx1 - k, cy0, cy1, edge);
            }
        }
    }
    /* Camera path in metres → pixels. */
    const double ppm = (double)cell / m->chunk_m;
    const double ox = (double)m->x0 * m->chunk_m, oz = ((double)m->z0 + m->height) * m->chunk_m;
#define PX(x) (mx + ((x) - ox) * ppm)
#define PY(z) (my + (oz - (z)) * ppm)
    for (size_t i = 1; i < n; i++) {
        if (ticks[i].move == TPT_SOAK_MOVE_TELEPORT) {
            fill_rect(&c, (int64_t)PX(ticks[i].x_m) - 2, (int64_t)PY(ticks[i].z_m) - 2, 5, 5,
                      BLACK);
            fill_rect(&c, (int64_t)PX(ticks[i].x_m) - 1, (int64_t)PY(ticks[i].z_m) - 1, 3, 3,
                      MAGENTA);
            continue;
        }
        line(&c, PX(ticks[i - 1].x_m), PY(ticks[i - 1].z_m), PX(ticks[i].x_m), PY(ticks[i].z_m),
             BLACK);
    }
    if (n) {
        fill_rect(&c, (int64_t)PX(ticks[0].x_m) - 2, (int64_t)PY(ticks[0].z_m) - 2, 5, 5,
                  GREEN);
        fill_rect(&c, (int64_t)PX(ticks[n - 1].x_m) - 2, (int64_t)PY(ticks[n - 1].z_m) - 2, 5,
                  5, RED);
    }
#undef PX
#undef PY
    char buf[200];
    snprintf(buf, sizeof buf,
             "CHUNKS %" PRId32 "..%" PRId32 " X %" PRId32 "..%" PRId32
             " Z, NORTH UP, %.0f M PER CHUNK",
             m->x0, m->x0 + (int32_t)m->width - 1, m->z0, m->z0 + (int32_t)m->height - 1,
             m->chunk_m);
    text(&c, mx, 10, buf, BLACK);

    /* Legend. */
    int64_t lx = mx, ly = my + map_h + 10;
    for (int lod = 0; lod < (int)m->lod_count && lod < 8; lod++) {
        fill_rect(&c, lx, ly, 10, 10, lod_colour(lod));
        frame(&c, lx, ly, 10, 10, INK);
        snprintf(buf, sizeof buf, "LOD %d", lod);
        text(&c, lx + 14, ly + 2, buf, INK);
        lx += 14 + text_width(buf) + 12;
    }
    const struct {
        int lod;
        const char *label;
    } extra[] = {{TPT_SOAK_MAP_MISSING, "MISSING"}, {TPT_SOAK_MAP_UNSEEN, "NOT IN VIEW"}};
    for (size_t i = 0; i < 2; i++) {
        fill_rect(&c, lx, ly, 10, 10, lod_colour(extra[i].lod));
        frame(&c, lx, ly, 10, 10, INK);
        text(&c, lx + 14, ly + 2, extra[i].label, INK);
        lx += 14 + text_width(extra[i].label) + 12;
    }
    text(&c, mx, ly + 18,
         "COLOUR: LOD WHEN LAST IN VIEW. BLACK: CAMERA PATH (GREEN START, RED END, "
         "MAGENTA TELEPORT LANDINGS). BLUE: BAKED REGION EDGE",
         INK);
    tp_result r = write_canvas(path, &c, "soak map", err, err_size);
    free(c.px);
    return r;
}
