/*
 * imap.h: the little of IMAP that reading replies needs, over libcurl: one
 * connection (one easy handle) per session, UID SEARCH, whole-message UID
 * FETCH, and clearing \Seen again. TLS is required (imaps://, or STARTTLS on
 * imap://) unless the server is on the loopback interface.
 */
#ifndef CT_IMAP_H
#define CT_IMAP_H

#include <stddef.h>
#include <stdint.h>

#include "ct.h"

/* Messages this large or larger are neither searched for nor downloaded. */
#define CT_IMAP_MAX_MESSAGE (8 * 1024 * 1024)

struct ct_imap_options {
    const char *url;      /* imaps://host[:port]/MAILBOX or imap://...; MAILBOX defaults to INBOX */
    const char *username; /* required */
    const char *password; /* required; copied, and wiped when the session ends */
    const char *ca_file;  /* PEM bundle to verify the server with; NULL: system CAs */
    long timeout;         /* seconds to connect, and for each server response; 0: 30 */
};

struct ct_imap;

/*
 * Check the options and prepare a session; nothing is sent until the first
 * call below. CT_ECONFIG (naming the [imap] key) for a URL that is not
 * imap:// or imaps://, carries credentials or ;parameters, or a missing
 * username or password. OUT: *out, freed with ct_imap_free().
 */
enum ct_status ct_imap_new(const struct ct_imap_options *opts, struct ct_imap **out,
                           struct ct_error *err);
void ct_imap_free(struct ct_imap *imap);

/*
 * The key that names this mailbox in imap_seen: "username@host/MAILBOX"
 * (no port or scheme, so switching between STARTTLS and imaps:// keeps it).
 */
const char *ct_imap_mailbox(const struct ct_imap *imap);

/* The mailbox's UIDVALIDITY, known after the first search (0 before). */
uint32_t ct_imap_uidvalidity(const struct ct_imap *imap);

/*
 * UID SEARCH with the given criteria ("ALL", "UNSEEN SMALLER 100"),
 * connecting, logging in and selecting the mailbox first if needed.
 * OUT: *uids (ascending, no duplicates, heap, may be NULL when *count is 0).
 * Errors: CT_EUNAVAIL (cannot connect, TLS refused), CT_ECONFIG (login
 * refused, no such mailbox), CT_ETEMP (timeouts, dropped connections).
 */
enum ct_status ct_imap_search(struct ct_imap *imap, const char *criteria, uint32_t **uids,
                              size_t *count, struct ct_error *err);

/*
 * Fetch one whole message (BODY[], which marks it \Seen), checking the
 * mailbox's UIDVALIDITY is still the one the search saw. OUT: *data (heap,
 * NUL-terminated) and *len. CT_ENOTFOUND if the message is gone, CT_EDATA if
 * it is CT_IMAP_MAX_MESSAGE bytes or more, CT_ETEMP if UIDVALIDITY changed.
 */
enum ct_status ct_imap_fetch(struct ct_imap *imap, uint32_t uid, char **data, size_t *len,
                             struct ct_error *err);

/* Clear \Seen on one message again. */
enum ct_status ct_imap_mark_unseen(struct ct_imap *imap, uint32_t uid, struct ct_error *err);

#endif
