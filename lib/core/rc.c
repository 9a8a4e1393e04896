/*
 * rc.c: reads a Relational Coordination survey CSV (rc.h) in either shape,
 * checks every row against the roster's roles, and averages the responses
 * into one strength per unordered role pair. All problems are collected.
 */
#include "rc.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "orgname.h"
#include "util.h"

#define KEY_MAX    256
#define MAX_ERRORS 50

enum col {
    C_EMAIL,
    C_RESP_ROLE,
    C_RATED,
    C_DIM0, /* the seven dimensions follow in order */
    C_ROLE_A = C_DIM0 + CT_RC_DIMENSIONS,
    C_ROLE_B,
    C_STRENGTH,
    C_COUNT
};

/* Header names, compared as ct_csv_column_find() does. */
static const struct ct_csv_column columns[C_COUNT] = {
    [C_EMAIL] = {"email", false, {"respondentemail", "respondent", "emailaddress", NULL}},
    [C_RESP_ROLE] = {"respondentrole", false, {"myrole", "yourrole", "fromrole", NULL}},
    [C_RATED] = {"ratedrole", false, {"roleratedrole", "rolerated", "aboutrole", "torole"}},
    [C_DIM0 + 0] = {"frequent", false, {"frequency", "frequentcommunication", NULL}},
    [C_DIM0 + 1] = {"timely", false, {"timeliness", "timelycommunication", NULL}},
    [C_DIM0 + 2] = {"accurate", false, {"accuracy", "accuratecommunication", NULL}},
    [C_DIM0 + 3] = {"problemsolving", false, {"problemsolvingcommunication", NULL}},
    [C_DIM0 + 4] = {"sharedgoals", false, {"goals", NULL}},
    [C_DIM0 + 5] = {"sharedknowledge", false, {"knowledge", NULL}},
    [C_DIM0 + 6] = {"mutualrespect", false, {"respect", NULL}},
    [C_ROLE_A] = {"rolea", false, {"role1", "fromrole", NULL}},
    [C_ROLE_B] = {"roleb", false, {"role2", "torole", NULL}},
    [C_STRENGTH] = {"strength", false, {"rc", "rcscore", "score", NULL}},
};

static const char *const dimensions[CT_RC_DIMENSIONS] = {
    "frequent",     "timely",           "accurate",      "problem_solving",
    "shared_goals", "shared_knowledge", "mutual_respect"};

const char *
ct_rc_dimension(size_t i)
{
    return i < CT_RC_DIMENSIONS ? dimensions[i] : NULL;
}

size_t
ct_rc_fold(const struct ct_orgname_aliases *aliases, const char *name, char *key, size_t size)
{
    char *folded = name ? ct_orgname_identity(aliases, name) : NULL;
    size_t len = folded ? strlen(folded) : 0;

    if (len == 0 || len >= size)
        len = 0;
    else
        memcpy(key, folded, len + 1);
    free(folded);
    return len;
}

/* ASCII case-insensitive string comparison, 0 when equal. */
static int
ascii_casecmp(const char *a, const char *b)
{
    for (;; a++, b++) {
        int x = (unsigned char)*a, y = (unsigned char)*b;
        if (x >= 'A' && x <= 'Z')
            x += 'a' - 'A';
        if (y >= 'A' && y <= 'Z')
            y += 'a' - 'A';
        if (x != y || x == 0)
            return x - y;
    }
}

/* A pair being summed: the roster's spellings, the keys, the sums. */
struct acc {
    const char *a, *b; /* borrowed from the roster */
    char ka[KEY_MAX], kb[KEY_MAX];
    double sum;
    size_t n;
    long line; /* first row (duplicates in the aggregated shape) */
};

/* A respondent's rating of one role (duplicates in the per-response shape). */
struct seen {
    char *who; /* folded e-mail */
    char key[KEY_MAX];
    long line;
};

struct parser {
    const char *file;
    const struct ct_rc_roster *roster;
    struct ct_diags *diags;
    int map[C_COUNT];
    size_t errors;
    bool nomem;
    struct acc *acc;
    size_t acc_n, acc_cap;
    struct seen *seen;
    size_t seen_n, seen_cap;
};

static void row_error(struct parser *p, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Count an error and report it as FILE:LINE: message (the first MAX_ERRORS). */
static void
row_error(struct parser *p, long line, const char *fmt, ...)
{
    va_list ap;

    p->errors++;
    if (p->errors > MAX_ERRORS)
        return;
    va_start(ap, fmt);
    ct_diags_vadd(p->diags, CT_ERROR, p->file, line, fmt, ap);
    va_end(ap);
}

/*
 * The name role name is kept under: the canonical name of the alias it
 * falls under, else the roster's spelling; NULL when no member has it.
 */
static const char *
known_role(const struct ct_rc_roster *r, const char *name)
{
    char want[KEY_MAX], have[KEY_MAX];
    size_t i, a;

    if (ct_rc_fold(r->aliases, name, want, sizeof(want)) == 0)
        return NULL;
    for (i = 0; i < r->count; i++)
        if (r->roles[i] && ct_rc_fold(r->aliases, r->roles[i], have, sizeof(have)) > 0 &&
            strcmp(want, have) == 0)
            break;
    if (i == r->count)
        return NULL;
    for (a = 0; r->aliases && a < r->aliases->count; a++)
        if (strcmp(r->aliases->items[a].canonical_key, want) == 0)
            return r->aliases->items[a].canonical;
    return r->roles[i];
}

/* The member's role by e-mail; *found says whether the e-mail is in the roster. */
static const char *
role_of_email(const struct ct_rc_roster *r, const char *email, bool *found)
{
    size_t i;

    *found = false;
    for (i = 0; i < r->count; i++)
        if (r->emails[i] && ascii_casecmp(r->emails[i], email) == 0) {
            *found = true;
            return r->roles[i] && *r->roles[i] ? r->roles[i] : NULL;
        }
    return NULL;
}

/* The field of column c in rec, trimmed; "" when absent. */
static const char *
field(const struct parser *p, const struct ct_csv_record *rec, enum col c)
{
    int i = p->map[c];
    char *s;
    size_t n;

    if (i < 0 || (size_t)i >= rec->count)
        return "";
    s = rec->fields[i];
    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        s[--n] = '\0';
    return s;
}

/* A score from 1 to 5 (decimals allowed); false otherwise. */
static bool
parse_score(const char *s, double *v)
{
    char *end;

    if (*s == '\0')
        return false;
    *v = strtod(s, &end);
    return *end == '\0' && *v >= 1.0 && *v <= 5.0;
}

/* The accumulator of roles x and y (roster spellings), added when new; NULL when out of memory. */
static struct acc *
acc_find(struct parser *p, const char *x, const char *y)
{
    char kx[KEY_MAX], ky[KEY_MAX];
    struct acc *a;
    size_t i;

    ct_rc_fold(p->roster->aliases, x, kx, sizeof(kx));
    ct_rc_fold(p->roster->aliases, y, ky, sizeof(ky));
    if (strcmp(kx, ky) > 0) {
        const char *t = x;
        x = y;
        y = t;
        char tk[KEY_MAX];
        memcpy(tk, kx, sizeof(tk));
        memcpy(kx, ky, sizeof(kx));
        memcpy(ky, tk, sizeof(ky));
    }
    for (i = 0; i < p->acc_n; i++)
        if (strcmp(p->acc[i].ka, kx) == 0 && strcmp(p->acc[i].kb, ky) == 0)
            return &p->acc[i];
    if (p->acc_n == p->acc_cap) {
        size_t ncap = p->acc_cap ? p->acc_cap * 2 : 32;
        struct acc *n = realloc(p->acc, ncap * sizeof(*n));
        if (n == NULL) {
            p->nomem = true;
            return NULL;
        }
        p->acc = n;
        p->acc_cap = ncap;
    }
    a = &p->acc[p->acc_n++];
    memset(a, 0, sizeof(*a));
    a->a = x;
    a->b = y;
    memcpy(a->ka, kx, sizeof(kx));
    memcpy(a->kb, ky, sizeof(ky));
    return a;
}

/* Whether who already rated role key (and at which line); records it if not. */
static long
seen_before(struct parser *p, const char *who, const char *role, long line)
{
    char key[KEY_MAX];
    size_t i;

    ct_rc_fold(p->roster->aliases, role, key, sizeof(key));
    for (i = 0; i < p->seen_n; i++)
        if (ascii_casecmp(p->seen[i].who, who) == 0 && strcmp(p->seen[i].key, key) == 0)
            return p->seen[i].line;
    if (p->seen_n == p->seen_cap) {
        size_t ncap = p->seen_cap ? p->seen_cap * 2 : 32;
        struct seen *n = realloc(p->seen, ncap * sizeof(*n));
        if (n == NULL) {
            p->nomem = true;
            return 0;
        }
        p->seen = n;
        p->seen_cap = ncap;
    }
    p->seen[p->seen_n].who = ct_strdup(who);
    if (p->seen[p->seen_n].who == NULL) {
        p->nomem = true;
        return 0;
    }
    memcpy(p->seen[p->seen_n].key, key, sizeof(key));
    p->seen[p->seen_n++].line = line;
    return 0;
}

/* The respondent's role of a per-response row, NULL after reporting why. */
static const char *
respondent_role(struct parser *p, const struct ct_csv_record *rec)
{
    const char *role = field(p, rec, C_RESP_ROLE), *email = field(p, rec, C_EMAIL), *known;
    bool found;

    if (*role != '\0') {
        if ((known = known_role(p->roster, role)) == NULL)
            row_error(p, rec->line, "respondent role: unknown role \"%s\" (no member has it)",
                      role);
        return known;
    }
    if (*email == '\0') {
        row_error(p, rec->line, "the respondent is missing: give an email or a respondent role");
        return NULL;
    }
    known = role_of_email(p->roster, email, &found);
    if (!found)
        row_error(p, rec->line, "email: %s is not in the roster", email);
    else if (known == NULL)
        row_error(p, rec->line, "email: %s has no role in the roster", email);
    return known ? known_role(p->roster, known) : NULL;
}

static void
response_row(struct parser *p, const struct ct_csv_record *rec)
{
    const char *from = respondent_role(p, rec), *rated = field(p, rec, C_RATED), *to;
    const char *email = field(p, rec, C_EMAIL);
    double sum = 0, v;
    bool ok = from != NULL;
    struct acc *a;
    long dup;
    size_t d;

    to = known_role(p->roster, rated);
    if (*rated == '\0') {
        row_error(p, rec->line, "rated role is missing");
        ok = false;
    } else if (to == NULL) {
        row_error(p, rec->line, "rated role: unknown role \"%s\" (no member has it)", rated);
        ok = false;
    }
    for (d = 0; d < CT_RC_DIMENSIONS; d++) {
        const char *s = field(p, rec, (enum col)(C_DIM0 + d));
        if (*s == '\0') {
            row_error(p, rec->line, "%s: missing dimension score", dimensions[d]);
            ok = false;
        } else if (!parse_score(s, &v)) {
            row_error(p, rec->line, "%s: score \"%s\" is not from 1 to 5", dimensions[d], s);
            ok = false;
        } else {
            sum += v;
        }
    }
    if (!ok)
        return;
    if (*email != '\0' && *field(p, rec, C_RESP_ROLE) == '\0' &&
        (dup = seen_before(p, email, to, rec->line)) > 0) {
        row_error(p, rec->line, "duplicate row: %s already rated this role on line %ld", email,
                  dup);
        return;
    }
    if ((a = acc_find(p, from, to)) == NULL)
        return;
    a->sum += sum / CT_RC_DIMENSIONS;
    a->n++;
}

static void
aggregated_row(struct parser *p, const struct ct_csv_record *rec)
{
    const char *ra = field(p, rec, C_ROLE_A), *rb = field(p, rec, C_ROLE_B);
    const char *s = field(p, rec, C_STRENGTH), *a = known_role(p->roster, ra);
    const char *b = known_role(p->roster, rb);
    struct acc *acc;
    double v = 0;
    bool ok = a && b;

    if (a == NULL)
        row_error(p, rec->line, "role_a: unknown role \"%s\" (no member has it)", ra);
    if (b == NULL)
        row_error(p, rec->line, "role_b: unknown role \"%s\" (no member has it)", rb);
    if (*s == '\0') {
        row_error(p, rec->line, "strength is missing");
        ok = false;
    } else if (!parse_score(s, &v)) {
        row_error(p, rec->line, "strength: \"%s\" is not from 1 to 5", s);
        ok = false;
    }
    if (!ok || (acc = acc_find(p, a, b)) == NULL)
        return;
    if (acc->n > 0) {
        row_error(p, rec->line, "duplicate row: this role pair was given on line %ld", acc->line);
        return;
    }
    acc->sum = v;
    acc->n = 1;
    acc->line = rec->line;
}

/* Map the header's columns; false (after reporting) when the file cannot be read as a survey. */
static bool
read_header(struct parser *p, const struct ct_csv_record *h, bool *aggregated)
{
    size_t i, d;
    bool ok = true;

    for (i = 0; i < C_COUNT; i++)
        p->map[i] = -1;
    if (h->count == 1 && strchr(h->fields[0], ';') != NULL) {
        row_error(p, h->line,
                  "the header is separated by semicolons; export the survey as a "
                  "comma-separated CSV");
        return false;
    }
    for (i = 0; i < h->count; i++) {
        int c = ct_csv_column_find(columns, C_COUNT, h->fields[i], h->lengths[i]);
        if (c >= 0 && p->map[c] < 0)
            p->map[c] = (int)i;
    }
    /* "fromrole"/"torole" name both shapes' columns: the strength column decides. */
    *aggregated = p->map[C_STRENGTH] >= 0;
    if (*aggregated) {
        if (p->map[C_ROLE_A] < 0)
            p->map[C_ROLE_A] = p->map[C_RESP_ROLE];
        if (p->map[C_ROLE_B] < 0)
            p->map[C_ROLE_B] = p->map[C_RATED];
        if (p->map[C_ROLE_A] < 0 || p->map[C_ROLE_B] < 0) {
            row_error(p, h->line, "the header has strength but not role_a and role_b");
            return false;
        }
        return true;
    }
    if (p->map[C_RATED] < 0) {
        row_error(p, h->line,
                  "the header names no rated role column (or a strength column for the "
                  "aggregated shape)");
        ok = false;
    }
    if (p->map[C_EMAIL] < 0 && p->map[C_RESP_ROLE] < 0) {
        row_error(p, h->line, "the header names no email or respondent role column");
        ok = false;
    }
    for (d = 0; d < CT_RC_DIMENSIONS; d++)
        if (p->map[C_DIM0 + d] < 0) {
            row_error(p, h->line, "the header has no %s column (a missing dimension)",
                      dimensions[d]);
            ok = false;
        }
    return ok;
}

static bool
blank_record(const struct ct_csv_record *rec)
{
    size_t i;

    for (i = 0; i < rec->count; i++) {
        const char *s = rec->fields[i];
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s)
            return false;
    }
    return true;
}

static int
link_cmp(const void *x, const void *y)
{
    const struct ct_rc_link *a = x, *b = y;
    int c;

    if (a->strength != b->strength)
        return a->strength < b->strength ? -1 : 1;
    if ((c = strcmp(a->role_a, b->role_a)) != 0)
        return c;
    return strcmp(a->role_b, b->role_b);
}

void
ct_rc_links_sort(struct ct_rc_link *links, size_t count)
{
    if (count > 1)
        qsort(links, count, sizeof(*links), link_cmp);
}

void
ct_rc_links_free(struct ct_rc_link *links, size_t count)
{
    size_t i;

    for (i = 0; links && i < count; i++) {
        free(links[i].role_a);
        free(links[i].role_b);
    }
    free(links);
}

void
ct_rc_survey_clear(struct ct_rc_survey *s)
{
    if (s == NULL)
        return;
    ct_rc_links_free(s->links, s->count);
    memset(s, 0, sizeof(*s));
}

/* The accumulated pairs as links. */
static bool
finish(struct parser *p, struct ct_rc_survey *out)
{
    size_t i;

    out->links = calloc(p->acc_n + 1, sizeof(*out->links));
    if (out->links == NULL)
        return false;
    for (i = 0; i < p->acc_n; i++) {
        struct ct_rc_link *l = &out->links[out->count++];
        l->role_a = ct_strdup(p->acc[i].a);
        l->role_b = ct_strdup(p->acc[i].b);
        l->strength = p->acc[i].sum / (double)p->acc[i].n;
        l->ratings = out->aggregated ? 0 : p->acc[i].n;
        if (l->role_a == NULL || l->role_b == NULL)
            return false;
    }
    ct_rc_links_sort(out->links, out->count);
    return true;
}

/* Read every record after the header; false when out of memory. */
static enum ct_status
read_rows(struct parser *p, struct ct_csv *csv, bool aggregated, size_t *rows)
{
    const struct ct_csv_record *rec;

    for (;;) {
        if (ct_csv_next(csv, &rec) != CT_OK)
            return CT_ENOMEM;
        if (rec == NULL || p->nomem)
            break;
        if (rec->error) {
            row_error(p, rec->error_line, "%s", rec->error);
            continue;
        }
        if (blank_record(rec))
            continue;
        (*rows)++;
        if (aggregated)
            aggregated_row(p, rec);
        else
            response_row(p, rec);
    }
    return p->nomem ? CT_ENOMEM : CT_OK;
}

enum ct_status
ct_rc_parse(const char *name, const char *data, size_t len, const struct ct_rc_roster *roster,
            struct ct_rc_survey *out, struct ct_diags *diags, struct ct_error *err)
{
    struct parser p;
    const struct ct_csv_record *h = NULL;
    struct ct_csv *csv = ct_csv_new(data, len);
    enum ct_status st = CT_OK;
    size_t i;

    memset(out, 0, sizeof(*out));
    memset(&p, 0, sizeof(p));
    p.file = name;
    p.roster = roster;
    p.diags = diags;
    if (csv == NULL || ct_csv_next(csv, &h) != CT_OK) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto done;
    }
    if (h == NULL || blank_record(h)) {
        row_error(&p, 1, "the file is empty: it needs a header row");
    } else if (read_header(&p, h, &out->aggregated)) {
        if (read_rows(&p, csv, out->aggregated, &out->rows) != CT_OK) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            goto done;
        }
        if (out->rows == 0 && p.errors == 0)
            row_error(&p, 0, "no survey rows after the header");
    }
    if (p.errors > MAX_ERRORS)
        ct_diags_add(diags, CT_ERROR, name, 0, "too many errors; stopped after %d", MAX_ERRORS);
    if (p.errors > 0) {
        st = ct_error_set(err, CT_EDATA, "%s: %zu error%s; nothing imported", name, p.errors,
                          p.errors == 1 ? "" : "s");
        goto done;
    }
    if (!finish(&p, out))
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
done:
    if (st != CT_OK)
        ct_rc_survey_clear(out);
    for (i = 0; i < p.seen_n; i++)
        free(p.seen[i].who);
    free(p.seen);
    free(p.acc);
    ct_csv_free(csv);
    return st;
}

/* The index of the link of roles x and y in links, or -1. */
static long
link_find(const struct ct_orgname_aliases *aliases, const struct ct_rc_link *links, size_t n,
          const char *x, const char *y)
{
    char kx[KEY_MAX], ky[KEY_MAX], ka[KEY_MAX], kb[KEY_MAX];
    size_t i;

    if (ct_rc_fold(aliases, x, kx, sizeof(kx)) == 0 || ct_rc_fold(aliases, y, ky, sizeof(ky)) == 0)
        return -1;
    for (i = 0; i < n; i++) {
        ct_rc_fold(aliases, links[i].role_a, ka, sizeof(ka));
        ct_rc_fold(aliases, links[i].role_b, kb, sizeof(kb));
        if ((strcmp(ka, kx) == 0 && strcmp(kb, ky) == 0) ||
            (strcmp(ka, ky) == 0 && strcmp(kb, kx) == 0))
            return (long)i;
    }
    return -1;
}

bool
ct_rc_lookup(const struct ct_orgname_aliases *aliases, const struct ct_rc_link *links, size_t n,
             const char *x, const char *y, double *strength)
{
    long i = link_find(aliases, links, n, x, y);

    if (i < 0)
        return false;
    *strength = links[i].strength;
    return true;
}

void
ct_rc_tally(const struct ct_orgname_aliases *aliases, const struct ct_rc_link *links, size_t n,
            const struct ct_rc_group *groups, size_t gn, size_t *meetings)
{
    size_t g, i, j, k;

    memset(meetings, 0, n * sizeof(*meetings));
    for (g = 0; g < gn; g++) {
        long hit[6];
        size_t hits = 0;
        for (i = 0; i < groups[g].size && i < 4; i++)
            for (j = i + 1; j < groups[g].size && j < 4; j++) {
                long l = link_find(aliases, links, n, groups[g].roles[i], groups[g].roles[j]);
                bool again = false;
                if (l < 0)
                    continue;
                for (k = 0; k < hits; k++)
                    again |= hit[k] == l;
                if (!again && hits < 6) {
                    hit[hits++] = l;
                    meetings[l]++;
                }
            }
    }
}

const char *
ct_rc_month(const char *date)
{
    static const char *const months[12] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
    int m;

    if (date == NULL || strlen(date) < 7 || date[4] != '-' || date[5] < '0' || date[5] > '1' ||
        date[6] < '0' || date[6] > '9')
        return "";
    m = (date[5] - '0') * 10 + (date[6] - '0');
    return m >= 1 && m <= 12 ? months[m - 1] : "";
}
