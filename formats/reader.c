/* reader.c — opens a page file and finds, reads, checks and decodes its blobs.
 *
 * The file is hostile until proven otherwise: every offset and size is checked against
 * the file with overflow-safe arithmetic before it is used, and the only allocations
 * sized by the file (one pointer per tile; in the pread and callback modes the header,
 * the block table and the directory blocks) are bounded by the file's own length, since
 * what they count must fit inside the file.
 *
 * Three ways to the bytes, one code path above them: in the mmap and memory modes `base`
 * is the whole file and every structure is read in place; in the pread and callback
 * modes `base` is NULL, read_at() fetches bytes, and what the mapping would have given
 * for free (header, block table, directory blocks) is copied into memory the reader
 * owns. Either way a directory block is published once per tile through an atomic
 * pointer (NULL until verified), and blob bytes are hashed exactly where they are
 * decoded from. */
#if !defined(_POSIX_C_SOURCE) && !defined(__APPLE__)
#define _POSIX_C_SOURCE 200809L
#endif

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "pagefile_internal.h"
#include "terrapage/pagefile.h"

_Static_assert(sizeof(tp_reader_options) ==
                   8 * sizeof(uint32_t) + 2 * sizeof(void *) + sizeof(uint64_t),
               "tp_reader_options changed size: that is an ABI change");
_Static_assert(sizeof(tp_tile_grid) == 4 * sizeof(uint32_t) + 2 * sizeof(uint64_t),
               "tp_tile_grid changed size: that is an ABI change");
_Static_assert(sizeof(tp_tile_info) == 4 * sizeof(uint32_t),
               "tp_tile_info changed size: that is an ABI change");

#define KNOWN_FLAGS (TP_READER_VERIFY_DIRECTORY | TP_READER_PREAD)

/* What a tile's block pointer holds once a thread has judged the block: the verified
 * block, or this marker for one that failed its checksum (a verdict every later call
 * repeats without hashing again). */
static const uint8_t k_bad_block[1];

struct tp_reader {
    const uint8_t *base;    /* mmap and memory modes: the file; NULL otherwise */
    uint64_t size;          /* declared file size; bytes beyond it are ignored */
    void *map;              /* our mapping, or NULL */
    size_t map_size;
    int fd;                 /* pread mode: the open file; else −1 */
    tp_reader_read_fn read; /* callback mode: the caller's reader; else NULL */
    void *read_user;
    uint8_t *header_copy;   /* pread/callback: the header (params_blob points into it) */
    uint8_t *table_copy;    /* pread/callback: the block table and its checksum */
    const uint8_t *block_table;
    tp_file_desc desc;
    uint64_t section_offset[TP_MAX_LODS], section_size[TP_MAX_LODS];
    uint32_t slot_base[TP_MAX_LAYERS];
    uint32_t bounds_size, entry_size, record_size, tile_shift;
    uint32_t tiles_x, tiles_z;
    uint64_t present_tiles; /* block-table entries with a directory block */
    uint64_t block_table_offset, directory_offset, directory_size;
    /* Per tile: NULL until first touch, then the verified block (in the mapping, or
     * a copy this reader owns) or k_bad_block. Published by compare-and-swap, so a
     * lookup takes no lock and a block read by two threads at once is kept once. */
    _Atomic(const uint8_t *) *blocks;
    char name[256]; /* for messages */
};

/* Prefixes every message with the file name so tools can print it as it is. */
static tp_result fail(const tp_reader *r, tp_result code, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
static tp_result fail(const tp_reader *r, tp_result code, const char *format, ...)
{
    char text[400];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    return tp__error_set(code, "%s: %s", r->name, text);
}

/* [offset, offset + size) lies inside [lo, hi), without overflow. */
static int range_inside(uint64_t offset, uint64_t size, uint64_t lo, uint64_t hi)
{
    return offset >= lo && offset <= hi && size <= hi - offset;
}

static uint64_t block_size(const tp_reader *r, uint32_t tx, uint32_t tz)
{
    return (uint64_t)tp__tile_extent(r->desc.region_width, r->tile_shift, tx) *
           tp__tile_extent(r->desc.region_height, r->tile_shift, tz) * r->record_size;
}

/* Reads exactly `size` bytes at `offset` in the pread and callback modes. A pread that
 * meets the end of the file means the file is shorter than its header says (it was cut,
 * perhaps after open): TP_ERR_TRUNCATED; any other failure is TP_ERR_IO. */
static tp_result read_at(const tp_reader *r, uint64_t offset, void *dst, size_t size,
                         const char *what)
{
    if (r->read) {
        if (r->read(r->read_user, offset, dst, size) != 0)
            return fail(r, TP_ERR_IO, "reading %s (%zu bytes at %llu) failed", what, size,
                        (unsigned long long)offset);
        return TP_OK;
    }
    uint8_t *p = dst;
    while (size > 0) {
        if (offset > (uint64_t)INT64_MAX)
            return fail(r, TP_ERR_IO, "reading %s: offset %llu out of range", what,
                        (unsigned long long)offset);
        ssize_t n = pread(r->fd, p, size, (off_t)offset);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return fail(r, TP_ERR_IO, "reading %s: %s", what, strerror(errno));
        if (n == 0)
            return fail(r, TP_ERR_TRUNCATED, "reading %s: the file ends at %llu",
                        what, (unsigned long long)offset);
        p += n, size -= (size_t)n, offset += (uint64_t)n;
    }
    return TP_OK;
}

/* A buffer of `size` bytes (at least 1) holding the file's [offset, offset + size), read
 * in the pread and callback modes; freed by the caller. */
static tp_result read_copy(const tp_reader *r, uint64_t offset, uint64_t size,
                           const char *what, uint8_t **out)
{
    *out = NULL;
    if (size > SIZE_MAX)
        return fail(r, TP_ERR_UNSUPPORTED, "%s too large for this address space", what);
    uint8_t *buf = malloc(size ? (size_t)size : 1);
    if (!buf)
        return fail(r, TP_ERR_OUT_OF_MEMORY, "no memory for %s (%llu bytes)", what,
                    (unsigned long long)size);
    tp_result res = read_at(r, offset, buf, (size_t)size, what);
    if (res != TP_OK) {
        free(buf);
        return res;
    }
    *out = buf;
    return TP_OK;
}

/* ---- open ------------------------------------------------------------------------- */

static tp_result parse_layers(tp_reader *r, const uint8_t *h, uint64_t covered)
{
    tp_file_desc *d = &r->desc;
    uint32_t entry_size = tp__le32(h + TP__H_LAYER_ENTRY_SIZE);
    uint64_t table = tp__le64(h + TP__H_LAYER_TABLE_OFFSET);
    if (d->layer_count == 0 || d->layer_count > TP_MAX_LAYERS)
        return fail(r, d->layer_count ? TP_ERR_UNSUPPORTED : TP_ERR_CORRUPT,
                    "%u layers (this reader handles 1 to %u)", d->layer_count, TP_MAX_LAYERS);
    if (entry_size < TP__LAYER_ENTRY_SIZE || entry_size > TP__MAX_RECORD_PART_SIZE ||
        !range_inside(table, (uint64_t)entry_size * d->layer_count, TP__H_FIXED_SIZE, covered))
        return fail(r, TP_ERR_CORRUPT, "layer table out of the header");
    uint32_t slots = 0;
    for (uint32_t i = 0; i < d->layer_count; i++) {
        const uint8_t *e = h + table + (uint64_t)i * entry_size;
        tp_layer_desc *l = &d->layers[i];
        l->layer_id = tp__le32(e + TP__L_LAYER_ID);
        l->elem_type = tp__le32(e + TP__L_ELEM_TYPE);
        l->lod_count = tp__le32(e + TP__L_LOD_COUNT);
        l->edge_lod0 = tp__le32(e + TP__L_EDGE_LOD0);
        l->encoding = tp__le32(e + TP__L_ENCODING);
        for (uint32_t j = 0; j < i; j++)
            if (d->layers[j].layer_id == l->layer_id)
                return fail(r, TP_ERR_CORRUPT, "layer %u listed twice", l->layer_id);
        if (l->lod_count == 0 || l->lod_count > d->lod_count)
            return fail(r, TP_ERR_CORRUPT, "layer %u has %u LODs (file has %u)", l->layer_id,
                        l->lod_count, d->lod_count);
        /* Unknown element types come from newer minors: their blobs can be found but
         * not decoded, so their edge is not ours to judge. */
        if (tp__is_grid(l->elem_type) && (l->edge_lod0 == 0 || l->edge_lod0 > TP_MAX_EDGE))
            return fail(r, TP_ERR_CORRUPT, "layer %u has edge %u", l->layer_id, l->edge_lod0);
        r->slot_base[i] = slots;
        slots += l->lod_count;
    }
    if (slots != tp__le32(h + TP__H_SLOTS_PER_CHUNK))
        return fail(r, TP_ERR_CORRUPT, "slot count %u disagrees with the layer table (%u)",
                    tp__le32(h + TP__H_SLOTS_PER_CHUNK), slots);
    r->record_size = r->bounds_size + slots * r->entry_size;
    return TP_OK;
}

/* The shard record of a shard file (format 1.2, FORMAT.md 13.1): the header's last bytes
 * before its checksum, after the parameter blob. What it says about tiles is the merge's
 * to check (it needs the whole tile order); here only what fits the record itself. */
static tp_result parse_shard_record(tp_reader *r, const uint8_t *h, uint64_t params_end,
                                    uint64_t covered)
{
    tp_file_desc *d = &r->desc;
    if (!(tp__le32(h + TP__H_OPTIONAL_FLAGS) & TP_FILE_SHARD))
        return TP_OK;
    if (covered < params_end + TP__SHARD_RECORD_SIZE)
        return fail(r, TP_ERR_CORRUPT, "shard record out of the header");
    const uint8_t *rec = h + covered - TP__SHARD_RECORD_SIZE;
    uint32_t count = tp__le32(rec + TP__R_COUNT), index = tp__le32(rec + TP__R_INDEX);
    if (tp__le32(rec + TP__R_RECORD_SIZE) != TP__SHARD_RECORD_SIZE ||
        tp__le32(rec + TP__R_SCHEME) != TP__SHARD_SCHEME_MORTON_TILES)
        return fail(r, TP_ERR_UNSUPPORTED, "shard record of an unknown size or scheme "
                    "(size %u, scheme %u)", tp__le32(rec + TP__R_RECORD_SIZE),
                    tp__le32(rec + TP__R_SCHEME));
    if (count == 0 || count > TP__SHARD_MAX_COUNT || index >= count)
        return fail(r, TP_ERR_CORRUPT, "shard %u of %u is not a valid shard", index, count);
    d->shard_count = count;
    d->shard_index = index;
    d->shard_level = (int32_t)tp__le32(rec + TP__R_LEVEL);
    return TP_OK;
}

static tp_result parse_header(tp_reader *r, const uint8_t *h, uint64_t actual)
{
    tp_file_desc *d = &r->desc;
    tp_result res0;
    if (actual < TP__MAGIC_SIZE || memcmp(h, TP__MAGIC, TP__MAGIC_SIZE) != 0) {
        size_t n = actual < TP__MAGIC_SIZE ? (size_t)actual : TP__MAGIC_SIZE;
        if (memcmp(h, TP__MAGIC, n) != 0)
            return fail(r, TP_ERR_BAD_MAGIC, "not a terrapage page file");
        return fail(r, TP_ERR_TRUNCATED, "%llu bytes, shorter than the magic",
                    (unsigned long long)actual);
    }
    if (actual < TP__H_HEADER_SIZE + 4)
        return fail(r, TP_ERR_TRUNCATED, "header cut off after %llu bytes",
                    (unsigned long long)actual);
    d->version_major = tp__le16(h + TP__H_VERSION_MAJOR);
    d->version_minor = tp__le16(h + TP__H_VERSION_MINOR);
    if (d->version_major != TP_PAGEFILE_VERSION_MAJOR)
        return fail(r, TP_ERR_UNSUPPORTED_VERSION, "format %u.%u (this reader reads %u.x)",
                    d->version_major, d->version_minor, TP_PAGEFILE_VERSION_MAJOR);
    uint32_t header_size = tp__le32(h + TP__H_HEADER_SIZE);
    if (header_size < TP__H_FIXED_SIZE + 8 || header_size > TP__MAX_HEADER_SIZE ||
        header_size % 8 != 0)
        return fail(r, TP_ERR_CORRUPT, "header size %u is invalid", header_size);
    if (header_size > actual)
        return fail(r, TP_ERR_TRUNCATED, "header of %u bytes cut off after %llu", header_size,
                    (unsigned long long)actual);
    uint64_t covered = header_size - 8u;
    uint64_t stored = tp__le64(h + covered), computed = XXH3_64bits(h, (size_t)covered);
    if (stored != computed)
        return fail(r, TP_ERR_CHECKSUM, "header checksum mismatch (stored %016llx, computed %016llx)",
                    (unsigned long long)stored, (unsigned long long)computed);

    /* From here the header is what a writer wrote; still, a hostile writer can checksum
     * anything, so each value is checked for sense before use. */
    uint32_t required = tp__le32(h + TP__H_REQUIRED_FLAGS);
    if (required & ~TP__KNOWN_REQUIRED_FLAGS)
        return fail(r, TP_ERR_UNSUPPORTED, "needs features this reader lacks (flags %08x)",
                    required & ~TP__KNOWN_REQUIRED_FLAGS);
    r->size = tp__le64(h + TP__H_FILE_SIZE);
    if (r->size < header_size)
        return fail(r, TP_ERR_CORRUPT, "declared size below the header size");
    if (r->size > actual)
        return fail(r, TP_ERR_TRUNCATED, "%llu of %llu bytes present",
                    (unsigned long long)actual, (unsigned long long)r->size);

    d->seed = tp__le64(h + TP__H_SEED);
    d->params_hash = tp__le64(h + TP__H_PARAMS_HASH);
    d->generator_version = tp__le32(h + TP__H_GENERATOR_VERSION);
    d->params_blob_size = tp__le32(h + TP__H_PARAMS_BLOB_SIZE);
    uint64_t params = tp__le64(h + TP__H_PARAMS_BLOB_OFFSET);
    if (d->params_blob_size > TP__MAX_PARAMS_BLOB_SIZE ||
        !range_inside(params, d->params_blob_size, TP__H_FIXED_SIZE, covered))
        return fail(r, TP_ERR_CORRUPT, "parameter blob out of the header");
    d->params_blob = h + params;
    d->region_x0 = (int32_t)tp__le32(h + TP__H_REGION_X0);
    d->region_z0 = (int32_t)tp__le32(h + TP__H_REGION_Z0);
    d->region_width = tp__le32(h + TP__H_REGION_WIDTH);
    d->region_height = tp__le32(h + TP__H_REGION_HEIGHT);
    if (d->region_width == 0 || d->region_height == 0 ||
        (int64_t)d->region_x0 + d->region_width - 1 > INT32_MAX ||
        (int64_t)d->region_z0 + d->region_height - 1 > INT32_MAX)
        return fail(r, TP_ERR_CORRUPT, "invalid region");
    d->chunk_size_m = tp__lef64(h + TP__H_CHUNK_SIZE_M);
    d->height_min_m = tp__lef64(h + TP__H_HEIGHT_MIN_M);
    d->height_step_m = tp__lef64(h + TP__H_HEIGHT_STEP_M);
    if (!isfinite(d->chunk_size_m) || !(d->chunk_size_m > 0) || !isfinite(d->height_min_m) ||
        !isfinite(d->height_step_m) || !(d->height_step_m > 0))
        return fail(r, TP_ERR_CORRUPT, "invalid chunk size or height quantisation");
    d->samples_per_edge = tp__le32(h + TP__H_SAMPLES_PER_EDGE);
    d->lod_count = tp__le32(h + TP__H_LOD_COUNT);
    if (!tp_is_pow2_plus_one(d->samples_per_edge) || d->samples_per_edge > TP_MAX_EDGE ||
        d->lod_count == 0 || d->lod_count > TP_MAX_LODS ||
        ((d->samples_per_edge - 1) >> (d->lod_count - 1)) == 0)
        return fail(r, TP_ERR_CORRUPT, "invalid samples per edge (%u) or LOD count (%u)",
                    d->samples_per_edge, d->lod_count);
    d->layer_count = tp__le32(h + TP__H_LAYER_COUNT);
    res0 = parse_shard_record(r, h, params + d->params_blob_size, covered);
    if (res0 != TP_OK)
        return res0;

    r->tile_shift = tp__le32(h + TP__H_TILE_SHIFT);
    r->bounds_size = tp__le32(h + TP__H_BOUNDS_SIZE);
    r->entry_size = tp__le32(h + TP__H_DIR_ENTRY_SIZE);
    if (r->tile_shift > TP__MAX_TILE_SHIFT || r->bounds_size < TP__BOUNDS_SIZE ||
        r->bounds_size > TP__MAX_RECORD_PART_SIZE || r->entry_size < TP__DIR_ENTRY_SIZE ||
        r->entry_size > TP__MAX_RECORD_PART_SIZE)
        return fail(r, TP_ERR_CORRUPT, "invalid directory geometry");
    tp_result res = parse_layers(r, h, covered);
    if (res != TP_OK)
        return res;

    /* Regions: directory and data inside the file, sections inside the data. */
    r->block_table_offset = tp__le64(h + TP__H_BLOCK_TABLE_OFFSET);
    r->directory_offset = tp__le64(h + TP__H_DIRECTORY_OFFSET);
    r->directory_size = tp__le64(h + TP__H_DIRECTORY_SIZE);
    uint64_t data = tp__le64(h + TP__H_DATA_OFFSET), data_size = tp__le64(h + TP__H_DATA_SIZE);
    if (!range_inside(r->directory_offset, r->directory_size, header_size, r->size) ||
        !range_inside(data, data_size, header_size, r->size))
        return fail(r, TP_ERR_CORRUPT, "directory or data region outside the file");
    uint64_t sections = tp__le64(h + TP__H_SECTION_TABLE_OFFSET);
    if (!range_inside(sections, (uint64_t)d->lod_count * TP__SECTION_ENTRY_SIZE,
                      TP__H_FIXED_SIZE, covered))
        return fail(r, TP_ERR_CORRUPT, "section table out of the header");
    for (uint32_t k = 0; k < d->lod_count; k++) {
        const uint8_t *s = h + sections + (uint64_t)k * TP__SECTION_ENTRY_SIZE;
        r->section_offset[k] = tp__le64(s + TP__S_OFFSET);
        r->section_size[k] = tp__le64(s + TP__S_SIZE);
        if (!range_inside(r->section_offset[k], r->section_size[k], data, data + data_size))
            return fail(r, TP_ERR_CORRUPT, "LOD %u section outside the data region", k);
    }
    return TP_OK;
}

static tp_result parse_block_table(tp_reader *r)
{
    const tp_file_desc *d = &r->desc;
    uint64_t tile = (uint64_t)1 << r->tile_shift;
    r->tiles_x = (uint32_t)((d->region_width + tile - 1) >> r->tile_shift);
    r->tiles_z = (uint32_t)((d->region_height + tile - 1) >> r->tile_shift);
    uint64_t tiles = (uint64_t)r->tiles_x * r->tiles_z;
    uint64_t offset = r->block_table_offset;
    /* Divide rather than multiply: tiles · 16 may overflow for a hostile region. */
    if (offset > r->size || r->size - offset < 8 ||
        tiles > (r->size - offset - 8) / TP__BLOCK_ENTRY_SIZE)
        return fail(r, TP_ERR_CORRUPT, "block table of %llu tiles outside the file",
                    (unsigned long long)tiles);
    uint64_t table_size = tiles * TP__BLOCK_ENTRY_SIZE;
    if (table_size > SIZE_MAX - 8 || tiles > SIZE_MAX / sizeof *r->blocks)
        return fail(r, TP_ERR_UNSUPPORTED, "block table too large for this address space");
    if (r->base) {
        r->block_table = r->base + offset;
    } else {
        tp_result res = read_copy(r, offset, table_size + 8, "the block table", &r->table_copy);
        if (res != TP_OK)
            return res;
        r->block_table = r->table_copy;
    }
    const uint8_t *table = r->block_table;
    uint64_t stored = tp__le64(table + table_size);
    uint64_t computed = XXH3_64bits(table, (size_t)table_size);
    if (stored != computed)
        return fail(r, TP_ERR_CHECKSUM, "block table checksum mismatch (stored %016llx, computed %016llx)",
                    (unsigned long long)stored, (unsigned long long)computed);
    uint64_t dir_end = r->directory_offset + r->directory_size;
    for (uint32_t tz = 0; tz < r->tiles_z; tz++)
        for (uint32_t tx = 0; tx < r->tiles_x; tx++) {
            const uint8_t *e = table + ((uint64_t)tz * r->tiles_x + tx) * TP__BLOCK_ENTRY_SIZE;
            uint64_t at = tp__le64(e + TP__B_OFFSET);
            if (at && !range_inside(at, block_size(r, tx, tz), r->directory_offset, dir_end))
                return fail(r, TP_ERR_CORRUPT, "directory block of tile (%u, %u) outside the directory",
                            tx, tz);
            r->present_tiles += at != 0;
        }
    r->blocks = malloc((size_t)(tiles ? tiles : 1) * sizeof *r->blocks);
    if (!r->blocks)
        return fail(r, TP_ERR_OUT_OF_MEMORY, "no memory for %llu tile states",
                    (unsigned long long)tiles);
    for (uint64_t t = 0; t < tiles; t++)
        atomic_init(&r->blocks[t], NULL);
    return TP_OK;
}

/* The directory block of tile (tx, tz), read (pread/callback modes) and checksummed on
 * first touch. Several threads may judge the same block at once the first time; the
 * first to publish wins and the others drop their copy, so the lookup path takes no
 * lock. A block that cannot be read is not published: the next call tries again. */
static tp_result tile_block(const tp_reader *r, uint32_t tx, uint32_t tz,
                            const uint8_t **out_block)
{
    uint64_t t = (uint64_t)tz * r->tiles_x + tx;
    const uint8_t *e = r->block_table + t * TP__BLOCK_ENTRY_SIZE;
    uint64_t at = tp__le64(e + TP__B_OFFSET);
    *out_block = NULL;
    if (at == 0)
        return TP_ERR_NOT_FOUND;
    const uint8_t *block = atomic_load_explicit(&r->blocks[t], memory_order_acquire);
    if (!block) {
        uint64_t size = block_size(r, tx, tz);
        uint8_t *copy = NULL;
        const uint8_t *judged = r->base ? r->base + at : NULL;
        if (!r->base) {
            char what[64];
            snprintf(what, sizeof what, "directory block of tile (%u, %u)", tx, tz);
            tp_result res = read_copy(r, at, size, what, &copy);
            if (res != TP_OK)
                return res;
            judged = copy;
        }
        if (XXH3_64bits(judged, (size_t)size) != tp__le64(e + TP__B_CHECKSUM)) {
            free(copy);
            copy = NULL;
            judged = k_bad_block;
        }
        const uint8_t *expected = NULL;
        if (atomic_compare_exchange_strong_explicit(&r->blocks[t], &expected, judged,
                                                    memory_order_acq_rel,
                                                    memory_order_acquire)) {
            block = judged;
        } else {
            free(copy); /* another thread published first: use its block */
            block = expected;
        }
    }
    if (block == k_bad_block)
        return fail(r, TP_ERR_CHECKSUM, "directory block of tile (%u, %u) fails its checksum",
                    tx, tz);
    *out_block = block;
    return TP_OK;
}

/* The header, in place or read into header_copy: first the fixed part (or as much of
 * the file as there is), then the whole header if it declares a larger plausible size.
 * parse_header() reads no byte it has not first checked lies within both. */
static tp_result load_header(tp_reader *r, uint64_t actual, const uint8_t **out_header)
{
    *out_header = r->base;
    if (r->base)
        return TP_OK;
    uint64_t n = actual < TP__H_FIXED_SIZE ? actual : TP__H_FIXED_SIZE;
    tp_result res = read_copy(r, 0, n, "the header", &r->header_copy);
    if (res != TP_OK)
        return res;
    if (n >= TP__H_HEADER_SIZE + 4) {
        uint32_t header_size = tp__le32(r->header_copy + TP__H_HEADER_SIZE);
        if (header_size > n && header_size <= TP__MAX_HEADER_SIZE && header_size <= actual) {
            free(r->header_copy);
            r->header_copy = NULL;
            if ((res = read_copy(r, 0, header_size, "the header", &r->header_copy)) != TP_OK)
                return res;
        }
    }
    *out_header = r->header_copy;
    return TP_OK;
}

/* `actual`: the bytes the file has (UINT64_MAX when a callback reader was not told). */
static tp_result open_common(tp_reader *r, uint64_t actual, uint32_t flags)
{
    const uint8_t *header;
    tp_result res = load_header(r, actual, &header);
    if (res == TP_OK)
        res = parse_header(r, header, actual);
    if (res == TP_OK)
        res = parse_block_table(r);
    if (res == TP_OK && (flags & TP_READER_VERIFY_DIRECTORY)) {
        for (uint32_t tz = 0; tz < r->tiles_z && res == TP_OK; tz++)
            for (uint32_t tx = 0; tx < r->tiles_x && res == TP_OK; tx++) {
                const uint8_t *block;
                res = tile_block(r, tx, tz, &block);
                if (res == TP_ERR_NOT_FOUND)
                    res = TP_OK;
            }
    }
    return res;
}

static void set_name(tp_reader *r, const char *name)
{
    size_t n = strlen(name);
    /* Keep the end of a long path: the file name is the informative part. */
    const char *tail = n < sizeof r->name ? name : name + n - (sizeof r->name - 4);
    snprintf(r->name, sizeof r->name, "%s%s", tail == name ? "" : "...", tail);
}

static tp_reader *new_reader(const char *name)
{
    tp_reader *r = calloc(1, sizeof *r);
    if (r) {
        r->fd = -1;
        set_name(r, name);
    }
    return r;
}

/* Closes `r` on failure; hands it out on success. */
static tp_result finish_open(tp_reader *r, tp_result res, tp_reader **out_reader)
{
    if (res != TP_OK) {
        tp_reader_close(r);
        return res;
    }
    *out_reader = r;
    return TP_OK;
}

tp_result tp_reader_open_memory(const void *data, size_t size, tp_reader **out_reader)
{
    assert(out_reader && (data || size == 0));
    *out_reader = NULL;
    tp_reader *r = new_reader("(memory)");
    if (!r)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "out of memory opening a page file");
    static const uint8_t empty[1];
    r->base = size ? data : empty;
    return finish_open(r, open_common(r, size, 0), out_reader);
}

static int options_valid(const tp_reader_options *o)
{
    int bad = (o->flags & ~(uint32_t)KNOWN_FLAGS) != 0 || o->reserved0 != 0 ||
              ((o->flags & TP_READER_PREAD) && o->read) || (o->file_size && !o->read);
    for (size_t i = 0; i < sizeof o->reserved / sizeof o->reserved[0]; i++)
        bad |= o->reserved[i] != 0;
    return !bad;
}

/* What a path that is not a regular file is, for the message that refuses it. */
static const char *file_kind(mode_t mode)
{
    return S_ISDIR(mode)    ? "a directory"
         : S_ISFIFO(mode)   ? "a FIFO"
         : S_ISCHR(mode)    ? "a character device"
         : S_ISBLK(mode)    ? "a block device"
         : S_ISSOCK(mode)   ? "a socket"
                            : "a special file";
}

/* The file at r->name: kept open (pread mode) or mapped. Sets *out_actual to its size.
 * Opened with O_NONBLOCK so that a FIFO (or a device) is refused at once by the fstat
 * below instead of blocking the open until a writer appears; the flag is cleared for a
 * regular file, where it means nothing to pread anyway. */
static tp_result open_file(tp_reader *r, const char *path, uint32_t flags, uint64_t *out_actual)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        tp_result res = fail(r, TP_ERR_IO, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        return res;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 0) {
        close(fd);
        return fail(r, TP_ERR_IO, "is %s, not a regular file", file_kind(st.st_mode));
    }
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        tp_result res = fail(r, TP_ERR_IO, "fcntl: %s", strerror(errno));
        close(fd);
        return res;
    }
    *out_actual = (uint64_t)st.st_size;
    if (flags & TP_READER_PREAD) {
        r->fd = fd;
        return TP_OK;
    }
    static const uint8_t empty[1];
    r->base = empty;
    if ((uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        return fail(r, TP_ERR_UNSUPPORTED, "too large to map");
    }
    if (st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            tp_result res = fail(r, TP_ERR_IO, "mmap: %s", strerror(errno));
            close(fd);
            return res;
        }
        r->map = map;
        r->map_size = (size_t)st.st_size;
        r->base = map;
    }
    close(fd); /* the mapping keeps the file */
    return TP_OK;
}

tp_result tp_reader_open(const char *path, const tp_reader_options *options,
                         tp_reader **out_reader)
{
    assert(out_reader && (path || (options && options->read)));
    *out_reader = NULL;
    tp_reader_options defaults = {0};
    if (!options)
        options = &defaults;
    const char *name = path ? path : "(read callback)";
    if (!options_valid(options))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "%s: unknown reader option flags, non-zero reserved fields, or "
                             "options that do not go together", name);
    tp_reader *r = new_reader(name);
    if (!r)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "%s: out of memory", name);
    uint64_t actual = UINT64_MAX;
    if (options->read) {
        r->read = options->read;
        r->read_user = options->read_user;
        if (options->file_size)
            actual = options->file_size;
    } else {
        tp_result res = open_file(r, path, options->flags, &actual);
        if (res != TP_OK)
            return finish_open(r, res, out_reader);
    }
    return finish_open(r, open_common(r, actual, options->flags), out_reader);
}

void tp_reader_release_tile(tp_reader *r, uint64_t tile)
{
    assert(r);
    if (tile >= (uint64_t)r->tiles_x * r->tiles_z)
        return;
    const uint8_t *block = atomic_exchange_explicit(&r->blocks[tile], NULL,
                                                    memory_order_acq_rel);
    if (block && block != k_bad_block && !r->base)
        free((void *)block);
}

void tp_reader_close(tp_reader *r)
{
    if (!r)
        return;
    if (r->blocks && !r->base) /* the blocks are copies this reader made */
        for (uint64_t t = 0; t < (uint64_t)r->tiles_x * r->tiles_z; t++) {
            const uint8_t *block = atomic_load_explicit(&r->blocks[t], memory_order_relaxed);
            if (block && block != k_bad_block)
                free((void *)block);
        }
    free((void *)r->blocks);
    free(r->header_copy);
    free(r->table_copy);
    if (r->map)
        munmap(r->map, r->map_size);
    if (r->fd >= 0)
        close(r->fd);
    free(r);
}

/* ---- queries ---------------------------------------------------------------------- */

const tp_file_desc *tp_reader_desc(const tp_reader *r)
{
    assert(r);
    return &r->desc;
}

uint64_t tp_reader_file_size(const tp_reader *r)
{
    assert(r);
    return r->size;
}

int tp_reader_is_mapped(const tp_reader *r)
{
    assert(r);
    return r->base != NULL;
}

tp_result tp_reader_lod_section(const tp_reader *r, uint32_t lod, uint64_t *out_offset,
                                uint64_t *out_size)
{
    assert(r && out_offset && out_size);
    if (lod >= r->desc.lod_count)
        return TP_ERR_OUT_OF_RANGE;
    *out_offset = r->section_offset[lod];
    *out_size = r->section_size[lod];
    return TP_OK;
}

void tp_reader_tile_grid(const tp_reader *r, tp_tile_grid *out_grid)
{
    assert(r && out_grid);
    memset(out_grid, 0, sizeof *out_grid);
    out_grid->tile_edge = 1u << r->tile_shift;
    out_grid->tiles_x = r->tiles_x;
    out_grid->tiles_z = r->tiles_z;
    out_grid->tile_count = (uint64_t)r->tiles_x * r->tiles_z;
    out_grid->present_count = r->present_tiles;
}

tp_result tp_reader_tile(const tp_reader *r, uint64_t tile, tp_tile_info *out_tile)
{
    assert(r && out_tile);
    if (tile >= (uint64_t)r->tiles_x * r->tiles_z)
        return TP_ERR_OUT_OF_RANGE;
    uint32_t tx = (uint32_t)(tile % r->tiles_x), tz = (uint32_t)(tile / r->tiles_x);
    out_tile->cx0 = (int32_t)((int64_t)r->desc.region_x0 + ((int64_t)tx << r->tile_shift));
    out_tile->cz0 = (int32_t)((int64_t)r->desc.region_z0 + ((int64_t)tz << r->tile_shift));
    out_tile->width = tp__tile_extent(r->desc.region_width, r->tile_shift, tx);
    out_tile->height = tp__tile_extent(r->desc.region_height, r->tile_shift, tz);
    const uint8_t *e = r->block_table + tile * TP__BLOCK_ENTRY_SIZE;
    return tp__le64(e + TP__B_OFFSET) ? TP_OK : TP_ERR_NOT_FOUND;
}

/* The chunk's record, or NOT_FOUND (outside the region / absent tile) or CHECKSUM. */
static tp_result chunk_record(const tp_reader *r, int32_t cx, int32_t cz,
                              const uint8_t **out_record)
{
    int64_t dx = (int64_t)cx - r->desc.region_x0, dz = (int64_t)cz - r->desc.region_z0;
    if (dx < 0 || dz < 0 || dx >= r->desc.region_width || dz >= r->desc.region_height)
        return TP_ERR_NOT_FOUND;
    uint32_t tx = (uint32_t)dx >> r->tile_shift, tz = (uint32_t)dz >> r->tile_shift;
    const uint8_t *block;
    tp_result res = tile_block(r, tx, tz, &block);
    if (res != TP_OK)
        return res;
    uint32_t mask = (1u << r->tile_shift) - 1u;
    uint32_t tw = tp__tile_extent(r->desc.region_width, r->tile_shift, tx);
    uint64_t index = (uint64_t)((uint32_t)dz & mask) * tw + ((uint32_t)dx & mask);
    *out_record = block + index * r->record_size;
    return TP_OK;
}

tp_result tp_reader_find(const tp_reader *r, int32_t cx, int32_t cz, uint32_t layer_id,
                         uint32_t lod, tp_blob_ref *out_ref)
{
    assert(r && out_ref);
    const tp_file_desc *d = &r->desc;
    uint32_t li = 0;
    while (li < d->layer_count && d->layers[li].layer_id != layer_id)
        li++;
    if (li == d->layer_count || lod >= d->layers[li].lod_count)
        return TP_ERR_NOT_FOUND;
    const uint8_t *record;
    tp_result res = chunk_record(r, cx, cz, &record);
    if (res != TP_OK)
        return res;
    const uint8_t *e = record + r->bounds_size + (uint64_t)(r->slot_base[li] + lod) * r->entry_size;
    uint32_t stored = tp__le32(e + TP__E_STORED_SIZE);
    if (stored == 0)
        return TP_ERR_NOT_FOUND;

    const tp_layer_desc *l = &d->layers[li];
    tp_blob_ref ref;
    ref.offset = tp__le64(e + TP__E_OFFSET);
    ref.checksum = tp__le64(e + TP__E_CHECKSUM);
    ref.stored_size = stored;
    ref.raw_size = tp__le32(e + TP__E_RAW_SIZE);
    ref.encoding = tp__le32(e + TP__E_ENCODING);
    ref.aux = tp__le32(e + TP__E_AUX);
    ref.layer_id = layer_id;
    ref.lod = lod;
    ref.edge = tp__is_grid(l->elem_type) ? tp_lod_edge(l->edge_lod0, lod) : 0;
    ref.elem_type = l->elem_type;
    ref.cx = cx;
    ref.cz = cz;
    uint64_t section = r->section_offset[lod];
    if (!range_inside(ref.offset, stored, section, section + r->section_size[lod]))
        return fail(r, TP_ERR_CORRUPT, "chunk (%d, %d) layer %u LOD %u points outside its section",
                    (int)cx, (int)cz, layer_id, lod);
    if (tp__is_grid(l->elem_type) &&
        ref.raw_size != (uint64_t)ref.edge * ref.edge * tp_elem_size(l->elem_type))
        return fail(r, TP_ERR_CORRUPT, "chunk (%d, %d) layer %u LOD %u has raw size %u for a %ux%u grid",
                    (int)cx, (int)cz, layer_id, lod, ref.raw_size, ref.edge, ref.edge);
    /* Callers size buffers by raw_size, so it must be one the stored bytes can produce. */
    if (!tp__raw_size_possible(ref.encoding, stored, ref.raw_size))
        return fail(r, TP_ERR_CORRUPT, "chunk (%d, %d) layer %u LOD %u: %u stored bytes cannot decode to %u",
                    (int)cx, (int)cz, layer_id, lod, stored, ref.raw_size);
    *out_ref = ref;
    return TP_OK;
}

tp_result tp_reader_chunk_bounds(const tp_reader *r, int32_t cx, int32_t cz,
                                 tp_chunk_bounds *out_bounds)
{
    assert(r && out_bounds);
    const uint8_t *record;
    tp_result res = chunk_record(r, cx, cz, &record);
    if (res != TP_OK)
        return res;
    uint32_t flags = tp__le32(record + TP__C_FLAGS);
    if (!(flags & TP_CHUNK_PRESENT))
        return TP_ERR_NOT_FOUND;
    out_bounds->height_min_code = tp__le16(record + TP__C_HEIGHT_MIN);
    out_bounds->height_max_code = tp__le16(record + TP__C_HEIGHT_MAX);
    out_bounds->flags = flags;
    return TP_OK;
}

/* ---- blobs ------------------------------------------------------------------------ */

/* The most bytes tp_reader_load_blobs() reads through between two blobs to save a call. */
#define TP__READ_GAP_MAX 4096u

/* The stored bytes of `ref`, checked against its checksum: in place in the mmap and
 * memory modes, else read into `scratch`. The one place blob bytes are fetched and
 * hashed; callers decode from the very bytes that were hashed, so bytes that change
 * between the check and the use cannot slip through a read. */
static tp_result fetch_checked(const tp_reader *r, const tp_blob_ref *ref, void *scratch,
                               size_t scratch_capacity, const uint8_t **out_bytes)
{
    if (!range_inside(ref->offset, ref->stored_size, 0, r->size))
        return fail(r, TP_ERR_INVALID_ARGUMENT, "blob reference outside the file");
    const uint8_t *bytes = r->base ? r->base + ref->offset : scratch;
    if (!r->base) {
        if (scratch_capacity < ref->stored_size)
            return fail(r, TP_ERR_BUFFER_TOO_SMALL,
                        "chunk (%d, %d) layer %u LOD %u: %u stored bytes do not fit a scratch buffer of %zu",
                        (int)ref->cx, (int)ref->cz, ref->layer_id, ref->lod, ref->stored_size,
                        scratch_capacity);
        assert(scratch || ref->stored_size == 0);
        char what[96];
        snprintf(what, sizeof what, "chunk (%d, %d) layer %u LOD %u", (int)ref->cx,
                 (int)ref->cz, ref->layer_id, ref->lod);
        tp_result res = read_at(r, ref->offset, scratch, ref->stored_size, what);
        if (res != TP_OK)
            return res;
    }
    if (XXH3_64bits(bytes, ref->stored_size) != ref->checksum)
        return fail(r, TP_ERR_CHECKSUM, "chunk (%d, %d) layer %u LOD %u fails its checksum",
                    (int)ref->cx, (int)ref->cz, ref->layer_id, ref->lod);
    *out_bytes = bytes;
    return TP_OK;
}

/* Names a decoder's verdict on checked bytes; sizes came from the file, so a size the
 * decoder calls invalid is corrupt data. */
static tp_result decode_failure(const tp_reader *r, const tp_blob_ref *ref, tp_result res)
{
    if (res == TP_ERR_INVALID_ARGUMENT)
        res = TP_ERR_CORRUPT;
    return fail(r, res, "chunk (%d, %d) layer %u LOD %u: %s (encoding %u)", (int)ref->cx,
                (int)ref->cz, ref->layer_id, ref->lod,
                res == TP_ERR_UNSUPPORTED ? "unsupported encoding or element type"
                                          : "does not decode to its recorded size",
                ref->encoding);
}

tp_result tp_reader_load(const tp_reader *r, const tp_blob_ref *ref, void *out,
                         size_t out_capacity, void *scratch, size_t scratch_capacity)
{
    assert(r && ref && (out || out_capacity == 0));
    if (out_capacity < ref->raw_size)
        return fail(r, TP_ERR_BUFFER_TOO_SMALL, "decoding %u bytes into a buffer of %zu",
                    ref->raw_size, out_capacity);
    const uint8_t *bytes = NULL;
    tp_result res = fetch_checked(r, ref, scratch, scratch_capacity, &bytes);
    if (res != TP_OK)
        return res;
    res = tp_blob_decode(ref->encoding, ref->elem_type, ref->edge, bytes, ref->stored_size,
                         out, ref->raw_size);
    return res == TP_OK ? TP_OK : decode_failure(r, ref, res);
}

tp_result tp_reader_load_prefix(const tp_reader *r, const tp_blob_ref *ref, void *out,
                                size_t prefix_bytes, void *scratch, size_t scratch_capacity)
{
    assert(r && ref && (out || prefix_bytes == 0));
    if (prefix_bytes > ref->raw_size)
        return fail(r, TP_ERR_INVALID_ARGUMENT, "a prefix of %zu bytes of a %u-byte blob",
                    prefix_bytes, ref->raw_size);
    const uint8_t *bytes = NULL;
    tp_result res = fetch_checked(r, ref, scratch, scratch_capacity, &bytes);
    if (res != TP_OK)
        return res;
    res = tp_blob_decode_prefix(ref->encoding, bytes, ref->stored_size, ref->raw_size, out,
                                prefix_bytes);
    return res == TP_OK ? TP_OK : decode_failure(r, ref, res);
}

/* Blobs that follow one another in the file are read together: one pread or callback
 * call per run, each blob then hashed and decoded from its own bytes of the run. */
tp_result tp_reader_load_blobs(const tp_reader *r, const tp_blob_ref *refs, uint32_t count,
                               void *const outs[], const size_t out_capacities[],
                               void *scratch, size_t scratch_capacity)
{
    assert(r && (refs || count == 0));
    uint64_t total = 0;
    for (uint32_t i = 0; i < count; i++) {
        const tp_blob_ref *ref = &refs[i];
        assert(outs[i] || out_capacities[i] == 0);
        if (out_capacities[i] < ref->raw_size)
            return fail(r, TP_ERR_BUFFER_TOO_SMALL, "decoding %u bytes into a buffer of %zu",
                        ref->raw_size, out_capacities[i]);
        if (!range_inside(ref->offset, ref->stored_size, 0, r->size))
            return fail(r, TP_ERR_INVALID_ARGUMENT, "blob reference outside the file");
        total += ref->stored_size;
    }
    if (r->base) {
        for (uint32_t i = 0; i < count; i++) {
            tp_result res = tp_reader_load(r, &refs[i], outs[i], out_capacities[i], NULL, 0);
            if (res != TP_OK)
                return res;
        }
        return TP_OK;
    }
    if (total > scratch_capacity)
        return fail(r, TP_ERR_BUFFER_TOO_SMALL,
                    "chunk (%d, %d): %llu stored bytes do not fit a scratch buffer of %zu",
                    count ? (int)refs[0].cx : 0, count ? (int)refs[0].cz : 0,
                    (unsigned long long)total, scratch_capacity);
    /* A short gap between two blobs (at LOD 0 a chunk's climate blobs sit between its
     * biomes and its mesh) costs less read through than as another call, when the
     * scratch has room for it beside every blob still to come. */
    uint8_t *run = scratch;
    uint64_t used = 0, rest = total; /* rest: stored bytes of the blobs not yet in a run */
    for (uint32_t i = 0; i < count;) {
        uint32_t end = i + 1;
        uint64_t run_bytes = refs[i].stored_size;
        rest -= refs[i].stored_size;
        while (end < count) {
            uint64_t prev_end = refs[end - 1].offset + refs[end - 1].stored_size;
            if (refs[end].offset < prev_end || refs[end].offset - prev_end > TP__READ_GAP_MAX)
                break;
            uint64_t gap = refs[end].offset - prev_end;
            if (used + run_bytes + gap + rest > scratch_capacity)
                break;
            run_bytes += gap + refs[end].stored_size;
            rest -= refs[end++].stored_size;
        }
        char what[96];
        snprintf(what, sizeof what, "chunk (%d, %d) LOD %u (%u blobs)", (int)refs[i].cx,
                 (int)refs[i].cz, refs[i].lod, end - i);
        const uint64_t run_start = refs[i].offset;
        tp_result res = read_at(r, run_start, run, (size_t)run_bytes, what);
        if (res != TP_OK)
            return res;
        for (; i < end; i++) {
            const tp_blob_ref *ref = &refs[i];
            const uint8_t *bytes = run + (ref->offset - run_start);
            if (XXH3_64bits(bytes, ref->stored_size) != ref->checksum)
                return fail(r, TP_ERR_CHECKSUM, "chunk (%d, %d) layer %u LOD %u fails its checksum",
                            (int)ref->cx, (int)ref->cz, ref->layer_id, ref->lod);
            res = tp_blob_decode(ref->encoding, ref->elem_type, ref->edge, bytes,
                                 ref->stored_size, outs[i], ref->raw_size);
            if (res != TP_OK)
                return decode_failure(r, ref, res);
        }
        run += run_bytes;
        used += run_bytes;
    }
    return TP_OK;
}

/* For the calls without a scratch parameter: a buffer for the stored bytes in the pread
 * and callback modes, NULL in the modes that read in place. */
static tp_result temporary_scratch(const tp_reader *r, const tp_blob_ref *ref, void **out)
{
    *out = NULL;
    if (r->base)
        return TP_OK;
    *out = malloc(ref->stored_size ? ref->stored_size : 1);
    return *out ? TP_OK
                : fail(r, TP_ERR_OUT_OF_MEMORY, "no memory to read %u stored bytes",
                       ref->stored_size);
}

tp_result tp_reader_decode(const tp_reader *r, const tp_blob_ref *ref, void *out,
                           size_t out_capacity)
{
    assert(r && ref);
    void *scratch;
    tp_result res = temporary_scratch(r, ref, &scratch);
    if (res == TP_OK)
        res = tp_reader_load(r, ref, out, out_capacity, scratch, ref->stored_size);
    free(scratch);
    return res;
}

tp_result tp_reader_verify_blob(const tp_reader *r, const tp_blob_ref *ref)
{
    assert(r && ref);
    void *scratch;
    const uint8_t *bytes = NULL;
    tp_result res = temporary_scratch(r, ref, &scratch);
    if (res == TP_OK)
        res = fetch_checked(r, ref, scratch, ref->stored_size, &bytes);
    free(scratch);
    return res;
}

const void *tp_reader_blob_bytes(const tp_reader *r, const tp_blob_ref *ref)
{
    assert(r && ref);
    if (!r->base || !range_inside(ref->offset, ref->stored_size, 0, r->size))
        return NULL;
    return r->base + ref->offset;
}
