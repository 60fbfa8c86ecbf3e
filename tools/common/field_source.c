/* field_source.c — chunk fields from the generator, or from a page file. */
#include "field_source.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>

/* ---- the generator ------------------------------------------------------------------ */

static tp_result generator_fetch(void *user, int32_t cx, int32_t cz, uint32_t lod,
                                 const tp_chunk_fields *out)
{
    return tp_generate_chunk(user, cx, cz, lod, out);
}

tpt_field_source tpt_field_source_generator(const tp_world_params *world)
{
    /* The generator only reads the params; the cast just fits the void *user slot. */
    return (tpt_field_source){world, generator_fetch, (void *)(uintptr_t)world};
}

/* ---- a field source over a page file ----------------------------------------------- */

/* The page of (cx, cz, lod) with the parts the render asks for. Damaged blobs always
 * fail; only what the file does not hold is generated, and only with the fallback. */
static tp_result reader_fetch(void *user, int32_t cx, int32_t cz, uint32_t lod,
                              const tp_chunk_fields *out)
{
    tpt_reader_source *rs = user;
    tp_page page = {.heights = out->height_codes, .biomes = out->biomes,
                    .temperature_cc = out->temperature_cc,
                    .precipitation_mm = out->precipitation_mm};
    /* Grids only: the scratch serves pread reads, which a mapped reader does not need. */
    size_t scratch_size = tp_reader_is_mapped(rs->reader) ? 0 : tp_page_scratch_size(rs->layout, lod);
    void *scratch = scratch_size ? malloc(scratch_size) : NULL;
    if (scratch_size && !scratch)
        return TP_ERR_OUT_OF_MEMORY;
    tp_result res = tp_page_read(rs->layout, rs->reader, cx, cz, lod, scratch, scratch_size, &page);
    if (res == TP_ERR_NOT_FOUND && rs->fallback) {
        /* What the runtime does for a missing page: generate exactly what the baker
         * would have stored (the layout is the file's own; its generator version was
         * checked before enabling this). */
        res = tp_page_generate(rs->layout, cx, cz, lod, NULL, NULL, 0, &page);
        tp_page_part parts[TP_PAGE_MAX_PARTS];
        if (res == TP_OK)
            atomic_fetch_add(&rs->generated, tp_page_parts(rs->layout, lod, &page, parts));
    }
    free(scratch);
    return res;
}

void tpt_reader_source_init(tpt_reader_source *rs, const tp_reader *reader,
                            const tp_page_layout *layout, bool fallback)
{
    rs->reader = reader;
    rs->layout = layout;
    rs->fallback = fallback;
    atomic_init(&rs->generated, 0);
}

tpt_field_source tpt_reader_source_fields(tpt_reader_source *rs)
{
    return (tpt_field_source){&rs->layout->world, reader_fetch, rs};
}
