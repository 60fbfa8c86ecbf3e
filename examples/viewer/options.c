/* options.c — parsing the command line (see options.h; --help says what each does). */
#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char help[] =
    "usage: viewer WORLD.tpk [options]\n"
    "\n"
    "Flies a camera through a page file streamed by libterrapage and draws the chunk\n"
    "meshes with OpenGL 3.3, uploaded to the GPU as pages arrive and freed when they\n"
    "are evicted. Without --path it opens a window: W A S D move, Q E down and up,\n"
    "shift runs, the mouse with the left button held looks around, C switches the\n"
    "colours (biome, LOD), F the wireframe, H the text, Escape quits. The text shows\n"
    "update() time, frame time, resident and GPU memory, page-ins, fallbacks, the LODs\n"
    "drawn and their projected error.\n"
    "\n"
    "With --path it draws headless through EGL (no display needed; Mesa's software\n"
    "rasteriser when there is no GPU), one frame per 1/FPS s of path time, with the\n"
    "streamer on the same virtual clock.\n"
    "\n"
    "Options:\n"
    "      --path FILE        the camera path, CSV: a header 'time_s,x_m,y_m,z_m,yaw_deg,\n"
    "                         pitch_deg' (or height_above_ground_m for y_m) and a key\n"
    "                         per line; yaw is a compass heading (0 north, 90 east)\n"
    "      --screenshot FILE  write the last frame as a PNG; the camera first waits at\n"
    "                         the path's end until every chunk in view has the LOD it\n"
    "                         wants (at most --settle frames)\n"
    "      --check-holes      test every frame: no pixel below the horizon may show the\n"
    "                         clear colour (exit status 1 if one does)\n"
    "      --json FILE        write a report of the run as JSON ('-': stdout)\n"
    "      --size WxH         frame size in pixels (default 1280x720)\n"
    "      --colour MODE      biome (default) or lod\n"
    "      --wireframe        draw the triangles' edges over the surface\n"
    "      --no-hud           no text over the picture\n"
    "      --view N           view distance in chunks (default: the streamer's, 8)\n"
    "      --fps N            frames per second of path time (default 60)\n"
    "      --fov DEG          vertical field of view (default 60)\n"
    "      --settle N         most frames to wait before the screenshot (default 600)\n"
    "      --fault KIND       draw wrongly on purpose, to show that --check-holes catches\n"
    "                         it: 'chunks' leaves out every chunk whose cx and cz are\n"
    "                         both even, 'winding' culls the front faces\n"
    "  -h, --help             show this help\n"
    "\n"
    "Examples:\n"
    "  viewer world.tpk\n"
    "  viewer world.tpk --path camera.csv --check-holes --screenshot out.png\n";

static int parse_uint(const char *name, const char *text, unsigned lo, unsigned hi,
                      unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (end == text || *end != '\0' || errno != 0 || text[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "viewer: %s must be a whole number from %u to %u (got '%s')\n", name,
                lo, hi, text);
        return -1;
    }
    *out = (unsigned)v;
    return 0;
}

static int parse_real(const char *name, const char *text, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) {
        fprintf(stderr, "viewer: %s must be a number from %g to %g (got '%s')\n", name, lo, hi,
                text);
        return -1;
    }
    *out = v;
    return 0;
}

int vw_options_parse(int argc, char **argv, vw_options *o)
{
    memset(o, 0, sizeof *o);
    o->width = 1280, o->height = 720, o->hud = 1, o->fps = 60.0, o->fov_y_deg = 60.0;
    o->settle_frames = 600;
    enum { PATH = 256, SHOT, CHECK, JSON, SIZE, COLOUR, WIRE, NOHUD, VIEW, FPS, FOV, SETTLE, FAULT };
    static const struct option longs[] = {
        {"path", required_argument, NULL, PATH},     {"screenshot", required_argument, NULL, SHOT},
        {"check-holes", no_argument, NULL, CHECK},   {"json", required_argument, NULL, JSON},
        {"size", required_argument, NULL, SIZE},     {"colour", required_argument, NULL, COLOUR},
        {"wireframe", no_argument, NULL, WIRE},      {"no-hud", no_argument, NULL, NOHUD},
        {"view", required_argument, NULL, VIEW},     {"fps", required_argument, NULL, FPS},
        {"fov", required_argument, NULL, FOV},       {"settle", required_argument, NULL, SETTLE},
        {"fault", required_argument, NULL, FAULT},
        {"help", no_argument, NULL, 'h'},            {NULL, 0, NULL, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        unsigned w, h;
        char tail;
        switch (c) {
        case PATH: o->camera_path = optarg; break;
        case SHOT: o->screenshot_path = optarg; break;
        case CHECK: o->check_holes = 1; break;
        case JSON: o->json_path = optarg; break;
        case SIZE:
            if (sscanf(optarg, "%ux%u%c", &w, &h, &tail) != 2 || w < 16 || h < 16 || w > 8192 ||
                h > 8192) {
                fprintf(stderr, "viewer: --size must be WIDTHxHEIGHT, 16 to 8192 each (got "
                                "'%s')\n", optarg);
                return -1;
            }
            o->width = (int)w, o->height = (int)h;
            break;
        case COLOUR:
            if (strcmp(optarg, "biome") == 0)
                o->colour = VW_COLOUR_BIOME;
            else if (strcmp(optarg, "lod") == 0)
                o->colour = VW_COLOUR_LOD;
            else {
                fprintf(stderr, "viewer: --colour must be biome or lod (got '%s')\n", optarg);
                return -1;
            }
            break;
        case WIRE: o->wireframe = 1; break;
        case NOHUD: o->hud = 0; break;
        case VIEW:
            if (parse_uint("--view", optarg, 1, 64, &o->view_distance) != 0)
                return -1;
            break;
        case FPS:
            if (parse_real("--fps", optarg, 1.0, 1000.0, &o->fps) != 0)
                return -1;
            break;
        case FOV:
            if (parse_real("--fov", optarg, 10.0, 120.0, &o->fov_y_deg) != 0)
                return -1;
            break;
        case SETTLE:
            if (parse_uint("--settle", optarg, 0, 1000000, &o->settle_frames) != 0)
                return -1;
            break;
        case FAULT:
            if (strcmp(optarg, "chunks") == 0)
                o->fault = 1;
            else if (strcmp(optarg, "winding") == 0)
                o->fault = 2;
            else {
                fprintf(stderr, "viewer: --fault must be chunks or winding (got '%s')\n", optarg);
                return -1;
            }
            break;
        case 'h': fputs(help, stdout); return 1;
        case ':': fprintf(stderr, "viewer: %s needs a value\n", argv[optind - 1]); return -1;
        default:
            fprintf(stderr, "viewer: unknown option '%s' (see --help)\n", argv[optind - 1]);
            return -1;
        }
    }
    if (optind != argc - 1) {
        fprintf(stderr, "viewer: give one page file (see --help)\n");
        return -1;
    }
    o->world_path = argv[optind];
    if ((o->screenshot_path || o->check_holes) && !o->camera_path) {
        fprintf(stderr, "viewer: --screenshot and --check-holes draw headless along a "
                        "--path\n");
        return -1;
    }
    return 0;
}
