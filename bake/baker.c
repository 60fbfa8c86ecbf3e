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
 * Coarser LODs are taken from the LOD-0 grid at stride 2^k instead of being generated
 * again: the generator guarantees the two are equal (its stride property, tested), and
 * it saves a third of the generation time. Each LOD's mesh is built from that LOD's grid
 * alone (tp_mesh_generate_chunk_blob, which the runtime's fallback calls too).
 */
#include "terrapage/baker.h"

#include "terrapage/mesh.h"
#include "terrapage/writer.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

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
    uint8_t *bytes;   /* capacity: bake_layout.slot_capacity */
    double generate_s, mesh_s, encode_s;
} chunk_slot;

/* Per-thread generation buffers (LOD 0 grids and the climate grid). */
typedef struct thread_scratch {
    uint16_t *heights;
    uint8_t *biomes;
    int16_t *temperature;
    uint16_t *precipitation;
    uint16_t *lod_heights; /* one coarser LOD at a time, taken at stride */
    uint8_t *lod_biomes;
    void *mesh_scratch;    /* tp_mesh_generate_chunk_blob()'s, sized for LOD 0 */
    uint8_t *mesh_raw;     /* one encoded mesh before compression */
} thread_scratch;

/* Sizes that follow from the world. */
typedef struct bake_layout {
    const tp_world_params *world;
    uint32_t lod_count;
    uint32_t edge0, climate_edge;
    size_t slot_capacity;
    int level;
    bool meshes;
    size_t mesh_scratch_size, mesh_raw_capacity;
} bake_layout;

static uint64_t morton_key(uint32_t x, uint32_t z)
{
    uint64_t key = 0;
    for (unsigned bit = 0; bit < 32; bit++) {
        key |= (uint64_t)((x >> bit) & 1u) << (2 * bit);
        key |= (uint64_t)((z >> bit) & 1u) << (2 * bit + 1);
    }
    return key;
}

typedef struct chunk_order {
    uint64_t key;
    int32_t cx, cz;
} chunk_order;

static int compare_order(const void *a, const void *b)
{
    uint64_t ka = ((const chunk_order *)a)->key, kb = ((const chunk_order *)b)->key;
    return (ka > kb) - (ka < kb);
}

void tp_bake_file_desc(const tp_world_params *world, int32_t region_x0, int32_t region_z0,
                       uint32_t region_width, uint32_t region_height, uint32_t flags,
                       tp_file_desc *desc, uint8_t params_blob[TP_WORLD_PARAMS_BLOB_SIZE])
{
    tp_world_params_serialize(world, params_blob);
    memset(desc, 0, sizeof *desc);
    desc->seed = world->seed;
    desc->params_hash = tp_world_params_hash(world);
    desc->generator_version = TP_GENERATOR_VERSION;
    desc->params_blob = params_blob;
    desc->params_blob_size = TP_WORLD_PARAMS_BLOB_SIZE;
    desc->region_x0 = region_x0;
    desc->region_z0 = region_z0;
    desc->region_width = region_width;
    desc->region_height = region_height;
    desc->chunk_size_m = world->chunk_size_m;
    desc->samples_per_edge = world->samples_per_edge;
    desc->lod_count = tp_world_lod_count(world);
    desc->height_min_m = TP_HEIGHT_MIN_M;
    desc->height_step_m = TP_HEIGHT_STEP_M;
    const uint32_t lods = desc->lod_count, climate_edge = tp_world_climate_edge(world);
    desc->layer_count = 4;
    desc->layers[0] = (tp_layer_desc){TP_LAYER_HEIGHT, TP_ELEM_U16, lods,
                                      world->samples_per_edge,
                                      TP_ENCODING_SLOPE_BITPLANE_LZ4, {0}};
    desc->layers[1] = (tp_layer_desc){TP_LAYER_TEMPERATURE, TP_ELEM_I16, 1, climate_edge,
                                      TP_ENCODING_SLOPE_BITPLANE_LZ4, {0}};
    desc->layers[2] = (tp_layer_desc){TP_LAYER_PRECIPITATION, TP_ELEM_U16, 1, climate_edge,
                                      TP_ENCODING_SLOPE_BITPLANE_LZ4, {0}};
    desc->layers[3] = (tp_layer_desc){TP_LAYER_BIOME, TP_ELEM_U8, lods,
                                      world->samples_per_edge, TP_ENCODING_LZ4, {0}};
    if (!(flags & TP_BAKE_NO_MESHES)) {
        desc->layers[desc->layer_count++] =
            (tp_layer_desc){TP_LAYER_MESH, TP_ELEM_BYTES, lods, 0, TP_ENCODING_LZ4, {0}};
    }
}

/* Worst-case bytes of one chunk's encoded blobs. */
static size_t slot_capacity(const bake_layout *L)
{
    size_t total = 0;
    for (uint32_t lod = 0; lod < L->lod_count; lod++) {
        size_t e = tp_world_lod_edge(L->world, lod);
        total += tp_blob_encode_bound(e * e * sizeof(uint16_t));
        total += tp_blob_encode_bound(e * e);
    }
    size_t c = (size_t)L->climate_edge * L->climate_edge;
    total += 2 * tp_blob_encode_bound(c * sizeof(uint16_t));
    for (uint32_t lod = 0; L->meshes && lod < L->lod_count; lod++)
        total += tp_blob_encode_bound(tp_mesh_chunk_blob_bound(L->world, lod));
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
    free(s->mesh_scratch);
    free(s->mesh_raw);
    memset(s, 0, sizeof *s);
}

static int scratch_alloc(thread_scratch *s, const bake_layout *L)
{
    size_t n0 = (size_t)L->edge0 * L->edge0, nc = (size_t)L->climate_edge * L->climate_edge;
    size_t n1 = (size_t)tp_world_lod_edge(L->world, 1 < L->lod_count ? 1 : 0);
    n1 *= n1;
    s->heights = malloc(n0 * sizeof *s->heights);
    s->biomes = malloc(n0);
    s->temperature = malloc(nc * sizeof *s->temperature);
    s->precipitation = malloc(nc * sizeof *s->precipitation);
    s->lod_heights = malloc(n1 * sizeof *s->lod_heights);
    s->lod_biomes = malloc(n1);
    if (L->meshes) {
        s->mesh_scratch = malloc(L->mesh_scratch_size);
        s->mesh_raw = malloc(L->mesh_raw_capacity);
    }
    if (!s->heights || !s->biomes || !s->temperature || !s->precipitation ||
        !s->lod_heights || !s->lod_biomes ||
        (L->meshes && (!s->mesh_scratch || !s->mesh_raw))) {
        scratch_free(s);
        return 0;
    }
    return 1;
}

/* Compresses one blob into the slot's buffer and records it. */
static tp_result encode_bytes(const bake_layout *L, chunk_slot *slot, size_t *used,
                              uint32_t layer_id, uint32_t lod, uint32_t elem_type,
                              uint32_t edge, const void *raw, size_t raw_size, uint32_t aux)
{
    size_t size = 0;
    uint32_t encoding = 0;
    tp_result r = tp_blob_encode(elem_type, edge, raw, raw_size, L->level,
                                 slot->bytes + *used, L->slot_capacity - *used, &size,
                                 &encoding);
    if (r != TP_OK)
        return r;
    slot->blobs[slot->blob_count++] =
        (blob_record){layer_id, lod, encoding, *used, size, raw_size, aux};
    *used += size;
    return TP_OK;
}

/* Encodes one grid into the slot's buffer and records it. */
static tp_result encode_blob(const bake_layout *L, chunk_slot *slot, size_t *used,
                             uint32_t layer_id, uint32_t lod, uint32_t elem_type,
                             uint32_t edge, const void *raw)
{
    size_t raw_size = (size_t)edge * edge * tp_elem_size(elem_type);
    return encode_bytes(L, slot, used, layer_id, lod, elem_type, edge, raw, raw_size, 0);
}

/* Builds the LOD's mesh from its own grid (the runtime's fallback does the same, from
 * the same function) and records its exact max error against LOD 0 in aux. */
static tp_result encode_mesh(const bake_layout *L, thread_scratch *s, chunk_slot *slot,
                             size_t *used, uint32_t lod, const uint16_t *lod_heights)
{
    size_t raw_size = 0;
    float max_error_m = 0.0f;
    double t0 = omp_get_wtime();
    tp_result r = tp_mesh_generate_chunk_blob(L->world, slot->cx, slot->cz, lod, lod_heights,
                                              s->heights, s->mesh_scratch,
                                              L->mesh_scratch_size, s->mesh_raw,
                                              L->mesh_raw_capacity, &raw_size, &max_error_m);
    slot->mesh_s += omp_get_wtime() - t0;
    if (r != TP_OK)
        return r;
    uint32_t aux;
    memcpy(&aux, &max_error_m, sizeof aux);
    return encode_bytes(L, slot, used, TP_LAYER_MESH, lod, TP_ELEM_BYTES, 0, s->mesh_raw,
                        raw_size, aux);
}

/* Takes every 2^lod-th sample of an edge0² grid of `elem`-byte values. */
static void take_stride(const void *src, uint32_t edge0, uint32_t lod, size_t elem, void *dst)
{
    const uint32_t step = 1u << lod, edge = ((edge0 - 1u) >> lod) + 1u;
    const uint8_t *s = src;
    uint8_t *d = dst;
    for (uint32_t row = 0; row < edge; row++)
        for (uint32_t col = 0; col < edge; col++)
            memcpy(d + ((size_t)row * edge + col) * elem,
                   s + ((size_t)row * step * edge0 + (size_t)col * step) * elem, elem);
}

/* Generates and encodes every blob of one chunk into its slot. Runs on any thread. */
static void bake_chunk(const bake_layout *L, thread_scratch *s, chunk_slot *slot)
{
    const tp_world_params *w = L->world;
    slot->blob_count = 0;
    slot->error[0] = '\0';
    /* The failure detail is thread-local and not every failing call sets one: start
     * from nothing, so a failure here never reports a stale message of this thread. */
    tp__error_set(TP_OK, "%s", "");
    slot->mesh_s = 0.0;
    double t0 = omp_get_wtime();
    tp_chunk_fields fields = {s->heights, s->biomes, s->temperature, s->precipitation};
    tp_result r = tp_generate_chunk(w, slot->cx, slot->cz, 0, &fields);
    double t1 = omp_get_wtime();
    slot->generate_s = t1 - t0;
    size_t used = 0;
    for (uint32_t lod = 0; r == TP_OK && lod < L->lod_count; lod++) {
        uint32_t edge = tp_world_lod_edge(w, lod);
        const uint16_t *h = s->heights;
        const uint8_t *b = s->biomes;
        if (lod > 0) {
            take_stride(s->heights, L->edge0, lod, sizeof *s->heights, s->lod_heights);
            take_stride(s->biomes, L->edge0, lod, 1, s->lod_biomes);
            h = s->lod_heights;
            b = s->lod_biomes;
        }
        r = encode_blob(L, slot, &used, TP_LAYER_HEIGHT, lod, TP_ELEM_U16, edge, h);
        if (r == TP_OK)
            r = encode_blob(L, slot, &used, TP_LAYER_BIOME, lod, TP_ELEM_U8, edge, b);
        if (r == TP_OK && lod == 0)
            r = encode_blob(L, slot, &used, TP_LAYER_TEMPERATURE, 0, TP_ELEM_I16,
                            L->climate_edge, s->temperature);
        if (r == TP_OK && lod == 0)
            r = encode_blob(L, slot, &used, TP_LAYER_PRECIPITATION, 0, TP_ELEM_U16,
                            L->climate_edge, s->precipitation);
        if (r == TP_OK && L->meshes)
            r = encode_mesh(L, s, slot, &used, lod, h);
    }
    slot->encode_s = omp_get_wtime() - t1 - slot->mesh_s;
    if (r != TP_OK) {
        slot->result = r;
        snprintf(slot->error, sizeof slot->error, "%s", tp_error_detail());
        return;
    }

    /* The culling record: LOD-0 height range; all-ocean when even the highest sample
     * is below sea level (heights are exact multiples of the step, so this is exact). */
    uint16_t lo = UINT16_MAX, hi = 0;
    for (size_t k = 0, n = (size_t)L->edge0 * L->edge0; k < n; k++) {
        lo = s->heights[k] < lo ? s->heights[k] : lo;
        hi = s->heights[k] > hi ? s->heights[k] : hi;
    }
    slot->bounds.height_min_code = lo;
    slot->bounds.height_max_code = hi;
    slot->bounds.flags = TP_HEIGHT_MIN_M + hi * TP_HEIGHT_STEP_M < w->sea_level_m
                             ? TP_CHUNK_ALL_OCEAN : 0u;
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
    if ((uint64_t)*width * *height > TP_BAKE_MAX_CHUNKS)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "bake options: %u x %u chunks is more than the %llu one bake "
                             "takes", *width, *height, (unsigned long long)TP_BAKE_MAX_CHUNKS);
    if (o->threads > TP_BAKE_MAX_THREADS)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "bake options: %u threads is over %u",
                             o->threads, TP_BAKE_MAX_THREADS);
    if ((int64_t)*x0 + *width - 1 > INT32_MAX || (int64_t)*z0 + *height - 1 > INT32_MAX) {
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "bake options: the region runs past chunk coordinate %d",
                             INT32_MAX);
    }
    if (o->compression_level > 12) {
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "bake options: compression level %d is above 12",
                             o->compression_level);
    }
    return TP_OK;
}

/* Chunks of the region in Morton order of their offsets from the region's corner. */
static chunk_order *region_order(int32_t x0, int32_t z0, uint32_t width, uint32_t height,
                                 uint64_t *out_count)
{
    uint64_t count = (uint64_t)width * height;
    if (count > SIZE_MAX / sizeof(chunk_order))
        return NULL;
    chunk_order *order = malloc((size_t)count * sizeof *order);
    if (!order)
        return NULL;
    size_t n = 0;
    for (uint32_t z = 0; z < height; z++)
        for (uint32_t x = 0; x < width; x++)
            order[n++] = (chunk_order){morton_key(x, z), (int32_t)((int64_t)x0 + x),
                                       (int32_t)((int64_t)z0 + z)};
    qsort(order, n, sizeof *order, compare_order);
    *out_count = count;
    return order;
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
    const double start = omp_get_wtime();

    tp_world_params world;
    int32_t x0 = 0, z0 = 0;
    uint32_t width = 0, height = 0;
    tp_result result = check_options(o, &world, &x0, &z0, &width, &height);
    if (result != TP_OK)
        return result;

    bake_layout L = {&world, tp_world_lod_count(&world), world.samples_per_edge,
                     tp_world_climate_edge(&world), 0, o->compression_level,
                     !(o->flags & TP_BAKE_NO_MESHES), 0, 0};
    if (L.meshes) {
        /* LOD 0 needs the most; the same buffers serve every LOD. */
        L.mesh_scratch_size = tp_mesh_chunk_blob_scratch_size(&world, 0);
        L.mesh_raw_capacity = tp_mesh_chunk_blob_bound(&world, 0);
    }
    L.slot_capacity = slot_capacity(&L);
    int threads = o->threads ? (int)o->threads : omp_get_max_threads();
    if (threads > omp_get_thread_limit())
        threads = omp_get_thread_limit();

    uint8_t params_blob[TP_WORLD_PARAMS_BLOB_SIZE];
    tp_file_desc desc;
    tp_bake_file_desc(&world, x0, z0, width, height, o->flags, &desc, params_blob);

    uint64_t total = 0;
    chunk_order *order = region_order(x0, z0, width, height, &total);
    chunk_slot *slots = calloc(2u * BATCH_CHUNKS, sizeof *slots);
    thread_scratch *scratch = calloc((size_t)threads, sizeof *scratch);
    int ok = order && slots && scratch;
    for (uint32_t i = 0; ok && i < 2u * BATCH_CHUNKS; i++)
        ok = (slots[i].bytes = malloc(L.slot_capacity)) != NULL;
    for (int t = 0; ok && t < threads; t++)
        ok = scratch_alloc(&scratch[t], &L);

    tp_writer *writer = NULL;
    char failure[512] = "";
    if (!ok) {
        result = tp__error_set(TP_ERR_OUT_OF_MEMORY, "bake: out of memory for %llu chunks",
                               (unsigned long long)((uint64_t)width * height));
    } else {
        result = tp_writer_create(path, &desc, &writer);
    }

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
                        slot->cx = order[first + i].cx;
                        slot->cz = order[first + i].cz;
#pragma omp task firstprivate(slot)
                        bake_chunk(&L, &scratch[omp_get_thread_num()], slot);
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

    for (int t = 0; scratch && t < threads; t++)
        scratch_free(&scratch[t]);
    free(scratch);
    for (uint32_t i = 0; slots && i < 2u * BATCH_CHUNKS; i++)
        free(slots[i].bytes);
    free(slots);
    free(order);
    stats->seconds = omp_get_wtime() - start;
    return result;
}
