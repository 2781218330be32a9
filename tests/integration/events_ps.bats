#!/usr/bin/env bats
# husk ps and husk events: the container's processes, its statistics in
# runc's JSON layout, the stream of statistics, and OOM notifications.

load helpers

# start_pair ID: a running container of two processes, init (sh) and a
# background sleep, waited for.  Sets $INIT and $CHILD.
start_pair() {
	set_args sh -c 'sleep 1000 & wait'
	update_config '.linux.resources.memory = {"limit": 67108864}
		| .linux.resources.pids = {"limit": 100}'
	hrun run -d --bundle "$BUNDLE" "$1"
	assert_success
	INIT=$(husk state "$1" | jq .pid)
	retry 50 0.1 child_of "$INIT" || fail "the background sleep did not start"
	CHILD=$output
}

# child_of PID: prints the one child of PID.
child_of() {
	local kids
	kids=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	[ -n "$kids" ] || return 1
	echo "$kids" | tr -d ' '
}

# cgroup_procs ID: the PIDs in every hierarchy's cgroup.procs of the
# container (from state.json's cgroupPaths), one sorted JSON array per
# hierarchy.
cgroup_procs() {
	local dir
	for dir in $(jq -r '.cgroupPaths[]' "$HUSK_ROOT/$1/state.json"); do
		sort -n "$dir/cgroup.procs" | jq -sc .
	done
}

@test "ps --format json lists exactly the container's processes" {
	local id want
	id=$(cid ps-json)
	start_pair "$id"
	want=$(printf '%s\n' "$INIT" "$CHILD" | sort -n | jq -sc .)
	run husk ps --format json "$id"
	assert_success
	assert_output "$want"
	# Every hierarchy agrees with it.
	run cgroup_procs "$id"
	assert_success
	[ "${#lines[@]}" -ge 1 ] || fail "state.json records no cgroup"
	local l
	for l in "${lines[@]}"; do
		assert_equal "$l" "$want"
	done
	run husk ps -f json "$id"
	assert_output "$want"
}

@test "ps prints ps -ef's header and the container's lines only" {
	local id pids
	id=$(cid ps-table)
	start_pair "$id"
	run husk ps "$id"
	assert_success
	assert_line --index 0 --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
	assert_equal "${#lines[@]}" 3
	assert_line --regexp "^root +$INIT +[0-9]+ .* sh -c sleep 1000 & wait$"
	assert_line --regexp "^root +$CHILD +$INIT .* sleep 1000$"
	# Nothing of the host: not this shell, not PID 1.
	pids=$(tail -n +2 <<<"$output" | awk '{print $2}' | sort -n | tr '\n' ' ')
	assert_equal "$pids" "$(printf '%s\n' "$INIT" "$CHILD" | sort -n | tr '\n' ' ')"
}

@test "ps passes its arguments to ps, with or without --" {
	local id
	id=$(cid ps-args)
	start_pair "$id"
	run husk ps "$id" -- -o pid,comm
	assert_success
	assert_line --index 0 --regexp '^ *PID +COMMAND$'
	assert_equal "${#lines[@]}" 3
	assert_line --regexp "^ *$INIT sh$"
	assert_line --regexp "^ *$CHILD sleep$"
	# runc's form: the arguments right after the ID.
	run husk ps "$id" -o comm,pid
	assert_success
	assert_line --index 0 --regexp '^COMMAND +PID$'
	assert_line --regexp "^sleep +$CHILD$"
	assert_equal "${#lines[@]}" 3
	# --format json ignores them, as runc does.
	run husk ps -f json "$id" -o comm
	assert_success
	assert_output "$(printf '%s\n' "$INIT" "$CHILD" | sort -n | jq -sc .)"
}

@test "ps of a created container shows its init; of a stopped one, nothing" {
	local id pid
	id=$(cid ps-created)
	set_args true
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	run husk ps -f json "$id"
	assert_success
	assert_output "[$pid]"
	run husk start "$id"
	assert_success
	wait_for_status "$id" stopped
	run husk ps -f json "$id"
	assert_success
	assert_output "[]"
	run husk ps "$id"
	assert_success
	assert_output --regexp '^UID +PID +PPID +C +STIME +TTY +TIME +CMD$'
}

@test "ps refuses bad input with clear errors" {
	local id
	id=$(cid ps-bad)
	run husk ps "$(cid ps-nosuch)"
	assert_failure
	assert_output --partial "does not exist"
	run husk ps
	assert_failure
	assert_output --partial "ps: expected a container ID"
	start_pair "$id"
	run husk ps --format xml "$id"
	assert_failure
	assert_output --partial '--format: expected table or json, got "xml"'
	run husk ps --bogus "$id"
	assert_failure
	assert_output --partial "--bogus"
	# Output without a PID column cannot be filtered.
	run husk ps "$id" -o comm
	assert_failure
	assert_output --partial 'no PID column in the output of `ps -o comm`'
	# ps itself refusing its arguments.
	run husk ps "$id" -- --no-such-ps-option
	assert_failure
	assert_output --regexp 'ps: `ps --no-such-ps-option` exited with status [0-9]+'
	# With --log-format json the error is one JSON record.
	run husk --log-format json ps --format xml "$id"
	assert_failure
	assert_equal "$(jq -r .level <<<"$output")" error
	[[ "$(jq -r .msg <<<"$output")" == *'--format: expected table or json'* ]] ||
		fail "not a JSON error record: $output"
}

@test "events --stats prints one stats object in runc's layout" {
	local id
	id=$(cid ev-stats)
	start_pair "$id"
	run husk events --stats "$id"
	assert_success
	assert_equal "${#lines[@]}" 1
	assert_equal "$(jq -c '[.type, .id]' <<<"$output")" "[\"stats\",\"$id\"]"
	assert_equal "$(jq -c '.data | keys' <<<"$output")" \
		'["blkio","cpu","cpuset","hugetlb","intel_rdt","memory","network_interfaces","pids"]'
	assert_equal "$(jq -c '.data.memory | del(.raw, .cache) | keys' <<<"$output")" \
		'["kernel","kernelTCP","swap","usage"]'
	assert_equal "$(jq -c '.data.cpu | keys' <<<"$output")" '["throttling","usage"]'
	# The numbers come from this container's cgroup.
	assert_equal "$(jq .data.memory.usage.limit <<<"$output")" 67108864
	jq -e '.data.memory.usage.usage > 0' <<<"$output" >/dev/null || fail "no memory usage: $output"
	jq -e '.data.cpu.usage.total > 0' <<<"$output" >/dev/null || fail "no cpu usage: $output"
	assert_equal "$(jq .data.pids.limit <<<"$output")" 100
	assert_equal "$(jq .data.pids.current <<<"$output")" 2
	assert_equal "$(jq .data.network_interfaces <<<"$output")" null
}

@test "events --stats: the numbers move with the container" {
	local id before after
	id=$(cid ev-move)
	update_config '.root.readonly = false'
	set_args sh -c 'while [ ! -e /tmp/go ]; do sleep 0.1; done
		i=0; while [ $i -lt 200000 ]; do i=$((i + 1)); done
		sleep 1000 & sleep 1000 & touch /tmp/done; wait'
	update_config '.linux.resources.pids = {"limit": 50}'
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	before=$(husk events --stats "$id")
	touch "$BUNDLE/rootfs/tmp/go"
	retry 300 0.1 test -e "$BUNDLE/rootfs/tmp/done" || fail "the busy loop did not finish"
	after=$(husk events --stats "$id")
	jq -e --argjson b "$before" '.data.cpu.usage.total > $b.data.cpu.usage.total' <<<"$after" \
		>/dev/null || fail "cpu usage did not grow: before $before, after $after"
	# init and its two sleeps, as ps counts them.
	retry 50 0.1 ps_count_is "$id" 3 || fail "ps does not show 3 processes"
	after=$(husk events --stats "$id")
	assert_equal "$(jq .data.pids.current <<<"$after")" 3
}

# ps_count_is ID N: husk ps lists N processes.
ps_count_is() {
	[ "$(husk ps -f json "$1" | jq length)" = "$2" ]
}

# lines_at_least FILE N
lines_at_least() {
	[ "$(wc -l <"$1")" -ge "$2" ]
}

@test "events --interval streams stats lines and exits 0 when the container stops" {
	local id out pid n
	id=$(cid ev-stream)
	start_pair "$id"
	out=$BATS_TEST_TMPDIR/events.out
	husk events --interval 100ms "$id" >"$out" 2>"$out.err" &
	pid=$!
	retry 100 0.1 lines_at_least "$out" 3 || fail "fewer than 3 lines: $(cat "$out" "$out.err")"
	run husk kill "$id" KILL
	assert_success
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 0
	n=$(wc -l <"$out")
	[ "$n" -ge 3 ] || fail "only $n lines"
	# Every line is one stats event of this container.
	run jq -c 'select(.type != "stats" or .id != "'"$id"'" or (.data.memory.usage.limit != 67108864))' "$out"
	assert_success
	assert_output ""
	[ ! -s "$out.err" ] || fail "stderr: $(cat "$out.err")"
}

# oom_bundle: memory (and memory+swap) limited to 32 MiB; init waits for
# /tmp/go, then runs "$1" (a shell line).
oom_bundle() {
	update_config '.root.readonly = false
		| .linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	set_args sh -c "while [ ! -e /tmp/go ]; do sleep 0.1; done; $1"
}

# A string that doubles until the shell cannot hold it.
HOG='a=x; while :; do a=$a$a; done'

@test "events reports an OOM kill in the container and goes on" {
	local id out pid
	id=$(cid ev-oom)
	oom_bundle "sh -c '$HOG'; echo \$? >/tmp/hog-status; exec sleep 1000"
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	out=$BATS_TEST_TMPDIR/events.out
	husk events --interval 100ms "$id" >"$out" 2>"$out.err" &
	pid=$!
	# The watch is in place once the first line is out.
	retry 100 0.1 test -s "$out" || fail "no events: $(cat "$out.err")"
	touch "$BUNDLE/rootfs/tmp/go"
	retry 300 0.1 grep -q '"type":"oom"' "$out" || fail "no oom event: $(grep -v stats "$out")"
	assert_equal "$(cat "$BUNDLE/rootfs/tmp/hog-status")" 137
	assert_equal "$(grep '"type":"oom"' "$out" | head -n 1)" "{\"type\":\"oom\",\"id\":\"$id\"}"
	# The container lives on, and so does the stream.
	assert_equal "$(container_status "$id")" running
	run husk kill "$id" KILL
	assert_success
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 0
}

@test "events reports the OOM kill of init, then exits 0" {
	local id out pid
	id=$(cid ev-oom-init)
	oom_bundle "$HOG"
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	out=$BATS_TEST_TMPDIR/events.out
	husk events --interval 100ms "$id" >"$out" 2>"$out.err" &
	pid=$!
	retry 100 0.1 test -s "$out" || fail "no events: $(cat "$out.err")"
	touch "$BUNDLE/rootfs/tmp/go"
	# No kill from the test: the OOM killer stops the container.
	status=0
	wait "$pid" || status=$?
	assert_equal "$status" 0
	assert_equal "$(grep -c '"type":"oom"' "$out")" 1
	assert_equal "$(grep '"type":"oom"' "$out")" "{\"type\":\"oom\",\"id\":\"$id\"}"
	assert_equal "$(container_status "$id")" stopped
}

@test "events refuses bad input with clear errors" {
	local id s
	id=$(cid ev-bad)
	run husk events "$(cid ev-nosuch)"
	assert_failure
	assert_output --partial "does not exist"
	run husk events --stats "$(cid ev-nosuch2)"
	assert_failure
	assert_output --partial "does not exist"
	run husk events
	assert_failure
	assert_output --partial "expected exactly one container ID"
	start_pair "$id"
	run husk events --interval 5x "$id"
	assert_failure
	assert_output --partial '--interval: invalid duration "5x": unknown unit "x"'
	run husk events --interval 5 "$id"
	assert_failure
	assert_output --partial 'missing unit'
	run husk events --interval 0 "$id"
	assert_failure
	assert_output --partial '--interval: must be greater than 0'
	run husk events --interval -1s "$id"
	assert_failure
	assert_output --partial '--interval: must be greater than 0'
	run husk events --interval
	assert_failure
	assert_output --partial "--interval"
	run husk events "$id" extra
	assert_failure
	assert_output --partial "expected exactly one container ID, got 2"
	run husk --log-format json events --interval nope "$id"
	assert_failure
	assert_equal "$(jq -r .level <<<"$output")" error
	# A stopped container has no events.
	s=$(cid ev-stopped)
	set_args true
	hrun run -d --bundle "$BUNDLE" "$s"
	assert_success
	wait_for_status "$s" stopped
	run husk events --stats "$s"
	assert_failure
	assert_output --partial "container \"$s\" is not running"
	run husk events --interval 100ms "$s"
	assert_failure
	assert_output --partial "container \"$s\" is not running"
}
