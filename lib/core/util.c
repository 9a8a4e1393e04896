/*
 * util.c: growable buffers, string and file helpers, the edit distance of
 * "did you mean" and the display width of UTF-8 text; see util.h.
 */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
ct_strdup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void
ct_buf_init(struct ct_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void
ct_buf_free(struct ct_buf *b)
{
    free(b->data);
    ct_buf_init(b);
}

void
ct_buf_reset(struct ct_buf *b)
{
    b->len = 0;
    b->failed = false;
    if (b->data)
        b->data[0] = '\0';
}

static bool
buf_reserve(struct ct_buf *b, size_t extra)
{
    size_t need, cap;
    char *data;

    if (b->failed)
        return false;
    if (extra > SIZE_MAX - b->len - 1)
        goto fail;
    need = b->len + extra + 1;
    if (need <= b->cap)
        return true;
    cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap = cap > SIZE_MAX / 2 ? need : cap * 2;
    data = realloc(b->data, cap);
    if (data == NULL)
        goto fail;
    b->data = data;
    b->cap = cap;
    return true;
fail:
    b->failed = true;
    return false;
}

bool
ct_buf_reserve(struct ct_buf *b, size_t extra)
{
    return buf_reserve(b, extra);
}

bool
ct_buf_append(struct ct_buf *b, const void *data, size_t len)
{
    if (!buf_reserve(b, len))
        return false;
    if (len)
        memcpy(b->data + b->len, data, len);
    b->len += len;
    b->data[b->len] = '\0';
    return true;
}

bool
ct_buf_puts(struct ct_buf *b, const char *s)
{
    return ct_buf_append(b, s, strlen(s));
}

bool
ct_buf_putc(struct ct_buf *b, char c)
{
    if (!b->failed && b->len + 2 <= b->cap) { /* the common case: room for it and the NUL */
        b->data[b->len++] = c;
        b->data[b->len] = '\0';
        return true;
    }
    return ct_buf_append(b, &c, 1);
}

bool
ct_buf_printf(struct ct_buf *b, const char *fmt, ...)
{
    va_list ap, copy;
    int n;

    va_start(ap, fmt);
    va_copy(copy, ap);
    n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n < 0 || !buf_reserve(b, (size_t)n)) {
        va_end(ap);
        b->failed = true;
        return false;
    }
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return true;
}

char *
ct_buf_steal(struct ct_buf *b)
{
    char *data;

    if (b->failed) {
        ct_buf_free(b);
        return NULL;
    }
    if (b->data == NULL && !buf_reserve(b, 0))
        return NULL;
    if (b->len == 0)
        b->data[0] = '\0';
    data = b->data;
    ct_buf_init(b);
    return data;
}

bool
ct_strcaseeq(const char *a, const char *b)
{
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
            return false;
    return *a == *b;
}

char *
ct_trim(char *s)
{
    char *end;

    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        memmove(s, s + 1, strlen(s));
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' || end[-1] == '\n'))
        *--end = '\0';
    return s;
}

enum ct_status
ct_file_read(const char *path, size_t max_bytes, char **data, size_t *len, struct ct_error *err)
{
    enum ct_status st = CT_OK;
    struct ct_buf b;
    char chunk[65536];
    size_t n;
    FILE *f;

    *data = NULL;
    *len = 0;
    ct_buf_init(&b);
    f = fopen(path, "rb");
    if (f == NULL)
        return ct_error_set(err, errno == ENOENT ? CT_ENOINPUT : CT_EIO, "%s: %s", path,
                            strerror(errno));
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
        if (b.len + n > max_bytes) {
            st = ct_error_set(err, CT_EDATA, "%s: larger than %zu bytes", path, max_bytes);
            goto out;
        }
        if (!ct_buf_append(&b, chunk, n)) {
            st = ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
            goto out;
        }
    }
    if (ferror(f)) {
        st = ct_error_set(err, CT_EIO, "%s: read error: %s", path, strerror(errno));
        goto out;
    }
    *len = b.len;
    *data = ct_buf_steal(&b);
    if (*data == NULL)
        st = ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
out:
    ct_buf_free(&b);
    fclose(f);
    return st;
}

enum ct_status
ct_file_write_atomic(const char *path, const void *data, size_t len, unsigned mode,
                     struct ct_error *err)
{
    enum ct_status st = CT_OK;
    char *tmp = NULL, *dircopy = NULL;
    const char *p = data;
    int fd = -1, dfd = -1;
    ssize_t w;

    tmp = ct_asprintf("%s.tmp.%ld", path, (long)getpid());
    dircopy = ct_strdup(path);
    if (tmp == NULL || dircopy == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) {
        st = ct_error_set(err, CT_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    while (len > 0) {
        w = write(fd, p, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            st = ct_error_set(err, CT_EIO, "%s: write: %s", tmp, strerror(errno));
            goto out;
        }
        p += w;
        len -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        st = ct_error_set(err, CT_EIO, "%s: fsync: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        st = ct_error_set(err, CT_EIO, "%s: close: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) != 0) {
        st = ct_error_set(err, CT_EIO, "%s: rename: %s", path, strerror(errno));
        goto out;
    }
    dfd = open(dirname(dircopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
out:
    if (fd >= 0)
        close(fd);
    if (st != CT_OK && tmp)
        unlink(tmp);
    free(tmp);
    free(dircopy);
    return st;
}

size_t
ct_edit_distance(const char *a, const char *b)
{
    /* Optimal string alignment, three rows: row i lives in rows[(i + 1) % 3]. */
    size_t rows[3][64], la = strlen(a), lb = strlen(b), i, j;

    if (la >= CT_ARRAY_LEN(rows[0]) || lb >= CT_ARRAY_LEN(rows[0]))
        return (size_t)-1;
    for (j = 0; j <= lb; j++)
        rows[1][j] = j;
    for (i = 1; i <= la; i++) {
        size_t *row = rows[(i + 1) % 3], *prev = rows[i % 3], *before = rows[(i + 2) % 3];
        int ca = tolower((unsigned char)a[i - 1]);

        row[0] = i;
        for (j = 1; j <= lb; j++) {
            int cb = tolower((unsigned char)b[j - 1]);
            size_t best = prev[j - 1] + (ca == cb ? 0 : 1);

            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            /* An adjacent transposition ("fromat" for "format") costs one. */
            if (i > 1 && j > 1 && ca == tolower((unsigned char)b[j - 2]) &&
                tolower((unsigned char)a[i - 2]) == cb && before[j - 2] + 1 < best)
                best = before[j - 2] + 1;
            row[j] = best;
        }
    }
    return rows[(la + 1) % 3][lb];
}

size_t
ct_utf8_width(const char *s)
{
    size_t n = 0;

    for (; s && *s; s++)
        if (((unsigned char)*s & 0xc0) != 0x80)
            n++;
    return n;
}
