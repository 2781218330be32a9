#!/bin/bash
# Register husk as an OCI runtime with Podman and Docker.
#
#   contrib/install-engine-config.sh [--husk PATH] [--podman-dir DIR]
#       [--docker-config FILE] [--no-podman] [--no-docker]
#
# Podman: contrib/podman/husk.conf goes to DIR/husk.conf (default
# /etc/containers/containers.conf.d), with PATH (default
# /usr/local/bin/husk, where `make install` puts it) as husk's binary.
# Docker: the "runtimes" entry of contrib/docker/daemon.json is merged into
# FILE (default /etc/docker/daemon.json) with jq; every other setting and
# runtime in FILE is kept (and the husk entry's other settings, such as
# runtimeArgs), and a missing FILE is created.  A file that
# would not change is not rewritten, so running this again does nothing.
#
# Afterwards: `podman --runtime husk run ...`; for Docker, reload dockerd
# (SIGHUP re-reads the runtimes, or restart it), then
# `docker run --runtime husk ...`.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
husk=/usr/local/bin/husk
podman_dir=/etc/containers/containers.conf.d
docker_config=/etc/docker/daemon.json
do_podman=1 do_docker=1

die() { echo "install-engine-config: $*" >&2; exit 1; }
usage() {
	echo "usage: $0 [--husk PATH] [--podman-dir DIR] [--docker-config FILE] [--no-podman] [--no-docker]" >&2
	exit 2
}

while [ $# -gt 0 ]; do
	case "$1" in
	--husk) [ $# -ge 2 ] || usage; husk=$2; shift 2 ;;
	--podman-dir) [ $# -ge 2 ] || usage; podman_dir=$2; shift 2 ;;
	--docker-config) [ $# -ge 2 ] || usage; docker_config=$2; shift 2 ;;
	--no-podman) do_podman=0; shift ;;
	--no-docker) do_docker=0; shift ;;
	-h | --help) usage ;;
	*) echo "install-engine-config: unknown argument \`$1\`" >&2; usage ;;
	esac
done

case "$husk" in
/*) ;;
*) die "--husk: \`$husk\` is not an absolute path (the engines run it from elsewhere)" ;;
esac
# It goes into TOML, JSON and a sed expression: keep it plain.
case "$husk" in
*[!A-Za-z0-9._/+-]*) die "--husk: \`$husk\`: only letters, digits and . _ / + - are allowed" ;;
esac
[ -x "$husk" ] || echo "install-engine-config: warning: $husk is not an executable (yet)" >&2
command -v jq >/dev/null || die "jq not found: apt-get install jq"

# put FILE CONTENT_FILE [SAME]: replace FILE by CONTENT_FILE unless SAME
# (a command given both files) says they are the same, keeping FILE's mode
# when it exists; atomic (rename in FILE's directory).
put() {
	local file=$1 new=$2 same=${3:-cmp -s} tmp
	if [ -f "$file" ] && $same "$file" "$new"; then
		echo "install-engine-config: $file: already up to date"
		return 0
	fi
	mkdir -p "$(dirname "$file")"
	tmp=$(mktemp "$(dirname "$file")/.husk-install.XXXXXX")
	cat "$new" >"$tmp"
	if [ -f "$file" ]; then
		chmod --reference="$file" "$tmp"
	else
		chmod 0644 "$tmp"
	fi
	mv -f "$tmp" "$file"
	echo "install-engine-config: $file: written"
}

same_json() {
	[ "$(jq -S . "$1" 2>/dev/null)" = "$(jq -S . "$2")" ]
}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Everything is prepared (and checked) before anything is written.
if [ "$do_podman" = 1 ]; then
	sed "s|/usr/local/bin/husk|$husk|" "$here/podman/husk.conf" >"$work/husk.conf"
fi

if [ "$do_docker" = 1 ]; then
	if [ -e "$docker_config" ]; then
		[ -f "$docker_config" ] || die "$docker_config: not a regular file"
		if [ -s "$docker_config" ]; then
			jq -e 'type == "object"' "$docker_config" >/dev/null 2>&1 ||
				die "$docker_config: not a JSON object; left as it is"
			jq -e '(.runtimes // {} | type == "object") and (.runtimes.husk // {} | type == "object")' \
				"$docker_config" >/dev/null ||
				die "$docker_config: \"runtimes\" or \"runtimes.husk\" is not an object; left as it is"
			cp "$docker_config" "$work/current.json"
		else
			echo '{}' >"$work/current.json"
		fi
	else
		echo '{}' >"$work/current.json"
	fi
	# An existing husk entry keeps its other settings (runtimeArgs).
	jq --arg husk "$husk" --slurpfile snippet "$here/docker/daemon.json" '
		.runtimes = ((.runtimes // {})
			| .husk = ((.husk // {}) + ($snippet[0].runtimes.husk | .path = $husk)))' \
		"$work/current.json" >"$work/daemon.json"
fi

[ "$do_podman" = 0 ] || put "$podman_dir/husk.conf" "$work/husk.conf"
# Equal as JSON is up to date, however the file is laid out.
[ "$do_docker" = 0 ] || put "$docker_config" "$work/daemon.json" same_json
