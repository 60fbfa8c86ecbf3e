/* terrapage/writer.h — writing a page file (world.tpk): the baker's side.
 *
 * The writer is its own library, tp_writer, and this header is not installed with the
 * game library: libterrapage carries the reader and the codecs (terrapage/pagefile.h)
 * but not these functions. Link terrapage::writer to use them.
 *
 *   tp_file_desc desc = {0};
 *   desc.seed = 42; desc.params_hash = ...; desc.params_blob = blob; ...
 *   desc.layers[0] = (tp_layer_desc){ TP_LAYER_HEIGHT, TP_ELEM_U16, 5, 129,
 *                                     TP_ENCODING_SLOPE_BITPLANE_LZ4 };
 *   if (tp_writer_check_output("world.tpk") != TP_OK) ...;  // first, before any work
 *   tp_writer *w;
 *   if (tp_writer_create("world.tpk", &desc, &w) != TP_OK) ...;   // tp_error_detail() says why
 *   // for each chunk in Morton order, for each layer and LOD:
 *   size_t cap = tp_blob_encode_bound(raw_bytes), size; uint32_t enc;
 *   tp_blob_encode(TP_ELEM_U16, 129, heights, raw_bytes, 9, buf, cap, &size, &enc);
 *   tp_writer_add_blob(w, cx, cz, TP_LAYER_HEIGHT, 0, enc, buf, size, raw_bytes, 0);
 *   tp_writer_set_chunk_bounds(w, cx, cz, &bounds);
 *   r = tp_writer_finish(w);        // or tp_writer_abort(w): the old world.tpk stays
 *
 * Threads: one thread drives a writer (calls are not synchronised). Encoding may run on
 * many threads; hand the results to the writer in a fixed order.
 *
 * Ordering contract: inside each LOD section, blobs appear in the order of the
 * tp_writer_add_blob() calls, and the file is byte-identical for the same sequence of
 * calls (with the same arguments), whatever the thread count or timing of the caller. The
 * baker adds chunks in Morton (Z) order of (cx − x0, cz − z0), all layers and LODs of a
 * chunk together, so that neighbouring chunks share pages.
 *
 * Output path: the file is put at `path` by the rules of terrapage/output_file.h: only a
 * regular file is replaced (or a new one created), a symbolic link is followed and its
 * target replaced, the target's mode (and, as root, owner) is kept, and a directory,
 * device, FIFO or socket is refused — by tp_writer_check_output() and tp_writer_create(),
 * before any work, together with a directory the process cannot create files in and a
 * name too long for its temporary sibling.
 *
 * Durability: a file already at `path` is untouched until tp_writer_finish() succeeds,
 * and no temporary file remains after any failure or tp_writer_abort(). Until finish, the
 * data lives in nameless temporary files in the target's directory, which vanish even if
 * the process is killed; finish writes "<name>.tmp-<pid>-<8 hex digits>" beside the
 * target, fsyncs it and renames it into place (a caller that must survive SIGINT there
 * can block the signal around the call). A process killed during finish leaves that
 * temporary behind (up to the whole file); tp_writer_create() removes such leftovers of
 * the same target whose process no longer exists (tp_output_remove_stale(): only regular
 * files of exactly that name pattern, only when kill(pid, 0) fails with ESRCH).
 * Memory does not grow with the world: the writer keeps the block table (16 bytes per
 * 16×16-chunk tile of the region, 64 KiB for a million chunks), the directory block of
 * the tile being filled (256 · (16 + 32 · slots) bytes, 140 KiB with 17 slots) and fixed
 * buffers (256 KiB per LOD, 2 MiB at finish); blobs and the other directory blocks wait
 * in nameless spill files. Adding chunks tile by tile (as the Morton order does) writes
 * each block to its spill once; a chunk of a tile left earlier reads that block back.
 * Disk: about twice the final size during finish.
 *
 * Shards (FORMAT.md section 13): a desc with shard_count > 0 makes a shard file, which
 * declares the whole region, accepts only the chunks of shard shard_index's tiles and
 * records the shard in its header. tp_writer_add_blob_copy() is merging's side: the
 * blob's bytes stay in their file until finish copies them (terrapage/merge.h).
 */
#ifndef TERRAPAGE_WRITER_H
#define TERRAPAGE_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/pagefile.h"
#include "terrapage/result.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tp_writer tp_writer;

/*! tp_writer_check_output() :
 *  Checks that a page file can be written at `path` (see "Output path" above), without
 *  creating, opening or removing anything: call it before any work, so that a bad path
 *  fails at once rather than after the bake.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for an empty path; TP_ERR_IO with
 *  tp_error_detail() naming the path and the problem ("out.tpk: is a directory, not a
 *  regular file; ...", "...: Permission denied", "...: File name too long");
 *  TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_writer_check_output(const char *path);

/*! tp_writer_create() :
 *  Validates `desc` (copied, params blob included) and `path` (as
 *  tp_writer_check_output() does), removes the temporaries that dead processes left while
 *  writing the same target, and creates the writer's nameless temporary files in the
 *  target's directory.
 *  @return TP_OK with *out_writer set; TP_ERR_INVALID_ARGUMENT for a bad desc or an
 *  empty path; TP_ERR_IO (with the path and errno text in tp_error_detail()) for a path
 *  tp_writer_check_output() refuses or a directory where the files cannot be created;
 *  TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_writer_create(const char *path, const tp_file_desc *desc,
                                  tp_writer **out_writer);

/*! tp_writer_add_blob() :
 *  Appends one stored blob for (chunk, layer, LOD); the bytes are copied out before the
 *  call returns. raw_size is the decoded size (edge² · elem size for grid layers), aux
 *  a free 32-bit value kept in the directory (a mesh's max error, float bits; else 0).
 *  Marks the chunk present.
 *  @return TP_OK; TP_ERR_OUT_OF_RANGE for a chunk outside the region (or, in a shard,
 *  outside the shard's tiles) or an LOD the layer does not store; TP_ERR_NOT_FOUND for a
 *  layer not in the desc; TP_ERR_INVALID_ARGUMENT for a slot added twice, an empty blob, inconsistent sizes or an encoding that does not
 *  fit the layer (anything a reader would refuse); TP_ERR_OUT_OF_MEMORY; TP_ERR_IO. On
 *  failure the writer stays usable (an I/O failure makes finish fail). */
TP_API tp_result tp_writer_add_blob(tp_writer *w, int32_t cx, int32_t cz, uint32_t layer_id,
                                    uint32_t lod, uint32_t encoding, const void *stored,
                                    size_t stored_size, size_t raw_size, uint32_t aux);

/*! tp_writer_add_blob_copy() :
 *  As tp_writer_add_blob(), for a blob whose stored bytes lie in another file: the
 *  `stored_size` bytes at `source_offset` of `source_fd` (open for reading, and kept open
 *  and unchanged until finish returns), whose XXH3-64 the caller vouches is `checksum`.
 *  The blob is placed exactly as tp_writer_add_blob() would place the same bytes, so the
 *  same sequence of calls gives the same file; finish copies the bytes, in runs of
 *  consecutive blobs that keep their spacing in both files (including the source's padding
 *  between them), with copy_file_range() where the kernel can. A writer takes either kind
 *  of blob, not both.
 *  @return as tp_writer_add_blob(), and TP_ERR_INVALID_ARGUMENT for a negative fd or
 *  after blobs added as bytes. */
TP_API tp_result tp_writer_add_blob_copy(tp_writer *w, int32_t cx, int32_t cz,
                                         uint32_t layer_id, uint32_t lod, uint32_t encoding,
                                         int source_fd, uint64_t source_offset,
                                         uint64_t stored_size, uint64_t checksum,
                                         uint64_t raw_size, uint32_t aux);

/* Progress of tp_writer_finish(): bytes of data written or copied so far, of `total`. */
typedef void (*tp_writer_progress_fn)(void *user, uint64_t done, uint64_t total);

/*! tp_writer_set_progress() : has finish call `progress` (NULL: none) about every 64 MiB
 *  of data and once at the end, on finish's thread. */
TP_API void tp_writer_set_progress(tp_writer *w, tp_writer_progress_fn progress, void *user);

/*! tp_writer_set_chunk_bounds() :
 *  Records the bounds record of a chunk (TP_CHUNK_PRESENT is added to the flags).
 *  A chunk without one gets {0, 0, TP_CHUNK_PRESENT} once it has a blob.
 *  @return TP_OK; TP_ERR_OUT_OF_RANGE for a chunk outside the region (or the shard);
 *  TP_ERR_IO (the directory spill file). */
TP_API tp_result tp_writer_set_chunk_bounds(tp_writer *w, int32_t cx, int32_t cz,
                                            const tp_chunk_bounds *bounds);

/*! tp_writer_finish() :
 *  Writes the header and directory, assembles the LOD sections coarsest first into the
 *  temporary sibling of `path`'s target, fsyncs, renames it over the target and fsyncs
 *  the directory (tp_output_open() and tp_output_commit(), which check the path again).
 *  Frees `w` in all cases.
 *  @return TP_OK; TP_ERR_IO (e.g. "No space left on device" in tp_error_detail()), with
 *  the previous file at `path` untouched and the temporary removed; TP_ERR_OUT_OF_MEMORY;
 *  or the first error an earlier I/O failure recorded. */
TP_API tp_result tp_writer_finish(tp_writer *w);

/*! tp_writer_abort() : removes the temporary files and frees `w`. Accepts NULL. */
TP_API void tp_writer_abort(tp_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_WRITER_H */
