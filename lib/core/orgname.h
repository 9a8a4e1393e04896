/*
 * orgname.h: when two spellings of an organisation (team, site) name are
 * one: the folded identity key, the [roster] aliases file that maps
 * variants to a canonical name, grouping names and near-duplicate checks.
 */
#ifndef CT_ORGNAME_H
#define CT_ORGNAME_H

#include <stdbool.h>
#include <stddef.h>

#include "ct.h"

/* An aliases file larger than this is refused. */
#define CT_ORGNAME_ALIASES_MAX_BYTES (1024 * 1024)

/*
 * The identity key of a name: ASCII letters lower-cased, ASCII digits and
 * non-ASCII letters kept byte for byte, "&" read as "and", and everything
 * else dropped: spaces, ASCII punctuation, and the Unicode spaces, dashes
 * and quotation marks (U+00A0, U+2000-U+206F, so a curly apostrophe is
 * punctuation). "St. Mary's NHS-Trust" and "st marys nhs trust" give
 * "stmarysnhstrust"; "Health & Care" and "Health and Care" one key.
 * NULL gives "". OUT: a heap string the caller frees; NULL when out of memory.
 */
char *ct_orgname_key(const char *name);

/* One line of an aliases file. */
struct ct_orgname_alias {
    char *variant;       /* as written */
    char *variant_key;   /* ct_orgname_key(variant) */
    char *canonical;     /* the end of the chain, as written */
    char *canonical_key; /* its key */
    long line;
};

struct ct_orgname_aliases {
    struct ct_orgname_alias *items;
    size_t count;
};

/*
 * Parse an aliases file held in data[0..len): lines "variant = canonical"
 * (split at the first "="), blank lines and comment lines (first non-blank
 * character "#" or ";") ignored. Each problem goes to diags as
 * "FILE:LINE: message" with file as given: a line without "=" or with an
 * empty side, control characters, a variant that folds to its own
 * canonical, one variant given two canonicals, and a cycle. A chain
 * (a = b, b = c) resolves to its end. Returns CT_OK with *out (free with
 * ct_orgname_aliases_free), CT_EDATA on any error, or CT_ENOMEM; on
 * failure *out is NULL.
 */
enum ct_status ct_orgname_aliases_parse(const char *file, const char *data, size_t len,
                                        struct ct_orgname_aliases **out, struct ct_diags *diags);

/*
 * Read and parse the aliases file at path (ct_orgname_aliases_parse).
 * A file that cannot be read: CT_ENOINPUT with err naming it, nothing in
 * diags. OUT: *out as for the parse.
 */
enum ct_status ct_orgname_aliases_load(const char *path, struct ct_orgname_aliases **out,
                                       struct ct_diags *diags, struct ct_error *err);

/* Free an alias table; NULL is fine. */
void ct_orgname_aliases_free(struct ct_orgname_aliases *aliases);

/* The alias whose variant folds like key, or NULL (aliases may be NULL). */
const struct ct_orgname_alias *ct_orgname_alias_find(const struct ct_orgname_aliases *aliases,
                                                     const char *key);

/*
 * The key two names are compared by: the folded key, mapped through
 * aliases (may be NULL). OUT: heap string; NULL when out of memory.
 */
char *ct_orgname_identity(const struct ct_orgname_aliases *aliases, const char *name);

/*
 * True if two different keys look like one name misspelt: with the same
 * digits in the same order (numbered wards, practices and sites are
 * different places), and either both at least 6 bytes long and at most 2
 * edits apart (insert, delete, substitute), or one the other (at least 3
 * bytes) plus a trailing "s".
 */
bool ct_orgname_similar(const char *key_a, const char *key_b);

/* One spelling folded into a group, and how many names had it. */
struct ct_orgname_spelling {
    char *name;
    size_t count;
};

/* The names that are one organisation (team, site). */
struct ct_orgname_group {
    char *name; /* the alias's canonical spelling, else the commonest (ties: byte order) */
    char *key;  /* the identity key */
    size_t count;
    struct ct_orgname_spelling *spellings; /* commonest first, then byte order */
    size_t spellings_count;
};

struct ct_orgname_summary {
    struct ct_orgname_group *groups; /* largest first, then by name */
    size_t count;
};

/*
 * Group n names (NULL and empty ones skipped), one per member, by identity
 * under aliases (may be NULL). OUT: *out, freed with
 * ct_orgname_summary_free(). CT_ENOMEM (and *out NULL) when out of memory.
 */
enum ct_status ct_orgname_summarise(const struct ct_orgname_aliases *aliases,
                                    const char *const *names, size_t n,
                                    struct ct_orgname_summary **out);

/*
 * The same for n distinct names, names[i] held by counts[i] members (NULL
 * counts: one each); as fast as there are distinct names, whatever the
 * members. The summary is the one of the names repeated.
 */
enum ct_status ct_orgname_summarise_counted(const struct ct_orgname_aliases *aliases,
                                            const char *const *names, const size_t *counts,
                                            size_t n, struct ct_orgname_summary **out);
void ct_orgname_summary_free(struct ct_orgname_summary *summary);

/* Two groups of a summary that look like one: smaller is the one with fewer names. */
struct ct_orgname_near {
    size_t smaller, larger; /* indices into the summary's groups */
};

/*
 * Every pair of groups whose keys are ct_orgname_similar(), once, the
 * smaller group first (ties: the later group in the summary's order),
 * ordered by the smaller group. OUT: *pairs (heap, caller frees) and
 * *count; CT_ENOMEM when out of memory.
 */
enum ct_status ct_orgname_near_duplicates(const struct ct_orgname_summary *summary,
                                          struct ct_orgname_near **pairs, size_t *count);

#endif
