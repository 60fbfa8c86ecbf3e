/* terrapage/result.h — the one result type every terrapage call returns.
 *
 *   tp_result r = tp_reader_open("world.tpk", NULL, &reader);
 *   if (r != TP_OK) fprintf(stderr, "world.tpk: %s\n", tp_result_string(r));
 *
 * TP_OK is 0; every failure is a negative value with a fixed meaning and a text from
 * tp_result_string(). Codes are part of the ABI: new ones are appended, never renumbered.
 */
#ifndef TERRAPAGE_RESULT_H
#define TERRAPAGE_RESULT_H

#include "terrapage/export.h"

#ifdef __cplusplus
extern "C" {
#endif

/* X(name, value, text) */
#define TP_RESULT_MAP(X)                                                                   \
    X(TP_OK, 0, "success")                                                                 \
    X(TP_ERR_INVALID_ARGUMENT, -1, "invalid argument")                                     \
    X(TP_ERR_OUT_OF_MEMORY, -2, "out of memory")                                           \
    X(TP_ERR_IO, -3, "input/output error")                                                 \
    X(TP_ERR_NOT_FOUND, -4, "not found")                                                   \
    X(TP_ERR_BAD_MAGIC, -5, "not a terrapage page file (bad magic)")                       \
    X(TP_ERR_UNSUPPORTED_VERSION, -6, "unsupported format version")                        \
    X(TP_ERR_TRUNCATED, -7, "file is truncated")                                           \
    X(TP_ERR_CHECKSUM, -8, "checksum mismatch")                                            \
    X(TP_ERR_CORRUPT, -9, "corrupt or malformed data")                                     \
    X(TP_ERR_BUFFER_TOO_SMALL, -10, "output buffer too small")                             \
    X(TP_ERR_UNSUPPORTED, -11, "unsupported feature or encoding")                          \
    X(TP_ERR_OUT_OF_RANGE, -12, "value out of range")                                      \
    X(TP_ERR_CANCELLED, -13, "cancelled")                                                  \
    X(TP_ERR_BUSY, -14, "resource busy")                                                  \
    X(TP_ERR_WORLD_MISMATCH, -15, "the file's pages are not the world its header describes")

typedef enum tp_result {
#define TP__RESULT_ENUM(name, value, text) name = value,
    TP_RESULT_MAP(TP__RESULT_ENUM)
#undef TP__RESULT_ENUM
} tp_result;

/*! tp_result_string() :
 *  @return a static, human-readable text for a result code ("unknown result" for a
 *  value not in the list). Never NULL; safe from any thread. */
TP_API const char *tp_result_string(tp_result result);

/*! tp_error_detail() :
 *  @return a sentence about the most recent failure a terrapage call reported on the
 *  calling thread (what failed and why, e.g. "world.tpk: directory block of tile (2, 0)
 *  fails its checksum" or "rename to world.tpk: No space left on device"), or "" if none.
 *  Like errno: thread-local, not cleared by successful calls, valid until the next
 *  terrapage call on this thread. Never NULL. */
TP_API const char *tp_error_detail(void);

/*! tp__error_set() :
 *  For terrapage's own libraries, not for applications: records a printf-style detail
 *  for tp_error_detail() on this thread, at most 511 bytes: a longer one keeps its start
 *  and its last 320 bytes, joined by "...", so that the cause at the end of "<path>:
 *  <what>: <cause>" survives a long path. @return `result`, so that a failure reads
 *  `return tp__error_set(TP_ERR_IO, "...", ...);`. */
TP_API tp_result tp__error_set(tp_result result, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_RESULT_H */
