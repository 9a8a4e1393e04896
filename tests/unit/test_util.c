/*
 * test_util.c: the shared helpers: buffers, diagnostics, and the value
 * checks (e-mail, time zone, date, clock time, duration, UTF-8), the edit
 * distance of "did you mean", the width of UTF-8 text and zone lookup.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "ct.h"
#include "tz.h"
#include "util.h"
#include "validate.h"

static void
test_buf(void **state)
{
    struct ct_buf b;
    char *s;
    int i;

    ct_buf_init(&b);
    for (i = 0; i < 1000; i++)
        assert_true(ct_buf_printf(&b, "%d,", i));
    assert_int_equal(b.len, strlen(b.data));
    assert_memory_equal(b.data, "0,1,2,", 6);
    s = ct_buf_steal(&b);
    assert_non_null(s);
    assert_null(b.data);
    free(s);
    s = ct_buf_steal(&b);
    assert_string_equal(s, "");
    free(s);
}

static void
test_diags(void **state)
{
    struct ct_diags d;
    char *line;

    ct_diags_init(&d);
    ct_diags_add(&d, CT_ERROR, "r.csv", 7, "email: %s", "missing '@'");
    ct_diags_add(&d, CT_WARNING, "r.csv", 0, "column %s ignored", "x");
    ct_diags_add(&d, CT_ERROR, NULL, 0, "plain");
    assert_int_equal(d.errors, 2);
    assert_int_equal(d.warnings, 1);
    line = ct_diag_format(&d.items[0]);
    assert_string_equal(line, "r.csv:7: email: missing '@'");
    free(line);
    line = ct_diag_format(&d.items[1]);
    assert_string_equal(line, "r.csv: warning: column x ignored");
    free(line);
    line = ct_diag_format(&d.items[2]);
    assert_string_equal(line, "plain");
    free(line);
    ct_diags_free(&d);
}

static void
test_error(void **state)
{
    struct ct_error err;

    ct_error_clear(&err);
    assert_int_equal(ct_error_set(&err, CT_EIO, "open %s", "x"), CT_EIO);
    ct_error_prefix(&err, "store");
    assert_string_equal(err.message, "store: open x");
    assert_int_equal(ct_status_exit(CT_ECONFIG), 78);
    assert_int_equal(ct_status_exit(CT_EDATA), 65);
    assert_int_equal(ct_status_exit(CT_ETEMP), 75);
    assert_int_equal(ct_error_set(NULL, CT_EDATA, "dropped"), CT_EDATA);
}

static void
test_email(void **state)
{
    assert_null(ct_check_email("ana@a.org"));
    assert_null(ct_check_email("first.last+rct@nhs.example.co.uk"));
    assert_null(ct_check_email("O'Brien@x-y.org"));
    assert_non_null(ct_check_email(""));
    assert_non_null(ct_check_email("ana"));
    assert_non_null(ct_check_email("@a.org"));
    assert_non_null(ct_check_email("ana@"));
    assert_non_null(ct_check_email("ana@localhost"));
    assert_non_null(ct_check_email("ana..b@a.org"));
    assert_non_null(ct_check_email(".ana@a.org"));
    assert_non_null(ct_check_email("ana@a..org"));
    assert_non_null(ct_check_email("ana@-a.org"));
    assert_non_null(ct_check_email("a na@a.org"));
    assert_non_null(ct_check_email("ana@a.org\r\nBcc: x@y.org"));
    assert_non_null(ct_check_email("ana@a_b.org"));
}

static void
test_timezone(void **state)
{
    assert_null(ct_check_timezone("Europe/London"));
    assert_null(ct_check_timezone("America/New_York"));
    assert_null(ct_check_timezone("UTC"));
    assert_non_null(ct_check_timezone("Mars/Olympus"));
    assert_non_null(ct_check_timezone("../etc/passwd"));
    assert_non_null(ct_check_timezone(""));
}

static void
test_dates(void **state)
{
    int32_t days;
    char out[11];
    int y, m, d;

    assert_null(ct_parse_date("1970-01-01", &days));
    assert_int_equal(days, 0);
    assert_null(ct_parse_date("2024-02-29", &days));
    ct_format_date(days, out);
    assert_string_equal(out, "2024-02-29");
    assert_non_null(ct_parse_date("2023-02-29", NULL));
    assert_non_null(ct_parse_date("2023-13-01", NULL));
    assert_non_null(ct_parse_date("2023-1-01", NULL));
    assert_non_null(ct_parse_date("23-01-01xx", NULL));
    for (days = 0; days < 40000; days += 17) {
        ct_civil_from_days(days, &y, &m, &d);
        assert_int_equal(ct_days_from_civil(y, m, d), days);
    }
}

static void
test_clock_and_duration(void **state)
{
    int minutes;
    int64_t secs;

    assert_null(ct_parse_clock("09:30", &minutes));
    assert_int_equal(minutes, 570);
    assert_null(ct_parse_clock("24:00", &minutes));
    assert_int_equal(minutes, 1440);
    assert_non_null(ct_parse_clock("24:01", NULL));
    assert_non_null(ct_parse_clock("9:30", NULL));
    assert_non_null(ct_parse_clock("09:60", NULL));
    assert_null(ct_parse_duration("30m", &secs));
    assert_int_equal(secs, 1800);
    assert_null(ct_parse_duration("2d", &secs));
    assert_int_equal(secs, 172800);
    assert_null(ct_parse_duration("0", &secs));
    assert_int_equal(secs, 0);
    assert_null(ct_parse_duration("6h", &secs));
    assert_int_equal(secs, 21600);
    assert_non_null(ct_parse_duration("-1m", NULL));
    assert_non_null(ct_parse_duration("5w", NULL));
    assert_non_null(ct_parse_duration("m", NULL));
    assert_non_null(ct_parse_duration("5mm", NULL));
    assert_non_null(ct_parse_duration("99999999999999999999d", NULL));
}

static void
test_utf8(void **state)
{
    assert_null(ct_check_utf8("Zoë Ångström 日本 😀", strlen("Zoë Ångström 日本 😀")));
    assert_non_null(ct_check_utf8("\xc3", 1));
    assert_non_null(ct_check_utf8("\xc0\xaf", 2));
    assert_non_null(ct_check_utf8("\xed\xa0\x80", 3));
    assert_non_null(ct_check_utf8("\xff", 1));
    assert_true(ct_has_control("a\nb", true));
    assert_false(ct_has_control("a\tb", true));
    assert_true(ct_has_control("a\tb", false));
    assert_true(ct_has_control("a\x7f", false));
}

static void
test_forbidden_chars(void **state)
{
    const char *bidi = "a\xe2\x80\xae"
                       "b"; /* U+202E, right-to-left override */
    const char *c1 = "a\xc2\x85"
                     "b"; /* U+0085, next line */

    assert_int_equal(ct_find_forbidden_char("Zoë Ångström", strlen("Zoë Ångström"), false), -1);
    assert_int_equal(ct_find_forbidden_char("a\nb", 3, false), '\n');
    assert_int_equal(ct_find_forbidden_char("a\nb\tc\r", 6, true), -1);
    assert_int_equal(ct_find_forbidden_char("a\x01", 2, true), 1);
    assert_int_equal(ct_find_forbidden_char("a\x7f", 2, true), 0x7f);
    assert_int_equal(ct_find_forbidden_char(bidi, strlen(bidi), true), 0x202e);
    assert_int_equal(ct_find_forbidden_char(c1, strlen(c1), false), 0x85);
    assert_int_equal(ct_find_forbidden_char("\xef\xbb\xbfx", 4, false), 0xfeff);
}

static void
test_atomic_write(void **state)
{
    char dir[] = "/tmp/ct-util-XXXXXX";
    char path[256], *data;
    size_t len;
    struct ct_error err;

    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/f.txt", dir);
    assert_int_equal(ct_file_write_atomic(path, "one", 3, 0600, &err), CT_OK);
    assert_int_equal(ct_file_write_atomic(path, "two!", 4, 0600, &err), CT_OK);
    assert_int_equal(ct_file_read(path, 100, &data, &len, &err), CT_OK);
    assert_int_equal(len, 4);
    assert_string_equal(data, "two!");
    free(data);
    assert_int_equal(ct_file_read(path, 2, &data, &len, &err), CT_EDATA);
    unlink(path);
    assert_int_equal(ct_file_read(path, 100, &data, &len, &err), CT_ENOINPUT);
    assert_non_null(strstr(err.message, path));
    rmdir(dir);
}

static void
test_edit_distance(void **state)
{
    assert_int_equal(ct_edit_distance("timezone", "timezone"), 0);
    assert_int_equal(ct_edit_distance("timezon", "timezone"), 1);
    assert_int_equal(ct_edit_distance("organization", "organisation"), 1);
    assert_int_equal(ct_edit_distance("abc", "xyz"), 3);
    /* Damerau: a swap of neighbours is one edit, not two. */
    assert_int_equal(ct_edit_distance("fromat", "format"), 1);
    assert_int_equal(ct_edit_distance("rooster", "roster"), 1);
    assert_int_equal(ct_edit_distance("pln", "plan"), 1);
    assert_int_equal(ct_edit_distance("ca", "abc"), 3); /* OSA, not unrestricted */
    assert_int_equal(ct_edit_distance("", "abc"), 3);
    assert_int_equal(ct_edit_distance("ROSTER", "roster"), 0);
}

static void
test_utf8_width(void **state)
{
    assert_int_equal(ct_utf8_width(NULL), 0);
    assert_int_equal(ct_utf8_width(""), 0);
    assert_int_equal(ct_utf8_width("Ana"), 3);
    assert_int_equal(ct_utf8_width("Zo\xc3\xab \xe2\x80\xa6"), 5); /* "Zoë …" */
}

static void
test_tz_lookup(void **state)
{
    assert_ptr_equal(ct_tz_lookup(NULL), icaltimezone_get_utc_timezone());
    assert_ptr_equal(ct_tz_lookup("UTC"), icaltimezone_get_utc_timezone());
    assert_non_null(ct_tz_lookup("Europe/London"));
    assert_null(ct_tz_lookup("Mars/Base"));
    assert_null(ct_tz_lookup(""));
    assert_null(ct_tz_lookup("/etc/passwd"));
    assert_null(ct_tz_lookup("Europe/../../etc"));
    assert_true(ct_tz_name_plausible("America/Argentina/Buenos_Aires"));
    assert_false(ct_tz_name_plausible(NULL));
    assert_ptr_equal(ct_tz_or_utc("Mars/Base"), icaltimezone_get_utc_timezone());
    assert_ptr_equal(ct_tz_or_utc(NULL), icaltimezone_get_utc_timezone());
    assert_ptr_equal(ct_tz_or_utc("Europe/London"), ct_tz_lookup("Europe/London"));
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_buf),
        cmocka_unit_test(test_diags),
        cmocka_unit_test(test_error),
        cmocka_unit_test(test_email),
        cmocka_unit_test(test_timezone),
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_clock_and_duration),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_forbidden_chars),
        cmocka_unit_test(test_atomic_write),
        cmocka_unit_test(test_edit_distance),
        cmocka_unit_test(test_utf8_width),
        cmocka_unit_test(test_tz_lookup),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
