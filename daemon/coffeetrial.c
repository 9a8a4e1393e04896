/*
 * coffeetrial.c: the organiser's and operator's command-line tool. Parses
 * the global options, finds the command in the tables the cmd-*.c files
 * export, parses its arguments by its grammar and runs it; "help" and
 * "did you mean" come from the same tables. Exit codes follow sysexits.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config_path.h"
#include "net.h"
#include "util.h"

static const struct ct_cmd *const cmd_tables[] = {
    ct_cmds_config, ct_cmds_roster, ct_cmds_member,   ct_cmds_exclude,
    ct_cmds_round,  ct_cmds_outbox, ct_cmds_outcome,  ct_cmds_outcome_record,
    ct_cmds_rc,     ct_cmds_report, ct_cmds_simulate, ct_cmds_backup,
    ct_cmds_web,
};

/* The options before COMMAND, parsed like any command's. */
static const struct ct_cmd global = {
    .args = "[-c FILE | -n NAME] COMMAND [ARGS]",
    .summary = "manage a network's Randomised Coffee Trials",
    .options =
        {
            {"config", 'c', "FILE", "the configuration file"},
            {"network", 'n', "NAME", "the network NAME: its configuration NAME.ini"},
            {"version", 0, NULL, "print the version and exit"},
        },
    .max_operands = -1,
    .options_first = true,
};

/* Every command, in table order, through one cursor: *t = 0, *cmd = NULL to start. */
static const struct ct_cmd *
next_command(size_t *t, const struct ct_cmd *cmd)
{
    cmd = cmd ? cmd + 1 : cmd_tables[*t];
    while (cmd->group == NULL) {
        if (++*t == CT_ARRAY_LEN(cmd_tables))
            return NULL;
        cmd = cmd_tables[*t];
    }
    return cmd;
}

/* "round plan", "outbox": a command's words. */
static void
command_words(const struct ct_cmd *cmd, char *out, size_t size)
{
    snprintf(out, size, "%s%s%s", cmd->group, cmd->name ? " " : "", cmd->name ? cmd->name : "");
}

/* The list of commands: words and summary, wrapped at 80 columns. */
static void
list_commands(FILE *f, const char *group)
{
    const struct ct_cmd *cmd = NULL;
    char words[64], first[96];
    size_t t = 0;

    while ((cmd = next_command(&t, cmd)) != NULL) {
        if (group && strcmp(cmd->group, group) != 0)
            continue;
        command_words(cmd, words, sizeof(words));
        snprintf(first, sizeof(first), "  %-16s ", words);
        ct_cli_wrap(f, first, 19, cmd->summary);
    }
}

/* The directory of the default configuration file, where -n looks. */
static void
config_dir(char *out, size_t size)
{
    const char *slash = strrchr(CT_CONFIG_DEFAULT_PATH, '/');
    int len = slash ? (int)(slash - CT_CONFIG_DEFAULT_PATH) : 1;

    snprintf(out, size, "%.*s", len, slash ? CT_CONFIG_DEFAULT_PATH : ".");
}

/*
 * -n NAME: the configuration file NAME.ini beside the default one. NAME is
 * a plain word, ^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$, so it cannot leave that
 * directory. OUT: path. EX_OK, or EX_USAGE after saying why.
 */
static int
network_config(const char *name, char *path, size_t size)
{
    char dir[200];
    size_t i, len = strlen(name);

    for (i = 0; i < len; i++) {
        char c = name[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && (i == 0 || (c != '_' && c != '.' && c != '-')))
            break;
    }
    if (len == 0 || len > 64 || i < len) {
        ct_cli_error("-n: '%.64s%s' is not a network name (letters, digits, '_', '.', '-', "
                     "starting with a letter or digit, at most 64)",
                     name, len > 64 ? "..." : "");
        return EX_USAGE;
    }
    config_dir(dir, sizeof(dir));
    snprintf(path, size, "%s/%s.ini", dir, name);
    return EX_OK;
}

static void
usage(FILE *f)
{
    char first[] = "  -c FILE   ", network[] = "  -n NAME   ";
    char text[256], dir[200];

    fputs("usage: coffeetrial [-c FILE | -n NAME] COMMAND [ARGS]\n"
          "       coffeetrial help [COMMAND]\n"
          "       coffeetrial -h | --help | --version\n\n",
          f);
    snprintf(text, sizeof(text),
             "configuration (default $COFFEETRIAL_CONFIG, else %s, else built-in defaults)",
             CT_CONFIG_DEFAULT_PATH);
    ct_cli_wrap(f, first, strlen(first), text);
    config_dir(dir, sizeof(dir));
    snprintf(text, sizeof(text), "the network NAME: -c %s/NAME.ini", dir);
    ct_cli_wrap(f, network, strlen(network), text);
    fputs("\ncommands:\n", f);
    list_commands(f, NULL);
    fputs("\n\"coffeetrial help COMMAND\" or \"coffeetrial COMMAND --help\" tells more.\n"
          "See coffeetrial(1).\n",
          f);
}

/* A group's commands: their usage lines, then each with its summary. */
static void
group_help(FILE *f, const char *group)
{
    const struct ct_cmd *cmd = NULL;
    const char *lead = "usage: ";
    size_t t = 0;

    while ((cmd = next_command(&t, cmd)) != NULL) {
        if (strcmp(cmd->group, group) != 0)
            continue;
        ct_cli_print_usage(f, cmd, lead);
        lead = "       ";
    }
    fputc('\n', f);
    list_commands(f, group);
    fprintf(f, "\n\"coffeetrial help %s COMMAND\" tells more about one.\n", group);
}

/*
 * The distinct command words that could stand at a position: the groups
 * (group NULL), or a group's command names. OUT: names; returns how many.
 */
static size_t
command_names(const char *group, const char **names, size_t max)
{
    const struct ct_cmd *cmd = NULL;
    size_t t = 0, n = 0, i;

    while ((cmd = next_command(&t, cmd)) != NULL) {
        const char *word = group ? cmd->name : cmd->group;

        if ((group && strcmp(cmd->group, group) != 0) || word == NULL)
            continue;
        for (i = 0; i < n && strcmp(names[i], word) != 0; i++)
            ;
        if (i == n && n < max)
            names[n++] = word;
    }
    if (group == NULL && n < max)
        names[n++] = "help";
    return n;
}

/*
 * Say that word is not a command (of group, if given), with the close
 * ones; if only_if_close, say nothing unless one is close. Returns whether
 * it printed.
 */
static bool
unknown_command(const char *group, const char *word, bool only_if_close)
{
    const char *names[64];
    char hint[256], prefix[64];
    size_t n = command_names(group, names, CT_ARRAY_LEN(names));
    bool close;

    snprintf(prefix, sizeof(prefix), "%s%s", group ? group : "", group ? " " : "");
    close = ct_cli_suggest(word, names, n, prefix, hint, sizeof(hint));
    if (close)
        ct_cli_error("unknown %scommand '%s' (did you mean %s?)", prefix, word, hint);
    else if (!only_if_close)
        ct_cli_error("unknown %scommand '%s' (see coffeetrial help%s%s)", prefix, word,
                     group ? " " : "", group ? group : "");
    return close || !only_if_close;
}

static bool
group_exists(const char *group)
{
    const struct ct_cmd *cmd = NULL;
    size_t t = 0;

    while ((cmd = next_command(&t, cmd)) != NULL)
        if (strcmp(cmd->group, group) == 0)
            return true;
    return false;
}

/*
 * The command named by argv[0] (and argv[1] for two-word commands); a
 * group's own command (name NULL) when argv[1] is none of its names.
 * OUT: *words, how many argv words named it.
 */
static const struct ct_cmd *
find_command(int argc, char **argv, int *words)
{
    const struct ct_cmd *cmd = NULL, *group_cmd = NULL;
    size_t t = 0;

    while ((cmd = next_command(&t, cmd)) != NULL) {
        if (strcmp(cmd->group, argv[0]) != 0)
            continue;
        if (cmd->name == NULL)
            group_cmd = cmd;
        else if (argc > 1 && strcmp(cmd->name, argv[1]) == 0) {
            *words = 2;
            return cmd;
        }
    }
    *words = 1;
    return group_cmd;
}

/*
 * Resolve argv to a command, or say why not: an unknown word (with "did
 * you mean"), or a group without its command (listing the group's
 * commands). NULL after printing, with *rc set.
 */
static const struct ct_cmd *
resolve(int argc, char **argv, int *words, int *rc)
{
    const struct ct_cmd *cmd = find_command(argc, argv, words);

    *rc = EX_USAGE;
    if (!group_exists(argv[0])) {
        unknown_command(NULL, argv[0], false);
        return NULL;
    }
    /* "outbox flsh": the group's own command takes no operand; likely a typo. */
    if (cmd && cmd->name == NULL && cmd->max_operands == 0 && argc > 1 && argv[1][0] != '-' &&
        unknown_command(argv[0], argv[1], true))
        return NULL;
    if (cmd)
        return cmd;
    if (argc == 1) {
        ct_cli_error("'%s' needs a command:", argv[0]);
        group_help(stderr, argv[0]);
    } else {
        unknown_command(argv[0], argv[1], false);
    }
    return NULL;
}

/* "coffeetrial help [GROUP [NAME]]": help on stdout, exit 0. */
static int
help(int argc, char **argv)
{
    const struct ct_cmd *cmd = NULL, *only = NULL;
    size_t t = 0, count = 0;
    int words, rc;

    /* "help" alone, and "help help": the overview. */
    if (argc == 0 || (argc == 1 && strcmp(argv[0], "help") == 0)) {
        usage(stdout);
        return EX_OK;
    }
    if (argc > 2) {
        fputs("usage: coffeetrial help [COMMAND]\n", stderr);
        return EX_USAGE;
    }
    if (argc == 1) {
        while ((cmd = next_command(&t, cmd)) != NULL)
            if (strcmp(cmd->group, argv[0]) == 0)
                only = cmd, count++;
        if (count == 0) {
            unknown_command(NULL, argv[0], false);
            return EX_USAGE;
        }
        if (count == 1 && only->name == NULL) {
            ct_cli_print_help(stdout, only);
            return EX_OK;
        }
        group_help(stdout, argv[0]);
        return EX_OK;
    }
    if ((cmd = resolve(argc, argv, &words, &rc)) == NULL)
        return rc;
    if (words != argc) {
        unknown_command(argv[0], argv[1], false);
        return EX_USAGE;
    }
    ct_cli_print_help(stdout, cmd);
    return EX_OK;
}

int
main(int argc, char **argv)
{
    struct ct_cli cli = {0};
    struct ct_args global_args, args;
    const struct ct_cmd *cmd;
    struct ct_error err;
    char network_path[300];
    const char *config;
    int words = 0, rc;

    if (ct_cli_parse(&global, argc - 1, argv + 1, &global_args) != EX_OK)
        return EX_USAGE;
    if (global_args.help) {
        usage(stdout);
        return EX_OK;
    }
    if (ct_args_has(&global_args, "version")) {
        printf("coffeetrial %s\n", CT_VERSION);
        return EX_OK;
    }
    if (ct_args_has(&global_args, "config") && ct_args_has(&global_args, "network")) {
        ct_cli_error("-c and -n both name the configuration; give one");
        return EX_USAGE;
    }
    config = ct_args_get(&global_args, "config");
    if (ct_args_has(&global_args, "network")) {
        if (network_config(ct_args_get(&global_args, "network"), network_path,
                           sizeof(network_path)) != EX_OK)
            return EX_USAGE;
        config = network_path;
    }
    cli.config_option = config;
    cli.config_path = ct_config_locate(config);
    argc = global_args.count;
    argv = global_args.operands;
    if (argc == 0) {
        usage(stderr);
        return EX_USAGE;
    }
    if (strcmp(argv[0], "help") == 0)
        return help(argc - 1, argv + 1);
    if ((cmd = resolve(argc, argv, &words, &rc)) == NULL)
        return rc;
    if ((rc = ct_cli_parse(cmd, argc - words, argv + words, &args)) != EX_OK)
        return rc;
    if (args.help) {
        ct_cli_print_help(stdout, cmd);
        return EX_OK;
    }
    /* Once, before any thread or transfer exists (roster URLs, mail, IMAP). */
    ct_error_clear(&err);
    if (ct_net_global_init(&err) != CT_OK) {
        ct_cli_error("%s", err.message);
        return EX_SOFTWARE;
    }
    rc = cmd->exec(&cli, &args);
    /* For tests/bench: how long this command held the database's write lock at most. */
    if (cli.store && getenv("COFFEETRIAL_BENCH_TXN"))
        fprintf(stderr, "longest write transaction: %.3f s\n", ct_store_longest_txn(cli.store));
    ct_store_close(cli.store);
    ct_config_free(cli.config);
    ct_net_global_cleanup();
    if (fflush(stdout) != 0 && rc == EX_OK) {
        ct_cli_error("write error on standard output");
        rc = EX_IOERR;
    }
    return rc;
}
