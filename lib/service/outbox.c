/*
 * outbox.c: queueing, delivering and listing outbox rows; see outbox.h.
 *
 * A row moves queued -> sending (claimed: claimed_by = our pid, committed
 * before any byte leaves) -> sent | queued (retry later) | dead. A crash
 * leaves rows in 'sending' with a pid that no longer exists; the next
 * flush puts them back in the queue. That is the one place a message can
 * go out twice, and it then carries the same Message-ID as before.
 */
#include "store_impl.h"
#include "outbox.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "util.h"

void
ct_outbox_options_init(struct ct_outbox_options *opts, const struct ct_config *cfg)
{
    memset(opts, 0, sizeof(*opts));
    opts->from = cfg ? cfg->network.organiser_email : NULL;
    opts->max_attempts = cfg && cfg->transport.max_attempts > 0 ? cfg->transport.max_attempts : 8;
    opts->retry_base = cfg && cfg->transport.retry_base > 0 ? cfg->transport.retry_base : 300;
    opts->retry_cap = CT_OUTBOX_RETRY_CAP;
    opts->batch = CT_OUTBOX_BATCH;
    /*
     * A live flush may hold its batch for up to batch x (connect + 4 x
     * timeout); a claim older than twice that cannot be one in progress
     * (only a pid reused by an unrelated process could make it look alive).
     */
    opts->stale_claim = CT_OUTBOX_STALE_CLAIM;
    if (cfg) {
        int64_t t = cfg->smtp.timeout > cfg->http.timeout ? cfg->smtp.timeout : cfg->http.timeout;
        if (t > 0 && t < INT64_MAX / (10 * CT_OUTBOX_BATCH) &&
            2 * CT_OUTBOX_BATCH * 5 * t > opts->stale_claim)
            opts->stale_claim = 2 * CT_OUTBOX_BATCH * 5 * t;
    }
}

enum ct_status
ct_outbox_enqueue(struct ct_store *store, const struct ct_outbox_entry *e, struct ct_error *err)
{
    sqlite3 *db = ct_store_db(store);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    int64_t now = ct_now();

    if (sqlite3_prepare_v2(db,
                           "INSERT INTO outbox (message_id, kind, group_id, member_id, "
                           "recipient, subject, method, text_body, html_body, ics, message, "
                           "state, attempts, next_attempt_at, created_at) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, 'queued', 0, "
                           "?12, ?12)",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(store, err, "queue message");
    sqlite3_bind_text(stmt, 1, e->message_id, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, e->kind, -1, SQLITE_STATIC);
    if (e->group_id > 0)
        sqlite3_bind_int64(stmt, 3, e->group_id);
    if (e->member_id > 0)
        sqlite3_bind_int64(stmt, 4, e->member_id);
    sqlite3_bind_text(stmt, 5, e->recipient, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 6, e->subject, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 7, e->method, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 8, e->text_body, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 9, e->html_body, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 10, e->ics, -1, SQLITE_STATIC);
    sqlite3_bind_blob64(stmt, 11, e->message ? e->message : "", e->message_len, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 12, now);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        st = ct_store_error(store, err, "queue message");
        ct_error_prefix(err, "message %s to %s", e->message_id ? e->message_id : "?",
                        e->recipient ? e->recipient : "?");
    }
    sqlite3_finalize(stmt);
    return st;
}

/* splitmix64: small, good enough for jitter, reproducible from a seed. */
static uint64_t
next_random(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);

    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

int64_t
ct_outbox_backoff(int64_t retry_base, int64_t retry_cap, int attempts, uint64_t random)
{
    int64_t delay = retry_base > 0 ? retry_base : 1;
    int i;

    if (retry_cap <= 0)
        retry_cap = CT_OUTBOX_RETRY_CAP;
    if (delay > retry_cap)
        delay = retry_cap;
    for (i = 1; i < attempts && delay < retry_cap; i++)
        delay = delay > retry_cap / 2 ? retry_cap : delay * 2;
    /* Scale by 0.800 .. 1.200 so a burst of failures does not retry in step. */
    delay = delay * (int64_t)(800 + random % 401) / 1000;
    return delay > 0 ? delay : 1;
}

/* True if the claim of a 'sending' row can be taken back. */
static bool
claim_abandoned(int64_t pid, int64_t claimed_at, int64_t now, int64_t stale_claim)
{
    if (pid <= 0 || pid == (int64_t)getpid())
        return true; /* ours: a flush of this process that did not finish */
    if (claimed_at < now - stale_claim)
        return true;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Return the rows of processes that are gone to the queue. OUT: *count. */
static enum ct_status
reclaim(struct ct_store *store, const struct ct_outbox_options *opts, long *count,
        struct ct_error *err)
{
    sqlite3 *db = ct_store_db(store);
    sqlite3_stmt *sel = NULL, *upd = NULL;
    enum ct_status st;
    int64_t now = ct_now();
    int rc;

    *count = 0;
    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    if (sqlite3_prepare_v2(db,
                           "SELECT id, claimed_by, claimed_at FROM outbox "
                           "WHERE state = 'sending'",
                           -1, &sel, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db,
                           "UPDATE outbox SET state = 'queued', claimed_by = NULL, "
                           "claimed_at = NULL, last_error = ?2 "
                           "WHERE id = ?1 AND state = 'sending'",
                           -1, &upd, NULL) != SQLITE_OK) {
        st = ct_store_error(store, err, "reclaim outbox");
        goto out;
    }
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(sel, 0);
        int64_t pid = sqlite3_column_int64(sel, 1);
        int64_t at = sqlite3_column_int64(sel, 2);
        char note[128];

        if (!claim_abandoned(pid, at, now, opts->stale_claim))
            continue;
        snprintf(note, sizeof(note),
                 "sending was interrupted (process %lld stopped); sent again with the same "
                 "Message-ID",
                 (long long)pid);
        sqlite3_bind_int64(upd, 1, id);
        sqlite3_bind_text(upd, 2, note, -1, SQLITE_TRANSIENT);
        if (sqlite3_step(upd) != SQLITE_DONE) {
            st = ct_store_error(store, err, "reclaim outbox");
            goto out;
        }
        sqlite3_reset(upd);
        (*count)++;
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "reclaim outbox");
        goto out;
    }
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    return ct_store_commit(store, err);
out:
    sqlite3_finalize(sel);
    sqlite3_finalize(upd);
    ct_store_rollback(store);
    return st;
}

static int
compare_ids(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

    return (x > y) - (x < y);
}

/*
 * Claim up to max rows due by `due` in one committed transaction, so no
 * other process sends them. OUT: ids[], *count (0 when nothing is due).
 */
static enum ct_status
claim(struct ct_store *store, int64_t due, int max, int64_t *ids, int *count, struct ct_error *err)
{
    sqlite3 *db = ct_store_db(store);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    int rc;

    *count = 0;
    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    if (sqlite3_prepare_v2(db,
                           "UPDATE outbox SET state = 'sending', claimed_by = ?1, "
                           "claimed_at = ?2 WHERE id IN (SELECT id FROM outbox "
                           "WHERE state = 'queued' AND next_attempt_at <= ?3 "
                           "ORDER BY next_attempt_at, id LIMIT ?4) RETURNING id",
                           -1, &stmt, NULL) != SQLITE_OK) {
        st = ct_store_error(store, err, "claim outbox messages");
        goto fail;
    }
    sqlite3_bind_int64(stmt, 1, (int64_t)getpid());
    sqlite3_bind_int64(stmt, 2, ct_now());
    sqlite3_bind_int64(stmt, 3, due);
    sqlite3_bind_int(stmt, 4, max);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW && *count < max)
        ids[(*count)++] = sqlite3_column_int64(stmt, 0);
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "claim outbox messages");
        goto fail;
    }
    sqlite3_finalize(stmt);
    st = ct_store_commit(store, err);
    if (st != CT_OK)
        *count = 0;
    qsort(ids, (size_t)*count, sizeof(*ids), compare_ids);
    return st;
fail:
    sqlite3_finalize(stmt);
    ct_store_rollback(store);
    *count = 0;
    return st;
}

/* Put every row this process still claims back in the queue. */
static enum ct_status
release_claims(struct ct_store *store, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;

    if (sqlite3_prepare_v2(ct_store_db(store),
                           "UPDATE outbox SET state = 'queued', claimed_by = NULL, "
                           "claimed_at = NULL WHERE state = 'sending' AND claimed_by = ?1",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(store, err, "release outbox claims");
    sqlite3_bind_int64(stmt, 1, (int64_t)getpid());
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(store, err, "release outbox claims");
    sqlite3_finalize(stmt);
    return st;
}

/* Record one attempt's outcome on a row we claimed. */
static enum ct_status
record(struct ct_store *store, int64_t id, const char *state, int attempts, int64_t next_attempt_at,
       const char *error, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    int64_t now = ct_now();

    if (sqlite3_prepare_v2(ct_store_db(store),
                           "UPDATE outbox SET state = ?2, attempts = ?3, "
                           "next_attempt_at = ?4, last_error = ?5, "
                           "sent_at = CASE WHEN ?2 = 'sent' THEN ?6 ELSE sent_at END, "
                           "claimed_by = NULL, claimed_at = NULL "
                           "WHERE id = ?1 AND state = 'sending' AND claimed_by = ?7",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(store, err, "record delivery");
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, state, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 3, attempts);
    sqlite3_bind_int64(stmt, 4, next_attempt_at);
    sqlite3_bind_text(stmt, 5, error, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 6, now);
    sqlite3_bind_int64(stmt, 7, (int64_t)getpid());
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(store, err, "record delivery");
    sqlite3_finalize(stmt);
    return st;
}

static const char *
column_text(sqlite3_stmt *stmt, int col)
{
    return (const char *)sqlite3_column_text(stmt, col);
}

/*
 * Send one claimed row and record what happened. OUT: *unavailable when
 * the transport cannot be used (the row is then back in the queue as it
 * was, with the error noted).
 */
static enum ct_status
deliver(struct ct_store *store, struct ct_transport *t, const struct ct_outbox_options *opts,
        int64_t id, uint64_t *rng, struct ct_outbox_result *result, bool *unavailable,
        struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    struct ct_transport_message msg;
    struct ct_outbox_event ev;
    struct ct_error send_err;
    enum ct_status st, sent;
    int64_t retry_after = 0, next_at, now;
    const char *state;
    int attempts, rc;

    *unavailable = false;
    if (sqlite3_prepare_v2(ct_store_db(store),
                           "SELECT message_id, recipient, subject, method, text_body, "
                           "html_body, ics, message, attempts, next_attempt_at FROM outbox "
                           "WHERE id = ?1 AND state = 'sending' AND claimed_by = ?2",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(store, err, "read outbox message");
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, (int64_t)getpid());
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        /* Taken back by another process meanwhile: not ours to send. */
        sqlite3_finalize(stmt);
        return CT_OK;
    }
    if (rc != SQLITE_ROW) {
        st = ct_store_error(store, err, "read outbox message");
        sqlite3_finalize(stmt);
        return st;
    }
    /* The column pointers stay valid until the statement is reset. */
    memset(&msg, 0, sizeof(msg));
    msg.message_id = column_text(stmt, 0);
    msg.recipient = column_text(stmt, 1);
    msg.subject = column_text(stmt, 2);
    msg.method = column_text(stmt, 3);
    msg.text_body = column_text(stmt, 4);
    msg.html_body = column_text(stmt, 5);
    msg.ics = column_text(stmt, 6);
    msg.raw = sqlite3_column_blob(stmt, 7);
    msg.raw_len = (size_t)sqlite3_column_bytes(stmt, 7);
    if (msg.raw == NULL)
        msg.raw = "";
    msg.from = opts->from;
    attempts = sqlite3_column_int(stmt, 8);
    next_at = sqlite3_column_int64(stmt, 9);

    ct_error_clear(&send_err);
    sent = ct_transport_send(t, &msg, &retry_after, &send_err);
    if (sent != CT_OK && send_err.message[0] == '\0')
        ct_error_set(&send_err, sent, "%s", ct_status_str(sent));
    now = ct_now();
    switch (sent) {
    case CT_OK:
        state = "sent";
        attempts++;
        next_at = 0;
        result->sent++;
        break;
    case CT_EUNAVAIL:
        /* Not this message's fault: it keeps its place and its attempts. */
        state = "queued";
        *unavailable = true;
        break;
    case CT_EPERM:
        state = "dead";
        attempts++;
        next_at = 0;
        result->dead++;
        break;
    default:
        attempts++;
        if (attempts >= opts->max_attempts) {
            state = "dead";
            next_at = 0;
            result->dead++;
        } else {
            int64_t delay =
                ct_outbox_backoff(opts->retry_base, opts->retry_cap, attempts, next_random(rng));
            if (retry_after > delay)
                delay = retry_after;
            state = "queued";
            next_at = now + delay;
            result->retry++;
        }
        break;
    }
    memset(&ev, 0, sizeof(ev));
    ev.id = id;
    ev.message_id = msg.message_id;
    ev.recipient = msg.recipient;
    ev.status = sent;
    ev.error = sent == CT_OK ? NULL : send_err.message;
    ev.state = state;
    ev.attempts = attempts;
    ev.next_attempt_at = strcmp(state, "queued") == 0 ? next_at : 0;
    if (opts->report)
        opts->report(opts->report_arg, &ev);
    sqlite3_reset(stmt);
    st = record(store, id, state, attempts, next_at, ev.error, err);
    sqlite3_finalize(stmt);
    if (st == CT_OK && *unavailable)
        ct_error_set(err, CT_EUNAVAIL, "%s", send_err.message);
    return st;
}

/* Count what the flush leaves behind. */
static enum ct_status
tally(struct ct_store *store, struct ct_outbox_result *result, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;

    if (sqlite3_prepare_v2(ct_store_db(store),
                           "SELECT count(*) FILTER (WHERE state = 'queued'), "
                           "min(next_attempt_at) FILTER (WHERE state = 'queued'), "
                           "count(*) FILTER (WHERE state = 'sending'), "
                           "count(*) FILTER (WHERE state = 'dead') FROM outbox",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(store, err, "count outbox");
    if (sqlite3_step(stmt) == SQLITE_ROW) {
        result->queued = (long)sqlite3_column_int64(stmt, 0);
        result->next_attempt_at = sqlite3_column_int64(stmt, 1);
        result->in_flight = (long)sqlite3_column_int64(stmt, 2);
        result->dead_total = (long)sqlite3_column_int64(stmt, 3);
    } else {
        st = ct_store_error(store, err, "count outbox");
    }
    sqlite3_finalize(stmt);
    return st;
}

static uint64_t
seed_random(uint64_t seed)
{
    uint64_t s = 0;

    if (seed != 0)
        return seed;
    if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
        s = (uint64_t)ct_now() ^ ((uint64_t)getpid() << 32);
    return s;
}

enum ct_status
ct_outbox_flush(struct ct_store *store, struct ct_transport *t,
                const struct ct_outbox_options *opts, struct ct_outbox_result *result,
                struct ct_error *err)
{
    int64_t ids[256], due;
    int batch = opts->batch > 0 ? opts->batch : CT_OUTBOX_BATCH;
    int count, i;
    long attempted = 0;
    uint64_t rng = seed_random(opts->seed);
    enum ct_status st;
    bool unavailable = false;

    memset(result, 0, sizeof(*result));
    if (batch > (int)CT_ARRAY_LEN(ids))
        batch = (int)CT_ARRAY_LEN(ids);
    st = reclaim(store, opts, &result->reclaimed, err);
    if (st != CT_OK)
        return st;
    /*
     * Only what is due when the flush starts: a message rescheduled during
     * it (at least a second later) waits for the next flush, so a flush
     * always ends.
     */
    due = ct_now();
    while (!unavailable) {
        if (opts->stop && *opts->stop) {
            result->stopped = true;
            break;
        }
        if (opts->limit > 0 && attempted >= opts->limit)
            break;
        if (opts->limit > 0 && opts->limit - attempted < batch)
            batch = (int)(opts->limit - attempted);
        st = claim(store, due, batch, ids, &count, err);
        if (st != CT_OK)
            goto out;
        if (count == 0)
            break;
        for (i = 0; i < count; i++) {
            if (opts->stop && *opts->stop) {
                result->stopped = true;
                break;
            }
            st = deliver(store, t, opts, ids[i], &rng, result, &unavailable, err);
            attempted++;
            if (st != CT_OK || unavailable)
                break;
        }
        if (st != CT_OK || unavailable || result->stopped)
            break;
    }
out:
    if (st == CT_OK) {
        /* Claimed but not tried (stopped, or the transport went away). */
        st = release_claims(store, err);
    } else {
        struct ct_error ignored;
        (void)release_claims(store, &ignored);
    }
    if (st == CT_OK)
        st = tally(store, result, err);
    else {
        struct ct_error ignored;
        (void)tally(store, result, &ignored);
    }
    if (st == CT_OK && unavailable) {
        result->unavailable = true;
        st = err ? err->status : CT_EUNAVAIL;
    }
    return st;
}

bool
ct_outbox_result_summary(const struct ct_outbox_result *r, struct ct_buf *b)
{
    time_t t = (time_t)r->next_attempt_at;
    struct tm tm;
    char when[32];

    ct_buf_printf(b, "flush: %ld sent, %ld to retry", r->sent, r->queued);
    if (r->queued > 0 && gmtime_r(&t, &tm) != NULL) {
        strftime(when, sizeof(when), "%Y-%m-%d %H:%M", &tm);
        ct_buf_printf(b, " (next at %s UTC)", when);
    }
    ct_buf_printf(b, ", %ld failed", r->dead);
    if (r->reclaimed > 0)
        ct_buf_printf(b, ", %ld interrupted earlier and requeued", r->reclaimed);
    if (r->in_flight > 0)
        ct_buf_printf(b, ", %ld being sent by another process", r->in_flight);
    if (r->unavailable)
        ct_buf_puts(b, " (service unavailable)");
    else if (r->stopped)
        ct_buf_puts(b, " (stopped)");
    return !b->failed;
}

static void
row_free(struct ct_outbox_row *r)
{
    free(r->message_id);
    free(r->kind);
    free(r->recipient);
    free(r->subject);
    free(r->state);
    free(r->last_error);
}

void
ct_outbox_list_free(struct ct_outbox_list *list)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < list->count; i++)
        row_free(&list->rows[i]);
    free(list->rows);
    free(list);
}

enum ct_status
ct_outbox_list(struct ct_store *store, const char *state, struct ct_outbox_list **out,
               struct ct_error *err)
{
    sqlite3 *db = ct_store_db(store);
    sqlite3_stmt *stmt = NULL;
    struct ct_outbox_list *list;
    enum ct_status st = CT_OK;
    size_t cap = 0;
    bool failed = false;
    int rc;

    *out = NULL;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    if (sqlite3_prepare_v2(db, "SELECT state, count(*) FROM outbox GROUP BY state", -1, &stmt,
                           NULL) != SQLITE_OK) {
        st = ct_store_error(store, err, "read outbox");
        goto out;
    }
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        enum ct_outbox_state s;
        if (ct_outbox_state_parse(column_text(stmt, 0), &s))
            list->counts[s] = (long)sqlite3_column_int64(stmt, 1);
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read outbox");
        goto out;
    }
    sqlite3_finalize(stmt);
    if (sqlite3_prepare_v2(db,
                           "SELECT id, message_id, kind, recipient, subject, state, last_error, "
                           "attempts, coalesce(group_id, 0), next_attempt_at, "
                           "coalesce(claimed_by, 0), created_at, coalesce(sent_at, 0) "
                           "FROM outbox WHERE ?1 IS NULL OR state = ?1 ORDER BY id",
                           -1, &stmt, NULL) != SQLITE_OK) {
        st = ct_store_error(store, err, "read outbox");
        goto out;
    }
    sqlite3_bind_text(stmt, 1, state, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct ct_outbox_row *r;

        if (list->count == cap) {
            size_t ncap = cap ? cap * 2 : 32;
            struct ct_outbox_row *rows = realloc(list->rows, ncap * sizeof(*rows));
            if (rows == NULL) {
                failed = true;
                break;
            }
            list->rows = rows;
            cap = ncap;
        }
        r = &list->rows[list->count++];
        memset(r, 0, sizeof(*r));
        r->id = sqlite3_column_int64(stmt, 0);
        r->message_id = ct_store_column_dup(stmt, 1, &failed);
        r->kind = ct_store_column_dup(stmt, 2, &failed);
        r->recipient = ct_store_column_dup(stmt, 3, &failed);
        r->subject = ct_store_column_dup(stmt, 4, &failed);
        r->state = ct_store_column_dup(stmt, 5, &failed);
        r->last_error = ct_store_column_dup(stmt, 6, &failed);
        r->attempts = sqlite3_column_int(stmt, 7);
        r->group_id = sqlite3_column_int64(stmt, 8);
        r->next_attempt_at = sqlite3_column_int64(stmt, 9);
        r->claimed_by = sqlite3_column_int64(stmt, 10);
        r->created_at = sqlite3_column_int64(stmt, 11);
        r->sent_at = sqlite3_column_int64(stmt, 12);
        if (failed)
            break;
    }
    if (failed) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read outbox");
        goto out;
    }
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK)
        ct_outbox_list_free(list);
    else
        *out = list;
    return st;
}

enum ct_status
ct_outbox_requeue(struct ct_store *store, int64_t id, long *count, struct ct_error *err)
{
    sqlite3 *db = ct_store_db(store);
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    char *state = NULL;
    int rc;

    *count = 0;
    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    if (id > 0) {
        if (sqlite3_prepare_v2(db, "SELECT state FROM outbox WHERE id = ?1", -1, &stmt, NULL) !=
            SQLITE_OK) {
            st = ct_store_error(store, err, "requeue");
            goto fail;
        }
        sqlite3_bind_int64(stmt, 1, id);
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_DONE) {
            st = ct_error_set(err, CT_ENOTFOUND, "outbox message %lld does not exist",
                              (long long)id);
            goto fail;
        }
        if (rc != SQLITE_ROW) {
            st = ct_store_error(store, err, "requeue");
            goto fail;
        }
        state = ct_strdup(column_text(stmt, 0));
        sqlite3_finalize(stmt);
        stmt = NULL;
        if (state == NULL) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            goto fail;
        }
        if (strcmp(state, "dead") != 0 && strcmp(state, "queued") != 0) {
            st = ct_error_set(err, CT_ESTATE, "outbox message %lld is %s, not dead or queued",
                              (long long)id, state);
            goto fail;
        }
    }
    if (sqlite3_prepare_v2(db,
                           "UPDATE outbox SET next_attempt_at = ?2, "
                           "attempts = CASE WHEN state = 'dead' THEN 0 ELSE attempts END, "
                           "state = 'queued' "
                           "WHERE (?1 = 0 AND state = 'dead') OR (?1 > 0 AND id = ?1)",
                           -1, &stmt, NULL) != SQLITE_OK) {
        st = ct_store_error(store, err, "requeue");
        goto fail;
    }
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, ct_now());
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        st = ct_store_error(store, err, "requeue");
        goto fail;
    }
    *count = sqlite3_changes(db);
    sqlite3_finalize(stmt);
    free(state);
    return ct_store_commit(store, err);
fail:
    sqlite3_finalize(stmt);
    free(state);
    ct_store_rollback(store);
    *count = 0;
    return st;
}
