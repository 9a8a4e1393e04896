/*
 * transport_spool.c: the spool transport, for first runs and dry runs:
 * each message is written whole to [spool] dir as MESSAGE-ID.eml, through
 * a temporary file, fsync and rename, so a reader never sees half a message
 * and a message written twice simply replaces itself.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "transport_impl.h"
#include "util.h"

struct spool {
    char *dir;
};

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

const struct ct_transport_backend ct_transport_spool = {
    .name = "spool",
    .open = spool_open,
    .send = spool_send,
    .close = spool_close,
};
