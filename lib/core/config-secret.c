/*
 * config-secret.c: reading the secrets a config names (*_file keys) and
 * checking that they and the CA files can be read, without ever putting a
 * secret into a message; see config.h.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"
#include "validate.h"

#define SECRET_MAX_BYTES (64 * 1024)

/*
 * Read a secret file (OUT: *secret, *mode: its permission bits). Messages
 * name the file and never its content.
 */
static enum ct_status
read_secret_file(const char *path, char **secret, unsigned *mode, struct ct_error *err)
{
    enum ct_status st = CT_OK;
    struct stat sb;
    char *buf = NULL;
    size_t len = 0;
    ssize_t n;
    int fd;

    *secret = NULL;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0)
        return ct_error_set(err, errno == ENOENT ? CT_ENOINPUT : CT_EIO, "%s: %s", path,
                            strerror(errno));
    if (fstat(fd, &sb) != 0) {
        st = ct_error_set(err, CT_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        st = ct_error_set(err, CT_EDATA, "%s: not a regular file", path);
        goto out;
    }
    *mode = (unsigned)sb.st_mode & 07777;
    buf = malloc(SECRET_MAX_BYTES + 1);
    if (buf == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
        goto out;
    }
    while ((n = read(fd, buf + len, SECRET_MAX_BYTES + 1 - len)) > 0) {
        len += (size_t)n;
        if (len > SECRET_MAX_BYTES) {
            st = ct_error_set(err, CT_EDATA, "%s: larger than %d bytes: not a secret", path,
                              SECRET_MAX_BYTES);
            goto out;
        }
    }
    if (n < 0) {
        st = ct_error_set(err, CT_EIO, "%s: read error: %s", path, strerror(errno));
        goto out;
    }
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
        len--;
    buf[len] = '\0';
    if (len == 0) {
        st = ct_error_set(err, CT_EDATA, "%s: the secret file is empty", path);
        goto out;
    }
    if (memchr(buf, '\0', len) || ct_has_control(buf, false)) {
        st = ct_error_set(err, CT_EDATA,
                          "%s: the secret has control characters or line breaks inside", path);
        goto out;
    }
    *secret = buf;
    buf = NULL;
out:
    if (buf) {
        explicit_bzero(buf, SECRET_MAX_BYTES + 1);
        free(buf);
    }
    close(fd);
    return st;
}

enum ct_status
ct_config_read_secret(const char *file, char **secret, struct ct_diags *diags, struct ct_error *err)
{
    const char *creds = getenv("CREDENTIALS_DIRECTORY");
    enum ct_status st;
    unsigned mode = 0;
    char *path;

    *secret = NULL;
    if (file == NULL || *file == '\0')
        return ct_error_set(err, CT_ECONFIG, "no secret file configured");
    if (file[0] != '/' && creds && *creds)
        path = ct_asprintf("%s/%s", creds, file);
    else
        path = strdup(file);
    if (path == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = read_secret_file(path, secret, &mode, err);
    if (st == CT_OK && (mode & 077) && diags)
        ct_diags_add(diags, CT_WARNING, path, 0,
                     "secret file is accessible by group or others (mode %04o); chmod 600 it",
                     mode);
    free(path);
    return st;
}

/* A CA bundle must be a readable regular file; NULL if so, else why. */
static const char *
check_readable(const char *path, struct ct_error *err)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        ct_error_set(err, CT_EIO, "%s: %s", path, strerror(errno));
        return err->message;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        ct_error_set(err, CT_EIO, "%s: not a regular file", path);
        return err->message;
    }
    close(fd);
    return NULL;
}

enum ct_status
ct_config_check_files(const struct ct_config *cfg, struct ct_diags *diags)
{
    const struct {
        const char *section, *key, *path;
        bool secret, in_use;
    } files[] = {
        {"smtp", "password_file", cfg->smtp.password_file, true,
         cfg->transport.kind == CT_TRANSPORT_SMTP},
        {"roster", "ca_file", cfg->roster.ca_file, false, cfg->roster.source != NULL},
        {"smtp", "ca_file", cfg->smtp.ca_file, false, cfg->transport.kind == CT_TRANSPORT_SMTP},
        {"http", "token_file", cfg->http.token_file, true,
         cfg->transport.kind == CT_TRANSPORT_HTTP},
        {"http", "ca_file", cfg->http.ca_file, false, cfg->transport.kind == CT_TRANSPORT_HTTP},
        {"imap", "password_file", cfg->imap.password_file, true, cfg->imap.url != NULL},
        {"imap", "ca_file", cfg->imap.ca_file, false, cfg->imap.url != NULL},
        {"web", "secret_file", cfg->web.secret_file, true, cfg->web.public_url != NULL},
    };
    size_t i, errors_before = diags->errors;

    for (i = 0; i < CT_ARRAY_LEN(files); i++) {
        enum ct_severity sev = files[i].in_use ? CT_ERROR : CT_WARNING;
        long line = ct_config_line(cfg, files[i].section, files[i].key);
        struct ct_error err;
        char *secret = NULL;
        unsigned mode = 0;

        if (files[i].path == NULL)
            continue;
        ct_error_clear(&err);
        if (!files[i].secret) {
            if (check_readable(files[i].path, &err))
                ct_diags_add(diags, sev, cfg->path, line, "[%s] %s: cannot read %s",
                             files[i].section, files[i].key, err.message);
            continue;
        }
        if (read_secret_file(files[i].path, &secret, &mode, &err) != CT_OK) {
            ct_diags_add(diags, sev, cfg->path, line, "[%s] %s: cannot use %s", files[i].section,
                         files[i].key, err.message);
            continue;
        }
        /* The link key is 64 hex digits (token.h); anything else signs nothing. */
        if (strcmp(files[i].section, "web") == 0 &&
            (strlen(secret) != 64 || strspn(secret, "0123456789abcdefABCDEF") != 64))
            ct_diags_add(diags, sev, cfg->path, line,
                         "[web] secret_file: %s is not a link key (64 hex digits; coffeetrial "
                         "web keygen writes one)",
                         files[i].path);
        explicit_bzero(secret, strlen(secret));
        free(secret);
        if (mode & 077)
            ct_diags_add(diags, CT_WARNING, cfg->path, line,
                         "[%s] %s: %s is accessible by group or others (mode %04o); chmod 600 it",
                         files[i].section, files[i].key, files[i].path, mode);
    }
    return diags->errors > errors_before ? CT_ECONFIG : CT_OK;
}
