/*
 * store_replies.h: the answers to invitations behind typed functions: the
 * replies table, the partstat of group_members, the unanswered count of
 * members, each group's answer window, and imap_seen (mail already read).
 * Answers cross as enum ct_partstat and enum ct_reply_method.
 */
#ifndef CT_STORE_REPLIES_H
#define CT_STORE_REPLIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "entity.h"
#include "reply.h"
#include "store.h"

/* A group as an answer sees it. */
struct ct_replies_group {
    int64_t id;
    int sequence;
    enum ct_group_state state;
};

/* The group whose invitations carry this UID. OUT: *g, *found. */
enum ct_status ct_store_replies_find_group(struct ct_store *store, const char *uid,
                                           struct ct_replies_group *g, bool *found,
                                           struct ct_error *err);

/* Group id as an answer sees it. OUT: *g, *found. */
enum ct_status ct_store_replies_group(struct ct_store *store, int64_t id,
                                      struct ct_replies_group *g, bool *found,
                                      struct ct_error *err);

/* The member of group_id with this address, if still in the group. OUT: *member_id, *found. */
enum ct_status ct_store_replies_find_attendee(struct ct_store *store, int64_t group_id,
                                              const char *email, int64_t *member_id, bool *found,
                                              struct ct_error *err);

/* One attendee's answer to one group; strings are borrowed. */
struct ct_replies_answer {
    int64_t group_id;
    int64_t member_id;
    enum ct_reply_method method;
    enum ct_partstat partstat;
    int sequence;
    int64_t dtstamp;        /* 0: the reply had none */
    int64_t proposed_start; /* COUNTER: the time proposed; 0: none */
    const char *comment;    /* may be NULL */
    bool by_organiser;      /* applied by hand from a held reply (outcome apply) */
};

/* Has exactly this answer (method, partstat, sequence, dtstamp) been recorded? */
enum ct_status ct_store_replies_exists(struct ct_store *store, const struct ct_replies_answer *a,
                                       bool *exists, struct ct_error *err);

/* Is a REPLY newer than a (higher SEQUENCE, or same and later DTSTAMP) recorded? */
enum ct_status ct_store_replies_newer_exists(struct ct_store *store,
                                             const struct ct_replies_answer *a, bool *newer,
                                             struct ct_error *err);

/*
 * Record an answer received at now; a REPLY also becomes the member's
 * partstat in the group (a COUNTER proposes, it does not answer).
 */
enum ct_status ct_store_replies_record(struct ct_txn *txn, const struct ct_replies_answer *a,
                                       int64_t now, struct ct_error *err);

/* An answer ends a member's run of unanswered invitations (no-op at 0). */
enum ct_status ct_store_replies_reset_unanswered(struct ct_txn *txn, int64_t member_id, int64_t now,
                                                 struct ct_error *err);

/*
 * Set a member's count of unanswered invitations; with pause also pause
 * them with no end date.
 */
enum ct_status ct_store_replies_set_unanswered(struct ct_txn *txn, int64_t member_id,
                                               int unanswered, bool pause, int64_t now,
                                               struct ct_error *err);

/* An active member still in a group, and whether they said yes. */
struct ct_replies_attendance {
    int64_t member_id;
    char *email; /* "(erased)" for an erased member */
    int unanswered;
    bool answered; /* ACCEPTED or TENTATIVE, or proposed another time */
};

/* OUT: *list (ordered by member id) and *count, freed with ct_replies_attendance_free(). */
enum ct_status ct_store_replies_attendance(struct ct_store *store, int64_t group_id,
                                           struct ct_replies_attendance **list, size_t *count,
                                           struct ct_error *err);
void ct_replies_attendance_free(struct ct_replies_attendance *list, size_t count);

/*
 * Sent groups whose answer window is over at now and not yet closed: the
 * round was sent meeting_window ago and the proposed slot has ended.
 * Oldest windows first. OUT: *ids (heap) and *count.
 */
enum ct_status ct_store_replies_windows_due(struct ct_store *store, int64_t now,
                                            int64_t meeting_window, int64_t **ids, size_t *count,
                                            struct ct_error *err);

/* Mark group_id's answer window closed at now. */
enum ct_status ct_store_replies_close_window(struct ct_txn *txn, int64_t group_id, int64_t now,
                                             struct ct_error *err);

/* ---- members' own event UIDs (issue 13) -------------------------------- */

/* The UID stored for (group_id, member_id); NULL when none yet. OUT: *uid (heap). */
enum ct_status ct_store_replies_member_uid(struct ct_store *store, int64_t group_id,
                                           int64_t member_id, char **uid, struct ct_error *err);

/* Store uid as (group_id, member_id)'s own event UID. */
enum ct_status ct_store_replies_set_member_uid(struct ct_txn *txn, int64_t group_id,
                                               int64_t member_id, const char *uid,
                                               struct ct_error *err);

/*
 * Store uid as (group_id, member_id)'s own event UID unless it has one
 * already: one statement where a send would read, then write. OUT:
 * *claimed, false when a UID was there (or no such member of the group).
 */
enum ct_status ct_store_replies_claim_member_uid(struct ct_txn *txn, int64_t group_id,
                                                 int64_t member_id, const char *uid, bool *claimed,
                                                 struct ct_error *err);

/* Who holds an event UID: one member's copy of a group's invitation. */
struct ct_replies_owner {
    int64_t group_id;
    int64_t member_id;
    char *email;  /* the member's address now; NULL once erased */
    bool removed; /* no longer in the group */
    int sequence; /* the group's */
    enum ct_group_state state;
};

/*
 * The members whose invitation carries uid: one for a member's own UID,
 * several for a group sent before per-member UIDs (all its members share
 * the group's), none for a UID never sent. At most max rows.
 * OUT: owners[0..*count), freed with ct_replies_owners_clear().
 */
enum ct_status ct_store_replies_owners(struct ct_store *store, const char *uid,
                                       struct ct_replies_owner *owners, size_t max, size_t *count,
                                       struct ct_error *err);
void ct_replies_owners_clear(struct ct_replies_owner *owners, size_t count);

/* The answer recorded for (group_id, member_id); NEEDS_ACTION if none. OUT: *partstat. */
enum ct_status ct_store_replies_partstat(struct ct_store *store, int64_t group_id,
                                         int64_t member_id, enum ct_partstat *partstat,
                                         struct ct_error *err);

/* ---- held replies ------------------------------------------------------ */

/* One attendee entry of a reply that was not applied, and why. */
struct ct_replies_held {
    int64_t id; /* 0 before it is stored */
    int64_t received_at;
    char *source;      /* "UID 12", "message" */
    char *sender;      /* the From address (proof of nothing), or NULL */
    char *event_uid;   /* the reply's UID */
    int64_t group_id;  /* the group the UID names, 0 if none */
    int64_t owner_id;  /* the member the UID was sent to, 0 if none */
    char *owner_email; /* read back only: that member's address, or NULL */
    char *attendee;    /* the ATTENDEE address it answers for */
    enum ct_reply_method method;
    enum ct_partstat partstat;
    int sequence;
    int64_t dtstamp;
    int64_t proposed_start; /* 0: none */
    char *comment;          /* or NULL */
    char *reason;           /* one line */
    int64_t applied_at;     /* 0 while held */
    int64_t applied_member_id;
};

/* Keep h (its id and owner_email are ignored) for the organiser. OUT: *id (may be NULL). */
enum ct_status ct_store_replies_hold(struct ct_txn *txn, const struct ct_replies_held *h,
                                     int64_t *id, struct ct_error *err);

/* Which held replies to list: 0 fields mean any; applied ones only with applied. */
struct ct_replies_held_filter {
    int64_t id;
    int64_t group_id;
    int64_t round_id;
    bool applied;
};

/* OUT: *list (oldest first) and *count, freed with ct_replies_held_free(). */
enum ct_status ct_store_replies_held_list(struct ct_store *store,
                                          const struct ct_replies_held_filter *filter,
                                          struct ct_replies_held **list, size_t *count,
                                          struct ct_error *err);
void ct_replies_held_free(struct ct_replies_held *list, size_t count);

/* Mark held reply id applied by the organiser to member_id at now. */
enum ct_status ct_store_replies_held_applied(struct ct_txn *txn, int64_t id, int64_t member_id,
                                             int64_t now, struct ct_error *err);

/* ---- the organiser's view ---------------------------------------------- */

/* One member of a group and their answer, for `round show`. */
struct ct_replies_member_answer {
    int64_t member_id;
    char *email;             /* NULL once erased */
    char *name;              /* or NULL */
    bool removed;            /* left the group after it was sent */
    enum ct_partstat answer; /* NEEDS_ACTION: no answer */
    int64_t proposed_start;  /* the latest COUNTER's time; 0: none */
    char *comment;           /* the latest answer's COMMENT, or NULL */
    size_t held;             /* held replies whose UID is this member's */
};

/* Members of group_id in member order. OUT: *list, *count; ct_replies_member_answers_free(). */
enum ct_status ct_store_replies_group_answers(struct ct_store *store, int64_t group_id,
                                              struct ct_replies_member_answer **list, size_t *count,
                                              struct ct_error *err);
void ct_replies_member_answers_free(struct ct_replies_member_answer *list, size_t count);

/* A message of a mailbox, as imap_seen keys it. */
struct ct_imap_seen_key {
    const char *mailbox;
    uint32_t uidvalidity;
    uint32_t uid;
};

/* Was this message processed before? OUT: *seen. */
enum ct_status ct_store_imap_seen(struct ct_store *store, const struct ct_imap_seen_key *key,
                                  bool *seen, struct ct_error *err);

/*
 * Keep of uids[0..*count) those of mailbox at uidvalidity not processed
 * before, in order, compacting uids in place. OUT: *count.
 */
enum ct_status ct_store_imap_unseen(struct ct_store *store, const char *mailbox,
                                    uint32_t uidvalidity, uint32_t *uids, size_t *count,
                                    struct ct_error *err);

/* Remember that this message was processed (again is no error). */
enum ct_status ct_store_imap_seen_mark(struct ct_txn *txn, const struct ct_imap_seen_key *key,
                                       struct ct_error *err);

#endif
