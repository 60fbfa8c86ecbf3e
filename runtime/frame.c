/* frame.c — the streamer clock and the camera of the update under way. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime under -std=c11 */

#include <math.h>
#include <time.h>

#include "frame.h"

double tp__now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void tp__frame_init(tp__frame *f)
{
    f->frame_time_s = -1.0;
    f->real_origin_s = tp__now_s();
}

void tp__frame_set_work_time(tp__frame *f, double frame_time_s)
{
    f->frame_time_s = frame_time_s;
}

void tp__frame_set_height(tp__frame *f, double y_m)
{
    f->cam_y = y_m;
}

void tp__frame_begin(tp__frame *f, double now_s, int virtual_clock, double frame_dt_s,
                     double x_m, double z_m, double chunk_m)
{
    f->update++;
    f->clock_s = virtual_clock ? f->clock_s + frame_dt_s : now_s - f->real_origin_s;
    f->cam_x = x_m, f->cam_z = z_m;
    f->view_cx = (int32_t)floor(x_m / chunk_m);
    f->view_cz = (int32_t)floor(z_m / chunk_m);
    f->have_view = 1;
}
