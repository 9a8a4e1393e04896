/*
 * daemon_state.c: coffeetriald's remembered decisions over the store's
 * meta values, and its round lookups; see daemon_state.h.
 */
#include "daemon_state.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "store_schedule.h"
#include "util.h"

static const char *const fact_keys[] = {
    [CT_DSTATE_START] = "schedule_start",     [CT_DSTATE_HANDLED] = "schedule_handled",
    [CT_DSTATE_PENDING] = "schedule_pending", [CT_DSTATE_ROSTER] = "roster_refreshed_at",
    [CT_DSTATE_IMAP] = "imap_polled_at",      [CT_DSTATE_RULE] = "schedule_rule",
};

const char *
ct_daemon_state_key(enum ct_daemon_fact fact)
{
    return (size_t)fact < CT_ARRAY_LEN(fact_keys) ? fact_keys[fact] : "?";
}

enum ct_status
ct_daemon_state_get(struct ct_store *store, enum ct_daemon_fact fact, char **value,
                    struct ct_error *err)
{
    return ct_store_meta_get(store, ct_daemon_state_key(fact), value, err);
}

enum ct_status
ct_daemon_state_get_time(struct ct_store *store, enum ct_daemon_fact fact, int64_t *value,
                         bool *found, struct ct_error *err)
{
    const char *key = ct_daemon_state_key(fact);
    char *text = NULL, *end;
    enum ct_status st = ct_store_meta_get(store, key, &text, err);
    long long v;

    *value = 0;
    *found = false;
    if (st != CT_OK || text == NULL)
        return st;
    v = strtoll(text, &end, 10);
    if (end == text || *end != '\0' || v < 0)
        st = ct_error_set(err, CT_EDATA, "%s: meta %s: not a time: '%s'", ct_store_path(store), key,
                          text);
    else {
        *value = (int64_t)v;
        *found = true;
    }
    free(text);
    return st;
}

enum ct_status
ct_daemon_state_set(struct ct_store *store, const struct ct_daemon_fact_value *values, size_t n,
                    struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_status st = ct_txn_begin(store, &txn, err);
    size_t i;

    for (i = 0; st == CT_OK && i < n; i++)
        st = ct_store_meta_set(txn, ct_daemon_state_key(values[i].fact), values[i].text, err);
    if (st != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    return ct_txn_commit(txn, err);
}

enum ct_status
ct_daemon_state_set_time(struct ct_store *store, enum ct_daemon_fact fact, int64_t value,
                         struct ct_error *err)
{
    struct ct_daemon_fact_value v = {fact, NULL};
    char text[32];

    snprintf(text, sizeof(text), "%" PRId64, value);
    v.text = text;
    return ct_daemon_state_set(store, &v, 1, err);
}

enum ct_status
ct_daemon_state_round(struct ct_store *store, const char *date, bool planned_only, int64_t *id,
                      enum ct_round_state *state, struct ct_error *err)
{
    bool found;
    enum ct_status st = ct_store_schedule_round(store, date, planned_only, id, state, &found, err);

    if (st == CT_OK && !found)
        return CT_ENOTFOUND;
    return st;
}

#ifdef CT_TEST_HOOKS
enum ct_status
ct_daemon_state_fake_plan(struct ct_store *store, const char *date, int64_t send_after, int64_t now,
                          int64_t *round_id, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_status st = ct_txn_begin(store, &txn, err);

    if (st == CT_OK)
        st = ct_store_schedule_fake_plan(txn, date, send_after, now, round_id, err);
    if (st != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    return ct_txn_commit(txn, err);
}

enum ct_status
ct_daemon_state_fake_send(struct ct_store *store, int64_t round_id, int64_t now,
                          struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    bool changed = false;
    enum ct_status st = ct_txn_begin(store, &txn, err);

    if (st == CT_OK)
        st = ct_store_schedule_fake_send(txn, round_id, now, &changed, err);
    if (st == CT_OK && !changed)
        st = ct_error_set(err, CT_ESTATE, "round %" PRId64 " is not planned", round_id);
    if (st != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    return ct_txn_commit(txn, err);
}
#endif
