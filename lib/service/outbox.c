/*
 * outbox.c: queueing, delivering and listing outbox rows; see outbox.h.
 *
 * A row moves queued -> sending (claimed: claimed_by = our pid, committed
 * before any byte leaves) -> sent | queued (retry later) | dead. A crash
 * leaves rows in 'sending' with a pid that no longer exists; the next
 * flush puts them back in the queue. That is the one place a message can
 * go out twice, and it then carries the same Message-ID as before.
 */
#include "outbox.h"
#include "invite_recipe.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "rng.h"
#include "round.h"
#include "store_rounds.h"
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

/* splitmix64's stream: small, good enough for jitter, reproducible from a seed. */
static uint64_t
next_random(uint64_t *state)
{
    return ct_rng_mix64(*state += UINT64_C(0x9e3779b97f4a7c15));
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

/* Run fn(txn, arg) in a transaction of its own, committed if it succeeds. */
static enum ct_status
in_txn(struct ct_store *store, enum ct_status (*fn)(struct ct_txn *, void *, struct ct_error *),
       void *arg, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_status st = ct_txn_begin(store, &txn, err);

    if (st != CT_OK)
        return st;
    st = fn(txn, arg, err);
    if (st != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    return ct_txn_commit(txn, err);
}

struct reclaim_job {
    const struct ct_outbox_options *opts;
    int64_t now;
    long count;
};

static enum ct_status
reclaim_in(struct ct_txn *txn, void *arg, struct ct_error *err)
{
    struct reclaim_job *job = arg;
    struct ct_outbox_filter filter = {.state_mask = 1u << CT_OUTBOX_SENDING};
    struct ct_outbox_row *rows = NULL;
    size_t count = 0, i;
    enum ct_status st;

    job->count = 0;
    st = ct_store_outbox_load(ct_txn_store(txn), &filter, &rows, &count, err);
    for (i = 0; st == CT_OK && i < count; i++) {
        char note[128];

        if (!claim_abandoned(rows[i].claimed_by, rows[i].claimed_at, job->now,
                             job->opts->stale_claim))
            continue;
        snprintf(note, sizeof(note),
                 "sending was interrupted (process %lld stopped); sent again with the same "
                 "Message-ID",
                 (long long)rows[i].claimed_by);
        st = ct_store_outbox_unclaim(txn, rows[i].id, 0, note, err);
        if (st == CT_OK)
            job->count++;
    }
    ct_outbox_rows_free(rows, count);
    return st;
}

/* Return the rows of processes that are gone to the queue. OUT: *count. */
static enum ct_status
reclaim(struct ct_store *store, const struct ct_outbox_options *opts, int64_t now, long *count,
        struct ct_error *err)
{
    struct reclaim_job job = {opts, now, 0};
    enum ct_status st = in_txn(store, reclaim_in, &job, err);

    *count = st == CT_OK ? job.count : 0;
    return st;
}

struct claim_job {
    int64_t due, now;
    int max;
    int64_t *ids;
    int count;
};

static enum ct_status
claim_in(struct ct_txn *txn, void *arg, struct ct_error *err)
{
    struct claim_job *job = arg;

    return ct_store_outbox_claim(txn, job->due, job->max, (int64_t)getpid(), job->now, job->ids,
                                 &job->count, err);
}

/*
 * Claim up to max rows due by `due` in one committed transaction, so no
 * other process sends them. OUT: ids[], *count (0 when nothing is due).
 */
static enum ct_status
claim(struct ct_store *store, int64_t due, int64_t now, int max, int64_t *ids, int *count,
      struct ct_error *err)
{
    struct claim_job job = {due, now, max, ids, 0};
    enum ct_status st = in_txn(store, claim_in, &job, err);

    *count = st == CT_OK ? job.count : 0;
    return st;
}

static enum ct_status
release_in(struct ct_txn *txn, void *arg, struct ct_error *err)
{
    (void)arg;
    return ct_store_outbox_release(txn, (int64_t)getpid(), err);
}

/* Put every row this process still claims back in the queue. */
static enum ct_status
release_claims(struct ct_store *store, struct ct_error *err)
{
    return in_txn(store, release_in, NULL, err);
}

struct record_job {
    int64_t id;
    const struct ct_outbox_outcome *outcome;
    int64_t now;
};

static enum ct_status
record_in(struct ct_txn *txn, void *arg, struct ct_error *err)
{
    struct record_job *job = arg;

    return ct_store_outbox_record(txn, job->id, (int64_t)getpid(), job->outcome, job->now, err);
}

/* Record one attempt's outcome on a row we claimed. */
static enum ct_status
record(struct ct_store *store, int64_t id, const struct ct_outbox_outcome *outcome, int64_t now,
       struct ct_error *err)
{
    struct record_job job = {id, outcome, now};

    return in_txn(store, record_in, &job, err);
}

enum ct_status
ct_outbox_row_build(struct ct_outbox_row *row, struct ct_error *err)
{
    struct ct_invite_message msg;
    enum ct_status st;

    if (row->recipe == NULL)
        return CT_OK;
    st = ct_invite_recipe_message(row->recipe, row->recipe_len, &msg, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "outbox message %lld", (long long)row->id);
    free(row->text_body);
    free(row->html_body);
    free(row->ics);
    free(row->message);
    row->text_body = msg.text;
    row->html_body = msg.html;
    row->ics = msg.ics;
    row->message = msg.raw;
    row->message_len = msg.raw_len;
    msg.text = msg.html = msg.ics = msg.raw = NULL;
    ct_invite_message_clear(&msg);
    return CT_OK;
}

/*
 * Build row's message from its recipe; a recipe that cannot make one
 * (damaged) makes the row dead with the reason, and *found false.
 */
static enum ct_status
build_or_bury(struct ct_store *store, struct ct_outbox_row *row, bool *found, struct ct_error *err)
{
    struct ct_outbox_outcome o;
    struct ct_error why;
    enum ct_status st;

    ct_error_clear(&why);
    if (ct_outbox_row_build(row, &why) == CT_OK)
        return CT_OK;
    o.state = CT_OUTBOX_DEAD;
    o.attempts = row->attempts + 1;
    o.next_attempt_at = 0;
    o.error = why.message;
    st = record(store, row->id, &o, row->claimed_at, err);
    ct_outbox_row_clear(row);
    *found = false;
    return st;
}

/* The claimed row id, with its message (built from its recipe); *found false if it is no longer
 * ours. */
static enum ct_status
load_claimed(struct ct_store *store, int64_t id, struct ct_outbox_row *row, bool *found,
             struct ct_error *err)
{
    struct ct_outbox_filter filter = {.state_mask = 1u << CT_OUTBOX_SENDING,
                                      .id = id,
                                      .claimed_by = (int64_t)getpid(),
                                      .with_message = true};
    struct ct_outbox_row *rows = NULL;
    size_t count = 0;
    enum ct_status st = ct_store_outbox_load(store, &filter, &rows, &count, err);

    *found = st == CT_OK && count == 1;
    if (*found) {
        *row = rows[0];
        memset(&rows[0], 0, sizeof(rows[0]));
    }
    ct_outbox_rows_free(rows, count);
    if (*found && row->recipe)
        st = build_or_bury(store, row, found, err);
    return st;
}

/*
 * Decide what a send's status means for the row: its new state, attempts
 * and next attempt, counted in result. *unavailable when the transport
 * could not be used.
 */
static void
decide(const struct ct_outbox_options *opts, enum ct_status sent, int64_t retry_after, int64_t now,
       uint64_t *rng, struct ct_outbox_outcome *o, struct ct_outbox_result *result,
       bool *unavailable)
{
    switch (sent) {
    case CT_OK:
        o->state = CT_OUTBOX_SENT;
        o->attempts++;
        o->next_attempt_at = 0;
        result->sent++;
        break;
    case CT_EUNAVAIL:
        /* Not this message's fault: it keeps its place and its attempts. */
        o->state = CT_OUTBOX_QUEUED;
        *unavailable = true;
        break;
    case CT_EPERM:
        o->state = CT_OUTBOX_DEAD;
        o->attempts++;
        o->next_attempt_at = 0;
        result->dead++;
        break;
    default:
        o->attempts++;
        if (o->attempts >= opts->max_attempts) {
            o->state = CT_OUTBOX_DEAD;
            o->next_attempt_at = 0;
            result->dead++;
        } else {
            int64_t delay =
                ct_outbox_backoff(opts->retry_base, opts->retry_cap, o->attempts, next_random(rng));
            if (retry_after > delay)
                delay = retry_after;
            o->state = CT_OUTBOX_QUEUED;
            o->next_attempt_at = now + delay;
            result->retry++;
        }
        break;
    }
}

static void
report_attempt(const struct ct_outbox_options *opts, const struct ct_outbox_row *row,
               enum ct_status sent, const struct ct_outbox_outcome *o)
{
    struct ct_outbox_event ev;

    if (opts->report == NULL)
        return;
    memset(&ev, 0, sizeof(ev));
    ev.id = row->id;
    ev.message_id = row->message_id;
    ev.recipient = row->recipient;
    ev.status = sent;
    ev.error = o->error;
    ev.state = o->state;
    ev.attempts = o->attempts;
    ev.next_attempt_at = o->state == CT_OUTBOX_QUEUED ? o->next_attempt_at : 0;
    opts->report(opts->report_arg, &ev);
}

/*
 * Send one claimed row and record what happened. OUT: *unavailable when
 * the transport cannot be used (the row is then back in the queue as it
 * was, with the error noted).
 */
static enum ct_status
deliver(struct ct_store *store, struct ct_transport *t, const struct ct_outbox_options *opts,
        int64_t id, int64_t now, uint64_t *rng, struct ct_outbox_result *result, bool *unavailable,
        struct ct_error *err)
{
    struct ct_outbox_row row = {0};
    struct ct_transport_message msg;
    struct ct_outbox_outcome o;
    struct ct_error send_err;
    enum ct_status st, sent;
    int64_t retry_after = 0;
    bool found;

    *unavailable = false;
    st = load_claimed(store, id, &row, &found, err);
    if (st != CT_OK || !found)
        return st; /* not found: taken back by another process meanwhile */
    memset(&msg, 0, sizeof(msg));
    msg.message_id = row.message_id;
    msg.recipient = row.recipient;
    msg.subject = row.subject;
    msg.method = row.method;
    msg.text_body = row.text_body;
    msg.html_body = row.html_body;
    msg.ics = row.ics;
    msg.raw = row.message;
    msg.raw_len = row.message_len;
    msg.from = opts->from;
    msg.now = opts->clock ? opts->clock() : now;

    ct_error_clear(&send_err);
    sent = ct_transport_send(t, &msg, &retry_after, &send_err);
    if (sent != CT_OK && send_err.message[0] == '\0')
        ct_error_set(&send_err, sent, "%s", ct_status_str(sent));
    if (opts->clock)
        now = opts->clock();
    o.attempts = row.attempts;
    o.next_attempt_at = row.next_attempt_at;
    o.error = sent == CT_OK ? NULL : send_err.message;
    decide(opts, sent, retry_after, now, rng, &o, result, unavailable);
    report_attempt(opts, &row, sent, &o);
    st = record(store, id, &o, now, err);
    ct_outbox_row_clear(&row);
    if (st == CT_OK && *unavailable)
        ct_error_set(err, CT_EUNAVAIL, "%s", send_err.message);
    return st;
}

/* Count what the flush leaves behind. */
static enum ct_status
tally(struct ct_store *store, struct ct_outbox_result *result, struct ct_error *err)
{
    struct ct_outbox_summary sum;
    enum ct_status st = ct_store_outbox_summarise(store, &sum, err);

    if (st != CT_OK)
        return st;
    result->queued = sum.count[CT_OUTBOX_QUEUED];
    result->next_attempt_at = sum.next_attempt_at[CT_OUTBOX_QUEUED];
    result->in_flight = sum.count[CT_OUTBOX_SENDING];
    result->dead_total = sum.count[CT_OUTBOX_DEAD];
    return CT_OK;
}

static uint64_t
seed_random(uint64_t seed, int64_t now)
{
    uint64_t s = 0;

    if (seed != 0)
        return seed;
    if (getrandom(&s, sizeof(s), GRND_NONBLOCK) != (ssize_t)sizeof(s))
        s = (uint64_t)now ^ ((uint64_t)getpid() << 32);
    return s;
}

static bool
stop_raised(const struct ct_outbox_options *opts, struct ct_outbox_result *result)
{
    if (opts->stop && *opts->stop) {
        result->stopped = true;
        return true;
    }
    return false;
}

/*
 * Claim and deliver batches until nothing due at `due` is left, the limit
 * is reached, a stop is asked for or the transport is unusable.
 */
static enum ct_status
deliver_due(struct ct_store *store, struct ct_transport *t, const struct ct_outbox_options *opts,
            int64_t due, struct ct_outbox_result *result, bool *unavailable, struct ct_error *err)
{
    int64_t ids[256];
    int batch = opts->batch > 0 ? opts->batch : CT_OUTBOX_BATCH;
    uint64_t rng = seed_random(opts->seed, due);
    long attempted = 0;
    enum ct_status st = CT_OK;
    int count, i;

    if (batch > (int)CT_ARRAY_LEN(ids))
        batch = (int)CT_ARRAY_LEN(ids);
    while (!*unavailable && !stop_raised(opts, result)) {
        int64_t now = opts->clock ? opts->clock() : due;

        if (opts->limit > 0 && attempted >= opts->limit)
            break;
        if (opts->limit > 0 && opts->limit - attempted < batch)
            batch = (int)(opts->limit - attempted);
        st = claim(store, due, now, batch, ids, &count, err);
        if (st != CT_OK || count == 0)
            break;
        for (i = 0; i < count && !stop_raised(opts, result); i++) {
            st = deliver(store, t, opts, ids[i], now, &rng, result, unavailable, err);
            attempted++;
            if (st != CT_OK || *unavailable)
                break;
        }
        if (st != CT_OK || result->stopped)
            break;
    }
    return st;
}

enum ct_status
ct_outbox_flush(struct ct_store *store, struct ct_transport *t,
                const struct ct_outbox_options *opts, int64_t now, struct ct_outbox_result *result,
                struct ct_error *err)
{
    struct ct_error ignored;
    enum ct_status st;
    bool unavailable = false;

    memset(result, 0, sizeof(*result));
    st = reclaim(store, opts, now, &result->reclaimed, err);
    if (st != CT_OK)
        return st;
    /*
     * Only what is due when the flush starts: a message rescheduled during
     * it (at least a second later) waits for the next flush, so a flush
     * always ends.
     */
    st = deliver_due(store, t, opts, now, result, &unavailable, err);
    /* Claimed but not tried (stopped, or the transport went away). */
    if (st == CT_OK)
        st = release_claims(store, err);
    else
        (void)release_claims(store, &ignored);
    if (st == CT_OK)
        st = tally(store, result, err);
    else
        (void)tally(store, result, &ignored);
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

void
ct_outbox_list_free(struct ct_outbox_list *list)
{
    if (list == NULL)
        return;
    ct_outbox_rows_free(list->rows, list->count);
    free(list);
}

enum ct_status
ct_outbox_list(struct ct_store *store, unsigned state_mask, struct ct_outbox_list **out,
               struct ct_error *err)
{
    struct ct_outbox_filter filter = {.state_mask = state_mask};
    struct ct_outbox_summary sum;
    struct ct_outbox_list *list;
    enum ct_status st;

    *out = NULL;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_store_outbox_summarise(store, &sum, err);
    if (st == CT_OK) {
        memcpy(list->counts, sum.count, sizeof(list->counts));
        st = ct_store_outbox_load(store, &filter, &list->rows, &list->count, err);
    }
    if (st != CT_OK) {
        ct_outbox_list_free(list);
        return st;
    }
    *out = list;
    return CT_OK;
}

struct requeue_job {
    int64_t id, now;
    long count;
};

static enum ct_status
requeue_in(struct ct_txn *txn, void *arg, struct ct_error *err)
{
    struct requeue_job *job = arg;
    struct ct_outbox_filter filter = {.id = job->id};
    struct ct_outbox_row *rows = NULL;
    size_t count = 0;
    enum ct_status st;

    if (job->id > 0) {
        st = ct_store_outbox_load(ct_txn_store(txn), &filter, &rows, &count, err);
        if (st == CT_OK && count == 0)
            st = ct_error_set(err, CT_ENOTFOUND, "outbox message %lld does not exist",
                              (long long)job->id);
        else if (st == CT_OK && rows[0].state != CT_OUTBOX_DEAD &&
                 rows[0].state != CT_OUTBOX_QUEUED)
            st = ct_error_set(err, CT_ESTATE, "outbox message %lld is %s, not dead or queued",
                              (long long)job->id, ct_outbox_state_str(rows[0].state));
        ct_outbox_rows_free(rows, count);
        if (st != CT_OK)
            return st;
    }
    return ct_store_outbox_requeue(txn, job->id, job->now, &job->count, err);
}

enum ct_status
ct_outbox_requeue(struct ct_store *store, int64_t id, int64_t now, long *count,
                  struct ct_error *err)
{
    struct requeue_job job = {id, now, 0};
    enum ct_status st = in_txn(store, requeue_in, &job, err);

    *count = st == CT_OK ? job.count : 0;
    return st;
}

/* The rows a drop request names, checked: see ct_outbox_drop(). OUT: *rows, *count. */
static enum ct_status
drop_select(struct ct_store *store, const struct ct_outbox_drop_request *req,
            struct ct_outbox_row **rows, size_t *count, struct ct_error *err)
{
    struct ct_outbox_filter filter = {0};
    struct ct_round *round;
    enum ct_status st;

    if (req->id > 0) {
        filter.id = req->id;
        if ((st = ct_store_outbox_load(store, &filter, rows, count, err)) != CT_OK)
            return st;
        if (*count == 0)
            return ct_error_set(err, CT_ENOTFOUND,
                                "outbox message %lld does not exist (see coffeetrial outbox)",
                                (long long)req->id);
        if ((*rows)[0].state != CT_OUTBOX_QUEUED || (*rows)[0].claimed_by != 0)
            return ct_error_set(err, CT_ESTATE,
                                "outbox message %lld is %s; only a queued message can be dropped",
                                (long long)req->id, ct_outbox_state_str((*rows)[0].state));
        if (req->kind_mask != 0 && !(req->kind_mask & (1u << (*rows)[0].kind)))
            return ct_error_set(err, CT_ESTATE, "outbox message %lld is a %s, not a kind asked for",
                                (long long)req->id, ct_outbox_kind_str((*rows)[0].kind));
        return CT_OK;
    }
    if ((round = calloc(1, sizeof(*round))) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_store_round_load(store, req->round_id, round, err);
    ct_round_free(round);
    if (st != CT_OK)
        return st;
    filter.round_id = req->round_id;
    filter.kind_mask = req->kind_mask;
    filter.state_mask = 1u << CT_OUTBOX_QUEUED;
    return ct_store_outbox_load(store, &filter, rows, count, err);
}

enum ct_status
ct_outbox_drop(struct ct_store *store, const struct ct_outbox_drop_request *req,
               struct ct_outbox_row **rows, size_t *count, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_status st;
    size_t i, kept = 0;
    bool dropped;

    *rows = NULL;
    *count = 0;
    if (req->id <= 0 && req->round_id <= 0)
        return ct_error_set(err, CT_EUSAGE, "outbox drop needs a message id or a round");
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK)
        return st;
    if ((st = drop_select(ct_txn_store(txn), req, rows, count, err)) != CT_OK)
        goto out;
    /* A claimed row (a sender holds it right now) is never dropped. */
    for (i = 0; i < *count; i++) {
        if ((*rows)[i].claimed_by != 0) {
            ct_outbox_row_clear(&(*rows)[i]);
            continue;
        }
        if (!req->dry_run &&
            (st = ct_store_outbox_drop(txn, (*rows)[i].id, &dropped, err)) != CT_OK)
            goto out;
        if (!req->dry_run)
            (*rows)[i].state = CT_OUTBOX_DROPPED;
        (*rows)[kept++] = (*rows)[i];
    }
    *count = kept;
    if (!req->dry_run) {
        st = ct_txn_commit(txn, err);
        txn = NULL;
    }
out:
    ct_txn_rollback(txn);
    if (st != CT_OK) {
        ct_outbox_rows_free(*rows, *count);
        *rows = NULL;
        *count = 0;
    }
    return st;
}

enum ct_status
ct_outbox_next_due(struct ct_store *store, int64_t *due, bool *found, struct ct_error *err)
{
    return ct_store_outbox_next_due(store, due, found, err);
}

enum ct_status
ct_outbox_pending(struct ct_store *store, long *count, struct ct_error *err)
{
    return ct_store_outbox_pending(store, count, err);
}

/* Rows compacted per transaction: each commits in a few milliseconds. */
#define COMPACT_BATCH 2000

struct compact_job {
    int64_t before;
    long count;
};

static enum ct_status
compact_in(struct ct_txn *txn, void *arg, struct ct_error *err)
{
    struct compact_job *job = arg;

    return ct_store_outbox_compact(txn, job->before, COMPACT_BATCH, &job->count, err);
}

enum ct_status
ct_outbox_compact(struct ct_store *store, int64_t keep, int64_t now, long *count,
                  struct ct_error *err)
{
    struct compact_job job = {now - keep, 0};
    enum ct_status st = CT_OK;

    *count = 0;
    if (keep <= 0)
        return CT_OK;
    do {
        st = in_txn(store, compact_in, &job, err);
        if (st == CT_OK)
            *count += job.count;
    } while (st == CT_OK && job.count == COMPACT_BATCH);
    return st;
}
