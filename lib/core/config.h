/*
 * config.h: the one configuration of a network, read from an INI file.
 * Every key of SPEC.md's table has a field here and a default; the reader
 * checks types and ranges and reports every problem as FILE:LINE: message.
 * The key-by-key contract is docs/coffeetrial.ini.5 and conf/coffeetrial.ini.
 */
#ifndef CT_CONFIG_H
#define CT_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include "ct.h"
#include "weights.h"

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
/* [smtp] tls: auto = STARTTLS required unless the host is loopback; required = always. */
enum ct_smtp_tls { CT_SMTP_TLS_AUTO, CT_SMTP_TLS_REQUIRED };
/* [log] level: the least important lines the daemon writes. */
enum ct_log_level { CT_LOG_WARNING, CT_LOG_INFO, CT_LOG_DEBUG };

/* Where each key was set (private to config.c); see ct_config_line(). */
struct ct_config_origin;
struct ct_orgname_aliases;

/* A limit given as a count ("25") or as a share of a whole ("10%"). */
struct ct_share {
    int value;    /* a count, or percent when percent is set */
    bool percent; /* value is a percentage (0-100) of the whole */
};

struct ct_config {
    char *path;                      /* the file read, or NULL for embedded defaults */
    struct ct_config_origin *origin; /* NULL for embedded defaults */

    struct {
        char *name;            /* default "Coffee Trial" */
        char *organiser_name;  /* default "Coffee Trial organiser" */
        char *organiser_email; /* default "organiser@example.org" */
        char *timezone;        /* IANA, default "Europe/London" */
    } network;

    struct {
        char *path;            /* default "coffeetrial.db" relative to the working directory */
        int64_t keep_messages; /* seconds a sent message's body is kept; 0 = forever; 90d */
    } store;

    struct {
        char *source;             /* file path or http(s) URL; NULL if unset */
        int64_t refresh;          /* seconds, default 6h */
        int64_t max_bytes;        /* fetch size cap, default 64 MiB */
        int64_t timeout;          /* seconds for a URL fetch, default 60 */
        char *ca_file;            /* CA bundle for an https source; NULL: the system's */
        struct ct_share max_left; /* most current members a sync may mark left, default 10% */
        char *aliases;            /* "variant = canonical" names file; NULL if unset */
        /* That file, parsed when the configuration is loaded (orgname.h); NULL if unset. */
        struct ct_orgname_aliases *org_aliases;
    } roster;

    struct {
        char *rrule;            /* default "FREQ=MONTHLY;BYDAY=1MO" */
        char *start;            /* YYYY-MM-DD or NULL (first run) */
        int time_minutes;       /* minutes after midnight, default 09:00 */
        int64_t review_period;  /* seconds, default 2d */
        int64_t meeting_window; /* seconds, default 14d */
        int64_t duration;       /* seconds, default 30m */
        int work_start_minutes; /* default 09:00 */
        int work_end_minutes;   /* default 17:00 */
        unsigned working_days;  /* bit 0 = Monday ... bit 6 = Sunday; default MO-FR */
    } schedule;

    struct {
        int avoid_repeats;          /* rounds; 0 means "always" (never repeat) */
        unsigned require_different; /* enum ct_boundary bits, default none */
        /* By enum ct_weight (weights.h), the keys weight_* and randomness;
         * a term without a key (repeat) stays 0 here. */
        double weight[CT_WEIGHT_COUNT];
        enum ct_odd_policy odd;
        int group_size;        /* 2 (pairs, default), 3 or 4: CT_GROUP_MAX */
        int unanswered_limit;  /* 0 disables; default 3 */
        bool rematch;          /* re-match partners left alone after sending; default yes */
        int64_t rematch_until; /* seconds before the window ends that re-matching stops; 2d */
    } pairing;

    struct {
        char *subject;      /* template */
        char *prompts;      /* one prompt per line, '\n'-separated, no trailing newline */
        char *prompts_file; /* the file prompts were read from, or NULL if inline */
        char *opener;       /* a lighter first question, before the prompts; NULL: none */
        char *location;     /* template or NULL */
        char *url;          /* template or NULL */
        /* Per pair (rounds_mail.c): in person when all allow it and share a site, else remote;
         * either NULL falls back to location. Templates, with {site}. */
        char *location_in_person;
        char *location_remote;
    } invite;

    struct {
        enum ct_transport_kind kind; /* default spool */
        int max_attempts;            /* default 8 */
        int64_t retry_base;          /* seconds, default 5m */
        /* "none" (default: never a proxy, whatever the environment says),
         * "env" (libcurl reads http_proxy, https_proxy, all_proxy, no_proxy)
         * or a proxy URL without credentials. Loopback never goes through it. */
        char *proxy;
    } transport;

    struct {
        char *dir; /* default "spool" relative to the working directory */
    } spool;

    /*
     * *_file and ca_file names are resolved when the config is read: a
     * relative name is looked up in $CREDENTIALS_DIRECTORY when that is set,
     * else next to the config file. The secrets themselves are never held
     * here; read them with ct_config_read_secret() when needed.
     */
    struct {
        char *url;
        char *username;
        char *password_file;
        char *ca_file;
        int64_t timeout;      /* seconds, default 30 */
        enum ct_smtp_tls tls; /* default auto */
        int connections;      /* parallel connections for a batch, default 4 */
    } smtp;

    struct {
        char *url;
        char *token_file;
        char *ca_file;
        int64_t timeout; /* seconds, default 30 */
    } http;

    struct {
        char *url;
        char *username;
        char *password_file;
        char *ca_file;
        int64_t poll_interval; /* seconds, default 15m; 0 never polls */
    } imap;

    struct {
        enum ct_log_level level; /* default info; coffeetriald -v forces debug */
    } log;

    /* The members' pages and /metrics, served by coffeetriald (lib/web). */
    struct {
        char *listen;      /* "ADDRESS:PORT", default "127.0.0.1:8025" */
        char *public_url;  /* base of members' links, no trailing '/'; NULL: no pages */
        char *secret_file; /* the link-signing key (a credential); NULL if unset */
        bool metrics;      /* serve GET /metrics; default no */
    } web;
    /* Lifecycle messages to members (lib/service/lifecycle.h); all off by default. */
    struct {
        bool welcome;            /* a welcome when a member first joins; default no */
        int64_t reminder_before; /* seconds before a round is planned; 0 (default): none */
        int64_t checkin_after;   /* seconds after the proposed slot; 0 (default): none */
    } messages;
};

/* A config holding every default; NULL on allocation failure. */
struct ct_config *ct_config_new_defaults(void);

/*
 * Read path into a new config (OUT: *out, which the caller frees) on top of
 * the defaults. Every problem, not only the first, is appended to diags as
 * FILE:LINE: message (warnings too). Returns CT_ECONFIG if any is an error
 * (and then *out is NULL), CT_ENOINPUT (with a diagnostic) if the file
 * cannot be opened. Secret files are not read here: see
 * ct_config_check_files(). A prompts file named by [invite] prompts is.
 * now (Unix seconds) is when the check runs: a [schedule] rule whose dates
 * are all before it is warned about.
 */
enum ct_status ct_config_load(const char *path, int64_t now, struct ct_config **out,
                              struct ct_diags *diags);

/*
 * Same, from text already in memory (NUL bytes in it are reported, not
 * trusted); name is used in messages and, through its directory, to
 * resolve relative file names.
 */
enum ct_status ct_config_load_mem(const char *name, const char *data, size_t len, int64_t now,
                                  struct ct_config **out, struct ct_diags *diags);

/* Same, from a NUL-terminated string. */
enum ct_status ct_config_load_string(const char *name, const char *text, int64_t now,
                                     struct ct_config **out, struct ct_diags *diags);

void ct_config_free(struct ct_config *cfg);

/*
 * Check that every secret (*_file) and CA file the config names can be
 * read, without keeping or printing a secret. Files of a section in use
 * (smtp when kind = smtp, http when kind = http, imap when it has a url)
 * that fail are errors, others warnings; each names the config line.
 * Returns CT_ECONFIG if any error was added, else CT_OK.
 */
enum ct_status ct_config_check_files(const struct ct_config *cfg, struct ct_diags *diags);

/*
 * The line that set section.key in cfg's file, or 0 if it holds its
 * default; with key NULL, the line of the [section] header (0 if absent).
 * For messages about a value found wanting later ("FILE:LINE: ...").
 */
long ct_config_line(const struct ct_config *cfg, const char *section, const char *key);

/*
 * The effective configuration as INI text, every key in the documented
 * order; secret files by name, never content. Returns a heap string the
 * caller frees, or NULL on allocation failure.
 */
char *ct_config_format(const struct ct_config *cfg);

/*
 * Read a secret named by a *_file key: a relative name is looked up in
 * $CREDENTIALS_DIRECTORY when set (else in the working directory; names
 * from a loaded config are already resolved). Trailing newlines are
 * dropped; an empty secret, one with control characters or over 64 KiB is
 * refused. A file accessible by group or others adds a warning naming the
 * file (never the content) to diags (may be NULL).
 * OUT: *secret, which the caller frees (and should wipe with explicit_bzero).
 */
enum ct_status ct_config_read_secret(const char *file, char **secret, struct ct_diags *diags,
                                     struct ct_error *err);

/* The config file to use: -c argument, else $COFFEETRIAL_CONFIG, else default. */
const char *ct_config_default_path(const char *from_option);

#endif
