/* terrapage/merge.h — assembling the shard files of a sharded bake into one page file.
 *
 *   const char *shards[] = {"world.0.tpk", "world.1.tpk", "world.2.tpk"};  // any order
 *   tp_merge_stats stats;
 *   if (tp_merge(shards, 3, "world.tpk", NULL, &stats) != TP_OK)
 *       fprintf(stderr, "%s\n", tp_error_detail());    // names the shard and the problem
 *
 * The result is byte-identical to the file one process writes when it bakes the whole
 * region (FORMAT.md section 13): the shards' blobs are placed by the writer exactly as
 * that bake places them, and copied in runs with copy_file_range() (a read/write loop
 * where the kernel cannot); only the header and the directory are written anew.
 *
 * Before anything is written every shard is checked, and a merge is refused, with no
 * output file left and any previous file at `path` untouched, when a shard cannot be
 * read or is corrupt (header, block table, directory blocks, and, unless
 * TP_MERGE_NO_BLOB_CHECK, every blob's checksum), is a whole page file rather than a
 * shard, does not match the others (format version, seed, parameters, generator
 * version, region, samples, LODs, layers, quantisation, compression level or shard
 * count), is given twice, is missing, stores tiles other than its share, lacks a chunk
 * or blob of its share, or holds blobs out of the baker's order.
 *
 * Memory: the writer's (terrapage/writer.h), 4 MiB of read buffers, and per shard file a
 * reader that holds its block table (16 bytes per 16×16-chunk tile of the region: every
 * shard declares the whole region) and the directory block being walked; all shards stay
 * open until the merge ends. Time: one pass over every shard's directory and, with blob
 * checks, one read of its data.
 * Part of tp_writer (tool-time). One thread; `progress` is called on it.
 */
#ifndef TERRAPAGE_MERGE_H
#define TERRAPAGE_MERGE_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/result.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Stages a merge reports progress in. */
typedef enum tp_merge_stage {
    TP_MERGE_CHECKING = 1, /* walking the shards' chunks, checking their blobs: chunks */
    TP_MERGE_COPYING = 2,  /* copying the data into the output: bytes */
} tp_merge_stage;

/* Progress callback: `done` of `total` in the stage's unit. Return non-zero to cancel
 * (tp_merge() then returns TP_ERR_CANCELLED and writes nothing). */
typedef int (*tp_merge_progress_fn)(void *user, tp_merge_stage stage, uint64_t done,
                                    uint64_t total);

#define TP_MERGE_NO_BLOB_CHECK 0x1u /* trust the blobs' checksums instead of reading every
                                       blob to check them (the directory is still checked) */

/* Options of tp_merge(). Zero-initialise: every 0 field takes its default. */
typedef struct tp_merge_options {
    tp_merge_progress_fn progress; /* NULL → none */
    void *progress_user;
    uint32_t flags;                /* TP_MERGE_*; unknown bits are refused */
    uint32_t reserved[5];          /* must be 0 */
} tp_merge_options;

/* What a merge did. */
typedef struct tp_merge_stats {
    uint32_t shards;      /* shard files merged (the shard count) */
    uint32_t reserved0;
    uint64_t chunks;      /* chunks in the merged file */
    uint64_t blobs;
    uint64_t data_bytes;  /* bytes of the data region copied */
    uint64_t file_bytes;  /* size of the merged file */
    double check_seconds; /* walking and checking the shards */
    double seconds;       /* the whole merge */
} tp_merge_stats;

/*! tp_merge() :
 *  Merges the `shard_count` shard files at `shards` (any order) into the page file
 *  `path`, which is replaced by the rules of terrapage/writer.h. `options` and `stats`
 *  may be NULL.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT (no shards, bad options, a file that is not a
 *  shard, shards that do not match, a shard given twice or missing — tp_error_detail()
 *  names the shard and the problem); TP_ERR_CORRUPT (a shard whose tiles, chunks or
 *  blobs are not its share in the baker's order); what tp_reader_open() and the reader's
 *  lookups return for a shard that cannot be read or is damaged (TP_ERR_IO,
 *  TP_ERR_CHECKSUM, TP_ERR_TRUNCATED, …); TP_ERR_CANCELLED; TP_ERR_IO for the output;
 *  TP_ERR_OUT_OF_MEMORY. On any failure no output file remains. */
TP_API tp_result tp_merge(const char *const *shards, size_t shard_count, const char *path,
                          const tp_merge_options *options, tp_merge_stats *stats);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_MERGE_H */
