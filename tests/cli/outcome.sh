#!/bin/sh
# outcome.sh: "coffeetrial outcome fetch" refuses clearly when it cannot
# work: no [imap] settings (78, naming the keys), a password file that is
# missing, bad usage (64). The fetch itself is tested against Dovecot in
# tests/integration/imap_replies.py.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

expect 78 outcome fetch
err_has "set [imap] url, username and password_file to fetch replies"
[ -s "$tmp/out" ] && fail "nothing on stdout expected"

cat >"$tmp/c.ini" <<INI
[store]
path = $tmp/c.db
[imap]
url = imaps://mail.example.org/INBOX
username = organiser
password_file = $tmp/no-such-password
INI
run -c "$tmp/c.ini" outcome fetch
[ "$rc" -ne 0 ] || fail "a missing password file must fail"
err_has "no-such-password"

expect 64 outcome fetch extra
err_has "usage: coffeetrial outcome fetch"
expect 64 outcome fetch --bogus

expect 0 --help
out_has "outcome fetch"
echo "outcome CLI checks passed"
