/* make_world_seeds.c — writes a small seed corpus for fuzz_world into the directory
 * given: the default world file as `terrapage init` writes it (every key, with comments),
 * a file that changes every key, and short files that reach each kind of refusal
 * (unknown key, out of range, wrong type, duplicate, bad YAML, anchors and aliases). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "world_file.h"

static void put(const char *dir, const char *name, const char *text)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        fprintf(stderr, "make_world_seeds: cannot write %s\n", path);
        exit(1);
    }
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: make_world_seeds DIR\n");
        return 2;
    }
    const char *dir = argv[1];
    char path[4096];
    snprintf(path, sizeof path, "%s/default.yaml", dir);
    FILE *f = fopen(path, "wb");
    tpt_world_file wf;
    tpt_world_file_defaults(&wf);
    if (!f || !tpt_world_file_write(f, &wf, NULL) || fclose(f) != 0) {
        fprintf(stderr, "make_world_seeds: cannot write %s\n", path);
        return 1;
    }
    put(dir, "every-key.yaml",
        "terrapage_world: 1\nworld:\n  seed: 0x10\n  samples_per_edge: 33\n"
        "  chunk_size_m: 128.5\n  sea_level_m: -12.25\n  feature_scale: 0.7\n"
        "  relief_m: 1800\n  ocean_depth_m: 400\n  temperature_origin_c: -3\n"
        "  temperature_gradient_c_per_km: 0.25\n  precipitation_mm: 900\n"
        "bake:\n  region_chunks: {x0: -3, z0: 2, x1: 1, z1: 5}\n  meshes: false\n"
        "  compression_level: -4\n");
    put(dir, "flow.yaml", "{world: {seed: 7, relief_m: 1e3}, bake: {meshes: true}}\n");
    put(dir, "unknown.yaml", "world:\n  relif_m: 100\n");
    put(dir, "range.yaml", "world:\n  relief_m: 3000\n");
    put(dir, "type.yaml", "world:\n  seed: \"42\"\n  relief_m: [1, 2]\n");
    put(dir, "twice.yaml", "world:\n  seed: 1\n  seed: 2\n");
    put(dir, "broken.yaml", "world: {seed: 1\n");
    put(dir, "alias.yaml", "world: &w\n  seed: 1\nbake: *w\n");
    put(dir, "documents.yaml", "world:\n  seed: 1\n---\nworld:\n  seed: 2\n");
    return 0;
}
