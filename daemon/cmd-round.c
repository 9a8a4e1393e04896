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
#include "json.h"
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
        if (!skip) {
            /* The whole first character, however many bytes it takes. */
            out[n++] = *p >= 'a' && *p <= 'z' ? (char)(*p - 'a' + 'A') : *p;
            for (p++; ((unsigned char)*p & 0xc0) == 0x80; p++)
                out[n++] = *p;
        }
        p = end;
    }
    out[n] = '\0';
}

/*
 * The members of a group on one line of width columns: "Name (Org) +
 * Name (Org)". When that is too long, organisations become their
 * initials, longest first, and then the longest name is shortened.
 */
static void
put_members(struct ct_buf *b, const struct ct_round_group *g, size_t width)
{
    char short_org[3][64];
    const char *orgs[3];
    size_t name_w[3], i, total;

    for (i = 0; i < g->member_count; i++) {
        const struct ct_round_person *p = &g->members[i];
        orgs[i] = p->removed ? "left" : (p->member.organisation ? p->member.organisation : "");
        name_w[i] = ct_utf8_width(person_name(p));
    }
    for (;;) {
        size_t longest = 0, longest_w = 0;

        total = g->member_count > 0 ? 3 * (g->member_count - 1) : 0;
        for (i = 0; i < g->member_count; i++)
            total += name_w[i] + (*orgs[i] ? ct_utf8_width(orgs[i]) + 3 : 0);
        if (total <= width)
            break;
        for (i = 0; i < g->member_count; i++) {
            if (orgs[i] == short_org[i] || g->members[i].removed)
                continue;
            if (ct_utf8_width(orgs[i]) > longest_w) {
                longest = i;
                longest_w = ct_utf8_width(orgs[i]);
            }
        }
        if (longest_w > 4) {
            initials(orgs[longest], short_org[longest], sizeof(short_org[longest]));
            if (ct_utf8_width(short_org[longest]) < longest_w) {
                orgs[longest] = short_org[longest];
                continue;
            }
        }
        for (i = 1, longest = 0; i < g->member_count; i++)
            if (name_w[i] > name_w[longest])
                longest = i;
        if (name_w[longest] <= 6)
            break;
        name_w[longest]--;
    }
    for (i = 0; i < g->member_count; i++) {
        if (i)
            ct_buf_puts(b, " + ");
        put_fitted(b, person_name(&g->members[i]), name_w[i]);
        if (*orgs[i])
            ct_buf_printf(b, " (%s)", orgs[i]);
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

static size_t
trio_count(const struct ct_round *r)
{
    size_t i, n = 0;

    for (i = 0; i < r->group_count; i++)
        n += r->groups[i].member_count == 3;
    return n;
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

static void
put_explain(struct ct_buf *b, const struct ct_round_group *g)
{
    char *terms[CT_ROUND_TERMS + 1];
    size_t i, n = 0;

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
    if (g->reason_count > 0)
        put_items(b, "       why: ", g->reasons, g->reason_count, "; ", 12);
}

static void
print_round_text(const struct ct_round *r, const struct ct_config *cfg, bool explain,
                 bool planned_now)
{
    const char *zone = cfg->network.timezone;
    struct ct_buf b;
    char when[32], head[256];
    size_t i, trios = trio_count(r);

    ct_buf_init(&b);
    if (r->dry_run)
        ct_buf_printf(&b, "dry run for %s (seed %" PRIu64 "): nothing was written\n", r->date,
                      r->seed);
    else
        ct_buf_printf(&b, "round %" PRId64 " for %s (seed %" PRIu64 "): %s\n", r->id, r->date,
                      r->seed, ct_round_state_str(r->state));
    ct_buf_printf(&b, "%zu group%s", r->group_count, r->group_count == 1 ? "" : "s");
    if (trios)
        ct_buf_printf(&b, " (%zu trio%s)", trios, trios == 1 ? "" : "s");
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
    if (r->group_count > 0)
        ct_buf_printf(&b, "%5s %6s  %-16s  %s\n", "GROUP", "SCORE", "WHEN", "MEMBERS");
    for (i = 0; i < r->group_count; i++) {
        const struct ct_round_group *g = &r->groups[i];
        size_t width = WIDTH - 33;

        local_when(g->slot_start, zone, when, sizeof(when));
        if (g->id > 0)
            ct_buf_printf(&b, "%5" PRId64, g->id);
        else
            ct_buf_printf(&b, "%5s", "-");
        ct_buf_printf(&b, " %6.2f  %-16s  ", g->score, when);
        if (g->state == CT_GROUP_CANCELLED && r->state != CT_ROUND_CANCELLED &&
            r->state != CT_ROUND_REPLACED) {
            ct_buf_puts(&b, "[off] ");
            width -= 6;
        }
        put_members(&b, g, width);
        ct_buf_putc(&b, '\n');
        if (explain)
            put_explain(&b, g);
    }
    if (r->unpaired_count > 0)
        ct_buf_puts(&b, "unpaired:\n");
    for (i = 0; i < r->unpaired_count; i++) {
        const struct ct_round_unpaired *u = &r->unpaired[i];
        snprintf(head, sizeof(head), "  %s: ",
                 u->member.member.email ? u->member.member.email : person_name(&u->member));
        put_wrapped(&b, head, u->reason, 6);
    }
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

static void
json_round(struct ct_buf *b, const struct ct_round *r, bool show, bool explain)
{
    size_t i, j;
    bool first;

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
    for (i = 0; i < r->group_count; i++) {
        const struct ct_round_group *g = &r->groups[i];

        ct_buf_puts(b, i ? ",\n  {\"id\": " : "\n  {\"id\": ");
        if (g->id > 0)
            ct_buf_printf(b, "%" PRId64, g->id);
        else
            ct_buf_puts(b, "null");
        ct_buf_puts(b, ", \"members\": [");
        first = true;
        for (j = 0; j < g->member_count; j++) {
            if (g->members[j].removed)
                continue;
            if (!first)
                ct_buf_puts(b, ", ");
            ct_json_escape(b, g->members[j].member.email);
            first = false;
        }
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
        if (show) {
            ct_buf_puts(b, ", \"state\": ");
            ct_json_escape(b, ct_group_state_str(g->state));
            ct_buf_printf(b, ", \"sequence\": %d, \"left\": [", g->sequence);
            first = true;
            for (j = 0; j < g->member_count; j++) {
                if (!g->members[j].removed)
                    continue;
                if (!first)
                    ct_buf_puts(b, ", ");
                ct_json_escape(b, g->members[j].member.email);
                first = false;
            }
            ct_buf_puts(b, "]");
        }
        if (explain) {
            ct_buf_puts(b, ", \"explain\": {");
            for (j = 0; j < CT_ROUND_TERMS; j++) {
                ct_buf_printf(b, "%s\"%s\": ", j ? ", " : "", ct_rounds_term_name(j));
                json_number(b, g->terms[j]);
            }
            ct_buf_puts(b, "}");
        }
        ct_buf_puts(b, "}");
    }
    ct_buf_puts(b, r->group_count ? "],\n \"unpaired\": [" : "],\n \"unpaired\": [");
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
    ct_buf_puts(b, "]}\n");
}

static void
print_round_json(const struct ct_round *r, bool show, bool explain)
{
    struct ct_buf b;

    ct_buf_init(&b);
    json_round(&b, r, show, explain);
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
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_rounds_plan(store, cli->config, &opts, ct_now(), &round, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (json) {
        print_round_json(round, false, false);
    } else {
        print_round_text(round, cli->config, false, true);
        if (!round->dry_run)
            printf("review it with: coffeetrial round show %" PRId64 " --explain\n"
                   "send it with:   coffeetrial round send %" PRId64 "\n",
                   round->id, round->id);
    }
    ct_round_free(round);
    return EX_OK;
}

static int
round_show(struct ct_cli *cli, const struct ct_args *args)
{
    bool json = strcmp(args->format, "json") == 0, explain = ct_args_has(args, "explain");
    struct ct_round *round = NULL;
    struct ct_store *store;
    struct ct_error err;
    int64_t id;
    int rc;

    if ((rc = round_id(args->operands[0], &id)) != EX_OK)
        return rc;
    if ((store = ct_cli_store_read(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_rounds_load(store, id, &round, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (json)
        print_round_json(round, true, explain);
    else
        print_round_text(round, cli->config, explain, false);
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
            ct_buf_puts(&b, "no rounds yet (plan one with: coffeetrial round plan)\n");
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
    if (ct_rounds_send(store, cli->config, id, ct_now(), &mail, &err) != CT_OK)
        return ct_cli_fail(&err);
    printf("sent round %" PRId64 ": %zu invitation%s queued for %zu group%s\n", id, mail.messages,
           mail.messages == 1 ? "" : "s", mail.groups, mail.groups == 1 ? "" : "s");
    if (mail.dropped)
        printf("%zu member%s who left since the plan %s taken out of their groups\n", mail.dropped,
               mail.dropped == 1 ? "" : "s", mail.dropped == 1 ? "was" : "were");
    if (mail.reslotted)
        printf("%zu group%s got a new time: the planned one had passed\n", mail.reslotted,
               mail.reslotted == 1 ? "" : "s");
    printf("coffeetrial outbox flush delivers them (coffeetriald does so by itself)\n");
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
               "coffeetrial outbox flush delivers them (coffeetriald does so by itself)\n",
               id, mail.messages, mail.messages == 1 ? "" : "s", mail.groups,
               mail.groups == 1 ? "" : "s");
    return EX_OK;
}

const struct ct_cmd ct_cmds_round[] = {
    {
        .group = "round",
        .name = "plan",
        .args = "[--date YYYY-MM-DD] [--seed N] [--dry-run] [--format text|json]",
        .summary = "pair the eligible members for a round",
        .options =
            {
                {"date", 0, "YYYY-MM-DD",
                 "the round's date (default: today in the network's zone)"},
                {"seed", 0, "N", "replay the plan of this seed (default: draw and store one)"},
                {"dry-run", 0, NULL, "print the plan and write nothing"},
            },
        .formats = "text|json",
        .exec = round_plan,
    },
    {
        .group = "round",
        .name = "show",
        .args = "ID [--explain] [--format text|json]",
        .summary = "a round's groups and unpaired",
        .options = {{"explain", 0, NULL, "each group's score by rule, and why"}},
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
    {0},
};
