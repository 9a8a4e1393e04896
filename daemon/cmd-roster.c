/*
 * cmd-roster.c: "coffeetrial roster import" (sync or merge a roster CSV
 * from a file or an http(s) URL into the store, or show what would change)
 * "coffeetrial roster list" (the members as a table, JSON or CSV) and
 * "coffeetrial roster orgs" (organisations, their members and spellings).
 */
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "clock.h"
#include "csv.h"
#include "fetch.h"
#include "members.h"
#include "orgname.h"
#include "roster.h"
#include "rounds.h"
#include "util.h"

/* ---- organisation names ------------------------------------------------ */

/* At most this many near-duplicate warnings per field, the smallest groups first. */
#define NEAR_WARNINGS_MAX 20

/*
 * Warn (stderr) about each pair of names that look like one but that
 * neither folding nor [roster] aliases make one. what: "organisation".
 * names[i] is held by counts[i] members (NULL: one each).
 */
static void
warn_near_duplicates(const struct ct_config *cfg, const char *what, const char *const *names,
                     const size_t *counts, size_t n)
{
    struct ct_orgname_summary *sum = NULL;
    struct ct_orgname_near *near = NULL;
    size_t count = 0, i;

    if (ct_orgname_summarise_counted(cfg->roster.org_aliases, names, counts, n, &sum) != CT_OK ||
        ct_orgname_near_duplicates(sum, &near, &count) != CT_OK) {
        ct_cli_warn("out of memory checking %s names", what);
        goto out;
    }
    for (i = 0; i < count && i < NEAR_WARNINGS_MAX; i++) {
        const struct ct_orgname_group *a = &sum->groups[near[i].smaller];
        const struct ct_orgname_group *b = &sum->groups[near[i].larger];
        ct_cli_warn("%s '%s' (%zu member%s) looks like '%s' (%zu); if they are one, add the "
                    "line '%s = %s' to the [roster] aliases file",
                    what, a->name, a->count, a->count == 1 ? "" : "s", b->name, b->count, a->name,
                    b->name);
    }
    if (count > NEAR_WARNINGS_MAX)
        ct_cli_warn("%zu more pairs of %s names look alike; not shown", count - NEAR_WARNINGS_MAX,
                    what);
out:
    free(near);
    ct_orgname_summary_free(sum);
}

/* The same for a dry run: the roster's members who are not marked left. */
static void
warn_roster_names(const struct ct_config *cfg, const struct ct_roster *roster)
{
    const char **orgs = calloc(roster->count + 1, sizeof(*orgs));
    const char **sites = calloc(roster->count + 1, sizeof(*sites));
    size_t i, n = 0;

    if (orgs && sites) {
        for (i = 0; i < roster->count; i++) {
            const struct ct_roster_entry *e = &roster->entries[i];
            if (e->status != CT_MEMBER_ACTIVE && e->status != CT_MEMBER_PAUSED)
                continue;
            orgs[n] = e->organisation;
            sites[n++] = e->site;
        }
        warn_near_duplicates(cfg, "organisation", orgs, NULL, n);
        warn_near_duplicates(cfg, "site", sites, NULL, n);
    }
    free(orgs);
    free(sites);
}

/*
 * After an import: warn about the current members' organisation and site
 * names, counted in the store (a failure to count is only warned).
 */
static void
warn_after_import(struct ct_store *store, const struct ct_config *cfg)
{
    static const struct {
        enum ct_member_column column;
        const char *what;
    } fields[] = {{CT_MEMBER_COLUMN_ORGANISATION, "organisation"}, {CT_MEMBER_COLUMN_SITE, "site"}};
    struct ct_member_value_count *values = NULL;
    const char **names = NULL;
    size_t *counts = NULL, n = 0, i, f;
    struct ct_error err;

    ct_error_clear(&err);
    for (f = 0; f < CT_ARRAY_LEN(fields); f++) {
        const char *what = fields[f].what;
        if (ct_members_value_counts(store, CT_MEMBERS_CURRENT, fields[f].column, &values, &n,
                                    &err) != CT_OK) {
            ct_cli_warn("cannot check %s names: %s", what, err.message);
            return;
        }
        names = calloc(n + 1, sizeof(*names));
        counts = calloc(n + 1, sizeof(*counts));
        for (i = 0; names && counts && i < n; i++) {
            names[i] = values[i].value;
            counts[i] = values[i].count;
        }
        if (names && counts)
            warn_near_duplicates(cfg, what, names, counts, n);
        else
            ct_cli_warn("out of memory checking %s names", what);
        free(names);
        free(counts);
        ct_member_value_counts_free(values, n);
    }
}

/* ---- roster import ----------------------------------------------------- */

static void
print_change(const struct ct_member_change *c)
{
    unsigned bit;
    const char *sep = ": ";

    switch (c->kind) {
    case CT_CHANGE_ADD: printf("+ %s (new)\n", c->email); break;
    case CT_CHANGE_LEAVE: printf("- %s (would be marked left)\n", c->email); break;
    case CT_CHANGE_UPDATE:
        printf("~ %s", c->email);
        for (bit = 1; bit <= CT_FIELD_TIES; bit <<= 1) {
            if (c->fields & bit) {
                printf("%s%s", sep, ct_member_field_str((enum ct_member_field)bit));
                sep = ", ";
            }
        }
        putchar('\n');
        break;
    }
}

/* What a sync would do, as --dry-run prints it (and a refused sync, before saying why). */
static void
print_dry_run(const struct ct_sync_result *result, const char *source)
{
    size_t i;

    for (i = 0; i < result->changes_count; i++)
        print_change(&result->changes[i]);
    printf("%s: %zu row%s: %zu to add, %zu to update, %zu to mark left, %zu unchanged\n", source,
           result->rows, result->rows == 1 ? "" : "s", result->added, result->updated, result->left,
           result->unchanged);
    if (result->refused)
        printf("note: %zu of %zu current members would leave, more than [roster] max_left "
               "allows (%zu); a sync needs --yes\n",
               result->left, result->current, result->max_left);
}

/* Flags, config and source (operand, else [roster] source) into opts; false sets *rc. */
static bool
import_options(struct ct_cli *cli, const struct ct_args *args, struct ct_sync_options *opts,
               struct ct_config **cfg, int *rc)
{
    opts->dry_run = ct_args_has(args, "dry-run");
    opts->merge = ct_args_has(args, "merge");
    opts->yes = ct_args_has(args, "yes");
    if ((*cfg = ct_cli_config(cli)) == NULL) {
        *rc = cli->failed_exit;
        return false;
    }
    opts->max_left = &(*cfg)->roster.max_left;
    opts->source = args->count == 1 ? args->operands[0] : (*cfg)->roster.source;
    if (opts->source == NULL || *opts->source == '\0') {
        ct_cli_error("no roster given, and [roster] source is not set in %s",
                     (*cfg)->path ? (*cfg)->path : "the configuration");
        *rc = ct_cli_usage(args->cmd);
        return false;
    }
    return true;
}

/* Fetch source and parse it as roster name, printing diagnostics; false sets *rc. */
static bool
import_load(const struct ct_config *cfg, const char *source, const char *name, char **data,
            size_t *len, struct ct_roster **roster, struct ct_diags *diags, struct ct_error *err,
            int *rc)
{
    enum ct_status st;

    st = ct_fetch_source(source, (size_t)cfg->roster.max_bytes, (long)cfg->roster.timeout,
                         cfg->roster.ca_file, data, len, err);
    if (st != CT_OK) {
        *rc = ct_cli_fail(err);
        return false;
    }
    st = ct_roster_parse(name, *data, *len, roster, diags);
    ct_cli_print_diags(diags);
    if (st == CT_EDATA) {
        ct_cli_error("%s: %zu error%s; nothing imported", name, diags->errors,
                     diags->errors == 1 ? "" : "s");
        *rc = ct_status_exit(st);
        return false;
    }
    if (st != CT_OK) {
        ct_cli_error("%s: %s; nothing imported", name, ct_status_str(st));
        *rc = ct_status_exit(st);
        return false;
    }
    return true;
}

/* What a successful sync did (or, with --dry-run, would do), and the warnings after it. */
static void
import_report(struct ct_store *store, const struct ct_config *cfg, const struct ct_roster *roster,
              const struct ct_sync_options *opts, const struct ct_sync_result *result,
              const struct ct_rounds_leave *leave)
{
    if (opts->dry_run) {
        print_dry_run(result, opts->source);
        printf("dry run: nothing changed\n");
        warn_roster_names(cfg, roster);
        return;
    }
    printf("%s %s: %zu row%s, %zu added, %zu updated, %zu marked left, %zu unchanged\n",
           opts->merge ? "merged" : "imported", opts->source, result->rows,
           result->rows == 1 ? "" : "s", result->added, result->updated, result->left,
           result->unchanged);
    if (leave->mail.groups > 0)
        printf("%zu group%s of members who left changed, %zu message%s queued "
               "(cancellations and updates; coffeetrial outbox flush sends them)\n",
               leave->mail.groups, leave->mail.groups == 1 ? "" : "s", leave->mail.messages,
               leave->mail.messages == 1 ? "" : "s");
    warn_after_import(store, cfg);
}

static int
roster_import(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_sync_options opts = {0};
    struct ct_sync_result *result = NULL;
    struct ct_roster *roster = NULL;
    struct ct_rounds_leave leave;
    struct ct_config *cfg;
    struct ct_store *store;
    struct ct_diags diags;
    struct ct_error err;
    enum ct_status st;
    const char *source;
    char *data = NULL, *name = NULL;
    size_t len = 0;
    int rc = EX_OK;

    if (!import_options(cli, args, &opts, &cfg, &rc))
        return rc;

    ct_diags_init(&diags);
    ct_error_clear(&err);
    /* Messages and the import history name the source without any password. */
    source = opts.source;
    if ((name = ct_fetch_display_name(source)) == NULL) {
        ct_cli_error("out of memory");
        rc = EX_OSERR;
        goto out;
    }
    opts.source = name;
    if (!import_load(cfg, source, name, &data, &len, &roster, &diags, &err, &rc))
        goto out;
    /* The roster holds copies: the file's bytes (179 MB for 1M members) can go. */
    free(data);
    data = NULL;
    /* The store is opened only now: a bad file must not create a database. */
    if ((store = ct_cli_store(cli)) == NULL) {
        rc = cli->failed_exit;
        goto out;
    }
    /* Members the file no longer lists leave their meetings still to come. */
    ct_rounds_leave_init(&leave, cfg);
    opts.hook = &leave.hook;
    st = ct_members_sync(store, roster, &opts, ct_now(), &result, &err);
    if (st != CT_OK) {
        /* Refused by max_left: show what it would have done, then why. */
        if (result != NULL)
            print_dry_run(result, opts.source);
        fflush(stdout);
        rc = ct_cli_fail(&err);
        goto out;
    }
    /* Only a dry run reports from the roster; the warnings after an import list the store. */
    if (!opts.dry_run) {
        ct_roster_free(roster);
        roster = NULL;
    }
    import_report(store, cfg, roster, &opts, result, &leave);
out:
    ct_sync_result_free(result);
    ct_roster_free(roster);
    ct_diags_free(&diags);
    free(data);
    free(name);
    return rc;
}

/* ---- roster list ------------------------------------------------------- */

/* Print s in exactly width columns (no padding if last), cut with "…" if longer. */
static void
print_cell(const char *s, size_t width, bool last)
{
    size_t w = ct_utf8_width(s), n = 0;
    const char *p = s ? s : "";

    if (w > width) {
        /* Copy width-1 code points, then the ellipsis. */
        const char *end = p;
        while (*end && n < width - 1) {
            end++;
            while (((unsigned char)*end & 0xc0) == 0x80)
                end++;
            n++;
        }
        fwrite(p, 1, (size_t)(end - p), stdout);
        fputs("\xe2\x80\xa6", stdout);
        w = width;
    } else {
        fputs(p, stdout);
    }
    if (!last)
        printf("%*s", (int)(width - w + 2), "");
}

#define LIST_COLUMNS 4
#define LIST_WIDTH   80

static void
member_status_text(const struct ct_member *m, char *out, size_t size)
{
    if (m->paused_until && m->status == CT_MEMBER_PAUSED)
        snprintf(out, size, "paused to %s", m->paused_until);
    else
        snprintf(out, size, "%s", ct_member_status_str(m->status));
}

static void
list_text(const struct ct_member_list *list)
{
    static const char *const headers[LIST_COLUMNS] = {"EMAIL", "NAME", "ORGANISATION", "STATUS"};
    size_t width[LIST_COLUMNS], min[LIST_COLUMNS], total, i, c;
    size_t active = 0, paused = 0, left = 0;
    char status[32];

    for (c = 0; c < LIST_COLUMNS; c++) {
        width[c] = ct_utf8_width(headers[c]);
        min[c] = width[c] < 6 ? width[c] : 6;
    }
    for (i = 0; i < list->count; i++) {
        const struct ct_member *m = &list->items[i];
        const char *cells[LIST_COLUMNS] = {m->email, m->name, m->organisation, status};
        member_status_text(m, status, sizeof(status));
        for (c = 0; c < LIST_COLUMNS; c++)
            if (ct_utf8_width(cells[c]) > width[c])
                width[c] = ct_utf8_width(cells[c]);
    }
    /* The status is never cut, the e-mail (what commands take) only if very long. */
    min[LIST_COLUMNS - 1] = width[LIST_COLUMNS - 1];
    min[0] = width[0] < 36 ? width[0] : 36;
    /* Fit 80 columns: take one column at a time from the widest cells. */
    for (;;) {
        size_t widest = LIST_COLUMNS;
        total = 2 * (LIST_COLUMNS - 1);
        for (c = 0; c < LIST_COLUMNS; c++) {
            total += width[c];
            if (width[c] > min[c] && (widest == LIST_COLUMNS || width[c] > width[widest]))
                widest = c;
        }
        if (total <= LIST_WIDTH || widest == LIST_COLUMNS)
            break;
        width[widest]--;
    }
    for (c = 0; c < LIST_COLUMNS; c++)
        print_cell(headers[c], width[c], c == LIST_COLUMNS - 1);
    putchar('\n');
    for (i = 0; i < list->count; i++) {
        const struct ct_member *m = &list->items[i];
        const char *cells[LIST_COLUMNS] = {m->email, m->name, m->organisation, status};
        member_status_text(m, status, sizeof(status));
        for (c = 0; c < LIST_COLUMNS; c++)
            print_cell(cells[c] ? cells[c] : "-", width[c], c == LIST_COLUMNS - 1);
        putchar('\n');
        if (m->status == CT_MEMBER_ACTIVE)
            active++;
        else if (m->status == CT_MEMBER_PAUSED)
            paused++;
        else
            left++;
    }
    printf("%zu member%s: %zu active, %zu paused, %zu left\n", list->count,
           list->count == 1 ? "" : "s", active, paused, left);
}

static void
json_field(const char *key, const char *value, bool comma)
{
    printf("\"%s\": ", key);
    if (value)
        ct_cli_json_string(stdout, value);
    else
        fputs("null", stdout);
    if (comma)
        fputs(", ", stdout);
}

static void
list_json(const struct ct_member_list *list)
{
    size_t i, j;

    putchar('[');
    for (i = 0; i < list->count; i++) {
        const struct ct_member *m = &list->items[i];
        printf("%s\n  {", i ? "," : "");
        json_field("email", m->email, true);
        json_field("name", m->name, true);
        json_field("organisation", m->organisation, true);
        json_field("team", m->team, true);
        json_field("site", m->site, true);
        json_field("role", m->role, true);
        json_field("timezone", m->timezone, true);
        json_field("status", ct_member_status_str(m->status), true);
        json_field("paused_until", m->paused_until, true);
        json_field("frequency", ct_frequency_str(m->frequency), true);
        fputs("\"ties\": [", stdout);
        for (j = 0; j < m->ties_count; j++) {
            if (j)
                fputs(", ", stdout);
            ct_cli_json_string(stdout, m->ties[j]);
        }
        fputs("]}", stdout);
    }
    fputs(list->count ? "\n]\n" : "]\n", stdout);
}

/* The roster import format: importing this output changes nothing. */
static int
list_csv(const struct ct_member_list *list)
{
    struct ct_buf ties, out;
    size_t i, j;
    bool failed = false;
    int rc = EX_OK;

    ct_buf_init(&ties);
    ct_buf_init(&out);
    ct_buf_puts(&out, "email,name,organisation,team,site,role,timezone,status,frequency,ties\r\n");
    for (i = 0; i < list->count; i++) {
        const struct ct_member *m = &list->items[i];
        ct_buf_reset(&ties);
        ct_buf_puts(&ties, "");
        for (j = 0; j < m->ties_count; j++) {
            if (j)
                ct_buf_putc(&ties, ';');
            ct_buf_puts(&ties, m->ties[j]);
        }
        ct_csv_write_field(&out, m->email, false);
        ct_csv_write_field(&out, m->name, false);
        ct_csv_write_field(&out, m->organisation, false);
        ct_csv_write_field(&out, m->team, false);
        ct_csv_write_field(&out, m->site, false);
        ct_csv_write_field(&out, m->role, false);
        ct_csv_write_field(&out, m->timezone, false);
        ct_csv_write_field(&out, ct_member_status_str(m->status), false);
        ct_csv_write_field(&out, ct_frequency_str(m->frequency), false);
        ct_csv_write_field(&out, ties.data ? ties.data : "", true);
        /* Flush as it goes: a 100,000-member roster need not sit in memory twice. */
        if (out.len >= 65536) {
            failed = failed || out.failed;
            fwrite(out.data, 1, out.len, stdout);
            ct_buf_reset(&out);
        }
    }
    if (out.len)
        fwrite(out.data, 1, out.len, stdout);
    if (failed || out.failed || ties.failed) {
        ct_cli_error("out of memory");
        rc = EX_OSERR;
    }
    ct_buf_free(&ties);
    ct_buf_free(&out);
    return rc;
}

static int
roster_list(struct ct_cli *cli, const struct ct_args *args)
{
    static const struct {
        const char *name;
        unsigned bits;
    } statuses[] = {
        {"current", CT_MEMBERS_CURRENT}, {"active", CT_MEMBERS_ACTIVE},
        {"paused", CT_MEMBERS_PAUSED},   {"left", CT_MEMBERS_LEFT},
        {"all", CT_MEMBERS_ALL},
    };
    const char *format = args->format, *status = ct_args_get(args, "status");
    unsigned bits = CT_MEMBERS_CURRENT;
    int rc = EX_OK;
    struct ct_member_list *list = NULL;
    struct ct_store *store;
    struct ct_error err;
    size_t i;

    if (status) {
        for (i = 0; i < CT_ARRAY_LEN(statuses); i++)
            if (strcmp(status, statuses[i].name) == 0)
                break;
        if (i == CT_ARRAY_LEN(statuses)) {
            ct_cli_error("--status: unknown status '%s' (current, active, paused, left, all)",
                         status);
            return EX_USAGE;
        }
        bits = statuses[i].bits;
    }
    if ((store = ct_cli_store_read(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_list(store, bits, &list, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (strcmp(format, "json") == 0)
        list_json(list);
    else if (strcmp(format, "csv") == 0)
        rc = list_csv(list);
    else
        list_text(list);
    ct_member_list_free(list);
    return rc;
}

/* ---- roster orgs ------------------------------------------------------- */

/* A group's spellings need listing if there are several or one unlike its name. */
static bool
spellings_differ(const struct ct_orgname_group *g)
{
    return g->spellings_count > 1 || strcmp(g->spellings[0].name, g->name) != 0;
}

static void
orgs_text(const struct ct_orgname_summary *sum, size_t members)
{
    size_t width = ct_utf8_width("ORGANISATION"), i, j;

    for (i = 0; i < sum->count; i++)
        if (ct_utf8_width(sum->groups[i].name) > width)
            width = ct_utf8_width(sum->groups[i].name);
    if (width > 40)
        width = 40;
    print_cell("ORGANISATION", width, false);
    printf("MEMBERS  SPELLINGS\n");
    for (i = 0; i < sum->count; i++) {
        const struct ct_orgname_group *g = &sum->groups[i];
        print_cell(g->name, width, false);
        printf("%7zu", g->count);
        for (j = 0; spellings_differ(g) && j < g->spellings_count; j++)
            printf("%s'%s' (%zu)", j ? ", " : "  ", g->spellings[j].name, g->spellings[j].count);
        putchar('\n');
    }
    printf("%zu organisation%s, %zu current member%s\n", sum->count, sum->count == 1 ? "" : "s",
           members, members == 1 ? "" : "s");
}

static void
orgs_json(const struct ct_orgname_summary *sum)
{
    size_t i, j;

    putchar('[');
    for (i = 0; i < sum->count; i++) {
        const struct ct_orgname_group *g = &sum->groups[i];
        printf("%s\n  {", i ? "," : "");
        json_field("name", g->name, true);
        json_field("key", g->key, true);
        printf("\"members\": %zu, \"spellings\": [", g->count);
        for (j = 0; j < g->spellings_count; j++) {
            printf("%s{", j ? ", " : "");
            json_field("name", g->spellings[j].name, true);
            printf("\"members\": %zu}", g->spellings[j].count);
        }
        fputs("]}", stdout);
    }
    fputs(sum->count ? "\n]\n" : "]\n", stdout);
}

static int
roster_orgs(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_orgname_summary *sum = NULL;
    struct ct_member_list *list = NULL;
    struct ct_config *cfg;
    struct ct_store *store;
    struct ct_error err;
    const char **names = NULL;
    size_t i;
    int rc = EX_OK;

    if ((cfg = ct_cli_config(cli)) == NULL)
        return cli->failed_exit;
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_members_list(store, CT_MEMBERS_CURRENT, &list, &err) != CT_OK)
        return ct_cli_fail(&err);
    names = calloc(list->count + 1, sizeof(*names));
    for (i = 0; names && i < list->count; i++)
        names[i] = list->items[i].organisation;
    if (names == NULL ||
        ct_orgname_summarise(cfg->roster.org_aliases, names, list->count, &sum) != CT_OK) {
        ct_cli_error("out of memory");
        rc = EX_OSERR;
        goto out;
    }
    if (strcmp(args->format, "json") == 0)
        orgs_json(sum);
    else
        orgs_text(sum, list->count);
    warn_near_duplicates(cfg, "organisation", names, NULL, list->count);
out:
    ct_orgname_summary_free(sum);
    ct_member_list_free(list);
    free(names);
    return rc;
}

const struct ct_cmd ct_cmds_roster[] = {
    {
        .group = "roster",
        .name = "import",
        .args = "[FILE|URL] [--dry-run] [--merge] [--yes]",
        .summary = "sync the members with a roster CSV (default: [roster] source)",
        .options =
            {
                {"dry-run", 0, NULL, "print what would change and write nothing"},
                {"merge", 0, NULL, "add and update only; members missing from the file stay"},
                {"yes", 0, NULL, "apply a sync that marks more than [roster] max_left left"},
            },
        .max_operands = 1,
        .exec = roster_import,
    },
    {
        .group = "roster",
        .name = "list",
        .args = "[--format text|json|csv] [--status current|active|paused|left|all]",
        .summary = "list the members",
        .options = {{"status", 0, "current|active|paused|left|all",
                     "whom to list (default: current: active and paused)"}},
        .formats = "text|json|csv",
        .exec = roster_list,
    },
    {
        .group = "roster",
        .name = "orgs",
        .args = "[--format text|json]",
        .summary = "list the organisations, their current members and the spellings folded "
                   "into each",
        .formats = "text|json",
        .exec = roster_orgs,
    },
    {0},
};
