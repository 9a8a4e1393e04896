/*
 * test_json.c: JSON string escaping: quotes, backslashes, control
 * characters, valid UTF-8 kept as is, invalid bytes replaced, NUL inside.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"

static char *
escaped(const char *s, size_t len)
{
    struct ct_buf b;

    ct_buf_init(&b);
    assert_true(ct_json_escape_n(&b, s, len));
    return ct_buf_steal(&b);
}

static void
check(const char *in, const char *want)
{
    char *got = escaped(in, strlen(in));

    assert_string_equal(got, want);
    free(got);
}

static void
test_plain_and_specials(void **state)
{
    check("", "\"\"");
    check("hello world", "\"hello world\"");
    check("say \"hi\"", "\"say \\\"hi\\\"\"");
    check("C:\\path", "\"C:\\\\path\"");
    check("a\nb\r\nc\td", "\"a\\nb\\r\\nc\\td\"");
    check("\b\f", "\"\\b\\f\"");
    check("\x01\x1f\x7f", "\"\\u0001\\u001f\\u007f\"");
    check("</script>", "\"</script>\"");
}

static void
test_utf8(void **state)
{
    /* Valid multi-byte characters pass through untouched. */
    check("Zoë Ørsted 日本 😀", "\"Zoë Ørsted 日本 😀\"");
    /* A lone continuation byte, a truncated sequence, an overlong '/',
     * a UTF-16 surrogate, and a value beyond U+10FFFF. */
    check("a\x80z", "\"a\\ufffdz\"");
    check("a\xc3", "\"a\\ufffd\"");
    check("\xc0\xaf", "\"\\ufffd\\ufffd\"");
    check("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"");
    check("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"");
}

static void
test_embedded_nul_and_null(void **state)
{
    struct ct_buf b;
    char *got = escaped("a\0b", 3);

    assert_string_equal(got, "\"a\\u0000b\"");
    free(got);
    ct_buf_init(&b);
    assert_true(ct_json_escape(&b, NULL));
    assert_string_equal(b.data, "null");
    ct_buf_free(&b);
}

static void
test_utf8_len(void **state)
{
    assert_int_equal(ct_json_utf8_len((const unsigned char *)"a", 1), 1);
    assert_int_equal(ct_json_utf8_len((const unsigned char *)"\xc3\xab", 2), 2);
    assert_int_equal(ct_json_utf8_len((const unsigned char *)"\xc3\xab", 1), 0);
    assert_int_equal(ct_json_utf8_len((const unsigned char *)"\xe2\x82\xac", 3), 3);
    assert_int_equal(ct_json_utf8_len((const unsigned char *)"\xe0\x80\x80", 3), 0);
    assert_int_equal(ct_json_utf8_len((const unsigned char *)"\xf0\x9f\x98\x80", 4), 4);
    assert_int_equal(ct_json_utf8_len((const unsigned char *)"\xff", 1), 0);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_and_specials),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_embedded_nul_and_null),
        cmocka_unit_test(test_utf8_len),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
