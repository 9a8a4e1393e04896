/*
 * coffeetrial.c: the organiser's and operator's command-line tool. Parses
 * the global options, finds the command in the tables the cmd-*.c files
 * export, and runs it. Exit codes follow sysexits.h.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "config_path.h"
#include "net.h"

static const struct ct_cmd *const cmd_tables[] = {
    ct_cmds_config, ct_cmds_roster,  ct_cmds_member,         ct_cmds_exclude, ct_cmds_round,
    ct_cmds_outbox, ct_cmds_outcome, ct_cmds_outcome_record, ct_cmds_report,  ct_cmds_simulate,
};

static void
usage(FILE *f)
{
    size_t t;
    const struct ct_cmd *cmd;

    fprintf(f,
            "usage: coffeetrial [-c FILE] COMMAND [ARGS]\n"
            "       coffeetrial -h | --help | --version\n\n"
            "  -c FILE   configuration (default $COFFEETRIAL_CONFIG, else %s,\n"
            "            else built-in defaults)\n\ncommands:\n",
            CT_CONFIG_DEFAULT_PATH);
    for (t = 0; t < sizeof(cmd_tables) / sizeof(cmd_tables[0]); t++)
        for (cmd = cmd_tables[t]; cmd->group; cmd++) {
            char words[128];
            snprintf(words, sizeof(words), "%s%s%s %s", cmd->group, cmd->name ? " " : "",
                     cmd->name ? cmd->name : "", cmd->args);
            fprintf(f, "  %-44s %s\n", words, cmd->summary);
        }
    fprintf(f, "\nSee coffeetrial(1).\n");
}

/* The command named by argv[0] (and argv[1] for two-word commands). */
static const struct ct_cmd *
find_command(int argc, char **argv, int *words)
{
    size_t t;
    const struct ct_cmd *cmd;

    for (t = 0; t < sizeof(cmd_tables) / sizeof(cmd_tables[0]); t++)
        for (cmd = cmd_tables[t]; cmd->group; cmd++) {
            if (strcmp(cmd->group, argv[0]) != 0)
                continue;
            if (cmd->name == NULL) {
                *words = 1;
                return cmd;
            }
            if (argc > 1 && strcmp(cmd->name, argv[1]) == 0) {
                *words = 2;
                return cmd;
            }
        }
    return NULL;
}

static bool
group_exists(const char *group)
{
    size_t t;
    const struct ct_cmd *cmd;

    for (t = 0; t < sizeof(cmd_tables) / sizeof(cmd_tables[0]); t++)
        for (cmd = cmd_tables[t]; cmd->group; cmd++)
            if (strcmp(cmd->group, group) == 0)
                return true;
    return false;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {"config", required_argument, NULL, 'c'},
        {NULL, 0, NULL, 0},
    };
    struct ct_cli cli = {0};
    const struct ct_cmd *cmd;
    const char *config_option = NULL;
    struct ct_error err;
    int ch, words = 0, rc;

    /* '+': stop at the first command word; its options belong to it. */
    while ((ch = getopt_long(argc, argv, "+c:h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': config_option = optarg; break;
        case 'h': usage(stdout); return EX_OK;
        case 'V': printf("coffeetrial %s\n", CT_VERSION); return EX_OK;
        default: usage(stderr); return EX_USAGE;
        }
    }
    argc -= optind;
    argv += optind;
    cli.config_path = ct_config_locate(config_option);
    if (argc == 0) {
        usage(stderr);
        return EX_USAGE;
    }
    cmd = find_command(argc, argv, &words);
    /* Once, before any thread or transfer exists (roster URLs, mail, IMAP). */
    ct_error_clear(&err);
    if (ct_net_global_init(&err) != CT_OK) {
        ct_cli_error("%s", err.message);
        return EX_SOFTWARE;
    }
    if (cmd == NULL) {
        if (group_exists(argv[0]) && argc == 1)
            ct_cli_error("'%s' needs a command (see coffeetrial --help)", argv[0]);
        else if (group_exists(argv[0]))
            ct_cli_error("unknown %s command '%s' (see coffeetrial --help)", argv[0], argv[1]);
        else
            ct_cli_error("unknown command '%s' (see coffeetrial --help)", argv[0]);
        return EX_USAGE;
    }
    /*
     * The command sees argv[0] = its last word, as getopt expects. optind
     * = 0 (not 1) makes glibc and musl start afresh, so the '+' above does
     * not stick and options may follow operands ("member pause X --until D").
     */
    optind = 0;
    rc = cmd->exec(&cli, argc - words + 1, argv + words - 1);
    ct_store_close(cli.store);
    ct_config_free(cli.config);
    ct_net_global_cleanup();
    if (fflush(stdout) != 0 && rc == EX_OK) {
        ct_cli_error("write error on standard output");
        rc = EX_IOERR;
    }
    return rc;
}
