/*
 * cmd-config.c: "coffeetrial config check": validate the configuration
 * and print every problem as FILE:LINE: message.
 */
#include <sysexits.h>

#include "cli.h"

static int
config_check(struct ct_cli *cli, int argc, char **argv)
{
    if (argc != 1)
        return ct_cli_usage(&ct_cmds_config[0]);
    if (ct_cli_config(cli) == NULL)
        return EX_CONFIG;
    printf("%s: ok\n", cli->config->path ? cli->config->path : "built-in defaults");
    return EX_OK;
}

const struct ct_cmd ct_cmds_config[] = {
    {"config", "check", "", "validate the configuration file", config_check},
    {NULL, NULL, NULL, NULL, NULL},
};
