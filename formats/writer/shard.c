/* shard.c — the baker's chunk order (Morton walks) and the shares of a sharded bake.
 *
 * Both are specified in FORMAT.md (5.5 and 13.2): a merge tool written from the text
 * must find the same shares, so everything here is integer arithmetic on the region's
 * size alone. */
#include "terrapage/shard.h"

#include <assert.h>
#include <stddef.h>

#include "pagefile_internal.h"

_Static_assert(TP_SHARD_MAX_COUNT == TP__SHARD_MAX_COUNT, "one shard limit");

/* Bits of a chunk key below its tile's key: a tile is 2^TP__TILE_SHIFT chunks square. */
#define TILE_KEY_BITS (2u * TP__TILE_SHIFT)

static uint64_t spread_bits(uint32_t v)
{
    uint64_t x = v;
    x = (x | (x << 16)) & 0x0000FFFF0000FFFFull;
    x = (x | (x << 8)) & 0x00FF00FF00FF00FFull;
    x = (x | (x << 4)) & 0x0F0F0F0F0F0F0F0Full;
    x = (x | (x << 2)) & 0x3333333333333333ull;
    x = (x | (x << 1)) & 0x5555555555555555ull;
    return x;
}

static uint32_t compact_bits(uint64_t x)
{
    x &= 0x5555555555555555ull;
    x = (x | (x >> 1)) & 0x3333333333333333ull;
    x = (x | (x >> 2)) & 0x0F0F0F0F0F0F0F0Full;
    x = (x | (x >> 4)) & 0x00FF00FF00FF00FFull;
    x = (x | (x >> 8)) & 0x0000FFFF0000FFFFull;
    x = (x | (x >> 16)) & 0x00000000FFFFFFFFull;
    return (uint32_t)x;
}

uint64_t tp_morton_key(uint32_t x, uint32_t z) { return spread_bits(x) | (spread_bits(z) << 1); }

void tp_morton_walk_init(tp_morton_walk *walk, uint32_t width, uint32_t height,
                         uint64_t key_begin, uint64_t key_end)
{
    assert(walk);
    walk->width = width;
    walk->height = height;
    walk->key = key_begin;
    walk->end = key_end;
    walk->done = width == 0 || height == 0 || key_begin >= key_end;
}

int tp_morton_walk_next(tp_morton_walk *walk, uint32_t *out_x, uint32_t *out_z)
{
    while (!walk->done && walk->key < walk->end) {
        uint64_t key = walk->key;
        uint32_t x = compact_bits(key), z = compact_bits(key >> 1);
        if (x < walk->width && z < walk->height) {
            *out_x = x;
            *out_z = z;
            if (key == UINT64_MAX)
                walk->done = 1;
            else
                walk->key = key + 1;
            return 1;
        }
        /* The rectangle starts at (0, 0), so an aligned block of keys lies wholly
         * outside it exactly when its smallest corner does: skip the largest such block
         * around this key. */
        unsigned level = 0;
        while (level < 31) {
            uint32_t mask = ~((1u << (level + 1)) - 1u);
            if ((x & mask) < walk->width && (z & mask) < walk->height)
                break;
            level++;
        }
        uint64_t block = ((uint64_t)1 << (2 * level)) - 1u;
        if ((key | block) == UINT64_MAX)
            walk->done = 1;
        else
            walk->key = (key | block) + 1;
    }
    walk->done = 1;
    return 0;
}

static tp_result check_region(uint32_t width, uint32_t height, uint32_t count)
{
    if (width == 0 || height == 0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "shards of an empty region");
    if (count == 0 || count > TP_SHARD_MAX_COUNT)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%u shards: the count must be 1 … %u",
                             count, TP_SHARD_MAX_COUNT);
    return TP_OK;
}

/* Walks the tiles in Morton order and hands each, with its owner, to `visit`. */
typedef void (*tile_visit)(void *user, uint32_t owner, uint64_t rank, uint64_t tile_key,
                           uint64_t chunks);

static void walk_tiles(uint32_t width, uint32_t height, uint32_t count, tile_visit visit,
                       void *user)
{
    uint64_t tile = 1u << TP__TILE_SHIFT;
    uint32_t tiles_x = (uint32_t)(((uint64_t)width + tile - 1) >> TP__TILE_SHIFT);
    uint32_t tiles_z = (uint32_t)(((uint64_t)height + tile - 1) >> TP__TILE_SHIFT);
    /* Chunks before a tile times the shard count can pass 2^64 for huge regions. */
    unsigned __int128 total = (unsigned __int128)width * height, before = 0;
    tp_morton_walk walk;
    tp_morton_walk_init(&walk, tiles_x, tiles_z, 0, TP_MORTON_KEY_END);
    uint32_t tx, tz;
    for (uint64_t rank = 0; tp_morton_walk_next(&walk, &tx, &tz); rank++) {
        uint64_t chunks = (uint64_t)tp__tile_extent(width, TP__TILE_SHIFT, tx) *
                          tp__tile_extent(height, TP__TILE_SHIFT, tz);
        uint32_t owner = (uint32_t)(before * count / total);
        visit(user, owner, rank, tp_morton_key(tx, tz), chunks);
        before += chunks;
    }
}

static void add_tile(tp_shard_range *s, uint64_t rank, uint64_t tile_key, uint64_t chunks)
{
    if (s->tile_count == 0) {
        s->tile_begin = rank;
        s->key_begin = tile_key << TILE_KEY_BITS;
    }
    s->tile_count++;
    s->chunk_count += chunks;
    /* Tile keys stay below 2^56 (tiles per axis < 2^28); the last one's end is the end. */
    uint64_t next = tile_key + 1;
    s->key_end = next >> (64 - TILE_KEY_BITS) ? TP_MORTON_KEY_END : next << TILE_KEY_BITS;
}

static void visit_all(void *user, uint32_t owner, uint64_t rank, uint64_t tile_key,
                      uint64_t chunks)
{
    add_tile((tp_shard_range *)user + owner, rank, tile_key, chunks);
}

tp_result tp_shard_ranges(uint32_t width, uint32_t height, uint32_t count, tp_shard_range *out)
{
    tp_result r = check_region(width, height, count);
    if (r != TP_OK)
        return r;
    for (uint32_t i = 0; i < count; i++)
        out[i] = (tp_shard_range){0};
    walk_tiles(width, height, count, visit_all, out);
    return TP_OK;
}

typedef struct one_shard {
    uint32_t index;
    tp_shard_range *range;
} one_shard;

static void visit_one(void *user, uint32_t owner, uint64_t rank, uint64_t tile_key,
                      uint64_t chunks)
{
    one_shard *o = user;
    if (owner == o->index)
        add_tile(o->range, rank, tile_key, chunks);
}

tp_result tp_shard_range_of(uint32_t width, uint32_t height, uint32_t index, uint32_t count,
                            tp_shard_range *out)
{
    tp_result r = check_region(width, height, count);
    if (r != TP_OK)
        return r;
    if (index >= count)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "shard %u of %u: the index must be "
                             "below the count", index, count);
    *out = (tp_shard_range){0};
    one_shard o = {index, out};
    walk_tiles(width, height, count, visit_one, &o);
    return TP_OK;
}
