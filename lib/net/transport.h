/*
 * transport.h: how a finished message leaves coffeetrial. Each transport
 * (spool, smtp, http) is a backend: a struct of function pointers picked
 * by name, in the manner of OpenSMTPD's scheduler backends, so the outbox
 * and the tests can use any of them, or a fake, through one interface.
 */
#ifndef CT_TRANSPORT_H
#define CT_TRANSPORT_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"

/*
 * One message to deliver to one recipient. Every string is borrowed for the
 * duration of the send call. raw is the complete RFC 5322 message (CRLF line
 * ends) that spool and smtp deliver as is; http sends the structured fields.
 */
struct ct_transport_message {
    const char *message_id; /* without angle brackets */
    const char *from;       /* envelope sender: the organiser's address */
    const char *recipient;  /* the one envelope recipient */
    const char *subject;
    const char *method; /* "REQUEST", "CANCEL", or NULL */
    const char *text_body;
    const char *html_body; /* may be NULL */
    const char *ics;       /* may be NULL */
    const char *raw;
    size_t raw_len;
    int64_t now; /* when the send starts, Unix seconds: a Retry-After date is read against it */
};

/* What became of one message of a batch. */
struct ct_transport_result {
    enum ct_status status; /* as send() returns; CT_ESTATE: not tried (the batch stopped) */
    int64_t retry_after;   /* seconds the server asked us to wait; 0: none */
    /*
     * The relay failed, not the message: no answer within the timeout on a
     * connection it accepted, or the connection dropped or reset mid-message
     * (status CT_ETEMP). These trip the breaker.
     */
    bool relay_fault;
    struct ct_error err; /* why, when status is not CT_OK */
};

/*
 * How a batch is sent, and the breaker it shares with the flush: the batch
 * stops taking new messages once *stop is raised, a message is CT_EUNAVAIL
 * (then `unavailable`), or `consecutive` relay faults reach `threshold` (then `tripped`). Any
 * answer from the relay (sent, refused, deferred) sets consecutive to 0.
 * done(), if set, is called once per message tried, as its result comes.
 */
struct ct_transport_batch {
    int threshold;    /* consecutive relay faults that trip the breaker; 0: never */
    int consecutive;  /* in/out: relay faults in a row so far in this flush */
    bool tripped;     /* out */
    bool unavailable; /* out: a message was CT_EUNAVAIL */
    volatile sig_atomic_t *stop;
    void (*done)(void *arg, size_t i, const struct ct_transport_result *result);
    void *done_arg;
};

/*
 * A backend. open() reads what it needs from cfg (which it must not keep:
 * copy what outlives the call), reads secrets and prepares, without yet
 * connecting. send() delivers one message and returns:
 *   CT_OK        delivered (accepted by the server, or written);
 *   CT_ETEMP     not now, retry later; *retry_after may be set to the
 *                number of seconds the server asked us to wait (0: none);
 *   CT_EPERM     refused for good (an unknown recipient, a rejected body);
 *   CT_EUNAVAIL  the service cannot be used at all (no connection, TLS or
 *                login failure, a refused sender): the message is not at
 *                fault, the caller stops its batch and keeps it queued.
 * err says why in one line, never containing a secret. close() frees
 * everything, wiping secrets; close(NULL) is fine.
 */
struct ct_transport_backend {
    const char *name;
    enum ct_status (*open)(const struct ct_config *cfg, void **state, struct ct_error *err);
    enum ct_status (*send)(void *state, const struct ct_transport_message *msg,
                           int64_t *retry_after, struct ct_error *err);
    void (*close)(void *state);
    /*
     * Optional: deliver msgs[0..n) (several at once, or with one sync for
     * all) and fill results[i] for each; a message reported CT_OK must be
     * delivered for good (durable) when this returns. NULL: send() one by
     * one, in order.
     */
    void (*send_batch)(void *state, const struct ct_transport_message *msgs, size_t n,
                       struct ct_transport_batch *batch, struct ct_transport_result *results);
    /* Optional: messages worth claiming per batch; 0 or NULL: the outbox's default. */
    int (*batch_size)(void *state);
};

/* An open transport: a backend and its state. */
struct ct_transport;

/* The backend called name ("spool", "smtp", "http"), or NULL. */
const struct ct_transport_backend *ct_transport_find(const char *name);

/* The name of a configured kind ("spool", ...). Never NULL. */
const char *ct_transport_kind_name(enum ct_transport_kind kind);

/*
 * Open the transport cfg->transport.kind names. Bad settings (a URL of the
 * wrong scheme, an unreadable password_file) are CT_ECONFIG with a message
 * naming the section and key. OUT: *out, closed with ct_transport_close().
 */
enum ct_status ct_transport_open(const struct ct_config *cfg, struct ct_transport **out,
                                 struct ct_error *err);

/* Open a given backend (tests pass a fake one). OUT: *out. */
enum ct_status ct_transport_open_backend(const struct ct_transport_backend *backend,
                                         const struct ct_config *cfg, struct ct_transport **out,
                                         struct ct_error *err);

/*
 * Deliver one message; see struct ct_transport_backend for the statuses.
 * OUT: *retry_after (seconds, 0 if the server gave none).
 */
enum ct_status ct_transport_send(struct ct_transport *t, const struct ct_transport_message *msg,
                                 int64_t *retry_after, struct ct_error *err);

/*
 * Deliver a batch: see struct ct_transport_batch and send_batch. Every
 * results[i] is filled (CT_ESTATE for a message not tried); batch->tripped
 * says whether the breaker tripped.
 */
void ct_transport_send_batch(struct ct_transport *t, const struct ct_transport_message *msgs,
                             size_t n, struct ct_transport_batch *batch,
                             struct ct_transport_result *results);

/* How many messages the transport would take per batch; 0: no preference. */
int ct_transport_batch_size(const struct ct_transport *t);

const char *ct_transport_name(const struct ct_transport *t);

void ct_transport_close(struct ct_transport *t);

#endif
