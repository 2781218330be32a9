#!/bin/bash
# Numbers for the micro-VM handler (README, "Micro-VM handler"): over N runs
# of `husk run` of a busybox bundle whose process prints one line and exits,
# the median time from starting husk to that first line on husk's stdout,
# to husk's exit, and the peak resident memory (VmHWM) of QEMU and of
# virtiofsd.  Also one plain `husk run` of the same bundle to compare.
#
#   contrib/vm/measure.sh [N]      (as root; N defaults to 7)
#
# HUSK is the binary (default ./husk of this tree); HUSK_VM_* settings are
# honoured (HUSK_VM_VIRTIOFSD=none measures the 9p fallback).  The first
# run, which may build the initramfs and probe KVM, is not counted.
set -euo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
husk=${HUSK:-$top/husk}
n=${1:-7}
work=$(mktemp -d /tmp/husk-vm-measure.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/state

bash "$top/contrib/make-bundle.sh" "$work/bundle" >/dev/null
cfg=$work/bundle/config.json
jq '.process.args = ["echo", "first-line"] | .annotations["run.oci.handler"] = "vm"' "$cfg" >"$cfg.new"
mv "$cfg.new" "$cfg"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# one ID: prints "FIRST_MS EXIT_MS QEMU_KB VIRTIOFSD_KB".
one() {
	local id=$1 t0 first= qemu_kb=0 vfs_kb=0 line
	t0=$(now_ms)
	coproc RUN { "$husk" --root "$root" run --bundle "$work/bundle" "$id" 2>&1; }
	local rpid=$RUN_PID
	# Sample the VMM's peak while it runs.
	(
		q=0 v=0
		while kill -0 "$rpid" 2>/dev/null; do
			if [ -r "$root/$id/vm.pids" ]; then
				while read -r name pid _; do
					kb=$(awk '/^VmHWM/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
					[ -n "$kb" ] || continue
					case $name in
					qemu) [ "$kb" -le "$q" ] || q=$kb ;;
					virtiofsd) [ "$kb" -le "$v" ] || v=$kb ;;
					esac
				done <"$root/$id/vm.pids"
			fi
			echo "$q $v" >"$work/peak"
			sleep 0.02
		done
	) &
	local sampler=$!
	while IFS= read -r line <&"${RUN[0]}"; do
		if [ -z "$first" ] && [ "$line" = first-line ]; then first=$(($(now_ms) - t0)); fi
	done
	wait "$rpid" || true
	local end=$(($(now_ms) - t0))
	wait "$sampler" || true
	read -r qemu_kb vfs_kb <"$work/peak"
	echo "${first:-0} $end $qemu_kb $vfs_kb"
}

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

one warmup >/dev/null
for i in $(seq "$n"); do one "m$i"; done >"$work/runs"
accel=$("$husk" --root "$root" --debug run --bundle "$work/bundle" accel 2>&1 >/dev/null |
	sed -n 's/.*VM handler: //p')
echo "husk micro-VM handler, $n runs: $accel"
printf 'first output: %s ms (median), runs: %s\n' "$(cut -d' ' -f1 "$work/runs" | median)" "$(cut -d' ' -f1 "$work/runs" | tr '\n' ' ')"
printf 'exit:         %s ms (median), runs: %s\n' "$(cut -d' ' -f2 "$work/runs" | median)" "$(cut -d' ' -f2 "$work/runs" | tr '\n' ' ')"
printf 'QEMU peak RSS: %s MiB (median)\n' $(($(cut -d' ' -f3 "$work/runs" | median) / 1024))
printf 'virtiofsd peak RSS: %s MiB (median)\n' $(($(cut -d' ' -f4 "$work/runs" | median) / 1024))
jq 'del(.annotations["run.oci.handler"])' "$cfg" >"$cfg.new" && mv "$cfg.new" "$cfg"
t0=$(now_ms)
"$husk" --root "$root" run --bundle "$work/bundle" plain >/dev/null
echo "for comparison, the same bundle without the VM: $(($(now_ms) - t0)) ms"
