/* input_file.h — opening a file a tool reads as input, other than a page file (the
 * reader opens those, with the same rule): a path that is not a regular file is refused
 * at once. A FIFO would otherwise block the open until some writer appeared, for ever if
 * none does; a directory or a device is no input either.
 *
 *   char err[512];
 *   FILE *f = tpt_input_open("path.csv", err, sizeof err);
 *   if (!f) fprintf(stderr, "terrapage soak: %s\n", err);   // "path.csv: is a FIFO, ..."
 *
 * Thread rules: any thread. */
#ifndef TPT_INPUT_FILE_H
#define TPT_INPUT_FILE_H

#include <stddef.h>
#include <stdio.h>

/*! tpt_input_open() :
 *  Opens `path` for reading in binary mode without blocking (O_NONBLOCK, cleared again
 *  for a regular file), and refuses what fstat() says is not a regular file.
 *  @return the stream (fclose() it); NULL with "<path>: <why>" in `err`, e.g. "is a
 *  FIFO, not a regular file" or the errno text. */
FILE *tpt_input_open(const char *path, char *err, size_t err_size);

#endif /* TPT_INPUT_FILE_H */
