#!/usr/bin/env bats
# process.scheduler, ioPriority, execCPUAffinity, linux.personality,
# memoryPolicy and sysctl, socket activation (LISTEN_FDS), each checked
# against what the kernel reports inside; bad names refused before
# anything is made.

load helpers

@test "process: scheduler policy and nice value" {
	update_config '.process.scheduler = {"policy": "SCHED_BATCH", "nice": 7}'
	# /proc/self/stat field 19 is the nice value; sched's "policy" the policy
	set_args sh -c 'grep "^policy" /proc/self/sched | tr -s " "; cut -d" " -f19 /proc/self/stat'
	run husk run --bundle "$BUNDLE" "$(cid a)"
	assert_success
	assert_line --index 0 "policy : 3"
	assert_line --index 1 7
}

@test "process: ioPriority class and level" {
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 6}'
	set_args ionice
	run husk run --bundle "$BUNDLE" "$(cid a)"
	assert_success
	assert_output "best-effort: prio 6"
}

@test "process: linux.personality LINUX32" {
	[ "$(uname -m)" = x86_64 ] || skip "LINUX32 is checked on x86_64 hosts"
	update_config '.linux.personality = {"domain": "LINUX32"}'
	set_args uname -m
	run husk run --bundle "$BUNDLE" "$(cid a)"
	assert_success
	assert_output i686
}

@test "process: linux.memoryPolicy" {
	[ -e /proc/self/numa_maps ] || skip "kernel without NUMA support (no numa_maps)"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_INTERLEAVE", "nodes": "0"}'
	set_args sh -c 'head -1 /proc/self/numa_maps | cut -d" " -f2'
	run husk run --bundle "$BUNDLE" "$(cid a)"
	assert_success
	assert_output "interleave:0"
}

@test "process: execCPUAffinity applies to exec'd processes" {
	[ "$(nproc)" -ge 2 ] || skip "needs two CPUs"
	set_args sleep 1000
	id=$(cid a)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	cat >"$BATS_TEST_TMPDIR/p.json" <<-'JSON'
		{"args": ["grep", "Cpus_allowed_list", "/proc/self/status"], "cwd": "/",
		 "env": ["PATH=/bin"], "user": {"uid": 0, "gid": 0},
		 "execCPUAffinity": {"initial": "0", "final": "1"}}
	JSON
	run husk exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
	assert_success
	assert_output --regexp 'Cpus_allowed_list:[[:space:]]+1$'
}

@test "process: namespaced sysctls are written, others refused" {
	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1", "kernel.shmmax": "123456789"}'
	set_args cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax
	run husk run --bundle "$BUNDLE" "$(cid a)"
	assert_success
	assert_line --index 0 1
	assert_line --index 1 123456789

	update_config '.linux.sysctl = {"kernel.pid_max": "4000"}'
	hrun create --bundle "$BUNDLE" "$(cid b)"
	assert_failure
	assert_output --partial "linux.sysctl.kernel.pid_max: not a namespaced sysctl"
	[ ! -e "$HUSK_ROOT/$(cid b)" ]

	update_config '.linux.sysctl = {"net.ipv4.ip_forward": "1"} | .linux.namespaces |= map(select(.type != "network"))'
	hrun create --bundle "$BUNDLE" "$(cid c)"
	assert_failure
	assert_output --partial "linux.sysctl.net.ipv4.ip_forward: needs the container's own net namespace"
	[ ! -e "$HUSK_ROOT/$(cid c)" ]
}

@test "process: LISTEN_FDS sockets reach the container before the preserved fds" {
	echo activated >"$BATS_TEST_TMPDIR/sock"
	echo preserved >"$BATS_TEST_TMPDIR/extra"
	set_args sh -c 'echo $LISTEN_FDS $LISTEN_PID; cat <&3; cat <&4'
	run bash -c 'LISTEN_FDS=1 LISTEN_PID=$$ exec "$0" --root "$1" run --preserve-fds 1 --bundle "$2" "$3" 3<"$4" 4<"$5"' \
		"$HUSK" "$HUSK_ROOT" "$BUNDLE" "$(cid a)" "$BATS_TEST_TMPDIR/sock" "$BATS_TEST_TMPDIR/extra"
	assert_success
	assert_line --index 0 "1 1"
	assert_line --index 1 activated
	assert_line --index 2 preserved

	# LISTEN_PID of another process: not ours, nothing passed
	set_args sh -c 'echo "${LISTEN_FDS:-none}"; ls /proc/self/fd/3 2>/dev/null || echo no-fd3'
	run bash -c 'LISTEN_FDS=1 LISTEN_PID=1 exec "$0" --root "$1" run --bundle "$2" "$3" 3<"$4"' \
		"$HUSK" "$HUSK_ROOT" "$BUNDLE" "$(cid b)" "$BATS_TEST_TMPDIR/sock"
	assert_success
	assert_line --index 0 none
	assert_line --index 1 no-fd3
}

@test "process: unknown scheduling names are refused with the JSON path, leaving nothing" {
	check() {
		hrun create --bundle "$BUNDLE" "$(cid "$1")"
		assert_failure
		assert_output --partial "$2"
		[ ! -e "$HUSK_ROOT/$(cid "$1")" ]
	}
	update_config '.process.scheduler = {"policy": "SCHED_FAST"}'
	check a "process.scheduler.policy: unknown policy \"SCHED_FAST\""
	update_config '.process.scheduler = {"policy": "SCHED_OTHER", "nice": 40}'
	check b "process.scheduler.nice"
	update_config 'del(.process.scheduler) | .process.ioPriority = {"class": "IOPRIO_CLASS_NOPE", "priority": 1}'
	check c "process.ioPriority.class"
	update_config '.process.ioPriority = {"class": "IOPRIO_CLASS_BE", "priority": 9}'
	check d "process.ioPriority.priority"
	update_config 'del(.process.ioPriority) | .linux.personality = {"domain": "BSD"}'
	check e "linux.personality.domain"
	update_config 'del(.linux.personality) | .linux.memoryPolicy = {"mode": "MPOL_NOPE"}'
	check f "linux.memoryPolicy.mode"
	update_config '.linux.memoryPolicy = {"mode": "MPOL_BIND", "nodes": "3-1"}'
	check g "linux.memoryPolicy.nodes"
}
