/*
 * transport.c: picking a transport backend by name, and what the backends
 * share: secrets read from files, the loopback rule, address checks, and
 * turning a server's words into one printable line.
 */
#include "transport.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "transport_impl.h"
#include "util.h"

struct ct_transport {
    const struct ct_transport_backend *backend;
    void *state;
};

static const struct ct_transport_backend *const backends[] = {
    &ct_transport_spool,
    &ct_transport_smtp,
    &ct_transport_http,
};

const struct ct_transport_backend *
ct_transport_find(const char *name)
{
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(backends); i++)
        if (strcmp(backends[i]->name, name) == 0)
            return backends[i];
    return NULL;
}

const char *
ct_transport_kind_name(enum ct_transport_kind kind)
{
    switch (kind) {
    case CT_TRANSPORT_SPOOL: return "spool";
    case CT_TRANSPORT_SMTP: return "smtp";
    case CT_TRANSPORT_HTTP: return "http";
    }
    return "spool";
}

enum ct_status
ct_transport_open_backend(const struct ct_transport_backend *backend, const struct ct_config *cfg,
                          struct ct_transport **out, struct ct_error *err)
{
    struct ct_transport *t;
    enum ct_status st;

    *out = NULL;
    t = calloc(1, sizeof(*t));
    if (t == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    t->backend = backend;
    st = backend->open(cfg, &t->state, err);
    if (st != CT_OK) {
        free(t);
        return st;
    }
    *out = t;
    return CT_OK;
}

enum ct_status
ct_transport_open(const struct ct_config *cfg, struct ct_transport **out, struct ct_error *err)
{
    const char *name = ct_transport_kind_name(cfg->transport.kind);
    const struct ct_transport_backend *backend = ct_transport_find(name);

    *out = NULL;
    if (backend == NULL)
        return ct_error_set(err, CT_ECONFIG, "[transport] kind: unknown transport '%s'", name);
    return ct_transport_open_backend(backend, cfg, out, err);
}

enum ct_status
ct_transport_send(struct ct_transport *t, const struct ct_transport_message *msg,
                  int64_t *retry_after, struct ct_error *err)
{
    *retry_after = 0;
    return t->backend->send(t->state, msg, retry_after, err);
}

bool
ct_transport_batch_going(const struct ct_transport_batch *batch)
{
    return !batch->tripped && !batch->unavailable && !(batch->stop && *batch->stop);
}

void
ct_transport_batch_note(struct ct_transport_batch *batch, size_t i,
                        const struct ct_transport_result *r)
{
    if (r->status == CT_EUNAVAIL)
        batch->unavailable = true;
    else if (r->relay_fault)
        batch->consecutive++;
    else
        batch->consecutive = 0;
    if (batch->threshold > 0 && batch->consecutive >= batch->threshold)
        batch->tripped = true;
    if (batch->done)
        batch->done(batch->done_arg, i, r);
}

void
ct_transport_results_init(struct ct_transport_result *results, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof(results[i]));
        results[i].status = CT_ESTATE;
    }
}

void
ct_transport_batch_each(void *state, const struct ct_transport_message *msgs, size_t n,
                        struct ct_transport_batch *batch, struct ct_transport_result *results,
                        enum ct_status (*send)(void *state, const struct ct_transport_message *msg,
                                               struct ct_transport_result *r))
{
    size_t i;

    for (i = 0; i < n && ct_transport_batch_going(batch); i++) {
        struct ct_transport_result *r = &results[i];

        ct_error_clear(&r->err);
        r->retry_after = 0;
        r->relay_fault = false;
        r->status = send(state, &msgs[i], r);
        if (r->status != CT_OK && r->err.message[0] == '\0')
            ct_error_set(&r->err, r->status, "%s", ct_status_str(r->status));
        ct_transport_batch_note(batch, i, r);
    }
}

/* A backend without send_batch: its send(), one by one; state is the transport. */
static enum ct_status
plain_send(void *state, const struct ct_transport_message *msg, struct ct_transport_result *r)
{
    struct ct_transport *t = state;

    return t->backend->send(t->state, msg, &r->retry_after, &r->err);
}

void
ct_transport_send_batch(struct ct_transport *t, const struct ct_transport_message *msgs, size_t n,
                        struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    batch->tripped = false;
    batch->unavailable = false;
    ct_transport_results_init(results, n);
    if (t->backend->send_batch) {
        t->backend->send_batch(t->state, msgs, n, batch, results);
        return;
    }
    ct_transport_batch_each(t, msgs, n, batch, results, plain_send);
}

int
ct_transport_batch_size(const struct ct_transport *t)
{
    return t->backend->batch_size ? t->backend->batch_size(t->state) : 0;
}

const char *
ct_transport_name(const struct ct_transport *t)
{
    return t->backend->name;
}

void
ct_transport_close(struct ct_transport *t)
{
    if (t == NULL)
        return;
    t->backend->close(t->state);
    free(t);
}

enum ct_status
ct_transport_read_secret(const char *file, const char *what, char **secret, struct ct_error *err)
{
    enum ct_status st;

    *secret = NULL;
    if (file == NULL || *file == '\0')
        return ct_error_set(err, CT_ECONFIG, "%s is not set", what);
    st = ct_config_read_secret(file, secret, NULL, err);
    if (st == CT_ENOMEM)
        return st;
    if (st != CT_OK) {
        ct_error_prefix(err, "%s", what);
        if (err)
            err->status = CT_ECONFIG;
        return CT_ECONFIG;
    }
    return CT_OK;
}

enum ct_status
ct_transport_curl_init(struct ct_error *err)
{
    static bool done;

    if (!done && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return ct_error_set(err, CT_EINTERNAL, "libcurl initialisation failed");
    done = true;
    return CT_OK;
}

void
ct_transport_secret_free(char *secret)
{
    if (secret == NULL)
        return;
    explicit_bzero(secret, strlen(secret));
    free(secret);
}

bool
ct_transport_host_is_loopback(const char *host)
{
    char buf[64];
    size_t len;
    struct in_addr v4;
    struct in6_addr v6;

    if (host == NULL)
        return false;
    len = strlen(host);
    if (len >= 2 && host[0] == '[' && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, host, len);
    buf[len] = '\0';
    if (ct_strcaseeq(buf, "localhost") || ct_strcaseeq(buf, "localhost."))
        return true;
    if (inet_pton(AF_INET, buf, &v4) == 1)
        return (ntohl(v4.s_addr) >> 24) == 127;
    if (inet_pton(AF_INET6, buf, &v6) == 1)
        return IN6_IS_ADDR_LOOPBACK(&v6);
    return false;
}

bool
ct_transport_address_ok(const char *addr)
{
    const unsigned char *p;
    int ats = 0;

    if (addr == NULL || *addr == '\0' || strlen(addr) > 320)
        return false;
    for (p = (const unsigned char *)addr; *p; p++) {
        if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
            return false;
        if (*p == '@')
            ats++;
    }
    return ats == 1 && addr[0] != '@' && p[-1] != '@';
}

void
ct_transport_reply_text(char *out, size_t size, const char *text, size_t len)
{
    size_t o = 0, i;
    bool space = false;

    if (size == 0)
        return;
    for (i = 0; i < len && text[i]; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c < 0x20 || c == 0x7f || c == ' ') {
            space = o > 0;
            continue;
        }
        if (space) {
            if (o + 1 >= size)
                break;
            out[o++] = ' ';
            space = false;
        }
        if (o + 1 >= size)
            break;
        out[o++] = (char)c;
    }
    if (i < len && text[i] && o + 1 >= size && size > 4) {
        /* Cut at a UTF-8 character boundary, leaving room for "...". */
        o = size - 4;
        while (o > 0 && ((unsigned char)out[o] & 0xc0) == 0x80)
            o--;
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
}
