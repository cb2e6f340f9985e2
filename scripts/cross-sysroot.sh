#!/bin/sh
# Unpack Debian's static libraries and headers for the board agent's cross
# builds (agent/CMakeLists.txt) into ROOT/<dir>/, one tree per board
# architecture, without installing them. Multiarch (`pkg:armhf`) would pin
# every -dev package to the host's exact version, so a security update that
# reaches one architecture's index before another's (or a mirror whose armhf
# index lags, as this project's did) breaks the whole install; a tree per
# architecture takes whatever version that architecture's index has.
#   cross-sysroot.sh ROOT DIR:DEBIAN_ARCH...   (run as root by install-deps.sh)
# Cached: a tree whose stamp names the same packages is left alone. apt runs
# with its own state under ROOT (the host's dpkg architectures are untouched).
set -eu
root=$1
shift
pairs="$*"
# agent/CMakeLists.txt's JF_AGENT_LIBS come from these (libpthread is libc's)
PKGS="zlib1g-dev liblzma-dev libzstd-dev libbz2-dev liblz4-dev libssl-dev libexpat1-dev"

for pair in $pairs; do
	dir=${pair%%:*} arch=${pair#*:}
	[ "$(head -1 "$root/$dir/.packages" 2>/dev/null)" = "$PKGS" ] && continue
	st=$root/.apt-$arch
	rm -rf "$st" "$root/$dir.tmp"
	mkdir -p "$st/lists/partial" "$st/archives/partial" "$root/$dir.tmp"
	: >"$st/status"
	set -- -o APT::Architecture="$arch" -o APT::Architectures::="$arch" \
		-o Dir::State::Lists="$st/lists" -o Dir::State::status="$st/status" \
		-o Dir::Cache="$st" -o Dir::Cache::Archives="$st/archives" \
		-o APT::Sandbox::User=root -o Debug::NoLocking=1
	# An index that fails to download (a mirror mid-sync) is only a warning
	# here: the packages then come from the suites that did load.
	apt-get "$@" update -qq ||
		echo "cross-sysroot: apt-get update for $arch was incomplete (see above); going on" >&2
	# shellcheck disable=SC2086
	(cd "$st/archives" && apt-get "$@" download -q $PKGS >/dev/null)
	for deb in "$st"/archives/*.deb; do dpkg-deb -x "$deb" "$root/$dir.tmp"; done
	{ echo "$PKGS"; (cd "$st/archives" && ls -- *.deb); } >"$root/$dir.tmp/.packages"
	rm -rf "${root:?}/$dir" "$st"
	mv "$root/$dir.tmp" "$root/$dir"
	echo "cross-sysroot: $root/$dir: $(tail -n +2 "$root/$dir/.packages" | tr '\n' ' ')"
done
