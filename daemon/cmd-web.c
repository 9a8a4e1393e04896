/*
 * cmd-web.c: "coffeetrial web keygen FILE": a new key for signing the
 * members' links ([web] secret_file), 32 random bytes from the kernel
 * written as 64 hex digits, mode 0600, never over an existing file unless
 * --force (rotating the key invalidates every link already sent).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "cli.h"
#include "token.h"
#include "util.h"

/* Fill key from getrandom(2), waiting for the pool once at boot. */
static bool
random_key(unsigned char *key, size_t n)
{
    size_t got = 0;

    while (got < n) {
        ssize_t r = getrandom(key + got, n - got, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* Write text to path via a 0600 temporary file in the same folder, then rename. */
static int
write_key_file(const char *path, const char *text, bool force)
{
    char *tmp = ct_asprintf("%s.tmp.%ld", path, (long)getpid());
    int fd = -1, rc = EX_CANTCREAT;
    size_t len = strlen(text);

    if (tmp == NULL) {
        ct_cli_error("out of memory");
        return EX_OSERR;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) {
        ct_cli_error("%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fchmod(fd, 0600) != 0 || write(fd, text, len) != (ssize_t)len || fsync(fd) != 0) {
        ct_cli_error("%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) != 0) {
        fd = -1;
        ct_cli_error("%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    /* link() refuses an existing target atomically; rename() replaces it. */
    if (force ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
        if (errno == EEXIST)
            ct_cli_error("%s: already exists; give --force to replace the key (every link "
                         "already sent stops working)",
                         path);
        else
            ct_cli_error("%s: %s", path, strerror(errno));
        goto out;
    }
    rc = EX_OK;
out:
    if (fd >= 0)
        close(fd);
    unlink(tmp);
    free(tmp);
    return rc;
}

static int
web_keygen(struct ct_cli *cli, const struct ct_args *args)
{
    const char *path = args->operands[0];
    bool force = ct_args_has(args, "force");
    unsigned char key[CT_WEB_KEY_BYTES];
    char text[2 * CT_WEB_KEY_BYTES + 2];
    struct stat sb;
    int rc;

    if (!force && lstat(path, &sb) == 0) {
        ct_cli_error("%s: already exists; give --force to replace the key (every link already "
                     "sent stops working)",
                     path);
        return EX_CANTCREAT;
    }
    if (!random_key(key, sizeof(key))) {
        ct_cli_error("no random bytes from the kernel: %s", strerror(errno));
        return EX_OSERR;
    }
    ct_token_key_text(key, text);
    strcat(text, "\n");
    rc = write_key_file(path, text, force);
    explicit_bzero(key, sizeof(key));
    explicit_bzero(text, sizeof(text));
    if (rc == EX_OK && !cli->quiet)
        printf("wrote a new link key to %s (mode 0600); name it in [web] secret_file\n", path);
    return rc;
}

const struct ct_cmd ct_cmds_web[] = {
    {
        .group = "web",
        .name = "keygen",
        .args = "FILE [--force]",
        .summary = "write a new key for signing members' links to FILE (0600)",
        .options =
            {
                {"force", 0, NULL,
                 "replace FILE if it exists (every link already sent stops "
                 "working)"},
            },
        .min_operands = 1,
        .max_operands = 1,
        .exec = web_keygen,
    },
    {0},
};
