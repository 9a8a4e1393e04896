/*
 * transport_spool.c: the spool transport, for first runs and dry runs:
 * each message is written whole to [spool] dir as MESSAGE-ID.eml, so a
 * reader never sees half a message and a message written twice simply
 * replaces itself. A batch writes every message to an unnamed O_TMPFILE
 * (or, where the filesystem has none, to NAME.eml.tmp.PID), syncs the
 * filesystem once, then names each file (linkat, or rename) and makes the
 * names durable, and only then reports them delivered.
 */
#define _GNU_SOURCE /* syncfs */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport_impl.h"
#include "util.h"

struct spool {
    char *dir;
    bool tmpfile; /* write through O_TMPFILE and linkat (see spool_tmpfile_works) */
};

/* Messages per batch: one directory sync for this many files. */
#define SPOOL_BATCH 256

char *
ct_transport_spool_name(const char *message_id)
{
    static const char hex[] = "0123456789ABCDEF";
    struct ct_buf b;
    const unsigned char *p;

    if (message_id == NULL || *message_id == '\0')
        return NULL;
    ct_buf_init(&b);
    for (p = (const unsigned char *)message_id; *p; p++) {
        bool plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
                     (*p >= '0' && *p <= '9') || strchr("._@+=-", *p) != NULL;
        if (plain && !(p == (const unsigned char *)message_id && *p == '.')) {
            ct_buf_putc(&b, (char)*p);
        } else {
            ct_buf_putc(&b, '%');
            ct_buf_putc(&b, hex[*p >> 4]);
            ct_buf_putc(&b, hex[*p & 15]);
        }
    }
    ct_buf_puts(&b, ".eml");
    if (b.failed || b.len > 240) {
        ct_buf_free(&b);
        return NULL;
    }
    return ct_buf_steal(&b);
}

static void
spool_close(void *state)
{
    struct spool *s = state;

    if (s == NULL)
        return;
    free(s->dir);
    free(s);
}

/*
 * True if files can be written here unnamed (O_TMPFILE) and named once
 * whole (linkat through /proc/self/fd): one directory entry per message
 * instead of a temporary one and a rename. Nothing visible is created.
 */
static bool
spool_tmpfile_works(const char *dir)
{
#ifdef O_TMPFILE
    int fd;

#ifdef CT_TEST_HOOKS
    const char *off = getenv("COFFEETRIAL_TEST_SPOOL_NO_TMPFILE");
    if (off && *off == '1')
        return false;
#endif
    if (access("/proc/self/fd", X_OK) != 0)
        return false;
    fd = open(dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0640);
    if (fd < 0)
        return false;
    close(fd);
    return true;
#else
    (void)dir;
    return false;
#endif
}

static enum ct_status
spool_open(const struct ct_config *cfg, void **state, struct ct_error *err)
{
    struct spool *s;
    struct stat sb;
    const char *dir = cfg->spool.dir;

    *state = NULL;
    if (dir == NULL || *dir == '\0')
        return ct_error_set(err, CT_ECONFIG, "[spool] dir is not set");
    if (mkdir(dir, 0750) != 0 && errno != EEXIST)
        return ct_error_set(err, CT_ECONFIG, "[spool] dir: cannot create %s: %s", dir,
                            strerror(errno));
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        return ct_error_set(err, CT_ECONFIG, "[spool] dir: %s is not a directory", dir);
    if (access(dir, W_OK | X_OK) != 0)
        return ct_error_set(err, CT_ECONFIG, "[spool] dir: cannot write to %s: %s", dir,
                            strerror(errno));
    s = calloc(1, sizeof(*s));
    if (s == NULL || (s->dir = strdup(dir)) == NULL) {
        free(s);
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    }
    s->tmpfile = spool_tmpfile_works(dir);
    *state = s;
    return CT_OK;
}

static enum ct_status
spool_send(void *state, const struct ct_transport_message *msg, int64_t *retry_after,
           struct ct_error *err)
{
    struct spool *s = state;
    enum ct_status st;
    char *name, *path;

    (void)retry_after;
    name = ct_transport_spool_name(msg->message_id);
    if (name == NULL)
        return ct_error_set(err, CT_EPERM, "message id '%s' cannot name a spool file",
                            msg->message_id ? msg->message_id : "");
    path = ct_asprintf("%s/%s", s->dir, name);
    free(name);
    if (path == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_file_write_atomic(path, msg->raw, msg->raw_len, 0640, err);
    free(path);
    /* A full disk or a vanished directory may mend: try again later. */
    if (st == CT_EIO)
        st = err ? (err->status = CT_ETEMP) : CT_ETEMP;
    return st;
}

/* One message of a batch on its way to the spool. */
struct spool_file {
    char *name; /* NAME.eml */
    char *tmp;  /* NAME.eml.tmp.PID holding its data; NULL: fd is an unnamed O_TMPFILE */
    int fd;
};

/* A failed step: a full disk or a vanished directory may mend, so CT_ETEMP. */
static enum ct_status
spool_fail(struct ct_transport_result *r, const char *dir, const char *name, const char *what)
{
    r->status = ct_error_set(&r->err, CT_ETEMP, "%s/%s: %s: %s", dir, name, what, strerror(errno));
    return r->status;
}

/* NAME.eml.tmp.PID, the temporary name of NAME.eml (heap; NULL: out of memory). */
static char *
spool_tmp_name(const char *name)
{
    return ct_asprintf("%s.tmp.%ld", name, (long)getpid());
}

#ifdef CT_TEST_HOOKS
/*
 * COFFEETRIAL_TEST_SPOOL_CRASH=written|synced|linked: the process ends
 * (exit 70, no cleanup, as a crash would) after that step of a batch, so
 * the tests can look at what a reader would see then.
 */
static void
spool_crash_point(const char *step)
{
    const char *at = getenv("COFFEETRIAL_TEST_SPOOL_CRASH");

    if (at && strcmp(at, step) == 0)
        _exit(70);
}
#else
#define spool_crash_point(step) ((void)0)
#endif

/*
 * Write msg's bytes to a file of its own in the spool (dfd): an O_TMPFILE,
 * which has no name until spool_commit() gives it one, or else a
 * temporary NAME.eml.tmp.PID (the filesystem has no O_TMPFILE).
 */
static enum ct_status
spool_write(struct spool *s, int dfd, const struct ct_transport_message *msg, struct spool_file *f,
            struct ct_transport_result *r)
{
    const char *p = msg->raw;
    size_t left = msg->raw_len;
    ssize_t w;

    f->name = ct_transport_spool_name(msg->message_id);
    if (f->name == NULL)
        return r->status =
                   ct_error_set(&r->err, CT_EPERM, "message id '%s' cannot name a spool file",
                                msg->message_id ? msg->message_id : "");
#ifdef O_TMPFILE
    if (s->tmpfile) {
        f->fd = openat(dfd, ".", O_TMPFILE | O_WRONLY | O_CLOEXEC, 0640);
        /* Not on this filesystem after all (EOPNOTSUPP; EISDIR on old kernels). */
        if (f->fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL))
            s->tmpfile = false;
    }
#endif
    if (!s->tmpfile) {
        if ((f->tmp = spool_tmp_name(f->name)) == NULL)
            return r->status = ct_error_set(&r->err, CT_ENOMEM, "out of memory");
        f->fd = openat(dfd, f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    }
    if (f->fd < 0)
        return spool_fail(r, s->dir, f->name, "open");
    while (left > 0) {
        w = write(f->fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return spool_fail(r, s->dir, f->name, "write");
        p += w;
        left -= (size_t)w;
    }
    return r->status = CT_OK;
}

/*
 * Give f's O_TMPFILE the name NAME.eml. A NAME.eml already there (the
 * message sent again) is replaced whole: the file is linked to
 * NAME.eml.tmp.PID first and renamed over it.
 */
static void
spool_link(struct spool *s, int dfd, struct spool_file *f, struct ct_transport_result *r)
{
    char proc[64], *tmp;

    snprintf(proc, sizeof(proc), "/proc/self/fd/%d", f->fd);
    if (linkat(AT_FDCWD, proc, dfd, f->name, AT_SYMLINK_FOLLOW) == 0)
        return;
    if (errno != EEXIST) {
        spool_fail(r, s->dir, f->name, "link");
        return;
    }
    if ((tmp = spool_tmp_name(f->name)) == NULL) {
        r->status = ct_error_set(&r->err, CT_ENOMEM, "out of memory");
        return;
    }
    /* A NAME.eml.tmp.PID left by a crashed process of the same pid goes first. */
    if (linkat(AT_FDCWD, proc, dfd, tmp, AT_SYMLINK_FOLLOW) != 0 &&
        (errno != EEXIST || unlinkat(dfd, tmp, 0) != 0 ||
         linkat(AT_FDCWD, proc, dfd, tmp, AT_SYMLINK_FOLLOW) != 0))
        spool_fail(r, s->dir, f->name, "link");
    else if (renameat(dfd, tmp, dfd, f->name) != 0) {
        spool_fail(r, s->dir, f->name, "rename");
        (void)unlinkat(dfd, tmp, 0);
    }
    free(tmp);
}

/*
 * Give a written file its final name, after a fsync unless synced (the
 * filesystem was just synced).
 */
static void
spool_commit(struct spool *s, int dfd, struct spool_file *f, bool synced,
             struct ct_transport_result *r)
{
    if (!synced && fsync(f->fd) != 0)
        spool_fail(r, s->dir, f->name, "fsync");
    else if (f->tmp == NULL)
        spool_link(s, dfd, f, r);
    else if (renameat(dfd, f->tmp, dfd, f->name) != 0)
        spool_fail(r, s->dir, f->name, "rename");
}

/*
 * Make the new names durable. A linked O_TMPFILE's link count is in its
 * inode, not in the directory: without a journal, a directory fsync alone
 * would not write it, so the filesystem is synced again (one call for all;
 * on a journal it commits the names and link counts together). If that
 * fails, each linked file and the directory are fsync'd. False on failure.
 */
static bool
spool_sync_names(int dfd, struct spool_file *files, size_t n,
                 const struct ct_transport_result *results, bool synced)
{
    bool linked = false;
    size_t i;

    for (i = 0; i < n; i++)
        linked = linked || (results[i].status == CT_OK && files[i].tmp == NULL);
    if (linked && synced && syncfs(dfd) == 0)
        return true;
    for (i = 0; linked && i < n; i++)
        if (results[i].status == CT_OK && files[i].tmp == NULL && fsync(files[i].fd) != 0)
            return false;
    return fsync(dfd) == 0;
}

static void
spool_send_batch(void *state, const struct ct_transport_message *msgs, size_t n,
                 struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    struct spool *s = state;
    struct spool_file *files = calloc(n ? n : 1, sizeof(*files));
    size_t tried = 0, i;
    bool synced;
    int dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

    if (files == NULL) {
        for (i = 0; i < n; i++)
            results[i].status = ct_error_set(&results[i].err, CT_ENOMEM, "out of memory");
        goto out;
    }
    if (dfd < 0) {
        int e = errno;

        for (i = 0; i < n; i++) {
            results[i].status =
                ct_error_set(&results[i].err, CT_ETEMP, "%s: open: %s", s->dir, strerror(e));
            ct_transport_batch_note(batch, i, &results[i]);
        }
        goto out;
    }
    /* Write every file; sync them; name them; make the names durable. */
    for (; tried < n && !(batch->stop && *batch->stop); tried++) {
        files[tried].fd = -1;
        spool_write(s, dfd, &msgs[tried], &files[tried], &results[tried]);
    }
    spool_crash_point("written");
    /*
     * One syncfs() writes back every file of the batch with one journal
     * commit and one cache flush; a fsync() per file would flush the disk's
     * cache once each (5 ms apiece on a virtual disk). syncfs reports a
     * writeback error on the filesystem (Linux >= 5.8); if it fails, each
     * file is fsync'd so the error lands on the message it belongs to.
     */
    synced = syncfs(dfd) == 0;
    spool_crash_point("synced");
    for (i = 0; i < tried; i++)
        if (results[i].status == CT_OK)
            spool_commit(s, dfd, &files[i], synced, &results[i]);
    spool_crash_point("linked");
    if (!spool_sync_names(dfd, files, tried, results, synced))
        for (i = 0; i < tried; i++)
            if (results[i].status == CT_OK)
                spool_fail(&results[i], s->dir, files[i].name, "fsync");
    for (i = 0; i < tried; i++) {
        if (files[i].fd >= 0)
            close(files[i].fd);
        if (results[i].status != CT_OK && files[i].tmp)
            (void)unlinkat(dfd, files[i].tmp, 0);
        free(files[i].name);
        free(files[i].tmp);
        ct_transport_batch_note(batch, i, &results[i]);
    }
out:
    if (dfd >= 0)
        close(dfd);
    free(files);
}

static int
spool_batch_size(void *state)
{
    (void)state;
    return SPOOL_BATCH;
}

const struct ct_transport_backend ct_transport_spool = {
    .name = "spool",
    .open = spool_open,
    .send = spool_send,
    .close = spool_close,
    .send_batch = spool_send_batch,
    .batch_size = spool_batch_size,
};
