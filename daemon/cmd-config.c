/*
 * cmd-config.c: "coffeetrial config check" validates the configuration and
 * prints every problem as FILE:LINE: message; "config show" prints the
 * configuration in effect (secret files by name, never their content).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "cli.h"
#include "clock.h"

/*
 * Load the file to check: FILE if given, else -c / $COFFEETRIAL_CONFIG, else
 * the default path if it exists, else the built-in defaults. Prints every
 * problem; with check_files also checks secret and CA files. Returns a
 * sysexits code; OUT: *out on EX_OK (the caller frees it).
 */
static int
load_config(struct ct_cli *cli, const char *file, bool check_files, struct ct_config **out,
            size_t *warnings)
{
    struct ct_diags diags;
    struct stat st;
    const char *path = file ? file : cli->config_path;
    enum ct_status status;
    int rc = EX_OK;

    *out = NULL;
    *warnings = 0;
    if (path == NULL && stat(CT_CONFIG_DEFAULT_PATH, &st) == 0)
        path = CT_CONFIG_DEFAULT_PATH;
    if (path == NULL) {
        *out = ct_config_new_defaults();
        if (*out == NULL) {
            ct_cli_error("out of memory");
            return EX_OSERR;
        }
        return EX_OK;
    }
    ct_diags_init(&diags);
    status = ct_config_load(path, ct_now(), out, &diags);
    if (status == CT_OK && check_files)
        status = ct_config_check_files(*out, &diags);
    ct_cli_print_diags(&diags);
    *warnings = diags.warnings;
    if (status != CT_OK) {
        rc = status == CT_ENOINPUT ? EX_NOINPUT : status == CT_ENOMEM ? EX_OSERR : EX_CONFIG;
        ct_config_free(*out);
        *out = NULL;
    }
    ct_diags_free(&diags);
    return rc;
}

static int
config_check(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_config *cfg;
    size_t warnings;
    int rc;

    rc = load_config(cli, args->count == 1 ? args->operands[0] : NULL, true, &cfg, &warnings);
    if (rc != EX_OK)
        return rc;
    if (cfg->path == NULL)
        printf("built-in defaults: ok (no configuration file: %s does not exist)\n",
               CT_CONFIG_DEFAULT_PATH);
    else if (warnings)
        printf("%s: ok, %zu warning%s\n", cfg->path, warnings, warnings == 1 ? "" : "s");
    else
        printf("%s: ok\n", cfg->path);
    ct_config_free(cfg);
    return EX_OK;
}

static int
config_show(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_config *cfg;
    size_t warnings;
    char *text;
    int rc;

    rc = load_config(cli, args->count == 1 ? args->operands[0] : NULL, false, &cfg, &warnings);
    if (rc != EX_OK)
        return rc;
    text = ct_config_format(cfg);
    ct_config_free(cfg);
    if (text == NULL) {
        ct_cli_error("out of memory");
        return EX_OSERR;
    }
    fputs(text, stdout);
    free(text);
    return EX_OK;
}

const struct ct_cmd ct_cmds_config[] = {
    {
        .group = "config",
        .name = "check",
        .args = "[FILE]",
        .summary = "validate the configuration; every problem as FILE:LINE",
        .max_operands = 1,
        .exec = config_check,
    },
    {
        .group = "config",
        .name = "show",
        .args = "[FILE]",
        .summary = "print the configuration in effect (secrets by file name only)",
        .max_operands = 1,
        .exec = config_show,
    },
    {0},
};
