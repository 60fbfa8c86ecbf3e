/* chunk_gpu.c — GPU buffers of the resident chunks (see chunk_gpu.h). */
#include "chunk_gpu.h"

#include "camera.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The vertex the terrain shader reads: 32 bytes. */
typedef struct gpu_vertex {
    float position[3]; /* GL frame, relative to the render origin */
    float normal[3];   /* GL frame */
    float local[2];    /* east and north across the chunk, 0 … 1: the biome lookup */
} gpu_vertex;

/* Open addressing with linear probing; deletion shifts the run back, so there are no
 * tombstones and lookups stay short however often chunks come and go. */
struct vw_chunk_set {
    vw_chunk_gpu *slots;
    uint8_t *used;
    size_t capacity, count, gpu_bytes;
    uint64_t uploads;
    double chunk_size_m;
    double origin_m[2];
    gpu_vertex *staging;
    size_t staging_cap;
};

static size_t slot_of(const vw_chunk_set *s, int32_t cx, int32_t cz)
{
    uint64_t h = ((uint64_t)(uint32_t)cx * 0x9E3779B97F4A7C15ull) ^
                 ((uint64_t)(uint32_t)cz * 0xC2B2AE3D27D4EB4Full);
    h ^= h >> 29;
    return (size_t)h & (s->capacity - 1);
}

vw_chunk_set *vw_chunk_set_create(double chunk_size_m)
{
    vw_chunk_set *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->capacity = 1024;
    s->slots = calloc(s->capacity, sizeof *s->slots);
    s->used = calloc(s->capacity, 1);
    if (!s->slots || !s->used) {
        vw_chunk_set_destroy(s);
        return NULL;
    }
    s->chunk_size_m = chunk_size_m;
    return s;
}

static void free_gl(vw_chunk_gpu *g)
{
    glDeleteVertexArrays(1, &g->vertex_array);
    glDeleteBuffers(1, &g->vertex_buffer);
    glDeleteBuffers(1, &g->index_buffer);
    glDeleteTextures(1, &g->biome_texture);
}

void vw_chunk_set_destroy(vw_chunk_set *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->used && i < s->capacity; i++)
        if (s->used[i])
            free_gl(&s->slots[i]);
    free(s->slots);
    free(s->used);
    free(s->staging);
    free(s);
}

vw_chunk_gpu *vw_chunk_set_find(vw_chunk_set *s, int32_t cx, int32_t cz)
{
    for (size_t i = slot_of(s, cx, cz);; i = (i + 1) & (s->capacity - 1)) {
        if (!s->used[i])
            return NULL;
        if (s->slots[i].cx == cx && s->slots[i].cz == cz)
            return &s->slots[i];
    }
}

static int grow(vw_chunk_set *s)
{
    vw_chunk_set bigger = *s;
    bigger.capacity = 2 * s->capacity;
    bigger.slots = calloc(bigger.capacity, sizeof *bigger.slots);
    bigger.used = calloc(bigger.capacity, 1);
    if (!bigger.slots || !bigger.used) {
        free(bigger.slots);
        free(bigger.used);
        return -1;
    }
    for (size_t i = 0; i < s->capacity; i++) {
        if (!s->used[i])
            continue;
        size_t j = slot_of(&bigger, s->slots[i].cx, s->slots[i].cz);
        while (bigger.used[j])
            j = (j + 1) & (bigger.capacity - 1);
        bigger.slots[j] = s->slots[i];
        bigger.used[j] = 1;
    }
    free(s->slots);
    free(s->used);
    s->slots = bigger.slots, s->used = bigger.used, s->capacity = bigger.capacity;
    return 0;
}

/* A new, zeroed slot for (cx, cz), which is not in the set. */
static vw_chunk_gpu *insert(vw_chunk_set *s, int32_t cx, int32_t cz)
{
    if (2 * (s->count + 1) > s->capacity && grow(s) != 0)
        return NULL;
    size_t i = slot_of(s, cx, cz);
    while (s->used[i])
        i = (i + 1) & (s->capacity - 1);
    s->used[i] = 1;
    s->count++;
    memset(&s->slots[i], 0, sizeof s->slots[i]);
    s->slots[i].cx = cx, s->slots[i].cz = cz;
    return &s->slots[i];
}

void vw_chunk_set_remove(vw_chunk_set *s, int32_t cx, int32_t cz)
{
    vw_chunk_gpu *g = vw_chunk_set_find(s, cx, cz);
    if (!g)
        return;
    free_gl(g);
    s->gpu_bytes -= g->gpu_bytes;
    s->count--;
    size_t hole = (size_t)(g - s->slots), mask = s->capacity - 1;
    s->used[hole] = 0;
    /* Shift later members of the run back into the hole when their home allows it. */
    for (size_t i = (hole + 1) & mask; s->used[i]; i = (i + 1) & mask) {
        size_t home = slot_of(s, s->slots[i].cx, s->slots[i].cz);
        if (((i - home) & mask) >= ((i - hole) & mask)) {
            s->slots[hole] = s->slots[i];
            s->used[hole] = 1;
            s->used[i] = 0;
            hole = i;
        }
    }
}

/* Hemi-octahedral snorm8 → unit normal, as terrapage/mesh_codec.h specifies. */
static void decode_normal(int8_t n_u, int8_t n_v, float out[3])
{
    float u = n_u / 127.0f, v = n_v / 127.0f;
    if (u < -1.0f)
        u = -1.0f;
    if (v < -1.0f)
        v = -1.0f;
    float px = 0.5f * (u + v), pz = 0.5f * (u - v);
    float py = 1.0f - (px < 0 ? -px : px) - (pz < 0 ? -pz : pz);
    float n = sqrtf(px * px + py * py + pz * pz);
    out[0] = px / n, out[1] = py / n, out[2] = pz / n;
}

vw_chunk_gpu *vw_chunk_set_upload(vw_chunk_set *s, const tp_chunk_view *v)
{
    if (!v->mesh) {
        fprintf(stderr, "viewer: chunk (%d, %d) has no mesh: bake the page file with meshes "
                        "(without --no-meshes)\n", v->cx, v->cz);
        return NULL;
    }
    const tp_mesh *m = &v->mesh->geometry;
    if (s->staging_cap < m->vertex_count) {
        gpu_vertex *grown = realloc(s->staging, m->vertex_count * sizeof *grown);
        if (!grown) {
            fprintf(stderr, "viewer: out of memory\n");
            return NULL;
        }
        s->staging = grown, s->staging_cap = m->vertex_count;
    }
    const double S = s->chunk_size_m, extent = TP_MESH_XZ_EXTENT;
    const double corner_x = (double)v->cx * S, corner_z = (double)v->cz * S;
    float y_min = 1e30f, y_max = -1e30f;
    for (uint32_t i = 0; i < m->vertex_count; i++) {
        const tp_mesh_vertex *mv = &m->vertices[i];
        gpu_vertex *g = &s->staging[i];
        /* World metres in double, exactly as runtime.h states, then to the GL frame and
         * float in one rounding: equal world points give equal floats in every chunk. */
        double gl[3];
        vw_world_to_gl(s->origin_m, corner_x + (double)mv->x * S / extent,
                       (double)tp_height_code_to_m(mv->h), corner_z + (double)mv->z * S / extent,
                       gl);
        g->position[0] = (float)gl[0], g->position[1] = (float)gl[1];
        g->position[2] = (float)gl[2];
        float n[3];
        decode_normal(mv->n_u, mv->n_v, n);
        g->normal[0] = n[0], g->normal[1] = n[1], g->normal[2] = -n[2];
        g->local[0] = (float)(mv->x / extent), g->local[1] = (float)(mv->z / extent);
        if (i < m->skirt_vertex_start) {
            if (g->position[1] < y_min)
                y_min = g->position[1];
            if (g->position[1] > y_max)
                y_max = g->position[1];
        }
    }

    vw_chunk_set_remove(s, v->cx, v->cz);
    vw_chunk_gpu *g = insert(s, v->cx, v->cz);
    if (!g) {
        fprintf(stderr, "viewer: out of memory\n");
        return NULL;
    }
    g->lod = v->lod;
    g->index_count = (GLsizei)m->index_count;
    g->surface_triangles = m->skirt_index_start / 3;
    g->surface_y_min = y_min, g->surface_y_max = y_max;
    g->biome_edge = v->edge;
    g->max_error_m = v->mesh->max_error_m;
    for (int j = 0; j < VW_CHUNK_CELLS; j++)
        for (int i = 0; i < VW_CHUNK_CELLS; i++)
            g->cell_y_max[j][i] = -INFINITY;
    for (uint32_t t = 0; t + 2 < m->skirt_index_start; t += 3) {
        const tp_mesh_vertex *a = &m->vertices[m->indices[t]], *b = &m->vertices[m->indices[t + 1]],
                             *c = &m->vertices[m->indices[t + 2]];
        unsigned x0 = a->x, x1 = a->x, z0 = a->z, z1 = a->z;
        uint16_t h = a->h;
        const tp_mesh_vertex *more[2] = {b, c};
        for (int k = 0; k < 2; k++) {
            x0 = more[k]->x < x0 ? more[k]->x : x0, x1 = more[k]->x > x1 ? more[k]->x : x1;
            z0 = more[k]->z < z0 ? more[k]->z : z0, z1 = more[k]->z > z1 ? more[k]->z : z1;
            h = more[k]->h > h ? more[k]->h : h;
        }
        /* Cells of extent / VW_CHUNK_CELLS local units; a vertex on a cell border touches
         * both cells. */
        const unsigned cell = TP_MESH_XZ_EXTENT / VW_CHUNK_CELLS;
        float y = tp_height_code_to_m(h);
        for (unsigned j = z0 / cell ? (z0 - 1) / cell : 0; j <= z1 / cell && j < VW_CHUNK_CELLS; j++)
            for (unsigned i = x0 / cell ? (x0 - 1) / cell : 0; i <= x1 / cell && i < VW_CHUNK_CELLS; i++)
                if (y > g->cell_y_max[j][i])
                    g->cell_y_max[j][i] = y;
    }

    glGenVertexArrays(1, &g->vertex_array);
    glBindVertexArray(g->vertex_array);
    glGenBuffers(1, &g->vertex_buffer);
    glBindBuffer(GL_ARRAY_BUFFER, g->vertex_buffer);
    glBufferData(GL_ARRAY_BUFFER, (GLsizeiptr)(m->vertex_count * sizeof(gpu_vertex)), s->staging,
                 GL_STATIC_DRAW);
    glGenBuffers(1, &g->index_buffer);
    glBindBuffer(GL_ELEMENT_ARRAY_BUFFER, g->index_buffer);
    glBufferData(GL_ELEMENT_ARRAY_BUFFER, (GLsizeiptr)(m->index_count * sizeof(uint16_t)),
                 m->indices, GL_STATIC_DRAW);
    glEnableVertexAttribArray(0);
    glVertexAttribPointer(0, 3, GL_FLOAT, GL_FALSE, sizeof(gpu_vertex),
                          (const void *)offsetof(gpu_vertex, position));
    glEnableVertexAttribArray(1);
    glVertexAttribPointer(1, 3, GL_FLOAT, GL_FALSE, sizeof(gpu_vertex),
                          (const void *)offsetof(gpu_vertex, normal));
    glEnableVertexAttribArray(2);
    glVertexAttribPointer(2, 2, GL_FLOAT, GL_FALSE, sizeof(gpu_vertex),
                          (const void *)offsetof(gpu_vertex, local));
    glBindVertexArray(0);

    /* Biome ids as an integer texture, one texel per sample of the LOD's grid (row j of
     * the grid, counting north, is texture row j). */
    glGenTextures(1, &g->biome_texture);
    glBindTexture(GL_TEXTURE_2D, g->biome_texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 1);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_R8UI, (GLsizei)v->edge, (GLsizei)v->edge, 0,
                 GL_RED_INTEGER, GL_UNSIGNED_BYTE, v->biomes);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);

    g->gpu_bytes = m->vertex_count * sizeof(gpu_vertex) + m->index_count * sizeof(uint16_t) +
                   (size_t)v->edge * v->edge;
    s->gpu_bytes += g->gpu_bytes;
    s->uploads++;
    return g;
}

void vw_chunk_set_rebase(vw_chunk_set *s, const double origin_m[2])
{
    for (size_t i = 0; i < s->capacity; i++)
        if (s->used[i])
            free_gl(&s->slots[i]);
    memset(s->used, 0, s->capacity);
    s->count = 0, s->gpu_bytes = 0;
    s->origin_m[0] = origin_m[0], s->origin_m[1] = origin_m[1];
}

const double *vw_chunk_set_origin(const vw_chunk_set *s) { return s->origin_m; }
size_t vw_chunk_set_count(const vw_chunk_set *s) { return s->count; }
size_t vw_chunk_set_gpu_bytes(const vw_chunk_set *s) { return s->gpu_bytes; }
uint64_t vw_chunk_set_uploads(const vw_chunk_set *s) { return s->uploads; }
