/* baker.c — bakes a region of the world into a page file.
 *
 * The work is a two-stage pipeline inside one OpenMP team:
 *   - workers generate and encode whole chunks (every layer and LOD) into the slots of a
 *     batch, one task per chunk, in any order and on any thread;
 *   - the team's master thread hands the previous batch to the writer in Morton order
 *     while the workers fill the current one (two batches of slots alternate).
 * The writer sees the same calls in the same order whatever the thread count or timing,
 * so the file is byte-identical for any number of threads (the writer's contract).
 *
 * What a chunk holds, in which order its blobs are written and how each is generated is
 * the page abstraction's (terrapage/page.h), which the runtime's fallback shares: this
 * file only schedules pages, encodes them and hands them to the writer.
 */
#include "terrapage/baker.h"

#include "terrapage/page.h"
#include "terrapage/shard.h"
#include "terrapage/writer.h"

#include <assert.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <omp.h>
#include <xxhash.h>

/* Chunks per batch: large enough that every thread stays busy while the master writes
 * the previous batch, small enough that progress moves and the slots stay a few MiB. */
#define BATCH_CHUNKS 64u

/* Blobs per chunk: height, biome and mesh at every LOD, plus the two climate grids. */
#define MAX_CHUNK_BLOBS (3u * TP_MAX_LODS + 2u)

typedef struct blob_record {
    uint32_t layer_id, lod, encoding;
    size_t offset;   /* into the slot's byte buffer */
    size_t size;     /* stored bytes */
    size_t raw_size; /* decoded bytes */
    uint32_t aux;    /* the directory's per-blob value: a mesh's max error, float bits */
} blob_record;

/* One chunk's finished output, waiting for the writer. */
typedef struct chunk_slot {
    int32_t cx, cz;
    tp_result result;
    char error[160];  /* the worker's tp_error_detail(), which is thread-local */
    uint32_t blob_count;
    blob_record blobs[MAX_CHUNK_BLOBS];
    tp_chunk_bounds bounds;
    bool reused;      /* copied from the earlier bake (tp_bake_options.reuse_path) */
    bool rejected;    /* present there, but a blob failed its check: generated instead */
    uint8_t *bytes;   /* capacity: bake_layout.slot_capacity */
    double generate_s, mesh_s, encode_s;
} chunk_slot;

/* Per-thread buffers: the LOD-0 page, one coarser page at a time (its grids taken from
 * LOD 0 at stride) and the page functions' scratch. */
typedef struct thread_scratch {
    uint16_t *heights;
    uint8_t *biomes;
    int16_t *temperature;
    uint16_t *precipitation;
    uint16_t *lod_heights;
    uint8_t *lod_biomes;
    void *page_scratch;    /* tp_page_scratch_size() at LOD 0, which serves every LOD */
    uint8_t *mesh;         /* one mesh encoding before compression */
} thread_scratch;

/* What every chunk of the bake shares. */
typedef struct bake_layout {
    tp_page_layout page;
    size_t slot_capacity;
    size_t page_scratch_size, mesh_capacity;
    int level;
    const tp_reader *reuse; /* the earlier bake whose chunks are copied, or NULL */
} bake_layout;

/* Worst-case bytes of one chunk's encoded blobs. */
static size_t slot_capacity(const bake_layout *B)
{
    const tp_page_layout *L = &B->page;
    size_t total = 2 * tp_blob_encode_bound(tp_page_climate_samples(L) * sizeof(uint16_t));
    for (uint32_t lod = 0; lod < L->lod_count; lod++) {
        size_t e2 = (size_t)L->edge[lod] * L->edge[lod];
        total += tp_blob_encode_bound(e2 * sizeof(uint16_t)) + tp_blob_encode_bound(e2);
        if (L->flags & TP_PAGE_MESHES)
            total += tp_blob_encode_bound(tp_page_mesh_capacity(L, lod));
    }
    return total;
}

static void scratch_free(thread_scratch *s)
{
    free(s->heights);
    free(s->biomes);
    free(s->temperature);
    free(s->precipitation);
    free(s->lod_heights);
    free(s->lod_biomes);
    free(s->page_scratch);
    free(s->mesh);
    memset(s, 0, sizeof *s);
}

static int scratch_alloc(thread_scratch *s, const bake_layout *B)
{
    const tp_page_layout *L = &B->page;
    size_t n0 = (size_t)L->edge[0] * L->edge[0], nc = tp_page_climate_samples(L);
    size_t n1 = (size_t)L->edge[L->lod_count > 1 ? 1 : 0];
    n1 *= n1;
    s->heights = malloc(n0 * sizeof *s->heights);
    s->biomes = malloc(n0);
    s->temperature = malloc(nc * sizeof *s->temperature);
    s->precipitation = malloc(nc * sizeof *s->precipitation);
    s->lod_heights = malloc(n1 * sizeof *s->lod_heights);
    s->lod_biomes = malloc(n1);
    s->page_scratch = malloc(B->page_scratch_size);
    if (B->mesh_capacity)
        s->mesh = malloc(B->mesh_capacity);
    if (!s->heights || !s->biomes || !s->temperature || !s->precipitation ||
        !s->lod_heights || !s->lod_biomes || !s->page_scratch ||
        (B->mesh_capacity && !s->mesh)) {
        scratch_free(s);
        return 0;
    }
    return 1;
}

/* Compresses one part of a page into the slot's buffer and records it. */
static tp_result encode_part(const bake_layout *B, chunk_slot *slot, size_t *used,
                             const tp_page_part *part, uint32_t aux)
{
    size_t size = 0;
    uint32_t encoding = 0;
    tp_result r = tp_blob_encode(part->elem_type, part->edge, part->data, part->bytes,
                                 B->level, slot->bytes + *used, B->slot_capacity - *used,
                                 &size, &encoding);
    if (r != TP_OK)
        return r;
    slot->blobs[slot->blob_count++] =
        (blob_record){part->layer_id, part->stored_lod, encoding, *used, size, part->bytes, aux};
    *used += size;
    return TP_OK;
}

/* Builds page `lod`'s mesh (the runtime's fallback runs the same function) with its
 * exact max error against LOD 0, then encodes every part the file stores at `lod`. */
static tp_result bake_page(const bake_layout *B, thread_scratch *s, chunk_slot *slot,
                           size_t *used, uint32_t lod, tp_page *page)
{
    const tp_page_layout *L = &B->page;
    if (L->flags & TP_PAGE_MESHES) {
        double t0 = omp_get_wtime();
        tp_result r = tp_page_generate_mesh(L, slot->cx, slot->cz, lod, s->heights,
                                            s->page_scratch, B->page_scratch_size, page);
        slot->mesh_s += omp_get_wtime() - t0;
        if (r != TP_OK)
            return r;
    }
    tp_page_part parts[TP_PAGE_MAX_PARTS];
    uint32_t n = tp_page_parts(L, lod, page, parts);
    for (uint32_t i = 0; i < n; i++) {
        if (parts[i].stored_lod != lod)
            continue; /* climate: stored with LOD 0 only */
        uint32_t aux = 0;
        if (parts[i].layer_id == TP_LAYER_MESH)
            memcpy(&aux, &page->mesh_error_m, sizeof aux);
        tp_result r = encode_part(B, slot, used, &parts[i], aux);
        if (r != TP_OK)
            return r;
    }
    return TP_OK;
}

/* Outcome of copying a chunk from the earlier bake. */
typedef enum reuse_outcome { REUSE_ABSENT, REUSE_COPIED, REUSE_REJECTED } reuse_outcome;

/* Copies every blob of the slot's chunk from the earlier bake into the slot, in the order
 * bake_chunk() writes them (tp_page_parts()), checking each copy's XXH3-64: the bytes
 * hashed are the bytes written. Runs on any thread (the reader is mapped: no state). */
static reuse_outcome reuse_chunk(const bake_layout *B, thread_scratch *s, chunk_slot *slot)
{
    const tp_page_layout *L = &B->page;
    const tp_reader *old = B->reuse;
    tp_chunk_bounds bounds;
    tp_result found = tp_reader_chunk_bounds(old, slot->cx, slot->cz, &bounds);
    if (found == TP_ERR_NOT_FOUND)
        return REUSE_ABSENT;  /* outside its region, or never baked there */
    if (found != TP_OK)
        return REUSE_REJECTED; /* its directory block is corrupt */
    tp_page all = {.heights = s->heights, .biomes = s->biomes, .temperature_cc = s->temperature,
                   .precipitation_mm = s->precipitation, .mesh = s->mesh};
    slot->blob_count = 0;
    size_t used = 0;
    for (uint32_t lod = 0; lod < L->lod_count; lod++) {
        tp_page_part parts[TP_PAGE_MAX_PARTS];
        uint32_t n = tp_page_parts(L, lod, &all, parts);
        for (uint32_t i = 0; i < n; i++) {
            if (parts[i].stored_lod != lod)
                continue;
            tp_blob_ref ref;
            if (tp_reader_find(old, slot->cx, slot->cz, parts[i].layer_id, lod, &ref) != TP_OK)
                return REUSE_REJECTED;
            /* Grids have their exact size; a mesh at most the capacity bake_chunk has. */
            bool mesh = parts[i].layer_id == TP_LAYER_MESH;
            if ((mesh ? ref.raw_size > parts[i].bytes : ref.raw_size != parts[i].bytes) ||
                ref.stored_size == 0 || ref.stored_size > B->slot_capacity - used)
                return REUSE_REJECTED;
            const void *stored = tp_reader_blob_bytes(old, &ref);
            if (!stored)
                return REUSE_REJECTED;
            memcpy(slot->bytes + used, stored, ref.stored_size);
            if (XXH3_64bits(slot->bytes + used, ref.stored_size) != ref.checksum)
                return REUSE_REJECTED;
            slot->blobs[slot->blob_count++] = (blob_record){
                parts[i].layer_id, lod, ref.encoding, used, ref.stored_size, ref.raw_size,
                ref.aux};
            used += ref.stored_size;
        }
    }
    /* The writer sets PRESENT itself; the rest of the record is the old bake's. */
    slot->bounds = bounds;
    slot->bounds.flags &= ~(uint32_t)TP_CHUNK_PRESENT;
    return REUSE_COPIED;
}

/* Generates and encodes every page of one chunk into its slot. Runs on any thread.
 * Coarser LODs are taken from the LOD-0 grids at stride instead of being generated
 * again (the generator's stride property, tested): a third of the generation saved. */
static void bake_chunk(const bake_layout *B, thread_scratch *s, chunk_slot *slot)
{
    const tp_page_layout *L = &B->page;
    slot->blob_count = 0;
    slot->error[0] = '\0';
    /* The failure detail is thread-local and not every failing call sets one: start
     * from nothing, so a failure here never reports a stale message of this thread. */
    tp__error_set(TP_OK, "%s", "");
    slot->mesh_s = 0.0;
    slot->generate_s = slot->encode_s = 0.0;
    slot->reused = slot->rejected = false;
    if (B->reuse) {
        reuse_outcome got = reuse_chunk(B, s, slot);
        if (got == REUSE_COPIED) {
            slot->reused = true;
            slot->result = TP_OK;
            return;
        }
        slot->rejected = got == REUSE_REJECTED;
        slot->blob_count = 0;
    }
    double t0 = omp_get_wtime();
    tp_page lod0 = {.heights = s->heights, .biomes = s->biomes,
                    .temperature_cc = s->temperature, .precipitation_mm = s->precipitation};
    tp_result r = tp_page_generate(L, slot->cx, slot->cz, 0, NULL, s->page_scratch,
                                   B->page_scratch_size, &lod0);
    double t1 = omp_get_wtime();
    slot->generate_s = t1 - t0;
    lod0.mesh = s->mesh;
    size_t used = 0;
    for (uint32_t lod = 0; r == TP_OK && lod < L->lod_count; lod++) {
        tp_page coarser = {.heights = s->lod_heights, .biomes = s->lod_biomes, .mesh = s->mesh};
        if (lod > 0)
            tp_page_subsample(L, 0, &lod0, lod, &coarser);
        r = bake_page(B, s, slot, &used, lod, lod > 0 ? &coarser : &lod0);
    }
    slot->encode_s = omp_get_wtime() - t1 - slot->mesh_s;
    if (r != TP_OK) {
        slot->result = r;
        snprintf(slot->error, sizeof slot->error, "%s", tp_error_detail());
        return;
    }
    slot->bounds = tp_page_bounds(L, 0, s->heights);
    slot->result = TP_OK;
}

/* Hands one finished batch to the writer, in order. Master thread only. */
static tp_result write_batch(tp_writer *writer, const chunk_slot *slots, uint32_t count,
                             tp_bake_stats *stats)
{
    for (uint32_t i = 0; i < count; i++) {
        const chunk_slot *slot = &slots[i];
        if (slot->result != TP_OK) {
            return tp__error_set(slot->result, "baking chunk (%d, %d): %s", slot->cx, slot->cz,
                                 slot->error[0] ? slot->error
                                                : tp_result_string(slot->result));
        }
        for (uint32_t b = 0; b < slot->blob_count; b++) {
            const blob_record *rec = &slot->blobs[b];
            tp_result r = tp_writer_add_blob(writer, slot->cx, slot->cz, rec->layer_id,
                                             rec->lod, rec->encoding, slot->bytes + rec->offset,
                                             rec->size, rec->raw_size, rec->aux);
            if (r != TP_OK)
                return r;
            tp_bake_layer_stats *ls = &stats->layers[rec->layer_id][rec->lod];
            ls->blobs++;
            ls->stored_bytes += rec->size;
            ls->raw_bytes += rec->raw_size;
        }
        tp_result r = tp_writer_set_chunk_bounds(writer, slot->cx, slot->cz, &slot->bounds);
        if (r != TP_OK)
            return r;
        stats->generate_seconds += slot->generate_s;
        stats->mesh_seconds += slot->mesh_s;
        stats->encode_seconds += slot->encode_s;
        stats->chunks_reused += slot->reused;
        stats->chunks_rejected += slot->rejected;
        stats->chunks++;
    }
    return TP_OK;
}

static tp_result check_options(const tp_bake_options *o, tp_world_params *world,
                               int32_t *x0, int32_t *z0, uint32_t *width, uint32_t *height)
{
    if (o->flags & ~(uint32_t)TP_BAKE_NO_MESHES)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "bake options: unknown flags 0x%x",
                             o->flags & ~(uint32_t)TP_BAKE_NO_MESHES);
    for (size_t i = 0; i < sizeof o->reserved / sizeof o->reserved[0]; i++) {
        if (o->reserved[i] != 0) {
            return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                                 "bake options: reserved fields must be 0");
        }
    }
    if (tp_world_params_resolve(&o->world, world) != TP_OK) {
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "bake options: invalid world parameters");
    }
    if (o->region_width == 0) {
        *width = *height = TP_BAKE_DEFAULT_REGION_EDGE;
        *x0 = *z0 = -(int32_t)(TP_BAKE_DEFAULT_REGION_EDGE / 2);
    } else {
        *width = o->region_width;
        *height = o->region_height ? o->region_height : o->region_width;
        *x0 = o->region_x0;
        *z0 = o->region_z0;
    }
    uint32_t shards = o->shard_count ? o->shard_count : 1; /* no shards: one whole file */
    if (o->shard_count > TP_SHARD_MAX_COUNT || o->shard_index >= shards)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "bake options: shard %u of %u: the "
                             "count must be 1 … %u and the index below it (0 without shards)",
                             o->shard_index, o->shard_count, TP_SHARD_MAX_COUNT);
    if (o->threads > TP_BAKE_MAX_THREADS)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "bake options: %u threads is over %u",
                             o->threads, TP_BAKE_MAX_THREADS);
    if ((int64_t)*x0 + *width - 1 > INT32_MAX || (int64_t)*z0 + *height - 1 > INT32_MAX) {
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "bake options: the region runs past chunk coordinate %d",
                             INT32_MAX);
    }
    if (o->compression_level > TP_MAX_COMPRESSION_LEVEL) {
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "bake options: compression level %d is above %d",
                             o->compression_level, TP_MAX_COMPRESSION_LEVEL);
    }
    return TP_OK;
}

/* Opens the earlier bake of tp_bake_options.reuse_path for reuse (see baker.h, "Reuse").
 * @return TP_OK with *out_old NULL and a note when nothing can be reused; an error (its
 * detail naming the file) when the path is there but is no readable page file. */
static tp_result reuse_open(const char *path, const tp_file_desc *desc, tp_reader **out_old,
                            char *note, size_t note_size)
{
    *out_old = NULL;
    struct stat st;
    if (stat(path, &st) != 0 && errno == ENOENT) {
        snprintf(note, note_size, "%s does not exist: every chunk generated", path);
        return TP_OK;
    }
    tp_reader *old = NULL;
    tp_result r = tp_reader_open(path, NULL, &old);
    if (r != TP_OK) {
        char detail[512];
        snprintf(detail, sizeof detail, "%s", tp_error_detail());
        return tp__error_set(r, "reuse: %s", detail[0] ? detail : path);
    }
    const tp_file_desc *od = tp_reader_desc(old);
    tp_page_layout old_layout;
    tp_result fit = tp_page_layout_from_file(od, &old_layout);
    const char *why = NULL;
    char detail[200] = "";
    if (od->shard_count)
        why = "it is one shard of a sharded bake";
    else if (od->generator_version != desc->generator_version)
        snprintf(detail, sizeof detail, "it was baked by generator version %u, this is %u",
                 od->generator_version, desc->generator_version);
    else if (fit != TP_OK)
        snprintf(detail, sizeof detail, "%s", tp_error_detail());
    else if (od->params_blob_size != desc->params_blob_size ||
             memcmp(od->params_blob, desc->params_blob, desc->params_blob_size) != 0 ||
             od->params_hash != desc->params_hash)
        why = "its world parameters differ (seed, samples or another parameter)";
    else if (od->layer_count != desc->layer_count ||
             memcmp(od->layers, desc->layers, desc->layer_count * sizeof desc->layers[0]) != 0)
        why = "its layers differ (meshes on or off)";
    if (why || detail[0]) {
        snprintf(note, note_size, "%s: %s: every chunk generated", path, why ? why : detail);
        tp_reader_close(old);
        return TP_OK;
    }
    *out_old = old;
    return TP_OK;
}

/* Whether a copy of `probe`'s chunk from the earlier bake is exactly what generating it
 * gives (the compression level is not recorded in a page file: see baker.h). Uses the
 * `copy` and `made` slots and thread scratch `s`. @return 1 same, 0 different, −1 not
 * comparable (the chunk is absent or rejected in the earlier bake). */
static int reuse_probe(const bake_layout *B, thread_scratch *s, chunk_slot *copy,
                       chunk_slot *made, int32_t cx, int32_t cz)
{
    copy->cx = made->cx = cx;
    copy->cz = made->cz = cz;
    if (reuse_chunk(B, s, copy) != REUSE_COPIED)
        return -1;
    bake_layout fresh = *B;
    fresh.reuse = NULL;
    bake_chunk(&fresh, s, made);
    if (made->result != TP_OK || made->blob_count != copy->blob_count ||
        memcmp(&made->bounds, &copy->bounds, sizeof made->bounds) != 0)
        return 0;
    for (uint32_t b = 0; b < made->blob_count; b++) {
        const blob_record *x = &made->blobs[b], *y = &copy->blobs[b];
        if (x->layer_id != y->layer_id || x->lod != y->lod || x->encoding != y->encoding ||
            x->size != y->size || x->raw_size != y->raw_size || x->aux != y->aux ||
            memcmp(made->bytes + x->offset, copy->bytes + y->offset, x->size) != 0)
            return 0;
    }
    return 1;
}

/* Checks the earlier bake against this one on up to three chunks both regions hold
 * (first, middle and last of the overlap in Morton order of this region). @return true
 * when reuse may go on; false (with a note) when it must not. */
static bool reuse_verify_level(const bake_layout *B, thread_scratch *s, chunk_slot *slots,
                               int32_t x0, int32_t z0, uint32_t width, uint32_t height,
                               const char *old_path, char *note, size_t note_size)
{
    const tp_file_desc *od = tp_reader_desc(B->reuse);
    int64_t ox0 = od->region_x0 > x0 ? od->region_x0 : x0;
    int64_t oz0 = od->region_z0 > z0 ? od->region_z0 : z0;
    int64_t ox1 = (int64_t)od->region_x0 + od->region_width, nx1 = (int64_t)x0 + width;
    int64_t oz1 = (int64_t)od->region_z0 + od->region_height, nz1 = (int64_t)z0 + height;
    if (nx1 < ox1)
        ox1 = nx1;
    if (nz1 < oz1)
        oz1 = nz1;
    if (ox0 >= ox1 || oz0 >= oz1) {
        snprintf(note, note_size, "%s: its region does not overlap this one: every chunk "
                 "generated", old_path);
        return false;
    }
    const int64_t probes[3][2] = {{ox0, oz0}, {(ox0 + ox1 - 1) / 2, (oz0 + oz1 - 1) / 2},
                                  {ox1 - 1, oz1 - 1}};
    int compared = 0;
    for (int i = 0; i < 3; i++) {
        int same = reuse_probe(B, s, &slots[0], &slots[1], (int32_t)probes[i][0],
                               (int32_t)probes[i][1]);
        if (same == 0) {
            snprintf(note, note_size, "%s: chunk (%d, %d) there differs from this bake's: "
                     "it was baked at another compression level (pass the same --level): "
                     "every chunk generated", old_path, (int)probes[i][0], (int)probes[i][1]);
            return false;
        }
        compared += same == 1;
    }
    if (!compared) {
        snprintf(note, note_size, "%s: none of the chunks checked against this bake could be "
                 "read there: every chunk generated", old_path);
        return false;
    }
    return true;
}

tp_result tp_bake(const char *path, const tp_bake_options *options, tp_bake_stats *stats)
{
    static const tp_bake_options defaults;
    const tp_bake_options *o = options ? options : &defaults;
    tp_bake_stats local_stats;
    if (!stats)
        stats = &local_stats;
    memset(stats, 0, sizeof *stats);
    if (!path) {
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "bake: no output path");
    }
    /* An output that cannot take the file fails now, not after the whole bake. */
    tp_result result = tp_writer_check_output(path);
    if (result != TP_OK)
        return result;
    const double start = omp_get_wtime();

    tp_world_params world;
    int32_t x0 = 0, z0 = 0;
    uint32_t width = 0, height = 0;
    result = check_options(o, &world, &x0, &z0, &width, &height);
    if (result != TP_OK)
        return result;

    bake_layout B = {0};
    B.level = o->compression_level;
    result = tp_page_layout_init(&world, (o->flags & TP_BAKE_NO_MESHES) ? 0u : TP_PAGE_MESHES,
                                 &B.page);
    if (result != TP_OK)
        return result;
    /* LOD 0 needs the most; the same buffers serve every LOD. */
    B.page_scratch_size = tp_page_scratch_size(&B.page, 0);
    B.mesh_capacity = tp_page_mesh_capacity(&B.page, 0);
    B.slot_capacity = slot_capacity(&B);
    int threads = o->threads ? (int)o->threads : omp_get_max_threads();
    if (threads > omp_get_thread_limit())
        threads = omp_get_thread_limit();

    uint8_t params_blob[TP_WORLD_PARAMS_BLOB_SIZE];
    tp_file_desc desc;
    tp_page_layout_file_desc(&B.page, x0, z0, width, height, &desc, params_blob);

    /* The chunks in Morton order, walked as they are handed out: nothing per chunk is
     * kept. A shard walks its share of the keys only (terrapage/shard.h). */
    tp_morton_walk walk;
    uint64_t total = (uint64_t)width * height;
    if (o->shard_count) {
        tp_shard_range range;
        result = tp_shard_range_of(width, height, o->shard_index, o->shard_count, &range);
        if (result != TP_OK)
            return result;
        desc.shard_count = o->shard_count;
        desc.shard_index = o->shard_index;
        desc.shard_level = o->compression_level ? o->compression_level
                                                : TP_DEFAULT_COMPRESSION_LEVEL;
        tp_morton_walk_init(&walk, width, height, range.key_begin, range.key_end);
        total = range.chunk_count;
    } else {
        tp_morton_walk_init(&walk, width, height, 0, TP_MORTON_KEY_END);
    }
    stats->chunks_total = total;
    chunk_slot *slots = calloc(2u * BATCH_CHUNKS, sizeof *slots);
    thread_scratch *scratch = calloc((size_t)threads, sizeof *scratch);
    int ok = slots && scratch;
    for (uint32_t i = 0; ok && i < 2u * BATCH_CHUNKS; i++)
        ok = (slots[i].bytes = malloc(B.slot_capacity)) != NULL;
    for (int t = 0; ok && t < threads; t++)
        ok = scratch_alloc(&scratch[t], &B);

    tp_writer *writer = NULL;
    tp_reader *old = NULL;
    char failure[512] = "";
    if (!ok) {
        result = tp__error_set(TP_ERR_OUT_OF_MEMORY, "bake: out of memory for %llu chunks",
                               (unsigned long long)((uint64_t)width * height));
    } else if (o->reuse_path) {
        /* Opened (mapped) before the writer exists, so that reuse_path may be `path`: the
         * old file stays readable after the new one is renamed over it. */
        result = reuse_open(o->reuse_path, &desc, &old, stats->reuse_note,
                            sizeof stats->reuse_note);
        B.reuse = old;
        if (old && !reuse_verify_level(&B, &scratch[0], slots, x0, z0, width, height,
                                       o->reuse_path, stats->reuse_note,
                                       sizeof stats->reuse_note)) {
            B.reuse = NULL;
            tp_reader_close(old);
            old = NULL;
        }
    }
    if (result == TP_OK && ok)
        result = tp_writer_create(path, &desc, &writer);

    if (result == TP_OK) {
        const uint64_t batches = (total + BATCH_CHUNKS - 1) / BATCH_CHUNKS;
#pragma omp parallel num_threads(threads)
#pragma omp master
        {
            /* OpenMP may give fewer threads than asked (limits, nesting): say how many. */
            stats->threads = (uint32_t)omp_get_num_threads();
            /* Batch b fills slots [b % 2]; while its tasks run, the master writes batch
             * b − 1, then helps with the tasks until batch b is done. */
            for (uint64_t b = 0; b <= batches && result == TP_OK; b++) {
                chunk_slot *fill = &slots[(b % 2) * BATCH_CHUNKS];
                uint32_t fill_count = 0;
                if (b < batches) {
                    uint64_t first = b * BATCH_CHUNKS;
                    fill_count = (uint32_t)(total - first < BATCH_CHUNKS ? total - first
                                                                         : BATCH_CHUNKS);
                    for (uint32_t i = 0; i < fill_count; i++) {
                        chunk_slot *slot = &fill[i];
                        uint32_t dx = 0, dz = 0;
                        int more = tp_morton_walk_next(&walk, &dx, &dz);
                        assert(more);
                        (void)more;
                        slot->cx = (int32_t)((int64_t)x0 + dx);
                        slot->cz = (int32_t)((int64_t)z0 + dz);
#pragma omp task firstprivate(slot)
                        bake_chunk(&B, &scratch[omp_get_thread_num()], slot);
                    }
                }
                if (b > 0) {
                    uint64_t first = (b - 1) * BATCH_CHUNKS;
                    uint32_t count = (uint32_t)(total - first < BATCH_CHUNKS ? total - first
                                                                             : BATCH_CHUNKS);
                    result = write_batch(writer, &slots[((b - 1) % 2) * BATCH_CHUNKS],
                                         count, stats);
                    if (result == TP_OK && o->progress &&
                        o->progress(o->progress_user, first + count, total) != 0) {
                        result = tp__error_set(TP_ERR_CANCELLED,
                                               "bake of %s cancelled after %llu of %llu chunks",
                                               path, (unsigned long long)(first + count),
                                               (unsigned long long)total);
                    }
                    /* The master runs tasks while it waits, and each task starts by
                     * clearing this thread's failure detail: keep ours. */
                    if (result != TP_OK)
                        snprintf(failure, sizeof failure, "%s", tp_error_detail());
                }
#pragma omp taskwait
            }
        }
        if (result != TP_OK)
            tp__error_set(result, "%s", failure);
    }

    if (writer && result == TP_OK) {
        result = tp_writer_finish(writer);
        if (result == TP_OK) {
            tp_reader *check = NULL;
            /* The size of what was written, from the file itself. */
            if (tp_reader_open(path, NULL, &check) == TP_OK) {
                stats->file_bytes = tp_reader_file_size(check);
                tp_reader_close(check);
            }
        }
    } else if (writer) {
        /* Keep the first error's detail: abort only removes the temporary file. */
        tp_writer_abort(writer);
    }

    tp_reader_close(old);
    for (int t = 0; scratch && t < threads; t++)
        scratch_free(&scratch[t]);
    free(scratch);
    for (uint32_t i = 0; slots && i < 2u * BATCH_CHUNKS; i++)
        free(slots[i].bytes);
    free(slots);
    stats->seconds = omp_get_wtime() - start;
    return result;
}
