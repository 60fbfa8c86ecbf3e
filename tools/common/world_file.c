/* world_file.c — reading and writing world files (world_file.h).
 *
 * libyaml loads the file into a node tree whose every node carries its line and column;
 * the tables below say which keys exist, what type each takes and where it goes. Scalars
 * are typed by their text, as YAML's core schema does: a plain scalar is a number or a
 * boolean, a quoted one is a string, so `seed: "42"` is a wrong type rather than a guess.
 *
 * The writer prints the file itself rather than through libyaml's emitter, because the
 * emitter cannot write comments and a documented file is the point of `terrapage init`.
 * It writes only keys, numbers and booleans, each read back exactly (the tests parse what
 * it writes).
 */
#include "world_file.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "cli_options.h"
#include "input_file.h"
#include "terrapage/baker.h"
#include "terrapage/pagefile.h"

/* ---- the keys ---------------------------------------------------------------------- */

typedef enum key_type {
    KEY_VERSION,  /* terrapage_world */
    KEY_SECTION,  /* world, bake */
    KEY_SEED,
    KEY_SAMPLES,
    KEY_REAL,     /* a double of tp_world_params, with the library's range */
    KEY_REGION,
    KEY_BOOL,
    KEY_LEVEL,
} key_type;

typedef struct key_desc {
    const char *name;
    key_type type;
    size_t offset;        /* KEY_REAL: the field in tp_world_params */
    double def, min, max; /* KEY_REAL */
    const char *meaning;  /* the comment `terrapage init` writes */
} key_desc;

/* What each real parameter means, in the order of TP_WORLD_REAL_PARAM_MAP. */
static const char *const k_real_meanings[] = {
    "edge of one chunk",
    "height of the sea",
    "horizontal size of all landforms (2 = twice as wide)",
    "height of the highest ranges above sea level",
    "depth of the deep ocean floor below sea level",
    "sea-level mean annual temperature at z = 0",
    "cooling per km towards +z (north)",
    "mean annual precipitation near coasts",
};

static const key_desc k_world_keys[] = {
    {"seed", KEY_SEED, 0, 0, 0, 0, "any number from 1 to 2^64 - 1, decimal or 0x hex"},
    {"samples_per_edge", KEY_SAMPLES, 0, 0, 0, 0,
     "height samples per chunk edge: 2^n + 1 from 9 to 1025"},
#define TP__REAL_KEY(field, d, lo, hi) \
    {#field, KEY_REAL, offsetof(tp_world_params, field), d, lo, hi, NULL},
    TP_WORLD_REAL_PARAM_MAP(TP__REAL_KEY)
#undef TP__REAL_KEY
};
#define WORLD_KEY_COUNT (sizeof k_world_keys / sizeof k_world_keys[0])
#define REAL_KEY_FIRST 2u
_Static_assert(WORLD_KEY_COUNT - REAL_KEY_FIRST ==
                   sizeof k_real_meanings / sizeof k_real_meanings[0],
               "one meaning per real world parameter");

static const key_desc k_bake_keys[] = {
    {"region_chunks", KEY_REGION, 0, 0, 0, 0,
     "chunks to bake, half-open: x0 <= x < x1, z0 <= z < z1"},
    {"meshes", KEY_BOOL, 0, 0, 0, 0, "false leaves out the mesh layer (grids only)"},
    {"compression_level", KEY_LEVEL, 0, 0, 0, 0,
     "1 to 12 LZ4HC (smaller, slower bake), -1 to -64 fast LZ4"},
};
#define BAKE_KEY_COUNT (sizeof k_bake_keys / sizeof k_bake_keys[0])

static const key_desc k_top_keys[] = {
    {"terrapage_world", KEY_VERSION, 0, 0, 0, 0, NULL},
    {"world", KEY_SECTION, 0, 0, 0, 0, NULL},
    {"bake", KEY_SECTION, 0, 0, 0, 0, NULL},
};
#define TOP_KEY_COUNT (sizeof k_top_keys / sizeof k_top_keys[0])

static const char *const k_region_keys[] = {"x0", "z0", "x1", "z1"};

/* The most keys one mapping has (walk_mapping keeps one slot per key). */
#define MAX_SECTION_KEYS 16
_Static_assert(WORLD_KEY_COUNT <= MAX_SECTION_KEYS && BAKE_KEY_COUNT <= MAX_SECTION_KEYS &&
                   TOP_KEY_COUNT <= MAX_SECTION_KEYS,
               "walk_mapping's slots hold every key of a section");

typedef struct section {
    const char *name; /* "" for the top level */
    const key_desc *keys;
    size_t count;
} section;

static const section k_sections[] = {
    {"", k_top_keys, TOP_KEY_COUNT},
    {"world", k_world_keys, WORLD_KEY_COUNT},
    {"bake", k_bake_keys, BAKE_KEY_COUNT},
};

void tpt_world_file_defaults(tpt_world_file *out)
{
    memset(out, 0, sizeof *out);
    tp_world_params_resolve(&out->world, &out->world);
    out->region = TPT_DEFAULT_REGION;
    out->meshes = true;
    out->compression_level = TP_DEFAULT_COMPRESSION_LEVEL;
}

static void format_real(double v, char *buf, size_t size);

/* ---- messages ---------------------------------------------------------------------- */

typedef struct parse_ctx {
    const char *name;
    yaml_document_t *doc;
    char *err;
    size_t err_size;
} parse_ctx;

/* "<name>:<line>:<column>: <key>: <problem>" ("<name>: …" without a mark); false. */
static bool fail_va(const parse_ctx *c, const yaml_mark_t *mark, const char *key,
                    const char *format, va_list ap)
{
    if (!c->err || c->err_size == 0)
        return false;
    int n;
    if (mark)
        n = snprintf(c->err, c->err_size, "%s:%zu:%zu: ", c->name, mark->line + 1,
                     mark->column + 1);
    else
        n = snprintf(c->err, c->err_size, "%s: ", c->name);
    if (n >= 0 && (size_t)n < c->err_size && key && *key) {
        int k = snprintf(c->err + n, c->err_size - (size_t)n, "%s: ", key);
        n = k < 0 ? n : n + k;
    }
    if (n >= 0 && (size_t)n < c->err_size)
        vsnprintf(c->err + n, c->err_size - (size_t)n, format, ap);
    return false;
}

static bool fail_at(const parse_ctx *c, const yaml_node_t *node, const char *key,
                    const char *format, ...) __attribute__((format(printf, 4, 5)));
static bool fail_mark(const parse_ctx *c, const yaml_mark_t *mark, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* At a node (NULL: the file as a whole), under its key path. */
static bool fail_at(const parse_ctx *c, const yaml_node_t *node, const char *key,
                    const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fail_va(c, node ? &node->start_mark : NULL, key, format, ap);
    va_end(ap);
    return false;
}

/* At a place the YAML parser names. */
static bool fail_mark(const parse_ctx *c, const yaml_mark_t *mark, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    fail_va(c, mark, NULL, format, ap);
    va_end(ap);
    return false;
}

/* A scalar's text for a message: quoted, cut short, control bytes shown as '?'. */
static void quote_scalar(const yaml_node_t *node, char *buf, size_t size)
{
    char text[48];
    size_t len = node->data.scalar.length, n = len < 40 ? len : 40;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = node->data.scalar.value[i];
        text[i] = ch < 0x20 || ch == 0x7f ? '?' : (char)ch;
    }
    text[n] = '\0';
    snprintf(buf, size, "\"%s%s\"", text, len > n ? "..." : "");
}

/* What a node is, for "expected X, got Y". */
static void describe_node(const yaml_node_t *node, char *buf, size_t size)
{
    char q[64];
    switch (node->type) {
    case YAML_MAPPING_NODE: snprintf(buf, size, "a mapping (key: value lines)"); return;
    case YAML_SEQUENCE_NODE: snprintf(buf, size, "a list"); return;
    case YAML_SCALAR_NODE:
        quote_scalar(node, q, sizeof q);
        if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE)
            snprintf(buf, size, "%s", q);
        else
            snprintf(buf, size, "the quoted string %s (write numbers and true/false "
                                "without quotes)", q);
        return;
    default: snprintf(buf, size, "nothing"); return;
    }
}

static bool fail_type(const parse_ctx *c, const yaml_node_t *node, const char *key,
                      const char *expected)
{
    char got[160];
    describe_node(node, got, sizeof got);
    return fail_at(c, node, key, "expected %s, got %s", expected, got);
}

/* ---- "did you mean" ---------------------------------------------------------------- */

/* Edit distance (insertions, deletions, substitutions) of two short keys. */
static size_t edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
    size_t row[65];
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diagonal = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diagonal + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diagonal = up;
        }
    }
    return row[lb];
}

/* The known key closest to `key` within a third of its length (at least 2 edits), in
 * its own section first, then in the others; NULL when none is that close. */
static const char *closest_key(const char *key, size_t len, const section *own,
                               const section **out_section)
{
    size_t limit = len / 3 > 2 ? len / 3 : 2;
    const char *best = NULL;
    size_t best_distance = SIZE_MAX;
    for (int pass = 0; pass < 2 && !best; pass++) {
        for (size_t s = 0; s < sizeof k_sections / sizeof k_sections[0]; s++) {
            const section *sec = &k_sections[s];
            if ((pass == 0) != (sec == own))
                continue;
            for (size_t i = 0; i < sec->count; i++) {
                const char *name = sec->keys[i].name;
                size_t d = edit_distance(key, len, name, strlen(name));
                if (d <= limit && d < best_distance) {
                    best = name;
                    best_distance = d;
                    *out_section = sec;
                }
            }
        }
    }
    return best;
}

static bool fail_unknown_key(const parse_ctx *c, const yaml_node_t *key_node, const char *path,
                             const section *own)
{
    char q[64];
    quote_scalar(key_node, q, sizeof q);
    const section *where = own;
    const char *guess = closest_key((const char *)key_node->data.scalar.value,
                                    key_node->data.scalar.length, own, &where);
    if (guess && where == own)
        return fail_at(c, key_node, path, "unknown key %s; did you mean '%s'?", q, guess);
    if (guess && !*where->name)
        return fail_at(c, key_node, path, "unknown key %s; did you mean '%s' (at the top "
                                          "level, not inside a section)?", q, guess);
    if (guess)
        return fail_at(c, key_node, path, "unknown key %s; did you mean '%s.%s' (it goes "
                                          "under %s:)?", q, where->name, guess, where->name);
    char list[512];
    size_t n = 0;
    list[0] = '\0';
    for (size_t i = 0; i < own->count && n < sizeof list; i++)
        n += (size_t)snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "",
                              own->keys[i].name);
    return fail_at(c, key_node, path, "unknown key %s (the keys here are: %s)", q, list);
}

/* ---- scalars ----------------------------------------------------------------------- */

/* The text of a plain scalar that is to be a number or boolean, NUL-terminated in buf;
 * false (reported) for any other node or an empty value. */
static bool plain_text(const parse_ctx *c, const yaml_node_t *node, const char *key,
                       const char *expected, char *buf, size_t size)
{
    if (node->type != YAML_SCALAR_NODE || node->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return fail_type(c, node, key, expected);
    size_t len = node->data.scalar.length;
    const char *text = (const char *)node->data.scalar.value;
    if (len == 0 || (len == 1 && text[0] == '~') || (len == 4 && memcmp(text, "null", 4) == 0))
        return fail_at(c, node, key, "has no value (expected %s)", expected);
    if (len >= size || memchr(text, '\0', len))
        return fail_type(c, node, key, expected);
    memcpy(buf, text, len);
    buf[len] = '\0';
    return true;
}

static bool take_int(const parse_ctx *c, const yaml_node_t *node, const char *key,
                     int64_t min, int64_t max, int64_t *out)
{
    char text[64], problem[192], expected[96];
    snprintf(expected, sizeof expected, "an integer from %" PRId64 " to %" PRId64, min, max);
    if (!plain_text(c, node, key, expected, text, sizeof text))
        return false;
    if (!tpt_parse_int64(text, min, max, out, problem, sizeof problem))
        return fail_at(c, node, key, "%s", problem);
    return true;
}

static bool take_real(const parse_ctx *c, const yaml_node_t *node, const key_desc *k,
                      const char *key, double *out)
{
    char text[64], problem[192], expected[96];
    snprintf(expected, sizeof expected, "a number from %g to %g", k->min, k->max);
    if (!plain_text(c, node, key, expected, text, sizeof text))
        return false;
    double v;
    if (!tpt_parse_double(text, k->min, k->max, &v, problem, sizeof problem))
        return fail_at(c, node, key, "%s", problem);
    /* tp_world_params reads 0 as "the default": a 0 that is in range cannot be stored. */
    if (v == 0.0 && k->def != 0.0)
        return fail_at(c, node, key, "0 cannot be given: the world parameters read 0 as "
                                     "the default (%g); use a value near 0, e.g. 0.001",
                       k->def);
    *out = v;
    return true;
}

static bool take_bool(const parse_ctx *c, const yaml_node_t *node, const char *key, bool *out)
{
    char text[16];
    if (!plain_text(c, node, key, "true or false", text, sizeof text))
        return false;
    if (strcmp(text, "true") == 0 || strcmp(text, "false") == 0) {
        *out = text[0] == 't';
        return true;
    }
    return fail_type(c, node, key, "true or false");
}

static bool take_seed(const parse_ctx *c, const yaml_node_t *node, const char *key,
                      uint64_t *out)
{
    char text[64], problem[192];
    const char *expected = "a seed from 1 to 2^64 - 1 (decimal, or hexadecimal with 0x)";
    if (!plain_text(c, node, key, expected, text, sizeof text))
        return false;
    if (!tpt_parse_seed(text, out, problem, sizeof problem))
        return fail_at(c, node, key, "%s", problem);
    if (*out == 0)
        return fail_at(c, node, key, "0 cannot be given: the world parameters read seed 0 "
                                     "as the default (%u); give that or any other seed",
                       TP_WORLD_DEFAULT_SEED);
    return true;
}

static bool take_samples(const parse_ctx *c, const yaml_node_t *node, const char *key,
                         uint32_t *out)
{
    int64_t v;
    if (!take_int(c, node, key, TP_WORLD_MIN_SAMPLES_PER_EDGE, TP_WORLD_MAX_SAMPLES_PER_EDGE,
                  &v))
        return false;
    if (!tp_is_pow2_plus_one((uint32_t)v))
        return fail_at(c, node, key, "%" PRId64 " is not 2^n + 1 (9, 17, 33, 65, 129, 257, "
                                     "513 or 1025)", v);
    *out = (uint32_t)v;
    return true;
}

/* ---- mappings ---------------------------------------------------------------------- */

/* A key of a mapping: a scalar whose text is the name (a NUL inside is no known key). */
static bool key_is(const yaml_node_t *key, const char *name)
{
    size_t len = strlen(name);
    return key->type == YAML_SCALAR_NODE && key->data.scalar.length == len &&
           memcmp(key->data.scalar.value, name, len) == 0;
}

/* Walks a mapping's pairs: the key node, its value node and the key's index in `names`
 * (a key given twice is reported here). */
typedef bool (*pair_fn)(const parse_ctx *c, void *user, size_t index, const char *path,
                        const yaml_node_t *value);

static bool walk_mapping(const parse_ctx *c, const yaml_node_t *map, const char *path,
                         const section *sec, const char *const *names, size_t count,
                         pair_fn take, void *user)
{
    if (map->type != YAML_MAPPING_NODE)
        return fail_type(c, map, path, "a mapping (key: value lines)");
    const yaml_node_t *seen[MAX_SECTION_KEYS] = {0};
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *key = yaml_document_get_node(c->doc, p->key);
        const yaml_node_t *value = yaml_document_get_node(c->doc, p->value);
        if (!key || !value)
            return fail_at(c, map, path, "a damaged mapping");
        if (key->type != YAML_SCALAR_NODE)
            return fail_type(c, key, path, "a key name");
        size_t index = count;
        for (size_t i = 0; i < count; i++)
            if (key_is(key, names[i]))
                index = i;
        char key_path[128];
        if (index == count) {
            if (sec)
                return fail_unknown_key(c, key, path, sec);
            char q[64];
            quote_scalar(key, q, sizeof q);
            return fail_at(c, key, path, "unknown key %s (expected x0, z0, x1 and z1)", q);
        }
        /* Paths are at most "bake.region_chunks.x0": never cut short. */
        int n = snprintf(key_path, sizeof key_path, "%s%s%s", path, *path ? "." : "",
                         names[index]);
        if (n < 0 || (size_t)n >= sizeof key_path)
            return fail_at(c, key, path, "nested too deep");
        if (seen[index])
            return fail_at(c, key, key_path, "given twice (first on line %zu)",
                           seen[index]->start_mark.line + 1);
        seen[index] = key;
        if (!take(c, user, index, key_path, value))
            return false;
    }
    return true;
}

/* Key names of a section, for walk_mapping(). */
static void section_names(const section *sec, const char **names)
{
    for (size_t i = 0; i < sec->count; i++)
        names[i] = sec->keys[i].name;
}

typedef struct region_parse {
    int64_t v[4];
    bool have[4];
} region_parse;

static bool take_region_pair(const parse_ctx *c, void *user, size_t index, const char *path,
                             const yaml_node_t *value)
{
    region_parse *r = user;
    r->have[index] = true;
    /* x0 and z0 are chunk indices; x1 and z1 are one past the last, so may be 2^31. */
    int64_t max = index < 2 ? INT32_MAX : (int64_t)INT32_MAX + 1;
    return take_int(c, value, path, INT32_MIN, max, &r->v[index]);
}

static bool take_region(const parse_ctx *c, const yaml_node_t *node, const char *path,
                        tpt_region *out)
{
    region_parse r = {0};
    if (!walk_mapping(c, node, path, NULL, k_region_keys, 4, take_region_pair, &r))
        return false;
    for (int i = 0; i < 4; i++)
        if (!r.have[i])
            return fail_at(c, node, path, "missing %s (a region is {x0: X0, z0: Z0, x1: X1, "
                                          "z1: Z1} in chunks)", k_region_keys[i]);
    if (r.v[2] <= r.v[0] || r.v[3] <= r.v[1])
        return fail_at(c, node, path, "empty region: x1 must be greater than x0 and z1 "
                                      "greater than z0 (x1 and z1 are exclusive)");
    *out = (tpt_region){(int32_t)r.v[0], (int32_t)r.v[1], r.v[2], r.v[3]};
    return true;
}

static bool take_world_pair(const parse_ctx *c, void *user, size_t index, const char *path,
                            const yaml_node_t *value)
{
    tp_world_params *w = user;
    const key_desc *k = &k_world_keys[index];
    switch (k->type) {
    case KEY_SEED: return take_seed(c, value, path, &w->seed);
    case KEY_SAMPLES: return take_samples(c, value, path, &w->samples_per_edge);
    case KEY_REAL: return take_real(c, value, k, path, (double *)((char *)w + k->offset));
    default: return false;
    }
}

static bool take_bake_pair(const parse_ctx *c, void *user, size_t index, const char *path,
                           const yaml_node_t *value)
{
    tpt_world_file *wf = user;
    int64_t level;
    switch (k_bake_keys[index].type) {
    case KEY_REGION: return take_region(c, value, path, &wf->region);
    case KEY_BOOL: return take_bool(c, value, path, &wf->meshes);
    case KEY_LEVEL:
        if (!take_int(c, value, path, TPT_MIN_COMPRESSION_LEVEL, TP_MAX_COMPRESSION_LEVEL,
                      &level))
            return false;
        wf->compression_level = level == 0 ? TP_DEFAULT_COMPRESSION_LEVEL : (int)level;
        return true;
    default: return false;
    }
}

static bool take_top_pair(const parse_ctx *c, void *user, size_t index, const char *path,
                          const yaml_node_t *value)
{
    tpt_world_file *wf = user;
    const char *names[MAX_SECTION_KEYS];
    int64_t version;
    switch (index) {
    case 0:
        if (!take_int(c, value, path, 1, INT32_MAX, &version))
            return false;
        if (version > TPT_WORLD_FILE_VERSION)
            return fail_at(c, value, path, "version %" PRId64 " is newer than this terrapage "
                                           "reads (%d); update terrapage",
                           version, TPT_WORLD_FILE_VERSION);
        return true;
    case 1:
        section_names(&k_sections[1], names);
        return walk_mapping(c, value, path, &k_sections[1], names, WORLD_KEY_COUNT,
                            take_world_pair, &wf->world);
    case 2:
        section_names(&k_sections[2], names);
        return walk_mapping(c, value, path, &k_sections[2], names, BAKE_KEY_COUNT,
                            take_bake_pair, wf);
    default: return false;
    }
}

/* ---- the document ------------------------------------------------------------------ */

static bool parse_document(const parse_ctx *c, tpt_world_file *wf)
{
    const yaml_node_t *root = yaml_document_get_root_node(c->doc);
    if (!root)
        return fail_at(c, NULL, NULL, "the file holds no world (it is empty; 'terrapage "
                                      "init' writes a documented default)");
    const char *names[MAX_SECTION_KEYS];
    section_names(&k_sections[0], names);
    /* The generator's fields are gathered unresolved, so only the keys given are set
     * and the library's resolve supplies the rest. */
    tp_world_params given = {0};
    tpt_world_file parsed = *wf;
    parsed.world = given;
    if (!walk_mapping(c, root, "", &k_sections[0], names, TOP_KEY_COUNT, take_top_pair,
                      &parsed))
        return false;
    /* The keys were checked against the same limits; the library has the last word. */
    if (tp_world_params_resolve(&parsed.world, &parsed.world) != TP_OK)
        return fail_at(c, NULL, "world", "the parameters are not a valid world");
    *wf = parsed;
    return true;
}

static bool yaml_failure(const parse_ctx *c, const yaml_parser_t *parser)
{
    if (parser->error == YAML_MEMORY_ERROR)
        return fail_at(c, NULL, NULL, "out of memory reading the YAML");
    const yaml_mark_t *mark = parser->problem ? &parser->problem_mark : &parser->context_mark;
    return fail_mark(c, mark, "not valid YAML: %s%s%s",
                     parser->problem ? parser->problem : "a syntax error",
                     parser->context ? " " : "", parser->context ? parser->context : "");
}

/* libyaml's scanner spends time proportional to the nesting depth on every token, so a
 * megabyte of "[[[[…" would take hours to load. A world file nests three levels deep;
 * a first pass over the events (which reaches a deep opening within a few kilobytes)
 * refuses anything deeper than this, and more events than this, before the load. */
#define MAX_DEPTH 16
#define MAX_EVENTS 100000

static bool check_shape(const parse_ctx *c, const char *text, size_t size)
{
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return fail_at(c, NULL, NULL, "out of memory reading the YAML");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, size);
    bool ok = true, done = false;
    int depth = 0;
    for (unsigned events = 0; ok && !done; events++) {
        yaml_event_t event;
        if (!yaml_parser_parse(&parser, &event)) {
            ok = yaml_failure(c, &parser);
            break;
        }
        if (event.type == YAML_MAPPING_START_EVENT || event.type == YAML_SEQUENCE_START_EVENT)
            depth++;
        else if (event.type == YAML_MAPPING_END_EVENT || event.type == YAML_SEQUENCE_END_EVENT)
            depth--;
        done = event.type == YAML_STREAM_END_EVENT;
        if (depth > MAX_DEPTH)
            ok = fail_mark(c, &event.start_mark, "nested more than %d levels deep (a world "
                                                 "file needs 3)", MAX_DEPTH);
        else if (events >= MAX_EVENTS)
            ok = fail_mark(c, &event.start_mark, "more than %d YAML nodes; a world file is "
                                                 "a short text", MAX_EVENTS);
        yaml_event_delete(&event);
    }
    yaml_parser_delete(&parser);
    return ok;
}

bool tpt_world_file_parse(const char *text, size_t size, const char *name,
                          tpt_world_file *out, char *err, size_t err_size)
{
    parse_ctx c = {.name = name, .err = err, .err_size = err_size};
    if (!check_shape(&c, text, size))
        return false;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser))
        return fail_at(&c, NULL, NULL, "out of memory reading the YAML");
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, size);
    yaml_document_t doc, extra;
    bool ok = false;
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_failure(&c, &parser);
    } else {
        c.doc = &doc;
        tpt_world_file wf;
        tpt_world_file_defaults(&wf);
        ok = parse_document(&c, &wf);
        if (ok) {
            /* A second document ("---") would be silently ignored: refuse it. */
            if (!yaml_parser_load(&parser, &extra)) {
                ok = yaml_failure(&c, &parser);
            } else {
                const yaml_node_t *more = yaml_document_get_root_node(&extra);
                if (more)
                    ok = fail_at(&c, more, NULL, "a second YAML document; a world file "
                                                 "holds one");
                yaml_document_delete(&extra);
            }
        }
        if (ok)
            *out = wf;
        yaml_document_delete(&doc);
    }
    yaml_parser_delete(&parser);
    return ok;
}

bool tpt_world_file_load(const char *path, tpt_world_file *out, char *err, size_t err_size)
{
    FILE *f = tpt_input_open(path, err, err_size);
    if (!f)
        return false;
    char *text = malloc(TPT_WORLD_FILE_MAX_BYTES + 1);
    if (!text) {
        fclose(f);
        snprintf(err, err_size, "%s: out of memory", path);
        return false;
    }
    size_t size = fread(text, 1, TPT_WORLD_FILE_MAX_BYTES + 1, f);
    bool ok = false;
    if (ferror(f))
        snprintf(err, err_size, "%s: %s", path, strerror(errno));
    else if (size > TPT_WORLD_FILE_MAX_BYTES)
        snprintf(err, err_size, "%s: larger than %u bytes; a world file is a short text",
                 path, TPT_WORLD_FILE_MAX_BYTES);
    else
        ok = tpt_world_file_parse(text, size, path, out, err, err_size);
    free(text);
    fclose(f);
    return ok;
}

bool tpt_world_file_load_or_report(const char *command, const char *path,
                                   tpt_world_file *out)
{
    char err[1024];
    if (tpt_world_file_load(path, out, err, sizeof err))
        return true;
    fprintf(stderr, "%s: %s\n", command, err);
    return false;
}

bool tpt_world_params_same(const tp_world_params *here, const char *a_name,
                           const tp_world_params *there, const char *b_name, char *what,
                           size_t what_size)
{
    uint8_t a[TP_WORLD_PARAMS_BLOB_SIZE], b[TP_WORLD_PARAMS_BLOB_SIZE];
    tp_world_params_serialize(here, a);
    tp_world_params_serialize(there, b);
    if (memcmp(a, b, sizeof a) == 0)
        return true;
    if (here->seed != there->seed) {
        snprintf(what, what_size, "world.seed is %" PRIu64 " in %s and %" PRIu64 " in %s",
                 here->seed, a_name, there->seed, b_name);
    } else if (here->samples_per_edge != there->samples_per_edge) {
        snprintf(what, what_size, "world.samples_per_edge is %" PRIu32 " in %s and %" PRIu32
                                  " in %s", here->samples_per_edge, a_name,
                 there->samples_per_edge, b_name);
    } else {
        snprintf(what, what_size, "the generator's parameters differ");
        for (size_t i = REAL_KEY_FIRST; i < WORLD_KEY_COUNT; i++) {
            double x, y;
            memcpy(&x, (const char *)here + k_world_keys[i].offset, sizeof x);
            memcpy(&y, (const char *)there + k_world_keys[i].offset, sizeof y);
            if (memcmp(&x, &y, sizeof x) != 0) {
                char vx[32], vy[32];
                format_real(x, vx, sizeof vx);
                format_real(y, vy, sizeof vy);
                snprintf(what, what_size, "world.%s is %s in %s and %s in %s",
                         k_world_keys[i].name, vx, a_name, vy, b_name);
                break;
            }
        }
    }
    return false;
}

/* ---- writing ----------------------------------------------------------------------- */

/* The shortest decimal that reads back as exactly v; whole numbers without exponent. */
static void format_real(double v, char *buf, size_t size)
{
    if (v == floor(v) && fabs(v) < 1e15) {
        snprintf(buf, size, "%.0f", v);
        return;
    }
    for (int precision = 1; precision <= 17; precision++) {
        snprintf(buf, size, "%.*g", precision, v);
        if (strtod(buf, NULL) == v)
            return;
    }
}

/* One key: its comment on the line above, then "key: value". */
static void put_key(FILE *out, const char *key, const char *value, const char *comment)
{
    fprintf(out, "  # %s\n  %s: %s\n", comment, key, value);
}

bool tpt_world_file_write(FILE *out, const tpt_world_file *wf, const char *origin)
{
    const tp_world_params *w = &wf->world;
    char value[64], comment[256];
    fprintf(out, "# terrapage world file: every parameter of a world and of its bake.\n");
    if (origin)
        fprintf(out, "# It reproduces the page file %s:\n"
                     "#   terrapage bake --world THIS_FILE -o %s\n",
                origin, origin);
    else
        fprintf(out, "# Edit it, keep it in version control, and bake it with\n"
                     "#   terrapage bake --world world.yaml -o world.tpk\n");
    fprintf(out, "# Options given beside --world on the command line override the values\n"
                 "# here. Every key is optional: one left out takes its default. Units are\n"
                 "# in the key names (_m metres, _c degrees Celsius, _mm millimetres).\n"
                 "# Every key is described in terrapage's docs/world-file.md.\n\n"
                 "# The layout version of this file.\n"
                 "terrapage_world: %d\n\n", TPT_WORLD_FILE_VERSION);
    fprintf(out, "# The generator's parameters: changing any of them changes the terrain.\n"
                 "world:\n");
    snprintf(value, sizeof value, "%" PRIu64, w->seed);
    snprintf(comment, sizeof comment, "%s (default %u)", k_world_keys[0].meaning,
             TP_WORLD_DEFAULT_SEED);
    put_key(out, "seed", value, comment);
    snprintf(value, sizeof value, "%" PRIu32, w->samples_per_edge);
    snprintf(comment, sizeof comment, "%s (default %u)", k_world_keys[1].meaning,
             TP_WORLD_DEFAULT_SAMPLES_PER_EDGE);
    put_key(out, "samples_per_edge", value, comment);
    for (size_t i = REAL_KEY_FIRST; i < WORLD_KEY_COUNT; i++) {
        const key_desc *k = &k_world_keys[i];
        double v;
        memcpy(&v, (const char *)w + k->offset, sizeof v);
        format_real(v, value, sizeof value);
        snprintf(comment, sizeof comment, "%s: %g to %g%s (default %g)",
                 k_real_meanings[i - REAL_KEY_FIRST], k->min, k->max,
                 k->def != 0.0 && k->min < 0.0 && k->max > 0.0 ? ", not 0" : "", k->def);
        put_key(out, k->name, value, comment);
    }
    fprintf(out, "\n# What 'terrapage bake' writes of that world.\nbake:\n");
    const tpt_region *r = &wf->region;
    snprintf(value, sizeof value, "{x0: %" PRId32 ", z0: %" PRId32 ", x1: %" PRId64
                                  ", z1: %" PRId64 "}", r->x0, r->z0, r->x1, r->z1);
    put_key(out, "region_chunks", value, k_bake_keys[0].meaning);
    put_key(out, "meshes", wf->meshes ? "true" : "false", k_bake_keys[1].meaning);
    snprintf(value, sizeof value, "%d", wf->compression_level);
    if (origin)
        snprintf(comment, sizeof comment, "%s; page files do not record the level: this is "
                                          "the default", k_bake_keys[2].meaning);
    else
        snprintf(comment, sizeof comment, "%s (default %d)", k_bake_keys[2].meaning,
                 TP_DEFAULT_COMPRESSION_LEVEL);
    put_key(out, "compression_level", value, comment);
    fflush(out);
    return !ferror(out);
}
