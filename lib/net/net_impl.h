/*
 * net_impl.h: what every libcurl user in lib/net shares and nothing above
 * it sees: the proxy choice of [transport] proxy (net.c), applied to each
 * easy handle right after curl_easy_init().
 */
#ifndef CT_NET_IMPL_H
#define CT_NET_IMPL_H

#include <stdbool.h>

#include <curl/curl.h>

/*
 * Apply the proxy set with ct_net_set_proxy() to curl: "none" sets an empty
 * CURLOPT_PROXY, which also overrides http_proxy and its kin in the
 * environment; "env" leaves libcurl to read them; a URL is used as is.
 * CURLOPT_NOPROXY always lists localhost, 127.0.0.1 and ::1 (with "env",
 * followed by $no_proxy), so loopback is never proxied. tunnel (smtp, imap)
 * asks an HTTP proxy for a CONNECT tunnel instead of a proxied request.
 * Returns the first libcurl error, or CURLE_OK.
 */
CURLcode ct_net_apply_proxy(CURL *curl, bool tunnel);

#endif
