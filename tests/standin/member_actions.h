/*
 * member_actions.h (STAND-IN): the issue 14 contract's declarations of the
 * members' actions, verbatim, so the web part builds before the actions
 * branch lands. The real lib/service/member_actions.h replaces it at merge:
 * lib/CMakeLists.txt uses this folder only while that file is absent.
 */
#ifndef CT_MEMBER_ACTIONS_H
#define CT_MEMBER_ACTIONS_H

#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "entity.h"
#include "store.h"

enum ct_via { CT_VIA_PAGE, CT_VIA_REPLY, CT_VIA_ORGANISER };

enum ct_status ct_action_skip(struct ct_store *store, const struct ct_config *cfg,
                              int64_t member_id, int64_t round_id, enum ct_via via, int64_t now,
                              struct ct_error *err);
enum ct_status ct_action_pause(struct ct_store *store, const struct ct_config *cfg,
                               int64_t member_id, int32_t until_day, enum ct_via via, int64_t now,
                               struct ct_error *err);
enum ct_status ct_action_stop(struct ct_store *store, const struct ct_config *cfg,
                              int64_t member_id, enum ct_via via, int64_t now,
                              struct ct_error *err);
enum ct_status ct_action_resume(struct ct_store *store, const struct ct_config *cfg,
                                int64_t member_id, enum ct_via via, int64_t now,
                                struct ct_error *err);
enum ct_meeting_mode { CT_MODE_EITHER, CT_MODE_IN_PERSON, CT_MODE_VIDEO };
struct ct_prefs {
    char *working_hours;
    char *working_days;
    char *timezone;
    int frequency;
    int mode;
    char *intro;
    char *greeting;
};
void ct_prefs_free(struct ct_prefs *p);
enum ct_status ct_action_prefs_set(struct ct_store *store, const struct ct_config *cfg,
                                   int64_t member_id, const struct ct_prefs *p, enum ct_via via,
                                   int64_t now, struct ct_error *err);
enum ct_status ct_action_prefs_get(struct ct_store *store, int64_t member_id, struct ct_prefs *out,
                                   struct ct_error *err);
enum ct_checkin { CT_CHECKIN_MET, CT_CHECKIN_MOVED, CT_CHECKIN_NOT_MET };
enum ct_status ct_action_checkin(struct ct_store *store, const struct ct_config *cfg,
                                 int64_t member_id, int64_t group_id, enum ct_checkin c, int rating,
                                 const char *note, enum ct_via via, int64_t now,
                                 struct ct_error *err);
enum ct_status ct_action_member(struct ct_store *store, int64_t member_id, struct ct_member **out,
                                struct ct_error *err);

#endif
