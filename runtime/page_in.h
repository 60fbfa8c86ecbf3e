/* page_in.h — turning (chunk, LOD) into decoded data: where the runtime reads a page from
 * the file and where it generates one instead, both through the page abstraction the
 * baker writes with (terrapage/page.h), so a generated page is the page the file holds.
 *
 * The interface, all of it:
 *   tp__page_source  what pages come from: the file and the world; read-only after open,
 *                    shared by the game thread and the workers
 *   tp__scratch      one thread's fixed working memory for page-ins
 *   tp__page_in()                  a job's page, into the job's block (a worker, or the
 *                                  game thread in the deterministic mode)
 *   tp__page_read_coarsest()       the coarsest LOD of a baked chunk, read on the game
 *                                  thread (update() fills a view the camera lands in)
 *   tp__page_generate_coarsest()   a coarsest LOD generated on the game thread (in
 *                                  update(), for a chunk absent or damaged)
 *   tp__page_source_bounds()       the file's bounds record of a chunk
 * No other file reads the page file or calls the generator. */
#ifndef TP_RUNTIME_PAGE_IN_H
#define TP_RUNTIME_PAGE_IN_H

#include <stddef.h>
#include <stdint.h>

#include "jobs.h"
#include "layout.h"
#include "terrapage/page.h"
#include "terrapage/pagefile.h"
#include "terrapage/runtime.h"
#include "terrapage/world.h"

typedef struct tp__page_source {
    tp_page_layout page;        /* what a page holds, and the world that generates it (a
                                   file's, checked by tp_page_layout_from_file) */
    tp_reader *reader;          /* NULL for a generated world; reads with pread, through
                                   the caller's callback or the mapping, as the options say */
    const tp__layout *layout;
} tp__page_source;

/* Working memory of one thread that turns jobs into pages (a worker, or the game
 * thread in the deterministic mode and for update()'s coarsest LODs). Fixed
 * size, allocated once; not decoded data, so outside the budget (stats scratch_bytes). */
typedef struct tp__scratch {
    void *page;             /* tp_page_scratch_size(): pread and callback reads, and the
                               mesh builder; none for a mapped file without meshes */
    void *mesh_raw;         /* one mesh encoding: read from the file, or freshly built */
    size_t page_bytes, mesh_raw_bytes;
} tp__scratch;

/* A mesh encoding a page-in left in its scratch (mesh_raw), with what the file or the
 * builder says of it. */
typedef struct tp__mesh_raw {
    const void *bytes;
    size_t size;
    float error_m;          /* the file's record, or the builder's measure or promise */
    uint32_t flags;         /* TP_CHUNK_MESH_* */
} tp__mesh_raw;

/* ---- The source ---------------------------------------------------------------------- */

void tp__page_source_init(tp__page_source *src);

/* Opens the page file at `path` with the options' way of reading (pread unless the
 * options give a callback or TP_STREAMER_MMAP) and checks that its world is this generator's (the one file check,
 * tp_page_layout_from_file) and that its first few stored pages are that world's
 * (tp_page_check_file); reports whether it holds meshes and which chunks it bakes.
 * Errors carry a detail naming the file. */
tp_result tp__page_source_open_file(tp__page_source *src, const char *path,
                                    const tp_streamer_options *o, int *out_has_meshes,
                                    tp__region *out_region);

/* No file: every page is generated from `world` (resolved here). */
tp_result tp__page_source_open_world(tp__page_source *src, const tp_world_params *world);

/* The layout the pages follow (once it is known): with layout->meshes off, pages are
 * read and generated without their mesh. */
void tp__page_source_bind(tp__page_source *src, const tp__layout *layout);

void tp__page_source_close(tp__page_source *src);

/* The file's bounds record of (cx, cz); TP_ERR_NOT_FOUND when the file has none (or
 * there is no file). */
tp_result tp__page_source_bounds(const tp__page_source *src, int32_t cx, int32_t cz,
                                 tp_chunk_bounds *out_bounds);

/* ---- Working memory ------------------------------------------------------------------ */

/* for_jobs: sized for any page (a worker, or the game thread in the deterministic
 * mode); otherwise for the coarsest LOD only (update()'s own reads and generation). */
tp_result tp__scratch_alloc(const tp__page_source *src, const tp_streamer_allocator *mem,
                            tp__scratch *sc, int for_jobs);
void tp__scratch_free(const tp_streamer_allocator *mem, tp__scratch *sc);
size_t tp__scratch_bytes(const tp__scratch *sc);

/* ---- Pages --------------------------------------------------------------------------- */

/* Fills job->block with the page (job->lod of job->cx, job->cz) and sets the job's
 * results: read from the file when the chunk is baked and its blobs are sound, else
 * generated — the same pure function the baker ran, so the same bytes. With meshes the
 * page's mesh is decoded into the job's staging. Stops early once the job is cancelled.
 * Any thread; touches only the job, its block and `sc`. */
void tp__page_in(const tp__page_source *src, tp__job *job, const tp__scratch *sc);

/* Reads the coarsest LOD of baked chunk (cx, cz) — heights and biomes into the arrays
 * given — and, when out_mesh is not NULL, its mesh encoding into sc (out_mesh says
 * where). Adds the stored bytes read to *bytes_read.
 * @return TP_OK; TP_ERR_NOT_FOUND (a blob is absent); TP_ERR_CHECKSUM; TP_ERR_CORRUPT
 * or TP_ERR_IO (the page cannot be trusted). */
tp_result tp__page_read_coarsest(const tp__page_source *src, int32_t cx, int32_t cz,
                                 uint16_t *heights, uint8_t *biomes, const tp__scratch *sc,
                                 tp__mesh_raw *out_mesh, uint64_t *bytes_read);

/* Generates the coarsest LOD of (cx, cz) — heights and biomes, no climate — and, when
 * out_mesh is not NULL, builds its mesh encoding into sc as the baker does.
 * @return TP_OK, or the mesh builder's error (the grids are made either way). */
tp_result tp__page_generate_coarsest(const tp__page_source *src, int32_t cx, int32_t cz,
                                     uint16_t *heights, uint8_t *biomes, const tp__scratch *sc,
                                     tp__mesh_raw *out_mesh);

#endif /* TP_RUNTIME_PAGE_IN_H */
