/*
 * actions-test.c: stand-in actions for test builds (CT_TEST_HOOKS), chosen
 * with COFFEETRIAL_TEST_ACTIONS=fake. They write the rows the real actions
 * would (a planned round, a sent round, delivered outbox messages: the
 * real outbox over a stand-in transport) so the
 * loop, the schedule's decisions, signals and --once are tested end to end
 * with the real binary. Release builds do not contain this file.
 *
 * COFFEETRIAL_TEST_SEND_MS=N makes each delivery take N ms (to stop the
 * daemon with a message in flight); a [roster] source containing "fail"
 * makes the refresh fail.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "actions.h"
#include "daemon_state.h"
#include "lifecycle.h"
#include "log.h"
#include "outbox.h"
#include "rematch.h"
#include "transport.h"

static enum ct_status
fake_roster_refresh(struct ct_action_ctx *ctx, struct ct_error *err)
{
    if (strstr(ctx->cfg->roster.source, "fail"))
        return ct_error_set(err, CT_EUNAVAIL, "%s: stand-in refresh fails on purpose",
                            ctx->cfg->roster.source);
    return CT_OK;
}

static enum ct_status
fake_round_plan(struct ct_action_ctx *ctx, const char *date, int64_t send_after, int64_t *round_id,
                struct ct_error *err)
{
    return ct_daemon_state_fake_plan(ctx->store, date, send_after, ctx->now, round_id, err);
}

static enum ct_status
fake_round_send(struct ct_action_ctx *ctx, int64_t round_id, struct ct_error *err)
{
    return ct_daemon_state_fake_send(ctx->store, round_id, ctx->now, err);
}

/* A delivery that takes ms milliseconds, signals or not, as a network write would. */
static void
slow_delivery(long ms)
{
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

/* The stand-in transport: every message goes, after COFFEETRIAL_TEST_SEND_MS. */
static enum ct_status
fake_open(const struct ct_config *cfg, void **state, struct ct_error *err)
{
    static long ms;
    const char *env = getenv("COFFEETRIAL_TEST_SEND_MS");

    ms = env ? strtol(env, NULL, 10) : 0;
    *state = &ms;
    return CT_OK;
}

static enum ct_status
fake_send(void *state, const struct ct_transport_message *msg, int64_t *retry_after,
          struct ct_error *err)
{
    long ms = *(const long *)state;

    if (ms > 0)
        slow_delivery(ms);
    return CT_OK;
}

static void
fake_close(void *state)
{
}

static const struct ct_transport_backend fake_transport = {
    .name = "stand-in",
    .open = fake_open,
    .send = fake_send,
    .close = fake_close,
};

struct fake_flush {
    struct ct_action_ctx *ctx;
    volatile sig_atomic_t stop;
};

/* One log line per delivery; stop after the message in flight when asked. */
static void
fake_delivered(void *arg, const struct ct_outbox_event *ev)
{
    struct fake_flush *run = arg;

    ct_log_info("stand-in delivery of outbox message %" PRId64, ev->id);
    if (run->ctx->tick(run->ctx->tick_arg))
        run->stop = 1;
}

/* The real outbox flush over the stand-in transport. */
static enum ct_status
fake_outbox_flush(struct ct_action_ctx *ctx, struct ct_error *err)
{
    struct fake_flush run = {ctx, 0};
    struct ct_outbox_options opts;
    struct ct_outbox_result result;
    struct ct_transport *t = NULL;
    enum ct_status st;

    st = ct_transport_open_backend(&fake_transport, ctx->cfg, &t, err);
    if (st != CT_OK)
        return st;
    ct_outbox_options_init(&opts, ctx->cfg);
    opts.stop = &run.stop;
    opts.report = fake_delivered;
    opts.report_arg = &run;
    st = ct_outbox_flush(ctx->store, t, &opts, ctx->now, &result, err);
    ct_transport_close(t);
    return st;
}

static enum ct_status
fake_imap_poll(struct ct_action_ctx *ctx, struct ct_error *err)
{
    ct_log_info("stand-in IMAP poll of %s", ctx->cfg->imap.url);
    return CT_OK;
}

/* Re-matching touches only the store: the stand-in is the real thing. */
static enum ct_status
fake_rounds_rematch(struct ct_action_ctx *ctx, struct ct_error *err)
{
    return ct_rounds_rematch_open(ctx->store, ctx->cfg, ctx->now, NULL, err);
}

/* Lifecycle messages touch only the store and the outbox: the stand-in is the real thing. */
static enum ct_status
fake_lifecycle_send(struct ct_action_ctx *ctx, int64_t next_round, const char *next_date,
                    struct ct_error *err)
{
    return ct_lifecycle_run(ctx->store, ctx->cfg, next_round, next_date, ctx->now, NULL, err);
}

static const struct ct_actions fakes = {
    .roster_refresh = fake_roster_refresh,
    .round_plan = fake_round_plan,
    .round_send = fake_round_send,
    .outbox_flush = fake_outbox_flush,
    .imap_poll = fake_imap_poll,
    .rounds_rematch = fake_rounds_rematch,
    .lifecycle_send = fake_lifecycle_send,
};

const struct ct_actions *
ct_actions_test(void)
{
    return &fakes;
}
