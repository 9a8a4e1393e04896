/*
 * token.c: signing and checking the tokens of members' links (token.h):
 * a fixed 34-byte payload, HMAC-SHA256 over it, both in base64url.
 * OpenSSL's libcrypto is ct_core's private dependency, used only here.
 */
#include "token.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "config.h"

#define PAYLOAD_BYTES 34 /* version, action, 4 x int64 */
#define MAC_BYTES     32
#define TOKEN_VERSION 1
#define KEY_MIN_BYTES 16

static const char *const action_words[CT_ACTION_COUNT] = {
    [CT_ACTION_SKIP] = "skip",
    [CT_ACTION_PAUSE] = "pause",
    [CT_ACTION_STOP] = "stop",
    [CT_ACTION_RESUME] = "resume",
    [CT_ACTION_PREFERENCES] = "preferences",
    [CT_ACTION_CHECKIN] = "checkin",
    [CT_ACTION_UNSUBSCRIBE] = "unsubscribe",
};

const char *
ct_action_str(enum ct_action a)
{
    return (unsigned)a < CT_ACTION_COUNT ? action_words[a] : "?";
}

bool
ct_action_parse(const char *s, enum ct_action *out)
{
    size_t i;

    for (i = 0; s && i < CT_ACTION_COUNT; i++)
        if (strcmp(s, action_words[i]) == 0) {
            *out = (enum ct_action)i;
            return true;
        }
    return false;
}

static const char b64url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/* base64url of in[0..n) without padding; out has room for 4 * n / 3 + 2. */
static size_t
b64url_encode(const unsigned char *in, size_t n, char *out)
{
    size_t i, o = 0;

    for (i = 0; i + 2 < n; i += 3) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
        out[o++] = b64url[v & 63];
    }
    if (n - i == 1) {
        unsigned v = (unsigned)in[i] << 16;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
    } else if (n - i == 2) {
        unsigned v = (unsigned)in[i] << 16 | (unsigned)in[i + 1] << 8;
        out[o++] = b64url[v >> 18 & 63];
        out[o++] = b64url[v >> 12 & 63];
        out[o++] = b64url[v >> 6 & 63];
    }
    out[o] = '\0';
    return o;
}

static int
b64url_value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

/*
 * Decode exactly want bytes from the len characters at in: canonical
 * base64url only (no padding, no junk, unused low bits zero), so one
 * payload has exactly one spelling. False if in is anything else.
 */
static bool
b64url_decode_exact(const char *in, size_t len, unsigned char *out, size_t want)
{
    size_t i, o = 0;
    unsigned acc = 0;
    int bits = 0;

    if (len != (want * 4 + 2) / 3)
        return false;
    for (i = 0; i < len; i++) {
        int v = b64url_value(in[i]);
        if (v < 0)
            return false;
        acc = (acc << 6 | (unsigned)v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
        }
    }
    return o == want && (acc & ((1u << bits) - 1)) == 0;
}

static void
put64(unsigned char *p, int64_t v)
{
    uint64_t u = (uint64_t)v;
    int i;

    for (i = 7; i >= 0; i--, u >>= 8)
        p[i] = (unsigned char)u;
}

static int64_t
get64(const unsigned char *p)
{
    uint64_t u = 0;
    int i;

    for (i = 0; i < 8; i++)
        u = u << 8 | p[i];
    return (int64_t)u;
}

static bool
mac(const unsigned char *key, size_t key_len, const unsigned char *payload,
    unsigned char out[MAC_BYTES])
{
    unsigned int n = 0;

    return HMAC(EVP_sha256(), key, (int)key_len, payload, PAYLOAD_BYTES, out, &n) != NULL &&
           n == MAC_BYTES;
}

enum ct_status
ct_token_make(const unsigned char *key, size_t key_len, const struct ct_token *t, char *out,
              size_t size, struct ct_error *err)
{
    unsigned char payload[PAYLOAD_BYTES], sig[MAC_BYTES];
    char text[CT_TOKEN_MAX];
    size_t n;

    if (size > 0)
        out[0] = '\0';
    if (key == NULL || key_len < KEY_MIN_BYTES || key_len > 1024)
        return ct_error_set(err, CT_EUSAGE, "the link key must have 16 to 1024 bytes");
    if (t->member_id < 1 || t->round_id < 0 || t->group_id < 0 ||
        (unsigned)t->action >= CT_ACTION_COUNT)
        return ct_error_set(err, CT_EUSAGE, "a link needs a member and a known action");
    payload[0] = TOKEN_VERSION;
    payload[1] = (unsigned char)t->action;
    put64(payload + 2, t->member_id);
    put64(payload + 10, t->round_id);
    put64(payload + 18, t->group_id);
    put64(payload + 26, t->expires);
    if (!mac(key, key_len, payload, sig))
        return ct_error_set(err, CT_EINTERNAL, "HMAC-SHA256 failed");
    n = b64url_encode(payload, PAYLOAD_BYTES, text);
    text[n++] = '.';
    n += b64url_encode(sig, MAC_BYTES, text + n);
    if (n + 1 > size)
        return ct_error_set(err, CT_EUSAGE, "no room for a %zu-character token", n);
    memcpy(out, text, n + 1);
    return CT_OK;
}

enum ct_status
ct_token_check(const unsigned char *key, size_t key_len, const char *text, int64_t now,
               struct ct_token *t, struct ct_error *err)
{
    unsigned char payload[PAYLOAD_BYTES], sig[MAC_BYTES], want[MAC_BYTES];
    const char *dot;
    size_t len;

    memset(t, 0, sizeof(*t));
    if (key == NULL || key_len < KEY_MIN_BYTES || key_len > 1024)
        return ct_error_set(err, CT_EUSAGE, "the link key must have 16 to 1024 bytes");
    if (text == NULL || (len = strnlen(text, CT_TOKEN_MAX)) >= CT_TOKEN_MAX ||
        (dot = memchr(text, '.', len)) == NULL ||
        !b64url_decode_exact(text, (size_t)(dot - text), payload, PAYLOAD_BYTES) ||
        !b64url_decode_exact(dot + 1, len - (size_t)(dot - text) - 1, sig, MAC_BYTES))
        return ct_error_set(err, CT_EDATA, "the link is not one of ours (malformed)");
    if (!mac(key, key_len, payload, want))
        return ct_error_set(err, CT_EINTERNAL, "HMAC-SHA256 failed");
    if (CRYPTO_memcmp(sig, want, MAC_BYTES) != 0)
        return ct_error_set(err, CT_EDATA, "the link is not one of ours (signature)");
    /* Signed by us from here on: a bad field is our bug or an old format. */
    if (payload[0] != TOKEN_VERSION || payload[1] >= CT_ACTION_COUNT || get64(payload + 2) < 1 ||
        get64(payload + 10) < 0 || get64(payload + 18) < 0)
        return ct_error_set(err, CT_EDATA, "the link has a format this version does not know");
    if (now >= get64(payload + 26))
        return ct_error_set(err, CT_ESTATE, "the link has expired");
    t->action = (enum ct_action)payload[1];
    t->member_id = get64(payload + 2);
    t->round_id = get64(payload + 10);
    t->group_id = get64(payload + 18);
    t->expires = get64(payload + 26);
    return CT_OK;
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

enum ct_status
ct_token_key_read(const char *file, unsigned char key[CT_WEB_KEY_BYTES], struct ct_diags *diags,
                  struct ct_error *err)
{
    enum ct_status st;
    char *text = NULL;
    size_t i;

    memset(key, 0, CT_WEB_KEY_BYTES);
    st = ct_config_read_secret(file, &text, diags, err);
    if (st != CT_OK)
        return st;
    if (strlen(text) != 2 * CT_WEB_KEY_BYTES) {
        st = ct_error_set(err, CT_EDATA,
                          "%s: not a link key (64 hex digits; coffeetrial web keygen writes one)",
                          file);
        goto out;
    }
    for (i = 0; i < CT_WEB_KEY_BYTES; i++) {
        int hi = hex_value(text[2 * i]), lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            st = ct_error_set(err, CT_EDATA,
                              "%s: not a link key (64 hex digits; coffeetrial web keygen writes "
                              "one)",
                              file);
            memset(key, 0, CT_WEB_KEY_BYTES);
            goto out;
        }
        key[i] = (unsigned char)(hi << 4 | lo);
    }
out:
    explicit_bzero(text, strlen(text));
    free(text);
    return st;
}

void
ct_token_key_text(const unsigned char key[CT_WEB_KEY_BYTES], char text[2 * CT_WEB_KEY_BYTES + 1])
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    for (i = 0; i < CT_WEB_KEY_BYTES; i++) {
        text[2 * i] = digits[key[i] >> 4];
        text[2 * i + 1] = digits[key[i] & 15];
    }
    text[2 * CT_WEB_KEY_BYTES] = '\0';
}
