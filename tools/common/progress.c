/* progress.c — a redrawn bar on terminals, periodic lines elsewhere. */
#define _POSIX_C_SOURCE 200809L

#include "progress.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 24
#define BAR_INTERVAL_S 0.1   /* smooth enough to look alive, cheap enough to ignore */
#define LINES_INTERVAL_S 5.0 /* a log gets a line every few seconds, not a flood */

double tpt_progress_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void format_duration(double s, char *buf, size_t size)
{
    if (!(s >= 0.0) || s > 359999.0) {
        snprintf(buf, size, "--:--");
        return;
    }
    unsigned total = (unsigned)(s + 0.5);
    if (total >= 3600)
        snprintf(buf, size, "%u:%02u:%02u", total / 3600, total / 60 % 60, total % 60);
    else
        snprintf(buf, size, "%u:%02u", total / 60, total % 60);
}

static void format_rate(double rate, char *buf, size_t size)
{
    snprintf(buf, size, rate < 10.0 ? "%.2f" : rate < 1000.0 ? "%.1f" : "%.0f", rate);
}

static void draw(tpt_progress *p, uint64_t done, double now)
{
    double elapsed = now - p->start_s;
    double rate = elapsed > 0.0 ? (double)done / elapsed : 0.0;
    char rate_text[32], eta[32];
    format_rate(rate, rate_text, sizeof rate_text);
    if (done > 0 && p->total >= done)
        format_duration((double)(p->total - done) / rate, eta, sizeof eta);
    else
        snprintf(eta, sizeof eta, "--:--");

    if (p->mode == TPT_PROGRESS_BAR) {
        char bar[BAR_WIDTH + 1];
        size_t filled = p->total ? (size_t)((double)done / (double)p->total * BAR_WIDTH) : 0;
        if (filled > BAR_WIDTH)
            filled = BAR_WIDTH;
        memset(bar, '#', filled);
        memset(bar + filled, '.', BAR_WIDTH - filled);
        bar[BAR_WIDTH] = '\0';
        /* \r returns to the start of the line, ESC[K clears what a longer line left. */
        fprintf(p->stream, "\r%s [%s] %" PRIu64 "/%" PRIu64 " %s  %s/s  ETA %s\033[K", p->label,
                bar, done, p->total, p->unit, rate_text, eta);
        p->drew = true;
    } else {
        double percent = p->total ? 100.0 * (double)done / (double)p->total : 0.0;
        fprintf(p->stream, "%s: %" PRIu64 "/%" PRIu64 " %s (%.0f%%), %s/s, ETA %s\n", p->label,
                done, p->total, p->unit, percent, rate_text, eta);
    }
    fflush(p->stream);
}

static void maybe_draw(tpt_progress *p)
{
    if (p->mode == TPT_PROGRESS_QUIET)
        return;
    double now = tpt_progress_seconds();
    if (now < atomic_load_explicit(&p->next_draw_s, memory_order_relaxed))
        return;
    /* One drawer at a time; a thread that finds the flag taken simply skips this redraw. */
    if (atomic_flag_test_and_set_explicit(&p->drawing, memory_order_acquire))
        return;
    if (now >= atomic_load_explicit(&p->next_draw_s, memory_order_relaxed)) {
        atomic_store_explicit(&p->next_draw_s, now + p->interval_s, memory_order_relaxed);
        draw(p, atomic_load_explicit(&p->done, memory_order_relaxed), now);
    }
    atomic_flag_clear_explicit(&p->drawing, memory_order_release);
}

void tpt_progress_begin(tpt_progress *p, const char *label, const char *unit, uint64_t total,
                       tpt_progress_mode mode, FILE *stream)
{
    p->stream = stream ? stream : stderr;
    p->label = label ? label : "working";
    p->unit = unit ? unit : "items";
    p->total = total;
    if (mode == TPT_PROGRESS_AUTO) {
        const char *term = getenv("TERM");
        bool tty = isatty(fileno(p->stream)) && !(term && strcmp(term, "dumb") == 0);
        mode = tty ? TPT_PROGRESS_BAR : TPT_PROGRESS_LINES;
    }
    p->mode = mode;
    p->interval_s = mode == TPT_PROGRESS_BAR ? BAR_INTERVAL_S : LINES_INTERVAL_S;
    p->start_s = tpt_progress_seconds();
    atomic_init(&p->done, 0);
    /* A bar appears at once; lines only once the work has taken a while. */
    atomic_init(&p->next_draw_s, mode == TPT_PROGRESS_BAR ? p->start_s : p->start_s + p->interval_s);
    atomic_flag_clear(&p->drawing);
    p->drew = false;
}

void tpt_progress_update(tpt_progress *p, uint64_t done)
{
    uint64_t prev = atomic_load_explicit(&p->done, memory_order_relaxed);
    while (done > prev &&
           !atomic_compare_exchange_weak_explicit(&p->done, &prev, done, memory_order_relaxed,
                                                  memory_order_relaxed)) {
    }
    maybe_draw(p);
}

void tpt_progress_add(tpt_progress *p, uint64_t count)
{
    atomic_fetch_add_explicit(&p->done, count, memory_order_relaxed);
    maybe_draw(p);
}

double tpt_progress_end(tpt_progress *p)
{
    double elapsed = tpt_progress_seconds() - p->start_s;
    if (p->mode == TPT_PROGRESS_QUIET)
        return elapsed;
    uint64_t done = atomic_load_explicit(&p->done, memory_order_relaxed);
    if (p->drew)
        fprintf(p->stream, "\r\033[K");
    char rate_text[32];
    format_rate(elapsed > 0.0 ? (double)done / elapsed : 0.0, rate_text, sizeof rate_text);
    fprintf(p->stream, "%s: %" PRIu64 " %s in %.1f s (%s/s)\n", p->label, done, p->unit,
            elapsed, rate_text);
    fflush(p->stream);
    return elapsed;
}

void tpt_progress_abandon(tpt_progress *p)
{
    if (p->mode != TPT_PROGRESS_QUIET && p->drew) {
        fprintf(p->stream, "\r\033[K");
        fflush(p->stream);
    }
    p->drew = false;
}
