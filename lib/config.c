/*
 * config.c: the configuration's defaults and lifetime; see config.h.
 * The INI reader is being written (it replaces ct_config_load below).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define CT_DEFAULT_PROMPTS                                                                 \
    "What are the main things you are responsible for, and who depends on them?\n"          \
    "What part of your work do you find most meaningful?\n"                                \
    "Where does your work help the other's, and where does it get in the way?\n"           \
    "When are your goals aligned, and when do you find yourselves at cross-purposes?"

struct ct_config *
ct_config_new_defaults(void)
{
    struct ct_config *c = calloc(1, sizeof(*c));

    if (c == NULL)
        return NULL;
    c->network.name = strdup("Coffee Trial");
    c->network.organiser_name = strdup("Coffee Trial organiser");
    c->network.organiser_email = strdup("organiser@example.org");
    c->network.timezone = strdup("Europe/London");
    c->store.path = strdup("coffeetrial.db");
    c->roster.refresh = 6 * 3600;
    c->roster.max_bytes = 64 * 1024 * 1024;
    c->schedule.rrule = strdup("FREQ=MONTHLY;BYDAY=1MO");
    c->schedule.time_minutes = 9 * 60;
    c->schedule.review_period = 2 * 86400;
    c->schedule.meeting_window = 14 * 86400;
    c->schedule.duration = 30 * 60;
    c->schedule.work_start_minutes = 9 * 60;
    c->schedule.work_end_minutes = 17 * 60;
    c->schedule.working_days = 0x1f;
    c->pairing.avoid_repeats = 0;
    c->pairing.require_different = 0;
    /* Pairing weights: measured by tests/bench (simulate) to reach zero
     * repeats, zero tied pairs, full cross-organisation share and the reach
     * bound on a 12-organisation network; see docs/pairing.md. */
    c->pairing.weight_organisation = 4.0;
    c->pairing.weight_team = 1.0;
    c->pairing.weight_site = 0.5;
    c->pairing.weight_role = 1.0;
    c->pairing.weight_weak_tie = 1.0;
    c->pairing.weight_bridge = 1.0;
    c->pairing.weight_novelty = 3.0;
    c->pairing.randomness = 1.0;
    c->pairing.odd = CT_ODD_TRIO;
    c->pairing.unanswered_limit = 3;
    c->invite.subject = strdup("{network}: coffee with {names}");
    c->invite.prompts = strdup(CT_DEFAULT_PROMPTS);
    c->transport.kind = CT_TRANSPORT_SPOOL;
    c->transport.max_attempts = 8;
    c->transport.retry_base = 5 * 60;
    c->spool.dir = strdup("spool");
    c->smtp.timeout = 30;
    c->http.timeout = 30;
    c->imap.poll_interval = 15 * 60;
    if (!c->network.name || !c->network.organiser_name || !c->network.organiser_email ||
        !c->network.timezone || !c->store.path || !c->schedule.rrule || !c->invite.subject ||
        !c->invite.prompts || !c->spool.dir) {
        ct_config_free(c);
        return NULL;
    }
    return c;
}

void
ct_config_free(struct ct_config *c)
{
    if (c == NULL)
        return;
    free(c->path);
    free(c->network.name);
    free(c->network.organiser_name);
    free(c->network.organiser_email);
    free(c->network.timezone);
    free(c->store.path);
    free(c->roster.source);
    free(c->schedule.rrule);
    free(c->schedule.start);
    free(c->invite.subject);
    free(c->invite.prompts);
    free(c->invite.location);
    free(c->invite.url);
    free(c->spool.dir);
    free(c->smtp.url);
    free(c->smtp.username);
    free(c->smtp.password_file);
    free(c->smtp.ca_file);
    free(c->http.url);
    free(c->http.token_file);
    free(c->http.ca_file);
    free(c->imap.url);
    free(c->imap.username);
    free(c->imap.password_file);
    free(c->imap.ca_file);
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

/* Placeholder until the INI reader lands: refuse rather than guess. */
enum ct_status
ct_config_load(const char *path, struct ct_config **out, struct ct_diags *diags)
{
    *out = NULL;
    ct_diags_add(diags, CT_ERROR, path, 0, "INI reader not built yet");
    return CT_ECONFIG;
}
