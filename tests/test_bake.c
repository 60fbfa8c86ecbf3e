/* test_bake.c — the baker: what it writes equals the generator, bit for bit; the file is
 * identical for any thread count; its header matches the golden bytes; failures and
 * cancellations leave the previous file untouched and no temporary file behind. */
#define _POSIX_C_SOURCE 200809L

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TP_TEST_SUITE "bake"
#include "test_main.h"
#include "test_support.h"

#include "terrapage/baker.h"
#include "terrapage/page.h"
#include "terrapage/mesh.h"
#include "terrapage/pagefile.h"
#include "terrapage/world.h"

/* ---- helpers ----------------------------------------------------------------------- */

static tp_bake_options small_bake(uint64_t seed, uint32_t samples, int32_t x0, int32_t z0,
                                  uint32_t width, uint32_t height)
{
    tp_bake_options o = {0};
    o.world.seed = seed;
    o.world.samples_per_edge = samples;
    o.region_x0 = x0;
    o.region_z0 = z0;
    o.region_width = width;
    o.region_height = height;
    return o;
}

/* ---- round trip ---------------------------------------------------------------------- */

/* Every blob of every chunk decodes to exactly what the generator returns for that chunk
 * and LOD, and the bounds record agrees with the heights. */
/* The baked mesh equals the runtime fallback's build (no heights passed: it generates
 * them), and aux holds its exact max error against LOD 0. */
static void check_mesh(const tp_reader *r, const tp_world_params *w, int32_t cx, int32_t cz,
                       uint32_t lod)
{
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, cx, cz, TP_LAYER_MESH, lod, &ref), TP_OK);
    size_t cap = tp_mesh_chunk_blob_bound(w, lod), size = 0;
    uint8_t *baked = malloc(ref.raw_size), *fresh = malloc(cap);
    uint16_t *lod0 = malloc(sizeof *lod0 * w->samples_per_edge * w->samples_per_edge);
    ck_assert(baked && fresh && lod0);
    ck_assert_int_eq(tp_reader_decode(r, &ref, baked, ref.raw_size), TP_OK);
    tp_chunk_fields f = {.height_codes = lod0};
    ck_assert_int_eq(tp_generate_chunk(w, cx, cz, 0, &f), TP_OK);
    float error_m = -1.0f;
    ck_assert_int_eq(tp_mesh_generate_chunk_blob(w, cx, cz, lod, NULL, lod0, NULL, 0, fresh,
                                                 cap, &size, &error_m),
                     TP_OK);
    ck_assert_uint_eq(size, ref.raw_size);
    ck_assert_msg(memcmp(baked, fresh, size) == 0, "mesh (%d,%d) LOD %u", cx, cz, lod);
    uint32_t bits;
    memcpy(&bits, &error_m, sizeof bits);
    ck_assert_uint_eq(ref.aux, bits);
    ck_assert(error_m >= 0.0f && error_m <= tp_mesh_lod_target_error_m(lod));
    free(baked), free(fresh), free(lod0);
}

static void check_round_trip(const char *path, const tp_world_params *params, bool meshes)
{
    tp_world_params w;
    ck_assert_int_eq(tp_world_params_resolve(params, &w), TP_OK);
    tp_reader *r;
    ck_assert_msg(tp_reader_open(path, NULL, &r) == TP_OK, "%s", tp_error_detail());
    const tp_file_desc *d = tp_reader_desc(r);
    ck_assert_uint_eq(d->params_hash, tp_world_params_hash(&w));
    ck_assert_uint_eq(d->generator_version, TP_GENERATOR_VERSION);
    ck_assert_uint_eq(d->lod_count, tp_world_lod_count(&w));
    ck_assert_uint_eq(d->version_minor, meshes ? 1 : 0); /* meshes are format 1.1 */
    const uint32_t e0 = w.samples_per_edge, ce = tp_world_climate_edge(&w);
    const size_t n0 = (size_t)e0 * e0, nc = (size_t)ce * ce;
    uint16_t *h = malloc(n0 * 2), *hd = malloc(n0 * 2), *p = malloc(nc * 2),
             *pd = malloc(nc * 2);
    uint8_t *b = malloc(n0), *bd = malloc(n0);
    int16_t *t = malloc(nc * 2), *td = malloc(nc * 2);
    ck_assert(h && hd && p && pd && b && bd && t && td);

    for (int32_t cz = d->region_z0; cz < d->region_z0 + (int32_t)d->region_height; cz++) {
        for (int32_t cx = d->region_x0; cx < d->region_x0 + (int32_t)d->region_width; cx++) {
            for (uint32_t lod = 0; lod < d->lod_count; lod++) {
                uint32_t e = tp_world_lod_edge(&w, lod);
                size_t n = (size_t)e * e;
                tp_chunk_fields f = {h, b, t, p};
                ck_assert_int_eq(tp_generate_chunk(&w, cx, cz, lod, &f), TP_OK);
                tp_blob_ref ref;
                ck_assert_int_eq(tp_reader_find(r, cx, cz, TP_LAYER_HEIGHT, lod, &ref), TP_OK);
                ck_assert_int_eq(tp_reader_decode(r, &ref, hd, n0 * 2), TP_OK);
                ck_assert_msg(memcmp(h, hd, n * 2) == 0, "heights (%d,%d) LOD %u", cx, cz, lod);
                ck_assert_int_eq(tp_reader_find(r, cx, cz, TP_LAYER_BIOME, lod, &ref), TP_OK);
                ck_assert_int_eq(tp_reader_decode(r, &ref, bd, n0), TP_OK);
                ck_assert_msg(memcmp(b, bd, n) == 0, "biomes (%d,%d) LOD %u", cx, cz, lod);
                if (meshes)
                    check_mesh(r, &w, cx, cz, lod);
                else
                    ck_assert_int_eq(tp_reader_find(r, cx, cz, TP_LAYER_MESH, lod, &ref),
                                     TP_ERR_NOT_FOUND);
                if (lod == 0) {
                    ck_assert_int_eq(tp_reader_find(r, cx, cz, TP_LAYER_TEMPERATURE, 0, &ref),
                                     TP_OK);
                    ck_assert_int_eq(tp_reader_decode(r, &ref, td, nc * 2), TP_OK);
                    ck_assert(memcmp(t, td, nc * 2) == 0);
                    ck_assert_int_eq(tp_reader_find(r, cx, cz, TP_LAYER_PRECIPITATION, 0, &ref),
                                     TP_OK);
                    ck_assert_int_eq(tp_reader_decode(r, &ref, pd, nc * 2), TP_OK);
                    ck_assert(memcmp(p, pd, nc * 2) == 0);

                    uint16_t lo = UINT16_MAX, hi = 0;
                    for (size_t k = 0; k < n0; k++) {
                        lo = h[k] < lo ? h[k] : lo;
                        hi = h[k] > hi ? h[k] : hi;
                    }
                    tp_chunk_bounds bounds;
                    ck_assert_int_eq(tp_reader_chunk_bounds(r, cx, cz, &bounds), TP_OK);
                    ck_assert_uint_eq(bounds.height_min_code, lo);
                    ck_assert_uint_eq(bounds.height_max_code, hi);
                    ck_assert(bounds.flags & TP_CHUNK_PRESENT);
                    bool all_ocean = tp_height_code_to_m(hi) < w.sea_level_m;
                    ck_assert_int_eq(!!(bounds.flags & TP_CHUNK_ALL_OCEAN), all_ocean);
                }
            }
        }
    }
    /* Nothing outside the region. */
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, d->region_x0 - 1, d->region_z0, TP_LAYER_HEIGHT, 0, &ref),
                     TP_ERR_NOT_FOUND);
    tp_reader_close(r);
    free(h), free(hd), free(p), free(pd), free(b), free(bd), free(t), free(td);
}

START_TEST(test_baked_blobs_equal_the_generator_for_every_layer_and_lod)
{
    char path[512];
    tmp_path(path, sizeof path, "roundtrip.tpk");
    /* Default samples (5 LODs), a region straddling the origin, odd width and height. */
    tp_bake_options o = small_bake(0, 0, -3, -2, 5, 3);
    tp_bake_stats stats;
    ck_assert_msg(tp_bake(path, &o, &stats) == TP_OK, "%s", tp_error_detail());
    ck_assert_uint_eq(stats.chunks, 15);
    ck_assert_uint_eq(stats.layers[TP_LAYER_HEIGHT][0].blobs, 15);
    ck_assert_uint_eq(stats.layers[TP_LAYER_BIOME][4].blobs, 15);
    ck_assert_uint_eq(stats.layers[TP_LAYER_TEMPERATURE][1].blobs, 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(stats.file_bytes, (uint64_t)st.st_size);
    check_round_trip(path, &o.world, true);
    unlink(path);
}
END_TEST

START_TEST(test_round_trip_holds_for_other_seeds_sizes_and_far_regions)
{
    static const struct { uint64_t seed; uint32_t samples; int32_t x0, z0; int level; } cases[] = {
        {7, 33, 1000000, -1000003, 1},
        {0xdeadbeefULL, 9, -40, 17, -4},
        {3, 65, 12, 12, 12},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char path[512];
        tmp_path(path, sizeof path, "roundtrip-far.tpk");
        tp_bake_options o = small_bake(cases[i].seed, cases[i].samples, cases[i].x0,
                                       cases[i].z0, 3, 4);
        o.compression_level = cases[i].level;
        o.flags = i == 1 ? TP_BAKE_NO_MESHES : 0;
        ck_assert_msg(tp_bake(path, &o, NULL) == TP_OK, "%s", tp_error_detail());
        check_round_trip(path, &o.world, i != 1);
        unlink(path);
    }
}
END_TEST

/* ---- determinism --------------------------------------------------------------------- */

START_TEST(test_bake_is_byte_identical_for_one_two_and_three_threads)
{
    /* 9 × 9 chunks of 65 samples: two batches of chunks, so batching and the pipeline
     * between workers and writer are exercised too. */
    uint8_t *files[3];
    size_t sizes[3];
    for (uint32_t threads = 1; threads <= 3; threads++) {
        char path[512];
        tmp_path(path, sizeof path, "threads.tpk");
        tp_bake_options o = small_bake(99, 65, -4, -5, 9, 9);
        o.threads = threads;
        o.compression_level = 1;
        tp_bake_stats stats;
        ck_assert_msg(tp_bake(path, &o, &stats) == TP_OK, "%s", tp_error_detail());
        ck_assert_uint_eq(stats.threads, threads);
        files[threads - 1] = read_file(path, &sizes[threads - 1]);
        unlink(path);
    }
    for (int i = 1; i < 3; i++) {
        ck_assert_uint_eq(sizes[i], sizes[0]);
        ck_assert_msg(memcmp(files[i], files[0], sizes[0]) == 0,
                      "the %d-thread bake differs from the 1-thread bake", i + 1);
    }
    for (int i = 0; i < 3; i++)
        free(files[i]);
}
END_TEST

/* ---- golden header ------------------------------------------------------------------- */

/* The first bytes of `terrapage bake --region 0,0,2,2 --samples 17 --level 1` (seed 42):
 * the header, LOD and layer tables and parameter blob. A change here is a format change
 * or a generator change; the format needs a version decision (FORMAT.md) and the
 * generator a TP_GENERATOR_VERSION bump. Regenerate with tests/data/bake/make-golden.sh. */
#include "data/bake/tiny-bake-header.inc"

START_TEST(test_tiny_bake_header_matches_the_golden_bytes)
{
    char path[512];
    tmp_path(path, sizeof path, "golden.tpk");
    tp_bake_options o = small_bake(0, 17, 0, 0, 2, 2);
    o.compression_level = 1;
    ck_assert_msg(tp_bake(path, &o, NULL) == TP_OK, "%s", tp_error_detail());
    size_t size;
    uint8_t *data = read_file(path, &size);
    ck_assert_uint_ge(size, sizeof tiny_bake_header);
    for (size_t i = 0; i < sizeof tiny_bake_header; i++)
        ck_assert_msg(data[i] == tiny_bake_header[i],
                      "byte %zu of the header is 0x%02x, the golden file says 0x%02x", i,
                      data[i], tiny_bake_header[i]);
    free(data);
    unlink(path);
}
END_TEST

/* ---- FORMAT.md's reference file ------------------------------------------------------ */

static uint32_t ref_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t ref_u64(const uint8_t *p) { return ref_u32(p) | (uint64_t)ref_u32(p + 4) << 32; }

static double ref_f64(const uint8_t *p)
{
    uint64_t bits = ref_u64(p);
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

static const char *ref_layer_name(uint32_t id)
{
    static const char *const names[] = {"HEIGHT", "TEMPERATURE", "PRECIPITATION", "BIOME", "MESH"};
    return id < 5 ? names[id] : "?";
}

static const char *ref_encoding_name(uint32_t id)
{
    static const char *const names[] = {"RAW", "LZ4", "PRED2D_LZ4", "SLOPE_BITPLANE_LZ4"};
    return id < 4 ? names[id] : "?";
}

/* Section 10's walk-through of the reference file `f` (`size` bytes), as Markdown: every
 * number it quotes is read here from the file itself, so FORMAT.md cannot fall out of
 * step with the committed file. Parses the bytes as FORMAT.md sections 4 and 5 say (one
 * directory tile: the region fits in 16 x 16 chunks); returns a malloc'ed string. */
static char *reference_walkthrough(const uint8_t *f, size_t size)
{
    char *text = NULL;
    size_t text_size = 0;
    FILE *o = open_memstream(&text, &text_size);
    ck_assert_ptr_nonnull(o);
    const uint32_t header = ref_u32(f + 12), params_size = ref_u32(f + 52);
    const uint32_t width = ref_u32(f + 72), height = ref_u32(f + 76), lods = ref_u32(f + 92);
    const uint32_t layers = ref_u32(f + 112), slots = ref_u32(f + 148);
    const uint64_t params = ref_u64(f + 56), layer_table = ref_u64(f + 120);
    const uint64_t sections = ref_u64(f + 128), block_table = ref_u64(f + 152);
    const uint64_t directory = ref_u64(f + 160), directory_size = ref_u64(f + 168);
    const uint64_t data = ref_u64(f + 176), data_size = ref_u64(f + 184);
    const int32_t x0 = (int32_t)ref_u32(f + 64), z0 = (int32_t)ref_u32(f + 68);
    const uint32_t record = 16 + 32 * slots;
    ck_assert(width <= 16 && height <= 16 && header <= size && data + data_size == size);
    ck_assert_uint_eq(directory_size, (uint64_t)width * height * record);

    fprintf(o, "`tests/data/pagefile/reference.tpk` is %zu bytes. Its header, %u bytes:\n\n",
            size, header);
    fprintf(o, "```\n");
    for (uint32_t line = 0; line < header; line += 16) {
        fprintf(o, "%04x ", line);
        for (uint32_t i = line; i < line + 16 && i < header; i++)
            fprintf(o, " %02x", f[i]);
        fprintf(o, "\n");
    }
    fprintf(o, "```\n\n");

    fprintf(o, "| bytes | content |\n|---|---|\n");
    fprintf(o, "| 0 … 191 | fixed header: format %u.%u, `header_size` %u, `file_size` %llu, "
               "seed %llu, `params_hash` 0x%016llx (the blob's XXH3-64), generator version %u, "
               "params %u bytes at %llu, region (%d, %d) %u × %u, chunk %.17g m, %u samples, "
               "%u LODs, heights %.17g m + code · %.17g m, %u layers of %u bytes at %llu, "
               "sections at %llu, `tile_shift` %u, sizes %u / %u, %u slots, block table at "
               "%llu, directory %llu + %llu, data %llu + %llu |\n",
            ref_u32(f + 8) & 0xFFFF, ref_u32(f + 10) & 0xFFFF, header,
            (unsigned long long)ref_u64(f + 16), (unsigned long long)ref_u64(f + 32),
            (unsigned long long)ref_u64(f + 40), ref_u32(f + 48), params_size,
            (unsigned long long)params, x0, z0, width, height, ref_f64(f + 80), ref_u32(f + 88),
            lods, ref_f64(f + 96), ref_f64(f + 104), layers, ref_u32(f + 116),
            (unsigned long long)layer_table, (unsigned long long)sections, ref_u32(f + 136),
            ref_u32(f + 140), ref_u32(f + 144), slots, (unsigned long long)block_table,
            (unsigned long long)directory, (unsigned long long)directory_size,
            (unsigned long long)data, (unsigned long long)data_size);
    fprintf(o, "| %llu … %llu | section table:", (unsigned long long)sections,
            (unsigned long long)(sections + 16 * lods - 1));
    for (uint32_t k = 0; k < lods; k++)
        fprintf(o, "%s LOD %u at %llu, %llu bytes", k ? ";" : "", k,
                (unsigned long long)ref_u64(f + sections + 16 * k),
                (unsigned long long)ref_u64(f + sections + 16 * k + 8));
    fprintf(o, " |\n| %llu … %llu | layers:", (unsigned long long)layer_table,
            (unsigned long long)(layer_table + 32 * layers - 1));
    for (uint32_t i = 0; i < layers; i++) {
        const uint8_t *e = f + layer_table + 32 * i;
        static const char *const elems[] = {"?", "u8", "u16", "i16", "bytes"};
        fprintf(o, "%s {%u %s, %s, LODs %u, edge %u, encoding %u}", i ? "," : "",
                ref_u32(e), ref_layer_name(ref_u32(e)),
                elems[ref_u32(e + 4) < 5 ? ref_u32(e + 4) : 0], ref_u32(e + 8), ref_u32(e + 12),
                ref_u32(e + 16));
    }
    fprintf(o, " |\n| %llu … %llu | parameter blob (appendix A): blob version %u, generator "
               "version %u, seed %llu, %.17g m, %u samples, sea level %.17g m, then",
            (unsigned long long)params, (unsigned long long)(params + params_size - 1),
            ref_u32(f + params), ref_u32(f + params + 4),
            (unsigned long long)ref_u64(f + params + 8), ref_f64(f + params + 16),
            ref_u32(f + params + 24), ref_f64(f + params + 32));
    for (uint32_t at = 40; at + 8 <= 88 && at + 8 <= params_size; at += 8)
        fprintf(o, "%s %.17g", at == 40 ? "" : ",", ref_f64(f + params + at));
    fprintf(o, " and 8 zero bytes |\n");
    fprintf(o, "| %u … %u | header checksum 0x%016llx |\n", header - 8, header - 1,
            (unsigned long long)ref_u64(f + header - 8));
    fprintf(o, "| %llu … %llu | block table: one tile, block at %llu, checksum 0x%016llx |\n",
            (unsigned long long)block_table, (unsigned long long)(block_table + 15),
            (unsigned long long)ref_u64(f + block_table),
            (unsigned long long)ref_u64(f + block_table + 8));
    fprintf(o, "| %llu … %llu | block-table checksum 0x%016llx |\n",
            (unsigned long long)(block_table + 16), (unsigned long long)(block_table + 23),
            (unsigned long long)ref_u64(f + block_table + 16));
    for (uint32_t c = 0; c < width * height; c++) {
        const uint64_t at = directory + (uint64_t)c * record;
        const uint32_t flags = ref_u32(f + at + 4);
        fprintf(o, "| %llu … %llu | record of chunk (%d, %d): bounds {%u, %u, %s}, then its "
                   "%u entries (below) |\n",
                (unsigned long long)at, (unsigned long long)(at + record - 1),
                x0 + (int32_t)(c % width), z0 + (int32_t)(c / width), ref_u32(f + at) & 0xFFFF,
                ref_u32(f + at + 2) & 0xFFFF,
                flags == 1 ? "PRESENT" : flags == 3 ? "PRESENT \\| ALL_OCEAN" : "?", slots);
    }
    if (directory + directory_size < data)
        fprintf(o, "| %llu … %llu | zero padding up to the data region |\n",
                (unsigned long long)(directory + directory_size),
                (unsigned long long)(data - 1));
    for (uint32_t n = 0; n < lods; n++) { /* sections in file order: coarsest first */
        const uint32_t k = lods - 1 - n;
        const uint64_t start = ref_u64(f + sections + 16 * k);
        const uint64_t end = start + ref_u64(f + sections + 16 * k + 8);
        const uint64_t next = n + 1 < lods ? ref_u64(f + sections + 16 * (k - 1)) : size;
        fprintf(o, "| %llu … %llu | section LOD %u: its blobs (below) |\n",
                (unsigned long long)start, (unsigned long long)(end - 1), k);
        if (end < next)
            fprintf(o, "| %llu … %llu | zero padding |\n", (unsigned long long)end,
                    (unsigned long long)(next - 1));
    }

    /* The blobs in file order: every (chunk, slot) entry, sorted by offset. */
    enum { MAX_BLOBS = 16 * 16 * 64 };
    static uint64_t entries[MAX_BLOBS]; /* offset << 20 | chunk << 8 | slot */
    uint32_t blob_count = 0;
    ck_assert_uint_le(slots, 256);
    for (uint32_t c = 0; c < width * height; c++)
        for (uint32_t slot = 0; slot < slots; slot++) {
            const uint8_t *e = f + directory + (uint64_t)c * record + 16 + 32 * slot;
            ck_assert_uint_lt(blob_count, MAX_BLOBS);
            ck_assert_uint_lt(ref_u64(e), 1ull << 40);
            entries[blob_count++] = ref_u64(e) << 20 | (uint64_t)c << 8 | slot;
        }
    for (uint32_t i = 1; i < blob_count; i++) /* insertion sort: a handful of blobs */
        for (uint32_t j = i; j > 0 && entries[j - 1] > entries[j]; j--) {
            const uint64_t t = entries[j];
            entries[j] = entries[j - 1];
            entries[j - 1] = t;
        }
    fprintf(o, "\nIts blobs in file order (a chunk's slots are numbered as in 5.2; `aux` of a "
               "MESH blob is the f32 bit pattern of its maximum error):\n\n"
               "| bytes | chunk | slot | layer | LOD | stored | raw | encoding | aux | checksum |\n"
               "|---|---|---:|---|---:|---:|---:|---|---|---|\n");
    for (uint32_t b = 0; b < blob_count; b++) {
        const uint32_t c = (uint32_t)(entries[b] >> 8 & 0xFFF), slot = entries[b] & 0xFF;
        const uint8_t *e = f + directory + (uint64_t)c * record + 16 + 32 * slot;
        uint32_t layer = 0, lod = slot;
        while (lod >= ref_u32(f + layer_table + 32 * layer + 8))
            lod -= ref_u32(f + layer_table + 32 * layer++ + 8);
        const uint32_t layer_id = ref_u32(f + layer_table + 32 * layer), aux = ref_u32(e + 28);
        fprintf(o, "| %llu … %llu | (%d, %d) | %u | %s | %u | %u | %u | %u %s | ",
                (unsigned long long)ref_u64(e),
                (unsigned long long)(ref_u64(e) + ref_u32(e + 16) - 1),
                x0 + (int32_t)(c % width), z0 + (int32_t)(c / width), slot,
                ref_layer_name(layer_id), lod, ref_u32(e + 16), ref_u32(e + 20), ref_u32(e + 24),
                ref_encoding_name(ref_u32(e + 24)));
        if (layer_id == TP_LAYER_MESH) {
            float error;
            memcpy(&error, &aux, sizeof error);
            fprintf(o, "0x%08x (%.9g m)", aux, (double)error);
        } else {
            fprintf(o, "%u", aux);
        }
        fprintf(o, " | 0x%016llx |\n", (unsigned long long)ref_u64(e + 8));
    }
    ck_assert_int_eq(fclose(o), 0);
    return text;
}

#define REF_BEGIN \
    "<!-- BEGIN reference walk-through: written by tests/test_bake.c, do not edit -->\n"
#define REF_END "<!-- END reference walk-through -->\n"

/* FORMAT.md's walk-through (between REF_BEGIN and REF_END) must be `expected`; with
 * TP_UPDATE_GOLDEN set it is rewritten to be. */
static void check_format_walkthrough(const char *expected)
{
    char md_path[600];
    snprintf(md_path, sizeof md_path, "%s/../../formats/FORMAT.md", TP_TEST_DATA_DIR);
    size_t md_size;
    char *md = (char *)read_file(md_path, &md_size);
    md = realloc(md, md_size + 1);
    md[md_size] = '\0';
    char *begin = strstr(md, REF_BEGIN), *end = begin ? strstr(begin, REF_END) : NULL;
    ck_assert_msg(begin && end, "%s has no walk-through markers", md_path);
    begin += strlen(REF_BEGIN);
    const size_t old_len = (size_t)(end - begin), new_len = strlen(expected);
    if (getenv("TP_UPDATE_GOLDEN") && (old_len != new_len || memcmp(begin, expected, new_len))) {
        FILE *f = fopen(md_path, "w");
        ck_assert_ptr_nonnull(f);
        fwrite(md, 1, (size_t)(begin - md), f);
        fwrite(expected, 1, new_len, f);
        fputs(end, f);
        ck_assert_int_eq(fclose(f), 0);
        free(md);
        return;
    }
    size_t i = 0;
    while (i < old_len && i < new_len && begin[i] == expected[i])
        i++;
    ck_assert_msg(i == old_len && i == new_len,
                  "%s section 10 no longer matches tests/data/pagefile/reference.tpk from "
                  "\"%.60s\" (the file says \"%.60s\"); run the bake suite with "
                  "TP_UPDATE_GOLDEN=1", md_path, begin + i, expected + i);
    free(md);
}

/* FORMAT.md section 10 walks through tests/data/pagefile/reference.tpk: the default world
 * (seed 42) at 17 samples per edge, chunks (5, -7) and (6, -7), every layer and LOD, at
 * the default compression level - what `terrapage bake --samples 17 --region 5,-7,7,-6`
 * writes. This bake reproduces it byte for byte. After an intended generator or format
 * change, run this suite with TP_UPDATE_GOLDEN=1: it rewrites the file and its header
 * bytes (reference-header.inc) and section 10's walk-through of it, which otherwise must
 * match the file. */
START_TEST(test_bake_reproduces_the_format_reference_file)
{
    char path[512], golden[600], inc[600];
    tmp_path(path, sizeof path, "reference.tpk");
    snprintf(golden, sizeof golden, "%s/pagefile/reference.tpk", TP_TEST_DATA_DIR);
    snprintf(inc, sizeof inc, "%s/pagefile/reference-header.inc", TP_TEST_DATA_DIR);
    tp_bake_options o = small_bake(0, 17, 5, -7, 2, 1);
    ck_assert_msg(tp_bake(path, &o, NULL) == TP_OK, "%s", tp_error_detail());
    size_t size;
    uint8_t *data = read_file(path, &size);
    ck_assert_uint_ge(size, 16);
    const uint32_t header_size = (uint32_t)data[12] | (uint32_t)data[13] << 8 |
                                 (uint32_t)data[14] << 16 | (uint32_t)data[15] << 24;
    ck_assert_uint_le(header_size, size);
    if (getenv("TP_UPDATE_GOLDEN")) {
        write_file(golden, data, size);
        FILE *f = fopen(inc, "w");
        ck_assert_ptr_nonnull(f);
        for (uint32_t i = 0; i < header_size; i++)
            fprintf(f, "0x%02x,%s", data[i], i % 16 == 15 || i + 1 == header_size ? "\n" : " ");
        ck_assert_int_eq(fclose(f), 0);
    }
    size_t gsize;
    uint8_t *gdata = read_file(golden, &gsize);
    ck_assert_msg(size == gsize, "the bake is %zu bytes, %s %zu (regenerate it: see above)",
                  size, golden, gsize);
    for (size_t i = 0; i < size; i++)
        ck_assert_msg(data[i] == gdata[i], "byte %zu of the bake is 0x%02x, %s says 0x%02x", i,
                      data[i], golden, gdata[i]);
    char *walkthrough = reference_walkthrough(data, size);
    check_format_walkthrough(walkthrough);
    free(walkthrough);
    free(gdata);
    free(data);
    unlink(path);
}
END_TEST

/* ---- failures ------------------------------------------------------------------------ */

static int cancel_after_first(void *user, uint64_t done, uint64_t total)
{
    int *calls = user;
    ck_assert_uint_le(done, total);
    return ++*calls >= 1;
}

START_TEST(test_cancelled_bake_keeps_the_previous_file_and_leaves_no_temporary)
{
    char path[512];
    tmp_path(path, sizeof path, "cancel.tpk");
    static const char previous[] = "the previous world";
    write_file(path, previous, sizeof previous);

    /* 3 batches of chunks; the callback stops the bake after the first. */
    tp_bake_options o = small_bake(5, 9, 0, 0, 16, 12);
    int calls = 0;
    o.progress = cancel_after_first;
    o.progress_user = &calls;
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_CANCELLED);
    ck_assert_int_eq(calls, 1);
    ck_assert_msg(strstr(tp_error_detail(), "cancelled"), "%s", tp_error_detail());

    size_t size;
    uint8_t *data = read_file(path, &size);
    ck_assert_uint_eq(size, sizeof previous);
    ck_assert(memcmp(data, previous, size) == 0);
    free(data);
    char prefix[256];
    snprintf(prefix, sizeof prefix, "bake-%ld-cancel.tpk.", (long)getpid());
    ck_assert_int_eq(count_entries(TP_TEST_TMP_DIR, prefix), 0);
    unlink(path);
}
END_TEST

static int count_progress(void *user, uint64_t done, uint64_t total)
{
    uint64_t *last = user;
    ck_assert_uint_gt(done, *last); /* strictly increasing */
    ck_assert_uint_le(done, total);
    *last = done;
    return 0;
}

START_TEST(test_progress_rises_to_the_total)
{
    char path[512];
    tmp_path(path, sizeof path, "progress.tpk");
    tp_bake_options o = small_bake(5, 9, 0, 0, 10, 15);
    uint64_t last = 0;
    o.progress = count_progress;
    o.progress_user = &last;
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_OK);
    ck_assert_uint_eq(last, 150);
    unlink(path);
}
END_TEST

/* Refused before the first batch of chunks is baked (the progress callback is never
 * called), and without a temporary file: a directory, and a name that is valid but too
 * long once the temporary's ".tmp-<pid>-<8 hex digits>" is added. */
START_TEST(test_an_unusable_output_fails_before_the_first_chunk)
{
    char dir[512], long_name[2048];
    tmp_path(dir, sizeof dir, "out-dir.tpk");
    ck_assert_int_eq(mkdir(dir, 0755), 0);
    long name_max = pathconf(TP_TEST_TMP_DIR, _PC_NAME_MAX);
    ck_assert(name_max > 20 && name_max < 1024);
    int n = snprintf(long_name, sizeof long_name, "%s/", TP_TEST_TMP_DIR);
    memset(long_name + n, 'n', (size_t)name_max - 4);
    long_name[n + name_max - 4] = 0;
    const struct {
        const char *path, *problem;
    } cases[] = {{dir, "is a directory"}, {long_name, strerror(ENAMETOOLONG)}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_bake_options o = small_bake(1, 9, 0, 0, 2, 2);
        uint64_t last = 0;
        o.progress = count_progress;
        o.progress_user = &last;
        ck_assert_int_eq(tp_bake(cases[i].path, &o, NULL), TP_ERR_IO);
        ck_assert_msg(strstr(tp_error_detail(), cases[i].path) &&
                          strstr(tp_error_detail(), cases[i].problem),
                      "%s", tp_error_detail());
        ck_assert_uint_eq(last, 0); /* refused before any batch was baked */
        char prefix[2100];
        snprintf(prefix, sizeof prefix, "%s.", strrchr(cases[i].path, '/') + 1);
        ck_assert_int_eq(count_entries(TP_TEST_TMP_DIR, prefix), 0);
    }
    ck_assert_int_eq(access(long_name, F_OK), -1);
    ck_assert_int_eq(rmdir(dir), 0); /* still an empty directory */
}
END_TEST

START_TEST(test_unwritable_directory_fails_with_an_io_error_naming_the_path)
{
    tp_bake_options o = small_bake(1, 9, 0, 0, 2, 2);
    ck_assert_int_eq(tp_bake("/nonexistent-directory/world.tpk", &o, NULL), TP_ERR_IO);
    ck_assert_msg(strstr(tp_error_detail(), "/nonexistent-directory"), "%s",
                  tp_error_detail());
}
END_TEST

START_TEST(test_invalid_options_are_refused_before_anything_is_written)
{
    char path[512];
    tmp_path(path, sizeof path, "invalid.tpk");
    tp_bake_options o = small_bake(1, 10, 0, 0, 2, 2); /* 10 is not 2^n + 1 */
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    o = small_bake(1, 9, INT32_MAX - 1, 0, 4, 1); /* runs past the last chunk index */
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    o = small_bake(1, 9, 0, 0, 2, 2);
    o.reserved[3] = 1;
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    o = small_bake(1, 9, 0, 0, 2, 2);
    o.shard_count = 4;
    o.shard_index = 4; /* an index must be below the count */
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(tp_error_detail(), "shard 4 of 4"), "%s", tp_error_detail());
    o.shard_count = TP_SHARD_MAX_COUNT + 1;
    o.shard_index = 0;
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    o.shard_count = 0;
    o.shard_index = 1; /* an index without shards */
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    o = small_bake(1, 9, 0, 0, 2, 2);
    o.threads = TP_BAKE_MAX_THREADS + 1;
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    o = small_bake(1, 9, 0, 0, 2, 2);
    o.flags = 0x80;
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    o = small_bake(1, 9, 0, 0, 2, 2);
    o.compression_level = 13;
    ck_assert_int_eq(tp_bake(path, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tp_bake(NULL, &o, NULL), TP_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_zero_options_mean_the_default_region_and_world)
{
    tp_world_params w = {0};
    ck_assert_int_eq(tp_world_params_resolve(&w, &w), TP_OK);
    tp_file_desc d;
    uint8_t blob[TP_WORLD_PARAMS_BLOB_SIZE];
    tp_page_layout layout;
    ck_assert_int_eq(tp_page_layout_init(&w, TP_PAGE_MESHES, &layout), TP_OK);
    tp_page_layout_file_desc(&layout, -32, -32, 64, 64, &d, blob);
    ck_assert_uint_eq(d.seed, 42);
    ck_assert_uint_eq(d.samples_per_edge, 129);
    ck_assert_uint_eq(d.lod_count, 5);
    ck_assert_uint_eq(d.layer_count, 5);
    ck_assert_uint_eq(d.layers[4].layer_id, TP_LAYER_MESH);
    ck_assert_uint_eq(d.layers[4].lod_count, 5);
    ck_assert_uint_eq(d.layers[1].edge_lod0, 17);
    ck_assert_uint_eq(d.layers[1].lod_count, 1);
    ck_assert_uint_eq(d.layers[3].lod_count, 5);
    ck_assert(d.params_blob == blob);
    tp_world_params back;
    ck_assert_int_eq(tp_world_params_deserialize(blob, sizeof blob, &back), TP_OK);
    ck_assert_uint_eq(tp_world_params_hash(&back), d.params_hash);
    ck_assert_int_eq(tp_page_layout_init(&w, 0, &layout), TP_OK);
    tp_page_layout_file_desc(&layout, -32, -32, 64, 64, &d, blob);
    ck_assert_uint_eq(d.layer_count, 4);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("bake");
    TCase *tc = tcase_create("bake");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_baked_blobs_equal_the_generator_for_every_layer_and_lod);
    tcase_add_test(tc, test_round_trip_holds_for_other_seeds_sizes_and_far_regions);
    tcase_add_test(tc, test_bake_is_byte_identical_for_one_two_and_three_threads);
    tcase_add_test(tc, test_tiny_bake_header_matches_the_golden_bytes);
    tcase_add_test(tc, test_bake_reproduces_the_format_reference_file);
    tcase_add_test(tc, test_cancelled_bake_keeps_the_previous_file_and_leaves_no_temporary);
    tcase_add_test(tc, test_progress_rises_to_the_total);
    tcase_add_test(tc, test_unwritable_directory_fails_with_an_io_error_naming_the_path);
    tcase_add_test(tc, test_an_unusable_output_fails_before_the_first_chunk);
    tcase_add_test(tc, test_invalid_options_are_refused_before_anything_is_written);
    tcase_add_test(tc, test_zero_options_mean_the_default_region_and_world);
    suite_add_tcase(s, tc);
    return s;
}
