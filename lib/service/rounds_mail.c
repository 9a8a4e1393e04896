/*
 * rounds_mail.c: everything that turns a round's groups into mail: sending
 * a planned round (a REQUEST per member), cancelling a round (a CANCEL per
 * member of each sent group), and a member leaving (a CANCEL, or an updated
 * REQUEST to the rest of a trio). Each runs in one transaction together
 * with the outbox rows it queues, so a crash leaves all or nothing; a
 * round's send runs in batches of whole groups, each its own transaction.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "invite.h"
#include "invite_recipe.h"
#include "links.h"
#include "notices.h"
#include "prefs.h"
#include "store_actions.h"
#include "store_members.h"
#include "replies.h"
#include "rounds_snapshot.h"
#include "slot.h"
#include "store_outbox.h"
#include "store_rounds.h"

/* The stand-in for an erased member in what their partner receives (never shown as an address). */
#define ERASED_NAME  "a member who has left"
#define ERASED_EMAIL "former-member@erased.invalid"

struct mailer {
    struct ct_txn *txn;
    struct ct_store *store; /* the transaction's */
    const struct ct_config *cfg;
    int64_t now;
    struct ct_round_mail counts;
    struct ct_links_key *key; /* a send's: [web] secret_file read once, at its first link */
};

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

/* The start of the engine's weak-coordination reason (its figures follow). */
#define COORDINATION_REASON "your roles coordinate weakly:"

static const char *
display_name(const struct ct_round_person *p)
{
    return p->member.name && *p->member.name ? p->member.name : p->member.email;
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
        /* "your roles coordinate weakly: 2.1 of 5 in the March survey" */
        if (strncmp(text, COORDINATION_REASON, strlen(COORDINATION_REASON)) == 0)
            word = "a staff survey says your two roles could work together more closely";
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
    const struct ct_round_person *members[CT_GROUP_MAX]; /* who the event lists */
    size_t count;
    enum ct_invite_method method;
    int sequence;
    bool recipient_only; /* CANCEL listing the recipient alone */
    const char *note;
    const char *location, *site; /* chosen already (NULL: pick_location() chooses) */
};

/*
 * Whether member_id allows meeting in person: anyone but a member whose
 * own meeting mode is video. Without [invite] location_in_person there is
 * no in-person place to choose, so nothing is read. A preference that
 * cannot be read counts as video: a remote meeting suits everyone.
 */
static bool
allows_in_person(const struct mailer *m, int64_t member_id)
{
    struct ct_prefs p;
    struct ct_error err;
    bool ok;

    if (m->cfg->invite.location_in_person == NULL || member_id <= 0)
        return true;
    ct_error_clear(&err);
    if (ct_store_prefs_get(m->store, member_id, &p, NULL, &err) != CT_OK)
        return false;
    ok = p.mode != CT_MODE_VIDEO;
    ct_prefs_free(&p);
    return ok;
}

/*
 * The meeting place of ver's members ([invite] location_in_person when
 * every one of them allows meeting in person and they share a site, else
 * location_remote; either unset falls back to location). OUT: *site, the
 * shared site for {site} ("" when they meet remotely).
 */
static const char *
pick_location(const struct mailer *m, const struct version *ver, const char **site)
{
    const struct ct_config *cfg = m->cfg;
    const char *shared = NULL;
    bool in_person = ver->count > 0;
    size_t i;

    for (i = 0; i < ver->count && in_person; i++) {
        const char *s = ver->members[i]->member.site;
        if (s == NULL || *s == '\0' || (shared && strcasecmp(shared, s) != 0) ||
            !allows_in_person(m, ver->members[i]->member.id))
            in_person = false;
        shared = s;
    }
    *site = in_person ? shared : "";
    if (in_person)
        return cfg->invite.location_in_person ? cfg->invite.location_in_person
                                              : cfg->invite.location;
    return cfg->invite.location_remote ? cfg->invite.location_remote : cfg->invite.location;
}

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
        inv->members[i].email = p->member.email;
        inv->members[i].name = p->member.name;
        inv->members[i].organisation = p->member.organisation;
        inv->members[i].team = p->member.team;
        inv->members[i].role = p->member.role;
        inv->members[i].timezone = p->member.timezone;
        inv->greetings[i] = p->greeting;
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
    inv->opener = cfg->invite.opener;
    inv->subject_template = cfg->invite.subject;
    if (ver->location) {
        inv->location_template = ver->location;
        inv->site = ver->site;
    } else
        inv->location_template = pick_location(m, ver, &inv->site);
    inv->url_template = cfg->invite.url;
    inv->round = round_id > 0 && round_id < 1000000000 ? (int)round_id : 0;
    inv->round_date = round_date;
    inv->note = ver->note;
    inv->cancel_recipient_only = ver->recipient_only;
}

/*
 * What every message of version ver of group g shares: the invitation (the
 * recipient's own UID and links are set per message), the reasons in the
 * members' words, each member's Subject (the invitation checked once, as
 * building it would) and, in a REQUEST, every member's recorded answer, so
 * an update does not ask again.
 */
struct draft {
    struct ct_invite inv;
    char **reasons;
    size_t reason_count;
    char round_text[24];
    char *subjects[CT_INVITE_MAX_MEMBERS];
};

static void
draft_free(struct draft *d)
{
    size_t i;

    free_words(d->reasons, d->reason_count);
    for (i = 0; i < CT_INVITE_MAX_MEMBERS; i++)
        free(d->subjects[i]);
    memset(d, 0, sizeof(*d));
}

/* The draft of ver; errors name the message to ver->members[first], the first one queued. */
static enum ct_status
draft_make(struct mailer *m, int64_t round_id, const char *round_date,
           const struct ct_round_group *g, const struct version *ver, size_t first, struct draft *d,
           struct ct_error *err)
{
    enum ct_status st = CT_OK;
    size_t i;

    memset(d, 0, sizeof(*d));
    if (ver->method == CT_INVITE_REQUEST &&
        (st = member_reasons(g, ver->members, ver->count, &d->reasons, &d->reason_count, err)) !=
            CT_OK)
        return st;
    fill_invite(m, round_id, round_date, g, ver, d->reasons, d->reason_count, &d->inv,
                d->round_text, sizeof(d->round_text));
    d->inv.group_uid = g->uid;
    /* A group never sent has no answers yet: nothing to read. */
    for (i = 0; ver->method == CT_INVITE_REQUEST && g->state != CT_GROUP_PLANNED &&
                i < ver->count && st == CT_OK;
         i++)
        if (ver->members[i]->member.id > 0)
            st = ct_store_replies_partstat(m->store, g->id, ver->members[i]->member.id,
                                           &d->inv.answers[i], err);
    if (st == CT_OK && (st = ct_invite_subjects(&d->inv, d->subjects, err)) != CT_OK)
        ct_error_prefix(err, "group %" PRId64 ", message to %s", g->id,
                        ver->members[first]->member.email);
    if (st != CT_OK)
        draft_free(d);
    return st;
}

/*
 * The message of draft d (version ver of group g) for ver->members[recipient],
 * whose own event UID is uid (NULL: the group's): its Message-ID and its
 * recipe (core/invite_recipe.h), built into the message at delivery. Reads
 * nothing from the store. OUT: *message_id (heap), recipe.
 */
static enum ct_status
message_make(const struct mailer *m, int64_t round_id, const struct ct_round_group *g,
             const struct version *ver, const struct draft *d, size_t recipient, const char *uid,
             char **message_id, struct ct_buf *recipe, struct ct_error *err)
{
    const struct ct_round_person *to = ver->members[recipient];
    enum ct_outbox_kind kind =
        ver->method == CT_INVITE_CANCEL ? CT_OUTBOX_CANCEL : CT_OUTBOX_REQUEST;
    struct ct_invite inv = d->inv;
    struct ct_links links;
    struct ct_invite_links link_view;
    enum ct_status st;

    *message_id = NULL;
    if (uid)
        inv.uid = uid;
    if (to->member.id > 0 && strcmp(to->member.email, ERASED_EMAIL) != 0) {
        st = m->key ? ct_links_build_keyed(m->cfg, m->key, to->member.id, round_id, g->id, m->now,
                                           &links, err)
                    : ct_links_build(m->cfg, to->member.id, round_id, g->id, m->now, &links, err);
        if (st != CT_OK)
            return st;
        ct_links_view(&links, &link_view);
        inv.links = &link_view;
    }
    *message_id = ct_invite_message_id(g->uid, to->member.email, ver->sequence,
                                       ct_outbox_kind_str(kind), m->cfg->network.organiser_email);
    if (*message_id == NULL)
        return rounds_nomem(err);
    if ((st = ct_invite_recipe_encode(&inv, recipient, *message_id, m->now, recipe, err)) !=
        CT_OK) {
        free(*message_id);
        *message_id = NULL;
        return ct_error_prefix(err, "group %" PRId64 ", message to %s", g->id, to->member.email);
    }
    return CT_OK;
}

/* Queue the message made by message_make() (the Subject the outbox lists is the draft's). */
static enum ct_status
message_put(struct mailer *m, const struct ct_round_group *g, const struct version *ver,
            const struct draft *d, size_t recipient, const char *message_id,
            const struct ct_buf *recipe, struct ct_error *err)
{
    const struct ct_round_person *to = ver->members[recipient];
    struct ct_outbox_entry entry;
    enum ct_status st;

    memset(&entry, 0, sizeof(entry));
    entry.message_id = message_id;
    entry.kind = ver->method == CT_INVITE_CANCEL ? CT_OUTBOX_CANCEL : CT_OUTBOX_REQUEST;
    entry.group_id = g->id;
    entry.member_id =
        to->member.id > 0 && strcmp(to->member.email, ERASED_EMAIL) != 0 ? to->member.id : 0;
    entry.recipient = to->member.email;
    entry.subject = d->subjects[recipient];
    entry.method = ver->method == CT_INVITE_CANCEL ? "CANCEL" : "REQUEST";
    entry.recipe = recipe->data;
    entry.recipe_len = recipe->len;
    st = ct_store_outbox_enqueue(m->txn, &entry, m->now, err);
    if (st == CT_OK)
        m->counts.messages++;
    return st;
}

/* The links key, read at the first message that needs it (a send reads it once). */
static enum ct_status
mailer_key(struct mailer *m, struct ct_error *err)
{
    if (m->key && !m->key->loaded)
        return ct_links_key_load(m->cfg, m->key, err);
    return CT_OK;
}

/*
 * Queue the message of draft d (version ver of group g) for
 * ver->members[recipient]. The recipient's own event UID makes replies
 * trustworthy (docs/outcomes.md).
 */
static enum ct_status
queue_one(struct mailer *m, int64_t round_id, const struct ct_round_group *g,
          const struct version *ver, const struct draft *d, size_t recipient, struct ct_error *err)
{
    const struct ct_round_person *to = ver->members[recipient];
    struct ct_buf recipe;
    char *message_id = NULL, *member_uid = NULL;
    enum ct_status st = CT_OK;

    ct_buf_init(&recipe);
    if (to->member.id > 0 && g->id > 0 &&
        (st = ct_replies_member_uid(m->txn, g->id, to->member.id, g->uid, &member_uid, err)) !=
            CT_OK)
        goto out;
    if (to->member.id > 0 && strcmp(to->member.email, ERASED_EMAIL) != 0 &&
        (st = mailer_key(m, err)) != CT_OK)
        goto out;
    if ((st = message_make(m, round_id, g, ver, d, recipient, member_uid, &message_id, &recipe,
                           err)) == CT_OK)
        st = message_put(m, g, ver, d, recipient, message_id, &recipe, err);
out:
    ct_buf_free(&recipe);
    free(message_id);
    free(member_uid);
    return st;
}

/* The members of ver without an address: none may be written to (checked before anything). */
static enum ct_status
check_addresses(const struct ct_round_group *g, const struct version *ver, size_t only,
                struct ct_error *err)
{
    size_t i;

    for (i = 0; i < ver->count; i++)
        if ((only == SIZE_MAX || i == only) && ver->members[i]->member.email == NULL)
            return ct_error_set(err, CT_EINTERNAL, "group %" PRId64 ": a member has no address",
                                g->id);
    return CT_OK;
}

/* Queue the message of version ver of group g for ver->members[recipient] alone. */
static enum ct_status
queue_message(struct mailer *m, int64_t round_id, const char *round_date,
              const struct ct_round_group *g, const struct version *ver, size_t recipient,
              struct ct_error *err)
{
    struct draft d;
    enum ct_status st;

    if ((st = check_addresses(g, ver, recipient, err)) != CT_OK ||
        (st = draft_make(m, round_id, round_date, g, ver, recipient, &d, err)) != CT_OK)
        return st;
    st = queue_one(m, round_id, g, ver, &d, recipient, err);
    draft_free(&d);
    return st;
}

/* Queue version ver to each of its members, the invitation made and checked once. */
static enum ct_status
queue_all(struct mailer *m, int64_t round_id, const char *round_date,
          const struct ct_round_group *g, const struct version *ver, struct ct_error *err)
{
    struct draft d;
    enum ct_status st;
    size_t i;

    if (ver->count == 0)
        return CT_OK;
    if ((st = check_addresses(g, ver, SIZE_MAX, err)) != CT_OK ||
        (st = draft_make(m, round_id, round_date, g, ver, 0, &d, err)) != CT_OK)
        return st;
    for (i = 0; i < ver->count && st == CT_OK; i++)
        st = queue_one(m, round_id, g, ver, &d, i, err);
    draft_free(&d);
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

enum ct_status
rounds_mail_group(struct ct_txn *txn, const struct ct_config *cfg, int64_t round_id,
                  const char *date, const struct ct_round_group *g, bool cancel, int sequence,
                  int64_t only, const char *note, int64_t now, size_t *messages,
                  struct ct_error *err)
{
    struct mailer m = {txn, ct_txn_store(txn), cfg, now, {0}, NULL};
    struct version ver;
    enum ct_status st = CT_OK;
    size_t i;

    memset(&ver, 0, sizeof(ver));
    current_members(g, &ver);
    ver.method = cancel ? CT_INVITE_CANCEL : CT_INVITE_REQUEST;
    ver.sequence = sequence;
    ver.note = note;
    ver.recipient_only = cancel && only > 0;
    for (i = 0; i < ver.count && st == CT_OK; i++)
        if (only == 0 || ver.members[i]->member.id == only)
            st = queue_message(&m, round_id, date, g, &ver, i, err);
    if (messages)
        *messages += m.counts.messages;
    return st;
}

/* --- the round's state ---------------------------------------------------------- */

/* Round id's fields, refused (CT_ESTATE) unless it is planned, as sending needs. */
static enum ct_status
planned_round(struct ct_store *store, int64_t id, struct ct_round *hdr, struct ct_error *err)
{
    enum ct_status st = ct_store_round_load(store, id, hdr, err);

    if (st == CT_OK && hdr->state != CT_ROUND_PLANNED)
        st = ct_error_set(err, CT_ESTATE,
                          "round %" PRId64 " is %s; only a planned round can be sent", id,
                          ct_round_state_str(hdr->state));
    return st;
}

/*
 * Take member_id out of planned group group_id of round_id (cause: left,
 * erased), recording the change for the send (rounds_review.c).
 */
static enum ct_status
drop_planned(struct mailer *m, int64_t round_id, int64_t group_id, int64_t member_id,
             enum ct_round_change_kind cause, struct ct_error *err)
{
    enum ct_status st;

    st = rounds_review_drop(m->txn, round_id, group_id, member_id, cause, m->now,
                            &m->counts.dropped, err);
    if (st == CT_OK)
        m->counts.groups++;
    return st;
}

/* --- send ---------------------------------------------------------------------- */

/* A new slot for g in [now, now + meeting_window), spread against load. */
static enum ct_status
reslot(struct mailer *m, uint64_t seed, struct ct_round_group *g, struct ct_slot_load *load,
       struct ct_error *err)
{
    const struct ct_config *cfg = m->cfg;
    const struct ct_worktime *hours[CT_GROUP_MAX];
    struct ct_worktime wt, own[CT_GROUP_MAX];
    const char *zones[CT_GROUP_MAX];
    struct ct_slot_query q;
    size_t i, n = 0;
    int64_t start;
    enum ct_status st;

    rounds_worktime(cfg, &wt);
    for (i = 0; i < g->member_count; i++) {
        struct ct_store_member_hours h;
        if (g->members[i].removed)
            continue;
        /* The hours and days a member set for themselves, over the network's. */
        st = ct_store_member_hours_get(m->store, g->members[i].member.id, &h, err);
        if (st != CT_OK)
            return st;
        own[n] = wt;
        if (h.has_hours) {
            own[n].start_minutes = h.start_minutes;
            own[n].end_minutes = h.end_minutes;
        }
        if (h.has_days)
            own[n].days = h.days;
        hours[n] = h.has_hours || h.has_days ? &own[n] : NULL;
        zones[n++] = g->members[i].member.timezone;
    }
    memset(&q, 0, sizeof(q));
    q.zones = zones;
    q.worktimes = hours;
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

/* A table of the slots of round id's groups still ahead, for reslotting the others against. */
static enum ct_status
future_slots(const struct mailer *m, int64_t id, struct ct_slot_load **out, struct ct_error *err)
{
    struct ct_store_slot *slots = NULL;
    size_t count = 0, i;
    int64_t from, to;
    enum ct_status st;

    *out = NULL;
    /* Only the times, not the whole round: the groups are read batch by batch. */
    if ((st = ct_store_round_slots(m->store, id, &slots, &count, err)) != CT_OK)
        return st;
    rounds_window(m->cfg, m->now, m->now, &from, &to);
    if ((*out = ct_slot_load_new(from, to)) == NULL) {
        free(slots);
        return rounds_nomem(err);
    }
    for (i = 0; i < count; i++)
        if (slots[i].start >= m->now)
            ct_slot_load_add(*out, slots[i].start, (int64_t)slots[i].minutes * 60);
    free(slots);
    return CT_OK;
}

/*
 * Groups read for the first transaction of a send, and at most; how long
 * (seconds) a batch may hold the write lock before it commits: others wait
 * well under 0.25 s, its commit included. Each batch reads as many groups
 * as the one before sent in the budget, at its pace (at most twice as
 * many): a batch that reads more than it can send reads them for nothing.
 */
#define SEND_BATCH      500
#define SEND_BATCH_MAX  8000
#define SEND_TXN_BUDGET 0.12

/* The WAL is copied into the database between two batches once it holds this many bytes. */
#define SEND_CHECKPOINT_BYTES (32 << 20)

/* The page cache of a send, KiB (the connection's is SQLite's default, 2 MB). */
#define SEND_CACHE_KIB 65536

#ifdef CT_TEST_HOOKS
size_t ct_rounds_send_test_batch;
size_t ct_rounds_send_test_stop_after;
void (*ct_rounds_send_test_between)(void *arg);
void *ct_rounds_send_test_arg;
#endif

/* Mark g sent, its messages queued. */
static enum ct_status
group_sent(struct mailer *m, struct ct_round_group *g, struct ct_error *err)
{
    enum ct_status st;

    g->state = CT_GROUP_SENT;
    if ((st = ct_store_group_update(m->txn, g, err)) != CT_OK)
        return ct_error_prefix(err, "mark group sent");
    m->counts.groups++;
    return CT_OK;
}

/*
 * Invite planned group g (a passed slot is found again first, against
 * *load, the slots still ahead, read at the first group that needs them:
 * most sends have none) and mark it sent.
 */
static enum ct_status
send_group(struct mailer *m, const struct ct_round *hdr, struct ct_round_group *g,
           struct ct_slot_load **load, struct ct_error *err)
{
    struct version ver;
    enum ct_status st;

    if (g->slot_start < m->now &&
        ((*load == NULL && (st = future_slots(m, hdr->id, load, err)) != CT_OK) ||
         (st = reslot(m, hdr->seed, g, *load, err)) != CT_OK))
        return st;
    memset(&ver, 0, sizeof(ver));
    current_members(g, &ver);
    ver.method = CT_INVITE_REQUEST;
    ver.sequence = g->sequence;
    if ((st = queue_all(m, hdr->id, hdr->date, g, &ver, err)) != CT_OK)
        return st;
    return group_sent(m, g, err);
}

/* --- a batch's messages made on a second thread ----------------------------------- */

/*
 * While this thread queues a batch's groups, a second one makes what each
 * needs ahead of it: its explain read, the draft (its invitation checked),
 * and for each member a new event UID, the Message-ID and the recipe. It
 * reads no store: the meeting place needs the members' preferences, so it
 * is chosen here first when [invite] location_in_person is set, and a group
 * whose time has passed is left to send_group() here (reslotting goes in
 * order). Nothing it makes is queued until this thread has stored the
 * member's UID; a member who had one already is queued here afresh.
 */
struct made {
    bool whole;         /* the draft and messages below are made */
    struct version ver; /* its location and site chosen here first (NULL: by the maker) */
    struct draft d;
    char *uids[CT_GROUP_MAX]; /* NULL for a member without one (a dry run's) */
    char *message_ids[CT_GROUP_MAX];
    struct ct_buf recipes[CT_GROUP_MAX];
    enum ct_status st; /* the maker stops at the first group that fails */
    atomic_bool ready; /* made by the maker (the writing thread's own are not marked) */
};

/*
 * Each group is made by whichever thread claims it first (next): the
 * maker takes them in order, and the writing thread makes the one it
 * needs itself when the maker has not reached it yet (at the start of a
 * batch, or when the maker lost its CPU), else it waits on cond for the
 * one being made, saying so in waiting, so the maker signals only then
 * (a lock per group for nothing cost 3% of a send).
 */
struct maker {
    struct mailer *m; /* the thread reads only its cfg, now and key */
    const struct ct_round *hdr;
    struct ct_round_group *groups;
    struct made *made;
    size_t count;
    struct ct_error err; /* the error of the group the maker failed */
    pthread_mutex_t lock;
    pthread_cond_t cond;
    atomic_size_t next; /* the next group to claim */
    atomic_bool waiting, stop;
    pthread_t thread;
    bool running;
};

/* Make x from group g (its state and slot are as loaded). */
static enum ct_status
make_group(struct mailer *m, const struct ct_round *hdr, struct ct_round_group *g, struct made *x,
           struct ct_error *err)
{
    enum ct_status st;
    size_t r;

    for (r = 0; r < CT_GROUP_MAX; r++)
        ct_buf_init(&x->recipes[r]);
    if ((st = rounds_group_explain(g, err)) != CT_OK || g->state != CT_GROUP_PLANNED ||
        g->slot_start < m->now)
        return st;
    current_members(g, &x->ver);
    x->ver.method = CT_INVITE_REQUEST;
    x->ver.sequence = g->sequence;
    if (x->ver.count == 0)
        return CT_OK;
    if ((st = check_addresses(g, &x->ver, SIZE_MAX, err)) != CT_OK ||
        (st = draft_make(m, hdr->id, hdr->date, g, &x->ver, 0, &x->d, err)) != CT_OK)
        return st;
    x->whole = true;
    for (r = 0; r < x->ver.count && st == CT_OK; r++) {
        const struct ct_round_person *to = x->ver.members[r];
        if (to->member.id > 0 && g->id > 0)
            st = ct_replies_member_uid_new(g->id, g->uid, &x->uids[r], err);
        if (st == CT_OK)
            st = message_make(m, hdr->id, g, &x->ver, &x->d, r, x->uids[r], &x->message_ids[r],
                              &x->recipes[r], err);
    }
    return st;
}

static void *
maker_run(void *arg)
{
    struct maker *k = arg;
    size_t i;
    bool failed = false;

    while (!failed && !atomic_load(&k->stop) && (i = atomic_fetch_add(&k->next, 1)) < k->count) {
        struct made *x = &k->made[i];
        x->st = make_group(k->m, k->hdr, &k->groups[i], x, &k->err);
        failed = x->st != CT_OK;
        atomic_store(&x->ready, true);
        if (atomic_load(&k->waiting)) {
            pthread_mutex_lock(&k->lock);
            pthread_cond_signal(&k->cond);
            pthread_mutex_unlock(&k->lock);
        }
    }
    return NULL;
}

/*
 * Start making the count groups of a batch (here, one by one as they are
 * waited for, if no thread can start). The thread blocks every signal, so
 * a SIGTERM reaches this one.
 */
static enum ct_status
maker_start(struct maker *k, struct mailer *m, const struct ct_round *hdr,
            struct ct_round_group *groups, size_t count, struct ct_error *err)
{
    sigset_t all, old;
    enum ct_status st;
    size_t i;

    memset(k, 0, sizeof(*k));
    k->m = m;
    k->hdr = hdr;
    k->groups = groups;
    k->count = count;
    atomic_init(&k->next, 0);
    atomic_init(&k->waiting, false);
    atomic_init(&k->stop, false);
    if (count == 0)
        return CT_OK;
    if ((k->made = calloc(count, sizeof(*k->made))) == NULL)
        return rounds_nomem(err);
    /* Read here, before the maker runs: the links key, the members' preferences. */
    if ((st = mailer_key(m, err)) != CT_OK)
        return st;
    for (i = 0; i < count && m->cfg->invite.location_in_person; i++) {
        struct version ver;
        if (groups[i].state != CT_GROUP_PLANNED)
            continue;
        current_members(&groups[i], &ver);
        k->made[i].ver.location = pick_location(m, &ver, &k->made[i].ver.site);
    }
    pthread_mutex_init(&k->lock, NULL);
    pthread_cond_init(&k->cond, NULL);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    k->running = pthread_create(&k->thread, NULL, maker_run, k) == 0;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return CT_OK;
}

/*
 * Group i of the batch once it is made (here, if the maker has not
 * claimed it: groups are asked for in order, so all before i are
 * claimed); its error in *err.
 */
static struct made *
maker_wait(struct maker *k, size_t i, struct ct_error *err)
{
    struct made *x = &k->made[i];
    size_t unclaimed = i;

    if (atomic_load(&x->ready))
        ;
    else if (atomic_compare_exchange_strong(&k->next, &unclaimed, i + 1)) {
        x->st = make_group(k->m, k->hdr, &k->groups[i], x, err);
        return x;
    } else {
        pthread_mutex_lock(&k->lock);
        atomic_store(&k->waiting, true);
        while (!atomic_load(&x->ready))
            pthread_cond_wait(&k->cond, &k->lock);
        atomic_store(&k->waiting, false);
        pthread_mutex_unlock(&k->lock);
    }
    if (x->st != CT_OK)
        *err = k->err;
    return x;
}

/* Stop the maker, wait for it and free what it made (the groups stay the caller's). */
static void
maker_stop(struct maker *k)
{
    size_t i, r;

    if (k->running) {
        atomic_store(&k->stop, true);
        pthread_join(k->thread, NULL);
        pthread_mutex_destroy(&k->lock);
        pthread_cond_destroy(&k->cond);
    }
    for (i = 0; k->made && i < k->count; i++) {
        struct made *x = &k->made[i];
        draft_free(&x->d);
        for (r = 0; r < CT_GROUP_MAX; r++) {
            free(x->uids[r]);
            free(x->message_ids[r]);
            ct_buf_free(&x->recipes[r]);
        }
    }
    free(k->made);
    memset(k, 0, sizeof(*k));
}

/* Queue what was made for planned group g, each member's UID stored first, and mark it sent. */
static enum ct_status
send_made(struct mailer *m, const struct ct_round *hdr, struct ct_round_group *g,
          const struct made *x, struct ct_error *err)
{
    enum ct_status st = CT_OK;
    size_t r;

    for (r = 0; r < x->ver.count && st == CT_OK; r++) {
        bool claimed = true;
        if (x->uids[r])
            st = ct_replies_member_uid_claim(m->txn, g->id, x->ver.members[r]->member.id,
                                             x->uids[r], &claimed, err);
        if (st != CT_OK)
            break;
        st = claimed ? message_put(m, g, &x->ver, &x->d, r, x->message_ids[r], &x->recipes[r], err)
                     : queue_one(m, hdr->id, g, &x->ver, &x->d, r, err);
    }
    return st == CT_OK ? group_sent(m, g, err) : st;
}

/*
 * How many groups the next batch reads, after one that sent `sent` groups
 * holding the lock `elapsed` seconds: as many as fit in the budget at that
 * pace, and at most twice `sent`.
 */
static size_t
next_batch(size_t sent, double elapsed)
{
    double fit = 2.0 * (double)sent;

    if (elapsed > 0 && (double)sent * SEND_TXN_BUDGET / elapsed < fit)
        fit = (double)sent * SEND_TXN_BUDGET / elapsed;
    return fit < 1 ? 1 : (size_t)fit;
}

/*
 * One batch of the send, in its own transaction: the changes since the
 * plan honoured again (a pause between two batches is), then up to
 * `batch` planned groups after *last_id queued whole and marked sent;
 * with none left, the round becomes sent. OUT: *last_id, *done, *batch
 * (how many groups the next batch reads).
 */
static enum ct_status
send_batch(struct mailer *m, const struct ct_round *hdr, struct ct_slot_load **load, size_t *batch,
           int64_t *last_id, int64_t *seen, bool *orphaned, bool *done, struct ct_error *err)
{
    struct ct_store_group_filter filter = {
        .round_id = hdr->id, .after_id = *last_id, .batch = *batch};
    struct ct_round_group *groups = NULL;
    struct maker k;
    struct ct_round now_hdr; /* a round cancelled between two batches stops the send */
    size_t count = 0, i = 0;
    int64_t version = 0;
    enum ct_status st;

    *done = false;
    memset(&k, 0, sizeof(k));
    if ((st = ct_txn_begin(m->store, &m->txn, err)) != CT_OK)
        return st;
    /* Nobody else wrote since the last batch: nothing can have changed since its reconcile. */
    if ((st = ct_store_data_version(m->store, &version, err)) != CT_OK)
        goto out;
    if (*last_id == 0 || version != *seen)
        st =
            rounds_review_reconcile(m->txn, m->cfg, hdr, m->now, &m->counts.dropped, orphaned, err);
    if (st != CT_OK || (st = planned_round(m->store, hdr->id, &now_hdr, err)) != CT_OK ||
        (st = ct_store_groups_load(m->store, &filter, &groups, &count, err)) != CT_OK ||
        (st = maker_start(&k, m, hdr, groups, count, err)) != CT_OK)
        goto out;
    /* Whole groups until the batch is done or has held the lock for its budget. */
    for (i = 0; i < count && st == CT_OK; i++) {
        struct made *x = maker_wait(&k, i, err);
        if ((st = x->st) != CT_OK)
            break;
        if (groups[i].state == CT_GROUP_PLANNED)
            st = x->whole ? send_made(m, hdr, &groups[i], x, err)
                          : send_group(m, hdr, &groups[i], load, err);
        *last_id = groups[i].id;
        if (ct_txn_elapsed(m->txn) > SEND_TXN_BUDGET)
            break;
    }
    maker_stop(&k);
    *batch = next_batch(i < count ? i + 1 : count, ct_txn_elapsed(m->txn));
    /* The last batch: the round is sent once nobody is left to re-form. */
    if (st == CT_OK && count == 0 && !*orphaned) {
        st = ct_store_round_set_state(m->txn, hdr->id, CT_ROUND_SENT, m->now, err);
        *done = true;
    }
    if (st == CT_OK) {
        st = ct_txn_commit(m->txn, err);
        m->txn = NULL;
    }
    if (st == CT_OK)
        st = ct_store_data_version(m->store, seen, err);
out:
    maker_stop(&k);
    ct_txn_rollback(m->txn);
    m->txn = NULL;
    for (i = 0; i < count; i++)
        ct_round_group_clear(&groups[i]);
    free(groups);
    return st;
}

/*
 * Every planned group of round hdr, batch by batch; a send stopped part
 * way (a crash, or the test hook) left whole groups queued, and calling
 * this again queues the rest.
 */
static enum ct_status
send_groups(struct mailer *m, const struct ct_round *hdr, struct ct_error *err)
{
    struct timespec breath = {0, 3000000};
    size_t batch = SEND_BATCH, batches = 0, fixed = 0;
    struct ct_slot_load *load = NULL;
    enum ct_status st = CT_OK;
    int64_t last_id = 0, seen = 0;
    bool done = false, orphaned = false;
    int pages;

#ifdef CT_TEST_HOOKS
    if (ct_rounds_send_test_batch > 0)
        batch = fixed = ct_rounds_send_test_batch;
#endif
    pages = SEND_CHECKPOINT_BYTES / ct_store_page_size(m->store);
    ct_store_checkpoints_deferred(m->store, true);
    while (!done && st == CT_OK) {
        /* A breath between two batches: a writer waiting for the lock gets it now. */
        if (batches > 0) {
            ct_store_checkpoint_due(m->store, pages);
            nanosleep(&breath, NULL);
        }
        st = send_batch(m, hdr, &load, &batch, &last_id, &seen, &orphaned, &done, err);
        /* Members left without a partner: re-formed into new groups, which later batches send. */
        if (st == CT_OK && orphaned) {
            st = rounds_review_reform(m->store, m->cfg, hdr, m->now, err);
            orphaned = false;
        }
        batch = fixed ? fixed : batch < 1 ? 1 : batch > SEND_BATCH_MAX ? SEND_BATCH_MAX : batch;
        batches++;
#ifdef CT_TEST_HOOKS
        if (st == CT_OK && !done && batches == ct_rounds_send_test_stop_after)
            st = ct_error_set(err, CT_EIO, "test hook: the send stopped after batch %zu", batches);
        if (st == CT_OK && !done && ct_rounds_send_test_between)
            ct_rounds_send_test_between(ct_rounds_send_test_arg);
#endif
    }
    ct_store_checkpoint_due(m->store, 1);
    ct_store_checkpoints_deferred(m->store, false);
    ct_slot_load_free(load);
    return st;
}

/* What changed since the plan, in the words of the sent round read back (when anything did). */
static enum ct_status
sent_changes(struct ct_store *store, int64_t id, struct ct_round_changes *changes,
             struct ct_error *err)
{
    struct ct_store_round_change *v = NULL;
    struct ct_round *round = NULL;
    size_t n = 0;
    enum ct_status st = ct_store_changes_load(store, id, &v, &n, err);

    ct_store_changes_free(v, n);
    if (st != CT_OK || n == 0)
        return st;
    if ((st = ct_rounds_load(store, id, &round, err)) != CT_OK)
        return st;
    changes->items = round->changes;
    changes->count = round->change_count;
    round->changes = NULL;
    round->change_count = 0;
    ct_round_free(round);
    return CT_OK;
}

enum ct_status
ct_rounds_send(struct ct_store *store, const struct ct_config *cfg, int64_t id, int64_t now,
               struct ct_round_mail *out, struct ct_round_changes *changes, struct ct_error *err)
{
    struct mailer m = {NULL, store, cfg, now, {0}, NULL};
    struct ct_links_key key;
    struct ct_round hdr;
    enum ct_status st;
    int cache_pages = 0;

    if (out)
        memset(out, 0, sizeof(*out));
    if (changes)
        memset(changes, 0, sizeof(*changes));
    memset(&key, 0, sizeof(key));
    m.key = &key;
    /* Read outside any transaction: the round's fields (the groups come batch by batch). */
    if ((st = planned_round(store, id, &hdr, err)) != CT_OK)
        goto out;
    m.counts.groups = 0; /* count the groups invited, not the ones changed by departures */
    /*
     * Each group reads its members from all over the members table, and
     * the tables and indexes a batch writes grow at several places at
     * once: with SQLite's default 2 MB page cache that was over ten page
     * reads per message at 100,000 members. The connection's own setting
     * comes back afterwards.
     */
    cache_pages = ct_store_cache_size(store);
    ct_store_cache_size_set(store, -SEND_CACHE_KIB);
    if ((st = send_groups(&m, &hdr, err)) != CT_OK)
        goto out;
    if (changes)
        st = sent_changes(store, id, changes, err);
out:
    ct_links_key_clear(&key);
    if (cache_pages != 0)
        ct_store_cache_size_set(store, cache_pages);
    if (out)
        *out = m.counts;
    return st;
}

void
ct_round_changes_clear(struct ct_round_changes *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < c->count; i++)
        ct_round_change_clear(&c->items[i]);
    free(c->items);
    memset(c, 0, sizeof(*c));
}

enum ct_status
ct_rounds_mark_sent(struct ct_store *store, int64_t id, int64_t now, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    struct ct_round hdr;
    enum ct_status st;

    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK)
        return st;
    if ((st = planned_round(store, id, &hdr, err)) != CT_OK ||
        (st = ct_store_groups_set_state(txn, id, CT_GROUP_PLANNED, CT_GROUP_SENT, err)) != CT_OK ||
        (st = ct_store_round_set_state(txn, id, CT_ROUND_SENT, now, err)) != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    return ct_txn_commit(txn, err);
}

/* --- cancel -------------------------------------------------------------------- */

/* Send a CANCEL to every member of every sent group of round id and cancel the groups. */
static enum ct_status
cancel_sent_groups(struct mailer *m, int64_t id, struct ct_error *err)
{
    struct ct_round *round = NULL;
    enum ct_status st;
    size_t i;

    if ((st = ct_rounds_load(m->store, id, &round, err)) != CT_OK)
        return st;
    for (i = 0; i < round->group_count && st == CT_OK; i++) {
        struct ct_round_group *g = &round->groups[i];
        struct version ver;

        if (g->state != CT_GROUP_SENT)
            continue;
        memset(&ver, 0, sizeof(ver));
        current_members(g, &ver);
        ver.method = CT_INVITE_CANCEL;
        ver.sequence = g->sequence + 1;
        if ((st = queue_all(m, id, round->date, g, &ver, err)) != CT_OK)
            break;
        g->state = CT_GROUP_CANCELLED;
        g->sequence = ver.sequence;
        if ((st = ct_store_group_update(m->txn, g, err)) == CT_OK)
            m->counts.groups++;
    }
    ct_round_free(round);
    return st;
}

enum ct_status
ct_rounds_cancel(struct ct_store *store, const struct ct_config *cfg, int64_t id, int64_t now,
                 struct ct_round_mail *out, struct ct_error *err)
{
    struct mailer m = {NULL, store, cfg, now, {0}, NULL};
    struct ct_round hdr;
    enum ct_status st;

    if (out)
        memset(out, 0, sizeof(*out));
    if ((st = ct_txn_begin(store, &m.txn, err)) != CT_OK)
        return st;
    if ((st = ct_store_round_load(store, id, &hdr, err)) != CT_OK)
        goto out;
    if (hdr.state != CT_ROUND_PLANNED && hdr.state != CT_ROUND_SENT) {
        st = ct_error_set(err, CT_ESTATE, "round %" PRId64 " is already %s", id,
                          ct_round_state_str(hdr.state));
        goto out;
    }
    /* A planned round may be part-way through its send: its queued groups are cancelled too. */
    st = cancel_sent_groups(&m, id, err);
    if (st == CT_OK && hdr.state == CT_ROUND_PLANNED)
        st = ct_store_groups_set_state(m.txn, id, CT_GROUP_PLANNED, CT_GROUP_CANCELLED, err);
    if (st != CT_OK ||
        (st = ct_store_round_set_state(m.txn, id, CT_ROUND_CANCELLED, now, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(m.txn, err);
    m.txn = NULL;
out:
    ct_txn_rollback(m.txn);
    if (st != CT_OK)
        return st;
    if (out)
        *out = m.counts;
    return CT_OK;
}

/* --- a member leaves ------------------------------------------------------------- */

/* Why a member goes from a sent group: they left (or were erased), paused, or were excluded. */
enum leave_why { WHY_LEFT, WHY_PAUSED, WHY_EXCLUDED };

/* A sent group the leaver is leaving, as its messages are made. */
struct leaving {
    struct mailer *m;
    const struct ct_store_member_group *a;
    struct ct_round_group *g;
    struct version all, rest; /* everyone still in; everyone but the leaver */
    const struct ct_round_person *leaver;
    size_t leaver_index;
    bool erasing;
    enum leave_why why;
    int sequence; /* the group's next */
};

/* An excluded leaver is left alone too: told they will get someone new. */
static enum ct_status
leaver_told(struct leaving *l, struct ct_error *err)
{
    enum ct_status st =
        ct_notice_queue_partner_gone(l->m->txn, l->m->cfg, l->leaver->member.id,
                                     l->leaver->member.email, l->g->id, l->m->now, err);
    if (st == CT_OK)
        l->m->counts.messages++;
    return st;
}

/* A group of three goes on as a pair, of four as three: the leaver's copy is
 * cancelled, the others' updated. */
static enum ct_status
trio_goes_on(struct leaving *l, struct ct_error *err)
{
    const char *you = l->rest.count > 2 ? "three" : "two";
    struct version one;
    char *note;
    enum ct_status st;

    if (!l->erasing) {
        one = l->all;
        one.method = CT_INVITE_CANCEL;
        one.sequence = l->sequence;
        one.recipient_only = true;
        st = queue_message(l->m, l->a->round_id, l->a->date, l->g, &one, l->leaver_index, err);
        if (st != CT_OK)
            return st;
    }
    note = l->erasing ? ct_asprintf("One member of your group has left the coffee trial; the "
                                    "meeting goes ahead with the %s of you.",
                                    you)
           : l->why == WHY_LEFT
               ? ct_asprintf("%s has left the coffee trial; the meeting goes ahead with "
                             "the %s of you.",
                             display_name(l->leaver), you)
               : ct_asprintf("%s can't make it this time; the meeting goes ahead with the %s of "
                             "you.",
                             display_name(l->leaver), you);
    if (note == NULL)
        return rounds_nomem(err);
    l->rest.method = CT_INVITE_REQUEST;
    l->rest.sequence = l->sequence;
    l->rest.note = note;
    st = queue_all(l->m, l->a->round_id, l->a->date, l->g, &l->rest, err);
    l->rest.note = NULL;
    free(note);
    if (st != CT_OK)
        return st;
    l->g->sequence = l->sequence;
    if (l->why == WHY_EXCLUDED && (st = leaver_told(l, err)) != CT_OK)
        return st;
    return ct_store_group_update(l->m->txn, l->g, err);
}

/* A pair is off: both are told (when erasing, only the partner, without the name). */
static enum ct_status
pair_is_off(struct leaving *l, struct ct_error *err)
{
    struct ct_round_person placeholder;
    struct version one;
    enum ct_status st;
    size_t i;

    memset(&placeholder, 0, sizeof(placeholder));
    if (!l->erasing) {
        one = l->all;
        one.method = CT_INVITE_CANCEL;
        one.sequence = l->sequence;
        st = queue_message(l->m, l->a->round_id, l->a->date, l->g, &one, l->leaver_index, err);
        if (st != CT_OK)
            return st;
    }
    for (i = 0; i < l->rest.count; i++) {
        char *note =
            l->why == WHY_LEFT
                ? ct_asprintf("%s has left the coffee trial, so this meeting will not take "
                              "place. You will be paired again in a coming round.",
                              l->erasing ? "Your partner" : display_name(l->leaver))
                : ct_asprintf("Your partner can't make it this time, so this meeting will not "
                              "take place. %s",
                              l->m->cfg->pairing.rematch
                                  ? "We'll try to find you someone new: a new invitation "
                                    "follows if we do."
                                  : "You will be paired again in the next round.");
        if (note == NULL)
            return rounds_nomem(err);
        memset(&one, 0, sizeof(one));
        one.members[0] = l->rest.members[i];
        one.count = 1;
        if (l->erasing) {
            placeholder.member.name = (char *)ERASED_NAME;
            placeholder.member.email = (char *)ERASED_EMAIL;
            one.members[one.count++] = &placeholder;
            one.recipient_only = true;
        } else {
            one.members[one.count++] = l->leaver;
        }
        one.method = CT_INVITE_CANCEL;
        one.sequence = l->sequence;
        one.note = note;
        st = queue_message(l->m, l->a->round_id, l->a->date, l->g, &one, 0, err);
        free(note);
        if (st != CT_OK)
            return st;
    }
    /* Paused or excluded: the partners left alone are told they will get someone new. */
    for (i = 0; i < l->rest.count && l->why != WHY_LEFT; i++) {
        const struct ct_member *p = &l->rest.members[i]->member;
        st = ct_notice_queue_partner_gone(l->m->txn, l->m->cfg, p->id, p->email, l->g->id,
                                          l->m->now, err);
        if (st != CT_OK)
            return st;
        l->m->counts.messages++;
    }
    if (l->why == WHY_EXCLUDED && (st = leaver_told(l, err)) != CT_OK)
        return st;
    l->g->state = CT_GROUP_CANCELLED;
    l->g->sequence = l->sequence;
    return ct_store_group_update(l->m->txn, l->g, err);
}

static enum ct_status
sent_group_leave(struct mailer *m, const struct ct_store_member_group *a, int64_t member_id,
                 bool erasing, enum leave_why why, struct ct_error *err)
{
    struct ct_store_group_filter filter = {.group_id = a->group_id};
    struct ct_round_group *groups = NULL;
    struct leaving l;
    size_t count = 0, i;
    enum ct_status st;

    st = rounds_load_groups(m->store, &filter, &groups, &count, err);
    if (st != CT_OK)
        return st;
    if (count != 1) {
        st = ct_error_set(err, CT_EINTERNAL, "group %" PRId64 " vanished", a->group_id);
        goto out;
    }
    memset(&l, 0, sizeof(l));
    l.m = m;
    l.a = a;
    l.g = &groups[0];
    l.erasing = erasing;
    l.why = why;
    l.sequence = l.g->sequence + 1;
    current_members(l.g, &l.all);
    for (i = 0; i < l.all.count; i++) {
        if (l.all.members[i]->member.id == member_id) {
            l.leaver = l.all.members[i];
            l.leaver_index = i;
        } else {
            l.rest.members[l.rest.count++] = l.all.members[i];
        }
    }
    if (l.leaver == NULL)
        goto out; /* already removed */
    st = l.rest.count >= 2 ? trio_goes_on(&l, err) : pair_is_off(&l, err);
    if (st == CT_OK &&
        (st = ct_store_group_member_remove(m->txn, l.g->id, member_id, err)) == CT_OK)
        m->counts.groups++;
out:
    for (i = 0; i < count; i++)
        ct_round_group_clear(&groups[i]);
    free(groups);
    return st;
}

enum ct_status
ct_rounds_member_leave(struct ct_txn *txn, const struct ct_config *cfg, int64_t member_id,
                       bool erasing, int64_t now, struct ct_round_mail *out, struct ct_error *err)
{
    struct mailer m = {txn, ct_txn_store(txn), cfg, now, {0}, NULL};
    struct ct_store_member_group *v = NULL;
    size_t n = 0, i;
    enum ct_status st;

    if (out)
        memset(out, 0, sizeof(*out));
    st = ct_store_member_groups(m.store, member_id, &v, &n, err);
    for (i = 0; i < n && st == CT_OK; i++) {
        if (!v[i].sent)
            st = drop_planned(&m, v[i].round_id, v[i].group_id, member_id,
                              erasing ? CT_CHANGE_ERASED : CT_CHANGE_LEFT, err);
        else if (v[i].ends == 0 || v[i].ends > now)
            st = sent_group_leave(&m, &v[i], member_id, erasing, WHY_LEFT, err);
    }
    if (st == CT_OK)
        st = ct_store_unpaired_drop_member(txn, member_id, err);
    free(v);
    if (st == CT_OK && out)
        *out = m.counts;
    return st;
}

/* Whether member_id is in group group_id, of v. */
static bool
in_group(const struct ct_store_member_group *v, size_t n, int64_t group_id)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (v[i].group_id == group_id)
            return true;
    return false;
}

/* Inside m's transaction: member_id (paused) or the pair (excluded) out of their sent groups. */
static enum ct_status
withdraw(struct mailer *m, int64_t member_id, int64_t other_id, struct ct_error *err)
{
    struct ct_store_member_group *v = NULL, *w = NULL;
    size_t n = 0, nw = 0, i;
    enum ct_status st;

    st = ct_store_member_groups(m->store, member_id, &v, &n, err);
    if (st == CT_OK && other_id > 0)
        st = ct_store_member_groups(m->store, other_id, &w, &nw, err);
    for (i = 0; i < n && st == CT_OK; i++) {
        if (!v[i].sent || (v[i].ends != 0 && v[i].ends <= m->now))
            continue;
        if (other_id == 0)
            st = sent_group_leave(m, &v[i], member_id, false, WHY_PAUSED, err);
        else if (in_group(w, nw, v[i].group_id))
            st = sent_group_leave(m, &v[i], other_id, false, WHY_EXCLUDED, err);
    }
    free(v);
    free(w);
    return st;
}

enum ct_status
ct_rounds_member_withdraw(struct ct_txn *txn, const struct ct_config *cfg, int64_t member_id,
                          int64_t round_id, enum ct_round_change_kind cause, int64_t now,
                          struct ct_round_mail *out, struct ct_error *err)
{
    struct mailer m = {txn, ct_txn_store(txn), cfg, now, {0}, NULL};
    struct ct_store_member_group *v = NULL;
    size_t n = 0, i;
    enum ct_status st;

    if (out)
        memset(out, 0, sizeof(*out));
    st = ct_store_member_groups(m.store, member_id, &v, &n, err);
    for (i = 0; i < n && st == CT_OK; i++) {
        if (round_id > 0 && v[i].round_id != round_id)
            continue;
        if (!v[i].sent) {
            if (cause == CT_CHANGE_SKIPPED)
                st = drop_planned(&m, v[i].round_id, v[i].group_id, member_id, cause, err);
        } else if (v[i].ends == 0 || v[i].ends > now) {
            st = sent_group_leave(&m, &v[i], member_id, false, WHY_PAUSED, err);
        }
    }
    free(v);
    if (st == CT_OK && out)
        *out = m.counts;
    return st;
}

enum ct_status
ct_rounds_withdraw(struct ct_store *store, const struct ct_config *cfg, const char *email,
                   const char *other_email, int64_t now, struct ct_round_mail *out,
                   struct ct_error *err)
{
    struct mailer m = {NULL, store, cfg, now, {0}, NULL};
    struct ct_member *a = NULL, *b = NULL;
    enum ct_status st;

    if (out)
        memset(out, 0, sizeof(*out));
    if ((st = ct_members_find(store, email, &a, err)) != CT_OK ||
        (other_email && (st = ct_members_find(store, other_email, &b, err)) != CT_OK))
        goto out;
    if ((st = ct_txn_begin(store, &m.txn, err)) != CT_OK)
        goto out;
    if ((st = withdraw(&m, a->id, b ? b->id : 0, err)) == CT_OK) {
        st = ct_txn_commit(m.txn, err);
        m.txn = NULL;
    }
    ct_txn_rollback(m.txn);
    if (st == CT_OK && out)
        *out = m.counts;
out:
    ct_member_free(a);
    ct_member_free(b);
    return st;
}

static enum ct_status
leave_hook(void *arg, struct ct_txn *txn, int64_t member_id, bool erasing, int64_t now,
           struct ct_error *err)
{
    struct ct_rounds_leave *leave = arg;
    struct ct_round_mail mail;
    enum ct_status st;

    st = ct_rounds_member_leave(txn, leave->cfg, member_id, erasing, now, &mail, err);
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
