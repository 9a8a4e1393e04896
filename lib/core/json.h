/*
 * json.h: the small JSON writing helpers lib/ and the programs share:
 * string literals with proper escaping, appended to a struct ct_buf.
 * There is no JSON parser here; coffeetrial only writes JSON.
 */
#ifndef CT_JSON_H
#define CT_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "util.h"

/*
 * Append s (len bytes, may contain NUL) to b as a JSON string literal, with
 * the quotes. '"' and '\' are escaped, control characters become \n, \t,
 * ... or \u00XX, and bytes that are not valid UTF-8 become U+FFFD, so the
 * result is always valid JSON. Returns false if an allocation failed
 * (b->failed is then set too).
 */
bool ct_json_escape_n(struct ct_buf *b, const char *s, size_t len);

/* The same for a NUL-terminated string; NULL is written as JSON null. */
bool ct_json_escape(struct ct_buf *b, const char *s);

/*
 * Length of the valid UTF-8 sequence at s (at most n bytes), or 0 if the
 * bytes there are not one (overlong forms, surrogates and values above
 * U+10FFFF are refused).
 */
size_t ct_json_utf8_len(const unsigned char *s, size_t n);

#endif
