/* frame_image.h — the frame drawn, read back, and written as a PNG. */
#ifndef VW_FRAME_IMAGE_H
#define VW_FRAME_IMAGE_H

#include <stdint.h>

/*! vw_frame_read() : reads the bound framebuffer into rgba (width · height · 4 bytes,
 *  rows bottom-up, as glReadPixels gives them). */
void vw_frame_read(int width, int height, uint8_t *rgba);

/*! vw_frame_write_png() : writes an opaque PNG of the frame (alpha ignored; row 0 of the
 *  file is the top). Writes a temporary file beside `path` and renames it into place, and
 *  refuses to replace anything but a regular file, so a failure leaves any earlier file
 *  as it was. @return 0, or −1 after printing a message naming the file. */
int vw_frame_write_png(const char *path, int width, int height, const uint8_t *rgba);

#endif
