/*
 * cmd-report.c: "coffeetrial report": the network's figures per round and
 * over time, as text, JSON, CSV or a self-contained HTML page, on standard
 * output or written atomically to a file.
 */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "report.h"
#include "util.h"

enum { OPT_ROUND = 256, OPT_FORMAT, OPT_OUT };

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
report(struct ct_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"round", required_argument, NULL, OPT_ROUND},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"out", required_argument, NULL, OPT_OUT},
        {NULL, 0, NULL, 0},
    };
    const struct ct_cmd *self = &ct_cmds_report[0];
    enum ct_report_format format = CT_REPORT_TEXT;
    struct ct_report_options opts = {0};
    struct ct_report *rep = NULL;
    struct ct_store *store;
    struct ct_error err;
    struct ct_buf out;
    const char *path = NULL;
    long long round = 0;
    char *end;
    int ch, rc;

    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_ROUND:
            errno = 0;
            round = strtoll(optarg, &end, 10);
            if (errno || *end || end == optarg || round <= 0) {
                ct_cli_error("--round: not a round number: '%s'", optarg);
                return EX_USAGE;
            }
            break;
        case OPT_FORMAT:
            if (!ct_report_format_parse(optarg, &format)) {
                ct_cli_error("--format: unknown format '%s' (text, json, csv, html)", optarg);
                return EX_USAGE;
            }
            break;
        case OPT_OUT: path = optarg; break;
        default: return ct_cli_usage(self);
        }
    }
    if (argc != optind)
        return ct_cli_usage(self);
    if (format == CT_REPORT_HTML && path == NULL && isatty(STDOUT_FILENO)) {
        ct_cli_error("--format html writes a whole web page: add --out FILE.html");
        return EX_USAGE;
    }
    if ((store = ct_cli_store(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_report_build(store, (int64_t)round, ct_now(), &rep, &err) != CT_OK)
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
    {"report", NULL, "[--round ID] [--format text|json|csv|html] [--out FILE]",
     "figures per round and over time", report},
    {NULL, NULL, NULL, NULL, NULL},
};
