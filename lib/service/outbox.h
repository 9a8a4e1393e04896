/*
 * outbox.h: the crash-safe queue between a round being sent and its mail
 * leaving. Rows are written in the caller's transaction (the round's send),
 * then delivered one by one: claimed and committed before sending, marked
 * sent after, or scheduled for a retry with exponential backoff and jitter,
 * or dead after max_attempts with the last error kept. Claims of a process
 * that died go back to the queue, so a crash loses nothing; a message
 * interrupted mid-send goes out again with the same Message-ID.
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
#include "transport.h"
#include "util.h"

/* Retry delays stop doubling here (then vary by the jitter, +-20%). */
#define CT_OUTBOX_RETRY_CAP (24 * 3600)
/*
 * A claim older than this (or than what the configured timeouts allow a
 * live flush, if longer) is taken back even if its process seems alive.
 */
#define CT_OUTBOX_STALE_CLAIM 3600
/* Rows claimed per transaction. */
#define CT_OUTBOX_BATCH 16

/* One message to queue; every field is borrowed for the call. */
struct ct_outbox_entry {
    const char *message_id; /* without angle brackets; unique */
    const char *kind;       /* "request", "cancel" or "notice" */
    int64_t group_id;       /* 0: none */
    int64_t member_id;      /* 0: none */
    const char *recipient;
    const char *subject;
    const char *method; /* "REQUEST", "CANCEL" or NULL */
    const char *text_body;
    const char *html_body; /* may be NULL */
    const char *ics;       /* may be NULL */
    const void *message;   /* the whole RFC 5322 message, CRLF line ends */
    size_t message_len;
};

/*
 * Queue one message, due now. Runs inside the caller's transaction when one
 * is open (round send opens one, so the round and its mail commit together),
 * else on its own. A duplicate message_id is CT_EDATA.
 */
enum ct_status ct_outbox_enqueue(struct ct_store *store, const struct ct_outbox_entry *entry,
                                 struct ct_error *err);

/* What one delivery attempt came to, for logs. Strings are borrowed. */
struct ct_outbox_event {
    int64_t id;
    const char *message_id;
    const char *recipient;
    enum ct_status status;   /* what the transport said */
    const char *error;       /* NULL when sent */
    const char *state;       /* the row's new state: "sent", "queued" or "dead" */
    int attempts;            /* attempts made, this one included */
    int64_t next_attempt_at; /* when it is tried again; 0 if it is not */
};

/* How a flush behaves. ct_outbox_options_init() fills it from a config. */
struct ct_outbox_options {
    const char *from;    /* envelope sender (borrowed) */
    int max_attempts;    /* attempts before a message is dead, >= 1 */
    int64_t retry_base;  /* first retry delay, seconds, >= 1 */
    int64_t retry_cap;   /* longest delay before jitter, seconds */
    int64_t stale_claim; /* claims older than this are taken back, seconds */
    int batch;           /* rows claimed per transaction */
    long limit;          /* stop after this many attempts; 0: no limit */
    uint64_t seed;       /* jitter random seed; 0: from the system */
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
    bool stopped;            /* opts->stop was raised */
};

/*
 * Deliver every message due now through t. Claims of processes that are
 * gone are first returned to the queue. Each message's fate is recorded
 * before the next is sent. Returns CT_OK when the outbox was worked through
 * (whatever each message's fate: see *result), CT_EUNAVAIL when the
 * transport could not be used (err says why; the message stays queued and
 * its attempts unchanged), or a database error. OUT: *result, always filled.
 */
enum ct_status ct_outbox_flush(struct ct_store *store, struct ct_transport *t,
                               const struct ct_outbox_options *opts,
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

/* One outbox row, as `coffeetrial outbox` shows it. */
struct ct_outbox_row {
    int64_t id;
    char *message_id;
    char *kind;
    char *recipient;
    char *subject;
    char *state;
    char *last_error; /* NULL if none */
    int attempts;
    int64_t group_id; /* 0: none */
    int64_t next_attempt_at;
    int64_t claimed_by; /* 0: none */
    int64_t created_at;
    int64_t sent_at; /* 0: not sent */
};


struct ct_outbox_list {
    struct ct_outbox_row *rows;
    size_t count;
    long counts[4]; /* messages in each enum ct_outbox_state, whatever the filter */
};

/* The state's name, and back (-1 if unknown). */

/*
 * The outbox, oldest first; state filters by state name (NULL: all).
 * OUT: *out, freed with ct_outbox_list_free().
 */
enum ct_status ct_outbox_list(struct ct_store *store, const char *state,
                              struct ct_outbox_list **out, struct ct_error *err);
void ct_outbox_list_free(struct ct_outbox_list *list);

/*
 * Make message id (or, with id 0, every dead message) due now. A dead
 * message starts again with 0 attempts. A sent or sending message is
 * CT_ESTATE, an unknown id CT_ENOTFOUND. OUT: *count, messages requeued.
 */
enum ct_status ct_outbox_requeue(struct ct_store *store, int64_t id, long *count,
                                 struct ct_error *err);

#endif
