#!/bin/bash
# What a seccomp profile costs: husk run without linux.seccomp against the
# same bundle with a Docker-style allow-list (defaultAction SCMP_ACT_ERRNO,
# every syscall name of this architecture allowed, a few with argument
# conditions, for x86_64, x86 and x32: about 360 rules).
#
#   tests/bench/seccomp.sh        (needs root; HUSK=path, BENCH_N=rounds)
#
# Two programs: /bin/true (the cost of compiling and loading the filter)
# and `dd bs=1 count=200000` (400000 system calls under the filter).
# Rounds are interleaved, figures are medians in milliseconds: wall clock,
# and CPU time (user + system of husk and everything it waited for, from
# bash's `times`), which a busy machine disturbs less.  Not part of the
# test suite: it asserts nothing and only prints a report.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
husk=${HUSK:-$top/husk}
n=${BENCH_N:-30}
work=$(mktemp -d /tmp/husk-bench-seccomp.XXXXXX)
trap 'rm -rf "$work"' EXIT

"$top/contrib/make-bundle.sh" "$work/plain" -- true >/dev/null
names=$(echo '#include <sys/syscall.h>' | cc -dM -E - |
	sed -n 's/^#define __NR_\([a-z0-9_]*\) .*/\1/p' | sort -u |
	grep -vxE 'clone|clone3|personality' | jq -R . | jq -s .)
cp -a "$work/plain" "$work/profile"
jq --argjson names "$names" '.linux.seccomp = {
	"defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 1,
	"architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
	"syscalls": [
		{"names": $names, "action": "SCMP_ACT_ALLOW"},
		{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 0, "op": "SCMP_CMP_EQ"}]},
		{"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "op": "SCMP_CMP_EQ"}]},
		{"names": ["clone"], "action": "SCMP_ACT_ALLOW",
		 "args": [{"index": 0, "value": 2114060288, "valueTwo": 0, "op": "SCMP_CMP_MASKED_EQ"}]},
		{"names": ["clone3"], "action": "SCMP_ACT_ERRNO", "errnoRet": 38}]}' \
	"$work/profile/config.json" >"$work/c.json"
mv "$work/c.json" "$work/profile/config.json"
rules=$(jq '[.linux.seccomp.syscalls[].names | length] | add' "$work/profile/config.json")

# children_cpu: $CPU = user + system time of the shell's waited-for
# children, in hundredths of a millisecond.  `times` runs in this shell (a
# command substitution would be a new process with no children).
children_cpu() {
	local t u s
	times >"$work/times"
	t=$(tail -n 1 "$work/times")
	u=${t%% *}
	s=${t##* }
	CPU=$(($(to_hms "$u") + $(to_hms "$s")))
}

# to_hms 0m0.123s: hundredths of a millisecond (the last digits are 0).
to_hms() {
	local m=${1%%m*} rest=${1#*m}
	rest=${rest%s}
	echo $(((10#$m * 60000 + 10#${rest%.*} * 1000 + 10#${rest#*.}) * 100))
}

# sample BUNDLE ARGS...: one `husk run`; $SAMPLE = its wall and CPU time.
sample() {
	local b=$1 s e c0 c1
	shift
	jq --args '.process.args = $ARGS.positional' "$@" <"$work/$b/config.json" >"$work/$b/c.json"
	mv "$work/$b/config.json" "$work/$b/config.json.orig"
	mv "$work/$b/c.json" "$work/$b/config.json"
	children_cpu
	c0=$CPU
	s=$EPOCHREALTIME
	"$husk" --root "$work/root" run --bundle "$work/$b" "bench-$b" >/dev/null 2>&1 || {
		echo "husk run failed for $b" >&2
		exit 1
	}
	e=$EPOCHREALTIME
	children_cpu
	c1=$CPU
	mv "$work/$b/config.json.orig" "$work/$b/config.json"
	SAMPLE="$(((${e/./} - ${s/./}) / 10)) $((c1 - c0))" # hundredths of a millisecond
}

# median COLUMN < samples
median() {
	cut -d' ' -f"$1" | sort -n | awk '{ v[NR] = $1 } END { m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; printf "%.2f", m / 100 }'
}

for prog in true dd; do
	args=(true)
	[ "$prog" = dd ] && args=(dd if=/dev/zero of=/dev/null bs=1 count=200000)
	: >"$work/plain.$prog"
	: >"$work/profile.$prog"
	for ((i = 0; i < n; i++)); do
		if ((i % 2)); then order="plain profile"; else order="profile plain"; fi
		for b in $order; do
			sample "$b" "${args[@]}"
			echo "$SAMPLE" >>"$work/$b.$prog"
		done
	done
done

echo "husk run, median of $n interleaved rounds, ms ($rules rules, 3 architectures)"
printf '%-24s %-5s %11s %13s %11s\n' program "" "no seccomp" "with profile" difference
for prog in true dd; do
	label=/bin/true
	[ "$prog" = dd ] && label="dd bs=1 count=200000"
	for col in 1 2; do
		a=$(median "$col" <"$work/plain.$prog")
		b=$(median "$col" <"$work/profile.$prog")
		kind=wall
		[ "$col" = 2 ] && kind=CPU && label=""
		printf '%-24s %-5s %11s %13s %11s\n' "$label" "$kind" "$a" "$b" "$(echo "$b - $a" | bc)"
	done
done
