/* export_wireframe.h — `terrapage export --layer wireframe`: every chunk's mesh edges drawn
 * over a tinted hillshade, one colour per LOD, so seams between LODs show. */
#ifndef TPT_EXPORT_WIREFRAME_H
#define TPT_EXPORT_WIREFRAME_H

#include <stdbool.h>
#include <stdint.h>

#include "region.h"
#include "terrapage/pagefile.h"
#include "terrapage/page.h"
#include "terrapage/world.h"

typedef struct tpt_wireframe_request {
    const char *command;          /* "terrapage export", for messages */
    const char *path;             /* the page file, for messages */
    const tp_reader *reader;
    const tp_page_layout *layout; /* the file's own (tpt_pagefile_layout) */
    tpt_region region;
    int64_t fixed_lod;            /* every chunk at this LOD; −1: the LOD grows by one
                                     per ring of chunks around the region's centre */
    uint32_t image_lod;           /* the hillshade's LOD */
    bool fallback;                /* generate what the file lacks */
    bool quiet;                   /* print nothing but errors */
    const char *output;           /* the PNG to write */
} tpt_wireframe_request;

/*! tpt_export_wireframe() : draws and writes the picture, and (unless quiet) what it
 *  holds per LOD. Problems are printed. @return the exit status. */
int tpt_export_wireframe(const tpt_wireframe_request *request);

#endif /* TPT_EXPORT_WIREFRAME_H */
