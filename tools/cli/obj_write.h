/* obj_write.h — a chunk mesh as a Wavefront OBJ file (positions in metres, normals),
 * which Blender, MeshLab and most 3-D tools open directly. */
#ifndef TPT_OBJ_WRITE_H
#define TPT_OBJ_WRITE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "terrapage/mesh_codec.h"

typedef struct tpt_obj_options {
    double chunk_size_m;   /* chunk edge in metres (the file's) */
    double height_min_m;   /* metres = height_min_m + h · height_step_m */
    double height_step_m;
    double origin_x_m;     /* added to every x and z: 0 for chunk-local coordinates, or */
    double origin_z_m;     /*   the chunk's corner for world coordinates */
    bool skirts;           /* also write the skirts (a separate group) */
    const char *comment;   /* written as a "#" line at the top; may be NULL */
} tpt_obj_options;

/*! tpt_obj_write() :
 *  Writes `mesh` as OBJ to `out`: "v x y z" in metres with y up (x east, z along the
 *  grid rows — a right-handed frame, as OBJ and Blender's importer expect), one "vn" per
 *  vertex, and faces "f a//a b//b c//c" wound counter-clockwise seen from their front.
 *  @return true, or false on an I/O error (errno is set). */
bool tpt_obj_write(FILE *out, const tp_mesh *mesh, const tpt_obj_options *options);

#endif /* TPT_OBJ_WRITE_H */
