/*
 * web_impl.h: what web.c (the server: routes, limits, forms) and
 * web_pages.c (the HTML) share; private to lib/web.
 */
#ifndef CT_WEB_IMPL_H
#define CT_WEB_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "token.h"
#include "util.h"

#define WEB_FORM_MAX 24

/* A parsed application/x-www-form-urlencoded body. */
struct web_form {
    size_t count;
    char *name[WEB_FORM_MAX];
    char *value[WEB_FORM_MAX];
};

/* What a page says: status, title and body HTML (escaped by its writer). */
struct web_page {
    int status;
    char title[128];
    struct ct_buf body;
};

/* The one inline style of every page; its SHA-256 goes into the CSP. */
extern const char web_style[];

/* HTML-escape s into b. */
void web_escape(struct ct_buf *b, const char *s);

/* The whole document for page, in the network's name. Heap; NULL on ENOMEM. */
char *web_document(const char *network, const struct web_page *page, size_t *len);

/* The value of name in form (the first), or NULL. */
const char *web_form_get(const struct web_form *form, const char *name);

#endif
