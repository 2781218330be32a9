#!/usr/bin/env bats
# OCI hooks: each kind runs at its point of the lifecycle, receives the
# state on stdin, and a failing hook fails create (but only warns for
# poststart and poststop).

load helpers

# A hook script on the host that appends "NAME <state JSON>" to a log.
setup_hook() {
	HOOK_LOG="$BATS_TEST_TMPDIR/hooks.log"
	HOOK="$BATS_TEST_TMPDIR/hook.sh"
	cat >"$HOOK" <<-EOS
	#!/bin/sh
	printf '%s %s\n' "\$1" "\$(cat)" >>"$HOOK_LOG"
	EOS
	chmod +x "$HOOK"
}

hook() { # hook KIND -> the JSON of one hook entry logging KIND
	printf '{"path":"%s","args":["hook.sh","%s"]}' "$HOOK" "$1"
}

@test "hooks: each kind runs once, in lifecycle order, with the state on stdin" {
	local id
	id=$(cid hooks)
	setup_hook
	set_args true
	update_config ".hooks = {
		\"prestart\": [$(hook prestart)],
		\"createRuntime\": [$(hook createRuntime)],
		\"createContainer\": [$(hook createContainer)],
		\"startContainer\": [{\"path\":\"/bin/sh\",\"args\":[\"sh\",\"-c\",\"cat > /tmp/start-state\"]}],
		\"poststart\": [$(hook poststart)],
		\"poststop\": [$(hook poststop)]}"
	update_config '.root.readonly = false'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	run cut -d' ' -f1 "$HOOK_LOG"
	assert_output "prestart
createRuntime
createContainer
poststart
poststop"
	# The state: id, bundle, status and the init's pid as the host sees it.
	run sh -c "grep '^createRuntime ' '$HOOK_LOG' | cut -d' ' -f2-"
	assert_equal "$(echo "$output" | jq -r .id)" "$id"
	assert_equal "$(echo "$output" | jq -r .bundle)" "$BUNDLE"
	assert_equal "$(echo "$output" | jq -r .status)" creating
	[ "$(echo "$output" | jq -r .pid)" -gt 1 ]
	run sh -c "grep '^poststop ' '$HOOK_LOG' | cut -d' ' -f2- | jq -r .status"
	assert_output stopped
	# startContainer ran inside the container (its /tmp is the rootfs').
	assert_equal "$(jq -r .id "$BUNDLE/rootfs/tmp/start-state")" "$id"
}

@test "hooks: poststart runs at start, not at create" {
	local id
	id=$(cid hooks-start)
	setup_hook
	set_args sleep 100
	update_config ".hooks = {\"poststart\": [$(hook poststart)]}"
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	[ ! -e "$HOOK_LOG" ] || fail "poststart ran before start"
	run husk start "$id"
	assert_success
	run cut -d' ' -f1 "$HOOK_LOG"
	assert_output poststart
}

# state.json records that the config has no poststart/poststop hooks, so
# start and delete do not read the config back (without the record they
# would warn that they cannot).
@test "hooks: without poststart/poststop hooks, start and delete do not read config.json" {
	local id
	id=$(cid hooks-none)
	set_args true
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	mv "$BUNDLE/config.json" "$BUNDLE/config.json.away"
	run husk start "$id"
	assert_success
	refute_output --partial "hooks not run"
	wait_for_status "$id" stopped
	run husk delete "$id"
	assert_success
	refute_output --partial "hooks not run"
	mv "$BUNDLE/config.json.away" "$BUNDLE/config.json"
}

# With a poststop hook, delete reads it from the config.
@test "hooks: poststop runs at delete after a separate start" {
	local id
	id=$(cid hooks-stop)
	setup_hook
	set_args true
	update_config ".hooks = {\"poststop\": [$(hook poststop)]}"
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	run husk start "$id"
	assert_success
	wait_for_status "$id" stopped
	[ ! -e "$HOOK_LOG" ] || fail "poststop ran before delete"
	run husk delete "$id"
	assert_success
	run cut -d' ' -f1 "$HOOK_LOG"
	assert_output poststop
}

@test "hooks: a failing createRuntime hook fails create and leaves nothing" {
	local id
	id=$(cid hooks-fail)
	update_config '.hooks = {"createRuntime": [{"path":"/bin/sh","args":["sh","-c","echo broken-hook >&2; exit 3"]}]}'
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "hooks.createRuntime[0]"
	assert_output --partial "status 3"
	assert_output --partial "broken-hook"
	run husk list -q
	assert_output ""
}

@test "hooks: a failing createContainer hook fails create" {
	local id
	id=$(cid hooks-cc)
	update_config '.hooks = {"createContainer": [{"path":"/bin/false"}]}'
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "hooks.createContainer[0]"
}

@test "hooks: a hook past its timeout is killed and fails create" {
	local id
	id=$(cid hooks-timeout)
	update_config '.hooks = {"prestart": [{"path":"/bin/sleep","args":["sleep","30"],"timeout":1}]}'
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "timed out"
	run pgrep -f "^sleep 30$"
	assert_failure
}

@test "hooks: a failing poststop hook only warns; delete still succeeds" {
	local id
	id=$(cid hooks-poststop)
	set_args true
	update_config '.hooks = {"poststop": [{"path":"/bin/false"}]}'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_output --partial "hooks.poststop[0]"
	run husk list -q
	assert_output ""
}

@test "hooks: a relative hook path is refused" {
	local id
	id=$(cid hooks-rel)
	update_config '.hooks = {"prestart": [{"path":"bin/true"}]}'
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	assert_output --partial "hooks.prestart[0].path"
}

@test "hooks: a hook that exits without reading its stdin does not kill husk (SIGPIPE)" {
	# 200 KB of annotations: more than a pipe holds, so the write of the
	# state meets a closed pipe.
	head -c 200000 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/big"
	update_config --rawfile big "$BATS_TEST_TMPDIR/big" '.annotations = {"big": $big}
		| .hooks.poststop = [{"path": "/bin/true"}]
		| .hooks.prestart = [{"path": "/bin/true"}]'
	set_args true
	run husk run --bundle "$BUNDLE" "$(cid a)"
	[ "$status" -eq 0 ]
	[ ! -e "$HUSK_ROOT/$(cid a)" ]
}
