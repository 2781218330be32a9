#!/bin/bash
# Run bats files inside a pure cgroup v2 guest: a QEMU micro-VM (TCG) with
# Debian's stock kernel, one boot for all the files.
#
#   tests/vm/run.sh [BATS_FILE...]      (as root, from anywhere)
#
# Without files it runs tests/integration/cgroups*.bats, events_ps.bats and
# lsm.bats (the guest kernel has AppArmor on; the CI hosts have no LSM).
# tests/vm/guest.bats, which proves that the guest is pure cgroup v2 with
# every controller enabled, always runs first.  The husk under test is $HUSK, else ./husk, else build/husk of
# the tree this script is in (as tests/integration/helpers.bash does).
#
# How: the hosts here have hybrid cgroups (v1 controllers), so pure v2 needs
# its own kernel.  QEMU's microvm machine boots the bookworm kernel from
# the linux-image package that linux-image-amd64 names, fetched with
# `apt-get download` and unpacked with `dpkg-deb -x` into a cache (nothing
# is installed, no hooks run), plus an initramfs made here from
# busybox-static and the modules the guest needs (tests/vm/initramfs-init
# is its /init).  The guest sees the host's / read-only over virtio 9p with
# a tmpfs overlay on top, so bats, jq, busybox and the tree under test are
# used in place; tests/vm/init then mounts cgroup2 with all controllers,
# tmpfs on /tmp /run /var/tmp, and runs bats from the leaf cgroup
# /init.scope, as on a host booted by systemd (so a runtime cannot enable
# controllers below its own cgroup).  The guest also has an empty
# block device, /dev/vda (254:0, zeroes, writes dropped), for io rules.
# The TAP comes back through a virtio serial port into a file that is
# streamed here; its last line "# husk-vm: exit status N" gives this
# script's status.  The kernel, decompressed for a fast PVH boot, its
# modules and the initramfs are cached under $HUSK_VM_CACHE keyed by the
# package version, so only the first run downloads (about 70 MB) and
# unpacks.
#
# Speed: KVM is not usable here, so the CPU is emulated (TCG), 10 to 40
# times slower than the host for fork- and exec-heavy bats; the boot takes
# 3 to 10 seconds depending on the host's load.  ASLR is off in the guest
# (see norandmaps below) and TCG is single-threaded by default, which
# copes better with a busy 2-core host than one thread per vCPU.
#
# Exit status: 0 when every test passed, 1 on a failure (including a guest
# that never reported a status: the console log is shown), 2 on bad usage,
# 77 with a TAP "1..0 # SKIP reason" line when QEMU or the kernel package
# cannot be obtained.
#
# Environment:
#   HUSK_VM_CACHE    kernel cache (default /var/cache/husk-vm)
#   HUSK_VM_QEMU     the QEMU binary (default qemu-system-x86_64)
#   HUSK_VM_MEM      guest memory in MiB (default 2048)
#   HUSK_VM_CPUS     guest vCPUs (default 2)
#   HUSK_VM_TCG_THREAD  single (default) or multi: TCG threads
#   HUSK_VM_TIMEOUT  seconds before the guest is killed (default 3600)
#   HUSK_VM_TSC_KHZ  the host TSC frequency handed to the guest (default
#                    from /proc/cpuinfo); under TCG the guest reads the
#                    host's TSC, and its own calibration fails when the
#                    host is busy
#   HUSK_VM_APPEND   more kernel parameters
#   HUSK_VM_LSM      apparmor (default: Debian's kernel enables it) or
#                    selinux: boot with security=selinux and load the host's
#                    Debian reference policy, permissive (needs the packages
#                    selinux-policy-default and policycoreutils)
#   HUSK_VM_EXEC     a bash command to run in the guest instead of bats,
#                    for debugging (its output comes back like the TAP)
#   HUSK_VM_KEEP=1   keep the job directory (TAP, console log) afterwards
#   BATS_FLAGS       extra bats options; BATS_TEST_TIMEOUT and HUSK_TIMEOUT
#                    are passed on to the guest when set
set -uo pipefail

self=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$self/../.." && pwd)
cache=${HUSK_VM_CACHE:-/var/cache/husk-vm}
qemu=${HUSK_VM_QEMU:-qemu-system-x86_64}

usage() {
	echo "usage: $0 [BATS_FILE...]" >&2
	exit 2
}
die() {
	echo "husk-vm: $*" >&2
	exit 1
}
skip() {
	echo "1..0 # SKIP $*"
	echo "husk-vm: skipped: $*" >&2
	exit 77
}
info() { echo "# husk-vm: $*"; }

case "${1:-}" in -h | --help) usage ;; esac
[ "$(id -u)" -eq 0 ] || die "must run as root (the guest shares the host's / and runs the tests as root)"

# --- What to run.
if [ -z "${HUSK:-}" ]; then
	if [ -x "$top/husk" ]; then HUSK=$top/husk; else HUSK=$top/build/husk; fi
fi
[ -x "$HUSK" ] || die "no husk binary at $HUSK: build it first or set HUSK"
HUSK=$(cd "$(dirname "$HUSK")" && pwd)/$(basename "$HUSK")

files=()
if [ $# -eq 0 ]; then
	# Everything that touches cgroups: the resources, update, pause and
	# device rules, ps and events.
	for f in "$top"/tests/integration/cgroups*.bats "$top"/tests/integration/events_ps.bats \
		"$top"/tests/integration/lsm.bats; do
		[ -e "$f" ] && files+=("$f")
	done
fi
for f in "$@"; do
	[ -f "$f" ] || die "no bats file $f"
	files+=("$(cd "$(dirname "$f")" && pwd)/$(basename "$f")")
done
files=("$self/guest.bats" "${files[@]}")

# Paths travel on the kernel command line and in the job file.
for p in "$self" "$HUSK" "${files[@]}" "$cache"; do
	case "$p" in *[[:space:]]*) die "paths with white space are not supported: $p" ;; esac
done

# --- QEMU.
command -v "$qemu" >/dev/null ||
	skip "$qemu not found (apt-get install qemu-system-x86)"
"$qemu" -machine help 2>/dev/null | grep -q '^microvm ' ||
	die "$qemu has no microvm machine"

# --- Kernel: the package linux-image-amd64 depends on, unpacked once.
mkdir -p "$cache" || die "cannot create $cache"
exec 8>"$cache/.lock"
flock 8 || die "cannot lock $cache/.lock"

# kernel_package: prints "PACKAGE VERSION" of the candidate kernel.
kernel_package() {
	local pkg ver
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '$1 == "Depends:" && $2 ~ /^linux-image-[0-9]/ { print $2; exit }')
	[ -n "$pkg" ] || return 1
	ver=$(apt-cache policy "$pkg" 2>/dev/null | awk '$1 == "Candidate:" { print $2; exit }')
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || return 1
	echo "$pkg $ver"
}

# newest_cached: the most recently prepared kernel directory, if any.
newest_cached() {
	ls -1dt "$cache"/*/.done 2>/dev/null | head -n 1 | xargs -r dirname
}

# decompress_kernel VMLINUZ OUT: the ELF vmlinux inside a bzImage, which
# QEMU boots through its PVH entry; under TCG this saves the seconds the
# guest would spend decompressing itself.
decompress_kernel() {
	local in=$1 out=$2 magic cmd off
	for magic in 'xz:\xfd7zXZ\x00' 'zstd:\x28\xb5\x2f\xfd' 'gzip:\x1f\x8b\x08'; do
		case "${magic%%:*}" in
		xz) cmd="xz -dc --single-stream" ;;
		zstd) cmd="zstd -dcq" ;;
		gzip) cmd="gzip -dc" ;;
		esac
		command -v "${cmd%% *}" >/dev/null || continue
		for off in $(LC_ALL=C grep -obUaP "${magic#*:}" "$in" | cut -d: -f1 | head -n 5); do
			tail -c +$((off + 1)) "$in" | $cmd >"$out" 2>/dev/null
			if [ "$(head -c 4 "$out" | od -An -tx1 | tr -d ' \n')" = 7f454c46 ] &&
				LC_ALL=C readelf -n "$out" 2>/dev/null | grep -q '^ *Xen'; then
				return 0
			fi
		done
	done
	rm -f "$out"
	return 1
}

# fetch_kernel PACKAGE VERSION DIR: download and unpack into DIR.
fetch_kernel() {
	local pkg=$1 ver=$2 dir=$3 tmp krel deb
	krel=${pkg#linux-image-}
	tmp=$(mktemp -d "$cache/fetch.XXXXXX") || return 1
	if ! (cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root download "$pkg=$ver") >"$tmp/apt.log" 2>&1; then
		apt-get -qq update >/dev/null 2>&1
		if ! (cd "$tmp" && apt-get -qq -o APT::Sandbox::User=root download "$pkg=$ver") >"$tmp/apt.log" 2>&1; then
			fetch_error=$(grep -v '^$' "$tmp/apt.log" | tail -n 1)
			rm -rf "$tmp"
			return 2
		fi
	fi
	deb=$(ls "$tmp"/*.deb)
	mkdir "$tmp/x" "$tmp/k" &&
		dpkg-deb -x "$deb" "$tmp/x" &&
		mkdir -p "$tmp/k/modules/lib/modules" &&
		mv "$tmp/x/lib/modules/$krel" "$tmp/k/modules/lib/modules/" &&
		mv "$tmp/x/boot/vmlinuz-$krel" "$tmp/k/vmlinuz" &&
		mv "$tmp/x/boot/config-$krel" "$tmp/k/config" &&
		depmod -b "$tmp/k/modules" "$krel" || {
		rm -rf "$tmp"
		return 1
	}
	decompress_kernel "$tmp/k/vmlinuz" "$tmp/k/vmlinux" ||
		echo "husk-vm: cannot decompress the kernel; booting the bzImage (slower)" >&2
	echo "$pkg $ver" >"$tmp/k/package"
	rm -rf "$dir"
	mv "$tmp/k" "$dir" && touch "$dir/.done"
	rm -rf "$tmp"
}

command -v depmod >/dev/null && command -v modprobe >/dev/null ||
	die "depmod and modprobe not found (apt-get install kmod)"
fetch_error=
kdir=
if read -r pkg ver < <(kernel_package) ||
	{ apt-get -qq update >/dev/null 2>&1 && read -r pkg ver < <(kernel_package); }; then
	kdir=$cache/${pkg#linux-image-}_$ver
	if [ ! -e "$kdir/.done" ]; then
		info "fetching $pkg $ver into $kdir"
		fetch_kernel "$pkg" "$ver" "$kdir"
		case $? in
		0) ;;
		2) kdir= ;;
		*) die "cannot unpack $pkg $ver into $kdir" ;;
		esac
	fi
else
	fetch_error="apt knows no package that linux-image-amd64 depends on"
fi
if [ -z "$kdir" ]; then
	kdir=$(newest_cached)
	[ -n "$kdir" ] || skip "cannot obtain the guest kernel: $fetch_error"
	info "using the cached $(cat "$kdir/package") ($fetch_error)"
fi
read -r pkg ver <"$kdir/package"
krel=${pkg#linux-image-}
# One kernel is enough: drop the others.
for d in "$cache"/*/; do
	d=${d%/}
	[ "$d" = "$kdir" ] || [ ! -e "$d/package" ] || rm -rf "$d"
done
kernel=$kdir/vmlinux
[ -e "$kernel" ] || kernel=$kdir/vmlinuz

# --- Initramfs: busybox-static, stage 1 and the modules, rebuilt when any
# of them changes.
busybox=/bin/busybox
[ -x "$busybox" ] && ! LC_ALL=C readelf -l "$busybox" 2>/dev/null | grep -q INTERP ||
	die "$busybox is missing or not static (apt-get install busybox-static)"
modules=(virtio_mmio 9pnet_virtio 9p overlay virtio_console virtio_rng virtio_blk)
key=$( (
	cat "$self/initramfs-init" "$busybox"
	echo "${modules[*]}"
) | sha256sum | cut -c1-16)
initrd=$kdir/initramfs-$key.cpio
if [ ! -e "$initrd" ]; then
	t=$(mktemp -d "$kdir/initramfs.XXXXXX") || die "cannot create a directory in $kdir"
	mkdir -p "$t"/{bin,dev,proc,sys,lower,rw,newroot,modules}
	cp "$busybox" "$t/bin/busybox"
	for a in $("$busybox" --list); do
		[ "$a" = busybox ] || ln -s busybox "$t/bin/$a"
	done
	install -m 0755 "$self/initramfs-init" "$t/init"
	modprobe -d "$kdir/modules" -S "$krel" --show-depends -a "${modules[@]}" >"$t/deps" ||
		die "cannot resolve the modules ${modules[*]} of $krel"
	awk '$1 == "insmod" && !seen[$2]++ { print $2 }' "$t/deps" | while read -r m; do
		cp "$m" "$t/modules/" && basename "$m" >>"$t/modules/order"
	done
	rm -f "$t/deps"
	[ -s "$t/modules/order" ] || die "cannot copy the modules ${modules[*]} of $krel"
	(cd "$t" && find . -mindepth 1 | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null) >"$t.cpio" ||
		die "cannot build the initramfs"
	rm -rf "$t"
	mv "$t.cpio" "$initrd"
fi
# Other trees' initramfs may be booting now: only those unused for a day go.
touch "$initrd"
find "$kdir" -maxdepth 1 -name 'initramfs-*.cpio' ! -name "${initrd##*/}" -mmin +1440 -delete
exec 8>&-

# --- The job: what stage 2 reads through the shared /.
job=$(mktemp -d /tmp/husk-vm.XXXXXX) || die "cannot create a job directory"
qpid=
cleanup() {
	[ -z "$qpid" ] || kill "$qpid" 2>/dev/null
	[ "${HUSK_VM_KEEP:-0}" = 1 ] || rm -rf "$job"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Host paths under what the guest covers with tmpfs (run-all.sh builds in
# /tmp) are bound back in the guest.
keep=()
for p in "$self" "$top" "$(dirname "$HUSK")" "${files[@]%/*}"; do
	case "$p" in /tmp/* | /run/* | /var/tmp/*) keep+=("$p") ;; esac
done
bats_env=()
for v in BATS_TEST_TIMEOUT HUSK_TIMEOUT; do
	[ -z "${!v:-}" ] || bats_env+=("$v=${!v}")
done
# array NAME [VALUE...]: a bash array assignment.
array() {
	printf '%s=(' "$1"
	shift
	[ $# -eq 0 ] || printf ' %q' "$@"
	printf ' )\n'
}
{
	printf 'tree=%q\n' "$top"
	printf 'husk=%q\n' "$HUSK"
	printf 'kmodules=%q\n' "$kdir/modules/lib/modules/$krel"
	printf 'bats_flags=%q\n' "${BATS_FLAGS:-}"
	printf 'guest_cmd=%q\n' "${HUSK_VM_EXEC:-}"
	array bats_files "${files[@]}"
	array keep "${keep[@]}"
	array bats_env "${bats_env[@]}"
} >"$job/job.env"
: >"$job/tap"

# Under TCG the guest's TSC is the host's: tell the guest its frequency, or
# its calibration against the emulated PIT fails on a busy host and the
# boot hangs.  With a constant host TSC it is a good clocksource too.
tsc_khz=${HUSK_VM_TSC_KHZ:-$(awk -F: '/^cpu MHz/ { printf "%d", $2 * 1000; exit }' /proc/cpuinfo)}
tsc=
if [ -n "$tsc_khz" ] && [ "$tsc_khz" -gt 0 ]; then
	tsc="tsc_early_khz=$tsc_khz"
	grep -qw constant_tsc /proc/cpuinfo && tsc+=" tsc=reliable"
	# The second CPU's delay loop calibration takes half a second of TCG.
	hz=$(sed -n 's/^CONFIG_HZ=//p' "$kdir/config")
	[ -z "$hz" ] || tsc+=" lpj=$((tsc_khz * 1000 / hz))"
fi

# norandmaps: TCG reuses translated code only at the same virtual address,
# so with ASLR every exec translates ld.so and libc again (5 times slower).
cmdline="console=ttyS0 loglevel=4 panic=-1 reboot=t norandmaps $tsc"
case "${HUSK_VM_LSM:-apparmor}" in
apparmor) ;;
selinux)
	[ -e /etc/selinux/default/policy ] && command -v load_policy >/dev/null ||
		skip "HUSK_VM_LSM=selinux needs the host packages selinux-policy-default and policycoreutils"
	cmdline+=" security=selinux selinux=1"
	;;
*) die "HUSK_VM_LSM must be apparmor or selinux, not ${HUSK_VM_LSM}" ;;
esac
cmdline+=" husk_vm_init=$self/init husk_vm_job=$job ${HUSK_VM_APPEND:-}"
args=(
	-M microvm -accel "tcg,thread=${HUSK_VM_TCG_THREAD:-single}" -cpu max
	-smp "${HUSK_VM_CPUS:-2}" -m "${HUSK_VM_MEM:-2048}"
	-nodefaults -no-user-config -display none -no-reboot
	-kernel "$kernel" -initrd "$initrd" -append "$cmdline"
	-serial "file:$job/console.log"
	-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap
	-device virtio-9p-device,fsdev=hostroot,mount_tag=hostroot
	-device virtio-serial-device
	-chardev "file,id=tap,path=$job/tap,append=on"
	-device virtserialport,chardev=tap,name=husk.tap
	-device virtio-rng-device
	-blockdev null-co,node-name=disk,size=1073741824,read-zeroes=on
	-device virtio-blk-device,drive=disk
)

info "guest: $pkg $ver, ${HUSK_VM_CPUS:-2} vCPUs (TCG, ${HUSK_VM_TCG_THREAD:-single}-threaded), ${HUSK_VM_MEM:-2048} MiB; husk $HUSK"
start=$(date +%s.%N)
timeout -k 10 "${HUSK_VM_TIMEOUT:-3600}" "$qemu" "${args[@]}" </dev/null >"$job/qemu.log" 2>&1 &
qpid=$!

elapsed() { awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }
status=
boot=
while IFS= read -r line; do
	printf '%s\n' "$line"
	case "$line" in
	"# husk-vm: booted in "*) boot=$(elapsed) ;;
	"# husk-vm: exit status "*) status=${line#"# husk-vm: exit status "} ;;
	esac
done < <(tail -s 0.2 --pid="$qpid" -n +1 -f "$job/tap")
wait "$qpid"
qrc=$?
qpid=
info "host: ${boot:-?}s from starting QEMU to bats, $(elapsed)s in all"

if ! [[ "$status" =~ ^[0-9]+$ ]]; then
	if [ "$qrc" -eq 124 ] || [ "$qrc" -eq 137 ]; then
		echo "husk-vm: the guest was killed after HUSK_VM_TIMEOUT=${HUSK_VM_TIMEOUT:-3600}s; its console:" >&2
	else
		echo "husk-vm: the guest ended without an exit status (QEMU status $qrc); its console:" >&2
	fi
	tail -n 40 "$job/console.log" | sed 's/^/#   /' >&2
	sed 's/^/#   qemu: /' "$job/qemu.log" >&2
	exit 1
fi
[ "$status" -eq 0 ] || exit 1
exit 0
