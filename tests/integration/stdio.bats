#!/usr/bin/env bats
# Without a terminal the process gets husk's own stdin, stdout and stderr:
# nothing is copied, buffered or reordered on the way.  Signals sent to a
# foreground run or exec go to the process.

load helpers

# start_sleeper ID: a running container.
start_sleeper() {
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$1"
	assert_success
	wait_for_status "$1" running
}

@test "stdio: 5 MB of binary data through a pipe, run and exec" {
	local id sum
	head -c 5000000 /dev/urandom >"$BATS_TEST_TMPDIR/in"
	sum=$(sha256sum <"$BATS_TEST_TMPDIR/in")
	id=$(cid pipe)
	set_args sh -c 'cat'
	run bash -c "cat '$BATS_TEST_TMPDIR/in' | $(printf '%q ' "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id") 3>&- | sha256sum"
	assert_success
	assert_output "$sum"

	id=$(cid pipe-exec)
	start_sleeper "$id"
	run bash -c "cat '$BATS_TEST_TMPDIR/in' | $(printf '%q ' "$HUSK" --root "$HUSK_ROOT" exec "$id" cat) 3>&- | sha256sum"
	assert_success
	assert_output "$sum"
}

@test "stdio: the process's stdout and stdin are husk's own pipes" {
	local id
	id=$(cid same)
	set_args sh -c 'readlink /proc/self/fd/0; readlink /proc/self/fd/1'
	# The reader prints its own stdin after the container's lines: the
	# same pipe, not a copy made by husk.
	run bash -c ": | $(printf '%q ' "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id") 3>&- | { cat; readlink /proc/self/fd/0; }"
	assert_success
	assert_equal "${#lines[@]}" 3
	assert_line --index 0 --regexp '^pipe:\[[0-9]+\]$'
	assert_equal "${lines[1]}" "${lines[2]}"
	[ "${lines[0]}" != "${lines[1]}" ] || fail "stdin and stdout are the same pipe"
}

@test "stdio: stdout and stderr stay apart, and in order when they share a pipe" {
	local id
	id=$(cid split)
	set_args sh -c 'echo out1; echo err1 >&2; echo out2; echo err2 >&2'
	husk run --bundle "$BUNDLE" "$id" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" $'out1\nout2'
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" $'err1\nerr2'
	id=$(cid merged)
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_output $'out1\nerr1\nout2\nerr2'
}

@test "stdio: stdin from a file, and from /dev/null" {
	local id
	printf 'line one\nline two\n' >"$BATS_TEST_TMPDIR/in"
	id=$(cid file)
	set_args sh -c 'test -t 0 || echo not-a-tty; wc -l; cat'
	run husk run --bundle "$BUNDLE" "$id" <"$BATS_TEST_TMPDIR/in"
	assert_success
	assert_line --index 0 not-a-tty
	assert_line --index 1 --regexp '^ *2$'
	# wc read it all: cat got nothing, the file offset is shared.
	assert_equal "${#lines[@]}" 2
	id=$(cid null)
	set_args sh -c 'cat; echo "eof:$?"'
	run husk run --bundle "$BUNDLE" "$id" </dev/null
	assert_success
	assert_output "eof:0"
}

@test "stdio: signals sent to a foreground run reach the container's process" {
	local id pid st
	id=$(cid sig)
	set_args sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 7" TERM; echo ready; while :; do sleep 0.1; done'
	# The binary itself, not the husk() wrapper: the signal must reach husk.
	"$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id" >"$BATS_TEST_TMPDIR/out" 2>&1 </dev/null 3>&- &
	pid=$!
	retry 100 0.1 grep -qx ready "$BATS_TEST_TMPDIR/out" || fail "no ready: $(cat "$BATS_TEST_TMPDIR/out")"
	kill -USR1 "$pid"
	retry 100 0.1 grep -qx got-usr1 "$BATS_TEST_TMPDIR/out" || fail "USR1 not seen: $(cat "$BATS_TEST_TMPDIR/out")"
	kill -TERM "$pid"
	wait "$pid" && st=0 || st=$?
	assert_equal "$st" 7
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" $'ready\ngot-usr1\ngot-term'
	run husk list -q
	assert_output ""
}

@test "stdio: signals sent to a foreground exec reach its process" {
	local id pid st
	id=$(cid exec-sig)
	start_sleeper "$id"
	"$HUSK" --root "$HUSK_ROOT" exec "$id" sh -c 'trap "echo got-usr1" USR1; trap "echo got-hup; exit 3" HUP; echo ready; while :; do sleep 0.1; done' \
		>"$BATS_TEST_TMPDIR/out" 2>&1 </dev/null 3>&- &
	pid=$!
	retry 100 0.1 grep -qx ready "$BATS_TEST_TMPDIR/out" || fail "no ready: $(cat "$BATS_TEST_TMPDIR/out")"
	kill -USR1 "$pid"
	retry 100 0.1 grep -qx got-usr1 "$BATS_TEST_TMPDIR/out" || fail "USR1 not seen: $(cat "$BATS_TEST_TMPDIR/out")"
	kill -HUP "$pid"
	wait "$pid" && st=0 || st=$?
	assert_equal "$st" 3
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" $'ready\ngot-usr1\ngot-hup'
	# The container itself is untouched.
	assert_equal "$(container_status "$id")" running
}
