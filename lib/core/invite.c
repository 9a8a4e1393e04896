/*
 * invite.c: the invitation a member receives: cleaning of roster text, the
 * templates, the iCalendar built with libical, the text and HTML bodies, and
 * the MIME message around them; see invite.h.
 */
#include "invite.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libical/ical.h>

#include "tz.h"
#include "util.h"
#include "validate.h"

#define ICS_LINE_MAX    75 /* RFC 5545 3.1: octets per line, without CRLF */
#define HEADER_LINE_MAX 78 /* RFC 5322 2.1.1: the line length to keep to */
#define QP_LINE_MAX     76 /* RFC 2045 6.7: including the soft break '=' */
#define B64_LINE_MAX    76
#define MESSAGE_ID_MAX  900

static const char *const weekdays[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

/* ------------------------------------------------------------------ */
/* Cleaning roster text                                                 */

/*
 * Decode one UTF-8 character at s (len bytes available). Returns its length
 * and sets *cp, or 0 for an invalid sequence (overlong, surrogate, > U+10FFFF).
 */
static size_t
utf8_decode(const unsigned char *s, size_t len, uint32_t *cp)
{
    uint32_t c = s[0], min;
    size_t n, i;

    if (c < 0x80) {
        *cp = c;
        return 1;
    } else if ((c & 0xe0) == 0xc0) {
        n = 2;
        c &= 0x1f;
        min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        n = 3;
        c &= 0x0f;
        min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        n = 4;
        c &= 0x07;
        min = 0x10000;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        c = (c << 6) | (s[i] & 0x3f);
    }
    if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
        return 0;
    *cp = c;
    return n;
}

static void
put_utf8(struct ct_buf *b, uint32_t c)
{
    char out[4];
    size_t n;

    if (c < 0x80) {
        out[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        out[0] = (char)(0xc0 | (c >> 6));
        out[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        out[0] = (char)(0xe0 | (c >> 12));
        out[1] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        out[0] = (char)(0xf0 | (c >> 18));
        out[1] = (char)(0x80 | ((c >> 12) & 0x3f));
        out[2] = (char)(0x80 | ((c >> 6) & 0x3f));
        out[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    ct_buf_append(b, out, n);
}

static bool
is_control(uint32_t c)
{
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029;
}

/*
 * A clean copy of s (NULL gives ""): valid UTF-8, no control characters.
 * With multiline, line breaks (LF, CRLF, CR) are kept as LF; every other
 * control character, and line breaks without multiline, become a space.
 */
static char *
clean_text(const char *s, bool multiline)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    size_t len = strlen((const char *)p), i = 0;
    struct ct_buf b;

    ct_buf_init(&b);
    ct_buf_append(&b, "", 0);
    while (i < len) {
        uint32_t c;
        size_t n = utf8_decode(p + i, len - i, &c);

        if (n == 0) {
            put_utf8(&b, 0xfffd);
            i++;
            continue;
        }
        i += n;
        if (multiline && (c == '\n' || c == '\r')) {
            if (c == '\r' && i < len && p[i] == '\n')
                i++;
            ct_buf_putc(&b, '\n');
        } else if (is_control(c)) {
            ct_buf_putc(&b, ' ');
        } else {
            put_utf8(&b, c);
        }
    }
    return ct_buf_steal(&b);
}

char *
ct_invite_clean_line(const char *s)
{
    return clean_text(s, false);
}

static bool
is_blank(const char *s)
{
    for (; s && *s; s++)
        if (*s != ' ')
            return false;
    return true;
}

/* s cleaned to one line, or fallback (cleaned) if that leaves only spaces. */
static char *
clean_or(const char *s, const char *fallback)
{
    char *t = clean_text(s, false);

    if (t != NULL && is_blank(t)) {
        free(t);
        t = clean_text(fallback, false);
    }
    return t;
}

/* ------------------------------------------------------------------ */
/* Hashes, for IDs and boundaries                                       */

static uint64_t
fnv1a(uint64_t h, const char *s, bool fold_case)
{
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (fold_case && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h ^= c;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

#define FNV_BASIS UINT64_C(0xcbf29ce484222325)

static uint64_t
mix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

/* The organiser's mail domain, lower case, or a reserved name if unusable. */
static char *
domain_of(const char *email)
{
    const char *at = email ? strrchr(email, '@') : NULL;
    char *d;

    if (at == NULL || ct_check_email(email) != NULL)
        return strdup("coffeetrial.invalid");
    d = strdup(at + 1);
    for (char *p = d; p && *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
    return d;
}

/* Characters of s usable in a Message-ID's left part; the rest become '-'. */
static void
put_id_part(struct ct_buf *b, const char *s, size_t max)
{
    size_t n = 0;

    for (; s && *s && n < max; s++, n++) {
        char c = *s;
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '_';
        ct_buf_putc(b, ok ? c : '-');
    }
}

char *
ct_invite_message_id(const char *uid, const char *recipient_email, int sequence, const char *kind,
                     const char *organiser_email)
{
    struct ct_buf b;
    uint64_t h = fnv1a(FNV_BASIS, uid, false);
    char *domain = domain_of(organiser_email), *local = NULL;
    const char *at = uid ? strrchr(uid, '@') : NULL;

    if (domain == NULL)
        return NULL;
    /* The UID's own left part names the group; the hash covers all of it. */
    local = at ? strndup(uid, (size_t)(at - uid)) : ct_strdup(uid ? uid : "");
    h = fnv1a(mix64(h), recipient_email, true);
    h = fnv1a(mix64(h), kind, false);
    ct_buf_init(&b);
    if (local == NULL || *local == '\0')
        ct_buf_puts(&b, "ct");
    else
        put_id_part(&b, local, 200);
    ct_buf_putc(&b, '-');
    put_id_part(&b, kind ? kind : "msg", 16);
    ct_buf_printf(&b, "%d-%016llx@%s", sequence < 0 ? 0 : sequence,
                  (unsigned long long)mix64(h ^ (uint64_t)(sequence < 0 ? 0 : sequence)), domain);
    free(local);
    free(domain);
    return ct_buf_steal(&b);
}

char *
ct_invite_uid(const char *network, const char *round_date, int64_t group_id,
              const char *organiser_email)
{
    struct ct_buf b;
    uint64_t h = fnv1a(FNV_BASIS, network, false);
    char *domain = domain_of(organiser_email);

    if (domain == NULL)
        return NULL;
    h = fnv1a(mix64(h), round_date, false);
    h = mix64(h ^ (uint64_t)group_id);
    ct_buf_init(&b);
    ct_buf_puts(&b, "coffeetrial-");
    put_id_part(&b, round_date, 16);
    ct_buf_printf(&b, "-g%lld-%08llx@%s", (long long)group_id,
                  (unsigned long long)(h & 0xffffffffu), domain);
    free(domain);
    return ct_buf_steal(&b);
}

char *
ct_invite_member_uid(const char *group_uid, const unsigned char *secret, size_t len)
{
    static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
    const char *at = group_uid ? strrchr(group_uid, '@') : NULL;
    uint32_t acc = 0;
    int bits = 0;
    struct ct_buf b;
    size_t i;

    if (at == NULL || secret == NULL || len == 0)
        return NULL;
    ct_buf_init(&b);
    ct_buf_printf(&b, "%.*s-", (int)(at - group_uid), group_uid);
    /* base32 (RFC 4648, lower case, no padding): 5 bits a character. */
    for (i = 0; i < len; i++) {
        acc = (acc << 8) | secret[i];
        bits += 8;
        while (bits >= 5) {
            ct_buf_putc(&b, alphabet[(acc >> (bits - 5)) & 31]);
            bits -= 5;
        }
    }
    if (bits > 0)
        ct_buf_putc(&b, alphabet[(acc << (5 - bits)) & 31]);
    ct_buf_puts(&b, at);
    return ct_buf_steal(&b);
}

/* ------------------------------------------------------------------ */
/* The invitation, cleaned                                              */

struct person {
    char *email, *name, *organisation, *team, *role, *zone_name;
    char *greeting; /* "Hello GREETING," in their own copy; NULL: name */
    icaltimezone *zone;
};

struct prepared {
    const struct ct_invite *inv;
    char *network, *organiser_name, *organiser_email, *uid, *group_uid, *date;
    char *prompts, *opener, *reschedule, *note;
    char *subject_template, *location_template, *url_template, *site;
    struct person m[CT_INVITE_MAX_MEMBERS];
    size_t n;
    char **reasons;
    size_t reason_count;
};

static void
prepared_free(struct prepared *p)
{
    size_t i;

    free(p->network);
    free(p->organiser_name);
    free(p->organiser_email);
    free(p->uid);
    free(p->group_uid);
    free(p->date);
    free(p->prompts);
    free(p->opener);
    free(p->reschedule);
    free(p->note);
    free(p->subject_template);
    free(p->location_template);
    free(p->url_template);
    free(p->site);
    for (i = 0; i < CT_INVITE_MAX_MEMBERS; i++) {
        free(p->m[i].email);
        free(p->m[i].name);
        free(p->m[i].greeting);
        free(p->m[i].organisation);
        free(p->m[i].team);
        free(p->m[i].role);
        free(p->m[i].zone_name);
    }
    for (i = 0; i < p->reason_count; i++)
        free(p->reasons[i]);
    free(p->reasons);
    memset(p, 0, sizeof(*p));
}

/* An address we will put in a header: checked, never rewritten. */
static enum ct_status
check_address(const char *what, const char *addr, struct ct_error *err)
{
    const char *why = ct_check_email(addr);
    char *shown;

    if (why == NULL)
        return CT_OK;
    shown = clean_text(addr, false);
    ct_error_set(err, CT_EDATA, "%s: invalid e-mail address '%s': %s", what, shown ? shown : "",
                 why);
    free(shown);
    return CT_EDATA;
}

static enum ct_status
prepare(const struct ct_invite *inv, struct prepared *p, struct ct_error *err)
{
    const char *net_zone;
    size_t i;
    bool nomem = false;

    memset(p, 0, sizeof(*p));
    p->inv = inv;
    if (inv == NULL)
        return ct_error_set(err, CT_EUSAGE, "no invitation given");
    if (inv->member_count < 2 || inv->member_count > CT_INVITE_MAX_MEMBERS)
        return ct_error_set(err, CT_EDATA, "a group has 2 to %d members, not %zu",
                            CT_INVITE_MAX_MEMBERS, inv->member_count);
    if (inv->duration <= 0)
        return ct_error_set(err, CT_EDATA, "meeting duration must be positive");
    if (inv->uid == NULL || is_blank(inv->uid))
        return ct_error_set(err, CT_EDATA, "invitation has no UID");
    if (check_address("organiser_email", inv->organiser_email, err) != CT_OK)
        return CT_EDATA;
    net_zone = inv->network_timezone;
    if (net_zone != NULL && ct_tz_lookup(net_zone) == NULL)
        return ct_error_set(err, CT_EDATA, "unknown network time zone");
    p->n = inv->member_count;
    for (i = 0; i < p->n; i++) {
        const struct ct_invite_person *src = &inv->members[i];
        struct person *dst = &p->m[i];
        const char *zone = src->timezone ? src->timezone : net_zone;
        char what[32];

        snprintf(what, sizeof(what), "member %zu", i + 1);
        if (check_address(what, src->email, err) != CT_OK) {
            prepared_free(p);
            return CT_EDATA;
        }
        dst->zone = ct_tz_lookup(zone);
        if (dst->zone == NULL) {
            char *shown = clean_text(zone, false);
            ct_error_set(err, CT_EDATA, "%s: unknown time zone '%s'", src->email,
                         shown ? shown : "");
            free(shown);
            prepared_free(p);
            return CT_EDATA;
        }
        dst->email = strdup(src->email);
        dst->name = clean_or(src->name, src->email);
        dst->organisation = src->organisation ? clean_text(src->organisation, false) : NULL;
        dst->team = src->team ? clean_text(src->team, false) : NULL;
        dst->role = src->role ? clean_text(src->role, false) : NULL;
        dst->greeting = inv->greetings[i] ? clean_text(inv->greetings[i], false) : NULL;
        dst->zone_name = strdup(zone ? zone : "UTC");
        nomem |= !dst->email || !dst->name || !dst->zone_name ||
                 (inv->greetings[i] && !dst->greeting) ||
                 (src->organisation && !dst->organisation) || (src->team && !dst->team) ||
                 (src->role && !dst->role);
    }
    p->network = clean_or(inv->network, "Coffee Trial");
    p->organiser_name = clean_or(inv->organiser_name, p->network ? p->network : "");
    p->organiser_email = strdup(inv->organiser_email);
    p->uid = clean_text(inv->uid, false);
    p->group_uid = clean_text(inv->group_uid ? inv->group_uid : inv->uid, false);
    p->date = clean_text(inv->round_date, false);
    p->prompts = clean_text(inv->prompts ? inv->prompts : CT_INVITE_DEFAULT_PROMPTS, true);
    p->opener = inv->opener && !is_blank(inv->opener) ? clean_text(inv->opener, false) : NULL;
    nomem |= inv->opener && !is_blank(inv->opener) && p->opener == NULL;
    p->reschedule = clean_text(inv->reschedule_hint    ? inv->reschedule_hint
                               : inv->member_count > 2 ? CT_INVITE_DEFAULT_RESCHEDULE_GROUP
                                                       : CT_INVITE_DEFAULT_RESCHEDULE,
                               true);
    p->note = inv->note ? clean_text(inv->note, true) : NULL;
    p->subject_template = clean_text(inv->subject_template && !is_blank(inv->subject_template)
                                         ? inv->subject_template
                                         : CT_INVITE_DEFAULT_SUBJECT,
                                     false);
    p->location_template =
        inv->location_template ? clean_text(inv->location_template, false) : NULL;
    p->url_template = inv->url_template ? clean_text(inv->url_template, false) : NULL;
    p->site = clean_text(inv->site ? inv->site : "", false);
    nomem |= p->site == NULL;
    nomem |= !p->network || !p->organiser_name || !p->organiser_email || !p->uid || !p->group_uid ||
             !p->date || !p->prompts || !p->reschedule || (inv->note && !p->note) ||
             !p->subject_template || (inv->location_template && !p->location_template) ||
             (inv->url_template && !p->url_template);
    if (inv->reason_count > 0 && inv->reasons != NULL) {
        p->reasons = calloc(inv->reason_count, sizeof(*p->reasons));
        nomem |= p->reasons == NULL;
        for (i = 0; p->reasons && i < inv->reason_count; i++) {
            p->reasons[p->reason_count] = clean_text(inv->reasons[i], false);
            if (p->reasons[p->reason_count] == NULL)
                nomem = true;
            else if (is_blank(p->reasons[p->reason_count]))
                free(p->reasons[p->reason_count]);
            else
                p->reason_count++;
        }
    }
    if (nomem) {
        prepared_free(p);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    return CT_OK;
}

/* ------------------------------------------------------------------ */
/* Templates and names                                                  */

/* "A", "A and B", "A, B and C": the members other than skip (SIZE_MAX: all). */
static void
put_names(struct ct_buf *b, const struct prepared *p, size_t skip)
{
    size_t i, count = 0, total = 0;

    for (i = 0; i < p->n; i++)
        total += i != skip;
    for (i = 0; i < p->n; i++) {
        if (i == skip)
            continue;
        if (count > 0)
            ct_buf_puts(b, count + 1 == total ? " and " : ", ");
        ct_buf_puts(b, p->m[i].name);
        count++;
    }
}

static void
put_percent_encoded(struct ct_buf *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~')
            ct_buf_putc(b, (char)c);
        else
            ct_buf_printf(b, "%%%02X", c);
    }
}

/*
 * Expand {network}, {round}, {date}, {names}, {uid}, {site} in tpl; anything else in
 * braces is kept as written. names_skip is the recipient (SIZE_MAX: all).
 */
static char *
expand(const struct prepared *p, const char *tpl, size_t names_skip, bool url)
{
    struct ct_buf b, value;
    const char *s = tpl;

    ct_buf_init(&b);
    ct_buf_init(&value);
    ct_buf_append(&b, "", 0);
    while (*s) {
        const char *close;
        size_t len;

        if (*s != '{' || (close = strchr(s, '}')) == NULL) {
            ct_buf_putc(&b, *s++);
            continue;
        }
        len = (size_t)(close - s - 1);
        ct_buf_reset(&value);
        ct_buf_append(&value, "", 0);
        if (len == 7 && strncmp(s + 1, "network", len) == 0)
            ct_buf_puts(&value, p->network);
        else if (len == 5 && strncmp(s + 1, "round", len) == 0)
            ct_buf_printf(&value, "%d", p->inv->round);
        else if (len == 4 && strncmp(s + 1, "date", len) == 0)
            ct_buf_puts(&value, p->date);
        else if (len == 5 && strncmp(s + 1, "names", len) == 0)
            put_names(&value, p, names_skip);
        else if (len == 3 && strncmp(s + 1, "uid", len) == 0)
            ct_buf_puts(&value, p->group_uid);
        else if (len == 4 && strncmp(s + 1, "site", len) == 0)
            ct_buf_puts(&value, p->site);
        else {
            ct_buf_putc(&b, *s++);
            continue;
        }
        if (value.failed)
            b.failed = true;
        else if (url)
            put_percent_encoded(&b, value.data);
        else
            ct_buf_puts(&b, value.data);
        s = close + 1;
    }
    ct_buf_free(&value);
    return ct_buf_steal(&b);
}

static char *
subject_for(const struct prepared *p, size_t recipient)
{
    char *base = expand(p, p->subject_template, recipient, false), *s;

    if (base == NULL)
        return NULL;
    if (p->inv->method == CT_INVITE_CANCEL)
        s = ct_asprintf("Cancelled: %s", base);
    else if (p->inv->sequence > 0)
        s = ct_asprintf("Updated: %s", base);
    else
        return base;
    free(base);
    return s;
}

/* ------------------------------------------------------------------ */
/* Times in words                                                       */

/* Local civil time of t in zone, and the zone's offset then (seconds). */
static struct icaltimetype
local_time(int64_t t, icaltimezone *zone, int64_t *offset)
{
    struct icaltimetype lt = icaltime_from_timet_with_zone((time_t)t, 0, zone);
    int64_t as_utc = (int64_t)ct_days_from_civil(lt.year, lt.month, lt.day) * 86400 +
                     lt.hour * 3600 + lt.minute * 60 + lt.second;

    *offset = as_utc - t;
    return lt;
}

static void
put_date_words(struct ct_buf *b, struct icaltimetype lt)
{
    int wd = icaltime_day_of_week(lt); /* 1 = Sunday */

    ct_buf_printf(b, "%s %d %s %d", weekdays[(wd + 6) % 7], lt.day, months[(lt.month + 11) % 12],
                  lt.year);
}

/* The place an IANA zone is named after, as people say it: "America/New_York" -> "New York". */
static void
put_zone_place(struct ct_buf *b, const char *zone_name)
{
    const char *slash = strrchr(zone_name, '/');
    const char *s = slash ? slash + 1 : zone_name;

    for (; *s; s++)
        ct_buf_putc(b, *s == '_' ? ' ' : *s);
}

/*
 * "Wednesday 9 December 2026, 10:00 to 10:30 (London time, UTC+00:00)",
 * with the end's date too when it falls on another day.
 */
static void
put_when(struct ct_buf *b, int64_t start, int64_t duration, const char *zone_name,
         icaltimezone *zone)
{
    int64_t off, off_end;
    struct icaltimetype a = local_time(start, zone, &off);
    struct icaltimetype e = local_time(start + duration, zone, &off_end);
    int64_t m = (off < 0 ? -off : off) / 60;

    put_date_words(b, a);
    ct_buf_printf(b, ", %02d:%02d to ", a.hour, a.minute);
    if (e.year != a.year || e.month != a.month || e.day != a.day) {
        put_date_words(b, e);
        ct_buf_puts(b, ", ");
    }
    ct_buf_printf(b, "%02d:%02d", e.hour, e.minute);
    if (strcmp(zone_name, "UTC") == 0)
        ct_buf_puts(b, " (UTC)");
    else {
        ct_buf_puts(b, " (");
        put_zone_place(b, zone_name);
        ct_buf_printf(b, " time, UTC%c%02d:%02d)", off < 0 ? '-' : '+', (int)(m / 60),
                      (int)(m % 60));
    }
}

/* ------------------------------------------------------------------ */
/* The bodies                                                           */

static void
put_html_escaped(struct ct_buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': ct_buf_puts(b, "&amp;"); break;
        case '<': ct_buf_puts(b, "&lt;"); break;
        case '>': ct_buf_puts(b, "&gt;"); break;
        case '"': ct_buf_puts(b, "&quot;"); break;
        case '\'': ct_buf_puts(b, "&#39;"); break;
        default: ct_buf_putc(b, *s);
        }
    }
}

/* Text and HTML side by side: every piece of content goes to both. */
struct bodies {
    struct ct_buf text;
    struct ct_buf html;
    /* Where the member's links are in text, [from, to): the calendar's
     * DESCRIPTION leaves them out (a forwarded event must not carry them). */
    size_t links_from, links_to;
};

static void
both_text(struct bodies *bd, const char *s)
{
    ct_buf_puts(&bd->text, s);
    put_html_escaped(&bd->html, s);
}

/* A paragraph of (possibly multi-line) text: lines joined by <br> in HTML. */
static void
both_paragraph(struct bodies *bd, const char *s)
{
    const char *line = s;

    ct_buf_puts(&bd->html, "<p>");
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *copy = strndup(line, len);

        if (copy == NULL) {
            bd->text.failed = true;
            return;
        }
        ct_buf_puts(&bd->text, copy);
        put_html_escaped(&bd->html, copy);
        free(copy);
        if (nl == NULL)
            break;
        ct_buf_puts(&bd->text, "\n");
        ct_buf_puts(&bd->html, "<br>\n");
        line = nl + 1;
    }
    ct_buf_puts(&bd->text, "\n\n");
    ct_buf_puts(&bd->html, "</p>\n");
}

/* A bulleted list from lines of text; leading "-", "*" or "•" bullets dropped. */
static void
both_list(struct bodies *bd, const char *lines)
{
    const char *line = lines;

    ct_buf_puts(&bd->html, "<ul>\n");
    while (*line) {
        const char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        char *item = strndup(line, len), *t;

        if (item == NULL) {
            bd->text.failed = true;
            return;
        }
        t = ct_trim(item);
        if (strncmp(t, "\xe2\x80\xa2", 3) == 0)
            t = ct_trim(t + 3);
        else if (t[0] == '-' || t[0] == '*')
            t = ct_trim(t + 1);
        if (*t) {
            ct_buf_printf(&bd->text, "  - %s\n", t);
            ct_buf_puts(&bd->html, "<li>");
            put_html_escaped(&bd->html, t);
            ct_buf_puts(&bd->html, "</li>\n");
        }
        free(item);
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    ct_buf_puts(&bd->text, "\n");
    ct_buf_puts(&bd->html, "</ul>\n");
}

static void
put_partner(struct bodies *bd, const struct person *m)
{
    const char *labels[] = {"Organisation", "Team", "Role"};
    const char *values[] = {m->organisation, m->team, m->role};
    size_t i;

    ct_buf_printf(&bd->text, "  %s <%s>\n", m->name, m->email);
    ct_buf_puts(&bd->html, "<li><strong>");
    put_html_escaped(&bd->html, m->name);
    ct_buf_puts(&bd->html, "</strong> &lt;<a href=\"mailto:");
    put_html_escaped(&bd->html, m->email);
    ct_buf_puts(&bd->html, "\">");
    put_html_escaped(&bd->html, m->email);
    ct_buf_puts(&bd->html, "</a>&gt;");
    for (i = 0; i < CT_ARRAY_LEN(labels); i++) {
        if (values[i] == NULL || is_blank(values[i]))
            continue;
        ct_buf_printf(&bd->text, "    %s: %s\n", labels[i], values[i]);
        ct_buf_printf(&bd->html, "<br>\n%s: ", labels[i]);
        put_html_escaped(&bd->html, values[i]);
    }
    ct_buf_puts(&bd->text, "\n");
    ct_buf_puts(&bd->html, "</li>\n");
}

static void
put_footer(struct bodies *bd, const struct prepared *p)
{
    struct ct_buf line;

    ct_buf_init(&line);
    ct_buf_printf(&line, "This invitation comes from %s", p->network);
    if (p->inv->round > 0)
        ct_buf_printf(&line, ", round %d", p->inv->round);
    if (*p->date)
        ct_buf_printf(&line, " (%s)", p->date);
    ct_buf_printf(&line, ", organised by %s <%s>.", p->organiser_name, p->organiser_email);
    if (line.failed) {
        bd->text.failed = true;
    } else {
        both_paragraph(bd, "Questions? Just reply to this e-mail.");
        ct_buf_puts(&bd->text, "-- \n");
        ct_buf_puts(&bd->text, line.data);
        ct_buf_puts(&bd->text, "\n");
        ct_buf_puts(&bd->html, "<hr>\n<p style=\"color:#555;font-size:smaller\">");
        put_html_escaped(&bd->html, line.data);
        ct_buf_puts(&bd->html, "</p>\n");
    }
    ct_buf_free(&line);
}

/* Whether s is a link we put into a header or an attribute (struct ct_invite_links). */
static bool
link_ok(const char *s, bool mailto)
{
    size_t n;

    if (mailto ? strncmp(s, "mailto:", 7) != 0
               : strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0)
        return false;
    for (n = 0; s[n]; n++)
        if ((unsigned char)s[n] <= 0x20 || (unsigned char)s[n] >= 0x7f || strchr("<>\"',\\`", s[n]))
            return false;
    return n < 1000;
}

static bool
has_link(const char *s)
{
    return s && *s;
}

/* Every link of l is absent or clean; else CT_EDATA naming which. */
static enum ct_status
check_links(const struct ct_invite_links *l, struct ct_error *err)
{
    const char *const urls[] = {l->skip,        l->pause,   l->stop,
                                l->preferences, l->checkin, l->unsubscribe};
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(urls); i++)
        if (has_link(urls[i]) && !link_ok(urls[i], false))
            return ct_error_set(err, CT_EDATA, "a member's link is not a plain http(s) URL");
    if (has_link(l->unsubscribe_mailto) && !link_ok(l->unsubscribe_mailto, true))
        return ct_error_set(err, CT_EDATA, "the unsubscribe address is not a plain mailto: URL");
    return CT_OK;
}

enum ct_status
ct_invite_list_unsubscribe(const struct ct_invite_links *l, char **headers, struct ct_error *err)
{
    bool https = l && has_link(l->unsubscribe), mailto = l && has_link(l->unsubscribe_mailto);
    enum ct_status st;

    *headers = NULL;
    if (l && (st = check_links(l, err)) != CT_OK)
        return st;
    if (!https && !mailto)
        *headers = strdup("");
    else if (https && mailto)
        *headers = ct_asprintf("List-Unsubscribe: <%s>,\r\n <%s>\r\n"
                               "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                               l->unsubscribe, l->unsubscribe_mailto);
    else if (https)
        *headers = ct_asprintf("List-Unsubscribe: <%s>\r\n"
                               "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n",
                               l->unsubscribe);
    else
        *headers = ct_asprintf("List-Unsubscribe: <%s>\r\n", l->unsubscribe_mailto);
    return *headers ? CT_OK : ct_error_set(err, CT_ENOMEM, "out of memory");
}

/*
 * The member's links before the footer: in the text, one per line with the
 * URL on its own line; in HTML, short link words that wrap at 390 px. An
 * invitation offers all of them, a cancellation what still makes sense.
 */
static void
put_links(struct bodies *bd, const struct ct_invite_links *l, bool request)
{
    const struct {
        const char *url, *text, *label;
        bool in_cancel;
    } items[] = {
        {l->skip, "Can't make it this time? Skip this round:", "Skip this round", false},
        {l->checkin, "After the meeting, tell us whether you met:", "Did you meet?", false},
        {l->pause, "Need a break? Pause for a while:", "Pause", true},
        {l->preferences, "Your hours, days and how you like to meet:", "Your preferences", true},
        {l->stop, "Leave the coffee trial:", "Leave", true},
    };
    bool any = false;
    size_t i;

    bd->links_from = bd->text.len;
    for (i = 0; i < CT_ARRAY_LEN(items); i++) {
        if (!has_link(items[i].url) || (!request && !items[i].in_cancel))
            continue;
        if (!any) {
            ct_buf_puts(&bd->text, "Your coffee trial, your choice:\n");
            ct_buf_puts(&bd->html, "<p style=\"line-height:2\">Your coffee trial, your choice:");
        }
        ct_buf_printf(&bd->text, "  %s\n  %s\n", items[i].text, items[i].url);
        ct_buf_printf(&bd->html, "%s<a href=\"%s\" style=\"white-space:nowrap\">%s</a>",
                      any ? " &middot;\n" : "\n", items[i].url, items[i].label);
        any = true;
    }
    if (any) {
        ct_buf_puts(&bd->text, "\n");
        ct_buf_puts(&bd->html, "</p>\n");
    }
    bd->links_to = bd->text.len;
}

/* The HTML head and the greeting, "Hello NAME,". */
static void
put_greeting(struct bodies *bd, const char *subject, const char *name)
{
    ct_buf_puts(&bd->html, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                           "<meta name=\"viewport\" content=\"width=device-width, "
                           "initial-scale=1\">\n<title>");
    put_html_escaped(&bd->html, subject);
    /* Long links and addresses wrap instead of widening the page on a phone. */
    ct_buf_puts(&bd->html, "</title>\n</head>\n<body style=\"font-family:sans-serif;"
                           "line-height:1.4;max-width:40em;margin:0 auto;padding:0 0.5em;"
                           "overflow-wrap:anywhere\">\n");
    ct_buf_puts(&bd->html, "<p>");
    both_text(bd, "Hello ");
    both_text(bd, name);
    both_text(bd, ",");
    ct_buf_puts(&bd->text, "\n\n");
    ct_buf_puts(&bd->html, "</p>\n");
}

/* A cancellation after the greeting: which meeting is cancelled, the note, the footer. */
static void
put_cancellation(struct bodies *bd, const struct prepared *p, size_t r, const char *when)
{
    size_t others = p->n - 1;
    struct ct_buf s;

    ct_buf_init(&s);
    ct_buf_printf(&s, "Your %s meeting", p->network);
    if (others > 0) {
        ct_buf_puts(&s, " with ");
        put_names(&s, p, r);
    }
    ct_buf_printf(&s,
                  " on %s is cancelled%s. Your calendar removes it when you open this "
                  "message.",
                  when, p->inv->cancel_recipient_only ? " for you" : "");
    if (s.failed)
        bd->text.failed = true;
    else
        both_paragraph(bd, s.data);
    ct_buf_free(&s);
    if (p->note && !is_blank(p->note))
        both_paragraph(bd, p->note);
    if (p->inv->links)
        put_links(bd, p->inv->links, false);
    put_footer(bd, p);
}

/* The replacement notice (if any), then the partners this round brings members[r]. */
static void
put_group(struct bodies *bd, const struct prepared *p, size_t r)
{
    size_t i, others = p->n - 1;

    if (p->inv->sequence > 0)
        both_paragraph(bd, "This invitation replaces the one sent before.");
    /* Why it changed, or (a re-match's new invitation) why it comes. */
    if (p->note && !is_blank(p->note))
        both_paragraph(bd, p->note);
    ct_buf_puts(&bd->html, "<p>");
    both_text(bd, "This round of ");
    ct_buf_puts(&bd->text, p->network);
    ct_buf_puts(&bd->html, "<strong>");
    put_html_escaped(&bd->html, p->network);
    ct_buf_puts(&bd->html, "</strong>");
    both_text(bd, others > 2   ? " brings the four of you together:"
                  : others > 1 ? " brings the three of you together:"
                               : " pairs you with:");
    ct_buf_puts(&bd->text, "\n\n");
    ct_buf_puts(&bd->html, "</p>\n<ul>\n");
    for (i = 0; i < p->n; i++)
        if (i != r)
            put_partner(bd, &p->m[i]);
    ct_buf_puts(&bd->html, "</ul>\n");
}

/* Besides where they work, at most this many reasons make the "why" sentence. */
#define WHY_OTHERS                  2
#define CT_INVITE_MAX_REASONS_SHOWN WHY_OTHERS

/* The "you work ..." reasons as one clause into b: "you work for X, in Y and at Z". OUT: count. */
static size_t
put_work_clause(struct ct_buf *b, const struct prepared *p)
{
    size_t i, n = 0, total = 0;

    for (i = 0; i < p->reason_count; i++)
        total += strncmp(p->reasons[i], "you work ", 9) == 0;
    for (i = 0; i < p->reason_count; i++) {
        if (strncmp(p->reasons[i], "you work ", 9) != 0)
            continue;
        if (n > 0)
            ct_buf_puts(b, n + 1 == total ? " and " : ", ");
        ct_buf_puts(b, n == 0 ? p->reasons[i] : p->reasons[i] + 9);
        n++;
    }
    return n;
}

/* Whether reason r is one of the first WHY_OTHERS others (a survey's reason goes first). */
static bool
why_keeps(const struct prepared *p, size_t r)
{
    size_t i, rank = 0;
    bool survey = strncmp(p->reasons[r], "a staff survey", 14) == 0;

    if (survey)
        return true;
    for (i = 0; i < p->reason_count; i++)
        if (strncmp(p->reasons[i], "you work ", 9) != 0 &&
            (strncmp(p->reasons[i], "a staff survey", 14) == 0 || i < r))
            rank++;
    return rank < WHY_OTHERS;
}

/*
 * Why this group, in one sentence instead of a list: "Why the two of you:
 * you work for different organisations, in different teams and at
 * different sites, and you have not met through the coffee trial before."
 * (the caller checks there are reasons).
 */
static void
put_reasons(struct bodies *bd, const struct prepared *p)
{
    const char *parts[1 + CT_INVITE_MAX_REASONS_SHOWN];
    size_t i, n = 0, others = p->n - 1;
    struct ct_buf work, line;

    ct_buf_init(&work);
    ct_buf_init(&line);
    if (put_work_clause(&work, p) > 0 && !work.failed)
        parts[n++] = work.data;
    for (i = 0; i < p->reason_count && n < CT_ARRAY_LEN(parts); i++)
        if (strncmp(p->reasons[i], "you work ", 9) != 0 && why_keeps(p, i))
            parts[n++] = p->reasons[i];
    ct_buf_puts(&line, others > 2   ? "Why the four of you: "
                       : others > 1 ? "Why the three of you: "
                                    : "Why the two of you: ");
    for (i = 0; i < n; i++) {
        if (i > 0)
            ct_buf_puts(&line, i + 1 < n                        ? ", "
                               : n > 2 || strchr(parts[0], ',') ? ", and "
                                                                : " and ");
        ct_buf_puts(&line, parts[i]);
    }
    ct_buf_puts(&line, ".");
    if (line.failed || work.failed)
        bd->text.failed = true;
    else
        both_paragraph(bd, line.data);
    ct_buf_free(&work);
    ct_buf_free(&line);
}

/* The time in members[r]'s zone (already in when), then in each partner's other zone. */
static void
put_proposed_time(struct bodies *bd, const struct prepared *p, size_t r, struct ct_buf *when)
{
    const struct person *me = &p->m[r];
    const struct ct_invite *inv = p->inv;
    size_t i;

    ct_buf_puts(&bd->html, "<p><strong>");
    both_text(bd, "Proposed time:");
    ct_buf_puts(&bd->html, "</strong>");
    both_text(bd, " ");
    both_text(bd, when->data);
    both_text(bd, ".");
    for (i = 0; i < p->n; i++) {
        if (i == r || strcmp(p->m[i].zone_name, me->zone_name) == 0)
            continue;
        ct_buf_reset(when);
        put_when(when, inv->start, inv->duration, p->m[i].zone_name, p->m[i].zone);
        if (when->failed)
            break;
        ct_buf_puts(&bd->text, "\n");
        ct_buf_puts(&bd->html, "<br>\n");
        both_text(bd, "For ");
        both_text(bd, p->m[i].name);
        both_text(bd, " that is ");
        both_text(bd, when->data);
        both_text(bd, ".");
    }
    ct_buf_puts(&bd->text, "\n");
    ct_buf_puts(&bd->html, "<br>\n");
    both_text(bd, "It is inside the working hours of each of you.");
    ct_buf_puts(&bd->text, "\n\n");
    ct_buf_puts(&bd->html, "</p>\n");
}

/* Where to meet and the link to join, each only when given. */
static void
put_place(struct bodies *bd, const char *location, const char *url)
{
    if (location && *location) {
        ct_buf_puts(&bd->html, "<p><strong>Where:</strong> ");
        ct_buf_printf(&bd->text, "Where: %s\n\n", location);
        put_html_escaped(&bd->html, location);
        ct_buf_puts(&bd->html, "</p>\n");
    }
    if (url && *url) {
        ct_buf_printf(&bd->text, "Link: %s\n\n", url);
        ct_buf_puts(&bd->html, "<p><strong>Link:</strong> <a href=\"");
        put_html_escaped(&bd->html, url);
        ct_buf_puts(&bd->html, "\">");
        put_html_escaped(&bd->html, url);
        ct_buf_puts(&bd->html, "</a></p>\n");
    }
}

/*
 * The lighter first question (opener, may be NULL), then the conversation
 * prompts as a list, unless they are only blanks and newlines.
 */
static void
put_prompts(struct bodies *bd, const char *opener, const char *prompts)
{
    if (opener) {
        ct_buf_puts(&bd->html, "<p>");
        both_text(bd, "To break the ice: ");
        both_text(bd, opener);
        ct_buf_puts(&bd->text, "\n\n");
        ct_buf_puts(&bd->html, "</p>\n");
    }
    if (strspn(prompts, " \n") != strlen(prompts)) {
        ct_buf_puts(&bd->html, "<p>");
        both_text(bd, "Some questions to start the conversation:");
        ct_buf_puts(&bd->text, "\n");
        ct_buf_puts(&bd->html, "</p>\n");
        both_list(bd, prompts);
    }
}

/*
 * The introduction for members[r]: who, why, when, what to talk about, how
 * to move it. Returns CT_OK with bd->text and bd->html filled (LF line ends).
 */
static void
build_bodies(const struct prepared *p, size_t r, const char *subject, const char *location,
             const char *url, struct bodies *bd)
{
    const struct person *me = &p->m[r];
    const struct ct_invite *inv = p->inv;
    struct ct_buf when;

    ct_buf_init(&when);
    put_greeting(bd, subject, me->greeting && *me->greeting ? me->greeting : me->name);

    put_when(&when, inv->start, inv->duration, me->zone_name, me->zone);
    if (when.failed) {
        bd->text.failed = true;
        goto done;
    }

    if (inv->method == CT_INVITE_CANCEL) {
        put_cancellation(bd, p, r, when.data);
        goto done;
    }

    put_group(bd, p, r);
    if (p->reason_count > 0)
        put_reasons(bd, p);
    put_proposed_time(bd, p, r, &when);
    put_place(bd, location, url);
    put_prompts(bd, p->opener, p->prompts);
    if (!is_blank(p->reschedule))
        both_paragraph(bd, p->reschedule);
    if (inv->links)
        put_links(bd, inv->links, true);
    put_footer(bd, p);
done:
    ct_buf_puts(&bd->html, "</body>\n</html>\n");
    ct_buf_free(&when);
}

/* ------------------------------------------------------------------ */
/* The calendar                                                         */

/* Parameter values cannot hold DQUOTE (RFC 5545 3.2); few clients read RFC 6868. */
static char *
param_text(const char *s)
{
    char *t = strdup(s), *q;

    for (q = t; q && *q; q++)
        if (*q == '"')
            *q = '\'';
    return t;
}

static icalparameter_partstat
ical_partstat(enum ct_partstat answer)
{
    switch (answer) {
    case CT_PARTSTAT_ACCEPTED: return ICAL_PARTSTAT_ACCEPTED;
    case CT_PARTSTAT_DECLINED: return ICAL_PARTSTAT_DECLINED;
    case CT_PARTSTAT_TENTATIVE: return ICAL_PARTSTAT_TENTATIVE;
    case CT_PARTSTAT_DELEGATED: return ICAL_PARTSTAT_DELEGATED;
    default: return ICAL_PARTSTAT_NEEDSACTION;
    }
}

/* ORGANIZER, or an ATTENDEE with the answer already recorded (RSVP only while unanswered). */
static icalproperty *
person_property(bool organiser, const char *name, const char *email, enum ct_partstat answer)
{
    icalparameter_partstat partstat = ical_partstat(answer);

    char *uri = ct_asprintf("mailto:%s", email), *cn = param_text(name);
    icalproperty *prop = NULL;

    if (uri == NULL || cn == NULL)
        goto done;
    prop = organiser ? icalproperty_new_organizer(uri) : icalproperty_new_attendee(uri);
    if (prop == NULL)
        goto done;
    icalproperty_add_parameter(prop, icalparameter_new_cn(cn));
    if (!organiser) {
        icalproperty_add_parameter(prop, icalparameter_new_cutype(ICAL_CUTYPE_INDIVIDUAL));
        icalproperty_add_parameter(prop, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
        icalproperty_add_parameter(prop, icalparameter_new_partstat(partstat));
        icalproperty_add_parameter(
            prop, icalparameter_new_rsvp(partstat == ICAL_PARTSTAT_NEEDSACTION ? ICAL_RSVP_TRUE
                                                                               : ICAL_RSVP_FALSE));
    }
done:
    free(uri);
    free(cn);
    return prop;
}

/*
 * Fold every content line of ical at 75 octets, never inside a UTF-8
 * character, with CRLF line ends. libical 3.0.16 already folds this way;
 * doing it here keeps the output (and the golden files) the same whatever
 * libical version folds differently.
 */
static char *
refold(const char *ical)
{
    struct ct_buf logical, out;
    const char *s = ical;

    ct_buf_init(&logical);
    ct_buf_init(&out);
    ct_buf_append(&out, "", 0);
    while (*s) {
        const char *end;
        size_t i, len, col;

        /* Unfold one content line. */
        ct_buf_reset(&logical);
        ct_buf_append(&logical, "", 0);
        for (;;) {
            end = s + strcspn(s, "\r\n");
            ct_buf_append(&logical, s, (size_t)(end - s));
            s = end;
            if (*s == '\r')
                s++;
            if (*s == '\n')
                s++;
            if (*s != ' ' && *s != '\t')
                break;
            s++;
        }
        if (logical.failed)
            break;
        len = logical.len;
        if (len == 0)
            continue;
        /* Fold it again: every fold carries at least ICS_LINE_MAX - 4 octets. */
        if (!ct_buf_reserve(&out, len + 3 * (len / (ICS_LINE_MAX - 4) + 1) + 2))
            break;
        col = 0;
        for (i = 0; i < len;) {
            size_t n = 1, limit = ICS_LINE_MAX;
            unsigned char c = (unsigned char)logical.data[i];

            if (c >= 0xf0)
                n = 4;
            else if (c >= 0xe0)
                n = 3;
            else if (c >= 0xc0)
                n = 2;
            if (i + n > len)
                n = len - i;
            if (col + n > limit) {
                memcpy(out.data + out.len, "\r\n ", 3);
                out.len += 3;
                col = 1;
            }
            memcpy(out.data + out.len, logical.data + i, n);
            out.len += n;
            col += n;
            i += n;
        }
        memcpy(out.data + out.len, "\r\n", 3); /* and the NUL */
        out.len += 2;
    }
    if (logical.failed)
        out.failed = true;
    ct_buf_free(&logical);
    return ct_buf_steal(&out);
}

static enum ct_status
build_ics(const struct prepared *p, size_t recipient, const char *summary, const char *description,
          const char *location, const char *url, char **ics, struct ct_error *err)
{
    const struct ct_invite *inv = p->inv;
    icaltimezone *utc = icaltimezone_get_utc_timezone();
    icalcomponent *cal = NULL, *ev = NULL;
    icalproperty *prop;
    char *text = NULL;
    size_t i;
    enum ct_status st = CT_OK;
    bool cancel = inv->method == CT_INVITE_CANCEL;

    *ics = NULL;
    cal = icalcomponent_new_vcalendar();
    ev = icalcomponent_new_vevent();
    if (cal == NULL || ev == NULL) {
        icalcomponent_free(ev);
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto done;
    }
    icalcomponent_add_property(cal, icalproperty_new_prodid("-//coffeetrial//coffeetrial//EN"));
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    icalcomponent_add_property(
        cal, icalproperty_new_method(cancel ? ICAL_METHOD_CANCEL : ICAL_METHOD_REQUEST));
    icalcomponent_add_component(cal, ev);

    icalcomponent_add_property(ev, icalproperty_new_uid(p->uid));
    icalcomponent_add_property(ev,
                               icalproperty_new_sequence(inv->sequence < 0 ? 0 : inv->sequence));
    icalcomponent_add_property(
        ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone((time_t)inv->dtstamp, 0, utc)));
    icalcomponent_add_property(
        ev, icalproperty_new_dtstart(icaltime_from_timet_with_zone((time_t)inv->start, 0, utc)));
    icalcomponent_add_property(ev, icalproperty_new_dtend(icaltime_from_timet_with_zone(
                                       (time_t)(inv->start + inv->duration), 0, utc)));
    icalcomponent_add_property(ev, icalproperty_new_summary(summary));
    icalcomponent_add_property(ev, icalproperty_new_description(description));
    if (location && *location)
        icalcomponent_add_property(ev, icalproperty_new_location(location));
    if (url && *url)
        icalcomponent_add_property(ev, icalproperty_new_url(url));
    prop = person_property(true, p->organiser_name, p->organiser_email, CT_PARTSTAT_NEEDS_ACTION);
    if (prop == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto done;
    }
    icalcomponent_add_property(ev, prop);
    for (i = 0; i < p->n; i++) {
        if (cancel && inv->cancel_recipient_only && i != recipient)
            continue;
        prop = person_property(false, p->m[i].name, p->m[i].email, inv->answers[i]);
        if (prop == NULL) {
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            goto done;
        }
        icalcomponent_add_property(ev, prop);
    }
    icalcomponent_add_property(
        ev, icalproperty_new_status(cancel ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));

    text = icalcomponent_as_ical_string_r(cal);
    if (text == NULL) {
        st = ct_error_set(err, CT_EINTERNAL, "libical could not write the calendar");
        goto done;
    }
    *ics = refold(text);
    if (*ics == NULL)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
done:
    free(text);
    if (cal != NULL)
        icalcomponent_free(cal);
    return st;
}

/* Everything one recipient's copy holds, before MIME. */
struct content {
    char *subject, *text, *html, *ics, *location, *url;
};

static void
content_free(struct content *c)
{
    free(c->subject);
    free(c->text);
    free(c->html);
    free(c->ics);
    free(c->location);
    free(c->url);
    memset(c, 0, sizeof(*c));
}

static enum ct_status
build_content(const struct prepared *p, size_t r, struct content *c, struct ct_error *err)
{
    char *title;
    struct bodies bd = {0};
    char *description = NULL;
    enum ct_status st;

    memset(c, 0, sizeof(*c));
    ct_buf_init(&bd.text);
    ct_buf_init(&bd.html);
    c->subject = subject_for(p, r);
    c->location = p->location_template ? expand(p, p->location_template, SIZE_MAX, false) : NULL;
    c->url = p->url_template ? expand(p, p->url_template, SIZE_MAX, true) : NULL;
    if (c->subject == NULL || (p->location_template && !c->location) ||
        (p->url_template && !c->url)) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto fail;
    }
    build_bodies(p, r, c->subject, c->location, c->url, &bd);
    if (bd.text.failed || bd.html.failed) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto fail;
    }
    c->text = ct_buf_steal(&bd.text);
    c->html = ct_buf_steal(&bd.html);
    if (c->text == NULL || c->html == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto fail;
    }
    /* SUMMARY is the event's own title: "Updated:"/"Cancelled:" belong to the mail. */
    title = expand(p, p->subject_template, r, false);
    if (title == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto fail;
    }
    /* The calendar's description is the text without the member's links. */
    description = ct_asprintf("%.*s%s", (int)bd.links_from, c->text, c->text + bd.links_to);
    if (description == NULL) {
        free(title);
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto fail;
    }
    st = build_ics(p, r, title, description, c->location, c->url, &c->ics, err);
    free(title);
    free(description);
    if (st != CT_OK)
        goto fail;
    return CT_OK;
fail:
    ct_buf_free(&bd.text);
    ct_buf_free(&bd.html);
    content_free(c);
    return st;
}

enum ct_status
ct_invite_ics(const struct ct_invite *inv, size_t recipient, char **ics, struct ct_error *err)
{
    struct prepared p;
    struct content c;
    enum ct_status st;

    *ics = NULL;
    st = prepare(inv, &p, err);
    if (st != CT_OK)
        return st;
    if (recipient >= p.n) {
        prepared_free(&p);
        return ct_error_set(err, CT_EUSAGE, "recipient %zu is not a member of the group",
                            recipient);
    }
    st = build_content(&p, recipient, &c, err);
    if (st == CT_OK) {
        *ics = c.ics;
        c.ics = NULL;
        content_free(&c);
    }
    prepared_free(&p);
    return st;
}

/* ------------------------------------------------------------------ */
/* MIME                                                                 */

/* LF (or CRLF) line ends to CRLF. */
static char *
to_crlf(const char *s)
{
    struct ct_buf b;
    size_t len = strlen(s);
    char *o;

    ct_buf_init(&b);
    if (len > SIZE_MAX / 2 - 1 || !ct_buf_reserve(&b, 2 * len))
        return NULL;
    o = b.data;
    for (; *s; s++) {
        if (*s == '\r')
            continue;
        if (*s == '\n')
            *o++ = '\r';
        *o++ = *s;
    }
    *o = '\0';
    b.len = (size_t)(o - b.data);
    return ct_buf_steal(&b);
}

/* A header being written, folded at HEADER_LINE_MAX where there is room. */
struct header {
    struct ct_buf *b;
    size_t col;
};

static void
header_begin(struct header *h, struct ct_buf *b, const char *name)
{
    h->b = b;
    ct_buf_printf(b, "%s:", name);
    h->col = strlen(name) + 1;
}

/* Append " token", folding before it if the line would grow too long. */
static void
header_token(struct header *h, const char *tok, size_t len)
{
    if (h->col + 1 + len > HEADER_LINE_MAX && h->col > 1) {
        ct_buf_puts(h->b, "\r\n ");
        h->col = 1;
    } else {
        ct_buf_putc(h->b, ' ');
        h->col++;
    }
    ct_buf_append(h->b, tok, len);
    h->col += len;
}

static void
header_end(struct header *h)
{
    ct_buf_puts(h->b, "\r\n");
}

/* Characters an RFC 2047 'Q' word may carry literally, even in a phrase. */
static bool
q_literal(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '!' ||
           c == '*' || c == '+' || c == '-' || c == '/';
}

static size_t
q_len(unsigned char c)
{
    return (q_literal(c) || c == ' ') ? 1 : 3;
}

static size_t
utf8_len(unsigned char lead)
{
    return lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
}

/*
 * s as RFC 2047 encoded-words ("=?UTF-8?Q?...?="), each at most 75
 * characters and holding whole UTF-8 characters only, folded between words.
 * In a phrase (a display name) words end after a space where possible:
 * decoders that wrongly put a space between adjacent encoded-words (Python's
 * address parser does) then still show every word whole.
 */
static void
header_encoded_words(struct header *h, const char *s, bool phrase)
{
    static const char pre[] = "=?UTF-8?Q?", post[] = "?=";
    const size_t overhead = sizeof(pre) - 1 + sizeof(post) - 1;
    const unsigned char *p = (const unsigned char *)s;
    struct ct_buf word;

    ct_buf_init(&word);
    while (*p) {
        size_t room = HEADER_LINE_MAX > h->col + 1 ? HEADER_LINE_MAX - h->col - 1 : 0;
        size_t cap, used = 0, end = 0, after_space = 0, k;

        if (room < overhead + 12) {
            ct_buf_puts(h->b, "\r\n");
            h->col = 0; /* header_token adds the folding space */
            room = HEADER_LINE_MAX - 1;
        }
        cap = (room < 75 ? room : 75) - overhead;
        /* How much fits: whole characters, at least one. */
        while (p[end]) {
            size_t n = utf8_len(p[end]), enc = 0;

            for (k = 0; k < n && p[end + k]; k++)
                enc += q_len(p[end + k]);
            if (used > 0 && used + enc > cap)
                break;
            used += enc;
            end += k;
            if (p[end - 1] == ' ')
                after_space = end;
        }
        if (phrase && p[end] && after_space > 0)
            end = after_space;
        ct_buf_reset(&word);
        ct_buf_puts(&word, pre);
        for (k = 0; k < end; k++) {
            if (p[k] == ' ')
                ct_buf_putc(&word, '_');
            else if (q_literal(p[k]))
                ct_buf_putc(&word, (char)p[k]);
            else
                ct_buf_printf(&word, "=%02X", p[k]);
        }
        ct_buf_puts(&word, post);
        if (word.failed) {
            h->b->failed = true;
            break;
        }
        header_token(h, word.data, word.len);
        p += end;
    }
    ct_buf_free(&word);
}

/* Can s be sent as plain ASCII words without changing what a reader decodes? */
static bool
plain_ascii_words(const char *s, size_t max_word)
{
    size_t word = 0;

    if (*s == '\0' || *s == ' ' || s[strlen(s) - 1] == ' ' || strstr(s, "=?") != NULL ||
        strstr(s, "  ") != NULL)
        return false;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c >= 0x7f)
            return false;
        word = c == ' ' ? 0 : word + 1;
        if (word > max_word)
            return false;
    }
    return true;
}

/* An unstructured header (Subject): plain words where possible, else RFC 2047. */
static void
header_unstructured(struct ct_buf *b, const char *name, const char *value)
{
    struct header h;

    header_begin(&h, b, name);
    if (plain_ascii_words(value, 60)) {
        const char *s = value;
        while (*s) {
            size_t len = strcspn(s, " ");
            header_token(&h, s, len);
            s += len;
            if (*s == ' ')
                s++;
        }
    } else {
        header_encoded_words(&h, value, false);
    }
    header_end(&h);
}

/*
 * s with runs of spaces made one and the ends trimmed: display names are
 * single-spaced, as most mail readers show them anyway. Heap string.
 */
static char *
single_spaced(const char *s)
{
    char *out = malloc(strlen(s) + 1), *o = out;

    if (out == NULL)
        return NULL;
    for (; *s; s++) {
        if (*s == ' ' && (o == out || o[-1] == ' '))
            continue;
        *o++ = *s;
    }
    if (o > out && o[-1] == ' ')
        o--;
    *o = '\0';
    return out;
}

/*
 * "Name: display <addr>" with one mailbox: the display name as a quoted
 * string when it is short plain ASCII without specials, otherwise as RFC
 * 2047 words, in which every special is encoded. No comma, angle bracket
 * or quote in a name can then add an address, even in a careless parser.
 */
static void
header_mailbox(struct ct_buf *b, const char *name, const char *display_name, const char *addr)
{
    struct header h;
    char *angle = ct_asprintf("<%s>", addr), *display = single_spaced(display_name);

    header_begin(&h, b, name);
    if (angle == NULL || display == NULL) {
        b->failed = true;
        free(angle);
        free(display);
        return;
    }
    if (*display == '\0') {
        /* nothing before the address */
    } else if (plain_ascii_words(display, 40) && strlen(display) <= 40 &&
               strpbrk(display, "\"\\<>,;:@()[]") == NULL) {
        char *quoted = ct_asprintf("\"%s\"", display);

        if (quoted == NULL)
            b->failed = true;
        else
            header_token(&h, quoted, strlen(quoted));
        free(quoted);
    } else {
        header_encoded_words(&h, display, true);
    }
    header_token(&h, angle, strlen(angle));
    header_end(&h);
    free(angle);
    free(display);
}

static void
header_date(struct ct_buf *b, int64_t t)
{
    static const char *const wd[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *const mon[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;

    if (gmtime_r(&tt, &tm) == NULL) {
        b->failed = true;
        return;
    }
    ct_buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", wd[tm.tm_wday], tm.tm_mday,
                  mon[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/*
 * Quoted-printable (RFC 2045 6.7) of text with CRLF line ends. A '.' or
 * "From " at the start of a line is encoded too, so neither SMTP dot
 * stuffing nor mbox "From " quoting can alter the body.
 */
static void
put_quoted_printable(struct ct_buf *b, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    char *o;

    while (*s) {
        unsigned char c = (unsigned char)*s;
        bool literal;

        /* Room for the most one input byte makes: a soft break and "=XX". */
        if (b->cap - b->len < 8 && !ct_buf_reserve(b, 1024))
            return;
        o = b->data + b->len;
        if (c == '\r' && s[1] == '\n') {
            memcpy(o, "\r\n", 2);
            b->len += 2;
            col = 0;
            s += 2;
            continue;
        }
        literal = (c >= 33 && c <= 126 && c != '=') ||
                  ((c == ' ' || c == '\t') && s[1] != '\r' && s[1] != '\0');
        if (col + (literal ? 1 : 3) > QP_LINE_MAX - 1) {
            memcpy(o, "=\r\n", 3);
            o += 3;
            col = 0;
        }
        if (col == 0 && (c == '.' || strncmp(s, "From ", 5) == 0))
            literal = false;
        if (literal) {
            *o++ = (char)c;
            col++;
        } else {
            *o++ = '=';
            *o++ = hex[c >> 4];
            *o++ = hex[c & 15];
            col += 3;
        }
        b->len = (size_t)(o - b->data);
        s++;
    }
    if (b->data)
        b->data[b->len] = '\0';
    if (col > 0)
        ct_buf_puts(b, "=\r\n");
}

static void
put_base64(struct ct_buf *b, const char *data, size_t len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = (const unsigned char *)data;
    size_t i, col = 0;
    char *o;

    /* 4 characters per 3 bytes, CRLF after each B64_LINE_MAX and at the end. */
    if (len > SIZE_MAX / 2 || !ct_buf_reserve(b, (len + 2) / 3 * 4 + (len / 57 + 1) * 2 + 2))
        return;
    o = b->data + b->len;
    for (i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)p[i] << 16;

        if (i + 1 < len)
            v |= (uint32_t)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        o[0] = alphabet[(v >> 18) & 63];
        o[1] = alphabet[(v >> 12) & 63];
        o[2] = i + 1 < len ? alphabet[(v >> 6) & 63] : '=';
        o[3] = i + 2 < len ? alphabet[v & 63] : '=';
        o += 4;
        col += 4;
        if (col >= B64_LINE_MAX) {
            *o++ = '\r';
            *o++ = '\n';
            col = 0;
        }
    }
    if (col > 0) {
        *o++ = '\r';
        *o++ = '\n';
    }
    b->len = (size_t)(o - b->data);
    *o = '\0';
}

/*
 * A Message-ID we put between angle brackets: printable ASCII without
 * spaces, brackets or quotes, and one '@' with text on both sides.
 */
static bool
message_id_ok(const char *id)
{
    const char *at;
    size_t len;

    if (id == NULL || (len = strlen(id)) == 0 || len > MESSAGE_ID_MAX)
        return false;
    at = strchr(id, '@');
    if (at == NULL || at == id || at[1] == '\0' || strchr(at + 1, '@') != NULL)
        return false;
    for (; *id; id++) {
        unsigned char c = (unsigned char)*id;
        if (c <= 0x20 || c >= 0x7f || strchr("<>\"\\()[],;:", c) != NULL)
            return false;
    }
    return true;
}

/* A boundary no QP or base64 body can contain: "=_" never occurs in either. */
static void
make_boundary(char *out, size_t size, const char *message_id, const char *which)
{
    uint64_t h = mix64(fnv1a(fnv1a(FNV_BASIS, message_id, false), which, false));

    snprintf(out, size, "=_ct_%s_%016llx", which, (unsigned long long)h);
}

/* From, To, Subject, Date, Message-ID, MIME-Version. */
static void
put_common_headers(struct ct_buf *b, const char *from_name, const char *from_addr,
                   const char *to_name, const char *to_addr, const char *subject,
                   const char *message_id, int64_t date)
{
    header_mailbox(b, "From", from_name, from_addr);
    header_mailbox(b, "To", to_name, to_addr);
    header_unstructured(b, "Subject", subject);
    header_date(b, date);
    ct_buf_printf(b, "Message-ID: <%s>\r\n", message_id);
    ct_buf_puts(b, "MIME-Version: 1.0\r\n");
}

void
ct_invite_message_clear(struct ct_invite_message *msg)
{
    if (msg == NULL)
        return;
    free(msg->recipient);
    free(msg->subject);
    free(msg->text);
    free(msg->html);
    free(msg->ics);
    free(msg->message_id);
    free(msg->raw);
    memset(msg, 0, sizeof(*msg));
}

enum ct_status
ct_invite_message(const struct ct_invite *inv, size_t recipient, const char *message_id,
                  int64_t date, struct ct_invite_message *out, struct ct_error *err)
{
    struct prepared p;
    struct content c;
    struct ct_buf b;
    char mixed[64], alt[64], *list_headers = NULL;
    const char *method;
    enum ct_status st;

    memset(out, 0, sizeof(*out));
    memset(&c, 0, sizeof(c));
    ct_buf_init(&b);
    if (!message_id_ok(message_id))
        return ct_error_set(err, CT_EUSAGE, "malformed Message-ID");
    st = prepare(inv, &p, err);
    if (st != CT_OK)
        return st;
    if (recipient >= p.n) {
        st = ct_error_set(err, CT_EUSAGE, "recipient %zu is not a member of the group", recipient);
        goto done;
    }
    st = build_content(&p, recipient, &c, err);
    if (st != CT_OK)
        goto done;
    method = inv->method == CT_INVITE_CANCEL ? "CANCEL" : "REQUEST";
    out->text = to_crlf(c.text);
    out->html = to_crlf(c.html);
    if (out->text == NULL || out->html == NULL)
        goto nomem;

    if ((st = ct_invite_list_unsubscribe(inv->links, &list_headers, err)) != CT_OK)
        goto done;
    make_boundary(mixed, sizeof(mixed), message_id, "mixed");
    make_boundary(alt, sizeof(alt), message_id, "alt");
    /* One allocation for the usual message: headers, QP bodies, the calendar twice in base64. */
    ct_buf_reserve(&b, 4096 + strlen(list_headers) +
                           (strlen(out->text) + strlen(out->html)) * 5 / 4 + strlen(c.ics) * 3);
    put_common_headers(&b, p.organiser_name, p.organiser_email, p.m[recipient].name,
                       p.m[recipient].email, c.subject, message_id, date);
    ct_buf_puts(&b, list_headers);
    ct_buf_printf(&b, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n\r\n", mixed);
    ct_buf_puts(&b, "This is a calendar invitation in MIME format.\r\n");
    ct_buf_printf(&b, "\r\n--%s\r\n", mixed);
    ct_buf_printf(&b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", alt);
    ct_buf_printf(&b, "--%s\r\n", alt);
    ct_buf_puts(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    put_quoted_printable(&b, out->text);
    ct_buf_printf(&b, "\r\n--%s\r\n", alt);
    ct_buf_puts(&b, "Content-Type: text/html; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    put_quoted_printable(&b, out->html);
    ct_buf_printf(&b, "\r\n--%s\r\n", alt);
    ct_buf_printf(&b, "Content-Type: text/calendar; charset=UTF-8; method=%s\r\n", method);
    ct_buf_puts(&b, "Content-Transfer-Encoding: base64\r\n\r\n");
    put_base64(&b, c.ics, strlen(c.ics));
    ct_buf_printf(&b, "\r\n--%s--\r\n", alt);
    ct_buf_printf(&b, "\r\n--%s\r\n", mixed);
    ct_buf_puts(&b, "Content-Type: application/ics; name=\"invite.ics\"\r\n"
                    "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
                    "Content-Transfer-Encoding: base64\r\n\r\n");
    put_base64(&b, c.ics, strlen(c.ics));
    ct_buf_printf(&b, "\r\n--%s--\r\n", mixed);
    if (b.failed)
        goto nomem;

    out->raw_len = b.len;
    out->raw = ct_buf_steal(&b);
    out->recipient = strdup(p.m[recipient].email);
    out->message_id = strdup(message_id);
    out->method = method;
    out->subject = c.subject;
    out->ics = c.ics;
    c.subject = NULL;
    c.ics = NULL;
    if (out->raw == NULL || out->recipient == NULL || out->message_id == NULL)
        goto nomem;
    st = CT_OK;
    goto done;
nomem:
    st = ct_error_set(err, CT_ENOMEM, "out of memory");
done:
    if (st != CT_OK)
        ct_invite_message_clear(out); /* the bodies made before a refused link, say */
    ct_buf_free(&b);
    content_free(&c);
    prepared_free(&p);
    free(list_headers);
    return st;
}

enum ct_status
ct_invite_subject(const struct ct_invite *inv, size_t recipient, char **subject,
                  struct ct_error *err)
{
    struct prepared p;
    enum ct_status st;

    *subject = NULL;
    if ((st = prepare(inv, &p, err)) != CT_OK)
        return st;
    if (recipient >= p.n)
        st = ct_error_set(err, CT_EUSAGE, "recipient %zu is not a member of the group", recipient);
    else if ((*subject = subject_for(&p, recipient)) == NULL)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    prepared_free(&p);
    return st;
}

enum ct_status
ct_invite_subjects(const struct ct_invite *inv, char **subjects, struct ct_error *err)
{
    struct prepared p;
    enum ct_status st;
    size_t i;

    if ((st = prepare(inv, &p, err)) != CT_OK)
        return st;
    for (i = 0; i < p.n; i++) {
        if ((subjects[i] = subject_for(&p, i)) == NULL) {
            while (i > 0)
                free(subjects[--i]);
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
            break;
        }
    }
    prepared_free(&p);
    return st;
}

/* ------------------------------------------------------------------ */
/* Notices                                                              */

/* A notice's text with links' block put before its signature ("-- "), else at the end. */
static enum ct_status
notice_links(char **body, const struct ct_invite_links *l)
{
    struct bodies bd = {0};
    char *sig, *joined;

    ct_buf_init(&bd.text);
    ct_buf_init(&bd.html);
    put_links(&bd, l, false);
    if (bd.text.failed || bd.html.failed) {
        ct_buf_free(&bd.text);
        ct_buf_free(&bd.html);
        return CT_ENOMEM;
    }
    sig = strstr(*body, "\n-- \n");
    if (sig)
        joined = ct_asprintf("%.*s\n\n%s%s", (int)(sig - *body), *body,
                             bd.text.data ? bd.text.data : "", sig + 1);
    else
        joined = ct_asprintf("%s\n\n%s", *body, bd.text.data ? bd.text.data : "");
    ct_buf_free(&bd.text);
    ct_buf_free(&bd.html);
    if (joined == NULL)
        return CT_ENOMEM;
    free(*body);
    *body = joined;
    return CT_OK;
}

/* Whether line (up to len) is one http(s) URL without spaces. */
static bool
is_url_line(const char *line, size_t len)
{
    size_t i;

    if (!((len > 8 && strncmp(line, "https://", 8) == 0) ||
          (len > 7 && strncmp(line, "http://", 7) == 0)))
        return false;
    for (i = 0; i < len; i++)
        if (line[i] == ' ' || line[i] == '"' || line[i] == '<' || line[i] == '>')
            return false;
    return true;
}

/* One paragraph para[0..len) of a notice as HTML into b. */
static void
put_notice_paragraph(struct ct_buf *b, const char *para, size_t len)
{
    const char *nl = memchr(para, '\n', len);
    char *part;

    if (nl && memchr(nl + 1, '\n', len - (size_t)(nl + 1 - para)) == NULL &&
        is_url_line(nl + 1, len - (size_t)(nl + 1 - para))) {
        /* "LABEL\nURL": one big link, wide enough for a thumb, never wider than the screen. */
        ct_buf_puts(b, "<p><a style=\"display:inline-block;padding:0.8em 1.4em;border-radius:6px;"
                       "background:#1f5f8b;color:#ffffff;text-decoration:none;font-size:1.1em;"
                       "max-width:100%;box-sizing:border-box\" href=\"");
        part = strndup(nl + 1, len - (size_t)(nl + 1 - para));
        if (part == NULL) {
            b->failed = true;
            return;
        }
        put_html_escaped(b, part);
        free(part);
        ct_buf_puts(b, "\">");
        part = strndup(para, (size_t)(nl - para));
        if (part == NULL) {
            b->failed = true;
            return;
        }
        put_html_escaped(b, part);
        free(part);
        ct_buf_puts(b, "</a></p>\n");
        return;
    }
    if ((part = strndup(para, len)) == NULL) {
        b->failed = true;
        return;
    }
    ct_buf_puts(b, "<p>");
    put_html_escaped(b, part);
    ct_buf_puts(b, "</p>\n");
    free(part);
}

/* The HTML of a notice whose text is body (LF line ends). Heap; NULL when out of memory. */
static char *
notice_html(const char *subject, const char *body)
{
    struct ct_buf b;
    const char *p = body;

    ct_buf_init(&b);
    ct_buf_puts(&b, "<!DOCTYPE html>\n<html>\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<title>");
    put_html_escaped(&b, subject);
    ct_buf_puts(&b, "</title>\n</head>\n<body style=\"font-family:sans-serif;line-height:1.5;"
                    "max-width:40em;margin:0 auto;padding:1em;overflow-wrap:anywhere\">\n");
    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);

        while (len > 0 && p[len - 1] == '\n')
            len--;
        if (len > 0)
            put_notice_paragraph(&b, p, len);
        if (end == NULL)
            break;
        p = end + 2;
        while (*p == '\n')
            p++;
    }
    ct_buf_puts(&b, "</body>\n</html>\n");
    if (b.failed) {
        ct_buf_free(&b);
        return NULL;
    }
    return ct_buf_steal(&b);
}

/* The body of a notice with an HTML alternative, after the common headers. */
static void
put_notice_alternative(struct ct_buf *b, const char *message_id, const char *text, const char *html)
{
    char alt[80];

    make_boundary(alt, sizeof(alt), message_id, "alt");
    ct_buf_printf(b, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n\r\n", alt);
    ct_buf_printf(b, "--%s\r\n", alt);
    ct_buf_puts(b, "Content-Type: text/plain; charset=UTF-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    put_quoted_printable(b, text);
    ct_buf_printf(b, "\r\n--%s\r\n", alt);
    ct_buf_puts(b, "Content-Type: text/html; charset=UTF-8\r\n"
                   "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    put_quoted_printable(b, html);
    ct_buf_printf(b, "\r\n--%s--\r\n", alt);
}

enum ct_status
ct_invite_notice(const struct ct_invite_notice *n, const char *message_id, int64_t date,
                 struct ct_invite_message *out, struct ct_error *err)
{
    char *from_name = NULL, *to_name = NULL, *subject = NULL, *body = NULL, *text = NULL;
    char *list_headers = NULL;
    struct ct_buf b;
    enum ct_status st;

    memset(out, 0, sizeof(*out));
    ct_buf_init(&b);
    if (n == NULL || !message_id_ok(message_id))
        return ct_error_set(err, CT_EUSAGE, "notice without a well-formed Message-ID");
    if (check_address("organiser_email", n->organiser_email, err) != CT_OK ||
        check_address("recipient", n->recipient_email, err) != CT_OK)
        return CT_EDATA;
    from_name = clean_text(n->organiser_name ? n->organiser_name : n->network, false);
    to_name = clean_text(n->recipient_name, false);
    subject = clean_text(n->subject ? n->subject : n->network, false);
    if ((st = ct_invite_list_unsubscribe(n->links, &list_headers, err)) != CT_OK)
        goto done;
    body = clean_text(n->text, true);
    if (body && n->links && !n->links_headers_only && (st = notice_links(&body, n->links)) != CT_OK)
        goto nomem;
    text = body ? to_crlf(body) : NULL;
    if (!from_name || !to_name || !subject || !text)
        goto nomem;
    put_common_headers(&b, from_name, n->organiser_email, to_name, n->recipient_email, subject,
                       message_id, date);
    ct_buf_puts(&b, list_headers);
    if (n->html) {
        char *html = notice_html(subject, body);
        out->html = html ? to_crlf(html) : NULL;
        free(html);
        if (out->html == NULL)
            goto nomem;
        put_notice_alternative(&b, message_id, text, out->html);
    } else {
        ct_buf_puts(&b, "Content-Type: text/plain; charset=UTF-8\r\n"
                        "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
        put_quoted_printable(&b, text);
    }
    if (b.failed)
        goto nomem;
    out->raw_len = b.len;
    out->raw = ct_buf_steal(&b);
    out->recipient = strdup(n->recipient_email);
    out->message_id = strdup(message_id);
    out->subject = subject;
    out->text = text;
    subject = text = NULL;
    if (out->raw == NULL || out->recipient == NULL || out->message_id == NULL)
        goto nomem;
    st = CT_OK;
    goto done;
nomem:
    st = ct_error_set(err, CT_ENOMEM, "out of memory");
    ct_invite_message_clear(out);
done:
    ct_buf_free(&b);
    free(from_name);
    free(to_name);
    free(subject);
    free(body);
    free(text);
    free(list_headers);
    return st;
}

enum ct_status
ct_invite_pause_notice(const char *network, const char *organiser_name, const char *organiser_email,
                       const char *recipient_name, int unanswered, char **subject, char **text,
                       struct ct_error *err)
{
    char *net = clean_text(network ? network : "Coffee Trial", false);
    char *org = clean_text(organiser_name ? organiser_name : "the organiser", false);
    char *who = clean_text(recipient_name, false);
    char *addr = clean_text(organiser_email, false);
    enum ct_status st = CT_OK;

    *subject = *text = NULL;
    if (net && org && who && addr) {
        *subject = ct_asprintf("%s: your invitations are paused", net);
        *text = ct_asprintf(
            "Hello %s,\n\n"
            "The last %d %s invitations sent to you went unanswered, so we have paused your "
            "membership: you will not be paired in the coming rounds.\n\n"
            "To take part again, reply to this message and say so; %s will resume your "
            "membership. If you would rather stop, you need not do anything.\n\n"
            "-- \n%s, organised by %s <%s>\n",
            who, unanswered, net, org, net, org, addr);
    }
    if (*subject == NULL || *text == NULL) {
        free(*subject);
        free(*text);
        *subject = *text = NULL;
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    free(net);
    free(org);
    free(who);
    free(addr);
    return st;
}
