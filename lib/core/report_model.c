/*
 * report_model.c: the report's plain data: freeing it, picking a format
 * and its renderer, and the transportation bound on reach (a small
 * maximum flow); see report_model.h.
 */
#include "report_model.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- the transportation bound ------------------------------------------------- */

/* Dinic's maximum flow on a small graph. */
struct flow {
    size_t nodes;
    size_t *head; /* first edge of each node, SIZE_MAX = none */
    size_t *next, *to;
    long *cap;
    size_t edges, edges_cap;
    int *level;
    size_t *iter, *queue;
};

static bool
flow_init(struct flow *f, size_t nodes)
{
    size_t i;

    memset(f, 0, sizeof(*f));
    f->nodes = nodes;
    f->head = malloc(nodes * sizeof(*f->head));
    f->level = malloc(nodes * sizeof(*f->level));
    f->iter = malloc(nodes * sizeof(*f->iter));
    f->queue = malloc(nodes * sizeof(*f->queue));
    if (!f->head || !f->level || !f->iter || !f->queue)
        return false;
    for (i = 0; i < nodes; i++)
        f->head[i] = SIZE_MAX;
    return true;
}

static void
flow_free(struct flow *f)
{
    free(f->head);
    free(f->next);
    free(f->to);
    free(f->cap);
    free(f->level);
    free(f->iter);
    free(f->queue);
}

static bool
flow_edge1(struct flow *f, size_t from, size_t to, long cap)
{
    if (f->edges == f->edges_cap) {
        size_t ncap = f->edges_cap ? f->edges_cap * 2 : 256;
        size_t *next = realloc(f->next, ncap * sizeof(*next));
        size_t *tov = next ? realloc(f->to, ncap * sizeof(*tov)) : NULL;
        long *capv = tov ? realloc(f->cap, ncap * sizeof(*capv)) : NULL;
        if (next)
            f->next = next;
        if (tov)
            f->to = tov;
        if (capv == NULL)
            return false;
        f->cap = capv;
        f->edges_cap = ncap;
    }
    f->to[f->edges] = to;
    f->cap[f->edges] = cap;
    f->next[f->edges] = f->head[from];
    f->head[from] = f->edges++;
    return true;
}

/* An edge and its residual twin (edge e's twin is e ^ 1). */
static bool
flow_edge(struct flow *f, size_t from, size_t to, long cap)
{
    return flow_edge1(f, from, to, cap) && flow_edge1(f, to, from, 0);
}

static bool
flow_levels(struct flow *f, size_t s, size_t t)
{
    size_t qh = 0, qt = 0, i, e;

    for (i = 0; i < f->nodes; i++)
        f->level[i] = -1;
    f->level[s] = 0;
    f->queue[qt++] = s;
    while (qh < qt) {
        size_t v = f->queue[qh++];
        for (e = f->head[v]; e != SIZE_MAX; e = f->next[e]) {
            if (f->cap[e] > 0 && f->level[f->to[e]] < 0) {
                f->level[f->to[e]] = f->level[v] + 1;
                f->queue[qt++] = f->to[e];
            }
        }
    }
    return f->level[t] >= 0;
}

/* Push up to limit along level-increasing paths (the graph is 4 layers deep). */
static long
flow_push(struct flow *f, size_t v, size_t t, long limit)
{
    long pushed;

    if (v == t)
        return limit;
    for (; f->iter[v] != SIZE_MAX; f->iter[v] = f->next[f->iter[v]]) {
        size_t e = f->iter[v], w = f->to[e];
        if (f->cap[e] <= 0 || f->level[w] != f->level[v] + 1)
            continue;
        pushed = flow_push(f, w, t, limit < f->cap[e] ? limit : f->cap[e]);
        if (pushed > 0) {
            f->cap[e] -= pushed;
            f->cap[e ^ 1] += pushed;
            return pushed;
        }
    }
    return 0;
}

static long
flow_max(struct flow *f, size_t s, size_t t)
{
    long total = 0, pushed;

    while (flow_levels(f, s, t)) {
        memcpy(f->iter, f->head, f->nodes * sizeof(*f->iter));
        while ((pushed = flow_push(f, s, t, LONG_MAX)) > 0)
            total += pushed;
    }
    return total;
}

/* Members with the same organisation and the same cap are interchangeable. */
struct member_class {
    size_t org;
    long cap;
    long count;
};

static int
class_cmp(const void *pa, const void *pb)
{
    const struct member_class *a = pa, *b = pb;

    if (a->org != b->org)
        return a->org < b->org ? -1 : 1;
    return (a->cap > b->cap) - (a->cap < b->cap);
}

long
ct_report_reach_flow(const size_t *org, const long *partners, size_t n, size_t k, long *capacity)
{
    struct member_class *classes = NULL;
    long *supply = NULL, total_cap = 0, result = -1;
    size_t i, p, nclasses = 0, source, sink;
    struct flow f;
    bool ok;

    memset(&f, 0, sizeof(f));
    if (capacity)
        *capacity = 0;
    if (k < 2 || n == 0)
        return 0;
    classes = malloc(n * sizeof(*classes));
    supply = calloc(k, sizeof(*supply));
    if (classes == NULL || supply == NULL)
        goto out;
    /*
     * A member meets at most min(partners, k - 1) other organisations; the
     * members of organisation p can be partners to at most supply[p]
     * others (one per partner they had). Merging members of one
     * organisation with the same cap is exact: any flow that gives a class
     * of c members at most c meetings with each organisation and c * cap in
     * all can be dealt out round-robin so no member exceeds cap or meets an
     * organisation twice.
     */
    for (i = 0; i < n; i++) {
        long cap = partners[i] < (long)(k - 1) ? partners[i] : (long)(k - 1);
        supply[org[i]] += partners[i];
        if (cap <= 0)
            continue;
        total_cap += cap;
        classes[nclasses].org = org[i];
        classes[nclasses].cap = cap;
        classes[nclasses].count = 1;
        nclasses++;
    }
    if (capacity)
        *capacity = total_cap;
    if (nclasses > 1) {
        size_t w = 0;
        qsort(classes, nclasses, sizeof(*classes), class_cmp);
        for (i = 1; i < nclasses; i++) {
            if (classes[i].org == classes[w].org && classes[i].cap == classes[w].cap)
                classes[w].count++;
            else
                classes[++w] = classes[i];
        }
        nclasses = w + 1;
    }
    /* Nodes: source, classes, organisations, sink. */
    source = 0;
    sink = 1 + nclasses + k;
    if (!flow_init(&f, sink + 1))
        goto out;
    ok = true;
    for (i = 0; i < nclasses && ok; i++) {
        ok = flow_edge(&f, source, 1 + i, classes[i].count * classes[i].cap);
        for (p = 0; p < k && ok; p++)
            if (p != classes[i].org)
                ok = flow_edge(&f, 1 + i, 1 + nclasses + p, classes[i].count);
    }
    for (p = 0; p < k && ok; p++)
        if (supply[p] > 0)
            ok = flow_edge(&f, 1 + nclasses + p, sink, supply[p]);
    if (!ok)
        goto out;
    result = flow_max(&f, source, sink);
out:
    flow_free(&f);
    free(classes);
    free(supply);
    return result;
}

void
ct_report_free(struct ct_report *report)
{
    size_t i;

    if (report == NULL)
        return;
    for (i = 0; i < report->orgs_count; i++)
        free(report->orgs[i].name);
    free(report->orgs);
    free(report->mixing);
    for (i = 0; i < report->members_count; i++)
        ct_member_clear(&report->members[i].member);
    free(report->members);
    free(report->waits);
    free(report->orgs_met_histogram);
    free(report->rounds);
    for (i = 0; i < report->rc_count; i++) {
        free(report->rc_links[i].role_a);
        free(report->rc_links[i].role_b);
        free(report->rc_links[i].meetings);
    }
    free(report->rc_links);
    ct_rc_links_free(report->rc_matrix[0], report->rc_matrix_count[0]);
    ct_rc_links_free(report->rc_matrix[1], report->rc_matrix_count[1]);
    free(report);
}

bool
ct_report_format_parse(const char *s, enum ct_report_format *format)
{
    static const char *const names[] = {"text", "json", "csv", "html"};
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(names); i++)
        if (strcmp(s, names[i]) == 0) {
            *format = (enum ct_report_format)i;
            return true;
        }
    return false;
}

bool
ct_report_render(const struct ct_report *report, enum ct_report_format format,
                 const struct ct_report_options *opts, struct ct_buf *out)
{
    switch (format) {
    case CT_REPORT_TEXT: return ct_report_render_text(report, opts, out);
    case CT_REPORT_JSON: return ct_report_render_json(report, opts, out);
    case CT_REPORT_CSV: return ct_report_render_csv(report, opts, out);
    case CT_REPORT_HTML: return ct_report_render_html(report, opts, out);
    }
    return false;
}
