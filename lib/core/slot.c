/*
 * slot.c: proposing a meeting time inside every member's working hours,
 * spread across the meeting window; see slot.h. Determinism comes from a
 * hash of (seed, group key) of our own, so it does not depend on any other
 * random source.
 */
#include "slot.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"
#include "util.h"
#include "validate.h"

/* The longest window a load table covers: a sanity bound, not a policy. */
#define MAX_SPAN_SECONDS (INT64_C(400) * 86400)

static int64_t
floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
}

static int64_t
round_up(int64_t t, int64_t step)
{
    return -floor_div(-t, step) * step;
}

/* FNV-1a over a string (NULL hashes like ""). */
static uint64_t
hash_str(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);

    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

struct ct_slot_load *
ct_slot_load_new(int64_t from, int64_t to)
{
    struct ct_slot_load *load;
    int64_t origin, end;

    if (to < from || to - from > MAX_SPAN_SECONDS)
        return NULL;
    origin = floor_div(from, CT_SLOT_STEP) * CT_SLOT_STEP;
    end = round_up(to, CT_SLOT_STEP);
    load = calloc(1, sizeof(*load));
    if (load == NULL)
        return NULL;
    load->origin = origin;
    load->cells = (size_t)((end - origin) / CT_SLOT_STEP);
    load->booked = calloc(load->cells ? load->cells : 1, sizeof(*load->booked));
    if (load->booked == NULL) {
        free(load);
        return NULL;
    }
    return load;
}

/* Zones whose intervals a load keeps; more are computed every time. */
#define HOURS_KEPT 32

struct ct_slot_zone_hours {
    char *zone;
    struct ct_worktime worktime; /* by value: members may set their own hours */
    int64_t from, to;
    struct ct_interval *v;
    size_t n;
};

void
ct_slot_load_free(struct ct_slot_load *load)
{
    size_t i;

    if (load == NULL)
        return;
    for (i = 0; i < load->hours_count; i++) {
        free(load->hours[i].zone);
        free(load->hours[i].v);
    }
    free(load->hours);
    free(load->booked);
    free(load);
}

/* The cells [*first, *last) of load that [start, start + duration) touches. */
static void
cells_of(const struct ct_slot_load *load, int64_t start, int64_t duration, size_t *first,
         size_t *last)
{
    int64_t a = floor_div(start - load->origin, CT_SLOT_STEP);
    int64_t b = -floor_div(-(start + duration - load->origin), CT_SLOT_STEP);

    if (a < 0)
        a = 0;
    if (b > (int64_t)load->cells)
        b = (int64_t)load->cells;
    if (b < a)
        b = a;
    *first = (size_t)a;
    *last = (size_t)b;
}

void
ct_slot_load_add(struct ct_slot_load *load, int64_t start, int64_t duration)
{
    size_t i, first, last;

    if (load == NULL || duration <= 0)
        return;
    cells_of(load, start, duration, &first, &last);
    for (i = first; i < last; i++)
        if (load->booked[i] < UINT32_MAX)
            load->booked[i]++;
}

static uint64_t
load_cost(const struct ct_slot_load *load, int64_t start, int64_t duration)
{
    size_t i, first, last;
    uint64_t cost = 0;

    if (load == NULL)
        return 0;
    cells_of(load, start, duration, &first, &last);
    for (i = first; i < last; i++)
        cost += load->booked[i];
    return cost;
}

static const char *
zone_of(const struct ct_slot_query *q, size_t i)
{
    const char *z = q->zones ? q->zones[i] : NULL;
    if (z == NULL)
        z = q->network_zone;
    return z ? z : "UTC";
}

/* A copy of v[0 .. n) (OUT: *out), NULL when out of memory. */
static struct ct_interval *
intervals_dup(const struct ct_interval *v, size_t n)
{
    struct ct_interval *c = malloc((n + 1) * sizeof(*c));

    if (c != NULL && n > 0)
        memcpy(c, v, n * sizeof(*c));
    return c;
}

/* Member i's working hours: their own (q->worktimes[i]) or everyone's. */
static const struct ct_worktime *
worktime_of(const struct ct_slot_query *q, size_t i)
{
    return q->worktimes && q->worktimes[i] ? q->worktimes[i] : q->worktime;
}

static bool
same_worktime(const struct ct_worktime *a, const struct ct_worktime *b)
{
    return a->start_minutes == b->start_minutes && a->end_minutes == b->end_minutes &&
           a->days == b->days;
}

/* Members i and j work the same hours in the same zone. */
static bool
same_hours(const struct ct_slot_query *q, size_t i, size_t j)
{
    return strcmp(zone_of(q, i), zone_of(q, j)) == 0 &&
           same_worktime(worktime_of(q, i), worktime_of(q, j));
}

/* The working intervals of hours wt in zone within [from, to) (OUT: *own,
 * *count, the caller frees *own), from load's store when computed before. */
static enum ct_status
zone_hours(const struct ct_worktime *wt, struct ct_slot_load *load, const char *zone, int64_t from,
           int64_t to, struct ct_interval **own, size_t *count, struct ct_error *err)
{
    struct ct_slot_zone_hours *h;
    enum ct_status st;
    size_t i;

    for (i = 0; load != NULL && i < load->hours_count; i++) {
        h = &load->hours[i];
        if (same_worktime(&h->worktime, wt) && h->from == from && h->to == to &&
            strcmp(h->zone, zone) == 0) {
            *count = h->n;
            *own = intervals_dup(h->v, h->n);
            return *own ? CT_OK : ct_error_set(err, CT_ENOMEM, "out of memory");
        }
    }
    st = ct_worktime_intervals(zone, wt, from, to, own, count, err);
    if (st != CT_OK || load == NULL || load->hours_count >= HOURS_KEPT)
        return st;
    if (load->hours == NULL && (load->hours = calloc(HOURS_KEPT, sizeof(*load->hours))) == NULL)
        return CT_OK; /* nothing kept: computed again next time */
    h = &load->hours[load->hours_count];
    h->zone = strdup(zone);
    h->v = intervals_dup(*own, *count);
    if (h->zone == NULL || h->v == NULL) {
        free(h->zone);
        free(h->v);
        return CT_OK;
    }
    h->worktime = *wt;
    h->from = from;
    h->to = to;
    h->n = *count;
    load->hours_count++;
    return CT_OK;
}

/* Intersect *common (n entries) with the working hours of member i, in
 * place; load (may be NULL) keeps each zone's hours for the next group. */
static enum ct_status
narrow_to_zone(const struct ct_slot_query *q, struct ct_slot_load *load, size_t i, int64_t from,
               int64_t to, struct ct_interval **common, size_t *n, struct ct_error *err)
{
    struct ct_interval *own = NULL, *both = NULL;
    size_t count = 0;
    enum ct_status st;

    st = zone_hours(worktime_of(q, i), load, zone_of(q, i), from, to, &own, &count, err);
    if (st != CT_OK)
        return st;
    if (*common == NULL) {
        *common = own;
        *n = count;
        return CT_OK;
    }
    both = calloc(*n + count + 1, sizeof(*both));
    if (both == NULL) {
        free(own);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    *n = ct_intervals_intersect(*common, *n, own, count, both);
    free(own);
    free(*common);
    *common = both;
    return CT_OK;
}

/* Has the interval list room for a meeting starting on a step? */
static bool
has_room(const struct ct_interval *v, size_t n, int64_t duration)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (round_up(v[i].start, CT_SLOT_STEP) + duration <= v[i].end)
            return true;
    return false;
}

/*
 * Explain an empty result: name the first two members whose hours never
 * overlap long enough, or else say the whole group does not.
 */
static enum ct_status
explain_no_slot(const struct ct_slot_query *q, int64_t from, int64_t to, struct ct_error *err)
{
    char d1[16], d2[16];
    size_t i, j;
    long minutes = (long)(q->duration / 60);

    ct_format_date((int32_t)floor_div(from, 86400), d1);
    ct_format_date((int32_t)floor_div(to - 1, 86400), d2);
    for (i = 0; i < q->zone_count; i++) {
        for (j = i + 1; j < q->zone_count; j++) {
            struct ct_interval *v = NULL;
            size_t n = 0;
            bool room;

            if (same_hours(q, i, j))
                continue;
            if (narrow_to_zone(q, NULL, i, from, to, &v, &n, NULL) != CT_OK ||
                narrow_to_zone(q, NULL, j, from, to, &v, &n, NULL) != CT_OK) {
                free(v);
                continue;
            }
            room = has_room(v, n, q->duration);
            free(v);
            if (!room && strcmp(zone_of(q, i), zone_of(q, j)) == 0)
                return ct_error_set(err, CT_ENOTFOUND,
                                    "no %ld-minute slot between %s and %s inside the working "
                                    "hours of two members (in %s) who set their own hours",
                                    minutes, d1, d2, zone_of(q, i));
            if (!room)
                return ct_error_set(err, CT_ENOTFOUND,
                                    "no %ld-minute slot between %s and %s inside working hours "
                                    "in both %s and %s",
                                    minutes, d1, d2, zone_of(q, i), zone_of(q, j));
        }
    }
    return ct_error_set(err, CT_ENOTFOUND,
                        "no %ld-minute slot between %s and %s inside the working hours of every "
                        "member of the group",
                        minutes, d1, d2);
}

enum ct_status
ct_slot_find(const struct ct_slot_query *q, struct ct_slot_load *load, int64_t *start,
             struct ct_error *err)
{
    struct ct_interval *common = NULL;
    size_t n = 0, i, j, best_count = 0, pick;
    uint64_t best_cost = UINT64_MAX;
    int64_t from, to, s;
    enum ct_status st = CT_OK;

    *start = 0;
    if (q == NULL || q->zone_count == 0 || q->worktime == NULL || q->duration <= 0)
        return ct_error_set(err, CT_EUSAGE,
                            "slot query needs members, working hours and a "
                            "positive duration");
    if (q->window_end <= q->window_start)
        return ct_error_set(err, CT_EUSAGE, "empty meeting window");
    if (q->window_end - q->window_start > MAX_SPAN_SECONDS)
        return ct_error_set(err, CT_EUSAGE, "meeting window longer than 400 days");
    from = q->window_start > q->not_before ? q->window_start : q->not_before;
    from = round_up(from, CT_SLOT_STEP);
    to = q->window_end;
    if (from + q->duration > to) {
        char d[16];
        ct_format_date((int32_t)floor_div(to - 1, 86400), d);
        return ct_error_set(err, CT_ENOTFOUND, "the meeting window ended on %s", d);
    }

    /* The group's common working time: each distinct zone and hours narrows it once. */
    for (i = 0; i < q->zone_count; i++) {
        bool seen = false;
        for (j = 0; j < i && !seen; j++)
            seen = same_hours(q, i, j);
        if (seen)
            continue;
        st = narrow_to_zone(q, load, i, from, to, &common, &n, err);
        if (st != CT_OK)
            goto done;
    }

    /* Pass 1: the lowest load among feasible starts, and how many share it. */
    for (i = 0; i < n; i++) {
        for (s = round_up(common[i].start, CT_SLOT_STEP); s + q->duration <= common[i].end;
             s += CT_SLOT_STEP) {
            uint64_t cost = load_cost(load, s, q->duration);
            if (cost < best_cost) {
                best_cost = cost;
                best_count = 0;
            }
            if (cost == best_cost)
                best_count++;
        }
    }
    if (best_count == 0) {
        st = explain_no_slot(q, from, to, err);
        goto done;
    }

    /* Pass 2: the pick-th of them, pick fixed by (seed, key). */
    pick = (size_t)(ct_rng_splitmix(q->seed ^ ct_rng_splitmix(hash_str(q->key))) % best_count);
    for (i = 0; i < n; i++) {
        for (s = round_up(common[i].start, CT_SLOT_STEP); s + q->duration <= common[i].end;
             s += CT_SLOT_STEP) {
            if (load_cost(load, s, q->duration) != best_cost)
                continue;
            if (pick-- == 0) {
                *start = s;
                ct_slot_load_add(load, s, q->duration);
                goto done;
            }
        }
    }
    st = ct_error_set(err, CT_EINTERNAL, "slot search lost its candidate");
done:
    free(common);
    return st;
}
