/*
 * cmd-rc.c: "coffeetrial rc import" (a Relational Coordination survey,
 * all or nothing) and "coffeetrial rc show" (the latest wave's role-pair
 * strengths, weakest first, with the trial meetings across each since).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "clock.h"
#include "json.h"
#include "rc_survey.h"
#include "schedule.h"
#include "util.h"

static int
rc_import(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_rc_import_options options = {.dry_run = ct_args_has(args, "dry-run"),
                                           .date = ct_args_get(args, "date")};
    struct ct_rc_import_result result;
    struct ct_config *cfg;
    struct ct_store *store;
    struct ct_diags diags;
    struct ct_error err;
    const char *path = args->operands[0];
    char *data = NULL, today[16];
    size_t len = 0;
    int rc = EX_OK;

    ct_error_clear(&err);
    ct_diags_init(&diags);
    if ((cfg = ct_cli_config(cli)) == NULL) {
        rc = cli->failed_exit;
        goto out;
    }
    options.aliases = cfg->roster.org_aliases;
    if (options.date == NULL) {
        if (ct_schedule_zone_date(cfg->network.timezone, ct_now(), today, &err) != CT_OK) {
            rc = ct_cli_fail(&err);
            goto out;
        }
        options.date = today;
    }
    if (ct_file_read(path, CT_RC_MAX_BYTES, &data, &len, &err) != CT_OK) {
        rc = ct_cli_fail(&err);
        goto out;
    }
    if ((store = ct_cli_store(cli)) == NULL) {
        rc = cli->failed_exit;
        goto out;
    }
    if (ct_rc_import(store, path, data, len, &options, ct_now(), &result, &diags, &err) != CT_OK) {
        ct_cli_print_diags(&diags);
        if (err.status == CT_EUSAGE) {
            ct_cli_error("%s", err.message);
            rc = EX_USAGE;
        } else {
            rc = ct_cli_fail(&err);
        }
        goto out;
    }
    ct_cli_print_diags(&diags);
    printf("%s %s: wave of %s, %zu %s, %zu role pair%s (%zu weak, below %.1f)%s\n",
           options.dry_run ? "checked" : "imported", path, options.date, result.rows,
           result.aggregated ? (result.rows == 1 ? "link row" : "link rows")
                             : (result.rows == 1 ? "response" : "responses"),
           result.links, result.links == 1 ? "" : "s", result.weak, CT_RC_WEAK,
           result.replaced ? ", replacing the wave of that date" : "");
    if (options.dry_run)
        printf("dry run: nothing changed\n");
out:
    ct_diags_free(&diags);
    free(data);
    return rc;
}

/* The distinct roles of w's links, in order of first appearance. OUT: *roles (borrowed). */
static size_t
wave_roles(const struct ct_rc_wave_view *w, const char **roles)
{
    size_t n = 0, i, j, k;

    for (i = 0; i < w->count; i++) {
        const char *two[2] = {w->links[i].role_a, w->links[i].role_b};
        for (k = 0; k < 2; k++) {
            for (j = 0; j < n && strcmp(roles[j], two[k]) != 0; j++)
                ;
            if (j == n)
                roles[n++] = two[k];
        }
    }
    return n;
}

static void
show_text(const struct ct_orgname_aliases *aliases, const struct ct_rc_wave_view *w,
          struct ct_buf *b)
{
    const char **roles = calloc(2 * w->count + 1, sizeof(*roles));
    size_t i, j, n, weak = 0;
    double s;

    for (i = 0; i < w->count; i++)
        weak += w->links[i].strength < CT_RC_WEAK;
    ct_buf_printf(b,
                  "Relational Coordination, wave of %s (%s): %zu role pair%s, %zu weak (below "
                  "%.1f)\n\n",
                  w->wave.date, w->wave.source, w->count, w->count == 1 ? "" : "s", weak,
                  CT_RC_WEAK);
    ct_buf_printf(b, "strength  meetings since %s  roles\n", w->wave.date);
    for (i = 0; i < w->count; i++)
        ct_buf_printf(b, "%8.2f  %25zu  %s <-> %s%s\n", w->links[i].strength, w->meetings[i],
                      w->links[i].role_a, w->links[i].role_b,
                      w->links[i].strength < CT_RC_WEAK ? "  (weak)" : "");
    if (roles == NULL)
        return;
    n = wave_roles(w, roles);
    ct_buf_printf(b, "\nmatrix (1 weak .. 5 strong; - no data):\n%4s", "");
    for (j = 0; j < n; j++)
        ct_buf_printf(b, " %5zu", j + 1);
    ct_buf_puts(b, "\n");
    for (i = 0; i < n; i++) {
        ct_buf_printf(b, "%3zu ", i + 1);
        for (j = 0; j < n; j++) {
            if (ct_rc_lookup(aliases, w->links, w->count, roles[i], roles[j], &s))
                ct_buf_printf(b, " %5.2f", s);
            else
                ct_buf_printf(b, " %5s", "-");
        }
        ct_buf_printf(b, "  %s\n", roles[i]);
    }
    free(roles);
}

static void
show_json(const struct ct_rc_wave_view *w, struct ct_buf *b)
{
    size_t i;

    ct_buf_puts(b, "{\"wave\":");
    if (w == NULL) {
        ct_buf_puts(b, "null,\"links\":[]}\n");
        return;
    }
    ct_buf_puts(b, "{\"date\":");
    ct_json_escape(b, w->wave.date);
    ct_buf_puts(b, ",\"source\":");
    ct_json_escape(b, w->wave.source);
    ct_buf_printf(b, ",\"aggregated\":%s,\"rows\":%lld},\"weak_below\":%.1f,\"links\":[",
                  w->wave.aggregated ? "true" : "false", (long long)w->wave.rows, CT_RC_WEAK);
    for (i = 0; i < w->count; i++) {
        ct_buf_puts(b, i ? ",{\"role_a\":" : "{\"role_a\":");
        ct_json_escape(b, w->links[i].role_a);
        ct_buf_puts(b, ",\"role_b\":");
        ct_json_escape(b, w->links[i].role_b);
        ct_buf_printf(b, ",\"strength\":%.2f,\"ratings\":%zu,\"weak\":%s,\"meetings\":%zu}",
                      w->links[i].strength, w->links[i].ratings,
                      w->links[i].strength < CT_RC_WEAK ? "true" : "false", w->meetings[i]);
    }
    ct_buf_puts(b, "]}\n");
}

static int
rc_show(struct ct_cli *cli, const struct ct_args *args)
{
    bool json = args->format && strcmp(args->format, "json") == 0;
    struct ct_rc_view view;
    struct ct_store *store;
    struct ct_error err;
    struct ct_buf b;
    int rc;

    struct ct_config *cfg;

    if ((cfg = ct_cli_config(cli)) == NULL || (store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_rc_view_load(store, cfg->roster.org_aliases, &view, &err) != CT_OK)
        return ct_cli_fail(&err);
    ct_buf_init(&b);
    if (json)
        show_json(view.wave_count ? &view.waves[0] : NULL, &b);
    else if (view.wave_count == 0)
        ct_buf_puts(&b, "no Relational Coordination survey imported yet "
                        "(coffeetrial rc import FILE.csv)\n");
    else
        show_text(view.aliases, &view.waves[0], &b);
    rc = ct_cli_write_report(&b, NULL);
    ct_buf_free(&b);
    ct_rc_view_clear(&view);
    return rc;
}

const struct ct_cmd ct_cmds_rc[] = {
    {
        .group = "rc",
        .name = "import",
        .args = "FILE.csv [--dry-run] [--date YYYY-MM-DD]",
        .summary = "a Relational Coordination survey (per response or role_a,role_b,strength)",
        .options =
            {
                {"dry-run", 0, NULL, "check the file and write nothing"},
                {"date", 0, "YYYY-MM-DD",
                 "the survey wave's date (default: today in the network's zone)"},
            },
        .min_operands = 1,
        .max_operands = 1,
        .exec = rc_import,
    },
    {
        .group = "rc",
        .name = "show",
        .args = "[--format text|json]",
        .summary = "role x role coordination strength, weakest first",
        .formats = "text|json",
        .exec = rc_show,
    },
    {0},
};
