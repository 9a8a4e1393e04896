/*
 * config.h: the one configuration of a network, read from an INI file.
 * Every key of SPEC.md's table has a field here and a default; the reader
 * checks types and ranges and reports every problem as FILE:LINE: message.
 */
#ifndef CT_CONFIG_H
#define CT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "ct.h"

#define CT_CONFIG_DEFAULT_PATH "/etc/coffeetrial/coffeetrial.ini"

/* The boundaries a pairing can cross, as bits. */
enum ct_boundary {
    CT_B_ORGANISATION = 1 << 0,
    CT_B_TEAM = 1 << 1,
    CT_B_SITE = 1 << 2,
    CT_B_ROLE = 1 << 3,
};

enum ct_odd_policy { CT_ODD_TRIO, CT_ODD_SIT_OUT };
enum ct_transport_kind { CT_TRANSPORT_SPOOL, CT_TRANSPORT_SMTP, CT_TRANSPORT_HTTP };

struct ct_config {
    char *path; /* the file read, or NULL for embedded defaults */

    struct {
        char *name;            /* default "Coffee Trial" */
        char *organiser_name;  /* default "Coffee Trial organiser" */
        char *organiser_email; /* default "organiser@example.org" */
        char *timezone;        /* IANA, default "Europe/London" */
    } network;

    struct {
        char *path; /* default "coffeetrial.db" relative to the working directory */
    } store;

    struct {
        char *source;      /* file path or http(s) URL; NULL if unset */
        int64_t refresh;   /* seconds, default 6h */
        int64_t max_bytes; /* fetch size cap, default 64 MiB */
    } roster;

    struct {
        char *rrule;             /* default "FREQ=MONTHLY;BYDAY=1MO" */
        char *start;             /* YYYY-MM-DD or NULL (first run) */
        int time_minutes;        /* minutes after midnight, default 09:00 */
        int64_t review_period;   /* seconds, default 2d */
        int64_t meeting_window;  /* seconds, default 14d */
        int64_t duration;        /* seconds, default 30m */
        int work_start_minutes;  /* default 09:00 */
        int work_end_minutes;    /* default 17:00 */
        unsigned working_days;   /* bit 0 = Monday ... bit 6 = Sunday; default MO-FR */
    } schedule;

    struct {
        int avoid_repeats;         /* rounds; 0 means "always" (never repeat) */
        unsigned require_different; /* enum ct_boundary bits, default none */
        double weight_organisation;
        double weight_team;
        double weight_site;
        double weight_role;
        double weight_weak_tie;
        double weight_bridge;
        double weight_novelty;
        double randomness;
        enum ct_odd_policy odd;
        int unanswered_limit; /* 0 disables; default 3 */
    } pairing;

    struct {
        char *subject;  /* template */
        char *prompts;  /* text (multi-line) */
        char *location; /* template or NULL */
        char *url;      /* template or NULL */
    } invite;

    struct {
        enum ct_transport_kind kind; /* default spool */
        int max_attempts;            /* default 8 */
        int64_t retry_base;          /* seconds, default 5m */
    } transport;

    struct {
        char *dir; /* default "spool" relative to the working directory */
    } spool;

    struct {
        char *url;
        char *username;
        char *password_file;
        char *ca_file;
        int64_t timeout; /* seconds, default 30 */
    } smtp;

    struct {
        char *url;
        char *token_file;
        char *ca_file;
        int64_t timeout;
    } http;

    struct {
        char *url;
        char *username;
        char *password_file;
        char *ca_file;
        int64_t poll_interval; /* seconds, default 15m */
    } imap;
};

/* A config holding every default; NULL on allocation failure. */
struct ct_config *ct_config_new_defaults(void);

/*
 * Read path into a new config (OUT: *out) on top of the defaults. Every
 * problem is appended to diags as FILE:LINE: message; the call returns
 * CT_ECONFIG if any is an error (and then *out is NULL), CT_ENOINPUT if the
 * file cannot be opened.
 */
enum ct_status ct_config_load(const char *path, struct ct_config **out, struct ct_diags *diags);

/* Same, from a string already in memory; name is used in messages. */
enum ct_status ct_config_load_string(const char *name, const char *text,
                                     struct ct_config **out, struct ct_diags *diags);

void ct_config_free(struct ct_config *cfg);

/*
 * Read a secret named by a *_file key: a relative name is looked up in
 * $CREDENTIALS_DIRECTORY when set. Trailing newlines are dropped. A file
 * readable by group or others adds a warning to diags (may be NULL).
 * OUT: *secret, which the caller frees (and should wipe).
 */
enum ct_status ct_config_read_secret(const char *file, char **secret, struct ct_diags *diags,
                                     struct ct_error *err);

/* The config file to use: -c argument, else $COFFEETRIAL_CONFIG, else default. */
const char *ct_config_default_path(const char *from_option);

#endif
