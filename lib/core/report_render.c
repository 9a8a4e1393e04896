/*
 * report_render.c: the report as text (tables that fit an 80-column
 * terminal), as JSON (the stable format docs/reports.md documents) and as
 * CSV (one row per round, for spreadsheets). The HTML page is report_html.c.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "rc.h"
#include "report_model.h"

/* ---- helpers shared by the formats ------------------------------------------ */

static void
format_time(int64_t t, char *out, size_t size)
{
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL || strftime(out, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(out, size, "%lld", (long long)t);
}

static bool
is_sent(const struct ct_report_round *r)
{
    return r->state == CT_ROUND_SENT;
}

/* The rounds a table shows: all, or only the one asked for. */
static void
row_range(const struct ct_report *rep, size_t *from, size_t *to)
{
    *from = rep->selected >= 0 ? (size_t)rep->selected : 0;
    *to = rep->rounds_count;
}

/* ---- text ------------------------------------------------------------------------ */

/*
 * Append s, cut or padded to width columns (one column per code point;
 * anything below U+0020 shown as '?'), left- or right-aligned.
 */
static void
put_cell(struct ct_buf *b, const char *s, size_t width, bool right)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t cols = 0, bytes = 0, i;
    struct ct_buf cell;

    ct_buf_init(&cell);
    /* Measure what fits, cutting with "~" when s is too long. */
    while (p[bytes]) {
        size_t n = 1;
        if (p[bytes] >= 0xf0)
            n = 4;
        else if (p[bytes] >= 0xe0)
            n = 3;
        else if (p[bytes] >= 0xc0)
            n = 2;
        for (i = 1; i < n; i++)
            if (p[bytes + i] == 0)
                n = i;
        bytes += n;
        cols++;
    }
    if (cols > width) {
        size_t keep = width ? width - 1 : 0, c = 0, at = 0;
        while (c < keep) {
            size_t n = p[at] >= 0xf0 ? 4 : p[at] >= 0xe0 ? 3 : p[at] >= 0xc0 ? 2 : 1;
            at += n;
            c++;
        }
        ct_buf_append(&cell, p, at);
        if (width)
            ct_buf_putc(&cell, '~');
        cols = width;
    } else {
        ct_buf_append(&cell, p, bytes);
    }
    for (i = 0; i < cell.len; i++)
        if ((unsigned char)cell.data[i] < 0x20 || cell.data[i] == 0x7f)
            cell.data[i] = '?';
    if (right)
        for (i = cols; i < width; i++)
            ct_buf_putc(b, ' ');
    if (cell.len)
        ct_buf_append(b, cell.data, cell.len);
    if (!right)
        for (i = cols; i < width; i++)
            ct_buf_putc(b, ' ');
    if (cell.failed)
        b->failed = true;
    ct_buf_free(&cell);
}

static void
put_long(struct ct_buf *b, long v, int width)
{
    ct_buf_printf(b, "%*ld", width, v);
}

/* A share as "87%", or "-" when undefined, right-aligned in width. */
static void
put_share(struct ct_buf *b, double v, int width)
{
    if (isnan(v))
        ct_buf_printf(b, "%*s", width, "-");
    else
        ct_buf_printf(b, "%*.0f%%", width - 1, v * 100.0);
}

static void
put_decimal(struct ct_buf *b, double v, int width, int digits)
{
    if (isnan(v))
        ct_buf_printf(b, "%*s", width, "-");
    else
        ct_buf_printf(b, "%*.*f", width, digits, v);
}

static void
rule(struct ct_buf *b, const char *title)
{
    size_t n = strlen(title), i;

    ct_buf_printf(b, "\n%s\n", title);
    for (i = 0; i < n && i < 79; i++)
        ct_buf_putc(b, '-');
    ct_buf_putc(b, '\n');
}

static void
text_rounds(const struct ct_report *rep, struct ct_buf *b)
{
    size_t from, to, i;

    row_range(rep, &from, &to);
    rule(b, rep->selected >= 0 ? "The round: who was grouped, and with whom"
                               : "Rounds: who was grouped, and with whom");
    ct_buf_printf(b, "%5s %-10s %-7s%9s%8s%6s%9s%7s%6s%7s\n", "round", "date", "state", "eligible",
                  "grouped", "3s+4s", "unpaired", "across", "first", "shared");
    for (i = from; i < to; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        ct_buf_printf(b, "%5lld %-10s %-7s", (long long)r->id, r->date,
                      ct_round_state_str(r->state));
        put_long(b, r->eligible, 9);
        put_long(b, r->grouped, 8);
        put_long(b, r->trios + r->fours, 6);
        put_long(b, r->unpaired, 9);
        put_share(b, r->cross_org_share, 7);
        put_share(b, r->first_meeting_share, 6);
        put_decimal(b, r->mean_shared_contacts, 7, 2);
        ct_buf_putc(b, '\n');
    }
    ct_buf_puts(b, "3s+4s: groups of three or four; across: pairings across organisations;\n"
                   "first: first meetings; shared: contacts the two had in common, per pairing\n");
    rule(b, "Invitations and answers");
    ct_buf_printf(b, "%5s %-10s%6s%7s%8s%9s%10s%9s%9s\n", "round", "date", "sent", "failed",
                  "pending", "accepted", "tentative", "declined", "proposed");
    for (i = from; i < to; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        ct_buf_printf(b, "%5lld %-10s", (long long)r->id, r->date);
        put_long(b, r->invites_sent, 6);
        put_long(b, r->invites_failed, 7);
        put_long(b, r->invites_pending, 8);
        put_long(b, r->accepted, 9);
        put_long(b, r->tentative, 10);
        put_long(b, r->declined, 9);
        put_long(b, r->proposed, 9);
        ct_buf_putc(b, '\n');
    }
    ct_buf_puts(b, "proposed: members who proposed another time\n");
    rule(b, "Outcomes");
    ct_buf_printf(b, "%5s %-10s%5s%8s%7s\n", "round", "date", "met", "not met", "rating");
    for (i = from; i < to; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        ct_buf_printf(b, "%5lld %-10s", (long long)r->id, r->date);
        put_long(b, r->met, 5);
        put_long(b, r->not_met, 8);
        put_decimal(b, r->mean_rating, 7, 1);
        ct_buf_putc(b, '\n');
    }
    rule(b, "What members did for themselves");
    ct_buf_printf(b, "%5s %-10s%6s%7s%6s%10s%11s\n", "round", "date", "skips", "pauses", "stops",
                  "check-ins", "re-matched");
    for (i = from; i < to; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        ct_buf_printf(b, "%5lld %-10s", (long long)r->id, r->date);
        put_long(b, r->skips, 6);
        put_long(b, r->pauses, 7);
        put_long(b, r->stops, 6);
        put_long(b, r->checkins, 10);
        put_long(b, r->rematches, 11);
        ct_buf_putc(b, '\n');
    }
    ct_buf_puts(b, "pauses, stops: while this was the latest round; re-matched: put in a new\n"
                   "group after the plan\n");
    rule(b, "Ties and reach after each round");
    ct_buf_printf(b, "%5s %-10s%9s%9s%8s%5s%7s%7s%8s\n", "round", "date", "new ties", "all ties",
                  "members", "orgs", "reach", "bound", "simple");
    for (i = from; i < to; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        if (!is_sent(r)) {
            ct_buf_printf(b, "%5lld %-10s  (not sent yet)\n", (long long)r->id, r->date);
            continue;
        }
        ct_buf_printf(b, "%5lld %-10s", (long long)r->id, r->date);
        put_long(b, r->new_ties, 9);
        put_long(b, r->ties, 9);
        put_long(b, r->participants, 8);
        put_long(b, r->organisations, 5);
        put_share(b, r->reach, 7);
        put_share(b, r->reach_bound, 7);
        put_share(b, r->reach_capacity, 8);
        ct_buf_putc(b, '\n');
    }
    ct_buf_puts(b, "reach: mean share of the other organisations each member has met;\n"
                   "bound: the most any grouping of the same rounds allows (docs/reports.md)\n");
}

static void
text_summary(const struct ct_report *rep, struct ct_buf *b)
{
    rule(b, "Over time");
    ct_buf_printf(b, "  %-26s %ld", "rounds sent", rep->rounds_sent);
    if (rep->cancelled_rounds)
        ct_buf_printf(b, " (and %ld cancelled)", rep->cancelled_rounds);
    ct_buf_putc(b, '\n');
    ct_buf_printf(b, "  %-26s %zu, from %zu organisations\n", "members who took part",
                  rep->members_count, rep->orgs_count);
    ct_buf_printf(b, "  %-26s %ld", "pairings made", rep->pairings);
    if (rep->pairings > 0)
        ct_buf_printf(b, " (%.0f%% across organisations)",
                      100.0 * (double)rep->cross_org / (double)rep->pairings);
    ct_buf_putc(b, '\n');
    ct_buf_printf(b, "  %-26s %ld\n", "distinct pairs grouped", rep->distinct_pairs);
    ct_buf_printf(b, "  %-26s %ld\n", "distinct ties made", rep->ties);
    ct_buf_printf(b, "  %-26s %ld", "outcomes recorded", rep->outcomes);
    if (rep->outcomes > 0)
        ct_buf_printf(b, ": %ld met (%.0f%%)", rep->met,
                      100.0 * (double)rep->met / (double)rep->outcomes);
    if (rep->ratings > 0)
        ct_buf_printf(b, ", mean rating %.1f of 5", rep->mean_rating);
    ct_buf_putc(b, '\n');
    ct_buf_printf(b, "  %-26s ", "reach");
    if (isnan(rep->reach)) {
        ct_buf_puts(b, "- (needs two organisations and a sent round)\n");
    } else {
        ct_buf_printf(b, "%.0f%% of the other organisations, on average\n", rep->reach * 100);
        ct_buf_printf(b, "  %-26s %.0f%% (simple bound %.0f%%)\n", "reach at most",
                      rep->reach_bound * 100, rep->reach_capacity * 100);
    }
}

static void
text_mixing(const struct ct_report *rep, struct ct_buf *b)
{
    size_t k = rep->orgs_count, i, j;
    char num[8];

    if (k == 0)
        return;
    rule(b, "Organisations: pairings within and across");
    ct_buf_puts(b, "   # organisation            members  within  across  partner orgs\n");
    for (i = 0; i < k; i++) {
        long within = rep->mixing[i * k + i], across = 0, partner_orgs = 0;
        for (j = 0; j < k; j++)
            if (j != i && rep->mixing[i * k + j] > 0) {
                across += rep->mixing[i * k + j];
                partner_orgs++;
            }
        ct_buf_printf(b, "%4zu ", i + 1);
        put_cell(b, rep->orgs[i].name, 22, false);
        put_long(b, rep->orgs[i].members, 9);
        put_long(b, within, 8);
        put_long(b, across, 8);
        ct_buf_printf(b, "  %4ld of %zu\n", partner_orgs, k - 1);
    }
    if (k > 9) {
        ct_buf_puts(b, "(the full organisation-by-organisation matrix: --format json or html)\n");
        return;
    }
    rule(b, "Mixing matrix: pairings between organisations");
    ct_buf_printf(b, "%27s", "");
    for (j = 0; j < k; j++) {
        snprintf(num, sizeof(num), "%zu", j + 1);
        ct_buf_printf(b, "%5s", num);
    }
    ct_buf_putc(b, '\n');
    for (i = 0; i < k; i++) {
        ct_buf_printf(b, "%4zu ", i + 1);
        put_cell(b, rep->orgs[i].name, 22, false);
        for (j = 0; j < k; j++)
            put_long(b, rep->mixing[i * k + j], 5);
        ct_buf_putc(b, '\n');
    }
}

static void
text_histogram(const struct ct_report *rep, struct ct_buf *b)
{
    size_t k = rep->orgs_count, i, bar;
    long most = 0;

    if (k < 2)
        return;
    rule(b, "Other organisations each member has met");
    for (i = 0; i < k; i++)
        if (rep->orgs_met_histogram[i] > most)
            most = rep->orgs_met_histogram[i];
    for (i = 0; i < k; i++) {
        long n = rep->orgs_met_histogram[i];
        size_t width = most > 0 ? (size_t)((double)n * 50.0 / (double)most + 0.5) : 0;
        ct_buf_printf(b, "  %2zu of %-2zu ", i, k - 1);
        for (bar = 0; bar < width; bar++)
            ct_buf_putc(b, '#');
        if (width == 0 && n > 0)
            ct_buf_putc(b, '.');
        ct_buf_printf(b, " %ld\n", n);
    }
}

static void
text_waits(const struct ct_report *rep, const struct ct_report_options *opts, struct ct_buf *b)
{
    size_t shown = opts && opts->waits_shown ? opts->waits_shown : 10, i;

    if (rep->waits_count == 0)
        return;
    rule(b, "Longest waits for a meeting across organisations");
    ct_buf_printf(b, "%7s  %-29s %-20s %s\n", "rounds", "member", "organisation", "last across");
    for (i = 0; i < rep->waits_count && i < shown; i++) {
        const struct ct_report_member *m = &rep->members[rep->waits[i]];
        char who[320];
        if (m->member.name && m->member.email)
            snprintf(who, sizeof(who), "%s <%s>", m->member.name, m->member.email);
        else
            snprintf(who, sizeof(who), "%s", m->member.email ? m->member.email : "(erased)");
        ct_buf_printf(b, "%7ld  ", m->waited);
        put_cell(b, who, 29, false);
        ct_buf_putc(b, ' ');
        put_cell(b, rep->orgs[m->org].name, 20, false);
        ct_buf_printf(b, " %s%s\n", m->never_crossed ? "never" : m->last_cross,
                      m->member.status == CT_MEMBER_PAUSED ? " (paused)" : "");
    }
    if (rep->waits_count > shown)
        ct_buf_printf(b, "  ... and %zu more\n", rep->waits_count - shown);
}

/* The Relational Coordination section: weak links, meetings per round, change between waves. */
static void
text_rc(const struct ct_report *rep, struct ct_buf *b)
{
    size_t i, j;

    if (rep->rc_wave[0] == '\0')
        return;
    ct_buf_printf(b, "\nRelational Coordination: weak links (below %.1f), wave of %s\n", CT_RC_WEAK,
                  rep->rc_wave);
    if (rep->rc_count == 0) {
        ct_buf_puts(b, "  no weak links\n");
        return;
    }
    if (rep->rc_previous[0])
        ct_buf_printf(b,
                      "  change since the wave of %s beside the meetings between the two\n"
                      "  waves: side by side, not cause and effect\n"
                      "  strength  change  between  link\n",
                      rep->rc_previous);
    else
        ct_buf_puts(b, "  strength  link\n");
    for (i = 0; i < rep->rc_count; i++) {
        const struct ct_report_rc_link *l = &rep->rc_links[i];
        char link[160];
        snprintf(link, sizeof(link), "%s <-> %s", l->role_a, l->role_b);
        if (isnan(l->strength))
            ct_buf_puts(b, "      none");
        else
            ct_buf_printf(b, "  %8.2f", l->strength);
        if (rep->rc_previous[0]) {
            if (isnan(l->strength) || isnan(l->previous))
                ct_buf_printf(b, "  %6s", "-");
            else
                ct_buf_printf(b, "  %+6.2f", l->strength - l->previous);
            ct_buf_printf(b, "  %7ld", l->between);
        }
        ct_buf_puts(b, "  ");
        put_cell(b, link, rep->rc_previous[0] ? 45 : 66, false);
        while (b->len > 0 && b->data[b->len - 1] == ' ')
            b->data[--b->len] = '\0';
        ct_buf_puts(b, "\n            meetings per round:");
        for (j = 0; j < rep->rounds_count; j++)
            ct_buf_printf(b, "%s %ld", j > 0 && j % 16 == 0 ? "\n              " : "",
                          l->meetings[j]);
        ct_buf_putc(b, '\n');
    }
}

bool
ct_report_render_text(const struct ct_report *rep, const struct ct_report_options *opts,
                      struct ct_buf *b)
{
    char when[32], heading[200];

    format_time(rep->generated_at, when, sizeof(when));
    snprintf(heading, sizeof(heading), "%s", opts && opts->title ? opts->title : "coffeetrial");
    put_cell(b, heading, 50, false);
    /* Trim the padding: the heading is left-aligned, the date follows. */
    while (b->len > 0 && b->data[b->len - 1] == ' ')
        b->data[--b->len] = '\0';
    ct_buf_printf(b, ": report of %.10s\n", when);
    if (opts && opts->subtitle) {
        put_cell(b, opts->subtitle, 79, false);
        while (b->len > 0 && b->data[b->len - 1] == ' ')
            b->data[--b->len] = '\0';
        ct_buf_putc(b, '\n');
    }
    if (rep->rounds_count == 0) {
        ct_buf_puts(b, "\nNo rounds yet: plan one with \"coffeetrial round plan\".\n");
        return !b->failed;
    }
    text_rounds(rep, b);
    text_summary(rep, b);
    text_mixing(rep, b);
    text_histogram(rep, b);
    text_waits(rep, opts, b);
    text_rc(rep, b);
    return !b->failed;
}

/* ---- JSON ------------------------------------------------------------------------ */

static void
json_str(struct ct_buf *b, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    if (s == NULL) {
        ct_buf_puts(b, "null");
        return;
    }
    ct_buf_putc(b, '"');
    for (; *p; p++) {
        switch (*p) {
        case '"': ct_buf_puts(b, "\\\""); break;
        case '\\': ct_buf_puts(b, "\\\\"); break;
        case '\n': ct_buf_puts(b, "\\n"); break;
        case '\r': ct_buf_puts(b, "\\r"); break;
        case '\t': ct_buf_puts(b, "\\t"); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                ct_buf_printf(b, "\\u%04x", *p);
            else
                ct_buf_putc(b, (char)*p);
        }
    }
    ct_buf_putc(b, '"');
}

static void
json_num(struct ct_buf *b, double v)
{
    if (isnan(v) || isinf(v))
        ct_buf_puts(b, "null");
    else
        ct_buf_printf(b, "%.4f", v);
}

/* "relational_coordination": the weak links of the latest two waves. */
static void
json_rc(const struct ct_report *rep, struct ct_buf *b)
{
    size_t i, j;

    ct_buf_puts(b, " \"relational_coordination\": {\"wave\": ");
    json_str(b, rep->rc_wave[0] ? rep->rc_wave : NULL);
    ct_buf_puts(b, ", \"previous_wave\": ");
    json_str(b, rep->rc_previous[0] ? rep->rc_previous : NULL);
    ct_buf_printf(b, ", \"weak_below\": %.1f, \"weak_links\": [", CT_RC_WEAK);
    for (i = 0; i < rep->rc_count; i++) {
        const struct ct_report_rc_link *l = &rep->rc_links[i];
        ct_buf_puts(b, i ? ",\n  {\"role_a\": " : "\n  {\"role_a\": ");
        json_str(b, l->role_a);
        ct_buf_puts(b, ", \"role_b\": ");
        json_str(b, l->role_b);
        ct_buf_puts(b, ", \"strength\": ");
        json_num(b, l->strength);
        ct_buf_puts(b, ", \"previous_strength\": ");
        json_num(b, l->previous);
        ct_buf_puts(b, ", \"change\": ");
        json_num(b, l->strength - l->previous);
        ct_buf_puts(b, ", \"meetings_between_waves\": ");
        if (rep->rc_previous[0])
            ct_buf_printf(b, "%ld", l->between);
        else
            ct_buf_puts(b, "null");
        ct_buf_puts(b, ", \"meetings_per_round\": [");
        for (j = 0; j < rep->rounds_count; j++)
            ct_buf_printf(b, "%s{\"round\": %lld, \"meetings\": %ld}", j ? ", " : "",
                          (long long)rep->rounds[j].id, l->meetings[j]);
        ct_buf_puts(b, "]}");
    }
    ct_buf_puts(b, "]}");
}

static void
json_round(struct ct_buf *b, const struct ct_report_round *r)
{
    ct_buf_printf(b, "{\"id\": %lld, \"date\": ", (long long)r->id);
    json_str(b, r->date);
    ct_buf_puts(b, ", \"state\": ");
    json_str(b, ct_round_state_str(r->state));
    ct_buf_printf(b,
                  ", \"eligible\": %ld, \"grouped\": %ld, \"groups\": %ld, \"trios\": %ld,"
                  " \"fours\": %ld, \"unpaired\": %ld, \"sat_out\": %ld, \"pairings\": %ld,"
                  " \"cross_organisation\": %ld, \"cross_organisation_share\": ",
                  r->eligible, r->grouped, r->groups, r->trios, r->fours, r->unpaired, r->sat_out,
                  r->pairings, r->cross_org);
    json_num(b, r->cross_org_share);
    ct_buf_printf(b, ", \"first_meetings\": %ld, \"first_meeting_share\": ", r->first_meetings);
    json_num(b, r->first_meeting_share);
    ct_buf_puts(b, ", \"mean_shared_contacts\": ");
    json_num(b, r->mean_shared_contacts);
    ct_buf_printf(
        b,
        ", \"invites\": {\"total\": %ld, \"sent\": %ld, \"failed\": %ld,"
        " \"pending\": %ld}, \"accepted\": %ld, \"declined\": %ld, \"tentative\": %ld,"
        " \"proposed\": %ld, \"outcomes\": %ld, \"met\": %ld, \"not_met\": %ld, \"ratings\": %ld,"
        " \"mean_rating\": ",
        r->invites, r->invites_sent, r->invites_failed, r->invites_pending, r->accepted,
        r->declined, r->tentative, r->proposed, r->outcomes, r->met, r->not_met, r->ratings);
    json_num(b, r->mean_rating);
    ct_buf_printf(b, ", \"awaiting_outcome\": %ld, \"awaiting_outcome_all_accepted\": %ld",
                  r->awaiting, r->awaiting_accepted);
    ct_buf_printf(b,
                  ", \"member_actions\": {\"skips\": %ld, \"pauses\": %ld, \"stops\": %ld,"
                  " \"checkins\": %ld, \"rematches\": %ld}",
                  r->skips, r->pauses, r->stops, r->checkins, r->rematches);
    if (is_sent(r)) {
        ct_buf_printf(b,
                      ", \"new_ties\": %ld, \"ties\": %ld, \"participants\": %ld,"
                      " \"organisations\": %ld, \"reach\": ",
                      r->new_ties, r->ties, r->participants, r->organisations);
        json_num(b, r->reach);
        ct_buf_puts(b, ", \"reach_bound\": ");
        json_num(b, r->reach_bound);
        ct_buf_puts(b, ", \"reach_simple_bound\": ");
        json_num(b, r->reach_capacity);
    } else {
        ct_buf_puts(b, ", \"new_ties\": null, \"ties\": null, \"participants\": null,"
                       " \"organisations\": null, \"reach\": null, \"reach_bound\": null,"
                       " \"reach_simple_bound\": null");
    }
    ct_buf_putc(b, '}');
}

bool
ct_report_render_json(const struct ct_report *rep, const struct ct_report_options *opts,
                      struct ct_buf *b)
{
    size_t from, to, i, j, k = rep->orgs_count;
    size_t shown = opts && opts->waits_shown ? opts->waits_shown : 10;
    char when[32];

    format_time(rep->generated_at, when, sizeof(when));
    ct_buf_puts(b, "{\"network\": ");
    json_str(b, opts && opts->title ? opts->title : NULL);
    ct_buf_puts(b, ", \"generated_at\": ");
    json_str(b, when);
    if (rep->selected >= 0)
        ct_buf_printf(b, ", \"round\": %lld", (long long)rep->rounds[rep->selected].id);
    else
        ct_buf_puts(b, ", \"round\": null");
    ct_buf_puts(b, ",\n \"rounds\": [");
    row_range(rep, &from, &to);
    for (i = from; i < to; i++) {
        ct_buf_puts(b, i > from ? ",\n  " : "\n  ");
        json_round(b, &rep->rounds[i]);
    }
    ct_buf_printf(b,
                  "],\n \"over_time\": {\"rounds_sent\": %ld, \"rounds_cancelled\": %ld,"
                  " \"participants\": %zu, \"pairings\": %ld, \"cross_organisation\": %ld,"
                  " \"distinct_pairs\": %ld, \"ties\": %ld, \"outcomes\": %ld, \"met\": %ld,"
                  " \"ratings\": %ld, \"mean_rating\": ",
                  rep->rounds_sent, rep->cancelled_rounds, rep->members_count, rep->pairings,
                  rep->cross_org, rep->distinct_pairs, rep->ties, rep->outcomes, rep->met,
                  rep->ratings);
    json_num(b, rep->mean_rating);
    ct_buf_puts(b, ", \"reach\": ");
    json_num(b, rep->reach);
    ct_buf_puts(b, ", \"reach_bound\": ");
    json_num(b, rep->reach_bound);
    ct_buf_puts(b, ", \"reach_simple_bound\": ");
    json_num(b, rep->reach_capacity);
    ct_buf_puts(b, ",\n  \"organisations\": [");
    for (i = 0; i < k; i++) {
        ct_buf_puts(b, i ? ", {\"name\": " : "{\"name\": ");
        json_str(b, rep->orgs[i].name);
        ct_buf_printf(b, ", \"participants\": %ld}", rep->orgs[i].members);
    }
    ct_buf_puts(b, "],\n  \"mixing\": [");
    for (i = 0; i < k; i++) {
        ct_buf_puts(b, i ? ",\n   [" : "\n   [");
        for (j = 0; j < k; j++)
            ct_buf_printf(b, "%s%ld", j ? ", " : "", rep->mixing[i * k + j]);
        ct_buf_putc(b, ']');
    }
    ct_buf_puts(b, "],\n  \"other_organisations_met\": [");
    for (i = 0; i < k; i++)
        ct_buf_printf(b, "%s%ld", i ? ", " : "", rep->orgs_met_histogram[i]);
    ct_buf_puts(b, "]},\n \"longest_waits\": [");
    for (i = 0; i < rep->waits_count && i < shown; i++) {
        const struct ct_report_member *m = &rep->members[rep->waits[i]];
        ct_buf_puts(b, i ? ",\n  {\"email\": " : "\n  {\"email\": ");
        json_str(b, m->member.email);
        ct_buf_puts(b, ", \"name\": ");
        json_str(b, m->member.name);
        ct_buf_puts(b, ", \"organisation\": ");
        json_str(b, rep->orgs[m->org].name);
        ct_buf_printf(b, ", \"status\": \"%s\", \"rounds_waited\": %ld, \"last_across\": ",
                      ct_member_status_str(m->member.status), m->waited);
        json_str(b, m->never_crossed ? NULL : m->last_cross);
        ct_buf_putc(b, '}');
    }
    ct_buf_puts(b, "],\n \"members\": [");
    for (i = 0; i < rep->members_count; i++) {
        const struct ct_report_member *m = &rep->members[i];
        ct_buf_puts(b, i ? ",\n  {\"email\": " : "\n  {\"email\": ");
        json_str(b, m->member.email);
        ct_buf_puts(b, ", \"name\": ");
        json_str(b, m->member.name);
        ct_buf_puts(b, ", \"organisation\": ");
        json_str(b, rep->orgs[m->org].name);
        ct_buf_printf(b,
                      ", \"status\": \"%s\", \"rounds\": %ld, \"partners\": %ld,"
                      " \"other_organisations_met\": %ld, \"rounds_since_across\": %ld,"
                      " \"last_across\": ",
                      ct_member_status_str(m->member.status), m->rounds, m->partners, m->orgs_met,
                      m->waited);
        json_str(b, m->never_crossed ? NULL : m->last_cross);
        ct_buf_putc(b, '}');
    }
    ct_buf_puts(b, "],\n");
    json_rc(rep, b);
    ct_buf_puts(b, "}\n");
    return !b->failed;
}

/* ---- CSV ------------------------------------------------------------------------- */

static void
csv_num(struct ct_buf *b, double v)
{
    ct_buf_putc(b, ',');
    if (!isnan(v) && !isinf(v))
        ct_buf_printf(b, "%.4f", v);
}

/*
 * The RC section in one column: meetings held in round i across the
 * section's weak links (docs/relational-coordination.md); empty without a
 * survey.
 */
static void
csv_weak_link_meetings(struct ct_buf *b, const struct ct_report *rep, size_t i)
{
    long sum = 0;
    size_t j;

    ct_buf_putc(b, ',');
    if (rep->rc_count == 0)
        return;
    for (j = 0; j < rep->rc_count; j++)
        sum += rep->rc_links[j].meetings ? rep->rc_links[j].meetings[i] : 0;
    ct_buf_printf(b, "%ld", sum);
}

bool
ct_report_render_csv(const struct ct_report *rep, const struct ct_report_options *opts,
                     struct ct_buf *b)
{
    size_t from, to, i;

    (void)opts;
    ct_buf_puts(b, "round,date,state,eligible,grouped,groups,trios,fours,unpaired,sat_out,pairings,"
                   "cross_organisation,cross_organisation_share,first_meetings,"
                   "first_meeting_share,mean_shared_contacts,invites,invites_sent,"
                   "invites_failed,invites_pending,accepted,declined,tentative,outcomes,met,"
                   "not_met,ratings,mean_rating,awaiting_outcome,awaiting_outcome_all_accepted,"
                   "new_ties,ties,participants,organisations,reach,"
                   "reach_bound,reach_simple_bound,proposed,weak_link_meetings,skips,pauses,"
                   "stops,checkins,rematches\r\n");
    row_range(rep, &from, &to);
    for (i = from; i < to; i++) {
        const struct ct_report_round *r = &rep->rounds[i];
        ct_buf_printf(b, "%lld,%s,%s,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld", (long long)r->id,
                      r->date, ct_round_state_str(r->state), r->eligible, r->grouped, r->groups,
                      r->trios, r->fours, r->unpaired, r->sat_out, r->pairings, r->cross_org);
        csv_num(b, r->cross_org_share);
        ct_buf_printf(b, ",%ld", r->first_meetings);
        csv_num(b, r->first_meeting_share);
        csv_num(b, r->mean_shared_contacts);
        ct_buf_printf(b, ",%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld,%ld", r->invites,
                      r->invites_sent, r->invites_failed, r->invites_pending, r->accepted,
                      r->declined, r->tentative, r->outcomes, r->met, r->not_met, r->ratings);
        csv_num(b, r->mean_rating);
        ct_buf_printf(b, ",%ld,%ld", r->awaiting, r->awaiting_accepted);
        if (is_sent(r)) {
            ct_buf_printf(b, ",%ld,%ld,%ld,%ld", r->new_ties, r->ties, r->participants,
                          r->organisations);
            csv_num(b, r->reach);
            csv_num(b, r->reach_bound);
            csv_num(b, r->reach_capacity);
        } else {
            ct_buf_puts(b, ",,,,,,,");
        }
        /* Appended last, so scripts reading columns by position keep working. */
        ct_buf_printf(b, ",%ld", r->proposed);
        csv_weak_link_meetings(b, rep, i);
        ct_buf_printf(b, ",%ld,%ld,%ld,%ld,%ld", r->skips, r->pauses, r->stops, r->checkins,
                      r->rematches);
        ct_buf_puts(b, "\r\n");
    }
    return !b->failed;
}
