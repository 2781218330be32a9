#!/usr/bin/env bats
# OverlayFS: the rootfs layered by --overlay/--layer or the run.husk.rootfs.*
# annotations (the bundle on disk never changes), `overlay` entries of
# config.mounts, and what is refused.  teardown() checks that no mount and
# no state is left; tests check the host directories husk makes.

load helpers

# A fingerprint of a tree: names, types, modes, owners, sizes, link targets
# and contents (not times).
tree_sum() {
	(
		cd "$1" &&
			find . -printf '%p %y %m %U %G %s %l\n' | sort &&
			find . -type f -exec md5sum {} + | sort
	) | md5sum
}

# What an upper directory holds: path, type, and device numbers of whiteouts.
upper_listing() {
	(cd "$1" && find . -mindepth 1 -printf '%p %y\n' | sort)
}

# helpers.bash's setup, kept as common_setup.
eval "common_$(declare -f setup)"

setup() {
	requires root
	grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null ||
		skip "the kernel has no overlayfs"
	common_setup
	update_config '.root.readonly = false'
	mkdir -p "$BUNDLE/rootfs/data"
	echo keep >"$BUNDLE/rootfs/data/modify"
	echo gone >"$BUNDLE/rootfs/data/delete"
	echo moved >"$BUNDLE/rootfs/data/rename"
}

# The one script the containers run: add, modify, delete and rename files.
WRITER='echo new >/data/new && echo changed >/data/modify && rm /data/delete &&
	mv /data/rename /data/renamed && mkdir /data/dir && cat /data/modify /data/renamed'

@test "overlay: --overlay (ephemeral) leaves the bundle's rootfs unchanged" {
	local id before
	id=$(cid eph)
	before=$(tree_sum "$BUNDLE/rootfs")
	set_args sh -c "$WRITER && grep ' / overlay ' /proc/mounts"
	run husk run --overlay --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 changed
	assert_line --index 1 moved
	assert_output --partial "lowerdir=$BUNDLE/rootfs"
	assert_equal "$(tree_sum "$BUNDLE/rootfs")" "$before"
	# A second container starts from the bundle again.
	set_args sh -c 'cat /data/modify; ls /data'
	run husk run --overlay=ephemeral --bundle "$BUNDLE" "$(cid eph2)"
	assert_success
	assert_output "keep
delete
modify
rename"
}

@test "overlay: the annotation does what --overlay does; the state's rootfs stays root.path" {
	local id before
	id=$(cid annot)
	before=$(tree_sum "$BUNDLE/rootfs")
	update_config '.annotations["run.husk.rootfs.overlay"] = "ephemeral"'
	set_args sh -c "$WRITER && sleep 100"
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	husk start "$id"
	wait_for_status "$id" running
	assert_equal "$(jq -r .rootfs "$HUSK_ROOT/$id/state.json")" "$BUNDLE/rootfs"
	# The merged tree is only in the container's mount namespace.
	run grep -F " $BUNDLE/rootfs " /proc/self/mountinfo
	assert_failure
	retry 50 0.1 husk exec "$id" test -e /data/renamed
	husk delete --force "$id"
	assert_equal "$(tree_sum "$BUNDLE/rootfs")" "$before"
}

@test "overlay: --overlay=DIR keeps exactly the container's changes in DIR" {
	local id upper="$BATS_TEST_TMPDIR/upper"
	id=$(cid kept)
	before=$(tree_sum "$BUNDLE/rootfs")
	set_args sh -c "$WRITER"
	run husk run --overlay="$upper" --bundle "$BUNDLE" "$id"
	assert_success
	assert_equal "$(tree_sum "$BUNDLE/rootfs")" "$before"
	# New and changed files, the new directory, the renamed file, and a
	# whiteout (a 0:0 character device) for each name that went away.
	assert_equal "$(upper_listing "$upper")" "./data d
./data/delete c
./data/dir d
./data/modify f
./data/new f
./data/rename c
./data/renamed f"
	assert_equal "$(stat -c '%t:%T' "$upper/data/delete")" "0:0"
	assert_equal "$(cat "$upper/data/modify")" changed
	# The workdir husk made beside it is gone with the container.
	run ls -d "$upper".work-*
	assert_failure
	# The next container sees those changes.
	set_args sh -c 'cat /data/new; ls /data'
	run husk run --overlay="$upper" --bundle "$BUNDLE" "$(cid kept2)"
	assert_success
	assert_output "new
dir
modify
new
renamed"
}

@test "overlay: --overlay=DIR relative to the current directory, created with root.path's owner and mode" {
	local id
	id=$(cid rel)
	chmod 0750 "$BUNDLE/rootfs"
	set_args sh -c 'stat -c %a /; touch /x'
	cd "$BATS_TEST_TMPDIR"
	run husk run --overlay=up-rel --bundle "$BUNDLE" "$id"
	assert_success
	assert_output 750
	[ -f "$BATS_TEST_TMPDIR/up-rel/x" ]
	assert_equal "$(stat -c %a "$BATS_TEST_TMPDIR/up-rel")" 750
}

@test "overlay: three layers, the top one hiding a file of the bottom one" {
	local id
	id=$(cid layers)
	echo bottom >"$BUNDLE/rootfs/data/hidden"
	echo bottom >"$BUNDLE/rootfs/data/shadowed"
	mkdir -p "$BUNDLE/top/data" "$BUNDLE/middle/data"
	mknod "$BUNDLE/top/data/hidden" c 0 0 # an overlayfs whiteout
	echo top >"$BUNDLE/top/data/shadowed"
	echo middle >"$BUNDLE/middle/data/shadowed"
	echo middle >"$BUNDLE/middle/data/mid"
	update_config '.annotations["run.husk.rootfs.layers"] = "top:middle"'
	set_args sh -c 'ls /data; cat /data/shadowed /data/mid; touch /data/x 2>/dev/null || echo read-only'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	# Layers without an upper directory make a read-only root.
	assert_output "delete
mid
modify
rename
shadowed
top
middle
read-only"
	# --layer replaces the annotation: only the middle layer now.
	set_args sh -c 'cat /data/shadowed /data/hidden'
	run husk run --layer "$BUNDLE/middle" --overlay --bundle "$BUNDLE" "$(cid layers2)"
	assert_success
	assert_output "middle
bottom"
}

@test "overlay: with root.readonly the merged root is read-only" {
	local id before
	id=$(cid ro)
	before=$(tree_sum "$BUNDLE/rootfs")
	update_config '.root.readonly = true'
	set_args sh -c 'grep " / overlay " /proc/mounts | cut -d" " -f4 | cut -d, -f1; touch /data/x 2>&1'
	run husk run --overlay --bundle "$BUNDLE" "$id"
	assert_failure
	assert_line --index 0 ro
	assert_output --partial "Read-only file system"
	assert_equal "$(tree_sum "$BUNDLE/rootfs")" "$before"
}

@test "overlay: with --no-pivot" {
	local id before
	id=$(cid nopivot)
	before=$(tree_sum "$BUNDLE/rootfs")
	set_args sh -c "$WRITER"
	run husk run --no-pivot --overlay --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 changed
	assert_equal "$(tree_sum "$BUNDLE/rootfs")" "$before"
}

@test "overlay: in a user namespace (userxattr), ephemeral and kept" {
	requires userns
	local id before upper="$BATS_TEST_TMPDIR/upper-userns"
	id=$(cid userns)
	use_userns
	chown -R 100000:100000 "$BUNDLE/rootfs"
	before=$(tree_sum "$BUNDLE/rootfs")
	set_args sh -c "$WRITER && id -u && grep -o userxattr /proc/mounts"
	run husk run --overlay --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 2 0
	assert_line --index 3 userxattr
	assert_equal "$(tree_sum "$BUNDLE/rootfs")" "$before"
	# A kept upper directory gets the container's files, owned as mapped.
	run husk run --overlay="$upper" --bundle "$BUNDLE" "$(cid userns2)"
	assert_success
	assert_equal "$(stat -c %u:%g "$upper/data/new")" 100000:100000
	assert_equal "$(tree_sum "$BUNDLE/rootfs")" "$before"
	run ls -d "$upper".work-*
	assert_failure
}

@test "overlay: an overlay entry in config.mounts, directories taken from the bundle" {
	local id
	id=$(cid mount)
	mkdir -p "$BUNDLE/lo1" "$BUNDLE/lo2" "$BUNDLE/up" "$BUNDLE/work"
	echo one >"$BUNDLE/lo1/f"
	echo two >"$BUNDLE/lo2/f"
	echo two >"$BUNDLE/lo2/g"
	update_config '.mounts += [{"destination": "/merged", "type": "overlay", "source": "overlay",
		"options": ["lowerdir=lo1:lo2", "upperdir=up", "workdir=work", "index=off", "volatile", "nodev"]}]'
	set_args sh -c 'cat /merged/f /merged/g; echo w >/merged/h; grep " /merged " /proc/mounts'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_line --index 0 one
	assert_line --index 1 two
	assert_output --partial "lowerdir=$BUNDLE/lo1:$BUNDLE/lo2,upperdir=$BUNDLE/up"
	assert_output --partial "volatile"
	assert_output --partial "nodev"
	assert_equal "$(cat "$BUNDLE/up/h")" w
	[ ! -e "$BUNDLE/lo1/h" ]
}

@test "overlay: bad overlay entries in config.mounts are refused" {
	mkdir -p "$BUNDLE/lo1" "$BUNDLE/lo1/up" "$BUNDLE/work"
	update_config '.mounts += [{"destination": "/merged", "type": "overlay", "source": "overlay",
		"options": ["lowerdir=lo1:missing"]}]'
	hrun create --bundle "$BUNDLE" "$(cid m1)"
	assert_failure
	assert_output --partial "mounts[7]"
	assert_output --partial "lowerdir: layer \`$BUNDLE/missing\`: No such file or directory"
	update_config '.mounts[7].options = ["lowerdir=lo1", "upperdir=lo1/up", "workdir=work"]'
	hrun create --bundle "$BUNDLE" "$(cid m2)"
	assert_failure
	assert_output --partial "upperdir \`$BUNDLE/lo1/up\` is inside lowerdir \`$BUNDLE/lo1\`"
	run ls "$HUSK_ROOT"
	assert_output ""
}

@test "overlay: a missing layer, an upper inside a layer and bad values are refused, nothing made" {
	local out
	mkdir -p "$BUNDLE/layer"
	hrun create --layer "$BUNDLE/nope" --bundle "$BUNDLE" "$(cid bad1)"
	assert_failure
	assert_output "husk: --layer: layer \`$BUNDLE/nope\`: No such file or directory"

	update_config '.annotations["run.husk.rootfs.layers"] = "layer:nope"'
	hrun create --bundle "$BUNDLE" "$(cid bad2)"
	assert_failure
	assert_output "husk: annotation run.husk.rootfs.layers: layer \`$BUNDLE/nope\`: No such file or directory"
	update_config 'del(.annotations)'

	hrun create --overlay="$BUNDLE/rootfs/upper" --bundle "$BUNDLE" "$(cid bad3)"
	assert_failure
	assert_output "husk: --overlay: upper directory \`$BUNDLE/rootfs/upper\` is inside root.path \`$BUNDLE/rootfs\`"
	[ ! -e "$BUNDLE/rootfs/upper" ]

	hrun create --overlay="$BUNDLE/layer" --layer "$BUNDLE/layer" --bundle "$BUNDLE" "$(cid bad4)"
	assert_failure
	assert_output "husk: --overlay: upper directory \`$BUNDLE/layer\` and layer are the same directory"

	hrun create --overlay="$BUNDLE" --bundle "$BUNDLE" "$(cid bad5)"
	assert_failure
	assert_output "husk: --overlay: root.path \`$BUNDLE/rootfs\` is inside upper directory \`$BUNDLE\`"

	hrun create --layer "$BUNDLE/rootfs/data" --bundle "$BUNDLE" "$(cid bad6)"
	assert_failure
	assert_output "husk: --layer: layer \`$BUNDLE/rootfs/data\` is inside root.path \`$BUNDLE/rootfs\`"

	update_config '.annotations["run.husk.rootfs.overlay"] = "layer"
		| .annotations["run.husk.rootfs.layers"] = "layer"'
	hrun create --bundle "$BUNDLE" "$(cid bad7)"
	assert_failure
	assert_output "husk: annotation run.husk.rootfs.overlay: upper directory \`$BUNDLE/layer\` and layer are the same directory"
	update_config 'del(.annotations)'

	# The overlay goes into a new mount namespace only.
	update_config '.linux.namespaces |= map(if .type == "mount" then .path = "/proc/self/ns/mnt" else . end)'
	hrun create --overlay --bundle "$BUNDLE" "$(cid badns)"
	assert_failure
	assert_output "husk: --overlay: needs a new mount namespace (linux.namespaces joins one by path)"
	update_config '.linux.namespaces |= map(if .type == "mount" then del(.path) else . end)'

	hrun create --overlay= --bundle "$BUNDLE" "$(cid bad8)"
	assert_failure
	assert_output --partial "--overlay=: expected a directory"

	# A workdir in the way is not taken over (nor removed).
	mkdir "$BATS_TEST_TMPDIR/up.work-${HK_PREFIX}bad9"
	hrun create --overlay="$BATS_TEST_TMPDIR/up" --bundle "$BUNDLE" "$(cid bad9)"
	assert_failure
	assert_output --partial "already exists"
	[ -d "$BATS_TEST_TMPDIR/up.work-${HK_PREFIX}bad9" ]
	[ ! -e "$BATS_TEST_TMPDIR/up" ]

	run ls "$HUSK_ROOT"
	assert_output ""
}

@test "overlay: a container that fails after the mount leaves nothing" {
	local upper="$BATS_TEST_TMPDIR/upper"
	update_config '.hooks.createRuntime = [{"path": "/bin/false"}]'
	hrun create --overlay="$upper" --bundle "$BUNDLE" "$(cid fail)"
	assert_failure
	assert_output --partial createRuntime
	# The upper directory husk made (still empty) and its workdir are gone.
	[ ! -e "$upper" ]
	run ls -d "$upper".work-*
	assert_failure
}

@test "overlay: delete --force cleans up after husk itself crashed during create" {
	local id upper="$BATS_TEST_TMPDIR/upper"
	id=$(cid crash)
	# The hook kills husk (its parent) in the middle of create.
	update_config '.hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $PPID"]}]'
	hrun create --overlay="$upper" --bundle "$BUNDLE" "$id"
	assert_failure
	[ -d "$upper.work-$id" ]
	[ -e "$HUSK_ROOT/$id/overlay.record" ]
	run husk delete --force "$id"
	assert_success
	[ ! -e "$upper.work-$id" ]
	[ ! -e "$upper" ] # made by that create and still empty
	[ ! -e "$HUSK_ROOT/$id" ]
}

@test "overlay: delete after the container was killed removes the workdir" {
	local id upper="$BATS_TEST_TMPDIR/upper"
	id=$(cid killed)
	set_args sh -c 'echo x >/x; sleep 100'
	hrun run -d --overlay="$upper" --bundle "$BUNDLE" "$id"
	assert_success
	[ -d "$upper.work-$id" ]
	husk kill "$id" KILL
	wait_for_status "$id" stopped
	run husk delete "$id"
	assert_success
	[ ! -e "$upper.work-$id" ]
	assert_equal "$(cat "$upper/x")" x
}

@test "overlay: features lists the annotations, as unsafe for untrusted users" {
	run husk features
	assert_success
	assert_equal "$(echo "$output" | jq -r '.annotations["run.husk.rootfs.overlay"]')" true
	assert_equal "$(echo "$output" | jq -r '.annotations["run.husk.rootfs.layers"]')" true
	assert_equal "$(echo "$output" | jq -r '.potentiallyUnsafeConfigAnnotations[]')" run.husk.rootfs.
}
