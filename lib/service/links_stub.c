/*
 * links_stub.c: STAND-IN, REPLACED BY THE WEB BRANCH AT MERGE (drop this
 * file and take lib/service/links.c from the web branch). It gives every
 * member no web links, only the unsubscribe mailto, so the lifecycle
 * messages fall back to "reply with one word" until the pages exist.
 */
#include <stdio.h>
#include <string.h>

#include "links.h"

enum ct_status
ct_links_build(const struct ct_config *cfg, int64_t member_id, int64_t round_id, int64_t group_id,
               int64_t now, struct ct_links *out, struct ct_error *err)
{
    (void)member_id, (void)round_id, (void)group_id, (void)now, (void)err;
    memset(out, 0, sizeof(*out));
    snprintf(out->unsubscribe_mailto, sizeof(out->unsubscribe_mailto),
             "mailto:%s?subject=unsubscribe", cfg->network.organiser_email);
    return CT_OK;
}
