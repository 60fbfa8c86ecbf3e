/* terrapage/page.h — a page: one chunk at one LOD, every layer. The one home of what a
 * page holds, how it is generated, how it is read from a page file, and whether a page
 * file belongs to this generator.
 *
 *   tp_page_layout layout;                          // from a file: the world check
 *   if (tp_page_layout_from_file(tp_reader_desc(reader), &layout) != TP_OK) ...;
 *   size_t n = tp_page_check_scratch_size(&layout, layout.lod_count - 1);
 *   if (tp_page_check_file(&layout, reader, scratch, n, NULL) != TP_OK) ...;
 *                                                   // its first pages are that world's
 *
 *   tp_page page = {0};                             // ask for the parts you want
 *   page.heights = heights;                         // edge(lod)² codes
 *   page.mesh = mesh_raw;                           // tp_page_mesh_capacity() bytes
 *   tp_page_source src;
 *   tp_page_read_or_generate(&layout, reader, cx, cz, lod, scratch, scratch_size,
 *                            &page, &src);          // the file's bytes, or the same bytes
 *                                                   // generated
 *
 * What a page holds. Page (cx, cz, k) of a world is, for LOD k:
 *   heights          u16 codes, edge(k)² (TP_LAYER_HEIGHT, LOD k)
 *   biomes           u8 ids, edge(k)² (TP_LAYER_BIOME, LOD k)
 *   temperature      i16 centi-degrees, climate_edge² (TP_LAYER_TEMPERATURE, stored at
 *                    LOD 0 only: climate does not depend on the LOD)
 *   precipitation    u16 mm, climate_edge² (TP_LAYER_PRECIPITATION, LOD 0 only)
 *   mesh             the mesh encoding of tp_mesh_generate_chunk_blob() (TP_LAYER_MESH,
 *                    LOD k; only in layouts with TP_PAGE_MESHES), with its max error
 * Every part is a pure function of (world, cx, cz, k): tp_page_generate() gives, byte for
 * byte, what tp_page_read() gives for a file baked from the same world. Grids are
 * row-major with rows along +z (terrapage/world.h, grid conventions).
 *
 * Thread rules: every function here may be called from any thread at once; a layout is
 * only read, and a page's buffers and the scratch belong to the caller of that call.
 */
#ifndef TERRAPAGE_PAGE_H
#define TERRAPAGE_PAGE_H

#include <stddef.h>
#include <stdint.h>

#include "terrapage/export.h"
#include "terrapage/pagefile.h"
#include "terrapage/result.h"
#include "terrapage/world.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Layout flags. */
#define TP_PAGE_MESHES 0x1u /* pages hold a mesh (files with a TP_LAYER_MESH layer) */

/* Page flags, set by generate and read. */
#define TP_PAGE_MESH_ERROR_ESTIMATED 0x1u /* mesh_error_m is the LOD's promise
                                             (tp_mesh_lod_target_error_m), not measured:
                                             the mesh was generated without the LOD-0 grid */

/* The layout of every page of one world. Filled by tp_page_layout_init() or
 * tp_page_layout_from_file(); read-only afterwards. */
typedef struct tp_page_layout {
    tp_world_params world;          /* resolved parameters */
    uint32_t generator_version;     /* TP_GENERATOR_VERSION, or a file's other version
                                       (then nothing may be generated) */
    uint32_t flags;                 /* TP_PAGE_MESHES or 0 */
    uint32_t lod_count;             /* LODs 0 … lod_count − 1 */
    uint32_t edge[TP_MAX_LODS];     /* height and biome samples per edge at each LOD */
    uint32_t climate_edge;          /* climate samples per edge */
} tp_page_layout;

/*! tp_page_layout_init() :
 *  The layout of `world`'s pages (world resolved by tp_world_params_resolve()), with a
 *  mesh when `flags` has TP_PAGE_MESHES.
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for unknown flags. */
TP_API tp_result tp_page_layout_init(const tp_world_params *world, uint32_t flags,
                                     tp_page_layout *out_layout);

/*! tp_page_layout_file_desc() :
 *  The page-file description that holds these pages for the half-open chunk region
 *  [x0, x0 + width) × [z0, z0 + height): header fields and the layer table (heights,
 *  climate at LOD 0, biomes and, with TP_PAGE_MESHES, meshes, in that id order).
 *  `params_blob` (TP_WORLD_PARAMS_BLOB_SIZE bytes, caller-owned) receives the canonical
 *  parameters and desc->params_blob points to it. This is what the baker writes. */
TP_API void tp_page_layout_file_desc(const tp_page_layout *layout, int32_t region_x0,
                                     int32_t region_z0, uint32_t region_width,
                                     uint32_t region_height, tp_file_desc *out_desc,
                                     uint8_t params_blob[TP_WORLD_PARAMS_BLOB_SIZE]);

/*! tp_page_layout_from_file() :
 *  The one check that a page file's world is the one this generator would produce, and
 *  the layout of its pages. Checks, all of them, in this order: the parameter blob
 *  resolves; its hash is the header's params_hash; the header's seed, chunk size,
 *  samples per edge, LOD count and height quantisation (TP_HEIGHT_MIN_M, TP_HEIGHT_STEP_M)
 *  are the parameters'; every layer the file holds that a page has (heights, climate,
 *  biomes, mesh) has the page's element type, LOD count and grid; and last the generator
 *  version. A layer the file lacks is no error (its pages read as TP_ERR_NOT_FOUND); the
 *  layout has TP_PAGE_MESHES when the file holds meshes. tp_error_detail() names the
 *  first disagreement, e.g. "header seed 7 disagrees with the parameters' seed 42".
 *  @return TP_OK; TP_ERR_CORRUPT for any disagreement (out_layout undefined);
 *  TP_ERR_UNSUPPORTED_VERSION when everything agrees but the file was baked by another
 *  generator version: out_layout is then filled, so its baked pages can still be read,
 *  but nothing may be generated for it (generated pages would differ). */
TP_API tp_result tp_page_layout_from_file(const tp_file_desc *desc,
                                          tp_page_layout *out_layout);

/*! tp_page_grid_bytes() : @return bytes of the height and biome grids of a page at `lod`
 *  (edge² · 3), 0 for lod ≥ lod_count. */
TP_API size_t tp_page_grid_bytes(const tp_page_layout *layout, uint32_t lod);

/*! tp_page_climate_samples() : @return climate_edge², the elements of each climate grid. */
TP_API size_t tp_page_climate_samples(const tp_page_layout *layout);

/*! tp_page_mesh_capacity() :
 *  @return the mesh buffer size that always suffices at `lod` (tp_mesh_chunk_blob_bound;
 *  the largest is at LOD 0 and serves every LOD), 0 without meshes or for lod out of
 *  range. A file's mesh blob that decodes to more is corrupt. */
TP_API size_t tp_page_mesh_capacity(const tp_page_layout *layout, uint32_t lod);

/*! tp_page_scratch_size() :
 *  @return the scratch tp_page_generate(), tp_page_read() and
 *  tp_page_read_or_generate() need at `lod` (the largest is at LOD 0 and serves every
 *  LOD): the larger of the mesh builder's scratch and what a page read accepts, all of
 *  a page's stored blobs at once (a page read loads them with one read). */
TP_API size_t tp_page_scratch_size(const tp_page_layout *layout, uint32_t lod);

/* One page's buffers. Set the pointers of the parts you want (NULL skips a part; sizes
 * in the layout functions above), then call generate or read. */
typedef struct tp_page {
    uint16_t *heights;           /* edge(lod)² height codes */
    uint8_t *biomes;             /* edge(lod)² biome ids */
    int16_t *temperature_cc;     /* climate_edge² */
    uint16_t *precipitation_mm;  /* climate_edge² */
    void *mesh;                  /* ≥ tp_page_mesh_capacity(layout, lod) bytes, receives
                                    the mesh encoding (read it with tp_mesh_decode());
                                    ignored in layouts without meshes */
    /* Results. */
    size_t mesh_size;            /* bytes of the mesh encoding; 0 if none was asked for */
    float mesh_error_m;          /* its max vertical error against the LOD-0 grid */
    uint32_t flags;              /* TP_PAGE_MESH_ERROR_ESTIMATED */
    uint64_t bytes_read;         /* stored bytes read from the file (read only) */
} tp_page;

/*! tp_page_generate() :
 *  Generates the requested parts of page (cx, cz, lod) — exactly the bytes a bake stores.
 *  `lod0_heights` may be NULL; with the chunk's LOD-0 grid the mesh's max error is
 *  measured exactly (as the baker records it), without it the error is measured only at
 *  LOD 0 and is the LOD's promise elsewhere (TP_PAGE_MESH_ERROR_ESTIMATED).
 *  @return TP_OK; TP_ERR_INVALID_ARGUMENT for lod out of range; TP_ERR_BUFFER_TOO_SMALL
 *  for a scratch below tp_page_scratch_size(). */
TP_API tp_result tp_page_generate(const tp_page_layout *layout, int32_t cx, int32_t cz,
                                  uint32_t lod, const uint16_t *lod0_heights, void *scratch,
                                  size_t scratch_size, tp_page *page);

/*! tp_page_subsample() :
 *  Fills `to`'s heights, biomes and climate from page `from` at the finer LOD `from_lod`:
 *  a coarser LOD is the finer grid taken at stride 2^(to_lod − from_lod), and the climate
 *  is the same at every LOD, so this is exactly the page the file holds (or generation
 *  gives) at `to_lod`, without reading or generating. Parts NULL in either page are
 *  skipped; the mesh is not derived (a coarser mesh is no subsample of a finer one).
 *  Requires from_lod ≤ to_lod < lod_count. */
TP_API void tp_page_subsample(const tp_page_layout *layout, uint32_t from_lod,
                              const tp_page *from, uint32_t to_lod, tp_page *to);

/*! tp_page_generate_mesh() :
 *  Generates only the mesh of page (cx, cz, lod) into page->mesh, from page->heights
 *  when set (that LOD's grid) or from the generator otherwise; `lod0_heights` as in
 *  tp_page_generate(). For callers that already hold the grids (the baker).
 *  @return as tp_page_generate(); TP_ERR_INVALID_ARGUMENT without meshes or page->mesh. */
TP_API tp_result tp_page_generate_mesh(const tp_page_layout *layout, int32_t cx, int32_t cz,
                                       uint32_t lod, const uint16_t *lod0_heights,
                                       void *scratch, size_t scratch_size, tp_page *page);

/* One blob of a page, as a page file stores it. */
typedef struct tp_page_part {
    uint32_t layer_id;   /* TP_LAYER_* */
    uint32_t stored_lod; /* the LOD whose blob holds it: the page's, or 0 for climate */
    uint32_t elem_type;  /* tp_elem_type */
    uint32_t edge;       /* grid samples per edge; 0 for the mesh */
    void *data;          /* the page's buffer for it */
    size_t bytes;        /* its size (the mesh's capacity until it is known) */
} tp_page_part;

#define TP_PAGE_MAX_PARTS 5u

/*! tp_page_parts() :
 *  The parts of page `lod` whose buffers are set in `page`, in the order a bake writes a
 *  chunk's blobs at that LOD: heights, biomes, temperature, precipitation, mesh. Climate
 *  parts have stored_lod 0 (a bake writes them with LOD 0 only). The mesh part's bytes
 *  are page->mesh_size when it is non-zero, else the capacity.
 *  @return the number of parts written to out_parts (≤ TP_PAGE_MAX_PARTS). */
TP_API uint32_t tp_page_parts(const tp_page_layout *layout, uint32_t lod,
                              const tp_page *page, tp_page_part out_parts[TP_PAGE_MAX_PARTS]);

/*! tp_page_read() :
 *  Reads the requested parts of page (cx, cz, lod) from `reader`, whose file `layout`
 *  was made from (tp_page_layout_from_file): finds each blob, checks it is this layout's
 *  grid, verifies its checksum and decodes it. Nothing is generated.
 *  @return TP_OK; TP_ERR_NOT_FOUND when the file does not hold a requested part (the
 *  chunk is outside the region or absent, or the file lacks the layer): generate it;
 *  TP_ERR_CHECKSUM; TP_ERR_CORRUPT (a blob that is not the layout's grid, a mesh larger
 *  than any this world's builder makes, data that does not decode); TP_ERR_IO; with
 *  tp_error_detail() naming the chunk, layer and LOD. On failure the buffers hold
 *  garbage: never use part of a page that failed. */
TP_API tp_result tp_page_read(const tp_page_layout *layout, const tp_reader *reader,
                              int32_t cx, int32_t cz, uint32_t lod, void *scratch,
                              size_t scratch_size, tp_page *page);

/* Where a page came from. */
typedef enum tp_page_source {
    TP_PAGE_FROM_FILE = 0,      /* read from the file */
    TP_PAGE_GENERATED = 1,      /* the file does not hold it (TP_ERR_NOT_FOUND) */
    TP_PAGE_REPAIRED = 2        /* the file's copy failed (checksum, corrupt, I/O) and it
                                   was generated whole instead, never partly trusted */
} tp_page_source;

/*! tp_page_read_or_generate() :
 *  tp_page_read(), and when that fails, tp_page_generate() of the whole page (without a
 *  LOD-0 grid): the same bytes either way. `reader` may be NULL (always generate).
 *  *out_read_result (may be NULL) receives tp_page_read()'s result, so a caller can count
 *  checksum failures apart from decode failures.
 *  @return TP_OK with *out_source set; TP_ERR_UNSUPPORTED_VERSION for a layout of another
 *  generator version whose page is not in the file (and *out_source TP_PAGE_GENERATED or
 *  TP_PAGE_REPAIRED: what was needed); tp_page_generate()'s errors. */
TP_API tp_result tp_page_read_or_generate(const tp_page_layout *layout,
                                          const tp_reader *reader, int32_t cx, int32_t cz,
                                          uint32_t lod, void *scratch, size_t scratch_size,
                                          tp_page *page, tp_page_source *out_source,
                                          tp_result *out_read_result);

/* ---- The content check -------------------------------------------------------------
 * tp_page_layout_from_file() checks that a header agrees with the parameters it stores;
 * it cannot see a header field the parameters do not repeat (the region's origin) or
 * blobs of one chunk filed under another. Only the pages themselves can: a page read
 * from the file must be, byte for byte, the page generated for its chunk, the very bytes
 * the runtime's fallback would produce. A page that differs is a world contradiction
 * (TP_ERR_WORLD_MISMATCH), unlike a blob that fails its checksum or does not decode:
 * that is damage, which the runtime regenerates, and the check only skips it. */

/*! tp_page_check_scratch_size() :
 *  @return the scratch tp_page_check() needs at `lod`: both pages' buffers (the file's
 *  and the generated one) and tp_page_scratch_size(); 0 for lod ≥ lod_count. */
TP_API size_t tp_page_check_scratch_size(const tp_page_layout *layout, uint32_t lod);

/*! tp_page_check() :
 *  Compares every part of page (cx, cz, lod) the file holds — heights, biomes, climate
 *  (its LOD-0 blobs), the mesh encoding — bit for bit with tp_page_generate(). Parts the
 *  file lacks are skipped, so are parts that cannot be read (checksum, decode, I/O) and
 *  a mesh that differs but does not decode (damage inside a blob whose page-file
 *  checksum was recomputed: the runtime regenerates it too); the mesh's recorded error
 *  is not compared (generation only measures it at LOD 0).
 *  Costs one page read and one page generation at `lod`: at the coarsest LOD 0.25–0.8 ms
 *  on the default world, at LOD 0 what baking the chunk costs.
 *  @return TP_OK when every part read equals generation; TP_ERR_WORLD_MISMATCH when one
 *  differs: *out_differing (may be NULL) receives that part (its layer_id and
 *  stored_lod say which blob; its data points into the scratch) and tp_error_detail()
 *  reads "chunk (cx, cz) <layer> LOD <k>: differs from the page generated for this chunk
 *  (<the first differing sample>)"; otherwise, nothing differing, the first read failure
 *  (TP_ERR_CHECKSUM, TP_ERR_CORRUPT, TP_ERR_IO) or TP_ERR_NOT_FOUND when the file holds
 *  no part of the page; TP_ERR_UNSUPPORTED_VERSION for a layout of another generator
 *  version (nothing can be generated to compare with); TP_ERR_BUFFER_TOO_SMALL for a
 *  scratch below tp_page_check_scratch_size(); TP_ERR_INVALID_ARGUMENT for lod out of
 *  range. */
TP_API tp_result tp_page_check(const tp_page_layout *layout, const tp_reader *reader,
                               int32_t cx, int32_t cz, uint32_t lod, void *scratch,
                               size_t scratch_size, tp_page_part *out_differing);

/* The sample tp_page_check_file() compares: at most this many coarsest-LOD pages, found
 * among at most TP_PAGE_CHECK_FILE_LOOKUPS chunks of the stored tiles. */
#define TP_PAGE_CHECK_FILE_PAGES 4u
#define TP_PAGE_CHECK_FILE_LOOKUPS 64u

/*! tp_page_check_file() :
 *  The content check at open, of constant cost: walks the stored tiles in file order and
 *  compares (tp_page_check) the coarsest-LOD page of the first TP_PAGE_CHECK_FILE_PAGES
 *  stored chunks whose page reads soundly, looking at no more than
 *  TP_PAGE_CHECK_FILE_LOOKUPS chunks (absent or damaged ones are passed over: damage is
 *  regenerated, not a contradiction). The tiles before the first stored one are skipped
 *  through the block table (O(1) each). Deterministic: the same file compares the same
 *  pages. A file of another generator version is skipped (its pages are read, never
 *  generated). `scratch` holds tp_page_check_scratch_size(layout, lod_count − 1) bytes;
 *  *out_pages_compared (may be NULL) receives how many pages were compared.
 *  @return TP_OK (also when nothing could be compared, or for another generator
 *  version); TP_ERR_WORLD_MISMATCH as tp_page_check(); TP_ERR_BUFFER_TOO_SMALL. */
TP_API tp_result tp_page_check_file(const tp_page_layout *layout, const tp_reader *reader,
                                    void *scratch, size_t scratch_size,
                                    uint32_t *out_pages_compared);

/*! tp_page_bounds() :
 *  The bounds record of a chunk from its height grid (`lod`'s edge² codes): smallest and
 *  largest code and TP_CHUNK_ALL_OCEAN when every sample is strictly below sea level.
 *  From the LOD-0 grid this is exactly what the baker records. */
TP_API tp_chunk_bounds tp_page_bounds(const tp_page_layout *layout, uint32_t lod,
                                      const uint16_t *heights);

#ifdef __cplusplus
}
#endif
#endif /* TERRAPAGE_PAGE_H */
