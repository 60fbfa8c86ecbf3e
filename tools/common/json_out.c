/* json_out.c — jansson values for the tools' reports, and the writer of both layouts. */
#include "json_out.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Significant digits of a real: enough for every figure the reports round, few enough
 * that decimal fractions print as written ("%.17g" would print 0.1 as 0.1000…01). */
#define REAL_DIGITS 15
#define DUMP_FLAGS (JSON_ENCODE_ANY | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(REAL_DIGITS))

json_t *tpt_json_text(const char *s)
{
    if (!s)
        return json_null();
    json_t *v = json_string(s);
    if (v)
        return v;
    /* Not UTF-8: keep the ASCII, which is what a reader can still recognise. */
    size_t n = strlen(s);
    char *copy = malloc(n + 1);
    if (!copy)
        return NULL;
    memcpy(copy, s, n + 1);
    for (char *p = copy; *p; p++)
        if ((unsigned char)*p >= 0x80)
            *p = '?';
    v = json_string(copy);
    free(copy);
    return v;
}

json_t *tpt_json_u64(uint64_t v)
{
    if (v <= (uint64_t)INT64_MAX)
        return json_integer((json_int_t)v);
    char digits[24];
    snprintf(digits, sizeof digits, "%" PRIu64, v);
    return json_string(digits);
}

json_t *tpt_json_real(double v, int decimals)
{
    if (!isfinite(v))
        return json_null();
    static const double scale[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9};
    const int d = decimals < 0 ? 0 : decimals > 9 ? 9 : decimals;
    /* Beyond 1e15 a double has no fractional digits left to round. */
    if (fabs(v) < 1e15)
        v = round(v * scale[d]) / scale[d];
    return json_real(v == 0.0 ? 0.0 : v); /* no "-0.0" */
}

json_t *tpt_json_number(double v)
{
    const double exact_integers = 9007199254740992.0; /* 2^53 */
    if (isfinite(v) && v == floor(v) && fabs(v) <= exact_integers)
        return json_integer((json_int_t)v);
    return isfinite(v) ? json_real(v) : json_null();
}

static bool write_inline(FILE *out, const json_t *value)
{
    return json_dumpf(value, out, DUMP_FLAGS) == 0;
}

static bool write_key(FILE *out, const char *key)
{
    json_t *k = json_string(key);
    bool ok = k && write_inline(out, k);
    json_decref(k);
    return ok && fputs(": ", out) >= 0;
}

/* True for an array that holds an object or an array: written one element a line. */
static bool is_array_of_containers(const json_t *value)
{
    size_t i;
    const json_t *element;
    if (!json_is_array(value))
        return false;
    json_array_foreach(value, i, element)
        if (json_is_object(element) || json_is_array(element))
            return true;
    return false;
}

static bool write_member_value(FILE *out, const json_t *value)
{
    if (!is_array_of_containers(value))
        return write_inline(out, value);
    bool ok = fputs("[", out) >= 0;
    size_t i;
    const json_t *element;
    json_array_foreach(value, i, element) {
        ok = ok && fputs(i ? ",\n    " : "\n    ", out) >= 0;
        ok = ok && write_inline(out, element);
    }
    return ok && fputs("\n  ]", out) >= 0;
}

static bool write_lines(FILE *out, const json_t *root)
{
    bool ok = fputs("{", out) >= 0;
    const char *key;
    const json_t *value;
    size_t n = 0;
    json_object_foreach((json_t *)root, key, value) {
        ok = ok && fputs(n++ ? ",\n  " : "\n  ", out) >= 0;
        ok = ok && write_key(out, key) && write_member_value(out, value);
    }
    return ok && fputs(n ? "\n}" : "}", out) >= 0;
}

bool tpt_json_write(FILE *out, json_t *root, tpt_json_layout layout)
{
    if (!root)
        return false;
    bool ok = layout == TPT_JSON_LINES && json_is_object(root) ? write_lines(out, root)
                                                                : write_inline(out, root);
    ok = ok && fputc('\n', out) != EOF;
    json_decref(root);
    return ok && !ferror(out);
}
