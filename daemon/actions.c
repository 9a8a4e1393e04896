/*
 * actions.c: the daemon's actions wired to the library modules that do the
 * work. Each entry is an adapter from struct ct_action_ctx to a module's
 * own API; an entry stays NULL until its module is part of the build.
 */
#include "actions.h"

#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "outbox.h"
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
    st = ct_rounds_plan(ctx->store, ctx->cfg, &opts, &round, err);
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
    struct ct_round_mail mail;
    enum ct_status st = ct_rounds_send(ctx->store, ctx->cfg, round_id, &mail, err);

    if (st != CT_OK)
        return st;
    ct_log_info("round %lld: %zu invitations queued for %zu groups", (long long)round_id,
                mail.messages, mail.groups);
    if (mail.dropped > 0)
        ct_log_info("round %lld: %zu members who left since the plan were taken out of their "
                    "groups",
                    (long long)round_id, mail.dropped);
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

static const struct ct_actions builtin = {
    .roster_refresh = NULL,       /* roster import (lib/roster) */
    .round_plan = round_plan,     /* pairing and rounds (lib/rounds, lib/pairing) */
    .round_send = round_send,     /* invites into the outbox (lib/rounds, lib/invite) */
    .outbox_flush = outbox_flush, /* transports (lib/outbox, lib/transport) */
    .imap_poll = NULL,            /* iTIP replies over IMAP (lib/replies) */
};

const struct ct_actions *
ct_actions_builtin(void)
{
    return &builtin;
}
