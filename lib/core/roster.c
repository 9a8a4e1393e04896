/*
 * roster.c: reads a roster CSV (SPEC.md "Roster CSV") into struct ct_roster,
 * reporting every problem as FILE:LINE: field: message. One pass over the
 * rows; duplicate e-mails and ties are found through a hash of addresses.
 */
#include "roster.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "util.h"
#include "validate.h"

/* Header names are compared as ct_csv_column_find() does. */
static const struct ct_csv_column columns[CT_COL_COUNT] = {
    [CT_COL_EMAIL] = {"email", true, {"emailaddress", "mail", NULL}},
    [CT_COL_NAME] = {"name", true, {"fullname", "displayname", NULL}},
    [CT_COL_ORGANISATION] = {"organisation", true, {"organization", "org", NULL}},
    [CT_COL_TEAM] = {"team", false, {NULL}},
    [CT_COL_SITE] = {"site", false, {NULL}},
    [CT_COL_ROLE] = {"role", false, {"profession", "jobtitle", NULL}},
    [CT_COL_TIMEZONE] = {"timezone", false, {"tz", NULL}},
    [CT_COL_STATUS] = {"status", false, {NULL}},
    [CT_COL_FREQUENCY] = {"frequency", false, {NULL}},
    [CT_COL_TIES] = {"ties", false, {NULL}},
};

/* An open-addressing set of strings compared case-insensitively (ASCII). */
struct strset {
    size_t *slots; /* 0: empty, else 1 + an index into keys */
    uint64_t *hashes;
    size_t capacity; /* a power of two */
    const char **keys;
    long *lines;
    size_t count;
    size_t keys_capacity;
};

struct parser {
    const char *file;
    struct ct_diags *diags;
    size_t errors, warnings, suppressed;
    bool stopped;
    bool out_of_memory;
    int map[CT_COL_COUNT]; /* column -> field index, or -1 */
    size_t header_count;
    const struct ct_csv_record *header;
    char **header_names; /* copies of the header cells, for messages */
    struct ct_roster *roster;
    size_t capacity;      /* of roster->entries */
    struct strset emails; /* keys: entry e-mails; lines: their rows */
    struct strset zones;  /* time zone names already found valid */
    char *zone_names[64]; /* owned copies of the zones' keys */
    size_t zone_count;
};

static uint64_t
hash_ci(const char *s)
{
    uint64_t h = UINT64_C(1469598103934665603);

    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c >= 'A' && c <= 'Z')
            c += 'a' - 'A';
        h = (h ^ c) * UINT64_C(1099511628211);
    }
    return h;
}

static void
strset_free(struct strset *set)
{
    free(set->slots);
    free(set->hashes);
    free(set->keys);
    free(set->lines);
    memset(set, 0, sizeof(*set));
}

/* The index of key in the set's keys, or -1. */
static long
strset_find(const struct strset *set, const char *key)
{
    uint64_t h;
    size_t i;

    if (set->capacity == 0)
        return -1;
    h = hash_ci(key);
    for (i = h & (set->capacity - 1); set->slots[i] != 0; i = (i + 1) & (set->capacity - 1))
        if (set->hashes[i] == h && ct_strcaseeq(set->keys[set->slots[i] - 1], key))
            return (long)(set->slots[i] - 1);
    return -1;
}

static bool
strset_grow(struct strset *set)
{
    size_t cap = set->capacity ? set->capacity * 2 : 64, i, j;
    size_t *slots = calloc(cap, sizeof(*slots));
    uint64_t *hashes = calloc(cap, sizeof(*hashes));

    if (slots == NULL || hashes == NULL) {
        free(slots);
        free(hashes);
        return false;
    }
    for (i = 0; i < set->capacity; i++) {
        if (set->slots[i] == 0)
            continue;
        for (j = set->hashes[i] & (cap - 1); slots[j] != 0; j = (j + 1) & (cap - 1))
            ;
        slots[j] = set->slots[i];
        hashes[j] = set->hashes[i];
    }
    free(set->slots);
    free(set->hashes);
    set->slots = slots;
    set->hashes = hashes;
    set->capacity = cap;
    return true;
}

/* Add a key (borrowed: it must outlive the set) not already present. */
static bool
strset_add(struct strset *set, const char *key, long line)
{
    uint64_t h = hash_ci(key);
    size_t i;

    if ((set->count + 1) * 2 > set->capacity && !strset_grow(set))
        return false;
    if (set->count == set->keys_capacity) {
        size_t cap = set->keys_capacity ? set->keys_capacity * 2 : 64;
        const char **keys = realloc(set->keys, cap * sizeof(*keys));
        long *lines;
        if (keys == NULL)
            return false;
        set->keys = keys;
        lines = realloc(set->lines, cap * sizeof(*lines));
        if (lines == NULL)
            return false;
        set->lines = lines;
        set->keys_capacity = cap;
    }
    for (i = h & (set->capacity - 1); set->slots[i] != 0; i = (i + 1) & (set->capacity - 1))
        ;
    set->keys[set->count] = key;
    set->lines[set->count] = line;
    set->slots[i] = ++set->count;
    set->hashes[i] = h;
    return true;
}

static void diag(struct parser *p, enum ct_severity severity, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
diag(struct parser *p, enum ct_severity severity, long line, const char *fmt, ...)
{
    va_list ap;

    if (severity == CT_ERROR) {
        if (p->stopped)
            return;
        p->errors++;
    } else if (p->warnings >= CT_ROSTER_MAX_WARNINGS) {
        p->suppressed++;
        return;
    } else {
        p->warnings++;
    }
    va_start(ap, fmt);
    ct_diags_vadd(p->diags, severity, p->file, line, fmt, ap);
    va_end(ap);
    if (severity == CT_ERROR && p->errors >= CT_ROSTER_MAX_ERRORS)
        p->stopped = true;
}

static void
nomem(struct parser *p)
{
    diag(p, CT_ERROR, 0, "out of memory");
    p->stopped = true;
    p->out_of_memory = true;
}

/*
 * A copy of s[0..len) safe to print inside quotes in a message: at most 60
 * bytes (cut at a character boundary, then "..."), anything unprintable or
 * not UTF-8 replaced by '?'. out must hold 80 bytes.
 */
static const char *
printable(const char *s, size_t len, char *out)
{
    bool utf8 = ct_check_utf8(s, len) == NULL;
    size_t i = 0, o = 0;

    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        size_t n = 1;
        if (utf8 && c >= 0x80)
            n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2;
        if (o + n > 60) {
            memcpy(out + o, "...", 3);
            o += 3;
            break;
        }
        if ((c >= 0x80 && !utf8) || ct_find_forbidden_char(s + i, n, false) >= 0) {
            out[o++] = '?';
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return out;
}

/* Trim ASCII white space around s[0..*len); returns the new start. */
static const char *
trim_span(const char *s, size_t *len)
{
    size_t n = *len;

    while (n > 0 && (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')) {
        s++;
        n--;
    }
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        n--;
    *len = n;
    return s;
}

/* The name to use for field index i of a record in messages. */
static const char *
field_label(const struct parser *p, size_t i, char *buf, size_t size)
{
    int c;

    for (c = 0; c < CT_COL_COUNT; c++)
        if (p->map[c] >= 0 && (size_t)p->map[c] == i)
            return columns[c].name;
    if (i < p->header_count && p->header_names[i][0] != '\0') {
        char tmp[80];
        snprintf(buf, size, "%s", printable(p->header_names[i], strlen(p->header_names[i]), tmp));
        return buf;
    }
    snprintf(buf, size, "field %zu", i + 1);
    return buf;
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

/* Whether any header cell names a roster column. */
static bool
names_a_column(const struct parser *p)
{
    size_t i;

    for (i = 0; i < p->header_count; i++)
        if (ct_csv_column_find(columns, CT_COL_COUNT, p->header_names[i],
                               strlen(p->header_names[i])) >= 0)
            return true;
    return false;
}

/* Map the header's cells to columns; false if the file cannot be read on. */
static bool
read_header(struct parser *p, const struct ct_csv_record *rec)
{
    char missing[160] = "", tmp[80];
    size_t i, nmissing = 0;
    int c;

    p->header_count = rec->count;
    p->header_names = calloc(rec->count, sizeof(*p->header_names));
    if (p->header_names == NULL) {
        nomem(p);
        return false;
    }
    for (i = 0; i < rec->count; i++) {
        size_t len = rec->lengths[i];
        const char *cell = trim_span(rec->fields[i], &len);
        if ((p->header_names[i] = strndup(cell, len)) == NULL) {
            nomem(p);
            return false;
        }
    }
    if (rec->error) {
        diag(p, CT_ERROR, rec->error_line, "header: %s", rec->error);
        return false;
    }
    if (rec->count == 1 && (strchr(p->header_names[0], ';') || strchr(p->header_names[0], '\t'))) {
        diag(p, CT_ERROR, rec->line,
             "header: columns are separated by '%s', not ','; save the file as "
             "comma-separated CSV",
             strchr(p->header_names[0], ';') ? ";" : "\\t");
        return false;
    }
    if (!names_a_column(p)) {
        /* A binary, HTML or other file: say so without echoing its content. */
        diag(p, CT_ERROR, rec->line,
             "not a roster: the first row names none of its columns (email,name,"
             "organisation,...); is this the right file?");
        return false;
    }
    for (i = 0; i < rec->count; i++) {
        const char *cell = p->header_names[i];
        c = ct_csv_column_find(columns, CT_COL_COUNT, cell, strlen(cell));
        if (c >= 0 && p->map[c] >= 0) {
            diag(p, CT_ERROR, rec->line, "header: column %zu '%s' repeats column %d '%s'", i + 1,
                 printable(cell, strlen(cell), tmp), p->map[c] + 1, columns[c].name);
        } else if (c >= 0) {
            p->map[c] = (int)i;
            p->roster->columns |= 1u << c;
        } else if (*cell == '\0') {
            diag(p, CT_WARNING, rec->line, "header: column %zu has no name; ignored", i + 1);
        } else {
            const char *suggestion = NULL;
            size_t best = 3, d;
            for (c = 0; c < CT_COL_COUNT; c++) {
                if ((d = ct_edit_distance(cell, columns[c].name)) < best) {
                    best = d;
                    suggestion = columns[c].name;
                }
            }
            if (suggestion)
                diag(p, CT_WARNING, rec->line,
                     "header: unknown column '%s' ignored (did you mean '%s'?)",
                     printable(cell, strlen(cell), tmp), suggestion);
            else
                diag(p, CT_WARNING, rec->line, "header: unknown column '%s' ignored",
                     printable(cell, strlen(cell), tmp));
        }
    }
    for (c = 0; c < CT_COL_COUNT; c++) {
        if (!columns[c].required || p->map[c] >= 0)
            continue;
        snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s'%s'",
                 nmissing ? ", " : "", columns[c].name);
        nmissing++;
    }
    if (nmissing > 0) {
        diag(p, CT_ERROR, rec->line,
             "header: missing required column%s %s (the first row must name the columns: "
             "email,name,organisation,...)",
             nmissing > 1 ? "s" : "", missing);
        return false;
    }
    return p->errors == 0;
}

/*
 * Check one cell for what any column forbids: excessive length, invalid
 * UTF-8, control characters. OUT: *value, a trimmed copy, NULL if empty.
 * Returns false (after reporting) if the cell is unusable.
 */
static bool
take_cell(struct parser *p, const struct ct_csv_record *rec, int column, char **value)
{
    size_t len, skip,
        limit = column == CT_COL_TIES ? CT_ROSTER_MAX_TIES_FIELD : CT_ROSTER_MAX_FIELD;
    const char *s, *reason;
    long cp;

    *value = NULL;
    if (p->map[column] < 0)
        return true;
    len = rec->lengths[p->map[column]];
    s = trim_span(rec->fields[p->map[column]], &len);
    /* "'=x" is what roster list --format csv writes for "=x" (csv.h). */
    skip = ct_csv_unneutralise(s, len);
    s += skip;
    len -= skip;
    if (len > limit) {
        diag(p, CT_ERROR, rec->line, "%s: longer than %zu bytes", columns[column].name, limit);
        return false;
    }
    if ((reason = ct_check_utf8(s, len)) != NULL) {
        diag(p, CT_ERROR, rec->line, "%s: not UTF-8 (%s); save the file as CSV UTF-8",
             columns[column].name, reason);
        return false;
    }
    if ((cp = ct_find_forbidden_char(s, len, false)) >= 0) {
        if (cp == '\n' || cp == '\r')
            diag(p, CT_ERROR, rec->line, "%s: line break not allowed", columns[column].name);
        else
            diag(p, CT_ERROR, rec->line, "%s: control character U+%04lX not allowed",
                 columns[column].name, (unsigned long)cp);
        return false;
    }
    if (len == 0)
        return true;
    if ((*value = strndup(s, len)) == NULL) {
        nomem(p);
        return false;
    }
    return true;
}

/* Time zone look-ups in libical are linear; remember the zones seen valid. */
static bool
check_zone(struct parser *p, const char *zone, long line)
{
    const char *reason;
    char tmp[80], *copy;
    long i = strset_find(&p->zones, zone);

    /* The set ignores case but zone names do not: only an exact match counts. */
    if (i >= 0 && strcmp(p->zones.keys[i], zone) == 0)
        return true;
    if ((reason = ct_check_timezone(zone)) != NULL) {
        diag(p, CT_ERROR, line, "timezone: %s: '%s'", reason, printable(zone, strlen(zone), tmp));
        return false;
    }
    if (i < 0 && p->zone_count < CT_ARRAY_LEN(p->zone_names)) {
        copy = strdup(zone);
        if (copy && strset_add(&p->zones, copy, line))
            p->zone_names[p->zone_count++] = copy;
        else
            free(copy);
    }
    return true;
}

static void
entry_clear(struct ct_roster_entry *e)
{
    size_t i;

    free(e->email);
    free(e->name);
    free(e->organisation);
    free(e->team);
    free(e->site);
    free(e->role);
    free(e->timezone);
    for (i = 0; i < e->ties_count; i++)
        free(e->ties[i]);
    free(e->ties);
    memset(e, 0, sizeof(*e));
}

/* Split the ties cell into e->ties; every address must be valid. */
static bool
parse_ties(struct parser *p, struct ct_roster_entry *e, const char *self, char *cell, long line)
{
    char tmp[80], *item, *next;
    size_t i;

    for (item = cell; item != NULL; item = next) {
        size_t len;
        char *s;
        const char *reason;
        bool seen = false;

        next = strchr(item, ';');
        if (next)
            *next++ = '\0';
        len = strlen(item);
        s = (char *)trim_span(item, &len);
        s[len] = '\0';
        if (len == 0)
            continue;
        if (strpbrk(s, ", \t") != NULL) {
            diag(p, CT_ERROR, line, "ties: separate addresses with ';': '%s'",
                 printable(s, len, tmp));
            return false;
        }
        if ((reason = ct_check_email(s)) != NULL) {
            diag(p, CT_ERROR, line, "ties: %s: '%s'", reason, printable(s, len, tmp));
            return false;
        }
        if (self && ct_strcaseeq(s, self)) {
            diag(p, CT_ERROR, line, "ties: names the member themself: '%s'",
                 printable(s, len, tmp));
            return false;
        }
        for (i = 0; i < e->ties_count && !seen; i++)
            seen = ct_strcaseeq(e->ties[i], s);
        if (seen)
            continue;
        if (e->ties_count == CT_ROSTER_MAX_TIES) {
            diag(p, CT_ERROR, line, "ties: more than %d addresses", CT_ROSTER_MAX_TIES);
            return false;
        }
        if (e->ties_count % 8 == 0) {
            char **ties = realloc(e->ties, (e->ties_count + 8) * sizeof(*ties));
            if (ties == NULL) {
                nomem(p);
                return false;
            }
            e->ties = ties;
        }
        if ((e->ties[e->ties_count] = strdup(s)) == NULL) {
            nomem(p);
            return false;
        }
        e->ties_count++;
    }
    return true;
}

/* Append e to the roster, taking its strings, and index its e-mail. */
static bool
add_entry(struct parser *p, struct ct_roster_entry *e)
{
    struct ct_roster *r = p->roster;

    if (r->count == p->capacity) {
        size_t cap = p->capacity ? p->capacity * 2 : 64;
        struct ct_roster_entry *entries = realloc(r->entries, cap * sizeof(*entries));
        if (entries == NULL)
            return false;
        r->entries = entries;
        p->capacity = cap;
    }
    if (!strset_add(&p->emails, e->email, e->line))
        return false;
    r->entries[r->count++] = *e;
    memset(e, 0, sizeof(*e));
    return true;
}

static void
read_row(struct parser *p, const struct ct_csv_record *rec)
{
    struct ct_roster_entry e;
    char *cells[CT_COL_COUNT] = {NULL}, tmp[80];
    bool usable[CT_COL_COUNT];
    const char *reason;
    long line = rec->line, first;
    int c;

    memset(&e, 0, sizeof(e));
    e.line = line;
    e.status = CT_MEMBER_ACTIVE;
    e.frequency = CT_FREQ_MONTHLY;
    for (c = 0; c < CT_COL_COUNT; c++)
        usable[c] = take_cell(p, rec, c, &cells[c]);
    if (p->stopped)
        goto out;

    if (usable[CT_COL_EMAIL]) {
        const char *email = cells[CT_COL_EMAIL];
        if (email == NULL) {
            diag(p, CT_ERROR, line, "email: missing");
        } else if ((reason = ct_check_email(email)) != NULL) {
            diag(p, CT_ERROR, line, "email: %s: '%s'", reason,
                 printable(email, strlen(email), tmp));
        } else if ((first = strset_find(&p->emails, email)) >= 0) {
            diag(p, CT_ERROR, line, "email: already used on line %ld: '%s'", p->emails.lines[first],
                 printable(email, strlen(email), tmp));
        } else {
            e.email = cells[CT_COL_EMAIL];
            cells[CT_COL_EMAIL] = NULL;
        }
    }
    if (usable[CT_COL_NAME] && cells[CT_COL_NAME] == NULL)
        diag(p, CT_ERROR, line, "name: missing");
    if (usable[CT_COL_ORGANISATION] && cells[CT_COL_ORGANISATION] == NULL)
        diag(p, CT_ERROR, line, "organisation: missing");
    if (cells[CT_COL_TIMEZONE])
        (void)check_zone(p, cells[CT_COL_TIMEZONE], line);
    if (cells[CT_COL_STATUS]) {
        if (ct_member_status_parse(cells[CT_COL_STATUS], &e.status)) {
            e.status_given = true;
        } else {
            diag(p, CT_ERROR, line, "status: not one of active, paused, left: '%s'",
                 printable(cells[CT_COL_STATUS], strlen(cells[CT_COL_STATUS]), tmp));
        }
    }
    if (cells[CT_COL_FREQUENCY]) {
        if (ct_frequency_parse(cells[CT_COL_FREQUENCY], &e.frequency)) {
            e.frequency_given = true;
        } else {
            diag(p, CT_ERROR, line, "frequency: not one of monthly, bimonthly, quarterly: '%s'",
                 printable(cells[CT_COL_FREQUENCY], strlen(cells[CT_COL_FREQUENCY]), tmp));
        }
    }
    if (cells[CT_COL_TIES])
        (void)parse_ties(p, &e, e.email ? e.email : cells[CT_COL_EMAIL], cells[CT_COL_TIES], line);

    e.name = cells[CT_COL_NAME];
    e.organisation = cells[CT_COL_ORGANISATION];
    e.team = cells[CT_COL_TEAM];
    e.site = cells[CT_COL_SITE];
    e.role = cells[CT_COL_ROLE];
    e.timezone = cells[CT_COL_TIMEZONE];
    cells[CT_COL_NAME] = cells[CT_COL_ORGANISATION] = cells[CT_COL_TEAM] = NULL;
    cells[CT_COL_SITE] = cells[CT_COL_ROLE] = cells[CT_COL_TIMEZONE] = NULL;
    /*
     * A row with a valid, new e-mail joins the roster even if other cells are
     * wrong: the roster is thrown away anyway, and later rows then get the
     * right duplicate and ties messages instead of a cascade.
     */
    if (e.email && !add_entry(p, &e))
        nomem(p);
out:
    entry_clear(&e);
    for (c = 0; c < CT_COL_COUNT; c++)
        free(cells[c]);
}

/* Drop ties to people not in the file (warning) and spell the rest as their rows do. */
static void
resolve_ties(struct parser *p)
{
    struct ct_roster *r = p->roster;
    char tmp[80];
    size_t i, j, kept;

    for (i = 0; i < r->count; i++) {
        struct ct_roster_entry *e = &r->entries[i];
        for (j = 0, kept = 0; j < e->ties_count; j++) {
            long k = strset_find(&p->emails, e->ties[j]);
            if (k < 0) {
                diag(p, CT_WARNING, e->line, "ties: not in the roster, ignored: '%s'",
                     printable(e->ties[j], strlen(e->ties[j]), tmp));
                free(e->ties[j]);
                continue;
            }
            if (strcmp(e->ties[j], p->emails.keys[k]) != 0) {
                char *same = strdup(p->emails.keys[k]);
                if (same == NULL) {
                    nomem(p);
                } else {
                    free(e->ties[j]);
                    e->ties[j] = same;
                }
            }
            e->ties[kept++] = e->ties[j];
        }
        e->ties_count = kept;
        if (kept == 0) {
            free(e->ties);
            e->ties = NULL;
        }
    }
}

enum ct_status
ct_roster_parse(const char *name, const char *data, size_t len, struct ct_roster **out,
                struct ct_diags *diags)
{
    struct parser p;
    const struct ct_csv_record *rec;
    struct ct_csv *csv = NULL;
    size_t first_diag = diags->count, i;
    char label[80];
    int c;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.file = name;
    p.diags = diags;
    for (c = 0; c < CT_COL_COUNT; c++)
        p.map[c] = -1;
    if ((p.roster = calloc(1, sizeof(*p.roster))) == NULL) {
        nomem(&p);
        goto out;
    }
    if (len >= 2 && ((unsigned char)data[0] == 0xff && (unsigned char)data[1] == 0xfe)) {
        diag(&p, CT_ERROR, 1, "the file is UTF-16; save it as CSV UTF-8");
        goto out;
    }
    if (len >= 2 && ((unsigned char)data[0] == 0xfe && (unsigned char)data[1] == 0xff)) {
        diag(&p, CT_ERROR, 1, "the file is UTF-16; save it as CSV UTF-8");
        goto out;
    }
    if ((csv = ct_csv_new(data, len)) == NULL) {
        nomem(&p);
        goto out;
    }

    /* The header: the first record that is not blank. */
    do {
        if (ct_csv_next(csv, &rec) != CT_OK) {
            nomem(&p);
            goto out;
        }
    } while (rec != NULL && rec->error == NULL && blank_record(rec));
    if (rec == NULL) {
        diag(&p, CT_ERROR, 0,
             "empty file: the first row must name the columns (email,name,organisation,...)");
        goto out;
    }
    if (!read_header(&p, rec))
        goto out;

    while (!p.stopped) {
        if (ct_csv_next(csv, &rec) != CT_OK) {
            nomem(&p);
            break;
        }
        if (rec == NULL)
            break;
        if (rec->error) {
            diag(&p, CT_ERROR, rec->error_line, "%s: %s",
                 field_label(&p, rec->error_field, label, sizeof(label)), rec->error);
            continue;
        }
        if (blank_record(rec))
            continue;
        if (rec->count != p.header_count) {
            diag(&p, CT_ERROR, rec->line, "row has %zu field%s but the header has %zu%s",
                 rec->count, rec->count == 1 ? "" : "s", p.header_count,
                 rec->count > p.header_count ? " (put values holding commas in quotes)" : "");
            continue;
        }
        read_row(&p, rec);
    }
    if (!p.stopped)
        resolve_ties(&p);

out:
    ct_diags_sort(diags, first_diag);
    if (p.stopped && p.errors >= CT_ROSTER_MAX_ERRORS)
        ct_diags_add(diags, CT_ERROR, name, 0, "too many errors; stopped after %d",
                     CT_ROSTER_MAX_ERRORS);
    if (p.suppressed > 0)
        ct_diags_add(diags, CT_WARNING, name, 0, "%zu more warnings not shown", p.suppressed);
    ct_csv_free(csv);
    strset_free(&p.emails);
    strset_free(&p.zones);
    for (i = 0; i < p.zone_count; i++)
        free(p.zone_names[i]);
    for (i = 0; i < p.header_count && p.header_names; i++)
        free(p.header_names[i]);
    free(p.header_names);
    if (p.errors > 0 || p.out_of_memory) {
        ct_roster_free(p.roster);
        return p.out_of_memory ? CT_ENOMEM : CT_EDATA;
    }
    *out = p.roster;
    return CT_OK;
}

void
ct_roster_free(struct ct_roster *roster)
{
    size_t i;

    if (roster == NULL)
        return;
    for (i = 0; i < roster->count; i++)
        entry_clear(&roster->entries[i]);
    free(roster->entries);
    free(roster);
}

bool
ct_roster_has_column(const struct ct_roster *roster, enum ct_roster_column column)
{
    return column < CT_COL_COUNT && (roster->columns & (1u << column)) != 0;
}

const char *
ct_roster_column_name(enum ct_roster_column column)
{
    return column < CT_COL_COUNT ? columns[column].name : "?";
}

const struct ct_roster_entry *
ct_roster_find(const struct ct_roster *roster, const char *email)
{
    size_t i;

    for (i = 0; i < roster->count; i++)
        if (ct_strcaseeq(roster->entries[i].email, email))
            return &roster->entries[i];
    return NULL;
}

const char *
ct_frequency_str(enum ct_frequency frequency)
{
    switch (frequency) {
    case CT_FREQ_MONTHLY: return "monthly";
    case CT_FREQ_BIMONTHLY: return "bimonthly";
    case CT_FREQ_QUARTERLY: return "quarterly";
    }
    return "?";
}

bool
ct_frequency_parse(const char *s, enum ct_frequency *out)
{
    static const enum ct_frequency all[] = {CT_FREQ_MONTHLY, CT_FREQ_BIMONTHLY, CT_FREQ_QUARTERLY};
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(all); i++) {
        if (ct_strcaseeq(s, ct_frequency_str(all[i]))) {
            *out = all[i];
            return true;
        }
    }
    return false;
}
