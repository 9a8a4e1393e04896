/*
 * fetch.c: reads a roster source from a file, standard input or an http(s)
 * URL; see fetch.h. The HTTP side is one libcurl easy handle per call,
 * which is plenty for a roster refreshed every few hours.
 */
#include "fetch.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "net_impl.h"
#include "util.h"

#define MAX_REDIRECTS 5

static bool
has_prefix_ci(const char *s, const char *prefix)
{
    for (; *prefix; s++, prefix++)
        if (tolower((unsigned char)*s) != *prefix)
            return false;
    return true;
}

bool
ct_fetch_is_url(const char *source)
{
    return has_prefix_ci(source, "http://") || has_prefix_ci(source, "https://");
}

/* "scheme://" with a scheme of letters, digits, '+', '-', '.' (RFC 3986). */
static bool
has_scheme(const char *s)
{
    const char *p = s;

    if (!isalpha((unsigned char)*p))
        return false;
    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    return strncmp(p, "://", 3) == 0;
}

char *
ct_fetch_display_name(const char *source)
{
    const char *authority, *end, *at;

    if (!has_scheme(source))
        return ct_strdup(source);
    authority = strstr(source, "://") + 3;
    end = authority + strcspn(authority, "/?#");
    at = memchr(authority, '@', (size_t)(end - authority));
    if (at == NULL)
        return ct_strdup(source);
    /* Several '@' can occur in a malformed userinfo: the host follows the last. */
    while (memchr(at + 1, '@', (size_t)(end - at - 1)) != NULL)
        at = memchr(at + 1, '@', (size_t)(end - at - 1));
    return ct_asprintf("%.*s%s", (int)(authority - source), source, at + 1);
}

/* Read a stream whole, refusing more than max_bytes. */
static enum ct_status
read_stream(FILE *f, const char *name, size_t max_bytes, struct ct_buf *b, struct ct_error *err)
{
    char chunk[65536];
    size_t n;

    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (n > max_bytes - b->len)
            return ct_error_set(err, CT_EDATA, "%s: larger than %zu bytes", name, max_bytes);
        if (!ct_buf_append(b, chunk, n))
            return ct_error_set(err, CT_ENOMEM, "%s: out of memory", name);
    }
    if (ferror(f))
        return ct_error_set(err, CT_EIO, "%s: read error: %s", name, strerror(errno));
    return CT_OK;
}

struct download {
    struct ct_buf body;
    size_t max_bytes;
    bool too_big;
    char reason[128]; /* the reason phrase of the last status line */
};

static size_t
on_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct download *dl = userdata;
    size_t n = size * nmemb;

    if (n > dl->max_bytes - dl->body.len) {
        dl->too_big = true;
        return 0; /* makes libcurl stop with CURLE_WRITE_ERROR */
    }
    if (!ct_buf_append(&dl->body, ptr, n))
        return 0;
    return n;
}

static size_t
on_header(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    struct download *dl = userdata;
    size_t n = size * nmemb, i, start, end;

    /* "HTTP/1.1 404 Not Found": keep "Not Found" (HTTP/2 has none). */
    if (n > 5 && memcmp(ptr, "HTTP/", 5) == 0) {
        dl->reason[0] = '\0';
        for (i = 0; i < n && ptr[i] != ' '; i++)
            ;
        for (i++; i < n && ptr[i] != ' ' && ptr[i] != '\r' && ptr[i] != '\n'; i++)
            ;
        for (start = i; start < n && ptr[start] == ' '; start++)
            ;
        for (end = start; end < n && ptr[end] != '\r' && ptr[end] != '\n'; end++)
            if ((unsigned char)ptr[end] < 0x20 || (unsigned char)ptr[end] >= 0x7f)
                break;
        if (end - start < sizeof(dl->reason) && end > start) {
            memcpy(dl->reason, ptr + start, end - start);
            dl->reason[end - start] = '\0';
        }
    }
    return n;
}

/* What a failed transfer means for the caller. */
static enum ct_status
curl_failure(CURLcode rc, const struct download *dl, const char *name, long timeout_s,
             const char *detail, struct ct_error *err)
{
    if (*detail == '\0')
        detail = curl_easy_strerror(rc);
    switch (rc) {
    case CURLE_WRITE_ERROR:
        if (dl->too_big)
            return ct_error_set(err, CT_EDATA, "%s: larger than %zu bytes", name, dl->max_bytes);
        if (dl->body.failed)
            return ct_error_set(err, CT_ENOMEM, "%s: out of memory", name);
        break;
    case CURLE_FILESIZE_EXCEEDED:
        return ct_error_set(err, CT_EDATA, "%s: larger than %zu bytes", name, dl->max_bytes);
    case CURLE_OPERATION_TIMEDOUT:
        return ct_error_set(err, CT_ETEMP, "%s: timed out after %ld s", name, timeout_s);
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
        return ct_error_set(err, CT_EUNAVAIL, "%s: cannot connect: %s", name, detail);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_CRL_BADFILE: return ct_error_set(err, CT_EUNAVAIL, "%s: TLS: %s", name, detail);
    case CURLE_TOO_MANY_REDIRECTS:
        return ct_error_set(err, CT_EUNAVAIL, "%s: more than %d redirects", name, MAX_REDIRECTS);
    case CURLE_UNSUPPORTED_PROTOCOL:
        return ct_error_set(err, CT_EUNAVAIL, "%s: redirected to a protocol other than %s", name,
                            has_prefix_ci(name, "https://") ? "https" : "http(s)");
    case CURLE_URL_MALFORMAT: return ct_error_set(err, CT_EUSAGE, "%s: malformed URL", name);
    case CURLE_OUT_OF_MEMORY: return ct_error_set(err, CT_ENOMEM, "%s: out of memory", name);
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return ct_error_set(err, CT_ETEMP, "%s: transfer cut short: %s", name, detail);
    default: break;
    }
    return ct_error_set(err, CT_EUNAVAIL, "%s: %s", name, detail);
}

static enum ct_status
http_status_error(long code, const struct download *dl, const char *name, struct ct_error *err)
{
    enum ct_status st;

    if (code == 404 || code == 410)
        st = CT_ENOINPUT;
    else if (code == 408 || code == 429 || code >= 500)
        st = CT_ETEMP;
    else
        st = CT_EPERM;
    return ct_error_set(err, st, "%s: HTTP %ld%s%s", name, code, dl->reason[0] ? " " : "",
                        dl->reason);
}

static enum ct_status
fetch_url(const char *url, const char *name, size_t max_bytes, long timeout_s, const char *ca_file,
          struct ct_buf *out, struct ct_error *err)
{
    char detail[CURL_ERROR_SIZE] = "";
    struct download dl;
    enum ct_status st = CT_OK;
    CURL *curl = NULL;
    CURLcode rc;
    long code = 0;

    memset(&dl, 0, sizeof(dl));
    ct_buf_init(&dl.body);
    dl.max_bytes = max_bytes;
    if (timeout_s <= 0)
        timeout_s = 30;
    if ((curl = curl_easy_init()) == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "%s: cannot start libcurl", name);
        goto out;
    }
    rc = ct_net_apply_proxy(curl, false);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_URL, url);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR,
                              has_prefix_ci(url, "https://") ? "https" : "http,https");
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_MAXREDIRS, (long)MAX_REDIRECTS);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, timeout_s);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_TIMEOUT, timeout_s);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (rc == CURLE_OK && ca_file != NULL && *ca_file != '\0')
        rc = curl_easy_setopt(curl, CURLOPT_CAINFO, ca_file);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)max_bytes);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_USERAGENT, "coffeetrial/" CT_VERSION);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_ACCEPT_ENCODING, ""); /* capped after decoding */
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, detail);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_body);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_WRITEDATA, &dl);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, on_header);
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_HEADERDATA, &dl);
    if (rc != CURLE_OK) {
        st = ct_error_set(err, CT_EINTERNAL, "%s: libcurl option refused: %s", name,
                          curl_easy_strerror(rc));
        goto out;
    }
    rc = curl_easy_perform(curl);
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &code);
    /* An error status ends the matter even if the body was cut short. */
    if (code >= 400) {
        st = http_status_error(code, &dl, name, err);
        goto out;
    }
    if (rc != CURLE_OK) {
        st = curl_failure(rc, &dl, name, timeout_s, detail, err);
        goto out;
    }
    if (code < 200 || code > 299) {
        st = ct_error_set(err, CT_EUNAVAIL, "%s: unexpected HTTP %ld%s%s", name, code,
                          dl.reason[0] ? " " : "", dl.reason);
        goto out;
    }
    if (dl.body.failed) {
        st = ct_error_set(err, CT_ENOMEM, "%s: out of memory", name);
        goto out;
    }
    *out = dl.body;
    ct_buf_init(&dl.body);
out:
    ct_buf_free(&dl.body);
    if (curl)
        curl_easy_cleanup(curl);
    return st;
}

enum ct_status
ct_fetch_source(const char *source, size_t max_bytes, long timeout_s, const char *ca_file,
                char **data, size_t *len, struct ct_error *err)
{
    enum ct_status st;
    struct ct_buf b;
    char *name;

    *data = NULL;
    *len = 0;
    if (source == NULL || *source == '\0')
        return ct_error_set(err, CT_EUSAGE, "no roster source given (a file or an http(s) URL)");
    if (strcmp(source, "-") == 0) {
        ct_buf_init(&b);
        st = read_stream(stdin, "standard input", max_bytes, &b, err);
        goto done;
    }
    if (has_prefix_ci(source, "file://")) {
        const char *path = source + 7;
        if (has_prefix_ci(path, "localhost/"))
            path += 9;
        if (*path != '/')
            return ct_error_set(err, CT_EUSAGE, "%s: a file URL needs an absolute path", source);
        return ct_file_read(path, max_bytes, data, len, err);
    }
    if (!ct_fetch_is_url(source)) {
        if (has_scheme(source))
            return ct_error_set(err, CT_EUSAGE,
                                "%.*s: unsupported URL scheme; use a file or an http(s) URL",
                                (int)strcspn(source, ":"), source);
        return ct_file_read(source, max_bytes, data, len, err);
    }
    if ((name = ct_fetch_display_name(source)) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    ct_buf_init(&b);
    st = fetch_url(source, name, max_bytes, timeout_s, ca_file, &b, err);
    free(name);
done:
    if (st == CT_OK) {
        *len = b.len;
        *data = ct_buf_steal(&b);
        if (*data == NULL) {
            *len = 0;
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
        }
    }
    ct_buf_free(&b);
    return st;
}
