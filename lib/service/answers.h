/*
 * answers.h: what members answered to their invitations, for the
 * organiser's views (round show, member show), and the closest roster
 * e-mail to a mistyped one ("did you mean"). Read-only.
 */
#ifndef CT_ANSWERS_H
#define CT_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "store.h"
#include "store_answers.h"

/*
 * Every member's answer in round round_id's groups (see store_answers.h),
 * ordered by group and member for ct_answers_find(). A round never sent
 * has every member at needs-action. OUT: *out, freed with
 * ct_answer_list_free().
 *
 * Held replies (untrusted replies kept for the organiser, issue 13's
 * "Replies you can trust") are not part of this view yet: they belong
 * here once the replies module keeps them.
 */
enum ct_status ct_answers_round(struct ct_store *store, int64_t round_id,
                                struct ct_answer_list **out, struct ct_error *err);

/* Member member_id's answers over every sent round, newest first. OUT: *out. */
enum ct_status ct_answers_member(struct ct_store *store, int64_t member_id,
                                 struct ct_answer_list **out, struct ct_error *err);

/* The answer of member_id in group_id in list (binary search), or NULL. */
const struct ct_answer *ct_answers_find(const struct ct_answer_list *list, int64_t group_id,
                                        int64_t member_id);

/*
 * The word for an answer as output carries it: "accepted", "declined",
 * "tentative", "delegated", "needs-action" (and "other"); never NULL.
 */
const char *ct_answers_word(enum ct_partstat partstat);

/*
 * The roster e-mail closest to email (not erased; within two edits,
 * ignoring case; only addresses whose length is within 2 of email's are
 * read, so it stays cheap on a large roster). OUT: out (size bytes,
 * empty when none is close), *found.
 */
enum ct_status ct_answers_suggest_email(struct ct_store *store, const char *email, char *out,
                                        size_t size, bool *found, struct ct_error *err);

#endif
