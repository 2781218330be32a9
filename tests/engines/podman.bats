#!/usr/bin/env bats
# Podman (through conmon) with husk as its OCI runtime.
#
# Podman runs with a private storage root, run root and tmp dir, the cgroupfs
# manager, a file events logger and a private containers.conf
# (CONTAINERS_CONF) made from contrib/podman/husk.conf, so what the drop-in
# says is what is tested: husk in runtime_supports_json (Podman passes
# --log-format=json --log) and in runtime_supports_nocgroup.  Containers
# have no network (netns "none").  husk keeps its state in /run/husk: Podman
# passes no --root.

load helpers
bats_require_minimum_version 1.5.0

# Where husk keeps the state of Podman's containers.
PM_HUSK_ROOT=/run/husk

# podman with this file's private set-up and husk as the runtime.
pm() {
	timeout -k 5 "$ENGINE_TIMEOUT" "$PM_DIR/podman" "$@" 3>&-
}

# pm_detached ARGS...: `podman run -d ARGS`, its output in $output; conmon
# inherits no pipe of ours this way.
pm_detached() {
	local out="$BATS_TEST_TMPDIR/pm-detached"
	status=0
	pm run -d "$@" </dev/null >"$out" 2>&1 || status=$?
	output=$(cat "$out")
	[ "$status" -eq 0 ] || fail "podman run -d $* failed ($status): $output"
}

# The same with a containers.conf that leaves husk out of runtime_supports_json.
pm_plain() {
	timeout -k 5 "$ENGINE_TIMEOUT" "$PM_DIR/podman-plain" "$@" 3>&-
}

pm_id() {
	pm inspect --format '{{.Id}}' "$1"
}

pm_pid() {
	pm inspect --format '{{.State.Pid}}' "$1"
}

# Every container this file's Podman has known: the events log has them all,
# including the ones run --rm already removed.
pm_ids() {
	{
		pm ps -aq --no-trunc
		pm events --stream=false --filter type=container --format '{{.ID}}'
	} 2>/dev/null | sort -u
}

# containers.conf: the contrib drop-in with this husk, plus the private
# settings of the test run.
write_containers_conf() {
	local conf=$PM_DIR/containers.conf ulimits=""
	# Podman gives containers RLIMIT_NOFILE and RLIMIT_NPROC of 1048576,
	# which root cannot raise to without CAP_SYS_RESOURCE (some CI hosts,
	# this project's among them): ask for values below the current ones.
	if ! capsh_has 24; then
		ulimits='default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]'
	fi
	sed -e "s|/usr/local/bin/husk|$HUSK|" \
		-e "s|^\[engine\]\$|[engine]\\
cgroup_manager = \"cgroupfs\"\\
events_logger = \"file\"\\
events_logfile_path = \"$PM_DIR/events.log\"\\
tmp_dir = \"$PM_DIR/tmp\"|" \
		"$REPO_ROOT/contrib/podman/husk.conf" >"$conf"
	cat >>"$conf" <<-EOF

		[containers]
		netns = "none"
		$ulimits

		[network]
		network_config_dir = "$PM_DIR/cni"
	EOF
}

# capsh_has N: the effective capability set of this shell holds capability N.
capsh_has() {
	local eff
	eff=$(awk '/^CapEff:/ { print $2 }' /proc/self/status)
	(((0x$eff >> $1) & 1))
}

setup_file() {
	engine_requires podman conmon script
	# Short: conmon's and Podman's socket paths live below it.
	PM_DIR=$(mktemp -d /tmp/hk-podman.XXXXXX)
	export PM_DIR
	mkdir -p "$PM_DIR"/{storage,run,tmp,cni}
	remember_absent /var/lib/containers /etc/cni/net.d/cni.lock
	remember_cgroup_parent libpod_parent
	write_containers_conf
	cat >"$PM_DIR/podman" <<-EOF
		#!/bin/sh
		export CONTAINERS_CONF=$PM_DIR/containers.conf
		exec podman --runtime husk --root $PM_DIR/storage --runroot $PM_DIR/run \\
			--storage-driver overlay "\$@"
	EOF
	chmod +x "$PM_DIR/podman"
	make_rootfs_tar "$PM_DIR/rootfs.tar"
	pm import "$PM_DIR/rootfs.tar" "$IMAGE" >/dev/null
	rm -f "$PM_DIR/rootfs.tar"
}

teardown_file() {
	[ -n "${PM_DIR:-}" ] && [ -d "$PM_DIR" ] || return 0
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	forget_cgroup_parents
	forget_created
	unmount_below "$PM_DIR"
	rm -rf --one-file-system "$PM_DIR"
}

teardown() {
	local ids
	ids=$(pm_ids)
	pm rm -a -f -t 0 >/dev/null 2>&1 || true
	# shellcheck disable=SC2086
	check_gone "$PM_HUSK_ROOT" "$PM_DIR/storage/overlay" $ids
}

@test "podman: husk is the runtime: podman info, inspect, and husk's own state" {
	run pm info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	assert_success
	assert_output "husk $HUSK"
	pm_detached --name c1 "$IMAGE" sleep 1000
	run pm inspect --format '{{.OCIRuntime}}' c1
	assert_output husk
	run "$HUSK" --root "$PM_HUSK_ROOT" state "$(pm_id c1)"
	assert_success
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$(pm_pid c1)" ]
}

@test "podman: run --rm prints the output; exit statuses 0 and 3 come back" {
	run pm run --rm "$IMAGE" echo hi
	assert_success
	assert_output hi
	run pm run --rm "$IMAGE" sh -c 'exit 3'
	assert_failure 3
	run pm run --rm "$IMAGE" true
	assert_success
	assert_output ""
}

@test "podman: exec into a running container: output, exit status, -e -w -u, a missing command, exec -it with a tty" {
	pm_detached --name c1 "$IMAGE" sleep 1000
	run pm exec c1 sh -c 'echo "in $(cat /proc/1/comm)"'
	assert_success
	assert_output "in sleep"
	run pm exec c1 sh -c 'exit 4'
	assert_failure 4
	run pm exec c1 sh -c 'tty'
	assert_failure
	assert_output "not a tty"
	run -127 pm exec c1 /nope
	assert_failure 127
	assert_output --partial 'exec: "/nope": no such file or directory'
	run pm exec -e FOO=bar -w /tmp -u 65534 c1 sh -c 'echo "$FOO $(pwd) $(id -u)"'
	assert_output "bar /tmp 65534"
	tty_run "$PM_DIR/podman" exec -it c1 sh -c 'tty; echo done'
	assert_success
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial done
}

@test "podman: run -it gives the container a terminal" {
	# A moment before printing: podman attaches to the terminal only once
	# the container runs, and output written before that can be lost.
	tty_run "$PM_DIR/podman" run --rm -it "$IMAGE" sh -c 'sleep 1; tty; echo done'
	assert_success
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial done
}

@test "podman: pause and unpause freeze and thaw the container" {
	pm_detached --name c1 "$IMAGE" sleep 1000
	run pm pause c1
	assert_success
	[ "$(pm inspect --format '{{.State.Status}}' c1)" = paused ]
	[ "$("$HUSK" --root "$PM_HUSK_ROOT" state "$(pm_id c1)" | jq -r .status)" = paused ]
	run pm unpause c1
	assert_success
	[ "$("$HUSK" --root "$PM_HUSK_ROOT" state "$(pm_id c1)" | jq -r .status)" = running ]
	run pm exec c1 echo thawed
	assert_output thawed
}

@test "podman: kill -s delivers the signal, stop ends with SIGTERM, kill with SIGKILL" {
	pm_detached --name c1 "$IMAGE" sh -c \
		'trap "echo got-usr1" USR1; trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.2; done'
	retry 200 0.1 sh -c "'$PM_DIR/podman' logs c1 | grep -q ready"
	run pm kill -s USR1 c1
	assert_success
	retry 200 0.1 sh -c "'$PM_DIR/podman' logs c1 | grep -q got-usr1"
	run pm stop -t 30 c1
	assert_success
	[ "$(pm inspect --format '{{.State.ExitCode}}' c1)" = 0 ]
	run pm logs c1
	assert_output --partial got-term

	pm_detached --name c2 "$IMAGE" sleep 1000
	run pm kill c2
	assert_success
	run pm wait c2
	assert_output 137
}

@test "podman: rm takes the container's husk state, cgroup and root filesystem with it" {
	local id pid cg
	pm_detached --name c1 "$IMAGE" sleep 1000
	id=$(pm_id c1)
	pid=$(pm_pid c1)
	cg=$(host_cgroup_dir pids "$pid")
	[ -d "$PM_HUSK_ROOT/$id" ] || fail "no husk state for $id"
	[[ "$cg" == *"$id"* ]] || fail "cgroup $cg is not the container's"
	run pm rm -f -t 0 c1
	assert_success
	check_gone "$PM_HUSK_ROOT" "$PM_DIR/storage/overlay" "$id"
	[ ! -d "$cg" ]
}

@test "podman: --memory and --pids-limit reach the cgroup, seen inside and from the host" {
	local pid mem
	mem=$(memory_limit_file)
	pm_detached --name c1 --memory 64m --pids-limit 50 "$IMAGE" sleep 1000
	pid=$(pm_pid c1)
	[ "$(cat "$(host_cgroup_dir memory "$pid")/$mem")" = 67108864 ]
	[ "$(cat "$(host_cgroup_dir pids "$pid")/pids.max")" = 50 ]
	if cgroup_is_v1; then
		run pm exec c1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
	else
		run pm exec c1 cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
	fi
	assert_success
	assert_output $'67108864\n50'
	# The pids limit bites.
	run pm run --rm --pids-limit 10 "$IMAGE" sh -c 'for i in $(seq 20); do sleep 30 & done; echo spawned'
	assert_output --regexp "can't fork|Resource temporarily unavailable"
}

@test "podman: --cap-drop takes the capability away" {
	run pm run --rm "$IMAGE" sh -c 'touch /tmp/f && chown 65534 /tmp/f && echo chowned'
	assert_success
	assert_output chowned
	run pm run --rm --cap-drop CHOWN "$IMAGE" sh -c 'grep CapEff /proc/self/status; touch /tmp/f && chown 65534 /tmp/f'
	assert_failure
	assert_output --partial "Operation not permitted"
	local eff
	eff=$(awk '/CapEff/ { print $2 }' <<<"$output")
	(((0x$eff & 1) == 0)) || fail "CAP_CHOWN still effective: $eff"
}

@test "podman: --read-only makes the root read-only, with a writable /tmp" {
	run pm run --rm --read-only "$IMAGE" sh -c 'exec 2>&1; touch /tmp/x && echo tmp-ok; touch /x'
	assert_failure
	assert_line --index 0 tmp-ok
	assert_output --partial "Read-only file system"
}

@test "podman: --user, -e, -w, --hostname, and the files Podman binds in" {
	run pm run --rm --user 65534:65534 -e FOO=bar -w /tmp --hostname hk-host "$IMAGE" sh -c \
		'id -u; id -g; echo "$FOO"; pwd; hostname; cat /etc/hostname; echo; grep -c hk-host /etc/hosts; test -f /run/.containerenv && echo containerenv'
	assert_success
	assert_output "$(printf '%s\n' 65534 65534 bar /tmp hk-host hk-host 1 containerenv)"
}

@test "podman: --sysctl is written although /proc/sys is read-only" {
	run pm run --rm --sysctl net.ipv4.ping_group_range="0 1000" "$IMAGE" sh -c \
		'exec 2>&1; cat /proc/sys/net/ipv4/ping_group_range; echo 1 > /proc/sys/net/ipv4/ip_forward'
	assert_failure
	assert_line --index 0 --regexp '^0[[:space:]]+1000$'
	assert_output --partial "Read-only file system"
}

@test "podman: a command that does not exist shows husk's error, exit status 127" {
	run -127 pm run --rm "$IMAGE" /nope
	assert_failure 127
	assert_output --partial 'husk: exec: "/nope": no such file or directory'
	refute_output --partial '"level"'
	run -127 pm run --rm "$IMAGE" nope
	assert_failure 127
	assert_output --partial 'husk: exec: "nope": executable file not found in $PATH'
}

@test "podman: runtime_supports_json: husk gets --log-format=json --log and Podman reads its JSON error" {
	local id log
	# conmon hands husk the options Podman gave it.
	pm_detached --name c1 "$IMAGE" sleep 1000
	id=$(pm_id c1)
	run ps -o args= -p "$(cat "$PM_DIR/run/overlay-containers/$id/userdata/conmon.pid")"
	assert_output --partial "--runtime-arg --log-format=json --runtime-arg --log --runtime-arg=$PM_DIR/run/overlay-containers/$id/userdata/oci-log"
	# A failed start: husk's JSON line in the log, its message in Podman's.
	run pm create --name bad "$IMAGE" /nope
	assert_success
	id=$(pm_id bad)
	run pm start bad
	assert_failure
	assert_output --partial 'husk: exec: "/nope": no such file or directory'
	refute_output --partial '"level"'
	log=$PM_DIR/run/overlay-containers/$id/userdata/oci-log
	[ -s "$log" ] || fail "no $log"
	run jq -r 'select(.level == "error") | .msg' "$log"
	assert_success
	assert_output 'exec: "/nope": no such file or directory'
}

@test "podman: without husk in runtime_supports_json, no JSON log: the error comes from husk's stderr" {
	local id
	grep -v '^runtime_supports_json' "$PM_DIR/containers.conf" >"$PM_DIR/containers-plain.conf"
	sed "s|$PM_DIR/containers.conf|$PM_DIR/containers-plain.conf|" "$PM_DIR/podman" >"$PM_DIR/podman-plain"
	chmod +x "$PM_DIR/podman-plain"
	pm_plain run -d --name c1 "$IMAGE" sleep 1000 </dev/null >/dev/null 2>&1
	id=$(pm_id c1)
	run ps -o args= -p "$(cat "$PM_DIR/run/overlay-containers/$id/userdata/conmon.pid")"
	assert_success
	refute_output --partial "--log-format=json"
	run -127 pm_plain run --rm "$IMAGE" /nope
	assert_failure 127
	assert_output --partial 'exec: "/nope": no such file or directory'
}

@test "podman: --cgroups=disabled runs the container in no cgroup of its own (runtime_supports_nocgroup)" {
	run pm run --rm --cgroups=disabled "$IMAGE" cat /proc/self/cgroup
	assert_success
	refute_output --partial libpod
}
