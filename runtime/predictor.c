/* predictor.c — where the camera will be: velocity in metres per second from positions
 * and the streamer clock (real or virtual time), never per tick, so a frame-rate change
 * does not change how far ahead the streamer looks. */
#include <math.h>

#include "predictor.h"

void tp__predictor_init(tp__predictor *p, double teleport_m, double teleport_speed_m_s,
                        double smoothing_s)
{
    p->valid = 0;
    p->teleport_m = teleport_m;
    p->teleport_speed_m_s = teleport_speed_m_s;
    p->smoothing_s = smoothing_s;
}

void tp__predictor_set_limits(tp__predictor *p, double teleport_m, double teleport_speed_m_s)
{
    p->teleport_m = teleport_m;
    p->teleport_speed_m_s = teleport_speed_m_s;
}

int tp__predictor_update(tp__predictor *p, double x, double z, double t)
{
    if (!p->valid) {
        p->valid = 1;
        p->x = x, p->z = z, p->t = t;
        p->vx = p->vz = 0.0;
        return 0;
    }
    double dx = x - p->x, dz = z - p->z;
    double d = sqrt(dx * dx + dz * dz);
    /* Timed over at least 1/60 s, so two updates a moment apart with a small move in
     * between do not look like supersonic motion. */
    double over_s = t - p->t > 1.0 / 60.0 ? t - p->t : 1.0 / 60.0;
    if (d > p->teleport_m || d > p->teleport_speed_m_s * over_s) {
        /* A jump is not motion: extrapolating it would fling the prefetch across the
         * world (a 500 m jump in one frame reads as 30 km/s). Start over from the new
         * position at rest. */
        p->x = x, p->z = z, p->t = t;
        p->vx = p->vz = 0.0;
        return 1;
    }
    double dt = t - p->t;
    if (dt <= 1e-6) {
        /* Two updates at the same instant (a paused virtual clock): no speed to learn. */
        p->x = x, p->z = z;
        return 0;
    }
    /* First-order low-pass with a time constant, written as dt / (tau + dt) rather than
     * 1 − e^(−dt/tau): the same behaviour, no libm, and exact across machines for the
     * deterministic mode's golden traces. */
    double a = dt / (p->smoothing_s + dt);
    p->vx += a * (dx / dt - p->vx);
    p->vz += a * (dz / dt - p->vz);
    p->x = x, p->z = z, p->t = t;
    return 0;
}

uint32_t tp__predictor_path(const tp__predictor *p, double horizon_s, double spacing_m,
                            double *xs, double *zs, double *ts, uint32_t max)
{
    if (!p->valid || horizon_s <= 0.0)
        return 0;
    double speed = sqrt(p->vx * p->vx + p->vz * p->vz);
    double reach = speed * horizon_s;
    if (reach < spacing_m * 0.5)
        return 0; /* standing still or nearly: the view already covers it */
    uint32_t n = (uint32_t)ceil(reach / spacing_m);
    if (n > max)
        n = max;
    if (n == 0)
        n = 1;
    for (uint32_t i = 0; i < n; i++) {
        double t = horizon_s * (double)(i + 1) / (double)n;
        xs[i] = p->x + p->vx * t;
        zs[i] = p->z + p->vz * t;
        ts[i] = t;
    }
    return n;
}
