/*
 * web_metrics.c: GET /metrics in the Prometheus text format (0.0.4):
 * counts and times only, never a name or an address; every metric is
 * described in docs/operations.md.
 */
#include <stdio.h>
#include <stdlib.h>

#include "daemon_state.h"
#include "entity.h"
#include "store.h"
#include "store_metrics.h"
#include "web_routes.h"

static void
help(struct ct_buf *b, const char *name, const char *type, const char *text)
{
    ct_buf_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, text, name, type);
}

static void
render(struct ct_buf *b, const struct ct_store_metrics *m, int64_t roster_at)
{
    int k, s;

    help(b, "coffeetrial_messages", "gauge", "Messages in the outbox by kind and state.");
    for (k = 0; k < CT_METRICS_OUTBOX_KINDS; k++)
        for (s = 0; s < CT_METRICS_OUTBOX_STATES; s++)
            ct_buf_printf(b, "coffeetrial_messages{kind=\"%s\",state=\"%s\"} %lld\n",
                          ct_outbox_kind_str((enum ct_outbox_kind)k),
                          ct_outbox_state_str((enum ct_outbox_state)s),
                          (long long)m->messages[k][s]);
    help(b, "coffeetrial_message_attempts", "gauge",
         "Delivery attempts made for the messages in the outbox, by kind.");
    for (k = 0; k < CT_METRICS_OUTBOX_KINDS; k++)
        ct_buf_printf(b, "coffeetrial_message_attempts{kind=\"%s\"} %lld\n",
                      ct_outbox_kind_str((enum ct_outbox_kind)k), (long long)m->attempts[k]);
    help(b, "coffeetrial_messages_retrying", "gauge",
         "Queued messages whose last delivery attempt failed (the last flush's failures).");
    ct_buf_printf(b, "coffeetrial_messages_retrying %lld\n", (long long)m->retrying);
    help(b, "coffeetrial_last_sent_timestamp_seconds", "gauge",
         "When a message was last delivered (Unix time; 0 if never).");
    ct_buf_printf(b, "coffeetrial_last_sent_timestamp_seconds %lld\n", (long long)m->last_sent_at);
    help(b, "coffeetrial_rounds", "gauge", "Rounds by state.");
    for (s = 0; s < CT_METRICS_ROUND_STATES; s++)
        ct_buf_printf(b, "coffeetrial_rounds{state=\"%s\"} %lld\n",
                      ct_round_state_str((enum ct_round_state)s), (long long)m->rounds[s]);
    help(b, "coffeetrial_replies_recorded", "gauge", "Calendar replies applied to groups.");
    ct_buf_printf(b, "coffeetrial_replies_recorded %lld\n", (long long)m->replies_recorded);
    help(b, "coffeetrial_replies_held", "gauge", "Replies held for the organiser to review.");
    ct_buf_printf(b, "coffeetrial_replies_held %lld\n", (long long)m->replies_held);
    help(b, "coffeetrial_members", "gauge", "Roster size by member status.");
    for (s = 0; s < CT_METRICS_MEMBER_STATES; s++)
        ct_buf_printf(b, "coffeetrial_members{status=\"%s\"} %lld\n",
                      ct_member_status_str((enum ct_member_status)s), (long long)m->members[s]);
    help(b, "coffeetrial_roster_refresh_timestamp_seconds", "gauge",
         "When coffeetriald last refreshed the roster (Unix time; 0 if never).");
    ct_buf_printf(b, "coffeetrial_roster_refresh_timestamp_seconds %lld\n", (long long)roster_at);
}

int
web_metrics(const struct web_ctx *ctx, int64_t now, char **text, size_t *len)
{
    struct ct_store_metrics m;
    struct ct_store *store = NULL;
    struct ct_error err;
    int64_t roster_at = 0;
    bool found = false;
    struct ct_buf b;
    int status = 200;

    (void)now;
    ct_buf_init(&b);
    if (ct_store_open(ctx->cfg->store.path, &store, &err) != CT_OK ||
        ct_store_metrics_load(store, &m, &err) != CT_OK ||
        ct_daemon_state_get_time(store, CT_DSTATE_ROSTER, &roster_at, &found, &err) != CT_OK) {
        status = 503;
        ct_buf_puts(&b, "# the database cannot be read just now\n");
    } else {
        render(&b, &m, roster_at);
    }
    ct_store_close(store);
    *len = b.len;
    *text = b.failed ? NULL : ct_buf_steal(&b);
    if (*text == NULL) {
        ct_buf_free(&b);
        *text = calloc(1, 1);
        *len = 0;
    }
    return status;
}
