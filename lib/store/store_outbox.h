/*
 * store_outbox.h: the outbox table behind typed functions: queueing a
 * message, claiming due rows for a sender, recording what an attempt came
 * to, taking back abandoned claims, requeueing, and the one outbox row
 * shape every reader gets. States and kinds are the enums of entity.h.
 */
#ifndef CT_STORE_OUTBOX_H
#define CT_STORE_OUTBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "store.h"

/* How many enum ct_outbox_state values there are. */
#define CT_OUTBOX_STATES 5

/* One message to queue; every field is borrowed for the call. */
struct ct_outbox_entry {
    const char *message_id; /* without angle brackets; unique */
    enum ct_outbox_kind kind;
    int64_t group_id;  /* 0: none */
    int64_t member_id; /* 0: none */
    const char *recipient;
    const char *subject;
    const char *method; /* "REQUEST", "CANCEL" or NULL */
    const char *text_body;
    const char *html_body; /* may be NULL */
    const char *ics;       /* may be NULL */
    const void *message;   /* the whole RFC 5322 message, CRLF line ends */
    size_t message_len;
    /*
     * Or, instead of the bodies and the message (ignored then), the recipe
     * they are made from at delivery (core/invite_recipe.h): stored once,
     * a fraction of the size.
     */
    const void *recipe;
    size_t recipe_len;
};

/*
 * The one view of an outbox row. Strings and message are heap copies;
 * the message fields are NULL unless the loader was asked for them.
 */
struct ct_outbox_row {
    int64_t id;
    char *message_id;
    enum ct_outbox_kind kind;
    enum ct_outbox_state state;
    int64_t group_id;  /* 0: none */
    int64_t member_id; /* 0: none */
    char *recipient;
    char *subject;
    char *method;    /* NULL for plain notices */
    char *text_body; /* with_message only */
    char *html_body; /* with_message only; may be NULL */
    char *ics;       /* with_message only; may be NULL */
    void *message;   /* with_message only; never NULL then (empty for a recipe) */
    size_t message_len;
    void *recipe; /* with_message only: what the message is made from, or NULL */
    size_t recipe_len;
    char *last_error; /* NULL if none */
    int attempts;
    int64_t next_attempt_at;
    int64_t claimed_by; /* 0: none */
    int64_t claimed_at; /* 0: none */
    int64_t created_at;
    int64_t sent_at; /* 0: not sent */
};

/* Free what r owns and zero it. NULL is accepted. */
void ct_outbox_row_clear(struct ct_outbox_row *r);

/* Free count rows and the array. NULL is accepted. */
void ct_outbox_rows_free(struct ct_outbox_row *rows, size_t count);

/* Which rows to load; a zeroed filter loads every row without its message. */
struct ct_outbox_filter {
    unsigned state_mask; /* bits (1u << enum ct_outbox_state); 0: every state */
    int64_t id;          /* 0: any */
    int64_t claimed_by;  /* 0: any */
    int64_t round_id;    /* 0: any; else only messages of this round's groups */
    unsigned kind_mask;  /* bits (1u << enum ct_outbox_kind); 0: every kind */
    bool with_message;   /* also the bodies, the calendar and the raw message */
};

/* Messages in each state, and the earliest next attempt of each. */
struct ct_outbox_summary {
    long count[CT_OUTBOX_STATES];
    int64_t next_attempt_at[CT_OUTBOX_STATES]; /* 0: no message in that state */
};

/* How one attempt ended, for ct_store_outbox_record(). */
struct ct_outbox_outcome {
    enum ct_outbox_state state; /* sent, queued (retry or unusable transport) or dead */
    int attempts;               /* the row's attempts after this one */
    int64_t next_attempt_at;
    const char *error; /* NULL when sent */
};

/*
 * Queue one message, due at now, in txn (so a round's send and its mail
 * commit together). THE way to add an outbox row. A duplicate message_id
 * is CT_EDATA, with the message and recipient named in err.
 */
enum ct_status ct_store_outbox_enqueue(struct ct_txn *txn, const struct ct_outbox_entry *entry,
                                       int64_t now, struct ct_error *err);

/*
 * The rows filter selects, oldest first. OUT: *rows (NULL when there are
 * none) and *count, freed with ct_outbox_rows_free().
 */
enum ct_status ct_store_outbox_load(struct ct_store *store, const struct ct_outbox_filter *filter,
                                    struct ct_outbox_row **rows, size_t *count,
                                    struct ct_error *err);

/* OUT: *summary, the whole outbox counted by state. */
enum ct_status ct_store_outbox_summarise(struct ct_store *store, struct ct_outbox_summary *summary,
                                         struct ct_error *err);

/*
 * When the earliest queued or claimed message is due. OUT: *due, and
 * *found false when the outbox holds none (an indexed query: the daemon
 * asks on every pass).
 */
enum ct_status ct_store_outbox_next_due(struct ct_store *store, int64_t *due, bool *found,
                                        struct ct_error *err);

/* OUT: *count, the messages queued or being sent. */
enum ct_status ct_store_outbox_pending(struct ct_store *store, long *count, struct ct_error *err);

/*
 * Claim up to max rows due by `due` for process pid at now, oldest due
 * first. OUT: ids[] in ascending order, *count.
 */
enum ct_status ct_store_outbox_claim(struct ct_txn *txn, int64_t due, int max, int64_t pid,
                                     int64_t now, int64_t *ids, int *count, struct ct_error *err);

/*
 * Record what an attempt on row id, claimed by pid, came to, and release
 * the claim; sent_at becomes now when the message was sent. A row no
 * longer claimed by pid is left alone.
 */
enum ct_status ct_store_outbox_record(struct ct_txn *txn, int64_t id, int64_t pid,
                                      const struct ct_outbox_outcome *outcome, int64_t now,
                                      struct ct_error *err);

/*
 * ct_store_outbox_record() for a batch with one statement: outcomes[i] for
 * row ids[i], for every i < n with tried[i] (tried NULL: every i).
 */
enum ct_status ct_store_outbox_record_batch(struct ct_txn *txn, int64_t pid, const int64_t *ids,
                                            const struct ct_outbox_outcome *outcomes,
                                            const bool *tried, size_t n, int64_t now,
                                            struct ct_error *err);

/*
 * The rows ids[0..n) still claimed by pid (state sending), with their
 * messages, through one statement. rows[] holds n entries; OUT: rows[0..
 * *count) filled in the order of ids (a row no longer ours is skipped),
 * each cleared by the caller with ct_outbox_row_clear().
 */
enum ct_status ct_store_outbox_load_claimed(struct ct_store *store, int64_t pid, const int64_t *ids,
                                            size_t n, struct ct_outbox_row *rows, size_t *count,
                                            struct ct_error *err);

/*
 * Put a claimed row back in the queue with a note in last_error (NULL
 * keeps the old one), if it is still claimed (by pid, or by anyone when
 * pid is 0).
 */
enum ct_status ct_store_outbox_unclaim(struct ct_txn *txn, int64_t id, int64_t pid,
                                       const char *note, struct ct_error *err);

/*
 * Take row id out of the queue for good: state dropped, with a note in
 * last_error. Only a queued row nobody has claimed changes.
 * OUT: *dropped, whether it did.
 */
enum ct_status ct_store_outbox_drop(struct ct_txn *txn, int64_t id, bool *dropped,
                                    struct ct_error *err);

/* Put every row pid still claims back in the queue, last_error unchanged. */
enum ct_status ct_store_outbox_release(struct ct_txn *txn, int64_t pid, struct ct_error *err);

/*
 * Make row id (or, with id 0, every dead row) due at now; a dead row starts
 * again with 0 attempts. The caller checks the row's state first.
 * OUT: *count, rows changed.
 */
enum ct_status ct_store_outbox_requeue(struct ct_txn *txn, int64_t id, int64_t now, long *count,
                                       struct ct_error *err);

/*
 * Drop the message of up to max rows sent before `before` (the bodies, the
 * raw message, the recipe), keeping everything else a report or a listing
 * reads (kind, recipient, subject, state, attempts, times). OUT: *count,
 * the rows compacted (fewer than max: none are left).
 */
enum ct_status ct_store_outbox_compact(struct ct_txn *txn, int64_t before, int max, long *count,
                                       struct ct_error *err);

#endif
