/*
 * orgname.c: one name for one organisation (team, site); see orgname.h.
 * Folding is byte-wise on UTF-8: ASCII is case-folded, a few Unicode
 * punctuation blocks are dropped, other characters are kept as they are.
 */
#include "orgname.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "util.h"
#include "validate.h"

/* ---- the key ----------------------------------------------------------- */

/* How many bytes of the UTF-8 sequence at s are punctuation to drop; 0 if none. */
static size_t
unicode_punctuation(const unsigned char *s)
{
    if (s[0] == 0xc2 && s[1] >= 0x80 && s[1] <= 0xbf)
        return 2; /* U+0080-U+00BF: no-break space, Latin-1 signs and marks */
    if (s[0] == 0xca && s[1] == 0xbc)
        return 2; /* U+02BC modifier letter apostrophe */
    if (s[0] == 0xe2 && (s[1] == 0x80 || (s[1] == 0x81 && s[2] >= 0x80 && s[2] <= 0xaf)) &&
        s[2] >= 0x80 && s[2] <= 0xbf)
        return 3; /* U+2000-U+206F: spaces, dashes, curly quotes */
    if (s[0] == 0xe3 && s[1] == 0x80 && s[2] == 0x80)
        return 3; /* U+3000 ideographic space */
    return 0;
}

char *
ct_orgname_key(const char *name)
{
    const unsigned char *s = (const unsigned char *)(name ? name : "");
    struct ct_buf b;

    ct_buf_init(&b);
    ct_buf_puts(&b, "");
    while (*s) {
        size_t skip;
        if (*s < 0x80) {
            if (*s >= 'A' && *s <= 'Z')
                ct_buf_putc(&b, (char)(*s - 'A' + 'a'));
            else if ((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9'))
                ct_buf_putc(&b, (char)*s);
            else if (*s == '&')
                ct_buf_puts(&b, "and");
            s++;
        } else if ((skip = unicode_punctuation(s)) > 0) {
            s += skip;
        } else {
            /* Any other character, whole: a lead byte and its continuations. */
            ct_buf_putc(&b, (char)*s++);
            while ((*s & 0xc0) == 0x80)
                ct_buf_putc(&b, (char)*s++);
        }
    }
    if (b.failed) {
        ct_buf_free(&b);
        return NULL;
    }
    return ct_buf_steal(&b);
}

/* ---- the aliases file -------------------------------------------------- */

static void
alias_clear(struct ct_orgname_alias *a)
{
    free(a->variant);
    free(a->variant_key);
    free(a->canonical);
    free(a->canonical_key);
}

void
ct_orgname_aliases_free(struct ct_orgname_aliases *aliases)
{
    size_t i;

    if (aliases == NULL)
        return;
    for (i = 0; i < aliases->count; i++)
        alias_clear(&aliases->items[i]);
    free(aliases->items);
    free(aliases);
}

const struct ct_orgname_alias *
ct_orgname_alias_find(const struct ct_orgname_aliases *aliases, const char *key)
{
    size_t i;

    if (aliases == NULL || key == NULL)
        return NULL;
    for (i = 0; i < aliases->count; i++)
        if (strcmp(aliases->items[i].variant_key, key) == 0)
            return &aliases->items[i];
    return NULL;
}

/* Check one "variant = canonical" line and add it; false only when out of memory. */
static bool
alias_line(struct ct_orgname_aliases *t, const char *file, long line, char *text,
           struct ct_diags *diags)
{
    struct ct_orgname_alias a = {0};
    const struct ct_orgname_alias *old;
    char *eq = strchr(text, '='), *left, *right;

    if (eq == NULL) {
        ct_diags_add(diags, CT_ERROR, file, line, "expected 'variant = canonical'");
        return true;
    }
    *eq = '\0';
    left = ct_trim(text);
    right = ct_trim(eq + 1);
    if (*left == '\0' || *right == '\0') {
        ct_diags_add(diags, CT_ERROR, file, line, "expected 'variant = canonical' (%s side empty)",
                     *left == '\0' ? "left" : "right");
        return true;
    }
    a.line = line;
    a.variant = strdup(left);
    a.canonical = strdup(right);
    a.variant_key = ct_orgname_key(left);
    a.canonical_key = ct_orgname_key(right);
    if (!a.variant || !a.canonical || !a.variant_key || !a.canonical_key)
        goto nomem;
    if (a.variant_key[0] == '\0' || a.canonical_key[0] == '\0') {
        ct_diags_add(diags, CT_ERROR, file, line, "'%s' has no letter or digit",
                     a.variant_key[0] == '\0' ? left : right);
    } else if (strcmp(a.variant_key, a.canonical_key) == 0) {
        ct_diags_add(diags, CT_ERROR, file, line,
                     "'%s' is an alias of itself (case, spacing and punctuation are ignored "
                     "already)",
                     left);
    } else if ((old = ct_orgname_alias_find(t, a.variant_key)) != NULL) {
        if (strcmp(old->canonical_key, a.canonical_key) != 0)
            ct_diags_add(diags, CT_ERROR, file, line, "'%s' is already an alias of '%s' (line %ld)",
                         left, old->canonical, old->line);
    } else {
        struct ct_orgname_alias *items = realloc(t->items, (t->count + 1) * sizeof(*items));
        if (items == NULL)
            goto nomem;
        t->items = items;
        t->items[t->count++] = a;
        return true;
    }
    alias_clear(&a);
    return true;
nomem:
    alias_clear(&a);
    return false;
}

/* Follow every chain to its end; a chain back to its start is a cycle. */
static bool
aliases_resolve(struct ct_orgname_aliases *t, const char *file, struct ct_diags *diags)
{
    size_t i, steps;

    for (i = 0; i < t->count; i++) {
        struct ct_orgname_alias *a = &t->items[i];
        const struct ct_orgname_alias *end = a, *next;
        for (steps = 0; (next = ct_orgname_alias_find(t, end->canonical_key)) != NULL; steps++) {
            if (next == a) {
                ct_diags_add(diags, CT_ERROR, file, a->line, "'%s' = '%s' makes a cycle of aliases",
                             a->variant, a->canonical);
                break;
            }
            if (steps > t->count)
                break; /* a cycle further on, reported at its own lines */
            end = next;
        }
        if (end != a && next == NULL) {
            char *canonical = strdup(end->canonical), *key = strdup(end->canonical_key);
            if (canonical == NULL || key == NULL) {
                free(canonical);
                free(key);
                return false;
            }
            free(a->canonical);
            free(a->canonical_key);
            a->canonical = canonical;
            a->canonical_key = key;
        }
    }
    return true;
}

enum ct_status
ct_orgname_aliases_parse(const char *file, const char *data, size_t len,
                         struct ct_orgname_aliases **out, struct ct_diags *diags)
{
    struct ct_orgname_aliases *t = calloc(1, sizeof(*t));
    size_t errors = diags->errors, pos = 0;
    long line = 0;
    char *copy = NULL;

    *out = NULL;
    if (t == NULL)
        return CT_ENOMEM;
    if (memchr(data, '\0', len) || ct_check_utf8(data, len)) {
        ct_diags_add(diags, CT_ERROR, file, 0, "not UTF-8 text");
        ct_orgname_aliases_free(t);
        return CT_EDATA;
    }
    while (pos < len) {
        const char *start = data + pos, *nl = memchr(start, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - start) : len - pos;
        char *text;
        line++;
        pos += n + (nl != NULL);
        if ((copy = strndup(start, n)) == NULL)
            goto nomem;
        if (n && copy[n - 1] == '\r')
            copy[n - 1] = '\0';
        text = ct_trim(copy);
        if (ct_has_control(text, true)) {
            ct_diags_add(diags, CT_ERROR, file, line, "control character");
        } else if (*text && *text != '#' && *text != ';' &&
                   !alias_line(t, file, line, text, diags)) {
            goto nomem;
        }
        free(copy);
        copy = NULL;
    }
    if (!aliases_resolve(t, file, diags))
        goto nomem;
    if (diags->errors > errors) {
        ct_orgname_aliases_free(t);
        return CT_EDATA;
    }
    *out = t;
    return CT_OK;
nomem:
    free(copy);
    ct_orgname_aliases_free(t);
    return CT_ENOMEM;
}

enum ct_status
ct_orgname_aliases_load(const char *path, struct ct_orgname_aliases **out, struct ct_diags *diags,
                        struct ct_error *err)
{
    enum ct_status st;
    char *data = NULL;
    size_t len = 0;

    *out = NULL;
    st = ct_file_read(path, CT_ORGNAME_ALIASES_MAX_BYTES, &data, &len, err);
    if (st == CT_OK)
        st = ct_orgname_aliases_parse(path, data, len, out, diags);
    else if (st != CT_ENOMEM)
        st = CT_ENOINPUT;
    free(data);
    return st;
}

char *
ct_orgname_identity(const struct ct_orgname_aliases *aliases, const char *name)
{
    char *key = ct_orgname_key(name);
    const struct ct_orgname_alias *a = ct_orgname_alias_find(aliases, key);

    if (a == NULL)
        return key;
    free(key);
    return strdup(a->canonical_key);
}

/* ---- near-duplicates --------------------------------------------------- */

/*
 * Levenshtein distance of a and b if at most 2, else 3: only the band of
 * cells within two of the diagonal is computed (cells beyond it hold 3),
 * so a pair costs O(5 * length).
 */
static size_t
distance_upto2(const char *a, size_t la, const char *b, size_t lb)
{
    size_t *prev, *cur, *swap, i, j, best, result = 3;

    if ((la > lb ? la - lb : lb - la) > 2)
        return 3;
    prev = malloc((lb + 2) * sizeof(*prev));
    cur = malloc((lb + 2) * sizeof(*cur));
    if (prev == NULL || cur == NULL)
        goto out;
    for (j = 0; j <= lb + 1; j++)
        prev[j] = j < 3 ? j : 3;
    for (i = 1; i <= la; i++) {
        size_t lo = i > 2 ? i - 2 : 1, hi = i + 2 < lb ? i + 2 : lb;
        cur[lo - 1] = lo == 1 && i < 3 ? i : 3;
        cur[hi + 1] = 3;
        best = cur[lo - 1];
        for (j = lo; j <= hi; j++) {
            size_t sub = prev[j - 1] + (a[i - 1] != b[j - 1]);
            size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
            size_t v = sub < del ? sub : del;
            cur[j] = v < ins ? v : ins;
            if (cur[j] > 3)
                cur[j] = 3; /* values above the bound need not be exact */
            if (cur[j] < best)
                best = cur[j];
        }
        if (best >= 3)
            goto out;
        swap = prev;
        prev = cur;
        cur = swap;
    }
    result = prev[lb];
out:
    free(prev);
    free(cur);
    return result;
}

/* True if a and b hold the same digits in the same order ("Ward 10" is not "Ward 11"). */
static bool
same_digits(const char *a, const char *b)
{
    for (;;) {
        while (*a && (*a < '0' || *a > '9'))
            a++;
        while (*b && (*b < '0' || *b > '9'))
            b++;
        if (*a != *b)
            return false;
        if (*a == '\0')
            return true;
        a++;
        b++;
    }
}

bool
ct_orgname_similar(const char *key_a, const char *key_b)
{
    size_t la = strlen(key_a), lb = strlen(key_b);
    const char *shorter = la <= lb ? key_a : key_b, *longer = la <= lb ? key_b : key_a;
    size_t ls = la <= lb ? la : lb, ll = la <= lb ? lb : la;

    if (strcmp(key_a, key_b) == 0 || !same_digits(key_a, key_b))
        return false;
    if (ls >= 3 && ll == ls + 1 && longer[ls] == 's' && strncmp(shorter, longer, ls) == 0)
        return true;
    return ls >= 6 && distance_upto2(key_a, la, key_b, lb) <= 2;
}

/* ---- grouping ---------------------------------------------------------- */

struct named {
    char *key;
    const char *name;
    size_t count; /* members with this name */
};

static int
named_cmp(const void *x, const void *y)
{
    const struct named *a = x, *b = y;
    int c = strcmp(a->key, b->key);

    return c ? c : strcmp(a->name, b->name);
}

static int
spelling_cmp(const void *x, const void *y)
{
    const struct ct_orgname_spelling *a = x, *b = y;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

static int
group_cmp(const void *x, const void *y)
{
    const struct ct_orgname_group *a = x, *b = y;

    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->name, b->name);
}

void
ct_orgname_summary_free(struct ct_orgname_summary *summary)
{
    size_t i, j;

    if (summary == NULL)
        return;
    for (i = 0; i < summary->count; i++) {
        struct ct_orgname_group *g = &summary->groups[i];
        for (j = 0; j < g->spellings_count; j++)
            free(g->spellings[j].name);
        free(g->spellings);
        free(g->name);
        free(g->key);
    }
    free(summary->groups);
    free(summary);
}

/* The canonical spelling aliases give key, or NULL. */
static const char *
canonical_of(const struct ct_orgname_aliases *aliases, const char *key)
{
    size_t i;

    for (i = 0; aliases && i < aliases->count; i++)
        if (strcmp(aliases->items[i].canonical_key, key) == 0)
            return aliases->items[i].canonical;
    return NULL;
}

/* Fill group g from the sorted names v[0..n), all with one key; false when out of memory. */
static bool
group_fill(const struct ct_orgname_aliases *aliases, struct ct_orgname_group *g,
           const struct named *v, size_t n)
{
    const char *canonical = canonical_of(aliases, v[0].key);
    size_t i;

    if ((g->key = strdup(v[0].key)) == NULL ||
        (g->spellings = calloc(n, sizeof(*g->spellings))) == NULL)
        return false;
    for (i = 0; i < n; i++) {
        struct ct_orgname_spelling *s = &g->spellings[g->spellings_count];
        g->count += v[i].count;
        if (i > 0 && strcmp(v[i].name, v[i - 1].name) == 0) {
            s[-1].count += v[i].count;
            continue;
        }
        if ((s->name = strdup(v[i].name)) == NULL)
            return false;
        s->count = v[i].count;
        g->spellings_count++;
    }
    qsort(g->spellings, g->spellings_count, sizeof(*g->spellings), spelling_cmp);
    g->name = strdup(canonical ? canonical : g->spellings[0].name);
    return g->name != NULL;
}

enum ct_status
ct_orgname_summarise(const struct ct_orgname_aliases *aliases, const char *const *names, size_t n,
                     struct ct_orgname_summary **out)
{
    return ct_orgname_summarise_counted(aliases, names, NULL, n, out);
}

enum ct_status
ct_orgname_summarise_counted(const struct ct_orgname_aliases *aliases, const char *const *names,
                             const size_t *counts, size_t n, struct ct_orgname_summary **out)
{
    struct ct_orgname_summary *sum = calloc(1, sizeof(*sum));
    struct named *v = calloc(n + 1, sizeof(*v));
    size_t i, m = 0, start;
    enum ct_status st = CT_ENOMEM;

    *out = NULL;
    if (sum == NULL || v == NULL)
        goto out;
    for (i = 0; i < n; i++) {
        if (names[i] == NULL || names[i][0] == '\0' || (counts && counts[i] == 0))
            continue;
        if ((v[m].key = ct_orgname_identity(aliases, names[i])) == NULL)
            goto out;
        v[m].count = counts ? counts[i] : 1;
        v[m++].name = names[i];
    }
    qsort(v, m, sizeof(*v), named_cmp);
    if ((sum->groups = calloc(m + 1, sizeof(*sum->groups))) == NULL)
        goto out;
    for (start = 0; start < m; start = i) {
        for (i = start; i < m && strcmp(v[i].key, v[start].key) == 0; i++)
            ;
        if (!group_fill(aliases, &sum->groups[sum->count++], v + start, i - start))
            goto out;
    }
    qsort(sum->groups, sum->count, sizeof(*sum->groups), group_cmp);
    *out = sum;
    sum = NULL;
    st = CT_OK;
out:
    for (i = 0; v && i < m; i++)
        free(v[i].key);
    free(v);
    ct_orgname_summary_free(sum);
    return st;
}

enum ct_status
ct_orgname_near_duplicates(const struct ct_orgname_summary *summary, struct ct_orgname_near **pairs,
                           size_t *count)
{
    struct ct_orgname_near *v = NULL;
    size_t i, j, n = 0, cap = 0;

    *pairs = NULL;
    *count = 0;
    /* Groups are largest first: visiting the smaller (later) one first orders by it. */
    for (j = summary->count; j-- > 0;) {
        for (i = 0; i < j; i++) {
            if (!ct_orgname_similar(summary->groups[i].key, summary->groups[j].key))
                continue;
            if (n == cap) {
                struct ct_orgname_near *w;
                cap = cap ? cap * 2 : 8;
                if ((w = realloc(v, cap * sizeof(*v))) == NULL) {
                    free(v);
                    return CT_ENOMEM;
                }
                v = w;
            }
            v[n].smaller = j;
            v[n++].larger = i;
        }
    }
    *pairs = v;
    *count = n;
    return CT_OK;
}
