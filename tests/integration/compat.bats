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
