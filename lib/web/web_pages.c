/*
 * web_pages.c: the HTML frame of every members' page: self-contained (one
 * inline style, no scripts, no external assets), readable from 390 px to
 * 1200 px, with labels, visible focus and AA contrast.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "web_impl.h"

/* Colours: text #1d1d1b on #f6f4ef (15.9:1), button #fff on #6b3f1d (9.6:1). */
const char web_style[] =
    "body{margin:0;background:#f6f4ef;color:#1d1d1b;font:17px/1.5 system-ui,-apple-system,"
    "'Segoe UI',Roboto,sans-serif}"
    "main{max-width:36rem;margin:0 auto;padding:1.5rem 1.25rem 3rem}"
    ".net{margin:0 0 .5rem;color:#5a4632;font-weight:600;letter-spacing:.02em}"
    "h1{font-size:1.6rem;line-height:1.25;margin:.25rem 0 1rem}"
    "button{font:inherit;font-weight:600;padding:.8rem 1.4rem;margin:1rem 0;border:0;"
    "border-radius:.45rem;background:#6b3f1d;color:#fff;cursor:pointer;min-height:44px}"
    "button:hover{background:#4f2e14}"
    "a{color:#1a4f8b}"
    "a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,"
    "textarea:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}"
    "fieldset{border:1px solid #b9b1a3;border-radius:.45rem;margin:1rem 0;padding:.5rem 1rem 1rem}"
    "legend{font-weight:600;padding:0 .25rem}"
    "label{display:block;margin:.75rem 0 .25rem;font-weight:600}"
    "label.opt{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.4rem 0}"
    ".days label.opt,.rating label.opt{display:inline-flex;margin-right:1rem}"
    "input[type=text],input[type=date],select,textarea{font:inherit;width:100%;"
    "box-sizing:border-box;padding:.55rem;border:1px solid #6f6a60;border-radius:.35rem;"
    "background:#fff;color:#1d1d1b}"
    "input[type=radio],input[type=checkbox]{width:1.2rem;height:1.2rem;accent-color:#6b3f1d}"
    ".hint{color:#4d4a44;font-size:.92rem;margin:.25rem 0}"
    ".err{border-left:4px solid #a51d2d;padding-left:.75rem}"
    "dl{margin:1rem 0}dt{font-weight:600}dd{margin:0 0 .5rem}";

void
web_escape(struct ct_buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&': ct_buf_puts(b, "&amp;"); break;
        case '<': ct_buf_puts(b, "&lt;"); break;
        case '>': ct_buf_puts(b, "&gt;"); break;
        case '"': ct_buf_puts(b, "&quot;"); break;
        case '\'': ct_buf_puts(b, "&#39;"); break;
        default: ct_buf_putc(b, *s);
        }
    }
}

char *
web_document(const char *network, const struct web_page *page, size_t *len)
{
    struct ct_buf b;

    ct_buf_init(&b);
    ct_buf_puts(&b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>");
    web_escape(&b, page->title);
    ct_buf_puts(&b, " \xe2\x80\x94 ");
    web_escape(&b, network);
    ct_buf_printf(&b, "</title>\n<style>%s</style>\n</head>\n<body>\n<main>\n<p class=\"net\">",
                  web_style);
    web_escape(&b, network);
    ct_buf_puts(&b, "</p>\n<h1>");
    web_escape(&b, page->title);
    ct_buf_puts(&b, "</h1>\n");
    if (page->body.data)
        ct_buf_puts(&b, page->body.data);
    ct_buf_puts(&b, "</main>\n</body>\n</html>\n");
    if (b.failed) {
        ct_buf_free(&b);
        return NULL;
    }
    *len = b.len;
    return ct_buf_steal(&b);
}

const char *
web_form_get(const struct web_form *form, const char *name)
{
    size_t i;

    for (i = 0; form && i < form->count; i++)
        if (strcmp(form->name[i], name) == 0)
            return form->value[i];
    return NULL;
}
