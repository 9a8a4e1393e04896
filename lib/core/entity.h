/*
 * entity.h: the states of the things coffeetrial keeps (members, rounds,
 * groups, outbox messages) as enums, and the words people and the JSON
 * output use for them. The database's own spelling of each state lives in
 * lib/store alone; these words are for output and for parsing what a
 * person typed.
 */
#ifndef CT_ENTITY_H
#define CT_ENTITY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum ct_member_status { CT_MEMBER_ACTIVE, CT_MEMBER_PAUSED, CT_MEMBER_LEFT, CT_MEMBER_ERASED };
enum ct_frequency { CT_FREQ_MONTHLY = 1, CT_FREQ_BIMONTHLY = 2, CT_FREQ_QUARTERLY = 3 };

/* A round is planned, then sent, or cancelled, or replaced (planned again for its date). */
enum ct_round_state { CT_ROUND_PLANNED, CT_ROUND_SENT, CT_ROUND_CANCELLED, CT_ROUND_REPLACED };

enum ct_group_state { CT_GROUP_PLANNED, CT_GROUP_SENT, CT_GROUP_CANCELLED };

/*
 * An outbox message: queued, claimed by a sender, sent, dead (given up), or
 * dropped (taken out of the queue by the organiser before it went).
 */
enum ct_outbox_state {
    CT_OUTBOX_QUEUED,
    CT_OUTBOX_SENDING,
    CT_OUTBOX_SENT,
    CT_OUTBOX_DEAD,
    CT_OUTBOX_DROPPED,
};

enum ct_outbox_kind { CT_OUTBOX_REQUEST, CT_OUTBOX_CANCEL, CT_OUTBOX_NOTICE };

/*
 * The one view of a member: who they are, where they work (the boundaries
 * pairing crosses), and their standing in the network. Every part of
 * coffeetrial that needs a member uses this struct (embedding it where it
 * needs more); it is loaded by one store function. Strings are heap copies.
 */
struct ct_member {
    int64_t id;
    char *email;
    char *name;
    char *organisation;
    char *team; /* optional fields are NULL when unset */
    char *site;
    char *role;
    char *timezone;               /* NULL: the network's */
    enum ct_member_status status; /* erased: only where history is asked for, with
                                     every personal field NULL */
    char *paused_until;           /* YYYY-MM-DD, NULL when not paused or paused indefinitely */
    enum ct_frequency frequency;
    char **ties; /* e-mails of declared close colleagues, sorted */
    size_t ties_count;
    int unanswered;     /* invitations unanswered in a row */
    int64_t created_at; /* Unix seconds */
    int64_t updated_at;
};

/* Free what m owns and zero it; m itself is the caller's. NULL is accepted. */
void ct_member_clear(struct ct_member *m);

/*
 * The word for a state ("active", "planned", "sent", "request"), as the
 * CLI prints it and the JSON formats carry it; "?" for a value out of range.
 */
const char *ct_member_status_str(enum ct_member_status status);
const char *ct_round_state_str(enum ct_round_state state);
const char *ct_group_state_str(enum ct_group_state state);
const char *ct_outbox_state_str(enum ct_outbox_state state);
const char *ct_outbox_kind_str(enum ct_outbox_kind kind);

/*
 * Parse a word of the list above (ignoring ASCII case), as a person types it
 * on the command line or in a roster cell. Return false if s names none.
 * ct_member_status_parse accepts only what a roster may say (active,
 * paused, left): nobody is erased by a file.
 */
bool ct_member_status_parse(const char *s, enum ct_member_status *out);
bool ct_round_state_parse(const char *s, enum ct_round_state *out);
bool ct_outbox_state_parse(const char *s, enum ct_outbox_state *out);
bool ct_outbox_kind_parse(const char *s, enum ct_outbox_kind *out);

#endif
