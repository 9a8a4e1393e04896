/*
 * lockfile.h: one coffeetriald per database. The lock is flock(2) on
 * "<database>.lock" beside the database, holding the owner's pid so a
 * refused second instance can name it. The kernel drops the lock when the
 * process dies, so a stale file never blocks a restart. Linked into both
 * programs: coffeetrial restore takes the same lock.
 */
#ifndef CT_LOCKFILE_H
#define CT_LOCKFILE_H

#include "ct.h"

/*
 * Lock db_path for this process. CT_EBUSY, with a message naming the
 * running pid and the database, if another process holds it; CT_EIO if the
 * lock file cannot be created. OUT: *fd, kept open for the process's life
 * (closing it releases the lock).
 */
enum ct_status ct_lockfile_acquire(const char *db_path, int *fd, struct ct_error *err);

/*
 * ct_lockfile_acquire() that also says who holds the lock when it is
 * taken: OUT: *holder, that process's pid (0 if unknown or not held).
 * coffeetrial restore takes the lock so no coffeetriald can start while
 * it replaces the database.
 */
enum ct_status ct_lockfile_take(const char *db_path, int *fd, long *holder, struct ct_error *err);

#endif
