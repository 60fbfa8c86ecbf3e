/* soak_os.h — what the soak harness asks of the operating system: clocks, the calling
 * thread's context switches and page faults, sleeping to an absolute time, and pinning
 * threads to CPUs (Linux; elsewhere the counts are zero and pinning fails). The process's
 * resident set comes from tools/common (process_memory.h).
 *
 * Needs _GNU_SOURCE (cpu_set_t, RUSAGE_THREAD), which the soak library's build defines.
 * Thread rules: each call is about the calling thread or the whole process; pinning
 * belongs to the thread that drives the streamer.
 */
#ifndef TPT_SOAK_OS_H
#define TPT_SOAK_OS_H

#include <sched.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/*! tpt_soak_clock_s() : clock `id` (CLOCK_MONOTONIC, CLOCK_THREAD_CPUTIME_ID, …) in s. */
double tpt_soak_clock_s(clockid_t id);

/*! tpt_soak_now_s() : the monotonic clock in seconds. */
double tpt_soak_now_s(void);

/*! tpt_soak_sleep_until() : sleeps until the monotonic clock reads `t_s`. */
void tpt_soak_sleep_until(double t_s);

/* What the OS counts for the calling thread: context switches, voluntary (it waited)
 * and involuntary (preempted), and page faults. Zeros where it does not count per
 * thread. (Its kernel time is left out: Linux samples it too coarsely for one tick.) */
typedef struct tpt_soak_thread_counts {
    uint64_t waits, preemptions, faults;
} tpt_soak_thread_counts;

/*! tpt_soak_thread_counts_now() : the calling thread's counts so far. */
void tpt_soak_thread_counts_now(tpt_soak_thread_counts *out);

/* CPU pinning for --pin. Threads inherit the creating thread's affinity, so the game
 * thread first moves off CPU 0 (tpt_soak_pin_before_open), opens the streamer (its
 * workers start there and stay), then moves onto CPU 0 alone (tpt_soak_pin_after_open);
 * tpt_soak_unpin restores what it had. */
typedef struct tpt_soak_pinning {
    bool active;
#ifdef __linux__
    cpu_set_t saved;
#endif
} tpt_soak_pinning;

/*! tpt_soak_pin_before_open() : @return false when the process cannot use CPU 0 and
 *  another CPU (or this is not Linux). */
bool tpt_soak_pin_before_open(tpt_soak_pinning *p);
/*! tpt_soak_pin_after_open() : @return false when the thread cannot move to CPU 0. */
bool tpt_soak_pin_after_open(tpt_soak_pinning *p);
/*! tpt_soak_unpin() : gives the thread back the CPUs it had; harmless when not pinned. */
void tpt_soak_unpin(tpt_soak_pinning *p);

#endif /* TPT_SOAK_OS_H */
