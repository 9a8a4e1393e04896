/*
 * web.c: the HTTP side of the members' pages: libmicrohttpd on its own
 * polling thread with bounded connections, time and memory; a token bucket
 * per client address; bodies capped at 16 KB; the security headers on
 * every answer; forms parsed strictly. Routes are in web_routes.c.
 */
#include "web.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <openssl/evp.h>

#include "token.h"
#include "web_impl.h"
#include "web_routes.h"

#define BODY_MAX     (16 * 1024)
#define BUCKETS      1024
#define BUCKET_BURST 120.0 /* requests a client may make at once */
#define BUCKET_RATE  2.0   /* and then per second */
#define CONN_LIMIT   128
#define CONN_PER_IP  16
#define CONN_TIMEOUT 15 /* seconds */
#define CONN_MEMORY  (64 * 1024)

struct bucket {
    char addr[INET6_ADDRSTRLEN + 1];
    double tokens;
    int64_t at;
};

struct ct_web {
    struct MHD_Daemon *mhd;
    struct web_ctx ctx;
    struct ct_web_hooks hooks;
    char csp[256];
    pthread_mutex_t lock; /* buckets */
    struct bucket buckets[BUCKETS];
};

/* One request's state between libmicrohttpd's calls. */
struct request {
    bool too_big, limited;
    struct ct_buf body;
};

bool
ct_web_wanted(const struct ct_config *cfg)
{
    return cfg->web.public_url != NULL || cfg->web.metrics;
}

/* ---- the client's address and its bucket -------------------------------------- */

static void
client_address(struct MHD_Connection *c, char *out, size_t size)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    const struct sockaddr *sa = info ? info->client_addr : NULL;
    const char *fwd;

    snprintf(out, size, "?");
    if (sa && sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)size);
    else if (sa && sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)size);
    /* Behind the reverse proxy on this host, the client is the last X-Forwarded-For. */
    if ((strcmp(out, "127.0.0.1") == 0 || strcmp(out, "::1") == 0) &&
        (fwd = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-For")) != NULL) {
        const char *last = strrchr(fwd, ',');
        last = last ? last + 1 : fwd;
        while (*last == ' ')
            last++;
        if (*last && strlen(last) < size &&
            strspn(last, "0123456789abcdefABCDEF.:") == strlen(last))
            snprintf(out, size, "%s", last);
    }
}

/* Whether addr may make one more request now (token bucket). */
static bool
bucket_take(struct ct_web *w, const char *addr, int64_t now)
{
    uint64_t h = 1469598103934665603ULL;
    struct bucket *b;
    bool ok;

    for (const char *p = addr; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ULL;
    pthread_mutex_lock(&w->lock);
    b = &w->buckets[h % BUCKETS];
    if (strcmp(b->addr, addr) != 0) {
        snprintf(b->addr, sizeof(b->addr), "%.45s", addr);
        b->tokens = BUCKET_BURST;
        b->at = now;
    }
    if (now > b->at) {
        b->tokens += (double)(now - b->at) * BUCKET_RATE;
        if (b->tokens > BUCKET_BURST)
            b->tokens = BUCKET_BURST;
        b->at = now;
    }
    ok = b->tokens >= 1.0;
    if (ok)
        b->tokens -= 1.0;
    pthread_mutex_unlock(&w->lock);
    return ok;
}

/* ---- answers --------------------------------------------------------------------- */

/* The status of the answer just queued on this thread, for the log line. */
static _Thread_local int answered_status;

static enum MHD_Result
send_answer(struct ct_web *w, struct MHD_Connection *c, int status, const char *type, char *body,
            size_t len, const char *allow)
{
    struct MHD_Response *r;
    enum MHD_Result ret;

    r = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
    if (r == NULL) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Content-Security-Policy", w->csp);
    MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(r, "Cache-Control", "no-store");
    MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(r, "X-Frame-Options", "DENY");
    if (allow)
        MHD_add_response_header(r, "Allow", allow);
    if (status == MHD_HTTP_TOO_MANY_REQUESTS)
        MHD_add_response_header(r, "Retry-After", "30");
    answered_status = status;
    ret = MHD_queue_response(c, (unsigned)status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result
send_page(struct ct_web *w, struct MHD_Connection *c, struct web_page *page, const char *allow)
{
    size_t len = 0;
    char *doc = web_document(w->ctx.cfg->network.name, page, &len);

    ct_buf_free(&page->body);
    if (doc == NULL)
        return MHD_NO;
    return send_answer(w, c, page->status, "text/html; charset=utf-8", doc, len, allow);
}

/* A plain page for a refusal: status, title, one sentence. */
static enum MHD_Result
send_plain(struct ct_web *w, struct MHD_Connection *c, int status, const char *title,
           const char *text, const char *allow)
{
    struct web_page page = {.status = status};

    snprintf(page.title, sizeof(page.title), "%s", title);
    ct_buf_init(&page.body);
    ct_buf_puts(&page.body, "<p>");
    web_escape(&page.body, text);
    ct_buf_puts(&page.body, "</p>\n");
    return send_page(w, c, &page, allow);
}

static void
log_request(struct ct_web *w, const char *method, const char *route, int status)
{
    char line[128];

    if (w->hooks.log == NULL)
        return;
    snprintf(line, sizeof(line), "web: %.8s %.16s %d", method, route, status);
    w->hooks.log(w->hooks.arg, line);
}

/* ---- forms ------------------------------------------------------------------------- */

static int
hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* Percent-decode s[0..n) ('+' is a space); NULL for a bad escape, a NUL or control byte. */
static char *
form_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t i, o = 0;

    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '+') {
            c = ' ';
        } else if (c == '%') {
            int hi = i + 2 < n ? hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < n ? hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0) {
                free(out);
                return NULL;
            }
            c = (unsigned char)(hi << 4 | lo);
            i += 2;
        }
        if (c == 0 || (c < 0x20 && c != '\n' && c != '\r' && c != '\t') || c == 0x7f) {
            free(out);
            return NULL;
        }
        out[o++] = (char)c;
    }
    out[o] = '\0';
    return out;
}

void
web_form_free(struct web_form *form)
{
    size_t i;

    for (i = 0; i < form->count; i++) {
        free(form->name[i]);
        free(form->value[i]);
    }
    form->count = 0;
}

/* Parse body as a urlencoded form; false (form emptied) when it is malformed. */
static bool
form_parse(const char *body, size_t len, struct web_form *form)
{
    const char *p = body, *end = body + len;

    memset(form, 0, sizeof(*form));
    while (p < end) {
        const char *amp = memchr(p, '&', (size_t)(end - p)), *eq;
        const char *stop = amp ? amp : end;
        if (stop == p) {
            p++;
            continue;
        }
        eq = memchr(p, '=', (size_t)(stop - p));
        if (eq == NULL || eq == p || form->count == WEB_FORM_MAX)
            goto bad;
        form->name[form->count] = form_decode(p, (size_t)(eq - p));
        form->value[form->count] = form_decode(eq + 1, (size_t)(stop - eq - 1));
        form->count++;
        if (!form->name[form->count - 1] || !form->value[form->count - 1])
            goto bad;
        p = stop + (amp != NULL);
    }
    return true;
bad:
    web_form_free(form);
    return false;
}

/* ---- the request handler -------------------------------------------------------------- */

/* "/word/TOKEN" into word and token (borrowed into the buffers); false if not that shape. */
static bool
split_path(const char *url, char *word, size_t wsize, char *token, size_t tsize)
{
    const char *slash;
    size_t n;

    if (url[0] != '/' || (slash = strchr(url + 1, '/')) == NULL)
        return false;
    n = (size_t)(slash - url - 1);
    if (n == 0 || n >= wsize || slash[1] == '\0' || strlen(slash + 1) >= tsize ||
        strchr(slash + 1, '/'))
        return false;
    memcpy(word, url + 1, n);
    word[n] = '\0';
    snprintf(token, tsize, "%s", slash + 1);
    return true;
}

static enum MHD_Result
dispatch(struct ct_web *w, struct MHD_Connection *c, const char *url, const char *method,
         struct request *rq, const char **route)
{
    char word[24], token[CT_TOKEN_MAX + 8];
    bool post = strcmp(method, "POST") == 0;
    struct web_form form = {0};
    struct web_page page = {0};
    enum ct_action action;
    const char *type;
    int64_t now = w->hooks.now();

    if (strcmp(url, "/metrics") == 0) {
        *route = "metrics";
        if (!w->ctx.cfg->web.metrics)
            return send_plain(w, c, MHD_HTTP_NOT_FOUND, "Not found", "There is no such page.",
                              NULL);
        if (post)
            return send_plain(w, c, MHD_HTTP_METHOD_NOT_ALLOWED, "Not allowed",
                              "Only GET reads the metrics.", "GET, HEAD");
        {
            size_t len = 0;
            char *text = NULL;
            int status = web_metrics(&w->ctx, now, &text, &len);
            return send_answer(w, c, status, "text/plain; version=0.0.4; charset=utf-8", text, len,
                               NULL);
        }
    }
    if (!split_path(url, word, sizeof(word), token, sizeof(token)) ||
        !ct_action_parse(word, &action) || w->ctx.cfg->web.public_url == NULL)
        return send_plain(w, c, MHD_HTTP_NOT_FOUND, "Not found", "There is no such page.", NULL);
    *route = ct_action_str(action);
    if (post) {
        type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
        if (action == CT_ACTION_UNSUBSCRIBE && type &&
            strncasecmp(type, "multipart/form-data", 19) == 0) {
            /* RFC 8058 senders may post multipart: only the one field matters. */
            if (rq->body.data && strstr(rq->body.data, "name=\"List-Unsubscribe\"") &&
                strstr(rq->body.data, "One-Click")) {
                form.name[0] = strdup("List-Unsubscribe");
                form.value[0] = strdup("One-Click");
                form.count = 1;
            }
        } else if (type == NULL ||
                   strncasecmp(type, "application/x-www-form-urlencoded", 33) != 0 ||
                   !form_parse(rq->body.data ? rq->body.data : "", rq->body.len, &form)) {
            return send_plain(w, c, MHD_HTTP_BAD_REQUEST, "Not understood",
                              "The form was not sent the way this page sends it.", NULL);
        }
    }
    ct_buf_init(&page.body);
    web_route(&w->ctx, action, token, post ? &form : NULL,
              MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "answer"), now, &page);
    web_form_free(&form);
    return send_page(w, c, &page, NULL);
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
           const char *version, const char *upload, size_t *upload_size, void **state)
{
    struct ct_web *w = cls;
    struct request *rq = *state;
    const char *route = "-", *length;
    char addr[INET6_ADDRSTRLEN + 1];
    enum MHD_Result ret;

    (void)version;
    if (rq == NULL) {
        if ((rq = calloc(1, sizeof(*rq))) == NULL)
            return MHD_NO;
        ct_buf_init(&rq->body);
        *state = rq;
        client_address(c, addr, sizeof(addr));
        rq->limited = !bucket_take(w, addr, w->hooks.now());
        length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
        rq->too_big = length && strtoull(length, NULL, 10) > BODY_MAX;
        return MHD_YES;
    }
    if (*upload_size > 0) {
        if (!rq->too_big && rq->body.len + *upload_size <= BODY_MAX)
            ct_buf_append(&rq->body, upload, *upload_size);
        else
            rq->too_big = true;
        *upload_size = 0;
        return MHD_YES;
    }
    answered_status = 0;
    if (rq->limited)
        ret = send_plain(w, c, MHD_HTTP_TOO_MANY_REQUESTS, "Too many requests",
                         "Please try again in a minute.", NULL);
    else if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0 &&
             strcmp(method, "POST") != 0)
        ret = send_plain(w, c, MHD_HTTP_METHOD_NOT_ALLOWED, "Not allowed",
                         "This page only answers GET and POST.", "GET, HEAD, POST");
    else if (rq->too_big || rq->body.failed)
        ret = send_plain(w, c, 413, "Too large", "That was more than this page accepts.", NULL);
    else
        ret = dispatch(w, c, url, method, rq, &route);
    log_request(w, method, route, answered_status);
    return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **state, enum MHD_RequestTerminationCode t)
{
    struct request *rq = *state;

    (void)cls, (void)c, (void)t;
    if (rq) {
        ct_buf_free(&rq->body);
        free(rq);
        *state = NULL;
    }
}
/* ---- start and stop ---------------------------------------------------------------- */

/* The CSP: nothing but this page's own inline style, its forms, no framing. */
static bool
make_csp(struct ct_web *w)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
    unsigned int n = 0;

    if (!EVP_Digest(web_style, strlen(web_style), digest, &n, EVP_sha256(), NULL))
        return false;
    EVP_EncodeBlock(b64, digest, (int)n);
    snprintf(w->csp, sizeof(w->csp),
             "default-src 'none'; style-src 'sha256-%s'; form-action 'self'; "
             "frame-ancestors 'none'; base-uri 'none'",
             (const char *)b64);
    return true;
}

/* [web] listen as a socket address. */
static bool
listen_address(const char *listen, struct sockaddr_storage *ss, bool *v6)
{
    char host[64];
    const char *colon = strrchr(listen, ':');
    long port;
    size_t n;

    memset(ss, 0, sizeof(*ss));
    if (colon == NULL || (port = strtol(colon + 1, NULL, 10)) < 1 || port > 65535)
        return false;
    n = (size_t)(colon - listen);
    *v6 = listen[0] == '[';
    if (*v6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        if (n < 3 || n - 2 >= sizeof(host))
            return false;
        memcpy(host, listen + 1, n - 2);
        host[n - 2] = '\0';
        a->sin6_family = AF_INET6;
        a->sin6_port = htons((uint16_t)port);
        return inet_pton(AF_INET6, host, &a->sin6_addr) == 1;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        if (n >= sizeof(host))
            return false;
        memcpy(host, listen, n);
        host[n] = '\0';
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)port);
        return inet_pton(AF_INET, host, &a->sin_addr) == 1;
    }
}

static enum ct_status
load_context(struct ct_web *w, const struct ct_config *cfg, struct ct_error *err)
{
    struct ct_diags diags;
    enum ct_status st;

    ct_diags_init(&diags);
    if (cfg->path)
        st = ct_config_load(cfg->path, w->hooks.now(), &w->ctx.own_cfg, &diags);
    else
        st = (w->ctx.own_cfg = ct_config_new_defaults()) ? CT_OK : CT_ENOMEM;
    ct_diags_free(&diags);
    if (st != CT_OK)
        return ct_error_set(err, st, "the web listener could not read the configuration again");
    w->ctx.cfg = w->ctx.own_cfg;
    if (w->ctx.cfg->web.public_url) {
        st = ct_token_key_read(w->ctx.cfg->web.secret_file, w->ctx.key, NULL, err);
        if (st != CT_OK)
            return ct_error_prefix(err, "[web] secret_file");
        w->ctx.have_key = true;
    }
    return CT_OK;
}

enum ct_status
ct_web_start(const struct ct_config *cfg, int listen_fd, const struct ct_web_hooks *hooks,
             struct ct_web **out, struct ct_error *err)
{
    struct ct_web *w = calloc(1, sizeof(*w));
    struct sockaddr_storage ss;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO;
    enum ct_status st;
    bool v6 = false;

    *out = NULL;
    if (w == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    w->hooks = *hooks;
    pthread_mutex_init(&w->lock, NULL);
    if ((st = load_context(w, cfg, err)) != CT_OK)
        goto fail;
    if (!make_csp(w)) {
        st = ct_error_set(err, CT_EINTERNAL, "SHA-256 failed");
        goto fail;
    }
    if (listen_fd < 0 && !listen_address(w->ctx.cfg->web.listen, &ss, &v6)) {
        st = ct_error_set(err, CT_ECONFIG, "[web] listen = %s: not an address",
                          w->ctx.cfg->web.listen);
        goto fail;
    }
    if (v6)
        flags |= MHD_USE_IPv6;
    w->mhd = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, w, MHD_OPTION_NOTIFY_COMPLETED, on_completed, w,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)CONN_LIMIT, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
        (unsigned)CONN_PER_IP, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)CONN_TIMEOUT,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)CONN_MEMORY,
        listen_fd >= 0 ? MHD_OPTION_LISTEN_SOCKET : MHD_OPTION_SOCK_ADDR,
        listen_fd >= 0 ? (intptr_t)listen_fd : (intptr_t)(void *)&ss, MHD_OPTION_END);
    if (w->mhd == NULL) {
        st = ct_error_set(err, CT_EIO, "cannot listen on %s (in use, or not ours to bind?)",
                          listen_fd >= 0 ? "the socket systemd passed" : w->ctx.cfg->web.listen);
        goto fail;
    }
    *out = w;
    return CT_OK;
fail:
    ct_web_stop(w);
    return st;
}

void
ct_web_stop(struct ct_web *w)
{
    if (w == NULL)
        return;
    if (w->mhd)
        MHD_stop_daemon(w->mhd);
    explicit_bzero(w->ctx.key, sizeof(w->ctx.key));
    ct_config_free(w->ctx.own_cfg);
    pthread_mutex_destroy(&w->lock);
    free(w);
}
