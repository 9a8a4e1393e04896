/*
 * matching.h: maximum-weight matching on a sparse general graph (Edmonds'
 * blossom algorithm, primal-dual). The pairing engine hands it the candidate
 * pairs of a round with integer weights and gets back who meets whom.
 * Pure computation: no I/O, no global state.
 */
#ifndef CT_MATCHING_H
#define CT_MATCHING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

#define CT_MATCHING_NONE UINT32_MAX

/* Weights must stay within +-CT_MATCHING_MAX_WEIGHT. */
#define CT_MATCHING_MAX_WEIGHT (INT64_C(1) << 40)

/* An undirected edge u-v of weight w; u != v. Parallel edges are allowed. */
struct ct_matching_edge {
    uint32_t u;
    uint32_t v;
    int64_t w;
};

/*
 * The dual solution of a solved matching, at an integer scale (four times
 * the LP duals): enough to price an edge that was left out of the graph.
 */
struct ct_matching_duals {
    size_t n;
    int64_t *vertex;  /* n */
    uint32_t *parent; /* 2n: the blossom directly around a vertex or blossom, or NONE */
    uint32_t *depth;  /* 2n: nesting depth, 0 for top-level */
    int64_t *zsum;    /* 2n: twice the blossom duals from this blossom to the top */
};

/*
 * Where a solve may start from: a previous solution on (part of) the same
 * vertices, for instance before pricing added edges. Any matching and any
 * duals will do (the solver repairs them); good ones save most of the work.
 */
struct ct_matching_start {
    const uint32_t *mate; /* n: partner or CT_MATCHING_NONE */
    const int64_t *dual;  /* n: vertex duals with blossom duals folded in */
};

/*
 * The previous solution's duals folded for a warm start: each vertex's dual
 * plus the duals of the blossoms around it, which keeps every edge of the
 * previous graph feasible without blossoms. OUT: dual[0 .. duals->n).
 */
void ct_matching_duals_fold(const struct ct_matching_duals *duals, int64_t *dual);

/* Exact also when the graph has no perfect matching (see ct_matching_solve). */
#define CT_MATCHING_EXACT 1u

struct ct_matching_stats {
    size_t stages;       /* augmentations */
    size_t dual_updates; /* dual adjustments */
    size_t blossoms;     /* blossoms formed */
    size_t expansions;   /* blossoms expanded */
    size_t exposed;      /* vertices left unmatched */
    size_t initial;      /* edges matched by the initial dual descent */
    bool certified;      /* every vertex matched: dual[] proves optimality */
    bool exact_pass;     /* the deficient-graph pass ran */
};

/*
 * A maximum-cardinality matching of the graph with n vertices and m edges,
 * and among those one of maximum total weight.
 *
 * Edmonds' primal-dual method for perfect matchings, with blossom shrinking
 * and expansion: after a dual descent has matched most vertices along tight
 * edges, alternating trees grow from every exposed vertex at once under one
 * shared dual adjustment; an augmentation dissolves only the two trees it
 * joins. When no adjustment can make progress the trees form a Hungarian
 * forest, which proves the cardinality maximum. If every vertex is then
 * matched, the duals prove the weight maximum too. If not, the weight is
 * only guaranteed with CT_MATCHING_EXACT: the components holding an exposed
 * vertex are solved once more on a doubled graph (each vertex joined to its
 * copy at a prohibitive cost, so that a perfect matching exists), which makes
 * the weight maximum among all maximum-cardinality matchings.
 *
 * Weights times the vertex count must stay below 2^50 or so for the exact
 * pass (CT_EUSAGE otherwise); the pairing engine's are far smaller.
 *
 * OUT: mate[0 .. n): the partner of each vertex or CT_MATCHING_NONE.
 * OUT (optional, may be NULL): *duals, the final dual solution, freed with
 * ct_matching_duals_free. When stats->certified it proves the matching
 * optimal, and ct_matching_duals_improves tells whether an edge left out of
 * the graph could have improved it: callers use it to check what they left
 * out (pricing). stats may be NULL.
 * CT_EUSAGE for a bad edge (endpoint >= n, u == v, weight out of range).
 */
enum ct_status ct_matching_solve(size_t n, const struct ct_matching_edge *edges, size_t m,
                                 unsigned flags, uint32_t *mate, struct ct_matching_duals *duals,
                                 struct ct_matching_stats *stats, struct ct_error *err);

/* ct_matching_solve from a previous solution instead of the dual descent. */
enum ct_status ct_matching_solve_from(size_t n, const struct ct_matching_edge *edges, size_t m,
                                      unsigned flags, const struct ct_matching_start *start,
                                      uint32_t *mate, struct ct_matching_duals *duals,
                                      struct ct_matching_stats *stats, struct ct_error *err);

/*
 * Whether an edge u-v of weight w, absent from the solved graph, has a
 * negative reduced cost under duals (could improve a certified optimum).
 * Vertex duals alone settle most edges; the blossoms both ends share are
 * consulted only when they do not.
 */
bool ct_matching_duals_improves(const struct ct_matching_duals *duals, uint32_t u, uint32_t v,
                                int64_t w);

void ct_matching_duals_free(struct ct_matching_duals *duals);

#endif
