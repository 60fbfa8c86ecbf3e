/* writer.c — builds a page file: LOD sections spilled aside, assembled at finish.
 *
 * Why spill: the file stores LOD sections coarsest first, but the baker produces every
 * LOD of a chunk together, and a big world does not fit in memory. So each LOD section
 * is appended to its own anonymous temporary file (unlinked at once, in the destination
 * directory so it is on the same file system and counts against the same free space);
 * the page cache keeps small bakes in memory anyway. tp_writer_finish() lays out the
 * header, block table and directory, then copies the sections in order into the output
 * file, which output_file.c (the one home of "replace a file safely", shared with the
 * tools) writes beside the destination, fsyncs and renames over it. The destination is
 * checked at create, so a path that cannot take the file fails before any work.
 *
 * The directory lives in memory until finish, one block per 16×16-chunk tile that has
 * been touched: (16 + 32 · slots) bytes per chunk, 400 bytes with the default 12 slots,
 * so about 400 MB for a million chunks. */
#if defined(__linux__)
#define _GNU_SOURCE /* O_TMPFILE */
#elif !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <xxhash.h>

#include "pagefile_internal.h"
#include "terrapage/output_file.h"
#include "terrapage/writer.h"

#define SPILL_BUFFER_SIZE (256u << 10)
#define OUTPUT_BUFFER_SIZE (1u << 20)
#define MAX_TILES (1u << 22) /* a 64 MiB block table: 2^30 chunks */

/* ---- buffered sequential output over a file descriptor ---------------------------- */

typedef struct outbuf {
    int fd;
    uint8_t *buf;
    size_t len, cap;
    uint64_t pos; /* bytes accepted so far (flushed or buffered) */
    int err;      /* errno of the first failed write, sticky */
} outbuf;

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return EIO;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int ob_flush(outbuf *o)
{
    if (!o->err && o->len)
        o->err = write_all(o->fd, o->buf, o->len);
    o->len = 0;
    return o->err;
}

static int ob_write(outbuf *o, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n && !o->err) {
        if (o->len == o->cap && ob_flush(o))
            break;
        size_t k = o->cap - o->len < n ? o->cap - o->len : n;
        memcpy(o->buf + o->len, p, k);
        o->len += k;
        o->pos += k;
        p += k;
        n -= k;
    }
    return o->err;
}

/* Zero padding up to absolute position `to`, so files are byte-deterministic. */
static int ob_pad_to(outbuf *o, uint64_t to)
{
    static const uint8_t zeros[4096];
    assert(to >= o->pos);
    while (o->pos < to && !o->err) {
        uint64_t n = to - o->pos;
        ob_write(o, zeros, n < sizeof zeros ? (size_t)n : sizeof zeros);
    }
    return o->err;
}

/* ---- the writer ------------------------------------------------------------------- */

struct tp_writer {
    char *path;
    char *dir; /* where the output goes: the directory of path's target */
    tp_file_desc desc;
    uint8_t *params;
    uint32_t slot_base[TP_MAX_LAYERS];
    uint8_t slot_lod[TP_MAX_LAYERS * TP_MAX_LODS];
    uint32_t slots, record_size;
    uint32_t tiles_x, tiles_z;
    uint8_t **tiles; /* directory blocks in file layout, offsets section-relative */
    outbuf sections[TP_MAX_LODS];
    tp_result error; /* first I/O failure, reported again at finish */
    char error_detail[512];
};

static tp_result fail_io(tp_writer *w, const char *what, int err)
{
    tp_result r = tp__error_set(TP_ERR_IO, "%s: %s: %s", w->path, what, strerror(err));
    if (w->error == TP_OK) {
        w->error = r;
        snprintf(w->error_detail, sizeof w->error_detail, "%s", tp_error_detail());
    }
    return r;
}

/* A nameless temporary file next to the destination: it vanishes with the process, so
 * a bake killed at any point before finish leaves nothing behind. */
static int open_anonymous(const tp_writer *w)
{
#ifdef O_TMPFILE
    int fd = open(w->dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
#endif
    size_t n = strlen(w->dir) + 32;
    char *name = malloc(n);
    if (!name) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(name, n, "%s/.terrapage-spill-XXXXXX", w->dir);
    int fd2 = mkstemp(name);
    if (fd2 >= 0)
        unlink(name);
    free(name);
    return fd2;
}

static tp_result bad_desc(const char *what)
{
    return tp__error_set(TP_ERR_INVALID_ARGUMENT, "page file description: %s", what);
}

static tp_result validate_desc(const tp_file_desc *d)
{
    if (d->params_blob_size > TP__MAX_PARAMS_BLOB_SIZE)
        return bad_desc("params_blob_size above 65536");
    if (d->params_blob_size && !d->params_blob)
        return bad_desc("params_blob is NULL");
    if (d->region_width == 0 || d->region_height == 0)
        return bad_desc("empty region");
    if ((int64_t)d->region_x0 + d->region_width - 1 > INT32_MAX ||
        (int64_t)d->region_z0 + d->region_height - 1 > INT32_MAX)
        return bad_desc("region exceeds the int32 chunk range");
    uint64_t tile = 1u << TP__TILE_SHIFT;
    uint64_t tiles = (((uint64_t)d->region_width + tile - 1) >> TP__TILE_SHIFT) *
                     (((uint64_t)d->region_height + tile - 1) >> TP__TILE_SHIFT);
    if (tiles > MAX_TILES)
        return bad_desc("region too large (more than 2^22 tiles of 16x16 chunks)");
    if (!isfinite(d->chunk_size_m) || !(d->chunk_size_m > 0))
        return bad_desc("chunk_size_m must be finite and positive");
    if (!isfinite(d->height_min_m) || !isfinite(d->height_step_m) || !(d->height_step_m > 0))
        return bad_desc("height quantisation must be finite with a positive step");
    if (!tp_is_pow2_plus_one(d->samples_per_edge) || d->samples_per_edge > TP_MAX_EDGE)
        return bad_desc("samples_per_edge must be 2^n + 1, at most 16385");
    if (d->lod_count == 0 || d->lod_count > TP_MAX_LODS ||
        ((d->samples_per_edge - 1) >> (d->lod_count - 1)) == 0)
        return bad_desc("lod_count out of range for samples_per_edge");
    if (d->layer_count == 0 || d->layer_count > TP_MAX_LAYERS)
        return bad_desc("layer_count must be 1 … 16");
    for (size_t i = 0; i < sizeof d->reserved / sizeof d->reserved[0]; i++)
        if (d->reserved[i])
            return bad_desc("reserved fields must be 0");
    for (uint32_t i = 0; i < d->layer_count; i++) {
        const tp_layer_desc *l = &d->layers[i];
        for (uint32_t j = 0; j < i; j++)
            if (d->layers[j].layer_id == l->layer_id)
                return bad_desc("duplicate layer id");
        if (l->elem_type < TP_ELEM_U8 || l->elem_type > TP_ELEM_BYTES)
            return bad_desc("unknown element type");
        if (l->lod_count == 0 || l->lod_count > d->lod_count)
            return bad_desc("a layer's lod_count must be 1 … the file's lod_count");
        if (l->elem_type == TP_ELEM_BYTES ? l->edge_lod0 != 0
                                          : l->edge_lod0 == 0 || l->edge_lod0 > TP_MAX_EDGE)
            return bad_desc("layer edge_lod0 out of range (0 for bytes layers)");
        if (l->reserved[0] || l->reserved[1] || l->reserved[2])
            return bad_desc("layer reserved fields must be 0");
    }
    return TP_OK;
}

static void free_writer(tp_writer *w)
{
    if (!w)
        return;
    for (uint32_t i = 0; i < TP_MAX_LODS; i++) {
        if (w->sections[i].fd >= 0)
            close(w->sections[i].fd);
        free(w->sections[i].buf);
    }
    if (w->tiles)
        for (uint64_t t = 0; t < (uint64_t)w->tiles_x * w->tiles_z; t++)
            free(w->tiles[t]);
    free(w->tiles);
    free(w->params);
    free(w->dir);
    free(w->path);
    free(w);
}

/* The format minor that introduced a layer id (TP_LAYER_MAP, FORMAT.md section 7). Ids
 * this writer does not know are carried as the newest minor it knows: never understated. */
static uint32_t layer_minor(uint32_t layer_id)
{
    switch (layer_id) {
#define TP__LAYER_MINOR(name, value, text, minor) case name: return minor;
        TP_LAYER_MAP(TP__LAYER_MINOR)
#undef TP__LAYER_MINOR
    }
    return TP_PAGEFILE_VERSION_MINOR;
}

/* The lowest format minor whose additions the file uses (FORMAT.md, section 2): files
 * without a 1.1 layer stay 1.0 files, byte for byte. */
static uint32_t content_minor(const tp_file_desc *desc)
{
    uint32_t minor = 0;
    for (uint32_t i = 0; i < desc->layer_count; i++) {
        uint32_t since = layer_minor(desc->layers[i].layer_id);
        minor = since > minor ? since : minor;
    }
    return minor;
}

tp_result tp_writer_create(const char *path, const tp_file_desc *desc, tp_writer **out_writer)
{
    assert(path && desc && out_writer);
    *out_writer = NULL;
    tp_result r = validate_desc(desc);
    if (r != TP_OK)
        return r;
    char *dir = NULL;
    r = tp_output_check(path, &dir);
    if (r != TP_OK)
        return r;
    tp_output_remove_stale(path);

    tp_writer *w = calloc(1, sizeof *w);
    if (!w) {
        free(dir);
        return TP_ERR_OUT_OF_MEMORY;
    }
    for (uint32_t i = 0; i < TP_MAX_LODS; i++)
        w->sections[i].fd = -1;
    w->desc = *desc;
    w->path = strdup(path);
    w->dir = dir;
    w->params = malloc(desc->params_blob_size ? desc->params_blob_size : 1);
    uint64_t tile = 1u << TP__TILE_SHIFT;
    w->tiles_x = (uint32_t)((desc->region_width + tile - 1) >> TP__TILE_SHIFT);
    w->tiles_z = (uint32_t)((desc->region_height + tile - 1) >> TP__TILE_SHIFT);
    w->tiles = calloc((size_t)w->tiles_x * w->tiles_z, sizeof *w->tiles);
    if (!w->path || !w->dir || !w->params || !w->tiles) {
        free_writer(w);
        return TP_ERR_OUT_OF_MEMORY;
    }
    if (desc->params_blob_size)
        memcpy(w->params, desc->params_blob, desc->params_blob_size);
    w->desc.params_blob = w->params;
    w->desc.version_major = TP_PAGEFILE_VERSION_MAJOR;
    w->desc.version_minor = content_minor(desc);

    for (uint32_t i = 0; i < desc->layer_count; i++) {
        w->slot_base[i] = w->slots;
        for (uint32_t k = 0; k < desc->layers[i].lod_count; k++)
            w->slot_lod[w->slots++] = (uint8_t)k;
    }
    w->record_size = TP__BOUNDS_SIZE + w->slots * TP__DIR_ENTRY_SIZE;

    for (uint32_t k = 0; k < desc->lod_count; k++) {
        outbuf *o = &w->sections[k];
        o->fd = open_anonymous(w);
        if (o->fd < 0) {
            r = tp__error_set(TP_ERR_IO, "%s: cannot create a temporary file in %s: %s", path,
                              w->dir, strerror(errno));
            free_writer(w);
            return r;
        }
        o->cap = SPILL_BUFFER_SIZE;
        o->buf = malloc(o->cap);
        if (!o->buf) {
            free_writer(w);
            return TP_ERR_OUT_OF_MEMORY;
        }
    }
    *out_writer = w;
    return TP_OK;
}

/* The directory record of a chunk, allocating its tile's block on first use. */
static tp_result chunk_record(tp_writer *w, int32_t cx, int32_t cz, uint8_t **out_record)
{
    int64_t dx = (int64_t)cx - w->desc.region_x0, dz = (int64_t)cz - w->desc.region_z0;
    if (dx < 0 || dz < 0 || dx >= w->desc.region_width || dz >= w->desc.region_height)
        return tp__error_set(TP_ERR_OUT_OF_RANGE, "%s: chunk (%d, %d) is outside the region",
                             w->path, (int)cx, (int)cz);
    uint32_t tx = (uint32_t)dx >> TP__TILE_SHIFT, tz = (uint32_t)dz >> TP__TILE_SHIFT;
    uint32_t tw = tp__tile_extent(w->desc.region_width, TP__TILE_SHIFT, tx);
    uint32_t th = tp__tile_extent(w->desc.region_height, TP__TILE_SHIFT, tz);
    uint8_t **block = &w->tiles[(size_t)tz * w->tiles_x + tx];
    if (!*block) {
        *block = calloc((size_t)tw * th, w->record_size);
        if (!*block)
            return TP_ERR_OUT_OF_MEMORY;
    }
    uint32_t mask = (1u << TP__TILE_SHIFT) - 1u;
    uint32_t lx = (uint32_t)dx & mask, lz = (uint32_t)dz & mask;
    *out_record = *block + ((size_t)lz * tw + lx) * w->record_size;
    return TP_OK;
}

tp_result tp_writer_add_blob(tp_writer *w, int32_t cx, int32_t cz, uint32_t layer_id,
                             uint32_t lod, uint32_t encoding, const void *stored,
                             size_t stored_size, size_t raw_size, uint32_t aux)
{
    assert(w);
    uint32_t li = 0;
    while (li < w->desc.layer_count && w->desc.layers[li].layer_id != layer_id)
        li++;
    if (li == w->desc.layer_count)
        return tp__error_set(TP_ERR_NOT_FOUND, "%s: layer %u is not in the layer table",
                             w->path, layer_id);
    const tp_layer_desc *layer = &w->desc.layers[li];
    if (lod >= layer->lod_count)
        return tp__error_set(TP_ERR_OUT_OF_RANGE, "%s: layer %u stores no LOD %u", w->path,
                             layer_id, lod);
    if (!stored || stored_size == 0 || stored_size > UINT32_MAX || raw_size > UINT32_MAX)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: blob size %zu out of range",
                             w->path, stored_size);
    if (tp__is_grid(layer->elem_type)) {
        uint64_t edge = tp_lod_edge(layer->edge_lod0, lod);
        if (raw_size != edge * edge * tp_elem_size(layer->elem_type))
            return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                                 "%s: raw size %zu does not match a %ux%u grid of layer %u",
                                 w->path, raw_size, (unsigned)edge, (unsigned)edge, layer_id);
    }
    /* What a reader would refuse is refused here, before it is in a file. */
    if (!tp__raw_size_possible(encoding, stored_size, raw_size))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "%s: %zu stored bytes of encoding %u cannot decode to %zu",
                             w->path, stored_size, encoding, raw_size);
    int filtered = encoding == TP_ENCODING_PRED2D_LZ4 || encoding == TP_ENCODING_SLOPE_BITPLANE_LZ4;
    if (filtered && tp_elem_size(layer->elem_type) != 2)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "%s: encoding %u needs a 16-bit grid layer, layer %u is not one",
                             w->path, encoding, layer_id);
    uint8_t *record = NULL;
    tp_result r = chunk_record(w, cx, cz, &record);
    if (r != TP_OK)
        return r;
    uint8_t *entry = record + TP__BOUNDS_SIZE + (w->slot_base[li] + lod) * TP__DIR_ENTRY_SIZE;
    if (tp__le32(entry + TP__E_STORED_SIZE) != 0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "%s: chunk (%d, %d) layer %u LOD %u added twice", w->path, (int)cx,
                             (int)cz, layer_id, lod);

    outbuf *o = &w->sections[lod];
    uint64_t at = tp__place(o->pos, stored_size);
    if (ob_pad_to(o, at) || ob_write(o, stored, stored_size))
        return fail_io(w, "writing a temporary section file", o->err);

    tp__put64(entry + TP__E_OFFSET, at); /* section-relative until finish */
    tp__put64(entry + TP__E_CHECKSUM, XXH3_64bits(stored, stored_size));
    tp__put32(entry + TP__E_STORED_SIZE, (uint32_t)stored_size);
    tp__put32(entry + TP__E_RAW_SIZE, (uint32_t)raw_size);
    tp__put32(entry + TP__E_ENCODING, encoding);
    tp__put32(entry + TP__E_AUX, aux);
    tp__put32(record + TP__C_FLAGS, tp__le32(record + TP__C_FLAGS) | TP_CHUNK_PRESENT);
    return TP_OK;
}

tp_result tp_writer_set_chunk_bounds(tp_writer *w, int32_t cx, int32_t cz,
                                     const tp_chunk_bounds *bounds)
{
    assert(w && bounds);
    uint8_t *record = NULL;
    tp_result r = chunk_record(w, cx, cz, &record);
    if (r != TP_OK)
        return r;
    tp__put16(record + TP__C_HEIGHT_MIN, bounds->height_min_code);
    tp__put16(record + TP__C_HEIGHT_MAX, bounds->height_max_code);
    tp__put32(record + TP__C_FLAGS, bounds->flags | TP_CHUNK_PRESENT);
    return TP_OK;
}

tp_result tp_writer_check_output(const char *path)
{
    assert(path);
    return tp_output_check(path, NULL);
}

void tp_writer_abort(tp_writer *w)
{
    /* Section files are nameless and the output file exists only inside finish, so
     * closing the descriptors is the whole clean-up. */
    free_writer(w);
}

/* ---- finish ----------------------------------------------------------------------- */

typedef struct layout {
    uint64_t header_size, block_table_offset, directory_offset, directory_size;
    uint64_t data_offset, data_size, file_size;
    uint64_t section_offset[TP_MAX_LODS];
    uint64_t *tile_offset; /* 0 for absent tiles */
} layout;

static uint64_t tile_block_size(const tp_writer *w, uint32_t tx, uint32_t tz)
{
    return (uint64_t)tp__tile_extent(w->desc.region_width, TP__TILE_SHIFT, tx) *
           tp__tile_extent(w->desc.region_height, TP__TILE_SHIFT, tz) * w->record_size;
}

static void compute_layout(const tp_writer *w, layout *L)
{
    const tp_file_desc *d = &w->desc;
    L->header_size = TP__H_FIXED_SIZE + (uint64_t)d->lod_count * TP__SECTION_ENTRY_SIZE +
                     (uint64_t)d->layer_count * TP__LAYER_ENTRY_SIZE +
                     tp__round_up(d->params_blob_size, 8) + 8;
    L->block_table_offset = L->header_size;
    uint64_t tiles = (uint64_t)w->tiles_x * w->tiles_z;
    L->directory_offset = L->block_table_offset + tiles * TP__BLOCK_ENTRY_SIZE + 8;
    uint64_t pos = L->directory_offset;
    for (uint32_t tz = 0; tz < w->tiles_z; tz++)
        for (uint32_t tx = 0; tx < w->tiles_x; tx++) {
            uint64_t t = (uint64_t)tz * w->tiles_x + tx;
            L->tile_offset[t] = 0;
            if (!w->tiles[t])
                continue;
            uint64_t size = tile_block_size(w, tx, tz);
            pos = tp__place(pos, size);
            L->tile_offset[t] = pos;
            pos += size;
        }
    L->directory_size = pos - L->directory_offset;
    L->data_offset = tp__round_up(pos, TP_PAGE_ALIGN);
    pos = L->data_offset;
    for (uint32_t k = d->lod_count; k-- > 0;) {
        L->section_offset[k] = tp__round_up(pos, TP_PAGE_ALIGN);
        pos = L->section_offset[k] + w->sections[k].pos;
    }
    L->data_size = pos - L->data_offset;
    L->file_size = pos;
}

static void build_header(const tp_writer *w, const layout *L, uint8_t *h)
{
    const tp_file_desc *d = &w->desc;
    uint64_t section_table = TP__H_FIXED_SIZE;
    uint64_t layer_table = section_table + (uint64_t)d->lod_count * TP__SECTION_ENTRY_SIZE;
    uint64_t params = layer_table + (uint64_t)d->layer_count * TP__LAYER_ENTRY_SIZE;
    memset(h, 0, (size_t)L->header_size);
    memcpy(h + TP__H_MAGIC, TP__MAGIC, TP__MAGIC_SIZE);
    tp__put16(h + TP__H_VERSION_MAJOR, TP_PAGEFILE_VERSION_MAJOR);
    tp__put16(h + TP__H_VERSION_MINOR, (uint16_t)w->desc.version_minor);
    tp__put32(h + TP__H_HEADER_SIZE, (uint32_t)L->header_size);
    tp__put64(h + TP__H_FILE_SIZE, L->file_size);
    tp__put32(h + TP__H_REQUIRED_FLAGS, 0);
    tp__put32(h + TP__H_OPTIONAL_FLAGS, 0);
    tp__put64(h + TP__H_SEED, d->seed);
    tp__put64(h + TP__H_PARAMS_HASH, d->params_hash);
    tp__put32(h + TP__H_GENERATOR_VERSION, d->generator_version);
    tp__put32(h + TP__H_PARAMS_BLOB_SIZE, d->params_blob_size);
    tp__put64(h + TP__H_PARAMS_BLOB_OFFSET, params);
    tp__put32(h + TP__H_REGION_X0, (uint32_t)d->region_x0);
    tp__put32(h + TP__H_REGION_Z0, (uint32_t)d->region_z0);
    tp__put32(h + TP__H_REGION_WIDTH, d->region_width);
    tp__put32(h + TP__H_REGION_HEIGHT, d->region_height);
    tp__putf64(h + TP__H_CHUNK_SIZE_M, d->chunk_size_m);
    tp__put32(h + TP__H_SAMPLES_PER_EDGE, d->samples_per_edge);
    tp__put32(h + TP__H_LOD_COUNT, d->lod_count);
    tp__putf64(h + TP__H_HEIGHT_MIN_M, d->height_min_m);
    tp__putf64(h + TP__H_HEIGHT_STEP_M, d->height_step_m);
    tp__put32(h + TP__H_LAYER_COUNT, d->layer_count);
    tp__put32(h + TP__H_LAYER_ENTRY_SIZE, TP__LAYER_ENTRY_SIZE);
    tp__put64(h + TP__H_LAYER_TABLE_OFFSET, layer_table);
    tp__put64(h + TP__H_SECTION_TABLE_OFFSET, section_table);
    tp__put32(h + TP__H_TILE_SHIFT, TP__TILE_SHIFT);
    tp__put32(h + TP__H_BOUNDS_SIZE, TP__BOUNDS_SIZE);
    tp__put32(h + TP__H_DIR_ENTRY_SIZE, TP__DIR_ENTRY_SIZE);
    tp__put32(h + TP__H_SLOTS_PER_CHUNK, w->slots);
    tp__put64(h + TP__H_BLOCK_TABLE_OFFSET, L->block_table_offset);
    tp__put64(h + TP__H_DIRECTORY_OFFSET, L->directory_offset);
    tp__put64(h + TP__H_DIRECTORY_SIZE, L->directory_size);
    tp__put64(h + TP__H_DATA_OFFSET, L->data_offset);
    tp__put64(h + TP__H_DATA_SIZE, L->data_size);
    for (uint32_t k = 0; k < d->lod_count; k++) {
        uint8_t *s = h + section_table + (uint64_t)k * TP__SECTION_ENTRY_SIZE;
        tp__put64(s + TP__S_OFFSET, L->section_offset[k]);
        tp__put64(s + TP__S_SIZE, w->sections[k].pos);
    }
    for (uint32_t i = 0; i < d->layer_count; i++) {
        uint8_t *e = h + layer_table + (uint64_t)i * TP__LAYER_ENTRY_SIZE;
        const tp_layer_desc *l = &d->layers[i];
        tp__put32(e + TP__L_LAYER_ID, l->layer_id);
        tp__put32(e + TP__L_ELEM_TYPE, l->elem_type);
        tp__put32(e + TP__L_LOD_COUNT, l->lod_count);
        tp__put32(e + TP__L_EDGE_LOD0, l->edge_lod0);
        tp__put32(e + TP__L_ENCODING, l->encoding);
    }
    if (d->params_blob_size)
        memcpy(h + params, d->params_blob, d->params_blob_size);
    size_t covered = (size_t)L->header_size - 8;
    tp__put64(h + covered, XXH3_64bits(h, covered));
}

/* Turns section-relative blob offsets into file offsets and returns the block's hash. */
static uint64_t finalize_block(const tp_writer *w, const layout *L, uint8_t *block,
                               uint64_t size)
{
    for (uint64_t rec = 0; rec < size; rec += w->record_size)
        for (uint32_t s = 0; s < w->slots; s++) {
            uint8_t *e = block + rec + TP__BOUNDS_SIZE + (uint64_t)s * TP__DIR_ENTRY_SIZE;
            if (tp__le32(e + TP__E_STORED_SIZE))
                tp__put64(e + TP__E_OFFSET,
                          tp__le64(e + TP__E_OFFSET) + L->section_offset[w->slot_lod[s]]);
        }
    return XXH3_64bits(block, (size_t)size);
}

static int copy_section(outbuf *out, int fd, uint64_t size, uint8_t *buf, size_t buf_size)
{
    for (uint64_t at = 0; at < size && !out->err;) {
        size_t want = size - at < buf_size ? (size_t)(size - at) : buf_size;
        ssize_t n = pread(fd, buf, want, (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        ob_write(out, buf, (size_t)n);
        at += (uint64_t)n;
    }
    return out->err;
}

tp_result tp_writer_finish(tp_writer *w)
{
    assert(w);
    if (w->error != TP_OK) {
        tp_result r = tp__error_set(w->error, "%s", w->error_detail);
        free_writer(w);
        return r;
    }
    const tp_file_desc *d = &w->desc;
    for (uint32_t k = 0; k < d->lod_count; k++)
        if (ob_flush(&w->sections[k])) {
            tp_result r = fail_io(w, "writing a temporary section file", w->sections[k].err);
            free_writer(w);
            return r;
        }

    uint64_t tiles = (uint64_t)w->tiles_x * w->tiles_z;
    layout L;
    memset(&L, 0, sizeof L);
    L.tile_offset = malloc((size_t)tiles * sizeof *L.tile_offset);
    uint8_t *header = NULL, *table = NULL, *copy_buf = NULL;
    tp_output_file file = {.fd = -1};
    outbuf out = {.fd = -1};
    tp_result r = TP_ERR_OUT_OF_MEMORY;
    if (!L.tile_offset)
        goto done;
    compute_layout(w, &L);

    size_t table_size = (size_t)tiles * TP__BLOCK_ENTRY_SIZE + 8;
    header = malloc((size_t)L.header_size);
    table = calloc(1, table_size);
    copy_buf = malloc(OUTPUT_BUFFER_SIZE);
    out.buf = malloc(OUTPUT_BUFFER_SIZE);
    out.cap = OUTPUT_BUFFER_SIZE;
    if (!header || !table || !copy_buf || !out.buf)
        goto done;
    build_header(w, &L, header);
    for (uint32_t tz = 0; tz < w->tiles_z; tz++)
        for (uint32_t tx = 0; tx < w->tiles_x; tx++) {
            uint64_t t = (uint64_t)tz * w->tiles_x + tx;
            if (!w->tiles[t])
                continue;
            uint64_t hash = finalize_block(w, &L, w->tiles[t], tile_block_size(w, tx, tz));
            tp__put64(table + t * TP__BLOCK_ENTRY_SIZE + TP__B_OFFSET, L.tile_offset[t]);
            tp__put64(table + t * TP__BLOCK_ENTRY_SIZE + TP__B_CHECKSUM, hash);
        }
    tp__put64(table + table_size - 8, XXH3_64bits(table, table_size - 8));

    /* The path is checked again: it may have changed during a long bake. */
    r = tp_output_open(w->path, &file);
    if (r != TP_OK)
        goto done;
    out.fd = file.fd;

    ob_write(&out, header, (size_t)L.header_size);
    ob_write(&out, table, table_size);
    for (uint64_t t = 0; t < tiles; t++)
        if (w->tiles[t]) {
            ob_pad_to(&out, L.tile_offset[t]);
            ob_write(&out, w->tiles[t],
                     (size_t)tile_block_size(w, (uint32_t)(t % w->tiles_x),
                                             (uint32_t)(t / w->tiles_x)));
        }
    for (uint32_t k = d->lod_count; k-- > 0 && !out.err;) {
        ob_pad_to(&out, L.section_offset[k]);
        int err = copy_section(&out, w->sections[k].fd, w->sections[k].pos, copy_buf,
                               OUTPUT_BUFFER_SIZE);
        if (err && !out.err) {
            r = fail_io(w, "reading back a temporary section file", err);
            goto done;
        }
    }
    if (ob_flush(&out)) {
        r = fail_io(w, "writing", out.err);
        goto done;
    }
    assert(out.pos == L.file_size);
    r = tp_output_commit(&file); /* fsync, rename into place, fsync the directory */

done:
    tp_output_discard(&file); /* after a failure: the temporary goes, the old file stays */
    free(out.buf);
    free(copy_buf);
    free(table);
    free(header);
    free(L.tile_offset);
    free_writer(w);
    return r;
}
