#!/bin/bash
# The virtual board loading its 27 MB kernel over TFTP: jmpflash's server
# (windowsize 1 and 16) against tftpd-hpa (it ignores windowsize), measured
# in the same run by U-Boot itself. Prints both tables and the ratio.
#   bench/board_tftp.sh [BUILD_DIR]
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$repo/build}" && pwd)
prog=$build/tests/test_board_boot
board=$build/board
[ -x "$prog" ] || { echo "bench: build first (make build)"; exit 1; }
"$repo/board/build.sh" "$board" >/dev/null
if ! command -v in.tftpd >/dev/null || ! in.tftpd -V 2>&1 | grep -q tftp-hpa; then
	echo "bench: installing tftpd-hpa (reference server)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=600 tftpd-hpa >/dev/null
	systemctl disable --now tftpd-hpa >/dev/null 2>&1 || true
fi
ref=$(mktemp -d)
chmod 755 "$ref" # tftpd-hpa drops to an unprivileged user
trap 'rm -rf "$ref"' EXIT
cp "$board/bundle/data/Image" "$board/bundle/data/initramfs.cpio.gz" \
	"$board/bundle/data/dtbs/qemu-virt.dtb" "$ref/"

jm=$("$repo/tests/e2e/netns.sh" "$prog" "$repo" "$board" 2>/dev/null | sed -n '/board timings/,/boot to/p')
# tftpd-hpa inside the same kind of namespace; -a :69 (not 127.0.0.1, see
# docs/benchmarks.md: glibc's AI_ADDRCONFIG finds no address in a bare netns).
hpa=$("$repo/tests/e2e/netns.sh" sh -c '
	in.tftpd -L -s -a :69 "$1" & pid=$!
	"$2" --external-tftp "$3" "$4" 2>/dev/null; rc=$?
	kill $pid; exit $rc' sh "$ref" "$prog" "$repo" "$board" | sed -n '/board timings/,/boot to/p')
echo "$jm"
echo "$hpa" | sed 's/external TFTP server/tftpd-hpa/'
k16=$(awk '/windowsize 16/ {print $4}' <<<"$jm")
h1=$(awk '/windowsize 1 / {print $4}' <<<"$hpa")
awk -v a="$k16" -v b="$h1" 'BEGIN { printf "kernel load: jmpflash windowsize 16 is %.1fx tftpd-hpa (target >= 3x)\n", b / a }'
