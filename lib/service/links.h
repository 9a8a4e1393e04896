/*
 * links.h: a member's own signed links ({public_url}/skip/TOKEN, ...) and
 * the mailto unsubscribe, for every message to a member; the names are the
 * issue 14 contract's (/work/briefs/i14-contract.md).
 */
#ifndef CT_LINKS_H
#define CT_LINKS_H

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "ct.h"
#include "invite.h"
#include "token.h"

/*
 * How long links stay valid, from when the message is made (docs/members.md).
 * Action links (skip, pause, stop, preferences, check-in): the meeting
 * window (a message is made at or after the window opens, so this covers
 * the whole window) plus CT_LINKS_MARGIN, for a check-in after a late
 * meeting. The unsubscribe link: CT_LINKS_UNSUBSCRIBE_LIFE, since people
 * unsubscribe from old mail; a stopped member's tokens are refused anyway.
 */
#define CT_LINKS_MARGIN           (14 * 86400)
#define CT_LINKS_UNSUBSCRIBE_LIFE (365 * 86400)

struct ct_links {
    char skip[512], pause[512], stop[512], preferences[512], checkin[512],
        unsubscribe[512];         /* "" when no public_url */
    char unsubscribe_mailto[512]; /* always set: mailto:organiser?subject=unsubscribe */
};

/*
 * The member's signed links for round/group (0 = none), valid as above
 * from now. Without [web] public_url only unsubscribe_mailto is set (and
 * no key is read). The key is read from [web] secret_file on every call:
 * CT_ENOINPUT/CT_EDATA name the file when it is missing or not a key.
 * OUT: *out.
 */
enum ct_status ct_links_build(const struct ct_config *cfg, int64_t member_id, int64_t round_id,
                              int64_t group_id, int64_t now, struct ct_links *out,
                              struct ct_error *err);

/* The key of [web] secret_file, read once for many messages (a round's send). */
struct ct_links_key {
    unsigned char bytes[CT_WEB_KEY_BYTES];
    bool loaded;
};

/*
 * Read the key into *key when [web] public_url is set (else nothing is read
 * and *key stays unloaded); errors as ct_links_build's. Clear it with
 * ct_links_key_clear. OUT: *key.
 */
enum ct_status ct_links_key_load(const struct ct_config *cfg, struct ct_links_key *key,
                                 struct ct_error *err);

/* Wipe *key; NULL is fine. */
void ct_links_key_clear(struct ct_links_key *key);

/* ct_links_build with the key already read (key->loaded, or no public_url). OUT: *out. */
enum ct_status ct_links_build_keyed(const struct ct_config *cfg, const struct ct_links_key *key,
                                    int64_t member_id, int64_t round_id, int64_t group_id,
                                    int64_t now, struct ct_links *out, struct ct_error *err);

/* links as the invitation builder takes them (borrowed from links). OUT: *view. */
void ct_links_view(const struct ct_links *links, struct ct_invite_links *view);

#endif
