/*
 * clock.h: the one source of "now" for lib/ and the programs, so tests can
 * set the time without sleeping. In builds configured with CT_TEST_HOOKS:
 *
 *   COFFEETRIAL_TEST_NOW (Unix seconds, or an ISO 8601 UTC time
 *   YYYY-MM-DDTHH:MM:SSZ) fixes the start time; the clock then advances
 *   from there.
 *
 *   COFFEETRIAL_TEST_CLOCK_RATE (a number from 1 to 1000000) makes the
 *   clock advance that many seconds for each real second, so a soak test
 *   sees days pass in seconds. Every wait the daemon computes from ct_now()
 *   shrinks with it through ct_clock_real_ms().
 *
 * Release builds ignore both.
 */
#ifndef CT_CLOCK_H
#define CT_CLOCK_H

#include <stdint.h>

/* Current time, Unix seconds UTC. */
int64_t ct_now(void);

/* Real milliseconds that pass while ct_now() advances by seconds (>= 0). */
int64_t ct_clock_real_ms(int64_t seconds);

/* Tests in-process: fix the clock to t (0 restores the real clock). */
void ct_clock_set(int64_t t);

#endif
