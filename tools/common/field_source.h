/* field_source.h — where the renderer's chunk fields come from: the generator, or a page
 * file (with the generator as an optional fallback for what the file lacks).
 *
 *   tpt_field_source from_generator = tpt_field_source_generator(&world);
 *
 *   tpt_reader_source rs;
 *   tpt_reader_source_init(&rs, reader, &file_layout, false);
 *   tpt_field_source from_file = tpt_reader_source_fields(&rs);
 *
 * A source only has to fill chunk fields (tp_chunk_fields of world.h); render.h draws
 * pictures from any of them, so the same data gives the same PNG bytes whichever it came
 * from. Thread rules: a source's fetch is called from several threads at once.
 */
#ifndef TPT_FIELD_SOURCE_H
#define TPT_FIELD_SOURCE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "terrapage/page.h"
#include "terrapage/pagefile.h"
#include "terrapage/result.h"
#include "terrapage/world.h"

/* Fills the non-NULL buffers of `out` for chunk (cx, cz) at LOD `lod`: height codes and
 * biomes with edge² values of that LOD, temperature and precipitation with climate_edge²
 * values. Called concurrently from several threads. A failure (TP_ERR_NOT_FOUND for a
 * chunk the source lacks, a decode error, ...) fails the render and names the chunk. */
typedef tp_result (*tpt_field_fetch)(void *user, int32_t cx, int32_t cz, uint32_t lod,
                                     const tp_chunk_fields *out);

typedef struct tpt_field_source {
    const tp_world_params *world; /* resolved parameters that describe the data */
    tpt_field_fetch fetch;
    void *user;
} tpt_field_source;

/*! tpt_field_source_generator() : a source that calls tp_generate_chunk() on `world`,
 *  which must stay alive while the source is in use. */
tpt_field_source tpt_field_source_generator(const tp_world_params *world);

/* A field source over an open page file: the parts of each page the render asks for
 * (tp_page_read). With `fallback`, pages the file does not hold (outside the baked
 * region, or absent from a sparse file) are generated, exactly as the runtime's fallback
 * would; corrupt blobs always fail. Safe for the renderer's threads
 * (the reader allows concurrent finds and decodes). */
typedef struct tpt_reader_source {
    const tp_reader *reader;
    const tp_page_layout *layout;   /* the file's own (tpt_pagefile_layout) */
    bool fallback;
    atomic_uint_fast64_t generated; /* blobs the fallback produced (parts of pages) */
} tpt_reader_source;

/*! tpt_reader_source_init() : a source over `reader` (borrowed, as is `layout`; both
 *  must outlive it), no blob generated yet. */
void tpt_reader_source_init(tpt_reader_source *rs, const tp_reader *reader,
                            const tp_page_layout *layout, bool fallback);

/*! tpt_reader_source_fields() : @return the field source reading through `rs`. */
tpt_field_source tpt_reader_source_fields(tpt_reader_source *rs);

#endif /* TPT_FIELD_SOURCE_H */
