/*
 * test_config.c: the INI reader: every key's type and range checks, unknown
 * and duplicate keys, long lines, multi-line prompts, secrets, cross-key
 * rules, and that one run reports every problem with its exact line.
 */
#define _GNU_SOURCE /* nftw's FTW_DEPTH | FTW_PHYS */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "clock.h"
#include "config.h"
#include "util.h"

/* 2026-06-01T00:00:00Z: rules and dates in these tests are relative to it. */
#define TEST_NOW INT64_C(1780272000)

static struct ct_diags diags;
static char tmpdir[64];

static int
setup(void **state)
{
    ct_diags_init(&diags);
    ct_clock_set(TEST_NOW);
    unsetenv("CREDENTIALS_DIRECTORY");
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/ct-config-XXXXXX");
    assert_non_null(mkdtemp(tmpdir));
    return 0;
}

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int
teardown(void **state)
{
    ct_diags_free(&diags);
    ct_clock_set(0);
    unsetenv("CREDENTIALS_DIRECTORY");
    nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    return 0;
}

/* Write a file under tmpdir with the given mode; returns its path (static). */
static const char *
write_file(const char *name, const char *content, mode_t mode)
{
    static char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    assert_int_equal(chmod(path, mode), 0);
    return path;
}

/* Every diagnostic as "LINE: message" with warnings marked, for messages. */
static void
dump(void)
{
    for (size_t i = 0; i < diags.count; i++)
        fprintf(stderr, "  %s%ld: %s\n", diags.items[i].severity == CT_WARNING ? "warning " : "",
                diags.items[i].line, diags.items[i].message);
}

/* The index of a diagnostic at line (any line if < 0) containing text, or -1. */
static int
find_diag(enum ct_severity sev, long line, const char *text)
{
    for (size_t i = 0; i < diags.count; i++)
        if (diags.items[i].severity == sev && (line < 0 || diags.items[i].line == line) &&
            strstr(diags.items[i].message, text))
            return (int)i;
    return -1;
}

static void
assert_diag(enum ct_severity sev, long line, const char *text)
{
    if (find_diag(sev, line, text) < 0) {
        fprintf(stderr, "expected %s at line %ld containing \"%s\"; got:\n",
                sev == CT_ERROR ? "error" : "warning", line, text);
        dump();
        fail();
    }
}

static struct ct_config *
load_ok(const char *text)
{
    struct ct_config *cfg = NULL;

    ct_diags_free(&diags);
    if (ct_config_load_string("t.ini", text, ct_now(), &cfg, &diags) != CT_OK) {
        dump();
        fail_msg("config did not load");
    }
    assert_non_null(cfg);
    return cfg;
}

/* Load text, expect failure with exactly one error, at line, containing text. */
static void
expect_one_error(const char *ini, long line, const char *text)
{
    struct ct_config *cfg = (struct ct_config *)1;

    ct_diags_free(&diags);
    assert_int_equal(ct_config_load_string("t.ini", ini, ct_now(), &cfg, &diags), CT_ECONFIG);
    assert_null(cfg);
    assert_diag(CT_ERROR, line, text);
    if (diags.errors != 1) {
        fprintf(stderr, "expected one error for:\n%s\ngot:\n", ini);
        dump();
        fail();
    }
}

static void
test_defaults(void **state)
{
    struct ct_config *cfg = ct_config_new_defaults();

    assert_non_null(cfg);
    assert_string_equal(cfg->network.timezone, "Europe/London");
    assert_string_equal(cfg->store.path, "coffeetrial.db");
    assert_string_equal(cfg->spool.dir, "spool");
    assert_int_equal(cfg->schedule.duration, 1800);
    assert_int_equal(cfg->schedule.working_days, 0x1f);
    assert_int_equal(cfg->pairing.avoid_repeats, 0);
    assert_int_equal(cfg->pairing.rematch, 1);
    assert_int_equal(cfg->pairing.rematch_until, 2 * 86400);
    assert_int_equal(cfg->transport.kind, CT_TRANSPORT_SPOOL);
    assert_null(cfg->path);
    assert_int_equal(ct_config_line(cfg, "network", "name"), 0);
    ct_config_free(cfg);
    ct_config_free(NULL);

    /* An empty file is the defaults, with no complaint. */
    cfg = load_ok("");
    assert_int_equal(diags.count, 0);
    assert_string_equal(cfg->invite.subject, "{network}: coffee with {names}");
    assert_string_equal(cfg->path, "t.ini");
    ct_config_free(cfg);

    /* [pairing] rematch takes yes or no; rematch_until 0 re-matches to the window's end. */
    cfg = load_ok("[pairing]\nrematch = no\nrematch_until = 0\n");
    assert_int_equal(cfg->pairing.rematch, 0);
    assert_int_equal(cfg->pairing.rematch_until, 0);
    ct_config_free(cfg);
}

static void
test_shipped_ini(void **state)
{
    struct ct_config *cfg = NULL;

    assert_int_equal(ct_config_load(CT_SRC "/conf/coffeetrial.ini", ct_now(), &cfg, &diags), CT_OK);
    if (diags.count) {
        dump();
        fail_msg("the shipped configuration has problems");
    }
    assert_string_equal(cfg->store.path, "/var/lib/coffeetrial/coffeetrial.db");
    assert_string_equal(cfg->spool.dir, "/var/lib/coffeetrial/spool");
    assert_int_equal(ct_config_check_files(cfg, &diags), CT_OK);
    ct_config_free(cfg);
}

/* Every key set, one per line (line numbers are asserted below). */
static const char every_key_ini[] = "[network]\n"
                                    "name = Health & Care Network\n"
                                    "organiser_name = Ana Organiser\n"
                                    "organiser_email = ana@example.org\n"
                                    "timezone = America/New_York\n"
                                    "[store]\n"
                                    "path = /var/tmp/x.db\n"
                                    "[roster]\n"
                                    "source = https://intranet.example.org/roster.csv\n"
                                    "refresh = 0\n"
                                    "max_bytes = 2M\n"
                                    "[schedule]\n"
                                    "rrule = FREQ=WEEKLY;INTERVAL=2;BYDAY=TU\n"
                                    "start = 2026-01-06\n"
                                    "time = 08:30\n"
                                    "review_period = 0\n"
                                    "meeting_window = 7d\n"
                                    "duration = 45m\n"
                                    "working_hours = 08:00 - 24:00\n"
                                    "working_days = mo, WE ,FR,SU\n"
                                    "[pairing]\n"
                                    "avoid_repeats = 12\n"
                                    "require_different = organization, role\n"
                                    "weight_organisation = 1e1\n"
                                    "weight_team = .25\n"
                                    "weight_site = 0\n"
                                    "weight_role = 2.5\n"
                                    "weight_weak_tie = 1000\n"
                                    "weight_bridge = 3\n"
                                    "weight_novelty = +4\n"
                                    "randomness = 0.125\n"
                                    "odd = sit_out\n"
                                    "unanswered_limit = 0\n"
                                    "[invite]\n"
                                    "subject = Coffee {round} on {date}: {names} ({network})\n"
                                    "prompts = Just one prompt?\n"
                                    "location = Room {uid}\n"
                                    "url = https://meet.example.org/{uid}\n"
                                    "[transport]\n"
                                    "kind = SMTP\n"
                                    "max_attempts = 100\n"
                                    "retry_base = 90s\n"
                                    "[spool]\n"
                                    "dir = out\n"
                                    "[smtp]\n"
                                    "url = smtps://smtp.example.org:465\n"
                                    "username = coffee@example.org\n"
                                    "password_file = /run/secrets/smtp\n"
                                    "ca_file = ca.pem\n"
                                    "timeout = 2m\n"
                                    "[http]\n"
                                    "timeout = 1h\n"
                                    "[imap]\n"
                                    "url = imap://[::1]:1143/INBOX\n"
                                    "username = coffee\n"
                                    "password_file = imap-pw\n"
                                    "poll_interval = 0\n";

/* every_key_ini's [network], [store] and [roster]. */
static void
check_network_roster(const struct ct_config *cfg)
{
    assert_string_equal(cfg->network.name, "Health & Care Network");
    assert_string_equal(cfg->network.timezone, "America/New_York");
    assert_string_equal(cfg->roster.source, "https://intranet.example.org/roster.csv");
    assert_int_equal(cfg->roster.refresh, 0);
    assert_int_equal(cfg->roster.max_bytes, 2 * 1024 * 1024);
}

/* every_key_ini's [schedule] and [pairing]. */
static void
check_schedule_pairing(const struct ct_config *cfg)
{
    assert_string_equal(cfg->schedule.start, "2026-01-06");
    assert_int_equal(cfg->schedule.time_minutes, 8 * 60 + 30);
    assert_int_equal(cfg->schedule.review_period, 0);
    assert_int_equal(cfg->schedule.meeting_window, 7 * 86400);
    assert_int_equal(cfg->schedule.duration, 45 * 60);
    assert_int_equal(cfg->schedule.work_start_minutes, 8 * 60);
    assert_int_equal(cfg->schedule.work_end_minutes, 24 * 60);
    assert_int_equal(cfg->schedule.working_days, 1 | 4 | 16 | 64);
    assert_int_equal(cfg->pairing.avoid_repeats, 12);
    assert_int_equal(cfg->pairing.require_different, CT_B_ORGANISATION | CT_B_ROLE);
    assert_true(cfg->pairing.weight[CT_W_ORGANISATION] == 10.0);
    assert_true(cfg->pairing.weight[CT_W_TEAM] == 0.25);
    assert_true(cfg->pairing.weight[CT_W_SITE] == 0.0);
    assert_true(cfg->pairing.weight[CT_W_WEAK_TIE] == 1000.0);
    assert_true(cfg->pairing.weight[CT_W_NOVELTY] == 4.0);
    assert_true(cfg->pairing.weight[CT_W_RANDOM] == 0.125);
    assert_true(cfg->pairing.weight[CT_W_ROLE] == 2.5);
    assert_true(cfg->pairing.weight[CT_W_BRIDGE] == 3.0);
}

static void
test_every_key(void **state)
{
    struct ct_config *cfg = load_ok(every_key_ini);

    assert_int_equal(diags.count, 0);
    check_network_roster(cfg);
    check_schedule_pairing(cfg);
    assert_int_equal(cfg->pairing.odd, CT_ODD_SIT_OUT);
    assert_int_equal(cfg->pairing.unanswered_limit, 0);
    assert_string_equal(cfg->invite.prompts, "Just one prompt?");
    assert_null(cfg->invite.prompts_file);
    assert_string_equal(cfg->invite.location, "Room {uid}");
    assert_int_equal(cfg->transport.kind, CT_TRANSPORT_SMTP);
    assert_int_equal(cfg->transport.max_attempts, 100);
    assert_int_equal(cfg->transport.retry_base, 90);
    assert_string_equal(cfg->spool.dir, "out");
    assert_string_equal(cfg->smtp.password_file, "/run/secrets/smtp");
    /* Relative file names resolve next to the config ("t.ini" is in "."). */
    assert_string_equal(cfg->smtp.ca_file, "ca.pem");
    assert_string_equal(cfg->imap.password_file, "imap-pw");
    assert_int_equal(cfg->smtp.timeout, 120);
    assert_int_equal(cfg->http.timeout, 3600);
    assert_int_equal(cfg->imap.poll_interval, 0);
    assert_int_equal(ct_config_line(cfg, "network", "name"), 2);
    assert_int_equal(ct_config_line(cfg, "imap", "poll_interval"), 57);
    assert_int_equal(ct_config_line(cfg, "http", "url"), 0);
    assert_int_equal(ct_config_line(cfg, "smtp", NULL), 45);
    assert_int_equal(ct_config_line(cfg, "nosuch", "key"), 0);
    ct_config_free(cfg);
}

/* One bad value per case: the message and the line it is reported on. */
struct bad_case {
    const char *ini;
    const char *message;
};

static const struct bad_case bad_cases[] = {
    /* text, e-mail, zone */
    {"[network]\nname =\n", "[network] name: empty value"},
    {"[network]\nname = a\x01z\n", "control character in value"},
    {"[network]\norganiser_email = ana.example.org\n", "missing '@'"},
    {"[network]\ntimezone = Europe/Londn\n",
     "[network] timezone = Europe/Londn: unknown time zone"},
    {"[network]\ntimezone = /etc/passwd\n", "not an IANA time zone name"},
    /* durations */
    {"[roster]\nrefresh = 6x\n", "unknown duration unit"},
    {"[roster]\nrefresh = -1h\n", "not a duration"},
    {"[roster]\nrefresh = 30s\n", "must be 0 or from 1m to 30d"},
    {"[schedule]\nduration = 9h\n", "must be from 5m to 8h"},
    {"[schedule]\nduration = 99999999999999999999\n", "duration too large"},
    {"[schedule]\nreview_period = 91d\n", "must be from 0 to 90d"},
    {"[transport]\nretry_base = 0\n", "must be from 1s to 1d"},
    {"[imap]\npoll_interval = 5s\n", "must be 0 or from 10s to 1d"},
    {"[smtp]\ntimeout = 2h\n", "must be from 1s to 1h"},
    /* sizes */
    {"[roster]\nmax_bytes = lots\n", "not a size"},
    {"[roster]\nmax_bytes = 2G\n", "must be from 1K to 1G bytes"},
    /* clock times, hours, days */
    {"[schedule]\ntime = 9am\n", "not a time of the form HH:MM"},
    {"[schedule]\ntime = 24:00\n", "from 00:00 to 23:59"},
    {"[schedule]\ntime = 12:60\n", "time out of range"},
    {"[schedule]\nworking_hours = 17:00-09:00\n", "the start must be before the end"},
    {"[schedule]\nworking_hours = 09:00\n", "HH:MM-HH:MM"},
    {"[schedule]\nworking_hours = 9-17\n", "HH:MM-HH:MM"},
    {"[schedule]\nworking_days = MO,TU,MON\n", "unknown day 'MON'"},
    {"[schedule]\nworking_days = MO,TU,mo\n", "MO listed twice"},
    {"[schedule]\nworking_days = MO,,TU\n", "empty item in list"},
    {"[schedule]\nworking_days = MO,\n", "empty item in list"},
    {"[schedule]\nworking_days =\n", "[schedule] working_days: empty value"},
    /* dates and rules */
    {"[schedule]\nstart = 2026-02-30\n", "day out of range"},
    {"[schedule]\nstart = 5 May\n", "YYYY-MM-DD"},
    {"[schedule]\nrrule = garbage\n", "not a valid RFC 5545 recurrence rule"},
    {"[schedule]\nrrule = BYDAY=1MO\n", "FREQ is missing"},
    {"[schedule]\nrrule = FREQ=HOURLY\n", "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY"},
    {"[schedule]\nrrule = RRULE:FREQ=MONTHLY\n", "without the 'RRULE:' prefix"},
    {"[schedule]\nrrule = FREQ=MONTHLY;BYDAY=9MO\n", "a numbered BYDAY must be from -5 to 5"},
    {"[schedule]\nrrule = FREQ=YEARLY;BYDAY=-54MO\n", "from -53 to 53"},
    {"[schedule]\nrrule = FREQ=YEARLY;BYMONTH=1;BYDAY=6TU\n", "from -5 to 5"},
    {"[schedule]\nrrule = FREQ=WEEKLY;BYDAY=1MO\n", "needs FREQ=MONTHLY or FREQ=YEARLY"},
    {"[schedule]\nrrule = FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30,31\n",
     "no month listed has the BYMONTHDAY days given"},
    {"[schedule]\nrrule = FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=4,6\n", "no month listed"},
    {"[schedule]\nrrule = FREQ=YEARLY;BYYEARDAY=366;BYMONTH=1\n", "the rule can match no date"},
    {"[schedule]\nrrule = FREQ=WEEKLY;UNTIL=20260101\n",
     "the rule gives no date on or after 2026-06-01"},
    {"[schedule]\nrrule = FREQ=MONTHLY;UNTIL=20250101\nstart = 2025-06-01\n",
     "the rule gives no date on or after 2025-06-01"},
    /* numbers */
    {"[pairing]\nweight_team = abc\n", "[pairing] weight_team = abc: not a number"},
    {"[pairing]\nweight_team = nan\n", "not a number"},
    {"[pairing]\nweight_team = inf\n", "not a number"},
    {"[pairing]\nweight_team = 1e999\n", "not a number"},
    {"[pairing]\nweight_team = 0x10\n", "not a number"},
    {"[pairing]\nweight_team = 1,5\n", "not a number"},
    {"[pairing]\nweight_team = 1e\n", "not a number"},
    {"[pairing]\nweight_team = .\n", "not a number"},
    {"[pairing]\nweight_team = -1\n", "not a number"},
    {"[pairing]\nrandomness = 1000.5\n", "must be a number from 0 to 1000"},
    {"[transport]\nmax_attempts = 0\n", "must be a whole number from 1 to 100"},
    {"[transport]\nmax_attempts = 101\n", "must be a whole number from 1 to 100"},
    {"[transport]\nmax_attempts = 5x\n", "not a whole number"},
    {"[transport]\nmax_attempts = 99999999999999999999\n", "not a whole number"},
    {"[pairing]\nunanswered_limit = 101\n", "from 0 to 100"},
    {"[pairing]\navoid_repeats = 0\n", "'always' or a number of rounds from 1 to 1000"},
    {"[pairing]\navoid_repeats = 1001\n", "'always' or a number of rounds from 1 to 1000"},
    {"[pairing]\navoid_repeats = never\n", "not 'always' or a number of rounds"},
    /* enumerations and lists */
    {"[pairing]\nrequire_different = department\n", "unknown boundary 'department'"},
    {"[pairing]\nrequire_different = team, Team\n", "team listed twice"},
    {"[pairing]\nrequire_different = organisation, organization\n", "organisation listed twice"},
    {"[pairing]\nodd = pair\n", "must be trio or sit_out"},
    {"[pairing]\nrematch = maybe\n", "must be yes or no"},
    {"[pairing]\nrematch_until = 10m\n", "rematch_until"},
    {"[transport]\nkind = sendmail\n", "must be spool, smtp or http"},
    {"[transport]\nproxy = yes\n", "must be none, env, or a URL starting with http://"},
    {"[transport]\nproxy = ftp://proxy.example.org\n", "must be none, env, or a URL"},
    {"[transport]\nproxy = http://proxy.example.org:99999\n", "port must be"},
    {"[transport]\nproxy = None\n", "must be none, env, or a URL"},
    {"[log]\nlevel = loud\n", "[log] level = loud: must be warning, info or debug"},
    {"[log]\nlevel = notice\n", "must be warning, info or debug"},
    {"[web]\nmetrics = maybe\n", "[web] metrics = maybe: must be yes or no"},
    {"[web]\nlisten = localhost:8025\n", "must be ADDRESS:PORT with a numeric address"},
    {"[web]\nlisten = 127.0.0.1\n", "must be ADDRESS:PORT"},
    {"[web]\nlisten = 127.0.0.1:0\n", "port must be a number from 1 to 65535"},
    {"[web]\nlisten = 127.0.0.1:99999\n", "port must be"},
    {"[web]\nlisten = ::1:8025\n", "must be ADDRESS:PORT"},
    {"[web]\nlisten = [::1:8025\n", "must be ADDRESS:PORT"},
    {"[web]\npublic_url = ftp://coffee.example.org\n", "must start with http:// or https://"},
    {"[web]\npublic_url = https://coffee.example.org/?a=b\n", "without a query"},
    {"[web]\npublic_url = https://coffee.example.org/a>b\n", "must be a plain base URL"},
    {"[web]\npublic_url = https://coffee.example.org/a,b\n", "must be a plain base URL"},
    {"[web]\npublic_url = https://u:pw@coffee.example.org\n", "must not carry a user name"},
    /* URLs */
    {"[smtp]\nurl = http://mail.example.org\n", "must start with smtp:// or smtps://"},
    {"[smtp]\nurl = mail.example.org:25\n", "not a URL"},
    {"[smtp]\nurl = smtp://user:pw@mail.example.org\n", "must not carry a user name"},
    {"[smtp]\nurl = smtp://mail.example.org:0\n", "port must be a number from 1 to 65535"},
    {"[smtp]\nurl = smtp://mail.example.org:70000\n", "port must be"},
    {"[smtp]\nurl = smtp://mail.example.org:x\n", "port must be"},
    {"[smtp]\nurl = smtp://:25\n", "missing host"},
    {"[smtp]\nurl = smtp://[zz]\n", "malformed IPv6 host"},
    {"[smtp]\nurl = smtp://ex ample.org\n", "invalid character in host name"},
    {"[http]\nurl = smtp://x.example.org\n", "must start with http:// or https://"},
    {"[http]\nurl = https://x.example.org/a b\n", "white space"},
    {"[imap]\nurl = imaps//x\n", "not a URL"},
    {"[imap]\nurl = https://x.example.org\n", "must start with imap:// or imaps://"},
    {"[roster]\nsource = ftp://x.example.org/r.csv\n", "must start with http:// or https://"},
    /* templates */
    {"[invite]\nsubject = Coffee with {name}\n",
     "unknown placeholder {name} (did you mean {names}?)"},
    {"[invite]\nsubject = Coffee {when}\n", "unknown placeholder {when} (known: {network}"},
    {"[invite]\nsubject = Coffee {round\n", "'{' without a closing '}'"},
    {"[invite]\nsubject =\n", "[invite] subject: empty value"},
    {"[invite]\nlocation = Room {room}\n", "unknown placeholder {room}"},
    {"[invite]\nurl = meet.example.org/{uid}\n", "must start with http:// or https://"},
    {"[invite]\nurl = https://meet.example.org/{uuid}\n", "did you mean {uid}?"},
    {"[invite]\nurl = https://meet.example.org/ {uid}\n", "white space in URL"},
    /* paths */
    {"[store]\npath =\n", "[store] path: empty value"},
    {"[spool]\ndir =\n", "[spool] dir: empty value"},
};

static void
test_bad_values(void **state)
{
    size_t i;

    /* Every case's bad key is on line 2. */
    for (i = 0; i < CT_ARRAY_LEN(bad_cases); i++)
        expect_one_error(bad_cases[i].ini, 2, bad_cases[i].message);
}

static void
test_empty_optional_values(void **state)
{
    struct ct_config *cfg = load_ok("[invite]\nlocation =\nurl =\n"
                                    "[pairing]\nrequire_different =\n"
                                    "[roster]\nsource =\n[schedule]\nstart =\n");

    assert_null(cfg->invite.location);
    assert_null(cfg->invite.url);
    assert_null(cfg->roster.source);
    assert_null(cfg->schedule.start);
    assert_int_equal(cfg->pairing.require_different, 0);
    ct_config_free(cfg);
}

static void
test_unknown_sections_and_keys(void **state)
{
    expect_one_error("[netwrk]\nname = x\nwhatever = 1\n", 1,
                     "unknown section [netwrk] (did you mean [network]?)");
    expect_one_error("\n[database]\npath = x\n", 2, "unknown section [database]");
    /* No suggestion for a name nothing is close to. */
    assert_null(strstr(diags.items[0].message, "did you mean"));
    expect_one_error("[network]\nname = x\ntimezon = UTC\n", 3,
                     "unknown key 'timezon' in [network] (did you mean 'timezone'?)");
    expect_one_error("[network]\nName = x\n", 2, "(did you mean 'name'?)");
    expect_one_error("[schedule]\ntimezone = UTC\n", 2,
                     "unknown key 'timezone' in [schedule] (it belongs in [network])");
    expect_one_error("[smtp]\npassword = hunter2\n", 2, "(did you mean 'password_file'?)");
    expect_one_error("[imap]\nfrobnicate = 1\n", 2, "unknown key 'frobnicate' in [imap]");
    expect_one_error("name = x\n[network]\n", 1,
                     "key 'name' before any [section] (it belongs in [network])");
    expect_one_error("colour = x\n", 1, "key 'colour' before any [section]");
    /* Names are shown without control characters, and cut when long. */
    expect_one_error("[\x1b[31mred]\n", 1, "unknown section [?[31mred]");
    expect_one_error("[network]\nna\x1bme = x\n", 2, "unknown key 'na?me' in [network]");
    expect_one_error(
        "[network]\n"
        "a123456789b123456789c123456789d123456789e123456789f123456789g1 = x\n",
        2, "unknown key 'a123456789b123456789c123456789d123456789e123456789f123456789...'");
    expect_one_error("[network]\nname = a\nname = b\n", 3,
                     "duplicate key 'name' in [network] (first set on line 2)");
    /* A repeated section merges, with a warning; a key in both is still a duplicate. */
    expect_one_error("[network]\nname = a\n[store]\n[network]\nname = b\n", 5,
                     "duplicate key 'name' in [network] (first set on line 2)");
    assert_diag(CT_WARNING, 4, "section [network] repeated (first on line 1)");
}

static void
test_syntax_errors(void **state)
{
    expect_one_error("[network\nname = x\n", 1, "section header without ']'");
    expect_one_error("[network] junk\n", 1, "unexpected text after ']'");
    expect_one_error("[network]\njust some words\n", 2,
                     "expected 'key = value', '[section]' or a comment");
    expect_one_error("[network]\n= value\n", 2, "missing key name before '='");
    expect_one_error("[network]\nname ; = x\n", 2, "expected 'key = value'");
    expect_one_error("[]\n", 1, "unknown section []");

    /* Comments, inline comments, ':' separators and white space are fine. */
    struct ct_config *cfg = load_ok("; comment\n# comment\n  [ network ]  ; note\n"
                                    "name: Coffee;Club ; a comment\n"
                                    "timezone\t=\tUTC\t\n");
    assert_string_equal(cfg->network.name, "Coffee;Club");
    assert_string_equal(cfg->network.timezone, "UTC");
    assert_int_equal(diags.count, 0);
    ct_config_free(cfg);
}

static void
test_long_lines(void **state)
{
    char ini[2048], value[400];
    struct ct_config *cfg;

    /* 199 characters is the most inih holds: "name = " + 192 = 199. */
    memset(value, 'a', 192);
    value[192] = '\0';
    snprintf(ini, sizeof(ini), "[network]\nname = %s\n", value);
    cfg = load_ok(ini);
    assert_int_equal(strlen(cfg->network.name), 192);
    ct_config_free(cfg);

    /* 200: reported at its line, with the CRLF line end not counted. */
    memset(value, 'a', 193);
    value[193] = '\0';
    snprintf(ini, sizeof(ini), "[network]\r\n\r\nname = %s\r\n", value);
    expect_one_error(ini, 3, "line too long (200 characters; at most 199)");

    /*
     * The rest of a long line is never parsed as a line of its own: here it
     * would read "timezone = Nowhere/Zone", and indented lines after the
     * lost key are dropped with it rather than continuing another key.
     */
    memset(value, 'x', 250);
    memcpy(value + 192, "timezone = Nowhere/Zone", 23);
    value[250] = '\0';
    snprintf(ini, sizeof(ini),
             "[network]\nname = ok\n\n[invite]\nsubject = %s\n  name = x\n[network]\n"
             "timezone = UTC\n",
             value);
    expect_one_error(ini, 5, "line too long (260 characters; at most 199)");
    assert_diag(CT_WARNING, 7, "section [network] repeated");

    /* A long section header: its keys cannot be placed, so they are skipped. */
    memset(value, 's', 230);
    value[230] = '\0';
    snprintf(ini, sizeof(ini), "[%s]\nfoo = bar\n[network]\nname = x\n", value);
    expect_one_error(ini, 1, "line too long (232 characters; at most 199)");

    /* Long comments and long continuation lines are lines too. */
    memset(value, 'c', 220);
    value[220] = '\0';
    snprintf(ini, sizeof(ini), "# %s\n", value);
    expect_one_error(ini, 1, "line too long (222 characters");
    snprintf(ini, sizeof(ini), "[invite]\nprompts =\n  one\n  %s\n  three\n", value);
    expect_one_error(ini, 4, "line too long (222 characters");

    /* Non-ASCII text is measured in bytes, as inih's buffer is. */
    value[0] = '\0';
    for (int i = 0; i < 70; i++)
        strcat(value, "\xc3\xa9"); /* é */
    snprintf(ini, sizeof(ini), "[network]\nname = %s%s\n", value, value);
    expect_one_error(ini, 2, "line too long (287 bytes; at most 199)");
}

static void
test_bytes(void **state)
{
    static const char with_nul[] = "[network]\nname = a\0b\ntimezone = Nowhere\n";
    static const char bom[] = "\xef\xbb\xbf[network]\nname = BOM\n";
    struct ct_config *cfg = NULL;

    ct_diags_free(&diags);
    assert_int_equal(
        ct_config_load_mem("t.ini", with_nul, sizeof(with_nul) - 1, ct_now(), &cfg, &diags),
        CT_ECONFIG);
    assert_diag(CT_ERROR, 2, "NUL byte in line");
    /* The line after it is still read, with the right number. */
    assert_diag(CT_ERROR, 3, "unknown time zone");
    assert_int_equal(diags.errors, 2);

    expect_one_error("[network]\nname = caf\xc3\n", 2, "invalid UTF-8");

    cfg = load_ok(bom);
    assert_string_equal(cfg->network.name, "BOM");
    ct_config_free(cfg);
}

static void
test_multiline_prompts(void **state)
{
    struct ct_config *cfg;

    cfg = load_ok("[invite]\n"
                  "prompts =\n"
                  "    What do you do?\n"
                  "\tWho depends on you; and why?\n"
                  "\n"
                  "    # an indented comment is a comment\n"
                  "    What surprised you lately? ; it is part of it\n"
                  "subject = hi {names}\n");
    /* inih 55 strips no inline comment from continuation lines: ';' is text. */
    assert_string_equal(cfg->invite.prompts, "What do you do?\nWho depends on you; and why?\n"
                                             "What surprised you lately? ; it is part of it");
    assert_string_equal(cfg->invite.subject, "hi {names}");
    ct_config_free(cfg);

    /* A first line on the key's own line counts too. */
    cfg = load_ok("[invite]\nprompts = One\n  Two\n");
    assert_string_equal(cfg->invite.prompts, "One\nTwo");
    ct_config_free(cfg);

    /* Empty: no prompts at all. */
    cfg = load_ok("[invite]\nprompts =\n");
    assert_string_equal(cfg->invite.prompts, "");
    ct_config_free(cfg);

    /* Other keys take one line; an indented line after them is an error there. */
    expect_one_error("[network]\nname = Coffee\n  organiser_name = Ana\n", 3,
                     "indented line continues [network] name, which takes one line");
    expect_one_error("[invite]\nprompts =\n  ok\n  bad\x02\n", 2, "control character in prompts");
}

static void
test_prompts_file(void **state)
{
    char ini[512], cfgpath[256];
    struct ct_config *cfg = NULL;

    write_file("prompts.txt", "  First?\r\n\r\nSecond?\n\n", 0644);
    write_file("empty.txt", "\n \n", 0644);
    write_file("binary.txt", "caf\xc3\n", 0644);

    /* A relative name that exists is read next to the config file. */
    snprintf(cfgpath, sizeof(cfgpath), "%s/c.ini", tmpdir);
    write_file("c.ini", "[invite]\nprompts = prompts.txt\n", 0644);
    ct_diags_free(&diags);
    assert_int_equal(ct_config_load(cfgpath, ct_now(), &cfg, &diags), CT_OK);
    assert_string_equal(cfg->invite.prompts, "First?\nSecond?");
    snprintf(ini, sizeof(ini), "%s/prompts.txt", tmpdir);
    assert_string_equal(cfg->invite.prompts_file, ini);
    ct_config_free(cfg);

    /* ./name, ../name and /name always mean a file, which must exist. */
    write_file("c.ini", "[invite]\nprompts = ./prompts.txt\n", 0644);
    assert_int_equal(ct_config_load(cfgpath, ct_now(), &cfg, &diags), CT_OK);
    assert_string_equal(cfg->invite.prompts, "First?\nSecond?");
    ct_config_free(cfg);
    write_file("c.ini", "[invite]\nprompts = ./missing.txt\n", 0644);
    ct_diags_free(&diags);
    assert_int_equal(ct_config_load(cfgpath, ct_now(), &cfg, &diags), CT_ECONFIG);
    assert_diag(CT_ERROR, 2, "cannot read prompts file");
    assert_diag(CT_ERROR, 2, "missing.txt: No such file or directory");
    snprintf(ini, sizeof(ini), "[invite]\nprompts = %s/empty.txt\n", tmpdir);
    expect_one_error(ini, 2, "no prompts in the file");
    snprintf(ini, sizeof(ini), "[invite]\nprompts = %s/binary.txt\n", tmpdir);
    expect_one_error(ini, 2, "not UTF-8 text");
    snprintf(ini, sizeof(ini), "[invite]\nprompts = %s\n", tmpdir);
    expect_one_error(ini, 2, "not a regular file");
    expect_one_error("[invite]\nprompts = /dev/null\n", 2, "/dev/null: not a regular file");

    /* One line that names no file is a prompt. */
    cfg = load_ok("[invite]\nprompts = prompts.txt\n");
    assert_string_equal(cfg->invite.prompts, "prompts.txt");
    assert_null(cfg->invite.prompts_file);
    ct_config_free(cfg);
}

static void
test_secrets(void **state)
{
    char ini[512], cfgpath[256], creds[256];
    struct ct_config *cfg = NULL;
    struct ct_error err;
    char *secret = NULL;

    write_file("smtp-password", "s3cret-SMTP\n", 0600);
    write_file("loose-password", "s3cret-LOOSE\r\n", 0644);
    write_file("empty-password", "\n", 0600);
    write_file("two-lines", "a\nb\n", 0600);

    /* Read, with the line end dropped and no warning for mode 0600. */
    snprintf(ini, sizeof(ini), "%s/smtp-password", tmpdir);
    ct_error_clear(&err);
    ct_diags_free(&diags);
    assert_int_equal(ct_config_read_secret(ini, &secret, &diags, &err), CT_OK);
    assert_string_equal(secret, "s3cret-SMTP");
    assert_int_equal(diags.count, 0);
    free(secret);

    /* Accessible by others: a warning naming the file, never the content. */
    snprintf(ini, sizeof(ini), "%s/loose-password", tmpdir);
    assert_int_equal(ct_config_read_secret(ini, &secret, &diags, &err), CT_OK);
    assert_string_equal(secret, "s3cret-LOOSE");
    free(secret);
    assert_int_equal(diags.warnings, 1);
    assert_string_equal(diags.items[0].file, ini);
    assert_diag(CT_WARNING, 0, "accessible by group or others (mode 0644)");

    /* Relative names are looked up in $CREDENTIALS_DIRECTORY. */
    setenv("CREDENTIALS_DIRECTORY", tmpdir, 1);
    assert_int_equal(ct_config_read_secret("smtp-password", &secret, NULL, &err), CT_OK);
    assert_string_equal(secret, "s3cret-SMTP");
    free(secret);
    assert_int_equal(ct_config_read_secret("nope", &secret, NULL, &err), CT_ENOINPUT);
    assert_null(secret);
    assert_non_null(strstr(err.message, "/nope: No such file or directory"));
    assert_int_equal(ct_config_read_secret("empty-password", &secret, NULL, &err), CT_EDATA);
    assert_non_null(strstr(err.message, "empty"));
    assert_int_equal(ct_config_read_secret("two-lines", &secret, NULL, &err), CT_EDATA);
    assert_null(strstr(err.message, "a\nb"));
    assert_int_equal(ct_config_read_secret("", &secret, NULL, &err), CT_ECONFIG);

    /* In a config, relative names resolve into $CREDENTIALS_DIRECTORY... */
    cfg = load_ok("[transport]\nkind = smtp\n[smtp]\nurl = smtp://localhost\n"
                  "username = u\npassword_file = smtp-password\n");
    snprintf(creds, sizeof(creds), "%s/smtp-password", tmpdir);
    assert_string_equal(cfg->smtp.password_file, creds);
    ct_diags_free(&diags);
    assert_int_equal(ct_config_check_files(cfg, &diags), CT_OK);
    assert_int_equal(diags.count, 0);
    ct_config_free(cfg);

    /* ...else next to the config file. */
    unsetenv("CREDENTIALS_DIRECTORY");
    snprintf(cfgpath, sizeof(cfgpath), "%s/c.ini", tmpdir);
    write_file("c.ini",
               "[transport]\nkind = smtp\n[smtp]\nurl = smtp://localhost\n"
               "username = u\npassword_file = loose-password\nca_file = no-ca.pem\n"
               "[imap]\nurl = imaps://localhost/INBOX\nusername = u\n"
               "password_file = empty-password\n[http]\ntoken_file = missing-token\n",
               0644);
    ct_diags_free(&diags);
    assert_int_equal(ct_config_load(cfgpath, ct_now(), &cfg, &diags), CT_OK);
    snprintf(creds, sizeof(creds), "%s/loose-password", tmpdir);
    assert_string_equal(cfg->smtp.password_file, creds);
    ct_diags_free(&diags);
    assert_int_equal(ct_config_check_files(cfg, &diags), CT_ECONFIG);
    /* In use: errors at the key's line; unused ([http] with kind smtp): warnings. */
    assert_diag(CT_WARNING, 6, "[smtp] password_file:");
    assert_diag(CT_WARNING, 6, "loose-password is accessible by group or others (mode 0644)");
    assert_diag(CT_ERROR, 7, "[smtp] ca_file: cannot read");
    assert_diag(CT_ERROR, 11, "[imap] password_file: cannot use");
    assert_diag(CT_ERROR, 11, "the secret file is empty");
    assert_diag(CT_WARNING, 13, "[http] token_file: cannot use");
    assert_int_equal(diags.errors, 2);
    for (size_t i = 0; i < diags.count; i++) {
        assert_string_equal(diags.items[i].file, cfgpath);
        assert_null(strstr(diags.items[i].message, "s3cret"));
    }
    /* Nor does "config show" print a secret: only file names. */
    {
        char *text = ct_config_format(cfg);
        assert_non_null(text);
        assert_null(strstr(text, "s3cret"));
        assert_non_null(strstr(text, "password_file = "));
        free(text);
    }
    ct_config_free(cfg);
}

static void
test_cross_keys(void **state)
{
    expect_one_error("[transport]\nkind = smtp\n", 2, "[transport] kind = smtp needs [smtp] url");
    expect_one_error("[transport]\nkind = http\n[http]\nurl = https://gw.example.org\n", 2,
                     "[transport] kind = http needs [http] token_file");
    expect_one_error("[transport]\nkind = http\n[http]\ntoken_file = t\n", 2,
                     "[transport] kind = http needs [http] url");
    expect_one_error("[smtp]\nusername = u\n", 2, "[smtp] username needs password_file");
    expect_one_error("[smtp]\npassword_file = p\n", 2, "[smtp] password_file needs username");
    expect_one_error("[imap]\nurl = imaps://h/INBOX\nusername = u\n", 2,
                     "[imap] url needs password_file");
    expect_one_error("[imap]\nurl = imaps://h/INBOX\npassword_file = p\n", 2,
                     "[imap] url needs username");
    expect_one_error("[schedule]\nduration = 2h\nmeeting_window = 1h\n", 3,
                     "[schedule] meeting_window (1h) is shorter than duration (2h)");
    /* Reported against the key that was set when the other holds its default. */
    expect_one_error("[schedule]\nworking_hours = 09:00-09:15\n", 2,
                     "[schedule] working_hours (09:00-09:15) are shorter than duration (30m)");
    expect_one_error("[schedule]\n\nduration = 8h\nworking_hours = 09:00-12:00\n", 4,
                     "are shorter than duration (8h)");

    /* Unused transports draw a warning, not an error. */
    struct ct_config *cfg = load_ok("[smtp]\nurl = smtp://localhost\n");
    assert_diag(CT_WARNING, 2, "[smtp] url is set but [transport] kind is not smtp");
    ct_config_free(cfg);

    /* A rule whose dates are all past still loads, with a warning. */
    cfg = load_ok("[schedule]\nrrule = FREQ=MONTHLY;COUNT=3\nstart = 2025-01-10\n");
    assert_diag(CT_WARNING, 2, "the rule's last date is 2025-03-10, before today");
    ct_config_free(cfg);
    cfg = load_ok("[schedule]\nrrule = FREQ=WEEKLY;UNTIL=20270101T000000Z\n");
    assert_int_equal(diags.count, 0);
    ct_config_free(cfg);

    /* Rules at the edges of what a month or year holds are fine. */
    static const char *const fine[] = {
        "FREQ=MONTHLY;BYDAY=-1FR",         "FREQ=MONTHLY;BYDAY=5MO",
        "FREQ=YEARLY;BYDAY=53MO",          "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=MONTHLY;BYMONTHDAY=31,-1",   "FREQ=MONTHLY;BYMONTHDAY=31;BYMONTH=2,3",
        "FREQ=WEEKLY;BYDAY=MO,WE;WKST=SU", "FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2",
    };
    for (size_t i = 0; i < CT_ARRAY_LEN(fine); i++) {
        char ini[128];
        snprintf(ini, sizeof(ini), "[schedule]\nrrule = %s\n", fine[i]);
        cfg = load_ok(ini);
        assert_int_equal(diags.count, 0);
        ct_config_free(cfg);
    }
}

static void
test_all_problems_in_one_run(void **state)
{
    struct ct_config *cfg = (struct ct_config *)1;
    const char *ini = "[network]\n"             /* 1 */
                      "timezone = Mars/Base\n"  /* 2 */
                      "colour = blue\n"         /* 3 */
                      "[schedule]\n"            /* 4 */
                      "duration = 2h\n"         /* 5 */
                      "meeting_window = 1h\n"   /* 6 */
                      "working_hours = 10-12\n" /* 7 */
                      "[pairing]\n"             /* 8 */
                      "weight_team = lots\n"    /* 9 */
                      "weight_team = 2\n"       /* 10 */
                      "[invite]\n"              /* 11 */
                      "subject = {nework}\n"    /* 12 */
                      "[transprt]\n"            /* 13 */
                      "kind = smtp\n";          /* 14 */

    ct_diags_free(&diags);
    assert_int_equal(ct_config_load_string("t.ini", ini, ct_now(), &cfg, &diags), CT_ECONFIG);
    assert_null(cfg);
    assert_diag(CT_ERROR, 2, "unknown time zone");
    assert_diag(CT_ERROR, 3, "unknown key 'colour'");
    assert_diag(CT_ERROR, 6, "meeting_window (1h) is shorter than duration (2h)");
    assert_diag(CT_ERROR, 7, "HH:MM-HH:MM");
    assert_diag(CT_ERROR, 9, "not a number");
    assert_diag(CT_ERROR, 10, "duplicate key 'weight_team'");
    assert_diag(CT_ERROR, 12, "did you mean {network}?");
    assert_diag(CT_ERROR, 13, "did you mean [transport]?");
    assert_int_equal(diags.errors, 8);
    /* In file order. */
    for (size_t i = 1; i < diags.count; i++)
        assert_true(diags.items[i - 1].line <= diags.items[i].line);
}

static void
test_missing_file(void **state)
{
    struct ct_config *cfg = (struct ct_config *)1;
    char path[256];

    snprintf(path, sizeof(path), "%s/none.ini", tmpdir);
    assert_int_equal(ct_config_load(path, ct_now(), &cfg, &diags), CT_ENOINPUT);
    assert_null(cfg);
    assert_diag(CT_ERROR, 0, "cannot open: No such file or directory");
    assert_string_equal(diags.items[0].file, path);
    ct_diags_free(&diags);
    assert_int_equal(ct_config_load(tmpdir, ct_now(), &cfg, &diags), CT_ENOINPUT);
    assert_diag(CT_ERROR, 0, "Is a directory");
}

static void
test_format_round_trip(void **state)
{
    struct ct_config *cfg = ct_config_new_defaults(), *again;
    char *first, *second;

    /* The defaults, shown and read back, show the same. */
    first = ct_config_format(cfg);
    assert_non_null(first);
    ct_config_free(cfg);
    again = load_ok(first);
    assert_int_equal(diags.count, 0);
    second = ct_config_format(again);
    /* Only the header line (which names the source) differs. */
    assert_string_equal(strchr(first, '\n'), strchr(second, '\n'));
    assert_non_null(strstr(first, "# location = (not set)\n"));
    assert_non_null(strstr(first, "avoid_repeats = always\n"));
    free(first);
    free(second);
    ct_config_free(again);

    /* So does a config with every kind of value changed. */
    cfg = load_ok("[schedule]\nworking_days = SU,MO\nworking_hours = 07:30-24:00\n"
                  "duration = 450s\nreview_period = 36h\n[roster]\nmax_bytes = 1536\n"
                  "[pairing]\nrequire_different = role,team\navoid_repeats = 6\n"
                  "weight_site = 0.1\nodd = sit_out\n[transport]\nkind = http\n"
                  "[http]\nurl = https://gw.example.org\ntoken_file = /run/t\n"
                  "[invite]\nprompts =\n  a\n  b\n");
    assert_int_equal(cfg->schedule.duration, 450);
    first = ct_config_format(cfg);
    ct_config_free(cfg);
    assert_non_null(strstr(first, "working_days = MO,SU\n"));
    assert_non_null(strstr(first, "working_hours = 07:30-24:00\n"));
    assert_non_null(strstr(first, "duration = 450s\n"));
    assert_non_null(strstr(first, "review_period = 36h\n"));
    assert_non_null(strstr(first, "max_bytes = 1536\n"));
    assert_non_null(strstr(first, "require_different = team,role\n"));
    assert_non_null(strstr(first, "prompts =\n    a\n    b\n"));
    again = load_ok(first);
    second = ct_config_format(again);
    assert_string_equal(strchr(first, '\n'), strchr(second, '\n'));
    free(first);
    free(second);
    ct_config_free(again);
}

/* Every weight of weights.h with a key is a [pairing] key, with its
 * default, its range and its line in "config show"; the others are not keys. */
/* [transport] proxy and [log] level: defaults, every accepted value, shown as read. */
static void
test_proxy_and_log_level(void **state)
{
    static const char *const proxies[] = {"none",
                                          "env",
                                          "http://proxy.example.org:3128",
                                          "https://proxy.example.org",
                                          "socks5h://127.0.0.1:1080",
                                          "socks4a://[::1]:1080"};
    static const char *const levels[] = {"warning", "info", "debug"};
    struct ct_config *cfg = ct_config_new_defaults();
    char ini[128], line[64], *shown;
    size_t i;

    (void)state;
    assert_non_null(cfg);
    assert_string_equal(cfg->transport.proxy, "none");
    assert_int_equal(cfg->log.level, CT_LOG_INFO);
    ct_config_free(cfg);
    for (i = 0; i < CT_ARRAY_LEN(proxies); i++) {
        snprintf(ini, sizeof(ini), "[transport]\nproxy = %s\n", proxies[i]);
        cfg = load_ok(ini);
        assert_string_equal(cfg->transport.proxy, proxies[i]);
        shown = ct_config_format(cfg);
        snprintf(line, sizeof(line), "\nproxy = %s\n", proxies[i]);
        assert_non_null(strstr(shown, line));
        free(shown);
        ct_config_free(cfg);
    }
    for (i = 0; i < CT_ARRAY_LEN(levels); i++) {
        snprintf(ini, sizeof(ini), "[log]\nlevel = %s\n", levels[i]);
        cfg = load_ok(ini);
        assert_int_equal(cfg->log.level, (int)i); /* warning, info, debug: in order */
        shown = ct_config_format(cfg);
        snprintf(line, sizeof(line), "\n[log]\nlevel = %s\n", levels[i]);
        assert_non_null(strstr(shown, line));
        free(shown);
        ct_config_free(cfg);
    }
    /* A proxy password is neither accepted nor repeated in the message. */
    expect_one_error("[transport]\nproxy = http://u:hunter2@proxy.example.org\n", 2,
                     "[transport] proxy: a proxy URL must not carry a user name or password");
    assert_null(strstr(diags.items[0].message, "hunter2"));
    /* Nor is any other URL's (the smtp password stays out of the message too). */
    expect_one_error("[smtp]\nurl = smtp://u:hunter2@mail.example.org\n", 2, "must not carry");
    assert_null(strstr(diags.items[0].message, "hunter2"));
}

/* [web]: defaults, accepted values, shown as read; public_url needs the key. */
static void
test_web(void **state)
{
    struct ct_config *cfg = ct_config_new_defaults();
    char *shown;

    (void)state;
    assert_non_null(cfg);
    assert_string_equal(cfg->web.listen, "127.0.0.1:8025");
    assert_null(cfg->web.public_url);
    assert_null(cfg->web.secret_file);
    assert_false(cfg->web.metrics);
    shown = ct_config_format(cfg);
    assert_non_null(strstr(shown, "\n[web]\nlisten = 127.0.0.1:8025\n"));
    assert_non_null(strstr(shown, "\nmetrics = no\n"));
    free(shown);
    ct_config_free(cfg);
    cfg = load_ok("[web]\nlisten = [::1]:9000\npublic_url = https://coffee.example.org/ct//\n"
                  "secret_file = /run/credentials/web-key\nmetrics = Yes\n");
    assert_string_equal(cfg->web.listen, "[::1]:9000");
    assert_string_equal(cfg->web.public_url, "https://coffee.example.org/ct");
    assert_string_equal(cfg->web.secret_file, "/run/credentials/web-key");
    assert_true(cfg->web.metrics);
    shown = ct_config_format(cfg);
    assert_non_null(strstr(shown, "\npublic_url = https://coffee.example.org/ct\n"));
    assert_non_null(strstr(shown, "\nmetrics = yes\n"));
    free(shown);
    ct_config_free(cfg);
    cfg = load_ok("[web]\nmetrics = off\nlisten = 0.0.0.0:80\n");
    assert_false(cfg->web.metrics);
    ct_config_free(cfg);
    expect_one_error("[web]\npublic_url = https://coffee.example.org\n", 2,
                     "[web] public_url needs secret_file");
}

static void
test_weight_keys(void **state)
{
    struct ct_config *cfg = ct_config_new_defaults();
    char ini[128], line[64], *shown;
    size_t t;

    assert_non_null(cfg);
    shown = ct_config_format(cfg);
    assert_non_null(shown);
    for (t = 0; t < CT_WEIGHT_COUNT; t++) {
        const struct ct_weight_def *w = &ct_weights[t];
        if (w->key == NULL) {
            assert_true(cfg->pairing.weight[t] == 0);
            continue;
        }
        assert_true(cfg->pairing.weight[t] == w->default_value);
        snprintf(line, sizeof(line), "\n%s = ", w->key);
        assert_non_null(strstr(shown, line));
        ct_config_free(cfg);
        snprintf(ini, sizeof(ini), "[pairing]\n%s = 7.5\n", w->key);
        cfg = load_ok(ini);
        assert_true(cfg->pairing.weight[t] == 7.5);
        snprintf(ini, sizeof(ini), "[pairing]\n%s = %g\n", w->key, w->max + 1);
        snprintf(line, sizeof(line), "must be a number from %g to %g", w->min, w->max);
        expect_one_error(ini, 2, line);
    }
    free(shown);
    ct_config_free(cfg);
    expect_one_error("[pairing]\nweight_repeat = 1\n", 2, "unknown key 'weight_repeat'");
}

static void
test_default_path(void **state)
{
    setenv("COFFEETRIAL_CONFIG", "/env.ini", 1);
    assert_string_equal(ct_config_default_path("/opt.ini"), "/opt.ini");
    assert_string_equal(ct_config_default_path(NULL), "/env.ini");
    setenv("COFFEETRIAL_CONFIG", "", 1);
    assert_string_equal(ct_config_default_path(NULL), CT_CONFIG_DEFAULT_PATH);
    unsetenv("COFFEETRIAL_CONFIG");
    assert_string_equal(ct_config_default_path(""), CT_CONFIG_DEFAULT_PATH);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_shipped_ini, setup, teardown),
        cmocka_unit_test_setup_teardown(test_every_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_optional_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_sections_and_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_multiline_prompts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_prompts_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_secrets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cross_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_all_problems_in_one_run, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_format_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_weight_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_and_log_level, setup, teardown),
        cmocka_unit_test_setup_teardown(test_web, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
