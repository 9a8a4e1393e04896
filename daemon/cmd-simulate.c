/*
 * cmd-simulate.c: "coffeetrial simulate": the current config's rules over N
 * rounds of a roster in a temporary database, with simulated answers and
 * meetings, ending with the same report as "coffeetrial report". The real
 * database is never opened.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "clock.h"
#include "fetch.h"
#include "rc.h"
#include "report.h"
#include "roster.h"
#include "simulate.h"
#include "simulate_rounds.h"
#include "util.h"

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

/*
 * The numbers of simulate's options, checked. OUT: *rounds (0 if absent),
 * *seed, *accept (their defaults if absent). EX_OK or EX_USAGE after saying why.
 */
static int
simulate_numbers(const struct ct_args *args, long *rounds, unsigned long long *seed, double *accept)
{
    const char *v;
    char *end;

    if ((v = ct_args_get(args, "rounds")) != NULL) {
        errno = 0;
        *rounds = strtol(v, &end, 10);
        if (errno || *end || end == v || *rounds < 1 || *rounds > MAX_ROUNDS) {
            ct_cli_error("--rounds: '%s' is not a number from 1 to %d", v, MAX_ROUNDS);
            return EX_USAGE;
        }
    }
    if ((v = ct_args_get(args, "seed")) != NULL) {
        errno = 0;
        *seed = strtoull(v, &end, 10);
        if (errno || *end || end == v || v[0] == '-') {
            ct_cli_error("--seed: '%s' is not a whole number from 0 to %llu", v,
                         (unsigned long long)UINT64_MAX);
            return EX_USAGE;
        }
    }
    if ((v = ct_args_get(args, "accept-rate")) != NULL) {
        errno = 0;
        *accept = strtod(v, &end);
        if (errno || *end || end == v || !isfinite(*accept) || *accept < 0.0 || *accept > 1.0) {
            ct_cli_error("--accept-rate: '%s' is not a number from 0 to 1", v);
            return EX_USAGE;
        }
    }
    return EX_OK;
}

/* --dropout P: a number from 0 to 1. OUT: *dropout. */
static int
simulate_dropout_arg(const struct ct_args *args, double *dropout)
{
    const char *v = ct_args_get(args, "dropout");
    char *end;

    if (v == NULL)
        return EX_OK;
    errno = 0;
    *dropout = strtod(v, &end);
    if (errno || *end || end == v || !isfinite(*dropout) || *dropout < 0.0 || *dropout > 1.0) {
        ct_cli_error("--dropout: '%s' is not a number from 0 to 1", v);
        return EX_USAGE;
    }
    return EX_OK;
}

/*
 * With members dropping out: simulate with re-match and without, and say
 * the reach of each against its bound, into out (text), else on standard
 * error.
 */
static int
simulate_dropout(struct ct_simulate_options *opts, const struct ct_simulate_rounds *planner,
                 struct ct_buf *out)
{
    struct ct_report *rep[2] = {NULL, NULL};
    struct ct_buf err_text, *b = out;
    struct ct_error err;
    bool rematch = opts->rematch;
    int rc = EX_OK;
    size_t k;

    ct_error_clear(&err);
    for (k = 0; k < 2 && rc == EX_OK; k++) {
        opts->rematch = k == 0;
        if (ct_simulate_run(opts, planner, &rep[k], &err) != CT_OK)
            rc = ct_cli_fail(&err);
    }
    opts->rematch = rematch;
    ct_buf_init(&err_text);
    if (b == NULL)
        b = &err_text;
    if (rc == EX_OK)
        ct_buf_printf(b,
                      "Reach with %g of members dropping out of each round, after %d rounds:\n"
                      "  %.2f of its bound %.2f with re-match; %.2f of its bound %.2f "
                      "without\n\n",
                      opts->dropout, opts->rounds, rep[0]->reach, rep[0]->reach_bound,
                      rep[1]->reach, rep[1]->reach_bound);
    if (b == &err_text)
        fputs(err_text.data ? err_text.data : "", stderr);
    ct_buf_free(&err_text);
    ct_report_free(rep[0]);
    ct_report_free(rep[1]);
    return rc;
}

/* The weak links of the report's latest wave, and how many had a meeting. */
static void
weak_links_met(const struct ct_report *rep, size_t *met, size_t *weak)
{
    size_t i, j;

    *met = *weak = 0;
    for (i = 0; i < rep->rc_count; i++) {
        long n = 0;
        if (!(rep->rc_links[i].strength < CT_RC_WEAK))
            continue;
        (*weak)++;
        for (j = 0; j < rep->rounds_count; j++)
            n += rep->rc_links[i].meetings[j];
        *met += n > 0;
    }
}

/*
 * Simulate once more without weight_coordination, and say how many weak
 * links got a conversation with and without it: into out (text), else on
 * standard error. Loads the survey into opts (opts->rc_*); *data is freed
 * by the caller.
 */
static int
simulate_rc(struct ct_simulate_options *opts, const struct ct_simulate_rounds *planner,
            const char *path, struct ct_buf *out, char **data)
{
    struct ct_diags diags;
    struct ct_config without = *opts->cfg;
    const struct ct_config *with = opts->cfg;
    struct ct_report *rep[2] = {NULL, NULL};
    struct ct_error err;
    size_t len = 0, met[2], weak[2], k;
    int rc = EX_OK;

    ct_error_clear(&err);
    ct_diags_init(&diags);
    if (ct_file_read(path, CT_RC_MAX_BYTES, data, &len, &err) != CT_OK)
        return ct_cli_fail(&err);
    opts->rc_name = path;
    opts->rc_data = *data;
    opts->rc_len = len;
    opts->rc_diags = &diags;
    without.pairing.weight[CT_W_COORDINATION] = 0;
    for (k = 0; k < 2 && rc == EX_OK; k++) {
        opts->cfg = k == 0 ? with : &without;
        if (ct_simulate_run(opts, planner, &rep[k], &err) != CT_OK) {
            ct_cli_print_diags(&diags);
            rc = ct_cli_fail(&err);
        } else {
            weak_links_met(rep[k], &met[k], &weak[k]);
        }
    }
    opts->cfg = with;
    if (rc == EX_OK) {
        struct ct_buf err_text, *b = out;
        ct_buf_init(&err_text);
        if (b == NULL)
            b = &err_text;
        ct_buf_printf(b,
                      "Weak links (below %.1f) of %s with a conversation within %d rounds:\n"
                      "  %zu of %zu with weight_coordination %g; %zu of %zu without it\n\n",
                      CT_RC_WEAK, path, opts->rounds, met[0], weak[0],
                      with->pairing.weight[CT_W_COORDINATION], met[1], weak[1]);
        if (b == &err_text)
            fputs(err_text.data ? err_text.data : "", stderr);
        ct_buf_free(&err_text);
    }
    ct_report_free(rep[0]);
    ct_report_free(rep[1]);
    ct_diags_free(&diags);
    return rc;
}

static int
simulate(struct ct_cli *cli, const struct ct_args *args)
{
    const struct ct_cmd *self = args->cmd;
    struct ct_simulate_options opts = {0};
    struct ct_simulate_rounds planner = ct_simulate_rounds_real();
    enum ct_report_format format = CT_REPORT_TEXT;
    struct ct_report_options ropts = {0};
    struct ct_roster *roster = NULL;
    struct ct_report *rep = NULL;
    struct ct_config *cfg;
    struct ct_error err;
    struct ct_buf out;
    const char *source = ct_args_get(args, "roster"), *path = ct_args_get(args, "out"), *base;
    const char *rc_path = ct_args_get(args, "rc");
    char *rc_data = NULL;
    char *subtitle = NULL;
    bool tty = isatty(STDERR_FILENO) == 1;
    long rounds = 0;
    unsigned long long seed = DEFAULT_SEED;
    double accept = DEFAULT_ACCEPT;
    enum ct_status st;
    int rc;

    ct_buf_init(&out);
    if ((rc = simulate_numbers(args, &rounds, &seed, &accept)) != EX_OK ||
        (rc = simulate_dropout_arg(args, &opts.dropout)) != EX_OK)
        return rc;
    /* The parser checked the name against .formats (no csv). */
    (void)ct_report_format_parse(args->format, &format);
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
    opts.rematch = cfg->pairing.rematch != 0;
    opts.now = ct_now();
    if (tty) {
        opts.progress = progress;
        progress(NULL, 0, opts.rounds);
    }
    ct_error_clear(&err);
    if (rc_path != NULL &&
        (rc = simulate_rc(&opts, &planner, rc_path, format == CT_REPORT_TEXT ? &out : NULL,
                          &rc_data)) != EX_OK)
        goto out;
    if (opts.dropout > 0.0 &&
        (rc = simulate_dropout(&opts, &planner, format == CT_REPORT_TEXT ? &out : NULL)) != EX_OK)
        goto out;
    opts.release_roster = &roster; /* the last run: the rounds need not keep it */
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
    free(rc_data);
    return rc;
}

const struct ct_cmd ct_cmds_simulate[] = {
    {
        .group = "simulate",
        .args = "--roster FILE --rounds N [--seed S] [--accept-rate P] [--dropout P] "
                "[--format text|json|html] [--out FILE] [--rc FILE]",
        .summary = "the current rules over N rounds in a temporary database, then the report",
        .options =
            {
                {"roster", 0, "FILE", "the members to simulate (required)"},
                {"rounds", 0, "N", "how many rounds, 1 to 120 (required)"},
                {"seed", 0, "S", "the same S gives the same simulation (default 1)"},
                {"accept-rate", 0, "P", "the chance a member accepts (default 0.8)"},
                {"dropout", 0, "P",
                 "the chance a member drops out of a round once invited, re-matched as "
                 "[pairing] rematch says; prints reach with and without re-match (default 0)"},
                {"out", 0, "FILE", "write to FILE, atomically (default: standard output)"},
                {"rc", 0, "FILE",
                 "a Relational Coordination survey: weak links met with and without the weight"},
            },
        .formats = "text|json|html",
        .exec = simulate,
    },
    {0},
};
