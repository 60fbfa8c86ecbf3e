/* region.h — a rectangle of chunks, as the tools take it on the command line.
 *
 *   tp_region r = {-32, -32, 32, 32};           // 64 × 64 chunks centred on the origin
 *   for (int64_t cz = r.z0; cz < r.z1; cz++) ...
 *
 * Regions are half-open: chunk x runs over x0 ≤ x < x1 and chunk z over z0 ≤ z < z1,
 * so (x1 − x0) is the width in chunks and adjacent regions tile without overlap.
 * Coordinates are chunk indices (int32, like the generator's); widths are computed in
 * 64 bits so no difference overflows.
 */
#ifndef TP_TOOLS_REGION_H
#define TP_TOOLS_REGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tp_region {
    int32_t x0, z0; /* first chunk, inclusive */
    int32_t x1, z1; /* one past the last chunk */
} tp_region;

/* The default world of the baker and the preview: 64 × 64 chunks centred on the origin. */
#define TP_DEFAULT_REGION ((tp_region){-32, -32, 32, 32})

static inline int64_t tp_region_width(const tp_region *r) { return (int64_t)r->x1 - r->x0; }
static inline int64_t tp_region_height(const tp_region *r) { return (int64_t)r->z1 - r->z0; }

/* True when the region holds at least one chunk. */
static inline bool tp_region_valid(const tp_region *r)
{
    return tp_region_width(r) > 0 && tp_region_height(r) > 0;
}

/* True when `inner` lies entirely inside `outer`. */
static inline bool tp_region_contains(const tp_region *outer, const tp_region *inner)
{
    return inner->x0 >= outer->x0 && inner->x1 <= outer->x1 && inner->z0 >= outer->z0 &&
           inner->z1 <= outer->z1;
}

/* Writes "X0,Z0,X1,Z1" (the command-line form) into buf. */
void tp_region_format(const tp_region *r, char *buf, size_t buf_size);

#endif /* TP_TOOLS_REGION_H */
