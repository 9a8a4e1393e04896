/*
 * prefs.c: the words for members' own actions and preferences, and the
 * checks a preference must pass before it is stored (prefs.h).
 */
#include <stdlib.h>
#include <string.h>

#include "prefs.h"
#include "util.h"
#include "validate.h"

static const char *const via_words[] = {
    [CT_VIA_PAGE] = "page", [CT_VIA_REPLY] = "reply", [CT_VIA_ORGANISER] = "organiser"};
static const char *const mode_words[] = {
    [CT_MODE_EITHER] = "either", [CT_MODE_IN_PERSON] = "in_person", [CT_MODE_VIDEO] = "video"};
static const char *const checkin_words[] = {
    [CT_CHECKIN_MET] = "met", [CT_CHECKIN_MOVED] = "moved", [CT_CHECKIN_NOT_MET] = "not_met"};
static const char *const action_words[] = {[CT_LOG_SKIP] = "skip",
                                           [CT_LOG_PAUSE] = "pause",
                                           [CT_LOG_STOP] = "stop",
                                           [CT_LOG_RESUME] = "resume",
                                           [CT_LOG_PREFERENCES] = "preferences",
                                           [CT_LOG_CHECKIN] = "checkin"};
static const char *const weekdays[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};

void
ct_prefs_init(struct ct_prefs *p)
{
    memset(p, 0, sizeof(*p));
    p->frequency = -1;
    p->mode = -1;
}

void
ct_prefs_free(struct ct_prefs *p)
{
    if (p == NULL)
        return;
    free(p->working_hours);
    free(p->working_days);
    free(p->timezone);
    free(p->intro);
    free(p->greeting);
    ct_prefs_init(p);
}

enum ct_status
ct_prefs_copy(struct ct_prefs *dst, const struct ct_prefs *src, struct ct_error *err)
{
    ct_prefs_init(dst);
    dst->frequency = src->frequency;
    dst->mode = src->mode;
    dst->working_hours = src->working_hours ? strdup(src->working_hours) : NULL;
    dst->working_days = src->working_days ? strdup(src->working_days) : NULL;
    dst->timezone = src->timezone ? strdup(src->timezone) : NULL;
    dst->intro = src->intro ? strdup(src->intro) : NULL;
    dst->greeting = src->greeting ? strdup(src->greeting) : NULL;
    if ((src->working_hours && !dst->working_hours) || (src->working_days && !dst->working_days) ||
        (src->timezone && !dst->timezone) || (src->intro && !dst->intro) ||
        (src->greeting && !dst->greeting)) {
        ct_prefs_free(dst);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    return CT_OK;
}

static bool
same_text(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

bool
ct_prefs_equal(const struct ct_prefs *a, const struct ct_prefs *b)
{
    return a->frequency == b->frequency && a->mode == b->mode &&
           same_text(a->working_hours, b->working_hours) &&
           same_text(a->working_days, b->working_days) && same_text(a->timezone, b->timezone) &&
           same_text(a->intro, b->intro) && same_text(a->greeting, b->greeting);
}

bool
ct_prefs_hours(const struct ct_prefs *p, int *start_minutes, int *end_minutes)
{
    char buf[6];
    const char *dash;

    if (p->working_hours == NULL || (dash = strchr(p->working_hours, '-')) == NULL ||
        dash - p->working_hours != 5)
        return false;
    memcpy(buf, p->working_hours, 5);
    buf[5] = '\0';
    return ct_parse_clock(buf, start_minutes) == NULL &&
           ct_parse_clock(dash + 1, end_minutes) == NULL;
}

bool
ct_prefs_days(const struct ct_prefs *p, unsigned *days)
{
    const char *s = p->working_days;
    size_t i;

    *days = 0;
    if (s == NULL)
        return false;
    while (*s) {
        size_t n = strcspn(s, ",");
        bool found = false;

        for (i = 0; i < CT_ARRAY_LEN(weekdays) && n == 2; i++)
            if ((s[0] | 0x20) == (weekdays[i][0] | 0x20) &&
                (s[1] | 0x20) == (weekdays[i][1] | 0x20)) {
                if (*days & (1u << i))
                    return false;
                *days |= 1u << i;
                found = true;
            }
        if (!found)
            return false;
        s += n;
        if (*s == ',' && *++s == '\0')
            return false;
    }
    return *days != 0;
}

/* Code points in s (valid UTF-8). */
static size_t
characters(const char *s)
{
    size_t n = 0;

    for (; *s; s++)
        n += ((unsigned char)*s & 0xC0) != 0x80;
    return n;
}

/* NULL if text (set) is clean free text of at most max characters, else why. */
static const char *
check_text(const char *text, size_t max, bool line_breaks)
{
    size_t len = strlen(text);

    if (ct_check_utf8(text, len) != NULL)
        return "not valid UTF-8";
    if (ct_find_forbidden_char(text, len, line_breaks) >= 0)
        return "control or direction-changing characters are not allowed";
    if (characters(text) > max)
        return "too long";
    return NULL;
}

static enum ct_status
check_strings(const struct ct_prefs *p, struct ct_error *err)
{
    const char *why;
    int a, b;
    unsigned d;

    if (p->working_hours && (!ct_prefs_hours(p, &a, &b) || b <= a))
        return ct_error_set(err, CT_EUSAGE,
                            "working_hours: not HH:MM-HH:MM with the end after the start: '%s'",
                            p->working_hours);
    if (p->working_days && !ct_prefs_days(p, &d))
        return ct_error_set(err, CT_EUSAGE,
                            "working_days: not a list of MO, TU, WE, TH, FR, SA, SU, each once");
    if (p->timezone &&
        (ct_has_control(p->timezone, false) || (why = ct_check_timezone(p->timezone)) != NULL))
        return ct_error_set(err, CT_EUSAGE, "timezone: not a time zone this system knows");
    if (p->intro && (why = check_text(p->intro, CT_PREFS_INTRO_MAX, true)) != NULL)
        return ct_error_set(err, CT_EUSAGE, "intro: %s (at most %d characters)", why,
                            CT_PREFS_INTRO_MAX);
    if (p->greeting && (why = check_text(p->greeting, CT_PREFS_GREETING_MAX, false)) != NULL)
        return ct_error_set(err, CT_EUSAGE, "greeting: %s (at most %d characters)", why,
                            CT_PREFS_GREETING_MAX);
    if (p->greeting && p->greeting[strspn(p->greeting, " \t")] == '\0')
        return ct_error_set(err, CT_EUSAGE, "greeting: empty");
    return CT_OK;
}

enum ct_status
ct_prefs_validate(const struct ct_prefs *p, struct ct_error *err)
{
    if (p->frequency != -1 && (p->frequency < 1 || p->frequency > 3))
        return ct_error_set(err, CT_EUSAGE, "frequency: every 1, 2 or 3 rounds, not %d",
                            p->frequency);
    if (p->mode != -1 && (p->mode < CT_MODE_EITHER || p->mode > CT_MODE_VIDEO))
        return ct_error_set(err, CT_EUSAGE, "mode: not either, in_person or video");
    return check_strings(p, err);
}

#define WORD(words, v) ((size_t)(v) < CT_ARRAY_LEN(words) ? words[v] : "?")

const char *
ct_via_str(enum ct_via via)
{
    return WORD(via_words, via);
}

const char *
ct_meeting_mode_str(enum ct_meeting_mode mode)
{
    return WORD(mode_words, mode);
}

const char *
ct_checkin_str(enum ct_checkin c)
{
    return WORD(checkin_words, c);
}

const char *
ct_log_action_str(enum ct_log_action a)
{
    return WORD(action_words, a);
}

/* s compared with word ignoring case, where '_' in word also matches ' ' and '-'. */
static bool
word_eq(const char *s, const char *word)
{
    for (; *s && *word; s++, word++) {
        if (*word == '_' ? (*s != '_' && *s != ' ' && *s != '-')
                         : ((unsigned char)*s | 0x20) != (unsigned char)*word)
            return false;
    }
    return *s == '\0' && *word == '\0';
}

static int
word_find(const char *const *words, size_t n, const char *s)
{
    for (size_t i = 0; s && i < n; i++)
        if (word_eq(s, words[i]))
            return (int)i;
    return -1;
}

bool
ct_via_parse(const char *s, enum ct_via *out)
{
    int i = word_find(via_words, CT_ARRAY_LEN(via_words), s);
    if (i >= 0)
        *out = (enum ct_via)i;
    return i >= 0;
}

bool
ct_meeting_mode_parse(const char *s, enum ct_meeting_mode *out)
{
    int i = word_find(mode_words, CT_ARRAY_LEN(mode_words), s);
    if (i >= 0)
        *out = (enum ct_meeting_mode)i;
    return i >= 0;
}

bool
ct_checkin_parse(const char *s, enum ct_checkin *out)
{
    int i = word_find(checkin_words, CT_ARRAY_LEN(checkin_words), s);
    if (i >= 0)
        *out = (enum ct_checkin)i;
    return i >= 0;
}

static const char *const reply_words[] = {
    [CT_WORD_NONE] = "",     [CT_WORD_SKIP] = "SKIP", [CT_WORD_PAUSE] = "PAUSE",
    [CT_WORD_STOP] = "STOP", [CT_WORD_MET] = "MET",   [CT_WORD_NOT_MET] = "NOT MET"};

const char *
ct_reply_word_str(enum ct_reply_word word)
{
    return WORD(reply_words, word);
}

/* Whether line[0..n) is word (upper case; ' ' in word also matches '-' or blanks), ignoring case.
 */
static bool
line_is_word(const char *line, size_t n, const char *word)
{
    size_t i = 0;

    for (; *word; word++) {
        if (*word == ' ') {
            if (i >= n || (line[i] != ' ' && line[i] != '\t' && line[i] != '-'))
                return false;
            while (i < n && (line[i] == ' ' || line[i] == '\t' || line[i] == '-'))
                i++;
            continue;
        }
        if (i >= n || ((unsigned char)line[i] & ~0x20u) != (unsigned char)*word)
            return false;
        i++;
    }
    return i == n;
}

enum ct_reply_word
ct_reply_word_parse(const char *text)
{
    const char *p = text;

    while (p && *p) {
        size_t len = strcspn(p, "\r\n"), a = 0, b = len, w;
        const char *next = p + len + strspn(p + len, "\r\n");

        /* A signature first: nothing was typed above it. */
        if ((len == 2 || len == 3) && p[0] == '-' && p[1] == '-' && (len == 2 || p[2] == ' '))
            return CT_WORD_NONE;
        while (a < b && (p[a] == ' ' || p[a] == '\t'))
            a++;
        if (a == b || p[a] == '>') {
            p = next;
            continue;
        }
        while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
            b--;
        if (b > a && (p[b - 1] == '.' || p[b - 1] == '!'))
            b--;
        for (w = CT_WORD_SKIP; w <= CT_WORD_NOT_MET; w++)
            if (line_is_word(p + a, b - a, reply_words[w]))
                return (enum ct_reply_word)w;
        return CT_WORD_NONE;
    }
    return CT_WORD_NONE;
}
