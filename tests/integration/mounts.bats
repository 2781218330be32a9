#!/usr/bin/env bats
# config.mounts, maskedPaths and readonlyPaths, and destinations that try to
# leave the root through symlinks or "..".

load helpers

@test "mounts: bind mounts of a directory and of a file, read-only" {
	local id
	id=$(cid bind)
	mkdir "$BATS_TEST_TMPDIR/share"
	echo dir-content >"$BATS_TEST_TMPDIR/share/f"
	echo file-content >"$BATS_TEST_TMPDIR/single"
	update_config --arg d "$BATS_TEST_TMPDIR" '.mounts += [
		{"destination": "/mnt/share", "source": ($d + "/share"), "type": "bind", "options": ["rbind", "ro"]},
		{"destination": "/etc/single", "source": ($d + "/single"), "type": "bind", "options": ["bind"]}]'
	set_args sh -c 'cat /mnt/share/f /etc/single; touch /mnt/share/new 2>&1 || echo ro-ok'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 dir-content
	assert_line --index 1 file-content
	assert_output --partial ro-ok
	[ ! -e "$BATS_TEST_TMPDIR/share/new" ]
}

@test "mounts: a relative bind source is taken from the bundle" {
	local id
	id=$(cid relsrc)
	mkdir "$BUNDLE/data"
	echo from-bundle >"$BUNDLE/data/x"
	update_config '.mounts += [{"destination": "/data", "source": "data", "type": "bind", "options": ["bind"]}]'
	set_args cat /data/x
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_output from-bundle
}

@test "mounts: a symlinked destination pointing outside the root stays inside" {
	local id
	id=$(cid escape)
	# /evil -> /tmp/../../../<host dir>: an escape attempt both absolute and by "..".
	mkdir -p "$BATS_TEST_TMPDIR/host-target"
	ln -s "../../../../../../$BATS_TEST_TMPDIR/host-target" "$BUNDLE/rootfs/evil"
	update_config '.mounts += [{"destination": "/evil", "type": "tmpfs", "source": "tmpfs"}]'
	update_config '.root.readonly = false'
	set_args sh -c 'touch /evil/inside && echo ok'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	# Nothing was mounted or written on the host's directory...
	[ ! -e "$BATS_TEST_TMPDIR/host-target/inside" ]
	run grep -F "$BATS_TEST_TMPDIR/host-target" /proc/self/mountinfo
	assert_failure
	# ...the target was created inside the rootfs instead.
	[ -d "$BUNDLE/rootfs/$BATS_TEST_TMPDIR/host-target" ]
}

@test "mounts: a destination with .. cannot climb out of the root" {
	local id
	id=$(cid dotdot)
	update_config '.mounts += [{"destination": "/../../../../tmp-husk-dotdot", "type": "tmpfs", "source": "tmpfs"}]'
	update_config '.root.readonly = false'
	set_args sh -c 'grep -c tmp-husk-dotdot /proc/self/mountinfo'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_output 1
	[ ! -e /tmp-husk-dotdot ]
	[ -d "$BUNDLE/rootfs/tmp-husk-dotdot" ]
}

@test "mounts: maskedPaths hide files and directories, readonlyPaths are read-only" {
	local id
	id=$(cid mask)
	mkdir -p "$BUNDLE/rootfs/secret-dir"
	echo s >"$BUNDLE/rootfs/secret-dir/s"
	echo t >"$BUNDLE/rootfs/secret-file"
	mkdir -p "$BUNDLE/rootfs/ro-dir"
	update_config '.root.readonly = false
		| .linux.maskedPaths = ["/secret-dir", "/secret-file", "/does-not-exist"]
		| .linux.readonlyPaths = ["/ro-dir", "/also-missing"]'
	set_args sh -c 'ls /secret-dir | wc -l; wc -c < /secret-file; touch /ro-dir/x 2>/dev/null || echo ro-ok'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 0
	assert_line --index 1 0
	assert_line --index 2 ro-ok
}

@test "mounts: default /dev nodes and links; linux.devices with mode, owner, a new parent, over an image file" {
	local id
	id=$(cid devs)
	echo image-file >"$BUNDLE/rootfs/mydev"
	update_config '.root.readonly = false
		| .linux.devices = [
			{"path": "/dev/sub/a", "type": "c", "major": 1, "minor": 5, "fileMode": 416, "uid": 1000, "gid": 1001},
			{"path": "/mydev", "type": "c", "major": 1, "minor": 3},
			{"path": "/dev/sticky", "type": "c", "major": 1, "minor": 3, "fileMode": 950}]'
	set_args sh -c 'cd /dev && stat -c "%n %F %t:%T %a %u:%g" null zero full random urandom tty sub/a /mydev sticky
		for l in fd stdin stdout stderr ptmx; do echo "$l -> $(readlink $l)"; done'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_line "null character special file 1:3 666 0:0"
	assert_line "zero character special file 1:5 666 0:0"
	assert_line "full character special file 1:7 666 0:0"
	assert_line "random character special file 1:8 666 0:0"
	assert_line "urandom character special file 1:9 666 0:0"
	assert_line "tty character special file 5:0 666 0:0"
	assert_line "sub/a character special file 1:5 640 1000:1001"
	assert_line "/mydev character special file 1:3 666 0:0"
	assert_line "sticky character special file 1:3 1666 0:0"
	assert_line "fd -> /proc/self/fd"
	assert_line "stdin -> /proc/self/fd/0"
	assert_line "stdout -> /proc/self/fd/1"
	assert_line "stderr -> /proc/self/fd/2"
	assert_line "ptmx -> pts/ptmx"
}

@test "mounts: an unknown mount type fails create and names the mount" {
	local id
	id=$(cid badtype)
	update_config '.mounts += [{"destination": "/x", "type": "no-such-fs", "source": "none"}]'
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "mounts["
	assert_output --partial "/x"
}

@test "mounts: --no-pivot enters the root with MS_MOVE and chroot" {
	local id
	id=$(cid nopivot)
	set_args sh -c 'echo $$; ls /'
	run husk run --no-pivot --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 1
	assert_output --partial proc
}

@test "mounts: tmpcopyup fills the tmpfs with what the rootfs had there" {
	local id
	id=$(cid copyup)
	mkdir -p "$BUNDLE/rootfs/opt/app/sub"
	echo conf >"$BUNDLE/rootfs/opt/app/sub/app.conf"
	chmod 0604 "$BUNDLE/rootfs/opt/app/sub/app.conf"
	chown 123:456 "$BUNDLE/rootfs/opt/app/sub/app.conf"
	ln -s sub/app.conf "$BUNDLE/rootfs/opt/app/link"
	ln -s /etc/shadow "$BUNDLE/rootfs/opt/app/hostile"
	mkfifo "$BUNDLE/rootfs/opt/app/fifo"
	update_config '.mounts += [{"destination": "/opt/app", "type": "tmpfs", "source": "tmpfs",
		"options": ["tmpcopyup", "nosuid", "nodev"]}]'
	set_args sh -c 'grep " /opt/app " /proc/self/mountinfo | grep -c tmpfs; cat /opt/app/link;
		stat -c "%a %u:%g" /opt/app/sub/app.conf; readlink /opt/app/hostile; test -p /opt/app/fifo && echo fifo;
		echo new > /opt/app/new && cat /opt/app/new'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 1
	assert_line --index 1 conf
	assert_line --index 2 "604 123:456"
	assert_line --index 3 /etc/shadow
	assert_line --index 4 fifo
	assert_line --index 5 new
	# the rootfs itself is untouched
	[ ! -e "$BUNDLE/rootfs/opt/app/new" ]
}

@test "mounts: tmpcopyup on a type other than tmpfs is refused" {
	local id
	id=$(cid copyup-bad)
	update_config '.mounts += [{"destination": "/opt", "type": "proc", "source": "proc", "options": ["tmpcopyup"]}]'
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "tmpcopyup: only for tmpfs"
	[ ! -e "$HUSK_ROOT/$id" ]
}

@test "mounts: devpts newinstance with ptmxmode, /dev/ptmx pointing into it" {
	local id
	id=$(cid devpts)
	update_config '(.mounts[] | select(.destination == "/dev/pts") | .options) = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620"]'
	set_args sh -c 'stat -c "%a %t:%T" /dev/pts/ptmx; readlink /dev/ptmx; grep " /dev/pts " /proc/self/mountinfo'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 "666 5:2"
	assert_line --index 1 pts/ptmx
	assert_line --index 2 --partial "ptmxmode=666"
	assert_line --index 2 --partial "mode=620"
}
