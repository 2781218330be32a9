#!/usr/bin/env bats
# Every namespace asked for in linux.namespaces is a new one.

load helpers

# check_new_ns NS: the container's /proc/self/ns/NS differs from the host's.
check_new_ns() {
	local ns=$1 host
	host=$(host_ns "$ns")
	[ -n "$host" ] || fail "cannot read the host's $ns namespace"
	set_args readlink "/proc/self/ns/$ns"
	run husk run --bundle "$BUNDLE" "$(cid "ns-$ns")"
	assert_success
	assert_output --regexp "^$ns:\[[0-9]+\]$"
	refute_output "$host"
}

@test "namespaces: mount" {
	check_new_ns mnt
}

@test "namespaces: pid" {
	check_new_ns pid
}

@test "namespaces: uts" {
	check_new_ns uts
}

@test "namespaces: ipc" {
	check_new_ns ipc
}

@test "namespaces: network" {
	check_new_ns net
}

@test "namespaces: cgroup" {
	requires cgroupns
	check_new_ns cgroup
}

@test "namespaces: time" {
	requires timens
	update_config '.linux.namespaces += [{"type": "time"}]'
	check_new_ns time
}

@test "namespaces: a namespace not asked for is shared with the host" {
	update_config '.linux.namespaces -= [{"type": "ipc"}]'
	set_args readlink /proc/self/ns/ipc
	run husk run --bundle "$BUNDLE" "$(cid ns-shared)"
	assert_success
	assert_output "$(host_ns ipc)"
}

@test "namespaces: network namespace has only loopback" {
	set_args ls /sys/class/net
	run husk run --bundle "$BUNDLE" "$(cid ns-netdev)"
	assert_success
	assert_output "lo"
}

@test "namespaces: user namespace with uid/gid mappings" {
	requires userns
	use_userns
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map; echo "uid=$(id -u) gid=$(id -g)"; readlink /proc/self/ns/user'
	run husk run --bundle "$BUNDLE" "$(cid userns)"
	assert_success
	[ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ] ||
		fail "uid_map is '${lines[0]}'"
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 65536" ] ||
		fail "gid_map is '${lines[1]}'"
	assert_line --index 2 "uid=0 gid=0"
	assert_line --index 3 --regexp '^user:\[[0-9]+\]$'
	refute_line --index 3 "$(host_ns user)"
}
