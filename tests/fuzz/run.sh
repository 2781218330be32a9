#!/bin/bash
# Build the libFuzzer targets with clang and run each over its seed corpus;
# SECONDS (default 30) is the total budget, split between the targets.
#
#   tests/fuzz/run.sh [SECONDS]
#
# Everything is built in a temporary directory straight from the sources
# (no configure needed, the in-tree build is left alone): the library and
# the CLI once, with ASan, UBSan and fuzzer coverage, then one small
# harness per target.  Prints one TAP line per target and exits non-zero
# when a target crashes, leaks or aborts; the crashing input is kept and
# its path printed.  FUZZ_KEEP=1 keeps the work directory; FUZZ_TARGETS
# limits the targets run.
#
# The targets (tests/fuzz/fuzz-*.c; seeds in tests/fuzz/corpus/TARGET):
#   fuzz-spec       config.json
#   fuzz-process    process.json of exec --process
#   fuzz-state      state.json, and its write/read round trip
#   fuzz-resources  linux.resources of update -r
#   fuzz-hooks      the state given to hooks and the process state given to
#                   a seccomp agent: written, then read back
#   fuzz-cli        each command's argv against a --root that does not
#                   exist, create/run's parser, hk_path_clean, hk_id_validate
set -u

total=${1:-30}
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
targets=${FUZZ_TARGETS:-"fuzz-spec fuzz-process fuzz-state fuzz-resources fuzz-hooks fuzz-cli"}
CLANG=${CLANG:-clang}
jobs=$(nproc 2>/dev/null || echo 2)

work=$(mktemp -d "${TMPDIR:-/tmp}/husk-fuzz.XXXXXX")
cleanup() { [ "${FUZZ_KEEP:-0}" = 1 ] || rm -rf "$work"; }
trap cleanup EXIT

# The sources include "config.h" for the feature macros.
cat > "$work/config.h" <<'EOH'
#define _GNU_SOURCE 1
#define PACKAGE_VERSION "fuzz"
EOH

pkgs="yajl libseccomp libcap"
cflags="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
        -fno-sanitize-recover=undefined -I$work -I$top $(pkg-config --cflags $pkgs)"
libs=$(pkg-config --libs $pkgs)

set -- $targets
n=$#
per=$(( total / n ))
[ "$per" -ge 1 ] || per=1
echo "1..$n"

# The library, oci-specs and the CLI (main() renamed away: libFuzzer has
# its own) as one archive.  libcontainer's files include each other with
# quotes and must not see libcontainer/ on the include path, as in
# libcontainer/Makemodule.am.
build_lib() {
  local objs=() f o extra running=0
  mkdir -p "$work/obj"
  for f in "$top"/libcontainer/*.c "$top"/oci-specs/*.c "$top"/src/*.c; do
    o=$work/obj/$(basename "$(dirname "$f")")-$(basename "$f" .c).o
    objs+=("$o")
    extra=""
    [ "$(basename "$f")" = main.c ] && extra=-Dmain=husk_main
    # shellcheck disable=SC2086
    $CLANG $cflags $extra -c "$f" -o "$o" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
      wait -n || return 1
      running=$((running - 1))
    fi
  done
  while [ "$running" -gt 0 ]; do
    wait -n || return 1
    running=$((running - 1))
  done
  ar rcs "$work/libhusk-fuzz.a" "${objs[@]}"
}

if ! build_lib > "$work/lib.build.log" 2>&1; then
  for t in $targets; do
    echo "not ok - $t: library build failed"
  done
  sed 's/^/# /' "$work/lib.build.log" | tail -40
  exit 1
fi

i=0
status=0
for t in $targets; do
  i=$((i + 1))
  # shellcheck disable=SC2086
  if ! $CLANG $cflags -fsanitize=fuzzer -o "$work/$t" "$here/$t.c" "$work/libhusk-fuzz.a" $libs \
      > "$work/$t.build.log" 2>&1; then
    echo "not ok $i - $t: build failed"
    sed 's/^/# /' "$work/$t.build.log"
    status=1
    continue
  fi
  mkdir -p "$work/corpus-$t" "$work/artifacts-$t"
  # The first corpus dir receives new inputs: a scratch copy, not the seeds.
  # Standard input is /dev/null (update -r - reads it); the targets' own
  # output is dropped (-close_fd_mask), libFuzzer's reports are kept.
  (cd "$work" && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "./$t" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -close_fd_mask=3 -artifact_prefix="$work/artifacts-$t/" -print_final_stats=1 \
    "$work/corpus-$t" "$here/corpus/$t") < /dev/null > "$work/$t.log" 2>&1
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
