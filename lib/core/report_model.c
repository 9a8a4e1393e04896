/*
 * report_model.c: the report's plain data: freeing it, picking a format
 * and its renderer, and the transportation bound on reach (a maximum
 * flow, computed as its minimum cut); see report_model.h.
 */
#include "report_model.h"

#include <stdlib.h>
#include <string.h>

/* ---- the transportation bound ------------------------------------------------- */

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

/*
 * The members as classes (same organisation, same cap min(partners, k - 1)
 * > 0), and each organisation's supply (the sum of its partner counts).
 * OUT: *classes (the caller frees), *nclasses, supply[0..k), *total_cap.
 */
static bool
reach_classes(const size_t *org, const long *partners, size_t n, size_t k,
              struct member_class **out, size_t *nclasses, long *supply, long *total_cap)
{
    struct member_class *classes = malloc(n * sizeof(*classes));
    size_t i, w = 0;

    *out = classes;
    *nclasses = 0;
    *total_cap = 0;
    if (classes == NULL)
        return false;
    for (i = 0; i < n; i++) {
        long cap = partners[i] < (long)(k - 1) ? partners[i] : (long)(k - 1);
        supply[org[i]] += partners[i];
        if (cap <= 0)
            continue;
        *total_cap += cap;
        classes[*nclasses] = (struct member_class){org[i], cap, 1};
        (*nclasses)++;
    }
    if (*nclasses > 1) {
        qsort(classes, *nclasses, sizeof(*classes), class_cmp);
        for (i = 1; i < *nclasses; i++) {
            if (classes[i].org == classes[w].org && classes[i].cap == classes[w].cap)
                classes[w].count++;
            else
                classes[++w] = classes[i];
        }
        *nclasses = w + 1;
    }
    return true;
}

/* The sum of the t largest of v[0..n) (v is reordered): a quickselect. */
static long
sum_largest(long *v, size_t n, size_t t)
{
    size_t lo = 0, hi = n, i, store;
    long sum = 0, pivot, tmp;

    /* Partition until v[0..t) holds the t largest. */
    while (t > lo && t < hi && hi - lo > 1) {
        pivot = v[lo + (hi - lo) / 2];
        tmp = v[lo + (hi - lo) / 2];
        v[lo + (hi - lo) / 2] = v[hi - 1];
        v[hi - 1] = tmp;
        for (store = lo, i = lo; i < hi - 1; i++) {
            if (v[i] > pivot) {
                tmp = v[i];
                v[i] = v[store];
                v[store++] = tmp;
            }
        }
        tmp = v[store];
        v[store] = v[hi - 1];
        v[hi - 1] = tmp;
        if (store + 1 == t || store == t)
            break;
        if (store > t)
            hi = store;
        else
            lo = store + 1;
    }
    for (i = 0; i < t; i++)
        sum += v[i];
    return sum;
}

/*
 * The maximum flow of the transportation network (source -> class i, cap
 * count * cap; class i -> every other organisation, cap count; org p ->
 * sink, cap supply[p]) as its minimum cut, without building the network
 * (classes x organisations edges: gigabytes at a million members). With T
 * the organisations on the sink's side, |T| = t, a cut costs
 *   sum over p not in T of supply[p]
 *   + sum over classes of min(count * cap, count * (t - [own org in T])),
 * so for each t the best T is the t organisations gaining most from being
 * in it: supply[p] + sum over p's classes of
 * min(s, count * t) - min(s, count * (t - 1)).
 */
static long
reach_min_cut(const struct member_class *classes, size_t nclasses, const long *supply, size_t k,
              long *gain)
{
    long total_supply = 0, best, base, s, a, b;
    size_t i, p, t;

    for (p = 0; p < k; p++)
        total_supply += supply[p];
    best = total_supply; /* t = 0: every organisation on the source's side */
    for (t = 1; t <= k; t++) {
        base = total_supply;
        memcpy(gain, supply, k * sizeof(*gain));
        for (i = 0; i < nclasses; i++) {
            s = classes[i].count * classes[i].cap;
            a = classes[i].count * (long)t;
            b = classes[i].count * (long)(t - 1);
            a = a < s ? a : s;
            b = b < s ? b : s;
            base += a;
            gain[classes[i].org] += a - b;
        }
        base -= sum_largest(gain, k, t);
        if (base < best)
            best = base;
    }
    return best;
}

long
ct_report_reach_flow(const size_t *org, const long *partners, size_t n, size_t k, long *capacity)
{
    struct member_class *classes = NULL;
    long *supply = NULL, *gain = NULL, total_cap = 0, result = -1;
    size_t nclasses = 0;

    if (capacity)
        *capacity = 0;
    if (k < 2 || n == 0)
        return 0;
    supply = calloc(k, sizeof(*supply));
    gain = calloc(k, sizeof(*gain));
    if (supply && gain &&
        reach_classes(org, partners, n, k, &classes, &nclasses, supply, &total_cap))
        result = reach_min_cut(classes, nclasses, supply, k, gain);
    if (capacity && result >= 0)
        *capacity = total_cap;
    free(classes);
    free(supply);
    free(gain);
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
