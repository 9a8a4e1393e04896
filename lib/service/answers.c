/*
 * answers.c: members' answers for the organiser's views, and the closest
 * roster e-mail to a mistyped one. See answers.h.
 */
#include "answers.h"

#include <stdio.h>
#include <string.h>

#include "util.h"

enum ct_status
ct_answers_round(struct ct_store *store, int64_t round_id, struct ct_answer_list **out,
                 struct ct_error *err)
{
    return ct_store_answers_round(store, round_id, out, err);
}

enum ct_status
ct_answers_member(struct ct_store *store, int64_t member_id, struct ct_answer_list **out,
                  struct ct_error *err)
{
    return ct_store_answers_member(store, member_id, out, err);
}

const struct ct_answer *
ct_answers_find(const struct ct_answer_list *list, int64_t group_id, int64_t member_id)
{
    size_t lo = 0, hi = list ? list->count : 0;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const struct ct_answer *a = &list->items[mid];

        if (a->group_id == group_id && a->member_id == member_id)
            return a;
        if (a->group_id < group_id || (a->group_id == group_id && a->member_id < member_id))
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const char *
ct_answers_word(enum ct_partstat partstat)
{
    switch (partstat) {
    case CT_PARTSTAT_NEEDS_ACTION: return "needs-action";
    case CT_PARTSTAT_ACCEPTED: return "accepted";
    case CT_PARTSTAT_DECLINED: return "declined";
    case CT_PARTSTAT_TENTATIVE: return "tentative";
    case CT_PARTSTAT_DELEGATED: return "delegated";
    case CT_PARTSTAT_OTHER: break;
    }
    return "other";
}

enum ct_status
ct_answers_suggest_email(struct ct_store *store, const char *email, char *out, size_t size,
                         bool *found, struct ct_error *err)
{
    size_t len = strlen(email), count = 0, i, best = 3;
    char **emails = NULL;
    enum ct_status st;

    *found = false;
    if (size)
        out[0] = '\0';
    st = ct_store_member_emails_by_length(store, len > 2 ? len - 2 : 0, len + 2, &emails, &count,
                                          err);
    if (st != CT_OK)
        return st;
    for (i = 0; i < count; i++) {
        size_t d = ct_edit_distance(email, emails[i]);

        /* Fewer edits than the best so far; ties keep the first (sorted) address. */
        if (d > 0 && d < best && d < len) {
            best = d;
            snprintf(out, size, "%s", emails[i]);
            *found = true;
        }
    }
    ct_store_emails_free(emails, count);
    return CT_OK;
}
