/* soak_metrics.c — per-tick records, percentiles and the soak summary. */
#include "soak_metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "soak_camera.h"

/* ---- recorder ---------------------------------------------------------------------- */

bool tpt_soak_recorder_init(tpt_soak_recorder *r, size_t capacity)
{
    memset(r, 0, sizeof *r);
    /* Allocated and touched up front: the run loop must not take page faults on it. */
    r->ticks = calloc(capacity ? capacity : 1, sizeof *r->ticks);
    if (!r->ticks)
        return false;
    r->capacity = capacity;
    return true;
}

tpt_soak_tick *tpt_soak_recorder_push(tpt_soak_recorder *r)
{
    if (r->count >= r->capacity)
        return NULL;
    tpt_soak_tick *t = &r->ticks[r->count++];
    memset(t, 0, sizeof *t);
    return t;
}

void tpt_soak_recorder_free(tpt_soak_recorder *r)
{
    free(r->ticks);
    memset(r, 0, sizeof *r);
}

/* ---- percentiles ------------------------------------------------------------------- */

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double tpt_soak_percentile(const double *sorted, size_t n, double p)
{
    if (n == 0)
        return 0.0;
    if (p <= 0.0)
        return sorted[0];
    if (p >= 100.0)
        return sorted[n - 1];
    double rank = p / 100.0 * (double)(n - 1);
    size_t lo = (size_t)rank;
    double f = rank - (double)lo;
    if (lo + 1 >= n)
        return sorted[n - 1];
    return sorted[lo] + (sorted[lo + 1] - sorted[lo]) * f;
}

bool tpt_soak_cost_of(const double *values, size_t n, tpt_soak_cost *out)
{
    memset(out, 0, sizeof *out);
    if (n == 0)
        return true;
    double *v = malloc(n * sizeof *v);
    if (!v)
        return false;
    memcpy(v, values, n * sizeof *v);
    qsort(v, n, sizeof *v, compare_double);
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += v[i];
    out->avg = sum / (double)n;
    out->p50 = tpt_soak_percentile(v, n, 50.0);
    out->p99 = tpt_soak_percentile(v, n, 99.0);
    out->max = v[n - 1];
    free(v);
    return true;
}

/* ---- summary ----------------------------------------------------------------------- */

static bool window_of(const tpt_soak_tick *ticks, size_t n, double hitch_ms, tpt_soak_window *w)
{
    memset(w, 0, sizeof *w);
    const size_t m = n ? n : 1;
    double *costs = malloc(m * 4 * sizeof *costs);
    if (!costs)
        return false;
    double *cpu = costs + m, *call = cpu + m, *scan = call + m;
    for (size_t i = 0; i < n; i++) {
        const tpt_soak_tick *t = &ticks[i];
        costs[i] = t->update_ms;
        cpu[i] = t->update_cpu_ms;
        call[i] = t->call_ms;
        scan[i] = t->update_ms - t->call_ms;
        w->checks += t->view_chunks;
        w->missing_checks += t->missing;
        w->lod_deficit_checks += t->deficit;
        w->ticks_with_missing += t->missing > 0;
        w->hitches += t->update_ms > hitch_ms;
        w->hitches_preempted += t->update_ms > hitch_ms && (t->waits || t->preemptions);
    }
    w->ticks = n;
    bool ok = tpt_soak_cost_of(costs, n, &w->update_ms) &&
              tpt_soak_cost_of(cpu, n, &w->update_cpu_ms) &&
              tpt_soak_cost_of(call, n, &w->call_ms) && tpt_soak_cost_of(scan, n, &w->scan_ms);
    free(costs);
    return ok;
}

static bool complete(const tpt_soak_tick *t) { return t->missing == 0 && t->deficit == 0; }

/* Ticks from `start` to the first complete tick before `end`, or −1. */
static int64_t ticks_to_full(const tpt_soak_tick *ticks, size_t start, size_t end)
{
    for (size_t i = start; i < end; i++)
        if (complete(&ticks[i]))
            return (int64_t)(i - start);
    return -1;
}

/* Cost on the ticks of a jump against every other tick (what sets the tail), and on the
 * ticks the game thread ran undisturbed. @return false when out of memory. */
static bool split_costs(const tpt_soak_tick *ticks, size_t n, tpt_soak_summary *out)
{
    double *split = malloc(n * sizeof *split);
    if (!split)
        return false;
    size_t jumps_seen = 0, others = 0;
    for (size_t i = 0; i < n; i++)
        if (ticks[i].move == TPT_SOAK_MOVE_TELEPORT)
            split[jumps_seen++] = ticks[i].update_ms;
    for (size_t i = 0; i < n; i++)
        if (ticks[i].move != TPT_SOAK_MOVE_TELEPORT)
            split[jumps_seen + others++] = ticks[i].update_ms;
    bool ok = tpt_soak_cost_of(split, jumps_seen, &out->update_ms_teleport_ticks) &&
              tpt_soak_cost_of(split + jumps_seen, others, &out->update_ms_other_ticks);
    size_t calm = 0;
    for (size_t i = 0; i < n; i++) {
        out->page_faults += ticks[i].page_faults;
        out->ticks_with_page_faults += ticks[i].page_faults > 0;
        if (ticks[i].waits || ticks[i].preemptions)
            out->ticks_disturbed++;
        else
            split[calm++] = ticks[i].update_ms;
    }
    ok = ok && tpt_soak_cost_of(split, calm, &out->update_ms_undisturbed);
    free(split);
    return ok;
}

/* The first teleport at or after `from`, or n. */
static size_t next_jump(const tpt_soak_tick *ticks, size_t n, size_t from)
{
    while (from < n && ticks[from].move != TPT_SOAK_MOVE_TELEPORT)
        from++;
    return from;
}

/* Recovery after the cold start (tick 0, which ends where the first teleport begins) and
 * after each teleport. @return false when out of memory. */
static bool recovery(const tpt_soak_tick *ticks, size_t n, tpt_soak_summary *out)
{
    size_t jumps = 0;
    for (size_t i = 1; i < n; i++)
        jumps += ticks[i].move == TPT_SOAK_MOVE_TELEPORT;
    out->ticks_to_full = malloc((jumps ? jumps : 1) * sizeof *out->ticks_to_full);
    double *settled = malloc((jumps ? jumps : 1) * sizeof *settled);
    if (!out->ticks_to_full || !settled) {
        free(settled);
        return false;
    }
    out->cold_start_missing = ticks[0].missing;
    size_t next = next_jump(ticks, n, 1);
    out->cold_start_ticks_to_full = ticks_to_full(ticks, 0, next);
    size_t k = 0;
    double sum = 0.0;
    for (size_t i = next; i < n; i = next) {
        next = next_jump(ticks, n, i + 1);
        int64_t t = ticks_to_full(ticks, i, next);
        out->ticks_to_full[out->teleports++] = t;
        out->teleport_missing += ticks[i].missing;
        if (t >= 0) {
            settled[k++] = (double)t;
            sum += (double)t;
            if (t > out->ticks_to_full_max)
                out->ticks_to_full_max = t;
        }
    }
    out->teleports_settled = k;
    if (k) {
        qsort(settled, k, sizeof *settled, compare_double);
        out->ticks_to_full_avg = sum / (double)k;
        out->ticks_to_full_p50 = tpt_soak_percentile(settled, k, 50.0);
    }
    free(settled);
    return true;
}

/* 100 · (last quarter's peak − final) / final, 0 when the final value is 0. */
static double delta_pct(uint64_t last_quarter_peak, uint64_t final)
{
    return final ? 100.0 * (double)(last_quarter_peak - final) / (double)final : 0.0;
}

/* Peaks, the budget, and the last quarter's growth over the final value. */
static void memory(const tpt_soak_tick *ticks, size_t n, uint64_t budget_bytes,
                   tpt_soak_summary *out)
{
    size_t quarter = n - n / 4;
    if (quarter >= n)
        quarter = n - 1;
    for (size_t i = 0; i < n; i++) {
        const tpt_soak_tick *t = &ticks[i];
        if (t->resident_bytes > out->resident_bytes_peak)
            out->resident_bytes_peak = t->resident_bytes;
        if (t->held_bytes > out->held_bytes_peak)
            out->held_bytes_peak = t->held_bytes;
        if (i >= quarter && t->resident_bytes > out->resident_bytes_last_quarter_peak)
            out->resident_bytes_last_quarter_peak = t->resident_bytes;
        if (budget_bytes && t->held_bytes > budget_bytes)
            out->ticks_over_budget++;
    }
    for (size_t i = quarter; i < n; i++) {
        if (ticks[i].rss_bytes > out->rss_bytes_last_quarter_peak)
            out->rss_bytes_last_quarter_peak = ticks[i].rss_bytes;
        if (ticks[i].held_bytes > out->held_bytes_last_quarter_peak)
            out->held_bytes_last_quarter_peak = ticks[i].held_bytes;
    }
    out->held_bytes_final = ticks[n - 1].held_bytes;
    out->held_delta_pct = delta_pct(out->held_bytes_last_quarter_peak, out->held_bytes_final);
    out->rss_bytes_final = ticks[n - 1].rss_bytes;
    out->rss_delta_pct = delta_pct(out->rss_bytes_last_quarter_peak, out->rss_bytes_final);
    out->resident_bytes_final = ticks[n - 1].resident_bytes;
    /* Resident bytes rise for a tick or two after each teleport, while the old and the
     * new view overlap, and fall back as the old one goes to the pool: that is not
     * growth. What the reference test guarded against is the process growing, so the
     * headline delta is the process's; the resident and held deltas are reported too. */
    out->memory_delta_pct = out->rss_delta_pct;
    out->resident_delta_pct =
        delta_pct(out->resident_bytes_last_quarter_peak, out->resident_bytes_final);
}

/* The slowest ticks, by insertion into a short sorted list. */
static void slowest(const tpt_soak_tick *ticks, size_t n, tpt_soak_summary *out)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t k = out->slowest_count;
        const double ms = ticks[i].update_ms;
        if (k == TPT_SOAK_SLOWEST && ms <= out->slowest[k - 1].update_ms)
            continue;
        if (k < TPT_SOAK_SLOWEST)
            out->slowest_count++;
        else
            k--;
        while (k > 0 && out->slowest[k - 1].update_ms < ms) {
            out->slowest[k] = out->slowest[k - 1];
            k--;
        }
        out->slowest[k].tick = i;
        out->slowest[k].update_ms = ms;
        out->slowest[k].update_cpu_ms = ticks[i].update_cpu_ms;
        out->slowest[k].move = ticks[i].move;
        out->slowest[k].missing = ticks[i].missing;
        out->slowest[k].waits = ticks[i].waits;
        out->slowest[k].preemptions = ticks[i].preemptions;
        out->slowest[k].page_faults = ticks[i].page_faults;
    }
}

bool tpt_soak_summarize(const tpt_soak_tick *ticks, size_t n, double hitch_ms,
                        uint64_t budget_bytes, tpt_soak_summary *out)
{
    memset(out, 0, sizeof *out);
    out->hitch_ms = hitch_ms;
    out->budget_bytes = budget_bytes;
    size_t last = n < 100 ? n : 100;
    if (!window_of(ticks, n, hitch_ms, &out->all) ||
        !window_of(ticks + (n - last), last, hitch_ms, &out->last100))
        return false;
    if (n == 0)
        return true;
    if (!split_costs(ticks, n, out) || !recovery(ticks, n, out)) {
        tpt_soak_summary_free(out);
        return false;
    }
    memory(ticks, n, budget_bytes, out);
    slowest(ticks, n, out);
    return true;
}

void tpt_soak_summary_free(tpt_soak_summary *s)
{
    free(s->ticks_to_full);
    s->ticks_to_full = NULL;
    s->teleports = 0;
}

