/*
 * rounds.c: planning a round (the store's planning data in, the snapshot
 * and the engine's groups with proposed slots out, written in one
 * transaction), and reading rounds back for show and list. Sending,
 * cancelling and members leaving are in rounds_mail.c; the snapshot is
 * rounds_snapshot.c, the engine adapter rounds_engine.c. Calls go one way:
 * from here to those.
 */
#include "rounds.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <libical/ical.h>

#include "invite.h"
#include "members.h"
#include "rc_survey.h"
#include "rounds_snapshot.h"
#include "schedule.h"
#include "slot.h"
#include "store_actions.h"
#include "store_members.h"
#include "store_rounds.h"
#include "tz.h"
#include "validate.h"

/*
 * The page cache while planning. A planned round at 100,000 members writes
 * some 30 MB of groups, members and explanations, and checks each member
 * row against the members table: with SQLite's default 2 MB cache the
 * transaction spills dirty pages to the WAL and reads the same pages over
 * and over (75,000 reads instead of 15,000).
 */
#define PLAN_CACHE_KIB 65536

/*
 * The database file mapped while planning, up to this many bytes: the
 * members are read in place instead of copied page by page (0.15 s of the
 * 0.4 s it takes to read 100,000 members).
 */
#define PLAN_MMAP_BYTES ((int64_t)256 << 20)

/* --- planning ------------------------------------------------------------------- */

/* A seed from the system, below 2^53 so that every JSON reader keeps it exact. */
static enum ct_status
random_seed(uint64_t *seed, struct ct_error *err)
{
    uint64_t v = 0;

    if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
        return ct_error_set(err, CT_EIO, "cannot read a random seed: %s", strerror(errno));
    v &= (UINT64_C(1) << 53) - 1;
    *seed = v ? v : 1;
    return CT_OK;
}

/* date (YYYY-MM-DD) at minutes after local midnight in zone tz, as Unix seconds. */
int64_t
rounds_local_instant(const char *date, int minutes, const char *tz)
{
    icaltimezone *zone = ct_tz_or_utc(tz);
    struct icaltimetype t = icaltime_null_time();
    int y = 0, mo = 0, d = 0;

    sscanf(date, "%4d-%2d-%2d", &y, &mo, &d);
    t.year = y;
    t.month = mo;
    t.day = d;
    t.hour = minutes / 60;
    t.minute = minutes % 60;
    t.is_date = 0;
    return (int64_t)icaltime_as_timet_with_zone(t, zone);
}

/*
 * A new round for opts->date (today in the network's zone if NULL), not yet
 * planned. OUT: *round, *day and *today_day (day numbers).
 */
static enum ct_status
plan_start(const struct ct_config *cfg, const struct ct_round_plan_options *opts, int64_t now,
           struct ct_round **round, int32_t *day, int32_t *today_day, struct ct_error *err)
{
    char today[11];
    const char *bad;
    enum ct_status st;
    struct ct_round *r;

    *round = NULL;
    st = ct_schedule_zone_date(cfg->network.timezone, now, today, err);
    if (st != CT_OK)
        return st;
    if (opts->date && (bad = ct_parse_date(opts->date, day)) != NULL)
        return ct_error_set(err, CT_EUSAGE, "date '%s': %s", opts->date, bad);
    (void)ct_parse_date(today, today_day);
    if (opts->date == NULL)
        *day = *today_day;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return rounds_nomem(err);
    ct_format_date(*day, r->date);
    r->dry_run = opts->dry_run;
    r->exact = opts->exact;
    r->created_at = now;
    r->send_after = opts->send_after;
    r->state = CT_ROUND_PLANNED;
    r->origin = opts->origin;
    r->seed = opts->seed;
    if (r->seed == 0 && (st = random_seed(&r->seed, err)) != CT_OK) {
        ct_round_free(r);
        return st;
    }
    *round = r;
    return CT_OK;
}

/* The latest Relational Coordination wave's strengths, into the snapshot. */
static enum ct_status
plan_add_rc(struct ct_store *store, const struct ct_config *cfg, struct rounds_snapshot *snap,
            struct ct_error *err)
{
    struct ct_rc_link *links = NULL;
    size_t count = 0;
    char date[11];
    enum ct_status st = ct_rc_latest(store, date, &links, &count, err);

    if (st == CT_OK)
        st = rounds_snapshot_add_rc(snap, cfg->roster.org_aliases, date, links, count, err);
    ct_rc_links_free(links, count);
    return st;
}

/* Build the round from the engine's outcome; unless a dry run, write it in txn as it is built. */
static enum ct_status
plan_build(const struct ct_config *cfg, struct rounds_snapshot *snap, struct rounds_outcome *oc,
           int64_t first_group_id, int64_t now, struct ct_round *round, struct ct_txn *txn,
           struct ct_error *err)
{
    if (round->dry_run)
        return rounds_build(cfg, snap, oc, first_group_id, now, round, err);
    return rounds_build_write(cfg, snap, oc, first_group_id, now, round, txn, err);
}

/*
 * Inside the transaction txn: check the date is free, then run the engine
 * and build the round, written unless a dry run.
 */
static enum ct_status
plan_compute(struct ct_store *store, struct ct_txn *txn, const struct ct_config *cfg, int32_t day,
             int64_t now, struct ct_round *round, struct ct_error *err)
{
    struct ct_store_planning planning;
    struct rounds_snapshot snap;
    struct rounds_outcome oc;
    int64_t start, sent_id = 0, *skipping = NULL;
    size_t skipping_count = 0;
    enum ct_status st;

    memset(&planning, 0, sizeof(planning));
    memset(&snap, 0, sizeof(snap));
    memset(&oc, 0, sizeof(oc));
    if (!round->dry_run) {
        if ((st = ct_store_round_find(store, round->date, CT_ROUND_SENT, &sent_id, err)) != CT_OK)
            return st;
        if (sent_id > 0)
            return ct_error_set(err, CT_ESTATE,
                                "round %" PRId64 " for %s was already sent; to plan that date "
                                "again, cancel it first (coffeetrial round cancel %" PRId64 ")",
                                sent_id, round->date, sent_id);
    }
    start = round->send_after > 0 ? round->send_after
                                  : rounds_local_instant(round->date, cfg->schedule.time_minutes,
                                                         cfg->network.timezone) +
                                        cfg->schedule.review_period;
    rounds_window(cfg, start, now, &round->window_start, &round->window_end);
    if ((st = rounds_snapshot_load(store, cfg, &planning, day, round->window_start,
                                   round->window_end, &snap, err)) == CT_OK &&
        (st = ct_store_skips_for_date(store, round->date, &skipping, &skipping_count, err)) ==
            CT_OK &&
        (st = rounds_snapshot_skip(&snap, skipping, skipping_count)) == CT_OK &&
        (st = plan_add_rc(store, cfg, &snap, err)) == CT_OK &&
        (st = rounds_engine_plan(&snap, cfg, round->seed, round->exact, &oc, err)) == CT_OK &&
        (st = plan_build(cfg, &snap, &oc, planning.next_group_id, now, round, txn, err)) == CT_OK) {
        round->eligible = oc.eligible;
        round->optimal = oc.optimal;
    }
    ct_store_planning_clear(&planning);
    rounds_snapshot_clear(&snap);
    rounds_outcome_clear(&oc);
    free(skipping);
    return st;
}

enum ct_status
ct_rounds_plan(struct ct_store *store, const struct ct_config *cfg,
               const struct ct_round_plan_options *opts, int64_t now, struct ct_round **out,
               struct ct_error *err)
{
    struct ct_round *round = NULL;
    struct ct_txn *txn = NULL;
    int32_t day = 0, today_day = 0;
    int cache_pages = 0;
    int64_t mmap_bytes = -1;
    bool fk_off = false;
    enum ct_status st;
    size_t i;

    *out = NULL;
    if ((st = plan_start(cfg, opts, now, &round, &day, &today_day, err)) != CT_OK)
        return st;
    /* Pauses that ended come off first, as their own small transaction. */
    if (!opts->dry_run &&
        (st = ct_members_expire_pauses(store, today_day, now, NULL, err)) != CT_OK)
        goto out;
    if (!opts->lean) {
        cache_pages = ct_store_cache_size(store);
        ct_store_cache_size_set(store, -PLAN_CACHE_KIB);
        mmap_bytes = ct_store_mmap_size(store);
        ct_store_mmap_size_set(store, PLAN_MMAP_BYTES);
    }
    /*
     * The round's rows refer to the round, its groups and members read in
     * the same transaction, so they hold by construction: the store does
     * not check each row's references (a quarter of the write's time).
     */
    if (!opts->dry_run && ct_store_foreign_keys(store)) {
        ct_store_foreign_keys_set(store, false);
        fk_off = true;
    }
    /* One transaction from reading to writing; a dry run rolls it back. */
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK ||
        (st = plan_compute(store, txn, cfg, day, now, round, err)) != CT_OK)
        goto out;
    if (opts->dry_run) {
        /* Nothing is written: the ids the plan would take are not the round's. */
        for (i = 0; i < round->group_count; i++)
            round->groups[i].id = 0;
        goto out;
    }
    /* Skips of "the next round" are this round's from now on. */
    if ((st = ct_store_skips_bind(txn, round->id, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
out:
    ct_txn_rollback(txn);
    if (cache_pages != 0)
        ct_store_cache_size_set(store, cache_pages);
    if (mmap_bytes >= 0)
        ct_store_mmap_size_set(store, mmap_bytes);
    if (fk_off)
        ct_store_foreign_keys_set(store, true);
    if (st != CT_OK) {
        ct_round_free(round);
        return st;
    }
    *out = round;
    return CT_OK;
}

/* --- reading rounds back ------------------------------------------------------------ */

enum ct_status
rounds_load_groups(struct ct_store *store, const struct ct_store_group_filter *filter,
                   struct ct_round_group **groups, size_t *count, struct ct_error *err)
{
    struct ct_round_group *v = NULL;
    enum ct_status st;
    size_t n = 0, i;

    *groups = NULL;
    *count = 0;
    if ((st = ct_store_groups_load(store, filter, &v, &n, err)) != CT_OK)
        return st;
    for (i = 0; i < n && st == CT_OK; i++)
        st = rounds_group_explain(&v[i], err);
    if (st != CT_OK) {
        for (i = 0; i < n; i++)
            ct_round_group_clear(&v[i]);
        free(v);
        return st;
    }
    *groups = v;
    *count = n;
    return CT_OK;
}

enum ct_status
ct_rounds_load(struct ct_store *store, int64_t id, struct ct_round **out, struct ct_error *err)
{
    struct ct_store_group_filter filter = {.round_id = id};
    struct ct_round *round;
    enum ct_status st;
    size_t i;

    *out = NULL;
    round = calloc(1, sizeof(*round));
    if (round == NULL)
        return rounds_nomem(err);
    if ((st = ct_store_round_load(store, id, round, err)) != CT_OK ||
        (st = rounds_load_groups(store, &filter, &round->groups, &round->group_count, err)) !=
            CT_OK ||
        (st = ct_store_unpaired_load(store, id, &round->unpaired, &round->unpaired_count, err)) !=
            CT_OK ||
        (st = rounds_review_load(store, round, err)) != CT_OK) {
        ct_round_free(round);
        return st;
    }
    round->eligible = round->unpaired_count;
    for (i = 0; i < round->group_count; i++)
        round->eligible += round->groups[i].member_count;
    *out = round;
    return CT_OK;
}

enum ct_status
ct_rounds_list(struct ct_store *store, struct ct_round_list **out, struct ct_error *err)
{
    struct ct_round_list *list;
    enum ct_status st;

    *out = NULL;
    list = calloc(1, sizeof(*list));
    if (list == NULL)
        return rounds_nomem(err);
    st = ct_store_rounds_list(store, &list->items, &list->count, err);
    if (st != CT_OK) {
        ct_round_list_free(list);
        return st;
    }
    *out = list;
    return CT_OK;
}

void
ct_round_list_free(struct ct_round_list *list)
{
    if (list == NULL)
        return;
    free(list->items);
    free(list);
}
