/*
 * clock.h: the one source of "now" for lib/ and the programs, so tests can
 * set the time without sleeping. In builds configured with CT_TEST_HOOKS the
 * environment variable COFFEETRIAL_TEST_NOW (Unix seconds, or an ISO 8601
 * UTC time YYYY-MM-DDTHH:MM:SSZ) fixes the start time, and the clock then
 * advances with real time from there. Release builds ignore it.
 */
#ifndef CT_CLOCK_H
#define CT_CLOCK_H

#include <stdint.h>

/* Current time, Unix seconds UTC. */
int64_t ct_now(void);

/* Tests in-process: fix the clock to t (0 restores the real clock). */
void ct_clock_set(int64_t t);

#endif
