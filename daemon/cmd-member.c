/*
 * cmd-member.c: "coffeetrial member ...": show one member, pause and
 * resume them, remove them (marked left, history kept) and erase them
 * (right to erasure: personal data gone, anonymous counts kept).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include <libical/ical.h>

#include "answers.h"
#include "cli.h"
#include "clock.h"
#include "invite.h"
#include "member_actions.h"
#include "members.h"
#include "store_actions.h"
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

/* "2026-12-09T14:00:00Z", or null. */
static void
print_utc(int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
        fputs("null", stdout);
        return;
    }
    strftime(buf, sizeof(buf), "\"%Y-%m-%dT%H:%M:%SZ\"", &tm);
    fputs(buf, stdout);
}

/* The partners of an answer as a JSON array of names. */
static void
print_partners_json(const char *partners)
{
    const char *p = partners, *end;
    char name[512];

    fputs("[", stdout);
    while (p && *p) {
        end = strchr(p, CT_ANSWER_SEP);
        snprintf(name, sizeof(name), "%.*s", (int)(end ? (size_t)(end - p) : strlen(p)), p);
        ct_cli_json_string(stdout, name);
        if (end == NULL)
            break;
        fputs(", ", stdout);
        p = end + 1;
    }
    fputs("]", stdout);
}

/* The partners for people: "Ana Silva & Bo Li", or "-". */
static void
partners_text(const char *partners, char *out, size_t size)
{
    size_t n = 0;
    const char *p;

    snprintf(out, size, "-");
    for (p = partners; p && *p && n + 4 < size; p++) {
        if (*p == CT_ANSWER_SEP) {
            memcpy(out + n, " & ", 3);
            n += 3;
        } else {
            out[n++] = *p;
        }
    }
    if (n > 0)
        out[n] = '\0';
}

/* member show's "answers": one object per sent group, newest round first. */
static void
print_answers_json(const struct ct_answer_list *list)
{
    size_t i;

    fputs("[", stdout);
    for (i = 0; list && i < list->count; i++) {
        const struct ct_answer *a = &list->items[i];
        printf("%s{\"round\": %" PRId64 ", \"date\": \"%s\", \"group\": %" PRId64
               ", \"partners\": ",
               i ? ", " : "", a->round_id, a->date, a->group_id);
        print_partners_json(a->partners);
        printf(", \"answer\": \"%s\", \"proposed\": ", ct_answers_word(a->partstat));
        print_utc(a->proposed_start);
        fputs("}", stdout);
    }
    fputs("]", stdout);
}

/* The text listing: ROUND DATE GROUP ANSWER PARTNERS, newest first. */
static void
print_answers_text(const struct ct_answer_list *list, const char *zone_name)
{
    size_t i;

    if (list == NULL || list->count == 0) {
        printf("%-14s none yet\n", "answers");
        return;
    }
    printf("answers:\n  %5s  %-10s  %5s  %-9s  %s\n", "ROUND", "DATE", "GROUP", "ANSWER",
           "PARTNERS");
    for (i = 0; i < list->count; i++) {
        const struct ct_answer *a = &list->items[i];
        const char *word =
            a->partstat == CT_PARTSTAT_NEEDS_ACTION ? "no answer" : ct_answers_word(a->partstat);
        char first[64], names[1024];

        snprintf(first, sizeof(first), "  %5" PRId64 "  %-10s  %5" PRId64 "  %-9s  ", a->round_id,
                 a->date, a->group_id, word);
        partners_text(a->partners, names, sizeof(names));
        ct_cli_wrap(stdout, first, 41, names);
        if (a->proposed_start > 0) {
            icaltimezone *zone = ct_tz_or_utc(zone_name);
            struct icaltimetype lt =
                icaltime_from_timet_with_zone((time_t)a->proposed_start, 0, zone);
            printf("%41sproposed %04d-%02d-%02d %02d:%02d (%s)\n", "", lt.year, lt.month, lt.day,
                   lt.hour, lt.minute, zone_name ? zone_name : "UTC");
        }
    }
}

/* "2026-03-02 12:00 UTC" into buf. */
static void
format_time(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(buf, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(buf, size, "?");
}

/* The member's own fields, as "field value" pairs in the order people read them. */
static size_t
prefs_fields(const struct ct_prefs *p, const char *out[][2], char *freq, size_t freq_size)
{
    size_t n = 0;

    if (p->timezone)
        out[n][0] = "timezone", out[n++][1] = p->timezone;
    if (p->working_hours)
        out[n][0] = "working_hours", out[n++][1] = p->working_hours;
    if (p->working_days)
        out[n][0] = "working_days", out[n++][1] = p->working_days;
    if (p->frequency > 0) {
        snprintf(freq, freq_size, "%d", p->frequency);
        out[n][0] = "frequency", out[n++][1] = freq;
    }
    if (p->mode >= 0)
        out[n][0] = "mode", out[n++][1] = ct_meeting_mode_str((enum ct_meeting_mode)p->mode);
    if (p->greeting)
        out[n][0] = "greeting", out[n++][1] = p->greeting;
    if (p->intro)
        out[n][0] = "intro", out[n++][1] = p->intro;
    return n;
}

static void
print_prefs_json(const struct ct_prefs *p)
{
    const char *f[8][2];
    char freq[16];
    size_t n = prefs_fields(p, f, freq, sizeof(freq)), i;

    fputs(", \"preferences\": {", stdout);
    for (i = 0; i < n; i++) {
        printf("%s\"%s\": ", i ? ", " : "", f[i][0]);
        if (strcmp(f[i][0], "frequency") == 0)
            fputs(freq, stdout);
        else
            ct_cli_json_string(stdout, f[i][1]);
    }
    fputs("}", stdout);
}

static void
print_actions_json(const struct ct_action_entry *v, size_t n)
{
    size_t i;

    fputs(", \"actions\": [", stdout);
    for (i = 0; i < n; i++) {
        printf("%s{\"at\": ", i ? ", " : "");
        print_utc(v[i].at);
        printf(", \"action\": \"%s\", \"via\": \"%s\", \"detail\": ",
               ct_log_action_str(v[i].action), ct_via_str(v[i].via));
        if (v[i].detail)
            ct_cli_json_string(stdout, v[i].detail);
        else
            fputs("null", stdout);
        printf(", \"round\": ");
        printf(v[i].round_id ? "%lld" : "null", (long long)v[i].round_id);
        printf(", \"group\": ");
        printf(v[i].group_id ? "%lld}" : "null}", (long long)v[i].group_id);
    }
    fputs("]", stdout);
}

static void
print_prefs_text(const struct ct_prefs *p)
{
    const char *f[8][2];
    char freq[16];
    size_t n = prefs_fields(p, f, freq, sizeof(freq)), i;

    printf("%-14s%s\n", "own settings", n ? "" : " -");
    for (i = 0; i < n; i++) {
        char *clean = ct_invite_clean_line(f[i][1]);
        printf("  %-12s %s%s\n", f[i][0], clean ? clean : "?",
               strcmp(f[i][0], "frequency") == 0 ? " (every Nth round)" : "");
        free(clean);
    }
}

static void
print_actions_text(const struct ct_action_entry *v, size_t n)
{
    char at[32];
    size_t i;

    printf("%-14s%s\n", "actions", n ? "" : " -");
    for (i = 0; i < n; i++) {
        char *clean = v[i].detail ? ct_invite_clean_line(v[i].detail) : NULL;
        format_time(v[i].at, at, sizeof(at));
        printf("  %s  %-11s by %-9s", at, ct_log_action_str(v[i].action),
               v[i].via == CT_VIA_ORGANISER ? "organiser" : ct_via_str(v[i].via));
        if (v[i].round_id)
            printf(" round %lld", (long long)v[i].round_id);
        if (v[i].group_id)
            printf(" group %lld", (long long)v[i].group_id);
        printf("%s%s\n", clean ? ": " : "", clean ? clean : "");
        free(clean);
    }
}

/* member show --format json: one object (docs/coffeetrial.1). */
static void
print_member_json(const struct ct_member *m, const struct ct_member_history *hist,
                  const struct ct_answer_list *answers, const struct ct_prefs *prefs,
                  const struct ct_action_entry *actions, size_t nactions)
{
    const struct ct_member_history h = *hist;
    const char *fields[][2] = {
        {"email", m->email},
        {"name", m->name},
        {"organisation", m->organisation},
        {"team", m->team},
        {"site", m->site},
        {"role", m->role},
        {"timezone", m->timezone},
        {"status", ct_member_status_str(m->status)},
        {"paused_until", m->paused_until},
    };
    size_t i;

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
    fputs("], \"answers\": ", stdout);
    print_answers_json(answers);
    print_prefs_json(prefs);
    print_actions_json(actions, nactions);
    fputs("}\n", stdout);
}

static int
member_show(struct ct_cli *cli, const struct ct_args *args)
{
    const char *email = args->operands[0], *format = args->format;
    struct ct_answer_list *answers = NULL;
    struct ct_action_entry *actions = NULL;
    struct ct_member_history h;
    struct ct_member *m = NULL;
    struct ct_store *store;
    struct ct_prefs prefs;
    struct ct_error err;
    size_t i, nactions = 0;
    int rc = EX_OK;

    ct_prefs_init(&prefs);
    if ((store = ct_cli_store_read(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_find(store, email, &m, &err) != CT_OK ||
        ct_members_history(store, m->id, &h, &err) != CT_OK ||
        ct_answers_member(store, m->id, &answers, &err) != CT_OK ||
        ct_action_prefs_get(store, m->id, &prefs, &err) != CT_OK ||
        ct_action_log_list(store, m->id, &actions, &nactions, &err) != CT_OK) {
        rc = ct_cli_fail_member(cli, &err, &email, 1);
        goto out;
    }
    if (strcmp(format, "json") == 0) {
        print_member_json(m, &h, answers, &prefs, actions, nactions);
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
        snprintf(status, sizeof(status), "%s until %s", ct_member_status_str(m->status),
                 m->paused_until);
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
    print_answers_text(answers, m->timezone ? m->timezone : cli->config->network.timezone);
    print_prefs_text(&prefs);
    print_actions_text(actions, nactions);
out:
    ct_prefs_free(&prefs);
    ct_store_action_entries_free(actions, nactions);
    ct_answer_list_free(answers);
    ct_member_free(m);
    return rc;
}

/*
 * Say at once what a pause changes in planned rounds: the send re-forms
 * the groups (docs/rounds.md "After review"). cmd-exclude.c has its twin.
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
        return ct_cli_fail_member(cli, &err, &email, 1);
    }
    if (until)
        printf("paused %s until %s\n", email, until);
    else
        printf("paused %s until resumed\n", email);
    planned_rounds_say(store, email, NULL);
    sent_rounds_change(cli, store, email, NULL);
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
        return ct_cli_fail_member(cli, &err, &email, 1);
    printf(changed ? "resumed %s\n" : "%s is already active\n", email);
    return EX_OK;
}

static void
print_leave(struct ct_cli *cli, const struct ct_rounds_leave *leave)
{
    if (leave->mail.groups == 0)
        return;
    printf("%zu group%s changed, %zu message%s queued (cancellations and updates; "
           "%s outbox flush sends them)\n",
           leave->mail.groups, leave->mail.groups == 1 ? "" : "s", leave->mail.messages,
           leave->mail.messages == 1 ? "" : "s", ct_cli_self(cli));
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
        return ct_cli_fail_member(cli, &err, &email, 1);
    printf(changed ? "removed %s: marked left, history kept\n" : "%s has already left\n", email);
    print_leave(cli, &leave);
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
        return ct_cli_fail_member(cli, &err, &email, 1);
    printf("erased %s: personal data removed, anonymous history kept\n", email);
    print_leave(cli, &leave);
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
