/*
 * actions-test.c: stand-in actions for test builds (CT_TEST_HOOKS), chosen
 * with COFFEETRIAL_TEST_ACTIONS=fake. They write the rows the real actions
 * would (a planned round, a sent round, delivered outbox messages) so the
 * loop, the schedule's decisions, signals and --once are tested end to end
 * with the real binary. Release builds do not contain this file.
 *
 * COFFEETRIAL_TEST_SEND_MS=N makes each delivery take N ms (to stop the
 * daemon with a message in flight); a [roster] source containing "fail"
 * makes the refresh fail.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "store_impl.h"
#include "actions.h"
#include "log.h"

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
    sqlite3 *db = ct_store_db(ctx->store);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;

    if (sqlite3_prepare_v2(db,
                           "INSERT INTO rounds(date, seed, state, origin, send_after, created_at) "
                           "VALUES (?1, 0, 'planned', 'daemon', ?2, ?3)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(ctx->store, err, "plan round");
    sqlite3_bind_text(stmt, 1, date, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, send_after);
    sqlite3_bind_int64(stmt, 3, ctx->now);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(ctx->store, err, "plan round");
    else
        *round_id = sqlite3_last_insert_rowid(db);
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
fake_round_send(struct ct_action_ctx *ctx, int64_t round_id, struct ct_error *err)
{
    sqlite3 *db = ct_store_db(ctx->store);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;

    if (sqlite3_prepare_v2(db,
                           "UPDATE rounds SET state = 'sent', sent_at = ?2 "
                           "WHERE id = ?1 AND state = 'planned'",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(ctx->store, err, "send round");
    sqlite3_bind_int64(stmt, 1, round_id);
    sqlite3_bind_int64(stmt, 2, ctx->now);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(ctx->store, err, "send round");
    else if (sqlite3_changes(db) != 1)
        st = ct_error_set(err, CT_ESTATE, "round %" PRId64 " is not planned", round_id);
    sqlite3_finalize(stmt);
    return st;
}

/* A delivery that takes ms milliseconds, signals or not, as a network write would. */
static void
slow_delivery(long ms)
{
    struct timespec left = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}

static enum ct_status
set_outbox_state(struct ct_action_ctx *ctx, int64_t id, const char *state, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;

    if (sqlite3_prepare_v2(ct_store_db(ctx->store),
                           "UPDATE outbox SET state = ?2, attempts = attempts + (?2 = 'sent'), "
                           "sent_at = CASE WHEN ?2 = 'sent' THEN ?3 END, claimed_by = ?4 "
                           "WHERE id = ?1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(ctx->store, err, "update outbox");
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 3, ctx->now);
    sqlite3_bind_int64(stmt, 4, (int64_t)getpid());
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(ctx->store, err, "update outbox");
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
fake_outbox_flush(struct ct_action_ctx *ctx, struct ct_error *err)
{
    const char *env = getenv("COFFEETRIAL_TEST_SEND_MS");
    long ms = env ? strtol(env, NULL, 10) : 0;
    enum ct_status st = CT_OK;

    for (;;) {
        sqlite3_stmt *stmt = NULL;
        int64_t id;
        int rc;

        if (sqlite3_prepare_v2(ct_store_db(ctx->store),
                               "SELECT id FROM outbox WHERE state = 'queued' "
                               "AND next_attempt_at <= ?1 ORDER BY id LIMIT 1",
                               -1, &stmt, NULL) != SQLITE_OK)
            return ct_store_error(ctx->store, err, "read outbox");
        sqlite3_bind_int64(stmt, 1, ctx->now);
        rc = sqlite3_step(stmt);
        id = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
        sqlite3_finalize(stmt);
        if (rc != SQLITE_ROW)
            break;
        if ((st = set_outbox_state(ctx, id, "sending", err)) != CT_OK)
            break;
        if (ms > 0)
            slow_delivery(ms);
        if ((st = set_outbox_state(ctx, id, "sent", err)) != CT_OK)
            break;
        ct_log_info("stand-in delivery of outbox message %" PRId64, id);
        if (ctx->tick(ctx->tick_arg))
            break;
    }
    return st;
}

static enum ct_status
fake_imap_poll(struct ct_action_ctx *ctx, struct ct_error *err)
{
    ct_log_info("stand-in IMAP poll of %s", ctx->cfg->imap.url);
    return CT_OK;
}

static const struct ct_actions fakes = {
    .roster_refresh = fake_roster_refresh,
    .round_plan = fake_round_plan,
    .round_send = fake_round_send,
    .outbox_flush = fake_outbox_flush,
    .imap_poll = fake_imap_poll,
};

const struct ct_actions *
ct_actions_test(void)
{
    return &fakes;
}
