/*
 * rounds_explain.c: a group's explanation (its score by rule and the
 * reasons in words), kept as a small JSON object in groups.explain, written
 * at plan time and read back by `round show --explain` and when a round is
 * sent. The reader knows only this shape; anything else is skipped or, if
 * it is not JSON, refused.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "rounds_snapshot.h"
#include "weights.h"

/* The names and labels are the pairing weights' (weights.h). */
const char *
ct_rounds_term_name(size_t i)
{
    return i < CT_ROUND_TERMS ? ct_weights[i].name : NULL;
}

const char *
ct_rounds_term_label(size_t i)
{
    return i < CT_ROUND_TERMS ? ct_weights[i].label : NULL;
}

/*
 * v as "%.17g" writes it. Most terms are whole or half points (a boundary
 * crossed, a first meeting): those are spelled here, digit by digit, the
 * same as printf would, which is most of the time of writing a large
 * round's explanations; any other value goes to printf.
 */
static void
put_number(struct ct_buf *b, double v)
{
    char digits[24];
    double whole = trunc(v), a = fabs(v);
    uint64_t n;
    size_t k = sizeof(digits);

    if (!(a < 1e15) || (v != whole && v - whole != 0.5 && v - whole != -0.5)) {
        ct_buf_printf(b, "%.17g", v);
        return;
    }
    n = (uint64_t)fabs(whole);
    do {
        digits[--k] = (char)('0' + n % 10);
        n /= 10;
    } while (n > 0);
    if (signbit(v))
        digits[--k] = '-';
    ct_buf_append(b, digits + k, sizeof(digits) - k);
    if (v != whole)
        ct_buf_puts(b, ".5");
}

void
rounds_explain_write(struct ct_buf *b, double score, const double *terms, char *const *reasons,
                     size_t reason_count)
{
    size_t i;

    ct_buf_puts(b, "{\"score\":");
    put_number(b, isfinite(score) ? score : 0.0);
    ct_buf_puts(b, ",\"terms\":{");
    for (i = 0; i < CT_ROUND_TERMS; i++) {
        ct_buf_puts(b, i ? ",\"" : "\"");
        ct_buf_puts(b, ct_rounds_term_name(i));
        ct_buf_puts(b, "\":");
        put_number(b, isfinite(terms[i]) ? terms[i] : 0.0);
    }
    ct_buf_puts(b, "},\"reasons\":[");
    for (i = 0; i < reason_count; i++) {
        if (i)
            ct_buf_putc(b, ',');
        ct_json_escape(b, reasons[i]);
    }
    ct_buf_puts(b, "]}");
}

/* --- a reader for that shape ------------------------------------------------ */

struct reader {
    const char *p;
    bool bad;
    bool nomem;
};

static void
skip_space(struct reader *r)
{
    while (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')
        r->p++;
}

static bool
expect_char(struct reader *r, char c)
{
    skip_space(r);
    if (*r->p != c) {
        r->bad = true;
        return false;
    }
    r->p++;
    return true;
}

static int
hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static bool
read_hex4(struct reader *r, unsigned *v)
{
    int i, h;

    *v = 0;
    for (i = 0; i < 4; i++) {
        if ((h = hex_value(r->p[i])) < 0)
            return false;
        *v = *v * 16 + (unsigned)h;
    }
    r->p += 4;
    return true;
}

static void
put_utf8(struct ct_buf *b, unsigned cp)
{
    if (cp < 0x80) {
        ct_buf_putc(b, (char)cp);
    } else if (cp < 0x800) {
        ct_buf_putc(b, (char)(0xc0 | (cp >> 6)));
        ct_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else if (cp < 0x10000) {
        ct_buf_putc(b, (char)(0xe0 | (cp >> 12)));
        ct_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        ct_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    } else {
        ct_buf_putc(b, (char)(0xf0 | (cp >> 18)));
        ct_buf_putc(b, (char)(0x80 | ((cp >> 12) & 0x3f)));
        ct_buf_putc(b, (char)(0x80 | ((cp >> 6) & 0x3f)));
        ct_buf_putc(b, (char)(0x80 | (cp & 0x3f)));
    }
}

/* A string literal; returns it on the heap (NULL if bad or out of memory). */
static char *
read_string(struct reader *r)
{
    struct ct_buf b;
    unsigned cp, lo;

    if (!expect_char(r, '"'))
        return NULL;
    ct_buf_init(&b);
    ct_buf_puts(&b, "");
    while (*r->p != '"') {
        char c = *r->p;

        if (c == '\0' || (unsigned char)c < 0x20)
            goto bad;
        r->p++;
        if (c != '\\') {
            ct_buf_putc(&b, c);
            continue;
        }
        c = *r->p++;
        switch (c) {
        case '"': ct_buf_putc(&b, '"'); break;
        case '\\': ct_buf_putc(&b, '\\'); break;
        case '/': ct_buf_putc(&b, '/'); break;
        case 'b': ct_buf_putc(&b, '\b'); break;
        case 'f': ct_buf_putc(&b, '\f'); break;
        case 'n': ct_buf_putc(&b, '\n'); break;
        case 'r': ct_buf_putc(&b, '\r'); break;
        case 't': ct_buf_putc(&b, '\t'); break;
        case 'u':
            if (!read_hex4(r, &cp))
                goto bad;
            if (cp >= 0xd800 && cp < 0xdc00 && r->p[0] == '\\' && r->p[1] == 'u') {
                r->p += 2;
                if (!read_hex4(r, &lo) || lo < 0xdc00 || lo > 0xdfff)
                    goto bad;
                cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
            } else if (cp >= 0xd800 && cp < 0xe000) {
                cp = 0xfffd;
            }
            put_utf8(&b, cp);
            break;
        default: goto bad;
        }
    }
    r->p++;
    if (b.failed) {
        r->nomem = true;
        ct_buf_free(&b);
        return NULL;
    }
    return ct_buf_steal(&b);
bad:
    r->bad = true;
    ct_buf_free(&b);
    return NULL;
}

static double
read_number(struct reader *r)
{
    char *end;
    double v;

    skip_space(r);
    errno = 0;
    v = strtod(r->p, &end);
    if (end == r->p || !(*r->p == '-' || (*r->p >= '0' && *r->p <= '9'))) {
        r->bad = true;
        return 0;
    }
    r->p = end;
    return isfinite(v) ? v : 0;
}

/* Skip any value (nesting bounded, so hostile text cannot exhaust the stack). */
static void
skip_value(struct reader *r, int depth)
{
    char *s;

    skip_space(r);
    if (depth > 32) {
        r->bad = true;
        return;
    }
    switch (*r->p) {
    case '"':
        s = read_string(r);
        free(s);
        return;
    case '{':
    case '[': {
        char close = *r->p == '{' ? '}' : ']';
        bool object = close == '}';
        r->p++;
        skip_space(r);
        if (*r->p == close) {
            r->p++;
            return;
        }
        for (;;) {
            if (object) {
                s = read_string(r);
                free(s);
                if (r->bad || r->nomem || !expect_char(r, ':'))
                    return;
            }
            skip_value(r, depth + 1);
            if (r->bad || r->nomem)
                return;
            skip_space(r);
            if (*r->p == ',') {
                r->p++;
                continue;
            }
            expect_char(r, close);
            return;
        }
    }
    case 't':
        if (strncmp(r->p, "true", 4) == 0) {
            r->p += 4;
            return;
        }
        break;
    case 'f':
        if (strncmp(r->p, "false", 5) == 0) {
            r->p += 5;
            return;
        }
        break;
    case 'n':
        if (strncmp(r->p, "null", 4) == 0) {
            r->p += 4;
            return;
        }
        break;
    default: read_number(r); return;
    }
    r->bad = true;
}

/* Calls on_member(arg, key) for each member of an object; it reads the value. */
static void
read_object(struct reader *r, void (*on_member)(struct reader *, const char *, void *), void *arg)
{
    char *key;

    if (!expect_char(r, '{'))
        return;
    skip_space(r);
    if (*r->p == '}') {
        r->p++;
        return;
    }
    for (;;) {
        key = read_string(r);
        if (key == NULL || !expect_char(r, ':')) {
            free(key);
            return;
        }
        on_member(r, key, arg);
        free(key);
        if (r->bad || r->nomem)
            return;
        skip_space(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        expect_char(r, '}');
        return;
    }
}

static void
on_term(struct reader *r, const char *key, void *arg)
{
    struct ct_round_group *g = arg;
    size_t i;

    for (i = 0; i < CT_ROUND_TERMS; i++) {
        if (strcmp(key, ct_rounds_term_name(i)) == 0) {
            g->terms[i] = read_number(r);
            return;
        }
    }
    skip_value(r, 1);
}

static void
read_reasons(struct reader *r, struct ct_round_group *g)
{
    size_t cap = 0;

    if (!expect_char(r, '['))
        return;
    skip_space(r);
    if (*r->p == ']') {
        r->p++;
        return;
    }
    for (;;) {
        char *s = read_string(r);

        if (s == NULL)
            return;
        if (g->reason_count == cap) {
            size_t ncap = cap ? cap * 2 : 4;
            char **v = realloc(g->reasons, ncap * sizeof(*v));
            if (v == NULL) {
                free(s);
                r->nomem = true;
                return;
            }
            g->reasons = v;
            cap = ncap;
        }
        g->reasons[g->reason_count++] = s;
        skip_space(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        expect_char(r, ']');
        return;
    }
}

static void
on_explain(struct reader *r, const char *key, void *arg)
{
    struct ct_round_group *g = arg;

    if (strcmp(key, "score") == 0)
        g->score = read_number(r);
    else if (strcmp(key, "terms") == 0)
        read_object(r, on_term, g);
    else if (strcmp(key, "reasons") == 0 && g->reason_count == 0)
        read_reasons(r, g);
    else
        skip_value(r, 1);
}

enum ct_status
rounds_explain_read(const char *json, struct ct_round_group *g, struct ct_error *err)
{
    struct reader r = {json, false, false};

    read_object(&r, on_explain, g);
    if (!r.bad && !r.nomem) {
        skip_space(&r);
        if (*r.p != '\0')
            r.bad = true;
    }
    if (r.nomem)
        return rounds_nomem(err);
    if (r.bad)
        return ct_error_set(err, CT_EDATA, "group %lld: its stored explanation is not readable",
                            (long long)g->id);
    return CT_OK;
}

enum ct_status
rounds_group_explain(struct ct_round_group *g, struct ct_error *err)
{
    double score = g->score;
    enum ct_status st = CT_OK;

    if (g->explain)
        st = rounds_explain_read(g->explain, g, err);
    /* The column is the truth; explain's copy could only disagree by a bug. */
    g->score = score;
    free(g->explain);
    g->explain = NULL;
    return st;
}
