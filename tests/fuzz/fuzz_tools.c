/* fuzz_tools.c — libFuzzer target for what the terrapage command does with a page file
 * once it is open: the world check, page reads, the mesh check and rendering.
 *
 * Each input is a page file, opened from memory as it is and as a resealed copy
 * (reseal.h: parameter hash, mesh checksums of raw mesh blobs, blob, block, table and
 * header checksums recomputed), so mutations get past the checksums. Then, as the tools
 * do it (tools/cli, tools/common):
 *   - the world checks, tp_page_layout_from_file and the content check at open,
 *     tp_page_check_file (every tool's first step, tpt_pagefile_world);
 *   - an info- and verify-like walk over the first chunks of the region: each chunk's
 *     bounds record, every page read with tp_page_read, each page's bounds recomputed,
 *     each mesh decoded by tpt_chunk_mesh_decode (verify's mesh check) and loaded by
 *     tpt_chunk_mesh_load (`terrapage mesh`, the wireframe export);
 *   - tpt_render of every layer of a tiny region through the page-file field source
 *     (`terrapage export`), in memory: writing the PNG file is not this target's work.
 * Results are ignored: only crashes, sanitizer reports, leaks and timeouts count. Sizes
 * are capped so that a file declaring a huge world cannot exhaust the fuzzer's memory.
 * The seed corpus comes from make_tools_seeds and tests/fuzz/corpus/tools. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "chunk_mesh.h"
#include "field_source.h"
#include "render.h"
#include "reseal.h"
#include "terrapage/page.h"
#include "terrapage/pagefile.h"

#define WALK_CHUNKS_PER_AXIS 4
#define RENDER_CHUNKS_PER_AXIS 2
#define MAX_PAGE_BYTES (8u << 20) /* grids, mesh and scratch of one page */

/* A page at `lod` with every part asked for, and the scratch to read it. */
typedef struct page_buffers {
    tp_page page;
    void *scratch;
    size_t scratch_size;
} page_buffers;

/* @return 0 when the buffers would exceed the cap or cannot be had (free them anyway). */
static int page_buffers_alloc(const tp_page_layout *L, uint32_t lod, page_buffers *b)
{
    memset(b, 0, sizeof *b);
    size_t grid = (size_t)L->edge[lod] * L->edge[lod], climate = tp_page_climate_samples(L);
    size_t mesh = tp_page_mesh_capacity(L, lod);
    b->scratch_size = tp_page_scratch_size(L, lod);
    if (grid * 3 + climate * 4 + mesh + b->scratch_size > MAX_PAGE_BYTES)
        return 0;
    b->page.heights = malloc(grid * sizeof *b->page.heights + 1);
    b->page.biomes = malloc(grid + 1);
    b->page.temperature_cc = malloc(climate * sizeof *b->page.temperature_cc + 1);
    b->page.precipitation_mm = malloc(climate * sizeof *b->page.precipitation_mm + 1);
    b->page.mesh = mesh ? malloc(mesh) : NULL;
    b->scratch = malloc(b->scratch_size + 1);
    return b->page.heights && b->page.biomes && b->page.temperature_cc &&
           b->page.precipitation_mm && (!mesh || b->page.mesh) && b->scratch;
}

static void page_buffers_free(page_buffers *b)
{
    free(b->page.heights);
    free(b->page.biomes);
    free(b->page.temperature_cc);
    free(b->page.precipitation_mm);
    free(b->page.mesh);
    free(b->scratch);
}

/* One chunk at every LOD, as verify, info and mesh look at it. */
static void walk_chunk(const tp_page_layout *L, const tp_reader *r, int32_t cx, int32_t cz)
{
    tp_chunk_bounds bounds;
    if (tp_reader_chunk_bounds(r, cx, cz, &bounds) != TP_OK)
        return;
    for (uint32_t lod = 0; lod < L->lod_count; lod++) {
        page_buffers b;
        if (page_buffers_alloc(L, lod, &b) &&
            tp_page_read(L, r, cx, cz, lod, b.scratch, b.scratch_size, &b.page) == TP_OK) {
            (void)tp_page_bounds(L, lod, b.page.heights); /* verify compares it at LOD 0 */
            tpt_chunk_mesh m;
            if (b.page.mesh_size &&
                tpt_chunk_mesh_decode(L, lod, b.page.mesh, b.page.mesh_size, &m) == TP_OK) {
                if (tp_mesh_validate(&m.mesh) != TP_OK)
                    abort(); /* what the tools draw and export must be a valid mesh */
                tpt_chunk_mesh_free(&m);
            }
        }
        page_buffers_free(&b);
    }
    /* It allocates what LOD 0 needs, whatever the LOD. */
    tpt_chunk_mesh m;
    if (tp_page_mesh_capacity(L, 0) + tp_page_scratch_size(L, 0) <= MAX_PAGE_BYTES &&
        tpt_chunk_mesh_load(r, L, cx, cz, L->lod_count - 1, false, &m) == TP_OK)
        tpt_chunk_mesh_free(&m);
}

/* Every layer of the region's corner, at its finest and coarsest LOD, as export draws it. */
static void render(const tp_page_layout *L, const tp_reader *r, const tp_file_desc *d)
{
    /* Half-open: the end may be 2^31, which a tpt_region's 64-bit ends hold. */
    int64_t x1 = (int64_t)d->region_x0 + (d->region_width < RENDER_CHUNKS_PER_AXIS
                                              ? d->region_width : RENDER_CHUNKS_PER_AXIS);
    int64_t z1 = (int64_t)d->region_z0 + (d->region_height < RENDER_CHUNKS_PER_AXIS
                                              ? d->region_height : RENDER_CHUNKS_PER_AXIS);
    tpt_region region = {d->region_x0, d->region_z0, x1, z1};
    tpt_reader_source rs;
    tpt_reader_source_init(&rs, r, L, false);
    tpt_field_source source = tpt_reader_source_fields(&rs);
    uint32_t lods[2] = {0, L->lod_count - 1};
    for (int k = 0; k < 2; k++) {
        uint32_t width, height;
        if (tpt_render_size(&L->world, &region, lods[k], &width, &height) != TP_OK ||
            (uint64_t)width * height * 8 > MAX_PAGE_BYTES ||
            tp_page_scratch_size(L, lods[k]) > MAX_PAGE_BYTES)
            continue;
        for (int layer = 0; layer < TPT_RENDER_LAYER_COUNT; layer++) {
            tpt_render_options o = {.layer = (tpt_render_layer)layer, .region = region,
                                    .lod = lods[k], .hillshade_gray = k == 1, .threads = 1};
            tpt_render_image image;
            char err[256];
            (void)tpt_render(&source, &o, &image, err, sizeof err);
            tpt_render_image_free(&image);
        }
    }
}

static void exercise(const uint8_t *data, size_t size)
{
    tp_reader *r = NULL;
    if (tp_reader_open_memory(data, size, &r) != TP_OK)
        return;
    const tp_file_desc *d = tp_reader_desc(r);
    tp_page_layout L;
    tp_result res = tp_page_layout_from_file(d, &L);
    if (res == TP_OK) { /* the content check at open: a few coarsest pages generated */
        size_t check = tp_page_check_scratch_size(&L, L.lod_count - 1);
        void *scratch = check <= MAX_PAGE_BYTES ? malloc(check) : NULL;
        if (scratch)
            (void)tp_page_check_file(&L, r, scratch, check, NULL);
        free(scratch);
    }
    for (uint32_t lod = 0; lod <= d->lod_count; lod++) { /* info's sections */
        uint64_t offset, bytes;
        (void)tp_reader_lod_section(r, lod, &offset, &bytes);
    }
    if (res == TP_OK || res == TP_ERR_UNSUPPORTED_VERSION) {
        for (uint32_t z = 0; z < d->region_height && z < WALK_CHUNKS_PER_AXIS; z++)
            for (uint32_t x = 0; x < d->region_width && x < WALK_CHUNKS_PER_AXIS; x++)
                walk_chunk(&L, r, (int32_t)(d->region_x0 + (int64_t)x),
                           (int32_t)(d->region_z0 + (int64_t)z));
        render(&L, r, d);
    }
    tp_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    tp_fuzz_as_is_and_resealed(data, size, exercise, tp_fuzz_reseal_file);
    return 0;
}
