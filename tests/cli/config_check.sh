#!/bin/sh
# config_check.sh: "coffeetrial config check|show" and "coffeetriald -n"
# through the real binaries: exit codes 0/78/66/64, every problem as
# "coffeetrial: FILE:LINE: message", secrets never printed, and every key
# documented in conf/coffeetrial.ini and docs/coffeetrial.ini.5.
set -u
: "${CT_BIN:?}" "${CT_DAEMON:?}" "${CT_SRC:?}"

tmp=$(mktemp -d /tmp/ct-config-check.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM
unset COFFEETRIAL_CONFIG CREDENTIALS_DIRECTORY
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run NAME EXPECTED_RC CMD...: run, keep stdout/stderr in $tmp/NAME.{out,err}
run() {
    name=$1
    want=$2
    shift 2
    "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
    rc=$?
    if [ "$rc" -ne "$want" ]; then
        fail "$name: exit $rc, expected $want"
        sed 's/^/    stderr: /' "$tmp/$name.err" >&2
    fi
}

# has NAME STREAM TEXT: the stream (out|err) of NAME has a line equal to TEXT
has() {
    grep -qxF -- "$3" "$tmp/$1.$2" || {
        fail "$1: no line '$3' in std$2"
        sed 's/^/    got: /' "$tmp/$1.$2" >&2
    }
}

# The shipped configuration passes, for both programs.
run shipped 0 "$CT_BIN" -c "$CT_SRC/conf/coffeetrial.ini" config check
has shipped out "$CT_SRC/conf/coffeetrial.ini: ok"
[ -s "$tmp/shipped.err" ] && fail "shipped: unexpected stderr"
run shipped_d 0 "$CT_DAEMON" -n -c "$CT_SRC/conf/coffeetrial.ini"
has shipped_d out "$CT_SRC/conf/coffeetrial.ini: ok"

# A broken file: every problem, each as "coffeetrial: FILE:LINE: message", exit 78.
bad="$tmp/bad.ini"
long=$(printf '%0250d' 0)
cat >"$bad" <<INI
[network]
timezone = Mars/Base
colour = blue
[schedule]
duration = 2h
meeting_window = 1h
[pairing]
weight_team = nan
[invite]
subject = $long timezone = Nowhere
[transprt]
kind = smtp
INI
run bad 78 "$CT_BIN" -c "$bad" config check
has bad err "coffeetrial: $bad:2: [network] timezone = Mars/Base: unknown time zone (not in tzdata)"
has bad err "coffeetrial: $bad:3: unknown key 'colour' in [network]"
has bad err "coffeetrial: $bad:6: [schedule] meeting_window (1h) is shorter than duration (2h)"
has bad err "coffeetrial: $bad:8: [pairing] weight_team = nan: not a number (e.g. 2 or 0.5)"
has bad err "coffeetrial: $bad:10: line too long (279 characters; at most 199)"
has bad err "coffeetrial: $bad:11: unknown section [transprt] (did you mean [transport]?)"
[ "$(wc -l <"$tmp/bad.err")" -eq 6 ] || fail "bad: expected exactly 6 problems"
grep -v "^coffeetrial: $bad:[0-9]*: " "$tmp/bad.err" && fail "bad: a line not as FILE:LINE: message"
[ -s "$tmp/bad.out" ] && fail "bad: unexpected stdout"
run bad_d 78 "$CT_DAEMON" --check -c "$bad"
has bad_d err "coffeetriald: $bad:3: unknown key 'colour' in [network]"

# The file may come from $COFFEETRIAL_CONFIG or as an argument, too.
run bad_env 78 env COFFEETRIAL_CONFIG="$bad" "$CT_BIN" config check
has bad_env err "coffeetrial: $bad:3: unknown key 'colour' in [network]"
run bad_arg 78 "$CT_BIN" -c "$CT_SRC/conf/coffeetrial.ini" config check "$bad"
has bad_arg err "coffeetrial: $bad:3: unknown key 'colour' in [network]"

# A missing file: 66.
run missing 66 "$CT_BIN" -c "$tmp/none.ini" config check
has missing err "coffeetrial: $tmp/none.ini: cannot open: No such file or directory"
run missing_d 66 "$CT_DAEMON" -n -c "$tmp/none.ini"
run missing_show 66 "$CT_BIN" -c "$tmp/none.ini" config show

# Usage errors: 64.
run usage 64 "$CT_BIN" config check a b
run usage_opt 64 "$CT_BIN" config check --bogus

# Secrets: checked, warned about when loose, never printed.
printf 's3cret-value\n' >"$tmp/smtp-password"
chmod 644 "$tmp/smtp-password"
cat >"$tmp/smtp.ini" <<INI
[transport]
kind = smtp
[smtp]
url = smtp://localhost:2525
username = coffee
password_file = smtp-password
INI
run loose 0 "$CT_BIN" -c "$tmp/smtp.ini" config check
has loose err "coffeetrial: $tmp/smtp.ini:6: warning: [smtp] password_file: $tmp/smtp-password is accessible by group or others (mode 0644); chmod 600 it"
has loose out "$tmp/smtp.ini: ok, 1 warning"
chmod 600 "$tmp/smtp-password"
run tight 0 "$CT_BIN" -c "$tmp/smtp.ini" config check
has tight out "$tmp/smtp.ini: ok"
run show 0 "$CT_BIN" -c "$tmp/smtp.ini" config show
has show out "password_file = $tmp/smtp-password"
has show out "kind = smtp"
# With systemd credentials, a relative name is looked up there.
mkdir "$tmp/creds"
run creds 78 env CREDENTIALS_DIRECTORY="$tmp/creds" "$CT_BIN" -c "$tmp/smtp.ini" config check
has creds err "coffeetrial: $tmp/smtp.ini:6: [smtp] password_file: cannot use $tmp/creds/smtp-password: No such file or directory"
cp "$tmp/smtp-password" "$tmp/creds/"
run creds_ok 0 env CREDENTIALS_DIRECTORY="$tmp/creds" "$CT_DAEMON" -n -c "$tmp/smtp.ini"
grep -l s3cret "$tmp"/*.out "$tmp"/*.err && fail "a secret was printed"

# "config show" prints a configuration that reads back the same.
run show_defaults 0 "$CT_BIN" -c "$CT_SRC/conf/coffeetrial.ini" config show
cp "$tmp/show_defaults.out" "$tmp/again.ini"
run show_again 0 "$CT_BIN" -c "$tmp/again.ini" config show
[ "$(tail -n +2 "$tmp/show_defaults.out")" = "$(tail -n +2 "$tmp/show_again.out")" ] ||
    fail "config show does not read back the same"

# Every key, and no other, is documented in the shipped file and the man
# page, in its section: compare "section.key" lists.
ini_keys() {
    awk '/^\[[a-z]+\]$/ { s = substr($0, 2, length($0) - 2) }
         /^(# )?[a-z_]+ =/ { k = $0; sub(/^# /, "", k); sub(/ =.*/, "", k); print s "." k }' "$1" |
        sort -u
}
ini_keys "$tmp/show_defaults.out" >"$tmp/keys.show"
ini_keys "$CT_SRC/conf/coffeetrial.ini" >"$tmp/keys.ini"
awk '/^\.SS \[[a-z]+\]/ { s = $2; gsub(/[][]/, "", s) }
     /^\.SH/ { s = "" }
     prev == ".TP" && /^\.B [a-z_]+$/ && s != "" { print s "." $2 }
     { prev = $0 }' "$CT_SRC/docs/coffeetrial.ini.5" |
    sort -u >"$tmp/keys.man"
[ "$(wc -l <"$tmp/keys.show")" -ge 50 ] || fail "config show lists too few keys"
diff "$tmp/keys.show" "$tmp/keys.ini" >&2 || fail "conf/coffeetrial.ini: keys differ from the reader's"
diff "$tmp/keys.show" "$tmp/keys.man" >&2 || fail "docs/coffeetrial.ini.5: keys differ from the reader's"

if [ "$failures" -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "config check: all cases passed"
