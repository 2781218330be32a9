#!/usr/bin/env bats
# User namespaces: linux.uidMappings/gidMappings (several ranges, setgroups,
# newuidmap/newgidmap without root), a root that has no mapping, and
# idmapped mounts (mounts[].uidMappings/gidMappings, idmap, ridmap).

load helpers

# Host mounts a test made itself (for submounts of a bind source), and
# helper processes it started.
teardown() {
	local m
	cd /
	for m in ${HOST_MOUNTS:-}; do
		umount "$m" || true
	done
	if [ -e "$BATS_TEST_TMPDIR/helper.pid" ]; then
		kill "$(cat "$BATS_TEST_TMPDIR/helper.pid")" 2>/dev/null || true
	fi
	cleanup_containers
	check_no_leaks
}

# userns_helper: start a process in a new user namespace without maps
# (killed by teardown); prints its pid once it is in the namespace.
userns_helper() {
	unshare --user sleep 600 >/dev/null 2>&1 &
	echo "$!" >"$BATS_TEST_TMPDIR/helper.pid"
	retry 50 0.1 in_own_userns "$!" >/dev/null || fail "unshare --user did not start"
	echo "$!"
}

in_own_userns() {
	[ "$(readlink "/proc/$1/ns/user")" != "$(host_ns user)" ]
}

# idmap_mount DEST SOURCE OPTIONS_JSON [UIDMAP GIDMAP]: append a bind mount,
# with mappings given as "containerID:hostID:size" (one range each).
idmap_mount() {
	local dest=$1 src=$2 opts=$3 u=${4:-} g=${5:-}
	local expr='.mounts += [{"destination": $d, "source": $s, "type": "bind", "options": $o}]'
	if [ -n "$u" ]; then
		expr+=' | .mounts[-1].uidMappings = [$u | split(":") | map(tonumber) | {"containerID": .[0], "hostID": .[1], "size": .[2]}]'
		expr+=' | .mounts[-1].gidMappings = [$g | split(":") | map(tonumber) | {"containerID": .[0], "hostID": .[1], "size": .[2]}]'
	fi
	update_config --arg d "$dest" --arg s "$src" --argjson o "$opts" --arg u "$u" --arg g "$g" "$expr"
}

# For `sh -c "$LS_OWNERS" DIR`: "UID:GID NAME" of DIR and of each entry, as
# `ls -ln` shows them in the container.
LS_OWNERS='ls -lnd "$0" "$0"/* | awk "{ n = split(\$NF, p, \"/\"); print \$3 \":\" \$4, p[n] }"'

@test "userns: files created in an idmapped bind mount appear on the host under the mapped IDs" {
	requires userns
	local src="$BATS_TEST_TMPDIR/src"
	use_userns # container 0 = host 100000
	mkdir -p "$src" "$BUNDLE/rootfs/data"
	touch "$src/hostfile"
	chown 1000:1000 "$src"
	chmod 777 "$src"
	chown 1005:1007 "$src/hostfile"
	# On disk 1000 is seen as host 100000, i.e. the container's root.
	idmap_mount /data "$src" '["bind", "idmap"]' 1000:100000:65536 1000:100000:65536
	# The other options still apply to an idmapped mount.
	mkdir "$BUNDLE/rootfs/ro"
	idmap_mount /ro "$src" '["bind", "idmap", "ro", "nosuid"]' 1000:100000:65536 1000:100000:65536
	set_args sh -c "$LS_OWNERS; touch /data/byroot && echo written; touch /ro/x 2>&1; grep ' /ro ' /proc/self/mountinfo" /data
	run husk run --bundle "$BUNDLE" "$(cid idmap-write)"
	assert_success
	assert_line "0:0 data"
	assert_line "5:7 hostfile"
	assert_line written
	assert_output --partial "touch: /ro/x: Read-only file system"
	assert_output --regexp " /ro ro,nosuid,[^ ]*idmapped"
	[ ! -e "$src/x" ]
	assert_equal "$(stat -c %u:%g "$src/byroot")" 1000:1000
	# Another user of the container: its IDs shift the same way.
	update_config '.process.user = {"uid": 3, "gid": 4}'
	set_args sh -c 'touch /data/byuser && echo written'
	run husk run --bundle "$BUNDLE" "$(cid idmap-write-user)"
	assert_success
	assert_equal "$(stat -c %u:%g "$src/byuser")" 1003:1004
}

@test "userns: the idmap option without mappings takes the container's, and only that mount is idmapped" {
	requires userns
	local id src="$BATS_TEST_TMPDIR/src"
	id=$(cid idmap-default)
	use_userns
	mkdir -p "$src" "$BUNDLE/rootfs/data" "$BUNDLE/rootfs/plain"
	touch "$src/rootfile" # host 0:0
	idmap_mount /data "$src" '["bind", "idmap"]'
	idmap_mount /plain "$src" '["bind"]'
	set_args sh -c 'for d in /data /plain; do ls -ln $d | awk "NF > 2 { print \"$d \" \$3 \":\" \$4, \$NF }"; done
		grep " /data " /proc/self/mountinfo | grep -c idmapped; grep " /plain " /proc/self/mountinfo | grep -c idmapped
		touch /data/new && echo written'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	# Host root is the container's root through /data, unmapped through /plain.
	assert_line "/data 0:0 rootfile"
	assert_line "/plain 65534:65534 rootfile"
	assert_line --index 2 1
	assert_line --index 3 0
	assert_line written
	assert_equal "$(stat -c %u:%g "$src/new")" 0:0
}

@test "userns: the idmap option without mappings in a joined user namespace takes that one's" {
	requires userns
	local pid src="$BATS_TEST_TMPDIR/src"
	pid=$(userns_helper)
	echo "0 200000 65536" >"/proc/$pid/uid_map"
	echo "0 200000 65536" >"/proc/$pid/gid_map"
	use_userns
	update_config --arg p "/proc/$pid/ns/user" '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)
		| del(.linux.uidMappings, .linux.gidMappings)'
	mkdir -p "$src" "$BUNDLE/rootfs/data"
	touch "$src/rootfile"
	idmap_mount /data "$src" '["bind", "idmap"]'
	set_args sh -c 'stat -c %u:%g /data/rootfile; touch /data/new && echo written'
	run husk run --bundle "$BUNDLE" "$(cid idmap-joined)"
	assert_success
	assert_line --index 0 0:0
	assert_line written
	assert_equal "$(stat -c %u:%g "$src/new")" 0:0
}

@test "userns: ridmap idmaps the mounts below the source, idmap with rbind only the top" {
	requires userns
	local id src="$BATS_TEST_TMPDIR/src" other="$BATS_TEST_TMPDIR/other"
	id=$(cid ridmap)
	use_userns
	mkdir -p "$src/sub" "$other" "$BUNDLE/rootfs/r" "$BUNDLE/rootfs/n"
	touch "$src/top" "$other/below"
	chown -R 1000:1000 "$src" "$other"
	mount --bind "$other" "$src/sub"
	HOST_MOUNTS="$src/sub"
	idmap_mount /r "$src" '["rbind", "ridmap"]' 1000:100000:65536 1000:100000:65536
	idmap_mount /n "$src" '["rbind", "idmap"]' 1000:100000:65536 1000:100000:65536
	set_args sh -c 'for f in /r/top /r/sub/below /n/top /n/sub/below; do echo "$f $(stat -c %u:%g $f)"; done'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_line "/r/top 0:0"
	assert_line "/r/sub/below 0:0"
	assert_line "/n/top 0:0"
	# Not idmapped: host 1000 has no mapping in the container.
	assert_line "/n/sub/below 65534:65534"
}

@test "userns: idmapped mounts when init unshares its namespaces itself (time namespace)" {
	requires userns timens
	local src="$BATS_TEST_TMPDIR/src"
	use_userns
	# A time namespace makes init unshare and fork by itself ("staged").
	update_config '.linux.namespaces += [{"type": "time"}]'
	mkdir -p "$src" "$BUNDLE/rootfs/data"
	touch "$src/f"
	chown 1000:1000 "$src/f"
	idmap_mount /data "$src" '["bind", "idmap"]' 1000:100000:65536 1000:100000:65536
	set_args stat -c %u:%g /data/f
	run husk run --bundle "$BUNDLE" "$(cid idmap-staged)"
	assert_success
	assert_output 0:0
}

@test "userns: idmapped mounts without a user namespace map on-disk IDs to the host's" {
	requires userns
	local id src="$BATS_TEST_TMPDIR/src"
	id=$(cid idmap-nouserns)
	mkdir -p "$src"
	touch "$src/f"
	chown 1000:2000 "$src" "$src/f"
	# On disk 1000 (uid) and 2000 (gid) are host root through the mount.
	idmap_mount /data "$src" '["bind"]' 1000:0:1 2000:0:1
	set_args sh -c 'stat -c %u:%g /data/f; touch /data/new && echo written'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 0:0
	assert_line written
	assert_equal "$(stat -c %u:%g "$src/new")" 1000:2000
}

@test "userns: one user namespace per distinct mount mapping" {
	requires userns
	local id src="$BATS_TEST_TMPDIR/src"
	id=$(cid idmap-cache)
	use_userns
	mkdir -p "$src" "$BUNDLE"/rootfs/{a,b,c,d}
	idmap_mount /a "$src" '["bind", "idmap"]' 1000:100000:65536 1000:100000:65536
	idmap_mount /b "$src" '["bind", "idmap"]' 1000:100000:65536 1000:100000:65536
	idmap_mount /c "$src" '["bind", "idmap"]' 2000:100000:65536 2000:100000:65536
	# The container's own mappings, given explicitly and implicitly.
	idmap_mount /d "$src" '["bind", "idmap"]'
	update_config '.mounts += [.mounts[-1] | .destination = "/e"
		| .uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]]'
	mkdir "$BUNDLE/rootfs/e"
	set_args true
	run husk --debug run --bundle "$BUNDLE" "$id"
	assert_success
	assert_equal "$(grep -c 'idmapped mounts: new user namespace' <<<"$output")" 3
}

@test "userns: several uid and gid ranges, setgroups allowed, the process user mapped" {
	requires userns
	local id out="$BATS_TEST_TMPDIR/out"
	id=$(cid ranges)
	use_userns
	mkdir -m 1777 "$out"
	mkdir -p "$BUNDLE/rootfs/out"
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 1000},
			{"containerID": 1000, "hostID": 200000, "size": 1000},
			{"containerID": 5000, "hostID": 300000, "size": 10}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 100},
			{"containerID": 100, "hostID": 400000, "size": 2000}]
		| .process.user = {"uid": 1500, "gid": 1200, "additionalGids": [5, 150]}'
	update_config --arg d "$out" '.mounts += [{"destination": "/out", "source": $d, "type": "bind", "options": ["bind"]}]'
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u; id -G; touch /out/f'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	[ "$(sed -n 1,3p <<<"$output" | tr -s ' ' | sed 's/^ //')" = "$(printf '0 100000 1000\n1000 200000 1000\n5000 300000 10')" ] ||
		fail "uid_map is: $(sed -n 1,3p <<<"$output")"
	[ "$(sed -n 4,5p <<<"$output" | tr -s ' ' | sed 's/^ //')" = "$(printf '0 100000 100\n100 400000 2000')" ] ||
		fail "gid_map is: $(sed -n 4,5p <<<"$output")"
	assert_line --index 5 allow
	assert_line --index 6 1500
	assert_line --index 7 "1200 5 150"
	# The host sees the process as the second ranges' 200000 + 500 and 400000 + 1100.
	assert_equal "$(stat -c %u:%g "$out/f")" 200500:401100
}

@test "userns: process.user.uid 0 without a mapping for 0 is refused before anything runs" {
	requires userns
	local id out="$BATS_TEST_TMPDIR/out"
	id=$(cid noroot)
	use_userns
	mkdir -m 1777 "$out"
	update_config '.linux.uidMappings = [{"containerID": 1, "hostID": 100001, "size": 65535}]'
	update_config --arg d "$out" '.mounts += [{"destination": "/tmp", "source": $d, "type": "bind", "options": ["bind"]}]'
	set_args touch /tmp/ran
	hrun run --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	assert_output --partial "config.json: process.user.uid: 0 is not mapped in linux.uidMappings"
	[ ! -e "$out/ran" ]
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	# The same for a gid and an additional gid.
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 10}]
		| .process.user.additionalGids = [3, 20]'
	hrun run --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	assert_output --partial "config.json: process.user.additionalGids[1]: 20 is not mapped in linux.gidMappings"
	[ ! -e "$out/ran" ]
}

@test "userns: a joined user namespace without a mapping for uid 0 never runs the process as root" {
	requires userns
	local id pid out="$BATS_TEST_TMPDIR/out"
	id=$(cid joined-noroot)
	mkdir -m 1777 "$out"
	# A process in a user namespace of its own, given a map without 0.
	pid=$(userns_helper)
	echo "1 100001 65535" >"/proc/$pid/uid_map"
	echo "0 100000 65536" >"/proc/$pid/gid_map"
	use_userns
	update_config --arg p "/proc/$pid/ns/user" '.linux.namespaces |= map(if .type == "user" then .path = $p else . end)
		| del(.linux.uidMappings, .linux.gidMappings)'
	update_config --arg d "$out" '.mounts += [{"destination": "/tmp", "source": $d, "type": "bind", "options": ["bind"]}]'
	set_args touch /tmp/ran
	hrun run --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ] || fail "ran as uid 0"
	assert_output --partial "process.user.uid: 0 has no mapping in the container's user namespace"
	[ ! -e "$out/ran" ]
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}

@test "userns: bad ID mappings are refused, naming the JSON path, and leave nothing" {
	requires userns
	local id src="$BATS_TEST_TMPDIR/src" cfg case
	id=$(cid bad)
	mkdir -p "$src"
	cp "$BUNDLE/config.json" "$BATS_TEST_TMPDIR/base.json"
	# "jq edit##expected message"
	local cases=(
		'.mounts += [{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}]##mounts[7]: uidMappings, gidMappings and the idmap and ridmap options need a bind mount'
		'.mounts += [{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}]##mounts[7]: uidMappings, gidMappings and the idmap and ridmap options need a bind mount'
		'.mounts += [{"destination": "/t", "type": "bind", "source": $s, "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}, {"containerID": 5, "hostID": 5000, "size": 10}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}]##mounts[7].uidMappings[1]: its containerID range overlaps that of mounts[7].uidMappings[0]'
		'.mounts += [{"destination": "/t", "type": "bind", "source": $s, "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}, {"containerID": 50, "hostID": 1009, "size": 1}]}]##mounts[7].gidMappings[1]: its hostID range overlaps that of mounts[7].gidMappings[0]'
		'.mounts += [{"destination": "/t", "type": "bind", "source": $s, "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 0}]}]##mounts[7].gidMappings[0].size: must not be 0'
		'.mounts += [{"destination": "/t", "type": "bind", "source": $s, "options": ["bind"], "uidMappings": [{"containerID": 4294967000, "hostID": 1000, "size": 1000}], "gidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}]}]##mounts[7].uidMappings[0]: containerID 4294967000 or hostID 1000 + size 1000 goes past the largest ID'
		'.mounts += [{"destination": "/t", "type": "bind", "source": $s, "options": ["bind"], "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 10}]}]##mounts[7].gidMappings: missing; an idmapped mount needs both uidMappings and gidMappings'
		'.mounts += [{"destination": "/t", "type": "bind", "source": $s, "options": ["rbind", "ridmap"]}]##mounts[7].options: "ridmap" without uidMappings and gidMappings takes the mappings of the container'"'"'s user namespace, but the container has none'
		'.mounts += [{"destination": "/t", "type": "bind", "source": $s, "options": ["bind", "idmap", "size=1k"]}]##mounts[7].options: unsupported option for a bind mount'
		'.linux.uidMappings = [{"containerID": 0, "hostID": 1000, "size": 10}] | .linux.gidMappings = .linux.uidMappings##linux.uidMappings: given, but the container has no user namespace'
		'.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 10}, {"containerID": 10, "hostID": 100005, "size": 10}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 10}]##linux.uidMappings[1]: its hostID range overlaps that of linux.uidMappings[0]'
		'.linux.namespaces += [{"type": "user"}] | .linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 10}] | .linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 0}]##linux.gidMappings[0].size: must not be 0'
	)
	for case in "${cases[@]}"; do
		cp "$BATS_TEST_TMPDIR/base.json" "$BUNDLE/config.json"
		update_config --arg s "$src" "${case%%##*}"
		hrun run --bundle "$BUNDLE" "$id"
		[ "$status" -ne 0 ] || fail "accepted: ${case%%##*}"
		assert_output --partial "config.json: ${case#*##}"
		[ -z "$(ls -A "$HUSK_ROOT")" ] || fail "state left after: ${case%%##*}"
	done
	# Nothing was created in the rootfs or the source either.
	[ ! -e "$BUNDLE/rootfs/t" ]
	[ -z "$(ls -A "$src")" ]
}

@test "userns: an idmapped mount whose source is missing fails cleanly" {
	requires userns
	local id
	id=$(cid idmap-nosrc)
	use_userns
	idmap_mount /data "$BATS_TEST_TMPDIR/missing" '["bind", "idmap"]'
	hrun run --bundle "$BUNDLE" "$id"
	[ "$status" -ne 0 ]
	assert_output --partial "config.json: mounts[7]: source \`$BATS_TEST_TMPDIR/missing\`: open_tree: No such file or directory"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}

@test "userns: no idmapped mount descriptor reaches the container" {
	requires userns
	local src="$BATS_TEST_TMPDIR/src" plain
	use_userns
	mkdir -p "$src" "$BUNDLE/rootfs/a" "$BUNDLE/rootfs/b"
	# The shell is pid 1: its descriptors are what husk handed over.  With
	# --preserve-fds, descriptors 3-102 survive exec unless they are
	# close-on-exec: the trees husk made must be that, or closed.
	# (No pipe: the shell's own pipe ends would show for a moment.)
	set_args sh -c 'ls /proc/1/fd; true'
	run husk run --preserve-fds 100 --bundle "$BUNDLE" "$(cid fds-plain)"
	assert_success
	plain=$output
	idmap_mount /a "$src" '["bind", "idmap"]'
	idmap_mount /b "$src" '["bind", "idmap"]' 1000:100000:65536 1000:100000:65536
	run husk run --preserve-fds 100 --bundle "$BUNDLE" "$(cid fds-idmap)"
	assert_success
	assert_equal "$output" "$plain"
	run husk run --bundle "$BUNDLE" "$(cid fds-idmap2)"
	assert_success
	assert_equal "$(echo $output)" "0 1 2"
}

# Running husk itself as an unprivileged user (nobody).  It needs a state
# directory of its own, and a config it can run: no cgroup mount (cgroup v1
# cannot be mounted in a user namespace without root) and no resources (the
# cgroups are root's).
rootless_setup() {
	use_userns
	chown nobody "$HUSK_ROOT"
	update_config '.mounts |= map(select(.type != "cgroup")) | del(.linux.resources)
		| .linux.uidMappings = [{"containerID": 0, "hostID": 65534, "size": 1}]
		| .linux.gidMappings = [{"containerID": 0, "hostID": 65534, "size": 1}]
		| .mounts |= map(if .type == "devpts" then .options -= ["gid=5"] else . end)'
}

as_nobody() {
	setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}

@test "userns: without root and without newuidmap, only one's own IDs are mapped, setgroups denied" {
	requires userns
	local id
	id=$(cid rootless-own)
	rootless_setup
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups; id -u'
	# No newuidmap/newgidmap on this $PATH: husk writes the maps itself.
	run as_nobody env PATH=/nonexistent "$HUSK" --debug --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id"
	assert_success
	assert_output --partial "newuidmap not found on \$PATH, writing the map directly"
	[ "$(grep -E '^ +0 +65534 +1$' <<<"$output" | wc -l)" -eq 2 ] || fail "maps: $output"
	assert_line deny
	assert_line 0
	# Several ranges need newuidmap: a clear error, and nothing left.
	update_config '.linux.uidMappings += [{"containerID": 1, "hostID": 200000, "size": 1000}]'
	run as_nobody env PATH=/nonexistent "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "linux.uidMappings: write \`/proc/"
	assert_output --partial "without root, only one's own uid can be mapped unless newuidmap (Debian package uidmap) is on \$PATH and /etc/subuid grants the ranges"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
	# And an idmapped mount needs root.
	update_config '.linux.uidMappings = [{"containerID": 0, "hostID": 65534, "size": 1}]'
	idmap_mount /mnt "$BATS_TEST_TMPDIR" '["bind", "idmap"]'
	run as_nobody env PATH=/nonexistent "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "config.json: mounts[6]: idmapped mounts need husk to run as root"
}

@test "userns: without root, several ranges are written through newuidmap and newgidmap" {
	requires userns
	[ -x /usr/bin/newuidmap ] && [ -x /usr/bin/newgidmap ] ||
		skip "newuidmap/newgidmap are not installed (Debian package uidmap)"
	local id
	id=$(cid rootless-helper)
	rootless_setup
	update_config '.linux.uidMappings += [{"containerID": 1, "hostID": 200000, "size": 65536}]
		| .linux.gidMappings += [{"containerID": 1, "hostID": 300000, "size": 65536}]'
	set_args sh -c 'cat /proc/self/uid_map /proc/self/gid_map /proc/self/setgroups'
	# Ranges for nobody, in this test's own /etc/subuid and /etc/subgid:
	# the files are bind-mounted over the host's in a private mount namespace.
	echo "nobody:200000:65536" >"$BATS_TEST_TMPDIR/subuid"
	echo "nobody:300000:65536" >"$BATS_TEST_TMPDIR/subgid"
	run unshare -m --propagation private sh -c '
		mount --bind "$1/subuid" /etc/subuid && mount --bind "$1/subgid" /etc/subgid &&
		shift && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"' sh \
		"$BATS_TEST_TMPDIR" env PATH=/usr/bin:/bin "$HUSK" --debug --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id"
	assert_success
	assert_output --partial "linux.uidMappings: writing with /usr/bin/newuidmap"
	assert_output --partial "linux.gidMappings: writing with /usr/bin/newgidmap"
	local maps
	maps=$(grep -E '^ +[0-9]' <<<"$output" | tr -s ' ' | sed 's/^ //')
	assert_equal "$maps" "$(printf '0 65534 1\n1 200000 65536\n0 65534 1\n1 300000 65536')"
	assert_line allow
	# Without ranges in /etc/subuid, newuidmap's own complaint is shown.
	run as_nobody env PATH=/usr/bin:/bin "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "linux.uidMappings: \`/usr/bin/newuidmap "
	assert_output --partial "newuidmap: uid range [1-65537) -> [200000-265536) not allowed"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}

@test "userns: husk features reports idmapped mounts and the idmap and ridmap options" {
	run husk features
	assert_success
	assert_equal "$(jq -r .linux.mountExtensions.idmap.enabled <<<"$output")" true
	assert_equal "$(jq -r '[.mountOptions[] | select(. == "idmap" or . == "ridmap")] | join(",")' <<<"$output")" idmap,ridmap
}
