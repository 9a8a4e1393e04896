/*
 * net.h: the network layer's process-wide setup. libcurl wants
 * curl_global_init() once, before any thread or transfer exists, and its
 * cleanup once at exit; the programs call these instead of naming curl.
 */
#ifndef CT_NET_H
#define CT_NET_H

#include "ct.h"

/* Initialise the network libraries; CT_EINTERNAL (err says why) if they cannot be. */
enum ct_status ct_net_global_init(struct ct_error *err);

/* Release what ct_net_global_init() set up; call once, at exit, after a successful init. */
void ct_net_global_cleanup(void);

#endif
