/* terrapage/runtime.h — the streamer: keeps the chunks around a moving camera resident.
 *
 *   tp_streamer_options o = {0};         // zero means default: view distance 8 (17×17),
 *   tp_streamer *s;                      // LOD bands 256/512/1024 m, 8 page-ins in flight
 *   if (tp_streamer_open("world.tpk", &o, &s) != TP_OK)
 *       fprintf(stderr, "%s\n", tp_error_detail());
 *
 *   for (;;) {                           // once per frame, on the game thread
 *       tp_streamer_set_frame_time(s, last_frame_work_seconds);   // optional: throttles
 *                                        // page-ins while the game's own work is slow
 *       tp_streamer_update(s, camera_x_m, camera_z_m, frame_seconds);
 *       tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, draw_chunk, renderer);
 *   }
 *
 *   static int draw_chunk(void *renderer, const tp_chunk_view *v) {
 *       // v->height_codes: v->edge² codes at LOD v->lod (metres: tp_height_code_to_m();
 *       // axes, row order and handedness: "Conventions" below),
 *       // v->biomes likewise; v->mesh->geometry: that LOD's triangle mesh, decoded
 *       // (vertex and 16-bit index arrays ready to upload). Valid during the call.
 *       // To keep them longer:
 *       tp_chunk_view keep;
 *       tp_streamer_acquire(s, v->cx, v->cz, 0, &keep);   // pinned until released
 *       ...                                                // upload on any thread
 *       tp_streamer_release(s, &keep);                     // any thread
 *       return 0;                                          // non-zero stops the walk
 *   }
 *
 *   tp_streamer_stats st;
 *   tp_streamer_get_stats(s, &st);       // page-ins, fallbacks, budget, LOD deficits …
 *   tp_streamer_close(s);                // safe with work in flight
 *
 * Conventions (stated here once; the README shows them per engine).
 *  - World: metres. x grows east, z grows north, y (height) grows up. Chunk (cx, cz)
 *    covers x in [cx·S, (cx+1)·S) and z in [cz·S, (cz+1)·S), S = chunk_size_m of
 *    tp_streamer_world(); a point (x, z) lies in chunk (floor(x / S), floor(z / S)).
 *  - Grids (height_codes, biomes, the climate): edge² values, row-major: value (i, j) at
 *    index j·edge + i, the column i counting east (+x), the row j counting north (+z).
 *    Sample (i, j) sits at (cx·S + i·S/(edge − 1), cz·S + j·S/(edge − 1)): row 0 is the
 *    chunk's south edge, column 0 its west edge, and the last row and column are the
 *    first of the north and east neighbours (shared, equal samples).
 *  - Meshes: vertex (x, z, h) is at world (cx·S + x·S/32768, tp_height_code_to_m(h),
 *    cz·S + z·S/32768) (TP_MESH_XZ_EXTENT = 32768); its decoded normal has (east, up,
 *    north) components. The frame (x east, y up, z north) is LEFT-handed, like Unity's
 *    and Direct3D's. Seen from above, north up, every surface triangle (a, b, c) runs
 *    clockwise; its normal, (b − a) × (c − a) computed component by component, points
 *    up (positive y).
 *  - In an engine (p = the world position above, n = the normal, as (x, y, z)):
 *      left-handed, y up (Unity, Direct3D; front faces clockwise): position p, normal n,
 *        indices as stored.
 *      right-handed, y up (OpenGL; front faces counter-clockwise by default): position
 *        (p.x, p.y, −p.z) and normal (n.x, n.y, −n.z), so that north is −z (the default
 *        camera's forward) with east on its right; the triangles still run clockwise on
 *        screen, so reverse each (swap its second and third index) or set
 *        glFrontFace(GL_CW). Using p unchanged instead shows the world mirrored (east to
 *        the left of north) with counter-clockwise triangles.
 *      z up, left-handed (Unreal: X forward, Y right, Z up, centimetres): position
 *        100 · (p.z, p.x, p.y), normal (n.z, n.x, n.y): X north, Y east, Z up. The
 *        mapping keeps the triangles clockwise seen from above, the front faces of
 *        Unreal's renderer as of Direct3D's; indices as stored.
 *    Positions of a large world lose precision in 32-bit floats far from the origin:
 *    subtract a camera-near origin in double before converting.
 *
 * What it does. The camera's view is the (2·view_distance + 1)² square of chunks around
 * the chunk under the camera. Each chunk in view wants the LOD of the band its distance
 * falls in (LOD 0 within lod_band_m[0], LOD 1 within lod_band_m[1], …, the coarsest
 * beyond the last band); a chunk that has a finer LOD keeps it until it is more than
 * lod_hysteresis_m beyond that LOD's band, so a camera on a band edge does not flicker.
 * That is the default selector (TP_STREAMER_LOD_BANDS), blind to the camera's height.
 *
 * Screen-space error (lod_selector = TP_STREAMER_LOD_SCREEN_ERROR). The camera is the
 * 3-D eye of tp_streamer_update_3d() with the options' vertical_fov_rad and
 * viewport_height_px; a geometric error of e metres seen from d metres covers
 * e · viewport_height_px / (2 · tan(vertical_fov_rad / 2) · d) pixels. Each chunk in
 * view wants the coarsest LOD whose error, so projected from the nearest point of the
 * chunk's 3-D bounds (its LOD-0 height range over its square, tp_streamer_chunk_bounds();
 * the height is left open, distance 0 along y, for a chunk with no bounds), is at most
 * screen_error_px; LOD 0 when none is (the camera inside the bounds). A LOD's error is
 * the exact maximum error the file records for the chunk's mesh at that LOD (its
 * directory entry, FORMAT.md 12.1: no page is read; the same value as that mesh's
 * tp_chunk_mesh.max_error_m once resident); for a chunk the file does not have, the
 * resident mesh's, or else the LOD's promise, tp_mesh_lod_target_error_m() (an upper
 * bound). Every LOD of the file can be chosen; the bands play no part (the
 * prediction prefetches, around each predicted point, as far as the bands reach, with
 * the same selector). "Coarser than wanted" follows the selector in use. tp_streamer_
 * chunk_error_px() gives the projected error of what is drawn.
 *
 * Never a hole. Every chunk in view has some LOD, mesh included: its coarsest LOD
 * (about 250 bytes per chunk for the default world, 590 with its mesh) comes first, and
 * for a baked chunk that has none yet — a camera that teleports, or the first update —
 * update() reads it from the file itself, whatever the time, so the update that lands
 * the camera anywhere in the baked region leaves no hole. Ahead of the camera the
 * workers read the coarsest LOD of a margin two chunks wide around the view and of the
 * view around the predicted position (velocity in m/s times prediction_horizon_s), so a
 * moving camera, or one that jumps a few hundred metres, seldom leaves update() any to
 * read. Finer LODs are paged in nearest first by worker threads, then
 * the chunks along the predicted path are prefetched. Chunks outside the baked region,
 * absent from the file or whose page fails its checksum are generated with
 * tp_generate_chunk() — the bytes the baker would have written — coarsest LOD first;
 * update() generates the coarsest LOD of such chunks itself only within
 * sync_generate_budget_ms and leaves the rest to the workers at top priority (the stats
 * count what was missing meanwhile). The coarsest LOD is a page like the others: it
 * counts against the budget, and with everything else a chunk holds it is evicted once
 * the chunk is neither in view nor predicted and more than two view distances from the
 * camera's chunk (or earlier, when the budget needs the room).
 *
 * Meshes. When the file has the mesh layer (FORMAT.md section 12) and
 * TP_STREAMER_NO_MESHES is not set, every resident LOD holds that LOD's mesh, decoded on
 * a worker, and a view's mesh always matches its heights' LOD. A generated page gets its
 * mesh from tp_mesh_generate_chunk_blob(), the function the baker ran, so it is the mesh
 * the file holds (or would hold), bit for bit. The coarsest LOD carries its mesh too
 * (measured on the default world: about 340 bytes more per chunk), because a chunk drawn
 * without a mesh would be the hole this streamer exists to prevent, and beyond the last
 * band most of the view is drawn at that LOD.
 *
 * Memory. Every decoded byte the streamer holds (resident, in flight, pooled for reuse
 * and pinned by callers; meshes included, and each page-in slot's staging for the
 * largest possible mesh) counts against budget_bytes, and that holds after every
 * update(). When it needs room it first drops what is farthest from the predicted
 * camera position and not wanted, then downgrades wanted chunks to a coarser LOD
 * rather than dropping them. Without meshes a downgrade subsamples the resident grid,
 * which gives exactly the coarser page at once (source DERIVED). A coarser mesh is not a
 * subsample of the finer one, so with meshes a downgrade falls to the coarsest LOD (a
 * chunk gets a finer LOD only after it, so it is there, with its mesh) and the LOD in
 * between is paged in again when there
 * is room; likewise a chunk the camera moves away from keeps its finer LOD on screen
 * until the coarser page it now wants has arrived, unless that is the coarsest. Data a
 * caller has pinned is never freed under it; it keeps counting until released, so pin
 * for a frame or two, not for ever. The workers' fixed working memory (read and mesh
 * buffers, stats scratch_bytes) is not decoded data and is outside the budget.
 *
 * Open cost. tp_streamer_open() reads the file's header, world parameters and block
 * table (16 bytes per 16 × 16-chunk tile) and decodes no page of the world for streaming;
 * what it allocates does not grow with the world. It also runs the content check: the
 * coarsest-LOD pages of at most TP_PAGE_CHECK_FILE_PAGES (4) chunks, looking at no more
 * than TP_PAGE_CHECK_FILE_LOOKUPS (64) chunk records, are read and compared with
 * generation (scratch from the allocator, freed at once) — a constant cost, most of what
 * open takes. Measured on a quiet 2-core virtual machine with the file in the page cache
 * (`terrapage bench scale`, medians of 5 opens, three runs): 1.29–1.40 ms for the default
 * world (4 K chunks with meshes), 0.20–0.26 ms for 65 K and 0.13–0.14 ms for 1 M chunks
 * without meshes; the streamer's own allocations are 27–28 KiB without meshes and 5.7 MiB
 * with them (each worker's mesh-building scratch, sized for the worst case of a LOD-0
 * mesh, and the staging of every page-in in flight). A directory block is read and
 * checksummed on its first use, by whichever thread first needs a chunk of its tile. The
 * cost of the view moves to the update that lands the camera on a view it has no data
 * for (the first one, and a teleport beyond the margin the workers read ahead): it reads
 * the coarsest LOD of every baked chunk of the view, 289 of them with the default view
 * distance, plus the directory blocks of the tiles it has not touched yet, with one
 * system call per chunk (a page's blobs lie together in the file and are read at once) —
 * 1.24–1.25 ms of CPU with pread on that machine for the default world, 0.84–1.12 ms for
 * the worlds without meshes, 0.56–0.60 ms mapped. The page-file reader's own allocations
 * (its handle, a pointer per tile, and in the pread and callback modes the block table
 * and the directory blocks it has read) use malloc, not the allocator callbacks.
 *
 * Reading the file. How blob bytes reach the workers is the caller's choice, and so is
 * what happens when the file changes under an open streamer (a game patched in place, a
 * tool that rewrites the file):
 *  - pread (the default; TP_STREAMER_PREAD says the same): the reader keeps the file
 *    open and reads each page's blobs with one pread() into the worker's own buffer
 *    (the climate grids, stored with LOD 0, with a second one at coarser LODs), where
 *    each blob's checksum is checked on the very bytes decoded; directory blocks are read on first
 *    touch and kept. Nothing is mapped, so a file truncated or rewritten in place never
 *    raises a signal: a page whose bytes can no longer be read, or fail their checksum,
 *    is generated instead (source REPAIRED, counted in fallbacks and in
 *    decode_failures for a failed or short read, checksum_failures for changed bytes),
 *    exactly as a damaged page is. What was read before the change stays as it was
 *    read: resident pages, and directory blocks already touched (a lookup answers from
 *    them, and the blob it points to then fails its checksum if the file moved it). A file replaced by rename is not seen at
 *    all: the streamer reads the file it opened until it is closed. The price is a
 *    system call per blob, paid where pages are read: by the workers, and by update()
 *    for the coarsest LOD of a view it lands on without data (and for every page in the
 *    deterministic mode, which runs the jobs there); measured on a 2-core virtual
 *    machine with the file in the page cache, a page-in cost 29–31 µs of CPU at LOD 0
 *    and 7–8 µs at the coarsest LOD, against 24 µs and under 1 µs through a freshly
 *    mapped file.
 *  - read callback (options.read): every byte through the caller; a failed read is a
 *    failed page, generated instead (decode_failures), as above.
 *  - mmap (TP_STREAMER_MMAP): the file is mapped and blobs are decoded in place. The file
 *    must not be truncated or rewritten in place while the streamer is open: a worker
 *    touching a page the file no longer has is killed by SIGBUS (the whole process with
 *    it), which no check can turn into a fallback, and bytes rewritten between a blob's
 *    checksum and its decode go unnoticed. Replacing the file by rename (as the baker
 *    does) is safe in every mode.
 *
 * Thread rules. One thread — the game thread — opens, updates, queries, iterates, reads
 * statistics and closes a streamer. tp_streamer_release() may be called from any
 * thread, and the arrays of an acquired view may be read from any thread until it is
 * released. The streamer's worker threads never call back into the caller; the event
 * callback runs on the game thread inside update(). Distinct streamers are independent.
 */
#ifndef TERRAPAGE_RUNTIME_H
#define TERRAPAGE_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/mesh_codec.h"
#include "terrapage/pagefile.h"
#include "terrapage/result.h"
#include "terrapage/world.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct tp_streamer tp_streamer;

/* ---- Options ------------------------------------------------------------------------ */

/* Option flags. */
#define TP_STREAMER_PREAD 0x1u         /* read the file with pread(): now the default
                                          (see "Reading the file" above), so this flag
                                          changes nothing; kept so that callers that set
                                          it compile and behave as before. Refused with
                                          TP_STREAMER_MMAP */
#define TP_STREAMER_DETERMINISTIC 0x2u /* no worker threads; time is the sum of the frame_dt
                                          values passed to update(). Work handed out by one
                                          update() runs at the next update(), after that
                                          update's cancellations, so the same camera trace
                                          gives the same page-ins, events and statistics
                                          (update costs aside). Coarse generation in update()
                                          is then limited by count (all of it), not time. */
#define TP_STREAMER_NO_PREDICTION 0x4u /* request only what is in view */
#define TP_STREAMER_VIRTUAL_CLOCK 0x8u /* time is the sum of the frame_dt values, with worker
                                          threads as usual: for simulations and soak tests
                                          that run frames faster than real time (the
                                          predictor's velocity is per second of this clock) */
#define TP_STREAMER_NO_MESHES 0x10u    /* hold no meshes (for callers that build their own
                                          from the heights): views have mesh == NULL, and
                                          neither memory nor time goes into meshes */
#define TP_STREAMER_NORMAL_PRIORITY 0x20u /* leave the workers at the game's scheduling
                                          priority. By default each worker lowers its own
                                          (Linux: nice + 10, that thread only) so that on a
                                          machine with fewer free cores than threads the
                                          game thread preempts page-ins, never the reverse;
                                          where that is not possible it is skipped */
#define TP_STREAMER_MMAP 0x40u         /* map the file and read blobs in place instead of
                                          with pread(). Only for files that are replaced by
                                          rename and never truncated or rewritten in place
                                          while open: otherwise a worker touching a page
                                          the file no longer has dies of SIGBUS (see
                                          "Reading the file" above). Refused with `read`
                                          or TP_STREAMER_PREAD */

#define TP_STREAMER_MAX_BANDS 8u

/* The camera must stay within this many chunks of the origin on both axes (chunk indices
 * are int32; the view and the prediction reach around the camera's chunk). */
#define TP_STREAMER_MAX_CHUNK_INDEX 0x3FFFFFFF

/* Memory callbacks; both NULL → malloc/free. alloc must return memory aligned for any
 * type (like malloc) or NULL; free gets the size that was asked for. Called on the game
 * thread only (the workers write into buffers handed to them, they never allocate). */
typedef struct tp_streamer_allocator {
    void *(*alloc)(void *user, size_t size);
    void (*free)(void *user, void *ptr, size_t size);
    void *user;
} tp_streamer_allocator;

/* File access callback: read exactly `size` bytes at `offset` of the page file into
 * `dst`, return 0 on success, non-zero on failure (the page then falls back to
 * generation and counts as a read failure). Called from the game thread (at open, and
 * in update() for the coarsest LOD of a view without data) and from worker threads,
 * several at once. When set, every byte of the file comes through it
 * (header, block table, directory blocks, blobs) and `path` only names the file in
 * messages; nothing is opened or mapped. */
typedef int (*tp_streamer_read_fn)(void *user, uint64_t offset, void *dst, size_t size);

/* Where a page's data came from. */
typedef enum tp_streamer_source {
    TP_STREAMER_SOURCE_FILE = 0,      /* decoded from the page file */
    TP_STREAMER_SOURCE_GENERATED = 1, /* generated: outside the region or absent */
    TP_STREAMER_SOURCE_REPAIRED = 2,  /* generated because the file's page failed its
                                         checksum or did not decode (never trusted) */
    TP_STREAMER_SOURCE_DERIVED = 3    /* subsampled from a finer resident LOD (a downgrade
                                         without meshes) */
} tp_streamer_source;

/* Events, reported to on_event in the order they happen. */
typedef enum tp_streamer_event_type {
    TP_STREAMER_EVENT_PAGE_IN = 1,   /* a page became resident (lod, source, bytes) */
    TP_STREAMER_EVENT_EVICT = 2,     /* a chunk's LOD was dropped (lod, bytes freed) */
    TP_STREAMER_EVENT_DOWNGRADE = 3, /* a chunk went from lod to new_lod to make room */
    TP_STREAMER_EVENT_CANCEL = 4,    /* work handed out for (chunk, lod) was cancelled */
    TP_STREAMER_EVENT_TELEPORT = 5   /* the camera jumped; the predictor was reset */
} tp_streamer_event_type;

typedef struct tp_streamer_event {
    uint32_t type;     /* tp_streamer_event_type */
    int32_t cx, cz;    /* the chunk (0, 0 for TELEPORT) */
    uint32_t lod;
    uint32_t new_lod;  /* DOWNGRADE only */
    uint32_t source;   /* PAGE_IN: tp_streamer_source */
    uint64_t bytes;    /* decoded bytes added (PAGE_IN) or freed (EVICT, DOWNGRADE) */
    uint64_t update;   /* index of the update() that reports it, from 1 */
} tp_streamer_event;

/* Event callback: runs on the game thread inside update(); must not call the streamer. */
typedef void (*tp_streamer_event_fn)(void *user, const tp_streamer_event *event);

/* Options of tp_streamer_open(). Zero-initialise: every 0 field takes its default. */
typedef struct tp_streamer_options {
    uint32_t flags;                 /* TP_STREAMER_*; unknown bits are refused */
    uint32_t view_distance_chunks;  /* view square radius in chunks; 0 → 8 (17×17) */
    double lod_band_m[TP_STREAMER_MAX_BANDS]; /* outer distance of LOD k's band (camera to
                                       the nearest point of the chunk), increasing; the
                                       first 0 ends the list; all 0 → 256, 512, 1024 m */
    double lod_hysteresis_m;        /* keep a finer LOD this far past its band; 0 → 32 m,
                                       negative → none */
    uint32_t max_in_flight;         /* page-ins handed to workers at once; 0 → 8. Up
                                       to 64 more may be in flight for the coarsest LOD
                                       of chunks that have none (outside the baked
                                       region): tiny pages, with staging of their own */
    uint32_t throttled_in_flight;   /* … while the frame is slow; 0 → 2 */
    double throttle_frame_ms;       /* a frame whose work, as reported with
                                       tp_streamer_set_frame_time(), took longer than
                                       this throttles; 0 → 10 ms. Nothing reported →
                                       never throttled */
    double prediction_horizon_s;    /* how far ahead to prefetch; 0 → 2 s; at most 60 s */
    double teleport_distance_m;     /* a jump longer than this between two updates resets
                                       the predictor (so does one faster than
                                       teleport_speed_m_s); 0 → view distance · chunk
                                       size / 2 */
    uint64_t budget_bytes;          /* decoded bytes the streamer may hold; 0 → 64 MiB
                                       (or the least that works, if more). Open fails with
                                       TP_ERR_OUT_OF_RANGE if it cannot hold the coarsest
                                       LOD of one view, and the pages (and mesh staging)
                                       of max_in_flight page-ins */
    uint32_t worker_threads;        /* 0 → cores − 1, at least 1 */
    uint32_t reserved0;             /* must be 0 */
    double sync_generate_budget_ms; /* time update() may spend generating the coarsest LOD
                                       of in-view chunks that have none; 0 → 1 ms
                                       (tp_streamer_open_generated: 0 → never), negative →
                                       never (workers only). Reading the coarsest LOD of
                                       a baked chunk is not limited by it */
    tp_streamer_allocator allocator;
    tp_streamer_read_fn read;       /* NULL → pread (or the mapping with
                                       TP_STREAMER_MMAP) */
    void *read_user;
    tp_streamer_event_fn on_event;  /* NULL → no events */
    void *event_user;
    uint32_t teleport_speed_m_s;    /* a move faster than this between two updates (timed
                                       over at least 1/60 s) is a teleport too, however
                                       short: a 500 m jump in one frame is not a camera
                                       doing 30 km/s; 0 → 1000 m/s */
    uint32_t lod_selector;          /* how a chunk's wanted LOD is chosen:
                                       TP_STREAMER_LOD_BANDS (0, the default) or
                                       TP_STREAMER_LOD_SCREEN_ERROR (see "Screen-space
                                       error" above) */
    uint32_t viewport_height_px;    /* screen-space error: viewport height; 0 → 1080 */
    uint32_t reserved[1];           /* must be 0 */
    double vertical_fov_rad;        /* screen-space error: vertical field of view, in
                                       (0, π); 0 → π/3 (60°) */
    double screen_error_px;         /* screen-space error: tolerance in pixels, > 0;
                                       0 → 2 px */
} tp_streamer_options;

/* LOD selectors (tp_streamer_options.lod_selector). */
#define TP_STREAMER_LOD_BANDS 0u        /* lod_band_m: distance bands in the ground plane */
#define TP_STREAMER_LOD_SCREEN_ERROR 1u /* the coarsest LOD whose error, seen from the 3-D
                                           camera, stays within screen_error_px */

/* ---- Lifetime ----------------------------------------------------------------------- */

/*! tp_streamer_open() :
 *  Opens the page file at `path` (tp_reader_open(): the header and the block table),
 *  checks that its world parameters are this generator's (so fallback pages equal baked
 *  ones) and that its pages are that world's: the coarsest-LOD page of at most
 *  TP_PAGE_CHECK_FILE_PAGES stored chunks, the first in file order that read soundly, is
 *  compared bit for bit with generation (tp_page_check_file(), terrapage/page.h) — a
 *  constant cost of a few coarse pages whatever the world's size, which catches a header
 *  whose region origin was moved. It then starts the worker threads. Decodes no page for
 *  streaming: time and memory are the same for any size of world (see "Open cost"
 *  above). `options` may be NULL.
 *  @return TP_OK with *out_streamer set; TP_ERR_INVALID_ARGUMENT for bad options;
 *  TP_ERR_OUT_OF_RANGE when budget_bytes is too small (tp_error_detail() says how much
 *  is needed); TP_ERR_UNSUPPORTED_VERSION for a file written by another generator
 *  version; TP_ERR_CORRUPT for unreadable world parameters or a header that disagrees
 *  with them; TP_ERR_WORLD_MISMATCH when a compared page is not the page generated for
 *  its chunk (tp_error_detail() names it); any tp_reader_open() error;
 *  TP_ERR_OUT_OF_MEMORY; TP_ERR_IO (threads could not start). */
TP_API tp_result tp_streamer_open(const char *path, const tp_streamer_options *options,
                                  tp_streamer **out_streamer);

/*! tp_streamer_open_generated() :
 *  A streamer with no page file: every page of every chunk is generated on demand with
 *  tp_generate_chunk() by the same worker threads, scheduler, budget and statistics as
 *  tp_streamer_open() uses — the on-demand design a baked file replaces, kept so the two
 *  can be compared on equal terms. Nothing is read: each chunk gets its coarsest LOD
 *  first, generated (top priority while in view), then finer ones, exactly as a chunk
 *  outside a file's baked region does. Every page counts as a fallback (source
 *  TP_STREAMER_SOURCE_GENERATED, fallbacks_outside), and a chunk in view stays without
 *  any LOD until a worker has made one (in_view_missing says how many): update() does
 *  not generate anything itself unless sync_generate_budget_ms is set positive (its
 *  default here is "never", so update() never blocks; the deterministic mode generates
 *  them all in update(), as it runs every job there). Meshes are generated with every
 *  page (tp_mesh_generate_chunk_blob()) unless TP_STREAMER_NO_MESHES is set, as a file's
 *  would be paged in with it. TP_STREAMER_PREAD, TP_STREAMER_MMAP and `read` are ignored
 *  (nothing is read; together they are refused as for a file); tp_streamer_reader()
 *  returns NULL; tp_streamer_chunk_bounds() estimates from the resident LOD. `world` is
 *  resolved as tp_world_params_resolve() does (zero fields take defaults); it is copied.
 *  The default budget is 64 MiB.
 *  @return TP_OK with *out_streamer set; TP_ERR_INVALID_ARGUMENT for bad options or
 *  world parameters; TP_ERR_OUT_OF_RANGE when budget_bytes cannot hold one view of
 *  coarsest LODs and the pages in flight; TP_ERR_OUT_OF_MEMORY; TP_ERR_IO. */
TP_API tp_result tp_streamer_open_generated(const tp_world_params *world,
                                            const tp_streamer_options *options,
                                            tp_streamer **out_streamer);

/*! tp_streamer_close() :
 *  Cancels work in flight, waits for each worker to reach its next cancellation check
 *  (between the blobs of a page, or before a mesh build; a page generation already
 *  under way finishes), stops them and frees everything. Accepts NULL. Every acquired view
 *  must have been released (asserted). */
TP_API void tp_streamer_close(tp_streamer *s);

/* ---- Changing options --------------------------------------------------------------- */

/*! tp_streamer_get_options() :
 *  Fills *out_options with the options in force — resolved, so every default is filled
 *  in — or, after tp_streamer_set_options(), with those the next update() puts in force.
 *  Game thread. */
TP_API void tp_streamer_get_options(const tp_streamer *s, tp_streamer_options *out_options);

/*! tp_streamer_set_options() :
 *  Changes the options of an open streamer, from the next update() on (read them with
 *  tp_streamer_get_options(), change fields, pass them back; a 0 field takes its default
 *  as at open). Between the call and that update the streamer runs on the old values;
 *  a second call before it replaces the first. Game thread, between updates.
 *  Can change: view_distance_chunks, lod_band_m, lod_hysteresis_m, throttled_in_flight,
 *  throttle_frame_ms, prediction_horizon_s, teleport_distance_m, teleport_speed_m_s,
 *  sync_generate_budget_ms, budget_bytes, on_event and event_user, lod_selector,
 *  viewport_height_px, vertical_fov_rad and screen_error_px, and the flag
 *  TP_STREAMER_NO_PREDICTION (a flight mode: wider view, longer prediction). A lower
 *  budget is made room for in that update, least wanted data first, as for a page-in;
 *  data a caller has pinned stays (and counts) until released.
 *  Fixed at open: the other flags, max_in_flight, worker_threads, allocator, read and
 *  read_user.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for a value tp_streamer_open() would refuse or
 *  a change of a fixed field (tp_error_detail() names it; nothing changes);
 *  TP_ERR_OUT_OF_RANGE when budget_bytes cannot hold the new view (as at open);
 *  TP_ERR_OUT_OF_MEMORY. On failure the options stay as they were. */
TP_API tp_result tp_streamer_set_options(tp_streamer *s, const tp_streamer_options *options);

/* ---- Per frame ---------------------------------------------------------------------- */

/*! tp_streamer_update() :
 *  The per-frame call, non-blocking: publishes the pages the workers finished, moves the
 *  view and the predictor to the camera at (x_m, z_m) (world metres; chunk (cx, cz)
 *  covers [cx·size, (cx+1)·size) along both axes), re-prioritises, cancels work no
 *  longer wanted, evicts or downgrades to stay within the budget, and hands new work to
 *  the workers in one batch (one wake-up). `frame_dt_s` is the duration of the previous
 *  frame in seconds: the step of the virtual clock (deterministic mode,
 *  TP_STREAMER_VIRTUAL_CLOCK); the throttle never looks at it (it includes the wait for
 *  vsync), only at what tp_streamer_set_frame_time() reports.
 *  @return TP_OK; TP_ERR_OUT_OF_MEMORY if the allocator failed (nothing is lost; the
 *  work is tried again next frame); TP_ERR_INVALID_ARGUMENT for a non-finite position,
 *  one beyond TP_STREAMER_MAX_CHUNK_INDEX chunks from the origin, or a negative
 *  frame_dt_s. */
TP_API tp_result tp_streamer_update(tp_streamer *s, double x_m, double z_m,
                                    double frame_dt_s);

/*! tp_streamer_update_3d() :
 *  tp_streamer_update() with the camera's height: the eye at (x_m, y_m, z_m) in world
 *  metres (y up, the frame of the height codes). The height matters only to the
 *  screen-space error selector; it stays in force for later tp_streamer_update() calls
 *  (0 m until the first 3-D update). Same results, plus TP_ERR_INVALID_ARGUMENT for a
 *  non-finite height. */
TP_API tp_result tp_streamer_update_3d(tp_streamer *s, double x_m, double y_m, double z_m,
                                       double frame_dt_s);

/*! tp_streamer_chunk_error_px() :
 *  The screen-space error of what is drawn for chunk (cx, cz): the maximum error of its
 *  best resident LOD's mesh (tp_chunk_mesh.max_error_m; without meshes, that LOD's
 *  promise tp_mesh_lod_target_error_m()) projected, with the options' viewport height
 *  and field of view, from the nearest point of the chunk's bounds
 *  (tp_streamer_chunk_bounds()) to the camera of the last update, in pixels — the
 *  figure TP_STREAMER_LOD_SCREEN_ERROR keeps within screen_error_px. INFINITY when the
 *  camera is inside the bounds and the error is not 0. Whatever the selector in use.
 *  @return TP_OK; TP_ERR_NOT_FOUND when the chunk has no LOD resident. */
TP_API tp_result tp_streamer_chunk_error_px(const tp_streamer *s, int32_t cx, int32_t cz,
                                            double *out_px);

/*! tp_streamer_set_frame_time() :
 *  Optional. Reports how long the game's last frame took to compute (its work, without
 *  the wait for vsync), in seconds. While the last value reported exceeds
 *  throttle_frame_ms, at most throttled_in_flight pages are in flight, so a game under
 *  load leaves its cores to itself. A game that never calls it is never throttled and
 *  streams at max_in_flight (the time between updates cannot tell work from the wait
 *  for vsync: every 60 Hz frame lasts 16.7 ms). Report 0 to lift a throttle. Negative
 *  or non-finite values are ignored. */
TP_API void tp_streamer_set_frame_time(tp_streamer *s, double frame_time_s);

/* ---- Queries ------------------------------------------------------------------------ */

/* View flags. */
#define TP_CHUNK_VIEW_IN_VIEW 0x1u     /* the chunk is in the current view square */
#define TP_CHUNK_VIEW_COARSER 0x2u     /* "coarser than wanted": lod > wanted_lod, i.e.
                                          coarser than the view asks for at the chunk's
                                          distance (still loading). The one definition:
                                          the statistics' in_view_coarser counts exactly
                                          the chunks of the view with this flag */
#define TP_CHUNK_VIEW_PERMANENT 0x4u   /* never set since no LOD is resident for ever (the
                                          coarsest is paged like the others); kept so
                                          code that tests it still builds */

/* Mesh flags. */
#define TP_CHUNK_MESH_ERROR_ESTIMATED 0x1u /* max_error_m is the LOD's default promise
                                              (tp_mesh_lod_target_error_m), not a
                                              measurement: the mesh was generated at a LOD
                                              coarser than 0, where measuring would need
                                              the chunk's LOD-0 grid */

/* The mesh of one chunk at one LOD, decoded and ready to upload: 8-byte vertices and
 * 16-bit indices, surface triangles first, then skirts (terrapage/mesh_codec.h says what
 * every field means). The very mesh the baker stored for (chunk, LOD), whether it was
 * read from the file or generated by the fallback (tp_mesh_generate_chunk_blob()). */
typedef struct tp_chunk_mesh {
    tp_mesh geometry;                 /* arrays and counts; read-only */
    float max_error_m;                /* largest vertical distance, metres, between the
                                         surface triangles and the chunk's LOD-0 samples
                                         (the file's record); for screen-space LOD choice */
    uint32_t flags;                   /* TP_CHUNK_MESH_* */
    uint32_t reserved[2];
} tp_chunk_mesh;

/* One resident chunk at its best resident LOD. Filled by the streamer. The arrays are
 * read-only; they stay valid while the view is pinned (acquire → release) or, for the
 * view passed to a visit callback, during the call. */
typedef struct tp_chunk_view {
    int32_t cx, cz;
    uint32_t lod;                     /* LOD of height_codes and biomes */
    uint32_t edge;                    /* samples per edge at that LOD */
    const uint16_t *height_codes;     /* edge² codes, row-major (see terrapage/world.h) */
    const uint8_t *biomes;            /* edge² tp_biome ids */
    const int16_t *temperature_cc;    /* climate_edge² values, or NULL (see climate_edge) */
    const uint16_t *precipitation_mm; /* climate_edge² values, or NULL */
    uint32_t climate_edge;            /* 0 when the climate is not resident: it travels
                                         with every LOD finer than the coarsest and with
                                         pages the workers read or generate, not with a
                                         coarsest LOD that update() read or generated
                                         itself (it costs half the time) */
    uint32_t source;                  /* tp_streamer_source of the heights and biomes */
    uint32_t wanted_lod;              /* the LOD the view asks for (the selector's: its
                                         band, or its screen-space error; coarsest out
                                         of view). The prediction
                                         may already be fetching a finer one */
    uint32_t flags;                   /* TP_CHUNK_VIEW_* */
    const tp_chunk_mesh *mesh;        /* the mesh of the same LOD, valid as long as the
                                         arrays above; NULL with TP_STREAMER_NO_MESHES, for
                                         a file baked without meshes, or if a generated
                                         mesh could not be built */
    const void *reserved_ptr[3];      /* NULL */
    void *pin;                        /* the streamer's; pass the view back to release */
} tp_chunk_view;

/*! tp_streamer_acquire() :
 *  Pins chunk (cx, cz) at its best resident LOD and describes it in *out_view. Cheap
 *  (a hash lookup and an atomic increment). `flags` must be 0 (room for layer choice).
 *  @return TP_OK; TP_ERR_NOT_FOUND if the chunk has no resident LOD (*out_view zeroed). */
TP_API tp_result tp_streamer_acquire(tp_streamer *s, int32_t cx, int32_t cz, uint32_t flags,
                                     tp_chunk_view *out_view);

/*! tp_streamer_release() :
 *  Unpins a view filled by tp_streamer_acquire() and zeroes it. Any thread. Accepts a
 *  zeroed view (no-op). Memory is returned at the next update(). */
TP_API void tp_streamer_release(tp_streamer *s, tp_chunk_view *view);

/*! tp_streamer_best_lod() :
 *  @return the best resident LOD of (cx, cz), or −1 when none is resident. No pin. */
TP_API int tp_streamer_best_lod(const tp_streamer *s, int32_t cx, int32_t cz);

/* Visit flags. */
#define TP_STREAMER_VISIT_IN_VIEW 0x1u /* only chunks in the current view square */

/* Visit callback: `view` is valid during the call (acquire it to keep it). Return 0 to
 * go on, non-zero to stop. It may call tp_streamer_acquire()/release(), nothing else. */
typedef int (*tp_streamer_visit_fn)(void *user, const tp_chunk_view *view);

/*! tp_streamer_for_each() :
 *  Calls `fn` for every chunk with a resident LOD (with TP_STREAMER_VISIT_IN_VIEW: for
 *  every such chunk of the view, row by row from the view's −x, −z corner; without it,
 *  in no particular order).
 *  @return the number of calls made. */
TP_API uint64_t tp_streamer_for_each(tp_streamer *s, uint32_t flags, tp_streamer_visit_fn fn,
                                     void *user);

/* Flag of tp_streamer_chunk_bounds() output: min/max come from the best resident LOD of
 * a generated chunk, not from the LOD-0 record of the file (a coarser LOD can miss the
 * extreme samples). */
#define TP_CHUNK_BOUNDS_ESTIMATED 0x100u

/*! tp_streamer_chunk_bounds() :
 *  The bounds record of (cx, cz) for culling: the file's record for a baked chunk,
 *  otherwise computed from its best resident LOD (with TP_CHUNK_BOUNDS_ESTIMATED).
 *  @return TP_OK; TP_ERR_NOT_FOUND for a chunk neither baked nor resident. */
TP_API tp_result tp_streamer_chunk_bounds(const tp_streamer *s, int32_t cx, int32_t cz,
                                          tp_chunk_bounds *out_bounds);

/*! tp_streamer_world() : @return the world parameters of the file (resolved; valid until
 *  close), e.g. for chunk_size_m and tp_world_lod_edge(). */
TP_API const tp_world_params *tp_streamer_world(const tp_streamer *s);

/*! tp_streamer_reader() : @return the streamer's reader (valid until close; any thread,
 *  as terrapage/pagefile.h says), for tools that inspect the file; NULL for a streamer
 *  of tp_streamer_open_generated(). */
TP_API const tp_reader *tp_streamer_reader(const tp_streamer *s);

/* ---- Warm destinations --------------------------------------------------------------- */

/* Destinations that can be warm at once. */
#define TP_STREAMER_MAX_WARM 4u

/* How ready the view around a point is: what a camera arriving there now would see. */
typedef struct tp_streamer_ready {
    uint32_t chunks;   /* chunks of the view square around the point */
    uint32_t missing;  /* … with no resident LOD: holes */
    uint32_t coarser;  /* … coarser than wanted (as TP_CHUNK_VIEW_COARSER defines it,
                          for a camera at the point; without hysteresis) */
    uint32_t ready;    /* 1 when missing and coarser are both 0 */
    uint32_t reserved[4];
} tp_streamer_ready;

/*! tp_streamer_warm() :
 *  Asks, ahead of time, for the view around world point (x_m, z_m) — a teleport target,
 *  a spawn point: from the next update() on, every chunk of the view square around it
 *  is wanted at the LOD its distance from the point asks for, as if the camera stood
 *  there, after the camera's own view and before what the predicted path needs later.
 *  Outside the baked region the workers generate the coarsest LOD of each chunk first.
 *  The destination stays warm until the camera's chunk is the destination's (the view
 *  then takes over), or until tp_streamer_warm_cancel(). Warming a point in the chunk of
 *  a destination already warm moves that destination. Its pages count against the
 *  budget like any other; they never evict what the camera's view shows. Typical use,
 *  behind a loading screen:
 *
 *      tp_streamer_warm(s, x, z);
 *      do { tp_streamer_update(s, old_x, old_z, dt); draw_loading_screen(); }
 *      while (tp_streamer_readiness(s, x, z, &r) == TP_OK && !r.ready);
 *      // then move the camera to (x, z): no hole, every LOD as wanted
 *
 *  Game thread, between updates.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for a non-finite position or one beyond
 *  TP_STREAMER_MAX_CHUNK_INDEX chunks; TP_ERR_OUT_OF_RANGE when TP_STREAMER_MAX_WARM
 *  destinations are warm already. */
TP_API tp_result tp_streamer_warm(tp_streamer *s, double x_m, double z_m);

/*! tp_streamer_warm_cancel() :
 *  Stops warming the destination in the chunk of (x_m, z_m), if any; what it brought
 *  stays until the budget needs the room. Game thread. */
TP_API void tp_streamer_warm_cancel(tp_streamer *s, double x_m, double z_m);

/*! tp_streamer_readiness() :
 *  How ready the view around (x_m, z_m) is now (warm or not): *out_ready counts the
 *  chunks of its view square that have no resident LOD and those coarser than a camera
 *  there would want. Costs a hash lookup per chunk of the square. Game thread.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for a position tp_streamer_warm() refuses. */
TP_API tp_result tp_streamer_readiness(const tp_streamer *s, double x_m, double z_m,
                                       tp_streamer_ready *out_ready);

/* ---- Surface queries: heights and rays ------------------------------------------------ */

/* Where a query met the surface that is drawn: the surface triangles of a chunk's mesh
 * at its best resident LOD (the mesh tp_streamer_for_each() shows; skirts excluded). */
typedef struct tp_surface_hit {
    double position_m[3];   /* world metres (x east, y up, z north: see Conventions) */
    double normal[3];       /* unit normal of the triangle (its face, not the vertex
                               normals), pointing up: y > 0 */
    double distance_m;      /* tp_streamer_raycast(): from the origin to the hit; 0
                               for tp_streamer_height_at() */
    int32_t cx, cz;         /* the chunk whose mesh it is */
    uint32_t lod;           /* the LOD of that mesh */
    uint32_t triangle;      /* which surface triangle: indices 3·triangle … 3·triangle + 2
                               of the chunk's mesh */
    uint32_t reserved[2];
} tp_surface_hit;

/* Longest ray tp_streamer_raycast() takes, in chunk lengths (its work grows with it). */
#define TP_STREAMER_MAX_RAY_CHUNKS 4096u

/*! tp_streamer_height_at() :
 *  The height and normal of the drawn surface over world point (x_m, z_m): the chunk's
 *  mesh at its best resident LOD, interpolated barycentrically on the surface triangle
 *  that contains the point (a point on a shared edge or vertex gets the same height from
 *  either side, up to rounding). So a character placed there stands on what is shown,
 *  which differs from the finer grid by up to the mesh's max_error_m. The point belongs
 *  to chunk (floor(x_m / S), floor(z_m / S)). Costs about a microsecond (grids of the
 *  triangles are built the first time a query touches a chunk's LOD, then cached: see
 *  scratch_bytes). Thread rules: the game thread, between updates, like for_each();
 *  the answer describes the data of the last update() and changes with it.
 *  @return TP_OK with *out_hit filled (distance_m 0); TP_ERR_NOT_FOUND when the chunk
 *  has no resident LOD, or no mesh (TP_STREAMER_NO_MESHES, a file without meshes);
 *  TP_ERR_INVALID_ARGUMENT for a non-finite position or one beyond
 *  TP_STREAMER_MAX_CHUNK_INDEX chunks; TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_streamer_height_at(tp_streamer *s, double x_m, double z_m,
                                       tp_surface_hit *out_hit);

/*! tp_streamer_raycast() :
 *  The nearest point where the ray origin_m + t · direction (world metres; direction
 *  need not be unit length; 0 ≤ t ≤ max_distance_m, in metres along it) meets the drawn
 *  surface, from above or below: the surface triangles of the resident meshes at their
 *  best LOD, chunks without a resident mesh being passed through. Chunks and then cells
 *  of each chunk are walked in the order the ray crosses them, skipping those whose
 *  height range it misses, and the walk stops at the first hit, so a ray costs a few
 *  microseconds plus a little per chunk crossed. Where neighbours are drawn at different
 *  LODs the surfaces meet through skirts, which rays ignore: a grazing ray can pass
 *  through that vertical gap. Thread rules as for tp_streamer_height_at().
 *  @return TP_OK with *out_hit filled; TP_ERR_NOT_FOUND when nothing is hit;
 *  TP_ERR_INVALID_ARGUMENT for a zero or non-finite direction, a non-finite origin,
 *  one beyond TP_STREAMER_MAX_CHUNK_INDEX chunks, or a max_distance_m that is negative,
 *  not finite or over TP_STREAMER_MAX_RAY_CHUNKS chunk lengths; TP_ERR_OUT_OF_MEMORY. */
TP_API tp_result tp_streamer_raycast(tp_streamer *s, const double origin_m[3],
                                     const double direction[3], double max_distance_m,
                                     tp_surface_hit *out_hit);

/* ---- Statistics --------------------------------------------------------------------- */

/* Page-in latency buckets: bucket 0 is below 64 µs, bucket k covers
 * [64 · 2^(k−1), 64 · 2^k) µs, the last everything from 64 · 2^14 µs (about 1 s) up. */
#define TP_STREAMER_LATENCY_BUCKETS 16u

/* Counters are totals since open; "current" values describe the last update(). */
typedef struct tp_streamer_stats {
    uint64_t updates;
    /* Cost of update() on the game thread, over the last 1024 updates, microseconds. */
    double update_us_p50, update_us_p90, update_us_p99, update_us_max;
    double update_us_total;           /* since open */
    /* Work. */
    uint64_t page_ins;                /* pages that became resident (any source) */
    uint64_t page_ins_by_lod[TP_MAX_LODS];
    uint64_t bytes_read;              /* stored bytes read from the file */
    uint64_t bytes_decoded;           /* decoded bytes produced (file and generated) */
    uint64_t fallbacks;               /* pages generated instead of read */
    uint64_t fallbacks_outside;       /*   … of them: outside the region or absent */
    uint64_t checksum_failures;       /*   … of them: the file's page failed its checksum
                                           (or the directory block did) */
    uint64_t decode_failures;         /*   … of them: corrupt data or a failed read */
    uint64_t sync_generations;        /* coarsest LODs generated inside update() */
    uint64_t evictions;               /* LODs dropped */
    uint64_t downgrades;              /* LODs replaced by a coarser one to make room (with
                                         meshes: by the coarsest) */
    uint64_t cancellations;           /* work handed out, then no longer wanted (or, rarely,
                                         a finished page whose mesh found no room) */
    uint64_t teleports;
    /* Memory, decoded bytes. */
    uint64_t budget_bytes;
    uint64_t held_bytes;              /* everything counted against the budget (current) */
    uint64_t resident_bytes;          /* published pages, pinned ones included (current) */
    uint64_t resident_bytes_peak;
    uint64_t permanent_bytes;         /* 0: nothing is resident for ever (the coarsest LOD
                                         is paged, counted in resident_bytes) */
    uint64_t pinned_views;            /* views acquired and not released (current) */
    uint32_t resident_chunks;         /* chunks with any resident LOD (current) */
    /* Scheduling (current). */
    uint32_t queue_depth;             /* pages wanted and not yet handed out */
    uint32_t in_flight;               /* pages handed to workers (coarsest-LOD pages
                                         beyond max_in_flight included) */
    uint32_t in_flight_limit;         /* max_in_flight, or throttled_in_flight */
    uint32_t worker_threads;          /* 0 in deterministic mode */
    /* Coverage of the view (current, and summed over all updates). */
    uint32_t in_view_chunks;
    uint32_t in_view_missing;         /* in view with no resident LOD at all */
    uint32_t in_view_coarser;         /* in view and coarser than wanted: exactly the
                                         chunks TP_CHUNK_VIEW_COARSER flags */
    uint32_t reserved0;
    uint64_t in_view_missing_total;
    uint64_t in_view_coarser_total;
    /* Page-in latency, handed out → resident, by TP_STREAMER_LATENCY_BUCKETS bucket. */
    uint64_t latency_histogram[TP_STREAMER_LATENCY_BUCKETS];
    double latency_us_p50, latency_us_p99; /* estimated from the histogram */
    /* Predictor (current). */
    double velocity_x_m_s, velocity_z_m_s;
    /* Meshes and working memory (current). */
    uint64_t mesh_bytes;              /* of resident_bytes: the meshes */
    uint64_t scratch_bytes;           /* fixed working memory outside the budget: each
                                         worker's read, mesh-decode and mesh-build buffers,
                                         the game thread's, and the triangle grids of the
                                         surface queries (at most 64 meshes' worth) */
    /* Screen-space error of what is drawn in view at the last update, whatever the
     * selector (tp_streamer_chunk_error_px() of each chunk with a LOD; computed by this
     * call, a bounds lookup per chunk of the view): quantiles to 0.05 px, the largest
     * value itself beyond 25.6 px (INFINITY: the camera inside a chunk's bounds). */
    double drawn_error_px_p50, drawn_error_px_p99;
    uint64_t reserved[4];
} tp_streamer_stats;

/*! tp_streamer_get_stats() : fills *out_stats (game thread). */
TP_API void tp_streamer_get_stats(const tp_streamer *s, tp_streamer_stats *out_stats);

/*! tp_streamer_source_name() : @return a static name ("file", "generated", "repaired",
 *  "derived"; "unknown" otherwise). */
TP_API const char *tp_streamer_source_name(uint32_t source);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_RUNTIME_H */
