#!/bin/sh
# exclude.sh: "exclude add|remove|list" through the real binary.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

ana=ana.alves@alpha.example.org
bo=bo.berg@alpha.example.org
cy=cy.chen@beta.example.org

expect 0 roster import "$data/roster-small.csv"
expect 0 exclude list
out_has "0 excluded pairs"
expect 0 exclude list --format json
[ "$(cat "$tmp/out")" = "[]" ] || fail "empty JSON list"

expect 0 exclude add "$cy" "$ana"
out_has "excluded $cy and $ana"
expect 0 exclude add ANA.alves@alpha.example.org "$cy"
out_has "already excluded"
expect 0 exclude add "$bo" "$cy"
[ "$(sql 'SELECT count(*) FROM exclusions WHERE a < b')" = 2 ] || fail "pairs not stored a < b"

expect 65 exclude add "$ana" nobody@example.org
err_has "no member with e-mail nobody@example.org"
expect 64 exclude add "$ana" ANA.ALVES@alpha.example.org
err_has "same member"
expect 64 exclude add "$ana"
expect 64 exclude add "$ana" "$bo" "$cy"

expect 0 exclude list
out_has "2 excluded pairs"
out_has "$ana"
expect 0 exclude list --format json
"$CT_PYTHON" - "$tmp/out" <<'EOF' || fail "exclude list json"
import json, sys
pairs = json.load(open(sys.argv[1]))
assert [p["members"] for p in pairs] == [
    ["ana.alves@alpha.example.org", "cy.chen@beta.example.org"],
    ["bo.berg@alpha.example.org", "cy.chen@beta.example.org"]], pairs
assert all(len(p["since"]) == 10 for p in pairs)
EOF
expect 64 exclude list --format csv

expect 0 exclude remove "$ana" "$cy"
out_has "may be paired again"
expect 0 exclude remove "$ana" "$cy"
out_has "were not excluded"
expect 65 exclude remove "$ana" nobody@example.org
[ "$(sql 'SELECT count(*) FROM exclusions')" = 1 ] || fail "remove"

# Exclusions outlive a member leaving, and go with an erasure.
expect 0 member remove "$bo"
expect 0 exclude list
out_has "$bo"
expect 0 member erase "$bo" --yes
expect 0 exclude list
out_has "0 excluded pairs"
echo "ok"
