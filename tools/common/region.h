/* region.h — a rectangle of chunks, as the tools take it on the command line.
 *
 *   tpt_region r = {-32, -32, 32, 32};           // 64 × 64 chunks centred on the origin
 *   for (int64_t cz = r.z0; cz < r.z1; cz++) ...      // 64-bit: z1 may be 2^31
 *
 * Regions are half-open: chunk x runs over x0 ≤ x < x1 and chunk z over z0 ≤ z < z1,
 * so (x1 − x0) is the width in chunks and adjacent regions tile without overlap.
 * Coordinates are chunk indices (int32, like the generator's); the ends are 64-bit, since
 * one past the last chunk is 2^31 for a region whose last chunk is INT32_MAX (a page
 * file's header may declare one), and widths are computed in 64 bits so no difference
 * overflows. Walk a region with 64-bit counters: an int32 one wraps at its end.
 */
#ifndef TPT_REGION_H
#define TPT_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "terrapage/baker.h"

typedef struct tpt_region {
    int32_t x0, z0; /* first chunk, inclusive */
    int64_t x1, z1; /* one past the last chunk: at most INT32_MAX + 1 */
} tpt_region;

/* The default region of the baker (its one home: TP_BAKE_DEFAULT_REGION_EDGE), which the
 * preview shares: 64 × 64 chunks centred on the origin. */
#define TPT_DEFAULT_REGION_HALF ((int32_t)(TP_BAKE_DEFAULT_REGION_EDGE / 2u))
#define TPT_DEFAULT_REGION                                                                 \
    ((tpt_region){-TPT_DEFAULT_REGION_HALF, -TPT_DEFAULT_REGION_HALF, TPT_DEFAULT_REGION_HALF, \
                  TPT_DEFAULT_REGION_HALF})

static inline int64_t tpt_region_width(const tpt_region *r) { return (int64_t)r->x1 - r->x0; }
static inline int64_t tpt_region_height(const tpt_region *r) { return (int64_t)r->z1 - r->z0; }

/* True when the region holds at least one chunk. */
static inline bool tpt_region_valid(const tpt_region *r)
{
    return tpt_region_width(r) > 0 && tpt_region_height(r) > 0;
}

/* True when `inner` lies entirely inside `outer`. */
static inline bool tpt_region_contains(const tpt_region *outer, const tpt_region *inner)
{
    return inner->x0 >= outer->x0 && inner->x1 <= outer->x1 && inner->z0 >= outer->z0 &&
           inner->z1 <= outer->z1;
}

/* Writes "X0,Z0,X1,Z1" (the command-line form) into buf. */
void tpt_region_format(const tpt_region *r, char *buf, size_t buf_size);

#endif /* TPT_REGION_H */
