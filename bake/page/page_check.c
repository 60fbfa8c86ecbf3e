/* page_check.c — the content check: a page read from a file against the page generated
 * for its chunk.
 *
 * The header check (page_layout.c) proves that a header agrees with the parameters it
 * stores, but the parameters do not repeat everything a header says: a region origin
 * moved by any number of chunks, with the header checksum recomputed, files every blob
 * under the wrong chunk, and a directory whose entries were copied from one chunk to
 * another (resealed) hands out a neighbour's climate or mesh. Both are invisible to
 * every checksum and every decoder; both make the runtime stream a world that is not the
 * one its fallback generates, so baked and generated chunks disagree at their seams.
 * Generation is the only witness: the bytes a bake stored for page (cx, cz, k) are
 * tp_page_generate() of that page, so comparing the two finds any such lie.
 *
 * Cost: at the coarsest LOD (9 samples per edge, a small climate grid, a mesh of a few
 * dozen triangles) a read and a generation take 0.25–0.8 ms on the default world (the
 * terrain and climate noise dominates, most of all the climate grid's), so the check at
 * open compares a constant handful of pages, and `terrapage verify` can afford one per
 * stored chunk (it takes about three times as long with it). Generating LOD 0 costs what baking the chunk costs: that is the deep
 * check's price, paid only when asked.
 *
 * A blob that fails its checksum or does not decode is damage, not a contradiction: the
 * runtime regenerates it, and the reader has already named it. It is skipped here. */
#include "terrapage/page.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "terrapage/mesh.h"
#include "terrapage/mesh_codec.h"

/* Buffers inside the scratch start on this boundary (the grids hold u16 and i16). */
#define CHECK_ALIGN 16u

static size_t aligned(size_t n)
{
    return (n + CHECK_ALIGN - 1u) & ~(size_t)(CHECK_ALIGN - 1u);
}

/* Bytes of one page's buffers at `lod`, each aligned. */
static size_t page_buffer_bytes(const tp_page_layout *L, uint32_t lod)
{
    const size_t e2 = (size_t)L->edge[lod] * L->edge[lod], c2 = tp_page_climate_samples(L);
    return aligned(e2 * sizeof(uint16_t)) + aligned(e2) + 2u * aligned(c2 * sizeof(uint16_t)) +
           aligned(tp_page_mesh_capacity(L, lod));
}

/* Bytes of the arrays a mesh of this world decodes into at `lod`, each aligned: the
 * builder's worst case, which a file's mesh may not exceed. */
static size_t mesh_decode_bytes(const tp_page_layout *L, uint32_t lod, uint32_t *out_vertices,
                                uint32_t *out_indices)
{
    *out_vertices = *out_indices = 0;
    if (!(L->flags & TP_PAGE_MESHES))
        return 0;
    tp_mesh_build_bound(L->edge[lod], out_vertices, out_indices);
    return aligned((size_t)*out_vertices * sizeof(tp_mesh_vertex)) +
           aligned((size_t)*out_indices * sizeof(uint16_t));
}

size_t tp_page_check_scratch_size(const tp_page_layout *L, uint32_t lod)
{
    if (lod >= L->lod_count)
        return 0;
    uint32_t v, i;
    return 2u * page_buffer_bytes(L, lod) + mesh_decode_bytes(L, lod, &v, &i) +
           tp_page_scratch_size(L, lod);
}

/* A file's mesh that is not the generated one is either another chunk's (a
 * contradiction) or damaged inside a blob whose page-file checksum was recomputed: it
 * does not decode, and the runtime regenerates it like any damaged blob. Decoding tells
 * them apart. @return TP_OK when the mesh decodes, else why not (detail set). */
static tp_result mesh_decodes(const tp_page_layout *L, uint32_t lod, const void *mesh,
                              size_t size, uint8_t *arrays, int32_t cx, int32_t cz)
{
    uint32_t max_vertices, max_indices;
    mesh_decode_bytes(L, lod, &max_vertices, &max_indices);
    tp_mesh_vertex *vertices = (tp_mesh_vertex *)(void *)arrays;
    uint16_t *indices =
        (uint16_t *)(void *)(arrays + aligned((size_t)max_vertices * sizeof *vertices));
    tp_mesh m;
    tp_result r = tp_mesh_decode(mesh, size, vertices, max_vertices, indices, max_indices, &m);
    if (r == TP_OK)
        return TP_OK;
    char why[400];
    snprintf(why, sizeof why, "%s", tp_error_detail());
    return tp__error_set(r == TP_ERR_BUFFER_TOO_SMALL ? TP_ERR_CORRUPT : r,
                         "chunk (%d, %d) mesh LOD %u does not decode: %s", (int)cx, (int)cz, lod,
                         why);
}

/* Points every buffer of *page into `at`. @return the byte after them. */
static uint8_t *carve_page(const tp_page_layout *L, uint32_t lod, uint8_t *at, tp_page *page)
{
    const size_t e2 = (size_t)L->edge[lod] * L->edge[lod], c2 = tp_page_climate_samples(L);
    const size_t mesh = tp_page_mesh_capacity(L, lod);
    memset(page, 0, sizeof *page);
    page->heights = (uint16_t *)(void *)at;
    at += aligned(e2 * sizeof(uint16_t));
    page->biomes = at;
    at += aligned(e2);
    page->temperature_cc = (int16_t *)(void *)at;
    at += aligned(c2 * sizeof(int16_t));
    page->precipitation_mm = (uint16_t *)(void *)at;
    at += aligned(c2 * sizeof(uint16_t));
    page->mesh = mesh ? at : NULL;
    return at + aligned(mesh);
}

/* A page asking for one part only, into that part's buffer. */
static tp_page page_of_part(const tp_page_part *part)
{
    tp_page one = {0};
    switch (part->layer_id) {
    case TP_LAYER_HEIGHT: one.heights = part->data; break;
    case TP_LAYER_BIOME: one.biomes = part->data; break;
    case TP_LAYER_TEMPERATURE: one.temperature_cc = part->data; break;
    case TP_LAYER_PRECIPITATION: one.precipitation_mm = part->data; break;
    default: one.mesh = part->data; break;
    }
    return one;
}

/* Element `i` of a grid part as a number, for the message. */
static long long grid_value(const tp_page_part *part, size_t i)
{
    switch (part->elem_type) {
    case TP_ELEM_U8: return ((const uint8_t *)part->data)[i];
    case TP_ELEM_I16: return ((const int16_t *)part->data)[i];
    default: return ((const uint16_t *)part->data)[i];
    }
}

/* Compares one part the file gave (`got`, `got_bytes`) with the generated one. */
static tp_result compare_part(const tp_page_part *got, size_t got_bytes,
                              const tp_page_part *want, size_t want_bytes, int32_t cx,
                              int32_t cz, uint32_t lod)
{
    const char *layer = tp_layer_name(got->layer_id);
    if (got->layer_id == TP_LAYER_MESH) {
        if (got_bytes == want_bytes && memcmp(got->data, want->data, got_bytes) == 0)
            return TP_OK;
        size_t at = 0, n = got_bytes < want_bytes ? got_bytes : want_bytes;
        while (at < n && ((const uint8_t *)got->data)[at] == ((const uint8_t *)want->data)[at])
            at++;
        return tp__error_set(TP_ERR_WORLD_MISMATCH,
                             "chunk (%d, %d) %s LOD %u: differs from the mesh generated for "
                             "this chunk (%zu bytes in the file, %zu generated, the first "
                             "difference at byte %zu)",
                             (int)cx, (int)cz, layer, lod, got_bytes, want_bytes, at);
    }
    const size_t elem = tp_elem_size(got->elem_type);
    if (memcmp(got->data, want->data, got_bytes) == 0)
        return TP_OK;
    size_t i = 0;
    while (memcmp((const uint8_t *)got->data + i * elem, (const uint8_t *)want->data + i * elem,
                  elem) == 0)
        i++;
    return tp__error_set(TP_ERR_WORLD_MISMATCH,
                         "chunk (%d, %d) %s LOD %u: differs from the page generated for "
                         "this chunk (sample (%zu, %zu) is %lld in the file, %lld generated)",
                         (int)cx, (int)cz, layer, got->stored_lod, i % got->edge, i / got->edge,
                         grid_value(got, i), grid_value(want, i));
}

tp_result tp_page_check(const tp_page_layout *L, const tp_reader *reader, int32_t cx,
                        int32_t cz, uint32_t lod, void *scratch, size_t scratch_size,
                        tp_page_part *out_differing)
{
    if (lod >= L->lod_count)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "page (%d, %d) LOD %u: LOD out of range",
                             (int)cx, (int)cz, lod);
    if (L->generator_version != TP_GENERATOR_VERSION)
        return tp__error_set(TP_ERR_UNSUPPORTED_VERSION,
                             "generator version %u: this library generates version %u, so "
                             "its pages cannot be compared with generation",
                             L->generator_version, TP_GENERATOR_VERSION);
    const size_t need = tp_page_check_scratch_size(L, lod);
    if (scratch_size < need)
        return tp__error_set(TP_ERR_BUFFER_TOO_SMALL,
                             "page check: %zu bytes of scratch, %zu needed", scratch_size, need);
    tp_page file, gen;
    uint32_t max_vertices, max_indices;
    uint8_t *at = carve_page(L, lod, scratch, &file);
    at = carve_page(L, lod, at, &gen);
    uint8_t *mesh_arrays = at;
    at += mesh_decode_bytes(L, lod, &max_vertices, &max_indices);
    void *page_scratch = at;
    const size_t page_scratch_size = scratch_size - (size_t)(at - (uint8_t *)scratch);

    /* Part by part, so a damaged blob skips only itself. */
    tp_page_part parts[TP_PAGE_MAX_PARTS];
    const uint32_t n = tp_page_parts(L, lod, &file, parts);
    size_t got_bytes[TP_PAGE_MAX_PARTS];
    bool got[TP_PAGE_MAX_PARTS];
    uint32_t read_count = 0;
    tp_result first_failure = TP_OK;
    char failure[512] = "";
    for (uint32_t i = 0; i < n; i++) {
        tp_page one = page_of_part(&parts[i]);
        tp_result r = tp_page_read(L, reader, cx, cz, lod, page_scratch, page_scratch_size, &one);
        got[i] = r == TP_OK;
        got_bytes[i] = parts[i].layer_id == TP_LAYER_MESH ? one.mesh_size : parts[i].bytes;
        read_count += got[i];
        if (r != TP_OK && r != TP_ERR_NOT_FOUND && first_failure == TP_OK) {
            first_failure = r;
            snprintf(failure, sizeof failure, "%s", tp_error_detail());
        }
    }
    if (read_count == 0)
        return first_failure != TP_OK ? tp__error_set(first_failure, "%s", failure)
                                      : TP_ERR_NOT_FOUND;

    tp_result r = tp_page_generate(L, cx, cz, lod, NULL, page_scratch, page_scratch_size, &gen);
    if (r != TP_OK)
        return r;
    tp_page_part want[TP_PAGE_MAX_PARTS];
    tp_page_parts(L, lod, &gen, want); /* the same parts in the same order */
    for (uint32_t i = 0; i < n; i++) {
        if (!got[i])
            continue;
        const size_t want_bytes = want[i].layer_id == TP_LAYER_MESH ? gen.mesh_size
                                                                    : want[i].bytes;
        r = compare_part(&parts[i], got_bytes[i], &want[i], want_bytes, cx, cz, lod);
        if (r != TP_OK && parts[i].layer_id == TP_LAYER_MESH) {
            tp_result decoded = mesh_decodes(L, lod, parts[i].data, got_bytes[i], mesh_arrays,
                                             cx, cz);
            if (decoded != TP_OK) {
                if (first_failure == TP_OK) {
                    first_failure = decoded;
                    snprintf(failure, sizeof failure, "%s", tp_error_detail());
                }
                continue; /* damage, not a contradiction */
            }
            r = compare_part(&parts[i], got_bytes[i], &want[i], want_bytes, cx, cz, lod);
        }
        if (r != TP_OK) {
            if (out_differing)
                *out_differing = parts[i];
            return r;
        }
    }
    return first_failure != TP_OK ? tp__error_set(first_failure, "%s", failure) : TP_OK;
}

tp_result tp_page_check_file(const tp_page_layout *L, const tp_reader *reader, void *scratch,
                             size_t scratch_size, uint32_t *out_pages_compared)
{
    uint32_t compared = 0, lookups = 0;
    if (out_pages_compared)
        *out_pages_compared = 0;
    if (L->generator_version != TP_GENERATOR_VERSION || L->lod_count == 0)
        return TP_OK;
    const uint32_t lod = L->lod_count - 1u;
    const size_t need = tp_page_check_scratch_size(L, lod);
    if (scratch_size < need)
        return tp__error_set(TP_ERR_BUFFER_TOO_SMALL,
                             "page check: %zu bytes of scratch, %zu needed", scratch_size, need);
    tp_tile_grid grid;
    tp_reader_tile_grid(reader, &grid);
    for (uint64_t t = 0; t < grid.tile_count && compared < TP_PAGE_CHECK_FILE_PAGES &&
                         lookups < TP_PAGE_CHECK_FILE_LOOKUPS;
         t++) {
        tp_tile_info tile;
        if (tp_reader_tile(reader, t, &tile) != TP_OK)
            continue; /* no chunk of it is stored */
        for (uint32_t k = 0; k < tile.width * tile.height && compared < TP_PAGE_CHECK_FILE_PAGES &&
                             lookups < TP_PAGE_CHECK_FILE_LOOKUPS;
             k++, lookups++) {
            const int32_t cx = tile.cx0 + (int32_t)(k % tile.width);
            const int32_t cz = tile.cz0 + (int32_t)(k / tile.width);
            tp_result r = tp_page_check(L, reader, cx, cz, lod, scratch, scratch_size, NULL);
            if (r == TP_ERR_WORLD_MISMATCH) {
                if (out_pages_compared)
                    *out_pages_compared = compared + 1u;
                return r;
            }
            compared += r == TP_OK;
        }
    }
    if (out_pages_compared)
        *out_pages_compared = compared;
    return TP_OK;
}
