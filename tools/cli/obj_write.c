/* obj_write.c — chunk meshes as Wavefront OBJ. */
#include "obj_write.h"

#include <inttypes.h>

#include "chunk_mesh.h"

bool tpt_obj_write(FILE *out, const tp_mesh *mesh, const tpt_obj_options *o)
{
    const double xz_m = o->chunk_size_m / (double)TP_MESH_XZ_EXTENT;
    if (o->comment)
        fprintf(out, "# %s\n", o->comment);
    fprintf(out, "# %" PRIu32 " vertices, %" PRIu32 " surface triangles, %" PRIu32
                 " skirt triangles; metres, y up\n",
            mesh->vertex_count, mesh->skirt_index_start / 3,
            (mesh->index_count - mesh->skirt_index_start) / 3);
    /* Skirt vertices are written too (they keep the indices simple), but only used
     * by the skirt group. */
    for (uint32_t k = 0; k < mesh->vertex_count; k++) {
        const tp_mesh_vertex *v = &mesh->vertices[k];
        fprintf(out, "v %.4f %.4f %.4f\n", o->origin_x_m + v->x * xz_m,
                o->height_min_m + v->h * o->height_step_m, o->origin_z_m + v->z * xz_m);
    }
    for (uint32_t k = 0; k < mesh->vertex_count; k++) {
        double n[3];
        tpt_chunk_mesh_normal(&mesh->vertices[k], n);
        fprintf(out, "vn %.5f %.5f %.5f\n", n[0], n[1], n[2]);
    }
    /* The surface triangles face +y in the right-handed (x, y, z) frame, i.e. they are
     * counter-clockwise seen from above: OBJ's convention, so the order is kept. */
    fprintf(out, "o surface\n");
    for (uint32_t t = 0; t < mesh->skirt_index_start; t += 3) {
        unsigned a = mesh->indices[t] + 1u, b = mesh->indices[t + 1] + 1u,
                 c = mesh->indices[t + 2] + 1u;
        fprintf(out, "f %u//%u %u//%u %u//%u\n", a, a, b, b, c, c);
    }
    if (o->skirts && mesh->index_count > mesh->skirt_index_start) {
        fprintf(out, "o skirts\n");
        for (uint32_t t = mesh->skirt_index_start; t < mesh->index_count; t += 3) {
            unsigned a = mesh->indices[t] + 1u, b = mesh->indices[t + 1] + 1u,
                     c = mesh->indices[t + 2] + 1u;
            fprintf(out, "f %u//%u %u//%u %u//%u\n", a, a, b, b, c, c);
        }
    }
    return !ferror(out);
}
