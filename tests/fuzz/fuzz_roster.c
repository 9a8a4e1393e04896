/*
 * fuzz_roster.c: libFuzzer target for the CSV reader and the roster parser.
 * Besides memory errors it checks what callers rely on: line numbers only
 * grow, fields hold no NUL, and a roster that parses is clean (valid unique
 * e-mails, no control characters, ties that name other members).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "roster.h"
#include "util.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void
check_csv(const char *data, size_t size)
{
    struct ct_csv *csv = ct_csv_new(data, size);
    const struct ct_csv_record *rec;
    long last_end = 0;
    size_t i;

    if (csv == NULL)
        return;
    while (ct_csv_next(csv, &rec) == CT_OK && rec != NULL) {
        CHECK(rec->count >= 1);
        CHECK(rec->line == last_end + 1);
        CHECK(rec->end_line >= rec->line);
        for (i = 0; i < rec->count; i++)
            CHECK(strlen(rec->fields[i]) == rec->lengths[i]);
        if (rec->error) {
            CHECK(rec->error_field < rec->count);
            CHECK(rec->error_line >= rec->line && rec->error_line <= rec->end_line);
        }
        last_end = rec->end_line;
    }
    ct_csv_free(csv);
}

static void
check_text(const char *s)
{
    if (s == NULL)
        return;
    CHECK(*s != '\0');
    CHECK(!ct_has_control(s, false));
    CHECK(ct_check_utf8(s, strlen(s)) == NULL);
    CHECK(strlen(s) <= CT_ROSTER_MAX_FIELD);
}

static void
check_roster(const struct ct_roster *r)
{
    size_t i, j, k;

    for (i = 0; i < r->count; i++) {
        const struct ct_roster_entry *e = &r->entries[i];
        CHECK(ct_check_email(e->email) == NULL);
        CHECK(e->name != NULL && e->organisation != NULL);
        check_text(e->email);
        check_text(e->name);
        check_text(e->organisation);
        check_text(e->team);
        check_text(e->site);
        check_text(e->role);
        check_text(e->timezone);
        CHECK(e->ties_count <= CT_ROSTER_MAX_TIES);
        for (j = 0; j < e->ties_count; j++) {
            const struct ct_roster_entry *other = ct_roster_find(r, e->ties[j]);
            CHECK(other != NULL && other != e);
            CHECK(strcmp(other->email, e->ties[j]) == 0);
            for (k = 0; k < j; k++)
                CHECK(!ct_strcaseeq(e->ties[j], e->ties[k]));
        }
        if (i > 0)
            CHECK(e->line > r->entries[i - 1].line);
        /* Quadratic, so only on small inputs. */
        for (j = 0; j < i && r->count < 200; j++)
            CHECK(!ct_strcaseeq(e->email, r->entries[j].email));
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ct_roster *roster = NULL;
    struct ct_diags diags;
    enum ct_status st;
    size_t i;

    check_csv((const char *)data, size);
    ct_diags_init(&diags);
    st = ct_roster_parse("fuzz.csv", (const char *)data, size, &roster, &diags);
    CHECK(st == CT_OK || st == CT_EDATA);
    CHECK((st == CT_OK) == (roster != NULL));
    CHECK((st == CT_OK) == (diags.errors == 0));
    CHECK(diags.count <= CT_ROSTER_MAX_ERRORS + CT_ROSTER_MAX_WARNINGS + 2);
    for (i = 0; i < diags.count; i++) {
        char *line = ct_diag_format(&diags.items[i]);
        CHECK(line != NULL);
        /* A message is one line, whatever the input held. */
        CHECK(!ct_has_control(line, false));
        free(line);
    }
    if (roster)
        check_roster(roster);
    ct_roster_free(roster);
    ct_diags_free(&diags);
    return 0;
}
