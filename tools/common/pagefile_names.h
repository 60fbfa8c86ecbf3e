/* pagefile_names.h — the words the tools print for a page file's numbers: layer ids,
 * element types and blob encodings, as `info`, `verify`, `bake` and the JSON reports
 * name them. Pure functions; any thread. */
#ifndef TPT_PAGEFILE_NAMES_H
#define TPT_PAGEFILE_NAMES_H

#include <stddef.h>
#include <stdint.h>

/*! tpt_layer_name() : "height", "temperature", "precipitation", "biome", "mesh", or
 *  "layer N" for ids this build does not know, written into buf. @return buf. */
const char *tpt_layer_name(uint32_t layer_id, char *buf, size_t buf_size);

/*! tpt_elem_name() : @return "u8", "u16", "i16", "bytes" or "?". */
const char *tpt_elem_name(uint32_t elem_type);

/*! tpt_encoding_name() : @return "raw", "lz4", "pred2d+lz4", "slope+bitplane+lz4" or "?". */
const char *tpt_encoding_name(uint32_t encoding);

#endif /* TPT_PAGEFILE_NAMES_H */
