#!/usr/bin/env bats
# husk exec: a new process joins every namespace of a running container and
# gets the process settings; its exit status comes back.

load helpers

# start_sleeper ID: a running container.
start_sleeper() {
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$1"
	assert_success
	wait_for_status "$1" running
}

@test "exec: joins every namespace of the container" {
	local id pid ns
	id=$(cid exec-ns)
	start_sleeper "$id"
	pid=$(husk state "$id" | jq .pid)
	for ns in mnt pid uts ipc net cgroup; do
		run husk exec "$id" readlink "/proc/self/ns/$ns"
		assert_success
		assert_output "$(readlink "/proc/$pid/ns/$ns")"
	done
	run husk exec "$id" hostname
	assert_output husk-demo
}

@test "exec: exit status, and 128+N when killed by signal N" {
	local id
	id=$(cid exec-status)
	start_sleeper "$id"
	run husk exec "$id" sh -c 'exit 7'
	assert_equal "$status" 7
	run husk exec "$id" sh -c 'kill -9 $$'
	assert_equal "$status" 137
	run husk exec "$id" true
	assert_success
}

@test "exec: --env, --cwd, --user and --additional-gids" {
	local id
	id=$(cid exec-opts)
	start_sleeper "$id"
	run husk exec -e FOO=bar --env BAZ=qux --cwd /tmp -u 1000:1000 -g 10 -g 20 "$id" \
		sh -c 'echo "$FOO $BAZ"; pwd; id -u; id -g; id -G'
	assert_success
	assert_line --index 0 "bar qux"
	assert_line --index 1 /tmp
	assert_line --index 2 1000
	assert_line --index 3 1000
	assert_line --index 4 "1000 10 20"
}

@test "exec: the container's env is the default, -e adds to it" {
	local id
	id=$(cid exec-env)
	update_config '.process.env += ["FROM_CONFIG=yes"]'
	start_sleeper "$id"
	run husk exec -e EXTRA=1 "$id" sh -c 'echo "$FROM_CONFIG $EXTRA"'
	assert_success
	assert_output "yes 1"
}

@test "exec: --process takes a process.json" {
	local id
	id=$(cid exec-process)
	start_sleeper "$id"
	cat >"$BATS_TEST_TMPDIR/process.json" <<-'EOF2'
	{"args": ["sh", "-c", "echo json-$A; id -u"], "env": ["A=ok", "PATH=/bin"], "cwd": "/",
	 "user": {"uid": 2000, "gid": 2000}}
	EOF2
	run husk exec --process "$BATS_TEST_TMPDIR/process.json" "$id"
	assert_success
	assert_line --index 0 json-ok
	assert_line --index 1 2000
}

@test "exec: a malformed process.json names the file and the JSON path" {
	local id
	id=$(cid exec-badjson)
	start_sleeper "$id"
	echo '{"args": "not-an-array"}' >"$BATS_TEST_TMPDIR/process.json"
	run husk exec --process "$BATS_TEST_TMPDIR/process.json" "$id"
	assert_failure
	assert_output --partial "process.json"
	assert_output --partial "args"
}

@test "exec: --detach with --pid-file returns while the process runs" {
	local id pid
	id=$(cid exec-detach)
	start_sleeper "$id"
	hrun exec -d --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$id" sleep 100
	assert_success
	pid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	[ -d "/proc/$pid" ] || fail "the exec'd process is not running"
	assert_equal "$(readlink "/proc/$pid/ns/pid")" \
		"$(readlink "/proc/$(husk state "$id" | jq .pid)/ns/pid")"
}

@test "exec: a missing executable fails and names it" {
	local id
	id=$(cid exec-missing)
	start_sleeper "$id"
	run husk exec "$id" /no-such-binary
	assert_failure
	assert_output --partial "/no-such-binary"
}

@test "exec: refused for a stopped or unknown container" {
	local id
	id=$(cid exec-stopped)
	set_args true
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	run husk start "$id"
	wait_for_status "$id" stopped
	run husk exec "$id" true
	assert_failure
	assert_output --partial "not running"
	run husk exec "$(cid exec-unknown)" true
	assert_failure
	assert_output --partial "does not exist"
}

@test "exec: inside a user namespace the process is mapped root" {
	requires userns
	local id
	id=$(cid exec-userns)
	use_userns
	start_sleeper "$id"
	run husk exec "$id" sh -c 'id -u; cat /proc/self/uid_map'
	assert_success
	assert_line --index 0 0
	assert_line --index 1 --regexp '^ +0 +100000 +65536$'
}

@test "exec: signals to a foreground exec reach the process" {
	local id
	id=$(cid exec-signal)
	update_config '.root.readonly = false'
	start_sleeper "$id"
	# The binary itself, not the husk() wrapper: the signal must reach husk.
	"$HUSK" --root "$HUSK_ROOT" exec "$id" sh -c 'trap "exit 5" TERM; echo > /tmp/trap-set; while :; do sleep 0.1; done' 3>&- &
	local ep=$!
	retry 50 0.1 husk exec "$id" test -e /tmp/trap-set || fail "the trap was not set"
	kill -TERM "$ep"
	wait "$ep" && st=0 || st=$?
	assert_equal "$st" 5
}

@test "exec: an execve failure after the lookup is reported" {
	local id
	id=$(cid exec-enoexec)
	printf '\x7fELF-but-not-really' >"$BUNDLE/rootfs/bin/broken"
	chmod +x "$BUNDLE/rootfs/bin/broken"
	start_sleeper "$id"
	run husk exec "$id" /bin/broken
	assert_failure
	assert_output --partial "/bin/broken"
	assert_output --partial "Exec format error"
}

@test "exec: -e replaces a variable the container already sets" {
	local id
	id=$(cid exec-envrepl)
	update_config '.process.env += ["COLOR=red"]'
	start_sleeper "$id"
	run husk exec -e COLOR=blue "$id" sh -c 'env | grep -c ^COLOR=; echo $COLOR'
	assert_success
	assert_line --index 0 1
	assert_line --index 1 blue
}

# procs ID: how many processes the container has.
procs() {
	husk ps --format json "$1" | jq length
}

@test "exec: into a paused container is refused; it stays paused and unchanged" {
	local id
	id=$(cid exec-paused)
	start_sleeper "$id"
	run husk pause "$id"
	assert_success
	run husk exec "$id" true
	assert_failure
	assert_output "husk: cannot exec in container \"$id\": it is paused (resume it first)"
	assert_equal "$(container_status "$id")" paused
	assert_equal "$(procs "$id")" 1
	run husk resume "$id"
	assert_success
	assert_equal "$(container_status "$id")" running
}

@test "exec: a stopped or missing container: one clear line, nothing written" {
	local id
	id=$(cid exec-gone)
	set_args true
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	wait_for_status "$id" stopped
	run husk exec --pid-file "$BATS_TEST_TMPDIR/p" "$id" true
	assert_failure
	assert_output "husk: cannot exec in container \"$id\": it is not running"
	run husk exec --pid-file "$BATS_TEST_TMPDIR/p" "$(cid exec-nosuch)" true
	assert_failure
	assert_output --regexp "^husk: container \"[^\"]*exec-nosuch\" does not exist$"
	[ ! -e "$BATS_TEST_TMPDIR/p" ] || fail "a pid file was written"
	assert_equal "$(container_status "$id")" stopped
}

@test "exec: a malformed process.json names the file and the JSON path; nothing runs" {
	local id f=$BATS_TEST_TMPDIR/process.json
	id=$(cid exec-badjson2)
	start_sleeper "$id"
	echo '{"args": ["true"], "user": {"uid": "root"}}' >"$f"
	run husk exec --process "$f" "$id"
	assert_failure
	assert_output --regexp "^husk: $f: user\.uid: "
	echo '{"args": []}' >"$f"
	run husk exec --process "$f" "$id"
	assert_failure
	assert_output "husk: $f: args: must not be empty"
	echo '{"args": ["true"], "cwd": "tmp"}' >"$f"
	run husk exec --process "$f" "$id"
	assert_failure
	assert_output "husk: $f: cwd: must be an absolute path, got \"tmp\""
	echo '{"args": ["true"],' >"$f"
	run husk exec --process "$f" "$id"
	assert_failure
	assert_output --partial "$f"
	run husk exec --process "$BATS_TEST_TMPDIR/nonexistent.json" "$id"
	assert_failure
	assert_output "husk: --process: open \`$BATS_TEST_TMPDIR/nonexistent.json\`: No such file or directory"
	run husk exec --cwd tmp "$id" true
	assert_failure
	assert_output "husk: exec: --cwd: must be an absolute path, got \"tmp\""
	assert_equal "$(procs "$id")" 1
}

@test "exec: a console socket that does not exist or is not a socket; nothing runs" {
	local id
	id=$(cid exec-badsock)
	start_sleeper "$id"
	run husk exec -t --console-socket "$BATS_TEST_TMPDIR/none.sock" "$id" sleep 100
	assert_failure
	assert_output "husk: --console-socket \`$BATS_TEST_TMPDIR/none.sock\`: No such file or directory"
	: >"$BATS_TEST_TMPDIR/plain"
	run husk exec -t -d --console-socket "$BATS_TEST_TMPDIR/plain" "$id" sleep 100
	assert_failure
	assert_output "husk: --console-socket \`$BATS_TEST_TMPDIR/plain\`: not a unix socket"
	assert_equal "$(procs "$id")" 1
	assert_equal "$(container_status "$id")" running
}

@test "exec: a --pid-file in a missing directory fails; the process does not stay" {
	local id
	id=$(cid exec-pidfile)
	start_sleeper "$id"
	hrun exec -d --pid-file "$BATS_TEST_TMPDIR/no/such/dir/exec.pid" "$id" sleep 100
	assert_failure
	assert_output --regexp "^husk: --pid-file: create \`$BATS_TEST_TMPDIR/no/such/dir/exec\.pid[^\`]*\`: No such file or directory$"
	run husk exec --pid-file "$BATS_TEST_TMPDIR/no/such/dir/exec.pid" "$id" sleep 100
	assert_failure
	[ ! -e "$BATS_TEST_TMPDIR/no" ] || fail "something was created"
	assert_equal "$(procs "$id")" 1
	assert_equal "$(container_status "$id")" running
}

@test "exec: --apparmor and --process-label set the process; a label that cannot be applied fails" {
	local id
	id=$(cid exec-lsm)
	start_sleeper "$id"
	run husk exec --apparmor husk-test-profile "$id" true
	assert_failure
	assert_output --partial "process.apparmorProfile"
	assert_output --partial "husk-test-profile"
	run husk exec --process-label system_u:system_r:container_t:s0 "$id" true
	assert_failure
	assert_output --partial "process.selinuxLabel"
	assert_output --partial "system_u:system_r:container_t:s0"
	# Empty means none.
	run husk exec --apparmor "" --process-label "" "$id" echo ran
	assert_success
	assert_output ran
	assert_equal "$(procs "$id")" 1
}

@test "exec: flags change a --process too; -t turns its terminal on" {
	local id f=$BATS_TEST_TMPDIR/process.json
	id=$(cid exec-process-flags)
	start_sleeper "$id"
	echo '{"args": ["sh", "-c", "echo $A $B; pwd; id -u; test -t 0 && echo tty || echo no-tty"], "env": ["A=json", "PATH=/bin"], "cwd": "/"}' >"$f"
	run husk exec --process "$f" -e B=flag --cwd /tmp -u 123 "$id"
	assert_success
	assert_output $'json flag\n/tmp\n123\nno-tty'
	run husk exec --process "$f" -t "$id"
	assert_success
	assert_line --index 3 $'tty\r'
}
