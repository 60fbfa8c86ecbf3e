/* options.h — the viewer's command line. */
#ifndef VW_OPTIONS_H
#define VW_OPTIONS_H

#include "terrain_renderer.h"

typedef struct vw_options {
    const char *world_path;
    const char *camera_path;     /* --path: headless along it */
    const char *screenshot_path; /* --screenshot */
    const char *json_path;       /* --json: "-" for stdout */
    int check_holes;             /* --check-holes */
    int width, height;           /* --size */
    vw_colour_mode colour;       /* --colour */
    int wireframe;               /* --wireframe */
    int hud;                     /* 0 with --no-hud */
    unsigned view_distance;      /* --view (0: the streamer's default) */
    double fps;                  /* --fps: frames per second of path time */
    double fov_y_deg;            /* --fov */
    unsigned settle_frames;      /* --settle */
    int fault;                   /* --fault: 0 none, 1 chunks, 2 winding */
} vw_options;

/*! vw_options_parse() : @return 0 to run, 1 when --help was printed (exit 0), −1 after
 *  printing a usage error (exit 2). */
int vw_options_parse(int argc, char **argv, vw_options *out);

#endif
