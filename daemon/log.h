/*
 * log.h: one line per event on stderr, for coffeetriald. Under systemd
 * (JOURNAL_STREAM naming our stderr) each line starts with a syslog
 * priority prefix such as "<4>", which journald turns into the entry's
 * priority; otherwise lines read "coffeetriald: warning: message".
 *
 * Nothing is written until a program calls ct_log_init(), so lib/ modules
 * may log events and stay silent in the CLI. Control characters in the
 * message (from roster data, server replies) are escaped, so one event is
 * always one line. Never pass a secret.
 */
#ifndef CT_LOG_H
#define CT_LOG_H

#include <stdbool.h>

#include "config.h"

/*
 * Start logging as progname (copied). verbose enables debug lines, else
 * info is the level until ct_log_set_level(). Reads JOURNAL_STREAM once to
 * choose the journal or the plain format.
 */
void ct_log_init(const char *progname, bool verbose);

/*
 * Write lines of level and above only ([log] level, at start and after a
 * reload): CT_LOG_WARNING drops info and debug lines, CT_LOG_INFO debug
 * lines. Errors and warnings are always written.
 */
void ct_log_set_level(enum ct_log_level level);

/* True if lines carry journal priority prefixes. */
bool ct_log_journal(void);

/* An error: something did not happen that should have (priority 3). */
void ct_log_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning, with ": strerror(errno)" appended (priority 4). */
void ct_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A warning without errno (priority 4). */
void ct_log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Normal events: started, planned, sent (priority 6). */
void ct_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Details for -v (priority 7). */
void ct_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
