/*
 * outbox.h: the crash-safe queue between a round being sent and its mail
 * leaving. Rows are written in the caller's transaction (the round's send,
 * with ct_store_outbox_enqueue() of store_outbox.h),
 * then delivered in batches: claimed and committed before sending, given
 * to the transport (which may send them in parallel, or sync them once),
 * then each marked sent, scheduled for a retry with exponential backoff and
 * jitter, or dead after max_attempts with the last error kept, the batch's
 * outcomes in one transaction. Relay faults in a row (no answer, dropped
 * connections) trip a breaker that costs no attempts and holds off the
 * next flush. Claims of a process that died go back to the queue, so a
 * crash loses nothing; a message interrupted mid-send goes out again with
 * the same Message-ID.
 */
#ifndef CT_OUTBOX_H
#define CT_OUTBOX_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "entity.h"
#include "ct.h"
#include "store.h"
#include "store_outbox.h"
#include "transport.h"
#include "util.h"

/* Retry delays stop doubling here (then vary by the jitter, +-20%). */
#define CT_OUTBOX_RETRY_CAP (24 * 3600)
/*
 * A claim older than this (or than what the configured timeouts allow a
 * live flush, if longer) is taken back even if its process seems alive.
 */
#define CT_OUTBOX_STALE_CLAIM 3600
/* Rows claimed per transaction, unless the transport prefers another number. */
#define CT_OUTBOX_BATCH 16
/* The most rows claimed per transaction. */
#define CT_OUTBOX_BATCH_MAX 1024
/* Relay faults in a row (no answer, dropped connection) that trip the breaker. */
#define CT_OUTBOX_BREAKER 3

/* What one delivery attempt came to, for logs. Strings are borrowed. */
struct ct_outbox_event {
    int64_t id;
    const char *message_id;
    const char *recipient;
    enum ct_status status;      /* what the transport said */
    const char *error;          /* NULL when sent */
    enum ct_outbox_state state; /* the row's new state: sent, queued or dead */
    int attempts;               /* attempts made, this one included */
    int64_t next_attempt_at;    /* when it is tried again; 0 if it is not */
};

/* How a flush behaves. ct_outbox_options_init() fills it from a config. */
struct ct_outbox_options {
    const char *from;    /* envelope sender (borrowed) */
    int max_attempts;    /* attempts before a message is dead, >= 1 */
    int64_t retry_base;  /* first retry delay, seconds, >= 1 */
    int64_t retry_cap;   /* longest delay before jitter, seconds */
    int64_t stale_claim; /* claims older than this are taken back, seconds */
    int batch;           /* rows claimed per transaction; 0: the transport's choice */
    int breaker;         /* relay faults in a row that stop the flush; 0: never */
    long limit;          /* stop after this many attempts; 0: no limit */
    uint64_t seed;       /* jitter random seed; 0: from the system */
    /*
     * The time of each attempt (its sent_at and the base of its retry
     * delay), if set; NULL: the flush's now for every attempt. The
     * programs pass ct_now, so a long flush records real times.
     */
    int64_t (*clock)(void);
    /* Raised (by a signal handler, say): stop after the message in flight. */
    volatile sig_atomic_t *stop;
    /* Called after each attempt, if set. */
    void (*report)(void *arg, const struct ct_outbox_event *event);
    void *report_arg;
};

void ct_outbox_options_init(struct ct_outbox_options *opts, const struct ct_config *cfg);

/* What a flush did, and what it left. */
struct ct_outbox_result {
    long sent;               /* delivered in this flush */
    long retry;              /* failed for now, scheduled again */
    long dead;               /* failed for good in this flush */
    long reclaimed;          /* claims of dead processes put back in the queue */
    long queued;             /* queued after the flush (due later, or left) */
    long in_flight;          /* being sent by another live process */
    long dead_total;         /* dead messages in the outbox, this flush's included */
    int64_t next_attempt_at; /* earliest next attempt of a queued message; 0: none */
    bool unavailable;        /* the transport could not be used: batch stopped */
    int64_t breaker_until;   /* the breaker is open (the relay failing) until then; 0: closed */
    bool stopped;            /* opts->stop was raised */
};

/*
 * Fill row's bodies and message from its recipe (a row without one is left
 * as it is): the same bytes every time, so a message sent again is the same
 * message. CT_EDATA for a damaged recipe.
 */
enum ct_status ct_outbox_row_build(struct ct_outbox_row *row, struct ct_error *err);

/*
 * [store] keep_messages: drop the message of every row sent more than keep
 * seconds before now (keep 0: never), keeping what reports and listings
 * read; in short transactions. OUT: *count, the rows compacted.
 */
enum ct_status ct_outbox_compact(struct ct_store *store, int64_t keep, int64_t now, long *count,
                                 struct ct_error *err);

/*
 * Deliver every message due at now through t. Claims of processes that are
 * gone are first returned to the queue. Each batch's fates are recorded
 * before the next batch is sent. Returns CT_OK when the outbox was worked
 * through (whatever each message's fate: see *result), CT_EUNAVAIL when the
 * transport could not be used, when opts->breaker relay faults came in a
 * row (the breaker then opens until result->breaker_until, kept in the
 * database), or when the breaker is still open (nothing is tried): err says
 * why in one line, and the messages stay queued with their attempts
 * unchanged. A relay fault followed by an answer counts as an attempt.
 * Or a database error. OUT: *result, always filled.
 */
enum ct_status ct_outbox_flush(struct ct_store *store, struct ct_transport *t,
                               const struct ct_outbox_options *opts, int64_t now,
                               struct ct_outbox_result *result, struct ct_error *err);

/*
 * The one-line summary of a flush that the CLI prints and the daemon logs:
 * "flush: 12 sent, 1 to retry (next at 2026-12-09 10:05 UTC), 0 failed",
 * plus what else happened (claims taken back, messages in flight
 * elsewhere, a stop), without a newline. Appended to b.
 */
bool ct_outbox_result_summary(const struct ct_outbox_result *result, struct ct_buf *b);

/*
 * The delay before retry number `attempts` (1 for the first retry):
 * retry_base * 2^(attempts-1), capped at retry_cap, then scaled by a jitter
 * between 0.8 and 1.2 drawn from random; at least 1 second.
 */
int64_t ct_outbox_backoff(int64_t retry_base, int64_t retry_cap, int attempts, uint64_t random);

struct ct_outbox_list {
    struct ct_outbox_row *rows; /* without their messages */
    size_t count;
    long counts[CT_OUTBOX_STATES]; /* messages in each enum ct_outbox_state, whatever the filter */
};

/*
 * The outbox, oldest first; state_mask filters by state (bits
 * 1u << enum ct_outbox_state; 0: all). OUT: *out, freed with
 * ct_outbox_list_free().
 */
enum ct_status ct_outbox_list(struct ct_store *store, unsigned state_mask,
                              struct ct_outbox_list **out, struct ct_error *err);
void ct_outbox_list_free(struct ct_outbox_list *list);

/*
 * Make message id (or, with id 0, every dead message) due at now. A dead
 * message starts again with 0 attempts. A sent or sending message is
 * CT_ESTATE, an unknown id CT_ENOTFOUND. OUT: *count, messages requeued.
 */
enum ct_status ct_outbox_requeue(struct ct_store *store, int64_t id, int64_t now, long *count,
                                 struct ct_error *err);

/* What ct_outbox_drop() takes out of the queue: one message, or a round's. */
struct ct_outbox_drop_request {
    int64_t id;         /* one message; 0: round_id's instead */
    int64_t round_id;   /* every queued message of this round's groups */
    unsigned kind_mask; /* bits (1u << enum ct_outbox_kind); 0: every kind */
    bool dry_run;       /* say what would be dropped, change nothing */
};

/*
 * Drop queued messages before they go, in one transaction: they become
 * dropped (kept, listed, never delivered). Only a queued message nobody
 * has claimed can be dropped. By id: CT_ENOTFOUND for an unknown id,
 * CT_ESTATE for a message that is not queued (sending, sent, dead or
 * already dropped) or not of a kind in kind_mask. By round: CT_ENOTFOUND
 * for an unknown round; its queued messages of those kinds are dropped
 * (none is not an error). OUT: *rows and *count, the messages dropped (or,
 * in a dry run, that would be), freed with ct_outbox_rows_free().
 */
enum ct_status ct_outbox_drop(struct ct_store *store, const struct ct_outbox_drop_request *req,
                              struct ct_outbox_row **rows, size_t *count, struct ct_error *err);

/*
 * When the earliest queued (or claimed) message is due, for the daemon's
 * timer; never before an open breaker's next try. OUT: *due, and *found
 * false when nothing waits.
 */
enum ct_status ct_outbox_next_due(struct ct_store *store, int64_t *due, bool *found,
                                  struct ct_error *err);

/* OUT: *count, the messages waiting: queued or being sent. */
enum ct_status ct_outbox_pending(struct ct_store *store, long *count, struct ct_error *err);

#endif
