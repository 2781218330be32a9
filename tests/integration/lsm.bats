#!/usr/bin/env bats
# LSM labels: process.apparmorProfile, process.selinuxLabel and
# linux.mountLabel, applied when the host has that LSM and refused (naming
# the setting) when it has not.
#
# The CI hosts have neither LSM (their kernel runs lockdown, capability,
# landlock and bpf), so there only the refusals run; tests/run-all.sh also
# runs this file in guests that have them: the pure cgroup v2 guest boots
# Debian's kernel, whose AppArmor is on by default, and a second guest boots
# it with SELinux and the Debian reference policy, permissive (tests/vm/run.sh,
# HUSK_VM_LSM=selinux).

load helpers

apparmor_on() {
	grep -qw apparmor /sys/kernel/security/lsm 2>/dev/null ||
		grep -q Y /sys/module/apparmor/parameters/enabled 2>/dev/null
}

selinux_on() {
	grep -qw selinux /sys/kernel/security/lsm 2>/dev/null ||
		grep -qw selinuxfs /proc/filesystems
}

@test "lsm: features says AppArmor and SELinux are supported" {
	run husk features
	assert_success
	[ "$(echo "$output" | jq .linux.apparmor.enabled)" = true ]
	[ "$(echo "$output" | jq .linux.selinux.enabled)" = true ]
}

@test "lsm: a label for an LSM the host does not have is refused, naming the setting, nothing left" {
	local cfg=$BUNDLE/config.json n=0
	set_args sh -c 'echo RAN'
	if ! apparmor_on; then
		update_config '.process.apparmorProfile = "docker-default"'
		run husk run --bundle "$BUNDLE" "$(cid aa)"
		assert_failure
		assert_output "husk: $cfg: process.apparmorProfile: AppArmor is not enabled on this host, cannot apply profile \"docker-default\""
		[ -z "$(ls -A "$HUSK_ROOT")" ]
		update_config 'del(.process.apparmorProfile)'
		n=$((n + 1))
	fi
	if ! selinux_on; then
		update_config '.process.selinuxLabel = "system_u:system_r:container_t:s0"'
		run husk run --bundle "$BUNDLE" "$(cid se)"
		assert_failure
		assert_output "husk: $cfg: process.selinuxLabel: SELinux is not enabled on this host, cannot apply label \"system_u:system_r:container_t:s0\""
		[ -z "$(ls -A "$HUSK_ROOT")" ]
		update_config 'del(.process.selinuxLabel) | .linux.mountLabel = "system_u:object_r:container_file_t:s0"'
		run husk run --bundle "$BUNDLE" "$(cid ml)"
		assert_failure
		assert_output --partial "linux.mountLabel: SELinux is not enabled on this host"
		[ -z "$(ls -A "$HUSK_ROOT")" ]
		update_config 'del(.linux.mountLabel)'
		n=$((n + 1))
	fi
	[ "$n" -gt 0 ] || skip "this host has both AppArmor and SELinux enabled"
	# Empty labels mean none.
	update_config '.process.apparmorProfile = "" | .process.selinuxLabel = "" | .linux.mountLabel = ""'
	run husk run --bundle "$BUNDLE" "$(cid empty)"
	assert_success
	assert_output "RAN"
}

@test "lsm: exec refuses a label for an LSM the host does not have" {
	set_args sleep 100
	id=$(cid exl)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	if ! apparmor_on; then
		run husk exec --apparmor docker-default "$id" true
		assert_failure
		assert_output --partial "exec: process.apparmorProfile: AppArmor is not enabled on this host"
	fi
	if ! selinux_on; then
		run husk exec --process-label system_u:system_r:container_t:s0 "$id" true
		assert_failure
		assert_output --partial "exec: process.selinuxLabel: SELinux is not enabled on this host"
		echo '{"args": ["true"], "cwd": "/", "selinuxLabel": "x_u:x_r:x_t:s0"}' >"$BATS_TEST_TMPDIR/p.json"
		run husk exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
		assert_failure
		assert_output --partial "process.selinuxLabel: SELinux is not enabled"
	fi
	apparmor_on && selinux_on && skip "this host has both AppArmor and SELinux enabled"
	run husk exec "$id" true
	assert_success
}

@test "lsm: the AppArmor profile is applied when the host has AppArmor" {
	apparmor_on || skip "AppArmor is not enabled on this host (LSMs: $(cat /sys/kernel/security/lsm 2>/dev/null || echo no securityfs)); tests/run-all.sh runs this file in a guest that has it"
	# "unconfined" always exists; what matters is that husk asked for it.
	update_config '.process.apparmorProfile = "unconfined"'
	set_args sh -c 'cat /proc/self/attr/apparmor/current 2>/dev/null || cat /proc/self/attr/current'
	run husk run --bundle "$BUNDLE" "$(cid aaon)"
	assert_success
	assert_output --partial "unconfined"
}

@test "lsm: an AppArmor profile confines the program, for run and exec" {
	apparmor_on || skip "AppArmor is not enabled on this host (LSMs: $(cat /sys/kernel/security/lsm 2>/dev/null || echo no securityfs)); tests/run-all.sh runs this file in a guest that has it"
	command -v apparmor_parser >/dev/null || skip "apparmor_parser is not installed (Debian: apparmor)"
	local name="husk-test-$RANDOM$RANDOM" prof="$BATS_TEST_TMPDIR/profile" out1 out2 out3
	cat >"$prof" <<-EOF
	profile $name flags=(attach_disconnected,mediate_deleted) {
	  file,
	  capability,
	  signal,
	  unix,
	  network,
	  deny /secret r,
	}
	EOF
	apparmor_parser -r "$prof"
	echo s3cret >"$BUNDLE/rootfs/secret"
	update_config --arg p "$name" '.process.apparmorProfile = $p'
	set_args sh -c 'cat /proc/self/attr/apparmor/current; cat /secret'
	run husk run --bundle "$BUNDLE" "$(cid aarun)"
	out1=$output
	update_config 'del(.process.apparmorProfile)'
	set_args sleep 100
	id=$(cid aaexec)
	hrun run -d --bundle "$BUNDLE" "$id"
	run husk exec --apparmor "$name" "$id" sh -c 'cat /proc/self/attr/apparmor/current; cat /secret'
	out2=$output
	run husk exec "$id" cat /secret
	out3=$output
	husk delete --force "$id"
	apparmor_parser -R "$prof"
	[[ "$out1" == *"$name (enforce)"* && "$out1" == *"Permission denied"* && "$out1" != *s3cret* ]] ||
		fail "run: $out1"
	[[ "$out2" == *"$name (enforce)"* && "$out2" == *"Permission denied"* && "$out2" != *s3cret* ]] ||
		fail "exec --apparmor: $out2"
	[ "$out3" = s3cret ] || fail "exec without a profile: $out3"
}

# The SELinux tests run in a guest with the Debian reference policy
# (selinux-policy-default), permissive: every transition is allowed and
# logged, so what they check is the label husk asked the kernel for.  That
# policy has no container_t; unconfined_t and initrc_t are ordinary types
# of it, different from the test's own label.
selinux_skip() {
	skip "SELinux is not enabled on this host (LSMs: $(cat /sys/kernel/security/lsm 2>/dev/null || echo no securityfs)); tests/run-all.sh runs this file in a guest that has it"
}

@test "lsm: the SELinux process label is applied, for run and exec" {
	selinux_on || selinux_skip
	local run_label=unconfined_u:unconfined_r:unconfined_t:s0 exec_label=system_u:system_r:initrc_t:s0
	[ "$(tr -d '\0' </proc/self/attr/current)" != "$run_label" ] || fail "the test already runs as $run_label"
	update_config --arg l "$run_label" '.process.selinuxLabel = $l'
	set_args sleep 100
	id=$(cid serun)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	# The container's init runs with the label.
	run husk exec "$id" cat /proc/1/attr/current
	assert_success
	assert_output "$run_label"
	# exec: the process's own label, or else the container's.
	run husk exec --process-label "$exec_label" "$id" cat /proc/self/attr/current
	assert_success
	assert_output "$exec_label"
	echo "{\"args\": [\"cat\", \"/proc/self/attr/current\"], \"cwd\": \"/\", \"selinuxLabel\": \"$exec_label\"}" >"$BATS_TEST_TMPDIR/p.json"
	run husk exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
	assert_success
	assert_output "$exec_label"
}

@test "lsm: linux.mountLabel labels the container's own mounts, not its bind mounts or /proc" {
	selinux_on || selinux_skip
	local label=system_u:object_r:tmpfs_t:s0 pid
	update_config --arg l "$label" '.linux.mountLabel = $l'
	set_args sleep 100
	id=$(cid semnt)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec "$id" cat /proc/self/mountinfo
	assert_success
	# Field 5 is the mount point; the super options follow " - TYPE SOURCE".
	for m in /dev /dev/shm /dev/pts; do
		line=$(echo "$output" | awk -v m="$m" '$5 == m')
		[ -n "$line" ] || fail "no mount on $m in: $output"
		[[ "$line" == *"context=$label"* || "$line" == *"context=\"$label\""* ]] ||
			fail "$m is not labelled $label: $line"
	done
	line=$(echo "$output" | awk '$5 == "/proc"')
	[ -n "$line" ] && [[ "$line" != *context=* ]] || fail "/proc: $line"
	# mqueue takes no context= option: its root directory carries the label.
	pid=$(husk state "$id" | jq .pid)
	run stat -c %C "/proc/$pid/root/dev/mqueue"
	assert_success
	assert_output "$label"
}

@test "lsm: an SELinux label the policy does not know is refused, naming the setting, nothing left" {
	selinux_on || selinux_skip
	update_config '.process.selinuxLabel = "system_u:system_r:no_such_husk_t:s0"'
	run husk run --bundle "$BUNDLE" "$(cid sebad)"
	assert_failure
	assert_output --partial "process.selinuxLabel"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}
