/* terrapage/baker.h — bakes a region of the world into a page file (world.tpk).
 *
 *   tp_bake_options o = {0};          // zero means default: seed 42, 64×64 chunks
 *   o.world.seed = 7;                 // centred on the origin, every layer and LOD,
 *   o.threads = 0;                    // all cores
 *   tp_bake_stats stats;
 *   if (tp_bake("world.tpk", &o, &stats) != TP_OK)
 *       fprintf(stderr, "%s\n", tp_error_detail());
 *
 * What is written: for every chunk of the region, the height codes, biome ids and
 * triangle mesh (tp_mesh_generate_chunk_blob(), its exact max error in the directory's
 * aux) at every LOD of the stride pyramid, and temperature and precipitation on the
 * climate grid (LOD 0 only), each blob compressed with tp_blob_encode() at the chosen
 * level,
 * plus each chunk's bounds record (LOD-0 min/max height code, TP_CHUNK_ALL_OCEAN when
 * every sample is below sea level). The decoded blobs are exactly what
 * tp_generate_chunk() returns for the same chunk and LOD, so a runtime that generates a
 * missing chunk gets the same bytes.
 *
 * Shards: with shard_count set, only the chunks of shard shard_index's tiles are baked,
 * into a shard file that `terrapage merge` (terrapage/merge.h) assembles with the other
 * shards into the very file one tp_bake() of the whole region writes.
 *
 * Determinism: chunks are generated and encoded on OpenMP threads in batches, and handed
 * to the writer in Morton (Z) order of (cx − x0, cz − z0) by one thread, so the file is
 * byte-identical for any thread count and any timing.
 *
 * Reuse (incremental bakes): with reuse_path set, a chunk whose inputs are unchanged is
 * copied from that earlier bake instead of being generated. A page's inputs are the
 * generator version, the world parameters (the parameter blob, which holds the seed,
 * samples per edge and every other parameter), the layer table (which layers and LODs,
 * meshes or not) and the compression level; the region is not one of them, so a grown,
 * shrunk or shifted region reuses every chunk the two regions share. Each copied blob's
 * XXH3-64 is checked on the copy; a chunk with a blob that fails (or is missing, or whose
 * directory block fails its checksum) is generated instead and counted in
 * chunks_rejected. A blob whose checksum holds is trusted: a file crafted with valid
 * checksums over other terrain would be copied. The output is byte-identical to a
 * bake without reuse_path. Rules:
 *   - reuse_path absent (ENOENT): every chunk is generated (the first build).
 *   - reuse_path not a readable page file (not a regular file, bad magic, corrupt or
 *     truncated header): TP_ERR_IO / the reader's error naming it, before any work.
 *   - another generator version, other parameters or layers, a shard file: nothing is
 *     reused, every chunk is generated and reuse_note says why.
 *   - The compression level is not recorded in a page file: before reusing anything the
 *     baker generates up to three chunks the regions share (first, middle and last in
 *     Morton order) and compares every blob with the old file's bytes; any difference
 *     (another --level, or another build's encoder) means nothing is reused. Levels that
 *     happen to encode those chunks identically cannot be told apart, so give the same
 *     level as the earlier bake.
 *   - reuse_path may be `path` itself: it is opened (mapped) before the bake and the old
 *     file stays readable after the new one is renamed over it. It must not be modified in
 *     place during the bake (terrapage only ever replaces page files by rename).
 *
 * Durability: as tp_writer_finish() — the previous file at `path` stays untouched until
 * the new one is complete and renamed into place; a failed or cancelled bake leaves no
 * temporary file, and a bake removes the temporaries that killed bakes of the same
 * target left (terrapage/writer.h). The output path is checked before any work
 * (tp_writer_check_output()): a directory, device, FIFO or socket there, an unwritable
 * directory or a name too long for the temporary fails at once. Thread rules: tp_bake() may run on any thread; it starts its own
 * OpenMP team and calls `progress` only from the calling thread.
 */
#ifndef TERRAPAGE_BAKER_H
#define TERRAPAGE_BAKER_H

#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/pagefile.h"
#include "terrapage/result.h"
#include "terrapage/shard.h"
#include "terrapage/world.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The default region: 64 × 64 chunks centred on the origin, x and z in [−32, 32). */
#define TP_BAKE_DEFAULT_REGION_EDGE 64u

/* How large a bake may be: any region the page file can describe (width and height up to
 * 2^32 − 1 chunks, coordinates within int32). A bake's memory does not grow with the
 * region except for the writer's block table, 16 bytes per 16×16-chunk tile (64 KiB for
 * a million chunks, 64 MiB for 2^30); the file takes the same 16 bytes per tile, and the
 * disk about twice the final size while the file is assembled. A region whose table
 * cannot be allocated fails at once with TP_ERR_OUT_OF_MEMORY. */

/* The most threads a bake may ask for. */
#define TP_BAKE_MAX_THREADS 4096u

/* Progress callback: called from tp_bake()'s thread after each batch of chunks has been
 * handed to the writer, with done rising strictly; the last call has done == total.
 * Return non-zero to cancel the bake (tp_bake() then returns TP_ERR_CANCELLED and writes
 * nothing). */
typedef int (*tp_bake_progress_fn)(void *user, uint64_t chunks_done, uint64_t chunks_total);

/* Option flags. */
#define TP_BAKE_NO_MESHES 0x1u /* leave out the mesh layer (grids only: a faster bake) */

/* Options of tp_bake(). Zero-initialise: every 0 field takes its default. */
typedef struct tp_bake_options {
    tp_world_params world;      /* the world to bake; zero fields take their defaults */
    int32_t region_x0;          /* first chunk of the region (with region_width == 0, the */
    int32_t region_z0;          /*   default region is used and these are ignored) */
    uint32_t region_width;      /* chunks along +x; 0 → the default region */
    uint32_t region_height;     /* chunks along +z; 0 → region_width */
    uint32_t threads;           /* OpenMP threads, ≤ TP_BAKE_MAX_THREADS; 0 → OpenMP's
                                   default (all cores) */
    int compression_level;      /* as tp_blob_encode(): 0 → default, 1 … 12 LZ4HC,
                                   negative → fast LZ4 */
    tp_bake_progress_fn progress; /* NULL → no progress calls */
    void *progress_user;
    uint32_t flags;             /* TP_BAKE_*; unknown bits are refused */
    uint32_t shard_count;       /* 0 → bake the whole region into one page file; 1 …
                                   TP_SHARD_MAX_COUNT → bake only shard shard_index's
                                   share of the region's tiles into a shard file
                                   (terrapage/shard.h, FORMAT.md section 13), for
                                   `terrapage merge` to assemble */
    uint32_t shard_index;       /* < shard_count (0 without shards) */
    const char *reuse_path;     /* NULL → generate every chunk; else an earlier bake
                                   whose unchanged pages are copied ("Reuse" above) */
    uint32_t reserved[5];       /* must be 0 */
} tp_bake_options;

/* Totals of one (layer, LOD) of a bake. */
typedef struct tp_bake_layer_stats {
    uint64_t blobs;
    uint64_t stored_bytes;      /* as written (after encoding) */
    uint64_t raw_bytes;         /* decoded */
} tp_bake_layer_stats;

/* What a bake did. Layers are indexed by layer id. */
typedef struct tp_bake_stats {
    uint64_t chunks;
    uint64_t chunks_total;      /* chunks the bake (or its shard) holds when complete */
    uint64_t file_bytes;        /* size of the finished file */
    uint32_t threads;           /* threads actually used */
    double seconds;             /* wall time of the whole bake, finish included */
    double generate_seconds;    /* summed over threads: generating fields */
    double mesh_seconds;        /* summed over threads: building and encoding meshes */
    double encode_seconds;      /* summed over threads: compressing blobs */
    tp_bake_layer_stats layers[TP_MAX_LAYERS][TP_MAX_LODS];
    uint64_t chunks_reused;     /* copied from reuse_path, every blob verified */
    uint64_t chunks_rejected;   /* present in reuse_path but a blob failed its checksum
                                   (or was missing or misshapen): generated instead */
    char reuse_note[256];       /* with reuse_path: why nothing could be reused, or "" */
} tp_bake_stats;

/*! tp_bake_stats_layer_total() :
 *  Sums one layer's stats over its LODs. @return the number of LODs with blobs. */
static inline uint32_t tp_bake_stats_layer_total(const tp_bake_stats *stats, uint32_t layer_id,
                                                 uint64_t *out_stored, uint64_t *out_raw)
{
    uint32_t lods = 0;
    *out_stored = *out_raw = 0;
    for (uint32_t lod = 0; layer_id < TP_MAX_LAYERS && lod < TP_MAX_LODS; lod++) {
        const tp_bake_layer_stats *ls = &stats->layers[layer_id][lod];
        lods += ls->blobs != 0;
        *out_stored += ls->stored_bytes;
        *out_raw += ls->raw_bytes;
    }
    return lods;
}

/*! tp_bake() :
 *  Bakes the region described by `options` (NULL → every default) into `path`.
 *  `stats` may be NULL.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT (an empty path, bad world parameters, an empty
 *  or overflowing region, a shard index not below its count or a count above
 *  TP_SHARD_MAX_COUNT, too many threads, unknown flags, non-zero reserved fields); TP_ERR_CANCELLED when `progress`
 *  asked to stop; TP_ERR_IO (an output path tp_writer_check_output() refuses — checked
 *  first, before any chunk is generated or `progress` called —, a full disk:
 *  tp_error_detail() names the file and the problem); TP_ERR_OUT_OF_MEMORY. On any
 *  failure the previous file at `path`, if any, is untouched and no temporary file
 *  remains. */
TP_API tp_result tp_bake(const char *path, const tp_bake_options *options,
                         tp_bake_stats *stats);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_BAKER_H */
