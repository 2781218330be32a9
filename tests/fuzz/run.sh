#!/bin/bash
# Build the libFuzzer targets with clang and run each over its seed corpus;
# SECONDS (default 30) is the total budget, split between the targets.
#
#   tests/fuzz/run.sh [SECONDS]
#
# Everything is built in a temporary directory straight from the sources
# (no configure needed, the in-tree build is left alone).  Prints one TAP
# line per target and exits non-zero when a target crashes, leaks or
# aborts; the crashing input is kept and its path printed.  FUZZ_KEEP=1
# keeps the work directory; FUZZ_TARGETS limits the targets run.
set -u

total=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
targets=${FUZZ_TARGETS:-"fuzz-spec fuzz-process fuzz-state"}
CLANG=${CLANG:-clang}

work=$(mktemp -d "${TMPDIR:-/tmp}/husk-fuzz.XXXXXX")
cleanup() { [ "${FUZZ_KEEP:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

# The sources include "config.h" for the feature macros; a build dir
# configured or not, this one is enough for oci-specs.
cat > "$work/config.h" <<'EOH'
#define _GNU_SOURCE 1
EOH

sources="$top/libcontainer/error.c $top/libcontainer/utils.c $(ls "$top"/oci-specs/*.c)"
cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined
        -fno-sanitize-recover=undefined -I$work -I$top -I$top/libcontainer
        $(pkg-config --cflags yajl)"
libs=$(pkg-config --libs yajl)

set -- $targets
n=$#
per=$(( total / n ))
[ "$per" -ge 1 ] || per=1
echo "1..$n"

i=0
status=0
for t in $targets; do
  i=$((i + 1))
  if ! $CLANG $cflags -o "$work/$t" "$here/$t.c" $sources $libs > "$work/$t.build.log" 2>&1; then
    echo "not ok $i - $t: build failed"
    sed 's/^/# /' "$work/$t.build.log"
    status=1
    continue
  fi
  mkdir -p "$work/corpus-$t" "$work/artifacts-$t"
  # The first corpus dir receives new inputs: a scratch copy, not the seeds.
  (cd "$work" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "./$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -artifact_prefix="$work/artifacts-$t/" -print_final_stats=1 \
    "$work/corpus-$t" "$here/corpus/$t") > "$work/$t.log" 2>&1
  rc=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
  if [ $rc -eq 0 ]; then
    echo "ok $i - $t ${per}s, ${runs:-0} runs"
  else
    FUZZ_KEEP=1
    echo "not ok $i - $t ${per}s, ${runs:-?} runs (exit $rc)"
    grep -E "ERROR|SUMMARY|runtime error|^    #[0-9] " "$work/$t.log" | head -30 | sed 's/^/# /'
    for a in "$work/artifacts-$t"/*; do
      [ -e "$a" ] && echo "# crashing input: $a"
    done
    echo "# full log: $work/$t.log"
    status=1
  fi
done
exit $status
