/*
 * coffeetriald.c: the service that runs the trials: plans rounds on
 * schedule, sends invites, retries, ingests replies. For now it parses its
 * options and checks the configuration; the loop comes with its own issue.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "config.h"

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"help", no_argument, NULL, 'h'},   {"version", no_argument, NULL, 'V'},
        {"config", required_argument, NULL, 'c'}, {"once", no_argument, NULL, 'o'},
        {"check", no_argument, NULL, 'n'},  {NULL, 0, NULL, 0},
    };
    const char *path = NULL;
    struct ct_config *cfg = NULL;
    struct ct_diags diags;
    enum ct_status st;
    int ch;

    while ((ch = getopt_long(argc, argv, "c:hn", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': path = optarg; break;
        case 'n': break;
        case 'o': break;
        case 'h':
            printf("usage: coffeetriald [-c FILE] [--once] [-n|--check]\n");
            return EX_OK;
        case 'V': printf("coffeetriald %s\n", CT_VERSION); return EX_OK;
        default:
            fprintf(stderr, "usage: coffeetriald [-c FILE] [--once] [-n|--check]\n");
            return EX_USAGE;
        }
    }
    if (optind != argc) {
        fprintf(stderr, "usage: coffeetriald [-c FILE] [--once] [-n|--check]\n");
        return EX_USAGE;
    }
    path = ct_config_default_path(path);
    ct_diags_init(&diags);
    st = ct_config_load(path, &cfg, &diags);
    for (size_t i = 0; i < diags.count; i++) {
        char *line = ct_diag_format(&diags.items[i]);
        fprintf(stderr, "coffeetriald: %s\n", line ? line : "out of memory");
        free(line);
    }
    ct_diags_free(&diags);
    ct_config_free(cfg);
    return st == CT_OK ? EX_OK : ct_status_exit(st);
}
