#!/usr/bin/env bats
# Cgroups: every resource written and read back, limits that bite, update,
# pause/resume, kill --all through the cgroup, cleanup, and bad values.
# The same file runs on the hybrid host (v1 controllers) and in the pure
# cgroup v2 guest (tests/vm); cg_read hides which file a value lives in.

load helpers

# Every test works in its bundle, so create and run need no --bundle.
eval "helpers_$(declare -f setup)"
setup() {
	helpers_setup
	cd "$BUNDLE"
}

# cg_dir ID CONTROLLER: the container's directory serving CONTROLLER (its
# v1 hierarchy if it has one, else the cgroup2 one), from state.json.
cg_dir() {
	local st="$HUSK_ROOT/$1/state.json" d
	d=$(jq -r --arg c "$2" '.cgroupPaths[$c] // empty' "$st")
	[ -n "$d" ] || d=$(jq -r '.cgroupPaths.unified // empty' "$st")
	[ -n "$d" ] || fail "container $1 has no cgroup for $2"
	echo "$d"
}

# is_v1 ID CONTROLLER
is_v1() {
	[ -n "$(jq -r --arg c "$2" '.cgroupPaths[$c] // empty' "$HUSK_ROOT/$1/state.json")" ]
}

# cg_read ID CONTROLLER V1FILE V2FILE
cg_read() {
	if is_v1 "$1" "$2"; then
		cat "$(cg_dir "$1" "$2")/$3"
	else
		cat "$(cg_dir "$1" "$2")/$4"
	fi
}

all_cg_dirs() {
	jq -r '.cgroupPaths[]' "$HUSK_ROOT/$1/state.json" | sort -u
}

sleeper() {
	set_args sleep 1000
	update_config '.linux.resources += '"$1"
}

@test "cgroups: create makes the cgroup in every hierarchy with init inside; delete removes it" {
	sleeper '{}'
	id=$(cid a)
	hrun create "$id"
	[ "$status" -eq 0 ]
	pid=$(husk state "$id" | jq .pid)
	dirs=$(all_cg_dirs "$id")
	[ -n "$dirs" ]
	for d in $dirs; do
		[ -d "$d" ] || fail "$d missing"
		grep -qx "$pid" "$d/cgroup.procs" || fail "init $pid not in $d"
		[[ "$d" == *"$id" ]] || fail "default cgroup $d is not named after the ID"
	done
	run husk delete -f "$id"
	[ "$status" -eq 0 ]
	for d in $dirs; do
		[ ! -e "$d" ] || fail "$d left after delete"
	done
}

# Init normally moves itself into the v1 hierarchies; in a new user
# namespace it cannot, and husk moves it: both must end in every hierarchy.
@test "cgroups: init of a user-namespaced container is in every hierarchy, exec too" {
	requires userns
	sleeper '{}'
	use_userns
	id=$(cid u)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	pid=$(husk state "$id" | jq .pid)
	hrun exec -d --pid-file "$BATS_TEST_TMPDIR/x.pid" "$id" sleep 999
	[ "$status" -eq 0 ]
	xpid=$(cat "$BATS_TEST_TMPDIR/x.pid")
	dirs=$(all_cg_dirs "$id")
	[ -n "$dirs" ]
	for d in $dirs; do
		grep -qx "$pid" "$d/cgroup.procs" || fail "init $pid not in $d"
		grep -qx "$xpid" "$d/cgroup.procs" || fail "exec'd $xpid not in $d"
	done
}

@test "cgroups: the container sees its own cgroup as / (cgroup namespace)" {
	requires cgroupns
	set_args cat /proc/self/cgroup
	run husk run "$(cid a)"
	[ "$status" -eq 0 ]
	echo "$output" | grep -q ':/$'
	! echo "$output" | grep -v ':/$' | grep -q .
}

# The "cgroup" mount: on a v1 or hybrid host a tmpfs with one mount per
# hierarchy the container's /proc/self/cgroup lists (cgroup2 as "unified");
# on a pure v2 host cgroup2 itself.
@test "cgroups: the cgroup mount shows every hierarchy of /proc/self/cgroup" {
	set_args sh -c 'cat /proc/self/cgroup; echo --; awk "{ print \$5, \$(NF - 2) }" /proc/self/mountinfo'
	run husk run "$(cid a)"
	[ "$status" -eq 0 ]
	mounts=$(echo "$output" | sed '1,/^--$/d')
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		echo "$mounts" | grep -qx '/sys/fs/cgroup cgroup2' || fail "no cgroup2 on /sys/fs/cgroup"
		return
	fi
	echo "$mounts" | grep -qx '/sys/fs/cgroup tmpfs' || fail "no tmpfs on /sys/fs/cgroup"
	n=0
	while IFS=: read -r _ ctrl _; do
		if [ -z "$ctrl" ]; then
			want="/sys/fs/cgroup/unified cgroup2"
		else
			want="/sys/fs/cgroup/${ctrl#name=} cgroup"
		fi
		echo "$mounts" | grep -qx "$want" || fail "missing: $want"
		n=$((n + 1))
	done < <(echo "$output" | sed '/^--$/,$d')
	[ "$n" -gt 0 ]
}

@test "cgroups: memory limit, reservation and swap are written" {
	sleeper '{"memory": {"limit": 67108864, "reservation": 33554432, "swap": 134217728}}'
	id=$(cid a)
	hrun create "$id"
	[ "$status" -eq 0 ]
	[ "$(cg_read "$id" memory memory.limit_in_bytes memory.max)" = 67108864 ]
	[ "$(cg_read "$id" memory memory.soft_limit_in_bytes memory.low)" = 33554432 ]
	d=$(cg_dir "$id" memory)
	if is_v1 "$id" memory; then
		[ ! -e "$d/memory.memsw.limit_in_bytes" ] || [ "$(cat "$d/memory.memsw.limit_in_bytes")" = 134217728 ]
	else
		# v2 counts swap alone: 128 MiB memory+swap - 64 MiB memory
		[ ! -e "$d/memory.swap.max" ] || [ "$(cat "$d/memory.swap.max")" = 67108864 ]
	fi
}

@test "cgroups: cpu shares, quota and period; cpuset cpus and mems" {
	sleeper '{"cpu": {"shares": 512, "quota": 50000, "period": 100000, "cpus": "0", "mems": "0"}}'
	id=$(cid a)
	hrun create "$id"
	[ "$status" -eq 0 ]
	if is_v1 "$id" cpu; then
		[ "$(cg_read "$id" cpu cpu.shares x)" = 512 ]
		[ "$(cg_read "$id" cpu cpu.cfs_quota_us x)" = 50000 ]
		[ "$(cg_read "$id" cpu cpu.cfs_period_us x)" = 100000 ]
	else
		# shares 512 -> weight 1 + (510 * 9999) / 262142 = 20
		[ "$(cg_read "$id" cpu x cpu.weight)" = 20 ]
		[ "$(cg_read "$id" cpu x cpu.max)" = "50000 100000" ]
	fi
	[ "$(cg_read "$id" cpuset cpuset.cpus cpuset.cpus)" = 0 ]
	[ "$(cg_read "$id" cpuset cpuset.mems cpuset.mems)" = 0 ]
}

@test "cgroups: pids limit is written and stops a fork loop" {
	sleeper '{"pids": {"limit": 8}}'
	id=$(cid a)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	[ "$(cg_read "$id" pids pids.max pids.max)" = 8 ]
	d=$(cg_dir "$id" pids)
	# busybox sh gives up at the first fork the limit refuses
	run husk exec "$id" sh -c 'for i in $(seq 20); do sleep 100 & done; wait'
	[ "$status" -ne 0 ]
	[[ "$output" == *"can't fork"* ]]
	[ "$(cat "$d/pids.current")" -le 8 ]
	[ "$(cat "$d/pids.current")" -ge 6 ]
	grep -q '^max [1-9]' "$d/pids.events"
}

@test "cgroups: a memory hog is OOM-killed under its memory limit" {
	set_args sh -c 'x=$(head -c 200000000 /dev/zero | tr "\0" a); echo survived ${#x}'
	update_config '.linux.resources.memory = {"limit": 33554432, "swap": 33554432}'
	run husk run "$(cid a)"
	[ "$status" -eq 137 ] || [ "$status" -eq 1 ] || fail "status $status"
	[[ "$output" != *survived* ]]
}

@test "cgroups: kill --all and delete --force reach a double-forked process" {
	# No PID namespace: only the cgroup knows the orphan belongs here.
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args sh -c '(sleep 1001 &); exec sleep 1002'
	id=$(cid a)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	d=$(cg_dir "$id" pids)
	retry 50 0.1 test "$(wc -l <"$d/cgroup.procs")" -eq 2
	orphan=$(pgrep -f 'sleep 1001' | head -1)
	[ -n "$orphan" ]
	grep -qx "$orphan" "$d/cgroup.procs"
	run husk kill --all "$id" KILL
	[ "$status" -eq 0 ]
	retry 50 0.1 test ! -e "/proc/$orphan"
	run husk delete -f "$id"
	[ "$status" -eq 0 ]

	# the same through delete --force alone
	id=$(cid b)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	retry 50 0.1 pgrep -f 'sleep 1001'
	orphan=$(pgrep -f 'sleep 1001' | head -1)
	run husk delete --force "$id"
	[ "$status" -eq 0 ]
	retry 50 0.1 test ! -e "/proc/$orphan"
}

@test "cgroups: delete of a stopped container kills what its init left behind" {
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	set_args sh -c '(sleep 1003 &); exit 0'
	id=$(cid a)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	wait_for_status "$id" stopped
	retry 50 0.1 pgrep -f 'sleep 1003'
	orphan=$(pgrep -f 'sleep 1003' | head -1)
	dirs=$(all_cg_dirs "$id")
	run husk delete "$id"
	[ "$status" -eq 0 ]
	retry 50 0.1 test ! -e "/proc/$orphan"
	for d in $dirs; do [ ! -e "$d" ]; done
}

@test "cgroups: update changes a live container" {
	sleeper '{"memory": {"limit": 67108864}, "pids": {"limit": 100}}'
	id=$(cid a)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	run husk update --memory 128m --pids-limit 50 --cpu-shares 300 --cpu-quota 20000 --cpu-period 100000 "$id"
	[ "$status" -eq 0 ]
	[ "$(cg_read "$id" memory memory.limit_in_bytes memory.max)" = 134217728 ]
	[ "$(cg_read "$id" pids pids.max pids.max)" = 50 ]
	if is_v1 "$id" cpu; then
		[ "$(cg_read "$id" cpu cpu.shares x)" = 300 ]
		[ "$(cg_read "$id" cpu cpu.cfs_quota_us x)" = 20000 ]
	else
		[ "$(cg_read "$id" cpu x cpu.max)" = "20000 100000" ]
	fi
	# -r with a JSON document, from stdin; options override it
	run bash -c "echo '{\"pids\": {\"limit\": 40}, \"memory\": {\"limit\": 100000000}}' |
		timeout 20 $HUSK --root $HUSK_ROOT update -r - --pids-limit 30 $id"
	[ "$status" -eq 0 ]
	[ "$(cg_read "$id" pids pids.max pids.max)" = 30 ]
	[ "$(cg_read "$id" memory memory.limit_in_bytes memory.max)" = 99999744 ] ||
		[ "$(cg_read "$id" memory memory.limit_in_bytes memory.max)" = 100000000 ] ||
		[ "$(cg_read "$id" memory memory.limit_in_bytes memory.max)" = 99999744 ]
	run husk update --pids-limit -1 "$id"
	[ "$status" -eq 0 ]
	[ "$(cg_read "$id" pids pids.max pids.max)" = max ]
}

@test "cgroups: update refuses bad values and stopped containers" {
	sleeper '{}'
	id=$(cid a)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	run husk update --memory lots "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--memory"*"lots"* ]]
	run husk update --blkio-weight 5 "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--blkio-weight"* ]]
	run husk update "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"nothing to update"* ]]
	run bash -c "echo '{\"memory\": {\"limit\": -5}}' | timeout 20 $HUSK --root $HUSK_ROOT update -r - $id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"linux.resources.memory.limit"* ]]
	run bash -c "echo '{\"memory\": []}' | timeout 20 $HUSK --root $HUSK_ROOT update -r - $id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"memory"* ]]
	run husk update --pids-limit 5 "nosuch-$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not exist"* ]]
	run husk kill "$id" KILL
	wait_for_status "$id" stopped
	run husk update --pids-limit 5 "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"stopped"* ]]
}

@test "cgroups: pause freezes, state says paused, resume thaws" {
	set_args sh -c 'i=0; while true; do i=$((i+1)); echo $i > /dev/shm/count; sleep 0.05; done'
	id=$(cid a)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	run husk pause "$id"
	[ "$status" -eq 0 ]
	[ "$(container_status "$id")" = paused ]
	run husk list
	[[ "$output" == *paused* ]]
	pid=$(husk state "$id" | jq .pid)
	[[ "$(awk '{print $3}' "/proc/$pid/stat")" =~ ^[SDRt]$ ]]
	if is_v1 "$id" freezer; then
		[ "$(cat "$(cg_dir "$id" freezer)/freezer.state")" = FROZEN ]
	else
		grep -qx 'frozen 1' "$(cg_dir "$id" unified)/cgroup.events"
	fi
	# a frozen container makes no progress
	c1=$(cat /proc/$pid/root/dev/shm/count)
	sleep 0.3
	[ "$(cat /proc/$pid/root/dev/shm/count)" = "$c1" ]
	run husk exec "$id" true
	[ "$status" -ne 0 ]
	[[ "$output" == *paused* ]]
	run husk pause "$id"
	[ "$status" -ne 0 ]
	run husk delete "$id"
	[ "$status" -ne 0 ]
	run husk resume "$id"
	[ "$status" -eq 0 ]
	[ "$(container_status "$id")" = running ]
	retry 50 0.1 test "$(cat /proc/$pid/root/dev/shm/count)" != "$c1"
	run husk resume "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *running* ]]
}

@test "cgroups: delete --force of a paused container" {
	sleeper '{}'
	id=$(cid a)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	dirs=$(all_cg_dirs "$id")
	run husk pause "$id"
	[ "$status" -eq 0 ]
	run husk delete --force "$id"
	[ "$status" -eq 0 ]
	for d in $dirs; do [ ! -e "$d" ]; done
}

@test "cgroups: exec'd processes join the container's cgroup" {
	sleeper '{}'
	id=$(cid a)
	hrun run -d "$id"
	[ "$status" -eq 0 ]
	hrun exec -d --pid-file "$BATS_TEST_TMPDIR/x.pid" "$id" sleep 999
	[ "$status" -eq 0 ]
	xpid=$(cat "$BATS_TEST_TMPDIR/x.pid")
	for d in $(all_cg_dirs "$id"); do
		grep -qx "$xpid" "$d/cgroup.procs" || fail "exec'd $xpid not in $d"
	done
}

@test "cgroups: absolute and relative linux.cgroupsPath, nested" {
	sleeper '{}'
	update_config --arg p "/$HK_PREFIX-parent/sub/c1" '.linux.cgroupsPath = $p'
	id=$(cid a)
	hrun create "$id"
	[ "$status" -eq 0 ]
	for d in $(all_cg_dirs "$id"); do
		[[ "$d" == /sys/fs/cgroup*"/$HK_PREFIX-parent/sub/c1" ]] || fail "$d"
		[ -d "$d" ]
	done
	[ "$(jq -r .cgroupPath "$HUSK_ROOT/$id/state.json")" = "/$HK_PREFIX-parent/sub/c1" ]
	run husk delete -f "$id"
	[ "$status" -eq 0 ]
	# the parents are left, as runc leaves them; tidy up for the leak check
	find /sys/fs/cgroup -depth -type d -path "*/$HK_PREFIX-parent*" -exec rmdir {} +

	update_config --arg p "$HK_PREFIX-rel/c2" '.linux.cgroupsPath = $p'
	id=$(cid b)
	hrun create "$id"
	if [ "$status" -ne 0 ]; then
		# On cgroup v2, husk's own cgroup holds husk: no controllers can be
		# enabled below it, which husk says; the failed create leaves none
		# of the directories it made, parents included.
		[[ "$output" == *"cgroup v2 allows no controllers below a cgroup with processes"* ]]
		[ -z "$(find /sys/fs/cgroup -maxdepth 6 -type d -path "*/$HK_PREFIX-rel*")" ]
		[ ! -e "$HUSK_ROOT/$id" ]
		return
	fi
	for d in $(all_cg_dirs "$id"); do
		[[ "$d" == */"$HK_PREFIX-rel/c2" ]] || fail "$d"
	done
	run husk delete -f "$id"
	find /sys/fs/cgroup -depth -type d -path "*/$HK_PREFIX-rel*" -exec rmdir {} +
}

@test "cgroups: two containers cannot share one cgroup with processes" {
	sleeper '{}'
	update_config --arg p "/$HK_PREFIX-shared" '.linux.cgroupsPath = $p'
	hrun run -d "$(cid a)"
	[ "$status" -eq 0 ]
	hrun create "$(cid b)"
	[ "$status" -ne 0 ]
	[[ "$output" == *"already has processes"* ]]
	[ ! -e "$HUSK_ROOT/$(cid b)" ]
}

@test "cgroups: device rules deny what is not allowed; linux.devices are allowed" {
	[ -e /dev/kmsg ] || skip "host has no /dev/kmsg to test a denied device with"
	# deny all (as `husk spec`), then the defaults; CAP_MKNOD to make nodes
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}]
		| .process.capabilities.bounding += ["CAP_MKNOD"]
		| .process.capabilities.effective += ["CAP_MKNOD"]
		| .process.capabilities.permitted += ["CAP_MKNOD"]'
	# /dev is a tmpfs without nodev (the rootfs is read-only)
	# (`:` is a special builtin: a failed redirection would end the shell)
	set_args sh -c 'mknod /dev/k c 1 11 && { echo -n > /dev/k && echo kmsg-open || echo kmsg-denied; }; echo -n > /dev/null && echo null-open'
	run husk run "$(cid a)"
	[ "$status" -eq 0 ]
	[[ "$output" == *kmsg-denied* ]]
	[[ "$output" == *null-open* ]]

	# an explicit allow rule after the deny opens it
	update_config '.linux.resources.devices += [{"allow": true, "type": "c", "major": 1, "minor": 11, "access": "w"}]'
	run husk run "$(cid b)"
	[ "$status" -eq 0 ]
	[[ "$output" == *kmsg-open* ]]

	# a device from linux.devices is allowed without a rule
	update_config '.linux.resources.devices = [{"allow": false, "access": "rwm"}]
		| .linux.devices = [{"path": "/dev/kmsg", "type": "c", "major": 1, "minor": 11, "fileMode": 438}]'
	set_args sh -c 'echo -n > /dev/kmsg && echo kmsg-open'
	run husk run "$(cid c)"
	[ "$status" -eq 0 ]
	[[ "$output" == *kmsg-open* ]]
}

@test "cgroups: hugepage limits and unified keys" {
	sizes=$(ls /sys/kernel/mm/hugepages 2>/dev/null)
	[ -n "$sizes" ] || skip "kernel has no huge pages"
	[[ "$sizes" == *hugepages-2048kB* ]] || skip "no 2MB huge pages on this host"
	sleeper '{"hugepageLimits": [{"pageSize": "2MB", "limit": 4194304}]}'
	id=$(cid a)
	hrun create "$id"
	[ "$status" -eq 0 ]
	[ "$(cg_read "$id" hugetlb hugetlb.2MB.limit_in_bytes hugetlb.2MB.max)" = 4194304 ]
	run husk delete -f "$id"

	# unified keys go to the cgroup2 directory (hugetlb is there even on
	# the hybrid host)
	sleeper '{"hugepageLimits": [], "unified": {"hugetlb.2MB.max": "6291456"}}'
	id=$(cid b)
	hrun create "$id"
	if ! jq -e '.cgroupPaths.unified' "$HUSK_ROOT/$id/state.json" >/dev/null 2>&1 && [ "$status" -ne 0 ]; then
		[[ "$output" == *"no cgroup v2 hierarchy"* ]]
		return
	fi
	is_v1 "$id" hugetlb && skip "hugetlb is a v1 controller here: unified cannot reach it"
	[ "$status" -eq 0 ]
	[ "$(cat "$(jq -r .cgroupPaths.unified "$HUSK_ROOT/$id/state.json")/hugetlb.2MB.max")" = 6291456 ]
}

@test "cgroups: blkio weight" {
	sleeper '{"blockIO": {"weight": 500}}'
	id=$(cid a)
	hrun create "$id"
	if [ "$status" -ne 0 ]; then
		# a host without a weight-capable io scheduler says so
		[[ "$output" == *"blockIO"* ]]
		return
	fi
	d=$(cg_dir "$id" blkio)
	[ -d "$d" ] || d=$(cg_dir "$id" io)
	if [ -e "$d/blkio.weight" ]; then
		[ "$(cat "$d/blkio.weight")" = 500 ]
	elif [ -e "$d/blkio.bfq.weight" ]; then
		[ "$(cat "$d/blkio.bfq.weight")" = 500 ]
	elif [ -e "$d/io.bfq.weight" ]; then
		grep -q '^default 500$' "$d/io.bfq.weight"
	else
		# 500 -> 1 + (490 * 9999) / 990 = 4950
		grep -q '^default 4950$' "$d/io.weight"
	fi
}

@test "cgroups: bad resources are refused, naming the JSON path, leaving nothing" {
	set_args true
	check_refused() {
		hrun create "$(cid "$1")"
		[ "$status" -ne 0 ]
		[[ "$output" == *"$2"* ]] || fail "expected '$2' in: $output"
		[ ! -e "$HUSK_ROOT/$(cid "$1")" ]
		[ -z "$(find /sys/fs/cgroup -maxdepth 6 -type d -name "$(cid "$1")")" ]
	}
	update_config '.linux.resources = {"memory": {"limit": -5}}'
	check_refused a "config.json: linux.resources.memory.limit"
	update_config '.linux.resources = {"memory": {"limit": 100000000, "swap": 50000000}}'
	check_refused b "linux.resources.memory.swap"
	update_config '.linux.resources = {"unified": {"nosuch.knob": "1"}}'
	check_refused c "linux.resources.unified.nosuch.knob"
	update_config '.linux.resources = {"devices": [{"allow": true, "type": "x", "access": "rwm"}]}'
	check_refused d "linux.resources.devices[0].type"
	update_config '.linux.resources = {"devices": [{"allow": true, "type": "c", "access": "rwz"}]}'
	check_refused e "linux.resources.devices[0].access"
	update_config '.linux.resources = {"blockIO": {"weight": 5}}'
	check_refused f "linux.resources.blockIO.weight"
	update_config '.linux.resources = {"memory": {"swappiness": 101}}'
	check_refused g "linux.resources.memory.swappiness"
	update_config '.linux.resources = {} | .linux.cgroupsPath = "../../escape"'
	check_refused h "linux.cgroupsPath"
	update_config '.linux.cgroupsPath = "system.slice:husk:x"'
	check_refused i "systemd"
	update_config '.linux.resources = {"memory": {"limit": "lots"}} | del(.linux.cgroupsPath)'
	check_refused j "linux.resources.memory.limit"
}

@test "cgroups: --systemd-cgroup without systemd is a clear error" {
	[ ! -e /run/systemd/system ] || skip "this host runs systemd"
	id=$(cid a)
	hrun --systemd-cgroup create "$id"
	[ "$status" -ne 0 ]
	[[ "$output" == *"--systemd-cgroup"*"systemd"* ]]
	[ ! -e "$HUSK_ROOT/$id" ]
}

@test "cgroups: delete --force removes the cgroup of a create that crashed" {
	sleeper '{"pids": {"limit": 10}}'
	# The hook kills husk (its parent) once the cgroup exists.
	update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $PPID"]}]'
	id=$(cid crash)
	hrun create "$id"
	[ "$status" -ne 0 ]
	[ ! -e "$HUSK_ROOT/$id/state.json" ]
	dirs=$(awk '{print $2}' "$HUSK_ROOT/$id/cgroup.record")
	[ -n "$dirs" ]
	for d in $dirs; do [ -d "$d" ]; done
	run husk delete --force "$id"
	[ "$status" -eq 0 ]
	for d in $dirs; do [ ! -e "$d" ] || fail "$d left"; done
	[ ! -e "$HUSK_ROOT/$id" ]
}
