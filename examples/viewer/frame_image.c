/* frame_image.c — reading back and saving frames (see frame_image.h). */
#define _POSIX_C_SOURCE 200809L
#include "frame_image.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <GL/glcorearb.h>
#include <cairo.h>

void vw_frame_read(int width, int height, uint8_t *rgba)
{
    glPixelStorei(GL_PACK_ALIGNMENT, 1);
    glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, rgba);
}

int vw_frame_write_png(const char *path, int width, int height, const uint8_t *rgba)
{
    struct stat st;
    if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        fprintf(stderr, "viewer: %s exists and is not a regular file; not replacing it\n",
                path);
        return -1;
    }
    cairo_surface_t *img = cairo_image_surface_create(CAIRO_FORMAT_RGB24, width, height);
    if (cairo_surface_status(img) != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "viewer: %s: no memory for a %d x %d image\n", path, width, height);
        cairo_surface_destroy(img);
        return -1;
    }
    cairo_surface_flush(img);
    uint8_t *data = cairo_image_surface_get_data(img);
    int stride = cairo_image_surface_get_stride(img);
    for (int y = 0; y < height; y++) {
        const uint8_t *src = rgba + (size_t)(height - 1 - y) * width * 4;
        uint32_t *dst = (uint32_t *)(data + (size_t)y * stride);
        for (int x = 0; x < width; x++)
            dst[x] = (uint32_t)src[4 * x] << 16 | (uint32_t)src[4 * x + 1] << 8 | src[4 * x + 2];
    }
    cairo_surface_mark_dirty(img);

    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) {
        cairo_surface_destroy(img);
        return -1;
    }
    snprintf(tmp, n, "%s.tmp-%ld", path, (long)getpid());
    cairo_status_t status = cairo_surface_write_to_png(img, tmp);
    cairo_surface_destroy(img);
    int rc = 0;
    if (status != CAIRO_STATUS_SUCCESS) {
        fprintf(stderr, "viewer: cannot write %s: %s\n", path, cairo_status_to_string(status));
        unlink(tmp);
        rc = -1;
    } else if (rename(tmp, path) != 0) {
        fprintf(stderr, "viewer: cannot replace %s: %s\n", path, strerror(errno));
        unlink(tmp);
        rc = -1;
    }
    free(tmp);
    return rc;
}
