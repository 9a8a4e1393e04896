/*
 * prefs.h: what members do for themselves (issue 14): how they acted (a
 * page, a reply, the organiser for them), what they did, the fields of
 * their own they set (preferences), and their "did you meet?" answers;
 * the words people and JSON read for each, and the checks on preferences.
 * Pure: the store spells these in SQL, the service applies them.
 */
#ifndef CT_PREFS_H
#define CT_PREFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ct.h"

/* How an action reached us. */
enum ct_via { CT_VIA_PAGE, CT_VIA_REPLY, CT_VIA_ORGANISER };

enum ct_meeting_mode { CT_MODE_EITHER, CT_MODE_IN_PERSON, CT_MODE_VIDEO };

/* A member's answer to "did you meet?". */
enum ct_checkin { CT_CHECKIN_MET, CT_CHECKIN_MOVED, CT_CHECKIN_NOT_MET };

/* What the action log records (one row per call of member_actions.h). */
enum ct_log_action {
    CT_LOG_SKIP,
    CT_LOG_PAUSE,
    CT_LOG_STOP,
    CT_LOG_RESUME,
    CT_LOG_PREFERENCES,
    CT_LOG_CHECKIN,
};

/* The longest introduction, in characters (UTF-8 code points). */
#define CT_PREFS_INTRO_MAX 280
/* The longest greeting name, in characters. */
#define CT_PREFS_GREETING_MAX 64

/*
 * The fields a member owns. A field that is NULL (strings) or -1 (numbers)
 * is "not set by the member": the roster's value (or the network's
 * default) applies. Strings are heap copies owned by the struct.
 */
struct ct_prefs {
    char *working_hours; /* "09:00-17:00" */
    char *working_days;  /* "MO,TU,WE" */
    char *timezone;      /* IANA */
    int frequency;       /* every N rounds: 1, 2, 3; -1 unset */
    int mode;            /* enum ct_meeting_mode; -1 unset */
    char *intro;         /* <= CT_PREFS_INTRO_MAX characters */
    char *greeting;      /* name to greet them by */
};

/* Every field unset (NULL, -1). */
void ct_prefs_init(struct ct_prefs *p);
/* Free the strings and leave every field unset. NULL is accepted. */
void ct_prefs_free(struct ct_prefs *p);
/* Deep copy of src into *dst (which is overwritten). CT_ENOMEM. */
enum ct_status ct_prefs_copy(struct ct_prefs *dst, const struct ct_prefs *src,
                             struct ct_error *err);
/* Whether a and b set the same fields to the same values. */
bool ct_prefs_equal(const struct ct_prefs *a, const struct ct_prefs *b);

/*
 * Check every field that is set: working_hours "HH:MM-HH:MM" with the end
 * after the start; working_days a comma list of MO..SU, each once;
 * timezone an IANA zone tzdata knows; frequency 1-3; mode a ct_meeting_mode;
 * intro and greeting well-formed UTF-8 without control characters (the
 * intro may hold line breaks), at most CT_PREFS_INTRO_MAX and
 * CT_PREFS_GREETING_MAX characters, greeting not blank. The first problem
 * is CT_EUSAGE with a message that starts with the field's name
 * ("working_hours: ...").
 */
enum ct_status ct_prefs_validate(const struct ct_prefs *p, struct ct_error *err);

/*
 * working_hours as minutes after midnight, and working_days as bits (bit
 * 0 = Monday), for a prefs that passed ct_prefs_validate. False if unset.
 */
bool ct_prefs_hours(const struct ct_prefs *p, int *start_minutes, int *end_minutes);
bool ct_prefs_days(const struct ct_prefs *p, unsigned *days);

/* The words for output and JSON ("page", "in_person", "not_met", "skip"); "?" out of range. */
const char *ct_via_str(enum ct_via via);
const char *ct_meeting_mode_str(enum ct_meeting_mode mode);
const char *ct_checkin_str(enum ct_checkin c);
const char *ct_log_action_str(enum ct_log_action a);

/*
 * Parse the words above, ignoring ASCII case ("in person" and "in-person"
 * are in_person; "not met", "not-met" are not_met). False if s names none.
 */
bool ct_via_parse(const char *s, enum ct_via *out);
bool ct_meeting_mode_parse(const char *s, enum ct_meeting_mode *out);
bool ct_checkin_parse(const char *s, enum ct_checkin *out);

/* The one word of a reply that acts (docs/members.md "Replying with one word"). */
enum ct_reply_word {
    CT_WORD_NONE,
    CT_WORD_SKIP,
    CT_WORD_PAUSE,
    CT_WORD_STOP,
    CT_WORD_MET,
    CT_WORD_NOT_MET,
};

/*
 * The word a person typed as the first line of a reply's text: the first
 * line that is not blank and not quoted ('>'), which must hold one of
 * SKIP, PAUSE, STOP, MET, NOT MET and nothing else (case ignored; blanks
 * and a final '.' or '!' allowed; "NOT-MET" too). A signature ("-- ")
 * first, or any other first line, is CT_WORD_NONE.
 */
enum ct_reply_word ct_reply_word_parse(const char *text);

/* "SKIP", "NOT MET", ...; "" for CT_WORD_NONE. */
const char *ct_reply_word_str(enum ct_reply_word word);

#endif
