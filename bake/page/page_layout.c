/* page_layout.c — what a page holds, the page-file description that stores pages, and
 * the one check that a page file belongs to this generator.
 *
 * The table of a page's parts is the single place that says which layers a page has,
 * their element types, which grid each lives on and in which order a bake writes them;
 * the baker, the reader side (page_read.c) and the file description all walk it. */
#include "terrapage/page.h"

#include <string.h>

#include <xxhash.h>

#include "terrapage/mesh.h"

/* Which grid a part lives on. */
enum { GRID_LOD, GRID_CLIMATE, GRID_NONE };

/* A page's parts, in the order a bake writes a chunk's blobs at one LOD. */
static const struct part_spec {
    uint32_t layer_id, elem_type, grid;
} PARTS[TP_PAGE_MAX_PARTS] = {
    {TP_LAYER_HEIGHT, TP_ELEM_U16, GRID_LOD},
    {TP_LAYER_BIOME, TP_ELEM_U8, GRID_LOD},
    {TP_LAYER_TEMPERATURE, TP_ELEM_I16, GRID_CLIMATE},
    {TP_LAYER_PRECIPITATION, TP_ELEM_U16, GRID_CLIMATE},
    {TP_LAYER_MESH, TP_ELEM_BYTES, GRID_NONE},
};

/* Bytes per sample of a page's two LOD grids: a u16 height and a u8 biome. */
#define GRID_BYTES_PER_SAMPLE (sizeof(uint16_t) + sizeof(uint8_t))

tp_result tp_page_layout_init(const tp_world_params *world, uint32_t flags,
                              tp_page_layout *out_layout)
{
    if (flags & ~(uint32_t)TP_PAGE_MESHES)
        return tp__error_set(TP_ERR_INVALID_ARGUMENT, "page layout: unknown flags 0x%x",
                             flags & ~(uint32_t)TP_PAGE_MESHES);
    tp_page_layout *L = out_layout;
    memset(L, 0, sizeof *L);
    L->world = *world;
    L->generator_version = TP_GENERATOR_VERSION;
    L->flags = flags;
    L->lod_count = tp_world_lod_count(world);
    for (uint32_t k = 0; k < L->lod_count && k < TP_MAX_LODS; k++)
        L->edge[k] = tp_world_lod_edge(world, k);
    L->climate_edge = tp_world_climate_edge(world);
    return TP_OK;
}

/* The layer-table entry of a part. */
static tp_layer_desc part_layer(const tp_page_layout *L, const struct part_spec *p)
{
    tp_layer_desc d = {0};
    d.layer_id = p->layer_id;
    d.elem_type = p->elem_type;
    d.lod_count = p->grid == GRID_CLIMATE ? 1u : L->lod_count;
    d.edge_lod0 = p->grid == GRID_LOD ? L->edge[0] : p->grid == GRID_CLIMATE ? L->climate_edge : 0;
    d.encoding = p->elem_type == TP_ELEM_U16 || p->elem_type == TP_ELEM_I16
                     ? TP_ENCODING_SLOPE_BITPLANE_LZ4
                     : TP_ENCODING_LZ4;
    return d;
}

static int part_in_layout(const tp_page_layout *L, const struct part_spec *p)
{
    return p->layer_id != TP_LAYER_MESH || (L->flags & TP_PAGE_MESHES);
}

void tp_page_layout_file_desc(const tp_page_layout *L, int32_t region_x0, int32_t region_z0,
                              uint32_t region_width, uint32_t region_height,
                              tp_file_desc *desc, uint8_t params_blob[TP_WORLD_PARAMS_BLOB_SIZE])
{
    const tp_world_params *world = &L->world;
    tp_world_params_serialize(world, params_blob);
    memset(desc, 0, sizeof *desc);
    desc->seed = world->seed;
    desc->params_hash = tp_world_params_hash(world);
    desc->generator_version = L->generator_version;
    desc->params_blob = params_blob;
    desc->params_blob_size = TP_WORLD_PARAMS_BLOB_SIZE;
    desc->region_x0 = region_x0;
    desc->region_z0 = region_z0;
    desc->region_width = region_width;
    desc->region_height = region_height;
    desc->chunk_size_m = world->chunk_size_m;
    desc->samples_per_edge = world->samples_per_edge;
    desc->lod_count = L->lod_count;
    desc->height_min_m = TP_HEIGHT_MIN_M;
    desc->height_step_m = TP_HEIGHT_STEP_M;
    /* The layer table lists layers by id (FORMAT.md), whatever order pages write them. */
    for (uint32_t id = 0; id < TP_MAX_LAYERS; id++)
        for (uint32_t i = 0; i < TP_PAGE_MAX_PARTS; i++)
            if (PARTS[i].layer_id == id && part_in_layout(L, &PARTS[i]))
                desc->layers[desc->layer_count++] = part_layer(L, &PARTS[i]);
}

tp_result tp_page_layout_from_file(const tp_file_desc *d, tp_page_layout *out_layout)
{
    tp_world_params world;
    if (tp_world_params_deserialize(d->params_blob, d->params_blob_size, &world) != TP_OK)
        return tp__error_set(TP_ERR_CORRUPT,
                             "the world parameters stored in the file do not resolve "
                             "(generator version %u; this build generates version %u)",
                             d->generator_version, TP_GENERATOR_VERSION);
    /* The hash covers the stored bytes, whichever generator wrote them; a blob of this
     * generator must also be the canonical serialisation of what it resolves to. */
    uint64_t stored_hash = XXH3_64bits(d->params_blob, d->params_blob_size);
    if (stored_hash != d->params_hash)
        return tp__error_set(TP_ERR_CORRUPT,
                             "header params hash %016llx is not the hash of the stored "
                             "parameters (%016llx)",
                             (unsigned long long)d->params_hash, (unsigned long long)stored_hash);
    uint8_t canonical[TP_WORLD_PARAMS_BLOB_SIZE];
    tp_world_params_serialize(&world, canonical);
    if (d->generator_version == TP_GENERATOR_VERSION &&
        (d->params_blob_size != sizeof canonical ||
         memcmp(canonical, d->params_blob, sizeof canonical) != 0))
        return tp__error_set(TP_ERR_CORRUPT,
                             "the stored parameters are not this generator's canonical form "
                             "of the world they describe");
    if (d->seed != world.seed)
        return tp__error_set(TP_ERR_CORRUPT,
                             "header seed %llu disagrees with the parameters' seed %llu",
                             (unsigned long long)d->seed, (unsigned long long)world.seed);
    if (d->chunk_size_m != world.chunk_size_m)
        return tp__error_set(TP_ERR_CORRUPT,
                             "header chunk size %.17g m disagrees with the parameters' %.17g m",
                             d->chunk_size_m, world.chunk_size_m);
    if (d->samples_per_edge != world.samples_per_edge)
        return tp__error_set(TP_ERR_CORRUPT,
                             "header samples per edge %u disagree with the parameters' %u",
                             d->samples_per_edge, world.samples_per_edge);
    if (d->lod_count != tp_world_lod_count(&world))
        return tp__error_set(TP_ERR_CORRUPT,
                             "header LOD count %u disagrees with the parameters' %u",
                             d->lod_count, tp_world_lod_count(&world));
    if (d->height_min_m != TP_HEIGHT_MIN_M || d->height_step_m != TP_HEIGHT_STEP_M)
        return tp__error_set(TP_ERR_CORRUPT,
                             "height quantisation %.17g m + code x %.17g m is not the "
                             "generator's %.17g m + code x %.17g m",
                             d->height_min_m, d->height_step_m, TP_HEIGHT_MIN_M,
                             TP_HEIGHT_STEP_M);

    const tp_layer_desc *mesh = tp_file_desc_layer(d, TP_LAYER_MESH);
    tp_result r = tp_page_layout_init(&world, mesh ? TP_PAGE_MESHES : 0u, out_layout);
    if (r != TP_OK)
        return r;
    for (uint32_t i = 0; i < TP_PAGE_MAX_PARTS; i++) {
        const tp_layer_desc *have = tp_file_desc_layer(d, PARTS[i].layer_id);
        if (!have)
            continue;
        tp_layer_desc want = part_layer(out_layout, &PARTS[i]);
        if (have->elem_type != want.elem_type || have->lod_count != want.lod_count ||
            have->edge_lod0 != want.edge_lod0)
            return tp__error_set(TP_ERR_CORRUPT,
                                 "layer %s holds %s at %u LODs on a %u-sample grid; this "
                                 "world's pages have %s at %u LODs on %u samples",
                                 tp_layer_name(want.layer_id), tp_elem_type_name(have->elem_type),
                                 have->lod_count, have->edge_lod0,
                                 tp_elem_type_name(want.elem_type), want.lod_count,
                                 want.edge_lod0);
    }
    if (d->generator_version != TP_GENERATOR_VERSION) {
        out_layout->generator_version = d->generator_version;
        return tp__error_set(TP_ERR_UNSUPPORTED_VERSION,
                             "baked by generator version %u, this library generates version "
                             "%u (its generated pages would differ)",
                             d->generator_version, TP_GENERATOR_VERSION);
    }
    return TP_OK;
}

size_t tp_page_grid_bytes(const tp_page_layout *L, uint32_t lod)
{
    if (lod >= L->lod_count)
        return 0;
    return (size_t)L->edge[lod] * L->edge[lod] * GRID_BYTES_PER_SAMPLE;
}

size_t tp_page_climate_samples(const tp_page_layout *L)
{
    return (size_t)L->climate_edge * L->climate_edge;
}

size_t tp_page_mesh_capacity(const tp_page_layout *L, uint32_t lod)
{
    if (!(L->flags & TP_PAGE_MESHES) || lod >= L->lod_count)
        return 0;
    return tp_mesh_chunk_blob_bound(&L->world, lod);
}

size_t tp_page_scratch_size(const tp_page_layout *L, uint32_t lod)
{
    if (lod >= L->lod_count)
        return 0;
    /* A read loads a page's blobs with one read, so it needs room for all of them at
     * their largest accepted size: grids are stored raw when compression does not pay,
     * so their raw size; a mesh its encoder's bound. */
    size_t read = (size_t)L->edge[lod] * L->edge[lod] * GRID_BYTES_PER_SAMPLE +
                  2u * tp_page_climate_samples(L) * sizeof(uint16_t);
    size_t mesh = tp_page_mesh_capacity(L, lod);
    if (mesh)
        read += tp_blob_encode_bound(mesh);
    size_t build = (L->flags & TP_PAGE_MESHES) ? tp_mesh_chunk_blob_scratch_size(&L->world, lod)
                                               : 0;
    return read > build ? read : build;
}

uint32_t tp_page_parts(const tp_page_layout *L, uint32_t lod, const tp_page *page,
                       tp_page_part out_parts[TP_PAGE_MAX_PARTS])
{
    void *buffers[TP_PAGE_MAX_PARTS] = {page->heights, page->biomes, page->temperature_cc,
                                        page->precipitation_mm, page->mesh};
    uint32_t n = 0;
    for (uint32_t i = 0; i < TP_PAGE_MAX_PARTS; i++) {
        const struct part_spec *p = &PARTS[i];
        if (!buffers[i] || !part_in_layout(L, p))
            continue;
        tp_page_part *out = &out_parts[n++];
        out->layer_id = p->layer_id;
        out->elem_type = p->elem_type;
        out->stored_lod = p->grid == GRID_CLIMATE ? 0u : lod;
        out->edge = p->grid == GRID_LOD ? L->edge[lod] : p->grid == GRID_CLIMATE ? L->climate_edge : 0;
        out->data = buffers[i];
        out->bytes = p->grid == GRID_NONE
                         ? (page->mesh_size ? page->mesh_size : tp_page_mesh_capacity(L, lod))
                         : (size_t)out->edge * out->edge * tp_elem_size(p->elem_type);
    }
    return n;
}

tp_chunk_bounds tp_page_bounds(const tp_page_layout *L, uint32_t lod, const uint16_t *heights)
{
    uint16_t lo = UINT16_MAX, hi = 0;
    for (size_t k = 0, n = (size_t)L->edge[lod] * L->edge[lod]; k < n; k++) {
        lo = heights[k] < lo ? heights[k] : lo;
        hi = heights[k] > hi ? heights[k] : hi;
    }
    tp_chunk_bounds b;
    b.height_min_code = lo;
    b.height_max_code = hi;
    /* Heights are exact multiples of the step, so this comparison is exact. */
    b.flags = TP_HEIGHT_MIN_M + hi * TP_HEIGHT_STEP_M < L->world.sea_level_m ? TP_CHUNK_ALL_OCEAN
                                                                             : 0u;
    return b;
}
