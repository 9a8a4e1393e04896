/*
 * daemon_state.h: what coffeetriald remembers between runs (its schedule's
 * decisions, kept as meta values), and the round lookups its schedule
 * makes. Each call that writes is one transaction.
 */
#ifndef CT_DAEMON_STATE_H
#define CT_DAEMON_STATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "store.h"

/* The facts the daemon keeps. */
enum ct_daemon_fact {
    CT_DSTATE_START,   /* DTSTART date when [schedule] start is unset */
    CT_DSTATE_HANDLED, /* Unix time of the last occurrence handled */
    CT_DSTATE_PENDING, /* "DATE@SEND_AT,..." rounds awaiting review */
    CT_DSTATE_ROSTER,  /* when the roster was last refreshed */
    CT_DSTATE_IMAP,    /* when the mailbox was last read */
    CT_DSTATE_RULE,    /* "RRULE|START|HH:MM|ZONE" the decisions were made for */
};

/* The fact's key in the meta table, for messages ("schedule_pending"). */
const char *ct_daemon_state_key(enum ct_daemon_fact fact);

/* OUT: *value (heap), NULL when the fact was never recorded. */
enum ct_status ct_daemon_state_get(struct ct_store *store, enum ct_daemon_fact fact, char **value,
                                   struct ct_error *err);

/*
 * A fact that is a time. OUT: *value (0 when unset) and *found. A value
 * that is not a non-negative number is CT_EDATA naming the key.
 */
enum ct_status ct_daemon_state_get_time(struct ct_store *store, enum ct_daemon_fact fact,
                                        int64_t *value, bool *found, struct ct_error *err);

/* One fact to record. */
struct ct_daemon_fact_value {
    enum ct_daemon_fact fact;
    const char *text;
};

/* Record n facts together, in one transaction. */
enum ct_status ct_daemon_state_set(struct ct_store *store,
                                   const struct ct_daemon_fact_value *values, size_t n,
                                   struct ct_error *err);

/* Record one fact that is a time. */
enum ct_status ct_daemon_state_set_time(struct ct_store *store, enum ct_daemon_fact fact,
                                        int64_t value, struct ct_error *err);

/*
 * The newest round for date (YYYY-MM-DD), or with planned_only the newest
 * planned one. OUT: *id and *state. CT_ENOTFOUND (err untouched) if none.
 */
enum ct_status ct_daemon_state_round(struct ct_store *store, const char *date, bool planned_only,
                                     int64_t *id, enum ct_round_state *state, struct ct_error *err);

#ifdef CT_TEST_HOOKS
/* Test builds: the rows the daemon's stand-in actions write (actions-test.c). */
enum ct_status ct_daemon_state_fake_plan(struct ct_store *store, const char *date,
                                         int64_t send_after, int64_t now, int64_t *round_id,
                                         struct ct_error *err);
/* CT_ESTATE if round_id is not planned. */
enum ct_status ct_daemon_state_fake_send(struct ct_store *store, int64_t round_id, int64_t now,
                                         struct ct_error *err);
#endif

#endif
