/*
 * cli.h: what the coffeetrial command files share: the context a command
 * runs in (config and store, opened on first use) and the command table
 * entry each file exports, in the manner of tmux's cmd-*.c.
 */
#ifndef CT_CLI_H
#define CT_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "ct.h"
#include "config.h"
#include "store.h"

struct ct_cli {
    const char *config_path;   /* explicit -c or $COFFEETRIAL_CONFIG, or NULL */
    const char *config_option; /* the -c FILE given, or NULL (for the commands we print) */
    char self[1024];           /* ct_cli_self()'s text */
    struct ct_config *config;
    struct ct_store *store;
    bool quiet;
    int failed_exit; /* exit code after ct_cli_config() or ct_cli_store() returned NULL */
};

/*
 * One option of a command, as tmux's cmd_entry args template carries it:
 * --name (and -letter if letter is set), taking an argument named arg in
 * help, or a flag when arg is NULL. A long option may be shortened to any
 * unique prefix, as getopt_long allows.
 */
struct ct_cli_option {
    const char *name; /* "date" for --date */
    char letter;      /* 'v' for -v, or 0 */
    const char *arg;  /* "YYYY-MM-DD", or NULL for a flag */
    const char *help; /* one line for --help */
};

#define CT_CLI_MAX_OPTIONS 8

/*
 * A command: "roster import", "member pause", with its grammar. The generic
 * parser (ct_cli_parse) checks the options, the --format value and the
 * operand count, so exec only sees well-formed arguments; it returns a
 * sysexits code and has printed its own errors with ct_cli_error().
 */
struct ct_args;
struct ct_cmd {
    const char *group;   /* "roster" (NULL only for the global options) */
    const char *name;    /* "import", or NULL for a group-level command ("outbox") */
    const char *args;    /* usage after the command words: "[FILE|URL] [--dry-run] [--merge]" */
    const char *summary; /* one line for help */
    struct ct_cli_option options[CT_CLI_MAX_OPTIONS]; /* ended by a NULL name */
    int min_operands, max_operands;                   /* operand count; max -1: no limit */
    /* What --format (-f) accepts, "text|json", the first the default; NULL: no --format. */
    const char *formats;
    bool options_first; /* options end at the first operand (global options) */
    int (*exec)(struct ct_cli *cli, const struct ct_args *args);
};

/* The options and operands of one command line, filled by ct_cli_parse. */
struct ct_args {
    const struct ct_cmd *cmd;
    /* Per option of cmd->options: its argument, "" for a flag, NULL if absent. */
    const char *values[CT_CLI_MAX_OPTIONS];
    const char *format;      /* --format's value, else the first of cmd->formats */
    char **operands;         /* borrowed from argv */
    int count;               /* how many operands */
    bool help;               /* --help (or -h) was given: print help, run nothing */
    char default_format[16]; /* where format points when --format was not given */
};

/*
 * Parse argv (the words after the command's name) against cmd's grammar.
 * The last of repeated options wins; options and operands may come in any
 * order; "--" ends the options. Returns EX_OK (OUT: *args) or EX_USAGE
 * after printing why, with "did you mean" for an option one or two edits
 * from a real one, and the usage line.
 */
int ct_cli_parse(const struct ct_cmd *cmd, int argc, char **argv, struct ct_args *args);

/* The argument of option name ("" for a flag), or NULL if it was not given. */
const char *ct_args_get(const struct ct_args *args, const char *name);

/* Whether option name was given. */
bool ct_args_has(const struct ct_args *args, const char *name);

/*
 * The names among candidates (n of them) that word is likely a typo of:
 * the closest within two edits (ct_edit_distance, and fewer edits than
 * word has letters), else the one name word is a prefix of. Written to out
 * as "'Pa'" or "'Pa' or 'Pb'" with P = prefix ("--" for options); false
 * (out empty) when nothing is close.
 */
bool ct_cli_suggest(const char *word, const char *const *candidates, size_t n, const char *prefix,
                    char *out, size_t size);

/*
 * Print first, then text wrapped at 80 columns, continuation lines
 * indented by indent; a [bracketed group] is never split.
 */
void ct_cli_wrap(FILE *f, const char *first, size_t indent, const char *text);

/* The usage line(s) of cmd, "usage: coffeetrial GROUP NAME ARGS", to f. */
void ct_cli_print_usage(FILE *f, const struct ct_cmd *cmd, const char *lead);

/* Everything about one command: usage, summary, options; within 80 columns. */
void ct_cli_print_help(FILE *f, const struct ct_cmd *cmd);

/*
 * Load the config once: the -c file, else $COFFEETRIAL_CONFIG, else the
 * default path if it exists, else the embedded defaults. Problems are
 * printed as FILE:LINE: message. NULL (after printing) if it is invalid.
 */
struct ct_config *ct_cli_config(struct ct_cli *cli);

/*
 * Open the store named by the config once; NULL after printing why, with
 * cli->failed_exit set (78 for a database written by a newer coffeetrial).
 */
struct ct_store *ct_cli_store(struct ct_cli *cli);

/*
 * ct_cli_store() for a command that only reads: a database this user or
 * mount cannot write opens read-only instead of failing with "read-only".
 */
struct ct_store *ct_cli_store_read(struct ct_cli *cli);

/* "coffeetrial: message" on stderr. */
void ct_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ct_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print each diagnostic as "coffeetrial: FILE:LINE: message". */
void ct_cli_print_diags(const struct ct_diags *diags);

/* Print a struct ct_error and return its exit code. */
int ct_cli_fail(const struct ct_error *err);

/*
 * Print a struct ct_error and return its exit code, as ct_cli_fail(); an
 * unknown member e-mail (CT_ENOTFOUND naming one of emails[0..n)) gets the
 * closest roster address: "no member with e-mail ana@a.og (did you mean
 * ana@a.org?)".
 */
int ct_cli_fail_member(struct ct_cli *cli, const struct ct_error *err, const char *const *emails,
                       size_t n);

/*
 * How to run coffeetrial again as this command was run, for the next
 * commands we suggest: "coffeetrial", or "coffeetrial -c FILE" (FILE
 * shell-quoted when it needs it). Borrowed from cli.
 */
const char *ct_cli_self(struct ct_cli *cli);

/* Print "usage: coffeetrial GROUP NAME ARGS" to stderr and return EX_USAGE. */
int ct_cli_usage(const struct ct_cmd *cmd);

/* Write s as a JSON string literal (with quotes) to f. */
void ct_cli_json_string(FILE *f, const char *s);

/*
 * Write a rendered report (report, simulate) to path, atomically and
 * readable by owner and group only, or to standard output if path is NULL.
 * Says where a file went, as an absolute path, on standard error:
 * organisers look for it, scripts read standard output. Returns a sysexits
 * code, having printed any error.
 */
struct ct_buf;
int ct_cli_write_report(const struct ct_buf *text, const char *path);

/* The command tables each cmd-*.c file exports, ended by an all-NULL entry. */
extern const struct ct_cmd ct_cmds_config[];
extern const struct ct_cmd ct_cmds_roster[];
extern const struct ct_cmd ct_cmds_member[];
extern const struct ct_cmd ct_cmds_exclude[];
extern const struct ct_cmd ct_cmds_outbox[];
extern const struct ct_cmd ct_cmds_round[];
extern const struct ct_cmd ct_cmds_outcome[];
extern const struct ct_cmd ct_cmds_outcome_record[];
extern const struct ct_cmd ct_cmds_rc[];
extern const struct ct_cmd ct_cmds_report[];
extern const struct ct_cmd ct_cmds_simulate[];
extern const struct ct_cmd ct_cmds_backup[];
extern const struct ct_cmd ct_cmds_web[];

/* "round rematch ID [--dry-run]" (cmd-rematch.c), in the round table. */
int ct_cmd_round_rematch(struct ct_cli *cli, const struct ct_args *args);

#endif
