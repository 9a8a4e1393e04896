/*
 * cmd-outcome.c: "coffeetrial outcome ...": what became of the meetings.
 * "outcome fetch" polls the organiser's mailbox once for calendar replies
 * and then counts the invitations whose answer window has closed.
 * ("outcome record" and "outcome import" belong in this table too.)
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

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

const struct ct_cmd ct_cmds_outcome[] = {
    {
        .group = "outcome",
        .name = "fetch",
        .args = "[-v|--verbose]",
        .summary = "poll the IMAP mailbox once for iTIP replies",
        .options = {{"verbose", 'v', NULL, "also report each message"}},
        .exec = outcome_fetch,
    },
    {0},
};
