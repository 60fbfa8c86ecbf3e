/* error.c — the thread-local failure detail behind tp_error_detail(). */
#include <stdarg.h>
#include <stdio.h>

#include "terrapage/result.h"

/* Thread-local so that concurrent readers on worker threads never see each other's
 * messages, and no lock is needed on any failure path. */
static _Thread_local char t_detail[512];

const char *tp_error_detail(void) { return t_detail; }

tp_result tp__error_set(tp_result result, const char *format, ...)
{
    va_list args;
    va_start(args, format);
    vsnprintf(t_detail, sizeof t_detail, format, args);
    va_end(args);
    return result;
}
