/*
 * actions.c: the daemon's actions wired to the library modules that do the
 * work. Each entry is an adapter from struct ct_action_ctx to a module's
 * own API; an entry stays NULL until its module is part of the build.
 */
#include "actions.h"

#include <stddef.h>

static const struct ct_actions builtin = {
    .roster_refresh = NULL, /* roster import (lib/roster) */
    .round_plan = NULL,     /* pairing and rounds (lib/pairing) */
    .round_send = NULL,     /* invites into the outbox (lib/invite) */
    .outbox_flush = NULL,   /* transports (lib/transport) */
    .imap_poll = NULL,      /* iTIP replies over IMAP (lib/replies) */
};

const struct ct_actions *
ct_actions_builtin(void)
{
    return &builtin;
}
