/*
 * matching.c: maximum-weight, maximum-cardinality matching on a general
 * graph by Edmonds' blossom algorithm (primal-dual), growing alternating
 * trees from every exposed vertex at once with one shared dual adjustment
 * and lazily validated heaps; see matching.h.
 *
 * Conventions. Edge k joins end[2k] and end[2k+1]; an "endpoint" p names
 * one end, and p ^ 1 the other. mate[v] is the endpoint at v's partner.
 * Blossom ids 0 .. n-1 are the vertices themselves, n .. 2n-1 are formed
 * blossoms. dual[v] holds twice the vertex dual, so the slack of an edge
 * between different top-level blossoms is dual[u] + dual[v] - 2 w and stays
 * an integer; dual[b] of a formed blossom grows with its S label.
 *
 * Integrality: weights are doubled on entry and the initial duals are
 * even, so every labelled vertex (all of them move by the same amounts)
 * shares one parity and the S-S slack halved for a blossom or augmentation
 * event is an integer.
 *
 * Dual changes are lazy: the search accumulates its adjustments in delta,
 * and a labelled vertex or top-level blossom stores its dual as of tau[x],
 * the value of delta when its label last changed; the current dual adds or
 * subtracts delta - tau[x] by label. An adjustment costs O(1), and duals
 * are brought up to date ("settled") only when a label changes.
 *
 * Trees persist: an augmentation dissolves only the two trees it joins; the
 * edges from the remaining trees to the freed vertices are registered again.
 */
#include "matching.h"

#include <stdlib.h>
#include <string.h>

#define NONE      CT_MATCHING_NONE
#define LABEL_S   1
#define LABEL_T   2
#define INF_DELTA INT64_MAX

struct heap_entry {
    int64_t key;
    uint32_t p;
};

struct heap {
    struct heap_entry *v;
    size_t n, cap;
};

/* One entry per unlabeled vertex x: its least-slack edge to an S vertex. */
struct iheap_entry {
    int64_t key;
    uint32_t x;
    uint32_t p; /* endpoint at the S vertex */
};

struct iheap {
    struct iheap_entry *v; /* nv */
    uint32_t *pos;         /* nv: index in v, or NONE */
    size_t n;
};

struct vec {
    uint32_t *v;
    size_t n, cap;
};

struct solver {
    uint32_t nv, ne;
    uint32_t *end;      /* 2 ne: the vertex of each endpoint */
    int64_t *w;         /* ne, doubled */
    uint32_t *adjoff;   /* nv + 1 */
    uint32_t *adj;      /* endpoints p with end[p] the neighbour */
    uint32_t *mate;     /* nv: endpoint or NONE */
    uint8_t *label;     /* 2 nv */
    uint32_t *labelend; /* 2 nv */
    uint32_t *inblossom;
    uint32_t *bparent; /* 2 nv */
    uint32_t *bbase;   /* 2 nv; NONE for an unused blossom id */
    uint32_t **childs; /* nv: sub-blossoms of blossom nv + i, base first */
    uint32_t **endps;  /* nv: endps[i] joins childs[i] (end) and childs[i+1] (end ^ 1) */
    uint32_t *nchilds;
    uint32_t *capchilds;
    int64_t *dual; /* 2 nv, as of tau */
    int64_t *tau;  /* 2 nv */
    uint32_t *unused;
    uint32_t nunused;
    uint8_t *mark;     /* 2 nv: scratch for scan_blossom */
    uint32_t *root;    /* 2 nv: the tree (its root vertex) of a labelled item */
    struct vec *treev; /* nv, by root: vertices labelled in that tree */
    struct vec *treeb; /* nv, by root: formed blossoms labelled or made there */
    struct vec queue;  /* S vertices to scan */
    struct vec freed;  /* scratch: vertices of dissolved trees */
    struct iheap h2;   /* unlabeled vertex - S vertex, key slack + delta */
    struct heap h3;    /* S - S, key slack + 2 delta */
    struct heap h4;    /* T blossoms, key dual + tau (current dual + delta) */
    int64_t delta;     /* sum of the dual adjustments so far */
    uint32_t *stack;   /* 2 nv */
    uint32_t *leaves;  /* nv */
    uint32_t *tmp;     /* 2 nv */
    bool nomem;
    bool broken; /* an invariant failed */
    struct ct_matching_stats *stats;
};

/* ---- containers ------------------------------------------------------- */

static void
vec_push(struct solver *s, struct vec *v, uint32_t x)
{
    if (v->n == v->cap) {
        size_t ncap = v->cap ? v->cap * 2 : 8;
        uint32_t *nv = realloc(v->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            s->nomem = true;
            return;
        }
        v->v = nv;
        v->cap = ncap;
    }
    v->v[v->n++] = x;
}

static void
vec_free(struct vec *v)
{
    free(v->v);
    memset(v, 0, sizeof(*v));
}

static void
heap_push(struct solver *s, struct heap *h, int64_t key, uint32_t p)
{
    size_t i;

    if (h->n == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : 64;
        struct heap_entry *nv = realloc(h->v, ncap * sizeof(*nv));
        if (nv == NULL) {
            s->nomem = true;
            return;
        }
        h->v = nv;
        h->cap = ncap;
    }
    i = h->n++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->v[parent].key <= key)
            break;
        h->v[i] = h->v[parent];
        i = parent;
    }
    h->v[i].key = key;
    h->v[i].p = p;
}

static void
heap_pop(struct heap *h)
{
    struct heap_entry last;
    size_t i = 0;

    if (h->n == 0)
        return;
    last = h->v[--h->n];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1].key < h->v[c].key)
            c++;
        if (h->v[c].key >= last.key)
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->n > 0)
        h->v[i] = last;
}

static void
iheap_swap(struct iheap *h, size_t i, size_t j)
{
    struct iheap_entry t = h->v[i];

    h->v[i] = h->v[j];
    h->v[j] = t;
    h->pos[h->v[i].x] = (uint32_t)i;
    h->pos[h->v[j].x] = (uint32_t)j;
}

static void
iheap_up(struct iheap *h, size_t i)
{
    while (i > 0 && h->v[(i - 1) / 2].key > h->v[i].key) {
        iheap_swap(h, i, (i - 1) / 2);
        i = (i - 1) / 2;
    }
}

static void
iheap_down(struct iheap *h, size_t i)
{
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1].key < h->v[c].key)
            c++;
        if (h->v[c].key >= h->v[i].key)
            break;
        iheap_swap(h, i, c);
        i = c;
    }
}

/* Offer edge p (endpoint at the S vertex) with key to vertex x. */
static void
iheap_offer(struct iheap *h, uint32_t x, int64_t key, uint32_t p)
{
    size_t i = h->pos[x];

    if (i == NONE) {
        i = h->n++;
        h->v[i].key = key;
        h->v[i].x = x;
        h->v[i].p = p;
        h->pos[x] = (uint32_t)i;
        iheap_up(h, i);
    } else if (key < h->v[i].key) {
        h->v[i].key = key;
        h->v[i].p = p;
        iheap_up(h, i);
    }
}

static void
iheap_remove(struct iheap *h, uint32_t x)
{
    size_t i = h->pos[x];

    if (i == NONE)
        return;
    h->pos[x] = NONE;
    if (i == --h->n)
        return;
    h->v[i] = h->v[h->n];
    h->pos[h->v[i].x] = (uint32_t)i;
    if (i > 0 && h->v[(i - 1) / 2].key > h->v[i].key)
        iheap_up(h, i);
    else
        iheap_down(h, i);
}

/* ---- duals ------------------------------------------------------------ */

/* The current dual of vertex v. */
static int64_t
vdual(const struct solver *s, uint32_t v)
{
    int l = s->label[s->inblossom[v]];

    if (l == LABEL_S)
        return s->dual[v] - (s->delta - s->tau[v]);
    if (l == LABEL_T)
        return s->dual[v] + (s->delta - s->tau[v]);
    return s->dual[v];
}

/* Bring v's stored dual up to date, before its label changes. */
static void
settle_vertex(struct solver *s, uint32_t v)
{
    s->dual[v] = vdual(s, v);
    s->tau[v] = s->delta;
}

/* The same for a formed blossom, while it is top-level. */
static void
settle_blossom(struct solver *s, uint32_t b)
{
    if (b < s->nv)
        return;
    if (s->bparent[b] == NONE && s->bbase[b] != NONE) {
        if (s->label[b] == LABEL_S)
            s->dual[b] += s->delta - s->tau[b];
        else if (s->label[b] == LABEL_T)
            s->dual[b] -= s->delta - s->tau[b];
    }
    s->tau[b] = s->delta;
}

static int64_t
slack(const struct solver *s, uint32_t k)
{
    return vdual(s, s->end[2 * k]) + vdual(s, s->end[2 * k + 1]) - 2 * s->w[k];
}

/* ---- blossom structure ------------------------------------------------ */

/* The vertices of blossom b into s->leaves; returns their number. */
static size_t
collect_leaves(struct solver *s, uint32_t b)
{
    size_t nstack = 0, nleaves = 0;

    if (b < s->nv) {
        s->leaves[0] = b;
        return 1;
    }
    s->stack[nstack++] = b;
    while (nstack > 0) {
        uint32_t x = s->stack[--nstack], i;
        if (x < s->nv) {
            s->leaves[nleaves++] = x;
            continue;
        }
        for (i = 0; i < s->nchilds[x - s->nv]; i++)
            s->stack[nstack++] = s->childs[x - s->nv][i];
    }
    return nleaves;
}

static bool
child_array_reserve(struct solver *s, uint32_t bi, uint32_t need)
{
    uint32_t *nc, *ne;
    uint32_t ncap;

    if (need <= s->capchilds[bi])
        return true;
    ncap = s->capchilds[bi] ? s->capchilds[bi] : 4;
    while (ncap < need)
        ncap *= 2;
    nc = realloc(s->childs[bi], ncap * sizeof(*nc));
    if (nc == NULL)
        return false;
    s->childs[bi] = nc;
    ne = realloc(s->endps[bi], ncap * sizeof(*ne));
    if (ne == NULL)
        return false;
    s->endps[bi] = ne;
    s->capchilds[bi] = ncap;
    return true;
}

static uint32_t
mod_index(int64_t j, uint32_t len)
{
    int64_t r = j % (int64_t)len;
    return (uint32_t)(r < 0 ? r + len : r);
}

static uint32_t
child_index(const struct solver *s, uint32_t b, uint32_t child)
{
    uint32_t i, bi = b - s->nv;

    for (i = 0; i < s->nchilds[bi]; i++)
        if (s->childs[bi][i] == child)
            return i;
    return NONE;
}

/* ---- labels ----------------------------------------------------------- */

/*
 * Label the top-level blossom of w with t, reached through the edge whose
 * endpoint p lies at the parent (NONE for a root). A T blossom passes an S
 * label on to the blossom of its base's mate; an S blossom's vertices wait
 * to be scanned.
 */
static void
assign_label(struct solver *s, uint32_t w, int t, uint32_t p)
{
    uint32_t b = s->inblossom[w], tree = p == NONE ? w : s->root[s->end[p]];
    size_t nleaves, i;

    nleaves = collect_leaves(s, b);
    for (i = 0; i < nleaves; i++) {
        uint32_t x = s->leaves[i];
        settle_vertex(s, x);
        iheap_remove(&s->h2, x);
        s->root[x] = tree;
        vec_push(s, &s->treev[tree], x);
        if (t == LABEL_S)
            vec_push(s, &s->queue, x);
    }
    settle_blossom(s, b);
    s->label[w] = s->label[b] = (uint8_t)t;
    s->labelend[w] = s->labelend[b] = p;
    s->root[b] = tree;
    if (b >= s->nv) {
        vec_push(s, &s->treeb[tree], b);
        if (t == LABEL_T)
            heap_push(s, &s->h4, s->dual[b] + s->tau[b], b);
    }
    if (t == LABEL_T) {
        uint32_t base = s->bbase[b], mp = s->mate[base];
        if (mp == NONE) {
            s->broken = true;
            return;
        }
        assign_label(s, s->end[mp], LABEL_S, mp ^ 1);
    }
}

/*
 * Trace from S vertices v and w towards their roots. Returns the base of
 * the blossom that tight edge v-w closes, or NONE when the paths end at two
 * different roots (an augmenting path).
 */
static uint32_t
scan_blossom(struct solver *s, uint32_t v, uint32_t w)
{
    uint32_t base = NONE;
    size_t npath = 0, i;

    while (v != NONE || w != NONE) {
        uint32_t b = s->inblossom[v];
        if (s->mark[b]) {
            base = s->bbase[b];
            break;
        }
        s->mark[b] = 1;
        s->tmp[npath++] = b;
        if (s->labelend[b] == NONE) {
            v = NONE;
        } else {
            v = s->end[s->labelend[b]];
            b = s->inblossom[v];
            v = s->end[s->labelend[b]];
        }
        if (w != NONE) {
            uint32_t t = v;
            v = w;
            w = t;
        }
    }
    for (i = 0; i < npath; i++)
        s->mark[s->tmp[i]] = 0;
    return base;
}

/* Shrink the odd cycle closed by tight S-S edge k, with the given base. */
static void
add_blossom(struct solver *s, uint32_t base, uint32_t k)
{
    uint32_t v = s->end[2 * k], w = s->end[2 * k + 1];
    uint32_t bb = s->inblossom[base], bv = s->inblossom[v], bw = s->inblossom[w];
    uint32_t b, bi, n = 0, i, tree = s->root[bb];
    size_t nleaves;

    if (s->nunused == 0) {
        s->broken = true;
        return;
    }
    b = s->unused[--s->nunused];
    bi = b - s->nv;
    settle_blossom(s, bb);
    s->bbase[b] = base;
    s->bparent[b] = NONE;
    s->bparent[bb] = b;
    /* From v's side back to the base, collected in reverse. */
    while (bv != bb) {
        if (!child_array_reserve(s, bi, n + 2))
            goto nomem;
        settle_blossom(s, bv);
        s->bparent[bv] = b;
        s->childs[bi][n] = bv;
        s->endps[bi][n] = s->labelend[bv];
        n++;
        v = s->end[s->labelend[bv]];
        bv = s->inblossom[v];
    }
    if (!child_array_reserve(s, bi, n + 2))
        goto nomem;
    s->childs[bi][n++] = bb;
    for (i = 0; i < n / 2; i++) {
        uint32_t t = s->childs[bi][i];
        s->childs[bi][i] = s->childs[bi][n - 1 - i];
        s->childs[bi][n - 1 - i] = t;
    }
    for (i = 0; i < (n - 1) / 2; i++) {
        uint32_t t = s->endps[bi][i];
        s->endps[bi][i] = s->endps[bi][n - 2 - i];
        s->endps[bi][n - 2 - i] = t;
    }
    s->endps[bi][n - 1] = 2 * k;
    /* Then from w's side back to the base. */
    while (bw != bb) {
        if (!child_array_reserve(s, bi, n + 1))
            goto nomem;
        settle_blossom(s, bw);
        s->bparent[bw] = b;
        s->childs[bi][n] = bw;
        s->endps[bi][n] = s->labelend[bw] ^ 1;
        n++;
        w = s->end[s->labelend[bw]];
        bw = s->inblossom[w];
    }
    s->nchilds[bi] = n;
    s->label[b] = LABEL_S;
    s->labelend[b] = s->labelend[bb];
    s->dual[b] = 0;
    s->tau[b] = s->delta;
    s->root[b] = tree;
    vec_push(s, &s->treeb[tree], b);
    nleaves = collect_leaves(s, b);
    for (i = 0; i < nleaves; i++) {
        uint32_t x = s->leaves[i];
        settle_vertex(s, x);
        if (s->label[s->inblossom[x]] == LABEL_T)
            vec_push(s, &s->queue, x);
        s->inblossom[x] = b;
    }
    s->stats->blossoms++;
    return;
nomem:
    s->nomem = true;
}

static void
recycle_blossom(struct solver *s, uint32_t b)
{
    s->label[b] = 0;
    s->labelend[b] = NONE;
    s->nchilds[b - s->nv] = 0;
    s->bbase[b] = NONE;
    s->bparent[b] = NONE;
    s->dual[b] = 0;
    s->tau[b] = 0;
    s->root[b] = NONE;
    s->unused[s->nunused++] = b;
}

/* Edges from S vertices into the vertices of blossom sub go to h2. */
static void
watch_unlabeled(struct solver *s, uint32_t sub)
{
    size_t nleaves = collect_leaves(s, sub), i;
    uint32_t j;

    for (i = 0; i < nleaves; i++) {
        uint32_t x = s->leaves[i];
        for (j = s->adjoff[x]; j < s->adjoff[x + 1]; j++) {
            uint32_t p = s->adj[j], y = s->end[p];
            if (s->inblossom[y] == sub || s->label[s->inblossom[y]] != LABEL_S)
                continue;
            iheap_offer(&s->h2, x, slack(s, p >> 1) + s->delta, p);
        }
    }
}

/*
 * Relabel the children of T blossom b, just expanded mid-search: the even
 * path from the child it was entered by to its base alternates T and S, the
 * other children become T if a vertex in them was reached from an S vertex,
 * else unlabeled (and watched).
 */
static void
relabel_expanded(struct solver *s, uint32_t b)
{
    uint32_t bi = b - s->nv, len = s->nchilds[bi];
    uint32_t entrychild = s->inblossom[s->end[s->labelend[b] ^ 1]];
    uint32_t p = s->labelend[b], bv, i;
    int64_t j, jstep;
    uint32_t endptrick;

    i = child_index(s, b, entrychild);
    if (i == NONE) {
        s->broken = true;
        return;
    }
    j = i;
    if (j & 1) {
        j -= len;
        jstep = 1;
        endptrick = 0;
    } else {
        jstep = -1;
        endptrick = 1;
    }
    while (j != 0) {
        s->label[s->end[p ^ 1]] = 0;
        s->label[s->end[s->endps[bi][mod_index(j - endptrick, len)] ^ endptrick ^ 1]] = 0;
        assign_label(s, s->end[p ^ 1], LABEL_T, p);
        j += jstep;
        p = s->endps[bi][mod_index(j - endptrick, len)] ^ endptrick;
        j += jstep;
    }
    /* The base child becomes T without passing S on: its mate is the
     * blossom's parent in the tree, already S. */
    bv = s->childs[bi][mod_index(j, len)];
    s->label[s->end[p ^ 1]] = s->label[bv] = LABEL_T;
    s->labelend[s->end[p ^ 1]] = s->labelend[bv] = p;
    s->root[bv] = s->root[b];
    if (bv >= s->nv) {
        vec_push(s, &s->treeb[s->root[b]], bv);
        heap_push(s, &s->h4, s->dual[bv] + s->tau[bv], bv);
    }
    j += jstep;
    while (s->childs[bi][mod_index(j, len)] != entrychild) {
        size_t nleaves, l;
        uint32_t x = NONE;

        bv = s->childs[bi][mod_index(j, len)];
        j += jstep;
        if (s->label[bv] == LABEL_S)
            continue;
        nleaves = collect_leaves(s, bv);
        for (l = 0; l < nleaves; l++) {
            uint32_t y = s->leaves[l], src;
            if (s->label[y] == 0)
                continue;
            /* The mark says y was reached from an S vertex by a tight edge;
             * that tree may have been dissolved since. */
            src = s->end[s->labelend[y]];
            if (s->label[s->inblossom[src]] == LABEL_S && s->inblossom[src] != bv &&
                slack(s, s->labelend[y] >> 1) == 0) {
                x = y;
                break;
            }
            s->label[y] = 0;
            s->labelend[y] = NONE;
        }
        if (x != NONE) {
            s->label[x] = 0;
            s->label[s->end[s->mate[s->bbase[bv]]]] = 0;
            assign_label(s, x, LABEL_T, s->labelend[x]);
        }
    }
    for (i = 0; i < len; i++) {
        bv = s->childs[bi][i];
        if (s->label[bv] == 0) {
            s->root[bv] = NONE;
            watch_unlabeled(s, bv);
        }
    }
}

/*
 * Dissolve blossom b into its children. Mid-search (a T blossom whose dual
 * reached zero) the children are relabelled; at the end of a tree's life,
 * children with zero dual are expanded too.
 */
static void
expand_blossom(struct solver *s, uint32_t b, bool endstage)
{
    uint32_t bi = b - s->nv, i;

    if (!endstage) {
        size_t nleaves = collect_leaves(s, b), l;
        for (l = 0; l < nleaves; l++)
            settle_vertex(s, s->leaves[l]);
    }
    for (i = 0; i < s->nchilds[bi]; i++) {
        uint32_t sub = s->childs[bi][i];
        s->bparent[sub] = NONE;
        if (sub >= s->nv)
            s->tau[sub] = s->delta;
        if (sub < s->nv) {
            s->inblossom[sub] = sub;
        } else if (endstage && s->dual[sub] == 0) {
            expand_blossom(s, sub, endstage);
        } else {
            size_t nleaves = collect_leaves(s, sub), l;
            for (l = 0; l < nleaves; l++)
                s->inblossom[s->leaves[l]] = sub;
        }
    }
    if (!endstage && s->label[b] == LABEL_T)
        relabel_expanded(s, b);
    recycle_blossom(s, b);
    s->stats->expansions++;
}

/*
 * Swap matched and unmatched edges inside blossom b so that its vertex v
 * becomes the base, recursing into sub-blossoms.
 */
static void
augment_blossom(struct solver *s, uint32_t b, uint32_t v)
{
    uint32_t bi = b - s->nv, len = s->nchilds[bi], t = v, i;
    int64_t j, jstep;
    uint32_t endptrick;

    while (s->bparent[t] != b)
        t = s->bparent[t];
    if (t >= s->nv)
        augment_blossom(s, t, v);
    i = child_index(s, b, t);
    if (i == NONE) {
        s->broken = true;
        return;
    }
    j = i;
    if (j & 1) {
        j -= len;
        jstep = 1;
        endptrick = 0;
    } else {
        jstep = -1;
        endptrick = 1;
    }
    while (j != 0) {
        uint32_t p;

        j += jstep;
        t = s->childs[bi][mod_index(j, len)];
        p = s->endps[bi][mod_index(j - endptrick, len)] ^ endptrick;
        if (t >= s->nv)
            augment_blossom(s, t, s->end[p]);
        j += jstep;
        t = s->childs[bi][mod_index(j, len)];
        if (t >= s->nv)
            augment_blossom(s, t, s->end[p ^ 1]);
        s->mate[s->end[p]] = p ^ 1;
        s->mate[s->end[p ^ 1]] = p;
    }
    /* Rotate so that the child holding v comes first. */
    if (i > 0) {
        memcpy(s->tmp, s->childs[bi], len * sizeof(*s->tmp));
        for (j = 0; j < len; j++)
            s->childs[bi][j] = s->tmp[mod_index(j + i, len)];
        memcpy(s->tmp, s->endps[bi], len * sizeof(*s->tmp));
        for (j = 0; j < len; j++)
            s->endps[bi][j] = s->tmp[mod_index(j + i, len)];
    }
    s->bbase[b] = s->bbase[s->childs[bi][0]];
    if (s->bbase[b] != v)
        s->broken = true;
}

/* Flip the path root - ... - v - w - ... - root' through tight edge k. */
static void
augment_path(struct solver *s, uint32_t k)
{
    int side;

    for (side = 0; side < 2; side++) {
        uint32_t v = s->end[2 * k + side], q = 2 * k + 1 - side;

        for (;;) {
            uint32_t bs = s->inblossom[v], t, bt, j;

            if (bs >= s->nv)
                augment_blossom(s, bs, v);
            s->mate[v] = q;
            if (s->labelend[bs] == NONE)
                break;
            t = s->end[s->labelend[bs]];
            bt = s->inblossom[t];
            v = s->end[s->labelend[bt]];
            j = s->end[s->labelend[bt] ^ 1];
            if (bt >= s->nv)
                augment_blossom(s, bt, j);
            s->mate[j] = s->labelend[bt];
            q = s->labelend[bt] ^ 1;
        }
    }
    s->stats->stages++;
}

/*
 * Unlabel every vertex and blossom of the tree rooted at tree, expanding
 * its S blossoms whose dual is zero; the freed vertices are appended to
 * s->freed.
 */
static void
dissolve_tree(struct solver *s, uint32_t tree)
{
    struct vec *tv = &s->treev[tree], *tb = &s->treeb[tree];
    size_t i;

    for (i = 0; i < tv->n; i++) {
        uint32_t x = tv->v[i];
        if (s->root[x] == tree && s->label[s->inblossom[x]] != 0 &&
            s->root[s->inblossom[x]] == tree)
            settle_vertex(s, x);
    }
    for (i = 0; i < tb->n; i++) {
        uint32_t b = tb->v[i];
        if (s->root[b] == tree)
            settle_blossom(s, b);
    }
    for (i = 0; i < tb->n; i++) {
        uint32_t b = tb->v[i];
        if (s->root[b] == tree && s->bbase[b] != NONE && s->bparent[b] == NONE &&
            s->label[b] == LABEL_S && s->dual[b] == 0)
            expand_blossom(s, b, true);
    }
    for (i = 0; i < tv->n; i++) {
        uint32_t x = tv->v[i], b;
        if (s->root[x] != tree)
            continue;
        b = s->inblossom[x];
        if (s->root[b] == tree || s->label[b] == 0) {
            s->label[b] = 0;
            s->labelend[b] = NONE;
            s->root[b] = NONE;
        }
        s->label[x] = 0;
        s->labelend[x] = NONE;
        s->root[x] = NONE;
        vec_push(s, &s->freed, x);
    }
    for (i = 0; i < tb->n; i++) {
        uint32_t b = tb->v[i];
        if (s->root[b] == tree) {
            s->label[b] = 0;
            s->labelend[b] = NONE;
            s->root[b] = NONE;
        }
    }
    vec_free(tv);
    vec_free(tb);
}

/* A tight edge from S vertex v; p is the endpoint at the other vertex w. */
static void
tight_edge(struct solver *s, uint32_t v, uint32_t p)
{
    uint32_t w = s->end[p], bw = s->inblossom[w];

    if (s->label[bw] == 0) {
        if (s->mate[s->bbase[bw]] == NONE) {
            s->broken = true; /* every exposed vertex is a root */
            return;
        }
        assign_label(s, w, LABEL_T, p ^ 1);
    } else if (s->label[bw] == LABEL_S) {
        uint32_t base = scan_blossom(s, v, w);
        if (base != NONE) {
            add_blossom(s, base, p >> 1);
        } else {
            uint32_t ta = s->root[s->inblossom[v]], tb = s->root[bw];
            size_t i, j;

            augment_path(s, p >> 1);
            s->freed.n = 0;
            dissolve_tree(s, ta);
            dissolve_tree(s, tb);
            /* Edges from the other trees into the freed vertices. */
            for (i = 0; i < s->freed.n; i++) {
                uint32_t x = s->freed.v[i];
                for (j = s->adjoff[x]; j < s->adjoff[x + 1]; j++) {
                    uint32_t q = s->adj[j], y = s->end[q];
                    if (s->label[s->inblossom[y]] == LABEL_S)
                        iheap_offer(&s->h2, x, slack(s, q >> 1) + s->delta, q);
                }
            }
        }
    } else if (s->label[w] == 0) {
        /* w sits in a T blossom: remember how to reach it, should the
         * blossom be expanded. */
        s->label[w] = LABEL_T;
        s->labelend[w] = p ^ 1;
    }
}

static void
scan_vertex(struct solver *s, uint32_t v)
{
    uint32_t j;

    for (j = s->adjoff[v]; j < s->adjoff[v + 1]; j++) {
        uint32_t p = s->adj[j], w = s->end[p], bv, bw;
        int64_t sl;

        bv = s->inblossom[v];
        if (s->label[bv] != LABEL_S)
            return; /* v's tree was dissolved by an augmentation */
        bw = s->inblossom[w];
        if (bv == bw)
            continue;
        if (s->label[bw] == LABEL_T) {
            if (s->label[w] == 0 && slack(s, p >> 1) == 0)
                tight_edge(s, v, p);
            continue;
        }
        sl = slack(s, p >> 1);
        if (sl > 0) {
            if (s->label[bw] == 0)
                iheap_offer(&s->h2, w, sl + s->delta, p ^ 1);
            else
                heap_push(s, &s->h3, sl + 2 * s->delta, p ^ 1);
            continue;
        }
        tight_edge(s, v, p);
        if (s->broken || s->nomem)
            return;
    }
}

/* Grow every tree until no dual adjustment can make progress. */
static void
grow(struct solver *s)
{
    uint32_t v;

    for (v = 0; v < s->nv; v++)
        if (s->mate[v] == NONE)
            assign_label(s, v, LABEL_S, NONE);
    for (;;) {
        int64_t d2 = INF_DELTA, d3 = INF_DELTA, d4 = INF_DELTA, d;
        uint32_t p2 = NONE, k3 = NONE, b4 = NONE;
        size_t qhead = 0;

        while (qhead < s->queue.n) {
            uint32_t x = s->queue.v[qhead++];
            if (s->label[s->inblossom[x]] == LABEL_S)
                scan_vertex(s, x);
            if (s->broken || s->nomem)
                return;
        }
        s->queue.n = 0;
        /* Least slack from an S vertex to an unlabeled one. */
        while (s->h2.n > 0) {
            struct iheap_entry top = s->h2.v[0];
            uint32_t sv = s->end[top.p], x = top.x, j;
            int64_t best = INF_DELTA;

            if (s->label[s->inblossom[x]] != 0) {
                iheap_remove(&s->h2, x);
                continue;
            }
            if (s->label[s->inblossom[sv]] == LABEL_S &&
                slack(s, top.p >> 1) == top.key - s->delta) {
                d2 = top.key - s->delta;
                p2 = top.p;
                break;
            }
            /* Its best S neighbour's tree was dissolved: look again. */
            iheap_remove(&s->h2, x);
            for (j = s->adjoff[x]; j < s->adjoff[x + 1]; j++) {
                uint32_t q = s->adj[j], y = s->end[q];
                if (s->inblossom[y] != s->inblossom[x] && s->label[s->inblossom[y]] == LABEL_S &&
                    slack(s, q >> 1) < best) {
                    best = slack(s, q >> 1);
                    iheap_offer(&s->h2, x, best + s->delta, q);
                }
            }
        }
        /* Least slack between two S blossoms, halved. */
        while (s->h3.n > 0) {
            struct heap_entry top = s->h3.v[0];
            uint32_t a = s->end[top.p], c = s->end[top.p ^ 1];
            int64_t sl;

            if (s->inblossom[a] == s->inblossom[c] || s->label[s->inblossom[a]] != LABEL_S ||
                s->label[s->inblossom[c]] != LABEL_S) {
                heap_pop(&s->h3);
                continue;
            }
            sl = slack(s, top.p >> 1);
            if (sl != top.key - 2 * s->delta) {
                heap_pop(&s->h3);
                heap_push(s, &s->h3, sl + 2 * s->delta, top.p);
                continue;
            }
            if (sl & 1) {
                s->broken = true;
                return;
            }
            d3 = sl / 2;
            k3 = top.p;
            break;
        }
        /* Least dual of a T blossom (it expands at zero). */
        while (s->h4.n > 0) {
            struct heap_entry top = s->h4.v[0];
            uint32_t b = top.p;

            if (s->bbase[b] == NONE || s->bparent[b] != NONE || s->label[b] != LABEL_T) {
                heap_pop(&s->h4);
                continue;
            }
            if (s->dual[b] + s->tau[b] != top.key) {
                heap_pop(&s->h4);
                heap_push(s, &s->h4, s->dual[b] + s->tau[b], b);
                continue;
            }
            d4 = top.key - s->delta;
            b4 = b;
            break;
        }
        if (s->nomem)
            return;
        d = d2;
        if (d3 < d)
            d = d3;
        if (d4 < d)
            d = d4;
        if (d == INF_DELTA)
            return; /* a Hungarian forest: the matching is maximum */
        if (d < 0) {
            s->broken = true;
            return;
        }
        if (d > 0) {
            s->stats->dual_updates++;
            s->delta += d;
        }
        if (d == d2) {
            tight_edge(s, s->end[p2], p2 ^ 1);
        } else if (d == d3) {
            heap_pop(&s->h3);
            tight_edge(s, s->end[k3], k3 ^ 1);
        } else {
            expand_blossom(s, b4, false);
        }
        if (s->broken || s->nomem)
            return;
    }
}

/* Settle the duals of the trees still standing. */
static void
settle_all(struct solver *s)
{
    uint32_t v;
    size_t i;

    for (v = 0; v < s->nv; v++) {
        if (s->root[v] != NONE && s->mate[v] == NONE && s->root[v] == v) {
            struct vec *tv = &s->treev[v], *tb = &s->treeb[v];
            for (i = 0; i < tv->n; i++)
                if (s->root[tv->v[i]] == v)
                    settle_vertex(s, tv->v[i]);
            for (i = 0; i < tb->n; i++)
                if (s->root[tb->v[i]] == v)
                    settle_blossom(s, tb->v[i]);
        }
    }
}

/* ---- setup ------------------------------------------------------------ */

static void
solver_free(struct solver *s)
{
    uint32_t i;

    if (s->childs)
        for (i = 0; i < s->nv; i++)
            free(s->childs[i]);
    if (s->endps)
        for (i = 0; i < s->nv; i++)
            free(s->endps[i]);
    if (s->treev)
        for (i = 0; i < s->nv; i++)
            vec_free(&s->treev[i]);
    if (s->treeb)
        for (i = 0; i < s->nv; i++)
            vec_free(&s->treeb[i]);
    free(s->childs);
    free(s->endps);
    free(s->treev);
    free(s->treeb);
    free(s->nchilds);
    free(s->capchilds);
    free(s->end);
    free(s->w);
    free(s->adjoff);
    free(s->adj);
    free(s->mate);
    free(s->label);
    free(s->labelend);
    free(s->inblossom);
    free(s->bparent);
    free(s->bbase);
    free(s->dual);
    free(s->tau);
    free(s->unused);
    free(s->mark);
    free(s->root);
    vec_free(&s->queue);
    vec_free(&s->freed);
    free(s->h2.v);
    free(s->h2.pos);
    free(s->h3.v);
    free(s->h4.v);
    free(s->stack);
    free(s->leaves);
    free(s->tmp);
}

static bool
solver_init(struct solver *s, uint32_t nv, const struct ct_matching_edge *edges, uint32_t ne,
            struct ct_matching_stats *stats)
{
    size_t n2 = (size_t)2 * nv + 2, nn = (size_t)nv + 1;
    uint32_t k, v, *fill;

    memset(s, 0, sizeof(*s));
    s->nv = nv;
    s->ne = ne;
    s->stats = stats;
    s->end = malloc(((size_t)2 * ne + 1) * sizeof(*s->end));
    s->w = malloc(((size_t)ne + 1) * sizeof(*s->w));
    s->adjoff = calloc(nn + 1, sizeof(*s->adjoff));
    s->adj = malloc(((size_t)2 * ne + 1) * sizeof(*s->adj));
    s->mate = malloc(nn * sizeof(*s->mate));
    s->label = calloc(n2, sizeof(*s->label));
    s->labelend = malloc(n2 * sizeof(*s->labelend));
    s->inblossom = malloc(nn * sizeof(*s->inblossom));
    s->bparent = malloc(n2 * sizeof(*s->bparent));
    s->bbase = malloc(n2 * sizeof(*s->bbase));
    s->childs = calloc(nn, sizeof(*s->childs));
    s->endps = calloc(nn, sizeof(*s->endps));
    s->nchilds = calloc(nn, sizeof(*s->nchilds));
    s->capchilds = calloc(nn, sizeof(*s->capchilds));
    s->dual = calloc(n2, sizeof(*s->dual));
    s->tau = calloc(n2, sizeof(*s->tau));
    s->unused = malloc(nn * sizeof(*s->unused));
    s->mark = calloc(n2, sizeof(*s->mark));
    s->root = malloc(n2 * sizeof(*s->root));
    s->treev = calloc(nn, sizeof(*s->treev));
    s->treeb = calloc(nn, sizeof(*s->treeb));
    s->stack = malloc(n2 * sizeof(*s->stack));
    s->leaves = malloc(nn * sizeof(*s->leaves));
    s->tmp = malloc(n2 * sizeof(*s->tmp));
    s->h2.v = malloc(nn * sizeof(*s->h2.v));
    s->h2.pos = malloc(nn * sizeof(*s->h2.pos));
    if (!s->h2.v || !s->h2.pos || !s->end || !s->w || !s->adjoff || !s->adj || !s->mate ||
        !s->label || !s->labelend || !s->inblossom || !s->bparent || !s->bbase || !s->childs ||
        !s->endps || !s->nchilds || !s->capchilds || !s->dual || !s->tau || !s->unused ||
        !s->mark || !s->root || !s->treev || !s->treeb || !s->stack || !s->leaves || !s->tmp)
        return false;
    for (k = 0; k < ne; k++) {
        s->end[2 * k] = edges[k].u;
        s->end[2 * k + 1] = edges[k].v;
        s->w[k] = 2 * edges[k].w;
        s->adjoff[edges[k].u + 1]++;
        s->adjoff[edges[k].v + 1]++;
    }
    for (v = 0; v < nv; v++)
        s->adjoff[v + 1] += s->adjoff[v];
    fill = s->tmp;
    memcpy(fill, s->adjoff, (size_t)nv * sizeof(*fill));
    for (k = 0; k < ne; k++) {
        s->adj[fill[edges[k].u]++] = 2 * k + 1;
        s->adj[fill[edges[k].v]++] = 2 * k;
    }
    for (v = 0; v < 2 * nv; v++) {
        s->labelend[v] = NONE;
        s->bparent[v] = NONE;
        s->bbase[v] = v < nv ? v : NONE;
        s->root[v] = NONE;
    }
    for (v = 0; v < nv; v++) {
        s->mate[v] = NONE;
        s->h2.pos[v] = NONE;
        s->inblossom[v] = v;
        s->unused[v] = 2 * nv - 1 - v; /* hand out low ids first */
    }
    s->nunused = nv;
    return true;
}

/*
 * Start from feasible duals with many tight edges: each vertex in turn
 * lowers its dual to the least value that keeps all its edges feasible,
 * which makes at least one of them tight, and takes the heaviest tight edge
 * to an exposed neighbour if there is one. Weights are doubled, so every
 * dual stays even.
 */
static void
dual_descent(struct solver *s)
{
    uint32_t v, j;

    for (v = 0; v < s->nv; v++) {
        int64_t best = INT64_MIN;
        for (j = s->adjoff[v]; j < s->adjoff[v + 1]; j++)
            if (s->w[s->adj[j] >> 1] > best)
                best = s->w[s->adj[j] >> 1];
        s->dual[v] = s->adjoff[v + 1] > s->adjoff[v] ? best : 0;
    }
    for (v = 0; v < s->nv; v++) {
        int64_t need = INT64_MIN;
        uint32_t pick = NONE;

        if (s->mate[v] != NONE || s->adjoff[v + 1] == s->adjoff[v])
            continue;
        for (j = s->adjoff[v]; j < s->adjoff[v + 1]; j++) {
            uint32_t p = s->adj[j];
            int64_t r = 2 * s->w[p >> 1] - s->dual[s->end[p]];
            if (r > need)
                need = r;
        }
        s->dual[v] = need;
        for (j = s->adjoff[v]; j < s->adjoff[v + 1]; j++) {
            uint32_t p = s->adj[j], u = s->end[p];
            if (s->mate[u] == NONE && u != v && slack(s, p >> 1) == 0 &&
                (pick == NONE || s->w[p >> 1] > s->w[pick >> 1]))
                pick = p;
        }
        if (pick != NONE) {
            s->mate[v] = pick;
            s->mate[s->end[pick]] = pick ^ 1;
            s->stats->initial++;
        }
    }
    /* Short augmenting paths along tight edges: exposed v - u, u's partner
     * u' - exposed x. Cheap, and it spares the trees most of their work. */
    for (v = 0; v < s->nv; v++) {
        if (s->mate[v] != NONE)
            continue;
        for (j = s->adjoff[v]; j < s->adjoff[v + 1] && s->mate[v] == NONE; j++) {
            uint32_t p = s->adj[j], u = s->end[p], q, u2, jj;
            if (s->mate[u] == NONE || slack(s, p >> 1) != 0)
                continue;
            q = s->mate[u];
            u2 = s->end[q];
            for (jj = s->adjoff[u2]; jj < s->adjoff[u2 + 1]; jj++) {
                uint32_t r = s->adj[jj], x = s->end[r];
                if (x == v || x == u || s->mate[x] != NONE || slack(s, r >> 1) != 0)
                    continue;
                /* v-u and u2-x become matched; u-u2 is dropped. */
                s->mate[v] = p;
                s->mate[u] = p ^ 1;
                s->mate[u2] = r;
                s->mate[x] = r ^ 1;
                s->stats->initial++;
                break;
            }
        }
    }
}

/*
 * Start from a previous solution: its duals (blossoms folded in), raised at
 * one end of every edge they leave infeasible; its matched edges that are
 * still tight. Exposed vertices get even duals, as the dual descent would
 * give them, so that every tree shares one parity.
 */
static void
warm_start(struct solver *s, const struct ct_matching_start *start)
{
    uint32_t v, k, j;

    for (v = 0; v < s->nv; v++)
        s->dual[v] = start->dual[v];
    for (k = 0; k < s->ne; k++) {
        int64_t need = 2 * s->w[k] - s->dual[s->end[2 * k]] - s->dual[s->end[2 * k + 1]];
        if (need > 0)
            s->dual[s->end[2 * k]] += need;
    }
    for (v = 0; v < s->nv; v++) {
        uint32_t partner = start->mate[v];
        if (partner == NONE || partner <= v || partner >= s->nv || start->mate[partner] != v)
            continue;
        for (j = s->adjoff[v]; j < s->adjoff[v + 1]; j++) {
            uint32_t p = s->adj[j];
            if (s->end[p] == partner && slack(s, p >> 1) == 0 && s->mate[partner] == NONE) {
                s->mate[v] = p;
                s->mate[partner] = p ^ 1;
                s->stats->initial++;
                break;
            }
        }
    }
    for (v = 0; v < s->nv; v++)
        if (s->mate[v] == NONE && (s->dual[v] & 1))
            s->dual[v]++;
}

static enum ct_status
run(struct solver *s, struct ct_error *err, const struct ct_matching_start *start)
{
    if (start != NULL)
        warm_start(s, start);
    else
        dual_descent(s);
    grow(s);
    if (s->nomem)
        return ct_error_set(err, CT_ENOMEM, "matching: out of memory");
    if (s->broken)
        return ct_error_set(err, CT_EINTERNAL, "matching: blossom invariant failed");
    settle_all(s);
    return CT_OK;
}

/* ---- the exact pass for graphs without a perfect matching ------------- */

static uint32_t
uf_find(uint32_t *parent, uint32_t x)
{
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/*
 * Re-solve the components holding an exposed vertex on a doubled graph:
 * each vertex v, its copy v', the component's edges in both copies, and
 * v-v' at a cost larger than any weight difference. That graph has a
 * perfect matching; its best one uses as few v-v' edges as possible and is
 * optimal on both copies, so the original half is a maximum-weight
 * maximum-cardinality matching.
 */
static enum ct_status
exact_pass(size_t n, const struct ct_matching_edge *edges, size_t m, uint32_t *mate,
           struct ct_matching_stats *stats, struct ct_error *err)
{
    uint32_t *parent = NULL, *local = NULL, *global = NULL;
    uint8_t *involved = NULL;
    struct ct_matching_edge *h = NULL;
    struct ct_matching_stats hstats;
    struct solver hs;
    size_t i, nl = 0, nh = 0;
    int64_t spread = 1, big;
    enum ct_status st = CT_OK;
    bool hs_live = false;

    parent = malloc(n * sizeof(*parent));
    local = malloc(n * sizeof(*local));
    global = malloc(n * sizeof(*global));
    involved = calloc(n, 1);
    if (!parent || !local || !global || !involved)
        goto nomem;
    for (i = 0; i < n; i++)
        parent[i] = (uint32_t)i;
    for (i = 0; i < m; i++) {
        uint32_t a = uf_find(parent, edges[i].u), b = uf_find(parent, edges[i].v);
        if (a != b)
            parent[a] = b;
        if (edges[i].w > spread)
            spread = edges[i].w;
        if (-edges[i].w > spread)
            spread = -edges[i].w;
    }
    /* A component is involved if it has an exposed vertex with an edge. */
    for (i = 0; i < m; i++) {
        if (mate[edges[i].u] == NONE)
            involved[uf_find(parent, edges[i].u)] = 1;
        if (mate[edges[i].v] == NONE)
            involved[uf_find(parent, edges[i].v)] = 1;
    }
    for (i = 0; i < n; i++) {
        local[i] = NONE;
        if (involved[uf_find(parent, (uint32_t)i)]) {
            local[i] = (uint32_t)nl;
            global[nl++] = (uint32_t)i;
        }
    }
    if (nl == 0)
        goto done;
    /* Any two matchings differ by less than nl * spread: big outweighs it
     * for both copies. The dual adjustments add up to at most the initial
     * dual objective minus the optimum, about nl * big: keep that in range. */
    if ((double)spread * (double)nl * (double)nl * 8.0 > 0x1p60) {
        st = ct_error_set(err, CT_EUSAGE,
                          "matching: weights too large for the exact pass (%zu vertices)", nl);
        goto done;
    }
    big = 2 * spread * (int64_t)nl + 1;
    for (i = 0; i < m; i++)
        if (local[edges[i].u] != NONE)
            nh += 2;
    nh += nl;
    h = malloc(nh * sizeof(*h));
    if (!h)
        goto nomem;
    nh = 0;
    for (i = 0; i < m; i++) {
        uint32_t a = local[edges[i].u], b = local[edges[i].v];
        if (a == NONE)
            continue;
        h[nh].u = a;
        h[nh].v = b;
        h[nh++].w = edges[i].w;
        h[nh].u = a + (uint32_t)nl;
        h[nh].v = b + (uint32_t)nl;
        h[nh++].w = edges[i].w;
    }
    for (i = 0; i < nl; i++) {
        h[nh].u = (uint32_t)i;
        h[nh].v = (uint32_t)(i + nl);
        h[nh++].w = -big;
    }
    memset(&hstats, 0, sizeof(hstats));
    hs_live = true;
    if (!solver_init(&hs, (uint32_t)(2 * nl), h, (uint32_t)nh, &hstats))
        goto nomem;
    st = run(&hs, err, NULL);
    if (st != CT_OK)
        goto done;
    for (i = 0; i < nl; i++) {
        uint32_t g = global[i], partner;
        if (hs.mate[i] == NONE) {
            st = ct_error_set(err, CT_EINTERNAL, "matching: doubled graph left a vertex exposed");
            goto done;
        }
        partner = hs.end[hs.mate[i]];
        mate[g] = partner < nl ? global[partner] : NONE;
    }
    stats->stages += hstats.stages;
    stats->dual_updates += hstats.dual_updates;
    stats->blossoms += hstats.blossoms;
    stats->expansions += hstats.expansions;
    stats->exact_pass = true;
    goto done;
nomem:
    st = ct_error_set(err, CT_ENOMEM, "matching: out of memory");
done:
    if (hs_live)
        solver_free(&hs);
    free(parent);
    free(local);
    free(global);
    free(involved);
    free(h);
    return st;
}

/* Copy the final duals and blossom nesting out of the solver. */
static bool
export_duals(const struct solver *s, struct ct_matching_duals *d)
{
    size_t n = s->nv, b;

    d->n = n;
    d->vertex = malloc((n ? n : 1) * sizeof(*d->vertex));
    d->parent = malloc((2 * n + 1) * sizeof(*d->parent));
    d->depth = malloc((2 * n + 1) * sizeof(*d->depth));
    d->zsum = malloc((2 * n + 1) * sizeof(*d->zsum));
    if (!d->vertex || !d->parent || !d->depth || !d->zsum)
        return false;
    for (b = 0; b < n; b++)
        d->vertex[b] = s->dual[b];
    for (b = 0; b < 2 * n; b++) {
        d->parent[b] = s->bparent[b];
        d->depth[b] = NONE; /* not computed yet */
        d->zsum[b] = 0;
    }
    /* Depth and the sum of blossom duals up to the top, by walking up. */
    for (b = n; b < 2 * n; b++) {
        uint32_t x = (uint32_t)b, depth = 0;
        int64_t z = 0;

        if (s->bbase[b] == NONE)
            continue;
        for (; x != NONE; x = d->parent[x], depth++)
            z += 2 * s->dual[x];
        d->depth[b] = depth - 1;
        d->zsum[b] = z;
    }
    for (b = 0; b < n; b++) {
        uint32_t py = d->parent[b];
        d->depth[b] = py == NONE ? 0 : d->depth[py] + 1;
    }
    return true;
}

void
ct_matching_duals_free(struct ct_matching_duals *d)
{
    if (d == NULL)
        return;
    free(d->vertex);
    free(d->parent);
    free(d->depth);
    free(d->zsum);
    memset(d, 0, sizeof(*d));
}

bool
ct_matching_duals_improves(const struct ct_matching_duals *d, uint32_t u, uint32_t v, int64_t w)
{
    int64_t need = 4 * w - d->vertex[u] - d->vertex[v];
    uint32_t a, b;

    if (need <= 0)
        return false;
    /* The innermost blossom around both ends adds its and its ancestors'
     * duals. */
    a = d->parent[u];
    b = d->parent[v];
    if (a == NONE || b == NONE)
        return true;
    while (d->depth[a] > d->depth[b])
        a = d->parent[a];
    while (d->depth[b] > d->depth[a])
        b = d->parent[b];
    while (a != b) {
        a = d->parent[a];
        b = d->parent[b];
        if (a == NONE || b == NONE)
            return true;
    }
    return d->zsum[a] < need;
}

void
ct_matching_duals_fold(const struct ct_matching_duals *d, int64_t *dual)
{
    size_t v;

    /* zsum is twice the blossom duals; half of it on each end covers every
     * edge inside a blossom (both ends get at least the shared part). */
    for (v = 0; v < d->n; v++)
        dual[v] = d->vertex[v] + (d->parent[v] == NONE ? 0 : d->zsum[d->parent[v]] / 2);
}

enum ct_status
ct_matching_solve(size_t n, const struct ct_matching_edge *edges, size_t m, unsigned flags,
                  uint32_t *mate, struct ct_matching_duals *duals, struct ct_matching_stats *stats,
                  struct ct_error *err)
{
    return ct_matching_solve_from(n, edges, m, flags, NULL, mate, duals, stats, err);
}

enum ct_status
ct_matching_solve_from(size_t n, const struct ct_matching_edge *edges, size_t m, unsigned flags,
                       const struct ct_matching_start *start, uint32_t *mate,
                       struct ct_matching_duals *duals, struct ct_matching_stats *stats,
                       struct ct_error *err)
{
    struct ct_matching_stats local_stats;
    struct solver s;
    enum ct_status st;
    size_t i;

    if (stats == NULL)
        stats = &local_stats;
    memset(stats, 0, sizeof(*stats));
    if (duals != NULL)
        memset(duals, 0, sizeof(*duals));
    if (n >= UINT32_MAX / 4 || m >= UINT32_MAX / 4)
        return ct_error_set(err, CT_EUSAGE, "matching: graph too large (%zu vertices, %zu edges)",
                            n, m);
    for (i = 0; i < m; i++) {
        if (edges[i].u >= n || edges[i].v >= n || edges[i].u == edges[i].v)
            return ct_error_set(err, CT_EUSAGE,
                                "matching: edge %zu (%u-%u) is not an edge of a %zu-vertex graph",
                                i, edges[i].u, edges[i].v, n);
        if (edges[i].w > CT_MATCHING_MAX_WEIGHT || edges[i].w < -CT_MATCHING_MAX_WEIGHT)
            return ct_error_set(err, CT_EUSAGE, "matching: weight of edge %zu out of range", i);
    }
    if (!solver_init(&s, (uint32_t)n, edges, (uint32_t)m, stats)) {
        solver_free(&s);
        return ct_error_set(err, CT_ENOMEM, "matching: out of memory");
    }
    st = run(&s, err, start);
    if (st == CT_OK) {
        size_t exposed = 0;
        for (i = 0; i < n; i++) {
            mate[i] = s.mate[i] == NONE ? NONE : s.end[s.mate[i]];
            exposed += s.mate[i] == NONE;
        }
        stats->certified = exposed == 0;
        if (duals != NULL && !export_duals(&s, duals)) {
            ct_matching_duals_free(duals);
            st = ct_error_set(err, CT_ENOMEM, "matching: out of memory");
        }
        if (st == CT_OK && exposed > 0 && (flags & CT_MATCHING_EXACT))
            st = exact_pass(n, edges, m, mate, stats, err);
        stats->exposed = 0;
        for (i = 0; i < n; i++)
            stats->exposed += mate[i] == NONE;
    }
    solver_free(&s);
    return st;
}
