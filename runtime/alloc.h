/* alloc.h — the caller's allocator: every byte the streamer allocates goes through the
 * callbacks of tp_streamer_options.allocator (malloc and free when both are NULL), on
 * the game thread. The workers never allocate. */
#ifndef TP_RUNTIME_ALLOC_H
#define TP_RUNTIME_ALLOC_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/runtime.h"

/* Allocates `size` bytes; NULL when the allocator fails. */
void *tp__alloc(const tp_streamer_allocator *a, size_t size);

/* Frees `p` (NULL is a no-op); `size` is what was asked of tp__alloc(). */
void tp__free(const tp_streamer_allocator *a, void *p, size_t size);

/*! tp__grow_array() :
 *  The one way a growing array of the runtime grows. `items` holds `*cap` elements of
 *  `elem_size` bytes, the first `keep` of them in use. When `need` elements do not fit,
 *  a new array is allocated — `first_cap` elements at first, then twice the capacity
 *  until `need` fits — the kept elements are copied and `items` is freed.
 *  @return the array to use from now on (`items` itself when it is large enough), with
 *  *cap updated; NULL when the allocator fails or the size overflows, in which case
 *  `items` and *cap are unchanged and still valid. */
void *tp__grow_array(const tp_streamer_allocator *a, void *items, size_t elem_size,
                     uint32_t keep, uint32_t need, uint32_t first_cap, uint32_t *cap);

#endif /* TP_RUNTIME_ALLOC_H */
