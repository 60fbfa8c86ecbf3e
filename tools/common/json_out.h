/* json_out.h — the tools' --json reports: built as jansson values, written in one layout.
 *
 *   json_t *report = json_object();
 *   json_object_set_new(report, "file", tpt_json_text(path));
 *   json_object_set_new(report, "seed", tpt_json_u64(seed));
 *   json_object_set_new(report, "ratio", tpt_json_real(ratio, 4));   // 4 decimals
 *   if (!tpt_json_write(stdout, report, TPT_JSON_LINES)) ...        // takes `report`
 *
 * Members are written in the order they were added. Numbers: integers as they are;
 * reals rounded to the decimals each report has always given them and written with at
 * most 15 significant digits (so 0.1 stays "0.1"), with ".0" when whole, as jansson
 * marks a real; infinities and NaN, which JSON cannot hold, become null. Strings are
 * UTF-8; text that is not (a file name in another encoding) has its non-ASCII bytes
 * replaced by '?'.
 *
 * Layouts (the values are the same; only white space differs):
 *  - TPT_JSON_ONE_LINE: the whole document on one line, ", " and ": " between items;
 *  - TPT_JSON_LINES: an object's members one a line, and the elements of a member that
 *    is an array of objects or arrays one a line too; everything deeper on its line.
 *
 * Thread rules: jansson values are not shared between threads here; any thread may
 * build and write its own.
 */
#ifndef TPT_JSON_OUT_H
#define TPT_JSON_OUT_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

typedef enum tpt_json_layout {
    TPT_JSON_ONE_LINE = 0,
    TPT_JSON_LINES,
} tpt_json_layout;

/*! tpt_json_text() : @return a new string value of `s`, or null for NULL. */
json_t *tpt_json_text(const char *s);

/*! tpt_json_u64() : @return a new integer; above INT64_MAX (which jansson's integers
 *  cannot hold) the decimal digits as a string. */
json_t *tpt_json_u64(uint64_t v);

/*! tpt_json_real() : @return a new real of `v` rounded to `decimals` places (0 … 9), or
 *  null when `v` is not finite. */
json_t *tpt_json_real(double v, int decimals);

/*! tpt_json_number() : `v` as it is, for figures that are whole in the usual case (a
 *  chunk size, a tick rate): @return a new integer when `v` is a whole number within
 *  ±2^53, else a real (null when not finite). */
json_t *tpt_json_number(double v);

/*! tpt_json_write() :
 *  Writes `root` and a newline to `out` in `layout`, and releases `root` (NULL is
 *  accepted and fails: a report that could not be built). @return false on a write or
 *  encoding error. */
bool tpt_json_write(FILE *out, json_t *root, tpt_json_layout layout);

#endif /* TPT_JSON_OUT_H */
