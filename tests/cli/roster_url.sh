#!/bin/sh
# roster_url.sh: "roster import URL" through the real binary against a
# small HTTP server on 127.0.0.1 (ephemeral port, a handful of requests,
# stopped on exit): a roster fetched over HTTP, a 404, and a URL with a
# password that must never be printed or stored.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

# Serve tests/data for at most 4 requests, each waited for at most 30 s.
"$CT_PYTHON" - "$data" >port.txt 2>server.log <<'EOF' &
import functools, http.server, sys
handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=sys.argv[1])
server = http.server.HTTPServer(("127.0.0.1", 0), handler)
server.timeout = 30
print(server.server_address[1], flush=True)
for _ in range(4):
    server.handle_request()
EOF
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
i=0
while [ ! -s port.txt ]; do
    i=$((i + 1))
    [ "$i" -lt 100 ] || fail "the test HTTP server did not start: $(cat server.log)"
    sleep 0.1
done
base="http://127.0.0.1:$(cat port.txt)"
# Straight to the local server, whatever proxy the environment names.
unset http_proxy HTTP_PROXY https_proxy HTTPS_PROXY all_proxy ALL_PROXY
export no_proxy=127.0.0.1 NO_PROXY=127.0.0.1

expect 0 roster import --dry-run "$base/roster-small.csv"
out_has "$base/roster-small.csv: 6 rows: 6 to add"
[ ! -e "$db" ] || [ "$(sql 'SELECT count(*) FROM members')" = 0 ] || fail "dry run wrote"

expect 66 roster import "$base/no-such-roster.csv"
err_has "no-such-roster.csv"

expect 0 roster import "http://organiser:s3cret-pw@127.0.0.1:$(cat port.txt)/roster-small.csv"
out_has "6 added"
if grep -q s3cret-pw "$tmp/out" "$tmp/err"; then
    fail "the URL's password was printed"
fi
if sqlite3 -readonly "$db" .dump | grep -q s3cret-pw; then
    fail "the URL's password was stored"
fi
[ "$(sql 'SELECT count(*) FROM members')" = 6 ] || fail "members not imported from the URL"

# A broken roster over HTTP: FILE:LINE messages name the URL.
expect 65 roster import "$base/roster-broken.csv"
err_has "$base/roster-broken.csv:3: email:"
echo "ok"
