/*
 * cmd-exclude.c: "coffeetrial exclude add|remove|list": pairs of members
 * an organiser does not want paired (a manager and their report, two
 * people with a history), whatever the pairing rules would say.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "clock.h"
#include "members.h"
#include "rounds.h"

/*
 * Say at once what excluding email and other changes in planned rounds
 * (docs/rounds.md "After review"). cmd-member.c has its twin for a pause.
 */
static void
planned_rounds_say(struct ct_store *store, const char *email, const char *other)
{
    struct ct_error err;
    char **lines = NULL;
    size_t n = 0, i;

    ct_error_clear(&err);
    if (ct_rounds_preview_emails(store, email, other, &lines, &n, &err) != CT_OK)
        ct_cli_warn("cannot read the planned rounds: %s", err.message);
    for (i = 0; i < n; i++) {
        printf("%s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
}

/*
 * Sent groups holding the paused member (or the excluded pair) are changed
 * at once, as when a member leaves (docs/rounds.md "After review").
 */
static void
sent_rounds_change(struct ct_cli *cli, struct ct_store *store, const char *email, const char *other)
{
    struct ct_round_mail mail;
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_rounds_withdraw(store, cli->config, email, other, ct_now(), &mail, &err) != CT_OK) {
        ct_cli_warn("sent rounds were not changed: %s", err.message);
        return;
    }
    if (mail.groups > 0)
        printf("%zu sent group%s changed, %zu message%s queued (cancellations, updates and "
               "notices; coffeetrial outbox flush sends them)\n",
               mail.groups, mail.groups == 1 ? "" : "s", mail.messages,
               mail.messages == 1 ? "" : "s");
}

static int
exclude_add(struct ct_cli *cli, const struct ct_args *args)
{
    const char *a = args->operands[0], *b = args->operands[1];
    struct ct_store *store;
    struct ct_error err;
    bool added;

    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_exclusion_add(store, a, b, ct_now(), &added, &err) != CT_OK)
        return ct_cli_fail_member(cli, &err, (const char *const *)args->operands, 2);
    if (added) {
        printf("excluded %s and %s: they will not be paired\n", a, b);
        planned_rounds_say(store, a, b);
        sent_rounds_change(cli, store, a, b);
    } else {
        printf("%s and %s are already excluded\n", a, b);
    }
    return EX_OK;
}

static int
exclude_remove(struct ct_cli *cli, const struct ct_args *args)
{
    const char *a = args->operands[0], *b = args->operands[1];
    struct ct_store *store;
    struct ct_error err;
    bool removed;

    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_exclusion_remove(store, a, b, &removed, &err) != CT_OK)
        return ct_cli_fail_member(cli, &err, (const char *const *)args->operands, 2);
    if (removed)
        printf("%s and %s may be paired again\n", a, b);
    else
        printf("%s and %s were not excluded\n", a, b);
    return EX_OK;
}

static void
format_date(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d", &tm) == 0)
        snprintf(out, size, "-");
}

static int
exclude_list(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_exclusion_list *list = NULL;
    const char *format = args->format;
    struct ct_store *store;
    struct ct_error err;
    size_t i, width = 6;
    char date[16];

    if ((store = ct_cli_store_read(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_exclusion_list(store, &list, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (strcmp(format, "json") == 0) {
        putchar('[');
        for (i = 0; i < list->count; i++) {
            format_date(list->items[i].created_at, date, sizeof(date));
            printf("%s\n  {\"members\": [", i ? "," : "");
            ct_cli_json_string(stdout, list->items[i].email_a);
            fputs(", ", stdout);
            ct_cli_json_string(stdout, list->items[i].email_b);
            printf("], \"since\": \"%s\"}", date);
        }
        fputs(list->count ? "\n]\n" : "]\n", stdout);
    } else {
        for (i = 0; i < list->count; i++) {
            if (strlen(list->items[i].email_a) > width)
                width = strlen(list->items[i].email_a);
            if (strlen(list->items[i].email_b) > width)
                width = strlen(list->items[i].email_b);
        }
        if (list->count)
            printf("%-*s  %-*s  %s\n", (int)width, "MEMBER", (int)width, "MEMBER", "SINCE");
        for (i = 0; i < list->count; i++) {
            format_date(list->items[i].created_at, date, sizeof(date));
            printf("%-*s  %-*s  %s\n", (int)width, list->items[i].email_a, (int)width,
                   list->items[i].email_b, date);
        }
        printf("%zu excluded pair%s\n", list->count, list->count == 1 ? "" : "s");
    }
    ct_exclusion_list_free(list);
    return EX_OK;
}

const struct ct_cmd ct_cmds_exclude[] = {
    {
        .group = "exclude",
        .name = "add",
        .args = "EMAIL EMAIL",
        .summary = "never pair these two members",
        .min_operands = 2,
        .max_operands = 2,
        .exec = exclude_add,
    },
    {
        .group = "exclude",
        .name = "remove",
        .args = "EMAIL EMAIL",
        .summary = "allow the two to be paired again",
        .min_operands = 2,
        .max_operands = 2,
        .exec = exclude_remove,
    },
    {
        .group = "exclude",
        .name = "list",
        .args = "[--format text|json]",
        .summary = "list the excluded pairs",
        .formats = "text|json",
        .exec = exclude_list,
    },
    {0},
};
