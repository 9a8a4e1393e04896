# lib.sh: sourced by the CLI tests. Runs each test in its own temporary
# directory (removed on exit), where the built-in defaults put the database
# at ./coffeetrial.db, and gives small helpers to run the real binary and
# check its exit code and output.
: "${CT_BIN:?CT_BIN must name the coffeetrial binary}"
: "${CT_SRC:?CT_SRC must name the source directory}"
CT_PYTHON=${CT_PYTHON:-/usr/bin/python3}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ct-cli.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
cd "$tmp"
# No configuration file: the built-in defaults (database ./coffeetrial.db).
unset COFFEETRIAL_CONFIG
if [ -e /etc/coffeetrial/coffeetrial.ini ]; then
    echo "lib.sh: /etc/coffeetrial/coffeetrial.ini exists and would be used" >&2
    exit 1
fi
data="$CT_SRC/tests/data"
db="$tmp/coffeetrial.db"

fail() {
    echo "FAIL: $*" >&2
    if [ -f "$tmp/out" ]; then
        echo "--- stdout:" >&2
        cat "$tmp/out" >&2
    fi
    if [ -f "$tmp/err" ]; then
        echo "--- stderr:" >&2
        cat "$tmp/err" >&2
    fi
    exit 1
}

# run ARGS...: run coffeetrial; stdout in $tmp/out, stderr in $tmp/err, exit code in $rc.
run() {
    set +e
    "$CT_BIN" "$@" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    set -e
}

# expect CODE ARGS...: run and require the exit code.
expect() {
    want=$1
    shift
    run "$@"
    [ "$rc" -eq "$want" ] || fail "coffeetrial $*: exit $rc, want $want"
}

# out_has TEXT / err_has TEXT: fixed-string match in the last run's output.
out_has() {
    grep -qF -- "$1" "$tmp/out" || fail "stdout lacks: $1"
}
err_has() {
    grep -qF -- "$1" "$tmp/err" || fail "stderr lacks: $1"
}
out_lacks() {
    if grep -qF -- "$1" "$tmp/out"; then fail "stdout has: $1"; fi
}

# sql QUERY: one query on the test database (read only).
sql() {
    sqlite3 -readonly -batch -noheader "$db" "$1"
}

# snapshot: everything in the database, to compare before and after.
snapshot() {
    sqlite3 -readonly -batch "$db" .dump
}
