/* soak_report.c — a soak run's report: the readable table, the aims, the comparison of
 * two runs, JSON and the per-tick CSV. */
#include "soak_report.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "json_out.h"

/* generate / file, or infinity when the file side is zero (shown as such). */
static double ratio(double num, double den)
{
    return den > 0.0 ? num / den : (num > 0.0 ? INFINITY : 1.0);
}

/* Worker CPU per MiB of pages produced: weighs the LODs of a run by their size. */
static double cpu_ms_per_mib(const tpt_soak_report *r)
{
    return r->stats.bytes_decoded
               ? r->worker_cpu_s * 1e3 / ((double)r->stats.bytes_decoded / 1048576.0)
               : 0.0;
}

static double pct(uint64_t part, uint64_t whole)
{
    return whole ? 100.0 * (double)part / (double)whole : 0.0;
}

/* ---- per-tick CSV ------------------------------------------------------------------ */

bool tpt_soak_write_ticks_csv(FILE *out, const tpt_soak_tick *ticks, size_t n)
{
    fprintf(out, "tick,x_m,z_m,move,update_ms,update_call_ms,update_cpu_ms,page_faults,"
                 "waits,preemptions,view_chunks,missing,deficit,resident_bytes,held_bytes,"
                 "rss_bytes\n");
    for (size_t i = 0; i < n; i++) {
        const tpt_soak_tick *t = &ticks[i];
        fprintf(out,
                "%zu,%.3f,%.3f,%s,%.6f,%.6f,%.6f,%u,%u,%u,%u,%u,%u,%" PRIu64 ",%" PRIu64
                ",%" PRIu64 "\n",
                i, t->x_m, t->z_m, tpt_soak_move_name(t->move), t->update_ms, t->call_ms,
                t->update_cpu_ms, t->page_faults, t->waits, t->preemptions, t->view_chunks,
                t->missing, t->deficit, t->resident_bytes, t->held_bytes, t->rss_bytes);
    }
    return !ferror(out);
}

/* ---- JSON -------------------------------------------------------------------------- */

/* Decimals of each kind of figure, as the report has always given them. */
#define MS_DECIMALS 6  /* tick costs */
#define PCT_DECIMALS 4 /* percentages and ratios */

static json_t *cost_json(const tpt_soak_cost *c)
{
    return json_pack("{s:o, s:o, s:o, s:o}",
                     "avg", tpt_json_real(c->avg, MS_DECIMALS),
                     "p50", tpt_json_real(c->p50, MS_DECIMALS),
                     "p99", tpt_json_real(c->p99, MS_DECIMALS),
                     "max", tpt_json_real(c->max, MS_DECIMALS));
}

static void set(json_t *object, const char *key, json_t *value)
{
    json_object_set_new(object, key, value);
}

static void set_u64(json_t *object, const char *key, uint64_t value)
{
    json_object_set_new(object, key, tpt_json_u64(value));
}

/* Who ran: source, camera, view, threads, hitch threshold. */
static void add_setup(json_t *o, const tpt_soak_report *r)
{
    set(o, "source", tpt_json_text(r->source));
    set(o, "file", tpt_json_text(r->file));
    set(o, "world_file", tpt_json_text(r->world_file));
    set(o, "profile", tpt_json_text(r->profile));
    set_u64(o, "seed", r->seed);
    set(o, "hz", tpt_json_number(r->hz));
    set(o, "paced", json_boolean(r->paced));
    set(o, "pinned", json_boolean(r->pinned));
    set(o, "io", r->io ? json_string(r->io) : json_null());
    set_u64(o, "view_distance", r->view_distance);
    set_u64(o, "view_chunks", r->view_chunks);
    set_u64(o, "worker_threads", r->stats.worker_threads);
    set(o, "hitch_ms", tpt_json_number(r->summary.hitch_ms));
}

/* The cost of the per-frame call and what the view saw, over every tick. */
static void add_ticks(json_t *o, const tpt_soak_summary *s)
{
    set_u64(o, "ticks", s->all.ticks);
    set_u64(o, "checks", s->all.checks);
    set(o, "update_ms", cost_json(&s->all.update_ms));
    set(o, "update_cpu_ms", cost_json(&s->all.update_cpu_ms));
    set(o, "update_call_ms", cost_json(&s->all.call_ms));
    set(o, "view_scan_ms", cost_json(&s->all.scan_ms));
    set(o, "update_ms_teleport_ticks", cost_json(&s->update_ms_teleport_ticks));
    set(o, "update_ms_other_ticks", cost_json(&s->update_ms_other_ticks));
    set(o, "update_ms_undisturbed_ticks", cost_json(&s->update_ms_undisturbed));
    set_u64(o, "ticks_preempted_or_blocked", s->ticks_disturbed);
    set_u64(o, "game_thread_page_faults", s->page_faults);
    set_u64(o, "ticks_with_page_faults", s->ticks_with_page_faults);
    set_u64(o, "hitches", s->all.hitches);
    set_u64(o, "hitches_preempted_or_blocked", s->all.hitches_preempted);
    set_u64(o, "missing_chunk_checks", s->all.missing_checks);
    set_u64(o, "ticks_with_missing", s->all.ticks_with_missing);
    set_u64(o, "lod_deficit_checks", s->all.lod_deficit_checks);
    set(o, "lod_deficit_pct",
        tpt_json_real(pct(s->all.lod_deficit_checks, s->all.checks), PCT_DECIMALS));
}

/* The last 100 ticks, the cold start and the teleports. */
static void add_windows(json_t *o, const tpt_soak_summary *s)
{
    set(o, "last100",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o}",
                  "ticks", tpt_json_u64(s->last100.ticks),
                  "update_ms", cost_json(&s->last100.update_ms),
                  "update_cpu_ms", cost_json(&s->last100.update_cpu_ms),
                  "hitches", tpt_json_u64(s->last100.hitches),
                  "missing_chunk_checks", tpt_json_u64(s->last100.missing_checks),
                  "lod_deficit_checks", tpt_json_u64(s->last100.lod_deficit_checks)));
    set(o, "cold_start",
        json_pack("{s:o, s:I}",
                  "missing_chunk_checks", tpt_json_u64(s->cold_start_missing),
                  "ticks_to_full_detail", (json_int_t)s->cold_start_ticks_to_full));
    json_t *each = json_array();
    for (uint64_t i = 0; i < s->teleports; i++)
        json_array_append_new(each, json_integer((json_int_t)s->ticks_to_full[i]));
    set(o, "teleports",
        json_pack("{s:o, s:o, s:o, s:{s:o, s:o, s:I, s:o}}",
                  "count", tpt_json_u64(s->teleports),
                  "missing_chunk_checks_on_jump", tpt_json_u64(s->teleport_missing),
                  "settled", tpt_json_u64(s->teleports_settled),
                  "ticks_to_full_detail",
                      "avg", tpt_json_real(s->ticks_to_full_avg, 3),
                      "p50", tpt_json_real(s->ticks_to_full_p50, 1),
                      "max", (json_int_t)s->ticks_to_full_max,
                      "each", each));
}

/* Memory against the budget, and the slowest ticks. */
static void add_memory(json_t *o, const tpt_soak_report *r)
{
    const tpt_soak_summary *s = &r->summary;
    set_u64(o, "budget_bytes", s->budget_bytes);
    set_u64(o, "resident_bytes_peak", s->resident_bytes_peak);
    set_u64(o, "resident_bytes_final", s->resident_bytes_final);
    set_u64(o, "held_bytes_peak", s->held_bytes_peak);
    set_u64(o, "ticks_over_budget", s->ticks_over_budget);
    set(o, "memory_delta_pct", tpt_json_real(s->memory_delta_pct, PCT_DECIMALS));
    set_u64(o, "permanent_bytes", r->stats.permanent_bytes);
    set_u64(o, "process_peak_rss_kib", r->peak_rss_kib);
    set_u64(o, "rss_bytes_last_quarter_peak", s->rss_bytes_last_quarter_peak);
    set_u64(o, "rss_bytes_final", s->rss_bytes_final);
    set(o, "rss_delta_pct", tpt_json_real(s->rss_delta_pct, PCT_DECIMALS));
    set(o, "held_delta_pct", tpt_json_real(s->held_delta_pct, PCT_DECIMALS));
    set(o, "resident_delta_pct", tpt_json_real(s->resident_delta_pct, PCT_DECIMALS));
    json_t *slowest = json_array();
    for (uint32_t i = 0; i < s->slowest_count; i++)
        json_array_append_new(
            slowest, json_pack("{s:o, s:o, s:o, s:i, s:i, s:i, s:s}",
                               "tick", tpt_json_u64(s->slowest[i].tick),
                               "update_ms", tpt_json_real(s->slowest[i].update_ms, MS_DECIMALS),
                               "cpu_ms", tpt_json_real(s->slowest[i].update_cpu_ms, MS_DECIMALS),
                               "page_faults", (int)s->slowest[i].page_faults,
                               "waits", (int)s->slowest[i].waits,
                               "preemptions", (int)s->slowest[i].preemptions,
                               "move", tpt_soak_move_name(s->slowest[i].move)));
    set(o, "slowest_ticks", slowest);
}

/* The streamer's own statistics, and what the run cost the process. */
static void add_streamer(json_t *o, const tpt_soak_report *r)
{
    const tp_streamer_stats *st = &r->stats;
    set_u64(o, "page_ins", st->page_ins);
    json_t *by_lod = json_array();
    for (uint32_t l = 0; l < TP_MAX_LODS; l++)
        json_array_append_new(by_lod, tpt_json_u64(st->page_ins_by_lod[l]));
    set(o, "page_ins_by_lod", by_lod);
    set_u64(o, "bytes_read", st->bytes_read);
    set_u64(o, "bytes_decoded", st->bytes_decoded);
    set_u64(o, "fallbacks", st->fallbacks);
    set_u64(o, "fallbacks_outside", st->fallbacks_outside);
    set_u64(o, "checksum_failures", st->checksum_failures);
    set_u64(o, "decode_failures", st->decode_failures);
    set_u64(o, "sync_generations", st->sync_generations);
    set_u64(o, "cancellations", st->cancellations);
    set_u64(o, "evictions", st->evictions);
    set_u64(o, "downgrades", st->downgrades);
    set_u64(o, "streamer_teleports", st->teleports);
    set(o, "streamer",
        json_pack("{s:o, s:o, s:o, s:o, s:o, s:o, s:o}",
                  "update_us_p50", tpt_json_real(st->update_us_p50, 3),
                  "update_us_p99", tpt_json_real(st->update_us_p99, 3),
                  "update_us_max", tpt_json_real(st->update_us_max, 3),
                  "in_view_missing_total", tpt_json_u64(st->in_view_missing_total),
                  "in_view_coarser_total", tpt_json_u64(st->in_view_coarser_total),
                  "latency_us_p50", tpt_json_real(st->latency_us_p50, 1),
                  "latency_us_p99", tpt_json_real(st->latency_us_p99, 1)));
    set(o, "wall_s", tpt_json_real(r->wall_s, 3));
    set(o, "cpu_s",
        json_pack("{s:o, s:o, s:o}",
                  "process", tpt_json_real(r->process_cpu_s, 4),
                  "game_thread", tpt_json_real(r->game_cpu_s, 4),
                  "workers", tpt_json_real(r->worker_cpu_s, 4)));
    set(o, "worker_cpu_us_per_page_in", tpt_json_real(r->worker_cpu_us_per_page_in, 3));
    set_u64(o, "worker_page_faults", r->worker_page_faults);
    set(o, "context_switches",
        json_pack("{s:o, s:o}",
                  "voluntary", tpt_json_u64(r->voluntary_switches),
                  "involuntary", tpt_json_u64(r->involuntary_switches)));
}

/* How LODs were chosen and the projected error of what was drawn (JSON null for an
 * infinite quantile: the camera inside a chunk's bounds). */
static void add_lod_choice(json_t *o, const tpt_soak_report *r)
{
    set(o, "lod_selector", json_string(r->lod_selector));
    set(o, "camera_height_m", json_real(r->camera_height_m));
    set(o, "sse_px", json_real(r->sse_px));
    set(o, "drawn_error_px",
        json_pack("{s:o, s:o}", "p50",
                  isfinite(r->error_px_p50) ? json_real(r->error_px_p50) : json_null(), "p99",
                  isfinite(r->error_px_p99) ? json_real(r->error_px_p99) : json_null()));
}

json_t *tpt_soak_report_json(const tpt_soak_report *r)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    add_setup(o, r);
    add_ticks(o, &r->summary);
    add_windows(o, &r->summary);
    add_memory(o, r);
    add_streamer(o, r);
    add_lod_choice(o, r);
    return o;
}

json_t *tpt_soak_compare_json(const tpt_soak_report *f, const tpt_soak_report *g)
{
    /* A ratio over a zero file side is infinite: JSON null. */
    return json_pack(
        "{s:o, s:o, s:{s:o, s:o, s:o, s:{s:o, s:o}}}",
        "file", tpt_soak_report_json(f),
        "generate", tpt_soak_report_json(g),
        "ratios",
            "update_ms_p99",
            tpt_json_real(ratio(g->summary.all.update_ms.p99, f->summary.all.update_ms.p99),
                          PCT_DECIMALS),
            "worker_cpu_us_per_page_in",
            tpt_json_real(ratio(g->worker_cpu_us_per_page_in, f->worker_cpu_us_per_page_in),
                          PCT_DECIMALS),
            "worker_cpu_per_mib",
            tpt_json_real(ratio(cpu_ms_per_mib(g), cpu_ms_per_mib(f)), PCT_DECIMALS),
            "missing_chunk_checks",
                "file", tpt_json_u64(f->summary.all.missing_checks),
                "generate", tpt_json_u64(g->summary.all.missing_checks));
}

/* ---- the readable table -------------------------------------------------------------- */

static void mib(uint64_t bytes, char *buf, size_t size)
{
    snprintf(buf, size, "%.2f MiB", (double)bytes / 1048576.0);
}

static void print_header(FILE *out, const tpt_soak_report *r)
{
    fprintf(out,
            "soak: %s, profile %s, seed %" PRIu64 ", %" PRIu64 " ticks at %g Hz (%s), view "
            "%u (%u chunks), %u worker thread%s%s%s\n",
            r->file ? r->file : "no page file (generate)", r->profile, r->seed,
            r->summary.all.ticks, r->hz, r->paced ? "paced in real time" : "unpaced",
            r->view_distance, r->view_chunks, r->stats.worker_threads,
            r->stats.worker_threads == 1 ? "" : "s",
            r->pinned ? ", game thread pinned to CPU 0" : "",
            r->io && strcmp(r->io, "mmap") == 0 ? ", file mapped (--mmap)" : "");
}
/* One row of the cost table: avg / p50 / p99 / max over all ticks, then the last 100. */
static void print_cost_row(FILE *out, const char *label, const tpt_soak_cost *all,
                           const tpt_soak_cost *last100)
{
    fprintf(out, "  %-34s %7.4f / %7.4f / %7.4f / %7.4f  %7.4f / %7.4f / %7.4f / %7.4f\n",
            label, all->avg, all->p50, all->p99, all->max, last100->avg, last100->p50,
            last100->p99, last100->max);
}

/* The cost of the timed region: all ticks against the last 100, and its parts. */
static void print_costs(FILE *out, const tpt_soak_summary *s)
{
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
}

/* Hitches, holes, LOD deficits, and the recovery after the cold start and teleports. */
static void print_view(FILE *out, const tpt_soak_summary *s)
{
    char a[32], label[64];
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
}

/* Memory against the budget, the streamer's work, the slowest ticks and the CPU. */
static void print_resources(FILE *out, const tpt_soak_report *r)
{
    const tpt_soak_summary *s = &r->summary;
    const tp_streamer_stats *st = &r->stats;
    char a[32], b[32], c[32], d[32];
    mib(s->budget_bytes, a, sizeof a);
    mib(s->resident_bytes_peak, b, sizeof b);
    mib(s->resident_bytes_final, c, sizeof c);
    mib(s->held_bytes_peak, d, sizeof d);
    fprintf(out,
            "  memory: budget %s; resident peak %s, final %s, delta %.2f%%; held peak %s, "
            "delta %.2f%%;\n          %" PRIu64 " ticks over budget\n",
            a, b, c, s->resident_delta_pct, d, s->held_delta_pct, s->ticks_over_budget);
    fprintf(out,
            "          process RSS peak %.1f MiB, final %.1f MiB, delta %.2f%%\n"
            "          (delta: last quarter's peak over the final value)\n",
            (double)r->peak_rss_kib / 1024.0, (double)s->rss_bytes_final / 1048576.0,
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
                tpt_soak_move_name(s->slowest[i].move),
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

void tpt_soak_print_report(FILE *out, const tpt_soak_report *r)
{
    print_header(out, r);
    print_costs(out, &r->summary);
    print_view(out, &r->summary);
    char lod[80];
    if (strcmp(r->lod_selector, "sse") == 0)
        snprintf(lod, sizeof lod, "sse at %g px, camera %g m up", r->sse_px, r->camera_height_m);
    else
        snprintf(lod, sizeof lod, "bands, camera %g m up", r->camera_height_m);
    fprintf(out, "  %-34s p50 %.2f / p99 %.2f px  (%s)\n", "projected error drawn",
            r->error_px_p50, r->error_px_p99, lod);
    print_resources(out, r);
}

static const char *verdict(bool met) { return met ? "met" : "MISSED"; }

/* The aims of the soak test for the profiles that have them (see --help). */
void tpt_soak_print_aims(FILE *out, tpt_soak_profile profile, const tpt_soak_report *r)
{
    const tpt_soak_summary *s = &r->summary;
    if (profile == TPT_SOAK_REFERENCE) {
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
    } else if (profile == TPT_SOAK_VEHICLE || profile == TPT_SOAK_FLIGHT) {
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

void tpt_soak_print_compare(FILE *out, const tpt_soak_report *f, const tpt_soak_report *g)
{
    const tpt_soak_summary *a = &f->summary, *b = &g->summary;
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
