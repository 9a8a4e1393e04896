/*
 * lifecycle.c: welcome, reminder and check-in messages; see lifecycle.h.
 * Who is due comes from store_lifecycle; each message is recorded there in
 * the transaction that queues it (ct_store_life_mark), which is what makes
 * "at most once" hold across restarts.
 */
#include "lifecycle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"
#include "links.h"
#include "notices.h"
#include "store_lifecycle.h"
#include "util.h"

struct run {
    struct ct_txn *txn;
    const struct ct_config *cfg;
    int64_t now;
    struct ct_lifecycle_result res;
};

static const char *
signature(const struct ct_config *cfg)
{
    return cfg->network.organiser_name ? cfg->network.organiser_name : cfg->network.name;
}

/* "LABEL\nURL\n\n" (a big link in the HTML) when url is set, else nothing. */
static void
put_link(struct ct_buf *b, const char *label, const char *url)
{
    if (url && *url)
        ct_buf_printf(b, "%s\n%s\n\n", label, url);
}

/* Record kind/key for d and, the first time only, queue subject and b's text to them. */
static enum ct_status
send_once(struct run *r, const struct ct_store_life_due *d, enum ct_lifecycle_kind kind,
          const char *key, const char *subject, struct ct_buf *b, size_t *counter,
          struct ct_error *err)
{
    char *msgkey;
    bool fresh = false;
    enum ct_status st;

    if (b->failed)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    if ((st = ct_store_life_mark(r->txn, d->member_id, kind, key, r->now, &fresh, err)) != CT_OK ||
        !fresh)
        return st;
    msgkey = ct_asprintf("life-%d-%" PRId64 "-%s", (int)kind, d->member_id, *key ? key : "0");
    if (msgkey == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_notice_queue_member(r->txn, r->cfg, d->member_id, d->email, d->name, msgkey, subject,
                                b->data, true, true, r->now, err);
    free(msgkey);
    if (st == CT_OK)
        (*counter)++;
    return st;
}

/* "How to sit out, pause or leave": the links, or the words to reply with. */
static void
put_ways_out(struct ct_buf *b, const struct ct_links *l, bool skip)
{
    if (l->pause[0] || l->stop[0]) {
        if (skip)
            put_link(b, "Skip this round", l->skip);
        put_link(b, "Pause for a while", l->pause);
        put_link(b, "Change your preferences", l->preferences);
        put_link(b, "Leave the coffee trial", l->stop);
    } else {
        ct_buf_printf(b, "To %s, reply to this e-mail with one word on the first line: %s.\n\n",
                      skip ? "sit this round out, pause or leave" : "pause or leave",
                      skip ? "SKIP, PAUSE or STOP" : "PAUSE or STOP");
    }
}

static enum ct_status
welcome(struct run *r, const struct ct_store_life_due *d, struct ct_error *err)
{
    const struct ct_config *cfg = r->cfg;
    struct ct_links l;
    struct ct_buf b;
    char *subject;
    enum ct_status st;

    if ((st = ct_links_build(cfg, d->member_id, 0, 0, r->now, &l, err)) != CT_OK)
        return st;
    ct_buf_init(&b);
    ct_buf_printf(&b,
                  "Hello%s%s,\n\nwelcome to %s. Each round you are paired with someone from "
                  "elsewhere in the network for a %d-minute coffee, in person or by video. "
                  "The invitation arrives in your calendar with a proposed time: accept it, "
                  "or propose another.\n\n",
                  d->name ? " " : "", d->name ? d->name : "", cfg->network.name,
                  (int)(cfg->schedule.duration / 60));
    put_ways_out(&b, &l, false);
    ct_buf_printf(&b, "Questions? Just reply to this e-mail.\n\n%s\n", signature(cfg));
    subject = ct_asprintf("Welcome to %s", cfg->network.name);
    st = subject ? send_once(r, d, CT_LIFE_WELCOME, "", subject, &b, &r->res.welcomes, err)
                 : ct_error_set(err, CT_ENOMEM, "out of memory");
    free(subject);
    ct_buf_free(&b);
    return st;
}

static enum ct_status
remind(struct run *r, const struct ct_store_life_due *d, const char *date, struct ct_error *err)
{
    const struct ct_config *cfg = r->cfg;
    struct ct_links l;
    struct ct_buf b;
    char *subject;
    enum ct_status st;

    if ((st = ct_links_build(cfg, d->member_id, 0, 0, r->now, &l, err)) != CT_OK)
        return st;
    ct_buf_init(&b);
    ct_buf_printf(&b,
                  "Hello%s%s,\n\nthe next round of %s is paired on %s; your invitation follows "
                  "soon after. Can't make it this time? Nobody minds: sit it out, and your "
                  "partner-to-be will be paired with someone else.\n\n",
                  d->name ? " " : "", d->name ? d->name : "", cfg->network.name, date);
    put_ways_out(&b, &l, true);
    ct_buf_printf(&b, "Questions? Just reply to this e-mail.\n\n%s\n", signature(cfg));
    subject = ct_asprintf("%s: a new round on %s", cfg->network.name, date);
    st = subject ? send_once(r, d, CT_LIFE_REMINDER, date, subject, &b, &r->res.reminders, err)
                 : ct_error_set(err, CT_ENOMEM, "out of memory");
    free(subject);
    ct_buf_free(&b);
    return st;
}

static enum ct_status
check_in(struct run *r, const struct ct_store_life_due *d, struct ct_error *err)
{
    const struct ct_config *cfg = r->cfg;
    struct ct_links l;
    struct ct_buf b;
    char *subject = NULL, *met = NULL, *not_met = NULL, key[24];
    enum ct_status st;

    if ((st = ct_links_build(cfg, d->member_id, d->round_id, d->group_id, r->now, &l, err)) !=
        CT_OK)
        return st;
    ct_buf_init(&b);
    ct_buf_printf(&b,
                  "Hello%s%s,\n\nyour coffee of the %s round of %s was planned for a few days "
                  "ago. Did you meet? One click is enough.\n\n",
                  d->name ? " " : "", d->name ? d->name : "", d->date, cfg->network.name);
    if (l.checkin[0]) {
        met = ct_asprintf("%s%sanswer=met", l.checkin, strchr(l.checkin, '?') ? "&" : "?");
        not_met = ct_asprintf("%s%sanswer=not_met", l.checkin, strchr(l.checkin, '?') ? "&" : "?");
        put_link(&b, "Yes, we met", met);
        put_link(&b, "No, we did not meet", not_met);
    } else {
        ct_buf_puts(&b, "Reply to this e-mail with MET or NOT MET on the first line.\n\n");
    }
    ct_buf_printf(&b, "Questions? Just reply to this e-mail.\n\n%s\n", signature(cfg));
    snprintf(key, sizeof(key), "%" PRId64, d->group_id);
    subject = ct_asprintf("%s: did you meet?", cfg->network.name);
    if (subject == NULL || (l.checkin[0] && (met == NULL || not_met == NULL)))
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
    else
        st = send_once(r, d, CT_LIFE_CHECKIN, key, subject, &b, &r->res.checkins, err);
    free(subject);
    free(met);
    free(not_met);
    ct_buf_free(&b);
    return st;
}

/* Every message of one kind that is due. */
static enum ct_status
run_kind(struct run *r, enum ct_lifecycle_kind kind, const char *date, struct ct_error *err)
{
    struct ct_store *store = ct_txn_store(r->txn);
    struct ct_store_life_due *v = NULL;
    int64_t by = r->now - r->cfg->messages.checkin_after;
    size_t n = 0, i;
    enum ct_status st;

    st = kind == CT_LIFE_CHECKIN
             ? ct_store_life_checkins_due(store, by - CT_LIFECYCLE_CHECKIN_LATE, by,
                                          CT_LIFECYCLE_BATCH, &v, &n, err)
             : ct_store_life_members_due(store, kind, kind == CT_LIFE_REMINDER ? date : "",
                                         CT_LIFECYCLE_BATCH, &v, &n, err);
    for (i = 0; i < n && st == CT_OK; i++)
        st = kind == CT_LIFE_WELCOME    ? welcome(r, &v[i], err)
             : kind == CT_LIFE_REMINDER ? remind(r, &v[i], date, err)
                                        : check_in(r, &v[i], err);
    ct_store_life_due_free(v, n);
    return st;
}

enum ct_status
ct_lifecycle_run(struct ct_store *store, const struct ct_config *cfg, int64_t next_round,
                 const char *next_date, int64_t now, struct ct_lifecycle_result *out,
                 struct ct_error *err)
{
    const int64_t before = cfg->messages.reminder_before;
    struct run r;
    enum ct_status st;

    memset(&r, 0, sizeof(r));
    r.cfg = cfg;
    r.now = now;
    if (out)
        memset(out, 0, sizeof(*out));
    if ((st = ct_txn_begin(store, &r.txn, err)) != CT_OK)
        return st;
    if (cfg->messages.welcome)
        st = run_kind(&r, CT_LIFE_WELCOME, NULL, err);
    if (st == CT_OK && before > 0 && next_round > now && next_round - before <= now && next_date &&
        *next_date)
        st = run_kind(&r, CT_LIFE_REMINDER, next_date, err);
    if (st == CT_OK && cfg->messages.checkin_after > 0)
        st = run_kind(&r, CT_LIFE_CHECKIN, NULL, err);
    if (st == CT_OK) {
        st = ct_txn_commit(r.txn, err);
        r.txn = NULL;
    }
    ct_txn_rollback(r.txn);
    if (st == CT_OK && out)
        *out = r.res;
    return st;
}
