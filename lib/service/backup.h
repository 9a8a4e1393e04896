/*
 * backup.h: backing a network's database up while the daemon runs, and
 * restoring one, for the programs: the store's whole-database copies
 * (store_backup.h) with what a restore must do around them.
 */
#ifndef CT_BACKUP_H
#define CT_BACKUP_H

#include <stdbool.h>
#include <time.h>

#include "ct.h"
#include "store.h"
#include "store_backup.h"

/*
 * Back the open store up to path: a consistent copy while others write,
 * 0600, complete or absent (ct_store_backup). An existing path is refused
 * (CT_EIO) unless replace.
 */
enum ct_status ct_backup_write(struct ct_store *store, const char *path, bool replace,
                               struct ct_error *err);

/* What a restore did. */
struct ct_restore_summary {
    struct ct_store_counts before; /* the database that was replaced */
    struct ct_store_counts after;  /* the restored one, migrated */
    int backup_schema;             /* the backup file's schema version */
    char *saved;                   /* where the replaced database was saved (heap) */
};

/*
 * Replace the database at db_path with the backup file: check the file
 * (ct_store_verify_file: not SQLite 65, damaged 65, newer schema 78),
 * save the current database beside it as DB.pre-restore-YYYYMMDDTHHMMSS
 * (UTC, from now; a full copy, 0600), copy the backup in place (same
 * inode and mode; readers see it at their next read), and reopen it to
 * migrate an older schema. The caller holds the daemon's lock
 * (daemon/lockfile.h). OUT: *summary, freed with ct_restore_summary_free,
 * filled as far as the restore got.
 */
enum ct_status ct_backup_restore(const char *db_path, const char *file, time_t now,
                                 struct ct_restore_summary *summary, struct ct_error *err);

void ct_restore_summary_free(struct ct_restore_summary *summary);

#endif
