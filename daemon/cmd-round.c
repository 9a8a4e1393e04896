/*
 * cmd-round.c: "coffeetrial round ...": plan a round (or preview one with
 * --dry-run), show one with its groups and, with --explain, each group's
 * score by rule, list them, send one and cancel one. Text output keeps to
 * 80 columns; --format json is documented in docs/rounds.md.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <libical/ical.h>

#include "cli.h"
#include "clock.h"
#include "answers.h"
#include "json.h"
#include "replies.h"
#include "member_actions.h"
#include "rounds.h"
#include "tz.h"
#include "util.h"
#include "validate.h"

#define WIDTH 80

static bool
parse_id(const char *s, int64_t *id)
{
    char *end;
    long long v;

    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < 1)
        return false;
    *id = (int64_t)v;
    return true;
}

/* The ROUND_ID operand of show, send and cancel. OUT: *id. */
static int
round_id(const char *s, int64_t *id)
{
    if (!parse_id(s, id)) {
        ct_cli_error("'%s' is not a round number (see coffeetrial round list)", s);
        return EX_USAGE;
    }
    return EX_OK;
}

/* --- text helpers ------------------------------------------------------------------ */

/* Append s cut to at most width columns, ending in "…" when cut. */
static void
put_fitted(struct ct_buf *b, const char *s, size_t width)
{
    size_t n = 0;
    const char *p;

    if (ct_utf8_width(s) <= width) {
        ct_buf_puts(b, s);
        return;
    }
    if (width == 0)
        return;
    for (p = s; *p; p++) {
        if (((unsigned char)*p & 0xc0) != 0x80) {
            if (n == width - 1)
                break;
            n++;
        }
        ct_buf_putc(b, *p);
    }
    ct_buf_puts(b, "\xe2\x80\xa6");
}

static const char *
person_name(const struct ct_round_person *p)
{
    if (p->member.name && *p->member.name)
        return p->member.name;
    return p->member.email ? p->member.email : "[erased]";
}

/*
 * An organisation's initials, for lines too narrow for its name: the first
 * letter of each word but small words ("Riverside University Hospitals"
 * is RUH, "St Brigid's Hospice" SBH). Written to out (NUL-terminated).
 */
static void
initials(const char *s, char *out, size_t size)
{
    static const char *const small[] = {"of", "and", "the", "for", "&", "de", "la", "du"};
    size_t n = 0, i;
    const char *p = s;

    while (*p && n + 5 < size) {
        const char *end;
        size_t len;
        bool skip = false;

        while (*p == ' ' || *p == '-')
            p++;
        if (*p == '\0')
            break;
        for (end = p; *end && *end != ' ' && *end != '-'; end++)
            ;
        len = (size_t)(end - p);
        for (i = 0; i < CT_ARRAY_LEN(small); i++)
            if (strlen(small[i]) == len && strncasecmp(p, small[i], len) == 0)
                skip = true;
        if (!skip && *p >= '0' && *p <= '9') {
            /* A number is kept whole: "Council 34" is C34, not C3. */
            for (; p < end && n + 2 < size; p++)
                out[n++] = *p;
        } else if (!skip) {
            /* The whole first character, however many bytes it takes. */
            out[n++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
            for (p++; ((unsigned char)*p & 0xc0) == 0x80; p++)
                out[n++] = *p;
        }
        p = end;
    }
    out[n] = '\0';
}

static void put_words(struct ct_buf *b, size_t *col, const char *text, size_t indent,
                      bool space_first);

/*
 * The organisation initials a table used, printed once below it in the
 * order first used: a vector of entries and an open-addressing index of
 * them by initials (a large network has thousands of organisations).
 */
struct legend_entry {
    char initials[64];
    const char *full; /* borrowed from the round */
};

struct legend {
    struct legend_entry *items;
    size_t count, cap;
    size_t *slots; /* index + 1 into items; 0: empty */
    size_t nslots; /* a power of two, at least twice count */
    bool failed;
};

static size_t
legend_hash(const char *s)
{
    size_t h = 2166136261u;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Where ini is, or the empty slot it would go in. */
static size_t *
legend_slot(struct legend *lg, const char *ini)
{
    size_t i = legend_hash(ini) & (lg->nslots - 1);

    while (lg->slots[i] && strcmp(lg->items[lg->slots[i] - 1].initials, ini) != 0)
        i = (i + 1) & (lg->nslots - 1);
    return &lg->slots[i];
}

/* Room for one more entry. false: out of memory (lg->failed). */
static bool
legend_grow(struct legend *lg)
{
    size_t i;

    if (lg->count == lg->cap) {
        size_t ncap = lg->cap ? lg->cap * 2 : 32;
        struct legend_entry *grown = realloc(lg->items, ncap * sizeof(*grown));
        if (grown == NULL)
            return !(lg->failed = true);
        lg->items = grown;
        lg->cap = ncap;
    }
    if (2 * (lg->count + 1) > lg->nslots) {
        size_t n = lg->nslots ? lg->nslots * 2 : 64, *old = lg->slots;
        if ((lg->slots = calloc(n, sizeof(*lg->slots))) == NULL) {
            lg->slots = old;
            return !(lg->failed = true);
        }
        lg->nslots = n;
        for (i = 0; i < lg->count; i++)
            *legend_slot(lg, lg->items[i].initials) = i + 1;
        free(old);
    }
    return true;
}

/*
 * Whether org may be shown as ini: true when the legend names ini for org
 * already or added it; false when ini stands for another organisation in
 * this table (then the full name is shown).
 */
static bool
legend_use(struct legend *lg, const char *ini, const char *org)
{
    size_t *slot;

    if (lg->nslots && *(slot = legend_slot(lg, ini)))
        return strcmp(lg->items[*slot - 1].full, org) == 0;
    if (!legend_grow(lg))
        return false;
    snprintf(lg->items[lg->count].initials, sizeof(lg->items[0].initials), "%s", ini);
    lg->items[lg->count].full = org;
    *legend_slot(lg, ini) = ++lg->count;
    return true;
}

/* "NUH = Nottingham University Hospitals", one line each, in the order used. */
static void
put_legend(struct ct_buf *b, const struct legend *lg)
{
    size_t i;

    for (i = 0; i < lg->count; i++)
        ct_buf_printf(b, "%s = %s\n", lg->items[i].initials, lg->items[i].full);
}

/* One member of a group as a line shows them. */
struct member_cell {
    const char *name;
    const char *org; /* full, initials, "left" or "" */
    char short_org[64];
    const char *full_org;
    size_t name_w;
    char answer[128]; /* "accepted", "no answer, proposed ..."; "" when not shown */
};

static size_t
cell_width(const struct member_cell *c)
{
    return c->name_w + (*c->org ? ct_utf8_width(c->org) + 3 : 0);
}

/* Shorten c's organisation to its initials if that is shorter; true if it did. */
static bool
cell_abbreviate(struct member_cell *c, struct legend *lg)
{
    if (c->org != c->full_org || ct_utf8_width(c->org) <= 4)
        return false;
    char base[48];
    int k;

    initials(c->full_org, base, sizeof(base));
    /* Two organisations with the same initials: RUH, then RUH2, RUH3, ... */
    for (k = 1; k < 10; k++) {
        if (k == 1)
            snprintf(c->short_org, sizeof(c->short_org), "%s", base);
        else
            snprintf(c->short_org, sizeof(c->short_org), "%s%d", base, k);
        if (ct_utf8_width(c->short_org) >= ct_utf8_width(c->full_org))
            return false;
        if (legend_use(lg, c->short_org, c->full_org)) {
            c->org = c->short_org;
            return true;
        }
    }
    return false;
}

static void
put_cell(struct ct_buf *b, const struct member_cell *c)
{
    put_fitted(b, c->name, c->name_w);
    if (*c->org)
        ct_buf_printf(b, " (%s)", c->org);
}

/*
 * The members of a group from column indent, width columns wide. Without
 * answers, on one line when they fit ("Name (Org) + Name (Org)", the
 * longest organisations shortened to initials first); else one member a
 * line, continuation lines starting "+ ". With answers, one member a line
 * followed by their answer, wrapped. Initials used go into lg.
 */
static void
put_members(struct ct_buf *b, struct member_cell *cells, size_t n, size_t indent, size_t width,
            struct legend *lg)
{
    bool answers = n > 0 && cells[0].answer[0], one_line = !answers;
    size_t i, total;

    if (n == 0) {
        ct_buf_putc(b, '\n');
        return;
    }
    while (one_line) {
        size_t longest = n;

        for (i = 0, total = 3 * (n - 1); i < n; i++)
            total += cell_width(&cells[i]);
        if (total <= width)
            break;
        for (i = 0; i < n; i++)
            if (cells[i].org == cells[i].full_org && ct_utf8_width(cells[i].org) > 4 &&
                (longest == n || ct_utf8_width(cells[i].org) > ct_utf8_width(cells[longest].org)))
                longest = i;
        if (longest == n || !cell_abbreviate(&cells[longest], lg))
            one_line = false;
    }
    if (one_line) {
        for (i = 0; i < n; i++) {
            ct_buf_puts(b, i ? " + " : "");
            put_cell(b, &cells[i]);
        }
        ct_buf_putc(b, '\n');
        return;
    }
    for (i = 0; i < n; i++) {
        size_t lead = i && !answers ? 2 : 0, avail = width - lead, col;

        /* Initials whenever lines are crowded, as the one-line form uses them. */
        if (cells[i].org == cells[i].full_org)
            cell_abbreviate(&cells[i], lg);
        while (cell_width(&cells[i]) > avail && cells[i].name_w > 6)
            cells[i].name_w--;
        if (i)
            ct_buf_printf(b, "%*s", (int)indent, "");
        ct_buf_puts(b, lead ? "+ " : "");
        put_cell(b, &cells[i]);
        if (answers) {
            ct_buf_putc(b, ':');
            col = indent + lead + cell_width(&cells[i]) + 1;
            if (col + 1 + ct_utf8_width(cells[i].answer) > WIDTH) {
                /* The whole answer on a line of its own rather than a date cut in two. */
                ct_buf_printf(b, "\n%*s", (int)indent + 4, "");
                col = indent + 4;
                put_words(b, &col, cells[i].answer, indent + 4, false);
            } else {
                put_words(b, &col, cells[i].answer, indent + 4, true);
            }
        }
        ct_buf_putc(b, '\n');
    }
}

/*
 * Append the words of text at column *col, starting a new line (indented
 * by indent) before a word that would pass WIDTH. space_first: a space
 * goes before the first word.
 */
static void
put_words(struct ct_buf *b, size_t *col, const char *text, size_t indent, bool space_first)
{
    const char *p = text;
    bool space = space_first;

    while (*p == ' ')
        p++;
    while (*p) {
        const char *end = strchr(p, ' ');
        size_t len = end ? (size_t)(end - p) : strlen(p), w;
        char word[1024];

        snprintf(word, sizeof(word), "%.*s", (int)(len < sizeof(word) - 1 ? len : sizeof(word) - 1),
                 p);
        w = ct_utf8_width(word);
        if (*col > indent && *col + (space ? 1 : 0) + w > WIDTH) {
            ct_buf_printf(b, "\n%*s", (int)indent, "");
            *col = indent;
            space = false;
        }
        if (space) {
            ct_buf_putc(b, ' ');
            (*col)++;
        }
        ct_buf_puts(b, word);
        *col += w;
        space = true;
        p += len;
        while (*p == ' ')
            p++;
    }
}

/* Append first, then text word-wrapped at WIDTH with continuation lines indented. */
static void
put_wrapped(struct ct_buf *b, const char *first, const char *text, size_t indent)
{
    size_t col = ct_utf8_width(first);

    ct_buf_puts(b, first);
    put_words(b, &col, text, indent, false);
    ct_buf_putc(b, '\n');
}

/* "Wed 09 Dec 10:00" in zone (IANA, NULL or unknown: UTC). */
static void
local_when(int64_t t, const char *zone_name, char *out, size_t size)
{
    static const char *const days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                         "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    icaltimezone *zone = ct_tz_or_utc(zone_name);
    struct icaltimetype lt;
    int dow;

    if (t <= 0) {
        snprintf(out, size, "-");
        return;
    }
    lt = icaltime_from_timet_with_zone((time_t)t, 0, zone);
    dow = icaltime_day_of_week(lt) - 1;
    snprintf(out, size, "%s %02d %s %02d:%02d", days[dow >= 0 && dow < 7 ? dow : 0], lt.day,
             months[lt.month >= 1 && lt.month <= 12 ? lt.month - 1 : 0], lt.hour, lt.minute);
}

/* "2026-12-09 10:00" in zone, for dates of record. */
static void
local_stamp(int64_t t, const char *zone_name, char *out, size_t size)
{
    icaltimezone *zone = ct_tz_or_utc(zone_name);
    struct icaltimetype lt;

    lt = icaltime_from_timet_with_zone((time_t)t, 0, zone);
    snprintf(out, size, "%04d-%02d-%02d %02d:%02d", lt.year, lt.month, lt.day, lt.hour, lt.minute);
}

/* Groups of each size 2 .. CT_GROUP_MAX. OUT: n[size]. */
static void
size_counts(const struct ct_round *r, size_t n[CT_GROUP_MAX + 1])
{
    size_t i;

    memset(n, 0, (CT_GROUP_MAX + 1) * sizeof(*n));
    for (i = 0; i < r->group_count; i++)
        if (r->groups[i].member_count <= CT_GROUP_MAX)
            n[r->groups[i].member_count]++;
}

/* The pairs among a group's n members. */
static size_t
pair_count(size_t n)
{
    return n * (n - 1) / 2;
}

/*
 * Append items joined by sep after first, wrapped at WIDTH between items;
 * an item longer than a whole line is wrapped between its words.
 * Continuation lines are indented by indent.
 */
static void
put_items(struct ct_buf *b, const char *first, char *const *items, size_t n, const char *sep,
          size_t indent)
{
    size_t col = ct_utf8_width(first), i, trimmed = strlen(sep);

    while (trimmed > 0 && sep[trimmed - 1] == ' ')
        trimmed--;
    ct_buf_puts(b, first);
    for (i = 0; i < n; i++) {
        char *text = ct_asprintf("%s%.*s", items[i], i + 1 < n ? (int)trimmed : 0, sep);
        size_t w;
        bool space = i > 0;

        if (text == NULL) {
            b->failed = true;
            return;
        }
        w = ct_utf8_width(text);
        if (indent + w > WIDTH) {
            put_words(b, &col, text, indent, space);
        } else {
            if (col > indent && col + (space ? 1 : 0) + w > WIDTH) {
                ct_buf_printf(b, "\n%*s", (int)indent, "");
                col = indent;
                space = false;
            }
            if (space) {
                ct_buf_putc(b, ' ');
                col++;
            }
            ct_buf_puts(b, text);
            col += w;
        }
        free(text);
    }
    ct_buf_putc(b, '\n');
}

/*
 * A trio's reasons come per pair ("A & B: different team"): one item per
 * reason, followed by the pairs it holds for unless it holds for all
 * three. OUT: items[0..*n) (heap), at most max.
 */
static void
trio_reasons(const struct ct_round_group *g, char **items, size_t max, size_t *n, bool *failed)
{
    size_t i, j;
    bool *done = calloc(g->reason_count ? g->reason_count : 1, sizeof(*done));

    *n = 0;
    if (done == NULL) {
        *failed = true;
        return;
    }
    for (i = 0; i < g->reason_count && *n < max; i++) {
        const char *text = strstr(g->reasons[i], ": ");
        struct ct_buf pairs;
        size_t count = 0;

        if (done[i])
            continue;
        text = text ? text + 2 : g->reasons[i];
        ct_buf_init(&pairs);
        for (j = i; j < g->reason_count; j++) {
            const char *other = strstr(g->reasons[j], ": ");
            if (done[j] || strcmp(other ? other + 2 : g->reasons[j], text) != 0)
                continue;
            done[j] = true;
            if (other)
                ct_buf_printf(&pairs, "%s%.*s", count++ ? "; " : "", (int)(other - g->reasons[j]),
                              g->reasons[j]);
        }
        /* "new organisation for Ana" names its pairs already. */
        for (j = 0; j < g->member_count && count > 0 && count < pair_count(g->member_count); j++)
            if (g->members[j].member.name && strstr(text, g->members[j].member.name))
                count = 0;
        if (count == 0 || count >= pair_count(g->member_count))
            items[*n] = ct_asprintf("%s", text);
        else
            items[*n] = ct_asprintf("%s (%s)", text, pairs.data ? pairs.data : "");
        ct_buf_free(&pairs);
        if (items[(*n)++] == NULL)
            *failed = true;
    }
    free(done);
}

static void
put_explain(struct ct_buf *b, const struct ct_round_group *g)
{
    char *terms[CT_ROUND_TERMS + 1], *why[64];
    size_t i, n = 0, nwhy = 0;

    for (i = 0; i < CT_ROUND_TERMS; i++)
        if (g->terms[i] != 0)
            terms[n++] = ct_asprintf("%s %+.2f", ct_rounds_term_label(i), g->terms[i]);
    terms[n++] = ct_asprintf("= %.2f", g->score);
    for (i = 0; i < n; i++)
        if (terms[i] == NULL)
            b->failed = true;
    if (!b->failed)
        put_items(b, "       score: ", terms, n, " ", 14);
    for (i = 0; i < n; i++)
        free(terms[i]);
    if (g->member_count >= 3) {
        trio_reasons(g, why, CT_ARRAY_LEN(why), &nwhy, &b->failed);
        if (nwhy > 0 && !b->failed)
            put_items(b, "       why: ", why, nwhy, "; ", 12);
        for (i = 0; i < nwhy; i++)
            free(why[i]);
    } else if (g->reason_count > 0) {
        put_items(b, "       why: ", g->reasons, g->reason_count, "; ", 12);
    }
}

/*
 * The plain word for how well a group fits the rules (docs/rounds.md):
 * its score without the random term, per pair, as a share of the most a
 * pair can score under cfg's weights: strong from 75%, good from 50%,
 * fair from 25%, else low; "" when the weights give no maximum.
 */
static const char *
fit_word(const struct ct_round_group *g, const struct ct_config *cfg)
{
    double most = 0, share;
    size_t i;

    /* Every term at its best but repeat (a penalty) and random; novelty
     * gives up to 1.5 times its weight (pairing.c, novelty_side). */
    for (i = 0; i < CT_WEIGHT_COUNT; i++) {
        double w = cfg->pairing.weight[i];
        if (i == CT_W_REPEAT || i == CT_W_RANDOM || w <= 0)
            continue;
        most += i == CT_W_NOVELTY ? 1.5 * w : w;
    }
    if (most <= 0)
        return "";
    /* The random term is the last (round.h). */
    share = (g->score - g->terms[CT_ROUND_TERMS - 1]) / (double)pair_count(g->member_count) / most;
    return share >= 0.75 ? "strong" : share >= 0.5 ? "good" : share >= 0.25 ? "fair" : "low";
}

/* What a text view of a round shows besides the groups. */
struct round_view {
    const struct ct_config *cfg;
    bool explain;                         /* the score figure and its breakdown */
    bool planned_now;                     /* printed by round plan */
    bool declined_only;                   /* only groups with a decline */
    const struct ct_answer_list *answers; /* NULL: no answers column (not sent) */
    const struct ct_replies_held *held;   /* replies held for the organiser */
    size_t held_count;
};

/* "Tue 9 Dec 14:00 (Europe/London)" */
static void
proposed_when(int64_t t, const char *zone_name, char *out, size_t size)
{
    char when[32];
    const char *p;

    local_when(t, zone_name, when, sizeof(when));
    p = when[4] == '0' ? when + 5 : when + 4;
    snprintf(out, size, "%.4s%s (%s)", when, p, zone_name ? zone_name : "UTC");
}

/* The answer text of a member of g; "" when the view shows no answers. */
static void
answer_text(const struct round_view *v, const struct ct_round_group *g,
            const struct ct_round_person *p, char *out, size_t size)
{
    const struct ct_answer *a;
    char when[64];

    out[0] = '\0';
    if (v->answers == NULL)
        return;
    if (p->removed) {
        snprintf(out, size, "left the group");
        return;
    }
    a = ct_answers_find(v->answers, g->id, p->member.id);
    if (a == NULL || a->partstat == CT_PARTSTAT_NEEDS_ACTION)
        snprintf(out, size, "no answer");
    else
        snprintf(out, size, "%s", ct_answers_word(a->partstat));
    if (a && a->proposed_start > 0) {
        proposed_when(a->proposed_start,
                      p->member.timezone ? p->member.timezone : v->cfg->network.timezone, when,
                      sizeof(when));
        size_t len = strlen(out);
        snprintf(out + len, size - len, ", proposed %s", when);
    }
}

/* Whether a member still in g declined. */
static bool
group_declined(const struct round_view *v, const struct ct_round_group *g)
{
    size_t i;

    for (i = 0; v->answers && i < g->member_count; i++) {
        const struct ct_answer *a = ct_answers_find(v->answers, g->id, g->members[i].member.id);
        if (!g->members[i].removed && a && a->partstat == CT_PARTSTAT_DECLINED)
            return true;
    }
    return false;
}

/* A group re-formed at send: what it was re-formed from (docs/rounds.md "After review"). */
static void
put_reformed(struct ct_buf *b, const struct ct_round_group *g)
{
    char *text;

    if (g->reformed == NULL)
        return;
    text = ct_asprintf("(re-formed at send: %s)", g->reformed);
    if (text == NULL) {
        b->failed = true;
        return;
    }
    put_wrapped(b, "      ", text, 6);
    free(text);
}

/*
 * One group of the table: GROUP, FIT (or SCORE under --explain), WHEN and
 * the members (with their answers once sent), then the breakdown under
 * --explain. Initials used go into lg.
 */
static void
put_group(struct ct_buf *b, const struct round_view *v, const struct ct_round *r,
          const struct ct_round_group *g, struct legend *lg)
{
    struct member_cell cells[CT_GROUP_MAX];
    size_t width = WIDTH - 33, indent = 33, i;
    char when[32];

    local_when(g->slot_start, v->cfg->network.timezone, when, sizeof(when));
    if (g->id > 0)
        ct_buf_printf(b, "%5" PRId64, g->id);
    else
        ct_buf_printf(b, "%5s", "-");
    if (v->explain)
        ct_buf_printf(b, "  %6.2f  %-16s  ", g->score, when);
    else
        ct_buf_printf(b, "  %-6s  %-16s  ", fit_word(g, v->cfg), when);
    if (g->state == CT_GROUP_CANCELLED && r->state != CT_ROUND_CANCELLED &&
        r->state != CT_ROUND_REPLACED) {
        ct_buf_puts(b, "[off] ");
        width -= 6;
        indent += 6;
    }
    memset(cells, 0, sizeof(cells));
    for (i = 0; i < g->member_count && i < CT_GROUP_MAX; i++) {
        const struct ct_round_person *p = &g->members[i];
        cells[i].name = person_name(p);
        cells[i].name_w = ct_utf8_width(cells[i].name);
        cells[i].full_org =
            p->removed ? "left" : (p->member.organisation ? p->member.organisation : "");
        cells[i].org = cells[i].full_org;
        answer_text(v, g, p, cells[i].answer, sizeof(cells[i].answer));
    }
    put_members(b, cells, i, indent, width, lg);
    put_reformed(b, g);
    if (v->explain)
        put_explain(b, g);
}

/*
 * Replies held for the organiser (docs/outcomes.md, "Replies you can
 * trust"): never applied, one line each with the reason.
 */
static void
put_held(struct ct_buf *b, const struct round_view *v, const struct ct_round *r)
{
    char head[160];
    size_t i;

    if (v->held_count == 0)
        return;
    ct_buf_printf(b, "held replies, not applied (coffeetrial outcome held --round %" PRId64 "):\n",
                  r->id);
    for (i = 0; i < v->held_count; i++) {
        const struct ct_replies_held *h = &v->held[i];
        snprintf(head, sizeof(head), "  #%" PRId64 " group %" PRId64 ": %s for %s: ", h->id,
                 h->group_id, ct_reply_partstat_name(h->partstat), h->attendee);
        put_wrapped(b, head, h->reason, 6);
    }
}

/* The table of groups, and the legend of the initials it used. */
static void
put_groups(struct ct_buf *b, const struct round_view *v, const struct ct_round *r)
{
    struct legend legend = {0}, *lg = &legend;
    size_t i, shown = 0;

    for (i = 0; i < r->group_count; i++) {
        if (v->declined_only && !group_declined(v, &r->groups[i]))
            continue;
        if (shown++ == 0)
            ct_buf_printf(b, v->explain ? "%5s  %6s  %-16s  %s\n" : "%5s  %-6s  %-16s  %s\n",
                          "GROUP", v->explain ? "SCORE" : "FIT", "WHEN",
                          v->answers ? "MEMBERS: ANSWERS" : "MEMBERS");
        put_group(b, v, r, &r->groups[i], lg);
    }
    if (v->declined_only && shown == 0)
        ct_buf_puts(b, "no group has a decline\n");
    put_held(b, v, r);
    put_legend(b, lg);
    if (lg->failed)
        b->failed = true;
    free(lg->items);
    free(lg->slots);
}

/* What changed since the plan was reviewed, one line per planned group. */
static void
put_changes(struct ct_buf *b, const struct ct_round *r)
{
    size_t i;

    if (r->change_count > 0)
        ct_buf_puts(b, r->state == CT_ROUND_PLANNED ? "changed since the plan (handled at send):\n"
                                                    : "changed since the plan:\n");
    for (i = 0; i < r->change_count; i++)
        put_wrapped(b, "  ", r->changes[i].line, 4);
}

/* The sum of the round's group scores: a plan and its --exact optimum compare on it. */
static double
round_total_score(const struct ct_round *r)
{
    double total = 0;
    size_t i;

    for (i = 0; i < r->group_count; i++)
        total += r->groups[i].score;
    return total;
}

/* n with a comma between thousands ("41,000"), into out. */
static void
thousands(size_t n, char *out, size_t size)
{
    char digits[32];
    size_t len, i, o = 0;

    len = (size_t)snprintf(digits, sizeof(digits), "%zu", n);
    for (i = 0; i < len && o + 2 < size; i++) {
        if (i > 0 && (len - i) % 3 == 0)
            out[o++] = ',';
        out[o++] = digits[i];
    }
    out[o] = '\0';
}

/* A planned round part-way through its send: how many groups are queued, and how to finish. */
static void
put_send_progress(struct ct_buf *b, const struct ct_round *r)
{
    size_t i, queued = 0, planned = 0;
    char a[32], c[32];

    for (i = 0; i < r->group_count; i++) {
        queued += r->groups[i].state == CT_GROUP_SENT;
        planned += r->groups[i].state == CT_GROUP_PLANNED;
    }
    if (queued == 0)
        return;
    thousands(queued, a, sizeof(a));
    thousands(queued + planned, c, sizeof(c));
    ct_buf_printf(b, "sending: %s of %s groups queued; round send %" PRId64 " queues the rest\n", a,
                  c, r->id);
}

/* " (12 of 4, 1 of 3)": the groups by size, largest first. */
static void
put_sizes(struct ct_buf *b, const size_t sizes[CT_GROUP_MAX + 1])
{
    const char *sep = " (";
    size_t s;

    for (s = CT_GROUP_MAX; s >= 2; s--)
        if (sizes[s]) {
            ct_buf_printf(b, "%s%zu of %zu", sep, sizes[s], s);
            sep = ", ";
        }
    if (*sep == ',')
        ct_buf_putc(b, ')');
}

static void
print_round_text(const struct ct_round *r, const struct round_view *v)
{
    const char *zone = v->cfg->network.timezone;
    bool planned_now = v->planned_now;
    struct ct_buf b;
    char when[32], head[256];
    size_t i, sizes[CT_GROUP_MAX + 1];

    ct_buf_init(&b);
    if (r->dry_run)
        ct_buf_printf(&b, "dry run for %s (seed %" PRIu64 "): nothing was written\n", r->date,
                      r->seed);
    else
        ct_buf_printf(&b, "round %" PRId64 " for %s (seed %" PRIu64 "): %s\n", r->id, r->date,
                      r->seed, ct_round_state_str(r->state));
    ct_buf_printf(&b, "%zu group%s", r->group_count, r->group_count == 1 ? "" : "s");
    size_counts(r, sizes);
    if (v->cfg->pairing.group_size > 2 || sizes[4] > 0)
        put_sizes(&b, sizes);
    else if (sizes[3])
        ct_buf_printf(&b, " (%zu trio%s)", sizes[3], sizes[3] == 1 ? "" : "s");
    ct_buf_printf(&b, ", %zu unpaired", r->unpaired_count);
    if (planned_now)
        ct_buf_printf(&b, ", of %zu eligible", r->eligible);
    ct_buf_printf(&b, "; times in %s\n", zone);
    if (!planned_now && r->sent_at > 0) {
        local_stamp(r->sent_at, zone, when, sizeof(when));
        ct_buf_printf(&b, "sent %s", when);
        ct_buf_printf(&b, r->cancelled_at > 0 ? "; " : "\n");
    }
    if (!planned_now && r->cancelled_at > 0) {
        local_stamp(r->cancelled_at, zone, when, sizeof(when));
        ct_buf_printf(&b, "cancelled %s\n", when);
    }
    if (!planned_now && r->state == CT_ROUND_PLANNED && r->send_after > 0) {
        local_stamp(r->send_after, zone, when, sizeof(when));
        ct_buf_printf(&b, "coffeetriald sends it at %s unless it is cancelled or replanned\n",
                      when);
    }
    if (r->replaced > 0)
        ct_buf_printf(&b, "it replaces round %" PRId64 ", planned before for this date\n",
                      r->replaced);
    if (planned_now && r->exact)
        ct_buf_printf(&b, "total score %.2f: %s\n", round_total_score(r),
                      r->optimal ? "proven optimal over every allowed pair"
                                 : "NOT proven optimal (the candidates could not place everyone)");
    if (!planned_now && r->state == CT_ROUND_PLANNED)
        put_send_progress(&b, r);
    put_groups(&b, v, r);
    if (r->unpaired_count > 0 && !v->declined_only)
        ct_buf_puts(&b, "unpaired:\n");
    for (i = 0; i < r->unpaired_count && !v->declined_only; i++) {
        const struct ct_round_unpaired *u = &r->unpaired[i];
        snprintf(head, sizeof(head), "  %s: ",
                 u->member.member.email ? u->member.member.email : person_name(&u->member));
        put_wrapped(&b, head, u->reason, 6);
    }
    put_changes(&b, r);
    if (b.failed) {
        ct_cli_error("out of memory");
    } else {
        fwrite(b.data, 1, b.len, stdout);
    }
    ct_buf_free(&b);
}

/* --- JSON ------------------------------------------------------------------------- */

static void
json_time(struct ct_buf *b, int64_t t)
{
    char when[32];
    time_t tt = (time_t)t;
    struct tm tm;

    if (t <= 0 || gmtime_r(&tt, &tm) == NULL) {
        ct_buf_puts(b, "null");
        return;
    }
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    ct_json_escape(b, when);
}

static void
json_number(struct ct_buf *b, double v)
{
    char text[64];

    snprintf(text, sizeof(text), "%.2f", v);
    if (strcmp(text, "-0.00") == 0)
        snprintf(text, sizeof(text), "0.00");
    ct_buf_puts(b, text);
}

/*
 * round show: "changes", what changed since the plan ({"group", "cause",
 * "outcome", "line"} per planned group), and each re-formed group's
 * "reformed" (docs/rounds.md "After review").
 */
static void
json_changes(struct ct_buf *b, const struct ct_round *r)
{
    size_t i;

    ct_buf_puts(b, ",\n \"changes\": [");
    for (i = 0; i < r->change_count; i++) {
        const struct ct_round_change *c = &r->changes[i];
        ct_buf_printf(b, "%s{\"group\": %" PRId64 ", \"cause\": ", i ? ",\n  " : "\n  ",
                      c->group_id);
        ct_json_escape(b, c->cause);
        ct_buf_puts(b, ", \"outcome\": ");
        if (c->outcome)
            ct_json_escape(b, c->outcome);
        else
            ct_buf_puts(b, "null");
        ct_buf_puts(b, ", \"line\": ");
        ct_json_escape(b, c->line);
        ct_buf_puts(b, "}");
    }
    ct_buf_puts(b, "]");
}

/*
 * round show's "answers" ({"email": "accepted", ...}, every member still
 * in the group) and "proposed" ({"email": "ISO UTC"}, members who proposed
 * another time) of group g.
 */
static void
json_answers(struct ct_buf *b, const struct ct_round_group *g, const struct ct_answer_list *list)
{
    size_t j, n = 0;

    ct_buf_puts(b, ", \"answers\": {");
    for (j = 0; j < g->member_count; j++) {
        const struct ct_answer *a = ct_answers_find(list, g->id, g->members[j].member.id);
        if (g->members[j].removed || g->members[j].member.email == NULL)
            continue;
        ct_buf_puts(b, n++ ? ", " : "");
        ct_json_escape(b, g->members[j].member.email);
        ct_buf_puts(b, ": ");
        ct_json_escape(b, ct_answers_word(a ? a->partstat : CT_PARTSTAT_NEEDS_ACTION));
    }
    ct_buf_puts(b, "}, \"proposed\": {");
    for (j = 0, n = 0; j < g->member_count; j++) {
        const struct ct_answer *a = ct_answers_find(list, g->id, g->members[j].member.id);
        if (g->members[j].removed || g->members[j].member.email == NULL || a == NULL ||
            a->proposed_start <= 0)
            continue;
        ct_buf_puts(b, n++ ? ", " : "");
        ct_json_escape(b, g->members[j].member.email);
        ct_buf_puts(b, ": ");
        json_time(b, a->proposed_start);
    }
    ct_buf_puts(b, "}");
}

/* Whether a member still in g declined (list may be NULL). */
static bool
json_declined(const struct ct_round_group *g, const struct ct_answer_list *list)
{
    size_t i;

    for (i = 0; list && i < g->member_count; i++) {
        const struct ct_answer *a = ct_answers_find(list, g->id, g->members[i].member.id);
        if (!g->members[i].removed && a && a->partstat == CT_PARTSTAT_DECLINED)
            return true;
    }
    return false;
}

/* The round's own fields, up to the opening of its "groups" list. */
static void
json_round_head(struct ct_buf *b, const struct ct_round *r)
{
    ct_buf_puts(b, "{\"round\": ");
    if (r->dry_run)
        ct_buf_puts(b, "null");
    else
        ct_buf_printf(b, "%" PRId64, r->id);
    ct_buf_puts(b, ", \"date\": ");
    ct_json_escape(b, r->date);
    ct_buf_printf(b, ", \"seed\": %" PRIu64 ", \"state\": ", r->seed);
    ct_json_escape(b, ct_round_state_str(r->state));
    if (r->dry_run)
        ct_buf_puts(b, ", \"dry_run\": true");
    ct_buf_puts(b, ",\n \"groups\": [");
}

/* The addresses of g's members that are still in it (removed false) or left it (true). */
static void
json_group_emails(struct ct_buf *b, const struct ct_round_group *g, bool removed)
{
    bool first = true;
    size_t j;

    for (j = 0; j < g->member_count; j++) {
        if (g->members[j].removed != removed)
            continue;
        if (!first)
            ct_buf_puts(b, ", ");
        ct_json_escape(b, g->members[j].member.email);
        first = false;
    }
}

/* A group's id, members, score, reasons and slot (the fields every listing has). */
static void
json_group_core(struct ct_buf *b, const struct ct_round_group *g)
{
    size_t j;

    ct_buf_puts(b, "{\"id\": ");
    if (g->id > 0)
        ct_buf_printf(b, "%" PRId64, g->id);
    else
        ct_buf_puts(b, "null");
    ct_buf_puts(b, ", \"members\": [");
    json_group_emails(b, g, false);
    ct_buf_puts(b, "], \"score\": ");
    json_number(b, g->score);
    ct_buf_puts(b, ", \"reasons\": [");
    for (j = 0; j < g->reason_count; j++) {
        if (j)
            ct_buf_puts(b, ", ");
        ct_json_escape(b, g->reasons[j]);
    }
    ct_buf_puts(b, "], \"slot\": ");
    if (g->slot_start > 0) {
        ct_buf_puts(b, "{\"start\": ");
        json_time(b, g->slot_start);
        ct_buf_printf(b, ", \"minutes\": %d}", g->slot_minutes);
    } else {
        ct_buf_puts(b, "null");
    }
}

/* What show adds to a group: state, sequence, left, reformed and the answers. */
static void
json_group_show(struct ct_buf *b, const struct ct_round_group *g,
                const struct ct_answer_list *answers)
{
    ct_buf_puts(b, ", \"state\": ");
    ct_json_escape(b, ct_group_state_str(g->state));
    ct_buf_printf(b, ", \"sequence\": %d, \"left\": [", g->sequence);
    json_group_emails(b, g, true);
    ct_buf_puts(b, "], \"reformed\": ");
    if (g->reformed)
        ct_json_escape(b, g->reformed);
    else
        ct_buf_puts(b, "null");
    json_answers(b, g, answers);
}

/* What explain adds to a group: each term of its score. */
static void
json_group_explain(struct ct_buf *b, const struct ct_round_group *g)
{
    size_t j;

    ct_buf_puts(b, ", \"explain\": {");
    for (j = 0; j < CT_ROUND_TERMS; j++) {
        ct_buf_printf(b, "%s\"%s\": ", j ? ", " : "", ct_rounds_term_name(j));
        json_number(b, g->terms[j]);
    }
    ct_buf_puts(b, "}");
}

/* The "unpaired" list's entries (show and explain add sit_out). */
static void
json_unpaired(struct ct_buf *b, const struct ct_round *r, bool show, bool explain)
{
    size_t i;

    for (i = 0; i < r->unpaired_count; i++) {
        const struct ct_round_unpaired *u = &r->unpaired[i];
        ct_buf_puts(b, i ? ",\n  {\"email\": " : "\n  {\"email\": ");
        ct_json_escape(b, u->member.member.email);
        ct_buf_puts(b, ", \"reason\": ");
        ct_json_escape(b, u->reason);
        if (show || explain)
            ct_buf_printf(b, ", \"sit_out\": %s", u->sit_out ? "true" : "false");
        ct_buf_puts(b, "}");
    }
}

/*
 * A round as JSON: show adds each group's state, sequence, left and, with
 * answers, "answers" and "proposed"; declined_only keeps the groups with
 * a decline.
 */
/* round show's "held": the replies held for the organiser, with the reason. */
static void
json_held(struct ct_buf *b, const struct ct_replies_held *held, size_t count)
{
    size_t i;

    ct_buf_puts(b, ",\n \"held\": [");
    for (i = 0; i < count; i++) {
        ct_buf_printf(b, "%s{\"id\": %" PRId64 ", \"group\": %" PRId64 ", \"attendee\": ",
                      i ? ",\n  " : "\n  ", held[i].id, held[i].group_id);
        ct_json_escape(b, held[i].attendee);
        ct_buf_puts(b, ", \"answer\": ");
        ct_json_escape(b, ct_reply_partstat_name(held[i].partstat));
        ct_buf_puts(b, ", \"reason\": ");
        ct_json_escape(b, held[i].reason);
        ct_buf_puts(b, "}");
    }
    ct_buf_puts(b, "]");
}

static void
json_round(struct ct_buf *b, const struct ct_round *r, bool show, bool explain,
           const struct ct_answer_list *answers, bool declined_only,
           const struct ct_replies_held *held, size_t held_count)
{
    size_t shown = 0;
    size_t i;

    json_round_head(b, r);
    for (i = 0; i < r->group_count; i++) {
        const struct ct_round_group *g = &r->groups[i];

        if (declined_only && !json_declined(g, answers))
            continue;
        ct_buf_puts(b, shown++ ? ",\n  " : "\n  ");
        json_group_core(b, g);
        if (show)
            json_group_show(b, g, answers);
        if (explain)
            json_group_explain(b, g);
        ct_buf_puts(b, "}");
    }
    ct_buf_puts(b, "],\n \"unpaired\": [");
    if (!declined_only)
        json_unpaired(b, r, show, explain);
    ct_buf_puts(b, "]");
    if (show) {
        json_changes(b, r);
        json_held(b, held, held_count);
    }
    ct_buf_puts(b, ",\n \"total_score\": ");
    json_number(b, round_total_score(r));
    if (!show && r->exact)
        ct_buf_printf(b, ", \"optimal\": %s", r->optimal ? "true" : "false");
    ct_buf_puts(b, "}\n");
}

static void
print_round_json(const struct ct_round *r, bool show, bool explain,
                 const struct ct_answer_list *answers, bool declined_only,
                 const struct ct_replies_held *held, size_t held_count)
{
    struct ct_buf b;

    ct_buf_init(&b);
    json_round(&b, r, show, explain, answers, declined_only, held, held_count);
    if (b.failed)
        ct_cli_error("out of memory");
    else
        fwrite(b.data, 1, b.len, stdout);
    ct_buf_free(&b);
}

/* --- commands -------------------------------------------------------------------- */

static int
round_plan(struct ct_cli *cli, const struct ct_args *args)
{
    const char *date = ct_args_get(args, "date"), *seed_arg = ct_args_get(args, "seed"), *bad;
    bool json = strcmp(args->format, "json") == 0;
    struct ct_round_plan_options opts;
    struct ct_round *round = NULL;
    struct ct_store *store;
    struct ct_error err;
    int32_t day;
    int64_t seed;

    memset(&opts, 0, sizeof(opts));
    opts.origin = CT_ROUND_CLI;
    if (date && (bad = ct_parse_date(date, &day)) != NULL) {
        ct_cli_error("--date: '%s': %s (YYYY-MM-DD)", date, bad);
        return EX_USAGE;
    }
    opts.date = date;
    if (seed_arg && !parse_id(seed_arg, &seed)) {
        ct_cli_error("--seed: '%s' is not a number from 1 to %" PRId64, seed_arg,
                     (int64_t)INT64_MAX);
        return EX_USAGE;
    }
    opts.seed = seed_arg ? (uint64_t)seed : 0;
    opts.dry_run = ct_args_has(args, "dry-run");
    opts.exact = ct_args_has(args, "exact");
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_rounds_plan(store, cli->config, &opts, ct_now(), &round, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (json) {
        print_round_json(round, false, false, NULL, false, NULL, 0);
    } else {
        struct round_view view = {.cfg = cli->config, .planned_now = true};
        print_round_text(round, &view);
        if (!round->dry_run)
            printf("review it with: %s round show %" PRId64 " --explain\n"
                   "send it with:   %s round send %" PRId64 "\n",
                   ct_cli_self(cli), round->id, ct_cli_self(cli), round->id);
    }
    ct_round_free(round);
    return EX_OK;
}

/* --- what members did (member_actions.h) ---------------------------------------- */

static const char *
member_label(const char *email)
{
    return email ? email : "a former member";
}

static bool
disagrees(const struct ct_action_round *a, int64_t group_id)
{
    size_t i;

    for (i = 0; i < a->disagree_count; i++)
        if (a->disagree[i] == group_id)
            return true;
    return false;
}

/* round show: who skipped, who checked in (and where they disagree), how many re-matched. */
static void
put_member_actions(struct ct_buf *b, const struct ct_action_round *a)
{
    size_t i;

    if (a->skip_count > 0)
        ct_buf_puts(b, "skipped by members:\n");
    for (i = 0; i < a->skip_count; i++)
        ct_buf_printf(b, "  %s (by %s)\n", member_label(a->skips[i].email),
                      ct_via_str(a->skips[i].via));
    if (a->checkin_count > 0)
        ct_buf_puts(b, "check-ins (did you meet?):\n");
    for (i = 0; i < a->checkin_count; i++) {
        const struct ct_action_round_checkin *c = &a->checkins[i];
        ct_buf_printf(b, "  group %" PRId64 ": %s says %s", c->group_id, member_label(c->email),
                      c->answer == CT_CHECKIN_MET     ? "met"
                      : c->answer == CT_CHECKIN_MOVED ? "not yet (moved)"
                                                      : "not met");
        if (c->rating > 0)
            ct_buf_printf(b, ", rating %d", c->rating);
        ct_buf_printf(b, " (by %s)%s\n", ct_via_str(c->via),
                      disagrees(a, c->group_id) && (i + 1 == a->checkin_count ||
                                                    a->checkins[i + 1].group_id != c->group_id)
                          ? "  <- the group's members disagree"
                          : "");
    }
    if (a->rematched > 0)
        ct_buf_printf(b, "re-matched: %ld member%s put in a new group after the plan\n",
                      a->rematched, a->rematched == 1 ? "" : "s");
}

static void
json_member_actions(struct ct_buf *b, const struct ct_action_round *a)
{
    size_t i;

    ct_buf_puts(b, ",\n \"skips\": [");
    for (i = 0; i < a->skip_count; i++) {
        ct_buf_puts(b, i ? ", {\"email\": " : "{\"email\": ");
        if (a->skips[i].email)
            ct_json_escape(b, a->skips[i].email);
        else
            ct_buf_puts(b, "null");
        ct_buf_puts(b, ", \"via\": ");
        ct_json_escape(b, ct_via_str(a->skips[i].via));
        ct_buf_puts(b, ", \"at\": ");
        json_time(b, a->skips[i].at);
        ct_buf_puts(b, "}");
    }
    ct_buf_puts(b, "],\n \"checkins\": [");
    for (i = 0; i < a->checkin_count; i++) {
        const struct ct_action_round_checkin *c = &a->checkins[i];
        ct_buf_printf(b, "%s{\"group\": %" PRId64 ", \"email\": ", i ? ",\n  " : "\n  ",
                      c->group_id);
        if (c->email)
            ct_json_escape(b, c->email);
        else
            ct_buf_puts(b, "null");
        ct_buf_puts(b, ", \"answer\": ");
        ct_json_escape(b, ct_checkin_str(c->answer));
        if (c->rating > 0)
            ct_buf_printf(b, ", \"rating\": %d", c->rating);
        else
            ct_buf_puts(b, ", \"rating\": null");
        ct_buf_puts(b, ", \"note\": ");
        if (c->note)
            ct_json_escape(b, c->note);
        else
            ct_buf_puts(b, "null");
        ct_buf_puts(b, ", \"via\": ");
        ct_json_escape(b, ct_via_str(c->via));
        ct_buf_puts(b, "}");
    }
    ct_buf_puts(b, "],\n \"disagreements\": [");
    for (i = 0; i < a->disagree_count; i++)
        ct_buf_printf(b, "%s%" PRId64, i ? ", " : "", a->disagree[i]);
    ct_buf_printf(b, "],\n \"rematched\": %ld", a->rematched);
}

/* round show's JSON: the round, then what members did, in one object. */
static void
print_show_json(const struct ct_round *r, bool explain, const struct ct_answer_list *answers,
                bool declined, const struct ct_replies_held *held, size_t held_count,
                const struct ct_action_round *acts)
{
    struct ct_buf b;

    ct_buf_init(&b);
    json_round(&b, r, true, explain, answers, declined, held, held_count);
    if (!b.failed && b.len >= 2)
        b.len -= 2; /* the closing "}\n" */
    json_member_actions(&b, acts);
    ct_buf_puts(&b, "}\n");
    if (b.failed)
        ct_cli_error("out of memory");
    else
        fwrite(b.data, 1, b.len, stdout);
    ct_buf_free(&b);
}

static int
round_show(struct ct_cli *cli, const struct ct_args *args)
{
    bool json = strcmp(args->format, "json") == 0, explain = ct_args_has(args, "explain");
    bool declined = ct_args_has(args, "declined");
    struct ct_answer_list *answers = NULL;
    struct ct_replies_held_filter filter = {0};
    struct ct_replies_held *held = NULL;
    size_t held_count = 0;
    struct ct_round *round = NULL;
    struct ct_action_round acts;
    struct ct_store *store;
    struct ct_error err;
    int64_t id;
    int rc;

    memset(&acts, 0, sizeof(acts));
    if ((rc = round_id(args->operands[0], &id)) != EX_OK)
        return rc;
    if ((store = ct_cli_store_read(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    filter.round_id = id;
    if (ct_rounds_load(store, id, &round, &err) != CT_OK ||
        ct_answers_round(store, id, &answers, &err) != CT_OK ||
        ct_replies_held_list(store, &filter, &held, &held_count, &err) != CT_OK ||
        ct_action_round_load(store, id, &acts, &err) != CT_OK) {
        ct_round_free(round);
        ct_answer_list_free(answers);
        ct_replies_held_free(held, held_count);
        return ct_cli_fail(&err);
    }
    if (json) {
        print_show_json(round, explain, answers, declined, held, held_count, &acts);
    } else {
        struct round_view view = {
            .cfg = cli->config,
            .explain = explain,
            .declined_only = declined,
            .answers = round->sent_at > 0 ? answers : NULL,
            .held = held,
            .held_count = held_count,
        };
        struct ct_buf b;
        print_round_text(round, &view);
        ct_buf_init(&b);
        if (!declined)
            put_member_actions(&b, &acts);
        if (b.len > 0 && !b.failed)
            fwrite(b.data, 1, b.len, stdout);
        ct_buf_free(&b);
    }
    ct_action_round_clear(&acts);
    ct_replies_held_free(held, held_count);
    ct_answer_list_free(answers);
    ct_round_free(round);
    return EX_OK;
}

static int
round_list(struct ct_cli *cli, const struct ct_args *args)
{
    bool json = strcmp(args->format, "json") == 0;
    struct ct_round_list *list = NULL;
    struct ct_store *store;
    struct ct_error err;
    struct ct_buf b;
    char when[32];
    size_t i;

    if ((store = ct_cli_store_read(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_rounds_list(store, &list, &err) != CT_OK)
        return ct_cli_fail(&err);
    ct_buf_init(&b);
    if (json) {
        ct_buf_puts(&b, "{\"rounds\": [");
        for (i = 0; i < list->count; i++) {
            const struct ct_round_summary *s = &list->items[i];
            ct_buf_printf(&b, "%s\n  {\"round\": %" PRId64 ", \"date\": ", i ? "," : "", s->id);
            ct_json_escape(&b, s->date);
            ct_buf_printf(&b, ", \"seed\": %" PRIu64 ", \"state\": ", s->seed);
            ct_json_escape(&b, ct_round_state_str(s->state));
            ct_buf_puts(&b, ", \"origin\": ");
            ct_json_escape(&b, ct_round_origin_str(s->origin));
            ct_buf_printf(&b,
                          ", \"groups\": %zu, \"trios\": %zu, \"members\": %zu, "
                          "\"unpaired\": %zu, \"created_at\": ",
                          s->groups, s->trios, s->members, s->unpaired);
            json_time(&b, s->created_at);
            ct_buf_puts(&b, ", \"send_after\": ");
            json_time(&b, s->state == CT_ROUND_PLANNED ? s->send_after : 0);
            ct_buf_puts(&b, ", \"sent_at\": ");
            json_time(&b, s->sent_at);
            ct_buf_puts(&b, ", \"cancelled_at\": ");
            json_time(&b, s->cancelled_at);
            ct_buf_puts(&b, "}");
        }
        ct_buf_puts(&b, "]}\n");
    } else {
        if (list->count == 0)
            ct_buf_printf(&b, "no rounds yet (plan one with: %s round plan)\n", ct_cli_self(cli));
        else
            ct_buf_printf(&b, "%5s  %-10s  %-9s  %-6s  %6s  %5s  %8s  %s\n", "ROUND", "DATE",
                          "STATE", "ORIGIN", "GROUPS", "TRIOS", "UNPAIRED", "SENT");
        for (i = 0; i < list->count; i++) {
            const struct ct_round_summary *s = &list->items[i];
            if (s->sent_at > 0)
                local_stamp(s->sent_at, cli->config->network.timezone, when, sizeof(when));
            else
                snprintf(when, sizeof(when), "-");
            ct_buf_printf(&b, "%5" PRId64 "  %-10s  %-9s  %-6s  %6zu  %5zu  %8zu  %s\n", s->id,
                          s->date, ct_round_state_str(s->state), ct_round_origin_str(s->origin),
                          s->groups, s->trios, s->unpaired, when);
        }
    }
    if (b.failed)
        ct_cli_error("out of memory");
    else
        fwrite(b.data, 1, b.len, stdout);
    ct_buf_free(&b);
    ct_round_list_free(list);
    return EX_OK;
}

static int
round_send(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_round_changes changes;
    struct ct_round_mail mail;
    struct ct_store *store;
    struct ct_error err;
    int64_t id;
    size_t i;
    int rc;

    if ((rc = round_id(args->operands[0], &id)) != EX_OK)
        return rc;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
#ifdef CT_TEST_HOOKS
    /* "BATCH:AFTER": groups per batch, and stop after that many batches (a crash mid-send). */
    if (getenv("COFFEETRIAL_TEST_SEND_STOP") &&
        sscanf(getenv("COFFEETRIAL_TEST_SEND_STOP"), "%zu:%zu", &ct_rounds_send_test_batch,
               &ct_rounds_send_test_stop_after) != 2) {
        ct_cli_error("COFFEETRIAL_TEST_SEND_STOP: BATCH:AFTER");
        return EX_USAGE;
    }
#endif
    if (ct_rounds_send(store, cli->config, id, ct_now(), &mail, &changes, &err) != CT_OK)
        return ct_cli_fail(&err);
    printf("sent round %" PRId64 ": %zu invitation%s queued for %zu group%s\n", id, mail.messages,
           mail.messages == 1 ? "" : "s", mail.groups, mail.groups == 1 ? "" : "s");
    if (changes.count)
        printf("changed since the plan:\n");
    for (i = 0; i < changes.count; i++)
        printf("  %s\n", changes.items[i].line);
    ct_round_changes_clear(&changes);
    if (mail.reslotted)
        printf("%zu group%s got a new time: the planned one had passed\n", mail.reslotted,
               mail.reslotted == 1 ? "" : "s");
    printf("%s outbox flush delivers them (coffeetriald does so by itself)\n", ct_cli_self(cli));
    return EX_OK;
}

static int
round_cancel(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_round_mail mail;
    struct ct_store *store;
    struct ct_error err;
    int64_t id;
    int rc;

    if ((rc = round_id(args->operands[0], &id)) != EX_OK)
        return rc;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_rounds_cancel(store, cli->config, id, ct_now(), &mail, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (mail.messages == 0)
        printf("cancelled round %" PRId64 ": it was not sent, so nobody is told\n", id);
    else
        printf("cancelled round %" PRId64 ": %zu cancellation%s queued for %zu group%s\n"
               "%s outbox flush delivers them (coffeetriald does so by itself)\n",
               id, mail.messages, mail.messages == 1 ? "" : "s", mail.groups,
               mail.groups == 1 ? "" : "s", ct_cli_self(cli));
    return EX_OK;
}

const struct ct_cmd ct_cmds_round[] = {
    {
        .group = "round",
        .name = "plan",
        .args = "[--date YYYY-MM-DD] [--seed N] [--dry-run] [--exact] [--format text|json]",
        .summary = "pair the eligible members for a round",
        .options =
            {
                {"date", 0, "YYYY-MM-DD",
                 "the round's date (default: today in the network's zone)"},
                {"seed", 0, "N", "replay the plan of this seed (default: draw and store one)"},
                {"dry-run", 0, NULL, "print the plan and write nothing"},
                {"exact", 0, NULL,
                 "prove the optimum over every allowed pair (slow on large rounds)"},
            },
        .formats = "text|json",
        .exec = round_plan,
    },
    {
        .group = "round",
        .name = "show",
        .args = "ID [--explain] [--declined] [--format text|json]",
        .summary = "a round's groups, members' answers and unpaired",
        .options = {{"explain", 0, NULL, "each group's score by rule, and why"},
                    {"declined", 0, NULL, "only the groups where someone declined"}},
        .min_operands = 1,
        .max_operands = 1,
        .formats = "text|json",
        .exec = round_show,
    },
    {
        .group = "round",
        .name = "list",
        .args = "[--format text|json]",
        .summary = "every round, newest first",
        .formats = "text|json",
        .exec = round_list,
    },
    {
        .group = "round",
        .name = "send",
        .args = "ID",
        .summary = "queue a planned round's invitations",
        .min_operands = 1,
        .max_operands = 1,
        .exec = round_send,
    },
    {
        .group = "round",
        .name = "cancel",
        .args = "ID",
        .summary = "cancel a round (and its invitations, if sent)",
        .min_operands = 1,
        .max_operands = 1,
        .exec = round_cancel,
    },
    {
        .group = "round",
        .name = "rematch",
        .args = "ID [--dry-run]",
        .summary = "pair again now the members of a sent round whose partner dropped out",
        .options = {{"dry-run", 0, NULL, "say what would be done and write nothing"}},
        .min_operands = 1,
        .max_operands = 1,
        .exec = ct_cmd_round_rematch, /* cmd-rematch.c */
    },
    {0},
};
