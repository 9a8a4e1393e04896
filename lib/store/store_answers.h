/*
 * store_answers.h: what members answered, read for organisers: each
 * member's recorded PARTSTAT in a round's groups, the latest time they
 * proposed instead (iTIP COUNTER), and a member's answers over every round.
 */
#ifndef CT_STORE_ANSWERS_H
#define CT_STORE_ANSWERS_H

#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "reply.h"
#include "store.h"

/* One member's answer to one group's invitation. */
struct ct_answer {
    int64_t round_id;
    char date[11]; /* the round's date, YYYY-MM-DD */
    int64_t group_id;
    int64_t member_id;
    enum ct_partstat partstat; /* group_members.partstat */
    int64_t proposed_start;    /* the latest COUNTER's proposed start, UTC; 0: none */
    char *partners;            /* member listings only: the others' names, CT_ANSWER_SEP between */
};

/* What separates the names in ct_answer.partners (names may hold commas). */
#define CT_ANSWER_SEP '\x1f'

struct ct_answer_list {
    struct ct_answer *items;
    size_t count;
};

/*
 * The answers of every member of round_id's groups, ordered by group id
 * and member id (partners NULL). OUT: *out, freed with ct_answer_list_free().
 */
enum ct_status ct_store_answers_round(struct ct_store *store, int64_t round_id,
                                      struct ct_answer_list **out, struct ct_error *err);

/*
 * Member member_id's answers in every sent round, newest round first, with
 * the names of their partners. OUT: *out, freed with ct_answer_list_free().
 */
enum ct_status ct_store_answers_member(struct ct_store *store, int64_t member_id,
                                       struct ct_answer_list **out, struct ct_error *err);

/* Free a list and what it owns; NULL is accepted. */
void ct_answer_list_free(struct ct_answer_list *list);

/*
 * The e-mails of the members (not erased) whose address is between
 * min_len and max_len bytes long, for "did you mean". OUT: *emails
 * (heap, each heap) and *count; free with ct_store_emails_free().
 */
enum ct_status ct_store_member_emails_by_length(struct ct_store *store, size_t min_len,
                                                size_t max_len, char ***emails, size_t *count,
                                                struct ct_error *err);
void ct_store_emails_free(char **emails, size_t count);

#endif
