/*
 * test_token.c: link tokens round-trip, match an independent HMAC-SHA256
 * (Python's hmac) byte for byte, and refuse every changed, expired,
 * foreign-key or malformed text; the key file reader takes only 64 hex digits.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rng.h"
#include "token.h"

static unsigned char key[CT_WEB_KEY_BYTES];
static const int64_t NOW = 1700000000;

static int
setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (unsigned char)i;
    return 0;
}

static void
make(const struct ct_token *t, char *out)
{
    struct ct_error err;
    assert_int_equal(ct_token_make(key, sizeof(key), t, out, CT_TOKEN_MAX, &err), CT_OK);
}

static void
test_actions(void **state)
{
    enum ct_action a;
    (void)state;
    for (int i = 0; i < CT_ACTION_COUNT; i++) {
        assert_true(ct_action_parse(ct_action_str((enum ct_action)i), &a));
        assert_int_equal(a, i);
    }
    assert_string_equal(ct_action_str(CT_ACTION_CHECKIN), "checkin");
    assert_string_equal(ct_action_str(CT_ACTION_UNSUBSCRIBE), "unsubscribe");
    assert_false(ct_action_parse("Skip", &a));
    assert_false(ct_action_parse("", &a));
    assert_false(ct_action_parse(NULL, &a));
    assert_string_equal(ct_action_str((enum ct_action)99), "?");
}

static void
test_known_answer_and_round_trip(void **state)
{
    struct ct_token t = {42, CT_ACTION_PAUSE, 7, 9, 1800000000}, back;
    char text[CT_TOKEN_MAX];
    struct ct_error err;
    (void)state;

    make(&t, text);
    /* From Python: hmac.new(bytes(range(32)), payload, sha256), base64url. */
    assert_string_equal(text, "AQEAAAAAAAAAKgAAAAAAAAAHAAAAAAAAAAkAAAAAa0nSAA."
                              "nArNtP5x4ZwW5WM3ipVjcba3rqH487Qal3JMH9boqtw");
    assert_int_equal(ct_token_check(key, sizeof(key), text, NOW, &back, &err), CT_OK);
    assert_true(back.member_id == 42 && back.action == CT_ACTION_PAUSE && back.round_id == 7 &&
                back.group_id == 9 && back.expires == 1800000000);
    /* Every action and large ids survive. */
    for (int a = 0; a < CT_ACTION_COUNT; a++) {
        struct ct_token u = {INT64_MAX, (enum ct_action)a, 0, INT64_MAX - 1, INT64_MAX};
        make(&u, text);
        assert_true(strlen(text) < CT_TOKEN_MAX);
        assert_true(strspn(text, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                 "0123456789-_.") == strlen(text));
        assert_int_equal(ct_token_check(key, sizeof(key), text, NOW, &back, &err), CT_OK);
        assert_true(back.member_id == INT64_MAX && (int)back.action == a && back.round_id == 0 &&
                    back.group_id == INT64_MAX - 1);
    }
}

static void
test_tampered(void **state)
{
    struct ct_token t = {42, CT_ACTION_SKIP, 7, 0, NOW + 3600}, back;
    char text[CT_TOKEN_MAX], bad[CT_TOKEN_MAX];
    struct ct_error err;
    size_t len, i;
    (void)state;

    make(&t, text);
    len = strlen(text);
    /* Any single character changed, anywhere, is refused as data. */
    for (i = 0; i < len; i++) {
        strcpy(bad, text);
        bad[i] = bad[i] == 'A' ? 'B' : 'A';
        if (strcmp(bad, text) == 0)
            continue;
        assert_int_equal(ct_token_check(key, sizeof(key), bad, NOW, &back, &err), CT_EDATA);
        assert_true(back.member_id == 0);
        assert_null(strstr(err.message, bad));
    }
    /* Another member's payload with this signature. */
    {
        struct ct_token other = {43, CT_ACTION_SKIP, 7, 0, NOW + 3600};
        char o[CT_TOKEN_MAX];
        make(&other, o);
        snprintf(bad, sizeof(bad), "%.*s%s", (int)(strchr(o, '.') - o), o, strchr(text, '.'));
        assert_int_equal(ct_token_check(key, sizeof(key), bad, NOW, &back, &err), CT_EDATA);
    }
}

static void
test_expired_and_wrong_key(void **state)
{
    struct ct_token t = {5, CT_ACTION_STOP, 0, 0, NOW + 10}, back;
    unsigned char other[CT_WEB_KEY_BYTES];
    char text[CT_TOKEN_MAX];
    struct ct_error err;
    (void)state;

    make(&t, text);
    assert_int_equal(ct_token_check(key, sizeof(key), text, NOW + 9, &back, &err), CT_OK);
    assert_int_equal(ct_token_check(key, sizeof(key), text, NOW + 10, &back, &err), CT_ESTATE);
    assert_int_equal(ct_token_check(key, sizeof(key), text, NOW + 9999, &back, &err), CT_ESTATE);
    memcpy(other, key, sizeof(other));
    other[31] ^= 1; /* a rotated key */
    assert_int_equal(ct_token_check(other, sizeof(other), text, NOW, &back, &err), CT_EDATA);
    /* Short keys are refused both ways. */
    assert_int_equal(ct_token_check(key, 8, text, NOW, &back, &err), CT_EUSAGE);
    assert_int_equal(ct_token_make(key, 8, &t, text, sizeof(text), &err), CT_EUSAGE);
}

static void
test_make_refuses(void **state)
{
    struct ct_token t = {0, CT_ACTION_SKIP, 0, 0, NOW};
    char text[CT_TOKEN_MAX];
    struct ct_error err;
    (void)state;

    assert_int_equal(ct_token_make(key, sizeof(key), &t, text, sizeof(text), &err), CT_EUSAGE);
    t.member_id = 1;
    t.round_id = -1;
    assert_int_equal(ct_token_make(key, sizeof(key), &t, text, sizeof(text), &err), CT_EUSAGE);
    t.round_id = 0;
    t.action = (enum ct_action)CT_ACTION_COUNT;
    assert_int_equal(ct_token_make(key, sizeof(key), &t, text, sizeof(text), &err), CT_EUSAGE);
    t.action = CT_ACTION_SKIP;
    assert_int_equal(ct_token_make(key, sizeof(key), &t, text, 20, &err), CT_EUSAGE);
    assert_string_equal(text, "");
}

static void
test_malformed(void **state)
{
    static const char *const junk[] = {
        "",
        ".",
        "..",
        "abc",
        "abc.def",
        "AQEA.",
        ".AQEA",
        /* padding, spaces, a second dot, a trailing newline */
        "AQEAAAAAAAAAKgAAAAAAAAAHAAAAAAAAAAkAAAAAa0nSAA==."
        "nArNtP5x4ZwW5WM3ipVjcba3rqH487Qal3JMH9boqtw",
        "AQEAAAAAAAAAKgAAAAAAAAAHAAAAAAAAAAkAAAAAa0nSAA."
        "nArNtP5x4ZwW5WM3ipVjcba3rqH487Qal3JMH9boqtw\n",
        "AQEAAAAAAAAAKgAAAAAAAAAHAAAAAAAAAAkAAAAAa0nSAA.."
        "nArNtP5x4ZwW5WM3ipVjcba3rqH487Qal3JMH9boqtw",
        " AQEAAAAAAAAAKgAAAAAAAAAHAAAAAAAAAAkAAAAAa0nSAA."
        "nArNtP5x4ZwW5WM3ipVjcba3rqH487Qal3JMH9boqtw",
        /* standard base64's + and / instead of - and _ */
        "AQEAAAAAAAAAKgAAAAAAAAAHAAAAAAAAAAkAAAAAa0nSAA."
        "nArNtP5x4ZwW5WM3ipVjcba3rqH487Qal3JMH9boqt+",
        /* a non-canonical last character (unused bits set): same bytes, other text */
        "AQEAAAAAAAAAKgAAAAAAAAAHAAAAAAAAAAkAAAAAa0nSAB."
        "nArNtP5x4ZwW5WM3ipVjcba3rqH487Qal3JMH9boqtw",
    };
    struct ct_token back;
    struct ct_error err;
    char longer[400];
    (void)state;

    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        assert_int_equal(ct_token_check(key, sizeof(key), junk[i], 0, &back, &err), CT_EDATA);
    assert_int_equal(ct_token_check(key, sizeof(key), NULL, 0, &back, &err), CT_EDATA);
    memset(longer, 'A', sizeof(longer) - 1);
    longer[sizeof(longer) - 1] = '\0';
    longer[200] = '.';
    assert_int_equal(ct_token_check(key, sizeof(key), longer, 0, &back, &err), CT_EDATA);
}

/* Random texts and random mutations of a good token never pass. */
static void
test_fuzzish(void **state)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                   "0123456789-_.=+/ %\x01\xff";
    struct ct_token t = {77, CT_ACTION_CHECKIN, 3, 4, NOW + 100}, back;
    char good[CT_TOKEN_MAX], text[CT_TOKEN_MAX + 10];
    struct ct_error err;
    struct ct_rng rng;
    (void)state;

    make(&t, good);
    ct_rng_seed(&rng, 14);
    for (int round = 0; round < 20000; round++) {
        size_t len;
        if (round % 2) {
            len = (size_t)ct_rng_below(&rng, sizeof(text) - 1);
            for (size_t i = 0; i < len; i++)
                text[i] = alphabet[ct_rng_below(&rng, sizeof(alphabet) - 1)];
            text[len] = '\0';
        } else {
            strcpy(text, good);
            len = strlen(text);
            for (int m = 0; m < 1 + (int)ct_rng_below(&rng, 3); m++)
                text[ct_rng_below(&rng, len)] = alphabet[ct_rng_below(&rng, sizeof(alphabet) - 1)];
            if (strcmp(text, good) == 0)
                continue;
        }
        assert_int_not_equal(ct_token_check(key, sizeof(key), text, NOW, &back, &err), CT_OK);
    }
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    chmod(path, mode);
}

static void
test_key_file(void **state)
{
    char dir[] = "/tmp/test_token.XXXXXX", path[256], text[2 * CT_WEB_KEY_BYTES + 1];
    unsigned char got[CT_WEB_KEY_BYTES];
    struct ct_diags diags;
    struct ct_error err;
    (void)state;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/key", dir);
    ct_token_key_text(key, text);
    assert_string_equal(text, "000102030405060708090a0b0c0d0e0f"
                              "101112131415161718191a1b1c1d1e1f");
    write_file(path, "000102030405060708090A0B0C0D0E0F101112131415161718191a1b1c1d1e1f\n", 0600);
    ct_diags_init(&diags);
    assert_int_equal(ct_token_key_read(path, got, &diags, &err), CT_OK);
    assert_memory_equal(got, key, sizeof(key));
    assert_int_equal(diags.warnings, 0);
    chmod(path, 0644);
    assert_int_equal(ct_token_key_read(path, got, &diags, &err), CT_OK);
    assert_int_equal(diags.warnings, 1);
    ct_diags_free(&diags);
    write_file(path, "00010203\n", 0600);
    assert_int_equal(ct_token_key_read(path, got, NULL, &err), CT_EDATA);
    assert_non_null(strstr(err.message, "64 hex digits"));
    assert_null(strstr(err.message, "00010203"));
    write_file(path, "g00102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f", 0600);
    assert_int_equal(ct_token_key_read(path, got, NULL, &err), CT_EDATA);
    unlink(path);
    assert_int_equal(ct_token_key_read(path, got, NULL, &err), CT_ENOINPUT);
    rmdir(dir);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_actions),      cmocka_unit_test(test_known_answer_and_round_trip),
        cmocka_unit_test(test_tampered),     cmocka_unit_test(test_expired_and_wrong_key),
        cmocka_unit_test(test_make_refuses), cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_fuzzish),      cmocka_unit_test(test_key_file),
    };

    return cmocka_run_group_tests(tests, setup, NULL);
}
