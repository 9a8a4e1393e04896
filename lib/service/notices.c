/*
 * notices.c: plain-text notices queued in the outbox; see notices.h.
 */
#include "notices.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "links.h"
#include "outbox.h"
#include "store_members.h"
#include "util.h"

/* The member's display name, or NULL (the notice then greets nobody by name). */
static char *
member_name(struct ct_store *store, int64_t member_id)
{
    struct ct_member m;
    struct ct_error ignored;
    char *name = NULL;

    if (ct_store_member_get(store, member_id, &m, &ignored) != CT_OK)
        return NULL;
    name = m.name;
    m.name = NULL;
    ct_member_clear(&m);
    return name;
}

/* The member's links for a notice (no round or group). OUT: *links, *view. */
static enum ct_status
notice_links(const struct ct_config *cfg, int64_t member_id, int64_t now, struct ct_links *links,
             struct ct_invite_links *view, struct ct_error *err)
{
    enum ct_status st = ct_links_build(cfg, member_id, 0, 0, now, links, err);

    if (st == CT_OK)
        ct_links_view(links, view);
    return st;
}

enum ct_status
ct_notice_queue_pause(struct ct_txn *txn, const struct ct_config *cfg, int64_t member_id,
                      const char *email, int64_t now, struct ct_error *err)
{
    char *name = member_name(ct_txn_store(txn), member_id), *subject = NULL, *text = NULL;
    char *key = NULL;
    enum ct_status st;

    st = ct_invite_pause_notice(cfg->network.name, cfg->network.organiser_name,
                                cfg->network.organiser_email, name, cfg->pairing.unanswered_limit,
                                &subject, &text, err);
    /* One key per pause event: the member and the moment they were paused. */
    if (st == CT_OK && (key = ct_asprintf("pause-%" PRId64 "-%" PRId64, member_id, now)) == NULL)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    if (st == CT_OK)
        st = ct_notice_queue_member(txn, cfg, member_id, email, name, key, subject, text, false,
                                    false, now, err);
    free(name);
    free(subject);
    free(text);
    free(key);
    return st;
}

enum ct_status
ct_notice_queue_partner_gone(struct ct_txn *txn, const struct ct_config *cfg, int64_t member_id,
                             const char *email, int64_t group_id, int64_t now, struct ct_error *err)
{
    char *name = member_name(ct_txn_store(txn), member_id), *subject, *text, *key;
    enum ct_status st;

    subject = ct_asprintf("%s: your partner can't make it", cfg->network.name);
    text =
        ct_asprintf("Hello%s%s,\n\nyour partner can't make it this month, so the meeting in "
                    "your calendar is called off. %s\n\n%s\n",
                    name ? " " : "", name ? name : "",
                    cfg->pairing.rematch
                        ? "We'll try to find you someone new: a new invitation follows if we do."
                        : "There is no new partner this time; you will be paired again in the "
                          "next round.",
                    cfg->network.organiser_name ? cfg->network.organiser_name : cfg->network.name);
    key = ct_asprintf("partner-gone-%" PRId64 "-%" PRId64, group_id, member_id);
    if (subject == NULL || text == NULL || key == NULL)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    else
        st = ct_notice_queue_member(txn, cfg, member_id, email, name, key, subject, text, false,
                                    false, now, err);
    free(name);
    free(subject);
    free(text);
    free(key);
    return st;
}

/*
 * Make notice (its recipient, subject, text, links and html set by the
 * caller; the network's fields set here) into a message whose Message-ID is
 * keyed by key, and queue it in txn to member_id (0: the organiser).
 */
static enum ct_status
queue_notice(struct ct_txn *txn, const struct ct_config *cfg, int64_t member_id,
             struct ct_invite_notice *notice, const char *key, int64_t now, struct ct_error *err)
{
    struct ct_invite_message msg = {0};
    struct ct_outbox_entry entry;
    char *message_id;
    enum ct_status st;

    message_id = ct_invite_message_id(key, notice->recipient_email, 0, "notice",
                                      cfg->network.organiser_email);
    if (message_id == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    notice->network = cfg->network.name;
    notice->organiser_name = cfg->network.organiser_name;
    notice->organiser_email = cfg->network.organiser_email;
    st = ct_invite_notice(notice, message_id, now, &msg, err);
    if (st == CT_OK) {
        memset(&entry, 0, sizeof(entry));
        entry.message_id = msg.message_id;
        entry.kind = CT_OUTBOX_NOTICE;
        entry.member_id = member_id;
        entry.recipient = msg.recipient;
        entry.subject = msg.subject;
        entry.text_body = msg.text;
        entry.html_body = msg.html;
        entry.message = msg.raw;
        entry.message_len = msg.raw_len;
        st = ct_store_outbox_enqueue(txn, &entry, now, err);
    }
    ct_invite_message_clear(&msg);
    free(message_id);
    return st;
}

enum ct_status
ct_notice_queue_member(struct ct_txn *txn, const struct ct_config *cfg, int64_t member_id,
                       const char *email, const char *name, const char *key, const char *subject,
                       const char *text, bool html, bool own_links, int64_t now,
                       struct ct_error *err)
{
    struct ct_invite_notice notice = {0};
    struct ct_links links;
    struct ct_invite_links view;
    enum ct_status st;

    if ((st = notice_links(cfg, member_id, now, &links, &view, err)) != CT_OK)
        return st;
    notice.links = &view;
    notice.links_headers_only = own_links;
    notice.recipient_name = name;
    notice.recipient_email = email;
    notice.subject = subject;
    notice.text = text;
    notice.html = html;
    return queue_notice(txn, cfg, member_id, &notice, key, now, err);
}

enum ct_status
ct_notice_queue_no_partner(struct ct_txn *txn, const struct ct_config *cfg, int64_t member_id,
                           const char *email, int64_t round_id, int64_t now, struct ct_error *err)
{
    char *name = member_name(ct_txn_store(txn), member_id), *subject, *text, *key;
    enum ct_status st;

    subject = ct_asprintf("%s: no partner this time", cfg->network.name);
    text =
        ct_asprintf("Hello%s%s,\n\nwe looked for someone new for you to meet this round, but "
                    "nobody free fits your calendar and the pairing rules before the round "
                    "ends. There is no meeting for you this time; you will be paired again in "
                    "the next round.\n\nQuestions? Just reply to this e-mail.\n\n%s\n",
                    name ? " " : "", name ? name : "",
                    cfg->network.organiser_name ? cfg->network.organiser_name : cfg->network.name);
    key = ct_asprintf("no-partner-%" PRId64 "-%" PRId64, round_id, member_id);
    if (subject == NULL || text == NULL || key == NULL)
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    else
        st = ct_notice_queue_member(txn, cfg, member_id, email, name, key, subject, text, false,
                                    false, now, err);
    free(name);
    free(subject);
    free(text);
    free(key);
    return st;
}

enum ct_status
ct_notice_queue_organiser(struct ct_txn *txn, const struct ct_config *cfg, const char *key,
                          const char *subject, const char *text, int64_t now, struct ct_error *err)
{
    struct ct_invite_notice notice = {0};

    notice.recipient_name = cfg->network.organiser_name;
    notice.recipient_email = cfg->network.organiser_email;
    notice.subject = subject;
    notice.text = text;
    return queue_notice(txn, cfg, 0, &notice, key, now, err);
}
