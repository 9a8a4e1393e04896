#!/bin/sh
# store_files.sh: the database file itself. A zero-length file is refused
# with a clear message and left alone (never taken for a new network); a
# database the CLI creates is 0660 whatever the umask, like the daemon's;
# on a read-only mount (a private mount namespace, unshare -rm) the read
# commands work read-only and the others say "read-only" and exit 74.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

small="$data/roster-small.csv"

# Zero-length: refused by reads and writes alike, and not touched.
: >"$db"
for cmd in "roster list" "roster import $small" "round list"; do
    # shellcheck disable=SC2086
    expect 74 $cmd
    err_has "coffeetrial.db: empty file (0 bytes), not a coffeetrial database"
done
[ ! -s "$db" ] || fail "the empty file was written to"
[ ! -e "$db-wal" ] || fail "the empty file was opened as a database"
rm -f "$db" "$db.lock"

# Created 0660 whatever the umask (the daemon's group shares it).
for mask in 000 022 077; do
    rm -f "$db" "$db-wal" "$db-shm"
    (umask $mask && "$CT_BIN" roster import "$small" >/dev/null) || fail "import under umask $mask"
    mode=$(stat -c %a "$db")
    [ "$mode" = 660 ] || fail "umask $mask: database mode $mode, want 660"
done
expect 0 round plan --date 2027-03-01 --seed 3

# A read-only mount: the reads work, the writes say so. The copy is taken
# with the -wal and -shm files absent (as after a clean stop).
mkdir ro
cp "$db" ro/coffeetrial.db
chmod 0644 ro/coffeetrial.db
member=$(sql "SELECT email FROM members ORDER BY email LIMIT 1")
cat >inner.sh <<INNER
set -u
mount --bind -o ro "$tmp/ro" "$tmp/ro" || exit 100
cd "$tmp/ro"
check() {
    want=\$1
    shift
    "$CT_BIN" "\$@" >"$tmp/ro.out" 2>"$tmp/ro.err"
    rc=\$?
    if [ "\$rc" -ne "\$want" ]; then
        echo "FAIL: coffeetrial \$*: exit \$rc, want \$want" >&2
        cat "$tmp/ro.err" >&2
        exit 1
    fi
    if [ "\$want" -eq 74 ] && ! grep -Eq "coffeetrial.db(.lock)?: (read-only \\()?(cannot create lock file: )?Read-only file system" "$tmp/ro.err"; then
        echo "FAIL: coffeetrial \$*: no 'read-only' in:" >&2
        cat "$tmp/ro.err" >&2
        exit 1
    fi
}
check 0 roster list
check 0 roster list --format csv
check 0 member show "$member"
check 0 round list
check 0 round show 1
check 0 outbox
check 0 exclude list
check 0 report --format json
check 0 backup "$tmp/ro-backup.db"
check 74 roster import "$small"
check 74 member pause "$member"
check 74 round plan --date 2027-04-05
check 74 round send 1
check 74 outbox flush
# restore stops at the daemon's lock file, which cannot be created there.
check 74 restore "$tmp/ro-backup.db"
[ ! -e coffeetrial.db-wal ] || { echo "FAIL: a -wal file on a read-only mount" >&2; exit 1; }
INNER
run_rc=0
unshare -rm sh inner.sh || run_rc=$?
[ "$run_rc" -ne 100 ] || fail "cannot make a read-only bind mount (unshare -rm)"
[ "$run_rc" -eq 0 ] || fail "read-only database: see above"
cmp -s "$db" ro/coffeetrial.db || fail "the read-only copy changed"
[ -s "$tmp/ro-backup.db" ] || fail "no backup taken from the read-only database"
echo ok
