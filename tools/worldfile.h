/* worldfile.h — what `info`, `verify` and `export` share about page files: opening with a
 * clear message, layer names, the world a file was baked from, and output helpers. */
#ifndef TP_TOOLS_WORLDFILE_H
#define TP_TOOLS_WORLDFILE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <stdatomic.h>

#include "region.h"
#include "render.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

/* Forgets the thread's previous failure detail, so the next message only carries the
 * detail of the call that failed (tp_error_detail() is not cleared by successes). */
void tp_worldfile_clear_detail(void);

/*! tp_worldfile_problem() :
 *  Writes "<result text>" plus the thread's failure detail, if any, into buf, dropping a
 *  leading "<path>: " from the detail since the caller names the file itself. */
void tp_worldfile_problem(tp_result result, const char *path, char *buf, size_t buf_size);

/*! tp_worldfile_open() :
 *  Opens a page file, or prints "<command>: <path>: <problem>" and returns false. */
bool tp_worldfile_open(const char *command, const char *path, tp_reader **out_reader);

/*! tp_worldfile_world() :
 *  The generator parameters a file was baked with, checked against the file's own
 *  header (samples per edge, chunk size, height quantisation). Prints the problem and
 *  returns false if they cannot be read or disagree. */
bool tp_worldfile_world(const char *command, const char *path, const tp_file_desc *desc,
                        tp_world_params *out_world);

/* The baked region as a tp_region (half-open). */
tp_region tp_worldfile_region(const tp_file_desc *desc);

/* The layer-table entry of a layer id, or NULL. */
const tp_layer_desc *tp_worldfile_layer(const tp_file_desc *desc, uint32_t layer_id);

/* A field source (render.h) over an open page file: heights and biomes from the LOD
 * asked for, climate from LOD 0. With `fallback`, blobs the file does not hold (outside
 * the baked region, or absent from a sparse file) are generated from `world`, exactly
 * as the runtime's fallback would; corrupt blobs always fail. Safe for the renderer's
 * threads (the reader allows concurrent finds and decodes).
 *
 *   tp_reader_source rs;
 *   tp_reader_source_init(&rs, reader, &world, false);
 *   tp_field_source src = tp_reader_source_fields(&rs);
 */
typedef struct tp_reader_source {
    const tp_reader *reader;
    const tp_world_params *world;   /* the file's own world (tp_worldfile_world) */
    bool fallback;
    atomic_uint_fast64_t generated; /* blobs the fallback produced */
} tp_reader_source;

void tp_reader_source_init(tp_reader_source *rs, const tp_reader *reader,
                           const tp_world_params *world, bool fallback);
tp_field_source tp_reader_source_fields(tp_reader_source *rs);

/* "height", "temperature", "precipitation", "biome", or "layer N" for ids this build
 * does not know (written into buf, which it returns). */
const char *tp_worldfile_layer_name(uint32_t layer_id, char *buf, size_t buf_size);

/* "u8", "u16", "i16", "bytes" or "?". */
const char *tp_worldfile_elem_name(uint32_t elem_type);

/* "raw", "lz4", "pred2d+lz4", "slope+bitplane+lz4" or "?". */
const char *tp_worldfile_encoding_name(uint32_t encoding);

/* "12.3 MiB", "512 B". */
void tp_format_bytes(uint64_t bytes, char *buf, size_t buf_size);

/* Writes `s` as a JSON string literal, quotes included. */
void tp_json_string(FILE *out, const char *s);

#endif /* TP_TOOLS_WORLDFILE_H */
