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
#include <strings.h>

#include "csv.h"
#include "store_outcomes.h"
#include "util.h"
#include "validate.h"

/* ---- value checks -------------------------------------------------------- */

/* Whether s[0..len) is one of words[0..n), ignoring case. */
static bool
word_in(const char *s, size_t len, const char *const *words, size_t n)
{
    size_t i, j;

    for (i = 0; i < n; i++) {
        if (strlen(words[i]) != len)
            continue;
        for (j = 0; j < len; j++) {
            char c = s[j];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != words[i][j])
                break;
        }
        if (j == len)
            return true;
    }
    return false;
}

bool
ct_outcomes_parse_met(const char *s, bool *met)
{
    static const char *const yes[] = {"yes", "y", "true", "1", "met", "we met"};
    static const char *const no[] = {
        "no", "n", "false", "0", "not met", "did not meet", "we did not meet"};
    static const char *const yes_word[] = {"yes"};
    static const char *const no_word[] = {"no"};
    size_t len, word;

    if (s == NULL)
        return false;
    while (*s == ' ' || *s == '\t')
        s++;
    len = strlen(s);
    while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' || s[len - 1] == '\r'))
        len--;
    if (len == 0)
        return false;
    if (word_in(s, len, yes, CT_ARRAY_LEN(yes)) || word_in(s, len, no, CT_ARRAY_LEN(no))) {
        *met = word_in(s, len, yes, CT_ARRAY_LEN(yes));
        return true;
    }
    /* A survey choice: "Yes, we met", "No - not yet", "No (moved)". */
    for (word = 0; word < len && ((s[word] | 0x20) >= 'a' && (s[word] | 0x20) <= 'z'); word++)
        continue;
    while (word < len && s[word] == ' ')
        word++;
    if (word == len || !strchr(",;.:!(-", s[word]))
        return false;
    while (word > 0 && s[word - 1] == ' ')
        word--;
    if (word_in(s, word, yes_word, 1) || word_in(s, word, no_word, 1)) {
        *met = word_in(s, word, yes_word, 1);
        return true;
    }
    return false;
}

/* t as "YYYY-MM-DD HH:MM UTC" into out (at least 24 bytes). */
static void
format_utc(int64_t t, char *out, size_t size)
{
    int64_t days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
    int64_t secs = t - days * 86400;
    int y, m, d;

    ct_civil_from_days((int32_t)days, &y, &m, &d);
    snprintf(out, size, "%04d-%02d-%02d %02d:%02d UTC", y, m, d, (int)(secs / 3600),
             (int)(secs / 60 % 60));
}

/* Why met cannot be recorded yet for g at now, into buf (returned), or NULL. */
static const char *
meeting_to_come(const struct ct_outcome_group *g, int64_t now, char *buf, size_t size)
{
    char when[32];

    if (!g->has_slot || g->slot_start <= now)
        return NULL;
    format_utc(g->slot_start, when, sizeof(when));
    snprintf(buf, size,
             "group %lld meets on %s, which is still to come; give --force if it has met "
             "already",
             (long long)g->id, when);
    return buf;
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
    if ((why = group_unfit(&look.by_id, reason, sizeof(reason))) != NULL ||
        (outcome->met && !outcome->force &&
         (why = meeting_to_come(&look.by_id, now, reason, sizeof(reason))) != NULL)) {
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

/* ---- the CSV import: columns ------------------------------------------------- */

enum column {
    COL_GROUP,
    COL_UID,
    COL_EMAIL,
    COL_ROUND,
    COL_ROUND_DATE,
    COL_MET,
    COL_RATING,
    COL_NOTE,
    COL_COUNT,
    COL_BOOKKEEPING = COL_COUNT, /* a survey tool's own column: ignored, no warning */
};

static const char *const column_names[COL_COUNT] = {
    [COL_GROUP] = "group",           [COL_UID] = "uid",
    [COL_EMAIL] = "email",           [COL_ROUND] = "round",
    [COL_ROUND_DATE] = "round date", [COL_MET] = "met",
    [COL_RATING] = "rating",         [COL_NOTE] = "note",
};

/*
 * Every header the import knows, as survey tools and organisers write
 * them; compared by ct_csv_header_key() (case, blanks and punctuation
 * ignored: "E-mail", "Email Address" and "email_address" are "Email
 * address"). docs/outcomes-record.md lists the same table. A group is
 * only ever a column that says "group": a form's response "ID" is
 * bookkeeping.
 */
static const struct alias {
    const char *header;
    enum column column;
} aliases[] = {
    {"group", COL_GROUP},
    {"group id", COL_GROUP},
    {"group number", COL_GROUP},
    {"uid", COL_UID},
    {"group uid", COL_UID},
    {"email", COL_EMAIL},
    {"email address", COL_EMAIL},
    {"your email", COL_EMAIL},
    {"your email address", COL_EMAIL},
    {"respondent email", COL_EMAIL},
    {"member email", COL_EMAIL},
    {"round", COL_ROUND},
    {"round id", COL_ROUND},
    {"round number", COL_ROUND},
    {"round date", COL_ROUND_DATE},
    {"met", COL_MET},
    {"did you meet?", COL_MET},
    {"did you meet your partner?", COL_MET},
    {"have you met?", COL_MET},
    {"did the meeting happen?", COL_MET},
    {"did the meeting take place?", COL_MET},
    {"rating", COL_RATING},
    {"rating (1-5)", COL_RATING},
    {"how was it?", COL_RATING},
    {"how was it? (1-5)", COL_RATING},
    {"how was your meeting?", COL_RATING},
    {"how was your meeting? (1-5)", COL_RATING},
    {"note", COL_NOTE},
    {"notes", COL_NOTE},
    {"comment", COL_NOTE},
    {"comments", COL_NOTE},
    {"any comments?", COL_NOTE},
    {"anything else?", COL_NOTE},
    {"feedback", COL_NOTE},
    /* Microsoft Forms' and Google Forms' own columns */
    {"ID", COL_BOOKKEEPING},
    {"Start time", COL_BOOKKEEPING},
    {"Completion time", COL_BOOKKEEPING},
    {"Last modified time", COL_BOOKKEEPING},
    {"Name", COL_BOOKKEEPING},
    {"Timestamp", COL_BOOKKEEPING},
    {"Score", COL_BOOKKEEPING},
    {"Total points", COL_BOOKKEEPING},
    {"Quiz feedback", COL_BOOKKEEPING},
};

const char *
ct_outcomes_alias(size_t i, const char **column)
{
    if (i >= CT_ARRAY_LEN(aliases))
        return NULL;
    *column = aliases[i].column == COL_BOOKKEEPING ? NULL : column_names[aliases[i].column];
    return aliases[i].header;
}

/* The column header cell[0..len) names, or -1 if none. */
static int
column_of(const char *cell, size_t len)
{
    char key[64], want[64];
    size_t i;

    if (ct_csv_header_key(cell, len, key, sizeof(key)) == 0)
        return -1;
    for (i = 0; i < CT_ARRAY_LEN(aliases); i++) {
        const char *h = aliases[i].header;
        if (ct_csv_header_key(h, strlen(h), want, sizeof(want)) && strcmp(key, want) == 0)
            return (int)aliases[i].column;
    }
    return -1;
}

/* ---- the CSV import: reading ------------------------------------------------ */

/* One row that parsed; checked against the store afterwards. */
struct row {
    long line;
    int64_t group_id;    /* 0 if not given */
    char *uid;           /* NULL if not given */
    char *email;         /* NULL if not given */
    int64_t round_id;    /* 0 if not given */
    char round_date[11]; /* "" if not given */
    bool invalid;        /* a field is wrong: its group is checked, it is never written */
    bool met;
    int rating;
    char *note;
    /* found by the checks */
    const struct ct_outcome_group *group; /* NULL: no group fit */
    int64_t member_id;                    /* 0: the row did not name a member */
};

struct importer {
    const char *file;
    struct ct_diags *diags;
    int map[COL_COUNT];  /* field index of each column, -1 if absent */
    bool bookkeeping_id; /* a column is a survey tool's response "ID" */
    size_t header_count;
    size_t errors;
    bool stopped;
    bool force;
    int64_t default_round_id;    /* --round, or 0 */
    char default_round_date[11]; /* --round, or "" */
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

/* Check that the header names enough columns to find each row's group. */
static void
header_needs(struct importer *im, long line)
{
    bool named = im->map[COL_GROUP] >= 0 || im->map[COL_UID] >= 0;
    bool round = im->map[COL_ROUND] >= 0 || im->map[COL_ROUND_DATE] >= 0 || im->default_round_id ||
                 im->default_round_date[0];

    if (!named && im->map[COL_EMAIL] < 0)
        diag(im, CT_ERROR, line,
             "header: needs a 'group' or 'uid' column, or an 'email' column with the round, to "
             "say which group each row is about%s",
             im->bookkeeping_id ? " ('ID' is the survey tool's response number, not a group)" : "");
    else if (!named && !round)
        diag(im, CT_ERROR, line,
             "header: an 'email' column needs the round: add a 'round' or 'round date' column, "
             "or give --round ID|DATE");
    if (im->map[COL_ROUND] >= 0 && im->map[COL_ROUND_DATE] >= 0)
        diag(im, CT_ERROR, line,
             "header: give the round once: columns 'round' and 'round date' are both there");
    if (im->map[COL_MET] < 0)
        diag(im, CT_ERROR, line, "header: missing required column 'met'");
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
        c = column_of(cell, len);
        if (c == COL_BOOKKEEPING) {
            im->bookkeeping_id |= len == 2 && (cell[0] | 0x20) == 'i' && (cell[1] | 0x20) == 'd';
        } else if (c >= 0 && im->map[c] >= 0) {
            diag(im, CT_ERROR, rec->line, "header: column %zu '%s' repeats column %d '%s'", i + 1,
                 printable(cell, len, tmp), im->map[c] + 1, column_names[c]);
        } else if (c >= 0) {
            im->map[c] = (int)i;
        } else if (len == 0) {
            diag(im, CT_WARNING, rec->line, "header: column %zu has no name; ignored", i + 1);
        } else {
            diag(im, CT_WARNING, rec->line, "header: unknown column '%s' ignored",
                 printable(cell, len, tmp));
        }
    }
    header_needs(im, rec->line);
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

/*
 * A round, s[0..len): a number into *id, or (always when date_only) a date
 * YYYY-MM-DD into date (11 bytes). False if it is neither.
 */
static bool
parse_round(const char *s, size_t len, bool date_only, int64_t *id, char *date)
{
    char buf[11];

    if (!date_only && parse_id(s, len, id))
        return true;
    if (len != 10)
        return false;
    memcpy(buf, s, 10);
    buf[10] = '\0';
    if (ct_parse_date(buf, NULL) != NULL)
        return false;
    memcpy(date, buf, 11);
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
row_free(struct row *r)
{
    free(r->uid);
    free(r->email);
    free(r->note);
}

/* A copy of s[0..len) into *out; false (reported, stopped) when out of memory. */
static bool
keep(struct importer *im, const char *s, size_t len, char **out)
{
    if ((*out = strndup(s, len)) != NULL)
        return true;
    diag(im, CT_ERROR, 0, "out of memory");
    im->stopped = true;
    return false;
}

/* The keys naming the row's group: group, uid, email, round. */
static void
read_keys(struct importer *im, const struct ct_csv_record *rec, struct row *r)
{
    const char *s;
    char tmp[48];
    size_t len;
    int c;

    s = cell(im, rec, COL_GROUP, &len);
    if (s && !parse_id(s, len, &r->group_id))
        diag(im, CT_ERROR, r->line, "group: not a group number: '%s'", printable(s, len, tmp));
    s = cell(im, rec, COL_UID, &len);
    if (s && (len > 255 || memchr(s, '\0', len) != NULL))
        diag(im, CT_ERROR, r->line, "uid: not a calendar UID: '%s'", printable(s, len, tmp));
    else if (s && !keep(im, s, len, &r->uid))
        return;
    s = cell(im, rec, COL_EMAIL, &len);
    if (s && (len > 254 || memchr(s, '@', len) == NULL || memchr(s, ' ', len) != NULL ||
              memchr(s, '\0', len) != NULL))
        diag(im, CT_ERROR, r->line, "email: not an e-mail address: '%s'%s", printable(s, len, tmp),
             len == 9 && strncasecmp(s, "anonymous", 9) == 0
                 ? " (the form did not record who answered: let it record e-mail addresses)"
                 : "");
    else if (s && !keep(im, s, len, &r->email))
        return;
    c = im->map[COL_ROUND] >= 0 ? COL_ROUND : COL_ROUND_DATE;
    if ((s = cell(im, rec, c, &len)) != NULL) {
        if (!parse_round(s, len, c == COL_ROUND_DATE, &r->round_id, r->round_date))
            diag(im, CT_ERROR, r->line, "%s: not a round %s: '%s'", column_names[c],
                 c == COL_ROUND ? "number or date (YYYY-MM-DD)" : "date (YYYY-MM-DD)",
                 printable(s, len, tmp));
    } else if (im->default_round_id || im->default_round_date[0]) {
        r->round_id = im->default_round_id;
        memcpy(r->round_date, im->default_round_date, sizeof(r->round_date));
    } else if (r->email && r->group_id == 0 && r->uid == NULL && im->map[COL_GROUP] < 0 &&
               im->map[COL_UID] < 0) {
        return; /* the header said so already */
    } else if (r->email && r->group_id == 0 && r->uid == NULL && !cell(im, rec, COL_GROUP, &len) &&
               !cell(im, rec, COL_UID, &len)) {
        diag(im, CT_ERROR, r->line,
             "round: missing: say which round the answer is about (or the group)");
    }
}

/* The answers: met, rating, note. */
static void
read_answers(struct importer *im, const struct ct_csv_record *rec, struct row *r)
{
    const char *s, *why;
    char tmp[48], reason[160];
    size_t len;

    s = cell(im, rec, COL_MET, &len);
    if (s == NULL) {
        diag(im, CT_ERROR, r->line, "met: missing (yes or no)");
    } else {
        char buf[64];
        snprintf(buf, sizeof(buf), "%.*s", (int)(len < 60 ? len : 60), s);
        if (len >= 60 || memchr(s, '\0', len) || !ct_outcomes_parse_met(buf, &r->met))
            diag(im, CT_ERROR, r->line, "met: not yes or no: '%s'", printable(s, len, tmp));
    }
    s = cell(im, rec, COL_RATING, &len);
    if (s) {
        if (len == 1 && s[0] >= '1' && s[0] <= '5')
            r->rating = s[0] - '0';
        else
            diag(im, CT_ERROR, r->line, "rating: not a whole number from 1 to 5: '%s'",
                 printable(s, len, tmp));
    }
    s = cell(im, rec, COL_NOTE, &len);
    if (s) {
        if ((why = note_problem(s, len, reason, sizeof(reason))) != NULL) {
            diag(im, CT_ERROR, r->line, "note: %s", why);
        } else if ((r->note = note_normalise(s, len)) == NULL) {
            diag(im, CT_ERROR, 0, "out of memory");
            im->stopped = true;
        }
    }
}

static void
read_row(struct importer *im, const struct ct_csv_record *rec)
{
    struct row r;
    size_t errors_before = im->errors;

    memset(&r, 0, sizeof(r));
    r.line = rec->line;
    read_keys(im, rec, &r);
    if (!im->stopped && r.group_id == 0 && r.uid == NULL && r.email == NULL &&
        im->errors == errors_before)
        diag(im, CT_ERROR, r.line, "%s: missing: say which group the row is about",
             im->map[COL_GROUP] >= 0 ? "group" : (im->map[COL_UID] >= 0 ? "uid" : "email"));
    if (!im->stopped)
        read_answers(im, rec, &r);
    if (im->stopped || (r.group_id == 0 && r.uid == NULL && r.email == NULL)) {
        row_free(&r);
        return;
    }
    /* A row with other problems still has its group checked: every problem at once. */
    r.invalid = im->errors != errors_before;
    if (!add_row(im, &r)) {
        diag(im, CT_ERROR, 0, "out of memory");
        im->stopped = true;
        row_free(&r);
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
                    label = column_names[c];
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

/* ---- the CSV import: checking against the store -------------------------------- */

/* The group the row names by number or UID, or NULL after reporting why there is none. */
static const struct ct_outcome_group *
named_group(struct importer *im, const struct row *r, const struct ct_outcome_lookup *look)
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

/* Whether the round the row names was sent (and is the only one sent that day), else reported. */
static bool
round_fit(struct importer *im, const struct row *r, const struct ct_outcome_lookup *look)
{
    const struct ct_outcome_round *rd = &look->round;
    const char *label = im->map[COL_ROUND] >= 0 ? "round" : "round date";

    if (r->round_id == 0 && r->round_date[0] == '\0')
        return true;
    if (r->line == 0 || (im->map[COL_ROUND] < 0 && im->map[COL_ROUND_DATE] < 0))
        label = "--round";
    if (!look->round_found) {
        if (r->round_id)
            diag(im, CT_ERROR, r->line, "%s: no round %lld", label, (long long)r->round_id);
        else
            diag(im, CT_ERROR, r->line, "%s: no round on %s", label, r->round_date);
    } else if (rd->state == CT_ROUND_PLANNED) {
        diag(im, CT_ERROR, r->line, "%s: round %lld has not been sent yet (it is planned)", label,
             (long long)rd->id);
    } else if (rd->state == CT_ROUND_REPLACED) {
        diag(im, CT_ERROR, r->line, "%s: round %lld was never sent: it was planned again", label,
             (long long)rd->id);
    } else if (rd->state == CT_ROUND_CANCELLED) {
        diag(im, CT_ERROR, r->line, "%s: round %lld was cancelled", label, (long long)rd->id);
    } else if (rd->sent_on_date > 1) {
        diag(im, CT_ERROR, r->line, "%s: %zu rounds were sent on %s; give the round number", label,
             rd->sent_on_date, r->round_date);
    } else {
        return true;
    }
    return false;
}

/* The group of the row's member (named is the group the row names, or NULL), or NULL. */
static const struct ct_outcome_group *
member_group(struct importer *im, const struct row *r, const struct ct_outcome_lookup *look,
             const struct ct_outcome_group *named)
{
    const struct ct_outcome_group *g = &look->by_member;
    long long round =
        look->round_found ? (long long)look->round.id : (named ? (long long)named->round_id : 0);
    char tmp[48];
    const char *who = printable(r->email, strlen(r->email), tmp);

    if (!look->member_found)
        diag(im, CT_ERROR, r->line, "email: no member has the address '%s'", who);
    else if (!look->by_member_found || g->state != CT_GROUP_SENT)
        diag(im, CT_ERROR, r->line, "email: %s is in no sent group of round %lld", who, round);
    else if (look->member_removed)
        diag(im, CT_ERROR, r->line, "email: %s was taken out of group %lld of round %lld", who,
             (long long)g->id, round);
    else if (named && named->id != g->id)
        diag(im, CT_ERROR, r->line,
             "group: group %lld does not include %s (their group in round "
             "%lld is %lld)",
             (long long)named->id, who, round, (long long)g->id);
    else
        return g;
    return NULL;
}

/* The group row r is about, after every check but repeats, or NULL after reporting why. */
static const struct ct_outcome_group *
row_group(struct importer *im, const struct row *r, const struct ct_outcome_lookup *look,
          int64_t now)
{
    const struct ct_outcome_group *named = NULL, *g;
    const char *label = r->group_id ? "group" : (r->uid ? "uid" : "email"), *why;
    char reason[200];

    if ((r->group_id || r->uid) && (named = named_group(im, r, look)) == NULL)
        return NULL;
    if (!round_fit(im, r, look))
        return NULL;
    if (named && look->round_found && named->round_id != look->round.id) {
        diag(im, CT_ERROR, r->line, "round: group %lld is in round %lld, not round %lld",
             (long long)named->id, (long long)named->round_id, (long long)look->round.id);
        return NULL;
    }
    if (named && (why = group_unfit(named, reason, sizeof(reason))) != NULL) {
        diag(im, CT_ERROR, r->line, "%s: %s", label, why);
        return NULL;
    }
    g = named;
    if (r->email && named == NULL && !look->round_found)
        return NULL; /* no round to look in: reported with the fields */
    if (r->email && (g = member_group(im, r, look, named)) == NULL)
        return NULL;
    if ((why = group_unfit(g, reason, sizeof(reason))) != NULL) {
        diag(im, CT_ERROR, r->line, "%s: %s", label, why);
        return NULL;
    }
    if (r->met && !im->force && (why = meeting_to_come(g, now, reason, sizeof(reason))) != NULL) {
        diag(im, CT_ERROR, r->line, "met: %s", why);
        return NULL;
    }
    return g;
}

/* Rows in group order, then line order; rows with no group last. */
static int
by_group_line(const void *a, const void *b)
{
    const struct row *x = *(const struct row *const *)a, *y = *(const struct row *const *)b;
    int64_t gx = x->group ? x->group->id : INT64_MAX, gy = y->group ? y->group->id : INT64_MAX;

    if (gx != gy)
        return gx < gy ? -1 : 1;
    return (x->line > y->line) - (x->line < y->line);
}

/* One outcome to write: a group's rows combined. */
struct combined {
    const struct ct_outcome_group *group;
    bool met;
    int rating;
    char *note; /* NULL for none */
};

/*
 * Report rows of one group that repeat: a row naming only the group and any
 * other row, or one member twice. rows[0..n) are the group's rows in line
 * order. True if none repeats.
 */
static bool
group_repeats(struct importer *im, struct row *const *rows, size_t n)
{
    size_t i, j;
    bool ok = true;
    char tmp[48];

    for (i = 1; i < n && !im->stopped; i++) {
        for (j = 0; j < i; j++) {
            if (rows[i]->member_id != 0 && rows[j]->member_id != 0 &&
                rows[i]->member_id != rows[j]->member_id)
                continue;
            if (rows[i]->member_id != 0 && rows[i]->member_id == rows[j]->member_id)
                diag(im, CT_ERROR, rows[i]->line,
                     "email: %s already answered for group %lld "
                     "on line %ld",
                     printable(rows[i]->email, strlen(rows[i]->email), tmp),
                     (long long)rows[i]->group->id, rows[j]->line);
            else
                diag(im, CT_ERROR, rows[i]->line, "%s: group %lld is already on line %ld",
                     rows[i]->member_id ? "email" : (rows[i]->group_id ? "group" : "uid"),
                     (long long)rows[i]->group->id, rows[j]->line);
            ok = false;
            break;
        }
    }
    return ok;
}

/*
 * Combine the answers of one group's members, rows[0..n): met if any says
 * so (a warning when they differ), the mean rating rounded, the notes
 * joined by line breaks. OUT: *out. False when out of memory.
 */
static bool
group_combine(struct importer *im, struct row *const *rows, size_t n, struct combined *out)
{
    struct ct_buf notes;
    int sum = 0, rated = 0;
    size_t i;

    ct_buf_init(&notes);
    memset(out, 0, sizeof(*out));
    out->group = rows[0]->group;
    for (i = 0; i < n; i++) {
        out->met |= rows[i]->met;
        if (rows[i]->rating) {
            sum += rows[i]->rating;
            rated++;
        }
        if (rows[i]->note && *rows[i]->note) {
            if (notes.len)
                ct_buf_putc(&notes, '\n');
            ct_buf_puts(&notes, rows[i]->note);
        }
        if (i > 0 && rows[i]->met != rows[0]->met)
            diag(im, CT_WARNING, rows[i]->line,
                 "met: answers for group %lld differ (line %ld: %s, line %ld: %s); recorded as met",
                 (long long)out->group->id, rows[0]->line, rows[0]->met ? "met" : "did not meet",
                 rows[i]->line, rows[i]->met ? "met" : "did not meet");
    }
    out->rating = rated ? (2 * sum + rated) / (2 * rated) : 0;
    if (notes.len && (!ct_buf_putc(&notes, '\0') || notes.failed)) {
        ct_buf_free(&notes);
        return false;
    }
    out->note = notes.len ? ct_buf_steal(&notes) : NULL;
    ct_buf_free(&notes);
    return true;
}

/* The outcomes an import writes, one per group. */
struct plan {
    struct combined *items;
    size_t count;
};

static void
plan_free(struct plan *p)
{
    size_t i;

    for (i = 0; i < p->count; i++)
        free(p->items[i].note);
    free(p->items);
    p->items = NULL;
    p->count = 0;
}

/*
 * Turn the checked rows (those with a group, in group order: sorted[0..n))
 * into one outcome per group, reporting repeats. OUT: *plan.
 */
static enum ct_status
plan_groups(struct importer *im, struct row **sorted, size_t n, struct plan *plan,
            struct ct_error *err)
{
    size_t i = 0, j;

    if ((plan->items = calloc(n + 1, sizeof(*plan->items))) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    while (i < n && !im->stopped) {
        for (j = i + 1; j < n && sorted[j]->group->id == sorted[i]->group->id; j++)
            continue;
        if (group_repeats(im, sorted + i, j - i) && im->errors == 0) {
            if (!group_combine(im, sorted + i, j - i, &plan->items[plan->count]))
                return ct_error_set(err, CT_ENOMEM, "out of memory");
            plan->count++;
        }
        i = j;
    }
    return CT_OK;
}

/*
 * Check every parsed row against what looks[i] found for row i, then plan
 * one outcome per group. OUT: *plan (empty when there is any error).
 */
static enum ct_status
check_rows(struct importer *im, const struct ct_outcome_lookup *looks, int64_t now,
           struct plan *plan, struct ct_error *err)
{
    struct row **sorted = calloc(im->count + 1, sizeof(*sorted));
    enum ct_status st;
    size_t i, n = 0;

    if (sorted == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (i = 0; i < im->count && !im->stopped; i++) {
        struct row *r = &im->rows[i];
        r->group = row_group(im, r, &looks[i], now);
        r->member_id = r->email ? looks[i].member_id : 0;
        if (r->group && !r->invalid)
            sorted[n++] = r; /* invalid rows were reported; repeats are checked once fixed */
    }
    qsort(sorted, n, sizeof(*sorted), by_group_line);
    st = plan_groups(im, sorted, n, plan, err);
    if (st != CT_OK || im->errors > 0)
        plan_free(plan);
    free(sorted);
    return st;
}

/* Write the planned outcomes, source "import". */
static enum ct_status
write_plan(struct ct_txn *txn, const struct plan *plan, int64_t now, struct ct_error *err)
{
    struct ct_outcome_row *out = calloc(plan->count + 1, sizeof(*out));
    enum ct_status st;
    size_t i;

    if (out == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (i = 0; i < plan->count; i++) {
        const struct combined *c = &plan->items[i];
        out[i] = (struct ct_outcome_row){c->group->id, c->met, c->rating, c->note, "import"};
    }
    st = ct_store_outcomes_write(txn, out, plan->count, now, err);
    free(out);
    return st;
}

/*
 * Check the --round option on its own before the rows, so a wrong one is
 * reported once (FILE: --round: ...), not on every row.
 */
static enum ct_status
check_default_round(struct ct_store *store, struct importer *im, struct ct_error *err)
{
    struct ct_outcome_lookup look = {.round_id = im->default_round_id,
                                     .round_date = im->default_round_date};
    struct row r = {.line = 0, .round_id = im->default_round_id};
    enum ct_status st;

    if (im->default_round_id == 0 && im->default_round_date[0] == '\0')
        return CT_OK;
    if (im->default_round_id)
        look.round_date = NULL;
    memcpy(r.round_date, im->default_round_date, sizeof(r.round_date));
    if ((st = ct_store_outcome_groups_lookup(store, &look, 1, err)) != CT_OK)
        return st;
    if (!round_fit(im, &r, &look))
        im->stopped = true;
    return CT_OK;
}

/*
 * Check the parsed rows against the store and write them, under one write
 * lock so nothing changes in between; nothing is written when a row fails
 * or with dry_run. OUT: *result's groups, added and replaced.
 */
static enum ct_status
import_rows(struct ct_store *store, struct importer *im, bool dry_run, int64_t now,
            struct ct_outcomes_import_result *result, struct ct_error *err)
{
    struct ct_outcome_lookup *looks = calloc(im->count + 1, sizeof(*looks));
    struct plan plan = {0};
    struct ct_txn *txn = NULL;
    enum ct_status st;
    size_t i;

    if (looks == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    for (i = 0; i < im->count; i++) {
        const struct row *r = &im->rows[i];
        looks[i] = (struct ct_outcome_lookup){
            .group_id = r->group_id, .uid = r->uid, .round_id = r->round_id, .email = r->email};
        if (r->round_id == 0 && r->round_date[0])
            looks[i].round_date = r->round_date;
    }
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK ||
        (st = check_default_round(store, im, err)) != CT_OK || im->stopped ||
        (st = ct_store_outcome_groups_lookup(store, looks, im->count, err)) != CT_OK ||
        (st = check_rows(im, looks, now, &plan, err)) != CT_OK)
        goto out;
    for (i = 0; i < plan.count; i++) {
        if (plan.items[i].group->has_outcome)
            result->replaced++;
        else
            result->added++;
    }
    result->groups = plan.count;
    if (im->errors > 0 || dry_run)
        goto out; /* rolled back below */
    if ((st = write_plan(txn, &plan, now, err)) != CT_OK)
        goto out;
    st = ct_txn_commit(txn, err);
    txn = NULL;
out:
    ct_txn_rollback(txn);
    plan_free(&plan);
    free(looks);
    return st;
}

enum ct_status
ct_outcomes_import(struct ct_store *store, const char *name, const char *data, size_t len,
                   const struct ct_outcomes_import_options *options, int64_t now,
                   struct ct_outcomes_import_result *result, struct ct_diags *diags,
                   struct ct_error *err)
{
    struct ct_outcomes_import_result tally = {0};
    struct importer im;
    size_t first_diag = diags->count, i;
    enum ct_status st = CT_OK;
    int c;

    if (result)
        memset(result, 0, sizeof(*result));
    memset(&im, 0, sizeof(im));
    im.file = name;
    im.diags = diags;
    im.force = options->force;
    for (c = 0; c < COL_COUNT; c++)
        im.map[c] = -1;
    if (options->round && !parse_round(options->round, strlen(options->round), false,
                                       &im.default_round_id, im.default_round_date))
        return ct_error_set(err, CT_EUSAGE,
                            "--round: not a round number or date (YYYY-MM-DD): '%s'",
                            options->round);

    /* Rows that parsed are checked against the store even if others did not: every problem at
     * once. */
    parse_file(&im, data, len);
    if (!im.stopped && (st = import_rows(store, &im, options->dry_run, now, &tally, err)) != CT_OK)
        goto out;
    if (im.errors > 0) {
        if (im.stopped && im.errors >= CT_OUTCOMES_MAX_ERRORS)
            ct_diags_add(diags, CT_ERROR, name, 0, "too many errors; stopped after %d",
                         CT_OUTCOMES_MAX_ERRORS);
        st = ct_error_set(err, CT_EDATA, "%s: %zu error%s; nothing imported", name, im.errors,
                          im.errors == 1 ? "" : "s");
    } else if (result) {
        *result = tally;
        result->rows = im.count;
    }
out:
    ct_diags_sort(diags, first_diag);
    for (i = 0; i < im.count; i++)
        row_free(&im.rows[i]);
    free(im.rows);
    return st;
}
