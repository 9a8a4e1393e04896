/*
 * lockfile.c: the single-instance lock; see lockfile.h. flock(2) rather
 * than fcntl(2) locks: fcntl locks vanish when any descriptor of the file
 * is closed anywhere in the process, flock locks belong to the open file.
 */
#include "lockfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

/* The pid written in the lock file, 0 if it cannot be read. */
static long
holder_pid(int fd)
{
    char buf[32];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    long pid;
    char *end;

    if (n <= 0)
        return 0;
    buf[n] = '\0';
    pid = strtol(buf, &end, 10);
    return end != buf && pid > 0 ? pid : 0;
}

enum ct_status
ct_lockfile_acquire(const char *db_path, int *out, struct ct_error *err)
{
    long holder;

    return ct_lockfile_take(db_path, out, &holder, err);
}

enum ct_status
ct_lockfile_take(const char *db_path, int *out, long *holder, struct ct_error *err)
{
    char *path = ct_asprintf("%s.lock", db_path);
    char pidline[32];
    enum ct_status st = CT_OK;
    int fd = -1, len;
    long pid;

    *out = -1;
    *holder = 0;
    if (path == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0660);
    if (fd < 0) {
        st = ct_error_set(err, CT_EIO, "%s: cannot create lock file: %s", path, strerror(errno));
        goto done;
    }
    /*
     * 0660 whatever the umask: coffeetrial restore may create it as an
     * organiser, and the daemon (same group) must open it read-write later.
     */
    (void)fchmod(fd, 0660);
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK) {
            st = ct_error_set(err, CT_EIO, "%s: cannot lock: %s", path, strerror(errno));
            goto done;
        }
        /* The holder writes its pid right after locking: a moment's race at worst. */
        pid = holder_pid(fd);
        *holder = pid;
        if (pid)
            st =
                ct_error_set(err, CT_EBUSY, "another instance (pid %ld) is using %s", pid, db_path);
        else
            st = ct_error_set(err, CT_EBUSY, "another instance is using %s (it holds %s)", db_path,
                              path);
        goto done;
    }
    len = snprintf(pidline, sizeof(pidline), "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pidline, (size_t)len, 0) != len) {
        st = ct_error_set(err, CT_EIO, "%s: cannot write pid: %s", path, strerror(errno));
        goto done;
    }
    *out = fd;
    fd = -1;
done:
    if (fd >= 0)
        close(fd);
    free(path);
    return st;
}
