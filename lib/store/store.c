/*
 * store.c: opening, migrating and transacting on the SQLite database; see
 * store.h. The queries of each table family live in store_FAMILY.c.
 */
#include "store.h"
#include "store_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "schema.h"
#include "util.h"

#ifndef SQLITE_DEFAULT_WAL_AUTOCHECKPOINT
#define SQLITE_DEFAULT_WAL_AUTOCHECKPOINT 1000 /* SQLite's own default */
#endif

struct ct_txn {
    struct ct_store *store;
    bool open;
};

/* Statements prepared once per connection (ct_store_cached), keyed by their SQL's address. */
#define CT_STORE_CACHE 64

struct cached_stmt {
    const char *sql;
    sqlite3_stmt *stmt;
};

struct ct_store {
    sqlite3 *db;
    struct cached_stmt cache[CT_STORE_CACHE];
    size_t cached;
    char *path;
    bool readonly;             /* opened read-only: the file or its directory cannot be written */
    struct ct_txn txn;         /* the one write transaction a connection can hold */
    double txn_started;        /* monotonic seconds, when txn began */
    double txn_longest;        /* the longest write transaction so far, seconds */
    int wal_pages;             /* pages in the WAL, while checkpoints are deferred */
    struct checkpointer *ckpt; /* while checkpoints are deferred (NULL: this thread does them) */
    bool deferred;             /* checkpoints deferred, no checkpointer tried yet */
    int64_t synchronous;       /* PRAGMA synchronous before the batched job (0: none running) */
};

/*
 * While a long job writes batch after batch, its checkpoints run on a
 * second connection and thread: copying the WAL into the database (and its
 * fsync) overlaps the next batch instead of standing between two. A
 * checkpoint running beside a writer cannot let the WAL start over, so
 * once it has grown past CKPT_RESTART times the threshold, the job's own
 * thread waits for the checkpointer and catches up itself: the WAL then
 * starts from the beginning at the next commit, and stays bounded. The
 * checkpointer starts at the first checkpoint due: a small job never
 * opens its connection.
 */
#define CKPT_RESTART 4

/* The page size of a new database, in bytes (see ct_store_open). */
#define CT_STORE_PAGE_SIZE "8192"

static int busy_wait(void *arg, int tries);

struct checkpointer {
    sqlite3 *db;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool wanted, busy, quit; /* under lock */
};

/* Monotonic seconds, for timing write transactions (never the wall clock). */
static double
monotonic_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A write transaction ended: remember it if it was the longest. */
static void
txn_timed(struct ct_store *store)
{
    double held = monotonic_seconds() - store->txn_started;

    if (held > store->txn_longest)
        store->txn_longest = held;
}

enum ct_status
ct_store_data_version(struct ct_store *store, int64_t *version, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;

    *version = 0;
    if (sqlite3_prepare_v2(store->db, "PRAGMA data_version", -1, &stmt, NULL) != SQLITE_OK ||
        sqlite3_step(stmt) != SQLITE_ROW)
        st = ct_store_error(store, err, "read the data version");
    else
        *version = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return st;
}

double
ct_txn_elapsed(const struct ct_txn *txn)
{
    return txn && txn->open ? monotonic_seconds() - txn->store->txn_started : 0;
}

/* SQLite's WAL hook while checkpoints are deferred: only note the WAL's size. */
static int
wal_grew(void *arg, sqlite3 *db, const char *name, int pages)
{
    (void)db;
    (void)name;
    ((struct ct_store *)arg)->wal_pages = pages;
    return SQLITE_OK;
}

static void *
checkpointer_run(void *arg)
{
    struct checkpointer *c = arg;

    pthread_mutex_lock(&c->lock);
    for (;;) {
        while (!c->wanted && !c->quit)
            pthread_cond_wait(&c->cond, &c->lock);
        if (!c->wanted)
            break;
        c->wanted = false;
        c->busy = true;
        pthread_mutex_unlock(&c->lock);
        (void)sqlite3_wal_checkpoint_v2(c->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        pthread_mutex_lock(&c->lock);
        c->busy = false;
        pthread_cond_broadcast(&c->cond);
    }
    pthread_mutex_unlock(&c->lock);
    return NULL;
}

/* A checkpointer on its own connection to store's file; NULL when none can start. */
static struct checkpointer *
checkpointer_start(struct ct_store *store)
{
    struct checkpointer *c;
    char *uri;
    sigset_t all, old;
    int rc;

    if (store->readonly || (c = calloc(1, sizeof(*c))) == NULL)
        return NULL;
    if ((uri = ct_store_uri(store->path, "mode=rw")) == NULL) {
        free(c);
        return NULL;
    }
    rc = sqlite3_open_v2(uri, &c->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI,
                         NULL);
    free(uri);
    if (rc == SQLITE_OK) {
        sqlite3_busy_handler(c->db, busy_wait, NULL);
        /* A connection finds the WAL at its first read: until then it checkpoints nothing. */
        rc = sqlite3_exec(c->db, "SELECT 1 FROM sqlite_schema LIMIT 1", NULL, NULL, NULL);
    }
    pthread_mutex_init(&c->lock, NULL);
    pthread_cond_init(&c->cond, NULL);
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    if (rc != SQLITE_OK || pthread_create(&c->thread, NULL, checkpointer_run, c) != 0)
        rc = SQLITE_ERROR;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != SQLITE_OK) {
        sqlite3_close(c->db);
        pthread_mutex_destroy(&c->lock);
        pthread_cond_destroy(&c->cond);
        free(c);
        return NULL;
    }
    return c;
}

/* Finish the checkpoint asked for, stop the thread, close its connection. */
static void
checkpointer_stop(struct checkpointer *c)
{
    if (c == NULL)
        return;
    pthread_mutex_lock(&c->lock);
    c->quit = true;
    pthread_cond_broadcast(&c->cond);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
    sqlite3_close(c->db);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->cond);
    free(c);
}

/*
 * Make everything in the WAL durable: one sync of the WAL file (what a
 * commit with synchronous=FULL does). True if done.
 */
static bool
wal_sync(struct ct_store *store)
{
    sqlite3_file *wal = NULL;

    if (sqlite3_file_control(store->db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &wal) != SQLITE_OK ||
        wal == NULL || wal->pMethods == NULL)
        return false;
    return wal->pMethods->xSync(wal, SQLITE_SYNC_NORMAL) == SQLITE_OK;
}

/*
 * While the job runs, its commits do not wait for the disk
 * (synchronous=NORMAL): a power cut can lose its last batches, whole, and
 * a resumed job redoes them. Nothing leaves the machine on the strength
 * of them meanwhile: whatever acts outside (the flush's claim, a member's
 * action) commits with synchronous=FULL first, and that syncs the WAL and
 * every batch in it. When the job ends, the WAL is synced once and FULL
 * comes back, so the job's work is durable before it reports.
 */
void
ct_store_checkpoints_deferred(struct ct_store *store, bool on)
{
    store->wal_pages = 0;
    checkpointer_stop(store->ckpt);
    store->ckpt = NULL;
    store->deferred = on;
    if (on) {
        sqlite3_wal_hook(store->db, wal_grew, store);
        if (store->synchronous == 0) {
            store->synchronous = ct_store_pragma(store, "synchronous", 2);
            if (store->synchronous > 1)
                ct_store_pragma_set(store, "synchronous", 1);
        }
        return;
    }
    sqlite3_wal_autocheckpoint(store->db, SQLITE_DEFAULT_WAL_AUTOCHECKPOINT);
    if (store->synchronous > 1) {
        /* If the sync fails, the next commit with FULL syncs instead. */
        (void)wal_sync(store);
        ct_store_pragma_set(store, "synchronous", store->synchronous);
        /* Refused inside a transaction: kept, so that the next call restores it. */
        if (ct_store_pragma(store, "synchronous", 0) != store->synchronous)
            return;
    }
    store->synchronous = 0;
}

void
ct_store_checkpoint_due(struct ct_store *store, int pages)
{
    struct checkpointer *c;
    bool here;

    if (store->wal_pages < pages || store->txn.open)
        return;
    if (store->ckpt == NULL && store->deferred && pages > 1) {
        store->ckpt = checkpointer_start(store);
        store->deferred = false; /* tried once: without one, this thread checkpoints */
    }
    c = store->ckpt;
    here = c == NULL;
    if (c) {
        pthread_mutex_lock(&c->lock);
        if (store->wal_pages >= CKPT_RESTART * pages || pages <= 1) {
            /* Catch up here, so that the WAL can start over. */
            while (c->busy || c->wanted)
                pthread_cond_wait(&c->cond, &c->lock);
            here = true;
        } else if (!c->busy)
            c->wanted = true;
        pthread_cond_broadcast(&c->cond);
        pthread_mutex_unlock(&c->lock);
    }
    if (here) {
        (void)sqlite3_wal_checkpoint_v2(store->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
        store->wal_pages = 0;
    }
}

int
ct_store_page_size(struct ct_store *store)
{
    return (int)ct_store_pragma(store, "page_size", 4096);
}

int64_t
ct_store_pragma(struct ct_store *store, const char *name, int64_t fallback)
{
    sqlite3_stmt *stmt = NULL;
    char sql[64];
    int64_t v = fallback;

    snprintf(sql, sizeof(sql), "PRAGMA %s", name);
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW)
        v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

void
ct_store_pragma_set(struct ct_store *store, const char *name, int64_t value)
{
    sqlite3_stmt *stmt = NULL;
    char sql[96];

    snprintf(sql, sizeof(sql), "PRAGMA %s = %" PRId64, name, value);
    /* Some (mmap_size) answer with a row: step until done. */
    if (sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL) == SQLITE_OK)
        while (sqlite3_step(stmt) == SQLITE_ROW)
            ;
    sqlite3_finalize(stmt);
}

double
ct_store_longest_txn(const struct ct_store *store)
{
    return store ? store->txn_longest : 0;
}

/* How long a writer waits for another process's transaction. */
#define CT_BUSY_TIMEOUT_MS 10000

/*
 * SQLite's own busy timeout sleeps up to 100 ms between tries, so a writer
 * waiting on a long job that commits in batches (round send) rarely finds
 * the lock free in the few milliseconds between two batches: it tries
 * every millisecond instead, for CT_BUSY_TIMEOUT_MS in all.
 */
static int
busy_wait(void *arg, int tries)
{
    struct timespec ms = {0, 1000000};

    (void)arg;
    if (tries >= CT_BUSY_TIMEOUT_MS)
        return 0;
    nanosleep(&ms, NULL);
    return 1;
}

static enum ct_status
exec_sql(struct ct_store *store, const char *sql, const char *doing, struct ct_error *err)
{
    char *msg = NULL;
    int rc = sqlite3_exec(store->db, sql, NULL, NULL, &msg);

    if (rc == SQLITE_OK)
        return CT_OK;
    ct_error_set(err, rc == SQLITE_BUSY ? CT_EBUSY : CT_EIO, "%s: %s: %s", store->path, doing,
                 msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return err ? err->status : CT_EIO;
}

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK on the handle; ct_txn is their only user. */
static void sql_rollback(struct ct_store *store);

static enum ct_status
sql_begin(struct ct_store *store, struct ct_error *err)
{
    return exec_sql(store, "BEGIN IMMEDIATE", "begin transaction", err);
}

static enum ct_status
sql_commit(struct ct_store *store, struct ct_error *err)
{
    enum ct_status st = exec_sql(store, "COMMIT", "commit", err);

    if (st != CT_OK)
        sql_rollback(store);
    return st;
}

static void
sql_rollback(struct ct_store *store)
{
    if (!sqlite3_get_autocommit(store->db))
        (void)sqlite3_exec(store->db, "ROLLBACK", NULL, NULL, NULL);
}

int
ct_store_schema_version(struct ct_store *store)
{
    return (int)ct_store_pragma(store, "user_version", -1);
}

/*
 * A migration that edited a table's definition in sqlite_schema (a CHECK,
 * as SQLite documents for changes that need no copy of the table): the
 * schema version goes up, so every connection reads the schema again, and
 * editing is switched off.
 */
static enum ct_status
schema_edited(struct ct_store *store, struct ct_error *err)
{
    char pragma[64];
    int64_t cookie = ct_store_pragma(store, "schema_version", -1);

    if (cookie < 0)
        return ct_store_error(store, err, "read the schema's version");
    snprintf(pragma, sizeof(pragma), "PRAGMA schema_version = %" PRId64, cookie + 1);
    if (exec_sql(store, pragma, "count the schema's change", err) != CT_OK)
        return err->status;
    return exec_sql(store, "PRAGMA writable_schema = OFF", "end the schema's edit", err);
}

/* Apply every migration the database lacks, each in its own transaction. */
static enum ct_status
migrate(struct ct_store *store, struct ct_error *err)
{
    enum ct_status st;
    int version;
    char pragma[64];

    /* Up to date (the usual case): no write lock needed, so readers never wait. */
    if (ct_store_schema_version(store) == CT_SCHEMA_VERSION)
        return CT_OK;
    st = sql_begin(store, err);
    if (st != CT_OK)
        return st;
    version = ct_store_schema_version(store);
    if (version < 0) {
        sql_rollback(store);
        return ct_store_error(store, err, "read schema version");
    }
    if (version > CT_SCHEMA_VERSION) {
        sql_rollback(store);
        return ct_error_set(err, CT_ECONFIG,
                            "%s: database schema version %d was written by a newer coffeetrial "
                            "(this one knows up to %d); upgrade coffeetrial",
                            store->path, version, CT_SCHEMA_VERSION);
    }
    for (; version < CT_SCHEMA_VERSION; version++) {
        st = exec_sql(store, ct_migrations[version], "migration", err);
        if (st == CT_OK && strstr(ct_migrations[version], "writable_schema") != NULL)
            st = schema_edited(store, err);
        if (st != CT_OK) {
            sql_rollback(store);
            return ct_error_prefix(err, "schema version %d", version + 1);
        }
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %d", version + 1);
        st = exec_sql(store, pragma, "set schema version", err);
        if (st != CT_OK) {
            sql_rollback(store);
            return st;
        }
    }
    return sql_commit(store, err);
}

char *
ct_store_uri(const char *path, const char *query)
{
    struct ct_buf b;
    const unsigned char *p;

    ct_buf_init(&b);
    ct_buf_puts(&b, "file:");
    for (p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p))
            ct_buf_putc(&b, (char)*p);
        else
            ct_buf_printf(&b, "%%%02X", *p);
    }
    ct_buf_printf(&b, "?%s", query);
    if (b.failed) {
        ct_buf_free(&b);
        return NULL;
    }
    return ct_buf_steal(&b);
}

/* Whether path with suffix appended exists and is not empty. */
static bool
sibling_nonempty(const char *path, const char *suffix)
{
    char *name = ct_asprintf("%s%s", path, suffix);
    struct stat sb;
    bool yes = name && stat(name, &sb) == 0 && sb.st_size > 0;

    free(name);
    return yes;
}

/* access(path + suffix, mode) == 0. */
static bool
sibling_access(const char *path, const char *suffix, int mode)
{
    char *name = ct_asprintf("%s%s", path, suffix);
    bool yes = name && access(name, mode) == 0;

    free(name);
    return yes;
}

/*
 * Whether this process can write the existing database at path: the file,
 * and its directory unless the -wal and -shm files exist writable. OUT:
 * *why, the errno (EROFS, EACCES) when not.
 */
static bool
writable(const char *path, int *why)
{
    char *copy = strdup(path);
    bool ok = access(path, W_OK) == 0;

    *why = ok ? 0 : errno;
    if (ok && copy && access(dirname(copy), W_OK) != 0) {
        *why = errno;
        ok = sibling_access(path, "-wal", W_OK) && sibling_access(path, "-shm", W_OK);
    }
    free(copy);
    return ok;
}

/*
 * Before SQLite sees path: refuse an empty file (never a new network: it
 * is more likely a failed copy), and create a missing one 0660 whatever
 * the umask, as the daemon's shared state directory needs (the -wal and
 * -shm files take the database's mode). OUT: *created.
 */
static enum ct_status
prepare_file(const char *path, bool *created, struct ct_error *err)
{
    struct stat sb;
    int fd;

    *created = false;
    if (stat(path, &sb) == 0) {
        if (S_ISREG(sb.st_mode) && sb.st_size == 0 && !sibling_nonempty(path, "-wal"))
            return ct_error_set(err, CT_EIO,
                                "%s: empty file (0 bytes), not a coffeetrial database; not "
                                "taken for a new one: remove it to start afresh, or restore a "
                                "backup (coffeetrial restore FILE)",
                                path);
        return CT_OK;
    }
    if (errno != ENOENT)
        return CT_OK; /* SQLite says why in its own words */
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0660);
    if (fd >= 0) {
        *created = true;
        (void)fchmod(fd, 0660);
        close(fd);
    }
    return CT_OK;
}

/*
 * Before SQLite's first use: no count of its memory, which nothing reads
 * and which takes a process-wide lock at every allocation (with a send's
 * second thread, a contended one). Too late is harmless (SQLITE_MISUSE).
 */
static void
sqlite_configure(void)
{
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

/*
 * sqlite3_open_v2 for access, read-only when the existing file cannot be
 * written and only reading was asked for. OUT: store->db, store->readonly.
 */
static enum ct_status
open_handle(struct ct_store *store, enum ct_store_access access, bool created, struct ct_error *err)
{
    static pthread_once_t configured = PTHREAD_ONCE_INIT;
    int why = 0, rc, flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI;
    char *uri = NULL;

    pthread_once(&configured, sqlite_configure);

    if (!created && !writable(store->path, &why) && why != ENOENT) {
        if (access == CT_STORE_WRITE)
            return ct_error_set(err, CT_EIO,
                                "%s: read-only (%s): this command changes the database; run it "
                                "where the database is writable",
                                store->path, strerror(why));
        /*
         * On a read-only file system nobody writes: without a -shm file, a
         * WAL database opens only as immutable (which would skip a -wal
         * file's changes, so not when one holds any).
         */
        store->readonly = true;
        uri =
            ct_store_uri(store->path, why == EROFS && !sibling_access(store->path, "-shm", F_OK) &&
                                              !sibling_nonempty(store->path, "-wal")
                                          ? "immutable=1"
                                          : "mode=ro");
        flags |= SQLITE_OPEN_READONLY;
    } else {
        uri = ct_store_uri(store->path, "mode=rwc");
        flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE;
    }
    if (uri == NULL)
        return ct_error_set(err, CT_ENOMEM, "%s: out of memory", store->path);
    rc = sqlite3_open_v2(uri, &store->db, flags, NULL);
    free(uri);
    if (rc != SQLITE_OK)
        return ct_error_set(err, CT_EIO, "%s: cannot open database: %s", store->path,
                            store->db ? sqlite3_errmsg(store->db) : sqlite3_errstr(rc));
    return CT_OK;
}

/* A read-only database is used as it is: its schema must be this build's. */
static enum ct_status
check_readonly_schema(struct ct_store *store, struct ct_error *err)
{
    int version = ct_store_schema_version(store);

    if (version < 0)
        return ct_store_error(store, err, "read schema version");
    if (version > CT_SCHEMA_VERSION)
        return ct_error_set(err, CT_ECONFIG,
                            "%s: database schema version %d was written by a newer coffeetrial "
                            "(this one knows up to %d); upgrade coffeetrial",
                            store->path, version, CT_SCHEMA_VERSION);
    if (version < CT_SCHEMA_VERSION)
        return ct_error_set(err, CT_EIO,
                            "%s: read-only, and its schema (version %d) needs upgrading to %d: "
                            "run coffeetrial once where the database is writable",
                            store->path, version, CT_SCHEMA_VERSION);
    return CT_OK;
}

enum ct_status
ct_store_open(const char *path, struct ct_store **out, struct ct_error *err)
{
    return ct_store_open_for(path, CT_STORE_WRITE, out, err);
}

enum ct_status
ct_store_open_for(const char *path, enum ct_store_access access, struct ct_store **out,
                  struct ct_error *err)
{
    struct ct_store *store;
    enum ct_status st;
    bool created = false;
    struct stat sb;

    *out = NULL;
    store = calloc(1, sizeof(*store));
    if (store == NULL || (store->path = strdup(path)) == NULL) {
        free(store);
        return ct_error_set(err, CT_ENOMEM, "%s: out of memory", path);
    }
    st = prepare_file(path, &created, err);
    if (st == CT_OK)
        st = open_handle(store, access, created, err);
    if (st != CT_OK)
        goto fail;
    sqlite3_extended_result_codes(store->db, 1);
    sqlite3_busy_handler(store->db, busy_wait, NULL);
    /*
     * WAL lets the CLI read while the daemon writes; synchronous=FULL makes
     * every committed outbox change survive a power cut. A new database
     * gets 8 KiB pages (set before its first page is written; an existing
     * one keeps its own): an outbox row is about 800 bytes, and a send
     * writes half as many WAL frames as with SQLite's 4 KiB default.
     */
    st = exec_sql(store,
                  store->readonly ? "PRAGMA foreign_keys = ON;"
                                  : "PRAGMA page_size = " CT_STORE_PAGE_SIZE ";"
                                    "PRAGMA journal_mode = WAL;"
                                    "PRAGMA synchronous = FULL;"
                                    "PRAGMA foreign_keys = ON;",
                  "configure", err);
    if (st != CT_OK)
        goto fail;
    st = store->readonly ? check_readonly_schema(store, err) : migrate(store, err);
    if (st != CT_OK)
        goto fail;
    *out = store;
    return CT_OK;
fail:
    ct_store_close(store);
    /* Leave no empty file behind for the next run to refuse. */
    if (created && stat(path, &sb) == 0 && sb.st_size == 0)
        unlink(path);
    return st;
}

void
ct_store_close(struct ct_store *store)
{
    size_t i;

    if (store == NULL)
        return;
    checkpointer_stop(store->ckpt);
    for (i = 0; i < store->cached; i++)
        sqlite3_finalize(store->cache[i].stmt);
    sqlite3_close(store->db);
    free(store->path);
    free(store);
}

sqlite3 *
ct_store_sqlite(struct ct_store *store)
{
    return store->db;
}

const char *
ct_store_path(const struct ct_store *store)
{
    return store->path;
}

enum ct_status
ct_txn_begin(struct ct_store *store, struct ct_txn **txn, struct ct_error *err)
{
    enum ct_status st;

    *txn = NULL;
    if (store->txn.open)
        return ct_error_set(err, CT_EINTERNAL, "%s: a transaction is already open", store->path);
    st = sql_begin(store, err);
    if (st != CT_OK)
        return st;
    store->txn.store = store;
    store->txn.open = true;
    store->txn_started = monotonic_seconds();
    *txn = &store->txn;
    return CT_OK;
}

enum ct_status
ct_txn_commit(struct ct_txn *txn, struct ct_error *err)
{
    enum ct_status st;

    txn->open = false;
    st = sql_commit(txn->store, err);
    txn_timed(txn->store);
    return st;
}

void
ct_txn_rollback(struct ct_txn *txn)
{
    if (txn == NULL)
        return;
    txn->open = false;
    sql_rollback(txn->store);
    txn_timed(txn->store);
}

struct ct_store *
ct_txn_store(struct ct_txn *txn)
{
    return txn->store;
}

enum ct_status
ct_store_error(struct ct_store *store, struct ct_error *err, const char *doing)
{
    int code = sqlite3_errcode(store->db) & 0xff;
    enum ct_status st = CT_EIO;

    if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
        st = CT_EBUSY;
    else if (code == SQLITE_NOMEM)
        st = CT_ENOMEM;
    else if (code == SQLITE_CONSTRAINT)
        st = CT_EDATA;
    return ct_error_set(err, st, "%s: %s: %s", store->path, doing, sqlite3_errmsg(store->db));
}

enum ct_status
ct_store_prepare(struct ct_store *store, const char *sql, sqlite3_stmt **stmt, struct ct_error *err)
{
    if (sqlite3_prepare_v2(store->db, sql, -1, stmt, NULL) != SQLITE_OK) {
        *stmt = NULL;
        return ct_store_error(store, err, "prepare query");
    }
    return CT_OK;
}

enum ct_status
ct_store_cached(struct ct_store *store, const char *sql, sqlite3_stmt **stmt, struct ct_error *err)
{
    size_t i;

    *stmt = NULL;
    for (i = 0; i < store->cached; i++)
        if (store->cache[i].sql == sql) {
            *stmt = store->cache[i].stmt;
            return CT_OK;
        }
    if (store->cached == CT_STORE_CACHE)
        return ct_error_set(err, CT_EINTERNAL, "%s: more than %d cached queries", store->path,
                            CT_STORE_CACHE);
    if (sqlite3_prepare_v3(store->db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, NULL) !=
        SQLITE_OK) {
        *stmt = NULL;
        return ct_store_error(store, err, "prepare query");
    }
    store->cache[store->cached].sql = sql;
    store->cache[store->cached].stmt = *stmt;
    store->cached++;
    return CT_OK;
}

void
ct_store_release(sqlite3_stmt *stmt)
{
    if (stmt == NULL)
        return;
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
}

enum ct_status
ct_store_step_done(struct ct_store *store, sqlite3_stmt *stmt, const char *doing,
                   struct ct_error *err)
{
    enum ct_status st = CT_OK;

    /* The error is read before the reset, which may clear it. */
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(store, err, doing);
    sqlite3_reset(stmt);
    if (st == CT_OK)
        sqlite3_clear_bindings(stmt);
    return st;
}

enum ct_status
ct_store_step_row(struct ct_store *store, sqlite3_stmt *stmt, bool *row, const char *doing,
                  struct ct_error *err)
{
    int rc = sqlite3_step(stmt);

    *row = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return ct_store_error(store, err, doing);
    return CT_OK;
}

char *
ct_store_column_dup(sqlite3_stmt *stmt, int col, bool *failed)
{
    const char *s = (const char *)sqlite3_column_text(stmt, col);
    char *copy;

    if (s == NULL)
        return NULL;
    if ((copy = strdup(s)) == NULL)
        *failed = true;
    return copy;
}

enum ct_status
ct_store_meta_get(struct ct_store *store, const char *key, char **value, struct ct_error *err)
{
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;
    int rc;

    *value = NULL;
    if (sqlite3_prepare_v2(store->db, "SELECT value FROM meta WHERE key = ?1", -1, &stmt, NULL) !=
        SQLITE_OK)
        return ct_store_error(store, err, "read meta");
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        const char *v = (const char *)sqlite3_column_text(stmt, 0);
        if (v && (*value = strdup(v)) == NULL)
            st = ct_error_set(err, CT_ENOMEM, "out of memory");
    } else if (rc != SQLITE_DONE) {
        st = ct_store_error(store, err, "read meta");
    }
    sqlite3_finalize(stmt);
    return st;
}

enum ct_status
ct_store_meta_set(struct ct_txn *txn, const char *key, const char *value, struct ct_error *err)
{
    struct ct_store *store = txn->store;
    sqlite3_stmt *stmt = NULL;
    enum ct_status st = CT_OK;

    if (sqlite3_prepare_v2(store->db,
                           "INSERT INTO meta(key, value) VALUES (?1, ?2) "
                           "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                           -1, &stmt, NULL) != SQLITE_OK)
        return ct_store_error(store, err, "write meta");
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, value, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        st = ct_store_error(store, err, "write meta");
    sqlite3_finalize(stmt);
    return st;
}
