#!/usr/bin/env bats
# husk run: what the container sees, and how its exit status comes back.

load helpers

@test "run prints the hostname from config.json" {
	update_config '.hostname = "hk-host-test"'
	set_args hostname
	run husk run --bundle "$BUNDLE" "$(cid h)"
	assert_success
	assert_output "hk-host-test"
}

@test "run: the default bundle prints its hostname and PID 1" {
	run husk run --bundle "$BUNDLE" "$(cid demo)"
	assert_success
	assert_line "hostname: husk-demo"
	assert_line "pid: 1"
}

@test "run: the process is PID 1" {
	set_args sh -c 'echo $$'
	run husk run --bundle "$BUNDLE" "$(cid pid1)"
	assert_success
	assert_output "1"
}

@test "run: runs from the bundle as the current directory" {
	set_args hostname
	cd "$BUNDLE"
	run husk run "$(cid cwdbundle)"
	assert_success
	assert_output "husk-demo"
}

@test "run: process.env values are visible" {
	update_config '.process.env += ["HK_FOO=bar baz", "HK_EMPTY="]'
	set_args sh -c 'echo "foo=[$HK_FOO] empty=[${HK_EMPTY-unset}] path=$PATH"'
	run husk run --bundle "$BUNDLE" "$(cid env)"
	assert_success
	assert_output "foo=[bar baz] empty=[] path=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
}

@test "run: process.cwd is the working directory" {
	update_config '.process.cwd = "/tmp"'
	set_args pwd
	run husk run --bundle "$BUNDLE" "$(cid cwd)"
	assert_success
	assert_output "/tmp"
}

@test "run: process.user uid, gid and additionalGids" {
	update_config '.process.user = {"uid": 1000, "gid": 1000, "additionalGids": [10, 20]}'
	set_args sh -c 'echo "u=$(id -u) g=$(id -g)"; id -G'
	run husk run --bundle "$BUNDLE" "$(cid user)"
	assert_success
	assert_line --index 0 "u=1000 g=1000"
	# id -G: the primary gid, then the supplementary groups.
	local groups=" ${lines[1]} "
	[[ "$groups" == *" 10 "* ]] || fail "gid 10 missing from: ${lines[1]}"
	[[ "$groups" == *" 20 "* ]] || fail "gid 20 missing from: ${lines[1]}"
	[[ "$groups" != *" 0 "* ]] || fail "root group still present: ${lines[1]}"
}

@test "run: exit status 0" {
	set_args sh -c 'echo ran; exit 0'
	run husk run --bundle "$BUNDLE" "$(cid exit0)"
	assert_success
	assert_output ran
}

@test "run: exit status 42" {
	set_args sh -c 'exit 42'
	run husk run --bundle "$BUNDLE" "$(cid exit42)"
	assert_equal "$status" 42
}

@test "run: killed by SIGKILL exits 137" {
	# PID 1 of a PID namespace cannot SIGKILL itself, so this container
	# shares the host PID namespace; $$ is then an ordinary process.
	update_config '.linux.namespaces -= [{"type": "pid"}]'
	set_args sh -c 'kill -9 $$; echo survived'
	run husk run --bundle "$BUNDLE" "$(cid exit137)"
	assert_equal "$status" 137
	refute_output --partial survived
}

@test "run: rlimit NOFILE from config" {
	set_args sh -c 'ulimit -n'
	run husk run --bundle "$BUNDLE" "$(cid nofile)"
	assert_success
	assert_output "1024"
}

@test "run: the root filesystem is read-only when root.readonly is set" {
	set_args sh -c 'touch /hk-ro 2>/dev/null && echo writable || echo readonly'
	run husk run --bundle "$BUNDLE" "$(cid ro)"
	assert_success
	assert_output "readonly"
	[ ! -e "$BUNDLE/rootfs/hk-ro" ]
}
