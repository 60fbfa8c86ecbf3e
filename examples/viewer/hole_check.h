/* hole_check.h — the exact test that a frame shows no hole and no crack.
 *
 * Which pixels must show terrain ("below the horizon"). The streamer's view is a square
 * of chunks around the camera's chunk, every one of them drawn with some LOD; within it
 * the drawn surface is one continuous sheet (same-LOD neighbours share bit-identical
 * border vertices, and skirts close every step between LODs), lying nowhere below
 * y_floor, the lowest surface vertex of the drawn view. Take the ray through a point of
 * the image. If it points down and meets the plane y = y_floor at a point P inside the
 * square, then it starts above the sheet (the camera is above it) and reaches P, which
 * is on or below it, without leaving the square (the square is convex and holds the
 * camera): it must cross the sheet, so that point of the image must show terrain. A
 * pixel is "below the horizon" when this holds for the rays through all four of its
 * corners; then it holds for every ray through the pixel (rays through a convex pixel
 * meet the plane in the convex quadrilateral of the corners' points, inside the square),
 * so the pixel is covered whole and its centre, where the rasteriser samples, is no
 * borderline case. Such a pixel showing the clear colour — alpha 0, which no drawn
 * fragment writes — is a hole or a crack. The test counts them; any count above 0 fails.
 *
 * The argument needs the nearest terrain beyond the near plane and the farthest before
 * the far plane: vw_hole_check_clearance() checks the first (the caller sets the far
 * plane beyond the view square), and a frame that fails it is reported, not tested.
 */
#ifndef VW_HOLE_CHECK_H
#define VW_HOLE_CHECK_H

#include <stddef.h>
#include <stdint.h>

#include "camera.h"

/* The drawn view in the GL frame: the square's bounds and the lowest surface height. */
typedef struct vw_drawn_view {
    double x_min, x_max, z_min, z_max;
    double y_floor;
} vw_drawn_view;

typedef struct vw_hole_result {
    uint64_t below_horizon;   /* pixels that must show terrain */
    uint64_t holes;           /* … of them showing the clear colour */
    int first_x, first_y;     /* the first hole, from the top-left corner (−1 if none) */
} vw_hole_result;

/*! vw_hole_check() : tests a frame read back with glReadPixels (RGBA, rows bottom-up),
 *  drawn through `view`. `corner_scratch` holds (width + 1) · (height + 1) bytes. */
vw_hole_result vw_hole_check(const vw_view *view, const vw_drawn_view *drawn, int width,
                             int height, const uint8_t *rgba, uint8_t *corner_scratch);

/*! vw_hole_check_near_distance_m() : the distance from the eye to the corners of the near
 *  plane: terrain farther than this from the eye is never clipped by the near plane
 *  within the picture. */
double vw_hole_check_near_distance_m(const vw_view *view);

#endif
