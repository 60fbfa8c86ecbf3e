/* terrain_renderer.c — the terrain shaders and draw calls (see terrain_renderer.h). */
#include "terrain_renderer.h"

#include "gl_program.h"

#include <stdio.h>
#include <stdlib.h>

#include "terrapage/world.h"

const unsigned char vw_sky_rgb[3] = {0x9c, 0xc3, 0xe6};

/* One colour per LOD, finest first: warm to cold, easy to tell apart side by side. */
#define LOD_COLOURS 8
static const float lod_rgb[LOD_COLOURS][3] = {
    {0xe4, 0x1a, 0x1c}, {0xff, 0x7f, 0x00}, {0xff, 0xdd, 0x33}, {0x4d, 0xaf, 0x4a},
    {0x37, 0x7e, 0xb8}, {0x98, 0x4e, 0xa3}, {0xa6, 0x56, 0x28}, {0x99, 0x99, 0x99},
};

static const char vertex_source[] =
    "#version 330 core\n"
    "layout(location = 0) in vec3 a_position;\n"
    "layout(location = 1) in vec3 a_normal;\n"
    "layout(location = 2) in vec2 a_local;\n"
    "uniform mat4 u_view_projection;\n"
    "out vec3 v_normal;\n"
    "out vec2 v_local;\n"
    "void main() {\n"
    "    v_normal = a_normal;\n"
    "    v_local = a_local;\n"
    "    gl_Position = u_view_projection * vec4(a_position, 1.0);\n"
    "}\n";

/* u_mode: 0 biome, 1 LOD, 2 wireframe lines. The biome of a fragment is that of the
 * nearest sample of the chunk's grid. */
static const char fragment_source[] =
    "#version 330 core\n"
    "in vec3 v_normal;\n"
    "in vec2 v_local;\n"
    "uniform usampler2D u_biomes;\n"
    "uniform int u_edge;\n"
    "uniform int u_mode;\n"
    "uniform vec3 u_biome_rgb[16];\n"
    "uniform vec3 u_lod_rgb;\n"
    "uniform vec3 u_sun;\n"
    "out vec4 o_colour;\n"
    "void main() {\n"
    "    vec3 base;\n"
    "    if (u_mode == 0) {\n"
    "        ivec2 ij = clamp(ivec2(floor(v_local * float(u_edge - 1) + 0.5)), ivec2(0),\n"
    "                         ivec2(u_edge - 1));\n"
    "        base = u_biome_rgb[min(texelFetch(u_biomes, ij, 0).r, 15u)];\n"
    "    } else {\n"
    "        base = u_lod_rgb;\n"
    "    }\n"
    "    float light = 0.3 + 0.7 * max(dot(normalize(v_normal), u_sun), 0.0);\n"
    "    vec3 rgb = u_mode == 2 ? vec3(0.05) : base * light;\n"
    "    o_colour = vec4(rgb, 1.0);\n"
    "}\n";

struct vw_terrain_renderer {
    GLuint program;
    GLint u_view_projection, u_biomes, u_edge, u_mode, u_biome_rgb, u_lod_rgb, u_sun;
    vw_colour_mode colour;
    int wireframe;
};

vw_terrain_renderer *vw_terrain_renderer_create(void)
{
    vw_terrain_renderer *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->program = vw_gl_program("terrain", vertex_source, fragment_source);
    if (!r->program) {
        free(r);
        return NULL;
    }
    r->u_view_projection = glGetUniformLocation(r->program, "u_view_projection");
    r->u_biomes = glGetUniformLocation(r->program, "u_biomes");
    r->u_edge = glGetUniformLocation(r->program, "u_edge");
    r->u_mode = glGetUniformLocation(r->program, "u_mode");
    r->u_biome_rgb = glGetUniformLocation(r->program, "u_biome_rgb");
    r->u_lod_rgb = glGetUniformLocation(r->program, "u_lod_rgb");
    r->u_sun = glGetUniformLocation(r->program, "u_sun");

    glUseProgram(r->program);
    /* The biome colours of `terrapage export --layer biome` and `preview` (the library's
     * tp_biome_rgb()), so the viewer's world looks like the maps of it. */
    float palette[16][3];
    for (unsigned b = 0; b < 16; b++) {
        uint8_t rgb[3];
        tp_biome_rgb(b, rgb);
        for (int c = 0; c < 3; c++)
            palette[b][c] = rgb[c] / 255.0f;
    }
    glUniform3fv(r->u_biome_rgb, 16, &palette[0][0]);
    /* The sun high in the south-west (so slopes facing a camera that looks north are lit),
     * in the GL frame (north is −z). */
    glUniform3f(r->u_sun, -0.40f, 0.75f, 0.53f);
    glUniform1i(r->u_biomes, 0);
    return r;
}

void vw_terrain_renderer_destroy(vw_terrain_renderer *r)
{
    if (!r)
        return;
    glDeleteProgram(r->program);
    free(r);
}

void vw_terrain_renderer_begin(vw_terrain_renderer *r, const vw_view *view, int width,
                               int height, vw_colour_mode colour, int wireframe)
{
    glViewport(0, 0, width, height);
    glClearColor(vw_sky_rgb[0] / 255.0f, vw_sky_rgb[1] / 255.0f, vw_sky_rgb[2] / 255.0f, 0.0f);
    glClearDepth(1.0);
    glClear(GL_COLOR_BUFFER_BIT | GL_DEPTH_BUFFER_BIT);
    glEnable(GL_DEPTH_TEST);
    glDepthFunc(GL_LESS);
    glDisable(GL_BLEND);
    /* The meshes' triangles are clockwise on screen in the GL frame (runtime.h): cull the
     * counter-clockwise ones, which are the back faces. */
    glEnable(GL_CULL_FACE);
    glFrontFace(GL_CW);
    glCullFace(GL_BACK);
    glUseProgram(r->program);
    glUniformMatrix4fv(r->u_view_projection, 1, GL_FALSE, view->view_projection);
    glActiveTexture(GL_TEXTURE0);
    r->colour = colour;
    r->wireframe = wireframe;
}

void vw_terrain_renderer_draw(vw_terrain_renderer *r, const vw_chunk_gpu *g)
{
    glBindVertexArray(g->vertex_array);
    glBindTexture(GL_TEXTURE_2D, g->biome_texture);
    glUniform1i(r->u_edge, (GLint)g->biome_edge);
    const float *lod = lod_rgb[g->lod < LOD_COLOURS ? g->lod : LOD_COLOURS - 1];
    glUniform3f(r->u_lod_rgb, lod[0] / 255.0f, lod[1] / 255.0f, lod[2] / 255.0f);
    glUniform1i(r->u_mode, (GLint)r->colour);
    glPolygonMode(GL_FRONT_AND_BACK, GL_FILL);
    glDrawElements(GL_TRIANGLES, g->index_count, GL_UNSIGNED_SHORT, NULL);
    if (r->wireframe) {
        /* The edges on top of the filled surface, pulled towards the camera so they win
         * the depth test; the surface stays, so the frame keeps no holes. */
        glUniform1i(r->u_mode, 2);
        glPolygonMode(GL_FRONT_AND_BACK, GL_LINE);
        glEnable(GL_POLYGON_OFFSET_LINE);
        glPolygonOffset(-1.0f, -1.0f);
        glDrawElements(GL_TRIANGLES, g->index_count, GL_UNSIGNED_SHORT, NULL);
        glDisable(GL_POLYGON_OFFSET_LINE);
        glPolygonMode(GL_FRONT_AND_BACK, GL_FILL);
    }
}
