/* layout.c — the sizes that follow from the world, for both kinds of streamer. */
#include <string.h>

#include "layout.h"

void tp__layout_init(tp__layout *l, const tp_world_params *world, int meshes,
                     tp__region region)
{
    memset(l, 0, sizeof *l);
    l->chunk_m = world->chunk_size_m;
    l->lod_count = tp_world_lod_count(world);
    l->coarsest = l->lod_count - 1;
    l->climate_edge = tp_world_climate_edge(world);
    for (uint32_t k = 0; k < l->lod_count; k++)
        l->edge[k] = tp_world_lod_edge(world, k);
    l->meshes = meshes;
    l->region = region;
}
