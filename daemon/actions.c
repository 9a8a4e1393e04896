/*
 * actions.c: the daemon's actions wired to the library modules that do the
 * work. Each entry is an adapter from struct ct_action_ctx to a module's
 * own API; an entry stays NULL until its module is part of the build.
 */
#include "actions.h"

#include <signal.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "outbox.h"
#include "replies.h"
#include "transport.h"
#include "util.h"

/* --- outbox: deliveries and retries (lib/outbox, lib/transport) --- */

struct flush_run {
    struct ct_action_ctx *ctx;
    volatile sig_atomic_t stop;
};

/* One log line per message that did not go; ctx->tick between messages. */
static void
flush_event(void *arg, const struct ct_outbox_event *ev)
{
    struct flush_run *run = arg;
    char when[32] = "?";
    time_t t = (time_t)ev->next_attempt_at;
    struct tm tm;

    if (ev->status == CT_OK)
        ct_log_debug("sent %s to %s", ev->message_id, ev->recipient);
    else if (strcmp(ev->state, "dead") == 0)
        ct_log_error("%s to %s failed for good after %d attempt%s: %s", ev->message_id,
                     ev->recipient, ev->attempts, ev->attempts == 1 ? "" : "s", ev->error);
    else if (ev->status != CT_EUNAVAIL) {
        if (gmtime_r(&t, &tm))
            strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
        ct_log_warnx("%s to %s: %s (retry at %s UTC)", ev->message_id, ev->recipient, ev->error,
                     when);
    }
    if (run->ctx->tick && run->ctx->tick(run->ctx->tick_arg))
        run->stop = 1;
}

static enum ct_status
outbox_flush(struct ct_action_ctx *ctx, struct ct_error *err)
{
    struct flush_run run = {ctx, 0};
    struct ct_transport *t = NULL;
    struct ct_outbox_options opts;
    struct ct_outbox_result result;
    struct ct_buf summary;
    enum ct_status st;

    st = ct_transport_open(ctx->cfg, &t, err);
    if (st != CT_OK)
        return st;
    ct_outbox_options_init(&opts, ctx->cfg);
    opts.stop = &run.stop;
    opts.report = flush_event;
    opts.report_arg = &run;
    st = ct_outbox_flush(ctx->store, t, &opts, &result, err);
    ct_transport_close(t);
    if (st == CT_OK || st == CT_EUNAVAIL) {
        /* An unavailable service is logged by the loop, with its backoff. */
        if (result.sent + result.retry + result.dead + result.reclaimed > 0) {
            ct_buf_init(&summary);
            if (ct_outbox_result_summary(&result, &summary))
                ct_log_info("%s", summary.data);
            ct_buf_free(&summary);
        }
    }
    return st;
}

/* --- replies: iTIP answers over IMAP (lib/replies) --- */

static void
replies_log(void *arg, enum ct_replies_level level, const char *line)
{
    (void)arg;
    if (level == CT_REPLIES_WARNING)
        ct_log_warnx("%s", line);
    else if (level == CT_REPLIES_NOTICE)
        ct_log_info("%s", line);
    else
        ct_log_debug("%s", line);
}

static bool
replies_should_stop(void *arg)
{
    struct ct_action_ctx *ctx = arg;

    return ctx->tick && ctx->tick(ctx->tick_arg);
}

/*
 * Read the mailbox once (lib/replies), then settle the answer windows that
 * have closed. TODO(lead): set hooks.paused to queue the "how to resume"
 * notice when a member is paused (it runs inside the pausing transaction).
 */
static enum ct_status
imap_poll(struct ct_action_ctx *ctx, struct ct_error *err)
{
    struct ct_replies_hooks hooks = {replies_log, NULL, replies_should_stop, ctx};
    struct ct_replies_policy policy;
    struct ct_replies_closed closed;
    struct ct_replies_stats stats;
    struct ct_imap_options options = {0};
    struct ct_diags diags;
    char *password = NULL, *summary;
    enum ct_status st;
    size_t i;

    ct_diags_init(&diags);
    st = ct_config_read_secret(ctx->cfg->imap.password_file, &password, &diags, err);
    for (i = 0; i < diags.count; i++)
        ct_log_warnx("%s", diags.items[i].message);
    ct_diags_free(&diags);
    if (st != CT_OK)
        return st;
    options.url = ctx->cfg->imap.url;
    options.username = ctx->cfg->imap.username;
    options.password = password;
    options.ca_file = ctx->cfg->imap.ca_file;
    st = ct_replies_fetch(ctx->store, &options, ctx->now, &hooks, &stats, err);
    explicit_bzero(password, strlen(password));
    free(password);
    if (stats.fetched > 0 && (summary = ct_replies_stats_format(&stats)) != NULL) {
        ct_log_info("%s", summary);
        free(summary);
    }
    if (st != CT_OK)
        return st;
    policy.unanswered_limit = ctx->cfg->pairing.unanswered_limit;
    policy.meeting_window = ctx->cfg->schedule.meeting_window;
    return ct_replies_close_windows(ctx->store, ctx->now, &policy, &hooks, &closed, err);
}

static const struct ct_actions builtin = {
    .roster_refresh = NULL,       /* roster import (lib/roster) */
    .round_plan = NULL,           /* pairing and rounds (lib/pairing) */
    .round_send = NULL,           /* invites into the outbox (lib/invite) */
    .outbox_flush = outbox_flush, /* transports (lib/outbox, lib/transport) */
    .imap_poll = imap_poll,       /* iTIP replies over IMAP (lib/replies) */
};

const struct ct_actions *
ct_actions_builtin(void)
{
    return &builtin;
}
