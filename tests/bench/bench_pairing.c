/*
 * bench_pairing.c: figures for the pairing engine (docs/pairing.md).
 *
 *   bench_pairing exact N SEED FILE  engine on a generated N-member network;
 *                                    writes every allowed pair's weight to
 *                                    FILE for NetworkX; also solves the
 *                                    complete allowed graph with our blossom
 *   bench_pairing scale N SEED       engine time and peak memory on N members
 *   bench_pairing simulate ROUNDS N SEED
 *                                    a ROUNDS-round simulation on an N-member,
 *                                    12-organisation network: random pairing,
 *                                    organisation weight only, the defaults
 *   bench_pairing rc ROUNDS N SEED   the defaults with and without
 *                                    weight_coordination on a generated RC
 *                                    matrix: pairs across weak links, reach
 *
 * Prints figures; never fails on time. tests/bench/run_pairing.sh runs all.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "config.h"
#include "grouping.h"
#include "matching.h"
#include "pairing.h"
#include "rc.h"
#include "rng.h"
#include "tiegraph.h"
#include "worktime.h"

static double
now(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void *
xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);

    if (p == NULL) {
        fprintf(stderr, "bench_pairing: out of memory\n");
        exit(1);
    }
    return p;
}

/* ---- a generated network ------------------------------------------------ */

struct net {
    size_t n;
    struct ct_pairing_member *m;
    struct ct_pairing_pair *ties;
    size_t nties;
    struct ct_pairing_pair *excl;
    size_t nexcl;
    struct ct_pairing_meeting *hist;
    size_t nhist, caphist;
    struct ct_pairing_zone zones[3];
    struct ct_interval *hours[3];
    size_t nzones;
    size_t norgs;
};

/* 2026-03-02, a Monday, 00:00 UTC; the meeting window is 14 days. */
#define WINDOW_START INT64_C(1772409600)
#define TODAY        20514

static void
net_add_meeting(struct net *net, uint32_t a, uint32_t b, uint32_t ago)
{
    if (net->nhist == net->caphist) {
        net->caphist = net->caphist ? net->caphist * 2 : 1024;
        net->hist = realloc(net->hist, net->caphist * sizeof(*net->hist));
        if (net->hist == NULL) {
            fprintf(stderr, "bench_pairing: out of memory\n");
            exit(1);
        }
    }
    net->hist[net->nhist].a = a;
    net->hist[net->nhist].b = b;
    net->hist[net->nhist++].rounds_ago = ago;
}

/* Organisation sizes for n members: for 12 organisations 30% down to 3%
 * (30, 15, 10, 8, 7, 6, 5, 5, 4, 4, 3, 3); otherwise falling geometrically
 * by a factor of ten. OUT: size[0 .. norgs). */
static void
net_org_sizes(size_t n, size_t norgs, size_t *size)
{
    double *share = xcalloc(norgs, sizeof(*share)), total = 0, ratio;
    size_t o, given = 0;

    ratio = norgs > 1 ? pow(0.1, 1.0 / (double)(norgs - 1)) : 1;
    for (o = 0; o < norgs; o++) {
        static const double twelve[12] = {30, 15, 10, 8, 7, 6, 5, 5, 4, 4, 3, 3};
        share[o] = norgs == 12 ? twelve[o] : 0.30 * pow(ratio, (double)o);
        total += share[o];
    }
    for (o = 0; o < norgs; o++) {
        size[o] = (size_t)floor((double)n * share[o] / total);
        if (size[o] == 0)
            size[o] = 1;
        given += size[o];
    }
    for (o = 0; given < n; o = (o + 1) % norgs, given++)
        size[o]++;
    for (o = 0; given > n; o = (o + 1) % norgs)
        if (size[o] > 1) {
            size[o]--;
            given--;
        }
    free(share);
}

/* The members, organisation by organisation: teams of 10, 2-4 sites each. */
static void
net_members(struct net *net, const size_t *size, unsigned past_rounds, bool zones,
            struct ct_rng *rng)
{
    uint32_t next_team = 1, next_site = 1;
    size_t o, i = 0;

    for (o = 0; o < net->norgs; o++) {
        size_t k, nsites = 2 + (size_t)ct_rng_below(rng, 3);
        uint32_t team = next_team, site0 = next_site;
        next_site += (uint32_t)nsites;
        for (k = 0; k < size[o]; k++, i++) {
            struct ct_pairing_member *mm = &net->m[i];
            if (k % 10 == 0 && k > 0)
                team = ++next_team;
            mm->id = (int64_t)i + 1;
            mm->organisation = (uint32_t)o + 1;
            mm->team = team;
            mm->site = site0 + (uint32_t)ct_rng_below(rng, nsites);
            mm->role = 1 + (uint32_t)ct_rng_below(rng, 8);
            mm->zone = 0;
            if (zones) {
                uint64_t z = ct_rng_below(rng, 100);
                mm->zone = z < 70 ? 0 : z < 90 ? 1 : 2;
            }
            mm->active = true;
            mm->frequency = 1;
            mm->rounds_since_grouped = past_rounds > 0 ? 1 : 0;
        }
        next_team++;
    }
}

/* Ties inside the team, a few exclusions, past_rounds of random pairings. */
static void
net_relations(struct net *net, unsigned past_rounds, struct ct_rng *rng)
{
    size_t i, n = net->n;
    uint32_t *order = xcalloc(n, sizeof(*order));
    unsigned r;

    net->ties = xcalloc(3 * n, sizeof(*net->ties));
    for (i = 0; i < n; i++) {
        size_t k, nt = (size_t)ct_rng_below(rng, 4);
        for (k = 0; k < nt; k++) {
            size_t j = i + 1 + (size_t)ct_rng_below(rng, 9);
            if (j < n && net->m[j].team == net->m[i].team) {
                net->ties[net->nties].a = (uint32_t)i;
                net->ties[net->nties++].b = (uint32_t)j;
            }
        }
    }
    net->excl = xcalloc(n / 50 + 1, sizeof(*net->excl));
    for (i = 0; i < n / 50; i++) {
        net->excl[net->nexcl].a = (uint32_t)ct_rng_below(rng, n);
        net->excl[net->nexcl].b = (uint32_t)ct_rng_below(rng, n);
        if (net->excl[net->nexcl].a != net->excl[net->nexcl].b)
            net->nexcl++;
    }
    for (r = 0; r < past_rounds; r++) {
        for (i = 0; i < n; i++)
            order[i] = (uint32_t)i;
        ct_rng_shuffle_u32(rng, order, n);
        for (i = 0; i + 1 < n; i += 2)
            net_add_meeting(net, order[i], order[i + 1], past_rounds - r);
    }
    free(order);
}

/* Working hours of the three zones in the meeting window. */
static void
net_zones(struct net *net)
{
    static const char *zone_names[3] = {"Europe/London", "Europe/Berlin", "America/New_York"};
    const struct ct_worktime wt = {9 * 60, 17 * 60, 0x1f};
    size_t o;

    net->nzones = 3;
    for (o = 0; o < 3; o++) {
        size_t count;
        if (ct_worktime_intervals(zone_names[o], &wt, WINDOW_START, WINDOW_START + 14 * 86400,
                                  &net->hours[o], &count, NULL) != CT_OK) {
            fprintf(stderr, "bench_pairing: no zone %s\n", zone_names[o]);
            exit(1);
        }
        net->zones[o].hours = net->hours[o];
        net->zones[o].count = count;
    }
}

/*
 * n members in norgs organisations of unequal sizes (30% down to 3% for
 * twelve), teams of about 10 inside each organisation, 2-4 sites per
 * organisation, 8 roles network-wide, three time zones (most in London),
 * 0-3 declared ties inside the team, a few exclusions, and past_rounds of
 * random pairings as history.
 */
static void
net_generate(struct net *net, size_t n, size_t norgs, unsigned past_rounds, uint64_t seed,
             bool zones)
{
    size_t *size = xcalloc(norgs, sizeof(*size));
    struct ct_rng rng;

    memset(net, 0, sizeof(*net));
    ct_rng_seed(&rng, seed);
    net->n = n;
    net->norgs = norgs;
    net->m = xcalloc(n, sizeof(*net->m));
    net_org_sizes(n, norgs, size);
    net_members(net, size, past_rounds, zones, &rng);
    net_relations(net, past_rounds, &rng);
    if (zones)
        net_zones(net);
    free(size);
}

static void
net_free(struct net *net)
{
    size_t i;

    free(net->m);
    free(net->ties);
    free(net->excl);
    free(net->hist);
    for (i = 0; i < net->nzones; i++)
        free(net->hours[i]);
}

static void
net_input(const struct net *net, struct ct_pairing_input *in)
{
    memset(in, 0, sizeof(*in));
    in->members = net->m;
    in->member_count = net->n;
    in->ties = net->ties;
    in->tie_count = net->nties;
    in->exclusions = net->excl;
    in->exclusion_count = net->nexcl;
    in->history = net->hist;
    in->history_count = net->nhist;
    in->zones = net->nzones ? net->zones : NULL;
    in->zone_count = net->nzones;
    in->today = TODAY;
}

static long
peak_rss_kb(void)
{
    struct rusage ru;

    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

static void
die_status(const char *what, enum ct_status st, const struct ct_error *err)
{
    fprintf(stderr, "bench_pairing: %s: %s: %s\n", what, ct_status_str(st), err->message);
    exit(1);
}

/* ---- exact: the engine against the complete graph ------------------------ */

/* The best time of a few whole plans. OUT: *res, the last plan. */
static double
time_engine(const struct ct_pairing_input *in, const struct ct_pairing_params *p, int reps,
            struct ct_pairing_result **res)
{
    struct ct_error err;
    enum ct_status st;
    double t0, best = 1e9;
    int r;

    *res = NULL;
    for (r = 0; r < reps; r++) {
        ct_pairing_result_free(*res);
        t0 = now();
        st = ct_pairing_run(in, p, res, &err);
        if (st != CT_OK)
            die_status("engine", st, &err);
        if (now() - t0 < best)
            best = now() - t0;
    }
    return best;
}

/* Every allowed pair's weight, exactly as the engine scores it, into edges
 * and the file (for NetworkX). Returns how many. */
static size_t
allowed_pairs(const struct ct_pairing_ctx *ctx, size_t n, struct ct_matching_edge *edges,
              const char *file)
{
    size_t a, b, m = 0, i;
    FILE *f = fopen(file, "w");

    if (f == NULL) {
        perror(file);
        exit(1);
    }
    for (a = 0; a < n; a++)
        for (b = a + 1; b < n; b++) {
            struct ct_pairing_score s;
            if (ct_pairing_allowed(ctx, (uint32_t)a, (uint32_t)b) != CT_RULE_NONE)
                continue;
            ct_pairing_score_pair(ctx, (uint32_t)a, (uint32_t)b, &s);
            edges[m].u = (uint32_t)a;
            edges[m].v = (uint32_t)b;
            edges[m++].w = (int64_t)llround(s.total * 10000.0);
        }
    fprintf(f, "%zu %zu\n", n, m);
    for (i = 0; i < m; i++)
        fprintf(f, "%u %u %.4f\n", edges[i].u, edges[i].v, (double)edges[i].w / 10000.0);
    fclose(f);
    return m;
}

/* A plan's total on those weights (pairs; a trio counts its pairs). */
static double
plan_total(const struct ct_pairing_ctx *ctx, const struct ct_pairing_result *res)
{
    double total = 0;
    size_t i;

    for (i = 0; i < res->group_count; i++) {
        const struct ct_pairing_group *g = &res->groups[i];
        unsigned x, y;
        for (x = 0; x < g->size; x++)
            for (y = x + 1; y < g->size; y++) {
                struct ct_pairing_score s;
                ct_pairing_score_pair(ctx, g->members[x], g->members[y], &s);
                total += (double)llround(s.total * 10000.0) / 10000.0;
            }
    }
    return total;
}

/* The large-round path (sampled candidates, no pricing) on the same data. */
static void
exact_sampled(const struct ct_pairing_ctx *ctx, const struct ct_pairing_input *in,
              const struct ct_pairing_params *p, double ref_total)
{
    struct ct_pairing_params ps = *p;
    struct ct_pairing_result *rs;
    struct ct_error err;
    enum ct_status st;
    double sampled_total, t1;

    ps.exact_limit = 1;
    t1 = now();
    st = ct_pairing_run(in, &ps, &rs, &err);
    t1 = now() - t1;
    if (st != CT_OK)
        die_status("sampled engine", st, &err);
    sampled_total = plan_total(ctx, rs);
    printf("large-round path (sampled candidates, no pricing)  total %.4f  time %.6f s  "
           "ratio %.6f  (edges %zu, improvements %zu)\n",
           sampled_total, t1, sampled_total / ref_total, rs->stats.candidate_edges,
           rs->stats.improvements);
    ct_pairing_result_free(rs);
}

static int
cmd_exact(size_t n, uint64_t seed, const char *file)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_params p;
    struct ct_pairing_result *res;
    struct ct_pairing_ctx *ctx;
    struct ct_error err;
    struct ct_matching_edge *edges;
    uint32_t *mate;
    double t0, t_engine, t_ref, engine_total, ref_total = 0;
    size_t m, i;
    enum ct_status st;

    net_generate(&net, n, 12, 6, seed, true);
    net_input(&net, &in);
    ct_pairing_params_defaults(&p);
    p.seed = seed;
    t_engine = time_engine(&in, &p, n <= 1000 ? 5 : 2, &res);
    st = ct_pairing_ctx_new(&in, &p, &ctx, &err);
    if (st != CT_OK)
        die_status("context", st, &err);
    edges = xcalloc(n * (n - 1) / 2, sizeof(*edges));
    m = allowed_pairs(ctx, n, edges, file);
    engine_total = plan_total(ctx, res);
    /* Reference: our blossom on the complete allowed graph. */
    mate = xcalloc(n, sizeof(*mate));
    t0 = now();
    st = ct_matching_solve(n, edges, m, CT_MATCHING_EXACT, mate, NULL, NULL, &err);
    t_ref = now() - t0;
    if (st != CT_OK)
        die_status("reference", st, &err);
    for (i = 0; i < m; i++)
        if (mate[edges[i].u] == edges[i].v)
            ref_total += (double)edges[i].w / 10000.0;
    printf("members %zu  allowed pairs %zu  groups %zu  unpaired %zu\n", n, m, res->group_count,
           res->unpaired_count);
    printf("engine  total %.4f  time %.6f s  (candidate edges %zu, solves %zu, pricing rounds "
           "%zu, pairs priced %zu, added %zu, proven optimal %s)\n",
           engine_total, t_engine, res->stats.candidate_edges, res->stats.solves,
           res->stats.pricing_rounds, res->stats.priced_pairs, res->stats.priced_added,
           res->stats.optimal ? "yes" : "no");
    printf("blossom on the complete graph  total %.4f  time %.6f s\n", ref_total, t_ref);
    exact_sampled(ctx, &in, &p, ref_total);
    printf("engine / complete-graph optimum = %.6f\n", engine_total / ref_total);
    printf("ENGINE_TOTAL %.4f\nENGINE_TIME %.6f\n", engine_total, t_engine);
    free(edges);
    free(mate);
    ct_pairing_result_free(res);
    ct_pairing_ctx_free(ctx);
    net_free(&net);
    return 0;
}

/* ---- scale ---------------------------------------------------------------- */

static int
cmd_scale(size_t n, uint64_t seed)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_params p;
    struct ct_pairing_result *res;
    struct ct_error err;
    double t0, t_ctx, t_plan;
    long rss_before;
    struct ct_pairing_ctx *ctx;
    enum ct_status st;

    net_generate(&net, n, 12, 12, seed, true);
    net_input(&net, &in);
    ct_pairing_params_defaults(&p);
    p.seed = seed;
    rss_before = peak_rss_kb();
    t0 = now();
    st = ct_pairing_ctx_new(&in, &p, &ctx, &err);
    if (st != CT_OK)
        die_status("context", st, &err);
    t_ctx = now() - t0;
    t0 = now();
    st = ct_pairing_plan(ctx, &res, &err);
    if (st != CT_OK)
        die_status("plan", st, &err);
    t_plan = now() - t0;
    printf("members %zu  history %zu meetings (12 rounds)  ties %zu\n", n, net.nhist, net.nties);
    printf("context %.3f s  plan %.3f s  total %.3f s\n", t_ctx, t_plan, t_ctx + t_plan);
    printf("groups %zu  unpaired %zu  candidate edges %zu  solves %zu  improvements %zu\n",
           res->group_count, res->unpaired_count, res->stats.candidate_edges, res->stats.solves,
           res->stats.improvements);
    printf("peak RSS %.1f MB (%.1f MB for the generated input)\n", peak_rss_kb() / 1024.0,
           rss_before / 1024.0);
    ct_pairing_result_free(res);
    ct_pairing_ctx_free(ctx);
    net_free(&net);
    return 0;
}

/* ---- groups of three or four --------------------------------------------- */

/* CPU seconds of this process (the machine is shared: wall time is noisy). */
static double
cpu_now(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The eligible members of a plan (grouped or listed). OUT: *n. */
static uint32_t *
plan_members(const struct ct_pairing_result *res, size_t *n)
{
    uint32_t *v = xcalloc(4 * res->group_count + res->unpaired_count + 1, sizeof(*v));
    size_t i, j;

    *n = 0;
    for (i = 0; i < res->group_count; i++)
        for (j = 0; j < res->groups[i].size; j++)
            v[(*n)++] = res->groups[i].members[j];
    for (i = 0; i < res->unpaired_count; i++)
        v[(*n)++] = res->unpaired[i].member;
    return v;
}

/*
 * The upper bound of a plan with groups of k: half the sum over members of
 * their k - 1 best allowed partner scores, plus, with a four among threes,
 * half the four largest third-best scores. Every member when sample is 0
 * (O(n^2)), else an estimate from sample members drawn at random (OUT:
 * *stderr_out, its standard error; the four's term is then left out).
 */
static double
groups_bound(const struct ct_pairing_ctx *ctx, const uint32_t *all, size_t n, unsigned k, bool four,
             size_t sample, uint64_t seed, double *stderr_out)
{
    double sum = 0, sq = 0, next, top[4] = {0, 0, 0, 0};
    struct ct_rng rng;
    size_t i, m = sample && sample < n ? sample : n;

    ct_rng_seed(&rng, seed ^ 0xb0b0);
    for (i = 0; i < m; i++) {
        uint32_t x = m == n ? all[i] : all[ct_rng_below(&rng, n)];
        double b = ct_grouping_member_best(ctx, all, n, x, k, &next);
        size_t j;
        sum += b;
        sq += b * b;
        for (j = 0; j < 4 && m == n; j++)
            if (next > top[j]) {
                double t = top[j];
                top[j] = next;
                next = t;
            }
    }
    *stderr_out = 0;
    if (m == n)
        return sum / 2 + (four ? (top[0] + top[1] + top[2] + top[3]) / 2 : 0);
    *stderr_out = (double)n / 2 * sqrt((sq / m - (sum / m) * (sum / m)) / m);
    return (double)n / 2 * sum / m;
}

static int
cmd_groups(size_t n, unsigned k, uint64_t seed, size_t sample)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_params p;
    struct ct_pairing_result *res, *pairs;
    struct ct_pairing_ctx *ctx;
    struct ct_error err;
    enum ct_status st;
    size_t sizes[CT_GROUP_MAX + 1] = {0}, i, nm;
    double t0, t_plan, t_pairs, bound, se, pairs_total, c0, c_plan, c_pairs;
    uint32_t *all;

    net_generate(&net, n, 12, 12, seed, true);
    net_input(&net, &in);
    ct_pairing_params_defaults(&p);
    p.seed = seed;
    if ((st = ct_pairing_ctx_new(&in, &p, &ctx, &err)) != CT_OK)
        die_status("context", st, &err);
    t0 = now();
    c0 = cpu_now();
    if ((st = ct_pairing_plan(ctx, &pairs, &err)) != CT_OK)
        die_status("plan", st, &err);
    t_pairs = now() - t0;
    c_pairs = cpu_now() - c0;
    pairs_total = pairs->total;
    ct_pairing_result_free(pairs);
    ct_pairing_ctx_free(ctx);
    p.group_size = k;
    if ((st = ct_pairing_ctx_new(&in, &p, &ctx, &err)) != CT_OK)
        die_status("context", st, &err);
    t0 = now();
    c0 = cpu_now();
    if ((st = ct_pairing_plan(ctx, &res, &err)) != CT_OK)
        die_status("plan", st, &err);
    t_plan = now() - t0;
    c_plan = cpu_now() - c0;
    for (i = 0; i < res->group_count; i++)
        sizes[res->groups[i].size]++;
    all = plan_members(res, &nm);
    t0 = now();
    bound = groups_bound(ctx, all, nm, k, k == 3 && sizes[4] > 0, sample, seed, &se);
    printf("members %zu  eligible %zu  group_size %u\n", n, nm, k);
    printf("groups %zu: %zu of 4, %zu of 3, %zu of 2; unpaired %zu\n", res->group_count, sizes[4],
           sizes[3], sizes[2], res->unpaired_count);
    printf("plan %.3f s wall, %.3f s CPU (pairs alone %.3f s wall, %.3f s CPU, total_score %.2f)  "
           "peak RSS %.1f MB\n",
           t_plan, c_plan, t_pairs, c_pairs, pairs_total, peak_rss_kb() / 1024.0);
    if (se > 0)
        printf("total_score %.2f  bound %.2f +- %.2f (estimated from %zu members, %.1f s)  "
               "total/bound %.4f\n",
               res->total, bound, se, sample, now() - t0, res->total / bound);
    else
        printf("total_score %.2f  bound %.2f (every pair, %.1f s)  total/bound %.4f\n", res->total,
               bound, now() - t0, res->total / bound);
    free(all);
    ct_pairing_result_free(res);
    ct_pairing_ctx_free(ctx);
    net_free(&net);
    return 0;
}

/* ---- simulate --------------------------------------------------------------- */

/* Dinic max flow on a small graph. */
struct flow {
    size_t n, m, cap_m;
    size_t *head, *next, *to;
    long *cap;
    size_t *level, *it, *queue;
};

static void
flow_init(struct flow *f, size_t n, size_t max_edges)
{
    size_t i;

    memset(f, 0, sizeof(*f));
    f->n = n;
    f->cap_m = 2 * max_edges;
    f->head = xcalloc(n, sizeof(*f->head));
    f->next = xcalloc(f->cap_m, sizeof(*f->next));
    f->to = xcalloc(f->cap_m, sizeof(*f->to));
    f->cap = xcalloc(f->cap_m, sizeof(*f->cap));
    f->level = xcalloc(n, sizeof(*f->level));
    f->it = xcalloc(n, sizeof(*f->it));
    f->queue = xcalloc(n, sizeof(*f->queue));
    for (i = 0; i < n; i++)
        f->head[i] = SIZE_MAX;
}

static void
flow_edge(struct flow *f, size_t a, size_t b, long cap)
{
    f->to[f->m] = b;
    f->cap[f->m] = cap;
    f->next[f->m] = f->head[a];
    f->head[a] = f->m++;
    f->to[f->m] = a;
    f->cap[f->m] = 0;
    f->next[f->m] = f->head[b];
    f->head[b] = f->m++;
}

static long
flow_dfs(struct flow *f, size_t v, size_t t, long pushed)
{
    if (v == t)
        return pushed;
    for (; f->it[v] != SIZE_MAX; f->it[v] = f->next[f->it[v]]) {
        size_t e = f->it[v], u = f->to[e];
        long got;
        if (f->cap[e] <= 0 || f->level[u] != f->level[v] + 1)
            continue;
        got = flow_dfs(f, u, t, pushed < f->cap[e] ? pushed : f->cap[e]);
        if (got > 0) {
            f->cap[e] -= got;
            f->cap[e ^ 1] += got;
            return got;
        }
    }
    return 0;
}

static long
flow_max(struct flow *f, size_t s, size_t t)
{
    long total = 0;

    for (;;) {
        size_t qh = 0, qt = 0, i;
        for (i = 0; i < f->n; i++)
            f->level[i] = SIZE_MAX;
        f->level[s] = 0;
        f->queue[qt++] = s;
        while (qh < qt) {
            size_t v = f->queue[qh++], e;
            for (e = f->head[v]; e != SIZE_MAX; e = f->next[e])
                if (f->cap[e] > 0 && f->level[f->to[e]] == SIZE_MAX) {
                    f->level[f->to[e]] = f->level[v] + 1;
                    f->queue[qt++] = f->to[e];
                }
        }
        if (f->level[t] == SIZE_MAX)
            return total;
        for (i = 0; i < f->n; i++)
            f->it[i] = f->head[i];
        for (;;) {
            long got = flow_dfs(f, s, t, 1L << 40);
            if (got == 0)
                break;
            total += got;
        }
    }
}

static void
flow_free(struct flow *f)
{
    free(f->head);
    free(f->next);
    free(f->to);
    free(f->cap);
    free(f->level);
    free(f->it);
    free(f->queue);
}

/*
 * The reach bound after r rounds: member u can meet at most r partners,
 * hence at most min(r, K-1) other organisations (K organisations); an
 * organisation o can offer at most |o| * r meetings in r rounds. Max flow
 * source -> member (capacity r) -> each other organisation (capacity 1) ->
 * sink (capacity |o| r) bounds the number of (member, organisation met)
 * pairs; divided by n (K - 1) it bounds the mean reach.
 */
static double
reach_bound(const struct net *net, unsigned r)
{
    size_t n = net->n, k = net->norgs, u, o;
    size_t *orgsize = xcalloc(k, sizeof(*orgsize));
    struct flow f;
    long maxflow;

    for (u = 0; u < n; u++)
        orgsize[net->m[u].organisation - 1]++;
    flow_init(&f, n + k + 2, n + n * k + k);
    for (u = 0; u < n; u++) {
        flow_edge(&f, n + k, u, (long)r);
        for (o = 0; o < k; o++)
            if (o + 1 != net->m[u].organisation)
                flow_edge(&f, u, n + o, 1);
    }
    for (o = 0; o < k; o++)
        flow_edge(&f, n + o, n + k + 1, (long)(orgsize[o] * r));
    maxflow = flow_max(&f, n + k, n + k + 1);
    flow_free(&f);
    free(orgsize);
    return (double)maxflow / (double)(n * (k - 1));
}

/* One round's figures (or all rounds' added up). */
struct sim_stats {
    size_t pairs, cross, repeats, tied;
    double overlap;
};

/* The contact graph as it stands before the round: ties and history. */
static struct ct_tiegraph *
contact_graph(const struct net *net)
{
    struct ct_tiegraph_edge *te = xcalloc(net->nhist + net->nties + 1, sizeof(*te));
    struct ct_tiegraph *tg;
    struct ct_error err;
    size_t i;

    for (i = 0; i < net->nties; i++) {
        te[i].a = net->ties[i].a;
        te[i].b = net->ties[i].b;
    }
    for (i = 0; i < net->nhist; i++) {
        te[net->nties + i].a = net->hist[i].a;
        te[net->nties + i].b = net->hist[i].b;
    }
    if (ct_tiegraph_new(net->n, te, net->nhist + net->nties, &tg, &err) != CT_OK)
        die_status("tie graph", CT_ENOMEM, &err);
    free(te);
    return tg;
}

/* Whether a-b is among the n pairs of v (either way round). */
static bool
pair_listed(const struct ct_pairing_pair *v, size_t n, uint32_t a, uint32_t b)
{
    size_t h;

    for (h = 0; h < n; h++)
        if ((v[h].a == a && v[h].b == b) || (v[h].a == b && v[h].b == a))
            return true;
    return false;
}

static bool
met_before(const struct net *net, uint32_t a, uint32_t b)
{
    size_t h;

    for (h = 0; h < net->nhist; h++)
        if ((net->hist[h].a == a && net->hist[h].b == b) ||
            (net->hist[h].a == b && net->hist[h].b == a))
            return true;
    return false;
}

/* The round's pairs counted into st; who met which organisation into metorg. */
static void
tally_round(const struct net *net, const struct ct_pairing_result *res,
            const struct ct_tiegraph *tg, uint8_t *metorg, struct sim_stats *st)
{
    size_t i, k = net->norgs;

    for (i = 0; i < res->group_count; i++) {
        const struct ct_pairing_group *g = &res->groups[i];
        unsigned x, y;
        for (x = 0; x < g->size; x++)
            for (y = x + 1; y < g->size; y++) {
                uint32_t a = g->members[x], b = g->members[y];
                st->pairs++;
                st->cross += net->m[a].organisation != net->m[b].organisation;
                st->overlap += ct_tiegraph_overlap(tg, a, b);
                st->repeats += met_before(net, a, b);
                st->tied += pair_listed(net->ties, net->nties, a, b);
                metorg[a * k + net->m[b].organisation - 1] = 1;
                metorg[b * k + net->m[a].organisation - 1] = 1;
            }
    }
}

/* Age the history, then add this round's meetings. */
static void
record_round(struct net *net, const struct ct_pairing_result *res)
{
    size_t i;

    for (i = 0; i < net->nhist; i++)
        net->hist[i].rounds_ago++;
    for (i = 0; i < res->group_count; i++) {
        const struct ct_pairing_group *g = &res->groups[i];
        unsigned x, y;
        for (x = 0; x < g->size; x++)
            for (y = x + 1; y < g->size; y++)
                net_add_meeting(net, g->members[x], g->members[y], 1);
        for (x = 0; x < g->size; x++) {
            net->m[g->members[x]].rounds_since_grouped = 1;
            net->m[g->members[x]].trios += g->size == 3;
        }
    }
}

/* The mean share of the other organisations each member has met. */
static double
mean_reach(const struct net *net, const uint8_t *metorg)
{
    size_t u, o, k = net->norgs;
    double reach = 0;

    for (u = 0; u < net->n; u++) {
        size_t met = 0;
        for (o = 0; o < k; o++)
            met += metorg[u * k + o] && o + 1 != net->m[u].organisation;
        reach += (double)met / (double)(k - 1);
    }
    return reach / (double)net->n;
}

static int
simulate_strategy(const char *name, struct ct_pairing_params *p, unsigned rounds, size_t n,
                  uint64_t seed, const double *bounds, double *final_reach)
{
    struct net net;
    struct ct_pairing_input in;
    struct ct_pairing_result *res;
    struct ct_error err;
    struct sim_stats all = {0, 0, 0, 0, 0};
    uint8_t *metorg;
    unsigned r;

    net_generate(&net, n, 12, 0, seed, false);
    metorg = xcalloc(n * net.norgs, 1);
    printf("\n%s\n", name);
    printf("round  pairs  cross-org  repeats  tied  overlap   reach  bound  reach/bound\n");
    for (r = 1; r <= rounds; r++) {
        struct ct_tiegraph *tg = contact_graph(&net);
        struct sim_stats one = {0, 0, 0, 0, 0};
        double reach;
        enum ct_status st;

        net_input(&net, &in);
        p->seed = seed * 1000 + r;
        st = ct_pairing_run(&in, p, &res, &err);
        if (st != CT_OK)
            die_status("engine", st, &err);
        tally_round(&net, res, tg, metorg, &one);
        record_round(&net, res);
        reach = mean_reach(&net, metorg);
        all.pairs += one.pairs;
        all.cross += one.cross;
        all.repeats += one.repeats;
        all.tied += one.tied;
        all.overlap += one.overlap;
        printf("%5u  %5zu  %9.3f  %7zu  %4zu  %7.4f  %6.3f  %5.3f  %11.4f\n", r, one.pairs,
               (double)one.cross / (double)one.pairs, one.repeats, one.tied,
               one.overlap / (double)one.pairs, reach, bounds[r], reach / bounds[r]);
        *final_reach = reach;
        ct_pairing_result_free(res);
        ct_tiegraph_free(tg);
    }
    printf("all    %5zu  %9.3f  %7zu  %4zu  %7.4f  %6.3f  %5.3f  %11.4f\n", all.pairs,
           (double)all.cross / (double)all.pairs, all.repeats, all.tied,
           all.overlap / (double)all.pairs, *final_reach, bounds[rounds],
           *final_reach / bounds[rounds]);
    free(metorg);
    net_free(&net);
    return 0;
}

/* Every weight the organiser sets to 0 but keep (CT_WEIGHT_COUNT: none). */
static void
only_weights(struct ct_pairing_params *p, enum ct_weight keep)
{
    size_t t;

    for (t = 0; t < CT_WEIGHT_COUNT; t++)
        if (ct_weights[t].key != NULL && t != (size_t)keep)
            p->weight[t] = 0;
}

static int
cmd_simulate(unsigned rounds, size_t n, uint64_t seed)
{
    struct net net;
    struct ct_pairing_params p;
    double *bounds = xcalloc(rounds + 1, sizeof(*bounds)), reach;
    unsigned r;
    size_t o, *orgsize;

    net_generate(&net, n, 12, 0, seed, false);
    orgsize = xcalloc(net.norgs, sizeof(*orgsize));
    for (o = 0; o < n; o++)
        orgsize[net.m[o].organisation - 1]++;
    printf("network: %zu members, %zu organisations of", n, net.norgs);
    for (o = 0; o < net.norgs; o++)
        printf(" %zu", orgsize[o]);
    printf(" members; %zu declared ties\n", net.nties);
    for (r = 1; r <= rounds; r++)
        bounds[r] = reach_bound(&net, r);
    net_free(&net);
    free(orgsize);

    ct_pairing_params_defaults(&p);
    only_weights(&p, CT_WEIGHT_COUNT);
    p.weight[CT_W_RANDOM] = 1.0;
    simulate_strategy("random pairing (hard rules only)", &p, rounds, n, seed, bounds, &reach);

    ct_pairing_params_defaults(&p);
    only_weights(&p, CT_W_ORGANISATION);
    p.weight[CT_W_RANDOM] = 0.5;
    simulate_strategy("organisation weight only (weight_organisation, randomness 0.5)", &p, rounds,
                      n, seed, bounds, &reach);

    ct_pairing_params_defaults(&p);
    simulate_strategy("defaults", &p, rounds, n, seed, bounds, &reach);
    free(bounds);
    return 0;
}

/* ---- Relational Coordination --------------------------------------------- */

#define CT_RC_WEAK_BENCH CT_RC_WEAK

/*
 * A generated RC matrix over the 8 roles (ids 1-8): each role pair's
 * strength drawn from 1.5-5 with a quarter of the pairs made weak (1.5 to
 * 3). OUT: rc[9 * 9], symmetric.
 */
static void
rc_matrix(uint64_t seed, float *rc)
{
    struct ct_rng rng;
    uint32_t x, y;

    ct_rng_seed(&rng, seed ^ UINT64_C(0x5c0ffee));
    for (x = 1; x <= 8; x++)
        for (y = x; y <= 8; y++) {
            double u = (double)ct_rng_below(&rng, 1000) / 1000.0;
            double s = ct_rng_below(&rng, 4) == 0 ? 1.5 + 1.5 * u : 3.0 + 2.0 * u;
            rc[x * 9 + y] = rc[y * 9 + x] = (float)s;
        }
}

/* Rounds of the defaults with weight_coordination w: share of pairs across a weak link, reach. */
static void
rc_strategy(double w, const float *rc, unsigned rounds, size_t n, uint64_t seed, double *weak_share,
            double *reach, size_t *links_met, size_t *weak_links)
{
    struct ct_pairing_params p;
    struct ct_pairing_input in;
    struct ct_pairing_result *res;
    struct ct_error err;
    struct net net;
    uint8_t *metorg, linkmet[81] = {0};
    size_t pairs = 0, weak = 0, i, x, y;
    unsigned r;

    ct_pairing_params_defaults(&p);
    p.weight[CT_W_COORDINATION] = w;
    net_generate(&net, n, 12, 0, seed, false);
    metorg = xcalloc(n * net.norgs, 1);
    for (r = 1; r <= rounds; r++) {
        struct ct_tiegraph *tg = contact_graph(&net);
        struct sim_stats one = {0, 0, 0, 0, 0};
        enum ct_status st;

        net_input(&net, &in);
        in.coordination = rc;
        in.coordination_roles = 9;
        in.coordination_wave = "March";
        p.seed = seed * 1000 + r;
        if ((st = ct_pairing_run(&in, &p, &res, &err)) != CT_OK)
            die_status("engine", st, &err);
        for (i = 0; i < res->group_count; i++)
            for (x = 0; x < res->groups[i].size; x++)
                for (y = x + 1; y < res->groups[i].size; y++) {
                    uint32_t ra = net.m[res->groups[i].members[x]].role;
                    uint32_t rb = net.m[res->groups[i].members[y]].role;
                    pairs++;
                    if (rc[ra * 9 + rb] < CT_RC_WEAK_BENCH) {
                        weak++;
                        linkmet[ra * 9 + rb] = linkmet[rb * 9 + ra] = 1;
                    }
                }
        tally_round(&net, res, tg, metorg, &one);
        record_round(&net, res);
        ct_pairing_result_free(res);
        ct_tiegraph_free(tg);
    }
    *weak_share = (double)weak / (double)pairs;
    *reach = mean_reach(&net, metorg);
    *links_met = *weak_links = 0;
    for (x = 1; x <= 8; x++)
        for (y = x; y <= 8; y++)
            if (rc[x * 9 + y] < CT_RC_WEAK_BENCH) {
                (*weak_links)++;
                *links_met += linkmet[x * 9 + y];
            }
    free(metorg);
    net_free(&net);
}

static int
cmd_rc(unsigned rounds, size_t n, uint64_t seed)
{
    float rc[81] = {0};
    double share0, share1, reach0, reach1;
    size_t met0, met1, weak, pairs = 0, x, y;

    rc_matrix(seed, rc);
    for (x = 1; x <= 8; x++)
        for (y = x; y <= 8; y++)
            pairs++;
    rc_strategy(0, rc, rounds, n, seed, &share0, &reach0, &met0, &weak);
    rc_strategy(1.0, rc, rounds, n, seed, &share1, &reach1, &met1, &weak);
    printf("network: %zu members, 12 organisations, 8 roles; %zu of %zu role pairs weak "
           "(below %.1f); %u rounds\n",
           n, weak, pairs, CT_RC_WEAK_BENCH, rounds);
    printf("weight_coordination  pairs across a weak link  weak links met  reach\n");
    printf("%19.1f  %24.3f  %8zu of %zu  %.4f\n", 0.0, share0, met0, weak, reach0);
    printf("%19.1f  %24.3f  %8zu of %zu  %.4f\n", 1.0, share1, met1, weak, reach1);
    printf("reach with the weight: %+.2f%% of its value without\n",
           100.0 * (reach1 - reach0) / reach0);
    return 0;
}

int
main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "exact") == 0)
        return cmd_exact((size_t)strtoul(argv[2], NULL, 10), strtoull(argv[3], NULL, 10), argv[4]);
    if (argc == 4 && strcmp(argv[1], "scale") == 0)
        return cmd_scale((size_t)strtoul(argv[2], NULL, 10), strtoull(argv[3], NULL, 10));
    if ((argc == 5 || argc == 6) && strcmp(argv[1], "groups") == 0)
        return cmd_groups((size_t)strtoul(argv[2], NULL, 10), (unsigned)strtoul(argv[3], NULL, 10),
                          strtoull(argv[4], NULL, 10),
                          argc == 6 ? (size_t)strtoul(argv[5], NULL, 10) : 0);
    if (argc == 5 && strcmp(argv[1], "simulate") == 0)
        return cmd_simulate((unsigned)strtoul(argv[2], NULL, 10),
                            (size_t)strtoul(argv[3], NULL, 10), strtoull(argv[4], NULL, 10));
    if (argc == 5 && strcmp(argv[1], "rc") == 0)
        return cmd_rc((unsigned)strtoul(argv[2], NULL, 10), (size_t)strtoul(argv[3], NULL, 10),
                      strtoull(argv[4], NULL, 10));
    fprintf(stderr, "usage: bench_pairing exact N SEED FILE | scale N SEED | "
                    "groups N K SEED [SAMPLE] | simulate ROUNDS N SEED | rc ROUNDS N SEED\n");
    return 64;
}
