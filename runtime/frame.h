/* frame.h — the update() under way: its index, the streamer clock and the camera.
 * streamer.c moves it on at the start of each update (and reports the frame time from
 * tp_streamer_set_frame_time()) through the functions below; every other file only
 * reads it. */
#ifndef TP_RUNTIME_FRAME_H
#define TP_RUNTIME_FRAME_H

#include <stdint.h>

typedef struct tp__frame {
    uint64_t update;          /* index of the current update(), from 1; 0 before the first */
    double clock_s;           /* streamer clock: monotonic, or virtual */
    double real_origin_s;     /* monotonic time at open (the real clock's zero) */
    double frame_time_s;      /* reported work time; < 0 until reported */
    double cam_x, cam_z;      /* camera, world metres */
    double cam_y;             /* camera height, metres (the last 3-D update's; 0 before) */
    int32_t view_cx, view_cz; /* the chunk under the camera: the view square's centre */
    int have_view;            /* an update() has placed the view */
} tp__frame;

/* Monotonic time in seconds. */
double tp__now_s(void);

/* At open: the real clock starts now; no frame time reported yet. */
void tp__frame_init(tp__frame *f);

/* The game's last frame took frame_time_s to compute (tp_streamer_set_frame_time()). */
void tp__frame_set_work_time(tp__frame *f, double frame_time_s);

/* A new update at `now_s` (tp__now_s()) with the camera at (x_m, z_m): the index moves
 * on, the clock by frame_dt_s (virtual) or to now (real), and the view to the camera's
 * chunk. */
void tp__frame_begin(tp__frame *f, double now_s, int virtual_clock, double frame_dt_s,
                     double x_m, double z_m, double chunk_m);

/* The camera's height for this update and the next 2-D ones (tp_streamer_update_3d()). */
void tp__frame_set_height(tp__frame *f, double y_m);

#endif /* TP_RUNTIME_FRAME_H */
