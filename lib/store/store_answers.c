/*
 * store_answers.c: the answers to invitations as organisers read them
 * (round show, member show) and the roster's e-mails for "did you mean".
 * Read-only queries; see store_answers.h.
 */
#include "store_answers.h"
#include "store_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The latest COUNTER of a group member: ?9 is the COUNTER method's spelling. */
#define PROPOSED_SQL                                                                               \
    "(SELECT rp.proposed_start FROM replies rp WHERE rp.group_id = gm.group_id"                    \
    " AND rp.member_id = gm.member_id AND rp.method = ?9 AND rp.proposed_start IS NOT NULL"        \
    " ORDER BY rp.sequence DESC, rp.dtstamp DESC, rp.id DESC LIMIT 1)"

static const char *const round_sql =
    "SELECT r.id, r.date, gm.group_id, gm.member_id, gm.partstat, " PROPOSED_SQL ", NULL"
    " FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN rounds r ON r.id = g.round_id"
    " WHERE g.round_id = ?1 ORDER BY gm.group_id, gm.member_id";

static const char *const member_sql =
    "SELECT r.id, r.date, gm.group_id, gm.member_id, gm.partstat, " PROPOSED_SQL ","
    " (SELECT group_concat(COALESCE(m2.name, m2.email, '[erased]'), char(31)) FROM group_members o"
    "  JOIN members m2 ON m2.id = o.member_id"
    "  WHERE o.group_id = gm.group_id AND o.member_id <> gm.member_id)"
    " FROM group_members gm JOIN groups g ON g.id = gm.group_id JOIN rounds r ON r.id = g.round_id"
    " WHERE gm.member_id = ?1 AND r.sent_at IS NOT NULL ORDER BY r.date DESC, g.id DESC";

void
ct_answer_list_free(struct ct_answer_list *list)
{
    size_t i;

    if (list == NULL)
        return;
    for (i = 0; i < list->count; i++)
        free(list->items[i].partners);
    free(list->items);
    free(list);
}

/* Read one row of round_sql or member_sql into a. false: out of memory. */
static bool
answer_from_row(sqlite3_stmt *stmt, struct ct_answer *a)
{
    const char *date = (const char *)sqlite3_column_text(stmt, 1);
    bool failed = false;

    memset(a, 0, sizeof(*a));
    a->round_id = sqlite3_column_int64(stmt, 0);
    snprintf(a->date, sizeof(a->date), "%s", date ? date : "");
    a->group_id = sqlite3_column_int64(stmt, 2);
    a->member_id = sqlite3_column_int64(stmt, 3);
    if (!ct_store_partstat_from_sql((const char *)sqlite3_column_text(stmt, 4), &a->partstat))
        a->partstat = CT_PARTSTAT_OTHER;
    a->proposed_start = sqlite3_column_int64(stmt, 5);
    a->partners = ct_store_column_dup(stmt, 6, &failed);
    return !failed;
}

static enum ct_status
answers_query(struct ct_store *store, const char *sql, int64_t id, struct ct_answer_list **out,
              struct ct_error *err)
{
    struct ct_answer_list *list;
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    size_t cap = 0;
    bool row;

    *out = NULL;
    if ((list = calloc(1, sizeof(*list))) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    if ((st = ct_store_prepare(store, sql, &stmt, err)) != CT_OK)
        goto out;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 9, ct_store_reply_method_sql(CT_REPLY_METHOD_COUNTER), -1,
                      SQLITE_STATIC);
    while ((st = ct_store_step_row(store, stmt, &row, "read answers", err)) == CT_OK && row) {
        if (list->count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct ct_answer *grown = realloc(list->items, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                break;
            }
            list->items = grown;
            cap = ncap;
        }
        if (!answer_from_row(stmt, &list->items[list->count])) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            break;
        }
        list->count++;
    }
out:
    sqlite3_finalize(stmt);
    if (st != CT_OK)
        ct_answer_list_free(list);
    else
        *out = list;
    return st;
}

enum ct_status
ct_store_answers_round(struct ct_store *store, int64_t round_id, struct ct_answer_list **out,
                       struct ct_error *err)
{
    return answers_query(store, round_sql, round_id, out, err);
}

enum ct_status
ct_store_answers_member(struct ct_store *store, int64_t member_id, struct ct_answer_list **out,
                        struct ct_error *err)
{
    return answers_query(store, member_sql, member_id, out, err);
}

void
ct_store_emails_free(char **emails, size_t count)
{
    size_t i;

    for (i = 0; emails && i < count; i++)
        free(emails[i]);
    free(emails);
}

enum ct_status
ct_store_member_emails_by_length(struct ct_store *store, size_t min_len, size_t max_len,
                                 char ***out, size_t *count, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    char **emails = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    bool row;

    *out = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT email FROM members WHERE email IS NOT NULL"
                          " AND length(email) BETWEEN ?1 AND ?2 ORDER BY email",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, (sqlite3_int64)min_len);
    sqlite3_bind_int64(stmt, 2, (sqlite3_int64)max_len);
    while ((st = ct_store_step_row(store, stmt, &row, "read members", err)) == CT_OK && row) {
        bool failed = false;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            char **grown = realloc(emails, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                break;
            }
            emails = grown;
            cap = ncap;
        }
        emails[n] = ct_store_column_dup(stmt, 0, &failed);
        if (failed || emails[n] == NULL) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            break;
        }
        n++;
    }
    sqlite3_finalize(stmt);
    if (st != CT_OK) {
        ct_store_emails_free(emails, n);
        return st;
    }
    *out = emails;
    *count = n;
    return CT_OK;
}
