/* png_write.c — libpng writer with a temporary file, fsync and rename. */
#define _POSIX_C_SOURCE 200809L

#include "png_write.h"

#include <errno.h>
#include <fcntl.h>
#include <png.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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

/* Creates a fresh temporary file next to `path` (so the rename stays on one file system).
 * The counter keeps names unique between threads of one process; O_EXCL against others. */
static int create_temporary(const char *path, char *tmp, size_t tmp_size)
{
    static atomic_uint counter;
    for (int attempt = 0; attempt < 100; attempt++) {
        unsigned n = atomic_fetch_add(&counter, 1u);
        int len = snprintf(tmp, tmp_size, "%s.tmp-%ld-%u", path, (long)getpid(), n);
        if (len < 0 || (size_t)len >= tmp_size) {
            errno = ENAMETOOLONG;
            return -1;
        }
        /* 0666 and the process umask: the same permissions a plain fopen() would give. */
        int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

tp_result tpt_png_write(const char *path, const tpt_png_image *image, char *err, size_t err_size)
{
    if (err && err_size)
        err[0] = '\0';
    if (!path || !*path) {
        snprintf(err, err_size, "(no file name): invalid argument");
        return TP_ERR_INVALID_ARGUMENT;
    }
    if (check_image(image) != TP_OK) {
        snprintf(err, err_size, "%s: invalid image description", path);
        return TP_ERR_INVALID_ARGUMENT;
    }

    png_text *texts = NULL;
    if (image->text_count) {
        texts = calloc(image->text_count, sizeof *texts);
        if (!texts) {
            snprintf(err, err_size, "%s: out of memory", path);
            return TP_ERR_OUT_OF_MEMORY;
        }
        for (size_t i = 0; i < image->text_count; i++) {
            /* libpng's text struct is not const-correct; it only reads these. */
            texts[i].compression = PNG_TEXT_COMPRESSION_NONE;
            texts[i].key = (png_charp)(uintptr_t)image->text[i].key;
            texts[i].text = (png_charp)(uintptr_t)image->text[i].value;
        }
    }

    size_t tmp_size = strlen(path) + 64;
    char *tmp = malloc(tmp_size);
    if (!tmp) {
        free(texts);
        snprintf(err, err_size, "%s: out of memory", path);
        return TP_ERR_OUT_OF_MEMORY;
    }

    tp_result result = TP_OK;
    write_ctx ctx = {0};
    int fd = create_temporary(path, tmp, tmp_size);
    if (fd < 0) {
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
        free(tmp);
        free(texts);
        return TP_ERR_IO;
    }
    ctx.file = fdopen(fd, "wb");
    if (!ctx.file) {
        int e = errno;
        close(fd);
        unlink(tmp);
        snprintf(err, err_size, "%s: %s", path, strerror(e));
        free(tmp);
        free(texts);
        return TP_ERR_IO;
    }

    bool ok = write_png(&ctx, image, texts);
    /* Data must be on disk before the rename makes it visible under the real name;
     * otherwise a crash could leave a complete-looking but empty file. */
    if (ok && (fflush(ctx.file) != 0 || fsync(fileno(ctx.file)) != 0)) {
        ctx.io_errno = errno ? errno : EIO;
        ok = false;
    }
    if (fclose(ctx.file) != 0 && ok) {
        ctx.io_errno = errno ? errno : EIO;
        ok = false;
    }
    if (ok && rename(tmp, path) != 0) {
        ctx.io_errno = errno;
        ok = false;
    }
    if (!ok) {
        unlink(tmp);
        if (ctx.io_errno) {
            snprintf(err, err_size, "%s: %s", path, strerror(ctx.io_errno));
            result = TP_ERR_IO;
        } else if (strcmp(ctx.message, "out of memory") == 0) {
            snprintf(err, err_size, "%s: out of memory", path);
            result = TP_ERR_OUT_OF_MEMORY;
        } else {
            snprintf(err, err_size, "%s: PNG encoding failed: %s", path, ctx.message);
            result = TP_ERR_IO;
        }
    }
    free(tmp);
    free(texts);
    return result;
}
