/* screen_error.h — the screen-space error selector: how many pixels a LOD's geometric
 * error covers seen from the camera, and the coarsest LOD of a chunk that stays within
 * the tolerance. Pure functions of the options, the layout, the chunk's bounds and what
 * it holds; schedule.c asks them for the wanted LOD, view.c and the tools for what is
 * drawn. Game thread. */
#ifndef TP_RUNTIME_SCREEN_ERROR_H
#define TP_RUNTIME_SCREEN_ERROR_H

#include <stdint.h>

#include "terrapage/runtime.h"

struct tp__chunk;

/* Pixels per metre of error seen from 1 m: viewport_height_px / (2 · tan(fov / 2)). */
double tp__screen_error_scale(const tp_streamer_options *o);

/* Pixels that error_m covers at dist_m with `scale` (INFINITY at 0 m unless error_m is
 * 0). */
double tp__screen_error_px(double scale, double error_m, double dist_m);

/* The coarsest LOD of chunk (cx, cz) (entry c, or NULL) whose error seen from
 * (x, y, z) is within the tolerance; 0 when none is. A LOD's error is the one the file's
 * directory records for that mesh, else its resident mesh's recorded maximum error, else
 * (outside the baked region, without meshes) the LOD's promise. The distance is to the
 * nearest point of the chunk's box: its square and LOD-0 height range. The directory's
 * facts are kept on the entry the first time (they never change). */
uint32_t tp__screen_error_lod(const tp_streamer *s, struct tp__chunk *c, int32_t cx,
                              int32_t cz, double x, double y, double z);

#endif /* TP_RUNTIME_SCREEN_ERROR_H */
