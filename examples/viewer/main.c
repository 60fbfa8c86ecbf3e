/* main.c — the viewer's frame loop: stream, upload, draw, check, report.
 *
 * Each frame: tp_streamer_update() with the camera; the chunks the streamer reported
 * (page-ins, evictions, downgrades: its events) are acquired and uploaded again at their
 * best resident LOD, or freed when nothing of them is resident; then the chunks of the
 * view are walked with tp_streamer_for_each() and drawn (a chunk not uploaded yet, or at
 * another LOD, is uploaded from the view in that walk); last the text. Headless, the
 * frame can then be tested for holes (hole_check.h) and kept as a screenshot.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <GL/glcorearb.h>
#include <jansson.h>

#include "camera.h"
#include "camera_path.h"
#include "chunk_gpu.h"
#include "frame_image.h"
#include "gl_context.h"
#include "hole_check.h"
#include "hud.h"
#include "options.h"
#include "terrain_renderer.h"
#include "terrapage/runtime.h"

#define NEAR_PLANE_M 1.0
/* Re-centre the render origin when the camera is this far from it, so float positions
 * near the camera keep centimetre precision. */
#define REBASE_DISTANCE_M 4096.0
#define WINDOW_SPEED_M_S 120.0

typedef struct chunk_key {
    int32_t cx, cz;
} chunk_key;

typedef struct key_list {
    chunk_key *keys;
    size_t count, cap;
    int overflowed; /* an append failed: resynchronise every resident chunk */
} key_list;

static int key_list_push(key_list *l, int32_t cx, int32_t cz)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 256;
        chunk_key *grown = realloc(l->keys, cap * sizeof *grown);
        if (!grown) {
            l->overflowed = 1;
            return -1;
        }
        l->keys = grown, l->cap = cap;
    }
    l->keys[l->count++] = (chunk_key){cx, cz};
    return 0;
}

/* Sorted samples of a per-frame measure, for percentiles. */
typedef struct sample_list {
    double *v;
    size_t count, cap;
} sample_list;

static void sample_push(sample_list *s, double v)
{
    if (s->count == s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 1024;
        double *grown = realloc(s->v, cap * sizeof *grown);
        if (!grown)
            return;
        s->v = grown, s->cap = cap;
    }
    s->v[s->count++] = v;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted samples. */
static double percentile(const sample_list *s, double p)
{
    if (s->count == 0)
        return 0.0;
    size_t rank = (size_t)ceil(p / 100.0 * (double)s->count);
    return s->v[rank ? rank - 1 : 0];
}

typedef struct viewer {
    const vw_options *opt;
    tp_streamer *streamer;
    double chunk_m;
    uint32_t view_distance;
    vw_chunk_set *chunks;
    vw_terrain_renderer *renderer;
    vw_hud *hud;
    key_list events;  /* chunks the streamer reported this update */
    key_list drawn;   /* chunks of the view, this frame */
    int upload_failed;
    /* this frame's drawn view */
    double y_min, y_max;
    double error_px_max;
    sample_list error_px; /* projected error of each chunk drawn this frame */
    uint32_t lods[TP_MAX_LODS];
    uint64_t triangles;
    vw_view view;
    int width, height;
} viewer;

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Runs inside update(): only note the chunk; the streamer may not be called here. */
static void on_event(void *user, const tp_streamer_event *e)
{
    viewer *v = user;
    if (e->type == TP_STREAMER_EVENT_PAGE_IN || e->type == TP_STREAMER_EVENT_EVICT ||
        e->type == TP_STREAMER_EVENT_DOWNGRADE)
        key_list_push(&v->events, e->cx, e->cz);
}

/* Brings the GPU copy of one reported chunk to its best resident LOD, or frees it. */
static void sync_chunk(viewer *v, int32_t cx, int32_t cz)
{
    tp_chunk_view view;
    if (tp_streamer_acquire(v->streamer, cx, cz, 0, &view) != TP_OK) {
        vw_chunk_set_remove(v->chunks, cx, cz); /* evicted: nothing of it is resident */
        return;
    }
    vw_chunk_gpu *g = vw_chunk_set_find(v->chunks, cx, cz);
    if ((!g || g->lod != view.lod) && !vw_chunk_set_upload(v->chunks, &view))
        v->upload_failed = 1;
    tp_streamer_release(v->streamer, &view);
}

static int sync_resident(void *user, const tp_chunk_view *view)
{
    key_list_push(user, view->cx, view->cz);
    return 0;
}

static void sync_events(viewer *v)
{
    if (v->events.overflowed) { /* lost track: walk everything resident */
        v->events.count = 0, v->events.overflowed = 0;
        tp_streamer_for_each(v->streamer, 0, sync_resident, &v->events);
    }
    for (size_t i = 0; i < v->events.count; i++)
        sync_chunk(v, v->events.keys[i].cx, v->events.keys[i].cz);
    v->events.count = 0;
}

/* The walk over the view: upload what the GPU lacks, note what is to be drawn. */
static int collect_view(void *user, const tp_chunk_view *view)
{
    viewer *v = user;
    vw_chunk_gpu *g = vw_chunk_set_find(v->chunks, view->cx, view->cz);
    if (!g || g->lod != view->lod)
        g = vw_chunk_set_upload(v->chunks, view);
    if (!g) {
        v->upload_failed = 1;
        return 1;
    }
    key_list_push(&v->drawn, view->cx, view->cz);
    if (g->surface_y_min < v->y_min)
        v->y_min = g->surface_y_min;
    if (g->surface_y_max > v->y_max)
        v->y_max = g->surface_y_max;
    if (view->lod < TP_MAX_LODS)
        v->lods[view->lod]++;
    v->triangles += g->surface_triangles;
    /* Projected error: the mesh's recorded max error seen from the nearest point of the
     * chunk's bounds (its square and surface heights), in pixels of this frame. */
    const double *o = vw_chunk_set_origin(v->chunks);
    double x0 = view->cx * v->chunk_m - o[0], x1 = x0 + v->chunk_m;
    double zn0 = view->cz * v->chunk_m - o[1], zn1 = zn0 + v->chunk_m; /* north, metres */
    const double *e = v->view.eye;
    double ez = -e[2];
    double dx = e[0] < x0 ? x0 - e[0] : (e[0] > x1 ? e[0] - x1 : 0.0);
    double dz = ez < zn0 ? zn0 - ez : (ez > zn1 ? ez - zn1 : 0.0);
    double dy = e[1] < g->surface_y_min ? g->surface_y_min - e[1]
                                        : (e[1] > g->surface_y_max ? e[1] - g->surface_y_max : 0.0);
    double d = sqrt(dx * dx + dy * dy + dz * dz);
    double px_per_m = v->height / (2.0 * v->view.tan_half_fov_y);
    double err_m = view->mesh ? view->mesh->max_error_m : 0.0;
    double px = d > 1e-6 ? err_m * px_per_m / d : (err_m > 0 ? INFINITY : 0.0);
    sample_push(&v->error_px, px);
    if (px > v->error_px_max)
        v->error_px_max = px;
    return 0;
}

/* The lens for this frame: the far plane beyond the farthest point of the view. */
static vw_lens frame_lens(const viewer *v, const vw_camera *cam, const vw_drawn_view *d)
{
    vw_lens lens = {v->opt->fov_y_deg, (double)v->width / v->height, NEAR_PLANE_M, 0.0};
    const double *o = vw_chunk_set_origin(v->chunks);
    double ex = cam->position_m[0] - o[0], ez = -(cam->position_m[2] - o[1]);
    double hx = fmax(fabs(d->x_min - ex), fabs(d->x_max - ex));
    double hz = fmax(fabs(d->z_min - ez), fabs(d->z_max - ez));
    double hy = fmax(fabs(cam->position_m[1] - d->y_floor), fabs(cam->position_m[1] - v->y_max));
    lens.far_m = 1.05 * sqrt(hx * hx + hz * hz + hy * hy) + 100.0;
    return lens;
}

/* The streamer's view square in the GL frame (runtime.h: the (2·vd + 1)² chunks around
 * the chunk under the camera). */
static vw_drawn_view drawn_square(const viewer *v, const vw_camera *cam)
{
    const double *o = vw_chunk_set_origin(v->chunks);
    double S = v->chunk_m, vd = v->view_distance;
    double ccx = floor(cam->position_m[0] / S), ccz = floor(cam->position_m[2] / S);
    vw_drawn_view d;
    d.x_min = (ccx - vd) * S - o[0];
    d.x_max = (ccx + vd + 1.0) * S - o[0];
    d.z_min = -((ccz + vd + 1.0) * S - o[1]);
    d.z_max = -((ccz - vd) * S - o[1]);
    d.y_floor = v->y_min;
    return d;
}

/* Is every drawn surface point farther from the eye than the near plane's corners? Any
 * point within that distance r lies over a cell within r of the eye horizontally, and
 * no higher than the cell's highest point: a cell whose top is more than r below the eye
 * holds none. */
static int clear_of_near_plane(viewer *v)
{
    double r = vw_hole_check_near_distance_m(&v->view);
    const double *o = vw_chunk_set_origin(v->chunks), *e = v->view.eye;
    const double cell_m = v->chunk_m / VW_CHUNK_CELLS;
    for (size_t k = 0; k < v->drawn.count; k++) {
        vw_chunk_gpu *g = vw_chunk_set_find(v->chunks, v->drawn.keys[k].cx, v->drawn.keys[k].cz);
        for (int j = 0; j < VW_CHUNK_CELLS; j++)
            for (int i = 0; i < VW_CHUNK_CELLS; i++) {
                /* GL frame: x east; z is minus north. */
                double x0 = g->cx * v->chunk_m + i * cell_m - o[0], x1 = x0 + cell_m;
                double z1 = -(g->cz * v->chunk_m + j * cell_m - o[1]), z0 = z1 - cell_m;
                double dx = fmax(fmax(x0 - e[0], e[0] - x1), 0.0);
                double dz = fmax(fmax(z0 - e[2], e[2] - z1), 0.0);
                if (dx * dx + dz * dz <= r * r && e[1] - g->cell_y_max[j][i] <= r)
                    return 0;
            }
    }
    return 1;
}

typedef struct run_totals {
    uint64_t frames, settle_frames, checked_frames, below_horizon, holes, hole_frames;
    uint64_t first_hole_frame;
    int first_hole_x, first_hole_y;
    uint64_t near_plane_frames;
    sample_list frame_ms, update_ms, error_p99_px;
    int settled;
} run_totals;

/* Draws one frame of the camera; returns the time it took (update to glFinish), ms. */
static int draw_frame(viewer *v, const vw_camera *cam, double dt_s,
                      double *out_frame_ms, double *out_update_ms)
{
    double t0 = now_s();
    if (tp_streamer_update(v->streamer, cam->position_m[0], cam->position_m[2], dt_s) != TP_OK)
        fprintf(stderr, "viewer: update: %s\n", tp_error_detail());
    double t1 = now_s();
    sync_events(v);

    const double *o = vw_chunk_set_origin(v->chunks);
    if (fabs(cam->position_m[0] - o[0]) > REBASE_DISTANCE_M ||
        fabs(cam->position_m[2] - o[1]) > REBASE_DISTANCE_M) {
        double origin[2] = {floor(cam->position_m[0] / v->chunk_m) * v->chunk_m,
                            floor(cam->position_m[2] / v->chunk_m) * v->chunk_m};
        vw_chunk_set_rebase(v->chunks, origin); /* the walk below uploads the view again */
    }

    /* Walk the view (uploads as needed), then fix the lens and draw. The walk's error
     * estimate uses the eye only, which is the same for any lens. */
    vw_lens provisional = {v->opt->fov_y_deg, (double)v->width / v->height, NEAR_PLANE_M, 1e5};
    vw_camera_view(cam, &provisional, vw_chunk_set_origin(v->chunks), &v->view);
    v->drawn.count = 0, v->y_min = INFINITY, v->y_max = -INFINITY, v->triangles = 0;
    v->error_px.count = 0, v->error_px_max = 0.0;
    memset(v->lods, 0, sizeof v->lods);
    tp_streamer_for_each(v->streamer, TP_STREAMER_VISIT_IN_VIEW, collect_view, v);
    vw_drawn_view square = drawn_square(v, cam);
    vw_lens lens = frame_lens(v, cam, &square);
    vw_camera_view(cam, &lens, vw_chunk_set_origin(v->chunks), &v->view);

    vw_terrain_renderer_begin(v->renderer, &v->view, v->width, v->height, v->opt->colour,
                              v->opt->wireframe);
    if (v->opt->fault == 2)
        glFrontFace(GL_CCW); /* --fault winding: the mesh frame taken as right-handed */
    for (size_t i = 0; i < v->drawn.count; i++) {
        const chunk_key *k = &v->drawn.keys[i];
        if (v->opt->fault == 1 && k->cx % 2 == 0 && k->cz % 2 == 0)
            continue; /* --fault chunks */
        vw_terrain_renderer_draw(v->renderer, vw_chunk_set_find(v->chunks, k->cx, k->cz));
    }
    glFinish();
    *out_frame_ms = 1e3 * (now_s() - t0);
    *out_update_ms = 1e3 * (t1 - t0);
    return v->upload_failed ? -1 : 0;
}

static void draw_text(viewer *v, const vw_camera *cam, double frame_ms, double update_ms)
{
    tp_streamer_stats st;
    tp_streamer_get_stats(v->streamer, &st);
    qsort(v->error_px.v, v->error_px.count, sizeof(double), cmp_double);
    char l[8][128];
    snprintf(l[0], sizeof l[0], "update %.2f ms (p99 %.2f)   frame %.1f ms", update_ms,
             st.update_us_p99 / 1e3, frame_ms);
    snprintf(l[1], sizeof l[1], "resident %.1f MiB   GPU %.1f MiB, %zu chunks",
             st.resident_bytes / 1048576.0, vw_chunk_set_gpu_bytes(v->chunks) / 1048576.0,
             vw_chunk_set_count(v->chunks));
    snprintf(l[2], sizeof l[2], "page-ins %llu   fallbacks %llu   missing %u",
             (unsigned long long)st.page_ins, (unsigned long long)st.fallbacks,
             st.in_view_missing);
    int n = snprintf(l[3], sizeof l[3], "drawn %zu chunks, %.0fk tri; LODs", v->drawn.count,
                     v->triangles / 1e3);
    for (unsigned k = 0; k < TP_MAX_LODS && n < (int)sizeof l[3] - 8; k++)
        if (v->lods[k])
            n += snprintf(l[3] + n, sizeof l[3] - (size_t)n, " %u:%u", k, v->lods[k]);
    snprintf(l[4], sizeof l[4], "projected error p50 %.2f  p99 %.2f  max %.2f px",
             percentile(&v->error_px, 50), percentile(&v->error_px, 99), v->error_px_max);
    snprintf(l[5], sizeof l[5], "x %.0f  z %.0f  y %.0f m   heading %.0f  pitch %.0f",
             cam->position_m[0], cam->position_m[2], cam->position_m[1], cam->yaw_deg,
             cam->pitch_deg);
    snprintf(l[6], sizeof l[6], "[C] colour: %s   [F] wireframe: %s   [H] text",
             v->opt->colour == VW_COLOUR_LOD ? "LOD" : "biome", v->opt->wireframe ? "on" : "off");
    const char *lines[7] = {l[0], l[1], l[2], l[3], l[4], l[5], l[6]};
    vw_hud_draw(v->hud, lines, 7, v->width, v->height);
}

/* Places the camera on the path at time t (a height above ground is added by the
 * caller, which knows the drawn surface). */
static void path_camera(const vw_camera_path *p, double t, vw_camera *cam)
{
    vw_path_key k = vw_camera_path_sample(p, t);
    cam->position_m[0] = k.x_m, cam->position_m[1] = k.y_m, cam->position_m[2] = k.z_m;
    cam->yaw_deg = k.yaw_deg, cam->pitch_deg = k.pitch_deg;
}

static int write_report(const viewer *v, run_totals *t, const char *renderer)
{
    tp_streamer_stats st;
    tp_streamer_get_stats(v->streamer, &st);
    qsort(t->frame_ms.v, t->frame_ms.count, sizeof(double), cmp_double);
    qsort(t->update_ms.v, t->update_ms.count, sizeof(double), cmp_double);
    qsort(t->error_p99_px.v, t->error_p99_px.count, sizeof(double), cmp_double);
    double mean = 0.0;
    for (size_t i = 0; i < t->frame_ms.count; i++)
        mean += t->frame_ms.v[i] / (double)t->frame_ms.count;
    json_t *r = json_pack(
        "{s:s, s:s, s:i, s:i, s:I, s:I, s:b,"
        " s:{s:f, s:f, s:f, s:f, s:f},"
        " s:{s:f, s:f, s:f},"
        " s:{s:b, s:I, s:I, s:I, s:I, s:I},"
        " s:{s:I, s:I, s:I, s:f, s:f},"
        " s:{s:I, s:f, s:I},"
        " s:f}",
        "world", v->opt->world_path, "renderer", renderer, "width", v->width, "height",
        v->height, "frames", (json_int_t)t->frames, "settle_frames",
        (json_int_t)t->settle_frames, "settled", t->settled,
        "frame_ms", "mean", mean, "p50", percentile(&t->frame_ms, 50), "p90",
        percentile(&t->frame_ms, 90), "p99", percentile(&t->frame_ms, 99), "max",
        percentile(&t->frame_ms, 100),
        "update_ms", "p50", percentile(&t->update_ms, 50), "p99", percentile(&t->update_ms, 99),
        "max", percentile(&t->update_ms, 100),
        "hole_check", "enabled", v->opt->check_holes, "frames_checked",
        (json_int_t)t->checked_frames, "pixels_below_horizon", (json_int_t)t->below_horizon,
        "hole_pixels", (json_int_t)t->holes, "frames_with_holes", (json_int_t)t->hole_frames,
        "frames_too_near_surface", (json_int_t)t->near_plane_frames,
        "streamer", "page_ins", (json_int_t)st.page_ins, "fallbacks", (json_int_t)st.fallbacks,
        "in_view_missing_total", (json_int_t)st.in_view_missing_total, "resident_mib",
        st.resident_bytes / 1048576.0, "resident_peak_mib", st.resident_bytes_peak / 1048576.0,
        "gpu", "chunks", (json_int_t)vw_chunk_set_count(v->chunks), "mib",
        vw_chunk_set_gpu_bytes(v->chunks) / 1048576.0, "uploads",
        (json_int_t)vw_chunk_set_uploads(v->chunks),
        "projected_error_p99_px_p50_over_frames", percentile(&t->error_p99_px, 50));
    if (!r)
        return -1;
    int rc;
    if (strcmp(v->opt->json_path, "-") == 0) {
        rc = json_dumpf(r, stdout, JSON_INDENT(2));
        fputc('\n', stdout);
    } else {
        rc = json_dump_file(r, v->opt->json_path, JSON_INDENT(2));
        if (rc != 0)
            fprintf(stderr, "viewer: cannot write %s\n", v->opt->json_path);
    }
    json_decref(r);
    return rc;
}

/* Headless: the path, frame by frame, then the wait before the screenshot. */
static int run_path(viewer *v, const vw_camera_path *path, run_totals *t, uint8_t *rgba,
                    uint8_t *corner_scratch)
{
    const double dt = 1.0 / v->opt->fps, duration = vw_camera_path_duration_s(path);
    const uint64_t path_frames = (uint64_t)floor(duration * v->opt->fps) + 1;
    const uint64_t settle_limit = v->opt->screenshot_path ? v->opt->settle_frames : 0;
    vw_camera cam;
    int rc = 0;
    for (uint64_t f = 0; f < path_frames + settle_limit; f++) {
        int settling = f >= path_frames;
        path_camera(path, settling ? duration : (double)f * dt, &cam);
        if (settling) {
            tp_streamer_ready ready;
            if (tp_streamer_readiness(v->streamer, cam.position_m[0], cam.position_m[2],
                                      &ready) == TP_OK && ready.ready) {
                t->settled = 1;
                break;
            }
        }
        if (path->height_above_ground) {
            /* Above the surface drawn under the camera after the last update (this
             * frame's has not run yet; the view moves a few metres a frame). */
            double ground = 0.0;
            tp_surface_hit hit;
            if (f > 0 && tp_streamer_height_at(v->streamer, cam.position_m[0],
                                               cam.position_m[2], &hit) == TP_OK)
                ground = hit.position_m[1];
            cam.position_m[1] += ground;
        }
        double frame_ms, update_ms;
        if (draw_frame(v, &cam, f == 0 ? 0.0 : dt, &frame_ms, &update_ms) != 0)
            return -1;
        if (path->height_above_ground && f == 0) {
            /* The first frame had no surface yet: place the camera and draw it again. */
            tp_surface_hit hit;
            if (tp_streamer_height_at(v->streamer, cam.position_m[0], cam.position_m[2], &hit)
                == TP_OK)
                cam.position_m[1] += hit.position_m[1];
            if (draw_frame(v, &cam, 0.0, &frame_ms, &update_ms) != 0)
                return -1;
        }
        if (settling)
            t->settle_frames++;
        else {
            t->frames++;
            sample_push(&t->frame_ms, frame_ms);
            sample_push(&t->update_ms, update_ms);
            qsort(v->error_px.v, v->error_px.count, sizeof(double), cmp_double);
            sample_push(&t->error_p99_px, percentile(&v->error_px, 99));
        }
        if (v->opt->check_holes) {
            vw_frame_read(v->width, v->height, rgba);
            if (!clear_of_near_plane(v)) {
                t->near_plane_frames++;
                fprintf(stderr, "viewer: frame %llu: terrain within the near plane of the "
                                "camera (at y %.1f m); fly the path higher to check it\n",
                        (unsigned long long)f, cam.position_m[1]);
                rc = -1;
            } else {
                vw_drawn_view square = drawn_square(v, &cam);
                vw_hole_result h =
                    vw_hole_check(&v->view, &square, v->width, v->height, rgba, corner_scratch);
                t->checked_frames++;
                t->below_horizon += h.below_horizon;
                if (h.holes) {
                    if (t->hole_frames == 0)
                        t->first_hole_frame = f, t->first_hole_x = h.first_x,
                        t->first_hole_y = h.first_y;
                    t->hole_frames++;
                    t->holes += h.holes;
                }
            }
        }
        if (v->opt->hud)
            draw_text(v, &cam, frame_ms, update_ms);
    }
    if (v->opt->screenshot_path) {
        vw_frame_read(v->width, v->height, rgba);
        if (vw_frame_write_png(v->opt->screenshot_path, v->width, v->height, rgba) != 0)
            rc = -1;
    }
    if (t->holes) {
        fprintf(stderr, "viewer: %llu pixels below the horizon showed the clear colour, in "
                        "%llu of %llu frames (the first at frame %llu, pixel %d, %d from the "
                        "top left)\n",
                (unsigned long long)t->holes, (unsigned long long)t->hole_frames,
                (unsigned long long)t->checked_frames, (unsigned long long)t->first_hole_frame,
                t->first_hole_x, t->first_hole_y);
        rc = -1;
    }
    return rc;
}

/* A window: the fly camera, from above the middle of the baked region. */
static int run_window(viewer *v, vw_gl_context *ctx, vw_options *opt)
{
    vw_camera cam = {{0.0, 0.0, 0.0}, 0.0, -15.0};
    const tp_reader *reader = tp_streamer_reader(v->streamer);
    if (reader) {
        const tp_file_desc *d = tp_reader_desc(reader);
        cam.position_m[0] = (d->region_x0 + d->region_width / 2.0) * v->chunk_m;
        cam.position_m[2] = (d->region_z0 + d->region_height / 2.0) * v->chunk_m;
    }
    int placed = 0;
    double last = now_s(), dt = 0.0;
    for (;;) {
        vw_window_input in;
        vw_gl_context_poll(ctx, WINDOW_SPEED_M_S, &in);
        if (in.quit)
            return 0;
        if (in.toggle_colour)
            opt->colour = opt->colour == VW_COLOUR_BIOME ? VW_COLOUR_LOD : VW_COLOUR_BIOME;
        opt->wireframe ^= in.toggle_wireframe;
        opt->hud ^= in.toggle_hud;
        vw_camera_fly(&cam, &in.fly, dt);
        vw_gl_context_size(ctx, &v->width, &v->height);
        if (v->width < 1 || v->height < 1) { /* minimised */
            vw_gl_context_present(ctx);
            continue;
        }
        double frame_ms, update_ms;
        if (draw_frame(v, &cam, dt, &frame_ms, &update_ms) != 0)
            return -1;
        if (!placed) { /* start 200 m above the ground under the camera */
            tp_surface_hit hit;
            if (tp_streamer_height_at(v->streamer, cam.position_m[0], cam.position_m[2], &hit)
                == TP_OK) {
                cam.position_m[1] = hit.position_m[1] + 200.0;
                placed = 1;
            }
        }
        if (opt->hud)
            draw_text(v, &cam, frame_ms, update_ms);
        vw_gl_context_present(ctx);
        double t = now_s();
        dt = t - last, last = t;
        tp_streamer_set_frame_time(v->streamer, frame_ms / 1e3);
    }
}

int main(int argc, char **argv)
{
    vw_options opt;
    int parsed = vw_options_parse(argc, argv, &opt);
    if (parsed != 0)
        return parsed > 0 ? 0 : 2;

    vw_camera_path path = {0};
    if (opt.camera_path && vw_camera_path_load(opt.camera_path, &path) != 0)
        return 1;
    const int headless = opt.camera_path != NULL;

    viewer v = {.opt = &opt, .width = opt.width, .height = opt.height};
    tp_streamer_options so = {0};
    /* Headless frames take as long as the rasteriser needs, not 1/fps: the streamer runs on
     * the path's clock instead, so prediction sees the path's speed. */
    so.flags = headless ? TP_STREAMER_VIRTUAL_CLOCK : 0;
    so.view_distance_chunks = opt.view_distance;
    so.on_event = on_event;
    so.event_user = &v;
    if (tp_streamer_open(opt.world_path, &so, &v.streamer) != TP_OK) {
        fprintf(stderr, "viewer: %s\n", tp_error_detail());
        vw_camera_path_free(&path);
        return 1;
    }
    tp_streamer_options in_force;
    tp_streamer_get_options(v.streamer, &in_force);
    v.view_distance = in_force.view_distance_chunks;
    v.chunk_m = tp_streamer_world(v.streamer)->chunk_size_m;

    vw_gl_context *ctx = headless ? vw_gl_context_open_headless(opt.width, opt.height)
                                  : vw_gl_context_open_window(opt.width, opt.height,
                                                              "terrapage viewer");
    int rc = 1;
    uint8_t *rgba = NULL, *corners = NULL;
    if (!ctx)
        goto done;
    const char *renderer_name = (const char *)glGetString(GL_RENDERER);
    v.chunks = vw_chunk_set_create(v.chunk_m);
    v.renderer = vw_terrain_renderer_create();
    v.hud = vw_hud_create();
    if (!v.chunks || !v.renderer || !v.hud)
        goto done;

    run_totals totals = {0};
    if (headless) {
        rgba = malloc((size_t)opt.width * opt.height * 4);
        corners = malloc((size_t)(opt.width + 1) * (opt.height + 1));
        if (!rgba || !corners) {
            fprintf(stderr, "viewer: out of memory\n");
            goto done;
        }
        vw_path_key k0 = vw_camera_path_sample(&path, 0.0);
        double origin[2] = {floor(k0.x_m / v.chunk_m) * v.chunk_m,
                            floor(k0.z_m / v.chunk_m) * v.chunk_m};
        vw_chunk_set_rebase(v.chunks, origin);
        rc = run_path(&v, &path, &totals, rgba, corners) == 0 ? 0 : 1;
        fprintf(stderr, "viewer: %s, %llu frames of %d x %d: frame time p50 %.1f ms; %llu "
                        "frames checked, %llu pixels below the horizon, %llu holes\n",
                renderer_name, (unsigned long long)totals.frames, opt.width, opt.height,
                (qsort(totals.frame_ms.v, totals.frame_ms.count, sizeof(double), cmp_double),
                 percentile(&totals.frame_ms, 50)),
                (unsigned long long)totals.checked_frames,
                (unsigned long long)totals.below_horizon, (unsigned long long)totals.holes);
    } else {
        rc = run_window(&v, ctx, &opt) == 0 ? 0 : 1;
    }
    if (opt.json_path && write_report(&v, &totals, renderer_name) != 0)
        rc = 1;
    free(totals.frame_ms.v);
    free(totals.update_ms.v);
    free(totals.error_p99_px.v);

done:
    free(rgba);
    free(corners);
    vw_hud_destroy(v.hud);
    vw_terrain_renderer_destroy(v.renderer);
    vw_chunk_set_destroy(v.chunks);
    vw_gl_context_close(ctx);
    tp_streamer_close(v.streamer);
    vw_camera_path_free(&path);
    free(v.events.keys);
    free(v.drawn.keys);
    free(v.error_px.v);
    return rc;
}
