/* stats.c — the streaming statistics: kept as plain counters on the game thread, with
 * the percentiles computed only when someone asks. */
#include <stdlib.h>
#include <string.h>

#include "stats.h"

void tp__stats_count_event(tp__stats *st, const tp_streamer_event *e)
{
    switch (e->type) {
    case TP_STREAMER_EVENT_PAGE_IN:
        st->s.page_ins++;
        st->s.page_ins_by_lod[e->lod]++;
        break;
    case TP_STREAMER_EVENT_EVICT: st->s.evictions++; break;
    case TP_STREAMER_EVENT_DOWNGRADE: st->s.downgrades++; break;
    case TP_STREAMER_EVENT_CANCEL: st->s.cancellations++; break;
    case TP_STREAMER_EVENT_TELEPORT: st->s.teleports++; break;
    default: break;
    }
}

void tp__stats_page(tp__stats *st, uint64_t bytes_read, uint64_t bytes_decoded)
{
    st->s.bytes_read += bytes_read;
    st->s.bytes_decoded += bytes_decoded;
}

void tp__stats_fallback(tp__stats *st, tp_result cause)
{
    st->s.fallbacks++;
    if (cause == TP_ERR_NOT_FOUND)
        st->s.fallbacks_outside++;
    else if (cause == TP_ERR_CHECKSUM)
        st->s.checksum_failures++;
    else
        st->s.decode_failures++;
}

void tp__stats_sync_generation(tp__stats *st)
{
    st->s.sync_generations++;
}

void tp__stats_coverage(tp__stats *st, uint32_t in_view, uint32_t missing, uint32_t coarser)
{
    st->s.in_view_chunks = in_view;
    st->s.in_view_missing = missing;
    st->s.in_view_coarser = coarser;
    st->s.in_view_missing_total += missing;
    st->s.in_view_coarser_total += coarser;
}

void tp__stats_dispatch(tp__stats *st, uint32_t in_flight_limit, uint32_t queue_depth)
{
    st->s.in_flight_limit = in_flight_limit;
    st->s.queue_depth = queue_depth;
}

void tp__stats_resident(tp__stats *st, uint64_t resident_bytes)
{
    if (resident_bytes > st->s.resident_bytes_peak)
        st->s.resident_bytes_peak = resident_bytes;
}

void tp__stats_update_done(tp__stats *st, double us)
{
    st->s.updates++;
    st->update_us[st->ring_count % TP__UPDATE_RING] = (float)us;
    st->ring_count++;
    st->s.update_us_total += us;
    if (us > st->s.update_us_max)
        st->s.update_us_max = us;
}

void tp__stats_latency(tp__stats *st, double seconds)
{
    double us = seconds * 1e6;
    uint32_t k = 0;
    for (double edge = 64.0; k + 1 < TP_STREAMER_LATENCY_BUCKETS && us >= edge; edge *= 2.0)
        k++;
    st->s.latency_histogram[k]++;
}

static int compare_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Percentile of a latency histogram: the upper edge of the bucket holding it, an
 * honest over-estimate rather than an interpolation that suggests false precision. */
static double histogram_percentile(const uint64_t *h, double q)
{
    uint64_t total = 0;
    for (uint32_t k = 0; k < TP_STREAMER_LATENCY_BUCKETS; k++)
        total += h[k];
    if (total == 0)
        return 0.0;
    uint64_t want = (uint64_t)((double)total * q + 0.5), seen = 0;
    if (want == 0)
        want = 1;
    double edge = 64.0;
    for (uint32_t k = 0; k < TP_STREAMER_LATENCY_BUCKETS; k++, edge *= 2.0) {
        seen += h[k];
        if (seen >= want)
            return edge;
    }
    return edge;
}

void tp__stats_fill(const tp__stats *st, tp_streamer_stats *out)
{
    *out = st->s;
    uint32_t n = st->ring_count < TP__UPDATE_RING ? (uint32_t)st->ring_count : TP__UPDATE_RING;
    if (n > 0) {
        float sorted[TP__UPDATE_RING];
        memcpy(sorted, st->update_us, n * sizeof sorted[0]);
        qsort(sorted, n, sizeof sorted[0], compare_float);
        out->update_us_p50 = sorted[(n - 1) * 50 / 100];
        out->update_us_p90 = sorted[(n - 1) * 90 / 100];
        out->update_us_p99 = sorted[(n - 1) * 99 / 100];
    }
    out->latency_us_p50 = histogram_percentile(st->s.latency_histogram, 0.50);
    out->latency_us_p99 = histogram_percentile(st->s.latency_histogram, 0.99);
}

const char *tp_streamer_source_name(uint32_t source)
{
    switch (source) {
    case TP_STREAMER_SOURCE_FILE: return "file";
    case TP_STREAMER_SOURCE_GENERATED: return "generated";
    case TP_STREAMER_SOURCE_REPAIRED: return "repaired";
    case TP_STREAMER_SOURCE_DERIVED: return "derived";
    default: return "unknown";
    }
}
