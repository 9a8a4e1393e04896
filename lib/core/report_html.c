/*
 * report_html.c: the report as one self-contained HTML page: inline CSS and
 * SVG charts, no scripts, no fonts or images fetched, so it opens the same
 * from a mail attachment, a file share or an air-gapped laptop. Every text
 * from the store is escaped; the SVG parts are well-formed XML.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "report_model.h"

/* Okabe-Ito colours: told apart by people with every common colour blindness. */
#define C_BLUE   "#0072B2"
#define C_SKY    "#56B4E9"
#define C_ORANGE "#E69F00"
#define C_GREEN  "#009E73"
#define C_RED    "#D55E00"
#define C_GREY   "#B8B8B8"
#define C_INK    "#1d2733"
#define C_MUTED  "#5b6673"
#define C_GRID   "#e3e7ec"

/* ---- escaping and small helpers ------------------------------------------------- */

/* Append s with &, <, >, " and ' escaped, and control characters dropped. */
static void
esc(struct ct_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");

    for (; *p; p++) {
        switch (*p) {
        case '&': ct_buf_puts(b, "&amp;"); break;
        case '<': ct_buf_puts(b, "&lt;"); break;
        case '>': ct_buf_puts(b, "&gt;"); break;
        case '"': ct_buf_puts(b, "&quot;"); break;
        case '\'': ct_buf_puts(b, "&#39;"); break;
        default:
            if (*p >= 0x20 && *p != 0x7f)
                ct_buf_putc(b, (char)*p);
        }
    }
}

/* s cut to at most max code points, with "…" when cut, into out (size bytes). */
static const char *
shorten(const char *s, size_t max, char *out, size_t size)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t at = 0, cps = 0;

    while (p[at] && cps < max) {
        size_t n = p[at] >= 0xf0 ? 4 : p[at] >= 0xe0 ? 3 : p[at] >= 0xc0 ? 2 : 1;
        size_t i;
        for (i = 1; i < n; i++)
            if (p[at + i] == 0)
                n = i;
        if (at + n + 4 >= size)
            break;
        at += n;
        cps++;
    }
    memcpy(out, p, at);
    if (p[at]) {
        memcpy(out + at, "\xe2\x80\xa6", 3);
        at += 3;
    }
    out[at] = '\0';
    return out;
}

static const char *const month_names[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

/*
 * A short label for a round's date: "Mar 26" when every round falls in a
 * different month, else "02 Mar".
 */
static void
date_label(const char *date, bool by_month, char *out, size_t size)
{
    int y, m, d;

    if (sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 || m < 1 || m > 12) {
        snprintf(out, size, "%s", date);
        return;
    }
    if (by_month)
        snprintf(out, size, "%s %02d", month_names[m - 1], y % 100);
    else
        snprintf(out, size, "%02d %s", d, month_names[m - 1]);
}

static bool
months_distinct(const struct ct_report *rep)
{
    size_t i;

    for (i = 1; i < rep->rounds_count; i++)
        if (strncmp(rep->rounds[i].date, rep->rounds[i - 1].date, 7) == 0)
            return false;
    return true;
}

/*
 * A "nice" axis for values up to v: the step is 1, 2, 2.5 or 5 times a power
 * of ten, the smallest giving at most 5 steps; max is a whole number of steps.
 */
static void
nice_axis(double v, double *max, double *step)
{
    static const double mults[] = {1, 2, 2.5, 5};
    double mag;
    size_t i;

    if (v <= 0) {
        *max = 1;
        *step = 1;
        return;
    }
    mag = pow(10.0, floor(log10(v / 5)));
    if (mag < 1)
        mag = 1;
    for (;; mag *= 10) {
        for (i = 0; i < sizeof(mults) / sizeof(mults[0]); i++) {
            double s = mults[i] * mag;
            if (mag == 1 && mults[i] == 2.5)
                continue; /* counts: no half steps */
            if (ceil(v / s - 1e-9) <= 5) {
                *step = s;
                *max = s * ceil(v / s - 1e-9);
                return;
            }
        }
    }
}

/* A number with thousands separators: 12,345. */
static const char *
thousands(long v, char *out, size_t size)
{
    char digits[32];
    size_t n, i, o = 0;
    bool neg = v < 0;

    snprintf(digits, sizeof(digits), "%ld", neg ? -v : v);
    n = strlen(digits);
    if (neg && o + 1 < size)
        out[o++] = '-';
    for (i = 0; i < n && o + 2 < size; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
    return out;
}

static const char *
percent(double v, char *out, size_t size)
{
    if (isnan(v))
        snprintf(out, size, "–");
    else
        snprintf(out, size, "%.0f%%", v * 100.0);
    return out;
}

/* ---- the page ---------------------------------------------------------------------- */

static const char css[] =
    "*{box-sizing:border-box}"
    "body{margin:0;background:#f4f6f8;color:" C_INK ";font:15px/1.45 'DejaVu Sans','Segoe UI',"
    "Helvetica,Arial,sans-serif}"
    "main{max-width:1160px;margin:0 auto;padding:24px 20px 40px}"
    "header h1{font-size:26px;margin:0 0 2px}"
    "header p{margin:0;color:" C_MUTED "}"
    ".tiles{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;"
    "margin:20px 0}"
    ".tile{background:#fff;border-radius:8px;padding:14px 16px;border-left:5px solid " C_BLUE "}"
    ".tile .v{font-size:30px;font-weight:bold;line-height:1.1}"
    ".tile .l{color:" C_MUTED ";font-size:13.5px}"
    ".grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:16px}"
    ".card{background:#fff;border-radius:8px;padding:16px 18px 12px;margin:0 0 16px}"
    ".card h2{font-size:17px;margin:0 0 2px}"
    ".card p.what{margin:0 0 8px;color:" C_MUTED ";font-size:13.5px}"
    "svg{display:block;width:100%;height:auto}"
    "svg text{font-family:'DejaVu Sans','Segoe UI',Helvetica,Arial,sans-serif;fill:" C_INK "}"
    ".legend{display:flex;flex-wrap:wrap;gap:4px 16px;font-size:13px;color:" C_MUTED
    ";margin:4px 0 0}"
    ".sw{display:inline-block;width:12px;height:12px;border-radius:2px;margin-right:5px;"
    "vertical-align:-1px}"
    "table{border-collapse:collapse;width:100%;font-size:13px}"
    "th,td{padding:4px 5px;text-align:right;border-bottom:1px solid " C_GRID ";white-space:nowrap}"
    "th{color:" C_MUTED ";font-weight:normal;border-bottom:2px solid " C_GRID
    ";white-space:normal;vertical-align:bottom;line-height:1.2}"
    "td.l,th.l{text-align:left}"
    ".scroll{overflow-x:auto}"
    "footer{color:" C_MUTED ";font-size:12.5px;margin-top:8px}"
    "footer dt{font-weight:bold;color:" C_INK "}"
    "footer dd{margin:0 0 6px}"
    "@media print{body{background:#fff}.card,.tile{break-inside:avoid}}";

static void
legend(struct ct_buf *b, const char *const *names, const char *const *colours, size_t n)
{
    size_t i;

    ct_buf_puts(b, "<div class=\"legend\">");
    for (i = 0; i < n; i++) {
        ct_buf_printf(b, "<span><span class=\"sw\" style=\"background:%s\"></span>", colours[i]);
        esc(b, names[i]);
        ct_buf_puts(b, "</span>");
    }
    ct_buf_puts(b, "</div>\n");
}

static void
card_open(struct ct_buf *b, const char *title, const char *what)
{
    ct_buf_puts(b, "<section class=\"card\"><h2>");
    esc(b, title);
    ct_buf_puts(b, "</h2>");
    if (what) {
        ct_buf_puts(b, "<p class=\"what\">");
        esc(b, what);
        ct_buf_puts(b, "</p>");
    }
    ct_buf_putc(b, '\n');
}

static void
tile(struct ct_buf *b, const char *value, const char *label, const char *colour)
{
    ct_buf_printf(b, "<div class=\"tile\" style=\"border-color:%s\"><div class=\"v\">", colour);
    esc(b, value);
    ct_buf_puts(b, "</div><div class=\"l\">");
    esc(b, label);
    ct_buf_puts(b, "</div></div>\n");
}

/* Plot geometry shared by the round-by-round charts. */
#define W     560
#define H     290
#define LEFT  56
#define RIGHT 12
#define TOP   14
#define BOT   52

/* The x position of the centre of round i of n. */
static double
x_of(size_t i, size_t n)
{
    double plot = W - LEFT - RIGHT;
    return LEFT + plot * ((double)i + 0.5) / (double)n;
}

/* Horizontal grid lines and y labels from 0 to max; percent labels if asked. */
static void
y_axis(struct ct_buf *b, double max, double step, bool as_percent, const char *label)
{
    double v;
    double plot = H - TOP - BOT;

    for (v = 0; v <= max + step / 2; v += step) {
        double y = TOP + plot - plot * v / max;
        ct_buf_printf(b,
                      "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"%s\" "
                      "stroke-width=\"1\"/>",
                      LEFT, y, W - RIGHT, y, v == 0 ? "#9aa5b1" : C_GRID);
        if (as_percent)
            ct_buf_printf(b,
                          "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" text-anchor=\"end\">"
                          "%.0f%%</text>\n",
                          LEFT - 6, y + 4, v * 100);
        else
            ct_buf_printf(b,
                          "<text x=\"%d\" y=\"%.1f\" font-size=\"13\" text-anchor=\"end\">"
                          "%g</text>\n",
                          LEFT - 6, y + 4, v);
    }
    ct_buf_printf(b,
                  "<text x=\"14\" y=\"%.1f\" font-size=\"13\" text-anchor=\"middle\" "
                  "transform=\"rotate(-90 14 %.1f)\" style=\"fill:%s\">",
                  TOP + plot / 2, TOP + plot / 2, C_MUTED);
    esc(b, label);
    ct_buf_puts(b, "</text>\n");
}

/* Round labels under the plot, thinned out so they never overlap. */
static void
x_labels(struct ct_buf *b, const struct ct_report *rep)
{
    size_t n = rep->rounds_count, every, i;
    bool by_month = months_distinct(rep);
    double slot = (double)(W - LEFT - RIGHT) / (double)(n ? n : 1);
    char label[32];

    /* A label is about 46 units wide: show every one that fits. */
    every = (size_t)ceil(50.0 / slot);
    if (every == 0)
        every = 1;
    for (i = 0; i < n; i++) {
        bool last = i == n - 1;
        /* Always label the last round, and drop the regular label too close before it. */
        if (!last && (i % every != 0 || (n - 1 - i < every && n - 1 - i > 0 && i != 0)))
            continue;
        date_label(rep->rounds[i].date, by_month, label, sizeof(label));
        ct_buf_printf(b, "<text x=\"%.1f\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">",
                      x_of(i, n), H - BOT + 17);
        esc(b, label);
        ct_buf_puts(b, "</text>");
        if (rep->rounds[i].state != CT_ROUND_SENT)
            ct_buf_printf(b,
                          "<text x=\"%.1f\" y=\"%d\" font-size=\"10.5\" text-anchor=\"middle\" "
                          "style=\"fill:%s\">planned</text>",
                          x_of(i, n), H - BOT + 30, C_MUTED);
    }
    ct_buf_printf(b,
                  "<text x=\"%.1f\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\" "
                  "style=\"fill:%s\">round</text>\n",
                  LEFT + (W - LEFT - RIGHT) / 2.0, H - 6, C_MUTED);
}

/*
 * Stacked bars, one per round: values[i * nseries + s]. Tooltips (<title>)
 * give the exact figures on hover.
 */
static void
stacked_bars(struct ct_buf *b, const struct ct_report *rep, const long *values, size_t nseries,
             const char *const *names, const char *const *colours, const char *ylabel,
             const char *aria)
{
    size_t n = rep->rounds_count, i, s;
    double most = 0, max, step, plot = H - TOP - BOT, bw;
    char label[32];

    for (i = 0; i < n; i++) {
        double total = 0;
        for (s = 0; s < nseries; s++)
            total += (double)values[i * nseries + s];
        if (total > most)
            most = total;
    }
    nice_axis(most, &max, &step);
    bw = (W - LEFT - RIGHT) / (double)n * 0.72;
    if (bw > 46)
        bw = 46;
    ct_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
                  "aria-label=\"",
                  W, H);
    esc(b, aria);
    ct_buf_puts(b, "\">\n");
    y_axis(b, max, step, false, ylabel);
    for (i = 0; i < n; i++) {
        double y = TOP + plot, x = x_of(i, n) - bw / 2;
        bool planned = rep->rounds[i].state != CT_ROUND_SENT;
        date_label(rep->rounds[i].date, false, label, sizeof(label));
        ct_buf_printf(b, "<g%s><title>round %lld, ", planned ? " opacity=\"0.55\"" : "",
                      (long long)rep->rounds[i].id);
        esc(b, rep->rounds[i].date);
        if (planned)
            ct_buf_puts(b, " (planned)");
        for (s = 0; s < nseries; s++) {
            ct_buf_printf(b, "&#10;%ld ", values[i * nseries + s]);
            esc(b, names[s]);
        }
        ct_buf_puts(b, "</title>");
        for (s = 0; s < nseries; s++) {
            double h = plot * (double)values[i * nseries + s] / max;
            if (h <= 0)
                continue;
            y -= h;
            ct_buf_printf(b,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"%s\"/>",
                          x, y, bw, h, colours[s]);
        }
        ct_buf_puts(b, "</g>\n");
    }
    x_labels(b, rep);
    ct_buf_puts(b, "</svg>\n");
    legend(b, names, colours, nseries);
}

static void
chart_participation(struct ct_buf *b, const struct ct_report *rep)
{
    static const char *const names[] = {"in a pair", "in a group of three or four",
                                        "sat out or unpaired"};
    static const char *const colours[] = {C_BLUE, C_SKY, C_ORANGE};
    long *values = calloc(rep->rounds_count * 3 + 1, sizeof(*values));
    size_t i;

    if (values == NULL) {
        b->failed = true;
        return;
    }
    for (i = 0; i < rep->rounds_count; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        values[i * 3 + 0] = r->grouped - 3 * r->trios - 4 * r->fours;
        values[i * 3 + 1] = 3 * r->trios + 4 * r->fours;
        values[i * 3 + 2] = r->unpaired;
    }
    card_open(b, "Who took part, each round",
              "Members eligible for the round: placed in a pair, in a group of three or "
              "four, or left without a partner.");
    stacked_bars(b, rep, values, 3, names, colours, "members", "members per round");
    ct_buf_puts(b, "</section>\n");
    free(values);
}

static void
chart_outcomes(struct ct_buf *b, const struct ct_report *rep)
{
    static const char *const names[] = {"met", "did not meet", "not recorded, all accepted",
                                        "not recorded"};
    static const char *const colours[] = {C_GREEN, C_RED, C_SKY, C_GREY};
    long *values = calloc(rep->rounds_count * 4 + 1, sizeof(*values));
    size_t i;

    if (values == NULL) {
        b->failed = true;
        return;
    }
    for (i = 0; i < rep->rounds_count; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        values[i * 4 + 0] = r->met;
        values[i * 4 + 1] = r->not_met;
        values[i * 4 + 2] = r->awaiting_accepted;
        values[i * 4 + 3] = r->awaiting - r->awaiting_accepted;
    }
    card_open(b, "Did they meet?",
              "Sent groups per round by the outcome recorded; where none is recorded yet, "
              "whether every member accepted the invitation.");
    stacked_bars(b, rep, values, 4, names, colours, "groups", "outcomes per round");
    ct_buf_puts(b, "</section>\n");
    free(values);
}

static void
chart_member_actions(struct ct_buf *b, const struct ct_report *rep)
{
    static const char *const names[] = {"skipped", "paused", "stopped", "re-matched", "checked in"};
    static const char *const colours[] = {C_ORANGE, C_SKY, C_RED, C_BLUE, C_GREEN};
    long *values = calloc(rep->rounds_count * 5 + 1, sizeof(*values));
    size_t i;

    if (values == NULL) {
        b->failed = true;
        return;
    }
    for (i = 0; i < rep->rounds_count; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        values[i * 5 + 0] = r->skips;
        values[i * 5 + 1] = r->pauses;
        values[i * 5 + 2] = r->stops;
        values[i * 5 + 3] = r->rematches;
        values[i * 5 + 4] = r->checkins;
    }
    card_open(b, "What members did for themselves",
              "Per round: members who skipped it, paused or stopped while it was the latest "
              "round, were put in a new group after the plan, and answered \"did you meet?\".");
    stacked_bars(b, rep, values, 5, names, colours, "members", "member actions per round");
    ct_buf_puts(b, "</section>\n");
    free(values);
}

/* One line series of shares (NAN points skipped) with dots; dash may be NULL. */
static void
line_series(struct ct_buf *b, const struct ct_report *rep, size_t which, double top,
            const char *colour, const char *dash, double width, const char *name)
{
    size_t n = rep->rounds_count, i;
    double plot = H - TOP - BOT;
    bool pen = false;

    ct_buf_printf(b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"%.1f\"%s%s%s d=\"", colour,
                  width, dash ? " stroke-dasharray=\"" : "", dash ? dash : "", dash ? "\"" : "");
    for (i = 0; i < n; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        double v = which == 0 ? r->reach : which == 1 ? r->reach_bound : r->reach_capacity;
        if (isnan(v)) {
            pen = false;
            continue;
        }
        ct_buf_printf(b, "%s%.1f %.1f ", pen ? "L" : "M", x_of(i, n), TOP + plot - plot * v / top);
        pen = true;
    }
    ct_buf_puts(b, "\"/>\n");
    for (i = 0; i < n; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        double v = which == 0 ? r->reach : which == 1 ? r->reach_bound : r->reach_capacity;
        if (isnan(v))
            continue;
        ct_buf_printf(b,
                      "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"%.1f\" fill=\"%s\"><title>round %lld, ",
                      x_of(i, n), TOP + plot - plot * v / top, which == 0 ? 3.5 : 2.5, colour,
                      (long long)r->id);
        esc(b, r->date);
        ct_buf_printf(b, ": %s %.0f%%</title></circle>", name, v * 100);
    }
    ct_buf_putc(b, '\n');
}

static void
chart_reach(struct ct_buf *b, const struct ct_report *rep)
{
    static const char *const names[] = {"reach: other organisations met, on average",
                                        "the most these rounds allowed",
                                        "simple bound: one new organisation per partner"};
    static const char *const colours[] = {C_BLUE, C_ORANGE, C_GREY};
    static const double tops[] = {0.05, 0.1, 0.2, 0.25, 0.5, 1.0};
    char what[400], a[16], c[16];
    double highest = 0;
    size_t i;

    snprintf(what, sizeof(what),
             "The share of the other organisations each member has met so far, averaged over "
             "members, next to the most any pairing of the same people in the same rounds "
             "could have reached. Now: %s, at most %s.",
             percent(rep->reach, a, sizeof(a)), percent(rep->reach_bound, c, sizeof(c)));
    card_open(b, "Reach across the network", what);
    ct_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
                  "aria-label=\"reach over time\">\n",
                  W, H);
    /* In a network of many organisations a year reaches a few percent: zoom in. */
    for (i = 0; i < rep->rounds_count; i++)
        if (!isnan(rep->rounds[i].reach_capacity) && rep->rounds[i].reach_capacity > highest)
            highest = rep->rounds[i].reach_capacity;
    for (i = 0; i < CT_ARRAY_LEN(tops) - 1 && tops[i] < highest; i++)
        ;
    y_axis(b, tops[i], tops[i] / 5, true, "of other organisations");
    line_series(b, rep, 2, tops[i], C_GREY, "2 4", 2, "simple bound");
    line_series(b, rep, 1, tops[i], C_ORANGE, "7 4", 2.5, "at most");
    line_series(b, rep, 0, tops[i], C_BLUE, NULL, 3.5, "reach");
    x_labels(b, rep);
    ct_buf_puts(b, "</svg>\n");
    legend(b, names, colours, 3);
    ct_buf_puts(b, "</section>\n");
}

/* Blend white towards an RGB colour by t in [0, 1], as #rrggbb. */
static void
blend(double t, int r, int g, int bl, char *out, size_t size)
{
    int rr = (int)(247 + (r - 247) * t + 0.5), gg = (int)(249 + (g - 249) * t + 0.5);
    int bb = (int)(251 + (bl - 251) * t + 0.5);

    snprintf(out, size, "#%02x%02x%02x", rr, gg, bb);
}

/* An organisation and its size, to find the largest. */
struct org_size {
    long members;
    size_t index;
};

/* Largest organisations first (by members who took part), then by name. */
static int
org_by_size(const void *pa, const void *pb)
{
    const struct org_size *a = pa, *b = pb;

    if (a->members != b->members)
        return a->members > b->members ? -1 : 1;
    return (a->index > b->index) - (a->index < b->index);
}

/* The most organisations the heatmap shows one by one; the rest are pooled. */
#define MIXING_SHOWN 24

/* The mixing matrix as drawn: n rows of organisations (the last pooled, if pooled). */
struct mixing_view {
    const struct ct_report *rep;
    size_t n;
    bool pooled;
    size_t *order; /* row i shows organisation order[i] (unless it is the pooled row) */
    long *m;       /* n x n pairings */
    long most;     /* the largest count off the diagonal */
    double cell, label_w, top, font, label_font;
    char other[64]; /* the pooled row's name */
};

/* The name of row i. */
static const char *
mixing_name(const struct mixing_view *v, size_t i)
{
    return v->pooled && i == v->n - 1 ? v->other : v->rep->orgs[v->order[i]].name;
}

/*
 * Which row each organisation goes to (slot[]): all of them in name order,
 * or, pooled, the largest n - 1 in name order and the rest in the last.
 * False when out of memory.
 */
static bool
mixing_slots(struct mixing_view *v, size_t *slot)
{
    const struct ct_report *rep = v->rep;
    size_t k = rep->orgs_count, n = v->n, i, j;
    struct org_size *sizes;

    if (!v->pooled) {
        for (i = 0; i < k; i++)
            slot[i] = v->order[i] = i;
        return true;
    }
    if ((sizes = calloc(k, sizeof(*sizes))) == NULL)
        return false;
    for (i = 0; i < k; i++) {
        sizes[i].members = rep->orgs[i].members;
        sizes[i].index = i;
        slot[i] = n - 1;
    }
    qsort(sizes, k, sizeof(*sizes), org_by_size);
    for (i = 0; i < n - 1; i++)
        slot[sizes[i].index] = 0; /* shown; numbered below */
    free(sizes);
    /* The shown ones keep name order (orgs[] is sorted by name). */
    for (i = 0, j = 0; i < k; i++)
        if (slot[i] == 0) {
            slot[i] = j;
            v->order[j++] = i;
        }
    snprintf(v->other, sizeof(v->other), "%zu other organisations", k - (n - 1));
    return true;
}

/* Row labels on the left, column labels slanted on top. */
static void
mixing_labels(struct ct_buf *b, const struct mixing_view *v)
{
    char name[160];
    size_t i;

    for (i = 0; i < v->n; i++) {
        shorten(mixing_name(v, i), 32, name, sizeof(name));
        ct_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" text-anchor=\"end\">",
                      v->label_w - 8, v->top + v->cell * ((double)i + 0.5) + 4, v->label_font);
        esc(b, name);
        ct_buf_puts(b, "</text>");
        ct_buf_printf(b,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" "
                      "transform=\"rotate(-45 %.1f %.1f)\">",
                      v->label_w + v->cell * ((double)i + 0.5), v->top - 8, v->label_font,
                      v->label_w + v->cell * ((double)i + 0.5), v->top - 8);
        esc(b, name);
        ct_buf_puts(b, "</text>\n");
    }
}

/* One cell: its colour, a tooltip naming the two, and the number if it fits. */
static void
mixing_cell(struct ct_buf *b, const struct mixing_view *v, size_t i, size_t j)
{
    long count = v->m[i * v->n + j];
    bool among_pooled = v->pooled && i == v->n - 1 && j == v->n - 1, dark;
    /* A square-root scale, so small counts stay visible next to big ones. */
    double t = v->most > 0 ? sqrt((double)count / (double)v->most) : 0, fs;
    char colour[8];
    int digits;

    if (t > 1)
        t = 1;
    if (i == j)
        blend(count > 0 ? 0.25 + 0.35 * t : 0, 0x70, 0x78, 0x82, colour, sizeof(colour));
    else if (count == 0)
        snprintf(colour, sizeof(colour), "#f9d9c7"); /* never paired: stands out */
    else
        blend(0.1 + 0.9 * t, 0x08, 0x3d, 0x7a, colour, sizeof(colour));
    dark = i != j && count > 0 && t > 0.55;
    ct_buf_printf(b, "<g><title>%ld pairing%s: ", count, count == 1 ? "" : "s");
    if (among_pooled) {
        ct_buf_puts(b, "within and among the ");
        esc(b, v->other);
    } else {
        esc(b, mixing_name(v, i));
        ct_buf_puts(b, i == j ? " with itself" : " and ");
        if (i != j)
            esc(b, mixing_name(v, j));
    }
    ct_buf_printf(b,
                  "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                  "fill=\"%s\" stroke=\"#ffffff\" stroke-width=\"1\"/>",
                  v->label_w + v->cell * (double)j, v->top + v->cell * (double)i, v->cell, v->cell,
                  colour);
    /* The number, if it fits the cell (a digit is about 0.62 em wide). */
    digits = snprintf(NULL, 0, "%ld", count);
    fs = v->cell * 0.86 / (0.62 * (double)digits);
    if (fs > v->font)
        fs = v->font;
    if (fs >= 7 && (count > 0 || i != j))
        ct_buf_printf(b,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"%.1f\" "
                      "text-anchor=\"middle\" style=\"fill:%s\">%ld</text>",
                      v->label_w + v->cell * ((double)j + 0.5),
                      v->top + v->cell * ((double)i + 0.5) + fs * 0.36, fs,
                      dark ? "#ffffff" : C_INK, count);
    ct_buf_puts(b, "</g>\n");
}

/* ---- Relational Coordination ----------------------------------------------------- */

static int
str_order(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* One wave's role x role strengths as a heat map: orange weak, blue strong, values written. */
static void
rc_heatmap(struct ct_buf *b, const struct ct_orgname_aliases *aliases,
           const struct ct_rc_link *links, size_t count, const char *date)
{
    const char **roles = calloc(2 * count + 1, sizeof(*roles));
    const double label_w = 190, cell = 34, top = 40;
    size_t n = 0, i, j, k;
    char colour[8], name[40];
    double s;

    if (roles == NULL)
        return;
    for (i = 0; i < 2 * count; i++) {
        const char *r = i % 2 ? links[i / 2].role_b : links[i / 2].role_a;
        for (k = 0; k < n && strcmp(roles[k], r) != 0; k++)
            ;
        if (k == n)
            roles[n++] = r;
    }
    qsort(roles, n, sizeof(*roles), str_order);
    ct_buf_printf(b,
                  "<figure class=\"rc\"><svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 "
                  "%.0f %.0f\" role=\"img\" aria-label=\"Relational Coordination strengths, "
                  "wave of ",
                  label_w + cell * (double)n + 8, top + cell * (double)n + 8);
    esc(b, date);
    ct_buf_puts(b, "\">\n<text x=\"0\" y=\"16\" font-size=\"13\">Wave of ");
    esc(b, date);
    ct_buf_puts(b, "</text>\n");
    for (j = 0; j < n; j++)
        ct_buf_printf(b,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"middle\" "
                      "style=\"fill:%s\">%zu</text>\n",
                      label_w + cell * ((double)j + 0.5), top - 6, C_MUTED, j + 1);
    for (i = 0; i < n; i++) {
        ct_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%zu. ",
                      label_w - 6, top + cell * ((double)i + 0.5) + 4, i + 1);
        esc(b, shorten(roles[i], 26, name, sizeof(name)));
        ct_buf_puts(b, "</text>\n");
        for (j = 0; j < n; j++) {
            bool data = ct_rc_lookup(aliases, links, count, roles[i], roles[j], &s);
            if (!data)
                snprintf(colour, sizeof(colour), "#ffffff");
            else if (s < CT_RC_WEAK)
                blend(0.35 + 0.65 * (CT_RC_WEAK - s) / (CT_RC_WEAK - 1), 0xD5, 0x5E, 0x00, colour,
                      sizeof(colour));
            else
                blend(0.2 + 0.6 * (s - CT_RC_WEAK) / (5 - CT_RC_WEAK), 0x00, 0x72, 0xB2, colour,
                      sizeof(colour));
            ct_buf_puts(b, "<g><title>");
            esc(b, roles[i]);
            ct_buf_puts(b, " and ");
            esc(b, roles[j]);
            if (data)
                ct_buf_printf(b, ": %.1f of 5%s", s, s < CT_RC_WEAK ? " (weak)" : "");
            else
                ct_buf_puts(b, ": no data");
            ct_buf_printf(b,
                          "</title><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                          "fill=\"%s\" stroke=\"%s\" stroke-width=\"1\"/>",
                          label_w + cell * (double)j, top + cell * (double)i, cell, cell, colour,
                          C_GRID);
            if (data)
                ct_buf_printf(b,
                              "<text x=\"%.1f\" y=\"%.1f\" font-size=\"11\" "
                              "text-anchor=\"middle\" style=\"fill:%s\">%.1f</text>",
                              label_w + cell * ((double)j + 0.5),
                              top + cell * ((double)i + 0.5) + 4, C_INK, s);
            ct_buf_puts(b, "</g>\n");
        }
    }
    ct_buf_puts(b, "</svg></figure>\n");
    free(roles);
}

/* The RC card: both waves side by side, then the weak links with their meetings. */
static void
chart_rc(struct ct_buf *b, const struct ct_report *rep)
{
    size_t i, j;

    if (rep->rc_wave[0] == '\0')
        return;
    card_open(b, "Relational Coordination: how well roles coordinate",
              "Survey strength of each pair of roles, 1 (weak, orange) to 5 (strong, blue); "
              "weak below 3.0. The latest wave first, the one before beside it. Below: the "
              "meetings held across each weak link, and the change in strength beside them "
              "(side by side, not cause and effect).");
    ct_buf_puts(b, "<div style=\"display:flex;flex-wrap:wrap;gap:16px\">\n");
    rc_heatmap(b, rep->rc_aliases, rep->rc_matrix[0], rep->rc_matrix_count[0], rep->rc_wave);
    if (rep->rc_previous[0])
        rc_heatmap(b, rep->rc_aliases, rep->rc_matrix[1], rep->rc_matrix_count[1],
                   rep->rc_previous);
    ct_buf_puts(b, "</div>\n<table><thead><tr><th>weak link</th><th>strength</th>"
                   "<th>change</th><th>meetings between the waves</th><th>meetings since "
                   "the first round</th></tr></thead><tbody>\n");
    for (i = 0; i < rep->rc_count; i++) {
        const struct ct_report_rc_link *l = &rep->rc_links[i];
        long total = 0;
        for (j = 0; j < rep->rounds_count; j++)
            total += l->meetings[j];
        ct_buf_puts(b, "<tr><td>");
        esc(b, l->role_a);
        ct_buf_puts(b, " – ");
        esc(b, l->role_b);
        if (isnan(l->strength))
            ct_buf_puts(b, "</td><td>–");
        else
            ct_buf_printf(b, "</td><td>%.2f", l->strength);
        if (isnan(l->strength) || isnan(l->previous))
            ct_buf_puts(b, "</td><td>–");
        else
            ct_buf_printf(b, "</td><td>%+.2f", l->strength - l->previous);
        if (rep->rc_previous[0])
            ct_buf_printf(b, "</td><td>%ld", l->between);
        else
            ct_buf_puts(b, "</td><td>–");
        ct_buf_printf(b, "</td><td>%ld</td></tr>\n", total);
    }
    ct_buf_puts(b, "</tbody></table></section>\n");
}

static void
chart_mixing(struct ct_buf *b, const struct ct_report *rep)
{
    struct mixing_view v = {.rep = rep, .label_w = 240, .top = 170};
    size_t k = rep->orgs_count, n, i, j, *slot = NULL;
    double size;

    if (k == 0)
        return;
    /*
     * With many organisations the matrix is unreadable (and huge): show the
     * largest MIXING_SHOWN - 1 and pool the others in a last row and column.
     */
    v.pooled = k > MIXING_SHOWN;
    v.n = n = v.pooled ? MIXING_SHOWN : k;
    slot = calloc(k, sizeof(*slot));
    v.order = calloc(k, sizeof(*v.order));
    v.m = calloc(n * n, sizeof(*v.m));
    if (slot == NULL || v.order == NULL || v.m == NULL || !mixing_slots(&v, slot)) {
        b->failed = true;
        goto out;
    }
    /*
     * The matrix holds each pairing across two organisations in both
     * [i][j] and [j][i]. Pooled together, such a pair must count once.
     */
    for (i = 0; i < k; i++)
        for (j = 0; j < k; j++)
            if (i == j || slot[i] != slot[j] || i < j)
                v.m[slot[i] * n + slot[j]] += rep->mixing[i * k + j];
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            if (i != j && v.m[i * n + j] > v.most)
                v.most = v.m[i * n + j];
    v.cell = 520.0 / (double)n;
    if (v.cell > 48)
        v.cell = 48;
    v.font = v.cell >= 30 ? 12.5 : 10.5;
    v.label_font = n > 16 ? 11.0 : 12.0;
    size = v.cell * (double)n;
    card_open(b, "Who met whom: organisation by organisation",
              v.pooled ? "Pairings between members of two organisations over all sent rounds, for "
                         "the largest organisations; the last row pools the others. Darker is "
                         "more; orange cells are organisations whose members have never been "
                         "paired; the diagonal (grey) counts pairings inside one organisation."
                       : "Pairings between members of two organisations over all sent rounds. "
                         "Darker is more; orange cells are organisations whose members have "
                         "never been paired; the diagonal (grey) counts pairings inside one "
                         "organisation.");
    ct_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                  "role=\"img\" aria-label=\"mixing matrix\" style=\"max-width:%.0fpx\">\n",
                  v.label_w + size + 120, v.top + size + 10, (v.label_w + size + 120) * 1.25);
    mixing_labels(b, &v);
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            mixing_cell(b, &v, i, j);
    ct_buf_puts(b, "</svg>\n</section>\n");
out:
    free(slot);
    free(v.order);
    free(v.m);
}

static void
chart_waits(struct ct_buf *b, const struct ct_report *rep, size_t shown)
{
    size_t n = rep->waits_count < shown ? rep->waits_count : shown, i;
    double row = 28, top = 8, label_w = 420, plot = 440, max, step;
    long most = 0;
    char name[200], who[400];

    card_open(b, "Waiting longest for a meeting across organisations",
              "Current members by the rounds they took part in since they last met someone "
              "from another organisation. Consider them first when you review the next round.");
    if (n == 0) {
        ct_buf_puts(b, "<p>Nobody is waiting: every member met someone from another "
                       "organisation in the last round they took part in.</p></section>\n");
        return;
    }
    for (i = 0; i < n; i++)
        if (rep->members[rep->waits[i]].waited > most)
            most = rep->members[rep->waits[i]].waited;
    nice_axis((double)most, &max, &step);
    ct_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %.0f %.0f\" "
                  "role=\"img\" aria-label=\"longest waits\">\n",
                  label_w + plot + 180, top + row * (double)n + 8);
    for (i = 0; i < n; i++) {
        const struct ct_report_member *m = &rep->members[rep->waits[i]];
        double y = top + row * (double)i, w = plot * (double)m->waited / max;
        snprintf(who, sizeof(who), "%s (%s)",
                 m->member.name    ? m->member.name
                 : m->member.email ? m->member.email
                                   : "",
                 rep->orgs[m->org].name);
        shorten(who, 56, name, sizeof(name));
        ct_buf_printf(b, "<g><title>");
        esc(b, m->member.email);
        ct_buf_printf(b, ": %ld round%s since %s</title>", m->waited, m->waited == 1 ? "" : "s",
                      m->never_crossed ? "joining" : "the last meeting across organisations");
        ct_buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\" text-anchor=\"end\">",
                      label_w - 10, y + row / 2 + 4);
        esc(b, name);
        ct_buf_printf(b,
                      "</text><rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                      "rx=\"2\" fill=\"%s\"/>",
                      label_w, y + 4, w < 2 ? 2 : w, row - 8, m->never_crossed ? C_RED : C_ORANGE);
        ct_buf_printf(b,
                      "<text x=\"%.1f\" y=\"%.1f\" font-size=\"14\">%ld round%s%s%s</text>"
                      "</g>\n",
                      label_w + w + 6, y + row / 2 + 4, m->waited, m->waited == 1 ? "" : "s",
                      m->never_crossed ? ", never" : "",
                      m->member.status == CT_MEMBER_PAUSED ? " (paused)" : "");
    }
    ct_buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#9aa5b1\"/>",
                  label_w, top, label_w, top + row * (double)n);
    ct_buf_puts(b, "</svg>\n");
    {
        static const char *const names[] = {"has met another organisation before",
                                            "never has, since joining"};
        static const char *const colours[] = {C_ORANGE, C_RED};
        legend(b, names, colours, 2);
    }
    if (rep->waits_count > n)
        ct_buf_printf(b,
                      "<p class=\"what\">… and %zu more members waiting at least one "
                      "round.</p>",
                      rep->waits_count - n);
    ct_buf_puts(b, "</section>\n");
}

static void
chart_histogram(struct ct_buf *b, const struct ct_report *rep)
{
    size_t k = rep->orgs_count, bars = 2, every, i;
    double max, step, plot = H - TOP - BOT, bw;
    long most = 0;

    if (k < 2)
        return;
    /* Bars from 0 to the most anyone has met (a big network: far fewer than k - 1). */
    for (i = 0; i < k; i++) {
        if (rep->orgs_met_histogram[i] > most)
            most = rep->orgs_met_histogram[i];
        if (rep->orgs_met_histogram[i] > 0 && i + 1 > bars)
            bars = i + 1;
    }
    if (bars < k && bars < 10)
        bars = k < 10 ? k : 10;
    every = (bars + 19) / 20;
    nice_axis((double)most, &max, &step);
    card_open(b, "How far each member has reached",
              "Members by the number of other organisations they have met so far.");
    ct_buf_printf(b,
                  "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" role=\"img\" "
                  "aria-label=\"other organisations met\">\n",
                  W, H);
    y_axis(b, max, step, false, "members");
    bw = (W - LEFT - RIGHT) / (double)bars * 0.72;
    for (i = 0; i < bars; i++) {
        long v = rep->orgs_met_histogram[i];
        double h = plot * (double)v / max, x = x_of(i, bars);
        ct_buf_printf(b,
                      "<g><title>%ld member%s met %zu other organisation%s</title>"
                      "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\"/>"
                      "</g>",
                      v, v == 1 ? "" : "s", i, i == 1 ? "" : "s", x - bw / 2, TOP + plot - h, bw, h,
                      i == 0 ? C_RED : C_GREEN);
        if (i % every == 0)
            ct_buf_printf(b,
                          "<text x=\"%.1f\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\">"
                          "%zu</text>\n",
                          x, H - BOT + 17, i);
    }
    ct_buf_printf(b,
                  "<text x=\"%.1f\" y=\"%d\" font-size=\"13\" text-anchor=\"middle\" "
                  "style=\"fill:%s\">other organisations met (of %zu)</text>\n",
                  LEFT + (W - LEFT - RIGHT) / 2.0, H - 6, C_MUTED, k - 1);
    ct_buf_puts(b, "</svg>\n</section>\n");
}

static void
cell_long(struct ct_buf *b, long v)
{
    ct_buf_printf(b, "<td>%ld</td>", v);
}

static void
cell_share(struct ct_buf *b, double v)
{
    char s[16];
    ct_buf_printf(b, "<td>%s</td>", percent(v, s, sizeof(s)));
}

static void
table_rounds(struct ct_buf *b, const struct ct_report *rep)
{
    size_t i, from = rep->selected >= 0 ? (size_t)rep->selected : 0;

    card_open(b, "Round by round", NULL);
    ct_buf_puts(b,
                "<div class=\"scroll\"><table><thead><tr><th class=\"l\">round</th>"
                "<th class=\"l\">date</th><th class=\"l\">state</th><th>eligible</th>"
                "<th>grouped</th><th>trios</th><th>fours</th><th>unpaired</th><th>across orgs</th>"
                "<th>first meetings</th><th>shared contacts</th><th>invites sent</th>"
                "<th>failed</th><th>accepted</th><th>met</th><th>did not meet</th>"
                "<th>rating</th><th>new ties</th><th>reach</th><th>at most</th></tr></thead>"
                "<tbody>\n");
    for (i = from; i < rep->rounds_count; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        ct_buf_printf(b, "<tr><td class=\"l\">%lld</td><td class=\"l\">", (long long)r->id);
        esc(b, r->date);
        ct_buf_puts(b, "</td><td class=\"l\">");
        esc(b, ct_round_state_str(r->state));
        ct_buf_puts(b, "</td>");
        cell_long(b, r->eligible);
        cell_long(b, r->grouped);
        cell_long(b, r->trios);
        cell_long(b, r->fours);
        cell_long(b, r->unpaired);
        cell_share(b, r->cross_org_share);
        cell_share(b, r->first_meeting_share);
        if (isnan(r->mean_shared_contacts))
            ct_buf_puts(b, "<td>–</td>");
        else
            ct_buf_printf(b, "<td>%.2f</td>", r->mean_shared_contacts);
        cell_long(b, r->invites_sent);
        cell_long(b, r->invites_failed);
        cell_long(b, r->accepted);
        cell_long(b, r->met);
        cell_long(b, r->not_met);
        if (isnan(r->mean_rating))
            ct_buf_puts(b, "<td>–</td>");
        else
            ct_buf_printf(b, "<td>%.1f</td>", r->mean_rating);
        if (r->state == CT_ROUND_SENT) {
            cell_long(b, r->new_ties);
            cell_share(b, r->reach);
            cell_share(b, r->reach_bound);
        } else {
            ct_buf_puts(b, "<td>–</td><td>–</td><td>–</td>");
        }
        ct_buf_puts(b, "</tr>\n");
    }
    ct_buf_puts(b, "</tbody></table></div></section>\n");
}

static const char definitions[] =
    "<footer><dl>"
    "<dt>Pairings</dt><dd>Two members placed in the same group; a trio makes three. "
    "<em>Across orgs</em> and <em>first meetings</em> are shares of the round's "
    "pairings.</dd>"
    "<dt>Met, ties</dt><dd>A pair counts as having met when the organisers recorded that "
    "their group met, or, with nothing recorded, when neither declined the invitation. "
    "Each pair that met is a tie; <em>new ties</em> are pairs that met for the first "
    "time.</dd>"
    "<dt>Shared contacts</dt><dd>How many people the two members of a pairing both knew "
    "already (declared colleagues and earlier meetings), on average.</dd>"
    "<dt>Reach</dt><dd>For each member, the share of the other organisations they have met; "
    "averaged over every member who has taken part. <em>At most</em> is the highest average "
    "any grouping of the same members, in the same rounds and group sizes, could reach: "
    "nobody meets more organisations than partners, and an organisation cannot supply more "
    "partners than its members had meetings.</dd>"
    "</dl></footer>\n";

bool
ct_report_render_html(const struct ct_report *rep, const struct ct_report_options *opts,
                      struct ct_buf *b)
{
    size_t shown = opts && opts->waits_shown ? opts->waits_shown : 10;
    const char *title = opts && opts->title ? opts->title : "coffeetrial";
    char when[32], value[64], label[160], a[16], c[16], n1[32], n2[32];
    time_t tt = (time_t)rep->generated_at;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(when, sizeof(when), "%Y-%m-%d %H:%M UTC", &tm) == 0)
        snprintf(when, sizeof(when), "%lld", (long long)rep->generated_at);
    ct_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                   "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
                   "style-src 'unsafe-inline'\">\n<title>");
    esc(b, title);
    ct_buf_puts(b, ": coffee trial report</title>\n<style>");
    ct_buf_puts(b, css);
    ct_buf_puts(b, "</style>\n</head>\n<body>\n<main>\n<header><h1>");
    esc(b, title);
    ct_buf_puts(b, "</h1><p>Coffee trial report");
    if (rep->selected >= 0) {
        ct_buf_printf(b, " as of round %lld (", (long long)rep->rounds[rep->selected].id);
        esc(b, rep->rounds[rep->selected].date);
        ct_buf_puts(b, ")");
    }
    ct_buf_puts(b, ", made ");
    esc(b, when);
    if (opts && opts->subtitle) {
        ct_buf_puts(b, ". ");
        esc(b, opts->subtitle);
    }
    ct_buf_puts(b, "</p></header>\n");

    if (rep->rounds_count == 0) {
        ct_buf_puts(b, "<section class=\"card\"><h2>No rounds yet</h2><p>Plan the first "
                       "round with <code>coffeetrial round plan</code>; this page fills in as "
                       "rounds are sent.</p></section>\n</main>\n</body>\n</html>\n");
        return !b->failed;
    }

    ct_buf_puts(b, "<div class=\"tiles\">\n");
    snprintf(value, sizeof(value), "%ld", rep->rounds_sent);
    if (rep->rounds_count > (size_t)rep->rounds_sent)
        snprintf(label, sizeof(label), "rounds sent, %zu planned",
                 rep->rounds_count - (size_t)rep->rounds_sent);
    else
        snprintf(label, sizeof(label), "rounds sent");
    tile(b, value, label, C_BLUE);
    snprintf(label, sizeof(label), "members took part, from %zu organisations", rep->orgs_count);
    tile(b, thousands((long)rep->members_count, n1, sizeof(n1)), label, C_SKY);
    snprintf(label, sizeof(label),
             "ties made: pairs who met (%s of pairings across "
             "organisations)",
             percent(rep->pairings ? (double)rep->cross_org / (double)rep->pairings : NAN, a,
                     sizeof(a)));
    tile(b, thousands(rep->ties, n2, sizeof(n2)), label, C_GREEN);
    snprintf(label, sizeof(label), "reach: other organisations met on average (at most %s)",
             percent(rep->reach_bound, c, sizeof(c)));
    tile(b, percent(rep->reach, a, sizeof(a)), label, C_ORANGE);
    if (rep->outcomes > 0) {
        snprintf(value, sizeof(value), "%.0f%%", 100.0 * (double)rep->met / (double)rep->outcomes);
        if (rep->ratings > 0)
            snprintf(label, sizeof(label), "of %ld recorded groups met; mean rating %.1f of 5",
                     rep->outcomes, rep->mean_rating);
        else
            snprintf(label, sizeof(label), "of %ld recorded groups met", rep->outcomes);
    } else {
        snprintf(value, sizeof(value), "–");
        snprintf(label, sizeof(label), "no outcomes recorded yet (coffeetrial outcome record)");
    }
    tile(b, value, label, C_RED);
    ct_buf_puts(b, "</div>\n<div class=\"grid\">\n");
    chart_participation(b, rep);
    chart_outcomes(b, rep);
    chart_member_actions(b, rep);
    chart_reach(b, rep);
    chart_histogram(b, rep);
    ct_buf_puts(b, "</div>\n");
    chart_mixing(b, rep);
    chart_rc(b, rep);
    chart_waits(b, rep, shown);
    table_rounds(b, rep);
    ct_buf_puts(b, definitions);
    ct_buf_puts(b, "</main>\n</body>\n</html>\n");
    return !b->failed;
}
