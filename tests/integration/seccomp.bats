#!/usr/bin/env bats
# linux.seccomp: what the kernel enforces inside the container (Seccomp: 2
# in /proc/self/status, the errno a blocked call returns, the signal that
# kills), the listener of SCMP_ACT_NOTIFY, exec, and refused profiles.

load helpers

setup_file() {
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/seccompagent" "$BATS_TEST_DIRNAME/seccompagent.c"
}

teardown() {
	cd /
	cleanup_containers
	if [ -n "${AGENT_PID:-}" ]; then
		kill "$AGENT_PID" 2>/dev/null || true
		wait "$AGENT_PID" 2>/dev/null || true
	fi
	check_no_leaks
}

# set_seccomp JSON: linux.seccomp of $BUNDLE's config.
set_seccomp() {
	update_config --argjson s "$1" '.linux.seccomp = $s'
}

# deny_mkdir ACTION [ERRNO]: everything allowed but mkdir and mkdirat.
deny_mkdir() {
	local rule='{"names": ["mkdir", "mkdirat"], "action": $a}'
	[ -z "${2:-}" ] || rule='{"names": ["mkdir", "mkdirat"], "action": $a, "errnoRet": ($e | tonumber)}'
	update_config --arg a "$1" --arg e "${2:-0}" \
		".linux.seccomp = {\"defaultAction\": \"SCMP_ACT_ALLOW\", \"syscalls\": [$rule]}"
}

# start_agent MODE: the test agent on $AGENT_SOCK, logging to $AGENT_LOG.
start_agent() {
	AGENT_SOCK=$BATS_TEST_TMPDIR/agent.sock
	AGENT_LOG=$BATS_TEST_TMPDIR/agent.log
	: >"$AGENT_LOG"
	"$BATS_FILE_TMPDIR/seccompagent" "$AGENT_SOCK" "$AGENT_LOG" "$1" 3>&- &
	AGENT_PID=$!
	retry 50 0.1 test -S "$AGENT_SOCK" || fail "seccompagent did not listen"
}

# notify_mkdir: mkdir and mkdirat go to the agent.
notify_mkdir() {
	update_config --arg p "$AGENT_SOCK" '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p, "listenerMetadata": "husk-test",
		"syscalls": [{"names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"}]}'
}

# The syscall names of this architecture, from the C library's headers.
all_syscalls() {
	echo '#include <sys/syscall.h>' | cc -dM -E - |
		sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' | sort -u
}

# kmsg_mark: write a unique line to the kernel log, remembered in $KMSG_MARK
# (the ring buffer rotates, so line counts do not work).
kmsg_mark() {
	KMSG_MARK="husk-seccomp-test-$HK_PREFIX$RANDOM"
	echo "$KMSG_MARK" >/dev/kmsg
}

# kernel_log_since_mark: the kernel log after kmsg_mark.
kernel_log_since_mark() {
	dmesg | sed -n "/$KMSG_MARK/,\$p"
}

# audit_seccomp_line PID CODE: the kernel logged a seccomp event (audit
# type 1326) of PID with return code CODE since kmsg_mark.
audit_seccomp_line() {
	kernel_log_since_mark | grep -q "type=1326.* pid=$1 .*code=$2"
}

# create_start_wait ID: create, note the pid in $PID, start, wait until done.
create_start_wait() {
	hrun create --bundle "$BUNDLE" "$1"
	assert_success
	PID=$(husk state "$1" | jq .pid)
	run husk start "$1"
	assert_success
	wait_for_status "$1" stopped
}

@test "seccomp: without linux.seccomp there is no filter, and husk spec adds none" {
	set_args grep Seccomp: /proc/self/status
	run husk run --bundle "$BUNDLE" "$(cid none)"
	assert_success
	assert_output --regexp '^Seccomp:[[:space:]]+0$'

	mkdir "$BATS_TEST_TMPDIR/spec"
	run "$HUSK" spec --bundle "$BATS_TEST_TMPDIR/spec"
	assert_success
	run jq -c '.linux | has("seccomp")' "$BATS_TEST_TMPDIR/spec/config.json"
	assert_output false
}

@test "seccomp: an ERRNO rule filters in mode 2 and fails the call with EPERM by default" {
	deny_mkdir SCMP_ACT_ERRNO
	set_args sh -c 'grep -E "^Seccomp(_filters)?:" /proc/self/status; mkdir /dev/shm/d; echo rc=$?; ls /dev/shm'
	run husk run --bundle "$BUNDLE" "$(cid errno)"
	assert_success
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --regexp '^Seccomp_filters:[[:space:]]+1$'
	assert_line --partial "can't create directory '/dev/shm/d': Operation not permitted"
	assert_line rc=1
	refute_line d
}

@test "seccomp: errnoRet chooses the errno" {
	deny_mkdir SCMP_ACT_ERRNO 28
	set_args mkdir /dev/shm/d
	run husk run --bundle "$BUNDLE" "$(cid errnoret)"
	assert_failure 1
	assert_output --partial "No space left on device"
}

@test "seccomp: TRACE without a tracer fails the call with ENOSYS" {
	deny_mkdir SCMP_ACT_TRACE
	set_args mkdir /dev/shm/d
	run husk run --bundle "$BUNDLE" "$(cid trace)"
	assert_failure 1
	assert_output --partial "Function not implemented"
}

@test "seccomp: KILL, KILL_THREAD, KILL_PROCESS and TRAP end the process with SIGSYS" {
	local a
	set_args mkdir /dev/shm/d
	for a in SCMP_ACT_KILL SCMP_ACT_KILL_THREAD SCMP_ACT_KILL_PROCESS SCMP_ACT_TRAP; do
		deny_mkdir "$a"
		run husk run --bundle "$BUNDLE" "$(cid "kill-${a#SCMP_ACT_}")"
		assert_equal "$status" 159 # 128 + SIGSYS
	done
}

@test "seccomp: LOG lets the call through and the kernel logs it" {
	deny_mkdir SCMP_ACT_LOG
	update_config '.root.readonly = false'
	set_args mkdir /made-here
	kmsg_mark
	create_start_wait "$(cid log)"
	[ -d "$BUNDLE/rootfs/made-here" ] || fail "mkdir did not happen"
	retry 20 0.1 audit_seccomp_line "$PID" 0x7ffc0000 ||
		fail "no seccomp log line for pid $PID: $(kernel_log_since_mark)"
}

@test "seccomp: flags SECCOMP_FILTER_FLAG_LOG logs the calls an ERRNO rule fails" {
	local plain
	deny_mkdir SCMP_ACT_ERRNO
	set_args mkdir /dev/shm/d
	kmsg_mark
	create_start_wait "$(cid nolog)"
	plain=$PID
	update_config '.linux.seccomp.flags = ["SECCOMP_FILTER_FLAG_LOG"]'
	create_start_wait "$(cid flaglog)"
	# code=0x50000: SECCOMP_RET_ERRNO (the kernel logs the action only)
	retry 20 0.1 audit_seccomp_line "$PID" 0x50000 ||
		fail "no seccomp log line for pid $PID: $(kernel_log_since_mark)"
	! audit_seccomp_line "$plain" 0x50000 || fail "logged without the flag: $(kernel_log_since_mark)"
}

@test "seccomp: every flag the kernel supports is accepted" {
	local f
	deny_mkdir SCMP_ACT_ERRNO
	set_args sh -c 'grep -E "^Seccomp:" /proc/self/status; mkdir /dev/shm/d'
	for f in $(husk features | jq -r '.linux.seccomp.supportedFlags[]'); do
		update_config --arg f "$f" '.linux.seccomp.flags = [$f]'
		run husk run --bundle "$BUNDLE" "$(cid "flag-$f")"
		assert_failure 1
		assert_line --regexp '^Seccomp:[[:space:]]+2$'
		assert_line --partial "Operation not permitted"
	done
}

@test "seccomp: argument conditions, each operator" {
	local op value two
	# ash's `kill` is a builtin: the shell itself calls kill(2).  Signal 10
	# and 12 are trapped, so sending them to itself is harmless.
	set_args sh -c 'trap "" 1 10 12; for s in 0 1 10 12; do kill -s $s $$ 2>/dev/null && echo "$s ok" || echo "$s denied"; done'
	while read -r op value two blocked; do
		update_config --arg op "$op" --argjson v "$value" --argjson t "$two" '.linux.seccomp = {
			"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO",
				"args": [{"index": 1, "value": $v, "valueTwo": $t, "op": $op}]}]}'
		run husk run --bundle "$BUNDLE" "$(cid "op-$op")"
		assert_success
		local s expect
		for s in 0 1 10 12; do
			expect="$s ok"
			case " $blocked " in *" $s "*) expect="$s denied" ;; esac
			assert_line "$expect"
		done
	done <<-'EOF'
		SCMP_CMP_EQ 10 0 10
		SCMP_CMP_NE 0 0 1 10 12
		SCMP_CMP_LT 10 0 0 1
		SCMP_CMP_LE 10 0 0 1 10
		SCMP_CMP_GT 10 0 12
		SCMP_CMP_GE 10 0 10 12
		SCMP_CMP_MASKED_EQ 8 8 10 12
	EOF
}

@test "seccomp: conditions on different arguments all hold; on the same argument any one does" {
	set_args sh -c 'trap "" 10 12; sleep 100 & for s in 10 12; do for p in $$ $!; do
		kill -s $s $p 2>/dev/null && echo "$s $p ok" || echo "$s $p denied"; done; done; kill $!'
	# kill(pid == 1 AND sig == 10): only the shell (pid 1) with signal 10
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"],
		"action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"},
		{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"}]}]}'
	run husk run --bundle "$BUNDLE" "$(cid and)"
	assert_success
	assert_line "10 1 denied"
	assert_line --regexp '^10 [0-9]+ ok$'
	assert_line "12 1 ok"
	# kill(sig == 10 OR sig == 12), as runc reads two conditions on one argument
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"],
		"action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 10, "op": "SCMP_CMP_EQ"},
		{"index": 1, "value": 12, "op": "SCMP_CMP_EQ"}]}]}'
	run husk run --bundle "$BUNDLE" "$(cid or)"
	assert_success
	refute_line --partial ok
}

@test "seccomp: unknown syscall names are skipped, the known ones of the rule still apply" {
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["no_such_syscall_for_husk", "mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO"}]}'
	set_args mkdir /dev/shm/d
	run husk --debug run --bundle "$BUNDLE" "$(cid unknown)"
	assert_failure 1
	assert_output --partial 'linux.seccomp.syscalls[0].names[0]: unknown syscall "no_such_syscall_for_husk" ignored'
	assert_output --partial "Operation not permitted"
}

@test "seccomp: a Docker-style allow-list of every syscall works, and defaultErrnoRet applies" {
	local names
	# Allowed: every syscall of this architecture but the ones below, plus
	# some with argument conditions, for three architectures as Docker does.
	names=$(all_syscalls | grep -vxE 'mkdir|mkdirat|unshare|clone|clone3|personality' | jq -R . | jq -s .)
	[ "$(echo "$names" | jq length)" -gt 250 ] || fail "only $(echo "$names" | jq length) syscalls found"
	update_config --argjson names "$names" '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 95,
		"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"syscalls": [
			{"names": ($names + ["no_such_syscall_for_husk"]), "action": "SCMP_ACT_ALLOW"},
			{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
			{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
			{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 4294967295, "op": "SCMP_CMP_EQ"}]},
			{"names": ["clone"], "action": "SCMP_ACT_ALLOW",
			 "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
			{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}
		]}'
	set_args sh -c 'echo hello; ls /etc >/dev/null && echo forked-ok; mkdir /dev/shm/d; unshare -n true; grep ^Seccomp: /proc/self/status'
	run husk run --bundle "$BUNDLE" "$(cid big)"
	assert_success
	assert_line hello
	assert_line forked-ok
	assert_line --partial "can't create directory '/dev/shm/d': Operation not supported"
	assert_line --regexp '^unshare: .*Operation not supported'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
}

@test "seccomp: with noNewPrivileges the filter comes after all of husk's own work" {
	# init itself needs these after the mounts; the process does not.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [
		{"names": ["setgroups", "setresuid", "setresgid", "capset", "close_range", "keyctl",
			"setsid", "sendmsg", "recvmsg", "sethostname", "pivot_root", "mount", "umount2"],
		 "action": "SCMP_ACT_KILL_PROCESS"}]}'
	set_args sh -c 'grep ^Seccomp: /proc/self/status'
	run husk run --bundle "$BUNDLE" "$(cid last)"
	assert_success
	assert_output --regexp '^Seccomp:[[:space:]]+2$'
}

@test "seccomp: without noNewPrivileges, as a user without capabilities, the filter still applies" {
	deny_mkdir SCMP_ACT_ERRNO
	update_config '.process.noNewPrivileges = false | .process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'id -u; grep -E "^(Seccomp|NoNewPrivs|CapEff):" /proc/self/status; mkdir /dev/shm/d'
	run husk run --bundle "$BUNDLE" "$(cid nonnp)"
	assert_failure 1
	assert_line 1000
	assert_line --regexp '^NoNewPrivs:[[:space:]]+0$'
	assert_line --regexp '^CapEff:[[:space:]]+0+$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --partial "Operation not permitted"
}

@test "seccomp: exec'd processes get the container's filter" {
	local id
	id=$(cid exec)
	deny_mkdir SCMP_ACT_ERRNO 28
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec "$id" grep ^Seccomp: /proc/self/status
	assert_success
	assert_output --regexp '^Seccomp:[[:space:]]+2$'
	run husk exec "$id" mkdir /dev/shm/d
	assert_failure 1
	assert_output --partial "No space left on device"
	# A process.json without noNewPrivileges, as another user: loaded
	# before the capabilities go, all the same.
	run husk exec --process - "$id" <<-'EOF'
		{"args": ["sh", "-c", "grep -E '^(Seccomp|NoNewPrivs):' /proc/self/status; mkdir /dev/shm/d"],
		 "cwd": "/", "user": {"uid": 1000, "gid": 1000}, "noNewPrivileges": false}
	EOF
	assert_failure 1
	assert_line --regexp '^NoNewPrivs:[[:space:]]+0$'
	assert_line --regexp '^Seccomp:[[:space:]]+2$'
	assert_line --partial "No space left on device"
}

@test "seccomp: what features lists is accepted (actions, operators, architectures)" {
	local a features
	features=$(husk features)
	assert_equal "$(echo "$features" | jq .linux.seccomp.enabled)" true
	start_agent errno:1
	set_args true
	for a in $(echo "$features" | jq -r '.linux.seccomp.actions[]'); do
		update_config --arg a "$a" --arg p "$AGENT_SOCK" '.linux.seccomp = {
			"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": $p,
			"syscalls": [{"names": ["mkdir"], "action": $a}]}'
		run husk run --bundle "$BUNDLE" "$(cid "act-$a")"
		assert_success
	done
	for a in $(echo "$features" | jq -r '.linux.seccomp.operators[]'); do
		update_config --arg o "$a" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
			"syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO",
				"args": [{"index": 1, "value": 1, "op": $o}]}]}'
		run husk run --bundle "$BUNDLE" "$(cid "op-$a")"
		assert_success
	done
	# One at a time: big and little endian ones do not mix in one filter.
	for a in $(echo "$features" | jq -r '.linux.seccomp.archs[]'); do
		update_config --arg a "$a" '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
			"architectures": [$a], "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}]}'
		run husk run --bundle "$BUNDLE" "$(cid "arch-$a")"
		assert_success
	done
	run jq -e '.linux.seccomp | (.supportedFlags - .knownFlags) == [] and (.knownFlags | length) == 4' <<<"$features"
	assert_success
}

# Each line: a linux.seccomp object, then the message create must give.
@test "seccomp: bad profiles are refused before anything exists, naming the JSON path" {
	local json msg n=0
	set_args true
	while IFS='|' read -r json msg; do
		n=$((n + 1))
		set_seccomp "$json"
		hrun create --bundle "$BUNDLE" "$(cid "bad-$n")"
		assert_failure
		assert_output --partial "config.json: $msg"
		run ls -A "$HUSK_ROOT"
		assert_output ""
	done <<-'EOF'
		{"syscalls": []}|linux.seccomp.defaultAction: missing
		{"defaultAction": "SCMP_ACT_BOGUS"}|linux.seccomp.defaultAction: unknown action "SCMP_ACT_BOGUS"
		{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_ERRNO"}, {"names": ["mkdir"], "action": "X"}]}|linux.seccomp.syscalls[1].action: unknown action "X"
		{"defaultAction": "SCMP_ACT_ALLOW", "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_VAX"]}|linux.seccomp.architectures[1]: unknown architecture "SCMP_ARCH_VAX"
		{"defaultAction": "SCMP_ACT_ALLOW", "flags": ["SECCOMP_FILTER_FLAG_BOGUS"]}|linux.seccomp.flags[0]: unknown flag "SECCOMP_FILTER_FLAG_BOGUS"
		{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 1, "value": 1, "op": "SCMP_CMP_ABOUT"}]}]}|linux.seccomp.syscalls[0].args[0].op: unknown operator "SCMP_CMP_ABOUT"
		{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 6, "value": 1, "op": "SCMP_CMP_EQ"}]}]}|linux.seccomp.syscalls[0].args[0].index: 6 is out of range (0 to 5)
		{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_KILL", "errnoRet": 1}]}|linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno
		{"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 1}|linux.seccomp.defaultErrnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno
		{"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 70000}|linux.seccomp.defaultErrnoRet: 70000 is out of range
		{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": [], "action": "SCMP_ACT_ERRNO"}]}|linux.seccomp.syscalls[0].names: must not be empty
		{"defaultAction": "SCMP_ACT_NOTIFY", "listenerPath": "/x"}|linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be the default
		{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["mkdir"], "action": "SCMP_ACT_NOTIFY"}]}|linux.seccomp.listenerPath: required when a rule uses SCMP_ACT_NOTIFY
		{"defaultAction": "SCMP_ACT_ALLOW", "listenerPath": "/x", "syscalls": [{"names": ["sendmsg"], "action": "SCMP_ACT_NOTIFY"}]}|linux.seccomp.syscalls[0]: SCMP_ACT_NOTIFY cannot be used for sendmsg
		{"defaultAction": "SCMP_ACT_ALLOW", "listenerMetadata": "m"}|linux.seccomp.listenerMetadata: set without listenerPath
		{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": 0, "value": 1}]}]}|linux.seccomp.syscalls[0].args[0].op: missing
	EOF
}

@test "seccomp: a profile longer than the kernel takes is refused at create" {
	# one rule per syscall with its own 64-bit argument values, 3 times
	update_config --argjson names "$(all_syscalls | jq -R . | jq -s .)" '.linux.seccomp = {
		"defaultAction": "SCMP_ACT_ALLOW",
		"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
		"syscalls": [range(0; $names | length) as $i | {"names": [$names[$i]], "action": "SCMP_ACT_ERRNO",
			"args": [{"index": 0, "value": ($i * 7919 + 4294967296), "op": "SCMP_CMP_EQ"},
				{"index": 2, "value": ($i + 3), "op": "SCMP_CMP_GT"}]}]}'
	hrun create --bundle "$BUNDLE" "$(cid long)"
	assert_failure
	assert_output --regexp "config.json: linux.seccomp: the filter compiles to [0-9]+ BPF instructions, more than the kernel's limit of 4096"
	run ls -A "$HUSK_ROOT"
	assert_output ""
}

@test "seccomp: a type error in linux.seccomp names the JSON path" {
	set_seccomp '{"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kill"], "action": "SCMP_ACT_ERRNO", "args": [{"index": "one", "value": 1, "op": "SCMP_CMP_EQ"}]}]}'
	hrun create --bundle "$BUNDLE" "$(cid type)"
	assert_failure
	assert_output --partial "linux.seccomp.syscalls[0].args[0].index"
	run ls -A "$HUSK_ROOT"
	assert_output ""
}

@test "seccomp notify: the agent gets the descriptor and the container process state" {
	local id
	id=$(cid notify)
	start_agent fake
	notify_mkdir
	update_config '.annotations = {"org.example.key": "value"}'
	set_args sh -c 'mkdir /dev/shm/made && echo mkdir-ok; test -e /dev/shm/made || echo absent; ls -l /proc/$$/fd/'
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	PID=$(husk state "$id" | jq .pid)
	# The descriptor is handed over during create, before start.
	run grep -c '^state ' "$AGENT_LOG"
	assert_output 1
	run sed -n 's/^state //p' "$AGENT_LOG"
	assert_equal "$(jq -c .fds <<<"$output")" '["seccompFd"]'
	assert_equal "$(jq -r .ociVersion <<<"$output")" 1.3.0
	assert_equal "$(jq .pid <<<"$output")" "$PID"
	assert_equal "$(jq -r .metadata <<<"$output")" husk-test
	assert_equal "$(jq -r .state.id <<<"$output")" "$id"
	assert_equal "$(jq -r .state.status <<<"$output")" creating
	assert_equal "$(jq .state.pid <<<"$output")" "$PID"
	assert_equal "$(jq -r .state.bundle <<<"$output")" "$BUNDLE"
	assert_equal "$(jq -r '.state.annotations["org.example.key"]' <<<"$output")" value
	hrun start "$id"
	assert_success
	wait_for_status "$id" stopped
	# The agent answered for the container: success, without a directory.
	run grep '^mkdir ' "$AGENT_LOG"
	assert_output "mkdir /dev/shm/made"
	run cat "$BATS_TEST_TMPDIR/hrun."*
	assert_line mkdir-ok
	assert_line absent
	# and the container does not hold the notification descriptor itself
	assert_output --regexp ' 2 -> '
	refute_output --partial seccomp
}

@test "seccomp notify: the agent's errno reaches the process, with or without noNewPrivileges" {
	local nnp
	start_agent errno:28
	notify_mkdir
	# with every flag the kernel has; TSYNC and WAIT_KILLABLE_RECV only
	# combine with a listener in particular ways
	update_config --argjson f "$(husk features | jq .linux.seccomp.supportedFlags)" \
		'.linux.seccomp.flags = $f'
	set_args sh -c 'mkdir /dev/shm/d; echo rc=$?'
	for nnp in true false; do
		update_config --argjson n "$nnp" '.process.noNewPrivileges = $n'
		run husk run --bundle "$BUNDLE" "$(cid "notify-$nnp")"
		assert_success
		assert_line --partial "No space left on device"
		assert_line rc=1
	done
	run grep -c '^mkdir /dev/shm/d$' "$AGENT_LOG"
	assert_output 2
}

@test "seccomp notify: exec'd processes are handed to the agent too" {
	local id epid
	id=$(cid notify-exec)
	start_agent errno:28
	notify_mkdir
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	PID=$(husk state "$id" | jq .pid)
	run husk exec --pid-file "$BATS_TEST_TMPDIR/exec.pid" "$id" mkdir /dev/shm/e
	assert_failure 1
	assert_output --partial "No space left on device"
	epid=$(cat "$BATS_TEST_TMPDIR/exec.pid")
	run sed -n '2s/^state //p' "$AGENT_LOG"
	assert_equal "$(jq .pid <<<"$output")" "$epid"
	assert_equal "$(jq -r .state.status <<<"$output")" running
	assert_equal "$(jq .state.pid <<<"$output")" "$PID"
	run grep '^mkdir ' "$AGENT_LOG"
	assert_output "mkdir /dev/shm/e"
}

@test "seccomp notify: no agent at listenerPath fails create and leaves nothing" {
	local id
	id=$(cid notify-none)
	AGENT_SOCK=$BATS_TEST_TMPDIR/nobody.sock
	notify_mkdir
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "linux.seccomp.listenerPath: connect to \`$AGENT_SOCK\`"
	run ls -A "$HUSK_ROOT"
	assert_output ""
}
