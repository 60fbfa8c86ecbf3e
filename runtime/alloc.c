/* alloc.c — the caller's allocator callbacks, and growth by doubling for every array
 * the runtime grows (chunk table lists, requests, victims, arena slabs). Growth is rare:
 * each array settles at the size the view and its prediction need, so steady-state
 * updates allocate nothing. */
#include <stdlib.h>
#include <string.h>

#include "alloc.h"

void *tp__alloc(const tp_streamer_allocator *a, size_t size)
{
    if (a->alloc)
        return a->alloc(a->user, size);
    return malloc(size);
}

void tp__free(const tp_streamer_allocator *a, void *p, size_t size)
{
    if (!p)
        return;
    if (a->free)
        a->free(a->user, p, size);
    else
        free(p);
}

void *tp__grow_array(const tp_streamer_allocator *a, void *items, size_t elem_size,
                     uint32_t keep, uint32_t need, uint32_t first_cap, uint32_t *cap)
{
    if (need <= *cap)
        return items;
    uint32_t grown = *cap ? *cap : first_cap;
    while (grown < need) {
        if (grown > UINT32_MAX / 2)
            return NULL;
        grown *= 2;
    }
    if (grown > SIZE_MAX / elem_size)
        return NULL;
    void *p = tp__alloc(a, grown * elem_size);
    if (!p)
        return NULL;
    if (keep)
        memcpy(p, items, keep * elem_size);
    tp__free(a, items, *cap * elem_size);
    *cap = grown;
    return p;
}
