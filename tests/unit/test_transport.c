/*
 * test_transport.c: the transport layer without servers: what SMTP and
 * HTTP answers mean, Retry-After parsing, the loopback rule, envelope
 * address checks, spool names and writes, secrets, and settings refused at
 * open. (Real servers are in tests/integration.)
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <curl/curl.h>

#include "config.h"
#include "transport.h"
#include "transport_impl.h"
#include "util.h"

/* 2026-12-07T09:00:00Z, a Monday. */
#define NOW 1796634000

static void
test_retry_after(void **state)
{
    int64_t s;

    assert_true(ct_transport_retry_after_parse("120", NOW, &s));
    assert_int_equal(s, 120);
    assert_true(ct_transport_retry_after_parse(" 5 \r\n", NOW, &s));
    assert_int_equal(s, 5);
    assert_true(ct_transport_retry_after_parse("0", NOW, &s));
    assert_int_equal(s, 0);
    /* Absurd values are capped, and very long ones do not overflow. */
    assert_true(ct_transport_retry_after_parse("99999999", NOW, &s));
    assert_int_equal(s, CT_TRANSPORT_RETRY_AFTER_MAX);
    assert_true(ct_transport_retry_after_parse("99999999999999999999999999", NOW, &s));
    assert_int_equal(s, CT_TRANSPORT_RETRY_AFTER_MAX);
    /* HTTP-date in its three forms, relative to now. */
    assert_true(ct_transport_retry_after_parse("Mon, 07 Dec 2026 09:30:00 GMT", NOW, &s));
    assert_int_equal(s, 1800);
    assert_true(ct_transport_retry_after_parse("Monday, 07-Dec-26 10:00:00 GMT", NOW, &s));
    assert_int_equal(s, 3600);
    assert_true(ct_transport_retry_after_parse("Mon Dec  7 09:00:10 2026", NOW, &s));
    assert_int_equal(s, 10);
    /* A date in the past means now. */
    assert_true(ct_transport_retry_after_parse("Sun, 06 Dec 2026 09:00:00 GMT", NOW, &s));
    assert_int_equal(s, 0);
    /* Not a Retry-After value. */
    assert_false(ct_transport_retry_after_parse("", NOW, &s));
    assert_false(ct_transport_retry_after_parse("soon", NOW, &s));
    assert_false(ct_transport_retry_after_parse("-5", NOW, &s));
    assert_false(ct_transport_retry_after_parse("1.5", NOW, &s));
    assert_false(ct_transport_retry_after_parse("10s", NOW, &s));
    assert_false(ct_transport_retry_after_parse("Mon, 07 Dec 2026 09:30:00 GMT junk", NOW, &s));
    assert_false(ct_transport_retry_after_parse(NULL, NOW, &s));
    assert_int_equal(s, 0);
}

static void
test_http_classify(void **state)
{
    assert_int_equal(ct_transport_http_classify(200), CT_OK);
    assert_int_equal(ct_transport_http_classify(202), CT_OK);
    assert_int_equal(ct_transport_http_classify(204), CT_OK);
    assert_int_equal(ct_transport_http_classify(408), CT_ETEMP);
    assert_int_equal(ct_transport_http_classify(429), CT_ETEMP);
    assert_int_equal(ct_transport_http_classify(500), CT_ETEMP);
    assert_int_equal(ct_transport_http_classify(503), CT_ETEMP);
    assert_int_equal(ct_transport_http_classify(400), CT_EPERM);
    assert_int_equal(ct_transport_http_classify(404), CT_EPERM);
    assert_int_equal(ct_transport_http_classify(422), CT_EPERM);
    assert_int_equal(ct_transport_http_classify(401), CT_EUNAVAIL);
    assert_int_equal(ct_transport_http_classify(403), CT_EUNAVAIL);
    assert_int_equal(ct_transport_http_classify(301), CT_EPERM);
}

static void
test_smtp_classify(void **state)
{
    /* What libcurl 7.88 reports, as observed against aiosmtpd. */
    assert_int_equal(ct_transport_smtp_classify(CURLE_OK, 250, ""), CT_OK);
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 550, "RCPT failed: 550"),
                     CT_EPERM);
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 451, "RCPT failed: 451"),
                     CT_ETEMP);
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 421, "RCPT failed: 421"),
                     CT_ETEMP);
    /* End of data: no failf, the generic message. */
    assert_int_equal(
        ct_transport_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 554, "Weird server reply"), CT_EPERM);
    assert_int_equal(
        ct_transport_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 451, "Weird server reply"), CT_ETEMP);
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 554, "DATA failed: 554"),
                     CT_EPERM);
    /* The sender refused: every message would be; not the message's fault. */
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 553, "MAIL failed: 553"),
                     CT_EUNAVAIL);
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 530, "MAIL failed: 530"),
                     CT_EUNAVAIL);
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 451, "MAIL failed: 451"),
                     CT_EUNAVAIL);
    assert_int_equal(ct_transport_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 421,
                                                "Got unexpected smtp-server response: 421"),
                     CT_EUNAVAIL);
    /* ... unless it is this message's size. */
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 552, "MAIL failed: 552"),
                     CT_EPERM);
    /* Greeting refused. */
    assert_int_equal(ct_transport_smtp_classify(CURLE_WEIRD_SERVER_REPLY, 554,
                                                "Got unexpected smtp-server response: 554"),
                     CT_EUNAVAIL);
    /* Connection, TLS and login failures. */
    assert_int_equal(ct_transport_smtp_classify(CURLE_COULDNT_CONNECT, 0, "Failed to connect"),
                     CT_EUNAVAIL);
    assert_int_equal(ct_transport_smtp_classify(CURLE_COULDNT_RESOLVE_HOST, 0, ""), CT_EUNAVAIL);
    assert_int_equal(ct_transport_smtp_classify(CURLE_USE_SSL_FAILED, 250, ""), CT_EUNAVAIL);
    assert_int_equal(ct_transport_smtp_classify(CURLE_PEER_FAILED_VERIFICATION, 220, ""),
                     CT_EUNAVAIL);
    assert_int_equal(ct_transport_smtp_classify(CURLE_LOGIN_DENIED, 535, "Login denied"),
                     CT_EUNAVAIL);
    assert_int_equal(ct_transport_smtp_classify(CURLE_OPERATION_TIMEDOUT, 0, ""), CT_EUNAVAIL);
    /* A connection lost mid-message: try again. */
    assert_int_equal(ct_transport_smtp_classify(CURLE_OPERATION_TIMEDOUT, 354, ""), CT_ETEMP);
    assert_int_equal(ct_transport_smtp_classify(CURLE_RECV_ERROR, 0, ""), CT_ETEMP);
    assert_int_equal(ct_transport_smtp_classify(CURLE_SEND_ERROR, 0, ""), CT_ETEMP);
}

static void
test_loopback(void **state)
{
    assert_true(ct_transport_host_is_loopback("localhost"));
    assert_true(ct_transport_host_is_loopback("LocalHost"));
    assert_true(ct_transport_host_is_loopback("127.0.0.1"));
    assert_true(ct_transport_host_is_loopback("127.10.20.30"));
    assert_true(ct_transport_host_is_loopback("::1"));
    assert_true(ct_transport_host_is_loopback("[::1]"));
    assert_true(ct_transport_host_is_loopback("0:0:0:0:0:0:0:1"));
    assert_false(ct_transport_host_is_loopback("128.0.0.1"));
    assert_false(ct_transport_host_is_loopback("10.0.0.1"));
    assert_false(ct_transport_host_is_loopback("localhost.example.org"));
    assert_false(ct_transport_host_is_loopback("127.0.0.1.example.org"));
    assert_false(ct_transport_host_is_loopback("::2"));
    assert_false(ct_transport_host_is_loopback("[]"));
    assert_false(ct_transport_host_is_loopback(""));
    assert_false(ct_transport_host_is_loopback(NULL));
}

static void
test_address_ok(void **state)
{
    assert_true(ct_transport_address_ok("ana@a.example"));
    assert_true(ct_transport_address_ok("zoë+coffee@b.example"));
    assert_false(ct_transport_address_ok("a b@c.example"));
    assert_false(ct_transport_address_ok("a@b.example>\r\nRCPT TO:<x@y.example"));
    assert_false(ct_transport_address_ok("a@b.example\n"));
    assert_false(ct_transport_address_ok("<a@b.example>"));
    assert_false(ct_transport_address_ok("ab.example"));
    assert_false(ct_transport_address_ok("@b.example"));
    assert_false(ct_transport_address_ok("a@"));
    assert_false(ct_transport_address_ok("a@b@c"));
    assert_false(ct_transport_address_ok(""));
    assert_false(ct_transport_address_ok(NULL));
}

static void
test_spool_name(void **state)
{
    char *n;

    n = ct_transport_spool_name("20261207.17.ana@coffeetrial.example");
    assert_string_equal(n, "20261207.17.ana@coffeetrial.example.eml");
    free(n);
    n = ct_transport_spool_name("a/b@x");
    assert_string_equal(n, "a%2Fb@x.eml");
    free(n);
    n = ct_transport_spool_name("../../etc/passwd");
    assert_string_equal(n, "%2E.%2F..%2Fetc%2Fpasswd.eml");
    free(n);
    n = ct_transport_spool_name("a b\n$");
    assert_string_equal(n, "a%20b%0A%24.eml");
    free(n);
    assert_null(ct_transport_spool_name(""));
    assert_null(ct_transport_spool_name(NULL));
    {
        char id[300];
        memset(id, 'x', sizeof(id) - 1);
        id[sizeof(id) - 1] = '\0';
        assert_null(ct_transport_spool_name(id));
    }
}

static void
test_reply_text(void **state)
{
    char out[16];

    ct_transport_reply_text(out, sizeof(out), "550 no\r\n", 8);
    assert_string_equal(out, "550 no");
    ct_transport_reply_text(out, sizeof(out), "  a \t\n b  ", 10);
    assert_string_equal(out, "a b");
    ct_transport_reply_text(out, sizeof(out), "0123456789abcdefghij", 20);
    assert_string_equal(out, "0123456789ab...");
    /* Cut before a two-byte character that would straddle the end. */
    ct_transport_reply_text(out, sizeof(out), "0123456789a\xc3\xa9zzzzz", 18);
    assert_string_equal(out, "0123456789a...");
}

/* A fresh temporary directory; the caller removes it. */
static char *
temp_dir(void)
{
    char *dir = strdup("/tmp/ct-test-transport-XXXXXX");

    assert_non_null(mkdtemp(dir));
    return dir;
}

static void
remove_tree(const char *dir)
{
    char *cmd = ct_asprintf("rm -rf '%s'", dir);

    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void
write_file(const char *path, const char *content, unsigned mode)
{
    FILE *f = fopen(path, "w");

    assert_non_null(f);
    fputs(content, f);
    fclose(f);
    chmod(path, mode);
}

static void
test_read_secret(void **state)
{
    char *dir = temp_dir(), *path = ct_asprintf("%s/pw", dir), *secret = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    write_file(path, "hunter2\r\n\n", 0600);
    assert_int_equal(ct_transport_read_secret(path, "[smtp] password_file", &secret, &err), CT_OK);
    assert_string_equal(secret, "hunter2");
    ct_transport_secret_free(secret);
    /* Relative names are looked up in $CREDENTIALS_DIRECTORY. */
    setenv("CREDENTIALS_DIRECTORY", dir, 1);
    assert_int_equal(ct_transport_read_secret("pw", "[smtp] password_file", &secret, &err), CT_OK);
    assert_string_equal(secret, "hunter2");
    ct_transport_secret_free(secret);
    unsetenv("CREDENTIALS_DIRECTORY");
    /* Empty and missing files name the setting. */
    write_file(path, "\n", 0600);
    assert_int_equal(ct_transport_read_secret(path, "[http] token_file", &secret, &err),
                     CT_ECONFIG);
    assert_null(secret);
    assert_non_null(strstr(err.message, "[http] token_file"));
    assert_non_null(strstr(err.message, "empty"));
    assert_int_equal(
        ct_transport_read_secret("/nonexistent/pw", "[http] token_file", &secret, &err),
        CT_ECONFIG);
    assert_non_null(strstr(err.message, "[http] token_file"));
    assert_non_null(strstr(err.message, "/nonexistent/pw"));
    assert_int_equal(ct_transport_read_secret(NULL, "[http] token_file", &secret, &err),
                     CT_ECONFIG);
    free(path);
    remove_tree(dir);
    free(dir);
}

static void
test_spool_send(void **state)
{
    struct ct_config *cfg = ct_config_new_defaults();
    struct ct_transport *t = NULL;
    struct ct_transport_message msg = {0};
    struct ct_error err;
    char *dir = temp_dir(), *path, *data = NULL;
    size_t len = 0;
    int64_t retry_after = -1;

    ct_error_clear(&err);
    free(cfg->spool.dir);
    cfg->spool.dir = ct_asprintf("%s/spool", dir); /* created at open */
    assert_int_equal(ct_transport_open(cfg, &t, &err), CT_OK);
    assert_string_equal(ct_transport_name(t), "spool");
    msg.message_id = "m1/x@coffeetrial.example";
    msg.recipient = "ana@a.example";
    msg.raw = "Subject: one\r\n\r\nbody\r\n";
    msg.raw_len = strlen(msg.raw);
    assert_int_equal(ct_transport_send(t, &msg, &retry_after, &err), CT_OK);
    assert_int_equal(retry_after, 0);
    path = ct_asprintf("%s/m1%%2Fx@coffeetrial.example.eml", cfg->spool.dir);
    assert_int_equal(ct_file_read(path, 1024, &data, &len, &err), CT_OK);
    assert_string_equal(data, msg.raw);
    free(data);
    /* Sent again (after a crash, say): the same file, replaced whole. */
    msg.raw = "Subject: two\r\n\r\nbody\r\n";
    msg.raw_len = strlen(msg.raw);
    assert_int_equal(ct_transport_send(t, &msg, &retry_after, &err), CT_OK);
    assert_int_equal(ct_file_read(path, 1024, &data, &len, &err), CT_OK);
    assert_string_equal(data, msg.raw);
    free(data);
    /* A message id that cannot name a file is refused for good. */
    msg.message_id = "";
    assert_int_equal(ct_transport_send(t, &msg, &retry_after, &err), CT_EPERM);
    ct_transport_close(t);
    /* A spool "directory" that is a file is a config error naming the key. */
    write_file(path, "x", 0600);
    free(cfg->spool.dir);
    cfg->spool.dir = strdup(path);
    assert_int_equal(ct_transport_open(cfg, &t, &err), CT_ECONFIG);
    assert_null(t);
    assert_non_null(strstr(err.message, "[spool] dir"));
    free(path);
    ct_config_free(cfg);
    remove_tree(dir);
    free(dir);
}

static void
expect_open_error(struct ct_config *cfg, const char *words)
{
    struct ct_transport *t = NULL;
    struct ct_error err;

    ct_error_clear(&err);
    assert_int_equal(ct_transport_open(cfg, &t, &err), CT_ECONFIG);
    assert_null(t);
    if (strstr(err.message, words) == NULL)
        fail_msg("'%s' does not mention '%s'", err.message, words);
}

static void
count_done(void *arg, size_t i, const struct ct_transport_result *r)
{
    (void)i;
    (void)r;
    (*(int *)arg)++;
}

/* A spool transport writing to DIR/spool, the O_TMPFILE path off when plain. OUT: *cfg. */
static struct ct_transport *
spool_open_in(const char *dir, bool plain, struct ct_config **cfg)
{
    struct ct_transport *t = NULL;
    struct ct_error err;

    *cfg = ct_config_new_defaults();
    free((*cfg)->spool.dir);
    (*cfg)->spool.dir = ct_asprintf("%s/spool", dir);
    if (plain)
        setenv("COFFEETRIAL_TEST_SPOOL_NO_TMPFILE", "1", 1);
    assert_int_equal(ct_transport_open(*cfg, &t, &err), CT_OK);
    unsetenv("COFFEETRIAL_TEST_SPOOL_NO_TMPFILE");
    return t;
}

/* How many of dir's entries end in suffix (NULL: any entry but . and ..). */
static int
count_entries(const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;

    assert_non_null(d);
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name), sl = suffix ? strlen(suffix) : 0;
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
            continue;
        if (suffix == NULL || (len >= sl && strcmp(e->d_name + len - sl, suffix) == 0))
            n++;
    }
    closedir(d);
    return n;
}

static void
expect_file(const char *dir, const char *name, const char *content)
{
    char *path = ct_asprintf("%s/%s", dir, name), *data = NULL;
    size_t len = 0;
    struct ct_error err;

    assert_int_equal(ct_file_read(path, 1 << 20, &data, &len, &err), CT_OK);
    assert_int_equal(len, strlen(content));
    assert_memory_equal(data, content, len);
    free(data);
    free(path);
}

/*
 * A spool batch: every file written, synced and named before it is
 * reported sent; one that cannot take its name (a directory is in the way)
 * is a temporary failure that leaves no temporary file, the others go; a
 * message sent again replaces its file whole. Through O_TMPFILE, and
 * through temporary names (plain) as where O_TMPFILE is missing.
 */
static void
spool_batch(bool plain)
{
    struct ct_config *cfg;
    char *dir = temp_dir(), *path;
    struct ct_transport *t = spool_open_in(dir, plain, &cfg);
    struct ct_transport_message msgs[3] = {{0}};
    struct ct_transport_result results[3];
    struct ct_transport_batch batch = {0};
    const char *ids[3] = {"b1@x", "b2@x", "b3@x"};
    size_t i;
    int done = 0;

    assert_int_equal(ct_transport_batch_size(t), 256);
    for (i = 0; i < 3; i++) {
        msgs[i].message_id = ids[i];
        msgs[i].recipient = "ana@a.example";
        msgs[i].raw = ids[i];
        msgs[i].raw_len = strlen(ids[i]);
    }
    path = ct_asprintf("%s/b2@x.eml", cfg->spool.dir);
    assert_int_equal(mkdir(path, 0700), 0);
    free(path);
    path = ct_asprintf("%s/b2@x.eml/in-the-way", cfg->spool.dir);
    write_file(path, "x", 0600);
    free(path);
    batch.done = count_done;
    batch.done_arg = &done;
    ct_transport_send_batch(t, msgs, 3, &batch, results);
    assert_int_equal(done, 3);
    assert_int_equal(results[0].status, CT_OK);
    assert_int_equal(results[1].status, CT_ETEMP);
    assert_non_null(strstr(results[1].err.message, "rename"));
    assert_non_null(strstr(results[1].err.message, "b2@x.eml"));
    assert_false(results[1].relay_fault);
    assert_int_equal(results[2].status, CT_OK);
    expect_file(cfg->spool.dir, "b3@x.eml", "b3@x");
    assert_int_equal(count_entries(cfg->spool.dir, NULL), 3);
    /* Sent again, longer then shorter: each time the new bytes, whole. */
    msgs[0].raw = "b1@x, the second time";
    msgs[0].raw_len = strlen(msgs[0].raw);
    ct_transport_send_batch(t, msgs, 1, &batch, results);
    assert_int_equal(results[0].status, CT_OK);
    expect_file(cfg->spool.dir, "b1@x.eml", "b1@x, the second time");
    msgs[0].raw = "b1";
    msgs[0].raw_len = 2;
    ct_transport_send_batch(t, msgs, 1, &batch, results);
    assert_int_equal(results[0].status, CT_OK);
    expect_file(cfg->spool.dir, "b1@x.eml", "b1");
    assert_int_equal(count_entries(cfg->spool.dir, NULL), 3);
    /* Raised stop: nothing tried, nothing written. */
    msgs[0].message_id = "b4@x";
    batch.stop = &(volatile sig_atomic_t){1};
    ct_transport_send_batch(t, msgs, 1, &batch, results);
    assert_int_equal(results[0].status, CT_ESTATE);
    path = ct_asprintf("%s/b4@x.eml", cfg->spool.dir);
    assert_int_not_equal(access(path, F_OK), 0);
    free(path);
    ct_transport_close(t);
    ct_config_free(cfg);
    remove_tree(dir);
    free(dir);
}

static void
test_spool_batch(void **state)
{
    (void)state;
    spool_batch(false);
}

static void
test_spool_batch_plain(void **state)
{
    (void)state;
    spool_batch(true);
}

#ifdef CT_TEST_HOOKS
/*
 * Run a batch of 40 messages in a child that dies (as in a crash) after
 * the step `at` (COFFEETRIAL_TEST_SPOOL_CRASH); the spool dir is left as
 * the crash left it.
 */
static void
spool_crash_at(const char *dir, bool plain, const char *at)
{
    struct ct_transport_message msgs[40] = {{0}};
    struct ct_transport_result results[40];
    char ids[40][16];
    int status = 0, i;
    pid_t pid;

    for (i = 0; i < 40; i++) {
        snprintf(ids[i], sizeof(ids[i]), "c%02d@x", i);
        msgs[i].message_id = ids[i];
        msgs[i].recipient = "ana@a.example";
        msgs[i].raw = "the whole message\r\n";
        msgs[i].raw_len = strlen(msgs[i].raw);
    }
    fflush(NULL);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct ct_config *cfg;
        struct ct_transport *t = spool_open_in(dir, plain, &cfg);
        struct ct_transport_batch batch = {0};

        setenv("COFFEETRIAL_TEST_SPOOL_CRASH", at, 1);
        ct_transport_send_batch(t, msgs, 40, &batch, results);
        _exit(0); /* not reached: the hook ends the process */
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 70);
}

/*
 * Crash safety: a file gets its name only once its bytes are durable, so a
 * crash before the names leaves no .eml at all (through O_TMPFILE nothing
 * at all: the unnamed files go with the process), and a crash after leaves
 * every .eml whole.
 */
static void
spool_crash(bool plain)
{
    char *dir = temp_dir(), *spool = ct_asprintf("%s/spool", dir);
    char name[32];
    int i;

    spool_crash_at(dir, plain, "written");
    assert_int_equal(count_entries(spool, ".eml"), 0);
    assert_int_equal(count_entries(spool, NULL), plain ? 40 : 0);
    /* (Each crashed process leaves its own NAME.eml.tmp.PID files.) */
    spool_crash_at(dir, plain, "synced");
    assert_int_equal(count_entries(spool, ".eml"), 0);
    assert_int_equal(count_entries(spool, NULL), plain ? 80 : 0);
    spool_crash_at(dir, plain, "linked");
    assert_int_equal(count_entries(spool, ".eml"), 40);
    for (i = 0; i < 40; i++) {
        snprintf(name, sizeof(name), "c%02d@x.eml", i);
        expect_file(spool, name, "the whole message\r\n");
    }
    remove_tree(dir);
    free(dir);
    free(spool);
}

static void
test_spool_crash(void **state)
{
    (void)state;
    spool_crash(false);
}

static void
test_spool_crash_plain(void **state)
{
    (void)state;
    spool_crash(true);
}
#endif

static void
test_open_refuses_bad_settings(void **state)
{
    struct ct_config *cfg = ct_config_new_defaults();
    char *dir = temp_dir(), *token = ct_asprintf("%s/token", dir);

    write_file(token, "t0ken\n", 0600);
    cfg->transport.kind = CT_TRANSPORT_SMTP;
    expect_open_error(cfg, "[smtp] url is not set");
    cfg->smtp.url = strdup("http://mail.example.org");
    expect_open_error(cfg, "[smtp] url");
    free(cfg->smtp.url);
    cfg->smtp.url = strdup("smtp://mail.example.org:587");
    cfg->smtp.username = strdup("coffee");
    expect_open_error(cfg, "password_file is not");
    cfg->smtp.password_file = strdup("/nonexistent/smtp.password");
    expect_open_error(cfg, "[smtp] password_file");

    cfg->transport.kind = CT_TRANSPORT_HTTP;
    expect_open_error(cfg, "[http] url is not set");
    cfg->http.url = strdup("http://gateway.example.org/send");
    cfg->http.token_file = strdup(token);
    expect_open_error(cfg, "in the clear");
    free(cfg->http.url);
    cfg->http.url = strdup("ftp://gateway.example.org/send");
    expect_open_error(cfg, "[http] url");
    free(cfg->http.url);
    cfg->http.url = strdup("https://gateway.example.org/send");
    free(cfg->http.token_file);
    cfg->http.token_file = NULL;
    expect_open_error(cfg, "[http] token_file");
    free(token);
    ct_config_free(cfg);
    remove_tree(dir);
    free(dir);
}

/* Nothing listens on port 1: both network transports say "unavailable". */
static void
test_nothing_listening(void **state)
{
    struct ct_config *cfg = ct_config_new_defaults();
    struct ct_transport *t = NULL;
    struct ct_transport_message msg = {0};
    struct ct_error err;
    char *dir = temp_dir(), *token = ct_asprintf("%s/token", dir);
    int64_t retry_after;

    write_file(token, "t0ken\n", 0600);
    ct_error_clear(&err);
    msg.message_id = "m1@coffeetrial.example";
    msg.from = "organiser@coffeetrial.example";
    msg.recipient = "ana@a.example";
    msg.subject = "Coffee";
    msg.text_body = "Hello";
    msg.raw = "Subject: x\r\n\r\nbody\r\n";
    msg.raw_len = strlen(msg.raw);

    cfg->transport.kind = CT_TRANSPORT_SMTP;
    cfg->smtp.url = strdup("smtp://127.0.0.1:1");
    cfg->smtp.timeout = 5;
    assert_int_equal(ct_transport_open(cfg, &t, &err), CT_OK);
    assert_int_equal(ct_transport_send(t, &msg, &retry_after, &err), CT_EUNAVAIL);
    assert_non_null(strstr(err.message, "smtp://127.0.0.1:1"));
    /* An address that could smuggle a command is refused before any I/O. */
    msg.recipient = "ana@a.example>\r\nRCPT TO:<eve@e.example";
    assert_int_equal(ct_transport_send(t, &msg, &retry_after, &err), CT_EPERM);
    msg.recipient = "ana@a.example";
    ct_transport_close(t);

    cfg->transport.kind = CT_TRANSPORT_HTTP;
    cfg->http.url = strdup("http://127.0.0.1:1/send");
    cfg->http.token_file = strdup(token);
    cfg->http.timeout = 5;
    assert_int_equal(ct_transport_open(cfg, &t, &err), CT_OK);
    assert_int_equal(ct_transport_send(t, &msg, &retry_after, &err), CT_EUNAVAIL);
    assert_non_null(strstr(err.message, "127.0.0.1:1"));
    assert_null(strstr(err.message, "t0ken"));
    ct_transport_close(t);
    free(token);
    ct_config_free(cfg);
    remove_tree(dir);
    free(dir);
}

static void
test_find(void **state)
{
    assert_non_null(ct_transport_find("spool"));
    assert_non_null(ct_transport_find("smtp"));
    assert_non_null(ct_transport_find("http"));
    assert_null(ct_transport_find("pigeon"));
    assert_string_equal(ct_transport_kind_name(CT_TRANSPORT_HTTP), "http");
    ct_transport_close(NULL);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retry_after),       cmocka_unit_test(test_http_classify),
        cmocka_unit_test(test_smtp_classify),     cmocka_unit_test(test_loopback),
        cmocka_unit_test(test_address_ok),        cmocka_unit_test(test_spool_name),
        cmocka_unit_test(test_reply_text),        cmocka_unit_test(test_read_secret),
        cmocka_unit_test(test_spool_send),        cmocka_unit_test(test_open_refuses_bad_settings),
        cmocka_unit_test(test_spool_batch),       cmocka_unit_test(test_spool_batch_plain),
        cmocka_unit_test(test_nothing_listening), cmocka_unit_test(test_find),
#ifdef CT_TEST_HOOKS
        cmocka_unit_test(test_spool_crash),       cmocka_unit_test(test_spool_crash_plain),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
