/*
 * web.h: the members' pages and /metrics over HTTP (libmicrohttpd, on its
 * own thread, so a slow or flooding client never holds up planning or
 * delivery). The only code that includes <microhttpd.h>; docs/members.md
 * and docs/operations.md describe what it serves.
 */
#ifndef CT_WEB_H
#define CT_WEB_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"

struct ct_web;

/* What the program gives the listener: its clock and its log. */
struct ct_web_hooks {
    int64_t (*now)(void); /* Unix seconds (the program's ct_now) */
    /* One line per request: the route word and the status, never a token. */
    void (*log)(void *arg, const char *line);
    void *arg;
};

/* Whether cfg asks for the listener at all ([web] public_url or metrics). */
bool ct_web_wanted(const struct ct_config *cfg);

/*
 * Start serving on listen_fd (a socket systemd passed, already listening)
 * or, when it is -1, on [web] listen. The listener keeps its own copy of
 * the configuration (read again from cfg->path) and opens the database
 * afresh for each request. The link key is read here: a missing or bad
 * key is CT_ECONFIG/CT_ENOINPUT/CT_EDATA naming [web] secret_file.
 * OUT: *out, stopped with ct_web_stop().
 */
enum ct_status ct_web_start(const struct ct_config *cfg, int listen_fd,
                            const struct ct_web_hooks *hooks, struct ct_web **out,
                            struct ct_error *err);

/* Stop serving (waits for requests under way) and free; NULL is fine. */
void ct_web_stop(struct ct_web *web);

#endif
