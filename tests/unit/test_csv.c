/*
 * test_csv.c: the RFC 4180 reader: line endings, BOM, quoting, line numbers
 * across quoted line breaks, and how malformed input is reported and
 * recovered from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "util.h"

/* All records of s rendered as "LINE[-END]:f1|f2|...[!ERRLINE:FIELD:error]\n". */
static char *
render_len(const char *s, size_t len)
{
    struct ct_csv *csv = ct_csv_new(s, len);
    const struct ct_csv_record *rec;
    struct ct_buf out;
    size_t i;

    assert_non_null(csv);
    ct_buf_init(&out);
    ct_buf_puts(&out, "");
    for (;;) {
        assert_int_equal(ct_csv_next(csv, &rec), CT_OK);
        if (rec == NULL)
            break;
        assert_true(rec->count >= 1);
        ct_buf_printf(&out, "%ld", rec->line);
        if (rec->end_line != rec->line)
            ct_buf_printf(&out, "-%ld", rec->end_line);
        ct_buf_putc(&out, ':');
        for (i = 0; i < rec->count; i++) {
            assert_int_equal(strlen(rec->fields[i]), rec->lengths[i]);
            ct_buf_printf(&out, "%s%s%s", i ? "|" : "", rec->quoted[i] ? "Q" : "", rec->fields[i]);
        }
        if (rec->error)
            ct_buf_printf(&out, "!%ld:%zu:%s", rec->error_line, rec->error_field, rec->error);
        ct_buf_putc(&out, '\n');
    }
    /* At the end it stays at the end. */
    assert_int_equal(ct_csv_next(csv, &rec), CT_OK);
    assert_null(rec);
    ct_csv_free(csv);
    return ct_buf_steal(&out);
}

static char *
render(const char *s)
{
    return render_len(s, strlen(s));
}

#define assert_csv(input, expected)                                                                \
    do {                                                                                           \
        char *got_ = render(input);                                                                \
        assert_string_equal(got_, expected);                                                       \
        free(got_);                                                                                \
    } while (0)

static void
test_line_endings(void **state)
{
    assert_csv("", "");
    assert_csv("a,b", "1:a|b\n");
    assert_csv("a,b\n", "1:a|b\n");
    assert_csv("a,b\nc,d\n", "1:a|b\n2:c|d\n");
    assert_csv("a,b\r\nc,d\r\n", "1:a|b\n2:c|d\n");
    assert_csv("a,b\rc,d\r", "1:a|b\n2:c|d\n");
    assert_csv("a\r\n\r\nb\n", "1:a\n2:\n3:b\n");
    assert_csv("a,b\n\n", "1:a|b\n2:\n");
    assert_csv("\n", "1:\n");
    assert_csv("a,\n,b\n,\n", "1:a|\n2:|b\n3:|\n");
}

static void
test_bom(void **state)
{
    assert_csv("\xef\xbb\xbf"
               "email,name\r\n",
               "1:email|name\n");
    assert_csv("\xef\xbb\xbf", "");
    /* Only at the start: elsewhere it is data (the roster rejects it). */
    assert_csv("a,\xef\xbb\xbf"
               "b\n",
               "1:a|\xef\xbb\xbf"
               "b\n");
}

static void
test_quoted(void **state)
{
    assert_csv("\"a,b\",c\n", "1:Qa,b|c\n");
    assert_csv("\"say \"\"hi\"\"\",x\n", "1:Qsay \"hi\"|x\n");
    assert_csv("\"\",x,\"\"\n", "1:Q|x|Q\n");
    assert_csv("\"\"\"\"\n", "1:Q\"\n");
    /* Line breaks inside quotes are data, and count as lines. */
    assert_csv("\"a\nb\",c\nd,e\n", "1-2:Qa\nb|c\n3:d|e\n");
    assert_csv("\"a\r\nb\r\nc\",x\r\nd\r\n", "1-3:Qa\r\nb\r\nc|x\n4:d\n");
    assert_csv("\"a\rb\",x\ry\n", "1-2:Qa\rb|x\n3:y\n");
    assert_csv("x,\"\n\n\n\"\nz\n", "1-4:x|Q\n\n\n\n5:z\n");
    /* Spaces around quotes are not part of the field. */
    assert_csv("  \"a\"  , \"b\"\t\n", "1:Qa|Qb\n");
    /* Spaces in unquoted fields are kept (the roster trims them). */
    assert_csv(" a , b \n", "1: a | b \n");
    /* A quote inside an unquoted field is an ordinary character. */
    assert_csv("Ana \"Nana\" Smith,x\n", "1:Ana \"Nana\" Smith|x\n");
    assert_csv("a\"\n", "1:a\"\n");
}

static void
test_malformed(void **state)
{
    /* Text after the closing quote: reported, the record stays in step. */
    assert_csv("\"a\"b,c\nd,e\n",
               "1:Qab|c!1:0:text after the closing quote of a quoted field\n2:d|e\n");
    assert_csv("x,\"a\" \"b\",c\n",
               "1:x|Qa\"b\"|c!1:1:text after the closing quote of a quoted field\n");
    /* A quote never closed swallows the rest; the error names where it opened. */
    assert_csv("a,b\nc,\"d\ne,f\n",
               "1:a|b\n2-4:c|Qd\ne,f\n!2:1:quoted field never closed (missing '\"')\n");
    assert_csv("\"", "1:Q!1:0:quoted field never closed (missing '\"')\n");
    /* After a quoted line break, the error line is where the problem is. */
    assert_csv("\"a\nb\"x,c\n",
               "1-2:Qa\nbx|c!2:0:text after the closing quote of a quoted field\n");
}

static void
test_nul(void **state)
{
    char *got;

    got = render_len("a\0b,c\nd,\"e\0\"\n", 13);
    assert_string_equal(got, "1:ab|c!1:0:NUL byte in field\n2:d|Qe!2:1:NUL byte in field\n");
    free(got);
    got = render_len("\0", 1);
    assert_string_equal(got, "1:!1:0:NUL byte in field\n");
    free(got);
}

static void
test_big(void **state)
{
    struct ct_buf in, expect;
    char *got;
    int i;

    /* Many fields, and a field much longer than any internal buffer. */
    ct_buf_init(&in);
    ct_buf_init(&expect);
    ct_buf_puts(&expect, "1:");
    for (i = 0; i < 1000; i++) {
        ct_buf_printf(&in, "%s%d", i ? "," : "", i);
        ct_buf_printf(&expect, "%s%d", i ? "|" : "", i);
    }
    ct_buf_puts(&in, "\n\"");
    ct_buf_puts(&expect, "\n2:Q");
    for (i = 0; i < 100000; i++) {
        ct_buf_puts(&in, i % 1000 == 0 ? "\"\"" : "x");
        ct_buf_puts(&expect, i % 1000 == 0 ? "\"" : "x");
    }
    ct_buf_puts(&in, "\"\nlast\n");
    ct_buf_puts(&expect, "\n3:last\n");
    got = render(in.data);
    assert_string_equal(got, expect.data);
    free(got);
    ct_buf_free(&in);
    ct_buf_free(&expect);
}

/* The buffer need not be NUL-terminated: the reader stops at len. */
static void
test_not_terminated(void **state)
{
    const char data[] = {'a', ',', '"', 'b', '"'};
    char *got = render_len(data, sizeof(data));

    assert_string_equal(got, "1:a|Qb\n");
    free(got);
    got = render_len("a,b\nc", 4);
    assert_string_equal(got, "1:a|b\n");
    free(got);
}

/* Header cells name columns by name or alias, in any case and spelling of separators. */
static void
test_column_find(void **state)
{
    static const struct ct_csv_column cols[] = {
        {"email", true, {"emailaddress", "mail", NULL}},
        {"timezone", false, {"tz", NULL}},
        {"note", false, {"notes", "comment", "comments", "remark"}},
    };
    const char *cell;

    assert_int_equal(ct_csv_column_find(cols, 3, "email", 5), 0);
    assert_int_equal(ct_csv_column_find(cols, 3, "E-mail Address", 14), 0);
    assert_int_equal(ct_csv_column_find(cols, 3, "Time_Zone", 9), 1);
    assert_int_equal(ct_csv_column_find(cols, 3, "TZ", 2), 1);
    assert_int_equal(ct_csv_column_find(cols, 3, "remark", 6), 2); /* all four aliases used */
    /* Only len bytes count: the cell need not end in NUL. */
    assert_int_equal(ct_csv_column_find(cols, 3, "tzdata", 2), 1);
    assert_int_equal(ct_csv_column_find(cols, 3, "", 0), -1);
    assert_int_equal(ct_csv_column_find(cols, 3, "e mail\t", 7), -1);
    assert_int_equal(ct_csv_column_find(cols, 3, "organisation", 12), -1);
    cell = "emailemailemailemailemailemailemailemail"; /* longer than any name */
    assert_int_equal(ct_csv_column_find(cols, 3, cell, strlen(cell)), -1);
}

/* Formula cells get a ' and quotes; the reader gives the ' back; unneutralise drops it. */
static void
test_write_field(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"plain", "plain,"},
        {NULL, ","},
        {"", ","},
        {"a,b", "\"a,b\","},
        {"say \"hi\"", "\"say \"\"hi\"\"\","},
        {" edge", "\" edge\","},
        {"=HYPERLINK(\"http://x\",\"y\")", "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\","},
        {"+1", "\"'+1\","},
        {"-x", "\"'-x\","},
        {"@SUM(A1)", "\"'@SUM(A1)\","},
        {"\tTab", "\"'\tTab\","},
        {"\rCR", "\"'\rCR\","},
        {"'=already", "'=already,"}, /* the data's own quote is kept as it is */
        {"a=b", "a=b,"},
    };
    struct ct_buf b;
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ct_buf_init(&b);
        assert_true(ct_csv_write_field(&b, cases[i].in, false));
        assert_string_equal(b.data, cases[i].out);
        ct_buf_free(&b);
    }
    ct_buf_init(&b);
    assert_true(ct_csv_write_field(&b, "last", true));
    assert_string_equal(b.data, "last\r\n");
    ct_buf_free(&b);

    assert_int_equal(ct_csv_unneutralise("'=x", 3), 1);
    assert_int_equal(ct_csv_unneutralise("'-1", 3), 1);
    assert_int_equal(ct_csv_unneutralise("'\t", 2), 1);
    assert_int_equal(ct_csv_unneutralise("'x", 2), 0); /* O'Brien-style quotes stay */
    assert_int_equal(ct_csv_unneutralise("'", 1), 0);
    assert_int_equal(ct_csv_unneutralise("=x", 2), 0);
    assert_int_equal(ct_csv_unneutralise("'=x", 1), 0); /* only len bytes count */
}

/* Survey headers reduce to keys of letters and digits, lowercased. */
static void
test_header_key(void **state)
{
    char key[16];

    (void)state;
    assert_int_equal(ct_csv_header_key("How was it? (1-5)", 17, key, sizeof(key)), 10);
    assert_string_equal(key, "howwasit15");
    assert_int_equal(ct_csv_header_key("E-mail Address", 14, key, sizeof(key)), 12);
    assert_string_equal(key, "emailaddress");
    /* Only len bytes count, non-ASCII bytes stay. */
    assert_int_equal(ct_csv_header_key("Caf\xc3\xa9 time", 5, key, sizeof(key)), 5);
    assert_string_equal(key, "caf\xc3\xa9");
    assert_int_equal(ct_csv_header_key(" ?!", 3, key, sizeof(key)), 0);
    assert_string_equal(key, "");
    /* Too long for the key: 0, never a cut key that could match a shorter name. */
    assert_int_equal(ct_csv_header_key("abcdefghijklmnop", 16, key, sizeof(key)), 0);
    assert_int_equal(ct_csv_header_key("abcdefghijklmno", 15, key, sizeof(key)), 15);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_line_endings),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_quoted),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_big),
        cmocka_unit_test(test_not_terminated),
        cmocka_unit_test(test_column_find),
        cmocka_unit_test(test_write_field),
        cmocka_unit_test(test_header_key),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
