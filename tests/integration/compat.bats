#!/usr/bin/env bats
# What Podman and Docker rely on, tested without them (tests/engines runs
# the real engines): each test here is a husk bug the engines found.

load helpers

# The container's v1 directory of CONTROLLER, from state.json.
v1_dir() {
	jq -r --arg c "$2" '.cgroupPaths[$c] // empty' "$HUSK_ROOT/$1/state.json"
}

@test "compat: start succeeds when the process exits the moment it is let go" {
	# Opening the exec fifo lets init exec; a process that exits at once
	# must not make start fail looking for it afterwards ("open its
	# process: No such process", seen under conmon).  strace holds start
	# after each openat while bash, PID 1 of a fresh PID namespace, reaps
	# the container's init as soon as it exits.
	command -v strace >/dev/null || skip "strace is not installed (contrib/install-deps.sh)"
	local id
	id=$(cid quick)
	set_args true
	# LeakSanitizer cannot run under ptrace: no leak check for this one.
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	run timeout 60 unshare -fp --kill-child bash -c '
		cd "$1" && "$4" --root "$2" create "$3" || exit 10
		strace -qq -o /dev/null -e trace=openat -e inject=openat:delay_exit=300000 \
			"$4" --root "$2" start "$3"
		rc=$?
		"$4" --root "$2" delete --force "$3"
		exit $rc' _ "$BUNDLE" "$HUSK_ROOT" "$id" "$HUSK" 3>&-
	echo "$output"
	assert_success
	refute_output --partial "No such process"
}

@test "compat: created and running are told apart in a PID namespace whose /proc is the host's" {
	# husk's PIDs are not /proc's there: whether init still holds the exec
	# fifo is asked through a pidfd, not /proc/PID/fd.
	local id
	id=$(cid pidns)
	set_args sleep 100
	run timeout 60 unshare -fp --kill-child bash -c '
		cd "$1" && "$4" --root "$2" create "$3" </dev/null >/dev/null 2>&1 || exit 10
		"$4" --root "$2" state "$3" | jq -r .status
		"$4" --root "$2" start "$3" || exit 11
		"$4" --root "$2" state "$3" | jq -r .status
		"$4" --root "$2" delete --force "$3"' _ "$BUNDLE" "$HUSK_ROOT" "$id" "$HUSK" 3>&-
	assert_success
	assert_equal "$output" "created
running"
}

@test "compat: sysctls are written before /proc/sys turns read-only" {
	# Docker sets these two on every container; make-bundle's config has
	# /proc/sys in readonlyPaths, as Docker's and Podman's do.
	jq -e '.linux.readonlyPaths | index("/proc/sys")' "$BUNDLE/config.json" >/dev/null
	update_config '.linux.sysctl = {"net.ipv4.ip_unprivileged_port_start": "0",
		"net.ipv4.ping_group_range": "0 2147483647"}'
	set_args sh -c 'cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/net/ipv4/ping_group_range
		echo 1 > /proc/sys/net/ipv4/ip_unprivileged_port_start'
	run husk run --bundle "$BUNDLE" "$(cid sysctl)"
	assert_failure 1
	assert_line --index 0 "0"
	assert_line --index 1 --regexp '^0[[:space:]]+2147483647$'
	assert_output --partial "Read-only file system"
}

@test "compat: a bad sysctl names itself and leaves nothing" {
	update_config '.linux.sysctl = {"net.ipv4.no_such_knob": "1"}'
	run husk run --bundle "$BUNDLE" "$(cid badsysctl)"
	assert_failure
	assert_output --partial 'linux.sysctl["net.ipv4.no_such_knob"]'
}

@test "compat: a missing or unrunnable executable is reported in the words engines match" {
	# Docker maps "no such file or directory" and "executable file not
	# found" to 127, "permission denied" and "is a directory" to 126, case
	# sensitively; Podman does the same for its own exit codes.
	local cases=(
		'/nope|exec: "/nope": no such file or directory'
		'nope|exec: "nope": executable file not found in $PATH'
		'/etc/passwd|exec: "/etc/passwd": permission denied'
		'/etc|exec: "/etc": is a directory'
	)
	local c cmd msg id
	for c in "${cases[@]}"; do
		cmd=${c%%|*} msg=${c#*|}
		id=$(cid "missing$RANDOM")
		set_args "$cmd"
		run husk run --bundle "$BUNDLE" "$id"
		assert_failure
		assert_output --partial "$msg"
		[ ! -e "$HUSK_ROOT/$id" ] || fail "state of $id left behind"
	done
}

@test "compat: --log-format json puts the exec error in the log as one JSON line" {
	# conmon and containerd-shim read this file to report a failed create.
	local log="$BATS_TEST_TMPDIR/oci-log"
	set_args /nope
	run timeout 60 "$HUSK" --root "$HUSK_ROOT" --log-format=json --log "$log" \
		create --bundle "$BUNDLE" "$(cid jsonlog)"
	assert_failure
	[ "$(wc -l <"$log")" -eq 1 ] || fail "log: $(cat "$log")"
	run jq -r 'select(.level == "error") | .msg' "$log"
	assert_success
	assert_output 'exec: "/nope": no such file or directory'
	jq -e '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z$")' "$log" >/dev/null
}

@test "compat: without a cgroup namespace, /sys/fs/cgroup shows the container's own cgroups" {
	# Podman and Docker keep the host's cgroup namespace on v1 hosts; a
	# fresh v1 mount there would show the host's whole tree (and the
	# root's limits), so each hierarchy is the container's directory bound.
	[ -d /sys/fs/cgroup/memory ] && [ -d /sys/fs/cgroup/pids ] ||
		skip "host has no cgroup v1 memory and pids hierarchies"
	local id
	id=$(cid cgmount)
	update_config '.linux.namespaces |= map(select(.type != "cgroup"))
		| .linux.resources += {"memory": {"limit": 67108864}, "pids": {"limit": 50}}'
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec "$id" cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
	assert_success
	assert_output $'67108864\n50'
	# Its leaf cgroup: no other cgroup in sight, in any hierarchy.
	run husk exec "$id" find /sys/fs/cgroup -mindepth 2 -type d
	assert_success
	assert_output ""
	# Read-only, like the config asks, and the mounts are the container's directories.
	run husk exec "$id" sh -c 'mkdir /sys/fs/cgroup/memory/x'
	assert_failure
	assert_output --partial "Read-only file system"
	run husk exec "$id" cat /proc/self/mountinfo
	assert_output --regexp " $(v1_dir "$id" memory | sed 's|^/sys/fs/cgroup/memory||') /sys/fs/cgroup/memory ro,"
}

@test "compat: with a cgroup namespace, /sys/fs/cgroup is rooted at the container's cgroup" {
	[ -d /sys/fs/cgroup/memory ] || skip "host has no cgroup v1 memory hierarchy"
	[ -e /proc/self/ns/cgroup ] || skip "kernel has no cgroup namespace"
	local id
	id=$(cid cgns)
	update_config '.linux.resources += {"memory": {"limit": 67108864}}'
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec "$id" cat /sys/fs/cgroup/memory/memory.limit_in_bytes
	assert_success
	assert_output 67108864
	run husk exec "$id" grep ' /sys/fs/cgroup/memory ' /proc/self/mountinfo
	assert_output --regexp '^[0-9]+ [0-9]+ [0-9]+:[0-9]+ / /sys/fs/cgroup/memory ro,'
}

@test "compat: update with Docker's zeros leaves cpu quota, period and pids limit alone" {
	# `docker update --memory` sends every field, 0 meaning "not set".
	local id d
	id=$(cid zeros)
	set_args sleep 1000
	update_config '.linux.resources += {"cpu": {"quota": 50000, "period": 100000}, "pids": {"limit": 50}}'
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run bash -c "echo '{\"memory\": {\"limit\": 134217728, \"reservation\": 0, \"swap\": 0, \"kernel\": 0, \"kernelTCP\": 0},
		\"cpu\": {\"shares\": 0, \"quota\": 0, \"period\": 0, \"realtimeRuntime\": 0, \"realtimePeriod\": 0, \"cpus\": \"\", \"mems\": \"\"},
		\"blockIO\": {\"weight\": 0}, \"pids\": {\"limit\": 0}}' |
		timeout 60 $HUSK --root $HUSK_ROOT update --resources - $id"
	assert_success
	if [ -n "$(v1_dir "$id" cpu)" ]; then
		[ "$(cat "$(v1_dir "$id" cpu)/cpu.cfs_quota_us")" = 50000 ]
		[ "$(cat "$(v1_dir "$id" cpu)/cpu.cfs_period_us")" = 100000 ]
		[ "$(cat "$(v1_dir "$id" pids)/pids.max")" = 50 ]
		[ "$(cat "$(v1_dir "$id" memory)/memory.limit_in_bytes")" = 134217728 ]
	else
		d=$(jq -r '.cgroupPaths.unified' "$HUSK_ROOT/$id/state.json")
		[ "$(cat "$d/cpu.max")" = "50000 100000" ]
		[ "$(cat "$d/pids.max")" = 50 ]
		[ "$(cat "$d/memory.max")" = 134217728 ]
	fi
}

@test "compat: --cgroup-manager disabled makes and joins no cgroup (podman --cgroups=disabled)" {
	local id pid
	id=$(cid nocg)
	set_args sleep 1000
	hrun --cgroup-manager disabled run -d --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	[ "$(jq '.cgroupPaths // {} | length' "$HUSK_ROOT/$id/state.json")" -eq 0 ]
	# It stays where husk was, like this shell.
	[ "$(cat "/proc/$pid/cgroup")" = "$(cat /proc/self/cgroup)" ]
	run husk pause "$id"
	assert_failure
	assert_output --partial "has no cgroup"
	run husk exec "$id" echo still-works
	assert_success
	assert_output still-works
	run husk --cgroup-manager cgroupfs list -q
	assert_success
	assert_output "$id"
}

@test "compat: --cgroup-manager refuses an unknown manager" {
	run husk --cgroup-manager nope list
	assert_failure
	assert_output 'husk: --cgroup-manager: expected cgroupfs, systemd or disabled, got "nope"'
}
