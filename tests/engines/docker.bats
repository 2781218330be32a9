#!/usr/bin/env bats
# Docker (dockerd, containerd, containerd-shim-runc-v2) with husk as a
# registered runtime.
#
# setup_file starts a private dockerd: its own data root, exec root, pid
# file, unix socket and daemon.json (made from contrib/docker/daemon.json),
# no iptables, no bridge; it starts its own containerd below its exec root.
# Containers run with --runtime husk --network none.  teardown_file stops
# dockerd and containerd by their PIDs.

load helpers
bats_require_minimum_version 1.5.0

# docker against this file's dockerd.
dk() {
	timeout -k 5 "$ENGINE_TIMEOUT" docker -H "unix://$DK_DIR/docker.sock" "$@" 3>&-
}

# dk_run ARGS...: `docker run` with husk and no network.
dk_run() {
	dk run --runtime husk --network none "$@"
}

dk_id() {
	dk inspect --format '{{.Id}}' "$1"
}

dk_pid() {
	dk inspect --format '{{.State.Pid}}' "$1"
}

# The --root containerd-shim-runc-v2 gives husk (Docker names it after runc
# whatever the runtime); moby is Docker's containerd namespace.
dk_husk_root() {
	local d
	for d in "$DK_DIR"/exec/runtime-*/moby; do
		[ -d "$d" ] && echo "$d" && return
	done
	echo "$DK_DIR/exec/runtime-runc/moby"
}

# Every container this dockerd has known, removed ones included.
dk_ids() {
	{
		dk ps -aq --no-trunc
		dk events --since "$DK_T0" --until "$(date +%s)" --filter type=container \
			--format '{{.Actor.ID}}'
	} 2>/dev/null | sort -u
}

# daemon.json: the contrib snippet with this husk, plus the private,
# network-less settings of the test run.
write_daemon_json() {
	jq --arg husk "$HUSK" --arg key "$DK_DIR/key.json" '
		.runtimes.husk.path = $husk
		| . + {
			"storage-driver": "overlay2",
			"iptables": false, "ip6tables": false, "ip-forward": false, "ip-masq": false,
			"bridge": "none", "userland-proxy": false,
			"exec-opts": ["native.cgroupdriver=cgroupfs"],
			"features": {"buildkit": false},
			"deprecated-key-path": $key
		}' "$REPO_ROOT/contrib/docker/daemon.json" >"$DK_DIR/daemon.json"
}

setup_file() {
	engine_requires dockerd docker containerd containerd-shim-runc-v2 script
	# Short: unix socket paths live below it.
	DK_DIR=$(mktemp -d /tmp/hk-docker.XXXXXX)
	export DK_DIR
	remember_absent /etc/docker/key.json /run/containerd /var/lib/docker
	remember_cgroup_parent docker
	write_daemon_json
	DK_T0=$(date +%s)
	export DK_T0
	setsid dockerd --config-file "$DK_DIR/daemon.json" --data-root "$DK_DIR/data" \
		--exec-root "$DK_DIR/exec" --pidfile "$DK_DIR/dockerd.pid" \
		-H "unix://$DK_DIR/docker.sock" </dev/null >"$DK_DIR/dockerd.log" 2>&1 3>&- &
	local i
	for ((i = 0; i < 600; i++)); do
		dk version >/dev/null 2>&1 && break
		kill -0 $! 2>/dev/null || break
		sleep 0.1
	done
	dk version >/dev/null 2>&1 || {
		tail -n 30 "$DK_DIR/dockerd.log" >&2
		fail "dockerd did not come up"
	}
	DK_CONTAINERD_PID=$(cat "$DK_DIR/exec/containerd/containerd.pid")
	export DK_CONTAINERD_PID
	make_rootfs_tar "$DK_DIR/rootfs.tar"
	dk import "$DK_DIR/rootfs.tar" "$IMAGE" >/dev/null
	rm -f "$DK_DIR/rootfs.tar"
}

teardown_file() {
	[ -n "${DK_DIR:-}" ] && [ -d "$DK_DIR" ] || return 0
	local ids
	ids=$(dk ps -aq 2>/dev/null)
	# shellcheck disable=SC2086
	[ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1 || true
	stop_pid "$DK_DIR/dockerd.pid" dockerd
	stop_pid "${DK_CONTAINERD_PID:-}" containerd
	unmount_below "$DK_DIR"
	forget_cgroup_parents
	forget_created
	rm -rf --one-file-system "$DK_DIR"
}

teardown() {
	local ids all
	all=$(dk_ids)
	ids=$(dk ps -aq)
	# shellcheck disable=SC2086
	[ -z "$ids" ] || dk rm -f $ids >/dev/null 2>&1 || true
	# shellcheck disable=SC2086
	check_gone "$(dk_husk_root)" "$DK_DIR/data/overlay2" $all
}

@test "docker: husk is the runtime: docker info, inspect, and husk's own state" {
	run dk info --format '{{json .Runtimes}}'
	assert_success
	[ "$(jq -r .husk.path <<<"$output")" = "$HUSK" ]
	run dk_run -d --name c1 "$IMAGE" sleep 1000
	assert_success
	run dk inspect --format '{{.HostConfig.Runtime}}' c1
	assert_output husk
	run "$HUSK" --root "$(dk_husk_root)" state "$(dk_id c1)"
	assert_success
	[ "$(jq -r .status <<<"$output")" = running ]
	[ "$(jq -r .pid <<<"$output")" = "$(dk_pid c1)" ]
}

@test "docker: run --rm prints the output; exit statuses 0 and 3 come back" {
	run dk_run --rm "$IMAGE" echo hi
	assert_success
	assert_output hi
	run dk_run --rm "$IMAGE" sh -c 'exit 3'
	assert_failure 3
	run dk_run --rm "$IMAGE" true
	assert_success
	assert_output ""
}

@test "docker: exec into a running container: output, exit status, -e -w -u, a missing command, exec -it with a tty" {
	dk_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	run dk exec c1 sh -c 'echo "in $(cat /proc/1/comm)"'
	assert_success
	assert_output "in sleep"
	run dk exec c1 sh -c 'exit 4'
	assert_failure 4
	run dk exec c1 tty
	assert_failure
	assert_output "not a tty"
	run dk exec c1 /nope
	assert_failure 126
	assert_output --partial 'exec: "/nope": no such file or directory'
	run dk exec -e FOO=bar -w /tmp -u 65534 c1 sh -c 'echo "$FOO $(pwd) $(id -u)"'
	assert_output "bar /tmp 65534"
	tty_run docker -H "unix://$DK_DIR/docker.sock" exec -it c1 sh -c 'tty; echo done'
	assert_success
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial done
}

@test "docker: run -it gives the container a terminal" {
	tty_run docker -H "unix://$DK_DIR/docker.sock" run --runtime husk --network none --rm -it \
		"$IMAGE" sh -c 'tty; echo done'
	assert_success
	assert_output --regexp '/dev/pts/[0-9]+'
	assert_output --partial done
}

@test "docker: pause and unpause freeze and thaw the container" {
	dk_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	run dk pause c1
	assert_success
	[ "$(dk inspect --format '{{.State.Status}}' c1)" = paused ]
	[ "$("$HUSK" --root "$(dk_husk_root)" state "$(dk_id c1)" | jq -r .status)" = paused ]
	run dk unpause c1
	assert_success
	[ "$("$HUSK" --root "$(dk_husk_root)" state "$(dk_id c1)" | jq -r .status)" = running ]
	run dk exec c1 echo thawed
	assert_output thawed
}

@test "docker: kill -s delivers the signal, stop ends with SIGTERM, kill with SIGKILL" {
	dk_run -d --name c1 "$IMAGE" sh -c \
		'trap "echo got-hup" HUP; trap "echo got-term; exit 0" TERM; echo ready; while :; do sleep 0.2; done' >/dev/null
	retry 200 0.1 sh -c "docker -H 'unix://$DK_DIR/docker.sock' logs c1 | grep -q ready"
	run dk kill -s HUP c1
	assert_success
	retry 200 0.1 sh -c "docker -H 'unix://$DK_DIR/docker.sock' logs c1 | grep -q got-hup"
	run dk stop -t 30 c1
	assert_success
	[ "$(dk inspect --format '{{.State.ExitCode}}' c1)" = 0 ]
	run dk logs c1
	assert_output --partial got-term

	dk_run -d --name c2 "$IMAGE" sleep 1000 >/dev/null
	run dk kill c2
	assert_success
	run dk wait c2
	assert_output 137
}

@test "docker: rm takes the container's husk state, cgroup and root filesystem with it" {
	local id pid cg root
	dk_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	id=$(dk_id c1)
	pid=$(dk_pid c1)
	root=$(dk_husk_root)
	cg=$(host_cgroup_dir pids "$pid")
	[ -d "$root/$id" ] || fail "no husk state for $id under $root"
	[[ "$cg" == *"$id"* ]] || fail "cgroup $cg is not the container's"
	run dk rm -f c1
	assert_success
	check_gone "$root" "$DK_DIR/data/overlay2" "$id"
	[ ! -d "$cg" ]
}

@test "docker: --memory and --pids-limit reach the cgroup; update changes one and keeps the other" {
	local pid mem
	mem=$(memory_limit_file)
	dk_run -d --name c1 --memory 64m --pids-limit 50 "$IMAGE" sleep 1000 >/dev/null
	pid=$(dk_pid c1)
	[ "$(cat "$(host_cgroup_dir memory "$pid")/$mem")" = 67108864 ]
	[ "$(cat "$(host_cgroup_dir pids "$pid")/pids.max")" = 50 ]
	if cgroup_is_v1; then
		run dk exec c1 cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max
	else
		run dk exec c1 cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max
	fi
	assert_success
	assert_output $'67108864\n50'
	# docker update sends every field, the ones not given at 0.
	run dk update --memory 128m --memory-swap 256m c1
	assert_success
	[ "$(cat "$(host_cgroup_dir memory "$pid")/$mem")" = 134217728 ]
	[ "$(cat "$(host_cgroup_dir pids "$pid")/pids.max")" = 50 ]
	# The pids limit bites.
	run dk_run --rm --pids-limit 10 "$IMAGE" sh -c 'for i in $(seq 20); do sleep 30 & done; echo spawned'
	assert_output --regexp "can't fork|Resource temporarily unavailable"
}

@test "docker: --cap-drop takes the capability away" {
	run dk_run --rm "$IMAGE" sh -c 'touch /tmp/f && chown 65534 /tmp/f && echo chowned'
	assert_success
	assert_output chowned
	run dk_run --rm --cap-drop CHOWN "$IMAGE" sh -c 'grep CapEff /proc/self/status; touch /tmp/f && chown 65534 /tmp/f'
	assert_failure
	assert_output --partial "Operation not permitted"
	local eff
	eff=$(awk '/CapEff/ { print $2 }' <<<"$output")
	(((0x$eff & 1) == 0)) || fail "CAP_CHOWN still effective: $eff"
}

@test "docker: --read-only makes the root read-only" {
	run dk_run --rm --read-only --tmpfs /tmp "$IMAGE" sh -c 'exec 2>&1; touch /tmp/x && echo tmp-ok; touch /x'
	assert_failure
	assert_line --index 0 tmp-ok
	assert_output --partial "Read-only file system"
}

@test "docker: --user, -e, -w, --hostname, and the files Docker binds in" {
	run dk_run --rm --user 65534:65534 -e FOO=bar -w /tmp --hostname hk-host "$IMAGE" sh -c \
		'id -u; id -g; echo "$FOO"; pwd; hostname; cat /etc/hostname
		grep -q localhost /etc/hosts && echo hosts; test -f /etc/resolv.conf && echo resolv.conf'
	assert_success
	assert_output "$(printf '%s\n' 65534 65534 bar /tmp hk-host hk-host hosts resolv.conf)"
}

@test "docker: the sysctls Docker sets on every container, with /proc/sys read-only" {
	run dk_run --rm "$IMAGE" sh -c 'exec 2>&1; cat /proc/sys/net/ipv4/ip_unprivileged_port_start /proc/sys/net/ipv4/ping_group_range
		echo 1 > /proc/sys/net/ipv4/ip_forward'
	assert_failure
	assert_line --index 0 0
	assert_line --index 1 --regexp '^0[[:space:]]+2147483647$'
	assert_output --partial "Read-only file system"
}

@test "docker: the libnetwork-setkey prestart hook in Docker's config runs" {
	local id cfg
	dk_run -d --name c1 "$IMAGE" sleep 1000 >/dev/null
	id=$(dk_id c1)
	cfg=$DK_DIR/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/$id/config.json
	[ -f "$cfg" ] || fail "no bundle config at $cfg"
	run jq -r '.hooks.prestart[0].args[0]' "$cfg"
	assert_output libnetwork-setkey
	# husk fails create when a prestart hook fails, and the container runs.
	[ "$(dk inspect --format '{{.State.Status}}' c1)" = running ]
}

@test "docker: a command that does not exist shows husk's error, exit status 127" {
	run -127 dk_run --rm "$IMAGE" /nope
	assert_failure 127
	assert_output --partial 'OCI runtime create failed: exec: "/nope": no such file or directory'
	refute_output --partial '"level"'
	run -127 dk_run --rm "$IMAGE" nope
	assert_failure 127
	assert_output --partial 'exec: "nope": executable file not found in $PATH'
	run -126 dk_run --rm "$IMAGE" /etc
	assert_failure 126
	assert_output --partial 'exec: "/etc": is a directory'
}
