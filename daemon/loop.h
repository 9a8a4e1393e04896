/*
 * loop.h: coffeetriald's event loop (loop.c): signals, the jobs' timers,
 * reloading the configuration on SIGHUP, and reading the configuration
 * in the first place, which main (coffeetriald.c) shares with reload.
 */
#ifndef CT_LOOP_H
#define CT_LOOP_H

#include "config.h"
#include "ct.h"
#include "daemon.h"

/*
 * Load the configuration as coffeetrial does: the file ct_config_locate()
 * names (-c, $COFFEETRIAL_CONFIG, the default path), else the built-in
 * defaults. The secret and CA files it names must be readable. Every
 * problem is logged as FILE:LINE: message. OUT: *cfg, and *path (heap;
 * NULL when running on the defaults).
 */
enum ct_status ct_daemon_load_config(const char *option, struct ct_config **cfg, char **path);

/*
 * Log a configuration error found after reading (a schedule the INI reader
 * accepted but libical refuses, say) as "FILE:LINE: message", the line
 * being that of the "[section] key" the message starts with.
 */
void ct_daemon_log_config_error(const struct ct_config *cfg, const char *path, const char *message);

/*
 * Run the loop until SIGTERM/SIGINT (or, with d->once, until nothing is
 * due). Returns the exit code.
 */
int ct_daemon_loop(struct ct_daemon *d);

#endif
