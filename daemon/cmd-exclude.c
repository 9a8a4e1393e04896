/*
 * cmd-exclude.c: "coffeetrial exclude add|remove|list": pairs of members
 * an organiser does not want paired (a manager and their report, two
 * people with a history), whatever the pairing rules would say.
 */
#include <getopt.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "clock.h"
#include "members.h"

enum { OPT_FORMAT = 256 };

/* Parse "EMAIL EMAIL" with no options. OUT: *a, *b. */
static int
two_emails(const struct ct_cmd *self, int argc, char **argv, const char **a, const char **b)
{
    static const struct option none[] = {{NULL, 0, NULL, 0}};

    if (getopt_long(argc, argv, "", none, NULL) != -1 || argc - optind != 2)
        return ct_cli_usage(self);
    *a = argv[optind];
    *b = argv[optind + 1];
    return EX_OK;
}

static int
exclude_add(struct ct_cli *cli, int argc, char **argv)
{
    const char *a, *b;
    struct ct_store *store;
    struct ct_error err;
    bool added;
    int rc;

    if ((rc = two_emails(&ct_cmds_exclude[0], argc, argv, &a, &b)) != EX_OK)
        return rc;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_exclusion_add(store, a, b, ct_now(), &added, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (added)
        printf("excluded %s and %s: they will not be paired\n", a, b);
    else
        printf("%s and %s are already excluded\n", a, b);
    return EX_OK;
}

static int
exclude_remove(struct ct_cli *cli, int argc, char **argv)
{
    const char *a, *b;
    struct ct_store *store;
    struct ct_error err;
    bool removed;
    int rc;

    if ((rc = two_emails(&ct_cmds_exclude[1], argc, argv, &a, &b)) != EX_OK)
        return rc;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_exclusion_remove(store, a, b, &removed, &err) != CT_OK)
        return ct_cli_fail(&err);
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
exclude_list(struct ct_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    const struct ct_cmd *self = &ct_cmds_exclude[2];
    struct ct_exclusion_list *list = NULL;
    const char *format = "text";
    struct ct_store *store;
    struct ct_error err;
    size_t i, width = 6;
    char date[16];
    int ch;

    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != OPT_FORMAT)
            return ct_cli_usage(self);
        format = optarg;
    }
    if (optind != argc)
        return ct_cli_usage(self);
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        ct_cli_error("--format: unknown format '%s' (text, json)", format);
        return EX_USAGE;
    }
    if ((store = ct_cli_store(cli)) == NULL)
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
    {"exclude", "add", "EMAIL EMAIL", "never pair these two members", exclude_add},
    {"exclude", "remove", "EMAIL EMAIL", "allow the two to be paired again", exclude_remove},
    {"exclude", "list", "[--format text|json]", "list the excluded pairs", exclude_list},
    {NULL, NULL, NULL, NULL, NULL},
};
