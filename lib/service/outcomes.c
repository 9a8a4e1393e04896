/*
 * outcomes.c: recording whether groups met (one at a time, or a survey
 * CSV all or nothing) and the contact rule the tie graph and the reports
 * share; see outcomes.h.
 */
#include "outcomes.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "store_outcomes.h"
#include "util.h"
#include "validate.h"

/* ---- value checks -------------------------------------------------------- */

bool
ct_outcomes_parse_met(const char *s, bool *met)
{
    static const char *const yes[] = {"yes", "y", "true", "1", "met"};
    static const char *const no[] = {"no", "n", "false", "0", "not met"};
    char buf[16];
    size_t len, i;

    if (s == NULL)
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (len == 0 || len >= sizeof(buf))
        return false;
    memcpy(buf, s, len);
    buf[len] = '\0';
    for (i = 0; i < CT_ARRAY_LEN(yes); i++) {
        if (ct_strcaseeq(buf, yes[i])) {
            *met = true;
            return true;
        }
        if (ct_strcaseeq(buf, no[i])) {
            *met = false;
            return true;
        }
    }
    return false;
}

/* The reason a note is refused, formatted into buf (which it returns), or NULL. */
static const char *
note_problem(const char *note, size_t len, char *buf, size_t size)
{
    const char *reason;
    long cp;

    if (len > CT_OUTCOME_NOTE_MAX) {
        snprintf(buf, size, "longer than %d bytes", CT_OUTCOME_NOTE_MAX);
        return buf;
    }
    if ((reason = ct_check_utf8(note, len)) != NULL) {
        snprintf(buf, size, "not UTF-8 (%s)", reason);
        return buf;
    }
    if ((cp = ct_find_forbidden_char(note, len, true)) >= 0) {
        snprintf(buf, size, "control character U+%04lX not allowed", (unsigned long)cp);
        return buf;
    }
    return NULL;
}

/* A copy of a note with CRLF and lone CR turned into LF and blanks trimmed. */
static char *
note_normalise(const char *s, size_t len)
{
    char *out = malloc(len + 1);
    size_t i, o = 0;

    if (out == NULL)
        return NULL;
    for (i = 0; i < len; i++) {
        if (s[i] == '\r') {
            out[o++] = '\n';
            if (i + 1 < len && s[i + 1] == '\n')
                i++;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    ct_trim(out);
    return out;
}

/*
 * A copy of s[0..len) safe to quote in a message: at most 40 bytes, then
 * "...", anything but printable ASCII replaced by '?'. out holds 48 bytes.
 */
static const char *
printable(const char *s, size_t len, char *out)
{
    size_t i, o = 0;

    for (i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (o == 40) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        out[o++] = (c >= 0x20 && c < 0x7f) ? (char)c : '?';
    }
    out[o] = '\0';
    return out;
}

/* ---- the checks ------------------------------------------------------------ */

/* Why a group cannot take an outcome, into buf (returned), or NULL if it can. */
static const char *
group_unfit(const struct ct_outcome_group *ref, char *buf, size_t size)
{
    long long id = (long long)ref->id, round = (long long)ref->round_id;

    if (ref->state == CT_GROUP_SENT && ref->round_state == CT_ROUND_SENT)
        return NULL;
    if (ref->round_state == CT_ROUND_REPLACED)
        snprintf(buf, size, "group %lld was never sent: round %lld was planned again", id, round);
    else if (ref->state == CT_GROUP_PLANNED && ref->round_state == CT_ROUND_PLANNED)
        snprintf(buf, size,
                 "group %lld has not been sent yet (round %lld is planned); outcomes are "
                 "recorded for sent groups",
                 id, round);
    else
        snprintf(buf, size, "group %lld was cancelled", id);
    return buf;
}

/* Check an organiser's outcome before any store work. OUT: *note, the normalised copy. */
static enum ct_status
outcome_check(const struct ct_outcome *outcome, char **note, struct ct_error *err)
{
    char reason[160];
    const char *why;

    *note = NULL;
    if (outcome->rating != 0 && (outcome->rating < 1 || outcome->rating > 5))
        return ct_error_set(err, CT_EUSAGE, "rating: %d is not a whole number from 1 to 5",
                            outcome->rating);
    if (outcome->note) {
        size_t len = strlen(outcome->note);
        if ((why = note_problem(outcome->note, len, reason, sizeof(reason))) != NULL)
            return ct_error_set(err, CT_EUSAGE, "note: %s", why);
        if ((*note = note_normalise(outcome->note, len)) == NULL)
            return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    return CT_OK;
}

enum ct_status
ct_outcomes_record(struct ct_store *store, const struct ct_outcome *outcome, const char *source,
                   int64_t now, struct ct_outcome_previous *previous, struct ct_error *err)
{
    struct ct_outcome_lookup look = {.group_id = outcome->group_id};
    struct ct_outcome_row row;
    struct ct_txn *txn = NULL;
    char *note = NULL, reason[160];
    const char *why;
    enum ct_status st;

    if (previous)
        memset(previous, 0, sizeof(*previous));
    if ((st = outcome_check(outcome, &note, err)) != CT_OK)
        return st;
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK)
        goto out;
    if ((st = ct_store_outcome_groups_lookup(store, &look, 1, err)) != CT_OK)
        goto out;
    if (!look.by_id_found) {
        st = ct_error_set(err, CT_ENOTFOUND, "no group %lld (see coffeetrial round show)",
                          (long long)outcome->group_id);
        goto out;
    }
    if ((why = group_unfit(&look.by_id, reason, sizeof(reason))) != NULL) {
        st = ct_error_set(err, CT_ESTATE, "%s", why);
        goto out;
    }
    row = (struct ct_outcome_row){look.by_id.id, outcome->met, outcome->rating, note, source};
    if ((st = ct_store_outcomes_write(txn, &row, 1, now, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
    if (st == CT_OK && previous) {
        previous->existed = look.by_id.has_outcome;
        previous->met = look.by_id.met;
        previous->rating = look.by_id.rating;
    }
out:
    ct_txn_rollback(txn);
    free(note);
    return st;
}

/* ---- the CSV import ---------------------------------------------------------- */

enum column { COL_GROUP, COL_UID, COL_MET, COL_RATING, COL_NOTE, COL_COUNT };

static const struct ct_csv_column columns[COL_COUNT] = {
    [COL_GROUP] = {"group", false, {"groupid", "id", NULL}},
    [COL_UID] = {"uid", false, {"groupuid", NULL}},
    [COL_MET] = {"met", false, {NULL}},
    [COL_RATING] = {"rating", false, {NULL}},
    [COL_NOTE] = {"note", false, {"notes", "comment", "comments", NULL}},
};

/* One row that parsed; checked against the store afterwards. */
struct row {
    long line;
    int64_t group_id; /* 0 if only uid was given */
    char *uid;        /* NULL if not given */
    bool invalid;     /* a field is wrong: its group is checked, it is never written */
    bool met;
    int rating;
    char *note;
};

struct importer {
    const char *file;
    struct ct_diags *diags;
    int map[COL_COUNT]; /* field index of each column, -1 if absent */
    size_t header_count;
    size_t errors;
    bool stopped;
    struct row *rows;
    size_t count, capacity;
};

static void diag(struct importer *im, enum ct_severity severity, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
diag(struct importer *im, enum ct_severity severity, long line, const char *fmt, ...)
{
    va_list ap;

    if (severity == CT_ERROR) {
        if (im->stopped)
            return;
        im->errors++;
    }
    va_start(ap, fmt);
    ct_diags_vadd(im->diags, severity, im->file, line, fmt, ap);
    va_end(ap);
    if (severity == CT_ERROR && im->errors >= CT_OUTCOMES_MAX_ERRORS)
        im->stopped = true;
}

static bool
blank_record(const struct ct_csv_record *rec)
{
    size_t i, j;

    for (i = 0; i < rec->count; i++)
        for (j = 0; j < rec->lengths[i]; j++)
            if (!strchr(" \t\r\n", rec->fields[i][j]))
                return false;
    return true;
}

/* Trim ASCII blanks around s[0..*len); returns the new start. */
static const char *
trim_span(const char *s, size_t *len)
{
    size_t n = *len;

    while (n > 0 && strchr(" \t\r\n", *s) && *s) {
        s++;
        n--;
    }
    while (n > 0 && strchr(" \t\r\n", s[n - 1]) && s[n - 1])
        n--;
    *len = n;
    return s;
}

static bool
read_header(struct importer *im, const struct ct_csv_record *rec)
{
    char tmp[48];
    size_t i;
    int c;

    if (rec->error) {
        diag(im, CT_ERROR, rec->error_line, "header: %s", rec->error);
        return false;
    }
    im->header_count = rec->count;
    if (rec->count == 1 && (memchr(rec->fields[0], ';', rec->lengths[0]) ||
                            memchr(rec->fields[0], '\t', rec->lengths[0]))) {
        diag(im, CT_ERROR, rec->line,
             "header: columns are separated by '%s', not ','; save the file as "
             "comma-separated CSV",
             memchr(rec->fields[0], ';', rec->lengths[0]) ? ";" : "\\t");
        return false;
    }
    for (i = 0; i < rec->count; i++) {
        size_t len = rec->lengths[i];
        const char *cell = trim_span(rec->fields[i], &len);
        c = ct_csv_column_find(columns, COL_COUNT, cell, len);
        if (c >= 0 && im->map[c] >= 0) {
            diag(im, CT_ERROR, rec->line, "header: column %zu '%s' repeats column %d '%s'", i + 1,
                 printable(cell, len, tmp), im->map[c] + 1, columns[c].name);
        } else if (c >= 0) {
            im->map[c] = (int)i;
        } else if (len == 0) {
            diag(im, CT_WARNING, rec->line, "header: column %zu has no name; ignored", i + 1);
        } else {
            diag(im, CT_WARNING, rec->line, "header: unknown column '%s' ignored",
                 printable(cell, len, tmp));
        }
    }
    if (im->map[COL_GROUP] < 0 && im->map[COL_UID] < 0)
        diag(im, CT_ERROR, rec->line,
             "header: needs a 'group' or a 'uid' column to say which group each row is about");
    if (im->map[COL_MET] < 0)
        diag(im, CT_ERROR, rec->line, "header: missing required column 'met'");
    return im->errors == 0;
}

/* The trimmed cell of column c, or NULL (len 0) when absent or empty. */
static const char *
cell(const struct importer *im, const struct ct_csv_record *rec, int c, size_t *len)
{
    const char *s;

    *len = 0;
    if (im->map[c] < 0)
        return NULL;
    *len = rec->lengths[im->map[c]];
    s = trim_span(rec->fields[im->map[c]], len);
    return *len ? s : NULL;
}

/* Parse a positive decimal id; false if s[0..len) is anything else. */
static bool
parse_id(const char *s, size_t len, int64_t *id)
{
    int64_t v = 0;
    size_t i;

    if (len == 0 || len > 18)
        return false;
    for (i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    if (v <= 0)
        return false;
    *id = v;
    return true;
}

static bool
add_row(struct importer *im, struct row *r)
{
    if (im->count == im->capacity) {
        size_t cap = im->capacity ? im->capacity * 2 : 64;
        struct row *rows = realloc(im->rows, cap * sizeof(*rows));
        if (rows == NULL)
            return false;
        im->rows = rows;
        im->capacity = cap;
    }
    im->rows[im->count++] = *r;
    return true;
}

static void
read_row(struct importer *im, const struct ct_csv_record *rec)
{
    struct row r;
    const char *s, *why;
    char tmp[48], reason[160];
    size_t len;
    size_t errors_before = im->errors;
    long line = rec->line;

    memset(&r, 0, sizeof(r));
    r.line = line;

    s = cell(im, rec, COL_GROUP, &len);
    if (s && !parse_id(s, len, &r.group_id))
        diag(im, CT_ERROR, line, "group: not a group number: '%s'", printable(s, len, tmp));
    s = cell(im, rec, COL_UID, &len);
    if (s) {
        if (len > 255 || memchr(s, '\0', len) != NULL) {
            diag(im, CT_ERROR, line, "uid: not a calendar UID: '%s'", printable(s, len, tmp));
        } else if ((r.uid = strndup(s, len)) == NULL) {
            diag(im, CT_ERROR, 0, "out of memory");
            im->stopped = true;
            return;
        }
    }
    if (r.group_id == 0 && r.uid == NULL && im->errors == errors_before)
        diag(im, CT_ERROR, line, "%s: missing: say which group the row is about",
             im->map[COL_GROUP] >= 0 ? "group" : "uid");

    s = cell(im, rec, COL_MET, &len);
    if (s == NULL) {
        diag(im, CT_ERROR, line, "met: missing (yes or no)");
    } else {
        char buf[48];
        snprintf(buf, sizeof(buf), "%.*s", (int)(len < 40 ? len : 40), s);
        if (len >= 40 || !ct_outcomes_parse_met(buf, &r.met))
            diag(im, CT_ERROR, line, "met: not yes or no: '%s'", printable(s, len, tmp));
    }

    s = cell(im, rec, COL_RATING, &len);
    if (s) {
        if (len == 1 && s[0] >= '1' && s[0] <= '5')
            r.rating = s[0] - '0';
        else
            diag(im, CT_ERROR, line, "rating: not a whole number from 1 to 5: '%s'",
                 printable(s, len, tmp));
    }

    s = cell(im, rec, COL_NOTE, &len);
    if (s) {
        if ((why = note_problem(s, len, reason, sizeof(reason))) != NULL) {
            diag(im, CT_ERROR, line, "note: %s", why);
        } else if ((r.note = note_normalise(s, len)) == NULL) {
            diag(im, CT_ERROR, 0, "out of memory");
            im->stopped = true;
        }
    }

    if (im->stopped || (r.group_id == 0 && r.uid == NULL)) {
        free(r.uid);
        free(r.note);
        return;
    }
    /* A row with other problems still has its group checked: every problem at once. */
    r.invalid = im->errors != errors_before;
    if (!add_row(im, &r)) {
        diag(im, CT_ERROR, 0, "out of memory");
        im->stopped = true;
        free(r.uid);
        free(r.note);
    }
}

/* Read the whole file into im->rows, reporting every problem. */
static void
parse_file(struct importer *im, const char *data, size_t len)
{
    const struct ct_csv_record *rec;
    struct ct_csv *csv;

    if (len >= 2 && (((unsigned char)data[0] == 0xff && (unsigned char)data[1] == 0xfe) ||
                     ((unsigned char)data[0] == 0xfe && (unsigned char)data[1] == 0xff))) {
        diag(im, CT_ERROR, 1, "the file is UTF-16; save it as CSV UTF-8");
        return;
    }
    if ((csv = ct_csv_new(data, len)) == NULL) {
        diag(im, CT_ERROR, 0, "out of memory");
        return;
    }
    do {
        if (ct_csv_next(csv, &rec) != CT_OK) {
            diag(im, CT_ERROR, 0, "out of memory");
            goto out;
        }
    } while (rec != NULL && rec->error == NULL && blank_record(rec));
    if (rec == NULL) {
        diag(im, CT_ERROR, 0, "empty file: the first row must name the columns (group,met,...)");
        goto out;
    }
    if (!read_header(im, rec))
        goto out;
    while (!im->stopped) {
        if (ct_csv_next(csv, &rec) != CT_OK) {
            diag(im, CT_ERROR, 0, "out of memory");
            im->stopped = true;
            break;
        }
        if (rec == NULL)
            break;
        if (rec->error) {
            size_t f = rec->error_field;
            const char *label = "row";
            int c;
            for (c = 0; c < COL_COUNT; c++)
                if (im->map[c] >= 0 && (size_t)im->map[c] == f)
                    label = columns[c].name;
            diag(im, CT_ERROR, rec->error_line, "%s: %s", label, rec->error);
            continue;
        }
        if (blank_record(rec))
            continue;
        if (rec->count != im->header_count) {
            diag(im, CT_ERROR, rec->line, "row has %zu field%s but the header has %zu%s",
                 rec->count, rec->count == 1 ? "" : "s", im->header_count,
                 rec->count > im->header_count ? " (put values holding commas in quotes)" : "");
            continue;
        }
        read_row(im, rec);
    }
out:
    ct_csv_free(csv);
}

/* A set of group ids seen so far, with the line each was first on. */
struct seen {
    int64_t *ids;
    long *lines;
    size_t cap; /* power of two */
    size_t count;
};

static bool
seen_init(struct seen *s, size_t expected)
{
    s->cap = 64;
    while (s->cap < expected * 2)
        s->cap *= 2;
    s->count = 0;
    s->ids = calloc(s->cap, sizeof(*s->ids));
    s->lines = calloc(s->cap, sizeof(*s->lines));
    return s->ids && s->lines;
}

/* The line id was first seen on, or 0 after recording it now. */
static long
seen_add(struct seen *s, int64_t id, long line)
{
    size_t i = ((uint64_t)id * 0x9e3779b97f4a7c15ull) & (s->cap - 1);

    while (s->ids[i] != 0) {
        if (s->ids[i] == id)
            return s->lines[i];
        i = (i + 1) & (s->cap - 1);
    }
    s->ids[i] = id;
    s->lines[i] = line;
    s->count++;
    return 0;
}

/* What checking the rows against the store found. */
struct import_tally {
    size_t added, replaced;
};

/* The key a row names its group by, for messages. */
static const char *
row_label(const struct row *r)
{
    return r->uid && r->group_id == 0 ? "uid" : "group";
}

/*
 * The group row r names, from its look-up, or NULL after reporting why
 * there is none (or the id and the UID disagree).
 */
static const struct ct_outcome_group *
row_group(struct importer *im, const struct row *r, const struct ct_outcome_lookup *look)
{
    char tmp[48];

    if (r->group_id) {
        if (!look->by_id_found) {
            diag(im, CT_ERROR, r->line, "group: no group %lld", (long long)r->group_id);
            return NULL;
        }
        if (r->uid && (!look->by_uid_found || look->by_uid.id != look->by_id.id)) {
            diag(im, CT_ERROR, r->line, "uid: is not the UID of group %lld: '%s'",
                 (long long)look->by_id.id, printable(r->uid, strlen(r->uid), tmp));
            return NULL;
        }
        return &look->by_id;
    }
    if (!look->by_uid_found) {
        diag(im, CT_ERROR, r->line, "uid: no group has the UID '%s'",
             printable(r->uid, strlen(r->uid), tmp));
        return NULL;
    }
    return &look->by_uid;
}

/*
 * Check every parsed row against the groups it names (looks[i] for row i):
 * the group exists, can take an outcome, and is on one line only. Rows that
 * pass get their group id; the tally counts new and replaced outcomes.
 */
static enum ct_status
check_rows(struct importer *im, const struct ct_outcome_lookup *looks, struct import_tally *tally,
           struct ct_error *err)
{
    struct seen seen = {0};
    char reason[200];
    size_t i;

    if (!seen_init(&seen, im->count)) {
        free(seen.ids);
        free(seen.lines);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    for (i = 0; i < im->count && !im->stopped; i++) {
        struct row *r = &im->rows[i];
        const struct ct_outcome_group *ref = row_group(im, r, &looks[i]);
        const char *why, *label = row_label(r);
        long first;

        if (ref == NULL)
            continue;
        if ((why = group_unfit(ref, reason, sizeof(reason))) != NULL) {
            diag(im, CT_ERROR, r->line, "%s: %s", label, why);
            continue;
        }
        if (r->invalid)
            continue; /* reported already; repeats are checked once it is fixed */
        if ((first = seen_add(&seen, ref->id, r->line)) != 0) {
            diag(im, CT_ERROR, r->line, "%s: group %lld is already on line %ld", label,
                 (long long)ref->id, first);
            continue;
        }
        r->group_id = ref->id;
        if (ref->has_outcome)
            tally->replaced++;
        else
            tally->added++;
    }
    free(seen.ids);
    free(seen.lines);
    return CT_OK;
}

/* Write every row's outcome (all checked), source "import". */
static enum ct_status
write_rows(struct ct_txn *txn, const struct importer *im, int64_t now, struct ct_error *err)
{
    struct ct_outcome_row *out = calloc(im->count + 1, sizeof(*out));
    enum ct_status st;
    size_t i;

    if (out == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (i = 0; i < im->count; i++) {
        const struct row *r = &im->rows[i];
        out[i] = (struct ct_outcome_row){r->group_id, r->met, r->rating, r->note, "import"};
    }
    st = ct_store_outcomes_write(txn, out, im->count, now, err);
    free(out);
    return st;
}

/*
 * Check the parsed rows against the store and write them, under one write
 * lock so nothing changes in between; nothing is written when a row fails
 * or with dry_run. OUT: *tally.
 */
static enum ct_status
import_rows(struct ct_store *store, struct importer *im, bool dry_run, int64_t now,
            struct import_tally *tally, struct ct_error *err)
{
    struct ct_outcome_lookup *looks = calloc(im->count + 1, sizeof(*looks));
    struct ct_txn *txn = NULL;
    enum ct_status st;
    size_t i;

    if (looks == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (i = 0; i < im->count; i++) {
        looks[i].group_id = im->rows[i].group_id;
        looks[i].uid = im->rows[i].uid;
    }
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK ||
        (st = ct_store_outcome_groups_lookup(store, looks, im->count, err)) != CT_OK ||
        (st = check_rows(im, looks, tally, err)) != CT_OK)
        goto out;
    if (im->errors > 0 || dry_run)
        goto out; /* rolled back below */
    if ((st = write_rows(txn, im, now, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
out:
    ct_txn_rollback(txn);
    free(looks);
    return st;
}

enum ct_status
ct_outcomes_import(struct ct_store *store, const char *name, const char *data, size_t len,
                   bool dry_run, int64_t now, struct ct_outcomes_import_result *result,
                   struct ct_diags *diags, struct ct_error *err)
{
    struct importer im;
    struct import_tally tally = {0, 0};
    size_t first_diag = diags->count, i;
    enum ct_status st = CT_OK;
    int c;

    if (result)
        memset(result, 0, sizeof(*result));
    memset(&im, 0, sizeof(im));
    im.file = name;
    im.diags = diags;
    for (c = 0; c < COL_COUNT; c++)
        im.map[c] = -1;

    /* Rows that parsed are checked against the store even if others did not: every problem at
     * once. */
    parse_file(&im, data, len);
    if (!im.stopped && (st = import_rows(store, &im, dry_run, now, &tally, err)) != CT_OK)
        goto out;
    if (im.errors > 0) {
        if (im.stopped && im.errors >= CT_OUTCOMES_MAX_ERRORS)
            ct_diags_add(diags, CT_ERROR, name, 0, "too many errors; stopped after %d",
                         CT_OUTCOMES_MAX_ERRORS);
        st = ct_error_set(err, CT_EDATA, "%s: %zu error%s; nothing imported", name, im.errors,
                          im.errors == 1 ? "" : "s");
    } else if (result) {
        result->rows = im.count;
        result->added = tally.added;
        result->replaced = tally.replaced;
    }
out:
    ct_diags_sort(diags, first_diag);
    for (i = 0; i < im.count; i++) {
        free(im.rows[i].uid);
        free(im.rows[i].note);
    }
    free(im.rows);
    return st;
}
