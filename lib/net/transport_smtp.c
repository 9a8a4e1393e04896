/*
 * transport_smtp.c: the SMTP transport on libcurl. A batch goes over
 * [smtp] connections parallel connections (a multi handle driving that many
 * easy handles), each reused for many messages (one TLS session and login
 * each) instead of paying for them per message. Each message goes to
 * exactly one recipient: with several, libcurl 7.88 either aborts the whole
 * message on one refusal or reports a partial refusal as success.
 */
#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "transport_impl.h"
#include "net_impl.h"
#include "util.h"

struct smtp;

/* One connection's easy handle and the message it carries. */
struct smtp_conn {
    CURL *curl;
    char reply[CT_TRANSPORT_REPLY_MAX]; /* the server's last refusal */
    char curl_message[CURL_ERROR_SIZE];
    const char *upload; /* the message being sent */
    size_t upload_len;
    size_t upload_pos;
    struct curl_slist *rcpt;
    char *from, *to;
    size_t index; /* which message of the batch */
    bool busy;
};

struct smtp {
    char *url;
    bool tls; /* STARTTLS (or implicit TLS) is required */
    CURLM *multi;
    int nconns;
    struct smtp_conn *conns;
};

/* libcurl pulls the message from memory. */
static size_t
read_message(char *buf, size_t size, size_t nitems, void *arg)
{
    struct smtp_conn *c = arg;
    size_t room = size * nitems, left = c->upload_len - c->upload_pos;
    size_t n = left < room ? left : room;

    memcpy(buf, c->upload + c->upload_pos, n);
    c->upload_pos += n;
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
    struct smtp_conn *c = arg;

    (void)curl;
    if (type == CURLINFO_HEADER_IN && size > 3 && (data[0] == '4' || data[0] == '5'))
        ct_transport_reply_text(c->reply, sizeof(c->reply), data, size);
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

/* Forget the message a connection carried. */
static void
conn_clear(struct smtp_conn *c)
{
    if (c->curl)
        curl_easy_setopt(c->curl, CURLOPT_MAIL_RCPT, NULL);
    curl_slist_free_all(c->rcpt);
    free(c->from);
    free(c->to);
    c->rcpt = NULL;
    c->from = c->to = NULL;
    c->upload = NULL;
    c->busy = false;
}

static void
smtp_close(void *state)
{
    struct smtp *s = state;
    int i;

    if (s == NULL)
        return;
    for (i = 0; s->conns && i < s->nconns; i++) {
        struct smtp_conn *c = &s->conns[i];
        if (c->curl && c->busy && s->multi)
            curl_multi_remove_handle(s->multi, c->curl);
        conn_clear(c);
        if (c->curl)
            curl_easy_cleanup(c->curl);
    }
    /* After the easy handles: the connections they shared close with it. */
    if (s->multi)
        curl_multi_cleanup(s->multi);
    free(s->conns);
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

/*
 * Set up one connection's easy handle: the same for every connection.
 * password may be NULL (no AUTH); libcurl keeps its own copy.
 */
static enum ct_status
conn_setup(struct smtp *s, struct smtp_conn *c, const struct ct_config *cfg, const char *password,
           struct ct_error *err)
{
    long timeout = cfg->smtp.timeout > 0 ? (long)cfg->smtp.timeout : 30;

    if ((c->curl = curl_easy_init()) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    /* Through an HTTP proxy, SMTP needs a CONNECT tunnel. */
    if (ct_net_apply_proxy(c->curl, true) != CURLE_OK)
        return ct_error_set(err, CT_EINTERNAL, "[transport] proxy: libcurl cannot use it");
    curl_easy_setopt(c->curl, CURLOPT_URL, s->url);
    curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    curl_easy_setopt(c->curl, CURLOPT_USE_SSL,
                     s->tls ? (long)CURLUSESSL_ALL : (long)CURLUSESSL_NONE);
    if (cfg->smtp.ca_file && *cfg->smtp.ca_file)
        curl_easy_setopt(c->curl, CURLOPT_CAINFO, cfg->smtp.ca_file);
    curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(c->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
    /* A whole message, on a connection already open: replies plus the upload. */
    curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, 4 * timeout);
    curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, read_message);
    curl_easy_setopt(c->curl, CURLOPT_READDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->curl_message);
    curl_easy_setopt(c->curl, CURLOPT_DEBUGFUNCTION, watch_replies);
    curl_easy_setopt(c->curl, CURLOPT_DEBUGDATA, c);
    curl_easy_setopt(c->curl, CURLOPT_VERBOSE, 1L);
    curl_easy_setopt(c->curl, CURLOPT_PRIVATE, c);
    if (password) {
        curl_easy_setopt(c->curl, CURLOPT_USERNAME, cfg->smtp.username);
        curl_easy_setopt(c->curl, CURLOPT_PASSWORD, password);
    }
    return CT_OK;
}

/* What smtp_open checks of the settings, before anything is allocated. */
static enum ct_status
smtp_check(const struct ct_config *cfg, char **scheme, char **host, struct ct_error *err)
{
    if (cfg->smtp.url == NULL || *cfg->smtp.url == '\0')
        return ct_error_set(err, CT_ECONFIG, "[smtp] url is not set");
    if (!split_url(cfg->smtp.url, scheme, host) ||
        (!ct_strcaseeq(*scheme, "smtp") && !ct_strcaseeq(*scheme, "smtps")) ||
        strncmp(cfg->smtp.url, *scheme, strlen(*scheme)) != 0)
        return ct_error_set(err, CT_ECONFIG,
                            "[smtp] url: '%s' is not smtp://HOST[:PORT] or smtps://HOST[:PORT]",
                            cfg->smtp.url);
    if ((cfg->smtp.username && *cfg->smtp.username) !=
        (cfg->smtp.password_file && *cfg->smtp.password_file))
        return ct_error_set(
            err, CT_ECONFIG, "[smtp] %s is set but %s is not",
            cfg->smtp.username && *cfg->smtp.username ? "username" : "password_file",
            cfg->smtp.username && *cfg->smtp.username ? "password_file" : "username");
    if (cfg->smtp.ca_file && *cfg->smtp.ca_file && access(cfg->smtp.ca_file, R_OK) != 0)
        return ct_error_set(err, CT_ECONFIG, "[smtp] ca_file: %s: %s", cfg->smtp.ca_file,
                            strerror(errno));
    return CT_OK;
}

static enum ct_status
smtp_open(const struct ct_config *cfg, void **state, struct ct_error *err)
{
    struct smtp *s = NULL;
    char *scheme = NULL, *host = NULL, *password = NULL;
    enum ct_status st;
    int i, n = cfg->smtp.connections > 0 ? cfg->smtp.connections : 4;

    *state = NULL;
    st = ct_transport_curl_init(err);
    if (st == CT_OK)
        st = smtp_check(cfg, &scheme, &host, err);
    if (st == CT_OK && cfg->smtp.username && *cfg->smtp.username)
        st = ct_transport_read_secret(cfg->smtp.password_file, "[smtp] password_file", &password,
                                      err);
    if (st != CT_OK)
        goto out;
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->url = strdup(cfg->smtp.url)) == NULL ||
        (s->conns = calloc((size_t)n, sizeof(*s->conns))) == NULL ||
        (s->multi = curl_multi_init()) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto out;
    }
    s->nconns = n;
    /* At most n connections to the relay, kept open between messages. */
    curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)n);
    curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, (long)n);
    /*
     * STARTTLS is required (CURLUSESSL_ALL: no TLS, no mail), except on
     * loopback where the relay is this machine, unless [smtp] tls = required.
     * Never CURLUSESSL_TRY: it falls back to plain text without a word.
     */
    s->tls = ct_strcaseeq(scheme, "smtps") || cfg->smtp.tls == CT_SMTP_TLS_REQUIRED ||
             !ct_transport_host_is_loopback(host);
    for (i = 0; i < n && st == CT_OK; i++)
        st = conn_setup(s, &s->conns[i], cfg, password, err);
    if (st != CT_OK)
        goto out;
    *state = s;
    s = NULL;
out:
    ct_transport_secret_free(password);
    curl_free(scheme);
    curl_free(host);
    smtp_close(s);
    return st;
}

/*
 * Ready connection c to carry msg as message index of a batch. A message
 * that cannot be sent at all fills r and returns its status.
 */
static enum ct_status
conn_prepare(struct smtp_conn *c, const struct ct_transport_message *msg, size_t index,
             struct ct_transport_result *r)
{
    if (!ct_transport_address_ok(msg->recipient))
        return ct_error_set(&r->err, CT_EPERM, "recipient '%s' is not a usable address",
                            msg->recipient ? msg->recipient : "");
    if (!ct_transport_address_ok(msg->from))
        return ct_error_set(&r->err, CT_EUNAVAIL,
                            "sender '%s' is not a usable address: check [network] organiser_email",
                            msg->from ? msg->from : "");
    c->from = ct_asprintf("<%s>", msg->from);
    c->to = ct_asprintf("<%s>", msg->recipient);
    if (c->from == NULL || c->to == NULL || (c->rcpt = curl_slist_append(NULL, c->to)) == NULL) {
        conn_clear(c);
        return ct_error_set(&r->err, CT_ENOMEM, "out of memory");
    }
    c->upload = msg->raw;
    c->upload_len = msg->raw_len;
    c->upload_pos = 0;
    c->reply[0] = '\0';
    c->curl_message[0] = '\0';
    c->index = index;
    c->busy = true;
    curl_easy_setopt(c->curl, CURLOPT_MAIL_FROM, c->from);
    curl_easy_setopt(c->curl, CURLOPT_MAIL_RCPT, c->rcpt);
    curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE, (curl_off_t)msg->raw_len);
    return CT_OK;
}

/* What the transfer on c came to (libcurl's rc), in r; c is free again. */
static enum ct_status
conn_finish(struct smtp *s, struct smtp_conn *c, CURLcode rc, struct ct_transport_result *r)
{
    struct ct_error *err = &r->err;
    enum ct_status st;
    long reply = 0;

    curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &reply);
    conn_clear(c);
    st = ct_transport_smtp_classify((int)rc, reply, c->curl_message);
    /* Temporary without a 4xx answer: the connection dropped or went silent. */
    r->relay_fault = st == CT_ETEMP && reply < 400;
    if (st == CT_OK)
        return st;
    if (rc == CURLE_USE_SSL_FAILED)
        ct_error_set(err, st, "%s: the server offers no STARTTLS; refusing to send in the clear",
                     s->url);
    else if (reply >= 400 && c->reply[0])
        ct_error_set(err, st, "%s: %s: %s", s->url, refused_step(rc, c->curl_message), c->reply);
    else
        ct_error_set(err, st, "%s: %s", s->url,
                     c->curl_message[0] ? c->curl_message : curl_easy_strerror(rc));
    return st;
}

/* One message on the first connection, outside the multi handle. */
static enum ct_status
smtp_send_one(void *state, const struct ct_transport_message *msg, struct ct_transport_result *r)
{
    struct smtp *s = state;
    struct smtp_conn *c = &s->conns[0];
    enum ct_status st = conn_prepare(c, msg, 0, r);

    if (st != CT_OK)
        return st;
    return conn_finish(s, c, curl_easy_perform(c->curl), r);
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

/*
 * Start messages on idle connections while the batch may go on. A message
 * refused before it leaves (a bad address) is settled at once. OUT:
 * *next, the next message to start; returns how many connections are busy.
 */
static int
start_more(struct smtp *s, const struct ct_transport_message *msgs, size_t n, size_t *next,
           struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    int i, busy = 0;

    for (i = 0; i < s->nconns; i++) {
        struct smtp_conn *c = &s->conns[i];

        while (!c->busy && *next < n && ct_transport_batch_going(batch)) {
            struct ct_transport_result *r = &results[*next];

            ct_error_clear(&r->err);
            r->status = conn_prepare(c, &msgs[*next], *next, r);
            if (r->status == CT_OK && curl_multi_add_handle(s->multi, c->curl) != CURLM_OK) {
                conn_clear(c);
                r->status = ct_error_set(&r->err, CT_EINTERNAL, "libcurl refused a transfer");
            }
            if (r->status != CT_OK)
                ct_transport_batch_note(batch, *next, r);
            (*next)++;
        }
        busy += c->busy;
    }
    return busy;
}

/* Settle the transfers libcurl has finished. */
static void
reap_done(struct smtp *s, struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    CURLMsg *m;
    int left;

    while ((m = curl_multi_info_read(s->multi, &left)) != NULL) {
        struct smtp_conn *c = NULL;
        struct ct_transport_result *r;
        CURLcode rc = m->data.result;
        CURL *easy = m->easy_handle;

        if (m->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(easy, CURLINFO_PRIVATE, (char **)&c);
        curl_multi_remove_handle(s->multi, easy);
        r = &results[c->index];
        r->status = conn_finish(s, c, rc, r);
        ct_transport_batch_note(batch, c->index, r);
    }
}

/*
 * The batch over up to nconns connections at once: each idle connection
 * takes the next message while the batch may go on; results are settled
 * as transfers end, so the breaker counts them in the order they fail.
 */
static void
smtp_send_batch(void *state, const struct ct_transport_message *msgs, size_t n,
                struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    struct smtp *s = state;
    size_t next = 0;
    int running = 0;

    if (s->nconns == 1) {
        ct_transport_batch_each(state, msgs, n, batch, results, smtp_send_one);
        return;
    }
    while (start_more(s, msgs, n, &next, batch, results) > 0) {
        if (curl_multi_perform(s->multi, &running) != CURLM_OK)
            break;
        reap_done(s, batch, results);
        if (running > 0 && curl_multi_poll(s->multi, NULL, 0, 1000, NULL) != CURLM_OK)
            break;
    }
    /* Only after a multi handle failure: nothing else can be left busy. */
    for (int i = 0; i < s->nconns; i++) {
        struct smtp_conn *c = &s->conns[i];
        if (c->busy) {
            curl_multi_remove_handle(s->multi, c->curl);
            conn_clear(c);
            results[c->index].status = ct_error_set(
                &results[c->index].err, CT_ETEMP, "%s: libcurl could not run the transfer", s->url);
            ct_transport_batch_note(batch, c->index, &results[c->index]);
        }
    }
}

const struct ct_transport_backend ct_transport_smtp = {
    .name = "smtp",
    .open = smtp_open,
    .send = smtp_send,
    .close = smtp_close,
    .send_batch = smtp_send_batch,
};
