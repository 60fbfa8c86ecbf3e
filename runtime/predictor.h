/* predictor.h — where the camera will be: velocity in metres per second from positions
 * and the streamer clock, and points along the path it predicts. Game thread only. */
#ifndef TP_RUNTIME_PREDICTOR_H
#define TP_RUNTIME_PREDICTOR_H

#include <stdint.h>

typedef struct tp__predictor {
    int valid;
    double x, z, t;
    double vx, vz;          /* m/s, smoothed */
    double teleport_m;
    double teleport_speed_m_s;
    double smoothing_s;     /* time constant of the velocity filter */
} tp__predictor;

/* At open: a move longer than teleport_m, or faster than teleport_speed_m_s, is a
 * teleport; the velocity filter has time constant smoothing_s. */
void tp__predictor_init(tp__predictor *p, double teleport_m, double teleport_speed_m_s,
                        double smoothing_s);

/* The options changed: new teleport limits (the velocity is kept). */
void tp__predictor_set_limits(tp__predictor *p, double teleport_m, double teleport_speed_m_s);

/* Returns 1 when the move was a teleport (and the predictor was reset). */
int tp__predictor_update(tp__predictor *p, double x, double z, double t);

/* Fills up to max points along the predicted path; returns the count. */
uint32_t tp__predictor_path(const tp__predictor *p, double horizon_s, double spacing_m,
                            double *xs, double *zs, double *ts, uint32_t max);

#endif /* TP_RUNTIME_PREDICTOR_H */
