/*
 * cmd-member.c: "coffeetrial member ...": show one member, pause and
 * resume them, remove them (marked left, history kept) and erase them
 * (right to erasure: personal data gone, anonymous counts kept).
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <libical/ical.h>

#include "cli.h"
#include "clock.h"
#include "members.h"
#include "rounds.h"
#include "tz.h"
#include "validate.h"

/* Today's date in the network's time zone, as days since 1970-01-01. */
static int32_t
network_today(const struct ct_config *cfg)
{
    icaltimezone *zone = ct_tz_or_utc(cfg->network.timezone);
    struct icaltimetype t;

    t = icaltime_from_timet_with_zone((time_t)ct_now(), 1, zone);
    return ct_days_from_civil(t.year, t.month, t.day);
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
member_show(struct ct_cli *cli, const struct ct_args *args)
{
    const char *email = args->operands[0], *format = args->format;
    struct ct_member_history h;
    struct ct_member *m = NULL;
    struct ct_store *store;
    struct ct_error err;
    size_t i;
    int rc = EX_OK;

    if ((store = ct_cli_store_read(cli)) == NULL)
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
member_pause(struct ct_cli *cli, const struct ct_args *args)
{
    const char *email = args->operands[0], *until = ct_args_get(args, "until");
    struct ct_store *store;
    struct ct_error err;

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
member_resume(struct ct_cli *cli, const struct ct_args *args)
{
    const char *email = args->operands[0];
    struct ct_store *store;
    struct ct_error err;
    bool changed;

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
member_remove(struct ct_cli *cli, const struct ct_args *args)
{
    const char *email = args->operands[0];
    struct ct_store *store;
    struct ct_error err;
    struct ct_rounds_leave leave;
    bool changed;

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
member_erase(struct ct_cli *cli, const struct ct_args *args)
{
    const char *email = args->operands[0];
    struct ct_store *store;
    struct ct_error err;
    struct ct_rounds_leave leave;

    if (!ct_args_has(args, "yes")) {
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
    {
        .group = "member",
        .name = "show",
        .args = "EMAIL [--format text|json]",
        .summary = "a member's details and history",
        .min_operands = 1,
        .max_operands = 1,
        .formats = "text|json",
        .exec = member_show,
    },
    {
        .group = "member",
        .name = "pause",
        .args = "EMAIL [--until YYYY-MM-DD]",
        .summary = "leave a member out of rounds for a while",
        .options = {{"until", 0, "YYYY-MM-DD",
                     "eligible again from this date (default: until resumed)"}},
        .min_operands = 1,
        .max_operands = 1,
        .exec = member_pause,
    },
    {
        .group = "member",
        .name = "resume",
        .args = "EMAIL",
        .summary = "make a paused or removed member active again",
        .min_operands = 1,
        .max_operands = 1,
        .exec = member_resume,
    },
    {
        .group = "member",
        .name = "remove",
        .args = "EMAIL",
        .summary = "mark a member left (history kept)",
        .min_operands = 1,
        .max_operands = 1,
        .exec = member_remove,
    },
    {
        .group = "member",
        .name = "erase",
        .args = "EMAIL --yes",
        .summary = "erase a member's personal data for good",
        .options = {{"yes", 0, NULL, "confirm: erasing cannot be undone"}},
        .min_operands = 1,
        .max_operands = 1,
        .exec = member_erase,
    },
    {0},
};
