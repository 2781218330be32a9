#!/bin/bash
# husk micro-benchmark: husk against crun and runc (the Debian packages).
#
#   tests/bench/bench.sh [--markdown]        (or: make bench [BENCH_FLAGS=--markdown])
#
# Not part of the test suite: it asserts nothing about timings, it only prints
# a report.  Needs root.  Every figure is printed next to the same figure for
# crun and runc, with the ratios husk/crun and husk/runc.
#
# How it measures, and why:
#
# * Namespaces.  crun 1.8.1 refuses hybrid cgroup hosts ("cgroups in hybrid
#   mode not supported") when /sys/fs/cgroup/unified/cgroup.controllers exists.
#   So the whole comparison runs in ONE private mount namespace
#   (unshare -m --propagation private) where /dev/null is bind-mounted over
#   that file; ALL runtimes (and the unshare floor) run in that same namespace,
#   so the workaround applies to each alike.  The namespace is also a new PID
#   namespace (--fork --pid --mount-proc) whose PID 1 is this script: it reaps
#   the containers' orphaned inits (a host init that does not reap would
#   otherwise collect zombies) and, when the script ends, the kernel kills
#   anything still left in it.  Nothing is mounted outside that namespace.
# * Each runtime gets its own --root under a temporary directory; none gets
#   --systemd-cgroup.  Bundles come from contrib/make-bundle.sh with
#   OCI_VERSION=1.0.2 (crun 1.8.1 refuses 1.3.0), terminal false, all sharing
#   one busybox rootfs by absolute path.
# * Interleaving.  Every timed section goes round by round; in each round
#   every runtime does one sample, in an order rotated from round to round, so
#   machine drift (and order effects) hit all runtimes alike.  Reported figures
#   are medians over rounds (sort -n, middle value; mean of the two middle
#   values for an even count).
# * Clock: bash's $EPOCHREALTIME (microseconds, no fork) read right before and
#   right after each command; the command's own fork+exec from bash is inside
#   the interval for every runtime alike.
# * Peak RSS: GNU /usr/bin/time -f %M, i.e. ru_maxrss of the process time
#   waits for: the runtime's top process, which the kernel folds together (as
#   a maximum, not a sum) with the descendants that process itself reaped --
#   runc's re-exec'd "runc init" and the container's init for all three.
#
# * Sections: (1) N sequential `run` of /bin/true, with the unshare floor
#   (unshare -fpmuinC[T] chroot ROOTFS /bin/true) in the same rounds; (2)
#   create, start, wait for the init to exit (polling /proc/PID), delete; (3)
#   exec /bin/true into a running container -- "n/a (not implemented)" for a
#   husk whose --help lists no exec command; (4) peak RSS of `run`, and
#   its CPU time (perf stat task-clock of the whole process tree, when perf
#   works: steadier than wall time on a shared machine); (5) the
#   smallest linux.resources.memory.limit (memory.swap set to the same value,
#   so nothing escapes into swap) with which BENCH_MEMTRIALS runs of
#   `run /bin/true` in a row succeed, bisected between 64 KiB and 16 MiB to
#   16 KiB; each runtime makes its own cgroup (on a hybrid host: the v1 memory
#   controller, for crun too, as it sees a v1 host here) -- a runtime for
#   which 64 KiB works does not enforce the limit; (6) BENCH_CONC
#   concurrent `run -d` (sleep), time until all run, then `delete --force` of
#   all, then a leak check (state entries, container processes, processes
#   naming the runtime's --root, mounts in this namespace, cgroup directories),
#   BENCH_CONC_ROUNDS rounds in rotated order, medians; (7) file size (as installed and stripped), `size` text, ldd libraries.
# * Exit status: 0, or 1 when any command failed (listed under FAILURES, the
#   report is printed anyway).
#
# Environment:
#   HUSK=path        the husk to measure (default: the one built in this tree)
#   BENCH_N=100      section 1: sequential `run /bin/true` rounds
#   BENCH_CYCLE=20   section 2: create/start/wait/delete rounds
#   BENCH_EXEC=20    section 3: exec rounds
#   BENCH_RSS=10     section 4: peak RSS rounds
#   BENCH_CPU=20     section 4: CPU time rounds (needs perf; skipped without)
#   BENCH_CONC=50    section 6: containers started concurrently
#   BENCH_CONC_ROUNDS=9  section 6: rounds (runtimes in rotated order; fewer
#                    are too noisy on a shared machine)
#   BENCH_MEMTRIALS=3  section 5: runs that must all succeed for a limit to count
#   BENCH_NO_INSTALL=1  do not apt-get install missing crun/runc/time
#   TMPDIR           where the temporary directory goes (default /tmp)
set -euo pipefail
export LC_ALL=C

usage() {
	sed -n '2,4p' "$0" | sed 's/^# \{0,1\}//' >&2
	echo "see the comment at the top of $0 for what it measures" >&2
	exit "${1:-2}"
}
die() { echo "bench.sh: $*" >&2; exit 1; }
say() { echo "bench: $*" >&2; }

ORIG_ARGS=("$@")
MARKDOWN=0
while [ $# -gt 0 ]; do
	case "$1" in
	--markdown) MARKDOWN=1 ;;
	-h | --help) usage 0 ;;
	*) usage 2 ;;
	esac
	shift
done

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
SELF=$HERE/$(basename "${BASH_SOURCE[0]}")
HUSK=${HUSK:-$TOP/husk}
N=${BENCH_N:-100}
CYCLE=${BENCH_CYCLE:-20}
EXECN=${BENCH_EXEC:-20}
RSSN=${BENCH_RSS:-10}
CONC=${BENCH_CONC:-50}
MEMTRIALS=${BENCH_MEMTRIALS:-3}
CONCR=${BENCH_CONC_ROUNDS:-9}
CPUN=${BENCH_CPU:-20}
for v in N CYCLE EXECN RSSN CONC MEMTRIALS CONCR CPUN; do
	case "${!v}" in '' | *[!0-9]* | 0) die "$v must be a positive integer" ;; esac
done

# ---------------------------------------------------------------- outer part
if [ -z "${HUSK_BENCH_INNER:-}" ]; then
	[ "$(id -u)" = 0 ] || die "needs root (it creates containers)"
	[ -x "$HUSK" ] || die "$HUSK not found: build it first (make -j2)"
	missing=()
	command -v crun >/dev/null || missing+=(crun)
	command -v runc >/dev/null || missing+=(runc)
	[ -x /usr/bin/time ] || missing+=(time)
	if [ ${#missing[@]} -gt 0 ]; then
		[ -z "${BENCH_NO_INSTALL:-}" ] ||
			die "missing: ${missing[*]} (apt-get install -y ${missing[*]})"
		say "installing ${missing[*]}"
		DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}" >&2
	fi
	for c in jq unshare chroot size strip ldd mountpoint; do
		command -v "$c" >/dev/null || die "$c not found"
	done
	[ "${BASH_VERSINFO[0]}" -ge 5 ] || die "needs bash >= 5 (EPOCHREALTIME)"
	BENCH_CMDLINE=$(printf '%q ' "$0" "${ORIG_ARGS[@]}")
	for v in HUSK BENCH_N BENCH_CYCLE BENCH_EXEC BENCH_RSS BENCH_CONC BENCH_MEMTRIALS BENCH_CONC_ROUNDS BENCH_CPU; do
		[ -z "${!v:-}" ] || BENCH_CMDLINE="$v=$(printf '%q' "${!v}") $BENCH_CMDLINE"
	done
	export BENCH_CMDLINE HUSK
	# unshare --fork ignores SIGINT/SIGTERM while it waits, so this shell
	# stays to pass them on to the inner script (PID 1 of the namespace),
	# whose trap then deletes every container it made.
	HUSK_BENCH_INNER=1 unshare --mount --propagation private \
		--fork --pid --mount-proc --kill-child=SIGTERM bash "$SELF" "${ORIG_ARGS[@]}" &
	upid=$!
	forward() {
		local c
		for c in $(cat "/proc/$upid/task/$upid/children" 2>/dev/null); do
			kill -TERM "$c" 2>/dev/null || true
		done
	}
	trap forward INT TERM HUP
	rc=0
	while :; do
		wait "$upid" && rc=0 || rc=$?
		kill -0 "$upid" 2>/dev/null || break
	done
	exit "$rc"
fi

# ---------------------------------------------------------------- inner part
# Here: PID 1 of a private PID + mount namespace.

# crun 1.8.1 and hybrid hosts: hide the cgroup2 controllers file (see top).
CG_NOTE="no cgroup workaround needed"
if [ -e /sys/fs/cgroup/unified/cgroup.controllers ]; then
	mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers
	CG_NOTE="/dev/null bind-mounted over /sys/fs/cgroup/unified/cgroup.controllers (hybrid host, for crun 1.8.1)"
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/husk-bench.XXXXXX")
LOG=$WORK/runtime.log
RES=$WORK/res
mkdir -p "$RES"
: >"$LOG"

RTS=(husk crun runc)
declare -A BIN=([husk]=$HUSK [crun]=$(command -v crun) [runc]=$(command -v runc))
for r in "${RTS[@]}"; do
	mkdir -p "$WORK/state-$r"
	: >"$WORK/ids-$r"
done

# rt RUNTIME ARGS...: the runtime with its own --root.
rt() {
	local r=$1
	shift
	"${BIN[$r]}" --root "$WORK/state-$r" "$@"
}

cleanup() {
	local rc=$? r id
	trap - EXIT
	trap '' INT TERM HUP
	for r in "${RTS[@]}"; do
		[ -d "$WORK/state-$r" ] || continue
		# Every container this script made, whatever state it is in.
		sort -u "$WORK/ids-$r" | while IFS= read -r id; do
			[ -e "$WORK/state-$r/$id" ] || continue
			rt "$r" delete --force "$id" </dev/null >/dev/null 2>&1 || true
		done
	done
	if [ -n "${KEEP_WORK:-}" ]; then
		say "kept $WORK"
	else
		rm -rf --one-file-system "$WORK" 2>/dev/null || say "could not remove all of $WORK"
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

FAILS=$WORK/failures
: >"$FAILS"
# fail SECTION RUNTIME MESSAGE: note a failure for the report.
fail() {
	echo "$1: $2: $3" >>"$FAILS"
	echo "$2" >>"$RES/fail.$1"
}
# newid RUNTIME PREFIX: a fresh container id in $ID, remembered for cleanup.
SEQ=0
newid() {
	SEQ=$((SEQ + 1))
	ID="hb-$2-$1-$SEQ"
	echo "$ID" >>"$WORK/ids-$1"
}
# timed CMD...: run CMD (stdin /dev/null, output to the log); $T_US is the
# wall time in microseconds, $RC the exit status.
timed() {
	local t0 t1
	t0=${EPOCHREALTIME/./}
	if "$@" </dev/null >>"$LOG" 2>&1; then RC=0; else RC=$?; fi
	t1=${EPOCHREALTIME/./}
	T_US=$((t1 - t0))
}
# rec METRIC RUNTIME VALUE
rec() { echo "$3" >>"$RES/$1.$2"; }
# ORDER=(...) = the runtimes rotated by ROUND.
rotate() {
	local round=$1 n i
	shift
	local -a a=("$@")
	n=${#a[@]}
	ORDER=()
	for ((i = 0; i < n; i++)); do ORDER+=("${a[(round + i) % n]}"); done
}
# A bash-only nap (no fork): read with a timeout on a FIFO nobody writes.
mkfifo "$WORK/nap"
exec {NAPFD}<>"$WORK/nap"
nap() { read -r -t "$1" -u "$NAPFD" _ || true; }
# proc_gone PID: true when PID exited (gone, or a zombie not yet reaped).
proc_gone() {
	local st
	{ read -r st <"/proc/$1/stat"; } 2>/dev/null || return 0
	st=${st##*) }
	[ "${st:0:1}" = Z ] || [ "${st:0:1}" = X ]
}
logmark() { echo "=== $*" >>"$LOG"; }

# ------------------------------------------------------------------ bundles
say "building bundles in $WORK"
OCI_VERSION=1.0.2 "$TOP/contrib/make-bundle.sh" "$WORK/base" -- /bin/true >/dev/null
ROOTFS=$WORK/base/rootfs
# bundle NAME JQ-FILTER: $WORK/b-NAME with the base config run through jq.
bundle() {
	mkdir -p "$WORK/b-$1"
	jq --arg root "$ROOTFS" ".root.path = \$root | $2" "$WORK/base/config.json" \
		>"$WORK/b-$1/config.json"
}
bundle true '.process.args = ["/bin/true"]'
# A distinct sleep per runtime, to tell their processes apart.
i=0
for r in "${RTS[@]}"; do
	i=$((i + 1))
	bundle "sleep-$r" ".process.args = [\"sleep\", \"$((86400 + i))\"]"
done

# unshare floor: the namespaces without any runtime.
FLOOR=(unshare -fpmuinC)
if unshare -T true 2>/dev/null; then FLOOR=(unshare -fpmuinCT); fi
FLOOR+=(chroot "$ROOTFS" /bin/true)

HUSK_EXEC=no
if "$HUSK" --help 2>&1 | grep -qE '^[[:space:]]+exec[[:space:]]'; then HUSK_EXEC=yes; fi

# ------------------------------------------------------------------ header
NPROC=$(nproc)
CPU=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)
HDR=$WORK/header
{
	echo "husk benchmark, $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "command: ${BENCH_CMDLINE:-$0}"
	echo "kernel:  $(uname -srm)"
	echo "cpu:     ${CPU:-unknown} ($NPROC CPUs)"
	echo "husk:    $HUSK ($("$HUSK" --version 2>/dev/null | head -n1); git $(git -C "$TOP" describe --always --dirty 2>/dev/null || echo '?'))"
	echo "crun:    ${BIN[crun]} ($(crun --version | head -n1))"
	echo "runc:    ${BIN[runc]} ($(runc --version | head -n1))"
	echo "setup:   one private mount+PID namespace for all runtimes; $CG_NOTE; --root per runtime, no --systemd-cgroup"
	echo "rounds:  run=$N cycle=$CYCLE exec=$EXECN rss=$RSSN cpu=$CPUN concurrent=${CONC}x$CONCR memtrials=$MEMTRIALS; runtimes interleaved per round; medians"
	echo "floor:   ${FLOOR[*]}"
} >"$HDR"
cat "$HDR"

# -------------------------------------------- 1: sequential run /bin/true
say "1/8 sequential run /bin/true, $N rounds"
logmark "section 1"
ALL1=("${RTS[@]}" floor)
for ((i = 0; i < N + 2; i++)); do
	rotate "$i" "${ALL1[@]}"
	for r in "${ORDER[@]}"; do
		if [ "$r" = floor ]; then
			timed "${FLOOR[@]}"
		else
			newid "$r" run
			timed rt "$r" run --bundle "$WORK/b-true" "$ID"
		fi
		[ "$i" -ge 2 ] || continue # two warm-up rounds
		if [ "$RC" = 0 ]; then
			rec run "$r" "$T_US"
		else
			fail run "$r" "run exited $RC"
			[ "$r" = floor ] || rt "$r" delete --force "$ID" </dev/null >/dev/null 2>&1 || true
		fi
	done
done

# ------------------------------ 2: create + start + wait-for-exit + delete
say "2/8 create/start/wait/delete, $CYCLE rounds"
logmark "section 2"
for ((i = 0; i < CYCLE; i++)); do
	rotate "$i" "${RTS[@]}"
	for r in "${ORDER[@]}"; do
		newid "$r" cyc
		timed rt "$r" create --bundle "$WORK/b-true" "$ID"
		if [ "$RC" != 0 ]; then
			fail cycle "$r" "create exited $RC"
			rt "$r" delete --force "$ID" </dev/null >/dev/null 2>&1 || true
			continue
		fi
		tc=$T_US
		pid=$(rt "$r" state "$ID" 2>>"$LOG" | jq -r .pid) || pid=
		timed rt "$r" start "$ID"
		if [ "$RC" != 0 ] || [ -z "$pid" ] || [ "$pid" = null ]; then
			fail cycle "$r" "start exited $RC (pid '$pid')"
			rt "$r" delete --force "$ID" </dev/null >/dev/null 2>&1 || true
			continue
		fi
		ts=$T_US
		t0=${EPOCHREALTIME/./}
		deadline=$((t0 + 10000000))
		while ! proc_gone "$pid"; do
			if [ "${EPOCHREALTIME/./}" -gt "$deadline" ]; then break; fi
			nap 0.0002
		done
		tw=$((${EPOCHREALTIME/./} - t0))
		if ! proc_gone "$pid"; then
			fail cycle "$r" "container init $pid still there 10 s after start"
			rt "$r" delete --force "$ID" </dev/null >/dev/null 2>&1 || true
			continue
		fi
		timed rt "$r" delete "$ID"
		if [ "$RC" != 0 ]; then
			fail cycle "$r" "delete exited $RC"
			rt "$r" delete --force "$ID" </dev/null >/dev/null 2>&1 || true
			continue
		fi
		rec cyc_create "$r" "$tc"
		rec cyc_start "$r" "$ts"
		rec cyc_wait "$r" "$tw"
		rec cyc_delete "$r" "$T_US"
		rec cyc_total "$r" $((tc + ts + tw + T_US))
	done
done

# ------------------------------------------------- 3: exec into a container
say "3/8 exec /bin/true, $EXECN rounds"
logmark "section 3"
EXEC_RTS=()
for r in "${RTS[@]}"; do
	[ "$r" != husk ] || [ "$HUSK_EXEC" = yes ] || continue
	newid "$r" exec
	eval "XID_$r=\$ID"
	if rt "$r" run -d --bundle "$WORK/b-sleep-$r" "$ID" </dev/null >>"$LOG" 2>&1; then
		EXEC_RTS+=("$r")
	else
		fail exec "$r" "run -d of the target container failed"
	fi
done
if [ ${#EXEC_RTS[@]} -gt 0 ]; then
	for ((i = 0; i < EXECN + 1; i++)); do
		rotate "$i" "${EXEC_RTS[@]}"
		for r in "${ORDER[@]}"; do
			xid=XID_$r
			timed rt "$r" exec "${!xid}" /bin/true
			[ "$i" -ge 1 ] || continue
			if [ "$RC" = 0 ]; then rec exec "$r" "$T_US"; else fail exec "$r" "exec exited $RC"; fi
		done
	done
fi
for r in "${EXEC_RTS[@]}"; do
	xid=XID_$r
	rt "$r" delete --force "${!xid}" </dev/null >>"$LOG" 2>&1 || fail exec "$r" "delete --force failed"
done

# ---------------------------------------------------------- 4: peak RSS
say "4/8 peak RSS of run, $RSSN rounds"
logmark "section 4"
for ((i = 0; i < RSSN; i++)); do
	rotate "$i" "${ALL1[@]}"
	for r in "${ORDER[@]}"; do
		if [ "$r" = floor ]; then
			cmd=("${FLOOR[@]}")
		else
			newid "$r" rss
			cmd=("${BIN[$r]}" --root "$WORK/state-$r" run --bundle "$WORK/b-true" "$ID")
		fi
		if /usr/bin/time -f %M -o "$WORK/rss" "${cmd[@]}" </dev/null >>"$LOG" 2>&1; then
			rec rss "$r" "$(tail -n1 "$WORK/rss")"
		else
			fail rss "$r" "run failed under /usr/bin/time"
			[ "$r" = floor ] || rt "$r" delete --force "$ID" </dev/null >/dev/null 2>&1 || true
		fi
	done
done

# CPU time: user+system of the whole process tree (the runtime, its init,
# /bin/true), as perf stat's task-clock counts it.  It hardly depends on
# what else the machine runs, unlike wall time on a shared host.
HAVE_PERF=no
if command -v perf >/dev/null && perf stat -x, -e task-clock -o /dev/null true 2>/dev/null; then
	HAVE_PERF=yes
	say "4/8 CPU time (task-clock) of run, $CPUN rounds"
	logmark "section 4 cpu"
	for ((i = 0; i < CPUN; i++)); do
		rotate "$i" "${ALL1[@]}"
		for r in "${ORDER[@]}"; do
			if [ "$r" = floor ]; then
				cmd=("${FLOOR[@]}")
			else
				newid "$r" cpu
				cmd=("${BIN[$r]}" --root "$WORK/state-$r" run --bundle "$WORK/b-true" "$ID")
			fi
			if perf stat -x, -e task-clock -o "$WORK/cpu" -- "${cmd[@]}" </dev/null >>"$LOG" 2>&1; then
				rec cpu "$r" "$(awk -F, '$3 == "task-clock" { printf "%.0f\n", $1 * 1000 }' "$WORK/cpu")"
			else
				fail cpu "$r" "run failed under perf stat"
				[ "$r" = floor ] || rt "$r" delete --force "$ID" </dev/null >/dev/null 2>&1 || true
			fi
		done
	done
fi

# ------------------------------------- 5: smallest memory limit that works
say "5/8 smallest linux.resources.memory.limit for run /bin/true (bisection)"
logmark "section 5"
# Limits are multiples of MEMSTEP between MEMLO and MEMHI; memory.swap is
# set to the same value (memory+swap = memory: no escape into swap).  A
# limit "works" when MEMTRIALS runs in a row succeed with it.
MEMSTEP=$((16 * 1024))
MEMLO=$((64 * 1024))
MEMHI=$((16 * 1024 * 1024))
# memtry RUNTIME BYTES: do MEMTRIALS `run /bin/true` succeed with that limit?
memtry() {
	local t
	bundle "mem-$1" ".process.args = [\"/bin/true\"] | .linux.resources.memory = {limit: $2, swap: $2}"
	for ((t = 0; t < MEMTRIALS; t++)); do
		newid "$1" mem
		# Own log: runs that fail for lack of memory are expected here.
		echo "=== $1 limit $2 trial $t" >>"$WORK/mem.log"
		if ! rt "$1" run --bundle "$WORK/b-mem-$1" "$ID" </dev/null >>"$WORK/mem.log" 2>&1; then
			rt "$1" delete --force "$ID" </dev/null >/dev/null 2>&1 || true
			return 1
		fi
	done
	return 0
}
declare -A LO HI MEMRES
BIS=()
for r in "${RTS[@]}"; do
	if ! memtry "$r" "$MEMHI"; then
		MEMRES[$r]="> $((MEMHI >> 20)) MiB"
		fail memlimit "$r" "run fails even with a $((MEMHI >> 20)) MiB limit"
	elif memtry "$r" "$MEMLO"; then
		# No runtime starts a container in 64 KiB: the limit is not applied.
		MEMRES[$r]="n/a (limit not enforced)"
	else
		LO[$r]=$((MEMLO / MEMSTEP)) HI[$r]=$((MEMHI / MEMSTEP))
		BIS+=("$r")
	fi
done
# Bisect in steps, one probe for every runtime per round (interleaved).
step=0
while :; do
	active=()
	for r in "${BIS[@]}"; do
		[ $((HI[$r] - LO[$r])) -le 1 ] || active+=("$r")
	done
	[ ${#active[@]} -gt 0 ] || break
	rotate "$step" "${active[@]}"
	for r in "${ORDER[@]}"; do
		mid=$(((LO[$r] + HI[$r]) / 2))
		if memtry "$r" $((mid * MEMSTEP)); then HI[$r]=$mid; else LO[$r]=$mid; fi
	done
	step=$((step + 1))
done
for r in "${BIS[@]}"; do
	MEMRES[$r]=$((HI[$r] * MEMSTEP))
done

# ------------------------------------- 6: concurrent run -d, delete, leaks
say "6/8 $CONC concurrent run -d, then delete --force, then leak check, $CONCR rounds"
logmark "section 6"
declare -A LEAK
for r in "${RTS[@]}"; do LEAK[$r]=pass; done
for ((round = 0; round < CONCR; round++)); do
	rotate "$round" "${RTS[@]}"
	for r in "${ORDER[@]}"; do
		logmark "section 6 $r round $round"
		mounts_before=$(wc -l </proc/self/mountinfo)
		ids=()
		for ((i = 0; i < CONC; i++)); do
			newid "$r" conc
			ids+=("$ID")
		done
		# Start them all at once; time until all have returned and `list`
		# shows every one running.
		jobs_=()
		t0=${EPOCHREALTIME/./}
		for id in "${ids[@]}"; do
			rt "$r" run -d --bundle "$WORK/b-sleep-$r" "$id" </dev/null >>"$LOG" 2>&1 &
			jobs_+=($!)
		done
		nfail=0
		for j in "${jobs_[@]}"; do wait "$j" || nfail=$((nfail + 1)); done
		deadline=$((${EPOCHREALTIME/./} + 30000000))
		while :; do
			running=$(rt "$r" list 2>>"$LOG" | grep -c -w running || true)
			[ "$running" -lt $((CONC - nfail)) ] || break
			if [ "${EPOCHREALTIME/./}" -gt "$deadline" ]; then break; fi
			nap 0.001
		done
		t1=${EPOCHREALTIME/./}
		if [ "$nfail" = 0 ] && [ "$running" -ge "$CONC" ]; then
			rec conc_start "$r" $((t1 - t0))
		else
			fail conc "$r" "$nfail of $CONC run -d failed, $running running"
		fi
		# The init PIDs, to check afterwards that they are gone (untimed).
		pids=()
		for id in "${ids[@]}"; do
			p=$(rt "$r" state "$id" 2>/dev/null | jq -r .pid 2>/dev/null) || p=
			case "$p" in '' | null | 0) ;; *) pids+=("$p") ;; esac
		done
		jobs_=()
		t0=${EPOCHREALTIME/./}
		for id in "${ids[@]}"; do
			rt "$r" delete --force "$id" </dev/null >>"$LOG" 2>&1 &
			jobs_+=($!)
		done
		nfail=0
		for j in "${jobs_[@]}"; do wait "$j" || nfail=$((nfail + 1)); done
		t1=${EPOCHREALTIME/./}
		if [ "$nfail" = 0 ]; then
			rec conc_delete "$r" $((t1 - t0))
		else
			fail conc "$r" "$nfail of $CONC delete --force failed"
		fi
		# Leak check; give killed processes up to 5 s to go.
		deadline=$((${EPOCHREALTIME/./} + 5000000))
		while :; do
			leaks=()
			n=$(find "$WORK/state-$r" -mindepth 1 -maxdepth 1 | wc -l)
			[ "$n" = 0 ] || leaks+=("$n state entries")
			n=0
			for p in "${pids[@]}"; do proc_gone "$p" || n=$((n + 1)); done
			[ "$n" = 0 ] || leaks+=("$n container processes")
			n=$(pgrep -c -f -- "$WORK/state-$r" || true)
			[ "$n" = 0 ] || leaks+=("$n runtime processes")
			n=$(($(wc -l </proc/self/mountinfo) - mounts_before))
			[ "$n" -le 0 ] || leaks+=("$n mounts")
			n=$(find /sys/fs/cgroup -maxdepth 4 -type d -name "hb-conc-$r-*" 2>/dev/null | wc -l)
			[ "$n" = 0 ] || leaks+=("$n cgroups")
			[ ${#leaks[@]} -gt 0 ] || break
			[ "${EPOCHREALTIME/./}" -le "$deadline" ] || break
			nap 0.05
		done
		if [ ${#leaks[@]} != 0 ]; then
			LEAK[$r]="FAIL: $(IFS=,; echo "${leaks[*]}" | sed 's/,/, /g')"
			fail leak "$r" "${LEAK[$r]}"
		fi
	done
done

# ----------------------------------------------------- 7: binary sizes
say "7/8 binary sizes"
declare -A FSIZE SSIZE TSIZE NLIB
for r in "${RTS[@]}"; do
	f=$(readlink -f "${BIN[$r]}")
	FSIZE[$r]=$(stat -c %s "$f")
	strip -o "$WORK/stripped-$r" "$f" 2>/dev/null && SSIZE[$r]=$(stat -c %s "$WORK/stripped-$r") || SSIZE[$r]=n/a
	TSIZE[$r]=$(size "$f" 2>/dev/null | awk 'NR == 2 { print $1 }') || true
	[ -n "${TSIZE[$r]}" ] || TSIZE[$r]=n/a
	# Shared libraries resolved by ldd ("=>" lines: not vdso, not ld.so).
	NLIB[$r]=$(ldd "$f" 2>/dev/null | grep -c '=>' || true)
done

# ------------------------------------------------------------ 8: the floor
# (measured within section 1, interleaved with the runtimes)
say "8/8 report"

# ------------------------------------------------------------------ report
median() { # FILE -> median, or empty
	[ -s "$1" ] || return 0
	sort -n "$1" | awk '{ v[NR] = $1 } END {
		if (NR % 2) print v[(NR + 1) / 2]; else printf "%.0f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}
nfails() {
	local k=0
	[ ! -f "$RES/fail.$1" ] || k=$(grep -cx -- "$2" "$RES/fail.$1") || true
	echo "${k:-0}"
}
# fmt KIND VALUE: human form. KIND: us (microseconds), kib, bytes, count.
fmt() {
	case "$2" in '' | *[!0-9]*) echo "${2:-n/a}"; return ;; esac
	case "$1" in
	us) awk -v v="$2" 'BEGIN { if (v >= 1000000) printf "%.3f s\n", v / 1e6; else printf "%.2f ms\n", v / 1000 }' ;;
	kib) awk -v v="$2" 'BEGIN { printf "%.1f MiB\n", v / 1024 }' ;;
	bytes) awk -v v="$2" 'BEGIN { if (v >= 1048576) printf "%.2f MiB\n", v / 1048576; else printf "%.1f KiB\n", v / 1024 }' ;;
	count) echo "$2" ;;
	esac
}
ratio() { # A B -> A/B
	case "$1" in '' | *[!0-9]*) echo "n/a"; return ;; esac
	case "$2" in '' | *[!0-9]*) echo "n/a"; return ;; esac
	[ "$2" != 0 ] || { echo "n/a"; return; }
	awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f\n", a / b }'
}
ROWS=$WORK/rows
echo "metric|husk|crun|runc|husk/crun|husk/runc|floor|husk/floor" >"$ROWS"
# row LABEL KIND VALUE-husk VALUE-crun VALUE-runc [VALUE-floor] [SECTION]
row() {
	local label=$1 kind=$2 h=$3 c=$4 u=$5 f=${6:-} sec=${7:-} r cells=() v k
	for r in husk crun runc; do
		case $r in husk) v=$h ;; crun) v=$c ;; runc) v=$u ;; esac
		v=$(fmt "$kind" "$v")
		if [ -n "$sec" ]; then
			k=$(nfails "$sec" "$r")
			[ "$k" = 0 ] || v="$v (FAILED $k)"
		fi
		cells+=("$v")
	done
	local fl="-" hf="-"
	if [ -n "$f" ]; then
		fl=$(fmt "$kind" "$f")
		hf=$(ratio "$h" "$f")
	fi
	echo "$label|${cells[0]}|${cells[1]}|${cells[2]}|$(ratio "$h" "$c")|$(ratio "$h" "$u")|$fl|$hf" >>"$ROWS"
}
m() { median "$RES/$1.$2"; }

row "1. run /bin/true (median of $N)" us "$(m run husk)" "$(m run crun)" "$(m run runc)" "$(m run floor)" run
row "2. create" us "$(m cyc_create husk)" "$(m cyc_create crun)" "$(m cyc_create runc)" "" cycle
row "2. start" us "$(m cyc_start husk)" "$(m cyc_start crun)" "$(m cyc_start runc)" "" cycle
row "2. wait for exit" us "$(m cyc_wait husk)" "$(m cyc_wait crun)" "$(m cyc_wait runc)" "" cycle
row "2. delete" us "$(m cyc_delete husk)" "$(m cyc_delete crun)" "$(m cyc_delete runc)" "" cycle
row "2. cycle total (median of $CYCLE)" us "$(m cyc_total husk)" "$(m cyc_total crun)" "$(m cyc_total runc)" "" cycle
hx=$(m exec husk)
[ "$HUSK_EXEC" = yes ] || hx="n/a (not implemented)"
row "3. exec /bin/true (median of $EXECN)" us "$hx" "$(m exec crun)" "$(m exec runc)" "" exec
row "4. peak RSS of run (median of $RSSN)" kib "$(m rss husk)" "$(m rss crun)" "$(m rss runc)" "$(m rss floor)" rss
if [ "$HAVE_PERF" = yes ]; then
	row "4. CPU time of run, task-clock (median of $CPUN)" us "$(m cpu husk)" "$(m cpu crun)" "$(m cpu runc)" "$(m cpu floor)" cpu
else
	row "4. CPU time of run, task-clock" us "n/a (no perf)" "n/a (no perf)" "n/a (no perf)"
fi
row "5. min memory.limit for run" bytes "${MEMRES[husk]}" "${MEMRES[crun]}" "${MEMRES[runc]}" "" memlimit
row "6. $CONC x run -d until all running (median of $CONCR)" us "$(m conc_start husk)" "$(m conc_start crun)" "$(m conc_start runc)" "" conc
row "6. $CONC x delete --force (median of $CONCR)" us "$(m conc_delete husk)" "$(m conc_delete crun)" "$(m conc_delete runc)" "" conc
echo "6. leak check (state, procs, mounts, cgroups)|${LEAK[husk]}|${LEAK[crun]}|${LEAK[runc]}|-|-|-|-" >>"$ROWS"
row "7. file size" bytes "${FSIZE[husk]}" "${FSIZE[crun]}" "${FSIZE[runc]}"
row "7. file size, stripped" bytes "${SSIZE[husk]}" "${SSIZE[crun]}" "${SSIZE[runc]}"
row "7. text size (size)" bytes "${TSIZE[husk]}" "${TSIZE[crun]}" "${TSIZE[runc]}"
row "7. shared libraries (ldd)" count "${NLIB[husk]}" "${NLIB[crun]}" "${NLIB[runc]}"

NOTES="ratios are husk/other (below 1: husk is smaller/faster); floor = ${FLOOR[*]}, timed interleaved with (1); \
(3) husk: $([ "$HUSK_EXEC" = yes ] && echo measured || echo 'no exec command yet'); \
(4) ru_maxrss as /usr/bin/time sees it: the top runtime process, maxed with the descendants it reaped (runc's re-exec'd runc init included), not summed; CPU time = perf stat task-clock of the whole tree (runtime, init, /bin/true); \
(5) memory.limit = memory.swap, bisected between $((MEMLO >> 10)) KiB and $((MEMHI >> 20)) MiB to $((MEMSTEP >> 10)) KiB, a limit counts when $MEMTRIALS runs in a row all succeed; \
(6) medians of $CONCR rounds, start = from launch until every run -d returned and list shows all running"

echo
awk -F'|' '{ for (i = 1; i <= NF; i++) { c[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } n = NR; nf = NF }
END {
	for (r = 1; r <= n; r++) {
		line = ""
		for (i = 1; i <= nf; i++) line = line sprintf(i == 1 ? "%-*s" : "  %*s", w[i], c[r, i])
		print line
		if (r == 1) { s = ""; for (i = 1; i <= nf; i++) { s = s (i == 1 ? "" : "  "); for (k = 0; k < w[i]; k++) s = s "-" } print s }
	}
}' "$ROWS"
echo
echo "notes: $NOTES" | fold -s -w 100
if [ "$MARKDOWN" = 1 ]; then
	echo
	echo "<!-- husk bench, markdown -->"
	sed 's/^/    /' "$HDR"
	echo
	awk -F'|' '{ line = "|"; for (i = 1; i <= NF; i++) line = line " " $i " |"; print line
		if (NR == 1) { s = "|---|"; for (i = 2; i <= NF; i++) s = s "---:|"; print s } }' "$ROWS"
	echo
	echo "Notes: $NOTES."
fi
if [ -s "$FAILS" ]; then
	echo
	echo "FAILURES ($(wc -l <"$FAILS")):"
	sort "$FAILS" | uniq -c | sed 's/^ */  /'
	echo "last lines of the runtime log:"
	{ grep -v '^===' "$LOG" || echo "(empty)"; } | tail -n 15 | sed 's/^/  | /'
	exit 1
fi
