/* gl_context.h — an OpenGL 3.3 core context to draw into: a GLFW window with mouse and
 * keyboard, or headless through EGL (Mesa's surfaceless platform, which needs no display
 * and falls back to the software rasteriser when there is no GPU) drawing into an
 * off-screen framebuffer of the requested size. Either way the frame drawn is read back
 * from the bound framebuffer with glReadPixels.
 */
#ifndef VW_GL_CONTEXT_H
#define VW_GL_CONTEXT_H

#include "camera.h"

typedef struct vw_gl_context vw_gl_context;

/* One frame of window input. */
typedef struct vw_window_input {
    vw_fly_input fly;        /* WASD/QE moves, the mouse (button held) looks, shift runs */
    int toggle_wireframe;    /* F pressed */
    int toggle_colour;       /* C pressed */
    int toggle_hud;          /* H pressed */
    int quit;                /* Escape, or the window closed */
} vw_window_input;

/*! vw_gl_context_open_headless() / _window() : @return the context, current on this
 *  thread, or NULL after printing why to stderr. */
vw_gl_context *vw_gl_context_open_headless(int width, int height);
vw_gl_context *vw_gl_context_open_window(int width, int height, const char *title);

/*! vw_gl_context_size() : the size of the framebuffer drawn into, pixels. */
void vw_gl_context_size(const vw_gl_context *c, int *out_width, int *out_height);

/*! vw_gl_context_poll() : a window's input since the last call (headless: nothing). */
void vw_gl_context_poll(vw_gl_context *c, double base_speed_m_s, vw_window_input *out_input);

/*! vw_gl_context_present() : shows the frame (a window swaps buffers; headless: no-op). */
void vw_gl_context_present(vw_gl_context *c);

void vw_gl_context_close(vw_gl_context *c);

#endif
