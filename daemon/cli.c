/*
 * cli.c: the shared context of coffeetrial's commands: loading the config
 * and the store on first use, and printing errors the one way users see them.
 */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

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
ct_cli_usage(const struct ct_cmd *cmd)
{
    fprintf(stderr, "usage: coffeetrial %s%s%s%s%s\n", cmd->group, cmd->name ? " " : "",
            cmd->name ? cmd->name : "", cmd->args[0] ? " " : "", cmd->args);
    return EX_USAGE;
}

struct ct_config *
ct_cli_config(struct ct_cli *cli)
{
    struct ct_diags diags;
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
    status = ct_config_load(path, &cli->config, &diags);
    ct_cli_print_diags(&diags);
    ct_diags_free(&diags);
    if (cli->config == NULL)
        cli->failed_exit = ct_status_exit(status == CT_OK ? CT_ECONFIG : status);
    return cli->config;
}

struct ct_store *
ct_cli_store(struct ct_cli *cli)
{
    struct ct_config *cfg;
    struct ct_error err;

    if (cli->store)
        return cli->store;
    cfg = ct_cli_config(cli);
    if (cfg == NULL)
        return NULL; /* failed_exit says why */
    ct_error_clear(&err);
    if (ct_store_open(cfg->store.path, &cli->store, &err) != CT_OK) {
        cli->failed_exit = ct_cli_fail(&err);
        return NULL;
    }
    return cli->store;
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
