/*
 * cmd-simulate.c: "coffeetrial simulate": the current config's rules over N
 * rounds of a roster in a temporary database, with simulated answers and
 * meetings, ending with the same report as "coffeetrial report". The real
 * database is never opened.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "fetch.h"
#include "report.h"
#include "roster.h"
#include "simulate.h"
#include "simulate_rounds.h"
#include "util.h"

enum { OPT_ROSTER = 256, OPT_ROUNDS, OPT_SEED, OPT_ACCEPT_RATE, OPT_FORMAT, OPT_OUT };

#define MAX_ROUNDS      120
#define DEFAULT_SEED    1
#define DEFAULT_ACCEPT  0.8
#define PROGRESS_WIDTH  30
#define PROGRESS_COLUMN 79

/* "simulating round 7/24 [#######.......]", redrawn in place on standard error. */
static void
progress(void *arg, int done, int total)
{
    int i, filled = total > 0 ? done * PROGRESS_WIDTH / total : 0;

    (void)arg;
    fprintf(stderr, "\rsimulating round %d/%d [", done, total);
    for (i = 0; i < PROGRESS_WIDTH; i++)
        fputc(i < filled ? '#' : '.', stderr);
    fputs("]", stderr);
    fflush(stderr);
}

/* Wipe the progress line, so what follows starts on a clean line. */
static void
progress_clear(void)
{
    fprintf(stderr, "\r%*s\r", PROGRESS_COLUMN, "");
    fflush(stderr);
}

/* Read and parse the roster; diagnostics printed as FILE:LINE: message. */
static int
load_roster(const struct ct_config *cfg, const char *source, struct ct_roster **roster)
{
    struct ct_diags diags;
    struct ct_error err;
    enum ct_status st;
    char *data = NULL, *name = NULL;
    size_t len = 0;
    int rc = EX_OK;

    *roster = NULL;
    ct_diags_init(&diags);
    ct_error_clear(&err);
    if ((name = ct_fetch_display_name(source)) == NULL) {
        ct_cli_error("out of memory");
        rc = EX_OSERR;
        goto out;
    }
    if (ct_fetch_source(source, (size_t)cfg->roster.max_bytes, (long)cfg->roster.timeout,
                        cfg->roster.ca_file, &data, &len, &err) != CT_OK) {
        rc = ct_cli_fail(&err);
        goto out;
    }
    st = ct_roster_parse(name, data, len, roster, &diags);
    ct_cli_print_diags(&diags);
    if (st == CT_EDATA) {
        ct_cli_error("%s: %zu error%s; nothing simulated", name, diags.errors,
                     diags.errors == 1 ? "" : "s");
        rc = ct_status_exit(st);
    } else if (st != CT_OK) {
        ct_cli_error("%s: %s; nothing simulated", name, ct_status_str(st));
        rc = ct_status_exit(st);
    }
out:
    ct_diags_free(&diags);
    free(data);
    free(name);
    return rc;
}

static int
simulate(struct ct_cli *cli, int argc, char **argv)
{
    static const struct option longopts[] = {
        {"roster", required_argument, NULL, OPT_ROSTER},
        {"rounds", required_argument, NULL, OPT_ROUNDS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"accept-rate", required_argument, NULL, OPT_ACCEPT_RATE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"out", required_argument, NULL, OPT_OUT},
        {NULL, 0, NULL, 0},
    };
    const struct ct_cmd *self = &ct_cmds_simulate[0];
    struct ct_simulate_options opts = {0};
    struct ct_simulate_rounds planner = ct_simulate_rounds_real();
    enum ct_report_format format = CT_REPORT_TEXT;
    struct ct_report_options ropts = {0};
    struct ct_roster *roster = NULL;
    struct ct_report *rep = NULL;
    struct ct_config *cfg;
    struct ct_error err;
    struct ct_buf out;
    const char *source = NULL, *path = NULL, *base;
    char *subtitle = NULL, *end;
    bool tty = isatty(STDERR_FILENO) == 1;
    long rounds = 0;
    unsigned long long seed = DEFAULT_SEED;
    double accept = DEFAULT_ACCEPT;
    enum ct_status st;
    int ch, rc;

    ct_buf_init(&out);
    while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (ch) {
        case OPT_ROSTER: source = optarg; break;
        case OPT_ROUNDS:
            errno = 0;
            rounds = strtol(optarg, &end, 10);
            if (errno || *end || end == optarg || rounds < 1 || rounds > MAX_ROUNDS) {
                ct_cli_error("--rounds: '%s' is not a number from 1 to %d", optarg, MAX_ROUNDS);
                return EX_USAGE;
            }
            break;
        case OPT_SEED:
            errno = 0;
            seed = strtoull(optarg, &end, 10);
            if (errno || *end || end == optarg || optarg[0] == '-') {
                ct_cli_error("--seed: '%s' is not a whole number from 0 to %llu", optarg,
                             (unsigned long long)UINT64_MAX);
                return EX_USAGE;
            }
            break;
        case OPT_ACCEPT_RATE:
            errno = 0;
            accept = strtod(optarg, &end);
            if (errno || *end || end == optarg || !isfinite(accept) || accept < 0.0 ||
                accept > 1.0) {
                ct_cli_error("--accept-rate: '%s' is not a number from 0 to 1", optarg);
                return EX_USAGE;
            }
            break;
        case OPT_FORMAT:
            if (!ct_report_format_parse(optarg, &format) || format == CT_REPORT_CSV) {
                ct_cli_error("--format: unknown format '%s' (text, json, html)", optarg);
                return EX_USAGE;
            }
            break;
        case OPT_OUT: path = optarg; break;
        default: return ct_cli_usage(self);
        }
    }
    if (argc != optind)
        return ct_cli_usage(self);
    if (source == NULL || rounds == 0) {
        ct_cli_error("--roster FILE and --rounds N are required");
        return ct_cli_usage(self);
    }
    if (format == CT_REPORT_HTML && path == NULL && isatty(STDOUT_FILENO)) {
        ct_cli_error("--format html writes a whole web page: add --out FILE.html");
        return EX_USAGE;
    }
    /* The config only: the real database is neither opened nor created. */
    if ((cfg = ct_cli_config(cli)) == NULL)
        return cli->failed_exit;
    if ((rc = load_roster(cfg, source, &roster)) != EX_OK)
        goto out;

    opts.cfg = cfg;
    opts.roster = roster;
    opts.rounds = (int)rounds;
    opts.seed = (uint64_t)seed;
    opts.accept_rate = accept;
    opts.now = ct_now();
    if (tty) {
        opts.progress = progress;
        progress(NULL, 0, opts.rounds);
    }
    ct_error_clear(&err);
    st = ct_simulate_run(&opts, &planner, &rep, &err);
    if (tty)
        progress_clear();
    if (st != CT_OK) {
        rc = ct_cli_fail(&err);
        goto out;
    }
    /* The file's own name: the subtitle fits one line of the text report. */
    base = strrchr(source, '/');
    base = base && base[1] ? base + 1 : source;
    subtitle = ct_asprintf("simulated: %ld round%s of %s, seed %llu, accept rate %g", rounds,
                           rounds == 1 ? "" : "s", base, seed, accept);
    ropts.title = cfg->network.name;
    ropts.subtitle = subtitle;
    if (subtitle == NULL || !ct_report_render(rep, format, &ropts, &out)) {
        ct_cli_error("out of memory");
        rc = EX_OSERR;
        goto out;
    }
    rc = ct_cli_write_report(&out, path);
out:
    ct_buf_free(&out);
    ct_report_free(rep);
    ct_roster_free(roster);
    free(subtitle);
    return rc;
}

const struct ct_cmd ct_cmds_simulate[] = {
    {"simulate", NULL,
     "--roster FILE --rounds N [--seed S] [--accept-rate P] [--format text|json|html] "
     "[--out FILE]",
     "the current rules over N rounds in a temporary database, then the report", simulate},
    {NULL, NULL, NULL, NULL, NULL},
};
