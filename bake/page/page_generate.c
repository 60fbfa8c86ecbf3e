/* page_generate.c — a page from the generator: the fields of tp_generate_chunk() and the
 * mesh of tp_mesh_generate_chunk_blob(), the two pure functions a bake stores; and the
 * coarser pages that follow from a finer one by the stride property. */
#include "terrapage/page.h"

#include <string.h>

#include "terrapage/mesh.h"

tp_result tp_page_generate_mesh(const tp_page_layout *L, int32_t cx, int32_t cz, uint32_t lod,
                                const uint16_t *lod0_heights, void *scratch,
                                size_t scratch_size, tp_page *page)
{
    if (!(L->flags & TP_PAGE_MESHES) || !page->mesh || lod >= L->lod_count)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT,
                             "page (%d, %d) LOD %u: no mesh in this layout or page",
                             (int)cx, (int)cz, lod);
    /* At LOD 0 the page's own grid is the LOD-0 grid, so the error is always measured. */
    if (!lod0_heights && lod == 0)
        lod0_heights = page->heights;
    float error_m = -1.0f;
    tp_result r = tp_mesh_generate_chunk_blob(&L->world, cx, cz, lod, page->heights,
                                              lod0_heights, scratch, scratch_size, page->mesh,
                                              tp_page_mesh_capacity(L, lod), &page->mesh_size,
                                              &error_m);
    if (r != TP_OK)
        return tp__error_set(r, "page (%d, %d) LOD %u: building its mesh: %s", (int)cx,
                             (int)cz, lod, tp_result_string(r));
    page->flags &= ~(uint32_t)TP_PAGE_MESH_ERROR_ESTIMATED;
    if (!lod0_heights) {
        /* Measuring needs the LOD-0 grid (four times the generation per LOD coarser);
         * the LOD's promise stands in, flagged. */
        error_m = (float)tp_mesh_lod_target_error_m(lod);
        page->flags |= TP_PAGE_MESH_ERROR_ESTIMATED;
    }
    page->mesh_error_m = error_m;
    return TP_OK;
}

tp_result tp_page_generate(const tp_page_layout *L, int32_t cx, int32_t cz, uint32_t lod,
                           const uint16_t *lod0_heights, void *scratch, size_t scratch_size,
                           tp_page *page)
{
    tp_chunk_fields f = {page->heights, page->biomes, page->temperature_cc,
                         page->precipitation_mm};
    tp_result r = tp_generate_chunk(&L->world, cx, cz, lod, &f);
    if (r != TP_OK)
        return tp__error_set(r, "page (%d, %d) LOD %u: LOD out of range", (int)cx, (int)cz, lod);
    page->mesh_size = 0;
    page->mesh_error_m = 0.0f;
    page->flags = 0;
    page->bytes_read = 0;
    if (page->mesh && (L->flags & TP_PAGE_MESHES))
        return tp_page_generate_mesh(L, cx, cz, lod, lod0_heights, scratch, scratch_size, page);
    return TP_OK;
}

/* Takes every 2^shift-th sample of a from_edge² grid of `elem`-byte values. */
static void take_stride(const void *src, uint32_t from_edge, uint32_t shift, uint32_t to_edge,
                        size_t elem, void *dst)
{
    const uint32_t step = 1u << shift;
    const uint8_t *s = src;
    uint8_t *d = dst;
    for (uint32_t row = 0; row < to_edge; row++)
        for (uint32_t col = 0; col < to_edge; col++)
            memcpy(d + ((size_t)row * to_edge + col) * elem,
                   s + ((size_t)row * step * from_edge + (size_t)col * step) * elem, elem);
}

void tp_page_subsample(const tp_page_layout *L, uint32_t from_lod, const tp_page *from,
                       uint32_t to_lod, tp_page *to)
{
    const uint32_t shift = to_lod - from_lod, fe = L->edge[from_lod], te = L->edge[to_lod];
    if (from->heights && to->heights)
        take_stride(from->heights, fe, shift, te, sizeof *to->heights, to->heights);
    if (from->biomes && to->biomes)
        take_stride(from->biomes, fe, shift, te, sizeof *to->biomes, to->biomes);
    const size_t c2 = tp_page_climate_samples(L);
    if (from->temperature_cc && to->temperature_cc && to->temperature_cc != from->temperature_cc)
        memcpy(to->temperature_cc, from->temperature_cc, c2 * sizeof *to->temperature_cc);
    if (from->precipitation_mm && to->precipitation_mm &&
        to->precipitation_mm != from->precipitation_mm)
        memcpy(to->precipitation_mm, from->precipitation_mm, c2 * sizeof *to->precipitation_mm);
}
