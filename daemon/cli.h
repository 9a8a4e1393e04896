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
    const char *config_path; /* explicit -c or $COFFEETRIAL_CONFIG, or NULL */
    struct ct_config *config;
    struct ct_store *store;
    bool quiet;
    int failed_exit; /* exit code after ct_cli_config() or ct_cli_store() returned NULL */
};

/*
 * A command: "roster import", "member pause". exec returns a sysexits code
 * and has printed its own errors to stderr with ct_cli_error().
 */
struct ct_cmd {
    const char *group;   /* "roster" */
    const char *name;    /* "import", or NULL for a group-level command ("outbox") */
    const char *args;    /* usage after the command words: "FILE|URL [--dry-run] [--merge]" */
    const char *summary; /* one line for --help */
    int (*exec)(struct ct_cli *cli, int argc, char **argv);
};

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

/* "coffeetrial: message" on stderr. */
void ct_cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ct_cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Print each diagnostic as "coffeetrial: FILE:LINE: message". */
void ct_cli_print_diags(const struct ct_diags *diags);

/* Print a struct ct_error and return its exit code. */
int ct_cli_fail(const struct ct_error *err);

/* Print "usage: coffeetrial GROUP NAME ARGS" and return EX_USAGE. */
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
extern const struct ct_cmd ct_cmds_report[];
extern const struct ct_cmd ct_cmds_simulate[];

#endif
