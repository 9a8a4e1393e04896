/*
 * links.c: a member's signed links for a message (links.h): one token per
 * action, signed with the key of [web] secret_file, on [web] public_url.
 */
#include "links.h"

#include <stdio.h>
#include <string.h>

#include "token.h"
#include "util.h"

/* mailto:ORGANISER?subject=unsubscribe, the address percent-encoded (RFC 6068). */
static enum ct_status
build_mailto(const char *organiser, char *out, size_t size, struct ct_error *err)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    const unsigned char *p;

    o = (size_t)snprintf(out, size, "mailto:");
    for (p = (const unsigned char *)organiser; *p && o + 4 < size; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("@.-_~!$*+=", *p)) {
            out[o++] = (char)*p;
        } else {
            out[o++] = '%';
            out[o++] = hex[*p >> 4];
            out[o++] = hex[*p & 15];
        }
    }
    if (*p || o + sizeof("?subject=unsubscribe") > size)
        return ct_error_set(err, CT_ECONFIG, "[network] organiser_email is too long for a link");
    memcpy(out + o, "?subject=unsubscribe", sizeof("?subject=unsubscribe"));
    return CT_OK;
}

enum ct_status
ct_links_key_load(const struct ct_config *cfg, struct ct_links_key *key, struct ct_error *err)
{
    enum ct_status st;

    memset(key, 0, sizeof(*key));
    if (cfg->web.public_url == NULL)
        return CT_OK;
    if ((st = ct_token_key_read(cfg->web.secret_file, key->bytes, NULL, err)) != CT_OK) {
        explicit_bzero(key, sizeof(*key));
        return ct_error_prefix(err, "[web] secret_file");
    }
    key->loaded = true;
    return CT_OK;
}

void
ct_links_key_clear(struct ct_links_key *key)
{
    if (key)
        explicit_bzero(key, sizeof(*key));
}

enum ct_status
ct_links_build_keyed(const struct ct_config *cfg, const struct ct_links_key *key, int64_t member_id,
                     int64_t round_id, int64_t group_id, int64_t now, struct ct_links *out,
                     struct ct_error *err)
{
    const struct {
        enum ct_action action;
        char *slot;
    } actions[] = {
        {CT_ACTION_SKIP, out->skip},       {CT_ACTION_PAUSE, out->pause},
        {CT_ACTION_STOP, out->stop},       {CT_ACTION_PREFERENCES, out->preferences},
        {CT_ACTION_CHECKIN, out->checkin}, {CT_ACTION_UNSUBSCRIBE, out->unsubscribe},
    };
    enum ct_status st;
    size_t i;

    memset(out, 0, sizeof(*out));
    st = build_mailto(cfg->network.organiser_email, out->unsubscribe_mailto,
                      sizeof(out->unsubscribe_mailto), err);
    if (st != CT_OK || cfg->web.public_url == NULL)
        return st;
    if (!key->loaded)
        return ct_error_set(err, CT_EINTERNAL, "[web] secret_file: the key was not read");
    for (i = 0; i < CT_ARRAY_LEN(actions) && st == CT_OK; i++) {
        struct ct_token t = {
            .member_id = member_id,
            .action = actions[i].action,
            .round_id = round_id,
            .group_id = group_id,
            .expires = now + (actions[i].action == CT_ACTION_UNSUBSCRIBE
                                  ? CT_LINKS_UNSUBSCRIBE_LIFE
                                  : cfg->schedule.meeting_window + CT_LINKS_MARGIN),
        };
        char token[CT_TOKEN_MAX];
        int n;

        st = ct_token_make(key->bytes, sizeof(key->bytes), &t, token, sizeof(token), err);
        if (st != CT_OK)
            break;
        n = snprintf(actions[i].slot, 512, "%s/%s/%s", cfg->web.public_url, ct_action_str(t.action),
                     token);
        if (n < 0 || n >= 512)
            st = ct_error_set(err, CT_ECONFIG, "[web] public_url is too long for a link");
    }
    if (st != CT_OK) {
        char mailto[sizeof(out->unsubscribe_mailto)];
        memcpy(mailto, out->unsubscribe_mailto, sizeof(mailto));
        memset(out, 0, sizeof(*out));
        memcpy(out->unsubscribe_mailto, mailto, sizeof(mailto));
    }
    return st;
}

enum ct_status
ct_links_build(const struct ct_config *cfg, int64_t member_id, int64_t round_id, int64_t group_id,
               int64_t now, struct ct_links *out, struct ct_error *err)
{
    struct ct_links_key key;
    enum ct_status st;

    memset(out, 0, sizeof(*out));
    /* The mailto link first: its error comes before the key's, as ever. */
    st = build_mailto(cfg->network.organiser_email, out->unsubscribe_mailto,
                      sizeof(out->unsubscribe_mailto), err);
    if (st != CT_OK || cfg->web.public_url == NULL)
        return st;
    if ((st = ct_links_key_load(cfg, &key, err)) != CT_OK)
        return st;
    st = ct_links_build_keyed(cfg, &key, member_id, round_id, group_id, now, out, err);
    ct_links_key_clear(&key);
    return st;
}

void
ct_links_view(const struct ct_links *links, struct ct_invite_links *view)
{
    view->skip = links->skip;
    view->pause = links->pause;
    view->stop = links->stop;
    view->preferences = links->preferences;
    view->checkin = links->checkin;
    view->unsubscribe = links->unsubscribe;
    view->unsubscribe_mailto = links->unsubscribe_mailto;
}
