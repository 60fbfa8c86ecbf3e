/* test_page.c — the page abstraction: what a page file holds is what generation gives,
 * byte for byte; the one file check refuses every header that disagrees with the world;
 * read-or-generate says where each page came from. */
#define _POSIX_C_SOURCE 200809L

#include "test_main.h"
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TP_TEST_SUITE "page"
#include "test_support.h"

#include "terrapage/baker.h"
#include "terrapage/page.h"

#include <xxhash.h>

/* A small world with meshes: 33 samples per edge (LODs 33, 17, 9), 4 x 3 chunks. */
#define X0 (-2)
#define Z0 1
#define W 4
#define H 3

static char g_path[512];

static void bake_fixture(void)
{
    tmp_path(g_path, sizeof g_path, "world.tpk");
    tp_bake_options o = {0};
    o.world.seed = 9;
    o.world.samples_per_edge = 33;
    o.region_x0 = X0, o.region_z0 = Z0, o.region_width = W, o.region_height = H;
    o.threads = 1;
    ck_assert_int_eq(tp_bake(g_path, &o, NULL), TP_OK);
}

static void remove_fixture(void)
{
    remove(g_path);
}

/* Every buffer of a page at LOD 0 size, so it serves every LOD. */
typedef struct page_buffers {
    tp_page page;
    void *scratch;
    size_t scratch_size;
} page_buffers;

static void buffers_init(page_buffers *b, const tp_page_layout *L)
{
    size_t e2 = (size_t)L->edge[0] * L->edge[0], c2 = tp_page_climate_samples(L);
    memset(b, 0, sizeof *b);
    b->page.heights = calloc(e2, sizeof *b->page.heights);
    b->page.biomes = calloc(e2, 1);
    b->page.temperature_cc = calloc(c2, sizeof *b->page.temperature_cc);
    b->page.precipitation_mm = calloc(c2, sizeof *b->page.precipitation_mm);
    b->page.mesh = calloc(tp_page_mesh_capacity(L, 0), 1);
    b->scratch_size = tp_page_scratch_size(L, 0);
    b->scratch = malloc(b->scratch_size);
    ck_assert(b->page.heights && b->page.biomes && b->page.temperature_cc &&
              b->page.precipitation_mm && b->page.mesh && b->scratch);
}

static void buffers_free(page_buffers *b)
{
    free(b->page.heights);
    free(b->page.biomes);
    free(b->page.temperature_cc);
    free(b->page.precipitation_mm);
    free(b->page.mesh);
    free(b->scratch);
}

static void assert_same_page(const tp_page_layout *L, uint32_t lod, const tp_page *a,
                             const tp_page *b)
{
    size_t e2 = (size_t)L->edge[lod] * L->edge[lod], c2 = tp_page_climate_samples(L);
    ck_assert_mem_eq(a->heights, b->heights, e2 * sizeof *a->heights);
    ck_assert_mem_eq(a->biomes, b->biomes, e2);
    ck_assert_mem_eq(a->temperature_cc, b->temperature_cc, c2 * sizeof *a->temperature_cc);
    ck_assert_mem_eq(a->precipitation_mm, b->precipitation_mm, c2 * sizeof(uint16_t));
    ck_assert_uint_eq(a->mesh_size, b->mesh_size);
    if (a->mesh_size)
        ck_assert_mem_eq(a->mesh, b->mesh, a->mesh_size);
}

static tp_reader *open_fixture(tp_page_layout *L)
{
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(g_path, NULL, &r), TP_OK);
    ck_assert_int_eq(tp_page_layout_from_file(tp_reader_desc(r), L), TP_OK);
    return r;
}

START_TEST(test_a_page_read_from_a_bake_equals_the_generated_page_at_every_lod)
{
    tp_page_layout L;
    tp_reader *r = open_fixture(&L);
    ck_assert_uint_eq(L.flags, TP_PAGE_MESHES);
    ck_assert_uint_eq(L.lod_count, 3);
    page_buffers read, gen;
    buffers_init(&read, &L);
    buffers_init(&gen, &L);
    for (int32_t cz = Z0; cz < Z0 + H; cz++)
        for (int32_t cx = X0; cx < X0 + W; cx++)
            for (uint32_t lod = 0; lod < L.lod_count; lod++) {
                ck_assert_int_eq(tp_page_read(&L, r, cx, cz, lod, read.scratch,
                                              read.scratch_size, &read.page), TP_OK);
                ck_assert_uint_gt(read.page.bytes_read, 0);
                ck_assert_int_eq(tp_page_generate(&L, cx, cz, lod, NULL, gen.scratch,
                                                  gen.scratch_size, &gen.page), TP_OK);
                assert_same_page(&L, lod, &read.page, &gen.page);
                /* Without the LOD-0 grid, generation measures only LOD 0's error. */
                if (lod == 0) {
                    ck_assert(read.page.mesh_error_m == gen.page.mesh_error_m);
                    ck_assert_uint_eq(gen.page.flags, 0);
                } else {
                    ck_assert_uint_eq(gen.page.flags, TP_PAGE_MESH_ERROR_ESTIMATED);
                    ck_assert(read.page.mesh_error_m <= gen.page.mesh_error_m);
                }
            }
    buffers_free(&read);
    buffers_free(&gen);
    tp_reader_close(r);
}
END_TEST

START_TEST(test_generating_with_the_lod0_grid_measures_the_error_the_baker_records)
{
    tp_page_layout L;
    tp_reader *r = open_fixture(&L);
    page_buffers lod0, read, gen;
    buffers_init(&lod0, &L);
    buffers_init(&read, &L);
    buffers_init(&gen, &L);
    ck_assert_int_eq(tp_page_generate(&L, X0 + 1, Z0 + 2, 0, NULL, lod0.scratch,
                                      lod0.scratch_size, &lod0.page), TP_OK);
    for (uint32_t lod = 1; lod < L.lod_count; lod++) {
        ck_assert_int_eq(tp_page_read(&L, r, X0 + 1, Z0 + 2, lod, read.scratch,
                                      read.scratch_size, &read.page), TP_OK);
        ck_assert_int_eq(tp_page_generate(&L, X0 + 1, Z0 + 2, lod, lod0.page.heights,
                                          gen.scratch, gen.scratch_size, &gen.page), TP_OK);
        ck_assert_uint_eq(gen.page.flags, 0);
        ck_assert(gen.page.mesh_error_m == read.page.mesh_error_m);
    }
    buffers_free(&lod0);
    buffers_free(&read);
    buffers_free(&gen);
    tp_reader_close(r);
}
END_TEST

START_TEST(test_subsampling_a_finer_page_gives_the_coarser_page)
{
    tp_world_params w = {0};
    w.seed = 3;
    ck_assert_int_eq(tp_world_params_resolve(&w, &w), TP_OK);
    tp_page_layout L;
    ck_assert_int_eq(tp_page_layout_init(&w, 0, &L), TP_OK);
    page_buffers fine, coarse, gen;
    buffers_init(&fine, &L);
    buffers_init(&coarse, &L);
    buffers_init(&gen, &L);
    /* No meshes in this layout: give their buffers back (leak-checked) and ask for none. */
    free(fine.page.mesh), free(coarse.page.mesh), free(gen.page.mesh);
    fine.page.mesh = coarse.page.mesh = gen.page.mesh = NULL;
    for (uint32_t from = 0; from + 1 < L.lod_count; from++) {
        ck_assert_int_eq(tp_page_generate(&L, 5, -7, from, NULL, fine.scratch,
                                          fine.scratch_size, &fine.page), TP_OK);
        for (uint32_t to = from; to < L.lod_count; to++) {
            tp_page_subsample(&L, from, &fine.page, to, &coarse.page);
            ck_assert_int_eq(tp_page_generate(&L, 5, -7, to, NULL, gen.scratch,
                                              gen.scratch_size, &gen.page), TP_OK);
            assert_same_page(&L, to, &coarse.page, &gen.page);
        }
    }
    buffers_free(&fine);
    buffers_free(&coarse);
    buffers_free(&gen);
}
END_TEST

START_TEST(test_the_file_check_refuses_every_header_field_that_disagrees_with_the_world)
{
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(g_path, NULL, &r), TP_OK);
    const tp_file_desc *good = tp_reader_desc(r);
    uint8_t blob[TP_WORLD_PARAMS_BLOB_SIZE];
    ck_assert_uint_eq(good->params_blob_size, sizeof blob);
    tp_page_layout L;
    for (int field = 0; field < 11; field++) {
        tp_file_desc d = *good;
        memcpy(blob, good->params_blob, sizeof blob);
        d.params_blob = blob;
        switch (field) {
        case 0: d.seed++; break;
        case 1: d.params_hash ^= 1; break;
        case 2: d.chunk_size_m *= 2; break;
        case 3: d.samples_per_edge = 65; break;
        case 4: d.lod_count--; break;
        case 5: d.height_min_m = 0.0; break;
        case 6: d.height_step_m = 0.125; break;
        case 7: blob[0] ^= 1; break; /* the seed inside the parameters: hash and seed */
        case 8: d.layers[0].elem_type = TP_ELEM_I16; break;
        case 9: d.layers[0].edge_lod0 = 17; break;
        default: d.layers[3].lod_count = 1; break;
        }
        ck_assert_msg(tp_page_layout_from_file(&d, &L) == TP_ERR_CORRUPT, "field %d", field);
        ck_assert(strlen(tp_error_detail()) > 0);
    }
    tp_reader_close(r);
}
END_TEST

START_TEST(test_a_file_of_another_generator_version_reads_but_never_generates)
{
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(g_path, NULL, &r), TP_OK);
    tp_file_desc d = *tp_reader_desc(r);
    d.generator_version = TP_GENERATOR_VERSION + 1;
    tp_page_layout L;
    ck_assert_int_eq(tp_page_layout_from_file(&d, &L), TP_ERR_UNSUPPORTED_VERSION);
    ck_assert_uint_eq(L.generator_version, TP_GENERATOR_VERSION + 1);
    /* As an older generator writes it: its own version inside the parameter blob too,
     * hashed as stored. */
    uint8_t blob[TP_WORLD_PARAMS_BLOB_SIZE];
    memcpy(blob, d.params_blob, sizeof blob);
    blob[4] ^= 0x7;
    d.params_blob = blob;
    d.params_hash = XXH3_64bits(blob, sizeof blob);
    ck_assert_int_eq(tp_page_layout_from_file(&d, &L), TP_ERR_UNSUPPORTED_VERSION);
    d.generator_version = TP_GENERATOR_VERSION; /* now the blob is not this generator's */
    ck_assert_int_eq(tp_page_layout_from_file(&d, &L), TP_ERR_CORRUPT);
    d.generator_version = TP_GENERATOR_VERSION + 1;
    page_buffers b;
    buffers_init(&b, &L);
    tp_page_source src;
    ck_assert_int_eq(tp_page_read_or_generate(&L, r, X0, Z0, 1, b.scratch, b.scratch_size,
                                              &b.page, &src, NULL), TP_OK);
    ck_assert_int_eq(src, TP_PAGE_FROM_FILE);
    ck_assert_int_eq(tp_page_read_or_generate(&L, r, X0 - 1, Z0, 1, b.scratch, b.scratch_size,
                                              &b.page, &src, NULL), TP_ERR_UNSUPPORTED_VERSION);
    ck_assert_int_eq(src, TP_PAGE_GENERATED);
    buffers_free(&b);
    tp_reader_close(r);
}
END_TEST

START_TEST(test_read_or_generate_says_where_each_page_came_from)
{
    /* Damage one blob: the mesh of chunk (X0 + 1, Z0) at LOD 1. */
    tp_page_layout L;
    tp_reader *r = open_fixture(&L);
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, X0 + 1, Z0, TP_LAYER_MESH, 1, &ref), TP_OK);
    tp_reader_close(r);
    size_t size = 0;
    uint8_t *bytes = read_file(g_path, &size);
    bytes[ref.offset + ref.stored_size / 2] ^= 0x40;
    char damaged[512];
    tmp_path(damaged, sizeof damaged, "damaged.tpk");
    write_file(damaged, bytes, size);
    free(bytes);
    ck_assert_int_eq(tp_reader_open(damaged, NULL, &r), TP_OK);

    page_buffers b, gen;
    buffers_init(&b, &L);
    buffers_init(&gen, &L);
    struct { int32_t cx, cz; tp_page_source src; tp_result read; } cases[] = {
        {X0, Z0, TP_PAGE_FROM_FILE, TP_OK},
        {X0 + W, Z0, TP_PAGE_GENERATED, TP_ERR_NOT_FOUND},
        {X0 + 1, Z0, TP_PAGE_REPAIRED, TP_ERR_CHECKSUM},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        tp_page_source src;
        tp_result read;
        ck_assert_int_eq(tp_page_read_or_generate(&L, r, cases[i].cx, cases[i].cz, 1, b.scratch,
                                                  b.scratch_size, &b.page, &src, &read), TP_OK);
        ck_assert_int_eq(src, cases[i].src);
        ck_assert_int_eq(read, cases[i].read);
        ck_assert_int_eq(tp_page_generate(&L, cases[i].cx, cases[i].cz, 1, NULL, gen.scratch,
                                          gen.scratch_size, &gen.page), TP_OK);
        assert_same_page(&L, 1, &b.page, &gen.page);
    }
    /* Without a reader every page is generated. */
    tp_page_source src;
    ck_assert_int_eq(tp_page_read_or_generate(&L, NULL, X0, Z0, 2, b.scratch, b.scratch_size,
                                              &b.page, &src, NULL), TP_OK);
    ck_assert_int_eq(src, TP_PAGE_GENERATED);
    buffers_free(&b);
    buffers_free(&gen);
    tp_reader_close(r);
    remove(damaged);
}
END_TEST

START_TEST(test_page_bounds_are_the_bounds_record_the_baker_writes)
{
    tp_page_layout L;
    tp_reader *r = open_fixture(&L);
    page_buffers b;
    buffers_init(&b, &L);
    for (int32_t cz = Z0; cz < Z0 + H; cz++)
        for (int32_t cx = X0; cx < X0 + W; cx++) {
            tp_chunk_bounds want, got;
            ck_assert_int_eq(tp_reader_chunk_bounds(r, cx, cz, &want), TP_OK);
            ck_assert_int_eq(tp_page_read(&L, r, cx, cz, 0, b.scratch, b.scratch_size, &b.page),
                             TP_OK);
            got = tp_page_bounds(&L, 0, b.page.heights);
            ck_assert_uint_eq(got.height_min_code, want.height_min_code);
            ck_assert_uint_eq(got.height_max_code, want.height_max_code);
            ck_assert_uint_eq(got.flags | TP_CHUNK_PRESENT, want.flags);
        }
    buffers_free(&b);
    tp_reader_close(r);
}
END_TEST

START_TEST(test_a_page_part_list_follows_the_buffers_asked_for)
{
    tp_page_layout L;
    tp_reader *r = open_fixture(&L);
    tp_reader_close(r);
    uint16_t h;
    uint8_t mesh;
    tp_page p = {.heights = &h, .mesh = &mesh};
    tp_page_part parts[TP_PAGE_MAX_PARTS];
    ck_assert_uint_eq(tp_page_parts(&L, 2, &p, parts), 2);
    ck_assert_uint_eq(parts[0].layer_id, TP_LAYER_HEIGHT);
    ck_assert_uint_eq(parts[0].edge, 9);
    ck_assert_uint_eq(parts[0].bytes, 9 * 9 * 2);
    ck_assert_uint_eq(parts[1].layer_id, TP_LAYER_MESH);
    ck_assert_uint_eq(parts[1].bytes, tp_page_mesh_capacity(&L, 2));
    int16_t t;
    tp_page c = {.temperature_cc = &t};
    ck_assert_uint_eq(tp_page_parts(&L, 2, &c, parts), 1);
    ck_assert_uint_eq(parts[0].stored_lod, 0);
}
END_TEST

/* ---- the content check --------------------------------------------------------------- */

/* The fixture's bytes with the region origin moved by `dx` chunks, header re-signed
 * (FORMAT.md 5.1: region_x0 at 64, the checksum in the header's last 8 bytes). */
static uint8_t *moved_fixture(int32_t dx, size_t *out_size)
{
    uint8_t *f = read_file(g_path, out_size);
    uint32_t x0, header;
    memcpy(&x0, f + 64, 4);
    x0 += (uint32_t)dx;
    memcpy(f + 64, &x0, 4);
    memcpy(&header, f + 12, 4);
    uint64_t sum = XXH3_64bits(f, header - 8);
    memcpy(f + header - 8, &sum, 8); /* little-endian host, as the suite assumes */
    return f;
}

START_TEST(test_the_content_check_finds_pages_of_another_chunk_and_passes_over_damage)
{
    tp_page_layout L;
    tp_reader *r = open_fixture(&L);
    const uint32_t coarsest = L.lod_count - 1;
    size_t size = tp_page_check_scratch_size(&L, 0);
    ck_assert_uint_ge(size, tp_page_check_scratch_size(&L, coarsest));
    ck_assert_uint_eq(tp_page_check_scratch_size(&L, L.lod_count), 0);
    void *scratch = malloc(size);
    ck_assert_ptr_nonnull(scratch);

    /* A sound file: every page of every LOD is generation's; the sample compares four. */
    uint32_t compared = 0;
    ck_assert_int_eq(tp_page_check_file(&L, r, scratch, size, &compared), TP_OK);
    ck_assert_uint_eq(compared, TP_PAGE_CHECK_FILE_PAGES);
    for (int32_t cz = Z0; cz < Z0 + H; cz++)
        for (int32_t cx = X0; cx < X0 + W; cx++)
            for (uint32_t lod = 0; lod < L.lod_count; lod++)
                ck_assert_int_eq(tp_page_check(&L, r, cx, cz, lod, scratch, size, NULL), TP_OK);
    ck_assert_int_eq(tp_page_check(&L, r, X0 + W, Z0, coarsest, scratch, size, NULL),
                     TP_ERR_NOT_FOUND);
    ck_assert_int_eq(tp_page_check(&L, r, X0, Z0, coarsest, scratch,
                                   tp_page_check_scratch_size(&L, coarsest) - 1, NULL),
                     TP_ERR_BUFFER_TOO_SMALL);
    tp_page_layout other = L;
    other.generator_version++;
    ck_assert_int_eq(tp_page_check(&L, r, X0, Z0, coarsest, scratch, size, NULL), TP_OK);
    ck_assert_int_eq(tp_page_check(&other, r, X0, Z0, coarsest, scratch, size, NULL),
                     TP_ERR_UNSUPPORTED_VERSION);
    ck_assert_int_eq(tp_page_check_file(&other, r, scratch, size, &compared), TP_OK);
    ck_assert_uint_eq(compared, 0);

    /* Damage in the first chunk's coarsest heights: passed over, not a contradiction. */
    tp_blob_ref ref;
    ck_assert_int_eq(tp_reader_find(r, X0, Z0, TP_LAYER_HEIGHT, coarsest, &ref), TP_OK);
    tp_reader_close(r);
    size_t file_size;
    uint8_t *bytes = read_file(g_path, &file_size);
    bytes[ref.offset + ref.stored_size / 2] ^= 0x40;
    ck_assert_int_eq(tp_reader_open_memory(bytes, file_size, &r), TP_OK);
    ck_assert_int_eq(tp_page_check(&L, r, X0, Z0, coarsest, scratch, size, NULL),
                     TP_ERR_CHECKSUM);
    ck_assert_int_eq(tp_page_check_file(&L, r, scratch, size, &compared), TP_OK);
    ck_assert_uint_eq(compared, TP_PAGE_CHECK_FILE_PAGES);
    tp_reader_close(r);
    free(bytes);

    /* The origin moved by one chunk: the header check cannot see it, the pages can. */
    bytes = moved_fixture(1, &file_size);
    ck_assert_int_eq(tp_reader_open_memory(bytes, file_size, &r), TP_OK);
    tp_page_layout moved;
    ck_assert_int_eq(tp_page_layout_from_file(tp_reader_desc(r), &moved), TP_OK);
    ck_assert_int_eq(tp_page_check_file(&moved, r, scratch, size, &compared),
                     TP_ERR_WORLD_MISMATCH);
    ck_assert_uint_eq(compared, 1);
    char want[128];
    snprintf(want, sizeof want, "chunk (%d, %d) height LOD %u: differs from the page generated",
             X0 + 1, Z0, coarsest);
    ck_assert_msg(strstr(tp_error_detail(), want), "%s", tp_error_detail());
    tp_page_part part;
    ck_assert_int_eq(tp_page_check(&moved, r, X0 + 1, Z0, 0, scratch, size, &part),
                     TP_ERR_WORLD_MISMATCH);
    ck_assert_uint_eq(part.layer_id, TP_LAYER_HEIGHT);
    ck_assert_uint_eq(part.stored_lod, 0);
    tp_reader_close(r);
    free(bytes);
    free(scratch);
}
END_TEST

/* A read callback over a copy of the file that counts its calls and, past `limit`,
 * fails as a short file would. */
typedef struct counted_file {
    uint8_t *bytes;
    size_t size;
    uint64_t limit;
    int calls;
} counted_file;

static int counted_read(void *user, uint64_t offset, void *dst, size_t size)
{
    counted_file *f = user;
    __atomic_add_fetch(&f->calls, 1, __ATOMIC_RELAXED);
    if (offset > f->limit || size > f->limit - offset)
        return -1;
    memcpy(dst, f->bytes + offset, size);
    return 0;
}

static tp_reader *open_counted(counted_file *f, tp_page_layout *L)
{
    memset(f, 0, sizeof *f);
    f->bytes = read_file(g_path, &f->size);
    ck_assert_ptr_nonnull(f->bytes);
    f->limit = f->size;
    tp_reader_options o = {0};
    o.read = counted_read;
    o.read_user = f;
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(g_path, &o, &r), TP_OK);
    ck_assert_int_eq(tp_page_layout_from_file(tp_reader_desc(r), L), TP_OK);
    return r;
}

START_TEST(test_a_page_of_heights_biomes_and_mesh_is_one_read_call)
{
    tp_page_layout L;
    counted_file f;
    tp_reader *r = open_counted(&f, &L);
    tp_reader *mapped = open_fixture(&L);
    page_buffers got, want;
    buffers_init(&got, &L);
    buffers_init(&want, &L);
    /* What the runtime asks for: no climate. */
    free(got.page.temperature_cc), free(got.page.precipitation_mm);
    free(want.page.temperature_cc), free(want.page.precipitation_mm);
    got.page.temperature_cc = want.page.temperature_cc = NULL;
    got.page.precipitation_mm = want.page.precipitation_mm = NULL;
    for (uint32_t lod = 0; lod < L.lod_count; lod++)
        for (int32_t cz = Z0; cz < Z0 + H; cz++)
            for (int32_t cx = X0; cx < X0 + W; cx++) {
                tp_chunk_bounds b; /* the directory block is read on first touch */
                ck_assert_int_eq(tp_reader_chunk_bounds(r, cx, cz, &b), TP_OK);
                int before = f.calls;
                ck_assert_int_eq(tp_page_read(&L, r, cx, cz, lod, got.scratch,
                                              got.scratch_size, &got.page), TP_OK);
                ck_assert_int_eq(f.calls - before, 1);
                ck_assert_int_eq(tp_page_read(&L, mapped, cx, cz, lod, want.scratch,
                                              want.scratch_size, &want.page), TP_OK);
                ck_assert_uint_eq(got.page.bytes_read, want.page.bytes_read);
                ck_assert_uint_eq(got.page.mesh_size, want.page.mesh_size);
                size_t e2 = (size_t)L.edge[lod] * L.edge[lod];
                ck_assert_mem_eq(got.page.heights, want.page.heights, e2 * 2);
                ck_assert_mem_eq(got.page.biomes, want.page.biomes, e2);
                ck_assert_mem_eq(got.page.mesh, want.page.mesh, got.page.mesh_size);
            }
    /* Climate at a coarser LOD lives in LOD 0's section: one more read, no more. */
    page_buffers all;
    buffers_init(&all, &L);
    tp_chunk_bounds b;
    ck_assert_int_eq(tp_reader_chunk_bounds(r, X0, Z0, &b), TP_OK);
    int before = f.calls;
    ck_assert_int_eq(tp_page_read(&L, r, X0, Z0, 1, all.scratch, all.scratch_size, &all.page),
                     TP_OK);
    ck_assert_int_eq(f.calls - before, 2);
    buffers_free(&all);
    buffers_free(&got);
    buffers_free(&want);
    tp_reader_close(mapped);
    tp_reader_close(r);
    free(f.bytes);
}
END_TEST

/* The refs of chunk (X0 + 1, Z0 + 1)'s heights, biomes and mesh at `lod`. */
static void find_three(const tp_reader *r, uint32_t lod, tp_blob_ref refs[3])
{
    const uint32_t layers[3] = {TP_LAYER_HEIGHT, TP_LAYER_BIOME, TP_LAYER_MESH};
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(tp_reader_find(r, X0 + 1, Z0 + 1, layers[i], lod, &refs[i]), TP_OK);
    /* Back to back but for LOD 0's climate blobs between the biomes and the mesh. */
    ck_assert_uint_eq(refs[1].offset, refs[0].offset + refs[0].stored_size);
    ck_assert_uint_ge(refs[2].offset, refs[1].offset + refs[1].stored_size);
    ck_assert_uint_le(refs[2].offset, refs[1].offset + refs[1].stored_size + 4096);
}

START_TEST(test_loading_blobs_reads_each_run_once_and_checks_every_blob)
{
    tp_page_layout L;
    counted_file f;
    tp_reader *r = open_counted(&f, &L);
    tp_blob_ref refs[3];
    find_three(r, 0, refs);
    size_t caps[3] = {refs[0].raw_size, refs[1].raw_size, refs[2].raw_size};
    void *outs[3] = {malloc(caps[0]), malloc(caps[1]), malloc(caps[2])};
    void *want = malloc(caps[2]);
    size_t total = (size_t)refs[0].stored_size + refs[1].stored_size + refs[2].stored_size;
    size_t span = (size_t)(refs[2].offset + refs[2].stored_size - refs[0].offset);
    ck_assert_uint_gt(span, total); /* LOD 0: the climate blobs lie between */
    uint8_t *scratch = malloc(span);

    /* Whole: one call through the gap, each blob as tp_reader_decode() gives it. */
    int before = f.calls;
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, caps, scratch, span), TP_OK);
    ck_assert_int_eq(f.calls - before, 1);
    ck_assert_int_eq(tp_reader_decode(r, &refs[2], want, caps[2]), TP_OK);
    ck_assert_mem_eq(outs[2], want, caps[2]);
    /* A scratch without room for the gap: two calls, the same bytes. */
    memset(outs[2], 0, caps[2]);
    before = f.calls;
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, caps, scratch, span - 1), TP_OK);
    ck_assert_int_eq(f.calls - before, 2);
    ck_assert_mem_eq(outs[2], want, caps[2]);
    /* At LOD 1 the three are back to back: one call with a scratch of just their sum. */
    tp_blob_ref lod1[3];
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(tp_reader_find(r, X0 + 1, Z0 + 1, refs[i].layer_id, 1, &lod1[i]), TP_OK);
    ck_assert_uint_eq(lod1[2].offset, lod1[1].offset + lod1[1].stored_size);
    size_t caps1[3] = {lod1[0].raw_size, lod1[1].raw_size, lod1[2].raw_size};
    before = f.calls;
    ck_assert_int_eq(tp_reader_load_blobs(r, lod1, 3, outs, caps1, scratch,
                                          (size_t)lod1[0].stored_size + lod1[1].stored_size +
                                              lod1[2].stored_size),
                     TP_OK);
    ck_assert_int_eq(f.calls - before, 1);

    /* Partial: blobs of two sections are two runs, two calls, nothing between read. */
    tp_blob_ref apart[2] = {refs[0], refs[0]};
    ck_assert_int_eq(tp_reader_find(r, X0 + 1, Z0 + 1, TP_LAYER_HEIGHT, 1, &apart[1]), TP_OK);
    void *outs2[2] = {outs[0], outs[1]};
    size_t caps2[2] = {caps[0], apart[1].raw_size};
    void *h1 = malloc(caps2[1]);
    outs2[1] = h1;
    before = f.calls;
    ck_assert_int_eq(tp_reader_load_blobs(r, apart, 2, outs2, caps2, scratch, total), TP_OK);
    ck_assert_int_eq(f.calls - before, 2);

    /* A scratch one byte short, an output too small: refused before any read. */
    before = f.calls;
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, caps, scratch, total - 1),
                     TP_ERR_BUFFER_TOO_SMALL);
    size_t small[3] = {caps[0], caps[1] - 1, caps[2]};
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, small, scratch, total),
                     TP_ERR_BUFFER_TOO_SMALL);
    ck_assert_int_eq(f.calls, before);

    /* A short read anywhere in the run fails the run, as IO. */
    f.limit = refs[2].offset + 1;
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, caps, scratch, span), TP_ERR_IO);
    f.limit = f.size;

    /* A corrupt byte in the middle blob: that blob's checksum fails, named. */
    f.bytes[refs[1].offset + refs[1].stored_size / 2] ^= 0x40;
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, caps, scratch, total),
                     TP_ERR_CHECKSUM);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "layer 3 LOD 0"));
    f.bytes[refs[1].offset + refs[1].stored_size / 2] ^= 0x40;
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, caps, scratch, total), TP_OK);

    free(h1);
    free(want);
    free(scratch);
    for (int i = 0; i < 3; i++)
        free(outs[i]);
    tp_reader_close(r);
    free(f.bytes);
}
END_TEST

START_TEST(test_loading_blobs_from_a_file_cut_after_open_fails_as_truncated)
{
    char cut[512];
    tmp_path(cut, sizeof cut, "cut.tpk");
    size_t n = 0;
    uint8_t *bytes = read_file(g_path, &n);
    ck_assert_ptr_nonnull(bytes);
    FILE *out = fopen(cut, "wb");
    ck_assert_ptr_nonnull(out);
    ck_assert_uint_eq(fwrite(bytes, 1, n, out), n);
    ck_assert_int_eq(fclose(out), 0);
    tp_reader_options o = {0};
    o.flags = TP_READER_PREAD;
    tp_reader *r = NULL;
    ck_assert_int_eq(tp_reader_open(cut, &o, &r), TP_OK);
    tp_blob_ref refs[3];
    find_three(r, 0, refs);
    size_t caps[3] = {refs[0].raw_size, refs[1].raw_size, refs[2].raw_size};
    void *outs[3] = {malloc(caps[0]), malloc(caps[1]), malloc(caps[2])};
    size_t total = (size_t)refs[0].stored_size + refs[1].stored_size + refs[2].stored_size;
    size_t span = (size_t)(refs[2].offset + refs[2].stored_size - refs[0].offset);
    ck_assert_uint_ge(span, total);
    uint8_t *scratch = malloc(span);
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, caps, scratch, span), TP_OK);
    ck_assert_int_eq(truncate(cut, (off_t)(refs[2].offset + 3)), 0);
    ck_assert_int_eq(tp_reader_load_blobs(r, refs, 3, outs, caps, scratch, span),
                     TP_ERR_TRUNCATED);
    ck_assert_ptr_nonnull(strstr(tp_error_detail(), "3 blobs"));
    free(scratch);
    for (int i = 0; i < 3; i++)
        free(outs[i]);
    tp_reader_close(r);
    free(bytes);
    remove(cut);
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("page");
    TCase *tc = tcase_create("page");
    tcase_add_unchecked_fixture(tc, bake_fixture, remove_fixture);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_a_page_read_from_a_bake_equals_the_generated_page_at_every_lod);
    tcase_add_test(tc, test_generating_with_the_lod0_grid_measures_the_error_the_baker_records);
    tcase_add_test(tc, test_subsampling_a_finer_page_gives_the_coarser_page);
    tcase_add_test(tc, test_the_file_check_refuses_every_header_field_that_disagrees_with_the_world);
    tcase_add_test(tc, test_a_file_of_another_generator_version_reads_but_never_generates);
    tcase_add_test(tc, test_read_or_generate_says_where_each_page_came_from);
    tcase_add_test(tc, test_page_bounds_are_the_bounds_record_the_baker_writes);
    tcase_add_test(tc, test_a_page_part_list_follows_the_buffers_asked_for);
    tcase_add_test(tc, test_the_content_check_finds_pages_of_another_chunk_and_passes_over_damage);
    tcase_add_test(tc, test_a_page_of_heights_biomes_and_mesh_is_one_read_call);
    tcase_add_test(tc, test_loading_blobs_reads_each_run_once_and_checks_every_blob);
    tcase_add_test(tc, test_loading_blobs_from_a_file_cut_after_open_fails_as_truncated);
    suite_add_tcase(s, tc);
    return s;
}
