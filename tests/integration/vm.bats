#!/usr/bin/env bats
# The micro-VM handler (libcontainer/vm.h): the same bundle under QEMU's
# microvm machine with Debian's kernel.  CI installs qemu-system-x86 and
# linux-image-amd64 (contrib/install-deps.sh), so these tests do not skip
# there.  Under TCG a boot takes seconds: each test checks as much as one
# boot can show.

load helpers

setup_file() {
	cc -O2 -Wall -o "$BATS_FILE_TMPDIR/recvtty" "$BATS_TEST_DIRNAME/recvtty.c"
}

# vm_bundle: $BUNDLE as a VM container.
vm_bundle() {
	update_config '.annotations["run.oci.handler"] = "vm"'
}

# qemu_of ID: the PID of the container's QEMU, from its state directory.
qemu_of() {
	awk '$1 == "qemu" { print $2 }' "$HUSK_ROOT/$1/vm.pids"
}

# no_vm_processes: no QEMU or virtiofsd runs from this test's state.
no_vm_processes() {
	! ps -eo args | grep -E '^(qemu-system|/usr/lib/qemu/virtiofsd)' | grep -qF "$BATS_TEST_TMPDIR"
	! find /proc/[0-9]*/cwd -maxdepth 0 -printf '%l\n' 2>/dev/null | grep -qF "$HUSK_ROOT/"
}

@test "vm: the process runs on the guest kernel, with the bundle's config applied" {
	local id out err
	id=$(cid run)
	vm_bundle
	echo "from the bundle" >"$BUNDLE/rootfs/bundle-file"
	: >"$BUNDLE/rootfs/out-file"
	chmod 666 "$BUNDLE/rootfs/out-file"
	# shellcheck disable=SC2016
	set_args sh -c 'uname -r; cat /bundle-file; echo written >/out-file
		echo "env=$FOO cwd=$(pwd) uid=$(id -u) gid=$(id -g) host=$(hostname)"
		echo "cpus=$(grep -c ^processor /proc/cpuinfo)"
		awk "/^MemTotal/ { print \"mem=\" \$2 }" /proc/meminfo
		cat /sys/fs/cgroup/memory.max
		cat /data/in /etc/vm-file; echo from-guest >/data/out
		echo to-stderr >&2; exit 7'
	# Bind mounts' sources: a directory (shared) and a file (copied).
	mkdir "$BATS_TEST_TMPDIR/hostdir"
	echo "dir from the host" >"$BATS_TEST_TMPDIR/hostdir/in"
	chmod 777 "$BATS_TEST_TMPDIR/hostdir"
	echo "file from the host" >"$BATS_TEST_TMPDIR/hostfile"
	update_config --arg d "$BATS_TEST_TMPDIR/hostdir" --arg f "$BATS_TEST_TMPDIR/hostfile" \
		'.mounts += [{"destination": "/data", "type": "bind", "source": $d, "options": ["rbind", "rw"]},
			{"destination": "/etc/vm-file", "type": "bind", "source": $f, "options": ["bind", "ro"]}]'
	update_config '.root.readonly = false | .process.env += ["FOO=bar"] | .process.cwd = "/tmp"
		| .process.user = {"uid": 1000, "gid": 1000} | .hostname = "vm-guest"
		| .linux.resources.memory.limit = 268435456
		| .linux.resources.cpu = {"quota": 200000, "period": 100000}'
	out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
	status=0
	husk --debug run --bundle "$BUNDLE" "$id" >"$out" 2>"$err" </dev/null || status=$?
	echo "stdout: $(cat "$out")"
	echo "stderr: $(cat "$err")"
	[ "$status" -eq 7 ]
	run cat "$out"
	refute_line "$(uname -r)"
	assert_line --index 0 --regexp '^[0-9]+\.[0-9]+\.[0-9]+-.*'
	assert_line --index 1 "from the bundle"
	assert_line --index 2 "env=bar cwd=/tmp uid=1000 gid=1000 host=vm-guest"
	# Sized from linux.resources: two vCPUs, the limit plus the guest's own.
	assert_line --index 3 "cpus=2"
	local mem
	mem=$(sed -n 's/^mem=//p' "$out")
	[ "$mem" -gt $((256 * 1024)) ] && [ "$mem" -lt $((512 * 1024)) ]
	# and the limit is the container's cgroup v2 limit in the guest.
	assert_line --index 5 268435456
	assert_line --index 6 "dir from the host"
	assert_line --index 7 "file from the host"
	[ "$(cat "$BATS_TEST_TMPDIR/hostdir/out")" = from-guest ]
	refute_output --partial to-stderr
	# The write reached the host's rootfs.
	[ "$(cat "$BUNDLE/rootfs/out-file")" = written ]
	run cat "$err"
	assert_output --partial to-stderr
	assert_output --regexp "VM handler: (TCG|KVM)"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	no_vm_processes
}

@test "vm: exit status 0 and 137 come back; husk-vm makes every container a VM" {
	local id id2
	id=$(cid zero)
	# No annotation: the name husk-vm is what selects the handler.
	ln -s "$HUSK" "$BATS_TEST_TMPDIR/husk-vm"
	# stdin reaches the process, all of it (4 MiB, more than the sockets
	# and QEMU queue), and its end too.
	set_args sh -c 'uname -r; wc -c'
	run bash -c "head -c 4194304 /dev/zero | timeout 120 \"$BATS_TEST_TMPDIR/husk-vm\" --root \"$HUSK_ROOT\" run --bundle \"$BUNDLE\" $id 3>&-"
	assert_success
	refute_line "$(uname -r)"
	assert_line --index 0 --regexp '^[0-9]+\.[0-9]+\.[0-9]+-'
	assert_line --index 1 --regexp '^ *4194304$'

	id2=$(cid killed)
	vm_bundle
	# Without its own PID namespace the shell is not a PID 1, which would
	# ignore the signal.
	set_args sh -c 'echo before; kill -9 $$; echo after'
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	# This one shares the rootfs over 9p, the fallback without virtiofsd.
	HUSK_VM_VIRTIOFSD=none run husk --debug run --bundle "$BUNDLE" "$id2"
	[ "$status" -eq 137 ]
	assert_line before
	refute_line after
	assert_output --partial "rootfs over 9p"

	# virtiofsd decodes backslash escapes in its options (`\057` is `/`):
	# a rootfs whose name has one goes over 9p, shared as it is named.
	mv "$BUNDLE/rootfs" "$BUNDLE/r\\057x"
	update_config '.root.path = "r\\057x"'
	set_args sh -c 'echo bs-root'
	update_config '.linux.namespaces |= map(select(.type != "pid"))'
	run husk --debug run --bundle "$BUNDLE" "$(cid bs)"
	assert_success
	assert_line bs-root
	assert_output --partial "rootfs over 9p"
	no_vm_processes
}

@test "vm: create, start, state, kill and delete follow the OCI lifecycle" {
	local id pid qemu
	id=$(cid life)
	vm_bundle
	# shellcheck disable=SC2016
	set_args sh -c 'echo started $(ls /sys/class/net); trap "echo got-TERM; exit 3" TERM; while :; do sleep 0.1; done'
	# A network namespace joined by path, as engines do: the host's cannot
	# be reached, so the guest makes one at that path.
	update_config --arg p "$BATS_TEST_TMPDIR/netns-of-the-engine" \
		'.linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	# A read-only volume is shared read-only (against the guest's kernel
	# too, not only in its mount); a writable one is not.
	mkdir "$BATS_TEST_TMPDIR/ro-vol" "$BATS_TEST_TMPDIR/rw-vol"
	update_config --arg r "$BATS_TEST_TMPDIR/ro-vol" --arg w "$BATS_TEST_TMPDIR/rw-vol" \
		'.mounts += [{"destination": "/ro", "type": "bind", "source": $r, "options": ["rbind", "ro"]},
			{"destination": "/rw", "type": "bind", "source": $w, "options": ["rbind", "rw"]}]'
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	[ "$(container_status "$id")" = created ]
	pid=$(husk state "$id" | jq -r .pid)
	kill -0 "$pid"
	qemu=$(qemu_of "$id")
	kill -0 "$qemu"
	run bash -c "tr '\\0' '\\n' </proc/$qemu/cmdline | grep -- '-vol,'"
	assert_line --regexp "path=$BATS_TEST_TMPDIR/ro-vol,.*readonly=on"
	assert_line --regexp "path=$BATS_TEST_TMPDIR/rw-vol,"
	refute_line --regexp "rw-vol,.*readonly"
	# Nothing runs before start.
	! grep -q started "$BATS_TEST_TMPDIR"/hrun.*
	run husk start "$id"
	assert_success
	[ "$(container_status "$id")" = running ]
	# exec would join the shim's (host) namespaces: refused.
	run husk exec "$id" true
	assert_failure
	assert_output --partial "runs in a VM"
	# pause and resume through QMP.
	run husk pause "$id"
	assert_success
	[ "$(container_status "$id")" = paused ]
	run husk resume "$id"
	assert_success
	[ "$(container_status "$id")" = running ]
	retry 300 0.1 grep -q "started lo$" "$BATS_TEST_TMPDIR"/hrun.*
	# The signal reaches the process in the guest, which handles it.
	run husk kill "$id" TERM
	assert_success
	wait_for_status "$id" stopped
	grep -q got-TERM "$BATS_TEST_TMPDIR"/hrun.*
	run husk delete "$id"
	assert_success
	! kill -0 "$qemu" 2>/dev/null
	[ ! -e "$HUSK_ROOT/$id" ]
	no_vm_processes
}

@test "vm: kill KILL stops the VM; delete --force of a running or created VM leaves nothing" {
	local id id2 id3 qemu
	id=$(cid kill9)
	vm_bundle
	set_args sleep 1000
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	qemu=$(qemu_of "$id")
	run husk kill "$id" KILL
	assert_success
	wait_for_status "$id" stopped
	retry 100 0.1 sh -c "! kill -0 $qemu 2>/dev/null"
	run husk delete "$id"
	assert_success

	id2=$(cid force)
	hrun run -d --bundle "$BUNDLE" "$id2"
	assert_success
	[ "$(container_status "$id2")" = running ]
	qemu=$(qemu_of "$id2")
	run husk delete --force "$id2"
	assert_success
	! kill -0 "$qemu" 2>/dev/null
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	no_vm_processes

	# Created, never started: the shim waiting for start goes too.
	id3=$(cid never)
	hrun create --bundle "$BUNDLE" "$id3"
	assert_success
	[ "$(container_status "$id3")" = created ]
	run husk delete --force "$id3"
	assert_success
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	no_vm_processes
}

@test "vm: process.terminal works through the console socket" {
	local id sock out recv
	id=$(cid tty)
	vm_bundle
	sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/tty.out
	"$BATS_FILE_TMPDIR/recvtty" "$sock" "$out" 3>&- &
	recv=$!
	retry 50 0.1 test -S "$sock"
	set_args sh -c 'test -t 0 && test -t 1 && echo all-tty; tty; stty size'
	update_config '.process.terminal = true | .process.consoleSize = {"height": 30, "width": 100}'
	run husk run --console-socket "$sock" --bundle "$BUNDLE" "$id"
	assert_success
	# Only recvtty: with BATS_TEST_TIMEOUT, bats' watchdog is a job too.
	wait "$recv"
	run cat "$out"
	assert_output --partial all-tty
	assert_output --partial /dev/pts/0
	assert_output --partial "30 100"
}

@test "vm: a missing QEMU or kernel is a clear error naming the package, and leaves nothing" {
	local id
	id=$(cid missing)
	vm_bundle
	HUSK_VM_QEMU=/nonexistent/qemu-system-x86_64 hrun run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "/nonexistent/qemu-system-x86_64"
	assert_output --partial "apt-get install qemu-system-x86"
	[ -z "$(ls -A "$HUSK_ROOT")" ]

	HUSK_VM_KERNEL=/nonexistent/vmlinuz hrun run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "/nonexistent/vmlinuz"
	assert_output --partial "apt-get install linux-image-amd64"
	[ -z "$(ls -A "$HUSK_ROOT")" ]

	# features and --version say why.
	run env HUSK_VM_QEMU=/nonexistent/qemu "$HUSK" features
	assert_success
	[ "$(echo "$output" | jq -r '.annotations["run.husk.vm"]')" = \
		"unavailable: QEMU \`/nonexistent/qemu\` not found (apt-get install qemu-system-x86, or set HUSK_VM_QEMU)" ]
	[ "$(echo "$output" | jq -r '.annotations["run.oci.handler"]')" = null ]
	run env HUSK_VM_KERNEL=/nonexistent/vmlinuz "$HUSK" --version
	assert_output --partial "vm handler: unavailable: the guest kernel HUSK_VM_KERNEL=/nonexistent/vmlinuz does not exist"
	run husk features
	[ "$(echo "$output" | jq -r '.annotations["run.husk.vm"]')" = available ]
	[ "$(echo "$output" | jq -r '.annotations["run.oci.handler"]')" = vm ]
	run husk --version
	assert_output --partial "vm handler: available"

	# An unknown handler names the annotation.
	update_config '.annotations["run.oci.handler"] = "krun"'
	hrun run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial 'annotations."run.oci.handler": unknown handler "krun"'
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}

@test "vm: a foreground run relays its own terminal, with its size and input" {
	local id
	id=$(cid tty-fg)
	vm_bundle
	# shellcheck disable=SC2016
	set_args sh -c 'tty; stty size; read x; echo "got=$x"'
	update_config '.process.terminal = true'
	run bash -c "(sleep 8; echo typed) | timeout -k 5 100 script -qec 'stty rows 33 cols 77; \"$HUSK\" --root \"$HUSK_ROOT\" run --bundle \"$BUNDLE\" $id' /dev/null 3>&-"
	assert_success
	assert_output --partial /dev/pts/0
	assert_output --partial "33 77"
	assert_output --partial "got=typed"
}

@test "vm: a create that fails in the guest says why and leaves nothing" {
	local id
	id=$(cid bad-exec)
	vm_bundle
	set_args /no/such/program
	hrun run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial '"/no/such/program": no such file or directory'
	assert_output --partial "husk create failed in the guest (exit status 1)"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	no_vm_processes
}

@test "vm: a process that writes much before it reads much stdin neither hangs nor loses bytes" {
	local id
	id=$(cid relay)
	vm_bundle
	# 20 MB out before reading a byte of the 20 MB in, both far more than
	# QEMU and the sockets hold: with blocking relays the guest waits to
	# write stdout while the shim waits to write stdin.
	set_args sh -c 'head -c 20000000 /dev/zero; wc -c'
	run bash -c "head -c 20000000 /dev/zero | timeout 120 \"$HUSK\" --root \"$HUSK_ROOT\" run --bundle \"$BUNDLE\" $id 3>&- | { head -c 20000000 | wc -c; tr -d ' '; }"
	assert_success
	assert_line --index 0 20000000
	assert_line --index 1 20000000
	no_vm_processes
}

@test "vm: a terminal's output arrives whole; the shim does not spin once the console's reader is gone" {
	local id sock out recv pid ticks
	id=$(cid tty-much)
	vm_bundle
	sock=$BATS_TEST_TMPDIR/console.sock out=$BATS_TEST_TMPDIR/tty.out
	# A reader that starts late: the host pty fills up meanwhile.
	"$BATS_FILE_TMPDIR/recvtty" "$sock" "$out" 3 3>&- &
	recv=$!
	retry 50 0.1 test -S "$sock"
	set_args sh -c 'seq 1 100000; echo the-end'
	update_config '.process.terminal = true'
	run husk run --console-socket "$sock" --bundle "$BUNDLE" "$id"
	assert_success
	wait "$recv"
	[ "$(tr -d '\r' <"$out" | grep -cxE '[0-9]+')" -eq 100000 ]
	[ "$(tr -d '\r' <"$out" | sed -n '100001p')" = 100000 ]
	grep -q the-end "$out"

	# The console's reader dies: the host pty hangs up, which must not keep
	# the shim busy while the container sleeps.
	id=$(cid tty-gone)
	rm -f "$sock"
	"$BATS_FILE_TMPDIR/recvtty" "$sock" "$out" 3>&- &
	recv=$!
	retry 50 0.1 test -S "$sock"
	set_args sleep 1000
	hrun run -d --console-socket "$sock" --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq -r .pid)
	retry 50 0.1 test -s "$out"
	kill -9 "$recv"
	wait "$recv" || true
	ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
	sleep 3
	ticks=$(($(awk '{ print $14 + $15 }' "/proc/$pid/stat") - ticks))
	echo "shim CPU ticks in 3 s: $ticks"
	# A spinning shim burns about 300 ticks (100 per second) here.
	[ "$ticks" -lt 30 ]
	[ "$(container_status "$id")" = running ]
	run husk delete --force "$id"
	assert_success
	no_vm_processes
}

@test "vm: exit status 7 comes back every time under CPU load" {
	local i l1 l2 statuses=""
	vm_bundle
	set_args sh -c 'echo out; exit 7'
	yes >/dev/null 3>&- &
	l1=$!
	yes >/dev/null 3>&- &
	l2=$!
	for i in 1 2 3 4; do
		run husk run --bundle "$BUNDLE" "$(cid "load$i")"
		statuses="$statuses $status"
	done
	kill "$l1" "$l2"
	wait "$l1" "$l2" || true
	echo "statuses:$statuses"
	[ "$statuses" = " 7 7 7 7" ]
	no_vm_processes
}
