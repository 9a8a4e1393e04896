/*
 * store_lifecycle.h: the lifecycle_sent table (which welcome, reminder and
 * check-in each member was sent) and the look-ups that find who is due
 * one. See lib/service/lifecycle.h.
 */
#ifndef CT_STORE_LIFECYCLE_H
#define CT_STORE_LIFECYCLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "store.h"

/* The kinds of lifecycle message, as lifecycle_sent.kind stores them. */
enum ct_lifecycle_kind {
    CT_LIFE_WELCOME = 1,  /* key "" */
    CT_LIFE_REMINDER = 2, /* key: the round's date, YYYY-MM-DD */
    CT_LIFE_CHECKIN = 3,  /* key: the group id */
};

/* One member due a message (and, for a check-in, the group). */
struct ct_store_life_due {
    int64_t member_id;
    char *email;
    char *name;
    int64_t round_id; /* check-in: the group's round; else 0 */
    int64_t group_id; /* check-in: the group; else 0 */
    char date[11];    /* check-in: the round's date */
    int64_t slot_start;
};

void ct_store_life_due_free(struct ct_store_life_due *v, size_t count);

/*
 * Record that member_id was sent kind for key at now, unless it already
 * was. OUT: *fresh, true when this call recorded it (then send it).
 */
enum ct_status ct_store_life_mark(struct ct_txn *txn, int64_t member_id,
                                  enum ct_lifecycle_kind kind, const char *key, int64_t now,
                                  bool *fresh, struct ct_error *err);

/*
 * Active members never sent kind for key, by id, at most limit.
 * OUT: *v, *count (free with ct_store_life_due_free()).
 */
enum ct_status ct_store_life_members_due(struct ct_store *store, enum ct_lifecycle_kind kind,
                                         const char *key, size_t limit,
                                         struct ct_store_life_due **v, size_t *count,
                                         struct ct_error *err);

/*
 * Members of sent groups of sent rounds still in them, active, who did not
 * decline, whose slot ended at or before `ended_by` and after `ended_after`,
 * never sent a check-in for that group; at most limit, by group then member.
 * OUT: *v, *count (free with ct_store_life_due_free()).
 */
enum ct_status ct_store_life_checkins_due(struct ct_store *store, int64_t ended_after,
                                          int64_t ended_by, size_t limit,
                                          struct ct_store_life_due **v, size_t *count,
                                          struct ct_error *err);

#endif
