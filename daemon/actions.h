/*
 * actions.h: what coffeetriald does when a job is due, as function
 * pointers, so each module (roster import, pairing, invites, transports,
 * replies) plugs in through one adapter function in actions.c and the loop
 * is tested with stand-ins. A NULL pointer means the action is missing from
 * this build: the daemon says so at start and never fakes it.
 */
#ifndef CT_ACTIONS_H
#define CT_ACTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "store.h"

/* What an action may use. Everything is borrowed for the call. */
struct ct_action_ctx {
    const struct ct_config *cfg;
    struct ct_store *store;
    int64_t now; /* ct_now() when the job started */
    /*
     * Call between units of work (one message sent, one mailbox message
     * read). It feeds the systemd watchdog, and returns true once the
     * daemon has been asked to stop: then finish nothing beyond the unit
     * in flight, leave the rest for next time and return CT_OK.
     */
    bool (*tick)(void *arg);
    void *tick_arg;
};

struct ct_actions {
    /*
     * Fetch [roster] source and sync the members, all or nothing: on any
     * failure the store is unchanged, so the last good roster stays.
     */
    enum ct_status (*roster_refresh)(struct ct_action_ctx *ctx, struct ct_error *err);

    /*
     * Plan the round for date (YYYY-MM-DD, the network's calendar) with
     * origin 'daemon' and send_after recorded, in one transaction.
     * OUT: *round_id.
     */
    enum ct_status (*round_plan)(struct ct_action_ctx *ctx, const char *date, int64_t send_after,
                                 int64_t *round_id, struct ct_error *err);

    /*
     * Send a planned round: queue its invites in the outbox and mark it
     * sent, in one transaction (what `coffeetrial round send ID` does).
     * CT_ESTATE if the round is no longer planned.
     */
    enum ct_status (*round_send)(struct ct_action_ctx *ctx, int64_t round_id, struct ct_error *err);

    /* Deliver every outbox message due now, calling ctx->tick between messages. */
    enum ct_status (*outbox_flush)(struct ct_action_ctx *ctx, struct ct_error *err);

    /* Read the organiser's mailbox once and record iTIP replies. */
    enum ct_status (*imap_poll)(struct ct_action_ctx *ctx, struct ct_error *err);

    /*
     * Re-match every sent round whose window is still open (rematch.h):
     * the members a partner dropped out on are paired again and invited.
     */
    enum ct_status (*rounds_rematch)(struct ct_action_ctx *ctx, struct ct_error *err);

    /*
     * Queue the lifecycle messages due (lifecycle.h): welcomes, reminders
     * for the round scheduled at next_round (0: none) dated next_date, and
     * check-ins.
     */
    enum ct_status (*lifecycle_send)(struct ct_action_ctx *ctx, int64_t next_round,
                                     const char *next_date, struct ct_error *err);
};

/* The actions linked into this build (actions.c). */
const struct ct_actions *ct_actions_builtin(void);

/*
 * Test builds only (CT_TEST_HOOKS): stand-ins that write the rows the real
 * actions would (actions-test.c), chosen with COFFEETRIAL_TEST_ACTIONS=fake.
 */
const struct ct_actions *ct_actions_test(void);

#endif
