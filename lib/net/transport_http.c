/*
 * transport_http.c: the HTTP gateway transport: one JSON document per
 * message POSTed to [http] url with a bearer token, the Message-ID as the
 * Idempotency-Key (so a retried POST the gateway already took is not sent
 * twice), on one kept-alive libcurl handle for the batch.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "json.h"
#include "transport_impl.h"
#include "net_impl.h"
#include "util.h"

struct http {
    CURL *curl;
    char *url;
    char curl_message[CURL_ERROR_SIZE];
    char retry_after[64];                  /* the Retry-After header of the last answer */
    char body[CT_TRANSPORT_REPLY_MAX + 1]; /* the start of the last answer's body */
    size_t body_len;
};

static bool
parse_http_date(const char *value, int64_t *t)
{
    /* IMF-fixdate, then the two obsolete forms RFC 9110 still accepts. */
    static const char *const formats[] = {
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y",
    };
    struct tm tm;
    const char *end;
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(formats); i++) {
        memset(&tm, 0, sizeof(tm));
        end = strptime(value, formats[i], &tm);
        if (end == NULL)
            continue;
        while (*end == ' ' || *end == '\t')
            end++;
        if (*end != '\0')
            continue;
        *t = (int64_t)timegm(&tm);
        return true;
    }
    return false;
}

bool
ct_transport_retry_after_parse(const char *value, int64_t now, int64_t *seconds)
{
    char buf[64];
    size_t len;
    int64_t v = 0, when;
    const char *p;

    *seconds = 0;
    if (value == NULL)
        return false;
    while (*value == ' ' || *value == '\t')
        value++;
    len = strlen(value);
    while (len > 0 && (value[len - 1] == ' ' || value[len - 1] == '\t' || value[len - 1] == '\r' ||
                       value[len - 1] == '\n'))
        len--;
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, value, len);
    buf[len] = '\0';
    if (buf[0] >= '0' && buf[0] <= '9') {
        for (p = buf; *p; p++) {
            if (*p < '0' || *p > '9')
                return false;
            if (v <= CT_TRANSPORT_RETRY_AFTER_MAX)
                v = v * 10 + (*p - '0');
        }
    } else if (parse_http_date(buf, &when)) {
        v = when > now ? when - now : 0;
    } else {
        return false;
    }
    *seconds = v > CT_TRANSPORT_RETRY_AFTER_MAX ? CT_TRANSPORT_RETRY_AFTER_MAX : v;
    return true;
}

enum ct_status
ct_transport_http_classify(long status)
{
    if (status >= 200 && status < 300)
        return CT_OK;
    if (status == 408 || status == 429 || (status >= 500 && status < 600))
        return CT_ETEMP;
    if (status == 401 || status == 403 || status == 407)
        return CT_EUNAVAIL;
    return CT_EPERM;
}

/* Keep the start of the answer's body for error messages; drop the rest. */
static size_t
keep_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct http *h = arg;
    size_t n = size * nmemb, room = sizeof(h->body) - 1 - h->body_len;

    if (room > 0) {
        size_t take = n < room ? n : room;
        memcpy(h->body + h->body_len, data, take);
        h->body_len += take;
        h->body[h->body_len] = '\0';
    }
    return n;
}

static size_t
watch_headers(char *data, size_t size, size_t nmemb, void *arg)
{
    struct http *h = arg;
    size_t n = size * nmemb, len;

    /* A new status line (after a 100 Continue, say) starts a new answer. */
    if (n >= 5 && strncmp(data, "HTTP/", 5) == 0)
        h->retry_after[0] = '\0';
    if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        len = n - 12;
        if (len >= sizeof(h->retry_after))
            len = sizeof(h->retry_after) - 1;
        memcpy(h->retry_after, data + 12, len);
        h->retry_after[len] = '\0';
    }
    return n;
}

static void
http_close(void *state)
{
    struct http *h = state;

    if (h == NULL)
        return;
    if (h->curl)
        curl_easy_cleanup(h->curl);
    free(h->url);
    free(h);
}

static enum ct_status
http_open(const struct ct_config *cfg, void **state, struct ct_error *err)
{
    struct http *h = NULL;
    CURLU *u = NULL;
    char *scheme = NULL, *host = NULL, *token = NULL;
    long timeout = cfg->http.timeout > 0 ? (long)cfg->http.timeout : 30;
    enum ct_status st;

    *state = NULL;
    st = ct_transport_curl_init(err);
    if (st != CT_OK)
        return st;
    if (cfg->http.url == NULL || *cfg->http.url == '\0')
        return ct_error_set(err, CT_ECONFIG, "[http] url is not set");
    u = curl_url();
    if (u == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, cfg->http.url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        (!ct_strcaseeq(scheme, "https") && !ct_strcaseeq(scheme, "http")) ||
        strncmp(cfg->http.url, scheme, strlen(scheme)) != 0) {
        st = ct_error_set(err, CT_ECONFIG, "[http] url: '%s' is not an http(s):// URL",
                          cfg->http.url);
        goto out;
    }
    /* The token must not cross a network in the clear. */
    if (ct_strcaseeq(scheme, "http") && !ct_transport_host_is_loopback(host)) {
        st = ct_error_set(err, CT_ECONFIG,
                          "[http] url: '%s' would send the token in the clear; use https:// "
                          "(plain http is only allowed to a loopback address)",
                          cfg->http.url);
        goto out;
    }
    if (cfg->http.ca_file && *cfg->http.ca_file && access(cfg->http.ca_file, R_OK) != 0) {
        st = ct_error_set(err, CT_ECONFIG, "[http] ca_file: %s: %s", cfg->http.ca_file,
                          strerror(errno));
        goto out;
    }
    st = ct_transport_read_secret(cfg->http.token_file, "[http] token_file", &token, err);
    if (st != CT_OK)
        goto out;
    h = calloc(1, sizeof(*h));
    if (h == NULL || (h->url = strdup(cfg->http.url)) == NULL ||
        (h->curl = curl_easy_init()) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    if (ct_net_apply_proxy(h->curl, false) != CURLE_OK) {
        st = ct_error_set(err, CT_EINTERNAL, "[transport] proxy: libcurl cannot use it");
        goto out;
    }
    curl_easy_setopt(h->curl, CURLOPT_URL, h->url);
    curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, timeout);
    if (cfg->http.ca_file && *cfg->http.ca_file)
        curl_easy_setopt(h->curl, CURLOPT_CAINFO, cfg->http.ca_file);
    /* With Bearer the only method, libcurl sends it at once; it keeps its own copy. */
    curl_easy_setopt(h->curl, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
    curl_easy_setopt(h->curl, CURLOPT_XOAUTH2_BEARER, token);
    curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->curl_message);
    curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, keep_body);
    curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
    curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, watch_headers);
    curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, h);
    curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "coffeetrial/" CT_VERSION);
    *state = h;
    h = NULL;
out:
    ct_transport_secret_free(token);
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    http_close(h);
    return st;
}

/* The JSON document for one message. */
static bool
build_document(struct ct_buf *b, const struct ct_transport_message *msg)
{
    ct_buf_puts(b, "{\"message_id\":");
    ct_json_escape(b, msg->message_id);
    ct_buf_puts(b, ",\"from\":");
    ct_json_escape(b, msg->from);
    ct_buf_puts(b, ",\"recipients\":[");
    ct_json_escape(b, msg->recipient);
    ct_buf_puts(b, "],\"subject\":");
    ct_json_escape(b, msg->subject);
    ct_buf_puts(b, ",\"text\":");
    ct_json_escape(b, msg->text_body);
    ct_buf_puts(b, ",\"html\":");
    ct_json_escape(b, msg->html_body);
    ct_buf_puts(b, ",\"ics\":");
    ct_json_escape(b, msg->ics);
    ct_buf_puts(b, ",\"method\":");
    ct_json_escape(b, msg->method);
    return ct_buf_puts(b, "}");
}

/* One message; r->relay_fault when the gateway, not the message, failed. */
static enum ct_status
http_send_one(void *state, const struct ct_transport_message *msg, struct ct_transport_result *r)
{
    struct http *h = state;
    struct ct_error *err = &r->err;
    int64_t *retry_after = &r->retry_after;
    struct curl_slist *headers = NULL, *more;
    struct ct_buf doc;
    char *key = NULL, reply[CT_TRANSPORT_REPLY_MAX];
    enum ct_status st;
    CURLcode rc;
    long status = 0;
    double connect_time = 0;

    ct_buf_init(&doc);
    if (!ct_transport_address_ok(msg->recipient)) {
        st = ct_error_set(err, CT_EPERM, "recipient '%s' is not a usable address",
                          msg->recipient ? msg->recipient : "");
        goto out;
    }
    key = ct_asprintf("Idempotency-Key: %s", msg->message_id);
    if (key == NULL || !build_document(&doc, msg) ||
        (headers = curl_slist_append(NULL, "Content-Type: application/json")) == NULL ||
        (more = curl_slist_append(headers, key)) == NULL ||
        (more = curl_slist_append(headers, "Expect:")) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    h->curl_message[0] = '\0';
    h->retry_after[0] = '\0';
    h->body[0] = '\0';
    h->body_len = 0;
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, doc.data);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)doc.len);
    rc = curl_easy_perform(h->curl);
    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(h->curl, CURLINFO_CONNECT_TIME, &connect_time);
    curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
    if (rc != CURLE_OK) {
        switch (rc) {
        case CURLE_OPERATION_TIMEDOUT:
            /* Connected but no answer: the gateway may yet have it; retry. */
            st = connect_time > 0 ? CT_ETEMP : CT_EUNAVAIL;
            r->relay_fault = st == CT_ETEMP;
            break;
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
            /* The connection dropped mid-exchange: the gateway's doing. */
            st = CT_ETEMP;
            r->relay_fault = true;
            break;
        default: st = CT_EUNAVAIL; break;
        }
        ct_error_set(err, st, "%s: %s", h->url,
                     h->curl_message[0] ? h->curl_message : curl_easy_strerror(rc));
        goto out;
    }
    st = ct_transport_http_classify(status);
    if (st == CT_OK)
        goto out;
    if (st == CT_ETEMP && h->retry_after[0])
        ct_transport_retry_after_parse(h->retry_after, msg->now, retry_after);
    ct_transport_reply_text(reply, sizeof(reply), h->body, h->body_len);
    ct_error_set(err, st, "%s: HTTP %ld%s%s", h->url, status, reply[0] ? ": " : "", reply);
out:
    curl_slist_free_all(headers);
    ct_buf_free(&doc);
    free(key);
    return st;
}

static enum ct_status
http_send(void *state, const struct ct_transport_message *msg, int64_t *retry_after,
          struct ct_error *err)
{
    struct ct_transport_result r;
    enum ct_status st;

    memset(&r, 0, sizeof(r));
    st = http_send_one(state, msg, &r);
    *retry_after = r.retry_after;
    if (st != CT_OK && err)
        *err = r.err;
    return st;
}

static void
http_send_batch(void *state, const struct ct_transport_message *msgs, size_t n,
                struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    ct_transport_batch_each(state, msgs, n, batch, results, http_send_one);
}

const struct ct_transport_backend ct_transport_http = {
    .name = "http",
    .open = http_open,
    .send = http_send,
    .close = http_close,
    .send_batch = http_send_batch,
};
