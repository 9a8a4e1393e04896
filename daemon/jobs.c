/*
 * jobs.c: the work coffeetriald's loop runs, and the schedule's decisions:
 * at each occurrence of [schedule] rrule refresh the roster, plan the
 * round (or adopt one the organiser planned by hand for that date), and
 * send it once the review period is over, unless the organiser cancelled
 * or replanned it meanwhile. After downtime only the latest missed
 * occurrence is planned. Decisions live in the meta table, so a restart
 * or a --once run carries on where the last one stopped.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon_state.h"
#include "jobs.h"
#include "log.h"
#include "outbox.h"
#include "rematch.h"
#include "transport.h"
#include "util.h"

/* The action context for a job run at now (d->tick between units of work). */
static struct ct_action_ctx
action_ctx(struct ct_daemon *d, int64_t now)
{
    struct ct_action_ctx ctx = {
        .cfg = d->cfg,
        .store = d->store,
        .now = now,
        .tick = d->tick,
        .tick_arg = d->tick_arg,
    };

    return ctx;
}

/* Failures worth retrying soon: the next attempt may well succeed. */
static bool
transient(enum ct_status st)
{
    return st == CT_ETEMP || st == CT_EBUSY || st == CT_EIO || st == CT_EUNAVAIL || st == CT_ENOMEM;
}

/* Parse "DATE@SEND_AT,..." into d->pending; unreadable entries are dropped with a warning. */
static void
pending_parse(struct ct_daemon *d, const char *text)
{
    const char *p = text;

    d->npending = 0;
    while (p && *p && d->npending < CT_PENDING_MAX) {
        struct ct_pending_send *ps = &d->pending[d->npending];
        long long at;
        int used = 0;

        if (sscanf(p, "%10[0-9-]@%lld%n", ps->date, &at, &used) == 2 && strlen(ps->date) == 10 &&
            (p[used] == ',' || p[used] == '\0')) {
            ps->send_at = (int64_t)at;
            d->npending++;
        } else {
            ct_log_warnx("meta %s: ignoring unreadable entry in '%s'",
                         ct_daemon_state_key(CT_DSTATE_PENDING), text);
        }
        p = strchr(p, ',');
        if (p)
            p++;
    }
}

/* d->pending as "DATE@SEND_AT,..." in b. */
static enum ct_status
pending_format(const struct ct_daemon *d, struct ct_buf *b, struct ct_error *err)
{
    int i;

    ct_buf_init(b);
    ct_buf_puts(b, "");
    for (i = 0; i < d->npending; i++)
        ct_buf_printf(b, "%s%s@%" PRId64, i ? "," : "", d->pending[i].date, d->pending[i].send_at);
    if (b->failed) {
        ct_buf_free(b);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    return CT_OK;
}

/* Record the pending sends, and with handled > 0 the occurrence handled, in one transaction. */
static enum ct_status
pending_save(struct ct_daemon *d, int64_t handled, struct ct_error *err)
{
    struct ct_daemon_fact_value values[2];
    char handled_text[32];
    struct ct_buf b;
    enum ct_status st;
    size_t n = 0;

    st = pending_format(d, &b, err);
    if (st != CT_OK)
        return st;
    if (handled > 0) {
        snprintf(handled_text, sizeof(handled_text), "%" PRId64, handled);
        values[n++] = (struct ct_daemon_fact_value){CT_DSTATE_HANDLED, handled_text};
    }
    values[n++] = (struct ct_daemon_fact_value){CT_DSTATE_PENDING, b.data};
    st = ct_daemon_state_set(d->store, values, n, err);
    ct_buf_free(&b);
    return st;
}

static void
pending_remove(struct ct_daemon *d, int i)
{
    memmove(&d->pending[i], &d->pending[i + 1],
            (size_t)(d->npending - i - 1) * sizeof(d->pending[0]));
    d->npending--;
}

static void
pending_add(struct ct_daemon *d, const char *date, int64_t send_at)
{
    int i;

    for (i = 0; i < d->npending; i++) {
        if (strcmp(d->pending[i].date, date) == 0) {
            d->pending[i].send_at = send_at;
            return;
        }
    }
    if (d->npending == CT_PENDING_MAX) {
        ct_log_warnx("more than %d rounds await their review period; no longer sending the "
                     "round of %s automatically",
                     CT_PENDING_MAX, d->pending[0].date);
        pending_remove(d, 0);
    }
    snprintf(d->pending[d->npending].date, sizeof(d->pending[0].date), "%s", date);
    d->pending[d->npending].send_at = send_at;
    d->npending++;
}

enum ct_status
ct_daemon_schedule_compile(const struct ct_config *cfg, const char *start_fallback,
                           struct ct_schedule **out, char *start_used, struct ct_error *err)
{
    const char *start = cfg->schedule.start ? cfg->schedule.start : start_fallback;
    enum ct_status st;

    st = ct_schedule_new(cfg->schedule.rrule, start, cfg->schedule.time_minutes,
                         cfg->network.timezone, out, err);
    if (st == CT_OK && start_used)
        snprintf(start_used, 11, "%s", start);
    return st;
}

/* The first occurrence of schedule after t, CT_NEVER if none. */
static int64_t
next_or_never(const struct ct_schedule *schedule, int64_t t)
{
    int64_t occ;

    return ct_schedule_next(schedule, t, &occ, NULL) == CT_OK ? occ : CT_NEVER;
}

/*
 * Compare the schedule in force with the one recorded in meta. When the
 * rule, start, time or zone changed (by a reload, or while the daemon was
 * stopped), the new rule counts from now: an occurrence it has between the
 * last one handled and now was never anybody's plan, so it is no catch-up.
 */
static enum ct_status
adopt_rule(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    const struct ct_config *cfg = d->cfg;
    char *rule = NULL, *recorded = NULL;
    enum ct_status st;

    rule = ct_asprintf("%s|%s|%02d:%02d|%s", cfg->schedule.rrule, d->schedule_start,
                       cfg->schedule.time_minutes / 60, cfg->schedule.time_minutes % 60,
                       cfg->network.timezone);
    if (rule == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_daemon_state_get(d->store, CT_DSTATE_RULE, &recorded, err);
    if (st != CT_OK || (recorded && strcmp(recorded, rule) == 0))
        goto done;
    if (recorded && next_or_never(d->schedule, d->handled) <= now) {
        ct_log_info("the schedule changed; occurrences of the new one before now are not planned");
        st = ct_daemon_state_set_time(d->store, CT_DSTATE_HANDLED, now, err);
        if (st != CT_OK)
            goto done;
        d->handled = now;
    }
    st =
        ct_daemon_state_set(d->store, &(struct ct_daemon_fact_value){CT_DSTATE_RULE, rule}, 1, err);
done:
    free(rule);
    free(recorded);
    return st;
}

enum ct_status
ct_daemon_schedule_replace(struct ct_daemon *d, struct ct_schedule *schedule, const char *start,
                           int64_t now, struct ct_error *err)
{
    ct_schedule_free(d->schedule);
    d->schedule = schedule;
    snprintf(d->schedule_start, sizeof(d->schedule_start), "%s", start);
    return adopt_rule(d, now, err);
}

enum ct_status
ct_daemon_schedule_init(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    char *start = NULL, *pending = NULL;
    char today[11];
    bool found;
    enum ct_status st;

    st = ct_daemon_state_get(d->store, CT_DSTATE_START, &start, err);
    if (st != CT_OK)
        goto done;
    if (start == NULL) {
        /* First run: today, in the network's calendar, anchors the rule. */
        st = ct_schedule_zone_date(d->cfg->network.timezone, now, today, err);
        if (st != CT_OK)
            goto done;
        /* Recorded even when [schedule] start is set, in case it is removed later. */
        st = ct_daemon_state_set(d->store, &(struct ct_daemon_fact_value){CT_DSTATE_START, today},
                                 1, err);
        if (st != CT_OK)
            goto done;
        start = strdup(today);
        if (start == NULL) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            goto done;
        }
    }
    snprintf(d->start_fallback, sizeof(d->start_fallback), "%s", start);
    st = ct_daemon_schedule_compile(d->cfg, start, &d->schedule, d->schedule_start, err);
    if (st != CT_OK)
        goto done;

    st = ct_daemon_state_get_time(d->store, CT_DSTATE_HANDLED, &d->handled, &found, err);
    if (st != CT_OK)
        goto done;
    if (!found) {
        /*
         * First run. Without [schedule] start, nothing before this moment
         * is due; with an explicit start, the latest occurrence since then
         * is the one catch-up.
         */
        d->handled = d->cfg->schedule.start ? 0 : now;
        st = ct_daemon_state_set_time(d->store, CT_DSTATE_HANDLED, d->handled, err);
        if (st != CT_OK)
            goto done;
    }
    st = adopt_rule(d, now, err);
    if (st != CT_OK)
        goto done;
    st = ct_daemon_state_get(d->store, CT_DSTATE_PENDING, &pending, err);
    if (st != CT_OK)
        goto done;
    pending_parse(d, pending);
    st = ct_daemon_state_get_time(d->store, CT_DSTATE_ROSTER, &d->roster_refreshed_at, &found, err);
    if (st != CT_OK)
        goto done;
    st = ct_daemon_state_get_time(d->store, CT_DSTATE_IMAP, &d->imap_polled_at, &found, err);
done:
    free(start);
    free(pending);
    return st;
}

/* Record that occ is handled, with the pending sends, in one transaction. */
static enum ct_status
mark_handled(struct ct_daemon *d, int64_t occ, struct ct_error *err)
{
    enum ct_status st = pending_save(d, occ, err);

    if (st == CT_OK)
        d->handled = occ;
    return st;
}

/* "https://user:secret@host/x" is logged as "https://host/x". */
static void
redact_source(const char *source, char *out, size_t size)
{
    const char *scheme = strstr(source, "://");
    const char *at, *slash;

    if (scheme == NULL) {
        snprintf(out, size, "%s", source);
        return;
    }
    at = strchr(scheme + 3, '@');
    slash = strchr(scheme + 3, '/');
    if (at == NULL || (slash && slash < at)) {
        snprintf(out, size, "%s", source);
        return;
    }
    snprintf(out, size, "%.*s%s", (int)(scheme + 3 - source), source, at + 1);
}

static enum ct_status
roster_refresh_now(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    struct ct_action_ctx ctx = action_ctx(d, now);
    char source[512];
    enum ct_status st;

    redact_source(d->cfg->roster.source, source, sizeof(source));
    st = d->actions->roster_refresh(&ctx, err);
    if (st != CT_OK)
        return ct_error_prefix(err, "roster refresh from %s failed (keeping the last good roster)",
                               source);
    ct_log_info("roster refreshed from %s", source);
    d->roster_refreshed_at = now;
    return ct_daemon_state_set_time(d->store, CT_DSTATE_ROSTER, now, err);
}

/*
 * The occurrence occ is here (or is the one catch-up): refresh the roster,
 * then plan the round unless the organiser already has one for that date.
 */
static enum ct_status
handle_occurrence(struct ct_daemon *d, int64_t occ, int64_t now, struct ct_error *err)
{
    const struct ct_config *cfg = d->cfg;
    struct ct_action_ctx ctx;
    struct ct_error rerr;
    char date[11], when[17];
    enum ct_round_state state;
    int64_t send_at = (occ > now ? occ : now) + cfg->schedule.review_period;
    int64_t id = 0;
    enum ct_status st;

    ct_schedule_local_date(d->schedule, occ, date);
    ct_schedule_local_time(d->schedule, send_at, when);
    /* Unless the roster job refreshed it this very pass. */
    if (cfg->roster.source && d->actions->roster_refresh && d->roster_refreshed_at < now) {
        ct_error_clear(&rerr);
        if (roster_refresh_now(d, now, &rerr) != CT_OK)
            ct_log_warnx("%s", rerr.message);
    }

    st = ct_daemon_state_round(d->store, date, false, &id, &state, err);
    if (st == CT_OK && state == CT_ROUND_PLANNED) {
        ct_log_info("round %" PRId64 " for %s is already planned; sending it at %s unless the "
                    "organiser cancels or replans it",
                    id, date, when);
        pending_add(d, date, send_at);
        return mark_handled(d, occ, err);
    }
    if (st == CT_OK && state != CT_ROUND_REPLACED) {
        ct_log_info("round %" PRId64 " for %s was %s by the organiser; not planning another", id,
                    date, ct_round_state_str(state));
        return mark_handled(d, occ, err);
    }
    if (st != CT_OK && st != CT_ENOTFOUND)
        return st;

    if (d->actions->round_plan == NULL) {
        st = mark_handled(d, occ, err);
        if (st != CT_OK)
            return st;
        return ct_error_set(err, CT_EUNAVAIL,
                            "cannot plan the round for %s: round planning is not available in "
                            "this build; plan it with `coffeetrial round plan --date %s`",
                            date, date);
    }
    ctx = action_ctx(d, now);
    st = d->actions->round_plan(&ctx, date, send_at, &id, err);
    if (st != CT_OK) {
        ct_error_prefix(err, "planning the round for %s", date);
        if (transient(st))
            return st; /* occ stays unhandled: retried after a back-off */
        (void)mark_handled(d, occ, &rerr);
        return st;
    }
    ct_log_info("planned round %" PRId64 " for %s; sending it at %s unless the organiser "
                "cancels or replans it",
                id, date, when);
    pending_add(d, date, send_at);
    return mark_handled(d, occ, err);
}

/* --- schedule job: plan at each occurrence, one catch-up after downtime --- */

static const char *
schedule_unavailable(struct ct_daemon *d, bool *missing)
{
    /* Adopting rounds planned by hand works even without round planning. */
    return NULL;
}

static int64_t
schedule_next_due(struct ct_daemon *d, int64_t now)
{
    int64_t occ;

    if (ct_schedule_next(d->schedule, d->handled, &occ, NULL) != CT_OK)
        return CT_NEVER;
    return occ;
}

static enum ct_status
schedule_run(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    int64_t occ, first;
    size_t due = 0;
    char date[11], first_date[11], when[17];
    enum ct_status st;

    st = ct_schedule_latest(d->schedule, now, &occ, err);
    if (st == CT_ENOTFOUND || (st == CT_OK && occ <= d->handled))
        return CT_OK;
    if (st != CT_OK)
        return st;
    (void)ct_schedule_between(d->schedule, d->handled, occ, &first, 1, &due, NULL);
    ct_schedule_local_date(d->schedule, occ, date);
    ct_schedule_local_time(d->schedule, occ, when);
    if (due > 1) {
        ct_schedule_local_date(d->schedule, first, first_date);
        ct_log_warnx("%zu scheduled rounds (%s to %s) passed while coffeetriald was not "
                     "running; planning only the latest, %s",
                     due, first_date, date, date);
    } else if (now - occ > 60) {
        ct_log_info("catching up: the round scheduled for %s passed while coffeetriald was not "
                    "running",
                    when);
    }
    return handle_occurrence(d, occ, now, err);
}

/* --- send job: planned rounds whose review period is over --- */

static const char *
send_unavailable(struct ct_daemon *d, bool *missing)
{
    if (d->actions->round_send)
        return NULL;
    *missing = true;
    return "sending planned rounds is not available in this build";
}

static int64_t
send_next_due(struct ct_daemon *d, int64_t now)
{
    int64_t due = CT_NEVER;
    int i;

    for (i = 0; i < d->npending; i++)
        if (d->pending[i].send_at < due)
            due = d->pending[i].send_at;
    return due;
}

static enum ct_status
send_run(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    enum ct_status result = CT_OK, st;
    struct ct_action_ctx ctx;
    struct ct_error rerr;
    enum ct_round_state state;
    int64_t id;
    int i = 0;

    while (i < d->npending) {
        struct ct_pending_send *ps = &d->pending[i];

        if (ps->send_at > now) {
            i++;
            continue;
        }
        if (now - ps->send_at > d->cfg->schedule.meeting_window) {
            /* Invitations for a meeting window that is over help nobody. */
            ct_log_warnx("not sending the round for %s: it was due %" PRId64 " days ago, past "
                         "its meeting window",
                         ps->date, (now - ps->send_at) / 86400);
            pending_remove(d, i);
            continue;
        }
        ct_error_clear(&rerr);
        st = ct_daemon_state_round(d->store, ps->date, true, &id, &state, &rerr);
        if (st == CT_ENOTFOUND) {
            if (ct_daemon_state_round(d->store, ps->date, false, &id, &state, &rerr) == CT_OK)
                ct_log_info("round %" PRId64 " for %s was %s by the organiser; nothing to send", id,
                            ps->date, ct_round_state_str(state));
            else
                ct_log_info("no round for %s any more; nothing to send", ps->date);
            pending_remove(d, i);
            continue;
        }
        if (st == CT_OK) {
            ctx = action_ctx(d, now);
            st = d->actions->round_send(&ctx, id, &rerr);
        }
        if (st == CT_OK) {
            ct_log_info("sent round %" PRId64 " for %s: its invitations are queued", id, ps->date);
            pending_remove(d, i);
        } else if (transient(st)) {
            if (result == CT_OK) {
                result = st;
                ct_error_set(err, st, "sending the round for %s: %s", ps->date, rerr.message);
            }
            i++;
        } else {
            ct_log_error("sending the round for %s: %s", ps->date, rerr.message);
            pending_remove(d, i);
        }
    }
    st = pending_save(d, 0, result == CT_OK ? err : &rerr);
    return result != CT_OK ? result : st;
}

/* --- outbox job: deliveries and retries --- */

static const char *
outbox_unavailable(struct ct_daemon *d, bool *missing)
{
    if (d->actions->outbox_flush)
        return NULL;
    *missing = true;
    return "delivering the outbox is not available in this build";
}

/* When the earliest queued message is due; CT_NEVER if the outbox is empty. */
static int64_t
outbox_next_due(struct ct_daemon *d, int64_t now)
{
    struct ct_error err;
    int64_t due;
    bool found;

    ct_error_clear(&err);
    if (ct_outbox_next_due(d->store, &due, &found, &err) != CT_OK) {
        ct_log_warnx("%s", err.message);
        return CT_NEVER;
    }
    return found ? due : CT_NEVER;
}

static enum ct_status
outbox_run(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    struct ct_action_ctx ctx = action_ctx(d, now);

    return d->actions->outbox_flush(&ctx, err);
}

/* --- roster job: [roster] source every [roster] refresh --- */

static const char *
roster_unavailable(struct ct_daemon *d, bool *missing)
{
    if (d->cfg->roster.source == NULL)
        return "[roster] source is not set";
    if (d->actions->roster_refresh)
        return NULL;
    *missing = true;
    return "refreshing the roster from [roster] source is not available in this build";
}

static int64_t
roster_next_due(struct ct_daemon *d, int64_t now)
{
    if (d->cfg->roster.refresh <= 0)
        return d->roster_refreshed_at ? CT_NEVER : now;
    return d->roster_refreshed_at + d->cfg->roster.refresh;
}

static enum ct_status
roster_run(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    return roster_refresh_now(d, now, err);
}

/* --- imap job: replies every [imap] poll_interval --- */

static const char *
imap_unavailable(struct ct_daemon *d, bool *missing)
{
    if (d->cfg->imap.url == NULL)
        return "[imap] url is not set";
    if (d->actions->imap_poll)
        return NULL;
    *missing = true;
    return "reading replies over IMAP is not available in this build";
}

static int64_t
imap_next_due(struct ct_daemon *d, int64_t now)
{
    return d->imap_polled_at + (d->cfg->imap.poll_interval > 0 ? d->cfg->imap.poll_interval : 60);
}

static enum ct_status
imap_run(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    struct ct_action_ctx ctx = action_ctx(d, now);
    enum ct_status st = d->actions->imap_poll(&ctx, err);

    if (st != CT_OK)
        return st;
    d->imap_polled_at = now;
    return ct_daemon_state_set_time(d->store, CT_DSTATE_IMAP, now, err);
}

/* --- rematch job: partners left alone, every REMATCH_EVERY when [pairing] rematch = yes --- */

/* How often the daemon looks for members left alone in sent rounds. */
#define REMATCH_EVERY (15 * 60)

static const char *
rematch_unavailable(struct ct_daemon *d, bool *missing)
{
    if (!d->cfg->pairing.rematch)
        return "[pairing] rematch = no";
    if (d->actions->rounds_rematch)
        return NULL;
    *missing = true;
    return "re-matching partners left alone is not available in this build";
}

/* Every REMATCH_EVERY while a sent round's re-match window is open; else never. */
static int64_t
rematch_next_due(struct ct_daemon *d, int64_t now)
{
    struct ct_error err;
    bool open = false;

    ct_error_clear(&err);
    if (ct_rounds_rematch_pending(d->store, d->cfg, now, &open, &err) != CT_OK) {
        ct_log_warnx("%s", err.message);
        return CT_NEVER;
    }
    return open ? d->rematched_at + REMATCH_EVERY : CT_NEVER;
}

static enum ct_status
rematch_run(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    struct ct_action_ctx ctx = action_ctx(d, now);
    enum ct_status st = d->actions->rounds_rematch(&ctx, err);

    if (st == CT_OK)
        d->rematched_at = now;
    return st;
}

/* --- messages job: welcome, reminder, check-in every MESSAGES_EVERY when [messages] asks --- */

#define MESSAGES_EVERY (15 * 60)

static const char *
messages_unavailable(struct ct_daemon *d, bool *missing)
{
    const struct ct_config *cfg = d->cfg;

    if (!cfg->messages.welcome && cfg->messages.reminder_before <= 0 &&
        cfg->messages.checkin_after <= 0)
        return "[messages] welcome, reminder_before and checkin_after are all off";
    if (d->actions->lifecycle_send)
        return NULL;
    *missing = true;
    return "lifecycle messages to members are not available in this build";
}

static int64_t
messages_next_due(struct ct_daemon *d, int64_t now)
{
    (void)now;
    return d->messaged_at + MESSAGES_EVERY;
}

static enum ct_status
messages_run(struct ct_daemon *d, int64_t now, struct ct_error *err)
{
    struct ct_action_ctx ctx = action_ctx(d, now);
    char date[11] = "";
    int64_t occ = 0;
    enum ct_status st;

    if (d->schedule && ct_schedule_next(d->schedule, now, &occ, NULL) == CT_OK)
        ct_schedule_local_date(d->schedule, occ, date);
    else
        occ = 0;
    st = d->actions->lifecycle_send(&ctx, occ, date, err);
    if (st == CT_OK)
        d->messaged_at = now;
    return st;
}

/*
 * The order matters when several are due at once: a fresh roster before
 * planning, planning before sending (review_period = 0 sends at once),
 * sending before delivering the outbox; re-matching last, after the replies
 * (its messages go out at the outbox's next turn, due at once).
 */
const struct ct_job ct_daemon_jobs[] = {
    {"roster", roster_unavailable, roster_next_due, roster_run},
    {"schedule", schedule_unavailable, schedule_next_due, schedule_run},
    {"send", send_unavailable, send_next_due, send_run},
    {"outbox", outbox_unavailable, outbox_next_due, outbox_run},
    {"imap", imap_unavailable, imap_next_due, imap_run},
    {"rematch", rematch_unavailable, rematch_next_due, rematch_run},
    {"messages", messages_unavailable, messages_next_due, messages_run},
};
const int ct_daemon_njobs = (int)CT_ARRAY_LEN(ct_daemon_jobs);

/* How many messages wait in the outbox, -1 if unknown. */
static long
outbox_queued(struct ct_daemon *d)
{
    struct ct_error err;
    long n;

    return ct_outbox_pending(d->store, &n, &err) == CT_OK ? n : -1;
}

void
ct_daemon_put_news(struct ct_buf *b, struct ct_daemon *d, int64_t now)
{
    char when[17];
    int64_t occ;
    long queued;
    int i;

    (void)now;
    if (ct_schedule_next(d->schedule, d->handled, &occ, NULL) == CT_OK) {
        ct_schedule_local_time(d->schedule, occ, when);
        ct_buf_printf(b, "next round %s %s", when, ct_schedule_zone(d->schedule));
    } else {
        ct_buf_puts(b, "no further rounds scheduled");
    }
    for (i = 0; i < d->npending; i++) {
        ct_schedule_local_time(d->schedule, d->pending[i].send_at, when);
        ct_buf_printf(b, ", round %s in review until %s", d->pending[i].date, when);
    }
    queued = outbox_queued(d);
    if (queued >= 0)
        ct_buf_printf(b, ", %ld message%s queued", queued, queued == 1 ? "" : "s");
}

void
ct_daemon_put_path(struct ct_buf *b, const char *path)
{
    char cwd[4096];

    if (path[0] != '/' && getcwd(cwd, sizeof(cwd)) != NULL)
        ct_buf_printf(b, "%s%s", cwd, strcmp(cwd, "/") == 0 ? "" : "/");
    ct_buf_puts(b, path);
}

void
ct_daemon_put_transport(struct ct_buf *b, const struct ct_config *cfg)
{
    switch (cfg->transport.kind) {
    case CT_TRANSPORT_SMTP: ct_buf_puts(b, cfg->smtp.url ? cfg->smtp.url : "(no url)"); return;
    case CT_TRANSPORT_HTTP: ct_buf_puts(b, cfg->http.url ? cfg->http.url : "(no url)"); return;
    case CT_TRANSPORT_SPOOL: break;
    }
    ct_daemon_put_path(b, cfg->spool.dir);
}

void
ct_daemon_status(struct ct_daemon *d, int64_t now, char *out, size_t size)
{
    struct ct_buf b;

    ct_buf_init(&b);
    ct_buf_printf(&b, "%s to ", ct_transport_kind_name(d->cfg->transport.kind));
    ct_daemon_put_transport(&b, d->cfg);
    ct_buf_puts(&b, ", database ");
    ct_daemon_put_path(&b, d->store ? ct_store_path(d->store) : d->cfg->store.path);
    ct_buf_puts(&b, "; ");
    ct_daemon_put_news(&b, d, now);
    snprintf(out, size, "%s", b.data && !b.failed ? b.data : "running");
    ct_buf_free(&b);
}
