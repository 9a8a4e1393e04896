/*
 * scratchdb.c: the unit tests' scratch database and SQL helpers
 * (scratchdb.h). A failure says what SQLite said and which statement, with
 * its values bound, so a broken fixture is found from the test log alone.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "members.h"
#include "outbox.h"
#include "roster.h"
#include "store_impl.h"
#include "store_outbox.h"
#include "scratchdb.h"
#include "util.h"

struct scratchdb *
scratchdb_new_unopened(const char *name)
{
    struct scratchdb *db = calloc(1, sizeof(*db));

    assert_non_null(db);
    if (snprintf(db->dir, sizeof(db->dir), "/tmp/ct-test-%s-XXXXXX", name) >= (int)sizeof(db->dir))
        fail_msg("scratch database name too long: %s", name);
    if (mkdtemp(db->dir) == NULL)
        fail_msg("mkdtemp %s: %s", db->dir, strerror(errno));
    db->path = ct_asprintf("%s/ct.db", db->dir);
    assert_non_null(db->path);
    return db;
}

struct scratchdb *
scratchdb_new(const char *name)
{
    struct scratchdb *db = scratchdb_new_unopened(name);
    struct ct_error err;

    ct_error_clear(&err);
    if (ct_store_open(db->path, &db->store, &err) != CT_OK)
        fail_msg("open %s: %s", db->path, err.message);
    return db;
}

void
scratchdb_free(struct scratchdb *db)
{
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char dir[sizeof(db->dir)];
    int removed, why;
    size_t i;

    if (db == NULL)
        return;
    ct_store_close(db->store);
    for (i = 0; i < CT_ARRAY_LEN(suffixes); i++) {
        char *p = ct_asprintf("%s%s", db->path, suffixes[i]);
        unlink(p);
        free(p);
    }
    removed = rmdir(db->dir);
    why = errno;
    memcpy(dir, db->dir, sizeof(dir));
    free(db->path);
    free(db);
    if (removed != 0)
        fail_msg("remove %s: %s (did the test leave a file there?)", dir, strerror(why));
}

/* Fail the test at the caller's file and line, as fail_msg() would there. */
static void __attribute__((format(printf, 3, 4)))
fail_at(const char *file, int line, const char *fmt, ...)
{
    char msg[8192];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    print_error("ERROR: %s\n", msg);
    _fail(file, line);
}

/* Fail saying why, with the statement as it ran (values bound); finalizes stmt. */
static void
fail_stmt(const char *file, int line, sqlite3_stmt *stmt, const char *why)
{
    char *expanded = sqlite3_expanded_sql(stmt);
    char msg[8192];

    snprintf(msg, sizeof(msg), "%s\n  in: %s", why, expanded ? expanded : sqlite3_sql(stmt));
    sqlite3_free(expanded);
    sqlite3_finalize(stmt);
    fail_at(file, line, "%s", msg);
}

/*
 * Prepare sql, bind the text arguments from ap (up to the NULL the macros
 * add) to its parameters, one each, and step to the first row. OUT: the
 * statement standing on that row, which the caller finalizes.
 */
static sqlite3_stmt *
first_row(const char *file, int line, struct ct_store *store, const char *sql, va_list ap)
{
    sqlite3 *handle = ct_store_sqlite(store);
    sqlite3_stmt *stmt = NULL;
    const char *value;
    int i = 0, rc;

    if (sqlite3_prepare_v2(handle, sql, -1, &stmt, NULL) != SQLITE_OK)
        fail_at(file, line, "%s\n  in: %s", sqlite3_errmsg(handle), sql);
    while ((value = va_arg(ap, const char *)) != NULL)
        if (++i > sqlite3_bind_parameter_count(stmt) ||
            sqlite3_bind_text(stmt, i, value, -1, SQLITE_TRANSIENT) != SQLITE_OK)
            fail_at(file, line, "value %d does not fit the statement\n  in: %s", i, sql);
    if (i != sqlite3_bind_parameter_count(stmt))
        fail_at(file, line, "%d values for %d parameters\n  in: %s", i,
                sqlite3_bind_parameter_count(stmt), sql);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW)
        fail_stmt(file, line, stmt, rc == SQLITE_DONE ? "no row" : sqlite3_errmsg(handle));
    return stmt;
}

void
sql_exec_at(const char *file, int line, struct ct_store *store, const char *sql)
{
    if (sqlite3_exec(ct_store_sqlite(store), sql, NULL, NULL, NULL) != SQLITE_OK)
        fail_at(file, line, "%s\n  in: %s", sqlite3_errmsg(ct_store_sqlite(store)), sql);
}

long long
sql_int_at(const char *file, int line, struct ct_store *store, const char *sql, ...)
{
    sqlite3_stmt *stmt;
    long long v;
    va_list ap;

    va_start(ap, sql);
    stmt = first_row(file, line, store, sql, ap);
    va_end(ap);
    v = sqlite3_column_int64(stmt, 0);
    sqlite3_finalize(stmt);
    return v;
}

char *
sql_text_at(const char *file, int line, struct ct_store *store, const char *sql, ...)
{
    const unsigned char *text;
    sqlite3_stmt *stmt;
    va_list ap;
    char *v;

    va_start(ap, sql);
    stmt = first_row(file, line, store, sql, ap);
    va_end(ap);
    text = sqlite3_column_text(stmt, 0);
    v = strdup(text ? (const char *)text : "");
    assert_non_null(v);
    sqlite3_finalize(stmt);
    return v;
}

void
assert_sql_text_at(const char *file, int line, struct ct_store *store, const char *want,
                   const char *sql, ...)
{
    const unsigned char *text;
    sqlite3_stmt *stmt;
    const char *got;
    va_list ap;

    va_start(ap, sql);
    stmt = first_row(file, line, store, sql, ap);
    va_end(ap);
    text = sqlite3_column_text(stmt, 0);
    got = text ? (const char *)text : "";
    if (strcmp(got, want) != 0) {
        char why[4096];

        snprintf(why, sizeof(why), "got '%s', want '%s'", got, want);
        fail_stmt(file, line, stmt, why);
    }
    sqlite3_finalize(stmt);
}

void
scratchdb_outbox_bodies(struct ct_store *store)
{
    struct ct_outbox_filter filter = {.with_message = true};
    struct ct_outbox_row *rows = NULL;
    struct ct_error err;
    size_t count = 0, i;
    sqlite3_stmt *stmt = NULL;

    ct_error_clear(&err);
    if (ct_store_outbox_load(store, &filter, &rows, &count, &err) != CT_OK)
        fail_msg("outbox load: %s", err.message);
    if (sqlite3_prepare_v2(
            ct_store_sqlite(store),
            "UPDATE outbox SET text_body = ?1, html_body = ?2, ics = ?3 WHERE id = ?4", -1, &stmt,
            NULL) != SQLITE_OK)
        fail_msg("%s", sqlite3_errmsg(ct_store_sqlite(store)));
    for (i = 0; i < count; i++) {
        if (rows[i].recipe == NULL)
            continue;
        if (ct_outbox_row_build(&rows[i], &err) != CT_OK)
            fail_msg("build outbox row %lld: %s", (long long)rows[i].id, err.message);
        sqlite3_bind_text(stmt, 1, rows[i].text_body ? rows[i].text_body : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 2, rows[i].html_body, -1, SQLITE_STATIC);
        sqlite3_bind_text(stmt, 3, rows[i].ics, -1, SQLITE_STATIC);
        sqlite3_bind_int64(stmt, 4, rows[i].id);
        if (sqlite3_step(stmt) != SQLITE_DONE)
            fail_msg("%s", sqlite3_errmsg(ct_store_sqlite(store)));
        sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
    ct_outbox_rows_free(rows, count);
}

void
scratchdb_import(struct ct_store *store, const char *csv, int64_t now)
{
    struct ct_sync_options opts = {.source = "roster.csv"};
    struct ct_sync_result *res = NULL;
    struct ct_roster *roster = NULL;
    struct ct_diags diags;
    struct ct_error err;

    ct_diags_init(&diags);
    if (ct_roster_parse("roster.csv", csv, strlen(csv), &roster, &diags) != CT_OK)
        fail_msg("roster: %s", diags.count ? diags.items[0].message : "?");
    ct_error_clear(&err);
    if (ct_members_sync(store, roster, &opts, now, &res, &err) != CT_OK)
        fail_msg("sync: %s", err.message);
    ct_sync_result_free(res);
    ct_roster_free(roster);
    ct_diags_free(&diags);
}

void
scratchdb_import_many(struct ct_store *store, int n, int64_t now)
{
    struct ct_buf b;
    int i;

    ct_buf_init(&b);
    ct_buf_puts(&b, "email,name,organisation,team,role,timezone,status,frequency,ties\n");
    for (i = 0; i < n; i++)
        ct_buf_printf(&b, "m%d@o%d.org,Member %d,Org %d,Team %d,Role %d,,,,\n", i, i, i, i, i, i);
    assert_false(b.failed);
    scratchdb_import(store, b.data, now);
    ct_buf_free(&b);
}
