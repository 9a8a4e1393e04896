/*
 * imap.c: the IMAP session of imap.h on one libcurl easy handle. libcurl
 * selects the mailbox itself before the first command; every response line
 * reaches the header callback, which is where UIDVALIDITY and the server's
 * last words (for error messages) are picked up. Messages are fetched by
 * URL (;UID=N), never with a custom FETCH: libcurl only understands the
 * literal of a FETCH it issued itself, and would read a message line that
 * looks like a tagged response as the end of the command.
 */
#include "imap.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "net_impl.h"
#include "util.h"

#define DEFAULT_TIMEOUT 30L

struct ct_imap {
    CURL *curl;
    char *base_url;    /* scheme://host[:port]/MAILBOX */
    char *mailbox_key; /* username@host/MAILBOX */
    char *password;
    struct ct_buf body;
    bool too_large;
    uint32_t uidvalidity;
    char server_said[256]; /* the last tagged NO or BAD response */
    char errbuf[CURL_ERROR_SIZE];
};

/* True for names and addresses of this machine: no TLS needed to reach it. */
static bool
host_is_loopback(const char *host)
{
    unsigned char addr[16];
    char bare[64];
    size_t n = strlen(host);

#ifdef CT_TEST_HOOKS
    /* Lets the tests exercise the STARTTLS requirement against 127.0.0.1. */
    const char *force = getenv("COFFEETRIAL_TEST_IMAP_NOT_LOOPBACK");
    if (force && *force == '1')
        return false;
#endif
    if (ct_strcaseeq(host, "localhost") || ct_strcaseeq(host, "localhost."))
        return true;
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof(bare)) {
        memcpy(bare, host + 1, n - 2);
        bare[n - 2] = '\0';
        return inet_pton(AF_INET6, bare, addr) == 1 &&
               memcmp(addr, in6addr_loopback.s6_addr, 16) == 0;
    }
    if (inet_pton(AF_INET, host, addr) == 1)
        return addr[0] == 127;
    return false;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
    struct ct_imap *imap = arg;
    size_t n = size * nmemb;

    if (imap->body.len + n >= CT_IMAP_MAX_MESSAGE) {
        imap->too_large = true;
        return 0;
    }
    if (!ct_buf_append(&imap->body, data, n))
        return 0;
    return n;
}

/* Every response line: pick up UIDVALIDITY and remember tagged responses. */
static size_t
on_line(char *data, size_t size, size_t nmemb, void *arg)
{
    struct ct_imap *imap = arg;
    size_t n = size * nmemb, i, o = 0;
    char line[256];

    for (i = 0; i < n && o < sizeof(line) - 1; i++) {
        unsigned char c = (unsigned char)data[i];
        if (c == '\r' || c == '\n')
            break;
        line[o++] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
    }
    line[o] = '\0';
    if (strncasecmp(line, "* OK [UIDVALIDITY ", 18) == 0) {
        char *end;
        unsigned long v = strtoul(line + 18, &end, 10);
        if (end != line + 18 && *end == ']' && v > 0 && v <= UINT32_MAX)
            imap->uidvalidity = (uint32_t)v;
    } else if (o > 0 && line[0] != '*' && line[0] != '+') {
        /* A tagged NO or BAD; the LOGOUT that follows a failure must not hide it. */
        const char *status = strchr(line, ' ');
        if (status && (strncasecmp(status, " NO", 3) == 0 || strncasecmp(status, " BAD", 4) == 0))
            memcpy(imap->server_said, line, o + 1);
    }
    return n;
}

static enum ct_status
config_error(struct ct_error *err, const char *url, const char *why)
{
    return ct_error_set(err, CT_ECONFIG, "[imap] url %s: %s", url, why);
}

/* Split and check the configured URL; fills base_url and mailbox_key. */
static enum ct_status
parse_url(struct ct_imap *imap, const char *url, const char *username, bool *loopback,
          struct ct_error *err)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
    char *user = NULL, *pass = NULL, *mailbox;
    enum ct_status st = CT_OK;
    size_t n;

    if (u == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        st = config_error(err, url, "not a URL (expected imaps://host/INBOX)");
        goto done;
    }
    if (!ct_strcaseeq(scheme, "imap") && !ct_strcaseeq(scheme, "imaps")) {
        st = config_error(err, url, "the scheme must be imaps:// or imap://");
        goto done;
    }
    (void)curl_url_get(u, CURLUPART_PORT, &port, 0);
    (void)curl_url_get(u, CURLUPART_PATH, &path, 0);
    (void)curl_url_get(u, CURLUPART_QUERY, &query, 0);
    (void)curl_url_get(u, CURLUPART_USER, &user, 0);
    (void)curl_url_get(u, CURLUPART_PASSWORD, &pass, 0);
    if (user || pass) {
        st = config_error(err, url,
                          "put the user name in [imap] username and the password in "
                          "[imap] password_file, not in the URL");
        goto done;
    }
    if (query || (path && strchr(path, ';'))) {
        st = config_error(err, url, "name only the mailbox (no ;UID=, no ?query)");
        goto done;
    }
    mailbox = path ? path : "";
    while (*mailbox == '/')
        mailbox++;
    n = strlen(mailbox);
    while (n > 0 && mailbox[n - 1] == '/')
        n--;
    if (n == 0) {
        mailbox = "INBOX";
        n = 5;
    }
    imap->base_url = ct_asprintf("%s://%s%s%s/%.*s", scheme, host, port ? ":" : "",
                                 port ? port : "", (int)n, mailbox);
    /* Not the port or scheme: moving from STARTTLS to imaps:// re-reads nothing. */
    imap->mailbox_key = ct_asprintf("%s@%s/%.*s", username, host, (int)n, mailbox);
    if (imap->base_url == NULL || imap->mailbox_key == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto done;
    }
    *loopback = ct_strcaseeq(scheme, "imap") && host_is_loopback(host);
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_free(user);
    curl_free(pass);
    curl_url_cleanup(u);
    return st;
}

enum ct_status
ct_imap_new(const struct ct_imap_options *opts, struct ct_imap **out, struct ct_error *err)
{
    struct ct_imap *imap;
    bool plain_loopback = false;
    long timeout = opts->timeout > 0 ? opts->timeout : DEFAULT_TIMEOUT;
    enum ct_status st;

    *out = NULL;
    if (opts->url == NULL || *opts->url == '\0')
        return ct_error_set(err, CT_ECONFIG, "[imap] url is not set");
    if (opts->username == NULL || *opts->username == '\0')
        return ct_error_set(err, CT_ECONFIG, "[imap] username is not set");
    if (opts->password == NULL)
        return ct_error_set(err, CT_ECONFIG, "[imap] password_file is not set");
    imap = calloc(1, sizeof(*imap));
    if (imap == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    ct_buf_init(&imap->body);
    st = parse_url(imap, opts->url, opts->username, &plain_loopback, err);
    if (st != CT_OK)
        goto fail;
    imap->password = strdup(opts->password);
    imap->curl = curl_easy_init();
    if (imap->password == NULL || imap->curl == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto fail;
    }
    /* Through an HTTP proxy, IMAP needs a CONNECT tunnel. */
    if (ct_net_apply_proxy(imap->curl, true) != CURLE_OK) {
        st = ct_error_set(err, CT_EINTERNAL, "[transport] proxy: libcurl cannot use it");
        goto fail;
    }
    curl_easy_setopt(imap->curl, CURLOPT_PROTOCOLS_STR, "imap,imaps");
    curl_easy_setopt(imap->curl, CURLOPT_USERNAME, opts->username);
    curl_easy_setopt(imap->curl, CURLOPT_PASSWORD, imap->password);
    /* Never _TRY: it would silently fall back to a plain-text login. */
    curl_easy_setopt(imap->curl, CURLOPT_USE_SSL,
                     (long)(plain_loopback ? CURLUSESSL_NONE : CURLUSESSL_ALL));
    if (opts->ca_file && *opts->ca_file)
        curl_easy_setopt(imap->curl, CURLOPT_CAINFO, opts->ca_file);
    curl_easy_setopt(imap->curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(imap->curl, CURLOPT_CONNECTTIMEOUT, timeout);
    curl_easy_setopt(imap->curl, CURLOPT_SERVER_RESPONSE_TIMEOUT, timeout);
    /* A stalled download ends soon; a slow but moving one gets ten times longer. */
    curl_easy_setopt(imap->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(imap->curl, CURLOPT_LOW_SPEED_TIME, timeout);
    curl_easy_setopt(imap->curl, CURLOPT_TIMEOUT, timeout * 10);
    curl_easy_setopt(imap->curl, CURLOPT_ERRORBUFFER, imap->errbuf);
    curl_easy_setopt(imap->curl, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(imap->curl, CURLOPT_WRITEDATA, imap);
    curl_easy_setopt(imap->curl, CURLOPT_HEADERFUNCTION, on_line);
    curl_easy_setopt(imap->curl, CURLOPT_HEADERDATA, imap);
    *out = imap;
    return CT_OK;
fail:
    ct_imap_free(imap);
    return st;
}

void
ct_imap_free(struct ct_imap *imap)
{
    if (imap == NULL)
        return;
    if (imap->curl)
        curl_easy_cleanup(imap->curl);
    if (imap->password) {
        /* volatile so the wipe is not optimised away */
        volatile char *p = imap->password;
        while (*p)
            *p++ = '\0';
        free(imap->password);
    }
    free(imap->base_url);
    free(imap->mailbox_key);
    ct_buf_free(&imap->body);
    free(imap);
}

const char *
ct_imap_mailbox(const struct ct_imap *imap)
{
    return imap->mailbox_key;
}

uint32_t
ct_imap_uidvalidity(const struct ct_imap *imap)
{
    return imap->uidvalidity;
}

/* Map a failed transfer to a status and one line naming the server. */
static enum ct_status
transfer_error(struct ct_imap *imap, CURLcode rc, const char *doing, struct ct_error *err)
{
    const char *why = imap->errbuf[0] ? imap->errbuf : curl_easy_strerror(rc);
    char said[300] = "";
    enum ct_status st;

    if (imap->server_said[0])
        snprintf(said, sizeof(said), " (server said: %s)", imap->server_said);
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_UNSUPPORTED_PROTOCOL: st = CT_EUNAVAIL; break;
    case CURLE_USE_SSL_FAILED:
        return ct_error_set(err, CT_EUNAVAIL,
                            "%s: %s: the server does not offer STARTTLS; use imaps:// or a "
                            "server with TLS (plain IMAP is allowed only on loopback)",
                            imap->base_url, doing);
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
        return ct_error_set(err, CT_EUNAVAIL,
                            "%s: %s: TLS failed: %s (is [imap] ca_file the CA that signed the "
                            "server's certificate?)",
                            imap->base_url, doing, why);
    case CURLE_SSL_CACERT_BADFILE:
        return ct_error_set(err, CT_ECONFIG, "%s: [imap] ca_file: %s", imap->base_url, why);
    case CURLE_LOGIN_DENIED:
        /* libcurl reports a refused SELECT as a login failure too. */
        st = strstr(imap->server_said, "[UNAVAILABLE]") ? CT_ETEMP : CT_ECONFIG;
        return ct_error_set(err, st, "%s: %s: %s%s", imap->base_url, doing,
                            strstr(why, "Select") ? "the mailbox cannot be selected"
                                                  : "login refused; check [imap] username "
                                                    "and password_file",
                            said);
    case CURLE_OUT_OF_MEMORY: st = CT_ENOMEM; break;
    case CURLE_QUOTE_ERROR: st = CT_EPERM; break;
    default: st = CT_ETEMP; break;
    }
    return ct_error_set(err, st, "%s: %s: %s%s", imap->base_url, doing, why, said);
}

/* One transfer on url (with an optional custom command); the body in imap->body. */
static CURLcode
perform(struct ct_imap *imap, const char *url, const char *command)
{
    ct_buf_reset(&imap->body);
    imap->too_large = false;
    imap->errbuf[0] = '\0';
    imap->server_said[0] = '\0';
    curl_easy_setopt(imap->curl, CURLOPT_URL, url);
    curl_easy_setopt(imap->curl, CURLOPT_CUSTOMREQUEST, command);
    return curl_easy_perform(imap->curl);
}

static int
compare_uid(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return x < y ? -1 : x > y;
}

/* Collect the numbers of every "* SEARCH ..." line of the body. */
static enum ct_status
parse_search(const char *body, uint32_t **uids, size_t *count, struct ct_error *err)
{
    const char *line = body;
    uint32_t *list = NULL;
    size_t n = 0, cap = 0, i, o;

    while (line && *line) {
        const char *end = strchr(line, '\n');
        if (strncasecmp(line, "* SEARCH", 8) == 0) {
            const char *s = line + 8;
            while (*s && s != end) {
                char *stop;
                unsigned long v;
                if (*s == '(') { /* a CONDSTORE "(MODSEQ n)" trailer */
                    break;
                }
                if (*s < '0' || *s > '9') {
                    s++;
                    continue;
                }
                v = strtoul(s, &stop, 10);
                s = stop;
                if (v == 0 || v > UINT32_MAX)
                    continue;
                if (n == cap) {
                    size_t ncap = cap ? cap * 2 : 64;
                    uint32_t *grown = realloc(list, ncap * sizeof(*grown));
                    if (grown == NULL) {
                        free(list);
                        return ct_error_set(err, CT_ENOMEM, "out of memory");
                    }
                    list = grown;
                    cap = ncap;
                }
                list[n++] = (uint32_t)v;
            }
        }
        line = end ? end + 1 : NULL;
    }
    if (n > 1)
        qsort(list, n, sizeof(*list), compare_uid);
    for (i = o = 0; i < n; i++)
        if (o == 0 || list[o - 1] != list[i])
            list[o++] = list[i];
    *uids = list;
    *count = o;
    return CT_OK;
}

enum ct_status
ct_imap_search(struct ct_imap *imap, const char *criteria, uint32_t **uids, size_t *count,
               struct ct_error *err)
{
    char command[256];
    CURLcode rc;

    *uids = NULL;
    *count = 0;
    snprintf(command, sizeof(command), "UID SEARCH %s", criteria);
    rc = perform(imap, imap->base_url, command);
    if (rc != CURLE_OK)
        return transfer_error(imap, rc, "search", err);
    if (imap->uidvalidity == 0)
        return ct_error_set(err, CT_ETEMP, "%s: the server did not say the mailbox's UIDVALIDITY",
                            imap->base_url);
    return parse_search(imap->body.data ? imap->body.data : "", uids, count, err);
}

enum ct_status
ct_imap_fetch(struct ct_imap *imap, uint32_t uid, char **data, size_t *len, struct ct_error *err)
{
    char *url, doing[64];
    CURLcode rc;

    *data = NULL;
    *len = 0;
    snprintf(doing, sizeof(doing), "fetch UID %lu", (unsigned long)uid);
    /* ;UIDVALIDITY= makes libcurl refuse if the mailbox was renumbered under us. */
    url = ct_asprintf("%s;UIDVALIDITY=%lu;UID=%lu", imap->base_url,
                      (unsigned long)imap->uidvalidity, (unsigned long)uid);
    if (url == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    rc = perform(imap, url, NULL);
    free(url);
    if (rc == CURLE_WRITE_ERROR && imap->too_large)
        return ct_error_set(err, CT_EDATA, "%s: UID %lu is larger than %d bytes", imap->base_url,
                            (unsigned long)uid, CT_IMAP_MAX_MESSAGE);
    if (rc == CURLE_REMOTE_FILE_NOT_FOUND && strstr(imap->errbuf, "UIDVALIDITY"))
        return ct_error_set(err, CT_ETEMP, "%s: the mailbox's UIDVALIDITY changed; try again",
                            imap->base_url);
    if (rc == CURLE_REMOTE_FILE_NOT_FOUND)
        return ct_error_set(err, CT_ENOTFOUND, "%s: UID %lu is gone", imap->base_url,
                            (unsigned long)uid);
    if (rc != CURLE_OK)
        return transfer_error(imap, rc, doing, err);
    if (imap->body.len == 0)
        return ct_error_set(err, CT_ENOTFOUND, "%s: UID %lu is gone", imap->base_url,
                            (unsigned long)uid);
    *len = imap->body.len;
    *data = ct_buf_steal(&imap->body);
    if (*data == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    return CT_OK;
}

enum ct_status
ct_imap_mark_unseen(struct ct_imap *imap, uint32_t uid, struct ct_error *err)
{
    char command[96];
    CURLcode rc;

    snprintf(command, sizeof(command), "UID STORE %lu -FLAGS.SILENT (\\Seen)", (unsigned long)uid);
    rc = perform(imap, imap->base_url, command);
    if (rc != CURLE_OK)
        return transfer_error(imap, rc, "mark unread", err);
    return CT_OK;
}
