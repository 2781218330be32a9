#!/usr/bin/env bats
# The container against the host: the runtime's own binary
# (CVE-2019-5736), leaked descriptors and working directories
# (CVE-2024-21626) and mount destinations swapped for symlinks (LSM labels:
# lsm.bats).
# The attacks are real attempts made from inside the container.

load helpers

bats_require_minimum_version 1.5.0

setup_file() {
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/no-openat2" "$BATS_TEST_DIRNAME/no-openat2.c"
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/path-swap" "$BATS_TEST_DIRNAME/path-swap.c"
}

# A copy of husk for the attacks: if one ever worked, it would damage the
# copy, not the tree's binary.
use_husk_copy() {
	cp "$HUSK" "$BATS_TEST_TMPDIR/husk"
	HUSK="$BATS_TEST_TMPDIR/husk"
	HUSK_SUM=$(sha256sum <"$HUSK")
}

husk_unchanged() {
	[ "$(sha256sum <"$HUSK")" = "$HUSK_SUM" ] || fail "the husk binary was modified"
}

# ---------------------------------------------------------------------------
# The runtime's binary

# The stub's own execve, and the program's after it, as strace saw them:
# "PID execveat ..." and "PID execve ..." lines of $1.
stub_execs() {
	grep -E '^[0-9]+ +execve(at)?\(' "$1"
}

@test "selfexe: the program is started by the sealed exec stub, never by husk's binary" {
	command -v strace >/dev/null || skip "needs strace (apt-get install strace)"
	set_args sleep 100
	id=$(cid stub)
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	# The init waiting for `start` is husk itself: no copy was made.
	run readlink "/proc/$pid/exe"
	assert_output "$(readlink -f "$HUSK")"
	husk delete --force "$id"
	# Its last step: execveat of a sealed memfd (the stub), which execs
	# the program; the error line it would write is husk's own.
	set_args /bin/true
	# LeakSanitizer cannot run under ptrace: no leak check under strace.
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	run strace -f -qq -e trace=execve,execveat -o "$BATS_TEST_TMPDIR/trace" \
		"$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$(cid stub2)" 3>&-
	assert_success
	run stub_execs "$BATS_TEST_TMPDIR/trace"
	assert_line --index 1 --regexp '^([0-9]+) +execveat\([0-9]+, "", \["rl[0-9]+", "husk: exec `/bin/true`: %E\\n", "/bin/true", "/bin/true"\].*AT_EMPTY_PATH\) = 0$'
	local init=${lines[1]%% *}
	assert_line --index 2 --regexp "^$init +execve\(\"/bin/true\", \[\"/bin/true\"\].* = 0\$"
	[ "${#lines[@]}" -eq 3 ]
	# exec: the same, reporting through the sync socket.
	set_args sleep 100
	id=$(cid stub3)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run strace -f -qq -e trace=execve,execveat -o "$BATS_TEST_TMPDIR/trace2" \
		"$HUSK" --root "$HUSK_ROOT" exec "$id" /bin/true 3>&-
	assert_success
	run stub_execs "$BATS_TEST_TMPDIR/trace2"
	assert_line --index 1 --regexp '^[0-9]+ +execveat\([0-9]+, "", \["rs[0-9]+", "", "/bin/true", "/bin/true"\].*AT_EMPTY_PATH\) = 0$'
	assert_line --index 2 --regexp '^[0-9]+ +execve\("/bin/true", \["/bin/true"\].* = 0$'
}

# The stub's exec runs with address randomization off, so that its code
# lands next to its stack (fewer page tables charged to the container, see
# selfexe.h); the stub turns it on again before the program's exec.
@test "selfexe: the stub execs without address randomization, the program with it" {
	command -v strace >/dev/null || skip "needs strace (apt-get install strace)"
	set_args cat /proc/self/personality
	run husk run --bundle "$BUNDLE" "$(cid pers)"
	assert_success
	assert_output 00000000
	# A caller who turned it off keeps it off: the stub clears only its own.
	run setarch -R "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$(cid pers2)"
	assert_success
	assert_output 00040000
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0
	set_args /bin/true
	run strace -f -qq -e trace=personality,execve,execveat -o "$BATS_TEST_TMPDIR/trace" \
		"$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$(cid pers3)" 3>&-
	assert_success
	run grep -A4 -E 'personality\(PER_LINUX\|ADDR_NO_RANDOMIZE\) += 0' "$BATS_TEST_TMPDIR/trace"
	assert_success
	assert_line --index 1 --regexp '^[0-9]+ +execveat\([0-9]+, "", \["rl[0-9]+",.*\) = 0$'
	assert_line --index 2 --regexp '^[0-9]+ +personality\(0xffffffff\) += 0x40000 \(PER_LINUX\|ADDR_NO_RANDOMIZE\)$'
	assert_line --index 3 --regexp '^[0-9]+ +personality\(PER_LINUX\) += 0x40000 \(PER_LINUX\|ADDR_NO_RANDOMIZE\)$'
	assert_line --index 4 --regexp '^[0-9]+ +execve\("/bin/true",.* = 0$'
	# With a seccomp filter, which might refuse personality(2), no change.
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW", "syscalls": [{"names": ["kexec_load"], "action": "SCMP_ACT_ERRNO"}]}'
	run strace -f -qq -e trace=personality,execve,execveat -o "$BATS_TEST_TMPDIR/trace2" \
		"$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$(cid pers4)" 3>&-
	assert_success
	run grep -c personality "$BATS_TEST_TMPDIR/trace2"
	assert_output 0
	run grep -E 'execveat\([0-9]+, "", \["l[0-9]+",' "$BATS_TEST_TMPDIR/trace2"
	assert_success
}

@test "selfexe: a \"#!/proc/self/exe\" program gets the stub, which runs nothing" {
	use_husk_copy
	update_config '.root.readonly = false'
	printf '#!/proc/self/exe --version\n' >"$BUNDLE/rootfs/evil"
	chmod 755 "$BUNDLE/rootfs/evil"
	# husk would print its version; the stub, run as an interpreter, exits.
	set_args /evil
	run -127 husk run --bundle "$BUNDLE" "$(cid evil)"
	assert_output ""
	set_args sleep 100
	id=$(cid evil2)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run -127 husk exec "$id" /evil
	assert_output ""
	husk_unchanged
}

@test "selfexe: an execve that fails in the stub is reported as husk reports it" {
	update_config '.root.readonly = false'
	printf 'garbage\0\1\2' >"$BUNDLE/rootfs/bad"
	chmod 755 "$BUNDLE/rootfs/bad"
	set_args /bad
	run -127 husk run --bundle "$BUNDLE" "$(cid bad)"
	assert_output "husk: exec \`/bad\`: Exec format error"
	run -127 husk --log "$BATS_TEST_TMPDIR/log.json" --log-format json run --bundle "$BUNDLE" "$(cid bad2)"
	run jq -r '.level + " " + .msg' "$BATS_TEST_TMPDIR/log.json"
	assert_output "error exec \`/bad\`: Exec format error"
	set_args sleep 100
	id=$(cid bad3)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec "$id" /bad
	assert_failure 1
	assert_output "husk: exec in container \"$id\": exec \`/bad\`: Exec format error"
	# The stub's copy of the report descriptor never reaches the program.
	run husk exec "$id" sh -c 'ls /proc/self/fd'
	assert_success
	assert_output "$(printf '0\n1\n2\n3')"
}

# sealed_reason ARGS...: `husk --debug create` ARGS; $output: why husk
# re-executed from a sealed copy ("" when the stub was used), and the init's
# executable.
sealed_reason() {
	local id log=$BATS_TEST_TMPDIR/debug.log
	id=$(cid "r$RANDOM")
	: >"$log"
	hrun --debug --log "$log" create --bundle "$BUNDLE" "$@" "$id"
	[ "$status" -eq 0 ] || fail "create failed: $output"
	output="$(sed -n 's/.*re-executing from a sealed copy of husk: //p' "$log")|$(readlink "/proc/$(husk state "$id" | jq .pid)/exe")"
	husk delete --force "$id"
}

@test "selfexe: husk re-executes from a sealed copy exactly where the stub does not fit" {
	local bin
	bin=$(readlink -f "$HUSK")
	set_args sleep 100
	sealed_reason
	assert_output "|$bin"
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/config.json"
	reset_config() { cp "$BATS_TEST_TMPDIR/config.json" "$BUNDLE/config.json"; }
	# CAP_SYS_PTRACE could open /proc/PID/exe of the undumpable init.
	update_config '.process.capabilities.bounding += ["CAP_SYS_PTRACE"]'
	sealed_reason
	assert_output "CAP_SYS_PTRACE without a user namespace|/memfd:husk (deleted)"
	reset_config
	update_config 'del(.process.capabilities)'
	sealed_reason
	assert_output "CAP_SYS_PTRACE without a user namespace|/memfd:husk (deleted)"
	# Another user than root, with permitted capabilities not ambient.
	reset_config
	update_config '.process.user = {"uid": 1000, "gid": 1000} | .process.capabilities.ambient = []'
	sealed_reason
	assert_output "a user other than root with permitted capabilities beyond its ambient ones|/memfd:husk (deleted)"
	update_config '.process.capabilities.ambient = .process.capabilities.permitted |
		.process.capabilities.inheritable = .process.capabilities.permitted'
	sealed_reason
	assert_output "|$bin"
	update_config '.process.capabilities = {}'
	sealed_reason
	assert_output "|$bin"
	# seccomp: execveat and fcntl must be allowed whatever their arguments.
	reset_config
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["execveat"], "action": "SCMP_ACT_ERRNO"}]}'
	sealed_reason
	assert_output "the seccomp profile may refuse execveat or fcntl|/memfd:husk (deleted)"
	update_config '.linux.seccomp = {"defaultAction": "SCMP_ACT_ERRNO",
		"syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW"}]}'
	sealed_reason
	assert_output "the seccomp profile may refuse execveat or fcntl|/memfd:husk (deleted)"
	# An allow-list with both (with noNewPrivileges, the filter comes last).
	update_config '.process.noNewPrivileges = true | .linux.seccomp.syscalls[0].names += ["execveat", "fcntl"]'
	sealed_reason
	assert_output "|$bin"
	reset_config
	# An argument condition may refuse some calls.
	update_config '.process.noNewPrivileges = true | .linux.seccomp = {"defaultAction": "SCMP_ACT_ALLOW",
		"syscalls": [{"names": ["fcntl"], "action": "SCMP_ACT_ALLOW",
		"args": [{"index": 1, "value": 2, "op": "SCMP_CMP_EQ"}]}]}'
	sealed_reason
	assert_output "the seccomp profile may refuse execveat or fcntl|/memfd:husk (deleted)"
	update_config '.linux.seccomp.syscalls = [{"names": ["getpid"], "action": "SCMP_ACT_ERRNO"}]'
	sealed_reason
	assert_output "|$bin"
	# Without a PID namespace of its own, other processes see the init.
	reset_config
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	sealed_reason
	assert_output "a PID namespace shared with other processes, without a user namespace|/memfd:husk (deleted)"
}

@test "selfexe: exec falls back to the sealed copy for the same reasons" {
	local id log=$BATS_TEST_TMPDIR/exec.log
	set_args sleep 100
	id=$(cid ex)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	husk --debug --log "$log" exec "$id" true
	run grep "re-executing from a sealed copy" "$log"
	assert_output ""
	husk --debug --log "$log" exec --cap CAP_SYS_PTRACE "$id" true
	run sed -n 's/.*re-executing from a sealed copy of husk: //p' "$log"
	assert_output "CAP_SYS_PTRACE without a user namespace"
	: >"$log"
	husk --debug --log "$log" exec --user 1000:1000 --cap CAP_CHOWN "$id" true
	run sed -n 's/.*re-executing from a sealed copy of husk: //p' "$log"
	assert_output "a user other than root with permitted capabilities beyond its ambient ones"
	# A process read from stdin could not be read again after re-executing.
	: >"$log"
	echo '{"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0}}' |
		husk --debug --log "$log" exec --process - "$id"
	run sed -n 's/.*re-executing from a sealed copy of husk: //p' "$log"
	assert_output "the process comes from stdin"
	: >"$log"
	echo '{"args": ["true"], "cwd": "/", "user": {"uid": 0, "gid": 0},
		"capabilities": {"bounding": ["CAP_KILL"], "permitted": ["CAP_KILL"]}}' >"$BATS_TEST_TMPDIR/p.json"
	husk --debug --log "$log" exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
	run grep -c "re-executing from a sealed copy" "$log"
	assert_output 0
	# The container's own process (here: all capabilities) counts too.
	update_config 'del(.process.capabilities)'
	id=$(cid ex2)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	: >"$log"
	husk --debug --log "$log" exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
	run sed -n 's/.*re-executing from a sealed copy of husk: //p' "$log"
	assert_output "CAP_SYS_PTRACE without a user namespace"
}

@test "selfexe: the sealed copy holds the binary up to its last segment, byte for byte" {
	# CAP_SYS_PTRACE: the stub does not fit, husk runs from the sealed copy.
	update_config '.process.capabilities.bounding += ["CAP_SYS_PTRACE"]'
	set_args sleep 100
	id=$(cid part)
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	run readlink "/proc/$pid/exe"
	assert_output "/memfd:husk (deleted)"
	run grep -c "^$(readlink -f "$HUSK")\$" <(awk '{ print $6 }' "/proc/$pid/maps")
	assert_output "0"
	# The end of the furthest segment of the program headers: what execve
	# reads.  Section headers and debug information after it are not copied.
	local want=0 type off va pa filesz rest
	while read -r type off va pa filesz rest; do
		[[ $off == 0x* && $filesz == 0x* ]] || continue
		((off + filesz > want)) && want=$((off + filesz))
	done < <(readelf -lW "$HUSK")
	[ "$want" -gt 0 ]
	run stat -L -c %s "/proc/$pid/exe"
	assert_output "$want"
	[ "$want" -le "$(stat -c %s "$HUSK")" ]
	cmp -n "$want" "/proc/$pid/exe" "$HUSK"
}

@test "selfexe: the re-exec marker is never trusted, nor passed on" {
	# Set by hand, the marker does not make husk skip the copy: it refuses.
	set_args sh -c 'env | grep -c _HUSK_ || true'
	run env _HUSK_SEALED_EXE=1 "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$(cid marker)" 3>&-
	assert_failure
	assert_output --partial "protect the husk binary: re-executed from a sealed copy, but /proc/self/exe is not sealed"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	# The real one (made where the stub does not fit: CAP_SYS_PTRACE) is
	# gone before the container starts.
	update_config '.process.capabilities.bounding += ["CAP_SYS_PTRACE"]'
	run husk run --bundle "$BUNDLE" "$(cid marker2)"
	assert_success
	assert_output "0"
}

@test "selfexe: a startContainer hook in the container cannot open the init's executable" {
	use_husk_copy
	update_config '.root.readonly = false'
	# The hook runs inside the container before the program, as a child of
	# the init, which is still husk.
	cat >"$BUNDLE/rootfs/probe" <<-'EOF'
	#!/bin/sh
	exec >>/probe.out 2>&1
	echo "exe: $(readlink /proc/$PPID/exe || echo unreadable)"
	echo pwned >/proc/$PPID/exe && echo "write: done"
	(exec 5<>/proc/$PPID/exe && echo pwned >&5) && echo "rw: done"
	echo end
	EOF
	chmod 755 "$BUNDLE/rootfs/probe"
	update_config '.hooks.startContainer = [{"path": "/probe"}]'
	set_args true
	# Default capabilities: the init is not dumpable, so even its link is
	# out of reach.
	run husk run --bundle "$BUNDLE" "$(cid hook)"
	assert_success
	run cat "$BUNDLE/rootfs/probe.out"
	assert_line --index 0 "exe: unreadable"
	assert_output --partial "Permission denied"
	assert_line --index 3 "end"
	refute_output --partial "done"
	rm "$BUNDLE/rootfs/probe.out"
	# A privileged container (CAP_SYS_PTRACE) sees the link: it is the
	# sealed copy, which cannot be opened for writing.
	update_config '.process.capabilities = {
		"bounding": ["CAP_SYS_PTRACE", "CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"],
		"effective": ["CAP_SYS_PTRACE", "CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"],
		"permitted": ["CAP_SYS_PTRACE", "CAP_SYS_ADMIN", "CAP_DAC_OVERRIDE", "CAP_FOWNER"]}'
	run husk run --bundle "$BUNDLE" "$(cid hook2)"
	assert_success
	run cat "$BUNDLE/rootfs/probe.out"
	assert_line --index 0 "exe: /memfd:husk (deleted)"
	assert_line --index 3 "end"
	refute_output --partial "done"
	husk_unchanged
}

@test "selfexe: the CVE-2019-5736 attack from inside the container does not reach husk's binary" {
	use_husk_copy
	update_config '.root.readonly = false'
	R=$BUNDLE/rootfs
	# The victim: a "program" whose interpreter is /proc/self/exe, so
	# `husk exec` runs husk itself again inside the container.  --log makes
	# that husk block on a fifo until the attacker holds its executable.
	mkfifo "$R/fifo"
	# husk's dynamic loader and libraries, so that it really runs in there
	# (a glibc-based image would have them).
	for lib in $(ldd "$HUSK" | grep -o '/[^ ]*'); do
		mkdir -p "$R$(dirname "$lib")"
		cp -L "$lib" "$R$lib"
	done
	printf '#!/proc/self/exe --log=/fifo\n' >"$R/evil"
	chmod 755 "$R/evil"
	# The attacker: find that husk, keep a descriptor of its executable,
	# let it exit, then reopen the executable for writing through the
	# descriptor, as the published exploit does.
	cat >"$R/attack" <<-'EOF'
	#!/bin/sh
	exec >/attack.out 2>&1
	pid=
	while [ -z "$pid" ]; do
		for d in /proc/[0-9]*; do
			case "$(tr '\0' ' ' <$d/cmdline 2>/dev/null)" in
			*--log=/fifo*) pid=${d#/proc/} ;;
			esac
		done
		usleep 10000
	done
	echo "exe: $(readlink /proc/$pid/exe)"
	exec 5</proc/$pid/exe || echo "open: refused"
	cat /fifo >/dev/null
	while [ -e /proc/$pid/exe ] && readlink /proc/$pid/exe >/dev/null 2>&1; do usleep 10000; done
	echo PWNED >/proc/self/fd/5 && echo "write: done"
	(exec 6<>/proc/self/fd/5 && echo PWNED >&6) && echo "rw: done"
	echo end
	EOF
	chmod 755 "$R/attack"
	# The exec stub gives /evil nothing to attack (see above): the attack
	# is made where husk runs from its sealed copy (CAP_SYS_PTRACE).
	update_config '.process.capabilities.bounding += ["CAP_SYS_PTRACE"]'
	set_args sleep 1000
	id=$(cid cve)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	hrun exec -d "$id" /attack
	assert_success
	hrun exec -d "$id" /evil
	assert_success
	retry 100 0.1 grep -qx end "$R/attack.out" || fail "the attack did not finish: $(cat "$R/attack.out")"
	run cat "$R/attack.out"
	assert_line --index 0 "exe: /memfd:husk (deleted)"
	refute_output --partial "open: refused"
	# O_TRUNC meets F_SEAL_SHRINK, a write F_SEAL_WRITE: both EPERM.
	assert_output --partial "can't create /proc/self/fd/5: Operation not permitted"
	assert_output --partial "write error: Operation not permitted"
	refute_output --partial "done"
	husk_unchanged
}

# ---------------------------------------------------------------------------
# Descriptors and the working directory

# fd_list: the "N TARGET" lines of `ls -l /proc/self/fd` in $output
fd_list() {
	echo "$output" | sed -nE 's/^l.* ([0-9]+)( -> (.*))?$/\1 \3/p'
}

@test "fds: run passes only stdio and --preserve-fds, nothing of husk's" {
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	echo five >"$BATS_TEST_TMPDIR/f5"
	set_args sh -c 'exec ls -l /proc/self/fd 2>/dev/null'
	run husk --log "$BATS_TEST_TMPDIR/log" run --bundle "$BUNDLE" "$(cid plain)"
	assert_success
	# 0-2, and 3: the directory ls itself reads (gone when it reads the link)
	[ "$(fd_list | cut -d' ' -f1 | tr '\n' ' ')" = "0 1 2 3 " ] || fail "fds: $(fd_list)"
	[ "$(fd_list | sed -n 4p)" = "3 " ]
	run timeout 60 "$HUSK" --root "$HUSK_ROOT" --log "$BATS_TEST_TMPDIR/log" run --preserve-fds 2 \
		--bundle "$BUNDLE" "$(cid pres)" 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4" 5<"$BATS_TEST_TMPDIR/f5"
	assert_success
	[ "$(fd_list | cut -d' ' -f1 | tr '\n' ' ')" = "0 1 2 3 4 5 " ] || fail "fds: $(fd_list)"
	[ "$(fd_list | sed -n 4p)" = "3 $BATS_TEST_TMPDIR/f3" ]
	[ "$(fd_list | sed -n 5p)" = "4 $BATS_TEST_TMPDIR/f4" ]
	[ "$(fd_list | sed -n 6p)" = "5 " ]
	refute_output --partial f5
	refute_output --partial "$BATS_TEST_TMPDIR/log"
}

@test "fds: exec passes only stdio and --preserve-fds, nothing of husk's" {
	echo three >"$BATS_TEST_TMPDIR/f3"
	echo four >"$BATS_TEST_TMPDIR/f4"
	set_args sleep 100
	id=$(cid ex)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk --log "$BATS_TEST_TMPDIR/log" exec "$id" sh -c 'exec ls -l /proc/self/fd 2>/dev/null'
	assert_success
	[ "$(fd_list | cut -d' ' -f1 | tr '\n' ' ')" = "0 1 2 3 " ] || fail "fds: $(fd_list)"
	run timeout 60 "$HUSK" --root "$HUSK_ROOT" --log "$BATS_TEST_TMPDIR/log" exec --preserve-fds 1 "$id" \
		sh -c 'exec ls -l /proc/self/fd 2>/dev/null' 3<"$BATS_TEST_TMPDIR/f3" 4<"$BATS_TEST_TMPDIR/f4"
	assert_success
	[ "$(fd_list | cut -d' ' -f1 | tr '\n' ' ')" = "0 1 2 3 4 " ] || fail "fds: $(fd_list)"
	[ "$(fd_list | sed -n 4p)" = "3 $BATS_TEST_TMPDIR/f3" ]
	refute_output --partial f4
	# A detached exec'd process, looked at from the host.
	hrun exec -d --pid-file "$BATS_TEST_TMPDIR/pid" "$id" sleep 100
	assert_success
	run ls "/proc/$(cat "$BATS_TEST_TMPDIR/pid")/fd"
	assert_output "$(printf '0\n1\n2')"
}

@test "fds: the init waiting for start holds no descriptor the container could inherit" {
	set_args true
	id=$(cid init)
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	# Whatever it still holds is close-on-exec.
	for f in /proc/$pid/fdinfo/*; do
		n=${f##*/}
		[ "$n" -le 2 ] && continue
		flags=$(awk '$1 == "flags:" { print $2 }' "$f")
		(((8#$flags) & 8#2000000)) || fail "fd $n of the init is not close-on-exec: $(readlink "/proc/$pid/fd/$n")"
	done
	# (That no process of the container can take them while the init waits,
	# because it is not dumpable, is shown by the startContainer hook test.)
}

@test "cwd: the working directory is the configured one, inside the root" {
	update_config '.process.cwd = "/etc"'
	set_args sleep 100
	id=$(cid cwd)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	[ "$(stat -L -c %d:%i "/proc/$pid/cwd")" = "$(stat -c %d:%i "$BUNDLE/rootfs/etc")" ]
	run husk exec "$id" readlink /proc/self/cwd
	assert_output "/etc"
	run husk exec --cwd /tmp "$id" readlink /proc/self/cwd
	assert_output "/tmp"
}

@test "cwd: a symlink towards the host stays in the root" {
	host="$BATS_TEST_TMPDIR/hostdir"
	mkdir "$host"
	touch "$host/HOST-MARKER"
	ln -s "$host" "$BUNDLE/rootfs/abs"
	ln -s "../../../../../../../../../../../../$host" "$BUNDLE/rootfs/rel"
	set_args sh -c 'ls -a; readlink /proc/self/cwd'
	for link in /abs /rel; do
		update_config --arg c "$link" '.process.cwd = $c'
		run husk run --bundle "$BUNDLE" "$(cid link)"
		assert_success
		refute_output --partial HOST-MARKER
		assert_line "$host"
	done
	[ -d "$BUNDLE/rootfs$host" ]
	[ "$(ls -A "$host")" = HOST-MARKER ]
}

# cwd_magic WRAPPER: process.cwd through /proc magic links is refused
cwd_magic() {
	local c
	set_args sh -c 'echo RAN; ls'
	for c in /proc/self/fd/3 /proc/self/fd/4 /proc/self/fd/5 /proc/self/fd/6 /proc/self/fd/7 \
		/proc/self/fd/8 /proc/self/fd/9 /proc/self/cwd /proc/self/root /proc/1/cwd; do
		update_config --arg c "$c" '.process.cwd = $c'
		run timeout 60 $1 "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$(cid magic)" 3>&-
		assert_failure
		assert_output --regexp "^husk: process.cwd: "
		refute_output --partial RAN
		[ -z "$(ls -A "$HUSK_ROOT")" ]
	done
}

@test "cwd: /proc/self/fd/N and other magic links are refused (openat2)" {
	cwd_magic ""
}

@test "cwd: /proc/self/fd/N and other magic links are refused (fallback walker)" {
	cwd_magic "$BATS_FILE_TMPDIR/no-openat2"
}

@test "cwd: exec --cwd through a magic link is refused" {
	set_args sleep 100
	id=$(cid exm)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	for c in /proc/self/fd/3 /proc/self/fd/4 /proc/self/fd/5 /proc/self/fd/6 /proc/self/cwd; do
		run husk exec --cwd "$c" "$id" sh -c 'echo RAN'
		assert_failure
		assert_output --partial "process.cwd: "
		refute_output --partial RAN
	done
}

# ---------------------------------------------------------------------------
# Mount destinations swapped for symlinks

# race_mounts WRAPPER: while path-swap exchanges the rootfs directory /d
# with /s, an absolute symlink to a host directory, create containers that
# mount a tmpfs and a bind mount below /d.  Nothing may appear on the host.
race_mounts() {
	local host="$BATS_TEST_TMPDIR/host" src="$BATS_TEST_TMPDIR/src" R="$BUNDLE/rootfs" i ok=0
	mkdir "$host" "$src" "$R/d"
	touch "$src/marker"
	ln -s "$host" "$R/s"
	update_config --arg src "$src" '.mounts += [
		{"destination": "/d/t", "type": "tmpfs", "source": "tmpfs"},
		{"destination": "/d/b/c", "type": "bind", "source": $src, "options": ["bind"]}]'
	set_args true
	"$BATS_FILE_TMPDIR/path-swap" "$R/d" "$R/s" 3>&- &
	swapper=$!
	for i in $(seq 40); do
		id=$(cid "race$i")
		if timeout 60 $1 "$HUSK" --root "$HUSK_ROOT" create --bundle "$BUNDLE" "$id" </dev/null >/dev/null 2>&1 3>&-; then
			ok=$((ok + 1))
		fi
		husk delete --force "$id" >/dev/null 2>&1 || true
	done
	kill "$swapper"
	wait "$swapper" || true
	echo "$ok of 40 creates succeeded while the paths were being swapped"
	run find "$host" -mindepth 1
	assert_output ""
	run grep -F "$host" /proc/self/mountinfo
	assert_failure
	[ "$(ls -A "$src")" = marker ]
}

@test "paths: a mount destination swapped for a symlink to the host never reaches the host (openat2)" {
	race_mounts ""
}

@test "paths: a mount destination swapped for a symlink to the host never reaches the host (fallback walker)" {
	log="$BATS_TEST_TMPDIR/log"
	race_mounts "$BATS_FILE_TMPDIR/no-openat2"
	# prove that the walker did the work
	set_args true
	run timeout 60 "$BATS_FILE_TMPDIR/no-openat2" "$HUSK" --root "$HUSK_ROOT" --debug --log "$log" \
		run --bundle "$BUNDLE" "$(cid walk)" 3>&-
	run grep -c "resolving paths in the root with the walker" "$log"
	[ "$output" -ge 1 ]
}

@test "paths: mounts through a symlink to the host land inside the root (both resolvers)" {
	local host="$BATS_TEST_TMPDIR/host" wrapper
	mkdir "$host"
	ln -s "$host" "$BUNDLE/rootfs/s"
	update_config '.mounts += [{"destination": "/s/t", "type": "tmpfs", "source": "tmpfs"}]'
	set_args sh -c 'grep -c " '"$host"'/t " /proc/self/mountinfo'
	for wrapper in "" "$BATS_FILE_TMPDIR/no-openat2"; do
		run timeout 60 $wrapper "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$(cid sym)" 3>&-
		assert_success
		assert_output "1"
	done
	run find "$host" -mindepth 1
	assert_output ""
	[ -d "$BUNDLE/rootfs$host/t" ]
}
