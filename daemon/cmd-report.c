/*
 * cmd-report.c: "coffeetrial report": the network's figures per round and
 * over time, as text, JSON, CSV or a self-contained HTML page, on standard
 * output or written atomically to a file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "report.h"
#include "util.h"

/* See cli.h. */
int
ct_cli_write_report(const struct ct_buf *text, const char *path)
{
    struct ct_error err;
    char *abs = NULL;

    if (path == NULL) {
        if (text->len && fwrite(text->data, 1, text->len, stdout) != text->len) {
            ct_cli_error("write error on standard output");
            return EX_IOERR;
        }
        return EX_OK;
    }
    ct_error_clear(&err);
    /* The report names members: readable by the owner and their group only. */
    if (ct_file_write_atomic(path, text->data ? text->data : "", text->len, 0640, &err) != CT_OK)
        return ct_cli_fail(&err);
    abs = realpath(path, NULL);
    fprintf(stderr, "coffeetrial: report written to %s\n", abs ? abs : path);
    free(abs);
    return EX_OK;
}

static int
report(struct ct_cli *cli, const struct ct_args *args)
{
    const char *path = ct_args_get(args, "out"), *round_arg = ct_args_get(args, "round");
    enum ct_report_format format = CT_REPORT_TEXT;
    struct ct_report_options opts = {0};
    struct ct_report *rep = NULL;
    struct ct_store *store;
    struct ct_error err;
    struct ct_buf out;
    long long round = 0;
    char *end;
    int rc;

    if (round_arg) {
        errno = 0;
        round = strtoll(round_arg, &end, 10);
        if (errno || *end || end == round_arg || round <= 0) {
            ct_cli_error("--round: not a round number: '%s'", round_arg);
            return EX_USAGE;
        }
    }
    /* The parser checked the name against .formats. */
    (void)ct_report_format_parse(args->format, &format);
    if (format == CT_REPORT_HTML && path == NULL && isatty(STDOUT_FILENO)) {
        ct_cli_error("--format html writes a whole web page: add --out FILE.html");
        return EX_USAGE;
    }
    if ((store = ct_cli_store_read(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_report_build(store, cli->config->roster.org_aliases, (int64_t)round, ct_now(), &rep,
                        &err) != CT_OK)
        return ct_cli_fail(&err);
    opts.title = cli->config->network.name;
    ct_buf_init(&out);
    if (!ct_report_render(rep, format, &opts, &out)) {
        ct_cli_error("out of memory");
        rc = EX_OSERR;
    } else {
        rc = ct_cli_write_report(&out, path);
    }
    ct_buf_free(&out);
    ct_report_free(rep);
    return rc;
}

const struct ct_cmd ct_cmds_report[] = {
    {
        .group = "report",
        .args = "[--round ID] [--format text|json|csv|html] [--out FILE]",
        .summary = "figures per round and over time",
        .options =
            {
                {"round", 0, "ID", "one round's figures (default: every round)"},
                {"out", 0, "FILE", "write to FILE, atomically (default: standard output)"},
            },
        .formats = "text|json|csv|html",
        .exec = report,
    },
    {0},
};
