/* units.c — byte counts for people. */
#include "units.h"

#include <inttypes.h>
#include <stdio.h>

void tpt_format_bytes(uint64_t bytes, char *buf, size_t buf_size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, buf_size, "%" PRIu64 " B", bytes);
    else
        snprintf(buf, buf_size, "%.1f %s", v, units[u]);
}
