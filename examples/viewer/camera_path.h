/* camera_path.h — a camera path read from a CSV file, sampled at any time.
 *
 * The file has a header line and one key per line:
 *
 *     time_s,x_m,y_m,z_m,yaw_deg,pitch_deg
 *     0,-900,400,-600,45,-12
 *     8,700,450,600,45,-12
 *
 * World metres (x east, z north), yaw a compass heading (0 = north, 90 = east), pitch
 * positive up; times strictly increasing. With `height_above_ground_m` in place of `y_m`
 * the height is measured from the surface drawn under the camera. Lines starting with
 * '#' and blank lines are ignored. Between keys everything is interpolated linearly
 * (yaw the short way round).
 */
#ifndef VW_CAMERA_PATH_H
#define VW_CAMERA_PATH_H

#include <stddef.h>

typedef struct vw_path_key {
    double time_s, x_m, y_m, z_m, yaw_deg, pitch_deg;
} vw_path_key;

typedef struct vw_camera_path {
    vw_path_key *keys;
    size_t key_count;
    int height_above_ground; /* y_m is a height above the drawn surface */
} vw_camera_path;

/*! vw_camera_path_load() : reads `path`. @return 0, or −1 after printing to stderr a
 *  message that names the file, the line and the problem. */
int vw_camera_path_load(const char *path, vw_camera_path *out_path);

/*! vw_camera_path_sample() : the interpolated key at time_s (clamped to the path). */
vw_path_key vw_camera_path_sample(const vw_camera_path *path, double time_s);

/*! vw_camera_path_duration_s() : time of the last key. */
double vw_camera_path_duration_s(const vw_camera_path *path);

void vw_camera_path_free(vw_camera_path *path);

#endif
