/* merge.c — assembles the shard files of a sharded bake into the page file one bake of
 * the whole region would have written (terrapage/merge.h, FORMAT.md section 13).
 *
 * Why it is byte-identical: a shard holds a contiguous run of the whole bake's chunk
 * order (whole tiles, Morton order), and its blobs lie in each LOD section in the order
 * the baker added them. Walking the shards by index and each shard's chunks in Morton
 * order, and adding each chunk's blobs to a writer in their order within each section,
 * replays the whole bake's writer calls exactly; the writer (tp_writer_add_blob_copy())
 * places them as it would have placed their bytes and copies the bytes at finish.
 *
 * Everything is checked while walking, before the output exists: the first problem stops
 * the merge and the writer is aborted, so no output file appears. */
#if defined(__linux__)
#define _GNU_SOURCE
#elif !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "terrapage/merge.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <xxhash.h>

#include "pagefile_internal.h"
#include "terrapage/pagefile.h"
#include "terrapage/shard.h"
#include "terrapage/writer.h"

#define PROGRESS_CHUNKS 1024u
/* Blob checks read each shard section through a window of this size: a shard's blobs lie
 * in ascending order in each section, so one read serves many small blobs. */
#define CHECK_WINDOW_SIZE (256u << 10)

/* What one section's check has read: bytes [at, at + len) of the shard file. */
typedef struct read_window {
    uint8_t *buf;
    uint64_t at, len;
} read_window;

typedef struct shard_file {
    const char *path;
    tp_reader *reader;
    int fd; /* the same file, for copying */
} shard_file;

typedef struct merge_state {
    const tp_merge_options *options;
    shard_file *files;  /* as given */
    size_t file_count;
    shard_file **by_index; /* shard i's file */
    const tp_file_desc *desc; /* the first shard's: every other must match it */
    tp_shard_range *ranges;
    tp_writer *writer;
    tp_merge_stats *stats;
    read_window windows[TP_MAX_LODS]; /* blob checks, per LOD section of the shard walked */
    int cancelled;
} merge_state;

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int report(merge_state *m, tp_merge_stage stage, uint64_t done, uint64_t total)
{
    const tp_merge_options *o = m->options;
    if (o->progress && o->progress(o->progress_user, stage, done, total) != 0)
        m->cancelled = 1;
    return m->cancelled;
}

/* The copy is not cancelled: by then the data is being written, and stopping would
 * save little. */
static void report_copy(void *user, uint64_t done, uint64_t total)
{
    const merge_state *m = user;
    if (m->options->progress)
        m->options->progress(m->options->progress_user, TP_MERGE_COPYING, done, total);
}

/* Opens one shard twice over: a reader (pread: a file that shrinks under the merge gives
 * errors, not SIGBUS) and a descriptor the writer copies from. */
static tp_result open_shard(shard_file *f)
{
    tp_reader_options ro = {.flags = TP_READER_PREAD};
    tp_result r = tp_reader_open(f->path, &ro, &f->reader);
    if (r != TP_OK)
        return r; /* the reader's detail names the file */
    f->fd = open(f->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    struct stat st;
    if (f->fd < 0 || fstat(f->fd, &st) != 0 || !S_ISREG(st.st_mode))
        return tp__error_set(TP_ERR_IO, "%s: cannot open it again for copying: %s", f->path,
                             f->fd < 0 ? strerror(errno) : "no longer a regular file");
    if (tp_reader_desc(f->reader)->shard_count == 0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: a whole page file, not a shard "
                             "(its header has no shard record)", f->path);
    return TP_OK;
}

static tp_result differs(const shard_file *f, const shard_file *first, const char *what,
                         unsigned long long mine, unsigned long long theirs)
{
    return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: does not belong with %s: its %s is "
                         "%llu, not %llu", f->path, first->path, what, mine, theirs);
}

static unsigned long long bits_of(double v)
{
    uint64_t b;
    memcpy(&b, &v, sizeof b);
    return b;
}

/* Whether shard `f` is of the same bake as `first`: everything the header says about
 * the world and the file's shape, and the shard count and compression level. */
static tp_result check_match(const shard_file *f, const shard_file *first)
{
    const tp_file_desc *a = tp_reader_desc(f->reader), *b = tp_reader_desc(first->reader);
#define SAME(field, what)                                                                  \
    if (a->field != b->field)                                                              \
        return differs(f, first, what, (unsigned long long)a->field,                       \
                       (unsigned long long)b->field);
    SAME(version_major, "format major version")
    SAME(version_minor, "format minor version")
    SAME(shard_count, "shard count")
    SAME(seed, "seed")
    SAME(params_hash, "parameter hash")
    SAME(generator_version, "generator version")
    SAME(params_blob_size, "parameter blob size")
    SAME(region_width, "region width")
    SAME(region_height, "region height")
    SAME(samples_per_edge, "samples per edge")
    SAME(lod_count, "LOD count")
    SAME(layer_count, "layer count")
#undef SAME
    if (a->region_x0 != b->region_x0 || a->region_z0 != b->region_z0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: does not belong with %s: its region "
                             "starts at (%d, %d), not (%d, %d)", f->path, first->path,
                             (int)a->region_x0, (int)a->region_z0, (int)b->region_x0,
                             (int)b->region_z0);
    if (a->shard_level != b->shard_level)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: does not belong with %s: it was "
                             "compressed at level %d, not %d", f->path, first->path,
                             (int)a->shard_level, (int)b->shard_level);
    if (a->params_blob_size && memcmp(a->params_blob, b->params_blob, a->params_blob_size))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: does not belong with %s: its "
                             "world parameters differ", f->path, first->path);
    if (bits_of(a->chunk_size_m) != bits_of(b->chunk_size_m) ||
        bits_of(a->height_min_m) != bits_of(b->height_min_m) ||
        bits_of(a->height_step_m) != bits_of(b->height_step_m))
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: does not belong with %s: its chunk "
                             "size or height quantisation differs", f->path, first->path);
    if (memcmp(a->layers, b->layers, sizeof a->layers[0] * a->layer_count) != 0)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: does not belong with %s: its layer "
                             "table differs", f->path, first->path);
    return TP_OK;
}

/* Every shard index exactly once. */
static tp_result index_shards(merge_state *m)
{
    uint32_t count = m->desc->shard_count;
    m->by_index = calloc(count, sizeof *m->by_index);
    if (!m->by_index)
        return TP_ERR_OUT_OF_MEMORY;
    for (size_t i = 0; i < m->file_count; i++) {
        shard_file *f = &m->files[i];
        uint32_t index = tp_reader_desc(f->reader)->shard_index;
        if (m->by_index[index])
            return tp__error_set(TP_ERR_INVALID_ARGUMENT, "shard %u of %u given twice: %s and "
                                 "%s", index, count, m->by_index[index]->path, f->path);
        m->by_index[index] = f;
    }
    for (uint32_t i = 0; i < count; i++)
        if (!m->by_index[i])
            return tp__error_set(TP_ERR_INVALID_ARGUMENT, "shard %u of %u is missing (%zu "
                                 "shard files given, all of the bake of %s)", i, count,
                                 m->file_count, m->files[0].path);
    return TP_OK;
}

/* A shard stores exactly the tiles of its share: each of them, and no other (counted). */
static tp_result check_tiles(const shard_file *f, const tp_shard_range *range)
{
    tp_tile_grid grid;
    tp_reader_tile_grid(f->reader, &grid);
    if (grid.present_count != range->tile_count)
        return tp__error_set(TP_ERR_CORRUPT, "%s: stores %llu tiles, but its share of the "
                             "region is %llu", f->path,
                             (unsigned long long)grid.present_count,
                             (unsigned long long)range->tile_count);
    tp_morton_walk walk;
    uint64_t tile_bits = 2u * TP__TILE_SHIFT;
    uint64_t end = range->key_end == TP_MORTON_KEY_END ? TP_MORTON_KEY_END
                                                       : range->key_end >> tile_bits;
    tp_morton_walk_init(&walk, grid.tiles_x, grid.tiles_z, range->key_begin >> tile_bits, end);
    uint32_t tx, tz;
    tp_tile_info info;
    while (tp_morton_walk_next(&walk, &tx, &tz))
        if (tp_reader_tile(f->reader, (uint64_t)tz * grid.tiles_x + tx, &info) != TP_OK)
            return tp__error_set(TP_ERR_CORRUPT, "%s: tile (%u, %u) of its share is not "
                                 "stored", f->path, tx, tz);
    return TP_OK;
}

/* A chunk's blobs in the order the writer must receive them: by LOD, then by offset
 * (their order inside the section). At most TP_MAX_LAYERS · TP_MAX_LODS of them. */
static void sort_blobs(tp_blob_ref *refs, uint32_t n)
{
    for (uint32_t i = 1; i < n; i++) {
        tp_blob_ref key = refs[i];
        uint32_t j = i;
        while (j > 0 && (refs[j - 1].lod > key.lod ||
                         (refs[j - 1].lod == key.lod && refs[j - 1].offset > key.offset))) {
            refs[j] = refs[j - 1];
            j--;
        }
        refs[j] = key;
    }
}

static int read_fully(int fd, uint8_t *buf, uint64_t size, uint64_t at)
{
    while (size) {
        ssize_t n = pread(fd, buf, size < (1u << 30) ? (size_t)size : (1u << 30), (off_t)at);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? errno : EIO;
        buf += n;
        at += (uint64_t)n;
        size -= (uint64_t)n;
    }
    return 0;
}

/* Checks a blob's stored bytes against its checksum, as tp_reader_verify_blob() does, but
 * reading the shard's section through a window instead of one read per blob (which made
 * the check of small blobs cost a system call each). The reader has already checked that
 * the blob lies inside its section, hence inside the file the header declares. */
static tp_result check_blob(merge_state *m, const shard_file *f, const tp_blob_ref *ref)
{
    read_window *w = &m->windows[ref->lod];
    uint64_t size = ref->stored_size;
    const uint8_t *bytes;
    uint8_t *big = NULL;
    int err = 0;
    if (size > CHECK_WINDOW_SIZE) {
        big = malloc((size_t)size);
        if (!big)
            return TP_ERR_OUT_OF_MEMORY;
        err = read_fully(f->fd, big, size, ref->offset);
        bytes = big;
    } else {
        if (ref->offset < w->at || ref->offset + size > w->at + w->len) {
            struct stat st;
            uint64_t want = CHECK_WINDOW_SIZE;
            if (fstat(f->fd, &st) == 0 && (uint64_t)st.st_size > ref->offset &&
                (uint64_t)st.st_size - ref->offset < want)
                want = (uint64_t)st.st_size - ref->offset;
            w->len = 0;
            err = want < size ? EIO : read_fully(f->fd, w->buf, want, ref->offset);
            if (!err) {
                w->at = ref->offset;
                w->len = want;
            }
        }
        bytes = w->buf + (ref->offset - w->at);
    }
    tp_result r = TP_OK;
    if (err)
        r = tp__error_set(TP_ERR_IO, "%s: reading the blob of chunk (%d, %d) layer %u LOD %u: "
                          "%s", f->path, (int)ref->cx, (int)ref->cz, ref->layer_id, ref->lod,
                          strerror(err));
    else if (XXH3_64bits(bytes, (size_t)size) != ref->checksum)
        r = tp__error_set(TP_ERR_CHECKSUM, "%s: the blob of chunk (%d, %d) layer %u LOD %u "
                          "fails its checksum", f->path, (int)ref->cx, (int)ref->cz,
                          ref->layer_id, ref->lod);
    free(big);
    return r;
}

static tp_result chunk_problem(const shard_file *f, int32_t cx, int32_t cz, tp_result r,
                               const char *what)
{
    if (r == TP_ERR_NOT_FOUND)
        return tp__error_set(TP_ERR_CORRUPT, "%s: chunk (%d, %d) of its share %s", f->path,
                             (int)cx, (int)cz, what);
    return r; /* the reader's detail names the file and the problem */
}

/* Hands one chunk of shard `f` to the writer. `section_end` is, per LOD, the end of the
 * shard's last blob so far: blobs must follow each other in the baker's order. */
static tp_result merge_chunk(merge_state *m, const shard_file *f, int32_t cx, int32_t cz,
                             uint64_t *section_end)
{
    const tp_file_desc *d = m->desc;
    tp_chunk_bounds bounds;
    tp_result r = tp_reader_chunk_bounds(f->reader, cx, cz, &bounds);
    if (r != TP_OK)
        return chunk_problem(f, cx, cz, r, "is absent");
    tp_blob_ref refs[TP_MAX_LAYERS * TP_MAX_LODS];
    uint32_t n = 0;
    for (uint32_t i = 0; i < d->layer_count; i++)
        for (uint32_t lod = 0; lod < d->layers[i].lod_count; lod++) {
            r = tp_reader_find(f->reader, cx, cz, d->layers[i].layer_id, lod, &refs[n]);
            if (r != TP_OK)
                return chunk_problem(f, cx, cz, r, "lacks a blob");
            n++;
        }
    sort_blobs(refs, n);
    for (uint32_t i = 0; i < n; i++) {
        const tp_blob_ref *ref = &refs[i];
        if (ref->offset < section_end[ref->lod])
            return tp__error_set(TP_ERR_CORRUPT, "%s: chunk (%d, %d): its layer %u LOD %u blob "
                                 "is not where the baker's order puts it", f->path, (int)cx,
                                 (int)cz, ref->layer_id, ref->lod);
        section_end[ref->lod] = ref->offset + ref->stored_size;
        if (!(m->options->flags & TP_MERGE_NO_BLOB_CHECK) &&
            (r = check_blob(m, f, ref)) != TP_OK)
            return r;
        r = tp_writer_add_blob_copy(m->writer, cx, cz, ref->layer_id, ref->lod, ref->encoding,
                                    f->fd, ref->offset, ref->stored_size, ref->checksum,
                                    ref->raw_size, ref->aux);
        if (r != TP_OK)
            return r;
        m->stats->blobs++;
        m->stats->data_bytes += ref->stored_size;
    }
    return tp_writer_set_chunk_bounds(m->writer, cx, cz, &bounds);
}

/* Walks shard `s`'s chunks in the bake's order, handing each to the writer; each tile's
 * directory block is given back to the reader once the walk has left it. */
static tp_result merge_shard(merge_state *m, uint32_t s, uint64_t total)
{
    const shard_file *f = m->by_index[s];
    const tp_file_desc *d = m->desc;
    uint64_t section_end[TP_MAX_LODS] = {0};
    for (uint32_t k = 0; k < TP_MAX_LODS; k++)
        m->windows[k].len = 0; /* another file */
    tp_morton_walk walk;
    tp_morton_walk_init(&walk, d->region_width, d->region_height, m->ranges[s].key_begin,
                        m->ranges[s].key_end);
    uint32_t tiles_x = (uint32_t)(((uint64_t)d->region_width + (1u << TP__TILE_SHIFT) - 1) >>
                                  TP__TILE_SHIFT);
    uint64_t tile = UINT64_MAX;
    uint32_t dx, dz;
    while (tp_morton_walk_next(&walk, &dx, &dz)) {
        uint64_t t = (uint64_t)(dz >> TP__TILE_SHIFT) * tiles_x + (dx >> TP__TILE_SHIFT);
        if (t != tile && tile != UINT64_MAX)
            tp_reader_release_tile(f->reader, tile);
        tile = t;
        int32_t cx = (int32_t)((int64_t)d->region_x0 + dx);
        int32_t cz = (int32_t)((int64_t)d->region_z0 + dz);
        tp_result r = merge_chunk(m, f, cx, cz, section_end);
        if (r != TP_OK)
            return r;
        if (++m->stats->chunks % PROGRESS_CHUNKS == 0 &&
            report(m, TP_MERGE_CHECKING, m->stats->chunks, total))
            return tp__error_set(TP_ERR_CANCELLED, "merge cancelled");
    }
    if (tile != UINT64_MAX)
        tp_reader_release_tile(f->reader, tile);
    return TP_OK;
}

static tp_result merge_all(merge_state *m, const char *path)
{
    tp_result r;
    for (size_t i = 0; i < m->file_count; i++)
        if ((r = open_shard(&m->files[i])) != TP_OK)
            return r;
    m->desc = tp_reader_desc(m->files[0].reader);
    for (size_t i = 1; i < m->file_count; i++)
        if ((r = check_match(&m->files[i], &m->files[0])) != TP_OK)
            return r;
    if ((r = index_shards(m)) != TP_OK)
        return r;
    const tp_file_desc *d = m->desc;
    m->ranges = calloc(d->shard_count, sizeof *m->ranges);
    if (!m->ranges)
        return TP_ERR_OUT_OF_MEMORY;
    r = tp_shard_ranges(d->region_width, d->region_height, d->shard_count, m->ranges);
    for (uint32_t s = 0; s < d->shard_count && r == TP_OK; s++)
        r = check_tiles(m->by_index[s], &m->ranges[s]);
    if (r != TP_OK)
        return r;

    /* The whole file's description: the shards' without the shard. */
    tp_file_desc whole = *d;
    whole.shard_count = whole.shard_index = 0;
    whole.shard_level = 0;
    if ((r = tp_writer_create(path, &whole, &m->writer)) != TP_OK)
        return r;
    tp_writer_set_progress(m->writer, report_copy, m);
    uint64_t total = (uint64_t)d->region_width * d->region_height;
    for (uint32_t s = 0; s < d->shard_count && r == TP_OK; s++)
        r = merge_shard(m, s, total);
    if (r == TP_OK)
        report(m, TP_MERGE_CHECKING, m->stats->chunks, total);
    return r;
}

tp_result tp_merge(const char *const *shards, size_t shard_count, const char *path,
                   const tp_merge_options *options, tp_merge_stats *stats)
{
    static const tp_merge_options defaults;
    const tp_merge_options *o = options ? options : &defaults;
    tp_merge_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof *stats);
    double start = now_seconds();
    if (!path || !shards || shard_count == 0 || shard_count > TP__SHARD_MAX_COUNT)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "merge: %s", !path ? "no output path"
                             : "1 … 65536 shard files are needed");
    int bad = (o->flags & ~(uint32_t)TP_MERGE_NO_BLOB_CHECK) != 0;
    for (size_t i = 0; i < sizeof o->reserved / sizeof o->reserved[0]; i++)
        bad |= o->reserved[i] != 0;
    if (bad)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "merge options: unknown flags or "
                             "non-zero reserved fields");
    tp_result r = tp_writer_check_output(path);
    if (r != TP_OK)
        return r;

    merge_state m = {.options = o, .file_count = shard_count, .stats = stats};
    m.files = calloc(shard_count, sizeof *m.files);
    int ok = m.files != NULL;
    for (uint32_t k = 0; k < TP_MAX_LODS; k++)
        ok = ok && (m.windows[k].buf = malloc(CHECK_WINDOW_SIZE)) != NULL;
    if (!ok) {
        for (uint32_t k = 0; k < TP_MAX_LODS; k++)
            free(m.windows[k].buf);
        free(m.files);
        return TP_ERR_OUT_OF_MEMORY;
    }
    for (size_t i = 0; i < shard_count; i++)
        m.files[i] = (shard_file){shards[i], NULL, -1};
    r = merge_all(&m, path);
    stats->check_seconds = now_seconds() - start;
    if (r == TP_OK) {
        stats->shards = m.desc->shard_count;
        r = tp_writer_finish(m.writer); /* copies the data, then renames into place */
        m.writer = NULL;
    } else {
        tp_writer_abort(m.writer); /* keeps the first error's detail */
    }
    if (r == TP_OK) {
        tp_reader *check = NULL;
        if (tp_reader_open(path, NULL, &check) == TP_OK) {
            stats->file_bytes = tp_reader_file_size(check);
            tp_reader_close(check);
        }
    }
    for (size_t i = 0; i < shard_count; i++) {
        tp_reader_close(m.files[i].reader);
        if (m.files[i].fd >= 0)
            close(m.files[i].fd);
    }
    for (uint32_t k = 0; k < TP_MAX_LODS; k++)
        free(m.windows[k].buf);
    free(m.ranges);
    free(m.by_index);
    free(m.files);
    stats->seconds = now_seconds() - start;
    return r;
}
