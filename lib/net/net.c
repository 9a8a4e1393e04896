/*
 * net.c: process-wide setup of the network libraries (libcurl); see net.h.
 */
#include "net.h"

#include <curl/curl.h>

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
    curl_global_cleanup();
}
