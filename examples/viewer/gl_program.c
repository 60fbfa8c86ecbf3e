/* gl_program.c — see gl_program.h. */
#include "gl_program.h"

#include <stdio.h>

static GLuint compile(const char *what, GLenum type, const char *source)
{
    GLuint shader = glCreateShader(type);
    glShaderSource(shader, 1, &source, NULL);
    glCompileShader(shader);
    GLint ok;
    glGetShaderiv(shader, GL_COMPILE_STATUS, &ok);
    if (!ok) {
        char log[2048];
        glGetShaderInfoLog(shader, sizeof log, NULL, log);
        fprintf(stderr, "viewer: the %s %s shader does not compile:\n%s\n", what,
                type == GL_VERTEX_SHADER ? "vertex" : "fragment", log);
        glDeleteShader(shader);
        return 0;
    }
    return shader;
}

GLuint vw_gl_program(const char *what, const char *vertex_source, const char *fragment_source)
{
    GLuint vs = compile(what, GL_VERTEX_SHADER, vertex_source);
    GLuint fs = compile(what, GL_FRAGMENT_SHADER, fragment_source);
    GLuint program = 0;
    if (vs && fs) {
        program = glCreateProgram();
        glAttachShader(program, vs);
        glAttachShader(program, fs);
        glLinkProgram(program);
        GLint ok;
        glGetProgramiv(program, GL_LINK_STATUS, &ok);
        if (!ok) {
            char log[2048];
            glGetProgramInfoLog(program, sizeof log, NULL, log);
            fprintf(stderr, "viewer: the %s shaders do not link:\n%s\n", what, log);
            glDeleteProgram(program);
            program = 0;
        }
    }
    glDeleteShader(vs); /* 0 is ignored; an attached shader goes with its program */
    glDeleteShader(fs);
    return program;
}
