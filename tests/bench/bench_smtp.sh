#!/bin/sh
# bench_smtp.sh: SMTP delivery rate of the transport's parallel batches
# ([smtp] connections, default 4, each connection reused) against one
# curl(1) process per message (what a script mailing each invitation does),
# in one run against the same local sinks:
#   - aiosmtpd as a plain relay (no TLS, no AUTH);
#   - aiosmtpd with STARTTLS and AUTH, as a real relay would have, where
#     also: one reused connection, a new connection per message (the cost
#     of connecting alone), and the whole `outbox flush` with SQLite;
#   - Postfix's smtp-sink (/usr/sbin/smtp-sink, Debian package postfix),
#     the fast sink, plain (it has no TLS); skipped with a note if absent.
# aiosmtpd is one Python process: on it the figures are the server's limit
# as much as ours; smtp-sink shows what the client can do. Prints figures
# and ratios; never fails on timing.
#
#   tests/bench/bench_smtp.sh [-b BUILD_DIR] [-n MESSAGES] [-m CURL_MESSAGES] [-k CONNECTIONS]
#
# Defaults: build/, 5000 messages, 300 through curl(1), 4 connections.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build"
n=5000
m=300
k=4
while getopts b:n:m:k: opt; do
    case $opt in
    b) build=$(cd "$OPTARG" && pwd) ;;
    n) n=$OPTARG ;;
    m) m=$OPTARG ;;
    k) k=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-n MESSAGES] [-m CURL_MESSAGES] [-k CONNECTIONS]" >&2; exit 64 ;;
    esac
done
bench="$build/tests/bench/bench_smtp"
[ -x "$bench" ] || { echo "bench_smtp.sh: $bench not built" >&2; exit 66; }
command -v curl >/dev/null || { echo "bench_smtp.sh: curl(1) is needed" >&2; exit 69; }

work=$(mktemp -d)
pids=
cleanup() {
    for p in $pids; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT INT TERM

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$work/key.pem" -out "$work/cert.pem" \
    -days 2 -subj /CN=localhost -addext subjectAltName=IP:127.0.0.1,DNS:localhost \
    >/dev/null 2>&1
printf 'bench-password\n' >"$work/password"

# start_aiosmtpd NAME ARGS...: sets NAME_port and NAME_pid
start_aiosmtpd() {
    name=$1
    shift
    /usr/bin/python3 "$top/tests/servers/smtp_server.py" "$@" --stats "$work/$name.json" \
        --lifetime 7200 >"$work/$name.port" 2>"$work/$name.log" &
    eval "${name}_pid=$!"
    pids="$pids $!"
    i=0
    while [ ! -s "$work/$name.port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
    p=$(head -n 1 "$work/$name.port")
    [ -n "$p" ] || { echo "bench_smtp.sh: the $name SMTP server did not start" >&2; exit 69; }
    eval "${name}_port=$p"
}
start_aiosmtpd plain
start_aiosmtpd tls --starttls "$work/cert.pem" "$work/key.pem" --auth coffee:bench-password

# rate LINE: the msg/s figure of a result line.
rate() { echo "$1" | sed -E 's/.*: +([0-9.]+) msg\/s.*/\1/'; }

# The message curl(1) sends, the size bench_smtp's are (about 6 KB).
printf 'From: <organiser@coffeetrial.test>\r\nTo: <member@bench.example>\r\nSubject: Coffee\r\n\r\n' >"$work/msg.eml"
i=0
while [ $i -lt 95 ]; do
    printf 'Your partner this month works somewhere you have not been yet.\r\n' >>"$work/msg.eml"
    i=$((i + 1))
done
# curl_per_message URL [curl options...]: one curl(1) process per message.
curl_per_message() {
    url=$1
    shift
    start=$(date +%s.%N)
    i=0
    failed=0
    while [ $i -lt "$m" ]; do
        curl -s "$@" --mail-from organiser@coffeetrial.test --mail-rcpt "member$i@bench.example" \
            -T "$work/msg.eml" "$url" || failed=$((failed + 1))
        i=$((i + 1))
    done
    end=$(date +%s.%N)
    echo "$start $end $m $failed" | awk '{ t = $2 - $1; printf "%-34s %6d messages in %7.2f s: %9.1f msg/s (%d failed)\n", "curl(1) per message, as a script", $3, t, $3 / t, $4 }'
}
# show VAR COMMAND...: run, print the result line, keep its rate in VAR
show() {
    var=$1
    shift
    out=$("$@" | grep -v '^cpu:')
    echo "    $out"
    eval "$var=\$(rate \"\$out\")"
}
ratio() { echo "$1 $2" | awk '{ printf "%.1fx", $1 / $2 }'; }

tls_opts="-c $work/cert.pem -u coffee -p $work/password"
echo "client: $(curl --version | head -n 1 | cut -d' ' -f1-3); $k connections; load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
echo
echo "aiosmtpd $(/usr/bin/python3 -c 'import aiosmtpd; print(aiosmtpd.__version__)'), plain relay (smtp://127.0.0.1:$plain_port):"
show p_curl curl_per_message "smtp://127.0.0.1:$plain_port"
show p_par "$bench" -k "$k" "smtp://127.0.0.1:$plain_port" "$n" batch
echo "    parallel vs curl(1) per message: $(ratio "$p_par" "$p_curl") (target: at least 10x)"
echo
echo "aiosmtpd, STARTTLS + AUTH (smtp://127.0.0.1:$tls_port):"
show t_curl curl_per_message "smtp://127.0.0.1:$tls_port" --ssl-reqd --cacert "$work/cert.pem" -u coffee:bench-password
# shellcheck disable=SC2086
show t_par "$bench" $tls_opts -k "$k" "smtp://127.0.0.1:$tls_port" "$n" batch
# shellcheck disable=SC2086
show t_one "$bench" $tls_opts "smtp://127.0.0.1:$tls_port" "$n" reuse
# shellcheck disable=SC2086
show t_new "$bench" $tls_opts "smtp://127.0.0.1:$tls_port" "$m" reconnect
# shellcheck disable=SC2086
show t_flush "$bench" $tls_opts -k "$k" -d "$work" "smtp://127.0.0.1:$tls_port" "$n" outbox
echo "    parallel vs curl(1) per message: $(ratio "$t_par" "$t_curl") (target: at least 10x)"
echo "    parallel vs one reused connection: $(ratio "$t_par" "$t_one")"
echo
sink=/usr/sbin/smtp-sink
if [ -x "$sink" ]; then
    sink_port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    if [ "$(id -u)" = 0 ]; then
        "$sink" -u nobody "127.0.0.1:$sink_port" 256 >/dev/null 2>&1 &
    else
        "$sink" "127.0.0.1:$sink_port" 256 >/dev/null 2>&1 &
    fi
    pids="$pids $!"
    sleep 0.5
    echo "Postfix smtp-sink, plain (smtp://127.0.0.1:$sink_port):"
    show s_curl curl_per_message "smtp://127.0.0.1:$sink_port"
    show s_par "$bench" -k "$k" "smtp://127.0.0.1:$sink_port" "$((n * 4))" batch
    show s_one "$bench" "smtp://127.0.0.1:$sink_port" "$((n * 4))" reuse
    echo "    parallel vs curl(1) per message: $(ratio "$s_par" "$s_curl")"
else
    echo "Postfix smtp-sink: $sink not found (apt-get install --no-install-recommends postfix); no figure"
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
