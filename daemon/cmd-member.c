/*
 * cmd-member.c: "coffeetrial member ...": show one member, pause and
 * resume them, remove them (marked left, history kept) and erase them
 * (right to erasure: personal data gone, anonymous counts kept).
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <libical/ical.h>

#include "cli.h"
#include "clock.h"
#include "members.h"
#include "rounds.h"
#include "validate.h"

enum { OPT_UNTIL = 256, OPT_YES, OPT_FORMAT };

/* Today's date in the network's time zone, as days since 1970-01-01. */
static int32_t
network_today(const struct ct_config *cfg)
{
    icaltimezone *zone = NULL;
    struct icaltimetype t;

    if (cfg->network.timezone && strcmp(cfg->network.timezone, "UTC") != 0)
        zone = icaltimezone_get_builtin_timezone(cfg->network.timezone);
    if (zone == NULL)
        zone = icaltimezone_get_utc_timezone();
    t = icaltime_from_timet_with_zone((time_t)ct_now(), 1, zone);
    return ct_days_from_civil(t.year, t.month, t.day);
}

/*
 * The common shape of the one-member commands: exactly one EMAIL operand
 * after the options the caller parsed. NULL (after usage) otherwise.
 */
static const char *
one_email(const struct ct_cmd *self, int argc, char **argv)
{
    if (argc - optind != 1) {
        ct_cli_usage(self);
        return NULL;
    }
    return argv[optind];
}

static int
no_options(const struct ct_cmd *self, int argc, char **argv)
{
    static const struct option none[] = {{NULL, 0, NULL, 0}};

    if (getopt_long(argc, argv, "", none, NULL) != -1)
        return ct_cli_usage(self);
    return EX_OK;
}

static void
print_time(const char *label, int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || gmtime_r(&tt, &tm) == NULL)
        return;
    strftime(buf, sizeof(buf), "%Y-%m-%d %H:%M UTC", &tm);
    printf("%-14s %s\n", label, buf);
}

static void
print_line(const char *label, const char *value)
{
    printf("%-14s %s\n", label, value && *value ? value : "-");
}

static int
member_show(struct ct_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {NULL, 0, NULL, 0},
    };
    const struct ct_cmd *self = &ct_cmds_member[0];
    const char *email, *format = "text";
    struct ct_member_history h;
    struct ct_member *m = NULL;
    struct ct_store *store;
    struct ct_error err;
    size_t i;
    int ch, rc = EX_OK;

    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != OPT_FORMAT)
            return ct_cli_usage(self);
        format = optarg;
    }
    if ((email = one_email(self, argc, argv)) == NULL)
        return EX_USAGE;
    if (strcmp(format, "text") != 0 && strcmp(format, "json") != 0) {
        ct_cli_error("--format: unknown format '%s' (text, json)", format);
        return EX_USAGE;
    }
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_find(store, email, &m, &err) != CT_OK ||
        ct_members_history(store, m->id, &h, &err) != CT_OK) {
        rc = ct_cli_fail(&err);
        goto out;
    }
    if (strcmp(format, "json") == 0) {
        const char *fields[][2] = {
            {"email", m->email},       {"name", m->name},     {"organisation", m->organisation},
            {"team", m->team},         {"site", m->site},     {"role", m->role},
            {"timezone", m->timezone}, {"status", ct_member_status_str(m->status)}, {"paused_until", m->paused_until},
        };
        for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
            printf("%s\"%s\": ", i ? ", " : "{", fields[i][0]);
            if (fields[i][1])
                ct_cli_json_string(stdout, fields[i][1]);
            else
                fputs("null", stdout);
        }
        printf(", \"frequency\": \"%s\", \"groups\": %ld, \"groups_planned\": %ld,"
               " \"met\": %ld, \"accepted\": %ld, \"unanswered\": %d, \"exclusions\": %ld,"
               " \"last_round\": ",
               ct_frequency_str(m->frequency), h.groups, h.groups_planned, h.met, h.accepted,
               m->unanswered, h.exclusions);
        if (h.last_round[0])
            ct_cli_json_string(stdout, h.last_round);
        else
            fputs("null", stdout);
        fputs(", \"ties\": [", stdout);
        for (i = 0; i < m->ties_count; i++) {
            if (i)
                fputs(", ", stdout);
            ct_cli_json_string(stdout, m->ties[i]);
        }
        fputs("]}\n", stdout);
        goto out;
    }
    print_line("email", m->email);
    print_line("name", m->name);
    print_line("organisation", m->organisation);
    print_line("team", m->team);
    print_line("site", m->site);
    print_line("role", m->role);
    print_line("timezone", m->timezone ? m->timezone : "(network's)");
    if (m->paused_until) {
        char status[64];
        snprintf(status, sizeof(status), "%s until %s", ct_member_status_str(m->status), m->paused_until);
        print_line("status", status);
    } else {
        print_line("status", ct_member_status_str(m->status));
    }
    print_line("frequency", ct_frequency_str(m->frequency));
    printf("%-14s", "ties");
    for (i = 0; i < m->ties_count; i++)
        printf("%s%s", i ? ", " : " ", m->ties[i]);
    printf("%s\n", m->ties_count ? "" : " -");
    printf("%-14s %ld sent (%ld met, %ld accepted), %ld planned\n", "groups", h.groups, h.met,
           h.accepted, h.groups_planned);
    print_line("last round", h.last_round);
    printf("%-14s %d in a row\n", "unanswered", m->unanswered);
    printf("%-14s %ld\n", "exclusions", h.exclusions);
    print_time("added", m->created_at);
    print_time("updated", m->updated_at);
out:
    ct_member_free(m);
    return rc;
}

static int
member_pause(struct ct_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"until", required_argument, NULL, OPT_UNTIL},
        {NULL, 0, NULL, 0},
    };
    const struct ct_cmd *self = &ct_cmds_member[1];
    const char *email, *until = NULL;
    struct ct_store *store;
    struct ct_error err;
    int ch;

    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != OPT_UNTIL)
            return ct_cli_usage(self);
        until = optarg;
    }
    if ((email = one_email(self, argc, argv)) == NULL)
        return EX_USAGE;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_pause(store, email, until, network_today(cli->config), ct_now(), &err) !=
        CT_OK) {
        if (err.status == CT_EUSAGE) {
            ct_cli_error("--until: %s", err.message);
            return EX_USAGE;
        }
        return ct_cli_fail(&err);
    }
    if (until)
        printf("paused %s until %s\n", email, until);
    else
        printf("paused %s until resumed\n", email);
    return EX_OK;
}

static int
member_resume(struct ct_cli *cli, int argc, char **argv)
{
    const struct ct_cmd *self = &ct_cmds_member[2];
    const char *email;
    struct ct_store *store;
    struct ct_error err;
    bool changed;

    if (no_options(self, argc, argv) != EX_OK || (email = one_email(self, argc, argv)) == NULL)
        return EX_USAGE;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_resume(store, email, ct_now(), &changed, &err) != CT_OK)
        return ct_cli_fail(&err);
    printf(changed ? "resumed %s\n" : "%s is already active\n", email);
    return EX_OK;
}

static void
print_leave(const struct ct_rounds_leave *leave)
{
    if (leave->mail.groups == 0)
        return;
    printf("%zu group%s changed, %zu message%s queued (cancellations and updates; "
           "coffeetrial outbox flush sends them)\n",
           leave->mail.groups, leave->mail.groups == 1 ? "" : "s", leave->mail.messages,
           leave->mail.messages == 1 ? "" : "s");
}

static int
member_remove(struct ct_cli *cli, int argc, char **argv)
{
    const struct ct_cmd *self = &ct_cmds_member[3];
    const char *email;
    struct ct_store *store;
    struct ct_error err;
    struct ct_rounds_leave leave;
    bool changed;

    if (no_options(self, argc, argv) != EX_OK || (email = one_email(self, argc, argv)) == NULL)
        return EX_USAGE;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_rounds_leave_init(&leave, cli->config);
    ct_error_clear(&err);
    if (ct_members_remove(store, email, &leave.hook, ct_now(), &changed, &err) != CT_OK)
        return ct_cli_fail(&err);
    printf(changed ? "removed %s: marked left, history kept\n" : "%s has already left\n", email);
    print_leave(&leave);
    return EX_OK;
}

static int
member_erase(struct ct_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"yes", no_argument, NULL, OPT_YES},
        {NULL, 0, NULL, 0},
    };
    const struct ct_cmd *self = &ct_cmds_member[4];
    const char *email;
    struct ct_store *store;
    struct ct_error err;
    struct ct_rounds_leave leave;
    bool yes = false;
    int ch;

    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        if (ch != OPT_YES)
            return ct_cli_usage(self);
        yes = true;
    }
    if ((email = one_email(self, argc, argv)) == NULL)
        return EX_USAGE;
    if (!yes) {
        ct_cli_error("erasing %s cannot be undone; add --yes to confirm", email);
        return EX_USAGE;
    }
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_rounds_leave_init(&leave, cli->config);
    ct_error_clear(&err);
    if (ct_members_erase(store, email, &leave.hook, ct_now(), &err) != CT_OK)
        return ct_cli_fail(&err);
    printf("erased %s: personal data removed, anonymous history kept\n", email);
    print_leave(&leave);
    return EX_OK;
}

const struct ct_cmd ct_cmds_member[] = {
    {"member", "show", "EMAIL [--format text|json]", "a member's details and history", member_show},
    {"member", "pause", "EMAIL [--until YYYY-MM-DD]", "leave a member out of rounds for a while",
     member_pause},
    {"member", "resume", "EMAIL", "make a paused or removed member active again", member_resume},
    {"member", "remove", "EMAIL", "mark a member left (history kept)", member_remove},
    {"member", "erase", "EMAIL --yes", "erase a member's personal data for good", member_erase},
    {NULL, NULL, NULL, NULL, NULL},
};
