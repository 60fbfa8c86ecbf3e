/* layout.c — the sizes that follow from the pages' layout, for both kinds of streamer. */
#include <string.h>

#include "layout.h"

void tp__layout_init(tp__layout *l, const tp_page_layout *page, int meshes, tp__region region)
{
    memset(l, 0, sizeof *l);
    l->chunk_m = page->world.chunk_size_m;
    l->lod_count = page->lod_count;
    l->coarsest = l->lod_count - 1;
    l->climate_edge = page->climate_edge;
    memcpy(l->edge, page->edge, sizeof l->edge);
    l->meshes = meshes;
    l->region = region;
}
