/*
 * cmd-backup.c: "coffeetrial backup FILE" (a consistent copy while the
 * daemon runs) and "coffeetrial restore FILE" (refused while a daemon
 * holds the database; the replaced database is saved first).
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "backup.h"
#include "cli.h"
#include "clock.h"
#include "lockfile.h"

static int
backup(struct ct_cli *cli, const struct ct_args *args)
{
    const char *path = args->operands[0];
    bool force = ct_args_has(args, "force");
    struct ct_store *store;
    struct ct_error err;
    struct stat sb;

    if (!force && lstat(path, &sb) == 0) {
        ct_cli_error("%s: already exists; give --force to replace it", path);
        return EX_IOERR;
    }
    if ((store = ct_cli_store_read(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    if (ct_backup_write(store, path, force, &err) != CT_OK)
        return ct_cli_fail(&err);
    if (!cli->quiet)
        printf("backed up %s to %s\n", ct_store_path(store), path);
    return EX_OK;
}

static void
print_counts(const char *label, const struct ct_store_counts *c)
{
    printf("%-9s %ld member%s, %ld round%s, %ld message%s (schema %d)\n", label, c->members,
           c->members == 1 ? "" : "s", c->rounds, c->rounds == 1 ? "" : "s", c->messages,
           c->messages == 1 ? "" : "s", c->schema);
}

static int
restore(struct ct_cli *cli, const struct ct_args *args)
{
    struct ct_restore_summary sum = {0};
    struct ct_config *cfg;
    struct ct_error err;
    int lock_fd = -1, rc = EX_OK;
    long holder = 0;

    if ((cfg = ct_cli_config(cli)) == NULL)
        return cli->failed_exit;
    ct_error_clear(&err);
    /* Held until the end: no coffeetriald starts on a half-restored database. */
    if (ct_lockfile_take(cfg->store.path, &lock_fd, &holder, &err) != CT_OK) {
        if (err.status == CT_EBUSY && holder) {
            ct_cli_error("coffeetriald (pid %ld) is using %s; stop it first", holder,
                         cfg->store.path);
            return EX_TEMPFAIL;
        }
        return ct_cli_fail(&err);
    }
    if (ct_backup_restore(cfg->store.path, args->operands[0], ct_now(), &sum, &err) != CT_OK) {
        rc = ct_cli_fail(&err);
        if (sum.before.schema > 0 && access(sum.saved, F_OK) == 0)
            ct_cli_error("the database as it was is saved in %s", sum.saved);
        goto done;
    }
    printf("restored %s from %s\n", cfg->store.path, args->operands[0]);
    print_counts("replaced:", &sum.before);
    printf("          saved as %s\n", sum.saved);
    print_counts("now:", &sum.after);
    if (sum.backup_schema < sum.after.schema)
        printf("the backup's schema %d was upgraded to %d\n", sum.backup_schema, sum.after.schema);
done:
    ct_restore_summary_free(&sum);
    close(lock_fd);
    return rc;
}

const struct ct_cmd ct_cmds_backup[] = {
    {
        .group = "backup",
        .args = "FILE [--force]",
        .summary = "copy the database to FILE (0600), consistently, also while coffeetriald runs",
        .options =
            {
                {"force", 0, NULL, "replace FILE if it exists"},
            },
        .min_operands = 1,
        .max_operands = 1,
        .exec = backup,
    },
    {
        .group = "restore",
        .args = "FILE",
        .summary = "replace the database with the backup FILE (coffeetriald must be stopped)",
        .min_operands = 1,
        .max_operands = 1,
        .exec = restore,
    },
    {0},
};
