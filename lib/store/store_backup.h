/*
 * store_backup.h: whole-database copies: a consistent online backup
 * (VACUUM INTO) while other processes write, a check that a file is a
 * coffeetrial database this build can use, and restoring one into an open
 * store in place (SQLite's backup API).
 */
#ifndef CT_STORE_BACKUP_H
#define CT_STORE_BACKUP_H

#include <stdbool.h>

#include "ct.h"
#include "store.h"

/*
 * Write a consistent copy of the open database to path while other
 * connections (the daemon) go on writing: VACUUM INTO a temporary file
 * beside path created 0600 whatever the umask, checked (quick_check, the
 * same schema version), fsynced, renamed over path, the directory fsynced.
 * The copy is a single file (rollback journal, no -wal). An existing path
 * is refused (CT_EIO, the file untouched) unless replace. Errors name the
 * file; nothing is left behind on failure.
 */
enum ct_status ct_store_backup(struct ct_store *store, const char *path, bool replace,
                               struct ct_error *err);

/*
 * Check that path is a coffeetrial database this build can open: a SQLite
 * file (else CT_EDATA, without echoing any of its content), passing
 * quick_check (CT_EDATA), with coffeetrial's tables (CT_EDATA), at a
 * schema version not newer than this build's (CT_ECONFIG naming both). A
 * missing file is CT_ENOINPUT. Opened read-only; never changed.
 * OUT: *schema, its schema version.
 */
enum ct_status ct_store_verify_file(const char *path, int *schema, struct ct_error *err);

/*
 * Replace the whole content of the open database with the database at
 * path (verified by the caller) through SQLite's backup API, in one write
 * transaction: the file keeps its inode, owner and mode, other connections
 * see the new content at their next read, no stale -wal survives. The
 * caller reopens it with ct_store_open() to migrate an older schema.
 */
enum ct_status ct_store_restore_from(struct ct_store *store, const char *path,
                                     struct ct_error *err);

/* How much a database holds, for a restore's summary. */
struct ct_store_counts {
    long members;  /* members with an address (not erased) */
    long rounds;   /* rounds in any state */
    long messages; /* outbox messages in any state */
    int schema;    /* PRAGMA user_version */
};

/* OUT: *counts of the open database. */
enum ct_status ct_store_count(struct ct_store *store, struct ct_store_counts *counts,
                              struct ct_error *err);

#endif
