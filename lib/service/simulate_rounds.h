/*
 * simulate_rounds.h: the real rounds module as simulate's round planner
 * (struct ct_simulate_rounds): plan with the pairing engine, then mark the
 * round sent without building any mail.
 */
#ifndef CT_SIMULATE_ROUNDS_H
#define CT_SIMULATE_ROUNDS_H

#include "simulate.h"

/*
 * The planner ct_simulate_run() uses for "coffeetrial simulate": plan is
 * ct_rounds_plan() for the date with the given seed folded below 2^53
 * (origin cli, no send_after, not a dry run), send is ct_rounds_mark_sent(). Holds no
 * state; nothing to free.
 */
struct ct_simulate_rounds ct_simulate_rounds_real(void);

#endif
