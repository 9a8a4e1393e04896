/*
 * ct.h: what every part of libcoffeetrial shares: the status codes, the
 * error record a failing call fills in, and the diagnostics list that
 * validators use to report every problem in a file, not only the first.
 *
 * lib/ never exits and never prints to stdout. A function that can fail
 * returns an enum ct_status and, when given a struct ct_error, says why in
 * words a user can act on. The programs in daemon/ map statuses to sysexits.
 */
#ifndef CT_H
#define CT_H

#include <stdarg.h>
#include <stddef.h>

enum ct_status {
    CT_OK = 0,
    CT_EUSAGE,    /* the caller asked for something malformed */
    CT_EDATA,     /* input data is invalid (roster row, reply, ...) */
    CT_ENOINPUT,  /* an input file or resource does not exist */
    CT_ENOTFOUND, /* a named record (member, round, group) does not exist */
    CT_EUNAVAIL,  /* a remote service cannot be reached at all */
    CT_ETEMP,     /* temporary failure: retry later */
    CT_EPERM,     /* permanent refusal by a remote service */
    CT_EIO,       /* local I/O or database error */
    CT_ECONFIG,   /* configuration is invalid */
    CT_ENOMEM,    /* out of memory */
    CT_ESTATE,    /* the operation does not fit the record's state */
    CT_EBUSY,     /* another process holds the resource */
    CT_EINTERNAL, /* a bug: an invariant did not hold */
};

/* A short fixed name for a status ("invalid data", ...). Never NULL. */
const char *ct_status_str(enum ct_status status);

/* The sysexits.h code a program should exit with for this status. */
int ct_status_exit(enum ct_status status);

#define CT_ERROR_MAX 1024

/* The most members a group of a round may have ([pairing] group_size 2 to 4). */
#define CT_GROUP_MAX 4

/* What went wrong, in one line a user can act on. */
struct ct_error {
    enum ct_status status;
    char message[CT_ERROR_MAX];
};

/*
 * Record an error and return its status, so callers can write
 *     return ct_error_set(err, CT_EIO, "%s: %s", path, strerror(errno));
 * err may be NULL (the message is then dropped).
 */
enum ct_status ct_error_set(struct ct_error *err, enum ct_status status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefix an existing message with more context: "ctx: old message". */
enum ct_status ct_error_prefix(struct ct_error *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void ct_error_clear(struct ct_error *err);

enum ct_severity { CT_WARNING, CT_ERROR };

/* One problem found in an input file. file may be NULL, line 0 if unknown. */
struct ct_diag {
    enum ct_severity severity;
    char *file;
    long line;
    char *message;
};

/* Every problem found while reading one input, in the order found. */
struct ct_diags {
    struct ct_diag *items;
    size_t count;
    size_t capacity;
    size_t errors;
    size_t warnings;
};

void ct_diags_init(struct ct_diags *d);
void ct_diags_free(struct ct_diags *d);

/* Append a problem; on allocation failure the message is counted but lost. */
void ct_diags_add(struct ct_diags *d, enum ct_severity severity, const char *file, long line,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void ct_diags_vadd(struct ct_diags *d, enum ct_severity severity, const char *file, long line,
                   const char *fmt, va_list ap) __attribute__((format(printf, 5, 0)));

/* Put the problems from index from on in line order, keeping the order of equal lines. */
void ct_diags_sort(struct ct_diags *d, size_t from);

/*
 * Format one diagnostic the way every program prints it:
 * "FILE:LINE: message", "FILE: message", or "message", with "warning: "
 * before the message for warnings. Returns a heap string the caller frees.
 */
char *ct_diag_format(const struct ct_diag *diag);

#endif
