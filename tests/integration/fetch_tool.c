/*
 * fetch_tool.c: "outcome fetch" without the INI reader, for the IMAP
 * integration test: builds the IMAP options from its arguments, fetches,
 * prints the same summary line and exits with the same code as the CLI.
 * (Switch the test to "coffeetrial -c FILE outcome fetch" once the INI
 * reader is on main; then this tool can go.)
 *
 *   fetch_tool init DB
 *   fetch_tool fetch DB URL USERNAME PASSWORD_FILE [CA_FILE]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "replies.h"
#include "store.h"
#include "util.h"

static void
print_log(void *arg, enum ct_replies_level level, const char *line)
{
    (void)arg;
    if (level != CT_REPLIES_INFO)
        fprintf(stderr, "fetch_tool: %s%s\n", level == CT_REPLIES_WARNING ? "warning: " : "",
                line);
}

int
main(int argc, char **argv)
{
    struct ct_replies_hooks hooks = {print_log, NULL, NULL, NULL};
    struct ct_replies_policy policy = {3, 14 * 86400};
    struct ct_imap_options options = {0};
    struct ct_replies_stats stats;
    struct ct_store *store = NULL;
    struct ct_error err;
    char *password = NULL, *line;
    size_t len = 0;
    enum ct_status st;

    ct_error_clear(&err);
    if (argc == 3 && strcmp(argv[1], "init") == 0) {
        st = ct_store_open(argv[2], &store, &err);
        ct_store_close(store);
        if (st != CT_OK)
            fprintf(stderr, "fetch_tool: %s\n", err.message);
        return ct_status_exit(st);
    }
    if ((argc != 6 && argc != 7) || strcmp(argv[1], "fetch") != 0) {
        fprintf(stderr, "usage: fetch_tool init DB | fetch DB URL USER PASSWORD_FILE [CA]\n");
        return 64;
    }
    st = ct_file_read(argv[5], 4096, &password, &len, &err);
    if (st == CT_OK) {
        while (len > 0 && password[len - 1] == '\n')
            password[--len] = '\0';
        st = ct_store_open(argv[2], &store, &err);
    }
    if (st == CT_OK) {
        options.url = argv[3];
        options.username = argv[4];
        options.password = password;
        options.ca_file = argc == 7 ? argv[6] : NULL;
        options.timeout = 10;
        st = ct_replies_fetch(store, &options, ct_now(), &hooks, &stats, &err);
        if (st == CT_OK || stats.fetched > 0) {
            line = ct_replies_stats_format(&stats);
            printf("%s\n", line ? line : "out of memory");
            free(line);
        }
    }
    if (st == CT_OK)
        st = ct_replies_close_windows(store, ct_now(), &policy, &hooks, NULL, &err);
    if (st != CT_OK)
        fprintf(stderr, "fetch_tool: %s\n", err.message);
    ct_store_close(store);
    free(password);
    return ct_status_exit(st);
}
