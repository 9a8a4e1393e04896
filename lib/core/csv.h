/*
 * csv.h: a streaming RFC 4180 reader over a buffer held in memory. It yields
 * one record at a time with the line each record starts on, so callers can
 * report problems as FILE:LINE even when quoted fields span several lines.
 */
#ifndef CT_CSV_H
#define CT_CSV_H

#include <stdbool.h>
#include <stddef.h>

#include "ct.h"

/*
 * One record. Everything it points to is owned by the reader and valid
 * until the next ct_csv_next() or ct_csv_free().
 *
 * A malformed record (error != NULL) is still returned whole, so the caller
 * can report it and go on with the next one: the reader resynchronises at
 * the end of the record.
 */
struct ct_csv_record {
    long line;          /* line (1-based) the record starts on */
    long end_line;      /* line it ends on (> line if a quoted field held newlines) */
    size_t count;       /* number of fields, at least 1 */
    char **fields;      /* count NUL-terminated fields, quotes and "" escapes undone */
    size_t *lengths;    /* their lengths in bytes */
    bool *quoted;       /* whether each field was written in quotes */
    const char *error;  /* NULL, or why the record is malformed (static text) */
    long error_line;    /* where the problem is, e.g. where an unclosed quote opened */
    size_t error_field; /* index of the field at fault */
};

struct ct_csv;

/*
 * Start reading data[0..len). The buffer is borrowed: it must outlive the
 * reader. A UTF-8 byte order mark at the start is skipped. Returns NULL only
 * when out of memory.
 */
struct ct_csv *ct_csv_new(const char *data, size_t len);

/* Release the reader and the last record. NULL is fine. */
void ct_csv_free(struct ct_csv *csv);

/*
 * Read the next record. OUT: *rec, or NULL at the end of the input.
 *
 * Records end at CRLF, LF or a lone CR; a final line break is optional, so
 * "a,b\n" is one record. A blank line is a record of one empty field (callers
 * decide whether to skip it). Fields may be quoted ("a, ""b""") and may then
 * hold commas, quotes and line breaks; spaces around the quotes are ignored.
 * A quote inside an unquoted field is kept as a literal character.
 * Malformed input (text after a closing quote, a quote never closed, a NUL
 * byte) sets rec->error; see struct ct_csv_record.
 *
 * Returns CT_OK, or CT_ENOMEM (then *rec is NULL).
 */
enum ct_status ct_csv_next(struct ct_csv *csv, const struct ct_csv_record **rec);

/* A column a CSV reader knows by name, and the other names it accepts. */
struct ct_csv_column {
    const char *name;
    bool required;
    const char *aliases[4]; /* up to the first NULL */
};

/*
 * Which of columns[0 .. count) the header cell cell[0 .. len) names: its
 * index, or -1. Names match after ASCII lowercasing and dropping ' ', '-',
 * '_' and '.', so "E-mail Address" is "emailaddress".
 */
int ct_csv_column_find(const struct ct_csv_column *columns, int count, const char *cell,
                       size_t len);

/*
 * Append s (NULL is "") to b as one RFC 4180 field, then "," or, if last,
 * CRLF. A value a spreadsheet would run as a formula (starting with = + -
 * @ TAB or CR) gets a leading ' and quotes, as OWASP's "CSV Injection"
 * advises, so "=HYPERLINK(...)" comes out as "'=HYPERLINK(...)"; any field
 * holding a comma, quote, line break or edge space is quoted. Returns false
 * if the buffer ran out of memory.
 */
struct ct_buf;
bool ct_csv_write_field(struct ct_buf *b, const char *s, bool last);

/*
 * How many bytes to skip at the start of the cell s[0..len) to undo
 * ct_csv_write_field's neutralising: 1 if it is ' followed by one of
 * = + - @ TAB CR, else 0 (a ' before anything else is the data's own).
 */
size_t ct_csv_unneutralise(const char *s, size_t len);

/*
 * A header cell cell[0 .. len) as a loose comparison key, for tables of
 * column names written the way survey tools spell them: ASCII letters are
 * lowercased, digits and non-ASCII bytes kept, everything else (blanks,
 * punctuation) dropped, so "How was it? (1-5)" is "howwasit15" and
 * "E-mail Address" is "emailaddress". OUT: key, NUL-terminated. Returns
 * the key's length, or 0 when it is empty or does not fit in size bytes.
 */
size_t ct_csv_header_key(const char *cell, size_t len, char *key, size_t size);

#endif
