/*
 * config.c: the INI reader behind struct ct_config: one table of every
 * section and key, inih for the key = value syntax, and our own line reader
 * so every problem names its line (see "How lines reach inih" below).
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <ini.h>
#include <libical/ical.h>

#include "clock.h"
#include "invite.h"
#include "orgname.h"
#include "util.h"
#include "validate.h"

/* One copy of the default prompts: the invitation builder owns them. */
#define CT_DEFAULT_PROMPTS CT_INVITE_DEFAULT_PROMPTS

#define CONFIG_MAX_BYTES  (1024 * 1024)
#define PROMPTS_MAX_BYTES (64 * 1024)
#define MINUTE            60
#define HOUR              3600
#define DAY               86400

/* What a key's value is, and so how it is checked, stored and shown. */
enum key_type {
    K_TEXT,         /* one line of text, no control characters */
    K_TEMPLATE,     /* text with {placeholders} */
    K_URL_TEMPLATE, /* a template that must be an http(s) URL */
    K_EMAIL,        /* addr-spec */
    K_ZONE,         /* IANA time zone */
    K_PATH,         /* a path, relative to the working directory */
    K_SOURCE,       /* a path or an http(s) URL */
    K_FILE,         /* a file next to the config or in $CREDENTIALS_DIRECTORY */
    K_DURATION,     /* int64_t seconds */
    K_CLOCK,        /* int minutes after midnight */
    K_HOURS,        /* two ints: work_start_minutes, work_end_minutes */
    K_DAYS,         /* unsigned weekday bits */
    K_DATE,         /* YYYY-MM-DD kept as text */
    K_RRULE,        /* RFC 5545 RRULE kept as text */
    K_NUMBER,       /* double */
    K_INT,          /* int */
    K_REPEATS,      /* int, "always" = 0 */
    K_BOUNDARIES,   /* unsigned enum ct_boundary bits */
    K_ODD,          /* enum ct_odd_policy */
    K_KIND,         /* enum ct_transport_kind */
    K_SMTP_TLS,     /* enum ct_smtp_tls */
    K_PROXY,        /* "none", "env" or a proxy URL */
    K_LOG_LEVEL,    /* enum ct_log_level */
    K_URL,          /* URL with one of the schemes listed */
    K_PROMPTS,      /* multi-line text or a file */
    K_SIZE,         /* int64_t bytes, with K, M, G suffixes */
    K_SHARE,        /* struct ct_share: a count up to max, or a percentage "N%" */
    K_BOOL,         /* bool: yes/no */
    K_LISTEN,       /* "ADDRESS:PORT", a numeric IPv4 or [IPv6] address, kept as text */
    K_BASE_URL,     /* an http(s) URL that links are built on: no query, fragment or quotes */
};

#define KF_OPTIONAL 1u /* an empty value leaves the key unset (NULL) */
#define KF_ZERO_OK  2u /* 0 is allowed below min (a duration meaning "never") */
#define KF_SECRET   4u /* a K_FILE holding a secret */
#define KF_MULTI    8u /* indented lines continue the value */

struct key_def {
    const char *section;
    const char *name;
    enum key_type type;
    size_t offset; /* of the field in struct ct_config */
    int64_t min, max;
    unsigned flags;
    const char *schemes; /* K_URL: the schemes allowed, space separated */
};

#define F(field) offsetof(struct ct_config, field)

/* The [pairing] key of each weight the organiser sets (weights.h). */
#define WEIGHT_KEY(ID, name, conf, key, def, min, max, label, order)                               \
    WEIGHT_KEY_##conf(ID, key, min, max)
#define WEIGHT_KEY_KEY(ID, key, min, max)                                                          \
    {"pairing", key, K_NUMBER, F(pairing.weight[CT_W_##ID]), min, max, 0, NULL},
#define WEIGHT_KEY_NOKEY(ID, key, min, max)

/* Every key, in the order the documentation and "config show" list them. */
static const struct key_def keys[] = {
    {"network", "name", K_TEXT, F(network.name), 0, 0, 0, NULL},
    {"network", "organiser_name", K_TEXT, F(network.organiser_name), 0, 0, 0, NULL},
    {"network", "organiser_email", K_EMAIL, F(network.organiser_email), 0, 0, 0, NULL},
    {"network", "timezone", K_ZONE, F(network.timezone), 0, 0, 0, NULL},
    {"store", "path", K_PATH, F(store.path), 0, 0, 0, NULL},
    {"store", "keep_messages", K_DURATION, F(store.keep_messages), DAY, 3650 * DAY, KF_ZERO_OK,
     NULL},
    {"roster", "source", K_SOURCE, F(roster.source), 0, 0, KF_OPTIONAL, NULL},
    {"roster", "refresh", K_DURATION, F(roster.refresh), MINUTE, 30 * DAY, KF_ZERO_OK, NULL},
    {"roster", "max_bytes", K_SIZE, F(roster.max_bytes), 1024, INT64_C(1) << 30, 0, NULL},
    {"roster", "timeout", K_DURATION, F(roster.timeout), 1, HOUR, 0, NULL},
    {"roster", "ca_file", K_FILE, F(roster.ca_file), 0, 0, KF_OPTIONAL, NULL},
    {"roster", "max_left", K_SHARE, F(roster.max_left), 0, 1000000, 0, NULL},
    {"roster", "aliases", K_FILE, F(roster.aliases), 0, 0, KF_OPTIONAL, NULL},
    {"schedule", "rrule", K_RRULE, F(schedule.rrule), 0, 0, 0, NULL},
    {"schedule", "start", K_DATE, F(schedule.start), 0, 0, KF_OPTIONAL, NULL},
    {"schedule", "time", K_CLOCK, F(schedule.time_minutes), 0, 24 * 60 - 1, 0, NULL},
    {"schedule", "review_period", K_DURATION, F(schedule.review_period), 0, 90 * DAY, 0, NULL},
    {"schedule", "meeting_window", K_DURATION, F(schedule.meeting_window), HOUR, 366 * DAY, 0,
     NULL},
    {"schedule", "duration", K_DURATION, F(schedule.duration), 5 * MINUTE, 8 * HOUR, 0, NULL},
    {"schedule", "working_hours", K_HOURS, F(schedule.work_start_minutes), 0, 0, 0, NULL},
    {"schedule", "working_days", K_DAYS, F(schedule.working_days), 0, 0, 0, NULL},
    {"pairing", "avoid_repeats", K_REPEATS, F(pairing.avoid_repeats), 1, 1000, 0, NULL},
    {"pairing", "require_different", K_BOUNDARIES, F(pairing.require_different), 0, 0, 0, NULL},
    CT_WEIGHT_LIST(WEIGHT_KEY){"pairing", "odd", K_ODD, F(pairing.odd), 0, 0, 0, NULL},
    {"pairing", "group_size", K_INT, F(pairing.group_size), 2, CT_GROUP_MAX, 0, NULL},
    {"pairing", "unanswered_limit", K_INT, F(pairing.unanswered_limit), 0, 100, 0, NULL},
    {"pairing", "rematch", K_BOOL, F(pairing.rematch), 0, 0, 0, NULL},
    {"pairing", "rematch_until", K_DURATION, F(pairing.rematch_until), HOUR, 366 * DAY, KF_ZERO_OK,
     NULL},
    {"invite", "subject", K_TEMPLATE, F(invite.subject), 0, 0, 0, NULL},
    {"invite", "prompts", K_PROMPTS, F(invite.prompts), 0, 0, KF_MULTI, NULL},
    {"invite", "opener", K_TEXT, F(invite.opener), 0, 0, KF_OPTIONAL, NULL},
    {"invite", "location", K_TEMPLATE, F(invite.location), 0, 0, KF_OPTIONAL, NULL},
    {"invite", "url", K_URL_TEMPLATE, F(invite.url), 0, 0, KF_OPTIONAL, NULL},
    {"invite", "location_in_person", K_TEMPLATE, F(invite.location_in_person), 0, 0, KF_OPTIONAL,
     NULL},
    {"invite", "location_remote", K_TEMPLATE, F(invite.location_remote), 0, 0, KF_OPTIONAL, NULL},
    {"transport", "kind", K_KIND, F(transport.kind), 0, 0, 0, NULL},
    {"transport", "max_attempts", K_INT, F(transport.max_attempts), 1, 100, 0, NULL},
    {"transport", "retry_base", K_DURATION, F(transport.retry_base), 1, DAY, 0, NULL},
    {"transport", "proxy", K_PROXY, F(transport.proxy), 0, 0, 0,
     "http https socks4 socks4a socks5 socks5h"},
    {"spool", "dir", K_PATH, F(spool.dir), 0, 0, 0, NULL},
    {"smtp", "url", K_URL, F(smtp.url), 0, 0, KF_OPTIONAL, "smtp smtps"},
    {"smtp", "username", K_TEXT, F(smtp.username), 0, 0, KF_OPTIONAL, NULL},
    {"smtp", "password_file", K_FILE, F(smtp.password_file), 0, 0, KF_OPTIONAL | KF_SECRET, NULL},
    {"smtp", "ca_file", K_FILE, F(smtp.ca_file), 0, 0, KF_OPTIONAL, NULL},
    {"smtp", "timeout", K_DURATION, F(smtp.timeout), 1, HOUR, 0, NULL},
    {"smtp", "tls", K_SMTP_TLS, F(smtp.tls), 0, 0, 0, NULL},
    {"smtp", "connections", K_INT, F(smtp.connections), 1, 32, 0, NULL},
    {"http", "url", K_URL, F(http.url), 0, 0, KF_OPTIONAL, "http https"},
    {"http", "token_file", K_FILE, F(http.token_file), 0, 0, KF_OPTIONAL | KF_SECRET, NULL},
    {"http", "ca_file", K_FILE, F(http.ca_file), 0, 0, KF_OPTIONAL, NULL},
    {"http", "timeout", K_DURATION, F(http.timeout), 1, HOUR, 0, NULL},
    {"imap", "url", K_URL, F(imap.url), 0, 0, KF_OPTIONAL, "imap imaps"},
    {"imap", "username", K_TEXT, F(imap.username), 0, 0, KF_OPTIONAL, NULL},
    {"imap", "password_file", K_FILE, F(imap.password_file), 0, 0, KF_OPTIONAL | KF_SECRET, NULL},
    {"imap", "ca_file", K_FILE, F(imap.ca_file), 0, 0, KF_OPTIONAL, NULL},
    {"imap", "poll_interval", K_DURATION, F(imap.poll_interval), 10, DAY, KF_ZERO_OK, NULL},
    {"log", "level", K_LOG_LEVEL, F(log.level), 0, 0, 0, NULL},
    {"web", "listen", K_LISTEN, F(web.listen), 0, 0, 0, NULL},
    {"web", "public_url", K_BASE_URL, F(web.public_url), 0, 0, KF_OPTIONAL, NULL},
    {"web", "secret_file", K_FILE, F(web.secret_file), 0, 0, KF_OPTIONAL | KF_SECRET, NULL},
    {"web", "metrics", K_BOOL, F(web.metrics), 0, 0, 0, NULL},
    {"messages", "welcome", K_BOOL, F(messages.welcome), 0, 0, 0, NULL},
    {"messages", "reminder_before", K_DURATION, F(messages.reminder_before), HOUR, 30 * DAY,
     KF_ZERO_OK, NULL},
    {"messages", "checkin_after", K_DURATION, F(messages.checkin_after), HOUR, 30 * DAY, KF_ZERO_OK,
     NULL},
};

#define NKEYS CT_ARRAY_LEN(keys)

static const char *const sections[] = {
    "network", "store", "roster", "schedule", "pairing", "invite", "transport",
    "spool",   "smtp",  "http",   "imap",     "log",     "web",    "messages",
};

#define NSECTIONS CT_ARRAY_LEN(sections)

static const char *const placeholders[] = {"network", "round", "date", "names", "uid", "site"};

static const char *const weekdays[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

struct ct_config_origin {
    long key_line[NKEYS];
    long section_line[NSECTIONS];
};

/* ---- lifetime ---------------------------------------------------------- */

struct ct_config *
ct_config_new_defaults(void)
{
    struct ct_config *c = calloc(1, sizeof(*c));
    size_t i;

    if (c == NULL)
        return NULL;
    c->network.name = strdup("Coffee Trial");
    c->network.organiser_name = strdup("Coffee Trial organiser");
    c->network.organiser_email = strdup("organiser@example.org");
    c->network.timezone = strdup("Europe/London");
    c->store.path = strdup("coffeetrial.db");
    c->roster.refresh = 6 * HOUR;
    c->roster.max_bytes = 64 * 1024 * 1024;
    c->roster.timeout = 60;
    c->roster.max_left.value = 10;
    c->roster.max_left.percent = true;
    c->schedule.rrule = strdup("FREQ=MONTHLY;BYDAY=1MO");
    c->schedule.time_minutes = 9 * 60;
    c->schedule.review_period = 2 * DAY;
    c->schedule.meeting_window = 14 * DAY;
    c->schedule.duration = 30 * MINUTE;
    c->store.keep_messages = 90 * DAY;
    c->schedule.work_start_minutes = 9 * 60;
    c->schedule.work_end_minutes = 17 * 60;
    c->schedule.working_days = 0x1f;
    c->pairing.avoid_repeats = 0;
    c->pairing.require_different = 0;
    /* Pairing weights: measured by tests/bench (simulate) to reach zero
     * repeats, zero tied pairs, full cross-organisation share and the reach
     * bound on a 12-organisation network; see docs/pairing.md. */
    for (i = 0; i < CT_WEIGHT_COUNT; i++)
        c->pairing.weight[i] = ct_weights[i].key ? ct_weights[i].default_value : 0;
    c->pairing.odd = CT_ODD_TRIO;
    c->pairing.group_size = 2;
    c->pairing.unanswered_limit = 3;
    c->pairing.rematch = 1;
    c->pairing.rematch_until = 2 * DAY;
    c->invite.subject = strdup("{network}: coffee with {names}");
    c->invite.prompts = strdup(CT_DEFAULT_PROMPTS);
    c->transport.kind = CT_TRANSPORT_SPOOL;
    c->transport.max_attempts = 8;
    c->transport.retry_base = 5 * MINUTE;
    c->transport.proxy = strdup("none");
    c->spool.dir = strdup("spool");
    c->smtp.timeout = 30;
    c->smtp.connections = 4;
    c->http.timeout = 30;
    c->imap.poll_interval = 15 * MINUTE;
    c->log.level = CT_LOG_INFO;
    c->web.listen = strdup("127.0.0.1:8025");
    c->web.metrics = false;
    if (!c->network.name || !c->network.organiser_name || !c->network.organiser_email ||
        !c->network.timezone || !c->store.path || !c->schedule.rrule || !c->invite.subject ||
        !c->invite.prompts || !c->spool.dir || !c->transport.proxy || !c->web.listen) {
        ct_config_free(c);
        return NULL;
    }
    return c;
}

/* The char * field a string-valued key is stored in. */
static char **
string_field(struct ct_config *c, const struct key_def *k)
{
    return (char **)(void *)((char *)c + k->offset);
}

static bool
is_string_type(enum key_type t)
{
    switch (t) {
    case K_TEXT:
    case K_TEMPLATE:
    case K_URL_TEMPLATE:
    case K_EMAIL:
    case K_ZONE:
    case K_PATH:
    case K_SOURCE:
    case K_FILE:
    case K_DATE:
    case K_RRULE:
    case K_URL:
    case K_PROXY:
    case K_LISTEN:
    case K_BASE_URL:
    case K_PROMPTS: return true;
    default: return false;
    }
}

void
ct_config_free(struct ct_config *c)
{
    size_t i;

    if (c == NULL)
        return;
    for (i = 0; i < NKEYS; i++)
        if (is_string_type(keys[i].type))
            free(*string_field(c, &keys[i]));
    free(c->invite.prompts_file);
    ct_orgname_aliases_free(c->roster.org_aliases);
    free(c->origin);
    free(c->path);
    free(c);
}

const char *
ct_config_default_path(const char *from_option)
{
    const char *env;

    if (from_option && *from_option)
        return from_option;
    env = getenv("COFFEETRIAL_CONFIG");
    if (env && *env)
        return env;
    return CT_CONFIG_DEFAULT_PATH;
}

static int
find_key(const char *section, const char *name)
{
    size_t i;

    for (i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].section, section) == 0 && strcmp(keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int
find_section(const char *name)
{
    size_t i;

    for (i = 0; i < NSECTIONS; i++)
        if (strcmp(sections[i], name) == 0)
            return (int)i;
    return -1;
}

long
ct_config_line(const struct ct_config *cfg, const char *section, const char *key)
{
    int k;

    if (cfg == NULL || cfg->origin == NULL)
        return 0;
    if (key == NULL) {
        k = find_section(section);
        return k < 0 ? 0 : cfg->origin->section_line[k];
    }
    k = find_key(section, key);
    return k < 0 ? 0 : cfg->origin->key_line[k];
}

/* ---- the parser's state ------------------------------------------------- */

/*
 * How lines reach inih. inih (Debian libinih 55) reads into a 200-byte
 * buffer, so a longer line is cut and its rest parsed as a line of its
 * own; and it tells the handler neither the line number nor the section
 * header's line. So we hand it lines ourselves through ini_parse_stream():
 * each call of read_line() gives exactly one line of the file (without its
 * line end), and inih finishes with a line before asking for the next, so
 * every handler call belongs to the line read last.
 *
 * read_line() also classifies the line the way inih will (comment, indented
 * continuation of the previous key, [section], key = value), which lets us
 * keep our own section state and notice key lines inih rejected without a
 * handler call. A line too long for inih, or holding a NUL byte, is
 * reported and replaced by a stand-in of the same kind, so it is never
 * parsed in pieces.
 */
enum line_kind {
    LINE_BLANK,      /* empty or a comment */
    LINE_SECTION,    /* [section] */
    LINE_KEY,        /* key = value */
    LINE_CONTINUE,   /* indented line continuing the previous key's value */
    LINE_BROKEN_KEY, /* a key line we replaced: its handler call is ignored */
};

#define SECTION_NONE (-1) /* no header yet */
#define SECTION_SKIP (-2) /* an unknown or broken header: its keys are ignored */
#define KEY_IGNORED  (-1)

struct raw_value {
    char *text; /* as inih gave it; continuation lines joined with '\n' */
    long line;
    bool continued; /* had continuation lines */
};

struct parser {
    const char *name; /* file name for messages */
    char *dir;        /* its directory, for relative file names */
    const char *data;
    size_t len, pos;
    struct ct_diags *diags;
    size_t errors_at_start;
    int64_t now; /* Unix seconds: rule dates before it are past */

    long lineno;
    enum line_kind kind; /* of the line handed to inih last */
    bool handled;        /* the handler ran for that line */

    int section; /* index into sections[], or SECTION_NONE / SECTION_SKIP */
    long section_line[NSECTIONS];

    /* Mirrors inih's prev_name: whether an indented line continues a key. */
    bool have_prev;
    int prev_key; /* index into keys[] or KEY_IGNORED */

    struct raw_value raw[NKEYS];
    bool bad[NKEYS]; /* the value was reported as invalid */
};

static void perr(struct parser *p, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void pwarn(struct parser *p, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
perr(struct parser *p, long line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ct_diags_vadd(p->diags, CT_ERROR, p->name, line, fmt, ap);
    va_end(ap);
}

static void
pwarn(struct parser *p, long line, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ct_diags_vadd(p->diags, CT_WARNING, p->name, line, fmt, ap);
    va_end(ap);
}

/* The closest name in a list, if close enough to be a likely typo. */
static const char *
closest(const char *word, const char *const *names, size_t n)
{
    const char *best = NULL;
    size_t best_d = (size_t)-1, i, limit;

    limit = strlen(word) <= 4 ? 1 : strlen(word) <= 8 ? 2 : 3;
    for (i = 0; i < n; i++) {
        size_t d = ct_edit_distance(word, names[i]);
        if (d < best_d) {
            best_d = d;
            best = names[i];
        }
    }
    if (best_d <= limit)
        return best;
    /* "password" for "password_file": a name the word begins. */
    for (i = 0; i < n && strlen(word) >= 3; i++)
        if (strncasecmp(names[i], word, strlen(word)) == 0)
            return names[i];
    return NULL;
}

/*
 * A name from the file as it may appear in a message: control characters
 * become '?' (no escape sequences reach a terminal), long names are cut.
 */
static const char *
shown(const char *name, char *buf, size_t size)
{
    size_t i, n = strlen(name);

    if (n > 60)
        n = 60;
    for (i = 0; i < n && i + 4 < size; i++)
        buf[i] = iscntrl((unsigned char)name[i]) ? '?' : name[i];
    if (i < strlen(name) && i + 4 < size)
        buf[i++] = '.', buf[i++] = '.', buf[i++] = '.';
    buf[i] = '\0';
    return buf;
}

/* ---- reading lines ------------------------------------------------------ */

/* Where inih would end a section name or key: at chars or an inline comment. */
static const char *
find_chars_or_comment(const char *s, const char *chars)
{
    bool was_space = false;

    while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

/* Our own reading of a [section] line (the text in line is NUL-terminated). */
static void
section_header(struct parser *p, const char *text)
{
    const char *end = find_chars_or_comment(text + 1, "]"), *rest;
    char name[256];
    size_t n;
    int s;

    if (*end != ']') {
        /* inih keeps the previous section and prev_name; we skip its keys. */
        perr(p, p->lineno, "section header without ']'");
        p->section = SECTION_SKIP;
        return;
    }
    p->have_prev = false;
    for (rest = end + 1; isspace((unsigned char)*rest); rest++)
        ;
    if (*rest && *rest != ';' && *rest != '#')
        perr(p, p->lineno, "unexpected text after ']' in section header");
    text++;
    while (text < end && isspace((unsigned char)*text))
        text++;
    while (end > text && isspace((unsigned char)end[-1]))
        end--;
    n = (size_t)(end - text);
    if (n >= sizeof(name))
        n = sizeof(name) - 1;
    memcpy(name, text, n);
    name[n] = '\0';
    s = find_section(name);
    if (s < 0) {
        const char *hint = closest(name, sections, NSECTIONS);
        char buf[80];
        if (hint)
            perr(p, p->lineno, "unknown section [%s] (did you mean [%s]?)",
                 shown(name, buf, sizeof(buf)), hint);
        else
            perr(p, p->lineno, "unknown section [%s]", shown(name, buf, sizeof(buf)));
        p->section = SECTION_SKIP;
        return;
    }
    if (p->section_line[s])
        pwarn(p, p->lineno, "section [%s] repeated (first on line %ld); its keys are merged", name,
              p->section_line[s]);
    else
        p->section_line[s] = p->lineno;
    p->section = s;
}

/* Classify a line (NUL-terminated, line end removed) as inih will see it. */
static enum line_kind
classify(const struct parser *p, const char *line)
{
    const char *s = line;
    bool indented = isspace((unsigned char)*s);

    while (isspace((unsigned char)*s))
        s++;
    if (*s == '\0' || *s == ';' || *s == '#')
        return LINE_BLANK;
    if (indented && p->have_prev)
        return LINE_CONTINUE;
    if (*s == '[')
        return LINE_SECTION;
    return LINE_KEY;
}

/* Called before each new line: report a key line inih refused silently. */
static void
finish_line(struct parser *p)
{
    if (p->kind == LINE_KEY && !p->handled)
        perr(p, p->lineno, "expected 'key = value', '[section]' or a comment");
    p->kind = LINE_BLANK;
    p->handled = false;
}

static bool
all_ascii(const char *s, size_t n)
{
    size_t i;

    for (i = 0; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    return true;
}

/* The ini_reader: one line of the file per call; see "How lines reach inih". */
static char *
read_line(char *str, int num, void *stream)
{
    struct parser *p = stream;
    const char *start, *nl;
    size_t n, limit = num > 1 ? (size_t)num - 1 : 0;
    bool has_nul, too_long;
    char probe[256];

    finish_line(p);
    if (p->pos >= p->len)
        return NULL;
    start = p->data + p->pos;
    nl = memchr(start, '\n', p->len - p->pos);
    n = nl ? (size_t)(nl - start) : p->len - p->pos;
    p->pos += n + (nl != NULL);
    p->lineno++;
    if (n > 0 && start[n - 1] == '\r')
        n--;
    if (p->lineno == 1 && n >= 3 && memcmp(start, "\xef\xbb\xbf", 3) == 0) {
        start += 3;
        n -= 3;
    }
    has_nul = memchr(start, '\0', n) != NULL;
    too_long = n > limit;
    if (has_nul) {
        perr(p, p->lineno, "NUL byte in line");
    } else if (too_long) {
        if (all_ascii(start, n))
            perr(p, p->lineno, "line too long (%zu characters; at most %zu)", n, limit);
        else
            perr(p, p->lineno, "line too long (%zu bytes; at most %zu)", n, limit);
    } else {
        const char *why = ct_check_utf8(start, n);
        if (why)
            perr(p, p->lineno, "invalid UTF-8: %s", why);
    }
    if (!has_nul && !too_long) {
        memcpy(str, start, n);
        str[n] = '\0';
        p->kind = classify(p, str);
        if (p->kind == LINE_SECTION)
            section_header(p, strchr(str, '['));
        return str;
    }
    /* Classify by the line's start, then hand inih a stand-in of that kind. */
    n = strnlen(start, n < sizeof(probe) - 1 ? n : sizeof(probe) - 1);
    memcpy(probe, start, n);
    probe[n] = '\0';
    p->kind = classify(p, probe);
    switch (p->kind) {
    case LINE_SECTION:
        /* Its keys cannot be placed; "[]" resets inih's continuation state. */
        p->have_prev = false;
        p->section = SECTION_SKIP;
        snprintf(str, (size_t)num, "[]");
        break;
    case LINE_KEY:
        /* A dummy key keeps inih's continuation state in step with ours. */
        p->kind = LINE_BROKEN_KEY;
        snprintf(str, (size_t)num, "-=");
        break;
    default:
        /* A blank line changes nothing in inih, as the lost line would not. */
        p->kind = LINE_BLANK;
        str[0] = '\0';
        break;
    }
    return str;
}

/* ---- the handler: collecting raw values --------------------------------- */

static void
unknown_key(struct parser *p, const char *name)
{
    const char *names[NKEYS], *hint;
    size_t i, n = 0;
    const char *elsewhere = NULL;
    char buf[80];

    for (i = 0; i < NKEYS; i++) {
        if (strcmp(keys[i].section, sections[p->section]) == 0)
            names[n++] = keys[i].name;
        else if (strcmp(keys[i].name, name) == 0 && elsewhere == NULL)
            elsewhere = keys[i].section;
    }
    hint = closest(name, names, n);
    shown(name, buf, sizeof(buf));
    if (hint)
        perr(p, p->lineno, "unknown key '%s' in [%s] (did you mean '%s'?)", buf,
             sections[p->section], hint);
    else if (elsewhere)
        perr(p, p->lineno, "unknown key '%s' in [%s] (it belongs in [%s])", buf,
             sections[p->section], elsewhere);
    else
        perr(p, p->lineno, "unknown key '%s' in [%s]", buf, sections[p->section]);
}

static void
key_outside_section(struct parser *p, const char *name)
{
    char buf[80];
    size_t i;

    for (i = 0; i < NKEYS; i++)
        if (strcmp(keys[i].name, name) == 0) {
            perr(p, p->lineno, "key '%s' before any [section] (it belongs in [%s])", name,
                 keys[i].section);
            return;
        }
    perr(p, p->lineno, "key '%s' before any [section]", shown(name, buf, sizeof(buf)));
}

static void
add_continuation(struct parser *p, const char *value)
{
    struct raw_value *r;
    const struct key_def *k;
    char *joined;

    if (p->prev_key == KEY_IGNORED)
        return;
    k = &keys[p->prev_key];
    r = &p->raw[p->prev_key];
    if (!(k->flags & KF_MULTI)) {
        perr(p, p->lineno,
             "indented line continues [%s] %s, which takes one line (remove the indentation "
             "to start a new key)",
             k->section, k->name);
        p->bad[p->prev_key] = true;
        return;
    }
    joined = r->text[0] ? ct_asprintf("%s\n%s", r->text, value) : strdup(value);
    if (joined == NULL) {
        perr(p, p->lineno, "out of memory");
        return;
    }
    free(r->text);
    r->text = joined;
    r->continued = true;
}

static int
handle(void *user, const char *section, const char *name, const char *value)
{
    struct parser *p = user;
    int k;

    (void)section; /* inih's copy is cut at 49 bytes; ours is not */
    p->handled = true;
    switch (p->kind) {
    case LINE_BROKEN_KEY:
        p->have_prev = true;
        p->prev_key = KEY_IGNORED;
        return 1;
    case LINE_CONTINUE: add_continuation(p, value); return 1;
    case LINE_KEY: break;
    default: perr(p, p->lineno, "cannot parse this line"); return 1;
    }
    p->have_prev = name[0] != '\0';
    p->prev_key = KEY_IGNORED;
    if (name[0] == '\0') {
        perr(p, p->lineno, "missing key name before '='");
        return 1;
    }
    if (p->section == SECTION_SKIP)
        return 1;
    if (p->section == SECTION_NONE) {
        key_outside_section(p, name);
        return 1;
    }
    k = find_key(sections[p->section], name);
    if (k < 0) {
        unknown_key(p, name);
        return 1;
    }
    if (p->raw[k].text) {
        perr(p, p->lineno, "duplicate key '%s' in [%s] (first set on line %ld)", name,
             sections[p->section], p->raw[k].line);
        return 1;
    }
    p->raw[k].text = strdup(value);
    p->raw[k].line = p->lineno;
    if (p->raw[k].text == NULL)
        perr(p, p->lineno, "out of memory");
    else
        p->prev_key = k;
    return 1;
}

/* ---- value checks ------------------------------------------------------- */

/* Report a bad value: "[section] key = VALUE: reason" (VALUE only if printable,
 * and never a URL with a user or password in it). */
static void bad_value(struct parser *p, int k, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* True for "scheme://user:password@host...": a value never to repeat in a message. */
static bool
carries_userinfo(const char *v)
{
    const char *host = strstr(v, "://");

    if (host == NULL)
        return false;
    host += 3;
    return memchr(host, '@', strcspn(host, "/?#")) != NULL;
}

static void
bad_value(struct parser *p, int k, const char *fmt, ...)
{
    const char *v = p->raw[k].text;
    char reason[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    p->bad[k] = true;
    if (v && *v && strlen(v) <= 80 && !ct_has_control(v, false) && !p->raw[k].continued &&
        !carries_userinfo(v))
        perr(p, p->raw[k].line, "[%s] %s = %s: %s", keys[k].section, keys[k].name, v, reason);
    else
        perr(p, p->raw[k].line, "[%s] %s: %s", keys[k].section, keys[k].name, reason);
}

/* A human form of a duration: the largest unit that divides it. */
static void
format_duration(int64_t s, char *out, size_t size)
{
    if (s == 0)
        snprintf(out, size, "0");
    else if (s % DAY == 0)
        snprintf(out, size, "%lldd", (long long)(s / DAY));
    else if (s % HOUR == 0)
        snprintf(out, size, "%lldh", (long long)(s / HOUR));
    else if (s % MINUTE == 0)
        snprintf(out, size, "%lldm", (long long)(s / MINUTE));
    else
        snprintf(out, size, "%llds", (long long)s);
}

static void
format_size(int64_t n, char *out, size_t size)
{
    if (n != 0 && n % (INT64_C(1) << 30) == 0)
        snprintf(out, size, "%lldG", (long long)(n >> 30));
    else if (n != 0 && n % (INT64_C(1) << 20) == 0)
        snprintf(out, size, "%lldM", (long long)(n >> 20));
    else if (n != 0 && n % 1024 == 0)
        snprintf(out, size, "%lldK", (long long)(n >> 10));
    else
        snprintf(out, size, "%lld", (long long)n);
}

static void
format_clock(int minutes, char *out, size_t size)
{
    snprintf(out, size, "%02d:%02d", minutes / 60 % 100, minutes % 60);
}

/* A decimal integer, digits only; false if malformed or beyond 10^15. */
static bool
parse_int(const char *s, int64_t *out)
{
    int64_t v = 0;

    if (!isdigit((unsigned char)*s))
        return false;
    for (; isdigit((unsigned char)*s); s++) {
        if (v > INT64_C(100000000000000))
            return false;
        v = v * 10 + (*s - '0');
    }
    *out = v;
    return *s == '\0';
}

/* A decimal number such as 4, 0.5, .25 or 1e2; never inf, nan or hex. */
static bool
parse_number(const char *s, double *out)
{
    const char *q = s;
    bool digits = false;
    locale_t c_locale, old;
    char *end;
    double v;

    if (*q == '+')
        q++;
    for (; isdigit((unsigned char)*q); q++)
        digits = true;
    if (*q == '.')
        for (q++; isdigit((unsigned char)*q); q++)
            digits = true;
    if (!digits)
        return false;
    if (*q == 'e' || *q == 'E') {
        q++;
        if (*q == '+' || *q == '-')
            q++;
        if (!isdigit((unsigned char)*q))
            return false;
        while (isdigit((unsigned char)*q))
            q++;
    }
    if (*q != '\0')
        return false;
    /* strtod follows LC_NUMERIC; the file's decimal point is always '.'. */
    c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0);
    if (c_locale == (locale_t)0)
        return false;
    old = uselocale(c_locale);
    v = strtod(s, &end);
    uselocale(old);
    freelocale(c_locale);
    if (*end != '\0' || !isfinite(v))
        return false;
    *out = v;
    return true;
}

/* Returned by check_url() for a URL of another scheme; compared by address. */
static const char WRONG_SCHEME[] = "wrong scheme";

/*
 * NULL if s is scheme://host[:port][/rest] with a scheme from the
 * space-separated list, else a reason (WRONG_SCHEME for another scheme).
 */
static const char *
check_url(const char *s, const char *schemes)
{
    const char *p = s, *host, *auth_end, *w;
    size_t n;
    bool known = false;

    while (isalnum((unsigned char)*p) || *p == '+' || *p == '-' || *p == '.')
        p++;
    n = (size_t)(p - s);
    if (n == 0 || strncmp(p, "://", 3) != 0)
        return "not a URL (scheme://host...)";
    for (w = schemes; *w && !known; w += strspn(w, " ")) {
        size_t wl = strcspn(w, " ");
        known = wl == n && strncasecmp(w, s, n) == 0;
        w += wl;
    }
    if (!known)
        return WRONG_SCHEME;
    host = p + 3;
    auth_end = host + strcspn(host, "/?#");
    if (memchr(host, '@', (size_t)(auth_end - host)))
        return "a URL must not carry a user name or password (use username and *_file keys)";
    if (*host == '[') {
        p = memchr(host, ']', (size_t)(auth_end - host));
        if (p == NULL || p == host + 1)
            return "malformed IPv6 host";
        for (const char *q = host + 1; q < p; q++)
            if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
                return "malformed IPv6 host";
        p++;
    } else {
        for (p = host; p < auth_end && *p != ':'; p++)
            if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-' && *p != '_')
                return "invalid character in host name";
        if (p == host)
            return "missing host";
    }
    if (p < auth_end) {
        int64_t port;
        char digits[8];
        if (*p != ':' || (size_t)(auth_end - p - 1) >= sizeof(digits))
            return "malformed port";
        memcpy(digits, p + 1, (size_t)(auth_end - p - 1));
        digits[auth_end - p - 1] = '\0';
        if (!parse_int(digits, &port) || port < 1 || port > 65535)
            return "port must be a number from 1 to 65535";
    }
    for (p = auth_end; *p; p++)
        if (isspace((unsigned char)*p) || iscntrl((unsigned char)*p))
            return "white space or control character in URL";
    return NULL;
}

/* Report the first problem with a template's placeholders; true if fine. */
static bool
check_template(struct parser *p, int k, const char *s)
{
    const char *open, *close;

    for (open = strchr(s, '{'); open; open = strchr(close + 1, '{')) {
        char name[64];
        size_t n, i;
        const char *hint;

        close = strchr(open + 1, '}');
        if (close == NULL) {
            bad_value(p, k, "'{' without a closing '}'");
            return false;
        }
        n = (size_t)(close - open - 1);
        if (n >= sizeof(name))
            n = sizeof(name) - 1;
        memcpy(name, open + 1, n);
        name[n] = '\0';
        for (i = 0; i < CT_ARRAY_LEN(placeholders); i++)
            if (strcmp(name, placeholders[i]) == 0)
                break;
        if (i < CT_ARRAY_LEN(placeholders))
            continue;
        hint = closest(name, placeholders, CT_ARRAY_LEN(placeholders));
        if (hint)
            bad_value(p, k, "unknown placeholder {%s} (did you mean {%s}?)", name, hint);
        else
            bad_value(p, k,
                      "unknown placeholder {%s} (known: {network}, {round}, {date}, {names}, "
                      "{uid})",
                      name);
        return false;
    }
    return true;
}

/* "dir/name", or name itself when it is absolute or dir is ".". */
static char *
join_path(const char *dir, const char *name)
{
    if (name[0] == '/' || dir == NULL || strcmp(dir, ".") == 0)
        return strdup(name);
    return ct_asprintf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", name);
}

/* Where a relative *_file or ca_file name is looked up; see config.h. */
static char *
resolve_file(const struct parser *p, const char *name)
{
    const char *creds = getenv("CREDENTIALS_DIRECTORY");

    if (name[0] != '/' && creds && *creds)
        return join_path(creds, name);
    return join_path(p->dir, name);
}

/*
 * Prompts as stored: one per line, each trimmed, blank lines dropped.
 * Returns NULL (after reporting) if the text has control characters.
 */
static char *
normalise_prompts(struct parser *p, int k, const char *text, const char *file)
{
    struct ct_buf out;
    const char *line = text;

    ct_buf_init(&out);
    while (*line) {
        size_t n = strcspn(line, "\n");
        char *copy = strndup(line, n);
        char *t;
        if (copy == NULL) {
            ct_buf_free(&out);
            return NULL;
        }
        t = ct_trim(copy);
        if (ct_has_control(t, true)) {
            free(copy);
            ct_buf_free(&out);
            if (file)
                bad_value(p, k, "%s: control character in prompts", file);
            else
                bad_value(p, k, "control character in prompts");
            return NULL;
        }
        if (*t) {
            if (out.len)
                ct_buf_putc(&out, '\n');
            ct_buf_puts(&out, t);
        }
        free(copy);
        line += n + (line[n] == '\n');
    }
    if (out.failed) {
        ct_buf_free(&out);
        return NULL;
    }
    return out.data ? ct_buf_steal(&out) : strdup("");
}

/* True if a one-line value should be read as a prompts file; OUT: *path. */
static bool
prompts_is_file(const struct parser *p, const char *v, char **path)
{
    struct stat st;
    bool explicit_path = v[0] == '/' || strncmp(v, "./", 2) == 0 || strncmp(v, "../", 3) == 0;

    *path = join_path(p->dir, v);
    if (*path == NULL)
        return false;
    if (explicit_path)
        return true;
    if (stat(*path, &st) == 0 && S_ISREG(st.st_mode))
        return true;
    free(*path);
    *path = NULL;
    return false;
}

static void
set_prompts(struct parser *p, struct ct_config *c, int k)
{
    const struct raw_value *r = &p->raw[k];
    struct ct_error err;
    char *path = NULL, *data = NULL, *text;
    size_t len;

    if (!r->continued && r->text[0] && prompts_is_file(p, r->text, &path)) {
        struct stat st;
        ct_error_clear(&err);
        /* Not a FIFO or a device: opening or reading those could block. */
        if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
            bad_value(p, k, "%s: not a regular file", path);
            goto out;
        }
        if (ct_file_read(path, PROMPTS_MAX_BYTES, &data, &len, &err) != CT_OK) {
            bad_value(p, k, "cannot read prompts file: %s", err.message);
            goto out;
        }
        if (memchr(data, '\0', len) || ct_check_utf8(data, len)) {
            bad_value(p, k, "%s: not UTF-8 text", path);
            goto out;
        }
        text = normalise_prompts(p, k, data, path);
        if (text == NULL)
            goto out;
        if (text[0] == '\0') {
            free(text);
            bad_value(p, k, "%s: no prompts in the file", path);
            goto out;
        }
        free(c->invite.prompts);
        c->invite.prompts = text;
        c->invite.prompts_file = path;
        path = NULL;
        goto out;
    }
    text = normalise_prompts(p, k, r->text, NULL);
    if (text) {
        free(c->invite.prompts);
        c->invite.prompts = text;
    }
out:
    free(path);
    free(data);
}

/* Parse a comma-separated list word by word; calls fn for each (trimmed). */
static bool
for_each_item(struct parser *p, int k, const char *v,
              bool (*fn)(struct parser *, int, const char *, unsigned *), unsigned *bits)
{
    char *copy = strdup(v), *item, *save = NULL;
    bool ok = true;

    if (copy == NULL)
        return false;
    if (v[strlen(v) - 1] == ',' || v[0] == ',' || strstr(v, ",,")) {
        bad_value(p, k, "empty item in list");
        free(copy);
        return false;
    }
    for (item = strtok_r(copy, ",", &save); item && ok; item = strtok_r(NULL, ",", &save))
        ok = fn(p, k, ct_trim(item), bits);
    free(copy);
    return ok;
}

static bool
add_weekday(struct parser *p, int k, const char *item, unsigned *bits)
{
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(weekdays); i++)
        if (ct_strcaseeq(item, weekdays[i])) {
            if (*bits & (1u << i)) {
                bad_value(p, k, "%s listed twice", weekdays[i]);
                return false;
            }
            *bits |= 1u << i;
            return true;
        }
    bad_value(p, k, "unknown day '%s' (use MO, TU, WE, TH, FR, SA, SU)", item);
    return false;
}

static bool
add_boundary(struct parser *p, int k, const char *item, unsigned *bits)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {
        {"organisation", CT_B_ORGANISATION},
        {"organization", CT_B_ORGANISATION},
        {"team", CT_B_TEAM},
        {"site", CT_B_SITE},
        {"role", CT_B_ROLE},
    };
    size_t i;

    for (i = 0; i < CT_ARRAY_LEN(names); i++)
        if (ct_strcaseeq(item, names[i].name)) {
            if (*bits & names[i].bit) {
                /* Name the boundary, not the spelling: "organization" is organisation. */
                bad_value(p, k, "%s listed twice",
                          names[i].bit == CT_B_ORGANISATION ? "organisation" : names[i].name);
                return false;
            }
            *bits |= names[i].bit;
            return true;
        }
    bad_value(p, k, "unknown boundary '%s' (use organisation, team, site, role)", item);
    return false;
}

static void
range_error(struct parser *p, int k)
{
    const struct key_def *d = &keys[k];
    char lo[32], hi[32];

    if (d->type == K_DURATION) {
        format_duration(d->min, lo, sizeof(lo));
        format_duration(d->max, hi, sizeof(hi));
        bad_value(p, k, "must be %sfrom %s to %s", d->flags & KF_ZERO_OK ? "0 or " : "", lo, hi);
    } else if (d->type == K_SIZE) {
        format_size(d->min, lo, sizeof(lo));
        format_size(d->max, hi, sizeof(hi));
        bad_value(p, k, "must be from %s to %s bytes", lo, hi);
    } else {
        bad_value(p, k, "must be a whole number from %lld to %lld", (long long)d->min,
                  (long long)d->max);
    }
}

static bool
parse_size(const char *v, int64_t *out)
{
    char digits[24];
    size_t n = strlen(v);
    int shift = 0;

    if (n > 0 && strchr("KMG", toupper((unsigned char)v[n - 1]))) {
        shift = toupper((unsigned char)v[n - 1]) == 'K'   ? 10
                : toupper((unsigned char)v[n - 1]) == 'M' ? 20
                                                          : 30;
        n--;
    }
    if (n == 0 || n >= sizeof(digits))
        return false;
    memcpy(digits, v, n);
    digits[n] = '\0';
    if (!parse_int(digits, out) || *out > (INT64_C(1) << 40))
        return false;
    *out <<= shift;
    return true;
}

/*
 * Rules no date can match, caught here because libical's iterator takes
 * about a second of searching to give up on them: a numbered BYDAY beyond
 * what a month or year holds, and BYMONTHDAY days no listed month has.
 */
static const char *
impossible_rule(const struct icalrecurrencetype *r)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool by_month = r->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX;
    int i, j, max_pos;

    max_pos = r->freq == ICAL_YEARLY_RECURRENCE && !by_month ? 53 : 5;
    for (i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
        int pos = icalrecurrencetype_day_position(r->by_day[i]);
        if (pos == 0)
            continue;
        if (r->freq != ICAL_MONTHLY_RECURRENCE && r->freq != ICAL_YEARLY_RECURRENCE)
            return "a numbered BYDAY (such as 1MO) needs FREQ=MONTHLY or FREQ=YEARLY";
        if (abs(pos) > max_pos)
            return max_pos == 5 ? "a numbered BYDAY must be from -5 to 5 (a month has at most "
                                  "five of each weekday)"
                                : "a numbered BYDAY must be from -53 to 53";
    }
    if (r->by_month_day[0] == ICAL_RECURRENCE_ARRAY_MAX)
        return NULL;
    for (i = 0; i < ICAL_BY_MONTHDAY_SIZE && r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
        int day = abs(r->by_month_day[i]);
        if (!by_month && day <= 31)
            return NULL;
        for (j = 0;
             by_month && j < ICAL_BY_MONTH_SIZE && r->by_month[j] != ICAL_RECURRENCE_ARRAY_MAX;
             j++) {
            int m = icalrecurrencetype_month_month(r->by_month[j]);
            if (m >= 1 && m <= 12 && day <= mdays[m - 1])
                return NULL;
        }
    }
    return "no month listed has the BYMONTHDAY days given";
}

static void
set_rrule_syntax(struct parser *p, int k, const char *v)
{
    struct icalrecurrencetype r;
    const char *why;

    if (strncasecmp(v, "RRULE:", 6) == 0) {
        bad_value(p, k, "write the rule without the 'RRULE:' prefix");
        return;
    }
    icalerror_clear_errno();
    r = icalrecurrencetype_from_string(v);
    if (icalerrno != ICAL_NO_ERROR) {
        bad_value(p, k, "not a valid RFC 5545 recurrence rule");
        icalerror_clear_errno();
        return;
    }
    if (r.freq == ICAL_NO_RECURRENCE) {
        bad_value(p, k, "FREQ is missing (e.g. FREQ=MONTHLY;BYDAY=1MO)");
        return;
    }
    if (r.freq == ICAL_SECONDLY_RECURRENCE || r.freq == ICAL_MINUTELY_RECURRENCE ||
        r.freq == ICAL_HOURLY_RECURRENCE) {
        bad_value(p, k, "FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY");
        return;
    }
    why = impossible_rule(&r);
    if (why)
        bad_value(p, k, "%s", why);
}

/*
 * ---- one parser per kind of value ------------------------------------------
 * set_KIND(p, c, k, v, copy) checks value v of key k (never empty, no control
 * characters) and either stores it in its field or, for a string kind, hands
 * back a heap copy in *copy for set_value to store. It returns a reason the
 * value is wrong, or NULL (fine, or already reported with bad_value).
 */
typedef const char *set_fn(struct parser *p, struct ct_config *c, int k, const char *v,
                           char **copy);

/* Where key k's value goes in c. */
static void *
field_of(struct ct_config *c, int k)
{
    return (char *)c + keys[k].offset;
}

static const char *
set_text(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    (void)p, (void)c, (void)k;
    *copy = strdup(v);
    return NULL;
}

static const char *
set_template(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    (void)c;
    if (check_template(p, k, v))
        *copy = strdup(v);
    return NULL;
}

static const char *
set_url_template(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    if (strncasecmp(v, "http://", 7) != 0 && strncasecmp(v, "https://", 8) != 0)
        return "must start with http:// or https://";
    if (strpbrk(v, " \t"))
        return "white space in URL";
    return set_template(p, c, k, v, copy);
}

/* A string kind checked by check(v), which gives the reason it is wrong. */
static const char *
set_checked(const char *why, const char *v, char **copy)
{
    if (why == NULL)
        *copy = strdup(v);
    return why;
}

static const char *
set_email(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    (void)p, (void)c, (void)k;
    return set_checked(ct_check_email(v), v, copy);
}

static const char *
set_zone(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    (void)p, (void)c, (void)k;
    return set_checked(ct_check_timezone(v), v, copy);
}

static const char *
set_date(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    (void)p, (void)c, (void)k;
    return set_checked(ct_parse_date(v, NULL), v, copy);
}

static const char *
set_source(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const char *why;

    (void)p, (void)c, (void)k;
    if (strstr(v, "://") == NULL)
        return set_checked(NULL, v, copy);
    why = check_url(v, "http https");
    if (why == WRONG_SCHEME)
        return "a URL here must start with http:// or https://";
    return set_checked(why, v, copy);
}

static const char *
set_file(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    (void)c, (void)k;
    *copy = resolve_file(p, v);
    return NULL;
}

static const char *
set_rrule(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    (void)c;
    set_rrule_syntax(p, k, v);
    if (!p->bad[k])
        *copy = strdup(v);
    return NULL;
}

static const char *
set_url(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const struct key_def *d = &keys[k];
    const char *why = check_url(v, d->schemes);

    (void)p, (void)c;
    if (why == WRONG_SCHEME)
        why = strcmp(d->schemes, "smtp smtps") == 0   ? "must start with smtp:// or smtps://"
              : strcmp(d->schemes, "imap imaps") == 0 ? "must start with imap:// or imaps://"
                                                      : "must start with http:// or https://";
    return set_checked(why, v, copy);
}

static const char *
set_duration(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const struct key_def *d = &keys[k];
    const char *why;
    int64_t n;

    (void)copy;
    if ((why = ct_parse_duration(v, &n)) != NULL)
        return why;
    if ((n < d->min && !(n == 0 && (d->flags & KF_ZERO_OK))) || n > d->max)
        range_error(p, k);
    else
        *(int64_t *)field_of(c, k) = n;
    return NULL;
}

static const char *
set_size(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const struct key_def *d = &keys[k];
    int64_t n;

    (void)copy;
    if (!parse_size(v, &n))
        return "not a size (bytes, or a number with K, M or G)";
    if (n < d->min || n > d->max)
        range_error(p, k);
    else
        *(int64_t *)field_of(c, k) = n;
    return NULL;
}

/* A count of members up to the key's max, or a percentage "N%". */
static const char *
set_share(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const struct key_def *d = &keys[k];
    size_t len = strlen(v);
    bool percent = len > 0 && v[len - 1] == '%';
    char num[32];
    int64_t n;

    (void)copy;
    snprintf(num, sizeof(num), "%.*s", (int)(percent ? len - 1 : len), v);
    if (len >= sizeof(num) || !parse_int(ct_trim(num), &n))
        return "not a whole number of members or a percentage (e.g. 25 or 10%)";
    if (percent && n > 100)
        bad_value(p, k, "must be a percentage from 0%% to 100%%");
    else if (n < 0 || n > d->max)
        bad_value(p, k, "must be a number of members from 0 to %lld", (long long)d->max);
    else
        *(struct ct_share *)field_of(c, k) = (struct ct_share){(int)n, percent};
    return NULL;
}

static const char *
set_clock(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const char *why;
    int minutes;

    (void)p, (void)copy;
    if ((why = ct_parse_clock(v, &minutes)) != NULL)
        return why;
    if (minutes > keys[k].max)
        return "must be a time of day from 00:00 to 23:59";
    *(int *)field_of(c, k) = minutes;
    return NULL;
}

static const char *
set_hours(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    char buf[64];
    char *dash, *a, *b;
    int start, end;

    (void)p, (void)k, (void)copy;
    snprintf(buf, sizeof(buf), "%s", v);
    dash = strchr(buf, '-');
    if (dash == NULL || strlen(v) >= sizeof(buf))
        return "not a range of the form HH:MM-HH:MM";
    *dash = '\0';
    a = ct_trim(buf);
    b = ct_trim(dash + 1);
    if (ct_parse_clock(a, &start) || ct_parse_clock(b, &end))
        return "not a range of the form HH:MM-HH:MM (each from 00:00 to 24:00)";
    if (start >= end)
        return "the start must be before the end (hours past midnight are not supported)";
    c->schedule.work_start_minutes = start;
    c->schedule.work_end_minutes = end;
    return NULL;
}

static const char *
set_days(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    unsigned bits = 0;

    (void)copy;
    if (for_each_item(p, k, v, add_weekday, &bits))
        *(unsigned *)field_of(c, k) = bits;
    return NULL;
}

static const char *
set_boundaries(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    unsigned bits = 0;

    (void)copy;
    if (for_each_item(p, k, v, add_boundary, &bits))
        *(unsigned *)field_of(c, k) = bits;
    return NULL;
}

static const char *
set_number(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const struct key_def *d = &keys[k];
    double x;

    (void)copy;
    if (!parse_number(v, &x))
        return "not a number (e.g. 2 or 0.5)";
    if (x < (double)d->min || x > (double)d->max)
        bad_value(p, k, "must be a number from %lld to %lld", (long long)d->min, (long long)d->max);
    else
        *(double *)field_of(c, k) = x;
    return NULL;
}

static const char *
set_int(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const struct key_def *d = &keys[k];
    int64_t n;

    (void)copy;
    if (!parse_int(v, &n))
        return "not a whole number";
    if (n < d->min || n > d->max)
        range_error(p, k);
    else
        *(int *)field_of(c, k) = (int)n;
    return NULL;
}

static const char *
set_repeats(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const struct key_def *d = &keys[k];
    int64_t n;

    (void)copy;
    if (ct_strcaseeq(v, "always"))
        n = 0;
    else if (!parse_int(v, &n))
        return "not 'always' or a number of rounds";
    else if (n < d->min || n > d->max) {
        bad_value(p, k, "must be 'always' or a number of rounds from %lld to %lld",
                  (long long)d->min, (long long)d->max);
        return NULL;
    }
    *(int *)field_of(c, k) = (int)n;
    return NULL;
}

/* One of a list of words, case-insensitive: the value of the word's index. */
static bool
set_word(const char *v, const char *const *words, const int *values, size_t n, int *out)
{
    size_t i;

    for (i = 0; i < n; i++)
        if (ct_strcaseeq(v, words[i])) {
            *out = values[i];
            return true;
        }
    return false;
}

static const char *
set_odd(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    static const char *const words[] = {"trio", "sit_out"};
    static const int values[] = {CT_ODD_TRIO, CT_ODD_SIT_OUT};
    int x;

    (void)p, (void)copy;
    if (!set_word(v, words, values, CT_ARRAY_LEN(words), &x))
        return "must be trio or sit_out";
    *(enum ct_odd_policy *)field_of(c, k) = (enum ct_odd_policy)x;
    return NULL;
}

static const char *
set_kind(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    static const char *const words[] = {"spool", "smtp", "http"};
    static const int values[] = {CT_TRANSPORT_SPOOL, CT_TRANSPORT_SMTP, CT_TRANSPORT_HTTP};
    int x;

    (void)p, (void)copy;
    if (!set_word(v, words, values, CT_ARRAY_LEN(words), &x))
        return "must be spool, smtp or http";
    *(enum ct_transport_kind *)field_of(c, k) = (enum ct_transport_kind)x;
    return NULL;
}

static const char *
set_smtp_tls(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    static const char *const words[] = {"auto", "required"};
    static const int values[] = {CT_SMTP_TLS_AUTO, CT_SMTP_TLS_REQUIRED};
    int x;

    (void)p, (void)copy;
    if (!set_word(v, words, values, CT_ARRAY_LEN(words), &x))
        return "must be auto or required";
    *(enum ct_smtp_tls *)field_of(c, k) = (enum ct_smtp_tls)x;
    return NULL;
}

/* [transport] proxy: none, env, or a proxy URL (no credentials, as every URL here). */
static const char *
set_proxy(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    static const char must[] = "must be none, env, or a URL starting with http://, https://, "
                               "socks4://, socks4a://, socks5:// or socks5h://";
    const char *why;

    (void)p, (void)c;
    if (strcmp(v, "none") == 0 || strcmp(v, "env") == 0)
        return set_checked(NULL, v, copy);
    if (strstr(v, "://") == NULL)
        return must;
    if (carries_userinfo(v))
        return "a proxy URL must not carry a user name or password (a proxy that asks for one "
               "is not supported)";
    why = check_url(v, keys[k].schemes);
    return set_checked(why == WRONG_SCHEME ? must : why, v, copy);
}

static const char *
set_log_level(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    static const char *const words[] = {"warning", "info", "debug"};
    static const int values[] = {CT_LOG_WARNING, CT_LOG_INFO, CT_LOG_DEBUG};
    int x;

    (void)p, (void)copy;
    if (!set_word(v, words, values, CT_ARRAY_LEN(words), &x))
        return "must be warning, info or debug";
    *(enum ct_log_level *)field_of(c, k) = (enum ct_log_level)x;
    return NULL;
}

static const char *
set_bool(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    static const char *const words[] = {"yes", "no", "true", "false", "on", "off", "1", "0"};
    static const int values[] = {1, 0, 1, 0, 1, 0, 1, 0};
    int x;

    (void)p, (void)copy;
    if (!set_word(v, words, values, CT_ARRAY_LEN(words), &x))
        return "must be yes or no";
    *(bool *)field_of(c, k) = x != 0;
    return NULL;
}

/* [web] listen: "127.0.0.1:8025" or "[::1]:8025"; numeric, so no lookup at start. */
static const char *
set_listen(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    static const char must[] = "must be ADDRESS:PORT with a numeric address, "
                               "such as 127.0.0.1:8025 or [::1]:8025";
    const char *colon = strrchr(v, ':');
    unsigned char addr[16];
    char host[64];
    int64_t port;
    size_t n;

    (void)p, (void)c, (void)k;
    if (colon == NULL || colon == v || !parse_int(colon + 1, &port))
        return must;
    if (port < 1 || port > 65535)
        return "port must be a number from 1 to 65535";
    n = (size_t)(colon - v);
    if (v[0] == '[') {
        if (n < 3 || v[n - 1] != ']' || n - 2 >= sizeof(host))
            return must;
        memcpy(host, v + 1, n - 2);
        host[n - 2] = '\0';
        if (inet_pton(AF_INET6, host, addr) != 1)
            return must;
    } else {
        if (n >= sizeof(host))
            return must;
        memcpy(host, v, n);
        host[n] = '\0';
        if (inet_pton(AF_INET, host, addr) != 1)
            return must;
    }
    return set_checked(NULL, v, copy);
}

/* [web] public_url: the base of every member link, so it goes into headers and
 * HTML: only an http(s) URL of plain characters; a trailing '/' is dropped. */
static const char *
set_base_url(struct parser *p, struct ct_config *c, int k, const char *v, char **copy)
{
    const char *why = check_url(v, "http https");
    size_t n;

    (void)p, (void)c, (void)k;
    if (why == WRONG_SCHEME)
        return "must start with http:// or https://";
    if (why)
        return why;
    if (strpbrk(v, "?#<>\"'`,;\\ {}|^"))
        return "must be a plain base URL, without a query, fragment, quotes, commas or spaces";
    for (const char *q = v; *q; q++)
        if ((unsigned char)*q >= 0x7f)
            return "must be ASCII (write a non-ASCII host name as punycode)";
    n = strlen(v);
    while (n > 0 && v[n - 1] == '/')
        n--;
    *copy = strndup(v, n);
    return NULL;
}

/* The parser of each kind of value that keys[] names; K_PROMPTS has its own
 * path (set_prompts: multi-line text or a file, empty allowed). */
static set_fn *const setters[] = {
    [K_TEXT] = set_text,
    [K_TEMPLATE] = set_template,
    [K_URL_TEMPLATE] = set_url_template,
    [K_EMAIL] = set_email,
    [K_ZONE] = set_zone,
    [K_PATH] = set_text,
    [K_SOURCE] = set_source,
    [K_FILE] = set_file,
    [K_DURATION] = set_duration,
    [K_CLOCK] = set_clock,
    [K_HOURS] = set_hours,
    [K_DAYS] = set_days,
    [K_DATE] = set_date,
    [K_RRULE] = set_rrule,
    [K_NUMBER] = set_number,
    [K_INT] = set_int,
    [K_REPEATS] = set_repeats,
    [K_BOUNDARIES] = set_boundaries,
    [K_ODD] = set_odd,
    [K_KIND] = set_kind,
    [K_SMTP_TLS] = set_smtp_tls,
    [K_URL] = set_url,
    [K_PROMPTS] = NULL,
    [K_SIZE] = set_size,
    [K_PROXY] = set_proxy,
    [K_LOG_LEVEL] = set_log_level,
    [K_SHARE] = set_share,
    [K_BOOL] = set_bool,
    [K_LISTEN] = set_listen,
    [K_BASE_URL] = set_base_url,
};

/* Convert one key's raw value into the config; errors go to diags. */
static void
set_value(struct parser *p, struct ct_config *c, int k)
{
    const struct key_def *d = &keys[k];
    const char *v = p->raw[k].text;
    char **field = field_of(c, k);
    const char *why;
    char *copy = NULL;

    if (p->bad[k])
        return;
    if (d->type == K_PROMPTS) {
        set_prompts(p, c, k);
        return;
    }
    if (*v == '\0') {
        if (d->flags & KF_OPTIONAL) {
            free(*field);
            *field = NULL;
        } else if (d->type == K_BOUNDARIES) {
            *(unsigned *)(void *)field = 0;
        } else {
            bad_value(p, k, "empty value");
        }
        return;
    }
    if (ct_has_control(v, d->type == K_TEMPLATE)) {
        bad_value(p, k, "control character in value");
        return;
    }
    why = setters[d->type](p, c, k, v, &copy);
    if (why)
        bad_value(p, k, "%s", why);
    if (is_string_type(d->type) && copy) {
        free(*field);
        *field = copy;
    } else if (is_string_type(d->type) && !p->bad[k]) {
        perr(p, p->raw[k].line, "out of memory");
    }
}

/* ---- checks across keys -------------------------------------------------- */

/* The line of section.key if it was set, else of the [section], else 0. */
static long
line_of(const struct parser *p, const char *section, const char *key)
{
    int k = find_key(section, key);

    if (k >= 0 && p->raw[k].line)
        return p->raw[k].line;
    k = find_section(section);
    return k >= 0 ? p->section_line[k] : 0;
}

static bool
is_bad(const struct parser *p, const char *section, const char *key)
{
    return p->bad[find_key(section, key)];
}

/*
 * A day (days since 1970-01-01) as a libical DATE. Not icaltime_null_date()
 * with fields set: it leaves hour, minute and second at -1, which shifts
 * the recurrence iterator's dates by a day.
 */
static struct icaltimetype
ical_date(int32_t days)
{
    return icaltime_from_timet_with_zone((time_t)days * DAY, 1, NULL);
}

/* The rule must give at least one date from its start; warn if all are past. */
static void
check_rrule_dates(struct parser *p, const struct ct_config *c)
{
    long line = line_of(p, "schedule", "rrule");
    int32_t today = (int32_t)(p->now / DAY), from = today;
    struct icalrecurrencetype r;
    struct icaltimetype first, next, last;
    icalrecur_iterator *it;
    int i, limit;
    char date[16];

    if (is_bad(p, "schedule", "rrule") || is_bad(p, "schedule", "start"))
        return;
    if (c->schedule.start && ct_parse_date(c->schedule.start, &from) != NULL)
        return;
    icalerror_clear_errno();
    r = icalrecurrencetype_from_string(c->schedule.rrule);
    it = icalrecur_iterator_new(r, ical_date(from));
    if (it == NULL) {
        perr(p, line, "[schedule] rrule: the rule can match no date");
        icalerror_clear_errno();
        return;
    }
    first = icalrecur_iterator_next(it);
    if (icaltime_is_null_time(first)) {
        ct_format_date(from, date);
        perr(p, line, "[schedule] rrule: the rule gives no date on or after %s", date);
        goto out;
    }
    if (r.count == 0 && icaltime_is_null_time(r.until))
        goto out;
    /* A bounded rule: find its last date (bounded work for huge COUNTs). */
    last = first;
    limit = r.count > 0 && r.count < 10000 ? r.count : 10000;
    for (i = 1; i < limit; i++) {
        next = icalrecur_iterator_next(it);
        if (icaltime_is_null_time(next))
            break;
        last = next;
    }
    if (ct_days_from_civil(last.year, last.month, last.day) < today) {
        ct_format_date(ct_days_from_civil(last.year, last.month, last.day), date);
        pwarn(p, line,
              "[schedule] rrule: the rule's last date is %s, before today: no further rounds "
              "will be planned",
              date);
    }
out:
    icalrecur_iterator_free(it);
    icalerror_clear_errno();
}

/* Read and parse [roster] aliases; its own lines' problems name its file and line. */
static void
load_aliases(struct parser *p, struct ct_config *c)
{
    struct ct_error err;
    enum ct_status st;

    if (c->roster.aliases == NULL || is_bad(p, "roster", "aliases"))
        return;
    ct_error_clear(&err);
    st = ct_orgname_aliases_load(c->roster.aliases, &c->roster.org_aliases, p->diags, &err);
    if (st == CT_ENOINPUT)
        perr(p, line_of(p, "roster", "aliases"), "[roster] aliases: %s", err.message);
    else if (st == CT_ENOMEM)
        perr(p, line_of(p, "roster", "aliases"), "[roster] aliases: out of memory");
}

static void
cross_checks(struct parser *p, const struct ct_config *c)
{
    long kind_line = line_of(p, "transport", "kind");
    char a[32], b[32];

    if (!is_bad(p, "transport", "kind")) {
        if (c->transport.kind == CT_TRANSPORT_SMTP && c->smtp.url == NULL &&
            !is_bad(p, "smtp", "url"))
            perr(p, kind_line, "[transport] kind = smtp needs [smtp] url");
        if (c->transport.kind == CT_TRANSPORT_HTTP && c->http.url == NULL &&
            !is_bad(p, "http", "url"))
            perr(p, kind_line, "[transport] kind = http needs [http] url");
        if (c->transport.kind == CT_TRANSPORT_HTTP && c->http.token_file == NULL &&
            !is_bad(p, "http", "token_file"))
            perr(p, kind_line, "[transport] kind = http needs [http] token_file");
        if (c->transport.kind != CT_TRANSPORT_SMTP && c->smtp.url)
            pwarn(p, line_of(p, "smtp", "url"),
                  "[smtp] url is set but [transport] kind is not smtp: it is not used");
        if (c->transport.kind != CT_TRANSPORT_HTTP && c->http.url)
            pwarn(p, line_of(p, "http", "url"),
                  "[http] url is set but [transport] kind is not http: it is not used");
    }
    if (c->smtp.username && !c->smtp.password_file && !is_bad(p, "smtp", "password_file"))
        perr(p, line_of(p, "smtp", "username"),
             "[smtp] username needs password_file (a file holding the password)");
    if (c->smtp.password_file && !c->smtp.username && !is_bad(p, "smtp", "username"))
        perr(p, line_of(p, "smtp", "password_file"), "[smtp] password_file needs username");
    if (c->web.public_url && !c->web.secret_file && !is_bad(p, "web", "secret_file"))
        perr(p, line_of(p, "web", "public_url"),
             "[web] public_url needs secret_file (the key that signs members' links; "
             "coffeetrial web keygen FILE writes one)");
    if (c->imap.url) {
        if (!c->imap.username && !is_bad(p, "imap", "username"))
            perr(p, line_of(p, "imap", "url"), "[imap] url needs username");
        if (!c->imap.password_file && !is_bad(p, "imap", "password_file"))
            perr(p, line_of(p, "imap", "url"),
                 "[imap] url needs password_file (a file holding the password)");
    }
    if (!is_bad(p, "schedule", "duration") && !is_bad(p, "schedule", "meeting_window") &&
        c->schedule.meeting_window < c->schedule.duration) {
        format_duration(c->schedule.meeting_window, a, sizeof(a));
        format_duration(c->schedule.duration, b, sizeof(b));
        perr(p,
             p->raw[find_key("schedule", "meeting_window")].line
                 ? line_of(p, "schedule", "meeting_window")
                 : line_of(p, "schedule", "duration"),
             "[schedule] meeting_window (%s) is shorter than duration (%s)", a, b);
    }
    if (!is_bad(p, "schedule", "duration") && !is_bad(p, "schedule", "working_hours") &&
        (int64_t)(c->schedule.work_end_minutes - c->schedule.work_start_minutes) * MINUTE <
            c->schedule.duration) {
        char s[8], e[8];
        format_clock(c->schedule.work_start_minutes, s, sizeof(s));
        format_clock(c->schedule.work_end_minutes, e, sizeof(e));
        format_duration(c->schedule.duration, b, sizeof(b));
        perr(p,
             p->raw[find_key("schedule", "working_hours")].line
                 ? line_of(p, "schedule", "working_hours")
                 : line_of(p, "schedule", "duration"),
             "[schedule] working_hours (%s-%s) are shorter than duration (%s)", s, e, b);
    }
    check_rrule_dates(p, c);
}

/* ---- loading ------------------------------------------------------------- */

/*
 * Put the diagnostics from index first on in line order (a stable
 * insertion sort: a file's problems are few), file-wide ones (line 0) last.
 */
static void
sort_by_line(struct ct_diags *d, size_t first)
{
    size_t i, j;

    for (i = first + 1; i < d->count; i++) {
        struct ct_diag item = d->items[i];
        long key = item.line ? item.line : LONG_MAX;
        for (j = i; j > first; j--) {
            long prev = d->items[j - 1].line ? d->items[j - 1].line : LONG_MAX;
            if (prev <= key)
                break;
            d->items[j] = d->items[j - 1];
        }
        d->items[j] = item;
    }
}

/* The directory part of a path: "." when it has none. */
static char *
dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');

    if (slash == NULL)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

enum ct_status
ct_config_load_mem(const char *name, const char *data, size_t len, int64_t now,
                   struct ct_config **out, struct ct_diags *diags)
{
    struct parser p;
    struct ct_config *c;
    size_t errors_before = diags->errors, first_diag = diags->count, k;
    int ret;

    *out = NULL;
    memset(&p, 0, sizeof(p));
    p.name = name;
    p.data = data;
    p.len = len;
    p.diags = diags;
    p.now = now;
    p.section = SECTION_NONE;
    p.prev_key = KEY_IGNORED;
    p.dir = dir_of(name);
    c = ct_config_new_defaults();
    if (c) {
        c->origin = calloc(1, sizeof(*c->origin));
        c->path = strdup(name);
    }
    if (p.dir == NULL || c == NULL || c->origin == NULL || c->path == NULL) {
        ct_diags_add(diags, CT_ERROR, name, 0, "out of memory");
        free(p.dir);
        ct_config_free(c);
        return CT_ENOMEM;
    }
    ret = ini_parse_stream(read_line, &p, handle, &p);
    finish_line(&p);
    if (ret > 0 && diags->errors == errors_before)
        perr(&p, ret, "cannot parse this line");
    else if (ret < 0)
        perr(&p, 0, "cannot parse the file (inih error %d)", ret);
    for (k = 0; k < NKEYS; k++) {
        if (p.raw[k].text == NULL)
            continue;
        c->origin->key_line[k] = p.raw[k].line;
        set_value(&p, c, (int)k);
    }
    memcpy(c->origin->section_line, p.section_line, sizeof(p.section_line));
    cross_checks(&p, c);
    for (k = 0; k < NKEYS; k++)
        free(p.raw[k].text);
    free(p.dir);
    sort_by_line(diags, first_diag);
    /* After the sort: the aliases file's lines are its own, not the INI's. */
    load_aliases(&p, c);
    if (diags->errors > errors_before) {
        ct_config_free(c);
        return CT_ECONFIG;
    }
    *out = c;
    return CT_OK;
}

enum ct_status
ct_config_load_string(const char *name, const char *text, int64_t now, struct ct_config **out,
                      struct ct_diags *diags)
{
    return ct_config_load_mem(name, text, strlen(text), now, out, diags);
}

enum ct_status
ct_config_load(const char *path, int64_t now, struct ct_config **out, struct ct_diags *diags)
{
    struct ct_error err;
    struct stat st;
    enum ct_status status;
    char *data = NULL;
    size_t len;

    *out = NULL;
    if (stat(path, &st) != 0 || access(path, R_OK) != 0) {
        ct_diags_add(diags, CT_ERROR, path, 0, "cannot open: %s", strerror(errno));
        return CT_ENOINPUT;
    }
    if (S_ISDIR(st.st_mode)) {
        ct_diags_add(diags, CT_ERROR, path, 0, "cannot open: %s", strerror(EISDIR));
        return CT_ENOINPUT;
    }
    ct_error_clear(&err);
    status = ct_file_read(path, CONFIG_MAX_BYTES, &data, &len, &err);
    if (status == CT_EDATA) {
        ct_diags_add(diags, CT_ERROR, path, 0, "larger than %d bytes: not a configuration file",
                     CONFIG_MAX_BYTES);
        return CT_ECONFIG;
    }
    if (status != CT_OK) {
        /* err.message already names the path. */
        ct_diags_add(diags, CT_ERROR, NULL, 0, "%s", err.message);
        return status == CT_ENOMEM ? CT_ENOMEM : CT_ENOINPUT;
    }
    status = ct_config_load_mem(path, data, len, now, out, diags);
    free(data);
    return status;
}

/* ---- showing ------------------------------------------------------------- */

static void
format_number(double x, char *out, size_t size)
{
    locale_t c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t)0), old;

    if (c_locale == (locale_t)0) {
        snprintf(out, size, "%g", x);
        return;
    }
    old = uselocale(c_locale);
    snprintf(out, size, "%g", x);
    uselocale(old);
    freelocale(c_locale);
}

static void
format_list(struct ct_buf *b, unsigned bits, const char *const *names, size_t n)
{
    size_t i;
    bool first = true;

    for (i = 0; i < n; i++)
        if (bits & (1u << i)) {
            ct_buf_printf(b, "%s%s", first ? "" : ",", names[i]);
            first = false;
        }
}

static void
format_key(struct ct_buf *b, const struct ct_config *c, const struct key_def *d)
{
    static const char *const boundaries[] = {"organisation", "team", "site", "role"};
    const void *field = (const char *)c + d->offset;
    char tmp[64], tmp2[16];

    if (is_string_type(d->type) && *(char *const *)field == NULL) {
        ct_buf_printf(b, "# %s = (not set)\n", d->name);
        return;
    }
    ct_buf_printf(b, "%s =", d->name);
    switch (d->type) {
    case K_PROMPTS:
        if (c->invite.prompts_file) {
            ct_buf_printf(b, " %s\n", c->invite.prompts_file);
        } else {
            const char *line = c->invite.prompts;
            ct_buf_putc(b, '\n');
            while (*line) {
                size_t n = strcspn(line, "\n");
                ct_buf_puts(b, "    ");
                ct_buf_append(b, line, n);
                ct_buf_putc(b, '\n');
                line += n + (line[n] == '\n');
            }
        }
        return;
    case K_DURATION: format_duration(*(const int64_t *)field, tmp, sizeof(tmp)); break;
    case K_SIZE: format_size(*(const int64_t *)field, tmp, sizeof(tmp)); break;
    case K_SHARE:
        snprintf(tmp, sizeof(tmp), "%d%s", ((const struct ct_share *)field)->value,
                 ((const struct ct_share *)field)->percent ? "%" : "");
        break;
    case K_CLOCK: format_clock(*(const int *)field, tmp, sizeof(tmp)); break;
    case K_HOURS:
        format_clock(c->schedule.work_start_minutes, tmp, sizeof(tmp));
        format_clock(c->schedule.work_end_minutes, tmp2, sizeof(tmp2));
        ct_buf_printf(b, " %s-%s\n", tmp, tmp2);
        return;
    case K_DAYS:
        ct_buf_putc(b, ' ');
        format_list(b, *(const unsigned *)field, weekdays, CT_ARRAY_LEN(weekdays));
        ct_buf_putc(b, '\n');
        return;
    case K_BOUNDARIES:
        if (*(const unsigned *)field)
            ct_buf_putc(b, ' ');
        format_list(b, *(const unsigned *)field, boundaries, CT_ARRAY_LEN(boundaries));
        ct_buf_putc(b, '\n');
        return;
    case K_NUMBER: format_number(*(const double *)field, tmp, sizeof(tmp)); break;
    case K_INT: snprintf(tmp, sizeof(tmp), "%d", *(const int *)field); break;
    case K_REPEATS:
        if (*(const int *)field == 0)
            snprintf(tmp, sizeof(tmp), "always");
        else
            snprintf(tmp, sizeof(tmp), "%d", *(const int *)field);
        break;
    case K_ODD:
        snprintf(tmp, sizeof(tmp), "%s",
                 *(const enum ct_odd_policy *)field == CT_ODD_SIT_OUT ? "sit_out" : "trio");
        break;
    case K_KIND: {
        enum ct_transport_kind kind = *(const enum ct_transport_kind *)field;
        snprintf(tmp, sizeof(tmp), "%s",
                 kind == CT_TRANSPORT_SMTP   ? "smtp"
                 : kind == CT_TRANSPORT_HTTP ? "http"
                                             : "spool");
        break;
    }
    case K_SMTP_TLS:
        snprintf(tmp, sizeof(tmp), "%s",
                 *(const enum ct_smtp_tls *)field == CT_SMTP_TLS_REQUIRED ? "required" : "auto");
        break;
    case K_LOG_LEVEL: {
        enum ct_log_level level = *(const enum ct_log_level *)field;
        snprintf(tmp, sizeof(tmp), "%s",
                 level == CT_LOG_WARNING ? "warning"
                 : level == CT_LOG_DEBUG ? "debug"
                                         : "info");
        break;
    }
    case K_BOOL: snprintf(tmp, sizeof(tmp), "%s", *(const bool *)field ? "yes" : "no"); break;
    default: ct_buf_printf(b, " %s\n", *(char *const *)field); return;
    }
    ct_buf_printf(b, " %s\n", tmp);
}

char *
ct_config_format(const struct ct_config *c)
{
    struct ct_buf b;
    const char *section = NULL;
    size_t i;

    ct_buf_init(&b);
    ct_buf_printf(&b, "# coffeetrial configuration in effect, from %s\n",
                  c->path ? c->path : "the built-in defaults");
    for (i = 0; i < NKEYS; i++) {
        if (section == NULL || strcmp(section, keys[i].section) != 0) {
            section = keys[i].section;
            ct_buf_printf(&b, "\n[%s]\n", section);
        }
        format_key(&b, c, &keys[i]);
    }
    if (b.failed) {
        ct_buf_free(&b);
        return NULL;
    }
    return ct_buf_steal(&b);
}
