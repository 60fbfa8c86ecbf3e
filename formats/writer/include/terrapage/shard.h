/* terrapage/shard.h — the order chunks are baked in, and how a sharded bake splits it.
 *
 *   tp_morton_walk walk;                          // every chunk of a 100 × 40 region,
 *   tp_morton_walk_init(&walk, 100, 40, 0, TP_MORTON_KEY_END);   // in the baker's order
 *   uint32_t dx, dz;
 *   while (tp_morton_walk_next(&walk, &dx, &dz)) ...;
 *
 *   tp_shard_range range;                         // shard 2 of 8 of the same region
 *   tp_shard_range_of(100, 40, 2, 8, &range);
 *   tp_morton_walk_init(&walk, 100, 40, range.key_begin, range.key_end);
 *
 * The baker hands chunks to the writer in Morton (Z) order of their offsets (dx, dz) from
 * the region's corner (FORMAT.md 5.5). A 16 × 16 tile's chunks share the high bits of
 * their keys, so that order visits the region tile by tile, tiles themselves in Morton
 * order. A shard of a sharded bake is a run of whole tiles of that order (FORMAT.md,
 * section 13): each shard's blobs are then a contiguous run of a single-process bake's,
 * which is what lets a merge reproduce that bake byte for byte.
 *
 * Part of tp_writer (tool-time). Stateless or caller-owned state: any thread.
 */
#ifndef TERRAPAGE_SHARD_H
#define TERRAPAGE_SHARD_H

#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most shards one bake may be split into. */
#define TP_SHARD_MAX_COUNT 65536u

/* An end key past every key of any region (regions are at most 2^32 − 1 chunks wide). */
#define TP_MORTON_KEY_END UINT64_MAX

/*! tp_morton_key() : @return the Morton key of (x, z): bit b of x becomes bit 2b of the
 *  key, bit b of z bit 2b + 1. */
TP_API uint64_t tp_morton_key(uint32_t x, uint32_t z);

/* A walk over the cells of a width × height rectangle in ascending Morton key, limited to
 * keys in [key, end). Caller-owned; no allocation. Blocks of keys that lie wholly
 * outside the rectangle are skipped at once, so a walk costs about what it visits, also
 * for long thin regions. */
typedef struct tp_morton_walk {
    uint32_t width, height;
    uint64_t key; /* the next key to consider */
    uint64_t end; /* exclusive */
    int done;
} tp_morton_walk;

/*! tp_morton_walk_init() : starts a walk of the cells of the rectangle whose keys lie in
 *  [key_begin, key_end) (TP_MORTON_KEY_END: to the end). */
TP_API void tp_morton_walk_init(tp_morton_walk *walk, uint32_t width, uint32_t height,
                                uint64_t key_begin, uint64_t key_end);

/*! tp_morton_walk_next() : @return 1 with the next cell in *out_x, *out_z, or 0 when the
 *  walk is over. */
TP_API int tp_morton_walk_next(tp_morton_walk *walk, uint32_t *out_x, uint32_t *out_z);

/* One shard's share of a region (FORMAT.md 13.2). */
typedef struct tp_shard_range {
    uint64_t key_begin, key_end; /* chunk Morton keys [begin, end) of its chunks; equal
                                    (0, 0) for a shard without tiles */
    uint64_t tile_begin;         /* rank of its first tile in the tiles' Morton order */
    uint64_t tile_count;         /* its tiles (0 when the shard count exceeds the tiles) */
    uint64_t chunk_count;        /* its chunks */
} tp_shard_range;

/*! tp_shard_ranges() :
 *  The shares of all `count` shards of a width × height-chunk region, into out[0 … count):
 *  the region's tiles in Morton order, tile j (with S_j chunks in the tiles before it, of
 *  C in all) going to shard ⌊S_j · count / C⌋. So every shard holds whole tiles, a
 *  contiguous run of them, and C / count chunks give or take one tile. O(tiles + count)
 *  time, no allocation.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for an empty region or a count outside
 *  1 … TP_SHARD_MAX_COUNT. */
TP_API tp_result tp_shard_ranges(uint32_t width, uint32_t height, uint32_t count,
                                 tp_shard_range *out);

/*! tp_shard_range_of() : tp_shard_ranges() for one shard, `index` < `count`, without an
 *  array. @return as tp_shard_ranges(), and TP_ERR_INVALID_ARGUMENT for index ≥ count. */
TP_API tp_result tp_shard_range_of(uint32_t width, uint32_t height, uint32_t index,
                                   uint32_t count, tp_shard_range *out);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_SHARD_H */
