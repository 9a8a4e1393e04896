/*
 * notify.c: sd_notify(3)'s protocol in a page, as the systemd docs
 * describe it for programs that do not link libsystemd; see notify.h.
 * The watchdog runs on CLOCK_MONOTONIC, not ct_now(): it is about the
 * process being alive in real time, which a test's fake "now" must not
 * change.
 */
#include "notify.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "jobs.h"
#include "log.h"

static struct {
    int fd;
    struct sockaddr_un addr;
    socklen_t addrlen;
    uint64_t watchdog_usec;
    int64_t last_kick_us; /* CLOCK_MONOTONIC */
} notify = {.fd = -1};

static int64_t
monotonic_us(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t
env_u64(const char *name)
{
    const char *s = getenv(name);
    unsigned long long v;
    char *end;

    if (s == NULL || *s < '0' || *s > '9')
        return 0;
    errno = 0;
    v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0')
        return 0;
    return (uint64_t)v;
}

bool
ct_notify_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    size_t len;
    uint64_t pid;

    ct_notify_close();
    notify.watchdog_usec = env_u64("WATCHDOG_USEC");
    pid = env_u64("WATCHDOG_PID");
    if (pid != 0 && pid != (uint64_t)getpid())
        notify.watchdog_usec = 0; /* meant for another process */
    notify.last_kick_us = monotonic_us();
    if (path == NULL || *path == '\0')
        return true;
    len = strlen(path);
    if ((path[0] != '/' && path[0] != '@') || len >= sizeof(notify.addr.sun_path)) {
        ct_log_warnx("NOTIFY_SOCKET '%s' is not a socket path this daemon can use; not "
                     "notifying systemd",
                     path);
        return false;
    }
    memset(&notify.addr, 0, sizeof(notify.addr));
    notify.addr.sun_family = AF_UNIX;
    memcpy(notify.addr.sun_path, path, len);
    if (path[0] == '@') {
        /* Abstract namespace: a leading NUL, and the length counts exactly the name. */
        notify.addr.sun_path[0] = '\0';
        notify.addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len);
    } else {
        notify.addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
    }
    notify.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (notify.fd < 0) {
        ct_log_warn("notify socket");
        return false;
    }
    return true;
}

void
ct_notify(const char *fmt, ...)
{
    char msg[CT_DAEMON_STATUS_MAX + 256]; /* a whole STATUS= and what goes with it */
    va_list ap;
    int n;

    if (notify.fd < 0)
        return;
    va_start(ap, fmt);
    n = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof(msg))
        n = (int)sizeof(msg) - 1;
    if (sendto(notify.fd, msg, (size_t)n, MSG_NOSIGNAL, (struct sockaddr *)&notify.addr,
               notify.addrlen) < 0)
        ct_log_debug("notify %.20s...: %s", msg, strerror(errno));
}

uint64_t
ct_notify_watchdog_usec(void)
{
    return notify.watchdog_usec;
}

void
ct_notify_watchdog_kick(void)
{
    int64_t now;

    if (notify.watchdog_usec == 0)
        return;
    now = monotonic_us();
    if (now - notify.last_kick_us < (int64_t)(notify.watchdog_usec / 2))
        return;
    ct_notify("WATCHDOG=1");
    notify.last_kick_us = now;
}

int64_t
ct_notify_watchdog_due_ms(void)
{
    int64_t due;

    if (notify.watchdog_usec == 0)
        return -1;
    due = notify.last_kick_us + (int64_t)(notify.watchdog_usec / 2) - monotonic_us();
    return due <= 0 ? 0 : (due + 999) / 1000;
}

void
ct_notify_close(void)
{
    if (notify.fd >= 0)
        close(notify.fd);
    notify.fd = -1;
}
