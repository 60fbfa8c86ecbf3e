/* page_read.c — a page from a page file: find each part's blob, insist that it is this
 * layout's grid, load them verified with one read (the reader hashes the bytes it
 * actually read) and decode them; and the read-or-generate every consumer of pages wants. */
#include "terrapage/page.h"

#include <string.h>

/* One part: find it and insist that it is this layout's grid. */
static tp_result find_part(const tp_reader *reader, int32_t cx, int32_t cz,
                           const tp_page_part *part, tp_blob_ref *ref)
{
    tp_result r = tp_reader_find(reader, cx, cz, part->layer_id, part->stored_lod, ref);
    if (r != TP_OK)
        return r;
    int mesh = part->layer_id == TP_LAYER_MESH;
    if (mesh ? ref->raw_size > part->bytes : ref->raw_size != part->bytes)
        return tp__error_set(TP_ERR_CORRUPT,
                             "chunk (%d, %d) %s LOD %u holds %u bytes where this world's "
                             "page %s %zu",
                             (int)cx, (int)cz, tp_layer_name(part->layer_id), part->stored_lod,
                             ref->raw_size, mesh ? "holds at most" : "needs", part->bytes);
    return TP_OK;
}

tp_result tp_page_read(const tp_page_layout *L, const tp_reader *reader, int32_t cx,
                       int32_t cz, uint32_t lod, void *scratch, size_t scratch_size,
                       tp_page *page)
{
    page->mesh_size = 0;
    page->mesh_error_m = 0.0f;
    page->flags = 0;
    page->bytes_read = 0;
    if (lod >= L->lod_count)
        return TP_ERR_NOT_FOUND;
    tp_page_part parts[TP_PAGE_MAX_PARTS];
    tp_blob_ref refs[TP_PAGE_MAX_PARTS];
    void *outs[TP_PAGE_MAX_PARTS];
    size_t capacities[TP_PAGE_MAX_PARTS];
    tp_page_part found[TP_PAGE_MAX_PARTS];
    uint32_t n = tp_page_parts(L, lod, page, found);
    for (uint32_t i = 0; i < n; i++) {
        tp_blob_ref ref;
        tp_result r = find_part(reader, cx, cz, &found[i], &ref);
        if (r != TP_OK)
            return r;
        /* In file order, so parts that lie together are read together. */
        uint32_t k = i;
        for (; k > 0 && refs[k - 1].offset > ref.offset; k--) {
            refs[k] = refs[k - 1];
            parts[k] = parts[k - 1];
        }
        refs[k] = ref;
        parts[k] = found[i];
    }
    for (uint32_t i = 0; i < n; i++) {
        outs[i] = parts[i].data;
        capacities[i] = parts[i].bytes;
    }
    /* A bake writes a chunk's blobs at one LOD together, so the page is one read
     * (climate parts, stored at LOD 0, add one more at coarser LODs). */
    tp_result r = tp_reader_load_blobs(reader, refs, n, outs, capacities, scratch, scratch_size);
    if (r != TP_OK)
        return r;
    for (uint32_t i = 0; i < n; i++) {
        page->bytes_read += refs[i].stored_size;
        if (parts[i].layer_id == TP_LAYER_MESH) {
            page->mesh_size = refs[i].raw_size;
            memcpy(&page->mesh_error_m, &refs[i].aux, sizeof page->mesh_error_m);
        }
    }
    return TP_OK;
}

tp_result tp_page_read_or_generate(const tp_page_layout *L, const tp_reader *reader,
                                   int32_t cx, int32_t cz, uint32_t lod, void *scratch,
                                   size_t scratch_size, tp_page *page,
                                   tp_page_source *out_source, tp_result *out_read_result)
{
    tp_result r = reader ? tp_page_read(L, reader, cx, cz, lod, scratch, scratch_size, page)
                         : TP_ERR_NOT_FOUND;
    if (out_read_result)
        *out_read_result = r;
    if (r == TP_OK) {
        *out_source = TP_PAGE_FROM_FILE;
        return TP_OK;
    }
    /* The same pure functions the baker ran, so the same bytes; a page that failed is
     * generated whole, never partly trusted. */
    *out_source = r == TP_ERR_NOT_FOUND ? TP_PAGE_GENERATED : TP_PAGE_REPAIRED;
    if (L->generator_version != TP_GENERATOR_VERSION)
        return tp__error_set(TP_ERR_UNSUPPORTED_VERSION,
                             "chunk (%d, %d) LOD %u: not in the file, and the file's generator "
                             "version %u is not this library's %u",
                             (int)cx, (int)cz, lod, L->generator_version, TP_GENERATOR_VERSION);
    return tp_page_generate(L, cx, cz, lod, NULL, scratch, scratch_size, page);
}
