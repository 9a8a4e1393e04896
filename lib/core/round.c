/*
 * round.c: freeing the round view of round.h, and the words for a round's
 * origin.
 */
#include "round.h"

#include <stdlib.h>
#include <string.h>

const char *
ct_round_origin_str(enum ct_round_origin origin)
{
    switch (origin) {
    case CT_ROUND_CLI: return "cli";
    case CT_ROUND_DAEMON: return "daemon";
    }
    return "?";
}

void
ct_round_person_clear(struct ct_round_person *p)
{
    if (p == NULL)
        return;
    ct_member_clear(&p->member);
    p->removed = false;
    free(p->greeting);
    p->greeting = NULL;
}

void
ct_round_group_clear(struct ct_round_group *g)
{
    size_t i;

    if (g == NULL)
        return;
    for (i = 0; i < g->member_count && i < CT_GROUP_MAX; i++)
        ct_round_person_clear(&g->members[i]);
    for (i = 0; i < g->reason_count; i++)
        free(g->reasons[i]);
    free(g->reasons);
    free(g->uid);
    free(g->explain);
    free(g->reformed);
    memset(g, 0, sizeof(*g));
}

void
ct_round_unpaired_clear(struct ct_round_unpaired *u)
{
    if (u == NULL)
        return;
    ct_round_person_clear(&u->member);
    free(u->reason);
    memset(u, 0, sizeof(*u));
}

void
ct_round_change_clear(struct ct_round_change *c)
{
    if (c == NULL)
        return;
    free(c->cause);
    free(c->outcome);
    free(c->line);
    memset(c, 0, sizeof(*c));
}

void
ct_round_free(struct ct_round *round)
{
    size_t i;

    if (round == NULL)
        return;
    for (i = 0; i < round->group_count; i++)
        ct_round_group_clear(&round->groups[i]);
    free(round->groups);
    for (i = 0; i < round->unpaired_count; i++)
        ct_round_unpaired_clear(&round->unpaired[i]);
    free(round->unpaired);
    for (i = 0; i < round->change_count; i++)
        ct_round_change_clear(&round->changes[i]);
    free(round->changes);
    free(round);
}
