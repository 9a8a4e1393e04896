/*
 * member_actions.c: members acting for themselves (member_actions.h):
 * each call is one transaction (begin, load the member, decide, write,
 * log, commit), and doing a thing twice changes nothing the second time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "member_actions.h"
#include "members.h"
#include "outcomes.h"
#include "rounds.h"
#include "store_actions.h"
#include "store_members.h"
#include "store_rounds.h"
#include "tz.h"
#include "util.h"
#include "validate.h"

/* One call's transaction and the member it is about. */
struct act {
    struct ct_txn *txn;
    struct ct_member member;
    bool changed; /* the call changed something (else the log says "no change") */
};

/* Begin the call's transaction and load member_id: CT_ENOTFOUND if unknown or erased. */
static enum ct_status
act_begin(struct ct_store *store, int64_t member_id, enum ct_via via, struct act *a,
          struct ct_error *err)
{
    enum ct_status st;

    memset(a, 0, sizeof(*a));
    if (via < CT_VIA_PAGE || via > CT_VIA_ORGANISER)
        return ct_error_set(err, CT_EUSAGE, "via: not page, reply or organiser");
    if ((st = ct_txn_begin(store, &a->txn, err)) != CT_OK)
        return st;
    st = ct_store_member_get(ct_txn_store(a->txn), member_id, &a->member, err);
    if (st == CT_OK && a->member.status == CT_MEMBER_ERASED)
        st = CT_ENOTFOUND;
    if (st == CT_ENOTFOUND)
        return ct_error_set(err, CT_ENOTFOUND, "no member %" PRId64, member_id);
    return st;
}

/* Log the call (detail, or "no change" when nothing changed) and commit; or roll back. */
static enum ct_status
act_end(struct act *a, enum ct_status st, enum ct_log_action action, const char *detail,
        enum ct_via via, int64_t round_id, int64_t group_id, int64_t now, struct ct_error *err)
{
    char *line = NULL;

    if (st == CT_OK) {
        line = a->changed ? NULL
                          : ct_asprintf("%s%sno change", detail ? detail : "", detail ? "; " : "");
        if (!a->changed && line == NULL)
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    if (st == CT_OK)
        st = ct_store_action_log_add(a->txn, a->member.id, action, a->changed ? detail : line, via,
                                     round_id, group_id, now, err);
    if (st == CT_OK) {
        st = ct_txn_commit(a->txn, err);
        a->txn = NULL;
    }
    free(line);
    ct_txn_rollback(a->txn);
    ct_member_clear(&a->member);
    return st;
}

static enum ct_status
refuse_stopped(const struct act *a, struct ct_error *err)
{
    return ct_error_set(err, CT_ESTATE,
                        "member %" PRId64 " has left the network; resume them first", a->member.id);
}

/* ---- skip ------------------------------------------------------------------- */

/* The round a skip names must exist and still be planned or sent. */
static enum ct_status
skip_round_check(struct ct_store *store, int64_t round_id, struct ct_error *err)
{
    struct ct_round r;
    enum ct_status st;

    if ((st = ct_store_round_load(store, round_id, &r, err)) != CT_OK)
        return st == CT_ENOTFOUND ? ct_error_set(err, st, "no round %" PRId64, round_id) : st;
    if (r.state == CT_ROUND_CANCELLED || r.state == CT_ROUND_REPLACED)
        return ct_error_set(err, CT_ESTATE, "round %" PRId64 " was %s", round_id,
                            ct_round_state_str(r.state));
    return CT_OK;
}

enum ct_status
ct_action_skip(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
               int64_t round_id, enum ct_via via, int64_t now, struct ct_error *err)
{
    struct ct_round_mail mail = {0};
    struct act a;
    char detail[48];
    bool added = false;
    enum ct_status st;

    if (round_id < 0)
        return ct_error_set(err, CT_EUSAGE, "round: not a round number");
    st = act_begin(store, member_id, via, &a, err);
    if (st == CT_OK && a.member.status == CT_MEMBER_LEFT)
        st = refuse_stopped(&a, err);
    if (st == CT_OK && round_id > 0)
        st = skip_round_check(ct_txn_store(a.txn), round_id, err);
    if (st == CT_OK)
        st = ct_store_skip_add(a.txn, member_id, round_id, via, now, &added, err);
    if (st == CT_OK && round_id > 0)
        st = ct_rounds_member_withdraw(a.txn, cfg, member_id, round_id, CT_CHANGE_SKIPPED, now,
                                       &mail, err);
    a.changed = added || (round_id > 0 && (mail.groups > 0 || mail.dropped > 0));
    if (round_id > 0)
        snprintf(detail, sizeof(detail), "round %" PRId64, round_id);
    else
        snprintf(detail, sizeof(detail), "the next round");
    return act_end(&a, st, CT_LOG_SKIP, detail, via, round_id, 0, now, err);
}

/* ---- pause, stop, resume ------------------------------------------------------ */

/* Today in the network's zone at now, as days since 1970-01-01. */
static int32_t
network_day(const struct ct_config *cfg, int64_t now)
{
    struct icaltimetype t =
        icaltime_from_timet_with_zone((time_t)now, 1, ct_tz_or_utc(cfg->network.timezone));
    return ct_days_from_civil(t.year, t.month, t.day);
}

enum ct_status
ct_action_pause(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                int32_t until_day, enum ct_via via, int64_t now, struct ct_error *err)
{
    struct ct_round_mail mail = {0};
    char until[11] = "", detail[32];
    struct act a;
    enum ct_status st;

    if (until_day < 0 || (until_day > 0 && until_day <= network_day(cfg, now)))
        return ct_error_set(err, CT_EUSAGE, "until: the pause must end after today");
    if (until_day > 0)
        ct_format_date(until_day, until);
    st = act_begin(store, member_id, via, &a, err);
    if (st == CT_OK && a.member.status == CT_MEMBER_LEFT)
        st = refuse_stopped(&a, err);
    if (st == CT_OK) {
        const char *old = a.member.paused_until ? a.member.paused_until : "";
        a.changed = a.member.status != CT_MEMBER_PAUSED || strcmp(old, until) != 0;
    }
    if (st == CT_OK && a.changed)
        st = ct_store_member_set_status(a.txn, member_id, CT_MEMBER_PAUSED,
                                        until_day > 0 ? until : NULL, now, err);
    if (st == CT_OK)
        st = ct_rounds_member_withdraw(a.txn, cfg, member_id, 0, CT_CHANGE_PAUSED, now, &mail, err);
    snprintf(detail, sizeof(detail), "until %s", until_day > 0 ? until : "resumed");
    return act_end(&a, st, CT_LOG_PAUSE, detail, via, 0, 0, now, err);
}

enum ct_status
ct_action_stop(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
               enum ct_via via, int64_t now, struct ct_error *err)
{
    struct act a;
    enum ct_status st;

    st = act_begin(store, member_id, via, &a, err);
    a.changed = st == CT_OK && a.member.status != CT_MEMBER_LEFT;
    if (a.changed &&
        (st = ct_rounds_member_leave(a.txn, cfg, member_id, false, now, NULL, err)) == CT_OK)
        st = ct_store_member_set_status(a.txn, member_id, CT_MEMBER_LEFT, NULL, now, err);
    return act_end(&a, st, CT_LOG_STOP, NULL, via, 0, 0, now, err);
}

enum ct_status
ct_action_resume(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                 enum ct_via via, int64_t now, struct ct_error *err)
{
    char detail[32] = "";
    struct act a;
    enum ct_status st;

    (void)cfg;
    st = act_begin(store, member_id, via, &a, err);
    a.changed = st == CT_OK && a.member.status != CT_MEMBER_ACTIVE;
    if (a.changed) {
        snprintf(detail, sizeof(detail), "was %s", ct_member_status_str(a.member.status));
        st = ct_store_member_set_status(a.txn, member_id, CT_MEMBER_ACTIVE, NULL, now, err);
    }
    return act_end(&a, st, CT_LOG_RESUME, a.changed ? detail : NULL, via, 0, 0, now, err);
}

/* ---- preferences -------------------------------------------------------------- */

/* The names of the fields that differ between a and b, into b ("timezone, intro"). */
static void
changed_fields(const struct ct_prefs *a, const struct ct_prefs *b, struct ct_buf *out)
{
    static const char *const names[] = {"working_hours", "working_days", "timezone", "frequency",
                                        "mode",          "intro",        "greeting"};
    const char *sa[] = {a->working_hours, a->working_days, a->timezone, NULL, NULL,
                        a->intro,         a->greeting};
    const char *sb[] = {b->working_hours, b->working_days, b->timezone, NULL, NULL,
                        b->intro,         b->greeting};
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(names); i++) {
        bool differ = i == 3   ? a->frequency != b->frequency
                      : i == 4 ? a->mode != b->mode
                               : !((sa[i] == NULL && sb[i] == NULL) ||
                                   (sa[i] && sb[i] && strcmp(sa[i], sb[i]) == 0));
        if (differ)
            ct_buf_printf(out, "%s%s", out->len ? ", " : "", names[i]);
    }
}

enum ct_status
ct_action_prefs_set(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                    const struct ct_prefs *p, enum ct_via via, int64_t now, struct ct_error *err)
{
    struct ct_prefs old;
    struct ct_buf fields;
    struct act a;
    enum ct_status st;

    (void)cfg;
    if (p == NULL)
        return ct_error_set(err, CT_EUSAGE, "preferences: none given");
    if ((st = ct_prefs_validate(p, err)) != CT_OK)
        return st;
    ct_prefs_init(&old);
    ct_buf_init(&fields);
    st = act_begin(store, member_id, via, &a, err);
    if (st == CT_OK)
        st = ct_store_prefs_get(ct_txn_store(a.txn), member_id, &old, NULL, err);
    if (st == CT_OK && !ct_prefs_equal(&old, p)) {
        a.changed = true;
        changed_fields(&old, p, &fields);
        st = ct_store_prefs_put(a.txn, member_id, p, now, err);
    }
    if (st == CT_OK && fields.failed)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    st = act_end(&a, st, CT_LOG_PREFERENCES, fields.len ? fields.data : NULL, via, 0, 0, now, err);
    ct_buf_free(&fields);
    ct_prefs_free(&old);
    return st;
}

enum ct_status
ct_action_prefs_get(struct ct_store *store, int64_t member_id, struct ct_prefs *out,
                    struct ct_error *err)
{
    struct ct_member m;
    enum ct_status st;

    ct_prefs_init(out);
    if ((st = ct_store_member_get(store, member_id, &m, err)) != CT_OK && st != CT_ENOTFOUND)
        return st;
    if (st == CT_ENOTFOUND || m.status == CT_MEMBER_ERASED) {
        if (st == CT_OK)
            ct_member_clear(&m);
        return ct_error_set(err, CT_ENOTFOUND, "no member %" PRId64, member_id);
    }
    ct_member_clear(&m);
    return ct_store_prefs_get(store, member_id, out, NULL, err);
}

/* ---- check-ins ---------------------------------------------------------------- */

static enum ct_status
checkin_check(enum ct_checkin c, int rating, const char *note, struct ct_error *err)
{
    size_t len = note ? strlen(note) : 0;

    if (c < CT_CHECKIN_MET || c > CT_CHECKIN_NOT_MET)
        return ct_error_set(err, CT_EUSAGE, "met: not met, moved or not_met");
    if (rating < 0 || rating > 5)
        return ct_error_set(err, CT_EUSAGE, "rating: 1 to 5, or none");
    if (note && (len > CT_OUTCOME_NOTE_MAX || ct_check_utf8(note, len) != NULL ||
                 ct_find_forbidden_char(note, len, true) >= 0))
        return ct_error_set(err, CT_EUSAGE,
                            "note: at most %d bytes of UTF-8 text without control characters",
                            CT_OUTCOME_NOTE_MAX);
    return CT_OK;
}

/* The member's seat in group_id must be a sent group they are still in. */
static enum ct_status
checkin_seat(struct ct_store *store, int64_t member_id, int64_t group_id, struct ct_error *err)
{
    struct ct_checkin_seat seat;
    enum ct_status st = ct_store_checkin_seat(store, member_id, group_id, &seat, err);

    if (st != CT_OK)
        return st;
    if (!seat.group_found || !seat.member_in_group)
        return ct_error_set(err, CT_ENOTFOUND, "member %" PRId64 " was not in group %" PRId64,
                            member_id, group_id);
    if (seat.state == CT_GROUP_PLANNED || seat.round_state == CT_ROUND_PLANNED)
        return ct_error_set(err, CT_ESTATE, "group %" PRId64 " has not been sent yet", group_id);
    if (seat.state == CT_GROUP_CANCELLED || seat.round_state == CT_ROUND_CANCELLED)
        return ct_error_set(err, CT_ESTATE, "group %" PRId64 " was cancelled", group_id);
    if (seat.removed)
        return ct_error_set(err, CT_ESTATE,
                            "member %" PRId64 " left group %" PRId64 " before it met", member_id,
                            group_id);
    return CT_OK;
}

/*
 * The group's outcome from all its check-ins, as the survey import joins
 * several members' rows: met if any says met, else not met if any says
 * so, else (only "moved") none; the mean rating, the notes joined.
 */
static enum ct_status
checkin_outcome(struct ct_txn *txn, int64_t group_id, int64_t now, struct ct_error *err)
{
    struct ct_checkin_row *v = NULL;
    struct ct_buf notes;
    size_t n = 0, i, rated = 0;
    int met = -1, sum = 0;
    enum ct_status st;

    ct_buf_init(&notes);
    st = ct_store_checkins_load(ct_txn_store(txn), group_id, 0, &v, &n, err);
    for (i = 0; i < n && st == CT_OK; i++) {
        if (v[i].met == CT_CHECKIN_MET)
            met = 1;
        else if (v[i].met == CT_CHECKIN_NOT_MET && met < 0)
            met = 0;
        if (v[i].rating > 0) {
            sum += v[i].rating;
            rated++;
        }
        if (v[i].note && *v[i].note)
            ct_buf_printf(&notes, "%s%s", notes.len ? "\n" : "", v[i].note);
    }
    if (st == CT_OK && notes.failed)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    if (st == CT_OK)
        st = ct_store_checkin_outcome_set(txn, group_id, met,
                                          rated ? (int)((sum + (int)rated / 2) / (int)rated) : 0,
                                          notes.len ? notes.data : NULL, now, err);
    ct_buf_free(&notes);
    ct_store_checkins_free(v, n);
    return st;
}

enum ct_status
ct_action_checkin(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                  int64_t group_id, enum ct_checkin c, int rating, const char *note,
                  enum ct_via via, int64_t now, struct ct_error *err)
{
    struct ct_checkin_row row;
    char detail[64];
    struct act a;
    enum ct_status st;
    int64_t round_id = 0;

    (void)cfg;
    if ((st = checkin_check(c, rating, note, err)) != CT_OK)
        return st;
    st = act_begin(store, member_id, via, &a, err);
    if (st == CT_OK)
        st = checkin_seat(ct_txn_store(a.txn), member_id, group_id, err);
    if (st == CT_OK) {
        struct ct_checkin_seat seat;
        if (ct_store_checkin_seat(ct_txn_store(a.txn), member_id, group_id, &seat, err) == CT_OK)
            round_id = seat.round_id;
        memset(&row, 0, sizeof(row));
        row.member_id = member_id;
        row.group_id = group_id;
        row.met = c;
        row.rating = rating;
        row.note = (char *)note;
        row.via = via;
        st = ct_store_checkin_put(a.txn, &row, now, &a.changed, err);
    }
    if (st == CT_OK && a.changed)
        st = checkin_outcome(a.txn, group_id, now, err);
    if (rating > 0)
        snprintf(detail, sizeof(detail), "%s, rating %d", ct_checkin_str(c), rating);
    else
        snprintf(detail, sizeof(detail), "%s", ct_checkin_str(c));
    return act_end(&a, st, CT_LOG_CHECKIN, detail, via, round_id, group_id, now, err);
}

/* ---- the member ---------------------------------------------------------------- */

enum ct_status
ct_action_member(struct ct_store *store, int64_t member_id, struct ct_member **out,
                 struct ct_error *err)
{
    struct ct_member *m;
    enum ct_status st;

    *out = NULL;
    if ((m = calloc(1, sizeof(*m))) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_store_member_get(store, member_id, m, err);
    if (st == CT_OK && m->status == CT_MEMBER_ERASED)
        st = CT_ENOTFOUND;
    if (st == CT_ENOTFOUND)
        st = ct_error_set(err, CT_ENOTFOUND, "no member %" PRId64, member_id);
    if (st != CT_OK) {
        ct_member_free(m);
        return st;
    }
    *out = m;
    return CT_OK;
}

enum ct_status
ct_action_log_list(struct ct_store *store, int64_t member_id, struct ct_action_entry **out,
                   size_t *count, struct ct_error *err)
{
    return ct_store_action_log_load(store, member_id, out, count, err);
}

/* ---- the organiser's view ------------------------------------------------------------ */

void
ct_action_round_clear(struct ct_action_round *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->skip_count; i++)
        free(r->skips[i].email);
    for (i = 0; i < r->checkin_count; i++) {
        free(r->checkins[i].email);
        free(r->checkins[i].note);
    }
    free(r->skips);
    free(r->checkins);
    free(r->disagree);
    memset(r, 0, sizeof(*r));
}

/* member_id's address (NULL once erased). CT_ENOMEM only. */
static enum ct_status
email_of(struct ct_store *store, int64_t member_id, char **email, struct ct_error *err)
{
    struct ct_member m;
    enum ct_status st = ct_store_member_get(store, member_id, &m, err);

    *email = NULL;
    if (st == CT_ENOTFOUND)
        return CT_OK;
    if (st != CT_OK)
        return st;
    *email = m.email;
    m.email = NULL;
    ct_member_clear(&m);
    return CT_OK;
}

/* The check-ins of r, and each group whose members said both met and not met. */
static enum ct_status
round_checkins(struct ct_store *store, int64_t round_id, struct ct_action_round *r,
               struct ct_error *err)
{
    struct ct_checkin_row *v = NULL;
    size_t n = 0, i, j;
    enum ct_status st;

    if ((st = ct_store_checkins_load(store, 0, round_id, &v, &n, err)) != CT_OK)
        return st;
    r->checkins = calloc(n + 1, sizeof(*r->checkins));
    r->disagree = calloc(n + 1, sizeof(*r->disagree));
    if (r->checkins == NULL || r->disagree == NULL)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    for (i = 0; i < n && st == CT_OK; i++) {
        struct ct_action_round_checkin *c = &r->checkins[r->checkin_count++];
        bool met = false, not_met = false;

        c->group_id = v[i].group_id;
        c->member_id = v[i].member_id;
        c->answer = v[i].met;
        c->rating = v[i].rating;
        c->note = v[i].note;
        v[i].note = NULL;
        c->via = v[i].via;
        c->at = v[i].at;
        st = email_of(store, v[i].member_id, &c->email, err);
        if (i + 1 < n && v[i + 1].group_id == v[i].group_id)
            continue;
        for (j = 0; j <= i; j++) /* the group's rows end at i */
            if (v[j].group_id == v[i].group_id) {
                met = met || v[j].met == CT_CHECKIN_MET;
                not_met = not_met || v[j].met == CT_CHECKIN_NOT_MET;
            }
        if (met && not_met)
            r->disagree[r->disagree_count++] = v[i].group_id;
    }
    ct_store_checkins_free(v, n);
    return st;
}

enum ct_status
ct_action_round_load(struct ct_store *store, int64_t round_id, struct ct_action_round *out,
                     struct ct_error *err)
{
    struct ct_skip_row *skips = NULL;
    struct ct_action_counts *counts = NULL;
    size_t nskips = 0, ncounts = 0, i;
    enum ct_status st;

    memset(out, 0, sizeof(*out));
    st = ct_store_skips_round(store, round_id, &skips, &nskips, err);
    if (st == CT_OK && (out->skips = calloc(nskips + 1, sizeof(*out->skips))) == NULL)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    for (i = 0; i < nskips && st == CT_OK; i++) {
        struct ct_action_round_skip *k = &out->skips[out->skip_count++];
        k->member_id = skips[i].member_id;
        k->via = skips[i].via;
        k->at = skips[i].at;
        st = email_of(store, k->member_id, &k->email, err);
    }
    if (st == CT_OK)
        st = round_checkins(store, round_id, out, err);
    if (st == CT_OK)
        st = ct_store_action_counts(store, &counts, &ncounts, err);
    for (i = 0; i < ncounts && st == CT_OK; i++)
        if (counts[i].round_id == round_id)
            out->rematched = counts[i].rematches;
    free(counts);
    free(skips);
    if (st != CT_OK)
        ct_action_round_clear(out);
    return st;
}

enum ct_status
ct_action_counts_load(struct ct_store *store, struct ct_action_counts **out, size_t *count,
                      struct ct_error *err)
{
    return ct_store_action_counts(store, out, count, err);
}
