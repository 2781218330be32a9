#!/bin/bash
# The whole test suite: build, unit tests, bats against the normal build,
# Podman and Docker running the normal build (tests/engines), the cgroup
# bats files in a pure cgroup v2 guest (tests/vm/run.sh), bats against an
# ASan+UBSan build, then the fuzzers for a minute.
#
#   tests/run-all.sh            (as root, from anywhere in the tree)
#
# The sources are copied to a scratch directory and built there out of tree
# (build/ and build-asan/), so an in-tree configured checkout (which refuses
# out-of-tree configure) and other people's builds in it are left alone.
# Prints all TAP as it goes and ends with one line "N passed, N failed,
# N skipped"; exits non-zero on any failure.
#
# Both builds are configured with --enable-fault-injection, so that
# tests/integration/faults.bats really kills husk and init at each named
# point (HUSK_FAULT) instead of skipping.  It costs nothing measurable when
# HUSK_FAULT is unset: a getenv at each of a dozen points; 40 interleaved
# `husk run` of /bin/true took 43.1 ms (median) with it, 45.7 ms without,
# i.e. within the noise.
#
# Environment: HUSK_WORKDIR (scratch dir, default a new one under /tmp,
# removed at the end unless KEEP_WORKDIR=1), FUZZ_SECONDS (default 60),
# SKIP_ENGINES=1, SKIP_VM=1, SKIP_ASAN=1, SKIP_FUZZ=1, BATS_FLAGS (extra bats
# options); tests/vm/run.sh reads its own HUSK_VM_* settings.
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc 2>/dev/null || echo 2)
fuzz_seconds=${FUZZ_SECONDS:-60}

if [ -n "${HUSK_WORKDIR:-}" ]; then
	work=$HUSK_WORKDIR
	mkdir -p "$work"
else
	work=$(mktemp -d /tmp/husk-run-all.XXXXXX)
	trap '[ "${KEEP_WORKDIR:-0}" = 1 ] || rm -rf "$work"' EXIT
fi
# The rootless tests run the builds as nobody: mktemp's 0700 would stop them.
chmod 755 "$work"
src=$work/src
counts=$work/counts
: >"$counts"

passed=0 failed=0 skipped=0

# note RESULT TEXT: one TAP-style line for a stage of this script itself.
note() {
	case "$1" in
	ok) echo "ok - $2"; passed=$((passed + 1)) ;;
	fail) echo "not ok - $2"; failed=$((failed + 1)) ;;
	skip) echo "ok - $2 # skip"; skipped=$((skipped + 1)) ;;
	esac
}

# tap_count: pass TAP through and tally it into $counts ("P F S").
tap_count() {
	awk -v out="$counts" '
		{ print; fflush() }
		/^ok / { if (tolower($0) ~ /# skip/) s++; else p++ }
		/^not ok / { if (tolower($0) ~ /# todo/) s++; else f++ }
		END { print p + 0, f + 0, s + 0 > out }'
}

# run_tap LABEL CMD...: run a TAP producer, count its results; a non-zero
# exit without any "not ok" line (a crash, a timeout) counts as a failure.
run_tap() {
	local label=$1 rc p f s
	shift
	echo "# === $label"
	"$@" 2>&1 | tap_count
	rc=${PIPESTATUS[0]}
	read -r p f s <"$counts"
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		note fail "$label exited with status $rc"
	fi
}

# step LABEL CMD...: a build step; its output is shown only if it fails.
step() {
	local label=$1 log
	shift
	log=$work/$(echo "$label" | tr -c 'a-zA-Z0-9\n' _).log
	echo "# --- $label"
	if "$@" >"$log" 2>&1; then
		note ok "$label"
	else
		sed 's/^/# /' "$log" | tail -n 60
		note fail "$label"
		return 1
	fi
}

finish() {
	echo "$passed passed, $failed failed, $skipped skipped"
	[ "$failed" -eq 0 ]
	exit
}

if [ "$(id -u)" -ne 0 ]; then
	echo "# run-all.sh: the integration tests need root" >&2
	note fail "running as root"
	finish
fi

# --- Sources: tracked files plus new, not ignored ones; or everything but
# build products when this is not a git checkout (a release tarball).
copy_sources() {
	rm -rf "$src"
	mkdir -p "$src"
	if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
		(cd "$top" && git ls-files -z --cached --others --exclude-standard |
			while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done |
			tar --null -T - -cf -) | tar -C "$src" -xf -
	else
		(cd "$top" && tar --exclude=./build --exclude=./build-asan --exclude='*.o' \
			--exclude=./config.status --exclude=./Makefile --exclude=./config.h \
			--exclude=./husk -cf - .) | tar -C "$src" -xf -
	fi
}

# build DIR [CONFIGURE ARGS]: out-of-tree build in $work/DIR.
build() {
	local dir=$work/$1
	shift
	mkdir -p "$dir" &&
		(cd "$dir" && "$src/configure" "$@" && make -j"$jobs")
}

# Unit tests through automake's harness: PASS/FAIL/... lines, counted here.
unit_tests() {
	local log=$work/unit-tests.log rc
	echo "# === unit tests (make check)"
	(cd "$work/build" && make -j"$jobs" check INTEGRATION=no) >"$log" 2>&1
	rc=$?
	grep -E '^(PASS|FAIL|ERROR|XPASS|XFAIL|SKIP):' "$log"
	local p f s
	p=$(grep -cE '^(PASS|XFAIL):' "$log")
	f=$(grep -cE '^(FAIL|ERROR|XPASS):' "$log")
	s=$(grep -cE '^SKIP:' "$log")
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$f" -gt 0 ]; then
		find "$work/build/tests" -name '*.log' ! -name test-suite.log -exec grep -l -E '^(FAIL|ERROR)' {} + 2>/dev/null |
			while read -r l; do sed 's/^/# /' "$l"; done
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		tail -n 40 "$log" | sed 's/^/# /'
		note fail "make check exited with status $rc"
	fi
}

bats_suite() {
	local husk=$1
	HUSK=$husk BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-120} \
		timeout -k 10 2400 bats --tap ${BATS_FLAGS:-} "$src/tests/integration"
}

# Podman and Docker from Debian with husk as their runtime; each file sets
# its engine up once and tears it down (about a minute and a half here).
bats_engines() {
	HUSK=$work/build/husk BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-300} \
		timeout -k 10 900 bats --tap ${BATS_FLAGS:-} "$src/tests/engines"
}

# The pure cgroup v2 lane: tests/vm/run.sh picks the files (the cgroup ones)
# and boots one guest for all of them.  Its status 77 is a skip (no QEMU, no
# kernel package), with the reason on a "1..0 # SKIP" line.
# vm_suite LABEL LSM [BATS_FILE...]: tests/vm/run.sh, a guest booted with
# that LSM (apparmor or selinux), on its default files or on those given.
vm_suite() {
	local label=$1 lsm=$2 log=$work/vm-$2.tap rc p f s
	shift 2
	echo "# === $label"
	HUSK=$work/build/husk BATS_TEST_TIMEOUT=${BATS_TEST_TIMEOUT:-900} HUSK_VM_LSM=$lsm \
		bash "$src/tests/vm/run.sh" "$@" 2>&1 | tee "$log" | tap_count
	rc=${PIPESTATUS[0]}
	read -r p f s <"$counts"
	if [ "$rc" -eq 77 ] && [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		note skip "$label: $(sed -n 's/^1\.\.0 # SKIP //p' "$log" | head -n 1)"
		return
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	skipped=$((skipped + s))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		note fail "$label exited with status $rc"
	fi
}

# With the sanitizers, reports go to files so that teardown can pin each
# one on the test that caused it (see HUSK_SANITIZER_LOGS in helpers.bash).
bats_suite_asan() {
	local logs=$work/sanitizer-logs
	mkdir -p "$logs"
	HUSK_SANITIZER_LOGS=$logs \
		ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$logs/asan" \
		UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
		bats_suite "$work/build-asan/husk"
}

start=$SECONDS
echo "# husk test suite: sources $top, work dir $work"
if ! step "copy sources" copy_sources || ! step "autogen" sh -c "cd '$src' && ./autogen.sh"; then
	finish
fi

if step "build (normal)" build build --enable-fault-injection; then
	unit_tests
	run_tap "integration tests (normal build)" bats_suite "$work/build/husk"
	if [ "${SKIP_ENGINES:-0}" = 1 ]; then
		note skip "engine tests (SKIP_ENGINES=1)"
	else
		run_tap "engine tests: Podman and Docker (normal build)" bats_engines
	fi
	if [ "${SKIP_VM:-0}" = 1 ]; then
		note skip "bats in guests: pure cgroup v2 with AppArmor, and SELinux (SKIP_VM=1)"
	else
		vm_suite "bats (pure cgroup v2 guest, AppArmor)" apparmor
		vm_suite "bats (SELinux guest)" selinux "$src/tests/integration/lsm.bats"
	fi
fi

if [ "${SKIP_ASAN:-0}" = 1 ]; then
	note skip "ASan+UBSan build (SKIP_ASAN=1)"
elif step "build (ASan+UBSan)" build build-asan --enable-sanitizers --enable-fault-injection; then
	run_tap "integration tests (ASan+UBSan build)" bats_suite_asan
fi

if [ "${SKIP_FUZZ:-0}" = 1 ]; then
	note skip "fuzzing (SKIP_FUZZ=1)"
elif [ -f "$src/tests/fuzz/run.sh" ]; then
	run_tap "fuzzing (${fuzz_seconds}s)" timeout -k 10 $((fuzz_seconds * 3 + 300)) \
		bash "$src/tests/fuzz/run.sh" "$fuzz_seconds"
else
	echo "# no tests/fuzz/run.sh: fuzzing not run"
fi

echo "# total time: $((SECONDS - start))s"
finish
