/* soak_camera.c — seeded camera profiles and CSV path replay for `terrapage soak`. */
#include "soak_camera.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "input_file.h"

const char *const tpt_soak_profile_names[] = {"reference", "walk",     "sprint", "vehicle",
                                             "flight",    "teleport", NULL};

#define TWO_PI 6.283185307179586

const char *tpt_soak_move_name(uint32_t move)
{
    static const char *const names[TPT_SOAK_MOVE_COUNT] = {"none", "walk",     "sprint", "drive",
                                                          "fly",  "teleport", "replay"};
    return move < TPT_SOAK_MOVE_COUNT ? names[move] : "unknown";
}

/* ---- random numbers --------------------------------------------------------------------
 * splitmix64: tiny, fast, and the same sequence on every platform. */

static uint64_t next_u64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, 1), 53 bits. */
static double uniform(uint64_t *state) { return (double)(next_u64(state) >> 11) * 0x1.0p-53; }

/* Uniform in [lo, hi). */
static double uniform_in(uint64_t *state, double lo, double hi)
{
    return lo + (hi - lo) * uniform(state);
}

/* ---- movement helpers -------------------------------------------------------------- */

static void move(tpt_soak_camera *c, double speed_m_s)
{
    c->x += cos(c->heading) * speed_m_s * c->dt_s;
    c->z += sin(c->heading) * speed_m_s * c->dt_s;
}

static bool outside_area(const tpt_soak_camera *c)
{
    return fabs(c->x - TPT_SOAK_START_X_M) > TPT_SOAK_AREA_M ||
           fabs(c->z - TPT_SOAK_START_Z_M) > TPT_SOAK_AREA_M;
}

static void random_point(tpt_soak_camera *c, double *x, double *z)
{
    *x = TPT_SOAK_START_X_M + uniform_in(&c->rng, -TPT_SOAK_AREA_M, TPT_SOAK_AREA_M);
    *z = TPT_SOAK_START_Z_M + uniform_in(&c->rng, -TPT_SOAK_AREA_M, TPT_SOAK_AREA_M);
}

/* Walkers (walk, sprint, teleport between jumps): mostly straight, a new random heading
 * now and then, and back towards the start when they stray out of the area. */
static void wander(tpt_soak_camera *c, double speed_m_s)
{
    if (outside_area(c)) {
        c->heading = atan2(TPT_SOAK_START_Z_M - c->z, TPT_SOAK_START_X_M - c->x);
    } else if (uniform(&c->rng) < 0.01) {
        c->heading = uniform_in(&c->rng, 0.0, TWO_PI);
        c->heading_changes++;
    }
    move(c, speed_m_s);
}

static double wrap_angle(double a)
{
    while (a > TWO_PI / 2)
        a -= TWO_PI;
    while (a < -TWO_PI / 2)
        a += TWO_PI;
    return a;
}

/* ---- profiles ---------------------------------------------------------------------- */

static tpt_soak_move step_reference(tpt_soak_camera *c)
{
    if (uniform(&c->rng) < 0.10) {
        c->heading = uniform_in(&c->rng, 0.0, TWO_PI);
        c->heading_changes++;
    }
    double u = uniform(&c->rng);
    if (u < 0.70) {
        move(c, 5.0);
        return TPT_SOAK_MOVE_WALK;
    }
    if (u < 0.95) {
        move(c, 15.0);
        return TPT_SOAK_MOVE_SPRINT;
    }
    c->x += uniform_in(&c->rng, -500.0, 500.0);
    c->z += uniform_in(&c->rng, -500.0, 500.0);
    return TPT_SOAK_MOVE_TELEPORT;
}

static tpt_soak_move step_vehicle(tpt_soak_camera *c)
{
    const double speed = 60.0, max_turn = TWO_PI / 4 * c->dt_s; /* 90 °/s */
    if (hypot(c->target_x - c->x, c->target_z - c->z) < 150.0)
        random_point(c, &c->target_x, &c->target_z);
    double want = atan2(c->target_z - c->z, c->target_x - c->x);
    double turn = wrap_angle(want - c->heading);
    c->heading = wrap_angle(c->heading + (turn > max_turn    ? max_turn
                                          : turn < -max_turn ? -max_turn
                                                             : turn));
    move(c, speed);
    return TPT_SOAK_MOVE_DRIVE;
}

static tpt_soak_move step_flight(tpt_soak_camera *c)
{
    const double speed = 300.0;
    if (hypot(c->target_x - c->x, c->target_z - c->z) < speed * c->dt_s * 2.0) {
        /* A long leg: a waypoint at least 2 km away (a few tries, then any). */
        for (int tries = 0; tries < 16; tries++) {
            random_point(c, &c->target_x, &c->target_z);
            if (hypot(c->target_x - c->x, c->target_z - c->z) >= 2000.0)
                break;
        }
        c->heading = atan2(c->target_z - c->z, c->target_x - c->x);
        c->heading_changes++;
    }
    move(c, speed);
    return TPT_SOAK_MOVE_FLY;
}

static tpt_soak_move step_path(tpt_soak_camera *c)
{
    double x, z;
    tpt_soak_path_position(c->path, (double)c->tick * c->dt_s, &x, &z);
    double d = hypot(x - c->x, z - c->z);
    c->x = x, c->z = z;
    return d > TPT_SOAK_PATH_JUMP_M ? TPT_SOAK_MOVE_TELEPORT
           : d > 0.0               ? TPT_SOAK_MOVE_REPLAY
                                   : TPT_SOAK_MOVE_NONE;
}

void tpt_soak_camera_init(tpt_soak_camera *c, tpt_soak_profile profile, uint64_t seed, double dt_s,
                         const tpt_soak_path *path)
{
    memset(c, 0, sizeof *c);
    c->profile = profile;
    c->dt_s = dt_s;
    /* Mix the seed once so seeds 1, 2, 3 … start far apart in the sequence. */
    c->rng = seed;
    c->rng = next_u64(&c->rng);
    c->x = TPT_SOAK_START_X_M;
    c->z = TPT_SOAK_START_Z_M;
    c->target_x = c->x;
    c->target_z = c->z;
    c->heading = uniform_in(&c->rng, 0.0, TWO_PI);
    c->path = path;
    if (profile == TPT_SOAK_PATH && path && path->count) {
        c->x = path->x_m[0];
        c->z = path->z_m[0];
    }
}

tpt_soak_move tpt_soak_camera_advance(tpt_soak_camera *c)
{
    c->tick++;
    tpt_soak_move m;
    switch (c->profile) {
    case TPT_SOAK_REFERENCE: m = step_reference(c); break;
    case TPT_SOAK_WALK: wander(c, 5.0), m = TPT_SOAK_MOVE_WALK; break;
    case TPT_SOAK_SPRINT: wander(c, 15.0), m = TPT_SOAK_MOVE_SPRINT; break;
    case TPT_SOAK_VEHICLE: m = step_vehicle(c); break;
    case TPT_SOAK_FLIGHT: m = step_flight(c); break;
    case TPT_SOAK_TELEPORT:
        if (c->tick % 64 == 0) {
            random_point(c, &c->x, &c->z);
            m = TPT_SOAK_MOVE_TELEPORT;
        } else {
            wander(c, 5.0);
            m = TPT_SOAK_MOVE_WALK;
        }
        break;
    case TPT_SOAK_PATH: m = c->path && c->path->count ? step_path(c) : TPT_SOAK_MOVE_NONE; break;
    default: m = TPT_SOAK_MOVE_NONE; break;
    }
    c->last_move = m;
    c->moves[m]++;
    return m;
}

/* ---- recorded paths ---------------------------------------------------------------- */

void tpt_soak_path_position(const tpt_soak_path *p, double t_s, double *out_x, double *out_z)
{
    if (p->count == 0) {
        *out_x = *out_z = 0.0;
        return;
    }
    if (t_s <= p->t_s[0]) {
        *out_x = p->x_m[0], *out_z = p->z_m[0];
        return;
    }
    if (t_s >= p->t_s[p->count - 1]) {
        *out_x = p->x_m[p->count - 1], *out_z = p->z_m[p->count - 1];
        return;
    }
    size_t lo = 0, hi = p->count - 1; /* t[lo] < t_s < t[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->t_s[mid] <= t_s)
            lo = mid;
        else
            hi = mid;
    }
    double f = (t_s - p->t_s[lo]) / (p->t_s[hi] - p->t_s[lo]);
    *out_x = p->x_m[lo] + (p->x_m[hi] - p->x_m[lo]) * f;
    *out_z = p->z_m[lo] + (p->z_m[hi] - p->z_m[lo]) * f;
}

double tpt_soak_path_duration(const tpt_soak_path *p)
{
    return p->count ? p->t_s[p->count - 1] : 0.0;
}

void tpt_soak_path_free(tpt_soak_path *p)
{
    free(p->t_s);
    free(p->x_m);
    free(p->z_m);
    memset(p, 0, sizeof *p);
}

static bool fail(char *err, size_t err_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(char *err, size_t err_size, const char *format, ...)
{
    if (err && err_size) {
        va_list ap;
        va_start(ap, format);
        vsnprintf(err, err_size, format, ap);
        va_end(ap);
    }
    return false;
}

/* Parses "a,b,c" (spaces around fields allowed) into three finite numbers. */
static bool parse_row(const char *line, double v[3])
{
    const char *p = line;
    for (int i = 0; i < 3; i++) {
        while (*p == ' ' || *p == '\t')
            p++;
        char *end;
        errno = 0;
        v[i] = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v[i]))
            return false;
        p = end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (i < 2) {
            if (*p != ',')
                return false;
            p++;
        }
    }
    return *p == '\0';
}

static bool push_row(tpt_soak_path *p, size_t *cap, const double v[3])
{
    if (p->count == *cap) {
        size_t n = *cap ? *cap * 2 : 256;
        double *t = realloc(p->t_s, n * sizeof *t);
        if (t)
            p->t_s = t;
        double *x = realloc(p->x_m, n * sizeof *x);
        if (x)
            p->x_m = x;
        double *z = realloc(p->z_m, n * sizeof *z);
        if (z)
            p->z_m = z;
        if (!t || !x || !z)
            return false;
        *cap = n;
    }
    p->t_s[p->count] = v[0];
    p->x_m[p->count] = v[1];
    p->z_m[p->count] = v[2];
    p->count++;
    return true;
}

bool tpt_soak_path_parse(const char *name, const char *text, size_t size, tpt_soak_path *out,
                        char *err, size_t err_size)
{
    tpt_soak_path p = {0};
    size_t cap = 0, line_no = 0, pos = 0;
    bool header_seen = false;
    char line[512];
    while (pos < size) {
        size_t start = pos;
        while (pos < size && text[pos] != '\n')
            pos++;
        size_t len = pos - start;
        pos++; /* past the '\n' */
        line_no++;
        if (len && text[start + len - 1] == '\r')
            len--;
        if (len >= sizeof line) {
            tpt_soak_path_free(&p);
            return fail(err, err_size, "%s:%zu: line longer than %zu characters", name, line_no,
                        sizeof line - 1);
        }
        memcpy(line, text + start, len);
        line[len] = '\0';
        if (memchr(line, '\0', len)) {
            tpt_soak_path_free(&p);
            return fail(err, err_size, "%s:%zu: binary data, not a CSV path", name, line_no);
        }
        bool blank = true;
        for (size_t i = 0; i < len; i++)
            blank = blank && isspace((unsigned char)line[i]);
        if (blank)
            continue;
        double v[3];
        bool numbers = parse_row(line, v);
        if (!header_seen) {
            header_seen = true;
            if (numbers) {
                tpt_soak_path_free(&p);
                return fail(err, err_size,
                            "%s:%zu: the first line must be a header such as "
                            "\"t_s,x,z\", got a row of numbers",
                            name, line_no);
            }
            continue;
        }
        if (!numbers) {
            tpt_soak_path_free(&p);
            return fail(err, err_size,
                        "%s:%zu: expected \"t_s,x,z\" (three numbers: "
                        "seconds, metres, metres), got \"%.60s\"",
                        name, line_no, line);
        }
        if (fabs(v[0]) > TPT_SOAK_PATH_MAX_T_S || fabs(v[1]) > TPT_SOAK_PATH_MAX_M ||
            fabs(v[2]) > TPT_SOAK_PATH_MAX_M) {
            tpt_soak_path_free(&p);
            return fail(err, err_size,
                        "%s:%zu: a value is out of range (times within "
                        "+-%g s, positions within +-%g m)",
                        name, line_no, TPT_SOAK_PATH_MAX_T_S, TPT_SOAK_PATH_MAX_M);
        }
        if (p.count && !(v[0] > p.t_s[p.count - 1])) {
            double prev = p.t_s[p.count - 1];
            tpt_soak_path_free(&p);
            return fail(err, err_size,
                        "%s:%zu: time %g s is not after the previous row's "
                        "%g s (times must increase)",
                        name, line_no, v[0], prev);
        }
        if (!push_row(&p, &cap, v)) {
            tpt_soak_path_free(&p);
            return fail(err, err_size, "%s: out of memory", name);
        }
    }
    if (p.count == 0) {
        tpt_soak_path_free(&p);
        return fail(err, err_size,
                    "%s: no rows after the header (expected lines of "
                    "\"t_s,x,z\")",
                    name);
    }
    *out = p;
    return true;
}

bool tpt_soak_path_load(const char *file, tpt_soak_path *out, char *err, size_t err_size)
{
    FILE *f = tpt_input_open(file, err, err_size);
    if (!f)
        return false;
    char *text = NULL;
    size_t size = 0, cap = 0;
    for (;;) {
        if (size == cap) {
            size_t n = cap ? cap * 2 : 65536;
            char *t = realloc(text, n);
            if (!t) {
                free(text);
                fclose(f);
                return fail(err, err_size, "%s: out of memory", file);
            }
            text = t, cap = n;
        }
        size_t got = fread(text + size, 1, cap - size, f);
        size += got;
        if (got == 0)
            break;
    }
    bool read_error = ferror(f);
    int saved = errno;
    fclose(f);
    if (read_error) {
        free(text);
        return fail(err, err_size, "%s: %s", file, strerror(saved));
    }
    bool ok = tpt_soak_path_parse(file, text, size, out, err, err_size);
    free(text);
    return ok;
}
