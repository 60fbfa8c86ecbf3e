/* gl_context.c — GLFW windows and EGL headless contexts (see gl_context.h). */
#include "gl_context.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <GL/glcorearb.h>
#define GLFW_INCLUDE_NONE
#include <GLFW/glfw3.h>

struct vw_gl_context {
    int width, height;
    /* headless */
    EGLDisplay display;
    EGLContext context;
    GLuint framebuffer, colour_buffer, depth_buffer;
    /* window */
    GLFWwindow *window;
    double last_cursor[2];
    int have_cursor;
    int key_was_down[GLFW_KEY_LAST + 1];
};

/* ---- headless: EGL ------------------------------------------------------------------ */

/* The display to draw without one: Mesa's surfaceless platform (no X, no Wayland, no
 * device node needed: with no GPU it renders with llvmpipe), else the default display. */
static EGLDisplay headless_display(void)
{
    const char *client = eglQueryString(EGL_NO_DISPLAY, EGL_EXTENSIONS);
    if (client && strstr(client, "EGL_MESA_platform_surfaceless")) {
        PFNEGLGETPLATFORMDISPLAYEXTPROC get_platform_display =
            (PFNEGLGETPLATFORMDISPLAYEXTPROC)eglGetProcAddress("eglGetPlatformDisplayEXT");
        if (get_platform_display) {
            EGLDisplay d =
                get_platform_display(EGL_PLATFORM_SURFACELESS_MESA, EGL_DEFAULT_DISPLAY, NULL);
            if (d != EGL_NO_DISPLAY)
                return d;
        }
    }
    return eglGetDisplay(EGL_DEFAULT_DISPLAY);
}

static int make_framebuffer(vw_gl_context *c)
{
    glGenFramebuffers(1, &c->framebuffer);
    glBindFramebuffer(GL_FRAMEBUFFER, c->framebuffer);
    glGenRenderbuffers(1, &c->colour_buffer);
    glBindRenderbuffer(GL_RENDERBUFFER, c->colour_buffer);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_RGBA8, c->width, c->height);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_COLOR_ATTACHMENT0, GL_RENDERBUFFER,
                              c->colour_buffer);
    glGenRenderbuffers(1, &c->depth_buffer);
    glBindRenderbuffer(GL_RENDERBUFFER, c->depth_buffer);
    glRenderbufferStorage(GL_RENDERBUFFER, GL_DEPTH_COMPONENT24, c->width, c->height);
    glFramebufferRenderbuffer(GL_FRAMEBUFFER, GL_DEPTH_ATTACHMENT, GL_RENDERBUFFER,
                              c->depth_buffer);
    return glCheckFramebufferStatus(GL_FRAMEBUFFER) == GL_FRAMEBUFFER_COMPLETE ? 0 : -1;
}

vw_gl_context *vw_gl_context_open_headless(int width, int height)
{
    vw_gl_context *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->width = width, c->height = height;
    c->display = headless_display();
    EGLint major, minor;
    if (c->display == EGL_NO_DISPLAY || !eglInitialize(c->display, &major, &minor)) {
        fprintf(stderr, "viewer: no EGL display for headless drawing (EGL error 0x%x); is "
                        "Mesa's EGL installed (Debian: libegl-mesa0 libgl1-mesa-dri)?\n",
                (unsigned)eglGetError());
        free(c);
        return NULL;
    }
    /* Desktop OpenGL 3.3 core, drawing into our own framebuffer: no surface at all. */
    const char *ext = eglQueryString(c->display, EGL_EXTENSIONS);
    if (!eglBindAPI(EGL_OPENGL_API) || !ext || !strstr(ext, "EGL_KHR_surfaceless_context") ||
        !strstr(ext, "EGL_KHR_no_config_context")) {
        fprintf(stderr, "viewer: the EGL display (EGL %d.%d) cannot make a desktop OpenGL "
                        "context without a surface\n", major, minor);
        eglTerminate(c->display);
        free(c);
        return NULL;
    }
    const EGLint attributes[] = {EGL_CONTEXT_MAJOR_VERSION, 3, EGL_CONTEXT_MINOR_VERSION, 3,
                                 EGL_CONTEXT_OPENGL_PROFILE_MASK,
                                 EGL_CONTEXT_OPENGL_CORE_PROFILE_BIT, EGL_NONE};
    c->context = eglCreateContext(c->display, EGL_NO_CONFIG_KHR, EGL_NO_CONTEXT, attributes);
    if (c->context == EGL_NO_CONTEXT ||
        !eglMakeCurrent(c->display, EGL_NO_SURFACE, EGL_NO_SURFACE, c->context)) {
        fprintf(stderr, "viewer: no OpenGL 3.3 core context from EGL (error 0x%x)\n",
                (unsigned)eglGetError());
        if (c->context != EGL_NO_CONTEXT)
            eglDestroyContext(c->display, c->context);
        eglTerminate(c->display);
        free(c);
        return NULL;
    }
    if (make_framebuffer(c) != 0) {
        fprintf(stderr, "viewer: cannot make a %d x %d framebuffer to draw into\n", width,
                height);
        vw_gl_context_close(c);
        return NULL;
    }
    return c;
}

/* ---- window: GLFW ------------------------------------------------------------------- */

static void glfw_error(int code, const char *text)
{
    fprintf(stderr, "viewer: GLFW error 0x%x: %s\n", (unsigned)code, text);
}

vw_gl_context *vw_gl_context_open_window(int width, int height, const char *title)
{
    glfwSetErrorCallback(glfw_error);
    if (!glfwInit()) {
        fprintf(stderr, "viewer: no window system (use --path with --screenshot or "
                        "--check-holes to draw headless)\n");
        return NULL;
    }
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    GLFWwindow *w = glfwCreateWindow(width, height, title, NULL, NULL);
    if (!w) {
        glfwTerminate();
        return NULL;
    }
    vw_gl_context *c = calloc(1, sizeof *c);
    if (!c) {
        glfwDestroyWindow(w);
        glfwTerminate();
        return NULL;
    }
    c->window = w;
    glfwMakeContextCurrent(w);
    glfwSwapInterval(1);
    glfwGetFramebufferSize(w, &c->width, &c->height);
    return c;
}

void vw_gl_context_size(const vw_gl_context *c, int *w, int *h)
{
    if (c->window)
        glfwGetFramebufferSize(c->window, w, h);
    else
        *w = c->width, *h = c->height;
}

/* True once per press. */
static int pressed(vw_gl_context *c, int key)
{
    int down = glfwGetKey(c->window, key) == GLFW_PRESS;
    int edge = down && !c->key_was_down[key];
    c->key_was_down[key] = down;
    return edge;
}

static double axis(GLFWwindow *w, int plus, int minus)
{
    return (glfwGetKey(w, plus) == GLFW_PRESS) - (double)(glfwGetKey(w, minus) == GLFW_PRESS);
}

void vw_gl_context_poll(vw_gl_context *c, double base_speed_m_s, vw_window_input *in)
{
    memset(in, 0, sizeof *in);
    if (!c->window)
        return;
    glfwPollEvents();
    GLFWwindow *w = c->window;
    in->quit = glfwWindowShouldClose(w) || glfwGetKey(w, GLFW_KEY_ESCAPE) == GLFW_PRESS;
    in->fly.move[0] = axis(w, GLFW_KEY_D, GLFW_KEY_A);
    in->fly.move[1] = axis(w, GLFW_KEY_E, GLFW_KEY_Q);
    in->fly.move[2] = axis(w, GLFW_KEY_W, GLFW_KEY_S);
    in->fly.speed_m_s = base_speed_m_s * (glfwGetKey(w, GLFW_KEY_LEFT_SHIFT) == GLFW_PRESS ? 5.0
                                                                                        : 1.0);
    /* Mouse look while the left button is held, so the cursor stays usable otherwise. */
    double x, y;
    glfwGetCursorPos(w, &x, &y);
    if (glfwGetMouseButton(w, GLFW_MOUSE_BUTTON_LEFT) == GLFW_PRESS && c->have_cursor) {
        const double deg_per_pixel = 0.15;
        in->fly.look_dx_deg = (x - c->last_cursor[0]) * deg_per_pixel;
        in->fly.look_dy_deg = -(y - c->last_cursor[1]) * deg_per_pixel;
    }
    c->last_cursor[0] = x, c->last_cursor[1] = y, c->have_cursor = 1;
    in->toggle_wireframe = pressed(c, GLFW_KEY_F);
    in->toggle_colour = pressed(c, GLFW_KEY_C);
    in->toggle_hud = pressed(c, GLFW_KEY_H);
}

void vw_gl_context_present(vw_gl_context *c)
{
    if (c->window)
        glfwSwapBuffers(c->window);
}

void vw_gl_context_close(vw_gl_context *c)
{
    if (!c)
        return;
    if (c->window) {
        glfwDestroyWindow(c->window);
        glfwTerminate();
    } else {
        if (c->framebuffer) {
            glDeleteFramebuffers(1, &c->framebuffer);
            glDeleteRenderbuffers(1, &c->colour_buffer);
            glDeleteRenderbuffers(1, &c->depth_buffer);
        }
        eglMakeCurrent(c->display, EGL_NO_SURFACE, EGL_NO_SURFACE, EGL_NO_CONTEXT);
        eglDestroyContext(c->display, c->context);
        eglTerminate(c->display);
    }
    free(c);
}
