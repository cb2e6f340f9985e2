#!/bin/bash
# A cross-built board agent (build/agent/<dir>/) run under its qemu-user
# emulator, called directly (no binfmt): it downloads a multi-block .xz image
# from `jmpflash serve` on loopback, over http and over https (its static
# OpenSSL, a test CA), and writes a regular file, which must equal the raw
# image byte for byte, as must the result line's sha256.
# `file` must say it is statically linked for the board's architecture.
#   agent_cross.sh JMPFLASH AGENT EMULATOR DIR SYSROOT
set -uo pipefail
JMPFLASH=$1 AGENT=$2 DIR=$4 SYSROOT=$5
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/agent_lib.sh"
EMU=$3
need "$EMU" xz file socat openssl curl
if [ ! -x "$AGENT" ]; then
	echo "no $AGENT: the $DIR agent is not built (scripts/install-deps.sh installs its cross compiler and libraries)" >&2
	# in CI: a failure, unless install-deps.sh could not get its libraries
	# (an optional architecture; it warned)
	[ -n "${CI:-}" ] && [ -d "$SYSROOT" ] && exit 1
	exit 77
fi

case $DIR in
aarch64) want="ELF 64-bit LSB executable, ARM aarch64" ;;
armhf) want="ELF 32-bit LSB executable, ARM, EABI5" ;;
*) want="ELF" ;;
esac
desc=$(file -b "$AGENT")
[[ $desc == *"$want"* && $desc == *"statically linked"* ]] ||
	fail "file says: $desc (wanted: $want, statically linked)"
ok "$DIR: $want, statically linked"

W=$T/www
mkdir -p "$W"
# 6 MiB random, 6 MiB zeros, an odd tail; xz -T2 makes blocks (the agent's
# multi-threaded decoder runs them in parallel)
{ head -c 6M /dev/urandom; head -c 6M /dev/zero; head -c 12345 /dev/urandom; } >"$W/img"
xz -T2 -1 -k "$W/img"
start_serve srv --http-root "$W" --http-port 0 --tftp-port 0 --bind 127.0.0.1

: >"$T/out"
agent out "http://127.0.0.1:$HTTP_PORT/img.xz"
wrote "$DIR agent under $EMU" "$W/img"
[ "$(field compression)" = xz ] || fail "$DIR: compression $(field compression)"
ok "$DIR agent under $EMU: .xz written byte for byte, result sha256 matches"

tls_front "$(free_port)" img.xz
: >"$T/out"
agent out --cacert "$T/ca.pem" "$HTTPS/img.xz"
wrote "$DIR agent under $EMU, https" "$W/img"
agent out --cacert "$T/ca.pem" "https://localhost:$TLS_PORT/img.xz"
[ "$rc" -eq 9 ] || fail "$DIR: https, certificate for another name: exit $rc: $(result)"
ok "$DIR agent under $EMU: https with --cacert byte for byte; another name refused (exit 9)"
