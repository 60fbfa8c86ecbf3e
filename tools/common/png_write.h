/* png_write.h — deterministic, all-or-nothing PNG files.
 *
 *   tpt_png_text text[] = {{"terrapage:layer", "height"}};
 *   tpt_png_image img = {
 *       .width = w, .height = h, .channels = 1, .bit_depth = 16,
 *       .pixels = codes, .row_bytes = w * sizeof(uint16_t),
 *       .text = text, .text_count = 1,
 *   };
 *   char err[512];
 *   if (tpt_png_write("height.png", &img, err, sizeof err) != TP_OK)
 *       fprintf(stderr, "%s\n", err);       // "height.png: No space left on device"
 *
 * The file is put at `path` by terrapage/output_file.h, as page files are: written to a
 * temporary file beside it, flushed to disk and renamed over it, so a failed write (full
 * disk, unwritable directory, a libpng error) leaves neither a broken PNG nor a stray
 * temporary file, and an older `path` survives. Only a regular file is replaced (a
 * symbolic link is followed, the target keeps its mode); a directory, device, FIFO or
 * socket is refused. A command checks its output with tp_output_check() before it
 * renders, so that a bad path fails before the work.
 *
 * The bytes depend only on the image and the text: no tIME chunk, fixed zlib level and
 * filter choice. Two writes of the same image give identical files, which is what lets
 * `terrapage preview` and `terrapage export` be compared byte for byte.
 *
 * Thread rules: any thread, any number at once (each call has its own libpng state).
 */
#ifndef TPT_PNG_WRITE_H
#define TPT_PNG_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/result.h"

/* A tEXt chunk. PNG keywords are 1–79 Latin-1 characters; values should be ASCII. */
typedef struct tpt_png_text {
    const char *key;
    const char *value;
} tpt_png_text;

typedef struct tpt_png_image {
    uint32_t width, height;       /* pixels, 1 … 2^31 − 1 each */
    uint32_t channels;            /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA */
    uint32_t bit_depth;           /* 8, or 16 with samples as host-order uint16_t */
    const void *pixels;           /* row 0 first (the top of the picture) */
    size_t row_bytes;             /* distance between rows, ≥ width · channels · depth/8 */
    const tpt_png_text *text;
    size_t text_count;
} tpt_png_image;

/*! tpt_png_write() :
 *  Writes `image` to `path` through a temporary file and a rename.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for a malformed image description; TP_ERR_IO
 *  for a file-system failure or a path that is not a regular file; TP_ERR_OUT_OF_MEMORY.
 *  On failure `err` holds a message that starts with the path ("maps/out.png: Permission
 *  denied"), also in tp_error_detail(); 512 bytes hold any of them whole (a long path is
 *  shortened in its middle). */
tp_result tpt_png_write(const char *path, const tpt_png_image *image, char *err, size_t err_size);

#endif /* TPT_PNG_WRITE_H */
