/* cli_options.c — option walking and value parsing for the terrapage commands. */
#include "cli_options.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- messages ---------------------------------------------------------------------- */

static void set_err(char *err, size_t err_size, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t err_size, const char *format, ...)
{
    if (!err || err_size == 0)
        return;
    va_list ap;
    va_start(ap, format);
    vsnprintf(err, err_size, format, ap);
    va_end(ap);
}

/* Quotes user text for a message, cut short so a pasted megabyte stays readable. */
static void quote(const char *text, char *buf, size_t buf_size)
{
    size_t n = strlen(text);
    if (n > 40)
        snprintf(buf, buf_size, "\"%.40s...\"", text);
    else
        snprintf(buf, buf_size, "\"%s\"", text);
}

static void print_hint(const tpt_cli *cli)
{
    fprintf(stderr, "Run '%s --help' for usage.\n", cli->command);
}

int tpt_cli_error(const tpt_cli *cli, const char *format, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", cli->command);
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fputc('\n', stderr);
    print_hint(cli);
    return TPT_EXIT_USAGE;
}

static bool option_error(const tpt_cli *cli, const char *problem)
{
    fprintf(stderr, "%s: %s: %s\n", cli->command, cli->option, problem);
    print_hint(cli);
    return false;
}

/* ---- pure parsers ------------------------------------------------------------------ */

/* strtoll/strtod accept leading blanks and stop anywhere; these wrappers insist that the
 * whole text is one number, so "12abc" and "" are errors rather than 12 and 0. */
static bool whole_int64(const char *text, const char **end_out, int64_t *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(text, &end, 10);
    if (end == text || errno == ERANGE)
        return false;
    *out = (int64_t)v;
    *end_out = end;
    return true;
}

bool tpt_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out, char *err,
                    size_t err_size)
{
    char q[64];
    quote(text, q, sizeof q);
    int64_t v;
    const char *end;
    if (!whole_int64(text, &end, &v) || *end != '\0' || isspace((unsigned char)text[0])) {
        set_err(err, err_size, "expected an integer from %" PRId64 " to %" PRId64 ", got %s",
                min, max, q);
        return false;
    }
    if (v < min || v > max) {
        set_err(err, err_size, "%" PRId64 " is out of range (%" PRId64 " to %" PRId64 ")", v,
                min, max);
        return false;
    }
    *out = v;
    return true;
}

bool tpt_parse_double(const char *text, double min, double max, double *out, char *err,
                     size_t err_size)
{
    char q[64];
    quote(text, q, sizeof q);
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || *end != '\0' || isspace((unsigned char)text[0]) || !isfinite(v) ||
        errno == ERANGE) {
        set_err(err, err_size, "expected a number from %g to %g, got %s", min, max, q);
        return false;
    }
    if (v < min || v > max) {
        set_err(err, err_size, "%g is out of range (%g to %g)", v, min, max);
        return false;
    }
    *out = v;
    return true;
}

bool tpt_parse_seed(const char *text, uint64_t *out, char *err, size_t err_size)
{
    char q[64];
    quote(text, q, sizeof q);
    /* strtoull accepts a sign and wraps "-1" to 2^64 − 1; a seed is a plain number. */
    const char *digits = text;
    int base = 10;
    if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
        digits = text + 2;
        base = 16;
    }
    bool ok = digits[0] != '\0';
    for (const char *p = digits; ok && *p; p++)
        ok = base == 16 ? isxdigit((unsigned char)*p) : isdigit((unsigned char)*p);
    if (ok) {
        char *end;
        errno = 0;
        unsigned long long v = strtoull(digits, &end, base);
        if (errno != ERANGE && *end == '\0') {
            *out = (uint64_t)v;
            return true;
        }
        set_err(err, err_size, "%s does not fit in 64 bits", q);
        return false;
    }
    set_err(err, err_size, "expected a seed (decimal, or hexadecimal with 0x), got %s", q);
    return false;
}

bool tpt_parse_region(const char *text, tpt_region *out, char *err, size_t err_size)
{
    char q[64];
    quote(text, q, sizeof q);
    int64_t v[4];
    const char *p = text;
    for (int i = 0; i < 4; i++) {
        while (*p == ' ')
            p++;
        const char *end;
        if (!whole_int64(p, &end, &v[i]))
            goto syntax;
        if (v[i] < INT32_MIN || v[i] > INT32_MAX) {
            set_err(err, err_size, "%" PRId64 " is not a chunk coordinate (%" PRId32
                                   " to %" PRId32 ") in %s",
                    v[i], INT32_MIN, INT32_MAX, q);
            return false;
        }
        p = end;
        while (*p == ' ')
            p++;
        if (i < 3) {
            if (*p != ',')
                goto syntax;
            p++;
        }
    }
    if (*p != '\0')
        goto syntax;
    if (v[2] <= v[0] || v[3] <= v[1]) {
        set_err(err, err_size,
                "empty region %s: X1 must be greater than X0 and Z1 greater than Z0 "
                "(X1 and Z1 are exclusive)",
                q);
        return false;
    }
    *out = (tpt_region){(int32_t)v[0], (int32_t)v[1], (int32_t)v[2], (int32_t)v[3]};
    return true;
syntax:
    set_err(err, err_size, "expected X0,Z0,X1,Z1 (chunk coordinates), got %s", q);
    return false;
}

/* ---- option walking ---------------------------------------------------------------- */

void tpt_cli_init(tpt_cli *cli, const char *command, int argc, char **argv)
{
    memset(cli, 0, sizeof *cli);
    cli->command = command;
    cli->argc = argc;
    cli->argv = argv;
    cli->index = 1;
}

int tpt_cli_next(tpt_cli *cli, const tpt_cli_option *options, const char **out_value)
{
    *out_value = NULL;
    if (cli->index >= cli->argc)
        return TPT_CLI_END;
    const char *arg = cli->argv[cli->index++];

    /* "-" alone is an ordinary argument (conventionally stdin/stdout). */
    if (cli->options_done || arg[0] != '-' || arg[1] == '\0') {
        *out_value = arg;
        return TPT_CLI_POSITIONAL;
    }
    if (strcmp(arg, "--") == 0) {
        cli->options_done = true;
        return tpt_cli_next(cli, options, out_value);
    }

    const tpt_cli_option *found = NULL;
    const char *inline_value = NULL;
    if (arg[1] == '-') {
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        snprintf(cli->option, sizeof cli->option, "--%.*s", (int)(len < 40 ? len : 40), name);
        for (const tpt_cli_option *o = options; o->name; o++)
            if (strlen(o->name) == len && strncmp(o->name, name, len) == 0)
                found = o;
        if (found && eq)
            inline_value = eq + 1;
    } else {
        snprintf(cli->option, sizeof cli->option, "-%c", arg[1]);
        for (const tpt_cli_option *o = options; o->name; o++)
            if (o->short_name && o->short_name == arg[1])
                found = o;
        if (found && arg[2] != '\0') {
            if (!found->takes_value) {
                /* Bundled flags (-qj) are not supported: say so rather than guess. */
                tpt_cli_error(cli, "unknown option '%s'", arg);
                return TPT_CLI_ERROR;
            }
            inline_value = arg + 2;
        }
    }
    if (!found) {
        char q[64];
        quote(arg, q, sizeof q);
        tpt_cli_error(cli, "unknown option %s", q);
        return TPT_CLI_ERROR;
    }
    if (!found->takes_value) {
        if (inline_value) {
            tpt_cli_error(cli, "%s takes no value", cli->option);
            return TPT_CLI_ERROR;
        }
        return found->id;
    }
    if (!inline_value) {
        if (cli->index >= cli->argc) {
            tpt_cli_error(cli, "%s needs a value", cli->option);
            return TPT_CLI_ERROR;
        }
        inline_value = cli->argv[cli->index++];
    }
    *out_value = inline_value;
    return found->id;
}

bool tpt_cli_prescan(const char *command, int argc, char **argv,
                     const tpt_cli_option *options, int id, int help_id,
                     const char **out_value, bool *out_help)
{
    tpt_cli cli;
    tpt_cli_init(&cli, command, argc, argv);
    *out_value = NULL;
    *out_help = false;
    const char *value;
    for (int got; (got = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
        if (got == TPT_CLI_ERROR)
            return false;
        if (got == id)
            *out_value = value;
        else if (got == help_id)
            *out_help = true;
    }
    return true;
}

/* ---- option-value helpers ---------------------------------------------------------- */

bool tpt_cli_int(tpt_cli *cli, const char *value, int64_t min, int64_t max, int64_t *out)
{
    char err[160];
    return tpt_parse_int64(value, min, max, out, err, sizeof err) || option_error(cli, err);
}

bool tpt_cli_double(tpt_cli *cli, const char *value, double min, double max, double *out)
{
    char err[160];
    return tpt_parse_double(value, min, max, out, err, sizeof err) || option_error(cli, err);
}

bool tpt_cli_seed(tpt_cli *cli, const char *value, uint64_t *out)
{
    char err[160];
    return tpt_parse_seed(value, out, err, sizeof err) || option_error(cli, err);
}

bool tpt_cli_region(tpt_cli *cli, const char *value, tpt_region *out)
{
    char err[200];
    return tpt_parse_region(value, out, err, sizeof err) || option_error(cli, err);
}

bool tpt_cli_choice(tpt_cli *cli, const char *value, const char *const *choices, int *out)
{
    for (int i = 0; choices[i]; i++) {
        if (strcmp(value, choices[i]) == 0) {
            *out = i;
            return true;
        }
    }
    char msg[256], q[64];
    quote(value, q, sizeof q);
    size_t n = (size_t)snprintf(msg, sizeof msg, "expected ");
    for (int i = 0; choices[i] && n < sizeof msg; i++)
        n += (size_t)snprintf(msg + n, sizeof msg - n, "%s%s", i ? "|" : "", choices[i]);
    if (n < sizeof msg)
        snprintf(msg + n, sizeof msg - n, ", got %s", q);
    return option_error(cli, msg);
}
