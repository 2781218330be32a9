#!/usr/bin/env bats
# Reliability under faults.  husk, or the container's init, is killed at
# each named point of create and delete (HUSK_FAULT=POINT, honoured by
# builds configured with --enable-fault-injection; see
# libcontainer/fault.h), or husk is killed while init hangs at one
# (HUSK_FAULT=POINT:hang); hooks crash; the state root is full, read-only
# or removed (delete --force then finds the container by its cgroup's
# mark, libcontainer/cgroups-mark.h); state.json is corrupted.  After each fault `state` says something
# true or gives a clear error, and `delete --force` removes every mount,
# cgroup, process and state file: each test runs the helpers' leak check
# itself right after its own delete --force (teardown would delete again).

load helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
	requires root
	helpers_setup
	set_args sleep 1000
	SMALL=""
}

teardown() {
	local left=""
	cd /
	# A small tmpfs used as --root: empty it, then unmount it, before the
	# leak check (which counts any mount under the test's directory).
	if [ -n "$SMALL" ] && mountpoint -q "$SMALL"; then
		mount -o remount,rw "$SMALL" 2>/dev/null || true
		rm -f "$SMALL/fill"
		cleanup_containers
		left=$(find "$HUSK_ROOT" -mindepth 1 2>/dev/null)
		umount "$SMALL"
		HUSK_ROOT=$BATS_TEST_TMPDIR/state
	fi
	helpers_teardown || return 1
	[ -z "$left" ] || {
		echo "state left in the small --root: $left" >&2
		return 1
	}
}

# requires_faults: the husk under test honours HUSK_FAULT.
requires_faults() {
	"$HUSK" --version | grep -q '^fault injection' ||
		skip "$HUSK was built without ./configure --enable-fault-injection, so it ignores HUSK_FAULT"
}

# crash POINT HUSK-ARGS...: husk with HUSK_FAULT=POINT, like hrun.
crash() {
	local point=$1
	shift
	HUSK_FAULT=$point hrun "$@"
}

# killed: the last hrun died of SIGKILL (timeout reports 128+9).
killed() {
	[ "$status" -eq 137 ] || fail "husk was not killed at the fault point (status $status): $output"
}

# no_process_named ID: no process has ID in its command line.  A cloned
# init that never got to pivot_root (nor into its cgroup) still runs husk's
# own argv, and the helpers' leak check (root, cwd, cgroups) misses it.
no_process_named() {
	local found
	found=$(pgrep -a -f -- "$1") || return 0
	echo "$found"
	return 1
}

# recovered ID: delete --force removes all that is left, and nothing leaked.
recovered() {
	run husk delete --force "$1"
	assert_success
	run husk state "$1"
	assert_failure
	assert_output --partial "does not exist"
	run husk list -q
	assert_output ""
	retry 30 0.1 no_process_named "$1" || fail "processes left: $output"
	check_no_leaks
}

# gone PID: the process has exited (a zombie counts: the host's init may
# be slow to reap what it adopted).
gone() {
	local st
	st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1) || return 0
	[ -z "$st" ] || [ "$st" = Z ]
}

# cgroups_of ID: the cgroup directories named after ID.
cgroups_of() {
	find /sys/fs/cgroup -maxdepth 6 -type d -name "$1" 2>/dev/null
}

# --- husk killed during create: a state directory without state.json ----

# husk_dies_in_create POINT HAS_CGROUP [CREATE OPTIONS]
husk_dies_in_create() {
	local point=$1 has_cgroup=$2 id
	shift 2
	requires_faults
	id=$(cid "$point")
	crash "$point" create "$@" --bundle "$BUNDLE" "$id"
	killed
	run husk state "$id"
	assert_failure
	assert_output --partial "container \"$id\" is incomplete"
	assert_output --partial "delete --force"
	# list does not show it as a container, but warns about it.
	run husk list -q
	assert_success
	assert_output --partial "warning: list: skipping \"$id\""
	refute_line "$id"
	if [ "$has_cgroup" = yes ]; then
		[ -n "$(cgroups_of "$id")" ] || fail "expected the cgroup to exist"
	fi
	# Plain delete refuses a broken directory; --force takes it.
	run husk delete "$id"
	assert_failure
	assert_output --partial "is incomplete"
	recovered "$id"
}

@test "faults: husk killed before the cgroup" {
	husk_dies_in_create before-cgroup no
}

@test "faults: husk killed after the cgroup" {
	husk_dies_in_create after-cgroup yes
}

@test "faults: husk killed after clone" {
	husk_dies_in_create after-clone yes
}

@test "faults: husk killed before the state is written" {
	husk_dies_in_create before-state yes
}

@test "faults: husk killed after clone, with a user namespace and a kept overlay upper" {
	use_userns
	mkdir "$BATS_TEST_TMPDIR/upper"
	husk_dies_in_create after-clone yes --overlay="$BATS_TEST_TMPDIR/upper"
	# The upper directory is the user's; its workdir was husk's.
	[ -d "$BATS_TEST_TMPDIR/upper" ] || fail "the kept upper directory went"
	run ls "$BATS_TEST_TMPDIR"
	refute_output --partial "upper.work-"
}

# state.json is written into cgroup.record (one inode fewer per create),
# which is then renamed: killed in between, the record holds the state.
@test "faults: husk killed with the state written into cgroup.record, not yet renamed" {
	husk_dies_in_create state-unrenamed yes
}

@test "faults: the same with cgroup.record cut short: delete --force finds the cgroup by its mark" {
	requires_faults
	local id
	id=$(cid state-cut)
	crash state-unrenamed create --bundle "$BUNDLE" "$id"
	killed
	[ ! -e "$HUSK_ROOT/$id/state.json" ] || fail "state.json exists: the fault point missed"
	[ "$(head -c1 "$HUSK_ROOT/$id/cgroup.record")" = "{" ] || fail "cgroup.record does not hold the state"
	truncate -s 40 "$HUSK_ROOT/$id/cgroup.record"
	[ -n "$(cgroups_of "$id")" ] || fail "expected the cgroup to exist"
	recovered "$id"
}

@test "faults: husk killed before the state is written, with a user namespace and a kept overlay upper" {
	use_userns
	mkdir "$BATS_TEST_TMPDIR/upper"
	husk_dies_in_create before-state yes --overlay="$BATS_TEST_TMPDIR/upper"
	[ -d "$BATS_TEST_TMPDIR/upper" ] || fail "the kept upper directory went"
	run ls "$BATS_TEST_TMPDIR"
	refute_output --partial "upper.work-"
}

@test "faults: husk killed after the state is written: the container is stopped" {
	requires_faults
	local id
	id=$(cid after-state)
	crash after-state create --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" "$id"
	killed
	# init was never told STATE_SAVED: it saw the socket close and exited.
	wait_for_status "$id" stopped
	run husk start "$id"
	assert_failure
	assert_output --partial "stopped"
	# A stopped container needs no --force.
	run husk delete "$id"
	assert_success
	check_no_leaks
}

@test "faults: husk killed while a prestart hook runs: the hook dies too" {
	requires_faults
	local id
	id=$(cid hook-running)
	update_config --arg f "$BATS_TEST_TMPDIR/hook.pid" \
		'.hooks.prestart = [{"path": "/bin/sh", "args": ["sh", "-c", "read pid rest < /proc/self/stat; echo $pid > \($f); echo started; exec sleep 1000"]}]'
	crash hook-running create --bundle "$BUNDLE" "$id"
	killed
	local hook
	hook=$(cat "$BATS_TEST_TMPDIR/hook.pid")
	retry 50 0.1 gone "$hook" || fail "the hook (pid $hook) outlived husk"
	run husk state "$id"
	assert_failure
	assert_output --partial "is incomplete"
	recovered "$id"
}

# husk_dies_while_init_at POINT: init stops at POINT (HUSK_FAULT=POINT:hang)
# and husk is killed right then: init dies with it (PDEATHSIG), and what
# is left is an incomplete container for delete --force.
husk_dies_while_init_at() {
	local point=$1 id out hpid
	requires_faults
	id=$(cid "husk-$point")
	out=$BATS_TEST_TMPDIR/create.out
	HUSK_FAULT=$point:hang "$HUSK" --root "$HUSK_ROOT" create --bundle "$BUNDLE" "$id" \
		</dev/null >"$out" 2>&1 3>&- &
	hpid=$!
	retry 100 0.1 grep -q "fault point reached, hanging: $point" "$out" ||
		fail "init never reached $point: $(cat "$out")"
	kill -KILL "$hpid"
	wait "$hpid" || true
	run husk state "$id"
	assert_failure
	assert_output --partial "container \"$id\" is incomplete"
	recovered "$id"
}

@test "faults: husk killed while init makes its namespaces" {
	husk_dies_while_init_at init-namespaces
}

@test "faults: husk killed while init does its mounts" {
	update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/bound", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'", "options": ["rbind"]}]'
	husk_dies_while_init_at init-mounts
}

@test "faults: husk killed while init does its mounts, in a user namespace" {
	use_userns
	husk_dies_while_init_at init-mounts
}

@test "faults: husk killed while init is about to report READY" {
	husk_dies_while_init_at init-ready
}

@test "faults: HUSK_FAULT takes POINT or POINT:hang, and names the known points otherwise" {
	requires_faults
	HUSK_FAULT=init-mounts:hang run husk list -q
	assert_success
	HUSK_FAULT=init-mount run husk list -q
	assert_failure
	assert_output --partial 'unknown fault point "init-mount"'
	HUSK_FAULT=init-mounts:stop run husk list -q
	assert_failure
	assert_output --partial "known: before-cgroup"
}

# --- the container's init dies during create: create fails cleanly ------

# init_dies_in_create POINT
init_dies_in_create() {
	local point=$1 id
	requires_faults
	id=$(cid "$point")
	crash "$point" create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "container init exited before"
	# create cleaned up after itself: nothing for delete --force to do.
	run husk state "$id"
	assert_failure
	assert_output --partial "does not exist"
	check_no_leaks
	recovered "$id"
}

@test "faults: init dies first thing" {
	init_dies_in_create init-start
}

@test "faults: init dies after making its namespaces" {
	init_dies_in_create init-namespaces
}

@test "faults: init dies during the mounts" {
	update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/bound", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'", "options": ["rbind"]}]'
	init_dies_in_create init-mounts
}

@test "faults: init dies before READY" {
	init_dies_in_create init-ready
}

@test "faults: init dies during the mounts, in a user namespace with an ephemeral overlay" {
	use_userns
	local id
	requires_faults
	id=$(cid init-mounts-userns)
	crash init-mounts create --overlay --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "container init exited before"
	recovered "$id"
}

# The hook reads its pid from /proc/self/stat: in the container's PID
# namespace $$ is not the host's pid, but /proc is still the host's.
@test "faults: init dies while a createContainer hook runs: the hook dies too" {
	requires_faults
	local id
	id=$(cid init-hook)
	update_config --arg f "$BATS_TEST_TMPDIR/hook.pid" \
		'.hooks.createContainer = [{"path": "/bin/sh", "args": ["sh", "-c", "read pid rest < /proc/self/stat; echo $pid > \($f); echo started; exec sleep 1000"]}]'
	crash hook-running create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "container init exited before"
	local hook
	hook=$(cat "$BATS_TEST_TMPDIR/hook.pid")
	retry 50 0.1 gone "$hook" || fail "the hook (pid $hook) outlived init"
	recovered "$id"
}

@test "faults: init dies while created: stopped, start fails, delete works" {
	requires_faults
	local id
	id=$(cid init-created)
	crash init-created create --bundle "$BUNDLE" "$id"
	assert_success
	wait_for_status "$id" stopped
	run husk start "$id"
	assert_failure
	run husk delete "$id"
	assert_success
	check_no_leaks
}

@test "faults: start killed after releasing init, before removing the fifo: running, not created" {
	requires_faults
	local id
	id=$(cid start-fifo)
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	crash start-after-fifo start "$id"
	killed
	[ -p "$HUSK_ROOT/$id/exec.fifo" ] || fail "the fifo is gone: the fault point missed"
	# The fifo stayed, but init was released: it runs.
	assert_equal "$(container_status "$id")" running
	# So a second start refuses at once (it used to wait forever).
	run husk start "$id"
	assert_failure
	assert_output --partial "it is running"
	recovered "$id"
}

@test "faults: init dies right after start" {
	requires_faults
	local id
	id=$(cid init-started)
	crash init-started create --bundle "$BUNDLE" "$id"
	assert_success
	run husk start "$id"
	assert_success
	wait_for_status "$id" stopped
	run husk delete "$id"
	assert_success
	check_no_leaks
}

@test "faults: run killed before it releases init: init exits by itself, delete --force cleans up" {
	requires_faults
	local id
	id=$(cid run-start)
	crash run-before-start run -d --bundle "$BUNDLE" "$id"
	killed
	# `run` makes no exec fifo: init waits for START on its socket, whose
	# other end died with husk, so it exits rather than wait forever.
	[ ! -e "$HUSK_ROOT/$id/exec.fifo" ] || fail "run made an exec fifo"
	wait_for_status "$id" stopped
	recovered "$id"
}

# --- husk killed during delete: delete --force again finishes the job ----

@test "faults: delete killed after stopping the container" {
	requires_faults
	local id
	id=$(cid del-stop)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	crash delete-after-stop delete --force "$id"
	killed
	assert_equal "$(container_status "$id")" stopped
	[ -n "$(cgroups_of "$id")" ] || fail "expected the cgroup to be still there"
	recovered "$id"
}

@test "faults: delete killed after removing the cgroup" {
	requires_faults
	local id
	id=$(cid del-cgroup)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	crash delete-after-cgroup delete --force "$id"
	killed
	assert_equal "$(container_status "$id")" stopped
	[ -z "$(cgroups_of "$id")" ] || fail "expected the cgroup to be gone"
	run husk delete "$id"
	assert_success
	check_no_leaks
}

# --- crashes that need no fault injection --------------------------------

@test "faults: a foreground run killed with SIGKILL leaves a running container that delete --force removes" {
	local id pid
	id=$(cid run-killed)
	husk run --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 &
	pid=$!
	wait_for_status "$id" running
	kill -KILL "$pid"
	wait "$pid" || true
	assert_equal "$(container_status "$id")" running
	recovered "$id"
}

# segv_hook KIND: a hook of that kind killing itself with SIGSEGV.
segv_hook() {
	update_config ".hooks.$1 = [{\"path\": \"/bin/sh\", \"args\": [\"sh\", \"-c\", \"kill -SEGV \$\$\"]}]"
}

@test "faults: a prestart hook that crashes fails create, naming the signal" {
	local id
	id=$(cid segv-prestart)
	segv_hook prestart
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "hooks.prestart[0]"
	assert_output --partial "killed by signal 11"
	run husk list -q
	assert_output ""
	check_no_leaks
}

@test "faults: a createContainer hook that crashes fails create" {
	local id
	id=$(cid segv-cc)
	segv_hook createContainer
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "hooks.createContainer[0]"
	assert_output --partial "killed by signal 11"
	check_no_leaks
}

# startContainer hooks run in init after start released it: start has
# already succeeded; init then exits instead of running the process.
@test "faults: a startContainer hook that crashes: the process never runs, delete works" {
	local id
	id=$(cid segv-sc)
	segv_hook startContainer
	set_args sh -c 'touch /ran; sleep 1000'
	update_config '.root.readonly = false'
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	run husk start "$id"
	assert_success
	wait_for_status "$id" stopped
	[ ! -e "$BUNDLE/rootfs/ran" ] || fail "the process ran"
	run husk delete "$id"
	assert_success
	check_no_leaks
}

@test "faults: poststart and poststop hooks that crash only warn" {
	local id
	id=$(cid segv-post)
	segv_hook poststart
	segv_hook poststop
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	hrun start "$id"
	assert_success
	assert_output --partial "hooks.poststart[0]"
	assert_output --partial "killed by signal 11"
	assert_equal "$(container_status "$id")" running
	hrun delete --force "$id"
	assert_success
	assert_output --partial "hooks.poststop[0]"
	check_no_leaks
}

# --- the state root: full, read-only, removed; state.json corrupted ------

# small_root SIZE: --root on a fresh tmpfs of SIZE.
small_root() {
	SMALL=$BATS_TEST_TMPDIR/small
	mkdir -p "$SMALL"
	mount -t tmpfs -o "size=$1,mode=0700" tmpfs "$SMALL"
	HUSK_ROOT=$SMALL/root
	mkdir "$HUSK_ROOT"
}

@test "faults: --root on a full filesystem: create fails with ENOSPC and leaves nothing" {
	local id
	small_root 256k
	dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null || true
	id=$(cid full)
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "No space left on device"
	[ -z "$(find "$HUSK_ROOT" -mindepth 1)" ] || fail "left in --root: $(find "$HUSK_ROOT" -mindepth 1)"
	[ -z "$(cgroups_of "$id")" ] || fail "cgroup left: $(cgroups_of "$id")"
	# Once there is room again, the same ID works.
	rm -f "$SMALL/fill"
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk delete --force "$id"
	assert_success
}

@test "faults: a full --root does not stop kill, state or delete of a running container" {
	local id
	small_root 256k
	id=$(cid full-later)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	dd if=/dev/zero of="$SMALL/fill" bs=4k 2>/dev/null || true
	assert_equal "$(container_status "$id")" running
	run husk kill "$id" KILL
	assert_success
	wait_for_status "$id" stopped
	run husk delete "$id"
	assert_success
	[ -z "$(find "$HUSK_ROOT" -mindepth 1)" ] || fail "left in --root"
}

@test "faults: --root read-only: create fails clearly; delete of a running container fails, then works once writable" {
	local id other
	small_root 1m
	id=$(cid ro)
	other=$(cid ro-other)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	mount -o remount,ro "$SMALL"
	hrun create --bundle "$BUNDLE" "$other"
	assert_failure
	assert_output --partial "Read-only file system"
	assert_equal "$(container_status "$id")" running
	run husk delete --force "$id"
	assert_failure
	assert_output --partial "Read-only file system"
	# Whatever that delete managed to do, state still tells the truth.
	run husk state "$id"
	assert_success
	mount -o remount,rw "$SMALL"
	run husk delete --force "$id"
	assert_success
	run husk state "$id"
	assert_failure
	assert_output --partial "does not exist"
	[ -z "$(find "$HUSK_ROOT" -mindepth 1)" ] || fail "left in --root"
}

@test "faults: state.json truncated: clear error; delete --force kills and removes the container" {
	local id pid
	id=$(cid trunc)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	truncate -s 37 "$HUSK_ROOT/$id/state.json"
	run husk state "$id"
	assert_failure
	assert_output --partial "$HUSK_ROOT/$id/state.json"
	run husk kill "$id" KILL
	assert_failure
	assert_output --partial "state.json"
	run husk delete "$id"
	assert_failure
	assert_output --partial "state.json"
	run husk list -q
	assert_success
	recovered "$id"
	gone "$pid" || fail "the container's init $pid survived"
}

@test "faults: state.json replaced by garbage, by an empty file, by a directory" {
	local id kind
	for kind in garbage empty dir symlink; do
		id=$(cid "bad-$kind")
		hrun run -d --bundle "$BUNDLE" "$id"
		assert_success
		local st=$HUSK_ROOT/$id/state.json
		case $kind in
		garbage) printf '\xff\xfe{"id": [}}' >"$st" ;;
		empty) : >"$st" ;;
		dir) rm "$st" && mkdir "$st" ;;
		symlink) rm "$st" && ln -s /etc/passwd "$st" ;;
		esac
		run husk state "$id"
		assert_failure
		assert_output --partial "$id"
		[ "${#lines[@]}" -eq 1 ] || fail "expected one error line, got: $output"
		recovered "$id"
	done
}

# mark ID: the mark husk put on the container's cgroup2 directory (or, on
# a v1-only host, on its memory cgroup).
mark_of() {
	local d
	for d in /sys/fs/cgroup/unified/$1 /sys/fs/cgroup/$1 /sys/fs/cgroup/memory/$1; do
		[ -d "$d" ] && [ -e "$d/cgroup.procs" ] || continue
		python3 -c 'import os, sys; print(os.getxattr(sys.argv[1], "trusted.husk.container").decode())' "$d" && return
	done
	return 1
}

# lost ID PID: the container ID (init PID) lost its state; the errors say
# so and point to delete --force, which (with this root only) kills and
# removes it; then the ID is free again.
lost() {
	local id=$1 pid=$2
	run husk state "$id"
	assert_failure
	assert_output --partial "container \"$id\" does not exist: its state"
	assert_output --partial "was removed, but its cgroup"
	assert_output --partial "husk delete --force $id"
	run husk kill "$id" KILL
	assert_failure
	assert_output --partial "husk delete --force $id"
	run husk list -q
	assert_success
	assert_output --partial "warning: list: container \"$id\" has lost its state directory"
	refute_line "$id"
	# Another state root's delete --force does not touch it.
	run "$HUSK" --root "$BATS_TEST_TMPDIR/other-root" delete --force "$id"
	assert_success
	refute_output --partial "killing"
	gone "$pid" && fail "delete --force of another root killed $pid"
	[ -n "$(cgroups_of "$id")" ] || fail "delete --force of another root removed the cgroup"
	[ ! -e "$BATS_TEST_TMPDIR/other-root" ] || fail "delete --force of an unknown ID made its root"
	run husk delete --force "$id"
	assert_success
	assert_output --partial "container \"$id\" has no state directory; killing the processes of its cgroup"
	retry 30 0.1 gone "$pid" || fail "the container's init $pid survived"
	[ -z "$(cgroups_of "$id")" ] || fail "cgroups left: $(cgroups_of "$id")"
	run husk list -q
	refute_output --partial "\"$id\""
}

@test "faults: the cgroup carries a mark naming the state root, the ID and every directory" {
	local id m
	id=$(cid marked)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	m=$(mark_of "$id") || fail "no trusted.husk.container on the container's cgroup"
	echo "$m"
	assert_equal "$(sed -n 1p <<<"$m")" "root $(realpath "$HUSK_ROOT")"
	assert_equal "$(sed -n 2p <<<"$m")" "id $id"
	# The rest is cgroupPaths, as in state.json.
	assert_equal "$(sed 1,2d <<<"$m" | sort)" \
		"$(jq -r '.cgroupPaths | to_entries[] | "\(.key) \(.value)"' "$HUSK_ROOT/$id/state.json" | sort)"
	run husk delete --force "$id"
	assert_success
	# A relative --root, with a detour, is marked as the same absolute path,
	# so that a later command from elsewhere finds it.
	id=$(cid marked-rel)
	(cd "$BATS_TEST_TMPDIR" && "$HUSK" --root ./state/../state run -d --bundle "$BUNDLE" "$id" \
		</dev/null >/dev/null 2>&1 3>&-) || fail "run -d with a relative --root failed"
	m=$(mark_of "$id") || fail "no mark"
	assert_equal "$(sed -n 1p <<<"$m")" "root $(realpath "$HUSK_ROOT")"
	rm -rf "${HUSK_ROOT:?}/$id"
	run husk delete --force "$id"
	assert_success
	assert_output --partial "killing the processes of its cgroup"
	check_no_leaks
}

@test "faults: the state directory removed while the container runs: delete --force finds it by its cgroup's mark" {
	local id pid
	id=$(cid gone)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	rm -rf "${HUSK_ROOT:?}/$id"
	# The ID cannot be taken while its old cgroup is busy.
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "already has processes: an earlier container \"$id\" of this state root lost its state directory"
	assert_output --partial "husk delete --force $id"
	[ ! -e "$HUSK_ROOT/$id" ] || fail "the refused create left its state directory"
	lost "$id" "$pid"
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	recovered "$id"
}

@test "faults: the whole state root removed while containers run, one paused, one with a nested linux.cgroupsPath" {
	local a b pa pb
	a=$(cid root-a)
	b=$(cid root-b)
	hrun run -d --bundle "$BUNDLE" "$a"
	assert_success
	run husk pause "$a"
	assert_success
	update_config --arg p "/$HK_PREFIX-parent/sub/$b" '.linux.cgroupsPath = $p'
	hrun run -d --bundle "$BUNDLE" "$b"
	assert_success
	pa=$(husk state "$a" | jq .pid)
	pb=$(husk state "$b" | jq .pid)
	rm -rf "${HUSK_ROOT:?}"
	run husk list
	assert_success
	assert_output --partial "container \"$a\" has lost its state directory"
	assert_output --partial "container \"$b\" has lost its state directory"
	lost "$a" "$pa"
	lost "$b" "$pb"
	# The parents are left, as delete leaves them; tidy up for the leak check.
	find /sys/fs/cgroup -depth -type d -path "*/$HK_PREFIX-parent*" -exec rmdir {} +
	recovered "$a"
}

@test "faults: delete --force of a lost ID leaves alone a cgroup of that name that husk did not mark" {
	local id d pid
	id=$(cid unmarked)
	# A cgroup named like the container, made by someone else, with a
	# process in it: a stale name is no proof that it is ours.
	for d in /sys/fs/cgroup/unified /sys/fs/cgroup/memory /sys/fs/cgroup; do
		[ -e "$d/cgroup.procs" ] && break
	done
	mkdir "$d/$id"
	(echo "$BASHPID" >"$d/$id/cgroup.procs" && exec sleep 1000) &
	pid=$!
	retry 30 0.1 grep -qx "$pid" "$d/$id/cgroup.procs"
	run husk delete --force "$id"
	assert_success
	refute_output --partial "killing"
	run husk state "$id"
	assert_failure
	assert_output "husk: container \"$id\" does not exist"
	gone "$pid" && fail "husk killed a process it did not start"
	kill -KILL "$pid"
	wait "$pid" || true
	retry 30 0.1 rmdir "$d/$id"
	check_no_leaks
}
@test "faults: the teardown leak check sees a process with the test's ID in its command line, or in its cgroup" {
	local id pid d
	id=$(cid leak-check)
	run leaked_processes
	assert_success
	(exec -a "$id" sleep 1000) 3>&- &
	pid=$!
	retry 30 0.1 grep -qF "$id" "/proc/$pid/cmdline"
	run leaked_processes
	assert_failure
	assert_output --partial "command line: $pid"
	kill -KILL "$pid"
	wait "$pid" || true
	# A process whose command line says nothing, in a cgroup named after it.
	for d in /sys/fs/cgroup/unified /sys/fs/cgroup/memory /sys/fs/cgroup; do
		[ -e "$d/cgroup.procs" ] && break
	done
	mkdir "$d/$id"
	(echo "$BASHPID" >"$d/$id/cgroup.procs" && exec sleep 1000) 3>&- &
	pid=$!
	retry 30 0.1 grep -qx "$pid" "$d/$id/cgroup.procs"
	run leaked_processes
	assert_failure
	assert_output --partial "/proc/$pid/cgroup names a test cgroup"
	kill -KILL "$pid"
	wait "$pid" || true
	retry 30 0.1 rmdir "$d/$id"
	check_no_leaks
}
