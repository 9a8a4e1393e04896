/*
 * bench_smtp.c: how fast the SMTP transport delivers, with one connection
 * reused for the batch against one connection per message, and through
 * the whole outbox (claims and SQLite commits included). Prints figures;
 * never fails on timing. Driven by bench_smtp.sh, which starts the server.
 *
 *   bench_smtp [-c CA_FILE] [-u USER -p PASSWORD_FILE] [-d DBDIR] [-k CONNECTIONS] URL N MODE
 *
 * MODE is reuse, reconnect, batch (the transport's batches over -k
 * parallel connections, [smtp] connections; default 4) or outbox (which
 * needs -d; the whole flush, over -k connections too). With -c, STARTTLS is
 * required even on loopback, as it is towards any real relay. After the
 * figures, a line "cpu: USER+SYS seconds" gives this process's CPU time.
 */
#include <getopt.h>
#include <stdio.h>
#include <sys/resource.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "outbox.h"
#include "store.h"
#include "clock.h"
#include "transport.h"
#include "util.h"

static double
seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An invitation-sized message (about 6 KB, as text + html + calendar are). */
static void
make_message(struct ct_buf *b, long i, char *id, size_t idsize, char *to, size_t tosize)
{
    snprintf(id, idsize, "bench-%ld.%ld@coffeetrial.test", i, (long)time(NULL));
    snprintf(to, tosize, "member%05ld@bench.example", i);
    ct_buf_reset(b);
    ct_buf_printf(b,
                  "From: Coffee Trial <organiser@coffeetrial.test>\r\nTo: <%s>\r\n"
                  "Subject: Coffee this month\r\nDate: Mon, 07 Dec 2026 09:00:00 +0000\r\n"
                  "Message-ID: <%s>\r\nMIME-Version: 1.0\r\n"
                  "Content-Type: text/plain; charset=UTF-8\r\n\r\n",
                  to, id);
    while (b->len < 6000)
        ct_buf_puts(b, "Your partner this month works somewhere you have not been yet.\r\n");
}

static struct ct_config *
bench_config(const char *url, const char *ca_file, const char *user, const char *password_file)
{
    struct ct_config *cfg = ct_config_new_defaults();

    if (cfg == NULL)
        return NULL;
    cfg->transport.kind = CT_TRANSPORT_SMTP;
    cfg->smtp.url = strdup(url);
    cfg->smtp.ca_file = ct_strdup(ca_file);
    cfg->smtp.username = ct_strdup(user);
    cfg->smtp.password_file = ct_strdup(password_file);
    if (ca_file)
        cfg->smtp.tls = CT_SMTP_TLS_REQUIRED;
    free(cfg->network.organiser_email);
    cfg->network.organiser_email = strdup("organiser@coffeetrial.test");
    return cfg;
}

static int
run_transport(struct ct_config *cfg, long n, int reuse)
{
    struct ct_transport *t = NULL;
    struct ct_transport_message msg;
    struct ct_error err;
    struct ct_buf b;
    char id[96], to[96];
    int64_t retry_after;
    long i, failed = 0;
    double start, took;

    ct_buf_init(&b);
    ct_error_clear(&err);
    start = seconds();
    for (i = 0; i < n; i++) {
        if (t == NULL && ct_transport_open(cfg, &t, &err) != CT_OK) {
            fprintf(stderr, "bench_smtp: %s\n", err.message);
            return 1;
        }
        make_message(&b, i, id, sizeof(id), to, sizeof(to));
        memset(&msg, 0, sizeof(msg));
        msg.message_id = id;
        msg.from = cfg->network.organiser_email;
        msg.recipient = to;
        msg.raw = b.data;
        msg.raw_len = b.len;
        if (ct_transport_send(t, &msg, &retry_after, &err) != CT_OK) {
            if (failed++ == 0)
                fprintf(stderr, "bench_smtp: %s\n", err.message);
        }
        if (!reuse) {
            ct_transport_close(t);
            t = NULL;
        }
    }
    ct_transport_close(t);
    took = seconds() - start;
    printf("%-34s %6ld messages in %7.2f s: %9.1f msg/s (%ld failed)\n",
           reuse ? "libcurl, one connection per batch" : "libcurl, one connection per message", n,
           took, (double)n / took, failed);
    ct_buf_free(&b);
    return failed ? 1 : 0;
}

/* The transport's batches, 64 messages each, over cfg->smtp.connections connections. */
static int
run_batch(struct ct_config *cfg, long n)
{
    struct ct_transport *t = NULL;
    struct ct_transport_message msgs[64];
    struct ct_transport_result *results = calloc(64, sizeof(*results));
    struct ct_buf bufs[64];
    char ids[64][96], tos[64][96];
    struct ct_error err;
    long i = 0, failed = 0;
    size_t k, m;
    double start, took;

    ct_error_clear(&err);
    if (results == NULL || ct_transport_open(cfg, &t, &err) != CT_OK) {
        fprintf(stderr, "bench_smtp: %s\n", err.message);
        free(results);
        return 1;
    }
    for (k = 0; k < 64; k++)
        ct_buf_init(&bufs[k]);
    start = seconds();
    while (i < n) {
        struct ct_transport_batch batch = {0};

        for (m = 0; m < 64 && i < n; m++, i++) {
            make_message(&bufs[m], i, ids[m], sizeof(ids[m]), tos[m], sizeof(tos[m]));
            memset(&msgs[m], 0, sizeof(msgs[m]));
            msgs[m].message_id = ids[m];
            msgs[m].from = cfg->network.organiser_email;
            msgs[m].recipient = tos[m];
            msgs[m].raw = bufs[m].data;
            msgs[m].raw_len = bufs[m].len;
        }
        ct_transport_send_batch(t, msgs, m, &batch, results);
        for (k = 0; k < m; k++)
            if (results[k].status != CT_OK && failed++ == 0)
                fprintf(stderr, "bench_smtp: %s\n", results[k].err.message);
    }
    took = seconds() - start;
    printf("%-34s %6ld messages in %7.2f s: %9.1f msg/s (%ld failed)\n",
           "libcurl, parallel batches", n, took, (double)n / took, failed);
    for (k = 0; k < 64; k++)
        ct_buf_free(&bufs[k]);
    ct_transport_close(t);
    free(results);
    return failed ? 1 : 0;
}

static int
run_outbox(struct ct_config *cfg, long n, const char *dir)
{
    struct ct_store *store = NULL;
    struct ct_transport *t = NULL;
    struct ct_outbox_options opts;
    struct ct_outbox_result r;
    struct ct_outbox_entry e;
    struct ct_txn *txn = NULL;
    struct ct_error err;
    struct ct_buf b;
    char id[96], to[96], *db = ct_asprintf("%s/bench.db", dir);
    long i;
    double start, took;
    enum ct_status st;
    int rc = 1;

    ct_buf_init(&b);
    ct_error_clear(&err);
    if (db == NULL || ct_store_open(db, &store, &err) != CT_OK ||
        ct_txn_begin(store, &txn, &err) != CT_OK)
        goto out;
    for (i = 0; i < n; i++) {
        make_message(&b, i, id, sizeof(id), to, sizeof(to));
        memset(&e, 0, sizeof(e));
        e.message_id = id;
        e.kind = CT_OUTBOX_REQUEST;
        e.recipient = to;
        e.subject = "Coffee";
        e.text_body = "Hello";
        e.message = b.data;
        e.message_len = b.len;
        if (ct_store_outbox_enqueue(txn, &e, ct_now(), &err) != CT_OK)
            goto out;
    }
    st = ct_txn_commit(txn, &err);
    txn = NULL;
    if (st != CT_OK || ct_transport_open(cfg, &t, &err) != CT_OK)
        goto out;
    ct_outbox_options_init(&opts, cfg);
    start = seconds();
    opts.clock = ct_now;
    if (ct_outbox_flush(store, t, &opts, ct_now(), &r, &err) != CT_OK)
        goto out;
    took = seconds() - start;
    printf("%-34s %6ld messages in %7.2f s: %9.1f msg/s (%ld sent)\n",
           "outbox flush (SQLite included)", n, took, (double)n / took, r.sent);
    rc = r.sent == n ? 0 : 1;
out:
    if (rc && err.message[0])
        fprintf(stderr, "bench_smtp: %s\n", err.message);
    ct_txn_rollback(txn);
    ct_transport_close(t);
    ct_store_close(store);
    ct_buf_free(&b);
    free(db);
    return rc;
}

static void
usage(void)
{
    fprintf(stderr, "usage: bench_smtp [-c CA_FILE] [-u USER -p PASSWORD_FILE] [-d DBDIR] "
                    "[-k CONNECTIONS] URL N reuse|reconnect|batch|outbox\n");
}

int
main(int argc, char **argv)
{
    const char *ca_file = NULL, *user = NULL, *password_file = NULL, *dir = NULL;
    struct ct_config *cfg;
    struct rusage ru;
    const char *mode;
    long n;
    int ch, rc;

    long connections = 4;

    while ((ch = getopt(argc, argv, "c:u:p:d:k:")) != -1) {
        switch (ch) {
        case 'k': connections = strtol(optarg, NULL, 10); break;
        case 'c': ca_file = optarg; break;
        case 'u': user = optarg; break;
        case 'p': password_file = optarg; break;
        case 'd': dir = optarg; break;
        default: usage(); return 64;
        }
    }
    if (argc - optind != 3 || (n = strtol(argv[optind + 1], NULL, 10)) < 1) {
        usage();
        return 64;
    }
    mode = argv[optind + 2];
    cfg = bench_config(argv[optind], ca_file, user, password_file);
    if (cfg == NULL)
        return 71;
    cfg->smtp.connections = connections > 0 && connections <= 32 ? (int)connections : 4;
    if (strcmp(mode, "batch") == 0)
        rc = run_batch(cfg, n);
    else if (strcmp(mode, "reuse") == 0)
        rc = run_transport(cfg, n, 1);
    else if (strcmp(mode, "reconnect") == 0)
        rc = run_transport(cfg, n, 0);
    else if (strcmp(mode, "outbox") == 0 && dir)
        rc = run_outbox(cfg, n, dir);
    else {
        usage();
        rc = 64;
    }
    ct_config_free(cfg);
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        printf("cpu: %.2f seconds\n",
               (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
                   (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6);
    return rc;
}
