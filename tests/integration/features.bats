#!/usr/bin/env bats
# `husk features` must say exactly what husk does: every namespace and hook
# it lists really works.

load helpers

@test "features: a JSON document for runtime-spec 1.3.0" {
	run husk features
	assert_success
	assert_equal "$(echo "$output" | jq -r .ociVersionMax)" 1.3.0
	assert_equal "$(echo "$output" | jq -r .ociVersionMin)" 1.0.0
}

@test "features: every listed namespace is created" {
	local ns id proc
	for ns in $(husk features | jq -r '.linux.namespaces[]'); do
		id=$(cid "ns-$ns")
		case $ns in
		network) proc=net ;;
		mount) proc=mnt ;;
		*) proc=$ns ;;
		esac
		setup_bundle -- readlink "/proc/self/ns/$proc"
		update_config --arg t "$ns" '.linux.namespaces |= (map(select(.type != $t)) + [{"type": $t}])'
		if [ "$ns" = user ]; then
			use_userns
		fi
		run husk run --bundle "$BUNDLE" "$id"
		assert_success
		[ "$output" != "$(host_ns "$proc")" ] || fail "namespace $ns is the host's"
	done
}

@test "features: every listed hook kind runs" {
	local kinds k log="$BATS_TEST_TMPDIR/log" id
	id=$(cid hooks)
	kinds=$(husk features | jq -r '.hooks[]')
	[ -n "$kinds" ] || fail "no hooks listed"
	update_config '.root.readonly = false | .process.args = ["true"] | .hooks = {}'
	for k in $kinds; do
		update_config --arg k "$k" --arg log "$log" \
			'.hooks[$k] = [{"path":"/bin/sh","args":["sh","-c",("echo " + $k + " >> " + $log)]}]'
	done
	# startContainer runs inside the container: give it the log's directory.
	update_config --arg d "$BATS_TEST_TMPDIR" \
		'.mounts += [{"destination": $d, "source": $d, "type": "bind", "options": ["rbind"]}]'
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	for k in $kinds; do
		grep -qx "$k" "$log" || fail "hook kind $k listed but not run"
	done
}
