/* cli_options.h — option parsing shared by every terrapage command.
 *
 *   enum { OPT_HELP = 1, OPT_REGION, OPT_OUTPUT };
 *   static const tpt_cli_option options[] = {
 *       {"help", 'h', false, OPT_HELP},
 *       {"region", 0, true, OPT_REGION},
 *       {"output", 'o', true, OPT_OUTPUT},
 *       {0},
 *   };
 *   tpt_cli cli;
 *   tpt_cli_init(&cli, "terrapage preview", argc, argv);
 *   const char *value;
 *   for (int id; (id = tpt_cli_next(&cli, options, &value)) != TPT_CLI_END;) {
 *       switch (id) {
 *       case TPT_CLI_ERROR: return TPT_EXIT_USAGE;          // already reported
 *       case TPT_CLI_POSITIONAL: input = value; break;
 *       case OPT_REGION:
 *           if (!tpt_cli_region(&cli, value, &region)) return TPT_EXIT_USAGE;
 *           break;
 *       ...
 *
 * Commands receive argv with argv[0] = the command's own name ("preview"), the way the
 * dispatcher in main.c passes them. Options take `--name value`, `--name=value`, `-o value`
 * and `-ovalue`; a value is taken verbatim even if it starts with '-', so negative
 * numbers and regions work (`--region -8,-8,8,8`). `--` ends the options.
 *
 * Every message goes to stderr as "<command>: <option>: <problem>" followed by a hint to
 * run --help, and the command exits with TPT_EXIT_USAGE. The pure tpt_parse_* functions
 * do the checking and only write the problem into a caller buffer, so tests can use them.
 * Nothing here keeps global state (unlike getopt), so commands can run in-process many
 * times, e.g. from the tests.
 */
#ifndef TPT_CLI_OPTIONS_H
#define TPT_CLI_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "region.h"

/* Exit statuses of every command. */
enum {
    TPT_EXIT_OK = 0,
    TPT_EXIT_FAILURE = 1, /* the work failed: a bad file, an I/O error, a failed check */
    TPT_EXIT_USAGE = 2,   /* the command line was wrong */
};

/* Not an exit status: what a command's option parser returns when the command should go
 * on to its work. Any other value is the status to exit with at once (the help was
 * printed, or the command line was wrong and that was reported). */
#define TPT_CLI_PROCEED (-1)

typedef struct tpt_cli_option {
    const char *name;  /* long name without the dashes; NULL ends the table */
    char short_name;   /* 0 for none */
    bool takes_value;
    int id;            /* > 0; returned by tpt_cli_next() */
} tpt_cli_option;

/* tpt_cli_next() returns an option id, or one of these. */
enum {
    TPT_CLI_END = 0,
    TPT_CLI_POSITIONAL = -1, /* *out_value is the argument */
    TPT_CLI_ERROR = -2,      /* unknown option or missing value; already reported */
};

typedef struct tpt_cli {
    const char *command; /* "terrapage preview", the prefix of every message */
    int argc;
    char **argv;
    int index;           /* next argv element to look at */
    bool options_done;   /* after "--" */
    char option[64];     /* the option being handled, as written ("--lod", "-o") */
} tpt_cli;

/*! tpt_cli_init() : prepares to walk argv[1 .. argc−1]. */
void tpt_cli_init(tpt_cli *cli, const char *command, int argc, char **argv);

/*! tpt_cli_next() :
 *  @return the id of the next option (its value, if it takes one, in *out_value),
 *  TPT_CLI_POSITIONAL with the argument in *out_value, TPT_CLI_END, or TPT_CLI_ERROR after
 *  printing what was wrong. A flag given a value (`--json=1`) is an error. */
int tpt_cli_next(tpt_cli *cli, const tpt_cli_option *options, const char **out_value);

/*! tpt_cli_prescan() :
 *  Walks the whole command line once before the options are taken, for an option that
 *  sets the defaults the others then override (--world FILE): *out_value receives the
 *  value of the last option `id` (NULL when absent) and *out_help whether option
 *  `help_id` is present. Values are not checked here. @return false after reporting an
 *  unknown option or a missing value, as tpt_cli_next() does (the walk that follows
 *  would meet the same problem first, so it is reported once). */
bool tpt_cli_prescan(const char *command, int argc, char **argv,
                     const tpt_cli_option *options, int id, int help_id,
                     const char **out_value, bool *out_help);

/*! tpt_cli_error() :
 *  Prints "<command>: <formatted message>" and the --help hint to stderr.
 *  @return TPT_EXIT_USAGE, so a command can `return tpt_cli_error(...)`. */
int tpt_cli_error(const tpt_cli *cli, const char *format, ...)
    __attribute__((format(printf, 2, 3)));

/* Option-value helpers: parse `value` for the current option, or print
 * "<command>: <option>: <problem>" and return false. */
bool tpt_cli_int(tpt_cli *cli, const char *value, int64_t min, int64_t max, int64_t *out);
bool tpt_cli_double(tpt_cli *cli, const char *value, double min, double max, double *out);
bool tpt_cli_seed(tpt_cli *cli, const char *value, uint64_t *out);
bool tpt_cli_region(tpt_cli *cli, const char *value, tpt_region *out);
/* `value` must be one of the NULL-terminated `choices`; *out is its index. */
bool tpt_cli_choice(tpt_cli *cli, const char *value, const char *const *choices, int *out);

/* Pure parsers. On failure they write the problem ("expected …, got "abc"") into err
 * (always NUL-terminated when err_size > 0) and leave *out unchanged. */
bool tpt_parse_int64(const char *text, int64_t min, int64_t max, int64_t *out, char *err,
                    size_t err_size);
/* Finite decimal or scientific notation only: "nan" and "inf" are rejected. */
bool tpt_parse_double(const char *text, double min, double max, double *out, char *err,
                     size_t err_size);
/* A 64-bit seed in decimal or 0x-prefixed hexadecimal. */
bool tpt_parse_seed(const char *text, uint64_t *out, char *err, size_t err_size);
/* "X0,Z0,X1,Z1" in chunks, half-open (see region.h): X1 > X0 and Z1 > Z0. */
bool tpt_parse_region(const char *text, tpt_region *out, char *err, size_t err_size);

#endif /* TPT_CLI_OPTIONS_H */
