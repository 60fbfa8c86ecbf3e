/* TEMPORARY until the formats names land. */
#include "terrapage/pagefile.h"
const char *tp_layer_name(uint32_t id);
const char *tp_elem_type_name(uint32_t t);
const char *tp_layer_name(uint32_t id)
{
    static const char *n[] = {"height", "temperature", "precipitation", "biome", "mesh"};
    return id < 5 ? n[id] : NULL;
}
const char *tp_elem_type_name(uint32_t t)
{
    static const char *n[] = {"?", "u8", "u16", "i16", "bytes"};
    return t < 5 ? n[t] : "?";
}
tp_result tp_reader_load(const tp_reader *r, const tp_blob_ref *ref, void *out, size_t cap,
                         void *scratch, size_t scratch_size);
tp_result tp_reader_load(const tp_reader *r, const tp_blob_ref *ref, void *out, size_t cap,
                         void *scratch, size_t scratch_size)
{
    (void)scratch, (void)scratch_size;
    return tp_reader_decode(r, ref, out, cap);
}
