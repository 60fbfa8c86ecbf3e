/* cmd_export.c — `terrapage export`: PNG maps of baked data, through the same renderer as
 * `terrapage preview`, so the same region gives byte-identical files. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "image_cmd.h"
#include "mesh_fetch.h"
#include "render.h"
#include "worldfile.h"

enum { OPT_FALLBACK = IMAGE_OPT_USER };

static void print_help(void)
{
    printf("usage: terrapage export FILE.tpk [options]\n"
           "\n"
           "Renders a map of baked data from a page file. The renderer is the one\n"
           "'terrapage preview' uses, so exporting a region of a baked world and previewing\n"
           "the same region of the same world give byte-identical PNG files.\n"
           "\n"
           "Options:\n"
           "      --fallback        generate chunks the file does not hold (outside the\n"
           "                        baked region, or absent from a sparse file) with the\n"
           "                        generator, as the runtime would; without it a missing\n"
           "                        chunk is an error that names it. Corrupt data is always\n"
           "                        an error.\n"
           "\n"
           "  --layer wireframe     the chunk meshes' triangle edges over the hillshade, one\n"
           "                        colour per LOD (0 red, 1 orange, 2 yellow, 3 white,\n"
           "                        4 cyan, 5 blue, then magenta); with --lod K every chunk\n"
           "                        shows LOD K, otherwise the LOD grows with the distance\n"
           "                        from the region's centre, so seams between LODs show.\n"
           "                        The picture is at the finest LOD that fits 2049 pixels.\n"
           "                        Needs the mesh layer (or --fallback).\n");
    tp_image_print_option_help(stdout, "STEM-LAYER.png, e.g. world-hillshade.png",
                               "the whole baked region");
    printf("\n"
           "Examples:\n"
           "  terrapage export world.tpk\n"
           "  terrapage export world.tpk --layer height --lod 0 -o heights.png\n"
           "  terrapage export world.tpk --layer biome --region -8,-8,8,8 -o biomes.png\n"
           "  terrapage export world.tpk --layer wireframe --region -4,-4,4,4 -o mesh.png\n");
}

/* Checks that the file stores what the layer needs at the LOD asked for. */
static bool check_layers(const char *command, const char *path, const tp_file_desc *desc,
                         const tp_image_args *args, uint32_t lod)
{
    uint32_t needed[2];
    int n = 0;
    switch (args->layer) {
    case TP_RENDER_HEIGHT: needed[n++] = TP_LAYER_HEIGHT; break;
    case TP_RENDER_BIOME: needed[n++] = TP_LAYER_BIOME; break;
    case TP_RENDER_TEMPERATURE: needed[n++] = TP_LAYER_TEMPERATURE; break;
    case TP_RENDER_PRECIPITATION: needed[n++] = TP_LAYER_PRECIPITATION; break;
    case TP_RENDER_HILLSHADE:
        needed[n++] = TP_LAYER_HEIGHT;
        if (!args->gray)
            needed[n++] = TP_LAYER_BIOME;
        break;
    case TP_RENDER_LAYER_COUNT: break;
    }
    for (int i = 0; i < n; i++) {
        char name[32];
        const tp_layer_desc *ld = tp_worldfile_layer(desc, needed[i]);
        tp_worldfile_layer_name(needed[i], name, sizeof name);
        if (!ld) {
            fprintf(stderr, "%s: %s: the file has no %s layer\n", command, path, name);
            return false;
        }
        bool per_lod = needed[i] == TP_LAYER_HEIGHT || needed[i] == TP_LAYER_BIOME;
        if (per_lod && lod >= ld->lod_count) {
            fprintf(stderr, "%s: %s: the %s layer stores LODs 0 to %" PRIu32 ", not %" PRIu32 "\n",
                    command, path, name, ld->lod_count - 1, lod);
            return false;
        }
    }
    return true;
}

/* "maps/world.tpk" → "world-hillshade.png", written to the current directory. */
static void default_output(const char *path, tp_render_layer layer, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 4 && strcmp(base + len - 4, ".tpk") == 0)
        len -= 4;
    if (len == 0 || len > 200) {
        base = "world";
        len = 5;
    }
    snprintf(buf, size, "%.*s-%s.png", (int)len, base, tp_render_layer_names[layer]);
}

/* ---- wireframe ---------------------------------------------------------------------- */

static const uint8_t lod_colours[7][3] = {{230, 40, 40},  {255, 140, 0}, {250, 230, 0},
                                          {255, 255, 255}, {0, 220, 230}, {40, 90, 255},
                                          {230, 40, 230}};

static void plot(tp_render_image *img, int64_t x, int64_t y, const uint8_t rgb[3])
{
    if (x < 0 || y < 0 || x >= img->png.width || y >= img->png.height)
        return;
    uint8_t *p = (uint8_t *)img->pixels + ((size_t)y * img->png.width + (size_t)x) * 3;
    memcpy(p, rgb, 3);
}

/* Bresenham between two pixel centres. */
static void line(tp_render_image *img, int64_t x0, int64_t y0, int64_t x1, int64_t y1,
                 const uint8_t rgb[3])
{
    int64_t dx = x1 > x0 ? x1 - x0 : x0 - x1, dy = y1 > y0 ? y0 - y1 : y1 - y0;
    int64_t sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, e = dx + dy;
    for (;;) {
        plot(img, x0, y0, rgb);
        if (x0 == x1 && y0 == y1)
            return;
        int64_t e2 = 2 * e;
        if (e2 >= dy)
            e += dy, x0 += sx;
        if (e2 <= dx)
            e += dx, y0 += sy;
    }
}

/* Draws every chunk's surface edges onto a tinted hillshade of the region at image LOD
 * `image_lod`. The mesh LOD is `fixed_lod`, or grows by one per ring of chunks around
 * the centre (rings as wide as the region allows for all LODs to appear). */
static int export_wireframe(const char *command, const char *path, const tp_reader *reader,
                            const tp_world_params *world, const tp_region *region,
                            int64_t fixed_lod, uint32_t image_lod, bool fallback,
                            const char *output, bool quiet)
{
    tp_reader_source rs;
    tp_reader_source_init(&rs, reader, world, fallback);
    tp_field_source source = tp_reader_source_fields(&rs);
    tp_render_options opt = {.layer = TP_RENDER_HILLSHADE, .region = *region, .lod = image_lod};
    tp_render_image img;
    char err[512];
    if (tp_render(&source, &opt, &img, err, sizeof err) != TP_OK) {
        fprintf(stderr, "%s: %s: %s\n", command, path, err);
        return TP_EXIT_FAILURE;
    }
    const uint32_t lods = tp_world_lod_count(world);
    const uint32_t step = tp_world_lod_edge(world, image_lod) - 1;
    const int64_t w = tp_region_width(region), h = tp_region_height(region);
    const double centre_x = (w - 1) / 2.0, centre_z = (h - 1) / 2.0;
    const double half = (w > h ? w : h) / 2.0;
    const double ring = half / lods > 1.0 ? half / lods : 1.0;
    uint64_t triangles[TP_MAX_LODS] = {0}, chunks[TP_MAX_LODS] = {0};
    int status = TP_EXIT_OK;
    for (int64_t iz = 0; iz < h && status == TP_EXIT_OK; iz++)
        for (int64_t ix = 0; ix < w; ix++) {
            double dx = ix - centre_x, dz = iz - centre_z;
            double d = (dx < 0 ? -dx : dx) > (dz < 0 ? -dz : dz) ? (dx < 0 ? -dx : dx) : (dz < 0 ? -dz : dz);
            uint32_t lod = fixed_lod >= 0 ? (uint32_t)fixed_lod : (uint32_t)(d / ring);
            lod = lod < lods ? lod : lods - 1;
            int32_t cx = (int32_t)(region->x0 + ix), cz = (int32_t)(region->z0 + iz);
            tp_tool_mesh m;
            tp_worldfile_clear_detail();
            tp_result r = tp_tool_mesh_load(reader, world, cx, cz, lod, fallback, &m);
            if (r != TP_OK) {
                char problem[640];
                tp_worldfile_problem(r, path, problem, sizeof problem);
                fprintf(stderr, "%s: %s: mesh of chunk (%d, %d) LOD %u: %s%s\n", command, path, cx,
                        cz, lod, problem, r == TP_ERR_NOT_FOUND ? " (--fallback builds it)" : "");
                status = TP_EXIT_FAILURE;
                break;
            }
            /* Chunk-local 0 … 32768 → image pixels; row 0 is the north (largest z). */
            const double scale = (double)step / TP_MESH_XZ_EXTENT;
            const tp_mesh_vertex *v = m.mesh.vertices;
            for (uint32_t t = 0; t < m.mesh.skirt_index_start; t += 3)
                for (int k = 0; k < 3; k++) {
                    const tp_mesh_vertex *a = &v[m.mesh.indices[t + (uint32_t)k]];
                    const tp_mesh_vertex *b = &v[m.mesh.indices[t + (uint32_t)(k + 1) % 3]];
                    int64_t ax = ix * step + (int64_t)(a->x * scale + 0.5);
                    int64_t bx = ix * step + (int64_t)(b->x * scale + 0.5);
                    int64_t ay = (int64_t)img.png.height - 1 - (iz * step + (int64_t)(a->z * scale + 0.5));
                    int64_t by = (int64_t)img.png.height - 1 - (iz * step + (int64_t)(b->z * scale + 0.5));
                    line(&img, ax, ay, bx, by, lod_colours[lod < 7 ? lod : 6]);
                }
            triangles[lod] += m.mesh.skirt_index_start / 3;
            chunks[lod]++;
            tp_tool_mesh_free(&m);
        }
    if (status == TP_EXIT_OK && tp_png_write(output, &img.png, err, sizeof err) != TP_OK) {
        fprintf(stderr, "%s: %s\n", command, err);
        status = TP_EXIT_FAILURE;
    }
    if (status == TP_EXIT_OK && !quiet) {
        printf("wrote %s: wireframe, %" PRIu32 " x %" PRIu32 " pixels (image LOD %" PRIu32 ")\n",
               output, img.png.width, img.png.height, image_lod);
        for (uint32_t lod = 0; lod < lods; lod++)
            if (chunks[lod])
                printf("  LOD %" PRIu32 ": %" PRIu64 " chunks, %.1f triangles per chunk\n", lod,
                       chunks[lod], (double)triangles[lod] / (double)chunks[lod]);
    }
    tp_render_image_free(&img);
    return status;
}

int tp_cmd_export(int argc, char **argv)
{
    static const tp_cli_option options[] = {
        TP_IMAGE_OPTIONS,
        {"fallback", 0, false, OPT_FALLBACK},
        {0},
    };
    tp_cli cli;
    tp_cli_init(&cli, "terrapage export", argc, argv);
    tp_image_args args;
    tp_image_args_init(&args);
    const char *path = NULL;
    bool fallback = false, wireframe = false;
    const char *value;
    for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
        if (id == TP_CLI_ERROR)
            return TP_EXIT_USAGE;
        if (id == TP_CLI_POSITIONAL) {
            if (path)
                return tp_cli_error(&cli, "one page file at a time (got '%s' and '%s')", path,
                                    value);
            path = value;
            continue;
        }
        if (id == OPT_FALLBACK) {
            fallback = true;
            continue;
        }
        if (id == IMAGE_OPT_LAYER && strcmp(value, "wireframe") == 0) {
            wireframe = true;
            args.layer = TP_RENDER_HILLSHADE;
            continue;
        }
        if (tp_image_option(&cli, &args, id, value) < 0)
            return TP_EXIT_USAGE;
    }
    if (args.help) {
        print_help();
        return TP_EXIT_OK;
    }
    if (!path)
        return tp_cli_error(&cli, "which page file? (e.g. terrapage export world.tpk)");

    tp_reader *reader;
    if (!tp_worldfile_open(cli.command, path, &reader))
        return TP_EXIT_FAILURE;
    const tp_file_desc *desc = tp_reader_desc(reader);
    int status = TP_EXIT_FAILURE;
    tp_world_params world;
    if (!tp_worldfile_world(cli.command, path, desc, &world))
        goto done;
    if (fallback && desc->generator_version != TP_GENERATOR_VERSION) {
        fprintf(stderr,
                "%s: %s: --fallback needs the generator the file was baked with (version %" PRIu32
                ", this build has %u)\n",
                cli.command, path, desc->generator_version, (unsigned)TP_GENERATOR_VERSION);
        goto done;
    }

    tp_region baked = tp_worldfile_region(desc);
    tp_region region = args.have_region ? args.region : baked;
    if (!fallback && !tp_region_contains(&baked, &region)) {
        char want[96], have[96];
        tp_region_format(&region, want, sizeof want);
        tp_region_format(&baked, have, sizeof have);
        fprintf(stderr,
                "%s: %s: region %s reaches outside the baked region %s; use --fallback to "
                "generate the chunks the file does not hold\n",
                cli.command, path, want, have);
        goto done;
    }
    if (wireframe) {
        if (args.lod >= (int64_t)tp_world_lod_count(&world)) {
            fprintf(stderr, "%s: %s: --lod %lld is out of range (0 to %u)\n", cli.command, path,
                    (long long)args.lod, tp_world_lod_count(&world) - 1);
            goto done;
        }
        if (!fallback && !tp_tool_mesh_has_layer(desc, args.lod >= 0 ? (uint32_t)args.lod : 0)) {
            fprintf(stderr, "%s: %s: the file has no mesh layer; --fallback builds the meshes "
                            "with the generator\n", cli.command, path);
            goto done;
        }
        uint32_t image_lod = tp_render_auto_lod(&world, &region, TP_IMAGE_AUTO_MAX_SIDE);
        if (!check_layers(cli.command, path, desc, &args, image_lod))
            goto done;
        char name[256];
        if (!args.output)
            default_output(path, TP_RENDER_HILLSHADE, name, sizeof name);
        if (!args.output) {
            char *dash = strrchr(name, '-');
            if (dash)
                snprintf(dash, sizeof name - (size_t)(dash - name), "-wireframe.png");
        }
        status = export_wireframe(cli.command, path, reader, &world, &region, args.lod, image_lod,
                                  fallback, args.output ? args.output : name, args.quiet);
        goto done;
    }
    uint32_t lod = args.lod >= 0 ? (uint32_t)args.lod
                                 : tp_render_auto_lod(&world, &region, TP_IMAGE_AUTO_MAX_SIDE);
    if (args.lod < 0)
        args.lod = lod; /* fix the choice so the checks and the render agree */
    if (lod < tp_world_lod_count(&world) && !check_layers(cli.command, path, desc, &args, lod))
        goto done;

    char output[256];
    if (!args.output)
        default_output(path, args.layer, output, sizeof output);
    tp_reader_source rs;
    tp_reader_source_init(&rs, reader, &world, fallback);
    tp_field_source source = tp_reader_source_fields(&rs);
    char prefix[512];
    snprintf(prefix, sizeof prefix, "%s: ", path);
    status = tp_image_run(cli.command, prefix, &source, &args, &region,
                          args.output ? args.output : output);
    uint64_t generated = atomic_load(&rs.generated);
    if (status == TP_EXIT_OK && generated && !args.quiet)
        printf("  %" PRIu64 " blobs were not in the file and were generated (--fallback)\n",
               generated);
done:
    tp_reader_close(reader);
    return status;
}
