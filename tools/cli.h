/* cli.h — option parsing shared by every terrapage command.
 *
 *   enum { OPT_HELP = 1, OPT_REGION, OPT_OUTPUT };
 *   static const tp_cli_option options[] = {
 *       {"help", 'h', false, OPT_HELP},
 *       {"region", 0, true, OPT_REGION},
 *       {"output", 'o', true, OPT_OUTPUT},
 *       {0},
 *   };
 *   tp_cli cli;
 *   tp_cli_init(&cli, "terrapage preview", argc, argv);
 *   const char *value;
 *   for (int id; (id = tp_cli_next(&cli, options, &value)) != TP_CLI_END;) {
 *       switch (id) {
 *       case TP_CLI_ERROR: return TP_EXIT_USAGE;          // already reported
 *       case TP_CLI_POSITIONAL: input = value; break;
 *       case OPT_REGION:
 *           if (!tp_cli_region(&cli, value, &region)) return TP_EXIT_USAGE;
 *           break;
 *       ...
 *
 * Commands receive argv with argv[0] = the command's own name ("preview"), the way the
 * dispatcher in main.c passes them. Options take `--name value`, `--name=value`, `-o value`
 * and `-ovalue`; a value is taken verbatim even if it starts with '-', so negative
 * numbers and regions work (`--region -8,-8,8,8`). `--` ends the options.
 *
 * Every message goes to stderr as "<command>: <option>: <problem>" followed by a hint to
 * run --help, and the command exits with TP_EXIT_USAGE. The pure tp_parse_* functions
 * do the checking and only write the problem into a caller buffer, so tests can use them.
 * Nothing here keeps global state (unlike getopt), so commands can run in-process many
 * times, e.g. from the tests.
 */
#ifndef TP_TOOLS_CLI_H
#define TP_TOOLS_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

/* Exit statuses of every command. */
enum {
    TP_EXIT_OK = 0,
    TP_EXIT_FAILURE = 1, /* the work failed: a bad file, an I/O error, a failed check */
    TP_EXIT_USAGE = 2,   /* the command line was wrong */
};

typedef struct tp_cli_option {
    const char *name;  /* long name without the dashes; NULL ends the table */
    char short_name;   /* 0 for none */
    bool takes_value;
    int id;            /* > 0; returned by tp_cli_next() */
} tp_cli_option;

/* tp_cli_next() returns an option id, or one of these. */
enum {
    TP_CLI_END = 0,
    TP_CLI_POSITIONAL = -1, /* *out_value is the argument */
    TP_CLI_ERROR = -2,      /* unknown option or missing value; already reported */
};

typedef struct tp_cli {
    const char *command; /* "terrapage preview", the prefix of every message */
    int argc;
    char **argv;
    int index;           /* next argv element to look at */
    bool options_done;   /* after "--" */
    char option[64];     /* the option being handled, as written ("--lod", "-o") */
} tp_cli;

/*! tp_cli_init() : prepares to walk argv[1 .. argc−1]. */
void tp_cli_init(tp_cli *cli, const char *command, int argc, char **argv);

/*! tp_cli_next() :
 *  @return the id of the next option (its value, if it takes one, in *out_value),
 *  TP_CLI_POSITIONAL with the argument in *out_value, TP_CLI_END, or TP_CLI_ERROR after
 *  printing what was wrong. A flag given a value (`--json=1`) is an error. */
int tp_cli_next(tp_cli *cli, const tp_cli_option *options, const char **out_value);

/*! tp_cli_error() :
 *  Prints "<command>: <formatted message>" and the --help hint to stderr.
 *  @return TP_EXIT_USAGE, so a command can `return tp_cli_error(...)`. */
int tp_cli_error(const tp_cli *cli, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Option-value helpers: parse `value` for the current option, or print
 * "<command>: <option>: <problem>" and return false. */
bool tp_cli_int(tp_cli *cli, const char *value, int64_t min, int64_t max, int64_t *out);
bool tp_cli_double(tp_cli *cli, const char *value, double min, double max, double *out);
bool tp_cli_seed(tp_cli *cli, const char *value, uint64_t *out);
bool tp_cli_region(tp_cli *cli, const char *value, tp_region *out);
/* `value` must be one of the NULL-terminated `choices`; *out is its index. */
bool tp_cli_choice(tp_cli *cli, const char *value, const char *const *choices, int *out);

/* Pure parsers. On failure they write the problem ("expected …, got "abc"") into err
 * (always NUL-terminated when err_size > 0) and leave *out unchanged. */
bool tp_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out, char *err,
                    size_t err_size);
/* Finite decimal or scientific notation only: "nan" and "inf" are rejected. */
bool tp_parse_double(const char *text, double min, double max, double *out, char *err,
                     size_t err_size);
/* A 64-bit seed in decimal or 0x-prefixed hexadecimal. */
bool tp_parse_seed(const char *text, uint64_t *out, char *err, size_t err_size);
/* "X0,Z0,X1,Z1" in chunks, half-open (see region.h): X1 > X0 and Z1 > Z0. */
bool tp_parse_region(const char *text, tp_region *out, char *err, size_t err_size);

#endif /* TP_TOOLS_CLI_H */
