/*
 * transport_impl.h: what the transport backends share with each other and
 * with the unit tests, but not with the rest of coffeetrial: the backends
 * themselves, secrets, and the pure decisions (which host is loopback, what
 * a server's answer means) kept apart from the I/O so they can be tested.
 */
#ifndef CT_TRANSPORT_IMPL_H
#define CT_TRANSPORT_IMPL_H

#include <stdbool.h>
#include <stdint.h>

#include "transport.h"

extern const struct ct_transport_backend ct_transport_spool;
extern const struct ct_transport_backend ct_transport_smtp;
extern const struct ct_transport_backend ct_transport_http;

/* Longest server answer or error body kept for an error message. */
#define CT_TRANSPORT_REPLY_MAX 200

/* Retry-After values above this many seconds are capped to it (a week). */
#define CT_TRANSPORT_RETRY_AFTER_MAX (7 * 86400)

/* True while a batch may take another message: not stopped, tripped or unavailable. */
bool ct_transport_batch_going(const struct ct_transport_batch *batch);

/*
 * Account for results[i], just filled: the breaker's count, `unavailable`,
 * `tripped`, and the done() callback.
 */
void ct_transport_batch_note(struct ct_transport_batch *batch, size_t i,
                             const struct ct_transport_result *r);

/* Mark every result "not tried" (CT_ESTATE). */
void ct_transport_results_init(struct ct_transport_result *results, size_t n);

/*
 * A batch sent one message after another through send(), which fills r's
 * retry_after, relay_fault and err and returns the status. Stops as
 * ct_transport_batch_going() says.
 */
void ct_transport_batch_each(void *state, const struct ct_transport_message *msgs, size_t n,
                             struct ct_transport_batch *batch, struct ct_transport_result *results,
                             enum ct_status (*send)(void *state,
                                                    const struct ct_transport_message *msg,
                                                    struct ct_transport_result *r));

/*
 * ct_config_read_secret() for the setting named what ("[smtp]
 * password_file"), which every failure names: unset, missing, unreadable,
 * empty, or with control characters inside are all CT_ECONFIG.
 * OUT: *secret, which the caller frees with ct_transport_secret_free().
 */
enum ct_status ct_transport_read_secret(const char *file, const char *what, char **secret,
                                        struct ct_error *err);

/* curl_global_init once per process (callers are single-threaded). */
enum ct_status ct_transport_curl_init(struct ct_error *err);

/* Wipe and free a secret; NULL is fine. */
void ct_transport_secret_free(char *secret);

/*
 * True for the loopback names the STARTTLS rule exempts: "localhost",
 * 127.0.0.0/8 and ::1 (with or without brackets).
 */
bool ct_transport_host_is_loopback(const char *host);

/*
 * True if addr can go on an SMTP envelope line as is: one '@', no space,
 * control character or angle bracket (so no command can be smuggled in).
 */
bool ct_transport_address_ok(const char *addr);

/*
 * What an SMTP transfer's outcome means. curl_code is the CURLcode of
 * curl_easy_perform, reply the last SMTP reply code (CURLINFO_RESPONSE_CODE,
 * 0 if none), curl_message libcurl's error buffer ("RCPT failed: 550").
 * Only the answers to RCPT, DATA and the end of data judge the message
 * (4xx temporary, 5xx permanent, 552 to MAIL too); any 4xx or 5xx at the
 * greeting, EHLO, STARTTLS, AUTH or MAIL FROM, and any failure to connect
 * or to set up TLS, is CT_EUNAVAIL (it would refuse every message alike);
 * a connection dropped mid-message is CT_ETEMP.
 */
enum ct_status ct_transport_smtp_classify(int curl_code, long reply, const char *curl_message);

/*
 * What an HTTP gateway's answer means: 2xx CT_OK; 408, 429 and 5xx
 * CT_ETEMP; 401, 403 and 407 CT_EUNAVAIL (our credentials, not the message,
 * are refused); other statuses CT_EPERM.
 */
enum ct_status ct_transport_http_classify(long status);

/*
 * Parse a Retry-After value: delay-seconds, or an HTTP-date (IMF-fixdate,
 * RFC 850 or asctime form) taken relative to now. A date in the past gives
 * 0. Values are capped at CT_TRANSPORT_RETRY_AFTER_MAX.
 * OUT: *seconds. False (and *seconds = 0) if value is neither.
 */
bool ct_transport_retry_after_parse(const char *value, int64_t now, int64_t *seconds);

/*
 * The spool file name for a message id: characters other than letters,
 * digits and "._@+=-" (and a leading '.') are written as %XX, then ".eml".
 * NULL if the id is empty or the name would exceed 240 bytes, or on
 * allocation failure. The caller frees it.
 */
char *ct_transport_spool_name(const char *message_id);

/*
 * Copy a server's text into out (size bytes) as one printable line:
 * control characters become spaces, runs of space collapse, and the end is
 * cut at a character boundary with "..." if it does not fit.
 */
void ct_transport_reply_text(char *out, size_t size, const char *text, size_t len);

#endif
