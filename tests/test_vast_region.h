/* test_vast_region.h — a small page file whose header declares a vast region: every blob
 * and bounds record of a baked file, rewritten by the writer (so every checksum is valid)
 * under a region of width × height chunks that contains the baked one. Nearly all of the
 * declared region is absent; what is stored is the baked file's few tiles plus a block
 * table of 16 bytes per declared tile. This is what an attacker can hand a reader: work
 * or memory that follows the declared region instead of the file is the bug it finds.
 *
 *   write_vast_copy(baked, vast, 0, 0, 8192, 8192);   // 2^26 chunks declared, 4 MiB file
 *
 * Fails the running test through ck_assert on any error. */
#ifndef TP_TEST_VAST_REGION_H
#define TP_TEST_VAST_REGION_H

#include <check.h>
#include <stdint.h>

#include "terrapage/pagefile.h"
#include "terrapage/writer.h"

static inline void write_vast_copy(const char *src, const char *dst, int32_t x0, int32_t z0,
                                   uint32_t width, uint32_t height)
{
    tp_reader *r;
    ck_assert_msg(tp_reader_open(src, NULL, &r) == TP_OK, "%s", tp_error_detail());
    tp_file_desc d = *tp_reader_desc(r);
    const tp_file_desc *from = tp_reader_desc(r);
    ck_assert(x0 <= from->region_x0 && z0 <= from->region_z0 &&
              (int64_t)x0 + width >= (int64_t)from->region_x0 + from->region_width &&
              (int64_t)z0 + height >= (int64_t)from->region_z0 + from->region_height);
    d.region_x0 = x0, d.region_z0 = z0;
    d.region_width = width, d.region_height = height;
    d.version_major = d.version_minor = 0;
    tp_writer *w;
    ck_assert_msg(tp_writer_create(dst, &d, &w) == TP_OK, "%s", tp_error_detail());
    for (uint32_t z = 0; z < from->region_height; z++)
        for (uint32_t x = 0; x < from->region_width; x++) {
            const int32_t cx = from->region_x0 + (int32_t)x, cz = from->region_z0 + (int32_t)z;
            tp_chunk_bounds bounds;
            if (tp_reader_chunk_bounds(r, cx, cz, &bounds) != TP_OK)
                continue;
            for (uint32_t l = 0; l < d.layer_count; l++)
                for (uint32_t lod = 0; lod < d.layers[l].lod_count; lod++) {
                    tp_blob_ref ref;
                    if (tp_reader_find(r, cx, cz, d.layers[l].layer_id, lod, &ref) != TP_OK)
                        continue;
                    const void *stored = tp_reader_blob_bytes(r, &ref); /* mapped: in place */
                    ck_assert_ptr_nonnull(stored);
                    ck_assert_msg(tp_writer_add_blob(w, cx, cz, ref.layer_id, lod, ref.encoding,
                                                     stored, ref.stored_size, ref.raw_size,
                                                     ref.aux) == TP_OK,
                                  "%s", tp_error_detail());
                }
            ck_assert_int_eq(tp_writer_set_chunk_bounds(w, cx, cz, &bounds), TP_OK);
        }
    ck_assert_msg(tp_writer_finish(w) == TP_OK, "%s", tp_error_detail());
    tp_reader_close(r);
}

#endif /* TP_TEST_VAST_REGION_H */
