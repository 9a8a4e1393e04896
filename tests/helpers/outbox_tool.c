/*
 * outbox_tool.c: a test helper that queues messages through
 * ct_store_outbox_enqueue, as round send does, so the outbox and transport tests
 * need no round to be planned first.
 *
 *   outbox_tool DB enqueue ID RECIPIENT FILE [KIND [SUBJECT [METHOD]]]
 *   outbox_tool DB seed N DOMAIN [BYTES]     N generated messages, one transaction
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "clock.h"
#include "outbox.h"
#include "store.h"
#include "store_outbox.h"
#include "util.h"

static int
fail(const struct ct_error *err)
{
    fprintf(stderr, "outbox_tool: %s\n", err->message);
    return ct_status_exit(err->status);
}

/* Queue e in a transaction of its own. */
static enum ct_status
queue_one(struct ct_store *store, const struct ct_outbox_entry *e, struct ct_error *err)
{
    struct ct_txn *txn = NULL;
    enum ct_status st = ct_txn_begin(store, &txn, err);

    if (st == CT_OK)
        st = ct_store_outbox_enqueue(txn, e, ct_now(), err);
    if (st != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    return ct_txn_commit(txn, err);
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
    if (!ct_outbox_kind_parse(argc > 3 ? argv[3] : "request", &e.kind)) {
        free(data);
        ct_error_set(&err, CT_EDATA, "kind: '%s' is not request, cancel or notice", argv[3]);
        return fail(&err);
    }
    e.subject = argc > 4 ? argv[4] : "Coffee";
    e.method = argc > 5 ? argv[5] : "REQUEST";
    e.text_body = "Hello";
    e.html_body = "<p>Hello</p>";
    e.ics = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    e.message = data;
    e.message_len = len;
    if (queue_one(store, &e, &err) != CT_OK)
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
    struct ct_txn *txn = NULL;
    int64_t now = ct_now();
    long n, i, bytes;

    if (argc < 2)
        return EX_USAGE;
    n = strtol(argv[0], NULL, 10);
    bytes = argc > 2 ? strtol(argv[2], NULL, 10) : 2000;
    ct_error_clear(&err);
    ct_buf_init(&msg);
    if (ct_txn_begin(store, &txn, &err) != CT_OK)
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
        e.kind = CT_OUTBOX_REQUEST;
        e.subject = "Coffee";
        e.method = "REQUEST";
        e.text_body = "Hello";
        e.message = msg.data;
        e.message_len = msg.len;
        if (msg.failed || ct_store_outbox_enqueue(txn, &e, now, &err) != CT_OK) {
            ct_txn_rollback(txn);
            ct_buf_free(&msg);
            return fail(&err);
        }
    }
    ct_buf_free(&msg);
    if (ct_txn_commit(txn, &err) != CT_OK)
        return fail(&err);
    return EX_OK;
}

int
main(int argc, char **argv)
{
    struct ct_store *store = NULL;
    struct ct_error err;
    int rc;

    if (argc < 3) {
        fprintf(stderr, "usage: outbox_tool DB enqueue|seed ARGS...\n");
        return EX_USAGE;
    }
    ct_error_clear(&err);
    if (ct_store_open(argv[1], &store, &err) != CT_OK)
        return fail(&err);
    if (strcmp(argv[2], "enqueue") == 0)
        rc = enqueue(store, argc - 3, argv + 3);
    else if (strcmp(argv[2], "seed") == 0)
        rc = seed(store, argc - 3, argv + 3);
    else
        rc = EX_USAGE;
    if (rc == EX_USAGE)
        fprintf(stderr, "usage: outbox_tool DB enqueue|seed ARGS...\n");
    ct_store_close(store);
    return rc;
}
