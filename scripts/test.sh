#!/bin/sh
# test.sh: install what is missing, build twice (a normal build with
# warnings as errors, and an AddressSanitizer + UndefinedBehaviorSanitizer
# build), and run the whole CTest suite in both.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

"$top/scripts/deps.sh" test

common="-DCT_WERROR=ON -DCT_TEST_HOOKS=ON"
# shellcheck disable=SC2086
"$top/scripts/build.sh" build-test $common -DCT_FUZZ=ON -DCMAKE_C_COMPILER=clang
# shellcheck disable=SC2086
"$top/scripts/build.sh" build-asan $common -DCT_SANITIZE=ON

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

passed=0
failed=0
status=0
for dir in build-test build-asan; do
    echo "== ctest in $dir"
    log="$dir/ctest.log"
    if ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" >"$log" 2>&1; then
        :
    else
        status=1
    fi
    cat "$log"
    line=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log" | tail -n 1)
    if [ -z "$line" ]; then
        echo "test.sh: no CTest summary in $dir" >&2
        status=1
        continue
    fi
    total=$(echo "$line" | sed -E 's/.*out of ([0-9]+).*/\1/')
    nfail=$(echo "$line" | sed -E 's/.* ([0-9]+) tests failed.*/\1/')
    passed=$((passed + total - nfail))
    failed=$((failed + nfail))
done
echo
echo "all builds: $passed passed, $failed failed"
exit $status
