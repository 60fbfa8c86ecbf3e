/* warm.h — destinations warmed ahead of time (tp_streamer_warm()): a view the camera is
 * about to jump to — a teleport target, a spawn point — wanted as if the camera were
 * there, and the readiness query a loading screen waits on. warm.c owns the list;
 * schedule.c reads it when it builds the wanted set. Game thread only. */
#ifndef TP_RUNTIME_WARM_H
#define TP_RUNTIME_WARM_H

#include <stdint.h>

#include "terrapage/runtime.h"

typedef struct tp__warm_dest {
    double x_m, z_m;
    int32_t cx, cz;           /* the chunk under it: the centre of its view square */
} tp__warm_dest;

typedef struct tp__warm {
    tp__warm_dest dest[TP_STREAMER_MAX_WARM];
    uint32_t count;
} tp__warm;

/* At the start of an update with the camera in chunk (cx, cz): a destination the camera
 * has reached is warm no longer (its view is the view now). */
void tp__warm_arrived(tp__warm *w, int32_t cx, int32_t cz);

#endif /* TP_RUNTIME_WARM_H */
