/* gl_program.h — a GLSL program from a vertex and a fragment shader, the one way the
 * viewer's renderers (terrain, text) build theirs. */
#ifndef VW_GL_PROGRAM_H
#define VW_GL_PROGRAM_H

#include <GL/glcorearb.h>

/* Compiles both shaders and links them. On failure prints "viewer: the WHAT shaders ..."
 * with the driver's log to stderr and returns 0; the shaders never outlive the call. */
GLuint vw_gl_program(const char *what, const char *vertex_source, const char *fragment_source);

#endif /* VW_GL_PROGRAM_H */
