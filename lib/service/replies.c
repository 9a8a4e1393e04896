/*
 * replies.c: recording parsed replies against sent groups, and the
 * unanswered-invitation accounting; see replies.h. The IMAP poll that feeds
 * it is in replies_fetch.c.
 */
#include "replies.h"
#include "replies_words.h"

#include <stdarg.h>
#include <stdio.h>
#include <sys/random.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "invite.h"
#include "mime_parse.h"
#include "store_replies.h"
#include "util.h"

static const char *const result_labels[CT_REPLIES_RESULT_COUNT] = {
    [CT_REPLIES_RECORDED] = "recorded",
    [CT_REPLIES_COUNTER] = "proposed another time",
    [CT_REPLIES_DUPLICATE] = "already recorded",
    [CT_REPLIES_SUPERSEDED] = "ignored (a later answer is recorded)",
    [CT_REPLIES_ACTION] = "acted on (one-word reply)",
    [CT_REPLIES_OLD_SEQUENCE] = "ignored (old sequence)",
    [CT_REPLIES_HELD] = "held for the organiser (not to be trusted)",
    [CT_REPLIES_CANCELLED] = "ignored (meeting cancelled)",
    [CT_REPLIES_UNKNOWN] = "skipped (unknown meeting)",
    [CT_REPLIES_NOT_ATTENDEE] = "skipped (not from an attendee)",
    [CT_REPLIES_NOT_REPLY] = "skipped (not a calendar reply)",
    [CT_REPLIES_SEEN] = "processed before",
};

const char *
ct_replies_result_label(enum ct_replies_result result)
{
    if ((unsigned)result < CT_REPLIES_RESULT_COUNT)
        return result_labels[result];
    return "unknown";
}

/* Log one line, with control characters (from mail we do not trust) blanked. */
static void note(const struct ct_replies_hooks *hooks, enum ct_replies_level level, const char *fmt,
                 ...) __attribute__((format(printf, 3, 4)));

static void
note(const struct ct_replies_hooks *hooks, enum ct_replies_level level, const char *fmt, ...)
{
    va_list ap;
    char *line, *p;

    if (hooks == NULL || hooks->log == NULL)
        return;
    va_start(ap, fmt);
    line = ct_vasprintf(fmt, ap);
    va_end(ap);
    if (line == NULL)
        return;
    for (p = line; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    hooks->log(hooks->arg, level, line);
    free(line);
}

/* At most max bytes of s, cut on a UTF-8 character boundary, for log lines. */
static int
clip(const char *s, int max)
{
    int n = (int)strnlen(s, (size_t)max + 1);

    if (n <= max)
        return n;
    n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

static void
format_utc(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(out, size, "%lld", (long long)t);
}

/* Has this answer been recorded before, or a later one? OUT: *result when so. */
static enum ct_status
answer_known(struct ct_store *store, const struct ct_replies_answer *ans,
             const struct ct_reply_attendee *a, int64_t group_id, const char *where,
             const struct ct_replies_hooks *hooks, enum ct_replies_result *result, bool *known,
             struct ct_error *err)
{
    const char *partstat = ct_reply_partstat_name(a->partstat);
    bool counter = ans->method == CT_REPLY_METHOD_COUNTER;
    enum ct_status st;

    st = ct_store_replies_exists(store, ans, known, err);
    if (st != CT_OK)
        return st;
    if (*known) {
        *result = CT_REPLIES_DUPLICATE;
        note(hooks, CT_REPLIES_INFO, "%s: %s %s for group %lld: already recorded", where, a->email,
             counter ? "COUNTER" : partstat, (long long)group_id);
        return CT_OK;
    }
    if (counter)
        return CT_OK;
    st = ct_store_replies_newer_exists(store, ans, known, err);
    if (st == CT_OK && *known) {
        *result = CT_REPLIES_SUPERSEDED;
        note(hooks, CT_REPLIES_INFO,
             "%s: %s %s for group %lld: ignored, a later answer is recorded", where, a->email,
             partstat, (long long)group_id);
    }
    return st;
}

/* Record one attendee's answer to a sent group. */
static enum ct_status
record_answer(struct ct_txn *txn, const struct ct_replies_group *g, int64_t member_id,
              enum ct_reply_method method, const struct ct_reply_event *ev,
              const struct ct_reply_attendee *a, int64_t now, const char *where,
              const struct ct_replies_hooks *hooks, enum ct_replies_result *result,
              struct ct_error *err)
{
    const char *partstat = ct_reply_partstat_name(a->partstat);
    bool counter = method == CT_REPLY_METHOD_COUNTER, known = false;
    /* A reply without DTSTAMP is ordered by when it arrived. */
    struct ct_replies_answer ans = {g->id,
                                    member_id,
                                    method,
                                    a->partstat,
                                    ev->sequence,
                                    ev->dtstamp ? ev->dtstamp : now,
                                    ev->proposed_start,
                                    ev->comment,
                                    false};
    enum ct_status st;

    if (ev->sequence < g->sequence) {
        *result = CT_REPLIES_OLD_SEQUENCE;
        note(hooks, CT_REPLIES_INFO,
             "%s: %s %s for group %lld: ignored, it answers SEQUENCE %d but the invitation "
             "is at %d",
             where, a->email, partstat, (long long)g->id, ev->sequence, g->sequence);
        return CT_OK;
    }
    st = answer_known(ct_txn_store(txn), &ans, a, g->id, where, hooks, result, &known, err);
    if (st != CT_OK || known)
        return st;
    st = ct_store_replies_record(txn, &ans, now, err);
    if (st == CT_OK &&
        (counter || a->partstat == CT_PARTSTAT_ACCEPTED || a->partstat == CT_PARTSTAT_TENTATIVE))
        st = ct_store_replies_reset_unanswered(txn, member_id, now, err);
    if (st != CT_OK)
        return st;
    if (counter) {
        char when[40] = "no time given";
        if (ev->proposed_start)
            format_utc(ev->proposed_start, when, sizeof(when));
        *result = CT_REPLIES_COUNTER;
        note(hooks, CT_REPLIES_NOTICE, "%s: %s proposed another time for group %lld: %s%s%.*s%s",
             where, a->email, (long long)g->id, when, ev->comment ? " (\"" : "",
             ev->comment ? clip(ev->comment, 160) : 0, ev->comment ? ev->comment : "",
             ev->comment ? "\")" : "");
    } else {
        *result = CT_REPLIES_RECORDED;
        note(hooks, CT_REPLIES_INFO, "%s: %s %s for group %lld: recorded", where, a->email,
             partstat, (long long)g->id);
    }
    return CT_OK;
}

/*
 * Which attendees of an event to believe. A reply normally names only the
 * attendee answering; when it lists several, only the sender's own entry
 * counts if the sender is among them, and nobody's NEEDS-ACTION otherwise.
 */
static bool
attendee_answers(const struct ct_reply_event *ev, size_t i, const char *from)
{
    size_t j, matches = 0, match = 0;

    if (ev->attendee_count == 1)
        return true;
    for (j = 0; from && j < ev->attendee_count; j++)
        if (ct_reply_address_eq(ev->attendees[j].email, from)) {
            matches++;
            match = j;
        }
    if (matches == 1)
        return i == match;
    return ev->attendees[i].partstat != CT_PARTSTAT_NEEDS_ACTION;
}

static void
combine(enum ct_replies_result *acc, enum ct_replies_result r)
{
    if (r < *acc)
        *acc = r;
}

/* Record one attendee's answer, if the attendee is one to believe and in the group. */
static enum ct_status
record_attendee(struct ct_txn *txn, const struct ct_reply *reply, const struct ct_reply_event *ev,
                const struct ct_replies_group *g, size_t i, int64_t now, const char *where,
                const struct ct_replies_hooks *hooks, enum ct_replies_result *result,
                struct ct_error *err)
{
    const struct ct_reply_attendee *a = &ev->attendees[i];
    enum ct_replies_result r;
    int64_t member_id = 0;
    enum ct_status st;
    bool found;

    if (reply->method == CT_REPLY_METHOD_REPLY && a->partstat == CT_PARTSTAT_OTHER) {
        combine(result, CT_REPLIES_NOT_REPLY);
        note(hooks, CT_REPLIES_WARNING,
             "%s: skipped: %.*s answered group %lld with a PARTSTAT meetings do not use", where,
             clip(a->email, 200), a->email, (long long)g->id);
        return CT_OK;
    }
    st =
        ct_store_replies_find_attendee(ct_txn_store(txn), g->id, a->email, &member_id, &found, err);
    if (st != CT_OK)
        return st;
    if (!found) {
        combine(result, CT_REPLIES_NOT_ATTENDEE);
        note(hooks, CT_REPLIES_WARNING, "%s: skipped: %.*s is not an attendee of group %lld", where,
             clip(a->email, 200), a->email, (long long)g->id);
        return CT_OK;
    }
    st = record_answer(txn, g, member_id, reply->method, ev, a, now, where, hooks, &r, err);
    if (st == CT_OK)
        combine(result, r);
    return st;
}

/* Where a reply came from, for held rows and log lines. */
struct incoming {
    const char *from;  /* the From address: proof of nothing */
    const char *where; /* "UID 12" */
    int64_t now;
    const struct ct_replies_hooks *hooks;
};

/* s made safe to keep and show: one line, at most max characters. Heap; NULL if out of memory. */
static char *
kept_text(const char *s, size_t max)
{
    char *clean = ct_invite_clean_line(s ? s : ""), *p;
    size_t n;

    if (clean == NULL)
        return NULL;
    n = (size_t)clip(clean, (int)max);
    clean[n] = '\0';
    for (p = clean; *p; p++)
        if (*p == '\x7f')
            *p = ' ';
    return clean;
}

/* Keep one attendee entry of a reply for the organiser, with the reason. */
static enum ct_status
hold(struct ct_txn *txn, const struct ct_reply *reply, const struct ct_reply_event *ev,
     const struct ct_reply_attendee *a, int64_t group_id, int64_t owner_id,
     const struct incoming *in, const char *reason, enum ct_replies_result *result,
     struct ct_error *err)
{
    struct ct_replies_held h;
    enum ct_status st = CT_OK;
    int64_t id = 0;

    memset(&h, 0, sizeof(h));
    h.received_at = in->now;
    h.source = kept_text(in->where, 64);
    h.sender = in->from ? kept_text(in->from, 320) : NULL;
    h.event_uid = kept_text(ev->uid, 300);
    h.group_id = group_id;
    h.owner_id = owner_id;
    h.attendee = kept_text(a->email, 320);
    h.method = reply->method;
    h.partstat = a->partstat;
    h.sequence = ev->sequence;
    h.dtstamp = ev->dtstamp ? ev->dtstamp : in->now;
    h.proposed_start = ev->proposed_start;
    h.comment = ev->comment; /* cleaned by ct_reply_parse */
    h.reason = kept_text(reason, 300);
    if (!h.source || (in->from && !h.sender) || !h.event_uid || !h.attendee || !h.reason)
        st = ct_error_set(err, CT_ENOMEM, "out of memory holding a reply");
    if (st == CT_OK)
        st = ct_store_replies_hold(txn, &h, &id, err);
    if (st == CT_OK) {
        combine(result, CT_REPLIES_HELD);
        note(in->hooks, CT_REPLIES_WARNING, "%s: held (#%lld) %s %s for %s: %s", in->where,
             (long long)id, ct_reply_method_name(reply->method),
             ct_reply_partstat_name(a->partstat), h.attendee, h.reason);
    }
    free(h.source);
    free(h.sender);
    free(h.event_uid);
    free(h.attendee);
    free(h.reason);
    return st;
}

/*
 * A UID shaped like ours ("coffeetrial-...@...") that no invitation carries:
 * forged, or guessed from another. OUT: *group_id, the group whose UID it
 * extends ("GROUP-UID-SECRET@DOMAIN"), 0 if none.
 */
static enum ct_status
forged_uid_group(struct ct_store *store, const char *uid, bool *ours, int64_t *group_id,
                 struct ct_error *err)
{
    const char *at = strrchr(uid, '@'), *dash;
    struct ct_replies_group g;
    char *group_uid;
    enum ct_status st;
    bool found = false;

    *group_id = 0;
    *ours = strncmp(uid, "coffeetrial-", 12) == 0 && at != NULL;
    if (!*ours)
        return CT_OK;
    for (dash = at; dash > uid && dash[-1] != '-'; dash--)
        ;
    if (dash <= uid + 12)
        return CT_OK;
    group_uid = ct_asprintf("%.*s%s", (int)(dash - 1 - uid), uid, at);
    if (group_uid == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_store_replies_find_group(store, group_uid, &g, &found, err);
    free(group_uid);
    if (st == CT_OK && found)
        *group_id = g.id;
    return st;
}

/* An event whose UID no invitation carries: skipped if not ours, else every entry held. */
static enum ct_status
unknown_event(struct ct_txn *txn, const struct ct_reply *reply, const struct ct_reply_event *ev,
              const struct incoming *in, enum ct_replies_result *result, struct ct_error *err)
{
    int64_t group_id = 0;
    enum ct_status st;
    bool ours = false;
    size_t i;

    st = forged_uid_group(ct_txn_store(txn), ev->uid, &ours, &group_id, err);
    if (st != CT_OK)
        return st;
    if (!ours) {
        combine(result, CT_REPLIES_UNKNOWN);
        note(in->hooks, CT_REPLIES_WARNING, "%s: skipped: no meeting with UID %.*s was sent",
             in->where, clip(ev->uid, 200), ev->uid);
        return CT_OK;
    }
    for (i = 0; i < ev->attendee_count && st == CT_OK; i++)
        st = hold(txn, reply, ev, &ev->attendees[i], group_id, 0, in,
                  group_id ? "its UID names a meeting but no member's invitation (forged?)"
                           : "no invitation carries its UID (forged, or from another network?)",
                  result, err);
    return st;
}

/*
 * An event bound to one member's invitation: only that member's own
 * ATTENDEE entry is applied, whatever From says and whoever relayed it.
 * Other entries are ignored (a relay listing everyone) or, when the
 * owner's entry is missing, held: someone answers for another member.
 */
static enum ct_status
bound_event(struct ct_txn *txn, const struct ct_reply *reply, const struct ct_reply_event *ev,
            const struct ct_replies_owner *o, const struct incoming *in,
            enum ct_replies_result *result, struct ct_error *err)
{
    struct ct_replies_group g = {o->group_id, o->sequence, o->state};
    const struct ct_reply_attendee *mine = NULL;
    enum ct_replies_result r;
    enum ct_status st = CT_OK;
    size_t i;

    for (i = 0; o->email && i < ev->attendee_count && !mine; i++)
        if (ct_reply_address_eq(ev->attendees[i].email, o->email))
            mine = &ev->attendees[i];
    if (mine == NULL) {
        for (i = 0; i < ev->attendee_count && st == CT_OK; i++) {
            char *why = ct_asprintf("it answers for %.*s, but its UID is the invitation of %s",
                                    clip(ev->attendees[i].email, 200), ev->attendees[i].email,
                                    o->email ? o->email : "an erased member");
            if (why == NULL)
                return ct_error_set(err, CT_ENOMEM, "out of memory");
            st = hold(txn, reply, ev, &ev->attendees[i], o->group_id, o->member_id, in, why, result,
                      err);
            free(why);
        }
        return st;
    }
    if (ev->attendee_count > 1)
        note(in->hooks, CT_REPLIES_INFO,
             "%s: the reply lists %zu attendees; only %s's own answer counts", in->where,
             ev->attendee_count, o->email);
    if (o->removed) {
        combine(result, CT_REPLIES_NOT_ATTENDEE);
        note(in->hooks, CT_REPLIES_INFO, "%s: ignored: %s has left group %lld", in->where, o->email,
             (long long)o->group_id);
        return CT_OK;
    }
    if (reply->method == CT_REPLY_METHOD_REPLY && mine->partstat == CT_PARTSTAT_OTHER) {
        combine(result, CT_REPLIES_NOT_REPLY);
        note(in->hooks, CT_REPLIES_WARNING,
             "%s: skipped: %s answered group %lld with a PARTSTAT meetings do not use", in->where,
             o->email, (long long)o->group_id);
        return CT_OK;
    }
    st = record_answer(txn, &g, o->member_id, reply->method, ev, mine, in->now, in->where,
                       in->hooks, &r, err);
    if (st == CT_OK)
        combine(result, r);
    return st;
}

/* A group sent before per-member UIDs: its members share its UID, so the old rules hold. */
static enum ct_status
shared_uid_event(struct ct_txn *txn, const struct ct_reply *reply, const struct ct_reply_event *ev,
                 const struct ct_replies_owner *o, const struct incoming *in,
                 enum ct_replies_result *result, struct ct_error *err)
{
    struct ct_replies_group g = {o->group_id, o->sequence, o->state};
    enum ct_status st;
    size_t i;

    for (i = 0; i < ev->attendee_count; i++) {
        if (!attendee_answers(ev, i, in->from))
            continue;
        st = record_attendee(txn, reply, ev, &g, i, in->now, in->where, in->hooks, result, err);
        if (st != CT_OK)
            return st;
    }
    return CT_OK;
}

/*
 * Record every answer of a parsed reply, inside txn, under the trust rules
 * (docs/outcomes.md). OUT: *result, the precedence-first result over all
 * answers. Errors are database errors only.
 */
static enum ct_status
record_reply(struct ct_txn *txn, const struct ct_reply *reply, const struct incoming *in,
             enum ct_replies_result *result, struct ct_error *err)
{
    struct ct_replies_owner owners[2];
    size_t e, n = 0;
    enum ct_status st = CT_OK;

    *result = CT_REPLIES_NOT_REPLY;
    for (e = 0; e < reply->event_count && st == CT_OK; e++) {
        const struct ct_reply_event *ev = &reply->events[e];

        st = ct_store_replies_owners(ct_txn_store(txn), ev->uid, owners, 2, &n, err);
        if (st != CT_OK)
            return st;
        if (n == 0 || owners[0].state == CT_GROUP_PLANNED)
            st = unknown_event(txn, reply, ev, in, result, err);
        else if (owners[0].state == CT_GROUP_CANCELLED) {
            combine(result, CT_REPLIES_CANCELLED);
            note(in->hooks, CT_REPLIES_INFO, "%s: ignored: group %lld was cancelled", in->where,
                 (long long)owners[0].group_id);
        } else if (n == 1)
            st = bound_event(txn, reply, ev, &owners[0], in, result, err);
        else
            st = shared_uid_event(txn, reply, ev, &owners[0], in, result, err);
        ct_replies_owners_clear(owners, n);
    }
    return st;
}

/* The calendars of a message, parsed; failures keep the first reason. */
struct parsed {
    struct ct_reply **replies;
    size_t count;
    char why[CT_ERROR_MAX]; /* why no calendar part was a reply */
    bool malformed;         /* a calendar part was broken, not merely not a reply */
};

static void
parsed_free(struct parsed *p)
{
    size_t i;

    for (i = 0; i < p->count; i++)
        ct_reply_free(p->replies[i]);
    free(p->replies);
}

static enum ct_status
parse_calendars(const struct ct_mime_message *msg, struct parsed *p, struct ct_error *err)
{
    bool have_reason = false, not_reply;
    size_t i;

    memset(p, 0, sizeof(*p));
    snprintf(p->why, sizeof(p->why), "no calendar part");
    if (msg->calendar_count == 0)
        return CT_OK;
    p->replies = calloc(msg->calendar_count, sizeof(*p->replies));
    if (p->replies == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory reading a reply");
    for (i = 0; i < msg->calendar_count; i++) {
        struct ct_error why;
        enum ct_status st;

        ct_error_clear(&why);
        st = ct_reply_parse(msg->calendars[i], &p->replies[p->count], &why);
        if (st == CT_OK) {
            p->count++;
            continue;
        }
        if (st == CT_ENOMEM)
            return ct_error_set(err, CT_ENOMEM, "%s", why.message);
        /* Keep the first reason, unless a later part is broken rather than not a reply. */
        not_reply =
            strncmp(why.message, "METHOD:", 7) == 0 || strncmp(why.message, "no METHOD", 9) == 0;
        if (!have_reason || (!not_reply && !p->malformed)) {
            snprintf(p->why, sizeof(p->why), "%s", why.message);
            p->malformed = !not_reply;
            have_reason = true;
        }
    }
    return CT_OK;
}

/* Record the parsed replies of msg in txn; src (may be NULL) is remembered in imap_seen. */
static enum ct_status
record_parsed(struct ct_txn *txn, const struct ct_mime_message *msg, const struct parsed *parsed,
              const struct ct_replies_source *src, int64_t now, const char *where,
              const struct ct_replies_hooks *hooks, enum ct_replies_result *result,
              struct ct_error *err)
{
    struct ct_imap_seen_key key = {0};
    enum ct_status st;
    size_t i;

    for (i = 0; i < parsed->count; i++) {
        struct incoming in = {msg->from, where, now, hooks};
        enum ct_replies_result r;
        st = record_reply(txn, parsed->replies[i], &in, &r, err);
        if (st != CT_OK)
            return st;
        combine(result, r);
    }
    if (parsed->count == 0)
        note(hooks, parsed->malformed ? CT_REPLIES_WARNING : CT_REPLIES_INFO,
             "%s from %.*s: skipped: %s (%s)", where, msg->from ? clip(msg->from, 100) : 14,
             msg->from ? msg->from : "unknown sender",
             parsed->malformed ? "malformed calendar reply" : "not a calendar reply", parsed->why);
    if (src == NULL)
        return CT_OK;
    key.mailbox = src->mailbox;
    key.uidvalidity = src->uidvalidity;
    key.uid = src->uid;
    return ct_store_imap_seen_mark(txn, &key, err);
}

enum ct_status
ct_replies_record_message(struct ct_store *store, const char *data, size_t len,
                          const struct ct_replies_source *src, int64_t now,
                          const struct ct_replies_hooks *hooks, enum ct_replies_result *result,
                          struct ct_error *err)
{
    struct ct_mime_message *msg = NULL;
    struct parsed parsed = {0};
    struct ct_txn *txn = NULL;
    char where[160];
    enum ct_status st;
    bool seen = false;

    *result = CT_REPLIES_NOT_REPLY;
    /* Parse first: no transaction is held while reading a message. */
    st = ct_mime_parse(data, len, &msg, err);
    if (st != CT_OK)
        return st;
    st = parse_calendars(msg, &parsed, err);
    if (st != CT_OK)
        goto done;
    if (src)
        snprintf(where, sizeof(where), "UID %lu", (unsigned long)src->uid);
    else
        snprintf(where, sizeof(where), "message");
    if (parsed.count == 0 && ct_reply_word_parse(msg->text) != CT_WORD_NONE) {
        st = replies_word(store, msg, src, where, now, hooks, result, err);
        goto done;
    }

    st = ct_txn_begin(store, &txn, err);
    if (st != CT_OK)
        goto done;
    if (src) {
        struct ct_imap_seen_key key = {src->mailbox, src->uidvalidity, src->uid};
        st = ct_store_imap_seen(store, &key, &seen, err);
        if (st != CT_OK || seen) {
            /* Seen: another process read it since the search. */
            if (seen)
                *result = CT_REPLIES_SEEN;
            ct_txn_rollback(txn);
            goto done;
        }
    }
    st = record_parsed(txn, msg, &parsed, src, now, where, hooks, result, err);
    if (st != CT_OK)
        ct_txn_rollback(txn);
    else
        st = ct_txn_commit(txn, err);
done:
    parsed_free(&parsed);
    ct_mime_message_free(msg);
    return st;
}

/* ---- members' own UIDs, held replies, the organiser's view ----------- */

enum ct_status
ct_replies_member_uid_new(int64_t group_id, const char *group_uid, char **uid, struct ct_error *err)
{
    unsigned char secret[CT_INVITE_UID_SECRET];

    *uid = NULL;
    if (getrandom(secret, sizeof(secret), 0) != (ssize_t)sizeof(secret))
        return ct_error_set(err, CT_EIO, "group %lld: no system randomness for the invitation UID",
                            (long long)group_id);
    *uid = ct_invite_member_uid(group_uid, secret, sizeof(secret));
    explicit_bzero(secret, sizeof(secret));
    if (*uid == NULL)
        return ct_error_set(err, CT_EINTERNAL, "group %lld: cannot make a UID from '%s'",
                            (long long)group_id, group_uid ? group_uid : "");
    return CT_OK;
}

enum ct_status
ct_replies_member_uid_claim(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                            const char *uid, bool *claimed, struct ct_error *err)
{
    return ct_store_replies_claim_member_uid(txn, group_id, member_id, uid, claimed, err);
}

enum ct_status
ct_replies_member_uid(struct ct_txn *txn, int64_t group_id, int64_t member_id,
                      const char *group_uid, char **uid, struct ct_error *err)
{
    enum ct_status st;
    char *stored = NULL;
    bool claimed = false;

    /* A new UID first, stored unless there is one: a send's members have none yet. */
    if ((st = ct_replies_member_uid_new(group_id, group_uid, uid, err)) != CT_OK)
        return st;
    st = ct_replies_member_uid_claim(txn, group_id, member_id, *uid, &claimed, err);
    if (st == CT_OK && !claimed)
        st = ct_store_replies_member_uid(ct_txn_store(txn), group_id, member_id, &stored, err);
    if (st != CT_OK) {
        free(*uid);
        *uid = NULL;
    } else if (stored != NULL) {
        /* The one stored before stays the member's. */
        free(*uid);
        *uid = stored;
    }
    return st;
}

enum ct_status
ct_replies_held_list(struct ct_store *store, const struct ct_replies_held_filter *filter,
                     struct ct_replies_held **list, size_t *count, struct ct_error *err)
{
    return ct_store_replies_held_list(store, filter, list, count, err);
}

/* The held reply to apply, and the member and group it goes to; checks only. */
static enum ct_status
apply_target(struct ct_store *store, int64_t held_id, const char *member_email,
             struct ct_replies_held **held, struct ct_replies_group *g, int64_t *member_id,
             struct ct_error *err)
{
    struct ct_replies_held_filter filter = {held_id, 0, 0, false};
    const char *email;
    size_t n = 0;
    enum ct_status st;
    bool found = false;

    st = ct_store_replies_held_list(store, &filter, held, &n, err);
    if (st != CT_OK)
        return st;
    if (n == 0)
        return ct_error_set(err, CT_ENOTFOUND, "no held reply %lld (applied already?)",
                            (long long)held_id);
    if ((*held)->group_id == 0)
        return ct_error_set(err, CT_EDATA,
                            "held reply %lld names no meeting of ours; there is nothing to "
                            "apply it to",
                            (long long)held_id);
    st = ct_store_replies_group(store, (*held)->group_id, g, &found, err);
    if (st != CT_OK)
        return st;
    if (!found || g->state != CT_GROUP_SENT)
        return ct_error_set(err, CT_ESTATE, "group %lld is %s; only a sent meeting takes answers",
                            (long long)(*held)->group_id,
                            found ? ct_group_state_str(g->state) : "gone");
    email = member_email ? member_email : (*held)->attendee;
    st = ct_store_replies_find_attendee(store, g->id, email, member_id, &found, err);
    if (st == CT_OK && !found)
        st = ct_error_set(err, CT_EDATA, "%s is not a member of group %lld", email,
                          (long long)g->id);
    return st;
}

enum ct_status
ct_replies_apply_held(struct ct_store *store, int64_t held_id, const char *member_email,
                      int64_t now, struct ct_replies_applied *applied, struct ct_error *err)
{
    struct ct_replies_held *held = NULL;
    struct ct_replies_answer ans;
    struct ct_replies_group g;
    struct ct_txn *txn = NULL;
    int64_t member_id = 0;
    enum ct_status st;

    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK)
        return st;
    st = apply_target(store, held_id, member_email, &held, &g, &member_id, err);
    if (st != CT_OK)
        goto out;
    memset(&ans, 0, sizeof(ans));
    ans.group_id = g.id;
    ans.member_id = member_id;
    ans.method = held->method;
    ans.partstat = held->partstat;
    ans.sequence = g.sequence;
    ans.dtstamp = now; /* the organiser's decision stands until a later answer */
    ans.proposed_start = held->proposed_start;
    ans.comment = held->comment;
    ans.by_organiser = true;
    st = ct_store_replies_record(txn, &ans, now, err);
    if (st == CT_OK &&
        (ans.method == CT_REPLY_METHOD_COUNTER || ans.partstat == CT_PARTSTAT_ACCEPTED ||
         ans.partstat == CT_PARTSTAT_TENTATIVE))
        st = ct_store_replies_reset_unanswered(txn, member_id, now, err);
    if (st == CT_OK)
        st = ct_store_replies_held_applied(txn, held_id, member_id, now, err);
    if (st == CT_OK) {
        st = ct_txn_commit(txn, err);
        txn = NULL;
    }
    if (st == CT_OK && applied) {
        applied->group_id = g.id;
        applied->member_id = member_id;
        applied->method = ans.method;
        applied->partstat = ans.partstat;
    }
out:
    ct_txn_rollback(txn);
    ct_replies_held_free(held, held ? 1 : 0);
    return st;
}

enum ct_status
ct_replies_group_answers(struct ct_store *store, int64_t group_id,
                         struct ct_replies_member_answer **list, size_t *count, size_t *held,
                         struct ct_error *err)
{
    struct ct_replies_held_filter filter = {0, group_id, 0, false};
    struct ct_replies_held *h = NULL;
    size_t n = 0;
    enum ct_status st;

    st = ct_store_replies_group_answers(store, group_id, list, count, err);
    if (st != CT_OK || held == NULL)
        return st;
    st = ct_store_replies_held_list(store, &filter, &h, &n, err);
    ct_replies_held_free(h, n);
    if (st != CT_OK) {
        ct_replies_member_answers_free(*list, *count);
        *list = NULL;
        *count = 0;
        return st;
    }
    *held = n;
    return CT_OK;
}

/* ---- unanswered invitations -------------------------------------------- */

/* Count one member's invitation of a closed group as declined or unanswered. */
static enum ct_status
count_unanswered(struct ct_txn *txn, const struct ct_replies_attendance *a, int64_t group_id,
                 int64_t now, const struct ct_replies_policy *policy,
                 const struct ct_replies_hooks *hooks, struct ct_replies_closed *closed,
                 struct ct_error *err)
{
    enum ct_status st;

    closed->counted++;
    if (policy->unanswered_limit <= 0 || a->unanswered + 1 < policy->unanswered_limit) {
        st = ct_store_replies_set_unanswered(txn, a->member_id, a->unanswered + 1, false, now, err);
        note(hooks, CT_REPLIES_INFO,
             "%s: group %lld counted as declined or unanswered (%d "
             "in a row)",
             a->email, (long long)group_id, a->unanswered + 1);
        return st;
    }
    /* The count restarts, so a resumed member gets a fresh run. */
    st = ct_store_replies_set_unanswered(txn, a->member_id, 0, true, now, err);
    if (st != CT_OK)
        return st;
    closed->paused++;
    note(hooks, CT_REPLIES_NOTICE,
         "%s paused: %d invitations in a row declined or unanswered (group %lld was "
         "the last)",
         a->email, a->unanswered + 1, (long long)group_id);
    if (hooks && hooks->paused)
        st = hooks->paused(hooks->arg, txn, a->member_id, a->email, err);
    return st;
}

/* Count one closed group's invitations in txn. */
static enum ct_status
close_group(struct ct_txn *txn, int64_t group_id, int64_t now,
            const struct ct_replies_policy *policy, const struct ct_replies_hooks *hooks,
            struct ct_replies_closed *closed, struct ct_error *err)
{
    struct ct_replies_attendance *list = NULL;
    size_t count = 0, i;
    enum ct_status st;

    st = ct_store_replies_attendance(ct_txn_store(txn), group_id, &list, &count, err);
    for (i = 0; st == CT_OK && i < count; i++) {
        const struct ct_replies_attendance *a = &list[i];
        if (!a->answered)
            st = count_unanswered(txn, a, group_id, now, policy, hooks, closed, err);
        else if (a->unanswered != 0)
            st = ct_store_replies_set_unanswered(txn, a->member_id, 0, false, now, err);
    }
    ct_replies_attendance_free(list, count);
    if (st == CT_OK)
        st = ct_store_replies_close_window(txn, group_id, now, err);
    if (st == CT_OK)
        closed->groups++;
    return st;
}

enum ct_status
ct_replies_close_windows(struct ct_store *store, int64_t now,
                         const struct ct_replies_policy *policy,
                         const struct ct_replies_hooks *hooks, struct ct_replies_closed *closed,
                         struct ct_error *err)
{
    struct ct_replies_closed local = {0};
    struct ct_txn *txn = NULL;
    int64_t *ids = NULL;
    size_t n = 0, i;
    enum ct_status st;

    st = ct_txn_begin(store, &txn, err);
    if (st != CT_OK)
        return st;
    /* Oldest windows first, so runs of unanswered invitations add up in order. */
    st = ct_store_replies_windows_due(store, now, policy->meeting_window, &ids, &n, err);
    for (i = 0; st == CT_OK && i < n; i++)
        st = close_group(txn, ids[i], now, policy, hooks, &local, err);
    free(ids);
    if (st != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    st = ct_txn_commit(txn, err);
    if (st == CT_OK && closed)
        *closed = local;
    return st;
}
