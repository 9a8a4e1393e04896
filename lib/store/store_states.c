/*
 * store_states.c: how the database spells each state of entity.h (the
 * CHECK constraints of schema.h), and back. The only place these words are
 * SQL values; what people read comes from entity.c.
 */
#include <string.h>

#include "store_impl.h"
#include "util.h"

static const char *const member_status_sql[] = {
    [CT_MEMBER_ACTIVE] = "active",
    [CT_MEMBER_PAUSED] = "paused",
    [CT_MEMBER_LEFT] = "left",
    [CT_MEMBER_ERASED] = "erased",
};
static const char *const round_state_sql[] = {
    [CT_ROUND_PLANNED] = "planned",
    [CT_ROUND_SENT] = "sent",
    [CT_ROUND_CANCELLED] = "cancelled",
    [CT_ROUND_REPLACED] = "replaced",
};
static const char *const group_state_sql[] = {
    [CT_GROUP_PLANNED] = "planned",
    [CT_GROUP_SENT] = "sent",
    [CT_GROUP_CANCELLED] = "cancelled",
};
static const char *const outbox_state_sql[] = {
    [CT_OUTBOX_QUEUED] = "queued",
    [CT_OUTBOX_SENDING] = "sending",
    [CT_OUTBOX_SENT] = "sent",
    [CT_OUTBOX_DEAD] = "dead",
};
static const char *const outbox_kind_sql[] = {
    [CT_OUTBOX_REQUEST] = "request",
    [CT_OUTBOX_CANCEL] = "cancel",
    [CT_OUTBOX_NOTICE] = "notice",
};

static const char *const partstat_sql[] = {
    [CT_PARTSTAT_NEEDS_ACTION] = "NEEDS-ACTION", [CT_PARTSTAT_ACCEPTED] = "ACCEPTED",
    [CT_PARTSTAT_DECLINED] = "DECLINED",         [CT_PARTSTAT_TENTATIVE] = "TENTATIVE",
    [CT_PARTSTAT_DELEGATED] = "DELEGATED",       [CT_PARTSTAT_OTHER] = "OTHER",
};
static const char *const reply_method_sql[] = {
    [CT_REPLY_METHOD_REPLY] = "REPLY",
    [CT_REPLY_METHOD_COUNTER] = "COUNTER",
};

/* The index of s in words[0..count), or -1 (also for NULL). */
static int
find(const char *const *words, size_t count, const char *s)
{
    for (size_t i = 0; s != NULL && i < count; i++)
        if (strcmp(words[i], s) == 0)
            return (int)i;
    return -1;
}

#define STATE_SQL(name, type, table)                                                               \
    const char *ct_store_##name##_sql(type value)                                                  \
    {                                                                                              \
        return (size_t)value < CT_ARRAY_LEN(table) ? table[value] : NULL;                          \
    }                                                                                              \
    bool ct_store_##name##_from_sql(const char *s, type *out)                                      \
    {                                                                                              \
        int i = find(table, CT_ARRAY_LEN(table), s);                                               \
        if (i < 0)                                                                                 \
            return false;                                                                          \
        *out = (type)i;                                                                            \
        return true;                                                                               \
    }

STATE_SQL(member_status, enum ct_member_status, member_status_sql)
STATE_SQL(round_state, enum ct_round_state, round_state_sql)
STATE_SQL(group_state, enum ct_group_state, group_state_sql)
STATE_SQL(outbox_state, enum ct_outbox_state, outbox_state_sql)
STATE_SQL(outbox_kind, enum ct_outbox_kind, outbox_kind_sql)
STATE_SQL(partstat, enum ct_partstat, partstat_sql)
STATE_SQL(reply_method, enum ct_reply_method, reply_method_sql)
