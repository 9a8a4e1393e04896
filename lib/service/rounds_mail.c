/*
 * rounds_mail.c: everything that turns a round's groups into mail: sending
 * a planned round (a REQUEST per member), cancelling a round (a CANCEL per
 * member of each sent group), and a member leaving (a CANCEL, or an updated
 * REQUEST to the rest of a trio). Each runs in one transaction together
 * with the outbox rows it queues, so a crash leaves all or nothing.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_impl.h"
#include "clock.h"
#include "invite.h"
#include "outbox.h"
#include "rounds_impl.h"
#include "slot.h"

/* The stand-in for an erased member in what their partner receives (never shown as an address). */
#define ERASED_NAME  "a member who has left"
#define ERASED_EMAIL "former-member@erased.invalid"

struct mailer {
    struct ct_store *store;
    const struct ct_config *cfg;
    int64_t now;
    struct ct_round_mail counts;
};

/* Run one statement binding up to three integers (0 binds NULL for none). */
static enum ct_status
exec3(struct ct_store *store, const char *sql, int64_t a, int64_t b, int64_t c, const char *doing,
      struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = ct_store_prepare(store, sql, &stmt, err);
    int n;

    if (st != CT_OK)
        return st;
    n = sqlite3_bind_parameter_count(stmt);
    if (n >= 1)
        sqlite3_bind_int64(stmt, 1, a);
    if (n >= 2)
        sqlite3_bind_int64(stmt, 2, b);
    if (n >= 3)
        sqlite3_bind_int64(stmt, 3, c);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(store, err, doing);
    sqlite3_finalize(stmt);
    return st;
}

/* --- reasons in the members' words ---------------------------------------------- */

/* The engine's reasons, as a member reads them ("Why the two of you:"). */
static const struct {
    const char *engine;
    const char *member;
} reason_words[] = {
    {"different organisation", "you work for different organisations"},
    {"different team", "you work in different teams"},
    {"different site", "you work at different sites"},
    {"different role", "you are in different professions"},
    {"first meeting", "you have not met through the coffee trial before"},
    {"bridges two communities", "you move in different circles of the network"},
    {"no shared contacts", "you have no contacts in common yet"},
};

static const char *
display_name(const struct ct_round_person *p)
{
    return p->name && *p->name ? p->name : p->email;
}

/*
 * The reasons of g that hold for the members in `in` (a trio's reasons are
 * per pair, "Ana & Bo: ..."; those naming someone no longer there are
 * dropped), translated, without repeats. OUT: *words (heap strings).
 */
static enum ct_status
member_reasons(const struct ct_round_group *g, const struct ct_round_person *const *in, size_t n,
               char ***words, size_t *count, struct ct_error *err)
{
    size_t i, j, k, w, cap = g->reason_count;
    char **v;

    *words = NULL;
    *count = 0;
    if (cap == 0)
        return CT_OK;
    v = calloc(cap, sizeof(*v));
    if (v == NULL)
        return rounds_nomem(err);
    for (i = 0; i < g->reason_count; i++) {
        const char *r = g->reasons[i], *text = r;
        const char *colon = strstr(r, ": ");
        const char *word = NULL;

        if (colon && strstr(r, " & ") && strstr(r, " & ") < colon) {
            /* "A & B: reason": keep it only if both A and B are still in. */
            bool found = false;
            for (j = 0; j < n && !found; j++) {
                for (k = 0; k < n && !found; k++) {
                    const char *a = display_name(in[j]), *b = display_name(in[k]);
                    size_t la, lb;
                    if (j == k || a == NULL || b == NULL)
                        continue;
                    la = strlen(a);
                    lb = strlen(b);
                    if (strncmp(r, a, la) == 0 && strncmp(r + la, " & ", 3) == 0 &&
                        strncmp(r + la + 3, b, lb) == 0 && strncmp(r + la + 3 + lb, ": ", 2) == 0) {
                        found = true;
                        text = r + la + 3 + lb + 2;
                    }
                }
            }
            if (!found)
                continue;
        }
        for (j = 0; j < CT_ARRAY_LEN(reason_words); j++)
            if (strcmp(text, reason_words[j].engine) == 0)
                word = reason_words[j].member;
        if (word == NULL)
            continue; /* the organiser's vocabulary ("new organisation for Ana") */
        for (w = 0; w < *count; w++)
            if (strcmp(v[w], word) == 0)
                break;
        if (w < *count)
            continue;
        if ((v[*count] = strdup(word)) == NULL) {
            for (w = 0; w < *count; w++)
                free(v[w]);
            free(v);
            *count = 0;
            return rounds_nomem(err);
        }
        (*count)++;
    }
    *words = v;
    return CT_OK;
}

static void
free_words(char **words, size_t count)
{
    size_t i;

    for (i = 0; i < count; i++)
        free(words[i]);
    free(words);
}

/* --- building and queueing messages ------------------------------------------------ */

/* What one message of a group is made from, besides the group itself. */
struct version {
    const struct ct_round_person *members[3]; /* who the event lists */
    size_t count;
    enum ct_invite_method method;
    int sequence;
    bool recipient_only; /* CANCEL listing the recipient alone */
    const char *note;
};

static void
fill_invite(const struct mailer *m, int64_t round_id, const char *round_date,
            const struct ct_round_group *g, const struct version *ver, char *const *reasons,
            size_t reason_count, struct ct_invite *inv, char *round_text, size_t round_size)
{
    const struct ct_config *cfg = m->cfg;
    size_t i;

    memset(inv, 0, sizeof(*inv));
    snprintf(round_text, round_size, "%" PRId64, round_id);
    inv->network = cfg->network.name;
    inv->network_timezone = cfg->network.timezone;
    inv->organiser_name = cfg->network.organiser_name;
    inv->organiser_email = cfg->network.organiser_email;
    for (i = 0; i < ver->count; i++) {
        const struct ct_round_person *p = ver->members[i];
        inv->members[i].email = p->email;
        inv->members[i].name = p->name;
        inv->members[i].organisation = p->organisation;
        inv->members[i].team = p->team;
        inv->members[i].role = p->role;
        inv->members[i].timezone = p->timezone;
    }
    inv->member_count = ver->count;
    inv->uid = g->uid;
    inv->sequence = ver->sequence;
    inv->dtstamp = m->now;
    inv->start = g->slot_start;
    inv->duration = g->slot_minutes > 0 ? (int64_t)g->slot_minutes * 60 : cfg->schedule.duration;
    inv->method = ver->method;
    inv->reasons = (const char *const *)reasons;
    inv->reason_count = reason_count;
    inv->prompts = cfg->invite.prompts;
    inv->subject_template = cfg->invite.subject;
    inv->location_template = cfg->invite.location;
    inv->url_template = cfg->invite.url;
    inv->round = round_id > 0 && round_id < 1000000000 ? (int)round_id : 0;
    inv->round_date = round_date;
    inv->note = ver->note;
    inv->cancel_recipient_only = ver->recipient_only;
}

/* Build the message of version ver of group g for ver->members[recipient] and queue it. */
static enum ct_status
queue_message(struct mailer *m, int64_t round_id, const char *round_date,
              const struct ct_round_group *g, const struct version *ver, size_t recipient,
              struct ct_error *err)
{
    const struct ct_round_person *to = ver->members[recipient];
    const char *kind = ver->method == CT_INVITE_CANCEL ? "cancel" : "request";
    char **reasons = NULL, round_text[24];
    size_t reason_count = 0;
    struct ct_invite_message msg;
    struct ct_outbox_entry entry;
    struct ct_invite inv;
    char *message_id = NULL;
    enum ct_status st;

    memset(&msg, 0, sizeof(msg));
    if (to->email == NULL)
        return ct_error_set(err, CT_EINTERNAL, "group %" PRId64 ": a member has no address", g->id);
    if (ver->method == CT_INVITE_REQUEST &&
        (st = member_reasons(g, ver->members, ver->count, &reasons, &reason_count, err)) != CT_OK)
        return st;
    fill_invite(m, round_id, round_date, g, ver, reasons, reason_count, &inv, round_text,
                sizeof(round_text));
    message_id = ct_invite_message_id(g->uid, to->email, ver->sequence, kind,
                                      m->cfg->network.organiser_email);
    if (message_id == NULL) {
        st = rounds_nomem(err);
        goto out;
    }
    st = ct_invite_message(&inv, recipient, message_id, m->now, &msg, err);
    if (st != CT_OK) {
        ct_error_prefix(err, "group %" PRId64 ", message to %s", g->id, to->email);
        goto out;
    }
    memset(&entry, 0, sizeof(entry));
    entry.message_id = msg.message_id;
    entry.kind = ver->method == CT_INVITE_CANCEL ? CT_OUTBOX_CANCEL : CT_OUTBOX_REQUEST;
    entry.group_id = g->id;
    entry.member_id = to->id > 0 && strcmp(to->email, ERASED_EMAIL) != 0 ? to->id : 0;
    entry.recipient = msg.recipient;
    entry.subject = msg.subject;
    entry.method = msg.method;
    entry.text_body = msg.text;
    entry.html_body = msg.html;
    entry.ics = msg.ics;
    entry.message = msg.raw;
    entry.message_len = msg.raw_len;
    st = ct_store_outbox_enqueue_bare(m->store, &entry, ct_now(), err);
    if (st == CT_OK)
        m->counts.messages++;
out:
    ct_invite_message_clear(&msg);
    free(message_id);
    free_words(reasons, reason_count);
    return st;
}

/* Queue version ver to each of its members. */
static enum ct_status
queue_all(struct mailer *m, int64_t round_id, const char *round_date,
          const struct ct_round_group *g, const struct version *ver, struct ct_error *err)
{
    enum ct_status st = CT_OK;
    size_t i;

    for (i = 0; i < ver->count && st == CT_OK; i++)
        st = queue_message(m, round_id, round_date, g, ver, i, err);
    return st;
}

/* The members still in g (not removed), into ver. */
static void
current_members(const struct ct_round_group *g, struct version *ver)
{
    size_t i;

    ver->count = 0;
    for (i = 0; i < g->member_count; i++)
        if (!g->members[i].removed)
            ver->members[ver->count++] = &g->members[i];
}

/* --- the round's state ---------------------------------------------------------- */

static enum ct_status
round_state(struct ct_store *store, int64_t id, char *state, size_t size, char *date,
            struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st =
        ct_store_prepare(store, "SELECT state, date FROM rounds WHERE id = ?1", &stmt, err);
    int rc;

    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        snprintf(state, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
        snprintf(date, 11, "%s", (const char *)sqlite3_column_text(stmt, 1));
    } else if (rc == SQLITE_DONE) {
        st = ct_error_set(err, CT_ENOTFOUND, "no round %" PRId64 " (see coffeetrial round list)",
                          id);
    } else {
        st = ct_store_error(store, err, "read round");
    }
    sqlite3_finalize(stmt);
    return st;
}

/*
 * Take member_id out of planned group group_id of round_id. A partner left
 * alone becomes unpaired ("partner left") and the group goes.
 */
static enum ct_status
drop_planned(struct mailer *m, int64_t round_id, int64_t group_id, int64_t member_id,
             struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int64_t remaining[3];
    size_t n = 0;
    enum ct_status st;
    int rc;

    st = exec3(m->store, "DELETE FROM group_members WHERE group_id = ?1 AND member_id = ?2",
               group_id, member_id, 0, "drop member from group", err);
    if (st != CT_OK)
        return st;
    st = ct_store_prepare(m->store, "SELECT member_id FROM group_members WHERE group_id = ?1",
                          &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, group_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        if (n < 3)
            remaining[n++] = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    if (rc != SQLITE_DONE)
        return ct_store_error(m->store, err, "read group members");
    m->counts.dropped++;
    m->counts.groups++;
    if (n >= 2)
        return CT_OK;
    if (n == 1) {
        st = exec3(m->store,
                   "INSERT OR REPLACE INTO unpaired(round_id, member_id, reason, sit_out)"
                   " VALUES (?1, ?2, 'partner left', 0)",
                   round_id, remaining[0], 0, "record unpaired member", err);
        if (st != CT_OK)
            return st;
    }
    return exec3(m->store, "DELETE FROM groups WHERE id = ?1", group_id, 0, 0, "drop group", err);
}

/* Drop members who left or were erased since the plan from round_id's planned groups. */
static enum ct_status
drop_departed(struct mailer *m, int64_t round_id, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    int64_t(*v)[2] = NULL;
    size_t n = 0, cap = 0, i;
    enum ct_status st;
    int rc;

    st = ct_store_prepare(
        m->store,
        "SELECT gm.group_id, gm.member_id FROM group_members gm"
        " JOIN groups g ON g.id = gm.group_id JOIN members mb ON mb.id = gm.member_id"
        " WHERE g.round_id = ?1 AND g.state = 'planned'"
        " AND mb.status IN ('left', 'erased')",
        &stmt, err);
    if (st != CT_OK)
        return st;
    sqlite3_bind_int64(stmt, 1, round_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            int64_t(*nv)[2] = realloc(v, ncap * sizeof(*v));
            if (nv == NULL) {
                st = rounds_nomem(err);
                goto out;
            }
            v = nv;
            cap = ncap;
        }
        v[n][0] = sqlite3_column_int64(stmt, 0);
        v[n][1] = sqlite3_column_int64(stmt, 1);
        n++;
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(m->store, err, "read group members");
        goto out;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    for (i = 0; i < n && st == CT_OK; i++)
        st = drop_planned(m, round_id, v[i][0], v[i][1], err);
    if (st == CT_OK)
        st = exec3(m->store,
                   "DELETE FROM unpaired WHERE round_id = ?1 AND member_id IN"
                   " (SELECT id FROM members WHERE status IN ('left', 'erased'))",
                   round_id, 0, 0, "drop unpaired member", err);
out:
    sqlite3_finalize(stmt);
    free(v);
    return st;
}

/* --- send ---------------------------------------------------------------------- */

/* A new slot for g in [now, now + meeting_window), spread against load. */
static enum ct_status
reslot(struct mailer *m, uint64_t seed, struct ct_round_group *g, struct ct_slot_load *load,
       struct ct_error *err)
{
    const struct ct_config *cfg = m->cfg;
    const char *zones[3];
    struct ct_worktime wt;
    struct ct_slot_query q;
    size_t i, n = 0;
    int64_t start;
    enum ct_status st;

    for (i = 0; i < g->member_count; i++)
        if (!g->members[i].removed)
            zones[n++] = g->members[i].timezone;
    rounds_worktime(cfg, &wt);
    memset(&q, 0, sizeof(q));
    q.zones = zones;
    q.zone_count = n;
    q.network_zone = cfg->network.timezone;
    q.worktime = &wt;
    rounds_window(cfg, m->now, m->now, &q.window_start, &q.window_end);
    q.not_before = m->now;
    q.duration = cfg->schedule.duration;
    q.seed = seed;
    q.key = g->uid;
    st = ct_slot_find(&q, load, &start, err);
    if (st != CT_OK)
        return ct_error_prefix(err,
                               "group %" PRId64 ": its proposed time has passed, and no new "
                               "one fits",
                               g->id);
    g->slot_start = start;
    g->slot_minutes = (int)(cfg->schedule.duration / 60);
    m->counts.reslotted++;
    return CT_OK;
}

enum ct_status
ct_rounds_send(struct ct_store *store, const struct ct_config *cfg, int64_t id,
               struct ct_round_mail *out, struct ct_error *err)
{
    struct mailer m = {store, cfg, ct_now(), {0}};
    struct ct_round *round = NULL;
    struct ct_slot_load *load = NULL;
    sqlite3_stmt *mark = NULL;
    char state[16], date[11];
    enum ct_status st;
    size_t i;

    if (out)
        memset(out, 0, sizeof(*out));
    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    if ((st = round_state(store, id, state, sizeof(state), date, err)) != CT_OK)
        goto out;
    if (strcmp(state, "planned") != 0) {
        st = ct_error_set(err, CT_ESTATE,
                          "round %" PRId64 " is %s; only a planned round can be sent", id, state);
        goto out;
    }
    if ((st = drop_departed(&m, id, err)) != CT_OK ||
        (st = ct_rounds_load(store, id, &round, err)) != CT_OK ||
        (st =
             ct_store_prepare(store,
                              "UPDATE groups SET state = 'sent', slot_start = ?2, slot_minutes = ?3"
                              " WHERE id = ?1",
                              &mark, err)) != CT_OK)
        goto out;
    m.counts.groups = 0; /* count the groups invited, not the ones changed by departures */

    /* Proposed times that passed while the round waited are found again. */
    {
        int64_t from, to;
        rounds_window(cfg, m.now, m.now, &from, &to);
        load = ct_slot_load_new(from, to);
        if (load == NULL) {
            st = rounds_nomem(err);
            goto out;
        }
        for (i = 0; i < round->group_count; i++)
            if (round->groups[i].slot_start >= m.now)
                ct_slot_load_add(load, round->groups[i].slot_start,
                                 (int64_t)round->groups[i].slot_minutes * 60);
    }
    for (i = 0; i < round->group_count; i++) {
        struct ct_round_group *g = &round->groups[i];
        struct version ver;

        if (strcmp(g->state, "planned") != 0)
            continue;
        if (g->slot_start < m.now && (st = reslot(&m, round->seed, g, load, err)) != CT_OK)
            goto out;
        memset(&ver, 0, sizeof(ver));
        current_members(g, &ver);
        ver.method = CT_INVITE_REQUEST;
        ver.sequence = g->sequence;
        if ((st = queue_all(&m, id, date, g, &ver, err)) != CT_OK)
            goto out;
        sqlite3_bind_int64(mark, 1, g->id);
        sqlite3_bind_int64(mark, 2, g->slot_start);
        sqlite3_bind_int(mark, 3, g->slot_minutes);
        if (sqlite3_step(mark) != SQLITE_DONE) {
            st = ct_store_error(store, err, "mark group sent");
            goto out;
        }
        sqlite3_reset(mark);
        m.counts.groups++;
    }
    st = exec3(store, "UPDATE rounds SET state = 'sent', sent_at = ?2 WHERE id = ?1", id, m.now, 0,
               "mark round sent", err);
    if (st == CT_OK)
        st = ct_store_commit(store, err);
out:
    sqlite3_finalize(mark);
    ct_slot_load_free(load);
    ct_round_free(round);
    if (st != CT_OK) {
        ct_store_rollback(store);
        return st;
    }
    if (out)
        *out = m.counts;
    return CT_OK;
}

enum ct_status
ct_rounds_mark_sent(struct ct_store *store, int64_t id, struct ct_error *err)
{
    char state[16], date[11];
    int64_t now = ct_now();
    enum ct_status st;

    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    if ((st = round_state(store, id, state, sizeof(state), date, err)) != CT_OK)
        goto out;
    if (strcmp(state, "planned") != 0) {
        st = ct_error_set(err, CT_ESTATE,
                          "round %" PRId64 " is %s; only a planned round can be sent", id, state);
        goto out;
    }
    if ((st = exec3(store,
                    "UPDATE groups SET state = 'sent' WHERE round_id = ?1 AND state = 'planned'",
                    id, 0, 0, "mark groups sent", err)) != CT_OK ||
        (st = exec3(store, "UPDATE rounds SET state = 'sent', sent_at = ?2 WHERE id = ?1", id, now,
                    0, "mark round sent", err)) != CT_OK)
        goto out;
    return ct_store_commit(store, err);
out:
    ct_store_rollback(store);
    return st;
}

/* --- cancel -------------------------------------------------------------------- */

enum ct_status
ct_rounds_cancel(struct ct_store *store, const struct ct_config *cfg, int64_t id,
                 struct ct_round_mail *out, struct ct_error *err)
{
    struct mailer m = {store, cfg, ct_now(), {0}};
    struct ct_round *round = NULL;
    char state[16], date[11];
    enum ct_status st;
    size_t i;

    if (out)
        memset(out, 0, sizeof(*out));
    st = ct_store_begin(store, err);
    if (st != CT_OK)
        return st;
    if ((st = round_state(store, id, state, sizeof(state), date, err)) != CT_OK)
        goto out;
    if (strcmp(state, "planned") != 0 && strcmp(state, "sent") != 0) {
        st = ct_error_set(err, CT_ESTATE, "round %" PRId64 " is already %s", id, state);
        goto out;
    }
    if (strcmp(state, "sent") == 0) {
        if ((st = ct_rounds_load(store, id, &round, err)) != CT_OK)
            goto out;
        for (i = 0; i < round->group_count; i++) {
            struct ct_round_group *g = &round->groups[i];
            struct version ver;

            if (strcmp(g->state, "sent") != 0)
                continue;
            memset(&ver, 0, sizeof(ver));
            current_members(g, &ver);
            ver.method = CT_INVITE_CANCEL;
            ver.sequence = g->sequence + 1;
            if ((st = queue_all(&m, id, date, g, &ver, err)) != CT_OK ||
                (st = exec3(store,
                            "UPDATE groups SET state = 'cancelled', sequence = ?2 WHERE id = ?1",
                            g->id, ver.sequence, 0, "cancel group", err)) != CT_OK)
                goto out;
            m.counts.groups++;
        }
    } else {
        st = exec3(store,
                   "UPDATE groups SET state = 'cancelled' WHERE round_id = ?1"
                   " AND state = 'planned'",
                   id, 0, 0, "cancel groups", err);
        if (st != CT_OK)
            goto out;
    }
    st = exec3(store, "UPDATE rounds SET state = 'cancelled', cancelled_at = ?2 WHERE id = ?1", id,
               m.now, 0, "cancel round", err);
    if (st == CT_OK)
        st = ct_store_commit(store, err);
out:
    ct_round_free(round);
    if (st != CT_OK) {
        ct_store_rollback(store);
        return st;
    }
    if (out)
        *out = m.counts;
    return CT_OK;
}

/* --- a member leaves ------------------------------------------------------------- */

/* One group of the leaver's, found before any is changed. */
struct affected {
    int64_t group_id;
    int64_t round_id;
    char date[11];
    bool sent;    /* else planned */
    int64_t ends; /* slot end, 0 if none */
};

static enum ct_status
sent_group_leave(struct mailer *m, const struct affected *a, int64_t member_id, bool erasing,
                 struct ct_error *err)
{
    struct ct_round_group *groups = NULL, *g;
    struct ct_round_person placeholder;
    struct version all, rest, one;
    const struct ct_round_person *leaver = NULL;
    size_t count = 0, i, leaver_index = 0;
    char *note = NULL;
    enum ct_status st;
    int sequence;

    memset(&placeholder, 0, sizeof(placeholder));
    st = rounds_load_groups(m->store, "g.id = ?1", a->group_id, &groups, &count, err);
    if (st != CT_OK)
        return st;
    if (count != 1) {
        st = ct_error_set(err, CT_EINTERNAL, "group %" PRId64 " vanished", a->group_id);
        goto out;
    }
    g = &groups[0];
    sequence = g->sequence + 1;
    memset(&all, 0, sizeof(all));
    memset(&rest, 0, sizeof(rest));
    current_members(g, &all);
    for (i = 0; i < all.count; i++) {
        if (all.members[i]->id == member_id) {
            leaver = all.members[i];
            leaver_index = i;
        } else {
            rest.members[rest.count++] = all.members[i];
        }
    }
    if (leaver == NULL)
        goto out; /* already removed */

    if (rest.count >= 2) {
        /* A trio goes on as a pair: the leaver's copy is cancelled, the others' updated. */
        if (!erasing) {
            one = all;
            one.method = CT_INVITE_CANCEL;
            one.sequence = sequence;
            one.recipient_only = true;
            if ((st = queue_message(m, a->round_id, a->date, g, &one, leaver_index, err)) != CT_OK)
                goto out;
        }
        note = erasing ? ct_asprintf("One member of your group has left the coffee trial; the "
                                     "meeting goes ahead with the two of you.")
                       : ct_asprintf("%s has left the coffee trial; the meeting goes ahead with "
                                     "the two of you.",
                                     display_name(leaver));
        if (note == NULL) {
            st = rounds_nomem(err);
            goto out;
        }
        rest.method = CT_INVITE_REQUEST;
        rest.sequence = sequence;
        rest.note = note;
        if ((st = queue_all(m, a->round_id, a->date, g, &rest, err)) != CT_OK ||
            (st = exec3(m->store, "UPDATE groups SET sequence = ?2 WHERE id = ?1", g->id, sequence,
                        0, "update group", err)) != CT_OK)
            goto out;
    } else {
        /* A pair is off: both are told (when erasing, only the partner, without the name). */
        if (!erasing) {
            one = all;
            one.method = CT_INVITE_CANCEL;
            one.sequence = sequence;
            if ((st = queue_message(m, a->round_id, a->date, g, &one, leaver_index, err)) != CT_OK)
                goto out;
        }
        for (i = 0; i < rest.count; i++) {
            free(note);
            note = ct_asprintf("%s has left the coffee trial, so this meeting will not take place. "
                               "You will be paired again in a coming round.",
                               erasing ? "Your partner" : display_name(leaver));
            if (note == NULL) {
                st = rounds_nomem(err);
                goto out;
            }
            memset(&one, 0, sizeof(one));
            one.members[0] = rest.members[i];
            one.count = 1;
            if (erasing) {
                placeholder.id = 0;
                placeholder.name = (char *)ERASED_NAME;
                placeholder.email = (char *)ERASED_EMAIL;
                one.members[one.count++] = &placeholder;
                one.recipient_only = true;
            } else {
                one.members[one.count++] = leaver;
            }
            one.method = CT_INVITE_CANCEL;
            one.sequence = sequence;
            one.note = note;
            if ((st = queue_message(m, a->round_id, a->date, g, &one, 0, err)) != CT_OK)
                goto out;
        }
        st = exec3(m->store, "UPDATE groups SET state = 'cancelled', sequence = ?2 WHERE id = ?1",
                   g->id, sequence, 0, "cancel group", err);
        if (st != CT_OK)
            goto out;
    }
    st = exec3(m->store,
               "UPDATE group_members SET removed = 1 WHERE group_id = ?1 AND member_id = ?2", g->id,
               member_id, 0, "mark member removed", err);
    if (st == CT_OK)
        m->counts.groups++;
out:
    free(note);
    for (i = 0; i < count; i++)
        rounds_group_clear(&groups[i]);
    free(groups);
    return st;
}

enum ct_status
ct_rounds_member_leave(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                       bool erasing, struct ct_round_mail *out, struct ct_error *err)
{
    struct mailer m = {store, cfg, ct_now(), {0}};
    sqlite3_stmt *stmt = NULL;
    struct affected *v = NULL;
    size_t n = 0, cap = 0, i;
    bool own = sqlite3_get_autocommit(ct_store_db(store)) != 0;
    enum ct_status st = CT_OK;
    int rc;

    if (out)
        memset(out, 0, sizeof(*out));
    if (own && (st = ct_store_begin(store, err)) != CT_OK)
        return st;
    st = ct_store_prepare(store,
                          "SELECT g.id, r.id, r.date, r.state = 'sent',"
                          " coalesce(g.slot_start + g.slot_minutes * 60, 0)"
                          " FROM group_members gm JOIN groups g ON g.id = gm.group_id"
                          " JOIN rounds r ON r.id = g.round_id"
                          " WHERE gm.member_id = ?1 AND gm.removed = 0"
                          " AND ((r.state = 'planned' AND g.state = 'planned')"
                          "   OR (r.state = 'sent' AND g.state = 'sent'))"
                          " ORDER BY g.id",
                          &stmt, err);
    if (st != CT_OK)
        goto out;
    sqlite3_bind_int64(stmt, 1, member_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        struct affected *a;
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 8;
            struct affected *nv = realloc(v, ncap * sizeof(*v));
            if (nv == NULL) {
                st = rounds_nomem(err);
                goto out;
            }
            v = nv;
            cap = ncap;
        }
        a = &v[n++];
        a->group_id = sqlite3_column_int64(stmt, 0);
        a->round_id = sqlite3_column_int64(stmt, 1);
        snprintf(a->date, sizeof(a->date), "%s", (const char *)sqlite3_column_text(stmt, 2));
        a->sent = sqlite3_column_int(stmt, 3) != 0;
        a->ends = sqlite3_column_int64(stmt, 4);
    }
    if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read the member's groups");
        goto out;
    }
    sqlite3_finalize(stmt);
    stmt = NULL;
    for (i = 0; i < n && st == CT_OK; i++) {
        if (!v[i].sent)
            st = drop_planned(&m, v[i].round_id, v[i].group_id, member_id, err);
        else if (v[i].ends == 0 || v[i].ends > m.now)
            st = sent_group_leave(&m, &v[i], member_id, erasing, err);
    }
    if (st == CT_OK)
        st = exec3(store,
                   "DELETE FROM unpaired WHERE member_id = ?1 AND round_id IN"
                   " (SELECT id FROM rounds WHERE state = 'planned')",
                   member_id, 0, 0, "drop unpaired member", err);
    if (st == CT_OK && own) {
        st = ct_store_commit(store, err);
        own = false;
    }
out:
    sqlite3_finalize(stmt);
    free(v);
    if (own)
        ct_store_rollback(store);
    if (st == CT_OK && out)
        *out = m.counts;
    return st;
}

static enum ct_status
leave_hook(void *arg, struct ct_txn *txn, int64_t member_id, bool erasing, int64_t now,
           struct ct_error *err)
{
    struct ct_rounds_leave *leave = arg;
    struct ct_round_mail mail;
    enum ct_status st;

    (void)now;
    st = ct_rounds_member_leave(ct_txn_store(txn), leave->cfg, member_id, erasing, &mail, err);
    if (st != CT_OK)
        return st;
    leave->mail.groups += mail.groups;
    leave->mail.messages += mail.messages;
    leave->mail.dropped += mail.dropped;
    leave->members += mail.groups > 0;
    return CT_OK;
}

void
ct_rounds_leave_init(struct ct_rounds_leave *leave, const struct ct_config *cfg)
{
    memset(leave, 0, sizeof(*leave));
    leave->cfg = cfg;
    leave->hook.leaving = leave_hook;
    leave->hook.arg = leave;
}
