#!/usr/bin/env bats
# Privileges of the container's process: the five capability sets,
# noNewPrivileges and oomScoreAdj, checked where the kernel reports them
# (/proc/PID/status, /proc/self/oom_score_adj).

load helpers

# capmask NAME...: the mask of these capabilities as /proc/PID/status
# prints it (16 hex digits).  Numbers from the kernel's own header.
capmask() {
	local m=0 n v
	for n in "$@"; do
		v=$(awk -v n="$n" '$1 == "#define" && $2 == n { print $3 }' /usr/include/linux/capability.h)
		[ -n "$v" ] || fail "capmask: no number for $n"
		m=$((m | (1 << v)))
	done
	printf '%016x\n' "$m"
}

# set_caps JSON: process.capabilities = JSON
set_caps() {
	update_config --argjson c "$1" '.process.capabilities = $c'
}

status_of() { # status_of PID FIELD
	awk -v f="$2:" '$1 == f { print $2 }' "/proc/$1/status"
}

FIVE='{
	"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SETPCAP"],
	"effective": ["CAP_KILL"],
	"permitted": ["CAP_KILL", "CAP_NET_RAW"],
	"inheritable": ["CAP_NET_RAW", "CAP_CHOWN"],
	"ambient": ["CAP_NET_RAW"]
}'

@test "caps: the init holds exactly the five configured sets until start" {
	set_caps "$FIVE"
	set_args true
	id=$(cid five)
	hrun create --bundle "$BUNDLE" "$id"
	assert_success
	pid=$(husk state "$id" | jq .pid)
	# The init has applied everything and waits on the exec fifo.
	[ "$(status_of "$pid" CapBnd)" = "$(capmask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETPCAP)" ]
	[ "$(status_of "$pid" CapEff)" = "$(capmask CAP_KILL)" ]
	[ "$(status_of "$pid" CapPrm)" = "$(capmask CAP_KILL CAP_NET_RAW)" ]
	[ "$(status_of "$pid" CapInh)" = "$(capmask CAP_NET_RAW CAP_CHOWN)" ]
	[ "$(status_of "$pid" CapAmb)" = "$(capmask CAP_NET_RAW)" ]
}

@test "caps: after execve as root, the kernel's rules on top of the five sets" {
	set_caps "$FIVE"
	set_args sh -c 'grep ^Cap /proc/self/status'
	# root without no_new_privs: P' = bounding | inheritable | ambient, and
	# effective = permitted (the kernel treats root as holding every file
	# capability).
	update_config '.process.noNewPrivileges = false'
	run husk run --bundle "$BUNDLE" "$(cid root)"
	assert_success
	assert_line "CapBnd:	$(capmask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETPCAP)"
	assert_line "CapInh:	$(capmask CAP_NET_RAW CAP_CHOWN)"
	assert_line "CapPrm:	$(capmask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETPCAP)"
	assert_line "CapEff:	$(capmask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETPCAP)"
	assert_line "CapAmb:	$(capmask CAP_NET_RAW)"
	# With no_new_privs execve cannot add to the permitted set: it stays
	# the configured one.
	update_config '.process.noNewPrivileges = true'
	run husk run --bundle "$BUNDLE" "$(cid rootnnp)"
	assert_success
	assert_line "CapBnd:	$(capmask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETPCAP)"
	assert_line "CapInh:	$(capmask CAP_NET_RAW CAP_CHOWN)"
	assert_line "CapPrm:	$(capmask CAP_KILL CAP_NET_RAW)"
	assert_line "CapEff:	$(capmask CAP_KILL CAP_NET_RAW)"
	assert_line "CapAmb:	$(capmask CAP_NET_RAW)"
}

@test "caps: a non-root process keeps its ambient set, and only that, across execve" {
	set_caps "$FIVE"
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'grep ^Cap /proc/self/status'
	run husk run --bundle "$BUNDLE" "$(cid user)"
	assert_success
	assert_line "CapBnd:	$(capmask CAP_CHOWN CAP_KILL CAP_NET_RAW CAP_SETPCAP)"
	assert_line "CapInh:	$(capmask CAP_NET_RAW CAP_CHOWN)"
	assert_line "CapPrm:	$(capmask CAP_NET_RAW)"
	assert_line "CapEff:	$(capmask CAP_NET_RAW)"
	assert_line "CapAmb:	$(capmask CAP_NET_RAW)"
}

@test "caps: an ambient capability needs inheritable and permitted, else a debug line" {
	set_caps '{"bounding": ["CAP_KILL", "CAP_NET_RAW"], "effective": ["CAP_KILL", "CAP_NET_RAW"],
		"permitted": ["CAP_KILL", "CAP_NET_RAW"], "inheritable": ["CAP_NET_RAW"],
		"ambient": ["CAP_NET_RAW", "CAP_KILL"]}'
	update_config '.process.user = {"uid": 1000, "gid": 1000}'
	set_args sh -c 'grep ^CapAmb /proc/self/status'
	log="$BATS_TEST_TMPDIR/log"
	run husk --debug --log "$log" run --bundle "$BUNDLE" "$(cid amb)"
	assert_success
	assert_output "CapAmb:	$(capmask CAP_NET_RAW)"
	run cat "$log"
	assert_output --partial "process.capabilities.ambient: CAP_KILL not raised"
}

@test "caps: empty sets leave the process no capability at all" {
	set_caps '{"bounding": [], "effective": [], "permitted": [], "inheritable": [], "ambient": []}'
	set_args sh -c 'grep ^Cap /proc/self/status'
	run husk run --bundle "$BUNDLE" "$(cid empty)"
	assert_success
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		assert_line "$f:	0000000000000000"
	done
}

@test "caps: every capability husk has, and an error naming those it lacks" {
	local all have lacking=() name v
	all=$(husk features | jq -c '.linux.capabilities')
	have=$((16#$(status_of $$ CapPrm)))
	for name in $(echo "$all" | jq -r '.[]'); do
		v=$(awk -v n="$name" '$1 == "#define" && $2 == n { print $3 }' /usr/include/linux/capability.h)
		((have & (1 << v))) || lacking+=("$name")
	done
	set_args sh -c 'grep ^Cap /proc/self/status'
	if [ "${#lacking[@]}" -gt 0 ]; then
		# This host's root lacks some (here CAP_SYS_RESOURCE): a container
		# never gets more than its runtime, and the error names them.
		set_caps "$(jq -n --argjson a "$all" '{bounding: $a, effective: $a, permitted: $a, inheritable: $a, ambient: $a}')"
		run husk run --bundle "$BUNDLE" "$(cid all)"
		assert_failure
		for name in "${lacking[@]}"; do
			assert_output --partial "$name"
		done
		assert_output --partial "process.capabilities: husk itself does not have"
		[ -z "$(husk list -q)" ]
		all=$(echo "$all" | jq -c --args '. - $ARGS.positional' "${lacking[@]}")
	fi
	set_caps "$(jq -n --argjson a "$all" '{bounding: $a, effective: $a, permitted: $a, inheritable: $a, ambient: $a}')"
	run husk run --bundle "$BUNDLE" "$(cid all2)"
	assert_success
	mask=$(printf '%016x' "$have")
	for f in CapInh CapPrm CapEff CapBnd CapAmb; do
		assert_line "$f:	$mask"
	done
}

@test "caps: unknown capability names are refused, naming them, and nothing is left" {
	local bad
	for bad in CAP_BOGUS 41 "CAP_CHOWN " chown ""; do
		set_caps "$(jq -n --arg b "$bad" '{bounding: ["CAP_KILL", $b]}')"
		run husk run --bundle "$BUNDLE" "$(cid bad)"
		assert_failure
		assert_output "husk: $BUNDLE/config.json: process.capabilities.bounding[1]: unknown capability \"$bad\""
		[ -z "$(ls -A "$HUSK_ROOT")" ]
	done
	set_caps '{"ambient": ["CAP_NOPE"]}'
	run husk run --bundle "$BUNDLE" "$(cid bad2)"
	assert_failure
	assert_output --partial 'process.capabilities.ambient[0]: unknown capability "CAP_NOPE"'
	# exec checks the names of its process too.
	set_caps '{"bounding": ["CAP_KILL"]}'
	set_args sleep 100
	id=$(cid bad3)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec -c CAP_WHATEVER "$id" true
	assert_failure
	assert_output --partial 'unknown capability "CAP_WHATEVER"'
}

@test "caps: an inheritable capability outside the bounding set is an error naming it" {
	set_caps '{"bounding": ["CAP_KILL"], "inheritable": ["CAP_NET_RAW"]}'
	set_args true
	run husk run --bundle "$BUNDLE" "$(cid inh)"
	assert_failure
	assert_output --partial "process.capabilities.inheritable: CAP_NET_RAW not in the bounding set"
}

@test "caps: a capability this kernel lacks is ignored with a debug line, and never granted" {
	requires root
	# This kernel knows every capability libcap can name (cap_last_cap is
	# CAP_CHECKPOINT_RESTORE), so no name is really unknown to it.  Show husk
	# an older kernel instead: in a private mount namespace, its view of
	# /proc/sys/kernel/cap_last_cap says the last capability comes just
	# before CAP_CHECKPOINT_RESTORE.
	local last
	last=$(cat /proc/sys/kernel/cap_last_cap)
	cp_nr=$(awk '$2 == "CAP_CHECKPOINT_RESTORE" { print $3 }' /usr/include/linux/capability.h)
	[ "$last" -ge "$cp_nr" ] || skip "this kernel lacks CAP_CHECKPOINT_RESTORE for real"
	echo $((cp_nr - 1)) >"$BATS_TEST_TMPDIR/last_cap"
	set_caps '{"bounding": ["CAP_KILL", "CAP_CHECKPOINT_RESTORE"], "effective": ["CAP_KILL", "CAP_CHECKPOINT_RESTORE"],
		"permitted": ["CAP_KILL", "CAP_CHECKPOINT_RESTORE"], "inheritable": ["CAP_CHECKPOINT_RESTORE"],
		"ambient": ["CAP_CHECKPOINT_RESTORE"]}'
	set_args sh -c 'grep ^Cap /proc/self/status'
	log="$BATS_TEST_TMPDIR/log"
	run unshare -m --propagation private sh -c 'mount --bind "$0" /proc/sys/kernel/cap_last_cap && exec "$@" 3>&-' \
		"$BATS_TEST_TMPDIR/last_cap" "$HUSK" --root "$HUSK_ROOT" --debug --log "$log" run --bundle "$BUNDLE" "$(cid old)"
	assert_success
	# Not in any set; the bounding set lost it too, though husk thought the
	# kernel did not have it.
	assert_line "CapBnd:	$(capmask CAP_KILL)"
	assert_line "CapPrm:	$(capmask CAP_KILL)"
	assert_line "CapInh:	0000000000000000"
	assert_line "CapAmb:	0000000000000000"
	run cat "$log"
	assert_output --partial "process.capabilities.bounding: CAP_CHECKPOINT_RESTORE not supported by this kernel, ignored"
	assert_output --partial "process.capabilities.ambient: CAP_CHECKPOINT_RESTORE not supported by this kernel, ignored"
}

@test "caps: exec applies the capabilities of its process" {
	set_args sleep 100
	id=$(cid ex)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	cat >"$BATS_TEST_TMPDIR/p.json" <<-EOF
	{"args": ["sh", "-c", "grep ^Cap /proc/self/status"], "cwd": "/", "user": {"uid": 1000, "gid": 1000},
	 "capabilities": {"bounding": ["CAP_KILL", "CAP_NET_RAW"], "permitted": ["CAP_NET_RAW"],
	  "inheritable": ["CAP_NET_RAW"], "ambient": ["CAP_NET_RAW"]}}
	EOF
	run husk exec --process "$BATS_TEST_TMPDIR/p.json" "$id"
	assert_success
	assert_line "CapBnd:	$(capmask CAP_KILL CAP_NET_RAW)"
	assert_line "CapEff:	$(capmask CAP_NET_RAW)"
	assert_line "CapAmb:	$(capmask CAP_NET_RAW)"
}

@test "noNewPrivileges: NoNewPrivs is 1 with it and 0 without it, for run and exec" {
	update_config '.process.noNewPrivileges = true'
	set_args sh -c 'grep ^NoNewPrivs /proc/self/status'
	run husk run --bundle "$BUNDLE" "$(cid nnp1)"
	assert_success
	assert_output "NoNewPrivs:	1"
	update_config '.process.noNewPrivileges = false'
	run husk run --bundle "$BUNDLE" "$(cid nnp0)"
	assert_success
	assert_output "NoNewPrivs:	0"
	set_args sleep 100
	id=$(cid nnpx)
	hrun run -d --bundle "$BUNDLE" "$id"
	assert_success
	run husk exec "$id" grep ^NoNewPrivs /proc/self/status
	assert_output "NoNewPrivs:	0"
	run husk exec --no-new-privs "$id" grep ^NoNewPrivs /proc/self/status
	assert_output "NoNewPrivs:	1"
}

@test "oomScoreAdj: raised for the process" {
	update_config '.process.oomScoreAdj = 500'
	set_args cat /proc/self/oom_score_adj
	run husk run --bundle "$BUNDLE" "$(cid oom)"
	assert_success
	assert_output "500"
}

@test "oomScoreAdj: works inside a user namespace" {
	requires userns
	use_userns
	update_config '.process.oomScoreAdj = 300'
	set_args cat /proc/self/oom_score_adj
	run husk run --bundle "$BUNDLE" "$(cid oomu)"
	assert_success
	assert_output "300"
}

@test "oomScoreAdj: going below husk's own without CAP_SYS_RESOURCE is a clear error, nothing left" {
	local own
	own=$(cat /proc/self/oom_score_adj)
	[ "$own" -gt -1000 ] || skip "this shell's oom_score_adj is already -1000"
	update_config --argjson v $((own - 1)) '.process.oomScoreAdj = $v'
	set_args true
	# Without CAP_SYS_RESOURCE (dropped from the bounding set, so the root
	# shell capsh starts does not have it) the kernel refuses it.
	run capsh --drop=cap_sys_resource -- -c 'exec "$@" 3>&-' sh "$HUSK" --root "$HUSK_ROOT" run --bundle "$BUNDLE" "$(cid low)"
	assert_failure
	assert_output "husk: process.oomScoreAdj: cannot set $((own - 1)): going that far below husk's own oom_score_adj ($own) needs CAP_SYS_RESOURCE"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}

@test "oomScoreAdj: out of range is refused before anything is created" {
	update_config '.process.oomScoreAdj = 1001'
	run husk run --bundle "$BUNDLE" "$(cid range)"
	assert_failure
	assert_output "husk: $BUNDLE/config.json: process.oomScoreAdj: must be between -1000 and 1000, got 1001"
	[ -z "$(ls -A "$HUSK_ROOT")" ]
}
