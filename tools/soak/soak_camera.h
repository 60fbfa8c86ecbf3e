/* soak_camera.h — the cameras `terrapage soak` drives the streamer with: seeded movement
 * profiles and the replay of a recorded path.
 *
 *   tpt_soak_camera cam;
 *   tpt_soak_camera_init(&cam, TPT_SOAK_REFERENCE, seed, 1.0 / 60.0, NULL);
 *   for (uint64_t tick = 0; tick < ticks; tick++) {
 *       if (tick > 0)
 *           tpt_soak_camera_advance(&cam);     // one tick of movement
 *       update(cam.x, cam.z); ...             // cam.last_move says what it did
 *   }
 *
 * Every profile is a pure function of (profile, seed, tick length): the same seed gives
 * the same path on every run and machine, so two sources (baked, generated) and two
 * builds meet exactly the same camera. The random numbers come from splitmix64, with a
 * fixed number of draws per decision, never from rand().
 *
 * Profiles (all start at TPT_SOAK_START_X_M, TPT_SOAK_START_Z_M):
 *  - reference: the soak test of the engine terrapage replaces. Each tick the heading
 *    turns to a uniformly random direction with probability 10 %; then the camera walks
 *    at 5 m/s (70 %), sprints at 15 m/s (25 %) or teleports by an offset uniform in
 *    [−500, 500) m on x and on z (5 %).
 *  - walk, sprint: 5 and 15 m/s; a new random heading with probability 1 % per tick
 *    (every 1.7 s on average at 60 Hz).
 *  - vehicle: 60 m/s towards random waypoints, turning at most 90 °/s.
 *  - flight: 300 m/s in straight legs between random waypoints at least 2 km apart.
 *  - teleport: walks, and every 64th tick jumps to a uniformly random point.
 * Walk, sprint, vehicle, flight and teleport stay inside the square of half-size
 * TPT_SOAK_AREA_M around the start (waypoints and jumps are drawn in it; a walker that
 * strays out turns back), which with the view around it lies inside the default
 * 16 km × 16 km baked world. The reference profile has no such wall, as the original.
 *
 * Thread rules: a camera is plain data owned by one thread.
 */
#ifndef TPT_SOAK_CAMERA_H
#define TPT_SOAK_CAMERA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TPT_SOAK_START_X_M 128.0
#define TPT_SOAK_START_Z_M 128.0
#define TPT_SOAK_AREA_M 6000.0 /* half-size of the square the non-reference profiles use */

typedef enum tpt_soak_profile {
    TPT_SOAK_REFERENCE = 0,
    TPT_SOAK_WALK,
    TPT_SOAK_SPRINT,
    TPT_SOAK_VEHICLE,
    TPT_SOAK_FLIGHT,
    TPT_SOAK_TELEPORT,
    TPT_SOAK_PATH, /* a replayed CSV path (not selectable by name) */
    TPT_SOAK_PROFILE_COUNT
} tpt_soak_profile;

/* "reference", "walk", "sprint", "vehicle", "flight", "teleport", then NULL: indexed by
 * tpt_soak_profile and usable with tpt_cli_choice(). */
extern const char *const tpt_soak_profile_names[];

/* What one tick of movement was. */
typedef enum tpt_soak_move {
    TPT_SOAK_MOVE_NONE = 0, /* tick 0, or a path that holds still */
    TPT_SOAK_MOVE_WALK,
    TPT_SOAK_MOVE_SPRINT,
    TPT_SOAK_MOVE_DRIVE,
    TPT_SOAK_MOVE_FLY,
    TPT_SOAK_MOVE_TELEPORT,
    TPT_SOAK_MOVE_REPLAY, /* a step along a recorded path */
    TPT_SOAK_MOVE_COUNT
} tpt_soak_move;

/*! tpt_soak_move_name() : @return "none", "walk", "sprint", "drive", "fly", "teleport",
 *  "replay", or "unknown". */
const char *tpt_soak_move_name(uint32_t move);

/* A recorded camera path: `count` rows, times strictly increasing. */
typedef struct tpt_soak_path {
    double *t_s, *x_m, *z_m;
    size_t count;
} tpt_soak_path;

/* Limits of a recorded path's values: far beyond any world (chunk coordinates stay well
 * inside 32 bits) and any soak (a week). */
#define TPT_SOAK_PATH_MAX_M 1.0e9
#define TPT_SOAK_PATH_MAX_T_S 604800.0

/* A recorded path whose rows are further apart than this in one tick counts as a
 * teleport (the runtime's default teleport distance for the default view: 8 · 256 / 2). */
#define TPT_SOAK_PATH_JUMP_M 1024.0

typedef struct tpt_soak_camera {
    /* Read these. */
    double x, z;                  /* position, metres */
    double heading;               /* radians, 0 along +x */
    uint64_t tick;                /* ticks advanced so far */
    tpt_soak_move last_move;
    uint64_t moves[TPT_SOAK_MOVE_COUNT]; /* how many ticks did each move */
    uint64_t heading_changes;     /* random heading draws taken (reference, walk, sprint) */
    /* Private. */
    tpt_soak_profile profile;
    double dt_s;
    uint64_t rng;
    double target_x, target_z;    /* waypoint of vehicle and flight */
    const tpt_soak_path *path;
} tpt_soak_camera;

/*! tpt_soak_camera_init() :
 *  Places the camera at the start (or at a path's first row) for tick 0. `dt_s` is the
 *  tick length in seconds (> 0). `path` is used, and must outlive the camera, when
 *  `profile` is TPT_SOAK_PATH; it must hold at least one row. */
void tpt_soak_camera_init(tpt_soak_camera *c, tpt_soak_profile profile, uint64_t seed,
                         double dt_s, const tpt_soak_path *path);

/*! tpt_soak_camera_advance() : moves the camera by one tick. @return the move made. */
tpt_soak_move tpt_soak_camera_advance(tpt_soak_camera *c);

/*! tpt_soak_path_position() :
 *  The position on `path` at time t_s, interpolated linearly between the rows around it;
 *  before the first row the first, after the last row the last. */
void tpt_soak_path_position(const tpt_soak_path *path, double t_s, double *out_x,
                           double *out_z);

/*! tpt_soak_path_load() :
 *  Reads a CSV camera path: a header line (anything that is not three numbers, e.g.
 *  "t_s,x,z"), then one "t_s,x,z" row per line, numbers in seconds and metres, times
 *  strictly increasing, values within TPT_SOAK_PATH_MAX_T_S and TPT_SOAK_PATH_MAX_M.
 *  Blank lines, spaces around fields and CRLF endings are accepted. A path that is not
 *  a regular file (a FIFO, a directory, a device) is refused at once, without blocking
 *  (tpt_input_open()).
 *  @return true with *out filled (free with tpt_soak_path_free()); false with `err`
 *  naming the file, the line and the problem ("path.csv:7: time 1.5 s is not after the
 *  previous row's 2 s"). */
bool tpt_soak_path_load(const char *file, tpt_soak_path *out, char *err, size_t err_size);

/*! tpt_soak_path_parse() : as tpt_soak_path_load() over text in memory; `name` is used
 *  in messages in place of the file name. */
bool tpt_soak_path_parse(const char *name, const char *text, size_t size, tpt_soak_path *out,
                        char *err, size_t err_size);

/*! tpt_soak_path_free() : frees the rows; accepts a zeroed path. */
void tpt_soak_path_free(tpt_soak_path *path);

/*! tpt_soak_path_duration() : @return the time of the last row (0 for an empty path). */
double tpt_soak_path_duration(const tpt_soak_path *path);

#endif /* TPT_SOAK_CAMERA_H */
