#!/bin/sh
# bench_spool.sh: how fast `coffeetrial outbox flush` writes the outbox to the
# spool ([transport] kind = spool), the whole process: claims, reading each
# message, writing MESSAGE-ID.eml durably (unnamed O_TMPFILE files synced,
# then named with linkat and synced again; in a build with CT_TEST_HOOKS,
# COFFEETRIAL_TEST_SPOOL_NO_TMPFILE=1 measures the temporary-name-and-rename
# fallback) and marking them sent in SQLite. The spool and the database are
# on the same disk as the build tree (not /tmp, which may be tmpfs: fsync
# there costs nothing). For comparison, in the same run: the same files
# written the way the spool did before its batches (per message: write,
# fsync, rename, fsync the directory; the I/O alone, no SQLite), which is
# what the disk allows a message at a time. Prints msg/s; never fails on
# timing.
#
#   tests/bench/bench_spool.sh [-b BUILD_DIR] [-n MESSAGES] [-s BYTES]
#
# Defaults: build/, 20000 messages of 6000 bytes (an invitation's size).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
build="$top/build"
n=20000
bytes=6000
while getopts b:n:s: opt; do
    case $opt in
    b) build=$(cd "$OPTARG" && pwd) ;;
    n) n=$OPTARG ;;
    s) bytes=$OPTARG ;;
    *) echo "usage: $0 [-b BUILD_DIR] [-n MESSAGES] [-s BYTES]" >&2; exit 64 ;;
    esac
done
ct="$build/daemon/coffeetrial"
tool="$build/tests/outbox_tool"
for f in "$ct" "$tool"; do
    [ -x "$f" ] || { echo "bench_spool.sh: $f not built" >&2; exit 66; }
done
work=$(mktemp -d "$build/bench-spool.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM
cat >"$work/bench.ini" <<INI
[network]
organiser_email = organiser@coffeetrial.test
[store]
path = $work/bench.db
[transport]
kind = spool
[spool]
dir = $work/spool
INI
"$tool" "$work/bench.db" seed "$n" bench.example "$bytes"
sync
echo "filesystem: $(df -T "$work" | awk 'NR == 2 { print $2 " on " $1 }'), load average $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs"
start=$(date +%s.%N)
${CT_BENCH_WRAP:-} "$ct" -c "$work/bench.ini" outbox flush >"$work/out" 2>"$work/err" || true
end=$(date +%s.%N)
sent=$(sed -n 's/^flush: \([0-9]*\) sent.*/\1/p' "$work/out")
files=$(find "$work/spool" -name '*.eml' | wc -l)
echo "$start $end $n $bytes ${sent:-0} $files" | awk '{ t = $2 - $1;
    printf "outbox flush to the spool: %d messages of %d bytes in %.2f s: %.0f msg/s (%d sent, %d files)\n",
           $3, $4, t, $3 / t, $5, $6 }'
[ -s "$work/err" ] && sed 's/^/  stderr: /' "$work/err" | head -n 5
mkdir "$work/one"
/usr/bin/python3 - "$work/one" "$n" "$bytes" <<'PY'
import os, sys, time
d, n, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
data = b"x" * size
dfd = os.open(d, os.O_RDONLY)
t = time.time()
for i in range(n):
    p = "%s/m%06d.eml" % (d, i)
    fd = os.open(p + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    os.write(fd, data)
    os.fsync(fd)
    os.close(fd)
    os.rename(p + ".tmp", p)
    os.fsync(dfd)
t = time.time() - t
print("one fsync'd file at a time (I/O only): %d files in %.2f s: %.0f files/s" % (n, t, n / t))
PY
exit 0
