/* camera.c — the fly camera and its matrices (see camera.h for the two frames). */
#include "camera.h"

#include <math.h>

static const double deg_to_rad = 3.14159265358979323846 / 180.0;

static void normalize3(double v[3])
{
    double n = sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
    v[0] /= n, v[1] /= n, v[2] /= n;
}

/* The forward direction in the world frame (east, up, north). */
static void world_forward(double yaw_deg, double pitch_deg, double out[3])
{
    double yaw = yaw_deg * deg_to_rad, pitch = pitch_deg * deg_to_rad;
    out[0] = sin(yaw) * cos(pitch);
    out[1] = sin(pitch);
    out[2] = cos(yaw) * cos(pitch);
}

void vw_camera_view(const vw_camera *camera, const vw_lens *lens, const double origin_m[2],
                    vw_view *v)
{
    double fw[3];
    world_forward(camera->yaw_deg, camera->pitch_deg, fw);
    vw_world_to_gl(origin_m, camera->position_m[0], camera->position_m[1],
                   camera->position_m[2], v->eye);
    /* A direction converts like a point without the origin: z changes sign. */
    v->forward[0] = fw[0], v->forward[1] = fw[1], v->forward[2] = -fw[2];
    normalize3(v->forward);
    /* right = forward × world up, up = right × forward (GL is right-handed). */
    v->right[0] = -v->forward[2], v->right[1] = 0.0, v->right[2] = v->forward[0];
    normalize3(v->right);
    v->up[0] = v->right[1] * v->forward[2] - v->right[2] * v->forward[1];
    v->up[1] = v->right[2] * v->forward[0] - v->right[0] * v->forward[2];
    v->up[2] = v->right[0] * v->forward[1] - v->right[1] * v->forward[0];
    v->lens = *lens;
    v->aspect = lens->aspect;
    v->tan_half_fov_y = tan(0.5 * lens->fov_y_deg * deg_to_rad);

    /* view: rows right, up, −forward; then a standard OpenGL perspective. */
    double view[16] = {0}; /* column-major */
    const double *r = v->right, *u = v->up, *f = v->forward, *e = v->eye;
    for (int i = 0; i < 3; i++) {
        view[i * 4 + 0] = r[i];
        view[i * 4 + 1] = u[i];
        view[i * 4 + 2] = -f[i];
    }
    view[12] = -(r[0] * e[0] + r[1] * e[1] + r[2] * e[2]);
    view[13] = -(u[0] * e[0] + u[1] * e[1] + u[2] * e[2]);
    view[14] = f[0] * e[0] + f[1] * e[1] + f[2] * e[2];
    view[15] = 1.0;
    double n = lens->near_m, fa = lens->far_m;
    double proj[16] = {0};
    proj[0] = 1.0 / (v->tan_half_fov_y * lens->aspect);
    proj[5] = 1.0 / v->tan_half_fov_y;
    proj[10] = -(fa + n) / (fa - n);
    proj[11] = -1.0;
    proj[14] = -2.0 * fa * n / (fa - n);
    for (int c = 0; c < 4; c++)
        for (int row = 0; row < 4; row++) {
            double s = 0.0;
            for (int k = 0; k < 4; k++)
                s += proj[k * 4 + row] * view[c * 4 + k];
            v->view_projection[c * 4 + row] = (float)s;
        }
}

void vw_view_ray(const vw_view *v, double ndc_x, double ndc_y, double out[3])
{
    double sx = ndc_x * v->tan_half_fov_y * v->aspect, sy = ndc_y * v->tan_half_fov_y;
    for (int i = 0; i < 3; i++)
        out[i] = v->forward[i] + sx * v->right[i] + sy * v->up[i];
}

void vw_camera_fly(vw_camera *c, const vw_fly_input *in, double dt_s)
{
    c->yaw_deg = fmod(c->yaw_deg + in->look_dx_deg + 360.0, 360.0);
    c->pitch_deg += in->look_dy_deg;
    if (c->pitch_deg > 89.0)
        c->pitch_deg = 89.0;
    if (c->pitch_deg < -89.0)
        c->pitch_deg = -89.0;
    double fw[3];
    world_forward(c->yaw_deg, c->pitch_deg, fw);
    /* Right of the heading in the world frame (left-handed: east when facing north). */
    double yaw = c->yaw_deg * deg_to_rad;
    double right[3] = {cos(yaw), 0.0, -sin(yaw)};
    double step = in->speed_m_s * dt_s;
    for (int i = 0; i < 3; i++)
        c->position_m[i] += step * (in->move[0] * right[i] + in->move[2] * fw[i]);
    c->position_m[1] += step * in->move[1];
}
