#!/bin/sh
# bench_smtp.sh: SMTP delivery rate with one connection reused for the whole
# batch, against one connection per message (what a script running curl(1)
# per invitation does), in the same run, through a local aiosmtpd with
# STARTTLS and AUTH as a real relay would have. Also: our transport with a
# new connection per message (the cost of connecting alone, no process
# start), and the whole `outbox flush` path with its SQLite commits.
# Prints figures and the ratio; never fails on timing.
#
#   tests/bench/bench_smtp.sh [-b BUILD_DIR] [-n MESSAGES] [-m PER_CONNECTION_MESSAGES]
#
# Defaults: build/, 10000 and 10000 (-m 1000 makes a quick run).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build"
n=10000
m=
while getopts b:n:m: opt; do
    case $opt in
    b) build=$(cd "$OPTARG" && pwd) ;;
    n) n=$OPTARG ;;
    m) m=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-n MESSAGES] [-m PER_CONNECTION_MESSAGES]" >&2; exit 64 ;;
    esac
done
m=${m:-$n}
bench="$build/tests/bench/bench_smtp"
[ -x "$bench" ] || { echo "bench_smtp.sh: $bench not built" >&2; exit 66; }
command -v curl >/dev/null || { echo "bench_smtp.sh: curl(1) is needed" >&2; exit 69; }

work=$(mktemp -d)
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    >/dev/null 2>&1
printf 'bench-password\n' >"$work/password"
/usr/bin/python3 "$top/tests/servers/smtp_server.py" --starttls "$work/cert.pem" "$work/key.pem" \
    --auth coffee:bench-password --stats "$work/stats.json" --lifetime 7200 \
    >"$work/port" 2>"$work/server.log" &
server_pid=$!
i=0
while [ ! -s "$work/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(head -n 1 "$work/port")
[ -n "$port" ] || { echo "bench_smtp.sh: the SMTP server did not start" >&2; exit 69; }
url="smtp://127.0.0.1:$port"

# CPU seconds the server has used so far (utime + stime, in clock ticks).
server_cpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$server_pid/stat"; }
connections() { sed -E 's/.*"connections": ([0-9]+).*/\1/' "$work/stats.json"; }
# rate LINE: the msg/s figure of a bench_smtp result line.
rate() { echo "$1" | sed -E 's/.*: +([0-9.]+) msg\/s.*/\1/'; }

echo "server: aiosmtpd $(/usr/bin/python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)') on $url, STARTTLS + AUTH"
echo "client: $(curl --version | head -n 1 | cut -d' ' -f1-3)"
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo

run() { # run LABEL COMMAND...: print the result line with server CPU and connections
    label=$1
    shift
    c0=$(server_cpu)
    k0=$(connections)
    out=$("$@")
    c1=$(server_cpu)
    k1=$(connections)
    echo "$out" | grep -v '^cpu:'
    echo "    client CPU $(echo "$out" | sed -n 's/^cpu: //p'), server CPU $(echo "$c0 $c1" | awk '{printf "%.2f", $2 - $1}') s, $((k1 - k0)) connection(s)"
    eval "$label=\$(rate \"\$(echo \"\$out\" | head -n 1)\")"
}

run reuse "$bench" -c "$work/cert.pem" -u coffee -p "$work/password" "$url" "$n" reuse

# What a script does: one curl(1) process, one connection, one message each.
printf 'From: <organiser@coffeetrial.test>\r\nTo: <member@bench.example>\r\nSubject: Coffee\r\n\r\n' >"$work/msg.eml"
i=0
while [ $i -lt 95 ]; do
    printf 'Your partner this month works somewhere you have not been yet.\r\n' >>"$work/msg.eml"
    i=$((i + 1))
done
script_bench() {
    start=$(date +%s.%N)
    i=0
    failed=0
    while [ $i -lt "$m" ]; do
        curl -s --ssl-reqd --cacert "$work/cert.pem" -u coffee:bench-password \
            --mail-from organiser@coffeetrial.test --mail-rcpt "member$i@bench.example" \
            -T "$work/msg.eml" "$url" || failed=$((failed + 1))
        i=$((i + 1))
    done
    end=$(date +%s.%N)
    echo "$start $end $m $failed" | awk '{ t = $2 - $1; printf "%-34s %6d messages in %7.2f s: %9.1f msg/s (%d failed)\n", "curl(1) per message, as a script", $3, t, $3 / t, $4 }'
    times >"$work/times" # not in a pipeline: that would be a subshell without children
    tail -n 1 "$work/times" | awk '{ split($1, u, "m"); split($2, s, "m"); printf "cpu: %.2f seconds\n", u[1] * 60 + u[2] + s[1] * 60 + s[2] }'
}
run script script_bench
run reconnect "$bench" -c "$work/cert.pem" -u coffee -p "$work/password" "$url" "$m" reconnect
run flush "$bench" -c "$work/cert.pem" -u coffee -p "$work/password" -d "$work" "$url" "$n" outbox

echo
echo "$reuse $script $reconnect" | awk '{
    printf "connection reuse vs curl(1) per message:     %5.1fx (target: at least 10x)\n", $1 / $2
    printf "connection reuse vs a connection per message: %5.1fx (no process start)\n", $1 / $3 }'
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
