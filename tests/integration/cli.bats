#!/usr/bin/env bats
# Global flags, help, version, usage errors and --log.

load helpers

@test "--version prints the husk version and the spec version" {
	run "$HUSK" --version
	assert_success
	assert_line --regexp '^husk version [0-9]+\.[0-9]+\.[0-9]+'
	assert_line --regexp '^spec: [0-9]+\.[0-9]+\.[0-9]+'
}

@test "--help exits 0 and lists the commands" {
	run "$HUSK" --help
	assert_success
	local c
	for c in create start run state kill delete list spec; do
		assert_output --partial "$c"
	done
}

@test "<command> --help exits 0" {
	local c
	for c in create start run state kill delete list spec; do
		run "$HUSK" "$c" --help
		assert_success
		[ -n "$output" ] || fail "$c --help printed nothing"
	done
}

@test "an unknown command fails with a usage error" {
	run "$HUSK" frobnicate
	assert_failure
	assert_output --partial frobnicate
}

@test "an unknown global flag fails with a usage error" {
	run "$HUSK" --no-such-flag list
	assert_failure
	assert_output --partial no-such-flag
}

@test "an unknown command flag fails with a usage error" {
	run husk list --no-such-flag
	assert_failure
	assert_output --partial no-such-flag
}

@test "a missing container ID is a usage error" {
	run husk state
	assert_failure
	[ -n "$output" ] || fail "no error message"
}

@test "--log --log-format json writes JSON lines ending in the error" {
	local log=$BATS_TEST_TMPDIR/husk.log
	set_args /nonexistent-hk-binary
	run husk --log "$log" --log-format json run --bundle "$BUNDLE" "$(cid log)"
	assert_failure
	[ -s "$log" ] || fail "log file is empty"
	local line n=0
	while IFS= read -r line; do
		n=$((n + 1))
		jq -e 'has("level") and has("msg") and has("time")' >/dev/null <<<"$line" ||
			fail "log line $n is not a JSON record with level, msg, time: $line"
	done <"$log"
	local last
	last=$(tail -n 1 "$log")
	assert_equal "$(jq -r .level <<<"$last")" error
	[[ "$(jq -r .msg <<<"$last")" == *nonexistent-hk-binary* ]] ||
		fail "last log record does not name what failed: $last"
}

@test "without --log an error is one line on stderr" {
	local err=$BATS_TEST_TMPDIR/stderr
	local id
	id=$(cid nosuch)
	status=0
	husk state "$id" >"$BATS_TEST_TMPDIR/stdout" 2>"$err" || status=$?
	[ "$status" -ne 0 ] || fail "state of an unknown container succeeded"
	[ ! -s "$BATS_TEST_TMPDIR/stdout" ] || fail "error went to stdout: $(cat "$BATS_TEST_TMPDIR/stdout")"
	assert_equal "$(wc -l <"$err")" 1
	grep -q "does not exist" "$err" || fail "stderr: $(cat "$err")"
}
