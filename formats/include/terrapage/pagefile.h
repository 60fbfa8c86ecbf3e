/* terrapage/pagefile.h — the page file (world.tpk): blob codecs and reader.
 *
 * Reading (a game; open once, then find/load from any thread):
 *
 *   tp_reader *r;
 *   if (tp_reader_open("world.tpk", NULL, &r) != TP_OK) ...;   // tp_error_detail() says why
 *   tp_blob_ref ref;
 *   if (tp_reader_find(r, cx, cz, TP_LAYER_HEIGHT, lod, &ref) == TP_OK)
 *       tp_reader_load(r, &ref, heights, sizeof heights,       // exactly ref.raw_size bytes
 *                      scratch, scratch_size);                 // (pread/callback modes)
 *   tp_reader_close(r);
 *
 * Writing is the baker's: terrapage/writer.h (library tp_writer, not part of the game
 * library) declares the writer, which produces what this reader reads.
 *
 * The byte layout is specified in formats/FORMAT.md; this header is the C view of it.
 * Every failure returns a tp_result; tp_error_detail() (terrapage/result.h) then holds a
 * sentence naming what failed, e.g. the file, the tile and the checksum, or errno text.
 * (TP_ERR_NOT_FOUND from a lookup is an answer, not a failure, and sets no detail.)
 */
#ifndef TERRAPAGE_PAGEFILE_H
#define TERRAPAGE_PAGEFILE_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* On-disk format version (independent of the library version). A reader rejects a file
 * whose major differs from its own and reads any minor, ignoring what it does not know
 * wherever FORMAT.md marks a field as ignorable. The writer records the lowest minor
 * whose additions the file uses: 1.2 for a shard of a sharded bake (a shard record),
 * else 1.1 when the file holds a mesh layer, else 1.0. */
#define TP_PAGEFILE_VERSION_MAJOR 1u
#define TP_PAGEFILE_VERSION_MINOR 2u

/* Optional header flags (FORMAT.md 4.1). */
#define TP_FILE_SHARD 0x1u /* format 1.2: the file is one shard of a sharded bake and its
                              header ends with a shard record (FORMAT.md section 13) */

/* Layer ids: X(name, value, text, minor), `minor` being the format minor that introduced
 * the layer (FORMAT.md, section 7). Ids are never reused; new layers get new ids.
 *   TP_LAYER_HEIGHT         u16 height codes, every LOD of the stride pyramid
 *   TP_LAYER_TEMPERATURE    i16 centi-degrees Celsius, LOD 0 only, climate grid
 *   TP_LAYER_PRECIPITATION  u16 millimetres per year, LOD 0 only, climate grid
 *   TP_LAYER_BIOME          u8 biome ids, every LOD
 *   TP_LAYER_MESH           format 1.1: bytes, every LOD, one triangle mesh per
 *                           (chunk, LOD) (terrapage/mesh_codec.h, FORMAT.md "Mesh
 *                           blobs"); aux = its max error, float bits */
#define TP_LAYER_MAP(X)                                                                    \
    X(TP_LAYER_HEIGHT, 0, "height", 0)                                                     \
    X(TP_LAYER_TEMPERATURE, 1, "temperature", 0)                                           \
    X(TP_LAYER_PRECIPITATION, 2, "precipitation", 0)                                       \
    X(TP_LAYER_BIOME, 3, "biome", 0)                                                       \
    X(TP_LAYER_MESH, 4, "mesh", 1)

enum {
#define TP__LAYER_ENUM(name, value, text, minor) name = value,
    TP_LAYER_MAP(TP__LAYER_ENUM)
#undef TP__LAYER_ENUM
};

/* Element type of a layer: X(name, value, text). Grid layers hold edge² elements,
 * row-major, little-endian; TP_ELEM_BYTES is opaque bytes of any length (meshes), with
 * edge 0. */
#define TP_ELEM_TYPE_MAP(X)                                                                \
    X(TP_ELEM_U8, 1, "u8")                                                                 \
    X(TP_ELEM_U16, 2, "u16")                                                               \
    X(TP_ELEM_I16, 3, "i16")                                                               \
    X(TP_ELEM_BYTES, 4, "bytes")

typedef enum tp_elem_type {
#define TP__ELEM_TYPE_ENUM(name, value, text) name = value,
    TP_ELEM_TYPE_MAP(TP__ELEM_TYPE_ENUM)
#undef TP__ELEM_TYPE_ENUM
} tp_elem_type;

/* Blob encodings (the directory records one per blob): X(name, value, text).
 *   TP_ENCODING_RAW                 the raw bytes
 *   TP_ENCODING_LZ4                 one LZ4 block of the raw bytes
 *   TP_ENCODING_PRED2D_LZ4          16-bit grids: planar predictor (left + up − upleft),
 *                                   zig-zag, byte shuffle, LZ4
 *   TP_ENCODING_SLOPE_BITPLANE_LZ4  16-bit grids: left + half the central difference of
 *                                   the row above, zig-zag, bit-plane shuffle, LZ4; the
 *                                   default for heights (smaller, see FORMAT.md) */
#define TP_ENCODING_MAP(X)                                                                 \
    X(TP_ENCODING_RAW, 0, "raw")                                                           \
    X(TP_ENCODING_LZ4, 1, "lz4")                                                           \
    X(TP_ENCODING_PRED2D_LZ4, 2, "pred2d+lz4")                                             \
    X(TP_ENCODING_SLOPE_BITPLANE_LZ4, 3, "slope+bitplane+lz4")

enum {
#define TP__ENCODING_ENUM(name, value, text) name = value,
    TP_ENCODING_MAP(TP__ENCODING_ENUM)
#undef TP__ENCODING_ENUM
};

/*! tp_layer_name() : @return the layer's name from TP_LAYER_MAP ("height", "temperature",
 *  "precipitation", "biome", "mesh"), or NULL for an id this library does not know.
 *  Static text; any thread. */
TP_API const char *tp_layer_name(uint32_t layer_id);

/*! tp_elem_type_name() : @return "u8", "u16", "i16" or "bytes" (TP_ELEM_TYPE_MAP), or
 *  NULL for an unknown type. Static text; any thread. */
TP_API const char *tp_elem_type_name(uint32_t elem_type);

/*! tp_encoding_name() : @return "raw", "lz4", "pred2d+lz4" or "slope+bitplane+lz4"
 *  (TP_ENCODING_MAP), or NULL for an unknown encoding. Static text; any thread. */
TP_API const char *tp_encoding_name(uint32_t encoding);

#define TP_MAX_LAYERS 16u
#define TP_MAX_LODS 16u
#define TP_MAX_EDGE 16385u            /* largest grid edge in samples (2^14 + 1) */
#define TP_PAGE_ALIGN 4096u           /* blobs are placed to touch the fewest such pages */
#define TP_DEFAULT_COMPRESSION_LEVEL 9
#define TP_MAX_COMPRESSION_LEVEL 12 /* LZ4HC's highest; negative levels are fast LZ4 */

/* Chunk flags of the bounds record. Bits not listed here are ignored by readers. */
#define TP_CHUNK_PRESENT 0x1u   /* the chunk was baked (the writer sets it itself) */
#define TP_CHUNK_ALL_OCEAN 0x2u /* every sample is below sea level (caller's judgement) */

/*! tp_lod_edge() : @return samples per edge at `lod` of a grid whose LOD-0 edge is
 *  `edge_lod0`: ((edge_lod0 − 1) >> lod) + 1. */
static inline uint32_t tp_lod_edge(uint32_t edge_lod0, uint32_t lod)
{
    return edge_lod0 ? ((edge_lod0 - 1u) >> lod) + 1u : 0u;
}

/*! tp_is_pow2_plus_one() : @return 1 if `v` is 2^n + 1 for some n ≥ 0 (2, 3, 5, 9, …),
 *  the shape the format requires of grid edges (samples_per_edge), so that every LOD
 *  halves the intervals exactly; else 0. Callers add their own range (the format allows
 *  up to TP_MAX_EDGE; the generator wants 9 … 1025). */
static inline int tp_is_pow2_plus_one(uint32_t v)
{
    uint32_t m = v - 1u;
    return v >= 2u && (m & (m - 1u)) == 0;
}

/*! tp_elem_size() : @return bytes per element of a grid type, 0 for bytes/unknown. */
static inline uint32_t tp_elem_size(uint32_t elem_type)
{
    return elem_type == TP_ELEM_U8 ? 1u
         : (elem_type == TP_ELEM_U16 || elem_type == TP_ELEM_I16) ? 2u : 0u;
}

/* One entry of the layer table. */
typedef struct tp_layer_desc {
    uint32_t layer_id;    /* TP_LAYER_* (unknown ids are carried, never interpreted) */
    uint32_t elem_type;   /* tp_elem_type */
    uint32_t lod_count;   /* LODs stored for this layer, 1 … TP_MAX_LODS; LODs 0 … n−1 */
    uint32_t edge_lod0;   /* grid edge in samples at LOD 0 (1 … TP_MAX_EDGE); 0 for bytes */
    uint32_t encoding;    /* the encoding the baker intends (informative; blobs say theirs) */
    uint32_t reserved[3]; /* must be 0 */
} tp_layer_desc;

/* What the writer records in the header; the reader hands it back. */
typedef struct tp_file_desc {
    uint64_t seed;
    uint64_t params_hash;         /* the generator's hash of params_blob */
    uint32_t generator_version;
    uint32_t params_blob_size;    /* bytes, ≤ 65536 */
    const uint8_t *params_blob;   /* canonical generator parameters, opaque to formats/;
                                     the writer copies it; the reader points into the file */
    int32_t region_x0, region_z0; /* first chunk of the baked region */
    uint32_t region_width;        /* chunks along +x, ≥ 1 */
    uint32_t region_height;       /* chunks along +z, ≥ 1 */
    double chunk_size_m;          /* chunk edge length in metres, finite, > 0 */
    uint32_t samples_per_edge;    /* LOD-0 height samples per chunk edge, 2^n + 1 */
    uint32_t lod_count;           /* LODs of the height pyramid, 1 … TP_MAX_LODS */
    double height_min_m;          /* metres = height_min_m + code · height_step_m */
    double height_step_m;         /* finite, > 0 */
    uint32_t layer_count;         /* 1 … TP_MAX_LAYERS */
    uint32_t version_major;       /* set by the reader; ignored by the writer */
    uint32_t version_minor;       /* set by the reader; ignored by the writer */
    uint32_t shard_count;         /* 0: a whole file. 1 … 65536: the file is shard
                                     shard_index of a bake split into shard_count
                                     (FORMAT.md section 13): it declares the whole
                                     region and stores only that shard's tiles */
    uint32_t shard_index;         /* < shard_count; 0 when shard_count is 0 */
    int32_t shard_level;          /* a shard's compression level (its shard record): a
                                     merge refuses shards of different levels; 0 when
                                     shard_count is 0 */
    uint32_t reserved[2];         /* must be 0 */
    tp_layer_desc layers[TP_MAX_LAYERS];
} tp_file_desc;

/*! tp_file_desc_layer() :
 *  @return the layer-table entry of `layer_id` in `desc`, or NULL if the file has none. */
static inline const tp_layer_desc *tp_file_desc_layer(const tp_file_desc *desc,
                                                      uint32_t layer_id)
{
    for (uint32_t i = 0; i < desc->layer_count && i < TP_MAX_LAYERS; i++)
        if (desc->layers[i].layer_id == layer_id)
            return &desc->layers[i];
    return NULL;
}

/* The per-chunk record a game reads for culling without touching data pages. */
typedef struct tp_chunk_bounds {
    uint16_t height_min_code; /* smallest height code of the chunk at LOD 0 */
    uint16_t height_max_code; /* largest */
    uint32_t flags;           /* TP_CHUNK_* */
} tp_chunk_bounds;

/* ---- Blob codec: stateless, any thread, no shared state --------------------------- */

/*! tp_blob_encode_bound() :
 *  @return the out_capacity that always suffices for tp_blob_encode() of `raw_bytes`
 *  (at least raw_bytes, since incompressible data is stored raw). */
TP_API size_t tp_blob_encode_bound(size_t raw_bytes);

/*! tp_blob_encode() :
 *  Compresses one blob and picks its encoding: TP_ENCODING_SLOPE_BITPLANE_LZ4 for U16/I16
 *  grids,
 *  TP_ENCODING_LZ4 for U8 grids and bytes, and TP_ENCODING_RAW whenever that is not
 *  smaller than the raw bytes. Grids are edge × edge elements, row-major, native-endian
 *  in memory (the stored form is little-endian); raw_bytes must equal edge² · elem size
 *  (edge is ignored for TP_ELEM_BYTES). `level`: 0 → TP_DEFAULT_COMPRESSION_LEVEL,
 *  1 … 12 → LZ4HC level, negative → fast LZ4 with acceleration −level (same format).
 *  Allocates a scratch buffer internally (the baker's side only). Deterministic: the
 *  same input and level give the same bytes.
 *  @return TP_OK with *out_size and *out_encoding set; TP_ERR_INVALID_ARGUMENT for an
 *  unknown type or inconsistent sizes; TP_ERR_BUFFER_TOO_SMALL if out_capacity is below
 *  tp_blob_encode_bound(raw_bytes); TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_blob_encode(uint32_t elem_type, uint32_t edge, const void *raw,
                                size_t raw_bytes, int level, void *out, size_t out_capacity,
                                size_t *out_size, uint32_t *out_encoding);

/*! tp_blob_encode_as() :
 *  As tp_blob_encode() with the encoding chosen by the caller (benchmarks, tools that
 *  compare encodings): TP_ENCODING_RAW, TP_ENCODING_LZ4 for any type, the two filtered
 *  encodings for U16/I16 grids only. *out_encoding is `encoding`, or TP_ENCODING_RAW when
 *  that is not smaller. @return as tp_blob_encode(); TP_ERR_INVALID_ARGUMENT for an
 *  encoding that does not fit the type. */
TP_API tp_result tp_blob_encode_as(uint32_t encoding, uint32_t elem_type, uint32_t edge,
                                   const void *raw, size_t raw_bytes, int level, void *out,
                                   size_t out_capacity, size_t *out_size,
                                   uint32_t *out_encoding);

/*! tp_blob_decode() :
 *  Decodes `stored` into exactly `raw_bytes` bytes at `out` (edge² · elem size for grids).
 *  Never reads outside stored[0, stored_size) nor writes outside out[0, raw_bytes),
 *  whatever the bytes say. Allocates nothing (a small stack buffer only); the fast path
 *  for the runtime's worker threads. Does not check a checksum (tp_reader_decode does).
 *  @return TP_OK; TP_ERR_CORRUPT if the data does not decode to exactly raw_bytes or the
 *  encoding does not fit the element type; TP_ERR_UNSUPPORTED for an unknown encoding or
 *  type; TP_ERR_INVALID_ARGUMENT if raw_bytes does not match edge and type. */
TP_API tp_result tp_blob_decode(uint32_t encoding, uint32_t elem_type, uint32_t edge,
                                const void *stored, size_t stored_size, void *out,
                                size_t raw_bytes);

/*! tp_blob_decode_prefix() :
 *  Decodes only the first `prefix_bytes` of a bytes-layer blob (TP_ENCODING_RAW or
 *  TP_ENCODING_LZ4) whose decoded size is `raw_bytes`, e.g. a mesh blob's header, without
 *  decoding the rest. Never reads outside stored[0, stored_size) nor writes past
 *  out[prefix_bytes). The rest of the blob is not checked.
 *  @return TP_OK; TP_ERR_CORRUPT if the prefix cannot be decoded; TP_ERR_UNSUPPORTED for
 *  another encoding; TP_ERR_INVALID_ARGUMENT if prefix_bytes > raw_bytes. */
TP_API tp_result tp_blob_decode_prefix(uint32_t encoding, const void *stored,
                                       size_t stored_size, size_t raw_bytes, void *out,
                                       size_t prefix_bytes);

/* ---- Reader --------------------------------------------------------------------------
 * Thread rules: open and close on one thread; everything in between may be called from
 * any number of threads at once. Directory blocks are checksummed the first time any
 * thread touches them (lock-free; a block is hashed at most a few times, not per call).
 *
 * I/O modes (tp_reader_options), and what each guarantees:
 *
 *  - mmap (the default, flags 0): the file is mapped read-only and blob bytes are read in
 *    place (tp_reader_blob_bytes() works; tp_reader_load() needs no scratch). The file
 *    must not be truncated or rewritten in place while it is open: touching a page that
 *    is no longer in the file raises SIGBUS, which no check can turn into a result, and
 *    bytes rewritten between a checksum and the decode that follows it go unnoticed.
 *    tp_writer_finish() replaces files by rename, so a re-bake never does either.
 *  - pread (TP_READER_PREAD) and callback (tp_reader_options.read): nothing is mapped.
 *    The header, layer and section tables, parameter blob and block table (16 bytes per
 *    16×16-chunk tile) are read into memory at open; each directory block is read into
 *    memory the reader owns the first time any thread touches it (freed at close) and is
 *    checksummed on the bytes read. Blob bytes are read into the caller's scratch buffer
 *    and checksummed there, the bytes decoded being the bytes hashed. A file truncated
 *    or rewritten under such a reader gives TP_ERR_TRUNCATED, TP_ERR_IO or
 *    TP_ERR_CHECKSUM results, never a signal (a directory block already read keeps
 *    answering from memory: lookups find what the file held when it was first touched).
 *  - memory (tp_reader_open_memory()): as mmap, over the caller's bytes.
 * A game whose files may be patched in place, and any tool, wants pread (the streamer's
 * default, terrapage/runtime.h); mmap suits files that are only ever replaced by rename.
 * In every mode a path that is not a regular file (a FIFO, a directory, a device) is
 * refused by tp_reader_open() with TP_ERR_IO, at once: the open does not block.
 *
 * Memory: the reader keeps one pointer per tile of the region (8 bytes per 256 chunks),
 * plus, in the pread and callback modes, the header, the block table and each directory
 * block touched (about 256 · (16 + 32 · slots) bytes per tile, 100 KiB with 12 slots).
 * Both are bounded by the file: the block table stores 16 bytes per tile. A walk over a
 * large file can give back the blocks it is done with (tp_reader_release_tile()).
 *
 * Walking a file. A region may be declared far larger than what the file stores (a
 * sparse world, or a hostile header over a small file): work that visits "every chunk"
 * should visit the tiles tp_reader_tile() reports present, and the chunks of those, so
 * that its time and memory follow the file rather than the declared region:
 *
 *   tp_tile_grid g;
 *   tp_reader_tile_grid(r, &g);
 *   for (uint64_t t = 0; t < g.tile_count; t++) {
 *       tp_tile_info tile;
 *       if (tp_reader_tile(r, t, &tile) != TP_OK)
 *           continue;                                  // no chunk of it is stored
 *       for (uint32_t z = 0; z < tile.height; z++)
 *           for (uint32_t x = 0; x < tile.width; x++)
 *               ... tp_reader_chunk_bounds(r, tile.cx0 + x, tile.cz0 + z, &b) ...
 *   } */
typedef struct tp_reader tp_reader;

#define TP_READER_VERIFY_DIRECTORY 0x1u /* verify every directory block at open: O(chunks);
                                           in pread/callback modes this reads (and keeps)
                                           the whole directory */
#define TP_READER_PREAD 0x2u            /* read the file with pread() and map nothing */

/* Read callback: copy exactly `size` bytes at byte `offset` of the page file into `dst`
 * and return 0, or return non-zero on any failure (short file, I/O error); the reader
 * then reports TP_ERR_IO. Called from every thread that uses the reader, several at once,
 * so it must be thread-safe; never called after tp_reader_close() returns. */
typedef int (*tp_reader_read_fn)(void *user, uint64_t offset, void *dst, size_t size);

/* Options of tp_reader_open(). Zero-initialise: every 0 field takes its default. */
typedef struct tp_reader_options {
    uint32_t flags;            /* TP_READER_*; 0 → map the file, verify blocks lazily;
                                  unknown bits are refused */
    uint32_t reserved0;        /* must be 0 */
    tp_reader_read_fn read;    /* NULL → read the file at `path` (mmap, or pread with
                                  TP_READER_PREAD); else every byte comes from read(),
                                  nothing is opened, and `path` only names the file in
                                  tp_error_detail() (TP_READER_PREAD is then refused) */
    void *read_user;           /* passed to read() */
    uint64_t file_size;        /* with read: the file's size in bytes; 0 → the size the
                                  header declares (a shorter file then fails with
                                  TP_ERR_IO at the first read past its end instead of
                                  TP_ERR_TRUNCATED at open); must be 0 without read */
    uint32_t reserved[6];      /* must be 0 */
} tp_reader_options;

/*! tp_reader_open() :
 *  Opens `path` in the I/O mode `options` chooses (see above; NULL → defaults), refusing
 *  without blocking a path that is not a regular file, and
 *  validates the magic, version, every size and offset of the header, the header
 *  checksum and the block-table checksum. Cost does not depend on the number of chunks
 *  beyond hashing the block table (16 bytes per 16×16-chunk tile). In pread mode the
 *  file stays open until close; in callback mode `path` is a name only (may be NULL).
 *  @return TP_OK with *out_reader set; TP_ERR_INVALID_ARGUMENT for bad options (unknown
 *  flags, non-zero reserved fields, TP_READER_PREAD with read, file_size without read);
 *  TP_ERR_IO (errno text, a path that is not a regular file — the detail says what it
 *  is, e.g. "is a FIFO, not a regular file" — or a failed read callback), TP_ERR_BAD_MAGIC,
 *  TP_ERR_UNSUPPORTED_VERSION, TP_ERR_UNSUPPORTED (unknown required flag, or a file too
 *  large to map), TP_ERR_TRUNCATED, TP_ERR_CHECKSUM, TP_ERR_CORRUPT,
 *  TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_reader_open(const char *path, const tp_reader_options *options,
                                tp_reader **out_reader);

/*! tp_reader_open_memory() :
 *  As tp_reader_open() over `size` bytes at `data`, which the caller keeps alive and
 *  unchanged until tp_reader_close() (memory mode: blob bytes are read in place). */
TP_API tp_result tp_reader_open_memory(const void *data, size_t size,
                                       tp_reader **out_reader);

/*! tp_reader_close() : unmaps or closes the file and frees everything the reader holds.
 *  Accepts NULL. */
TP_API void tp_reader_close(tp_reader *r);

/*! tp_reader_desc() : @return the file's description, valid until close (params_blob
 *  points into the mapping or the reader's copy of the header; version_major/minor are
 *  the file's). */
TP_API const tp_file_desc *tp_reader_desc(const tp_reader *r);

/*! tp_reader_file_size() : @return the size in bytes the header declares. */
TP_API uint64_t tp_reader_file_size(const tp_reader *r);

/*! tp_reader_is_mapped() : @return 1 if blob bytes are read in place (mmap and memory
 *  modes: tp_reader_blob_bytes() answers and tp_reader_load() ignores its scratch), 0 in
 *  the pread and callback modes. */
TP_API int tp_reader_is_mapped(const tp_reader *r);

/*! tp_reader_lod_section() :
 *  The byte range holding every blob of LOD `lod` (coarse sections come first in the
 *  file, so a runtime can keep the coarsest resident with one read).
 *  @return TP_OK, or TP_ERR_OUT_OF_RANGE if lod ≥ the file's LOD count. */
TP_API tp_result tp_reader_lod_section(const tp_reader *r, uint32_t lod,
                                       uint64_t *out_offset, uint64_t *out_size);

/* How the region is cut into tiles of tile_edge × tile_edge chunks, each tile with at
 * most one directory block (FORMAT.md section 5). */
typedef struct tp_tile_grid {
    uint32_t tile_edge;     /* chunks per tile edge, a power of two (16 as written) */
    uint32_t tiles_x;       /* tiles along +x: ⌈region_width / tile_edge⌉ */
    uint32_t tiles_z;       /* tiles along +z: ⌈region_height / tile_edge⌉ */
    uint32_t reserved0;     /* 0 */
    uint64_t tile_count;    /* tiles_x · tiles_z; tile t is (t % tiles_x, t / tiles_x) */
    uint64_t present_count; /* tiles with a directory block: the only ones holding chunks */
} tp_tile_grid;

/* One tile: the rectangle of chunks it covers. */
typedef struct tp_tile_info {
    int32_t cx0, cz0;       /* its first chunk (the region's origin + tile_edge · (tx, tz)) */
    uint32_t width, height; /* its chunks along +x and +z: tile_edge, or fewer on the
                               region's far edges */
} tp_tile_info;

/*! tp_reader_tile_grid() : fills *out_grid. O(1): the reader counted the present tiles
 *  while it checked the block table at open. Any thread. */
TP_API void tp_reader_tile_grid(const tp_reader *r, tp_tile_grid *out_grid);

/*! tp_reader_tile() :
 *  Describes tile `tile` (0 … tile_count − 1, row-major) and says whether the file stores
 *  any chunk of it. O(1): reads the tile's block-table entry only (the directory block
 *  itself is checked on first touch by the lookups). Any thread.
 *  @return TP_OK, *out_tile set, for a tile with a directory block (its chunks may still
 *  be absent one by one: tp_reader_chunk_bounds() says); TP_ERR_NOT_FOUND, *out_tile
 *  set, for a tile without one (every chunk of it is absent); TP_ERR_OUT_OF_RANGE for
 *  tile ≥ tile_count (*out_tile untouched). Sets no error detail. */
TP_API tp_result tp_reader_tile(const tp_reader *r, uint64_t tile, tp_tile_info *out_tile);

/*! tp_reader_release_tile() :
 *  Forgets tile `tile`'s directory block: in pread and callback modes frees the copy the
 *  lookups keep, so a walk over a large file that is done with a tile can hold its memory
 *  to the tiles in use; the next lookup in the tile reads and checks the block again.
 *  Tiles out of range are ignored. Not thread-safe for that tile: call it only when no
 *  other thread may be looking up a chunk of the tile (tp_blob_ref values already found
 *  stay valid: they are copies). */
TP_API void tp_reader_release_tile(tp_reader *r, uint64_t tile);

/* Where one blob lives, as found in the directory. */
typedef struct tp_blob_ref {
    uint64_t offset;      /* byte offset in the file */
    uint32_t stored_size; /* bytes stored */
    uint32_t raw_size;    /* bytes after decoding */
    uint32_t encoding;    /* TP_ENCODING_* (an unknown one fails at decode) */
    uint32_t aux;         /* the writer's per-blob value */
    uint64_t checksum;    /* XXH3-64 of the stored bytes */
    uint32_t layer_id, lod;
    uint32_t edge;        /* grid edge in samples at this LOD (0 for bytes layers) */
    uint32_t elem_type;   /* tp_elem_type of the layer */
    int32_t cx, cz;
} tp_blob_ref;

/*! tp_reader_find() :
 *  O(1): region check, one block-table entry, one directory entry (the directory block is
 *  read, in pread/callback modes, and checksummed on first touch). Checks that the blob
 *  lies inside its LOD section and that raw_size fits the layer's grid.
 *  @return TP_OK with *out_ref set; TP_ERR_NOT_FOUND for a chunk outside the region, an
 *  absent chunk or blob, or a layer/LOD the file does not store; TP_ERR_CHECKSUM when the
 *  directory block is corrupt (every later call for that block says so again, cheaply);
 *  TP_ERR_CORRUPT for an entry that points outside its section; pread/callback modes
 *  only: TP_ERR_IO or TP_ERR_TRUNCATED when the block cannot be read (tried again by the
 *  next call), TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_reader_find(const tp_reader *r, int32_t cx, int32_t cz, uint32_t layer_id,
                                uint32_t lod, tp_blob_ref *out_ref);

/*! tp_reader_chunk_bounds() :
 *  The bounds record of a present chunk; touches the directory only.
 *  @return TP_OK; TP_ERR_NOT_FOUND for an absent or outside chunk; TP_ERR_CHECKSUM;
 *  pread/callback modes: TP_ERR_IO, TP_ERR_TRUNCATED, TP_ERR_OUT_OF_MEMORY (as find). */
TP_API tp_result tp_reader_chunk_bounds(const tp_reader *r, int32_t cx, int32_t cz,
                                        tp_chunk_bounds *out_bounds);

/*! tp_reader_load() :
 *  The one call that turns a found blob into its raw bytes: gets the stored bytes (in
 *  place in mmap and memory modes; read into `scratch` in pread and callback modes),
 *  checks their XXH3-64 against ref->checksum on those very bytes, then decodes exactly
 *  ref->raw_size bytes into `out`. Allocates nothing, so it suits worker threads.
 *  `scratch` must hold ref->stored_size bytes in pread and callback modes: size it for
 *  the largest stored_size the caller accepts (blobs from tp_blob_encode() never store
 *  more than their raw size); a larger blob is refused, not read. In mmap and memory
 *  modes scratch is ignored (may be NULL).
 *  @return TP_OK; TP_ERR_BUFFER_TOO_SMALL if out_capacity < ref->raw_size or, in
 *  pread/callback modes, scratch_capacity < ref->stored_size; TP_ERR_INVALID_ARGUMENT
 *  for a ref that lies outside the file; TP_ERR_IO, TP_ERR_TRUNCATED (pread/callback
 *  modes: the read failed or the file is now shorter); TP_ERR_CHECKSUM; TP_ERR_CORRUPT;
 *  TP_ERR_UNSUPPORTED (unknown encoding or type). On failure `out` may hold anything. */
TP_API tp_result tp_reader_load(const tp_reader *r, const tp_blob_ref *ref, void *out,
                                size_t out_capacity, void *scratch, size_t scratch_capacity);

/*! tp_reader_load_blobs() :
 *  tp_reader_load() of `count` blobs found by tp_reader_find(), blob i decoded into
 *  outs[i] (out_capacities[i] bytes), with as few reads as their layout allows: in pread
 *  and callback modes, blobs that follow one another in the file (each refs[i + 1]
 *  starting where refs[i] ends, as a bake writes a chunk's blobs at one LOD) are read
 *  into `scratch` with ONE pread or read-callback call; a gap of at most 4 KiB between
 *  two blobs in file order (at LOD 0 a chunk's climate blobs lie between its biomes and
 *  its mesh) is read through when the scratch has room for it beside every blob still
 *  to come, else it starts another read. Each blob is still checked against its own
 *  checksum on the bytes read, then decoded. `scratch` must hold the sum of the
 *  stored_size of all refs in pread and callback modes, plus any gaps it should read
 *  through (ignored, may be NULL, in mmap
 *  and memory modes). Allocates nothing, so it suits worker threads.
 *  @return TP_OK; TP_ERR_BUFFER_TOO_SMALL if an out_capacities[i] < refs[i].raw_size or
 *  the scratch is short (checked before anything is read); otherwise as tp_reader_load()
 *  for the first blob that fails (a read that fails fails every blob it covers). On
 *  failure the outputs may hold anything. */
TP_API tp_result tp_reader_load_blobs(const tp_reader *r, const tp_blob_ref *refs,
                                      uint32_t count, void *const outs[],
                                      const size_t out_capacities[], void *scratch,
                                      size_t scratch_capacity);

/*! tp_reader_load_prefix() :
 *  As tp_reader_load(), the checksum included, but decodes only the first `prefix_bytes`
 *  of a bytes-layer blob (TP_ENCODING_RAW or TP_ENCODING_LZ4; tp_blob_decode_prefix()),
 *  e.g. a mesh blob's header. The rest of the decoded blob is not checked.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT if prefix_bytes > ref->raw_size or the ref lies
 *  outside the file; TP_ERR_BUFFER_TOO_SMALL (scratch, as load); TP_ERR_IO;
 *  TP_ERR_TRUNCATED; TP_ERR_CHECKSUM; TP_ERR_CORRUPT; TP_ERR_UNSUPPORTED for another
 *  encoding. */
TP_API tp_result tp_reader_load_prefix(const tp_reader *r, const tp_blob_ref *ref,
                                       void *out, size_t prefix_bytes, void *scratch,
                                       size_t scratch_capacity);

/*! tp_reader_decode() :
 *  tp_reader_load() for callers without a scratch buffer (tools, tests): in pread and
 *  callback modes it allocates one of ref->stored_size bytes for the call.
 *  @return as tp_reader_load() (never TP_ERR_BUFFER_TOO_SMALL for the scratch), and
 *  TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_reader_decode(const tp_reader *r, const tp_blob_ref *ref, void *out,
                                  size_t out_capacity);

/*! tp_reader_verify_blob() :
 *  Checks the stored bytes against ref->checksum without decoding (the same check as
 *  tp_reader_load(); pread/callback modes read them into a temporary buffer).
 *  @return TP_OK; TP_ERR_CHECKSUM; TP_ERR_INVALID_ARGUMENT for a ref outside the file;
 *  TP_ERR_IO, TP_ERR_TRUNCATED, TP_ERR_OUT_OF_MEMORY (pread/callback modes). */
TP_API tp_result tp_reader_verify_blob(const tp_reader *r, const tp_blob_ref *ref);

/*! tp_reader_blob_bytes() :
 *  @return the stored bytes of a blob found by tp_reader_find() in mmap and memory modes
 *  (ref->stored_size of them, inside the mapping, valid until close; not checksummed:
 *  tp_reader_load() is the checked path); NULL in pread and callback modes, where the
 *  file is not in memory, and for a ref outside the file. */
TP_API const void *tp_reader_blob_bytes(const tp_reader *r, const tp_blob_ref *ref);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_PAGEFILE_H */
