/* output_file.c — replacing a file safely (terrapage/output_file.h has the rules).
 *
 * Why the checks come first and use lstat only: the attacks this answers were outputs
 * that are not files — `-o /dev/null` renamed a regular file over the device node, a
 * FIFO made a writer block forever, a directory failed only after the whole bake. Looking
 * at a path never opens what is there; the temporary is a fresh name opened with O_EXCL,
 * which never follows a link. The target's type is looked at again just before the
 * rename, since a long bake leaves time for the path to change.
 *
 * Why the temporary carries the pid: a process killed before its rename leaves the file
 * behind (up to the full output size), and the pid is what lets a later run tell a dead
 * process's leftover from a live process's work in progress. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include "terrapage/output_file.h"

#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#ifndef PATH_MAX
#define PATH_MAX 4096
#endif
#ifndef NAME_MAX
#define NAME_MAX 255
#endif

#define TEMP_INFIX ".tmp-"
#define TEMP_NONCE_DIGITS 8
/* ".tmp-" + the pid in decimal (at most 20 digits) + "-" + the nonce */
#define TEMP_SUFFIX_MAX (sizeof TEMP_INFIX - 1 + 20 + 1 + TEMP_NONCE_DIGITS)
#define CREATE_ATTEMPTS 64

/* ---- paths ------------------------------------------------------------------------ */

/* The directory part of `path` ("." for a bare name, "/" for a name in the root). */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    return strndup(path, slash == path ? 1 : (size_t)(slash - path));
}

static const char *base_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The length of this process's temporary suffix, ".tmp-<pid>-<nonce>". */
static size_t temp_suffix_length(void)
{
    size_t digits = 1;
    for (long pid = (long)getpid(); pid >= 10; pid /= 10)
        digits++;
    return sizeof TEMP_INFIX - 1 + digits + 1 + TEMP_NONCE_DIGITS;
}

static const char *kind_of(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    if (S_ISFIFO(mode))
        return "a FIFO (named pipe)";
    if (S_ISSOCK(mode))
        return "a socket";
    return "of an unknown file type";
}

static tp_result not_a_file(const char *path, const char *target, mode_t mode)
{
    if (strcmp(path, target) == 0)
        return tp__error_set(TP_ERR_IO, "%s: is %s, not a regular file; only a regular file "
                                        "is replaced", path, kind_of(mode));
    return tp__error_set(TP_ERR_IO, "%s: leads to %s, which is %s, not a regular file; only a "
                                    "regular file is replaced", path, target, kind_of(mode));
}

/* Follows `path` through its symbolic links to what a write would replace. *out_exists
 * says whether something is there (then *out_st describes it: never a link). */
static tp_result resolve(const char *path, char **out_target, struct stat *out_st,
                         int *out_exists)
{
    *out_target = NULL;
    char *cur = strdup(path);
    if (!cur)
        return TP_ERR_OUT_OF_MEMORY;
    for (int links = 0;; links++) {
        if (lstat(cur, out_st) != 0) {
            int err = errno;
            if (err == ENOENT) { /* a new name (the directory is checked next) */
                *out_exists = 0;
                *out_target = cur;
                return TP_OK;
            }
            free(cur);
            return tp__error_set(TP_ERR_IO, "%s: %s", path, strerror(err));
        }
        if (!S_ISLNK(out_st->st_mode)) {
            *out_exists = 1;
            *out_target = cur;
            return TP_OK;
        }
        if (links == TP_OUTPUT_MAX_LINKS) {
            free(cur);
            return tp__error_set(TP_ERR_IO, "%s: %s", path, strerror(ELOOP));
        }
        char link[PATH_MAX];
        ssize_t n = readlink(cur, link, sizeof link);
        if (n < 0 || (size_t)n >= sizeof link) {
            int err = n < 0 ? errno : ENAMETOOLONG;
            free(cur);
            return tp__error_set(TP_ERR_IO, "%s: reading a symbolic link: %s", path,
                                 strerror(err));
        }
        link[n] = 0;
        char *next;
        if (link[0] == '/' || !strchr(cur, '/')) {
            next = strdup(link);
        } else { /* relative to the link's own directory */
            char *dir = dir_of(cur);
            size_t size = dir ? strlen(dir) + 1 + (size_t)n + 1 : 0;
            next = dir ? malloc(size) : NULL;
            if (next)
                snprintf(next, size, "%s/%s", dir, link);
            free(dir);
        }
        free(cur);
        if (!next)
            return TP_ERR_OUT_OF_MEMORY;
        cur = next;
    }
}

/* Everything tp_output_check() promises, keeping what it found for tp_output_open(). */
static tp_result prepare(const char *path, char **out_target, struct stat *out_st,
                         int *out_exists, char **out_dir)
{
    *out_target = *out_dir = NULL;
    if (!*path)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "empty output path");
    char *target = NULL;
    tp_result r = resolve(path, &target, out_st, out_exists);
    if (r != TP_OK)
        return r;
    if (*out_exists && !S_ISREG(out_st->st_mode)) {
        r = not_a_file(path, target, out_st->st_mode);
        free(target);
        return r;
    }
    char *dir = dir_of(target);
    if (!dir) {
        free(target);
        return TP_ERR_OUT_OF_MEMORY;
    }
    struct stat ds;
    int err = 0;
    if (stat(dir, &ds) != 0)
        err = errno;
    else if (!S_ISDIR(ds.st_mode))
        err = ENOTDIR;
    else if (faccessat(AT_FDCWD, dir, W_OK | X_OK, AT_EACCESS) != 0)
        err = errno;
    if (err) {
        r = tp__error_set(TP_ERR_IO, "%s: cannot create files in the directory %s: %s", path,
                          dir, strerror(err));
    } else {
        /* The temporary's name is the longest this writes: check it, not the target's. */
        long name_max = pathconf(dir, _PC_NAME_MAX);
        if (name_max <= 0)
            name_max = NAME_MAX;
        size_t suffix = temp_suffix_length();
        size_t name = strlen(base_of(target)) + suffix, whole = strlen(target) + suffix;
        if (name > (size_t)name_max)
            r = tp__error_set(TP_ERR_IO, "%s: the name of its temporary file would be %zu "
                                         "bytes, over the file system's %ld: %s",
                              path, name, name_max, strerror(ENAMETOOLONG));
        else if (whole >= PATH_MAX)
            r = tp__error_set(TP_ERR_IO, "%s: the path of its temporary file would be %zu "
                                         "bytes, over the system's %d: %s",
                              path, whole, PATH_MAX - 1, strerror(ENAMETOOLONG));
    }
    if (r != TP_OK) {
        free(dir);
        free(target);
        return r;
    }
    *out_target = target;
    *out_dir = dir;
    return TP_OK;
}

tp_result tp_output_check(const char *path, char **out_dir)
{
    assert(path);
    if (out_dir)
        *out_dir = NULL;
    char *target, *dir;
    struct stat st;
    int exists;
    tp_result r = prepare(path, &target, &st, &exists, &dir);
    if (r != TP_OK)
        return r;
    free(target);
    if (out_dir)
        *out_dir = dir;
    else
        free(dir);
    return TP_OK;
}

/* ---- writing ---------------------------------------------------------------------- */

/* Creates "<target>.tmp-<pid>-<nonce>" exclusively. The nonce mixes the clock with a
 * per-process counter, so threads of one process never collide; O_EXCL settles the rest. */
static int create_temporary(const char *target, char *name, size_t name_size, mode_t mode)
{
    static atomic_uint counter;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    uint64_t nonce = (uint64_t)now.tv_nsec * 0x9E3779B97F4A7C15ull ^ (uint64_t)now.tv_sec ^
                     (uint64_t)atomic_fetch_add(&counter, 1u) << 32;
    for (int attempt = 0; attempt < CREATE_ATTEMPTS; attempt++) {
        nonce = nonce * 6364136223846793005ull + 1442695040888963407ull;
        snprintf(name, name_size, "%s" TEMP_INFIX "%ld-%08x", target, (long)getpid(),
                 (unsigned)(nonce >> 32));
        int fd = open(name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd >= 0 || errno != EEXIST)
            return fd;
    }
    errno = EEXIST;
    return -1;
}

/* Gives the temporary the replaced file's owner, group and mode. The owner first: chown
 * clears set-id bits, and the mode restores them. Owner and group are best effort (only
 * root may give a file away; a group's member may set it); the mode must succeed. */
static int carry_over_metadata(int fd, const struct stat *old)
{
    struct stat now;
    if (fstat(fd, &now) != 0)
        return errno;
    if ((now.st_uid != old->st_uid || now.st_gid != old->st_gid) &&
        fchown(fd, old->st_uid, old->st_gid) != 0 && fchown(fd, (uid_t)-1, old->st_gid) != 0)
        errno = 0; /* not permitted: the file stays the process's, as a new one would */
    return fchmod(fd, old->st_mode & 07777) != 0 ? errno : 0;
}

static void release(tp_output_file *f)
{
    free(f->path);
    free(f->target);
    free(f->temp);
    free(f->dir);
    *f = (tp_output_file){.fd = -1};
}

tp_result tp_output_open(const char *path, tp_output_file *out_file)
{
    assert(path && out_file);
    tp_output_file *f = out_file;
    *f = (tp_output_file){.fd = -1};
    struct stat st;
    int exists;
    tp_result r = prepare(path, &f->target, &st, &exists, &f->dir);
    if (r != TP_OK)
        return r;
    size_t temp_size = strlen(f->target) + TEMP_SUFFIX_MAX + 1;
    f->path = strdup(path);
    f->temp = malloc(temp_size);
    if (!f->path || !f->temp) {
        release(f);
        return TP_ERR_OUT_OF_MEMORY;
    }
    /* An existing file's mode is set below; until then nobody else may open the file. */
    f->fd = create_temporary(f->target, f->temp, temp_size, exists ? 0600 : 0666);
    if (f->fd < 0) {
        r = tp__error_set(TP_ERR_IO, "%s: cannot create its temporary file: %s", path,
                          strerror(errno));
        release(f);
        return r;
    }
    int err = exists ? carry_over_metadata(f->fd, &st) : 0;
    if (err) {
        r = tp__error_set(TP_ERR_IO, "%s: cannot give the new file the old one's mode: %s",
                          path, strerror(err));
        tp_output_discard(f);
        return r;
    }
    return TP_OK;
}

FILE *tp_output_stream(tp_output_file *file)
{
    assert(file && file->temp);
    if (!file->stream)
        file->stream = fdopen(file->fd, "wb");
    return file->stream;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int err = fsync(fd) != 0 && errno != EINVAL ? errno : 0;
    close(fd);
    return err;
}

/* Flushes, fsyncs and closes the temporary. @return 0 or the errno of the first failure,
 * with *out_what saying which step. */
static int close_temporary(tp_output_file *f, const char **out_what)
{
    int err = 0;
    *out_what = "writing";
    if (f->stream) {
        errno = 0;
        if (fflush(f->stream) != 0)
            err = errno ? errno : EIO;
        else if (ferror(f->stream))
            err = EIO; /* an earlier write failed; its errno is gone */
        else if (fsync(fileno(f->stream)) != 0)
            err = errno, *out_what = "fsync";
        if (fclose(f->stream) != 0 && !err)
            err = errno, *out_what = "closing the temporary file";
        f->stream = NULL;
    } else {
        if (fsync(f->fd) != 0)
            err = errno, *out_what = "fsync";
        if (close(f->fd) != 0 && !err)
            err = errno, *out_what = "closing the temporary file";
    }
    f->fd = -1;
    return err;
}

tp_result tp_output_commit(tp_output_file *file)
{
    assert(file && file->temp);
    tp_output_file *f = file;
    const char *what;
    int err = close_temporary(f, &what);
    tp_result r = TP_OK;
    if (err) {
        r = tp__error_set(TP_ERR_IO, "%s: %s: %s", f->path, what, strerror(err));
    } else {
        struct stat st;
        if (lstat(f->target, &st) == 0 && !S_ISREG(st.st_mode))
            r = not_a_file(f->path, f->target, st.st_mode);
        else if (rename(f->temp, f->target) != 0)
            r = tp__error_set(TP_ERR_IO, "%s: renaming the temporary file into place: %s",
                              f->path, strerror(errno));
    }
    if (r != TP_OK) {
        unlink(f->temp);
    } else if ((err = fsync_dir(f->dir)) != 0) {
        r = tp__error_set(TP_ERR_IO, "%s: file written, but syncing its directory failed: %s",
                          f->path, strerror(err));
    }
    release(f);
    return r;
}

void tp_output_discard(tp_output_file *file)
{
    if (!file || !file->temp) /* nothing open: a failed open, or already released */
        return;
    if (file->stream)
        fclose(file->stream);
    else if (file->fd >= 0)
        close(file->fd);
    unlink(file->temp);
    release(file);
}

/* ---- leftovers of dead processes -------------------------------------------------- */

/* The pid in `name` if it is "<base>.tmp-<pid>-<8 hex digits>" exactly, else 0. */
static long temp_owner(const char *name, const char *base, size_t base_len)
{
    static const char infix[] = TEMP_INFIX;
    if (strncmp(name, base, base_len) != 0 ||
        strncmp(name + base_len, infix, sizeof infix - 1) != 0)
        return 0;
    const char *p = name + base_len + sizeof infix - 1;
    long pid = 0;
    const char *digits = p;
    for (; *p >= '0' && *p <= '9'; p++) {
        if (pid > (LONG_MAX - 9) / 10)
            return 0;
        pid = pid * 10 + (*p - '0');
    }
    if (p == digits || *p != '-' || (pid_t)pid != pid)
        return 0;
    p++;
    for (int i = 0; i < TEMP_NONCE_DIGITS; i++, p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return 0;
    return *p == 0 ? pid : 0;
}

unsigned tp_output_remove_stale(const char *path)
{
    assert(path);
    char *target = NULL;
    struct stat st;
    int exists;
    if (!*path || resolve(path, &target, &st, &exists) != TP_OK)
        return 0;
    char *dir = dir_of(target);
    DIR *d = dir ? opendir(dir) : NULL;
    const char *base = base_of(target);
    size_t base_len = strlen(base);
    unsigned removed = 0;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        long pid = temp_owner(e->d_name, base, base_len);
        if (pid <= 0 || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* not ours, or its process lives (or is another user's: EPERM) */
        struct stat es;
        if (fstatat(dirfd(d), e->d_name, &es, AT_SYMLINK_NOFOLLOW) == 0 &&
            S_ISREG(es.st_mode) && unlinkat(dirfd(d), e->d_name, 0) == 0)
            removed++;
    }
    if (d)
        closedir(d);
    free(dir);
    free(target);
    return removed;
}
