/*
 * bench_invite.c: how long slot finding and message building take for a
 * large round: 1000 groups over a fortnight in a mix of zones, then one
 * message per member. Prints figures; never fails on timing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "invite.h"
#include "slot.h"

#define GROUPS 1000
#define START  INT64_C(1772409600) /* Monday 2026-03-02 00:00 UTC */

static double
seconds_since(const struct timespec *t0)
{
    struct timespec t1;

    clock_gettime(CLOCK_MONOTONIC, &t1);
    return (double)(t1.tv_sec - t0->tv_sec) + (double)(t1.tv_nsec - t0->tv_nsec) / 1e9;
}

int
main(void)
{
    static const char *const zones[] = {"Europe/London", "Europe/Berlin", "America/New_York",
                                        "Europe/Lisbon", NULL};
    static const struct ct_worktime hours = {9 * 60, 17 * 60, 0x1f};
    static int64_t starts[GROUPS];
    struct ct_slot_load *load = ct_slot_load_new(START, START + 14 * 86400);
    struct timespec t0;
    size_t bytes = 0;
    int g, messages = 0;

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (g = 0; g < GROUPS; g++) {
        const char *pair[2] = {zones[g % 5], zones[(g / 5) % 5]};
        char key[32];
        struct ct_slot_query q = {0};
        struct ct_error err;

        snprintf(key, sizeof(key), "group-%d", g);
        q.zones = pair;
        q.zone_count = 2;
        q.network_zone = "Europe/London";
        q.worktime = &hours;
        q.window_start = START;
        q.window_end = START + 14 * 86400;
        q.not_before = START;
        q.duration = 1800;
        q.seed = 42;
        q.key = key;
        if (ct_slot_find(&q, load, &starts[g], &err) != CT_OK) {
            fprintf(stderr, "bench_invite: %s\n", err.message);
            return 1;
        }
    }
    printf("slot finding: %d groups in %.3f s\n", GROUPS, seconds_since(&t0));

    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (g = 0; g < GROUPS; g++) {
        struct ct_invite inv = {0};
        size_t r;

        inv.network = "Coffee Trial";
        inv.network_timezone = "Europe/London";
        inv.organiser_name = "Sam Organiser";
        inv.organiser_email = "coffee@example.org";
        inv.members[0] = (struct ct_invite_person){"ana@a.example", "Ana \xc3\x81vila",
                                                   "Bay Hospital",  "Cardiology",
                                                   "Nurse",         zones[g % 5]};
        inv.members[1] = (struct ct_invite_person){
            "bo@b.example", "Bo Okafor", "Council", NULL, "Social worker", zones[(g / 5) % 5]};
        inv.member_count = 2;
        inv.uid = "coffeetrial-2026-03-02-g1-0@example.org";
        inv.dtstamp = START;
        inv.start = starts[g];
        inv.duration = 1800;
        for (r = 0; r < 2; r++) {
            struct ct_invite_message msg;
            struct ct_error err;

            if (ct_invite_message(&inv, r, "bench@example.org", START, &msg, &err) != CT_OK) {
                fprintf(stderr, "bench_invite: %s\n", err.message);
                return 1;
            }
            bytes += msg.raw_len;
            messages++;
            ct_invite_message_clear(&msg);
        }
    }
    printf("messages: %d built in %.3f s, %.1f KiB each on average\n", messages, seconds_since(&t0),
           (double)bytes / messages / 1024);
    ct_slot_load_free(load);
    return 0;
}
