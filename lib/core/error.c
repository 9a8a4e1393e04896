/*
 * error.c: status names, their exit codes, and the error and diagnostics
 * records declared in ct.h.
 */
#include "ct.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "fmt.h"

const char *
ct_status_str(enum ct_status status)
{
    switch (status) {
    case CT_OK: return "success";
    case CT_EUSAGE: return "usage error";
    case CT_EDATA: return "invalid data";
    case CT_ENOINPUT: return "input missing";
    case CT_ENOTFOUND: return "not found";
    case CT_EUNAVAIL: return "service unavailable";
    case CT_ETEMP: return "temporary failure";
    case CT_EPERM: return "permanent failure";
    case CT_EIO: return "I/O error";
    case CT_ECONFIG: return "configuration error";
    case CT_ENOMEM: return "out of memory";
    case CT_ESTATE: return "invalid state";
    case CT_EBUSY: return "resource busy";
    case CT_EINTERNAL: return "internal error";
    }
    return "unknown status";
}

int
ct_status_exit(enum ct_status status)
{
    switch (status) {
    case CT_OK: return EX_OK;
    case CT_EUSAGE: return EX_USAGE;
    case CT_EDATA: return EX_DATAERR;
    case CT_ENOINPUT: return EX_NOINPUT;
    case CT_ENOTFOUND: return EX_DATAERR;
    case CT_EUNAVAIL: return EX_UNAVAILABLE;
    case CT_ETEMP: return EX_TEMPFAIL;
    case CT_EPERM: return EX_UNAVAILABLE;
    case CT_EIO: return EX_IOERR;
    case CT_ECONFIG: return EX_CONFIG;
    case CT_ENOMEM: return EX_OSERR;
    case CT_ESTATE: return EX_DATAERR;
    case CT_EBUSY: return EX_TEMPFAIL;
    case CT_EINTERNAL: return EX_SOFTWARE;
    }
    return EX_SOFTWARE;
}

enum ct_status
ct_error_set(struct ct_error *err, enum ct_status status, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return status;
    err->status = status;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    return status;
}

enum ct_status
ct_error_prefix(struct ct_error *err, const char *fmt, ...)
{
    char prefix[CT_ERROR_MAX], old[CT_ERROR_MAX];
    size_t n, rest;
    va_list ap;

    if (err == NULL)
        return CT_OK;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    memcpy(old, err->message, sizeof(old));
    /* Truncation is fine here: the message stays a valid, shorter string. */
    n = strlen(prefix);
    if (n > sizeof(err->message) - 3)
        n = sizeof(err->message) - 3;
    memcpy(err->message, prefix, n);
    memcpy(err->message + n, ": ", 2);
    n += 2;
    rest = strlen(old);
    if (rest > sizeof(err->message) - 1 - n)
        rest = sizeof(err->message) - 1 - n;
    memcpy(err->message + n, old, rest);
    err->message[n + rest] = '\0';
    return err->status;
}

void
ct_error_clear(struct ct_error *err)
{
    if (err == NULL)
        return;
    err->status = CT_OK;
    err->message[0] = '\0';
}

void
ct_diags_init(struct ct_diags *d)
{
    memset(d, 0, sizeof(*d));
}

void
ct_diags_free(struct ct_diags *d)
{
    size_t i;

    if (d == NULL)
        return;
    for (i = 0; i < d->count; i++) {
        free(d->items[i].file);
        free(d->items[i].message);
    }
    free(d->items);
    ct_diags_init(d);
}

void
ct_diags_sort(struct ct_diags *d, size_t from)
{
    size_t i, j;

    /* Insertion sort: stable, and the lists are short and nearly sorted. */
    for (i = from + 1; i < d->count; i++) {
        struct ct_diag item = d->items[i];
        for (j = i; j > from && d->items[j - 1].line > item.line; j--)
            d->items[j] = d->items[j - 1];
        d->items[j] = item;
    }
}

void
ct_diags_vadd(struct ct_diags *d, enum ct_severity severity, const char *file, long line,
              const char *fmt, va_list ap)
{
    struct ct_diag *diag;

    if (severity == CT_ERROR)
        d->errors++;
    else
        d->warnings++;
    if (d->count == d->capacity) {
        size_t cap = d->capacity ? d->capacity * 2 : 16;
        struct ct_diag *items = realloc(d->items, cap * sizeof(*items));
        if (items == NULL)
            return;
        d->items = items;
        d->capacity = cap;
    }
    diag = &d->items[d->count];
    diag->severity = severity;
    diag->line = line;
    diag->file = file ? strdup(file) : NULL;
    diag->message = ct_vasprintf(fmt, ap);
    if (diag->message == NULL || (file && diag->file == NULL)) {
        free(diag->file);
        free(diag->message);
        return;
    }
    d->count++;
}

void
ct_diags_add(struct ct_diags *d, enum ct_severity severity, const char *file, long line,
             const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ct_diags_vadd(d, severity, file, line, fmt, ap);
    va_end(ap);
}

char *
ct_diag_format(const struct ct_diag *diag)
{
    const char *level = diag->severity == CT_WARNING ? "warning: " : "";

    if (diag->file && diag->line > 0)
        return ct_asprintf("%s:%ld: %s%s", diag->file, diag->line, level, diag->message);
    if (diag->file)
        return ct_asprintf("%s: %s%s", diag->file, level, diag->message);
    return ct_asprintf("%s%s", level, diag->message);
}
