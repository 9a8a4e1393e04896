/*
 * invite_dump.c: writes the messages of a hostile trio (names with CR/LF,
 * quotes, commas, angle brackets, encoded-word look-alikes, emoji) to a
 * directory, with a manifest.json of what went in, so tests/invite_check.py
 * can parse every message the way a mail client would. With --example it
 * prints one friendly invitation instead (the example in docs/invitations.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "invite.h"
#include "slot.h"
#include "util.h"

/* Monday 2026-03-02 00:00 UTC: the window spans the US change to summer time. */
#define WINDOW_START INT64_C(1772409600)
#define DAY          86400

static const struct ct_worktime hours = {9 * 60, 17 * 60, 0x1f};

static void
json_string(FILE *f, const char *s)
{
    fputc('"', f);
    for (; s && *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

static int
write_file(const char *dir, const char *name, const char *data, size_t len)
{
    char path[4096];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    f = fopen(path, "wb");
    if (f == NULL || fwrite(data, 1, len, f) != len || fclose(f) != 0) {
        perror(path);
        return -1;
    }
    return 0;
}

static int
example(void)
{
    static const char *const reasons[] = {"you work for different organisations",
                                          "you are in different professions",
                                          "you have not met through the coffee trial before"};
    struct ct_invite inv = {0};
    struct ct_invite_message msg;
    unsigned char secret[CT_INVITE_UID_SECRET];
    struct ct_error err;
    char *id, *member_uid;
    size_t i;

    inv.network = "North Coast Care Network";
    inv.network_timezone = "Europe/London";
    inv.organiser_name = "Sam Organiser";
    inv.organiser_email = "coffee@northcoast.example";
    inv.members[0] = (struct ct_invite_person){
        "ana.lima@bayhospital.example", "Ana Lima", "Bay Hospital", "Discharge team",
        "Occupational therapist",       NULL};
    inv.members[1] = (struct ct_invite_person){"bo.okafor@northcoast-council.example",
                                               "Bo Okafor",
                                               "North Coast Council",
                                               "Adult social care",
                                               "Social worker",
                                               NULL};
    inv.member_count = 2;
    inv.group_uid = "coffeetrial-2026-03-02-g17-4f2a9c1e@northcoast.example";
    for (i = 0; i < sizeof(secret); i++) /* in use, 20 bytes from getrandom() */
        secret[i] = (unsigned char)(i * 37 + 11);
    member_uid = ct_invite_member_uid(inv.group_uid, secret, sizeof(secret));
    if (member_uid == NULL)
        return 1;
    inv.uid = member_uid;
    inv.sequence = 0;
    inv.dtstamp = WINDOW_START + 9 * 3600;
    inv.start = WINDOW_START + 2 * DAY + 10 * 3600 + 1800; /* Wed 4 March 10:30 GMT */
    inv.duration = 30 * 60;
    inv.method = CT_INVITE_REQUEST;
    inv.reasons = reasons;
    inv.reason_count = CT_ARRAY_LEN(reasons);
    inv.location_template = "Video call, or a café near you both";
    inv.round = 3;
    inv.round_date = "2026-03-02";
    id = ct_invite_message_id(inv.group_uid, inv.members[0].email, 0, "request",
                              inv.organiser_email);
    if (id == NULL || ct_invite_message(&inv, 0, id, inv.dtstamp, &msg, &err) != CT_OK) {
        fprintf(stderr, "invite_dump: %s\n", id ? err.message : "out of memory");
        free(id);
        free(member_uid);
        return 1;
    }
    fwrite(msg.raw, 1, msg.raw_len, stdout);
    ct_invite_message_clear(&msg);
    free(id);
    free(member_uid);
    return 0;
}

int
main(int argc, char **argv)
{
    static const char *const reasons[] = {"different organisation", "first meeting",
                                          "reason with\r\nBcc: injected@evil.example"};
    struct ct_invite inv = {0};
    struct ct_slot_query q = {0};
    const char *zones[CT_INVITE_MAX_MEMBERS];
    char *member_uids[CT_INVITE_MAX_MEMBERS] = {0};
    struct ct_error err;
    const char *dir;
    char name[64];
    FILE *manifest;
    int64_t start;
    size_t i, v;
    int rc = 1;

    if (argc == 2 && strcmp(argv[1], "--example") == 0)
        return example();
    if (argc != 2) {
        fprintf(stderr, "usage: invite_dump OUTDIR | --example\n");
        return 64;
    }
    dir = argv[1];

    inv.network = "Coffee Trial \xe2\x98\x95 North & South";
    inv.network_timezone = "Europe/London";
    inv.organiser_name = "Zo\xc3\xab O'Neill, organiser";
    inv.organiser_email = "organiser@coffee.example";
    inv.members[0] = (struct ct_invite_person){"ana@lisbon.example",
                                               "Ana \xc3\x81vila-N\xc3\xba\xc3\xb1"
                                               "ez",
                                               "Hospital; de Santa Maria, Lisboa",
                                               "Cardio\\logy",
                                               "Nurse",
                                               "Europe/Lisbon"};
    inv.members[1] =
        (struct ct_invite_person){"bob@newyork.example",
                                  "Eve <evil@x.example>, \"Bob\"\r\nBcc: victim@x.example",
                                  "Org\r\nATTENDEE:mailto:spy@x.example",
                                  "Team\tTab",
                                  "\x1b[31mRole\x1b[0m",
                                  "America/New_York"};
    inv.members[2] = (struct ct_invite_person){
        "li@berlin.example",
        "\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d =?UTF-8?B?SGk=?= \xf0\x9f\x98\x80 "
        "a very long name that goes on and on so that folding is needed somewhere",
        "Charit\xc3\xa9",
        NULL,
        "Physician",
        NULL};
    inv.member_count = 3;
    inv.uid = "coffeetrial-2026-03-02-g9-0badc0de@coffee.example";
    inv.group_uid = inv.uid;
    /* Each member's copy carries its own UID (a fixed secret here, random in use). */
    for (i = 0; i < inv.member_count; i++) {
        unsigned char secret[CT_INVITE_UID_SECRET];
        memset(secret, (int)(0x5a + i * 17), sizeof(secret));
        member_uids[i] = ct_invite_member_uid(inv.group_uid, secret, sizeof(secret));
        if (member_uids[i] == NULL)
            return 1;
    }
    inv.dtstamp = WINDOW_START - 3600;
    inv.duration = 30 * 60;
    inv.reasons = reasons;
    inv.reason_count = CT_ARRAY_LEN(reasons);
    inv.subject_template = "{network} #{round} ({date}): coffee with {names}";
    inv.location_template = "Room \"{names}\"\r\nX-INJECTED:1";
    inv.url_template = "https://meet.example/{uid}?who={names}";
    inv.round = 3;
    inv.round_date = "2026-03-02";
    inv.note = "Line one\r\nLine two";
    inv.members[2].timezone = "Europe/Berlin";

    for (i = 0; i < inv.member_count; i++)
        zones[i] = inv.members[i].timezone;
    q.zones = zones;
    q.zone_count = inv.member_count;
    q.network_zone = inv.network_timezone;
    q.worktime = &hours;
    q.window_start = WINDOW_START;
    q.window_end = WINDOW_START + 14 * DAY;
    q.not_before = WINDOW_START + 5 * DAY; /* after the US change */
    q.duration = inv.duration;
    q.seed = 42;
    q.key = inv.group_uid;
    if (ct_slot_find(&q, NULL, &start, &err) != CT_OK) {
        fprintf(stderr, "invite_dump: slot: %s\n", err.message);
        return 1;
    }
    inv.start = start;

    snprintf(name, sizeof(name), "%s/manifest.json", dir);
    manifest = fopen(name, "w");
    if (manifest == NULL) {
        perror(name);
        return 74;
    }
    fprintf(manifest, "{\"organiser\": {\"name\": ");
    json_string(manifest, inv.organiser_name);
    fprintf(manifest, ", \"email\": ");
    json_string(manifest, inv.organiser_email);
    fprintf(manifest, "},\n \"network\": ");
    json_string(manifest, inv.network);
    fprintf(manifest, ", \"uid\": ");
    json_string(manifest, inv.uid);
    fprintf(manifest, ",\n \"start\": %lld, \"duration\": %lld, \"not_before\": %lld,\n",
            (long long)inv.start, (long long)inv.duration, (long long)q.not_before);
    fprintf(manifest, " \"window\": [%lld, %lld],\n", (long long)q.window_start,
            (long long)q.window_end);
    fprintf(manifest, " \"hours\": {\"start\": %d, \"end\": %d, \"days\": %u},\n",
            hours.start_minutes, hours.end_minutes, hours.days);
    fprintf(manifest, " \"members\": [");
    for (i = 0; i < inv.member_count; i++) {
        fprintf(manifest, "%s\n  {\"email\": ", i ? "," : "");
        json_string(manifest, inv.members[i].email);
        fprintf(manifest, ", \"name\": ");
        json_string(manifest, inv.members[i].name);
        fprintf(manifest, ", \"timezone\": ");
        json_string(manifest,
                    inv.members[i].timezone ? inv.members[i].timezone : inv.network_timezone);
        fprintf(manifest, ", \"uid\": ");
        json_string(manifest, member_uids[i]);
        fprintf(manifest, "}");
    }
    fprintf(manifest, "],\n \"messages\": [");

    /* Version 0: REQUEST to all three; 1: CANCEL to all three; 2: the third
     * left: an updated REQUEST to the first two (the first had accepted,
     * the second had not answered), and (3) a CANCEL listing only the
     * third, to the third. */
    for (v = 0; v < 4; v++) {
        inv.method = (v == 1 || v == 3) ? CT_INVITE_CANCEL : CT_INVITE_REQUEST;
        inv.sequence = v == 3 ? 2 : (int)v;
        inv.member_count = v == 2 ? 2 : 3;
        inv.cancel_recipient_only = v == 3;
        inv.answers[0] = v >= 2 ? CT_PARTSTAT_ACCEPTED : CT_PARTSTAT_NEEDS_ACTION;
        for (i = v == 3 ? 2 : 0; i < inv.member_count; i++) {
            inv.uid = member_uids[i];
            struct ct_invite_message msg;
            char *id = ct_invite_message_id(inv.group_uid, inv.members[i].email, inv.sequence,
                                            inv.method == CT_INVITE_CANCEL ? "cancel" : "request",
                                            inv.organiser_email);
            char file[64];

            if (id == NULL || ct_invite_message(&inv, i, id, inv.dtstamp + (int64_t)v * 60, &msg,
                                                &err) != CT_OK) {
                fprintf(stderr, "invite_dump: %s\n", id ? err.message : "out of memory");
                free(id);
                goto done;
            }
            snprintf(file, sizeof(file), "v%zu-m%zu.eml", v, i);
            if (write_file(dir, file, msg.raw, msg.raw_len) != 0) {
                ct_invite_message_clear(&msg);
                free(id);
                goto done;
            }
            fprintf(manifest,
                    "%s\n  {\"file\": \"%s\", \"recipient\": %zu, \"sequence\": %d, "
                    "\"method\": \"%s\", \"members\": %zu, \"only_recipient\": %s, "
                    "\"first_answer\": \"%s\", \"message_id\": ",
                    (v || i) ? "," : "", file, i, inv.sequence, msg.method, inv.member_count,
                    inv.cancel_recipient_only ? "true" : "false",
                    ct_reply_partstat_name(inv.answers[0]));
            json_string(manifest, msg.message_id);
            fprintf(manifest, ", \"subject\": ");
            json_string(manifest, msg.subject);
            fprintf(manifest, "}");
            ct_invite_message_clear(&msg);
            free(id);
        }
    }
    fprintf(manifest, "]}\n");
    rc = 0;
done:
    if (fclose(manifest) != 0)
        rc = 74;
    for (i = 0; i < CT_INVITE_MAX_MEMBERS; i++)
        free(member_uids[i]);
    return rc;
}
