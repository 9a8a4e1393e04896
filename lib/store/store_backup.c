/*
 * store_backup.c: online backups (VACUUM INTO a private temporary file,
 * checked, fsynced and renamed into place), checking a backup file before
 * use, and restoring one in place with SQLite's backup API; see
 * store_backup.h.
 */
#include "store_backup.h"
#include "store_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "util.h"

/* fsync a file (O_RDONLY suffices on Linux) or a directory; errno on failure. */
static int
sync_path(const char *path, bool directory)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
    int rc;

    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* The directory of path, fsynced after a rename into it. */
static void
sync_parent(const char *path)
{
    char *copy = strdup(path);

    if (copy)
        (void)sync_path(dirname(copy), true);
    free(copy);
}

/*
 * An empty private file beside path for VACUUM INTO (which accepts an
 * empty file): "DIR/.NAME.XXXXXX", 0600 whatever the umask. OUT: *tmp.
 */
static enum ct_status
make_temp(const char *path, char **tmp, struct ct_error *err)
{
    char *dcopy = strdup(path), *bcopy = strdup(path);
    enum ct_status st = CT_OK;
    int fd;

    *tmp = NULL;
    if (dcopy && bcopy)
        *tmp = ct_asprintf("%s/.%s.XXXXXX", dirname(dcopy), basename(bcopy));
    if (*tmp == NULL) {
        st = ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
        goto done;
    }
    fd = mkstemp(*tmp);
    if (fd < 0) {
        st = ct_error_set(err, CT_EIO, "%s: cannot create a file beside it: %s", path,
                          strerror(errno));
        goto done;
    }
    if (fchmod(fd, 0600) != 0)
        st = ct_error_set(err, CT_EIO, "%s: chmod: %s", *tmp, strerror(errno));
    close(fd);
    if (st != CT_OK)
        unlink(*tmp);
done:
    if (st != CT_OK) {
        free(*tmp);
        *tmp = NULL;
    }
    free(dcopy);
    free(bcopy);
    return st;
}

/* Open the database file at path read-only and immutable. OUT: *db. */
static enum ct_status
open_file(const char *path, sqlite3 **db, struct ct_error *err)
{
    char *uri = ct_store_uri(path, "immutable=1");
    int rc;

    *db = NULL;
    if (uri == NULL)
        return ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
    rc = sqlite3_open_v2(uri, db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI | SQLITE_OPEN_NOMUTEX,
                         NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return ct_error_set(err, CT_EIO, "%s: cannot open: %s", path,
                            *db ? sqlite3_errmsg(*db) : sqlite3_errstr(rc));
    return CT_OK;
}

/* The first column of sql's first row as an int, or text into out. */
static enum ct_status
query_one(sqlite3 *db, const char *path, const char *sql, int *num, char *text, size_t size,
          struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    int rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        if (num)
            *num = sqlite3_column_int(stmt, 0);
        if (text)
            snprintf(text, size, "%s", (const char *)sqlite3_column_text(stmt, 0));
    } else {
        /* NOTADB and CORRUPT mean the file, not the disk, is at fault. */
        int code = sqlite3_errcode(db) & 0xff;
        st = ct_error_set(err, code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? CT_EDATA : CT_EIO,
                          "%s: %s", path, sqlite3_errmsg(db));
    }
    sqlite3_finalize(stmt);
    return st;
}

/* quick_check, the schema version and coffeetrial's tables of an open file. */
static enum ct_status
check_db(sqlite3 *db, const char *path, int *schema, struct ct_error *err)
{
    char result[256];
    enum ct_status st;
    int tables = 0;

    st = query_one(db, path, "PRAGMA quick_check", NULL, result, sizeof(result), err);
    if (st != CT_OK)
        return st;
    if (strcmp(result, "ok") != 0)
        return ct_error_set(err, CT_EDATA, "%s: damaged: quick_check says: %.200s", path, result);
    st = query_one(db, path, "PRAGMA user_version", schema, NULL, 0, err);
    if (st != CT_OK)
        return st;
    if (*schema > CT_SCHEMA_VERSION)
        return ct_error_set(err, CT_ECONFIG,
                            "%s: database schema version %d was written by a newer coffeetrial "
                            "(this one knows up to %d); upgrade coffeetrial",
                            path, *schema, CT_SCHEMA_VERSION);
    st = query_one(db, path,
                   "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                   "name IN ('members', 'rounds', 'outbox', 'meta')",
                   &tables, NULL, 0, err);
    if (st != CT_OK)
        return st;
    if (*schema < 1 || tables != 4)
        return ct_error_set(err, CT_EDATA, "%s: a SQLite database, but not coffeetrial's", path);
    return CT_OK;
}

enum ct_status
ct_store_verify_file(const char *path, int *schema, struct ct_error *err)
{
    static const char magic[16] = "SQLite format 3";
    char head[16];
    struct stat sb = {0};
    sqlite3 *db = NULL;
    enum ct_status st;
    ssize_t n = -1;
    int fd;

    *schema = 0;
    /* O_NONBLOCK: a FIFO given as FILE must not hang the command; it is refused below. */
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return ct_error_set(err, errno == ENOENT ? CT_ENOINPUT : CT_EIO, "%s: %s", path,
                            strerror(errno));
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode))
        n = read(fd, head, sizeof(head));
    close(fd);
    /* Nothing of a foreign file is shown: it may hold anything. */
    if (!S_ISREG(sb.st_mode))
        return ct_error_set(err, CT_EDATA, "%s: not a regular file", path);
    if (n != (ssize_t)sizeof(head) || memcmp(head, magic, sizeof(magic)) != 0)
        return ct_error_set(err, CT_EDATA,
                            "%s: not a SQLite database (%s), so not a coffeetrial backup", path,
                            sb.st_size == 0 ? "empty" : "no SQLite header");
    st = open_file(path, &db, err);
    if (st == CT_OK)
        st = check_db(db, path, schema, err);
    sqlite3_close(db);
    return st;
}

/* Check a fresh copy before it takes the backup's name. */
static enum ct_status
check_copy(const char *tmp, const char *path, int want_schema, struct ct_error *err)
{
    sqlite3 *db = NULL;
    enum ct_status st = open_file(tmp, &db, err);
    int schema = 0;

    if (st == CT_OK)
        st = check_db(db, tmp, &schema, err);
    sqlite3_close(db);
    if (st == CT_OK && schema != want_schema)
        st = ct_error_set(err, CT_EINTERNAL, "%s: the copy has schema %d, the database %d", path,
                          schema, want_schema);
    return st;
}

/* Give the checked copy its name: rename, or link if path must not be replaced. */
static enum ct_status
publish(const char *tmp, const char *path, bool replace, struct ct_error *err)
{
    if (sync_path(tmp, false) != 0)
        return ct_error_set(err, CT_EIO, "%s: fsync: %s", tmp, strerror(errno));
    if (replace ? rename(tmp, path) != 0 : link(tmp, path) != 0) {
        if (errno == EEXIST)
            return ct_error_set(err, CT_EIO, "%s: already exists; not replaced", path);
        return ct_error_set(err, CT_EIO, "%s: %s", path, strerror(errno));
    }
    if (!replace)
        unlink(tmp);
    sync_parent(path);
    return CT_OK;
}

enum ct_status
ct_store_backup(struct ct_store *store, const char *path, bool replace, struct ct_error *err)
{
    sqlite3 *db = ct_store_sqlite(store);
    sqlite3_stmt *stmt = NULL;
    struct stat sb;
    enum ct_status st;
    char *tmp = NULL;

    if (!replace && lstat(path, &sb) == 0)
        return ct_error_set(err, CT_EIO, "%s: already exists; not replaced", path);
    st = make_temp(path, &tmp, err);
    if (st != CT_OK)
        return st;
    /* One read transaction: a snapshot, while the daemon goes on writing (WAL). */
    if (sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &stmt, NULL) != SQLITE_OK) {
        st = ct_store_error(store, err, "back up");
        goto done;
    }
    sqlite3_bind_text(stmt, 1, tmp, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE) {
        st = ct_store_error(store, err, "back up");
        goto done;
    }
    st = check_copy(tmp, path, ct_store_schema_version(store), err);
    if (st == CT_OK)
        st = publish(tmp, path, replace, err);
done:
    sqlite3_finalize(stmt);
    if (st != CT_OK || !replace)
        unlink(tmp);
    free(tmp);
    return st;
}

enum ct_status
ct_store_restore_from(struct ct_store *store, const char *path, struct ct_error *err)
{
    sqlite3 *src = NULL, *db = ct_store_sqlite(store);
    sqlite3_backup *bk;
    enum ct_status st;
    int rc;

    st = open_file(path, &src, err);
    if (st != CT_OK)
        goto done;
    bk = sqlite3_backup_init(db, "main", src, "main");
    if (bk == NULL) {
        st = ct_store_error(store, err, "restore");
        goto done;
    }
    /* All pages in one step: one write transaction on the database. */
    rc = sqlite3_backup_step(bk, -1);
    sqlite3_backup_finish(bk);
    if (rc != SQLITE_DONE) {
        st =
            ct_error_set(err, rc == SQLITE_BUSY || rc == SQLITE_LOCKED ? CT_EBUSY : CT_EIO,
                         "%s: restore from %s: %s", ct_store_path(store), path, sqlite3_errstr(rc));
        goto done;
    }
    /* The restored content lands in the WAL; fold it into the file now. */
    (void)sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL);
done:
    sqlite3_close(src);
    return st;
}

enum ct_status
ct_store_count(struct ct_store *store, struct ct_store_counts *counts, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st;
    bool row;

    memset(counts, 0, sizeof(*counts));
    st = ct_store_prepare(store,
                          "SELECT (SELECT count(*) FROM members WHERE email IS NOT NULL),"
                          " (SELECT count(*) FROM rounds), (SELECT count(*) FROM outbox)",
                          &stmt, err);
    if (st == CT_OK)
        st = ct_store_step_row(store, stmt, &row, "count", err);
    if (st == CT_OK && row) {
        counts->members = sqlite3_column_int64(stmt, 0);
        counts->rounds = sqlite3_column_int64(stmt, 1);
        counts->messages = sqlite3_column_int64(stmt, 2);
    }
    sqlite3_finalize(stmt);
    counts->schema = ct_store_schema_version(store);
    return st;
}
