/*
 * json.c: JSON string escaping into a ct_buf; see json.h.
 */
#include "json.h"

#include <stdio.h>

size_t
ct_json_utf8_len(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t need, i;
    unsigned long cp;

    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        need = 2;
        cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
        need = 3;
        cp = c & 0x0f;
    } else if (c >= 0xf0 && c <= 0xf4) {
        need = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (n < need)
        return 0;
    for (i = 1; i < need; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    /* Overlong encodings, UTF-16 surrogates, beyond Unicode. */
    if ((need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
        return 0;
    return need;
}

bool
ct_json_escape_n(struct ct_buf *b, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0, run;

    ct_buf_putc(b, '"');
    while (i < len) {
        unsigned char c = p[i];
        char esc[8];

        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x7f) {
            /* Copy plain ASCII runs in one go. */
            run = i;
            while (run < len && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
                run++;
            ct_buf_append(b, p + i, run - i);
            i = run;
            continue;
        }
        switch (c) {
        case '"': ct_buf_puts(b, "\\\""); break;
        case '\\': ct_buf_puts(b, "\\\\"); break;
        case '\n': ct_buf_puts(b, "\\n"); break;
        case '\r': ct_buf_puts(b, "\\r"); break;
        case '\t': ct_buf_puts(b, "\\t"); break;
        case '\b': ct_buf_puts(b, "\\b"); break;
        case '\f': ct_buf_puts(b, "\\f"); break;
        default:
            if (c < 0x20 || c == 0x7f) {
                snprintf(esc, sizeof(esc), "\\u%04x", c);
                ct_buf_puts(b, esc);
                break;
            }
            run = ct_json_utf8_len(p + i, len - i);
            if (run == 0) {
                ct_buf_puts(b, "\\ufffd");
                i++;
                continue;
            }
            ct_buf_append(b, p + i, run);
            i += run;
            continue;
        }
        i++;
    }
    return ct_buf_putc(b, '"');
}

bool
ct_json_escape(struct ct_buf *b, const char *s)
{
    size_t len = 0;

    if (s == NULL)
        return ct_buf_puts(b, "null");
    while (s[len])
        len++;
    return ct_json_escape_n(b, s, len);
}
