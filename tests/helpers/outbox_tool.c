/*
 * outbox_tool.c: a test helper for the outbox: queues messages through
 * ct_outbox_enqueue (as round send will), and flushes with a configuration
 * built in code from "section.key=value" arguments, printing and exiting as
 * `coffeetrial outbox flush` does. Tests use the flush only until the INI
 * reader is on main; then they drive the real CLI with a test.ini.
 *
 *   outbox_tool DB enqueue ID RECIPIENT FILE [KIND [SUBJECT [METHOD]]]
 *   outbox_tool DB seed N DOMAIN [BYTES]     N generated messages, one transaction
 *   outbox_tool DB flush [section.key=value ...]
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "config.h"
#include "outbox.h"
#include "store.h"
#include "transport.h"
#include "util.h"

static int
fail(const struct ct_error *err)
{
    fprintf(stderr, "outbox_tool: %s\n", err->message);
    return ct_status_exit(err->status);
}

static int
enqueue(struct ct_store *store, int argc, char **argv)
{
    struct ct_outbox_entry e;
    struct ct_error err;
    char *data = NULL;
    size_t len = 0;
    int rc = EX_OK;

    if (argc < 3)
        return EX_USAGE;
    ct_error_clear(&err);
    if (ct_file_read(argv[2], 16 << 20, &data, &len, &err) != CT_OK)
        return fail(&err);
    memset(&e, 0, sizeof(e));
    e.message_id = argv[0];
    e.recipient = argv[1];
    e.kind = argc > 3 ? argv[3] : "request";
    e.subject = argc > 4 ? argv[4] : "Coffee";
    e.method = argc > 5 ? argv[5] : "REQUEST";
    e.text_body = "Hello";
    e.html_body = "<p>Hello</p>";
    e.ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    e.message = data;
    e.message_len = len;
    if (ct_outbox_enqueue(store, &e, &err) != CT_OK)
        rc = fail(&err);
    free(data);
    return rc;
}

/* N small but complete messages, to rcpt-NNNNN@DOMAIN, in one transaction. */
static int
seed(struct ct_store *store, int argc, char **argv)
{
    struct ct_outbox_entry e;
    struct ct_error err;
    struct ct_buf msg;
    char id[64], to[128];
    long n, i, bytes;

    if (argc < 2)
        return EX_USAGE;
    n = strtol(argv[0], NULL, 10);
    bytes = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
    ct_error_clear(&err);
    ct_buf_init(&msg);
    if (ct_store_begin(store, &err) != CT_OK)
        return fail(&err);
    for (i = 0; i < n; i++) {
        snprintf(id, sizeof(id), "seed-%05ld.%ld@coffeetrial.test", i, (long)time(NULL));
        snprintf(to, sizeof(to), "rcpt-%05ld@%s", i, argv[1]);
        ct_buf_reset(&msg);
        ct_buf_printf(&msg,
                      "From: Organiser <organiser@coffeetrial.test>\r\nTo: <%s>\r\n"
                      "Subject: Coffee %ld\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n"
                      "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                      "Content-Type: text/plain; charset=UTF-8\r\n\r\n",
                      to, i, id);
        while ((long)msg.len < bytes)
            ct_buf_puts(&msg, "Your coffee partner this month is someone new.\r\n");
        memset(&e, 0, sizeof(e));
        e.message_id = id;
        e.recipient = to;
        e.kind = "request";
        e.subject = "Coffee";
        e.method = "REQUEST";
        e.text_body = "Hello";
        e.message = msg.data;
        e.message_len = msg.len;
        if (msg.failed || ct_outbox_enqueue(store, &e, &err) != CT_OK) {
            ct_store_rollback(store);
            ct_buf_free(&msg);
            return fail(&err);
        }
    }
    ct_buf_free(&msg);
    if (ct_store_commit(store, &err) != CT_OK)
        return fail(&err);
    return EX_OK;
}

static void
replace(char **field, const char *value)
{
    free(*field);
    *field = strdup(value);
}

/* Apply one section.key=value to cfg; false if the key is not known here. */
static bool
set_key(struct ct_config *cfg, const char *arg)
{
    const char *eq = strchr(arg, '=');
    char key[64];
    const char *v;
    size_t n;

    if (eq == NULL || (n = (size_t)(eq - arg)) >= sizeof(key))
        return false;
    memcpy(key, arg, n);
    key[n] = '\0';
    v = eq + 1;
    if (strcmp(key, "transport.kind") == 0)
        cfg->transport.kind = strcmp(v, "smtp") == 0   ? CT_TRANSPORT_SMTP
                              : strcmp(v, "http") == 0 ? CT_TRANSPORT_HTTP
                                                       : CT_TRANSPORT_SPOOL;
    else if (strcmp(key, "transport.max_attempts") == 0)
        cfg->transport.max_attempts = atoi(v);
    else if (strcmp(key, "transport.retry_base") == 0)
        cfg->transport.retry_base = atoll(v);
    else if (strcmp(key, "network.organiser_email") == 0)
        replace(&cfg->network.organiser_email, v);
    else if (strcmp(key, "spool.dir") == 0)
        replace(&cfg->spool.dir, v);
    else if (strcmp(key, "smtp.url") == 0)
        replace(&cfg->smtp.url, v);
    else if (strcmp(key, "smtp.username") == 0)
        replace(&cfg->smtp.username, v);
    else if (strcmp(key, "smtp.password_file") == 0)
        replace(&cfg->smtp.password_file, v);
    else if (strcmp(key, "smtp.ca_file") == 0)
        replace(&cfg->smtp.ca_file, v);
    else if (strcmp(key, "smtp.timeout") == 0)
        cfg->smtp.timeout = atoll(v);
    else if (strcmp(key, "smtp.tls") == 0)
        cfg->smtp.tls = strcmp(v, "required") == 0 ? CT_SMTP_TLS_REQUIRED : CT_SMTP_TLS_AUTO;
    else if (strcmp(key, "http.url") == 0)
        replace(&cfg->http.url, v);
    else if (strcmp(key, "http.token_file") == 0)
        replace(&cfg->http.token_file, v);
    else if (strcmp(key, "http.ca_file") == 0)
        replace(&cfg->http.ca_file, v);
    else if (strcmp(key, "http.timeout") == 0)
        cfg->http.timeout = atoll(v);
    else
        return false;
    return true;
}

static const char *
utc(int64_t t, char *buf, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    gmtime_r(&tt, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

static volatile sig_atomic_t stop_requested;

static void
on_stop_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

/* One line on stderr per message that did not go, as the CLI prints it. */
static void
report_failure(void *arg, const struct ct_outbox_event *ev)
{
    char when[32];

    (void)arg;
    if (ev->status == CT_OK || ev->status == CT_EUNAVAIL)
        return;
    if (strcmp(ev->state, "dead") == 0)
        fprintf(stderr, "outbox_tool: warning: %s to %s failed for good after %d attempt%s: %s\n",
                ev->message_id, ev->recipient, ev->attempts, ev->attempts == 1 ? "" : "s",
                ev->error);
    else
        fprintf(stderr, "outbox_tool: warning: %s to %s: %s (retry at %s UTC)\n", ev->message_id,
                ev->recipient, ev->error, utc(ev->next_attempt_at, when, sizeof(when)));
}

static int
flush(struct ct_store *store, int argc, char **argv)
{
    struct ct_config *cfg = ct_config_new_defaults();
    struct ct_transport *t = NULL;
    struct ct_outbox_options opts;
    struct ct_outbox_result r;
    struct ct_error err;
    enum ct_status st;
    int i, rc;

    if (cfg == NULL)
        return EX_OSERR;
    for (i = 0; i < argc; i++)
        if (!set_key(cfg, argv[i])) {
            fprintf(stderr, "outbox_tool: unknown setting '%s'\n", argv[i]);
            ct_config_free(cfg);
            return EX_USAGE;
        }
    ct_error_clear(&err);
    if (ct_transport_open(cfg, &t, &err) != CT_OK) {
        ct_config_free(cfg);
        return fail(&err);
    }
    ct_outbox_options_init(&opts, cfg);
    opts.report = report_failure;
    opts.stop = &stop_requested;
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
    st = ct_outbox_flush(store, t, &opts, &r, &err);
    ct_transport_close(t);
    ct_config_free(cfg);
    if (st != CT_OK && st != CT_EUNAVAIL)
        return fail(&err);
    if (st == CT_EUNAVAIL)
        fprintf(stderr, "outbox_tool: %s (messages stay queued)\n", err.message);
    {
        struct ct_buf b;
        ct_buf_init(&b);
        if (ct_outbox_result_summary(&r, &b))
            printf("%s\n", b.data);
        ct_buf_free(&b);
    }
    if (st == CT_EUNAVAIL)
        rc = EX_UNAVAILABLE;
    else if (r.queued > 0)
        rc = EX_TEMPFAIL;
    else if (r.dead > 0)
        rc = EX_DATAERR;
    else
        rc = EX_OK;
    return rc;
}

int
main(int argc, char **argv)
{
    struct ct_store *store = NULL;
    struct ct_error err;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: outbox_tool DB enqueue|seed|flush ARGS...\n");
        return EX_USAGE;
    }
    ct_error_clear(&err);
    if (ct_store_open(argv[1], &store, &err) != CT_OK)
        return fail(&err);
    if (strcmp(argv[2], "enqueue") == 0)
        rc = enqueue(store, argc - 3, argv + 3);
    else if (strcmp(argv[2], "seed") == 0)
        rc = seed(store, argc - 3, argv + 3);
    else if (strcmp(argv[2], "flush") == 0)
        rc = flush(store, argc - 3, argv + 3);
    else
        rc = EX_USAGE;
    if (rc == EX_USAGE)
        fprintf(stderr, "usage: outbox_tool DB enqueue|seed|flush ARGS...\n");
    ct_store_close(store);
    return rc;
}
