/* cmd_verify.c — `terrapage verify`: every checksum, every blob decoded, every LOD checked.
 *
 * Opening checks the header and block table. Then every chunk of the tiles the file
 * stores (those with a directory block; a tile without one holds no chunk, so the work
 * follows the file, not the region its header declares) is visited in parallel: its
 * directory entry (checksummed on first touch), every blob of every
 * layer and LOD found and decoded (tp_reader_load checks the blob's checksum on the bytes
 * it read and the exact decoded size), and two consistency checks that cost nothing once the data is
 * decoded: coarse LODs must equal LOD 0 at stride 2^k (the pyramid's defining property),
 * and the chunk's bounds record must match its LOD-0 heights. A mesh blob is decoded on
 * to the mesh itself (FORMAT.md section 12: header, counts, checksum, indices, skirts),
 * within what the world's builder makes at its LOD, as `terrapage mesh` would read it,
 * and its surface vertices must be the chunk's LOD-0 samples (position and height).
 * Last, the chunk's coarsest page (every page with --deep) is compared with generation
 * (tp_page_check): the only witness of blobs filed under the wrong chunk, which every
 * checksum and decoder above accepts. At open, the file must pass the world checks every
 * tool and the runtime make (tpt_pagefile_world).
 *
 * Chunks run in fixed-size batches, tile by tile; the problems of a batch are sorted
 * before they are kept, and the kept ones once more at the end, so the report lists the
 * same problems in the same order (the region's, row by row) for any thread count.
 */
#include <inttypes.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chunk_mesh.h"
#include "cli_options.h"
#include "commands.h"
#include "json_out.h"
#include "pagefile_names.h"
#include "pagefile_open.h"
#include "progress.h"
#include "units.h"

enum { OPT_HELP = 1, OPT_JSON, OPT_QUIET, OPT_THREADS, OPT_DEEP };

#define COMMAND "terrapage verify"

#define BATCH_CHUNKS 1024
#define MAX_KEPT_PROBLEMS 10000  /* beyond this only the count grows */
#define MAX_PRINTED_PROBLEMS 200 /* a broken file should not bury the summary */
/* A blob larger than this, decoded or stored, is reported instead of allocated: the
 * reader bounds grid blobs by the layer's edge, but a hostile file can still declare a
 * large one. */
#define MAX_BLOB_BYTES (512u << 20)

typedef struct problem {
    int64_t chunk_index; /* row-major in the region: the sort key, with slot and lod */
    int32_t cx, cz;
    int32_t slot;        /* layer-table slot, −1 for the chunk as a whole */
    int32_t lod;         /* −1 for every LOD */
    char reason[300];
} problem;

typedef struct problem_list {
    problem *items;
    size_t count, capacity;
} problem_list;

typedef struct verifier {
    const char *path;
    const tp_reader *reader;
    const tp_file_desc *desc;
    tp_page_layout layout; /* the file's pages (its header agrees with its world) */
    tpt_region region;
    uint32_t first_compared_lod; /* pages compared with generation: this LOD and coarser
                                    (the coarsest only, or 0 with --deep); lod_count when
                                    none can be (another generator version) */
    /* Totals (updated with atomics from the workers). */
    uint64_t chunks_present, chunks_absent, blobs, stored, raw;
    uint64_t chunks_visited; /* records looked up: the chunks of the stored tiles */
    uint64_t pages_compared; /* pages found equal to generation, or not */
    uint64_t bad_count;
    problem_list kept;   /* sorted, at most MAX_KEPT_PROBLEMS */
    problem_list batch;  /* the current batch, unsorted */
} verifier;

typedef struct worker_buffers {
    uint8_t *blob;       /* decode target, grown as needed */
    size_t blob_capacity;
    uint8_t *stored;     /* the stored bytes, read and checked here (pread mode) */
    size_t stored_capacity;
    uint8_t *lod0[TP_MAX_LAYERS]; /* each layer's LOD-0 grid, for the stride check */
    size_t lod0_capacity[TP_MAX_LAYERS];
    bool lod0_valid[TP_MAX_LAYERS];
    void *check;         /* tp_page_check()'s scratch, for the finest LOD compared */
    size_t check_size;
} worker_buffers;

static void print_help(void)
{
    printf("usage: terrapage verify FILE.tpk [--deep] [--json] [--quiet]\n"
           "\n"
           "Checks a page file completely: the header and block-table checksums at open,\n"
           "that the header agrees with the world parameters it stores, and that the first\n"
           "few stored chunks' coarsest pages are what the generator makes (the checks the\n"
           "runtime makes at open). Then for every chunk the file stores its directory\n"
           "block checksum, and for every layer and LOD its blob's checksum and a full\n"
           "decode to the exact size, each mesh decoded down to its triangles (header,\n"
           "counts, checksum, indices). It also checks that each coarse LOD equals LOD 0\n"
           "sampled at stride 2^k, that each chunk's bounds record matches its heights,\n"
           "that every mesh vertex is one of the chunk's height samples, and compares each\n"
           "chunk's coarsest-LOD page (heights, biomes, its climate, mesh) bit for bit\n"
           "with generation. Every problem is named as (chunk, layer, LOD) with the\n"
           "reason; the exit status is 1 if there is any.\n"
           "\n"
           "What each level catches:\n"
           "  checksums and decodes   damage: flipped bits, truncation, torn writes\n"
           "  header vs parameters    a header edited to contradict its world (seed, sizes,\n"
           "                          quantisation, params hash, generator version)\n"
           "  stride, bounds, mesh    a LOD, bounds record or mesh (at any LOD) that is\n"
           "    on heights            not on the chunk's LOD-0 heights: e.g. another\n"
           "                          chunk's, filed under this one\n"
           "  coarsest page vs        a moved region origin, and blobs of one chunk filed\n"
           "    generation (default)  under another (a resealed splice of heights, biomes,\n"
           "                          climate or meshes); verify takes about 3x as long\n"
           "                          as without it\n"
           "  every page vs           --deep: also any finer page that is not exactly\n"
           "    generation (--deep)   what the generator makes (a mesh on the right\n"
           "                          heights but built otherwise); costs what baking\n"
           "                          the world costs\n"
           "A file of another generator version gets every check but the comparisons\n"
           "with generation (this build cannot make its pages).\n"
           "\n"
           "Options:\n"
           "      --deep         compare every page of every LOD with generation, not only\n"
           "                     the coarsest (regenerates the world: as slow as a bake)\n"
           "      --json         print one JSON object (file, ok, chunks, chunks_present,\n"
           "                     chunks_absent, chunks_visited, blobs_checked,\n"
           "                     pages_compared, stored_bytes, raw_bytes, bad_count,\n"
           "                     bad: [{cx, cz, layer, lod, reason}], seconds)\n"
           "  -q, --quiet        print nothing unless something is wrong (no progress,\n"
           "                     no summary)\n"
           "  -j, --threads N    threads to use, 0 for all cores (default: 0)\n"
           "  -h, --help         show this help\n"
           "\n"
           "Chunks absent from a sparse file are counted, not reported: only a chunk\n"
           "whose directory entry exists must have every blob. Only the tiles of 16 x 16\n"
           "chunks that have a directory block are walked (chunks_visited), so the time\n"
           "follows what the file stores, not the region its header declares.\n"
           "\n"
           "Examples:\n"
           "  terrapage verify world.tpk\n"
           "  terrapage verify world.tpk --json > report.json\n"
           "  terrapage verify world.tpk --deep\n");
}

/* ---- problems ---------------------------------------------------------------------- */

static void add_problem(verifier *v, int64_t chunk_index, int32_t cx, int32_t cz, int32_t slot,
                        int32_t lod, const char *format, ...)
    __attribute__((format(printf, 7, 8)));

static void add_problem(verifier *v, int64_t chunk_index, int32_t cx, int32_t cz, int32_t slot,
                        int32_t lod, const char *format, ...)
{
    problem p = {chunk_index, cx, cz, slot, lod, {0}};
    va_list ap;
    va_start(ap, format);
    vsnprintf(p.reason, sizeof p.reason, format, ap);
    va_end(ap);
#pragma omp critical(tpt_verify_problems)
    {
        v->bad_count++;
        problem_list *b = &v->batch;
        if (b->count == b->capacity) {
            size_t cap = b->capacity ? b->capacity * 2 : 64;
            problem *items = realloc(b->items, cap * sizeof *items);
            if (items) {
                b->items = items;
                b->capacity = cap;
            }
        }
        /* Out of memory only loses the listing, never the count. */
        if (b->count < b->capacity)
            b->items[b->count++] = p;
    }
}

static int compare_problems(const void *a, const void *b)
{
    const problem *x = a, *y = b;
    if (x->chunk_index != y->chunk_index)
        return x->chunk_index < y->chunk_index ? -1 : 1;
    if (x->slot != y->slot)
        return x->slot < y->slot ? -1 : 1;
    if (x->lod != y->lod)
        return x->lod < y->lod ? -1 : 1;
    return strcmp(x->reason, y->reason);
}

/* Sorts the batch's problems and keeps them, up to the limit. */
static void close_batch(verifier *v)
{
    problem_list *b = &v->batch, *k = &v->kept;
    if (b->count == 0)
        return;
    qsort(b->items, b->count, sizeof *b->items, compare_problems);
    for (size_t i = 0; i < b->count && k->count < MAX_KEPT_PROBLEMS; i++) {
        if (k->count == k->capacity) {
            size_t cap = k->capacity ? k->capacity * 2 : 64;
            problem *items = realloc(k->items, cap * sizeof *items);
            if (!items)
                break;
            k->items = items;
            k->capacity = cap;
        }
        k->items[k->count++] = b->items[i];
    }
    b->count = 0;
}

static void describe_problem(const verifier *v, const problem *p, char *buf, size_t size)
{
    char name[32];
    if (p->slot < 0)
        snprintf(buf, size, "chunk (%" PRId32 ", %" PRId32 "): %s", p->cx, p->cz, p->reason);
    else if (p->lod < 0)
        snprintf(buf, size, "chunk (%" PRId32 ", %" PRId32 ") %s: %s", p->cx, p->cz,
                 tpt_layer_name(v->desc->layers[p->slot].layer_id, name, sizeof name),
                 p->reason);
    else
        snprintf(buf, size, "chunk (%" PRId32 ", %" PRId32 ") %s LOD %" PRId32 ": %s", p->cx,
                 p->cz,
                 tpt_layer_name(v->desc->layers[p->slot].layer_id, name, sizeof name),
                 p->lod, p->reason);
}

/* ---- checking one chunk ------------------------------------------------------------ */

static bool grow(uint8_t **buf, size_t *capacity, size_t need)
{
    if (need <= *capacity)
        return true;
    uint8_t *p = realloc(*buf, need);
    if (!p)
        return false;
    *buf = p;
    *capacity = need;
    return true;
}

/* The stride property: sample (i, j) of LOD k is sample (i·2^k, j·2^k) of LOD 0. */
static bool matches_lod0(const uint8_t *lod0, uint32_t edge0, const uint8_t *coarse,
                         uint32_t edge, uint32_t lod, uint32_t elem)
{
    for (uint32_t j = 0; j < edge; j++)
        for (uint32_t i = 0; i < edge; i++)
            if (memcmp(coarse + ((size_t)j * edge + i) * elem,
                       lod0 + (((size_t)j << lod) * edge0 + ((size_t)i << lod)) * elem, elem) != 0)
                return false;
    return true;
}

/* A chunk's place in the region and in the problem list. */
typedef struct chunk_at {
    int64_t index; /* row-major in the region */
    int32_t cx, cz;
} chunk_at;

/* The layer-table slot of a layer (the file check saw that every page part has one). */
static int32_t layer_slot(const verifier *v, uint32_t layer_id)
{
    for (uint32_t slot = 0; slot < v->desc->layer_count; slot++)
        if (v->desc->layers[slot].layer_id == layer_id)
            return (int32_t)slot;
    return -1;
}

/* Every surface vertex of a chunk's mesh is one of its LOD-0 samples, at that sample's
 * position (TP_MESH_XZ_EXTENT) and height code: the builder only picks samples. A mesh
 * that is not on its chunk's heights (another chunk's, filed under this one) shows at
 * its first vertex, at no cost beside the decode. */
static void verify_mesh_on_heights(verifier *v, const worker_buffers *wb, const chunk_at *at,
                                   uint32_t slot, uint32_t lod, const tp_mesh *mesh)
{
    const int32_t height_slot = layer_slot(v, TP_LAYER_HEIGHT);
    if (height_slot < 0 || !wb->lod0_valid[height_slot])
        return; /* no heights to hold it to (their problem is reported) */
    const uint32_t edge0 = v->layout.edge[0];
    const uint32_t step = TP_MESH_XZ_EXTENT / (edge0 - 1u);
    const uint16_t *heights = (const uint16_t *)(const void *)wb->lod0[height_slot];
    for (uint32_t k = 0; k < mesh->skirt_vertex_start; k++) {
        const tp_mesh_vertex *p = &mesh->vertices[k];
        const uint32_t i = p->x / step, j = p->z / step;
        if (p->x % step || p->z % step || i >= edge0 || j >= edge0) {
            add_problem(v, at->index, at->cx, at->cz, (int32_t)slot, (int32_t)lod,
                        "vertex %u at (%u, %u) is not on a sample of the chunk's grid", k,
                        p->x, p->z);
            return;
        }
        if (p->h != heights[(size_t)j * edge0 + i]) {
            add_problem(v, at->index, at->cx, at->cz, (int32_t)slot, (int32_t)lod,
                        "vertex %u has height code %u where the chunk's sample (%u, %u) has "
                        "%u: the mesh is not on this chunk's heights",
                        k, p->h, i, j, heights[(size_t)j * edge0 + i]);
            return;
        }
    }
}

/* A mesh blob, decoded: its encoding must give a mesh this world's builder could have
 * made at this LOD (the checks of tpt_chunk_mesh_decode, which `terrapage mesh` and
 * `export` read meshes with), and lie on the chunk's heights. */
static void verify_mesh(verifier *v, const worker_buffers *wb, const chunk_at *at,
                        uint32_t slot, uint32_t lod, const uint8_t *raw, size_t size)
{
    tpt_chunk_mesh m;
    tpt_pagefile_clear_detail();
    tp_result res = tpt_chunk_mesh_decode(&v->layout, lod, raw, size, &m);
    if (res != TP_OK) {
        char why[640];
        tpt_pagefile_problem(res, v->path, why, sizeof why);
        add_problem(v, at->index, at->cx, at->cz, (int32_t)slot, (int32_t)lod, "%s", why);
        return;
    }
    verify_mesh_on_heights(v, wb, at, slot, lod, &m.mesh);
    tpt_chunk_mesh_free(&m);
}

/* Checks one blob: found, decodable to its exact size, a mesh down to its triangles, and
 * (for grid layers with several LODs) equal to LOD 0 at its stride. Adds what it read to
 * *io_counts (blobs, stored, raw). */
static void verify_blob(verifier *v, worker_buffers *wb, const chunk_at *at, uint32_t slot,
                        uint32_t lod, uint64_t io_counts[3])
{
    const tp_layer_desc *ld = &v->desc->layers[slot];
    const int32_t s = (int32_t)slot, l = (int32_t)lod;
    char why[640];
    tp_blob_ref ref;
    tpt_pagefile_clear_detail();
    tp_result res = tp_reader_find(v->reader, at->cx, at->cz, ld->layer_id, lod, &ref);
    if (res == TP_ERR_NOT_FOUND) {
        add_problem(v, at->index, at->cx, at->cz, s, l,
                    "missing: the chunk is present but this blob is not");
        return;
    }
    if (res != TP_OK) {
        tpt_pagefile_problem(res, v->path, why, sizeof why);
        add_problem(v, at->index, at->cx, at->cz, s, l, "%s", why);
        return;
    }
    const bool mesh = ld->layer_id == TP_LAYER_MESH;
    const size_t mesh_capacity = mesh ? tp_page_mesh_capacity(&v->layout, lod) : 0;
    if (ref.raw_size > MAX_BLOB_BYTES || ref.stored_size > MAX_BLOB_BYTES) {
        add_problem(v, at->index, at->cx, at->cz, s, l,
                    "declares %" PRIu32 " decoded bytes (%" PRIu32 " stored), more than this "
                    "check allows", ref.raw_size, ref.stored_size);
        return;
    }
    if (mesh && ref.raw_size > mesh_capacity) {
        add_problem(v, at->index, at->cx, at->cz, s, l,
                    "declares %" PRIu32 " decoded bytes, more than any mesh of this world "
                    "at this LOD (%zu)",
                    ref.raw_size, mesh_capacity);
        return;
    }
    if (!grow(&wb->blob, &wb->blob_capacity, ref.raw_size ? ref.raw_size : 1) ||
        !grow(&wb->stored, &wb->stored_capacity, ref.stored_size ? ref.stored_size : 1)) {
        add_problem(v, at->index, at->cx, at->cz, s, l, "out of memory for %" PRIu32 " bytes",
                    ref.raw_size);
        return;
    }
    tpt_pagefile_clear_detail();
    res = tp_reader_load(v->reader, &ref, wb->blob, wb->blob_capacity, wb->stored,
                         wb->stored_capacity);
    if (res != TP_OK) {
        tpt_pagefile_problem(res, v->path, why, sizeof why);
        add_problem(v, at->index, at->cx, at->cz, s, l, "%s", why);
        return;
    }
    io_counts[0]++;
    io_counts[1] += ref.stored_size;
    io_counts[2] += ref.raw_size;
    if (mesh) {
        verify_mesh(v, wb, at, slot, lod, wb->blob, ref.raw_size);
        return;
    }

    /* Pyramid check for grid layers with several LODs. */
    uint32_t elem = tp_elem_size(ld->elem_type);
    if (elem == 0 || ld->lod_count < 2)
        return;
    size_t expect = (size_t)ref.edge * ref.edge * elem;
    if (ref.raw_size != expect) {
        add_problem(v, at->index, at->cx, at->cz, s, l,
                    "decoded %" PRIu32 " bytes, a %" PRIu32 "x%" PRIu32 " grid needs %zu",
                    ref.raw_size, ref.edge, ref.edge, expect);
        return;
    }
    if (lod == 0) {
        if (grow(&wb->lod0[slot], &wb->lod0_capacity[slot], expect)) {
            memcpy(wb->lod0[slot], wb->blob, expect);
            wb->lod0_valid[slot] = true;
        }
    } else if (wb->lod0_valid[slot] &&
               !matches_lod0(wb->lod0[slot], tp_lod_edge(ld->edge_lod0, 0), wb->blob, ref.edge,
                             lod, elem)) {
        add_problem(v, at->index, at->cx, at->cz, s, l,
                    "differs from LOD 0 sampled at stride %u", 1u << lod);
    }
}

/* The bounds record must describe the LOD-0 heights (which contain every LOD's samples),
 * or a game culling by it would drop visible terrain. */
static void verify_bounds(verifier *v, const worker_buffers *wb, const chunk_at *at,
                          uint32_t slot, const tp_chunk_bounds *bounds)
{
    const tp_layer_desc *ld = &v->desc->layers[slot];
    if (ld->layer_id != TP_LAYER_HEIGHT || ld->elem_type != TP_ELEM_U16 ||
        !wb->lod0_valid[slot])
        return;
    /* The layer's grid is the layout's (the file check saw to it); blobs decode to
     * aligned, native-endian buffers. */
    const tp_chunk_bounds want =
        tp_page_bounds(&v->layout, 0, (const uint16_t *)(const void *)wb->lod0[slot]);
    if (bounds->height_min_code != want.height_min_code ||
        bounds->height_max_code != want.height_max_code)
        add_problem(v, at->index, at->cx, at->cz, -1, -1,
                    "bounds record says height codes %u to %u, LOD 0 heights span %u to %u",
                    bounds->height_min_code, bounds->height_max_code, want.height_min_code,
                    want.height_max_code);
    else if ((bounds->flags & TP_CHUNK_ALL_OCEAN) != (want.flags & TP_CHUNK_ALL_OCEAN))
        add_problem(v, at->index, at->cx, at->cz, -1, -1,
                    "bounds record %s ALL_OCEAN, but %s LOD-0 sample is below sea level",
                    (bounds->flags & TP_CHUNK_ALL_OCEAN) ? "sets" : "lacks",
                    (want.flags & TP_CHUNK_ALL_OCEAN) ? "every" : "not every");
}

/* The page at `lod` must be the one generation makes for this chunk, or its blobs belong
 * to another chunk or another world. Blobs that cannot be read were reported above.
 * @return false when a problem was added. */
static bool verify_page(verifier *v, worker_buffers *wb, const chunk_at *at, uint32_t lod)
{
    tp_page_part differing;
    tpt_pagefile_clear_detail();
    tp_result res = tp_page_check(&v->layout, v->reader, at->cx, at->cz, lod, wb->check,
                                  wb->check_size, &differing);
    if (res == TP_OK || res == TP_ERR_WORLD_MISMATCH) {
#pragma omp atomic
        v->pages_compared++;
    }
    if (res == TP_OK || res == TP_ERR_NOT_FOUND || res == TP_ERR_CHECKSUM ||
        res == TP_ERR_CORRUPT || res == TP_ERR_IO)
        return true;
    if (res != TP_ERR_WORLD_MISMATCH) {
        char why[640];
        tpt_pagefile_problem(res, v->path, why, sizeof why);
        add_problem(v, at->index, at->cx, at->cz, -1, (int32_t)lod,
                    "could not be compared with generation: %s", why);
        return false;
    }
    /* The detail is "chunk (cx, cz) <layer> LOD <k>: <what>": the problem names the rest. */
    const char *detail = tp_error_detail(), *what = strstr(detail, ": ");
    add_problem(v, at->index, at->cx, at->cz, layer_slot(v, differing.layer_id),
                (int32_t)differing.stored_lod, "%s", what ? what + 2 : detail);
    return false;
}

static void verify_chunk(verifier *v, worker_buffers *wb, const chunk_at at)
{
    tp_chunk_bounds bounds;
    tpt_pagefile_clear_detail();
    tp_result res = tp_reader_chunk_bounds(v->reader, at.cx, at.cz, &bounds);
    if (res == TP_ERR_NOT_FOUND) {
#pragma omp atomic
        v->chunks_absent++;
        return;
    }
    if (res != TP_OK) {
        char why[640];
        tpt_pagefile_problem(res, v->path, why, sizeof why);
        add_problem(v, at.index, at.cx, at.cz, -1, -1, "directory entry: %s", why);
        return;
    }
#pragma omp atomic
    v->chunks_present++;

    uint64_t counts[3] = {0, 0, 0}; /* blobs, stored bytes, raw bytes */
    for (uint32_t slot = 0; slot < v->desc->layer_count; slot++) {
        const tp_layer_desc *ld = &v->desc->layers[slot];
        wb->lod0_valid[slot] = false;
        for (uint32_t lod = 0; lod < ld->lod_count && lod < TP_MAX_LODS; lod++)
            verify_blob(v, wb, &at, slot, lod, counts);
        verify_bounds(v, wb, &at, slot, &bounds);
    }
    /* Coarsest first, the default's one page; a chunk is reported once (its climate is
     * part of every page, so it would differ at each LOD). */
    for (uint32_t lod = v->layout.lod_count; lod-- > v->first_compared_lod;)
        if (!verify_page(v, wb, &at, lod))
            break;
#pragma omp atomic
    v->blobs += counts[0];
#pragma omp atomic
    v->stored += counts[1];
#pragma omp atomic
    v->raw += counts[2];
}

/* ---- output ------------------------------------------------------------------------ */

static json_t *problem_json(const verifier *v, const problem *p)
{
    char name[32];
    json_t *layer = p->slot < 0 ? json_null()
                                : json_string(tpt_layer_name(v->desc->layers[p->slot].layer_id,
                                                             name, sizeof name));
    json_t *lod = p->lod < 0 ? json_null() : json_integer(p->lod);
    return json_pack("{s:i, s:i, s:o, s:o, s:o}",
                     "cx", (int)p->cx,
                     "cz", (int)p->cz,
                     "layer", layer,
                     "lod", lod,
                     "reason", tpt_json_text(p->reason));
}

/* The report; with `open_error`, only what is known of a file that did not open. */
static json_t *verify_json(const verifier *v, double seconds, const char *open_error)
{
    json_t *o = json_pack("{s:o, s:b}",
                          "file", tpt_json_text(v->path),
                          "ok", !open_error && v->bad_count == 0);
    if (!o || open_error) {
        json_object_set_new(o, "error", tpt_json_text(open_error));
        return o;
    }
    const uint64_t chunks = (uint64_t)v->desc->region_width * v->desc->region_height;
    json_object_set_new(o, "chunks", tpt_json_u64(chunks));
    json_object_set_new(o, "chunks_present", tpt_json_u64(v->chunks_present));
    json_object_set_new(o, "chunks_absent", tpt_json_u64(v->chunks_absent));
    json_object_set_new(o, "chunks_visited", tpt_json_u64(v->chunks_visited));
    json_object_set_new(o, "blobs_checked", tpt_json_u64(v->blobs));
    json_object_set_new(o, "pages_compared", tpt_json_u64(v->pages_compared));
    json_object_set_new(o, "stored_bytes", tpt_json_u64(v->stored));
    json_object_set_new(o, "raw_bytes", tpt_json_u64(v->raw));
    json_object_set_new(o, "bad_count", tpt_json_u64(v->bad_count));
    json_t *bad = json_array();
    for (size_t i = 0; i < v->kept.count; i++)
        json_array_append_new(bad, problem_json(v, &v->kept.items[i]));
    json_object_set_new(o, "bad", bad);
    json_object_set_new(o, "seconds", tpt_json_real(seconds, 3));
    return o;
}

static bool print_json(const verifier *v, double seconds, const char *open_error)
{
    if (tpt_json_write(stdout, verify_json(v, seconds, open_error), TPT_JSON_LINES))
        return true;
    fprintf(stderr, "%s: %s: could not write the JSON report\n", COMMAND, v->path);
    return false;
}

/* The problems on stderr (up to MAX_PRINTED_PROBLEMS), then the summary line unless
 * quiet and clean. */
static void print_text(const verifier *v, double seconds, bool quiet)
{
    char line[1024];
    for (size_t i = 0; i < v->kept.count && i < MAX_PRINTED_PROBLEMS; i++) {
        describe_problem(v, &v->kept.items[i], line, sizeof line);
        fprintf(stderr, "%s: %s: %s\n", COMMAND, v->path, line);
    }
    if (v->bad_count > MAX_PRINTED_PROBLEMS)
        fprintf(stderr, "%s: %s: ... and %" PRIu64 " more (--json lists up to %u)\n", COMMAND,
                v->path, v->bad_count - MAX_PRINTED_PROBLEMS, MAX_KEPT_PROBLEMS);
    if (quiet && !v->bad_count)
        return;
    char stored[32], raw[32];
    tpt_format_bytes(v->stored, stored, sizeof stored);
    tpt_format_bytes(v->raw, raw, sizeof raw);
    printf("%s: %s: %" PRIu64 " blobs in %" PRIu64 " chunks checked (%s stored, %s "
           "decoded), %" PRIu64 " bad",
           v->path, v->bad_count ? "FAILED" : "OK", v->blobs, v->chunks_present, stored, raw,
           v->bad_count);
    if (v->chunks_absent)
        printf(", %" PRIu64 " chunks of the region absent", v->chunks_absent);
    if (v->first_compared_lod < v->layout.lod_count)
        printf(", %" PRIu64 " %s compared with generation", v->pages_compared,
               v->first_compared_lod == 0 ? "pages of every LOD" : "coarsest pages");
    else
        printf(", no page compared with generation (another generator version)");
    printf(", %.1f s\n", seconds);
}

/* ---- the command ------------------------------------------------------------------- */

typedef struct verify_options {
    const char *path;
    bool json, quiet;
    bool deep;       /* every page compared with generation, not only the coarsest */
    int64_t threads; /* 0: all cores */
} verify_options;

/* @return TPT_CLI_PROCEED, or the status to exit with (help shown, or a bad option). */
static int parse_options(int argc, char **argv, verify_options *o)
{
    static const tpt_cli_option options[] = {
        {"help", 'h', false, OPT_HELP},
        {"json", 0, false, OPT_JSON},
        {"quiet", 'q', false, OPT_QUIET},
        {"threads", 'j', true, OPT_THREADS},
        {"deep", 0, false, OPT_DEEP},
        {0},
    };
    tpt_cli cli;
    tpt_cli_init(&cli, COMMAND, argc, argv);
    *o = (verify_options){0};
    bool help = false;
    const char *value;
    for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        switch (id) {
        case TPT_CLI_ERROR: return TPT_EXIT_USAGE;
        case OPT_HELP: help = true; break;
        case OPT_JSON: o->json = true; break;
        case OPT_QUIET: o->quiet = true; break;
        case OPT_DEEP: o->deep = true; break;
        case OPT_THREADS:
            if (!tpt_cli_int(&cli, value, 0, 1024, &o->threads))
                return TPT_EXIT_USAGE;
            break;
        case TPT_CLI_POSITIONAL:
            if (o->path)
                return tpt_cli_error(&cli, "one page file at a time (got '%s' and '%s')",
                                     o->path, value);
            o->path = value;
            break;
        }
    }
    if (help) {
        print_help();
        return TPT_EXIT_OK;
    }
    if (!o->path)
        return tpt_cli_error(&cli, "which page file? (e.g. terrapage verify world.tpk)");
    return TPT_CLI_PROCEED;
}

/* The walk over the chunks of the stored tiles, in tile order, each tile row by row. */
typedef struct chunk_walk {
    uint64_t tile, tile_count;
    tp_tile_info info; /* of `tile` */
    uint32_t next;     /* the tile's next chunk; info.width · info.height when done */
} chunk_walk;

/* Fills up to `max` chunks from where the walk is. @return how many (0 at the end). */
static size_t next_batch(const verifier *v, chunk_walk *w, chunk_at *out, size_t max)
{
    size_t n = 0;
    while (n < max) {
        if (w->next == w->info.width * w->info.height) {
            if (w->tile == w->tile_count)
                break;
            w->next = tp_reader_tile(v->reader, w->tile++, &w->info) == TP_OK
                          ? 0
                          : w->info.width * w->info.height; /* stored nothing: skip */
            continue;
        }
        const int32_t cx = w->info.cx0 + (int32_t)(w->next % w->info.width);
        const int32_t cz = w->info.cz0 + (int32_t)(w->next / w->info.width);
        w->next++;
        out[n++] = (chunk_at){((int64_t)cz - v->region.z0) * tpt_region_width(&v->region) +
                                  ((int64_t)cx - v->region.x0),
                              cx, cz};
    }
    return n;
}

/* Chunks the walk will visit (every chunk of the stored tiles) and chunks of the tiles
 * it skips (absent, without a look). One pass over the block table. */
static void count_tiles(const verifier *v, uint64_t *out_visit, uint64_t *out_skipped)
{
    tp_tile_grid grid;
    tp_reader_tile_grid(v->reader, &grid);
    *out_visit = *out_skipped = 0;
    for (uint64_t t = 0; t < grid.tile_count; t++) {
        tp_tile_info tile;
        tp_result res = tp_reader_tile(v->reader, t, &tile);
        *(res == TP_OK ? out_visit : out_skipped) += (uint64_t)tile.width * tile.height;
    }
}

static void free_buffers(worker_buffers *buffers, int nthreads)
{
    for (int i = 0; i < nthreads; i++) {
        free(buffers[i].blob);
        free(buffers[i].stored);
        for (uint32_t l = 0; l < TP_MAX_LAYERS; l++)
            free(buffers[i].lod0[l]);
        free(buffers[i].check);
    }
    free(buffers);
}

/* Every chunk of the stored tiles, in batches whose problems are sorted as they close.
 * @return false when out of memory (reported). */
static bool verify_region(verifier *v, const verify_options *o)
{
    const int nthreads = o->threads > 0 ? (int)o->threads : omp_get_max_threads();
    worker_buffers *buffers = calloc((size_t)nthreads, sizeof *buffers);
    if (!buffers) {
        fprintf(stderr, "%s: out of memory\n", COMMAND);
        return false;
    }
    const size_t check_size = v->first_compared_lod < v->layout.lod_count
                                  ? tp_page_check_scratch_size(&v->layout, v->first_compared_lod)
                                  : 0;
    for (int i = 0; i < nthreads; i++) {
        buffers[i].check_size = check_size;
        buffers[i].check = check_size ? malloc(check_size) : NULL;
        if (check_size && !buffers[i].check) {
            fprintf(stderr, "%s: out of memory\n", COMMAND);
            free_buffers(buffers, nthreads);
            return false;
        }
    }
    uint64_t visit, skipped;
    count_tiles(v, &visit, &skipped);
    v->chunks_absent = skipped;
    tp_tile_grid grid;
    tp_reader_tile_grid(v->reader, &grid);
    chunk_walk walk = {.tile_count = grid.tile_count};
    chunk_at batch[BATCH_CHUNKS];
    tpt_progress progress;
    tpt_progress_begin(&progress, "verifying", "chunks", visit,
                       o->quiet ? TPT_PROGRESS_QUIET : TPT_PROGRESS_AUTO, stderr);
    for (size_t n; (n = next_batch(v, &walk, batch, BATCH_CHUNKS)) > 0;) {
#pragma omp parallel for schedule(dynamic, 4) num_threads(nthreads)
        for (size_t k = 0; k < n; k++) {
            verify_chunk(v, &buffers[omp_get_thread_num()], batch[k]);
            tpt_progress_add(&progress, 1);
        }
        v->chunks_visited += n;
        close_batch(v);
    }
    /* Batches follow the tiles; the report follows the region, row by row. */
    if (v->kept.count)
        qsort(v->kept.items, v->kept.count, sizeof *v->kept.items, compare_problems);
    /* The summary says it all: clear the bar without a second summary line. */
    tpt_progress_abandon(&progress);
    free_buffers(buffers, nthreads);
    return true;
}

int tpt_cmd_verify(int argc, char **argv)
{
    verify_options o;
    int status = parse_options(argc, argv, &o);
    if (status != TPT_CLI_PROCEED)
        return status;
    verifier v = {.path = o.path};
    double start = tpt_progress_seconds();
    tp_reader *reader = NULL;
    tpt_pagefile_clear_detail();
    /* pread: a file that shrinks while it is checked gives problems, never SIGBUS. */
    const tp_reader_options ro = {.flags = TP_READER_PREAD};
    tp_result res = tp_reader_open(o.path, &ro, &reader);
    /* A header that contradicts the world it stores, or whose first pages are not that
     * world's, fails like a file that does not open: its blobs may be intact, but they
     * are not that world's (another generator version is no contradiction: its baked
     * blobs are still checked, only not against generation). */
    if (res == TP_OK) {
        res = tpt_pagefile_world(reader, &v.layout);
        v.first_compared_lod = res == TP_OK ? (o.deep ? 0u : v.layout.lod_count - 1u)
                                            : v.layout.lod_count;
        if (res == TP_ERR_UNSUPPORTED_VERSION)
            res = TP_OK;
    }
    if (res != TP_OK) {
        char why[768];
        tpt_pagefile_problem(res, o.path, why, sizeof why);
        fprintf(stderr, "%s: %s: %s\n", COMMAND, o.path, why);
        if (o.json)
            print_json(&v, 0.0, why);
        tp_reader_close(reader);
        return TPT_EXIT_FAILURE;
    }
    v.reader = reader;
    v.desc = tp_reader_desc(reader);
    v.region = tpt_pagefile_region(v.desc);
    bool checked = verify_region(&v, &o);
    double seconds = tpt_progress_seconds() - start;
    status = !checked || v.bad_count ? TPT_EXIT_FAILURE : TPT_EXIT_OK;
    if (checked && o.json) {
        if (!print_json(&v, seconds, NULL))
            status = TPT_EXIT_FAILURE;
    } else if (checked) {
        print_text(&v, seconds, o.quiet);
    }
    free(v.kept.items);
    free(v.batch.items);
    tp_reader_close(reader);
    return status;
}
