/*
 * cmd-outcome-record.c: "coffeetrial outcome record" (whether one group
 * met, its rating and a note) and "coffeetrial outcome import" (the same
 * from a survey tool's CSV export, all or nothing). "outcome fetch" lives
 * in cmd-outcome.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "cli.h"
#include "clock.h"
#include "outcomes.h"
#include "util.h"

/* A positive whole number; false for anything else. */
static bool
parse_positive(const char *s, int64_t *out)
{
    char *end;
    long long v;

    if (s == NULL || *s < '0' || *s > '9')
        return false;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v <= 0)
        return false;
    *out = (int64_t)v;
    return true;
}

static void
describe(char *out, size_t size, bool met, int rating)
{
    if (rating > 0)
        snprintf(out, size, "%s, rating %d", met ? "met" : "did not meet", rating);
    else
        snprintf(out, size, "%s", met ? "met" : "did not meet");
}

static int
outcome_record(struct ct_cli *cli, const struct ct_args *args)
{
    const char *met = ct_args_get(args, "met"), *rating = ct_args_get(args, "rating");
    struct ct_outcome outcome = {0};
    struct ct_outcome_previous previous;
    struct ct_store *store;
    struct ct_error err;
    char now_desc[64], was_desc[64];

    if (rating && (strlen(rating) != 1 || rating[0] < '1' || rating[0] > '5')) {
        ct_cli_error("--rating: not a whole number from 1 to 5: '%s'", rating);
        return EX_USAGE;
    }
    outcome.rating = rating ? rating[0] - '0' : 0;
    outcome.note = ct_args_get(args, "note");
    outcome.force = ct_args_has(args, "force");
    if (!parse_positive(args->operands[0], &outcome.group_id)) {
        ct_cli_error("GROUP_ID: not a group number: '%s' (see coffeetrial round show)",
                     args->operands[0]);
        return EX_USAGE;
    }
    if (met == NULL) {
        ct_cli_error("--met yes|no is required");
        return ct_cli_usage(args->cmd);
    }
    if (!ct_outcomes_parse_met(met, &outcome.met)) {
        ct_cli_error("--met: not yes or no: '%s'", met);
        return EX_USAGE;
    }
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_outcomes_record(store, &outcome, "cli", ct_now(), &previous, &err) != CT_OK) {
        if (err.status == CT_EUSAGE) {
            ct_cli_error("--%s", err.message);
            return EX_USAGE;
        }
        return ct_cli_fail(&err);
    }
    describe(now_desc, sizeof(now_desc), outcome.met, outcome.rating);
    if (previous.existed) {
        describe(was_desc, sizeof(was_desc), previous.met, previous.rating);
        printf("group %lld: %s (replaces the earlier record: %s)\n", (long long)outcome.group_id,
               now_desc, was_desc);
    } else {
        printf("group %lld: %s\n", (long long)outcome.group_id, now_desc);
    }
    return EX_OK;
}

static int
outcome_import(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_outcomes_import_options options = {
        .dry_run = ct_args_has(args, "dry-run"),
        .force = ct_args_has(args, "force"),
        .round = ct_args_get(args, "round"),
    };
    struct ct_outcomes_import_result result;
    struct ct_store *store;
    struct ct_diags diags;
    struct ct_error err;
    const char *path = args->operands[0];
    char *data = NULL, answers[48] = "";
    size_t len = 0;
    int rc = EX_OK;

    ct_error_clear(&err);
    ct_diags_init(&diags);
    if (ct_file_read(path, CT_OUTCOMES_MAX_BYTES, &data, &len, &err) != CT_OK) {
        rc = ct_cli_fail(&err);
        goto out;
    }
    if ((store = ct_cli_store(cli)) == NULL) {
        rc = cli->failed_exit;
        goto out;
    }
    if (ct_outcomes_import(store, path, data, len, &options, ct_now(), &result, &diags, &err) !=
        CT_OK) {
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
    if (result.rows != result.groups)
        snprintf(answers, sizeof(answers), " from %zu answers", result.rows);
    if (options.dry_run)
        printf("%s: %zu outcome%s%s valid: %zu new, %zu replacing earlier records\n"
               "dry run: nothing changed\n",
               path, result.groups, result.groups == 1 ? "" : "s", answers, result.added,
               result.replaced);
    else
        printf("imported %s: %zu outcome%s%s, %zu new, %zu replacing earlier records\n", path,
               result.groups, result.groups == 1 ? "" : "s", answers, result.added,
               result.replaced);
out:
    ct_diags_free(&diags);
    free(data);
    return rc;
}

const struct ct_cmd ct_cmds_outcome_record[] = {
    {
        .group = "outcome",
        .name = "record",
        .args = "GROUP_ID --met yes|no [--rating 1-5] [--note TEXT] [--force]",
        .summary = "record whether a group met",
        .options =
            {
                {"met", 0, "yes|no", "whether the group met (required)"},
                {"rating", 0, "1-5", "a whole number from 1 to 5"},
                {"note", 0, "TEXT", "free text, up to 1000 bytes"},
                {"force", 0, NULL, "record met although the group's slot is still to come"},
            },
        .min_operands = 1,
        .max_operands = 1,
        .exec = outcome_record,
    },
    {
        .group = "outcome",
        .name = "import",
        .args = "FILE.csv [--round ID|DATE] [--dry-run] [--force]",
        .summary = "record outcomes from a survey export, all or nothing",
        .options =
            {
                {"round", 0, "ID|DATE", "the round of rows that name none (number or YYYY-MM-DD)"},
                {"dry-run", 0, NULL, "check the file and write nothing"},
                {"force", 0, NULL, "accept met for groups whose slot is still to come"},
            },
        .min_operands = 1,
        .max_operands = 1,
        .exec = outcome_import,
    },
    {0},
};
