#!/bin/bash
# web_keygen.sh: "coffeetrial web keygen FILE" writes a fresh 64-hex-digit
# key, mode 0600 whatever the umask, refuses to overwrite a file (or follow
# a symlink) without --force, and the key it writes is one the
# configuration check and the daemon accept.
set -eu
. "$(dirname "$0")/lib.sh"

umask 022
expect 0 web keygen "$tmp/key"
out_has "wrote a new link key to $tmp/key (mode 0600)"
[ "$(stat -c %a "$tmp/key")" = 600 ] || fail "mode $(stat -c %a "$tmp/key"), want 600"
grep -qxE '[0-9a-f]{64}' "$tmp/key" || fail "not 64 hex digits: $(wc -c <"$tmp/key") bytes"
[ "$(wc -l <"$tmp/key")" -eq 1 ] || fail "more than one line"
first=$(cat "$tmp/key")
# The key is not printed.
out_lacks "$first"

# An existing file is kept.
expect 73 web keygen "$tmp/key"
err_has "already exists; give --force"
[ "$(cat "$tmp/key")" = "$first" ] || fail "key changed without --force"
# So is a symlink's target, even a dangling one.
ln -s "$tmp/elsewhere" "$tmp/link"
expect 73 web keygen "$tmp/link"
[ ! -e "$tmp/elsewhere" ] || fail "followed a symlink"

# --force replaces it with a different key, still 0600.
expect 0 web keygen --force "$tmp/key"
second=$(cat "$tmp/key")
[ "$second" != "$first" ] || fail "--force wrote the same key"
[ "$(stat -c %a "$tmp/key")" = 600 ] || fail "mode after --force"
ls "$tmp" | grep -q '\.tmp\.' && fail "a temporary file was left behind"

# No directory: a clear error, nothing written.
expect 73 web keygen "$tmp/nodir/key"
err_has "$tmp/nodir/key"
# Usage errors.
expect 64 web keygen
expect 64 web keygen a b
expect 0 web keygen --help
out_has "usage: coffeetrial web keygen FILE [--force]"

# The configuration accepts it as [web] secret_file; a bad key file is an error.
cat >"$tmp/c.ini" <<INI
[store]
path = $tmp/coffeetrial.db
[web]
public_url = https://coffee.example.org
secret_file = key
INI
expect 0 -c "$tmp/c.ini" config check
printf 'not a key\n' >"$tmp/bad"
chmod 600 "$tmp/bad"
sed -i 's/^secret_file = key/secret_file = bad/' "$tmp/c.ini"
expect 78 -c "$tmp/c.ini" config check
err_has "[web] secret_file: $tmp/bad is not a link key"
out_lacks "not a key"
sed -i 's/^secret_file = bad/secret_file = missing/' "$tmp/c.ini"
expect 78 -c "$tmp/c.ini" config check
err_has "[web] secret_file"
echo "web_keygen: ok"
