/*
 * mime_parse.c: the MIME walker of mime_parse.h: unfolded headers,
 * Content-Type parameters (quoted, RFC 2231), multipart boundaries, transfer
 * encodings and charsets, trusting no length, nesting depth or charset name.
 */
#include "mime_parse.h"

#include <errno.h>
#include <iconv.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define MAX_HEADERS      256
#define MAX_HEADER_VALUE (64 * 1024)
#define MAX_NAME         76
#define MAX_PARAMS       32
#define MAX_BOUNDARY     200
#define MAX_CHARSET      40
#define MAX_WORD         512

struct header {
    char name[MAX_NAME + 1]; /* lowercased field name */
    struct ct_buf value;     /* unfolded, NUL bytes replaced by spaces */
};

struct headers {
    struct header *items;
    size_t count;
};

struct param {
    char *name; /* lowercased */
    char *value;
};

/* A parsed Content-Type or Content-Disposition value. */
struct ctype {
    char *type; /* lowercased "text/calendar" or "attachment"; NULL if unusable */
    struct param params[MAX_PARAMS];
    size_t count;
};

struct walker {
    struct ct_mime_message *msg;
    bool nomem;
    int attached; /* inside this many attached messages (message/rfc822) */
};

static int
lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
}

static bool
is_wsp(int c)
{
    return c == ' ' || c == '\t';
}

static void
lowercase(char *s)
{
    for (; *s; s++)
        *s = (char)lower((unsigned char)*s);
}

/* ASCII case-insensitive: does s (length n) end with suffix? */
static bool
ends_with_ci(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix), i;

    if (m > n)
        return false;
    for (i = 0; i < m; i++)
        if (lower((unsigned char)s[n - m + i]) != lower((unsigned char)suffix[i]))
            return false;
    return true;
}

/*
 * The line that starts at pos: returns its length without the CR LF and
 * sets *next to where the following line starts.
 */
static size_t
line_at(const char *p, size_t n, size_t pos, size_t *next)
{
    const char *nl = memchr(p + pos, '\n', n - pos);
    size_t end = nl ? (size_t)(nl - p) : n;

    *next = nl ? end + 1 : n;
    if (end > pos && p[end - 1] == '\r')
        end--;
    return end - pos;
}

/* ---- character sets ---------------------------------------------------- */

/* windows-1252 0x80-0x9F; 0xFFFD where the code page has a hole. */
static const uint16_t cp1252_c1[32] = {
    0x20AC, 0xFFFD, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0xFFFD, 0x017D, 0xFFFD, 0xFFFD, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0xFFFD, 0x017E, 0x0178,
};

static bool
put_utf8(struct ct_buf *b, uint32_t cp)
{
    char u[4];

    if (cp < 0x80) {
        u[0] = (char)cp;
        return ct_buf_append(b, u, 1);
    }
    if (cp < 0x800) {
        u[0] = (char)(0xC0 | (cp >> 6));
        u[1] = (char)(0x80 | (cp & 0x3F));
        return ct_buf_append(b, u, 2);
    }
    u[0] = (char)(0xE0 | (cp >> 12));
    u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F));
    return ct_buf_append(b, u, 3);
}

static uint32_t
cp1252_char(unsigned char c)
{
    return c >= 0x80 && c < 0xA0 ? cp1252_c1[c - 0x80] : c;
}

/* Length of the well-formed UTF-8 sequence at s (n bytes left), 0 if none. */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    unsigned char lo = 0x80, hi = 0xBF;
    size_t len, i;

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF)
        len = 3;
    else if (c >= 0xF0 && c <= 0xF4)
        len = 4;
    else
        return 0;
    if (c == 0xE0)
        lo = 0xA0;
    else if (c == 0xED)
        hi = 0x9F;
    else if (c == 0xF0)
        lo = 0x90;
    else if (c == 0xF4)
        hi = 0x8F;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* UTF-8 kept, other bytes read as windows-1252, NULs dropped. */
static bool
append_lenient_utf8(struct ct_buf *b, const char *in, size_t len)
{
    const unsigned char *s = (const unsigned char *)in;
    size_t i = 0, k;

    while (i < len) {
        if (s[i] == 0) {
            i++;
            continue;
        }
        k = utf8_len(s + i, len - i);
        if (k > 0) {
            if (!ct_buf_append(b, s + i, k))
                return false;
            i += k;
        } else {
            if (!put_utf8(b, cp1252_char(s[i])))
                return false;
            i++;
        }
    }
    return !b->failed;
}

static bool
append_cp1252(struct ct_buf *b, const char *in, size_t len)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (in[i] != 0 && !put_utf8(b, cp1252_char((unsigned char)in[i])))
            return false;
    return !b->failed;
}

/* Convert with iconv; false if the charset is unknown (nothing appended). */
static bool
append_iconv(struct ct_buf *b, const char *charset, const char *in, size_t len, bool *nomem)
{
    iconv_t cd = iconv_open("UTF-8", charset);
    struct ct_buf tmp;
    char chunk[1024];
    char *src = (char *)in;
    size_t left = len;

    if (cd == (iconv_t)-1)
        return false;
    ct_buf_init(&tmp);
    while (left > 0) {
        char *dst = chunk;
        size_t room = sizeof(chunk);
        size_t r = iconv(cd, &src, &left, &dst, &room);
        int saved = errno;

        if (!ct_buf_append(&tmp, chunk, sizeof(chunk) - room))
            break;
        if (r != (size_t)-1 || saved == E2BIG)
            continue;
        /* EILSEQ or EINVAL (truncated at the end): mark it and move on. */
        if (!put_utf8(&tmp, 0xFFFD))
            break;
        src++;
        left--;
        (void)iconv(cd, NULL, NULL, NULL, NULL);
    }
    if (!tmp.failed) {
        char *dst = chunk;
        size_t room = sizeof(chunk);
        (void)iconv(cd, NULL, NULL, &dst, &room);
        ct_buf_append(&tmp, chunk, sizeof(chunk) - room);
    }
    iconv_close(cd);
    if (tmp.failed || !append_lenient_utf8(b, tmp.data ? tmp.data : "", tmp.len))
        *nomem = true;
    ct_buf_free(&tmp);
    return true;
}

/* Copy a charset name, lowercased, unquoted; false if it is not a plausible name. */
static bool
normalise_charset(const char *charset, char *out)
{
    size_t n = 0;

    while (is_wsp(*charset) || *charset == '"')
        charset++;
    for (; *charset && *charset != '"' && !is_wsp(*charset); charset++) {
        unsigned char c = (unsigned char)lower((unsigned char)*charset);
        if (n == MAX_CHARSET)
            return false;
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
              c == '.' || c == ':' || c == '+'))
            return false;
        out[n++] = (char)c;
    }
    out[n] = '\0';
    return true;
}

static bool
append_charset(struct ct_buf *b, const char *charset, const char *in, size_t len)
{
    static const char *const utf8_names[] = {"", "utf-8", "utf8", "us-ascii", "ascii"};
    static const char *const cp1252_names[] = {
        "iso-8859-1", "iso8859-1", "iso_8859-1",   "latin1", "latin-1",
        "l1",         "cp819",     "windows-1252", "cp1252", "x-cp1252",
    };
    char name[MAX_CHARSET + 1];
    bool nomem = false;
    size_t i;

    if (charset == NULL || !normalise_charset(charset, name))
        return append_lenient_utf8(b, in, len);
    for (i = 0; i < CT_ARRAY_LEN(utf8_names); i++)
        if (strcmp(name, utf8_names[i]) == 0)
            return append_lenient_utf8(b, in, len);
    for (i = 0; i < CT_ARRAY_LEN(cp1252_names); i++)
        if (strcmp(name, cp1252_names[i]) == 0)
            return append_cp1252(b, in, len);
    if (append_iconv(b, name, in, len, &nomem))
        return !nomem;
    return append_lenient_utf8(b, in, len);
}

char *
ct_mime_to_utf8(const char *charset, const char *in, size_t len, size_t *out_len)
{
    struct ct_buf b;
    char *s;

    ct_buf_init(&b);
    if (!append_charset(&b, charset, in, len)) {
        ct_buf_free(&b);
        return NULL;
    }
    if (out_len)
        *out_len = b.len;
    s = ct_buf_steal(&b);
    return s;
}

/* ---- transfer encodings ------------------------------------------------ */

static int
b64_value(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

char *
ct_mime_decode_base64(const char *in, size_t len, size_t *out_len)
{
    char *out = malloc(len / 4 * 3 + 4);
    uint32_t acc = 0;
    unsigned bits = 0;
    size_t i, o = 0;

    if (out == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        int v;
        if (in[i] == '=') {
            /* Padding ends a chunk; some senders concatenate chunks. */
            acc = 0;
            bits = 0;
            continue;
        }
        v = b64_value((unsigned char)in[i]);
        if (v < 0)
            continue;
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (char)((acc >> bits) & 0xFF);
            acc &= (1u << bits) - 1;
        }
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

static int
hex_value(unsigned char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (unsigned char)lower(c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

char *
ct_mime_decode_qp(const char *in, size_t len, size_t *out_len)
{
    char *out = malloc(len + 1);
    size_t i = 0, o = 0;

    if (out == NULL)
        return NULL;
    while (i < len) {
        size_t j;
        if (in[i] != '=') {
            out[o++] = in[i++];
            continue;
        }
        if (i + 2 < len && hex_value((unsigned char)in[i + 1]) >= 0 &&
            hex_value((unsigned char)in[i + 2]) >= 0) {
            out[o++] = (char)(hex_value((unsigned char)in[i + 1]) * 16 +
                              hex_value((unsigned char)in[i + 2]));
            i += 3;
            continue;
        }
        /* A soft line break: '=', maybe trailing blanks, then the line end. */
        j = i + 1;
        while (j < len && is_wsp(in[j]))
            j++;
        if (j < len && in[j] == '\r')
            j++;
        if (j < len && in[j] == '\n') {
            i = j + 1;
            continue;
        }
        if (j >= len) {
            i = len;
            continue;
        }
        out[o++] = '=';
        i++;
    }
    out[o] = '\0';
    if (out_len)
        *out_len = o;
    return out;
}

/* ---- headers ----------------------------------------------------------- */

static void
headers_free(struct headers *h)
{
    size_t i;

    for (i = 0; i < h->count; i++)
        ct_buf_free(&h->items[i].value);
    free(h->items);
    h->items = NULL;
    h->count = 0;
}

/* Append a piece of a header value, NULs as spaces, up to the cap. */
static bool
header_append(struct header *hd, const char *s, size_t n)
{
    size_t i;

    if (hd->value.len + n > MAX_HEADER_VALUE)
        n = MAX_HEADER_VALUE - hd->value.len;
    for (i = 0; i < n; i++)
        if (!ct_buf_putc(&hd->value, s[i] ? s[i] : ' '))
            return false;
    return true;
}

/*
 * Read the header block at the start of p (n bytes). OUT: *h (freed with
 * headers_free) and *body, the offset of the body (n if there is none).
 * Lines that are neither fields nor continuations are ignored. False only
 * on allocation failure.
 */
static bool
parse_headers(const char *p, size_t n, struct headers *h, size_t *body)
{
    size_t pos = 0, next, len, cap = 0;
    bool continuing = false;

    h->items = NULL;
    h->count = 0;
    while (pos < n) {
        const char *line = p + pos;
        const char *colon;
        size_t name_len;

        len = line_at(p, n, pos, &next);
        pos = next;
        if (len == 0)
            break;
        if (is_wsp(line[0])) {
            if (continuing && !header_append(&h->items[h->count - 1], line, len))
                return false;
            continue;
        }
        continuing = false;
        colon = memchr(line, ':', len);
        if (colon == NULL)
            continue;
        name_len = (size_t)(colon - line);
        while (name_len > 0 && is_wsp(line[name_len - 1]))
            name_len--;
        if (name_len == 0 || name_len > MAX_NAME || h->count == MAX_HEADERS)
            continue;
        if (memchr(line, ' ', name_len) || memchr(line, '\t', name_len))
            continue;
        if (h->count == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            struct header *items = realloc(h->items, ncap * sizeof(*items));
            if (items == NULL)
                return false;
            h->items = items;
            cap = ncap;
        }
        memcpy(h->items[h->count].name, line, name_len);
        h->items[h->count].name[name_len] = '\0';
        lowercase(h->items[h->count].name);
        ct_buf_init(&h->items[h->count].value);
        h->count++;
        colon++;
        while (colon < line + len && is_wsp(*colon))
            colon++;
        if (!header_append(&h->items[h->count - 1], colon, (size_t)(line + len - colon)) ||
            !ct_buf_append(&h->items[h->count - 1].value, "", 0))
            return false;
        continuing = true;
    }
    *body = pos;
    return true;
}

/* The first field named name (lowercase), or NULL. */
static const char *
header_get(const struct headers *h, const char *name)
{
    size_t i;

    for (i = 0; i < h->count; i++)
        if (strcmp(h->items[i].name, name) == 0)
            return h->items[i].value.data ? h->items[i].value.data : "";
    return NULL;
}

/* ---- structured values: Content-Type, Content-Disposition -------------- */

/* Skip blanks and (nested) comments. */
static const char *
skip_cfws(const char *s)
{
    for (;;) {
        while (is_wsp(*s) || *s == '\r' || *s == '\n')
            s++;
        if (*s != '(')
            return s;
        {
            int depth = 0;
            for (; *s; s++) {
                if (*s == '\\' && s[1]) {
                    s++;
                    continue;
                }
                if (*s == '(')
                    depth++;
                else if (*s == ')' && --depth == 0) {
                    s++;
                    break;
                }
            }
        }
    }
}

static bool
is_token_char(char c)
{
    return c && !is_wsp(c) && c != ';' && c != '(' && c != '"' && c != '=' && c != '\r' &&
           c != '\n';
}

static void
ctype_free(struct ctype *ct)
{
    size_t i;

    free(ct->type);
    for (i = 0; i < ct->count; i++) {
        free(ct->params[i].name);
        free(ct->params[i].value);
    }
    memset(ct, 0, sizeof(*ct));
}

/* Read a quoted-string or a token at *s into a new string; advances *s. */
static char *
read_value(const char **s)
{
    const char *p = *s;
    struct ct_buf b;

    ct_buf_init(&b);
    if (*p == '"') {
        for (p++; *p && *p != '"'; p++) {
            if (*p == '\\' && p[1])
                p++;
            ct_buf_putc(&b, *p);
        }
        if (*p == '"')
            p++;
    } else {
        while (is_token_char(*p) || *p == '=')
            ct_buf_putc(&b, *p++);
    }
    *s = p;
    return ct_buf_steal(&b);
}

/* Parse "type/subtype; name=value; ..." (or "attachment; filename=..."). */
static bool
parse_ctype(const char *value, struct ctype *ct)
{
    const char *s = skip_cfws(value), *start = s;

    memset(ct, 0, sizeof(*ct));
    while (is_token_char(*s))
        s++;
    if (s > start) {
        ct->type = strndup(start, (size_t)(s - start));
        if (ct->type == NULL)
            return false;
        lowercase(ct->type);
    }
    for (;;) {
        char *name, *val;
        /* Find the next ';' outside a quoted string. */
        while (*s && *s != ';') {
            if (*s == '"') {
                for (s++; *s && *s != '"'; s++)
                    if (*s == '\\' && s[1])
                        s++;
                if (*s)
                    s++;
            } else {
                s++;
            }
        }
        if (*s == '\0')
            return true;
        s = skip_cfws(s + 1);
        start = s;
        while (is_token_char(*s))
            s++;
        if (s == start)
            continue;
        name = strndup(start, (size_t)(s - start));
        if (name == NULL)
            return false;
        lowercase(name);
        s = skip_cfws(s);
        if (*s != '=') {
            free(name);
            continue;
        }
        s = skip_cfws(s + 1);
        val = read_value(&s);
        if (val == NULL || ct->count == MAX_PARAMS) {
            free(name);
            free(val);
            if (val == NULL)
                return false;
            continue;
        }
        ct->params[ct->count].name = name;
        ct->params[ct->count].value = val;
        ct->count++;
    }
}

static const char *
param_raw(const struct ctype *ct, const char *name)
{
    size_t i;

    for (i = 0; i < ct->count; i++)
        if (strcmp(ct->params[i].name, name) == 0)
            return ct->params[i].value;
    return NULL;
}

/* Percent-decode an RFC 2231 value into b. */
static void
append_percent_decoded(struct ct_buf *b, const char *s)
{
    for (; *s; s++) {
        if (*s == '%' && hex_value((unsigned char)s[1]) >= 0 &&
            hex_value((unsigned char)s[2]) >= 0) {
            ct_buf_putc(
                b, (char)(hex_value((unsigned char)s[1]) * 16 + hex_value((unsigned char)s[2])));
            s += 2;
        } else {
            ct_buf_putc(b, *s);
        }
    }
}

/*
 * A parameter's value in UTF-8 with RFC 2231 (name*=charset''text, name*0,
 * name*1*, ...) and the common RFC 2047 abuse in file names undone; NULL if
 * absent or out of memory.
 */
static char *
param_decoded(const struct ctype *ct, const char *name)
{
    char key[MAX_NAME + 16], charset[MAX_CHARSET + 1] = "";
    const char *v;
    struct ct_buf raw;
    char *out;
    int i;
    bool any = false;

    v = param_raw(ct, name);
    if (v)
        return ct_mime_decode_header(v);
    ct_buf_init(&raw);
    for (i = -1; i < MAX_PARAMS; i++) {
        bool extended = true;
        if (i < 0)
            snprintf(key, sizeof(key), "%s*", name);
        else
            snprintf(key, sizeof(key), "%s*%d*", name, i);
        v = param_raw(ct, key);
        if (v == NULL && i >= 0) {
            snprintf(key, sizeof(key), "%s*%d", name, i);
            v = param_raw(ct, key);
            extended = false;
        }
        if (v == NULL) {
            if (i < 0)
                continue;
            break;
        }
        if (extended && i <= 0) {
            /* charset'language'text */
            const char *q1 = strchr(v, '\''), *q2 = q1 ? strchr(q1 + 1, '\'') : NULL;
            if (q2) {
                size_t n = (size_t)(q1 - v);
                if (n <= MAX_CHARSET) {
                    memcpy(charset, v, n);
                    charset[n] = '\0';
                }
                v = q2 + 1;
            }
        }
        if (extended)
            append_percent_decoded(&raw, v);
        else
            ct_buf_puts(&raw, v);
        any = true;
        if (i < 0)
            break;
    }
    if (!any || raw.failed) {
        ct_buf_free(&raw);
        return NULL;
    }
    out = ct_mime_to_utf8(charset, raw.data, raw.len, NULL);
    ct_buf_free(&raw);
    return out;
}

/* ---- RFC 2047 header decoding ------------------------------------------ */

/*
 * If s starts an encoded word =?charset?B|Q?text?=, append its decoded
 * UTF-8 to out and return its length; 0 if it is not one.
 */
static size_t
encoded_word(const char *s, struct ct_buf *out)
{
    const char *cs = s + 2, *q, *text, *end;
    char charset[MAX_CHARSET + 1], *bytes, *star;
    char enc;
    size_t n, blen = 0;
    bool ok;

    if (s[0] != '=' || s[1] != '?')
        return 0;
    for (q = cs; *q && *q != '?'; q++)
        if (is_wsp(*q) || q - cs >= MAX_CHARSET)
            return 0;
    if (*q != '?' || q == cs)
        return 0;
    n = (size_t)(q - cs);
    memcpy(charset, cs, n);
    charset[n] = '\0';
    star = strchr(charset, '*'); /* RFC 2231 language suffix */
    if (star)
        *star = '\0';
    enc = (char)lower((unsigned char)q[1]);
    if ((enc != 'b' && enc != 'q') || q[2] != '?')
        return 0;
    text = q + 3;
    /* Words are at most 75 characters; a bound keeps "=?" spam linear. */
    for (end = text; *end && !(end[0] == '?' && end[1] == '='); end++)
        if (is_wsp(*end) || end - text > MAX_WORD)
            return 0;
    if (*end == '\0')
        return 0;
    if (enc == 'b') {
        bytes = ct_mime_decode_base64(text, (size_t)(end - text), &blen);
    } else {
        size_t i;
        bytes = malloc((size_t)(end - text) + 1);
        if (bytes) {
            for (i = 0; text + i < end; i++) {
                if (text[i] == '_') {
                    bytes[blen++] = ' ';
                } else if (text[i] == '=' && text + i + 2 < end &&
                           hex_value((unsigned char)text[i + 1]) >= 0 &&
                           hex_value((unsigned char)text[i + 2]) >= 0) {
                    bytes[blen++] = (char)(hex_value((unsigned char)text[i + 1]) * 16 +
                                           hex_value((unsigned char)text[i + 2]));
                    i += 2;
                } else {
                    bytes[blen++] = text[i];
                }
            }
        }
    }
    if (bytes == NULL) {
        out->failed = true;
        return 0;
    }
    ok = append_charset(out, charset, bytes, blen);
    free(bytes);
    if (!ok)
        return 0;
    return (size_t)(end + 2 - s);
}

char *
ct_mime_decode_header(const char *value)
{
    struct ct_buf out, raw;
    bool last_was_word = false;
    const char *s = value;
    char *result;
    size_t i;

    ct_buf_init(&out);
    ct_buf_init(&raw);
    while (*s) {
        size_t used;
        if (s[0] == '=' && s[1] == '?') {
            struct ct_buf word;
            ct_buf_init(&word);
            used = encoded_word(s, &word);
            if (used > 0) {
                bool only_space = true;
                for (i = 0; i < raw.len; i++)
                    if (!is_wsp(raw.data[i]))
                        only_space = false;
                /* White space between two encoded words is not text. */
                if (!(last_was_word && only_space))
                    append_lenient_utf8(&out, raw.data ? raw.data : "", raw.len);
                ct_buf_reset(&raw);
                ct_buf_append(&out, word.data ? word.data : "", word.len);
                ct_buf_free(&word);
                last_was_word = true;
                s += used;
                continue;
            }
            if (word.failed)
                out.failed = true;
            ct_buf_free(&word);
        }
        if (!is_wsp(*s))
            last_was_word = false;
        ct_buf_putc(&raw, *s++);
    }
    append_lenient_utf8(&out, raw.data ? raw.data : "", raw.len);
    if (raw.failed)
        out.failed = true;
    ct_buf_free(&raw);
    result = ct_buf_steal(&out);
    if (result)
        for (i = 0; result[i]; i++)
            if ((unsigned char)result[i] < 0x20 || result[i] == 0x7f)
                result[i] = ' ';
    return result;
}

/* ---- addresses --------------------------------------------------------- */

/* Trim blanks at both ends in place; NULL (after freeing) if nothing is left. */
static char *
trim_or_null(char *s)
{
    size_t start = 0, end;

    if (s == NULL)
        return NULL;
    end = strlen(s);
    while (start < end && (is_wsp(s[start]) || s[start] == '\r' || s[start] == '\n'))
        start++;
    while (end > start && (is_wsp(s[end - 1]) || s[end - 1] == '\r' || s[end - 1] == '\n'))
        end--;
    if (end == start) {
        free(s);
        return NULL;
    }
    memmove(s, s + start, end - start);
    s[end - start] = '\0';
    return s;
}

/* Find the first mailbox's end (a ',' outside quotes, comments and <>) and its '<' (*angle). */
static const char *
find_mailbox_end(const char *value, const char **angle)
{
    const char *s;
    int depth = 0;
    bool quoted = false, in_angle = false;

    *angle = NULL;
    for (s = value; *s; s++) {
        if (*s == '\\' && s[1] && (quoted || depth > 0)) {
            s++;
            continue;
        }
        if (quoted) {
            if (*s == '"')
                quoted = false;
        } else if (depth > 0) {
            if (*s == '(')
                depth++;
            else if (*s == ')')
                depth--;
        } else if (*s == '"') {
            quoted = true;
        } else if (*s == '(') {
            depth = 1;
        } else if (*s == '<' && *angle == NULL) {
            *angle = s;
            in_angle = true;
        } else if (*s == '>') {
            in_angle = false;
        } else if (*s == ',' && !in_angle) {
            break;
        }
    }
    return s;
}

/* The address after angle, up to '>' (or stop), without a source route; NULL if out of memory. */
static char *
angle_address(const char *angle, const char *stop)
{
    const char *close = memchr(angle, '>', (size_t)(stop - angle));
    const char *colon;
    const char *from = angle + 1, *to = close ? close : stop;

    /* <@route,@route:user@host> */
    colon = memchr(from, ':', (size_t)(to - from));
    if (colon && memchr(from, '@', (size_t)(colon - from)))
        from = colon + 1;
    return strndup(from, (size_t)(to - from));
}

/* One mailbox's text, sorted by where it stands. */
struct mailbox_text {
    struct ct_buf display; /* outside comments, quotes undone */
    struct ct_buf bare;    /* the same without white space */
    struct ct_buf comment; /* inside comments, one space between two */
};

/* Split the mailbox into display text, bare address text and comments; the <address> if any. */
static char *
split_mailbox(const char *value, const char *stop, const char *angle, struct mailbox_text *mt)
{
    const char *s;
    int depth = 0;
    bool quoted = false;

    for (s = value; s < stop; s++) {
        if (angle && s == angle)
            return angle_address(angle, stop);
        if (quoted) {
            if (*s == '\\' && s + 1 < stop)
                ct_buf_putc(&mt->display, *++s);
            else if (*s == '"')
                quoted = false;
            else
                ct_buf_putc(&mt->display, *s);
        } else if (depth > 0) {
            if (*s == '\\' && s + 1 < stop) {
                ct_buf_putc(&mt->comment, *++s);
                continue;
            }
            if (*s == '(')
                depth++;
            else if (*s == ')' && --depth == 0)
                continue;
            if (depth > 0)
                ct_buf_putc(&mt->comment, *s);
        } else if (*s == '"') {
            quoted = true;
        } else if (*s == '(') {
            depth = 1;
            if (mt->comment.len)
                ct_buf_putc(&mt->comment, ' ');
        } else {
            ct_buf_putc(&mt->display, *s);
            if (!is_wsp(*s))
                ct_buf_putc(&mt->bare, *s);
        }
    }
    return NULL;
}

/* Trim a (taking it), drop a group's "name:", blanks and ';'; NULL if nothing is left. */
static char *
clean_address(char *a)
{
    char *colon, *at, *w, *r;

    a = trim_or_null(a);
    if (a == NULL)
        return NULL;
    /* Group syntax "team: a@b;" and stray white space. */
    colon = strchr(a, ':');
    if (colon && (at = strchr(a, '@')) && colon < at)
        memmove(a, colon + 1, strlen(colon + 1) + 1);
    for (w = r = a; *r; r++)
        if (!is_wsp(*r) && *r != ';')
            *w++ = *r;
    *w = '\0';
    return a;
}

enum ct_status
ct_mime_parse_address(const char *value, char **addr, char **name)
{
    struct mailbox_text mt;
    const char *angle, *stop;
    char *a, *at;
    enum ct_status st = CT_EDATA;

    *addr = NULL;
    if (name)
        *name = NULL;
    stop = find_mailbox_end(value, &angle);
    ct_buf_init(&mt.display);
    ct_buf_init(&mt.bare);
    ct_buf_init(&mt.comment);
    a = split_mailbox(value, stop, angle, &mt);
    if (angle == NULL)
        a = ct_strdup(mt.bare.data ? mt.bare.data : "");
    if (mt.display.failed || mt.bare.failed || mt.comment.failed || a == NULL) {
        st = CT_ENOMEM;
        goto done;
    }
    a = clean_address(a);
    at = a ? strrchr(a, '@') : NULL;
    if (at == NULL || at == a || at[1] == '\0') {
        free(a);
        st = CT_EDATA;
        goto done;
    }
    *addr = a;
    st = CT_OK;
    if (name) {
        const char *text = angle ? mt.display.data : mt.comment.data;
        *name = text ? trim_or_null(ct_mime_decode_header(text)) : NULL;
    }
done:
    ct_buf_free(&mt.display);
    ct_buf_free(&mt.bare);
    ct_buf_free(&mt.comment);
    return st;
}

/* ---- the walk ---------------------------------------------------------- */

static void walk_entity(struct walker *w, const char *p, size_t n, int depth, bool digest);

static bool
is_calendar_type(const char *type)
{
    static const char *const types[] = {"text/calendar", "text/x-vcalendar", "application/ics",
                                        "application/x-ics"};
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(types); i++)
        if (type && strcmp(type, types[i]) == 0)
            return true;
    return false;
}

/* Does the part carry a file name ending in ".ics"? */
static bool
has_ics_name(const struct ctype *ct, const struct ctype *disp)
{
    char *names[2];
    bool found = false;
    int i;

    names[0] = param_decoded(disp, "filename");
    names[1] = param_decoded(ct, "name");
    for (i = 0; i < 2; i++) {
        if (names[i] && ends_with_ci(names[i], ".ics"))
            found = true;
        free(names[i]);
    }
    return found;
}

/* Decode a leaf body by its Content-Transfer-Encoding. */
static char *
decode_transfer(const struct headers *h, const char *body, size_t n, size_t *out_len)
{
    const char *cte = header_get(h, "content-transfer-encoding");
    char *copy;

    if (cte) {
        cte = skip_cfws(cte);
        if (strncasecmp(cte, "base64", 6) == 0)
            return ct_mime_decode_base64(body, n, out_len);
        if (strncasecmp(cte, "quoted-printable", 16) == 0)
            return ct_mime_decode_qp(body, n, out_len);
    }
    copy = malloc(n + 1);
    if (copy == NULL)
        return NULL;
    memcpy(copy, body, n);
    copy[n] = '\0';
    *out_len = n;
    return copy;
}

/* Equal texts, but for carriage returns (inline copies are CR LF, attachments vary). */
static bool
same_but_cr(const char *a, const char *b)
{
    for (;;) {
        while (*a == '\r')
            a++;
        while (*b == '\r')
            b++;
        if (*a != *b)
            return false;
        if (*a == '\0')
            return true;
        a++;
        b++;
    }
}

static void
add_calendar(struct walker *w, const struct headers *h, const struct ctype *ct, const char *body,
             size_t n)
{
    struct ct_mime_message *m = w->msg;
    char *decoded, *text, **list;
    size_t dlen = 0, i;

    if (m->calendar_count == CT_MIME_MAX_CALENDARS) {
        m->truncated = true;
        return;
    }
    decoded = decode_transfer(h, body, n, &dlen);
    if (decoded == NULL) {
        w->nomem = true;
        return;
    }
    text = ct_mime_to_utf8(param_raw(ct, "charset"), decoded, dlen, NULL);
    free(decoded);
    if (text == NULL) {
        w->nomem = true;
        return;
    }
    /* Trailing blank lines differ between inline and attached copies. */
    for (i = strlen(text); i > 0 && strchr(" \t\r\n", text[i - 1]); i--)
        text[i - 1] = '\0';
    for (i = 0; i < m->calendar_count; i++)
        if (same_but_cr(m->calendars[i], text)) {
            free(text);
            return;
        }
    list = realloc(m->calendars, (m->calendar_count + 1) * sizeof(*list));
    if (list == NULL) {
        free(text);
        w->nomem = true;
        return;
    }
    m->calendars = list;
    m->calendars[m->calendar_count++] = text;
}

/* The message's own text (the first plain-text part), decoded, at most CT_MIME_MAX_TEXT bytes. */
static void
add_text(struct walker *w, const struct headers *h, const struct ctype *ct, const char *body,
         size_t n)
{
    size_t dlen = 0;
    char *decoded = decode_transfer(h, body, n, &dlen);

    if (decoded == NULL) {
        w->nomem = true;
        return;
    }
    if (dlen > CT_MIME_MAX_TEXT)
        dlen = CT_MIME_MAX_TEXT;
    w->msg->text = ct_mime_to_utf8(param_raw(ct, "charset"), decoded, dlen, NULL);
    free(decoded);
    if (w->msg->text == NULL)
        w->nomem = true;
}

/* Walk each body part between the delimiter lines of boundary. */
static void
walk_multipart(struct walker *w, const char *p, size_t n, const char *boundary, int depth,
               bool digest)
{
    size_t blen = strlen(boundary), pos = 0, next, len, start = 0;
    bool in_part = false;

    while (pos < n && !w->nomem) {
        len = line_at(p, n, pos, &next);
        if (len >= 2 + blen && p[pos] == '-' && p[pos + 1] == '-' &&
            memcmp(p + pos + 2, boundary, blen) == 0) {
            const char *rest = p + pos + 2 + blen;
            size_t rlen = len - 2 - blen, i;
            bool close = rlen >= 2 && rest[0] == '-' && rest[1] == '-';
            bool padding_only = true;
            if (close) {
                rest += 2;
                rlen -= 2;
            }
            for (i = 0; i < rlen; i++)
                if (!is_wsp(rest[i]))
                    padding_only = false;
            if (padding_only) {
                if (in_part) {
                    /* The line break before a delimiter belongs to it. */
                    size_t end = pos;
                    if (end > start && p[end - 1] == '\n')
                        end--;
                    if (end > start && p[end - 1] == '\r')
                        end--;
                    walk_entity(w, p + start, end - start, depth + 1, digest);
                }
                if (close)
                    return;
                in_part = true;
                start = next;
            }
        }
        pos = next;
    }
    /* No closing delimiter: be lenient and take the last part as it is. */
    if (in_part && start < n && !w->nomem)
        walk_entity(w, p + start, n - start, depth + 1, digest);
}

static void
walk_body(struct walker *w, const struct headers *h, const char *body, size_t n, int depth,
          bool digest)
{
    struct ctype ct, disp;
    const char *value;
    const char *type;

    value = header_get(h, "content-type");
    if (!parse_ctype(value ? value : "", &ct)) {
        w->nomem = true;
        ctype_free(&ct);
        return;
    }
    value = header_get(h, "content-disposition");
    if (!parse_ctype(value ? value : "", &disp)) {
        w->nomem = true;
        goto done;
    }
    type = ct.type && strchr(ct.type, '/') ? ct.type : (digest ? "message/rfc822" : "text/plain");
    if (strncmp(type, "multipart/", 10) == 0) {
        const char *boundary = param_raw(&ct, "boundary");
        if (boundary && *boundary && strlen(boundary) <= MAX_BOUNDARY)
            walk_multipart(w, body, n, boundary, depth, strcmp(type, "multipart/digest") == 0);
    } else if (strcmp(type, "message/rfc822") == 0 || strcmp(type, "message/global") == 0) {
        /* A forwarded or bounced message: look inside it too. */
        size_t dlen = 0;
        char *inner = decode_transfer(h, body, n, &dlen);
        if (inner == NULL)
            w->nomem = true;
        else {
            w->attached++;
            walk_entity(w, inner, dlen, depth + 1, false);
            w->attached--;
        }
        free(inner);
    } else {
        if (is_calendar_type(type) || has_ics_name(&ct, &disp))
            add_calendar(w, h, &ct, body, n);
        else if (strcmp(type, "text/plain") == 0 && w->attached == 0 && w->msg->text == NULL &&
                 !(disp.type && strcmp(disp.type, "attachment") == 0))
            add_text(w, h, &ct, body, n);
    }
done:
    ctype_free(&ct);
    ctype_free(&disp);
}

static void
walk_entity(struct walker *w, const char *p, size_t n, int depth, bool digest)
{
    struct headers h;
    size_t body;

    if (depth > CT_MIME_MAX_DEPTH || w->msg->parts_seen >= CT_MIME_MAX_PARTS) {
        w->msg->truncated = true;
        return;
    }
    w->msg->parts_seen++;
    if (!parse_headers(p, n, &h, &body)) {
        w->nomem = true;
        headers_free(&h);
        return;
    }
    walk_body(w, &h, p + body, n - body, depth, digest);
    headers_free(&h);
}

void
ct_mime_message_free(struct ct_mime_message *msg)
{
    size_t i;

    if (msg == NULL)
        return;
    free(msg->from);
    free(msg->from_name);
    free(msg->subject);
    free(msg->message_id);
    free(msg->in_reply_to);
    free(msg->references);
    free(msg->text);
    for (i = 0; i < msg->calendar_count; i++)
        free(msg->calendars[i]);
    free(msg->calendars);
    free(msg);
}

enum ct_status
ct_mime_parse(const char *data, size_t len, struct ct_mime_message **out, struct ct_error *err)
{
    struct walker w = {0};
    struct headers h;
    const char *v;
    size_t body;
    enum ct_status st = CT_OK;

    *out = NULL;
    w.msg = calloc(1, sizeof(*w.msg));
    if (w.msg == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory reading a message");
    if (!parse_headers(data, len, &h, &body)) {
        w.nomem = true;
        goto done;
    }
    w.msg->parts_seen = 1;
    v = header_get(&h, "from");
    if (v && ct_mime_parse_address(v, &w.msg->from, &w.msg->from_name) == CT_ENOMEM)
        w.nomem = true;
    v = header_get(&h, "subject");
    if (v && (w.msg->subject = ct_mime_decode_header(v)) == NULL)
        w.nomem = true;
    v = header_get(&h, "message-id");
    if (v) {
        char *id = ct_mime_decode_header(v);
        if (id == NULL)
            w.nomem = true;
        w.msg->message_id = trim_or_null(id);
    }
    v = header_get(&h, "in-reply-to");
    if (v && (w.msg->in_reply_to = strdup(v)) == NULL)
        w.nomem = true;
    v = header_get(&h, "references");
    if (v && (w.msg->references = strdup(v)) == NULL)
        w.nomem = true;
    if (!w.nomem)
        walk_body(&w, &h, data + body, len - body, 0, false);
done:
    headers_free(&h);
    if (w.nomem) {
        ct_mime_message_free(w.msg);
        return ct_error_set(err, CT_ENOMEM, "out of memory reading a message");
    }
    *out = w.msg;
    return st;
}
