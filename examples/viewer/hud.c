/* hud.c — the text overlay (see hud.h). */
#include "hud.h"

#include "gl_program.h"

#include <stdio.h>
#include <stdlib.h>

#include <GL/glcorearb.h>
#include <cairo.h>
#include <fontconfig/fontconfig.h>

#define HUD_FONT "DejaVu Sans Mono"
#define HUD_FONT_PX 13.0
#define HUD_LINE_PX 17
#define HUD_MARGIN_PX 6
#define HUD_WIDTH_PX 420

static const char vertex_source[] =
    "#version 330 core\n"
    "uniform vec4 u_rect;\n" /* x0, y0, x1, y1 in normalised device coordinates */
    "out vec2 v_uv;\n"
    "void main() {\n"
    "    vec2 corner = vec2(gl_VertexID & 1, gl_VertexID >> 1);\n"
    "    v_uv = vec2(corner.x, 1.0 - corner.y);\n" /* cairo's row 0 is the top */
    "    gl_Position = vec4(mix(u_rect.xy, u_rect.zw, corner), 0.0, 1.0);\n"
    "}\n";
static const char fragment_source[] =
    "#version 330 core\n"
    "uniform sampler2D u_text;\n"
    "in vec2 v_uv;\n"
    "out vec4 o_colour;\n"
    "void main() { o_colour = texture(u_text, v_uv).bgra; }\n"; /* cairo ARGB32 in memory */

struct vw_hud {
    GLuint program, texture, vertex_array;
    GLint u_rect;
    cairo_surface_t *surface;
    int height_px;
};

vw_hud *vw_hud_create(void)
{
    vw_hud *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->program = vw_gl_program("text", vertex_source, fragment_source);
    if (!h->program) {
        vw_hud_destroy(h);
        return NULL;
    }
    h->u_rect = glGetUniformLocation(h->program, "u_rect");
    glGenVertexArrays(1, &h->vertex_array); /* core profile: drawing needs one bound */
    glGenTextures(1, &h->texture);
    glBindTexture(GL_TEXTURE_2D, h->texture);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, GL_NEAREST);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, GL_NEAREST);
    return h;
}

void vw_hud_destroy(vw_hud *h)
{
    if (!h)
        return;
    if (h->surface)
        cairo_surface_destroy(h->surface);
    glDeleteTextures(1, &h->texture);
    glDeleteVertexArrays(1, &h->vertex_array);
    glDeleteProgram(h->program);
    free(h);
    /* The font caches cairo and fontconfig keep for the process, so leak checkers see
     * only real leaks. */
    cairo_debug_reset_static_data();
    FcFini();
}

void vw_hud_draw(vw_hud *h, const char *const *lines, int line_count, int fw, int fh)
{
    int height = 2 * HUD_MARGIN_PX + line_count * HUD_LINE_PX;
    if (!h->surface || h->height_px != height) {
        if (h->surface)
            cairo_surface_destroy(h->surface);
        h->surface = cairo_image_surface_create(CAIRO_FORMAT_ARGB32, HUD_WIDTH_PX, height);
        h->height_px = height;
    }
    if (cairo_surface_status(h->surface) != CAIRO_STATUS_SUCCESS)
        return;
    cairo_t *cr = cairo_create(h->surface);
    cairo_set_operator(cr, CAIRO_OPERATOR_SOURCE);
    cairo_set_source_rgba(cr, 0.0, 0.0, 0.0, 0.55);
    cairo_paint(cr);
    cairo_set_operator(cr, CAIRO_OPERATOR_OVER);
    cairo_select_font_face(cr, HUD_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, HUD_FONT_PX);
    cairo_set_source_rgb(cr, 1.0, 1.0, 1.0);
    for (int i = 0; i < line_count; i++) {
        cairo_move_to(cr, HUD_MARGIN_PX, HUD_MARGIN_PX + (i + 1) * HUD_LINE_PX - 4);
        cairo_show_text(cr, lines[i]);
    }
    cairo_destroy(cr);
    cairo_surface_flush(h->surface);

    glBindTexture(GL_TEXTURE_2D, h->texture);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    glPixelStorei(GL_UNPACK_ROW_LENGTH, cairo_image_surface_get_stride(h->surface) / 4);
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, HUD_WIDTH_PX, height, 0, GL_RGBA, GL_UNSIGNED_BYTE,
                 cairo_image_surface_get_data(h->surface));
    glPixelStorei(GL_UNPACK_ROW_LENGTH, 0);

    /* Pixel rectangle (8, 8) … (8 + w, 8 + h) from the top-left, premultiplied alpha. */
    float x0 = -1.0f + 2.0f * 8 / fw, x1 = -1.0f + 2.0f * (8 + HUD_WIDTH_PX) / fw;
    float y1 = 1.0f - 2.0f * 8 / fh, y0 = 1.0f - 2.0f * (8 + height) / fh;
    glDisable(GL_DEPTH_TEST);
    glDisable(GL_CULL_FACE);
    glEnable(GL_BLEND);
    glBlendFuncSeparate(GL_ONE, GL_ONE_MINUS_SRC_ALPHA, GL_ZERO, GL_ONE); /* keep alpha */
    glUseProgram(h->program);
    glUniform4f(h->u_rect, x0, y0, x1, y1);
    glBindVertexArray(h->vertex_array);
    glDrawArrays(GL_TRIANGLE_STRIP, 0, 4);
    glBindVertexArray(0);
    glDisable(GL_BLEND);
}
