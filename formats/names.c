/* names.c — the names of the format's layer ids, element types and encodings, from the
 * X-macro tables of terrapage/pagefile.h (one list each, so a new id gets its name where
 * it is declared). */
#include "terrapage/pagefile.h"

const char *tp_layer_name(uint32_t layer_id)
{
    switch (layer_id) {
#define TP__LAYER_NAME(name, value, text, minor) case name: return text;
        TP_LAYER_MAP(TP__LAYER_NAME)
#undef TP__LAYER_NAME
    }
    return NULL;
}

const char *tp_elem_type_name(uint32_t elem_type)
{
    switch (elem_type) {
#define TP__ELEM_TYPE_NAME(name, value, text) case name: return text;
        TP_ELEM_TYPE_MAP(TP__ELEM_TYPE_NAME)
#undef TP__ELEM_TYPE_NAME
    }
    return NULL;
}

const char *tp_encoding_name(uint32_t encoding)
{
    switch (encoding) {
#define TP__ENCODING_NAME(name, value, text) case name: return text;
        TP_ENCODING_MAP(TP__ENCODING_NAME)
#undef TP__ENCODING_NAME
    }
    return NULL;
}
