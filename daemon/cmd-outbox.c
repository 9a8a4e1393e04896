/*
 * cmd-outbox.c: "coffeetrial outbox": list the outbox, deliver what is due
 * ("outbox flush", with exit codes a cron job or timer can act on), put
 * dead messages back in the queue ("outbox retry") and take queued ones out
 * of it before they go ("outbox drop").
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "clock.h"
#include "cli.h"
#include "json.h"
#include "outbox.h"
#include "transport.h"
#include "util.h"

/* "2026-12-09 10:05" (UTC) for people, "2026-12-09T10:05:00Z" for JSON. */
static const char *
format_time(int64_t t, bool iso, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL)
        snprintf(buf, size, "?");
    else
        strftime(buf, size, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M", &tm);
    return buf;
}

static void
json_time(struct ct_buf *b, int64_t t)
{
    char when[32];

    if (t <= 0)
        ct_buf_puts(b, "null");
    else
        ct_json_escape(b, format_time(t, true, when, sizeof(when)));
}

static void
print_list_json(const struct ct_outbox_list *list)
{
    struct ct_buf b;
    size_t i;
    int s;

    ct_buf_init(&b);
    ct_buf_puts(&b, "{\"counts\":{");
    for (s = CT_OUTBOX_QUEUED; s <= CT_OUTBOX_DROPPED; s++)
        ct_buf_printf(&b, "%s\"%s\":%ld", s ? "," : "", ct_outbox_state_str(s), list->counts[s]);
    ct_buf_puts(&b, "},\"messages\":[");
    for (i = 0; i < list->count; i++) {
        const struct ct_outbox_row *r = &list->rows[i];
        ct_buf_printf(&b, "%s{\"id\":%" PRId64 ",\"message_id\":", i ? "," : "", r->id);
        ct_json_escape(&b, r->message_id);
        ct_buf_puts(&b, ",\"kind\":");
        ct_json_escape(&b, ct_outbox_kind_str(r->kind));
        ct_buf_puts(&b, ",\"group\":");
        if (r->group_id > 0)
            ct_buf_printf(&b, "%" PRId64, r->group_id);
        else
            ct_buf_puts(&b, "null");
        ct_buf_puts(&b, ",\"recipient\":");
        ct_json_escape(&b, r->recipient);
        ct_buf_puts(&b, ",\"subject\":");
        ct_json_escape(&b, r->subject);
        ct_buf_puts(&b, ",\"state\":");
        ct_json_escape(&b, ct_outbox_state_str(r->state));
        ct_buf_printf(&b, ",\"attempts\":%d,\"next_attempt_at\":", r->attempts);
        json_time(&b, r->state == CT_OUTBOX_QUEUED ? r->next_attempt_at : 0);
        ct_buf_puts(&b, ",\"last_error\":");
        ct_json_escape(&b, r->last_error);
        ct_buf_puts(&b, ",\"created_at\":");
        json_time(&b, r->created_at);
        ct_buf_puts(&b, ",\"sent_at\":");
        json_time(&b, r->sent_at);
        ct_buf_puts(&b, "}");
    }
    ct_buf_puts(&b, "]}\n");
    if (b.failed)
        ct_cli_error("out of memory");
    else
        fwrite(b.data, 1, b.len, stdout);
    ct_buf_free(&b);
}

static void
print_list_text(const struct ct_outbox_list *list)
{
    char when[32];
    size_t i;

    if (list->count > 0)
        printf("%-6s %-8s %5s  %-16s  %-30s %s\n", "ID", "STATE", "TRIES", "WHEN", "RECIPIENT",
               "LAST ERROR");
    for (i = 0; i < list->count; i++) {
        const struct ct_outbox_row *r = &list->rows[i];
        int64_t t = 0;

        if (r->state == CT_OUTBOX_QUEUED)
            t = r->next_attempt_at;
        else if (r->state == CT_OUTBOX_SENT)
            t = r->sent_at;
        if (r->state == CT_OUTBOX_QUEUED && t <= ct_now())
            snprintf(when, sizeof(when), "now");
        else if (t > 0)
            format_time(t, false, when, sizeof(when));
        else
            snprintf(when, sizeof(when), "-");
        printf("%-6" PRId64 " %-8s %5d  %-16s  %-30s %s\n", r->id, ct_outbox_state_str(r->state),
               r->attempts, when, r->recipient,
               r->last_error && r->state != CT_OUTBOX_SENT ? r->last_error : "");
    }
    printf("%ld queued, %ld sending, %ld sent, %ld failed (dead), %ld dropped\n",
           list->counts[CT_OUTBOX_QUEUED], list->counts[CT_OUTBOX_SENDING],
           list->counts[CT_OUTBOX_SENT], list->counts[CT_OUTBOX_DEAD],
           list->counts[CT_OUTBOX_DROPPED]);
}

static int
outbox_list(struct ct_cli *cli, const struct ct_args *args)
{
    const char *state = ct_args_get(args, "state");
    bool json = strcmp(args->format, "json") == 0;
    enum ct_outbox_state parsed;
    struct ct_outbox_list *list = NULL;
    struct ct_store *store;
    struct ct_error err;
    unsigned state_mask = 0;

    if (state && strcmp(state, "all") == 0)
        state = NULL;
    else if (state && !ct_outbox_state_parse(state, &parsed)) {
        ct_cli_error("--state: '%s' is not queued, sending, sent, dead, dropped or all", state);
        return EX_USAGE;
    }
    store = ct_cli_store_read(cli);
    if (store == NULL)
        return cli->config ? EX_IOERR : EX_CONFIG;
    ct_error_clear(&err);
    if (state)
        state_mask = 1u << parsed;
    if (ct_outbox_list(store, state_mask, &list, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (json)
        print_list_json(list);
    else
        print_list_text(list);
    ct_outbox_list_free(list);
    return EX_OK;
}

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* One line on stderr per message that did not go. */
static void
report_failure(void *arg, const struct ct_outbox_event *ev)
{
    char when[32];

    (void)arg;
    if (ev->status == CT_OK)
        return;
    if (ev->state == CT_OUTBOX_DEAD)
        ct_cli_warn("%s to %s failed for good after %d attempt%s: %s", ev->message_id,
                    ev->recipient, ev->attempts, ev->attempts == 1 ? "" : "s", ev->error);
    else if (ev->status != CT_EUNAVAIL)
        ct_cli_warn("%s to %s: %s (retry at %s UTC)", ev->message_id, ev->recipient, ev->error,
                    format_time(ev->next_attempt_at, false, when, sizeof(when)));
}

static void
print_flush_json(const struct ct_outbox_result *r, const struct ct_error *err)
{
    struct ct_buf b;

    ct_buf_init(&b);
    ct_buf_printf(&b,
                  "{\"sent\":%ld,\"retry\":%ld,\"failed\":%ld,\"queued\":%ld,"
                  "\"next_attempt_at\":",
                  r->sent, r->retry, r->dead, r->queued);
    json_time(&b, r->queued > 0 ? r->next_attempt_at : 0);
    ct_buf_printf(&b,
                  ",\"dead_total\":%ld,\"reclaimed\":%ld,\"in_flight\":%ld,"
                  "\"unavailable\":%s,\"stopped\":%s,\"error\":",
                  r->dead_total, r->reclaimed, r->in_flight, r->unavailable ? "true" : "false",
                  r->stopped ? "true" : "false");
    ct_json_escape(&b, err && err->message[0] ? err->message : NULL);
    ct_buf_puts(&b, "}\n");
    if (!b.failed)
        fwrite(b.data, 1, b.len, stdout);
    ct_buf_free(&b);
}

static void
print_flush_text(const struct ct_outbox_result *r)
{
    struct ct_buf b;

    ct_buf_init(&b);
    if (ct_outbox_result_summary(r, &b))
        printf("%s\n", b.data);
    ct_buf_free(&b);
}

/* [store] keep_messages: the bodies of messages sent long ago go (a line says so). */
static void
compact_sent(struct ct_cli *cli, struct ct_store *store, bool json)
{
    struct ct_error err;
    long count = 0;

    ct_error_clear(&err);
    if (ct_outbox_compact(store, cli->config->store.keep_messages, ct_now(), &count, &err) != CT_OK)
        ct_cli_error("compacting sent messages: %s", err.message);
    else if (count > 0 && !json)
        printf("%ld sent message%s older than [store] keep_messages compacted (kept: who, when, "
               "what became of it)\n",
               count, count == 1 ? "" : "s");
}

static int
outbox_flush(struct ct_cli *cli, const struct ct_args *args)
{
    const char *limit_arg = ct_args_get(args, "limit");
    bool json = strcmp(args->format, "json") == 0;
    struct ct_outbox_options opts;
    struct ct_outbox_result result;
    struct ct_transport *transport = NULL;
    struct sigaction sa, old_int, old_term;
    struct ct_store *store;
    struct ct_error err;
    enum ct_status st;
    long limit = 0;
    char *end;
    int rc;

    if (limit_arg) {
        errno = 0;
        limit = strtol(limit_arg, &end, 10);
        if (errno || *end || end == limit_arg || limit < 1) {
            ct_cli_error("--limit: '%s' is not a positive number", limit_arg);
            return EX_USAGE;
        }
    }
    store = ct_cli_store(cli);
    if (store == NULL)
        return cli->config ? EX_IOERR : EX_CONFIG;
    ct_error_clear(&err);
    if (ct_transport_open(cli->config, &transport, &err) != CT_OK)
        return ct_cli_fail(&err);
    ct_outbox_options_init(&opts, cli->config);
    opts.limit = limit;
    opts.stop = &stop_requested;
    opts.report = report_failure;
    opts.clock = ct_now;

    /* SIGINT/SIGTERM: finish the message in flight, then stop. */
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int);
    sigaction(SIGTERM, &sa, &old_term);
    st = ct_outbox_flush(store, transport, &opts, ct_now(), &result, &err);
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    ct_transport_close(transport);

    if (st != CT_OK && st != CT_EUNAVAIL)
        return ct_cli_fail(&err);
    if (st == CT_EUNAVAIL)
        ct_cli_error("%s (messages stay queued)", err.message);
    if (json)
        print_flush_json(&result, st == CT_OK ? NULL : &err);
    else
        print_flush_text(&result);
    compact_sent(cli, store, json);
    /* Precedence: unreachable, then some left for later, then some refused. */
    if (st == CT_EUNAVAIL)
        rc = EX_UNAVAILABLE;
    else if (result.queued > 0)
        rc = EX_TEMPFAIL;
    else if (result.dead > 0)
        rc = EX_DATAERR;
    else
        rc = EX_OK;
    return rc;
}

static int
outbox_retry(struct ct_cli *cli, const struct ct_args *args)
{
    bool all_dead = ct_args_has(args, "all-dead");
    struct ct_store *store;
    struct ct_error err;
    long long id = 0;
    long count = 0;
    char *end;

    /* ID or --all-dead: one of the two. */
    if (all_dead == (args->count > 0))
        return ct_cli_usage(args->cmd);
    if (!all_dead) {
        errno = 0;
        id = strtoll(args->operands[0], &end, 10);
        if (errno || *end || end == args->operands[0] || id < 1) {
            ct_cli_error("'%s' is not an outbox message number (see coffeetrial outbox)",
                         args->operands[0]);
            return EX_USAGE;
        }
    }
    store = ct_cli_store(cli);
    if (store == NULL)
        return cli->config ? EX_IOERR : EX_CONFIG;
    ct_error_clear(&err);
    if (ct_outbox_requeue(store, (int64_t)id, ct_now(), &count, &err) != CT_OK)
        return ct_cli_fail(&err);
    printf("requeued %ld message%s; they go out at the next flush\n", count, count == 1 ? "" : "s");
    return EX_OK;
}

/* A positive message or round number from text, or 0 (after saying why). */
static int64_t
parse_id(const char *text, const char *what)
{
    long long id;
    char *end;

    errno = 0;
    id = strtoll(text, &end, 10);
    if (errno || *end || end == text || id < 1) {
        ct_cli_error("'%s' is not %s", text, what);
        return 0;
    }
    return (int64_t)id;
}

static int
outbox_drop(struct ct_cli *cli, const struct ct_args *args)
{
    const char *round = ct_args_get(args, "round"), *kind = ct_args_get(args, "kind");
    struct ct_outbox_drop_request req = {0};
    struct ct_outbox_row *rows = NULL;
    enum ct_outbox_kind parsed;
    struct ct_store *store;
    struct ct_error err;
    size_t count = 0, i;

    /* ID or --round: one of the two. */
    if ((round != NULL) == (args->count > 0))
        return ct_cli_usage(args->cmd);
    if (kind && !ct_outbox_kind_parse(kind, &parsed)) {
        ct_cli_error("--kind: '%s' is not request, cancel or notice", kind);
        return EX_USAGE;
    }
    req.kind_mask = kind ? 1u << parsed : 0;
    req.dry_run = ct_args_has(args, "dry-run");
    if (round &&
        (req.round_id = parse_id(round, "a round number (see coffeetrial round list)")) == 0)
        return EX_USAGE;
    if (!round && (req.id = parse_id(args->operands[0],
                                     "an outbox message number (see coffeetrial outbox)")) == 0)
        return EX_USAGE;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->config ? EX_IOERR : EX_CONFIG;
    ct_error_clear(&err);
    if (ct_outbox_drop(store, &req, &rows, &count, &err) != CT_OK)
        return ct_cli_fail(&err);
    for (i = 0; i < count; i++)
        printf("%s %" PRId64 ": %s to %s: %s\n", req.dry_run ? "would drop" : "dropped", rows[i].id,
               ct_outbox_kind_str(rows[i].kind), rows[i].recipient, rows[i].subject);
    printf("%s %zu queued message%s%s\n", req.dry_run ? "would drop" : "dropped", count,
           count == 1 ? "" : "s",
           req.dry_run  ? "; dry run: nothing changed"
           : count == 1 ? "; it will not be sent"
                        : "; they will not be sent");
    ct_outbox_rows_free(rows, count);
    return EX_OK;
}

const struct ct_cmd ct_cmds_outbox[] = {
    {
        .group = "outbox",
        .name = "flush",
        .args = "[--format text|json] [--limit N]",
        .summary = "deliver every message due now, then exit",
        .options = {{"limit", 'l', "N", "stop after N attempts"}},
        .formats = "text|json",
        .exec = outbox_flush,
    },
    {
        .group = "outbox",
        .name = "retry",
        .args = "ID|--all-dead",
        .summary = "put a failed (dead) message back in the queue",
        .options = {{"all-dead", 0, NULL, "requeue every dead message"}},
        .max_operands = 1,
        .exec = outbox_retry,
    },
    {
        .group = "outbox",
        .name = "drop",
        .args = "ID|--round ID [--kind request|cancel|notice] [--dry-run]",
        .summary = "take queued messages out of the queue before they go",
        .options =
            {
                {"round", 0, "ID", "every queued message of this round"},
                {"kind", 0, "request|cancel|notice", "only messages of this kind"},
                {"dry-run", 0, NULL, "print what would be dropped and change nothing"},
            },
        .max_operands = 1,
        .exec = outbox_drop,
    },
    {
        .group = "outbox",
        .args = "[--format text|json] [--state queued|sending|sent|dead|dropped|all]",
        .summary = "list queued, sent, failed and dropped messages",
        .options = {{"state", 's', "queued|sending|sent|dead|dropped|all",
                     "only messages in this state"}},
        .formats = "text|json",
        .exec = outbox_list,
    },
    {0},
};
