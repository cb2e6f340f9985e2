#!/bin/sh
# Cross-build the agent statically: cross-build.sh CC STRIP OUT [cc args: -I, sources, -l]
# glibc's linker notes about getaddrinfo in static binaries are expected (the
# agent resolves numeric addresses itself) and filtered; anything else shows.
set -eu
cc=$1 strip=$2 out=$3
shift 3
args=""
for a in "$@"; do args="$args $a"; done
log=$(mktemp)
trap 'rm -f "$log" "$out.tmp"' EXIT
mkdir -p "$(dirname "$out")"
# shellcheck disable=SC2086
if ! $cc -static -O2 -std=c11 -Wall -Wextra -Werror -D_POSIX_C_SOURCE=200809L \
	-D_DEFAULT_SOURCE $args -o "$out.tmp" >"$log" 2>&1; then
	cat "$log" >&2
	exit 1
fi
grep -v -e "statically linked applications requires" -e "in function \`" "$log" >&2 || true
$strip "$out.tmp"
mv "$out.tmp" "$out"
