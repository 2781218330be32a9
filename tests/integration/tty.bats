#!/usr/bin/env bats
# process.terminal without --console-socket: a foreground `run` or `exec -t`
# relays the container's pty to husk's own stdin and stdout.  husk gets a
# terminal from tmux (interactive: keys, resizes, signals) or script(1).

load helpers

teardown() {
	# The pane's husk gets SIGHUP and the containers go with the cleanup.
	[ -z "${TMUX_SOCK:-}" ] || tmux -L "$TMUX_SOCK" kill-server 2>/dev/null || true
	cd /
	cleanup_containers
	check_no_leaks
}

# in_tmux HUSK-ARGS...: husk with HUSK-ARGS in the one pane (100x40) of a
# private tmux server.  The pane records husk's exit status in $T/rc and
# the terminal's settings before and after in $T/stty.{before,after}.
in_tmux() {
	local q
	T=$BATS_TEST_TMPDIR
	q=$(printf ' %q' "$@")
	cat >"$T/pane.sh" <<-EOF
		#!/bin/bash
		cd /
		stty -g >"$T/stty.before"
		"$HUSK" --root "$HUSK_ROOT"$q
		echo \$? >"$T/rc"
		stty -g >"$T/stty.after"
	EOF
	chmod +x "$T/pane.sh"
	printf '%s\n' 'set -g status off' 'set -g remain-on-exit on' >"$T/tmux.conf"
	TMUX_SOCK=$HK_PREFIX
	tmux -L "$TMUX_SOCK" -f "$T/tmux.conf" new-session -d -x 100 -y 40 "$T/pane.sh" 3>&-
	PANE_TTY=$(tmux -L "$TMUX_SOCK" display-message -p '#{pane_tty}')
}

keys() {
	tmux -L "$TMUX_SOCK" send-keys "$@"
}

pane_has() {
	tmux -L "$TMUX_SOCK" capture-pane -p -J -S - | grep -qE -- "$1"
}

# wait_pane REGEX: the pane shows a line matching REGEX (within ~10 s).
wait_pane() {
	retry 100 0.1 pane_has "$1" ||
		fail "the pane never showed /$1/: $(tmux -L "$TMUX_SOCK" capture-pane -p -J -S -)"
}

# wait_rc STATUS: husk exited with STATUS and left the terminal as it was.
wait_rc() {
	retry 100 0.1 test -s "$T/rc" || fail "husk did not exit: $(tmux -L "$TMUX_SOCK" capture-pane -p -J -S -)"
	assert_equal "$(cat "$T/rc")" "$1"
	assert_equal "$(cat "$T/stty.after")" "$(cat "$T/stty.before")"
}

# The output of a terminal: lines end in CR LF.
strip_cr() {
	output=${output//$'\r'/}
	mapfile -t lines <<<"$output"
}

# script_run COMMAND: run COMMAND under script(1), whose stdin stays open
# (at the end of its stdin, script would type ^D into its terminal).
script_run() {
	mkfifo "$BATS_TEST_TMPDIR/script.in"
	run script -qec "$1" /dev/null <>"$BATS_TEST_TMPDIR/script.in"
}

# The pid of the husk running in the pane.
pane_husk_pid() {
	pgrep -P "$(tmux -L "$TMUX_SOCK" display-message -p '#{pane_pid}')"
}

@test "tty: run relays the terminal: a pty inside, the outer size, typed input, raw mode, resize, exit status" {
	local id
	id=$(cid run)
	update_config '.process.terminal = true | .process.consoleSize = {"height": 10, "width": 20}'
	set_args sh
	cat >"$BUNDLE/rootfs/winch.sh" <<-'EOF'
		trap 'echo "winch:$(stty size)"; exit 0' WINCH
		echo waiting
		while :; do sleep 0.1; done
	EOF
	in_tmux run --bundle "$BUNDLE" "$id"
	wait_pane '^/ # '
	keys 'tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-tty' Enter
	wait_pane '^all-tty'
	pane_has '^/dev/pts/[0-9]+$' || fail "tty did not print a pty"
	# The outer terminal's size wins over consoleSize, as with runc.
	pane_has '^40 100$' || fail "the size is not the outer terminal's"

	# While husk relays, its terminal is raw: the container's does the
	# echo and the line editing.
	run stty -a -F "$PANE_TTY"
	assert_output --regexp '(^|[[:space:]])-icanon([[:space:]]|$)'
	assert_output --regexp '(^|[[:space:]])-echo([[:space:]]|$)'
	assert_output --regexp '(^|[[:space:]])-isig([[:space:]]|$)'

	keys 'read line; echo "got:$line"' Enter
	keys 'typed words' Enter
	wait_pane '^got:typed words$'

	# A resize reaches the container's terminal and its foreground process.
	keys 'sh /winch.sh' Enter
	wait_pane '^waiting$'
	tmux -L "$TMUX_SOCK" resize-window -x 120 -y 30
	wait_pane '^winch:30 120$'

	keys 'exit 3' Enter
	wait_rc 3
}

@test "tty: ^C typed goes to the container's process, not to husk" {
	local id
	id=$(cid intr)
	update_config '.process.terminal = true'
	set_args sh -c 'trap "echo got-int; exit 8" INT; echo ready; while :; do sleep 0.1; done'
	in_tmux run --bundle "$BUNDLE" "$id"
	wait_pane '^ready$'
	keys C-c
	# (the container's terminal echoes the ^C itself)
	wait_pane 'got-int$'
	wait_rc 8
}

@test "tty: a signal sent to a relaying husk is forwarded; the terminal is restored" {
	local id pid
	id=$(cid sig)
	update_config '.process.terminal = true'
	set_args sh -c 'trap "echo got-usr1" USR1; trap "echo got-term; exit 9" TERM; echo ready; while :; do sleep 0.1; done'
	in_tmux run --bundle "$BUNDLE" "$id"
	wait_pane '^ready$'
	pid=$(pane_husk_pid)
	kill -USR1 "$pid"
	wait_pane '^got-usr1$'
	kill -TERM "$pid"
	wait_pane '^got-term$'
	wait_rc 9
	# husk deleted the container on its way out.
	run husk list -q
	assert_output ""
}

@test "tty: the terminal is restored when the container is killed" {
	local id
	id=$(cid killed)
	update_config '.process.terminal = true'
	set_args sh -c 'echo ready; exec sleep 1000'
	in_tmux run --bundle "$BUNDLE" "$id"
	wait_pane '^ready$'
	husk kill "$id" KILL
	wait_rc 137
}

@test "tty: the terminal is restored when the container fails after start" {
	local id
	id=$(cid hookfail)
	update_config '.process.terminal = true | .hooks.startContainer = [{"path": "/bin/false"}]'
	set_args sh
	in_tmux run --bundle "$BUNDLE" "$id"
	wait_rc 1
	wait_pane 'startContainer'
	run husk list -q
	assert_output ""
}

@test "tty: exec -t without --console-socket relays: pty, size, input, resize, exit status" {
	local id
	id=$(cid exec)
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	in_tmux exec -t "$id" sh
	wait_pane '^/ # '
	keys 'tty; stty size; test -t 0 && echo stdin-tty' Enter
	wait_pane '^stdin-tty$'
	pane_has '^/dev/pts/[0-9]+$' || fail "tty did not print a pty"
	pane_has '^40 100$' || fail "the size is not the outer terminal's"
	keys 'read line; echo "got:$line"' Enter
	keys 'from the keyboard' Enter
	wait_pane '^got:from the keyboard$'
	tmux -L "$TMUX_SOCK" resize-window -x 90 -y 25
	keys 'echo "now:$(stty size)"' Enter
	wait_pane '^now:25 90$'
	keys 'exit 4' Enter
	wait_rc 4
	# Only the container's own process is left.
	run husk ps --format json "$id"
	assert_equal "$(echo "$output" | jq length)" 1
}

@test "tty: a signal sent to a relaying exec is forwarded" {
	local id pid
	id=$(cid exec-sig)
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	in_tmux exec -t "$id" sh -c 'trap "echo got-usr1" USR1; trap "exit 6" TERM; echo ready; while :; do sleep 0.1; done'
	wait_pane '^ready$'
	pid=$(pane_husk_pid)
	kill -USR1 "$pid"
	wait_pane '^got-usr1$'
	kill -TERM "$pid"
	wait_rc 6
}

@test "tty: under script(1), stty rows 40 cols 100 outside is the size inside; exit status" {
	local id
	id=$(cid script)
	update_config '.process.terminal = true | .process.consoleSize = {"height": 10, "width": 20}'
	set_args sh -c 'tty; stty size; test -t 0 && test -t 1 && test -t 2 && echo all-tty; exit 5'
	script_run "stty rows 40 cols 100; stty -g >'$BATS_TEST_TMPDIR/before'; $(printf '%q ' "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id") 3>&-; rc=\$?; stty -g >'$BATS_TEST_TMPDIR/after'; exit \$rc"
	assert_equal "$status" 5
	strip_cr
	assert_line --regexp '^/dev/pts/[0-9]+$'
	assert_line "40 100"
	assert_line all-tty
	assert_equal "$(cat "$BATS_TEST_TMPDIR/after")" "$(cat "$BATS_TEST_TMPDIR/before")"
}

@test "tty: an outer terminal of size 0x0 leaves consoleSize" {
	local id
	id=$(cid zero)
	update_config '.process.terminal = true | .process.consoleSize = {"height": 12, "width": 34}'
	set_args sh -c 'stty size'
	# script's pty has no size when its own stdin is no terminal.
	script_run "stty size; $(printf '%q ' "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id") 3>&-"
	assert_success
	strip_cr
	assert_line --index 0 "0 0"
	assert_line --index 1 "12 34"
}

feed() {
	local input=$1
	shift
	printf "$input" | husk "$@"
}

@test "tty: without an outer terminal the relay still works: output, piped lines, EOF" {
	local id
	id=$(cid noterm)
	update_config '.process.terminal = true | .process.consoleSize = {"height": 12, "width": 34}'
	set_args sh -c 'tty; stty size; while read l; do echo "line:$l"; done; echo eof-seen; exit 4'
	run feed 'a\nb\n' run --bundle "$BUNDLE" "$id"
	assert_equal "$status" 4
	strip_cr
	assert_line --regexp '^/dev/pts/[0-9]+$'
	assert_line "12 34"
	assert_line "line:a"
	assert_line "line:b"
	assert_line eof-seen
}

@test "tty: the end of piped input ends a partial line, then reads as EOF" {
	local id
	id=$(cid partial)
	update_config '.process.terminal = true | .process.consoleSize = {"height": 12, "width": 34}'
	set_args sh -c 'stty -echo; echo ready; cat; echo; echo "done"'
	run feed 'no newline' run --bundle "$BUNDLE" "$id"
	assert_success
	strip_cr
	assert_line "no newline"
	assert_line done
}

@test "tty: exec -t without an outer terminal relays output and the exit status" {
	local id
	id=$(cid exec-noterm)
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec -t "$id" sh -c 'tty; test -t 0 && echo stdin-tty; exit 6'
	assert_equal "$status" 6
	strip_cr
	assert_line --regexp '^/dev/pts/[0-9]+$'
	assert_line stdin-tty
}

@test "tty: everything the process wrote before it exited comes out" {
	local id
	id=$(cid drain)
	update_config '.process.terminal = true'
	set_args seq 1 100000
	husk run --bundle "$BUNDLE" "$id" </dev/null | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	seq 1 100000 | cmp - "$BATS_TEST_TMPDIR/out"
	# exec as well
	id=$(cid drain-exec)
	set_args sleep 1000
	update_config '.process.terminal = false'
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	husk exec -t "$id" seq 1 100000 </dev/null | tr -d '\r' >"$BATS_TEST_TMPDIR/out"
	seq 1 100000 | cmp - "$BATS_TEST_TMPDIR/out"
}

@test "tty: run -d with a terminal and no --console-socket is refused, nothing is left" {
	local id
	id=$(cid detach)
	update_config '.process.terminal = true'
	hrun run -d --pid-file "$BATS_TEST_TMPDIR/pid" --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output "husk: $BUNDLE/config.json: process.terminal: a terminal needs --console-socket, or \`run\` in the foreground (or set \"terminal\": false)"
	[ ! -e "$BATS_TEST_TMPDIR/pid" ] || fail "a pid file was written"
	run husk list -q
	assert_output ""
}
