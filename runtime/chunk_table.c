/* chunk_table.c — the table of tracked chunks: hashing, open addressing with
 * backward-shift deletion, the live list and the entry slabs. */
#include <string.h>

#include "alloc.h"
#include "chunk_table.h"

#define SLAB_CHUNKS 256u

static uint32_t chunk_hash(int32_t cx, int32_t cz)
{
    uint64_t k = ((uint64_t)(uint32_t)cx << 32) | (uint32_t)cz;
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdull;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ull;
    k ^= k >> 33;
    return (uint32_t)k;
}

void tp__chunk_table_init(tp__chunk_table *t, const tp_streamer_allocator *mem)
{
    memset(t, 0, sizeof *t);
    t->mem = mem;
}

tp__chunk *tp__chunk_find(const tp__chunk_table *t, int32_t cx, int32_t cz)
{
    if (!t->slots)
        return NULL;
    uint32_t mask = t->slot_count - 1;
    for (uint32_t i = chunk_hash(cx, cz) & mask;; i = (i + 1) & mask) {
        tp__chunk *c = t->slots[i];
        if (!c)
            return NULL;
        if (c->cx == cx && c->cz == cz)
            return c;
    }
}

static void slots_insert(tp__chunk **slots, uint32_t slot_count, tp__chunk *c)
{
    uint32_t mask = slot_count - 1;
    uint32_t i = chunk_hash(c->cx, c->cz) & mask;
    while (slots[i])
        i = (i + 1) & mask;
    slots[i] = c;
}

/* Growth is rare (the table settles at about twice the chunks of a view and its
 * prediction), so steady-state updates allocate nothing here. The table is rehashed,
 * not copied, so this is not tp__grow_array(). */
static int slots_grow(tp__chunk_table *t)
{
    uint32_t count = t->slot_count ? t->slot_count * 2 : 1024;
    tp__chunk **slots = tp__alloc(t->mem, count * sizeof *slots);
    if (!slots)
        return 0;
    memset(slots, 0, count * sizeof *slots);
    for (uint32_t i = 0; i < t->slot_count; i++)
        if (t->slots[i])
            slots_insert(slots, count, t->slots[i]);
    tp__free(t->mem, t->slots, t->slot_count * sizeof *t->slots);
    t->slots = slots;
    t->slot_count = count;
    return 1;
}

static void slots_remove(tp__chunk_table *t, tp__chunk *c)
{
    uint32_t mask = t->slot_count - 1;
    uint32_t i = chunk_hash(c->cx, c->cz) & mask;
    while (t->slots[i] != c)
        i = (i + 1) & mask;
    /* Backward-shift deletion keeps probe chains intact without tombstones. */
    for (uint32_t j = (i + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
        uint32_t home = chunk_hash(t->slots[j]->cx, t->slots[j]->cz) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            t->slots[i] = t->slots[j];
            i = j;
        }
    }
    t->slots[i] = NULL;
}

static tp__chunk *entry_alloc(tp__chunk_table *t)
{
    if (!t->free) {
        void **slabs = tp__grow_array(t->mem, t->slabs, sizeof *slabs, t->slab_count,
                                      t->slab_count + 1, 16, &t->slab_cap);
        if (!slabs)
            return NULL;
        t->slabs = slabs;
        tp__chunk *slab = tp__alloc(t->mem, SLAB_CHUNKS * sizeof *slab);
        if (!slab)
            return NULL;
        t->slabs[t->slab_count++] = slab;
        for (uint32_t i = 0; i < SLAB_CHUNKS; i++) {
            slab[i].fine = (struct tp__block *)t->free; /* free-list link */
            t->free = &slab[i];
        }
    }
    tp__chunk *c = t->free;
    t->free = (tp__chunk *)c->fine;
    return c;
}

tp__chunk *tp__chunk_add(tp__chunk_table *t, int32_t cx, int32_t cz)
{
    if ((uint64_t)(t->live_count + 1) * 2 > t->slot_count && !slots_grow(t))
        return NULL;
    tp__chunk **live = tp__grow_array(t->mem, t->live, sizeof *live, t->live_count,
                                      t->live_count + 1, 512, &t->live_cap);
    if (!live)
        return NULL;
    t->live = live;
    tp__chunk *c = entry_alloc(t);
    if (!c)
        return NULL;
    memset(c, 0, sizeof *c);
    c->cx = cx, c->cz = cz;
    c->live_index = t->live_count;
    t->live[t->live_count++] = c;
    slots_insert(t->slots, t->slot_count, c);
    return c;
}

void tp__chunk_remove(tp__chunk_table *t, tp__chunk *c)
{
    slots_remove(t, c);
    tp__chunk *last = t->live[--t->live_count];
    last->live_index = c->live_index;
    t->live[c->live_index] = last;
    c->fine = (struct tp__block *)t->free;
    t->free = c;
}

void tp__chunk_table_free(tp__chunk_table *t)
{
    for (uint32_t i = 0; i < t->slab_count; i++)
        tp__free(t->mem, t->slabs[i], SLAB_CHUNKS * sizeof(tp__chunk));
    tp__free(t->mem, t->slabs, t->slab_cap * sizeof *t->slabs);
    tp__free(t->mem, t->slots, t->slot_count * sizeof *t->slots);
    tp__free(t->mem, t->live, t->live_cap * sizeof *t->live);
    const tp_streamer_allocator *mem = t->mem;
    tp__chunk_table_init(t, mem);
}
