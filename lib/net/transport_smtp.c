/*
 * transport_smtp.c: the SMTP transport on libcurl. One easy handle lives as
 * long as the transport, so a batch reuses one connection (and one TLS
 * session and login) instead of paying for them per message. Each message
 * goes to exactly one recipient: with several, libcurl 7.88 either aborts
 * the whole message on one refusal or reports a partial refusal as success.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport_impl.h"
#include "net_impl.h"
#include "util.h"

struct smtp {
    CURL *curl;
    char *url;
    bool tls;                           /* STARTTLS (or implicit TLS) is required */
    char reply[CT_TRANSPORT_REPLY_MAX]; /* the server's last refusal */
    char curl_message[CURL_ERROR_SIZE];
    const char *upload; /* the message being sent */
    size_t upload_len;
    size_t upload_pos;
};

/* libcurl pulls the message from memory. */
static size_t
read_message(char *buf, size_t size, size_t nitems, void *arg)
{
    struct smtp *s = arg;
    size_t room = size * nitems, left = s->upload_len - s->upload_pos;
    size_t n = left < room ? left : room;

    memcpy(buf, s->upload + s->upload_pos, n);
    s->upload_pos += n;
    return n;
}

/*
 * Keep the server's last refusal (4xx/5xx reply line), so an error can
 * quote it ("550 5.1.1 no such user"); the "221 Bye" of the QUIT libcurl
 * sends after a failure must not replace it. Only what the server says is
 * looked at: what we send includes AUTH and is never kept.
 */
static int
watch_replies(CURL *curl, curl_infotype type, char *data, size_t size, void *arg)
{
    struct smtp *s = arg;

    (void)curl;
    if (type == CURLINFO_HEADER_IN && size > 3 && (data[0] == '4' || data[0] == '5'))
        ct_transport_reply_text(s->reply, sizeof(s->reply), data, size);
    return 0;
}

enum ct_status
ct_transport_smtp_classify(int curl_code, long reply, const char *curl_message)
{
    const char *m = curl_message ? curl_message : "";
    bool judged_message;

    switch ((CURLcode)curl_code) {
    case CURLE_OK: return CT_OK;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_LOGIN_DENIED:
    case CURLE_AUTH_ERROR: return CT_EUNAVAIL;
    default: break;
    }
    /*
     * Which command drew the reply: only RCPT (this recipient), DATA and the
     * end of data (this message), and a size refusal at MAIL, judge the
     * message. Anything else refused (the greeting, EHLO, AUTH, the sender)
     * would refuse every message alike.
     */
    judged_message = strncmp(m, "RCPT failed", 11) == 0 || strncmp(m, "DATA failed", 11) == 0 ||
                     (curl_code == CURLE_WEIRD_SERVER_REPLY && reply >= 400 &&
                      strstr(m, "smtp-server response") == NULL) ||
                     (strncmp(m, "MAIL failed", 11) == 0 && reply == 552);
    if (reply >= 400 && reply < 600 && !judged_message)
        return CT_EUNAVAIL;
    if (reply >= 400 && reply < 500)
        return CT_ETEMP;
    if (reply >= 500 && reply < 600)
        return CT_EPERM;
    /* No reply at all within the time allowed: the server is not there. */
    if (curl_code == CURLE_OPERATION_TIMEDOUT && reply == 0)
        return CT_EUNAVAIL;
    /* A connection that dropped mid-message: try again. */
    return CT_ETEMP;
}

/* Which step the server refused, in words, from libcurl's message. */
static const char *
refused_step(CURLcode rc, const char *curl_message)
{
    if (strncmp(curl_message, "RCPT failed", 11) == 0)
        return "recipient refused";
    if (strncmp(curl_message, "MAIL failed", 11) == 0)
        return "sender refused";
    if (strncmp(curl_message, "DATA failed", 11) == 0)
        return "DATA refused";
    if (rc == CURLE_LOGIN_DENIED)
        return "login refused";
    if (rc == CURLE_WEIRD_SERVER_REPLY && strstr(curl_message, "smtp-server response") == NULL)
        return "message refused";
    return curl_message[0] ? curl_message : curl_easy_strerror(rc);
}

static void
smtp_close(void *state)
{
    struct smtp *s = state;

    if (s == NULL)
        return;
    if (s->curl)
        curl_easy_cleanup(s->curl);
    free(s->url);
    free(s);
}

/* The scheme and host of url; OUT: *scheme, *host (curl_free them). */
static bool
split_url(const char *url, char **scheme, char **host)
{
    CURLU *u = curl_url();
    bool ok;

    *scheme = *host = NULL;
    if (u == NULL)
        return false;
    ok = curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
         curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
         curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK;
    curl_url_cleanup(u);
    if (!ok) {
        curl_free(*scheme);
        curl_free(*host);
        *scheme = *host = NULL;
    }
    return ok;
}

static enum ct_status
smtp_open(const struct ct_config *cfg, void **state, struct ct_error *err)
{
    struct smtp *s = NULL;
    char *scheme = NULL, *host = NULL, *password = NULL;
    enum ct_status st;
    long timeout = cfg->smtp.timeout > 0 ? (long)cfg->smtp.timeout : 30;
    bool implicit_tls;

    *state = NULL;
    st = ct_transport_curl_init(err);
    if (st != CT_OK)
        return st;
    if (cfg->smtp.url == NULL || *cfg->smtp.url == '\0')
        return ct_error_set(err, CT_ECONFIG, "[smtp] url is not set");
    if (!split_url(cfg->smtp.url, &scheme, &host) ||
        (!ct_strcaseeq(scheme, "smtp") && !ct_strcaseeq(scheme, "smtps")) ||
        strncmp(cfg->smtp.url, scheme, strlen(scheme)) != 0) {
        st = ct_error_set(err, CT_ECONFIG,
                          "[smtp] url: '%s' is not smtp://HOST[:PORT] or smtps://HOST[:PORT]",
                          cfg->smtp.url);
        goto out;
    }
    if ((cfg->smtp.username && *cfg->smtp.username) !=
        (cfg->smtp.password_file && *cfg->smtp.password_file)) {
        st = ct_error_set(err, CT_ECONFIG, "[smtp] %s is set but %s is not",
                          cfg->smtp.username && *cfg->smtp.username ? "username" : "password_file",
                          cfg->smtp.username && *cfg->smtp.username ? "password_file" : "username");
        goto out;
    }
    if (cfg->smtp.ca_file && *cfg->smtp.ca_file && access(cfg->smtp.ca_file, R_OK) != 0) {
        st = ct_error_set(err, CT_ECONFIG, "[smtp] ca_file: %s: %s", cfg->smtp.ca_file,
                          strerror(errno));
        goto out;
    }
    implicit_tls = ct_strcaseeq(scheme, "smtps");
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->url = strdup(cfg->smtp.url)) == NULL ||
        (s->curl = curl_easy_init()) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    /* Through an HTTP proxy, SMTP needs a CONNECT tunnel. */
    if (ct_net_apply_proxy(s->curl, true) != CURLE_OK) {
        st = ct_error_set(err, CT_EINTERNAL, "[transport] proxy: libcurl cannot use it");
        goto out;
    }
    /*
     * STARTTLS is required (CURLUSESSL_ALL: no TLS, no mail), except on
     * loopback where the relay is this machine, unless [smtp] tls = required.
     * Never CURLUSESSL_TRY: it falls back to plain text without a word.
     */
    s->tls = implicit_tls || cfg->smtp.tls == CT_SMTP_TLS_REQUIRED ||
             !ct_transport_host_is_loopback(host);
    curl_easy_setopt(s->curl, CURLOPT_URL, s->url);
    curl_easy_setopt(s->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(s->curl, CURLOPT_USE_SSL,
                     s->tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (cfg->smtp.ca_file && *cfg->smtp.ca_file)
        curl_easy_setopt(s->curl, CURLOPT_CAINFO, cfg->smtp.ca_file);
    curl_easy_setopt(s->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(s->curl, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(s->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
    /* A whole message, on a connection already open: replies plus the upload. */
    curl_easy_setopt(s->curl, CURLOPT_TIMEOUT, 4 * timeout);
    curl_easy_setopt(s->curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(s->curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(s->curl, CURLOPT_READDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_ERRORBUFFER, s->curl_message);
    curl_easy_setopt(s->curl, CURLOPT_DEBUGFUNCTION, watch_replies);
    curl_easy_setopt(s->curl, CURLOPT_DEBUGDATA, s);
    curl_easy_setopt(s->curl, CURLOPT_VERBOSE, 1L);
    if (cfg->smtp.username && *cfg->smtp.username) {
        st = ct_transport_read_secret(cfg->smtp.password_file, "[smtp] password_file", &password,
                                      err);
        if (st != CT_OK)
            goto out;
        /* libcurl keeps its own copy; ours is wiped below. */
        curl_easy_setopt(s->curl, CURLOPT_USERNAME, cfg->smtp.username);
        curl_easy_setopt(s->curl, CURLOPT_PASSWORD, password);
    }
    *state = s;
    s = NULL;
    st = CT_OK;
out:
    ct_transport_secret_free(password);
    curl_free(scheme);
    curl_free(host);
    smtp_close(s);
    return st;
}

/* One message; r->relay_fault when the relay, not the message, failed. */
static enum ct_status
smtp_send_one(void *state, const struct ct_transport_message *msg, struct ct_transport_result *r)
{
    struct smtp *s = state;
    struct ct_error *err = &r->err;
    struct curl_slist *rcpt = NULL;
    char *from = NULL, *to = NULL;
    enum ct_status st;
    CURLcode rc;
    long reply = 0;

    if (!ct_transport_address_ok(msg->recipient))
        return ct_error_set(err, CT_EPERM, "recipient '%s' is not a usable address",
                            msg->recipient ? msg->recipient : "");
    if (!ct_transport_address_ok(msg->from))
        return ct_error_set(err, CT_EUNAVAIL,
                            "sender '%s' is not a usable address: check [network] organiser_email",
                            msg->from ? msg->from : "");
    from = ct_asprintf("<%s>", msg->from);
    to = ct_asprintf("<%s>", msg->recipient);
    if (from == NULL || to == NULL || (rcpt = curl_slist_append(NULL, to)) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    s->upload = msg->raw;
    s->upload_len = msg->raw_len;
    s->upload_pos = 0;
    s->reply[0] = '\0';
    s->curl_message[0] = '\0';
    curl_easy_setopt(s->curl, CURLOPT_MAIL_FROM, from);
    curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, rcpt);
    curl_easy_setopt(s->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->raw_len);
    rc = curl_easy_perform(s->curl);
    curl_easy_getinfo(s->curl, CURLINFO_RESPONSE_CODE, &reply);
    curl_easy_setopt(s->curl, CURLOPT_MAIL_RCPT, NULL);
    s->upload = NULL;
    st = ct_transport_smtp_classify((int)rc, reply, s->curl_message);
    /* Temporary without a 4xx answer: the connection dropped or went silent. */
    r->relay_fault = st == CT_ETEMP && reply < 400;
    if (st == CT_OK)
        goto out;
    if (rc == CURLE_USE_SSL_FAILED)
        ct_error_set(err, st, "%s: the server offers no STARTTLS; refusing to send in the clear",
                     s->url);
    else if (reply >= 400 && s->reply[0])
        ct_error_set(err, st, "%s: %s: %s", s->url, refused_step(rc, s->curl_message), s->reply);
    else
        ct_error_set(err, st, "%s: %s", s->url,
                     s->curl_message[0] ? s->curl_message : curl_easy_strerror(rc));
out:
    curl_slist_free_all(rcpt);
    free(from);
    free(to);
    return st;
}

static enum ct_status
smtp_send(void *state, const struct ct_transport_message *msg, int64_t *retry_after,
          struct ct_error *err)
{
    struct ct_transport_result r;
    enum ct_status st;

    memset(&r, 0, sizeof(r));
    st = smtp_send_one(state, msg, &r);
    *retry_after = r.retry_after;
    if (st != CT_OK && err)
        *err = r.err;
    return st;
}

static void
smtp_send_batch(void *state, const struct ct_transport_message *msgs, size_t n,
                struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    ct_transport_batch_each(state, msgs, n, batch, results, smtp_send_one);
}

const struct ct_transport_backend ct_transport_smtp = {
    .name = "smtp",
    .open = smtp_open,
    .send = smtp_send,
    .close = smtp_close,
    .send_batch = smtp_send_batch,
};
