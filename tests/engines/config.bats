#!/usr/bin/env bats
# contrib/install-engine-config.sh: the Podman drop-in and the Docker
# daemon.json entry, installed into temporary directories.

load helpers

INSTALL=$REPO_ROOT/contrib/install-engine-config.sh

setup() {
	D=$BATS_TEST_TMPDIR
	install_args=(--husk /opt/husk/bin/husk --podman-dir "$D/containers.conf.d"
		--docker-config "$D/docker/daemon.json")
}

@test "install-engine-config: a fresh install, then a second run changes nothing" {
	run "$INSTALL" "${install_args[@]}"
	assert_success
	assert_line --partial "containers.conf.d/husk.conf: written"
	assert_line --partial "docker/daemon.json: written"
	grep -qx 'husk = \["/opt/husk/bin/husk"\]' "$D/containers.conf.d/husk.conf"
	grep -q '^runtime_supports_json = \[.*"husk"\]' "$D/containers.conf.d/husk.conf"
	grep -q '^runtime_supports_nocgroup = \[.*"husk"\]' "$D/containers.conf.d/husk.conf"
	run jq -c . "$D/docker/daemon.json"
	assert_output '{"runtimes":{"husk":{"path":"/opt/husk/bin/husk"}}}'

	local before
	before=$(stat -c '%i %Y' "$D/containers.conf.d/husk.conf" "$D/docker/daemon.json")
	run "$INSTALL" "${install_args[@]}"
	assert_success
	assert_line --partial "husk.conf: already up to date"
	assert_line --partial "daemon.json: already up to date"
	[ "$(stat -c '%i %Y' "$D/containers.conf.d/husk.conf" "$D/docker/daemon.json")" = "$before" ]
}

@test "install-engine-config: daemon.json is merged, not clobbered" {
	mkdir -p "$D/docker"
	cat >"$D/docker/daemon.json" <<-'EOF'
		{"log-level": "warn", "default-runtime": "runc",
		 "runtimes": {"other": {"path": "/usr/bin/other"},
		              "husk": {"path": "/old/husk", "runtimeArgs": ["--debug"]}}}
	EOF
	chmod 0600 "$D/docker/daemon.json"
	run "$INSTALL" "${install_args[@]}"
	assert_success
	run jq -cS . "$D/docker/daemon.json"
	assert_output '{"default-runtime":"runc","log-level":"warn","runtimes":{"husk":{"path":"/opt/husk/bin/husk","runtimeArgs":["--debug"]},"other":{"path":"/usr/bin/other"}}}'
	[ "$(stat -c %a "$D/docker/daemon.json")" = 600 ]
	# Already there in another layout: left alone.
	jq . "$D/docker/daemon.json" >"$D/pretty.json"
	mv "$D/pretty.json" "$D/docker/daemon.json"
	run "$INSTALL" --no-podman "${install_args[@]}"
	assert_success
	assert_output --partial "daemon.json: already up to date"
	refute_output --partial "husk.conf"
}

@test "install-engine-config: a daemon.json that is not a JSON object is refused and nothing is written" {
	mkdir -p "$D/docker"
	printf '{"runtimes": ' >"$D/docker/daemon.json"
	run "$INSTALL" "${install_args[@]}"
	assert_failure
	assert_output --partial "daemon.json: not a JSON object; left as it is"
	[ "$(cat "$D/docker/daemon.json")" = '{"runtimes": ' ]
	[ ! -e "$D/containers.conf.d" ]
	echo '{"runtimes": "runc"}' >"$D/docker/daemon.json"
	run "$INSTALL" "${install_args[@]}"
	assert_failure
	assert_output --partial '"runtimes" or "runtimes.husk" is not an object'
	[ ! -e "$D/containers.conf.d" ]
}

@test "install-engine-config: bad arguments are refused" {
	run "$INSTALL" --husk husk
	assert_failure
	assert_output --partial "not an absolute path"
	run "$INSTALL" --husk '/opt/my husk'
	assert_failure
	assert_output --partial "only letters, digits"
	run "$INSTALL" --frobnicate
	assert_failure 2
	assert_output --partial "unknown argument \`--frobnicate\`"
}

@test "install-engine-config: Podman reads every key of the installed drop-in" {
	command -v podman >/dev/null || skip "podman is not installed (run contrib/install-deps.sh)"
	run "$INSTALL" --husk "$HUSK" --podman-dir "$D/containers.conf.d" --no-docker
	assert_success
	# CONTAINERS_CONF makes Podman read this one file; unknown keys would
	# show up in its debug log as "Failed to decode the keys".
	run env CONTAINERS_CONF="$D/containers.conf.d/husk.conf" timeout 60 podman --log-level debug \
		--root "$D/storage" --runroot "$D/run" --tmpdir "$D/tmp" --network-config-dir "$D/cni" \
		--cgroup-manager cgroupfs \
		--events-backend none --runtime husk info --format '{{.Host.OCIRuntime.Name}} {{.Host.OCIRuntime.Path}}'
	assert_success
	refute_output --partial "Failed to decode"
	assert_line "husk $HUSK"
	rm -rf "$D/storage" "$D/run" "$D/tmp" "$D/cni"
}
