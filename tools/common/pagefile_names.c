/* pagefile_names.c — names of layers, element types and encodings. */
#include "pagefile_names.h"

#include <inttypes.h>
#include <stdio.h>

#include "terrapage/pagefile.h"

const char *tpt_layer_name(uint32_t layer_id, char *buf, size_t buf_size)
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

const char *tpt_elem_name(uint32_t elem_type)
{
    switch (elem_type) {
    case TP_ELEM_U8: return "u8";
    case TP_ELEM_U16: return "u16";
    case TP_ELEM_I16: return "i16";
    case TP_ELEM_BYTES: return "bytes";
    default: return "?";
    }
}

const char *tpt_encoding_name(uint32_t encoding)
{
    switch (encoding) {
    case TP_ENCODING_RAW: return "raw";
    case TP_ENCODING_LZ4: return "lz4";
    case TP_ENCODING_PRED2D_LZ4: return "pred2d+lz4";
    case TP_ENCODING_SLOPE_BITPLANE_LZ4: return "slope+bitplane+lz4";
    default: return "?";
    }
}
