/*
 * bench_roster_parse.c: how fast the roster parser is, alone (no store).
 * Parses a roster CSV (a file, or 100,000 generated rows by default) a few
 * times and prints the time of the CSV pass and of the full parse, rows and
 * megabytes per second, and the process's peak memory. Never fails on time.
 *
 *     bench_roster_parse [FILE | -n ROWS] [-r RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "csv.h"
#include "roster.h"
#include "util.h"

static double
seconds(void)
{
    struct timespec ts;

    /* Elapsed time, not the product's clock (ct_now), which tests can set. */
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A roster of rows members, deterministic, shaped like gen_roster.py's. */
static char *
generate(size_t rows, size_t *len)
{
    static const char *const first[] = {"Ana",     "Tom",  "Priya", "Łukasz", "Zoë",  "Kwame",
                                        "Siobhán", "João", "Mei",   "Aisha",  "Rhys", "Yusuf"};
    static const char *const last[] = {"Okafor", "Nowak",     "Ní Bhriain", "Pereira", "Lin",
                                       "Haddad", "O'Connell", "Müller",     "Singh",   "Davies"};
    static const char *const teams[] = {"Cardiology",  "Pharmacy",      "Reablement",
                                        "Crisis Team", "Practice Team", "Finance"};
    static const char *const roles[] = {
        "Staff Nurse",     "GP",           "Social Worker", "Pharmacist",
        "Physiotherapist", "Data Analyst", "Paramedic"};
    struct ct_buf b;
    size_t i;
    unsigned long x = 12345, prev_org = 0;

    ct_buf_init(&b);
    ct_buf_puts(&b, "email,name,organisation,team,site,role,timezone,status,frequency,ties\n");
    for (i = 0; i < rows; i++) {
        unsigned long org;
        x = x * 6364136223846793005UL + 1442695040888963407UL;
        org = (x >> 33) % 2000;
        ct_buf_printf(&b, "member%zu@org%lu.example.org,", i, org);
        if (i % 100 == 0)
            ct_buf_printf(&b, "\"%s, %s\",", last[(x >> 20) % 10], first[(x >> 24) % 12]);
        else
            ct_buf_printf(&b, "%s %s,", first[(x >> 24) % 12], last[(x >> 20) % 10]);
        ct_buf_printf(&b, "Organisation %lu,%s,Site %lu,%s,%s,%s,%s,", org, teams[(x >> 40) % 6],
                      (x >> 44) % 4, roles[(x >> 48) % 7],
                      (x >> 52) % 50 == 0 ? "Europe/Dublin" : "Europe/London",
                      (x >> 56) % 30 == 0 ? "paused" : "active",
                      (x >> 58) % 8 == 0 ? "quarterly" : "monthly");
        if (i > 0 && (x >> 60) % 3 == 0)
            ct_buf_printf(&b, "member%zu@org%lu.example.org", i - 1, prev_org);
        ct_buf_putc(&b, '\n');
        prev_org = org;
    }
    *len = b.len;
    return ct_buf_steal(&b);
}

static int
compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
    const char *path = NULL;
    size_t rows = 100000, len = 0, records = 0, count = 0, warnings = 0, errors = 0;
    int runs = 5, i;
    double csv_times[64], parse_times[64];
    struct rusage ru;
    struct ct_error err;
    char *data;

    for (i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
            rows = strtoul(argv[++i], NULL, 10);
        else if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
            runs = atoi(argv[++i]);
        else
            path = argv[i];
    }
    if (runs < 1 || runs > 64)
        runs = 5;
    if (path) {
        if (ct_file_read(path, (size_t)1 << 31, &data, &len, &err) != CT_OK) {
            fprintf(stderr, "bench_roster_parse: %s\n", err.message);
            return 66;
        }
    } else {
        data = generate(rows, &len);
    }

    for (i = 0; i < runs; i++) {
        struct ct_csv *csv = ct_csv_new(data, len);
        const struct ct_csv_record *rec;
        struct ct_roster *roster = NULL;
        struct ct_diags diags;
        double t0 = seconds();

        records = 0;
        while (ct_csv_next(csv, &rec) == CT_OK && rec != NULL)
            records++;
        csv_times[i] = seconds() - t0;
        ct_csv_free(csv);

        ct_diags_init(&diags);
        t0 = seconds();
        ct_roster_parse(path ? path : "generated.csv", data, len, &roster, &diags);
        parse_times[i] = seconds() - t0;
        count = roster ? roster->count : 0;
        errors = diags.errors;
        warnings = diags.warnings;
        if (i == 0 && diags.count > 0) {
            char *line = ct_diag_format(&diags.items[0]);
            fprintf(stderr, "first diagnostic: %s\n", line);
            free(line);
        }
        ct_roster_free(roster);
        ct_diags_free(&diags);
    }
    qsort(csv_times, (size_t)runs, sizeof(double), compare);
    qsort(parse_times, (size_t)runs, sizeof(double), compare);
    getrusage(RUSAGE_SELF, &ru);

    printf("input:        %s, %.1f MB, %zu records\n", path ? path : "generated", len / 1e6,
           records);
    printf("members:      %zu (%zu errors, %zu warnings)\n", count, errors, warnings);
    printf("csv pass:     best %.3f s, median %.3f s (%.0f MB/s)\n", csv_times[0],
           csv_times[runs / 2], len / 1e6 / csv_times[0]);
    printf("roster parse: best %.3f s, median %.3f s (%.0f rows/s, %.0f MB/s)\n", parse_times[0],
           parse_times[runs / 2], records / parse_times[0], len / 1e6 / parse_times[0]);
    printf("peak RSS:     %.1f MB (input buffer included)\n", ru.ru_maxrss / 1024.0);
    free(data);
    return 0;
}
