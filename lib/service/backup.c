/*
 * backup.c: backups and restores for the programs; see backup.h. A
 * restore saves the database it replaces first, so a wrong FILE can be
 * undone with another restore.
 */
#include "backup.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util.h"

enum ct_status
ct_backup_write(struct ct_store *store, const char *path, bool replace, struct ct_error *err)
{
    return ct_store_backup(store, path, replace, err);
}

void
ct_restore_summary_free(struct ct_restore_summary *summary)
{
    if (summary == NULL)
        return;
    free(summary->saved);
    summary->saved = NULL;
}

/* Whether a and b name the same file. */
static bool
same_file(const char *a, const char *b)
{
    struct stat sa, sb;

    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* DB.pre-restore-YYYYMMDDTHHMMSS, in UTC. */
static char *
saved_name(const char *db_path, time_t now)
{
    struct tm tm;
    char stamp[32];

    if (gmtime_r(&now, &tm) == NULL || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%S", &tm) == 0)
        return NULL;
    return ct_asprintf("%s.pre-restore-%s", db_path, stamp);
}

enum ct_status
ct_backup_restore(const char *db_path, const char *file, time_t now,
                  struct ct_restore_summary *summary, struct ct_error *err)
{
    struct ct_store *store = NULL;
    enum ct_status st;

    memset(summary, 0, sizeof(*summary));
    st = ct_store_verify_file(file, &summary->backup_schema, err);
    if (st != CT_OK)
        return st;
    if (same_file(file, db_path))
        return ct_error_set(err, CT_EUSAGE, "%s: is the database itself", file);
    if ((summary->saved = saved_name(db_path, now)) == NULL)
        return ct_error_set(err, CT_ENOMEM, "out of memory");
    st = ct_store_open(db_path, &store, err);
    if (st == CT_OK)
        st = ct_store_count(store, &summary->before, err);
    if (st == CT_OK)
        st = ct_store_backup(store, summary->saved, false, err);
    if (st == CT_OK)
        st = ct_store_restore_from(store, file, err);
    ct_store_close(store);
    store = NULL;
    if (st != CT_OK)
        return st;
    /* Reopened as any program would: an older backup's schema migrates now. */
    st = ct_store_open(db_path, &store, err);
    if (st == CT_OK)
        st = ct_store_count(store, &summary->after, err);
    ct_store_close(store);
    return st;
}
