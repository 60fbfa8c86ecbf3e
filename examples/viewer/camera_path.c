/* camera_path.c — reading and sampling camera paths (the format is in camera_path.h). */
#define _POSIX_C_SOURCE 200809L /* getline */
#include "camera_path.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS 6

static const char header_absolute[] = "time_s,x_m,y_m,z_m,yaw_deg,pitch_deg";
static const char header_above_ground[] = "time_s,x_m,height_above_ground_m,z_m,yaw_deg,pitch_deg";

/* The line without trailing whitespace (CR of a CRLF file included). */
static void chomp(char *line)
{
    size_t n = strlen(line);
    while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' ' ||
                     line[n - 1] == '\t'))
        line[--n] = '\0';
}

static int parse_key(char *line, vw_path_key *out)
{
    double v[COLUMNS];
    char *p = line;
    for (int i = 0; i < COLUMNS; i++) {
        char *end;
        errno = 0;
        v[i] = strtod(p, &end);
        if (end == p || errno != 0 || !isfinite(v[i]))
            return -1;
        p = end;
        while (*p == ' ' || *p == '\t')
            p++;
        if (i < COLUMNS - 1) {
            if (*p != ',')
                return -1;
            p++;
        }
    }
    if (*p != '\0')
        return -1;
    *out = (vw_path_key){v[0], v[1], v[2], v[3], v[4], v[5]};
    return 0;
}

int vw_camera_path_load(const char *path, vw_camera_path *out)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "viewer: cannot open the camera path %s: %s\n", path, strerror(errno));
        return -1;
    }
    char *line = NULL;
    size_t line_cap = 0, cap = 0;
    long line_no = 0;
    int have_header = 0, rc = 0;
    while (getline(&line, &line_cap, f) != -1) {
        line_no++;
        chomp(line);
        if (line[0] == '\0' || line[0] == '#')
            continue;
        if (!have_header) {
            if (strcmp(line, header_absolute) == 0) {
                out->height_above_ground = 0;
            } else if (strcmp(line, header_above_ground) == 0) {
                out->height_above_ground = 1;
            } else {
                fprintf(stderr, "viewer: %s:%ld: the header must be '%s' or '%s'\n", path,
                        line_no, header_absolute, header_above_ground);
                rc = -1;
                break;
            }
            have_header = 1;
            continue;
        }
        vw_path_key key;
        if (parse_key(line, &key) != 0) {
            fprintf(stderr, "viewer: %s:%ld: expected %d finite numbers separated by commas\n",
                    path, line_no, COLUMNS);
            rc = -1;
            break;
        }
        if (out->key_count > 0 && !(key.time_s > out->keys[out->key_count - 1].time_s)) {
            fprintf(stderr, "viewer: %s:%ld: time %g s is not after the previous key's\n", path,
                    line_no, key.time_s);
            rc = -1;
            break;
        }
        if (out->key_count == cap) {
            size_t new_cap = cap ? 2 * cap : 16;
            vw_path_key *grown = realloc(out->keys, new_cap * sizeof *grown);
            if (!grown) {
                fprintf(stderr, "viewer: %s: out of memory\n", path);
                rc = -1;
                break;
            }
            out->keys = grown, cap = new_cap;
        }
        out->keys[out->key_count++] = key;
    }
    if (rc == 0 && ferror(f)) {
        fprintf(stderr, "viewer: cannot read the camera path %s: %s\n", path, strerror(errno));
        rc = -1;
    }
    if (rc == 0 && out->key_count < 2) {
        fprintf(stderr, "viewer: %s: a camera path needs a header and at least two keys\n",
                path);
        rc = -1;
    }
    free(line);
    fclose(f);
    if (rc != 0)
        vw_camera_path_free(out);
    return rc;
}

static double lerp(double a, double b, double t) { return a + (b - a) * t; }

vw_path_key vw_camera_path_sample(const vw_camera_path *p, double t)
{
    const vw_path_key *k = p->keys;
    if (t <= k[0].time_s)
        return k[0];
    size_t i = 1;
    while (i < p->key_count && k[i].time_s < t)
        i++;
    if (i == p->key_count)
        return k[p->key_count - 1];
    const vw_path_key *a = &k[i - 1], *b = &k[i];
    double u = (t - a->time_s) / (b->time_s - a->time_s);
    double dyaw = fmod(b->yaw_deg - a->yaw_deg, 360.0); /* turn the short way round */
    if (dyaw > 180.0)
        dyaw -= 360.0;
    else if (dyaw < -180.0)
        dyaw += 360.0;
    return (vw_path_key){t,
                         lerp(a->x_m, b->x_m, u),
                         lerp(a->y_m, b->y_m, u),
                         lerp(a->z_m, b->z_m, u),
                         a->yaw_deg + dyaw * u,
                         lerp(a->pitch_deg, b->pitch_deg, u)};
}

double vw_camera_path_duration_s(const vw_camera_path *p) { return p->keys[p->key_count - 1].time_s; }

void vw_camera_path_free(vw_camera_path *p)
{
    free(p->keys);
    memset(p, 0, sizeof *p);
}
