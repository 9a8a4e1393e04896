/*
 * test_tiegraph.c: the tie graph's rows, adjacency, contact overlap and
 * label-propagation communities on small fixed networks.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tiegraph.h"

static void
test_build_dedup(void **state)
{
    /* Duplicates, both orientations and a self loop. */
    const struct ct_tiegraph_edge e[] = {{0, 1}, {1, 0}, {0, 1}, {2, 2}, {3, 1}, {1, 2}};
    struct ct_tiegraph *g;
    struct ct_error err;

    assert_int_equal(ct_tiegraph_new(5, e, 6, &g, NULL), CT_OK);
    assert_int_equal(ct_tiegraph_degree(g, 0), 1);
    assert_int_equal(ct_tiegraph_degree(g, 1), 3);
    assert_int_equal(ct_tiegraph_degree(g, 2), 1);
    assert_int_equal(ct_tiegraph_degree(g, 4), 0);
    assert_true(ct_tiegraph_adjacent(g, 0, 1));
    assert_true(ct_tiegraph_adjacent(g, 1, 0));
    assert_true(ct_tiegraph_adjacent(g, 3, 1));
    assert_false(ct_tiegraph_adjacent(g, 2, 2));
    assert_false(ct_tiegraph_adjacent(g, 0, 3));
    assert_false(ct_tiegraph_adjacent(g, 4, 0));
    ct_tiegraph_free(g);
    ct_tiegraph_free(NULL);
    assert_int_equal(ct_tiegraph_new(2, e + 4, 1, &g, &err), CT_EUSAGE);
    assert_null(g);
}

static void
test_overlap(void **state)
{
    /* 0 and 1 share contacts 2 and 3; 0 also knows 4; 1 knows 5 and 0. */
    const struct ct_tiegraph_edge e[] = {{0, 2}, {0, 3}, {0, 4}, {1, 2}, {1, 3}, {1, 5}, {0, 1}};
    struct ct_tiegraph *g;

    assert_int_equal(ct_tiegraph_new(7, e, 7, &g, NULL), CT_OK);
    /* N(0)\{1} = {2,3,4}, N(1)\{0} = {2,3,5}: 2 shared of 4. */
    assert_int_equal(ct_tiegraph_shared(g, 0, 1), 2);
    assert_float_equal(ct_tiegraph_overlap(g, 0, 1), 0.5, 1e-12);
    assert_float_equal(ct_tiegraph_overlap(g, 1, 0), 0.5, 1e-12);
    /* 4 and 5 have no common contact. */
    assert_float_equal(ct_tiegraph_overlap(g, 4, 5), 0.0, 1e-12);
    /* 6 has no contacts at all. */
    assert_float_equal(ct_tiegraph_overlap(g, 6, 0), 0.0, 1e-12);
    assert_float_equal(ct_tiegraph_overlap(g, 6, 6), 0.0, 1e-12);
    /* 2 and 3 both know exactly {0, 1}. */
    assert_float_equal(ct_tiegraph_overlap(g, 2, 3), 1.0, 1e-12);
    ct_tiegraph_free(g);
}

/* Two 6-cliques joined by one edge, and an isolated vertex. */
static struct ct_tiegraph *
two_cliques(void)
{
    struct ct_tiegraph_edge e[40];
    struct ct_tiegraph *g;
    size_t m = 0;
    uint32_t a, b, base;

    for (base = 0; base <= 6; base += 6)
        for (a = 0; a < 6; a++)
            for (b = a + 1; b < 6; b++) {
                e[m].a = base + a;
                e[m++].b = base + b;
            }
    e[m].a = 5;
    e[m++].b = 6;
    assert_int_equal(ct_tiegraph_new(13, e, m, &g, NULL), CT_OK);
    return g;
}

static void
test_communities(void **state)
{
    struct ct_tiegraph *g = two_cliques();
    uint32_t label[13], again[13];
    size_t k, k2, v;

    assert_int_equal(ct_tiegraph_communities(g, label, &k, NULL), CT_OK);
    assert_int_equal(k, 3);
    for (v = 0; v < 6; v++) {
        assert_int_equal(label[v], 0);
        assert_int_equal(label[6 + v], 1);
    }
    assert_int_equal(label[12], 2);
    /* Deterministic. */
    assert_int_equal(ct_tiegraph_communities(g, again, &k2, NULL), CT_OK);
    assert_memory_equal(label, again, sizeof(label));
    ct_tiegraph_free(g);
}

/* Eight 5-cliques in a ring, one edge between neighbours: eight communities. */
static void
test_ring_of_cliques(void **state)
{
    struct ct_tiegraph_edge e[8 * 11];
    struct ct_tiegraph *g;
    uint32_t label[40];
    size_t m = 0, k, c, a, b;

    for (c = 0; c < 8; c++) {
        for (a = 0; a < 5; a++)
            for (b = a + 1; b < 5; b++) {
                e[m].a = (uint32_t)(5 * c + a);
                e[m++].b = (uint32_t)(5 * c + b);
            }
        e[m].a = (uint32_t)(5 * c + 4);
        e[m++].b = (uint32_t)((5 * c + 5) % 40);
    }
    assert_int_equal(ct_tiegraph_new(40, e, m, &g, NULL), CT_OK);
    assert_int_equal(ct_tiegraph_communities(g, label, &k, NULL), CT_OK);
    assert_int_equal(k, 8);
    for (c = 0; c < 8; c++)
        for (a = 0; a < 5; a++)
            assert_int_equal(label[5 * c + a], c);
    ct_tiegraph_free(g);
}

static void
test_empty(void **state)
{
    struct ct_tiegraph *g;
    uint32_t label[1];
    size_t k;

    assert_int_equal(ct_tiegraph_new(0, NULL, 0, &g, NULL), CT_OK);
    assert_int_equal(ct_tiegraph_communities(g, label, &k, NULL), CT_OK);
    assert_int_equal(k, 0);
    ct_tiegraph_free(g);
}

int
main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_dedup), cmocka_unit_test(test_overlap),
        cmocka_unit_test(test_communities), cmocka_unit_test(test_ring_of_cliques),
        cmocka_unit_test(test_empty),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
