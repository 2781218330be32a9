#!/usr/bin/env bats
# Networking through netlink: `lo` up in a new network namespace, and
# linux.netDevices moved into the container (renamed, with their addresses)
# and back.  Each test makes its own veth pair and network namespace, with
# names unique to it, and teardown() fails the test if any is left.

load helpers

# helpers.bash's setup and teardown, kept as common_setup/common_teardown.
eval "common_$(declare -f setup)"
eval "common_$(declare -f teardown)"

setup() {
	requires root
	common_setup
	# Interface names have at most 15 bytes.
	NET_PREFIX="hk$(printf %05d $((RANDOM % 100000)))"
	HOST_END=${NET_PREFIX}h
	CTR_END=${NET_PREFIX}c
	SUBNET=10.$((100 + RANDOM % 100)).$((RANDOM % 250))
	NETNS=""
	set_args sleep 100
}

teardown() {
	local left
	common_teardown || return 1
	left=$(ip -o link show | grep -o "${NET_PREFIX}[a-z]*" | sort -u || true)
	if [ -n "$NETNS" ]; then
		ip netns del "$NETNS" 2>/dev/null || true
	fi
	if [ -n "$left" ]; then
		for l in $left; do ip link del "$l" 2>/dev/null || true; done
		echo "network devices left: $left" >&2
		return 1
	fi
}

# A veth pair: $HOST_END stays, $CTR_END ($SUBNET.2/24) is for the container.
make_veth() {
	ip link add "$HOST_END" type veth peer name "$CTR_END"
	ip addr add "$SUBNET.1/24" dev "$HOST_END"
	ip addr add "$SUBNET.2/24" dev "$CTR_END"
	ip link set "$HOST_END" up
	ip link set "$CTR_END" up
}

# busybox ping opens a raw socket.
allow_ping() {
	update_config '.process.capabilities |= with_entries(.value += ["CAP_NET_RAW"])'
}

@test "network: a new network namespace has lo up; ping 127.0.0.1" {
	allow_ping
	set_args sh -c 'ip link show lo; ping -c1 -W2 127.0.0.1'
	run husk run --bundle "$BUNDLE" "$(cid lo)"
	assert_success
	assert_line --index 0 --partial "<LOOPBACK,UP,LOWER_UP>"
	assert_output --partial "1 packets received"
}

@test "network: lo is up in a user namespace too" {
	requires userns
	use_userns
	set_args ip link show lo
	run husk run --bundle "$BUNDLE" "$(cid lo-userns)"
	assert_success
	assert_output --partial "<LOOPBACK,UP,LOWER_UP>"
}

@test "network: netDevices moves a veth in, renamed, with its address; reachable; back at delete" {
	local id
	id=$(cid veth)
	make_veth
	allow_ping
	update_config --arg d "$CTR_END" '.linux.netDevices = {($d): {"name": "eth1"}}'
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	# Gone from the host, there in the container as eth1, up, with its address.
	run ip link show "$CTR_END"
	assert_failure
	run husk exec "$id" ip addr show eth1
	assert_success
	assert_output --partial ",UP"
	assert_output --partial "inet $SUBNET.2/24"
	# Both ways through it.
	run busybox ping -c1 -W2 "$SUBNET.2"
	assert_success
	run husk exec "$id" ping -c1 -W2 "$SUBNET.1"
	assert_success
	# delete puts it back under its own name, address and state.
	run husk delete --force "$id"
	assert_success
	run ip addr show "$CTR_END"
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	assert_output --partial ",UP"
	run busybox ping -c1 -W2 "$SUBNET.2"
	assert_success
	ip link del "$HOST_END"
}

@test "network: netDevices with a user namespace" {
	requires userns
	local id
	id=$(cid userns)
	make_veth
	use_userns
	update_config --arg d "$CTR_END" '.linux.netDevices = {($d): {"name": "eth1"}}'
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec "$id" ip addr show eth1
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	run husk delete --force "$id"
	assert_success
	run ip addr show "$CTR_END"
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	ip link del "$HOST_END"
}

@test "network: a virtual device goes with the namespace when the container exits by itself" {
	make_veth
	update_config --arg d "$CTR_END" '.linux.netDevices = {($d): {}}'
	set_args ip addr show "$CTR_END"
	run husk run --bundle "$BUNDLE" "$(cid exits)"
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	# The kernel destroys a veth with its namespace, and the peer with it.
	run ip link show "$CTR_END"
	assert_failure
	run ip link show "$HOST_END"
	assert_failure
}

@test "network: netDevices into a network namespace joined by path" {
	local id
	id=$(cid joined)
	make_veth
	NETNS=${NET_PREFIX}ns
	ip netns add "$NETNS"
	update_config --arg d "$CTR_END" --arg p "/run/netns/$NETNS" \
		'.linux.netDevices = {($d): {"name": "eth7"}}
		| .linux.namespaces |= map(if .type == "network" then .path = $p else . end)'
	set_args ip addr show eth7
	run husk run --bundle "$BUNDLE" "$id"
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	# The namespace outlives the container: the device came back from it.
	run ip addr show "$CTR_END"
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	run ip netns exec "$NETNS" ip link show eth7
	assert_failure
	ip link del "$HOST_END"
}

@test "network: a create that fails after the move gives the device back" {
	make_veth
	update_config --arg d "$CTR_END" '.linux.netDevices = {($d): {"name": "eth1"}}
		| .hooks.createRuntime = [{"path": "/bin/false"}]'
	hrun create --bundle "$BUNDLE" "$(cid failed)"
	assert_failure
	assert_output --partial createRuntime
	run ip addr show "$CTR_END"
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	ip link del "$HOST_END"
}

@test "network: delete --force after husk crashed during create" {
	local id
	id=$(cid crash)
	make_veth
	NETNS=${NET_PREFIX}ns
	ip netns add "$NETNS"
	# Joined by path, the namespace survives the crash, and so does the device.
	update_config --arg d "$CTR_END" --arg p "/run/netns/$NETNS" \
		'.linux.netDevices = {($d): {"name": "eth1"}}
		| .linux.namespaces |= map(if .type == "network" then .path = $p else . end)
		| .hooks.createRuntime = [{"path": "/bin/sh", "args": ["sh", "-c", "kill -9 $PPID"]}]'
	hrun create --bundle "$BUNDLE" "$id"
	assert_failure
	run ip netns exec "$NETNS" ip link show eth1
	assert_success
	run husk delete --force "$id"
	assert_success
	run ip addr show "$CTR_END"
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	ip link del "$HOST_END"
}

@test "network: unknown or badly named devices, and no network namespace, are refused" {
	make_veth
	update_config '.linux.netDevices = {"hknosuchdev0": {}}'
	hrun create --bundle "$BUNDLE" "$(cid unknown)"
	assert_failure
	assert_output "husk: $BUNDLE/config.json: linux.netDevices[\"hknosuchdev0\"]: no such network interface on the host"

	update_config --arg d "$CTR_END" '.linux.netDevices = {($d): {"name": "a/b"}}'
	hrun create --bundle "$BUNDLE" "$(cid slash)"
	assert_failure
	assert_output --partial "linux.netDevices[\"$CTR_END\"].name: \"a/b\" is not a valid interface name"

	update_config --arg d "$CTR_END" '.linux.netDevices = {($d): {"name": ".."}}'
	hrun create --bundle "$BUNDLE" "$(cid dotdot)"
	assert_failure
	assert_output --partial "\"..\" is not a valid interface name"

	update_config --arg d "$CTR_END" '.linux.netDevices = {($d): {"name": "a-name-of-16-chr"}}'
	hrun create --bundle "$BUNDLE" "$(cid long)"
	assert_failure
	assert_output --partial "is not a valid interface name (1 to 15 bytes"

	update_config '.linux.netDevices = {"": {}}'
	hrun create --bundle "$BUNDLE" "$(cid empty)"
	assert_failure
	assert_output --partial "linux.netDevices: \"\" is not a valid interface name"

	update_config --arg d "$CTR_END" --arg h "$HOST_END" \
		'.linux.netDevices = {($d): {"name": "eth1"}, ($h): {"name": "eth1"}}'
	hrun create --bundle "$BUNDLE" "$(cid twice)"
	assert_failure
	assert_output --partial "would both be called \"eth1\""

	update_config --arg d "$CTR_END" '.linux.netDevices = {($d): {}}
		| .linux.namespaces |= map(select(.type != "network"))'
	hrun create --bundle "$BUNDLE" "$(cid nonet)"
	assert_failure
	assert_output --partial "linux.netDevices: the container needs a network namespace of its own"

	update_config '.linux.namespaces += [{"type": "network", "path": "/proc/self/ns/net"}]'
	hrun create --bundle "$BUNDLE" "$(cid hostnet)"
	assert_failure
	assert_output --partial "is husk's own"

	# Nothing moved, nothing left.
	run ip addr show "$CTR_END"
	assert_success
	assert_output --partial "inet $SUBNET.2/24"
	run ls "$HUSK_ROOT"
	assert_output ""
	ip link del "$HOST_END"
}

@test "network: features reports netDevices" {
	run husk features
	assert_success
	assert_equal "$(echo "$output" | jq -r .linux.netDevices.enabled)" true
}
