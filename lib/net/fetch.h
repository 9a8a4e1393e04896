/*
 * fetch.h: reads a roster source ([roster] source, or the argument of
 * `roster import`) into memory: a local file, standard input, or an
 * http(s) URL fetched with libcurl under a time limit and a size cap.
 */
#ifndef CT_FETCH_H
#define CT_FETCH_H

#include <stdbool.h>
#include <stddef.h>

#include "ct.h"

/* True if source is an http:// or https:// URL (ASCII case-insensitive). */
bool ct_fetch_is_url(const char *source);

/*
 * The source as it may appear in messages and logs: URLs lose any
 * user:password@ part. Returns a heap string the caller frees (NULL when
 * out of memory).
 */
char *ct_fetch_display_name(const char *source);

/*
 * Read source whole into a NUL-terminated heap buffer. OUT: *data (the
 * caller frees it) and *len; both are cleared on failure.
 *
 *   - "-": standard input.
 *   - "http://..." or "https://...": a GET with libcurl. TLS certificates
 *     and host names are verified (against ca_file if not NULL, else the
 *     system store); redirects are followed up to 5 times and only to http
 *     or https (only https if the source was https); timeout_s bounds the
 *     connection and the whole transfer.
 *   - "file:///path" or anything else: a local file.
 *
 * More than max_bytes (announced or received) is refused. Errors name the
 * source (without credentials) and say what happened:
 *   CT_ENOINPUT  file missing, or HTTP 404/410
 *   CT_EDATA     larger than max_bytes
 *   CT_ETEMP     timeout, connection cut, HTTP 408, 429 or 5xx: retry later
 *   CT_EUNAVAIL  cannot resolve or connect, TLS failure, too many redirects
 *   CT_EPERM     any other HTTP status >= 400 (401, 403, ...)
 *   CT_EUSAGE    malformed URL or an unsupported scheme (ftp://, ...)
 *   CT_EIO       local read error
 *
 * Programs should call curl_global_init() once at start-up; libcurl does it
 * on first use otherwise, which is not thread-safe.
 */
enum ct_status ct_fetch_source(const char *source, size_t max_bytes, long timeout_s,
                               const char *ca_file, char **data, size_t *len, struct ct_error *err);

#endif
