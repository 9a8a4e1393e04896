/*
 * notify.h: the systemd service notification protocol without libsystemd:
 * datagrams such as "READY=1" or "STATUS=..." to the AF_UNIX socket named
 * by $NOTIFY_SOCKET, and the watchdog interval from $WATCHDOG_USEC.
 * Without NOTIFY_SOCKET every call is a no-op, so the daemon runs the same
 * under systemd, in a terminal and in tests.
 */
#ifndef CT_NOTIFY_H
#define CT_NOTIFY_H

#include <stdbool.h>
#include <stdint.h>

/*
 * Read NOTIFY_SOCKET, WATCHDOG_USEC and WATCHDOG_PID. Returns false (after
 * logging why) if NOTIFY_SOCKET is set but unusable; notifications are
 * then off and the daemon carries on.
 */
bool ct_notify_init(void);

/* Send one datagram of NEWLINE-separated assignments ("READY=1\nSTATUS=x"). */
void ct_notify(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The watchdog interval in microseconds, 0 if systemd set none for us. */
uint64_t ct_notify_watchdog_usec(void);

/* Send WATCHDOG=1 if the watchdog is on and at least half its interval has passed. */
void ct_notify_watchdog_kick(void);

/* Milliseconds until the next WATCHDOG=1 is due (-1: watchdog off). */
int64_t ct_notify_watchdog_due_ms(void);

/* Close the socket. */
void ct_notify_close(void);

#endif
