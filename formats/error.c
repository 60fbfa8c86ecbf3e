/* error.c — the thread-local failure detail behind tp_error_detail(). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terrapage/result.h"

#define DETAIL_SIZE 512
/* A detail that does not fit loses its middle, not its end: details read "<path>: <what>:
 * <cause>", and a long path must not push the cause out. The end keeps this many bytes. */
#define DETAIL_KEPT_END 320
#define DETAIL_ELISION "..."

/* Thread-local so that concurrent readers on worker threads never see each other's
 * messages, and no lock is needed on any failure path. */
static _Thread_local char t_detail[DETAIL_SIZE];

const char *tp_error_detail(void) { return t_detail; }

static int is_utf8_continuation(char c) { return ((unsigned char)c & 0xC0) == 0x80; }

/* t_detail holds the first DETAIL_SIZE − 1 bytes of `full` (n bytes): replaces its middle
 * with the elision mark and the end of `full`, never splitting a UTF-8 sequence. */
static void keep_end(const char *full, size_t n)
{
    size_t head = DETAIL_SIZE - 1 - DETAIL_KEPT_END - (sizeof DETAIL_ELISION - 1);
    while (head > 0 && is_utf8_continuation(t_detail[head]))
        head--;
    const char *end = full + n - DETAIL_KEPT_END;
    while (*end && is_utf8_continuation(*end))
        end++;
    memcpy(t_detail + head, DETAIL_ELISION, sizeof DETAIL_ELISION - 1);
    memcpy(t_detail + head + sizeof DETAIL_ELISION - 1, end, strlen(end) + 1);
}

tp_result tp__error_set(tp_result result, const char *format, ...)
{
    va_list args, again;
    va_start(args, format);
    va_copy(again, args);
    int n = vsnprintf(t_detail, sizeof t_detail, format, args);
    va_end(args);
    if (n >= DETAIL_SIZE) {
        /* Rare (a path of hundreds of bytes), so the full text may cost an allocation;
         * without memory the plain cut-off stays. */
        char *full = malloc((size_t)n + 1);
        if (full) {
            vsnprintf(full, (size_t)n + 1, format, again);
            keep_end(full, (size_t)n);
            free(full);
        }
    }
    va_end(again);
    return result;
}
