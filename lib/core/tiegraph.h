/*
 * tiegraph.h: the tie graph of a network: members are vertices, an edge joins
 * two members who are declared close colleagues or who have been grouped
 * together. Stored as compressed sparse rows; answers the pairing engine's
 * questions: are two members tied, how much do their contacts overlap, and
 * which community (Louvain modularity) does each member belong to.
 */
#ifndef CT_TIEGRAPH_H
#define CT_TIEGRAPH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

/* One undirected tie between members a and b (indices, not store ids). */
struct ct_tiegraph_edge {
    uint32_t a;
    uint32_t b;
};

struct ct_tiegraph {
    size_t n;       /* vertices 0 .. n-1 */
    size_t *offset; /* n + 1 entries: neighbours of v are adj[offset[v] .. offset[v+1]) */
    uint32_t *adj;  /* sorted ascending per vertex, no duplicates, no self loops */
};

/*
 * Build the graph of n vertices from m edges (duplicates, either
 * orientation and self loops are tolerated and dropped). CT_EUSAGE if an
 * endpoint is >= n. OUT: *out, freed with ct_tiegraph_free.
 */
enum ct_status ct_tiegraph_new(size_t n, const struct ct_tiegraph_edge *edges, size_t m,
                               struct ct_tiegraph **out, struct ct_error *err);

void ct_tiegraph_free(struct ct_tiegraph *g);

/* Number of distinct contacts of v. */
size_t ct_tiegraph_degree(const struct ct_tiegraph *g, uint32_t v);

/* Whether a and b are joined by an edge (binary search, O(log degree)). */
bool ct_tiegraph_adjacent(const struct ct_tiegraph *g, uint32_t a, uint32_t b);

/* How many contacts a and b have in common (a and b themselves not counted). */
size_t ct_tiegraph_shared(const struct ct_tiegraph *g, uint32_t a, uint32_t b);

/*
 * Contact overlap of a and b: the Jaccard index of their contact sets with
 * a and b themselves left out, |N(a) & N(b)| / |N(a) | N(b)|, in [0, 1];
 * 0 when neither has any other contact.
 */
double ct_tiegraph_overlap(const struct ct_tiegraph *g, uint32_t a, uint32_t b);

/*
 * Communities by the Louvain method: every vertex starts alone; in vertex
 * order each joins the neighbouring community that raises modularity most
 * (integer arithmetic, ties to the lowest community id, staying put unless
 * strictly better) until a pass moves fewer than one vertex in a hundred;
 * communities then become the vertices of the next level, until a level
 * changes nothing. Deterministic: the same graph gives the same labels.
 * Labels are renumbered 0 .. k-1 in order of the lowest vertex of each
 * community; isolated vertices stay on their own. OUT: label[0 .. n),
 * *count = k.
 */
enum ct_status ct_tiegraph_communities(const struct ct_tiegraph *g, uint32_t *label, size_t *count,
                                       struct ct_error *err);

#endif
