/*
 * web_routes.c: the members' pages. A GET checks the token and the member
 * and shows what will happen with one button; only a POST of the same
 * token acts, through the member actions (member_actions.h), one
 * transaction each on a database connection of its own.
 */
#include "web_routes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entity.h"
#include "member_actions.h"
#include "schedule.h"
#include "members.h"
#include "store.h"
#include "validate.h"

#define DAY 86400

static void
title(struct web_page *p, int status, const char *t)
{
    p->status = status;
    snprintf(p->title, sizeof(p->title), "%s", t);
}

static void
para(struct web_page *p, const char *text)
{
    ct_buf_puts(&p->body, "<p>");
    web_escape(&p->body, text);
    ct_buf_puts(&p->body, "</p>\n");
}

/* A refusal: a plain 4xx page that changes nothing. */
static void
refuse(struct web_page *p, int status, const char *t, const char *text)
{
    ct_buf_reset(&p->body);
    title(p, status, t);
    para(p, text);
}

static void
button(struct web_page *p, const char *label)
{
    ct_buf_puts(&p->body, "<button type=\"submit\">");
    web_escape(&p->body, label);
    ct_buf_puts(&p->body, "</button>\n</form>\n");
}

/* The page of an action's failure (after a POST). */
static void
action_failed(struct web_page *p, const struct ct_error *err)
{
    switch (err->status) {
    case CT_ENOTFOUND: refuse(p, 410, "This link no longer works", "We could not find you."); break;
    case CT_ESTATE: refuse(p, 409, "Nothing to change", err->message); break;
    case CT_EUSAGE:
    case CT_EDATA: refuse(p, 400, "Please check the form", err->message); break;
    case CT_EBUSY:
        refuse(p, 503, "Busy", "The coffee trial is busy for a moment; please try again.");
        break;
    default: refuse(p, 500, "Something went wrong", "Please try again later."); break;
    }
}

/* ---- pause ---------------------------------------------------------------------------- */

/* Today in the network's zone, in days since 1970-01-01, as pause dates are counted. */
static int32_t
local_today(const struct web_ctx *ctx, int64_t now)
{
    char date[16];
    int32_t day;

    if (ct_schedule_zone_date(ctx->cfg->network.timezone, now, date, NULL) != CT_OK ||
        ct_parse_date(date, &day) != NULL)
        return (int32_t)(now / DAY);
    return day;
}

static void
pause_form(struct web_page *p, int32_t today)
{
    char min[16];

    ct_format_date(today + 1, min);
    para(p, "While you are paused you will not be paired. Choose how long:");
    ct_buf_puts(&p->body, "<form method=\"post\">\n<fieldset>\n<legend>Pause for</legend>\n"
                          "<label class=\"opt\"><input type=\"radio\" name=\"for\" value=\"1m\" "
                          "checked> One month</label>\n"
                          "<label class=\"opt\"><input type=\"radio\" name=\"for\" value=\"3m\">"
                          " Three months</label>\n"
                          "<label class=\"opt\"><input type=\"radio\" name=\"for\" "
                          "value=\"date\"> Until a date</label>\n"
                          "<label for=\"until\">Date (if until a date)</label>\n");
    ct_buf_printf(&p->body, "<input type=\"date\" id=\"until\" name=\"until\" min=\"%s\">\n", min);
    ct_buf_puts(&p->body, "</fieldset>\n");
    button(p, "Pause");
}

/* The day the pause ends (days since 1970), from the form; -1 with *why if it is wrong. */
static int32_t
pause_until(const struct web_form *f, int32_t today, const char **why)
{
    const char *choice = web_form_get(f, "for"), *date = web_form_get(f, "until");
    int32_t day = 0;

    *why = "Choose one month, three months or a date.";
    if (choice && strcmp(choice, "1m") == 0)
        return today + 30;
    if (choice && strcmp(choice, "3m") == 0)
        return today + 91;
    if (choice == NULL || strcmp(choice, "date") != 0)
        return -1;
    *why = "Give the date as YYYY-MM-DD, after today and within two years.";
    if (date == NULL || ct_parse_date(date, &day) != NULL)
        return -1;
    return day > today && day <= today + 730 ? day : -1;
}

/* ---- preferences ---------------------------------------------------------------------- */

static void
text_field(struct web_page *p, const char *name, const char *label, const char *value,
           const char *hint)
{
    ct_buf_printf(&p->body, "<label for=\"%s\">", name);
    web_escape(&p->body, label);
    ct_buf_puts(&p->body, "</label>\n");
    if (hint) {
        ct_buf_printf(&p->body, "<p class=\"hint\" id=\"%s-hint\">", name);
        web_escape(&p->body, hint);
        ct_buf_puts(&p->body, "</p>\n");
    }
    ct_buf_printf(&p->body, "<input type=\"text\" id=\"%s\" name=\"%s\"%s%s%s value=\"", name, name,
                  hint ? " aria-describedby=\"" : "", hint ? name : "", hint ? "-hint\"" : "");
    web_escape(&p->body, value ? value : "");
    ct_buf_puts(&p->body, "\">\n");
}

static void
prefs_form(struct web_page *p, const struct ct_prefs *v)
{
    static const char *const days[] = {"MO", "TU", "WE", "TH", "FR", "SA", "SU"};
    static const char *const day_names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    static const char *const modes[] = {"either", "in_person", "video"};
    static const char *const mode_names[] = {"Either", "In person", "Video"};
    size_t i;

    para(p, "What you set here wins over the roster for these fields. Leave a field empty to "
            "keep the network's default.");
    ct_buf_puts(&p->body, "<form method=\"post\">\n");
    text_field(p, "greeting", "Name to greet you by", v->greeting, NULL);
    text_field(p, "working_hours", "Working hours", v->working_hours, "Like 09:00-17:00");
    ct_buf_puts(&p->body, "<fieldset class=\"days\">\n<legend>Working days</legend>\n");
    for (i = 0; i < 7; i++)
        ct_buf_printf(&p->body,
                      "<label class=\"opt\"><input type=\"checkbox\" name=\"days\" value=\"%s\"%s>"
                      " %s</label>\n",
                      days[i],
                      v->working_days && strstr(v->working_days, days[i]) ? " checked" : "",
                      day_names[i]);
    ct_buf_puts(&p->body, "</fieldset>\n");
    text_field(p, "timezone", "Time zone", v->timezone, "A place, like Europe/London");
    ct_buf_puts(&p->body, "<label for=\"frequency\">How often</label>\n"
                          "<select id=\"frequency\" name=\"frequency\">\n");
    ct_buf_printf(&p->body, "<option value=\"\"%s>The network's default</option>\n",
                  v->frequency < 1 ? " selected" : "");
    for (i = 1; i <= 3; i++)
        ct_buf_printf(&p->body, "<option value=\"%zu\"%s>%s</option>\n", i,
                      v->frequency == (int)i ? " selected" : "",
                      i == 1   ? "Every round"
                      : i == 2 ? "Every second round"
                               : "Every third round");
    ct_buf_puts(&p->body, "</select>\n<fieldset>\n<legend>How you like to meet</legend>\n");
    for (i = 0; i < 3; i++)
        ct_buf_printf(&p->body,
                      "<label class=\"opt\"><input type=\"radio\" name=\"mode\" value=\"%s\"%s> "
                      "%s</label>\n",
                      modes[i], v->mode == (int)i || (v->mode < 0 && i == 0) ? " checked" : "",
                      mode_names[i]);
    ct_buf_puts(&p->body, "</fieldset>\n<label for=\"intro\">A short introduction for your "
                          "partners</label>\n<p class=\"hint\" id=\"intro-hint\">At most 280 "
                          "characters.</p>\n<textarea id=\"intro\" name=\"intro\" rows=\"4\" "
                          "maxlength=\"280\" aria-describedby=\"intro-hint\">");
    web_escape(&p->body, v->intro ? v->intro : "");
    ct_buf_puts(&p->body, "</textarea>\n");
    button(p, "Save my preferences");
}

/* Every value of repeated field name joined by commas (heap; NULL if none). */
static char *
joined(const struct web_form *f, const char *name)
{
    struct ct_buf b;
    size_t i;

    ct_buf_init(&b);
    for (i = 0; i < f->count; i++)
        if (strcmp(f->name[i], name) == 0)
            ct_buf_printf(&b, "%s%s", b.len ? "," : "", f->value[i]);
    return b.len ? ct_buf_steal(&b) : (ct_buf_free(&b), NULL);
}

/* The form into prefs; false with *why for a field this page never sends. */
static bool
prefs_from_form(const struct web_form *f, struct ct_prefs *v, const char **why)
{
    static const char *const known[] = {"greeting",  "working_hours", "days", "timezone",
                                        "frequency", "mode",          "intro"};
    const char *s;
    size_t i, k;

    memset(v, 0, sizeof(*v));
    v->frequency = v->mode = -1;
    for (i = 0; i < f->count; i++) {
        for (k = 0; k < sizeof(known) / sizeof(known[0]) && strcmp(f->name[i], known[k]); k++)
            ;
        if (k == sizeof(known) / sizeof(known[0]))
            return *why = "The form has a field this page does not send.", false;
    }
    if ((s = web_form_get(f, "frequency")) && *s) {
        if (strlen(s) != 1 || s[0] < '1' || s[0] > '3')
            return *why = "How often: choose one of the list.", false;
        v->frequency = s[0] - '0';
    }
    if ((s = web_form_get(f, "mode")) && *s) {
        v->mode = strcmp(s, "either") == 0      ? CT_MODE_EITHER
                  : strcmp(s, "in_person") == 0 ? CT_MODE_IN_PERSON
                  : strcmp(s, "video") == 0     ? CT_MODE_VIDEO
                                                : -2;
        if (v->mode == -2)
            return *why = "How you like to meet: choose one of the list.", false;
    }
#define TAKE(field, name)                                                                          \
    if ((s = web_form_get(f, name)) && *s)                                                         \
        v->field = strdup(s);
    TAKE(greeting, "greeting")
    TAKE(working_hours, "working_hours")
    TAKE(timezone, "timezone")
    TAKE(intro, "intro")
#undef TAKE
    v->working_days = joined(f, "days");
    return true;
}

static void
prefs_shown(struct web_page *p, const struct ct_prefs *v)
{
    const char *labels[] = {"Name to greet you by", "Working hours", "Working days", "Time zone",
                            "Introduction"};
    const char *values[] = {v->greeting, v->working_hours, v->working_days, v->timezone, v->intro};
    size_t i;

    ct_buf_puts(&p->body, "<dl>\n");
    for (i = 0; i < 5; i++) {
        ct_buf_puts(&p->body, "<dt>");
        web_escape(&p->body, labels[i]);
        ct_buf_puts(&p->body, "</dt><dd>");
        web_escape(&p->body, values[i] ? values[i] : "(the network's default)");
        ct_buf_puts(&p->body, "</dd>\n");
    }
    ct_buf_puts(&p->body, "</dl>\n");
}

/* ---- check-in --------------------------------------------------------------------------- */

/*
 * The check-in form; answer is the link's ?answer= (the check-in message
 * links "met" and "not_met"), preselected, else NULL: nothing is chosen.
 */
static void
checkin_form(struct web_page *p, const char *answer)
{
    bool met = answer && strcmp(answer, "met") == 0;
    bool not_met = answer && strcmp(answer, "not_met") == 0;
    int i;

    ct_buf_printf(&p->body,
                  "<form method=\"post\">\n<fieldset>\n<legend>Did you meet?</legend>\n"
                  "<label class=\"opt\"><input type=\"radio\" name=\"met\" value=\"yes\" "
                  "required%s> Yes, we met</label>\n"
                  "<label class=\"opt\"><input type=\"radio\" name=\"met\" value=\"moved\"> "
                  "Not yet, we moved it</label>\n"
                  "<label class=\"opt\"><input type=\"radio\" name=\"met\" value=\"no\"%s> "
                  "No</label>\n",
                  met ? " checked" : "", not_met ? " checked" : "");
    ct_buf_puts(&p->body,
                "</fieldset>\n<fieldset class=\"rating\">\n<legend>How was it? (1 = poor, 5 = "
                "great; optional)</legend>\n");
    for (i = 1; i <= 5; i++)
        ct_buf_printf(&p->body,
                      "<label class=\"opt\"><input type=\"radio\" name=\"rating\" value=\"%d\"> "
                      "%d</label>\n",
                      i, i);
    ct_buf_puts(&p->body, "</fieldset>\n<label for=\"note\">A note for the organiser "
                          "(optional)</label>\n<textarea id=\"note\" name=\"note\" rows=\"3\" "
                          "maxlength=\"500\"></textarea>\n");
    button(p, "Send");
}

static enum ct_status
checkin_post(struct ct_store *store, const struct web_ctx *ctx, const struct ct_token *t,
             const struct web_form *f, int64_t now, struct ct_error *err)
{
    const char *met = web_form_get(f, "met"), *rating = web_form_get(f, "rating");
    const char *note = web_form_get(f, "note");
    enum ct_checkin c;
    int r = 0;

    if (met && strcmp(met, "yes") == 0)
        c = CT_CHECKIN_MET;
    else if (met && strcmp(met, "moved") == 0)
        c = CT_CHECKIN_MOVED;
    else if (met && strcmp(met, "no") == 0)
        c = CT_CHECKIN_NOT_MET;
    else
        return ct_error_set(err, CT_EUSAGE, "Did you meet: choose yes, not yet or no.");
    if (rating && *rating) {
        if (strlen(rating) != 1 || rating[0] < '1' || rating[0] > '5')
            return ct_error_set(err, CT_EUSAGE, "The rating is 1 to 5.");
        r = rating[0] - '0';
    }
    if (note && strlen(note) > 2000)
        return ct_error_set(err, CT_EUSAGE, "The note is too long.");
    return ct_action_checkin(store, ctx->cfg, t->member_id, t->group_id, c, r,
                             note && *note ? note : NULL, CT_VIA_PAGE, now, err);
}

/* ---- the routes ------------------------------------------------------------------------- */

/* The GET page of each action: what will happen, and one button. */
static void
show(const struct web_ctx *ctx, struct ct_store *store, const struct ct_token *t,
     const struct ct_member *m, const char *answer, int64_t now, struct web_page *p)
{
    struct ct_prefs v;
    struct ct_error err;

    switch (t->action) {
    case CT_ACTION_SKIP:
        title(p, 200, "Skip this round?");
        para(p, "You will not be paired in this round. If you already have a partner for it, "
                "they will be told kindly and we will try to find them someone new. You stay "
                "in the coffee trial for the next rounds.");
        ct_buf_puts(&p->body, "<form method=\"post\">\n");
        button(p, "Skip this round");
        break;
    case CT_ACTION_PAUSE:
        title(p, 200, "Pause for a while?");
        pause_form(p, local_today(ctx, now));
        break;
    case CT_ACTION_STOP:
        title(p, 200, "Leave the coffee trial?");
        para(p, "You will not be paired again and get no more invitations. Your past meetings "
                "stay in the network's history. You can come back at any time.");
        ct_buf_puts(&p->body, "<form method=\"post\">\n");
        button(p, "Leave the coffee trial");
        break;
    case CT_ACTION_RESUME:
        title(p, 200, "Come back?");
        para(p, "You will be paired again from the next round.");
        ct_buf_puts(&p->body, "<form method=\"post\">\n");
        button(p, "Come back");
        break;
    case CT_ACTION_PREFERENCES:
        title(p, 200, "Your preferences");
        if (ct_action_prefs_get(store, m->id, &v, &err) != CT_OK) {
            action_failed(p, &err);
            return;
        }
        prefs_form(p, &v);
        ct_prefs_free(&v);
        break;
    case CT_ACTION_CHECKIN:
        title(p, 200, "Did you meet?");
        para(p, "Tell us how your coffee went; it helps us pair people well.");
        checkin_form(p, answer);
        break;
    case CT_ACTION_UNSUBSCRIBE:
        title(p, 200, "Unsubscribe?");
        para(p, "You will get no more messages from this coffee trial and will not be paired "
                "again.");
        ct_buf_puts(&p->body, "<form method=\"post\">\n<input type=\"hidden\" "
                              "name=\"List-Unsubscribe\" value=\"One-Click\">\n");
        button(p, "Unsubscribe");
        break;
    }
}

/* After leaving: an undo button, posting a fresh resume link of the same member. */
static void
undo_button(const struct web_ctx *ctx, const struct ct_token *t, int64_t now, struct web_page *p)
{
    struct ct_token r = {t->member_id, CT_ACTION_RESUME, 0, 0, now + 30 * DAY};
    char token[CT_TOKEN_MAX];

    if (ct_token_make(ctx->key, sizeof(ctx->key), &r, token, sizeof(token), NULL) != CT_OK)
        return;
    para(p, "Changed your mind?");
    ct_buf_printf(&p->body, "<form method=\"post\" action=\"../resume/%s\">\n", token);
    button(p, "Undo: stay in the coffee trial");
}

/* The POST of each action: do it, then say what was done. */
static void
act(const struct web_ctx *ctx, struct ct_store *store, const struct ct_token *t,
    const struct web_form *f, int64_t now, struct web_page *p)
{
    struct ct_error err = {0};
    enum ct_status st = CT_OK;
    struct ct_prefs v = {0};
    const char *why = NULL;
    int32_t until = 0;
    char date[16];

    switch (t->action) {
    case CT_ACTION_SKIP:
        st = ct_action_skip(store, ctx->cfg, t->member_id, t->round_id, CT_VIA_PAGE, now, &err);
        title(p, 200, "You are skipping this round");
        para(p, "Thank you for letting us know. See you in the next round.");
        break;
    case CT_ACTION_PAUSE:
        if ((until = pause_until(f, local_today(ctx, now), &why)) < 0) {
            refuse(p, 400, "Please check the form", why);
            return;
        }
        st = ct_action_pause(store, ctx->cfg, t->member_id, until, CT_VIA_PAGE, now, &err);
        ct_format_date(until, date);
        title(p, 200, "You are paused");
        ct_buf_printf(&p->body, "<p>You will not be paired until %s. Enjoy the break.</p>\n", date);
        break;
    case CT_ACTION_STOP:
    case CT_ACTION_UNSUBSCRIBE:
        if (t->action == CT_ACTION_UNSUBSCRIBE &&
            (web_form_get(f, "List-Unsubscribe") == NULL ||
             strcmp(web_form_get(f, "List-Unsubscribe"), "One-Click") != 0)) {
            refuse(p, 400, "Not understood",
                   "This address unsubscribes with "
                   "List-Unsubscribe=One-Click.");
            return;
        }
        st = ct_action_stop(store, ctx->cfg, t->member_id, CT_VIA_PAGE, now, &err);
        title(p, 200,
              t->action == CT_ACTION_STOP ? "You have left the coffee trial"
                                          : "You are unsubscribed");
        para(p, "You will get no more invitations. Thank you for taking part.");
        if (st == CT_OK)
            undo_button(ctx, t, now, p);
        break;
    case CT_ACTION_RESUME:
        st = ct_action_resume(store, ctx->cfg, t->member_id, CT_VIA_PAGE, now, &err);
        title(p, 200, "Welcome back");
        para(p, "You will be paired again from the next round.");
        break;
    case CT_ACTION_PREFERENCES:
        if (!prefs_from_form(f, &v, &why)) {
            ct_prefs_free(&v);
            refuse(p, 400, "Please check the form", why);
            return;
        }
        st = ct_action_prefs_set(store, ctx->cfg, t->member_id, &v, CT_VIA_PAGE, now, &err);
        title(p, 200, "Your preferences are saved");
        prefs_shown(p, &v);
        ct_prefs_free(&v);
        break;
    case CT_ACTION_CHECKIN:
        st = checkin_post(store, ctx, t, f, now, &err);
        title(p, 200, "Thank you");
        para(p, "We have noted how your coffee went.");
        break;
    }
    if (st != CT_OK)
        action_failed(p, &err);
}

/* Whether the member may still use a link of this action (revocation). */
static bool
still_valid(const struct ct_member *m, enum ct_action a)
{
    if (m->status == CT_MEMBER_ERASED)
        return false;
    if (m->status == CT_MEMBER_LEFT)
        return a == CT_ACTION_RESUME || a == CT_ACTION_UNSUBSCRIBE;
    return true;
}

void
web_route(const struct web_ctx *ctx, enum ct_action action, const char *text,
          const struct web_form *form, const char *answer, int64_t now, struct web_page *p)
{
    struct ct_store *store = NULL;
    struct ct_member *m = NULL;
    struct ct_error err = {0};
    struct ct_token t;
    enum ct_status st;

    if (!ctx->have_key) {
        refuse(p, 404, "Not found", "There is no such page.");
        return;
    }
    st = ct_token_check(ctx->key, sizeof(ctx->key), text, now, &t, &err);
    if (st == CT_ESTATE) {
        refuse(p, 410, "This link has expired",
               "Links in our messages work for a while only; the next message brings new ones.");
        return;
    }
    if (st != CT_OK || t.action != action) {
        refuse(p, 403, "This link does not work",
               "It may be incomplete or changed: open it from the message again.");
        return;
    }
    if ((st = ct_store_open(ctx->cfg->store.path, &store, &err)) != CT_OK) {
        refuse(p, 503, "Busy",
               "The coffee trial cannot be reached for a moment; please try "
               "again.");
        return;
    }
    st = ct_action_member(store, t.member_id, &m, &err);
    if (st != CT_OK || !still_valid(m, action)) {
        if (st == CT_OK && m->status == CT_MEMBER_LEFT)
            refuse(p, 410, "This link no longer works",
                   "You have left the coffee trial, so it changes nothing.");
        else if (st == CT_OK || st == CT_ENOTFOUND)
            refuse(p, 410, "This link no longer works", "We could not find you.");
        else
            action_failed(p, &err);
    } else if (action == CT_ACTION_UNSUBSCRIBE && m->status == CT_MEMBER_LEFT) {
        title(p, 200, "You are unsubscribed");
        para(p, "You get no messages from this coffee trial any more; nothing changed.");
    } else if (form == NULL) {
        show(ctx, store, &t, m, answer, now, p);
    } else {
        act(ctx, store, &t, form, now, p);
    }
    ct_member_free(m);
    ct_store_close(store);
}
