/*
 * test_roster.c: roster CSV parsing and validation: the header (case,
 * aliases, unknown and missing columns), every validation message with its
 * exact FILE:LINE, line numbers after quoted line breaks, duplicates, ties,
 * Unicode, limits, and the example roster shipped in conf/; organisation
 * names (orgname.h): the folding key, the aliases file, grouping and
 * near-duplicates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "orgname.h"
#include "roster.h"
#include "util.h"

/* Parse s as "r.csv"; OUT: every diagnostic, formatted, one per line. */
static enum ct_status
parse_len(const char *s, size_t len, struct ct_roster **roster, char **messages)
{
    struct ct_diags diags;
    struct ct_buf out;
    enum ct_status st;
    size_t i;

    ct_diags_init(&diags);
    st = ct_roster_parse("r.csv", s, len, roster, &diags);
    ct_buf_init(&out);
    ct_buf_puts(&out, "");
    for (i = 0; i < diags.count; i++) {
        char *line = ct_diag_format(&diags.items[i]);
        ct_buf_printf(&out, "%s\n", line);
        free(line);
    }
    /* Every counted problem was recorded. */
    assert_int_equal(diags.errors + diags.warnings, diags.count);
    if (st == CT_OK) {
        assert_non_null(*roster);
        assert_int_equal(diags.errors, 0);
    } else {
        assert_int_equal(st, CT_EDATA);
        assert_null(*roster);
        assert_true(diags.errors > 0);
    }
    ct_diags_free(&diags);
    *messages = ct_buf_steal(&out);
    return st;
}

static enum ct_status
parse(const char *s, struct ct_roster **roster, char **messages)
{
    return parse_len(s, strlen(s), roster, messages);
}

/* Parse s, expecting failure with exactly these messages. */
#define assert_rejected(input, expected)                                                           \
    do {                                                                                           \
        struct ct_roster *r_;                                                                      \
        char *m_;                                                                                  \
        assert_int_equal(parse(input, &r_, &m_), CT_EDATA);                                        \
        assert_string_equal(m_, expected);                                                         \
        free(m_);                                                                                  \
    } while (0)

#define HEADER "email,name,organisation\n"

static void
test_valid(void **state)
{
    struct ct_roster *r;
    const struct ct_roster_entry *e;
    char *m;

    assert_int_equal(
        parse("email,name,organisation,team,site,role,timezone,status,frequency,ties\n"
              "ana@north.example.org,Ana Silva,North Trust,Cardiology,City General,Nurse,"
              "Europe/London,active,monthly,bo@south.example.org\n"
              "  bo@south.example.org  ,  Bo Jensen , South Trust ,,,,,PAUSED,Quarterly,\n"
              "cy@icb.example.org,Cy,ICB,,,,Europe/Dublin,left,bimonthly,"
              "ana@north.example.org; BO@SOUTH.example.org ;ana@north.example.org;\n",
              &r, &m),
        CT_OK);
    assert_string_equal(m, "");
    free(m);
    assert_int_equal(r->count, 3);
    for (int c = 0; c < CT_COL_COUNT; c++)
        assert_true(ct_roster_has_column(r, (enum ct_roster_column)c));

    e = &r->entries[0];
    assert_int_equal(e->line, 2);
    assert_string_equal(e->email, "ana@north.example.org");
    assert_string_equal(e->name, "Ana Silva");
    assert_string_equal(e->organisation, "North Trust");
    assert_string_equal(e->team, "Cardiology");
    assert_string_equal(e->site, "City General");
    assert_string_equal(e->role, "Nurse");
    assert_string_equal(e->timezone, "Europe/London");
    assert_int_equal(e->status, CT_MEMBER_ACTIVE);
    assert_true(e->status_given);
    assert_int_equal(e->frequency, CT_FREQ_MONTHLY);
    assert_true(e->frequency_given);
    assert_int_equal(e->ties_count, 1);
    assert_string_equal(e->ties[0], "bo@south.example.org");

    e = &r->entries[1];
    assert_int_equal(e->line, 3);
    assert_string_equal(e->email, "bo@south.example.org"); /* trimmed */
    assert_string_equal(e->name, "Bo Jensen");
    assert_string_equal(e->organisation, "South Trust");
    assert_null(e->team);
    assert_null(e->site);
    assert_null(e->role);
    assert_null(e->timezone);
    assert_int_equal(e->status, CT_MEMBER_PAUSED);
    assert_int_equal(e->frequency, CT_FREQ_QUARTERLY);
    assert_int_equal(e->ties_count, 0);
    assert_null(e->ties);

    /* Ties: duplicates dropped, spelled as the members' own rows. */
    e = &r->entries[2];
    assert_string_equal(e->timezone, "Europe/Dublin");
    assert_int_equal(e->status, CT_MEMBER_LEFT);
    assert_int_equal(e->frequency, CT_FREQ_BIMONTHLY);
    assert_int_equal(e->ties_count, 2);
    assert_string_equal(e->ties[0], "ana@north.example.org");
    assert_string_equal(e->ties[1], "bo@south.example.org");

    assert_ptr_equal(ct_roster_find(r, "BO@south.EXAMPLE.org"), &r->entries[1]);
    assert_null(ct_roster_find(r, "nobody@example.org"));
    ct_roster_free(r);
    ct_roster_free(NULL);
}

static void
test_defaults_and_columns(void **state)
{
    struct ct_roster *r;
    char *m;

    assert_int_equal(parse(HEADER "a@x.example.org,A,X\n", &r, &m), CT_OK);
    assert_string_equal(m, "");
    free(m);
    assert_int_equal(r->count, 1);
    assert_int_equal(r->entries[0].status, CT_MEMBER_ACTIVE);
    assert_false(r->entries[0].status_given);
    assert_int_equal(r->entries[0].frequency, CT_FREQ_MONTHLY);
    assert_false(r->entries[0].frequency_given);
    assert_true(ct_roster_has_column(r, CT_COL_EMAIL));
    assert_true(ct_roster_has_column(r, CT_COL_ORGANISATION));
    assert_false(ct_roster_has_column(r, CT_COL_STATUS));
    assert_false(ct_roster_has_column(r, CT_COL_TIES));
    ct_roster_free(r);

    /* A header and no rows is a valid, empty roster; so are blank rows. */
    assert_int_equal(parse(HEADER, &r, &m), CT_OK);
    assert_string_equal(m, "");
    assert_int_equal(r->count, 0);
    free(m);
    ct_roster_free(r);
    assert_int_equal(parse("\n\n" HEADER "\n,,\n  , ,\"\"\n\n", &r, &m), CT_OK);
    assert_string_equal(m, "");
    assert_int_equal(r->count, 0);
    free(m);
    ct_roster_free(r);
}

static void
test_bom_crlf(void **state)
{
    struct ct_roster *r;
    char *m;

    assert_int_equal(parse("\xef\xbb\xbf"
                           "Email,Name,Organisation\r\n"
                           "a@x.example.org,A,X\r\n"
                           "b@x.example.org,B,X\r\n",
                           &r, &m),
                     CT_OK);
    assert_string_equal(m, "");
    free(m);
    assert_int_equal(r->count, 2);
    assert_string_equal(r->entries[0].email, "a@x.example.org");
    assert_string_equal(r->entries[1].organisation, "X");
    assert_int_equal(r->entries[1].line, 3);
    ct_roster_free(r);

    assert_rejected("\xff\xfe"
                    "e\0m\0",
                    "r.csv:1: the file is UTF-16; save it as CSV UTF-8\n");
}

static void
test_quoting_and_lines(void **state)
{
    struct ct_roster *r;
    char *m;

    /* Quoted commas and quotes in values; a quoted line break in an ignored
     * column moves every later line number on by one. */
    assert_int_equal(parse("email,name,organisation,notes\r\n"
                           "a@x.example.org,\"Smith, Ana\",X,\"met at\r\nthe forum\"\r\n"
                           "b@x.example.org,\"Bo \"\"Bobby\"\" Jones\",X,\r\n"
                           "c@x.example.org,Cy,\"Health, Care & Co\",\"a\n\nb\"\n"
                           "d@x.example.org,Di,X,\n",
                           &r, &m),
                     CT_OK);
    assert_string_equal(m, "r.csv:1: warning: header: unknown column 'notes' ignored\n");
    free(m);
    assert_int_equal(r->count, 4);
    assert_string_equal(r->entries[0].name, "Smith, Ana");
    assert_int_equal(r->entries[0].line, 2);
    assert_string_equal(r->entries[1].name, "Bo \"Bobby\" Jones");
    assert_int_equal(r->entries[1].line, 4);
    assert_string_equal(r->entries[2].organisation, "Health, Care & Co");
    assert_int_equal(r->entries[2].line, 5);
    assert_int_equal(r->entries[3].line, 8);
    ct_roster_free(r);

    /* And so do the lines in error messages. */
    assert_rejected("email,name,organisation,notes\n"
                    "a@x.example.org,A,X,\"one\ntwo\nthree\"\n"
                    "b@x.example.org,,X,\n"
                    "c@x.example.org,\"C\nD\",X,\n"
                    "bad,E,X,\n",
                    "r.csv:1: warning: header: unknown column 'notes' ignored\n"
                    "r.csv:5: name: missing\n"
                    "r.csv:6: name: line break not allowed\n"
                    "r.csv:8: email: missing '@': 'bad'\n");
}

static void
test_malformed_csv(void **state)
{
    assert_rejected(HEADER "a@x.example.org,\"A\"x,X\n"
                           "b@x.example.org,B,X,extra\n"
                           "c@x.example.org,C\n"
                           "d@x.example.org,D,\"X\n"
                           "e@x.example.org,E,X\n",
                    "r.csv:2: name: text after the closing quote of a quoted field\n"
                    "r.csv:3: row has 4 fields but the header has 3 (put values holding "
                    "commas in quotes)\n"
                    "r.csv:4: row has 2 fields but the header has 3\n"
                    "r.csv:5: organisation: quoted field never closed (missing '\"')\n");
    assert_rejected("email,\"name,organisation\n",
                    "r.csv:1: header: quoted field never closed (missing '\"')\n");

    struct ct_roster *r;
    char *m;
    static const char nul[] = HEADER "a@x.example.org,A\0B,X\n";
    assert_int_equal(parse_len(nul, sizeof(nul) - 1, &r, &m), CT_EDATA);
    assert_string_equal(m, "r.csv:2: name: NUL byte in field\n");
    free(m);
}

static void
test_header(void **state)
{
    struct ct_roster *r;
    char *m;

    /* Case, spacing and aliases. */
    assert_int_equal(parse("E-Mail, Full Name ,ORGANIZATION,Job_Title,Time Zone\n"
                           "a@x.example.org,A,X,Nurse,Europe/Paris\n",
                           &r, &m),
                     CT_OK);
    assert_string_equal(m, "");
    free(m);
    assert_string_equal(r->entries[0].name, "A");
    assert_string_equal(r->entries[0].organisation, "X");
    assert_string_equal(r->entries[0].role, "Nurse");
    assert_string_equal(r->entries[0].timezone, "Europe/Paris");
    ct_roster_free(r);

    assert_int_equal(parse("mail,display name,org,profession,Team,SITE\n"
                           "a@x.example.org,A,X,GP,T,S\n",
                           &r, &m),
                     CT_OK);
    assert_string_equal(m, "");
    free(m);
    assert_string_equal(r->entries[0].role, "GP");
    assert_string_equal(r->entries[0].team, "T");
    assert_string_equal(r->entries[0].site, "S");
    ct_roster_free(r);

    /* Unknown columns are warnings, with a suggestion for near misses. */
    assert_int_equal(parse("email,name,organisation,teams,department,,Stauts\n"
                           "a@x.example.org,A,X,t,d,,s\n",
                           &r, &m),
                     CT_OK);
    assert_string_equal(m, "r.csv:1: warning: header: unknown column 'teams' ignored (did you "
                           "mean 'team'?)\n"
                           "r.csv:1: warning: header: unknown column 'department' ignored\n"
                           "r.csv:1: warning: header: column 6 has no name; ignored\n"
                           "r.csv:1: warning: header: unknown column 'Stauts' ignored (did "
                           "you mean 'status'?)\n");
    free(m);
    ct_roster_free(r);

    /* Missing required columns: one error naming them all. */
    assert_rejected("name,team\nA,T\n",
                    "r.csv:1: header: missing required columns 'email', 'organisation' (the "
                    "first row must name the columns: email,name,organisation,...)\n");
    /* No header (or not a roster at all): said once, the cells not echoed. */
    assert_rejected("a@x.example.org,A,X\n",
                    "r.csv:1: not a roster: the first row names none of its columns "
                    "(email,name,organisation,...); is this the right file?\n");
    assert_rejected("<!DOCTYPE html><html><body>secret</body></html>\n",
                    "r.csv:1: not a roster: the first row names none of its columns "
                    "(email,name,organisation,...); is this the right file?\n");
    assert_rejected("email,name,org,organisation\n",
                    "r.csv:1: header: column 4 'organisation' repeats column 3 "
                    "'organisation'\n");
    assert_rejected("email;name;organisation\na@x.example.org;A;X\n",
                    "r.csv:1: header: columns are separated by ';', not ','; save the file "
                    "as comma-separated CSV\n");
    assert_rejected("", "r.csv: empty file: the first row must name the columns "
                        "(email,name,organisation,...)\n");
    assert_rejected("\xef\xbb\xbf\r\n\r\n", "r.csv: empty file: the first row must name the "
                                            "columns (email,name,organisation,...)\n");
}

/* Every validation message, each on its exact line, all in one run. */
static void
test_every_problem(void **state)
{
    assert_rejected(
        "email,name,organisation,team,site,role,timezone,status,frequency,ties\n"
        /* 2 */ "ana@x.example.org,Ana,X,,,,,,,\n"
        /* 3 */ ",Nobody,X,,,,,,,\n"
        /* 4 */ "bo.example.org,Bo,X,,,,,,,\n"
        /* 5 */ "cy@,Cy,X,,,,,,,\n"
        /* 6 */ "ANA@X.example.org,Ana again,X,,,,,,,\n"
        /* 7 */ "di@x.example.org,,,,,,,,,\n"
        /* 8 */ "ed@x.example.org,Ed,X,,,,Europe/Londn,,,\n"
        /* 9 */ "fa@x.example.org,Fa,X,,,,,away,,\n"
        /* 10 */ "gu@x.example.org,Gu,X,,,,,,weekly,\n"
        /* 11 */ "ha@x.example.org,Ha,X,,,,,,,ha@X.example.org\n"
        /* 12 */ "io@x.example.org,Io,X,,,,,,,\"ana@x.example.org, bo@x.example.org\"\n"
        /* 13 */ "ju@x.example.org,Ju,X,,,,,,,ana@x.example.org;nope\n"
        /* 14 */ "ka@x.example.org,Ka,X,,,,,,,ana@x.example.org;zed@y.example.org\n"
        /* 15 */ "lu@x.example.org,\"Lu\tTab\",X,,,,,,,\n"
        /* 16 */ "mo@x.example.org,Mo,\"X\x1b[31m\",,,,,,,\n"
        /* 17 */ "ny@x.example.org,Ny,X,\"T\xc2\x85\",,,,,,\n"
        /* 18 */ "ol@x.example.org,\"\xe2\x80\xae"
        "Evil\",X,,,,,,,\n"
        /* 19 */ "pi@x.example.org,Pi\xff,X,,,,,,,\n"
        /* 20 */ "qu@x.example.org,Qu,X,,,,Mars/Olympus,,,\n"
        /* 21 */ "ANA@x.example.org,A,,,,,,paused,often,\n",
        "r.csv:3: email: missing\n"
        "r.csv:4: email: missing '@': 'bo.example.org'\n"
        "r.csv:5: email: empty domain: 'cy@'\n"
        "r.csv:6: email: already used on line 2: 'ANA@X.example.org'\n"
        "r.csv:7: name: missing\n"
        "r.csv:7: organisation: missing\n"
        "r.csv:8: timezone: unknown time zone (not in tzdata): 'Europe/Londn'\n"
        "r.csv:9: status: not one of active, paused, left: 'away'\n"
        "r.csv:10: frequency: not one of monthly, bimonthly, quarterly: 'weekly'\n"
        "r.csv:11: ties: names the member themself: 'ha@X.example.org'\n"
        "r.csv:12: ties: separate addresses with ';': 'ana@x.example.org, bo@x.example.org'\n"
        "r.csv:13: ties: missing '@': 'nope'\n"
        "r.csv:14: warning: ties: not in the roster, ignored: 'zed@y.example.org'\n"
        "r.csv:15: name: control character U+0009 not allowed\n"
        "r.csv:16: organisation: control character U+001B not allowed\n"
        "r.csv:17: team: control character U+0085 not allowed\n"
        "r.csv:18: name: control character U+202E not allowed\n"
        "r.csv:19: name: not UTF-8 (invalid UTF-8 lead byte); save the file as CSV UTF-8\n"
        "r.csv:20: timezone: unknown time zone (not in tzdata): 'Mars/Olympus'\n"
        "r.csv:21: email: already used on line 2: 'ANA@x.example.org'\n"
        "r.csv:21: organisation: missing\n"
        "r.csv:21: frequency: not one of monthly, bimonthly, quarterly: 'often'\n");
}

static void
test_duplicates(void **state)
{
    /* Case-insensitive, reported on each later line naming the first. */
    assert_rejected(HEADER "Zoe@Example.org,Zoe,X\n"
                           "zoe@example.org,Zoe,X\n"
                           "b@example.org,B,X\n"
                           "ZOE@EXAMPLE.ORG,Zoe,X\n",
                    "r.csv:3: email: already used on line 2: 'zoe@example.org'\n"
                    "r.csv:5: email: already used on line 2: 'ZOE@EXAMPLE.ORG'\n");
}

static void
test_ties(void **state)
{
    struct ct_roster *r;
    char *m;

    /* Ties may name later rows; unknown ones are dropped with a warning. */
    assert_int_equal(parse("email,name,organisation,ties\n"
                           "a@x.example.org,A,X,C@X.EXAMPLE.ORG;gone@x.example.org\n"
                           "b@x.example.org,B,X,;;\n"
                           "c@x.example.org,C,X,a@x.example.org\n"
                           "d@x.example.org,D,X,gone@x.example.org\n",
                           &r, &m),
                     CT_OK);
    assert_string_equal(m, "r.csv:2: warning: ties: not in the roster, ignored: "
                           "'gone@x.example.org'\n"
                           "r.csv:5: warning: ties: not in the roster, ignored: "
                           "'gone@x.example.org'\n");
    free(m);
    assert_int_equal(r->entries[0].ties_count, 1);
    assert_string_equal(r->entries[0].ties[0], "c@x.example.org");
    assert_int_equal(r->entries[1].ties_count, 0);
    assert_int_equal(r->entries[2].ties_count, 1);
    assert_int_equal(r->entries[3].ties_count, 0);
    assert_null(r->entries[3].ties);
    ct_roster_free(r);

    /* A tie to a row that is itself invalid is no cascade of warnings. */
    assert_rejected("email,name,organisation,ties\n"
                    "a@x.example.org,,X,\n"
                    "b@x.example.org,B,X,a@x.example.org\n",
                    "r.csv:2: name: missing\n");
}

static void
test_ties_limit(void **state)
{
    struct ct_buf in;
    struct ct_roster *r;
    char *m;
    int i;

    ct_buf_init(&in);
    ct_buf_puts(&in, "email,name,organisation,ties\n");
    for (i = 0; i <= CT_ROSTER_MAX_TIES; i++)
        ct_buf_printf(&in, "m%d@x.example.org,M%d,X,\n", i, i);
    ct_buf_puts(&in, "all@x.example.org,All,X,\"");
    for (i = 0; i < CT_ROSTER_MAX_TIES; i++)
        ct_buf_printf(&in, "m%d@x.example.org;", i);
    ct_buf_puts(&in, "\"\n");
    assert_int_equal(parse(in.data, &r, &m), CT_OK);
    assert_string_equal(m, "");
    free(m);
    assert_int_equal(r->entries[r->count - 1].ties_count, CT_ROSTER_MAX_TIES);
    ct_roster_free(r);

    /* One more is too many. */
    in.len -= 2;
    ct_buf_printf(&in, "m%d@x.example.org\"\n", CT_ROSTER_MAX_TIES);
    assert_int_equal(parse(in.data, &r, &m), CT_EDATA);
    assert_non_null(strstr(m, ": ties: more than 200 addresses\n"));
    free(m);
    ct_buf_free(&in);
}

static void
test_unicode(void **state)
{
    struct ct_buf in, expect;
    struct ct_roster *r;
    char *m;
    int i;

    assert_int_equal(parse(HEADER "zoe@x.example.org,Zoë Ó Súilleabháin,Ysbyty Gwynedd\n"
                                  "lukasz@x.example.org,Łukasz Wróbel,Szpital\n"
                                  "wang@x.example.org,王芳,医院\n"
                                  "amira@x.example.org,أميرة حداد,X\n"
                                  "emoji@x.example.org,Jo 🙂,X\n",
                           &r, &m),
                     CT_OK);
    assert_string_equal(m, "");
    free(m);
    assert_int_equal(r->count, 5);
    assert_string_equal(r->entries[0].name, "Zoë Ó Súilleabháin");
    assert_string_equal(r->entries[2].name, "王芳");
    assert_string_equal(r->entries[3].name, "أميرة حداد");
    ct_roster_free(r);

    /* Overlong encodings and surrogates are not UTF-8. */
    assert_rejected(HEADER "a@x.example.org,\xc0\xaf,X\n"
                           "b@x.example.org,\xed\xa0\x80,X\n",
                    "r.csv:2: name: not UTF-8 (overlong UTF-8 sequence); save the file as CSV "
                    "UTF-8\n"
                    "r.csv:3: name: not UTF-8 (invalid Unicode code point); save the file as "
                    "CSV UTF-8\n");
    /* Unprintable bytes in echoed values are masked; long values cut short. */
    assert_rejected("email,name,organisation,Bad\xff\x01\n"
                    "x@y,A,X,\n",
                    "r.csv:1: warning: header: unknown column 'Bad?\?' ignored\n"
                    "r.csv:2: email: domain has no '.': 'x@y'\n");
    ct_buf_init(&in);
    ct_buf_init(&expect);
    ct_buf_puts(&in, HEADER "a@x.example.org,A,X\n");
    ct_buf_puts(&expect, "r.csv:3: email: invalid character in local part: '");
    for (i = 0; i < 31; i++)
        ct_buf_puts(&in, "é");
    for (i = 0; i < 30; i++)
        ct_buf_puts(&expect, "é");
    ct_buf_puts(&in, "@x.example.org,A,X\n");
    ct_buf_puts(&expect, "...'\n");
    assert_rejected(in.data, expect.data);
    ct_buf_free(&in);
    ct_buf_free(&expect);
}

static void
test_lengths(void **state)
{
    struct ct_buf in;
    struct ct_roster *r;
    char *m;
    int i;

    ct_buf_init(&in);
    ct_buf_puts(&in, HEADER "a@x.example.org,");
    for (i = 0; i < CT_ROSTER_MAX_FIELD; i++)
        ct_buf_putc(&in, 'n');
    ct_buf_puts(&in, ",X\n");
    assert_int_equal(parse(in.data, &r, &m), CT_OK);
    assert_int_equal(strlen(r->entries[0].name), CT_ROSTER_MAX_FIELD);
    free(m);
    ct_roster_free(r);

    ct_buf_reset(&in);
    ct_buf_puts(&in, HEADER "a@x.example.org,");
    for (i = 0; i <= CT_ROSTER_MAX_FIELD; i++)
        ct_buf_putc(&in, 'n');
    ct_buf_puts(&in, ",X\nb@x.example.org,B,");
    for (i = 0; i < 100000; i++)
        ct_buf_putc(&in, 'o');
    ct_buf_puts(&in, "\n");
    assert_rejected(in.data, "r.csv:2: name: longer than 512 bytes\n"
                             "r.csv:3: organisation: longer than 512 bytes\n");
    ct_buf_free(&in);
}

static void
test_too_many_errors(void **state)
{
    struct ct_buf in;
    struct ct_roster *r;
    char *m, *last;
    int i, lines = 0;

    ct_buf_init(&in);
    ct_buf_puts(&in, "email,name,organisation,ties\n");
    for (i = 0; i < 1000; i++)
        ct_buf_printf(&in, "u%d@x.example.org,,X,\n", i);
    assert_int_equal(parse(in.data, &r, &m), CT_EDATA);
    for (last = m; (last = strchr(last, '\n')) != NULL; last++)
        lines++;
    assert_int_equal(lines, CT_ROSTER_MAX_ERRORS + 1);
    assert_non_null(strstr(m, "r.csv:201: name: missing\nr.csv: too many errors; stopped after "
                              "200\n"));
    free(m);

    /* Warnings beyond the cap are counted in one summary line. */
    ct_buf_reset(&in);
    ct_buf_puts(&in, "email,name,organisation,ties\n");
    for (i = 0; i < 1000; i++)
        ct_buf_printf(&in, "u%d@x.example.org,U,X,gone@x.example.org\n", i);
    assert_int_equal(parse(in.data, &r, &m), CT_OK);
    assert_non_null(strstr(m, "r.csv:201: warning: ties: not in the roster, ignored: "
                              "'gone@x.example.org'\nr.csv: warning: 800 more warnings not "
                              "shown\n"));
    free(m);
    assert_int_equal(r->count, 1000);
    ct_roster_free(r);
    ct_buf_free(&in);
}

static void
test_keywords(void **state)
{
    enum ct_member_status s = CT_MEMBER_ACTIVE;
    enum ct_frequency f = CT_FREQ_MONTHLY;

    assert_true(ct_member_status_parse("Paused", &s));
    assert_int_equal(s, CT_MEMBER_PAUSED);
    assert_false(ct_member_status_parse("gone", &s));
    assert_int_equal(s, CT_MEMBER_PAUSED);
    assert_string_equal(ct_member_status_str(CT_MEMBER_LEFT), "left");
    assert_true(ct_frequency_parse("QUARTERLY", &f));
    assert_int_equal(f, CT_FREQ_QUARTERLY);
    assert_false(ct_frequency_parse("", &f));
    assert_string_equal(ct_frequency_str(CT_FREQ_BIMONTHLY), "bimonthly");
    assert_string_equal(ct_roster_column_name(CT_COL_ORGANISATION), "organisation");
}

/* The shipped example must be clean: no errors and no warnings. */
static void
test_example_roster(void **state)
{
    struct ct_roster *r;
    struct ct_error err;
    char *data, *m;
    size_t len, i, ties = 0, paused = 0, left = 0, other_zone = 0, orgs = 0;
    bool quoted_comma = false, non_ascii = false;

    assert_int_equal(ct_file_read(CT_SRC "/conf/roster.example.csv", 1 << 20, &data, &len, &err),
                     CT_OK);
    assert_int_equal(parse_len(data, len, &r, &m), CT_OK);
    assert_string_equal(m, "");
    assert_in_range(r->count, 40, 60);
    for (i = 0; i < r->count; i++) {
        const struct ct_roster_entry *e = &r->entries[i];
        ties += e->ties_count;
        paused += e->status == CT_MEMBER_PAUSED;
        left += e->status == CT_MEMBER_LEFT;
        other_zone += e->timezone && strcmp(e->timezone, "Europe/London") != 0;
        quoted_comma |= strchr(e->name, ',') != NULL;
        for (const char *c = e->name; *c; c++)
            non_ascii |= (unsigned char)*c >= 0x80;
        assert_non_null(strstr(e->email, ".example.org"));
        bool seen_org = false;
        for (size_t j = 0; j < i && !seen_org; j++)
            seen_org = strcmp(e->organisation, r->entries[j].organisation) == 0;
        orgs += !seen_org;
    }
    assert_true(ties > 0);
    assert_true(paused > 0);
    assert_true(left > 0);
    assert_true(other_zone > 0);
    assert_true(quoted_comma);
    assert_true(non_ascii);
    assert_true(orgs >= 8);
    free(m);
    free(data);
    ct_roster_free(r);
}

/* ---- organisation names ------------------------------------------------ */

static void
assert_key(const char *name, const char *want)
{
    char *key = ct_orgname_key(name);
    assert_non_null(key);
    assert_string_equal(key, want);
    free(key);
}

static void
test_orgname_key(void **state)
{
    (void)state;
    assert_key("St. Mary's NHS Trust", "stmarysnhstrust");
    assert_key("st marys nhs trust", "stmarysnhstrust");
    assert_key("St Mary\xe2\x80\x99s  NHS-Trust", "stmarysnhstrust"); /* curly apostrophe */
    assert_key("ST MARY\xca\xbcS\xc2\xa0NHS\xe2\x80\x93TRUST", "stmarysnhstrust");
    assert_key("Health & Care", "healthandcare");
    assert_key("Health and Care", "healthandcare");
    assert_key("health&care", "healthandcare");
    assert_key("N.U.H.", "nuh");
    assert_key("  NUH  ", "nuh");
    assert_key("Z\xc3\xbcrich Site 2", "z\xc3\xbcrichsite2"); /* other letters kept */
    assert_key("\xc3\x9c", "\xc3\x9c");                       /* only ASCII case folds */
    assert_key("", "");
    assert_key(NULL, "");
    assert_key("--- ... ---", "");
    /* Different names stay different. */
    char *a = ct_orgname_key("Health Care"), *b = ct_orgname_key("Health & Care");
    assert_string_not_equal(a, b);
    free(a);
    free(b);
}

/* Parse text as "aliases.txt"; OUT: the diagnostics, one per line. */
static enum ct_status
parse_aliases(const char *text, struct ct_orgname_aliases **out, char **messages)
{
    struct ct_diags diags;
    struct ct_buf buf;
    enum ct_status st;
    size_t i;

    ct_diags_init(&diags);
    st = ct_orgname_aliases_parse("aliases.txt", text, strlen(text), out, &diags);
    ct_buf_init(&buf);
    ct_buf_puts(&buf, "");
    for (i = 0; i < diags.count; i++) {
        char *m = ct_diag_format(&diags.items[i]);
        ct_buf_printf(&buf, "%s\n", m);
        free(m);
    }
    *messages = ct_buf_steal(&buf);
    ct_diags_free(&diags);
    return st;
}

static void
test_orgname_aliases(void **state)
{
    struct ct_orgname_aliases *a = NULL;
    char *m = NULL, *id;
    (void)state;

    assert_int_equal(parse_aliases("# trusts\n; and more\n\n"
                                   "N.U.H. Trust = Nottingham University Hospitals\r\n"
                                   "  Riverside Univ Hosp = Riverside University Hospitals  \n"
                                   "RUH = Riverside Univ. Hosp\n"                   /* a chain */
                                   "NUH trust = Nottingham University Hospitals\n", /* repeat */
                                   &a, &m),
                     CT_OK);
    assert_string_equal(m, "");
    assert_int_equal(a->count, 3);
    assert_string_equal(a->items[0].variant, "N.U.H. Trust");
    assert_string_equal(a->items[0].canonical, "Nottingham University Hospitals");
    assert_int_equal(a->items[0].line, 4);
    /* The chain resolves to its end. */
    assert_string_equal(a->items[2].canonical, "Riverside University Hospitals");
    id = ct_orgname_identity(a, "ruh");
    assert_string_equal(id, "riversideuniversityhospitals");
    free(id);
    id = ct_orgname_identity(a, "Somewhere Else");
    assert_string_equal(id, "somewhereelse");
    free(id);
    assert_null(ct_orgname_alias_find(a, "nottinghamuniversityhospitals"));
    ct_orgname_aliases_free(a);
    free(m);

    /* Every bad line named FILE:LINE; nothing returned. */
    assert_int_equal(parse_aliases("ok = fine\n"
                                   "no equals sign\n"
                                   " = Canonical\n"
                                   "Variant =\n"
                                   "St Marys = ST. MARY'S\n"
                                   "ok = other\n"
                                   "... = x\n"
                                   "bell\a = x\n",
                                   &a, &m),
                     CT_EDATA);
    assert_null(a);
    assert_string_equal(m, "aliases.txt:2: expected 'variant = canonical'\n"
                           "aliases.txt:3: expected 'variant = canonical' (left side empty)\n"
                           "aliases.txt:4: expected 'variant = canonical' (right side empty)\n"
                           "aliases.txt:5: 'St Marys' is an alias of itself (case, spacing and "
                           "punctuation are ignored already)\n"
                           "aliases.txt:6: 'ok' is already an alias of 'fine' (line 1)\n"
                           "aliases.txt:7: '...' has no letter or digit\n"
                           "aliases.txt:8: control character\n");
    free(m);

    /* A cycle, however long, is an error at each of its lines. */
    assert_int_equal(parse_aliases("a1 = b1\nb1 = c1\nC1 = A-1\nd1 = a1\n", &a, &m), CT_EDATA);
    assert_null(a);
    assert_string_equal(m, "aliases.txt:1: 'a1' = 'b1' makes a cycle of aliases\n"
                           "aliases.txt:2: 'b1' = 'c1' makes a cycle of aliases\n"
                           "aliases.txt:3: 'C1' = 'A-1' makes a cycle of aliases\n");
    free(m);
    assert_int_equal(parse_aliases("\xff = x\n", &a, &m), CT_EDATA);
    assert_string_equal(m, "aliases.txt: not UTF-8 text\n");
    free(m);
}

static void
test_orgname_similar(void **state)
{
    (void)state;
    assert_true(ct_orgname_similar("riversideuniversityhospital", "riversideuniversityhospitals"));
    assert_true(ct_orgname_similar("nuh", "nuhs"));                 /* plus a trailing s */
    assert_true(ct_orgname_similar("kingscollege", "kinscolege"));  /* two edits */
    assert_true(ct_orgname_similar("stmarys", "stmaryz"));          /* one substitution */
    assert_false(ct_orgname_similar("kingscollege", "kinscoleg"));  /* three */
    assert_false(ct_orgname_similar("nuh", "nuk"));                 /* too short */
    assert_false(ct_orgname_similar("abcde", "abcdf"));             /* five bytes: too short */
    assert_false(ct_orgname_similar("nuh", "nuh"));                 /* the same */
    assert_false(ct_orgname_similar("ab", "abs"));                  /* too short for the s */
    assert_false(ct_orgname_similar("northtrust", "southtrust12")); /* far apart */
    /* Numbered places are different places. */
    assert_false(ct_orgname_similar("wardnumber10", "wardnumber11"));
    assert_false(ct_orgname_similar("practice7", "practice"));
    assert_true(ct_orgname_similar("practice7", "practise7"));
    /* Long names: two edits anywhere, not three. */
    char longer[201], edited[201];
    longer[200] = '\0';
    for (size_t i = 0; i < 200; i++)
        longer[i] = (char)('a' + i % 26);
    memcpy(edited, longer, sizeof(edited));
    edited[3] = 'z';
    edited[150] = 'z';
    assert_true(ct_orgname_similar(longer, edited));
    edited[199] = '\0'; /* and one deleted: three edits */
    assert_false(ct_orgname_similar(longer, edited));
    memcpy(edited, longer, sizeof(edited));
    memmove(edited + 10, edited + 11, 190); /* one deleted in the middle */
    assert_true(ct_orgname_similar(longer, edited));
}

static void
test_orgname_groups(void **state)
{
    static const char *const names[] = {
        "Riverside University Hospitals",
        "Riverside University Hospitals",
        "riverside university hospitals",
        "Riverside University Hospital",
        "NUH",
        "N.U.H.",
        NULL,
        "",
        "Nottingham Univ Hosp",
        "NUH",
        "Kings College",
        "Kings Colleges",
    };
    struct ct_orgname_aliases *a = NULL;
    struct ct_orgname_summary *sum = NULL;
    struct ct_orgname_near *near = NULL;
    size_t n = 0;
    char *m = NULL;
    (void)state;

    assert_int_equal(parse_aliases("Nottingham Univ Hosp = Nottingham University Hospitals\n"
                                   "nuh = Nottingham University Hospitals\n",
                                   &a, &m),
                     CT_OK);
    free(m);
    assert_int_equal(ct_orgname_summarise(a, names, CT_ARRAY_LEN(names), &sum), CT_OK);
    assert_int_equal(sum->count, 5);
    /* Largest first; the alias's canonical spelling names its group. */
    assert_string_equal(sum->groups[0].name, "Nottingham University Hospitals");
    assert_int_equal(sum->groups[0].count, 4);
    assert_int_equal(sum->groups[0].spellings_count, 3);
    assert_string_equal(sum->groups[0].spellings[0].name, "NUH");
    assert_int_equal(sum->groups[0].spellings[0].count, 2);
    /* Else the commonest spelling. */
    assert_string_equal(sum->groups[1].name, "Riverside University Hospitals");
    assert_int_equal(sum->groups[1].count, 3);
    assert_int_equal(sum->groups[1].spellings_count, 2);
    assert_string_equal(sum->groups[2].name, "Kings College");
    assert_string_equal(sum->groups[3].name, "Kings Colleges");
    assert_string_equal(sum->groups[4].name, "Riverside University Hospital");

    /* One warning per pair, the smaller group first. */
    assert_int_equal(ct_orgname_near_duplicates(sum, &near, &n), CT_OK);
    assert_int_equal(n, 2);
    assert_string_equal(sum->groups[near[0].smaller].name, "Riverside University Hospital");
    assert_string_equal(sum->groups[near[0].larger].name, "Riverside University Hospitals");
    assert_string_equal(sum->groups[near[1].smaller].name, "Kings Colleges");
    assert_string_equal(sum->groups[near[1].larger].name, "Kings College");
    free(near);
    ct_orgname_summary_free(sum);

    /* An alias line folds the pair, and the warning goes. */
    ct_orgname_aliases_free(a);
    assert_int_equal(
        parse_aliases("Riverside University Hospital = Riverside University Hospitals\n", &a, &m),
        CT_OK);
    free(m);
    assert_int_equal(ct_orgname_summarise(a, names, 4, &sum), CT_OK);
    assert_int_equal(sum->count, 1);
    assert_int_equal(sum->groups[0].count, 4);
    assert_int_equal(ct_orgname_near_duplicates(sum, &near, &n), CT_OK);
    assert_int_equal(n, 0);
    free(near);
    ct_orgname_summary_free(sum);
    ct_orgname_aliases_free(a);
}

/* Distinct names with counts summarise as the names repeated would. */
static void
test_orgname_groups_counted(void **state)
{
    static const char *const repeated[] = {
        "NUH", "Riverside Trust", "NUH", "N.U.H.", "Riverside Trusts",
        "NUH", "Riverside Trust", "",    NULL,
    };
    static const char *const distinct[] = {"Riverside Trusts", "N.U.H.", "NUH",
                                           "Riverside Trust",  "",       "Gone"};
    static const size_t counts[] = {1, 1, 3, 2, 4, 0};
    struct ct_orgname_summary *a = NULL, *b = NULL;
    size_t i, j;
    (void)state;

    assert_int_equal(ct_orgname_summarise(NULL, repeated, CT_ARRAY_LEN(repeated), &a), CT_OK);
    assert_int_equal(
        ct_orgname_summarise_counted(NULL, distinct, counts, CT_ARRAY_LEN(distinct), &b), CT_OK);
    assert_int_equal(a->count, 3);
    assert_int_equal(b->count, a->count);
    for (i = 0; i < a->count; i++) {
        assert_string_equal(b->groups[i].name, a->groups[i].name);
        assert_string_equal(b->groups[i].key, a->groups[i].key);
        assert_int_equal(b->groups[i].count, a->groups[i].count);
        assert_int_equal(b->groups[i].spellings_count, a->groups[i].spellings_count);
        for (j = 0; j < a->groups[i].spellings_count; j++) {
            assert_string_equal(b->groups[i].spellings[j].name, a->groups[i].spellings[j].name);
            assert_int_equal(b->groups[i].spellings[j].count, a->groups[i].spellings[j].count);
        }
    }
    assert_string_equal(b->groups[0].name, "NUH");
    assert_int_equal(b->groups[0].count, 4);
    ct_orgname_summary_free(a);
    ct_orgname_summary_free(b);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_defaults_and_columns),
        cmocka_unit_test(test_bom_crlf),
        cmocka_unit_test(test_quoting_and_lines),
        cmocka_unit_test(test_malformed_csv),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_every_problem),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_ties),
        cmocka_unit_test(test_ties_limit),
        cmocka_unit_test(test_unicode),
        cmocka_unit_test(test_lengths),
        cmocka_unit_test(test_too_many_errors),
        cmocka_unit_test(test_keywords),
        cmocka_unit_test(test_example_roster),
        cmocka_unit_test(test_orgname_key),
        cmocka_unit_test(test_orgname_aliases),
        cmocka_unit_test(test_orgname_similar),
        cmocka_unit_test(test_orgname_groups),
        cmocka_unit_test(test_orgname_groups_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
