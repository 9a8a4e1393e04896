/*
 * loop.c: coffeetriald's event loop, in the manner of OpenBSD's ntpd and
 * Redis's ae.c: one thread, one poll(). Signal handlers only set flags and
 * write a byte to a self-pipe that wakes poll(); the loop runs every job
 * that is due, then sleeps until the earliest next due time, the next
 * watchdog ping, or a signal.
 */
#include <errno.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "config_path.h"
#include "daemon.h"
#include "jobs.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "util.h"

/*
 * The longest sleep, even with nothing due. Two things can add work that
 * no timer announces: the CLI queueing invites (`round send`) in the
 * shared database, and the wall clock being changed or the machine
 * suspended. Waking once a minute bounds the delay for both and costs one
 * indexed query.
 */
#define MAX_SLEEP_SECONDS 60

/* A job that is still due right after running (say, outbox rows another process claimed)
 * waits this long before running again, so the loop never spins. */
#define STILL_DUE_GAP 30

/* Back-off after a failed run: doubling from MIN to MAX. */
#define BACKOFF_MIN 60
#define BACKOFF_MAX 3600

/* --once repeats passes while jobs make more work due (plan, send, deliver); at most this many. */
#define ONCE_MAX_PASSES 8

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;
static int wake_pipe[2] = {-1, -1};

static void
on_signal(int sig)
{
    int saved = errno;
    ssize_t unused;

    if (sig == SIGHUP)
        reload_requested = 1;
    else
        stop_requested = 1;
    /* Full pipe: a wake-up is already pending, which is all we need. */
    unused = write(wake_pipe[1], "", 1);
    (void)unused;
    errno = saved;
}

static int
signals_setup(void)
{
    struct sigaction sa;

    if (pipe(wake_pipe) != 0)
        return -1;
    for (int i = 0; i < 2; i++)
        if (fcntl(wake_pipe[i], F_SETFD, FD_CLOEXEC) != 0 ||
            fcntl(wake_pipe[i], F_SETFL, O_NONBLOCK) != 0)
            return -1;
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    /* SA_RESTART: a signal must not abort the write or connect in flight. */
    sa.sa_flags = SA_RESTART;
    sa.sa_handler = on_signal;
    if (sigaction(SIGHUP, &sa, NULL) != 0 || sigaction(SIGTERM, &sa, NULL) != 0 ||
        sigaction(SIGINT, &sa, NULL) != 0)
        return -1;
    sa.sa_handler = SIG_IGN;
    return sigaction(SIGPIPE, &sa, NULL);
}

static void
signals_teardown(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = SIG_DFL;
    sigaction(SIGHUP, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    for (int i = 0; i < 2; i++) {
        if (wake_pipe[i] >= 0)
            close(wake_pipe[i]);
        wake_pipe[i] = -1;
    }
}

static void
drain_wake_pipe(void)
{
    char buf[64];

    while (read(wake_pipe[0], buf, sizeof(buf)) > 0)
        ;
}

/* Between units of work inside an action: keep the watchdog fed, report a stop request. */
static bool
action_tick(void *arg)
{
    ct_notify_watchdog_kick();
    return stop_requested != 0;
}

/* Log every problem of a file as "FILE:LINE: message". */
static void
log_diags(const struct ct_diags *diags)
{
    size_t i;

    for (i = 0; i < diags->count; i++) {
        const struct ct_diag *dg = &diags->items[i];
        void (*say)(const char *, ...) = dg->severity == CT_ERROR ? ct_log_error : ct_log_warnx;

        if (dg->file && dg->line > 0)
            say("%s:%ld: %s", dg->file, dg->line, dg->message);
        else if (dg->file)
            say("%s: %s", dg->file, dg->message);
        else
            say("%s", dg->message);
    }
    if (diags->count < diags->errors + diags->warnings)
        ct_log_error("out of memory: some problems could not be listed");
}

/* The line of the key a "[section] key ..." message is about, 0 if unknown. */
static long
config_key_line(const struct ct_config *cfg, const char *message)
{
    char section[32], key[32];

    if (cfg == NULL || sscanf(message, "[%31[a-z_]] %31[a-z_]", section, key) != 2)
        return 0;
    return ct_config_line(cfg, section, key);
}

void
ct_daemon_log_config_error(const struct ct_config *cfg, const char *path, const char *message)
{
    long line = config_key_line(cfg, message);

    if (path && line > 0)
        ct_log_error("%s:%ld: %s", path, line, message);
    else
        ct_log_error("%s: %s", path ? path : "built-in defaults", message);
}

enum ct_status
ct_daemon_load_config(const char *option, struct ct_config **cfg, char **path_out)
{
    const char *path = ct_config_locate(option);
    struct ct_diags diags;
    struct stat sb;
    enum ct_status st;

    *cfg = NULL;
    *path_out = NULL;
    if (path == NULL) {
        /* No file anywhere: the built-in defaults, as the CLI does. */
        *cfg = ct_config_new_defaults();
        if (*cfg == NULL) {
            ct_log_error("out of memory");
            return CT_ENOMEM;
        }
        return CT_OK;
    }
    *path_out = strdup(path);
    if (*path_out == NULL) {
        ct_log_error("out of memory");
        return CT_ENOMEM;
    }
    if (stat(path, &sb) != 0) {
        ct_log_error("%s: cannot read configuration: %s", path, strerror(errno));
        return errno == ENOENT ? CT_ENOINPUT : CT_EIO;
    }
    ct_diags_init(&diags);
    st = ct_config_load(path, ct_now(), cfg, &diags);
    if (st == CT_OK)
        st = ct_config_check_files(*cfg, &diags);
    log_diags(&diags);
    if (st != CT_OK && diags.errors == 0)
        ct_log_error("%s: cannot read configuration: %s", path, ct_status_str(st));
    ct_diags_free(&diags);
    if (st != CT_OK) {
        ct_config_free(*cfg);
        *cfg = NULL;
    }
    return st;
}

/* STATUS= after each job; with READY=1 in the same datagram when ready is set. */
static void
publish_status(struct ct_daemon *d, bool ready)
{
    char status[512];

    ct_daemon_status(d, ct_now(), status, sizeof(status));
    ct_notify("%sSTATUS=%s", ready ? "READY=1\n" : "", status);
    ct_log_debug("status: %s", status);
}

/* Say once which jobs cannot run, and why. */
static void
announce_unavailable(struct ct_daemon *d)
{
    static bool plan_announced;
    int i;

    /* The schedule job still runs without it: it adopts rounds planned by hand. */
    if (d->actions->round_plan == NULL && !plan_announced) {
        ct_log_warnx("planning rounds is not available in this build: at each scheduled time "
                     "only a round planned by hand (coffeetrial round plan) is sent");
        plan_announced = true;
    }

    for (i = 0; i < d->njobs; i++) {
        bool missing = false;
        const char *why = d->jobs[i].unavailable(d, &missing);

        if (why == NULL) {
            d->job_state[i].announced = false;
            continue;
        }
        if (d->job_state[i].announced)
            continue;
        d->job_state[i].announced = true;
        if (missing)
            ct_log_warnx("%s", why);
        else
            ct_log_info("%s job off: %s", d->jobs[i].name, why);
    }
}

static uint64_t
monotonic_usec(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/*
 * SIGHUP: read the configuration again. A new configuration replaces the
 * old only if all of it is valid, schedule included; otherwise every
 * problem is logged and the daemon carries on as it was.
 */
static void
reload(struct ct_daemon *d)
{
    struct ct_config *cfg = NULL;
    struct ct_schedule *schedule = NULL;
    struct ct_error err;
    char *path = NULL, start[11];
    int i;

    ct_notify("RELOADING=1\nMONOTONIC_USEC=%" PRIu64, monotonic_usec());
    ct_log_info("reloading the configuration");
    if (ct_daemon_load_config(d->config_option, &cfg, &path) != CT_OK) {
        ct_log_error("%s: configuration not reloaded; still running on the previous one",
                     path ? path : "configuration");
        goto done;
    }
    ct_error_clear(&err);
    if (ct_daemon_schedule_compile(cfg, d->start_fallback, &schedule, start, &err) != CT_OK) {
        ct_daemon_log_config_error(cfg, path, err.message);
        ct_log_error("%s: configuration not reloaded; still running on the previous one",
                     path ? path : "built-in defaults");
        goto done;
    }
    if (strcmp(cfg->store.path, d->cfg->store.path) != 0) {
        char *keep = strdup(d->cfg->store.path);

        if (keep == NULL) {
            ct_log_error("out of memory; configuration not reloaded");
            goto done;
        }
        ct_log_warnx("[store] path changed to %s: another database needs a restart; still "
                     "using %s",
                     cfg->store.path, keep);
        free(cfg->store.path);
        cfg->store.path = keep;
    }
    ct_config_free(d->cfg);
    free(d->config_path);
    d->cfg = cfg;
    d->config_path = path;
    cfg = NULL;
    path = NULL;
    if (ct_daemon_schedule_replace(d, schedule, start, ct_now(), &err) != CT_OK)
        ct_log_error("%s", err.message);
    schedule = NULL;
    /* A new configuration may mend what was failing: retry everything now. */
    for (i = 0; i < d->njobs; i++) {
        d->job_state[i].not_before = 0;
        d->job_state[i].backoff = 0;
    }
    ct_log_info("configuration reloaded from %s",
                d->config_path ? d->config_path : "built-in defaults");
    announce_unavailable(d);
done:
    ct_config_free(cfg);
    ct_schedule_free(schedule);
    free(path);
    publish_status(d, true);
}

/* Run every job that is due at now, once each. Returns how many ran. */
static int
run_due_jobs(struct ct_daemon *d, int64_t now)
{
    int i, ran = 0;

    for (i = 0; i < d->njobs && !stop_requested; i++) {
        const struct ct_job *job = &d->jobs[i];
        struct ct_job_state *js = &d->job_state[i];
        struct ct_error err;
        bool missing = false;
        enum ct_status st;

        if (job->unavailable(d, &missing) != NULL || now < js->not_before ||
            job->next_due(d, now) > now)
            continue;
        ct_log_debug("running job %s", job->name);
        ct_error_clear(&err);
        st = job->run(d, now, &err);
        ran++;
        if (st == CT_OK) {
            js->backoff = 0;
            js->not_before = 0;
            if (job->next_due(d, now) <= now)
                js->not_before = now + STILL_DUE_GAP;
        } else {
            ct_log_error("%s", err.message[0] ? err.message : ct_status_str(st));
            if (d->failures++ == 0)
                d->first_failure = st;
            js->backoff = js->backoff ? js->backoff * 2 : BACKOFF_MIN;
            if (js->backoff > BACKOFF_MAX)
                js->backoff = BACKOFF_MAX;
            js->not_before = now + js->backoff;
            ct_log_debug("job %s: next attempt in %" PRId64 " s", job->name, js->backoff);
        }
        publish_status(d, false);
        ct_notify_watchdog_kick();
    }
    return ran;
}

/* Milliseconds until something is due: a job, the watchdog, or the periodic wake-up. */
static int
sleep_ms(struct ct_daemon *d, int64_t now)
{
    int64_t wake = now + MAX_SLEEP_SECONDS, ms, watchdog;
    int i;

    for (i = 0; i < d->njobs; i++) {
        bool missing = false;
        int64_t due;

        if (d->jobs[i].unavailable(d, &missing) != NULL)
            continue;
        due = d->jobs[i].next_due(d, now);
        if (due < d->job_state[i].not_before)
            due = d->job_state[i].not_before;
        if (due < wake)
            wake = due;
    }
    /* Real time: the same as (wake - now) * 1000 unless a test build runs the clock fast. */
    ms = ct_clock_real_ms(wake - now);
    watchdog = ct_notify_watchdog_due_ms();
    if (watchdog >= 0 && watchdog < ms)
        ms = watchdog;
    return (int)ms;
}

int
ct_daemon_loop(struct ct_daemon *d)
{
    int passes = 0, rc = EX_OK;

    if (signals_setup() != 0) {
        ct_log_warn("cannot set up signal handling");
        signals_teardown();
        return EX_OSERR;
    }
    d->tick = action_tick;
    d->tick_arg = d;
    announce_unavailable(d);
    publish_status(d, true);
    for (;;) {
        struct pollfd pfd = {.fd = wake_pipe[0], .events = POLLIN};
        int ran, timeout;

        if (stop_requested)
            break;
        if (reload_requested) {
            reload_requested = 0;
            reload(d);
        }
        ct_notify_watchdog_kick();
        ran = run_due_jobs(d, ct_now());
        if (stop_requested)
            break;
        if (d->once) {
            if (ran == 0 || ++passes >= ONCE_MAX_PASSES)
                break;
            continue;
        }
        timeout = sleep_ms(d, ct_now());
        ct_log_debug("sleeping %d ms", timeout);
        if (poll(&pfd, 1, timeout) < 0 && errno != EINTR) {
            ct_log_warn("poll");
            rc = EX_OSERR;
            break;
        }
        drain_wake_pipe();
    }
    ct_notify("STOPPING=1\nSTATUS=stopping");
    if (stop_requested)
        ct_log_info("stopping on signal");
    signals_teardown();
    if (rc == EX_OK && d->once && d->failures && !stop_requested)
        rc = ct_status_exit(d->first_failure);
    return rc;
}
