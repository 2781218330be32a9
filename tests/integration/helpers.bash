# Shared helpers for husk's bats suite (modelled on runc's tests/integration).
#
# Every test gets its own state root ($HUSK_ROOT), its own bundle
# ($BUNDLE, made by setup_bundle) and container IDs with a unique prefix
# ($HK_PREFIX, via `cid NAME`).  teardown() removes every container the test
# left and then fails the test if anything leaked: state, mounts, processes
# or cgroups.

load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

INTEGRATION_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO_ROOT=$(cd "$INTEGRATION_ROOT/../.." && pwd)
MAKE_BUNDLE=$REPO_ROOT/contrib/make-bundle.sh

# The binary under test: $HUSK, else ./husk at the repo root, else build/husk.
if [ -z "${HUSK:-}" ]; then
	if [ -x "$REPO_ROOT/husk" ]; then
		HUSK=$REPO_ROOT/husk
	else
		HUSK=$REPO_ROOT/build/husk
	fi
fi
# Upper bound for one husk invocation, so a hung container fails one test
# instead of the whole run.
HUSK_TIMEOUT=${HUSK_TIMEOUT:-60}

# husk with this test's state root.  Always use this (or hrun) in tests.
husk() {
	# fd 3 is bats' own: a container holding it would stall the whole run.
	timeout -k 5 "$HUSK_TIMEOUT" "$HUSK" --root "$HUSK_ROOT" "$@" 3>&-
}

# Like `run husk ARGS`, but stdio goes to a file instead of a pipe.  Needed
# for create and run -d: the container inherits husk's stdout/stderr and
# would keep bats' `run` pipe open until it exits.  Sets $status and $output.
hrun() {
	local out
	out=$(mktemp "$BATS_TEST_TMPDIR/hrun.XXXXXX")
	status=0
	husk "$@" </dev/null >"$out" 2>&1 || status=$?
	output=$(cat "$out")
	# Mirror `run`: show what happened when the test fails.
	echo "husk $* -> status $status: $output"
	return 0
}

# requires FEATURE...: skip only for missing *environment* features, never to
# hide a husk failure.
requires() {
	local f
	for f in "$@"; do
		case "$f" in
		root) [ "$(id -u)" -eq 0 ] || skip "test requires root" ;;
		timens) [ -e /proc/self/ns/time ] || skip "kernel has no time namespace" ;;
		userns) [ -e /proc/self/ns/user ] || skip "kernel has no user namespace" ;;
		cgroupns) [ -e /proc/self/ns/cgroup ] || skip "kernel has no cgroup namespace" ;;
		*) fail "requires: unknown feature $f" ;;
		esac
	done
}

# cid NAME: a container ID unique to this test, remembered for teardown.
cid() {
	local id="$HK_PREFIX$1"
	echo "$id" >>"$BATS_TEST_TMPDIR/.ids"
	echo "$id"
}

# setup_bundle [-- CMD ARGS...]: fresh busybox bundle in $BUNDLE.  The rootfs
# is built once per run and copied.
setup_bundle() {
	local cache="$BATS_RUN_TMPDIR/bundle-cache"
	(
		flock 9
		if [ ! -e "$cache/.done" ]; then
			rm -rf "$cache"
			"$MAKE_BUNDLE" "$cache" >&2 && touch "$cache/.done"
		fi
	) 9>"$BATS_RUN_TMPDIR/bundle-cache.lock" || fail "make-bundle.sh failed"
	BUNDLE=$(mktemp -d "$BATS_TEST_TMPDIR/bundle.XXXXXX")
	cp -a "$cache/." "$BUNDLE/"
	rm -f "$BUNDLE/.done"
	echo "$BUNDLE" >>"$BATS_TEST_TMPDIR/.bundles"
	if [ "${1:-}" = "--" ]; then
		shift
		set_args "$@"
	fi
}

# use_userns: give $BUNDLE's config a user namespace mapping root to host
# uid/gid 100000, and let that uid reach the rootfs (bats makes its
# temporary directories 0700).
use_userns() {
	local d=$BUNDLE
	while [ "$d" != / ]; do
		chmod o+x "$d"
		d=$(dirname "$d")
	done
	update_config '.linux.namespaces |= (map(select(.type != "user")) + [{"type": "user"}])
		| .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]'
}

# set_args CMD ARGS...: process.args of $BUNDLE's config.
set_args() {
	local a jqargs=() i=0
	for a in "$@"; do
		jqargs+=(--arg "a$i" "$a")
		i=$((i + 1))
	done
	update_config "${jqargs[@]}" --argjson n "$#" \
		'.process.args = [range(0; $n) as $i | $ARGS.named["a\($i)"]]'
}

# update_config [JQ OPTIONS] 'jq expr': edit $BUNDLE/config.json in place.
update_config() {
	local cfg="$BUNDLE/config.json"
	jq "$@" "$cfg" >"$cfg.new" || fail "update_config: jq $* failed"
	mv -f "$cfg.new" "$cfg"
}

# retry ATTEMPTS DELAY CMD...: run CMD until it succeeds.
retry() {
	local attempts=$1 delay=$2 i
	shift 2
	for ((i = 0; i < attempts; i++)); do
		run "$@"
		if [ "$status" -eq 0 ]; then
			return 0
		fi
		sleep "$delay"
	done
	echo "command \"$*\" failed $attempts times; last output: $output" >&2
	return 1
}

# container_status ID: prints the status field of `husk state ID`.
container_status() {
	husk state "$1" 2>/dev/null | jq -r .status
}

status_is() {
	[ "$(container_status "$1")" = "$2" ]
}

# wait_for_status ID STATUS: within about 5 seconds.
wait_for_status() {
	retry 50 0.1 status_is "$1" "$2" ||
		fail "container $1 did not reach status $2 (now: $(container_status "$1"))"
}

# host_ns NAME: the host's namespace link, e.g. "pid:[4026531836]".
host_ns() {
	readlink "/proc/$$/ns/$1"
}

setup() {
	HK_PREFIX="hk-${BATS_SUITE_TEST_NUMBER:-$BATS_TEST_NUMBER}-$RANDOM$RANDOM-"
	HUSK_ROOT="$BATS_TEST_TMPDIR/state"
	mkdir -p "$HUSK_ROOT"
	: >"$BATS_TEST_TMPDIR/.ids"
	: >"$BATS_TEST_TMPDIR/.bundles"
	setup_bundle
}

teardown() {
	cd / # our own cwd must not count as a leak
	cleanup_containers
	check_no_leaks
}

cleanup_containers() {
	local ids id
	ids=$( (
		cat "$BATS_TEST_TMPDIR/.ids" 2>/dev/null
		husk list -q 2>/dev/null
	) | sort -u)
	for id in $ids; do
		husk delete --force "$id" >/dev/null 2>&1 || true
	done
}

# Everything the test's containers could leave behind.  Processes and
# cgroups can take a moment to go after a SIGKILL, hence the retries.
check_no_leaks() {
	local leaks=""
	local left
	left=$(find "$HUSK_ROOT" -mindepth 1 2>/dev/null)
	[ -z "$left" ] || leaks+="state left under --root: $left"$'\n'

	left=$(grep -F -e "$BATS_TEST_TMPDIR" /proc/self/mountinfo || true)
	[ -z "$left" ] || leaks+="mounts left: $left"$'\n'

	retry 30 0.1 leaked_processes || leaks+="processes left: $output"$'\n'
	retry 30 0.1 leaked_cgroups || leaks+="cgroups left: $output"$'\n'

	# Sanitizer builds (tests/run-all.sh) write reports into this directory;
	# any new one belongs to this test.  Moved aside once reported.
	if [ -n "${HUSK_SANITIZER_LOGS:-}" ] && [ -d "$HUSK_SANITIZER_LOGS" ]; then
		local f
		mkdir -p "$HUSK_SANITIZER_LOGS/reported"
		for f in "$HUSK_SANITIZER_LOGS"/*; do
			[ -f "$f" ] || continue
			leaks+="sanitizer report $f:"$'\n'"$(cat "$f")"$'\n'
			mv "$f" "$HUSK_SANITIZER_LOGS/reported/"
		done
	fi

	if [ -n "$leaks" ]; then
		echo "LEAK CHECK FAILED:" >&2
		echo "$leaks" >&2
		return 1
	fi
}

# Succeeds when no process belongs to the test: none has its root or cwd in
# one of the test's bundles, has one of the test's container IDs in its
# command line (a cloned init that never got to pivot_root still runs
# husk's argv), or sits in a cgroup named after one of them.  Compares
# device:inode too, since a pivot_root'ed process' root link reads "/".
# A few commands for all of /proc: bats' DEBUG trap makes forks slow.
leaked_processes() {
	local bundles roots found
	bundles=$(sed 's|$|/rootfs|' "$BATS_TEST_TMPDIR/.bundles")
	roots=$(cd / && stat -L -c '%d:%i' $bundles 2>/dev/null | tr '\n' ' ')
	found=$(
		{
			find /proc/[0-9]*/root /proc/[0-9]*/cwd -maxdepth 0 -printf '%p %l\n' 2>/dev/null |
				grep -F " $BATS_TEST_TMPDIR/"
			stat -L -c '%n %d:%i' /proc/[0-9]*/root /proc/[0-9]*/cwd 2>/dev/null |
				awk -v roots=" $roots" 'index(roots, " " $2 " ") { print $1 " is in a bundle" }'
			pgrep -a -f -- "$HK_PREFIX" | sed 's/^/command line: /'
			grep -l -F -- "$HK_PREFIX" /proc/[0-9]*/cgroup 2>/dev/null | sed 's/$/ names a test cgroup/'
		} | sort -u
	)
	[ -z "$found" ] || {
		echo "$found"
		return 1
	}
}

# Succeeds when no cgroup directory is named after one of the test's IDs.
leaked_cgroups() {
	local found
	found=$(find /sys/fs/cgroup -maxdepth 6 -type d -name "*$HK_PREFIX*" 2>/dev/null)
	[ -z "$found" ] || {
		echo "$found"
		return 1
	}
}
