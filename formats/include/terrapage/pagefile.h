/* terrapage/pagefile.h — the page file (world.tpk): blob codecs, writer and reader.
 *
 * Writing (the baker; one thread calls the writer, any number may encode):
 *
 *   tp_file_desc desc = {0};
 *   desc.seed = 42; desc.params_hash = ...; desc.params_blob = blob; ...
 *   desc.layers[0] = (tp_layer_desc){ TP_LAYER_HEIGHT, TP_ELEM_U16, 5, 129,
 *                                     TP_ENCODING_SLOPE_BITPLANE_LZ4 };
 *   tp_writer *w;
 *   if (tp_writer_create("world.tpk", &desc, &w) != TP_OK) ...;   // tp_error_detail() says why
 *   // for each chunk in Morton order, for each layer and LOD:
 *   size_t cap = tp_blob_encode_bound(raw_bytes), size; uint32_t enc;
 *   tp_blob_encode(TP_ELEM_U16, 129, heights, raw_bytes, 9, buf, cap, &size, &enc);
 *   tp_writer_add_blob(w, cx, cz, TP_LAYER_HEIGHT, 0, enc, buf, size, raw_bytes, 0);
 *   tp_writer_set_chunk_bounds(w, cx, cz, &bounds);
 *   r = tp_writer_finish(w);        // or tp_writer_abort(w): the old world.tpk stays
 *
 * Reading (a game; open once, then find/decode from any thread):
 *
 *   tp_reader *r;
 *   if (tp_reader_open("world.tpk", NULL, &r) != TP_OK) ...;
 *   tp_blob_ref ref;
 *   if (tp_reader_find(r, cx, cz, TP_LAYER_HEIGHT, lod, &ref) == TP_OK)
 *       tp_reader_decode(r, &ref, heights, sizeof heights);   // exactly ref.raw_size bytes
 *   tp_reader_close(r);
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
 * whose additions the file uses: 1.1 only when it holds a mesh layer, else 1.0. */
#define TP_PAGEFILE_VERSION_MAJOR 1u
#define TP_PAGEFILE_VERSION_MINOR 1u

/* Layer ids of format 1.0. Ids are never reused; new layers (meshes) get new ids. */
enum {
    TP_LAYER_HEIGHT = 0,        /* u16 height codes, every LOD of the stride pyramid */
    TP_LAYER_TEMPERATURE = 1,   /* i16 centi-degrees Celsius, LOD 0 only, climate grid */
    TP_LAYER_PRECIPITATION = 2, /* u16 millimetres per year, LOD 0 only, climate grid */
    TP_LAYER_BIOME = 3,         /* u8 biome ids, every LOD */
    TP_LAYER_MESH = 4           /* format 1.1: bytes, every LOD, one triangle mesh per
                                   (chunk, LOD) (terrapage/mesh_codec.h, FORMAT.md
                                   "Mesh blobs"); aux = its max error, float bits */
};

/* Element type of a layer. Grid layers hold edge² elements, row-major, little-endian. */
typedef enum tp_elem_type {
    TP_ELEM_U8 = 1,
    TP_ELEM_U16 = 2,
    TP_ELEM_I16 = 3,
    TP_ELEM_BYTES = 4 /* opaque bytes of any length (meshes, later); edge is 0 */
} tp_elem_type;

/* Blob encodings (the directory records one per blob). */
enum {
    TP_ENCODING_RAW = 0,        /* the raw bytes */
    TP_ENCODING_LZ4 = 1,        /* one LZ4 block of the raw bytes */
    TP_ENCODING_PRED2D_LZ4 = 2, /* 16-bit grids: planar predictor (left + up − upleft),
                                   zig-zag, byte shuffle, LZ4 */
    TP_ENCODING_SLOPE_BITPLANE_LZ4 = 3 /* 16-bit grids: left + half the central difference
                                          of the row above, zig-zag, bit-plane shuffle, LZ4;
                                          the default for heights (smaller, see FORMAT.md) */
};

#define TP_MAX_LAYERS 16u
#define TP_MAX_LODS 16u
#define TP_MAX_EDGE 16385u            /* largest grid edge in samples (2^14 + 1) */
#define TP_PAGE_ALIGN 4096u           /* blobs are placed to touch the fewest such pages */
#define TP_DEFAULT_COMPRESSION_LEVEL 9

/* Chunk flags of the bounds record. Bits not listed here are ignored by readers. */
#define TP_CHUNK_PRESENT 0x1u   /* the chunk was baked (the writer sets it itself) */
#define TP_CHUNK_ALL_OCEAN 0x2u /* every sample is below sea level (caller's judgement) */

/*! tp_lod_edge() : @return samples per edge at `lod` of a grid whose LOD-0 edge is
 *  `edge_lod0`: ((edge_lod0 − 1) >> lod) + 1. */
static inline uint32_t tp_lod_edge(uint32_t edge_lod0, uint32_t lod)
{
    return edge_lod0 ? ((edge_lod0 - 1u) >> lod) + 1u : 0u;
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
    uint32_t reserved[5];         /* must be 0 */
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

/* ---- Writer --------------------------------------------------------------------------
 * The writer is the baker's (library tp_writer); the runtime library a game links,
 * libterrapage, carries the reader and the codecs but not these functions.
 * One thread drives a writer (calls are not synchronised). Encoding may run on many
 * threads; hand the results to the writer in a fixed order.
 *
 * Ordering contract: inside each LOD section, blobs appear in the order of the
 * tp_writer_add_blob() calls, and the file is byte-identical for the same sequence of
 * calls (with the same arguments), whatever the thread count or timing of the caller. The
 * baker adds chunks in Morton (Z) order of (cx − x0, cz − z0), all layers and LODs of a
 * chunk together, so that neighbouring chunks share pages.
 *
 * Durability: a file already at `path` is untouched until tp_writer_finish() succeeds,
 * and no temporary file remains after any failure or tp_writer_abort(). Until finish, the
 * data lives in nameless temporary files in the destination's directory, which vanish
 * even if the process is killed; finish writes "<path>.tmp-<pid>-<n>", fsyncs it and
 * renames it into place (a caller that must survive SIGINT there can block the signal
 * around the call). Space: the directory is kept in memory, about 16 + 32 · slots bytes
 * per chunk of every 16×16 tile touched (400 B with 12 slots); the disk needs about twice
 * the final size during finish. */
typedef struct tp_writer tp_writer;

/*! tp_writer_create() :
 *  Validates `desc` (copied, params blob included) and creates the writer's temporary
 *  files in the directory of `path`.
 *  @return TP_OK with *out_writer set; TP_ERR_INVALID_ARGUMENT for a bad desc;
 *  TP_ERR_IO (with errno text in tp_error_detail()) if the directory is not writable. */
TP_API tp_result tp_writer_create(const char *path, const tp_file_desc *desc,
                                  tp_writer **out_writer);

/*! tp_writer_add_blob() :
 *  Appends one stored blob for (chunk, layer, LOD); the bytes are copied out before the
 *  call returns. raw_size is the decoded size (edge² · elem size for grid layers), aux
 *  a free 32-bit value kept in the directory (0 for now). Marks the chunk present.
 *  @return TP_OK; TP_ERR_OUT_OF_RANGE for a chunk outside the region or an LOD the layer
 *  does not store; TP_ERR_NOT_FOUND for a layer not in the desc; TP_ERR_INVALID_ARGUMENT
 *  for a slot added twice, an empty blob, inconsistent sizes or an encoding that does not
 *  fit the layer (anything a reader would refuse); TP_ERR_IO. On failure the
 *  writer stays usable (an I/O failure makes finish fail). */
TP_API tp_result tp_writer_add_blob(tp_writer *w, int32_t cx, int32_t cz, uint32_t layer_id,
                                    uint32_t lod, uint32_t encoding, const void *stored,
                                    size_t stored_size, size_t raw_size, uint32_t aux);

/*! tp_writer_set_chunk_bounds() :
 *  Records the bounds record of a chunk (TP_CHUNK_PRESENT is added to the flags).
 *  A chunk without one gets {0, 0, TP_CHUNK_PRESENT} once it has a blob.
 *  @return TP_OK or TP_ERR_OUT_OF_RANGE for a chunk outside the region. */
TP_API tp_result tp_writer_set_chunk_bounds(tp_writer *w, int32_t cx, int32_t cz,
                                            const tp_chunk_bounds *bounds);

/*! tp_writer_finish() :
 *  Writes the header and directory, assembles the LOD sections coarsest first, fsyncs,
 *  renames over `path` and fsyncs the directory. Frees `w` in all cases.
 *  @return TP_OK; TP_ERR_IO (e.g. "No space left on device" in tp_error_detail()), with
 *  the previous file at `path` untouched and the temporary removed; or the first error
 *  an earlier I/O failure recorded. */
TP_API tp_result tp_writer_finish(tp_writer *w);

/*! tp_writer_abort() : removes the temporary file and frees `w`. Accepts NULL. */
TP_API void tp_writer_abort(tp_writer *w);

/* ---- Reader --------------------------------------------------------------------------
 * Thread rules: open and close on one thread; everything in between may be called from
 * any number of threads at once. Directory blocks are checksummed the first time any
 * thread touches them (lock-free; a block is hashed at most a few times, not per call).
 * The file must not be truncated or rewritten while it is mapped (the OS would fault);
 * tp_writer_finish() replaces files by rename, so a re-bake never does that. */
typedef struct tp_reader tp_reader;

#define TP_READER_VERIFY_DIRECTORY 0x1u /* verify every directory block at open: O(chunks) */

typedef struct tp_reader_options {
    uint32_t flags;        /* TP_READER_*; 0 → map the file, verify blocks lazily;
                              unknown bits are refused */
    uint32_t reserved[8];  /* must be 0 (room for I/O callbacks and a pread path) */
} tp_reader_options;

/*! tp_reader_open() :
 *  Maps `path` read-only and validates the magic, version, every size and offset of the
 *  header, the header checksum and the block-table checksum. Cost does not depend on
 *  the number of chunks beyond hashing the block table (16 bytes per 16×16-chunk tile).
 *  `options` may be NULL.
 *  @return TP_OK with *out_reader set; TP_ERR_INVALID_ARGUMENT for bad options;
 *  TP_ERR_IO, TP_ERR_BAD_MAGIC,
 *  TP_ERR_UNSUPPORTED_VERSION, TP_ERR_UNSUPPORTED (unknown required flag),
 *  TP_ERR_TRUNCATED, TP_ERR_CHECKSUM, TP_ERR_CORRUPT, TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_reader_open(const char *path, const tp_reader_options *options,
                                tp_reader **out_reader);

/*! tp_reader_open_memory() :
 *  As tp_reader_open() over `size` bytes at `data`, which the caller keeps alive and
 *  unchanged until tp_reader_close(). */
TP_API tp_result tp_reader_open_memory(const void *data, size_t size,
                                       tp_reader **out_reader);

/*! tp_reader_close() : unmaps and frees. Accepts NULL. */
TP_API void tp_reader_close(tp_reader *r);

/*! tp_reader_desc() : @return the file's description, valid until close (params_blob
 *  points into the mapping; version_major/minor are the file's). */
TP_API const tp_file_desc *tp_reader_desc(const tp_reader *r);

/*! tp_reader_file_size() : @return the size in bytes the header declares. */
TP_API uint64_t tp_reader_file_size(const tp_reader *r);

/*! tp_reader_lod_section() :
 *  The byte range holding every blob of LOD `lod` (coarse sections come first in the
 *  file, so a runtime can keep the coarsest resident with one read).
 *  @return TP_OK, or TP_ERR_OUT_OF_RANGE if lod ≥ the file's LOD count. */
TP_API tp_result tp_reader_lod_section(const tp_reader *r, uint32_t lod,
                                       uint64_t *out_offset, uint64_t *out_size);

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
 *  checksummed on first touch). Checks that the blob lies inside its LOD section and
 *  that raw_size fits the layer's grid.
 *  @return TP_OK with *out_ref set; TP_ERR_NOT_FOUND for a chunk outside the region, an
 *  absent chunk or blob, or a layer/LOD the file does not store; TP_ERR_CHECKSUM when the
 *  directory block is corrupt (every later call for that block says so again, cheaply);
 *  TP_ERR_CORRUPT for an entry that points outside its section. */
TP_API tp_result tp_reader_find(const tp_reader *r, int32_t cx, int32_t cz, uint32_t layer_id,
                                uint32_t lod, tp_blob_ref *out_ref);

/*! tp_reader_chunk_bounds() :
 *  The bounds record of a present chunk; touches the directory only.
 *  @return TP_OK; TP_ERR_NOT_FOUND for an absent or outside chunk; TP_ERR_CHECKSUM. */
TP_API tp_result tp_reader_chunk_bounds(const tp_reader *r, int32_t cx, int32_t cz,
                                        tp_chunk_bounds *out_bounds);

/*! tp_reader_blob_bytes() :
 *  @return the stored bytes of a blob found by tp_reader_find() (ref->stored_size of them,
 *  inside the mapping, valid until close; not yet checksummed). */
TP_API const void *tp_reader_blob_bytes(const tp_reader *r, const tp_blob_ref *ref);

/*! tp_reader_verify_blob() :
 *  @return TP_OK if the stored bytes hash to ref->checksum, else TP_ERR_CHECKSUM. */
TP_API tp_result tp_reader_verify_blob(const tp_reader *r, const tp_blob_ref *ref);

/*! tp_reader_decode() :
 *  Verifies the blob's checksum, then decodes exactly ref->raw_size bytes into `out`.
 *  @return TP_OK; TP_ERR_BUFFER_TOO_SMALL if out_capacity < ref->raw_size;
 *  TP_ERR_CHECKSUM; TP_ERR_CORRUPT; TP_ERR_UNSUPPORTED (unknown encoding or type). */
TP_API tp_result tp_reader_decode(const tp_reader *r, const tp_blob_ref *ref, void *out,
                                  size_t out_capacity);

/* TEMPORARY declarations until the formats names and loader land. */
TP_API const char *tp_layer_name(uint32_t layer_id);
TP_API const char *tp_elem_type_name(uint32_t elem_type);
TP_API tp_result tp_reader_load(const tp_reader *r, const tp_blob_ref *ref, void *out,
                                size_t out_capacity, void *scratch, size_t scratch_capacity);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_PAGEFILE_H */
