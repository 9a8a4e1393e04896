/*
 * entity.c: the words for the entities' states (entity.h). One table per
 * enum, indexed by its value, read both ways.
 */
#include "entity.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const member_status_words[] = {
    [CT_MEMBER_ACTIVE] = "active",
    [CT_MEMBER_PAUSED] = "paused",
    [CT_MEMBER_LEFT] = "left",
    [CT_MEMBER_ERASED] = "erased",
};
static const char *const round_state_words[] = {
    [CT_ROUND_PLANNED] = "planned",
    [CT_ROUND_SENT] = "sent",
    [CT_ROUND_CANCELLED] = "cancelled",
    [CT_ROUND_REPLACED] = "replaced",
};
static const char *const group_state_words[] = {
    [CT_GROUP_PLANNED] = "planned",
    [CT_GROUP_SENT] = "sent",
    [CT_GROUP_CANCELLED] = "cancelled",
};
static const char *const outbox_state_words[] = {
    [CT_OUTBOX_QUEUED] = "queued", [CT_OUTBOX_SENDING] = "sending", [CT_OUTBOX_SENT] = "sent",
    [CT_OUTBOX_DEAD] = "dead",     [CT_OUTBOX_DROPPED] = "dropped",
};
static const char *const outbox_kind_words[] = {
    [CT_OUTBOX_REQUEST] = "request",
    [CT_OUTBOX_CANCEL] = "cancel",
    [CT_OUTBOX_NOTICE] = "notice",
};

static const char *
word(const char *const *words, size_t count, int value)
{
    return value >= 0 && (size_t)value < count ? words[value] : "?";
}

/* The index of s in words[0..count), or -1. */
static int
lookup(const char *const *words, size_t count, const char *s)
{
    for (size_t i = 0; s != NULL && i < count; i++)
        if (ct_strcaseeq(words[i], s))
            return (int)i;
    return -1;
}

const char *
ct_member_status_str(enum ct_member_status status)
{
    return word(member_status_words, CT_ARRAY_LEN(member_status_words), (int)status);
}

const char *
ct_round_state_str(enum ct_round_state state)
{
    return word(round_state_words, CT_ARRAY_LEN(round_state_words), (int)state);
}

const char *
ct_group_state_str(enum ct_group_state state)
{
    return word(group_state_words, CT_ARRAY_LEN(group_state_words), (int)state);
}

const char *
ct_outbox_state_str(enum ct_outbox_state state)
{
    return word(outbox_state_words, CT_ARRAY_LEN(outbox_state_words), (int)state);
}

const char *
ct_outbox_kind_str(enum ct_outbox_kind kind)
{
    return word(outbox_kind_words, CT_ARRAY_LEN(outbox_kind_words), (int)kind);
}

bool
ct_member_status_parse(const char *s, enum ct_member_status *out)
{
    int i = lookup(member_status_words, CT_ARRAY_LEN(member_status_words), s);

    if (i < 0 || i == CT_MEMBER_ERASED)
        return false;
    *out = (enum ct_member_status)i;
    return true;
}

bool
ct_round_state_parse(const char *s, enum ct_round_state *out)
{
    int i = lookup(round_state_words, CT_ARRAY_LEN(round_state_words), s);

    if (i < 0)
        return false;
    *out = (enum ct_round_state)i;
    return true;
}

bool
ct_outbox_state_parse(const char *s, enum ct_outbox_state *out)
{
    int i = lookup(outbox_state_words, CT_ARRAY_LEN(outbox_state_words), s);

    if (i < 0)
        return false;
    *out = (enum ct_outbox_state)i;
    return true;
}

bool
ct_outbox_kind_parse(const char *s, enum ct_outbox_kind *out)
{
    int i = lookup(outbox_kind_words, CT_ARRAY_LEN(outbox_kind_words), s);

    if (i < 0)
        return false;
    *out = (enum ct_outbox_kind)i;
    return true;
}

void
ct_member_clear(struct ct_member *m)
{
    if (m == NULL)
        return;
    free(m->email);
    free(m->name);
    free(m->organisation);
    free(m->team);
    free(m->site);
    free(m->role);
    free(m->timezone);
    free(m->paused_until);
    for (size_t i = 0; i < m->ties_count; i++)
        free(m->ties[i]);
    free(m->ties);
    memset(m, 0, sizeof(*m));
}
