#!/bin/sh
# `make demo`: what jmpflash can show today. Once the virtual board lands this
# flashes it end to end; until then it checks the shipped examples and says
# plainly what it cannot do yet.
set -eu
build=${1:-build}
jf="$build/jmpflash"

step() { printf '\n==> %s\n' "$*"; }

step "jmpflash --version"
"$jf" --version

step "jmpflash -c examples/exporter-ti-j784s4.yaml config check"
"$jf" -c examples/exporter-ti-j784s4.yaml config check

step "jmpflash bundle inspect examples/bundles/manifest-fit.yaml"
"$jf" bundle inspect examples/bundles/manifest-fit.yaml ||
	echo "(the example manifest ships without its kernel and DTB files, so they show as MISSING)"

cat <<'MSG'

==> What this demo cannot do yet
jmpflash cannot flash a board yet: the TFTP/HTTP servers, the OCI bundle
client, the serial console and power drivers, and the QEMU virtual board are
still being built. When they land, `make demo` boots the built-in virtual
board and flashes an image onto it end to end.
MSG
