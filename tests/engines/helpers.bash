# Shared by the engine suites (podman.bats, docker.bats): Podman and Docker
# from Debian's packages, with husk as their OCI runtime.
#
# Each suite keeps its engine to itself: Podman with a private storage root,
# run root, tmp dir and containers.conf; Docker as a private dockerd (with
# the containerd it starts) under a temporary directory.  The engine and
# the image are set up once per file (setup_file) and torn down in
# teardown_file; every test's teardown removes the containers and fails the
# test if husk left anything of them behind.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

ENGINES_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$ENGINES_DIR/../.." && pwd)

# The binary under test, as in tests/integration: $HUSK, else ./husk at
# the repo root, else build/husk.  The engines get its absolute path.
if [ -z "${HUSK:-}" ]; then
	if [ -x "$REPO_ROOT/husk" ]; then
		HUSK=$REPO_ROOT/husk
	else
		HUSK=$REPO_ROOT/build/husk
	fi
fi
HUSK=$(realpath "$HUSK")
export HUSK

# One engine command may take this long before it counts as hung.
ENGINE_TIMEOUT=${ENGINE_TIMEOUT:-120}

# The image every test runs: contrib/make-bundle.sh's busybox rootfs.
IMAGE=localhost/husk-busybox:test

# engine_requires CMD...: skip the whole file when an engine is missing
# (contrib/install-deps.sh installs them), or when not root.
engine_requires() {
	local c
	[ "$(id -u)" -eq 0 ] || skip "the engine tests need root"
	for c in "$@"; do
		command -v "$c" >/dev/null ||
			skip "$c is not installed (run contrib/install-deps.sh)"
	done
	[ -x "$HUSK" ] || skip "no husk binary at $HUSK (build it first)"
}

# make_rootfs_tar FILE: a tar of make-bundle.sh's busybox rootfs, to import.
make_rootfs_tar() {
	local b="$BATS_FILE_TMPDIR/bundle"
	"$REPO_ROOT/contrib/make-bundle.sh" "$b" >&2 || return 1
	tar -C "$b/rootfs" -cf "$1" . || return 1
	rm -rf "$b"
}

# remember_absent PATH...: note host paths an engine creates on first use
# (its caches, locks, keys) that did not exist before this file, so that
# forget_created removes them afterwards.
remember_absent() {
	local p
	for p in "$@"; do
		[ -e "$p" ] || echo "$p" >>"$BATS_FILE_TMPDIR/created"
	done
}

forget_created() {
	local p
	[ -f "$BATS_FILE_TMPDIR/created" ] || return 0
	while read -r p; do
		if [ -d "$p" ] && [ ! -L "$p" ]; then
			rm -rf --one-file-system "$p"
		else
			rm -f "$p"
		fi
	done <"$BATS_FILE_TMPDIR/created"
}

# Cgroup parents the engines create for their containers (/libpod_parent,
# /docker): removed at the end when they did not exist before and are empty.
remember_cgroup_parent() {
	local name=$1 d
	for d in /sys/fs/cgroup/*/"$name" /sys/fs/cgroup/"$name"; do
		[ -d "$d" ] && return 0
	done
	echo "$name" >>"$BATS_FILE_TMPDIR/cgroup-parents"
}

forget_cgroup_parents() {
	local name
	[ -f "$BATS_FILE_TMPDIR/cgroup-parents" ] || return 0
	while read -r name; do
		find /sys/fs/cgroup -maxdepth 3 -depth -type d -path "*/$name*" \
			-exec rmdir {} + 2>/dev/null || true
	done <"$BATS_FILE_TMPDIR/cgroup-parents"
}

# unmount_below DIR: whatever an engine left mounted in its private
# directory (the storage drivers bind their own home), deepest first.
unmount_below() {
	awk -v d="$1/" 'index($5 "/", d) == 1 { print $5 }' /proc/self/mountinfo | sort -r |
		while read -r m; do umount -l "$m" || true; done
}

# stop_pid PIDFILE|PID NAME: SIGTERM, wait up to 30 s, then SIGKILL.
stop_pid() {
	local pid=$1 name=$2 i
	[ -f "$pid" ] && pid=$(cat "$pid")
	[ -n "$pid" ] || return 0
	kill -0 "$pid" 2>/dev/null || return 0
	kill -TERM "$pid"
	for ((i = 0; i < 300; i++)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	echo "$name ($pid) ignored SIGTERM for 30 s: killing it" >&2
	kill -KILL "$pid"
}

# retry ATTEMPTS DELAY CMD...: run CMD until it succeeds.
retry() {
	local attempts=$1 delay=$2 i
	shift 2
	for ((i = 0; i < attempts; i++)); do
		run "$@"
		[ "$status" -eq 0 ] && return 0
		sleep "$delay"
	done
	echo "command \"$*\" failed $attempts times; last output: $output" >&2
	return 1
}

# tty_run CMD...: run CMD with a terminal on its stdio (script(1) gives it
# a pty), like an interactive shell would.  Sets $status and $output.
tty_run() {
	local q
	printf -v q '%q ' "$@"
	run timeout -k 5 "$ENGINE_TIMEOUT" script -qec "$q" /dev/null
}

# check_gone RUNTIME_ROOT LAYERS ID...: nothing of these containers is
# left: no husk state under the root the engine gave husk, no cgroup, no
# process naming them (conmon and containerd-shim carry the ID on their
# command lines), no mount naming them or below LAYERS, the directory of
# the engine's storage driver where their root filesystems are mounted.
# Cgroups and processes may take a moment to go.
check_gone() {
	local root=$1 layers=$2 id leaks="" mounts
	shift 2
	for id in "$@"; do
		[ ! -e "$root/$id" ] || leaks+="husk state left: $root/$id"$'\n'
	done
	if [ $# -gt 0 ]; then
		retry 100 0.1 leftover_cgroups "$@" || leaks+="cgroups left: $output"$'\n'
		retry 100 0.1 leftover_processes "$@" || leaks+="processes left: $output"$'\n'
		mounts=$(grep -F "$(printf '%s\n' "$@")" /proc/self/mountinfo || true)
		[ -z "$mounts" ] || leaks+="mounts left: $mounts"$'\n'
	fi
	mounts=$(awk -v d="$layers/" 'index($5, d) == 1' /proc/self/mountinfo)
	[ -z "$mounts" ] || leaks+="mounts left below $layers: $mounts"$'\n'
	if [ -n "$leaks" ]; then
		echo "LEAK CHECK FAILED:" >&2
		echo "$leaks" >&2
		return 1
	fi
}

leftover_cgroups() {
	local found
	found=$(find /sys/fs/cgroup -maxdepth 5 -type d 2>/dev/null | grep -F "$(printf '%s\n' "$@")")
	[ -z "$found" ] || {
		echo "$found"
		return 1
	}
}

leftover_processes() {
	local found
	found=$(ps -eo pid=,args= | grep -F "$(printf '%s\n' "$@")" | grep -v -e ' grep ' -e "ps -eo" || true)
	[ -z "$found" ] || {
		echo "$found"
		return 1
	}
}

# v1_or_v2 V1FILE V2FILE: the one this host's memory/pids hierarchy uses.
cgroup_is_v1() {
	[ -d /sys/fs/cgroup/memory ] && ! [ -e /sys/fs/cgroup/cgroup.controllers ]
}

# memory_limit_file, pids_limit_file: relative to a container's cgroup.
memory_limit_file() {
	if cgroup_is_v1; then echo memory.limit_in_bytes; else echo memory.max; fi
}

# host_cgroup_dir CONTROLLER PID: where the host sees PID's cgroup for
# CONTROLLER (v1), or its cgroup2 directory.
host_cgroup_dir() {
	local ctrl=$1 pid=$2 path
	if cgroup_is_v1; then
		path=$(awk -F: -v c="$ctrl" '{ n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3 }' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup/$ctrl$path"
	else
		path=$(awk -F: '$1 == "0" { print $3 }' "/proc/$pid/cgroup")
		echo "/sys/fs/cgroup$path"
	fi
}
