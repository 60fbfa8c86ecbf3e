/* reader.c — opens a page file (mmap or caller memory) and finds and decodes blobs.
 *
 * The file is hostile until proven otherwise: every offset and size is checked against
 * the file with overflow-safe arithmetic before it is used, and the only allocation
 * sized by the file (one state byte per tile) is bounded by the file's own length,
 * since the block table it counts must fit inside the file. */
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

/* Directory block states, one byte per tile. Several threads may verify the same block
 * at once the first time; they reach the same verdict, so the race is harmless and no
 * lock is taken on the lookup path. */
enum { BLOCK_UNVERIFIED = 0, BLOCK_GOOD = 1, BLOCK_BAD = 2 };

struct tp_reader {
    const uint8_t *base;
    uint64_t size;          /* declared file size; bytes beyond it are ignored */
    void *map;              /* our mapping, or NULL for caller memory */
    size_t map_size;
    tp_file_desc desc;
    uint64_t section_offset[TP_MAX_LODS], section_size[TP_MAX_LODS];
    uint32_t slot_base[TP_MAX_LAYERS];
    uint32_t bounds_size, entry_size, record_size, tile_shift;
    uint32_t tiles_x, tiles_z;
    uint64_t block_table_offset, directory_offset, directory_size;
    atomic_uchar *block_state;
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

static tp_result parse_header(tp_reader *r, const uint8_t *h, uint64_t actual)
{
    tp_file_desc *d = &r->desc;
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

static tp_result parse_block_table(tp_reader *r, const uint8_t *base)
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
    if (table_size > SIZE_MAX || tiles > SIZE_MAX / sizeof(atomic_uchar))
        return fail(r, TP_ERR_UNSUPPORTED, "block table too large for this address space");
    const uint8_t *table = base + offset;
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
        }
    r->block_state = malloc((size_t)(tiles ? tiles : 1) * sizeof *r->block_state);
    if (!r->block_state)
        return fail(r, TP_ERR_OUT_OF_MEMORY, "no memory for %llu tile states",
                    (unsigned long long)tiles);
    for (uint64_t t = 0; t < tiles; t++)
        atomic_init(&r->block_state[t], BLOCK_UNVERIFIED);
    return TP_OK;
}

/* The directory block of tile (tx, tz), checksummed on first touch; NULL if absent. */
static tp_result tile_block(const tp_reader *r, uint32_t tx, uint32_t tz,
                            const uint8_t **out_block)
{
    uint64_t t = (uint64_t)tz * r->tiles_x + tx;
    const uint8_t *e = r->base + r->block_table_offset + t * TP__BLOCK_ENTRY_SIZE;
    uint64_t at = tp__le64(e + TP__B_OFFSET);
    *out_block = NULL;
    if (at == 0)
        return TP_ERR_NOT_FOUND;
    unsigned state = atomic_load_explicit(&r->block_state[t], memory_order_acquire);
    if (state == BLOCK_UNVERIFIED) {
        uint64_t hash = XXH3_64bits(r->base + at, (size_t)block_size(r, tx, tz));
        state = hash == tp__le64(e + TP__B_CHECKSUM) ? BLOCK_GOOD : BLOCK_BAD;
        atomic_store_explicit(&r->block_state[t], (unsigned char)state, memory_order_release);
    }
    if (state == BLOCK_BAD)
        return fail(r, TP_ERR_CHECKSUM, "directory block of tile (%u, %u) fails its checksum",
                    tx, tz);
    *out_block = r->base + at;
    return TP_OK;
}

static tp_result open_common(tp_reader *r, const uint8_t *data, uint64_t actual, uint32_t flags)
{
    r->base = data;
    tp_result res = parse_header(r, data, actual);
    if (res == TP_OK)
        res = parse_block_table(r, data);
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

tp_result tp_reader_open_memory(const void *data, size_t size, tp_reader **out_reader)
{
    assert(out_reader && (data || size == 0));
    *out_reader = NULL;
    tp_reader *r = calloc(1, sizeof *r);
    if (!r)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "out of memory opening a page file");
    set_name(r, "(memory)");
    static const uint8_t empty[1];
    tp_result res = open_common(r, size ? data : empty, size, 0);
    if (res != TP_OK) {
        tp_reader_close(r);
        return res;
    }
    *out_reader = r;
    return TP_OK;
}

tp_result tp_reader_open(const char *path, const tp_reader_options *options,
                         tp_reader **out_reader)
{
    assert(path && out_reader);
    *out_reader = NULL;
    tp_reader_options defaults = {0};
    if (!options)
        options = &defaults;
    int bad = (options->flags & ~(uint32_t)TP_READER_VERIFY_DIRECTORY) != 0;
    for (size_t i = 0; i < sizeof options->reserved / sizeof options->reserved[0]; i++)
        bad |= options->reserved[i] != 0;
    if (bad)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "%s: unknown reader option flags or non-zero reserved fields", path);
    tp_reader *r = calloc(1, sizeof *r);
    if (!r)
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
    set_name(r, path);

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        tp_result res = fail(r, TP_ERR_IO, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        free(r);
        return res;
    }
    if (!S_ISREG(st.st_mode) || st.st_size < 0 || (uint64_t)st.st_size > SIZE_MAX) {
        close(fd);
        tp_result res = fail(r, S_ISREG(st.st_mode) ? TP_ERR_UNSUPPORTED : TP_ERR_IO,
                             S_ISREG(st.st_mode) ? "too large to map" : "not a regular file");
        free(r);
        return res;
    }
    static const uint8_t empty[1];
    const uint8_t *data = empty;
    if (st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED) {
            tp_result res = fail(r, TP_ERR_IO, "mmap: %s", strerror(errno));
            close(fd);
            free(r);
            return res;
        }
        r->map = map;
        r->map_size = (size_t)st.st_size;
        data = map;
    }
    close(fd); /* the mapping keeps the file */
    tp_result res = open_common(r, data, (uint64_t)st.st_size, options->flags);
    if (res != TP_OK) {
        tp_reader_close(r);
        return res;
    }
    *out_reader = r;
    return TP_OK;
}

void tp_reader_close(tp_reader *r)
{
    if (!r)
        return;
    if (r->map)
        munmap(r->map, r->map_size);
    free(r->block_state);
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

const void *tp_reader_blob_bytes(const tp_reader *r, const tp_blob_ref *ref)
{
    assert(r && ref);
    if (!range_inside(ref->offset, ref->stored_size, 0, r->size))
        return NULL;
    return r->base + ref->offset;
}

tp_result tp_reader_verify_blob(const tp_reader *r, const tp_blob_ref *ref)
{
    const uint8_t *bytes = tp_reader_blob_bytes(r, ref);
    if (!bytes)
        return fail(r, TP_ERR_INVALID_ARGUMENT, "blob reference outside the file");
    if (XXH3_64bits(bytes, ref->stored_size) != ref->checksum)
        return fail(r, TP_ERR_CHECKSUM, "chunk (%d, %d) layer %u LOD %u fails its checksum",
                    (int)ref->cx, (int)ref->cz, ref->layer_id, ref->lod);
    return TP_OK;
}

tp_result tp_reader_decode(const tp_reader *r, const tp_blob_ref *ref, void *out,
                           size_t out_capacity)
{
    assert(r && ref && (out || out_capacity == 0));
    if (out_capacity < ref->raw_size)
        return fail(r, TP_ERR_BUFFER_TOO_SMALL, "decoding %u bytes into a buffer of %zu",
                    ref->raw_size, out_capacity);
    tp_result res = tp_reader_verify_blob(r, ref);
    if (res != TP_OK)
        return res;
    res = tp_blob_decode(ref->encoding, ref->elem_type, ref->edge, r->base + ref->offset,
                         ref->stored_size, out, ref->raw_size);
    if (res == TP_ERR_INVALID_ARGUMENT)
        res = TP_ERR_CORRUPT; /* the sizes came from the file */
    if (res != TP_OK)
        return fail(r, res, "chunk (%d, %d) layer %u LOD %u: %s (encoding %u)", (int)ref->cx,
                    (int)ref->cz, ref->layer_id, ref->lod,
                    res == TP_ERR_UNSUPPORTED ? "unsupported encoding or element type"
                                              : "does not decode to its recorded size",
                    ref->encoding);
    return TP_OK;
}
