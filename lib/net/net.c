/*
 * net.c: process-wide setup of the network libraries (libcurl), and the one
 * proxy choice every transfer follows; see net.h and net_impl.h.
 */
#include "net.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "net_impl.h"

/* The names that never go through a proxy: a loopback gateway or test server. */
#define LOOPBACK_NAMES "localhost,127.0.0.1,::1"

/* [transport] proxy; NULL means "none". */
static char *proxy_setting;

enum ct_status
ct_net_global_init(struct ct_error *err)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return ct_error_set(err, CT_EINTERNAL, "cannot initialise libcurl");
    return CT_OK;
}

void
ct_net_global_cleanup(void)
{
    free(proxy_setting);
    proxy_setting = NULL;
    curl_global_cleanup();
}

enum ct_status
ct_net_set_proxy(const char *proxy, struct ct_error *err)
{
    char *copy = NULL;

    if (proxy && strcmp(proxy, "none") != 0 && (copy = strdup(proxy)) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    free(proxy_setting);
    proxy_setting = copy;
    return CT_OK;
}

const char *
ct_net_proxy(void)
{
    return proxy_setting ? proxy_setting : "none";
}

/* The NOPROXY list: the loopback names, then $no_proxy when the environment decides. */
static const char *
noproxy_list(bool from_env, char *buf, size_t size)
{
    const char *env = NULL;

#ifdef CT_TEST_HOOKS
    /* Lets a test send a 127.0.0.1 request through its recording proxy. */
    const char *force = getenv("COFFEETRIAL_TEST_NOPROXY");
    if (force)
        return force;
#endif
    if (from_env && ((env = getenv("no_proxy")) != NULL || (env = getenv("NO_PROXY")) != NULL) &&
        *env) {
        int n = snprintf(buf, size, "%s,%s", LOOPBACK_NAMES, env);
        if (n > 0 && (size_t)n < size)
            return buf;
    }
    return LOOPBACK_NAMES;
}

CURLcode
ct_net_apply_proxy(CURL *curl, bool tunnel)
{
    bool from_env = proxy_setting && strcmp(proxy_setting, "env") == 0;
    char buf[1024];
    CURLcode rc;

    if (proxy_setting == NULL)
        rc = curl_easy_setopt(curl, CURLOPT_PROXY, "");
    else if (!from_env)
        rc = curl_easy_setopt(curl, CURLOPT_PROXY, proxy_setting);
    else
        rc = CURLE_OK;
    if (rc == CURLE_OK)
        rc = curl_easy_setopt(curl, CURLOPT_NOPROXY, noproxy_list(from_env, buf, sizeof(buf)));
    if (rc == CURLE_OK && tunnel)
        rc = curl_easy_setopt(curl, CURLOPT_HTTPPROXYTUNNEL, 1L);
    return rc;
}
