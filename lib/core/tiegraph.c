/*
 * tiegraph.c: the tie graph as compressed sparse rows, contact overlap and
 * label-propagation communities; see tiegraph.h.
 */
#include "tiegraph.h"

#include <stdlib.h>
#include <string.h>

static int
cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

enum ct_status
ct_tiegraph_new(size_t n, const struct ct_tiegraph_edge *edges, size_t m, struct ct_tiegraph **out,
                struct ct_error *err)
{
    struct ct_tiegraph *g = NULL;
    size_t *fill = NULL;
    size_t i, v, total;
    enum ct_status st = CT_OK;

    *out = NULL;
    for (i = 0; i < m; i++)
        if (edges[i].a >= n || edges[i].b >= n)
            return ct_error_set(err, CT_EUSAGE, "tie graph: edge %zu names member %u of %zu", i,
                                edges[i].a >= n ? edges[i].a : edges[i].b, n);
    g = calloc(1, sizeof(*g));
    if (g == NULL)
        goto nomem;
    g->n = n;
    g->offset = calloc(n + 1, sizeof(*g->offset));
    fill = calloc(n + 1, sizeof(*fill));
    if (g->offset == NULL || fill == NULL)
        goto nomem;
    for (i = 0; i < m; i++) {
        if (edges[i].a == edges[i].b)
            continue;
        g->offset[edges[i].a + 1]++;
        g->offset[edges[i].b + 1]++;
    }
    for (v = 0; v < n; v++)
        g->offset[v + 1] += g->offset[v];
    g->adj = malloc((g->offset[n] ? g->offset[n] : 1) * sizeof(*g->adj));
    if (g->adj == NULL)
        goto nomem;
    memcpy(fill, g->offset, (n + 1) * sizeof(*fill));
    for (i = 0; i < m; i++) {
        if (edges[i].a == edges[i].b)
            continue;
        g->adj[fill[edges[i].a]++] = edges[i].b;
        g->adj[fill[edges[i].b]++] = edges[i].a;
    }
    /* Sort each row and squeeze out duplicates, compacting in place. */
    total = 0;
    for (v = 0; v < n; v++) {
        size_t from = g->offset[v], to = g->offset[v + 1], start = total;

        qsort(g->adj + from, to - from, sizeof(*g->adj), cmp_u32);
        for (i = from; i < to; i++)
            if (total == start || g->adj[total - 1] != g->adj[i])
                g->adj[total++] = g->adj[i];
        g->offset[v] = start;
    }
    g->offset[n] = total;
    free(fill);
    *out = g;
    return CT_OK;
nomem:
    st = ct_error_set(err, CT_ENOMEM, "tie graph: out of memory");
    free(fill);
    ct_tiegraph_free(g);
    return st;
}

void
ct_tiegraph_free(struct ct_tiegraph *g)
{
    if (g == NULL)
        return;
    free(g->offset);
    free(g->adj);
    free(g);
}

size_t
ct_tiegraph_degree(const struct ct_tiegraph *g, uint32_t v)
{
    return g->offset[v + 1] - g->offset[v];
}

bool
ct_tiegraph_adjacent(const struct ct_tiegraph *g, uint32_t a, uint32_t b)
{
    size_t lo, hi;

    /* Search the shorter row. */
    if (ct_tiegraph_degree(g, a) > ct_tiegraph_degree(g, b)) {
        uint32_t t = a;
        a = b;
        b = t;
    }
    lo = g->offset[a];
    hi = g->offset[a + 1];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (g->adj[mid] == b)
            return true;
        if (g->adj[mid] < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Shared contacts and the size of the union, a and b left out. */
static void
overlap_counts(const struct ct_tiegraph *g, uint32_t a, uint32_t b, size_t *shared, size_t *uni)
{
    const uint32_t *x = g->adj + g->offset[a], *xe = g->adj + g->offset[a + 1];
    const uint32_t *y = g->adj + g->offset[b], *ye = g->adj + g->offset[b + 1];
    size_t both = 0, na = 0, nb = 0;

    while (x < xe && y < ye) {
        if (*x == *y) {
            both++;
            x++;
            y++;
        } else if (*x < *y) {
            na += *x != b;
            x++;
        } else {
            nb += *y != a;
            y++;
        }
    }
    for (; x < xe; x++)
        na += *x != b;
    for (; y < ye; y++)
        nb += *y != a;
    *shared = both;
    *uni = both + na + nb;
}

size_t
ct_tiegraph_shared(const struct ct_tiegraph *g, uint32_t a, uint32_t b)
{
    size_t shared, uni;

    overlap_counts(g, a, b, &shared, &uni);
    return shared;
}

double
ct_tiegraph_overlap(const struct ct_tiegraph *g, uint32_t a, uint32_t b)
{
    size_t shared, uni;

    overlap_counts(g, a, b, &shared, &uni);
    return uni ? (double)shared / (double)uni : 0.0;
}

/*
 * Louvain: a weighted graph per level, with each vertex's self-loop weight
 * (twice the weight inside the community it stands for) and degree.
 */
struct level {
    size_t n;
    size_t *off;
    uint32_t *adj;
    int64_t *wt;
    int64_t *loop;
    int64_t *k;
};

static void
level_free(struct level *l)
{
    free(l->off);
    free(l->adj);
    free(l->wt);
    free(l->loop);
    free(l->k);
    memset(l, 0, sizeof(*l));
}

/*
 * One round of local moves: each vertex in turn joins the neighbouring
 * community with the largest modularity gain (2m k_in - tot k_i, in
 * integers), staying put unless a move is strictly better (the lowest
 * community id wins among equal moves). Repeats until a pass moves fewer
 * than one vertex in a hundred. OUT: comm[] renumbered 0 .. *ncomm-1 by
 * lowest vertex. Returns whether any vertex moved.
 */
static bool
local_moves(const struct level *l, int64_t m2, uint32_t *comm, size_t *ncomm, int64_t *tot,
            int64_t *kin, uint32_t *touched)
{
    size_t v, pass;
    bool moved_any = false;

    for (v = 0; v < l->n; v++) {
        comm[v] = (uint32_t)v;
        tot[v] = l->k[v];
        kin[v] = 0;
    }
    for (pass = 0; pass < 64; pass++) {
        size_t moved = 0;
        uint32_t u;

        for (u = 0; u < l->n; u++) {
            uint32_t old = comm[u], best;
            size_t j, ntouched = 0;
            int64_t best_gain;

            if (l->k[u] == 0)
                continue;
            for (j = l->off[u]; j < l->off[u + 1]; j++) {
                uint32_t c = comm[l->adj[j]];
                if (kin[c] == 0)
                    touched[ntouched++] = c;
                kin[c] += l->wt[j];
            }
            tot[old] -= l->k[u];
            best = old;
            best_gain = m2 * kin[old] - tot[old] * l->k[u];
            for (j = 0; j < ntouched; j++) {
                uint32_t c = touched[j];
                int64_t gain = m2 * kin[c] - tot[c] * l->k[u];
                if (gain > best_gain || (gain == best_gain && best != old && c < best)) {
                    best = c;
                    best_gain = gain;
                }
            }
            tot[best] += l->k[u];
            for (j = 0; j < ntouched; j++)
                kin[touched[j]] = 0;
            kin[old] = 0;
            if (best != old) {
                comm[u] = best;
                moved++;
            }
        }
        if (moved > 0)
            moved_any = true;
        /* Stop when hardly anyone moves: the last moves change little. */
        if (moved == 0 || moved * 100 < l->n)
            break;
    }
    /* Renumber by lowest vertex; tot[] is reused as the map. */
    for (v = 0; v < l->n; v++)
        tot[v] = -1;
    *ncomm = 0;
    for (v = 0; v < l->n; v++) {
        if (tot[comm[v]] < 0)
            tot[comm[v]] = (int64_t)(*ncomm)++;
        comm[v] = (uint32_t)tot[comm[v]];
    }
    return moved_any;
}

/* The graph of communities: one vertex per community of l. */
static bool
aggregate(const struct level *l, const uint32_t *comm, size_t ncomm, struct level *out,
          int64_t *acc, uint32_t *touched)
{
    size_t *first = NULL, *members = NULL, c, v, j, nadj = 0, cap;
    bool ok = false;

    memset(out, 0, sizeof(*out));
    out->n = ncomm;
    out->off = calloc(ncomm + 1, sizeof(*out->off));
    out->loop = calloc(ncomm ? ncomm : 1, sizeof(*out->loop));
    out->k = calloc(ncomm ? ncomm : 1, sizeof(*out->k));
    first = calloc(ncomm + 1, sizeof(*first));
    members = malloc((l->n ? l->n : 1) * sizeof(*members));
    cap = l->off[l->n] ? l->off[l->n] : 1;
    out->adj = malloc(cap * sizeof(*out->adj));
    out->wt = malloc(cap * sizeof(*out->wt));
    if (!out->off || !out->loop || !out->k || !first || !members || !out->adj || !out->wt)
        goto done;
    for (v = 0; v < l->n; v++)
        first[comm[v] + 1]++;
    for (c = 0; c < ncomm; c++)
        first[c + 1] += first[c];
    for (v = 0; v < l->n; v++)
        members[first[comm[v]]++] = v;
    for (c = ncomm; c > 0; c--)
        first[c] = first[c - 1];
    first[0] = 0;
    for (c = 0; c < ncomm; c++) {
        size_t ntouched = 0, i;
        out->off[c] = nadj;
        for (i = first[c]; i < first[c + 1]; i++) {
            size_t u = members[i];
            out->loop[c] += l->loop[u];
            out->k[c] += l->k[u];
            for (j = l->off[u]; j < l->off[u + 1]; j++) {
                uint32_t d = comm[l->adj[j]];
                if (d == c) {
                    out->loop[c] += l->wt[j];
                    continue;
                }
                if (acc[d] == 0)
                    touched[ntouched++] = d;
                acc[d] += l->wt[j];
            }
        }
        for (i = 0; i < ntouched; i++) {
            out->adj[nadj] = touched[i];
            out->wt[nadj++] = acc[touched[i]];
            acc[touched[i]] = 0;
        }
    }
    out->off[ncomm] = nadj;
    ok = true;
done:
    free(first);
    free(members);
    if (!ok)
        level_free(out);
    return ok;
}

enum ct_status
ct_tiegraph_communities(const struct ct_tiegraph *g, uint32_t *label, size_t *count,
                        struct ct_error *err)
{
    struct level cur, next;
    uint32_t *order = NULL, *comm = NULL, *touched = NULL;
    int64_t *tot = NULL, *kin = NULL, m2;
    size_t n = g->n, v, ncomm, levels;
    enum ct_status st = CT_OK;

    *count = 0;
    memset(&cur, 0, sizeof(cur));
    cur.n = n;
    cur.off = malloc((n + 1) * sizeof(*cur.off));
    cur.adj = malloc((g->offset[n] ? g->offset[n] : 1) * sizeof(*cur.adj));
    cur.wt = malloc((g->offset[n] ? g->offset[n] : 1) * sizeof(*cur.wt));
    cur.loop = calloc(n ? n : 1, sizeof(*cur.loop));
    cur.k = malloc((n ? n : 1) * sizeof(*cur.k));
    order = malloc((n ? n : 1) * sizeof(*order));
    comm = malloc((n ? n : 1) * sizeof(*comm));
    touched = malloc((n ? n : 1) * sizeof(*touched));
    tot = malloc((n ? n : 1) * sizeof(*tot));
    kin = calloc(n ? n : 1, sizeof(*kin));
    if (!cur.off || !cur.adj || !cur.wt || !cur.loop || !cur.k || !order || !comm || !touched ||
        !tot || !kin)
        goto nomem;
    memcpy(cur.off, g->offset, (n + 1) * sizeof(*cur.off));
    memcpy(cur.adj, g->adj, g->offset[n] * sizeof(*cur.adj));
    for (v = 0; v < g->offset[n]; v++)
        cur.wt[v] = 1;
    for (v = 0; v < n; v++) {
        cur.k[v] = (int64_t)ct_tiegraph_degree(g, (uint32_t)v);
        label[v] = (uint32_t)v;
    }
    m2 = (int64_t)g->offset[n];
    for (levels = 0; levels < 32; levels++) {
        bool moved = local_moves(&cur, m2, comm, &ncomm, tot, kin, touched);

        for (v = 0; v < n; v++)
            label[v] = comm[label[v]];
        if (!moved || ncomm == cur.n)
            break;
        if (!aggregate(&cur, comm, ncomm, &next, kin, touched))
            goto nomem;
        level_free(&cur);
        cur = next;
    }
    /* Renumber by lowest vertex of the original graph. */
    for (v = 0; v < n; v++)
        order[v] = UINT32_MAX;
    ncomm = 0;
    for (v = 0; v < n; v++) {
        if (order[label[v]] == UINT32_MAX)
            order[label[v]] = (uint32_t)ncomm++;
        label[v] = order[label[v]];
    }
    *count = ncomm;
    goto done;
nomem:
    st = ct_error_set(err, CT_ENOMEM, "communities: out of memory");
done:
    level_free(&cur);
    free(order);
    free(comm);
    free(touched);
    free(tot);
    free(kin);
    return st;
}
