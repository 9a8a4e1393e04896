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
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
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
    opts->batch = 0; /* the transport's choice */
    opts->breaker = CT_OUTBOX_BREAKER;
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

/* The outcomes of one batch: the rows tried, recorded in one transaction. */
struct record_job {
    const struct ct_outbox_row *rows;
    const struct ct_outbox_outcome *outcomes;
    const bool *tried;
    size_t n;
    int64_t now;
};

static enum ct_status
record_in(struct ct_txn *txn, void *arg, struct ct_error *err)
{
    struct record_job *job = arg;
    int64_t *ids = malloc((job->n ? job->n : 1) * sizeof(*ids));
    enum ct_status st;
    size_t i;

    if (ids == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (i = 0; i < job->n; i++)
        ids[i] = job->rows[i].id;
    st = ct_store_outbox_record_batch(txn, (int64_t)getpid(), ids, job->outcomes, job->tried,
                                      job->n, job->now, err);
    free(ids);
    return st;
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

/* Make row dead with the reason its recipe could not make a message (damaged). */
static enum ct_status
bury(struct ct_store *store, struct ct_outbox_row *row, const struct ct_error *why,
     struct ct_error *err)
{
    struct ct_outbox_outcome o;
    bool tried = true;
    struct record_job job = {row, &o, &tried, 1, row->claimed_at};
    enum ct_status st;

    o.state = CT_OUTBOX_DEAD;
    o.attempts = row->attempts + 1;
    o.next_attempt_at = 0;
    o.error = why->message;
    st = in_txn(store, record_in, &job, err);
    ct_outbox_row_clear(row);
    return st;
}

/*
 * A claimed batch on its way: claimed and loaded (SQLite, the flush's
 * thread), its messages built from their recipes (pure, on a thread of
 * their own while the batch before goes out, and on the flush's thread
 * too once that batch is out), sent, recorded.
 */
struct loaded {
    int64_t ids[CT_OUTBOX_BATCH_MAX];
    int count;                  /* rows claimed */
    int64_t now;                /* when they were claimed */
    struct ct_outbox_row *rows; /* rows[0..n): the claimed rows still ours */
    struct ct_error *why;       /* why[i]: rows[i]'s recipe could not make a message */
    bool *bad;
    size_t n;
    atomic_size_t next_row; /* the next row to build, taken by whichever thread is free */
    pthread_t thread;
    bool running; /* thread is building the messages */
};

static void
loaded_free(struct loaded *l)
{
    size_t i;

    if (l == NULL)
        return;
    for (i = 0; l->rows && i < l->n; i++)
        ct_outbox_row_clear(&l->rows[i]);
    free(l->rows);
    free(l->why);
    free(l->bad);
    free(l);
}

static struct loaded *
loaded_new(int batch)
{
    struct loaded *l = calloc(1, sizeof(*l));

    if (l == NULL)
        return NULL;
    l->rows = calloc((size_t)batch, sizeof(*l->rows));
    l->why = calloc((size_t)batch, sizeof(*l->why));
    l->bad = calloc((size_t)batch, sizeof(*l->bad));
    if (!l->rows || !l->why || !l->bad) {
        loaded_free(l);
        return NULL;
    }
    return l;
}

/* Clear the rows of l for the next batch. */
static void
loaded_clear(struct loaded *l)
{
    size_t i;

    for (i = 0; i < l->n; i++)
        ct_outbox_row_clear(&l->rows[i]);
    l->n = 0;
    l->count = 0;
}

/* Claim up to max rows due by `due` at now and load them (messages not built yet). */
static enum ct_status
claim_and_load(struct ct_store *store, int64_t due, int64_t now, int max, struct loaded *l,
               struct ct_error *err)
{
    enum ct_status st = claim(store, due, now, max, l->ids, &l->count, err);

    l->now = now;
    l->n = 0;
    if (st != CT_OK || l->count == 0)
        return st;
    /* A row no longer ours was taken back by another process meanwhile. */
    return ct_store_outbox_load_claimed(store, (int64_t)getpid(), l->ids, (size_t)l->count, l->rows,
                                        &l->n, err);
}

/*
 * Build the loaded rows' messages from their recipes, one row after another
 * as l->next_row hands them out, until none is left: pure, no SQLite, so
 * the flush's thread can take a share once its own batch is out.
 */
static void
build_some(struct loaded *l)
{
    size_t i;

    while ((i = atomic_fetch_add(&l->next_row, 1)) < l->n) {
        ct_error_clear(&l->why[i]);
        l->bad[i] = l->rows[i].recipe && ct_outbox_row_build(&l->rows[i], &l->why[i]) != CT_OK;
    }
}

/* The building thread's body. */
static void *
build_rows(void *arg)
{
    build_some(arg);
    return NULL;
}

/*
 * Start building l's messages on a thread (here and now if no thread can
 * start). The thread blocks every signal, so a SIGTERM or SIGINT reaches
 * the flush's own thread and interrupts what it waits for, as before.
 */
static void
build_start(struct loaded *l)
{
    sigset_t all, old;

    atomic_store(&l->next_row, 0);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    l->running = pthread_create(&l->thread, NULL, build_rows, l) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (!l->running)
        build_rows(l);
}

/*
 * Build what is left of l's messages alongside the thread, and wait for it;
 * bury the rows whose recipe made none (when bury).
 */
static enum ct_status
build_finish(struct ct_store *store, struct loaded *l, bool bury_bad, struct ct_error *err)
{
    enum ct_status st = CT_OK;
    size_t i, kept = 0;

    if (l->running) {
        build_some(l);
        pthread_join(l->thread, NULL);
    }
    l->running = false;
    for (i = 0; i < l->n; i++) {
        if (l->bad[i]) {
            if (st == CT_OK && bury_bad)
                st = bury(store, &l->rows[i], &l->why[i], err);
            ct_outbox_row_clear(&l->rows[i]);
            continue;
        }
        if (kept != i) {
            l->rows[kept] = l->rows[i];
            memset(&l->rows[i], 0, sizeof(l->rows[i]));
        }
        kept++;
    }
    l->n = kept;
    return st;
}

/*
 * Decide what a send's status means for the row: its new state, attempts
 * and next attempt, counted in result.
 */
static void
decide(const struct ct_outbox_options *opts, enum ct_status sent, int64_t retry_after, int64_t now,
       uint64_t *rng, struct ct_outbox_outcome *o, struct ct_outbox_result *result)
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

/* What a flush carries from batch to batch. */
struct flush_state {
    struct ct_transport_batch ctl; /* the breaker's count, stop, done() */
    uint64_t rng;
    bool answered;         /* the relay answered at least once */
    struct ct_error cause; /* the unusable service's error, or the last relay fault */
};

/* One batch in flight: its rows and what became of each. */
struct batch_run {
    const struct ct_outbox_options *opts;
    struct ct_outbox_result *result;
    struct flush_state *fs;
    int64_t now;
    struct ct_outbox_row *rows;
    struct ct_transport_result *results;
    struct ct_outbox_outcome *outcomes;
    bool *tried;
    size_t *pending; /* relay faults not judged yet */
    size_t npending;
};

/*
 * Settle message i. A relay fault is counted as an attempt only when the
 * relay then answered another message (so it was this message's doing);
 * otherwise it keeps its attempts and waits out the first retry delay.
 */
static void
settle(struct batch_run *b, size_t i, bool counted)
{
    const struct ct_transport_result *r = &b->results[i];
    struct ct_outbox_outcome *o = &b->outcomes[i];
    int64_t now = b->opts->clock ? b->opts->clock() : b->now;

    o->attempts = b->rows[i].attempts;
    o->next_attempt_at = b->rows[i].next_attempt_at;
    o->error = r->status == CT_OK ? NULL : r->err.message;
    if (r->relay_fault && !counted) {
        o->state = CT_OUTBOX_QUEUED;
        o->next_attempt_at = now + ct_outbox_backoff(b->opts->retry_base, b->opts->retry_cap,
                                                     o->attempts + 1, next_random(&b->fs->rng));
        b->result->retry++;
    } else {
        decide(b->opts, r->status, r->retry_after, now, &b->fs->rng, o, b->result);
    }
    b->tried[i] = true;
    report_attempt(b->opts, &b->rows[i], r->status, o);
}

/* ct_transport_batch's done(): settle each result as it comes. */
static void
batch_done(void *arg, size_t i, const struct ct_transport_result *r)
{
    struct batch_run *b = arg;
    size_t k;

    if (r->relay_fault) {
        b->fs->cause = r->err;
        b->pending[b->npending++] = i;
        return;
    }
    if (r->status == CT_EUNAVAIL) {
        b->fs->cause = r->err;
    } else {
        b->fs->answered = true;
        for (k = 0; k < b->npending; k++)
            settle(b, b->pending[k], true);
        b->npending = 0;
    }
    settle(b, i, false);
}

/*
 * Load the claimed rows ids[0..count) and send them as one batch, then
 * record every outcome in one transaction. Rows not tried (the batch
 * stopped) stay claimed until the flush releases them.
 */
static enum ct_status
deliver_batch(struct ct_store *store, struct ct_transport *t, const struct ct_outbox_options *opts,
              struct loaded *l, struct flush_state *fs, struct ct_outbox_result *result,
              struct ct_error *err)
{
    int64_t now = l->now;
    size_t n = l->n, i;
    struct batch_run b = {.opts = opts, .result = result, .fs = fs, .now = now, .rows = l->rows};
    struct ct_transport_message *msgs = calloc(n ? n : 1, sizeof(*msgs));
    enum ct_status st = CT_OK;

    b.results = calloc(n ? n : 1, sizeof(*b.results));
    b.outcomes = calloc(n ? n : 1, sizeof(*b.outcomes));
    b.tried = calloc(n ? n : 1, sizeof(*b.tried));
    b.pending = calloc(n ? n : 1, sizeof(*b.pending));
    if (!msgs || !b.results || !b.outcomes || !b.tried || !b.pending) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    for (i = 0; i < n; i++) {
        const struct ct_outbox_row *row = &b.rows[i];
        msgs[i] = (struct ct_transport_message){.message_id = row->message_id,
                                                .from = opts->from,
                                                .recipient = row->recipient,
                                                .subject = row->subject,
                                                .method = row->method,
                                                .text_body = row->text_body,
                                                .html_body = row->html_body,
                                                .ics = row->ics,
                                                .raw = row->message,
                                                .raw_len = row->message_len,
                                                .now = opts->clock ? opts->clock() : now};
    }
    if (n == 0)
        goto out;
    fs->ctl.done = batch_done;
    fs->ctl.done_arg = &b;
    ct_transport_send_batch(t, msgs, n, &fs->ctl, b.results);
    /* Faults at the end of the batch, not followed by an answer: not counted. */
    for (i = 0; i < b.npending; i++)
        settle(&b, b.pending[i], false);
    st = in_txn(
        store, record_in,
        &(struct record_job){b.rows, b.outcomes, b.tried, n, opts->clock ? opts->clock() : now},
        err);
out:
    loaded_clear(l);
    free(msgs);
    free(b.results);
    free(b.outcomes);
    free(b.tried);
    free(b.pending);
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

static bool
halted(const struct ct_outbox_options *opts, struct flush_state *fs,
       struct ct_outbox_result *result)
{
    return fs->ctl.unavailable || fs->ctl.tripped || stop_raised(opts, result);
}

/*
 * Claim and deliver batches until nothing due at `due` is left, the limit
 * is reached, a stop is asked for, the transport is unusable or the
 * breaker trips (fs->ctl says which). While one batch goes out, the next
 * is claimed and its messages built on a second thread, which this thread
 * joins when its batch is out; a batch claimed but never sent stays
 * claimed until the flush releases it.
 */
static enum ct_status
deliver_due(struct ct_store *store, struct ct_transport *t, const struct ct_outbox_options *opts,
            int64_t due, struct flush_state *fs, struct ct_outbox_result *result,
            struct ct_error *err)
{
    int batch = opts->batch > 0 ? opts->batch : ct_transport_batch_size(t);
    struct loaded *cur, *next, *swap;
    long attempted = 0;
    enum ct_status st = CT_OK, built;
    bool more = true;

    if (batch <= 0)
        batch = CT_OUTBOX_BATCH;
    if (batch > CT_OUTBOX_BATCH_MAX)
        batch = CT_OUTBOX_BATCH_MAX;
    cur = loaded_new(batch);
    next = loaded_new(batch);
    if (cur == NULL || next == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        more = false;
    }
    while (more) {
        more = !halted(opts, fs, result) && !(opts->limit > 0 && attempted >= opts->limit);
        if (more && opts->limit > 0 && opts->limit - attempted < batch)
            batch = (int)(opts->limit - attempted);
        if (more) {
            st = claim_and_load(store, due, opts->clock ? opts->clock() : due, batch, next, err);
            attempted += next->count;
            more = st == CT_OK && next->count > 0;
            if (next->n > 0)
                build_start(next);
        }
        if (st == CT_OK && cur->n > 0 && !halted(opts, fs, result))
            st = deliver_batch(store, t, opts, cur, fs, result, err);
        loaded_clear(cur);
        built = build_finish(store, next, st == CT_OK, err);
        if (st == CT_OK)
            st = built;
        more = more && st == CT_OK;
        swap = cur;
        cur = next;
        next = swap;
    }
    /* A stop asked for during the last batch is reported too. */
    if (st == CT_OK)
        (void)halted(opts, fs, result);
    loaded_free(cur);
    loaded_free(next);
    return st;
}

/* The breaker's state in the meta table: "TRIPS NEXT_TRY"; unset or "" when closed. */
#define BREAKER_KEY "outbox_breaker"

static enum ct_status
breaker_load(struct ct_store *store, int *trips, int64_t *next_try, struct ct_error *err)
{
    char *text = NULL;
    long long at = 0;
    int n = 0;
    enum ct_status st = ct_store_meta_get(store, BREAKER_KEY, &text, err);

    *trips = 0;
    *next_try = 0;
    if (st == CT_OK && text && *text && sscanf(text, "%d %lld", &n, &at) == 2 && n > 0) {
        *trips = n;
        *next_try = (int64_t)at;
    }
    free(text);
    return st;
}

struct breaker_job {
    const char *value;
};

static enum ct_status
breaker_save_in(struct ct_txn *txn, void *arg, struct ct_error *err)
{
    return ct_store_meta_set(txn, BREAKER_KEY, ((struct breaker_job *)arg)->value, err);
}

static enum ct_status
breaker_save(struct ct_store *store, int trips, int64_t next_try, struct ct_error *err)
{
    char value[64] = "";

    if (trips > 0)
        snprintf(value, sizeof(value), "%d %lld", trips, (long long)next_try);
    return in_txn(store, breaker_save_in, &(struct breaker_job){value}, err);
}

static void
format_utc(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
        snprintf(out, size, "%lld", (long long)t);
}

/*
 * After the flush: a tripped breaker opens (the next try backs off, doubling
 * with each trip in a row); a relay that answered closes it.
 */
static enum ct_status
breaker_update(struct ct_store *store, const struct ct_outbox_options *opts, int64_t now,
               struct flush_state *fs, struct ct_outbox_result *result, struct ct_error *err)
{
    int trips;
    int64_t next_try;
    char when[32];
    enum ct_status st = breaker_load(store, &trips, &next_try, err);

    if (st != CT_OK)
        return st;
    if (!fs->ctl.tripped)
        return fs->answered && trips > 0 ? breaker_save(store, 0, 0, err) : CT_OK;
    trips++;
    next_try =
        now + ct_outbox_backoff(opts->retry_base, opts->retry_cap, trips, next_random(&fs->rng));
    st = breaker_save(store, trips, next_try, err);
    if (st != CT_OK)
        return st;
    result->breaker_until = next_try;
    format_utc(next_try, when, sizeof(when));
    return ct_error_set(err, CT_EUNAVAIL,
                        "relay failing: %d messages in a row got no answer or a dropped "
                        "connection (last: %s); breaker open, no attempts counted, next try at "
                        "%s UTC",
                        fs->ctl.consecutive, fs->cause.message, when);
}

/* A breaker still open at now: CT_EUNAVAIL saying until when; else CT_OK. */
static enum ct_status
breaker_check(struct ct_store *store, int64_t now, struct ct_outbox_result *result,
              struct ct_error *err)
{
    int trips;
    int64_t next_try;
    char when[32];
    enum ct_status st = breaker_load(store, &trips, &next_try, err);

    if (st != CT_OK || trips == 0 || next_try <= now)
        return st;
    result->breaker_until = next_try;
    format_utc(next_try, when, sizeof(when));
    return ct_error_set(err, CT_EUNAVAIL,
                        "relay breaker open after %d failing flush%s: next try at %s UTC", trips,
                        trips == 1 ? "" : "es", when);
}

/* Nothing queued goes before an open breaker's next try. */
static void
breaker_delays(struct ct_outbox_result *result)
{
    if (result->queued > 0 && result->breaker_until > result->next_attempt_at)
        result->next_attempt_at = result->breaker_until;
}

enum ct_status
ct_outbox_flush(struct ct_store *store, struct ct_transport *t,
                const struct ct_outbox_options *opts, int64_t now, struct ct_outbox_result *result,
                struct ct_error *err)
{
    struct flush_state fs;
    struct ct_error ignored;
    enum ct_status st;

    memset(result, 0, sizeof(*result));
    memset(&fs, 0, sizeof(fs));
    fs.ctl.threshold = opts->breaker;
    fs.ctl.stop = opts->stop;
    fs.rng = seed_random(opts->seed, now);
    st = reclaim(store, opts, now, &result->reclaimed, err);
    if (st == CT_OK)
        st = breaker_check(store, now, result, err);
    if (st != CT_OK) {
        result->unavailable = st == CT_EUNAVAIL;
        (void)tally(store, result, &ignored);
        breaker_delays(result);
        return st;
    }
    /*
     * Only what is due when the flush starts: a message rescheduled during
     * it (at least a second later) waits for the next flush, so a flush
     * always ends.
     */
    st = deliver_due(store, t, opts, now, &fs, result, err);
    /* Claimed but not tried (stopped, tripped, or the transport went away). */
    if (st == CT_OK)
        st = release_claims(store, err);
    else
        (void)release_claims(store, &ignored);
    if (st == CT_OK)
        st = tally(store, result, err);
    else
        (void)tally(store, result, &ignored);
    if (st == CT_OK)
        st = breaker_update(store, opts, opts->clock ? opts->clock() : now, &fs, result, err);
    if (st == CT_OK && fs.ctl.unavailable)
        st = ct_error_set(err, CT_EUNAVAIL, "%s", fs.cause.message);
    result->unavailable = st == CT_EUNAVAIL;
    breaker_delays(result);
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
    int trips;
    int64_t next_try;
    enum ct_status st = ct_store_outbox_next_due(store, due, found, err);

    if (st != CT_OK || !*found)
        return st;
    st = breaker_load(store, &trips, &next_try, err);
    if (st == CT_OK && trips > 0 && next_try > *due)
        *due = next_try;
    return st;
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
