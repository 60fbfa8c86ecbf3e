/* page_in.c — where a page is read and where one is generated: (chunk, LOD) into
 * decoded grids and mesh, through the page abstraction (terrapage/page.h). A page comes
 * from the file when the chunk is baked and every part of it is sound (found,
 * checksummed on the bytes actually read, decoded to this world's grid, its mesh
 * decodable); otherwise it is generated — the same pure functions the baker ran, so the
 * same bytes — and a page that failed is regenerated whole, never partly trusted. The
 * reader reads with pread into scratch (the default), through the caller's read
 * callback, or through the mapping (TP_STREAMER_MMAP).
 *
 * Nothing here allocates or touches the streamer: a page-in sees the source (read-only
 * after open), its job and its thread's scratch, so workers run it concurrently. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "page_in.h"
#include "terrapage/mesh.h"

/* ---- The source ----------------------------------------------------------------------- */

void tp__page_source_init(tp__page_source *src)
{
    memset(src, 0, sizeof *src);
}

tp_result tp__page_source_open_file(tp__page_source *src, const char *path,
                                    const tp_streamer_options *o, int *out_has_meshes,
                                    tp__region *out_region)
{
    /* pread unless the caller reads or asks for the mapping: a file truncated or
     * rewritten in place then gives failed pages, regenerated, never SIGBUS. */
    tp_reader_options ro = {0};
    if (o->read) {
        ro.read = o->read;
        ro.read_user = o->read_user;
    } else if (!(o->flags & TP_STREAMER_MMAP)) {
        ro.flags = TP_READER_PREAD;
    }
    tp_result r = tp_reader_open(path, &ro, &src->reader);
    if (r != TP_OK)
        return r;
    const tp_file_desc *d = tp_reader_desc(src->reader);
    /* The file must have been baked by this generator with these parameters, or its
     * fallback pages (and meshes) would differ from its own. */
    r = tp_page_layout_from_file(d, &src->page);
    /* And its pages must be that world's where the header can lie unseen (a moved
     * region origin): a few coarsest pages compared with generation, a constant cost. */
    if (r == TP_OK) {
        const size_t size = tp_page_check_scratch_size(&src->page, src->page.lod_count - 1u);
        void *scratch = tp__alloc(&o->allocator, size);
        if (!scratch)
            return tp__error_set(TP_ERR_OUT_OF_MEMORY, "%s: %zu bytes to check its pages",
                                 path, size);
        r = tp_page_check_file(&src->page, src->reader, scratch, size, NULL);
        tp__free(&o->allocator, scratch, size);
    }
    if (r != TP_OK) {
        char why[512];
        snprintf(why, sizeof why, "%s", tp_error_detail());
        return tp__error_set(r, "%s: %s", path, why);
    }
    *out_has_meshes = (src->page.flags & TP_PAGE_MESHES) != 0;
    *out_region = (tp__region){d->region_x0, d->region_z0, d->region_width, d->region_height};
    return TP_OK;
}

tp_result tp__page_source_open_world(tp__page_source *src, const tp_world_params *world)
{
    tp_world_params resolved;
    tp_result r = tp_world_params_resolve(world, &resolved);
    if (r == TP_OK)
        r = tp_page_layout_init(&resolved, TP_PAGE_MESHES, &src->page);
    return r;
}

void tp__page_source_bind(tp__page_source *src, const tp__layout *layout)
{
    src->layout = layout;
    if (!layout->meshes)
        src->page.flags &= ~(uint32_t)TP_PAGE_MESHES;
}

void tp__page_source_close(tp__page_source *src)
{
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

/* ---- Pages ------------------------------------------------------------------------------ */

static uint32_t mesh_flags(const tp_page *page)
{
    return (page->flags & TP_PAGE_MESH_ERROR_ESTIMATED) ? TP_CHUNK_MESH_ERROR_ESTIMATED : 0u;
}

/* Decodes the page's mesh encoding into the job's staging. */
static tp_result stage_mesh(tp__job *job, const tp_page *page)
{
    return tp_mesh_decode(page->mesh, page->mesh_size, job->stage_vertices,
                          job->stage_vertex_cap, job->stage_indices, job->stage_index_cap,
                          &job->mesh);
}

void tp__page_in(const tp__page_source *src, tp__job *job, const tp__scratch *sc)
{
    tp__block *b = job->block;
    const uint32_t lod = job->lod;
    const tp__layout *l = src->layout;
    job->bytes_read = 0;
    job->cause = TP_OK;
    job->mesh_ok = 0;
    job->mesh_flags = 0;
    b->cx = job->cx, b->cz = job->cz, b->lod = lod;
    if (atomic_load_explicit(&job->cancelled, memory_order_relaxed))
        return; /* the result will be thrown away */

    tp_page page = {.heights = b->heights, .biomes = b->biomes, .temperature_cc = b->temperature,
                    .precipitation_mm = b->precipitation, .mesh = l->meshes ? sc->mesh_raw : NULL};
    tp_result r = TP_ERR_NOT_FOUND;
    if (tp__region_index(&l->region, job->cx, job->cz) >= 0) {
        r = tp_page_read(&src->page, src->reader, job->cx, job->cz, lod, sc->page,
                         sc->page_bytes, &page);
        job->bytes_read = page.bytes_read;
        if (r == TP_OK && l->meshes && stage_mesh(job, &page) != TP_OK)
            r = TP_ERR_CORRUPT; /* the whole page is regenerated, mesh included */
    }
    b->has_climate = 1;
    if (r == TP_OK) {
        job->source = TP_STREAMER_SOURCE_FILE;
        job->mesh_ok = l->meshes;
        job->mesh_error_m = page.mesh_error_m;
        return;
    }
    job->cause = r;
    job->source =
        r == TP_ERR_NOT_FOUND ? TP_STREAMER_SOURCE_GENERATED : TP_STREAMER_SOURCE_REPAIRED;
    /* The grids always (a published block is whole); the mesh, the larger half of the
     * work, only while the job is still wanted. */
    void *mesh = page.mesh;
    page.mesh = NULL;
    tp_page_generate(&src->page, job->cx, job->cz, lod, NULL, NULL, 0, &page);
    if (mesh && !atomic_load_explicit(&job->cancelled, memory_order_relaxed)) {
        page.mesh = mesh;
        job->mesh_ok = tp_page_generate_mesh(&src->page, job->cx, job->cz, lod, NULL, sc->page,
                                             sc->page_bytes, &page) == TP_OK &&
                       stage_mesh(job, &page) == TP_OK;
        job->mesh_error_m = page.mesh_error_m;
        job->mesh_flags = mesh_flags(&page);
    }
}

/* ---- The coarsest LOD on the game thread ------------------------------------------------ */

/* The page's mesh as update() takes it. */
static void mesh_out(const tp_page *page, tp__mesh_raw *out_mesh)
{
    *out_mesh = (tp__mesh_raw){page->mesh, page->mesh_size, page->mesh_error_m,
                               mesh_flags(page)};
}

tp_result tp__page_read_coarsest(const tp__page_source *src, int32_t cx, int32_t cz,
                                 uint16_t *heights, uint8_t *biomes, const tp__scratch *sc,
                                 tp__mesh_raw *out_mesh, uint64_t *bytes_read)
{
    tp_page page = {.heights = heights, .biomes = biomes,
                    .mesh = out_mesh ? sc->mesh_raw : NULL};
    tp_result r = tp_page_read(&src->page, src->reader, cx, cz, src->layout->coarsest, sc->page,
                               sc->page_bytes, &page);
    *bytes_read += page.bytes_read;
    if (r == TP_OK && out_mesh)
        mesh_out(&page, out_mesh);
    return r;
}

tp_result tp__page_generate_coarsest(const tp__page_source *src, int32_t cx, int32_t cz,
                                     uint16_t *heights, uint8_t *biomes, const tp__scratch *sc,
                                     tp__mesh_raw *out_mesh)
{
    tp_page page = {.heights = heights, .biomes = biomes,
                    .mesh = out_mesh ? sc->mesh_raw : NULL};
    tp_result r = tp_page_generate(&src->page, cx, cz, src->layout->coarsest, NULL, sc->page,
                                   sc->page_bytes, &page);
    if (out_mesh)
        mesh_out(&page, out_mesh);
    return r;
}

/* ---- Working memory ------------------------------------------------------------------- */

tp_result tp__scratch_alloc(const tp__page_source *src, const tp_streamer_allocator *mem,
                            tp__scratch *sc, int for_jobs)
{
    const tp__layout *l = src->layout;
    memset(sc, 0, sizeof *sc);
    uint32_t lod = for_jobs ? 0 : l->coarsest;
    /* A mapped file is decoded in place: only pread, callbacks and meshes need room. */
    if (l->meshes || (src->reader && !tp_reader_is_mapped(src->reader)))
        sc->page_bytes = tp_page_scratch_size(&src->page, lod);
    if (l->meshes)
        sc->mesh_raw_bytes = tp_page_mesh_capacity(&src->page, lod);
    if ((sc->page_bytes && !(sc->page = tp__alloc(mem, sc->page_bytes))) ||
        (sc->mesh_raw_bytes && !(sc->mesh_raw = tp__alloc(mem, sc->mesh_raw_bytes))))
        return tp__error_set(TP_ERR_OUT_OF_MEMORY, "streamer: out of memory for scratch");
    return TP_OK;
}

void tp__scratch_free(const tp_streamer_allocator *mem, tp__scratch *sc)
{
    tp__free(mem, sc->page, sc->page_bytes);
    tp__free(mem, sc->mesh_raw, sc->mesh_raw_bytes);
    memset(sc, 0, sizeof *sc);
}

size_t tp__scratch_bytes(const tp__scratch *sc)
{
    return sc->page_bytes + sc->mesh_raw_bytes;
}
