/* names.c — the names of the format's layer ids, element types and encodings, from the
 * X-macro tables of terrapage/pagefile.h (one list each, so a new id gets its name where
 * it is declared). */
#include "terrapage/pagefile.h"

/* One switch case per table entry. Every table's entries begin (name, value, text); the
 * layer table's fourth field, the format minor that introduced the layer, is not part
 * of its name. */
#define NAME_CASE(name, value, text) case name: return text;
#define LAYER_NAME_CASE(name, value, text, minor) NAME_CASE(name, value, text)

const char *tp_layer_name(uint32_t layer_id)
{
    switch (layer_id) {
        TP_LAYER_MAP(LAYER_NAME_CASE)
    }
    return NULL;
}

const char *tp_elem_type_name(uint32_t elem_type)
{
    switch (elem_type) {
        TP_ELEM_TYPE_MAP(NAME_CASE)
    }
    return NULL;
}

const char *tp_encoding_name(uint32_t encoding)
{
    switch (encoding) {
        TP_ENCODING_MAP(NAME_CASE)
    }
    return NULL;
}
