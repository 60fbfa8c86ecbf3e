/* world_file.h — world files: the text file (YAML) a team keeps in version control that
 * holds every parameter of its world and of its bake. docs/world-file.md is the
 * reference of every key.
 *
 *   tpt_world_file wf;
 *   char err[1024];
 *   if (!tpt_world_file_load("world.yaml", &wf, err, sizeof err))
 *       fprintf(stderr, "terrapage bake: %s\n", err);  // "world.yaml:7:3: world.relief_m:
 *                                                      //  3000 is out of range (1 to 2400)"
 *   o.world = wf.world;                                // resolved parameters
 *
 * The YAML itself is parsed by libyaml, which gives the line and column of every key and
 * value; this file gives the keys their meaning. Every key is optional and takes its
 * default when left out; an unknown key, a key given twice, a wrong type or a value out
 * of range is an error naming the file, the line, the column and the key, with a "did
 * you mean" for a misspelt key and the allowed range for a value outside it. The limits
 * of the generator's parameters are the library's own (TP_WORLD_REAL_PARAM_MAP and
 * tp_world_params_resolve(), which has the last word), so there is one home for each.
 *
 * Layout, version 1:
 *   terrapage_world: 1        the layout version (optional; newer versions are refused)
 *   world:                    tp_world_params, one key per field, named as the field
 *   bake:                     region_chunks {x0, z0, x1, z1}, meshes, compression_level
 * Raster sources, when they come, get their own top-level list beside `world`; readers of
 * version 1 refuse files that have one (unknown key), so an old terrapage never bakes a
 * heightmap world as a procedural one.
 *
 * Thread rules: any thread; nothing here keeps global state.
 */
#ifndef TPT_WORLD_FILE_H
#define TPT_WORLD_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "region.h"
#include "terrapage/world.h"

/* The layout version this terrapage reads and writes. */
#define TPT_WORLD_FILE_VERSION 1

/* A world file is text a person edits: anything larger is refused unread. */
#define TPT_WORLD_FILE_MAX_BYTES (1u << 20)

/* The compression levels a bake accepts from the command line and from a world file
 * (0 selects TP_DEFAULT_COMPRESSION_LEVEL; the highest is TP_MAX_COMPRESSION_LEVEL). */
#define TPT_MIN_COMPRESSION_LEVEL (-64)

/* What a world file holds. */
typedef struct tpt_world_file {
    tp_world_params world;   /* resolved (tp_world_params_resolve) */
    tpt_region region;       /* the chunks a bake writes */
    bool meshes;             /* false: the bake leaves out the mesh layer */
    int compression_level;   /* as tp_bake_options.compression_level */
} tpt_world_file;

/*! tpt_world_file_defaults() : the default world, as `terrapage init` writes it. */
void tpt_world_file_defaults(tpt_world_file *out);

/*! tpt_world_file_parse() :
 *  Parses the world file `text` (`size` bytes) into *out; `name` is the file name that
 *  messages start with. @return true; false with "<name>:<line>:<column>: <key>:
 *  <problem>" (or "<name>: <problem>" when no place applies) in `err`, *out unchanged. */
bool tpt_world_file_parse(const char *text, size_t size, const char *name,
                          tpt_world_file *out, char *err, size_t err_size);

/*! tpt_world_file_load() :
 *  Reads `path` (a regular file of at most TPT_WORLD_FILE_MAX_BYTES) and parses it.
 *  @return as tpt_world_file_parse(); a file that cannot be read is named with why. */
bool tpt_world_file_load(const char *path, tpt_world_file *out, char *err, size_t err_size);

/*! tpt_world_file_load_or_report() :
 *  tpt_world_file_load(), printing "<command>: <problem>" to stderr on failure. */
bool tpt_world_file_load_or_report(const char *command, const char *path,
                                   tpt_world_file *out);

/*! tpt_world_params_same() :
 *  Compares two resolved worlds, `a` from `a_name` and `b` from `b_name`. @return true
 *  when they are the same world (equal canonical blobs); false with the first key that
 *  differs in `what`, e.g. "world.seed is 7 in world.yaml and 42 in world.tpk". */
bool tpt_world_params_same(const tp_world_params *a, const char *a_name,
                           const tp_world_params *b, const char *b_name, char *what,
                           size_t what_size);

/*! tpt_world_file_write() :
 *  Writes `wf` as a documented world file: every key with its value, unit, range and
 *  meaning in a comment. `origin` NULL writes the header of a fresh file (terrapage
 *  init); otherwise the header says the file reproduces the page file `origin`, and that
 *  page files do not record the compression level. Numbers are written so they read
 *  back exactly, so parsing the text gives `wf` again. @return false on a write error. */
bool tpt_world_file_write(FILE *out, const tpt_world_file *wf, const char *origin);

#endif /* TPT_WORLD_FILE_H */
