/* fuzz_reader.c — libFuzzer target for the page-file reader.
 *
 * Each input is opened as it is, and as a copy whose checksums have been recomputed
 * ("resealed", reseal.h), the copy both in memory and through a read callback (the
 * reader's no-mapping path). Random mutations almost never keep XXH3 checksums valid, so
 * without resealing the fuzzer would only ever test the checksum checks; resealed, it
 * reaches the header validation, the directory, the bounds checks of lookups and the
 * LZ4 and unfilter code on damaged data. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "reseal.h"
#include "terrapage/pagefile.h"

#define MAX_CHUNKS_PER_AXIS 48u
#define MAX_DECODE_BYTES (64u << 20)       /* per blob */
#define DECODE_BUDGET_BYTES (256ull << 20) /* per input, so one input cannot stall a run */

/* The read callback of the callback mode: the input, as a file of `size` bytes. */
typedef struct input {
    const uint8_t *data;
    size_t size;
} input;

static int read_input(void *user, uint64_t offset, void *dst, size_t size)
{
    const input *in = user;
    if (offset > in->size || size > in->size - offset)
        return -1;
    memcpy(dst, in->data + offset, size);
    return 0;
}

/* Open (in memory, or through the read callback: the pread and callback modes' copies of
 * the header, block table and directory blocks), then walk every chunk, layer and LOD
 * (and one LOD past each layer's last), loading every blob found. Results are ignored:
 * only crashes, sanitizer reports and leaks count. */
static void exercise(const uint8_t *data, size_t size, int through_callback)
{
    tp_reader *r = NULL;
    input in = {data, size};
    tp_reader_options o = {.read = read_input, .read_user = &in, .file_size = size};
    if ((through_callback ? tp_reader_open("input", &o, &r)
                          : tp_reader_open_memory(data, size, &r)) != TP_OK)
        return;
    const tp_file_desc *d = tp_reader_desc(r);
    uint64_t budget = DECODE_BUDGET_BYTES;
    for (uint32_t k = 0; k <= d->lod_count; k++) {
        uint64_t offset, bytes;
        (void)tp_reader_lod_section(r, k, &offset, &bytes);
    }
    /* The tiles: one block-table entry each, so as many as the input can hold. Each lies
     * inside the region, and the present ones are as many as the grid says. */
    tp_tile_grid grid;
    tp_reader_tile_grid(r, &grid);
    uint64_t present = 0;
    for (uint64_t t = 0; t < grid.tile_count; t++) {
        tp_tile_info tile;
        tp_result res = tp_reader_tile(r, t, &tile);
        present += res == TP_OK;
        int64_t dx = (int64_t)tile.cx0 - d->region_x0, dz = (int64_t)tile.cz0 - d->region_z0;
        if ((res != TP_OK && res != TP_ERR_NOT_FOUND) || tile.width == 0 || tile.height == 0 ||
            tile.width > grid.tile_edge || tile.height > grid.tile_edge || dx < 0 || dz < 0 ||
            dx + tile.width > d->region_width || dz + tile.height > d->region_height)
            abort();
    }
    if (present != grid.present_count)
        abort();
    for (uint32_t z = 0; z < d->region_height && z < MAX_CHUNKS_PER_AXIS; z++)
        for (uint32_t x = 0; x < d->region_width && x < MAX_CHUNKS_PER_AXIS; x++) {
            int32_t cx = (int32_t)((int64_t)d->region_x0 + x);
            int32_t cz = (int32_t)((int64_t)d->region_z0 + z);
            tp_chunk_bounds b;
            (void)tp_reader_chunk_bounds(r, cx, cz, &b);
            for (uint32_t li = 0; li < d->layer_count; li++)
                for (uint32_t lod = 0; lod <= d->layers[li].lod_count; lod++) {
                    tp_blob_ref ref;
                    if (tp_reader_find(r, cx, cz, d->layers[li].layer_id, lod, &ref) != TP_OK)
                        continue;
                    if (ref.raw_size > MAX_DECODE_BYTES || ref.raw_size > budget ||
                        ref.stored_size > size)
                        continue;
                    budget -= ref.raw_size;
                    void *out = malloc(ref.raw_size ? ref.raw_size : 1);
                    void *scratch = malloc(ref.stored_size ? ref.stored_size : 1);
                    if (out && scratch) {
                        (void)tp_reader_load(r, &ref, out, ref.raw_size, scratch,
                                             ref.stored_size);
                        (void)tp_reader_load_prefix(r, &ref, out, ref.raw_size / 2, scratch,
                                                    ref.stored_size);
                    }
                    free(out);
                    free(scratch);
                }
        }
    tp_blob_ref ref;
    (void)tp_reader_find(r, INT32_MIN, INT32_MAX, TP_LAYER_HEIGHT, 0, &ref);
    tp_reader_close(r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    exercise(data, size, 0);
    uint8_t *copy = malloc(size ? size : 1);
    if (copy) {
        memcpy(copy, data, size);
        tp_fuzz_reseal_file(copy, size);
        exercise(copy, size, 0);
        exercise(copy, size, 1);
        free(copy);
    }
    return 0;
}
