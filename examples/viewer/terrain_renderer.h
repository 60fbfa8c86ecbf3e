/* terrain_renderer.h — draws chunk meshes: lit by a fixed sun, coloured by biome or by
 * LOD, optionally with their wireframe on top. Every fragment it writes has alpha 1 and
 * the frame is cleared to alpha 0, so a pixel no triangle covered is told apart exactly,
 * whatever the colours (hole_check.h relies on it).
 */
#ifndef VW_TERRAIN_RENDERER_H
#define VW_TERRAIN_RENDERER_H

#include "camera.h"
#include "chunk_gpu.h"

typedef enum vw_colour_mode { VW_COLOUR_BIOME = 0, VW_COLOUR_LOD = 1 } vw_colour_mode;

typedef struct vw_terrain_renderer vw_terrain_renderer;

/*! vw_terrain_renderer_create() : compiles the shaders. @return NULL after printing the
 *  compiler's log. */
vw_terrain_renderer *vw_terrain_renderer_create(void);
void vw_terrain_renderer_destroy(vw_terrain_renderer *r);

/*! vw_terrain_renderer_begin() : clears the frame (sky colour, alpha 0) and sets the
 *  state for a frame seen through `view`. */
void vw_terrain_renderer_begin(vw_terrain_renderer *r, const vw_view *view, int width,
                               int height, vw_colour_mode colour, int wireframe);

/*! vw_terrain_renderer_draw() : draws one chunk, surface and skirts. */
void vw_terrain_renderer_draw(vw_terrain_renderer *r, const vw_chunk_gpu *chunk);

/* The clear colour, RGB 0-255, alpha 0. */
extern const unsigned char vw_sky_rgb[3];

#endif
