#!/usr/bin/env bats
# What the runtime costs the container: memory of husk's own that must not
# be charged to the container's memory cgroup.

load helpers

setup_file() {
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/pagecgroup" "$BATS_TEST_DIRNAME/pagecgroup.c"
}

# The memory cgroup directory of PID: the v1 memory hierarchy when there is
# one, else the unified one.
memory_cgroup_of() {
	local line
	line=$(grep -E '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' "/proc/$1/cgroup" || true)
	if [ -n "$line" ]; then
		echo "/sys/fs/cgroup/memory${line##*:}"
	else
		line=$(grep '^0::' "/proc/$1/cgroup")
		echo "/sys/fs/cgroup${line#0::}"
	fi
}

@test "footprint: the init waiting for start keeps husk's pages out of the container's memory cgroup" {
	requires root
	[ -r /proc/kpagecgroup ] || skip "the kernel has no /proc/kpagecgroup (CONFIG_MEMCG, CONFIG_PROC_PAGE_MONITOR)"
	grep -qE '^[0-9]+:([^:]*,)?memory(,[^:]*)?:' /proc/self/cgroup ||
		skip "no cgroup v1 memory hierarchy: on cgroup v2 init is born in its cgroup (CLONE_INTO_CGROUP), nothing of husk's comes before"
	update_config '.linux.resources.memory = {"limit": 67108864}'
	set_args sleep 100
	id=$(cid fp)
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	cg=$(memory_cgroup_of "$pid")
	[ -d "$cg" ]
	[[ $cg == *"$id"* ]]
	# Without hk_prefault_own_pages: 10 to 11 pages of husk's heap, stack
	# and data, copied on write after the join.  With it: the heap page
	# that init's own allocations take, at most one more.
	run "$BATS_FILE_TMPDIR/pagecgroup" "$pid" "$cg"
	assert_success
	echo "pages of the init charged to $cg: $output"
	[ "$output" -le 2 ]
	# The container still runs as before.
	husk start "$id"
	assert_equal "$(container_status "$id")" running
}

@test "footprint: husk loads no netlink library (rtnetlink is its own)" {
	run readelf -d "$HUSK"
	assert_success
	assert_output --partial "Shared library: [libc.so"
	refute_output --partial "libmnl"
}

@test "footprint: state's created time is UTC, RFC 3339 with nanoseconds" {
	set_args sleep 100
	id=$(cid utc)
	before=$(date -u +%Y-%m-%dT%H:%M)
	# A time zone far from UTC must change nothing (husk computes UTC itself).
	TZ=Pacific/Kiritimati hrun create --bundle "$BUNDLE" "$id"
	assert_success
	after=$(date -u +%Y-%m-%dT%H:%M)
	created=$(husk state "$id" | jq -r .created)
	[[ $created =~ ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{9}Z$ ]]
	[[ $created == "$before"* || $created == "$after"* ]]
	# The same second as date(1) gives for it, to the day, month and year.
	run date -u -d "${created%.*}Z" +%Y-%m-%dT%H:%M:%S
	assert_output "${created%.*}"
}

@test "footprint: create does not read the time zone file" {
	command -v strace >/dev/null || skip "strace is not installed"
	set_args sleep 100
	id=$(cid tz)
	# Without -f: husk itself (re-executed in place), not the init it leaves.
	strace -o "$BATS_TEST_TMPDIR/trace" -e trace=openat,open \
		"$HUSK" --root "$HUSK_ROOT" create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 3>&-
	[ "$(husk state "$id" | jq -r .status)" = created ]
	grep -q 'config.json' "$BATS_TEST_TMPDIR/trace"
	run grep -E 'localtime|zoneinfo' "$BATS_TEST_TMPDIR/trace"
	assert_failure
}
