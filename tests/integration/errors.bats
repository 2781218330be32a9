#!/usr/bin/env bats
# Bad input fails with a clear message and leaves nothing behind.  teardown()
# checks state, mounts, processes and cgroups; each test also checks that
# `husk list -q` is empty.

load helpers

assert_no_containers() {
	run husk list -q
	assert_success
	assert_output ""
}

# create_fails [MESSAGE]: create and run both fail (mentioning MESSAGE).
create_fails() {
	local what
	for what in create run; do
		hrun "$what" --bundle "$BUNDLE" "$(cid "bad-$what")"
		assert_failure
		if [ -n "${1:-}" ]; then
			assert_output --partial "$1"
		fi
		assert_no_containers
	done
}

@test "errors: missing bundle directory" {
	BUNDLE=$BATS_TEST_TMPDIR/no-such-bundle
	create_fails
}

@test "errors: missing rootfs" {
	rm -rf "$BUNDLE/rootfs"
	create_fails
}

@test "errors: missing config.json" {
	rm -f "$BUNDLE/config.json"
	create_fails config.json
}

@test "errors: truncated config.json" {
	head -c 200 "$BUNDLE/config.json" >"$BUNDLE/c.new"
	mv "$BUNDLE/c.new" "$BUNDLE/config.json"
	create_fails config.json
}

@test "errors: process.args of the wrong type names the JSON path" {
	update_config '.process.args = 5'
	create_fails process.args
}

@test "errors: unknown namespace type names linux.namespaces" {
	update_config '.linux.namespaces += [{"type": "foo"}]'
	create_fails linux.namespaces
}

@test "errors: nonexistent executable is named" {
	set_args /nonexistent
	create_fails /nonexistent
}

@test "errors: duplicate ID fails and the first container is unharmed" {
	local id
	id=$(cid dup)
	set_args sleep 100
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	local pid
	pid=$(husk state "$id" | jq -r .pid)

	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "already exists"
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "already exists"

	assert_equal "$(container_status "$id")" created
	assert_equal "$(husk state "$id" | jq -r .pid)" "$pid"
	run husk start "$id"
	assert_success
	wait_for_status "$id" running
	run husk list -q
	assert_output "$id"
}

# invalid_id ID: every command that takes an ID refuses it.
invalid_id() {
	local id=$1
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "invalid container ID"
	hrun run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "invalid container ID"
	run husk state "$id"
	assert_failure
	run husk delete --force "$id"
	# --force forgives a missing container, not a malformed ID.
	assert_failure
	assert_no_containers
	[ ! -e "$BATS_TEST_TMPDIR/x" ] || fail "something was created outside the state root"
}

@test "errors: invalid ID ../x" {
	invalid_id "../x"
}

@test "errors: invalid ID a/b" {
	invalid_id "a/b"
}

@test "errors: invalid ID empty" {
	invalid_id ""
}

@test "errors: invalid ID of 1024 characters" {
	invalid_id "$(printf 'a%.0s' {1..1024})"
}

@test "errors: invalid ID with a newline" {
	invalid_id "$(printf 'hk\nx')"
}

@test "errors: commands on an unknown container say it does not exist" {
	local id c
	id=$(cid nosuch)
	for c in state start delete; do
		run husk "$c" "$id"
		assert_failure
		assert_output --partial "does not exist"
	done
	run husk kill "$id" TERM
	assert_failure
	assert_output --partial "does not exist"
	assert_no_containers
}

@test "errors: unknown signal on kill leaves the container running" {
	local id
	id=$(cid badsig)
	set_args sleep 100
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk kill "$id" NOTASIGNAL
	assert_failure
	assert_output --partial "unknown signal"
	assert_equal "$(container_status "$id")" running
}
