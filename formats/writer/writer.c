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
 * The directory is streamed the same way, so that a bake's memory does not grow with its
 * world: only the block of the tile being filled is in memory ((16 + 32 · slots) bytes
 * per chunk of one 16×16-chunk tile, 140 KiB with 17 slots). When a chunk of another tile
 * arrives, the block goes to a nameless directory spill file (appended the first time,
 * rewritten in place if the tile is touched again, since a tile's block has a fixed
 * size). The block table is kept whole, 16 bytes per tile of the region (64 KiB for a
 * million chunks): during the bake each entry holds where the tile's block lies in the
 * spill file, at finish its place and checksum in the output. The baker adds chunks tile
 * by tile (Morton order), so each block is written to the spill once and read back once.
 *
 * Merging shards (terrapage/merge.h) uses the same writer with blobs that already lie in
 * another file (tp_writer_add_blob_copy()): the writer places them exactly as if their
 * bytes had been added, records runs of them that keep their spacing, and copies each run
 * at finish with copy_file_range() (a read/write loop where the kernel cannot), so the
 * data never passes through the process when the file system can help. */
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
#include "terrapage/shard.h"
#include "terrapage/writer.h"

#define SPILL_BUFFER_SIZE (256u << 10)
#define OUTPUT_BUFFER_SIZE (1u << 20)

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

/* A run of blobs that lie in another file, copied at finish: `length` bytes from
 * `source_fd` at `source_offset` to `offset` of the section (section-relative). Runs are
 * spilled as they are, in this process's layout: the spill file is private. */
typedef struct copy_run {
    int64_t source_fd;
    uint64_t source_offset, offset, length;
} copy_run;

#define NO_TILE UINT64_MAX

struct tp_writer {
    char *path;
    char *dir; /* where the output goes: the directory of path's target */
    tp_file_desc desc;
    uint8_t *params;
    uint32_t slot_base[TP_MAX_LAYERS];
    uint8_t slot_lod[TP_MAX_LAYERS * TP_MAX_LODS];
    uint32_t slots, record_size;
    uint32_t tiles_x, tiles_z;
    uint64_t tile_count;
    /* The block table as the file stores it (tile_count entries, then its checksum).
     * Until finish an entry's offset is 1 + where the tile's block lies in the directory
     * spill file, 0 for a tile no chunk has touched. */
    uint8_t *table;
    size_t table_size;
    uint8_t *block;      /* the directory block of tile block_tile, being filled */
    uint64_t block_tile; /* NO_TILE: none */
    int dir_fd;          /* the directory spill file */
    uint64_t dir_spill_size;
    int shard;           /* a shard file: chunks must lie in shard_range */
    tp_shard_range shard_range;
    int copying;         /* -1 until the first blob; then 1 when blobs are copied from
                            other files (tp_writer_add_blob_copy()), 0 when added as bytes */
    uint64_t section_size[TP_MAX_LODS];
    outbuf sections[TP_MAX_LODS]; /* the section's bytes, or (copying) its copy_runs */
    copy_run run[TP_MAX_LODS];    /* copying: the open run of each section (length 0: none) */
    tp_writer_progress_fn progress;
    void *progress_user;
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

static int pwrite_all(int fd, const void *data, size_t n, uint64_t at)
{
    const uint8_t *p = data;
    while (n) {
        ssize_t k = pwrite(fd, p, n, (off_t)at);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return EIO;
        p += k;
        n -= (size_t)k;
        at += (uint64_t)k;
    }
    return 0;
}

static int pread_all(int fd, void *data, size_t n, uint64_t at)
{
    uint8_t *p = data;
    while (n) {
        ssize_t k = pread(fd, p, n, (off_t)at);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return EIO; /* the file is shorter than it must be */
        p += k;
        n -= (size_t)k;
        at += (uint64_t)k;
    }
    return 0;
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
    if (d->shard_count > TP__SHARD_MAX_COUNT)
        return bad_desc("shard_count above 65536");
    if (d->shard_count ? d->shard_index >= d->shard_count
                       : d->shard_index != 0 || d->shard_level != 0)
        return bad_desc("shard_index must be below shard_count (and 0, like shard_level, "
                        "without shards)");
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
    if (w->dir_fd >= 0)
        close(w->dir_fd);
    free(w->block);
    free(w->table);
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
 * without a 1.1 layer stay 1.0 files, byte for byte, and only shards are 1.2 files. */
static uint32_t content_minor(const tp_file_desc *desc)
{
    uint32_t minor = desc->shard_count ? TP__SHARD_MINOR : 0;
    for (uint32_t i = 0; i < desc->layer_count; i++) {
        uint32_t since = layer_minor(desc->layers[i].layer_id);
        minor = since > minor ? since : minor;
    }
    return minor;
}

static uint64_t tile_block_size(const tp_writer *w, uint64_t tile)
{
    uint32_t tx = (uint32_t)(tile % w->tiles_x), tz = (uint32_t)(tile / w->tiles_x);
    return (uint64_t)tp__tile_extent(w->desc.region_width, TP__TILE_SHIFT, tx) *
           tp__tile_extent(w->desc.region_height, TP__TILE_SHIFT, tz) * w->record_size;
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
    w->dir_fd = -1;
    w->block_tile = NO_TILE;
    w->copying = -1;
    w->desc = *desc;
    w->path = strdup(path);
    w->dir = dir;
    w->params = malloc(desc->params_blob_size ? desc->params_blob_size : 1);
    uint64_t tile = 1u << TP__TILE_SHIFT;
    w->tiles_x = (uint32_t)((desc->region_width + tile - 1) >> TP__TILE_SHIFT);
    w->tiles_z = (uint32_t)((desc->region_height + tile - 1) >> TP__TILE_SHIFT);
    w->tile_count = (uint64_t)w->tiles_x * w->tiles_z;
    /* The block table is the one thing kept per tile: 16 bytes per 256 chunks. A region
     * whose table cannot be allocated fails here, before any work. */
    if (w->tile_count <= (SIZE_MAX - 8) / TP__BLOCK_ENTRY_SIZE) {
        w->table_size = (size_t)w->tile_count * TP__BLOCK_ENTRY_SIZE + 8;
        w->table = calloc(1, w->table_size);
    }
    for (uint32_t i = 0; i < desc->layer_count; i++) {
        w->slot_base[i] = w->slots;
        for (uint32_t k = 0; k < desc->layers[i].lod_count; k++)
            w->slot_lod[w->slots++] = (uint8_t)k;
    }
    w->record_size = TP__BOUNDS_SIZE + w->slots * TP__DIR_ENTRY_SIZE;
    w->block = malloc((size_t)w->record_size << (2 * TP__TILE_SHIFT));
    if (!w->path || !w->dir || !w->params || !w->table || !w->block) {
        if (!w->table)
            r = tp__error_set(TP_ERR_OUT_OF_MEMORY, "%s: no memory for the block table of "
                              "%llu tiles (16 bytes each)", path,
                              (unsigned long long)w->tile_count);
        free_writer(w);
        return TP_ERR_OUT_OF_MEMORY;
    }
    if (desc->params_blob_size)
        memcpy(w->params, desc->params_blob, desc->params_blob_size);
    w->desc.params_blob = w->params;
    w->desc.version_major = TP_PAGEFILE_VERSION_MAJOR;
    w->desc.version_minor = content_minor(desc);
    if (desc->shard_count) {
        w->shard = 1;
        r = tp_shard_range_of(desc->region_width, desc->region_height, desc->shard_index,
                              desc->shard_count, &w->shard_range);
        if (r != TP_OK) {
            free_writer(w);
            return r;
        }
    }

    w->dir_fd = open_anonymous(w);
    for (uint32_t k = 0; k < desc->lod_count && w->dir_fd >= 0; k++) {
        outbuf *o = &w->sections[k];
        o->fd = open_anonymous(w);
        if (o->fd < 0)
            break;
        o->cap = SPILL_BUFFER_SIZE;
        o->buf = malloc(o->cap);
        if (!o->buf) {
            free_writer(w);
            return TP_ERR_OUT_OF_MEMORY;
        }
    }
    if (w->dir_fd < 0 || w->sections[desc->lod_count - 1].fd < 0) {
        r = tp__error_set(TP_ERR_IO, "%s: cannot create a temporary file in %s: %s", path,
                          w->dir, strerror(errno));
        free_writer(w);
        return r;
    }
    *out_writer = w;
    return TP_OK;
}

void tp_writer_set_progress(tp_writer *w, tp_writer_progress_fn progress, void *user)
{
    assert(w);
    w->progress = progress;
    w->progress_user = user;
}

/* Puts the block being filled into the directory spill file: at its place there if the
 * tile was stored before (a tile's block has a fixed size), else at the end. */
static tp_result store_block(tp_writer *w)
{
    if (w->block_tile == NO_TILE)
        return TP_OK;
    uint8_t *entry = w->table + w->block_tile * TP__BLOCK_ENTRY_SIZE;
    uint64_t size = tile_block_size(w, w->block_tile);
    uint64_t at = tp__le64(entry + TP__B_OFFSET);
    if (at == 0) {
        at = w->dir_spill_size + 1;
        w->dir_spill_size += size;
    }
    int err = pwrite_all(w->dir_fd, w->block, (size_t)size, at - 1);
    if (err)
        return fail_io(w, "writing the temporary directory file", err);
    tp__put64(entry + TP__B_OFFSET, at);
    w->block_tile = NO_TILE;
    return TP_OK;
}

/* Makes w->block the block of `tile`: read back from the spill, or new and empty. */
static tp_result load_block(tp_writer *w, uint64_t tile)
{
    if (w->block_tile == tile)
        return TP_OK;
    tp_result r = store_block(w);
    if (r != TP_OK)
        return r;
    uint64_t size = tile_block_size(w, tile);
    uint64_t at = tp__le64(w->table + tile * TP__BLOCK_ENTRY_SIZE + TP__B_OFFSET);
    if (at == 0) {
        memset(w->block, 0, (size_t)size);
    } else {
        int err = pread_all(w->dir_fd, w->block, (size_t)size, at - 1);
        if (err)
            return fail_io(w, "reading back the temporary directory file", err);
    }
    w->block_tile = tile;
    return TP_OK;
}

/* The directory record of a chunk, in the block of its tile. */
static tp_result chunk_record(tp_writer *w, int32_t cx, int32_t cz, uint8_t **out_record)
{
    int64_t dx = (int64_t)cx - w->desc.region_x0, dz = (int64_t)cz - w->desc.region_z0;
    if (dx < 0 || dz < 0 || dx >= w->desc.region_width || dz >= w->desc.region_height)
        return tp__error_set(TP_ERR_OUT_OF_RANGE, "%s: chunk (%d, %d) is outside the region",
                             w->path, (int)cx, (int)cz);
    if (w->shard) {
        uint64_t key = tp_morton_key((uint32_t)dx, (uint32_t)dz);
        if (key < w->shard_range.key_begin || key >= w->shard_range.key_end)
            return tp__error_set(TP_ERR_OUT_OF_RANGE, "%s: chunk (%d, %d) is not in shard "
                                 "%u of %u", w->path, (int)cx, (int)cz, w->desc.shard_index,
                                 w->desc.shard_count);
    }
    uint32_t tx = (uint32_t)dx >> TP__TILE_SHIFT, tz = (uint32_t)dz >> TP__TILE_SHIFT;
    uint32_t tw = tp__tile_extent(w->desc.region_width, TP__TILE_SHIFT, tx);
    tp_result r = load_block(w, (uint64_t)tz * w->tiles_x + tx);
    if (r != TP_OK)
        return r;
    uint32_t mask = (1u << TP__TILE_SHIFT) - 1u;
    uint32_t lx = (uint32_t)dx & mask, lz = (uint32_t)dz & mask;
    *out_record = w->block + ((size_t)lz * tw + lx) * w->record_size;
    return TP_OK;
}

/* Everything tp_writer_add_blob() and tp_writer_add_blob_copy() check before placing a
 * blob; returns its directory entry. */
static tp_result claim_entry(tp_writer *w, int32_t cx, int32_t cz, uint32_t layer_id,
                             uint32_t lod, uint32_t encoding, uint64_t stored_size,
                             uint64_t raw_size, int copying, uint8_t **out_entry)
{
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
    if (stored_size == 0 || stored_size > UINT32_MAX || raw_size > UINT32_MAX)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: blob size %llu out of range",
                             w->path, (unsigned long long)stored_size);
    if (tp__is_grid(layer->elem_type)) {
        uint64_t edge = tp_lod_edge(layer->edge_lod0, lod);
        if (raw_size != edge * edge * tp_elem_size(layer->elem_type))
            return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                                 "%s: raw size %llu does not match a %ux%u grid of layer %u",
                                 w->path, (unsigned long long)raw_size, (unsigned)edge,
                                 (unsigned)edge, layer_id);
    }
    /* What a reader would refuse is refused here, before it is in a file. */
    if (!tp__raw_size_possible(encoding, stored_size, raw_size))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "%s: %llu stored bytes of encoding %u cannot decode to %llu",
                             w->path, (unsigned long long)stored_size, encoding,
                             (unsigned long long)raw_size);
    int filtered = encoding == TP_ENCODING_PRED2D_LZ4 || encoding == TP_ENCODING_SLOPE_BITPLANE_LZ4;
    if (filtered && tp_elem_size(layer->elem_type) != 2)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "%s: encoding %u needs a 16-bit grid layer, layer %u is not one",
                             w->path, encoding, layer_id);
    if (w->copying >= 0 && w->copying != copying)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: blobs added as bytes and copied "
                             "from other files cannot be mixed in one writer", w->path);
    uint8_t *record = NULL;
    tp_result r = chunk_record(w, cx, cz, &record);
    if (r != TP_OK)
        return r;
    uint8_t *entry = record + TP__BOUNDS_SIZE + (w->slot_base[li] + lod) * TP__DIR_ENTRY_SIZE;
    if (tp__le32(entry + TP__E_STORED_SIZE) != 0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "%s: chunk (%d, %d) layer %u LOD %u added twice", w->path, (int)cx,
                             (int)cz, layer_id, lod);
    w->copying = copying;
    *out_entry = entry;
    return TP_OK;
}

static void fill_entry(uint8_t *entry, uint64_t at, uint64_t checksum, uint64_t stored_size,
                       uint64_t raw_size, uint32_t encoding, uint32_t aux)
{
    tp__put64(entry + TP__E_OFFSET, at); /* section-relative until finish */
    tp__put64(entry + TP__E_CHECKSUM, checksum);
    tp__put32(entry + TP__E_STORED_SIZE, (uint32_t)stored_size);
    tp__put32(entry + TP__E_RAW_SIZE, (uint32_t)raw_size);
    tp__put32(entry + TP__E_ENCODING, encoding);
    tp__put32(entry + TP__E_AUX, aux);
}

/* The record that holds `entry` (in the block being filled) is marked present. */
static void mark_present(tp_writer *w, const uint8_t *entry)
{
    size_t rec = (size_t)(entry - w->block) / w->record_size * w->record_size;
    uint8_t *record = w->block + rec;
    tp__put32(record + TP__C_FLAGS, tp__le32(record + TP__C_FLAGS) | TP_CHUNK_PRESENT);
}

tp_result tp_writer_add_blob(tp_writer *w, int32_t cx, int32_t cz, uint32_t layer_id,
                             uint32_t lod, uint32_t encoding, const void *stored,
                             size_t stored_size, size_t raw_size, uint32_t aux)
{
    assert(w);
    if (!stored)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: blob bytes are NULL", w->path);
    uint8_t *entry = NULL;
    tp_result r = claim_entry(w, cx, cz, layer_id, lod, encoding, stored_size, raw_size, 0,
                              &entry);
    if (r != TP_OK)
        return r;
    outbuf *o = &w->sections[lod];
    uint64_t at = tp__place(o->pos, stored_size);
    if (ob_pad_to(o, at) || ob_write(o, stored, stored_size))
        return fail_io(w, "writing a temporary section file", o->err);
    w->section_size[lod] = o->pos;
    fill_entry(entry, at, XXH3_64bits(stored, stored_size), stored_size, raw_size, encoding,
               aux);
    mark_present(w, entry);
    return TP_OK;
}

static tp_result close_run(tp_writer *w, uint32_t lod)
{
    copy_run *run = &w->run[lod];
    if (run->length == 0)
        return TP_OK;
    if (ob_write(&w->sections[lod], run, sizeof *run))
        return fail_io(w, "writing a temporary section file", w->sections[lod].err);
    run->length = 0;
    return TP_OK;
}

tp_result tp_writer_add_blob_copy(tp_writer *w, int32_t cx, int32_t cz, uint32_t layer_id,
                                  uint32_t lod, uint32_t encoding, int source_fd,
                                  uint64_t source_offset, uint64_t stored_size,
                                  uint64_t checksum, uint64_t raw_size, uint32_t aux)
{
    assert(w);
    if (source_fd < 0 || source_offset > UINT64_MAX - stored_size)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: no source for a copied blob",
                             w->path);
    uint8_t *entry = NULL;
    tp_result r = claim_entry(w, cx, cz, layer_id, lod, encoding, stored_size, raw_size, 1,
                              &entry);
    if (r != TP_OK)
        return r;
    uint64_t at = tp__place(w->section_size[lod], stored_size);
    copy_run *run = &w->run[lod];
    /* A blob that keeps its distance from the run's start in both files joins the run:
     * what lies between (the source's zero padding) is copied with it. */
    int joins = run->length && run->source_fd == source_fd &&
                source_offset >= run->source_offset + run->length &&
                source_offset - run->source_offset == at - run->offset;
    if (!joins) {
        if ((r = close_run(w, lod)) != TP_OK)
            return r;
        *run = (copy_run){source_fd, source_offset, at, 0};
    }
    run->length = at + stored_size - run->offset;
    w->section_size[lod] = at + stored_size;
    fill_entry(entry, at, checksum, stored_size, raw_size, encoding, aux);
    mark_present(w, entry);
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
    /* Spill files are nameless and the output file exists only inside finish, so
     * closing the descriptors is the whole clean-up. */
    free_writer(w);
}

/* ---- finish ----------------------------------------------------------------------- */

typedef struct layout {
    uint64_t header_size, block_table_offset, directory_offset, directory_size;
    uint64_t data_offset, data_size, file_size;
    uint64_t section_offset[TP_MAX_LODS];
} layout;

/* Where everything goes. Blocks are placed in tile order by the page rule, so the
 * directory's size follows from which tiles have one, without reading any. */
static void compute_layout(const tp_writer *w, layout *L)
{
    const tp_file_desc *d = &w->desc;
    L->header_size = TP__H_FIXED_SIZE + (uint64_t)d->lod_count * TP__SECTION_ENTRY_SIZE +
                     (uint64_t)d->layer_count * TP__LAYER_ENTRY_SIZE +
                     tp__round_up(d->params_blob_size, 8) +
                     (w->shard ? TP__SHARD_RECORD_SIZE : 0) + 8;
    L->block_table_offset = L->header_size;
    L->directory_offset = L->block_table_offset + w->table_size;
    uint64_t pos = L->directory_offset;
    for (uint64_t t = 0; t < w->tile_count; t++) {
        if (tp__le64(w->table + t * TP__BLOCK_ENTRY_SIZE + TP__B_OFFSET) == 0)
            continue;
        uint64_t size = tile_block_size(w, t);
        pos = tp__place(pos, size) + size;
    }
    L->directory_size = pos - L->directory_offset;
    L->data_offset = tp__round_up(pos, TP_PAGE_ALIGN);
    pos = L->data_offset;
    for (uint32_t k = d->lod_count; k-- > 0;) {
        L->section_offset[k] = tp__round_up(pos, TP_PAGE_ALIGN);
        pos = L->section_offset[k] + w->section_size[k];
    }
    L->data_size = pos - L->data_offset;
    L->file_size = pos;
}

static void build_shard_record(const tp_writer *w, uint8_t *rec)
{
    tp__put32(rec + TP__R_RECORD_SIZE, TP__SHARD_RECORD_SIZE);
    tp__put32(rec + TP__R_SCHEME, TP__SHARD_SCHEME_MORTON_TILES);
    tp__put32(rec + TP__R_INDEX, w->desc.shard_index);
    tp__put32(rec + TP__R_COUNT, w->desc.shard_count);
    tp__put64(rec + TP__R_TILE_BEGIN, w->shard_range.tile_begin);
    tp__put64(rec + TP__R_TILE_COUNT, w->shard_range.tile_count);
    tp__put64(rec + TP__R_CHUNK_COUNT, w->shard_range.chunk_count);
    tp__put32(rec + TP__R_LEVEL, (uint32_t)w->desc.shard_level);
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
    tp__put32(h + TP__H_OPTIONAL_FLAGS, w->shard ? TP_FILE_SHARD : 0);
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
        tp__put64(s + TP__S_SIZE, w->section_size[k]);
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
    if (w->shard)
        build_shard_record(w, h + covered - TP__SHARD_RECORD_SIZE);
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

/* Progress of the data copy, about every 64 MiB and once at the end. */
typedef struct copy_progress {
    const tp_writer *w;
    uint64_t done, total, reported;
} copy_progress;

static void advance(copy_progress *p, uint64_t bytes)
{
    p->done += bytes;
    if (p->w->progress && (p->done - p->reported >= (64u << 20) || p->done == p->total)) {
        p->reported = p->done;
        p->w->progress(p->w->progress_user, p->done, p->total);
    }
}

static int copy_section(outbuf *out, int fd, uint64_t size, uint8_t *buf, size_t buf_size,
                        copy_progress *progress)
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
        advance(progress, (uint64_t)n);
    }
    return out->err;
}

/* Copies `length` bytes between two files at given offsets: in the kernel with
 * copy_file_range() (which may share the blocks outright, e.g. on XFS or Btrfs), else —
 * another file system, an older kernel — through `buf`. Returns 0 or an errno. */
static int copy_range(int from, uint64_t from_at, int to, uint64_t to_at, uint64_t length,
                      uint8_t *buf, size_t buf_size, copy_progress *progress)
{
#if defined(__linux__)
    while (length) {
        loff_t in = (loff_t)from_at, out = (loff_t)to_at;
        size_t want = length < (1u << 30) ? (size_t)length : (1u << 30);
        ssize_t n = copy_file_range(from, &in, to, &out, want, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EXDEV || errno == ENOSYS || errno == EINVAL ||
                      errno == EOPNOTSUPP || errno == EBADF))
            break; /* not here: fall back to reading and writing */
        if (n < 0)
            return errno;
        if (n == 0)
            return EIO; /* the source ended early */
        from_at += (uint64_t)n;
        to_at += (uint64_t)n;
        length -= (uint64_t)n;
        advance(progress, (uint64_t)n);
    }
#endif
    while (length) {
        size_t want = length < buf_size ? (size_t)length : buf_size;
        int err = pread_all(from, buf, want, from_at);
        if (!err)
            err = pwrite_all(to, buf, want, to_at);
        if (err)
            return err;
        from_at += want;
        to_at += want;
        length -= want;
        advance(progress, want);
    }
    return 0;
}

/* Copies section `k`'s runs (copying writers) to their final places in `fd`. */
static tp_result copy_runs(tp_writer *w, uint32_t k, uint64_t section_offset, int fd,
                           uint8_t *buf, size_t buf_size, copy_progress *progress)
{
    const outbuf *runs = &w->sections[k];
    copy_run run;
    for (uint64_t at = 0; at < runs->pos; at += sizeof run) {
        int err = pread_all(runs->fd, &run, sizeof run, at);
        if (err)
            return fail_io(w, "reading back a temporary section file", err);
        err = copy_range((int)run.source_fd, run.source_offset, fd,
                         section_offset + run.offset, run.length, buf, buf_size, progress);
        if (err)
            return fail_io(w, "copying blobs from their source file", err);
    }
    return TP_OK;
}

tp_result tp_writer_finish(tp_writer *w)
{
    assert(w);
    const tp_file_desc *d = &w->desc;
    tp_result r = store_block(w);
    for (uint32_t k = 0; k < d->lod_count && r == TP_OK; k++) {
        if (w->copying == 1)
            r = close_run(w, k);
        if (r == TP_OK && ob_flush(&w->sections[k]))
            r = fail_io(w, "writing a temporary section file", w->sections[k].err);
    }
    if (w->error != TP_OK) {
        r = tp__error_set(w->error, "%s", w->error_detail);
        free_writer(w);
        return r;
    }

    layout L;
    memset(&L, 0, sizeof L);
    compute_layout(w, &L);
    uint8_t *header = malloc((size_t)L.header_size);
    uint8_t *copy_buf = malloc(OUTPUT_BUFFER_SIZE);
    tp_output_file file = {.fd = -1};
    outbuf out = {.fd = -1, .buf = malloc(OUTPUT_BUFFER_SIZE), .cap = OUTPUT_BUFFER_SIZE};
    copy_progress progress = {w, 0, L.data_size, 0};
    r = TP_ERR_OUT_OF_MEMORY;
    if (!header || !copy_buf || !out.buf)
        goto done;
    build_header(w, &L, header);

    /* The path is checked again: it may have changed during a long bake. */
    r = tp_output_open(w->path, &file);
    if (r != TP_OK)
        goto done;
    out.fd = file.fd;

    /* Header, then the directory blocks, each finished (file offsets) and hashed on its
     * way from the spill file to the output; the block table, which needs every hash,
     * goes into the gap left for it at the end. */
    ob_write(&out, header, (size_t)L.header_size);
    if (ob_flush(&out) || lseek(out.fd, (off_t)L.directory_offset, SEEK_SET) < 0) {
        r = fail_io(w, "writing", out.err ? out.err : errno);
        goto done;
    }
    out.pos = L.directory_offset;
    uint64_t pos = L.directory_offset;
    for (uint64_t t = 0; t < w->tile_count && !out.err; t++) {
        uint8_t *entry = w->table + t * TP__BLOCK_ENTRY_SIZE;
        uint64_t spill = tp__le64(entry + TP__B_OFFSET);
        if (spill == 0)
            continue;
        uint64_t size = tile_block_size(w, t);
        int err = pread_all(w->dir_fd, w->block, (size_t)size, spill - 1);
        if (err) {
            r = fail_io(w, "reading back the temporary directory file", err);
            goto done;
        }
        pos = tp__place(pos, size);
        tp__put64(entry + TP__B_OFFSET, pos);
        tp__put64(entry + TP__B_CHECKSUM, finalize_block(w, &L, w->block, size));
        ob_pad_to(&out, pos);
        ob_write(&out, w->block, (size_t)size);
        pos += size;
    }
    tp__put64(w->table + w->table_size - 8, XXH3_64bits(w->table, w->table_size - 8));

    for (uint32_t k = d->lod_count; k-- > 0 && !out.err && w->copying != 1;) {
        ob_pad_to(&out, L.section_offset[k]);
        int err = copy_section(&out, w->sections[k].fd, w->section_size[k], copy_buf,
                               OUTPUT_BUFFER_SIZE, &progress);
        if (err && !out.err) {
            r = fail_io(w, "reading back a temporary section file", err);
            goto done;
        }
    }
    if (ob_flush(&out)) {
        r = fail_io(w, "writing", out.err);
        goto done;
    }
    for (uint32_t k = d->lod_count; k-- > 0 && w->copying == 1;) {
        r = copy_runs(w, k, L.section_offset[k], out.fd, copy_buf, OUTPUT_BUFFER_SIZE,
                      &progress);
        if (r != TP_OK)
            goto done;
    }
    int err = pwrite_all(out.fd, w->table, w->table_size, L.block_table_offset);
    /* Copied data leaves the padding between runs as holes, and may end in one. */
    if (!err && ftruncate(out.fd, (off_t)L.file_size) != 0)
        err = errno;
    if (err) {
        r = fail_io(w, "writing", err);
        goto done;
    }
    r = tp_output_commit(&file); /* fsync, rename into place, fsync the directory */

done:
    tp_output_discard(&file); /* after a failure: the temporary goes, the old file stays */
    free(out.buf);
    free(copy_buf);
    free(header);
    free_writer(w);
    return r;
}
