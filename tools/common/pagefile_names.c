/* pagefile_names.c — the library's names of layers, element types and encodings
 * (terrapage/pagefile.h), with the words the tools print for ids it does not know. */
#include "pagefile_names.h"

#include <inttypes.h>
#include <stdio.h>

#include "terrapage/pagefile.h"

const char *tpt_layer_name(uint32_t layer_id, char *buf, size_t buf_size)
{
    const char *name = tp_layer_name(layer_id);
    if (name)
        snprintf(buf, buf_size, "%s", name);
    else
        snprintf(buf, buf_size, "layer %" PRIu32, layer_id);
    return buf;
}

const char *tpt_elem_name(uint32_t elem_type)
{
    const char *name = tp_elem_type_name(elem_type);
    return name ? name : "?";
}

const char *tpt_encoding_name(uint32_t encoding)
{
    const char *name = tp_encoding_name(encoding);
    return name ? name : "?";
}
