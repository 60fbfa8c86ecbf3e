/* camera.h — the viewer's camera: where it is, where it looks, and the matrices and rays
 * that follow from that.
 *
 * Two frames meet here. The camera lives in terrapage's world frame (metres, x east,
 * y up, z north: left-handed, see "Conventions" in terrapage/runtime.h), in double.
 * What it hands to OpenGL is in the GL frame: right-handed, y up, x east and −z north,
 * relative to a render origin near the camera so that 32-bit floats stay exact:
 *     gl = (x − origin_x, y, −(z − origin_z)).
 */
#ifndef VW_CAMERA_H
#define VW_CAMERA_H

/* Position in world metres; yaw is a compass heading in degrees (0 = north, 90 = east);
 * pitch in degrees, positive looking up. */
typedef struct vw_camera {
    double position_m[3];
    double yaw_deg, pitch_deg;
} vw_camera;

/* The projection parameters shared by drawing and the hole check. */
typedef struct vw_lens {
    double fov_y_deg;
    double aspect;       /* width / height */
    double near_m, far_m;
} vw_lens;

/* Everything derived from a camera and a lens, in the GL frame (see above). */
typedef struct vw_view {
    double eye[3];                      /* camera position, GL frame */
    double forward[3], right[3], up[3]; /* unit basis, GL frame */
    double tan_half_fov_y, aspect;
    vw_lens lens;
    float view_projection[16];          /* column-major, for glUniformMatrix4fv */
} vw_view;

/* The GL-frame point of world point (x, y, z), relative to the render origin (ox, oz). */
static inline void vw_world_to_gl(const double origin_m[2], double x, double y, double z,
                                  double out[3])
{
    out[0] = x - origin_m[0];
    out[1] = y;
    out[2] = -(z - origin_m[1]);
}

/*! vw_camera_view() : the basis and the view-projection matrix of `camera` seen through
 *  `lens`, relative to the render origin. */
void vw_camera_view(const vw_camera *camera, const vw_lens *lens, const double origin_m[2],
                    vw_view *out_view);

/*! vw_view_ray() : the direction (GL frame, not unit length) of the ray through the
 *  point (ndc_x, ndc_y) of the image, both in [−1, 1], +y up. */
void vw_view_ray(const vw_view *view, double ndc_x, double ndc_y, double out_dir[3]);

/* What the player asks the fly camera to do for one frame. */
typedef struct vw_fly_input {
    double move[3];      /* right, up, forward: each −1 … 1 */
    double look_dx_deg;  /* yaw change (turn right > 0) */
    double look_dy_deg;  /* pitch change (look up > 0) */
    double speed_m_s;
} vw_fly_input;

/*! vw_camera_fly() : moves and turns the camera by one frame of `input` lasting dt_s.
 *  Pitch is kept within ±89°. */
void vw_camera_fly(vw_camera *camera, const vw_fly_input *input, double dt_s);

#endif
