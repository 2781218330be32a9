#!/usr/bin/env bats
# husk list and husk state output.

load helpers

# start_two: two running containers, $ID1 and $ID2.
start_two() {
	ID1=$(cid list-a)
	ID2=$(cid list-b)
	set_args sleep 100
	hrun run -d --bundle "$BUNDLE" "$ID1"
	assert_success
	hrun run -d --bundle "$BUNDLE" "$ID2"
	assert_success
}

@test "list: table with a header and one row per container" {
	start_two
	run husk list
	assert_success
	assert_line --index 0 --regexp '^ID +PID +STATUS +BUNDLE +CREATED +OWNER *$'
	assert_equal "${#lines[@]}" 3
	assert_line --regexp "^$ID1 +[0-9]+ +running +$BUNDLE +[0-9TZ:.+-]+ +root *$"
	assert_line --regexp "^$ID2 +[0-9]+ +running +$BUNDLE +[0-9TZ:.+-]+ +root *$"
}

@test "list: with no containers prints only the header" {
	run husk list
	assert_success
	assert_output --regexp '^ID +PID +STATUS +BUNDLE +CREATED +OWNER *$'
}

@test "list -q prints only the IDs" {
	start_two
	run husk list -q
	assert_success
	assert_equal "$(sort <<<"$output")" "$(printf '%s\n' "$ID1" "$ID2" | sort)"
}

@test "list --format json parses and holds the containers" {
	start_two
	run husk list --format json
	assert_success
	run jq -r '.[] | "\(.id) \(.status) \(.bundle) \(.pid)"' <<<"$output"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --regexp "^$ID1 running $BUNDLE [1-9][0-9]*$"
	assert_line --regexp "^$ID2 running $BUNDLE [1-9][0-9]*$"
}

@test "list shows created and stopped containers" {
	local c s
	c=$(cid list-created)
	s=$(cid list-stopped)
	set_args true
	hrun create --bundle "$BUNDLE" "$c"
	assert_success
	hrun create --bundle "$BUNDLE" "$s"
	assert_success
	run husk start "$s"
	assert_success
	wait_for_status "$s" stopped
	run husk list --format json
	assert_success
	assert_equal "$(jq -r --arg id "$c" '.[] | select(.id == $id) | .status' <<<"$output")" created
	assert_equal "$(jq -r --arg id "$s" '.[] | select(.id == $id) | .status' <<<"$output")" stopped
}

@test "state: JSON with ociVersion, id, pid, status and absolute bundle" {
	local id
	id=$(cid state)
	set_args sleep 100
	# A relative --bundle must still be recorded as an absolute path.
	cd "$(dirname "$BUNDLE")"
	hrun run -d --bundle "$(basename "$BUNDLE")" "$id"
	assert_success
	run husk state "$id"
	assert_success
	jq -e . >/dev/null <<<"$output" || fail "state is not JSON: $output"
	assert_equal "$(jq -r .id <<<"$output")" "$id"
	assert_equal "$(jq -r .status <<<"$output")" running
	assert_equal "$(jq -r .bundle <<<"$output")" "$BUNDLE"
	jq -e '.ociVersion | type == "string" and test("^[0-9]+\\.[0-9]+\\.[0-9]+")' >/dev/null <<<"$output" ||
		fail "bad ociVersion in: $output"
	local pid
	pid=$(jq -r .pid <<<"$output")
	[ "$pid" -gt 1 ] || fail "bad pid $pid"
	[ -d "/proc/$pid" ] || fail "pid $pid is not alive"
}

@test "state of an unknown container fails" {
	run husk state "$(cid nosuch)"
	assert_failure
	assert_output --partial "does not exist"
}
