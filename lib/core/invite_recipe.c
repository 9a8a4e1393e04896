/*
 * invite_recipe.c: an invitation's inputs as a compact blob (see
 * invite_recipe.h): a version byte, then every field of struct ct_invite in
 * a fixed order, strings as a length (0: NULL) and bytes, integers as
 * zigzag varints. Version 2 stores a string that many recipes share (the
 * prompts, the reasons in the members' words) or one the same recipe
 * already holds (a time zone, the group's UID) as a reference.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "invite_recipe.h"

/* 1: every string spelled out; 2: shared and repeated strings by reference. */
#define RECIPE_VERSION 2

/*
 * Every field of struct ct_invite is in the recipe. A new field changes the
 * struct's size and stops the build here: add it to encode() and decode()
 * (and bump RECIPE_VERSION if old recipes must still be read), then this.
 */
#if UINTPTR_MAX == UINT64_MAX /* the size below is an LP64 one; other ABIs rely on LP64 builds */
/* 448 since groups of four (CT_INVITE_MAX_MEMBERS 4): only the member arrays grew; the recipe
 * counts its members, so version 1 recipes of two or three members read as before. */
_Static_assert(sizeof(struct ct_invite) == 448, "struct ct_invite changed: update the recipe");
#endif

#define S(text)                                                                                    \
    {                                                                                              \
        text, sizeof(text) - 1                                                                     \
    }

/*
 * The strings version 2 stores as a reference (string i, put_str).
 * FROZEN: stored recipes point at these by index and a resend must be byte
 * for byte the same, so an entry is never changed, removed or reordered,
 * only appended (a text that changes elsewhere just stops matching).
 */
static const struct {
    const char *text;
    size_t len;
} shared[] = {
    /* invite.h's defaults */
    S("{network}: coffee with {names}"),
    S("What are the main things you are responsible for, and who depends on them?\n"
      "What part of your work do you find most meaningful?\n"
      "Where does your work help the other's, and where does it get in the way?\n"
      "When are your goals aligned, and when do you find yourselves at cross-purposes?"),
    S("If the time does not suit you, use \"Propose new time\" in your calendar, or agree "
      "another time with your partner by e-mail and move the meeting. Please do not simply "
      "decline: your partner is looking forward to meeting you."),
    S("Coffee Trial"),
    S("Coffee Trial organiser"),
    /* the reasons in the members' words (service/rounds_mail.c) */
    S("you work for different organisations"),
    S("you work in different teams"),
    S("you work at different sites"),
    S("you are in different professions"),
    S("you have not met through the coffee trial before"),
    S("you move in different circles of the network"),
    S("you have no contacts in common yet"),
    S("a staff survey says your two roles could work together more closely"),
    /* time zones */
    S("UTC"),
    S("Europe/London"),
};

#undef S

#define SHARED_COUNT ((int64_t)CT_ARRAY_LEN(shared))

/*
 * The strings of one recipe so far, in order, for references to them (the
 * k-th is string SHARED_COUNT + k). Both sides keep the first REPEATS.
 */
#define REPEATS 96

/* The shortest prefix of an earlier string stored as a reference. */
#define PREFIX_MIN 12

struct writer {
    struct ct_buf *b;
    const char *seen[REPEATS];
    size_t seen_len[REPEATS];
    size_t n;
};

static void
put_int(struct ct_buf *b, int64_t v)
{
    uint64_t u = ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
    unsigned char bytes[10];
    size_t n = 0;

    do {
        bytes[n] = (unsigned char)(u & 0x7f);
        u >>= 7;
        if (u)
            bytes[n] |= 0x80;
        n++;
    } while (u);
    ct_buf_append(b, bytes, n);
}

/* The length of the longest prefix a and b share. */
static size_t
common_prefix(const char *a, size_t alen, const char *b, size_t blen)
{
    size_t n = 0, max = alen < blen ? alen : blen;

    while (n < max && a[n] == b[n])
        n++;
    return n;
}

/*
 * The strings of this recipe this one starts like (a UID's group part, the
 * links' public_url): the index of the best and the prefix's length.
 */
static size_t
best_prefix(const struct writer *w, const char *s, size_t len, size_t *which)
{
    size_t best = 0, i, n;

    for (i = 0; len >= PREFIX_MIN && i < w->n; i++) {
        if (w->seen_len[i] < PREFIX_MIN || w->seen[i][0] != s[0])
            continue;
        n = common_prefix(w->seen[i], w->seen_len[i], s, len);
        if (n > best) {
            best = n;
            *which = i;
        }
    }
    return best >= PREFIX_MIN ? best : 0;
}

/*
 * s as a reference when it is a shared string or one this recipe already
 * holds, as a reference to the one it starts like plus the rest, else
 * spelled. A reference is -(2k + 1) for the whole of string k (shared[k],
 * then this recipe's strings), -(2k + 2) for a prefix of it, whose length
 * and the rest follow.
 */
static void
put_str(struct writer *w, const char *s)
{
    size_t len = s ? strlen(s) : 0, i, which = 0, prefix;

    if (s == NULL) {
        put_int(w->b, 0);
        return;
    }
    for (i = 0; len > 2 && i < CT_ARRAY_LEN(shared); i++)
        if (shared[i].len == len && memcmp(shared[i].text, s, len) == 0) {
            put_int(w->b, -2 * (int64_t)i - 1);
            return;
        }
    for (i = 0; len > 2 && i < w->n; i++)
        if (w->seen_len[i] == len && memcmp(w->seen[i], s, len) == 0) {
            put_int(w->b, -2 * (SHARED_COUNT + (int64_t)i) - 1);
            return;
        }
    prefix = best_prefix(w, s, len, &which);
    if (w->n < REPEATS) {
        w->seen[w->n] = s;
        w->seen_len[w->n++] = len;
    }
    if (prefix > 0) {
        put_int(w->b, -2 * (SHARED_COUNT + (int64_t)which) - 2);
        put_int(w->b, (int64_t)prefix);
        s += prefix;
        len -= prefix;
    }
    put_int(w->b, (int64_t)len + 1);
    ct_buf_append(w->b, s, len);
}

/* The recipient's links: a flag, then each link (NULL: none at all). */
static void
put_links(struct writer *w, const struct ct_invite_links *l)
{
    put_int(w->b, l != NULL);
    if (l == NULL)
        return;
    put_str(w, l->skip);
    put_str(w, l->pause);
    put_str(w, l->stop);
    put_str(w, l->preferences);
    put_str(w, l->checkin);
    put_str(w, l->unsubscribe);
    put_str(w, l->unsubscribe_mailto);
}

enum ct_status
ct_invite_recipe_encode(const struct ct_invite *inv, size_t recipient, const char *message_id,
                        int64_t date, struct ct_buf *out, struct ct_error *err)
{
    struct writer w;
    size_t i;

    w.b = out;
    w.n = 0;
    if (inv->member_count > CT_INVITE_MAX_MEMBERS || recipient >= inv->member_count)
        return ct_error_set(err, CT_EUSAGE, "recipient %zu is not a member of the group",
                            recipient);
    ct_buf_putc(out, RECIPE_VERSION);
    put_str(&w, inv->network);
    put_str(&w, inv->network_timezone);
    put_str(&w, inv->organiser_name);
    put_str(&w, inv->organiser_email);
    put_int(out, (int64_t)inv->member_count);
    for (i = 0; i < inv->member_count; i++) {
        const struct ct_invite_person *p = &inv->members[i];
        put_str(&w, p->email);
        put_str(&w, p->name);
        put_str(&w, p->organisation);
        put_str(&w, p->team);
        put_str(&w, p->role);
        put_str(&w, p->timezone);
        put_int(out, (int64_t)inv->answers[i]);
        put_str(&w, inv->greetings[i]);
    }
    put_str(&w, inv->uid);
    put_str(&w, inv->group_uid);
    put_int(out, inv->sequence);
    put_int(out, inv->dtstamp);
    put_int(out, inv->start);
    put_int(out, inv->duration);
    put_int(out, (int64_t)inv->method);
    put_int(out, (int64_t)inv->reason_count);
    for (i = 0; i < inv->reason_count; i++)
        put_str(&w, inv->reasons[i]);
    put_str(&w, inv->prompts);
    put_str(&w, inv->opener);
    put_str(&w, inv->subject_template);
    put_str(&w, inv->location_template);
    put_str(&w, inv->url_template);
    put_int(out, inv->round);
    put_str(&w, inv->round_date);
    put_str(&w, inv->reschedule_hint);
    put_str(&w, inv->note);
    put_int(out, inv->cancel_recipient_only ? 1 : 0);
    put_links(&w, inv->links);
    put_str(&w, inv->site);
    put_int(out, (int64_t)recipient);
    put_str(&w, message_id);
    put_int(out, date);
    if (out->failed)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    return CT_OK;
}

/* A reader over a recipe; bad is set by any read past its end. */
struct reader {
    const unsigned char *p, *end;
    struct ct_invite_recipe *r;
    bool bad, nomem;
    int version;
    const char *seen[REPEATS]; /* version 2: the strings so far, as the writer kept them */
    size_t seen_len[REPEATS];
    size_t n;
};

static int64_t
get_int(struct reader *rd)
{
    uint64_t u = 0;
    unsigned shift = 0;

    while (!rd->bad) {
        unsigned char c;
        if (rd->p >= rd->end || shift > 63) {
            rd->bad = true;
            return 0;
        }
        c = *rd->p++;
        u |= (uint64_t)(c & 0x7f) << shift;
        shift += 7;
        if (!(c & 0x80))
            break;
    }
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

/* String k (a shared one, then this recipe's so far); NULL and bad if none. */
static const char *
string_at(struct reader *rd, int64_t k, size_t *len)
{
    if (rd->version < 2 || k < 0) {
        rd->bad = true;
        return NULL;
    }
    if (k < SHARED_COUNT) {
        *len = shared[k].len;
        return shared[k].text;
    }
    if (k - SHARED_COUNT < (int64_t)rd->n) {
        *len = rd->seen_len[k - SHARED_COUNT];
        return rd->seen[k - SHARED_COUNT];
    }
    rd->bad = true;
    return NULL;
}

/* A new string of this recipe: prefix bytes of pre, then a spelled rest. */
static const char *
get_spelled(struct reader *rd, const char *pre, size_t prefix, int64_t n)
{
    char *s, **grown;

    if (rd->bad || n < 1 || n - 1 > rd->end - rd->p) {
        rd->bad = true;
        return NULL;
    }
    grown = realloc(rd->r->owned, (rd->r->owned_count + 1) * sizeof(*grown));
    s = grown ? malloc(prefix + (size_t)n) : NULL;
    if (grown)
        rd->r->owned = grown;
    if (s == NULL) {
        rd->bad = rd->nomem = true;
        return NULL;
    }
    memcpy(s, pre, prefix);
    memcpy(s + prefix, rd->p, (size_t)n - 1);
    s[prefix + (size_t)n - 1] = '\0';
    rd->p += n - 1;
    rd->r->owned[rd->r->owned_count++] = s;
    if (rd->n < REPEATS) {
        rd->seen[rd->n] = s;
        rd->seen_len[rd->n++] = prefix + (size_t)n - 1;
    }
    return s;
}

static const char *
get_str(struct reader *rd)
{
    int64_t n = get_int(rd), ref, prefix;
    const char *s;
    size_t len = 0;

    if (rd->bad || n == 0)
        return NULL;
    if (n > 0)
        return get_spelled(rd, "", 0, n);
    ref = -(n + 1); /* 2k (whole) or 2k + 1 (a prefix) */
    if ((s = string_at(rd, ref / 2, &len)) == NULL || ref % 2 == 0)
        return s;
    prefix = get_int(rd);
    if (rd->bad || prefix < 1 || (uint64_t)prefix > len) {
        rd->bad = true;
        return NULL;
    }
    return get_spelled(rd, s, (size_t)prefix, get_int(rd));
}

/* The members and the fields up to the reasons. */
static void
get_members(struct reader *rd, struct ct_invite *inv)
{
    int64_t n = get_int(rd);
    size_t i;

    if (n < 2 || n > CT_INVITE_MAX_MEMBERS) {
        rd->bad = true;
        return;
    }
    inv->member_count = (size_t)n;
    for (i = 0; i < inv->member_count; i++) {
        struct ct_invite_person *p = &inv->members[i];
        p->email = get_str(rd);
        p->name = get_str(rd);
        p->organisation = get_str(rd);
        p->team = get_str(rd);
        p->role = get_str(rd);
        p->timezone = get_str(rd);
        inv->answers[i] = (enum ct_partstat)get_int(rd);
        inv->greetings[i] = get_str(rd);
    }
}

static void
get_reasons(struct reader *rd, struct ct_invite *inv)
{
    int64_t n = get_int(rd);
    size_t i;

    if (rd->bad || n < 0 || n > rd->end - rd->p) {
        rd->bad = true;
        return;
    }
    inv->reason_count = (size_t)n;
    if (n == 0)
        return;
    rd->r->reasons = calloc((size_t)n, sizeof(*rd->r->reasons));
    if (rd->r->reasons == NULL) {
        rd->bad = rd->nomem = true;
        return;
    }
    for (i = 0; i < inv->reason_count; i++)
        rd->r->reasons[i] = get_str(rd);
    inv->reasons = rd->r->reasons;
}

static void
get_links(struct reader *rd, struct ct_invite *inv)
{
    struct ct_invite_links *l = &rd->r->links;

    if (get_int(rd) == 0)
        return;
    l->skip = get_str(rd);
    l->pause = get_str(rd);
    l->stop = get_str(rd);
    l->preferences = get_str(rd);
    l->checkin = get_str(rd);
    l->unsubscribe = get_str(rd);
    l->unsubscribe_mailto = get_str(rd);
    inv->links = l;
}

enum ct_status
ct_invite_recipe_decode(const void *data, size_t len, struct ct_invite_recipe *r,
                        struct ct_error *err)
{
    struct reader rd;
    struct ct_invite *inv = &r->inv;

    memset(r, 0, sizeof(*r));
    memset(&rd, 0, sizeof(rd));
    rd.p = data;
    rd.end = rd.p + len;
    rd.r = r;
    /* Version 1 recipes (every string spelled out) are still read. */
    if (len < 1 || *rd.p < 1 || *rd.p > RECIPE_VERSION)
        return ct_error_set(err, CT_EDATA, "not a message recipe (unknown version)");
    rd.version = *rd.p++;
    inv->network = get_str(&rd);
    inv->network_timezone = get_str(&rd);
    inv->organiser_name = get_str(&rd);
    inv->organiser_email = get_str(&rd);
    get_members(&rd, inv);
    inv->uid = get_str(&rd);
    inv->group_uid = get_str(&rd);
    inv->sequence = (int)get_int(&rd);
    inv->dtstamp = get_int(&rd);
    inv->start = get_int(&rd);
    inv->duration = get_int(&rd);
    inv->method = get_int(&rd) == CT_INVITE_CANCEL ? CT_INVITE_CANCEL : CT_INVITE_REQUEST;
    get_reasons(&rd, inv);
    inv->prompts = get_str(&rd);
    inv->opener = get_str(&rd);
    inv->subject_template = get_str(&rd);
    inv->location_template = get_str(&rd);
    inv->url_template = get_str(&rd);
    inv->round = (int)get_int(&rd);
    inv->round_date = get_str(&rd);
    inv->reschedule_hint = get_str(&rd);
    inv->note = get_str(&rd);
    inv->cancel_recipient_only = get_int(&rd) != 0;
    get_links(&rd, inv);
    inv->site = get_str(&rd);
    r->recipient = (size_t)get_int(&rd);
    r->message_id = get_str(&rd);
    r->date = get_int(&rd);
    if (!rd.bad && (rd.p != rd.end || r->recipient >= inv->member_count || !r->message_id))
        rd.bad = true;
    if (rd.bad) {
        bool nomem = rd.nomem;
        ct_invite_recipe_clear(r);
        return nomem ? ct_error_set(err, CT_ENOMEM, "out of memory")
                     : ct_error_set(err, CT_EDATA, "a damaged message recipe");
    }
    return CT_OK;
}

void
ct_invite_recipe_clear(struct ct_invite_recipe *r)
{
    size_t i;

    if (r == NULL)
        return;
    for (i = 0; i < r->owned_count; i++)
        free(r->owned[i]);
    free(r->owned);
    free(r->reasons);
    memset(r, 0, sizeof(*r));
}

enum ct_status
ct_invite_recipe_message(const void *data, size_t len, struct ct_invite_message *out,
                         struct ct_error *err)
{
    struct ct_invite_recipe r;
    enum ct_status st;

    memset(out, 0, sizeof(*out));
    if ((st = ct_invite_recipe_decode(data, len, &r, err)) != CT_OK)
        return st;
    st = ct_invite_message(&r.inv, r.recipient, r.message_id, r.date, out, err);
    ct_invite_recipe_clear(&r);
    return st;
}
