/*
 * slot.h: proposing a meeting time for a group. The slot lies inside the
 * round's meeting window, on a working day and inside every member's working
 * hours in their own zone, never in the past, and spread across the window so
 * that a whole network is not booked into the same hour. Pure logic: no I/O.
 */
#ifndef CT_SLOT_H
#define CT_SLOT_H

#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "worktime.h"

/* Slots start on UTC multiples of this (":00" and ":30" in nearly every zone). */
#define CT_SLOT_STEP 1800

/*
 * How many meetings already cover each 30-minute cell of a window. Slot
 * finding prefers the least booked cells and books the one it picks, so
 * the groups of a round, placed one after the other, spread out.
 */
struct ct_slot_zone_hours; /* slot.c: a zone's working intervals, kept for the next group */

struct ct_slot_load {
    int64_t origin;   /* start of cell 0, a multiple of CT_SLOT_STEP */
    size_t cells;     /* number of cells */
    uint32_t *booked; /* meetings touching each cell */
    /* The zones' working intervals computed so far: a round has a few zones
     * and thousands of groups (private to slot.c). */
    struct ct_slot_zone_hours *hours;
    size_t hours_count;
};

/*
 * A load table covering [from, to) (widened to whole cells), all cells
 * empty. NULL on allocation failure or if the span is absurd (> 400 days).
 */
struct ct_slot_load *ct_slot_load_new(int64_t from, int64_t to);
void ct_slot_load_free(struct ct_slot_load *load);

/* Count a meeting [start, start + duration) already booked; the parts
 * outside the table are ignored. */
void ct_slot_load_add(struct ct_slot_load *load, int64_t start, int64_t duration);

/* What ct_slot_find needs to know about one group. Every pointer is borrowed. */
struct ct_slot_query {
    const char *const *zones; /* each member's IANA zone; a NULL entry means network_zone */
    size_t zone_count;        /* members in the group, >= 1 */
    const char *network_zone; /* IANA; NULL means UTC */
    const struct ct_worktime *worktime;
    /* Each member's own hours (zone_count entries); NULL, or a NULL entry: worktime. */
    const struct ct_worktime *const *worktimes;
    int64_t window_start; /* the round's meeting window [start, end), Unix seconds */
    int64_t window_end;
    int64_t not_before; /* usually ct_now(): no slot starts earlier */
    int64_t duration;   /* meeting length in seconds, > 0 */
    uint64_t seed;      /* the round's seed */
    const char *key;    /* stable per group (its UID): with the seed, picks among equals */
};

/*
 * Propose a start time for the group (OUT: *start, Unix seconds UTC, a
 * multiple of CT_SLOT_STEP) such that [start, start + duration) is inside
 * every member's working hours on a working day in their zone, inside the
 * window, and not before not_before. Among the feasible starts it takes
 * those whose cells are least booked in load, and among those one chosen by
 * a hash of (seed, key), so the same inputs give the same slot. When load is
 * not NULL the chosen slot is booked into it.
 *
 * CT_ENOTFOUND with a reason a user can act on when no slot exists (zones
 * that never overlap long enough, a window already over); CT_EDATA for an
 * unknown zone; CT_EUSAGE for a malformed query.
 */
enum ct_status ct_slot_find(const struct ct_slot_query *q, struct ct_slot_load *load,
                            int64_t *start, struct ct_error *err);

#endif
