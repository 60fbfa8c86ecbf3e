/* reseal.h — the fuzz targets' checksum recomputation ("resealing") of a mutated page
 * file or mesh encoding.
 *
 *   uint8_t *copy = ...;                 // the fuzzer's input, copied
 *   tp_fuzz_reseal_file(copy, size);     // or tp_fuzz_reseal_mesh(copy, size)
 *
 * Random mutations almost never keep an XXH3 checksum valid, so an input fed as it is
 * tests little more than the checksum checks. Resealed — every checksum recomputed as a
 * writer would have written it, wherever the (possibly mutated) fields point inside the
 * buffer — it reaches the header validation, the directory, the blob decoders and the
 * mesh decoder behind them. The input is hostile: every access here is bounds-checked,
 * and the work per input is capped. Offsets are formats/FORMAT.md's (pagefile_internal.h).
 */
#ifndef TP_FUZZ_RESEAL_H
#define TP_FUZZ_RESEAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "pagefile_internal.h"
#include "terrapage/mesh_codec.h"

#define TP_FUZZ_RESEAL_MAX_TILES 4096u
#define TP_FUZZ_RESEAL_MAX_ENTRIES (1u << 20)
#define TP_FUZZ_MESH_CHECKSUM_SEED 0x7470u /* FORMAT.md 12.6 */

static inline int tp_fuzz_inside(uint64_t offset, uint64_t n, uint64_t size)
{
    return offset <= size && n <= size - offset;
}

/* The mesh checksum (FORMAT.md 12.6): the low 32 bits of the XXH3 of everything after
 * the header, seeded with the XXH3 of header bytes 0 … 27. Needs only the header. */
static inline void tp_fuzz_reseal_mesh(uint8_t *m, size_t size)
{
    if (size < TP_MESH_BLOB_HEADER_SIZE)
        return;
    uint64_t seed = XXH3_64bits_withSeed(m, 28, TP_FUZZ_MESH_CHECKSUM_SEED);
    tp__put32(m + 28, (uint32_t)XXH3_64bits_withSeed(m + TP_MESH_BLOB_HEADER_SIZE,
                                                      size - TP_MESH_BLOB_HEADER_SIZE, seed));
}

/* One directory entry's blob: a mesh stored raw (its bytes are the encoding) gets its
 * mesh checksum first, then every blob its XXH3. Compressed meshes keep theirs. */
static inline void tp_fuzz_reseal_blob(uint8_t *f, size_t size, uint8_t *entry)
{
    uint64_t at = tp__le64(entry + TP__E_OFFSET);
    uint32_t n = tp__le32(entry + TP__E_STORED_SIZE);
    if (!n || !tp_fuzz_inside(at, n, size))
        return;
    if (tp__le32(entry + TP__E_ENCODING) == TP_ENCODING_RAW && n >= TP_MESH_BLOB_HEADER_SIZE &&
        memcmp(f + at, "TPMS", 4) == 0)
        tp_fuzz_reseal_mesh(f + at, n);
    tp__put64(entry + TP__E_CHECKSUM, XXH3_64bits(f + at, n));
}

/* Every blob, every directory block, the block table, the parameter hash (FORMAT.md
 * appendix A: the XXH3 of the parameter blob, which the world check compares) and the
 * header, in that order, each over what the one before may have changed. */
static inline void tp_fuzz_reseal_file(uint8_t *f, size_t size)
{
    if (size < TP__H_FIXED_SIZE + 8)
        return;
    uint64_t header = tp__le32(f + TP__H_HEADER_SIZE);
    uint64_t shift = tp__le32(f + TP__H_TILE_SHIFT);
    uint64_t width = tp__le32(f + TP__H_REGION_WIDTH), height = tp__le32(f + TP__H_REGION_HEIGHT);
    uint64_t bounds = tp__le32(f + TP__H_BOUNDS_SIZE), entry = tp__le32(f + TP__H_DIR_ENTRY_SIZE);
    uint64_t slots = tp__le32(f + TP__H_SLOTS_PER_CHUNK);
    uint64_t table = tp__le64(f + TP__H_BLOCK_TABLE_OFFSET);
    if (shift <= TP__MAX_TILE_SHIFT && width && height && entry >= TP__DIR_ENTRY_SIZE &&
        entry <= TP__MAX_RECORD_PART_SIZE && bounds <= TP__MAX_RECORD_PART_SIZE &&
        slots <= 256) {
        uint64_t tile = 1ull << shift;
        uint64_t tiles_x = (width + tile - 1) >> shift, tiles_z = (height + tile - 1) >> shift;
        uint64_t record = bounds + slots * entry;
        uint64_t budget = TP_FUZZ_RESEAL_MAX_ENTRIES;
        if (tiles_x * tiles_z <= TP_FUZZ_RESEAL_MAX_TILES &&
            tp_fuzz_inside(table, tiles_x * tiles_z * TP__BLOCK_ENTRY_SIZE + 8, size)) {
            for (uint64_t t = 0; t < tiles_x * tiles_z; t++) {
                uint8_t *e = f + table + t * TP__BLOCK_ENTRY_SIZE;
                uint64_t tx = t % tiles_x, tz = t / tiles_x;
                uint64_t tw = width - tx * tile < tile ? width - tx * tile : tile;
                uint64_t th = height - tz * tile < tile ? height - tz * tile : tile;
                uint64_t block = tp__le64(e + TP__B_OFFSET), block_size = tw * th * record;
                if (!block || !tp_fuzz_inside(block, block_size, size) ||
                    budget < tw * th * slots)
                    continue;
                budget -= tw * th * slots;
                for (uint64_t c = 0; c < tw * th; c++)
                    for (uint64_t s = 0; s < slots; s++)
                        tp_fuzz_reseal_blob(f, size, f + block + c * record + bounds + s * entry);
                tp__put64(e + TP__B_CHECKSUM, XXH3_64bits(f + block, (size_t)block_size));
            }
            uint64_t n = tiles_x * tiles_z * TP__BLOCK_ENTRY_SIZE;
            tp__put64(f + table + n, XXH3_64bits(f + table, (size_t)n));
        }
    }
    uint64_t params = tp__le64(f + TP__H_PARAMS_BLOB_OFFSET);
    uint64_t params_size = tp__le32(f + TP__H_PARAMS_BLOB_SIZE);
    if (tp_fuzz_inside(params, params_size, size))
        tp__put64(f + TP__H_PARAMS_HASH, XXH3_64bits(f + params, (size_t)params_size));
    if (header >= 8 && header <= size)
        tp__put64(f + header - 8, XXH3_64bits(f, (size_t)header - 8));
}

/* Runs `exercise` on the input as it is, then on a resealed copy when resealing changed
 * anything: the first finds what the checks catch, the second what lies behind them. */
static inline void tp_fuzz_as_is_and_resealed(const uint8_t *data, size_t size,
                                              void (*exercise)(const uint8_t *, size_t),
                                              void (*reseal)(uint8_t *, size_t))
{
    exercise(data, size);
    uint8_t *copy = malloc(size ? size : 1);
    if (!copy)
        return;
    memcpy(copy, data, size);
    reseal(copy, size);
    if (memcmp(copy, data, size) != 0)
        exercise(copy, size);
    free(copy);
}

#endif /* TP_FUZZ_RESEAL_H */
