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
	# An ASan build's init maps terabytes of shadow memory (pagecgroup would
	# walk it page by page), and the sanitizer runtime's own pages are not
	# what this measures.
	! nm "$HUSK" 2>/dev/null | grep -q __asan_init ||
		skip "sanitizer build: its shadow memory is not husk's working memory; the normal build runs this"
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

@test "footprint: libseccomp, libcap and yajl are linked in; husk loads libc and libmnl" {
	run readelf -d "$HUSK"
	assert_success
	assert_output --partial "Shared library: [libc.so"
	assert_output --partial "Shared library: [libmnl.so"
	refute_output --partial libseccomp
	refute_output --partial libcap
	refute_output --partial libyajl
}
