/*
 * web_routes.h: what each members' page says and does (web_routes.c) and
 * the metrics text (web_metrics.c), apart from HTTP; private to lib/web.
 */
#ifndef CT_WEB_ROUTES_H
#define CT_WEB_ROUTES_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "token.h"
#include "web_impl.h"

struct web_ctx {
    const struct ct_config *cfg; /* own_cfg */
    struct ct_config *own_cfg;
    unsigned char key[CT_WEB_KEY_BYTES];
    bool have_key;
};

/*
 * The page for action with token text: form is NULL for a GET (which never
 * changes anything), the posted form for a POST (which acts). Fills page
 * (status, title, body); refusals are plain 4xx pages that change nothing.
 * answer is the link's ?answer= (may be NULL), preselected on a check-in page.
 */
void web_route(const struct web_ctx *ctx, enum ct_action action, const char *token,
               const struct web_form *form, const char *answer, int64_t now, struct web_page *page);

/* The Prometheus text (OUT: *text, heap, *len); returns the HTTP status. */
int web_metrics(const struct web_ctx *ctx, int64_t now, char **text, size_t *len);

void web_form_free(struct web_form *form);

#endif
