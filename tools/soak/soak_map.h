/* soak_map.h — the top-down map of a soak run: the chunks the camera saw and its path.
 *
 *   tpt_soak_map map;
 *   tpt_soak_map_init(&map, x0, z0, width, height, 256.0, 5);  // chunks it may record
 *   ... per tick, per view chunk: tpt_soak_map_record(&map, cx, cz, best_lod);
 *   char err[512];
 *   tpt_soak_map_write("map.png", &map, ticks, n, err, sizeof err);
 *   tpt_soak_map_free(&map);
 *
 * One square per chunk, north up, coloured by the LOD it had when it was last in view
 * (red: it was missing then; dark grey: never in view); the edges of the baked region in
 * cyan; the camera path over it in black (no line across a teleport; landings in
 * magenta), start green, end red; a legend below. Drawn with cairo (soak_canvas.h).
 * Thread rules: plain data, one thread.
 */
#ifndef TPT_SOAK_MAP_H
#define TPT_SOAK_MAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"
#include "soak_metrics.h"
#include "terrapage/result.h"

#define TPT_SOAK_MAP_UNSEEN (-2)  /* never in view */
#define TPT_SOAK_MAP_MISSING (-1) /* in view without any resident LOD when last seen */

typedef struct tpt_soak_map {
    int32_t x0, z0;         /* chunk at index 0 */
    uint32_t width, height; /* chunks */
    int8_t *lod;            /* width · height, row-major along +x, rows along +z */
    double chunk_m;
    uint32_t lod_count;
    bool has_region;        /* outline `region` (the baked region) */
    tpt_region region;
} tpt_soak_map;

/*! tpt_soak_map_init() : every chunk starts unseen. @return false when out of memory or
 *  the area is empty or absurdly large (over 2^26 chunks). */
bool tpt_soak_map_init(tpt_soak_map *m, int32_t x0, int32_t z0, uint32_t width,
                       uint32_t height, double chunk_m, uint32_t lod_count);

/*! tpt_soak_map_record() : notes that (cx, cz) was seen at `lod` (−1: missing). Chunks
 *  outside the map are ignored. */
static inline void tpt_soak_map_record(tpt_soak_map *m, int32_t cx, int32_t cz, int lod)
{
    int64_t i = (int64_t)cx - m->x0, j = (int64_t)cz - m->z0;
    if (i >= 0 && j >= 0 && i < (int64_t)m->width && j < (int64_t)m->height)
        m->lod[(size_t)j * m->width + (size_t)i] = (int8_t)lod;
}

/*! tpt_soak_map_free() : frees the chunks; accepts a zeroed map. */
void tpt_soak_map_free(tpt_soak_map *m);

/*! tpt_soak_map_write() : renders the map with the camera path of ticks[0 … n−1].
 *  @return as tpt_png_write(); `err` names the file on failure. */
tp_result tpt_soak_map_write(const char *path, const tpt_soak_map *m, const tpt_soak_tick *ticks,
                             size_t n, char *err, size_t err_size);

#endif /* TPT_SOAK_MAP_H */
