/*
 * fuzz_outcomes.c: libFuzzer target for the survey CSV import. Each input
 * is imported (dry run) into one database holding a sent, a planned and a
 * cancelled group. Besides memory errors it checks what callers rely on:
 * a failed import reports at least one error, every diagnostic names the
 * file, and diagnostics come in line order.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "outcomes.h"
#include "store.h"
#include "store_impl.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static struct ct_store *store;

static void
close_store(void)
{
    char path[128];

    if (store == NULL)
        return;
    snprintf(path, sizeof(path), "%s", ct_store_path(store));
    ct_store_close(store);
    unlink(path);
    strcat(path, "-wal");
    unlink(path);
    path[strlen(path) - 4] = '\0';
    strcat(path, "-shm");
    unlink(path);
}

static void
open_store(void)
{
    char path[64];
    struct ct_error err;

    snprintf(path, sizeof(path), "/tmp/ct-fuzz-outcomes-%ld.db", (long)getpid());
    unlink(path);
    CHECK(ct_store_open(path, &store, &err) == CT_OK);
    CHECK(sqlite3_exec(ct_store_sqlite(store),
                       "INSERT INTO members (id, email, name, organisation, created_at,"
                       " updated_at) VALUES (1, 'a@a.org', 'A', 'A', 0, 0),"
                       " (2, 'b@b.org', 'B', 'B', 0, 0);"
                       "INSERT INTO rounds (id, date, seed, state, created_at) VALUES"
                       " (1, '2026-01-05', 1, 'sent', 0), (2, '2026-02-02', 2, 'planned', 0);"
                       "INSERT INTO groups (id, round_id, uid, state, slot_start) VALUES"
                       " (1, 1, 'uid-1', 'sent', 1767600000), (2, 1, 'uid-2', 'cancelled', NULL),"
                       " (3, 2, 'uid-3', 'planned', 1790000000);"
                       "INSERT INTO group_members (group_id, member_id) VALUES (1, 1), (1, 2);",
                       NULL, NULL, NULL) == SQLITE_OK);
    atexit(close_store);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct ct_outcomes_import_options options = {.dry_run = true};
    struct ct_outcomes_import_result res;
    struct ct_diags diags;
    struct ct_error err;
    enum ct_status st;
    size_t i;

    if (store == NULL)
        open_store();
    ct_diags_init(&diags);
    st = ct_outcomes_import(store, "fuzz.csv", (const char *)data, size, &options, 1772452800, &res,
                            &diags, &err);
    CHECK(st == CT_OK || st == CT_EDATA || st == CT_ENOMEM);
    if (st == CT_EDATA)
        CHECK(diags.errors > 0);
    if (st == CT_OK) {
        CHECK(diags.errors == 0);
        CHECK(res.added + res.replaced == res.groups);
        CHECK(res.groups <= res.rows);
    }
    for (i = 0; i < diags.count; i++) {
        CHECK(diags.items[i].file && strcmp(diags.items[i].file, "fuzz.csv") == 0);
        if (i > 0 && diags.items[i].line > 0)
            CHECK(diags.items[i].line >= diags.items[i - 1].line || diags.items[i - 1].line == 0);
    }
    ct_diags_free(&diags);
    return 0;
}
