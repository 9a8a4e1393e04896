/*
 * replies_fetch.c: one poll of the organiser's mailbox (ct_replies_fetch in
 * replies.h): search, skip what imap_seen already holds, fetch and record
 * each new message in its own transaction, leave unrelated mail unread.
 */
#include "replies.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_replies.h"
#include "util.h"

static bool
contains(const uint32_t *list, size_t count, uint32_t uid)
{
    size_t lo = 0, hi = count;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (list[mid] == uid)
            return true;
        if (list[mid] < uid)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* Results that concern one of our meetings: those messages stay read. */
static bool
is_ours(enum ct_replies_result r)
{
    return r <= CT_REPLIES_CANCELLED;
}

static void
log_line(const struct ct_replies_hooks *hooks, enum ct_replies_level level, const char *line)
{
    if (hooks && hooks->log)
        hooks->log(hooks->arg, level, line);
}

char *
ct_replies_stats_format(const struct ct_replies_stats *stats)
{
    struct ct_buf b;
    size_t r;

    ct_buf_init(&b);
    ct_buf_printf(&b, "fetched %zu message%s: %zu repl%s recorded", stats->fetched,
                  stats->fetched == 1 ? "" : "s", stats->by_result[CT_REPLIES_RECORDED],
                  stats->by_result[CT_REPLIES_RECORDED] == 1 ? "y" : "ies");
    for (r = CT_REPLIES_RECORDED + 1; r < CT_REPLIES_RESULT_COUNT; r++)
        if (stats->by_result[r] > 0 && r != CT_REPLIES_SEEN)
            ct_buf_printf(&b, ", %zu %s", stats->by_result[r],
                          ct_replies_result_label((enum ct_replies_result)r));
    return ct_buf_steal(&b);
}

/*
 * Fetch one message not seen before and record it. Expunged messages are
 * skipped; one that grew past the limit is recorded as not a reply.
 */
static enum ct_status
fetch_one(struct ct_store *store, struct ct_imap *imap, const struct ct_replies_source *src,
          const uint32_t *unseen, size_t unseen_count, int64_t now,
          const struct ct_replies_hooks *hooks, struct ct_replies_stats *stats,
          struct ct_error *err)
{
    enum ct_replies_result result;
    char *data = NULL;
    size_t len = 0;
    enum ct_status st;

    st = ct_imap_fetch(imap, src->uid, &data, &len, err);
    if (st == CT_ENOTFOUND) {
        /* Expunged since the search: nothing to remember. */
        log_line(hooks, CT_REPLIES_INFO, err ? err->message : "a message is gone");
        return CT_OK;
    }
    if (st == CT_EDATA) {
        /* Grew past the limit since the search; record it as not a reply. */
        log_line(hooks, CT_REPLIES_WARNING, err ? err->message : "a message is too large");
        if ((data = strdup("")) == NULL)
            return ct_error_set(err, CT_ENOMEM, "out of memory");
    } else if (st != CT_OK) {
        return st;
    }
    stats->fetched++;
    st = ct_replies_record_message(store, data, len, src, now, hooks, &result, err);
    free(data);
    if (st != CT_OK)
        return st;
    stats->by_result[result]++;
    if (!is_ours(result) && result != CT_REPLIES_SEEN && contains(unseen, unseen_count, src->uid)) {
        struct ct_error mark_err;
        ct_error_clear(&mark_err);
        if (ct_imap_mark_unseen(imap, src->uid, &mark_err) == CT_OK)
            stats->restored_unseen++;
        else
            log_line(hooks, CT_REPLIES_WARNING, mark_err.message);
    }
    return CT_OK;
}

enum ct_status
ct_replies_fetch(struct ct_store *store, const struct ct_imap_options *options, int64_t now,
                 const struct ct_replies_hooks *hooks, struct ct_replies_stats *stats,
                 struct ct_error *err)
{
    struct ct_imap *imap = NULL;
    uint32_t *uids = NULL, *unseen = NULL;
    size_t count = 0, unseen_count = 0, i;
    struct ct_replies_source src;
    char criteria[64];
    enum ct_status st;

    memset(stats, 0, sizeof(*stats));
    st = ct_imap_new(options, &imap, err);
    if (st != CT_OK)
        return st;
    /* SMALLER keeps huge mail (attachments) from ever being downloaded. */
    snprintf(criteria, sizeof(criteria), "SMALLER %d", CT_IMAP_MAX_MESSAGE);
    st = ct_imap_search(imap, criteria, &uids, &count, err);
    if (st != CT_OK)
        goto done;
    snprintf(criteria, sizeof(criteria), "UNSEEN SMALLER %d", CT_IMAP_MAX_MESSAGE);
    st = ct_imap_search(imap, criteria, &unseen, &unseen_count, err);
    if (st != CT_OK)
        goto done;
    src.mailbox = ct_imap_mailbox(imap);
    src.uidvalidity = ct_imap_uidvalidity(imap);
    /* What imap_seen already holds is never downloaded again. */
    st = ct_store_imap_unseen(store, src.mailbox, src.uidvalidity, uids, &count, err);
    if (st != CT_OK)
        goto done;
    for (i = 0; i < count; i++) {
        if (hooks && hooks->should_stop && hooks->should_stop(hooks->arg))
            break;
        src.uid = uids[i];
        st = fetch_one(store, imap, &src, unseen, unseen_count, now, hooks, stats, err);
        if (st != CT_OK)
            goto done;
    }
done:
    free(uids);
    free(unseen);
    ct_imap_free(imap);
    return st;
}
