/* hole_check.c — the hole and crack test of a frame (the argument is in hole_check.h). */
#include "hole_check.h"

#include <math.h>

/* Does the ray through image point (ndc_x, ndc_y) meet the floor inside the square? */
static int ray_meets_floor_inside(const vw_view *v, const vw_drawn_view *d, double ndc_x,
                                  double ndc_y)
{
    double dir[3];
    vw_view_ray(v, ndc_x, ndc_y, dir);
    if (!(dir[1] < 0.0) || !(v->eye[1] > d->y_floor))
        return 0;
    double t = (d->y_floor - v->eye[1]) / dir[1];
    double x = v->eye[0] + t * dir[0], z = v->eye[2] + t * dir[2];
    return x >= d->x_min && x <= d->x_max && z >= d->z_min && z <= d->z_max;
}

vw_hole_result vw_hole_check(const vw_view *v, const vw_drawn_view *d, int width, int height,
                             const uint8_t *rgba, uint8_t *corner)
{
    vw_hole_result r = {0, 0, -1, -1};
    const int cw = width + 1;
    for (int j = 0; j <= height; j++)
        for (int i = 0; i <= width; i++)
            corner[(size_t)j * cw + i] = (uint8_t)ray_meets_floor_inside(
                v, d, 2.0 * i / width - 1.0, 2.0 * j / height - 1.0);
    /* Row j of the read-back frame is the j-th from the bottom, between corner rows j and
     * j + 1. */
    for (int j = 0; j < height; j++)
        for (int i = 0; i < width; i++) {
            const uint8_t *c = &corner[(size_t)j * cw + i];
            if (!(c[0] && c[1] && c[cw] && c[cw + 1]))
                continue;
            r.below_horizon++;
            if (rgba[((size_t)j * width + i) * 4 + 3] == 0) {
                if (r.holes == 0)
                    r.first_x = i, r.first_y = height - 1 - j;
                r.holes++;
            }
        }
    return r;
}

double vw_hole_check_near_distance_m(const vw_view *v)
{
    double t = v->tan_half_fov_y;
    return v->lens.near_m * sqrt(1.0 + t * t * (1.0 + v->aspect * v->aspect));
}
