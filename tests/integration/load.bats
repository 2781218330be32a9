#!/usr/bin/env bats
# Concurrency and load.  Many husk commands at once on one container, or on
# hundreds of containers, must neither crash husk, nor leave anything
# behind, nor make `state` lie; a container that floods its stdout, forks
# without end or eats memory must not disturb husk or a container beside
# it.  Timings are printed (run bats with --show-output-of-passing-tests,
# or see the TAP comments) and never asserted.

load helpers

# Hundreds of containers take minutes, by design (more under ASan): give
# each test here at least 10 minutes whatever the suite's per-test limit.
if [ -n "${BATS_TEST_TIMEOUT:-}" ] && [ "$BATS_TEST_TIMEOUT" -lt 600 ]; then
	BATS_TEST_TIMEOUT=600
fi

eval "helpers_$(declare -f setup)"

setup() {
	requires root
	helpers_setup
	set_args sleep 1000
	jobs=()
}

# Background jobs are waited for by pid (each appended to $jobs): a bare
# `wait` would also wait for bats' own per-test timeout countdown
# (BATS_TEST_TIMEOUT).
# wait_jobs: wait for every job in $jobs, then forget them.
wait_jobs() {
	local j
	for j in "${jobs[@]}"; do
		wait "$j" || true
	done
	jobs=()
}

# report TEXT: a line in bats' output (fd 3), for the figures we measure.
report() {
	echo "# $*" >&3
}

# ms_since START: milliseconds since $EPOCHREALTIME was START.
ms_since() {
	local now=$EPOCHREALTIME
	echo $(((${now/./} - ${1/./}) / 1000))
}

# clean_exit STATUS FILE: husk ended by itself (no signal, no sanitizer
# abort), with 0 or a one-line error.
clean_exit() {
	local st=$1 f=$2
	if [ "$st" -ne 0 ] && [ "$st" -ne 1 ]; then
		fail "husk exited with status $st: $(cat "$f")"
	fi
}

# no_process_named ID: see faults.bats.
no_process_named() {
	local found
	found=$(pgrep -a -f -- "$1") || return 0
	echo "$found"
	return 1
}

@test "load: 20 creates of one ID at once: exactly one wins, the others say it already exists" {
	local id i st ok=0 out=$BATS_TEST_TMPDIR/race
	id=$(cid same)
	mkdir "$out"
	for i in $(seq 1 20); do
		(
			st=0
			husk create --bundle "$BUNDLE" "$id" </dev/null >"$out/$i" 2>&1 || st=$?
			echo "$st" >"$out/$i.status"
		) &
		jobs+=($!)
	done
	wait_jobs
	for i in $(seq 1 20); do
		st=$(cat "$out/$i.status")
		clean_exit "$st" "$out/$i"
		if [ "$st" -eq 0 ]; then
			ok=$((ok + 1))
		else
			grep -q "container \"$id\" already exists" "$out/$i" ||
				fail "loser $i failed otherwise: $(cat "$out/$i")"
			[ "$(wc -l <"$out/$i")" -eq 1 ] || fail "loser $i said more than one line: $(cat "$out/$i")"
		fi
	done
	[ "$ok" -eq 1 ] || fail "$ok creates succeeded"
	# The winner's container is whole, and the only one.
	assert_equal "$(container_status "$id")" created
	run husk list -q
	assert_output "$id"
	# Losers never got as far as a cgroup: one directory per hierarchy.
	local pid
	pid=$(husk state "$id" | jq .pid)
	run husk start "$id"
	assert_success
	assert_equal "$(container_status "$id")" running
	run husk delete --force "$id"
	assert_success
	retry 30 0.1 no_process_named "$id"
	check_no_leaks
}

# race_round N: create a container, then fire start, state, kill, exec,
# list, ps-free commands and delete --force at it all at once.
race_round() {
	local n=$1 id out=$BATS_TEST_TMPDIR/round-$1 i st
	id=$(cid "race$n")
	mkdir -p "$out"
	husk create --bundle "$BUNDLE" "$id" </dev/null >"$out/create" 2>&1 || fail "create: $(cat "$out/create")"
	local cmds=(
		"start $id"
		"state $id"
		"kill $id KILL"
		"exec $id true"
		"delete --force $id"
		"state $id"
		"exec -d $id sleep 1000"
		"list -q"
		"kill --all $id TERM"
	)
	for i in "${!cmds[@]}"; do
		(
			st=0
			# shellcheck disable=SC2086
			husk ${cmds[$i]} </dev/null >"$out/$i" 2>&1 || st=$?
			echo "$st" >"$out/$i.status"
		) &
		jobs+=($!)
	done
	wait_jobs
	for i in "${!cmds[@]}"; do
		st=$(cat "$out/$i.status")
		# A foreground exec reports its process' status: 137 when delete
		# killed it, with nothing printed.
		if [ "${cmds[$i]}" = "exec $id true" ] && [ "$st" -eq 137 ] && [ ! -s "$out/$i" ]; then
			continue
		fi
		clean_exit "$st" "$out/$i"
		# Every failure is one of the errors a lost race may give.
		if [ "$st" -ne 0 ]; then
			grep -qE 'does not exist|not running|is stopped|cannot start|its init exited|cannot exec|exited before|join the container.s cgroup' "$out/$i" ||
				fail "\`husk ${cmds[$i]}\` failed oddly: $(cat "$out/$i")"
		fi
	done
	# Whatever won, state agrees with the processes: if the container is
	# still there, its status is one of the real ones.
	run husk state "$id"
	if [ "$status" -eq 0 ]; then
		local s
		s=$(echo "$output" | jq -r .status)
		case $s in created | running | stopped) ;; *) fail "state says $s" ;; esac
		run husk delete --force "$id"
		assert_success
	else
		assert_output --partial "does not exist"
	fi
	retry 30 0.1 no_process_named "$id" || fail "processes left: $output"
}

@test "load: delete racing start, kill, exec, state and list on one container (10 rounds)" {
	local n
	for n in $(seq 1 10); do
		race_round "$n"
	done
	check_no_leaks
}

@test "load: kill --all racing state: never \"paused\" (its freeze is not a pause)" {
	local id
	id=$(cid freeze)
	set_args sh -c 'for i in $(seq 100); do sleep 1000 & done; wait'
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	retry 50 0.1 sh -c "[ \$('$HUSK' --root '$HUSK_ROOT' ps --format json '$id' | jq length) -ge 100 ]"
	(for i in $(seq 100); do husk kill --all "$id" WINCH; done) &
	jobs+=($!)
	run sh -c "for i in \$(seq 300); do '$HUSK' --root '$HUSK_ROOT' state '$id' | jq -r .status; done | sort | uniq -c"
	wait_jobs
	refute_output --partial paused
	assert_output --partial running
	run husk delete --force "$id"
	assert_success
	check_no_leaks
}

@test "load: state and list never see a half-written state.json" {
	local id stop=$BATS_TEST_TMPDIR/stop out=$BATS_TEST_TMPDIR/readers n=0 i
	id=$(cid churn)
	mkdir "$out"
	# Readers: state and list in a loop while the container comes and goes.
	for i in 1 2; do
		(
			while [ ! -e "$stop" ]; do
				husk state "$id" >"$out/state.$i" 2>&1
				if ! jq -e .status "$out/state.$i" >/dev/null 2>&1; then
					grep -qE "does not exist|is incomplete" "$out/state.$i" ||
						cp "$out/state.$i" "$out/bad.state.$i.$RANDOM"
				fi
				husk list --format json >"$out/list.$i" 2>&1
				jq -e 'length >= 0' "$out/list.$i" >/dev/null 2>&1 ||
					cp "$out/list.$i" "$out/bad.list.$i.$RANDOM"
			done
		) &
		jobs+=($!)
	done
	for n in $(seq 1 25); do
		husk run -d --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 || true
		husk delete --force "$id" </dev/null >/dev/null 2>&1 || true
	done
	touch "$stop"
	wait_jobs
	local bad
	bad=$(find "$out" -name 'bad.*')
	[ -z "$bad" ] || fail "a reader saw a broken answer: $(head -c 2000 $bad)"
	check_no_leaks
}

# --- load ------------------------------------------------------------------

# counts: a line of what containers could leave on the host, for comparing
# before and after: state entries under --root, mounts naming the test's
# directory, cgroup directories and processes with the test's ID prefix.
counts() {
	local state mounts cgroups procs
	state=$(find "$HUSK_ROOT" -mindepth 1 | wc -l)
	mounts=$(grep -c -F "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true)
	cgroups=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "*$HK_PREFIX*" 2>/dev/null | wc -l)
	procs=$(pgrep -c -f -- "$HK_PREFIX" || true)
	echo "state=$state mounts=$mounts cgroups=$cgroups processes=$procs"
}

@test "load: 200 containers created, started and deleted in parallel batches of 10" {
	local before after b i t0 out=$BATS_TEST_TMPDIR/batch
	mkdir "$out"
	before=$(counts)
	t0=$EPOCHREALTIME
	for b in $(seq 0 19); do
		for i in $(seq 0 9); do
			(
				id="${HK_PREFIX}l$((b * 10 + i))"
				{
					husk create --bundle "$BUNDLE" "$id" &&
						husk start "$id" &&
						[ "$(husk state "$id" | jq -r .status)" = running ] &&
						husk delete --force "$id"
				} </dev/null >"$out/$id" 2>&1 || echo "$id failed: $(cat "$out/$id")" >>"$out/failures"
			) &
			jobs+=($!)
		done
		wait_jobs
	done
	report "200 containers in batches of 10: $(ms_since "$t0") ms"
	[ ! -e "$out/failures" ] || fail "$(cat "$out/failures")"
	retry 30 0.1 no_process_named "$HK_PREFIX"
	after=$(counts)
	assert_equal "$after" "$before"
	check_no_leaks
}

@test "load: no descriptor of husk reaches a container created under load" {
	local id
	id=$(cid fds)
	# A few creates at once so that husk has many descriptors open.
	for i in 1 2 3 4; do
		husk run -d --bundle "$BUNDLE" "$(cid "other$i")" </dev/null >/dev/null 2>&1 &
		jobs+=($!)
	done
	set_args sh -c 'ls /proc/self/fd'
	run husk run --bundle "$BUNDLE" "$id"
	wait_jobs
	assert_success
	# 0, 1, 2 and the one ls opened to read the directory.
	assert_equal "$(echo "$output" | tr '\n' ' ')" "0 1 2 3 "
}

@test "load: list with 500 containers present is correct" {
	local i b t0 out=$BATS_TEST_TMPDIR/many n
	mkdir "$out"
	t0=$EPOCHREALTIME
	for b in $(seq 0 49); do
		for i in $(seq 0 9); do
			husk create --bundle "$BUNDLE" "${HK_PREFIX}m$(printf %03d $((b * 10 + i)))" \
				</dev/null >>"$out/create" 2>&1 &
			jobs+=($!)
		done
		wait_jobs
	done
	report "500 creates (batches of 10): $(ms_since "$t0") ms"
	t0=$EPOCHREALTIME
	run husk list -q
	report "list -q with 500 containers: $(ms_since "$t0") ms"
	assert_success
	[ "${#lines[@]}" -eq 500 ] || fail "list shows ${#lines[@]} containers: $(cat "$out/create")"
	# Sorted, and exactly our IDs.
	assert_equal "$output" "$(seq -f "${HK_PREFIX}m%03g" 0 499)"
	t0=$EPOCHREALTIME
	run husk list --format json
	report "list --format json with 500 containers: $(ms_since "$t0") ms"
	assert_success
	assert_equal "$(echo "$output" | jq '[.[] | select(.status == "created")] | length')" 500
	t0=$EPOCHREALTIME
	for b in $(seq 0 49); do
		for i in $(seq 0 9); do
			husk delete --force "${HK_PREFIX}m$(printf %03d $((b * 10 + i)))" </dev/null >/dev/null 2>&1 &
			jobs+=($!)
		done
		wait_jobs
	done
	report "500 deletes (batches of 10): $(ms_since "$t0") ms"
	run husk list -q
	assert_output ""
	retry 30 0.1 no_process_named "$HK_PREFIX"
	check_no_leaks
}

# --- noisy neighbours --------------------------------------------------------

# beside ID: a quiet container next to the noisy one, and husk answering.
neighbour_is_fine() {
	local id=$1
	assert_equal "$(container_status "$id")" running
	run husk exec "$id" echo still-here
	assert_success
	assert_output still-here
	run husk list -q
	assert_success
}

@test "load: a container flooding its stdout disturbs neither husk nor its neighbour" {
	local quiet flood fifo=$BATS_TEST_TMPDIR/flood.fifo reader
	quiet=$(cid quiet)
	flood=$(cid flood)
	hrun run -d --bundle "$BUNDLE" "$quiet"
	assert_success
	mkfifo "$fifo"
	head -c 200000000 "$fifo" >/dev/null &
	reader=$!
	# Foreground run: stdout is the fifo; when the reader stops, yes dies of
	# SIGPIPE and run reports it.  (Not yes as PID 1: the init of a PID
	# namespace ignores SIGPIPE, and busybox yes ignores EPIPE.)
	set_args sh -c 'yes flood; exit $?'

	husk run --bundle "$BUNDLE" "$flood" </dev/null >"$fifo" 2>"$BATS_TEST_TMPDIR/flood.err" &
	local runner=$!
	wait_for_status "$flood" running
	neighbour_is_fine "$quiet"
	local st=0
	wait "$runner" || st=$?
	wait "$reader"
	assert_equal "$st" 141
	neighbour_is_fine "$quiet"
	run husk delete --force "$quiet"
	assert_success
	check_no_leaks
}

@test "load: a fork bomb under a pids limit disturbs neither husk nor its neighbour, and delete --force ends it" {
	local quiet bomb cg
	quiet=$(cid quiet)
	bomb=$(cid bomb)
	hrun run -d --bundle "$BUNDLE" "$quiet"
	assert_success
	set_args sh -c 'b() { b | b & }; b; sleep 1000'
	update_config '.linux.resources.pids = {"limit": 64}'
	hrun run -d --bundle "$BUNDLE" "$bomb"
	assert_success
	cg=$(jq -r '.cgroupPaths.pids // .cgroupPaths.unified' "$HUSK_ROOT/$bomb/state.json")
	# Let it hit the limit.
	retry 50 0.1 sh -c "[ \$(cat '$cg/pids.current') -ge 60 ]"
	[ "$(cat "$cg/pids.current")" -le 64 ] || fail "pids.current $(cat "$cg/pids.current") above the limit"
	neighbour_is_fine "$quiet"
	run husk delete --force "$bomb"
	assert_success
	neighbour_is_fine "$quiet"
	run husk delete --force "$quiet"
	assert_success
	check_no_leaks
}

@test "load: a memory hog under a memory limit is contained; husk and its neighbour go on" {
	local quiet hog cg
	quiet=$(cid quiet)
	hog=$(cid hog)
	hrun run -d --bundle "$BUNDLE" "$quiet"
	assert_success
	# 256 MiB buffers in a 32 MiB cgroup without swap: the OOM killer ends it.
	set_args sh -c 'while :; do dd if=/dev/zero of=/dev/null bs=256M count=1; done'
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	hrun run -d --bundle "$BUNDLE" "$hog"
	assert_success
	cg=$(jq -r '.cgroupPaths.memory // .cgroupPaths.unified' "$HUSK_ROOT/$hog/state.json")
	if [ -e "$cg/memory.oom_control" ]; then
		retry 50 0.1 grep -q 'oom_kill [1-9]' "$cg/memory.oom_control"
		[ "$(cat "$cg/memory.max_usage_in_bytes")" -le 33554432 ] || fail "usage above the limit"
	else
		retry 50 0.1 sh -c "grep -q 'oom_kill [1-9]' '$cg/memory.events'"
		[ "$(cat "$cg/memory.peak")" -le 33554432 ] || fail "usage above the limit"
	fi
	neighbour_is_fine "$quiet"
	run husk delete --force "$hog"
	assert_success
	neighbour_is_fine "$quiet"
	run husk delete --force "$quiet"
	assert_success
	check_no_leaks
}

# --- leaks -------------------------------------------------------------------

# Under tests/run-all.sh the ASan build runs the whole suite with
# LeakSanitizer, which checks every command of every test for leaked
# memory.  What it cannot see are descriptors left open at exit: valgrind
# --track-fds does, for the commands valgrind can run (3.19 lacks
# pidfd_open, which create, start, kill and exec need).
@test "load: no command leaks memory or leaves a descriptor open at exit (valgrind)" {
	command -v valgrind >/dev/null || skip "valgrind is not installed"
	[ -z "${HUSK_SANITIZER_LOGS:-}" ] || skip "an ASan build cannot run under valgrind (LeakSanitizer covers it)"
	local id cmd out
	id=$(cid vg)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	for cmd in "state $id" "list" "list --format json" "ps $id" "events --stats $id" \
		"update --pids-limit 50 $id" "pause $id" "resume $id" "state nosuch" "features" \
		"kill --all nosuch KILL" "delete --force nosuch"; do
		# Only what husk opened itself: fds 0-2 and those bats holds are
		# inherited.  shellcheck disable=SC2086
		out=$(timeout 120 valgrind -q --leak-check=full --errors-for-leak-kinds=all \
			--show-leak-kinds=all --error-exitcode=99 --track-fds=yes \
			"$HUSK" --root "$HUSK_ROOT" $cmd 2>&1 >/dev/null 3>&-) || {
			[ $? -ne 99 ] || fail "husk $cmd: valgrind found errors: $out"
		}
		if echo "$out" | grep -A1 "Open file descriptor" | grep -v -e "inherited from parent" -e "Open file descriptor" -e '^--$' | grep -q .; then
			fail "husk $cmd left a descriptor open: $out"
		fi
	done
	run husk delete --force "$id"
	assert_success
}
