/*
 * test_matching.c: the blossom matching against brute force on thousands of
 * small random graphs (dense and sparse, odd and even, disconnected, equal
 * weights, negative weights), plus the corner cases by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "matching.h"
#include "rng.h"

#define MAXN 14

struct best {
    int card;
    int64_t weight;
};

/* Exhaustive: the best (cardinality, weight) matching on the vertex mask. */
static struct best
brute(int n, const int64_t w[MAXN][MAXN], const int has[MAXN][MAXN], struct best *memo, char *known,
      unsigned mask)
{
    struct best b = {0, 0}, r;
    int i, j;

    if (mask == 0)
        return b;
    if (known[mask])
        return memo[mask];
    for (i = 0; !(mask & (1u << i)); i++)
        ;
    b = brute(n, w, has, memo, known, mask & ~(1u << i));
    for (j = i + 1; j < n; j++) {
        if (!(mask & (1u << j)) || !has[i][j])
            continue;
        r = brute(n, w, has, memo, known, mask & ~(1u << i) & ~(1u << j));
        r.card += 1;
        r.weight += w[i][j];
        if (r.card > b.card || (r.card == b.card && r.weight > b.weight))
            b = r;
    }
    known[mask] = 1;
    memo[mask] = b;
    return b;
}

/* Check mate[] is a matching of the edges; return its cardinality and weight. */
static struct best
evaluate(int n, const int64_t w[MAXN][MAXN], const int has[MAXN][MAXN], const uint32_t *mate)
{
    struct best b = {0, 0};
    int i;

    for (i = 0; i < n; i++) {
        if (mate[i] == CT_MATCHING_NONE)
            continue;
        assert_true(mate[i] < (uint32_t)n);
        assert_int_equal(mate[mate[i]], i);
        assert_true(has[i][mate[i]]);
        if ((int)mate[i] > i) {
            b.card++;
            b.weight += w[i][mate[i]];
        }
    }
    return b;
}

static void
run_random(uint64_t seed, int count, int maxn, int density_pct, int wmin, int wmax, unsigned flags,
           int *nonperfect)
{
    struct best *memo = malloc(sizeof(*memo) << MAXN);
    char *known = malloc((size_t)1 << MAXN);
    struct ct_rng rng;
    int t;

    assert_non_null(memo);
    assert_non_null(known);
    ct_rng_seed(&rng, seed);
    for (t = 0; t < count; t++) {
        int n = 1 + (int)ct_rng_below(&rng, (uint64_t)maxn), i, j;
        int64_t w[MAXN][MAXN];
        int has[MAXN][MAXN];
        struct ct_matching_edge edges[MAXN * MAXN];
        uint32_t mate[MAXN];
        struct ct_matching_stats stats;
        struct best want, got;
        size_t m = 0;

        memset(has, 0, sizeof(has));
        memset(w, 0, sizeof(w));
        for (i = 0; i < n; i++)
            for (j = i + 1; j < n; j++) {
                if ((int)ct_rng_below(&rng, 100) >= density_pct)
                    continue;
                has[i][j] = has[j][i] = 1;
                w[i][j] = w[j][i] = wmin + (int64_t)ct_rng_below(&rng, (uint64_t)(wmax - wmin + 1));
                /* Random orientation. */
                if (ct_rng_below(&rng, 2)) {
                    edges[m].u = (uint32_t)i;
                    edges[m].v = (uint32_t)j;
                } else {
                    edges[m].u = (uint32_t)j;
                    edges[m].v = (uint32_t)i;
                }
                edges[m++].w = w[i][j];
            }
        /* Shuffle edge order. */
        for (i = (int)m - 1; i > 0; i--) {
            int k = (int)ct_rng_below(&rng, (uint64_t)i + 1);
            struct ct_matching_edge e = edges[i];
            edges[i] = edges[k];
            edges[k] = e;
        }
        memset(known, 0, (size_t)1 << MAXN);
        want = brute(n, w, has, memo, known, (1u << n) - 1);
        assert_int_equal(ct_matching_solve((size_t)n, edges, m, flags, mate, NULL, &stats, NULL),
                         CT_OK);
        got = evaluate(n, w, has, mate);
        if (got.card != want.card || got.weight != want.weight)
            fail_msg("seed %llu graph %d (n=%d m=%zu): got card %d weight %lld, want %d %lld",
                     (unsigned long long)seed, t, n, m, got.card, (long long)got.weight, want.card,
                     (long long)want.weight);
        if (stats.certified) {
            for (i = 0; i < n; i++)
                assert_true(mate[i] != CT_MATCHING_NONE);
        } else {
            (*nonperfect)++;
        }
    }
    free(memo);
    free(known);
}

static void
test_random_dense(void **state)
{
    int nonperfect = 0;

    run_random(1, 3000, MAXN, 80, 0, 50, CT_MATCHING_EXACT, &nonperfect);
    assert_true(nonperfect > 0); /* odd sizes */
}

static void
test_random_sparse(void **state)
{
    int nonperfect = 0;

    run_random(2, 3000, MAXN, 25, 1, 20, CT_MATCHING_EXACT, &nonperfect);
    assert_true(nonperfect > 100);
}

static void
test_random_ties_and_negative(void **state)
{
    int nonperfect = 0;

    /* Few distinct weights: many equal-weight optima and blossoms. */
    run_random(3, 3000, MAXN, 60, 1, 3, CT_MATCHING_EXACT, &nonperfect);
    run_random(4, 3000, MAXN, 50, -30, 30, CT_MATCHING_EXACT, &nonperfect);
    run_random(5, 2000, MAXN, 100, 5, 5, CT_MATCHING_EXACT, &nonperfect);
}

static void
test_large_weights(void **state)
{
    int nonperfect = 0;

    run_random(6, 1000, 12, 50, -1000000000, 1000000000, CT_MATCHING_EXACT, &nonperfect);
}

/* The weight of a matching: each matched pair counts its heaviest edge. */
static int64_t
matching_weight(const struct ct_matching_edge *all, size_t nall, const uint32_t *mate)
{
    int64_t w = 0, *best;
    size_t k, n = 0;

    for (k = 0; k < nall; k++) {
        if (all[k].u + 1 > n)
            n = all[k].u + 1;
        if (all[k].v + 1 > n)
            n = all[k].v + 1;
    }
    best = malloc((n + 1) * sizeof(*best));
    assert_non_null(best);
    for (k = 0; k < n; k++)
        best[k] = INT64_MIN;
    for (k = 0; k < nall; k++) {
        uint32_t lo = all[k].u < all[k].v ? all[k].u : all[k].v;
        if (mate[all[k].u] == all[k].v && all[k].w > best[lo])
            best[lo] = all[k].w;
    }
    for (k = 0; k < n; k++)
        if (best[k] != INT64_MIN)
            w += best[k];
    free(best);
    return w;
}

/*
 * Pricing: solve on a random subset of the edges; adding the left-out edges
 * the duals say cannot improve must leave the optimum unchanged, and adding
 * those that can, round after round until none is left (column generation),
 * must reach the optimum of the whole graph.
 */
static void
test_pricing_certificate(void **state)
{
    struct ct_rng rng;
    int t, improving_seen = 0;

    ct_rng_seed(&rng, 77);
    for (t = 0; t < 2000; t++) {
        uint32_t n = 2 * (1 + (uint32_t)ct_rng_below(&rng, 7)), mate[MAXN], mate2[MAXN];
        struct ct_matching_edge all[MAXN * MAXN], sub[MAXN * MAXN], priced[MAXN * MAXN];
        size_t nall = 0, nsub = 0, npriced, k, l, rounds;
        uint32_t i, j;

        for (i = 0; i < n; i++)
            for (j = i + 1; j < n; j++) {
                all[nall].u = i;
                all[nall].v = j;
                all[nall++].w = (int64_t)ct_rng_below(&rng, 40) - 10;
            }
        /* A perfect matching 0-1, 2-3, ... is always in the subset. */
        for (k = 0; k < nall; k++)
            if ((all[k].u % 2 == 0 && all[k].v == all[k].u + 1) || ct_rng_below(&rng, 3) == 0)
                sub[nsub++] = all[k];
        for (rounds = 0;; rounds++) {
            struct ct_matching_duals duals;
            struct ct_matching_stats st;
            size_t added = 0, nsub_before = nsub;

            assert_true(rounds < 50);
            assert_int_equal(ct_matching_solve(n, sub, nsub, 0, mate, &duals, &st, NULL), CT_OK);
            assert_true(st.certified);
            memcpy(priced, sub, nsub * sizeof(*sub));
            npriced = nsub;
            for (k = 0; k < nall; k++) {
                bool in_sub = false;
                for (l = 0; l < nsub_before; l++)
                    in_sub |= sub[l].u == all[k].u && sub[l].v == all[k].v;
                if (in_sub)
                    continue;
                if (ct_matching_duals_improves(&duals, all[k].u, all[k].v, all[k].w)) {
                    sub[nsub++] = all[k];
                    added++;
                } else {
                    priced[npriced++] = all[k];
                }
            }
            ct_matching_duals_free(&duals);
            /* What the duals ruled out changes nothing. */
            assert_int_equal(ct_matching_solve(n, priced, npriced, 0, mate2, NULL, NULL, NULL),
                             CT_OK);
            assert_true(matching_weight(all, nall, mate) == matching_weight(all, nall, mate2));
            if (added == 0)
                break;
            improving_seen++;
        }
        /* No improving edge left: the optimum of the whole graph. */
        assert_int_equal(ct_matching_solve(n, all, nall, 0, mate2, NULL, NULL, NULL), CT_OK);
        assert_true(matching_weight(all, nall, mate) == matching_weight(all, nall, mate2));
    }
    assert_true(improving_seen > 100);
}

/* The innermost blossom holding both u and v, or CT_MATCHING_NONE. */
static uint32_t
common_blossom(const struct ct_matching_duals *d, uint32_t u, uint32_t v)
{
    uint32_t a = d->parent[u], b = d->parent[v];

    if (a == CT_MATCHING_NONE || b == CT_MATCHING_NONE)
        return CT_MATCHING_NONE;
    while (d->depth[a] > d->depth[b])
        a = d->parent[a];
    while (d->depth[b] > d->depth[a])
        b = d->parent[b];
    while (a != b && a != CT_MATCHING_NONE && b != CT_MATCHING_NONE) {
        a = d->parent[a];
        b = d->parent[b];
    }
    return a == b ? a : CT_MATCHING_NONE;
}

/*
 * Check the LP optimality certificate of a perfect matching: every edge has
 * a non-negative reduced cost (vertex duals plus the duals of the blossoms
 * around both ends), matched edges a zero one, every blossom a non-negative
 * dual, and every blossom with a positive dual holds (|B| - 1) / 2 matched
 * edges. Together they prove the matching has maximum weight.
 */
static void
check_certificate(size_t n, const struct ct_matching_edge *e, size_t m, const uint32_t *mate,
                  const struct ct_matching_duals *d)
{
    size_t *size = calloc(2 * n + 1, sizeof(*size)), *inside = calloc(2 * n + 1, sizeof(*inside));
    uint8_t *tight = calloc(n + 1, 1);
    size_t k, v;

    assert_non_null(size);
    assert_non_null(inside);
    assert_non_null(tight);
    for (v = 0; v < n; v++) {
        uint32_t b;
        assert_true(mate[v] != CT_MATCHING_NONE);
        for (b = d->parent[v]; b != CT_MATCHING_NONE; b = d->parent[b])
            size[b]++;
    }
    for (k = 0; k < m; k++) {
        uint32_t b = common_blossom(d, e[k].u, e[k].v);
        int64_t rc = d->vertex[e[k].u] + d->vertex[e[k].v] - 4 * e[k].w;
        if (b != CT_MATCHING_NONE)
            rc += d->zsum[b];
        assert_true(rc >= 0);
        /* Parallel edges: the matched pair needs one tight edge. */
        if (mate[e[k].u] == e[k].v && rc == 0 && !tight[e[k].u]) {
            tight[e[k].u] = tight[e[k].v] = 1;
            for (; b != CT_MATCHING_NONE; b = d->parent[b])
                inside[b]++;
        }
    }
    for (v = 0; v < n; v++)
        assert_true(tight[v]);
    for (v = n; v < 2 * n; v++) {
        int64_t z;
        if (size[v] == 0)
            continue;
        z = d->zsum[v] - (d->parent[v] == CT_MATCHING_NONE ? 0 : d->zsum[d->parent[v]]);
        assert_true(z >= 0);
        assert_true(size[v] % 2 == 1);
        if (z > 0)
            assert_int_equal(inside[v], (size[v] - 1) / 2);
    }
    free(size);
    free(inside);
    free(tight);
}

/* Larger graphs than brute force reaches, many with ties: the certificate. */
static void
test_certificate_large(void **state)
{
    static const int64_t ranges[][2] = {{1, 3}, {0, 1}, {-5, 5}, {0, 1000000}, {7, 7}};
    struct ct_rng rng;
    int t;

    ct_rng_seed(&rng, 99);
    for (t = 0; t < 400; t++) {
        size_t n = 2 * (10 + (size_t)ct_rng_below(&rng, 600)), deg = 2 + ct_rng_below(&rng, 12);
        size_t m = 0, i, r = (size_t)ct_rng_below(&rng, 5);
        struct ct_matching_edge *e = malloc((n * deg + n) * sizeof(*e));
        uint32_t *perm = malloc(n * sizeof(*perm)), *mate = malloc(n * sizeof(*mate));
        struct ct_matching_duals d;
        struct ct_matching_stats st;

        assert_non_null(e);
        assert_non_null(perm);
        assert_non_null(mate);
        /* A hidden perfect matching guarantees one exists. */
        for (i = 0; i < n; i++)
            perm[i] = (uint32_t)i;
        ct_rng_shuffle_u32(&rng, perm, n);
        for (i = 0; i + 1 < n; i += 2) {
            e[m].u = perm[i];
            e[m].v = perm[i + 1];
            e[m++].w = ranges[r][0];
        }
        for (i = 0; i < n * deg / 2; i++) {
            e[m].u = (uint32_t)ct_rng_below(&rng, n);
            e[m].v = (uint32_t)ct_rng_below(&rng, n);
            if (e[m].u == e[m].v)
                continue;
            e[m++].w = ranges[r][0] +
                       (int64_t)ct_rng_below(&rng, (uint64_t)(ranges[r][1] - ranges[r][0] + 1));
        }
        assert_int_equal(ct_matching_solve(n, e, m, 0, mate, &d, &st, NULL), CT_OK);
        assert_true(st.certified);
        check_certificate(n, e, m, mate, &d);
        ct_matching_duals_free(&d);
        free(e);
        free(perm);
        free(mate);
    }
}

/* Warm starts reach the same optimum, from a good start or from nonsense. */
static void
test_warm_start(void **state)
{
    struct ct_rng rng;
    int t;

    ct_rng_seed(&rng, 4242);
    for (t = 0; t < 300; t++) {
        size_t n = 2 * (5 + (size_t)ct_rng_below(&rng, 200)), m = 0, sub = 0, i,
               deg = 3 + ct_rng_below(&rng, 8);
        struct ct_matching_edge *e = malloc((n * deg + n) * sizeof(*e));
        uint32_t *perm = malloc(n * sizeof(*perm)), *mate = malloc(n * sizeof(*mate));
        uint32_t *mate2 = malloc(n * sizeof(*mate2)), *junk = malloc(n * sizeof(*junk));
        int64_t *dual = malloc(n * sizeof(*dual)), wcold, wwarm;
        struct ct_matching_duals d;
        struct ct_matching_start start;
        struct ct_matching_stats st;

        assert_non_null(e);
        assert_non_null(junk);
        for (i = 0; i < n; i++)
            perm[i] = (uint32_t)i;
        ct_rng_shuffle_u32(&rng, perm, n);
        for (i = 0; i + 1 < n; i += 2) {
            e[m].u = perm[i];
            e[m].v = perm[i + 1];
            e[m++].w = (int64_t)ct_rng_below(&rng, 50);
        }
        sub = m + (n * deg / 2) / 2; /* the first solve sees about half the edges */
        for (i = 0; i < n * deg / 2; i++) {
            e[m].u = (uint32_t)ct_rng_below(&rng, n);
            e[m].v = (uint32_t)ct_rng_below(&rng, n);
            if (e[m].u == e[m].v)
                continue;
            e[m++].w = (int64_t)ct_rng_below(&rng, 50) - (int64_t)ct_rng_below(&rng, 20);
        }
        if (sub > m)
            sub = m;
        assert_int_equal(ct_matching_solve(n, e, m, 0, mate, NULL, NULL, NULL), CT_OK);
        wcold = matching_weight(e, m, mate);
        /* From the solution of a subgraph, as after pricing. */
        assert_int_equal(ct_matching_solve(n, e, sub, 0, mate2, &d, &st, NULL), CT_OK);
        assert_true(st.certified);
        ct_matching_duals_fold(&d, dual);
        ct_matching_duals_free(&d);
        start.mate = mate2;
        start.dual = dual;
        assert_int_equal(ct_matching_solve_from(n, e, m, 0, &start, mate, &d, &st, NULL), CT_OK);
        wwarm = matching_weight(e, m, mate);
        assert_true(wwarm == wcold);
        check_certificate(n, e, m, mate, &d);
        ct_matching_duals_free(&d);
        /* From nonsense: random duals of any parity, a mate that is no
         * matching at all. */
        for (i = 0; i < n; i++) {
            dual[i] = (int64_t)ct_rng_below(&rng, 400) - 200;
            junk[i] = (uint32_t)ct_rng_below(&rng, n + 5);
        }
        start.mate = junk;
        assert_int_equal(ct_matching_solve_from(n, e, m, 0, &start, mate, &d, &st, NULL), CT_OK);
        assert_true(matching_weight(e, m, mate) == wcold);
        check_certificate(n, e, m, mate, &d);
        ct_matching_duals_free(&d);
        free(e);
        free(perm);
        free(mate);
        free(mate2);
        free(junk);
        free(dual);
    }
}

static void
test_corner_cases(void **state)
{
    uint32_t mate[6];
    struct ct_matching_stats stats;
    struct ct_error err;
    struct ct_matching_edge tri[3] = {{0, 1, 5}, {1, 2, 5}, {2, 0, 5}};
    struct ct_matching_edge bad[1] = {{0, 0, 1}};
    /* Two triangles joined by a light edge: a blossom on each side. */
    struct ct_matching_edge two[7] = {{0, 1, 9}, {1, 2, 9}, {2, 0, 9}, {3, 4, 9},
                                      {4, 5, 9}, {5, 3, 9}, {2, 3, 1}};

    assert_int_equal(ct_matching_solve(0, NULL, 0, 0, mate, NULL, &stats, NULL), CT_OK);
    assert_int_equal(ct_matching_solve(3, NULL, 0, 0, mate, NULL, &stats, NULL), CT_OK);
    assert_int_equal(mate[0], CT_MATCHING_NONE);
    assert_int_equal(stats.exposed, 3);
    assert_int_equal(ct_matching_solve(3, tri, 3, CT_MATCHING_EXACT, mate, NULL, &stats, NULL),
                     CT_OK);
    assert_int_equal(stats.exposed, 1);
    assert_int_equal(ct_matching_solve(6, two, 7, CT_MATCHING_EXACT, mate, NULL, &stats, NULL),
                     CT_OK);
    assert_int_equal(stats.exposed, 0);
    assert_int_equal(mate[2], 3); /* cardinality first: the light edge is needed */
    assert_int_equal(ct_matching_solve(1, bad, 1, 0, mate, NULL, NULL, &err), CT_EUSAGE);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corner_cases),      cmocka_unit_test(test_random_dense),
        cmocka_unit_test(test_random_sparse),     cmocka_unit_test(test_random_ties_and_negative),
        cmocka_unit_test(test_large_weights),     cmocka_unit_test(test_pricing_certificate),
        cmocka_unit_test(test_certificate_large), cmocka_unit_test(test_warm_start),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
