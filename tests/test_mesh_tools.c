/* test_mesh_tools.c — the mesh layer in a page file and the tools that read it: a file
 * baked by tp_bake decodes to exactly what a fresh build gives; `terrapage mesh` writes a
 * valid OBJ and fails clearly; `terrapage info` reports the mesh figures. Built only with
 * the tools (tests/CMakeLists.txt). */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700 /* mknod */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h> /* makedev */
#include <unistd.h>

#include "terrapage/mesh.h"
#include "terrapage/pagefile.h"

#define TP_TEST_SUITE "mesh-tools"
#include "test_main.h"
#include "test_support.h"

#include "commands.h"
#include "terrapage/baker.h"

#define REGION_X0 (-1)
#define REGION_Z0 0
#define REGION_W 3u
#define REGION_H 2u

static char g_path[512];

static tp_world_params default_world(void)
{
    tp_world_params w = {0};
    ck_assert_int_eq(tp_world_params_resolve(&w, &w), TP_OK);
    return w;
}

/* A page file from the baker: every layer, meshes included, at every LOD. */
static void write_world(const char *path)
{
    tp_bake_options o = {0};
    o.region_x0 = REGION_X0;
    o.region_z0 = REGION_Z0;
    o.region_width = REGION_W;
    o.region_height = REGION_H;
    o.threads = 1;
    ck_assert_msg(tp_bake(path, &o, NULL) == TP_OK, "%s", tp_error_detail());
}

static void setup(void)
{
    snprintf(g_path, sizeof g_path, "%s/mesh-tools-%ld.tpk", TP_TEST_TMP_DIR, (long)getpid());
    write_world(g_path);
}

static void teardown(void)
{
    remove(g_path);
}

START_TEST(test_meshes_read_from_the_file_equal_a_fresh_build_bit_for_bit)
{
    tp_world_params w = default_world();
    const uint32_t lods = tp_world_lod_count(&w), e0 = tp_world_lod_edge(&w, 0);
    tp_reader *r;
    ck_assert_int_eq(tp_reader_open(g_path, NULL, &r), TP_OK);
    uint16_t *full = malloc(sizeof *full * e0 * e0);
    size_t cap = tp_mesh_chunk_blob_bound(&w, 0);
    uint8_t *fresh = malloc(cap), *from_file = malloc(cap);
    for (uint32_t dz = 0; dz < REGION_H; dz++)
        for (uint32_t dx = 0; dx < REGION_W; dx++) {
            int32_t cx = REGION_X0 + (int32_t)dx, cz = REGION_Z0 + (int32_t)dz;
            tp_chunk_fields f = {.height_codes = full};
            ck_assert_int_eq(tp_generate_chunk(&w, cx, cz, 0, &f), TP_OK);
            for (uint32_t lod = 0; lod < lods; lod++) {
                tp_blob_ref ref;
                ck_assert_int_eq(tp_reader_find(r, cx, cz, TP_LAYER_MESH, lod, &ref), TP_OK);
                ck_assert_uint_le(ref.raw_size, cap);
                ck_assert_int_eq(tp_reader_decode(r, &ref, from_file, cap), TP_OK);
                /* The runtime's fallback: no heights given, no error measured. */
                size_t size;
                ck_assert_int_eq(tp_mesh_generate_chunk_blob(&w, cx, cz, lod, NULL, NULL, NULL, 0, fresh,
                                                             cap, &size, NULL), TP_OK);
                ck_assert_uint_eq(size, ref.raw_size);
                ck_assert_mem_eq(fresh, from_file, size);
                /* The recorded error is the exact one, and within the LOD's target. */
                float error_m, recorded;
                ck_assert_int_eq(tp_mesh_generate_chunk_blob(&w, cx, cz, lod, NULL, full, NULL, 0, fresh,
                                                             cap, &size, &error_m), TP_OK);
                memcpy(&recorded, &ref.aux, sizeof recorded);
                ck_assert_float_eq(recorded, error_m);
                ck_assert(recorded >= 0.0f && recorded <= tp_mesh_lod_target_error_m(lod));
                /* And the encoding decodes to a valid mesh. */
                tp_mesh info, m;
                ck_assert_int_eq(tp_mesh_decode_header(from_file, size, &info), TP_OK);
                tp_mesh_vertex *v = malloc(sizeof *v * info.vertex_count);
                uint16_t *ix = malloc(sizeof *ix * info.index_count);
                ck_assert_int_eq(tp_mesh_decode(from_file, size, v, info.vertex_count, ix,
                                                info.index_count, &m), TP_OK);
                ck_assert_int_eq(tp_mesh_validate(&m), TP_OK);
                free(v);
                free(ix);
            }
        }
    free(full), free(fresh), free(from_file);
    tp_reader_close(r);
}
END_TEST

/* Counts the lines of an OBJ by their first word and checks every face's indices. */
static void check_obj(const char *path, uint32_t *out_v, uint32_t *out_vn, uint32_t *out_f,
                      double *out_max_x)
{
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    uint32_t v = 0, vn = 0, faces = 0;
    double max_x = -1e30;
    while (fgets(line, sizeof line, f)) {
        double x, y, z;
        unsigned a[6];
        if (sscanf(line, "v %lf %lf %lf", &x, &y, &z) == 3) {
            v++;
            max_x = x > max_x ? x : max_x;
        } else if (sscanf(line, "vn %lf %lf %lf", &x, &y, &z) == 3) {
            vn++;
            ck_assert(y > 0.0 && x * x + y * y + z * z > 0.98 && x * x + y * y + z * z < 1.02);
        } else if (sscanf(line, "f %u//%u %u//%u %u//%u", &a[0], &a[1], &a[2], &a[3], &a[4], &a[5]) == 6) {
            faces++;
            for (int k = 0; k < 6; k++)
                ck_assert(a[k] >= 1 && a[k] <= v);
        }
    }
    fclose(f);
    *out_v = v, *out_vn = vn, *out_f = faces, *out_max_x = max_x;
}

START_TEST(test_mesh_command_writes_an_obj_that_matches_the_mesh)
{
    char obj[600], out[4096];
    snprintf(obj, sizeof obj, "%s.obj", g_path);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_mesh, "mesh", g_path, "--chunk", "0,1", "--lod", "1",
                                  "-o", obj), 0);
    ck_assert_ptr_nonnull(strstr(out, "wrote"));
    ck_assert_ptr_nonnull(strstr(out, "max error"));
    uint32_t v, vn, faces;
    double max_x;
    check_obj(obj, &v, &vn, &faces, &max_x);
    ck_assert_uint_eq(v, vn);
    ck_assert_uint_gt(faces, 0);
    ck_assert(max_x <= 256.0 + 1e-9 && max_x > 255.0);
    /* With skirts and world coordinates: more faces, and x shifted by a chunk. */
    uint32_t faces_surface = faces;
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_mesh, "mesh", g_path, "--chunk", "1,0", "--lod", "1",
                                  "--skirts", "--world-coords", "-o", obj), 0);
    check_obj(obj, &v, &vn, &faces, &max_x);
    ck_assert(max_x > 511.0 && max_x <= 512.0 + 1e-9);
    ck_assert_uint_gt(faces, faces_surface / 2);
    remove(obj);
}
END_TEST

START_TEST(test_mesh_command_fails_clearly)
{
    char out[4096], obj[600];
    snprintf(obj, sizeof obj, "%s.obj", g_path);
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_mesh, "mesh", "--help"), 0);
    ck_assert_ptr_nonnull(strstr(out, "--chunk X,Z"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", g_path), 2);
    ck_assert_ptr_nonnull(strstr(out, "which chunk?"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", g_path, "--chunk", "1;2"), 2);
    ck_assert_ptr_nonnull(strstr(out, "--chunk"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", g_path, "--chunk", "9,9", "-o", obj), 1);
    ck_assert_ptr_nonnull(strstr(out, "chunk (9, 9)"));
    ck_assert_ptr_nonnull(strstr(out, "--fallback"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", g_path, "--chunk", "0,0", "--lod", "9"), 1);
    ck_assert_ptr_nonnull(strstr(out, "out of range"));
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", "/nonexistent/w.tpk", "--chunk", "0,0"), 1);
    ck_assert_ptr_nonnull(strstr(out, "/nonexistent/w.tpk"));
    /* --fallback builds what the file lacks, exactly as the runtime would. */
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_mesh, "mesh", g_path, "--chunk", "9,9", "--fallback",
                                  "-o", obj), 0);
    ck_assert_ptr_nonnull(strstr(out, "generated"));
    remove(obj);
}
END_TEST

/* The OBJ goes where a page file or PNG would: only over a regular file. A FIFO is never
 * opened (that would block until a reader came: a regression shows as this test hanging
 * until its timeout); a device node, made in a temporary directory rather than under
 * /dev, needs root (mknod), so as another user that part is skipped. */
START_TEST(test_mesh_command_refuses_a_device_node_or_a_fifo)
{
    char dir[512], fifo[600], node[600], out[4096];
    make_tmp_dir(dir, sizeof dir, "obj-out");
    snprintf(fifo, sizeof fifo, "%s/pipe.obj", dir);
    snprintf(node, sizeof node, "%s/null.obj", dir);
    ck_assert_int_eq(mkfifo(fifo, 0644), 0);
    ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", g_path, "--chunk", "0,0", "-o",
                                  fifo), 1);
    ck_assert_msg(strstr(out, fifo) && strstr(out, "is a FIFO"), "%s", out);
    struct stat st;
    ck_assert_int_eq(lstat(fifo, &st), 0);
    ck_assert(S_ISFIFO(st.st_mode));
    if (geteuid() == 0) {
        ck_assert_int_eq(mknod(node, S_IFCHR | 0666, makedev(1, 3)), 0);
        ck_assert_int_eq(RUN_CAPTURED(2, out, tpt_cmd_mesh, "mesh", g_path, "--chunk", "0,0",
                                      "-o", node), 1);
        ck_assert_msg(strstr(out, node) && strstr(out, "is a character device"), "%s", out);
        ck_assert_int_eq(lstat(node, &st), 0);
        ck_assert(S_ISCHR(st.st_mode));
    }
    ck_assert_int_eq(count_entries(dir, ""), geteuid() == 0 ? 4 : 3); /* with . and .. */
    remove_tmp_dir(dir);
}
END_TEST

START_TEST(test_info_reports_mesh_figures)
{
    static char out[65536];
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", g_path), 0);
    ck_assert_ptr_nonnull(strstr(out, "triangles/chunk"));
    ck_assert_ptr_nonnull(strstr(out, "max error"));
    ck_assert_int_eq(RUN_CAPTURED(1, out, tpt_cmd_info, "info", g_path, "--json"), 0);
    ck_assert_ptr_nonnull(strstr(out, "\"mesh\": {\"triangles\": "));
    ck_assert_ptr_nonnull(strstr(out, "\"max_error_m\": "));
}
END_TEST

Suite *tp_test_suite(void)
{
    Suite *s = suite_create("mesh_tools");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_meshes_read_from_the_file_equal_a_fresh_build_bit_for_bit);
    tcase_add_test(tc, test_mesh_command_writes_an_obj_that_matches_the_mesh);
    tcase_add_test(tc, test_mesh_command_fails_clearly);
    tcase_add_test(tc, test_mesh_command_refuses_a_device_node_or_a_fifo);
    tcase_add_test(tc, test_info_reports_mesh_figures);
    suite_add_tcase(s, tc);
    return s;
}
