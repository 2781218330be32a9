#!/usr/bin/env bats
# husk-vm-shim (src/vm-shim.c): the micro-VM handler's shim and guest init,
# a separate program so that their code stays out of the husk binary that
# every ordinary container runs (binary size, issue 9).  The VM itself is
# tested in vm.bats; these tests boot nothing.

load helpers

SHIM=$(dirname "$HUSK")/husk-vm-shim

setup_file() {
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/fakeqemu" "$BATS_TEST_DIRNAME/fakeqemu.c"
}

# use_fakes: the shim runs fakeqemu (see fakeqemu.c) as the prepare script,
# QEMU and virtiofsd; each records its descriptors and arguments in $FAKE.
use_fakes() {
	FAKE=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE"
	export FAKE_DIR=$FAKE HUSK_VM_PREPARE=$BATS_FILE_TMPDIR/fakeqemu
	export HUSK_VM_QEMU=$BATS_FILE_TMPDIR/fakeqemu HUSK_VM_VIRTIOFSD=none
	export HUSK_VM_KERNEL=$BATS_FILE_TMPDIR/fakeqemu HUSK_VM_CACHE=$FAKE/cache
	update_config '.annotations["run.oci.handler"] = "vm"'
}

# gone PID: no such process, or only a zombie left for init to reap.
gone() {
	[ ! -e "/proc/$1" ] || [ "$(awk '{ print $3 }' "/proc/$1/stat" 2>/dev/null)" = Z ]
}

@test "vm-shim: husk holds no shim or guest code; husk-vm-shim does" {
	[ -x "$SHIM" ]
	command -v nm >/dev/null || skip "nm (binutils) is not installed"
	# Symbols are there unless the binary was stripped.
	nm "$HUSK" | grep -q ' T hk_vm_spawn$' || skip "$HUSK is stripped"
	run nm "$HUSK"
	refute_output --partial hk_vm_guest_main
	refute_output --partial hk_vm_shim_main
	refute_output --partial hk_vm_qemu_argv
	run nm "$SHIM"
	assert_output --partial ' T hk_vm_guest_main'
	assert_output --partial ' T hk_vm_shim_main'
	assert_output --partial ' T hk_vm_qemu_argv'
}

@test "vm-shim: husk-vm-shim, the guest's PID 1, is static (but in a sanitizer build)" {
	[ -x "$SHIM" ]
	if nm "$SHIM" 2>/dev/null | grep -q __asan_init; then
		# The sanitizer runtimes cannot be linked statically.
		run readelf -d "$SHIM"
		assert_output --partial "Shared library: [libc.so"
		return
	fi
	# No program interpreter and no shared library: the guest needs none.
	run readelf -l "$SHIM"
	assert_success
	refute_output --partial INTERP
	run readelf -d "$SHIM"
	refute_output --partial "Shared library"
}

@test "vm-shim: run by hand it says what it is for and fails" {
	run "$SHIM"
	assert_failure 2
	assert_output "husk-vm-shim: run by husk for a VM container, not by hand"
	run "$SHIM" a b c d 3 4 -1 "" "x,y"
	assert_failure 2
	assert_output --partial "not by hand"
}

@test "vm-shim: a missing husk-vm-shim is a clear error naming it, and leaves nothing" {
	local id
	id=$(cid missing)
	update_config '.annotations["run.oci.handler"] = "vm"'
	HUSK_VM_SHIM=/nonexistent/husk-vm-shim hrun run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "VM handler: husk-vm-shim not found at /nonexistent/husk-vm-shim (reinstall husk or set HUSK_VM_SHIM)"
	[ -z "$(ls -A "$HUSK_ROOT")" ]

	HUSK_VM_SHIM=/nonexistent/husk-vm-shim hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "husk-vm-shim not found at /nonexistent/husk-vm-shim"
	[ -z "$(ls -A "$HUSK_ROOT")" ]

	# features and --version say so, when nothing else is missing first.
	run husk --version
	if [[ "$output" == *"vm handler: available"* ]]; then
		run env HUSK_VM_SHIM=/nonexistent/husk-vm-shim "$HUSK" features
		assert_success
		[ "$(echo "$output" | jq -r '.annotations["run.husk.vm"]')" = \
			"unavailable: husk-vm-shim not found at /nonexistent/husk-vm-shim (reinstall husk or set HUSK_VM_SHIM)" ]
		run env HUSK_VM_SHIM=/nonexistent/husk-vm-shim "$HUSK" --version
		assert_output --partial "vm handler: unavailable: husk-vm-shim not found at /nonexistent/husk-vm-shim"
	fi
}

@test "vm-shim: husk finds the shim next to itself through a symlink (husk-vm) and by PATH" {
	local id
	id=$(cid found)
	update_config '.annotations["run.oci.handler"] = "vm"'
	# A shim that only reports, standing in for the real one: proves which
	# program husk executes without booting a VM.
	mkdir "$BATS_TEST_TMPDIR/fake"
	cat >"$BATS_TEST_TMPDIR/fake/husk-vm-shim" <<'SH'
#!/bin/sh
printf 'fake shim ran' >&"$6"
exit 1
SH
	chmod +x "$BATS_TEST_TMPDIR/fake/husk-vm-shim"
	cp "$HUSK" "$BATS_TEST_TMPDIR/fake/husk"
	run timeout 60 "$BATS_TEST_TMPDIR/fake/husk" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id" 3>&-
	assert_failure
	assert_output --partial "fake shim ran"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	run env PATH="$BATS_TEST_TMPDIR/fake:$PATH" timeout 60 husk --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id" 3>&-
	assert_failure
	assert_output --partial "fake shim ran"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	# Through a symlink named husk-vm (every container a VM, no annotation):
	# the shim next to the link's target.
	update_config 'del(.annotations["run.oci.handler"])'
	mkdir "$BATS_TEST_TMPDIR/link"
	ln -s "$BATS_TEST_TMPDIR/fake/husk" "$BATS_TEST_TMPDIR/link/husk-vm"
	run timeout 60 "$BATS_TEST_TMPDIR/link/husk-vm" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id" 3>&-
	assert_failure
	assert_output --partial "fake shim ran"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}

@test "vm-shim: the exit status survives QEMU ending right after it sent it" {
	use_fakes
	# The fake guest sends another message, then "exit 7", and exits at
	# once: the shim reaps QEMU with the status still unread.
	export FAKE_QEMU=guest HUSK_VM_ACCEL=tcg
	for i in 1 2 3 4 5 6 7 8; do
		run husk run --bundle "$BUNDLE" "$(cid "exit$i")"
		[ "$status" -eq 7 ] || fail "run $i: status $status: $output"
		[ -z "$(ls -A "$HUSK_ROOT")" ]
	done
}

@test "vm-shim: a guest that never answers and a prepare script that never ends time out, and leave nothing" {
	local pid
	use_fakes
	# QEMU runs but nothing reads the job, which is larger than the sockets
	# hold (a 2 MB annotation): the send must not block past the timeout.
	head -c 2000000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/big"
	update_config --rawfile b "$BATS_TEST_TMPDIR/big" '.annotations["big"] = $b'
	export FAKE_QEMU=hang HUSK_VM_ACCEL=tcg
	HUSK_VM_BOOT_TIMEOUT=2 hrun create --bundle "$BUNDLE" "$(cid boot)"
	assert_failure
	assert_output --partial "the guest did not create the container within 2 s (HUSK_VM_BOOT_TIMEOUT)"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	gone "$(cat "$FAKE/pid.qemu")"

	# husk-vm-prepare (here one that hangs, with a child): killed with
	# all it started.
	FAKE_PREPARE=hang HUSK_VM_PREPARE_TIMEOUT=2 hrun create --bundle "$BUNDLE" "$(cid prep)"
	assert_failure
	assert_output --partial "did not finish within 2 s (HUSK_VM_PREPARE_TIMEOUT)"
	assert_output --partial "$HUSK_VM_PREPARE"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	for pid in $(cat "$FAKE/prepare.pids"); do
		gone "$pid"
	done
}

# fds_of ROLE: the descriptors that fakeqemu found open as ROLE, sorted, on
# one line.
fds_of() {
	sort -n "$FAKE/fds.$1" | tr '\n' ' '
}

@test "vm-shim: the prepare script, the KVM probe, virtiofsd and QEMU get only their own descriptors; the log stays open" {
	local want
	use_fakes
	export HUSK_VM_VIRTIOFSD=$BATS_FILE_TMPDIR/fakeqemu FAKE_QEMU=exit
	unset HUSK_VM_ACCEL
	# Descriptors that husk's caller leaked to it (7 and 8) must go no
	# further than the shim.
	hrun --debug --log "$BATS_TEST_TMPDIR/log" create --bundle "$BUNDLE" "$(cid fds)" 7</dev/null 8>/dev/null
	assert_failure
	assert_output --partial "QEMU exited"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	[ "$(fds_of prepare)" = "0 1 2 " ]
	# The probe runs where /dev/kvm can be opened (and its verdict is not
	# cached yet: HUSK_VM_CACHE is this test's).
	if [ -w /dev/kvm ]; then
		[ "$(fds_of probe)" = "0 1 2 " ]
	fi
	want=$( (printf '0\n1\n2\n'; sed -n 's/^--fd=//p' "$FAKE/args.virtiofsd") | sort -n | tr '\n' ' ')
	[ "$(fds_of virtiofsd)" = "$want" ]
	want=$( (printf '0\n1\n2\n'; grep -o 'fd=[0-9]*$' "$FAKE/args.qemu" | cut -d= -f2) | sort -n | tr '\n' ' ')
	[ "$(fds_of qemu)" = "$want" ]
	# QEMU's four ports: control, stdout, stderr, stdin.
	[ "$(wc -w <<<"$want")" -eq 7 ]
	# The shim still logs after it closed what it does not keep.
	grep -q "QEMU started" "$BATS_TEST_TMPDIR/log"
}

@test "vm-shim: the guest's husk comes from husk by descriptor; a rootfs where the guest keeps its own files is refused" {
	use_fakes
	export FAKE_QEMU=exit HUSK_VM_ACCEL=tcg
	hrun create --bundle "$BUNDLE" "$(cid exe)"
	assert_failure
	# Not /proc/<husk's PID>/exe, which names whatever has that PID once
	# husk is gone: a descriptor the shim holds.
	run sed -n 2p "$FAKE/args.prepare"
	assert_output --regexp '^/proc/[0-9]+/fd/[0-9]+$'
	# husk's sealed copy of itself (selfexe.h: the loadable part of $HUSK).
	[ -s "$FAKE/husk-copy" ]
	cmp -n "$(stat -c %s "$FAKE/husk-copy")" "$FAKE/husk-copy" "$HUSK"

	# /run holds the guest's own /run/husk: the shared rootfs would hide it.
	rm -f "$FAKE/args.qemu"
	update_config '.root.path = "/run"'
	hrun create --bundle "$BUNDLE" "$(cid run)"
	assert_failure
	assert_output --partial "root.path: the rootfs \`/run\` cannot be shared with the guest, which keeps its own \`/run/husk\` there"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	[ ! -e "$FAKE/args.qemu" ]
}

@test "vm-shim: state.json records the handler; QMP events are not taken for the answer" {
	local id
	use_fakes
	export FAKE_QEMU=guest FAKE_QMP=error FAKE_EXIT=signal HUSK_VM_ACCEL=tcg
	# No annotation: the name husk-vm chose the handler.
	update_config 'del(.annotations["run.oci.handler"])'
	ln -s "$HUSK" "$BATS_TEST_TMPDIR/husk-vm"
	id=$(cid state)
	timeout 60 "$BATS_TEST_TMPDIR/husk-vm" --root "$HUSK_ROOT" create --bundle "$BUNDLE" "$id" \
		</dev/null >"$BATS_TEST_TMPDIR/create.out" 2>&1 3>&-
	[ "$(husk state "$id" | jq -r '.annotations["run.oci.handler"]')" = vm ]
	run husk start "$id"
	assert_success
	# The fake answers `stop` with a STOP event, then an error.
	run husk pause "$id"
	assert_failure
	assert_output --partial "fake QMP refuses"
	[ "$(container_status "$id")" = running ]
	# Recognised by its state, not by vm.pids.
	mv "$HUSK_ROOT/$id/vm.pids" "$BATS_TEST_TMPDIR/vm.pids"
	run husk exec "$id" true
	assert_failure
	assert_output --partial "runs in a VM"
	mv "$BATS_TEST_TMPDIR/vm.pids" "$HUSK_ROOT/$id/vm.pids"
	run husk kill "$id" TERM
	assert_success
	wait_for_status "$id" stopped
	run husk delete "$id"
	assert_success
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}

@test "vm-shim: a shim that inherits descriptors 3 to 99 keeps its own when exec.fifo takes 100" {
	use_fakes
	export FAKE_QEMU=guest HUSK_VM_ACCEL=tcg
	# husk's caller leaks 3 to 99: what the shim opens lands on 100 and up,
	# where it holds exec.fifo.
	# shellcheck disable=SC2016
	run bash -c 'for i in $(seq 3 99); do eval "exec $i</dev/null"; done
		exec timeout 60 "$1" --root "$2" run --bundle "$3" "$4"' _ "$HUSK" "$HUSK_ROOT" "$BUNDLE" "$(cid fd100)"
	[ "$status" -eq 7 ] || fail "status $status: $output"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}
