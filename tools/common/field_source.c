/* field_source.c — chunk fields from the generator, or from a page file. */
#include "field_source.h"

#include <inttypes.h>
#include <stddef.h>

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

/* Finds and decodes one blob, insisting on the exact size the render expects. */
static tp_result fetch_blob(const tpt_reader_source *rs, int32_t cx, int32_t cz, uint32_t layer,
                            uint32_t lod, void *out, size_t bytes)
{
    tp_blob_ref ref;
    tp_result res = tp_reader_find(rs->reader, cx, cz, layer, lod, &ref);
    if (res != TP_OK)
        return res;
    if (ref.raw_size != bytes)
        return tp__error_set(TP_ERR_CORRUPT,
                             "blob holds %" PRIu32 " bytes where the world's grid needs %zu",
                             ref.raw_size, bytes);
    return tp_reader_decode(rs->reader, &ref, out, bytes);
}

static tp_result reader_fetch(void *user, int32_t cx, int32_t cz, uint32_t lod,
                              const tp_chunk_fields *out)
{
    tpt_reader_source *rs = user;
    const size_t edge = tp_world_lod_edge(rs->world, lod);
    const size_t clim = tp_world_climate_edge(rs->world);
    struct {
        void *buffer;
        uint32_t layer, lod;
        size_t bytes;
    } parts[4] = {
        {out->height_codes, TP_LAYER_HEIGHT, lod, edge * edge * sizeof(uint16_t)},
        {out->biomes, TP_LAYER_BIOME, lod, edge * edge},
        /* Climate does not depend on the LOD; the file keeps it at LOD 0 only. */
        {out->temperature_cc, TP_LAYER_TEMPERATURE, 0, clim * clim * sizeof(int16_t)},
        {out->precipitation_mm, TP_LAYER_PRECIPITATION, 0, clim * clim * sizeof(uint16_t)},
    };
    for (int i = 0; i < 4; i++) {
        if (!parts[i].buffer)
            continue;
        tp_result res = fetch_blob(rs, cx, cz, parts[i].layer, parts[i].lod, parts[i].buffer,
                                   parts[i].bytes);
        if (res == TP_ERR_NOT_FOUND && rs->fallback) {
            /* What the runtime does for a missing page: generate exactly what the baker
             * would have stored (the world is the file's own, the generator version was
             * checked before enabling this). */
            tp_chunk_fields one = {0};
            switch (i) {
            case 0: one.height_codes = parts[i].buffer; break;
            case 1: one.biomes = parts[i].buffer; break;
            case 2: one.temperature_cc = parts[i].buffer; break;
            default: one.precipitation_mm = parts[i].buffer; break;
            }
            res = tp_generate_chunk(rs->world, cx, cz, lod, &one);
            if (res == TP_OK)
                atomic_fetch_add(&rs->generated, 1);
        }
        if (res != TP_OK)
            return res;
    }
    return TP_OK;
}

void tpt_reader_source_init(tpt_reader_source *rs, const tp_reader *reader,
                           const tp_world_params *world, bool fallback)
{
    rs->reader = reader;
    rs->world = world;
    rs->fallback = fallback;
    atomic_init(&rs->generated, 0);
}

tpt_field_source tpt_reader_source_fields(tpt_reader_source *rs)
{
    return (tpt_field_source){rs->world, reader_fetch, rs};
}
