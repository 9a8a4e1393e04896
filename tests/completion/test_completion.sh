#!/bin/bash
# completion.bash: completions/coffeetrial, sourced in bash, completes what
# an organiser types: "coffeetrial ro" -> roster round, "coffeetrial round "
# -> its subcommands, options, --format values, files and members'
# e-mails. And it offers exactly the commands, subcommands, options and
# fixed values that "coffeetrial --help" and "coffeetrial COMMAND --help"
# list, so the two cannot drift.
set -eu
src=${CT_SRC:?}
bin=${CT_BIN:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# shellcheck disable=SC1091
source "$src/completions/coffeetrial"
complete -p coffeetrial | grep -q -- '-F _coffeetrial' || fail "no completion registered for coffeetrial"

# Tests run on busy machines: the checks below fork as little as they can.
# same_set "A B" "B A": the same words, in any order.
same_set() {
    local -A want=() got=()
    local w
    for w in $1; do want[$w]=1; done
    for w in $2; do
        [[ -n ${want[$w]:-} ]] || return 1
        got[$w]=1
    done
    [ "${#got[@]}" -eq "${#want[@]}" ]
}

# expect "WANTED WORDS" WORD...: TAB after these words (the last one is the
# word being completed) offers exactly the wanted words.
expect() {
    local want=$1
    shift
    COMP_WORDS=("$@")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _coffeetrial || true
    same_set "$want" "${COMPREPLY[*]}" || fail "[$*]: offered '${COMPREPLY[*]}', expected '$want'"
}

expect "roster round" coffeetrial ro
expect "plan show list send cancel rematch" coffeetrial round ""
expect "text json csv html" coffeetrial report --format ""
expect "import show" coffeetrial rc ""
expect "--date --dry-run" coffeetrial rc import --d
expect "text json" coffeetrial rc show --format ""
expect "text json" coffeetrial round plan --format ""
expect "--date --dry-run" coffeetrial round plan --d
expect "-f --format -h --help --explain --declined" coffeetrial round show 1 -
expect "text json csv" coffeetrial roster list -f ""
expect "import list orgs" coffeetrial roster ""
expect "text json" coffeetrial roster orgs --format ""
expect "check show" coffeetrial help config ""
expect "queued sending sent dead dropped all" coffeetrial -c x.ini outbox --state ""
expect "request cancel notice" coffeetrial outbox drop --round 3 --kind ""
expect "--config" coffeetrial --co
expect "--network" coffeetrial --net
expect "-c --config -n --network -h --help --version" coffeetrial -
# -n NAME: the networks are the INI files beside the default one.
mkdir "$tmp/etc" && : >"$tmp/etc/north.ini" && : >"$tmp/etc/nowhere.ini" && : >"$tmp/etc/south.ini"
: >"$tmp/etc/north.ini.dpkg-dist"
_coffeetrial_confdir=$tmp/etc
expect "north nowhere" coffeetrial -n no
expect "north nowhere south" coffeetrial --network ""
expect "list" coffeetrial -n north round l
_coffeetrial_confdir=/etc/coffeetrial
mkdir "$tmp/dir" && : >"$tmp/dir/roster.csv"
expect "$tmp/dir/roster.csv" coffeetrial roster import "$tmp/dir/r"
expect "$tmp/dir/roster.csv" coffeetrial simulate --roster "$tmp/dir/"
expect "$tmp/dir/roster.csv" coffeetrial restore "$tmp/dir/"
expect "--force" coffeetrial backup x.db --f

# Members' e-mails, from the database the -c file names. The one-second
# bound keeps a shell responsive; an ASan build on a busy machine needs more.
export COFFEETRIAL_COMPLETION_TIMEOUT=60
printf '[store]\npath = %s/ct.db\n' "$tmp" >"$tmp/ct.ini"
COFFEETRIAL_CONFIG='' "$bin" -c "$tmp/ct.ini" roster import "$src/conf/roster.example.csv" >/dev/null
expect "aisha.rahman@rmhp.example.org" "$bin" -c "$tmp/ct.ini" member show ai
expect "aisha.rahman@rmhp.example.org" "$bin" -c "$tmp/ct.ini" exclude add ahmed.hassan@wcas.example.org ai
expect "" "$bin" -c "$tmp/ct.ini" member pause ahmed.hassan@wcas.example.org ai

# Everything the help lists, and nothing else: the commands from
# "coffeetrial --help" ("  GROUP [SUBCOMMAND]   summary"), and each one's
# options from "coffeetrial COMMAND --help" ("  -f, --format text|json  ...").
COFFEETRIAL_CONFIG='' "$bin" --help >"$tmp/help"
groups=""
declare -A subcommands=()
in_commands=no
while IFS= read -r line; do
    [[ $line == "commands:" ]] && { in_commands=yes; continue; }
    [[ $in_commands == yes ]] || continue
    [[ -n $line ]] || break
    [[ $line =~ ^\ \ ([a-z][a-z ]*[a-z])\ \  ]] || continue # a wrapped summary
    command=${BASH_REMATCH[1]}
    read -r group second <<<"$command"
    [[ " $groups " == *" $group "* ]] || groups="$groups $group"
    [[ -z $second ]] || subcommands[$group]="${subcommands[$group]:-} $second"

    # shellcheck disable=SC2086
    COFFEETRIAL_CONFIG='' "$bin" $command --help >"$tmp/command.help" 2>&1 ||
        fail "coffeetrial $command --help failed"
    options=""
    declare -A values=()
    in_options=no
    while IFS= read -r option_line; do
        [[ $option_line == "options:" ]] && { in_options=yes; continue; }
        [[ $in_options == yes ]] || continue
        [[ -n $option_line ]] || break
        [[ $option_line =~ ^\ +((-[a-z]),\ )?(--[a-z-]+)(\ ([^ ]+))? ]] || continue
        short=${BASH_REMATCH[2]} long=${BASH_REMATCH[3]} value=${BASH_REMATCH[5]}
        [[ $long == --help ]] && continue # every command, in the completion's code
        options="$options $short $long"
        if [[ $value =~ ^[a-z0-9]+(\|[a-z0-9]+)+$ ]]; then
            values[$long]=${value//|/ }
            [[ -z $short ]] || values[$short]=${value//|/ }
        fi
    done <"$tmp/command.help"
    same_set "$options" "$(_coffeetrial_options "$command")" ||
        fail "$command: help lists options '$options', completion '$(_coffeetrial_options "$command")'"
    for option in "${!values[@]}"; do
        same_set "${values[$option]}" "$(_coffeetrial_values "$command" "$option")" ||
            fail "$command $option: help lists '${values[$option]}', completion '$(_coffeetrial_values "$command" "$option")'"
    done
    unset values
done <"$tmp/help"
[ -n "$groups" ] || fail "no command list in coffeetrial --help"
expect "$groups help" coffeetrial ""
expect "$groups" coffeetrial help ""
for group in $groups; do
    same_set "${subcommands[$group]:-}" "$(_coffeetrial_subcommands "$group")" ||
        fail "$group: help lists subcommands '${subcommands[$group]:-}', completion '$(_coffeetrial_subcommands "$group")'"
done

[ "$failures" -eq 0 ] || exit 1
echo ok
