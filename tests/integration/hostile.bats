#!/usr/bin/env bats
# Hostile bundles: a table of crafted config.json files and root
# filesystems.  Each is refused with a clear error, or contained: nothing is
# followed onto the host, and nothing is left behind (teardown's leak
# check, plus a look at the host paths each trap points to).

load helpers

eval "helpers_$(declare -f setup)"
eval "helpers_$(declare -f teardown)"

setup() {
	requires root
	helpers_setup
	ROOTFS=$BUNDLE/rootfs
	# A host directory the traps aim at; it must stay empty and unmounted.
	HOSTDIR=$BATS_TEST_TMPDIR/host
	mkdir "$HOSTDIR"
	LOOPDEV=""
	set_args true
}

teardown() {
	if [ -n "$LOOPDEV" ]; then
		losetup -d "$LOOPDEV" || true
	fi
	helpers_teardown
}

# host_untouched: nothing was created in, or mounted on, $HOSTDIR.
host_untouched() {
	[ -z "$(ls -A "$HOSTDIR")" ] || fail "created on the host: $(ls -A "$HOSTDIR")"
	! grep -q -F " $HOSTDIR" /proc/self/mountinfo || fail "mounted on the host: $HOSTDIR"
}

# refused WORD...: create and run fail, mentioning each WORD; no container.
refused() {
	local what w
	for what in create run; do
		hrun "$what" --bundle "$BUNDLE" "$(cid "$what")"
		assert_failure
		for w in "$@"; do
			assert_output --partial "$w"
		done
		run husk list -q
		assert_output ""
	done
	host_untouched
}

# contained CMD...: the container runs CMD successfully; $output is its output.
contained() {
	set_args "$@"
	run husk run --bundle "$BUNDLE" "$(cid run)"
	assert_success
	host_untouched
}

# --- symlinks in the rootfs ------------------------------------------------

@test "hostile: mount destination through an absolute symlink to a host directory is resolved in the rootfs" {
	ln -s "$HOSTDIR" "$ROOTFS/evil"
	update_config '.mounts += [{"destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs"}]'
	contained sh -c 'grep " /evil/sub \| '"$HOSTDIR"'/sub " /proc/self/mountinfo'
	assert_output --partial "$HOSTDIR/sub"
	# It landed inside the rootfs, at the symlink's target taken from there.
	[ -d "$ROOTFS$HOSTDIR/sub" ] || fail "not created inside the rootfs"
}

@test "hostile: mount destination through a ../ symlink climbing out of the rootfs stays inside" {
	ln -s "../../../../../../../../..$HOSTDIR" "$ROOTFS/evil"
	update_config '.mounts += [{"destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs"}]'
	contained true
	[ -d "$ROOTFS$HOSTDIR/sub" ] || fail "not created inside the rootfs"
}

@test "hostile: mount destination in a symlink loop is refused" {
	ln -s /loop2 "$ROOTFS/loop1"
	ln -s /loop1 "$ROOTFS/loop2"
	update_config '.mounts += [{"destination": "/loop1/x", "type": "tmpfs", "source": "tmpfs"}]'
	refused "mounts[" "/loop1/x" "Too many levels of symbolic links"
}

@test "hostile: bind mount destination through a symlink to a host file stays inside" {
	echo host-file >"$HOSTDIR/../victim"
	ln -s "$HOSTDIR/../victim" "$ROOTFS/victim"
	echo from-bundle >"$BATS_TEST_TMPDIR/src"
	update_config --arg s "$BATS_TEST_TMPDIR/src" \
		'.mounts += [{"destination": "/victim", "type": "bind", "source": $s, "options": ["bind"]}]'
	contained cat /victim
	assert_output from-bundle
	assert_equal "$(cat "$HOSTDIR/../victim")" host-file
}

@test "hostile: /proc as a symlink to /etc in the rootfs is refused" {
	rmdir "$ROOTFS/proc"
	ln -s /etc "$ROOTFS/proc"
	refused "mounts[" "proc must be mounted on an ordinary directory" "/proc"
}

@test "hostile: /proc as a symlink to a host directory is refused" {
	rmdir "$ROOTFS/proc"
	ln -s "$HOSTDIR" "$ROOTFS/proc"
	refused "proc must be mounted on an ordinary directory"
}

@test "hostile: /sys as a ../ symlink is refused" {
	rmdir "$ROOTFS/sys"
	ln -s ../../../etc "$ROOTFS/sys"
	refused "sysfs must be mounted on an ordinary directory"
}

@test "hostile: /dev as a symlink to a host directory is resolved in the rootfs" {
	rm -rf "${ROOTFS:?}/dev"
	ln -s "$HOSTDIR" "$ROOTFS/dev"
	contained sh -c 'echo ok > /dev/null && ls /dev/'
	assert_output --partial null
}

@test "hostile: process.cwd through a symlink to a host directory stays inside" {
	ln -s "$HOSTDIR" "$ROOTFS/evil"
	update_config '.process.cwd = "/evil/work"'
	contained pwd
	[ -d "$ROOTFS$HOSTDIR/work" ] || fail "cwd not made inside the rootfs"
}

@test "hostile: maskedPaths and readonlyPaths through symlinks stay inside" {
	echo secret >"$HOSTDIR/../hostfile"
	ln -s "$HOSTDIR/../hostfile" "$ROOTFS/masked"
	ln -s "$HOSTDIR" "$ROOTFS/ro"
	update_config '.linux.maskedPaths += ["/masked"] | .linux.readonlyPaths += ["/ro"]'
	contained true
	assert_equal "$(cat "$HOSTDIR/../hostfile")" secret
}

@test "hostile: linux.devices path with .. components is made inside the rootfs" {
	update_config '.linux.devices = [{"path": "/dev/../../../../tmp/evil-null", "type": "c", "major": 1, "minor": 3}]'
	contained ls -l /tmp/evil-null
	assert_output --partial "1,   3"
	[ ! -e /tmp/evil-null ] || fail "made on the host"
}

# --- root.path ---------------------------------------------------------------

@test "hostile: root.path in a symlink loop is refused" {
	ln -s loop-b "$BUNDLE/loop-a"
	ln -s loop-a "$BUNDLE/loop-b"
	update_config '.root.path = "loop-a"'
	refused "root.path" "Too many levels of symbolic links"
}

@test "hostile: root.path climbing to the host's / is refused" {
	update_config '.root.path = "../../../../../../../../../.."'
	refused "root.path" "is the host's root directory"
	update_config '.root.path = "/"'
	refused "root.path" "is the host's root directory"
	ln -s / "$BUNDLE/slash"
	update_config '.root.path = "slash"'
	refused "root.path" "is the host's root directory"
}

@test "hostile: root.path that is a file, or missing, is refused" {
	touch "$BUNDLE/file"
	update_config '.root.path = "file"'
	refused "root.path"
	update_config '.root.path = "nowhere"'
	refused "root.path" "No such file or directory"
}

# --- devices -----------------------------------------------------------------

# loop_disk: a loop device over a small image that starts with a marker.
loop_disk() {
	local img=$BATS_TEST_TMPDIR/disk.img
	{
		echo HUSK-TEST-DISK
		head -c 65521 /dev/zero
	} >"$img"
	LOOPDEV=$(losetup -f --show "$img") || skip "no loop device available"
	LOOP_MAJ=$(stat -c %t "$LOOPDEV")
	LOOP_MIN=$(stat -c %T "$LOOPDEV")
	LOOP_MAJ=$((16#$LOOP_MAJ))
	LOOP_MIN=$((16#$LOOP_MIN))
}

# The device cgroup allows the default nodes, resources.devices rules, and
# whatever linux.devices lists (as runc does): listing a node is what
# allows it.  Any other node the container can reach is denied.

@test "hostile: a host disk's node shipped in the rootfs image is denied by the device cgroup" {
	loop_disk
	mknod "$ROOTFS/disk" b "$LOOP_MAJ" "$LOOP_MIN"
	contained sh -c 'head -c 14 /disk; echo " status $?"'
	assert_output --partial "Operation not permitted"
	refute_output --partial HUSK-TEST-DISK
}

@test "hostile: a resources.devices rule allowing a node read-only lets it be read, not written" {
	loop_disk
	mknod "$ROOTFS/disk" b "$LOOP_MAJ" "$LOOP_MIN"
	update_config --argjson maj "$LOOP_MAJ" --argjson min "$LOOP_MIN" \
		'.linux.resources.devices += [{"allow": true, "type": "b", "major": $maj, "minor": $min, "access": "r"}]'
	contained sh -c 'head -c 14 /disk; echo; echo x | dd of=/disk 2>&1; true'
	assert_line --index 0 HUSK-TEST-DISK
	assert_output --partial "Operation not permitted"
	assert_equal "$(head -c 14 "$LOOPDEV")" HUSK-TEST-DISK
}

@test "hostile: a host device bound in by a mount, not listed, is denied" {
	loop_disk
	update_config --arg d "$LOOPDEV" \
		'.mounts += [{"destination": "/disk", "type": "bind", "source": $d, "options": ["bind"]}]'
	contained sh -c 'head -c 14 /disk; echo " status $?"'
	assert_output --partial "Operation not permitted"
	refute_output --partial HUSK-TEST-DISK
}

@test "hostile: a device listed in linux.devices is made and allowed, and only that one" {
	loop_disk
	mknod "$ROOTFS/other" b "$LOOP_MAJ" $((LOOP_MIN + 1))
	update_config --argjson maj "$LOOP_MAJ" --argjson min "$LOOP_MIN" \
		'.linux.devices = [{"path": "/dev/xdisk", "type": "b", "major": $maj, "minor": $min}]'
	contained sh -c 'head -c 14 /dev/xdisk; echo; head -c 1 /other; echo " status $?"'
	assert_line --index 0 HUSK-TEST-DISK
	assert_output --partial "Operation not permitted"
}

@test "hostile: the host's own disk as a node in the rootfs is denied by the device cgroup" {
	local majmin
	majmin=$(mountpoint -d /)
	[ -e "/sys/dev/block/$majmin" ] || skip "the host's / ($majmin) is not on a block device"
	mknod "$ROOTFS/hostdisk" b "${majmin%:*}" "${majmin#*:}"
	contained sh -c 'head -c 512 /hostdisk > /dev/null; echo "status $?"'
	assert_output --partial "Operation not permitted"
	assert_output --partial "status 1"
}

@test "hostile: in a user namespace, a device entry naming a host file is refused" {
	echo host-secret >"$HOSTDIR/../secret"
	chmod 644 "$HOSTDIR/../secret"
	use_userns
	update_config --arg p "$HOSTDIR/../secret" \
		'.linux.devices = [{"path": $p, "type": "c", "major": 1, "minor": 3}]'
	refused "linux.devices[0]" "is not the character device 1:3"
}

@test "hostile: in a user namespace, a device entry naming the host's real node is bound" {
	use_userns
	update_config '.linux.devices = [{"path": "/dev/full", "type": "c", "major": 1, "minor": 7}]'
	contained sh -c 'ls -l /dev/full; echo x > /dev/full; echo "status $?"'
	assert_output --partial "No space left on device"
}

# --- the parser --------------------------------------------------------------

# config_py PYTHON: rewrite config.json as c (a dict) after PYTHON ran.
config_py() {
	python3 - "$BUNDLE/config.json" "$1" <<-'EOF'
	import json, sys
	path, code = sys.argv[1], sys.argv[2]
	c = json.load(open(path))
	out = None
	exec(code)
	open(path, "w").write(out if out is not None else json.dumps(c))
	EOF
}

@test "hostile: a million env entries are refused by the array limit" {
	config_py 'c["process"]["env"] = ["A%d=1" % i for i in range(1000000)]'
	refused "config.json" "array longer than 65536 elements"
}

@test "hostile: a million args are refused by the array limit" {
	config_py 'c["process"]["args"] = ["x"] * 1000000'
	refused "config.json" "array longer than 65536 elements"
}

@test "hostile: nesting 100000 deep is refused" {
	config_py 'out = json.dumps(c)[:-1] + ", \"deep\": " + "[" * 100000 + "]" * 100000 + "}"'
	refused "config.json" "nesting deeper than 64 levels"
}

@test "hostile: a config.json over 16 MiB is refused" {
	config_py 'c["annotations"] = {"big": "v" * (17 << 20)}'
	refused "config.json" "larger than"
}

@test "hostile: non-UTF-8 bytes in strings are refused" {
	local f=$BUNDLE/config.json
	update_config '.hostname = "HOSTX"'
	sed -i 's/HOSTX/\xff\xfe/' "$f"
	refused "config.json" "invalid bytes in UTF8 string"
	update_config '.process.args = ["ARGX"]' 2>/dev/null || {
		# jq cannot read the file any more: start again from the template.
		setup_bundle -- ARGX
		f=$BUNDLE/config.json
	}
	sed -i 's/ARGX/a\xc3\x28b/' "$f"
	refused "config.json" "invalid bytes in UTF8 string"
}

@test "hostile: a NUL in a string is refused" {
	update_config '.process.env += ["A=\u0000b"]'
	refused "config.json" "NUL"
}

@test "hostile: overlong and control-character IDs are refused" {
	local id
	for id in "$(printf 'a\nb')" "$(printf 'a\tb')" "$(printf '\e[31mred')" "$(printf 'a\xffb')" \
		"a b" "a/../b" "$(printf 'a%.0s' {1..2000})"; do
		hrun create --bundle "$BUNDLE" "$id"
		assert_failure
		assert_output --partial "invalid container ID"
		# The error never echoes control bytes back to the terminal.
		[[ "$output" != *$'\e'* ]] || fail "escape sequence echoed: $output"
	done
	run husk list -q
	assert_output ""
}

@test "hostile: a hook's non-UTF-8 and control bytes still make valid JSON log lines" {
	local id log
	id=$(cid hook-bytes)
	log=$BATS_TEST_TMPDIR/log.json
	printf '#!/bin/sh\nprintf '"'"'bad \\377\\376 "q" \\\\ \\033[2J \\303'"'"' >&2\nexit 3\n' >"$BATS_TEST_TMPDIR/hook.sh"
	chmod +x "$BATS_TEST_TMPDIR/hook.sh"
	update_config --arg p "$BATS_TEST_TMPDIR/hook.sh" '.hooks.prestart = [{"path": $p}]'
	hrun --log-format json --log "$log" run --bundle "$BUNDLE" "$id"
	assert_failure
	# Strict: each line is UTF-8 and JSON, and the message keeps what it can.
	run python3 -c '
import json, sys
for line in open(sys.argv[1], "rb").read().decode("utf-8").splitlines():
    print(json.loads(line)["msg"])' "$log"
	assert_success
	assert_output --partial "exited with status 3: bad"
	assert_output --partial '"q" \'
	assert_output --partial $'\ufffd'
	run husk state "$id"
	assert_failure
}
