/*
 * grouping.h: groups of three or four ([pairing] group_size, docs/pairing.md
 * "Groups of three or four"). Pure logic on a pairing context: the
 * matching's pairs become groups of the configured size, the remainder a
 * few groups of another size (rotating), every pair of every group within
 * the hard rules and the group's members sharing working hours.
 */
#ifndef CT_GROUPING_H
#define CT_GROUPING_H

#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "pairing.h"

/* One group: members by index into the context's input. */
struct ct_grouping_group {
    uint32_t m[CT_GROUP_MAX];
    unsigned size;
};

/*
 * How many groups of each size n members make with group size k (2 to 4):
 * OUT: sizes[2], sizes[3], sizes[4] (sizes[0] and sizes[1] are 0, but n = 1
 * gives sizes[1] = 1: nobody to meet). k = 3: n = 3q + 1 gives one group of
 * four, 3q + 2 one pair; k = 4: 4q + 1 three groups of three, 4q + 2 two,
 * 4q + 3 one (n = 5: a three and a pair). k = 2: pairs and, for odd n, one
 * group of three.
 */
void ct_grouping_sizes(size_t n, unsigned k, size_t sizes[CT_GROUP_MAX + 1]);

/*
 * Regroup a plan's pairs (and groups of three) into groups of the context's
 * group_size (3 or 4), the rest in groups of another size as
 * ct_grouping_sizes says (with odd = sit_out, the rest sits out instead:
 * the fewest sit-outs first, not those who sat out the round before while
 * others can; OUT: sat[0 .. *sat_count), room for every member that came
 * in), within every hard rule for every pair and with
 * common working hours, the score (the sum over each group's pairs)
 * improved by dealing neighbouring groups' members again, deterministic
 * under the context's seed. Who lands in a group of another size rotates: members
 * with the fewest such groups so far (ct_pairing_member.off_size) first.
 * groups[0 .. *count) in; the new groups out in the same array (never more
 * than came in). OUT: *count; left[0 .. *left_count): members no group
 * could take (rare: every placement broke a rule), which has room for every
 * member that came in. CT_ENOMEM, or CT_EUSAGE for a group size out of range.
 */
enum ct_status ct_grouping_form(const struct ct_pairing_ctx *ctx, struct ct_grouping_group *groups,
                                size_t *count, uint32_t *left, size_t *left_count, uint32_t *sat,
                                size_t *sat_count, struct ct_error *err);

/*
 * For the bench's upper bound on a plan's total score with groups of k
 * (tests/bench/bench_groups.sh): the sum of member x's k - 1 best positive
 * allowed partner scores among members[0 .. n) (O(n)). A member's share of
 * its group's score is at most that, so half its sum over the members
 * bounds any plan; a group of four among threes adds at most the four
 * largest k-th best scores, OUT (optional): *next. Scores below 0 count 0.
 */
double ct_grouping_member_best(const struct ct_pairing_ctx *ctx, const uint32_t *members, size_t n,
                               uint32_t x, unsigned k, double *next);

#endif
