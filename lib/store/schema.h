/*
 * schema.h: the database schema, as numbered migrations. Migration N brings
 * a database from PRAGMA user_version N-1 to N; never edit a released
 * migration, append a new one. Times are Unix seconds (UTC) in INTEGER
 * columns; calendar dates are 'YYYY-MM-DD' TEXT.
 */
#ifndef CT_SCHEMA_H
#define CT_SCHEMA_H

static const char *const ct_migrations[] = {
    /* 1: the first schema */
    "CREATE TABLE members ("
    "  id INTEGER PRIMARY KEY,"
    /* NULL once erased; compared case-insensitively */
    "  email TEXT UNIQUE COLLATE NOCASE,"
    "  name TEXT,"
    /* kept after erasure (anonymous counts per organisation) */
    "  organisation TEXT,"
    "  team TEXT, site TEXT, role TEXT, timezone TEXT,"
    "  status TEXT NOT NULL DEFAULT 'active'"
    "    CHECK (status IN ('active','paused','left','erased')),"
    "  paused_until TEXT," /* YYYY-MM-DD, NULL = until resumed */
    /*
     * the status the roster declared at the last import ('left' once the
     * member was missing from a synced file); an import changes status only
     * when this changes, so a pause or removal from the CLI survives
     * re-imports of an unchanged roster
     */
    "  roster_status TEXT,"
    "  frequency INTEGER NOT NULL DEFAULT 1 CHECK (frequency IN (1,2,3)),"
    "  unanswered INTEGER NOT NULL DEFAULT 0," /* invitations unanswered in a row */
    "  created_at INTEGER NOT NULL,"
    "  updated_at INTEGER NOT NULL"
    ");"
    /* declared close colleagues, from the roster's ties column; a < b */
    "CREATE TABLE ties ("
    "  a INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
    "  b INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (a, b), CHECK (a < b)"
    ") WITHOUT ROWID;"
    /* pairs an organiser excluded; a < b */
    "CREATE TABLE exclusions ("
    "  a INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
    "  b INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,"
    "  created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (a, b), CHECK (a < b)"
    ") WITHOUT ROWID;"
    "CREATE TABLE rounds ("
    "  id INTEGER PRIMARY KEY,"
    "  date TEXT NOT NULL," /* the round's date, YYYY-MM-DD */
    "  seed INTEGER NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'planned'"
    "    CHECK (state IN ('planned','sent','cancelled','replaced')),"
    "  origin TEXT NOT NULL DEFAULT 'cli' CHECK (origin IN ('cli','daemon')),"
    "  send_after INTEGER," /* daemon: send once the review period is over */
    "  created_at INTEGER NOT NULL,"
    "  sent_at INTEGER,"
    "  cancelled_at INTEGER"
    ");"
    "CREATE INDEX rounds_date ON rounds(date);"
    "CREATE TABLE groups ("
    "  id INTEGER PRIMARY KEY,"
    "  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,"
    "  uid TEXT NOT NULL UNIQUE," /* iCalendar UID, stable for the group's life */
    "  sequence INTEGER NOT NULL DEFAULT 0,"
    "  state TEXT NOT NULL DEFAULT 'planned'"
    "    CHECK (state IN ('planned','sent','cancelled')),"
    "  score REAL NOT NULL DEFAULT 0,"
    "  explain TEXT,"       /* JSON: score by rule, reasons */
    "  slot_start INTEGER," /* Unix seconds UTC */
    "  slot_minutes INTEGER,"
    /* when the unanswered accounting ran for it (replies.c); NULL = not yet */
    "  window_closed_at INTEGER"
    ");"
    "CREATE INDEX groups_round ON groups(round_id);"
    "CREATE TABLE group_members ("
    "  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  partstat TEXT NOT NULL DEFAULT 'NEEDS-ACTION',"
    "  removed INTEGER NOT NULL DEFAULT 0," /* left the group after it was sent */
    "  PRIMARY KEY (group_id, member_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX group_members_member ON group_members(member_id);"
    /* eligible members a round could not group, and why (sit-outs too) */
    "CREATE TABLE unpaired ("
    "  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,"
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  reason TEXT NOT NULL,"
    "  sit_out INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (round_id, member_id)"
    ") WITHOUT ROWID;"
    "CREATE TABLE outbox ("
    "  id INTEGER PRIMARY KEY,"
    "  message_id TEXT NOT NULL UNIQUE," /* without angle brackets */
    "  kind TEXT NOT NULL CHECK (kind IN ('request','cancel','notice')),"
    "  group_id INTEGER REFERENCES groups(id),"
    "  member_id INTEGER REFERENCES members(id),"
    "  recipient TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  method TEXT," /* REQUEST / CANCEL, NULL for plain notices */
    "  text_body TEXT NOT NULL,"
    "  html_body TEXT,"
    "  ics TEXT,"
    "  message BLOB NOT NULL," /* the whole RFC 5322 message, CRLF line ends */
    "  state TEXT NOT NULL DEFAULT 'queued'"
    "    CHECK (state IN ('queued','sending','sent','dead')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL,"
    "  claimed_by INTEGER," /* pid of the sender holding it */
    "  claimed_at INTEGER,"
    "  last_error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  sent_at INTEGER"
    ");"
    "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);"
    /* whether a group met, from the CLI or a survey import */
    "CREATE TABLE outcomes ("
    "  group_id INTEGER PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,"
    "  met INTEGER NOT NULL CHECK (met IN (0,1)),"
    "  rating INTEGER CHECK (rating BETWEEN 1 AND 5),"
    "  note TEXT,"
    "  source TEXT NOT NULL DEFAULT 'cli',"
    "  recorded_at INTEGER NOT NULL"
    ");"
    /* iTIP replies received; one row per distinct answer, never a duplicate */
    "CREATE TABLE replies ("
    "  id INTEGER PRIMARY KEY,"
    "  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  method TEXT NOT NULL DEFAULT 'REPLY' CHECK (method IN ('REPLY','COUNTER')),"
    "  partstat TEXT NOT NULL,"
    "  sequence INTEGER NOT NULL,"
    "  dtstamp INTEGER NOT NULL DEFAULT 0," /* the reply's DTSTAMP, 0 if it had none */
    "  proposed_start INTEGER,"             /* COUNTER: the time proposed instead */
    "  comment TEXT,"                       /* the attendee's COMMENT, if any */
    "  received_at INTEGER NOT NULL"
    ");"
    "CREATE INDEX replies_group_member ON replies(group_id, member_id);"
    /* IMAP messages already processed, so nothing is counted twice */
    "CREATE TABLE imap_seen ("
    "  mailbox TEXT NOT NULL, uidvalidity INTEGER NOT NULL, uid INTEGER NOT NULL,"
    "  PRIMARY KEY (mailbox, uidvalidity, uid)"
    ") WITHOUT ROWID;"
    /* one row per roster import, the history organisers can audit */
    "CREATE TABLE imports ("
    "  id INTEGER PRIMARY KEY,"
    "  at INTEGER NOT NULL,"
    "  source TEXT NOT NULL,"
    "  mode TEXT NOT NULL CHECK (mode IN ('sync','merge')),"
    "  rows INTEGER NOT NULL, added INTEGER NOT NULL, updated INTEGER NOT NULL,"
    "  left_count INTEGER NOT NULL, unchanged INTEGER NOT NULL"
    ");"
    /* small facts: the daemon's schedule anchor, last catch-up, ... */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;",
    /*
     * 2: what changed in a planned round after the plan (docs/rounds.md
     * "After review"): a cause (a member paused, left or erased, a pair
     * excluded), a member left without a partner, and what the send did
     * with them. kind is enum ct_round_change_kind (core/round.h); members
     * are named by id only, so erasing a member leaves no name behind.
     */
    "CREATE TABLE round_changes ("
    "  id INTEGER PRIMARY KEY,"
    "  round_id INTEGER NOT NULL REFERENCES rounds(id) ON DELETE CASCADE,"
    "  group_id INTEGER NOT NULL," /* the planned group; it may be gone since */
    "  kind INTEGER NOT NULL,"
    "  member_id INTEGER REFERENCES members(id),"
    "  other_id INTEGER REFERENCES members(id)," /* the other of an excluded pair */
    "  new_group_id INTEGER,"                    /* the group a member was re-formed into */
    "  reason TEXT,"                             /* why a member stayed unpaired */
    "  at INTEGER NOT NULL"
    ");"
    "CREATE INDEX round_changes_round ON round_changes(round_id);",
    /*
     * 3: replies you can trust (issue 13): every member's invitation carries
     * its own UID (group_members.uid, secret randomness made at send), so a
     * reply is bound to the member whose calendar holds it. Groups sent
     * before this migration keep the UID their invitations carry, shared by
     * all their members (the replies service then reads them as before).
     * Replies that cannot be trusted wait in held_replies for the organiser.
     */
    "ALTER TABLE group_members ADD COLUMN uid TEXT;"
    "UPDATE group_members SET uid = (SELECT g.uid FROM groups g WHERE g.id = group_id) "
    "  WHERE group_id IN (SELECT id FROM groups WHERE state <> 'planned');"
    "CREATE INDEX group_members_uid ON group_members(uid);"
    /* a reply the organiser applied by hand from held_replies (outcome apply) */
    "ALTER TABLE replies ADD COLUMN by_organiser INTEGER NOT NULL DEFAULT 0;"
    "CREATE TABLE held_replies ("
    "  id INTEGER PRIMARY KEY,"
    "  received_at INTEGER NOT NULL,"
    "  source TEXT,"    /* 'UID 12' of the mailbox, or 'message' */
    "  sender TEXT,"    /* the From address, cleaned; proof of nothing */
    "  event_uid TEXT," /* the reply's UID, cleaned */
    "  group_id INTEGER REFERENCES groups(id) ON DELETE SET NULL," /* the group the UID names */
    "  owner_id INTEGER REFERENCES members(id)," /* the member the UID was sent to, if any */
    "  attendee TEXT NOT NULL," /* the ATTENDEE address the reply answers for, cleaned */
    "  method TEXT NOT NULL CHECK (method IN ('REPLY','COUNTER')),"
    "  partstat TEXT NOT NULL,"
    "  sequence INTEGER NOT NULL,"
    "  dtstamp INTEGER NOT NULL,"
    "  proposed_start INTEGER,"
    "  comment TEXT,"
    "  reason TEXT NOT NULL," /* why it was not applied, one line */
    "  applied_at INTEGER,"   /* NULL while held */
    "  applied_member_id INTEGER REFERENCES members(id)"
    ");"
    "CREATE INDEX held_replies_group ON held_replies(group_id);",
    /*
     * 4: outbox drop: a 'dropped' state (taken out of the queue before it
     * went). SQLite cannot change a CHECK, so the table is rebuilt with
     * every row and its index.
     */
    "CREATE TABLE outbox_new ("
    "  id INTEGER PRIMARY KEY,"
    "  message_id TEXT NOT NULL UNIQUE,"
    "  kind TEXT NOT NULL CHECK (kind IN ('request','cancel','notice')),"
    "  group_id INTEGER REFERENCES groups(id),"
    "  member_id INTEGER REFERENCES members(id),"
    "  recipient TEXT NOT NULL,"
    "  subject TEXT NOT NULL,"
    "  method TEXT,"
    "  text_body TEXT NOT NULL,"
    "  html_body TEXT,"
    "  ics TEXT,"
    "  message BLOB NOT NULL,"
    "  state TEXT NOT NULL DEFAULT 'queued'"
    "    CHECK (state IN ('queued','sending','sent','dead','dropped')),"
    "  attempts INTEGER NOT NULL DEFAULT 0,"
    "  next_attempt_at INTEGER NOT NULL,"
    "  claimed_by INTEGER,"
    "  claimed_at INTEGER,"
    "  last_error TEXT,"
    "  created_at INTEGER NOT NULL,"
    "  sent_at INTEGER"
    ");"
    "INSERT INTO outbox_new (id, message_id, kind, group_id, member_id, recipient, subject,"
    "  method, text_body, html_body, ics, message, state, attempts, next_attempt_at,"
    "  claimed_by, claimed_at, last_error, created_at, sent_at)"
    "  SELECT id, message_id, kind, group_id, member_id, recipient, subject,"
    "  method, text_body, html_body, ics, message, state, attempts, next_attempt_at,"
    "  claimed_by, claimed_at, last_error, created_at, sent_at FROM outbox;"
    "DROP TABLE outbox;"
    "ALTER TABLE outbox_new RENAME TO outbox;"
    "CREATE INDEX outbox_due ON outbox(state, next_attempt_at);",
    /*
     * 5: Relational Coordination surveys (docs/relational-coordination.md)
     */
    /* one row per survey wave: its date (one wave per date), the file it came from */
    "CREATE TABLE rc_waves ("
    "  id INTEGER PRIMARY KEY,"
    "  date TEXT NOT NULL UNIQUE," /* YYYY-MM-DD */
    "  source TEXT NOT NULL,"
    "  aggregated INTEGER NOT NULL DEFAULT 0," /* 1: role_a, role_b, strength rows */
    "  rows INTEGER NOT NULL,"
    "  imported_at INTEGER NOT NULL"
    ");"
    /* the strength of one unordered role pair in a wave, roles as the roster spells them */
    "CREATE TABLE rc_links ("
    "  wave_id INTEGER NOT NULL REFERENCES rc_waves(id) ON DELETE CASCADE,"
    "  role_a TEXT NOT NULL, role_b TEXT NOT NULL,"
    "  strength REAL NOT NULL CHECK (strength BETWEEN 1 AND 5),"
    "  ratings INTEGER NOT NULL DEFAULT 0," /* responses behind it; 0 when aggregated */
    "  PRIMARY KEY (wave_id, role_a, role_b)"
    ") WITHOUT ROWID;",
    /*
     * 6: members act for themselves (issue 14, docs/members.md): what they
     * did and how (action_log), the fields they own (member_prefs, which a
     * roster sync never writes), the rounds they skip (round_id NULL: the
     * next round planned) and their "did you meet?" answers (checkins).
     */
    "CREATE TABLE action_log ("
    "  id INTEGER PRIMARY KEY,"
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  action TEXT NOT NULL"
    "    CHECK (action IN ('skip','pause','stop','resume','preferences','checkin')),"
    "  detail TEXT," /* one line: "until 2026-05-01", "met, rating 4", "no change" */
    "  via TEXT NOT NULL CHECK (via IN ('page','reply','organiser')),"
    "  round_id INTEGER REFERENCES rounds(id) ON DELETE SET NULL,"
    "  group_id INTEGER REFERENCES groups(id) ON DELETE SET NULL,"
    "  at INTEGER NOT NULL"
    ");"
    "CREATE INDEX action_log_member ON action_log(member_id, at);"
    "CREATE INDEX action_log_round ON action_log(round_id);"
    /* NULL: not set by the member (the roster's value or the network's default applies) */
    "CREATE TABLE member_prefs ("
    "  member_id INTEGER PRIMARY KEY REFERENCES members(id),"
    "  working_hours TEXT," /* HH:MM-HH:MM */
    "  working_days TEXT,"  /* MO,TU,... */
    "  timezone TEXT,"
    "  frequency INTEGER CHECK (frequency IN (1,2,3)),"
    "  mode TEXT CHECK (mode IN ('either','in_person','video')),"
    "  intro TEXT,"
    "  greeting TEXT,"
    "  updated_at INTEGER NOT NULL"
    ");"
    "CREATE TABLE skips ("
    "  id INTEGER PRIMARY KEY,"
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  round_id INTEGER REFERENCES rounds(id) ON DELETE CASCADE," /* NULL: the next round */
    "  via TEXT NOT NULL CHECK (via IN ('page','reply','organiser')),"
    "  at INTEGER NOT NULL"
    ");"
    "CREATE UNIQUE INDEX skips_member_round ON skips(member_id, IFNULL(round_id, 0));"
    "CREATE INDEX skips_round ON skips(round_id);"
    "CREATE TABLE checkins ("
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  group_id INTEGER NOT NULL REFERENCES groups(id) ON DELETE CASCADE,"
    "  met TEXT NOT NULL CHECK (met IN ('met','moved','not_met')),"
    "  rating INTEGER CHECK (rating BETWEEN 1 AND 5),"
    "  note TEXT,"
    "  via TEXT NOT NULL CHECK (via IN ('page','reply','organiser')),"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (member_id, group_id)"
    ") WITHOUT ROWID;"
    "CREATE INDEX checkins_group ON checkins(group_id);",
    /*
     * 7 (issue 14, lifecycle messages): which welcome, reminder and check-in
     * each member was sent, so none goes twice (a daemon restart included).
     * kind is enum ct_lifecycle_kind (store_lifecycle.h); key names the round
     * ("" for the welcome, the round's date for a reminder, the group id for
     * a check-in). Members already here were welcomed by the organiser.
     */
    "CREATE TABLE lifecycle_sent ("
    "  member_id INTEGER NOT NULL REFERENCES members(id),"
    "  kind INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  at INTEGER NOT NULL,"
    "  PRIMARY KEY (member_id, kind, key)"
    ") WITHOUT ROWID;"
    "INSERT INTO lifecycle_sent(member_id, kind, key, at)"
    "  SELECT id, 1, '', created_at FROM members;",
    /*
     * 8: the outbox stores each message once (issue 15): an invitation as
     * its recipe (the inputs it is made from at delivery, byte for byte the
     * same; core/invite_recipe.h), with empty bodies and message. Rows sent
     * before keep the whole message, their three copies of its parts gone.
     * Messages by group and member are indexed: a round's rows, and the
     * report's count per member, read in order without a sort.
     */
    "ALTER TABLE outbox ADD COLUMN recipe BLOB;"
    "UPDATE outbox SET text_body = '', html_body = NULL, ics = NULL WHERE state = 'sent';"
    "CREATE INDEX outbox_group ON outbox(group_id, member_id);",
    /*
     * 9: members by status (issue 15): each batch of a send looks up the few
     * members away since the plan (paused, left, erased) from this index
     * instead of walking every group of the round under the write lock.
     */
    "CREATE INDEX IF NOT EXISTS members_status ON members(status);",
    /*
     * 10: members' UIDs indexed only once they have one (issue 15): a plan
     * stored a NULL entry per member, and each send replaced it; a reply's
     * lookup (uid = ?) uses the partial index all the same.
     */
    "DROP INDEX IF EXISTS group_members_uid;"
    "CREATE INDEX group_members_uid ON group_members(uid) WHERE uid IS NOT NULL;",
    /*
     * 11: CHECK constraints of three or more values written as comparisons
     * (issue 15). SQLite builds a temporary index for `x IN (a, b, c)` each
     * time a row is checked: two for every outbox row queued or marked, one
     * for every group and member written (a quarter of an import's insert,
     * measured). The constraints mean the same; SQLite's documented way to
     * change a CHECK without copying the table is to edit its definition,
     * which migrate() completes (schema_version, writable_schema off).
     */
    "PRAGMA writable_schema = ON;"
    "UPDATE sqlite_schema SET sql = "
    "replace(replace(replace(replace(replace(replace(replace(replace(replace(replace(sql,"
    "'CHECK (action IN (''skip'',''pause'',''stop'',''resume'',''preferences'',''checkin''))',"
    "'CHECK (action = ''skip'' OR action = ''pause'' OR action = ''stop'' OR action = ''resume'' "
    "OR action = ''preferences'' OR action = ''checkin'')'),"
    "'CHECK (frequency IN (1,2,3))',"
    "'CHECK (frequency = 1 OR frequency = 2 OR frequency = 3)'),"
    "'CHECK (kind IN (''request'',''cancel'',''notice''))',"
    "'CHECK (kind = ''request'' OR kind = ''cancel'' OR kind = ''notice'')'),"
    "'CHECK (met IN (''met'',''moved'',''not_met''))',"
    "'CHECK (met = ''met'' OR met = ''moved'' OR met = ''not_met'')'),"
    "'CHECK (mode IN (''either'',''in_person'',''video''))',"
    "'CHECK (mode = ''either'' OR mode = ''in_person'' OR mode = ''video'')'),"
    "'CHECK (state IN (''planned'',''sent'',''cancelled''))',"
    "'CHECK (state = ''planned'' OR state = ''sent'' OR state = ''cancelled'')'),"
    "'CHECK (state IN (''planned'',''sent'',''cancelled'',''replaced''))',"
    "'CHECK (state = ''planned'' OR state = ''sent'' OR state = ''cancelled'' OR state = "
    "''replaced'')'),"
    "'CHECK (state IN (''queued'',''sending'',''sent'',''dead'',''dropped''))',"
    "'CHECK (state = ''queued'' OR state = ''sending'' OR state = ''sent'' OR state = ''dead'' OR "
    "state = ''dropped'')'),"
    "'CHECK (status IN (''active'',''paused'',''left'',''erased''))',"
    "'CHECK (status = ''active'' OR status = ''paused'' OR status = ''left'' OR status = "
    "''erased'')'),"
    "'CHECK (via IN (''page'',''reply'',''organiser''))',"
    "'CHECK (via = ''page'' OR via = ''reply'' OR via = ''organiser'')')"
    "  WHERE type = 'table' AND name IN ('members', 'member_prefs', 'rounds', 'groups',"
    "  'outbox', 'action_log', 'checkins', 'skips');",
};

#define CT_SCHEMA_VERSION ((int)(sizeof(ct_migrations) / sizeof(ct_migrations[0])))

#endif
