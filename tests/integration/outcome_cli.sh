#!/bin/sh
# outcome_cli.sh: "coffeetrial outcome fetch" refuses clearly when it cannot
# work: no [imap] settings (78, naming the keys), bad usage (64).
set -u
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
unset COFFEETRIAL_CONFIG

"$CT_BIN" outcome fetch >out 2>err
rc=$?
if [ "$rc" -ne 78 ] || ! grep -q "set \[imap\] url, username and password_file" err; then
    echo "FAIL: no [imap] settings: exit $rc, stderr: $(cat err)"
    fail=1
fi
if [ -s out ]; then
    echo "FAIL: nothing on stdout expected, got: $(cat out)"
    fail=1
fi
"$CT_BIN" outcome fetch extra >out 2>err
rc=$?
if [ "$rc" -ne 64 ] || ! grep -q "usage: coffeetrial outcome fetch" err; then
    echo "FAIL: extra argument: exit $rc, stderr: $(cat err)"
    fail=1
fi
"$CT_BIN" outcome fetch --bogus >out 2>err
rc=$?
if [ "$rc" -ne 64 ]; then
    echo "FAIL: unknown option: exit $rc"
    fail=1
fi
"$CT_BIN" --help | grep -q "outcome fetch" || { echo "FAIL: --help lists outcome fetch"; fail=1; }
[ "$fail" -eq 0 ] && echo "outcome CLI checks passed"
exit "$fail"
