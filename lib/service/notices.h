/*
 * notices.h: the short plain-text messages coffeetrial mails besides
 * invitations. Today one: the notice to a member paused for leaving too
 * many invitations unanswered, saying how to resume.
 */
#ifndef CT_NOTICES_H
#define CT_NOTICES_H

#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "store.h"

/*
 * Queue the "you have been paused; here is how to resume" notice for
 * member_id at email, in the outbox, inside the caller's transaction txn
 * (the one that pauses the member), so the pause and its notice commit
 * together. The Message-ID is new for every pause, so a member paused a
 * second time a year later is told again. now is the moment of the pause
 * (the message's Date and its Message-ID's key).
 */
enum ct_status ct_notice_queue_pause(struct ct_txn *txn, const struct ct_config *cfg,
                                     int64_t member_id, const char *email, int64_t now,
                                     struct ct_error *err);

#endif
