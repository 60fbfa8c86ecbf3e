/* worldfile.c — page-file helpers shared by the inspection commands. */
#include "worldfile.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

void tp_worldfile_clear_detail(void)
{
    tp__error_set(TP_OK, "%s", "");
}

void tp_worldfile_problem(tp_result result, const char *path, char *buf, size_t buf_size)
{
    const char *detail = tp_error_detail();
    size_t n = strlen(path);
    if (strncmp(detail, path, n) == 0 && strncmp(detail + n, ": ", 2) == 0)
        detail += n + 2;
    const char *text = tp_result_string(result);
    if (!*detail || strstr(text, detail))
        snprintf(buf, buf_size, "%s", text); /* the detail adds nothing */
    else if (result == TP_ERR_IO)
        snprintf(buf, buf_size, "%s", detail); /* errno text says it better */
    else
        snprintf(buf, buf_size, "%s (%s)", text, detail);
}

bool tp_worldfile_open(const char *command, const char *path, tp_reader **out_reader)
{
    tp_worldfile_clear_detail();
    tp_result res = tp_reader_open(path, NULL, out_reader);
    if (res == TP_OK)
        return true;
    char problem[768];
    tp_worldfile_problem(res, path, problem, sizeof problem);
    fprintf(stderr, "%s: %s: %s\n", command, path, problem);
    *out_reader = NULL;
    return false;
}

tp_region tp_worldfile_region(const tp_file_desc *desc)
{
    /* The reader has validated that the region fits in int32 chunk coordinates. */
    return (tp_region){
        desc->region_x0,
        desc->region_z0,
        (int32_t)((int64_t)desc->region_x0 + desc->region_width),
        (int32_t)((int64_t)desc->region_z0 + desc->region_height),
    };
}

const tp_layer_desc *tp_worldfile_layer(const tp_file_desc *desc, uint32_t layer_id)
{
    for (uint32_t i = 0; i < desc->layer_count && i < TP_MAX_LAYERS; i++)
        if (desc->layers[i].layer_id == layer_id)
            return &desc->layers[i];
    return NULL;
}

bool tp_worldfile_world(const char *command, const char *path, const tp_file_desc *desc,
                        tp_world_params *out_world)
{
    tp_result res = tp_world_params_deserialize(desc->params_blob, desc->params_blob_size,
                                                out_world);
    if (res != TP_OK) {
        fprintf(stderr,
                "%s: %s: the world parameters stored in the file cannot be read by this "
                "version (%s; generator version %" PRIu32 ", this build has %u)\n",
                command, path, tp_result_string(res), desc->generator_version,
                (unsigned)TP_GENERATOR_VERSION);
        return false;
    }
    const char *mismatch = NULL;
    if (out_world->samples_per_edge != desc->samples_per_edge)
        mismatch = "samples per edge";
    else if (out_world->chunk_size_m != desc->chunk_size_m)
        mismatch = "chunk size";
    else if (desc->height_min_m != TP_HEIGHT_MIN_M || desc->height_step_m != TP_HEIGHT_STEP_M)
        mismatch = "height quantisation";
    if (mismatch) {
        fprintf(stderr, "%s: %s: the header's %s disagrees with the stored world parameters\n",
                command, path, mismatch);
        return false;
    }
    return true;
}

const char *tp_worldfile_layer_name(uint32_t layer_id, char *buf, size_t buf_size)
{
    switch (layer_id) {
    case TP_LAYER_HEIGHT: snprintf(buf, buf_size, "height"); break;
    case TP_LAYER_TEMPERATURE: snprintf(buf, buf_size, "temperature"); break;
    case TP_LAYER_PRECIPITATION: snprintf(buf, buf_size, "precipitation"); break;
    case TP_LAYER_BIOME: snprintf(buf, buf_size, "biome"); break;
    case TP_LAYER_MESH: snprintf(buf, buf_size, "mesh"); break;
    default: snprintf(buf, buf_size, "layer %" PRIu32, layer_id); break;
    }
    return buf;
}

const char *tp_worldfile_elem_name(uint32_t elem_type)
{
    switch (elem_type) {
    case TP_ELEM_U8: return "u8";
    case TP_ELEM_U16: return "u16";
    case TP_ELEM_I16: return "i16";
    case TP_ELEM_BYTES: return "bytes";
    default: return "?";
    }
}

const char *tp_worldfile_encoding_name(uint32_t encoding)
{
    switch (encoding) {
    case TP_ENCODING_RAW: return "raw";
    case TP_ENCODING_LZ4: return "lz4";
    case TP_ENCODING_PRED2D_LZ4: return "pred2d+lz4";
    case TP_ENCODING_SLOPE_BITPLANE_LZ4: return "slope+bitplane+lz4";
    default: return "?";
    }
}

void tp_format_bytes(uint64_t bytes, char *buf, size_t buf_size)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = (double)bytes;
    int u = 0;
    while (v >= 1024.0 && u < 5) {
        v /= 1024.0;
        u++;
    }
    if (u == 0)
        snprintf(buf, buf_size, "%" PRIu64 " B", bytes);
    else
        snprintf(buf, buf_size, "%.1f %s", v, units[u]);
}

void tp_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", out); break;
        case '\\': fputs("\\\\", out); break;
        case '\n': fputs("\\n", out); break;
        case '\r': fputs("\\r", out); break;
        case '\t': fputs("\\t", out); break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* ---- a field source over a page file ----------------------------------------------- */

/* Finds and decodes one blob, insisting on the exact size the render expects. */
static tp_result fetch_blob(const tp_reader_source *rs, int32_t cx, int32_t cz, uint32_t layer,
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
    tp_reader_source *rs = user;
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

void tp_reader_source_init(tp_reader_source *rs, const tp_reader *reader,
                           const tp_world_params *world, bool fallback)
{
    rs->reader = reader;
    rs->world = world;
    rs->fallback = fallback;
    atomic_init(&rs->generated, 0);
}

tp_field_source tp_reader_source_fields(tp_reader_source *rs)
{
    return (tp_field_source){rs->world, reader_fetch, rs};
}
