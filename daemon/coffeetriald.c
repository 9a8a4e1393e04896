/*
 * coffeetriald.c: the service that runs the trials: plans rounds on
 * schedule, sends them after review, retries deliveries, reads replies.
 * This file holds main(): options, configuration, the single-instance
 * lock and the store; loop.c runs the loop and jobs.c the work.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "daemon.h"
#include "jobs.h"
#include "lockfile.h"
#include "log.h"
#include "loop.h"
#include "web.h"
#include "net.h"
#include "notify.h"
#include "transport.h"
#include "util.h"

static const char usage_line[] = "usage: coffeetriald [-nv] [-c FILE] [--once]\n";

static void
usage(FILE *f)
{
    fputs(usage_line, f);
    fputs("\n"
          "  -c, --config FILE  configuration file (default $COFFEETRIAL_CONFIG, else\n"
          "                     " CT_CONFIG_DEFAULT_PATH ")\n"
          "      --once         do all work that is due now, then exit\n"
          "  -n, --check        check the configuration and exit\n"
          "  -v, --verbose      log debug lines too, whatever [log] level says\n"
          "  -h, --help         this help\n"
          "      --version      print the version\n",
          f);
}

static const struct ct_actions *
choose_actions(void)
{
#ifdef CT_TEST_HOOKS
    const char *env = getenv("COFFEETRIAL_TEST_ACTIONS");

    if (env && strcmp(env, "fake") == 0) {
        ct_log_warnx("test build: using stand-in actions (COFFEETRIAL_TEST_ACTIONS=fake)");
        return ct_actions_test();
    }
#endif
    return ct_actions_builtin();
}

/* -n: the whole configuration, schedule included, without touching the database. */
static int
check_config(const char *option)
{
    struct ct_config *cfg = NULL;
    struct ct_schedule *schedule = NULL;
    struct ct_error err;
    char *path = NULL, today[11];
    enum ct_status st;
    int rc;

    st = ct_daemon_load_config(option, &cfg, &path);
    if (st != CT_OK) {
        rc = ct_status_exit(st);
        goto done;
    }
    ct_error_clear(&err);
    st = ct_schedule_zone_date(cfg->network.timezone, ct_now(), today, &err);
    if (st == CT_OK)
        st = ct_daemon_schedule_compile(cfg, today, &schedule, NULL, &err);
    if (st != CT_OK) {
        ct_daemon_log_config_error(cfg, path, err.message);
        rc = ct_status_exit(st);
        goto done;
    }
    /* As `coffeetrial config check` says it, on stdout. */
    printf("%s: ok\n", path ? path : "built-in defaults (no configuration file)");
    rc = EX_OK;
done:
    ct_schedule_free(schedule);
    ct_config_free(cfg);
    free(path);
    return rc;
}

/*
 * The first info line: what runs, on which database, where invitations go
 * and through which proxy (no URL here carries credentials: the config
 * reader refuses them), the schedule, then the status.
 */
static void
announce_start(struct ct_daemon *d)
{
    const struct ct_config *c = d->cfg;
    struct ct_buf b;

    ct_buf_init(&b);
    ct_buf_printf(&b, "coffeetriald %s started%s: network '%s', database ", CT_VERSION,
                  d->once ? " for one pass (--once)" : "", c->network.name);
    ct_daemon_put_path(&b, ct_store_path(d->store));
    ct_buf_printf(&b, ", transport %s (", ct_transport_kind_name(c->transport.kind));
    ct_daemon_put_transport(&b, c);
    ct_buf_printf(&b, "), proxy %s; rounds %s from %s at %02d:%02d %s; ", ct_net_proxy(),
                  c->schedule.rrule, d->schedule_start, c->schedule.time_minutes / 60,
                  c->schedule.time_minutes % 60, c->network.timezone);
    ct_daemon_put_news(&b, d, ct_now());
    if (b.failed)
        ct_log_info("coffeetriald %s started", CT_VERSION);
    else
        ct_log_info("%s", b.data);
    ct_buf_free(&b);
}

static void
web_log(void *arg, const char *line)
{
    (void)arg;
    ct_log_info("%s", line);
}

/*
 * The socket systemd passed (coffeetriald-web.socket: LISTEN_PID is us,
 * LISTEN_FDS >= 1, the first at fd 3), else -1 to bind [web] listen.
 */
static int
passed_socket(void)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
    int fd = -1;

    if (pid && fds && strtol(pid, NULL, 10) == (long)getpid() && strtol(fds, NULL, 10) >= 1)
        fd = 3;
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
    return fd;
}

/*
 * The members' pages and /metrics on their own thread, when the config asks
 * for them. A listener that cannot start is logged and left off: planning
 * and delivery go on without it.
 */
static struct ct_web *
start_web(const struct ct_daemon *d)
{
    const struct ct_web_hooks hooks = {.now = ct_now, .log = web_log, .arg = NULL};
    struct ct_web *web = NULL;
    struct ct_error err;
    int fd = passed_socket();

    if (d->once || !ct_web_wanted(d->cfg)) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    ct_error_clear(&err);
    if (ct_web_start(d->cfg, fd, &hooks, &web, &err) != CT_OK) {
        ct_log_error("members' pages not served: %s", err.message);
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    ct_log_info("members' pages%s served on %s", d->cfg->web.metrics ? " and /metrics" : "",
                fd >= 0 ? "the socket systemd passed" : d->cfg->web.listen);
    return web;
}

int
main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},
        {"once", no_argument, NULL, 'o'},
        {"check", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    struct ct_daemon d;
    struct ct_web *web = NULL;
    struct ct_error err;
    bool check = false;
    enum ct_status st;
    int ch, rc = EX_OK, lock_fd = -1;

    memset(&d, 0, sizeof(d));
    while ((ch = getopt_long(argc, argv, "c:hnv", longopts, NULL)) != -1) {
        switch (ch) {
        case 'c': d.config_option = optarg; break;
        case 'o': d.once = true; break;
        case 'n': check = true; break;
        case 'v': d.verbose = true; break;
        case 'h': usage(stdout); return EX_OK;
        case 'V': printf("coffeetriald %s\n", CT_VERSION); return EX_OK;
        default: fputs(usage_line, stderr); return EX_USAGE;
        }
    }
    if (optind != argc) {
        fputs(usage_line, stderr);
        return EX_USAGE;
    }
    ct_log_init("coffeetriald", d.verbose);
    if (check)
        return check_config(d.config_option);

    st = ct_daemon_load_config(d.config_option, &d.cfg, &d.config_path);
    if (st != CT_OK)
        return ct_status_exit(st);
    if (d.config_path == NULL)
        ct_log_info("no configuration file (%s); running on the built-in defaults",
                    CT_CONFIG_DEFAULT_PATH);
    /* Once, before any transfer (roster refresh, mail, IMAP). */
    ct_error_clear(&err);
    if (ct_net_global_init(&err) != CT_OK) {
        ct_log_error("%s", err.message);
        ct_config_free(d.cfg);
        free(d.config_path);
        return EX_SOFTWARE;
    }
    ct_notify_init();
    if (ct_daemon_apply_config(&d) != CT_OK) {
        rc = EX_OSERR;
        goto done;
    }
    st = ct_lockfile_acquire(d.cfg->store.path, &lock_fd, &err);
    /* ct_store_open creates a missing database 0660 (the group's, see the unit). */
    if (st == CT_OK)
        st = ct_store_open(d.cfg->store.path, &d.store, &err);
    if (st == CT_OK)
        st = ct_daemon_schedule_init(&d, ct_now(), &err);
    if (st == CT_ECONFIG)
        ct_daemon_log_config_error(d.cfg, d.config_path, err.message);
    else if (st != CT_OK)
        ct_log_error("%s", err.message);
    if (st != CT_OK) {
        rc = ct_status_exit(st);
        goto done;
    }
    d.actions = choose_actions();
    d.jobs = ct_daemon_jobs;
    d.njobs = ct_daemon_njobs;
    d.job_state = calloc((size_t)d.njobs, sizeof(*d.job_state));
    if (d.job_state == NULL) {
        ct_log_error("out of memory");
        rc = EX_OSERR;
        goto done;
    }
    announce_start(&d);
    web = start_web(&d);
    rc = ct_daemon_loop(&d);
    ct_web_stop(web);
    ct_log_info("stopped");
done:
    ct_notify_close();
    ct_store_close(d.store);
    ct_schedule_free(d.schedule);
    ct_config_free(d.cfg);
    free(d.config_path);
    free(d.job_state);
    if (lock_fd >= 0)
        close(lock_fd);
    ct_net_global_cleanup();
    return rc;
}
