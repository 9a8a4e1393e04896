/*
 * member_actions_stub.c: STAND-IN, REPLACED BY THE ACTIONS BRANCH AT MERGE
 * (lib/service/member_actions.c; drop this file then). The issue 14
 * contract's member actions, the least that keeps coffeetriald linking and
 * the web pages testable before the real ones land: stop, resume and pause
 * go through the existing members calls (so tests see real state), skip and
 * check-in change nothing, preferences live in this process's memory.
 * lib/CMakeLists.txt builds it only while member_actions.h is absent.
 */
#include "member_actions.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "members.h"
#include "rounds.h"
#include "store_members.h"
#include "util.h"
#include "validate.h"

static pthread_mutex_t prefs_lock = PTHREAD_MUTEX_INITIALIZER;
static int64_t prefs_member;
static struct ct_prefs prefs_kept = {NULL, NULL, NULL, -1, -1, NULL, NULL};

/* The member's e-mail (heap), or CT_ENOTFOUND for an unknown or erased one. */
static enum ct_status
member_email(struct ct_store *store, int64_t member_id, char **email, struct ct_error *err)
{
    struct ct_member *m = NULL;
    enum ct_status st = ct_action_member(store, member_id, &m, err);

    *email = NULL;
    if (st == CT_OK && (*email = ct_strdup(m->email)) == NULL)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    ct_member_free(m);
    return st;
}

enum ct_status
ct_action_member(struct ct_store *store, int64_t member_id, struct ct_member **out,
                 struct ct_error *err)
{
    struct ct_member *m = calloc(1, sizeof(*m));
    enum ct_status st;

    *out = NULL;
    if (m == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_store_member_get(store, member_id, m, err);
    if (st == CT_OK && (m->status == CT_MEMBER_ERASED || m->email == NULL))
        st = ct_error_set(err, CT_ENOTFOUND, "no member %lld", (long long)member_id);
    if (st != CT_OK) {
        ct_member_free(m);
        return st;
    }
    *out = m;
    return CT_OK;
}

enum ct_status
ct_action_skip(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
               int64_t round_id, enum ct_via via, int64_t now, struct ct_error *err)
{
    struct ct_member *m = NULL;
    enum ct_status st = ct_action_member(store, member_id, &m, err);

    (void)cfg, (void)round_id, (void)via, (void)now;
    ct_member_free(m);
    return st;
}

enum ct_status
ct_action_pause(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                int32_t until_day, enum ct_via via, int64_t now, struct ct_error *err)
{
    char *email = NULL, until[16];
    enum ct_status st;
    int y, mo, d;

    (void)cfg, (void)via;
    if ((st = member_email(store, member_id, &email, err)) != CT_OK)
        return st;
    if (until_day > 0) {
        ct_civil_from_days(until_day, &y, &mo, &d);
        snprintf(until, sizeof(until), "%04d-%02d-%02d", y, mo, d);
    }
    st = ct_members_pause(store, email, until_day > 0 ? until : NULL, (int32_t)(now / 86400), now,
                          err);
    free(email);
    return st;
}

enum ct_status
ct_action_stop(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
               enum ct_via via, int64_t now, struct ct_error *err)
{
    struct ct_rounds_leave leave;
    char *email = NULL;
    enum ct_status st;
    bool changed = false;

    (void)via;
    if ((st = member_email(store, member_id, &email, err)) != CT_OK)
        return st;
    ct_rounds_leave_init(&leave, cfg);
    st = ct_members_remove(store, email, &leave.hook, now, &changed, err);
    free(email);
    return st;
}

enum ct_status
ct_action_resume(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                 enum ct_via via, int64_t now, struct ct_error *err)
{
    char *email = NULL;
    enum ct_status st;
    bool changed = false;

    (void)cfg, (void)via;
    if ((st = member_email(store, member_id, &email, err)) != CT_OK)
        return st;
    st = ct_members_resume(store, email, now, &changed, err);
    free(email);
    return st;
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
    p->working_hours = p->working_days = p->timezone = p->intro = p->greeting = NULL;
}

static void
prefs_copy(struct ct_prefs *to, const struct ct_prefs *from)
{
    to->working_hours = ct_strdup(from->working_hours);
    to->working_days = ct_strdup(from->working_days);
    to->timezone = ct_strdup(from->timezone);
    to->frequency = from->frequency;
    to->mode = from->mode;
    to->intro = ct_strdup(from->intro);
    to->greeting = ct_strdup(from->greeting);
}

enum ct_status
ct_action_prefs_set(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                    const struct ct_prefs *p, enum ct_via via, int64_t now, struct ct_error *err)
{
    struct ct_member *m = NULL;
    enum ct_status st = ct_action_member(store, member_id, &m, err);

    (void)cfg, (void)via, (void)now;
    ct_member_free(m);
    if (st != CT_OK)
        return st;
    if (p->frequency != -1 && (p->frequency < 1 || p->frequency > 3))
        return ct_error_set(err, CT_EUSAGE, "frequency must be 1, 2 or 3");
    if (p->intro && strlen(p->intro) > 4 * 280)
        return ct_error_set(err, CT_EUSAGE, "intro is longer than 280 characters");
    pthread_mutex_lock(&prefs_lock);
    ct_prefs_free(&prefs_kept);
    prefs_copy(&prefs_kept, p);
    prefs_member = member_id;
    pthread_mutex_unlock(&prefs_lock);
    return CT_OK;
}

enum ct_status
ct_action_prefs_get(struct ct_store *store, int64_t member_id, struct ct_prefs *out,
                    struct ct_error *err)
{
    struct ct_member *m = NULL;
    enum ct_status st = ct_action_member(store, member_id, &m, err);

    memset(out, 0, sizeof(*out));
    out->frequency = out->mode = -1;
    ct_member_free(m);
    if (st != CT_OK)
        return st;
    pthread_mutex_lock(&prefs_lock);
    if (prefs_member == member_id)
        prefs_copy(out, &prefs_kept);
    pthread_mutex_unlock(&prefs_lock);
    return CT_OK;
}

enum ct_status
ct_action_checkin(struct ct_store *store, const struct ct_config *cfg, int64_t member_id,
                  int64_t group_id, enum ct_checkin c, int rating, const char *note,
                  enum ct_via via, int64_t now, struct ct_error *err)
{
    struct ct_member *m = NULL;
    enum ct_status st = ct_action_member(store, member_id, &m, err);

    (void)cfg, (void)group_id, (void)c, (void)note, (void)via, (void)now;
    ct_member_free(m);
    if (st == CT_OK && (rating < 0 || rating > 5))
        st = ct_error_set(err, CT_EUSAGE, "rating must be 1 to 5");
    return st;
}
