/*
 * replies_words.h: what the replies files share about one-word replies
 * (SKIP, PAUSE, STOP, MET, NOT MET) and nobody else uses.
 */
#ifndef CT_REPLIES_WORDS_H
#define CT_REPLIES_WORDS_H

#include "mime_parse.h"
#include "prefs.h"
#include "replies.h"

/*
 * msg has no calendar reply but its text starts with a word
 * (ct_reply_word_parse). A message src names that is in imap_seen is left
 * alone (CT_REPLIES_SEEN). Trust: the In-Reply-To or References header
 * must name a message we sent (outbox, sent) to a member, and From must be
 * that member's address; then the word's action runs as theirs
 * (member_actions.h, via reply): SKIP the round of the group the message
 * was about (or the next round), PAUSE until resumed, STOP, MET / NOT MET
 * for that group. Anything else, or an action refused (the member stopped,
 * no group to say MET about), is held for the organiser (held_replies)
 * with the reason. The action is its own transaction (idempotent, so a
 * crash before src is remembered only repeats it); the hold and imap_seen
 * are a second one. OUT: *result.
 */
enum ct_status replies_word(struct ct_store *store, const struct ct_mime_message *msg,
                            const struct ct_replies_source *src, const char *where, int64_t now,
                            const struct ct_replies_hooks *hooks, enum ct_replies_result *result,
                            struct ct_error *err);

#endif
