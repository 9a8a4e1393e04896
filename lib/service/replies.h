/*
 * replies.h: turning iTIP replies into the store's record of who answered
 * what (group_members.partstat, replies), the unanswered-invitation count
 * that pauses members who stop answering, and the IMAP poll that feeds it.
 *
 * Trust (docs/outcomes.md, "Replies you can trust"): a reply is bound to
 * the member whose own invitation UID it carries, never to its From line;
 * one that cannot be trusted is held (held_replies) and changes nothing.
 *
 * Idempotent by construction: a message already in imap_seen is not read
 * again, and an answer already in replies (same group, member, method,
 * SEQUENCE, DTSTAMP and PARTSTAT) changes nothing, so reading the same
 * mailbox twice, or again after its UIDVALIDITY changed, counts nothing twice.
 */
#ifndef CT_REPLIES_H
#define CT_REPLIES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "imap.h"
#include "reply.h"
#include "store.h"
#include "store_replies.h"

/*
 * What became of one message (or one attendee's answer in it). The order is
 * the precedence used for a whole message: the first that applies to any of
 * its answers wins.
 */
enum ct_replies_result {
    CT_REPLIES_RECORDED,     /* a new PARTSTAT was recorded */
    CT_REPLIES_COUNTER,      /* a proposal of another time was recorded */
    CT_REPLIES_ACTION,       /* a trusted one-word reply (SKIP, PAUSE, ...) was acted on */
    CT_REPLIES_DUPLICATE,    /* the same answer was recorded before */
    CT_REPLIES_SUPERSEDED,   /* older (by DTSTAMP) than an answer already recorded */
    CT_REPLIES_OLD_SEQUENCE, /* answers an older version (SEQUENCE) of the invitation */
    CT_REPLIES_HELD,         /* not to be trusted: kept for the organiser (held_replies) */
    CT_REPLIES_CANCELLED,    /* the meeting was cancelled */
    CT_REPLIES_UNKNOWN,      /* no sent group has the reply's UID */
    CT_REPLIES_NOT_ATTENDEE, /* the answering attendee is not (or no longer) in the group */
    CT_REPLIES_NOT_REPLY,    /* no calendar reply in it, or a malformed one */
    CT_REPLIES_SEEN,         /* the message was processed before (imap_seen) */
    CT_REPLIES_RESULT_COUNT
};

/* How the summary names a result: "recorded", "ignored (old sequence)", ... */
const char *ct_replies_result_label(enum ct_replies_result result);

enum ct_replies_level {
    CT_REPLIES_INFO,    /* every decision: what was recorded */
    CT_REPLIES_NOTICE,  /* what an organiser should see: pauses, proposed times */
    CT_REPLIES_WARNING, /* skipped messages: unknown meeting, non-attendee, malformed */
};

/* What the caller plugs in; every member may be NULL. */
struct ct_replies_hooks {
    /* One line per decision, already free of control characters. */
    void (*log)(void *arg, enum ct_replies_level level, const char *line);
    /*
     * A member was just paused for leaving too many invitations unanswered.
     * Runs inside the transaction that pauses them, so a notice queued in
     * the outbox here commits (or rolls back) with the pause. Returning an
     * error rolls the pause back and ends ct_replies_close_windows().
     */
    enum ct_status (*paused)(void *arg, struct ct_txn *txn, int64_t member_id, const char *email,
                             struct ct_error *err);
    /* Polled between messages: true ends a fetch early (SIGTERM). */
    bool (*should_stop)(void *arg);
    void *arg;
    /*
     * The configuration one-word replies act under (member_actions.h);
     * NULL: such replies are held for the organiser instead.
     */
    const struct ct_config *cfg;
};

/* Where a message came from: its key in imap_seen. */
struct ct_replies_source {
    const char *mailbox; /* "user@host/MAILBOX", see ct_imap_mailbox() */
    uint32_t uidvalidity;
    uint32_t uid;
};

/*
 * Read one whole message (len bytes), find its calendar replies and record
 * them (or, for a message without a calendar reply whose text starts with
 * one word, SKIP, PAUSE, STOP, MET or NOT MET, act on it as the member:
 * see replies_words.c; trusted only when its In-Reply-To or References
 * names a message we sent that member and its From is their address, else
 * held for the organiser with the reason), in one transaction of its own that also remembers src in
 * imap_seen (src may be NULL for messages that do not come from IMAP). A message src names that is
 * already in imap_seen is left alone (CT_REPLIES_SEEN). Malformed messages are results, not errors.
 * OUT: *result.
 */
enum ct_status ct_replies_record_message(struct ct_store *store, const char *data, size_t len,
                                         const struct ct_replies_source *src, int64_t now,
                                         const struct ct_replies_hooks *hooks,
                                         enum ct_replies_result *result, struct ct_error *err);

/* ---- replies you can trust (docs/outcomes.md) -------------------------- */

/*
 * The event UID of member_id's copy of group_id's invitation: the one
 * stored, or a new one made now (group_uid plus CT_INVITE_UID_SECRET bytes
 * from getrandom) and stored in txn, so every later REQUEST or CANCEL to
 * that member carries the same UID. A reply carrying it is bound to that
 * member alone. OUT: *uid (heap).
 */
enum ct_status ct_replies_member_uid(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                                     const char *group_uid, char **uid, struct ct_error *err);

/*
 * The two halves of ct_replies_member_uid(), for a caller that makes UIDs
 * on another thread: a new UID for a member of the group with UID
 * group_uid (reads no store; OUT: *uid, heap), and storing it as member_id's
 * in group_id unless one is stored already (OUT: *claimed; when false, the
 * stored one stays and ct_replies_member_uid() returns it).
 */
enum ct_status ct_replies_member_uid_new(int64_t group_id, const char *group_uid, char **uid,
                                         struct ct_error *err);
enum ct_status ct_replies_member_uid_claim(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                                           const char *uid, bool *claimed, struct ct_error *err);

/*
 * Replies held for the organiser (filter as in store_replies.h; NULL: all
 * still held). OUT: *list, *count, freed with ct_replies_held_free().
 */
enum ct_status ct_replies_held_list(struct ct_store *store,
                                    const struct ct_replies_held_filter *filter,
                                    struct ct_replies_held **list, size_t *count,
                                    struct ct_error *err);

/* What applying a held reply did. */
struct ct_replies_applied {
    int64_t group_id;
    int64_t member_id;
    enum ct_reply_method method;
    enum ct_partstat partstat;
};

/*
 * The organiser applies held reply held_id by hand, as the answer of the
 * member with address member_email (NULL: the address the reply answered
 * for), who must still be in the reply's sent group. Recorded like a mail
 * answer but marked by_organiser, with now as its DTSTAMP (so it stands
 * until a later answer); the held row is marked applied. CT_ENOTFOUND: no
 * such held reply (or applied already); CT_EDATA: it names no meeting, or
 * the member is not in the group; CT_ESTATE: the group is not sent.
 * OUT: *applied (may be NULL).
 */
enum ct_status ct_replies_apply_held(struct ct_store *store, int64_t held_id,
                                     const char *member_email, int64_t now,
                                     struct ct_replies_applied *applied, struct ct_error *err);

/*
 * For the organiser's view of a group (round show): each member's current
 * answer, latest proposed time and comment, and the replies held for them.
 * OUT: *list, *count, freed with ct_replies_member_answers_free(); *held
 * (may be NULL): all replies held for the group, whoever they name.
 */
enum ct_status ct_replies_group_answers(struct ct_store *store, int64_t group_id,
                                        struct ct_replies_member_answer **list, size_t *count,
                                        size_t *held, struct ct_error *err);

/* The rules for counting invitations as unanswered. */
struct ct_replies_policy {
    int unanswered_limit;   /* pause at this many in a row; 0 never pauses */
    int64_t meeting_window; /* seconds after a round is sent that answers are awaited */
};

struct ct_replies_closed {
    size_t groups;  /* groups whose window closed in this call */
    size_t counted; /* invitations counted as declined or unanswered */
    size_t paused;  /* members paused */
};

/*
 * Close the answer window of every sent group whose window has ended:
 * meeting_window after its round was sent, and not before the proposed slot
 * is over. For each active member still in such a group, an invitation
 * answered ACCEPTED or TENTATIVE, or with a proposal of another time, resets
 * members.unanswered to 0; any other (DECLINED, DELEGATED, no answer) adds
 * one. Reaching unanswered_limit pauses the member (status 'paused', no end
 * date), restarts their count at 0 and calls hooks->paused once. Each group
 * is counted once (groups.window_closed_at), all in one transaction.
 * OUT: *closed (may be NULL).
 */
enum ct_status ct_replies_close_windows(struct ct_store *store, int64_t now,
                                        const struct ct_replies_policy *policy,
                                        const struct ct_replies_hooks *hooks,
                                        struct ct_replies_closed *closed, struct ct_error *err);

struct ct_replies_stats {
    size_t fetched;                            /* messages downloaded */
    size_t by_result[CT_REPLIES_RESULT_COUNT]; /* what became of them */
    size_t restored_unseen;                    /* left unread, as found */
};

/*
 * One line for people: "fetched 7 messages: 5 replies recorded, 1 ignored
 * (old sequence), 1 skipped (not a calendar reply)". Heap string, NULL on
 * allocation failure.
 */
char *ct_replies_stats_format(const struct ct_replies_stats *stats);

/*
 * Poll the mailbox once: every message not yet in imap_seen (for the
 * mailbox's current UIDVALIDITY) is fetched by UID and recorded with
 * ct_replies_record_message(). Fetching marks a message \Seen; messages that
 * were unread and turned out not to be about one of our meetings are marked
 * unread again, so a person sharing the mailbox still sees them.
 * Messages of CT_IMAP_MAX_MESSAGE bytes or more are never downloaded.
 * Returns CT_EUNAVAIL (cannot connect), CT_ETEMP (try later), CT_ECONFIG
 * (login refused, bad URL) or a database error; *stats counts what was done
 * before any error, and every message counted is committed.
 */
enum ct_status ct_replies_fetch(struct ct_store *store, const struct ct_imap_options *imap,
                                int64_t now, const struct ct_replies_hooks *hooks,
                                struct ct_replies_stats *stats, struct ct_error *err);

#endif
