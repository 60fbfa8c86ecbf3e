/* soak_os.c — clocks, thread counters and CPU pinning for the soak. */
#include "soak_os.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

double tpt_soak_clock_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double tpt_soak_now_s(void) { return tpt_soak_clock_s(CLOCK_MONOTONIC); }

void tpt_soak_thread_counts_now(tpt_soak_thread_counts *c)
{
    memset(c, 0, sizeof *c);
#ifdef RUSAGE_THREAD
    struct rusage ru;
    if (getrusage(RUSAGE_THREAD, &ru) == 0) {
        c->waits = (uint64_t)ru.ru_nvcsw;
        c->preemptions = (uint64_t)ru.ru_nivcsw;
        c->faults = (uint64_t)ru.ru_minflt + (uint64_t)ru.ru_majflt;
    }
#endif
}

bool tpt_soak_pin_before_open(tpt_soak_pinning *p)
{
    memset(p, 0, sizeof *p);
#ifdef __linux__
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpus < 2 || pthread_getaffinity_np(pthread_self(), sizeof p->saved, &p->saved) != 0 ||
        !CPU_ISSET(0, &p->saved))
        return false;
    cpu_set_t others = p->saved;
    CPU_CLR(0, &others);
    if (CPU_COUNT(&others) == 0 ||
        pthread_setaffinity_np(pthread_self(), sizeof others, &others) != 0)
        return false;
    p->active = true;
    return true;
#else
    return false;
#endif
}

bool tpt_soak_pin_after_open(tpt_soak_pinning *p)
{
#ifdef __linux__
    cpu_set_t zero;
    CPU_ZERO(&zero);
    CPU_SET(0, &zero);
    return p->active && pthread_setaffinity_np(pthread_self(), sizeof zero, &zero) == 0;
#else
    (void)p;
    return false;
#endif
}

void tpt_soak_unpin(tpt_soak_pinning *p)
{
#ifdef __linux__
    if (p->active)
        pthread_setaffinity_np(pthread_self(), sizeof p->saved, &p->saved);
#endif
    p->active = false;
}

void tpt_soak_sleep_until(double t_s)
{
    struct timespec ts;
    ts.tv_sec = (time_t)t_s;
    ts.tv_nsec = (long)((t_s - (double)ts.tv_sec) * 1e9);
    if (ts.tv_nsec >= 1000000000L)
        ts.tv_sec++, ts.tv_nsec -= 1000000000L;
    while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR) {
    }
}
