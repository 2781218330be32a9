#!/bin/bash
# tests/vm/lsm.sh [BATS FILTER]: run the LSM tests of security.bats in a
# QEMU guest whose kernel has AppArmor enabled, for hosts that have none
# (such as the project's CI machines: lockdown,capability,landlock,bpf).
#
# Needs root and the Debian packages qemu-system-x86, linux-image-amd64 and
# apparmor (apparmor_parser).  The guest boots Debian's kernel with a small
# busybox initramfs, mounts this host's / read-only over 9p, puts tmpfs on
# /tmp and /run, switch_roots into it and runs bats there, so it tests the
# husk built in this tree.  Under TCG it takes a few minutes.
set -euo pipefail

filter=${1:-lsm}
tree=$(cd "$(dirname "$0")/../.." && pwd)
kernel=$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -1)
[ -n "$kernel" ] || { echo "lsm.sh: no kernel in /boot (apt-get install linux-image-amd64)" >&2; exit 1; }
kver=${kernel#/boot/vmlinuz-}
command -v qemu-system-x86_64 >/dev/null || { echo "lsm.sh: install qemu-system-x86" >&2; exit 1; }
command -v apparmor_parser >/dev/null || echo "lsm.sh: apparmor_parser missing: the profile test will skip" >&2

work=$(mktemp -d /var/tmp/husk-lsm-vm.XXXXXX) # /var/tmp: the guest sees it
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/initrd/"{bin,dev,proc,sys,host,mod}
cp "$(command -v busybox)" "$work/initrd/bin/busybox"
mods="netfs fscache 9pnet 9p virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci 9pnet_virtio"
for m in $mods; do
	f=$(modinfo -k "$kver" -n "$m" 2>/dev/null) || continue # built in
	case "$f" in
	*.ko) cp "$f" "$work/initrd/mod/$m.ko" ;;
	*.ko.xz) xz -dc "$f" >"$work/initrd/mod/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$work/initrd/mod/$m.ko" ;;
	esac
done
cat >"$work/initrd/init" <<INIT
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $mods; do [ -e /mod/\$m.ko ] && insmod /mod/\$m.ko; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /host || { echo "=== guest exit 99"; poweroff -f; }
mount -t proc proc /host/proc; mount -t sysfs sys /host/sys; mount -t devtmpfs dev /host/dev
mount -t securityfs none /host/sys/kernel/security
mount -t tmpfs tmp /host/tmp; mount -t tmpfs run /host/run
mkdir -p /host/dev/pts /host/dev/shm; mount -t devpts devpts /host/dev/pts
ln -s /proc/self/fd /host/dev/fd
echo "=== guest: \$(uname -r), LSMs \$(cat /host/sys/kernel/security/lsm)"
exec switch_root /host /bin/bash -c 'cd "$tree" && bats -f "$filter" tests/integration/security.bats; echo "=== guest exit \$?"; echo o >/proc/sysrq-trigger; sleep 5'
INIT
chmod 755 "$work/initrd/init"
(cd "$work/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip) >"$work/initrd.gz"
timeout 1800 qemu-system-x86_64 -machine pc,accel=tcg -cpu max -m 1024 -smp 2 -nographic -no-reboot \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 apparmor=1 security=apparmor" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=passthrough,readonly=on,multidevs=remap |
	tee "$work/console" | sed -n '/=== guest/,$p'
status=$(sed -n 's/.*=== guest exit \([0-9]*\).*/\1/p' "$work/console" | tail -1)
exit "${status:-1}"
