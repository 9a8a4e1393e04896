/*
 * token.h: the signed tokens in members' links (/skip/TOKEN, ...): who,
 * which action, which round or group, until when; HMAC-SHA256 with the key
 * in [web] secret_file. The contract is /work/briefs/i14-contract.md.
 */
#ifndef CT_TOKEN_H
#define CT_TOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

/* What a link does; the order is part of the token format (never reorder). */
enum ct_action {
    CT_ACTION_SKIP,
    CT_ACTION_PAUSE,
    CT_ACTION_STOP,
    CT_ACTION_RESUME,
    CT_ACTION_PREFERENCES,
    CT_ACTION_CHECKIN,
    CT_ACTION_UNSUBSCRIBE,
};
#define CT_ACTION_COUNT 7

/* The URL path word of an action: "skip", "pause", ...; "?" if out of range. */
const char *ct_action_str(enum ct_action a);

/* The action whose path word is s (exact, lower case). OUT: *out. */
bool ct_action_parse(const char *s, enum ct_action *out);

struct ct_token {
    int64_t member_id; /* > 0 */
    enum ct_action action;
    int64_t round_id; /* 0 = none */
    int64_t group_id; /* 0 = none */
    int64_t expires;  /* unix seconds: the token is refused from this instant on */
};

#define CT_TOKEN_MAX     160 /* printable URL-safe text incl. NUL */
#define CT_WEB_KEY_BYTES 32

/*
 * Sign t: base64url(payload) "." base64url(HMAC-SHA256(key, payload)), no
 * padding, only [A-Za-z0-9_.-]. The payload is 34 bytes: a format version
 * (1), the action, then member, round, group and expiry as big-endian
 * 64-bit numbers. OUT: out (size >= CT_TOKEN_MAX is always enough).
 * CT_EUSAGE for a key shorter than 16 bytes, a member_id < 1, a negative id
 * or an action out of range, or a buffer too small.
 */
enum ct_status ct_token_make(const unsigned char *key, size_t key_len, const struct ct_token *t,
                             char *out, size_t size, struct ct_error *err);

/*
 * Verify text (the signature in constant time, CRYPTO_memcmp) and its
 * expiry against now. OUT: *t (zeroed unless CT_OK). CT_EINVAL in the
 * contract is CT_EDATA here (ct.h has no EINVAL): a malformed, changed or
 * foreign-key token; CT_ESTATE for a genuine one that has expired. The
 * message never repeats the token.
 */
enum ct_status ct_token_check(const unsigned char *key, size_t key_len, const char *text,
                              int64_t now, struct ct_token *t, struct ct_error *err);

/*
 * Read the link-signing key from file ([web] secret_file, resolved like
 * every *_file: $CREDENTIALS_DIRECTORY for a relative name): 64 hex digits
 * (what "coffeetrial web keygen" writes), an optional newline. OUT: key.
 * A loose mode adds a warning to diags (may be NULL). The key never goes
 * into a message.
 */
enum ct_status ct_token_key_read(const char *file, unsigned char key[CT_WEB_KEY_BYTES],
                                 struct ct_diags *diags, struct ct_error *err);

/* key as 64 lower-case hex digits and a NUL. OUT: text. */
void ct_token_key_text(const unsigned char key[CT_WEB_KEY_BYTES],
                       char text[2 * CT_WEB_KEY_BYTES + 1]);

#endif
