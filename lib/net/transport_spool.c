/*
 * transport_spool.c: the spool transport, for first runs and dry runs:
 * each message is written whole to [spool] dir as MESSAGE-ID.eml, through
 * a temporary file, fsync and rename, so a reader never sees half a message
 * and a message written twice simply replaces itself. A batch writes all
 * its temporary files, syncs them, renames them and syncs the directory
 * once, and only then reports them delivered.
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
    char *path; /* DIR/NAME.eml */
    char *tmp;  /* DIR/NAME.eml.tmp.PID */
    int fd;
};

/* A failed step: a full disk or a vanished directory may mend, so CT_ETEMP. */
static enum ct_status
spool_fail(struct ct_transport_result *r, const char *path, const char *what)
{
    r->status = ct_error_set(&r->err, CT_ETEMP, "%s: %s: %s", path, what, strerror(errno));
    return r->status;
}

/* Write msg to a new temporary file, its writeback started. */
static enum ct_status
spool_write(struct spool *s, const struct ct_transport_message *msg, struct spool_file *f,
            struct ct_transport_result *r)
{
    char *name = ct_transport_spool_name(msg->message_id);
    const char *p = msg->raw;
    size_t left = msg->raw_len;
    ssize_t w;

    if (name == NULL)
        return r->status =
                   ct_error_set(&r->err, CT_EPERM, "message id '%s' cannot name a spool file",
                                msg->message_id ? msg->message_id : "");
    f->path = ct_asprintf("%s/%s", s->dir, name);
    f->tmp = f->path ? ct_asprintf("%s.tmp.%ld", f->path, (long)getpid()) : NULL;
    free(name);
    if (f->tmp == NULL)
        return r->status = ct_error_set(&r->err, CT_ENOMEM, "out of memory");
    f->fd = open(f->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (f->fd < 0)
        return spool_fail(r, f->tmp, "open");
    while (left > 0) {
        w = write(f->fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return spool_fail(r, f->tmp, "write");
        p += w;
        left -= (size_t)w;
    }
    return r->status = CT_OK;
}

/*
 * Give a written file its final name, after a fsync unless synced (the
 * filesystem was just synced); the directory is synced after.
 */
static void
spool_commit(struct spool_file *f, bool synced, struct ct_transport_result *r)
{
    if (!synced && fsync(f->fd) != 0)
        spool_fail(r, f->tmp, "fsync");
    else if (close(f->fd) != 0)
        spool_fail(r, f->tmp, "close");
    else if (rename(f->tmp, f->path) != 0)
        spool_fail(r, f->path, "rename");
    if (r->status != CT_OK && f->fd >= 0)
        close(f->fd);
    f->fd = -1;
}

static void
spool_send_batch(void *state, const struct ct_transport_message *msgs, size_t n,
                 struct ct_transport_batch *batch, struct ct_transport_result *results)
{
    struct spool *s = state;
    struct spool_file *files = calloc(n ? n : 1, sizeof(*files));
    size_t tried = 0, i;
    bool synced;
    int dfd;

    if (files == NULL) {
        for (i = 0; i < n; i++)
            results[i].status = ct_error_set(&results[i].err, CT_ENOMEM, "out of memory");
        return;
    }
    /* Write every file; sync and rename them; sync the directory once. */
    for (; tried < n && !(batch->stop && *batch->stop); tried++) {
        files[tried].fd = -1;
        spool_write(s, &msgs[tried], &files[tried], &results[tried]);
    }
    dfd = open(s->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    /*
     * One syncfs() writes back every file of the batch with one journal
     * commit and one cache flush; a fsync() per file would flush the disk's
     * cache once each (5 ms apiece on a virtual disk). syncfs reports a
     * writeback error on the filesystem (Linux >= 5.8); if it fails, each
     * file is fsync'd so the error lands on the message it belongs to.
     */
    synced = dfd >= 0 && syncfs(dfd) == 0;
    for (i = 0; i < tried; i++)
        if (results[i].status == CT_OK)
            spool_commit(&files[i], synced, &results[i]);
    if (dfd < 0 || fsync(dfd) != 0)
        for (i = 0; i < tried; i++)
            if (results[i].status == CT_OK)
                spool_fail(&results[i], s->dir, "fsync");
    if (dfd >= 0)
        close(dfd);
    for (i = 0; i < tried; i++) {
        if (files[i].fd >= 0)
            close(files[i].fd);
        if (results[i].status != CT_OK && files[i].tmp)
            (void)unlink(files[i].tmp);
        free(files[i].path);
        free(files[i].tmp);
        ct_transport_batch_note(batch, i, &results[i]);
    }
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
