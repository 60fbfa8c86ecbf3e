/* test_small_world.h — a small baked world for the streamer's suites: 16 × 16 chunks at
 * (0, 0), 33 samples per edge (three LODs of 33, 17 and 9 samples), seed 7, meshes
 * included; baked once by a test case's unchecked fixture and shared by its tests.
 * Needs _POSIX_C_SOURCE 200809L and check.h before it. */
#ifndef TP_TEST_SMALL_WORLD_H
#define TP_TEST_SMALL_WORLD_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "terrapage/baker.h"
#include "terrapage/runtime.h"

#define SMALL_WORLD_SAMPLES 33u
#define SMALL_WORLD_CHUNKS 16
#define SMALL_WORLD_CHUNK_M 256.0

/* Bakes the world to `path` (exits: a fixture runs outside any test). */
static inline void small_world_bake(const char *path)
{
    tp_bake_options o = {0};
    o.world.samples_per_edge = SMALL_WORLD_SAMPLES;
    o.world.seed = 7;
    o.region_width = SMALL_WORLD_CHUNKS, o.region_height = SMALL_WORLD_CHUNKS;
    o.threads = 1; /* no OpenMP pool left running into the forked tests */
    o.compression_level = -1;
    if (tp_bake(path, &o, NULL) != TP_OK) {
        fprintf(stderr, "bake %s: %s\n", path, tp_error_detail());
        exit(EXIT_FAILURE);
    }
}

/* "<test dir>/<suite>-<pid>-world.tpk". */
static inline void small_world_path(char *buf, size_t size, const char *suite)
{
    snprintf(buf, size, "%s/%s-%ld-world.tpk", TP_TEST_TMP_DIR, suite, (long)getpid());
}

static inline tp_streamer *small_world_open(const char *path, const tp_streamer_options *o)
{
    tp_streamer *s = NULL;
    tp_result r = tp_streamer_open(path, o, &s);
    ck_assert_msg(r == TP_OK, "open: %s: %s", tp_result_string(r), tp_error_detail());
    return s;
}

static inline double small_world_centre_m(int32_t c)
{
    return ((double)c + 0.5) * SMALL_WORLD_CHUNK_M;
}

#endif /* TP_TEST_SMALL_WORLD_H */
