/*
 * weights.h: every pairing weight, once. A weight is one term of a pair's
 * score: its JSON key in a group's explanation, its [pairing] key (when the
 * organiser can set it), its default and valid range, and the words people
 * read. config.c, pairing.c and the rounds' explanation all read this list.
 */
#ifndef CT_WEIGHTS_H
#define CT_WEIGHTS_H

#include <stddef.h>

/*
 * The list, one row per score term, in the order of the terms in a group's
 * explanation (JSON key order). Each row is
 *
 *   W(ID, name, CONF, key, default, min, max, label, reason_order)
 *
 *   ID            CT_W_<ID>, the term's index
 *   name          the JSON key, also the suffix of the term's functions in
 *                 pairing.c: term_<name> (its score), bound_<name> (a cheap
 *                 ceiling: bound_weight_ceiling for a term never above its
 *                 weight) and reasons_<name> (reasons_none if it has no words)
 *   CONF, key     KEY, "[pairing] key" for a weight the organiser sets, or
 *                 NOKEY, NULL for a term the engine derives
 *   default       the weight in ct_config_new_defaults
 *   min, max      the valid range of the key's value
 *   label         the term in plain words ("weak tie")
 *   reason_order  where the term's reasons come in a group's list of reasons
 *
 * Adding a weight is one row here (its place in the list is its place in
 * "config show" and in the explanation) plus its functions in pairing.c;
 * the compiler names whichever is missing, and cli.config_check asks for
 * its key in conf/coffeetrial.ini and docs/coffeetrial.ini.5.
 */
/* clang-format off */
#define CT_WEIGHT_LIST(W)                                                                         \
    W(ORGANISATION, organisation, KEY, "weight_organisation", 4.0, 0, 1000, "organisation", 0)    \
    W(TEAM,         team,         KEY, "weight_team",         1.0, 0, 1000, "team",         1)    \
    W(SITE,         site,         KEY, "weight_site",         0.5, 0, 1000, "site",         2)    \
    W(ROLE,         role,         KEY, "weight_role",         1.0, 0, 1000, "role",         3)    \
    W(WEAK_TIE,     weak_tie,     KEY, "weight_weak_tie",     1.0, 0, 1000, "weak tie",     7)    \
    W(BRIDGE,       bridge,       KEY, "weight_bridge",       1.0, 0, 1000, "bridge",       6)    \
    W(NOVELTY,      novelty,      KEY, "weight_novelty",      3.0, 0, 1000, "novelty",      5)    \
    W(COORDINATION, coordination, KEY, "weight_coordination", 1.0, 0, 1000, "coordination", 9)    \
    W(REPEAT,       repeat,       NOKEY, NULL,                0.0, 0, 0,    "repeat",       4)    \
    W(RANDOM,       random,       KEY, "randomness",          1.0, 0, 1000, "random",       8)
/* clang-format on */

#define CT_WEIGHT_ENUM_(ID, ...) CT_W_##ID,
/* The terms by index; CT_WEIGHT_COUNT is how many there are. */
enum ct_weight { CT_WEIGHT_LIST(CT_WEIGHT_ENUM_) CT_WEIGHT_COUNT };
#undef CT_WEIGHT_ENUM_

/* One row of the list, as data. */
struct ct_weight_def {
    const char *name;     /* JSON key, "weak_tie" */
    const char *key;      /* [pairing] key, "weight_weak_tie"; NULL: derived by the engine */
    double default_value; /* 0 for a derived term */
    double min, max;      /* valid range of the key's value */
    const char *label;    /* plain words, "weak tie" */
    unsigned reason_order;
};

/* The list as a table, indexed by enum ct_weight. */
extern const struct ct_weight_def ct_weights[CT_WEIGHT_COUNT];

/*
 * The repeat term is not a key of its own (yet): a repeat just outside the
 * avoid_repeats window costs as much as the organisation weight (1 when
 * that is 0), halving every CT_WEIGHT_REPEAT_HALFLIFE rounds.
 */
#define CT_WEIGHT_REPEAT_HALFLIFE 2.0

/* The repeat penalty's weight for a given organisation weight (see above). */
double ct_weight_repeat_of(double weight_organisation);

#endif
