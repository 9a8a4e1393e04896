/*
 * rc_survey.c: Relational Coordination surveys (rc_survey.h): import checks the file
 * against the roster in core (ct_rc_parse) and writes the wave in one
 * transaction; the views read waves, links and the trial's groups.
 */
#include "rc_survey.h"

#include <stdlib.h>
#include <string.h>

#include "validate.h"

enum ct_status
ct_rc_import(struct ct_store *store, const char *name, const char *data, size_t len,
             const struct ct_rc_import_options *options, int64_t now,
             struct ct_rc_import_result *result, struct ct_diags *diags, struct ct_error *err)
{
    struct ct_store_rc_roster roster;
    struct ct_rc_roster view;
    struct ct_rc_survey survey;
    struct ct_txn *txn = NULL;
    enum ct_status st;
    int64_t wave_id = 0;
    int32_t day;
    size_t i;

    memset(result, 0, sizeof(*result));
    memset(&survey, 0, sizeof(survey));
    memset(&roster, 0, sizeof(roster));
    if (options->date == NULL || ct_parse_date(options->date, &day) != NULL)
        return ct_error_set(err, CT_EUSAGE, "--date: \"%s\" is not a date (YYYY-MM-DD)",
                            options->date ? options->date : "");
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK)
        return st;
    if ((st = ct_store_rc_roster_load(store, &roster, err)) != CT_OK)
        goto fail;
    view.emails = (const char *const *)roster.emails;
    view.roles = (const char *const *)roster.roles;
    view.count = roster.count;
    view.aliases = options->aliases;
    if ((st = ct_rc_parse(name, data, len, &view, &survey, diags, err)) != CT_OK)
        goto fail;
    result->rows = survey.rows;
    result->links = survey.count;
    result->aggregated = survey.aggregated;
    for (i = 0; i < survey.count; i++)
        result->weak += survey.links[i].strength < CT_RC_WEAK;
    if (options->dry_run) {
        ct_txn_rollback(txn);
        txn = NULL;
        goto done;
    }
    if ((st = ct_store_rc_wave_write(txn, options->date, name, &survey, now, &result->replaced,
                                     &wave_id, err)) != CT_OK)
        goto fail;
    st = ct_txn_commit(txn, err);
    txn = NULL;
    if (st != CT_OK)
        goto fail;
done:
    ct_rc_survey_clear(&survey);
    ct_store_rc_roster_clear(&roster);
    return CT_OK;
fail:
    if (txn != NULL)
        ct_txn_rollback(txn);
    ct_rc_survey_clear(&survey);
    ct_store_rc_roster_clear(&roster);
    return st;
}

void
ct_rc_view_clear(struct ct_rc_view *v)
{
    size_t i;

    if (v == NULL)
        return;
    for (i = 0; i < v->wave_count; i++) {
        free(v->waves[i].wave.source);
        ct_rc_links_free(v->waves[i].links, v->waves[i].count);
        free(v->waves[i].meetings);
    }
    free(v->waves);
    memset(v, 0, sizeof(*v));
}

/* The links of w and the meetings across each since its date. */
static enum ct_status
wave_fill(struct ct_store *store, const struct ct_orgname_aliases *aliases,
          struct ct_rc_wave_view *w, struct ct_error *err)
{
    struct ct_store_rc_group *groups = NULL;
    struct ct_rc_group *g = NULL;
    size_t n = 0, i, j;
    enum ct_status st;

    if ((st = ct_store_rc_links(store, w->wave.id, &w->links, &w->count, err)) != CT_OK ||
        (st = ct_store_rc_groups(store, w->wave.date, &groups, &n, err)) != CT_OK)
        return st;
    w->meetings = calloc(w->count + 1, sizeof(*w->meetings));
    g = calloc(n + 1, sizeof(*g));
    if (w->meetings == NULL || g == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < n; i++) {
        g[i].round_id = groups[i].round_id;
        g[i].size = groups[i].size;
        for (j = 0; j < groups[i].size; j++)
            g[i].roles[j] = groups[i].roles[j];
    }
    ct_rc_tally(aliases, w->links, w->count, g, n, w->meetings);
done:
    free(g);
    ct_store_rc_groups_free(groups, n);
    return st;
}

enum ct_status
ct_rc_view_load(struct ct_store *store, const struct ct_orgname_aliases *aliases,
                struct ct_rc_view *out, struct ct_error *err)
{
    struct ct_store_rc_wave *waves = NULL;
    struct ct_txn *txn = NULL;
    enum ct_status st;
    size_t n = 0, i;

    memset(out, 0, sizeof(*out));
    out->aliases = aliases;
    if ((st = ct_txn_begin(store, &txn, err)) != CT_OK)
        return st;
    if ((st = ct_store_rc_waves(store, &waves, &n, err)) != CT_OK)
        goto done;
    out->waves = calloc(n + 1, sizeof(*out->waves));
    if (out->waves == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "out of memory");
        goto done;
    }
    for (i = 0; i < n; i++) {
        out->waves[i].wave = waves[i];
        waves[i].source = NULL;
        out->wave_count++;
        if ((st = wave_fill(store, aliases, &out->waves[i], err)) != CT_OK)
            goto done;
    }
done:
    ct_store_rc_waves_free(waves, n);
    ct_txn_rollback(txn);
    if (st != CT_OK)
        ct_rc_view_clear(out);
    return st;
}

enum ct_status
ct_rc_latest(struct ct_store *store, char *date, struct ct_rc_link **links, size_t *count,
             struct ct_error *err)
{
    struct ct_store_rc_wave *waves = NULL;
    enum ct_status st;
    size_t n = 0;

    date[0] = '\0';
    *links = NULL;
    *count = 0;
    if ((st = ct_store_rc_waves(store, &waves, &n, err)) != CT_OK)
        return st;
    if (n > 0) {
        memcpy(date, waves[0].date, 11);
        st = ct_store_rc_links(store, waves[0].id, links, count, err);
    }
    ct_store_rc_waves_free(waves, n);
    return st;
}
