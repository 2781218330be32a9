#!/usr/bin/env bats
# process.terminal with --console-socket: the pty is made inside the
# container and its master handed over with SCM_RIGHTS.

load helpers

setup_file() {
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/recvtty" "$BATS_TEST_DIRNAME/recvtty.c"
}

# start_recvtty: a peer listening on $SOCK that writes to $TTY_OUT.
start_recvtty() {
	SOCK="$BATS_TEST_TMPDIR/console.sock"
	TTY_OUT="$BATS_TEST_TMPDIR/tty.out"
	"$BATS_FILE_TMPDIR/recvtty" "$SOCK" "$TTY_OUT" 3>&- &
	RECV_PID=$!
	retry 50 0.1 test -S "$SOCK" || fail "recvtty did not listen"
}

@test "terminal: the process gets a pty from the console socket, with consoleSize" {
	local id
	id=$(cid tty)
	start_recvtty
	set_args sh -c 'tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-tty'
	update_config '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
	run husk run --console-socket "$SOCK" --bundle "$BUNDLE" "$id"
	assert_success
	wait "$RECV_PID"
	run cat "$TTY_OUT"
	assert_line --index 0 /dev/ptmx
	assert_output --partial "/dev/pts/0"
	assert_output --partial "30 100"
	assert_output --partial "all-tty"
}

@test "terminal: without --console-socket, create refuses and names the setting" {
	local id
	id=$(cid tty-nosock)
	update_config '.process.terminal = true'
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "process.terminal"
	assert_output --partial "--console-socket"
}

@test "terminal: a console socket nobody listens on fails create cleanly" {
	local id
	id=$(cid tty-dead)
	update_config '.process.terminal = true'
	hrun create --console-socket "$BATS_TEST_TMPDIR/nobody.sock" --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "--console-socket"
	assert_output --partial "nobody.sock"
}

@test "terminal: exec -t gets its own pty through the console socket" {
	local id
	id=$(cid tty-exec)
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	start_recvtty
	run husk exec -t --console-socket "$SOCK" "$id" sh -c 'tty; test -t 0 && echo stdin-tty'
	assert_success
	wait "$RECV_PID"
	run cat "$TTY_OUT"
	assert_line --index 0 /dev/ptmx
	assert_output --partial "/dev/pts/"
	assert_output --partial "stdin-tty"
}

@test "terminal: exec -t -d without --console-socket is refused, nothing is left" {
	local id
	id=$(cid tty-exec-nosock)
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	hrun exec -t -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$id" sleep 999
	assert_failure
	assert_output "husk: exec: a terminal (-t) with --detach needs --console-socket"
	[ ! -e "$BATS_TEST_TMPDIR/exec.pid" ] || fail "a pid file was written"
	run husk ps --format json "$id"
	assert_success
	assert_equal "$(echo "$output" | jq length)" 1
}

@test "terminal: a console socket path that does not exist or is not a socket" {
	local id
	id=$(cid tty-notsock)
	update_config '.process.terminal = true'
	hrun create --console-socket "$BATS_TEST_TMPDIR/missing.sock" --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output "husk: --console-socket \`$BATS_TEST_TMPDIR/missing.sock\`: No such file or directory"
	: >"$BATS_TEST_TMPDIR/file"
	hrun create --console-socket "$BATS_TEST_TMPDIR/file" --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output "husk: --console-socket \`$BATS_TEST_TMPDIR/file\`: not a unix socket"
	run husk list -q
	assert_output ""
}
