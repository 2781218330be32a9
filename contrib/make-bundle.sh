#!/bin/bash
# Build a small OCI bundle (busybox-static rootfs + config.json) without
# needing husk itself, for demos and for the integration tests.
#
#   contrib/make-bundle.sh DIR [-- CMD [ARGS...]]
#
# DIR/rootfs gets /bin/busybox with one symlink per applet, /etc/passwd and
# /etc/group (root and nobody) and empty /proc /sys /dev /tmp.  DIR/config.json
# is written from the template below (runtime-spec 1.3.0).  Running it again on
# the same DIR refreshes both.  BUSYBOX=path overrides the busybox binary;
# OCI_VERSION=x.y.z the ociVersion (older runtimes refuse 1.3.0).
set -euo pipefail

die() { echo "make-bundle.sh: $*" >&2; exit 1; }
usage() { echo "usage: $0 DIR [-- CMD [ARGS...]]" >&2; exit 2; }

[ $# -ge 1 ] || usage
case "$1" in -h|--help) usage ;; esac
dir=$1
shift
if [ $# -gt 0 ]; then
	[ "$1" = "--" ] || usage
	shift
	[ $# -gt 0 ] || die "no command given after --"
fi

busybox=${BUSYBOX:-/bin/busybox}
if [ -z "${BUSYBOX:-}" ] &&
	! dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'ok installed'; then
	die "busybox-static is not installed (apt-get install busybox-static)"
fi
[ -x "$busybox" ] || die "$busybox not found: install busybox-static (apt-get install busybox-static)"
# A dynamically linked busybox would not run in a rootfs without its libraries.
if command -v readelf >/dev/null && LC_ALL=C readelf -l "$busybox" 2>/dev/null | grep -q INTERP; then
	die "$busybox is dynamically linked: install busybox-static"
fi
command -v jq >/dev/null || die "jq not found: apt-get install jq"

rootfs=$dir/rootfs
mkdir -p "$rootfs"
for d in bin sbin usr/bin usr/sbin etc root proc sys dev tmp; do
	mkdir -p "$rootfs/$d"
done
chmod 0755 "$rootfs" "$rootfs/bin" "$rootfs/etc"
chmod 0700 "$rootfs/root"
chmod 1777 "$rootfs/tmp"
install -m 0755 "$busybox" "$rootfs/bin/busybox.new"
mv -f "$rootfs/bin/busybox.new" "$rootfs/bin/busybox"

# `busybox --list-full` only prints names; the links are made here, so the
# host busybox never installs anything itself.
"$busybox" --list-full | while IFS= read -r applet; do
	case "$applet" in
	"" | /* | *..*) continue ;;
	bin/busybox) continue ;;
	esac
	link=$rootfs/$applet
	if [ -L "$link" ] || [ ! -e "$link" ]; then
		# One command per applet at most: under emulation (tests/vm) every
		# fork and exec counts.
		[ -d "${link%/*}" ] || mkdir -p "${link%/*}"
		ln -sfn /bin/busybox "$link"
	fi
done

cat >"$rootfs/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat >"$rootfs/etc/group" <<'GROUP'
root:x:0:
nogroup:x:65534:
GROUP
chmod 0644 "$rootfs/etc/passwd" "$rootfs/etc/group"

config=$dir/config.json
cat >"$config.tmp" <<'CONFIG'
{
	"ociVersion": "1.3.0",
	"process": {
		"terminal": false,
		"user": {
			"uid": 0,
			"gid": 0
		},
		"args": [
			"sh",
			"-c",
			"echo \"hostname: $(hostname)\"; echo \"pid: $$\""
		],
		"env": [
			"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"TERM=xterm"
		],
		"cwd": "/",
		"capabilities": {
			"bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
			"ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
		},
		"rlimits": [
			{
				"type": "RLIMIT_NOFILE",
				"hard": 1024,
				"soft": 1024
			}
		],
		"noNewPrivileges": true
	},
	"root": {
		"path": "rootfs",
		"readonly": true
	},
	"hostname": "husk-demo",
	"mounts": [
		{
			"destination": "/proc",
			"type": "proc",
			"source": "proc"
		},
		{
			"destination": "/dev",
			"type": "tmpfs",
			"source": "tmpfs",
			"options": ["nosuid", "strictatime", "mode=755", "size=65536k"]
		},
		{
			"destination": "/dev/pts",
			"type": "devpts",
			"source": "devpts",
			"options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]
		},
		{
			"destination": "/dev/shm",
			"type": "tmpfs",
			"source": "shm",
			"options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]
		},
		{
			"destination": "/dev/mqueue",
			"type": "mqueue",
			"source": "mqueue",
			"options": ["nosuid", "noexec", "nodev"]
		},
		{
			"destination": "/sys",
			"type": "sysfs",
			"source": "sysfs",
			"options": ["nosuid", "noexec", "nodev", "ro"]
		},
		{
			"destination": "/sys/fs/cgroup",
			"type": "cgroup",
			"source": "cgroup",
			"options": ["nosuid", "noexec", "nodev", "relatime", "ro"]
		}
	],
	"linux": {
		"resources": {
			"devices": [
				{
					"allow": false,
					"access": "rwm"
				}
			]
		},
		"namespaces": [
			{"type": "pid"},
			{"type": "network"},
			{"type": "ipc"},
			{"type": "uts"},
			{"type": "mount"},
			{"type": "cgroup"}
		],
		"maskedPaths": [
			"/proc/acpi",
			"/proc/asound",
			"/proc/kcore",
			"/proc/keys",
			"/proc/latency_stats",
			"/proc/timer_list",
			"/proc/timer_stats",
			"/proc/sched_debug",
			"/sys/firmware",
			"/proc/scsi"
		],
		"readonlyPaths": [
			"/proc/bus",
			"/proc/fs",
			"/proc/irq",
			"/proc/sys",
			"/proc/sysrq-trigger"
		]
	}
}
CONFIG
if [ -n "${OCI_VERSION:-}" ]; then
	jq --arg v "$OCI_VERSION" '.ociVersion = $v' "$config.tmp" >"$config.tmp2"
	mv -f "$config.tmp2" "$config.tmp"
fi
if [ $# -gt 0 ]; then
	# --arg per word: jq 1.6 would parse a word like "-c" after --args as its own option.
	jqargs=()
	i=0
	for a in "$@"; do
		jqargs+=(--arg "a$i" "$a")
		i=$((i + 1))
	done
	jq "${jqargs[@]}" --argjson n "$#" \
		'.process.args = [range(0; $n) as $i | $ARGS.named["a\($i)"]]' \
		"$config.tmp" >"$config.tmp2"
	mv -f "$config.tmp2" "$config.tmp"
else
	jq . "$config.tmp" >/dev/null
fi
mv -f "$config.tmp" "$config"
