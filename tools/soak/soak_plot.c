/* soak_plot.c — the timeline PNG of a soak run, drawn with cairo. */
#include "soak_plot.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "soak_camera.h"
#include "soak_canvas.h"

/* Layout, in pixels. */
enum {
    MARGIN_L = 64,   /* room for the value labels left of the panels */
    MARGIN_R = 24,
    HEADER_H = 64,   /* title and legend */
    PANEL_H = 120,
    PANEL_GAP = 32,  /* above each panel: its title */
    AXIS_H = 48,     /* below the last panel: tick numbers and the axis name */
    PANELS = 4,
};

#define TITLE_PX 16.0
#define LABEL_PX 12.0 /* panel titles, legend */
#define SMALL_PX 11.0 /* axis numbers, line labels */

/* The log scale of the cost panel: 10^-3 … 10^1 ms. */
#define LOG_MS_FLOOR (-3.0)
#define LOG_MS_DECADES 4.0
#define AIM_MS 0.25 /* the reference soak test's p99 aim */

typedef struct panel {
    double x, y, w, h;
} panel;

/* ---- columns and scales ------------------------------------------------------------- */

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

static double scale_linear(double v, double max) { return v / max; }

/* Log scale over the cost panel's decades; a value at the floor still shows one pixel. */
static double scale_log_ms(double v, double unused)
{
    (void)unused;
    if (!(v > 0.0))
        return 0.0;
    double f = (log10(v) - LOG_MS_FLOOR) / LOG_MS_DECADES;
    return f < 0.01 ? 0.01 : f;
}

/* The pixel row of the fraction f (0 at the bottom, 1 at the top) of a panel. */
static double row_of(const panel *p, double f)
{
    return p->y + p->h - 1.0 - round(fmin(f, 1.0) * (p->h - 1.0));
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

/* ---- drawing ------------------------------------------------------------------------ */

/* Bars of each column's worst value, mapped to [0, 1] by `scale`. */
static void bars(tpt_soak_canvas *c, const panel *p, const tpt_soak_tick *ticks, size_t n,
                 tick_value value, double (*scale)(double v, double arg), double arg,
                 tpt_soak_rgb colour)
{
    for (int64_t px = 0; px < (int64_t)p->w; px++) {
        size_t lo, hi;
        column_ticks(n, (int64_t)p->w, px, &lo, &hi);
        double v = -INFINITY;
        for (size_t i = lo; i < hi; i++)
            v = fmax(v, value(&ticks[i]));
        double f = scale(v, arg);
        if (!(f > 0.0))
            continue;
        double top = row_of(p, f);
        tpt_soak_canvas_fill(c, p->x + (double)px, top, 1.0, p->y + p->h - top, colour);
    }
}

/* A value label left of the panel at fraction f, with a grid line across it. */
static void y_label(tpt_soak_canvas *c, const panel *p, double f, const char *label, bool grid)
{
    double y = row_of(p, f) + 0.5;
    if (grid)
        tpt_soak_canvas_line(c, p->x, y, p->x + p->w, y, 1.0, TPT_SOAK_GRID, 0.0);
    tpt_soak_canvas_text(c, p->x - 6.0, y + SMALL_PX * 0.36, SMALL_PX, TPT_SOAK_INK,
                         TPT_SOAK_ALIGN_RIGHT, label);
}

static void linear_axis(tpt_soak_canvas *c, const panel *p, double max)
{
    char buf[32];
    for (int i = 0; i <= 2; i++) {
        snprintf(buf, sizeof buf, "%g", max * i / 2.0);
        y_label(c, p, (double)i / 2.0, buf, i > 0);
    }
}

static void log_axis(tpt_soak_canvas *c, const panel *p)
{
    static const char *const decades[] = {"0.001", "0.01", "0.1", "1", "10"};
    for (int i = 0; i <= 4; i++)
        y_label(c, p, i / LOG_MS_DECADES, decades[i], i > 0 && i < 4);
}

/* A dashed horizontal line across the panel at value fraction f, labelled at its right. */
static void marker(tpt_soak_canvas *c, const panel *p, double f, tpt_soak_rgb colour,
                   const char *label)
{
    double y = row_of(p, f) + 0.5;
    tpt_soak_canvas_line(c, p->x, y, p->x + p->w, y, 1.5, colour, 5.0);
    tpt_soak_canvas_text(c, p->x + p->w - 6.0, y - 4.0, SMALL_PX, colour,
                         TPT_SOAK_ALIGN_RIGHT, label);
}

/* Teleports: faint vertical lines through every panel, behind the data. */
static void teleports(tpt_soak_canvas *c, const panel *p, const tpt_soak_tick *ticks, size_t n)
{
    for (int64_t px = 0; px < (int64_t)p[0].w; px++) {
        size_t lo, hi;
        column_ticks(n, (int64_t)p[0].w, px, &lo, &hi);
        bool jump = false;
        for (size_t i = lo; i < hi; i++)
            jump = jump || ticks[i].move == TPT_SOAK_MOVE_TELEPORT;
        if (jump)
            for (int k = 0; k < PANELS; k++)
                tpt_soak_canvas_fill(c, p[k].x + (double)px, p[k].y, 1.0, p[k].h,
                                     TPT_SOAK_JUMP);
    }
}

/* A legend entry for a dashed line. @return the x after it. */
static double legend_line(tpt_soak_canvas *c, double x, double y, tpt_soak_rgb colour,
                          const char *label)
{
    tpt_soak_canvas_line(c, x, y + 0.5, x + 22.0, y + 0.5, 1.5, colour, 5.0);
    double w = tpt_soak_canvas_text(c, x + 27.0, y + LABEL_PX * 0.36, LABEL_PX, TPT_SOAK_INK,
                                    TPT_SOAK_ALIGN_LEFT, label);
    return x + 27.0 + w + 16.0;
}

static void header(tpt_soak_canvas *c, const char *title, size_t n, const tpt_soak_summary *s)
{
    char buf[256];
    snprintf(buf, sizeof buf, "terrapage soak: %.120s, %zu ticks", title, n);
    tpt_soak_canvas_bold_text(c, MARGIN_L, 24.0, TITLE_PX, TPT_SOAK_BLACK,
                              TPT_SOAK_ALIGN_LEFT, buf);
    double x = MARGIN_L, y = 48.0;
    x = tpt_soak_canvas_swatch(c, x, y, 12, 12, TPT_SOAK_LIGHT_BLUE, "update, wall time");
    x = tpt_soak_canvas_swatch(c, x, y, 12, 12, TPT_SOAK_BLUE, "game-thread CPU");
    x = tpt_soak_canvas_swatch(c, x, y, 12, 12, TPT_SOAK_RED, "missing");
    x = tpt_soak_canvas_swatch(c, x, y, 12, 12, TPT_SOAK_ORANGE, "LOD deficit");
    x = tpt_soak_canvas_swatch(c, x, y, 12, 12, TPT_SOAK_PURPLE, "resident MiB");
    x = tpt_soak_canvas_swatch(c, x, y, 12, 12, TPT_SOAK_JUMP, "teleport");
    snprintf(buf, sizeof buf, "aim %g ms", AIM_MS);
    x = legend_line(c, x, y, TPT_SOAK_GREEN, buf);
    snprintf(buf, sizeof buf, "hitch %g ms, budget", s->hitch_ms);
    legend_line(c, x, y, TPT_SOAK_RED, buf);
}

/* Each panel's background and its title with the run's figures. */
static void panel_titles(tpt_soak_canvas *c, const panel *p, const tpt_soak_summary *s)
{
    char t[PANELS][256];
    snprintf(t[0], sizeof t[0],
             "Update + view scan, ms (log scale)   p50 %.4f   p99 %.4f   max %.4f   "
             "hitches %" PRIu64,
             s->all.update_ms.p50, s->all.update_ms.p99, s->all.update_ms.max, s->all.hitches);
    snprintf(t[1], sizeof t[1], "Missing chunk-checks per tick   total %" PRIu64 " of %" PRIu64,
             s->all.missing_checks, s->all.checks);
    snprintf(t[2], sizeof t[2], "LOD-deficit checks per tick   total %" PRIu64 " (%.3f%%)",
             s->all.lod_deficit_checks,
             s->all.checks ? 100.0 * (double)s->all.lod_deficit_checks / (double)s->all.checks
                           : 0.0);
    snprintf(t[3], sizeof t[3],
             "Resident MiB   peak %.2f   budget %.2f   ticks over budget %" PRIu64,
             (double)s->resident_bytes_peak / 1048576.0, (double)s->budget_bytes / 1048576.0,
             s->ticks_over_budget);
    for (int k = 0; k < PANELS; k++) {
        tpt_soak_canvas_fill(c, p[k].x, p[k].y, p[k].w, p[k].h, TPT_SOAK_PANEL);
        tpt_soak_canvas_text(c, p[k].x, p[k].y - 9.0, LABEL_PX, TPT_SOAK_INK,
                             TPT_SOAK_ALIGN_LEFT, t[k]);
    }
}

/* Time axis under the last panel, in ticks, about eight labels. */
static void time_axis(tpt_soak_canvas *c, const panel *p, size_t n)
{
    const double step = nice_max((double)n / 8.0), bottom = p->y + p->h;
    char buf[32];
    for (double t = 0.0; t <= (double)n; t += step) {
        double x = p->x + round(t / (double)n * (p->w - 1.0)) + 0.5;
        tpt_soak_canvas_line(c, x, bottom, x, bottom + 4.0, 1.0, TPT_SOAK_INK, 0.0);
        snprintf(buf, sizeof buf, "%.0f", t);
        tpt_soak_canvas_text(c, x, bottom + 17.0, SMALL_PX, TPT_SOAK_INK, TPT_SOAK_ALIGN_CENTRE,
                             buf);
    }
    tpt_soak_canvas_text(c, p->x + p->w / 2.0, bottom + 38.0, LABEL_PX, TPT_SOAK_INK,
                         TPT_SOAK_ALIGN_CENTRE, "tick");
}

/* The data of the four panels, their scales and their reference lines. */
static void plot_data(tpt_soak_canvas *c, const panel *p, const tpt_soak_tick *ticks, size_t n,
                      const tpt_soak_summary *s)
{
    double max_missing = 0.0, max_deficit = 0.0, max_mib = 0.0;
    for (size_t i = 0; i < n; i++) {
        max_missing = fmax(max_missing, ticks[i].missing);
        max_deficit = fmax(max_deficit, ticks[i].deficit);
        max_mib = fmax(max_mib, v_resident(&ticks[i]));
    }
    const double budget_mib = (double)s->budget_bytes / 1048576.0;
    const double m_max = nice_max(max_missing), d_max = nice_max(max_deficit);
    double r_max = nice_max(max_mib * 1.1);
    if (budget_mib > 0.0 && budget_mib <= r_max * 1.5)
        r_max = nice_max(fmax(r_max, budget_mib * 1.05));
    log_axis(c, &p[0]);
    linear_axis(c, &p[1], m_max);
    linear_axis(c, &p[2], d_max);
    linear_axis(c, &p[3], r_max);
    teleports(c, p, ticks, n);
    bars(c, &p[0], ticks, n, v_update, scale_log_ms, 0.0, TPT_SOAK_LIGHT_BLUE);
    bars(c, &p[0], ticks, n, v_update_cpu, scale_log_ms, 0.0, TPT_SOAK_BLUE);
    bars(c, &p[1], ticks, n, v_missing, scale_linear, m_max, TPT_SOAK_RED);
    bars(c, &p[2], ticks, n, v_deficit, scale_linear, d_max, TPT_SOAK_ORANGE);
    bars(c, &p[3], ticks, n, v_resident, scale_linear, r_max, TPT_SOAK_PURPLE);
    char buf[64];
    snprintf(buf, sizeof buf, "aim %g ms", AIM_MS);
    marker(c, &p[0], scale_log_ms(AIM_MS, 0.0), TPT_SOAK_GREEN, buf);
    snprintf(buf, sizeof buf, "hitch %g ms", s->hitch_ms);
    marker(c, &p[0], scale_log_ms(s->hitch_ms, 0.0), TPT_SOAK_RED, buf);
    if (budget_mib > 0.0 && budget_mib <= r_max) {
        snprintf(buf, sizeof buf, "budget %.1f MiB", budget_mib);
        marker(c, &p[3], budget_mib / r_max, TPT_SOAK_RED, buf);
    }
    for (int k = 0; k < PANELS; k++)
        tpt_soak_canvas_frame(c, p[k].x - 1.0, p[k].y - 1.0, p[k].w + 2.0, p[k].h + 2.0,
                              TPT_SOAK_INK);
}

tp_result tpt_soak_plot_write(const char *path, const tpt_soak_tick *ticks, size_t n,
                              const tpt_soak_summary *sum, const char *title, char *err,
                              size_t err_size)
{
    if (n == 0) {
        snprintf(err, err_size, "%s: no ticks to plot", path);
        return TP_ERR_INVALID_ARGUMENT;
    }
    const int plot_w = n < 1024 ? 1024
                       : n > TPT_SOAK_PLOT_MAX_COLUMNS ? (int)TPT_SOAK_PLOT_MAX_COLUMNS
                                                       : (int)n;
    tpt_soak_canvas c;
    if (!tpt_soak_canvas_open(&c, MARGIN_L + plot_w + MARGIN_R,
                              HEADER_H + PANELS * (PANEL_H + PANEL_GAP) + AXIS_H)) {
        snprintf(err, err_size, "%s: out of memory", path);
        return TP_ERR_OUT_OF_MEMORY;
    }
    panel p[PANELS];
    for (int i = 0; i < PANELS; i++)
        p[i] = (panel){MARGIN_L, HEADER_H + PANEL_GAP + i * (PANEL_H + PANEL_GAP), plot_w,
                       PANEL_H};
    header(&c, title, n, sum);
    panel_titles(&c, p, sum);
    plot_data(&c, p, ticks, n, sum);
    time_axis(&c, &p[PANELS - 1], n);
    tp_result r = tpt_soak_canvas_write(&c, path, "soak timeline", err, err_size);
    tpt_soak_canvas_close(&c);
    return r;
}
