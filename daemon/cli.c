/*
 * cli.c: the shared context of coffeetrial's commands: loading the config
 * and the store on first use, printing errors the one way users see them,
 * and the one parser and help printer that read the commands' grammar.
 */
#include "cli.h"
#include "clock.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "answers.h"
#include "net.h"
#include "util.h"

void
ct_cli_error(const char *fmt, ...)
{
    va_list ap;

    fputs("coffeetrial: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
ct_cli_warn(const char *fmt, ...)
{
    va_list ap;

    fputs("coffeetrial: warning: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void
ct_cli_print_diags(const struct ct_diags *diags)
{
    size_t i;

    for (i = 0; i < diags->count; i++) {
        char *line = ct_diag_format(&diags->items[i]);
        if (line)
            fprintf(stderr, "coffeetrial: %s\n", line);
        free(line);
    }
    if (diags->count < diags->errors + diags->warnings)
        ct_cli_error("out of memory: some problems could not be listed");
}

int
ct_cli_fail(const struct ct_error *err)
{
    ct_cli_error("%s", err->message[0] ? err->message : ct_status_str(err->status));
    return ct_status_exit(err->status);
}

int
ct_cli_fail_member(struct ct_cli *cli, const struct ct_error *err, const char *const *emails,
                   size_t n)
{
    char best[512];
    struct ct_error ignored;
    size_t i, mlen = strlen(err->message);
    bool found = false;

    for (i = 0; err->status == CT_ENOTFOUND && cli->store && i < n; i++) {
        size_t elen = strlen(emails[i]);
        /* The store names the address it did not find at the end of its message. */
        if (elen > mlen || strcmp(err->message + mlen - elen, emails[i]) != 0)
            continue;
        ct_error_clear(&ignored);
        if (ct_answers_suggest_email(cli->store, emails[i], best, sizeof(best), &found, &ignored) ==
                CT_OK &&
            found)
            break;
    }
    if (!found)
        return ct_cli_fail(err);
    ct_cli_error("%s (did you mean %s?)", err->message, best);
    return ct_status_exit(err->status);
}

const char *
ct_cli_self(struct ct_cli *cli)
{
    const char *p, *path = cli->config_option;
    size_t n = 0;
    bool plain = true;

    if (path == NULL || *path == '\0')
        return "coffeetrial";
    for (p = path; *p; p++)
        if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-./,+=:@%",
                   *p) == NULL)
            plain = false;
    if (plain) {
        snprintf(cli->self, sizeof(cli->self), "coffeetrial -c %s", path);
        return cli->self;
    }
    /* 'it'\''s': single quotes, each ' closed, escaped and reopened. */
    n = (size_t)snprintf(cli->self, sizeof(cli->self), "coffeetrial -c '");
    for (p = path; *p && n + 6 < sizeof(cli->self); p++) {
        if (*p == '\'') {
            memcpy(cli->self + n, "'\\''", 4);
            n += 4;
        } else {
            cli->self[n++] = *p;
        }
    }
    snprintf(cli->self + n, sizeof(cli->self) - n, "'");
    return cli->self;
}

struct ct_config *
ct_cli_config(struct ct_cli *cli)
{
    struct ct_diags diags;
    struct ct_error err;
    enum ct_status status;
    struct stat st;
    const char *path;

    if (cli->config)
        return cli->config;
    path = cli->config_path;
    if (path == NULL && stat(CT_CONFIG_DEFAULT_PATH, &st) == 0)
        path = CT_CONFIG_DEFAULT_PATH;
    if (path == NULL) {
        /* No file anywhere: run on the embedded defaults (first runs, demos). */
        cli->config = ct_config_new_defaults();
        if (cli->config == NULL) {
            ct_cli_error("out of memory");
            cli->failed_exit = EX_OSERR;
        }
        return cli->config;
    }
    ct_diags_init(&diags);
    /* Every problem, a missing file included, arrives as a diagnostic. */
    status = ct_config_load(path, ct_now(), &cli->config, &diags);
    ct_cli_print_diags(&diags);
    ct_diags_free(&diags);
    if (cli->config == NULL)
        cli->failed_exit = ct_status_exit(status == CT_OK ? CT_ECONFIG : status);
    ct_error_clear(&err);
    /* Every transfer of this command follows [transport] proxy, as the daemon's do. */
    if (cli->config && ct_net_set_proxy(cli->config->transport.proxy, &err) != CT_OK) {
        cli->failed_exit = ct_cli_fail(&err);
        ct_config_free(cli->config);
        cli->config = NULL;
    }
    return cli->config;
}

static struct ct_store *
open_store(struct ct_cli *cli, enum ct_store_access access)
{
    struct ct_config *cfg;
    struct ct_error err;

    if (cli->store)
        return cli->store;
    cfg = ct_cli_config(cli);
    if (cfg == NULL)
        return NULL; /* failed_exit says why */
    ct_error_clear(&err);
    if (ct_store_open_for(cfg->store.path, access, &cli->store, &err) != CT_OK) {
        cli->failed_exit = ct_cli_fail(&err);
        return NULL;
    }
    return cli->store;
}

struct ct_store *
ct_cli_store(struct ct_cli *cli)
{
    return open_store(cli, CT_STORE_WRITE);
}

struct ct_store *
ct_cli_store_read(struct ct_cli *cli)
{
    return open_store(cli, CT_STORE_READ);
}

void
ct_cli_json_string(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");

    fputc('"', f);
    for (; *p; p++) {
        switch (*p) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (*p < 0x20 || *p == 0x7f)
                fprintf(f, "\\u%04x", *p);
            else
                fputc(*p, f);
        }
    }
    fputc('"', f);
}

/* --- the one option parser ----------------------------------------------------- */

#define WIDTH 80

static const struct ct_cli_option format_option = {"format", 'f', NULL, "output format"};
static const struct ct_cli_option help_option = {"help", 'h', NULL, "print this help and exit"};

/*
 * The options cmd accepts, in the order help lists them: its own, then
 * --format if it has formats, then --help. OUT: opts; returns how many.
 * Index i < CT_CLI_MAX_OPTIONS of an own option is its index in values.
 */
static size_t
all_options(const struct ct_cmd *cmd, const struct ct_cli_option **opts)
{
    size_t n = 0, i;

    for (i = 0; i < CT_CLI_MAX_OPTIONS && cmd->options[i].name; i++)
        opts[n++] = &cmd->options[i];
    if (cmd->formats)
        opts[n++] = &format_option;
    opts[n++] = &help_option;
    return n;
}

bool
ct_cli_suggest(const char *word, const char *const *candidates, size_t n, const char *prefix,
               char *out, size_t size)
{
    size_t best = 3, i, len = strlen(word), used = 0, found = 0, d;

    *out = '\0';
    for (i = 0; i < n; i++) {
        d = ct_edit_distance(word, candidates[i]);
        if (d < best && d < len)
            best = d;
    }
    if (best > 2) {
        /* No near spelling: the one name the word begins ("rou" for "round"). */
        for (i = 0; i < n && len > 0; i++)
            if (strncmp(candidates[i], word, len) == 0)
                found++;
        if (found != 1)
            return false;
        for (i = 0; strncmp(candidates[i], word, len) != 0; i++)
            ;
        snprintf(out, size, "'%s%s'", prefix, candidates[i]);
        return true;
    }
    for (i = 0; i < n; i++) {
        if (ct_edit_distance(word, candidates[i]) != best)
            continue;
        used += (size_t)snprintf(out + used, used < size ? size - used : 0, "%s'%s%s'",
                                 used ? " or " : "", prefix, candidates[i]);
    }
    return used > 0;
}

/* Print the parse error, the usage line, and return EX_USAGE. */
static int parse_fail(const struct ct_cmd *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int
parse_fail(const struct ct_cmd *cmd, const char *fmt, ...)
{
    va_list ap;

    fputs("coffeetrial: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return ct_cli_usage(cmd);
}

/* Record option opts[i] = value (a flag: ""). */
static void
set_option(struct ct_args *args, const struct ct_cli_option *opt, size_t i, const char *value)
{
    if (opt == &help_option)
        args->help = true;
    else if (opt == &format_option)
        args->format = value;
    else
        args->values[i] = value;
}

/*
 * One "--name", "--name=value" or "--name value" at argv[*i]: exact names
 * first, else a unique prefix. Advances *i past a separate value.
 */
static int
parse_long(struct ct_args *args, const struct ct_cli_option **opts, size_t n, int argc, char **argv,
           int *i)
{
    const char *word = argv[*i] + 2, *eq = strchr(word, '='), *names[CT_CLI_MAX_OPTIONS + 2];
    size_t len = eq ? (size_t)(eq - word) : strlen(word), k, match = n, matches = 0;
    char name[64], hint[160];

    for (k = 0; k < n; k++) {
        names[k] = opts[k]->name;
        if (strncmp(opts[k]->name, word, len) != 0)
            continue;
        if (opts[k]->name[len] == '\0') {
            match = k, matches = 1;
            break;
        }
        match = k, matches++;
    }
    if (matches > 1) {
        size_t used = 0;

        for (k = 0; k < n; k++)
            if (strncmp(opts[k]->name, word, len) == 0 && used < sizeof(hint))
                used += (size_t)snprintf(hint + used, sizeof(hint) - used, "%s--%s",
                                         used ? ", " : "", opts[k]->name);
        return parse_fail(args->cmd, "option '--%.*s' is ambiguous (%s)", (int)len, word, hint);
    }
    if (matches == 0) {
        snprintf(name, sizeof(name), "%.*s", (int)len, word);
        if (ct_cli_suggest(name, names, n, "--", hint, sizeof(hint)))
            return parse_fail(args->cmd, "unknown option '--%s' (did you mean %s?)", name, hint);
        return parse_fail(args->cmd, "unknown option '--%s'", name);
    }
    if (opts[match]->arg == NULL && opts[match] != &format_option) {
        if (eq)
            return parse_fail(args->cmd, "option '--%s' takes no value", opts[match]->name);
        set_option(args, opts[match], match, "");
    } else if (eq) {
        set_option(args, opts[match], match, eq + 1);
    } else if (*i + 1 < argc) {
        set_option(args, opts[match], match, argv[++*i]);
    } else {
        return parse_fail(args->cmd, "option '--%s' needs a value", opts[match]->name);
    }
    return EX_OK;
}

/* A cluster of short options at argv[*i]: "-v", "-fjson", "-f json". */
static int
parse_short(struct ct_args *args, const struct ct_cli_option **opts, size_t n, int argc,
            char **argv, int *i)
{
    const char *p = argv[*i] + 1;
    size_t k;

    for (; *p; p++) {
        for (k = 0; k < n && opts[k]->letter != *p; k++)
            ;
        if (k == n)
            return parse_fail(args->cmd, "unknown option '-%c'", *p);
        if (opts[k]->arg == NULL && opts[k] != &format_option) {
            set_option(args, opts[k], k, "");
            continue;
        }
        if (p[1])
            set_option(args, opts[k], k, p + 1);
        else if (*i + 1 < argc)
            set_option(args, opts[k], k, argv[++*i]);
        else
            return parse_fail(args->cmd, "option '-%c' needs a value", *p);
        break;
    }
    return EX_OK;
}

/* Whether value is one of the '|'-separated words of list. */
static bool
in_list(const char *value, const char *list)
{
    size_t len = strlen(value);
    const char *p = list;

    while (*p) {
        const char *end = strchr(p, '|');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        if (n == len && strncmp(p, value, n) == 0)
            return true;
        p += n + (end ? 1 : 0);
    }
    return false;
}

int
ct_cli_parse(const struct ct_cmd *cmd, int argc, char **argv, struct ct_args *args)
{
    const struct ct_cli_option *opts[CT_CLI_MAX_OPTIONS + 2];
    size_t n = all_options(cmd, opts);
    bool options_end = false;
    int i, rc;

    memset(args, 0, sizeof(*args));
    args->cmd = cmd;
    args->operands = argv;
    /* Operands are moved to the front of argv, in order, as getopt permutes. */
    for (i = 0; i < argc; i++) {
        const char *a = argv[i];

        if (options_end || a[0] != '-' || a[1] == '\0') {
            argv[args->count++] = argv[i];
            /* The global options end at the command's name. */
            options_end = cmd->options_first;
            continue;
        }
        if (strcmp(a, "--") == 0)
            options_end = true;
        else if ((rc = a[1] == '-' ? parse_long(args, opts, n, argc, argv, &i)
                                   : parse_short(args, opts, n, argc, argv, &i)) != EX_OK)
            return rc;
    }
    if (args->help)
        return EX_OK;
    if (cmd->formats && args->format && !in_list(args->format, cmd->formats)) {
        const char *p;

        /* "text|json" is said "(text, json)". */
        fprintf(stderr, "coffeetrial: --format: unknown format '%s' (", args->format);
        for (p = cmd->formats; *p; p++)
            if (*p == '|')
                fputs(", ", stderr);
            else
                fputc(*p, stderr);
        fputs(")\n", stderr);
        return EX_USAGE;
    }
    if (cmd->formats && args->format == NULL) {
        size_t len = strcspn(cmd->formats, "|");

        snprintf(args->default_format, sizeof(args->default_format), "%.*s", (int)len,
                 cmd->formats);
        args->format = args->default_format;
    }
    if (args->count < cmd->min_operands ||
        (cmd->max_operands >= 0 && args->count > cmd->max_operands))
        return ct_cli_usage(cmd);
    return EX_OK;
}

const char *
ct_args_get(const struct ct_args *args, const char *name)
{
    size_t i;

    for (i = 0; i < CT_CLI_MAX_OPTIONS && args->cmd->options[i].name; i++)
        if (strcmp(args->cmd->options[i].name, name) == 0)
            return args->values[i];
    /* A name the table does not have is a bug in the command, not the user's. */
    fprintf(stderr, "coffeetrial: internal error: %s %s has no option --%s\n",
            args->cmd->group ? args->cmd->group : "", args->cmd->name ? args->cmd->name : "", name);
    abort();
}

bool
ct_args_has(const struct ct_args *args, const char *name)
{
    return ct_args_get(args, name) != NULL;
}

/* --- help ------------------------------------------------------------------------ */

/*
 * The next token of a usage or help text at *p: a word, a [bracketed
 * group], or an option with its argument ("--until YYYY-MM-DD"), so that
 * wrapping never separates them. OUT: *len; NULL at the end.
 */
static const char *
next_token(const char **p, size_t *len)
{
    const char *s = *p, *e;
    int depth = 0;

    while (*s == ' ')
        s++;
    if (*s == '\0')
        return NULL;
    for (e = s; *e && (depth > 0 || *e != ' '); e++)
        depth += *e == '[' ? 1 : *e == ']' ? -1 : 0;
    /* "--met yes|no": an option word keeps its argument word. */
    if (s[0] == '-' && e[0] == ' ' && e[1] && e[1] != '-' && e[1] != '[')
        for (e++; *e && *e != ' '; e++)
            ;
    *len = (size_t)(e - s);
    *p = e;
    return s;
}

void
ct_cli_wrap(FILE *f, const char *first, size_t indent, const char *text)
{
    size_t col = ct_utf8_width(first), len;
    const char *p = text, *tok;
    bool space = false;

    fputs(first, f);
    while ((tok = next_token(&p, &len)) != NULL) {
        char word[256];
        size_t w;

        snprintf(word, sizeof(word), "%.*s", (int)len, tok);
        w = ct_utf8_width(word);
        if (col > indent && col + (space ? 1 : 0) + w > WIDTH) {
            fprintf(f, "\n%*s", (int)indent, "");
            col = indent;
            space = false;
        }
        if (space)
            fputc(' ', f), col++;
        fputs(word, f);
        col += w;
        space = true;
    }
    fputc('\n', f);
}

void
ct_cli_print_usage(FILE *f, const struct ct_cmd *cmd, const char *lead)
{
    char first[128];

    snprintf(first, sizeof(first), "%scoffeetrial%s%s%s%s%s", lead, cmd->group ? " " : "",
             cmd->group ? cmd->group : "", cmd->name ? " " : "", cmd->name ? cmd->name : "",
             cmd->args[0] ? " " : "");
    ct_cli_wrap(f, first, strlen(first), cmd->args);
}

int
ct_cli_usage(const struct ct_cmd *cmd)
{
    ct_cli_print_usage(stderr, cmd, "usage: ");
    return EX_USAGE;
}

/* "-v, --verbose", "    --date YYYY-MM-DD": an option as help lists it. */
static void
option_spec(const struct ct_cmd *cmd, const struct ct_cli_option *opt, char *out, size_t size)
{
    const char *arg = opt == &format_option ? cmd->formats : opt->arg;

    snprintf(out, size, "%c%c%c --%s%s%s", opt->letter ? '-' : ' ', opt->letter ? opt->letter : ' ',
             opt->letter ? ',' : ' ', opt->name, arg ? " " : "", arg ? arg : "");
}

void
ct_cli_print_help(FILE *f, const struct ct_cmd *cmd)
{
    const struct ct_cli_option *opts[CT_CLI_MAX_OPTIONS + 2];
    size_t n = all_options(cmd, opts), i, col = 0;
    char spec[96], first[128];

    ct_cli_print_usage(f, cmd, "usage: ");
    fputc('\n', f);
    ct_cli_wrap(f, "", 0, cmd->summary);
    fputs("\noptions:\n", f);
    for (i = 0; i < n; i++) {
        option_spec(cmd, opts[i], spec, sizeof(spec));
        if (strlen(spec) > col)
            col = strlen(spec);
    }
    /* Help text in one column, unless an option is too long for it. */
    if (col > 28)
        col = 28;
    for (i = 0; i < n; i++) {
        option_spec(cmd, opts[i], spec, sizeof(spec));
        if (strlen(spec) > col) {
            fprintf(f, "  %s\n", spec);
            snprintf(first, sizeof(first), "%*s", (int)col + 4, "");
        } else {
            snprintf(first, sizeof(first), "  %-*s  ", (int)col, spec);
        }
        if (opts[i] == &format_option) {
            char text[64];

            snprintf(text, sizeof(text), "output format (default: %.*s)",
                     (int)strcspn(cmd->formats, "|"), cmd->formats);
            ct_cli_wrap(f, first, col + 4, text);
        } else {
            ct_cli_wrap(f, first, col + 4, opts[i]->help);
        }
    }
    fputs("\nSee coffeetrial(1).\n", f);
}
