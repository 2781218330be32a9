#!/bin/bash
# Install everything husk needs to build, run and test from Debian 12
# packages.  Does nothing (and needs no network) when all are present.
set -euo pipefail

packages=(
	# build
	build-essential autoconf automake pkg-config git
	libseccomp-dev libcap-dev libyajl-dev
	# fuzzing and sanitizers
	clang libclang-rt-14-dev
	# tests and demo bundles
	busybox-static jq bats bats-assert bats-support strace libcap2-bin
	iproute2 util-linux procps coreutils findutils uidmap
	# terminal tests (tty.bats); script(1) is in bsdutils, always installed
	tmux
	# tests/engines: Podman (with conmon) and Docker (with containerd) run
	# husk; script(1), for their -it, is in bsdutils, always installed.
	# On a host running systemd, docker.io's postinst starts the system
	# dockerd; the tests start their own either way.
	podman conmon docker.io containerd
	# the pure cgroup v2 guest (tests/vm/run.sh; it downloads the kernel)
	qemu-system-x86 kmod xz-utils
)

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages already installed"
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing ${missing[*]}; run this as root" >&2
	exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# -qq keeps apt quiet; errors still reach stderr.  Output is kept and shown
# if a step fails, since apt's own messages are the useful part then.
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! apt-get -qq update >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-deps: apt-get update failed" >&2
	exit 1
fi
if ! apt-get -qq -y --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	install "${missing[@]}" >"$log" 2>&1; then
	cat "$log" >&2
	echo "install-deps: apt-get install failed" >&2
	exit 1
fi
echo "install-deps: done"
