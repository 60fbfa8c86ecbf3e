/* chunk_gpu.h — the GPU copy of the resident chunks: one vertex buffer, index buffer and
 * biome texture per chunk, at the LOD the streamer last handed out for it.
 *
 * Vertices are converted once, at upload, into the GL frame relative to the render
 * origin (camera.h): each position is computed in double from the chunk's corner and
 * the vertex's local coordinates and rounded to float once, so a vertex two chunks share
 * gets bit-identical coordinates from both, which is what makes the rasterised seams
 * watertight. The mesh frame is left-handed (terrapage/runtime.h, "Conventions"): z
 * changes sign and the triangles, kept as stored, are clockwise on screen (drawn with
 * glFrontFace(GL_CW)).
 */
#ifndef VW_CHUNK_GPU_H
#define VW_CHUNK_GPU_H

#include <stddef.h>
#include <stdint.h>

#include <GL/glcorearb.h>

#include "terrapage/runtime.h"

#define VW_CHUNK_CELLS 16

typedef struct vw_chunk_gpu {
    int32_t cx, cz;
    uint32_t lod;
    uint32_t biome_edge;               /* samples per edge of the biome texture */
    GLuint vertex_array, vertex_buffer, index_buffer, biome_texture;
    GLsizei index_count;               /* surface and skirts */
    uint32_t surface_triangles;
    float surface_y_min, surface_y_max; /* heights of the surface vertices, metres */
    /* The highest surface point over each of VW_CHUNK_CELLS² cells of the chunk (cell
     * (i, j): i-th east, j-th north), an upper bound: the highest vertex of every surface
     * triangle whose footprint's bounding box touches the cell. */
    float cell_y_max[VW_CHUNK_CELLS][VW_CHUNK_CELLS];
    float max_error_m;                  /* the mesh's recorded max error */
    size_t gpu_bytes;
} vw_chunk_gpu;

typedef struct vw_chunk_set vw_chunk_set;

/*! vw_chunk_set_create() : an empty set for a world of chunks `chunk_size_m` wide. */
vw_chunk_set *vw_chunk_set_create(double chunk_size_m);
void vw_chunk_set_destroy(vw_chunk_set *set);

/*! vw_chunk_set_find() : the chunk's GPU copy, or NULL. */
vw_chunk_gpu *vw_chunk_set_find(vw_chunk_set *set, int32_t cx, int32_t cz);

/*! vw_chunk_set_upload() : uploads the mesh and biomes of `view` (replacing any older
 *  copy of the chunk). @return the copy, or NULL (printed to stderr) when the view has
 *  no mesh or memory ran out. */
vw_chunk_gpu *vw_chunk_set_upload(vw_chunk_set *set, const tp_chunk_view *view);

/*! vw_chunk_set_remove() : frees the chunk's GPU copy, if any. */
void vw_chunk_set_remove(vw_chunk_set *set, int32_t cx, int32_t cz);

/*! vw_chunk_set_rebase() : moves the render origin (world metres x, z); every copy is
 *  freed, to be uploaded again relative to the new origin. */
void vw_chunk_set_rebase(vw_chunk_set *set, const double origin_m[2]);

/*! vw_chunk_set_origin() : the render origin, world metres (x, z). */
const double *vw_chunk_set_origin(const vw_chunk_set *set);

/* Totals over the set. */
size_t vw_chunk_set_count(const vw_chunk_set *set);
size_t vw_chunk_set_gpu_bytes(const vw_chunk_set *set);
uint64_t vw_chunk_set_uploads(const vw_chunk_set *set);

#endif
