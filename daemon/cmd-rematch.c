/*
 * cmd-rematch.c: "coffeetrial round rematch ID [--dry-run]": pair again,
 * now, the members of a sent round whose partner dropped out (rematch.h),
 * and say what was (or, with --dry-run, would be) done. Its grammar is in
 * the round table (cmd-round.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "cli.h"
#include "clock.h"
#include "rematch.h"

int
ct_cmd_round_rematch(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_rematch_result res;
    struct ct_store *store;
    struct ct_error err;
    bool dry = ct_args_has(args, "dry-run");
    char **lines = NULL, *end;
    size_t count = 0, i;
    long long v;

    errno = 0;
    v = strtoll(args->operands[0], &end, 10);
    if (errno || end == args->operands[0] || *end || v < 1) {
        ct_cli_error("'%s' is not a round id (a positive number, see round list)",
                     args->operands[0]);
        return EX_USAGE;
    }
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_rounds_rematch_lines(store, cli->config, (int64_t)v, dry, ct_now(), &res, &lines, &count,
                                &err) != CT_OK)
        return ct_cli_fail(&err);
    printf("%sround %lld: %zu member%s alone; %zu re-paired, %zu joined a pair as a third, %zu "
           "told there is no partner this time\n",
           dry ? "dry run, nothing written: " : "", v, res.alone, res.alone == 1 ? "" : "s",
           res.regrouped, res.trios, res.told);
    for (i = 0; i < count; i++) {
        printf("  %s\n", lines[i]);
        free(lines[i]);
    }
    free(lines);
    if (!dry && res.alone > 0)
        printf("%s outbox flush delivers them (coffeetriald does so by itself)\n",
               ct_cli_self(cli));
    return EX_OK;
}
