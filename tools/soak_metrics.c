/* soak_metrics.c — per-tick records, percentiles, the soak summary, its JSON and its
 * table. */
#include "soak_metrics.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "soak_camera.h"
#include "worldfile.h"

/* ---- recorder ---------------------------------------------------------------------- */

bool tp_soak_recorder_init(tp_soak_recorder *r, size_t capacity)
{
    memset(r, 0, sizeof *r);
    /* Allocated and touched up front: the run loop must not take page faults on it. */
    r->ticks = calloc(capacity ? capacity : 1, sizeof *r->ticks);
    if (!r->ticks)
        return false;
    r->capacity = capacity;
    return true;
}

tp_soak_tick *tp_soak_recorder_push(tp_soak_recorder *r)
{
    if (r->count >= r->capacity)
        return NULL;
    tp_soak_tick *t = &r->ticks[r->count++];
    memset(t, 0, sizeof *t);
    return t;
}

void tp_soak_recorder_free(tp_soak_recorder *r)
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

double tp_soak_percentile(const double *sorted, size_t n, double p)
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

bool tp_soak_cost_of(const double *values, size_t n, tp_soak_cost *out)
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
    out->p50 = tp_soak_percentile(v, n, 50.0);
    out->p99 = tp_soak_percentile(v, n, 99.0);
    out->max = v[n - 1];
    free(v);
    return true;
}

/* ---- summary ----------------------------------------------------------------------- */

static bool window_of(const tp_soak_tick *ticks, size_t n, double hitch_ms, tp_soak_window *w)
{
    memset(w, 0, sizeof *w);
    const size_t m = n ? n : 1;
    double *costs = malloc(m * 4 * sizeof *costs);
    if (!costs)
        return false;
    double *cpu = costs + m, *call = cpu + m, *scan = call + m;
    for (size_t i = 0; i < n; i++) {
        const tp_soak_tick *t = &ticks[i];
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
    bool ok = tp_soak_cost_of(costs, n, &w->update_ms) &&
              tp_soak_cost_of(cpu, n, &w->update_cpu_ms) &&
              tp_soak_cost_of(call, n, &w->call_ms) && tp_soak_cost_of(scan, n, &w->scan_ms);
    free(costs);
    return ok;
}

static bool complete(const tp_soak_tick *t) { return t->missing == 0 && t->deficit == 0; }

/* Ticks from `start` to the first complete tick before `end`, or −1. */
static int64_t ticks_to_full(const tp_soak_tick *ticks, size_t start, size_t end)
{
    for (size_t i = start; i < end; i++)
        if (complete(&ticks[i]))
            return (int64_t)(i - start);
    return -1;
}

bool tp_soak_summarize(const tp_soak_tick *ticks, size_t n, double hitch_ms,
                       uint64_t budget_bytes, tp_soak_summary *out)
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

    /* Cost on the ticks of a jump against every other tick: what sets the tail. */
    double *split = malloc(n * sizeof *split);
    if (!split)
        return false;
    size_t jumps_seen = 0, others = 0;
    for (size_t i = 0; i < n; i++)
        if (ticks[i].move == TP_SOAK_MOVE_TELEPORT)
            split[jumps_seen++] = ticks[i].update_ms;
    for (size_t i = 0; i < n; i++)
        if (ticks[i].move != TP_SOAK_MOVE_TELEPORT)
            split[jumps_seen + others++] = ticks[i].update_ms;
    bool split_ok = tp_soak_cost_of(split, jumps_seen, &out->update_ms_teleport_ticks) &&
                    tp_soak_cost_of(split + jumps_seen, others, &out->update_ms_other_ticks);
    size_t calm = 0;
    for (size_t i = 0; i < n; i++) {
        out->page_faults += ticks[i].page_faults;
        out->ticks_with_page_faults += ticks[i].page_faults > 0;
        if (ticks[i].waits || ticks[i].preemptions)
            out->ticks_disturbed++;
        else
            split[calm++] = ticks[i].update_ms;
    }
    split_ok = split_ok && tp_soak_cost_of(split, calm, &out->update_ms_undisturbed);
    free(split);
    if (!split_ok)
        return false;

    /* Jumps: tick 0 (the cold start) ends where the first teleport begins. */
    size_t jumps = 0;
    for (size_t i = 1; i < n; i++)
        jumps += ticks[i].move == TP_SOAK_MOVE_TELEPORT;
    out->ticks_to_full = malloc((jumps ? jumps : 1) * sizeof *out->ticks_to_full);
    double *settled = malloc((jumps ? jumps : 1) * sizeof *settled);
    if (!out->ticks_to_full || !settled) {
        free(settled);
        tp_soak_summary_free(out);
        return false;
    }
    out->cold_start_missing = ticks[0].missing;
    size_t next = 1;
    while (next < n && ticks[next].move != TP_SOAK_MOVE_TELEPORT)
        next++;
    out->cold_start_ticks_to_full = ticks_to_full(ticks, 0, next);
    size_t k = 0;
    double sum = 0.0;
    for (size_t i = next; i < n; i = next) {
        next = i + 1;
        while (next < n && ticks[next].move != TP_SOAK_MOVE_TELEPORT)
            next++;
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
        out->ticks_to_full_p50 = tp_soak_percentile(settled, k, 50.0);
    }
    free(settled);

    /* Memory. */
    size_t quarter = n - n / 4;
    if (quarter >= n)
        quarter = n - 1;
    for (size_t i = 0; i < n; i++) {
        const tp_soak_tick *t = &ticks[i];
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
    out->held_delta_pct = out->held_bytes_final
                              ? 100.0 *
                                    (double)(out->held_bytes_last_quarter_peak -
                                             out->held_bytes_final) /
                                    (double)out->held_bytes_final
                              : 0.0;
    out->rss_bytes_final = ticks[n - 1].rss_bytes;
    out->rss_delta_pct =
        out->rss_bytes_final
            ? 100.0 * (double)(out->rss_bytes_last_quarter_peak - out->rss_bytes_final) /
                  (double)out->rss_bytes_final
            : 0.0;
    /* The slowest ticks, by insertion into a short sorted list. */
    for (size_t i = 0; i < n; i++) {
        uint32_t k = out->slowest_count;
        const double ms = ticks[i].update_ms;
        if (k == TP_SOAK_SLOWEST && ms <= out->slowest[k - 1].update_ms)
            continue;
        if (k < TP_SOAK_SLOWEST)
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
    out->resident_bytes_final = ticks[n - 1].resident_bytes;
    /* Resident bytes rise for a tick or two after each teleport, while the old and the
     * new view overlap, and fall back as the old one goes to the pool: that is not
     * growth. What the reference test guarded against is the process growing, so the
     * headline delta is the process's; the resident and held deltas are reported too. */
    out->memory_delta_pct = out->rss_delta_pct;
    out->resident_delta_pct =
        out->resident_bytes_final
            ? 100.0 *
                  (double)(out->resident_bytes_last_quarter_peak - out->resident_bytes_final) /
                  (double)out->resident_bytes_final
            : 0.0;
    return true;
}

void tp_soak_summary_free(tp_soak_summary *s)
{
    free(s->ticks_to_full);
    s->ticks_to_full = NULL;
    s->teleports = 0;
}

/* generate / file, or infinity when the file side is zero (shown as such). */
static double ratio(double num, double den)
{
    return den > 0.0 ? num / den : (num > 0.0 ? INFINITY : 1.0);
}

/* Worker CPU per MiB of pages produced: weighs the LODs of a run by their size. */
static double cpu_ms_per_mib(const tp_soak_report *r)
{
    return r->stats.bytes_decoded
               ? r->worker_cpu_s * 1e3 / ((double)r->stats.bytes_decoded / 1048576.0)
               : 0.0;
}

/* ---- per-tick CSV ------------------------------------------------------------------ */

bool tp_soak_write_ticks_csv(FILE *out, const tp_soak_tick *ticks, size_t n)
{
    fprintf(out, "tick,x_m,z_m,move,update_ms,update_call_ms,update_cpu_ms,page_faults,"
                 "waits,preemptions,view_chunks,missing,deficit,resident_bytes,held_bytes,"
                 "rss_bytes\n");
    for (size_t i = 0; i < n; i++) {
        const tp_soak_tick *t = &ticks[i];
        fprintf(out,
                "%zu,%.3f,%.3f,%s,%.6f,%.6f,%.6f,%u,%u,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64
                ",%" PRIu64 "\n",
                i, t->x_m, t->z_m, tp_soak_move_name(t->move), t->update_ms, t->call_ms,
                t->update_cpu_ms, t->page_faults, t->waits, t->preemptions, t->view_chunks,
                t->missing, t->deficit, t->resident_bytes, t->held_bytes, t->rss_bytes);
    }
    return !ferror(out);
}

/* ---- JSON -------------------------------------------------------------------------- */

static void json_cost(FILE *out, const char *key, const tp_soak_cost *c)
{
    fprintf(out, "\"%s\": {\"avg\": %.6f, \"p50\": %.6f, \"p99\": %.6f, \"max\": %.6f}", key,
            c->avg, c->p50, c->p99, c->max);
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

void tp_soak_json_object(FILE *out, const tp_soak_report *r)
{
    const tp_soak_summary *s = &r->summary;
    const tp_streamer_stats *st = &r->stats;
    fprintf(out, "{\"source\": ");
    tp_json_string(out, r->source);
    fprintf(out, ", \"file\": ");
    if (r->file)
        tp_json_string(out, r->file);
    else
        fprintf(out, "null");
    fprintf(out, ", \"profile\": ");
    tp_json_string(out, r->profile);
    fprintf(out,
            ", \"seed\": %" PRIu64 ", \"hz\": %g, \"paced\": %s, \"pinned\": %s, "
            "\"view_distance\": %u, "
            "\"view_chunks\": %u, \"worker_threads\": %u, \"hitch_ms\": %g,\n",
            r->seed, r->hz, r->paced ? "true" : "false", r->pinned ? "true" : "false",
            r->view_distance, r->view_chunks, st->worker_threads, s->hitch_ms);
    fprintf(out, " \"ticks\": %" PRIu64 ", \"checks\": %" PRIu64 ", ", s->all.ticks,
            s->all.checks);
    json_cost(out, "update_ms", &s->all.update_ms);
    fprintf(out, ", ");
    json_cost(out, "update_cpu_ms", &s->all.update_cpu_ms);
    fprintf(out, ",\n ");
    json_cost(out, "update_call_ms", &s->all.call_ms);
    fprintf(out, ", ");
    json_cost(out, "view_scan_ms", &s->all.scan_ms);
    fprintf(out, ",\n ");
    json_cost(out, "update_ms_teleport_ticks", &s->update_ms_teleport_ticks);
    fprintf(out, ", ");
    json_cost(out, "update_ms_other_ticks", &s->update_ms_other_ticks);
    fprintf(out, ",\n ");
    json_cost(out, "update_ms_undisturbed_ticks", &s->update_ms_undisturbed);
    fprintf(out,
            ", \"ticks_preempted_or_blocked\": %" PRIu64
            ", \"game_thread_page_faults\": %" PRIu64 ", \"ticks_with_page_faults\": %" PRIu64,
            s->ticks_disturbed, s->page_faults, s->ticks_with_page_faults);
    fprintf(out,
            ", \"hitches\": %" PRIu64 ", \"hitches_preempted_or_blocked\": %" PRIu64
            ", \"missing_chunk_checks\": %" PRIu64 ", \"ticks_with_missing\": %" PRIu64
            ", \"lod_deficit_checks\": %" PRIu64 ", \"lod_deficit_pct\": %.4f,\n",
            s->all.hitches, s->all.hitches_preempted, s->all.missing_checks,
            s->all.ticks_with_missing, s->all.lod_deficit_checks,
            pct(s->all.lod_deficit_checks, s->all.checks));
    fprintf(out, " \"last100\": {\"ticks\": %" PRIu64 ", ", s->last100.ticks);
    json_cost(out, "update_ms", &s->last100.update_ms);
    fprintf(out, ", ");
    json_cost(out, "update_cpu_ms", &s->last100.update_cpu_ms);
    fprintf(out,
            ", \"hitches\": %" PRIu64 ", \"missing_chunk_checks\": %" PRIu64
            ", \"lod_deficit_checks\": %" PRIu64 "},\n",
            s->last100.hitches, s->last100.missing_checks, s->last100.lod_deficit_checks);
    fprintf(out,
            " \"cold_start\": {\"missing_chunk_checks\": %" PRIu64
            ", \"ticks_to_full_detail\": %" PRId64 "},\n",
            s->cold_start_missing, s->cold_start_ticks_to_full);
    fprintf(out,
            " \"teleports\": {\"count\": %" PRIu64
            ", \"missing_chunk_checks_on_jump\": %" PRIu64 ", \"settled\": %" PRIu64
            ", \"ticks_to_full_detail\": {\"avg\": %.3f, "
            "\"p50\": %.1f, \"max\": %" PRId64 ", \"each\": [",
            s->teleports, s->teleport_missing, s->teleports_settled, s->ticks_to_full_avg,
            s->ticks_to_full_p50, s->ticks_to_full_max);
    for (uint64_t i = 0; i < s->teleports; i++)
        fprintf(out, "%s%" PRId64, i ? ", " : "", s->ticks_to_full[i]);
    fprintf(out, "]}},\n");
    fprintf(out,
            " \"budget_bytes\": %" PRIu64 ", \"resident_bytes_peak\": %" PRIu64
            ", \"resident_bytes_final\": %" PRIu64 ", \"held_bytes_peak\": %" PRIu64
            ", \"ticks_over_budget\": %" PRIu64 ", \"memory_delta_pct\": %.4f, "
            "\"permanent_bytes\": %" PRIu64 ", \"process_peak_rss_kib\": %" PRIu64 ",\n",
            s->budget_bytes, s->resident_bytes_peak, s->resident_bytes_final,
            s->held_bytes_peak, s->ticks_over_budget, s->memory_delta_pct, st->permanent_bytes,
            r->peak_rss_kib);
    fprintf(out,
            " \"rss_bytes_last_quarter_peak\": %" PRIu64 ", \"rss_bytes_final\": %" PRIu64
            ", \"rss_delta_pct\": %.4f, \"held_delta_pct\": %.4f, \"resident_delta_pct\": %.4f,"
            "\n \"slowest_ticks\": [",
            s->rss_bytes_last_quarter_peak, s->rss_bytes_final, s->rss_delta_pct,
            s->held_delta_pct, s->resident_delta_pct);
    for (uint32_t i = 0; i < s->slowest_count; i++)
        fprintf(out,
                "%s{\"tick\": %" PRIu64 ", \"update_ms\": %.6f, \"cpu_ms\": %.6f, "
                "\"page_faults\": %u, \"waits\": %u, \"preemptions\": %u, \"move\": \"%s\"}",
                i ? ", " : "", s->slowest[i].tick, s->slowest[i].update_ms,
                s->slowest[i].update_cpu_ms, s->slowest[i].page_faults, s->slowest[i].waits,
                s->slowest[i].preemptions, tp_soak_move_name(s->slowest[i].move));
    fprintf(out, "],\n");
    fprintf(out, " \"page_ins\": %" PRIu64 ", \"page_ins_by_lod\": [", st->page_ins);
    for (uint32_t l = 0; l < TP_MAX_LODS; l++)
        fprintf(out, "%s%" PRIu64, l ? ", " : "", st->page_ins_by_lod[l]);
    fprintf(out,
            "], \"bytes_read\": %" PRIu64 ", \"bytes_decoded\": %" PRIu64
            ", \"fallbacks\": %" PRIu64 ", \"fallbacks_outside\": %" PRIu64
            ", \"checksum_failures\": %" PRIu64 ", \"decode_failures\": %" PRIu64
            ", \"sync_generations\": %" PRIu64 ", \"cancellations\": %" PRIu64
            ", \"evictions\": %" PRIu64 ", \"downgrades\": %" PRIu64
            ", \"streamer_teleports\": %" PRIu64 ",\n",
            st->bytes_read, st->bytes_decoded, st->fallbacks, st->fallbacks_outside,
            st->checksum_failures, st->decode_failures, st->sync_generations, st->cancellations,
            st->evictions, st->downgrades, st->teleports);
    fprintf(out,
            " \"streamer\": {\"update_us_p50\": %.3f, \"update_us_p99\": %.3f, "
            "\"update_us_max\": %.3f, \"in_view_missing_total\": %" PRIu64
            ", \"in_view_coarser_total\": %" PRIu64 ", \"latency_us_p50\": %.1f, "
            "\"latency_us_p99\": %.1f},\n",
            st->update_us_p50, st->update_us_p99, st->update_us_max, st->in_view_missing_total,
            st->in_view_coarser_total, st->latency_us_p50, st->latency_us_p99);
    fprintf(out,
            " \"wall_s\": %.3f, \"cpu_s\": {\"process\": %.4f, \"game_thread\": %.4f, "
            "\"workers\": %.4f}, \"worker_cpu_us_per_page_in\": %.3f, "
            "\"worker_page_faults\": %" PRIu64 ", "
            "\"context_switches\": {\"voluntary\": %" PRIu64 ", \"involuntary\": %" PRIu64 "}}",
            r->wall_s, r->process_cpu_s, r->game_cpu_s, r->worker_cpu_s,
            r->worker_cpu_us_per_page_in, r->worker_page_faults, r->voluntary_switches,
            r->involuntary_switches);
}

void tp_soak_json_compare(FILE *out, const tp_soak_report *f, const tp_soak_report *g)
{
    fprintf(out, "{\"file\": ");
    tp_soak_json_object(out, f);
    fprintf(out, ",\n\"generate\": ");
    tp_soak_json_object(out, g);
    fprintf(out,
            ",\n\"ratios\": {\"update_ms_p99\": %.4f, \"worker_cpu_us_per_page_in\": %.4f, "
            "\"worker_cpu_per_mib\": %.4f, \"missing_chunk_checks\": {\"file\": %" PRIu64
            ", \"generate\": %" PRIu64 "}}}",
            ratio(g->summary.all.update_ms.p99, f->summary.all.update_ms.p99),
            ratio(g->worker_cpu_us_per_page_in, f->worker_cpu_us_per_page_in),
            ratio(cpu_ms_per_mib(g), cpu_ms_per_mib(f)), f->summary.all.missing_checks,
            g->summary.all.missing_checks);
}

/* ---- the readable table -------------------------------------------------------------- */

static void mib(uint64_t bytes, char *buf, size_t size)
{
    snprintf(buf, size, "%.2f MiB", (double)bytes / 1048576.0);
}

static void print_header(FILE *out, const tp_soak_report *r)
{
    fprintf(out,
            "soak: %s, profile %s, seed %" PRIu64 ", %" PRIu64 " ticks at %g Hz (%s), view "
            "%u (%u chunks), %u worker thread%s%s\n",
            r->file ? r->file : "no page file (generate)", r->profile, r->seed,
            r->summary.all.ticks, r->hz, r->paced ? "paced in real time" : "unpaced",
            r->view_distance, r->view_chunks, r->stats.worker_threads,
            r->stats.worker_threads == 1 ? "" : "s",
            r->pinned ? ", game thread pinned to CPU 0" : "");
}
/* One row of the cost table: avg / p50 / p99 / max over all ticks, then the last 100. */
static void print_cost_row(FILE *out, const char *label, const tp_soak_cost *all,
                           const tp_soak_cost *last100)
{
    fprintf(out, "  %-34s %7.4f / %7.4f / %7.4f / %7.4f  %7.4f / %7.4f / %7.4f / %7.4f\n",
            label, all->avg, all->p50, all->p99, all->max, last100->avg, last100->p50,
            last100->p99, last100->max);
}


void tp_soak_print_report(FILE *out, const tp_soak_report *r)
{
    print_header(out, r);
    const tp_soak_summary *s = &r->summary;
    const tp_streamer_stats *st = &r->stats;
    char a[32], b[32], c[32], d[32];
    fprintf(out, "  %-34s %-38s %s\n", "", "all ticks", "last 100");
    print_cost_row(out, "update ms avg / p50 / p99 / max", &s->all.update_ms,
                   &s->last100.update_ms);
    print_cost_row(out, "  of it game-thread CPU ms", &s->all.update_cpu_ms,
                   &s->last100.update_cpu_ms);
    print_cost_row(out, "  of it the update call ms", &s->all.call_ms, &s->last100.call_ms);
    print_cost_row(out, "  of it the view scan ms", &s->all.scan_ms, &s->last100.scan_ms);
    if (s->teleports)
        fprintf(out,
                "  %-34s %7.4f / %7.4f / %7.4f / %7.4f  (other ticks %.4f / %.4f / %.4f / "
                "%.4f)\n",
                "  on teleport ticks", s->update_ms_teleport_ticks.avg,
                s->update_ms_teleport_ticks.p50, s->update_ms_teleport_ticks.p99,
                s->update_ms_teleport_ticks.max, s->update_ms_other_ticks.avg,
                s->update_ms_other_ticks.p50, s->update_ms_other_ticks.p99,
                s->update_ms_other_ticks.max);
    char calm[48];
    snprintf(calm, sizeof calm, "  on %" PRIu64 " undisturbed ticks",
             s->all.ticks - s->ticks_disturbed);
    fprintf(out,
            "  %-34s %7.4f / %7.4f / %7.4f / %7.4f  (%" PRIu64 " ticks preempted or blocked)\n",
            calm, s->update_ms_undisturbed.avg, s->update_ms_undisturbed.p50,
            s->update_ms_undisturbed.p99, s->update_ms_undisturbed.max, s->ticks_disturbed);
    fprintf(out, "  %-34s %" PRIu64 " on %" PRIu64 " ticks (fresh memory: ~12 us a page)\n",
            "game-thread page faults", s->page_faults, s->ticks_with_page_faults);
    char label[64];
    snprintf(label, sizeof label, "hitches (> %g ms)", s->hitch_ms);
    char hv[64];
    snprintf(hv, sizeof hv, "%" PRIu64 " (%" PRIu64 " preempted or blocked)", s->all.hitches,
             s->all.hitches_preempted);
    fprintf(out, "  %-34s %-38s %" PRIu64 "\n", label, hv, s->last100.hitches);
    snprintf(a, sizeof a, "%" PRIu64 " of %" PRIu64, s->all.missing_checks, s->all.checks);
    fprintf(out, "  %-34s %-38s %" PRIu64 "\n", "missing chunk-checks", a,
            s->last100.missing_checks);
    snprintf(a, sizeof a, "%" PRIu64 " (%.3f%%)", s->all.lod_deficit_checks,
             pct(s->all.lod_deficit_checks, s->all.checks));
    fprintf(out, "  %-34s %-38s %" PRIu64 "\n", "LOD-deficit checks", a,
            s->last100.lod_deficit_checks);
    char full[64];
    if (s->cold_start_ticks_to_full < 0)
        snprintf(full, sizeof full, "full detail not reached before a jump or the end");
    else
        snprintf(full, sizeof full, "full detail after %" PRId64 " ticks",
                 s->cold_start_ticks_to_full);
    fprintf(out, "  cold start: %" PRIu64 " missing checks on tick 0, %s\n",
            s->cold_start_missing, full);
    if (s->teleports)
        fprintf(out,
                "  teleports: %" PRIu64 ", %" PRIu64
                " missing checks on their ticks; full detail "
                "after avg %.1f / p50 %.0f / max %" PRId64 " ticks (%" PRIu64 " of %" PRIu64
                " settled before the next jump)\n",
                s->teleports, s->teleport_missing, s->ticks_to_full_avg, s->ticks_to_full_p50,
                s->ticks_to_full_max, s->teleports_settled, s->teleports);
    mib(s->budget_bytes, a, sizeof a);
    mib(s->resident_bytes_peak, b, sizeof b);
    mib(s->resident_bytes_final, c, sizeof c);
    mib(s->held_bytes_peak, d, sizeof d);
    fprintf(out,
            "  memory: budget %s; resident peak %s, final %s, delta %.2f%%; held peak %s, "
            "delta %.2f%%;\n          %" PRIu64 " ticks over budget\n",
            a, b, c, s->resident_delta_pct, d, s->held_delta_pct, s->ticks_over_budget);
    mib(st->permanent_bytes, a, sizeof a);
    fprintf(out,
            "          permanent coarsest LOD %s; process RSS peak %.1f MiB, final %.1f MiB, "
            "delta %.2f%%\n          (delta: last quarter's peak over the final value)\n",
            a, (double)r->peak_rss_kib / 1024.0, (double)s->rss_bytes_final / 1048576.0,
            s->rss_delta_pct);
    fprintf(out, "  work: %" PRIu64 " page-ins (by LOD", st->page_ins);
    for (uint32_t l = 0; l < TP_MAX_LODS; l++)
        if (st->page_ins_by_lod[l])
            fprintf(out, " %u:%" PRIu64, l, st->page_ins_by_lod[l]);
    mib(st->bytes_read, a, sizeof a);
    mib(st->bytes_decoded, b, sizeof b);
    fprintf(out, "), %s read, %s decoded\n", a, b);
    fprintf(out,
            "        %" PRIu64 " fallbacks, %" PRIu64 " checksum failures, %" PRIu64
            " cancellations, %" PRIu64 " evictions, %" PRIu64 " downgrades, %" PRIu64
            " sync generations\n",
            st->fallbacks, st->checksum_failures, st->cancellations, st->evictions,
            st->downgrades, st->sync_generations);
    fprintf(out, "        page-in latency p50 %.0f us, p99 %.0f us\n", st->latency_us_p50,
            st->latency_us_p99);
    fprintf(out, "  slowest ticks:");
    for (uint32_t i = 0; i < s->slowest_count && i < 4; i++)
        fprintf(out, "%s #%" PRIu64 " %.3f ms (CPU %.3f, %s%s%s%s)", i ? "," : "",
                s->slowest[i].tick, s->slowest[i].update_ms, s->slowest[i].update_cpu_ms,
                tp_soak_move_name(s->slowest[i].move),
                s->slowest[i].preemptions ? ", preempted" : "",
                s->slowest[i].waits ? ", blocked" : "",
                s->slowest[i].page_faults ? ", page faults" : "");
    fprintf(out, "\n");
    fprintf(out,
            "  CPU: workers %.3f s (%.1f us per page-in, %" PRIu64 " page faults), game thread "
            "%.3f s;\n       wall %.1f s; %" PRIu64 " + %" PRIu64
            " context switches (waits + preemptions)\n",
            r->worker_cpu_s, r->worker_cpu_us_per_page_in, r->worker_page_faults, r->game_cpu_s,
            r->wall_s, r->voluntary_switches, r->involuntary_switches);
}

static const char *verdict(bool met) { return met ? "met" : "MISSED"; }

/* The aims of the soak test for the profiles that have them (see --help). */
void tp_soak_print_aims(FILE *out, tp_soak_profile profile, const tp_soak_report *r)
{
    const tp_soak_summary *s = &r->summary;
    if (profile == TP_SOAK_REFERENCE) {
        fprintf(
            out,
            "  aims: update p99 %.4f <= 0.25 ms %s; max %.4f <= 1 ms %s; hitches %" PRIu64
            " = 0 %s;\n        missing checks %" PRIu64 " = 0 %s; ticks over budget %" PRIu64
            " = 0 %s; memory delta (process) %.2f%% <= 1%% %s\n",
            s->all.update_ms.p99, verdict(s->all.update_ms.p99 <= 0.25), s->all.update_ms.max,
            verdict(s->all.update_ms.max <= 1.0), s->all.hitches, verdict(s->all.hitches == 0),
            s->all.missing_checks, verdict(s->all.missing_checks == 0), s->ticks_over_budget,
            verdict(s->ticks_over_budget == 0), s->memory_delta_pct,
            verdict(s->memory_delta_pct <= 1.0));
    } else if (profile == TP_SOAK_VEHICLE || profile == TP_SOAK_FLIGHT) {
        double d = pct(s->all.lod_deficit_checks, s->all.checks);
        fprintf(
            out,
            "  aims: missing checks %" PRIu64 " = 0 %s; LOD-deficit checks %.3f%% < 1%% %s\n",
            s->all.missing_checks, verdict(s->all.missing_checks == 0), d, verdict(d < 1.0));
    }
}

static void compare_row(FILE *out, const char *name, double a, double b, const char *format)
{
    char fa[32], fb[32], fr[32];
    snprintf(fa, sizeof fa, format, a);
    snprintf(fb, sizeof fb, format, b);
    double q = ratio(b, a);
    if (isinf(q))
        snprintf(fr, sizeof fr, "(file 0)");
    else
        snprintf(fr, sizeof fr, "%.2fx", q);
    fprintf(out, "  %-36s %16s %16s %12s\n", name, fa, fb, fr);
}

void tp_soak_print_compare(FILE *out, const tp_soak_report *f, const tp_soak_report *g)
{
    const tp_soak_summary *a = &f->summary, *b = &g->summary;
    fprintf(out, "  %-36s %16s %16s %12s\n", "", "file (baked)", "generate", "gen / file");
    compare_row(out, "update ms avg", a->all.update_ms.avg, b->all.update_ms.avg, "%.4f");
    compare_row(out, "update ms p50", a->all.update_ms.p50, b->all.update_ms.p50, "%.4f");
    compare_row(out, "update ms p99", a->all.update_ms.p99, b->all.update_ms.p99, "%.4f");
    compare_row(out, "update ms max", a->all.update_ms.max, b->all.update_ms.max, "%.4f");
    compare_row(out, "update ms p99, last 100", a->last100.update_ms.p99,
                b->last100.update_ms.p99, "%.4f");
    compare_row(out, "hitches", (double)a->all.hitches, (double)b->all.hitches, "%.0f");
    compare_row(out, "missing chunk-checks", (double)a->all.missing_checks,
                (double)b->all.missing_checks, "%.0f");
    compare_row(out, "missing, last 100", (double)a->last100.missing_checks,
                (double)b->last100.missing_checks, "%.0f");
    compare_row(out, "LOD-deficit checks", (double)a->all.lod_deficit_checks,
                (double)b->all.lod_deficit_checks, "%.0f");
    compare_row(out, "teleport ticks to full detail, max", (double)a->ticks_to_full_max,
                (double)b->ticks_to_full_max, "%.0f");
    compare_row(out, "resident MiB peak", (double)a->resident_bytes_peak / 1048576.0,
                (double)b->resident_bytes_peak / 1048576.0, "%.2f");
    compare_row(out, "page-ins", (double)f->stats.page_ins, (double)g->stats.page_ins, "%.0f");
    compare_row(out, "MiB decoded or generated", (double)f->stats.bytes_decoded / 1048576.0,
                (double)g->stats.bytes_decoded / 1048576.0, "%.2f");
    compare_row(out, "worker CPU s", f->worker_cpu_s, g->worker_cpu_s, "%.3f");
    compare_row(out, "worker CPU us per page-in", f->worker_cpu_us_per_page_in,
                g->worker_cpu_us_per_page_in, "%.1f");
    compare_row(out, "worker CPU ms per MiB produced", cpu_ms_per_mib(f), cpu_ms_per_mib(g),
                "%.2f");
    fprintf(out,
            "  (per page-in figures mix LODs differently in the two modes and per MiB weighs\n"
            "   them by size; the page-in benchmark below compares the same chunks per LOD)\n");
}
