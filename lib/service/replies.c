/*
 * replies.c: recording parsed replies against sent groups, and the
 * unanswered-invitation accounting; see replies.h. The IMAP poll that feeds
 * it is in replies_fetch.c.
 */
#include "store_impl.h"
#include "replies.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mime_parse.h"
#include "util.h"

static const char *const result_labels[CT_REPLIES_RESULT_COUNT] = {
    [CT_REPLIES_RECORDED] = "recorded",
    [CT_REPLIES_COUNTER] = "proposed another time",
    [CT_REPLIES_DUPLICATE] = "already recorded",
    [CT_REPLIES_SUPERSEDED] = "ignored (a later answer is recorded)",
    [CT_REPLIES_OLD_SEQUENCE] = "ignored (old sequence)",
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

/* Step a statement that returns no rows (or whose rows are not wanted). */
static enum ct_status
exec_done(struct ct_store *store, sqlite3_stmt *stmt, const char *doing, struct ct_error *err)
{
    int rc = sqlite3_step(stmt);

    if (rc != SQLITE_DONE && rc != SQLITE_ROW)
        return ct_store_error(store, err, doing);
    return CT_OK;
}

struct group_row {
    int64_t id;
    int sequence;
    char state[16];
};

/* The group with this UID; *found false if there is none. */
static enum ct_status
find_group(struct ct_store *store, const char *uid, struct group_row *g, bool *found,
           struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;
    int rc;

    *found = false;
    st = ct_store_prepare(store, "SELECT id, sequence, state FROM groups WHERE uid = ?1", &stmt,
                          err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, uid, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *state = (const char *)sqlite3_column_text(stmt, 2);
        g->id = sqlite3_column_int64(stmt, 0);
        g->sequence = sqlite3_column_int(stmt, 1);
        snprintf(g->state, sizeof(g->state), "%s", state ? state : "");
        *found = true;
    } else if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read group");
    }
    sqlite3_finalize(stmt);
    return st;
}

/* The member of group_id with this address, if still in the group. */
static enum ct_status
find_member(struct ct_store *store, int64_t group_id, const char *email, int64_t *member_id,
            bool *found, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;
    int rc;

    *found = false;
    st = ct_store_prepare(
        store,
        "SELECT gm.member_id FROM group_members gm JOIN members m ON m.id = gm.member_id "
        "WHERE gm.group_id = ?1 AND m.email = ?2 AND gm.removed = 0",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_text(stmt, 2, email, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *member_id = sqlite3_column_int64(stmt, 0);
        *found = true;
    } else if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read group member");
    }
    sqlite3_finalize(stmt);
    return st;
}

/* Has exactly this answer been recorded before? */
static enum ct_status
answer_exists(struct ct_store *store, int64_t group_id, int64_t member_id, const char *method,
              const char *partstat, const struct ct_reply_event *ev, bool *exists,
              struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store,
        "SELECT 1 FROM replies WHERE group_id = ?1 AND member_id = ?2 AND method = ?3 "
        "AND partstat = ?4 AND sequence = ?5 AND dtstamp = ?6 LIMIT 1",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    sqlite3_bind_text(stmt, 3, method, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, partstat, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 5, ev->sequence);
    sqlite3_bind_int64(stmt, 6, ev->dtstamp);
    st = ct_store_step_row(store, stmt, exists, "read replies", err);
    sqlite3_finalize(stmt);
    return st;
}

/* Is a REPLY newer than this one (higher SEQUENCE, or same and later DTSTAMP) recorded? */
static enum ct_status
newer_reply_exists(struct ct_store *store, int64_t group_id, int64_t member_id,
                   const struct ct_reply_event *ev, bool *newer, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store,
        "SELECT 1 FROM replies WHERE group_id = ?1 AND member_id = ?2 "
        "AND method = 'REPLY' AND (sequence > ?3 OR (sequence = ?3 AND dtstamp > ?4)) "
        "LIMIT 1",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    sqlite3_bind_int(stmt, 3, ev->sequence);
    sqlite3_bind_int64(stmt, 4, ev->dtstamp);
    st = ct_store_step_row(store, stmt, newer, "read replies", err);
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
insert_answer(struct ct_store *store, int64_t group_id, int64_t member_id, const char *method,
              const char *partstat, const struct ct_reply_event *ev, int64_t now,
              struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store,
        "INSERT INTO replies(group_id, member_id, method, partstat, sequence, dtstamp, "
        "proposed_start, comment, received_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    sqlite3_bind_text(stmt, 3, method, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, partstat, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 5, ev->sequence);
    sqlite3_bind_int64(stmt, 6, ev->dtstamp);
    if (ev->proposed_start)
        sqlite3_bind_int64(stmt, 7, ev->proposed_start);
    else
        sqlite3_bind_null(stmt, 7);
    sqlite3_bind_text(stmt, 8, ev->comment, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 9, now);
    st = exec_done(store, stmt, "record reply", err);
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
set_partstat(struct ct_store *store, int64_t group_id, int64_t member_id, const char *partstat,
             struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store, "UPDATE group_members SET partstat = ?3 WHERE group_id = ?1 AND member_id = ?2",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, member_id);
    sqlite3_bind_text(stmt, 3, partstat, -1, SQLITE_STATIC);
    st = exec_done(store, stmt, "record answer", err);
    sqlite3_finalize(stmt);
    return st;
}

/* An answer ends a member's run of unanswered invitations. */
static enum ct_status
reset_unanswered(struct ct_store *store, int64_t member_id, int64_t now, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(store,
                          "UPDATE members SET unanswered = 0, updated_at = ?2 "
                          "WHERE id = ?1 AND unanswered <> 0",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    sqlite3_bind_int64(stmt, 2, now);
    st = exec_done(store, stmt, "reset unanswered count", err);
    sqlite3_finalize(stmt);
    return st;
}

static void
format_utc(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(out, size, "%lld", (long long)t);
}

/* Record one attendee's answer to a sent group. */
static enum ct_status
record_answer(struct ct_store *store, const struct group_row *g, int64_t member_id,
              enum ct_reply_method method, const struct ct_reply_event *ev,
              const struct ct_reply_attendee *a, int64_t now, const char *where,
              const struct ct_replies_hooks *hooks, enum ct_replies_result *result,
              struct ct_error *err)
{
    const char *method_name = ct_reply_method_name(method);
    const char *partstat = ct_reply_partstat_name(a->partstat);
    bool counter = method == CT_REPLY_METHOD_COUNTER, flag = false;
    enum ct_status st;

    if (ev->sequence < g->sequence) {
        *result = CT_REPLIES_OLD_SEQUENCE;
        note(hooks, CT_REPLIES_INFO,
             "%s: %s %s for group %lld: ignored, it answers SEQUENCE %d but the invitation "
             "is at %d",
             where, a->email, partstat, (long long)g->id, ev->sequence, g->sequence);
        return CT_OK;
    }
    st = answer_exists(store, g->id, member_id, method_name, partstat, ev, &flag, err);
    if (st != CT_OK)
        return st;
    if (flag) {
        *result = CT_REPLIES_DUPLICATE;
        note(hooks, CT_REPLIES_INFO, "%s: %s %s for group %lld: already recorded", where, a->email,
             counter ? "COUNTER" : partstat, (long long)g->id);
        return CT_OK;
    }
    if (!counter) {
        st = newer_reply_exists(store, g->id, member_id, ev, &flag, err);
        if (st != CT_OK)
            return st;
        if (flag) {
            *result = CT_REPLIES_SUPERSEDED;
            note(hooks, CT_REPLIES_INFO,
                 "%s: %s %s for group %lld: ignored, a later answer is recorded", where, a->email,
                 partstat, (long long)g->id);
            return CT_OK;
        }
    }
    st = insert_answer(store, g->id, member_id, method_name, partstat, ev, now, err);
    if (st == CT_OK && !counter)
        st = set_partstat(store, g->id, member_id, partstat, err);
    if (st == CT_OK &&
        (counter || a->partstat == CT_PARTSTAT_ACCEPTED || a->partstat == CT_PARTSTAT_TENTATIVE))
        st = reset_unanswered(store, member_id, now, err);
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

enum ct_status
ct_replies_record(struct ct_store *store, const struct ct_reply *reply, const char *from,
                  int64_t now, const char *where, const struct ct_replies_hooks *hooks,
                  enum ct_replies_result *result, struct ct_error *err)
{
    size_t e, i;
    enum ct_status st;

    *result = CT_REPLIES_NOT_REPLY;
    for (e = 0; e < reply->event_count; e++) {
        const struct ct_reply_event *ev = &reply->events[e];
        struct group_row g;
        bool found;

        st = find_group(store, ev->uid, &g, &found, err);
        if (st != CT_OK)
            return st;
        if (!found || strcmp(g.state, "planned") == 0) {
            combine(result, CT_REPLIES_UNKNOWN);
            note(hooks, CT_REPLIES_WARNING, "%s: skipped: no meeting with UID %.*s was sent", where,
                 clip(ev->uid, 200), ev->uid);
            continue;
        }
        if (strcmp(g.state, "cancelled") == 0) {
            combine(result, CT_REPLIES_CANCELLED);
            note(hooks, CT_REPLIES_INFO, "%s: ignored: group %lld was cancelled", where,
                 (long long)g.id);
            continue;
        }
        for (i = 0; i < ev->attendee_count; i++) {
            const struct ct_reply_attendee *a = &ev->attendees[i];
            enum ct_replies_result r;
            int64_t member_id;

            if (!attendee_answers(ev, i, from))
                continue;
            if (reply->method == CT_REPLY_METHOD_REPLY && a->partstat == CT_PARTSTAT_OTHER) {
                combine(result, CT_REPLIES_NOT_REPLY);
                note(hooks, CT_REPLIES_WARNING,
                     "%s: skipped: %.*s answered group %lld with a PARTSTAT meetings do not use",
                     where, clip(a->email, 200), a->email, (long long)g.id);
                continue;
            }
            st = find_member(store, g.id, a->email, &member_id, &found, err);
            if (st != CT_OK)
                return st;
            if (!found) {
                combine(result, CT_REPLIES_NOT_ATTENDEE);
                note(hooks, CT_REPLIES_WARNING,
                     "%s: skipped: %.*s is not an attendee of group %lld", where,
                     clip(a->email, 200), a->email, (long long)g.id);
                continue;
            }
            st = record_answer(store, &g, member_id, reply->method, ev, a, now, where, hooks, &r,
                               err);
            if (st != CT_OK)
                return st;
            combine(result, r);
        }
    }
    return CT_OK;
}

static enum ct_status
already_seen(struct ct_store *store, const struct ct_replies_source *src, bool *seen,
             struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store, "SELECT 1 FROM imap_seen WHERE mailbox = ?1 AND uidvalidity = ?2 AND uid = ?3",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, src->mailbox, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, src->uidvalidity);
    sqlite3_bind_int64(stmt, 3, src->uid);
    st = ct_store_step_row(store, stmt, seen, "read imap_seen", err);
    sqlite3_finalize(stmt);
    return st;
}

static enum ct_status
remember_seen(struct ct_store *store, const struct ct_replies_source *src, struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(
        store, "INSERT OR IGNORE INTO imap_seen(mailbox, uidvalidity, uid) VALUES (?1, ?2, ?3)",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_text(stmt, 1, src->mailbox, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, src->uidvalidity);
    sqlite3_bind_int64(stmt, 3, src->uid);
    st = exec_done(store, stmt, "remember processed message", err);
    sqlite3_finalize(stmt);
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

enum ct_status
ct_replies_record_message(struct ct_store *store, const char *data, size_t len,
                          const struct ct_replies_source *src, int64_t now,
                          const struct ct_replies_hooks *hooks, enum ct_replies_result *result,
                          struct ct_error *err)
{
    struct ct_mime_message *msg = NULL;
    struct parsed parsed = {0};
    char where[160];
    enum ct_status st;
    bool seen = false;
    size_t i;

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

    st = ct_store_begin(store, err);
    if (st != CT_OK)
        goto done;
    if (src) {
        st = already_seen(store, src, &seen, err);
        if (st != CT_OK)
            goto rollback;
        if (seen) {
            /* Another process read it since the search. */
            *result = CT_REPLIES_SEEN;
            ct_store_rollback(store);
            goto done;
        }
    }
    for (i = 0; i < parsed.count; i++) {
        enum ct_replies_result r;
        st = ct_replies_record(store, parsed.replies[i], msg->from, now, where, hooks, &r, err);
        if (st != CT_OK)
            goto rollback;
        combine(result, r);
    }
    if (parsed.count == 0)
        note(hooks, parsed.malformed ? CT_REPLIES_WARNING : CT_REPLIES_INFO,
             "%s from %.*s: skipped: %s (%s)", where, msg->from ? clip(msg->from, 100) : 14,
             msg->from ? msg->from : "unknown sender",
             parsed.malformed ? "malformed calendar reply" : "not a calendar reply", parsed.why);
    if (src) {
        st = remember_seen(store, src, err);
        if (st != CT_OK)
            goto rollback;
    }
    st = ct_store_commit(store, err);
    goto done;
rollback:
    ct_store_rollback(store);
done:
    parsed_free(&parsed);
    ct_mime_message_free(msg);
    return st;
}

/* ---- unanswered invitations -------------------------------------------- */

struct attendance {
    int64_t member_id;
    char *email;
    int unanswered;
    bool answered;
};

/* The active members still in a group, with whether they answered yes. */
static enum ct_status
group_attendance(struct ct_store *store, int64_t group_id, struct attendance **out, size_t *count,
                 struct ct_error *err)
{
    sqlite3_stmt *stmt;
    struct attendance *list = NULL;
    size_t n = 0, cap = 0;
    enum ct_status st;
    int rc;

    *out = NULL;
    *count = 0;
    st = ct_store_prepare(store,
                          "SELECT gm.member_id, m.email, m.unanswered, "
                          "  gm.partstat IN ('ACCEPTED', 'TENTATIVE') OR EXISTS ("
                          "    SELECT 1 FROM replies r WHERE r.group_id = gm.group_id "
                          "    AND r.member_id = gm.member_id AND r.method = 'COUNTER') "
                          "FROM group_members gm JOIN members m ON m.id = gm.member_id "
                          "WHERE gm.group_id = ?1 AND gm.removed = 0 AND m.status = 'active' "
                          "ORDER BY gm.member_id",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *email = (const char *)sqlite3_column_text(stmt, 1);
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            struct attendance *grown = realloc(list, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                break;
            }
            list = grown;
            cap = ncap;
        }
        list[n].member_id = sqlite3_column_int64(stmt, 0);
        list[n].email = strdup(email ? email : "(erased)");
        list[n].unanswered = sqlite3_column_int(stmt, 2);
        list[n].answered = sqlite3_column_int(stmt, 3) != 0;
        if (list[n++].email == NULL) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            break;
        }
    }
    if (st == CT_OK && rc != SQLITE_DONE)
        st = ct_store_error(store, err, "read group members");
    sqlite3_finalize(stmt);
    *out = list;
    *count = n;
    return st;
}

static void
attendance_free(struct attendance *list, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
        free(list[i].email);
    free(list);
}

static enum ct_status
set_unanswered(struct ct_store *store, int64_t member_id, int unanswered, bool pause, int64_t now,
               struct ct_error *err)
{
    sqlite3_stmt *stmt;
    enum ct_status st;

    st = ct_store_prepare(store,
                          pause
                              ? "UPDATE members SET unanswered = ?2, status = 'paused', "
                                "paused_until = NULL, updated_at = ?3 WHERE id = ?1"
                              : "UPDATE members SET unanswered = ?2, updated_at = ?3 WHERE id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, member_id);
    sqlite3_bind_int(stmt, 2, unanswered);
    sqlite3_bind_int64(stmt, 3, now);
    st = exec_done(store, stmt, pause ? "pause member" : "count unanswered invitation", err);
    sqlite3_finalize(stmt);
    return st;
}

/* Count one closed group's invitations; the caller holds the transaction. */
static enum ct_status
close_group(struct ct_store *store, int64_t group_id, int64_t now,
            const struct ct_replies_policy *policy, const struct ct_replies_hooks *hooks,
            struct ct_replies_closed *closed, struct ct_error *err)
{
    struct attendance *list = NULL;
    sqlite3_stmt *stmt = NULL;
    size_t count = 0, i;
    enum ct_status st;

    st = group_attendance(store, group_id, &list, &count, err);
    for (i = 0; st == CT_OK && i < count; i++) {
        struct attendance *a = &list[i];
        if (a->answered) {
            if (a->unanswered != 0)
                st = set_unanswered(store, a->member_id, 0, false, now, err);
            continue;
        }
        closed->counted++;
        if (policy->unanswered_limit > 0 && a->unanswered + 1 >= policy->unanswered_limit) {
            /* The count restarts, so a resumed member gets a fresh run. */
            st = set_unanswered(store, a->member_id, 0, true, now, err);
            if (st != CT_OK)
                break;
            closed->paused++;
            note(hooks, CT_REPLIES_NOTICE,
                 "%s paused: %d invitations in a row declined or unanswered (group %lld was "
                 "the last)",
                 a->email, a->unanswered + 1, (long long)group_id);
            if (hooks && hooks->paused)
                st = hooks->paused(hooks->arg, store, a->member_id, a->email, err);
        } else {
            st = set_unanswered(store, a->member_id, a->unanswered + 1, false, now, err);
            note(hooks, CT_REPLIES_INFO,
                 "%s: group %lld counted as declined or unanswered (%d "
                 "in a row)",
                 a->email, (long long)group_id, a->unanswered + 1);
        }
    }
    attendance_free(list, count);
    if (st != CT_OK)
        return st;
    st = ct_store_prepare(store, "UPDATE groups SET window_closed_at = ?2 WHERE id = ?1", &stmt,
                          err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    sqlite3_bind_int64(stmt, 2, now);
    st = exec_done(store, stmt, "close answer window", err);
    sqlite3_finalize(stmt);
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
    sqlite3_stmt *stmt = NULL;
    int64_t *ids = NULL;
    size_t n = 0, cap = 0, i;
    enum ct_status st;
    int rc;

    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    /* Oldest windows first, so runs of unanswered invitations add up in order. */
    st = ct_store_prepare(store,
                          "SELECT g.id FROM groups g JOIN rounds r ON r.id = g.round_id "
                          "WHERE g.state = 'sent' AND g.window_closed_at IS NULL "
                          "AND r.sent_at IS NOT NULL AND r.sent_at + ?2 <= ?1 "
                          "AND (g.slot_start IS NULL OR "
                          "     g.slot_start + COALESCE(g.slot_minutes, 0) * 60 <= ?1) "
                          "ORDER BY r.sent_at, g.id",
                          &stmt, err);
    if (st != CT_OK)
        goto fail;
    sqlite3_bind_int64(stmt, 1, now);
    sqlite3_bind_int64(stmt, 2, policy->meeting_window);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            int64_t *grown = realloc(ids, ncap * sizeof(*grown));
            if (grown == NULL) {
                st = ct_error_set(err, CT_ENOMEM, "out of memory");
                goto fail;
            }
            ids = grown;
            cap = ncap;
        }
        ids[n++] = sqlite3_column_int64(stmt, 0);
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read groups to close");
        goto fail;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    for (i = 0; i < n; i++) {
        st = close_group(store, ids[i], now, policy, hooks, &local, err);
        if (st != CT_OK)
            goto fail;
    }
    st = ct_store_commit(store, err);
    if (st != CT_OK)
        goto fail;
    free(ids);
    if (closed)
        *closed = local;
    return CT_OK;
fail:
    sqlite3_finalize(stmt);
    ct_store_rollback(store);
    free(ids);
    return st;
}
