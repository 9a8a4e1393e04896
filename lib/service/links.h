/*
 * links.h: the signed links every message to a member carries (skip,
 * pause, stop, preferences, check-in, unsubscribe), per the issue 14
 * contract (/work/briefs/i14-contract.md). The web branch owns this file
 * and its implementation (links.c); until it merges, links_stub.c stands in.
 */
#ifndef CT_LINKS_H
#define CT_LINKS_H

#include <stdint.h>

#include "config.h"
#include "ct.h"

struct ct_links {
    char skip[512], pause[512], stop[512], preferences[512], checkin[512],
        unsubscribe[512];         /* "" when no public_url */
    char unsubscribe_mailto[512]; /* always set: mailto:organiser?subject=unsubscribe */
};

/*
 * The member's signed links for round/group (0 = none), valid until
 * `expires`. Without [web] public_url only unsubscribe_mailto is set.
 */
enum ct_status ct_links_build(const struct ct_config *cfg, int64_t member_id, int64_t round_id,
                              int64_t group_id, int64_t now, struct ct_links *out,
                              struct ct_error *err);

#endif
