/*
 * cmd-outcome.c: "coffeetrial outcome ...": what became of the meetings.
 * "outcome fetch" polls the organiser's mailbox once for calendar replies
 * and then counts the invitations whose answer window has closed;
 * "outcome held" lists the replies kept back as untrustworthy and
 * "outcome apply" applies one by the organiser's hand.
 * ("outcome record" and "outcome import" belong in this table too.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "cli.h"
#include "clock.h"
#include "notices.h"
#include "replies.h"
#include "util.h"

struct fetch_log {
    bool verbose;
    const struct ct_config *cfg;
};

static void
print_log(void *arg, enum ct_replies_level level, const char *line)
{
    const struct fetch_log *log = arg;

    if (level == CT_REPLIES_WARNING)
        ct_cli_warn("%s", line);
    else if (level == CT_REPLIES_NOTICE || log->verbose)
        ct_cli_error("%s", line);
}

/* A member was paused: queue the notice saying how to resume (SPEC). */
static enum ct_status
queue_pause_notice(void *arg, struct ct_txn *txn, int64_t member_id, const char *email,
                   struct ct_error *err)
{
    const struct fetch_log *log = arg;

    return ct_notice_queue_pause(txn, log->cfg, member_id, email, ct_now(), err);
}

/* Free a secret, wiping it first. */
static void
wipe_free(char *secret)
{
    if (secret)
        explicit_bzero(secret, strlen(secret));
    free(secret);
}

static void
print_summary(const struct ct_replies_stats *stats)
{
    char *line = ct_replies_stats_format(stats);

    if (line)
        printf("%s\n", line);
    free(line);
}

static int
outcome_fetch(struct ct_cli *cli, const struct ct_args *args)
{
    struct fetch_log log = {ct_args_has(args, "verbose"), NULL};
    struct ct_replies_hooks hooks = {0};
    struct ct_replies_stats stats;
    struct ct_replies_policy policy;
    struct ct_replies_closed closed;
    struct ct_imap_options options = {0};
    struct ct_config *cfg;
    struct ct_store *store;
    struct ct_diags diags;
    struct ct_error err;
    char *password = NULL;
    enum ct_status st;

    cfg = ct_cli_config(cli);
    if (cfg == NULL)
        return cli->failed_exit;
    log.cfg = cfg;
    if (cfg->imap.url == NULL || cfg->imap.username == NULL || cfg->imap.password_file == NULL) {
        ct_cli_error("%s: set [imap] url, username and password_file to fetch replies",
                     cfg->path ? cfg->path : "built-in defaults");
        return EX_CONFIG;
    }
    ct_error_clear(&err);
    ct_diags_init(&diags);
    st = ct_config_read_secret(cfg->imap.password_file, &password, &diags, &err);
    ct_cli_print_diags(&diags);
    ct_diags_free(&diags);
    if (st != CT_OK)
        return ct_cli_fail(&err);
    store = ct_cli_store(cli);
    if (store == NULL) {
        wipe_free(password);
        return cli->failed_exit;
    }
    options.url = cfg->imap.url;
    options.username = cfg->imap.username;
    options.password = password;
    options.ca_file = cfg->imap.ca_file;
    hooks.log = print_log;
    hooks.paused = queue_pause_notice;
    hooks.arg = &log;
    hooks.cfg = cfg;
    st = ct_replies_fetch(store, &options, ct_now(), &hooks, &stats, &err);
    wipe_free(password);
    if (st != CT_OK) {
        if (stats.fetched > 0)
            print_summary(&stats);
        return ct_cli_fail(&err);
    }
    print_summary(&stats);

    /*
     * Count the invitations whose answer window closed; a member paused
     * for it gets the notice saying how to resume, queued with the pause.
     */
    policy.unanswered_limit = cfg->pairing.unanswered_limit;
    policy.meeting_window = cfg->schedule.meeting_window;
    st = ct_replies_close_windows(store, ct_now(), &policy, &hooks, &closed, &err);
    if (st != CT_OK)
        return ct_cli_fail(&err);
    if (closed.paused > 0)
        printf("paused %zu member%s: %d invitations in a row declined or unanswered\n",
               closed.paused, closed.paused == 1 ? "" : "s", policy.unanswered_limit);
    return EX_OK;
}

/* "2026-12-03 10:00" or, for JSON, "2026-12-03T10:00:00Z"; "" for 0. */
static const char *
utc_time(int64_t t, bool iso, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    buf[0] = '\0';
    if (t != 0 && gmtime_r(&tt, &tm) != NULL)
        strftime(buf, size, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M", &tm);
    return buf;
}

/* A positive number from an operand or option, or 0 after printing why. */
static int64_t
parse_id(const char *s, const char *what)
{
    long long v;
    char *end;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || *end || end == s || v < 1) {
        ct_cli_error("'%s' is not a %s", s, what);
        return 0;
    }
    return (int64_t)v;
}

static void
held_json(const struct ct_replies_held *h, size_t n)
{
    char when[32];
    size_t i;

    printf("{\"held\": [");
    for (i = 0; i < n; i++) {
        printf("%s\n  {\"id\": %lld, \"received\": ", i ? "," : "", (long long)h[i].id);
        ct_cli_json_string(stdout, utc_time(h[i].received_at, true, when, sizeof(when)));
        printf(", \"from\": ");
        ct_cli_json_string(stdout, h[i].sender);
        printf(", \"uid\": ");
        ct_cli_json_string(stdout, h[i].event_uid);
        if (h[i].group_id)
            printf(", \"group\": %lld", (long long)h[i].group_id);
        else
            printf(", \"group\": null");
        printf(", \"invitation_of\": ");
        ct_cli_json_string(stdout, h[i].owner_email);
        printf(", \"answers_for\": ");
        ct_cli_json_string(stdout, h[i].attendee);
        printf(", \"method\": \"%s\", \"answer\": \"%s\"", ct_reply_method_name(h[i].method),
               ct_reply_partstat_name(h[i].partstat));
        if (h[i].proposed_start) {
            printf(", \"proposed\": ");
            ct_cli_json_string(stdout, utc_time(h[i].proposed_start, true, when, sizeof(when)));
        }
        printf(", \"comment\": ");
        ct_cli_json_string(stdout, h[i].comment);
        printf(", \"reason\": ");
        ct_cli_json_string(stdout, h[i].reason);
        printf(", \"applied\": %s}", h[i].applied_at ? "true" : "false");
    }
    printf("%s]}\n", n ? "\n" : "");
}

static void
held_text(const struct ct_replies_held *h, size_t n, bool all)
{
    char when[32];
    size_t i;

    if (n == 0) {
        printf("no replies %s\n", all ? "were held" : "are held");
        return;
    }
    for (i = 0; i < n; i++) {
        printf("#%lld  %s  %s %s for %s", (long long)h[i].id,
               utc_time(h[i].received_at, false, when, sizeof(when)),
               ct_reply_method_name(h[i].method), ct_reply_partstat_name(h[i].partstat),
               h[i].attendee);
        if (h[i].group_id)
            printf(", group %lld", (long long)h[i].group_id);
        printf("%s\n", h[i].applied_at ? " (applied)" : "");
        printf("    why: %s\n", h[i].reason);
        printf("    from: %s (the From line proves nothing)\n",
               h[i].sender ? h[i].sender : "unknown");
        if (h[i].proposed_start)
            printf("    proposed: %s UTC\n",
                   utc_time(h[i].proposed_start, false, when, sizeof(when)));
        if (h[i].comment)
            printf("    comment: %s\n", h[i].comment);
    }
    if (!all)
        printf("apply one by hand: coffeetrial outcome apply ID [--member EMAIL]\n");
}

static int
outcome_held(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_replies_held_filter filter = {0, 0, 0, ct_args_has(args, "all")};
    struct ct_replies_held *list = NULL;
    const char *round = ct_args_get(args, "round"), *group = ct_args_get(args, "group");
    struct ct_store *store;
    struct ct_error err;
    size_t n = 0;

    if ((round && (filter.round_id = parse_id(round, "round number")) == 0) ||
        (group && (filter.group_id = parse_id(group, "group number")) == 0))
        return EX_USAGE;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_replies_held_list(store, &filter, &list, &n, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (strcmp(args->format, "json") == 0)
        held_json(list, n);
    else
        held_text(list, n, filter.applied);
    ct_replies_held_free(list, n);
    return EX_OK;
}

static int
outcome_apply(struct ct_cli *cli, const struct ct_args *args)
{
    const char *member = ct_args_get(args, "member");
    struct ct_replies_applied done;
    struct ct_store *store;
    struct ct_error err;
    int64_t id = parse_id(args->operands[0], "held reply number (see coffeetrial outcome held)");

    if (id == 0)
        return EX_USAGE;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_replies_apply_held(store, id, member, ct_now(), &done, &err) != CT_OK)
        return ct_cli_fail(&err);
    printf("held reply %lld applied: %s %s for member %lld in group %lld (by the organiser)\n",
           (long long)id, ct_reply_method_name(done.method), ct_reply_partstat_name(done.partstat),
           (long long)done.member_id, (long long)done.group_id);
    return EX_OK;
}

const struct ct_cmd ct_cmds_outcome[] = {
    {
        .group = "outcome",
        .name = "fetch",
        .args = "[-v|--verbose]",
        .summary = "poll the IMAP mailbox once for iTIP replies",
        .options = {{"verbose", 'v', NULL, "also report each message and why it was held"}},
        .exec = outcome_fetch,
    },
    {
        .group = "outcome",
        .name = "held",
        .args = "[--round ID] [--group ID] [--all]",
        .summary = "list the replies held as untrustworthy, and why",
        .options = {{"round", 0, "ID", "only those about this round"},
                    {"group", 0, "ID", "only those about this group"},
                    {"all", 0, NULL, "also those already applied by hand"}},
        .formats = "text|json",
        .exec = outcome_held,
    },
    {
        .group = "outcome",
        .name = "apply",
        .args = "HELD_ID [--member EMAIL]",
        .summary = "apply a held reply by hand (recorded as the organiser's)",
        .options = {{"member", 'm', "EMAIL",
                     "whose answer it is (default: the address it answers for)"}},
        .min_operands = 1,
        .max_operands = 1,
        .exec = outcome_apply,
    },
    {0},
};
