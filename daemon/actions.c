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

#include "clock.h"
#include "fetch.h"
#include "lifecycle.h"
#include "log.h"
#include "members.h"
#include "notices.h"
#include "rematch.h"
#include "outbox.h"
#include "replies.h"
#include "roster.h"
#include "rounds.h"
#include "transport.h"
#include "util.h"

/* --- rounds: planning on schedule and sending after review (lib/rounds) --- */

static enum ct_status
round_plan(struct ct_action_ctx *ctx, const char *date, int64_t send_after, int64_t *round_id,
           struct ct_error *err)
{
    struct ct_round_plan_options opts = {0};
    struct ct_round *round = NULL;
    enum ct_status st;

    opts.date = date;
    opts.origin = CT_ROUND_DAEMON;
    opts.send_after = send_after;
    st = ct_rounds_plan(ctx->store, ctx->cfg, &opts, ct_now(), &round, err);
    if (st != CT_OK)
        return st;
    *round_id = round->id;
    ct_log_info("round %lld for %s: %zu groups, %zu unpaired of %zu eligible (seed %llu)",
                (long long)round->id, round->date, round->group_count, round->unpaired_count,
                round->eligible, (unsigned long long)round->seed);
    if (round->replaced > 0)
        ct_log_info("round %lld replaces round %lld, planned before for %s", (long long)round->id,
                    (long long)round->replaced, round->date);
    ct_round_free(round);
    return CT_OK;
}

static enum ct_status
round_send(struct ct_action_ctx *ctx, int64_t round_id, struct ct_error *err)
{
    struct ct_round_changes changes;
    struct ct_round_mail mail;
    enum ct_status st =
        ct_rounds_send(ctx->store, ctx->cfg, round_id, ct_now(), &mail, &changes, err);
    size_t i;

    if (st != CT_OK)
        return st;
    ct_log_info("round %lld: %zu invitations queued for %zu groups", (long long)round_id,
                mail.messages, mail.groups);
    if (mail.dropped > 0)
        ct_log_info("round %lld: %zu members who left or paused since the plan were taken out "
                    "of their groups",
                    (long long)round_id, mail.dropped);
    for (i = 0; i < changes.count; i++)
        ct_log_info("round %lld: %s", (long long)round_id, changes.items[i].line);
    ct_round_changes_clear(&changes);
    if (mail.reslotted > 0)
        ct_log_info("round %lld: %zu groups got a new time, the planned one having passed",
                    (long long)round_id, mail.reslotted);
    return CT_OK;
}

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
    else if (ev->state == CT_OUTBOX_DEAD)
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

/* [store] keep_messages, after each flush: the bodies of messages sent long ago go. */
static void
compact_sent(struct ct_action_ctx *ctx)
{
    struct ct_error err;
    long count = 0;

    ct_error_clear(&err);
    if (ct_outbox_compact(ctx->store, ctx->cfg->store.keep_messages, ct_now(), &count, &err) !=
        CT_OK)
        ct_log_warnx("compacting sent messages: %s", err.message);
    else if (count > 0)
        ct_log_info("%ld sent messages older than [store] keep_messages compacted", count);
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
    opts.clock = ct_now;
    /* The time now, not the job's start: the send job may just have queued mail. */
    st = ct_outbox_flush(ctx->store, t, &opts, ct_now(), &result, err);
    ct_transport_close(t);
    compact_sent(ctx);
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

/* --- roster: re-import [roster] source (lib/fetch, lib/roster, lib/members) --- */

/*
 * A sync refused for [roster] max_left: the organiser is told by mail once
 * per refused file, and err (which the job logs as one line, after the
 * source) says how many would leave and the limit.
 */
static enum ct_status
roster_refused(struct ct_action_ctx *ctx, const struct ct_sync_result *result, const char *name,
               const char *data, size_t len, struct ct_error *err)
{
    const struct ct_share *limit = &ctx->cfg->roster.max_left;
    struct ct_error nerr;
    bool mailed = false;

    ct_error_clear(&nerr);
    if (ct_members_sync_refused_notice(ctx->store, ctx->cfg, result, name, data, len, ct_now(),
                                       &mailed, &nerr) != CT_OK)
        ct_log_error("roster %s: could not queue the notice to the organiser: %s", name,
                     nerr.message);
    return ct_error_set(err, CT_EDATA,
                        "refused: the sync would mark %zu of %zu current members left, more "
                        "than [roster] max_left = %d%s allows (%zu); %s",
                        result->left, result->current, limit->value, limit->percent ? "%" : "",
                        result->max_left,
                        mailed ? "the organiser is told by mail"
                               : "the organiser was already told about this file");
}

/*
 * Fetch, check and sync the roster, all or nothing: a source that cannot be
 * read or has any invalid row leaves the members as they are, so the last
 * good roster stays in use (the job says so). Every problem is logged with
 * its line. A sync beyond [roster] max_left is never applied here.
 */
static enum ct_status
roster_refresh(struct ct_action_ctx *ctx, struct ct_error *err)
{
    const struct ct_config *cfg = ctx->cfg;
    struct ct_sync_options opts = {0};
    struct ct_sync_result *result = NULL;
    struct ct_roster *roster = NULL;
    struct ct_rounds_leave leave;
    struct ct_diags diags;
    char *name, *data = NULL, *line;
    enum ct_status st;
    size_t len, i;

    if ((name = ct_fetch_display_name(cfg->roster.source)) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    ct_diags_init(&diags);
    st = ct_fetch_source(cfg->roster.source, (size_t)cfg->roster.max_bytes,
                         (long)cfg->roster.timeout, cfg->roster.ca_file, &data, &len, err);
    if (st != CT_OK)
        goto out;
    st = ct_roster_parse(name, data, len, &roster, &diags);
    for (i = 0; i < diags.count; i++) {
        if ((line = ct_diag_format(&diags.items[i])) == NULL)
            continue;
        if (diags.items[i].severity == CT_ERROR)
            ct_log_error("%s", line);
        else
            ct_log_warnx("%s", line);
        free(line);
    }
    if (st != CT_OK) {
        ct_error_set(err, st, "%s: %zu error%s", name, diags.errors, diags.errors == 1 ? "" : "s");
        goto out;
    }
    opts.source = name;
    ct_rounds_leave_init(&leave, cfg);
    opts.hook = &leave.hook;
    opts.max_left = &cfg->roster.max_left;
    st = ct_members_sync(ctx->store, roster, &opts, ct_now(), &result, err);
    if (st != CT_OK && result != NULL && result->refused)
        st = roster_refused(ctx, result, name, data, len, err);
    if (st != CT_OK)
        goto out;
    if (leave.mail.groups > 0)
        ct_log_info("roster %s: %zu groups of members who left changed, %zu messages queued", name,
                    leave.mail.groups, leave.mail.messages);
    if (result->added + result->updated + result->left > 0)
        ct_log_info("roster %s: %zu rows, %zu added, %zu updated, %zu marked left", name,
                    result->rows, result->added, result->updated, result->left);
    else
        ct_log_debug("roster %s: %zu rows, no change", name, result->rows);
out:
    ct_sync_result_free(result);
    ct_roster_free(roster);
    ct_diags_free(&diags);
    free(data);
    free(name);
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

/* A member was paused: queue the notice saying how to resume (SPEC). */
static enum ct_status
replies_paused(void *arg, struct ct_txn *txn, int64_t member_id, const char *email,
               struct ct_error *err)
{
    struct ct_action_ctx *ctx = arg;

    ct_log_info("paused %s after %d invitations in a row went unanswered; notice queued", email,
                ctx->cfg->pairing.unanswered_limit);
    return ct_notice_queue_pause(txn, ctx->cfg, member_id, email, ct_now(), err);
}

/*
 * Read the mailbox once (lib/replies), then settle the answer windows that
 * have closed; a member paused for it gets the notice, queued with the pause.
 */
static enum ct_status
imap_poll(struct ct_action_ctx *ctx, struct ct_error *err)
{
    struct ct_replies_hooks hooks = {replies_log, replies_paused, replies_should_stop, ctx,
                                     ctx->cfg};
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

/* --- re-match: partners left alone after a send (lib/rematch) --- */

static enum ct_status
rounds_rematch(struct ct_action_ctx *ctx, struct ct_error *err)
{
    struct ct_rematch_result res;
    enum ct_status st = ct_rounds_rematch_open(ctx->store, ctx->cfg, ctx->now, &res, err);

    if (st == CT_OK && res.alone > 0)
        ct_log_info("re-match: %zu members alone; %zu re-paired, %zu joined a pair as a third, "
                    "%zu told there is no partner this time",
                    res.alone, res.regrouped, res.trios, res.told);
    return st;
}

/* --- lifecycle messages: welcome, reminder, check-in (lib/lifecycle) --- */

static enum ct_status
lifecycle_send(struct ct_action_ctx *ctx, int64_t next_round, const char *next_date,
               struct ct_error *err)
{
    struct ct_lifecycle_result res;
    enum ct_status st =
        ct_lifecycle_run(ctx->store, ctx->cfg, next_round, next_date, ctx->now, &res, err);

    if (st == CT_OK && res.welcomes + res.reminders + res.checkins > 0)
        ct_log_info("lifecycle messages queued: %zu welcomes, %zu reminders, %zu check-ins",
                    res.welcomes, res.reminders, res.checkins);
    return st;
}

static const struct ct_actions builtin = {
    .roster_refresh = roster_refresh, /* roster import (lib/roster, lib/members) */
    .round_plan = round_plan,         /* pairing and rounds (lib/rounds, lib/pairing) */
    .round_send = round_send,         /* invites into the outbox (lib/rounds, lib/invite) */
    .outbox_flush = outbox_flush,     /* transports (lib/outbox, lib/transport) */
    .imap_poll = imap_poll,           /* iTIP replies over IMAP (lib/replies) */
    .rounds_rematch = rounds_rematch, /* partners left alone re-matched (lib/rematch) */
    .lifecycle_send = lifecycle_send, /* welcome, reminder, check-in (lib/lifecycle) */
};

const struct ct_actions *
ct_actions_builtin(void)
{
    return &builtin;
}
