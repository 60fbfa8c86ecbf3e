/* stream_walk.c — the smallest game loop around the terrapage streamer.
 *
 *   stream_walk world.tpk [frames]
 *
 * Opens a page file, flies a camera across the baked region at 40 m/s for `frames`
 * frames of 1/60 s, and each frame calls tp_streamer_update() and "draws" the view: it
 * walks the resident chunks of the view and counts the triangles a renderer would
 * submit for each chunk's grid at its LOD. At the end it prints the streaming
 * statistics. Build it against an installed terrapage with either
 *
 *   cc stream_walk.c $(pkg-config --cflags --libs terrapage)
 *   cmake: find_package(terrapage) and target_link_libraries(app terrapage::runtime)
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep, clock_gettime */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "terrapage/runtime.h"

typedef struct frame_draw {
    uint64_t chunks, triangles, skirt_triangles, samples;
    uint32_t lods[TP_MAX_LODS];
} frame_draw;

/* A renderer would upload or reuse the chunk's mesh here: v->mesh->geometry holds
 * vertices and 16-bit indices ready for a vertex and an index buffer, surface
 * triangles first, then the skirts that hide cracks towards neighbours at other LODs.
 * A file baked without meshes has none; then the grid of an edge × edge LOD is drawn
 * as (edge − 1)² quads, two triangles each. */
static int draw_chunk(void *user, const tp_chunk_view *v)
{
    frame_draw *d = user;
    d->chunks++;
    if (v->mesh) {
        const tp_mesh *m = &v->mesh->geometry;
        d->triangles += m->skirt_index_start / 3;
        d->skirt_triangles += (m->index_count - m->skirt_index_start) / 3;
    } else {
        d->triangles += 2 * (uint64_t)(v->edge - 1) * (v->edge - 1);
    }
    d->samples += (uint64_t)v->edge * v->edge;
    if (v->lod < TP_MAX_LODS)
        d->lods[v->lod]++;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s world.tpk [frames]\n", argv[0]);
        return 2;
    }
    int frames = argc == 3 ? atoi(argv[2]) : 600;

    /* Zero means default: view distance 8, LOD bands 256/512/1024 m, 8 page-ins in
     * flight, a 2 s prediction horizon. The virtual clock lets this program run its
     * frames faster than real time; a game with real frames leaves it out. */
    tp_streamer_options options = {0};
    options.flags = TP_STREAMER_VIRTUAL_CLOCK;
    tp_streamer *s;
    if (tp_streamer_open(argv[1], &options, &s) != TP_OK) {
        fprintf(stderr, "%s\n", tp_error_detail());
        return 1;
    }

    /* Start at the west edge of the baked region, fly east along its middle. */
    const tp_file_desc *desc = tp_reader_desc(tp_streamer_reader(s));
    double chunk_m = tp_streamer_world(s)->chunk_size_m;
    double x = (double)desc->region_x0 * chunk_m;
    double z = ((double)desc->region_z0 + desc->region_height / 2.0) * chunk_m;
    const double dt = 1.0 / 60.0, speed_m_s = 40.0;

    frame_draw last = {0};
    uint64_t triangles = 0;
    double work_s = 0.0;
    for (int f = 0; f < frames; f++) {
        struct timespec t0, t1;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        /* The throttle looks at how long frames take to compute, not at the 1/60 s a
         * vsync-locked game always reports: tell it the last frame's work time. */
        tp_streamer_set_frame_time(s, work_s);
        tp_streamer_update(s, x, z, dt);
        frame_draw d = {0};
        tp_streamer_for_each(s, TP_STREAMER_VISIT_IN_VIEW, draw_chunk, &d);
        triangles += d.triangles;
        last = d;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        work_s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
        x += speed_m_s * dt;
        struct timespec pause = {0, 1000000}; /* the rest of a frame: let workers run */
        nanosleep(&pause, NULL);
    }

    tp_streamer_stats st;
    tp_streamer_get_stats(s, &st);
    printf("frames %d, camera ended at (%.0f, %.0f) m\n", frames, x, z);
    printf("last frame: %llu chunks, %llu triangles (+%llu in skirts), %llu samples; "
           "chunks per LOD:",
           (unsigned long long)last.chunks, (unsigned long long)last.triangles,
           (unsigned long long)last.skirt_triangles, (unsigned long long)last.samples);
    for (uint32_t k = 0; k < TP_MAX_LODS && k <= 8; k++)
        printf(" %u", last.lods[k]);
    printf("\ntriangles drawn in all frames: %llu\n", (unsigned long long)triangles);
    printf("update: p50 %.1f us, p99 %.1f us, max %.1f us\n", st.update_us_p50,
           st.update_us_p99, st.update_us_max);
    printf("page-ins %llu (fallbacks %llu, checksum failures %llu), read %llu B, decoded %llu B\n",
           (unsigned long long)st.page_ins, (unsigned long long)st.fallbacks,
           (unsigned long long)st.checksum_failures, (unsigned long long)st.bytes_read,
           (unsigned long long)st.bytes_decoded);
    printf("resident %llu B (meshes %llu, peak %llu, budget %llu), evictions %llu, "
           "cancellations %llu\n",
           (unsigned long long)st.resident_bytes, (unsigned long long)st.mesh_bytes,
           (unsigned long long)st.resident_bytes_peak, (unsigned long long)st.budget_bytes,
           (unsigned long long)st.evictions, (unsigned long long)st.cancellations);
    printf("in-view chunks missing, summed over frames: %llu; coarser than wanted: %llu\n",
           (unsigned long long)st.in_view_missing_total,
           (unsigned long long)st.in_view_coarser_total);
    tp_streamer_close(s);
    return 0;
}
