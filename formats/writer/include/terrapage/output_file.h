/* terrapage/output_file.h — replacing a file safely: the one way terrapage puts a file at
 * a path its user chose (page files from the writer, the tools' PNG and OBJ files).
 *
 *   if (tp_output_check(path, NULL) != TP_OK)   // first, before any work
 *       ...;                                    // tp_error_detail(): "out.png: is a FIFO ..."
 *   ... the work ...
 *   tp_output_file f;
 *   if (tp_output_open(path, &f) != TP_OK) ...;
 *   write(f.fd, data, size);                    // or FILE *s = tp_output_stream(&f)
 *   if (failed)
 *       tp_output_discard(&f);                  // the old file stays; no temporary remains
 *   else if (tp_output_commit(&f) != TP_OK) ...;
 *
 * The rules:
 *  - Only a regular file is replaced, or a new one created. A symbolic link is followed
 *    (up to TP_OUTPUT_MAX_LINKS of them; a relative one from its own directory) and its
 *    target is replaced, so the link stays a link. Anything else — a directory, a
 *    character or block device, a FIFO, a socket — is refused with TP_ERR_IO and a
 *    detail naming the path and what it is, and is never opened: a FIFO would block, a
 *    device would swallow the data.
 *  - The new file keeps the replaced file's permission bits, and its owner and group
 *    where the process may set them (as root); a new file gets 0666 & ~umask, as open()
 *    gives. ACLs, extended attributes and other hard links of the old file are not
 *    carried over: the name gets a new inode.
 *  - The data goes to a temporary sibling, "<name>.tmp-<pid>-<8 hex digits>" in the
 *    target's directory (so the rename stays on one file system), created exclusively
 *    (O_EXCL, never following a link); commit fsyncs it, checks that the target is still
 *    a regular file or absent, renames it over the target and fsyncs the directory.
 *    Readers see the old file or the complete new one, never a part.
 *  - A process killed between open and commit leaves its temporary behind;
 *    tp_output_remove_stale() removes those whose process is gone.
 *
 * This is part of tp_writer, the tool-time library: games never link it.
 * Threads: any thread; one tp_output_file is used by one thread at a time.
 */
#ifndef TERRAPAGE_OUTPUT_FILE_H
#define TERRAPAGE_OUTPUT_FILE_H

#include <stdio.h>

#include "terrapage/export.h"
#include "terrapage/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The most symbolic links followed from an output path to its target (Linux's limit). */
#define TP_OUTPUT_MAX_LINKS 40

/* A file being written. The caller owns the struct; its fields are for reading. */
typedef struct tp_output_file {
    int fd;          /* open for writing on `temp` (owned by `stream` once that is set) */
    FILE *stream;    /* set by tp_output_stream(), NULL before */
    char *path;      /* the path as the caller gave it, for messages */
    char *target;    /* what commit replaces: `path` with its symbolic links followed */
    char *temp;      /* the temporary sibling; NULL once the file is committed or discarded */
    char *dir;       /* the target's directory */
} tp_output_file;

/*! tp_output_check() :
 *  Checks, without opening or creating anything, that `path` can be replaced: it is a
 *  regular file, a symbolic link that leads to one or to a name not yet taken, or a new
 *  name; its directory exists and the process may create files in it; and the temporary
 *  sibling's name fits the file system (NAME_MAX of the directory, PATH_MAX). If
 *  `out_dir` is not NULL it receives the target's directory (malloc'd; free() it).
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for an empty path; TP_ERR_IO with the detail
 *  naming the path and the problem ("is a directory", "is a character device",
 *  "Permission denied", "File name too long", "Too many levels of symbolic links");
 *  TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_output_check(const char *path, char **out_dir);

/*! tp_output_open() :
 *  Checks `path` as tp_output_check() does and creates the temporary sibling, with the
 *  target's mode (and owner and group where allowed) or 0666 & ~umask for a new file.
 *  @return TP_OK with *out_file open; or what tp_output_check() returns, or TP_ERR_IO
 *  when the temporary cannot be created, with *out_file holding nothing to release
 *  (tp_output_discard() on it does nothing). */
TP_API tp_result tp_output_open(const char *path, tp_output_file *out_file);

/*! tp_output_stream() :
 *  A stdio stream ("wb") on the open file, for writers that print; it then owns the
 *  descriptor, and commit or discard closes it. Called again, returns the same stream.
 *  @return the stream, or NULL (errno set) if stdio cannot allocate one. */
TP_API FILE *tp_output_stream(tp_output_file *file);

/*! tp_output_commit() :
 *  Flushes and fsyncs the temporary file, closes it, checks that the target is still a
 *  regular file or absent, renames the temporary over it and fsyncs the directory.
 *  Releases `file` in all cases.
 *  @return TP_OK; TP_ERR_IO (a failed write, flush or fsync — including an earlier
 *  failed write on the stream —, a target that became something other than a regular
 *  file, a failed rename: the old file is untouched and the temporary removed; or a
 *  failed directory fsync after the rename: the new file is in place). */
TP_API tp_result tp_output_commit(tp_output_file *file);

/*! tp_output_discard() :
 *  Closes and removes the temporary file, leaving the target as it was, and releases
 *  `file`. Accepts a file that open failed on, or one already committed or discarded. */
TP_API void tp_output_discard(tp_output_file *file);

/*! tp_output_remove_stale() :
 *  Removes, from the directory of `path`'s target, the temporaries that processes which
 *  no longer exist left while replacing that same target: regular files named
 *  "<name>.tmp-<pid>-<8 hex digits>" exactly, whose pid kill(pid, 0) reports gone
 *  (ESRCH). Temporaries of live processes, of other names, and anything that is not a
 *  regular file are left alone. (In a directory that processes on several machines
 *  write, as over NFS, a pid says nothing about another machine's processes: write each
 *  output from one machine.)
 *  @return the number of files removed (0 when the directory cannot be read). */
TP_API unsigned tp_output_remove_stale(const char *path);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_OUTPUT_FILE_H */
