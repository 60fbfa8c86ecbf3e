/* png_write.c — libpng writer; the output file is terrapage/output_file.h's. */
#define _POSIX_C_SOURCE 200809L

#include "png_write.h"

#include <errno.h>
#include <png.h>
#include <setjmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "terrapage/output_file.h"

/* Fixed so that the output never depends on library defaults changing under us. */
#define PNG_ZLIB_LEVEL 6

typedef struct write_ctx {
    FILE *file;
    int io_errno;       /* errno of a failed write or flush, 0 if none */
    char message[160];  /* libpng's own error text */
} write_ctx;

/* libpng reports errors through this hook and then expects it not to return: jump back
 * to the setjmp in write_png(). */
static void on_png_error(png_structp png, png_const_charp msg)
{
    write_ctx *ctx = png_get_error_ptr(png);
    snprintf(ctx->message, sizeof ctx->message, "%s", msg);
    png_longjmp(png, 1);
}

/* Warnings (e.g. about a text keyword) are not failures of the write; stay quiet. */
static void on_png_warning(png_structp png, png_const_charp msg)
{
    (void)png;
    (void)msg;
}

/* Our own I/O hooks, so a short write keeps the real errno (ENOSPC, EIO) for the message
 * instead of libpng's generic "Write Error". */
static void on_png_write(png_structp png, png_bytep data, size_t length)
{
    write_ctx *ctx = png_get_io_ptr(png);
    if (fwrite(data, 1, length, ctx->file) != length) {
        ctx->io_errno = errno ? errno : EIO;
        png_error(png, "write failed");
    }
}

static void on_png_flush(png_structp png)
{
    write_ctx *ctx = png_get_io_ptr(png);
    if (fflush(ctx->file) != 0) {
        ctx->io_errno = errno ? errno : EIO;
        png_error(png, "flush failed");
    }
}

static bool host_is_little_endian(void)
{
    const uint16_t one = 1;
    unsigned char first;
    memcpy(&first, &one, 1);
    return first == 1;
}

/* Encodes the image into ctx->file. Returns false on any libpng or I/O error. Nothing
 * that changes after setjmp() is read after a longjmp, so no local needs `volatile`. */
static bool write_png(write_ctx *ctx, const tpt_png_image *image, png_text *texts)
{
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, ctx, on_png_error,
                                              on_png_warning);
    if (!png) {
        snprintf(ctx->message, sizeof ctx->message, "out of memory");
        return false;
    }
    png_infop info = png_create_info_struct(png);
    if (!info) {
        png_destroy_write_struct(&png, NULL);
        snprintf(ctx->message, sizeof ctx->message, "out of memory");
        return false;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_write_struct(&png, &info);
        return false;
    }

    static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA,
                                        PNG_COLOR_TYPE_RGB, PNG_COLOR_TYPE_RGB_ALPHA};
    png_set_write_fn(png, ctx, on_png_write, on_png_flush);
    png_set_IHDR(png, info, image->width, image->height, (int)image->bit_depth,
                 color_types[image->channels], PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE,
                 PNG_FILTER_TYPE_BASE);
    png_set_compression_level(png, PNG_ZLIB_LEVEL);
    png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_ALL_FILTERS);
    if (image->text_count)
        png_set_text(png, info, texts, (int)image->text_count);
    png_write_info(png, info);
    /* PNG stores 16-bit samples big-endian; our buffers hold host-order uint16_t. */
    if (image->bit_depth == 16 && host_is_little_endian())
        png_set_swap(png);
    const unsigned char *row = image->pixels;
    for (uint32_t y = 0; y < image->height; y++, row += image->row_bytes)
        png_write_row(png, row);
    png_write_end(png, info);
    png_destroy_write_struct(&png, &info);
    return true;
}

static tp_result check_image(const tpt_png_image *image)
{
    if (!image || !image->pixels || image->width == 0 || image->height == 0 ||
        image->width > PNG_UINT_31_MAX || image->height > PNG_UINT_31_MAX ||
        image->channels < 1 || image->channels > 4 ||
        (image->bit_depth != 8 && image->bit_depth != 16))
        return TP_ERR_INVALID_ARGUMENT;
    uint64_t min_row = (uint64_t)image->width * image->channels * (image->bit_depth / 8);
    if (image->row_bytes < min_row)
        return TP_ERR_INVALID_ARGUMENT;
    if (image->text_count > 0 && !image->text)
        return TP_ERR_INVALID_ARGUMENT;
    for (size_t i = 0; i < image->text_count; i++) {
        size_t n = image->text[i].key ? strlen(image->text[i].key) : 0;
        if (n < 1 || n > 79 || !image->text[i].value)
            return TP_ERR_INVALID_ARGUMENT;
    }
    return TP_OK;
}

/* Copies the thread's failure detail into the caller's buffer. A detail is at most 511
 * bytes, with a long path shortened in the middle rather than the cause cut off. */
static tp_result report(tp_result result, char *err, size_t err_size)
{
    if (err && err_size)
        snprintf(err, err_size, "%s", tp_error_detail());
    return result;
}

tp_result tpt_png_write(const char *path, const tpt_png_image *image, char *err, size_t err_size)
{
    if (err && err_size)
        err[0] = '\0';
    if (!path || !*path)
        return report(tp__error_set(TP_ERR_INVALID_ARGUMENT, "(no file name): invalid argument"),
                      err, err_size);
    if (check_image(image) != TP_OK)
        return report(tp__error_set(TP_ERR_INVALID_ARGUMENT, "%s: invalid image description",
                                    path), err, err_size);

    png_text *texts = NULL;
    if (image->text_count) {
        texts = calloc(image->text_count, sizeof *texts);
        if (!texts)
            return report(tp__error_set(TP_ERR_OUT_OF_MEMORY, "%s: out of memory", path), err,
                          err_size);
        for (size_t i = 0; i < image->text_count; i++) {
            /* libpng's text struct is not const-correct; it only reads these. */
            texts[i].compression = PNG_TEXT_COMPRESSION_NONE;
            texts[i].key = (png_charp)(uintptr_t)image->text[i].key;
            texts[i].text = (png_charp)(uintptr_t)image->text[i].value;
        }
    }

    /* The path's checks (a regular file or a new name, never a device or FIFO) and the
     * temporary file, fsync and rename are the output module's, as for page files. */
    tp_output_file file;
    tp_result result = tp_output_open(path, &file);
    if (result != TP_OK) {
        free(texts);
        return report(result, err, err_size);
    }
    write_ctx ctx = {0};
    ctx.file = tp_output_stream(&file);
    if (!ctx.file) {
        result = tp__error_set(TP_ERR_IO, "%s: %s", path, strerror(errno));
        tp_output_discard(&file);
        free(texts);
        return report(result, err, err_size);
    }

    if (write_png(&ctx, image, texts)) {
        result = tp_output_commit(&file);
    } else {
        tp_output_discard(&file);
        if (ctx.io_errno)
            result = tp__error_set(TP_ERR_IO, "%s: %s", path, strerror(ctx.io_errno));
        else if (strcmp(ctx.message, "out of memory") == 0)
            result = tp__error_set(TP_ERR_OUT_OF_MEMORY, "%s: out of memory", path);
        else
            result = tp__error_set(TP_ERR_IO, "%s: PNG encoding failed: %s", path, ctx.message);
    }
    free(texts);
    return result == TP_OK ? TP_OK : report(result, err, err_size);
}
