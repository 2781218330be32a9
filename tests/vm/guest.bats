#!/usr/bin/env bats
# The guest of tests/vm/run.sh is what the cgroup tests need it to be: a
# pure cgroup v2 host with every controller enabled.  run.sh runs this file
# first, in the same boot as the files it was given.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

setup() {
	grep -qw 'husk_vm_job=[^ ]*' /proc/cmdline ||
		skip "runs only in the guest of tests/vm/run.sh"
}

teardown() {
	[ -z "${probe:-}" ] || rmdir "$probe"
}

@test "guest: /sys/fs/cgroup is cgroup2 and no v1 hierarchy is mounted" {
	run stat -f -c %T /sys/fs/cgroup
	assert_success
	assert_output cgroup2fs
	run awk '$3 == "cgroup" { print $2 }' /proc/self/mounts
	assert_success
	assert_output ""
	# One hierarchy: a single "0::" line.
	run cat /proc/self/cgroup
	assert_output "0::/init.scope"
}

@test "guest: every controller is enabled in the root's cgroup.subtree_control" {
	local c
	run cat /sys/fs/cgroup/cgroup.subtree_control
	assert_success
	assert_output "$(cat /sys/fs/cgroup/cgroup.controllers)"
	for c in cpu cpuset io memory pids hugetlb; do
		assert_regex " $output " " $c "
	done
}

@test "guest: memory, pids, cpu, cpuset and io limits can be set on a child cgroup" {
	local dev
	probe=/sys/fs/cgroup/husk-vm-probe
	mkdir "$probe"
	dev=$(cat /sys/block/vda/dev)
	echo 67108864 >"$probe/memory.max"
	echo 16 >"$probe/pids.max"
	echo "50000 100000" >"$probe/cpu.max"
	echo 0 >"$probe/cpuset.cpus"
	echo "$dev rbps=1048576" >"$probe/io.max"
	run cat "$probe/memory.max" "$probe/pids.max" "$probe/cpu.max" "$probe/cpuset.cpus" "$probe/io.max"
	assert_output "67108864
16
50000 100000
0
$dev rbps=1048576 wbps=max riops=max wiops=max"
}

@test "guest: a block device for io rules, writable /tmp, /run and /var/tmp on tmpfs" {
	[ -b /dev/vda ]
	local d
	for d in /tmp /run /var/tmp; do
		run stat -f -c %T "$d"
		assert_output tmpfs
	done
}
