/*
 * coffeetriald.c: the service that runs the trials: plans rounds on
 * schedule, sends invites, retries, ingests replies. For now it parses its
 * options and checks the configuration; the loop comes with its own issue.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "config.h"

#define USAGE "usage: coffeetriald [-c FILE] [--once] [-n|--check]\n"

/*
 * Read and check the configuration as the service will use it: the INI
 * file and every secret and CA file it names. Prints every problem as
 * "coffeetriald: FILE:LINE: message". Returns a sysexits code; OUT: *out
 * on EX_OK.
 */
static int
load_config(const char *path, struct ct_config **out)
{
    struct ct_diags diags;
    enum ct_status st;

    ct_diags_init(&diags);
    st = ct_config_load(path, out, &diags);
    if (st == CT_OK)
        st = ct_config_check_files(*out, &diags);
    for (size_t i = 0; i < diags.count; i++) {
        char *line = ct_diag_format(&diags.items[i]);
        fprintf(stderr, "coffeetriald: %s\n", line ? line : "out of memory");
        free(line);
    }
    ct_diags_free(&diags);
    if (st != CT_OK) {
        ct_config_free(*out);
        *out = NULL;
        return st == CT_ENOINPUT ? EX_NOINPUT : st == CT_ENOMEM ? EX_OSERR : EX_CONFIG;
    }
    return EX_OK;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},         {"version", no_argument, NULL, 'V'},
        {"config", required_argument, NULL, 'c'}, {"once", no_argument, NULL, 'o'},
        {"check", no_argument, NULL, 'n'},        {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    struct ct_config *cfg = NULL;
    bool check_only = false;
    int ch, rc;

    while ((ch = getopt_long(argc, argv, "c:hn", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            path = optarg;
            break;
        case 'n':
            check_only = true;
            break;
        case 'o':
            break;
        case 'h':
            printf(USAGE);
            return EX_OK;
        case 'V':
            printf("coffeetriald %s\n", CT_VERSION);
            return EX_OK;
        default:
            fprintf(stderr, USAGE);
            return EX_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, USAGE);
        return EX_USAGE;
    }
    path = ct_config_default_path(path);
    rc = load_config(path, &cfg);
    if (rc == EX_OK && check_only)
        printf("%s: ok\n", path);
    ct_config_free(cfg);
    return rc;
}
