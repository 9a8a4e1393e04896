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

/*
 * Use proxy, the value of [transport] proxy ("none", "env" or a proxy URL
 * the config reader checked), for every transfer started from now on: the
 * roster fetch, smtp, http and imap. Until it is called, "none". Whatever
 * the setting, localhost, 127.0.0.1 and ::1 are reached directly. Returns
 * CT_ENOMEM (err says so) and keeps the previous setting if it cannot copy.
 */
enum ct_status ct_net_set_proxy(const char *proxy, struct ct_error *err);

/* The setting in use, as ct_net_set_proxy() was given it ("none" at first). */
const char *ct_net_proxy(void);

#endif
