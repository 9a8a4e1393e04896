/*
 * csv.c: the streaming RFC 4180 reader declared in csv.h. One pass over
 * the buffer; field bytes are copied span by span, never byte by byte.
 */
#include "csv.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

struct ct_csv {
    const char *data;
    size_t len;
    size_t pos;
    long line;
    struct ct_buf chars; /* the current record's fields, each NUL-terminated */
    size_t *offsets;     /* where each field starts in chars */
    size_t capacity;     /* of offsets, lengths, quoted and fields */
    struct ct_csv_record record;
};

struct ct_csv *
ct_csv_new(const char *data, size_t len)
{
    struct ct_csv *csv = calloc(1, sizeof(*csv));

    if (csv == NULL)
        return NULL;
    csv->data = data;
    csv->len = len;
    csv->line = 1;
    if (len >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0)
        csv->pos = 3;
    ct_buf_init(&csv->chars);
    return csv;
}

void
ct_csv_free(struct ct_csv *csv)
{
    if (csv == NULL)
        return;
    ct_buf_free(&csv->chars);
    free(csv->offsets);
    free(csv->record.fields);
    free(csv->record.lengths);
    free(csv->record.quoted);
    free(csv);
}

/* Make room for one more field in the per-field arrays. */
static bool
reserve_field(struct ct_csv *csv)
{
    struct ct_csv_record *r = &csv->record;
    size_t cap;
    void *p;

    if (r->count < csv->capacity)
        return true;
    cap = csv->capacity ? csv->capacity * 2 : 16;
    if ((p = realloc(csv->offsets, cap * sizeof(*csv->offsets))) == NULL)
        return false;
    csv->offsets = p;
    if ((p = realloc(r->lengths, cap * sizeof(*r->lengths))) == NULL)
        return false;
    r->lengths = p;
    if ((p = realloc(r->quoted, cap * sizeof(*r->quoted))) == NULL)
        return false;
    r->quoted = p;
    if ((p = realloc(r->fields, cap * sizeof(*r->fields))) == NULL)
        return false;
    r->fields = p;
    csv->capacity = cap;
    return true;
}

/* Note the first problem of a record; later ones are usually consequences. */
static void
record_error(struct ct_csv *csv, const char *message, long line)
{
    struct ct_csv_record *r = &csv->record;

    if (r->error != NULL)
        return;
    r->error = message;
    r->error_line = line;
    r->error_field = r->count;
}

static bool
is_space(char c)
{
    return c == ' ' || c == '\t';
}

/*
 * Copy unquoted text up to the next comma, line break or the end into the
 * current field. NUL bytes are dropped and reported.
 */
static void
read_unquoted(struct ct_csv *csv)
{
    const char *d = csv->data;
    size_t start = csv->pos, p = csv->pos;

    for (;;) {
        while (p < csv->len && d[p] != ',' && d[p] != '\n' && d[p] != '\r' && d[p] != '\0')
            p++;
        ct_buf_append(&csv->chars, d + start, p - start);
        if (p < csv->len && d[p] == '\0') {
            record_error(csv, "NUL byte in field", csv->line);
            start = ++p;
            continue;
        }
        break;
    }
    csv->pos = p;
}

/*
 * Copy a quoted field whose opening quote is at csv->pos. Leaves csv->pos
 * after the closing quote (or at the end, if the quote is never closed).
 */
static void
read_quoted(struct ct_csv *csv)
{
    const char *d = csv->data;
    long open_line = csv->line;
    size_t p = csv->pos + 1, start = p;

    for (;;) {
        while (p < csv->len && d[p] != '"' && d[p] != '\n' && d[p] != '\r' && d[p] != '\0')
            p++;
        ct_buf_append(&csv->chars, d + start, p - start);
        if (p >= csv->len) {
            record_error(csv, "quoted field never closed (missing '\"')", open_line);
            break;
        }
        if (d[p] == '"') {
            if (p + 1 < csv->len && d[p + 1] == '"') {
                ct_buf_putc(&csv->chars, '"');
                p += 2;
                start = p;
                continue;
            }
            p++;
            break;
        }
        if (d[p] == '\0') {
            record_error(csv, "NUL byte in field", csv->line);
            start = ++p;
            continue;
        }
        /* A line break inside quotes is data, but still a new line. */
        start = p;
        if (d[p] == '\r' && p + 1 < csv->len && d[p + 1] == '\n')
            p++;
        p++;
        ct_buf_append(&csv->chars, d + start, p - start);
        csv->line++;
        start = p;
    }
    csv->pos = p;
}

enum ct_status
ct_csv_next(struct ct_csv *csv, const struct ct_csv_record **rec)
{
    struct ct_csv_record *r = &csv->record;
    const char *d = csv->data;
    size_t i;

    *rec = NULL;
    if (csv->pos >= csv->len)
        return CT_OK;
    ct_buf_reset(&csv->chars);
    r->count = 0;
    r->line = csv->line;
    r->error = NULL;
    r->error_line = 0;
    r->error_field = 0;

    for (;;) {
        size_t p = csv->pos;
        bool quoted = false;

        if (!reserve_field(csv))
            return CT_ENOMEM;
        csv->offsets[r->count] = csv->chars.len;
        while (p < csv->len && is_space(d[p]))
            p++;
        if (p < csv->len && d[p] == '"') {
            quoted = true;
            csv->pos = p;
            read_quoted(csv);
            while (csv->pos < csv->len && is_space(d[csv->pos]))
                csv->pos++;
            if (csv->pos < csv->len && d[csv->pos] != ',' && d[csv->pos] != '\n' &&
                d[csv->pos] != '\r') {
                /* Keep the rest as text so the record stays in step. */
                record_error(csv, "text after the closing quote of a quoted field", csv->line);
                read_unquoted(csv);
            }
        } else {
            read_unquoted(csv);
        }
        r->lengths[r->count] = csv->chars.len - csv->offsets[r->count];
        r->quoted[r->count] = quoted;
        ct_buf_append(&csv->chars, "", 1);
        r->count++;

        if (csv->pos >= csv->len)
            break;
        if (d[csv->pos] == ',') {
            csv->pos++;
            continue;
        }
        /* A line break: CRLF, LF or a lone CR. */
        if (d[csv->pos] == '\r' && csv->pos + 1 < csv->len && d[csv->pos + 1] == '\n')
            csv->pos++;
        csv->pos++;
        csv->line++;
        r->end_line = csv->line - 1;
        goto done;
    }
    r->end_line = csv->line;
done:
    if (csv->chars.failed)
        return CT_ENOMEM;
    for (i = 0; i < r->count; i++)
        r->fields[i] = csv->chars.data + csv->offsets[i];
    *rec = r;
    return CT_OK;
}

int
ct_csv_column_find(const struct ct_csv_column *columns, int count, const char *cell, size_t len)
{
    char key[32];
    size_t n = 0, i;
    int c, a;

    for (i = 0; i < len; i++) {
        char ch = cell[i];
        if (ch == ' ' || ch == '-' || ch == '_' || ch == '.')
            continue;
        if (n + 1 >= sizeof(key))
            return -1;
        key[n++] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
    }
    key[n] = '\0';
    for (c = 0; c < count; c++) {
        if (strcmp(key, columns[c].name) == 0)
            return c;
        for (a = 0; a < 4 && columns[c].aliases[a] != NULL; a++)
            if (strcmp(key, columns[c].aliases[a]) == 0)
                return c;
    }
    return -1;
}

/* The characters that make a spreadsheet read a cell as a formula (OWASP). */
static bool
formula_start(char c)
{
    return c == '=' || c == '+' || c == '-' || c == '@' || c == '\t' || c == '\r';
}

bool
ct_csv_write_field(struct ct_buf *b, const char *s, bool last)
{
    const char *p;
    bool neutralise;

    if (s == NULL)
        s = "";
    neutralise = formula_start(s[0]);
    if (neutralise || strpbrk(s, ",\"\r\n") || (*s && (s[0] == ' ' || s[strlen(s) - 1] == ' '))) {
        ct_buf_putc(b, '"');
        if (neutralise)
            ct_buf_putc(b, '\'');
        for (p = s; *p; p++) {
            if (*p == '"')
                ct_buf_putc(b, '"');
            ct_buf_putc(b, *p);
        }
        ct_buf_putc(b, '"');
    } else {
        ct_buf_puts(b, s);
    }
    ct_buf_puts(b, last ? "\r\n" : ",");
    return !b->failed;
}

size_t
ct_csv_unneutralise(const char *s, size_t len)
{
    return len >= 2 && s[0] == '\'' && formula_start(s[1]) ? 1 : 0;
}

size_t
ct_csv_header_key(const char *cell, size_t len, char *key, size_t size)
{
    size_t n = 0, i;

    for (i = 0; i < len; i++) {
        unsigned char ch = (unsigned char)cell[i];
        if (ch >= 'A' && ch <= 'Z')
            ch = (unsigned char)(ch - 'A' + 'a');
        else if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch >= 0x80))
            continue;
        if (n + 1 >= size)
            return 0;
        key[n++] = (char)ch;
    }
    if (size > 0)
        key[n] = '\0';
    return n;
}
