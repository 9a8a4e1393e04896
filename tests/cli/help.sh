#!/bin/sh
# help.sh: what the command table gives besides running commands: "help",
# "COMMAND --help" within 80 columns, a group alone listing its commands,
# "did you mean" for unknown commands and options, and the exit codes.
set -eu
. "$CT_SRC/tests/cli/lib.sh"

# within80 FILE WHAT: every line of FILE fits in 80 columns (counted in
# bytes, which is stricter than columns for UTF-8 text).
within80() {
    if awk 'length($0) > 80 { print FILENAME ":" NR ": " $0; bad = 1 } END { exit bad }' \
        "$1" >&2; then :; else fail "$2: a line is wider than 80 columns"; fi
}

# All commands: exit 0 on stdout, every group there, 80 columns.
expect 0 help
out_has "usage: coffeetrial [-c FILE | -n NAME] COMMAND [ARGS]"
for words in "config check" "roster import" "member pause" "exclude list" "round plan" \
    "outbox flush" "outbox retry" "outcome record" "report" "simulate"; do
    out_has "  $words "
done
within80 "$tmp/out" "help"
# "help help" is the same overview, not an unknown command.
expect 0 help help
out_has "usage: coffeetrial [-c FILE | -n NAME] COMMAND [ARGS]"
cp "$tmp/out" "$tmp/help"
expect 0 --help
cmp -s "$tmp/out" "$tmp/help" || fail "--help and help differ"
# The command words of the list, one per line ("round plan", "outbox").
sed -n '/^commands:/,/^$/p' "$tmp/help" | grep '^  [a-z]' |
    sed 's/^  \([a-z]*\)\( [a-z]*\)\{0,1\} .*/\1\2/' >"$tmp/commands"
[ "$(wc -l <"$tmp/commands")" -ge 20 ] || fail "help lists $(wc -l <"$tmp/commands") commands"

# Every command's help, both ways, and every group's: exit 0, 80 columns,
# the usage line first. Nothing runs: no database appears.
while read -r group name; do
    # shellcheck disable=SC2086 # name is empty for one-word commands
    expect 0 $group $name --help
    within80 "$tmp/out" "$group $name --help"
    head -1 "$tmp/out" | grep -qF "usage: coffeetrial $group${name:+ $name}" ||
        fail "$group $name --help: no usage line first"
    out_has "options:"
    out_has "--help"
    cp "$tmp/out" "$tmp/one"
    expect 0 help "$group"
    within80 "$tmp/out" "help $group"
    out_has "usage: coffeetrial $group"
    # "help outbox" lists the outbox commands; "help report" is report's help.
    if [ -n "$name" ] || [ "$(grep -c "^$group\( \|\$\)" "$tmp/commands")" -eq 1 ]; then
        # shellcheck disable=SC2086
        expect 0 help $group $name
        cmp -s "$tmp/out" "$tmp/one" || fail "help $group $name differs from --help"
    fi
done <"$tmp/commands"
[ ! -e "$db" ] || fail "help created the database"

expect 0 round plan --help
out_has "--date YYYY-MM-DD"
out_has "text|json"
expect 0 help round
for name in plan show list send cancel; do out_has "  round $name "; done

# A group alone lists its commands: a usage error, on standard error.
expect 64 round
err_has "'round' needs a command"
for name in plan show list send cancel; do err_has "  round $name "; done

# Did you mean: commands, subcommands, options, global options.
expect 64 rooster
err_has "unknown command 'rooster' (did you mean 'roster'?)"
expect 64 round pln
err_has "unknown round command 'pln' (did you mean 'round plan'?)"
expect 64 help round pln
err_has "did you mean 'round plan'?"
expect 64 outbox flsh
err_has "did you mean 'outbox flush'?"
expect 64 round plan --formt json
err_has "unknown option '--formt' (did you mean '--format'?)"
err_has "usage: coffeetrial round plan"
expect 64 round plan --fromat json
err_has "did you mean '--format'?"
expect 64 --verison
err_has "did you mean '--version'?"
expect 64 rond
err_has "did you mean 'round'?"
# Nothing close: no guess, still 64.
expect 64 xyzzy
err_has "unknown command 'xyzzy'"
if grep -q "did you mean" "$tmp/err"; then fail "xyzzy: a far-fetched suggestion"; fi
expect 64 round xyzzy
err_has "unknown round command 'xyzzy'"
expect 64 help xyzzy
expect 64 round plan --xyzzy
err_has "unknown option '--xyzzy'"

# The grammar: ambiguous prefixes, values, operand counts, --format values.
expect 64 round plan --d
err_has "ambiguous (--date, --dry-run)"
expect 64 member erase --yes=1 a@example.org
err_has "option '--yes' takes no value"
expect 64 round plan --date
err_has "option '--date' needs a value"
expect 64 round show
err_has "usage: coffeetrial round show ID"
expect 64 round show 1 2
expect 64 exclude add a@example.org
expect 64 round list --format xml
err_has "--format: unknown format 'xml' (text, json)"
expect 64 -c
expect 64
err_has "usage: coffeetrial"

# What still runs: unique prefixes, short clusters, options after operands.
expect 0 round list --form json
out_has '{"rounds": []}'
expect 0 outbox -fjson
expect 0 round list -f text
expect 0 --vers
out_has "coffeetrial "
echo "help CLI checks passed"
