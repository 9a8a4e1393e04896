/*
 * notices.h: the short plain-text messages coffeetrial mails besides
 * invitations: the notice to a member paused for leaving too many
 * invitations unanswered, saying how to resume; and notices to the
 * organiser (a roster refresh the daemon refused).
 */
#ifndef CT_NOTICES_H
#define CT_NOTICES_H

#include <stdbool.h>
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

/*
 * Queue the notice to member_id at email, whose partner in sent group
 * group_id can no longer come (paused, or the organiser excluded the
 * pair): "your partner can't make it this month; we'll try to find you
 * someone new". Runs inside the caller's transaction, with the CANCEL or
 * update it goes with. One per member and group (the Message-ID is keyed
 * by both).
 */
enum ct_status ct_notice_queue_partner_gone(struct ct_txn *txn, const struct ct_config *cfg,
                                            int64_t member_id, const char *email, int64_t group_id,
                                            int64_t now, struct ct_error *err);

/*
 * Queue the "no partner this time" notice to member_id at email, left
 * alone in sent round round_id when re-matching found nobody for them
 * (rematch.h). Inside the caller's transaction; one per member and round
 * (the Message-ID is keyed by both).
 */
enum ct_status ct_notice_queue_no_partner(struct ct_txn *txn, const struct ct_config *cfg,
                                          int64_t member_id, const char *email, int64_t round_id,
                                          int64_t now, struct ct_error *err);

/*
 * Queue subject and text to member_id at email (greeted as name, may be
 * NULL) as a notice whose Message-ID is keyed by key, inside txn; with
 * html, also as HTML made from the text (ct_invite_notice). Every such
 * notice carries the member's List-Unsubscribe headers; own_links says the
 * text already lays out the member's links, else their block is appended.
 */
enum ct_status ct_notice_queue_member(struct ct_txn *txn, const struct ct_config *cfg,
                                      int64_t member_id, const char *email, const char *name,
                                      const char *key, const char *subject, const char *text,
                                      bool html, bool own_links, int64_t now, struct ct_error *err);

/*
 * Queue a plain notice to the organiser ([network] organiser_email) in
 * txn. key names the event and makes the Message-ID, so it must differ
 * between notices (include the time). subject and text are the message's.
 */
enum ct_status ct_notice_queue_organiser(struct ct_txn *txn, const struct ct_config *cfg,
                                         const char *key, const char *subject, const char *text,
                                         int64_t now, struct ct_error *err);

#endif
