/* pagefile_internal.h — on-disk layout of the page file and little-endian helpers,
 * shared by writer.c and reader.c. formats/FORMAT.md is the authority; the offsets
 * below are its tables, in C. */
#ifndef TERRAPAGE_PAGEFILE_INTERNAL_H
#define TERRAPAGE_PAGEFILE_INTERNAL_H

#include <stdint.h>
#include <string.h>

#include "terrapage/pagefile.h"

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

#define TP__TILE_SHIFT 4u          /* 16 × 16 chunks per directory block */
#define TP__MAX_TILE_SHIFT 8u
#define TP__MAX_HEADER_SIZE (1u << 20)
#define TP__MAX_PARAMS_BLOB_SIZE 65536u
#define TP__MAX_RECORD_PART_SIZE 256u /* largest bounds or entry size a reader accepts */
#define TP__KNOWN_REQUIRED_FLAGS 0u   /* format 1.0 defines none */

/* Little-endian access through bytes: no alignment or aliasing assumptions, and the
 * compilers turn these into single loads/stores on little-endian targets. */
static inline uint16_t tp__le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}
static inline uint32_t tp__le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) |
           ((uint32_t)p[3] << 24);
}
static inline uint64_t tp__le64(const uint8_t *p)
{
    return (uint64_t)tp__le32(p) | ((uint64_t)tp__le32(p + 4) << 32);
}
static inline double tp__lef64(const uint8_t *p)
{
    uint64_t bits = tp__le64(p);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}
static inline void tp__put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void tp__put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}
static inline void tp__put64(uint8_t *p, uint64_t v)
{
    tp__put32(p, (uint32_t)v);
    tp__put32(p + 4, (uint32_t)(v >> 32));
}
static inline void tp__putf64(uint8_t *p, double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    tp__put64(p, bits);
}

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

#endif /* TERRAPAGE_PAGEFILE_INTERNAL_H */
