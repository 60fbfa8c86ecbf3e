/* pagefile_internal.h — on-disk layout of the page file and the rules the writer and
 * the reader share (writer/writer.c, reader.c, codec.c). formats/FORMAT.md is the
 * authority; the offsets below are its tables, in C. Not installed. */
#ifndef TERRAPAGE_PAGEFILE_INTERNAL_H
#define TERRAPAGE_PAGEFILE_INTERNAL_H

#include <stdint.h>

#include "terrapage/pagefile.h"
#include "tp_bytes.h"

/* PNG-style magic: the high byte catches 7-bit channels, CR LF / LF catch newline
 * translation, ^Z stops a DOS `type`. */
#define TP__MAGIC "\x89TPK\r\n\x1a\n"
#define TP__MAGIC_SIZE 8u

/* Fixed part of the header (format 1.0). Offsets in bytes from the start of the file. */
enum {
    TP__H_MAGIC = 0,
    TP__H_VERSION_MAJOR = 8,       /* u16 */
    TP__H_VERSION_MINOR = 10,      /* u16 */
    TP__H_HEADER_SIZE = 12,        /* u32, includes the trailing checksum */
    TP__H_FILE_SIZE = 16,          /* u64 */
    TP__H_REQUIRED_FLAGS = 24,     /* u32 */
    TP__H_OPTIONAL_FLAGS = 28,     /* u32 */
    TP__H_SEED = 32,               /* u64 */
    TP__H_PARAMS_HASH = 40,        /* u64 */
    TP__H_GENERATOR_VERSION = 48,  /* u32 */
    TP__H_PARAMS_BLOB_SIZE = 52,   /* u32 */
    TP__H_PARAMS_BLOB_OFFSET = 56, /* u64 */
    TP__H_REGION_X0 = 64,          /* i32 */
    TP__H_REGION_Z0 = 68,          /* i32 */
    TP__H_REGION_WIDTH = 72,       /* u32 */
    TP__H_REGION_HEIGHT = 76,      /* u32 */
    TP__H_CHUNK_SIZE_M = 80,       /* f64 */
    TP__H_SAMPLES_PER_EDGE = 88,   /* u32 */
    TP__H_LOD_COUNT = 92,          /* u32 */
    TP__H_HEIGHT_MIN_M = 96,       /* f64 */
    TP__H_HEIGHT_STEP_M = 104,     /* f64 */
    TP__H_LAYER_COUNT = 112,       /* u32 */
    TP__H_LAYER_ENTRY_SIZE = 116,  /* u32 */
    TP__H_LAYER_TABLE_OFFSET = 120,   /* u64 */
    TP__H_SECTION_TABLE_OFFSET = 128, /* u64 */
    TP__H_TILE_SHIFT = 136,        /* u32 */
    TP__H_BOUNDS_SIZE = 140,       /* u32 */
    TP__H_DIR_ENTRY_SIZE = 144,    /* u32 */
    TP__H_SLOTS_PER_CHUNK = 148,   /* u32 */
    TP__H_BLOCK_TABLE_OFFSET = 152, /* u64 */
    TP__H_DIRECTORY_OFFSET = 160,  /* u64 */
    TP__H_DIRECTORY_SIZE = 168,    /* u64 */
    TP__H_DATA_OFFSET = 176,       /* u64 */
    TP__H_DATA_SIZE = 184,         /* u64 */
    TP__H_FIXED_SIZE = 192
};

/* Layer table entry. */
enum {
    TP__L_LAYER_ID = 0, TP__L_ELEM_TYPE = 4, TP__L_LOD_COUNT = 8, TP__L_EDGE_LOD0 = 12,
    TP__L_ENCODING = 16, /* 20 … 31 reserved */
    TP__LAYER_ENTRY_SIZE = 32
};

/* LOD section table entry, indexed by LOD. */
enum { TP__S_OFFSET = 0, TP__S_SIZE = 8, TP__SECTION_ENTRY_SIZE = 16 };

/* Block table entry, one per tile; the table ends with its own XXH3-64. */
enum { TP__B_OFFSET = 0, TP__B_CHECKSUM = 8, TP__BLOCK_ENTRY_SIZE = 16 };

/* Chunk bounds record, at the start of each chunk record of a directory block. */
enum {
    TP__C_HEIGHT_MIN = 0, TP__C_HEIGHT_MAX = 2, TP__C_FLAGS = 4, /* 8 … 15 reserved */
    TP__BOUNDS_SIZE = 16
};

/* Directory entry, one per (layer, LOD) slot of a chunk record. */
enum {
    TP__E_OFFSET = 0, TP__E_CHECKSUM = 8, TP__E_STORED_SIZE = 16, TP__E_RAW_SIZE = 20,
    TP__E_ENCODING = 24, TP__E_AUX = 28,
    TP__DIR_ENTRY_SIZE = 32
};

/* Shard record (format 1.2, FORMAT.md 13.1): the last TP__SHARD_RECORD_SIZE bytes of the
 * header before its checksum, present when optional_flags has TP_FILE_SHARD. */
enum {
    TP__R_RECORD_SIZE = 0, TP__R_SCHEME = 4, TP__R_INDEX = 8, TP__R_COUNT = 12,
    TP__R_TILE_BEGIN = 16, TP__R_TILE_COUNT = 24, TP__R_CHUNK_COUNT = 32, TP__R_LEVEL = 40,
    /* 44 … 63 reserved */
    TP__SHARD_RECORD_SIZE = 64
};
#define TP__SHARD_SCHEME_MORTON_TILES 1u /* FORMAT.md 13.2 */
#define TP__SHARD_MAX_COUNT 65536u
#define TP__SHARD_MINOR 2u /* the format minor that introduced shard records */

#define TP__TILE_SHIFT 4u          /* 16 × 16 chunks per directory block */
#define TP__MAX_TILE_SHIFT 8u
#define TP__MAX_HEADER_SIZE (1u << 20)
#define TP__MAX_PARAMS_BLOB_SIZE 65536u
#define TP__MAX_RECORD_PART_SIZE 256u /* largest bounds or entry size a reader accepts */
#define TP__KNOWN_REQUIRED_FLAGS 0u   /* format 1.0 defines none */

static inline uint64_t tp__round_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) / align * align;
}

/* Where a blob or block of `size` bytes goes when the write position is `pos`: at `pos`
 * if it then touches no more 4 KiB pages than it must (ceil(size / 4096)), else at the
 * next page boundary. Small blobs thus never straddle a boundary, and large ones waste
 * at most the tail of one page instead of always starting a fresh page. */
static inline uint64_t tp__place(uint64_t pos, uint64_t size)
{
    if (size == 0)
        return pos;
    uint64_t pages = (pos + size - 1) / TP_PAGE_ALIGN - pos / TP_PAGE_ALIGN + 1;
    uint64_t need = (size + TP_PAGE_ALIGN - 1) / TP_PAGE_ALIGN;
    return pages > need ? tp__round_up(pos, TP_PAGE_ALIGN) : pos;
}

/* Chunk-region tiles: the edge of tile t along an axis of `extent` chunks. */
static inline uint32_t tp__tile_extent(uint32_t extent, uint32_t shift, uint32_t t)
{
    uint64_t start = (uint64_t)t << shift;
    uint64_t left = extent - start;
    uint64_t full = (uint64_t)1 << shift;
    return (uint32_t)(left < full ? left : full);
}

static inline int tp__is_grid(uint32_t elem_type)
{
    return elem_type == TP_ELEM_U8 || elem_type == TP_ELEM_U16 || elem_type == TP_ELEM_I16;
}

/* Whether `stored` bytes of `encoding` can decode to `raw` bytes (FORMAT.md, section 6):
 * equal for raw blobs, within LZ4's expansion limit (under 255:1) for the LZ4 family, and
 * anything for encodings this library does not know. The writer refuses what the reader
 * would reject, so both ask this. */
static inline int tp__raw_size_possible(uint32_t encoding, uint64_t stored, uint64_t raw)
{
    switch (encoding) {
    case TP_ENCODING_RAW:
        return raw == stored;
    case TP_ENCODING_LZ4:
    case TP_ENCODING_PRED2D_LZ4:
    case TP_ENCODING_SLOPE_BITPLANE_LZ4:
        return raw <= stored * 256u + 64u;
    default:
        return 1;
    }
}

#endif /* TERRAPAGE_PAGEFILE_INTERNAL_H */
