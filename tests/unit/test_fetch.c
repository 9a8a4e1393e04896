/*
 * test_fetch.c: reading roster sources: files, standard input, and http(s)
 * URLs served by tests/servers/http_files.py on 127.0.0.1 (statuses,
 * size caps, timeouts, redirects, gzip, TLS with and without the right CA).
 * The servers die with the test: they stop when their stdin closes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <curl/curl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fetch.h"
#include "roster.h"
#include "util.h"

#define EXAMPLE CT_SRC "/conf/roster.example.csv"

struct server {
    pid_t pid;
    int stdin_fd;  /* closing it stops the server */
    int stdout_fd; /* kept open so the server never writes into a closed pipe */
    int port;
};

struct fixture {
    char dir[64];
    struct server http, https;
    char *example;
    size_t example_len;
};

static bool
cloexec_pipe(int fds[2])
{
    return pipe(fds) == 0 && fcntl(fds[0], F_SETFD, FD_CLOEXEC) == 0 &&
           fcntl(fds[1], F_SETFD, FD_CLOEXEC) == 0;
}

/* Start http_files.py; false if it did not report a port within 60 s. */
static bool
server_start(struct server *s, const char *root, const char *tls_dir)
{
    const char *python = getenv("CT_PYTHON");
    int in[2], out[2], waited = 0;
    char buf[32] = "";
    size_t got = 0;

    if (python == NULL || *python == '\0')
        python = "/usr/bin/python3";
    if (!cloexec_pipe(in) || !cloexec_pipe(out))
        return false;
    s->pid = fork();
    if (s->pid < 0)
        return false;
    if (s->pid == 0) {
        /* dup2 clears O_CLOEXEC on 0 and 1; every other pipe end closes at exec. */
        dup2(in[0], 0);
        dup2(out[1], 1);
        if (tls_dir)
            execl(python, python, CT_SRC "/tests/servers/http_files.py", "--root", root,
                  "--lifetime", "120", "--tls", tls_dir, (char *)NULL);
        else
            execl(python, python, CT_SRC "/tests/servers/http_files.py", "--root", root,
                  "--lifetime", "120", (char *)NULL);
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    s->stdin_fd = in[1];
    s->stdout_fd = out[0];
    /* Read up to the newline: the port may arrive in pieces. */
    while (got < sizeof(buf) - 1 && memchr(buf, '\n', got) == NULL && waited < 60000) {
        struct pollfd pfd = {.fd = out[0], .events = POLLIN};
        ssize_t n;
        int rc = poll(&pfd, 1, 1000);
        if (rc < 0 && errno != EINTR)
            break;
        if (rc <= 0) {
            waited += 1000;
            continue;
        }
        n = read(out[0], buf + got, sizeof(buf) - 1 - got);
        if (n <= 0)
            break;
        got += (size_t)n;
        buf[got] = '\0';
    }
    if (memchr(buf, '\n', got) == NULL)
        return false;
    s->port = atoi(buf);
    return s->port > 0;
}

static void
server_stop(struct server *s)
{
    if (s->pid <= 0)
        return;
    close(s->stdin_fd);
    kill(s->pid, SIGTERM);
    waitpid(s->pid, NULL, 0);
    close(s->stdout_fd);
    s->pid = 0;
}

static int
remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int
setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct ct_error err;
    char *tls;

    if (f == NULL)
        return -1;
    *state = f;
    snprintf(f->dir, sizeof(f->dir), "/tmp/ct-fetch-XXXXXX");
    if (mkdtemp(f->dir) == NULL)
        return -1;
    if (ct_file_read(EXAMPLE, 1 << 20, &f->example, &f->example_len, &err) != CT_OK)
        return -1;
    if (!server_start(&f->http, CT_SRC "/conf", NULL))
        return -1;
    tls = ct_asprintf("%s/tls", f->dir);
    if (tls == NULL || mkdir(tls, 0700) != 0 || !server_start(&f->https, CT_SRC "/conf", tls)) {
        free(tls);
        return -1;
    }
    free(tls);
    return 0;
}

static int
teardown(void **state)
{
    struct fixture *f = *state;

    if (f == NULL)
        return 0;
    server_stop(&f->http);
    server_stop(&f->https);
    if (f->dir[0])
        nftw(f->dir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
    free(f->example);
    free(f);
    return 0;
}

/* Fetch http(s)://127.0.0.1:PORT/PATH; OUT: the body (or NULL) and the error. */
static enum ct_status
fetch(const struct server *s, bool tls, const char *path, size_t max, long timeout, const char *ca,
      char **body, size_t *len, struct ct_error *err)
{
    char url[512];

    snprintf(url, sizeof(url), "%s://127.0.0.1:%d%s", tls ? "https" : "http", s->port, path);
    ct_error_clear(err);
    return ct_fetch_source(url, max, timeout, ca, body, len, err);
}

/* Expect a failure with this status and exactly this message after "URL: ". */
static void
expect_failure(struct fixture *f, const char *path, size_t max, long timeout, enum ct_status status,
               const char *message)
{
    struct ct_error err;
    char *body = (char *)"sentinel", expected[1024];
    size_t len = 99;

    assert_int_equal(fetch(&f->http, false, path, max, timeout, NULL, &body, &len, &err), status);
    assert_int_equal(err.status, status);
    assert_null(body);
    assert_int_equal(len, 0);
    snprintf(expected, sizeof(expected), "http://127.0.0.1:%d%s: %s", f->http.port, path, message);
    assert_string_equal(err.message, expected);
}

static void
test_http_ok(void **state)
{
    struct fixture *f = *state;
    struct ct_roster *roster;
    struct ct_diags diags;
    struct ct_error err;
    char *body;
    size_t len;

    assert_int_equal(
        fetch(&f->http, false, "/file/roster.example.csv", 1 << 20, 10, NULL, &body, &len, &err),
        CT_OK);
    assert_int_equal(len, f->example_len);
    assert_memory_equal(body, f->example, len);
    assert_int_equal(body[len], '\0');
    ct_diags_init(&diags);
    assert_int_equal(ct_roster_parse("url", body, len, &roster, &diags), CT_OK);
    assert_int_equal(roster->count, 52);
    ct_roster_free(roster);
    ct_diags_free(&diags);
    free(body);

    /* gzip is decoded; redirects are followed. */
    assert_int_equal(
        fetch(&f->http, false, "/gzip/roster.example.csv", 1 << 20, 10, NULL, &body, &len, &err),
        CT_OK);
    assert_int_equal(len, f->example_len);
    assert_memory_equal(body, f->example, len);
    free(body);
    assert_int_equal(fetch(&f->http, false, "/redirect?to=/file/roster.example.csv", 1 << 20, 10,
                           NULL, &body, &len, &err),
                     CT_OK);
    assert_int_equal(len, f->example_len);
    free(body);
}

static void
test_http_status(void **state)
{
    struct fixture *f = *state;

    expect_failure(f, "/file/nope.csv", 1 << 20, 10, CT_ENOINPUT, "HTTP 404 Not Found");
    expect_failure(f, "/status/410", 1 << 20, 10, CT_ENOINPUT, "HTTP 410 Gone");
    expect_failure(f, "/status/500", 1 << 20, 10, CT_ETEMP, "HTTP 500 Internal Server Error");
    expect_failure(f, "/status/503", 1 << 20, 10, CT_ETEMP, "HTTP 503 Service Unavailable");
    expect_failure(f, "/status/429", 1 << 20, 10, CT_ETEMP, "HTTP 429 Too Many Requests");
    expect_failure(f, "/status/403", 1 << 20, 10, CT_EPERM, "HTTP 403 Forbidden");
    expect_failure(f, "/auth/roster.example.csv", 1 << 20, 10, CT_EPERM, "HTTP 401 Unauthorized");
}

static void
test_http_empty(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    char *body;
    size_t len = 99;

    /* An empty body is fetched fine; the roster parser then says it is empty. */
    assert_int_equal(fetch(&f->http, false, "/status/204", 1 << 20, 10, NULL, &body, &len, &err),
                     CT_OK);
    assert_int_equal(len, 0);
    assert_string_equal(body, "");
    free(body);
}

static void
test_http_credentials(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    char url[256], *body, *shown;
    size_t len;

    snprintf(url, sizeof(url), "http://user:secret@127.0.0.1:%d/auth/roster.example.csv",
             f->http.port);
    assert_int_equal(ct_fetch_source(url, 1 << 20, 10, NULL, &body, &len, &err), CT_OK);
    assert_int_equal(len, f->example_len);
    free(body);

    /* A refused password never shows up in the message. */
    snprintf(url, sizeof(url), "http://user:hunter2@127.0.0.1:%d/auth/roster.example.csv",
             f->http.port);
    assert_int_equal(ct_fetch_source(url, 1 << 20, 10, NULL, &body, &len, &err), CT_EPERM);
    assert_null(strstr(err.message, "hunter2"));
    assert_null(strstr(err.message, "user"));
    assert_non_null(strstr(err.message, "HTTP 401"));

    shown = ct_fetch_display_name("https://me:pw@host.example.org:8443/r.csv?x=1");
    assert_string_equal(shown, "https://host.example.org:8443/r.csv?x=1");
    free(shown);
    shown = ct_fetch_display_name("https://a@b@host.example.org/r.csv");
    assert_string_equal(shown, "https://host.example.org/r.csv");
    free(shown);
    shown = ct_fetch_display_name("https://host.example.org/a@b.csv");
    assert_string_equal(shown, "https://host.example.org/a@b.csv");
    free(shown);
    shown = ct_fetch_display_name("/srv/roster@2.csv");
    assert_string_equal(shown, "/srv/roster@2.csv");
    free(shown);
}

static void
test_http_size_cap(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    char *body;
    size_t len;

    /* Streamed without Content-Length: cut off while receiving. */
    expect_failure(f, "/big?bytes=2000000", 1000000, 10, CT_EDATA, "larger than 1000000 bytes");
    /* Exactly the cap is fine. */
    assert_int_equal(
        fetch(&f->http, false, "/big?bytes=1000000", 1000000, 10, NULL, &body, &len, &err), CT_OK);
    assert_int_equal(len, 1000000);
    free(body);
    /* Announced too large: refused before the body. */
    expect_failure(f, "/declared?bytes=1000000000", 1000000, 10, CT_EDATA,
                   "larger than 1000000 bytes");
    /* The cap applies to the decoded body, not the compressed one. */
    expect_failure(f, "/gzip/roster.example.csv", 1000, 10, CT_EDATA, "larger than 1000 bytes");
}

static void
test_http_timeouts(void **state)
{
    struct fixture *f = *state;

    expect_failure(f, "/slow?seconds=30", 1 << 20, 1, CT_ETEMP, "timed out after 1 s");
    expect_failure(f, "/stall?seconds=30", 1 << 20, 1, CT_ETEMP, "timed out after 1 s");
}

static void
test_http_redirects(void **state)
{
    struct fixture *f = *state;

    expect_failure(f, "/loop", 1 << 20, 10, CT_EUNAVAIL, "more than 5 redirects");
    expect_failure(f, "/redirect?to=ftp://127.0.0.1/roster.csv", 1 << 20, 10, CT_EUNAVAIL,
                   "redirected to a protocol other than http(s)");
    expect_failure(f, "/redirect?to=/file/nope.csv", 1 << 20, 10, CT_ENOINPUT,
                   "HTTP 404 Not Found");
}

static void
test_connect_refused(void **state)
{
    struct sockaddr_in addr;
    socklen_t alen = sizeof(addr);
    struct ct_error err;
    char url[128], *body;
    size_t len;
    int fd;

    /* A port that was free a moment ago and has no listener now. */
    fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&addr, &alen), 0);
    close(fd);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/roster.csv", ntohs(addr.sin_port));
    assert_int_equal(ct_fetch_source(url, 1 << 20, 5, NULL, &body, &len, &err), CT_EUNAVAIL);
    assert_non_null(strstr(err.message, url));
    assert_non_null(strstr(err.message, ": cannot connect: "));
}

static void
test_https(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    char ca[128], *body, url[256];
    size_t len;

    snprintf(ca, sizeof(ca), "%s/tls/cert.pem", f->dir);
    /* The self-signed certificate is refused unless it is the configured CA. */
    assert_int_equal(
        fetch(&f->https, true, "/file/roster.example.csv", 1 << 20, 10, NULL, &body, &len, &err),
        CT_EUNAVAIL);
    assert_non_null(strstr(err.message, ": TLS: "));
    assert_int_equal(
        fetch(&f->https, true, "/file/roster.example.csv", 1 << 20, 10, ca, &body, &len, &err),
        CT_OK);
    assert_int_equal(len, f->example_len);
    assert_memory_equal(body, f->example, len);
    free(body);

    /* A missing CA file is a TLS problem too, named as such. */
    assert_int_equal(fetch(&f->https, true, "/file/roster.example.csv", 1 << 20, 10,
                           "/nonexistent/ca.pem", &body, &len, &err),
                     CT_EUNAVAIL);
    assert_non_null(strstr(err.message, ": TLS: "));

    /* https never follows a redirect down to plain http. */
    snprintf(url, sizeof(url), "/redirect?to=http://127.0.0.1:%d/file/roster.example.csv",
             f->http.port);
    assert_int_equal(fetch(&f->https, true, url, 1 << 20, 10, ca, &body, &len, &err), CT_EUNAVAIL);
    assert_non_null(strstr(err.message, "redirected to a protocol other than https"));
    /* But http may go up to https. */
    snprintf(url, sizeof(url), "/redirect?to=https://127.0.0.1:%d/file/roster.example.csv",
             f->https.port);
    assert_int_equal(fetch(&f->http, false, url, 1 << 20, 10, ca, &body, &len, &err), CT_OK);
    assert_int_equal(len, f->example_len);
    free(body);
}

static void
test_files(void **state)
{
    struct fixture *f = *state;
    struct ct_error err;
    char *body, path[128];
    size_t len;
    FILE *saved;

    assert_int_equal(ct_fetch_source(EXAMPLE, 1 << 20, 10, NULL, &body, &len, &err), CT_OK);
    assert_int_equal(len, f->example_len);
    free(body);
    assert_int_equal(ct_fetch_source("file://" EXAMPLE, 1 << 20, 10, NULL, &body, &len, &err),
                     CT_OK);
    assert_int_equal(len, f->example_len);
    free(body);

    assert_int_equal(ct_fetch_source(EXAMPLE, 100, 10, NULL, &body, &len, &err), CT_EDATA);
    assert_string_equal(err.message, EXAMPLE ": larger than 100 bytes");
    snprintf(path, sizeof(path), "%s/missing.csv", f->dir);
    assert_int_equal(ct_fetch_source(path, 1 << 20, 10, NULL, &body, &len, &err), CT_ENOINPUT);
    assert_non_null(strstr(err.message, path));
    assert_null(body);

    assert_int_equal(
        ct_fetch_source("ftp://host.example.org/r.csv", 1 << 20, 10, NULL, &body, &len, &err),
        CT_EUSAGE);
    assert_string_equal(err.message, "ftp: unsupported URL scheme; use a file or an http(s) URL");
    assert_int_equal(ct_fetch_source("file://relative.csv", 1 << 20, 10, NULL, &body, &len, &err),
                     CT_EUSAGE);
    assert_int_equal(ct_fetch_source("", 1 << 20, 10, NULL, &body, &len, &err), CT_EUSAGE);
    assert_int_equal(ct_fetch_source("http://", 1 << 20, 10, NULL, &body, &len, &err), CT_EUSAGE);
    assert_string_equal(err.message, "http://: malformed URL");

    /* "-" is standard input. */
    saved = stdin;
    assert_non_null(stdin = fopen(EXAMPLE, "rb"));
    assert_int_equal(ct_fetch_source("-", 1 << 20, 10, NULL, &body, &len, &err), CT_OK);
    assert_int_equal(len, f->example_len);
    free(body);
    rewind(stdin);
    assert_int_equal(ct_fetch_source("-", 100, 10, NULL, &body, &len, &err), CT_EDATA);
    assert_string_equal(err.message, "standard input: larger than 100 bytes");
    fclose(stdin);
    stdin = saved;
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_http_ok),        cmocka_unit_test(test_http_status),
        cmocka_unit_test(test_http_empty),     cmocka_unit_test(test_http_credentials),
        cmocka_unit_test(test_http_size_cap),  cmocka_unit_test(test_http_timeouts),
        cmocka_unit_test(test_http_redirects), cmocka_unit_test(test_connect_refused),
        cmocka_unit_test(test_https),          cmocka_unit_test(test_files),
    };

    curl_global_init(CURL_GLOBAL_DEFAULT);
    int rc = cmocka_run_group_tests(tests, setup, teardown);
    curl_global_cleanup();
    return rc;
}
