/* soak_plot.h — the timeline of a soak run, one column per tick.
 *
 *   char err[512];
 *   tpt_soak_plot_write("timeline.png", ticks, n, &summary, "reference, file", err,
 *                       sizeof err);
 *
 * One column per tick (ticks are binned, keeping each bin's worst value, when there are
 * more than TPT_SOAK_PLOT_MAX_COLUMNS), four panels sharing the time axis: update cost in
 * ms on a log scale (wall time, and the game thread's CPU time over it) with the 0.25 ms
 * aim and the hitch threshold marked; missing chunk-checks per tick; LOD-deficit checks
 * per tick; resident MiB per tick with the budget marked when it is in range. Teleports
 * are faint vertical lines. A legend names every colour. Drawn with cairo
 * (soak_canvas.h). Thread rules: plain data, one thread.
 */
#ifndef TPT_SOAK_PLOT_H
#define TPT_SOAK_PLOT_H

#include <stddef.h>

#include "soak_metrics.h"
#include "terrapage/result.h"

#define TPT_SOAK_PLOT_MAX_COLUMNS 2048u

/*! tpt_soak_plot_write() : renders the timeline of ticks[0 … n−1] (n ≥ 1) with `title`
 *  (UTF-8) at the top. @return as tpt_png_write(); `err` names the file on failure. */
tp_result tpt_soak_plot_write(const char *path, const tpt_soak_tick *ticks, size_t n,
                              const tpt_soak_summary *summary, const char *title, char *err,
                              size_t err_size);

#endif /* TPT_SOAK_PLOT_H */
