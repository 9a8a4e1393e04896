/*
 * lifecycle.h: the messages a member gets at points of their trial besides
 * invitations ([messages] in the configuration): a welcome when they first
 * join, a reminder before a round is planned (with the skip link), and
 * "did you meet?" after their group's proposed time (met / not met). Each
 * goes at most once per member and round, recorded in the same transaction
 * as it is queued, so a restart never repeats one. See docs/members.md.
 */
#ifndef CT_LIFECYCLE_H
#define CT_LIFECYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "store.h"

/* At most this many of each kind are queued per call (the daemon calls again). */
#define CT_LIFECYCLE_BATCH 500

/* A check-in is not sent for a group whose time passed more than this before it fell due. */
#define CT_LIFECYCLE_CHECKIN_LATE (7 * 86400)

struct ct_lifecycle_result {
    size_t welcomes, reminders, checkins; /* messages queued */
};

/*
 * Queue, in one transaction, every lifecycle message due at now that cfg's
 * [messages] turns on: welcomes to active members never welcomed;
 * reminders for the round scheduled at next_round (Unix seconds; 0: none),
 * dated next_date (YYYY-MM-DD, network zone), once now is within
 * reminder_before of it; check-ins to the members still in sent groups
 * (not declined) whose slot ended checkin_after ago (but not more than
 * CT_LIFECYCLE_CHECKIN_LATE before that). Links come from ct_links_build();
 * without a web address the messages say which word to reply with.
 * OUT: *out (may be NULL).
 */
enum ct_status ct_lifecycle_run(struct ct_store *store, const struct ct_config *cfg,
                                int64_t next_round, const char *next_date, int64_t now,
                                struct ct_lifecycle_result *out, struct ct_error *err);

#endif
