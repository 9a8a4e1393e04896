/*
 * util.h: small helpers used across lib/: formatted allocation (fmt.h), a
 * growable byte buffer, case-insensitive comparison, whole-file reads, the
 * write-temp-fsync-rename dance for files that must never be half written,
 * the edit distance of "did you mean" and the width of UTF-8 text.
 */
#ifndef CT_UTIL_H
#define CT_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "fmt.h"

#define CT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * CT_UNITTEST marks a function that its own file uses and the unit tests
 * call too (curl's UNITTEST): exported in test builds (CT_TEST_HOOKS),
 * static otherwise, so release builds export only what other files use.
 * Declare such a function in its header inside #ifdef CT_TEST_HOOKS, and
 * guard the tests that call it the same way. A function that only tests
 * call is not a CT_UNITTEST: it is dead code and goes.
 */
#ifdef CT_TEST_HOOKS
#define CT_UNITTEST
#else
#define CT_UNITTEST static
#endif

/* strdup that accepts NULL (and returns NULL for it). */
char *ct_strdup(const char *s);

/* A growable buffer, always NUL-terminated once anything was appended. */
struct ct_buf {
    char *data;
    size_t len;
    size_t cap;
    bool failed; /* an allocation failed; the content is incomplete */
};

void ct_buf_init(struct ct_buf *b);
void ct_buf_free(struct ct_buf *b);
void ct_buf_reset(struct ct_buf *b);
/*
 * Make room for extra more bytes and the NUL, so a writer may fill
 * data[len .. len + extra) itself, then advance len and write the NUL.
 * False (and failed set) when out of memory.
 */
bool ct_buf_reserve(struct ct_buf *b, size_t extra);
bool ct_buf_append(struct ct_buf *b, const void *data, size_t len);
bool ct_buf_puts(struct ct_buf *b, const char *s);
bool ct_buf_putc(struct ct_buf *b, char c);
bool ct_buf_printf(struct ct_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Hand the content to the caller (who frees it) and reset the buffer. */
char *ct_buf_steal(struct ct_buf *b);

/* ASCII case-insensitive equality, for e-mail addresses and keywords. */
bool ct_strcaseeq(const char *a, const char *b);

/* Trim ASCII white space at both ends, in place; returns s. */
char *ct_trim(char *s);

/*
 * Read a whole file into a NUL-terminated heap buffer (OUT: *data, *len).
 * Files larger than max_bytes are refused. Errors name the path.
 */
enum ct_status ct_file_read(const char *path, size_t max_bytes, char **data, size_t *len,
                            struct ct_error *err);

/*
 * Write data to path atomically: a temporary file in the same directory,
 * fsync, rename over path, fsync of the directory. mode is the new file's
 * permission bits. Either the old content or the new remains, never a mix.
 */
enum ct_status ct_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                                    struct ct_error *err);

/*
 * Damerau-Levenshtein distance (optimal string alignment: insertions,
 * deletions, substitutions and adjacent transpositions each cost one),
 * ASCII case-insensitive, for "did you mean" suggestions. (size_t)-1 for
 * words of 64 bytes or more.
 */
size_t ct_edit_distance(const char *a, const char *b);

/*
 * The columns UTF-8 text takes on a terminal: one per code point (no
 * wide-glyph tables; near enough for names). 0 for NULL.
 */
size_t ct_utf8_width(const char *s);

#endif
