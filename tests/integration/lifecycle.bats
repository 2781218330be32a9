#!/usr/bin/env bats
# create / start / state / kill / delete, and run -d, pid files.

load helpers

@test "lifecycle: create, start, kill, delete" {
	local id
	id=$(cid life)
	set_args sleep 100
	hrun create --bundle "$BUNDLE" "$id"
	assert_success

	run husk state "$id"
	assert_success
	assert_equal "$(jq -r .status <<<"$output")" created
	local pid
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 0 ] || fail "pid of a created container is '$pid'"
	[ -d "/proc/$pid" ] || fail "pid $pid of the created container is not alive"

	run husk start "$id"
	assert_success
	wait_for_status "$id" running
	assert_equal "$(husk state "$id" | jq -r .pid)" "$pid"

	run husk kill "$id" KILL
	assert_success
	wait_for_status "$id" stopped

	run husk delete "$id"
	assert_success
	run husk state "$id"
	assert_failure
	assert_output --partial "does not exist"
	run husk list -q
	assert_output ""
}

@test "lifecycle: a process that exits by itself leaves the container stopped" {
	local id
	id=$(cid exits)
	set_args true
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	run husk start "$id"
	assert_success
	wait_for_status "$id" stopped
	run husk delete "$id"
	assert_success
	run husk state "$id"
	assert_failure
}

@test "lifecycle: create does not run the process before start" {
	local id shared
	id=$(cid gate)
	shared=$BATS_TEST_TMPDIR/shared
	mkdir -p "$shared"
	update_config --arg src "$shared" \
		'.mounts += [{"destination": "/shared", "type": "bind", "source": $src, "options": ["rbind", "rw"]}]'
	set_args sh -c 'echo started >/shared/marker; sleep 100'
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	sleep 0.3
	[ ! -e "$shared/marker" ] || fail "the process ran before start"
	assert_equal "$(container_status "$id")" created

	run husk start "$id"
	assert_success
	retry 50 0.1 test -e "$shared/marker" || fail "the process did not run after start"
	assert_equal "$(cat "$shared/marker")" started
	assert_equal "$(container_status "$id")" running
}

@test "lifecycle: start twice fails" {
	local id
	id=$(cid twice)
	set_args sleep 100
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	run husk start "$id"
	assert_success
	run husk start "$id"
	assert_failure
	assert_equal "$(container_status "$id")" running
}

@test "run -d returns with the container running" {
	local id
	id=$(cid detach)
	set_args sleep 100
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	assert_equal "$(container_status "$id")" running
}

@test "run releases init over its sync socket: no exec fifo, unlike create" {
	local id listing=$BATS_TEST_TMPDIR/listing
	set_args sleep 100
	# createRuntime runs after the fifo is made and before init waits on
	# it: list the state directory from there.
	update_config --arg f "$listing" --arg root "$HUSK_ROOT" \
		'.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "/usr/bin/jq -r .id | { read id; /bin/ls \"\($root)/$id\"; } > \($f)"]}]'
	id=$(cid nofifo)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	assert_equal "$(container_status "$id")" running
	run grep -c . "$listing"
	assert_success
	run grep -x exec.fifo "$listing"
	assert_failure
	id=$(cid fifo)
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	run grep -x exec.fifo "$listing"
	assert_success
	run husk start "$id"
	assert_success
	wait_for_status "$id" running
}

@test "run -d --pid-file writes the container's pid" {
	local id pidfile=$BATS_TEST_TMPDIR/run.pid
	id=$(cid runpid)
	set_args sleep 100
	hrun run -d --pid-file "$pidfile" --bundle "$BUNDLE" "$id"
	assert_success
	[ -s "$pidfile" ] || fail "pid file is empty or missing"
	assert_equal "$(cat "$pidfile")" "$(husk state "$id" | jq -r .pid)"
	assert_equal "$(readlink "/proc/$(cat "$pidfile")/exe" | xargs basename)" busybox
}

@test "create --pid-file writes the container's pid" {
	local id pidfile=$BATS_TEST_TMPDIR/create.pid
	id=$(cid createpid)
	set_args sleep 100
	hrun create --pid-file "$pidfile" --bundle "$BUNDLE" "$id"
	assert_success
	[ -s "$pidfile" ] || fail "pid file is empty or missing"
	assert_equal "$(cat "$pidfile")" "$(husk state "$id" | jq -r .pid)"
	[ -d "/proc/$(cat "$pidfile")" ] || fail "pid from the pid file is not alive"
}

@test "delete: a running container needs --force" {
	local id
	id=$(cid delrunning)
	set_args sleep 100
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	local pid
	pid=$(husk state "$id" | jq -r .pid)

	run husk delete "$id"
	assert_failure
	assert_equal "$(container_status "$id")" running

	run husk delete --force "$id"
	assert_success
	run husk state "$id"
	assert_failure
	retry 30 0.1 test ! -d "/proc/$pid" || fail "process $pid survived delete --force"
}

@test "delete: a created container with --force" {
	local id
	id=$(cid delcreated)
	set_args sleep 100
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	assert_equal "$(container_status "$id")" created
	local pid
	pid=$(husk state "$id" | jq -r .pid)
	[ -d "/proc/$pid" ] || fail "created container's pid $pid is not alive"
	run husk delete --force "$id"
	assert_success
	run husk state "$id"
	assert_failure
	run husk list -q
	assert_output ""
	retry 30 0.1 test ! -d "/proc/$pid" || fail "process $pid survived delete --force"
}

@test "delete --force of an unknown container succeeds" {
	run husk delete --force "$(cid nosuch)"
	assert_success
}

@test "delete of an unknown container fails" {
	run husk delete "$(cid nosuch)"
	assert_failure
	assert_output --partial "does not exist"
}
