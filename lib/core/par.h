/*
 * par.h: the second core for work that splits into two halves touching
 * disjoint state; the results never depend on which half runs first, so
 * plans stay reproducible.
 */
#ifndef CT_PAR_H
#define CT_PAR_H

/*
 * Run fn(arg, 1) on a second thread and fn(arg, 0) on this one, and return
 * when both are done. When no thread can be started, both halves run here,
 * one after the other. fn must not touch state the other half writes.
 */
void ct_par_run2(void (*fn)(void *arg, unsigned half), void *arg);

#endif
