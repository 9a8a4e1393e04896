/*
 * test_outbox.c: the outbox's state machine on a temporary database, with
 * a fake transport (a backend struct like the real ones) and a fixed clock:
 * sent, retried with backoff and jitter, dead after max_attempts, permanent
 * refusals, an unusable service stopping the batch, claims of dead
 * processes taken back, stopping on request, listing and requeueing,
 * dropping queued messages (by id, by round and kind; never sent ones) and
 * the migration that brought the dropped state.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "outbox.h"
#include "schema.h"
#include "scratchdb.h"
#include "store.h"
#include "store_outbox.h"
#include "util.h"

#define NOW 1796634000 /* 2026-12-07T09:00:00Z */

/* The fake transport: its verdict depends on the recipient's local part. */
static struct {
    int calls;
    char ids[32][128];
    char from[128];
    char raw[256];
    size_t raw_len;
    int stop_after; /* raise *stop after this many calls; 0: never */
    volatile sig_atomic_t *stop;
} fake;

static enum ct_status
fake_open(const struct ct_config *cfg, void **state, struct ct_error *err)
{
    *state = &fake;
    return CT_OK;
}

static enum ct_status
fake_send(void *state, const struct ct_transport_message *msg, int64_t *retry_after,
          struct ct_error *err)
{
    const char *r = msg->recipient;

    if (fake.calls < 32)
        snprintf(fake.ids[fake.calls], sizeof(fake.ids[0]), "%s", msg->message_id);
    fake.calls++;
    snprintf(fake.from, sizeof(fake.from), "%s", msg->from ? msg->from : "");
    fake.raw_len = msg->raw_len < sizeof(fake.raw) ? msg->raw_len : sizeof(fake.raw);
    memcpy(fake.raw, msg->raw, fake.raw_len);
    if (fake.stop_after && fake.calls >= fake.stop_after)
        *fake.stop = 1;
    if (strncmp(r, "temp", 4) == 0)
        return ct_error_set(err, CT_ETEMP, "451 mailbox busy");
    if (strncmp(r, "slow", 4) == 0) {
        *retry_after = 7200;
        return ct_error_set(err, CT_ETEMP, "HTTP 429");
    }
    if (strncmp(r, "perm", 4) == 0)
        return ct_error_set(err, CT_EPERM, "550 no such user");
    if (strncmp(r, "down", 4) == 0)
        return ct_error_set(err, CT_EUNAVAIL, "connection refused");
    return CT_OK;
}

static void
fake_close(void *state)
{
}

static const struct ct_transport_backend fake_backend = {
    .name = "fake",
    .open = fake_open,
    .send = fake_send,
    .close = fake_close,
};

/*
 * The same fake with a batch sender: recipients "hang..." are relay faults
 * (no answer, as from a hung gateway); the rest go through fake_send.
 */
static void
fake_send_batch(void *state, const struct ct_transport_message *msgs, size_t n,
                struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    size_t i;

    for (i = 0; i < n && !batch->tripped && !batch->unavailable; i++) {
        struct ct_transport_result *r = &results[i];

        ct_error_clear(&r->err);
        if (strncmp(msgs[i].recipient, "hang", 4) == 0) {
            fake.calls++;
            r->relay_fault = true;
            r->status = ct_error_set(&r->err, CT_ETEMP, "operation timed out");
        } else {
            r->status = fake_send(state, &msgs[i], &r->retry_after, &r->err);
        }
        if (r->relay_fault)
            batch->consecutive++;
        else if (r->status != CT_EUNAVAIL)
            batch->consecutive = 0;
        batch->unavailable = r->status == CT_EUNAVAIL;
        batch->tripped = batch->threshold > 0 && batch->consecutive >= batch->threshold;
        if (batch->done)
            batch->done(batch->done_arg, i, r);
    }
}

static const struct ct_transport_backend fake_batch_backend = {
    .name = "fake-batch",
    .open = fake_open,
    .send = fake_send,
    .close = fake_close,
    .send_batch = fake_send_batch,
};

struct fixture {
    struct scratchdb *db;
    struct ct_store *store; /* db->store */
    struct ct_transport *t;
    struct ct_outbox_options opts;
    volatile sig_atomic_t stop;
};

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct ct_error err;

    f->db = scratchdb_new("outbox");
    f->store = f->db->store;
    assert_int_equal(ct_transport_open_backend(&fake_backend, NULL, &f->t, &err), CT_OK);
    ct_outbox_options_init(&f->opts, NULL);
    f->opts.from = "organiser@coffeetrial.example";
    f->opts.max_attempts = 3;
    f->opts.retry_base = 60;
    f->opts.seed = 42;
    f->opts.stop = &f->stop;
    memset(&fake, 0, sizeof(fake));
    fake.stop = &f->stop;
    ct_clock_set(NOW);
    *state = f;
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    ct_transport_close(f->t);
    scratchdb_free(f->db);
    free(f);
    ct_clock_set(0);
    return 0;
}

/* Queue e in a transaction of its own, expecting want. */
static void
queue(struct fixture *f, const struct ct_outbox_entry *e, enum ct_status want)
{
    struct ct_txn *txn = NULL;
    struct ct_error err;

    assert_int_equal(ct_txn_begin(f->store, &txn, &err), CT_OK);
    ct_error_clear(&err);
    assert_int_equal(ct_store_outbox_enqueue(txn, e, ct_now(), &err), want);
    if (want == CT_OK)
        assert_int_equal(ct_txn_commit(txn, &err), CT_OK);
    else {
        assert_non_null(strstr(err.message, e->message_id));
        ct_txn_rollback(txn);
    }
}

static void
enqueue(struct fixture *f, const char *id, const char *rcpt)
{
    struct ct_outbox_entry e = {0};
    char raw[128];

    snprintf(raw, sizeof(raw), "Message-ID: <%s>\r\nTo: %s\r\n\r\nhi\r\n", id, rcpt);
    e.message_id = id;
    e.kind = CT_OUTBOX_REQUEST;
    e.recipient = rcpt;
    e.subject = "Coffee";
    e.method = "REQUEST";
    e.text_body = "hi";
    e.message = raw;
    e.message_len = strlen(raw);
    queue(f, &e, CT_OK);
}

static struct ct_outbox_row *
row(struct ct_outbox_list *list, const char *rcpt)
{
    size_t i;

    for (i = 0; i < list->count; i++)
        if (strcmp(list->rows[i].recipient, rcpt) == 0)
            return &list->rows[i];
    fail_msg("no outbox row for %s", rcpt);
    return NULL;
}

static struct ct_outbox_list *
list_all(struct fixture *f)
{
    struct ct_outbox_list *list = NULL;
    struct ct_error err;

    assert_int_equal(ct_outbox_list(f->store, 0, &list, &err), CT_OK);
    return list;
}

static enum ct_status
flush(struct fixture *f, struct ct_outbox_result *r)
{
    struct ct_error err;

    ct_error_clear(&err);
    return ct_outbox_flush(f->store, f->t, &f->opts, ct_now(), r, &err);
}

static void
test_backoff(void **state)
{
    int64_t d, lo = INT64_MAX, hi = 0;
    uint64_t r;

    /* Doubling from the base, +-20%. */
    assert_int_equal(ct_outbox_backoff(300, 86400, 1, 0), 240);
    assert_int_equal(ct_outbox_backoff(300, 86400, 1, 400), 360);
    assert_int_equal(ct_outbox_backoff(300, 86400, 1, 200), 300);
    assert_int_equal(ct_outbox_backoff(300, 86400, 2, 200), 600);
    assert_int_equal(ct_outbox_backoff(300, 86400, 3, 200), 1200);
    /* Capped, then jittered around the cap. */
    assert_int_equal(ct_outbox_backoff(300, 86400, 30, 200), 86400);
    assert_int_equal(ct_outbox_backoff(300, 86400, 1000, 0), 69120);
    assert_int_equal(ct_outbox_backoff(300, 86400, 1000, 400), 103680);
    assert_int_equal(ct_outbox_backoff(100000, 86400, 1, 200), 86400);
    /* Never zero, whatever the base. */
    assert_int_equal(ct_outbox_backoff(0, 86400, 1, 0), 1);
    assert_int_equal(ct_outbox_backoff(1, 86400, 1, 0), 1);
    /* Every draw within bounds, and the draws do spread. */
    for (r = 0; r < 100000; r += 7) {
        d = ct_outbox_backoff(600, 86400, 4, r * 0x9e3779b97f4a7c15ULL);
        assert_in_range(d, 3840, 5760);
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    assert_true(lo < 4000 && hi > 5600);
}

static void
test_options(void **state)
{
    struct ct_config *cfg = ct_config_new_defaults();
    struct ct_outbox_options o;

    ct_outbox_options_init(&o, cfg);
    assert_int_equal(o.max_attempts, 8);
    assert_int_equal(o.retry_base, 300);
    assert_string_equal(o.from, "organiser@example.org");
    assert_true(o.stale_claim >= CT_OUTBOX_STALE_CLAIM);
    assert_true(o.stale_claim >= (int64_t)CT_OUTBOX_BATCH * 5 * 30);
    /* Long timeouts stretch the bound past what a live flush can take. */
    cfg->smtp.timeout = 600;
    ct_outbox_options_init(&o, cfg);
    assert_true(o.stale_claim >= (int64_t)CT_OUTBOX_BATCH * 5 * 600);
    ct_config_free(cfg);
}

static void
test_sent(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list;

    enqueue(f, "m1@x", "ana@a.example");
    enqueue(f, "m2@x", "bo@b.example");
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.sent, 2);
    assert_int_equal(r.retry + r.dead + r.queued + r.in_flight, 0);
    assert_int_equal(fake.calls, 2);
    /* The transport got the stored bytes and the organiser as sender. */
    assert_string_equal(fake.from, "organiser@coffeetrial.example");
    assert_memory_equal(fake.raw, "Message-ID: <m2@x>\r\nTo: bo@b.example\r\n\r\nhi\r\n",
                        fake.raw_len);
    list = list_all(f);
    assert_int_equal(list->counts[CT_OUTBOX_SENT], 2);
    assert_int_equal(row(list, "ana@a.example")->state, CT_OUTBOX_SENT);
    assert_int_equal(row(list, "ana@a.example")->attempts, 1);
    assert_int_equal(row(list, "ana@a.example")->sent_at, NOW);
    assert_null(row(list, "ana@a.example")->last_error);
    ct_outbox_list_free(list);
    /* Nothing left: a second flush sends nothing. */
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(fake.calls, 2);
    assert_int_equal(r.sent, 0);
}

static void
test_enqueue_transactional(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_entry e = {0};
    struct ct_outbox_list *list;
    struct ct_txn *txn = NULL;
    struct ct_error err;

    e.message_id = "m1@x";
    e.kind = CT_OUTBOX_REQUEST;
    e.recipient = "ana@a.example";
    e.subject = "s";
    e.text_body = "t";
    e.message = "x";
    e.message_len = 1;
    assert_int_equal(ct_txn_begin(f->store, &txn, &err), CT_OK);
    assert_int_equal(ct_store_outbox_enqueue(txn, &e, NOW, &err), CT_OK);
    ct_txn_rollback(txn);
    list = list_all(f);
    assert_int_equal(list->count, 0);
    ct_outbox_list_free(list);
    /* A duplicate Message-ID is refused, and named. */
    enqueue(f, "m1@x", "ana@a.example");
    e.recipient = "bo@b.example";
    queue(f, &e, CT_EDATA);
    list = list_all(f);
    assert_int_equal(list->count, 1);
    assert_int_equal(list->rows[0].kind, CT_OUTBOX_REQUEST);
    assert_int_equal(list->rows[0].created_at, NOW);
    ct_outbox_list_free(list);
}

static void
test_retry_then_dead(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list;
    struct ct_outbox_row *m;
    int64_t next;

    enqueue(f, "m1@x", "temp@a.example");
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.retry, 1);
    assert_int_equal(r.queued, 1);
    list = list_all(f);
    m = row(list, "temp@a.example");
    assert_int_equal(m->state, CT_OUTBOX_QUEUED);
    assert_int_equal(m->attempts, 1);
    assert_in_range(m->next_attempt_at, NOW + 48, NOW + 72);
    assert_int_equal(r.next_attempt_at, m->next_attempt_at);
    assert_string_equal(m->last_error, "451 mailbox busy");
    next = m->next_attempt_at;
    ct_outbox_list_free(list);

    /* Not due yet: untouched. */
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(fake.calls, 1);
    assert_int_equal(r.queued, 1);

    /* Second attempt: the delay doubles. */
    ct_clock_set(next);
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(fake.calls, 2);
    list = list_all(f);
    m = row(list, "temp@a.example");
    assert_int_equal(m->attempts, 2);
    assert_in_range(m->next_attempt_at, next + 96, next + 144);
    next = m->next_attempt_at;
    ct_outbox_list_free(list);

    /* Third attempt is the last (max_attempts = 3): dead, error kept. */
    ct_clock_set(next);
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.dead, 1);
    assert_int_equal(r.queued, 0);
    assert_int_equal(r.dead_total, 1);
    list = list_all(f);
    m = row(list, "temp@a.example");
    assert_int_equal(m->state, CT_OUTBOX_DEAD);
    assert_int_equal(m->attempts, 3);
    assert_string_equal(m->last_error, "451 mailbox busy");
    ct_outbox_list_free(list);
    ct_clock_set(next + 86400);
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(fake.calls, 3);
}

static void
test_retry_after_honoured(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list;

    enqueue(f, "m1@x", "slow@a.example");
    assert_int_equal(flush(f, &r), CT_OK);
    list = list_all(f);
    /* The server's 7200 s beat the 60 s backoff. */
    assert_int_equal(row(list, "slow@a.example")->next_attempt_at, NOW + 7200);
    ct_outbox_list_free(list);
}

static void
test_permanent(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list;

    enqueue(f, "m1@x", "perm@a.example");
    enqueue(f, "m2@x", "ana@a.example");
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.dead, 1);
    assert_int_equal(r.sent, 1);
    list = list_all(f);
    assert_int_equal(row(list, "perm@a.example")->state, CT_OUTBOX_DEAD);
    assert_int_equal(row(list, "perm@a.example")->attempts, 1);
    assert_string_equal(row(list, "perm@a.example")->last_error, "550 no such user");
    assert_int_equal(row(list, "ana@a.example")->state, CT_OUTBOX_SENT);
    ct_outbox_list_free(list);
}

static void
test_unavailable_stops_batch(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list;
    struct ct_error err;

    enqueue(f, "m1@x", "ana@a.example");
    enqueue(f, "m2@x", "down@b.example");
    enqueue(f, "m3@x", "cy@c.example");
    ct_error_clear(&err);
    assert_int_equal(ct_outbox_flush(f->store, f->t, &f->opts, ct_now(), &r, &err), CT_EUNAVAIL);
    assert_string_equal(err.message, "connection refused");
    assert_true(r.unavailable);
    assert_int_equal(r.sent, 1);
    assert_int_equal(r.queued, 2);
    assert_int_equal(fake.calls, 2);
    list = list_all(f);
    /* Not the message's fault: no attempt counted, due again at once. */
    assert_int_equal(row(list, "down@b.example")->state, CT_OUTBOX_QUEUED);
    assert_int_equal(row(list, "down@b.example")->attempts, 0);
    assert_int_equal(row(list, "down@b.example")->next_attempt_at, NOW);
    assert_string_equal(row(list, "down@b.example")->last_error, "connection refused");
    /* Claimed in the same batch but never tried: back in the queue. */
    assert_int_equal(row(list, "cy@c.example")->state, CT_OUTBOX_QUEUED);
    assert_int_equal(row(list, "cy@c.example")->attempts, 0);
    assert_int_equal(list->counts[CT_OUTBOX_SENDING], 0);
    ct_outbox_list_free(list);
}

/* A pid that surely belonged to a process that is gone. */
static pid_t
dead_pid(void)
{
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0)
        _exit(0);
    assert_int_equal(waitpid(pid, NULL, 0), pid);
    return pid;
}

static void
test_stale_claims(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list;
    char sql[256];

    enqueue(f, "crashed@x", "ana@a.example");
    enqueue(f, "alive@x", "bo@b.example");
    enqueue(f, "old@x", "cy@c.example");
    enqueue(f, "mine@x", "dee@d.example");
    snprintf(sql, sizeof(sql),
             "UPDATE outbox SET state='sending', claimed_by=%ld, claimed_at=%ld "
             "WHERE message_id='crashed@x'",
             (long)dead_pid(), (long)NOW - 10);
    sql_exec(f->store, sql);
    /* Our parent is alive: its fresh claim must be left alone ... */
    snprintf(sql, sizeof(sql),
             "UPDATE outbox SET state='sending', claimed_by=%ld, claimed_at=%ld "
             "WHERE message_id='alive@x'",
             (long)getppid(), (long)NOW - 10);
    sql_exec(f->store, sql);
    /* ... but not a claim older than the bound. */
    snprintf(sql, sizeof(sql),
             "UPDATE outbox SET state='sending', claimed_by=%ld, claimed_at=%ld "
             "WHERE message_id='old@x'",
             (long)getppid(), (long)NOW - CT_OUTBOX_STALE_CLAIM - 1);
    sql_exec(f->store, sql);
    /* A claim of this very process is left over from an unfinished flush. */
    snprintf(sql, sizeof(sql),
             "UPDATE outbox SET state='sending', claimed_by=%ld, claimed_at=%ld "
             "WHERE message_id='mine@x'",
             (long)getpid(), (long)NOW - 10);
    sql_exec(f->store, sql);

    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.reclaimed, 3);
    assert_int_equal(r.sent, 3);
    assert_int_equal(r.in_flight, 1);
    list = list_all(f);
    assert_int_equal(row(list, "ana@a.example")->state, CT_OUTBOX_SENT);
    assert_int_equal(row(list, "cy@c.example")->state, CT_OUTBOX_SENT);
    assert_int_equal(row(list, "dee@d.example")->state, CT_OUTBOX_SENT);
    assert_int_equal(row(list, "bo@b.example")->state, CT_OUTBOX_SENDING);
    ct_outbox_list_free(list);
    /* Resent with its own Message-ID. */
    assert_string_equal(fake.ids[0], "crashed@x");
}

static void
test_stop_after_message_in_flight(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list;

    enqueue(f, "m1@x", "ana@a.example");
    enqueue(f, "m2@x", "bo@b.example");
    enqueue(f, "m3@x", "cy@c.example");
    fake.stop_after = 1;
    assert_int_equal(flush(f, &r), CT_OK);
    assert_true(r.stopped);
    assert_int_equal(fake.calls, 1);
    assert_int_equal(r.sent, 1);
    assert_int_equal(r.queued, 2);
    list = list_all(f);
    assert_int_equal(row(list, "ana@a.example")->state, CT_OUTBOX_SENT);
    assert_int_equal(row(list, "bo@b.example")->state, CT_OUTBOX_QUEUED);
    assert_int_equal(row(list, "bo@b.example")->attempts, 0);
    assert_int_equal(list->counts[CT_OUTBOX_SENDING], 0);
    ct_outbox_list_free(list);
}

static void
test_limit_and_batches(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    char id[32], rcpt[32];
    int i;

    for (i = 0; i < 40; i++) {
        snprintf(id, sizeof(id), "m%d@x", i);
        snprintf(rcpt, sizeof(rcpt), "p%d@a.example", i);
        enqueue(f, id, rcpt);
    }
    f->opts.batch = 7;
    f->opts.limit = 10;
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.sent, 10);
    assert_int_equal(r.queued, 30);
    /* Oldest first. */
    assert_string_equal(fake.ids[0], "m0@x");
    assert_string_equal(fake.ids[9], "m9@x");
    f->opts.limit = 0;
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.sent, 30);
    assert_int_equal(r.queued, 0);
}

static void
test_list_and_requeue(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list = NULL;
    struct ct_error err;
    long n;

    enqueue(f, "m1@x", "perm1@a.example");
    enqueue(f, "m2@x", "perm2@a.example");
    enqueue(f, "m3@x", "ana@a.example");
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(ct_outbox_list(f->store, 1u << CT_OUTBOX_DEAD, &list, &err), CT_OK);
    assert_int_equal(list->count, 2);
    assert_int_equal(list->counts[CT_OUTBOX_DEAD], 2);
    assert_int_equal(list->counts[CT_OUTBOX_SENT], 1);
    ct_outbox_list_free(list);
    assert_int_equal(ct_outbox_requeue(f->store, 3, ct_now(), &n, &err), CT_ESTATE);
    assert_non_null(strstr(err.message, "sent"));
    assert_int_equal(ct_outbox_requeue(f->store, 99, ct_now(), &n, &err), CT_ENOTFOUND);
    assert_int_equal(ct_outbox_requeue(f->store, 1, ct_now(), &n, &err), CT_OK);
    assert_int_equal(n, 1);
    list = list_all(f);
    assert_int_equal(row(list, "perm1@a.example")->state, CT_OUTBOX_QUEUED);
    assert_int_equal(row(list, "perm1@a.example")->attempts, 0);
    /* The old error stays visible until the next attempt. */
    assert_string_equal(row(list, "perm1@a.example")->last_error, "550 no such user");
    ct_outbox_list_free(list);
    assert_int_equal(ct_outbox_requeue(f->store, 0, ct_now(), &n, &err), CT_OK);
    assert_int_equal(n, 1);
    enum ct_outbox_state parsed;
    assert_true(ct_outbox_state_parse("dead", &parsed));
    assert_int_equal(parsed, CT_OUTBOX_DEAD);
    assert_false(ct_outbox_state_parse("nope", &parsed));
    assert_string_equal(ct_outbox_state_str(CT_OUTBOX_SENDING), "sending");
}

/* Queue a message of kind for group (0: none) to rcpt. */
static void
enqueue_kind(struct fixture *f, const char *id, const char *rcpt, enum ct_outbox_kind kind,
             int64_t group)
{
    struct ct_outbox_entry e = {0};

    e.message_id = id;
    e.kind = kind;
    e.group_id = group;
    e.recipient = rcpt;
    e.subject = "Coffee";
    e.text_body = "hi";
    e.message = "x";
    e.message_len = 1;
    queue(f, &e, CT_OK);
}

static enum ct_status
drop(struct fixture *f, const struct ct_outbox_drop_request *req, size_t *count,
     struct ct_error *err)
{
    struct ct_outbox_row *rows = NULL;
    enum ct_status st;

    ct_error_clear(err);
    st = ct_outbox_drop(f->store, req, &rows, count, err);
    ct_outbox_rows_free(rows, *count);
    return st;
}

static void
test_drop_by_id(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_drop_request req = {.id = 2, .dry_run = true};
    struct ct_outbox_list *list = NULL;
    struct ct_outbox_result r;
    struct ct_error err;
    size_t n;

    enqueue(f, "m1@x", "ana@a.example");
    assert_int_equal(flush(f, &r), CT_OK);
    enqueue(f, "m2@x", "bo@b.example");
    enqueue(f, "m3@x", "cy@c.example");
    /* A dry run says what would go and changes nothing. */
    assert_int_equal(drop(f, &req, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_sql_text(f->store, "queued", "SELECT state FROM outbox WHERE id = 2");
    req.dry_run = false;
    assert_int_equal(drop(f, &req, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_sql_text(f->store, "dropped|dropped by the organiser",
                    "SELECT state || '|' || last_error FROM outbox WHERE id = 2");
    /* Sent, already dropped, unknown, of another kind: refused. */
    req.id = 1;
    assert_int_equal(drop(f, &req, &n, &err), CT_ESTATE);
    assert_non_null(strstr(err.message, "outbox message 1 is sent"));
    req.id = 2;
    assert_int_equal(drop(f, &req, &n, &err), CT_ESTATE);
    assert_non_null(strstr(err.message, "dropped"));
    req.id = 99;
    assert_int_equal(drop(f, &req, &n, &err), CT_ENOTFOUND);
    req.id = 3;
    req.kind_mask = 1u << CT_OUTBOX_CANCEL;
    assert_int_equal(drop(f, &req, &n, &err), CT_ESTATE);
    assert_sql_text(f->store, "queued", "SELECT state FROM outbox WHERE id = 3");
    /* A dropped message is never delivered, nor retried. */
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.sent, 1);
    assert_int_equal(fake.calls, 2);
    assert_string_equal(fake.ids[1], "m3@x");
    assert_int_equal(ct_outbox_requeue(f->store, 2, ct_now(), (long[]){0}, &err), CT_ESTATE);
    assert_int_equal(ct_outbox_list(f->store, 1u << CT_OUTBOX_DROPPED, &list, &err), CT_OK);
    assert_int_equal(list->count, 1);
    assert_int_equal(list->counts[CT_OUTBOX_DROPPED], 1);
    assert_int_equal(list->counts[CT_OUTBOX_SENT], 2);
    ct_outbox_list_free(list);
    assert_string_equal(ct_outbox_state_str(CT_OUTBOX_DROPPED), "dropped");
}

static void
test_drop_by_round(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_drop_request req = {.round_id = 1, .kind_mask = 1u << CT_OUTBOX_CANCEL};
    struct ct_outbox_result r;
    struct ct_error err;
    size_t n;

    sql_exec(f->store, "INSERT INTO rounds (id, date, seed, created_at) VALUES"
                       " (1, '2026-12-07', 1, 0), (2, '2027-01-04', 2, 0);"
                       "INSERT INTO groups (id, round_id, uid) VALUES (1, 1, 'u1'), (2, 1, 'u2'),"
                       " (3, 2, 'u3');");
    enqueue_kind(f, "r1@x", "ana@a.example", CT_OUTBOX_REQUEST, 1);
    enqueue_kind(f, "c1@x", "bo@b.example", CT_OUTBOX_CANCEL, 2);
    enqueue_kind(f, "r2@x", "cy@c.example", CT_OUTBOX_REQUEST, 2);
    enqueue_kind(f, "r3@x", "dee@d.example", CT_OUTBOX_REQUEST, 3);
    enqueue_kind(f, "n1@x", "eli@e.example", CT_OUTBOX_NOTICE, 0);
    /* One of round 1's is being sent by another process right now. */
    sql_exec(f->store, "UPDATE outbox SET state = 'sending', claimed_by = 4242, claimed_at = 0"
                       " WHERE message_id = 'r2@x'");
    /* By kind: the cancel only. */
    assert_int_equal(drop(f, &req, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_sql_text(f->store, "c1@x",
                    "SELECT group_concat(message_id) FROM outbox"
                    " WHERE state = 'dropped'");
    /* The whole round: the queued request; never the one being sent, nor round 2's. */
    req.kind_mask = 0;
    assert_int_equal(drop(f, &req, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_sql_text(f->store, "c1@x,r1@x",
                    "SELECT group_concat(message_id) FROM (SELECT"
                    " message_id FROM outbox WHERE state = 'dropped'"
                    " ORDER BY message_id)");
    assert_sql_text(f->store, "sending", "SELECT state FROM outbox WHERE message_id = 'r2@x'");
    /* Nothing left to drop is no error; an unknown round is. */
    assert_int_equal(drop(f, &req, &n, &err), CT_OK);
    assert_int_equal(n, 0);
    req.round_id = 99;
    assert_int_equal(drop(f, &req, &n, &err), CT_ENOTFOUND);
    /*
     * The flush sends round 2's request, the notice and (its claim, made at
     * time 0, long stale) r2, never a dropped one.
     */
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.sent, 3);
    assert_sql_text(f->store, "dropped,dropped",
                    "SELECT group_concat(state) FROM outbox"
                    " WHERE message_id IN ('c1@x', 'r1@x')");
}

/* The index of the migration that added the dropped state. */
static int
drop_migration(void)
{
    int i;

    for (i = 0; i < CT_SCHEMA_VERSION; i++)
        if (strstr(ct_migrations[i], "'dropped'") != NULL)
            return i;
    fail_msg("no migration adds the dropped state");
    return -1;
}

static void
test_migration_keeps_rows(void **state)
{
    struct fixture *f = *state;
    struct ct_store *store = NULL;
    struct ct_error err;
    char pragma[64];

    enqueue(f, "m1@x", "ana@a.example");
    enqueue(f, "m2@x", "perm@b.example");
    enqueue(f, "m3@x", "cy@c.example");
    sql_exec(f->store, "UPDATE outbox SET state = 'sent', sent_at = 5 WHERE id = 1;"
                       "UPDATE outbox SET state = 'dead', last_error = 'gone' WHERE id = 2;");
    /* Back to the outbox table as it was before the migration, same rows. */
    sql_exec(f->store,
             "CREATE TABLE old AS SELECT * FROM outbox; DROP TABLE outbox;"
             "CREATE TABLE outbox (id INTEGER PRIMARY KEY, message_id TEXT NOT NULL UNIQUE,"
             " kind TEXT NOT NULL CHECK (kind IN ('request','cancel','notice')),"
             " group_id INTEGER REFERENCES groups(id), member_id INTEGER REFERENCES members(id),"
             " recipient TEXT NOT NULL, subject TEXT NOT NULL, method TEXT,"
             " text_body TEXT NOT NULL, html_body TEXT, ics TEXT, message BLOB NOT NULL,"
             " state TEXT NOT NULL DEFAULT 'queued'"
             " CHECK (state IN ('queued','sending','sent','dead')),"
             " attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,"
             " claimed_by INTEGER, claimed_at INTEGER, last_error TEXT,"
             " created_at INTEGER NOT NULL, sent_at INTEGER);"
             "INSERT INTO outbox SELECT id, message_id, kind, group_id, member_id, recipient,"
             " subject, method, text_body, html_body, ics, message, state, attempts,"
             " next_attempt_at, claimed_by, claimed_at, last_error, created_at, sent_at"
             " FROM old; DROP TABLE old;"
             "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
             /* and without what the migrations after it add */
             "DROP TABLE rc_links; DROP TABLE rc_waves;"
             "DROP TABLE action_log; DROP TABLE member_prefs; DROP TABLE skips;"
             " DROP TABLE checkins; DROP TABLE lifecycle_sent;");
    snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", drop_migration());
    sql_exec(f->store, pragma);
    ct_store_close(f->store);
    assert_int_equal(ct_store_open(f->db->path, &store, &err), CT_OK);
    f->store = f->db->store = store;
    assert_int_equal(ct_store_schema_version(store), CT_SCHEMA_VERSION);
    assert_sql_text(store, "1m1@xsent5|2m2@xdeadgone|3m3@xqueued",
                    "SELECT group_concat(id || message_id || state || coalesce(sent_at, '')"
                    " || coalesce(last_error, ''), '|') FROM (SELECT * FROM outbox ORDER BY id)");
    assert_int_equal(sql_int(store, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                    " AND name = 'outbox_due' AND tbl_name = 'outbox'"),
                     1);
    /* A sent message keeps one copy (the message), a queued one everything it had. */
    assert_sql_text(store, "1:0:1|3:1:1",
                    "SELECT group_concat(id || ':' || (length(text_body) > 0) || ':' ||"
                    " (length(message) > 0), '|') FROM (SELECT * FROM outbox WHERE id IN (1, 3)"
                    " ORDER BY id)");
    assert_int_equal(sql_int(store, "SELECT count(*) FROM sqlite_master WHERE type = 'index'"
                                    " AND name = 'outbox_group' AND tbl_name = 'outbox'"),
                     1);
    /* The new state is allowed; the rebuild left no table behind. */
    sql_exec(store, "UPDATE outbox SET state = 'dropped' WHERE id = 3");
    assert_sql_text(store, "0", "SELECT count(*) FROM pragma_table_info('outbox_new')");
}

static void
test_next_due_and_pending(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_error err;
    int64_t due = -1;
    bool found = true;
    long n = -1;

    assert_int_equal(ct_outbox_next_due(f->store, &due, &found, &err), CT_OK);
    assert_false(found);
    assert_int_equal(ct_outbox_pending(f->store, &n, &err), CT_OK);
    assert_int_equal(n, 0);
    enqueue(f, "m1@x", "temp@a.example");
    enqueue(f, "m2@x", "ana@a.example");
    assert_int_equal(ct_outbox_next_due(f->store, &due, &found, &err), CT_OK);
    assert_true(found);
    assert_int_equal(due, NOW);
    assert_int_equal(ct_outbox_pending(f->store, &n, &err), CT_OK);
    assert_int_equal(n, 2);
    /* One sent, one waiting for its retry: due when the retry is. */
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(ct_outbox_pending(f->store, &n, &err), CT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(ct_outbox_next_due(f->store, &due, &found, &err), CT_OK);
    assert_true(found);
    assert_int_equal(due, r.next_attempt_at);
}

/* [store] keep_messages: sent long ago loses its message, keeps what reports read. */
static void
test_compact_old_sent(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    long count = -1;

    enqueue(f, "old@x", "ana@a.example");
    enqueue(f, "new@x", "bo@b.example");
    enqueue(f, "queued@x", "cy@c.example");
    sql_exec(f->store, "UPDATE outbox SET state = 'sent', sent_at = 1000 WHERE id = 1;"
                       "UPDATE outbox SET state = 'sent', sent_at = 1800000 WHERE id = 2;"
                       "UPDATE outbox SET recipe = X'01' WHERE id = 1;");
    ct_error_clear(&err);
    /* 0 keeps everything. */
    assert_int_equal(ct_outbox_compact(f->store, 0, 2000000, &count, &err), CT_OK);
    assert_int_equal(count, 0);
    assert_int_equal(ct_outbox_compact(f->store, 500000, 2000000, &count, &err), CT_OK);
    assert_int_equal(count, 1);
    assert_sql_text(f->store, "old@x|ana@a.example|Coffee|sent|1000|0|0|1",
                    "SELECT message_id || '|' || recipient || '|' || subject || '|' || state ||"
                    " '|' || sent_at || '|' || length(message) || '|' || length(text_body) ||"
                    " '|' || (recipe IS NULL) FROM outbox WHERE id = 1");
    assert_int_equal(sql_int(f->store, "SELECT count(*) FROM outbox WHERE id > 1"
                                       " AND length(message) > 0 AND length(text_body) > 0"),
                     2);
    /* Done once: nothing left to compact. */
    assert_int_equal(ct_outbox_compact(f->store, 500000, 2000000, &count, &err), CT_OK);
    assert_int_equal(count, 0);
}

/* Relay faults in a row trip the breaker: no attempt counted, the next flush waits. */
static void
test_breaker(void **state)
{
    struct fixture *f = *state;
    struct ct_outbox_result r;
    struct ct_outbox_list *list;
    struct ct_error err;
    int64_t due;
    bool found;
    size_t i;
    char id[32], rcpt[32];

    ct_transport_close(f->t);
    assert_int_equal(ct_transport_open_backend(&fake_batch_backend, NULL, &f->t, &err), CT_OK);
    /* One hung message between answers: its own fault, counted. */
    enqueue(f, "p1@x", "hang-alone@a.example");
    enqueue(f, "p2@x", "ana@a.example");
    assert_int_equal(flush(f, &r), CT_OK);
    assert_int_equal(r.sent, 1);
    assert_int_equal(r.breaker_until, 0);
    list = list_all(f);
    assert_int_equal(row(list, "hang-alone@a.example")->attempts, 1);
    ct_outbox_list_free(list);
    /* 20 hung: the third in a row trips it; nobody loses an attempt. */
    for (i = 0; i < 20; i++) {
        snprintf(id, sizeof(id), "h%zu@x", i);
        snprintf(rcpt, sizeof(rcpt), "hang%zu@b.example", i);
        enqueue(f, id, rcpt);
    }
    ct_clock_set(NOW + 86400);
    fake.calls = 0;
    assert_int_equal(flush(f, &r), CT_EUNAVAIL);
    assert_true(r.unavailable);
    assert_int_equal(fake.calls, 3);
    assert_true(r.breaker_until >= NOW + 86400 + 48 && r.breaker_until <= NOW + 86400 + 72);
    assert_int_equal(r.next_attempt_at, r.breaker_until);
    list = list_all(f);
    for (i = 0; i < list->count; i++)
        if (strncmp(list->rows[i].recipient, "hang", 4) == 0 &&
            strcmp(list->rows[i].recipient, "hang-alone@a.example") != 0)
            assert_int_equal(list->rows[i].attempts, 0);
    ct_outbox_list_free(list);
    /* The daemon's timer and the next flush respect it. */
    assert_int_equal(ct_outbox_next_due(f->store, &due, &found, &err), CT_OK);
    assert_true(found);
    assert_int_equal(due, r.breaker_until);
    fake.calls = 0;
    assert_int_equal(flush(f, &r), CT_EUNAVAIL);
    assert_int_equal(fake.calls, 0);
    /* Past it, still hung: trips again, with a longer wait. */
    ct_clock_set(due);
    assert_int_equal(flush(f, &r), CT_EUNAVAIL);
    assert_int_equal(fake.calls, 3);
    assert_true(r.breaker_until - due >= 96);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_options),
        cmocka_unit_test_setup_teardown(test_sent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_enqueue_transactional, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_then_dead, setup, teardown),
        cmocka_unit_test_setup_teardown(test_retry_after_honoured, setup, teardown),
        cmocka_unit_test_setup_teardown(test_permanent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unavailable_stops_batch, setup, teardown),
        cmocka_unit_test_setup_teardown(test_breaker, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stale_claims, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_after_message_in_flight, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limit_and_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(test_list_and_requeue, setup, teardown),
        cmocka_unit_test_setup_teardown(test_next_due_and_pending, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_by_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_drop_by_round, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_keeps_rows, setup, teardown),
        cmocka_unit_test_setup_teardown(test_compact_old_sent, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
