/* process_memory.c — the process's resident set, from /proc/self/statm. */
#define _POSIX_C_SOURCE 200809L /* sysconf */

#include "process_memory.h"

#include <stdio.h>
#include <unistd.h>

uint64_t tpt_process_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    unsigned long long size = 0, resident = 0;
    int n = fscanf(f, "%llu %llu", &size, &resident);
    fclose(f);
    long page = sysconf(_SC_PAGESIZE);
    return n == 2 && page > 0 ? (uint64_t)resident * (uint64_t)page : 0;
}
