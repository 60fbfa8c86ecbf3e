/* test_support.h — what several Check suites need around files and commands: temporary
 * paths and directories, whole-file reads and writes, directory listings, and running a
 * terrapage command in-process with its output captured.
 *
 *   #define TP_TEST_SUITE "bake"        // names this suite's temporary files
 *   #include "test_support.h"
 *
 * Everything is static inline (a suite that does not use a helper gets no warning) and
 * fails the running test through ck_assert on any I/O error. Needs _POSIX_C_SOURCE
 * 200809L, defined by the suite before its first include. */
#ifndef TP_TEST_SUPPORT_H
#define TP_TEST_SUPPORT_H

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef TP_TEST_SUITE
#error "define TP_TEST_SUITE (the suite's name) before including test_support.h"
#endif

/* A path under the build's test directory, unique per suite and process:
 * "<dir>/<suite>-<pid>-<name>". */
static inline void tmp_path(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s-%ld-%s", TP_TEST_TMP_DIR, TP_TEST_SUITE, (long)getpid(), name);
}

/* The whole file, NUL-terminated for text (the terminator is not counted). */
static inline uint8_t *read_file(const char *path, size_t *out_size)
{
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
    long n = ftell(f);
    ck_assert(n >= 0);
    rewind(f);
    uint8_t *data = malloc((size_t)n + 1);
    ck_assert(data != NULL);
    ck_assert_uint_eq(fread(data, 1, (size_t)n, f), (size_t)n);
    data[n] = 0;
    fclose(f);
    *out_size = (size_t)n;
    return data;
}

static inline void write_file(const char *path, const void *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
    ck_assert_uint_eq(fwrite(data, 1, size, f), size);
    ck_assert_int_eq(fclose(f), 0);
}

/* True when the file at `path` holds exactly `size` bytes equal to `data`. */
static inline bool file_equals(const char *path, const void *data, size_t size)
{
    size_t n;
    uint8_t *d = read_file(path, &n);
    bool same = n == size && memcmp(d, data, n) == 0;
    free(d);
    return same;
}

static inline bool files_identical(const char *a, const char *b)
{
    size_t n;
    uint8_t *d = read_file(b, &n);
    bool same = file_equals(a, d, n);
    free(d);
    return same;
}

/* Entries of `dir` whose name starts with `prefix`. */
static inline int count_entries(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    ck_assert(d != NULL);
    int n = 0;
    for (struct dirent *e; (e = readdir(d)) != NULL;)
        n += strncmp(e->d_name, prefix, strlen(prefix)) == 0;
    closedir(d);
    return n;
}

/* A fresh, empty directory at tmp_path(name), its path in buf. */
static inline void make_tmp_dir(char *buf, size_t size, const char *name)
{
    tmp_path(buf, size, name);
    ck_assert_msg(mkdir(buf, 0755) == 0, "%s: %s", buf, strerror(errno));
}

/* Removes `dir` and everything in it (files, FIFOs, device nodes, links, directories). */
static inline void remove_tmp_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    for (struct dirent *e; (e = readdir(d)) != NULL;) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        size_t size = strlen(dir) + 1 + strlen(e->d_name) + 1;
        char *path = malloc(size);
        ck_assert(path != NULL);
        snprintf(path, size, "%s/%s", dir, e->d_name);
        if (unlink(path) != 0)
            remove_tmp_dir(path);
        free(path);
    }
    closedir(d);
    rmdir(dir);
}

/* Runs a command in-process with a NULL-terminated argument list. */
static inline int run(int (*cmd)(int, char **), char **argv)
{
    int argc = 0;
    while (argv[argc])
        argc++;
    return cmd(argc, argv);
}

#define RUN(fn, ...) run(fn, (char *[]){__VA_ARGS__, NULL})

/* Runs `cmd` with stdout (fd 1) or stderr (fd 2) captured into `out`. */
static inline int run_captured(int fd, int (*cmd)(int, char **), char **argv, char *out,
                               size_t out_size)
{
    fflush(stdout);
    fflush(stderr);
    FILE *tmp = tmpfile();
    ck_assert(tmp != NULL);
    int saved = dup(fd);
    ck_assert(saved >= 0);
    ck_assert(dup2(fileno(tmp), fd) >= 0);
    int status = run(cmd, argv);
    fflush(stdout);
    fflush(stderr);
    dup2(saved, fd);
    close(saved);
    rewind(tmp);
    size_t n = fread(out, 1, out_size - 1, tmp);
    out[n] = '\0';
    fclose(tmp);
    return status;
}

#define RUN_CAPTURED(fd, out, fn, ...)                                                     \
    run_captured(fd, fn, (char *[]){__VA_ARGS__, NULL}, out, sizeof out)

#endif /* TP_TEST_SUPPORT_H */
