/*
 * replies_words.c: one-word replies (SKIP, PAUSE, STOP, MET, NOT MET) to a
 * message from the network, for networks without the members' pages:
 * bound to the member by the Message-ID we sent them, never by From alone,
 * and acted on through member_actions.h; anything doubtful is held.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "invite.h"
#include "member_actions.h"
#include "members.h"
#include "replies_words.h"
#include "store_actions.h"
#include "store_members.h"
#include "store_replies.h"
#include "util.h"

/* The most message ids of In-Reply-To and References looked at. */
#define MAX_REFERENCES 32

static void
say(const struct ct_replies_hooks *hooks, enum ct_replies_level level, const char *line)
{
    char *clean;

    if (hooks == NULL || hooks->log == NULL)
        return;
    clean = ct_invite_clean_line(line);
    hooks->log(hooks->arg, level, clean ? clean : "(out of memory)");
    free(clean);
}

/*
 * The member a message we sent went to, from the <ids> of value (In-Reply-To
 * or References), newest (last) first. OUT: *owner (found false if none),
 * first_id (the first id seen, for the organiser; "" if none).
 */
static enum ct_status
find_owner(struct ct_store *store, const char *value, struct ct_message_owner *owner,
           char *first_id, size_t first_size, struct ct_error *err)
{
    const char *starts[MAX_REFERENCES];
    size_t n = 0, len;
    const char *p = value;
    char id[512];
    enum ct_status st;

    while (p && (p = strchr(p, '<')) != NULL && n < MAX_REFERENCES) {
        starts[n++] = ++p;
        p += strcspn(p, ">");
    }
    while (n-- > 0) {
        len = strcspn(starts[n], "> \t\r\n");
        if (len == 0 || len >= sizeof(id) || starts[n][len] != '>')
            continue;
        memcpy(id, starts[n], len);
        id[len] = '\0';
        if (*first_id == '\0') {
            size_t k = len < first_size - 1 ? len : first_size - 1;
            memcpy(first_id, id, k);
            first_id[k] = '\0';
        }
        if ((st = ct_store_message_owner(store, id, owner, err)) != CT_OK)
            return st;
        if (owner->found && owner->member_id > 0)
            return CT_OK;
    }
    memset(owner, 0, sizeof(*owner));
    return CT_OK;
}

/* Run word as member m's action. A refusal (not a database failure) becomes *why. */
static enum ct_status
act(struct ct_store *store, const struct ct_config *cfg, const struct ct_message_owner *o,
    enum ct_reply_word word, int64_t now, char *why, size_t why_size, struct ct_error *err)
{
    enum ct_status st;
    struct ct_error refused;

    ct_error_clear(&refused);
    switch (word) {
    case CT_WORD_SKIP:
        st = ct_action_skip(store, cfg, o->member_id, o->group_id ? o->round_id : 0, CT_VIA_REPLY,
                            now, &refused);
        break;
    case CT_WORD_PAUSE:
        st = ct_action_pause(store, cfg, o->member_id, 0, CT_VIA_REPLY, now, &refused);
        break;
    case CT_WORD_STOP:
        st = ct_action_stop(store, cfg, o->member_id, CT_VIA_REPLY, now, &refused);
        break;
    case CT_WORD_MET:
    case CT_WORD_NOT_MET:
        if (o->group_id == 0) {
            snprintf(why, why_size,
                     "%s answers an invitation; this replies to a message about no "
                     "meeting",
                     ct_reply_word_str(word));
            return CT_OK;
        }
        st = ct_action_checkin(store, cfg, o->member_id, o->group_id,
                               word == CT_WORD_MET ? CT_CHECKIN_MET : CT_CHECKIN_NOT_MET, 0, NULL,
                               CT_VIA_REPLY, now, &refused);
        break;
    default: return ct_error_set(err, CT_EINTERNAL, "no action for the reply word");
    }
    if (st == CT_ESTATE || st == CT_ENOTFOUND || st == CT_EUSAGE) {
        snprintf(why, why_size, "%s refused: %.300s", ct_reply_word_str(word), refused.message);
        return CT_OK;
    }
    if (st != CT_OK)
        return ct_error_set(err, st, "%s", refused.message);
    return CT_OK;
}

/* Whether the message's From is member_id's address. */
static enum ct_status
from_is_member(struct ct_store *store, const char *from, int64_t member_id, bool *same,
               struct ct_error *err)
{
    struct ct_member m;
    enum ct_status st = ct_store_member_get(store, member_id, &m, err);

    *same = false;
    if (st == CT_ENOTFOUND)
        return CT_OK;
    if (st != CT_OK)
        return st;
    *same = from && m.email && strcasecmp(from, m.email) == 0;
    ct_member_clear(&m);
    return CT_OK;
}

/* In one transaction: the hold (why not empty) and src in imap_seen. */
static enum ct_status
finish(struct ct_store *store, const struct ct_mime_message *msg,
       const struct ct_replies_source *src, const char *where, const char *first_id,
       const struct ct_message_owner *o, enum ct_reply_word word, const char *why, int64_t now,
       struct ct_error *err)
{
    struct ct_replies_held h;
    struct ct_txn *txn = NULL;
    char comment[64];
    enum ct_status st;

    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK)
        return st;
    if (*why) {
        memset(&h, 0, sizeof(h));
        snprintf(comment, sizeof(comment), "one-word reply: %s", ct_reply_word_str(word));
        h.received_at = now;
        h.source = ct_invite_clean_line(where);
        h.sender = msg->from ? ct_invite_clean_line(msg->from) : NULL;
        h.event_uid = ct_invite_clean_line(first_id);
        h.owner_id = o->member_id;
        h.attendee = ct_invite_clean_line(msg->from ? msg->from : "");
        h.method = CT_REPLY_METHOD_REPLY;
        h.partstat = CT_PARTSTAT_OTHER;
        h.dtstamp = now;
        h.comment = comment;
        h.reason = ct_invite_clean_line(why);
        if (!h.source || (msg->from && !h.sender) || !h.event_uid || !h.attendee || !h.reason)
            st = ct_error_set(err, CT_ENOMEM, "out of memory holding a reply");
        if (st == CT_OK)
            st = ct_store_replies_hold(txn, &h, NULL, err);
        free(h.source);
        free(h.sender);
        free(h.event_uid);
        free(h.attendee);
        free(h.reason);
    }
    if (st == CT_OK && src) {
        struct ct_imap_seen_key key = {src->mailbox, src->uidvalidity, src->uid};
        st = ct_store_imap_seen_mark(txn, &key, err);
    }
    if (st != CT_OK) {
        ct_txn_rollback(txn);
        return st;
    }
    return ct_txn_commit(txn, err);
}

enum ct_status
replies_word(struct ct_store *store, const struct ct_mime_message *msg,
             const struct ct_replies_source *src, const char *where, int64_t now,
             const struct ct_replies_hooks *hooks, enum ct_replies_result *result,
             struct ct_error *err)
{
    enum ct_reply_word word = ct_reply_word_parse(msg->text);
    struct ct_message_owner o;
    char first_id[320] = "", why[400] = "", line[900];
    const struct ct_config *cfg = hooks ? hooks->cfg : NULL;
    bool seen = false, same = false;
    enum ct_status st;

    if (src) {
        struct ct_imap_seen_key key = {src->mailbox, src->uidvalidity, src->uid};
        if ((st = ct_store_imap_seen(store, &key, &seen, err)) != CT_OK)
            return st;
        if (seen) {
            *result = CT_REPLIES_SEEN;
            return CT_OK;
        }
    }
    st = find_owner(store, msg->in_reply_to, &o, first_id, sizeof(first_id), err);
    if (st == CT_OK && !o.found)
        st = find_owner(store, msg->references, &o, first_id, sizeof(first_id), err);
    if (st == CT_OK && o.found)
        st = from_is_member(store, msg->from, o.member_id, &same, err);
    if (st != CT_OK)
        return st;
    if (!o.found)
        snprintf(why, sizeof(why), "one-word reply %s that answers no message we sent a member",
                 ct_reply_word_str(word));
    else if (!same)
        snprintf(why, sizeof(why), "one-word reply %s from %s, not the address the message went to",
                 ct_reply_word_str(word), msg->from ? msg->from : "nobody");
    else if (cfg == NULL)
        snprintf(why, sizeof(why), "one-word reply %s read without the configuration",
                 ct_reply_word_str(word));
    else if ((st = act(store, cfg, &o, word, now, why, sizeof(why), err)) != CT_OK)
        return st;
    if ((st = finish(store, msg, src, where, first_id, &o, word, why, now, err)) != CT_OK)
        return st;
    *result = *why ? CT_REPLIES_HELD : CT_REPLIES_ACTION;
    if (*why)
        snprintf(line, sizeof(line), "%s: held: %s", where, why);
    else
        snprintf(line, sizeof(line), "%s: member %lld: %s (one-word reply)", where,
                 (long long)o.member_id, ct_reply_word_str(word));
    say(hooks, *why ? CT_REPLIES_WARNING : CT_REPLIES_INFO, line);
    return CT_OK;
}
