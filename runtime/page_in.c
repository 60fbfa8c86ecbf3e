/* page_in.c — where a page is read and where one is generated: (chunk, LOD) into
 * decoded grids and mesh. A page comes from the file when the chunk is baked and every
 * blob of it is sound (found, checksummed on the bytes actually decoded, decoded to the
 * size this world's layer must have); otherwise the generator makes it — the same pure
 * function the baker ran, so the same bytes — and a page that failed is regenerated
 * whole, never partly trusted. Blobs are read through the mapping, with pread into
 * scratch (TP_STREAMER_PREAD) or through the caller's read callback.
 *
 * Nothing here allocates or touches the streamer: a page-in sees the source (read-only
 * after open), its job and its thread's scratch, so workers run it concurrently. */
#define _POSIX_C_SOURCE 200809L /* pread, O_CLOEXEC under -std=c11 */

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "alloc.h"
#include "page_in.h"
#include "terrapage/mesh.h"

/* ---- The source ----------------------------------------------------------------------- */

void tp__page_source_init(tp__page_source *src)
{
    memset(src, 0, sizeof *src);
    src->fd = -1;
}

/* The file must have been baked by this generator with these parameters, or its
 * fallback pages (and meshes) would differ from its own. */
static tp_result check_world(tp__page_source *src, const tp_file_desc *d, const char *path)
{
    if (d->generator_version != TP_GENERATOR_VERSION)
        return tp__error_set(TP_ERR_UNSUPPORTED_VERSION,
                             "%s: baked by generator version %u, this library generates "
                             "version %u (its fallback pages would differ)",
                             path, d->generator_version, TP_GENERATOR_VERSION);
    if (tp_world_params_deserialize(d->params_blob, d->params_blob_size, &src->world) != TP_OK)
        return tp__error_set(TP_ERR_CORRUPT, "%s: the world parameters do not resolve", path);
    if (tp_world_params_hash(&src->world) != d->params_hash ||
        d->samples_per_edge != src->world.samples_per_edge ||
        d->chunk_size_m != src->world.chunk_size_m)
        return tp__error_set(TP_ERR_CORRUPT,
                             "%s: the header disagrees with its world parameters", path);
    return TP_OK;
}

tp_result tp__page_source_open_file(tp__page_source *src, const char *path,
                                    const tp_streamer_options *o, int *out_has_meshes,
                                    tp__region *out_region)
{
    tp_result r = tp_reader_open(path, NULL, &src->reader);
    if (r != TP_OK)
        return r;
    const tp_file_desc *d = tp_reader_desc(src->reader);
    if ((r = check_world(src, d, path)) != TP_OK)
        return r;
    *out_has_meshes = 0;
    for (uint32_t i = 0; i < d->layer_count; i++)
        *out_has_meshes |= d->layers[i].layer_id == TP_LAYER_MESH;
    *out_region = (tp__region){d->region_x0, d->region_z0, d->region_width, d->region_height};
    src->read = o->read;
    src->read_user = o->read_user;
    if ((o->flags & TP_STREAMER_PREAD) && !o->read) {
        src->fd = open(path, O_RDONLY | O_CLOEXEC);
        if (src->fd < 0)
            return tp__error_set(TP_ERR_IO, "%s: cannot open for reading", path);
    }
    return TP_OK;
}

tp_result tp__page_source_open_world(tp__page_source *src, const tp_world_params *world)
{
    return tp_world_params_resolve(world, &src->world);
}

void tp__page_source_bind(tp__page_source *src, const tp__layout *layout)
{
    src->layout = layout;
    src->max_stored = tp__height_bytes(layout, 0);
    if (layout->meshes) {
        /* Reads as large as the largest mesh blob can be stored. */
        size_t stored = tp_blob_encode_bound(tp_mesh_chunk_blob_bound(&src->world, 0));
        if (stored > src->max_stored)
            src->max_stored = stored;
    }
}

void tp__page_source_close(tp__page_source *src)
{
    if (src->fd >= 0)
        close(src->fd);
    tp_reader_close(src->reader);
    tp__page_source_init(src);
}

tp_result tp__page_source_bounds(const tp__page_source *src, int32_t cx, int32_t cz,
                                 tp_chunk_bounds *out_bounds)
{
    if (!src->reader)
        return TP_ERR_NOT_FOUND;
    return tp_reader_chunk_bounds(src->reader, cx, cz, out_bounds);
}

/* ---- Blobs ---------------------------------------------------------------------------- */

static tp_result read_bytes(const tp__page_source *src, const tp_blob_ref *ref, void *scratch,
                            const void **out)
{
    if (src->read) {
        if (src->read(src->read_user, ref->offset, scratch, ref->stored_size) != 0)
            return TP_ERR_IO;
    } else if (src->fd >= 0) {
        uint8_t *dst = scratch;
        size_t left = ref->stored_size;
        uint64_t at = ref->offset;
        while (left > 0) {
            ssize_t n = pread(src->fd, dst, left, (off_t)at);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                return TP_ERR_IO;
            dst += n, left -= (size_t)n, at += (uint64_t)n;
        }
    } else {
        *out = tp_reader_blob_bytes(src->reader, ref);
        return *out ? TP_OK : TP_ERR_CORRUPT;
    }
    *out = scratch;
    return TP_OK;
}

/* One grid blob of (chunk, LOD) decoded into dst, which holds raw_bytes. */
static tp_result load_blob(const tp__page_source *src, int32_t cx, int32_t cz, uint32_t layer,
                           uint32_t lod, void *dst, size_t raw_bytes, void *scratch,
                           uint64_t *bytes_read)
{
    tp_blob_ref ref;
    tp_result r = tp_reader_find(src->reader, cx, cz, layer, lod, &ref);
    if (r == TP_ERR_NOT_FOUND || r == TP_ERR_CHECKSUM)
        return r;
    if (r != TP_OK || ref.raw_size != raw_bytes || ref.stored_size > src->max_stored)
        return TP_ERR_CORRUPT; /* not the grid this world's layer must hold */
    const void *bytes = NULL;
    r = read_bytes(src, &ref, scratch, &bytes);
    if (r != TP_OK)
        return r;
    *bytes_read += ref.stored_size;
    /* Verified on the bytes actually decoded (the scratch copy on the read path), so a
     * page that changed between check and use cannot slip through. */
    if (XXH3_64bits(bytes, ref.stored_size) != ref.checksum)
        return TP_ERR_CHECKSUM;
    if (tp_blob_decode(ref.encoding, ref.elem_type, ref.edge, bytes, ref.stored_size, dst,
                       raw_bytes) != TP_OK)
        return TP_ERR_CORRUPT;
    return TP_OK;
}

/* The mesh blob of (chunk, LOD) decoded from LZ4 into scratch->mesh_raw: the mesh
 * encoding, whose own checksum tp_mesh_decode() checks again. */
static tp_result load_mesh_raw(const tp__page_source *src, int32_t cx, int32_t cz,
                               uint32_t lod, const tp__scratch *scratch, size_t *out_size,
                               float *out_error_m, uint64_t *bytes_read)
{
    tp_blob_ref ref;
    tp_result r = tp_reader_find(src->reader, cx, cz, TP_LAYER_MESH, lod, &ref);
    if (r == TP_ERR_NOT_FOUND || r == TP_ERR_CHECKSUM)
        return r;
    if (r != TP_OK || ref.raw_size > scratch->mesh_raw_bytes ||
        ref.stored_size > src->max_stored)
        return TP_ERR_CORRUPT; /* larger than any mesh this world's builder makes */
    const void *bytes = NULL;
    r = read_bytes(src, &ref, scratch->read, &bytes);
    if (r != TP_OK)
        return r;
    *bytes_read += ref.stored_size;
    if (XXH3_64bits(bytes, ref.stored_size) != ref.checksum)
        return TP_ERR_CHECKSUM;
    if (tp_blob_decode(ref.encoding, ref.elem_type, ref.edge, bytes, ref.stored_size,
                       scratch->mesh_raw, ref.raw_size) != TP_OK)
        return TP_ERR_CORRUPT;
    *out_size = ref.raw_size;
    memcpy(out_error_m, &ref.aux, sizeof *out_error_m);
    return TP_OK;
}

/* The fallback's mesh: the baker's own function on the LOD's grid, so the encoding is
 * the one the file holds (or would hold) for (chunk, LOD). Its error against LOD 0 is
 * measured when the grid is LOD 0; at coarser LODs that would need the LOD-0 grid (four
 * times the generation per LOD), so the LOD's promise stands in, flagged. */
static tp_result build_mesh_raw(const tp__page_source *src, int32_t cx, int32_t cz,
                                uint32_t lod, const uint16_t *heights,
                                const tp__scratch *scratch, size_t *out_size,
                                float *out_error_m, uint32_t *out_flags)
{
    float error_m = -1.0f;
    tp_result r = tp_mesh_generate_chunk_blob(&src->world, cx, cz, lod, heights,
                                              lod == 0 ? heights : NULL, scratch->mesh_build,
                                              scratch->mesh_build_bytes, scratch->mesh_raw,
                                              scratch->mesh_raw_bytes, out_size, &error_m);
    *out_flags = 0;
    if (r == TP_OK && lod != 0) {
        error_m = (float)tp_mesh_lod_target_error_m(lod);
        *out_flags = TP_CHUNK_MESH_ERROR_ESTIMATED;
    }
    *out_error_m = error_m;
    return r;
}

/* Decodes scratch->mesh_raw into the job's staging. */
static tp_result stage_mesh(tp__job *job, const tp__scratch *scratch, size_t size)
{
    return tp_mesh_decode(scratch->mesh_raw, size, job->stage_vertices, job->stage_vertex_cap,
                          job->stage_indices, job->stage_index_cap, &job->mesh);
}

void tp__page_in(const tp__page_source *src, tp__job *job, const tp__scratch *scratch)
{
    tp__block *b = job->block;
    const uint32_t lod = job->lod;
    const tp__layout *l = src->layout;
    job->bytes_read = 0;
    job->cause = TP_OK;
    job->mesh_ok = 0;
    job->mesh_flags = 0;
    b->cx = job->cx, b->cz = job->cz, b->lod = lod;

    tp_result r = TP_ERR_NOT_FOUND;
    if (job->slot == TP__SLOT_FINE && tp__region_index(&l->region, job->cx, job->cz) >= 0) {
        struct { uint32_t layer, lod; void *dst; size_t bytes; } parts[4] = {
            {TP_LAYER_HEIGHT, lod, b->heights, tp__height_bytes(l, lod)},
            {TP_LAYER_BIOME, lod, b->biomes, tp__biome_bytes(l, lod)},
            {TP_LAYER_TEMPERATURE, 0, b->temperature, tp__climate_layer_bytes(l)},
            {TP_LAYER_PRECIPITATION, 0, b->precipitation, tp__climate_layer_bytes(l)},
        };
        for (int i = 0; i < 4; i++) {
            if (atomic_load_explicit(&job->cancelled, memory_order_relaxed))
                return; /* the result will be thrown away: stop early */
            r = load_blob(src, job->cx, job->cz, parts[i].layer, parts[i].lod, parts[i].dst,
                          parts[i].bytes, scratch->read, &job->bytes_read);
            if (r != TP_OK)
                break;
        }
        if (r == TP_OK && l->meshes) {
            size_t size = 0;
            r = load_mesh_raw(src, job->cx, job->cz, lod, scratch, &size, &job->mesh_error_m,
                              &job->bytes_read);
            if (r == TP_OK && stage_mesh(job, scratch, size) != TP_OK)
                r = TP_ERR_CORRUPT; /* the whole page is regenerated, mesh included */
            job->mesh_ok = r == TP_OK;
        }
    }
    b->has_climate = 1;
    if (r == TP_OK) {
        job->source = TP_STREAMER_SOURCE_FILE;
        return;
    }
    /* The fallback: the same pure function the baker ran, so the same bytes. A page
     * that failed its checksum is regenerated whole, never partly trusted. */
    job->cause = r;
    job->source =
        r == TP_ERR_NOT_FOUND ? TP_STREAMER_SOURCE_GENERATED : TP_STREAMER_SOURCE_REPAIRED;
    tp_chunk_fields f = {b->heights, b->biomes, b->temperature, b->precipitation};
    tp_generate_chunk(&src->world, job->cx, job->cz, lod, &f);
    if (l->meshes && !atomic_load_explicit(&job->cancelled, memory_order_relaxed)) {
        size_t size = 0;
        job->mesh_ok = build_mesh_raw(src, job->cx, job->cz, lod, b->heights, scratch, &size,
                                      &job->mesh_error_m, &job->mesh_flags) == TP_OK &&
                       stage_mesh(job, scratch, size) == TP_OK;
    }
}

/* ---- The coarsest LOD on the game thread ------------------------------------------------ */

tp_result tp__page_read_coarsest(const tp__page_source *src, int32_t cx, int32_t cz,
                                 uint16_t *heights, uint8_t *biomes, const tp__scratch *sc,
                                 tp__mesh_raw *out_mesh, uint64_t *bytes_read)
{
    const tp__layout *l = src->layout;
    const uint32_t lod = l->coarsest;
    tp_result r = load_blob(src, cx, cz, TP_LAYER_HEIGHT, lod, heights,
                            tp__height_bytes(l, lod), sc->read, bytes_read);
    if (r == TP_OK)
        r = load_blob(src, cx, cz, TP_LAYER_BIOME, lod, biomes, tp__biome_bytes(l, lod),
                      sc->read, bytes_read);
    if (r == TP_OK && out_mesh) {
        *out_mesh = (tp__mesh_raw){sc->mesh_raw, 0, 0.0f, 0};
        r = load_mesh_raw(src, cx, cz, lod, sc, &out_mesh->size, &out_mesh->error_m,
                          bytes_read);
    }
    return r;
}

tp_result tp__page_generate_coarsest(const tp__page_source *src, int32_t cx, int32_t cz,
                                     uint16_t *heights, uint8_t *biomes, const tp__scratch *sc,
                                     tp__mesh_raw *out_mesh)
{
    const uint32_t lod = src->layout->coarsest;
    tp_chunk_fields f = {heights, biomes, NULL, NULL};
    tp_generate_chunk(&src->world, cx, cz, lod, &f);
    if (!out_mesh)
        return TP_OK;
    *out_mesh = (tp__mesh_raw){sc->mesh_raw, 0, 0.0f, 0};
    return build_mesh_raw(src, cx, cz, lod, heights, sc, &out_mesh->size, &out_mesh->error_m,
                          &out_mesh->flags);
}

/* ---- Working memory ------------------------------------------------------------------- */

tp_result tp__scratch_alloc(const tp__page_source *src, const tp_streamer_allocator *mem,
                            tp__scratch *sc, int for_jobs)
{
    const tp__layout *l = src->layout;
    memset(sc, 0, sizeof *sc);
    uint32_t lod = for_jobs ? 0 : l->coarsest;
    if (src->fd >= 0 || src->read)
        sc->read_bytes = src->max_stored;
    if (l->meshes) {
        sc->mesh_raw_bytes = tp_mesh_chunk_blob_bound(&src->world, lod);
        sc->mesh_build_bytes = tp_mesh_chunk_blob_scratch_size(&src->world, lod);
    }
    if ((sc->read_bytes && !(sc->read = tp__alloc(mem, sc->read_bytes))) ||
        (sc->mesh_raw_bytes && !(sc->mesh_raw = tp__alloc(mem, sc->mesh_raw_bytes))) ||
        (sc->mesh_build_bytes && !(sc->mesh_build = tp__alloc(mem, sc->mesh_build_bytes))))
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory for scratch");
    return TP_OK;
}

void tp__scratch_free(const tp_streamer_allocator *mem, tp__scratch *sc)
{
    tp__free(mem, sc->read, sc->read_bytes);
    tp__free(mem, sc->mesh_raw, sc->mesh_raw_bytes);
    tp__free(mem, sc->mesh_build, sc->mesh_build_bytes);
    memset(sc, 0, sizeof *sc);
}

size_t tp__scratch_bytes(const tp__scratch *sc)
{
    return sc->read_bytes + sc->mesh_raw_bytes + sc->mesh_build_bytes;
}

