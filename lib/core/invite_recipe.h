/*
 * invite_recipe.h: what an invitation message is made from, as one compact
 * blob the outbox stores instead of the message: built again at delivery by
 * ct_invite_message(), byte for byte the same every time (same Message-ID,
 * Date, DTSTAMP and MIME boundaries), since every input is in the blob.
 */
#ifndef CT_INVITE_RECIPE_H
#define CT_INVITE_RECIPE_H

#include <stddef.h>
#include <stdint.h>

#include "ct.h"
#include "invite.h"
#include "util.h"

/* A decoded recipe: inv's strings point into storage the struct owns. */
struct ct_invite_recipe {
    struct ct_invite inv;
    size_t recipient;       /* index into inv.members */
    const char *message_id; /* without angle brackets */
    int64_t date;           /* the Date: header */
    char **owned;           /* every string, freed by ct_invite_recipe_clear */
    size_t owned_count;
    const char **reasons;
    struct ct_invite_links links; /* inv.links points here when the message has links */
};

/*
 * Append the recipe of the message ct_invite_message(inv, recipient,
 * message_id, date) makes to *out. CT_ENOMEM when out failed.
 */
enum ct_status ct_invite_recipe_encode(const struct ct_invite *inv, size_t recipient,
                                       const char *message_id, int64_t date, struct ct_buf *out,
                                       struct ct_error *err);

/*
 * Decode len bytes of a recipe into *r (cleared first). A blob that is not
 * one (truncated, an unknown version) is CT_EDATA. On failure r holds
 * nothing.
 */
enum ct_status ct_invite_recipe_decode(const void *data, size_t len, struct ct_invite_recipe *r,
                                       struct ct_error *err);

/* Free what r owns and zero it; NULL is fine. */
void ct_invite_recipe_clear(struct ct_invite_recipe *r);

/*
 * The message a recipe makes: ct_invite_message() on its inputs. OUT: *out
 * as there.
 */
enum ct_status ct_invite_recipe_message(const void *data, size_t len, struct ct_invite_message *out,
                                        struct ct_error *err);

#endif
