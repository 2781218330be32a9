#!/usr/bin/env bats
# husk kill: signal names and numbers, --all, bad signals.

load helpers

# start_trapper ID: a running container whose shell exits on TERM (PID 1
# ignores TERM without a handler).  Its output lands in the bundle.
start_trapper() {
	set_args sh -c 'trap "echo got-term >/tmp/log; exit 3" TERM; echo ready >/tmp/log; while :; do sleep 0.1; done'
	update_config '.root.readonly = false'
	hrun run -d --bundle "$BUNDLE" "$1"
	assert_success
	# Wait until the trap is installed, or an early TERM would be ignored.
	retry 50 0.1 grep -q ready "$BUNDLE/rootfs/tmp/log" || fail "container $1 did not start"
}

# kill_with SIGNAL [EXPECT_TRAP]: the container stops on SIGNAL.
kill_with() {
	local id
	id=$(cid "kill-$(echo "$1" | tr -c 'a-zA-Z0-9\n' x)")
	start_trapper "$id"
	run husk kill "$id" "$1"
	assert_success
	wait_for_status "$id" stopped
	if [ "${2:-}" = trapped ]; then
		grep -q got-term "$BUNDLE/rootfs/tmp/log" || fail "TERM did not reach the trap"
	fi
}

@test "kill TERM" {
	kill_with TERM trapped
}

@test "kill SIGTERM" {
	kill_with SIGTERM trapped
}

@test "kill 15" {
	kill_with 15 trapped
}

@test "kill KILL" {
	kill_with KILL
}

@test "kill 9" {
	kill_with 9
}

@test "kill without a signal sends TERM" {
	local id
	id=$(cid kill-default)
	start_trapper "$id"
	run husk kill "$id"
	assert_success
	wait_for_status "$id" stopped
	grep -q got-term "$BUNDLE/rootfs/tmp/log" || fail "TERM did not reach the trap"
}

@test "kill with an unknown signal fails and names it" {
	local id
	id=$(cid kill-bad)
	start_trapper "$id"
	run husk kill "$id" SIGFOO
	assert_failure
	assert_output --partial "unknown signal"
	assert_output --partial "SIGFOO"
	run husk kill "$id" 12345
	assert_failure
	assert_equal "$(container_status "$id")" running
}

@test "kill --all signals every process in the container" {
	local id
	id=$(cid kill-all)
	update_config '.root.readonly = false'
	# PID 1 has no TERM handler, so only --all (which reaches the two
	# sleeps) makes it finish: its wait returns once they die.
	set_args sh -c 'sleep 100 & sleep 100 & echo ready >/tmp/log; wait; echo reaped >>/tmp/log'
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	retry 50 0.1 grep -q ready "$BUNDLE/rootfs/tmp/log" || fail "container did not start"
	run husk kill --all "$id" TERM
	assert_success
	wait_for_status "$id" stopped
	grep -q reaped "$BUNDLE/rootfs/tmp/log" || fail "the sleeps were not signalled"
}

@test "kill of an unknown container fails" {
	run husk kill "$(cid nosuch)" KILL
	assert_failure
	assert_output --partial "does not exist"
}

@test "kill of a stopped container fails" {
	local id
	id=$(cid kill-stopped)
	set_args true
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	run husk start "$id"
	assert_success
	wait_for_status "$id" stopped
	run husk kill "$id" KILL
	assert_failure
}
